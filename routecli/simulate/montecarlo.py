"""Monte Carlo: simulate request by request to see the spread the analytic means hide. Pure; numpy.

**One request.** A sample of requests is drawn once — a segment by share, then
token counts from that segment's distribution — and the same requests go
through every strategy (common random numbers), so the differences between
strategies are not noise. In each strategy a request:

- pays the semantic cache's lookup (cost and latency) and hits it with its
  segment's hit rate; a hit costs nothing more and waits only for the lookup;
- otherwise pays the router (cost and latency) and enters the chain at the
  tier drawn from the router's ``P(tier | segment)`` (the chain's head
  without a router);
- on each tier it reaches, pays a call at its own token counts, at the
  strategy's rates: prompt-cache shares blended in, batch, and long-context
  rates when its own prompt is over the threshold. A call takes
  ``(ttft + output × 1000 / tokens_per_s) × J``, where ``J`` is lognormal with
  mean 1 and the tier's ``latency_jitter`` as coefficient of variation;
- at a judged step (cascade, hybrid; every step but the last) pays the
  evaluator and is accepted or passed on: with ``accept`` rates independently
  of the answer, with ``tpr``/``fpr`` at ``tpr`` when the answer is good and
  ``fpr`` when it is not. Each tier's answer is good with that tier's quality
  for the segment, drawn independently per step.

A cache hit's quality is ``hit_quality`` when given; otherwise it is the fresh
answer's (the hit is still walked through the chain, unpaid, to draw whether
that answer would have been good). Draws belonging to a tier — jitter,
goodness, acceptance — are shared by every strategy calling it, as are the
cache and router draws. So every per-request mean converges on the analytic
model's (``routecli.simulate.costmodel``), and quality is unknown exactly when it is
unknown there.

**Monthly percentiles.** 2,000 months are drawn, the same for every strategy:
month ``k`` has ``V × L_k`` requests, ``L_k`` lognormal with mean 1 and
coefficient of variation ``volume_sd_pct / 100``. When all months together
hold at most 4,000,000 requests, each month's cost is exact: that many
simulated requests resampled with replacement (a fractional volume rounded up
or down at random, keeping its mean) and summed. Above that, the central limit
theorem gives it: ``V_k × mean + √V_k × sd × Z_k`` with ``Z_k`` standard
normal and ``mean``/``sd`` those of the simulated per-request cost, clipped
at 0 — centred on the analytic model's exact mean cost: the simulation
supplies the spread, not the centre, so the sampled mean's own error (its
confidence interval, often wider than a month's spread) cannot shift the band.
P5/P50/P95 are taken over the months.

**Measured rates.** A rate given with its counts (``{measured, n, successes}``) is
uncertain by as much as its ``n`` leaves it: each month also moves by what its own
draw of those rates from their posteriors changes in the mean cost per request
(``_shift_months``), so P5–P95 widen when little was measured. The per-request
simulation and the mean use the point estimates.

Confidence intervals are normal approximations (binomial for quality), at
``CONFIDENCE``. Every figure is a float64 estimate, reproducible from the
seed — unlike the analytic model's exact Decimals; money is handed back as
``Decimal(repr(x))``, never rounded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from statistics import NormalDist

import numpy as np
from numpy.typing import NDArray

from routecli.errors import InvalidValueError
from routecli.pricing.prices import reasoning_rate, token_rates
from routecli.simulate.costmodel import StrategyResult, call_terms, simulate
from routecli.simulate.scenario import Modifiers, Scenario, Strategy, Tier
from routecli.simulate.uncertainty import drawn_scenarios

__all__ = [
    "CONFIDENCE",
    "MAX_SAMPLES",
    "MIN_SAMPLES",
    "MONTHS",
    "MonteCarloResult",
    "StrategySpread",
    "run_monte_carlo",
]

CONFIDENCE = 0.95
"""Level of every confidence interval reported."""
MIN_SAMPLES = 1000
MAX_SAMPLES = 20_000_000
"""Bounds on ``samples``: fewer give intervals too wide to read; more take minutes and gigabytes."""
MONTHS = 2000
"""Months simulated for the monthly percentiles."""
EXACT_DRAWS = 4_000_000
"""Up to this many requests over all months, months are resampled exactly instead of by the CLT."""
PARAMETER_DRAWS = 200
"""Draws of a scenario's measured rates from their posteriors; the months take them in turn."""
CHUNK = 1_000_000
"""Requests simulated at once: bounds memory for large samples."""

