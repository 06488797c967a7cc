"""Hand-computed cost-model cases: every strategy type and modifier.

Every expected number below is worked out by hand in the comment above it from
the made-up prices in ``TABLE``; nothing is computed by calling routecli.

Unless a test says otherwise: 1000 requests/month, 2000 input and 500 output
tokens per request, which prices one call at

    cheap: 2000×0.1 + 500×0.4 = 400      → $0.0004
    mid:   2000×1   + 500×4   = 4000     → $0.004
    big:   2000×10  + 500×40  = 40000    → $0.04

and with the latencies in ``LATENCY`` (ttft + 500 / tokens_per_s × 1000) takes

    cheap: 200 + 500/100×1000 = 5200 ms
    mid:   400 + 500/50×1000  = 10400 ms
    big:  1000 + 500/25×1000  = 21000 ms
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from routecli.errors import InvalidValueError
from routecli.pricing.prices import LongContext, ModelPrice, PriceTable, TokenRates
from routecli.simulate.costmodel import EscalationStep, SimulationResult, StrategyResult, simulate
from routecli.simulate.scenario_file import build_scenario

D = Decimal

CHEAP = ModelPrice(
    id="cheap-1",
    provider="test",
    standard=TokenRates(D("0.1"), D("0.4"), cached_input=D("0.01"), cache_write=D("0.125")),
    batch=TokenRates(D("0.05"), D("0.2"), cached_input=D("0.005")),
    long_context=LongContext(100_000, TokenRates(D("0.2"), D("0.8"))),
)
MID = ModelPrice(
    id="mid-1",
    provider="test",
    standard=TokenRates(D(1), D(4), cached_input=D("0.1"), cache_write=D("1.25")),
    batch=TokenRates(D("0.5"), D(2)),
)
BIG = ModelPrice(
    id="big-1",
    provider="test",
    standard=TokenRates(D(10), D(40), cached_input=D(1), cache_write=D("12.5")),
    batch=TokenRates(D(5), D(20)),
)
PLAIN = ModelPrice(id="plain-1", provider="test", standard=TokenRates(D(2), D(8)))  # no cache, no batch prices
FEE = ModelPrice(id="fee-1", provider="test", standard=TokenRates(D(1), D(2)), per_request=D("0.01"))
TABLE = PriceTable([CHEAP, MID, BIG, PLAIN, FEE])

QUALITY = {
    "cheap": {"easy": "0.9", "medium": "0.6", "hard": "0.2"},
    "mid": {"easy": "0.95", "medium": "0.85", "hard": "0.6"},
    "big": {"easy": "0.98", "medium": "0.95", "hard": "0.9"},
}
LATENCY = {
    "cheap": {"ttft_ms": 200, "tokens_per_s": 100},
    "mid": {"ttft_ms": 400, "tokens_per_s": 50},
    "big": {"ttft_ms": 1000, "tokens_per_s": 25},
}

# Three segments for routing, two for cascades.
SEG3 = [{"name": "easy", "share": 0.5}, {"name": "medium", "share": 0.3}, {"name": "hard", "share": 0.2}]
SEG2 = [{"name": "easy", "share": 0.6}, {"name": "hard", "share": 0.4}]


def models(segments: list[dict[str, Any]]) -> dict[str, Any]:
    names = [segment["name"] for segment in segments]
    return {
        tier: {
            "model": f"{tier}-1",
            "quality": {name: D(QUALITY[tier][name]) for name in names},
            "latency": LATENCY[tier],
        }
        for tier in ("cheap", "mid", "big")
    }


def scenario(
    strategies: list[dict[str, Any]],
    segments: list[dict[str, Any]] | None = None,
    tiers: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    traffic: dict[str, Any] = {"requests_per_month": 1000, "input_tokens": 2000, "output_tokens": 500}
    if segments is not None:
        traffic["segments"] = segments
    return {
        "name": "test",
        "traffic": traffic,
        "models": tiers if tiers is not None else models(segments or [{"name": "all"}]),
        "strategies": strategies,
        **extra,
    }


def run(data: dict[str, Any]) -> SimulationResult:
    return simulate(build_scenario(data, TABLE))


def one(data: dict[str, Any], name: str | None = None) -> StrategyResult:
    result = run(data)
    return result.strategies[0] if name is None else result.strategy(name)


PER_CALL = {"cheap": D("0.0004"), "mid": D("0.004"), "big": D("0.04")}
"""What one call of 2000 input and 500 output tokens costs on each tier, at standard prices."""


def calls(result: StrategyResult) -> dict[str, Decimal]:
    """Calls per request on each tier: its monthly spend over 1000 requests' worth of single calls."""
    return {usage.tier: usage.spend / (PER_CALL[usage.tier] * 1000) for usage in result.tiers}


def answered(result: StrategyResult) -> dict[str, Decimal]:
    return {usage.tier: usage.answered_share for usage in result.tiers}


def test_result_carries_the_cost_quality_frontier() -> None:
    # one segment: cheap $0.4/month at quality 0.9, mid $4 at 0.95, big $40 at 0.98; a second
    # strategy on mid ties it exactly and stays; nothing beats another on both, so all four are on it
    data = scenario(
        [
            {"name": "big", "type": "single", "model": "big"},
            {"name": "mid", "type": "single", "model": "mid"},
            {"name": "cheap", "type": "single", "model": "cheap"},
            {"name": "mid-again", "type": "single", "model": "mid"},
        ],
        tiers={
            tier: {"model": f"{tier}-1", "quality": D(QUALITY[tier]["easy"]), "latency": LATENCY[tier]}
            for tier in ("cheap", "mid", "big")
        },
    )
    frontier = run(data).frontier
    assert [(p.name, p.cost, p.quality) for p in frontier] == [
        ("cheap", D("0.4"), D("0.9")),
        ("mid", D(4), D("0.95")),
        ("mid-again", D(4), D("0.95")),
        ("big", D(40), D("0.98")),
    ]


