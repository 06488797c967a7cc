"""Break-even points: exact roots where the cost is linear in the parameter, a search elsewhere, and insights.

Unless a test says otherwise, one call at 1000 input and 100 output tokens costs

    light / small: 1000×1 + 100×5  = 1500   → c1 = $0.0015
    mid:           1000×2 + 100×10 = 3000   → $0.003
    heavy / large: 1000×4 + 100×20 = 6000   → c2 = $0.006

A cascade light → heavy accepting a share a at light, with an evaluator at e = $0.0003 per judged call:

    cost(a) = c1 + e + (1 − a)·c2,  so it costs the same as all-heavy (c2) at a* = (c1 + e)/c2 = 0.0018/0.006 = 0.3
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from routecli.errors import InputError, InvalidValueError
from routecli.render.sweep_report import breakeven_document, breakeven_lines, breakeven_markdown
from routecli.simulate.breakeven import Crossing, find_breakeven, insights
from routecli.simulate.costmodel import simulate
from routecli.simulate.scenario_file import ScenarioSource, read_scenario
from tests.helpers.files import write
from tests.helpers.scenarios import LEVERS

D = Decimal

SCENARIO = LEVERS


def source_of(tmp_path: Path, text: str = SCENARIO, name: str = "levers.yaml") -> ScenarioSource:
    return read_scenario(write(tmp_path / name, text))


@pytest.fixture
def source(tmp_path: Path) -> ScenarioSource:
    return source_of(tmp_path)


def bisect(f: Callable[[float], float], low: float, high: float) -> float:
    """A root of f in [low, high], where f changes sign, by plain bisection."""
    f_low = f(low)
    for _ in range(200):
        middle = (low + high) / 2
        f_middle = f(middle)
        if (f_middle > 0) == (f_low > 0):
            low, f_low = middle, f_middle
        else:
            high = middle
    return (low + high) / 2


# ------------------------------------------------------------------ linear


def test_cascade_acceptance_is_solved_exactly(source: ScenarioSource) -> None:
    found = find_breakeven(source, "cascade", "strategies.cascade.accept.light", against="all-heavy")
    # a* = (c1 + e) / c2 = 0.0018 / 0.006 = 0.3; the cost gap falls as a rises
    assert found.method == "linear"
    assert found.crossings == (Crossing(D("0.3"), rising=False),)
    assert (found.low, found.high, found.current) == (D(0), D(1), D("0.8"))
    # g(0) = (0.0018 + 0.006 − 0.006) × 1e5 = 180;  g(1) = (0.0018 − 0.006) × 1e5 = −420
    assert (found.gap_low, found.gap_high) == (D(180), D(-420))
    assert (found.strategy, found.against, found.quality_floor) == ("cascade", "all-heavy", None)
    assert breakeven_document(found)["gap"] == "cost difference in USD a month"  # a cost gap, not a quality one


def test_router_accuracy_is_solved_exactly(source: ScenarioSource) -> None:
    # routed(p) = r + 0.8(p·c1 + (1 − p)c2) + 0.2(p·c2 + (1 − p)c1), r = 0.00225; minus c2:
    # g(p)/V = r − (c2 − c1)(0.2 + 0.6p) = 0.00225 − 0.0045(0.2 + 0.6p) = 0 at 0.2 + 0.6p = 0.5, p* = 0.5
    found = find_breakeven(source, "routed", "strategies.routed.router.accuracy", against="all-heavy")
    assert found.method == "linear"
    assert found.crossings == (Crossing(D("0.5"), rising=False),)
    # g(0) = (0.00225 − 0.0009) × 1e5 = 135;  g(1) = (0.00225 − 0.0036) × 1e5 = −135
    assert (found.gap_low, found.gap_high) == (D(135), D(-135))


def test_segment_share_is_solved_exactly(source: ScenarioSource) -> None:
    # at accuracy 0.9: easy costs 0.9·c1 + 0.1·c2 = 0.00195, hard 0.9·c2 + 0.1·c1 = 0.00555;
    # routed(s) = 0.00225 + 0.00195·s + 0.00555·(1 − s) = 0.0078 − 0.0036·s = 0.006 at s* = 0.5
    found = find_breakeven(source, "routed", "traffic.segments.easy.share", against="all-heavy")
    assert (found.method, found.crossings) == ("linear", (Crossing(D("0.5"), rising=False),))
    assert found.notes == (
        "traffic.segments.easy.share varies; the other segments' shares rescale in proportion so all shares "
        "still sum to 1",
    )


def test_price_is_searched_up_to_ten_times_its_value(source: ScenarioSource) -> None:
    # heavy's input price x: c2(x) = (1000x + 2000)/1e6; cascade at a = 0.8 costs 0.0018 + 0.2·c2(x),
    # the same as c2(x) when 0.8·c2(x) = 0.0018, c2 = 0.00225, 1000x = 250, x* = 0.25
    found = find_breakeven(source, "cascade", "models.heavy.price.input_per_mtok", against="all-heavy")
    assert (found.low, found.high, found.current) == (D(0), D(40), D(4))
    assert (found.method, found.crossings) == ("linear", (Crossing(D("0.25"), rising=False),))


def test_explicit_range(source: ScenarioSource) -> None:
    found = find_breakeven(
        source, "cascade", "strategies.cascade.accept.light", against="all-heavy", value_range=(D("0.2"), D("0.6"))
    )
    assert (found.low, found.high) == (D("0.2"), D("0.6"))
    assert found.crossings == (Crossing(D("0.3"), rising=False),)


def test_no_crossing_in_the_range(source: ScenarioSource) -> None:
    found = find_breakeven(
        source, "cascade", "strategies.cascade.accept.light", against="all-heavy", value_range=(D("0.5"), D(1))
    )
    assert found.crossings == ()
    # g(0.5) = (0.0018 − 0.003) × 1e5 = −120;  g(1) = −420
    assert (found.gap_low, found.gap_high) == (D(-120), D(-420))
    assert breakeven_lines(found) == [
        "No break-even between 0.5 and 1: at strategies.cascade.accept.light = 0.5, cascade saves $120.00 a month "
        "against all-heavy; at 1, cascade saves $420.00 a month against all-heavy."
    ]


def test_the_answer_in_sentences(source: ScenarioSource) -> None:
    found = find_breakeven(source, "cascade", "strategies.cascade.accept.light", against="all-heavy")
    assert breakeven_lines(found) == [
        "cascade costs the same as all-heavy at strategies.cascade.accept.light = 0.3 (solved exactly: linear in it); "
        "it saves above that value.",
        "The scenario has 0.8. Searched 0 to 1: at strategies.cascade.accept.light = 0, cascade costs $180.00 a month "
        "more than all-heavy; at 1, cascade saves $420.00 a month against all-heavy.",
    ]
    assert breakeven_markdown(found).startswith("## levers: break-even of cascade\n\n- cascade costs the same")


def test_json_document(source: ScenarioSource) -> None:
    found = find_breakeven(source, "cascade", "strategies.cascade.accept.light", against="all-heavy")
    assert breakeven_document(found) | {"routecli_version": None} == {
        "schema_version": 1,
        "kind": "breakeven",
        "routecli_version": None,
        "scenario": "levers",
        "strategy": "cascade",
        "against": "all-heavy",
        "quality_floor": None,
        "parameter": "strategies.cascade.accept.light",
        "range": ["0", "1"],
        "current": "0.8",
        "method": "linear",
        "crossings": [{"value": "0.3", "direction": "falling"}],
        "gap_at_low": "180",
        "gap_at_high": "-420",
        "gap": "cost difference in USD a month",
        "notes": [],
    }


# ------------------------------------------------------------------ search

THREE_STEPS = """\
name: judged
traffic: {requests_per_month: 1000, input_tokens: 1000, output_tokens: 100}
models:
  small: {price: {input_per_mtok: 1, output_per_mtok: 5}, quality: 0.6}
  mid: {price: {input_per_mtok: 2, output_per_mtok: 10}, quality: 0.8}
  large: {price: {input_per_mtok: 4, output_per_mtok: 20}, quality: 0.95}