ZERO = Decimal(0)

Floats = NDArray[np.float64]
Flags = NDArray[np.bool_]
Indexes = NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class StrategySpread:
    """One strategy's simulated spread: the mean with its confidence interval, and percentiles."""

    name: str
    cost_per_request: Decimal
    cost_per_request_ci: tuple[Decimal, Decimal]
    monthly_mean: Decimal
    monthly_ci: tuple[Decimal, Decimal]
    monthly_p5: Decimal
    monthly_p50: Decimal
    monthly_p95: Decimal
    mean_latency_ms: float
    latency_ci: tuple[float, float]
    latency_p50_ms: float
    latency_p95_ms: float
    latency_p99_ms: float
    quality: float | None
    quality_ci: tuple[float, float] | None
    escalation_rate: float
    cache_hit_rate: float


@dataclass(frozen=True, slots=True)
class MonteCarloResult:
    """Every strategy's spread from ``samples`` simulated requests, reproducible from ``seed``."""

    samples: int
    seed: int
    months: int
    volume_sd_pct: Decimal
    strategies: tuple[StrategySpread, ...]
    confidence: float = CONFIDENCE

    def strategy(self, name: str) -> StrategySpread:
        return next(spread for spread in self.strategies if spread.name == name)

    @property
    def widest_ci(self) -> Decimal:
        """The widest confidence interval's half-width, as a share of its strategy's mean monthly cost."""
        return max(
            (
                (spread.monthly_ci[1] - spread.monthly_ci[0]) / 2 / spread.monthly_mean
                for spread in self.strategies
                if spread.monthly_mean
            ),
            default=Decimal(0),
        )


# ------------------------------------------------------------- the requests


