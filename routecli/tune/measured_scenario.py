"""A chosen threshold as a scenario ``routecli simulate`` prices at any volume: ``--write-scenario``. Pure.

The threshold splits the prompts in two: those it keeps on the weak model and
those it sends to the strong one (route), or those whose weak answer it accepts
and those it escalates (cascade). Each half becomes a segment, its share the
half's share of the prompts, and each tier's quality in a segment is the mean
quality its answers had there. Costs are written as what was measured, a
``per_request`` price per tier (the outcomes hold a cost per prompt, not token
counts, so the scenario's token counts are 0):

- the weak tier costs its mean cost over the prompts it answered (route: the
  kept ones; cascade: every prompt, each answered by it first);
- the strong model appears twice when the prompts the strategy sends it cost a
  different amount than the average prompt: as the strategy's tier, priced at
  the mean cost of the prompts it got, and as the baseline's, priced at its mean
  over every prompt.

``simulate`` of the scenario then gives, per request, exactly the measured cost
per prompt and the measured quality of both the strategy and the strong model
alone — at whatever volume the scenario says.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from routecli.tune.choice import EvaluateResult, TuneChoice, sort_keys
from routecli.tune.outcomes import Outcomes
from routecli.tune.threshold import Pair, ThresholdStrategy, TuneResult, apply_threshold

if TYPE_CHECKING:
    from routecli.replay.routing.complexity import ComplexityRouter

__all__ = [
    "EVALUATE_PGR",
    "MeasuredScenario",
    "MeasuredTier",
    "Segment",
    "evaluated_scenario",
    "measure_threshold",
    "tuned_scenario",
]

EVALUATE_PGR = 0.5
"""``evaluate --write-scenario`` writes the router's threshold at the first point recovering this share of the
quality gap between the weak and the strong model (the point CPT(50%) reaches)."""

SEGMENTS = {"route": ("weak-routed", "strong-routed"), "cascade": ("accepted", "escalated")}
"""The two halves' segment names: the weak model's prompts first."""


@dataclass(frozen=True, slots=True)
class Segment:
    name: str
    prompts: int
    share: Decimal


@dataclass(frozen=True, slots=True)
class MeasuredTier:
    """A tier of the written scenario: a model, what one call cost on average, and its quality per segment."""

    name: str
    model: str
    per_request: Decimal
    quality: dict[str, Decimal]
    priced_on: str
    """Which prompts ``per_request`` is the mean over, in words for the file's comment."""


@dataclass(frozen=True, slots=True)
class MeasuredScenario:
    """The threshold's strategy beside the strong model alone, as measured on ``prompts`` prompts."""

    strategy: ThresholdStrategy
    weak: str
    strong: str
    score: str
    threshold: float
    prompts: int
    requests_per_month: Decimal
    segments: tuple[Segment, ...]
    """The halves with prompts in them, the weak model's first."""
    tiers: tuple[MeasuredTier, ...]
    weak_tier: str
    strategy_strong_tier: str
    baseline_tier: str
    quality: float
    """The strategy's measured mean quality."""
    cost_per_prompt: float
    strong_share: float
    source: str = ""


def _mean(values: NDArray[np.float64]) -> Decimal:
    return Decimal(repr(math.fsum(values.tolist()) / len(values))) if len(values) else Decimal(0)


