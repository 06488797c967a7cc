"""OpenTelemetry GenAI spans as OTLP JSON: expansion into spans, detection, every field of every span, skipped
spans, bad values."""

from __future__ import annotations

import pytest

from routecli.analyze.formats import Row, otel
from routecli.analyze.records import LogRecord
from routecli.errors import InvalidValueError
from tests.helpers.log_rows import first_rows, rows

DOCUMENT = "otel_traces.json"
LINES = "otel_traces.jsonl"


def _records(name: str) -> list[LogRecord | None]:
    return [otel.record(name, span) for row in rows(name) for span in otel.expand(row)]


def test_sniff_knows_its_documents_and_no_other_tools() -> None:
    assert all(otel.sniff(row.data) for row in rows(DOCUMENT) + rows(LINES))
    others = first_rows(excluding="otel_")
    assert others
    assert [name for name, row in others.items() if otel.sniff(row.data)] == []


def test_expand_makes_a_row_per_span_on_its_document_line() -> None:
    spans = [span for row in rows(LINES) for span in otel.expand(row)]
    assert [(span.line, span.data["spanId"]) for span in spans] == [(1, "b7ad6b7169203331"), (2, "b7ad6b7169203332")]
    assert len(list(otel.expand(rows(DOCUMENT)[0]))) == 4


def test_a_document_of_spans() -> None:
    chat, http, failed, agent = _records(DOCUMENT)
    assert chat == LogRecord(
        source=DOCUMENT,
        line=1,
        model="gpt-4o-mini-2024-07-18",  # the response's model before the requested one
        start=1733616000.0,
        end=1733616001.25,
        input_tokens=1200,
        cached_tokens=1024,  # already inside input_tokens, as the conventions say
        output_tokens=300,
        latency_ms=1250.0,
        provider="openai",
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Where is my order?"}],
        id="chatcmpl-o1",
        metadata={
            "trace_id": "5b8efff798038103d269b633813fc60c",
            "span_name": "chat gpt-4o-mini",
            "operation": "chat",
            "service": "support-bot",
        },
    )
    assert http is None  # no gen_ai attribute
    assert failed is not None
    assert failed.latency_ms == pytest.approx(400.0)
    assert failed._replace(latency_ms=None) == LogRecord(
        source=DOCUMENT,
        line=1,
        model="gpt-4o",
        start=1733619600.0,
        end=1733619600.4,
        error="http 429",  # status.code 2, error.type 429
        provider="openai",  # the older gen_ai.system
        id="eee19b7ec3c1b176",
        metadata={
            "trace_id": "5b8efff798038103d269b633813fc60d",
            "span_name": "chat gpt-4o",
            "operation": "chat",
            "service": "support-bot",
        },
    )
    assert agent is None  # invoke_agent: its usage is its calls'


def test_json_lines_of_documents_and_the_older_token_names() -> None:
    written, reasoning = _records(LINES)
    assert written == LogRecord(
        source=LINES,
        line=1,
        model="claude-3-5-sonnet-20241022",
        start=1733706000.0,
        end=1733706003.5,
        input_tokens=2100,  # gen_ai.usage.prompt_tokens
        cache_write_tokens=2048,  # gen_ai.usage.cache_creation_input_tokens, OpenLLMetry's spelling
        output_tokens=150,  # gen_ai.usage.completion_tokens
        latency_ms=3500.0,
        provider="anthropic",
        messages=[  # gen_ai.prompt.N.role and .content
            {"role": "system", "content": "Summarise in one line."},
            {"role": "user", "content": "The meeting moved to Friday."},
        ],
        id="b7ad6b7169203331",
        metadata={
            "trace_id": "0af7651916cd43dd8448eb211c80319c",
            "span_name": "anthropic.chat",
            "service": "summariser",
        },
    )
    assert reasoning == LogRecord(
        source=LINES,
        line=2,
        model="o3-mini",
        start=1733709600.0,
        end=1733709609.0,
        input_tokens=336,
        output_tokens=900,
        reasoning_tokens=640,
        latency_ms=9000.0,
        provider="openai",
        id="b7ad6b7169203332",
        metadata={"trace_id": "0af7651916cd43dd8448eb211c80319d", "span_name": "chat o3-mini", "operation": "chat"},
    )


def _span_with(**changes: object) -> Row:
    span = next(iter(otel.expand(rows(LINES)[1])))
    return Row(3, {**span.data, **changes})


def test_a_bad_token_count_names_the_attribute() -> None:
    attributes = [{"key": "gen_ai.request.model", "value": {"stringValue": "o3-mini"}}]
    attributes.append({"key": "gen_ai.usage.input_tokens", "value": {"intValue": "many"}})
    with pytest.raises(InvalidValueError) as raised:
        otel.record("spans.jsonl", _span_with(attributes=attributes))
    assert str(raised.value) == "spans.jsonl:3: gen_ai.usage.input_tokens: expected a whole number, got 'many'"


def test_a_bad_time_names_the_field() -> None:
    with pytest.raises(InvalidValueError) as raised:
        otel.record("spans.jsonl", _span_with(endTimeUnixNano="soon"))
    assert str(raised.value) == "spans.jsonl:3: endTimeUnixNano: expected a whole number, got 'soon'"
