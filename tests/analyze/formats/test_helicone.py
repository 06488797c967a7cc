"""Helicone request exports, JSON and CSV: detection, every field of every fixture row, bad values."""

from __future__ import annotations

from decimal import Decimal

import pytest

from routecli.analyze.formats import Row, helicone
from routecli.analyze.records import LogRecord
from routecli.errors import InvalidValueError
from tests.helpers.log_rows import first_rows, rows

JSON = "helicone_requests.json"
CSV = "helicone_requests.csv"
DEC_8 = 1733616000.0
"""2024-12-08T00:00:00Z."""
DEC_9 = 1733702400.0
"""2024-12-09T00:00:00Z."""


def _records(name: str) -> list[LogRecord]:
    return [helicone.record(name, row) for row in rows(name)]


def test_sniff_knows_its_own_rows_and_no_other_tools() -> None:
    assert all(helicone.sniff(row.data) for row in rows(JSON) + rows(CSV))
    others = first_rows(excluding="helicone_")
    assert others
    assert [name for name, row in others.items() if helicone.sniff(row.data)] == []


def test_the_json_export() -> None:
    cached, written, failed = _records(JSON)
    assert cached == LogRecord(
        source=JSON,
        line=1,
        model="gpt-4o-mini-2024-07-18",
        start=DEC_8,
        end=DEC_8 + 1.2,
        input_tokens=1200,  # prompt 176 + cache read 1024: Helicone counts them apart
        cached_tokens=1024,
        cache_write_tokens=0,
        output_tokens=100,
        cost=Decimal("0.0001632"),
        latency_ms=1200.0,  # delay_ms
        provider="OPENAI",
        messages=[{"role": "user", "content": "Translate hello."}],
        id="h-1",
        metadata={"Helicone-Property-Feature": "translate", "App": "web"},
    )
    assert written == LogRecord(
        source=JSON,
        line=2,
        model="claude-3-5-sonnet-20241022",
        start=DEC_8 + 3600.0,
        end=DEC_8 + 3603.0,
        input_tokens=2100,  # 52 + 2048 written
        cache_write_tokens=2048,
        output_tokens=150,
        cost=Decimal("0.010086"),
        latency_ms=3000.0,
        provider="ANTHROPIC",
        messages=[{"role": "user", "content": "Summarise."}],
        id="h-2",
    )
    assert failed == LogRecord(
        source=JSON,
        line=3,
        model="gpt-4o",
        start=DEC_8 + 7200.0,
        end=DEC_8 + 7200.3,
        cost=Decimal(0),
        latency_ms=300.0,
        error="http 500",
        provider="OPENAI",
        messages=[{"role": "user", "content": "Hi"}],
        id="h-3",
    )


def test_the_csv_export() -> None:
    answered, unanswered, reasoned = _records(CSV)
    assert answered == LogRecord(
        source=CSV,
        line=2,
        model="gpt-4o-mini",
        start=DEC_9 + 28800.0,
        end=DEC_9 + 28800.75,
        input_tokens=300,
        output_tokens=50,
        cost=Decimal("0.000075"),
        latency_ms=750.0,  # latency
        provider="OPENAI",
        id="h-10",
        metadata={"Feature": "search"},
    )
    assert unanswered == LogRecord(
        source=CSV,
        line=3,
        model="gpt-4o",  # model and response_model empty: the requested one
        start=DEC_9 + 32400.0,
        error="error",  # status -1: no answer
        provider="OPENAI",
        id="h-11",
    )
    assert reasoned == LogRecord(
        source=CSV,
        line=4,
        model="o3-mini",
        start=DEC_9 + 36000.0,
        end=DEC_9 + 36009.0,
        input_tokens=336,
        output_tokens=900,  # completion 260 + reasoning 640: Helicone counts them apart
        reasoning_tokens=640,
        cost=Decimal("0.0049104"),
        latency_ms=9000.0,
        provider="OPENAI",
        id="h-12",
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("prompt_cache_read_tokens", "x", "prompt_cache_read_tokens: expected a whole number, got 'x'"),
        ("costUSD", "abc", "costUSD: expected an amount in USD, got 'abc'"),
        ("reasoning_tokens", "some", "reasoning_tokens: expected a whole number, got 'some'"),
        (
            "request_created_at",
            "never",
            "request_created_at: expected an ISO 8601 timestamp or epoch seconds, got 'never'",
        ),
        ("response_status", "ok", "response_status: expected an HTTP status, got 'ok'"),
        ("delay_ms", -5, "delay_ms: expected a number of 0 or more, got -5"),
    ],
)
def test_a_bad_value_names_the_file_line_and_field(field: str, value: object, message: str) -> None:
    row = rows(JSON)[0]
    with pytest.raises(InvalidValueError) as raised:
        helicone.record("helicone.json", Row(4, {**row.data, field: value}))
    assert str(raised.value) == f"helicone.json:4: {message}"