class _Requests:
    """One chunk of simulated requests, the same for every strategy.

    Requests are grouped by segment (the counts drawn multinomially), so a
    per-segment value is laid out with ``np.repeat``. Draws are made on first
    use and kept: every strategy calling a tier sees the same jitter, goodness
    and acceptance draw for each request.
    """

    def __init__(self, scenario: Scenario, rng: np.random.Generator, size: int) -> None:
        self.size = size
        self.segments = tuple(segment.name for segment in scenario.segments)
        self._rng = rng
        shares = np.array([float(segment.share) for segment in scenario.segments])
        self._counts: NDArray[np.int64] = rng.multinomial(size, shares / shares.sum())
        inputs, outputs = [], []
        for segment, count in zip(scenario.segments, self._counts.tolist(), strict=True):
            if segment.tokens is None:
                drawn = np.full(count, float(segment.input_tokens)), np.full(count, float(segment.output_tokens))
            else:
                drawn = segment.tokens.sample(rng, count)
            inputs.append(drawn[0])
            outputs.append(drawn[1])
        self.inputs: Floats = np.concatenate(inputs)
        self.outputs: Floats = np.concatenate(outputs)
        self._floats: dict[tuple[object, ...], Floats] = {}
        self._flags: dict[str, Flags | None] = {}

    def per_segment(self, values: Sequence[float]) -> Floats:
        """Each request's value of a per-segment figure (given in segment order)."""
        return np.repeat(np.asarray(values, dtype=np.float64), self._counts)

    def uniform(self, *key: str) -> Floats:
        """The uniform draw named ``key``, one per request."""
        found = self._floats.get(key)
        if found is None:
            found = self._floats[key] = self._rng.random(self.size)
        return found

    def reasoning(self, tier: Tier) -> Floats | None:
        """Each request's reasoning tokens on ``tier``, drawn once per tier (None: the tier has none)."""
        if tier.reasoning is None:
            return None
        key = ("reasoning", tier.name)
        found = self._floats.get(key)
        if found is None:
            parts = [
                tier.reasoning[name].sample(self._rng, count)
                for name, count in zip(self.segments, self._counts.tolist(), strict=True)
            ]
            found = self._floats[key] = np.concatenate(parts)
        return found

    def counts(self, tier: Tier) -> tuple[Floats, Floats]:
        """Each request's input and output tokens on ``tier``: the tier's own means for the segments it gives."""
        own = tier.tokens
        if not own:
            return self.inputs, self.outputs
        key = ("counts", tier.name)
        found = self._floats.get(key)
        if found is None:
            flags = self.per_segment([1.0 if name in own else 0.0 for name in self.segments]) > 0
            means = [own.get(name, (ZERO, ZERO)) for name in self.segments]
            inputs = np.where(flags, self.per_segment([float(mean[0]) for mean in means]), self.inputs)
            outputs = np.where(flags, self.per_segment([float(mean[1]) for mean in means]), self.outputs)
            found = self._floats[key] = np.concatenate((inputs, outputs))
        return found[: self.size], found[self.size :]

    def cost(self, tier: Tier, modifiers: Modifiers, *, escalated: bool = False) -> Floats:
        """USD of a call on ``tier`` for each request, at its own token counts and the modifiers' rates
        (``escalated``: for requests that escalated there; see ``costmodel.call_terms``)."""
        service, cached, written = call_terms(tier, modifiers, escalated=escalated)
        key = ("cost", tier.name, service, cached, written)
        found = self._floats.get(key)
        if found is not None:
            return found
        price = tier.price

        def per_token(long: bool) -> tuple[float, float, float]:
            rate_in, rate_out = token_rates(price, long=long, cached_share=cached, write_share=written, tier=service)
            return float(rate_in), float(rate_out), float(reasoning_rate(price, long=long, tier=service))

        short_in, short_out, short_r = per_token(False)
        thinking = self.reasoning(tier)
        inputs, outputs = self.counts(tier)
        if price.long_context is None:
            found = inputs * short_in + outputs * short_out
            if thinking is not None:
                found += thinking * short_r
        else:
            long_in, long_out, long_r = per_token(True)
            long = inputs > price.long_context.above_tokens
            found = inputs * np.where(long, long_in, short_in) + outputs * np.where(long, long_out, short_out)
            if thinking is not None:
                found += thinking * np.where(long, long_r, short_r)
        if price.per_request:
            found += float(price.per_request)
        self._floats[key] = found
        return found

    def latency(self, tier: Tier) -> Floats:
        """Each request's time for a call on ``tier`` (reasoning and output at its speed), jittered by a
        lognormal factor of mean 1."""
        key = ("latency", tier.name)
        found = self._floats.get(key)
        if found is None:
            thinking = self.reasoning(tier)
            outputs = self.counts(tier)[1]
            generated = outputs if thinking is None else outputs + thinking
            found = float(tier.ttft_ms) + generated * (1000.0 / float(tier.tokens_per_s))
            cv = float(tier.latency_jitter)
            if cv:
                sigma = math.sqrt(math.log1p(cv * cv))
                found *= self._rng.lognormal(-sigma * sigma / 2.0, sigma, self.size)
            self._floats[key] = found
        return found

    def good(self, tier: Tier) -> Flags | None:
        """Whether ``tier``'s fresh answer to each request is good; None when the tier has no quality."""
        if tier.name not in self._flags:
            quality = tier.quality
            self._flags[tier.name] = (
                None
                if quality is None
                else self._rng.random(self.size) < self.per_segment([float(quality[name]) for name in self.segments])
            )
        return self._flags[tier.name]


# ------------------------------------------------------------ one strategy


@dataclass(frozen=True, slots=True)
class _Outcome:
    """One strategy's requests of a chunk."""

    cost: Floats
    latency: Floats
    good: Flags
    escalated: Flags
    hits: int


def _entry_positions(strategy: Strategy, requests: _Requests) -> Indexes | None:
    """Chain position each request enters at, drawn from the router's rows (None: all at the head)."""
    router = strategy.router
    if router is None:
        return None
    draw = requests.uniform("router")
    positions = np.zeros(requests.size, dtype=np.intp)
    below = [ZERO] * len(requests.segments)  # P(entering before the next position), per segment
    for name in strategy.chain[:-1]:
        below = [
            total + router.confusion[segment].get(name, ZERO)
            for total, segment in zip(below, requests.segments, strict=True)
        ]
        positions += draw >= requests.per_segment([float(total) for total in below])
    return positions


