"""Service tiers, reasoning tokens and prompt caching per tier: hand-computed costs, refusals, Monte Carlo.

Prices (USD per 1M tokens) and counts are made up; every expected figure is worked out in the comment
above it. Unless a test says otherwise: 10,000 requests a month, 2000 input and 100 output tokens.

    small, entering:   p_in' = 0.4 × 1 + 0.6 × 0.1 = 0.46      (2000 × 0.46 + 100 × 4) / 1e6 = 0.00132
    large, entering:   p_in' = 0.4 × 10 + 0.6 × 1 = 4.6       (2000 × 4.6 + 100 × 40) / 1e6 = 0.0132
    large, escalated:  p_in' = 0.4 × 10 + 0.6 × 12.5 = 11.5   (2000 × 11.5 + 100 × 40) / 1e6 = 0.027
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
import yaml

from routecli.errors import InvalidValueError
from routecli.pricing.prices import ModelPrice, PriceTable, TokenRates
from routecli.simulate.costmodel import SimulationResult, simulate
from routecli.simulate.montecarlo import run_monte_carlo
from routecli.simulate.scenario import Scenario
from routecli.simulate.scenario_file import build_scenario
from tests.helpers.cli import ok

D = Decimal
TABLE = PriceTable(
    [
        ModelPrice(
            "small-1",
            "test",
            TokenRates(D(1), D(4), D("0.1"), D("1.25")),
            flex=TokenRates(D("0.5"), D(2), D("0.05")),
            batch=TokenRates(D("0.5"), D(2)),
        ),
        ModelPrice("large-1", "test", TokenRates(D(10), D(40), D(1), D("12.5"))),
        ModelPrice("plain-1", "test", TokenRates(D(10), D(40))),  # no cache prices: writes bill at input
    ]
)
HEAD = """\
name: t
traffic:
  requests_per_month: 10000
  input_tokens: 2000
  output_tokens: 100
  segments: [{name: easy, share: 0.6}, {name: hard, share: 0.4}]
models:
  small: {model: small-1, latency: {ttft_ms: 100, tokens_per_s: 100}}
  large: {model: large-1, latency: {ttft_ms: 200, tokens_per_s: 50}}
  plain: {model: plain-1}
