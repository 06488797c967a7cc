"""How good a router is, from logged outcomes: the baselines it must beat and the metrics the papers report. Pure.

What ``routecli evaluate`` prints, from one ``Outcomes``:

- every model alone, and the **oracle** (per prompt the best answer, the
  cheapest among ties): the floor and the ceiling;
- **random routing** between the weak and strong model: the straight line a
  router has to lie above;
- **judged cascades** (RouterBench, Hu et al. 2024, §4): a chain of models, a
  judge that errs with probability ε, in expectation;
- the router's route threshold curve summarised as RouterBench's AIQ and RouteLLM's
  (Ong et al. 2024, §5.1) APGR and CPT;
- over three or more models, the models' Pareto frontier and an **N-tier
  router**: the router's score cut into one band per tier at quantile
  thresholds, every choice of band sizes on a grid, its Pareto set and AIQ.

Everything is an exact expectation, computed in a few vectorised passes: no
sampling, so two runs agree; 14,000 prompts take milliseconds, a million about a second.
docs/metrics.md has every formula and a worked example.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import combinations_with_replacement
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from routecli.errors import InvalidValueError
from routecli.tune.outcomes import Outcomes
from routecli.tune.threshold import ThresholdCurve, default_pair, threshold_curve

__all__ = [
    "DEFAULT_EPSILONS",
    "RANDOM_SHARES",
    "TIER_STEPS",
    "ChainPoint",
    "Evaluation",
    "JudgedCascade",
    "ModelResult",
    "OracleResult",
    "PgrMetrics",
    "RandomLine",
    "RouterResult",
    "SharePoint",
    "TierPoint",
    "TierRouter",
    "aiq",
    "call_performance_threshold",
    "default_chain",
    "evaluate",
    "judged_cascade",
    "model_frontier",
    "model_results",
    "non_decreasing_hull",
    "oracle",
    "oracle_picks",
    "pgr_metrics",
    "random_line",
    "router_result",
    "tier_router",
]

Floats = NDArray[np.float64]

DEFAULT_EPSILONS = (0.0, 0.1, 0.2)
"""RouterBench's judge error rates."""

RANDOM_SHARES = (0.0, 0.25, 0.5, 0.75, 1.0)
"""Where the random-routing line is given: it is straight, so a few points draw it."""

TIER_STEPS = 10
"""The N-tier router's grid: each tier's band is a whole number of tenths of the prompts (by score quantile)."""

_TOLERANCE = 1e-12  # float noise in means summed over many prompts


@dataclass(frozen=True)
class ModelResult:
    """One model answering every prompt: mean quality, total cost (USD) and cost per prompt."""

    name: str
    quality: float
    cost: float
    cost_per_prompt: float


@dataclass(frozen=True)
class OracleResult:
    """Per prompt the best-quality model, the cheapest among ties: the most any router over these models can get.

    ``picks`` counts the prompts the oracle gave each model (every model listed, in the outcomes' order).
    """

    quality: float
    cost: float
    cost_per_prompt: float
    picks: Mapping[str, int]


class SharePoint(NamedTuple):
    """A strong-call share and the mean quality and total cost it gives."""

    strong_share: float
    quality: float
    cost: float


class ChainPoint(NamedTuple):
    """A judged cascade over ``models`` (in order): its expected mean quality and total cost."""

    models: tuple[str, ...]
    quality: float
    cost: float


@dataclass(frozen=True)
class PgrMetrics:
    """RouteLLM's summary of a curve over the strong-call share: APGR and the shares reaching 50% and 80% PGR.

    All None, with ``undefined_reason`` saying why, when the weak and strong
    models have the same quality (PGR divides by their difference). A CPT is
    None alone when the curve never reaches its level.
    """

    apgr: float | None
    cpt_50: float | None
    cpt_80: float | None
    undefined_reason: str | None = None


@dataclass(frozen=True)
class RandomLine:
    """Each prompt sent to the strong model with probability ``strong_share``, in expectation: a straight line."""

    weak: str
    strong: str
    points: tuple[SharePoint, ...]
    aiq: float
    pgr: PgrMetrics


