"""From replay decisions to the figures a scenario assumes: each one measured, with its sample size. Pure.

A prompt's *walk* is the calls it made, in order: the tiers its answers came
from and whether each step's evaluators accepted. In an ``--all-tiers`` run every
tier answered every prompt: its walk is every tier's answer, and each tier's
quality is measured on every prompt. A call's tokens and latency count for the
tier it reached, so an escalated prompt's counts at the upper tier are its own.

Cache hits count towards the hit rate only; failed prompts (no answer) are left
out of every figure and counted.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from routecli.calibrate.rates import Mean, Rate, exact
from routecli.errors import InvalidValueError
from routecli.replay.records import Attempt, Decision, RunInfo, TierInfo

__all__ = [
    "NO_SEGMENT",
    "Calibration",
    "Latency",
    "Run",
    "SegmentMeasure",
    "TierMeasure",
    "measure",
    "run_stamp",
]

NO_SEGMENT = "other"
"""The segment of a prompt without the label or metadata key the segments come from."""
ZERO = Decimal(0)
_FAST = Decimal(1_000_000)
"""tokens_per_s when a tier's latency does not grow with its output: the output's time is negligible."""


class Run(NamedTuple):
    """One decision log: its file, its run and its decisions."""

    source: str
    info: RunInfo
    decisions: Sequence[Decision]


class Latency(NamedTuple):
    """A tier's ``ttft_ms + output × 1000 / tokens_per_s``, fitted by least squares to its calls."""

    ttft_ms: Decimal
    tokens_per_s: Decimal
    calls: Mean


@dataclass(frozen=True, slots=True)
class SegmentMeasure:
    name: str
    prompts: int
    share: Decimal
    input_tokens: Mean | None
    output_tokens: Mean | None


@dataclass(frozen=True, slots=True)
class TierMeasure:
    """A tier's price as the log recorded it and what its calls measured, per segment."""

    info: TierInfo
    quality: Mapping[str, Rate]
    accept: Mapping[str, Rate]
    input_tokens: Mapping[str, Mean]
    output_tokens: Mapping[str, Mean]
    latency: Latency | None

    @property
    def quality_all(self) -> Rate | None:
        return _pooled(self.quality)

    @property
    def accept_all(self) -> Rate | None:
        return _pooled(self.accept)


@dataclass(frozen=True, slots=True)
class Calibration:
    """What the logs measured: the setup that ran, its segments and tiers, its router, evaluators and cache."""

    sources: tuple[str, ...]
    runs: tuple[str, ...]
    setup: str
    chain: tuple[str, ...]
    all_tiers: bool
    segment_by: str
    prompts: int
    failed: int
    segments: tuple[SegmentMeasure, ...]
    tiers: tuple[TierMeasure, ...]
    single: str | None = None
    confusion: Mapping[str, Mapping[str, int]] | None = None
    router_cost: Mean | None = None
    evaluator_cost: Mean | None = None
    evaluator_latency: Mean | None = None
    tpr: Rate | None = None
    fpr: Rate | None = None
    cache_hits: Mapping[str, Rate] | None = None
    cache_lookup_cost: Mean | None = None

    @property
    def top(self) -> str:
        """The top tier: the last in the config, as ``--all-tiers`` and ``report`` take it."""
        return self.tiers[-1].info.name


def _pooled(rates: Mapping[str, Rate]) -> Rate | None:
    if not rates:
        return None
    return Rate(sum(rate.successes for rate in rates.values()), sum(rate.n for rate in rates.values()))


def run_stamp(started: str) -> str:
    """A run's start as ``20261124T101500Z`` (the log's ISO time), or the text as written if it is not one."""
    try:
        moment = dt.datetime.fromisoformat(started.replace("Z", "+00:00"))
    except ValueError:
        return started or "unknown"
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _stands_for(attempt: Attempt) -> str:
    return attempt.fallback_for or attempt.tier


def _answers(decision: Decision) -> list[Attempt]:
    return [attempt for attempt in decision.attempts if attempt.role == "answer" and attempt.error is None]


def _walk(decision: Decision, all_tiers: bool) -> list[Attempt]:
    """The calls that answered ``decision``, in order; for ``--all-tiers``, each tier's answer once."""
    answers = _answers(decision)
    if not all_tiers:
        return answers
    by_tier: dict[str, Attempt] = {}
    for attempt in answers:
        by_tier.setdefault(_stands_for(attempt), attempt)
    return list(by_tier.values())


