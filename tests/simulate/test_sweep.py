"""Sweeps: the values a --vary spec gives, and the scenario simulated once per value (or pair of values).

The scenario below prices one call, at 1000 input and 100 output tokens, at

    light: 1000×1 + 100×5  = 1500  → $0.0015
    heavy: 1000×4 + 100×20 = 6000  → $0.006

for 100,000 requests a month, so all-heavy costs 0.006 × 100,000 = $600 and

    cascade(a) = 0.0015 + 0.0003 (evaluator) + (1 − a) × 0.006            per request
    routed(s, p) = 0.00225 (router) + s(p·0.0015 + (1 − p)·0.006) + (1 − s)(p·0.006 + (1 − p)·0.0015)

with a the share light accepts, s the share of easy requests and p the router's accuracy.
"""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from routecli.errors import InvalidValueError
from routecli.render.sweep_report import sweep_csv, sweep_document, sweep_grids, sweep_json, sweep_markdown
from routecli.simulate.scenario_file import ScenarioSource, read_scenario
from routecli.simulate.sweep import MAX_POINTS, parse_values, run_sweep
from tests.helpers.files import write
from tests.helpers.scenarios import LEVERS

D = Decimal

SCENARIO = LEVERS.replace("name: levers", "name: sweep", 1)


@pytest.fixture
def source(tmp_path: Path) -> ScenarioSource:
    return read_scenario(write(tmp_path / "sweep.yaml", SCENARIO))


def line_of(text: str) -> int:
    return next(number for number, line in enumerate(SCENARIO.splitlines(), start=1) if text in line)


# -------------------------------------------------------------- parse_values


def test_range_is_exact_and_includes_the_stop() -> None:
    path, values = parse_values("strategies.cascade.accept.light=0.5:1.0:0.05")
    assert path == "strategies.cascade.accept.light"
    assert len(values) == 11
    assert values == tuple(D("0.5") + D("0.05") * index for index in range(11))
    assert (values[0], values[7], values[-1]) == (D("0.50"), D("0.85"), D("1.00"))
    assert [str(value) for value in values[:3]] == ["0.50", "0.55", "0.60"]  # no binary drift: 0.55, not 0.5500000001


def test_range_stops_before_an_overshooting_step() -> None:
    assert parse_values("x=0:1:0.3")[1] == (D(0), D("0.3"), D("0.6"), D("0.9"))
    assert parse_values("x=2:2:1")[1] == (D(2),)


def test_list_of_values_keeps_its_order() -> None:
    assert parse_values(" x = 0.9, 0.1 ,0.5") == ("x", (D("0.9"), D("0.1"), D("0.5")))


def test_at_most_max_points_values() -> None:
    assert len(parse_values(f"x=1:{MAX_POINTS}:1")[1]) == MAX_POINTS
    with pytest.raises(InvalidValueError) as caught:
        parse_values(f"x=1:{MAX_POINTS + 1}:1")
    assert str(caught.value) == f"--vary 'x=1:{MAX_POINTS + 1}:1': 10,001 values; at most 10,000"


def test_a_share_takes_percentages() -> None:
    assert parse_values("x=40%:60%:10%", share=True)[1] == (D("0.4"), D("0.5"), D("0.6"))
    assert parse_values("x=40%,0.5", share=True)[1] == (D("0.4"), D("0.5"))