def _accepted(strategy: Strategy, tier: Tier, requests: _Requests, fresh: Flags | None) -> Flags:
    """Whether a judged step on ``tier`` accepts each request's answer."""
    draw = requests.uniform("accept", tier.name)
    if strategy.accept is not None:
        rates = strategy.accept[tier.name]
        return draw < requests.per_segment([float(rates[name]) for name in requests.segments])
    evaluator = strategy.evaluator
    assert evaluator is not None
    assert evaluator.tpr is not None
    assert evaluator.fpr is not None
    assert fresh is not None  # tpr/fpr need every judged tier's quality
    return draw < np.where(fresh, float(evaluator.tpr), float(evaluator.fpr))


def _serve(strategy: Strategy, scenario: Scenario, requests: _Requests) -> _Outcome:
    """Walk every request of the chunk through ``strategy``: entry, calls, judgements, cache."""
    size = requests.size
    chain = strategy.chain
    last = len(chain) - 1
    evaluator = strategy.evaluator if strategy.escalates else None
    entries = _entry_positions(strategy, requests)
    cost = np.zeros(size)
    latency = np.zeros(size)
    good = np.zeros(size, dtype=np.bool_)
    escalated = np.zeros(size, dtype=np.bool_)
    passed: Flags | None = None
    for index, name in enumerate(chain):
        tier = scenario.tiers[name]
        if entries is not None:
            calls = entries == index
            if passed is not None:
                calls |= passed
        else:
            calls = np.ones(size, dtype=np.bool_) if passed is None else passed
        if passed is None:
            np.add(cost, requests.cost(tier, strategy.modifiers), out=cost, where=calls)
        else:  # those escalated here pay their own terms; any entering here with them, the tier's
            entering = calls & ~passed
            np.add(cost, requests.cost(tier, strategy.modifiers), out=cost, where=entering)
            np.add(cost, requests.cost(tier, strategy.modifiers, escalated=True), out=cost, where=passed)
        np.add(latency, requests.latency(tier), out=latency, where=calls)
        fresh = requests.good(tier)
        if evaluator is None or index == last:
            if fresh is not None:
                good |= calls & fresh
            continue
        accepted = _accepted(strategy, tier, requests, fresh)
        if fresh is not None:
            good |= calls & accepted & fresh
        passed = calls & ~accepted
        escalated |= passed
        if evaluator.cost_per_request:
            np.add(cost, float(evaluator.cost_per_request), out=cost, where=calls)
        if evaluator.latency_ms:
            np.add(latency, float(evaluator.latency_ms), out=latency, where=calls)
    router = strategy.router
    if router is not None:
        cost += float(router.cost_per_request)
        latency += float(router.latency_ms)
    cache = strategy.modifiers.semantic_cache
    if cache is None:
        return _Outcome(cost, latency, good, escalated, 0)
    draw = requests.uniform("cache")
    rates = requests.per_segment([float(cache.hit_rate[name]) for name in requests.segments])
    hits = draw < rates
    lookup, wait = float(cache.lookup_cost), float(cache.lookup_latency_ms)
    if cache.hit_quality is not None:  # given a hit (draw < rate), draw / rate is uniform again
        good = np.where(hits, draw < rates * float(cache.hit_quality), good)
    return _Outcome(
        np.where(hits, lookup, cost + lookup),
        np.where(hits, wait, latency + wait),
        good,
        escalated & ~hits,
        int(np.count_nonzero(hits)),
    )


# ----------------------------------------------------------------- totals


