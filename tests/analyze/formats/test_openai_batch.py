"""OpenAI batch files: input and output joined on custom_id, a failed request, each file alone."""

from __future__ import annotations

import json

import pytest

from routecli.analyze.formats import Row, openai_batch
from routecli.analyze.records import LogRecord
from routecli.errors import InvalidValueError
from tests.helpers.analyze import FIXTURES, read

INPUT = FIXTURES / "openai_batch_input.jsonl"
OUTPUT = FIXTURES / "openai_batch_output.jsonl"


def test_input_and_output_are_joined_on_custom_id() -> None:
    records, stats = read(OUTPUT, INPUT)  # the input file after the output: it is still read first
    source = str(OUTPUT)
    assert stats.formats == {source: "openai-batch", str(INPUT): "openai-batch"}
    assert records == [
        LogRecord(
            source, 1, "gpt-4o-mini-2024-07-18", start=1711652795.0, input_tokens=22, output_tokens=2,
            provider="openai", id="request-2", messages=({"role": "user", "content": "What is 2 + 2?"},),
            service_tier="batch",
        ),
        LogRecord(
            source, 2, "gpt-4o-mini-2024-07-18", start=1711652789.0, input_tokens=1300, cached_tokens=1280,
            output_tokens=9, provider="openai", id="request-1", service_tier="batch",
            messages=(
                {"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": "Hello world!"},
            ),
        ),
        # status 500 with error set: failed, no usage; the model is the one the input file asked for
        LogRecord(
            source, 3, "gpt-4o", error="http 500", provider="openai", id="request-3",
            messages=({"role": "user", "content": "Summarise the news."},),
        ),
    ]  # fmt: skip


def test_an_output_file_alone_gives_usage_without_text() -> None:
    records, _ = read(OUTPUT)
    assert [(r.id, r.model, r.input_tokens, r.error, r.messages) for r in records] == [
        ("request-2", "gpt-4o-mini-2024-07-18", 22, None, None),
        ("request-1", "gpt-4o-mini-2024-07-18", 1300, None, None),
        ("request-3", None, 0, "http 500", None),
    ]


def test_an_input_file_alone_says_it_has_no_usage() -> None:
    with pytest.raises(InvalidValueError) as raised:
        read(INPUT)
    assert str(raised.value).startswith(f"{INPUT}: an OpenAI batch input file holds requests but no usage")


def test_an_error_without_a_response() -> None:
    error = {"code": "invalid_prompt", "message": "x"}
    row = Row(4, {"id": "batch_req_1", "custom_id": "r9", "response": None, "error": error})
    record = openai_batch.record("f", row)
    assert record == LogRecord("f", 4, None, error="invalid_prompt", provider="openai", id="r9")


def test_sniff_takes_both_files_rows() -> None:
    rows = [json.loads(line) for path in (INPUT, OUTPUT) for line in path.read_text().splitlines()]
    assert all(openai_batch.sniff(row) for row in rows)
    assert [openai_batch.is_input(row) for row in rows] == [True] * 3 + [False] * 3
    assert not openai_batch.sniff(json.loads((FIXTURES / "openai_responses.jsonl").read_text().splitlines()[0]))
