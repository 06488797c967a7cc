"""The cost model: a validated ``Scenario`` in, a ``SimulationResult`` out. Pure.

Every strategy is evaluated the same way, per segment: requests miss the
semantic cache (if any), pass the router (if any) to an entry tier, and walk
the chain from there — a judged step accepts a share and passes the rest on,
the last step (and every step of a ``route``) answers all it receives. The
formulas, with worked examples, are in ``docs/cost-model.md``. Money stays
``Decimal`` throughout, never rounded to cents; arithmetic keeps Decimal's 28
significant digits, and the scenario's bounds keep every figure well inside them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import add, itemgetter, mul, sub
from typing import TYPE_CHECKING, Literal, NamedTuple

from routecli.pricing.prices import PriceSource, ServiceTier, expected_request_cost, request_costs
from routecli.provenance import Inputs
from routecli.simulate.pareto import CostQuality, pareto_frontier
from routecli.simulate.scenario import (
    Growth,
    ModifierKind,
    Modifiers,
    Scenario,
    SemanticCacheModifier,
    Strategy,
    StrategyType,
    Tier,
)

if TYPE_CHECKING:
    from routecli.simulate.montecarlo import MonteCarloResult

__all__ = [
    "CURRENCY",
    "AppliedModifier",
    "EscalationStep",
    "ForecastMonth",
    "SimulationResult",
    "StrategyResult",
    "TierUsage",
    "call_terms",
    "forecast",
    "simulate",
    "tier_latencies_ms",
]

CURRENCY = "USD"
"""Every price table and report is in US dollars."""
ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
THOUSAND = Decimal(1000)


class TierUsage(NamedTuple):
    """One tier's part in a strategy: its monthly spend and the share of requests it answers."""

    tier: str
    spend: Decimal
    answered_share: Decimal


class EscalationStep(NamedTuple):
    """A step up a strategy's chain: the share of requests reaching ``source`` passed on to ``target``."""

    source: str
    target: str
    rate: Decimal


class AppliedModifier(NamedTuple):
    """A modifier a strategy's cost assumes, and whether the scenario or the strategy set it.

    Figures by kind: a semantic cache's ``hit_rate`` (of all requests) and ``hit_rate_by_segment``;
    prompt caching's ``cached_share`` and ``write_share`` of input tokens; batch has none; a flex or
    priority ``service_tier`` names it.
    """

    kind: ModifierKind
    scope: Literal["scenario", "strategy"]
    hit_rate: Decimal | None = None
    hit_rate_by_segment: Mapping[str, Decimal] | None = None
    cached_share: Decimal | None = None
    write_share: Decimal | None = None
    service_tier: ServiceTier | None = None


@dataclass(frozen=True, slots=True)
class StrategyResult:
    """What one strategy costs per month, and what it delivers."""

    name: str
    type: StrategyType
    is_baseline: bool
    monthly_cost: Decimal
    cost_per_request: Decimal
    savings_vs_baseline: Decimal
    savings_vs_baseline_pct: Decimal | None
    quality: Decimal | None
    mean_latency_ms: Decimal
    model_calls_per_request: Decimal
    escalation_rate: Decimal
    cache_hit_rate: Decimal
    hops: tuple[EscalationStep, ...]
    tiers: tuple[TierUsage, ...]
    overhead: Mapping[str, Decimal]
    description: str | None = None
    modifiers: tuple[AppliedModifier, ...] = ()
    """What the cost assumes beyond list prices: semantic cache, prompt caching, batch, in that order."""

    @property
    def cost_per_1k_requests(self) -> Decimal:
        return self.cost_per_request * THOUSAND

    @property
    def spend_by_model(self) -> dict[str, Decimal]:
        return {usage.tier: usage.spend for usage in self.tiers}


