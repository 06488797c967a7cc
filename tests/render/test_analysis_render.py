"""The analysis as people read it (80 and 120 columns, Markdown) and as machines do (JSON against its schema)."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import jsonschema
import pytest
from rich.console import Console

from routecli.analyze.analysis import Analysis, analyze
from routecli.analyze.records import LogRecord
from routecli.pricing.prices import ModelPrice, PriceTable, TokenRates
from routecli.render.analysis_report import (
    ANALYSIS_SCHEMA,
    analysis_document,
    analysis_json,
    analysis_markdown,
    analysis_renderable,
    iso_time,
)
from tests.helpers.text import words

T0 = 1_699_920_000.0  # 2023-11-14T00:00:00Z
TABLE = PriceTable([ModelPrice("alpha", "acme", TokenRates(Decimal(1), Decimal(2)))])


@pytest.fixture(scope="module")
def result() -> Analysis:
    log = [
        LogRecord("log", 1, "alpha", start=T0, input_tokens=1000, output_tokens=500, latency_ms=250,
                  cost=Decimal("0.002"), messages=[{"role": "user", "content": "the words of a prompt"}]),
        LogRecord("log", 2, "alpha", start=T0 + 86_400 * 3, input_tokens=3000, output_tokens=500, latency_ms=350,
                  cost=Decimal("0.004")),
        LogRecord("log", 3, "a-model-with-a-rather-long-name-2024-01-01", start=T0 + 60, input_tokens=10,
                  output_tokens=1, error="http 500"),
    ]  # fmt: skip
    return analyze(log, TABLE)


def _text(result: Analysis, width: int) -> str:
    stream = io.StringIO()
    Console(width=width, no_color=True, file=stream, force_terminal=False).print(analysis_renderable(result))
    return stream.getvalue()


@pytest.mark.parametrize("width", [80, 120])
def test_the_table_fits_its_width(result: Analysis, width: int) -> None:
    text = _text(result, width)
    assert max(len(line.rstrip()) for line in text.splitlines()) <= width
    flat = words(text)
    # 3 requests, T0 to T0 + 3 days plus one mean gap (1.5 days): 4.5 days, 2/3 a day, 20 a month
    assert "3 requests from 2023-11-14T00:00:00Z to 2023-11-17T00:00:00Z (4.5 days): 1 a day, 20 a 30-day month" in flat
    # alpha: 4,000 input tokens at $1/1M + 1,000 output at $2/1M = $0.006; logged 0.002 + 0.004
    assert "Spend: logged $0.006, priced $0.006 ($0.04 a 30-day month)" in flat
    assert "a-model-with-a-rather-long-name-2024-01-01: unknown model: no price table has it" in flat
    assert "Price unknown models with --pricing FILE: `routecli pricing import litellm`" in flat
    assert "Errors: " not in flat


def test_wider_shows_latency_columns(result: Analysis) -> None:
    assert "Not shown at this width: p50 ms, p95 ms, Errors" in words(_text(result, 80))
    assert "Not shown at this width" not in _text(result, 120)
    assert "p95 ms" in _text(result, 120)


def test_segments_show_mean_and_percentiles_in_one_cell(result: Analysis) -> None:
    # alpha's inputs 1000 and 3000: mean 2000, p50 2000, p95 1000 + 0.95·2000
    assert "alpha 66.7% 2,000 / 2,000 / 2,900 500 / 500 / 500" in words(_text(result, 120))


def test_markdown(result: Analysis) -> None:
    markdown = analysis_markdown(result)
    # latencies 250 and 350: p50 300, p95 250 + 0.95·100
    assert "| alpha | 2 | 4,000 | 0 | 1,000 | $0.006 | $0.006 | 300 | 345 | 0.0% |" in markdown
    assert "### Segments by model" in markdown


def test_json_matches_its_schema_and_keeps_money_exact(result: Analysis) -> None:
    document = json.loads(analysis_json(result))
    jsonschema.validate(document, ANALYSIS_SCHEMA)
    assert document == analysis_document(result)
    alpha = document["models"][0]
    assert (alpha["spend_logged"], alpha["spend_priced"], alpha["spend_difference"]) == ("0.006", "0.006", "0")
    assert document["monthly_spend_priced"] == "0.04"  # 0.006 · 30 / 4.5
    assert document["peak_hour"] == {"start": "2023-11-14T00:00:00Z", "requests": 2}
    assert document["duplicates"]["exact_share"] == 0.0
    assert document["duplicates"]["near_method"]["permutations"] == 64


def test_iso_time() -> None:
    assert iso_time(T0 + 0.4) == "2023-11-14T00:00:00Z"
    assert iso_time(None) is None