def test_strategies_without_a_quality_stay_off_the_frontier() -> None:
    # mid has no quality: only cheap ($0.4, 0.9) and big ($40, 0.98) are placed
    tiers = {tier: {"model": f"{tier}-1", "latency": LATENCY[tier]} for tier in ("cheap", "mid", "big")}
    tiers["cheap"]["quality"] = 0.9
    tiers["big"]["quality"] = 0.98
    data = scenario([{"name": name, "type": "single", "model": name} for name in ("big", "mid", "cheap")], tiers=tiers)
    assert [p.name for p in run(data).frontier] == ["cheap", "big"]


# ------------------------------------------------------------------ single


def test_single_token_prices() -> None:
    data = scenario(
        [{"name": "s", "type": "single", "model": "cheap"}],
        tiers={"cheap": {"model": "cheap-1", "quality": 0.7, "latency": LATENCY["cheap"]}},
    )
    result = run(data)
    r = result.strategies[0]
    assert result.tiers[0].price.id == "cheap-1"
    # 2000×0.1 + 500×0.4 = 400 → $0.0004/request; ×1000 = $0.4/month
    assert r.cost_per_request == D("0.0004")
    assert r.monthly_cost == D("0.4")
    assert r.cost_per_1k_requests == D("0.4")
    assert r.spend_by_model == {"cheap": D("0.4")}
    assert r.overhead == {}
    assert r.quality == D("0.7")
    # 200 + 500/100×1000 = 5200 ms
    assert r.mean_latency_ms == D(5200)
    assert r.model_calls_per_request == 1
    assert r.escalation_rate == 0
    assert r.hops == ()
    assert r.cache_hit_rate == 0
    assert answered(r) == {"cheap": D(1)}
    assert r.is_baseline
    assert r.savings_vs_baseline == 0
    assert r.savings_vs_baseline_pct == 0


def test_single_flat_per_request_inline_price() -> None:
    data = scenario(
        [{"name": "flat", "type": "single", "model": "api"}, {"name": "mixed", "type": "single", "model": "mixed"}],
        tiers={
            "api": {"price": {"per_request": 0.002}},
            "mixed": {"price": {"input_per_mtok": 1, "output_per_mtok": 2, "per_request": 0.001}},
        },
    )
    result = run(data)
    flat, mixed = result.strategy("flat"), result.strategy("mixed")
    # flat fee only: $0.002/request, ×1000 = $2/month
    assert flat.cost_per_request == D("0.002")
    assert flat.monthly_cost == D(2)
    assert (result.tiers[0].price.id, result.tiers[0].price.provider) == ("api", "inline")
    # 2000×1 + 500×2 = 3000 → $0.003 + $0.001 fee = $0.004/request, $4/month
    assert mixed.cost_per_request == D("0.004")
    assert mixed.monthly_cost == D(4)
    # savings vs flat: 2 − 4 = −2 → −2/2×100 = −100 %
    assert mixed.savings_vs_baseline == D(-2)
    assert mixed.savings_vs_baseline_pct == D(-100)


def test_single_inline_price_overrides_table_input_price() -> None:
    data = scenario(
        [{"name": "s", "type": "single", "model": "mid"}],
        tiers={"mid": {"model": "mid-1", "price": {"input_per_mtok": 2}}},
    )
    result = run(data)
    r = result.strategies[0]
    # input from the inline price, output from the table: 2000×2 + 500×4 = 6000 → $0.006, $6/month
    assert r.cost_per_request == D("0.006")
    assert r.monthly_cost == D(6)
    assert result.tiers[0].price.id == "mid-1"


def test_single_inline_table_fee_keeps_table_fee() -> None:
    data = scenario(
        [{"name": "s", "type": "single", "model": "fee"}],
        tiers={"fee": {"model": "fee-1", "price": {"output_per_mtok": 4}}},
    )
    # 2000×1 + 500×4 = 4000 → $0.004 + table fee $0.01 = $0.014/request
    assert one(data).cost_per_request == D("0.014")


def test_single_inline_zero_fee_overrides_table_fee() -> None:
    data = scenario(
        [{"name": "s", "type": "single", "model": "fee"}],
        tiers={"fee": {"model": "fee-1", "price": {"per_request": 0}}},
    )
    # 2000×1 + 500×2 = 3000 → $0.003, no flat fee
    assert one(data).cost_per_request == D("0.003")


def test_single_requests_per_day_times_days_per_month() -> None:
    tiers = {"cheap": {"model": "cheap-1"}}
    strategies = [{"name": "s", "type": "single", "model": "cheap"}]
    data = scenario(strategies, tiers=tiers)
    data["traffic"] = {"requests_per_day": 50, "days_per_month": 20, "input_tokens": 2000, "output_tokens": 500}
    result = run(data)
    # 50 × 20 = 1000 requests → 1000 × $0.0004 = $0.4
    assert result.requests_per_month == 1000
    assert result.days_per_month == 20
    assert result.strategies[0].monthly_cost == D("0.4")

    data["traffic"] = {"requests_per_day": 100, "input_tokens": 2000, "output_tokens": 500}
    result = run(data)
    # default 30 days: 100 × 30 = 3000 requests → 3000 × $0.0004 = $1.2
    assert result.requests_per_month == 3000
    assert result.strategies[0].monthly_cost == D("1.2")


def test_single_segment_overrides_token_counts() -> None:
    segments = [
        {"name": "short", "share": 0.75},
        {"name": "long", "share": 0.25, "input_tokens": 10000, "output_tokens": 1000},
    ]
    data = scenario(
        [{"name": "s", "type": "single", "model": "cheap"}],
        segments=segments,
        tiers={"cheap": {"model": "cheap-1", "latency": LATENCY["cheap"]}},
    )
    r = one(data)
    # short: 2000×0.1 + 500×0.4  = 400  → $0.0004
    # long: 10000×0.1 + 1000×0.4 = 1400 → $0.0014
    # 0.75×0.0004 + 0.25×0.0014 = 0.0003 + 0.00035 = $0.00065/request, $0.65/month
    assert r.cost_per_request == D("0.00065")
    assert r.monthly_cost == D("0.65")
    # short: 200 + 500/100×1000 = 5200; long: 200 + 1000/100×1000 = 10200
    # 0.75×5200 + 0.25×10200 = 3900 + 2550 = 6450 ms
    assert r.mean_latency_ms == D(6450)