class ForecastMonth(NamedTuple):
    """One month of a growth forecast: its volume and each strategy's cost (in strategy order)."""

    month: int
    requests: Decimal
    costs: tuple[Decimal, ...]


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """Every strategy of a scenario, ready for any renderer.

    ``forecast`` (with ``growth``) is filled when the scenario's traffic grows;
    ``monte_carlo`` and ``insights`` when they were asked for.
    """

    scenario: str
    currency: str
    requests_per_month: Decimal
    days_per_month: Decimal
    baseline: str
    strategies: tuple[StrategyResult, ...]
    tiers: tuple[Tier, ...]
    price_sources: tuple[PriceSource, ...]
    warnings: tuple[str, ...]
    description: str | None = None
    growth: Growth | None = None
    forecast: tuple[ForecastMonth, ...] = ()
    frontier: tuple[CostQuality, ...] = ()
    """The cost–quality Pareto frontier, cheapest first; strategies without a quality take no part."""
    monte_carlo: MonteCarloResult | None = None
    insights: tuple[str, ...] = ()
    inputs: Inputs | None = None
    """What the scenario and prices were read from, hashed (filled at the edge, which reads files)."""

    @property
    def forecast_total(self) -> ForecastMonth | None:
        """The forecast's months added up (``month`` is how many), or None without growth."""
        if not self.forecast:
            return None
        costs = zip(*(month.costs for month in self.forecast), strict=True)
        requests = sum((month.requests for month in self.forecast), Decimal(0))
        return ForecastMonth(len(self.forecast), requests, tuple(sum(cost, Decimal(0)) for cost in costs))

    def strategy(self, name: str) -> StrategyResult:
        return next(result for result in self.strategies if result.name == name)


def tier_latencies_ms(
    tier: Tier, output_tokens: Sequence[Decimal], reasoning_tokens: Sequence[Decimal] | None = None
) -> list[Decimal]:
    """Per request: time to first token plus the time to generate its reasoning and output, at the tier's speed."""
    ttft, speed = tier.ttft_ms, tier.tokens_per_s
    if reasoning_tokens is None:
        return [ttft + tokens * THOUSAND / speed for tokens in output_tokens]
    return [
        ttft + (tokens + thinking) * THOUSAND / speed
        for tokens, thinking in zip(output_tokens, reasoning_tokens, strict=True)
    ]


def call_terms(tier: Tier, modifiers: Modifiers, *, escalated: bool = False) -> tuple[ServiceTier, Decimal, Decimal]:
    """How a call on ``tier`` is billed under a strategy's ``modifiers``: service tier, cached and written shares.

    The tier's own service tier and prompt caching win over the strategy's. A request that reached
    the tier by escalation (``escalated``) has no prefix of its own in the tier's cache: it reads none
    and writes what it would have read, unless the tier is ``warm`` or the caching ``warm_on_escalation``.
    """
    service = tier.service_tier or modifiers.service_tier
    caching = modifiers.prompt_caching if tier.prompt_caching is None else tier.prompt_caching
    if caching is None:
        return service, ZERO, ZERO
    if escalated and not (tier.warm or caching.warm_on_escalation):
        return service, ZERO, caching.cached_share + caching.write_share
    return service, caching.cached_share, caching.write_share