strategies:
  - {name: all-large, type: single, model: large}
  - name: judged
    type: cascade
    chain: [small, mid, large]
    evaluator: {tpr: 0.9, fpr: 0.1}
"""


def test_quality_floor_under_tpr_is_found_by_search(tmp_path: Path) -> None:
    # With tpr t and fpr 0.1, a step of quality q passes on r(q) = 1 − q·t − (1 − q)·0.1 and keeps good q·t:
    #   r1 = 1 − 0.6t − 0.04 = 0.96 − 0.6t,  r2 = 1 − 0.8t − 0.02 = 0.98 − 0.8t
    #   quality(t) = 0.6t + r1·(0.8t + r2·0.95) = 0.6t + (0.96 − 0.6t)(0.931 + 0.04t)
    #              = 0.89376 + 0.0798t − 0.024t²       (t enters twice: not linear)
    # quality(t) = 0.93 ⇔ 0.024t² − 0.0798t + 0.03624 = 0 ⇔ t = (0.0798 − √(0.0798² − 4·0.024·0.03624)) / 0.048
    source = source_of(tmp_path, THREE_STEPS)
    found = find_breakeven(source, "judged", "strategies.judged.evaluator.tpr", quality_floor=D("0.93"))
    root = (0.0798 - math.sqrt(0.0798**2 - 4 * 0.024 * 0.03624)) / 0.048
    assert found.method == "search"
    assert breakeven_document(found)["gap"] == "quality minus the floor"
    assert len(found.crossings) == 1
    assert float(found.crossings[0].value) == pytest.approx(root, abs=1e-9)
    assert found.crossings[0].rising
    # the ends: quality(0) − 0.93 = −0.03624;  quality(1) − 0.93 = 0.89376 + 0.0798 − 0.024 − 0.93 = 0.01956
    assert (found.gap_low, found.gap_high) == (D("-0.03624"), D("0.01956"))
    assert breakeven_lines(found)[0] == (
        f"judged reaches a quality of 0.93 at strategies.judged.evaluator.tpr = {found.crossings[0].value:.6g} "
        "(found by search); it meets the floor above it."
    )


def test_cost_of_a_three_step_chain_under_tpr_matches_bisection(tmp_path: Path) -> None:
    # cost(t) = c_small + r1·(c_mid + r2·c_large), against all-large at c_large = 0.006
    source = source_of(tmp_path, THREE_STEPS)
    found = find_breakeven(source, "judged", "strategies.judged.evaluator.tpr", against="all-large")

    def gap(t: float) -> float:
        r1, r2 = 0.96 - 0.6 * t, 0.98 - 0.8 * t
        return 0.0015 + r1 * (0.003 + r2 * 0.006) - 0.006

    assert found.method == "search"
    (crossing,) = found.crossings
    assert float(crossing.value) == pytest.approx(bisect(gap, 0.0, 1.0), abs=1e-9)
    assert not crossing.rising
    # g(0) = (0.0015 + 0.96 × 0.00888 − 0.006) × 1000 = 4.0248;  g(1) = (0.0015 + 0.36 × 0.00408 − 0.006) × 1000
    assert found.gap_low == D("4.0248")
    assert found.gap_high == D("-3.0312")


HYBRID = THREE_STEPS.replace(
    "traffic: {requests_per_month: 1000, input_tokens: 1000, output_tokens: 100}",
    "traffic:\n  requests_per_month: 1000\n  input_tokens: 1000\n  output_tokens: 100\n"
    "  segments: [{name: easy, share: 0.5}, {name: hard, share: 0.5}]",
).replace(
    "    type: cascade\n",
    "    type: hybrid\n    routes: {easy: small, hard: mid}\n",
)


def test_quality_floor_of_a_three_step_hybrid_matches_bisection(tmp_path: Path) -> None:
    # easy enters at small (r1 then r2 as above), hard at mid (perfect router):
    #   quality(t) = 0.5·(0.6t + r1·(0.8t + 0.95·r2)) + 0.5·(0.8t + 0.95·r2)
    source = source_of(tmp_path, HYBRID)
    found = find_breakeven(source, "judged", "strategies.judged.evaluator.tpr", quality_floor=D("0.925"))

    def quality(t: float) -> float:
        r1, r2 = 0.96 - 0.6 * t, 0.98 - 0.8 * t
        from_mid = 0.8 * t + 0.95 * r2
        return 0.5 * (0.6 * t + r1 * from_mid) + 0.5 * from_mid

    assert found.method == "search"
    (crossing,) = found.crossings
    assert float(crossing.value) == pytest.approx(bisect(lambda t: quality(t) - 0.925, 0.0, 1.0), abs=1e-9)
    assert float(found.gap_low) == pytest.approx(quality(0) - 0.925, abs=1e-15)


LONG_CONTEXT = """\
name: threshold
traffic: {requests_per_month: 1000000, input_tokens: 300, output_tokens: 0}
models:
  flat: {price: {input_per_mtok: 1.2, output_per_mtok: 1}}
  tiered:
    price:
      input_per_mtok: 1
      output_per_mtok: 1
      per_request: 0.0001
      long_context: {above_tokens: 1000, input_per_mtok: 1.5, output_per_mtok: 1}