# ------------------------------------------------------------------ route

ROUTES = {"easy": "cheap", "medium": "mid", "hard": "big"}


def test_route_accuracy_one_with_router_costs_and_baseline() -> None:
    data = scenario(
        [
            {"name": "big", "type": "single", "model": "big"},
            {
                "name": "r",
                "type": "route",
                "routes": ROUTES,
                "router": {"cost_per_request": 0.0001, "latency_ms": 50},
            },
        ],
        segments=SEG3,
    )
    r = one(data, "r")
    # models: 0.5×0.0004 + 0.3×0.004 + 0.2×0.04 = 0.0002 + 0.0012 + 0.008 = 0.0094
    # + router 0.0001 on every request = $0.0095/request, $9.5/month
    assert r.cost_per_request == D("0.0095")
    assert r.monthly_cost == D("9.5")
    assert r.spend_by_model == {"cheap": D("0.2"), "mid": D("1.2"), "big": D(8)}
    assert r.overhead == {"router": D("0.1")}
    # quality: 0.5×0.9 + 0.3×0.85 + 0.2×0.9 = 0.45 + 0.255 + 0.18 = 0.885
    assert r.quality == D("0.885")
    # latency: 50 + 0.5×5200 + 0.3×10400 + 0.2×21000 = 50 + 2600 + 3120 + 4200 = 9970 ms
    assert r.mean_latency_ms == D(9970)
    assert calls(r) == {"cheap": D("0.5"), "mid": D("0.3"), "big": D("0.2")}
    assert answered(r) == {"cheap": D("0.5"), "mid": D("0.3"), "big": D("0.2")}
    assert r.model_calls_per_request == 1
    assert r.escalation_rate == 0
    assert r.hops == ()
    # baseline single big: $0.04 × 1000 = $40; savings 40 − 9.5 = 30.5 → 30.5/40×100 = 76.25 %
    assert not r.is_baseline
    assert r.savings_vs_baseline == D("30.5")
    assert r.savings_vs_baseline_pct == D("76.25")


def test_route_accuracy_spreads_misroutes_over_other_tiers() -> None:
    data = scenario(
        [{"name": "r", "type": "route", "routes": ROUTES, "router": {"accuracy": 0.9}}],
        segments=SEG3,
    )
    r = one(data)
    # each segment: 0.9 to its route, (1 − 0.9)/2 = 0.05 to each of the two other tiers
    # P(cheap) = 0.5×0.9 + 0.3×0.05 + 0.2×0.05 = 0.45 + 0.015 + 0.01 = 0.475
    # P(mid)   = 0.5×0.05 + 0.3×0.9 + 0.2×0.05 = 0.025 + 0.27 + 0.01 = 0.305
    # P(big)   = 0.5×0.05 + 0.3×0.05 + 0.2×0.9 = 0.025 + 0.015 + 0.18 = 0.22
    assert answered(r) == {"cheap": D("0.475"), "mid": D("0.305"), "big": D("0.22")}
    assert calls(r) == {"cheap": D("0.475"), "mid": D("0.305"), "big": D("0.22")}
    # cost: 0.475×0.0004 + 0.305×0.004 + 0.22×0.04 = 0.00019 + 0.00122 + 0.0088 = $0.01021
    assert r.cost_per_request == D("0.01021")
    assert r.monthly_cost == D("10.21")
    assert r.spend_by_model == {"cheap": D("0.19"), "mid": D("1.22"), "big": D("8.8")}
    assert r.overhead == {}
    # quality:
    #   easy   0.5×(0.9×0.9 + 0.05×0.95 + 0.05×0.98)  = 0.5×0.9065 = 0.45325
    #   medium 0.3×(0.9×0.85 + 0.05×0.6 + 0.05×0.95)  = 0.3×0.8425 = 0.25275
    #   hard   0.2×(0.9×0.9 + 0.05×0.2 + 0.05×0.6)    = 0.2×0.85   = 0.17
    #   total 0.876
    assert r.quality == D("0.876")
    # latency: 0.475×5200 + 0.305×10400 + 0.22×21000 = 2470 + 3172 + 4620 = 10262 ms
    assert r.mean_latency_ms == D(10262)


def test_route_accuracy_two_tiers_sends_all_misroutes_to_the_other() -> None:
    data = scenario(
        [{"name": "r", "type": "route", "routes": {"easy": "cheap", "hard": "big"}, "router": {"accuracy": 0.9}}],
        segments=SEG2,
    )
    r = one(data)
    # P(cheap) = 0.6×0.9 + 0.4×0.1 = 0.58; P(big) = 0.6×0.1 + 0.4×0.9 = 0.42
    assert answered(r) == {"cheap": D("0.58"), "big": D("0.42")}
    # 0.58×0.0004 + 0.42×0.04 = 0.000232 + 0.0168 = 0.017032
    assert r.cost_per_request == D("0.017032")


