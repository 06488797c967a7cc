"""The replay report: everything a run measured, computed from its decisions alone. Pure.

``routecli replay`` and ``routecli report`` both build it from the same
``RunInfo`` and ``Decision``s, so a report rendered again from the decision log
equals the one printed when the run finished. One ``ReplayReport`` feeds every
output format.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import NamedTuple

from routecli.pricing.prices import usage_total
from routecli.replay.projection import Projection, project
from routecli.replay.records import EMBEDDING_ROLES, Attempt, Decision, RunInfo, TierInfo
from routecli.replay.stats import Percentiles, percentiles, rate

__all__ = [
    "CacheStats",
    "Counterfactual",
    "EmbeddingStats",
    "EntryCounts",
    "HopStats",
    "Quality",
    "ReplayReport",
    "Routing",
    "TierStats",
    "build_report",
    "entry_counts",
    "with_projection",
]

ZERO = Decimal(0)


@dataclass(slots=True)
class Quality:
    """Answers checked against ``expected``, and how many were right; a prompt with an expected answer that got
    none counts as checked and wrong (``unanswered`` says how many did, so that no answer is not read as a
    wrong model)."""

    checked: int = 0
    correct: int = 0
    unanswered: int = 0
    """Of ``checked``, prompts that got no answer at all."""

    def add(self, correct: bool | None) -> None:
        if correct is not None:
            self.checked += 1
            self.correct += correct

    def add_unanswered(self) -> None:
        self.add(False)
        self.unanswered += 1

    @property
    def accuracy(self) -> float | None:
        return rate(self.correct, self.checked)


@dataclass(frozen=True, slots=True)
class TierStats:
    """One tier's calls (answers and judge calls), what they cost, and the answers it served."""

    name: str
    model: str
    requests: int
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    estimated_requests: int
    spend: Decimal
    spend_share: float | None
    answered: int
    answer_share: float | None
    errors: int
    latency_ms: Percentiles | None
    quality: Quality | None
    reasoning_tokens: int = 0
    """Hidden reasoning tokens, part of ``output_tokens`` (as the API reported them: 0 for Anthropic's thinking)."""


@dataclass(frozen=True, slots=True)
class HopStats:
    """One step up the chain: answers tried at ``from_tier``, how many escalated, and why."""

    from_tier: str
    to_tier: str
    attempted: int
    escalated: int
    reasons: dict[str, int]

    @property
    def rate(self) -> float | None:
        return rate(self.escalated, self.attempted)


@dataclass(frozen=True, slots=True)
class Counterfactual:
    """What the answered prompts would have cost on one tier alone, with the same token counts.

    ``compared_spend`` is what this setup spent on those same prompts (every
    call made for them, judges and escalations included), so failed prompts
    are on neither side of ``savings``.
    """

    tier: str
    model: str
    spend: Decimal
    compared_spend: Decimal

    @property
    def savings(self) -> Decimal:
        return self.spend - self.compared_spend

    @property
    def savings_pct(self) -> float | None:
        return float(self.savings / self.spend * 100) if self.spend else None


@dataclass(frozen=True, slots=True)
class Routing:
    """Where the router sent prompts and, with labels, how often it agreed with them."""

    distribution: dict[str, int]
    labelled: int
    agreed: int
    confusion: dict[str, dict[str, int]]  # label → decided tier → prompts

    @property
    def accuracy(self) -> float | None:
        return rate(self.agreed, self.labelled)

    @property
    def routed(self) -> int:
        """Prompts the router sent somewhere."""
        return sum(self.distribution.values())


@dataclass(frozen=True, slots=True)
class CacheStats:
    """Prompts the semantic cache answered, and what their source prompts' calls cost: the money it saved."""

    hits: int
    requests: int
    saved: Decimal

    @property
    def hit_rate(self) -> float | None:
        return rate(self.hits, self.requests)


@dataclass(slots=True)
class EmbeddingStats:
    """Requests to an embeddings endpoint (exemplars, and prompts for the router or cache) and what they cost."""

    requests: int = 0
    input_tokens: int = 0
    spend: Decimal = ZERO
    exemplar_spend: Decimal = ZERO
    """The part spent embedding the router's exemplars, once per run (again on each --resume)."""
    errors: int = 0
    estimated_requests: int = 0

    def add(self, attempt: Attempt) -> None:
        self.requests += 1
        self.input_tokens += attempt.input_tokens
        self.spend += attempt.cost
        if attempt.role == "exemplars":
            self.exemplar_spend += attempt.cost
        self.errors += attempt.error is not None
        self.estimated_requests += attempt.estimated


