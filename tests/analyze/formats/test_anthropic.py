"""Anthropic Messages responses: the three input fields added into one prompt size, pairs and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from routecli.analyze.formats import anthropic
from routecli.analyze.records import LogRecord
from routecli.errors import InvalidValueError
from tests.helpers.analyze import FIXTURES, read
from tests.helpers.files import write

FILE = FIXTURES / "anthropic_messages.jsonl"


def test_every_field_of_every_response() -> None:
    records, stats = read(FILE)
    source = str(FILE)
    assert stats.formats == {source: "anthropic"}
    assert records == [
        # 12 after the breakpoint + 2048 written to the cache = 2060
        LogRecord(
            source, 1, "claude-sonnet-4-20250514", input_tokens=2060, cache_write_tokens=2048, output_tokens=30,
            provider="anthropic", id="msg_01XFDUDYJgAACzvnptvVoYEL",
        ),
        # 20 + 2048 read from the cache = 2068; the system prompt comes first
        LogRecord(
            source, 2, "claude-3-5-haiku-20241022", input_tokens=2068, cached_tokens=2048, output_tokens=5,
            provider="anthropic", id="msg_02",
            messages=({"role": "system", "content": "You are terse."}, {"role": "user", "content": "Name a prime."}),
        ),
        LogRecord(
            source, 3, "claude-opus-4-1", error="overloaded_error", provider="anthropic",
            messages=({"role": "user", "content": "Hi"},),
        ),
    ]  # fmt: skip


def test_sniff_takes_messages_only() -> None:
    lines = [json.loads(line) for line in FILE.read_text().splitlines()]
    assert [anthropic.sniff(line) for line in lines] == [True, True, False]
    openai_line = json.loads((FIXTURES / "openai_responses.jsonl").read_text().splitlines()[0])
    assert not anthropic.sniff(openai_line)


def test_a_bad_cache_count_names_the_line_and_field(tmp_path: Path) -> None:
    line = json.loads(FILE.read_text().splitlines()[1])
    line["response"]["usage"]["cache_read_input_tokens"] = -3
    path = write(tmp_path / "log.jsonl", json.dumps(line) + "\n")
    with pytest.raises(InvalidValueError) as raised:
        read(path, input_format="anthropic")
    assert str(raised.value) == (
        f"{path}:1: response.usage.cache_read_input_tokens: expected a whole number ≥ 0, got a negative number"
    )