class _Prices:
    """Per-segment cost, latency and quality of each tier, computed once per scenario."""

    def __init__(self, scenario: Scenario) -> None:
        self.segments = scenario.segments
        self.shares = [segment.share for segment in scenario.segments]
        self.tiers = scenario.tiers
        self._inputs = [segment.input_tokens for segment in self.segments]
        self._outputs = [segment.output_tokens for segment in self.segments]
        self._reasoning = {
            name: None if tier.reasoning is None else [tier.reasoning[s.name].mean for s in self.segments]
            for name, tier in self.tiers.items()
        }
        """Each tier's mean reasoning tokens per segment (None: none)."""
        self._costs: dict[tuple[str, ServiceTier, Decimal, Decimal], list[Decimal]] = {}
        self._whole: dict[tuple[object, ...], tuple[Decimal, Decimal]] = {}
        self._whole_quality: dict[tuple[str, int], Decimal | None] = {}
        self._weights: dict[int, tuple[Decimal, Decimal]] = {}
        self.everyone = [ONE] * len(self.segments)
        """The entry vector of a strategy without a router: every request starts at the chain's head."""
        self._traffic: dict[
            int, tuple[SemanticCacheModifier | None, list[Decimal] | None, list[Decimal], list[Decimal]]
        ] = {}
        self.names = [segment.name for segment in self.segments]
        self.latency = self._latencies()
        self.quality = {
            name: None if tier.quality is None else [tier.quality[s.name] for s in self.segments]
            for name, tier in self.tiers.items()
        }

    def _latencies(self) -> dict[str, list[Decimal]]:
        """Each tier's latency per segment; tiers of the same speed (as written) share one vector."""
        by_speed: dict[tuple[str, str], list[Decimal]] = {}
        latency = {}
        for name, tier in self.tiers.items():
            reasoning = self._reasoning[name]
            if reasoning is not None or tier.tokens is not None:
                latency[name] = tier_latencies_ms(tier, self._tier_counts(tier)[1], reasoning)
                continue
            key = (str(tier.ttft_ms), str(tier.tokens_per_s))  # as written: 50 and 50.0 divide to different digits
            if key not in by_speed:
                by_speed[key] = tier_latencies_ms(tier, self._outputs)
            latency[name] = by_speed[key]
        return latency

    def _tier_counts(self, tier: Tier) -> tuple[list[Decimal], list[Decimal]]:
        """Mean input and output tokens per segment of a call on ``tier``: its own where it gives them."""
        own = tier.tokens or {}
        inputs = [
            own[s.name][0] if s.name in own else count for s, count in zip(self.segments, self._inputs, strict=True)
        ]
        outputs = [
            own[s.name][1] if s.name in own else count for s, count in zip(self.segments, self._outputs, strict=True)
        ]
        return inputs, outputs

    def costs(self, tier: str, modifiers: Modifiers, *, escalated: bool = False) -> list[Decimal]:
        """USD per request on ``tier`` for each segment (``escalated``: for requests that escalated there).

        Where escalated requests are billed as entering ones, both get the very same list.
        """
        service, cached, written = call_terms(self.tiers[tier], modifiers, escalated=escalated)
        key = (tier, service, cached, written)
        found = self._costs.get(key)
        if found is None:
            price = self.tiers[tier].price
            reasoning = self._reasoning[tier]
            own = self.tiers[tier].tokens or {}
            inputs, outputs = self._tier_counts(self.tiers[tier])
            found = request_costs(
                price,
                inputs,
                outputs,
                cached_share=cached,
                write_share=written,
                tier=service,
                reasoning=reasoning,
            )
            if price.long_context is not None:  # where counts vary, some requests cross the threshold
                for index, segment in enumerate(self.segments):
                    if segment.tokens is not None and segment.name not in own:
                        found[index] = expected_request_cost(
                            price,
                            segment.tokens,
                            cached_share=cached,
                            write_share=written,
                            tier=service,
                            reasoning=ZERO if reasoning is None else reasoning[index],
                        )
            self._costs[key] = found
        return found

    def traffic(self, cache: SemanticCacheModifier | None) -> tuple[list[Decimal] | None, list[Decimal], list[Decimal]]:
        """Per segment: cache hit rates, the share of traffic that misses the cache, and quality weights.

        A hit is as good as a fresh answer to its segment unless ``hit_quality`` says
        otherwise, so without ``hit_quality`` quality is weighed by the whole share.
        Cached per cache (kept alive here, so its id stays its own).
        """
        key = id(cache)
        found = self._traffic.get(key)
        if found is None:
            shares = self.shares
            if cache is None:
                found = (cache, None, shares, shares)
            else:
                hits = [cache.hit_rate[segment.name] for segment in self.segments]
                miss = list(map(sub, shares, map(mul, shares, hits)))
                found = (cache, hits, miss, shares if cache.hit_quality is None else miss)
            self._traffic[key] = found
        return found[1], found[2], found[3]

    def weights(self, cache: SemanticCacheModifier | None) -> tuple[Decimal, Decimal]:
        """Σ miss and Σ judge over all segments (the weights of ``traffic``); computed once per cache."""
        key = id(cache)
        found = self._weights.get(key)
        if found is None:
            _, miss, judge = self.traffic(cache)
            found = self._weights[key] = (sum(miss, ZERO), sum(judge, ZERO))
        return found

    def whole(self, tier: str, modifiers: Modifiers) -> tuple[Decimal, Decimal]:
        """Over all segments: Σ miss·cost and Σ miss·latency — what a step every request reaches spends and takes.

        Shared by every strategy with the tier and modifiers, so computed once.
        """
        key = (tier, modifiers.prompt_caching, modifiers.service_tier, id(modifiers.semantic_cache))
        found = self._whole.get(key)
        if found is None:
            _, miss, _ = self.traffic(modifiers.semantic_cache)
            found = self._whole[key] = (_dot(miss, self.costs(tier, modifiers)), _dot(miss, self.latency[tier]))
        return found

    def whole_quality(self, tier: str, cache: SemanticCacheModifier | None) -> Decimal | None:
        """Over all segments: Σ judge·quality (None: the tier's quality is unknown); computed once."""
        key = (tier, id(cache))
        if key not in self._whole_quality:
            _, _, judge = self.traffic(cache)
            quality = self.quality[tier]
            self._whole_quality[key] = None if quality is None else _dot(judge, quality)
        return self._whole_quality[key]

    def sums(
        self, tier: str, modifiers: Modifiers, members: list[int] | None = None
    ) -> tuple[Decimal, Decimal, Decimal, Decimal | None]:
        """Over ``members`` (default: all segments) of a tier: Σ miss·cost, Σ miss·latency, Σ judge, Σ judge·quality.

        ``miss`` and ``judge`` are the weights of ``traffic`` for the modifiers' cache.
        """
        _, miss, judge = self.traffic(modifiers.semantic_cache)
        if members is None:
            cache = modifiers.semantic_cache
            return (*self.whole(tier, modifiers), self.weights(cache)[1], self.whole_quality(tier, cache))
        quality = self.quality[tier]

        pick = _picker(members)
        missed, judged = pick(miss), pick(judge)
        return (
            _dot(missed, pick(self.costs(tier, modifiers))),
            _dot(missed, pick(self.latency[tier])),
            sum(judged, ZERO),
            None if quality is None else _dot(judged, pick(quality)),
        )


