"""LiteLLM_SpendLogs exports, CSV and JSON: detection, every field of every fixture row, bad values, API keys."""

from __future__ import annotations

from decimal import Decimal

import pytest

from routecli.analyze.formats import Row, litellm_spend_logs
from routecli.analyze.records import LogRecord
from routecli.errors import InvalidValueError
from tests.helpers.log_rows import first_rows, rows

CSV = "litellm_spend_logs.csv"
JSON = "litellm_spend_logs.json"
KEY_HASH = "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b"
DEC_8 = 1733616000.0
"""2024-12-08T00:00:00Z."""
DEC_9_10H = 1733738400.0
"""2024-12-09T10:00:00Z."""


def _records(name: str) -> list[LogRecord]:
    return [litellm_spend_logs.record(name, row) for row in rows(name)]


def test_sniff_knows_its_own_rows_and_no_other_tools() -> None:
    assert all(litellm_spend_logs.sniff(row.data) for row in rows(CSV) + rows(JSON))
    others = first_rows(excluding="litellm_spend_logs")
    assert others
    assert [name for name, row in others.items() if litellm_spend_logs.sniff(row.data)] == []


def test_the_csv_export() -> None:
    first, second, third, fourth = _records(CSV)
    assert first == LogRecord(
        source=CSV,
        line=2,
        model="gpt-4o-mini",
        start=DEC_8,
        end=DEC_8 + 1.25,
        input_tokens=1200,
        cached_tokens=1024,
        cache_write_tokens=0,
        output_tokens=300,
        reasoning_tokens=0,
        cost=Decimal("0.00036"),
        latency_ms=1250.0,
        error=None,
        provider="openai",
        messages=[{"role": "user", "content": "How do I rotate a key?"}],
        id="chatcmpl-7f3a",
        metadata={
            "user_api_key_alias": "prod-key",
            "user_api_key_team_id": "team-1",
            "user_api_key_user_id": "u-7",
            "spend_logs_metadata": {"feature": "search"},
            "status": "success",
            "additional_usage_values": {},
            "model_group": "fast",
        },
    )
    assert second == LogRecord(
        source=CSV,
        line=3,
        model="claude-3-5-sonnet-20241022",
        start=DEC_8 + 3600.5,
        end=DEC_8 + 3603.0,
        input_tokens=2100,
        cached_tokens=2048,
        cache_write_tokens=0,
        output_tokens=150,
        reasoning_tokens=0,
        cost=Decimal("0.0099636"),
        latency_ms=2500.0,
        provider="anthropic",
        messages=None,  # "{}": the proxy stored no prompt
        id="msg_01Xb",
        metadata={"spend_logs_metadata": {"feature": "summarise"}, "model_group": "smart"},
    )
    assert third == LogRecord(
        source=CSV,
        line=4,
        model="gpt-4o",
        start=DEC_8 + 7200.0,
        end=DEC_8 + 7230.0,
        cost=Decimal("0.0"),
        latency_ms=30000.0,
        error="Timeout",  # no error code, so the error's class
        provider="openai",
        id="b5d0a7f2-1c3e-4e8a-9a51-3b2f6c7d8e90",
        metadata={"status": "failure", "model_group": "smart"},
    )
    # a response-cache hit with no request_duration_ms: latency from the two times
    assert fourth.metadata == {"model_group": "fast", "cache_hit": True}
    assert fourth.latency_ms == pytest.approx(50.0)
    assert (fourth.start, fourth.input_tokens, fourth.cached_tokens) == (DEC_8 + 10800.0, 1200, 0)


def test_the_json_export() -> None:
    first, second = _records(JSON)
    assert first == LogRecord(
        source=JSON,
        line=1,
        model="gpt-4o-mini",
        start=DEC_9_10H,
        end=DEC_9_10H + 0.8,
        input_tokens=400,
        output_tokens=100,
        cost=Decimal("0.000105"),
        latency_ms=800.0,
        provider="openai",
        id="chatcmpl-8b11",
        metadata={
            "user_api_key_alias": "prod-key",
            "spend_logs_metadata": {"feature": "search"},
            "model_group": "fast",
        },
    )
    assert second == LogRecord(
        source=JSON,
        line=2,
        model="o3-mini",
        start=DEC_9_10H + 3600.0,
        end=DEC_9_10H + 3604.0,
        input_tokens=200,
        output_tokens=500,
        reasoning_tokens=384,
        cost=Decimal("0.0021"),
        latency_ms=4000.0,
        provider="openai",
        messages=[{"role": "user", "content": "Prove it."}],
        id="chatcmpl-8b12",
        metadata={"model_group": "reasoning"},
    )


def test_the_api_key_is_never_copied() -> None:
    for record in _records(CSV) + _records(JSON):
        assert KEY_HASH not in repr(record)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("spend", "n/a", "spend: expected an amount in USD, got 'n/a'"),
        ("prompt_tokens", "1.5", "prompt_tokens: expected a whole number, got '1.5'"),
        ("endTime", "08/12/2024", "endTime: expected an ISO 8601 timestamp or epoch seconds, got '08/12/2024'"),
        ("metadata", "{not json", "metadata: expected JSON, got '{not json'"),
        ("metadata", "[1, 2]", "metadata: expected a JSON object, got [1, 2]"),
        ("request_duration_ms", "slow", "request_duration_ms: expected a number, got 'slow'"),
    ],
)
def test_a_bad_cell_names_the_file_row_and_column(field: str, value: str, message: str) -> None:
    row = rows(CSV)[0]
    with pytest.raises(InvalidValueError) as raised:
        litellm_spend_logs.record("spend.csv", Row(9, {**row.data, field: value}))
    assert str(raised.value) == f"spend.csv:9: {message}"