@dataclass(frozen=True, slots=True)
class ReplayReport:
    """A replay's (or dry run's) measured spend, escalation, latency, errors and quality."""

    run: RunInfo
    requests: int
    answered: int
    failed: int
    invalid: int
    tiers: tuple[TierStats, ...]
    total_spend: Decimal
    escalated: int
    hops: tuple[HopStats, ...]
    latency_ms: Percentiles | None
    errors: dict[str, int]
    failed_ids: tuple[str, ...]
    quality: Quality | None
    counterfactual_top: Counterfactual | None
    counterfactual_bottom: Counterfactual | None
    routing: Routing | None
    estimated_requests: int
    retries: int = 0
    """Requests that were a retry of an earlier one to the same model."""
    fallbacks: dict[str, dict[str, int]] = field(default_factory=dict)
    """Tier → the fallback tiers that answered for it, and how often."""
    stopped: str | None = None
    """Why the run stopped starting prompts early (budget, interrupted, terminated); None when it did not."""
    cache: CacheStats | None = None
    """None when the run had no semantic cache."""
    embeddings: EmbeddingStats | None = None
    """None when no embeddings endpoint was asked (the lexical vectorizer costs nothing)."""
    prompt_spend: tuple[Decimal, ...] = ()
    """Each prompt's spend (every call made for it), in id order: what ``--project`` resamples."""
    projection: Projection | None = None
    """``--project``: the spend per prompt at a monthly volume (``with_projection``); None without it."""

    @property
    def escalation_rate(self) -> float | None:
        """Share of prompts that escalated at least once; None for a dry run, which cannot know, and for an
        ``--all-tiers`` run, which never escalates."""
        return None if self.run.dry_run or self.run.all_tiers else rate(self.escalated, self.requests)

    @property
    def calls(self) -> int:
        """Requests made: to every tier, and to an embeddings endpoint."""
        return sum(tier.requests for tier in self.tiers) + (0 if self.embeddings is None else self.embeddings.requests)

    @property
    def input_tokens(self) -> int:
        """Input tokens of every request, embeddings included."""
        embedded = 0 if self.embeddings is None else self.embeddings.input_tokens
        return sum(tier.input_tokens for tier in self.tiers) + embedded

    @property
    def output_tokens(self) -> int:
        return sum(tier.output_tokens for tier in self.tiers)

    @property
    def cached_tokens(self) -> int:
        return sum(tier.cached_tokens for tier in self.tiers)

    @property
    def call_errors(self) -> int:
        """Requests that failed, to a tier or an embeddings endpoint."""
        return sum(tier.errors for tier in self.tiers) + (0 if self.embeddings is None else self.embeddings.errors)

    @property
    def embedding_spend_share(self) -> float | None:
        """The embeddings' part of the spend; None without embeddings or spend."""
        if self.embeddings is None or not self.total_spend:
            return None
        return float(self.embeddings.spend / self.total_spend)

    @property
    def cache_answer_share(self) -> float | None:
        """The cache's part of the answered prompts; None without a cache."""
        return None if self.cache is None else rate(self.cache.hits, self.answered)


class _HopTotals:
    __slots__ = ("attempted", "escalated", "reasons")

    def __init__(self) -> None:
        self.attempted = self.escalated = 0
        self.reasons: Counter[str] = Counter()


class _TierTotals:
    __slots__ = (
        "answered",
        "cached",
        "errors",
        "estimated",
        "input",
        "latencies",
        "output",
        "quality",
        "reasoning",
        "requests",
        "spend",
    )

    def __init__(self) -> None:
        self.requests = self.input = self.output = self.cached = self.estimated = self.answered = self.errors = 0
        self.reasoning = 0
        self.spend = ZERO
        self.latencies: list[float] = []
        self.quality = Quality()


class EntryCounts(NamedTuple):
    """How many prompts entered each tier: what ``--baseline`` compares (``routecli.ci.drift``)."""

    counts: dict[str, int]
    """Prompts by entry tier: the router's pick, else (no router, or it sent none) the tier that answered."""
    tiers: tuple[str, ...]
    """The configured tiers, in the report's order."""
    prompts: str
    """The prompt file: its sha256 when the run hashed it, else its path (as a JSON report records it)."""


def entry_counts(report: ReplayReport) -> EntryCounts:
    """The prompts per entry tier of ``report``, as ``routecli.ci.drift.entry_shares`` reads them from its JSON."""
    counts = {} if report.routing is None else dict(report.routing.distribution)
    if not counts:  # a cascade enters at its first tier: each prompt enters where a dry run answers it
        counts = {tier.name: tier.answered for tier in report.tiers}
    files = () if report.run.inputs is None else report.run.inputs.files
    hashed = [file.sha256 for file in files if file.role == "prompts" and file.sha256 is not None]
    return EntryCounts(counts, tuple(tier.name for tier in report.tiers), hashed[0] if hashed else report.run.prompts)