def test_route_confusion_matrix() -> None:
    confusion = {
        "easy": {"cheap": 0.8, "mid": 0.2},
        "medium": {"cheap": 0.1, "mid": 0.7, "big": 0.2},
        "hard": {"mid": 0.5, "big": 0.5},
    }
    data = scenario(
        [
            {
                "name": "r",
                "type": "route",
                "routes": ROUTES,
                "router": {"confusion": confusion, "cost_per_request": 0.00005, "latency_ms": 20},
            }
        ],
        segments=SEG3,
    )
    r = one(data)
    # P(cheap) = 0.5×0.8 + 0.3×0.1 = 0.43
    # P(mid)   = 0.5×0.2 + 0.3×0.7 + 0.2×0.5 = 0.1 + 0.21 + 0.1 = 0.41
    # P(big)   = 0.3×0.2 + 0.2×0.5 = 0.06 + 0.1 = 0.16
    assert answered(r) == {"cheap": D("0.43"), "mid": D("0.41"), "big": D("0.16")}
    # 0.43×0.0004 + 0.41×0.004 + 0.16×0.04 = 0.000172 + 0.00164 + 0.0064 = 0.008212, + router 0.00005 = 0.008262
    assert r.cost_per_request == D("0.008262")
    assert r.monthly_cost == D("8.262")
    assert r.spend_by_model == {"cheap": D("0.172"), "mid": D("1.64"), "big": D("6.4")}
    assert r.overhead == {"router": D("0.05")}
    # quality:
    #   easy   0.5×(0.8×0.9 + 0.2×0.95)              = 0.5×0.91  = 0.455
    #   medium 0.3×(0.1×0.6 + 0.7×0.85 + 0.2×0.95)   = 0.3×0.845 = 0.2535
    #   hard   0.2×(0.5×0.6 + 0.5×0.9)               = 0.2×0.75  = 0.15
    #   total 0.8585
    assert r.quality == D("0.8585")
    # latency: 20 + 0.43×5200 + 0.41×10400 + 0.16×21000 = 20 + 2236 + 4264 + 3360 = 9880 ms
    assert r.mean_latency_ms == D(9880)


# ------------------------------------------------------------------ cascade


def test_cascade_accept_per_segment_with_evaluator() -> None:
    data = scenario(
        [
            {
                "name": "c",
                "type": "cascade",
                "chain": ["cheap", "big"],
                "accept": {"cheap": {"easy": 0.8, "hard": 0.25}},
                "evaluator": {"cost_per_request": 0.0001, "latency_ms": 100},
            }
        ],
        segments=SEG2,
    )
    r = one(data)
    # reach(big): easy 1 − 0.8 = 0.2, hard 1 − 0.25 = 0.75 → 0.6×0.2 + 0.4×0.75 = 0.12 + 0.3 = 0.42
    assert calls(r) == {"cheap": D(1), "big": D("0.42")}
    assert r.model_calls_per_request == D("1.42")
    assert r.escalation_rate == D("0.42")
    assert r.hops == (EscalationStep("cheap", "big", D("0.42")),)
    # answered at cheap: 0.6×0.8 + 0.4×0.25 = 0.48 + 0.1 = 0.58
    assert answered(r) == {"cheap": D("0.58"), "big": D("0.42")}
    # 0.0004 + 0.42×0.04 + evaluator 1×0.0001 = 0.0004 + 0.0168 + 0.0001 = $0.0173/request, $17.3/month
    assert r.cost_per_request == D("0.0173")
    assert r.monthly_cost == D("17.3")
    assert r.spend_by_model == {"cheap": D("0.4"), "big": D("16.8")}
    assert r.overhead == {"evaluator": D("0.1")}
    # quality: easy 0.6×(0.8×0.9 + 0.2×0.98) = 0.6×0.916 = 0.5496
    #          hard 0.4×(0.25×0.2 + 0.75×0.9) = 0.4×0.725 = 0.29 → 0.8396
    assert r.quality == D("0.8396")
    # latency: easy 5200 + 100 + 0.2×21000 = 9500; hard 5200 + 100 + 0.75×21000 = 21050
    #          0.6×9500 + 0.4×21050 = 5700 + 8420 = 14120 ms
    assert r.mean_latency_ms == D(14120)


def test_cascade_accept_as_one_number() -> None:
    data = scenario(
        [{"name": "c", "type": "cascade", "chain": ["cheap", "big"], "accept": {"cheap": 0.7}}],
        segments=SEG2,
    )
    r = one(data)
    # 0.3 of every segment escalates: 0.0004 + 0.3×0.04 = 0.0004 + 0.012 = $0.0124/request; no evaluator cost
    assert r.cost_per_request == D("0.0124")
    assert r.monthly_cost == D("12.4")
    assert r.overhead == {}
    assert r.escalation_rate == D("0.3")
    assert answered(r) == {"cheap": D("0.7"), "big": D("0.3")}
    # quality: easy 0.6×(0.7×0.9 + 0.3×0.98) = 0.6×0.924 = 0.5544
    #          hard 0.4×(0.7×0.2 + 0.3×0.9)  = 0.4×0.41  = 0.164 → 0.7184
    assert r.quality == D("0.7184")
    # latency: 5200 + 0.3×21000 = 11500 ms (no evaluator latency)
    assert r.mean_latency_ms == D(11500)


