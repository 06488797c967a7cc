"""``tune --write-scenario`` and ``evaluate --write-scenario``: the chosen threshold as a scenario that ``routecli
simulate`` prices, unchanged, at the measured cost per prompt and quality.

The outcomes: ``small`` ($1 a prompt) and ``large`` ($10 a prompt, but $20 on p1), a router score per prompt and
``small``'s confidence per answer.

| prompt | score | small | large | small's confidence |
|--------|-------|-------|-------|--------------------|
| p1     | 0.9   | 0     | 1     | -1.2               |
| p2     | 0.7   | 0     | 1     | -0.8               |
| p3     | 0.5   | 1     | 0     | -0.3               |
| p4     | 0.5   | 1     | 1     | -0.3               |
| p5     | 0.2   | 1     | 1     | -0.1               |

large alone: quality 0.8, $60 ($12 a prompt).
route, --quality-floor 0.75: threshold 0.9 sends p1 to large: quality (0 + ... ) = 0.8, cost 4 × $1 + $20 = $24 ($4.80
a prompt).
cascade, --quality-floor 0.95: accepting confidence ≥ -0.3 keeps p3, p4, p5 on small and escalates p1 and p2:
quality 1.0, cost 5 × $1 + $20 + $10 = $35 ($7 a prompt).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from routecli.cli import app
from tests.helpers.cli import ok_json, refused, wrote
from tests.helpers.files import write
from tests.helpers.paths import SCENARIOS

ROWS = [  # id, score, small right, large right, small's confidence, large's cost
    ("p1", 0.9, 0, 1, -1.2, 20.0),
    ("p2", 0.7, 0, 1, -0.8, 10.0),
    ("p3", 0.5, 1, 0, -0.3, 10.0),
    ("p4", 0.5, 1, 1, -0.3, 10.0),
    ("p5", 0.2, 1, 1, -0.1, 10.0),
]


@pytest.fixture
def outcomes(tmp_path: Path) -> Path:
    lines = [
        {
            "id": key,
            "score": score,
            "outcomes": {
                "small": {"quality": small, "cost": 1.0, "confidence": sure},
                "large": {"quality": large, "cost": large_cost},
            },
        }
        for key, score, small, large, sure, large_cost in ROWS
    ]
    return write(tmp_path / "five.jsonl", "".join(json.dumps(line) + "\n" for line in lines))


def simulated(path: Path) -> dict[str, dict[str, Any]]:
    """``routecli simulate``'s strategies of the written scenario, by name."""
    return {strategy["name"]: strategy for strategy in ok_json("simulate", str(path))["strategies"]}


def test_a_tuned_route_is_priced_at_production_volume(outcomes: Path, tmp_path: Path) -> None:
    out = tmp_path / "tuned.yaml"
    args = ["tune", str(outcomes), "--quality-floor", "0.75", "--write-scenario", str(out)]
    tuned = json.loads(wrote([str(out)], *args, "--requests-per-month", "3M", "-f", "json"))
    assert (tuned["threshold"], tuned["quality"], tuned["cost"]) == (0.9, pytest.approx(0.8), pytest.approx(24.0))
    strategies = simulated(out)
    route, alone = strategies["tuned"], strategies["all-large"]
    assert route["type"] == "route"
    assert Decimal(route["monthly_cost"]) == Decimal(24) / 5 * 3_000_000  # the tune's cost per prompt × volume
    assert route["quality"] == pytest.approx(tuned["quality"])
    assert route["answered_share"] == {"small": pytest.approx(0.8), "large (strong-routed)": pytest.approx(0.2)}
    assert Decimal(alone["monthly_cost"]) == Decimal(12) * 3_000_000  # large alone: $60 over 5 prompts
    assert alone["quality"] == pytest.approx(0.8)
    assert route["savings_vs_baseline_pct"] == pytest.approx(tuned["savings_pct"])


def test_the_written_tiers_are_priced_per_request_on_the_prompts_they_answer(outcomes: Path, tmp_path: Path) -> None:
    out = tmp_path / "tuned.yaml"
    wrote([str(out)], "tune", str(outcomes), "--quality-floor", "0.75", "--write-scenario", str(out))
    scenario = yaml.safe_load(out.read_text())
    assert scenario["traffic"]["requests_per_month"] == 5  # the outcomes' own prompts by default
    assert scenario["traffic"]["segments"] == [
        {"name": "weak-routed", "share": 0.8},
        {"name": "strong-routed", "share": 0.2},
    ]
    models = scenario["models"]
    assert {name: tier["price"] for name, tier in models.items()} == {
        "small": {"per_request": 1},  # on p2-p5, the prompts it kept
        "large (strong-routed)": {"per_request": 20},  # on p1, the one the threshold sent it
        "large": {"per_request": 12},  # on every prompt: the baseline's
    }
    # small is right on 3 of p2-p5 and wrong on p1; large on 3 of p2-p5 and on p1
    assert models["small"]["quality"] == {"weak-routed": 0.75, "strong-routed": 0}
    assert models["large"]["quality"] == {"weak-routed": 0.75, "strong-routed": 1}
    assert scenario["baseline"] == "all-large"