@dataclass(frozen=True)
class JudgedCascade:
    """A chain of models, each answer accepted by a judge that errs with probability ``epsilon``; expected values.

    ``calls[i]`` is the expected share of prompts that reach ``chain[i]``.
    ``prefixes[i]`` is the cascade cut after ``chain[i]`` (the first model
    alone, ..., the whole chain: ``prefixes[-1]`` is this cascade); ``aiq``
    is the AIQ of those points, RouterBench's cascade curve.
    """

    epsilon: float
    chain: tuple[str, ...]
    quality: float
    cost: float
    cost_per_prompt: float
    calls: tuple[float, ...]
    prefixes: tuple[ChainPoint, ...]
    aiq: float


@dataclass(frozen=True, eq=False)
class RouterResult:
    """A router's threshold curve between ``weak`` and ``strong`` (``threshold_curve``) and its AIQ, APGR and CPTs."""

    weak: str
    strong: str
    curve: ThresholdCurve
    aiq: float
    pgr: PgrMetrics


class TierPoint(NamedTuple):
    """One choice of bands: ``shares[i]`` of the prompts (the lowest scores first) go to tier ``i``."""

    shares: tuple[float, ...]
    quality: float
    cost: float


@dataclass(frozen=True, eq=False)
class TierRouter:
    """A router over ``tiers`` (cheapest first): the prompts in score order cut into one band per tier at the
    score's quantiles, a band a whole number of ``1 / steps``; ``points`` counts every choice, ``frontier`` is
    their Pareto set (cheapest first), ``aiq`` the AIQ of them all over the report's cost range."""

    tiers: tuple[str, ...]
    steps: int
    points: int
    frontier: tuple[TierPoint, ...]
    aiq: float


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Everything ``routecli evaluate`` reports; costs are totals in USD over ``prompts`` prompts.

    ``models_aiq`` is the AIQ of the models' own points (RouterBench's "zero
    router"); ``router`` is None when no router score was given.
    """

    prompts: int
    source: str
    models: tuple[ModelResult, ...]
    models_aiq: float
    oracle: OracleResult
    random: RandomLine
    cascades: tuple[JudgedCascade, ...]
    router: RouterResult | None
    cost_span: tuple[float, float] = (0.0, 0.0)
    """The cost range every AIQ here is taken over: the cheapest to the dearest point shown."""
    frontier: tuple[str, ...] = ()
    """The models no other beats on both cost and quality, cheapest first."""
    tier_router: TierRouter | None = None
    """The N-tier router over ``tiers`` (given, or the frontier's models when there are three or more)."""


def evaluate(
    outcomes: Outcomes,
    *,
    pair: tuple[str, str] | None = None,
    keys: Floats | None = None,
    chain: Sequence[str] | None = None,
    epsilons: Sequence[float] = DEFAULT_EPSILONS,
    tiers: Sequence[str] | None = None,
) -> Evaluation:
    """Every baseline and metric of ``outcomes``.

    ``pair``: (weak, strong) for random routing and the router (default:
    ``tune.default_pair``). ``keys``: the router's score per prompt (default:
    the outcomes' ``score``; neither: no router). ``chain``: the cascades'
    models in order (default: ``default_chain``), judged at each of
    ``epsilons``. ``tiers``: the N-tier router's models (default: the
    frontier's, when three or more; it needs ``keys``). ``InvalidValueError``
    without prompts, with fewer than two models, a NaN key or a model not in
    the outcomes (one of ``chain``'s is said to come from ``--chain``, of
    ``tiers``' from ``--tiers``).
    """
    if not outcomes.prompts:
        raise outcomes.too_few("no prompts to evaluate")
    for model in chain or ():
        outcomes.column(model, "--chain")
    for model in tiers or ():
        outcomes.column(model, "--tiers")
    weak, strong = default_pair(outcomes) if pair is None else pair
    if keys is None:
        keys = outcomes.score
    models = model_results(outcomes)
    chain = default_chain(outcomes) if chain is None else tuple(chain)
    random = random_line(outcomes, weak, strong)
    cascades = tuple(judged_cascade(outcomes, chain, epsilon) for epsilon in epsilons)
    router = None if keys is None else router_result(outcomes, weak, strong, keys)
    model_cost, model_quality = np.array([m.cost for m in models]), np.array([m.quality for m in models])
    # one cost range for every AIQ of the report, so that they compare (each hull extended flat both ways; RouterBench
    # extends to the right only: compat.routerbench_aiqs)
    costs = [model_cost, np.array([p.cost for p in random.points])]
    costs += [np.array([p.cost for p in c.prefixes]) for c in cascades]
    costs += [] if router is None else [router.curve.cost]
    span = (float(min(c.min() for c in costs)), float(max(c.max() for c in costs)))
    frontier = model_frontier(models)
    tier_models = tuple(tiers) if tiers is not None else frontier if len(frontier) >= 3 else None
    tiered = None if keys is None or tier_models is None else tier_router(outcomes, tier_models, keys, span)
    return Evaluation(
        prompts=outcomes.prompts,
        source=outcomes.source,
        models=models,
        models_aiq=aiq(model_cost, model_quality, span),
        oracle=oracle(outcomes),
        random=replace(
            random,
            aiq=aiq(np.array([p.cost for p in random.points]), np.array([p.quality for p in random.points]), span),
        ),
        cascades=tuple(
            replace(c, aiq=aiq(np.array([p.cost for p in c.prefixes]), np.array([p.quality for p in c.prefixes]), span))
            for c in cascades
        ),
        router=None if router is None else replace(router, aiq=aiq(router.curve.cost, router.curve.quality, span)),
        cost_span=span,
        frontier=frontier,
        tier_router=tiered,
    )


def model_frontier(models: Sequence[ModelResult]) -> tuple[str, ...]:
    """The models no other beats: none cheaper (or as cheap) is at least as good, cheapest first (equal cost and
    quality: the first listed)."""
    front = _front(np.array([m.cost for m in models]), np.array([m.quality for m in models]))
    return tuple(models[int(i)].name for i in front)


def tier_router(
    outcomes: Outcomes, tiers: Sequence[str], keys: Floats, span: tuple[float, float], steps: int = TIER_STEPS
) -> TierRouter:
    """Every way to cut the prompts, in score order, into one band per tier at the score's ``j / steps``
    quantiles (prompts scoring at least a threshold go to a later tier; equal scores stay together); the
    Pareto set of their (cost, quality) and their AIQ over ``span`` (widened to reach them).

    ``tiers`` are taken cheapest first (by total cost; the order given breaks ties): the lowest scores go to the
    cheapest. ``InvalidValueError`` with fewer than two tiers or one named twice.
    """
    if len(tiers) < 2:
        raise InvalidValueError("an N-tier router needs at least two tiers", path=("--tiers",))
    if len(set(tiers)) != len(tiers):
        raise InvalidValueError(f"a model appears twice among the tiers {', '.join(tiers)}", path=("--tiers",))
    if keys.shape != (outcomes.prompts,) or np.isnan(keys).any():
        raise outcomes.invalid("the N-tier router needs a router score for every prompt")
    total = outcomes.total_cost()
    columns = sorted((outcomes.column(model, "--tiers") for model in tiers), key=lambda c: total[c])
    order = np.argsort(-keys, kind="stable")  # the highest scores first: they go to the dearest tiers
    # the top j / steps of the prompts: those scoring at least the (1 - j / steps) quantile (ties stay together)
    thresholds = np.quantile(keys, 1 - np.arange(1, steps + 1) / steps)
    tops = np.concatenate(([0], np.array([int((keys >= t).sum()) for t in thresholds])))
    quality = np.concatenate((np.zeros((1, len(columns))), np.cumsum(outcomes.quality[order][:, columns], axis=0)))
    cost = np.concatenate((np.zeros((1, len(columns))), np.cumsum(outcomes.cost[order][:, columns], axis=0)))
    at_top_quality, at_top_cost = quality[tops], cost[tops]  # (steps + 1) × tiers: sums over the top j tenths
    cuts = np.array(list(combinations_with_replacement(range(steps + 1), len(columns) - 1)), dtype=np.intp)
    # cut j_1 <= ... <= j_(N-1): the dearest tier takes the top j_1 tenths, the next the tenths j_1 to j_2, ...
    bounds = np.column_stack((np.zeros(len(cuts), dtype=np.intp), cuts, np.full(len(cuts), steps)))
    point_quality = np.zeros(len(cuts))
    point_cost = np.zeros(len(cuts))
    shares = np.zeros((len(cuts), len(columns)))
    for band in range(len(columns)):
        tier = len(columns) - 1 - band  # band 0 (the top scores) is the dearest tier
        upper, lower = bounds[:, band], bounds[:, band + 1]
        point_quality += at_top_quality[lower, tier] - at_top_quality[upper, tier]
        point_cost += at_top_cost[lower, tier] - at_top_cost[upper, tier]
        shares[:, tier] = (tops[lower] - tops[upper]) / outcomes.prompts
    point_quality /= outcomes.prompts
    widened = (min(span[0], float(point_cost.min())), max(span[1], float(point_cost.max())))
    frontier = tuple(
        TierPoint(tuple(float(x) for x in shares[i]), float(point_quality[i]), float(point_cost[i]))
        for i in _front(point_cost, point_quality)
    )
    return TierRouter(
        tiers=tuple(outcomes.models[c] for c in columns),
        steps=steps,
        points=len(cuts),
        frontier=frontier,
        aiq=aiq(point_cost, point_quality, widened),
    )


def model_results(outcomes: Outcomes) -> tuple[ModelResult, ...]:
    """Each model answering every prompt, in the outcomes' order."""
    quality = outcomes.mean_quality()
    results = []
    for column, name in enumerate(outcomes.models):
        cost = float(outcomes.cost[:, column].sum())
        results.append(ModelResult(name, float(quality[column]), cost, cost / outcomes.prompts))
    return tuple(results)


def oracle(outcomes: Outcomes) -> OracleResult:
    """Per prompt the best quality, from the cheapest model reaching it (cost ties: the first in the outcomes).

    For 0/1 outcomes: the cheapest correct model, or the cheapest model when none is correct (RouterBench
    charges such a prompt nothing: ``compat.routerbench_oracle_cost``).
    """
    best, picked = oracle_picks(outcomes)
    cost = float(outcomes.cost[np.arange(outcomes.prompts), picked].sum())
    counts = np.bincount(picked, minlength=len(outcomes.models))
    return OracleResult(
        quality=float(best.mean()),
        cost=cost,
        cost_per_prompt=cost / outcomes.prompts,
        picks={name: int(count) for name, count in zip(outcomes.models, counts, strict=True)},
    )


def oracle_picks(outcomes: Outcomes) -> tuple[Floats, NDArray[np.intp]]:
    """Per prompt the best quality and the column of the cheapest model reaching it (cost ties: the first)."""
    best = outcomes.quality.max(axis=1, keepdims=True)
    picked: NDArray[np.intp] = np.argmin(np.where(outcomes.quality == best, outcomes.cost, np.inf), axis=1)
    return best[:, 0], picked


def random_line(outcomes: Outcomes, weak: str, strong: str, shares: Sequence[float] = RANDOM_SHARES) -> RandomLine:
    """Random routing's expected quality and cost at each strong share: ``(1 - s) * weak + s * strong``."""
    if weak == strong:
        raise outcomes.invalid(f"the weak and strong model are both {weak!r}")
    models = model_results(outcomes)
    w, s = models[outcomes.column(weak)], models[outcomes.column(strong)]
    points = tuple(
        SharePoint(share, (1 - share) * w.quality + share * s.quality, (1 - share) * w.cost + share * s.cost)
        for share in shares
    )
    share_array = np.array([p.strong_share for p in points])
    quality_array = np.array([p.quality for p in points])
    return RandomLine(
        weak=weak,
        strong=strong,
        points=points,
        aiq=aiq(np.array([p.cost for p in points]), quality_array),
        pgr=pgr_metrics(share_array, quality_array),
    )


def default_chain(outcomes: Outcomes) -> tuple[str, ...]:
    """Every model, cheapest first by the cost observed in the outcomes (equal cost: the better first).

    RouterBench orders by list price per token instead (``compat.price_ordered_chain``).
    """
    quality, cost = outcomes.mean_quality(), outcomes.total_cost()
    order = sorted(range(len(outcomes.models)), key=lambda m: (cost[m], -quality[m]))
    return tuple(outcomes.models[m] for m in order)


def judged_cascade(outcomes: Outcomes, chain: Sequence[str], epsilon: float) -> JudgedCascade:
    """The expected quality and cost of the cascade over ``chain`` with a judge of error rate ``epsilon``.

    Each model answers in turn and pays; a right answer (probability: its
    quality) is accepted with probability ``1 - epsilon``, a wrong one with
    ``epsilon``; the last model's answer is always taken. The judge's own cost
    is not counted. Judge errors are independent of each other and of the
    answers.
    """
    chain = tuple(chain)
    if not chain:
        raise outcomes.invalid("a cascade needs at least one model")
    if len(set(chain)) != len(chain):
        raise outcomes.invalid(f"a model appears twice in the cascade {' -> '.join(chain)}")
    if not 0.0 <= epsilon <= 1.0:
        raise outcomes.invalid(f"the judge's error rate must be between 0 and 1, not {epsilon}")
    reach = np.ones(outcomes.prompts)  # P(the prompt gets to this model)
    accepted_quality = np.zeros(outcomes.prompts)  # expected quality of answers accepted before it
    cost = np.zeros(outcomes.prompts)
    calls: list[float] = []
    prefixes: list[ChainPoint] = []
    for position, model in enumerate(chain):
        column = outcomes.column(model)
        quality = outcomes.quality[:, column]
        cost += reach * outcomes.cost[:, column]
        calls.append(float(reach.mean()))
        # cut here, this model's answer is taken whatever the judge says
        taken_quality = float((accepted_quality + reach * quality).mean())
        prefixes.append(ChainPoint(chain[: position + 1], taken_quality, float(cost.sum())))
        accepted_quality += reach * quality * (1 - epsilon)
        reach *= quality * epsilon + (1 - quality) * (1 - epsilon)  # rejected: right but misjudged, or wrong
    whole = prefixes[-1]
    return JudgedCascade(
        epsilon=epsilon,
        chain=chain,
        quality=whole.quality,
        cost=whole.cost,
        cost_per_prompt=whole.cost / outcomes.prompts,
        calls=tuple(calls),
        prefixes=tuple(prefixes),
        aiq=aiq(np.array([p.cost for p in prefixes]), np.array([p.quality for p in prefixes])),
    )


def router_result(outcomes: Outcomes, weak: str, strong: str, keys: Floats) -> RouterResult:
    """The route curve of ``keys`` (higher: strong) between ``weak`` and ``strong``, with its AIQ and PGR metrics.

    ``InvalidValueError`` when ``keys`` is not one float per prompt or holds a NaN.
    """
    if weak == strong:
        raise outcomes.invalid(f"the weak and strong model are both {weak!r}")
    if keys.shape != (outcomes.prompts,):
        raise outcomes.invalid(f"router scores of shape {keys.shape}; expected one per prompt ({outcomes.prompts},)")
    w, s = outcomes.column(weak), outcomes.column(strong)
    curve = threshold_curve(
        "route", keys, outcomes.quality[:, w], outcomes.cost[:, w], outcomes.quality[:, s], outcomes.cost[:, s]
    )
    # the curve's first point is the weak model alone and its last the strong one: the endpoints AIQ adds
    return RouterResult(
        weak, strong, curve, aiq(curve.cost, curve.quality), pgr_metrics(curve.strong_share, curve.quality)
    )


def non_decreasing_hull(cost: Floats, quality: Floats) -> tuple[Floats, Floats]:
    """The vertices (cost, quality) of the points' non-decreasing convex hull, cheapest first.

    The upper convex hull from the cheapest point (its best quality) to the
    best-quality point (its cheapest), then flat at that quality out to the
    dearest cost: every mix of the points is reachable (by choosing between
    them at random), and paying more never has to lower quality.
    """
    if not len(cost):
        raise ValueError("a hull of no points")
    # only points better than every cheaper one can be vertices (Pareto front), and they rise strictly
    front = _front(cost, quality)
    xs, ys = cost[front].tolist(), quality[front].tolist()
    hull_x, hull_y = xs[:1], ys[:1]
    for x, y in zip(xs[1:], ys[1:], strict=True):
        # drop the last vertex while it lies on or under the segment from the one before it to (x, y)
        while len(hull_x) >= 2 and (hull_y[-1] - hull_y[-2]) * (x - hull_x[-2]) <= (y - hull_y[-2]) * (
            hull_x[-1] - hull_x[-2]
        ):
            hull_x.pop()
            hull_y.pop()
        hull_x.append(x)
        hull_y.append(y)
    dearest = float(cost.max())
    if dearest > hull_x[-1]:
        hull_x.append(dearest)
        hull_y.append(hull_y[-1])
    return np.array(hull_x), np.array(hull_y)


def _front(cost: Floats, quality: Floats) -> NDArray[np.intp]:
    """The indices of the Pareto front, cheapest first: each point better than every cheaper one (equal costs: the
    best; equal cost and quality: the first)."""
    order = np.lexsort((-quality, cost))
    best_before = np.maximum.accumulate(quality[order])
    front: NDArray[np.intp] = order[np.concatenate(([True], quality[order][1:] > best_before[:-1]))]
    return front


def aiq(cost: Floats, quality: Floats, span: tuple[float, float] | None = None) -> float:
    """RouterBench's AIQ: the mean height of the non-decreasing convex hull over cost.

    Over ``span`` (low, high cost) when given, the hull extended flat beyond
    its ends to reach it, so that curves of one report compare; else from the
    cheapest to the dearest point. Points all at one cost: the best quality
    there (the limit as the range shrinks).
    """
    hull_cost, hull_quality = non_decreasing_hull(cost, quality)
    if span is not None:
        low, high = span
        if low < hull_cost[0]:
            hull_cost, hull_quality = (
                np.concatenate(([low], hull_cost)),
                np.concatenate(([hull_quality[0]], hull_quality)),
            )
        if high > hull_cost[-1]:
            hull_cost = np.concatenate((hull_cost, [high]))
            hull_quality = np.concatenate((hull_quality, [hull_quality[-1]]))
    width = float(hull_cost[-1] - hull_cost[0])
    if width <= 0:
        return float(hull_quality[-1])
    return _area(hull_cost, hull_quality) / width


def pgr_metrics(strong_share: Floats, quality: Floats) -> PgrMetrics:
    """APGR and CPT(50%), CPT(80%) of a curve from share 0 (the weak model alone) to 1 (the strong one alone).

    PGR(x) = (quality(x) - quality(0)) / (quality(1) - quality(0)), linear
    between the curve's points; APGR is its exact integral over the shares.
    """
    weak_quality, strong_quality = float(quality[0]), float(quality[-1])
    gap = strong_quality - weak_quality
    if abs(gap) <= _TOLERANCE:
        reason = (
            f"the weak and strong models have the same quality ({weak_quality:.6g}): PGR divides by their difference"
        )
        return PgrMetrics(None, None, None, reason)
    pgr = (quality - weak_quality) / gap
    return PgrMetrics(
        apgr=_area(strong_share, pgr),
        cpt_50=call_performance_threshold(strong_share, pgr, 0.5),
        cpt_80=call_performance_threshold(strong_share, pgr, 0.8),
    )


def call_performance_threshold(strong_share: Floats, pgr: Floats, level: float) -> float | None:
    """RouteLLM's CPT: the smallest strong share at which PGR (linear between points) reaches ``level``; None: never."""
    reached = np.flatnonzero(pgr >= level - _TOLERANCE)
    if not len(reached):
        return None
    first = int(reached[0])
    if first == 0 or pgr[first] <= level:
        return float(strong_share[first])
    before = first - 1
    rise = (level - pgr[before]) / (pgr[first] - pgr[before])
    return float(strong_share[before] + rise * (strong_share[first] - strong_share[before]))


def _area(x: Floats, y: Floats) -> float:
    """The trapezoid-rule integral of ``y`` over ``x``: exact for a piecewise-linear curve."""
    return float(np.sum((y[1:] + y[:-1]) * np.diff(x)) / 2)