def _check_runs(runs: Sequence[Run]) -> RunInfo:
    """The runs' common setup; several logs must come from the same tiers and setup."""
    first = runs[0]
    for run in runs[1:]:
        same = (
            [tier.name for tier in run.info.tiers] == [tier.name for tier in first.info.tiers]
            and run.info.setup == first.info.setup
            and run.info.chain == first.info.chain
            and run.info.all_tiers == first.info.all_tiers
        )
        if not same:
            raise InvalidValueError(
                f"another setup than {first.source}'s (tiers, setup, chain or --all-tiers differ): "
                "calibrate one setup at a time",
                source=run.source,
            )
    if any(run.info.dry_run for run in runs):
        dry = next(run for run in runs if run.info.dry_run)
        raise InvalidValueError(
            "a dry run's log measured nothing: calibrate from a replay that called the models", source=dry.source
        )
    return first.info


def _fit_latency(calls: Sequence[Attempt]) -> Latency | None:
    """Least squares of latency on output tokens; a negative intercept or slope gives the nearest sensible fit."""
    if not calls:
        return None
    xs = [float(call.output_tokens) for call in calls]
    ys = [call.latency_ms for call in calls]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread if spread else 0.0
    intercept = mean_y - slope * mean_x
    if slope > 0 and intercept < 0:  # through the origin: all of the time is output
        slope, intercept = sum(x * y for x, y in zip(xs, ys, strict=True)) / sum(x * x for x in xs), 0.0
    if slope <= 0:
        return Latency(_fitted(mean_y), _FAST, Mean.of(ys))
    return Latency(_fitted(intercept), _fitted(1000.0 / slope), Mean.of(ys))


def _fitted(value: float) -> Decimal:
    """A fitted latency figure to 0.001: a least-squares float's last digits are noise, not measurement."""
    return Decimal(repr(value)).quantize(Decimal("0.001")).normalize()


def _segment_of(decision: Decision, segment_by: str, metadata: Mapping[str, str] | None) -> str:
    if segment_by == "label":
        return decision.label or NO_SEGMENT
    if segment_by == "router":
        return decision.decided_tier or NO_SEGMENT
    assert metadata is not None
    return metadata.get(decision.id) or NO_SEGMENT


def _mean_of(values: Mapping[str, list[int]]) -> dict[str, Mean]:
    return {name: Mean.of(found) for name, found in values.items() if found}


