"""A scenario naming a model that is retired or retires within 30 days warns; one retiring later does not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from routecli.pricing.prices import ModelPrice, PriceTable, TokenRates
from routecli.simulate.scenario_file import build_scenario
from tests.helpers.cli import ok_json
from tests.helpers.files import write

TABLE = PriceTable(
    [
        ModelPrice("old-1", "acme", TokenRates(Decimal(1), Decimal(2)), deprecation_date="2026-12-11"),
        ModelPrice("new-1", "acme", TokenRates(Decimal(3), Decimal(6))),
    ]
)
SCENARIO = """\
name: d
traffic: {requests_per_month: 1000, input_tokens: 100, output_tokens: 10}
models:
  cheap: {model: old-1, latency: {ttft_ms: 100, tokens_per_s: 100}}
  strong: {model: new-1, latency: {ttft_ms: 100, tokens_per_s: 100}}
strategies:
  - {name: cascade, type: cascade, chain: [cheap, strong], accept: {cheap: 0.5}}
"""


def warnings(day: str) -> list[str]:
    data: Any = yaml.safe_load(SCENARIO)
    scenario = build_scenario(data, TABLE, today=dt.date.fromisoformat(day))
    return [warning for warning in scenario.warnings if "old-1" in warning]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-12-12", ["model 'old-1' (tier 'cheap') was retired on 2026-12-11"]),
        ("2026-12-01", ["model 'old-1' (tier 'cheap') retires on 2026-12-11, in 10 days"]),
        ("2026-11-01", []),
    ],
)
def test_a_scenario_warns_of_its_tiers_deprecation(day: str, expected: list[str]) -> None:
    assert warnings(day) == [f"{text} (its deprecation_date in the price table)" for text in expected]


def test_a_tier_no_strategy_uses_is_not_warned_about() -> None:
    data: Any = yaml.safe_load(
        SCENARIO.replace("type: cascade, chain: [cheap, strong], accept: {cheap: 0.5}", "type: single, model: strong")
    )
    scenario = build_scenario(data, TABLE, today=dt.date(2026, 12, 20))
    assert not [warning for warning in scenario.warnings if "retire" in warning]


def test_simulate_reports_a_shipped_models_deprecation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """gpt-5-mini's deprecation_date is 2026-12-11 in the shipped table (LiteLLM 1.110.2)."""
    monkeypatch.setenv("ROUTECLI_TODAY", "2026-12-08")
    path = write(
        tmp_path / "s.yaml",
        SCENARIO.replace("model: old-1", "model: gpt-5-mini").replace("model: new-1", "model: claude-opus-4-6"),
    )
    report = ok_json("simulate", str(path), "--format", "json")
    assert (
        "model 'gpt-5-mini' (tier 'cheap') retires on 2026-12-11, in 3 days "
        "(its deprecation_date in the price table)" in report["warnings"]
    )
    assert not [warning for warning in report["warnings"] if "claude-opus-4-6" in warning]