class _Moments:
    """Count, mean and sd accumulated over chunks.

    Sums are of deviations from the first value, which keeps them accurate and
    makes equal values give exactly that mean and a zero sd.
    """

    __slots__ = ("count", "shift", "squares", "total")

    def __init__(self) -> None:
        self.count = 0
        self.shift = self.total = self.squares = 0.0

    def add(self, values: Floats) -> None:
        if not self.count:
            self.shift = float(values[0])
        deviations = values - self.shift
        self.count += values.size
        self.total += float(deviations.sum())
        self.squares += float(deviations @ deviations)

    @property
    def mean(self) -> float:
        return self.shift + self.total / self.count

    @property
    def sd(self) -> float:
        return math.sqrt(max(self.squares - self.total * self.total / self.count, 0.0) / (self.count - 1))

    def interval(self, z: float) -> tuple[float, float]:
        """The mean's confidence interval (never below 0: every figure here is non-negative)."""
        half = z * self.sd / math.sqrt(self.count)
        return max(self.mean - half, 0.0), self.mean + half


class _Months:
    """The simulated months, shared by every strategy: volumes, CLT draws, and exact picks when few."""

    def __init__(self, rng: np.random.Generator, volume: float, cv: float, samples: int) -> None:
        sigma = math.sqrt(math.log1p(cv * cv))
        self.volumes: Floats = volume * np.exp(sigma * rng.standard_normal(MONTHS) - sigma * sigma / 2.0)
        self.normals: Floats = rng.standard_normal(MONTHS)
        whole = np.floor(self.volumes)
        counts = (whole + (rng.random(MONTHS) < self.volumes - whole)).astype(np.int64)
        total = int(counts.sum())
        self.samples = samples
        # For exact months: which simulated request each draw resamples, and the month it goes to.
        self.picks: tuple[Indexes, Indexes] | None = None
        if total <= EXACT_DRAWS:
            self.picks = rng.integers(0, samples, total).astype(np.intp), np.repeat(np.arange(MONTHS), counts)

    def picked(self, start: int, size: int) -> tuple[Indexes, Indexes] | None:
        """The picks that fall in the chunk at ``start`` (as offsets into it), with their months."""
        if self.picks is None:
            return None
        picks, labels = self.picks
        if size == self.samples:  # one chunk holds every request
            return self.picks
        inside = (picks >= start) & (picks < start + size)
        return picks[inside] - start, labels[inside]

    def costs(self, mean: float, sd: float) -> Floats:
        """Each month's cost by the central limit theorem, for large volumes."""
        costs: Floats = self.volumes * mean + np.sqrt(self.volumes) * sd * self.normals
        return costs.clip(0.0, None)


class _Tally:
    """One strategy's running totals over chunks."""

    def __init__(self) -> None:
        self.cost = _Moments()
        self.latency = _Moments()
        self.good = self.escalated = self.hits = 0
        self.latencies: list[NDArray[np.float32]] = []
        self.month_costs: Floats = np.zeros(MONTHS)
        self.month_shift: Floats | None = None
        """Each month's move by its draw of the measured rates (None: the scenario measured none)."""

    def add(self, outcome: _Outcome, picked: tuple[Indexes, Indexes] | None) -> None:
        self.cost.add(outcome.cost)
        self.latency.add(outcome.latency)
        self.good += int(np.count_nonzero(outcome.good))
        self.escalated += int(np.count_nonzero(outcome.escalated))
        self.hits += outcome.hits
        self.latencies.append(outcome.latency.astype(np.float32))  # half the memory, for the percentiles
        if picked is not None:
            offsets, labels = picked
            self.month_costs += np.bincount(labels, weights=outcome.cost[offsets], minlength=MONTHS)

    def spread(
        self, name: str, volume: Decimal, months: _Months, quality_known: bool, exact_mean: float
    ) -> StrategySpread:
        z = NormalDist().inv_cdf(0.5 + CONFIDENCE / 2.0)
        count = self.cost.count
        mean = _money(self.cost.mean)
        low, high = (_money(bound) for bound in self.cost.interval(z))
        # Large volumes: months centre on the exact (analytic) mean and the simulation supplies their spread.
        # Centred on the sampled mean, the band would inherit that mean's error, which can exceed its width.
        month_costs = self.month_costs if months.picks is not None else months.costs(exact_mean, self.cost.sd)
        if self.month_shift is not None:
            month_costs = (month_costs + self.month_shift).clip(0.0, None)
        p5, p50, p95 = (_money(value) for value in np.percentile(month_costs, [5.0, 50.0, 95.0]).tolist())
        p50_ms, p95_ms, p99_ms = np.percentile(np.concatenate(self.latencies), [50.0, 95.0, 99.0]).tolist()
        quality = quality_ci = None
        if quality_known:
            quality = self.good / count
            half = z * math.sqrt(quality * (1.0 - quality) / count)
            quality_ci = (max(quality - half, 0.0), min(quality + half, 1.0))
        return StrategySpread(
            name=name,
            cost_per_request=mean,
            cost_per_request_ci=(low, high),
            monthly_mean=volume * mean,
            monthly_ci=(volume * low, volume * high),
            monthly_p5=p5,
            monthly_p50=p50,
            monthly_p95=p95,
            mean_latency_ms=self.latency.mean,
            latency_ci=self.latency.interval(z),
            latency_p50_ms=float(p50_ms),
            latency_p95_ms=float(p95_ms),
            latency_p99_ms=float(p99_ms),
            quality=quality,
            quality_ci=quality_ci,
            escalation_rate=self.escalated / count,
            cache_hit_rate=self.hits / count,
        )


