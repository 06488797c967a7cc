"""LiteLLM's StandardLoggingPayload lines: detection, every field of every fixture row, bad values, API keys."""

from __future__ import annotations

from decimal import Decimal

import pytest

from routecli.analyze.formats import Row, litellm
from routecli.analyze.records import LogRecord
from routecli.errors import InvalidValueError
from tests.helpers.log_rows import first_rows, rows

FIXTURE = "litellm_payloads.jsonl"
KEY_HASH = "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b"


def _records() -> list[LogRecord]:
    return [litellm.record(FIXTURE, row) for row in rows(FIXTURE)]


def test_sniff_knows_its_own_rows_and_no_other_tools() -> None:
    assert all(litellm.sniff(row.data) for row in rows(FIXTURE))
    others = first_rows(excluding="litellm_payloads")
    assert others
    assert [name for name, row in others.items() if litellm.sniff(row.data)] == []


def test_a_cached_openai_request() -> None:
    first = _records()[0]
    assert first == LogRecord(
        source=FIXTURE,
        line=1,
        model="gpt-4o-mini",
        start=1733616000.0,
        end=1733616001.25,
        input_tokens=1200,
        cached_tokens=1024,
        cache_write_tokens=0,
        output_tokens=300,
        reasoning_tokens=0,
        cost=Decimal("0.00036"),
        latency_ms=1250.0,
        error=None,
        provider="openai",
        messages=[
            {"role": "system", "content": "You answer questions about the docs."},
            {"role": "user", "content": "How do I rotate a key?"},
        ],
        id="chatcmpl-9a1b",
        metadata={
            "user_api_key_alias": "prod-key",
            "user_api_key_org_id": None,
            "user_api_key_team_id": "team-1",
            "user_api_key_user_id": "u-7",
            "user_api_key_team_alias": "search",
            "spend_logs_metadata": {"feature": "search"},
            "requester_ip_address": "",
            "requester_metadata": {},
            "model_group": "fast",
        },
    )


def test_an_anthropic_request_that_wrote_the_cache() -> None:
    second = _records()[1]
    assert (second.model, second.line, second.provider, second.id) == (
        "claude-3-5-sonnet-20241022",
        2,
        "anthropic",
        "msg_01Xa",
    )
    assert (second.start, second.end, second.latency_ms) == (1733619600.5, 1733619603.0, 2500.0)
    # LiteLLM's prompt_tokens already holds the 2048 cache-written tokens: 52 new + 2048 written
    assert (second.input_tokens, second.cached_tokens, second.cache_write_tokens) == (2100, 0, 2048)
    assert (second.output_tokens, second.reasoning_tokens) == (150, 0)
    assert second.cost == Decimal("0.0099636")
    assert second.error is None
    assert second.messages == [{"role": "user", "content": [{"type": "text", "text": "Summarise this report."}]}]
    assert second.metadata == {
        "user_api_key_alias": "prod-key",
        "user_api_key_team_id": "team-1",
        "spend_logs_metadata": {"feature": "summarise"},
        "model_group": "smart",
    }


def test_cache_writes_read_from_the_newer_prompt_tokens_details() -> None:
    row = rows(FIXTURE)[1]
    usage = {"prompt_tokens": 2100, "prompt_tokens_details": {"cached_tokens": 0, "cache_creation_tokens": 2048}}
    record = litellm.record(FIXTURE, Row(2, {**row.data, "metadata": {"usage_object": usage}}))
    assert (record.input_tokens, record.cached_tokens, record.cache_write_tokens) == (2100, 0, 2048)


def test_a_failed_request_names_its_status_not_its_error_text() -> None:
    third = _records()[2]
    assert third.error == "http 429"
    assert (third.model, third.input_tokens, third.output_tokens, third.cost) == ("gpt-4o", 0, 0, Decimal("0.0"))
    assert third.latency_ms == pytest.approx(400.0)
    assert third.metadata == {"spend_logs_metadata": None, "model_group": "smart"}
    assert "secret plan" not in repr(third._replace(messages=None))


def test_a_payload_without_the_optional_fields() -> None:
    fourth = _records()[3]
    assert fourth == LogRecord(
        source=FIXTURE,
        line=4,
        model="o3-mini",
        start=1733626800.0,
        end=1733626809.5,
        input_tokens=336,
        cached_tokens=0,
        cache_write_tokens=0,
        output_tokens=900,
        reasoning_tokens=640,
        cost=Decimal("0.0049104"),
        latency_ms=9500.0,
        id="chatcmpl-9a1e",
    )


def test_api_key_fields_are_never_copied() -> None:
    for record in _records():
        assert KEY_HASH not in repr(record)
        assert not any(key in ("user_api_key", "user_api_key_hash", "api_key") for key in record.metadata or {})
    assert (_records()[0].metadata or {})["user_api_key_team_alias"] == "search"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("prompt_tokens", "lots", "prompt_tokens: expected a whole number, got 'lots'"),
        ("completion_tokens", -3, "completion_tokens: expected a count of 0 or more, got -3"),
        ("response_cost", "free", "response_cost: expected an amount in USD, got 'free'"),
        ("startTime", "yesterday", "startTime: expected an ISO 8601 timestamp or epoch seconds, got 'yesterday'"),
    ],
)
def test_a_bad_value_names_the_file_line_and_field(field: str, value: object, message: str) -> None:
    row = rows(FIXTURE)[0]
    with pytest.raises(InvalidValueError) as raised:
        litellm.record("logs/litellm.jsonl", Row(7, {**row.data, field: value}))
    assert str(raised.value) == f"logs/litellm.jsonl:7: {message}"


def test_a_bad_cached_count_names_its_path_in_the_usage_object() -> None:
    row = rows(FIXTURE)[0]
    metadata = {**row.data["metadata"], "usage_object": {"prompt_tokens_details": {"cached_tokens": "many"}}}
    with pytest.raises(InvalidValueError) as raised:
        litellm.record("l.jsonl", Row(3, {**row.data, "metadata": metadata}))
    assert str(raised.value).startswith("l.jsonl:3: metadata.usage_object.prompt_tokens_details.cached_tokens: ")