"""


def build(strategies: str, head: str = HEAD) -> Scenario:
    data: Any = yaml.safe_load(head + "strategies:\n" + strategies)
    return build_scenario(data, TABLE)


def run(strategies: str, head: str = HEAD) -> SimulationResult:
    return simulate(build(strategies, head))


CACHE = "    prompt_caching: {cached_share: 0.6}\n"


def test_a_cascade_bills_escalated_requests_uncached_and_writing() -> None:
    # 0.00132 + 0.3 × 0.027 = 0.00942 a request; large spends 0.3 × 0.027 × 10,000 = 81
    result = run("  - name: c\n    type: cascade\n    chain: [small, large]\n    accept: {small: 0.7}\n" + CACHE)
    (strategy,) = result.strategies
    assert strategy.cost_per_request == D("0.00942")
    assert strategy.spend_by_model == {"small": D("13.2"), "large": D("81")}


def test_warm_on_escalation_or_a_warm_tier_bills_escalations_like_entries() -> None:
    # 0.00132 + 0.3 × 0.0132 = 0.00528
    warm = "  - {name: c, type: cascade, chain: [small, large], accept: {small: 0.7}, "
    warm += "prompt_caching: {cached_share: 0.6, warm_on_escalation: true}}\n"
    assert run(warm).strategies[0].cost_per_request == D("0.00528")
    head = HEAD.replace("large: {model: large-1,", "large: {model: large-1, warm: true,")
    cascade = "  - name: c\n    type: cascade\n    chain: [small, large]\n    accept: {small: 0.7}\n" + CACHE
    assert run(cascade, head).strategies[0].cost_per_request == D("0.00528")


def test_without_a_cache_write_price_an_escalation_pays_plain_input() -> None:
    # plain, escalated: 0.4 × 10 + 0.6 × 10 (write at input) = 10; (20000 + 4000) / 1e6 = 0.024
    # 0.00132 + 0.5 × 0.024 = 0.01332
    cascade = "  - name: c\n    type: cascade\n    chain: [small, plain]\n    accept: {small: 0.5}\n" + CACHE
    assert run(cascade).strategies[0].cost_per_request == D("0.01332")


def test_a_hybrid_bills_routed_entries_warm_and_escalations_cold() -> None:
    # easy routed to small (0.6), hard to large (0.4), small accepts half:
    # 0.6 × 0.00132 + 0.4 × 0.0132 + 0.6 × 0.5 × 0.027 = 0.000792 + 0.00528 + 0.0081 = 0.014172
    hybrid = (
        "  - name: h\n    type: hybrid\n    routes: {easy: small, hard: large}\n    chain: [small, large]\n"
        "    accept: {small: 0.5}\n" + CACHE
    )
    (strategy,) = run(hybrid).strategies
    assert strategy.cost_per_request == D("0.014172")
    assert strategy.spend_by_model["large"] == D("133.8")  # (0.00528 + 0.0081) × 10,000


def test_a_tiers_own_prompt_caching_wins_and_false_turns_it_off() -> None:
    single = "  - name: s\n    type: single\n    model: small\n" + CACHE
    # small with its own {cached_share: 0.2}: p_in' = 0.8 + 0.02 = 0.82; (1640 + 400) / 1e6 = 0.00204
    head = HEAD.replace("small: {model: small-1,", "small: {model: small-1, prompt_caching: {cached_share: 0.2},")
    assert run(single, head).strategies[0].cost_per_request == D("0.00204")
    # false: (2000 + 400) / 1e6 = 0.0024, whatever the strategy says
    head = HEAD.replace("small: {model: small-1,", "small: {model: small-1, prompt_caching: false,")
    assert run(single, head).strategies[0].cost_per_request == D("0.0024")


def test_service_tiers_and_the_batch_alias() -> None:
    # flex: (2000 × 0.5 + 100 × 2) / 1e6 = 0.0012; batch the same prices here
    result = run(
        "  - {name: flex, type: single, model: small, service_tier: flex}\n"
        "  - {name: batch, type: single, model: small, batch: true}\n"
        "  - {name: batch-tier, type: single, model: small, service_tier: batch}\n"
    )
    assert [s.cost_per_request for s in result.strategies] == [D("0.0012")] * 3
    assert [(m.kind, m.service_tier) for m in result.strategy("flex").modifiers] == [("service_tier", "flex")]
    assert [m.kind for m in result.strategy("batch").modifiers] == ["batch"]


def test_a_tiers_own_service_tier_wins_over_the_strategys() -> None:
    head = HEAD.replace("small: {model: small-1,", "small: {model: small-1, service_tier: flex,")
    # the strategy's batch would fail on large (no batch prices); small is flex anyway: 0.0012
    assert run("  - {name: s, type: single, model: small, batch: true}\n", head).strategies[0].cost_per_request == D(
        "0.0012"
    )


@pytest.mark.parametrize(
    ("strategies", "head", "message", "path"),
    [
        (
            "  - {name: s, type: single, model: large, service_tier: priority}\n",
            HEAD,
            "service_tier is priority, but model 'large-1' (tier 'large') has no priority prices; "
            "add models.large.price.priority, or give the tier its own service_tier",
            ("strategies", 0),
        ),
        (
            "  - {name: s, type: single, model: large}\n",
            HEAD.replace("large: {model: large-1,", "large: {model: large-1, service_tier: flex,"),
            "service_tier is flex, but model 'large-1' (tier 'large') has no flex prices; "
            "add models.large.price.flex or choose another service_tier",
            ("models", "large", "service_tier"),
        ),
        (
            "  - {name: s, type: single, model: small, batch: true, service_tier: flex}\n",
            HEAD,
            "give service_tier or batch, not both (batch: true is service_tier: batch)",
            ("strategies", 0),
        ),
    ],
)
def test_a_service_tier_without_its_prices_is_refused(
    strategies: str, head: str, message: str, path: tuple[object, ...]
) -> None:
    with pytest.raises(InvalidValueError) as caught:
        build(strategies, head)
    assert (caught.value.message, caught.value.path) == (message, path)


REASONING_HEAD = HEAD.replace(
    "small: {model: small-1, latency: {ttft_ms: 100, tokens_per_s: 100}}",
    "small: {model: small-1, latency: {ttft_ms: 100, tokens_per_s: 100}, reasoning_tokens: {easy: 100, hard: 1000}}",
)


def test_reasoning_tokens_cost_output_price_and_time_at_output_speed() -> None:
    # easy: (2000 + 100 × 4 + 100 × 4) / 1e6 = 0.0028;  hard: (2000 + 400 + 4000) / 1e6 = 0.0064
    # mean 0.6 × 0.0028 + 0.4 × 0.0064 = 0.00168 + 0.00256 = 0.00424
    # latency easy 100 + 200 × 10 = 2100, hard 100 + 1100 × 10 = 11100: 1260 + 4440 = 5700 ms
    (strategy,) = run("  - {name: s, type: single, model: small}\n", REASONING_HEAD).strategies
    assert strategy.cost_per_request == D("0.00424")
    assert strategy.mean_latency_ms == D(5700)
    # in flex (output 2): easy (1000 + 200 + 200) / 1e6 = 0.0014, hard (1000 + 200 + 2000) / 1e6 = 0.0032
    # mean 0.00084 + 0.00128 = 0.00212
    (flex,) = run("  - {name: s, type: single, model: small, service_tier: flex}\n", REASONING_HEAD).strategies
    assert flex.cost_per_request == D("0.00212")


def test_reasoning_from_a_distribution_prices_its_mean() -> None:
    head = REASONING_HEAD.replace(
        "reasoning_tokens: {easy: 100, hard: 1000}", "reasoning_tokens: {distribution: lognormal, mean: 500, p95: 1500}"
    )
    # (2000 + 400 + 500 × 4) / 1e6 = 0.0044 in both segments
    assert run("  - {name: s, type: single, model: small}\n", head).strategies[0].cost_per_request == D("0.0044")


def test_reasoning_per_segment_must_name_every_segment() -> None:
    head = REASONING_HEAD.replace("{easy: 100, hard: 1000}", "{easy: 100}")
    with pytest.raises(InvalidValueError, match="no reasoning_tokens for segment"):
        build("  - {name: s, type: single, model: small}\n", head)


def test_monte_carlo_agrees_with_the_analytic_cost_of_cold_escalations_and_reasoning() -> None:
    head = REASONING_HEAD.replace(
        "reasoning_tokens: {easy: 100, hard: 1000}", "reasoning_tokens: {distribution: lognormal, mean: 500, p95: 1500}"
    )
    hybrid = (
        "  - name: h\n    type: hybrid\n    routes: {easy: small, hard: large}\n    chain: [small, large]\n"
        "    router: {accuracy: 0.8}\n    accept: {small: 0.5}\n" + CACHE
    )
    scenario = build(hybrid, head)
    expected = simulate(scenario).strategies[0]
    spread = run_monte_carlo(scenario, 200_000, 7).strategies[0]
    low, high = spread.cost_per_request_ci
    assert low <= expected.cost_per_request <= high
    assert high - low < D("0.02") * expected.cost_per_request
    assert spread.latency_ci[0] <= float(expected.mean_latency_ms) <= spread.latency_ci[1]


def test_the_scenario_schema_shows_the_new_keys() -> None:
    schema = json.loads(ok("schema", "scenario"))
    tier = schema["properties"]["models"]["additionalProperties"]["properties"]
    assert {"service_tier", "reasoning_tokens", "prompt_caching", "warm"} <= set(tier)
    assert tier["service_tier"]["enum"] == ["standard", "flex", "priority", "batch"]
    assert "service_tier" in schema["properties"]
    caching = schema["properties"]["prompt_caching"]["anyOf"][0]["properties"]
    assert "warm_on_escalation" in caching
