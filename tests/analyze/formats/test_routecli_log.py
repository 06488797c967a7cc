"""A replay decision log, written by replay's own DecisionLog: each answering attempt is one request."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from routecli.analyze.formats import routecli_log
from routecli.analyze.records import LogRecord
from routecli.errors import InvalidValueError
from routecli.replay.log import DecisionLog
from routecli.replay.records import Decision
from tests.helpers.analyze import read
from tests.helpers.decisions import CASCADE_RUN, answer, decision, failure, judge


def _log(tmp_path: Path, decisions: list[Decision]) -> Path:
    path = tmp_path / "decisions.jsonl"
    with DecisionLog(path, CASCADE_RUN) as log:
        for item in decisions:
            log.write(item)
        log.end(None)
    return path


def test_answers_become_records_and_judges_do_not(tmp_path: Path) -> None:
    two = decision(
        "2",
        [
            answer("light", (2000, 100, 1000), "0.0017", 120),
            judge("accept_judge", "mid", (500, 10), "0.00165", 40),
            answer("mid", (2000, 300, 0), "0.0105", 300),
        ],
        "mid",
        470,
        correct=False,
    )
    timeout = decision("3", [failure("light", "timeout", 5000)], None, 5000)
    path = _log(tmp_path, [two._replace(prompt=({"role": "user", "content": "Add 2 and 2."},)), timeout])
    records, stats = read(path)
    source = str(path)
    assert stats.formats == {source: "routecli-log"}
    asked = ({"role": "user", "content": "Add 2 and 2."},)
    assert records == [
        # line 1 is the run header; the decision is on line 2, its judge's call left out
        LogRecord(
            source, 2, "light-model", input_tokens=2000, cached_tokens=1000, output_tokens=100,
            cost=Decimal("0.0017"), latency_ms=120.0, messages=asked, id="2", expected="42",
            metadata={"tier": "light"},
        ),
        LogRecord(
            source, 2, "mid-model", input_tokens=2000, output_tokens=300, cost=Decimal("0.0105"),
            latency_ms=300.0, messages=asked, id="2", expected="42", metadata={"tier": "mid"},
        ),
        # a failed call: its error kind, never its message; the end line is no request
        LogRecord(
            source, 3, "light-model", cost=Decimal("0"), latency_ms=5000.0, error="timeout", id="3",
            metadata={"tier": "light"},
        ),
    ]  # fmt: skip


def test_sniff_takes_the_header_only(tmp_path: Path) -> None:
    lines = [json.loads(line) for line in _log(tmp_path, []).read_text().splitlines()]
    assert [routecli_log.sniff(line) for line in lines] == [True, False]


def test_a_damaged_attempt_names_the_line_and_field(tmp_path: Path) -> None:
    path = _log(tmp_path, [decision("1", [answer("light", (10, 5, 0), "0.1", 1)], "light", 1)])
    lines = path.read_text().splitlines()
    damaged = json.loads(lines[1])
    damaged["attempts"][0]["output_tokens"] = "five"
    path.write_text("\n".join([lines[0], json.dumps(damaged), lines[2]]) + "\n")
    with pytest.raises(InvalidValueError) as raised:
        read(path)
    assert str(raised.value) == f"{path}:2: attempts[0].output_tokens: expected a whole number ≥ 0, got text"