def measure(runs: Sequence[Run], segment_by: str = "label", metadata: Mapping[str, str] | None = None) -> Calibration:
    """Every figure the logs measured; ``segment_by`` is ``label``, ``router`` or ``metadata.KEY``
    (``metadata`` then holds each prompt's value by id)."""
    info = _check_runs(runs)
    decisions = [decision for run in runs for decision in run.decisions]
    answered = [decision for decision in decisions if not decision.failed]
    if not answered:
        raise InvalidValueError("no prompt got an answer: there is nothing to measure", source=runs[0].source)
    if segment_by == "label" and all(decision.label is None for decision in answered):
        segment_by = "none"
    names = {
        decision.id: "all" if segment_by == "none" else _segment_of(decision, segment_by, metadata)
        for decision in answered
    }
    order = sorted(set(names.values()))
    counts = Counter(names.values())
    tier_names = [tier.name for tier in info.tiers]
    quality: dict[str, dict[str, list[int]]] = {tier: {} for tier in tier_names}
    accept: dict[str, dict[str, list[int]]] = {tier: {} for tier in tier_names}
    inputs: dict[str, dict[str, list[int]]] = {tier: {} for tier in tier_names}
    outputs: dict[str, dict[str, list[int]]] = {tier: {} for tier in tier_names}
    calls: dict[str, list[Attempt]] = {tier: [] for tier in tier_names}
    first_in: dict[str, list[int]] = {}
    first_out: dict[str, list[int]] = {}
    confusion: dict[str, Counter[str]] = {}
    router_costs: list[Decimal] = []
    judge_costs, judge_latency = ZERO, 0.0
    judged = 0
    true_accepts: list[int] = []
    false_accepts: list[int] = []
    hits: dict[str, list[int]] = {}
    lookups: list[Decimal] = []
    cached = info.cache_similarity is not None
    cascades = info.setup in ("cascade", "route+cascade") and not info.all_tiers
    judged_tiers = set(info.chain[:-1]) if cascades else set()
    for decision in answered:
        segment = names[decision.id]
        embed_cost = sum((a.cost for a in decision.attempts if a.role == "embed"), ZERO)
        if cached:
            hits.setdefault(segment, []).append(int(decision.cache is not None))
            lookups.append(embed_cost)
            if decision.cache is not None:
                continue
        if decision.route is not None and not info.all_tiers:
            confusion.setdefault(segment, Counter())[decision.route.tier] += 1
            route_cost = sum((a.cost for a in decision.attempts if a.role == "route_judge"), ZERO)
            router_costs.append(route_cost + (ZERO if cached else embed_cost))
        if info.all_tiers:
            for attempt in _answers(decision):
                good = attempt.correct
                if good is not None:
                    quality[_stands_for(attempt)].setdefault(segment, []).append(int(good))
        walk = _walk(decision, info.all_tiers)
        for position, attempt in enumerate(walk):
            tier = _stands_for(attempt)
            calls[tier].append(attempt)
            inputs[tier].setdefault(segment, []).append(attempt.input_tokens)
            outputs[tier].setdefault(segment, []).append(attempt.output_tokens)
            if position == 0:
                first_in.setdefault(segment, []).append(attempt.input_tokens)
                first_out.setdefault(segment, []).append(attempt.output_tokens)
            if not info.all_tiers and attempt.correct is not None:
                quality[tier].setdefault(segment, []).append(int(attempt.correct))
            if tier in judged_tiers and attempt.accepted is not None:
                accept[tier].setdefault(segment, []).append(int(attempt.accepted))
                judged += 1
                if attempt.correct is not None:
                    (true_accepts if attempt.correct else false_accepts).append(int(attempt.accepted))
        if judged_tiers:
            judges = [a for a in decision.attempts if a.role == "accept_judge"]
            judge_costs += sum((a.cost for a in judges), ZERO)
            judge_latency += sum(a.latency_ms for a in judges)
    total = len(answered)
    segments = tuple(
        SegmentMeasure(
            name,
            counts[name],
            exact(Decimal(counts[name]) / total),
            Mean.of(first_in[name]) if name in first_in else None,
            Mean.of(first_out[name]) if name in first_out else None,
        )
        for name in order
    )
    tiers = tuple(
        TierMeasure(
            tier,
            {name: Rate(sum(found), len(found)) for name, found in quality[tier.name].items()},
            {name: Rate(sum(found), len(found)) for name, found in accept[tier.name].items()},
            _mean_of(inputs[tier.name]),
            _mean_of(outputs[tier.name]),
            _fit_latency(calls[tier.name]),
        )
        for tier in info.tiers
    )
    single = None
    if info.setup == "single" and not info.all_tiers:
        single = Counter(decision.final_tier for decision in answered).most_common(1)[0][0]
    return Calibration(
        sources=tuple(run.source for run in runs),
        runs=tuple(dict.fromkeys(run_stamp(run.info.started) for run in runs)),
        setup=info.setup,
        chain=info.chain,
        all_tiers=info.all_tiers,
        segment_by=segment_by,
        prompts=total,
        failed=len(decisions) - total,
        segments=segments,
        tiers=tiers,
        single=single,
        confusion={name: dict(row) for name, row in confusion.items()} or None,
        router_cost=Mean.of(router_costs) if router_costs else None,
        evaluator_cost=Mean((judge_costs / judged) if judged else ZERO, judged, 0.0) if judged_tiers else None,
        evaluator_latency=Mean(exact(Decimal(repr(judge_latency)) / judged) if judged else ZERO, judged, 0.0)
        if judged_tiers
        else None,
        tpr=Rate(sum(true_accepts), len(true_accepts)) if true_accepts else None,
        fpr=Rate(sum(false_accepts), len(false_accepts)) if false_accepts else None,
        cache_hits={name: Rate(sum(found), len(found)) for name, found in hits.items()} if cached else None,
        cache_lookup_cost=Mean.of(lookups) if cached else None,
    )