class _Totals:
    """Per-request sums for one strategy, weighted by segment share, indexed by chain position."""

    __slots__ = (
        "cache",
        "cache_hits",
        "calls",
        "escalated",
        "escalated_once",
        "evaluator",
        "latency",
        "quality",
        "router",
        "spend",
    )

    def __init__(self, steps: int) -> None:
        self.spend = [ZERO] * steps
        self.calls = [ZERO] * steps
        self.escalated = [ZERO] * steps
        self.router = ZERO
        self.evaluator = ZERO
        self.cache = ZERO
        self.cache_hits = ZERO
        self.escalated_once = ZERO
        self.quality: Decimal | None = ZERO
        self.latency = ZERO

    def answered(self, index: int) -> Decimal:
        """Share of all requests answered at chain position ``index``."""
        return self.calls[index] - self.escalated[index]


def _picker(members: Sequence[int]) -> Callable[[list[Decimal]], Sequence[Decimal]]:
    """The items of a vector at ``members``, in their order (one C call where there are two or more)."""
    if len(members) > 1:
        return itemgetter(*members)
    return lambda vector: [vector[index] for index in members]


def _dot(left: Iterable[Decimal], right: Iterable[Decimal]) -> Decimal:
    return sum(map(mul, left, right), ZERO)


def _acceptance(
    strategy: Strategy, name: str, quality: list[Decimal] | None, segments: list[str]
) -> tuple[list[Decimal], list[Decimal], list[Decimal] | None]:
    """At a judged step, per segment: P(accept), P(pass on), and the good answers accepted (None if unknown)."""
    if strategy.accept is not None:
        accepted = list(map(strategy.accept[name].__getitem__, segments))
        good = None if quality is None else list(map(mul, accepted, quality))
    else:
        evaluator = strategy.evaluator
        assert evaluator is not None
        assert evaluator.tpr is not None
        assert evaluator.fpr is not None
        assert quality is not None
        tpr, fpr = evaluator.tpr, evaluator.fpr
        accepted = [q * tpr + (ONE - q) * fpr for q in quality]
        good = [q * tpr for q in quality]
    return accepted, list(map(ONE.__sub__, accepted)), good


def _entries(strategy: Strategy, segments: list[str], everyone: list[Decimal]) -> list[list[Decimal] | None]:
    """Per chain position, the share of each segment's requests that enter there (None: none do; ``everyone``: all)."""
    router = strategy.router
    if router is None:
        return [everyone] + [None] * (len(strategy.chain) - 1)
    rows = list(map(router.confusion.__getitem__, segments))
    vectors: list[list[Decimal] | None] = []
    for tier in strategy.chain:
        try:
            vector = list(map(itemgetter(tier), rows))
        except KeyError:  # a confusion matrix that never sends some segment there
            vector = [row.get(tier, ZERO) for row in rows]
        vectors.append(vector if any(vector) else None)
    return vectors


