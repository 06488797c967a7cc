"""Warnings and bounds that only distributions, logs and growth can trigger."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from routecli.errors import InvalidValueError
from routecli.pricing.price_files import load_price_files
from routecli.simulate.scenario import Scenario
from routecli.simulate.scenario_file import build_scenario
from routecli.simulate.token_logs import TokenLog

BASE = """\
name: w
traffic:
  requests_per_month: 1000
  input_tokens: {distribution: lognormal, mean: 100000, p95: 300000}
  output_tokens: 100
models:
  m: {price: {input_per_mtok: 1, output_per_mtok: 2}}
strategies:
  - {name: s, type: single, model: m}
"""


def build(text: str, logs: dict[str, TokenLog] | None = None) -> Scenario:
    data: Any = yaml.safe_load(text)
    return build_scenario(data, load_price_files(()), logs)


def test_prompts_over_the_context_window_are_counted_from_the_distribution() -> None:
    text = BASE.replace("m: {price: {input_per_mtok: 1, output_per_mtok: 2}}", "m: {model: gpt-5-mini}")
    scenario = build(text)
    (warning,) = [w for w in scenario.warnings if "context window" in w]
    # mean 100k, p95 300k: a lognormal with σ ≈ 0.785; P(X > 272k) = 1 − Φ((ln 272000 − μ)/σ) ≈ 7%
    assert "of segment 'all''s prompts are longer than gpt-5-mini's context window of 272000 tokens" in warning
    share = float(warning.split("%")[0]) / 100
    assert 0.05 < share < 0.09


def test_a_forecast_beyond_the_volume_bound_is_refused() -> None:
    text = BASE.replace(
        "requests_per_month: 1000", "requests_per_month: 1000000\n  growth: {monthly_pct: 1000, months: 120}"
    )
    with pytest.raises(InvalidValueError, match=r"the forecast reaches .* requests a month by month 120") as caught:
        build(text)
    assert caught.value.path == ("traffic", "growth")


def test_log_rows_no_segment_takes_are_named() -> None:
    text = BASE.replace(
        "  input_tokens: {distribution: lognormal, mean: 100000, p95: 300000}\n  output_tokens: 100\n",
        "  tokens_from: log.jsonl\n  segments: [{name: faq, share: 1}]\n",
    )
    log = TokenLog(Path("log.jsonl"), (("faq", 10, 1), ("fqa", 20, 2), (None, 30, 3), ("fqa", 5, 1)))
    scenario = build(text, {"log.jsonl": log})
    assert "log.jsonl: 3 rows name no segment of this scenario and are left out: (no segment), fqa" in scenario.warnings