def test_cascade_three_steps() -> None:
    data = scenario(
        [
            {
                "name": "c",
                "type": "cascade",
                "chain": ["cheap", "mid", "big"],
                "accept": {"cheap": 0.6, "mid": 0.5},
                "evaluator": {"cost_per_request": 0.0001, "latency_ms": 100},
            }
        ],
        segments=SEG2,
    )
    r = one(data)
    # reach: cheap 1, mid 1×(1 − 0.6) = 0.4, big 0.4×(1 − 0.5) = 0.2
    assert calls(r) == {"cheap": D(1), "mid": D("0.4"), "big": D("0.2")}
    assert r.model_calls_per_request == D("1.6")
    # answered: cheap 0.6, mid 0.4×0.5 = 0.2, big 0.2
    assert answered(r) == {"cheap": D("0.6"), "mid": D("0.2"), "big": D("0.2")}
    # hops: cheap→mid 0.4/1 = 0.4; mid→big 0.2/0.4 = 0.5; escalated at least once: 0.4
    assert r.hops == (EscalationStep("cheap", "mid", D("0.4")), EscalationStep("mid", "big", D("0.5")))
    assert r.escalation_rate == D("0.4")
    # models: 0.0004 + 0.4×0.004 + 0.2×0.04 = 0.0004 + 0.0016 + 0.008 = 0.01
    # evaluator on the judged steps (cheap, mid), not the last: (1 + 0.4)×0.0001 = 0.00014
    # total $0.01014/request, $10.14/month
    assert r.cost_per_request == D("0.01014")
    assert r.monthly_cost == D("10.14")
    assert r.spend_by_model == {"cheap": D("0.4"), "mid": D("1.6"), "big": D(8)}
    assert r.overhead == {"evaluator": D("0.14")}
    # latency: (5200 + 100) + 0.4×(10400 + 100) + 0.2×21000 = 5300 + 4200 + 4200 = 13700 ms
    assert r.mean_latency_ms == D(13700)
    # quality: easy 0.6×(0.6×0.9 + 0.2×0.95 + 0.2×0.98) = 0.6×0.926 = 0.5556
    #          hard 0.4×(0.6×0.2 + 0.2×0.6 + 0.2×0.9)   = 0.4×0.42  = 0.168 → 0.7236
    assert r.quality == D("0.7236")


def test_cascade_evaluator_tpr_fpr_derives_acceptance() -> None:
    data = scenario(
        [
            {
                "name": "c",
                "type": "cascade",
                "chain": ["cheap", "big"],
                "evaluator": {"tpr": 0.9, "fpr": 0.2, "cost_per_request": 0.0002},
            }
        ],
        segments=SEG2,
    )
    r = one(data)
    # P(accept) = q·tpr + (1 − q)·fpr
    #   easy (q 0.9): 0.9×0.9 + 0.1×0.2 = 0.81 + 0.02 = 0.83 → 0.17 escalates
    #   hard (q 0.2): 0.2×0.9 + 0.8×0.2 = 0.18 + 0.16 = 0.34 → 0.66 escalates
    # escalated: 0.6×0.17 + 0.4×0.66 = 0.102 + 0.264 = 0.366
    assert r.escalation_rate == D("0.366")
    assert r.hops == (EscalationStep("cheap", "big", D("0.366")),)
    # answered at cheap: 0.6×0.83 + 0.4×0.34 = 0.498 + 0.136 = 0.634
    assert answered(r) == {"cheap": D("0.634"), "big": D("0.366")}
    # 0.0004 + 0.366×0.04 + 0.0002 = 0.0004 + 0.01464 + 0.0002 = $0.01524/request
    assert r.cost_per_request == D("0.01524")
    assert r.monthly_cost == D("15.24")
    assert r.overhead == {"evaluator": D("0.2")}
    # quality: good answers accepted q·tpr, escalated ones at big's quality
    #   easy 0.9×0.9 + 0.17×0.98 = 0.81 + 0.1666 = 0.9766
    #   hard 0.2×0.9 + 0.66×0.9  = 0.18 + 0.594  = 0.774
    #   0.6×0.9766 + 0.4×0.774 = 0.58596 + 0.3096 = 0.89556
    assert r.quality == D("0.89556")
    # latency: easy 5200 + 0.17×21000 = 8770; hard 5200 + 0.66×21000 = 19060
    #          0.6×8770 + 0.4×19060 = 5262 + 7624 = 12886 ms
    assert r.mean_latency_ms == D(12886)


# ------------------------------------------------------------------ hybrid


def test_hybrid_routes_then_cascades_upward() -> None:
    data = scenario(
        [
            {
                "name": "h",
                "type": "hybrid",
                "routes": ROUTES,
                "router": {"cost_per_request": 0.0001, "latency_ms": 50},
                "chain": ["cheap", "mid", "big"],
                "accept": {"cheap": 0.6, "mid": 0.5},
                "evaluator": {"cost_per_request": 0.0002, "latency_ms": 100},
            }
        ],
        segments=SEG3,
    )
    r = one(data)
    # easy (0.5) enters at cheap: reach cheap 1, mid 0.4, big 0.2
    # medium (0.3) enters at mid: reach mid 1, big 0.5
    # hard (0.2) enters at big, the last step: answers, never escalates
    # calls: cheap 0.5; mid 0.5×0.4 + 0.3 = 0.5; big 0.5×0.2 + 0.3×0.5 + 0.2 = 0.1 + 0.15 + 0.2 = 0.45
    assert calls(r) == {"cheap": D("0.5"), "mid": D("0.5"), "big": D("0.45")}
    assert r.model_calls_per_request == D("1.45")
    # answered: cheap 0.5×0.6 = 0.3; mid 0.5×0.4×0.5 + 0.3×0.5 = 0.1 + 0.15 = 0.25; big 0.45
    assert answered(r) == {"cheap": D("0.3"), "mid": D("0.25"), "big": D("0.45")}
    # escalated from the routed tier: easy 0.5×0.4 + medium 0.3×0.5 = 0.2 + 0.15 = 0.35
    assert r.escalation_rate == D("0.35")
    # hops: cheap→mid 0.2/0.5 = 0.4; mid→big (0.5×0.2 + 0.3×0.5)/0.5 = 0.25/0.5 = 0.5
    assert r.hops == (EscalationStep("cheap", "mid", D("0.4")), EscalationStep("mid", "big", D("0.5")))
    # models: 0.5×0.0004 + 0.5×0.004 + 0.45×0.04 = 0.0002 + 0.002 + 0.018 = 0.0202
    # evaluator: judged calls (cheap 0.5 + mid 0.5)×0.0002 = 0.0002; router 0.0001
    # total $0.0205/request, $20.5/month
    assert r.cost_per_request == D("0.0205")
    assert r.monthly_cost == D("20.5")
    assert r.spend_by_model == {"cheap": D("0.2"), "mid": D(2), "big": D(18)}
    assert r.overhead == {"router": D("0.1"), "evaluator": D("0.2")}
    # quality: easy   0.5×(0.6×0.9 + 0.2×0.95 + 0.2×0.98) = 0.5×0.926 = 0.463
    #          medium 0.3×(0.5×0.85 + 0.5×0.95)            = 0.3×0.9   = 0.27
    #          hard   0.2×0.9                              = 0.18     → 0.913
    assert r.quality == D("0.913")
    # latency: easy (5200+100) + 0.4×(10400+100) + 0.2×21000 = 13700
    #          medium (10400+100) + 0.5×21000 = 21000; hard 21000
    #          50 + 0.5×13700 + 0.3×21000 + 0.2×21000 = 50 + 6850 + 6300 + 4200 = 17400 ms
    assert r.mean_latency_ms == D(17400)


