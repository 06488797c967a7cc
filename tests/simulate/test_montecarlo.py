"""Monte Carlo against the analytic model, and the shape of the spread it reports.

The key property: simulated request by request, every strategy's mean cost,
quality and latency converge on the analytic ones — so the analytic figure must
lie inside the reported confidence interval. A fixed seed keeps each check
reproducible; 200,000 samples keep the intervals narrow enough to catch a
wrong rate, fee or probability.
"""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from routecli.errors import InvalidValueError
from routecli.pricing.price_files import load_price_files
from routecli.simulate import montecarlo
from routecli.simulate.costmodel import StrategyResult, simulate
from routecli.simulate.montecarlo import (
    MAX_SAMPLES,
    MIN_SAMPLES,
    MONTHS,
    MonteCarloResult,
    StrategySpread,
    run_monte_carlo,
)
from routecli.simulate.scenario import Scenario
from routecli.simulate.scenario_file import build_scenario
from routecli.simulate.token_logs import TokenLog

SAMPLES = 200_000
SEED = 7

MODELS = """
models:
  small:
    price:
      input_per_mtok: 0.5
      output_per_mtok: 2
      cached_input_per_mtok: 0.05
      cache_write_per_mtok: 0.6
      per_request: 0.0001
      batch: {input_per_mtok: 0.25, output_per_mtok: 1, cached_input_per_mtok: 0.025}
    quality: {easy: 0.9, hard: 0.5}
    latency: {ttft_ms: 200, tokens_per_s: 100, jitter: 0.5}
  mid:
    price:
      input_per_mtok: 2
      output_per_mtok: 8
      cached_input_per_mtok: 0.2
      batch: {input_per_mtok: 1, output_per_mtok: 4}
    quality: {easy: 0.95, hard: 0.75}
    latency: {ttft_ms: 400, tokens_per_s: 60}
  large:
    price:
      input_per_mtok: 10
      output_per_mtok: 40
      cached_input_per_mtok: 1
      cache_write_per_mtok: 12.5
      batch: {input_per_mtok: 5, output_per_mtok: 20}
    quality: 0.97
    latency: {ttft_ms: 900, tokens_per_s: 30, jitter: 0}
"""

TRAFFIC = """
name: monte carlo
traffic:
  requests_per_month: 100000
  segments:
    - name: easy
      share: 0.7
      input_tokens: {distribution: lognormal, mean: 1500, p95: 4000}
      output_tokens: 300
    - name: hard
      share: 0.3
      input_tokens: 5000
      output_tokens: {distribution: normal, mean: 700, sd: 250}
"""

STRATEGIES = {
    "single": """
- {name: single, type: single, model: mid}
""",
    "route-accuracy": """
- name: route-accuracy
  type: route
  routes: {easy: small, hard: large}
  router: {accuracy: 0.85, cost_per_request: 0.0002, latency_ms: 15}
""",
    "route-confusion": """
- name: route-confusion
  type: route
  routes: {easy: small, hard: large}
  router: {confusion: {easy: {small: 0.8, large: 0.2}, hard: {small: 0.25, large: 0.75}}, latency_ms: 10}
""",
    "cascade-accept": """
- name: cascade-accept
  type: cascade
  chain: [small, mid, large]
  accept: {small: {easy: 0.8, hard: 0.3}, mid: 0.6}
  evaluator: {cost_per_request: 0.0003, latency_ms: 80}
""",
    "cascade-tpr-fpr": """
- name: cascade-tpr-fpr
  type: cascade
  chain: [small, mid, large]
  evaluator: {tpr: 0.85, fpr: 0.3, cost_per_request: 0.0001, latency_ms: 40}
""",
    "hybrid-cache": """
- name: hybrid-cache
  type: hybrid
  routes: {easy: small, hard: mid}
  router: {accuracy: 0.8, cost_per_request: 0.00005, latency_ms: 10}
  chain: [small, mid, large]
  accept: {small: 0.7, mid: {easy: 0.9, hard: 0.5}}
  evaluator: {cost_per_request: 0.0002, latency_ms: 50}
  semantic_cache: {hit_rate: {easy: 0.3, hard: 0.1}, lookup_cost_per_request: 0.00001, lookup_latency_ms: 20}
  prompt_caching: {cached_share: 0.6, write_share: 0.1}
  batch: true
""",
    "hybrid-cache-hit-quality": """
- name: hybrid-cache-hit-quality
  type: hybrid
  routes: {easy: small, hard: large}
  router: {confusion: {easy: {small: 0.7, mid: 0.2, large: 0.1}, hard: {mid: 0.4, large: 0.6}}}
  chain: [small, mid, large]
  evaluator: {tpr: 0.9, fpr: 0.1, latency_ms: 30}
  semantic_cache: {hit_rate: 0.25, lookup_latency_ms: 20, hit_quality: 0.7}
  prompt_caching: {cached_share: 0.5}
  batch: true
""",
}