def test_a_number_that_is_not_a_share_refuses_percentages() -> None:
    with pytest.raises(InvalidValueError) as caught:
        parse_values("x=1,40%")
    assert str(caught.value) == (
        "--vary x=1,40%: x is not a share, so it takes no percentage (40%): write its value as in the scenario file"
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        pytest.param("x", "--vary 'x': expected PATH=START:STOP:STEP or PATH=V1,V2,...", id="no-equals"),
        pytest.param("=0:1:0.1", "--vary '=0:1:0.1': expected PATH=START:STOP:STEP", id="no-path"),
        pytest.param("x=", "--vary 'x=': expected PATH=START:STOP:STEP", id="no-values"),
        pytest.param("x=0:1", "--vary 'x=0:1': expected START:STOP:STEP, three numbers", id="two-bounds"),
        pytest.param("x=0:1:0.1:2", "expected START:STOP:STEP, three numbers", id="four-bounds"),
        pytest.param("x=a:1:0.1", "start 'a' is not a number", id="start-not-a-number"),
        pytest.param("x=0:inf:1", "stop 'inf' is not a number", id="infinite-stop"),
        pytest.param("x=0:1:0", "--vary 'x=0:1:0': the step must be above 0", id="zero-step"),
        pytest.param("x=0:1:-0.1", "the step must be above 0", id="negative-step"),
        pytest.param("x=1:0:0.1", "--vary 'x=1:0:0.1': stop 0 is below start 1", id="stop-below-start"),
        pytest.param("x=0.1,,0.2", "value '' is not a number", id="empty-value"),
        pytest.param("x=0.1,nan", "value 'nan' is not a number", id="nan"),
        pytest.param("x=0:1:0.00001", "100,001 values; at most 10,000", id="too-many"),
    ],
)
def test_bad_vary_spec(spec: str, message: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        parse_values(spec)
    assert message in str(caught.value)
    assert str(caught.value).startswith("--vary ")


# ---------------------------------------------------------------- one axis


def test_one_axis_simulates_each_value(source: ScenarioSource) -> None:
    sweep = run_sweep(source, [parse_values("strategies.cascade.accept.light=0.2,0.5,0.8")])
    assert [point.values for point in sweep.points] == [(D("0.2"),), (D("0.5"),), (D("0.8"),)]
    assert [axis.path for axis in sweep.axes] == ["strategies.cascade.accept.light"]
    assert sweep.strategies == ("all-heavy", "routed", "cascade")
    assert (sweep.scenario, sweep.baseline, sweep.currency) == ("sweep", "all-heavy", "USD")
    # cascade: (0.0018 + 0.8 × 0.006) × 1e5 = 660;  (0.0018 + 0.003) × 1e5 = 480;  (0.0018 + 0.0012) × 1e5 = 300
    costs = [point.result.strategy("cascade").monthly_cost for point in sweep.points]
    assert costs == [D(660), D(480), D(300)]
    # savings against all-heavy's $600: −60, 120, 300
    assert [point.result.strategy("cascade").savings_vs_baseline for point in sweep.points] == [D(-60), D(120), D(300)]
    # the other strategies do not move: routed = 0.00225 + 0.8 × 0.00195 + 0.2 × 0.00555 = 0.00492 → $492
    assert {point.result.strategy("routed").monthly_cost for point in sweep.points} == {D(492)}
    assert {point.result.strategy("all-heavy").monthly_cost for point in sweep.points} == {D(600)}
    assert sweep.focus == ("cascade",)
    assert sweep.notes == ()


def test_quality_follows_the_acceptance(source: ScenarioSource) -> None:
    sweep = run_sweep(source, [parse_values("strategies.cascade.accept.light=0.8")])
    # light's quality over the mix: 0.8 × 0.9 + 0.2 × 0.5 = 0.82; cascade = 0.8 × 0.82 + 0.2 × 0.95 = 0.846
    assert sweep.points[0].result.strategy("cascade").quality == D("0.846")


def test_share_sweep_rescales_the_other_segment(source: ScenarioSource) -> None:
    sweep = run_sweep(source, [parse_values("traffic.segments.easy.share=0.5,0.8")])
    # routed at s = 0.5: 0.00225 + 0.5 × 0.00195 + 0.5 × 0.00555 = 0.006 → $600; at 0.8: $492
    assert [point.result.strategy("routed").monthly_cost for point in sweep.points] == [D(600), D(492)]
    assert sweep.notes == (
        "traffic.segments.easy.share varies; the other segments' shares rescale in proportion so all shares "
        "still sum to 1",
    )
    assert sweep.focus == ("routed", "cascade")  # not one strategy's parameter: all but the baseline


def test_per_segment_value_note(source: ScenarioSource, tmp_path: Path) -> None:
    text = SCENARIO.replace("accept: {light: 0.8}", "accept: {light: {easy: 0.9, hard: 0.4}}")
    varied = read_scenario(write(tmp_path / "per-segment.yaml", text))
    sweep = run_sweep(varied, [parse_values("strategies.cascade.accept.light=0.8")])
    assert sweep.notes == (
        "strategies.cascade.accept.light is one value for every segment here (the file gives easy 0.9, hard 0.4)",
    )
    assert sweep.points[0].result.strategy("cascade").monthly_cost == D(300)  # as accept 0.8 for both


def test_focus_is_chosen_explicitly(source: ScenarioSource) -> None:
    sweep = run_sweep(source, [parse_values("strategies.cascade.accept.light=0.8")], ["routed", "routed", "cascade"])
    assert sweep.focus == ("routed", "cascade")


def test_unknown_focus_strategy(source: ScenarioSource) -> None:
    with pytest.raises(InvalidValueError) as caught:
        run_sweep(source, [parse_values("strategies.cascade.accept.light=0.8")], ["cascad"])
    assert str(caught.value) == "--strategy: unknown strategy 'cascad'; defined: all-heavy, routed, cascade"


# --------------------------------------------------------------- two axes


def test_two_axes_are_a_row_major_grid(source: ScenarioSource) -> None:
    sweep = run_sweep(
        source,
        [parse_values("traffic.segments.easy.share=0.5,0.8"), parse_values("strategies.routed.router.accuracy=0.5,1")],
    )
    assert [point.values for point in sweep.points] == [
        (D("0.5"), D("0.5")),
        (D("0.5"), D(1)),
        (D("0.8"), D("0.5")),
        (D("0.8"), D(1)),
    ]
    # routed(s, p): s = 0.5 gives 0.00225 + 0.00375 = 0.006 whatever p; (0.8, 0.5) likewise;
    # (0.8, 1): 0.00225 + 0.8 × 0.0015 + 0.2 × 0.006 = 0.00225 + 0.0012 + 0.0012 = 0.00465 → $465
    assert [point.result.strategy("routed").monthly_cost for point in sweep.points] == [D(600), D(600), D(600), D(465)]
    grid = sweep.grid()
    assert [[point.values for point in row] for row in grid] == [
        [(D("0.5"), D("0.5")), (D("0.5"), D(1))],
        [(D("0.8"), D("0.5")), (D("0.8"), D(1))],
    ]
    assert sweep.focus == ("routed",)


def test_grids_per_focus_strategy(source: ScenarioSource) -> None:
    sweep = run_sweep(
        source,
        [parse_values("traffic.segments.easy.share=0.5,0.8"), parse_values("strategies.routed.router.accuracy=0.5,1")],
    )
    (cost_title, headers, costs), (savings_title, _, savings) = sweep_grids(sweep)
    axes = "(rows: traffic.segments.easy.share; columns: strategies.routed.router.accuracy)"
    assert cost_title == f"routed: monthly cost {axes}"
    assert savings_title == f"routed: savings vs all-heavy {axes}"
    assert headers == ["", "0.5", "1"]
    assert costs == [["0.5", "$600.00", "$600.00"], ["0.8", "$600.00", "$465.00"]]
    # (600 − 465) / 600 = 22.5%
    assert savings == [["0.5", "0.0%", "0.0%"], ["0.8", "0.0%", "22.5%"]]


def test_the_same_path_twice(source: ScenarioSource) -> None:
    with pytest.raises(InvalidValueError, match=re.escape("--vary names 'strategies.routed.router.accuracy' twice")):
        run_sweep(
            source,
            [
                parse_values("strategies.routed.router.accuracy=0.5"),
                parse_values("strategies.routed.router.accuracy=0.6"),
            ],
        )


@pytest.mark.parametrize("count", [0, 3])
def test_one_or_two_axes(source: ScenarioSource, count: int) -> None:
    with pytest.raises(InvalidValueError) as caught:
        run_sweep(source, [parse_values(f"traffic.input_tokens={index}") for index in range(count)])
    assert str(caught.value) == f"give one or two --vary options, not {count}"


def test_too_many_points_in_a_grid(source: ScenarioSource) -> None:
    varied = [
        parse_values("strategies.routed.router.accuracy=0:1:0.01"),  # 101 values
        parse_values("strategies.cascade.accept.light=0:0.99:0.01"),  # 100 values
    ]
    with pytest.raises(InvalidValueError) as caught:
        run_sweep(source, varied)
    assert str(caught.value) == "the sweep has 10,100 points; at most 10,000"


def test_value_out_of_bounds_names_path_value_and_line(source: ScenarioSource, tmp_path: Path) -> None:
    with pytest.raises(InvalidValueError) as caught:
        run_sweep(source, [parse_values("strategies.cascade.accept.light=0.8:1.2:0.2")])
    assert str(caught.value) == (
        f"{tmp_path / 'sweep.yaml'}:{line_of('accept: {light: 0.8}')}: strategies[2].accept.light: "
        "with strategies.cascade.accept.light = 1.2: expected a probability from 0 to 1 or a percentage like 95%, "
        "got 1.2"
    )


def test_bad_path_in_a_sweep(source: ScenarioSource) -> None:
    with pytest.raises(InvalidValueError, match="did you mean 'cascade'"):
        run_sweep(source, [parse_values("strategies.cascad.accept.light=0.5")])


# ----------------------------------------------------------------- reports


def test_json_document(source: ScenarioSource) -> None:
    sweep = run_sweep(source, [parse_values("strategies.cascade.accept.light=0.5,0.8")])
    document = json.loads(sweep_json(sweep))
    assert document == json.loads(json.dumps(sweep_document(sweep)))
    assert document["kind"] == "sweep"
    assert document["schema_version"] == 1
    assert (document["scenario"], document["currency"], document["baseline"]) == ("sweep", "USD", "all-heavy")
    assert document["parameters"] == [{"path": "strategies.cascade.accept.light", "values": ["0.5", "0.8"]}]
    assert document["focus"] == ["cascade"]
    assert document["notes"] == []
    assert [point["values"] for point in document["points"]] == [
        {"strategies.cascade.accept.light": "0.5"},
        {"strategies.cascade.accept.light": "0.8"},
    ]
    for point in document["points"]:
        assert [strategy["name"] for strategy in point["strategies"]] == ["all-heavy", "routed", "cascade"]
    assert [point["strategies"][2]["monthly_cost"] for point in document["points"]] == ["480", "300"]


def test_json_of_a_grid_names_both_values(source: ScenarioSource) -> None:
    sweep = run_sweep(
        source,
        [parse_values("traffic.segments.easy.share=0.5,0.8"), parse_values("strategies.routed.router.accuracy=1")],
    )
    document = sweep_document(sweep)
    assert [point["values"] for point in document["points"]] == [
        {"traffic.segments.easy.share": "0.5", "strategies.routed.router.accuracy": "1"},
        {"traffic.segments.easy.share": "0.8", "strategies.routed.router.accuracy": "1"},
    ]


def test_csv_has_a_row_per_point_and_strategy(source: ScenarioSource) -> None:
    sweep = run_sweep(
        source,
        [parse_values("traffic.segments.easy.share=0.5,0.8"), parse_values("strategies.routed.router.accuracy=0.5,1")],
    )
    text = sweep_csv(sweep)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "traffic.segments.easy.share",
        "strategies.routed.router.accuracy",
        "strategy",
        "monthly_cost",
        "savings_vs_baseline",
        "savings_vs_baseline_pct",
        "quality",
        "mean_latency_ms",
    ]
    assert len(rows) == 1 + 4 * 3
    assert rows[1][:4] == ["0.5", "0.5", "all-heavy", "600"]
    assert rows[-1][:5] == ["0.8", "1", "cascade", "300", "300"]
    assert rows[-2][:5] == ["0.8", "1", "routed", "465", "135"]


def test_markdown_of_one_axis_has_a_section_per_value(source: ScenarioSource) -> None:
    sweep = run_sweep(source, [parse_values("strategies.cascade.accept.light=0.5,0.8")])
    text = sweep_markdown(sweep)
    assert text.startswith("## sweep: sweep of strategies.cascade.accept.light\n")
    assert "### strategies.cascade.accept.light = 0.5" in text
    assert "### strategies.cascade.accept.light = 0.8" in text
    assert "| cascade | $480.00 | $120.00 (20.0%) |" in text


def test_markdown_of_two_axes_has_grids(source: ScenarioSource) -> None:
    sweep = run_sweep(
        source,
        [parse_values("traffic.segments.easy.share=0.5,0.8"), parse_values("strategies.routed.router.accuracy=0.5,1")],
    )
    text = sweep_markdown(sweep)
    assert "### routed: monthly cost (rows: traffic.segments.easy.share" in text
    assert "| 0.8 | $600.00 | $465.00 |" in text
    assert "_traffic.segments.easy.share varies; the other segments' shares rescale" in text
