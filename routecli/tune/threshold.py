"""Choosing a threshold from logged outcomes: the threshold curve (every distinct threshold at once), then the
cheapest that holds quality. Pure (numpy).

Two models, a weak (cheap) one and a strong one:

- **route**: a router scores each prompt; prompts scoring at or above the
  threshold go to the strong model, the rest to the weak one. Each pays one
  model.
- **cascade**: the weak model answers every prompt; an answer whose confidence
  is below the threshold is escalated to the strong model, whose answer is
  taken. Escalated prompts pay both.

A threshold curve sorts the prompts once (by score, or by the weak answer's confidence)
and takes cumulative sums of both models' quality and cost in that order: the
cut after the first k prompts gives the strategy's quality and cost when those
k reach the strong model. Cuts are taken only between different values
(prompts with equal scores fall on the same side of any threshold), so a
curve has one point per distinct value plus the two ends, computed in
O(n log n) for any number of thresholds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import NDArray

from routecli.errors import InvalidValueError
from routecli.tune.outcomes import Outcomes

__all__ = [
    "BOOTSTRAP_MOST",
    "Applied",
    "Held",
    "Interval",
    "Pair",
    "Point",
    "ThresholdCurve",
    "ThresholdStrategy",
    "TuneResult",
    "apply_threshold",
    "bootstrap",
    "choose_for_floor",
    "choose_for_share",
    "default_pair",
    "split",
    "threshold_curve",
    "tune",
]

ThresholdStrategy = Literal["route", "cascade"]
"""How a threshold splits prompts between the weak and the strong model (not a scenario's strategy)."""

Floats = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class ThresholdCurve:
    """A strategy's quality and cost at every threshold, in order of the strong model's share (ascending).

    ``threshold[i]`` is the threshold of point ``i``: for ``route`` a prompt
    goes strong when its score is at least it (``inf``: none do); for
    ``cascade`` an answer is accepted when its confidence is at least it
    (``-inf``: every one is; ``inf``: none is). ``quality`` is the mean over
    prompts, ``cost`` the total, ``strong_share`` the share of prompts the
    strong model answered.
    """

    strategy: ThresholdStrategy
    threshold: Floats
    quality: Floats
    cost: Floats
    strong_share: Floats

    def __len__(self) -> int:
        return len(self.threshold)

    def point(self, index: int) -> Point:
        return Point(
            float(self.threshold[index]),
            float(self.quality[index]),
            float(self.cost[index]),
            float(self.strong_share[index]),
        )


class Point(NamedTuple):
    """One threshold and what it gives."""

    threshold: float
    quality: float
    cost: float
    strong_share: float


def default_pair(outcomes: Outcomes) -> tuple[str, str]:
    """(weak, strong): the strong model is the best on average (ties: the cheaper), the weak one the cheapest other.

    ``InvalidValueError`` with fewer than two models.
    """
    if len(outcomes.models) < 2:
        raise outcomes.invalid(f"a weak and a strong model are needed; the outcomes have {len(outcomes.models)}")
    quality, cost = outcomes.mean_quality(), outcomes.total_cost()
    strong = min(range(len(outcomes.models)), key=lambda m: (-quality[m], cost[m]))
    weak = min((m for m in range(len(outcomes.models)) if m != strong), key=lambda m: (cost[m], -quality[m]))
    return outcomes.models[weak], outcomes.models[strong]


def threshold_curve(
    strategy: ThresholdStrategy,
    keys: Floats,
    weak_quality: Floats,
    weak_cost: Floats,
    strong_quality: Floats,
    strong_cost: Floats,
) -> ThresholdCurve:
    """Every distinct threshold over ``keys`` (route: the router's scores; cascade: the weak answers' confidence).

    ``InvalidValueError`` when a key is NaN: a prompt without one cannot be placed.
    """
    count = len(keys)
    if np.isnan(keys).any():
        raise InvalidValueError("some prompts have no score (NaN)")
    # route: the highest scores go strong first; cascade: the least confident answers escalate first
    order = np.argsort(-keys if strategy == "route" else keys, kind="stable")
    ordered = keys[order]
    gained_quality = np.concatenate(([0.0], np.cumsum(strong_quality[order] - weak_quality[order])))
    strong_paid = np.concatenate(([0.0], np.cumsum(strong_cost[order])))
    weak_saved = np.concatenate(([0.0], np.cumsum(weak_cost[order])))
    # cuts: before the first prompt, between different keys, after the last
    boundaries = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1
    cuts = np.concatenate(([0], boundaries, [count])) if count else np.array([0])
    base_quality = float(weak_quality.sum())
    base_cost = float(weak_cost.sum())
    quality = (base_quality + gained_quality[cuts]) / count if count else np.array([np.nan])
    if strategy == "route":
        cost = base_cost - weak_saved[cuts] + strong_paid[cuts]
        # the cut after k prompts sends scores >= ordered[k - 1] strong; none strong: inf
        threshold = np.where(cuts > 0, ordered[np.maximum(cuts - 1, 0)] if count else np.inf, np.inf)
    else:
        cost = base_cost + strong_paid[cuts]
        # the cut after k prompts accepts confidence >= ordered[k]; every one escalated: inf
        threshold = np.where(cuts < count, ordered[np.minimum(cuts, count - 1)] if count else np.inf, np.inf)
        threshold[0] = -np.inf  # nothing escalated: every answer accepted
    share = cuts / count if count else np.zeros(1)
    return ThresholdCurve(strategy, threshold.astype(np.float64), quality, cost, share.astype(np.float64))


class Pair(NamedTuple):
    """The two models' quality and cost per prompt, and the key each prompt is sorted by."""

    keys: Floats
    weak_quality: Floats
    weak_cost: Floats
    strong_quality: Floats
    strong_cost: Floats

    @classmethod
    def of(cls, outcomes: Outcomes, weak: str, strong: str, keys: Floats) -> Pair:
        w, s = outcomes.column(weak), outcomes.column(strong)
        return cls(keys, outcomes.quality[:, w], outcomes.cost[:, w], outcomes.quality[:, s], outcomes.cost[:, s])

    def take(self, rows: NDArray[np.intp]) -> Pair:
        return Pair(*(column[rows] for column in self))

    def curve(self, strategy: ThresholdStrategy) -> ThresholdCurve:
        return threshold_curve(strategy, *self)


class Applied(NamedTuple):
    """One threshold applied to prompts: each prompt's quality and cost, and whether the strong model answered."""

    quality: Floats
    cost: Floats
    strong: NDArray[np.bool_]

    def summary(self) -> Point:
        count = len(self.quality)
        return Point(
            np.nan,
            float(self.quality.mean()) if count else np.nan,
            float(self.cost.sum()),
            float(self.strong.mean()) if count else np.nan,
        )


def apply_threshold(strategy: ThresholdStrategy, threshold: float, pair: Pair) -> Applied:
    """What ``threshold`` does to each prompt of ``pair`` (prompts not seen when it was chosen, say)."""
    if strategy == "route":
        strong = pair.keys >= threshold
        cost = np.where(strong, pair.strong_cost, pair.weak_cost)
    else:
        strong = ~(pair.keys >= threshold)  # accepted at or above it; -inf accepts all, inf none
        cost = pair.weak_cost + np.where(strong, pair.strong_cost, 0.0)
    quality = np.where(strong, pair.strong_quality, pair.weak_quality)
    return Applied(quality, cost, strong)


def choose_for_floor(curve: ThresholdCurve, floor: float) -> int | None:
    """The cheapest point with quality at least ``floor`` (ties: higher quality, then fewer strong calls).

    None when no threshold reaches it.
    """
    reaching = np.flatnonzero(curve.quality >= floor - 1e-12)  # 1e-12: a share like 0.95 summed from floats
    if not len(reaching):
        return None
    # lexsort's last key sorts first: cost, then higher quality, then fewer strong calls
    ranked = np.lexsort((curve.strong_share[reaching], -curve.quality[reaching], curve.cost[reaching]))
    return int(reaching[ranked[0]])


def choose_for_share(curve: ThresholdCurve, share: float) -> int:
    """The point whose strong share is closest to ``share`` (ties: the smaller share), as RouteLLM calibrates."""
    distance = np.abs(curve.strong_share - share)
    return int(np.flatnonzero(distance <= distance.min() + 1e-12)[0])


Seed = int | np.random.SeedSequence


def split(count: int, holdout: float, seed: Seed) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """(tune rows, held-out rows): a seeded random ``holdout`` share of ``count`` prompts held out, both sorted."""
    rng = np.random.default_rng(seed)
    held = round(count * holdout)
    order = rng.permutation(count)
    return np.sort(order[held:]), np.sort(order[:held])


class Interval(NamedTuple):
    """A bootstrap percentile interval around an estimate."""

    estimate: float
    low: float
    high: float


BOOTSTRAP_MOST = 20_000_000
"""Resampled rows (resamples × prompts) above which the normal approximation stands in for the bootstrap."""


def bootstrap(applied: Applied, seed: Seed, resamples: int = 1000, level: float = 0.95) -> tuple[Interval, Interval]:
    """Intervals for mean quality and total cost: a percentile bootstrap (prompts resampled with replacement).

    When resampling would touch more than ``BOOTSTRAP_MOST`` rows (1,000
    resamples of 20,000 prompts), the normal approximation the bootstrap
    converges to is used instead: estimate ± z·sd/√n. At that size the two
    agree to well within the intervals' own sampling noise.
    """
    count = len(applied.quality)
    summary = applied.summary()
    tail = (1 - level) / 2
    if count * resamples > BOOTSTRAP_MOST:
        z = float(_normal_quantile(1 - tail))
        quality_half = z * float(applied.quality.std()) / math.sqrt(count)
        cost_half = z * float(applied.cost.std()) * math.sqrt(count)  # the total: n × the mean's half-width
        return (
            Interval(summary.quality, summary.quality - quality_half, summary.quality + quality_half),
            Interval(summary.cost, summary.cost - cost_half, summary.cost + cost_half),
        )
    rng = np.random.default_rng(seed)
    qualities: list[Floats] = []
    costs: list[Floats] = []
    per_chunk = max(1, 2_000_000 // max(count, 1))  # bounds the resample matrix's memory
    for start in range(0, resamples, per_chunk):
        rows = rng.integers(0, count, size=(min(per_chunk, resamples - start), count))
        qualities.append(applied.quality[rows].mean(axis=1))
        costs.append(applied.cost[rows].sum(axis=1))

    def interval(estimate: float, samples: list[Floats]) -> Interval:
        low, high = np.percentile(np.concatenate(samples), [tail * 100, 100 - tail * 100])
        return Interval(estimate, float(low), float(high))

    return interval(summary.quality, qualities), interval(summary.cost, costs)


def _normal_quantile(p: float) -> float:
    """The standard normal's ``p`` quantile (``statistics.NormalDist``: exact to double precision)."""
    from statistics import NormalDist

    return NormalDist().inv_cdf(p)


class Held(NamedTuple):
    """The chosen threshold on prompts it was not chosen on, with bootstrap intervals."""

    tuned_on: int
    held_out: int
    seed: int
    quality: Interval
    cost: Interval
    strong_share: float
    strong_cost: float
    """The strong model alone on the held-out prompts: what savings are measured against."""

    @property
    def savings_pct(self) -> float | None:
        """What the chosen threshold saves on the held-out prompts against the strong model alone, in percent."""
        return (1 - self.cost.estimate / self.strong_cost) * 100 if self.strong_cost else None


@dataclass(frozen=True, eq=False)
class TuneResult:
    """What ``routecli tune`` found: one object for every output format.

    ``chosen`` indexes ``curve`` (None when no threshold reaches the floor).
    ``weak_alone`` and ``strong_alone`` are each model on every prompt tuned on.
    """

    strategy: ThresholdStrategy
    weak: str
    strong: str
    score: str
    prompts: int
    curve: ThresholdCurve
    chosen: int | None
    weak_alone: Point
    strong_alone: Point
    floor: float | None = None
    """The absolute quality floor (a relative one already multiplied by the strong model's quality)."""
    floor_given: str | None = None
    floor_relative: float | None = None
    """The share of the strong model's quality a ``--relative-floor`` asked for; None for an absolute floor."""
    target_share: float | None = None
    held: Held | None = None
    skipped: dict[str, int] | None = None

    @property
    def choice(self) -> Point | None:
        return None if self.chosen is None else self.curve.point(self.chosen)

    def savings_for(self, cost: float) -> float | None:
        """What ``cost`` saves against the strong model alone on the same prompts, in percent."""
        strong = self.strong_alone.cost
        return (1 - cost / strong) * 100 if strong else None

    @property
    def savings_pct(self) -> float | None:
        """What the chosen threshold saves against the strong model alone, in percent."""
        choice = self.choice
        return None if choice is None else self.savings_for(choice.cost)


def tune(
    strategy: ThresholdStrategy,
    pair: Pair,
    *,
    weak: str,
    strong: str,
    score: str,
    floor: float | None = None,
    floor_relative: bool = False,
    target_share: float | None = None,
    holdout: float | None = None,
    seed: int = 0,
    resamples: int = 1000,
    floor_given: str | None = None,
    source: str = "",
    skipped: Mapping[str, int] | None = None,
) -> TuneResult:
    """Sweep ``pair`` and choose: the cheapest threshold whose quality reaches ``floor`` (a fraction of the strong
    model's quality when ``floor_relative``), or the strong share closest to ``target_share``.

    With ``holdout``, the choice is made on the other prompts and measured on
    the held-out share, with bootstrap intervals (the split and the resampling
    draw from independent streams of ``seed``). ``floor_given`` is the floor as
    the user wrote it; ``source`` and ``skipped`` are the outcomes' files and the rows
    their reader left out, by reason. ``InvalidValueError`` (naming ``source``, and
    the rows skipped) when fewer than two prompts are tuned on, or a holdout leaves
    none on one side.
    """
    count = len(pair.keys)
    if count < 2:
        prompts = f"{count} prompt{'' if count == 1 else 's'}"
        raise _too_few(f"{prompts} to tune on: a curve needs at least 2", source, skipped)
    splitting, resampling = np.random.SeedSequence(seed).spawn(2)
    tuned, held_rows = (None, None) if holdout is None else split(count, holdout, splitting)
    if tuned is not None and held_rows is not None and (len(tuned) < 2 or not len(held_rows)):
        raise _too_few(
            f"holding out {holdout:g} of {count} prompts leaves {len(tuned)} to tune on and {len(held_rows)} "
            "to measure: tuning needs at least 2, measuring at least 1",
            source,
            skipped,
        )
    part = pair if tuned is None else pair.take(tuned)
    curve = part.curve(strategy)
    weak_alone = _alone(part.weak_quality, part.weak_cost, 0.0)
    strong_alone = _alone(part.strong_quality, part.strong_cost, 1.0)
    absolute = None if floor is None else floor * strong_alone.quality if floor_relative else floor
    if target_share is not None:
        chosen: int | None = choose_for_share(curve, target_share)
    else:
        chosen = None if absolute is None else choose_for_floor(curve, absolute)
    held = None
    if held_rows is not None and chosen is not None:
        test = pair.take(held_rows)
        applied = apply_threshold(strategy, float(curve.threshold[chosen]), test)
        quality, cost = bootstrap(applied, resampling, resamples)
        held = Held(
            len(part.keys),
            len(test.keys),
            seed,
            quality,
            cost,
            float(applied.strong.mean()) if len(test.keys) else float("nan"),
            float(test.strong_cost.sum()),
        )
    return TuneResult(
        strategy=strategy,
        weak=weak,
        strong=strong,
        score=score,
        prompts=len(part.keys),
        curve=curve,
        chosen=chosen,
        weak_alone=weak_alone,
        strong_alone=strong_alone,
        floor=absolute,
        floor_relative=floor if floor_relative else None,
        target_share=target_share,
        held=held,
        floor_given=floor_given,
        skipped=None if skipped is None else dict(skipped),
    )


def _too_few(message: str, source: str, skipped: Mapping[str, int] | None) -> InvalidValueError:
    rows = ", ".join(f"{reason} {count:,}" for reason, count in (skipped or {}).items())
    return InvalidValueError(message + (f" (rows skipped: {rows})" if rows else ""), source=source or None)


def _alone(quality: Floats, cost: Floats, share: float) -> Point:
    return Point(float("nan"), float(quality.mean()) if len(quality) else float("nan"), float(cost.sum()), share)