def _evaluate(strategy: Strategy, prices: _Prices) -> _Totals:
    """Walk the chain one step at a time, each step over all segments at once.

    reach(i) = entered at i + reach(i - 1) × (1 − accept(i - 1)), per segment;
    a step's spend is Σ miss × reach × cost over segments. Vectors of Decimals
    go through ``map`` and ``sum`` so the arithmetic stays exact and fast.
    """
    chain = strategy.chain
    shares = prices.shares
    cache = strategy.modifiers.semantic_cache
    hits, miss, judge = prices.traffic(cache)
    totals = _Totals(len(chain))
    router = strategy.router
    if strategy.type == "route" and router is not None and router.accuracy is not None:
        _route_uniform(strategy, prices, miss, totals)
    else:
        _walk_chain(strategy, prices, miss, judge, totals)
    missed = prices.weights(cache)[0]
    if router is not None:
        totals.router = missed * router.cost_per_request
        totals.latency += missed * router.latency_ms
    if cache is not None and hits is not None:
        lookups = prices.weights(None)[0]  # without a cache, every share misses it: Σ shares
        totals.cache = lookups * cache.lookup_cost
        totals.cache_hits = _dot(shares, hits)
        totals.latency += lookups * cache.lookup_latency_ms
        if cache.hit_quality is not None and totals.quality is not None:
            totals.quality += totals.cache_hits * cache.hit_quality
    return totals


def _walk_chain(
    strategy: Strategy, prices: _Prices, miss: list[Decimal], judge: list[Decimal], totals: _Totals
) -> None:
    """The general case: any router, any chain; per step, vectors over all segments.

    Where every request of every segment reaches a step (the head of a chain
    without a router), multiplying by the reach would multiply by exactly 1: the
    step takes the vectors as they are, and its figures shared with other
    strategies from ``_Prices.whole``. The results are the same to the last digit.
    """
    chain = strategy.chain
    modifiers = strategy.modifiers
    escalates = strategy.escalates
    last = len(chain) - 1
    quality: Decimal | None = ZERO
    judged_calls = escalated_once = latency = ZERO
    carried: list[Decimal] | None = None
    ahead: list[Decimal] | None = None  # the next step's traffic, when this step has worked it out
    passed = ZERO  # the share this step passes on (Σ of ``ahead``, where there is one)
    entries = _entries(strategy, prices.names, prices.everyone)
    for index, (name, entered) in enumerate(zip(chain, entries, strict=True)):
        if carried is None:
            reach = entered
        else:
            reach = carried if entered is None else list(map(add, entered, carried))
        if reach is None:
            continue
        everyone = reach is prices.everyone
        judges = escalates and index != last
        # share of all requests that reach this step, per segment
        if ahead is not None:  # worked out by the step before, which summed it as what it passed on
            traffic, calls, ahead = ahead, passed, None
        elif everyone:
            traffic, calls = miss, prices.weights(modifiers.semantic_cache)[0]
        else:
            traffic = list(map(mul, miss, reach))
            calls = sum(traffic, ZERO)
        totals.calls[index] = calls
        if everyone:
            totals.spend[index], delay = prices.whole(name, modifiers)
        else:
            totals.spend[index] = _step_spend(prices, name, modifiers, traffic, miss, entered, carried)
            delay = _dot(traffic, prices.latency[name])
        latency += delay
        # Quality counts every answer this step gives, cache hits standing in for fresh ones.
        judged = traffic if judge is miss else judge if everyone else list(map(mul, judge, reach))
        if not judges:
            good = prices.quality[name]
            if good is None:
                quality = quality if not any(judged) else None
            elif quality is not None:
                shared = prices.whole_quality(name, modifiers.semantic_cache) if everyone else None
                quality += _dot(judged, good) if shared is None else shared
            continue
        accepted, rejected, good = _acceptance(strategy, name, prices.quality[name], prices.names)
        if good is None:
            quality = quality if not _dot(judged, accepted) else None
        elif quality is not None:
            quality += _dot(judged, good)
        carried = rejected if everyone else list(map(mul, reach, rejected))
        if entries[index + 1] is None:  # the next step takes only what this one passes on: Σ of its traffic
            ahead = list(map(mul, miss, carried))
            passed = sum(ahead, ZERO)
        else:
            passed = _dot(miss, carried)
        totals.escalated[index] = passed
        if everyone:
            escalated_once += passed  # Σ miss·1·rejected: the very sum just taken
        elif entered is not None:
            escalated_once += _dot(traffic if entered is reach else map(mul, miss, entered), rejected)
        judged_calls += calls
    if strategy.evaluator is not None and escalates:
        totals.evaluator = judged_calls * strategy.evaluator.cost_per_request
        latency += judged_calls * strategy.evaluator.latency_ms
    totals.escalated_once = escalated_once
    totals.latency = latency
    totals.quality = quality


