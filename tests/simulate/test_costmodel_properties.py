"""Property tests of the cost model over random valid scenarios.

Every random number has few decimal digits (shares and confusion rows to 0.01,
probabilities to 0.01, prices to 0.1, token counts in hundreds), so all the
cost model's sums and products stay exact within Decimal's 28 digits and the
properties can be asserted with exact equality.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from routecli.pricing.prices import ModelPrice, PriceTable, TokenRates
from routecli.simulate.costmodel import SimulationResult, simulate
from routecli.simulate.scenario_file import build_scenario

D = Decimal
CENT = D("0.01")

probabilities = st.integers(0, 100).map(lambda k: D(k) / 100)
rates = st.integers(1, 100).map(lambda k: D(k) / 10)  # 0.1 … 10 per 1M tokens
small_fees = st.integers(0, 100).map(lambda k: D(k) / 100_000)  # $0 … $0.001 per request


@st.composite
def exact_shares(draw: st.DrawFn, n: int) -> list[Decimal]:
    """n shares summing to exactly 1: integer weights over their total, truncated to 0.01, last = 1 − rest."""
    weights = draw(st.lists(st.integers(1, 10), min_size=n, max_size=n))
    total = D(sum(weights))
    parts = [(D(w) / total).quantize(CENT, rounding=ROUND_DOWN) for w in weights[:-1]]
    return [*parts, 1 - sum(parts, D(0))]


@st.composite
def price_tables(draw: st.DrawFn, n: int) -> PriceTable:
    models = []
    for index in range(n):
        cached = draw(st.none() | rates)
        write = draw(st.none() | rates)
        models.append(
            ModelPrice(
                id=f"m{index}",
                provider="test",
                standard=TokenRates(draw(rates), draw(rates), cached_input=cached, cache_write=write),
                batch=TokenRates(draw(rates), draw(rates), cached_input=draw(st.none() | rates)),
            )
        )
    return PriceTable(models)


@st.composite
def traffic(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 3))
    segments = [
        {
            "name": f"s{index}",
            "share": share,
            "input_tokens": draw(st.integers(0, 200)) * 100,
            "output_tokens": draw(st.integers(0, 50)) * 100,
        }
        for index, share in enumerate(draw(exact_shares(n)))
    ]
    return {"requests_per_month": draw(st.integers(1, 9999)), "segments": segments}


def per_segment(segments: list[str]) -> st.SearchStrategy[Any]:
    """One probability for every segment, or one per segment."""
    return probabilities | st.fixed_dictionaries(dict.fromkeys(segments, probabilities))


@st.composite
def modifiers(draw: st.DrawFn, segments: list[str], *, semantic_cache: bool = True) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if semantic_cache and draw(st.booleans()):
        cache: dict[str, Any] = {"hit_rate": draw(per_segment(segments)), "lookup_cost_per_request": draw(small_fees)}
        if draw(st.booleans()):
            cache["hit_quality"] = draw(probabilities)
        found["semantic_cache"] = cache
    if draw(st.booleans()):
        cached = draw(st.integers(0, 10))
        written = draw(st.integers(0, 10 - cached))
        found["prompt_caching"] = {"cached_share": D(cached) / 10, "write_share": D(written) / 10}
    if draw(st.booleans()):
        found["batch"] = True
    return found


@st.composite
def routers(draw: st.DrawFn, segments: list[str], targets: list[str], *, accuracy: bool = False) -> dict[str, Any]:
    router: dict[str, Any] = {"cost_per_request": draw(small_fees), "latency_ms": draw(st.integers(0, 100))}
    if accuracy:
        router["accuracy"] = 1
    elif draw(st.booleans()):
        router["accuracy"] = draw(probabilities)
    else:
        router["confusion"] = {
            name: dict(zip(targets, draw(exact_shares(len(targets))), strict=True)) for name in segments
        }
    return router


@st.composite
def acceptance(draw: st.DrawFn, segments: list[str], chain: list[str]) -> dict[str, Any]:
    evaluator: dict[str, Any] = {"cost_per_request": draw(small_fees), "latency_ms": draw(st.integers(0, 100))}
    if draw(st.booleans()):
        return {"evaluator": {**evaluator, "tpr": draw(probabilities), "fpr": draw(probabilities)}}
    return {"evaluator": evaluator, "accept": {step: draw(per_segment(segments)) for step in chain[:-1]}}


@st.composite
def chains(draw: st.DrawFn, tiers: list[str]) -> list[str]:
    order = draw(st.permutations(tiers))
    return order[: draw(st.integers(2, len(order)))]


@st.composite
def every_type(draw: st.DrawFn, segments: list[str], tiers: list[str]) -> list[dict[str, Any]]:
    """One strategy of each type, each with random modifiers of its own."""
    routes = {name: draw(st.sampled_from(tiers)) for name in segments}
    route_targets = list(dict.fromkeys(routes.values()))
    cascade_chain = draw(chains(tiers))
    chain = draw(chains(tiers))
    hybrid_routes = {name: draw(st.sampled_from(chain)) for name in segments}
    return [
        {"name": "single", "type": "single", "model": draw(st.sampled_from(tiers)), **draw(modifiers(segments))},
        {
            "name": "route",
            "type": "route",
            "routes": routes,
            "router": draw(routers(segments, route_targets)),
            **draw(modifiers(segments)),
        },
        {
            "name": "cascade",
            "type": "cascade",
            "chain": cascade_chain,
            **draw(acceptance(segments, cascade_chain)),
            **draw(modifiers(segments)),
        },
        {
            "name": "hybrid",
            "type": "hybrid",
            "routes": hybrid_routes,
            "router": draw(routers(segments, chain)),
            "chain": chain,
            **draw(acceptance(segments, chain)),
            **draw(modifiers(segments)),
        },
    ]


def tier_models(draw: st.DrawFn, segments: list[str], n: int) -> dict[str, Any]:
    return {
        f"t{index}": {
            "model": f"m{index}",
            "quality": draw(per_segment(segments)),
            "latency": {"ttft_ms": draw(st.integers(1, 2000)), "tokens_per_s": draw(st.integers(1, 200))},
        }
        for index in range(n)
    }


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[dict[str, Any], PriceTable]:
    """A random valid scenario with one strategy of every type and random modifiers."""
    n = draw(st.integers(2, 3))
    table = draw(price_tables(n))
    data_traffic = draw(traffic())
    segments = [segment["name"] for segment in data_traffic["segments"]]
    tiers = tier_models(draw, segments, n)
    data = {
        "name": "random",
        "traffic": data_traffic,
        "models": tiers,
        "strategies": draw(every_type(segments, list(tiers))),
        **draw(modifiers(segments)),
    }
    return data, table


def run(data: dict[str, Any], table: PriceTable) -> SimulationResult:
    return simulate(build_scenario(data, table))


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(st.data())
def test_route_with_accuracy_one_costs_its_routes_single_model_costs(data: st.DataObject) -> None:
    n = data.draw(st.integers(2, 3))
    table = data.draw(price_tables(n))
    data_traffic = data.draw(traffic())
    segments = [segment["name"] for segment in data_traffic["segments"]]
    tiers = tier_models(data.draw, segments, n)
    routes = {name: data.draw(st.sampled_from(list(tiers))) for name in segments}
    router = data.draw(routers(segments, list(dict.fromkeys(routes.values())), accuracy=True))
    wide = data.draw(modifiers(segments, semantic_cache=False))
    scenario = {
        "name": "route",
        "traffic": data_traffic,
        "models": tiers,
        "strategies": [{"name": "route", "type": "route", "routes": routes, "router": router}],
        **wide,
    }
    route = run(scenario, table).strategy("route")

    expected = router["cost_per_request"]
    for segment in data_traffic["segments"]:
        alone = {
            **scenario,
            "traffic": {**data_traffic, "segments": [{**segment, "share": 1}]},
            "models": {name: {"model": tier["model"]} for name, tier in tiers.items()},
            "strategies": [{"name": "single", "type": "single", "model": routes[segment["name"]]}],
        }
        expected += segment["share"] * run(alone, table).strategy("single").cost_per_request
    assert route.cost_per_request == expected
    assert route.monthly_cost == expected * data_traffic["requests_per_month"]


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(st.data())
def test_cascade_accepting_everything_at_first_step_costs_first_model_plus_evaluator(data: st.DataObject) -> None:
    n = data.draw(st.integers(2, 3))
    table = data.draw(price_tables(n))
    data_traffic = data.draw(traffic())
    segments = [segment["name"] for segment in data_traffic["segments"]]
    tiers = tier_models(data.draw, segments, n)
    chain = data.draw(chains(list(tiers)))
    accept = {step: data.draw(per_segment(segments)) for step in chain[1:-1]}
    evaluator_cost = data.draw(small_fees)
    scenario = {
        "name": "cascade",
        "traffic": data_traffic,
        "models": tiers,
        "strategies": [
            {"name": "first", "type": "single", "model": chain[0]},
            {
                "name": "cascade",
                "type": "cascade",
                "chain": chain,
                "accept": {chain[0]: 1, **accept},
                "evaluator": {"cost_per_request": evaluator_cost},
            },
        ],
        **data.draw(modifiers(segments, semantic_cache=False)),
    }
    result = run(scenario, table)
    first, cascade = result.strategy("first"), result.strategy("cascade")
    assert cascade.cost_per_request == first.cost_per_request + evaluator_cost
    assert cascade.escalation_rate == 0
    assert cascade.model_calls_per_request == 1
    assert cascade.quality == first.quality


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(scenarios())
def test_cost_is_linear_in_volume(case: tuple[dict[str, Any], PriceTable]) -> None:
    data, table = case
    once = run(data, table)
    doubled = {**data, "traffic": {**data["traffic"], "requests_per_month": 2 * data["traffic"]["requests_per_month"]}}
    twice = run(doubled, table)
    for single, double in zip(once.strategies, twice.strategies, strict=True):
        assert double.monthly_cost == 2 * single.monthly_cost
        assert double.cost_per_request == single.cost_per_request
        assert double.savings_vs_baseline == 2 * single.savings_vs_baseline


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(scenarios(), st.sampled_from(["single", "route", "cascade", "hybrid"]))
def test_baseline_saves_nothing_against_itself(case: tuple[dict[str, Any], PriceTable], baseline: str) -> None:
    data, table = case
    result = run({**data, "baseline": baseline}, table)
    own = result.strategy(baseline)
    assert own.is_baseline
    assert own.savings_vs_baseline == 0
    assert own.savings_vs_baseline_pct == (None if own.monthly_cost == 0 else 0)
    for other in result.strategies:
        assert other.savings_vs_baseline == own.monthly_cost - other.monthly_cost


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(scenarios())
def test_quality_stays_within_zero_and_one(case: tuple[dict[str, Any], PriceTable]) -> None:
    result = run(*case)
    for strategy in result.strategies:
        assert strategy.quality is not None, strategy.name
        assert 0 <= strategy.quality <= 1, strategy.name


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(scenarios())
def test_answered_shares_sum_to_one(case: tuple[dict[str, Any], PriceTable]) -> None:
    result = run(*case)
    for strategy in result.strategies:
        total = sum((usage.answered_share for usage in strategy.tiers), strategy.cache_hit_rate)
        assert total == 1, strategy.name
