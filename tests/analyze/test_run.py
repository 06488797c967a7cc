"""``analyze_logs``' fast path (a format's ``records``, the accumulator's buffered fold) against the generic one."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from routecli.analyze import analysis
from routecli.analyze.analysis import analyze, long_above
from routecli.analyze.formats import Row, openai
from routecli.analyze.read import ReadOptions
from routecli.analyze.records import LogRecord
from routecli.analyze.run import analyze_logs
from routecli.pricing.price_files import load_price_files
from tests.helpers.files import write
from tests.helpers.log_rows import FIXTURES, rows


def _generic(path: Path) -> list[LogRecord]:
    """The file's records the slow way: each row through ``openai.record``."""
    found = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if line.strip():
            found.append(openai.record(str(path), Row(number, json.loads(line))))
    return found


def _log(path: Path, count: int) -> Path:
    """Pairs and lone responses over three models and four days, repeats, and rows off the fast path's shape."""
    rng = random.Random(7)
    lines = []
    texts = [f"question number {n} about refunds and orders" for n in range(40)]
    for index in range(count):
        model = ("gpt-4o-mini-2024-07-18", "gpt-4o", "o3-mini")[index % 3]
        created: int | str = 1_741_570_000 + index * 1_000
        if index % 11 == 0:
            created *= 1000  # epoch milliseconds: read by ``record``, not inline
        if index % 13 == 0:
            created = "2025-03-10T01:31:23Z"
        usage = {"prompt_tokens": rng.randrange(5, 9000), "completion_tokens": rng.randrange(1, 500)}
        if index % 2:
            usage["prompt_tokens_details"] = {"cached_tokens": usage["prompt_tokens"] // 2}
            usage["completion_tokens_details"] = {"reasoning_tokens": usage["completion_tokens"] // 3}
        response = {"id": f"c{index}", "object": "chat.completion", "created": created, "model": model,
                    "choices": [], "usage": usage}  # fmt: skip
        if index % 4 == 3:
            lines.append(json.dumps(response))
            continue
        system = "You answer briefly. " * (300 if index % 5 == 0 else 1)  # some past the prefix length
        messages = [{"role": "system", "content": system}, {"role": "user", "content": rng.choice(texts)}]
        if index % 17 == 0:
            messages[1]["content"] = [{"type": "text", "text": rng.choice(texts)}]  # read by ``record``
        if index % 19 == 5:
            response = {"error": {"code": "rate_limit_exceeded"}}
        lines.append(json.dumps({"request": {"model": model, "messages": messages}, "response": response}))
    return write(path, "\n".join(lines) + "\n")


@pytest.mark.parametrize("chunk", [3, analysis.CHUNK])
def test_the_fast_path_gives_the_generic_paths_analysis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(analysis, "CHUNK", chunk)
    table = load_price_files(())
    for path in (FIXTURES / "openai_responses.jsonl", _log(tmp_path / "log.jsonl", 500)):
        fast = analyze_logs([str(path)], ReadOptions())
        accumulator = analysis.Accumulator(long_above=long_above(table))
        for record in _generic(path):
            accumulator.add(record)
        assert fast._replace(formats=(), skipped=()) == accumulator.finish(table)
        assert fast == analyze_logs([str(path)], ReadOptions())  # and the same on a second run
    generated = analyze(_generic(tmp_path / "log.jsonl"), table)
    assert generated.requests == 500
    # an error body where index % 19 == 5, unless the row is a lone response (index % 4 == 3: 43 mod 76)
    assert generated.errors == len(range(5, 500, 19)) - len(range(43, 500, 76)) == 20
    assert generated.duplicates.exact_share is not None
    assert generated.duplicates.exact_share > 0.5


def test_rows_of_the_fixture_read_the_same_through_records() -> None:
    fixture = rows("openai_responses.jsonl")
    assert list(openai.records("f", fixture)) == [openai.record("f", row) for row in fixture]