def build_report(
    run: RunInfo, decisions: Sequence[Decision], stopped: str | None = None, prelude: Sequence[Attempt] = ()
) -> ReplayReport:
    """Aggregate decisions (in any order) into the report; sums are exact, shares are floats for display.

    ``prelude`` holds the requests a run made before its first prompt (embedding
    an embedding router's exemplars): spend, but no prompt's.

    An ``--all-tiers`` run has no hops or label matrix (nothing was routed or
    escalated), and its quality counts every answer: each tier's its own, the
    overall figure all of them (an answer not given counts nowhere).
    """
    all_tiers = run.all_tiers
    totals = {tier.name: _TierTotals() for tier in run.tiers}
    next_tier = dict(zip(run.chain, run.chain[1:], strict=False))
    hops = {tier: _HopTotals() for tier in next_tier}  # by the tier escalated from
    errors: Counter[str] = Counter()
    overall_quality = Quality()
    routed: Counter[str] = Counter()
    confusion: dict[str, Counter[str]] = {}
    failed_ids: list[str] = []
    latencies: list[float] = []
    top, bottom = run.tiers[-1], run.tiers[0]
    answered_usage: list[tuple[int, int, int, int]] = []  # what the answers used, to price on one tier alone
    answered_spend = ZERO
    escalated = estimated = retries = 0
    fallbacks: dict[str, Counter[str]] = {}
    embeddings = EmbeddingStats()

    def count_apart(attempt: Attempt) -> None:
        """Count a cooldown skip or an embeddings request: no tier's call."""
        nonlocal retries
        if attempt.error_kind == "cooldown":  # skipped: no request was made, nothing to count but the skip
            errors["cooldown"] += 1
            return
        embeddings.add(attempt)
        if attempt.error is not None:
            errors[attempt.error_kind or "error"] += 1
        retries += attempt.retry > 0

    for attempt in prelude:
        count_apart(attempt)
    by_id: dict[str, Decision] = {}  # made at the first cache hit: only hits look up their source
    hit_sources: list[str] = []
    prompt_spend: list[tuple[str, Decimal]] = []
    for decision in decisions:
        prompt_spend.append((decision.id, sum((attempt.cost for attempt in decision.attempts), ZERO)))
        answered_at: set[str] = set()  # chain tiers asked for an answer (a fallback counts as its tier)
        for attempt in decision.attempts:
            if attempt.error_kind == "cooldown" or attempt.role in EMBEDDING_ROLES:
                count_apart(attempt)
                continue
            tier = totals[attempt.tier]
            tier.requests += 1
            tier.input += attempt.input_tokens
            tier.output += attempt.output_tokens
            tier.reasoning += attempt.reasoning_tokens
            tier.cached += attempt.cached_tokens
            tier.spend += attempt.cost
            tier.latencies.append(attempt.latency_ms)
            if attempt.estimated:
                tier.estimated += 1
                estimated += 1
            if attempt.error is not None:
                tier.errors += 1
                errors[attempt.error_kind or "error"] += 1
            retries += attempt.retry > 0
            if attempt.fallback_for is not None and attempt.error is None and attempt.role == "answer":
                fallbacks.setdefault(attempt.fallback_for, Counter())[attempt.tier] += 1
            if attempt.role == "answer":
                answered_at.add(attempt.fallback_for or attempt.tier)
                if all_tiers and attempt.error is None:  # every tier's answer, not just the one that stands
                    tier.quality.add(attempt.correct)
                    overall_quality.add(attempt.correct)
        for tier_name in answered_at & hops.keys():
            hops[tier_name].attempted += 1
        for step in decision.escalations:
            hop = hops.get(step.from_tier)
            if hop is not None:
                hop.escalated += 1
                hop.reasons.update(step.reasons)
        escalated += decision.escalated
        latencies.append(decision.latency_ms)
        if decision.route is not None:
            routed[decision.route.tier] += 1
        if (
            decision.label is not None
            and decision.decided_tier is not None
            and decision.cache is None
            and not all_tiers
        ):
            # a cache hit was never routed: it says nothing of the router's accuracy
            confusion.setdefault(decision.label, Counter())[decision.decided_tier] += 1
        if decision.cache is not None and decision.final_tier is not None:
            # served from the cache: answered by the source's tier, no tier asked; the counterfactuals,
            # which would have had the same cache, leave it out
            hit_sources.append(decision.cache.source)
            by_id = by_id or {decision.id: decision for decision in decisions}
            source = by_id.get(decision.cache.source)
            source_answer = None if source is None else source.final_answer()
            # credited to the model that gave the stored answer, as the source's own answer is
            served = totals[decision.final_tier if source_answer is None else source_answer.tier]
            served.answered += 1
            served.quality.add(decision.correct)
            overall_quality.add(decision.correct)
            continue
        final = decision.final_answer()
        if final is None:
            failed_ids.append(decision.id)
            if decision.expected is not None and not all_tiers:
                overall_quality.add_unanswered()  # no answer is a wrong answer
            continue
        answered_spend += sum((attempt.cost for attempt in decision.attempts), ZERO)
        served = totals[final.tier]
        served.answered += 1
        if not all_tiers:  # there, each answer was counted with its attempt
            served.quality.add(decision.correct)
            overall_quality.add(decision.correct)
        answered_usage.append((final.input_tokens, final.output_tokens, final.cached_tokens, final.cache_write_tokens))
    total_spend = sum((tier.spend for tier in totals.values()), embeddings.spend)
    # a hit saves what its source's calls to tiers cost (a missing source saved nothing); the hit pays its own embedding
    saved = sum((_tier_spend(by_id[source]) for source in hit_sources if source in by_id), ZERO)
    requests = len(decisions)
    answered = requests - len(failed_ids)
    labelled = sum(sum(row.values()) for row in confusion.values())
    agreed = sum(row.get(label, 0) for label, row in confusion.items())
    return ReplayReport(
        run=run,
        requests=requests,
        answered=answered,
        failed=len(failed_ids),
        invalid=len(run.invalid_lines),
        tiers=tuple(_tier_stats(info.name, info.model, totals[info.name], total_spend, answered) for info in run.tiers),
        total_spend=total_spend,
        escalated=escalated,
        hops=()
        if run.dry_run or all_tiers
        else tuple(
            HopStats(tier, next_tier[tier], hop.attempted, hop.escalated, _by_count(hop.reasons))
            for tier, hop in hops.items()
        ),
        latency_ms=percentiles(latencies),
        errors=_by_count(errors),
        failed_ids=tuple(sorted(failed_ids, key=_natural)),
        quality=overall_quality if overall_quality.checked else None,
        counterfactual_top=_counterfactual(top, usage_total(top.price, answered_usage), answered_spend)
        if answered
        else None,
        counterfactual_bottom=_counterfactual(bottom, usage_total(bottom.price, answered_usage), answered_spend)
        if answered
        else None,
        routing=None
        if not routed and not confusion
        else Routing(
            _by_count(routed), labelled, agreed, {label: _by_count(confusion[label]) for label in sorted(confusion)}
        ),
        estimated_requests=estimated + embeddings.estimated_requests,
        retries=retries,
        fallbacks={tier: _by_count(fallbacks[tier]) for tier in sorted(fallbacks)},
        stopped=stopped,
        cache=None
        if run.cache_similarity is None and not hit_sources
        else CacheStats(len(hit_sources), requests, saved),
        embeddings=embeddings if embeddings.requests else None,
        prompt_spend=tuple(spend for _, spend in sorted(prompt_spend, key=lambda item: _natural(item[0]))),
    )


