"""``calibrate --scenario``: the measured values set in an existing scenario, every other byte kept.

The log is tests/helpers/calibration_logs.py's cascade run (light → heavy; 30 easy prompts, 10 hard).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from routecli.calibrate.files import calibrate_files
from routecli.simulate.costmodel import simulate
from routecli.simulate.scenario_file import load_scenario
from tests.helpers.calibration_logs import write_cascade_log
from tests.helpers.cli import refused
from tests.helpers.files import write

SCENARIO = """\
# Our support bot
name: support
traffic:
  requests_per_month: 1000000
  input_tokens: 1000
  output_tokens: 150
  segments:
    - {name: easy, share: 0.8}
    - {name: hard, share: 0.2}
models:
  light:
    price: {input_per_mtok: 1, output_per_mtok: 2}
    quality: {easy: 0.9, hard: 0.5}   # a guess
  heavy:
    price: {input_per_mtok: 10, output_per_mtok: 30}
    quality: 0.97
  other:
    price: {input_per_mtok: 5, output_per_mtok: 5}
    quality: 0.9
strategies:
  - {name: all-heavy, type: single, model: heavy}
  - name: cascade
    type: cascade
    chain: [light, heavy]
    accept:
      light:
        easy: 0.7   # our hope
        hard: 0.3
  - name: elsewhere
    type: cascade
    chain: [light, other]
    accept: {light: 0.5}
"""


def test_matching_values_are_set_and_everything_else_kept(tmp_path: Path) -> None:
    log = write_cascade_log(tmp_path / "log.jsonl")
    given = write(tmp_path / "support.yaml", SCENARIO)
    out = tmp_path / "out.yaml"
    result = calibrate_files([log], out, scenario=given)
    assert [(change.key, change.old) for change in result.changes] == [
        ("models.light.quality.easy", "0.9"),
        ("models.light.quality.hard", "0.5"),
        ("models.heavy.quality", "0.97"),  # one number for every segment: heavy's 14 answers pooled
        ("strategies.cascade.accept.light.easy", "0.7"),
        ("strategies.cascade.accept.light.hard", "0.3"),
    ]
    expected = (
        SCENARIO.replace(
            "quality: {easy: 0.9, hard: 0.5}   # a guess",
            "quality: {easy: {measured: 0.766666666667, n: 30, successes: 23}, "
            "hard: {measured: 0.2, n: 10, successes: 2}}   # a guess",
        )
        .replace(
            "quality: 0.97",
            "quality: {measured: 1, n: 14, successes: 14}  # measured: 14 prompts, 95% CI 0.78–1.00, run "
            "20261124T101500Z",
        )
        .replace("easy: 0.7   # our hope", "easy: {measured: 0.8, n: 30, successes: 24}   # our hope")
        .replace(
            "hard: 0.3",
            "hard: {measured: 0.2, n: 10, successes: 2}  # measured: 10 prompts, 95% CI 0.06–0.51, run "
            "20261124T101500Z",
        )
    )
    assert out.read_text(encoding="utf-8") == expected
    # the other chain's acceptance was measured on no replay: left as it was
    cascade = simulate(load_scenario(out)).strategy("cascade")
    # light answers every request; heavy the ones light's measured rates reject: 0.8 × 0.2 + 0.2 × 0.8
    light = Decimal("0.0013")  # 1000 × 1 + 150 × 2
    heavy = Decimal("0.0145")  # 1000 × 10 + 150 × 30
    assert (
        cascade.cost_per_request == light + (Decimal("0.8") * Decimal("0.2") + Decimal("0.2") * Decimal("0.8")) * heavy
    )


def test_a_second_calibration_brings_its_own_comments_up_to_date(tmp_path: Path) -> None:
    log = write_cascade_log(tmp_path / "log.jsonl")
    given = write(tmp_path / "support.yaml", SCENARIO)
    calibrate_files([log], given, scenario=given)
    once = given.read_text(encoding="utf-8")
    calibrate_files([log], given, scenario=given)
    assert given.read_text(encoding="utf-8") == once


def test_a_volume_with_a_scenario_is_refused(tmp_path: Path) -> None:
    log = write_cascade_log(tmp_path / "log.jsonl")
    given = write(tmp_path / "support.yaml", SCENARIO)
    message = refused(
        "calibrate", str(log), "--scenario", str(given), "--write-scenario", str(given), "--requests-per-month", "5"
    )
    assert message == "--requests-per-month sets a new scenario's volume; with --scenario, the scenario's traffic stays"


def test_a_tier_that_names_another_model_than_ran_is_refused(tmp_path: Path) -> None:
    log = write_cascade_log(tmp_path / "log.jsonl")
    text = SCENARIO.replace("  light:\n    price:", "  light:\n    model: gpt-4o\n    price:")
    given = write(tmp_path / "support.yaml", text)
    message = refused("calibrate", str(log), "--scenario", str(given), "--write-scenario", str(tmp_path / "out.yaml"))
    assert message.startswith(f"{given}:12: models.light.model is gpt-4o, but the replay's tier 'light' ran ")
    assert not (tmp_path / "out.yaml").exists()