def test_hybrid_misrouted_request_cascades_from_where_it_lands() -> None:
    data = scenario(
        [
            {
                "name": "h",
                "type": "hybrid",
                "routes": {"easy": "cheap", "hard": "big"},
                "router": {"accuracy": 0.9},
                "chain": ["cheap", "big"],
                "accept": {"cheap": 0.5},
            }
        ],
        segments=SEG2,
    )
    r = one(data)
    # P(cheap) = 0.6×0.9 + 0.4×0.1 = 0.58 → half escalates: 0.29
    # big: routed 0.6×0.1 + 0.4×0.9 = 0.42 + escalated 0.29 = 0.71
    assert calls(r) == {"cheap": D("0.58"), "big": D("0.71")}
    assert answered(r) == {"cheap": D("0.29"), "big": D("0.71")}
    assert r.escalation_rate == D("0.29")
    assert r.hops == (EscalationStep("cheap", "big", D("0.5")),)
    # 0.58×0.0004 + 0.71×0.04 = 0.000232 + 0.0284 = 0.028632
    assert r.cost_per_request == D("0.028632")


# ------------------------------------------------------------------ modifiers


def test_semantic_cache() -> None:
    cache = {"hit_rate": {"easy": 0.5, "hard": 0.25}, "lookup_cost_per_request": 0.00001, "lookup_latency_ms": 20}
    data = scenario(
        [
            {"name": "hq", "type": "single", "model": "cheap", "semantic_cache": {**cache, "hit_quality": 0.8}},
            {"name": "same", "type": "single", "model": "cheap", "semantic_cache": cache},
        ],
        segments=SEG2,
    )
    result = run(data)
    r = result.strategy("hq")
    # misses: easy 0.6×0.5 = 0.3, hard 0.4×0.75 = 0.3 → 0.6; hits 0.4
    assert r.cache_hit_rate == D("0.4")
    assert calls(r) == {"cheap": D("0.6")}
    assert answered(r) == {"cheap": D("0.6")}
    # a hit costs only the lookup, a miss lookup + model: 0.6×0.0004 + 1×0.00001 = 0.00024 + 0.00001 = $0.00025
    assert r.cost_per_request == D("0.00025")
    assert r.monthly_cost == D("0.25")
    assert r.spend_by_model == {"cheap": D("0.24")}
    assert r.overhead == {"semantic cache": D("0.01")}
    # latency: 20 on every request + 0.6×5200 = 20 + 3120 = 3140 ms
    assert r.mean_latency_ms == D(3140)
    # quality: misses 0.3×0.9 + 0.3×0.2 = 0.33; hits 0.4×0.8 = 0.32 → 0.65
    assert r.quality == D("0.65")
    # without hit_quality a hit is as good as the model: 0.6×0.9 + 0.4×0.2 = 0.62
    assert result.strategy("same").quality == D("0.62")


def test_semantic_cache_in_front_of_router_and_cascade() -> None:
    data = scenario(
        [
            {
                "name": "h",
                "type": "hybrid",
                "routes": {"easy": "cheap", "hard": "big"},
                "router": {"cost_per_request": 0.0001, "latency_ms": 50},
                "chain": ["cheap", "big"],
                "accept": {"cheap": 0.5},
                "evaluator": {"cost_per_request": 0.0002, "latency_ms": 100},
                "semantic_cache": {"hit_rate": 0.5, "lookup_latency_ms": 10},
            }
        ],
        segments=SEG2,
    )
    r = one(data)
    # misses 0.5 of everything; of those easy (0.3) → cheap, half escalates (0.15); hard (0.2) → big
    assert calls(r) == {"cheap": D("0.3"), "big": D("0.35")}
    assert answered(r) == {"cheap": D("0.15"), "big": D("0.35")}
    assert r.cache_hit_rate == D("0.5")
    assert r.escalation_rate == D("0.15")
    # models 0.3×0.0004 + 0.35×0.04 = 0.00012 + 0.014 = 0.01412
    # router on misses 0.5×0.0001 = 0.00005; evaluator 0.3×0.0002 = 0.00006 → 0.01423
    assert r.cost_per_request == D("0.01423")
    assert r.overhead == {"router": D("0.05"), "evaluator": D("0.06")}
    # latency: 10 + 0.5×(50 + 0.6×(5200 + 100 + 0.5×21000) + 0.4×21000)
    #        = 10 + 0.5×(50 + 0.6×15800 + 8400) = 10 + 0.5×17930 = 8975 ms
    assert r.mean_latency_ms == D(8975)


def test_prompt_caching() -> None:
    data = scenario(
        [
            {"name": "cheap", "type": "single", "model": "cheap"},
            {"name": "plain", "type": "single", "model": "plain"},
        ],
        tiers={"cheap": {"model": "cheap-1"}, "plain": {"model": "plain-1"}},
        prompt_caching={"cached_share": 0.5, "write_share": 0.1},
    )
    scenario_ = build_scenario(data, TABLE)
    result = simulate(scenario_)
    # input: 2000×(0.4×0.1 + 0.5×0.01 + 0.1×0.125) = 2000×(0.04 + 0.005 + 0.0125) = 115; output 500×0.4 = 200
    # 315 → $0.000315/request, $0.315/month
    assert result.strategy("cheap").cost_per_request == D("0.000315")
    assert result.strategy("cheap").monthly_cost == D("0.315")
    # plain has no cache prices: all input at 2 → 2000×2 + 500×8 = 8000 → $0.008, with a warning
    assert result.strategy("plain").cost_per_request == D("0.008")
    notes = [note for note in scenario_.warnings if "no cached-input price" in note]
    assert len(notes) == 1
    assert "'plain'" in notes[0]
    assert result.warnings == scenario_.warnings