def _step_spend(
    prices: _Prices,
    name: str,
    modifiers: Modifiers,
    traffic: list[Decimal],
    miss: list[Decimal],
    entered: list[Decimal] | None,
    carried: list[Decimal] | None,
) -> Decimal:
    """Σ traffic × cost at a step: requests that enter there at its own cost, those escalated to it at theirs."""
    own = prices.costs(name, modifiers)
    escalated = prices.costs(name, modifiers, escalated=True)
    if carried is None or escalated is own:
        return _dot(traffic, own)
    if entered is None:
        return _dot(traffic, escalated)
    return _dot(map(mul, miss, entered), own) + _dot(map(mul, miss, carried), escalated)


def _route_uniform(strategy: Strategy, prices: _Prices, miss: list[Decimal], totals: _Totals) -> None:
    """A route whose misroutes spread evenly: P(t | s) = b + (a − b)·[route(s) = t].

    So Σ_s P(t | s)·x_s = b·Σ_s x_s + (a − b)·Σ_{s routed to t} x_s: the sums over
    all segments are shared with every other strategy, and each segment counts
    once for its own route instead of once per tier.
    """
    router = strategy.router
    routes = strategy.routes
    assert router is not None
    assert router.accuracy is not None
    assert routes is not None
    chain = strategy.chain
    accuracy = router.accuracy
    misrouted = (ONE - accuracy) / (len(chain) - 1) if len(chain) > 1 else ZERO
    if len(chain) == 1:
        accuracy = ONE
    members: dict[str, list[int]] = {name: [] for name in chain}
    for index, segment in enumerate(prices.segments):
        members[routes[segment.name]].append(index)
    routed_miss = {name: sum(map(miss.__getitem__, indexes), ZERO) for name, indexes in members.items()}
    all_miss = prices.weights(strategy.modifiers.semantic_cache)[0]
    quality: Decimal | None = ZERO
    latency = ZERO
    for index, name in enumerate(chain):
        every = prices.sums(name, strategy.modifiers)
        own = prices.sums(name, strategy.modifiers, members[name])
        spend, delay, judged, good = (
            None if whole is None or part is None else misrouted * whole + (accuracy - misrouted) * part
            for whole, part in zip(every, own, strict=True)
        )
        assert spend is not None
        assert delay is not None
        totals.spend[index] = spend
        totals.calls[index] = misrouted * all_miss + (accuracy - misrouted) * routed_miss[name]
        latency += delay
        if good is None:
            quality = quality if not judged else None
        elif quality is not None:
            quality += good
    totals.latency = latency
    totals.quality = quality