def with_projection(report: ReplayReport, requests_per_month: Decimal) -> ReplayReport:
    """``report`` with its spend per prompt projected to ``requests_per_month`` (``routecli.replay.projection``)."""
    return replace(report, projection=project(report.prompt_spend, requests_per_month))


def _tier_spend(decision: Decision) -> Decimal:
    return sum((attempt.cost for attempt in decision.attempts if attempt.role not in EMBEDDING_ROLES), ZERO)


def _by_count(counts: Counter[str]) -> dict[str, int]:
    """Most frequent first, ties by name: the same order whatever order results finished in."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _counterfactual(tier: TierInfo, spend: Decimal, actual: Decimal) -> Counterfactual:
    return Counterfactual(tier.name, tier.model, spend, actual)


def _tier_stats(name: str, model: str, totals: _TierTotals, total_spend: Decimal, answered: int) -> TierStats:
    return TierStats(
        name=name,
        model=model,
        requests=totals.requests,
        input_tokens=totals.input,
        output_tokens=totals.output,
        cached_tokens=totals.cached,
        estimated_requests=totals.estimated,
        spend=totals.spend,
        spend_share=float(totals.spend / total_spend) if total_spend else None,
        answered=totals.answered,
        answer_share=rate(totals.answered, answered),
        errors=totals.errors,
        latency_ms=percentiles(totals.latencies),
        quality=totals.quality if totals.quality.checked else None,
        reasoning_tokens=totals.reasoning,
    )


def _natural(identifier: str) -> tuple[int, int | str]:
    """Ids sorted as numbers where they are numbers (line-number ids), else as text."""
    return (0, int(identifier)) if identifier.isdigit() else (1, identifier)