def test_prompt_caching_without_write_price_bills_input_price() -> None:
    data = scenario(
        [{"name": "s", "type": "single", "model": "c", "prompt_caching": {"cached_share": 0.25, "write_share": 0.5}}],
        tiers={"c": {"price": {"input_per_mtok": 1, "output_per_mtok": 2, "cached_input_per_mtok": 0.1}}},
    )
    # input: 2000×(0.25×1 + 0.25×0.1 + 0.5×1) = 2000×0.775 = 1550; output 500×2 = 1000 → 2550 → $0.00255
    assert one(data).cost_per_request == D("0.00255")


def test_batch_prices() -> None:
    data = scenario(
        [
            {"name": "std", "type": "single", "model": "cheap"},
            {"name": "batch", "type": "single", "model": "cheap", "batch": True},
            {"name": "batch-route", "type": "route", "routes": {"easy": "cheap", "hard": "mid"}, "batch": True},
        ],
        segments=SEG2,
    )
    result = run(data)
    # batch: 2000×0.05 + 500×0.2 = 200 → $0.0002, $0.2/month; savings vs std 0.4 − 0.2 = 0.2 → 50 %
    batch = result.strategy("batch")
    assert batch.cost_per_request == D("0.0002")
    assert batch.monthly_cost == D("0.2")
    assert batch.savings_vs_baseline_pct == D(50)
    # mid batch: 2000×0.5 + 500×2 = 2000 → $0.002; 0.6×0.0002 + 0.4×0.002 = 0.00012 + 0.0008 = 0.00092
    assert result.strategy("batch-route").cost_per_request == D("0.00092")


def test_batch_error_when_a_used_model_lacks_batch_prices() -> None:
    data = scenario(
        [{"name": "s", "type": "cascade", "chain": ["cheap", "plain"], "accept": {"cheap": 0.5}, "batch": True}],
        tiers={"cheap": {"model": "cheap-1"}, "plain": {"model": "plain-1"}},
    )
    with pytest.raises(InvalidValueError, match="no batch prices"):
        build_scenario(data, TABLE)
    # a flat-fee-only model needs no batch prices
    data = scenario(
        [{"name": "s", "type": "single", "model": "api", "batch": True}],
        tiers={"api": {"price": {"per_request": 0.002}}},
    )
    assert one(data).cost_per_request == D("0.002")


def test_long_context_rates_apply_above_threshold() -> None:
    segments = [
        {"name": "at", "share": 0.5, "input_tokens": 100_000},
        {"name": "over", "share": 0.5, "input_tokens": 150_000},
    ]
    data = scenario(
        [{"name": "s", "type": "single", "model": "cheap"}],
        segments=segments,
        tiers={"cheap": {"model": "cheap-1"}},
    )
    data["traffic"]["output_tokens"] = 1000
    r = one(data)
    # at the threshold (not above): 100000×0.1 + 1000×0.4 = 10400 → $0.0104
    # above: long-context rates on the whole request: 150000×0.2 + 1000×0.8 = 30800 → $0.0308
    # 0.5×0.0104 + 0.5×0.0308 = 0.0052 + 0.0154 = $0.0206/request, $20.6/month
    assert r.cost_per_request == D("0.0206")
    assert r.monthly_cost == D("20.6")


def test_scenario_wide_modifiers_overridden_and_turned_off_per_strategy() -> None:
    data = scenario(
        [
            {"name": "inherit", "type": "single", "model": "cheap"},
            {
                "name": "off",
                "type": "single",
                "model": "cheap",
                "batch": False,
                "prompt_caching": False,
                "semantic_cache": False,
            },
            {
                "name": "override",
                "type": "single",
                "model": "cheap",
                "prompt_caching": {"cached_share": 1},
                "semantic_cache": {"hit_rate": 0.2},
            },
        ],
        tiers={"cheap": {"model": "cheap-1"}},
        batch=True,
        prompt_caching={"cached_share": 0.5},
        semantic_cache={"hit_rate": 0.5},
    )
    result = run(data)
    # inherit: batch rates with half the input cached: 2000×(0.5×0.05 + 0.5×0.005) + 500×0.2 = 55 + 100 = 155
    #          → $0.000155 × 0.5 misses = $0.0000775/request, $0.0775/month
    inherit = result.strategy("inherit")
    assert inherit.cost_per_request == D("0.0000775")
    assert inherit.monthly_cost == D("0.0775")
    assert inherit.cache_hit_rate == D("0.5")
    # off: plain standard price $0.0004, $0.4/month, no cache
    off = result.strategy("off")
    assert off.monthly_cost == D("0.4")
    assert off.cache_hit_rate == 0
    # override: batch still on, all input cached: 2000×0.005 + 500×0.2 = 110 → $0.00011 × 0.8 misses = $0.000088
    override = result.strategy("override")
    assert override.cost_per_request == D("0.000088")
    assert override.monthly_cost == D("0.088")
    assert override.cache_hit_rate == D("0.2")


# ------------------------------------------------------------------ baseline


def test_baseline_defaults_to_first_strategy() -> None:
    data = scenario(
        [{"name": "cheap", "type": "single", "model": "cheap"}, {"name": "big", "type": "single", "model": "big"}],
        tiers={"cheap": {"model": "cheap-1"}, "big": {"model": "big-1"}},
    )
    result = run(data)
    assert result.baseline == "cheap"
    cheap, big = result.strategy("cheap"), result.strategy("big")
    assert cheap.is_baseline
    assert not big.is_baseline
    assert cheap.savings_vs_baseline == 0
    assert cheap.savings_vs_baseline_pct == 0
    # big costs $40 against $0.4: savings 0.4 − 40 = −39.6 → −39.6/0.4×100 = −9900 %
    assert big.savings_vs_baseline == D("-39.6")
    assert big.savings_vs_baseline_pct == D(-9900)