LONG_CONTEXT = """
name: long context
traffic:
  requests_per_month: 100000
  segments:
    - {{name: short, share: 0.6, input_tokens: 1000, output_tokens: 200}}
    - {{name: long, share: 0.4, {tokens}}}
models:
  lc:
    price:
      input_per_mtok: 2
      output_per_mtok: 10
      cached_input_per_mtok: 0.2
      batch: {{input_per_mtok: 1, output_per_mtok: 5}}
      long_context: {{above_tokens: 4000, input_per_mtok: 4, output_per_mtok: 15}}
    quality: 0.9
    latency: {{ttft_ms: 300, tokens_per_s: 80}}
strategies:
  - {{name: standard, type: single, model: lc}}
  - {{name: batch-cached, type: single, model: lc, batch: true, prompt_caching: {{cached_share: 0.5}}}}
"""

TOKENS = {
    "lognormal": "input_tokens: {distribution: lognormal, mean: 3000, p95: 9000}, output_tokens: 600",
    "normal": "input_tokens: {distribution: normal, mean: 3800, sd: 1500}, "
    "output_tokens: {distribution: normal, mean: 500, sd: 200}",
    "empirical": "tokens_from: log.jsonl",
}

# Observed (segment, input, output): prompts on both sides of the 4000-token threshold, long ones answered at length.
LOG = TokenLog(
    Path("log.jsonl"),
    tuple(
        (None, tokens_in, tokens_in // 10 + extra)
        for tokens_in in (800, 2500, 3999, 4000, 4001, 9000)
        for extra in (0, 150)
    ),
)


def build(text: str) -> Scenario:
    return build_scenario(yaml.safe_load(text), load_price_files(()), token_logs={"log.jsonl": LOG})


def with_strategies(traffic: str, *names: str) -> str:
    """A scenario's YAML: traffic, the shared models, and the named strategies."""
    blocks = "".join(STRATEGIES[name] for name in names)
    return traffic + MODELS + "strategies:" + blocks.replace("\n", "\n  ")


def cases() -> list[tuple[str, str]]:
    found = [(name, with_strategies(TRAFFIC, name)) for name in STRATEGIES]
    found += [(f"long-context-{name}", LONG_CONTEXT.format(tokens=tokens)) for name, tokens in TOKENS.items()]
    return found


def inside(value: float, interval: tuple[float, float]) -> bool:
    return interval[0] <= value <= interval[1]


def rate_close(simulated: float, expected: Decimal, samples: int) -> bool:
    """Within 4 standard errors of a binomial share (no interval is reported for these)."""
    p = float(expected)
    return abs(simulated - p) <= 4 * math.sqrt(p * (1 - p) / samples) + 1e-12


def check_against(spread: StrategySpread, expected: StrategyResult, volume: Decimal, samples: int) -> None:
    low, high = spread.cost_per_request_ci
    assert low <= expected.cost_per_request <= high, spread.name
    assert high - low < Decimal("0.02") * expected.cost_per_request, "interval too wide to mean anything"
    assert spread.monthly_mean == volume * spread.cost_per_request
    assert spread.monthly_ci == (volume * low, volume * high)
    assert inside(float(expected.mean_latency_ms), spread.latency_ci), spread.name
    if expected.quality is None:
        assert spread.quality is None
        assert spread.quality_ci is None
    else:
        assert spread.quality_ci is not None
        assert inside(float(expected.quality), spread.quality_ci), spread.name
    assert rate_close(spread.escalation_rate, expected.escalation_rate, samples), spread.name
    assert rate_close(spread.cache_hit_rate, expected.cache_hit_rate, samples), spread.name


@pytest.mark.parametrize(("name", "text"), cases(), ids=[name for name, _ in cases()])
def test_analytic_mean_inside_the_interval(name: str, text: str) -> None:
    scenario = build(text)
    result = run_monte_carlo(scenario, SAMPLES, SEED)
    analytic = simulate(scenario)
    assert [spread.name for spread in result.strategies] == [s.name for s in analytic.strategies]
    for expected in analytic.strategies:
        check_against(result.strategy(expected.name), expected, scenario.requests_per_month, SAMPLES)


def test_escalation_and_cache_actually_happen() -> None:
    """The cases above exercise escalation and cache hits, not just their absence."""
    scenario = build(dict(cases())["hybrid-cache"])
    spread = run_monte_carlo(scenario, MIN_SAMPLES * 10, SEED).strategies[0]
    assert 0.1 < spread.escalation_rate < 0.9
    assert 0.1 < spread.cache_hit_rate < 0.5


def test_quality_unknown_when_an_answering_tier_has_none() -> None:
    text = (
        TRAFFIC + MODELS.replace("    quality: 0.97\n", "") + "strategies:\n  - {name: s, type: single, model: large}\n"
    )
    spread = run_monte_carlo(build(text), MIN_SAMPLES, SEED).strategies[0]
    assert spread.quality is None
    assert spread.quality_ci is None


# ------------------------------------------------------------- reproducible


def scenario_all() -> Scenario:
    return build(with_strategies(TRAFFIC, *STRATEGIES))


def test_same_seed_same_result() -> None:
    scenario = scenario_all()
    assert run_monte_carlo(scenario, 5000, 3) == run_monte_carlo(scenario, 5000, 3)


def test_different_seed_different_result() -> None:
    scenario = scenario_all()
    first, second = run_monte_carlo(scenario, 5000, 3), run_monte_carlo(scenario, 5000, 4)
    assert first.seed == 3
    assert second.seed == 4
    for one, other in zip(first.strategies, second.strategies, strict=True):
        assert one.cost_per_request != other.cost_per_request
        assert one.monthly_p50 != other.monthly_p50


# ------------------------------------------------------------------ spread


def test_percentiles_are_ordered_around_the_exact_mean() -> None:
    """The months centre on the analytic mean, even where the sampled mean misses it by more than a month's spread."""
    scenario = scenario_all()
    result = run_monte_carlo(scenario, 20_000, SEED)
    exact = simulate(scenario)
    assert result.months == MONTHS
    for spread in result.strategies:
        assert spread.monthly_p5 <= spread.monthly_p50 <= spread.monthly_p95
        assert spread.monthly_p5 <= exact.strategy(spread.name).monthly_cost <= spread.monthly_p95
        assert spread.monthly_ci[0] <= spread.monthly_mean <= spread.monthly_ci[1]
        assert spread.latency_p50_ms <= spread.latency_p95_ms <= spread.latency_p99_ms
        assert spread.latency_ci[0] <= spread.mean_latency_ms <= spread.latency_ci[1]


def volume_text(volume: int, sd_pct: float = 0) -> str:
    traffic = TRAFFIC.replace("requests_per_month: 100000", f"requests_per_month: {volume}\n  volume_sd_pct: {sd_pct}")
    return with_strategies(traffic, "cascade-accept")


def test_volume_spread_widens_the_months() -> None:
    steady = run_monte_carlo(build(volume_text(1_000_000)), 20_000, SEED)
    varying = run_monte_carlo(build(volume_text(1_000_000, 20)), 20_000, SEED)
    assert varying.volume_sd_pct == 20
    (calm,), (wild,) = steady.strategies, varying.strategies
    assert wild.monthly_p95 - wild.monthly_p5 > 10 * (calm.monthly_p95 - calm.monthly_p5)
    # The volume varies around the same mean: ±20 % a month is about ±33 % at P5/P95.
    assert wild.monthly_p5 < Decimal("0.75") * wild.monthly_mean
    assert wild.monthly_p95 > Decimal("1.25") * wild.monthly_mean


def test_tiny_volume_is_resampled_exactly() -> None:
    """50 requests a month, 90 % of them free cache hits: a month costs a whole number of model calls."""
    text = """
name: tiny
traffic: {requests_per_month: 50, input_tokens: 1000, output_tokens: 200}
models:
  m: {price: {input_per_mtok: 2, output_per_mtok: 10}, latency: {jitter: 0}}
strategies:
  - {name: cached, type: single, model: m, semantic_cache: {hit_rate: 0.9}}
"""
    (spread,) = run_monte_carlo(build(text), 20_000, SEED).strategies
    call = Decimal("0.004")  # 1000 × 2 + 200 × 10 = 4000 per 1M tokens
    for percentile in (spread.monthly_p5, spread.monthly_p50, spread.monthly_p95):
        calls = float(percentile / call)
        assert calls == pytest.approx(round(calls), abs=1e-9)  # the CLT would land between whole calls
    assert spread.monthly_p5 < spread.monthly_mean < spread.monthly_p95
    assert float(spread.monthly_mean) == pytest.approx(50 * 0.004 * 0.1, rel=0.03)


# ------------------------------------------------------- worked by hand


HAND = """
name: by hand
traffic: {{requests_per_month: {volume}, input_tokens: 2000, output_tokens: 500}}
models:
  m:
    price: {{input_per_mtok: 1, output_per_mtok: 4}}
    quality: 0.8
    latency: {{ttft_ms: 200, tokens_per_s: 100, jitter: 0}}
strategies:
  - {{name: s, type: single, model: m}}
"""


@pytest.mark.parametrize("volume", [1_000_000, 1000], ids=["clt", "exact"])
@pytest.mark.parametrize("chunk", [montecarlo.CHUNK, 3000], ids=["one-chunk", "chunked"])
def test_fixed_requests_have_no_spread(volume: int, chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every request costs 2000 × 1 + 500 × 4 = 4000 per 1M tokens = $0.004 and takes 200 + 500 × 10 = 5200 ms."""
    monkeypatch.setattr(montecarlo, "CHUNK", chunk)
    result = run_monte_carlo(build(HAND.format(volume=volume)), 10_000, SEED)
    (spread,) = result.strategies
    assert float(spread.cost_per_request) == pytest.approx(0.004, rel=1e-12)
    assert spread.cost_per_request_ci == (spread.cost_per_request, spread.cost_per_request)
    assert spread.monthly_ci == (spread.monthly_mean, spread.monthly_mean)
    monthly = pytest.approx(0.004 * volume, rel=1e-9)
    assert [float(p) for p in (spread.monthly_p5, spread.monthly_p50, spread.monthly_p95)] == [monthly] * 3
    assert spread.mean_latency_ms == 5200
    assert spread.latency_ci == (5200, 5200)
    assert (spread.latency_p50_ms, spread.latency_p95_ms, spread.latency_p99_ms) == (5200, 5200, 5200)
    assert spread.quality == pytest.approx(0.8, abs=0.02)
    assert spread.escalation_rate == 0
    assert spread.cache_hit_rate == 0


# ------------------------------------------------------------- validation


@pytest.mark.parametrize("samples", [0, MIN_SAMPLES - 1, MAX_SAMPLES + 1])
def test_samples_out_of_range(samples: int) -> None:
    with pytest.raises(InvalidValueError, match="samples must be from 1,000 to 20,000,000"):
        run_monte_carlo(build(HAND.format(volume=1000)), samples, SEED)


def test_negative_seed() -> None:
    with pytest.raises(InvalidValueError, match="seed"):
        run_monte_carlo(build(HAND.format(volume=1000)), MIN_SAMPLES, -1)


def test_result_reports_its_inputs() -> None:
    result = run_monte_carlo(build(HAND.format(volume=1000)), MIN_SAMPLES, 0)
    assert isinstance(result, MonteCarloResult)
    assert (result.samples, result.seed, result.confidence) == (MIN_SAMPLES, 0, montecarlo.CONFIDENCE)
    assert result.strategy("s") is result.strategies[0]
