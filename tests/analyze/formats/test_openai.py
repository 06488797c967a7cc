"""OpenAI chat-completion responses, alone and as request/response pairs, on a fixture in the API's own shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from routecli.analyze.formats import Row, openai
from routecli.analyze.records import LogRecord
from routecli.errors import InvalidValueError
from tests.helpers.analyze import FIXTURES, read
from tests.helpers.files import write

FILE = FIXTURES / "openai_responses.jsonl"


def test_every_field_of_every_response() -> None:
    records, stats = read(FILE)
    source = str(FILE)
    assert stats.formats == {source: "openai"}
    assert records == [
        LogRecord(
            source, 1, "gpt-4o-2024-08-06", start=1741570283.0, input_tokens=1117, cached_tokens=1024,
            output_tokens=46, provider="openai", id="chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
        ),
        # line 2 is blank; a pair: the response's model is billed, the request gives the messages
        LogRecord(
            source, 3, "o3-mini-2025-01-31", start=1741570290.0, input_tokens=24, output_tokens=320,
            reasoning_tokens=256, provider="openai", id="chatcmpl-C2xQ7",
            messages=(
                {"role": "developer", "content": "Answer with a number."},
                {"role": "user", "content": "What is 17 * 23?"},
            ),
        ),
        # an error response: the requested model, the error's code (not its message), no tokens
        LogRecord(
            source, 4, "gpt-4o-mini", error="rate_limit_exceeded", provider="openai",
            messages=({"role": "user", "content": "Hello"},),
        ),
        # no *_details in usage: nothing cached, no reasoning
        LogRecord(
            source, 5, "gpt-4o-mini-2024-07-18", start=1741570300.0, input_tokens=9, output_tokens=2,
            provider="openai", id="chatcmpl-D3",
        ),
    ]  # fmt: skip


def test_sniff_takes_responses_and_pairs_only() -> None:
    lines = [json.loads(line) for line in FILE.read_text().splitlines() if line]
    assert [openai.sniff(line) for line in lines] == [True, True, False, True]
    anthropic = json.loads((FIXTURES / "anthropic_messages.jsonl").read_text().splitlines()[0])
    batch = json.loads((FIXTURES / "openai_batch_output.jsonl").read_text().splitlines()[0])
    assert not openai.sniff(anthropic)
    assert not openai.sniff(batch)


def test_a_bad_count_names_the_line_and_field(tmp_path: Path) -> None:
    good = FILE.read_text().splitlines()[0]
    bad = json.loads(good)
    bad["usage"]["completion_tokens"] = "many"
    path = write(tmp_path / "log.jsonl", good + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(InvalidValueError) as raised:
        read(path)
    assert str(raised.value) == f"{path}:2: usage.completion_tokens: expected a whole number ≥ 0, got text"


def test_a_response_without_usage_is_refused(tmp_path: Path) -> None:
    line = {"id": "x", "object": "chat.completion", "created": 1, "model": "gpt-4o", "choices": []}
    path = write(tmp_path / "log.jsonl", json.dumps(line) + "\n")
    with pytest.raises(InvalidValueError, match=r"log.jsonl:1: usage: missing the token usage"):
        read(path)


def _fixture_body() -> dict[str, Any]:
    body: dict[str, Any] = json.loads(FILE.read_text().splitlines()[0])
    return body


def _variants() -> list[dict[str, Any]]:
    """Rows of the common shape and rows just off it: each must read as ``record`` reads it, or fail as it fails."""
    body = _fixture_body()
    pair = json.loads(FILE.read_text().splitlines()[2])
    off_body: list[dict[str, Any]] = [
        {"created": 1741570283000},  # epoch milliseconds
        {"created": "2025-03-10T01:31:23Z"},
        {"created": None},
        {"model": ""},  # no model: none to bill
        {"model": 7},
        {"id": 42},
        {"id": ""},
        {"usage": {"prompt_tokens": True, "completion_tokens": 1}},
        {"usage": {"prompt_tokens": 5.0, "completion_tokens": 1}},
        {"usage": {"prompt_tokens": -1, "completion_tokens": 1}},
        {"usage": {"completion_tokens": 1}},
        {"usage": {"prompt_tokens": 5, "completion_tokens": 1, "prompt_tokens_details": None}},
        {"usage": {"prompt_tokens": 5, "completion_tokens": 1, "prompt_tokens_details": []}},
        {"usage": {"prompt_tokens": 5, "completion_tokens": 1, "prompt_tokens_details": {"cached_tokens": "3"}}},
        {"usage": {"prompt_tokens": 5, "completion_tokens": 1, "completion_tokens_details": {}}},
        {"usage": "none"},
    ]
    rows = [body, pair, {**body, "usage": None, "error": {"code": "x"}}, []]
    rows += [{**body, **change} for change in off_body]
    off_request: list[dict[str, Any]] = [
        {"messages": None},
        {"messages": "hi"},
        {"messages": [{"content": "no role"}]},
        {"model": 3},
        {"model": ["x"]},
    ]
    for change in off_request:
        rows.append({**pair, "request": {**pair["request"], **change}})
    rows.append({"request": "text", "response": body})
    rows.append({"request": pair["request"], "response": {**body, "model": None}})
    rows.append({"request": pair["request"], "response": "text"})
    return rows


def _outcome(row: Row) -> LogRecord | str:
    """What the reader makes of one row read by ``record``: its record, or its error located at the row."""
    try:
        return openai.record("log.jsonl", row)
    except InvalidValueError as error:
        return str(error.located("log.jsonl", row.line))


def test_records_reads_many_rows_as_record_reads_each() -> None:
    rows = [Row(line, data) for line, data in enumerate(_variants(), start=1) if isinstance(data, dict)]
    expected = [_outcome(row) for row in rows]
    found = [
        str(outcome) if isinstance(outcome, InvalidValueError) else outcome
        for outcome in openai.records("log.jsonl", rows)
    ]
    assert found == expected
    # refused: usage null, a bool count, a negative count, usage as text, messages as text, a message without
    # role, the requested model as a list, the request as text, the response as text
    assert sum(isinstance(outcome, str) for outcome in found) == 9
    assert found[0] == LogRecord(
        "log.jsonl", 1, "gpt-4o-2024-08-06", start=1741570283.0, input_tokens=1117, cached_tokens=1024,
        output_tokens=46, provider="openai", id="chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
    )  # fmt: skip


def test_records_passes_the_containers_errors_through() -> None:
    problem = InvalidValueError("not valid JSON: unexpected end", source="log.jsonl", line=2)
    outcomes = list(openai.records("log.jsonl", [Row(1, _fixture_body()), problem]))
    assert outcomes[1] is problem
    assert isinstance(outcomes[0], LogRecord)
    assert outcomes[0].line == 1