def measure_threshold(
    outcomes: Outcomes,
    strategy: ThresholdStrategy,
    weak: str,
    strong: str,
    keys: NDArray[np.float64],
    threshold: float,
    *,
    score: str,
    requests_per_month: Decimal | None = None,
) -> MeasuredScenario:
    """``threshold`` applied to every prompt of ``outcomes`` (sorted by ``keys``), as scenario data.

    ``requests_per_month`` defaults to the outcomes' prompt count.
    """
    pair = Pair.of(outcomes, weak, strong, keys)
    applied = apply_threshold(strategy, threshold, pair)
    count = len(keys)
    sent = applied.strong
    halves = [(name, rows) for name, rows in zip(SEGMENTS[strategy], (~sent, sent), strict=True) if rows.any()]
    segments = tuple(Segment(name, int(rows.sum()), Decimal(int(rows.sum())) / count) for name, rows in halves)

    def quality(column: NDArray[np.float64]) -> dict[str, Decimal]:
        return {name: _mean(column[rows]) for name, rows in halves}

    weak_rows = np.ones(count, dtype=bool) if strategy == "cascade" else ~sent
    weak_on = "every prompt" if strategy == "cascade" else "the prompts it kept"
    weak_tier = MeasuredTier(weak, weak, _mean(pair.weak_cost[weak_rows]), quality(pair.weak_quality), weak_on)
    strong_quality = quality(pair.strong_quality)
    baseline = MeasuredTier(strong, strong, _mean(pair.strong_cost), strong_quality, "every prompt")
    tiers = [weak_tier, baseline]
    strategy_strong = baseline
    sent_price = _mean(pair.strong_cost[sent])
    if sent.any() and sent_price != baseline.per_request:
        half = SEGMENTS[strategy][1]
        strategy_strong = MeasuredTier(f"{strong} ({half})", strong, sent_price, strong_quality, f"the {half} prompts")
        tiers.insert(1, strategy_strong)
    return MeasuredScenario(
        strategy=strategy,
        weak=weak,
        strong=strong,
        score=score,
        threshold=threshold,
        prompts=count,
        requests_per_month=Decimal(count) if requests_per_month is None else requests_per_month,
        segments=segments,
        tiers=tuple(tiers),
        weak_tier=weak_tier.name,
        strategy_strong_tier=strategy_strong.name,
        baseline_tier=baseline.name,
        quality=float(applied.quality.mean()) if count else math.nan,
        cost_per_prompt=math.fsum(applied.cost.tolist()) / count if count else math.nan,
        strong_share=float(sent.mean()) if count else math.nan,
        source=outcomes.source,
    )


def tuned_scenario(
    outcomes: Outcomes,
    choice: TuneChoice,
    result: TuneResult,
    requests_per_month: Decimal | None = None,
    scorer: ComplexityRouter | None = None,
) -> MeasuredScenario | None:
    """``tune --write-scenario``: the chosen threshold on every prompt (with ``--holdout``, the held-out ones too);
    None when no threshold was chosen."""
    point = result.choice
    if point is None:
        return None
    keys = sort_keys(outcomes, choice.strategy, choice.score, choice.weak, scorer)
    return measure_threshold(
        outcomes,
        choice.strategy,
        choice.weak,
        choice.strong,
        keys,
        point.threshold,
        score=result.score,
        requests_per_month=requests_per_month,
    )


def evaluated_scenario(
    outcomes: Outcomes, result: EvaluateResult, requests_per_month: Decimal | None = None
) -> MeasuredScenario:
    """``evaluate --write-scenario``: the router's threshold at the first point of its curve whose PGR reaches
    ``EVALUATE_PGR``. ``InvalidValueError`` without a router, or when PGR is undefined."""
    router = result.evaluation.router
    if router is None or result.score is None:
        raise outcomes.invalid(
            "--write-scenario writes a router's threshold, and these outcomes have no router score: "
            "give --score complexity or --score length (or outcomes with scores)"
        )
    curve = router.curve
    if router.pgr.undefined_reason is not None:
        raise outcomes.invalid(
            f"--write-scenario: no threshold recovers part of the quality gap: {router.pgr.undefined_reason}"
        )
    gap = float(curve.quality[-1] - curve.quality[0])
    pgr = (curve.quality - curve.quality[0]) / gap
    index = int(np.flatnonzero(pgr >= EVALUATE_PGR - 1e-12)[0])
    keys = sort_keys(outcomes, "route", result.score, router.weak)
    return measure_threshold(
        outcomes,
        "route",
        router.weak,
        router.strong,
        keys,
        float(curve.threshold[index]),
        score=result.score,
        requests_per_month=requests_per_month,
    )