def _result(strategy: Strategy, totals: _Totals, scenario: Scenario, baseline_cost: Decimal | None) -> StrategyResult:
    volume = scenario.requests_per_month
    overhead = {
        name: amount
        for name, amount in (
            ("router", totals.router),
            ("evaluator", totals.evaluator),
            ("semantic cache", totals.cache),
        )
        if amount
    }
    per_request = sum(totals.spend, ZERO) + sum(overhead.values(), ZERO)
    monthly = per_request * volume
    reference = monthly if baseline_cost is None else baseline_cost
    savings = reference - monthly
    chain = strategy.chain
    calls, escalated = totals.calls, totals.escalated
    hops = (
        tuple(
            EscalationStep(chain[index], chain[index + 1], escalated[index] / calls[index] if calls[index] else ZERO)
            for index in range(len(chain) - 1)
        )
        if strategy.escalates
        else ()
    )
    return StrategyResult(
        name=strategy.name,
        type=strategy.type,
        description=strategy.description,
        is_baseline=strategy.name == scenario.baseline,
        monthly_cost=monthly,
        cost_per_request=per_request,
        savings_vs_baseline=savings,
        savings_vs_baseline_pct=savings / reference * HUNDRED if reference else None,
        quality=totals.quality,
        mean_latency_ms=totals.latency,
        model_calls_per_request=sum(calls, ZERO),
        escalation_rate=totals.escalated_once,
        cache_hit_rate=totals.cache_hits,
        hops=hops,
        tiers=tuple(
            TierUsage(
                tier=name,
                spend=totals.spend[index] * volume,
                answered_share=totals.answered(index),
            )
            for index, name in enumerate(chain)
        ),
        overhead={name: amount * volume for name, amount in overhead.items()},
        modifiers=_applied(strategy.modifiers, totals.cache_hits),
    )


def _applied(modifiers: Modifiers, cache_hits: Decimal) -> tuple[AppliedModifier, ...]:
    """The modifiers in effect, in a fixed order, each with its scope; ``cache_hits``: the cache's overall hit rate."""

    def scope(kind: ModifierKind) -> Literal["scenario", "strategy"]:
        return "strategy" if kind in modifiers.own else "scenario"

    applied: list[AppliedModifier] = []
    cache, caching = modifiers.semantic_cache, modifiers.prompt_caching
    if cache is not None:
        kind: ModifierKind = "semantic_cache"
        applied.append(AppliedModifier(kind, scope(kind), hit_rate=cache_hits, hit_rate_by_segment=cache.hit_rate))
    if caching is not None:
        kind = "prompt_caching"
        applied.append(
            AppliedModifier(kind, scope(kind), cached_share=caching.cached_share, write_share=caching.write_share)
        )
    if modifiers.batch:
        applied.append(
            AppliedModifier("batch", "strategy" if {"batch", "service_tier"} & modifiers.own else "scenario")
        )
    elif modifiers.service_tier != "standard":
        kind = "service_tier"
        where: Literal["scenario", "strategy"] = "strategy" if {"batch", "service_tier"} & modifiers.own else "scenario"
        applied.append(AppliedModifier(kind, where, service_tier=modifiers.service_tier))
    return tuple(applied)


def forecast(growth: Growth, volume: Decimal, strategies: Sequence[StrategyResult]) -> tuple[ForecastMonth, ...]:
    """Month by month: volume × (1 + g)^(m − 1), each strategy at its cost per request.

    Every cost in the model is per request, so a month's cost scales with its volume.
    """
    factor = ONE + growth.monthly_pct / HUNDRED
    months = []
    requests = volume
    for month in range(1, growth.months + 1):
        months.append(ForecastMonth(month, requests, tuple(s.cost_per_request * requests for s in strategies)))
        requests *= factor
    return tuple(months)


def simulate(scenario: Scenario) -> SimulationResult:
    """Evaluate every strategy of ``scenario`` and compare each with its baseline."""
    prices = _Prices(scenario)
    totals = {strategy.name: _evaluate(strategy, prices) for strategy in scenario.strategies}
    baseline = next(s for s in scenario.strategies if s.name == scenario.baseline)
    baseline_result = _result(baseline, totals[baseline.name], scenario, None)
    results = tuple(
        baseline_result
        if strategy is baseline
        else _result(strategy, totals[strategy.name], scenario, baseline_result.monthly_cost)
        for strategy in scenario.strategies
    )
    return SimulationResult(
        scenario=scenario.name,
        description=scenario.description,
        currency=CURRENCY,
        requests_per_month=scenario.requests_per_month,
        days_per_month=scenario.days_per_month,
        baseline=scenario.baseline,
        strategies=results,
        tiers=tuple(scenario.tiers.values()),
        price_sources=scenario.price_sources,
        warnings=scenario.warnings,
        growth=scenario.growth,
        forecast=() if scenario.growth is None else forecast(scenario.growth, scenario.requests_per_month, results),
        frontier=tuple(
            pareto_frontier(CostQuality(s.name, s.monthly_cost, s.quality) for s in results if s.quality is not None)
        ),
    )
