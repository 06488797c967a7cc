"""A routecli prompt file: text, ids, expected answers and metadata, checked as replay checks them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from routecli.analyze.formats import routecli_prompts
from routecli.analyze.records import LogRecord
from routecli.errors import InvalidValueError
from tests.helpers.analyze import FIXTURES, read
from tests.helpers.files import write

FILE = FIXTURES / "prompts.jsonl"


def test_every_field_of_every_prompt() -> None:
    records, stats = read(FILE)
    source = str(FILE)
    assert stats.formats == {source: "routecli-prompts"}
    assert records == [
        LogRecord(
            source, 1, None, messages=({"role": "user", "content": "Say hello."},), id="greet",
            metadata={"team": "support"},
        ),
        # no id: the line number, as replay gives it; a number expected is its text
        LogRecord(
            source, 2, None, id="2", expected="4",
            messages=({"role": "system", "content": "Be brief."}, {"role": "user", "content": "2 + 2?"}),
        ),
    ]  # fmt: skip


def test_sniff() -> None:
    assert all(routecli_prompts.sniff(json.loads(line)) for line in FILE.read_text().splitlines())
    assert not routecli_prompts.sniff({"question": "q", "answer": "a"})
    assert not routecli_prompts.sniff({"model": "gpt-4o", "messages": []})


def test_a_bad_prompt_is_refused_as_replay_refuses_it(tmp_path: Path) -> None:
    path = write(tmp_path / "prompts.jsonl", '{"prompt": "ok"}\n{"prompt": "x", "max_tokens": 0}\n')
    with pytest.raises(InvalidValueError) as raised:
        read(path)
    assert str(raised.value) == f"{path}:2: max_tokens: expected a whole number ≥ 1, got the number 0"
