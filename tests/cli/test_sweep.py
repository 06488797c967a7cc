"""``routecli sweep`` as a user meets it: tables, JSON, CSV, grids, and the errors of a bad ``--vary``.

The scenario is ``tests.helpers.scenarios.LEVERS``: light $0.0015 and heavy $0.006 per call, 100,000 requests,
the cascade's evaluator $0.0003.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from routecli.cli import app
from tests.helpers.cli import ok, refused, wrote
from tests.helpers.files import write
from tests.helpers.scenarios import LEVERS, LEVERS_ACCEPT
from tests.helpers.text import words

ACCEPT = LEVERS_ACCEPT


# -------------------------------------------------------------------- sweep


def test_sweep_table(levers: Path) -> None:
    out = ok("sweep", str(levers), "--vary", f"{ACCEPT}=0.5,0.8")
    assert "by strategies.cascade.accept.light" in words(out)
    assert "$480.00" in out  # cascade at 0.5
    assert "$300.00" in out  # cascade at 0.8
    assert "Savings against the baseline, all-heavy." in words(out)


def test_sweep_json(levers: Path) -> None:
    document = json.loads(ok("sweep", str(levers), "--vary", f"{ACCEPT}=0.2:0.8:0.3", "-f", "json"))
    assert document["kind"] == "sweep"
    assert document["parameters"] == [{"path": ACCEPT, "values": ["0.2", "0.5", "0.8"]}]
    assert [point["strategies"][2]["monthly_cost"] for point in document["points"]] == ["660", "480", "300"]


def test_sweep_csv_to_a_file_by_its_suffix(levers: Path, tmp_path: Path) -> None:
    out = tmp_path / "grid.csv"
    assert (
        wrote(
            [str(out)],
            "sweep",
            str(levers),
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


def test_sweep_grid_table_for_a_chosen_strategy(levers: Path) -> None:
    out = ok(
        "sweep",
        str(levers),
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
def test_sweep_usage_errors(levers: Path, vary: list[str], message: str) -> None:
    args = [arg for spec in vary for arg in ("--vary", spec)]
    assert refused("sweep", str(levers), *args) == message


def test_sweep_value_out_of_bounds_names_path_value_and_line(levers: Path) -> None:
    # accept: {light: 0.8} is on line 21
    assert refused("sweep", str(levers), "--vary", f"{ACCEPT}=0.8:1.2:0.2") == (
        f"{levers}:21: strategies[2].accept.light: with {ACCEPT} = 1.2: expected a probability from 0 to 1 "
        "or a percentage like 95%, got 1.2"
    )


def test_sweep_share_of_the_only_segment(tmp_path: Path) -> None:
    text = (
        LEVERS.replace(
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


def test_sweep_unknown_focus_strategy(levers: Path) -> None:
    assert refused("sweep", str(levers), "--vary", f"{ACCEPT}=0.5", "-s", "nope") == (
        "--strategy: unknown strategy 'nope'; defined: all-heavy, routed, cascade"
    )


def test_sweep_without_vary_is_a_usage_error(runner: CliRunner, levers: Path) -> None:
    result = runner.invoke(app, ["sweep", str(levers)])
    assert result.exit_code == 2
    assert "Missing option '--vary'" in result.stderr


def test_sweep_of_a_missing_scenario(tmp_path: Path) -> None:
    assert refused("sweep", str(tmp_path / "nope.yaml"), "--vary", f"{ACCEPT}=1") == (
        f"{tmp_path / 'nope.yaml'}: scenario file not found"
    )


def test_sweep_of_a_misspelt_model_tier_is_an_error(levers: Path) -> None:
    # "heavvy" is no tier: sweeping it must not silently add an unused tier and print a flat table
    message = refused("sweep", str(levers), "--vary", "models.heavvy.price.input_per_mtok=1,2")
    assert "heavvy" in message
    assert "heavy" in message.replace("heavvy", "")


def test_sweep_strategy_shows_only_that_strategy_with_one_parameter(levers: Path) -> None:
    vary = "strategies.cascade.accept.light=0.2,0.8"
    document = json.loads(ok("sweep", str(levers), "--vary", vary, "-s", "cascade", "-f", "json"))
    assert [[s["name"] for s in point["strategies"]] for point in document["points"]] == [["cascade"], ["cascade"]]
    table = ok("sweep", str(levers), "--vary", vary, "-s", "cascade")
    assert "cascade" in table
    assert "routed" not in table
    rows = list(csv.DictReader(io.StringIO(ok("sweep", str(levers), "--vary", vary, "-s", "cascade", "-f", "csv"))))
    assert {row["strategy"] for row in rows} == {"cascade"}
