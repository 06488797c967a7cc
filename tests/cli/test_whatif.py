"""``routecli sweep``, ``routecli breakeven`` and the insights under ``simulate``'s table, as a user meets them.

Scenario prices as in test_breakeven.py: light $0.0015 and heavy $0.006 per call, 100,000 requests, so the
cascade (evaluator $0.0003) costs (0.0018 + (1 − a) × 0.006) × 1e5 and breaks even with all-heavy at a = 0.3.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from routecli.cli import app
from tests.helpers.cli import ok, refused
from tests.helpers.files import write
from tests.helpers.scenarios import LEVERS

SCENARIO = LEVERS

ACCEPT = "strategies.cascade.accept.light"


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    return write(tmp_path / "levers.yaml", SCENARIO)


def words(text: str) -> str:
    """Terminal output with its line wrapping undone."""
    return " ".join(text.split())


# -------------------------------------------------------------------- sweep


def test_sweep_table(scenario: Path) -> None:
    out = ok("sweep", str(scenario), "--vary", f"{ACCEPT}=0.5,0.8")
    assert "by strategies.cascade.accept.light" in words(out)
    assert "$480.00" in out  # cascade at 0.5
    assert "$300.00" in out  # cascade at 0.8
    assert "Savings against the baseline, all-heavy." in words(out)


def test_sweep_json(scenario: Path) -> None:
    document = json.loads(ok("sweep", str(scenario), "--vary", f"{ACCEPT}=0.2:0.8:0.3", "-f", "json"))
    assert document["kind"] == "sweep"
    assert document["parameters"] == [{"path": ACCEPT, "values": ["0.2", "0.5", "0.8"]}]
    assert [point["strategies"][2]["monthly_cost"] for point in document["points"]] == ["660", "480", "300"]


def test_sweep_csv_to_a_file_by_its_suffix(scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "grid.csv"
    assert (
        ok(
            "sweep",
            str(scenario),
            "--vary",
            "traffic.segments.easy.share=0.5:0.8:0.1",
            "--vary",
            "strategies.routed.router.accuracy=0.5,1",
            "--output",
            str(out),
        )
        == ""
    )
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 4 * 2 * 3  # 4 shares × 2 accuracies × 3 strategies
    assert list(rows[0])[:3] == ["traffic.segments.easy.share", "strategies.routed.router.accuracy", "strategy"]
    last = rows[-1]
    assert (last["traffic.segments.easy.share"], last["strategies.routed.router.accuracy"]) == ("0.8", "1")


def test_sweep_grid_table_for_a_chosen_strategy(scenario: Path) -> None:
    out = ok(
        "sweep",
        str(scenario),
        "--vary",
        "traffic.segments.easy.share=0.5,0.8",
        "--vary",
        "strategies.routed.router.accuracy=0.5,1",
        "--strategy",
        "cascade",
    )
    assert "cascade: monthly cost" in out
    assert "routed: monthly cost" not in out


@pytest.mark.parametrize(
    ("vary", "message"),
    [
        pytest.param(
            [f"{ACCEPT}"], f"--vary '{ACCEPT}': expected PATH=START:STOP:STEP or PATH=V1,V2,...", id="no-values"
        ),
        pytest.param(
            [f"{ACCEPT}=0:1"], f"--vary '{ACCEPT}=0:1': expected START:STOP:STEP, three numbers", id="two-bounds"
        ),
        pytest.param([f"{ACCEPT}=0:1:0"], f"--vary '{ACCEPT}=0:1:0': the step must be above 0", id="zero-step"),
        pytest.param([f"{ACCEPT}=x:1:0.1"], f"--vary {ACCEPT}=x:1:0.1: start 'x' is not a number", id="not-a-number"),
        pytest.param(
            [f"{ACCEPT}=0:1:0.00001"], f"--vary '{ACCEPT}=0:1:0.00001': 100,001 values; at most 10,000", id="too-many"
        ),
        pytest.param(
            ["strategies.routed.router.accuracy=0:1:0.01", f"{ACCEPT}=0:0.99:0.01"],
            "the sweep has 10,100 points; at most 10,000",
            id="grid-too-large",
        ),
        pytest.param(
            ["strategies.nope.x=1"],
            "parameter 'strategies.nope.x': strategies has no item named 'nope'; names: all-heavy, routed, cascade",
            id="unknown-strategy-in-path",
        ),
        pytest.param(
            ["strategies.cascad.accept.light=1"],
            "parameter 'strategies.cascad.accept.light': strategies has no item named 'cascad'; "
            "did you mean 'cascade'?",
            id="path-suggestion",
        ),
        pytest.param(
            ["strategies.cascade.accept=1"],
            "parameter 'strategies.cascade.accept': is not a number but a mapping; vary one of its keys (light)",
            id="mapping-path",
        ),
        pytest.param(["a=1", "b=1", "c=1"], "give one or two --vary options, not 3", id="three-axes"),
        pytest.param([f"{ACCEPT}=0.5", f"{ACCEPT}=0.6"], f"--vary names '{ACCEPT}' twice", id="same-path-twice"),
    ],
)
def test_sweep_usage_errors(scenario: Path, vary: list[str], message: str) -> None:
    args = [arg for spec in vary for arg in ("--vary", spec)]
    assert refused("sweep", str(scenario), *args) == message


def test_sweep_value_out_of_bounds_names_path_value_and_line(scenario: Path) -> None:
    # accept: {light: 0.8} is on line 21
    assert refused("sweep", str(scenario), "--vary", f"{ACCEPT}=0.8:1.2:0.2") == (
        f"{scenario}:21: strategies[2].accept.light: with {ACCEPT} = 1.2: expected a probability from 0 to 1, got 1.2"
    )


def test_sweep_share_of_the_only_segment(tmp_path: Path) -> None:
    text = (
        SCENARIO.replace(
            "    - {name: easy, share: 0.8}\n    - {name: hard, share: 0.2}\n", "    - {name: all, share: 1}\n"
        )
        .replace("{easy: 0.9, hard: 0.5}", "0.9")
        .replace("routes: {easy: light, hard: heavy}", "routes: {all: light}")
    )
    path = write(tmp_path / "one.yaml", text)
    assert refused("sweep", str(path), "--vary", "traffic.segments.all.share=0.5,1") == (
        "parameter 'traffic.segments.all.share': the shares set add up to 0.5, not 1, "
        "and there is no other segment to make up the rest"
    )


def test_sweep_unknown_focus_strategy(scenario: Path) -> None:
    assert refused("sweep", str(scenario), "--vary", f"{ACCEPT}=0.5", "-s", "nope") == (
        "--strategy: unknown strategy 'nope'; defined: all-heavy, routed, cascade"
    )


def test_sweep_without_vary_is_a_usage_error(runner: CliRunner, scenario: Path) -> None:
    result = runner.invoke(app, ["sweep", str(scenario)])
    assert result.exit_code == 2
    assert "Missing option '--vary'" in result.stderr


def test_sweep_of_a_missing_scenario(tmp_path: Path) -> None:
    assert refused("sweep", str(tmp_path / "nope.yaml"), "--vary", f"{ACCEPT}=1") == (
        f"{tmp_path / 'nope.yaml'}: scenario file not found"
    )


def test_sweep_of_a_misspelt_model_tier_is_an_error(scenario: Path) -> None:
    # "heavvy" is no tier: sweeping it must not silently add an unused tier and print a flat table
    message = refused("sweep", str(scenario), "--vary", "models.heavvy.price.input_per_mtok=1,2")
    assert "heavvy" in message
    assert "heavy" in message.replace("heavvy", "")


# ---------------------------------------------------------------- breakeven


def test_breakeven_table(scenario: Path) -> None:
    out = ok("breakeven", str(scenario), "--strategy", "cascade", "--against", "all-heavy", "--param", ACCEPT)
    assert words(out) == words(
        "cascade costs the same as all-heavy at strategies.cascade.accept.light = 0.3 (solved exactly: linear in it); "
        "it saves above that value.\n"
        "The scenario has 0.8. Searched 0 to 1: at strategies.cascade.accept.light = 0, cascade costs $180.00 a month "
        "more than all-heavy; at 1, cascade saves $420.00 a month against all-heavy."
    )


def test_breakeven_json(scenario: Path) -> None:
    document = json.loads(
        ok(
            "breakeven",
            str(scenario),
            "-s",
            "routed",
            "-a",
            "all-heavy",
            "-p",
            "strategies.routed.router.accuracy",
            "-f",
            "json",
        )
    )
    assert (document["kind"], document["method"]) == ("breakeven", "linear")
    assert document["crossings"] == [{"value": "0.5", "direction": "falling"}]


def test_breakeven_markdown_and_csv(scenario: Path) -> None:
    args = ["breakeven", str(scenario), "-s", "cascade", "-a", "all-heavy", "-p", ACCEPT]
    assert ok(*args, "-f", "markdown").startswith("## levers: break-even of cascade\n\n- cascade costs")
    rows = list(csv.DictReader(io.StringIO(ok(*args, "-f", "csv"))))
    assert rows == [
        {
            "strategy": "cascade",
            "against": "all-heavy",
            "quality_floor": "",
            "parameter": ACCEPT,
            "value": "0.3",
            "direction": "falling",
            "method": "linear",
        }
    ]


def test_breakeven_quality_floor(scenario: Path) -> None:
    # quality(a) = a × 0.82 + (1 − a) × 0.95 = 0.95 − 0.13a = 0.9 at a = 0.05/0.13 ≈ 0.384615
    out = ok("breakeven", str(scenario), "-s", "cascade", "-q", "0.9", "-p", ACCEPT)
    assert words(out).startswith(
        "cascade reaches a quality of 0.9 at strategies.cascade.accept.light = 0.384615 (solved exactly: linear in it);"
        " it meets the floor below it."
    )


def test_breakeven_without_a_crossing_says_so(scenario: Path) -> None:
    out = ok("breakeven", str(scenario), "-s", "cascade", "-a", "all-heavy", "-p", ACCEPT, "--range", "0.5:1")
    assert words(out) == (
        "No break-even between 0.5 and 1: at strategies.cascade.accept.light = 0.5, cascade saves $120.00 a month "
        "against all-heavy; at 1, cascade saves $420.00 a month against all-heavy."
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["-s", "cascade", "-a", "cascade", "-p", ACCEPT],
            "--against names 'cascade', the strategy itself",
            id="against-itself",
        ),
        pytest.param(
            ["-s", "cascde", "-a", "all-heavy", "-p", ACCEPT],
            "unknown strategy 'cascde'; defined: all-heavy, routed, cascade",
            id="unknown-strategy",
        ),
        pytest.param(
            ["-s", "cascade", "-p", ACCEPT],
            "give --against STRATEGY or --quality-floor Q (one of them)",
            id="neither-against-nor-floor",
        ),
        pytest.param(
            ["-s", "cascade", "-a", "all-heavy", "-p", ACCEPT, "--range", "0.5"],
            "--range '0.5': expected LOW:HIGH, e.g. 0:1",
            id="range-without-colon",
        ),
        pytest.param(
            ["-s", "cascade", "-a", "all-heavy", "-p", ACCEPT, "--range", "low:1"],
            "--range 'low:1': expected LOW:HIGH, e.g. 0:1",
            id="range-not-a-number",
        ),
        pytest.param(
            ["-s", "cascade", "-a", "all-heavy", "-p", ACCEPT, "--range", "1:0"],
            "--range: the high end 0 must be above the low end 1",
            id="range-reversed",
        ),
        pytest.param(
            ["-s", "cascade", "-a", "all-heavy", "-p", ACCEPT, "--range", "0:1.5"],
            f"--range: 1.5 is outside what {ACCEPT} may be (0 to 1)",
            id="range-out-of-bounds",
        ),
        pytest.param(
            ["-s", "cascade", "-a", "all-heavy", "-p", "strategies.cascade.acept.light"],
            "parameter 'strategies.cascade.acept.light': strategies.cascade has no key 'acept'; did you mean 'accept'?",
            id="bad-path",
        ),
        pytest.param(
            ["-s", "cascade", "-a", "all-heavy", "-p", "strategies.cascade.accept"],
            "parameter 'strategies.cascade.accept': is not a number but a mapping; vary one of its keys (light)",
            id="mapping-path",
        ),
        pytest.param(
            ["-s", "cascade", "-a", "all-heavy", "-p", "models.heavy.price.cached_input_per_mtok"],
            "models.heavy.price.cached_input_per_mtok has no upper bound here: give --range LOW:HIGH",
            id="no-upper-bound",
        ),
    ],
)
def test_breakeven_usage_errors(scenario: Path, args: list[str], message: str) -> None:
    assert refused("breakeven", str(scenario), *args) == message


@pytest.mark.parametrize("bad", ["0:nan", "nan:1", "snan:1"])
def test_breakeven_range_that_is_not_a_number(scenario: Path, bad: str) -> None:
    # Decimal("nan") parses; comparing it raises decimal.InvalidOperation, which must not escape as a traceback
    message = refused("breakeven", str(scenario), "-s", "cascade", "-a", "all-heavy", "-p", ACCEPT, "--range", bad)
    assert message.startswith(f"--range {bad!r}")


def test_breakeven_quality_floor_that_is_not_a_number(scenario: Path) -> None:
    message = refused("breakeven", str(scenario), "-s", "cascade", "-q", "nan", "-p", ACCEPT)
    assert "--quality-floor" in message


# --------------------------------------------------------- simulate insights


def test_simulate_prints_insights_under_the_table(scenario: Path) -> None:
    out = ok("simulate", str(scenario))
    assert "→ routed stops saving below 50.0% router accuracy" in out
    assert "→ cascade stops saving once light accepts fewer than 30.0% of requests" in out
    assert out.index("Monthly cost") < out.index("→ routed")


def test_simulate_json_has_the_insights(scenario: Path) -> None:
    report = json.loads(ok("simulate", str(scenario), "-f", "json"))
    assert report["insights"] == [
        "routed stops saving below 50.0% router accuracy",
        "cascade stops saving once light accepts fewer than 30.0% of requests",
    ]


def test_simulate_markdown_has_the_insights(scenario: Path) -> None:
    assert "- cascade stops saving once light accepts fewer than 30.0% of requests" in ok(
        "simulate", str(scenario), "-f", "markdown"
    )


def test_simulate_a_scenario_whose_tier_name_has_a_dot(tmp_path: Path) -> None:
    path = write(tmp_path / "dotted.yaml", SCENARIO.replace("light", "gpt-4.1"))
    out = ok("simulate", str(path))
    assert "cascade" in out


def test_breakeven_as_html(scenario: Path, tmp_path: Path) -> None:
    page = tmp_path / "answer.html"
    ok(
        "breakeven",
        str(scenario),
        "-s",
        "cascade",
        "-a",
        "all-heavy",
        "-p",
        "strategies.cascade.accept.light",
        "-o",
        str(page),
    )
    text = page.read_text()
    assert text.startswith("<!DOCTYPE html>")
    assert "Break-even of cascade" in text
    assert "costs the same as all-heavy" in text
