"""Langfuse observation exports in both spellings (API JSON, blob CSV and JSONL): detection, every field of every
fixture row, generations only, bad values."""

from __future__ import annotations

from decimal import Decimal

import pytest

from routecli.analyze.formats import Row, langfuse
from routecli.analyze.records import LogRecord
from routecli.errors import InvalidValueError
from tests.helpers.log_rows import first_rows, rows

API = "langfuse_observations.json"
CSV = "langfuse_observations.csv"
JSONL = "langfuse_observations.jsonl"
DEC_8 = 1733616000.0
"""2024-12-08T00:00:00Z."""
DEC_9_10H = 1733738400.0
"""2024-12-09T10:00:00Z."""


def _records(name: str) -> list[LogRecord | None]:
    return [langfuse.record(name, row) for row in rows(name)]


def test_sniff_knows_both_spellings_and_no_other_tools() -> None:
    assert all(langfuse.sniff(row.data) for row in rows(API) + rows(CSV) + rows(JSONL))
    others = first_rows(excluding="langfuse_")
    assert others
    assert [name for name, row in others.items() if langfuse.sniff(row.data)] == []


def test_the_api_export_in_camel_case() -> None:
    cached, span, written, failed = _records(API)
    assert cached == LogRecord(
        source=API,
        line=1,
        model="gpt-4o-mini-2024-07-18",  # providedModelName before the matched model
        start=DEC_8,
        end=DEC_8 + 1.5,
        input_tokens=1200,  # input 176 + input_cached_tokens 1024: Langfuse's usage keys are disjoint
        cached_tokens=1024,
        cache_write_tokens=0,
        output_tokens=40,
        reasoning_tokens=0,
        cost=Decimal("0.0001272"),
        latency_ms=1500.0,
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is a token?"}],
        id="obs-1",
        metadata={"feature": "faq", "name": "answer", "environment": "production"},  # its api_key left out
    )
    assert span is None
    assert written == LogRecord(
        source=API,
        line=3,
        model="claude-3-5-sonnet-20241022",
        start=DEC_8 + 18000.0,
        end=DEC_8 + 18004.0,
        input_tokens=2100,  # 52 + 0 read + 2048 written
        cached_tokens=0,
        cache_write_tokens=2048,
        output_tokens=150,
        cost=Decimal("0.010086"),  # no "total": 0.000156 + 0.00768 + 0.00225
        latency_ms=4000.0,
        messages=[{"role": "user", "content": "Summarise the quarterly report."}],
        id="obs-2",
        metadata={"name": "summarise", "environment": "production"},
    )
    assert failed == LogRecord(
        source=API,
        line=4,
        model="gpt-4o",
        start=DEC_8 + 21600.0,
        end=DEC_8 + 21630.0,
        cost=None,
        latency_ms=30000.0,
        error="error",  # level ERROR; its statusMessage is not copied
        messages=[{"role": "user", "content": "Hello"}],
        id="obs-3",
        metadata={"name": "answer", "environment": "production"},
    )


def test_the_blob_export_as_csv() -> None:
    chat, event, reasoning = _records(CSV)
    assert chat == LogRecord(
        source=CSV,
        line=2,
        model="gpt-4o",
        start=DEC_8,
        end=DEC_8 + 2.25,
        input_tokens=2036,
        cached_tokens=1536,
        output_tokens=220,
        cost=Decimal("0.00537"),
        latency_ms=2250.0,
        messages=[{"role": "user", "content": "Plan a trip."}],
        id="obs-10",
        metadata={"feature": "chat", "name": "chat", "environment": "default"},
    )
    assert event is None
    assert reasoning == LogRecord(
        source=CSV,
        line=4,
        model="o3-mini",
        start=DEC_8 + 34200.0,
        end=DEC_8 + 34212.0,
        input_tokens=30,
        output_tokens=900,  # output 260 + output_reasoning_tokens 640
        reasoning_tokens=640,
        cost=None,
        latency_ms=12000.0,
        messages=[{"role": "user", "content": "Prove there are infinitely many primes."}],
        id="obs-12",
        metadata={"name": "solve", "environment": "default"},
    )


def test_the_blob_export_as_json_lines() -> None:
    spam, unfinished = _records(JSONL)
    assert spam is not None
    assert spam.latency_ms == pytest.approx(900.0)
    assert spam._replace(latency_ms=None) == LogRecord(
        source=JSONL,
        line=1,
        model="gpt-4o-mini",
        start=DEC_9_10H,
        end=DEC_9_10H + 0.9,
        input_tokens=90,
        output_tokens=2,
        cost=Decimal("0.0000147"),
        messages=[{"role": "user", "content": "Is this spam?"}],
        id="obs-20",
        metadata={"feature": "triage", "name": "classify", "environment": "default"},
    )
    assert unfinished == LogRecord(
        source=JSONL,
        line=2,
        model="gpt-4o-mini",
        start=DEC_9_10H + 3600.0,
        end=None,
        input_tokens=85,
        output_tokens=3,
        id="obs-21",
        metadata={"name": "classify", "environment": "default"},
    )


def test_per_modality_usage_keys_are_not_counted_twice() -> None:
    usage = {"input": 120, "input_modality_TEXT": 100, "input_modality_IMAGE": 20, "output": 7}
    usage |= {"output_modality_TEXT": 7, "cached_modality_TEXT": 0}
    row = rows(API)[0]
    record = langfuse.record(API, Row(1, {**row.data, "usageDetails": usage}))
    assert record is not None
    assert (record.input_tokens, record.cached_tokens, record.output_tokens) == (120, 0, 7)


@pytest.mark.parametrize(
    ("name", "field", "value", "message"),
    [
        (API, "usageDetails", {"input": "x"}, "usageDetails.input: expected a whole number, got 'x'"),
        (API, "costDetails", {"total": "abc"}, "costDetails.total: expected an amount in USD, got 'abc'"),
        (API, "startTime", "soon", "startTime: expected an ISO 8601 timestamp or epoch seconds, got 'soon'"),
        (CSV, "usage_details", "{bad", "usage_details: expected JSON, got '{bad'"),
        (CSV, "cost_details", "[1]", "cost_details: expected a JSON object, got [1]"),
        (CSV, "end_time", "later", "end_time: expected an ISO 8601 timestamp or epoch seconds, got 'later'"),
    ],
)
def test_a_bad_value_names_the_file_line_and_field(name: str, field: str, value: object, message: str) -> None:
    row = rows(name)[0]
    with pytest.raises(InvalidValueError) as raised:
        langfuse.record("export", Row(5, {**row.data, field: value}))
    assert str(raised.value) == f"export:5: {message}"