strategies:
  - {name: all-flat, type: single, model: flat}
  - {name: all-tiered, type: single, model: tiered}
"""


def test_cost_crossing_the_long_context_threshold(tmp_path: Path) -> None:
    # per request, x prompt tokens: tiered − flat = 0.0001 + (1 − 1.2)·x/1e6 up to 1000 tokens: 0 at x = 500;
    # above 1000 the whole prompt is billed at 1.5: 0.0001 + 0.3·x/1e6 > 0, so the gap jumps back up at 1000
    source = source_of(tmp_path, LONG_CONTEXT)
    found = find_breakeven(source, "all-tiered", "traffic.input_tokens", against="all-flat")
    assert (found.low, found.high, found.current) == (D(0), D(3000), D(300))
    assert found.method == "search"
    falling, rising = found.crossings
    assert not falling.rising
    assert abs(falling.value - 500) < D("1e-6")
    assert rising.rising
    assert abs(rising.value - 1000) < D("1e-6")


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("strategy", "kwargs", "message"),
    [
        pytest.param(
            "all-heavy",
            {},
            "'all-heavy' is the scenario's baseline, the default --against: "
            "give --against STRATEGY or --quality-floor Q",
            id="neither-on-the-baseline",
        ),
        pytest.param(
            "cascade",
            {"against": "all-heavy", "quality_floor": D("0.9")},
            "give --against STRATEGY or --quality-floor Q, not both",
            id="both",
        ),
        pytest.param(
            "cascad",
            {"against": "all-heavy"},
            "unknown strategy 'cascad'; defined: all-heavy, routed, cascade",
            id="unknown-strategy",
        ),
        pytest.param(
            "cascade",
            {"against": "all-heavvy"},
            "unknown strategy 'all-heavvy'; defined: all-heavy, routed, cascade",
            id="unknown-against",
        ),
        pytest.param(
            "cascade", {"against": "cascade"}, "--against names 'cascade', the strategy itself", id="against-itself"
        ),
        pytest.param(
            "cascade",
            {"against": "all-heavy", "value_range": (D("0.6"), D("0.2"))},
            "--range: the high end 0.2 must be above the low end 0.6",
            id="range-reversed",
        ),
        pytest.param(
            "cascade",
            {"against": "all-heavy", "value_range": (D("0.5"), D("0.5"))},
            "--range: the high end 0.5 must be above the low end 0.5",
            id="range-empty",
        ),
        pytest.param(
            "cascade",
            {"against": "all-heavy", "value_range": (D(0), D(2))},
            "--range: 2 is outside what strategies.cascade.accept.light may be (0 to 1)",
            id="range-out-of-bounds",
        ),
    ],
)
def test_bad_question(source: ScenarioSource, strategy: str, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        find_breakeven(source, strategy, "strategies.cascade.accept.light", **kwargs)  # type: ignore[arg-type]
    assert str(caught.value) == message


def test_unbounded_parameter_without_a_value_needs_a_range(source: ScenarioSource) -> None:
    with pytest.raises(InvalidValueError) as caught:
        find_breakeven(source, "cascade", "models.heavy.price.cached_input_per_mtok", against="all-heavy")
    assert str(caught.value) == (
        "models.heavy.price.cached_input_per_mtok has no upper bound here: give --range LOW:HIGH"
    )


def test_quality_floor_needs_known_quality(tmp_path: Path) -> None:
    source = source_of(tmp_path, SCENARIO.replace(", quality: {easy: 0.9, hard: 0.5}", ""))
    with pytest.raises(InvalidValueError, match="strategy 'cascade' has no quality"):
        find_breakeven(source, "cascade", "strategies.cascade.accept.light", quality_floor=D("0.9"))


def test_bad_path(source: ScenarioSource) -> None:
    with pytest.raises(InvalidValueError, match="strategies has no item named 'nope'"):
        find_breakeven(source, "cascade", "strategies.nope.x", against="all-heavy")


def test_a_parameter_of_a_third_strategy(source: ScenarioSource) -> None:
    # routed is in the file; the error must not claim it is not (the pair solved for leaves it out)
    with pytest.raises(InvalidValueError) as caught:
        find_breakeven(source, "cascade", "strategies.routed.router.accuracy", against="all-heavy")
    assert "routed" in str(caught.value)
    assert "no item named 'routed'" not in str(caught.value)


def test_an_error_while_solving_points_at_the_strategys_own_line(tmp_path: Path) -> None:
    # cached_share + write_share may not exceed 1, so solving over cached_share 0 … 1 fails at 1; the error
    # must name the cascade (strategies[2], its line in the file), not the item at its index among the pair
    text = SCENARIO.replace(
        "    evaluator: {cost_per_request: 0.0003}\n",
        "    evaluator: {cost_per_request: 0.0003}\n    prompt_caching: {cached_share: 0.5, write_share: 0.2}\n",
    )
    source = source_of(tmp_path, text)
    with pytest.raises(InputError) as caught:
        find_breakeven(source, "cascade", "strategies.cascade.prompt_caching.cached_share", against="all-heavy")
    line = next(n for n, row in enumerate(text.splitlines(), start=1) if "prompt_caching" in row)
    assert str(caught.value).startswith(f"{tmp_path / 'levers.yaml'}:{line}: strategies[2].prompt_caching: ")


# ----------------------------------------------------------------- insights


def test_insights_say_where_savings_stop(source: ScenarioSource) -> None:
    result = simulate(source.build())
    assert insights(source, result) == (
        "routed stops saving below 50.0% router accuracy",
        "cascade stops saving once light accepts fewer than 30.0% of requests",
    )


def test_insight_for_a_strategy_that_does_not_save_yet(tmp_path: Path) -> None:
    source = source_of(tmp_path, SCENARIO.replace("accept: {light: 0.8}", "accept: {light: 0.2}"))
    assert insights(source, simulate(source.build()))[1] == (
        "cascade would start saving once light accepts more than 30.0% of requests"
    )


def test_insights_without_a_crossing(tmp_path: Path) -> None:
    # no router cost: routed costs (c1 − c2)(0.2 + 0.6p) less than all-heavy, below zero for every p;
    # a cascade light → mid costs at most c1 + e + c_mid = 0.0015 + 0.0003 + 0.003 = 0.0048 < 0.006
    text = SCENARIO.replace(", cost_per_request: 0.00225", "").replace(
        "  heavy:", "  mid: {price: {input_per_mtok: 2, output_per_mtok: 10}, quality: 0.8}\n  heavy:"
    )
    text = text.replace("chain: [light, heavy]", "chain: [light, mid]")
    source = source_of(tmp_path, text)
    assert insights(source, simulate(source.build())) == (
        "routed saves against all-heavy at any router accuracy",
        "cascade saves against all-heavy whatever share light accepts",
    )


def test_insight_on_the_evaluators_tpr(tmp_path: Path) -> None:
    source = source_of(tmp_path, THREE_STEPS)
    (line,) = insights(source, simulate(source.build()))
    # at tpr 0.9 the cascade costs 0.0015 + 0.42 × (0.003 + 0.26 × 0.006) = 0.0034152 < 0.006: it saves
    assert line.startswith("judged stops saving once the evaluator accepts fewer than ")
    assert line.endswith("% of good answers (tpr)")


def test_insights_skip_strategies_without_a_lever(tmp_path: Path) -> None:
    text = SCENARIO.replace(
        "router: {accuracy: 0.9, cost_per_request: 0.00225}",
        "router: {confusion: {easy: {light: 1}, hard: {heavy: 1}}}",
    )
    text = text.replace(
        "  - {name: all-heavy, type: single, model: heavy}\n",
        "  - {name: all-heavy, type: single, model: heavy}\n  - {name: all-light, type: single, model: light}\n",
    )
    source = source_of(tmp_path, text)
    assert insights(source, simulate(source.build())) == (
        "cascade stops saving once light accepts fewer than 30.0% of requests",
    )


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param("light", "gpt-4.1", id="tier-name-with-a-dot"),
        pytest.param("name: cascade", "name: cascade v1.2", id="strategy-name-with-a-dot"),
    ],
)
def test_insights_survive_names_with_dots(tmp_path: Path, old: str, new: str) -> None:
    # Names are the user's: "gpt-4.1" is a natural tier name. simulate must not fail on a valid scenario
    # because the insight's key path splits the name at its dot.
    source = source_of(tmp_path, SCENARIO.replace(old, new))
    result = simulate(source.build())
    lines = insights(source, result)
    assert lines[0] == "routed stops saving below 50.0% router accuracy"


def test_an_insight_between_equal_costs_says_so(tmp_path: Path) -> None:
    """Two free tiers: the cascade neither saves nor costs more, whatever its first step accepts."""
    text = """\
name: free
traffic: {requests_per_month: 1000, input_tokens: 100, output_tokens: 10}
models:
  a: {price: {input_per_mtok: 0, output_per_mtok: 0}}
  b: {price: {input_per_mtok: 0, output_per_mtok: 0}}
strategies:
  - {name: base, type: single, model: b}
  - {name: casc, type: cascade, chain: [a, b], accept: {a: 0.5}}
"""
    scenario = source_of(tmp_path, text, "free.yaml")
    assert insights(scenario, simulate(scenario.build())) == ("casc costs the same as base whatever share a accepts",)
