"""``routecli breakeven`` and the insights under ``simulate``'s table, as a user meets them.

Scenario prices as in tests/simulate/test_breakeven.py: light $0.0015 and heavy $0.006 per call, 100,000 requests,
so the cascade (evaluator $0.0003) costs (0.0018 + (1 − a) × 0.006) × 1e5 and breaks even with all-heavy at a = 0.3.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.helpers.cli import ok, refused, wrote
from tests.helpers.files import write
from tests.helpers.scenarios import LEVERS, LEVERS_ACCEPT
from tests.helpers.text import words

ACCEPT = LEVERS_ACCEPT


# ---------------------------------------------------------------- breakeven


def test_breakeven_table(levers: Path) -> None:
    out = ok("breakeven", str(levers), "--strategy", "cascade", "--against", "all-heavy", "--param", ACCEPT)
    assert words(out) == words(
        "cascade costs the same as all-heavy at strategies.cascade.accept.light = 0.3 (solved exactly: linear in it); "
        "it saves above that value.\n"
        "The scenario has 0.8. Searched 0 to 1: at strategies.cascade.accept.light = 0, cascade costs $180.00 a month "
        "more than all-heavy; at 1, cascade saves $420.00 a month against all-heavy."
    )


def test_breakeven_against_defaults_to_the_baseline(levers: Path) -> None:
    explicit = ok("breakeven", str(levers), "-s", "cascade", "-a", "all-heavy", "-p", ACCEPT, "-f", "json")
    assert ok("breakeven", str(levers), "-s", "cascade", "-p", ACCEPT, "-f", "json") == explicit


def test_breakeven_on_traffic_says_the_strategies_scale_together(levers: Path) -> None:
    document = json.loads(
        ok("breakeven", str(levers), "-s", "cascade", "-p", "traffic.requests_per_month", "-f", "json")
    )
    assert document["crossings"] == []
    assert document["notes"][0] == (
        "cascade and all-heavy scale together with traffic.requests_per_month: each costs in proportion to it, so "
        "they meet only at 0, where both cost nothing; there is no meaningful break-even"
    )
    table = ok("breakeven", str(levers), "-s", "cascade", "-p", "traffic.requests_per_month")
    assert "= 0 (solved exactly" not in table
    assert "there is no meaningful break-even" in words(table)


def test_breakeven_json(levers: Path) -> None:
    document = json.loads(
        ok(
            "breakeven",
            str(levers),
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


def test_breakeven_markdown_and_csv(levers: Path) -> None:
    args = ["breakeven", str(levers), "-s", "cascade", "-a", "all-heavy", "-p", ACCEPT]
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


def test_breakeven_quality_floor(levers: Path) -> None:
    # quality(a) = a × 0.82 + (1 − a) × 0.95 = 0.95 − 0.13a = 0.9 at a = 0.05/0.13 ≈ 0.384615
    out = ok("breakeven", str(levers), "-s", "cascade", "-q", "0.9", "-p", ACCEPT)
    assert words(out).startswith(
        "cascade reaches a quality of 0.9 at strategies.cascade.accept.light = 0.384615 (solved exactly: linear in it);"
        " it meets the floor below it."
    )


def test_breakeven_without_a_crossing_says_so(levers: Path) -> None:
    out = ok("breakeven", str(levers), "-s", "cascade", "-a", "all-heavy", "-p", ACCEPT, "--range", "0.5:1")
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
            ["-s", "all-heavy", "-p", ACCEPT],
            "'all-heavy' is the scenario's baseline, the default --against: "
            "give --against STRATEGY or --quality-floor Q",
            id="the-baseline-without-against-or-floor",
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
def test_breakeven_usage_errors(levers: Path, args: list[str], message: str) -> None:
    assert refused("breakeven", str(levers), *args) == message


@pytest.mark.parametrize("bad", ["0:nan", "nan:1", "snan:1"])
def test_breakeven_range_that_is_not_a_number(levers: Path, bad: str) -> None:
    # Decimal("nan") parses; comparing it raises decimal.InvalidOperation, which must not escape as a traceback
    message = refused("breakeven", str(levers), "-s", "cascade", "-a", "all-heavy", "-p", ACCEPT, "--range", bad)
    assert message.startswith(f"--range {bad!r}")


def test_breakeven_quality_floor_that_is_not_a_number(levers: Path) -> None:
    message = refused("breakeven", str(levers), "-s", "cascade", "-q", "nan", "-p", ACCEPT)
    assert "--quality-floor" in message


def test_breakeven_as_html(levers: Path, tmp_path: Path) -> None:
    page = tmp_path / "answer.html"
    wrote(
        [str(page)],
        "breakeven",
        str(levers),
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


# --------------------------------------------------------- simulate insights


def test_simulate_prints_insights_under_the_table(levers: Path) -> None:
    out = ok("simulate", str(levers))
    assert "→ routed stops saving below 50.0% router accuracy" in out
    assert "→ cascade stops saving once light accepts fewer than 30.0% of requests" in out
    assert out.index("Monthly cost") < out.index("→ routed")


def test_simulate_json_has_the_insights(levers: Path) -> None:
    report = json.loads(ok("simulate", str(levers), "-f", "json"))
    assert report["insights"] == [
        "routed stops saving below 50.0% router accuracy",
        "cascade stops saving once light accepts fewer than 30.0% of requests",
    ]


def test_simulate_markdown_has_the_insights(levers: Path) -> None:
    assert "- cascade stops saving once light accepts fewer than 30.0% of requests" in ok(
        "simulate", str(levers), "-f", "markdown"
    )


def test_simulate_a_scenario_whose_tier_name_has_a_dot(tmp_path: Path) -> None:
    path = write(tmp_path / "dotted.yaml", LEVERS.replace("light", "gpt-4.1"))
    out = ok("simulate", str(path))
    assert "cascade" in out