def test_a_tuned_cascade_is_written_as_a_cascade(outcomes: Path, tmp_path: Path) -> None:
    out = tmp_path / "cascade.yaml"
    args = ["tune", str(outcomes), "--strategy", "cascade", "--quality-floor", "0.95", "--write-scenario", str(out)]
    tuned = json.loads(wrote([str(out)], *args, "--requests-per-month", "100k/day", "-f", "json"))
    assert (tuned["threshold"], tuned["quality"], tuned["cost"]) == (-0.3, pytest.approx(1.0), pytest.approx(35.0))
    cascade = simulated(out)["tuned"]
    assert cascade["type"] == "cascade"
    assert Decimal(cascade["monthly_cost"]) == Decimal(35) / 5 * 3_000_000  # 100k a day is 3M a month
    assert cascade["quality"] == pytest.approx(1.0)
    assert cascade["escalation_rate"] == pytest.approx(tuned["strong_share"])  # p1 and p2: 0.4
    scenario = yaml.safe_load(out.read_text())
    assert scenario["models"]["large (escalated)"]["price"] == {"per_request": 15}  # p1 $20 and p2 $10


def test_evaluate_writes_the_routers_threshold_at_half_the_quality_gap(outcomes: Path, tmp_path: Path) -> None:
    """small alone 0.6, large alone 0.8: the route's first point, p1 to large (0.8), recovers all of the gap."""
    out = tmp_path / "router.yaml"
    wrote([str(out)], "evaluate", str(outcomes), "--write-scenario", str(out), "--requests-per-month", "1000")
    route = simulated(out)["tuned"]
    assert Decimal(route["monthly_cost"]) == Decimal("4.8") * 1000
    assert route["quality"] == pytest.approx(0.8)


def test_evaluate_without_a_router_says_what_to_give(outcomes: Path, tmp_path: Path) -> None:
    message = refused("evaluate", str(outcomes), "--score", "none", "--write-scenario", str(tmp_path / "out.yaml"))
    assert "--write-scenario writes a router's threshold" in message
    assert "--score complexity" in message
    assert not (tmp_path / "out.yaml").exists()


def test_requests_per_month_without_write_scenario_is_refused(outcomes: Path) -> None:
    message = refused("tune", str(outcomes), "--quality-floor", "0.75", "--requests-per-month", "3M")
    assert message == "--requests-per-month is the volume of --write-scenario's scenario: give it too"


def test_a_bad_volume_is_refused_with_the_spellings_it_takes(outcomes: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "out.yaml")
    message = refused(
        "tune", str(outcomes), "--quality-floor", "0.75", "--write-scenario", out, "--requests-per-month", "lots"
    )
    assert message.startswith("--requests-per-month: expected requests per month such as 3000000, 3M")


@pytest.mark.parametrize("strategy", ["route", "cascade"])
def test_the_bundled_outcomes_round_trip_through_simulate(strategy: str, tmp_path: Path) -> None:
    """60 prompts with token-priced costs: simulate's cost per request is the tune's cost over its prompts."""
    out = tmp_path / "tuned.yaml"
    args = ["tune", str(SCENARIOS / "outcomes" / "example.jsonl"), "--strategy", strategy, "--relative-floor", "95%"]
    tuned = json.loads(
        wrote([str(out)], *args, "--write-scenario", str(out), "--requests-per-month", "2.5M", "-f", "json")
    )
    strategies = simulated(out)
    chosen, alone = strategies["tuned"], strategies["all-gpt-4o"]
    assert float(chosen["monthly_cost"]) == pytest.approx(tuned["cost"] / tuned["prompts"] * 2_500_000, rel=1e-12)
    assert chosen["quality"] == pytest.approx(tuned["quality"], rel=1e-12)
    assert float(alone["monthly_cost"]) == pytest.approx(
        tuned["models"]["gpt-4o"]["cost"] / tuned["prompts"] * 2_500_000, rel=1e-12
    )
    assert chosen["savings_vs_baseline_pct"] == pytest.approx(tuned["savings_pct"], rel=1e-9)


def test_nothing_is_written_when_no_threshold_reaches_the_floor(tmp_path: Path) -> None:
    """Both models are wrong on q2: no threshold gets above 0.5."""
    lines = [
        {
            "id": "q1",
            "score": 0.1,
            "outcomes": {"small": {"quality": 1, "cost": 1}, "large": {"quality": 1, "cost": 2}},
        },
        {
            "id": "q2",
            "score": 0.9,
            "outcomes": {"small": {"quality": 0, "cost": 1}, "large": {"quality": 0, "cost": 2}},
        },
    ]
    hard = write(tmp_path / "hard.jsonl", "".join(json.dumps(line) + "\n" for line in lines))
    out = tmp_path / "never.yaml"
    result = CliRunner().invoke(app, ["tune", str(hard), "--quality-floor", "0.9", "--write-scenario", str(out)])
    assert result.exit_code == 1, result.output
    assert not out.exists()
