"""``routecli replay --dry-run --baseline``: a router change that moves traffic between tiers fails the check."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from routecli.ci.drift import TierShares, tier_drift
from routecli.cli import app
from tests.helpers.cli import fails, ok, refused
from tests.helpers.files import write
from tests.helpers.paths import SCENARIOS

PROMPTS = SCENARIOS / "replay" / "prompts.jsonl"
RULES = SCENARIOS / "replay" / "rules.yaml"


def replaying(*args: str | Path) -> list[str]:
    """``routecli replay`` of the replay prompts with ``args``, as command-line words."""
    return ["replay", str(PROMPTS), *map(str, args)]


def replay(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    """The whole result: for runs whose exit code is a parameter, whose stderr speaks too, or with ``env``."""
    return CliRunner().invoke(app, replaying(*args), env=env)


def baseline(tmp_path: Path) -> Path:
    base = tmp_path / "base.json"
    ok(*replaying("-c", RULES, "--dry-run", "--format", "json", "-o", base))
    return base


def changed_rules(tmp_path: Path, *rules: str) -> Path:
    """rules.yaml with each named rule sending its prompts to the small tier instead of large."""
    text = RULES.read_text()
    for rule in rules:
        old = f"- name: {rule}\n      tier: large"
        assert old in text
        text = text.replace(old, f"- name: {rule}\n      tier: small")
    return write(tmp_path / "changed.yaml", text)


def answered_shares(report: Path) -> dict[str, Fraction]:
    """Each tier's share of prompts in percent, counted from the report's tiers (a dry run answers where it enters)."""
    document: dict[str, Any] = json.loads(report.read_text())
    total = sum(tier["answered"] for tier in document["tiers"])
    return {tier["name"]: Fraction(100 * tier["answered"], total) for tier in document["tiers"]}


def drift_line(tier: str, old: Fraction, new: Fraction, tolerance: str) -> str:
    return (
        f"Drift: {tier} {float(old):.1f}% → {float(new):.1f}% ({float(new - old):+.1f} points, tolerance {tolerance})"
    )


def test_the_same_config_is_within_tolerance(tmp_path: Path) -> None:
    base = baseline(tmp_path)
    stdout = ok(*replaying("-c", RULES, "--dry-run", "--baseline", base, "-o", tmp_path / "head.json"))
    assert stdout == "No tier's share moved more than 10 points\n"


def test_a_rule_sending_code_elsewhere_drifts(tmp_path: Path) -> None:
    base = baseline(tmp_path)
    head = tmp_path / "head.json"
    stdout = fails(*replaying("-c", changed_rules(tmp_path, "code"), "--dry-run", "--baseline", base, "-o", head))
    old, new = answered_shares(base), answered_shares(head)
    # sql-bug, type-hints (code) and sqrt2 (proof) of 12 go to large; the change moves the two code prompts to small
    assert old["large"] == 25
    assert new["large"] == Fraction(100, 12)
    assert new["small"] - old["small"] == Fraction(200, 12)
    assert stdout.splitlines() == [
        drift_line("small", old["small"], new["small"], "10"),
        drift_line("large", old["large"], new["large"], "10"),
    ]
    assert "Drift: small 33.3% → 50.0% (+16.7 points, tolerance 10)" in stdout


@pytest.mark.parametrize(
    ("tolerance", "points", "code"),
    [
        ("25", "25", 0),
        ("25%", "25", 0),
        ("0.25", "25", 0),
        ("24.9", "24.9", 1),
        ("24.9%", "24.9", 1),
        ("0.249", "24.9", 1),
    ],
)
def test_a_move_equal_to_the_tolerance_passes(tmp_path: Path, tolerance: str, points: str, code: int) -> None:
    """Code and proof prompts (3 of 12) to small: large 25% → 0%, small +25 points, exactly.

    25%, the share 0.25 and (points, as before shares were read) 25 are one tolerance (docs/cli.md, Conventions).
    """
    base = baseline(tmp_path)
    head = tmp_path / "head.json"
    config = changed_rules(tmp_path, "code", "proof")
    result = replay("-c", config, "--dry-run", "--baseline", base, "--tolerance", tolerance, "-o", head)
    assert result.exit_code == code, result.output
    old, new = answered_shares(base), answered_shares(head)
    assert new["large"] == 0
    assert old["large"] - new["large"] == 25 == new["small"] - old["small"]
    if code == 0:
        assert result.stdout == f"No tier's share moved more than {points} points\n"
    else:
        assert f"Drift: small 33.3% → 58.3% (+25.0 points, tolerance {points})" in result.stdout
        assert f"Drift: large 25.0% → 0.0% (-25.0 points, tolerance {points})" in result.stdout
        assert "medium" not in result.stdout  # unchanged


def test_drift_goes_to_stderr_when_the_report_takes_stdout(tmp_path: Path) -> None:
    base = baseline(tmp_path)
    result = replay("-c", changed_rules(tmp_path, "code"), "--dry-run", "--baseline", base, "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["kind"] == "replay"
    assert "Drift: large" in result.stderr


def test_github_actions_gets_error_annotations(tmp_path: Path) -> None:
    base = baseline(tmp_path)
    config = changed_rules(tmp_path, "code")
    result = replay(
        "-c", config, "--dry-run", "--baseline", base, "-o", tmp_path / "h.json", env={"GITHUB_ACTIONS": "true"}
    )
    assert result.exit_code == 1
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error ")]
    assert len(errors) == 2
    assert errors[1].startswith("::error title=routecli replay --baseline::Drift: large 25.0%25 → 8.3%25")


def test_baseline_needs_dry_run(tmp_path: Path) -> None:
    message = refused(*replaying("-c", RULES, "--baseline", baseline(tmp_path)))
    assert "--baseline" in message
    assert "--dry-run" in message


def test_tolerance_needs_baseline() -> None:
    assert "--tolerance" in refused(*replaying("-c", RULES, "--dry-run", "--tolerance", "5"))


@pytest.mark.parametrize(
    ("tolerance", "message"),
    [
        ("-5%", "--tolerance: expected percentage points of at least 0, got '-5%'"),
        ("-0.05", "--tolerance: expected percentage points of at least 0, got '-0.05'"),
        ("five", "--tolerance: expected percentage points such as 5% or 0.05, got 'five'"),
    ],
)
def test_a_bad_tolerance_is_refused(tolerance: str, message: str) -> None:
    assert refused(*replaying("-c", RULES, "--dry-run", "--tolerance", tolerance)) == message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "bad.json:1: not valid JSON"),
        ('{"kind": "replay", "schema_version": 1, "tiers": "small"}', "bad.json: tiers: expected a list"),
        ('{"kind": "simulation", "schema_version": 1}', "bad.json: kind: is a simulation report"),
    ],
)
def test_a_malformed_baseline_is_bad_input_naming_the_file(tmp_path: Path, content: str, message: str) -> None:
    bad = write(tmp_path / "bad.json", content)
    assert message in refused(*replaying("-c", RULES, "--dry-run", "--baseline", bad))  # no report on stdout


def shares(source: str, counts: dict[str, int], prompts: str = "p") -> TierShares:
    return TierShares(source, counts, tuple(counts), prompts)


def test_a_tier_only_one_report_has_counts_as_zero_with_a_note() -> None:
    drift = tier_drift(shares("base", {"a": 3, "b": 1}), shares("head", {"a": 3, "c": 1}, "q"), Decimal("25"))
    moved = {shift.tier: (shift.old, shift.new) for shift in drift.shifts}
    assert moved == {"a": (75, 75), "c": (0, 25), "b": (25, 0)}
    assert drift.passed  # 25 points each: not above the tolerance
    assert not tier_drift(shares("base", {"a": 3, "b": 1}), shares("head", {"a": 3, "c": 1}), Decimal("24")).passed
    assert any("tiers differ" in note for note in drift.notes)
    assert any("another prompt file" in note for note in drift.notes)


def test_without_a_router_every_prompt_enters_the_first_tier(tmp_path: Path) -> None:
    """cascade.yaml has no router: all 12 prompts enter at small, against rules.yaml's 4 small, 5 medium, 3 large."""
    base = baseline(tmp_path)
    cascade = SCENARIOS / "replay" / "cascade.yaml"
    stdout = fails(
        *replaying("-c", cascade, "--dry-run", "--baseline", base, "--tolerance", "30", "-o", tmp_path / "h.json")
    )
    assert stdout.splitlines() == [
        "Drift: small 33.3% → 100.0% (+66.7 points, tolerance 30)",
        "Drift: medium 41.7% → 0.0% (-41.7 points, tolerance 30)",
    ]  # large's 25 points are within 30