def _money(value: float) -> Decimal:
    """The float's shortest repr as a Decimal: its digits as printed, not its binary expansion."""
    return Decimal(repr(float(value)))


def _shift_months(
    scenario: Scenario, seed: int, months: _Months, tallies: list[_Tally], exact: dict[str, StrategyResult]
) -> None:
    """Measured rates: move each month by what its own draw of them changes in the mean cost per request.

    Month ``k`` takes draw ``k mod PARAMETER_DRAWS`` of the rates' posteriors (``routecli.simulate.uncertainty``)
    and adds ``V_k × (mean(draw) − mean(point estimates))`` — the analytic mean of each drawn scenario — so the
    months spread by what the measurement leaves unknown as well as by request-to-request noise. A generator of its
    own keeps every other figure of the run as it is without measured rates.
    """
    drawn = drawn_scenarios(scenario, np.random.default_rng([seed, 1]), PARAMETER_DRAWS)
    if not drawn:
        return
    means = [{result.name: float(result.cost_per_request) for result in simulate(one).strategies} for one in drawn]
    index = np.arange(MONTHS) % PARAMETER_DRAWS
    for strategy, tally in zip(scenario.strategies, tallies, strict=True):
        centre = float(exact[strategy.name].cost_per_request)
        shifts = np.array([mean[strategy.name] - centre for mean in means])[index]
        tally.month_shift = months.volumes * shifts


def run_monte_carlo(scenario: Scenario, samples: int, seed: int) -> MonteCarloResult:
    """Simulate ``samples`` requests through every strategy of ``scenario``; the same seed, the same result."""
    if not MIN_SAMPLES <= samples <= MAX_SAMPLES:
        raise InvalidValueError(
            f"samples must be from {MIN_SAMPLES:,} to {MAX_SAMPLES:,} simulated requests, got {samples:,}"
        )
    if seed < 0:
        raise InvalidValueError(f"seed must be a whole number ≥ 0, got {seed}")
    rng = np.random.default_rng(seed)
    months = _Months(rng, float(scenario.requests_per_month), float(scenario.volume_sd_pct) / 100.0, samples)
    tallies = [_Tally() for _ in scenario.strategies]
    for start in range(0, samples, CHUNK):
        size = min(CHUNK, samples - start)
        requests = _Requests(scenario, rng, size)
        picked = months.picked(start, size)
        for strategy, tally in zip(scenario.strategies, tallies, strict=True):
            tally.add(_serve(strategy, scenario, requests), picked)
    # The analytic results: quality is unknown where they say so (a tier without quality answers some
    # requests), and their exact mean cost centres the simulated months.
    exact = {result.name: result for result in simulate(scenario).strategies}
    _shift_months(scenario, seed, months, tallies, exact)
    return MonteCarloResult(
        samples=samples,
        seed=seed,
        months=MONTHS,
        volume_sd_pct=scenario.volume_sd_pct,
        strategies=tuple(
            tally.spread(
                strategy.name,
                scenario.requests_per_month,
                months,
                exact[strategy.name].quality is not None,
                float(exact[strategy.name].cost_per_request),
            )
            for strategy, tally in zip(scenario.strategies, tallies, strict=True)
        ),
    )