def test_explicit_baseline_savings_pct() -> None:
    data = scenario(
        [{"name": "cheap", "type": "single", "model": "cheap"}, {"name": "big", "type": "single", "model": "big"}],
        tiers={"cheap": {"model": "cheap-1"}, "big": {"model": "big-1"}},
        baseline="big",
    )
    result = run(data)
    assert result.baseline == "big"
    cheap, big = result.strategy("cheap"), result.strategy("big")
    assert big.is_baseline
    assert not cheap.is_baseline
    assert big.savings_vs_baseline == 0
    assert big.savings_vs_baseline_pct == 0
    # 40 − 0.4 = 39.6 → 39.6/40×100 = 99 %
    assert cheap.savings_vs_baseline == D("39.6")
    assert cheap.savings_vs_baseline_pct == D(99)


def test_savings_pct_is_none_against_a_free_baseline() -> None:
    data = scenario(
        [{"name": "free", "type": "single", "model": "free"}, {"name": "cheap", "type": "single", "model": "cheap"}],
        tiers={"free": {"price": {"per_request": 0}}, "cheap": {"model": "cheap-1"}},
    )
    result = run(data)
    assert result.strategy("free").monthly_cost == 0
    assert result.strategy("free").savings_vs_baseline_pct is None
    assert result.strategy("cheap").savings_vs_baseline == D("-0.4")
    assert result.strategy("cheap").savings_vs_baseline_pct is None


# ------------------------------------------------------------------ latency


def test_latency_defaults() -> None:
    data = scenario(
        [
            {"name": "default", "type": "single", "model": "default"},
            {"name": "fast", "type": "single", "model": "fast"},
            {"name": "slow-start", "type": "single", "model": "slow-start"},
        ],
        tiers={
            "default": {"model": "cheap-1"},
            "fast": {"model": "cheap-1", "latency": {"tokens_per_s": 250}},
            "slow-start": {"model": "cheap-1", "latency": {"ttft_ms": 1500}},
        },
    )
    result = run(data)
    # 500 + 500/50×1000 = 10500 ms
    assert result.strategy("default").mean_latency_ms == D(10500)
    # 500 + 500/250×1000 = 2500 ms
    assert result.strategy("fast").mean_latency_ms == D(2500)
    # 1500 + 500/50×1000 = 11500 ms
    assert result.strategy("slow-start").mean_latency_ms == D(11500)


def test_latency_zero_ttft_is_kept() -> None:
    data = scenario(
        [{"name": "s", "type": "single", "model": "c"}],
        tiers={"c": {"model": "cheap-1", "latency": {"ttft_ms": 0}}},
    )
    # 0 + 500/50×1000 = 10000 ms
    assert one(data).mean_latency_ms == D(10000)


# ------------------------------------------------------------------ quality


def test_quality_none_when_an_answering_model_has_none() -> None:
    tiers = {
        "cheap": {"model": "cheap-1", "quality": 0.8},
        "big": {"model": "big-1", "quality": 0.9},
        "unrated": {"model": "mid-1"},
    }
    data = scenario(
        [
            {"name": "single", "type": "single", "model": "unrated"},
            {"name": "route", "type": "route", "routes": {"easy": "cheap", "hard": "unrated"}},
            {"name": "last", "type": "cascade", "chain": ["cheap", "unrated"], "accept": {"cheap": 0.5}},
            {"name": "first", "type": "cascade", "chain": ["unrated", "big"], "accept": {"unrated": 0.5}},
            {"name": "rated", "type": "cascade", "chain": ["cheap", "big"], "accept": {"cheap": 0.5}},
        ],
        segments=SEG2,
        tiers=tiers,
    )
    result = run(data)
    for name in ("single", "route", "last", "first"):
        assert result.strategy(name).quality is None, name
    # 0.5×0.8 + 0.5×0.9 = 0.85
    assert result.strategy("rated").quality == D("0.85")


# ------------------------------------------------------------- regressions


def test_quality_unknown_when_cache_hits_stand_in_for_an_unrated_tier() -> None:
    tiers = {"noq": {"model": "cheap-1"}, "q": {"model": "big-1", "quality": 0.9}}
    data = scenario(
        [
            {"name": "all-hits", "type": "single", "model": "noq", "semantic_cache": {"hit_rate": 1}},
            {
                "name": "routed",
                "type": "route",
                "routes": {"easy": "noq", "hard": "q"},
                "semantic_cache": {"hit_rate": {"easy": 1, "hard": 0}},
            },
        ],
        segments=SEG2,
        tiers=tiers,
    )
    result = run(data)
    # every answer stands in for one the unrated tier would give: quality cannot be known
    assert result.strategy("all-hits").quality is None
    assert result.strategy("routed").quality is None


def test_strategies_do_not_share_cached_sums() -> None:
    """Many routed strategies with their own caches each cost what they cost alone."""
    strategies = [
        {
            "name": f"r{index}",
            "type": "route",
            "routes": {"easy": "cheap", "medium": "mid", "hard": "big"},
            "router": {"accuracy": 0.9},
            "semantic_cache": {"hit_rate": {"easy": D(index) / 40, "medium": 0, "hard": D(index) / 20}},
        }
        for index in range(12)
    ]
    together = run(scenario(strategies, segments=SEG3, tiers=models(SEG3)))
    for strategy in strategies:
        alone = one(scenario([strategy], segments=SEG3, tiers=models(SEG3)))
        assert together.strategy(str(strategy["name"])).monthly_cost == alone.monthly_cost
