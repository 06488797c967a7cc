"""The prompt sample of ``--write-prompts``: reservoir sampling, proportional strata, lines replay reads."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from routecli.analyze.prompt_sample import PromptSampler, allocate
from routecli.analyze.records import LogRecord


def _record(line: int, text: str | None = "hi", *, role: str = "user", id: str | None = None) -> LogRecord:
    messages = None if text is None else [{"role": role, "content": text}]
    return LogRecord("log.jsonl", line, "gpt-4o", messages=messages, id=id)


@pytest.mark.parametrize(
    ("size", "counts", "parts"),
    [
        (10, {"a": 60, "b": 30, "c": 10}, {"a": 6, "b": 3, "c": 1}),
        # 2, 1.2, 0.8: floors 2, 1, 0; the one left goes to the largest remainder, c's 0.8
        (4, {"a": 50, "b": 30, "c": 20}, {"a": 2, "b": 1, "c": 1}),
        # 1.5 and 1.5: a tie of remainders goes to the larger stratum, then by name
        (3, {"a": 5, "b": 5}, {"a": 2, "b": 1}),
        (50, {"a": 3, "b": 2}, {"a": 3, "b": 2}),
    ],
)
def test_allocate_gives_each_stratum_its_proportional_part_by_largest_remainders(
    size: int, counts: dict[str, int], parts: dict[str, int]
) -> None:
    assert allocate(size, counts) == parts


def test_every_prompt_is_sampled_equally_often() -> None:
    chosen: Counter[str] = Counter()
    for seed in range(2_000):
        sampler = PromptSampler(2, seed=seed)
        for line in range(1, 11):
            sampler.offer(_record(line), "s")
        chosen.update(json.loads(line)["id"] for line in sampler.lines())
    # each of 10 prompts in 2 of 10 places: 400 of 2,000 samples, a binomial sd of about 18
    assert all(abs(count - 400) < 90 for count in chosen.values())
    assert len(chosen) == 10


def _with_lines(sampler: PromptSampler) -> list[str]:
    return [
        json.dumps({"metadata": {"line": int(json.loads(line)["id"].rsplit(":", 1)[1])}}) for line in sampler.lines()
    ]


def test_prompts_without_text_are_counted_but_never_sampled_and_unreadable_ones_are_left_out_by_reason() -> None:
    sampler = PromptSampler(10)
    sampler.offer(_record(1, None), "s")
    sampler.offer(_record(2, "ok"), "s")
    sampler.offer(_record(3, "who?", role="narrator"), "s")
    assert sampler.offered == 3
    assert sampler.with_text == 1
    assert sum(sampler.left_out.values()) == 1
    assert "narrator" in next(iter(sampler.left_out))


def test_repeated_ids_get_a_suffix_so_replay_takes_every_line() -> None:
    sampler = PromptSampler(5)
    for line in (1, 2, 3):
        sampler.offer(_record(line, id="req-1"), "s")
    assert [json.loads(line)["id"] for line in sampler.lines()] == ["req-1", "req-1#2", "req-1#3"]


def test_without_a_sample_size_each_line_is_handed_back_at_once_and_nothing_kept() -> None:
    sampler = PromptSampler(None)
    lines = [sampler.offer(_record(line, id="req-1"), "s") for line in (1, 2)]
    assert [json.loads(line)["id"] for line in lines if line] == ["req-1", "req-1#2"]
    assert sampler.offer(_record(3, None), "s") is None
    assert sampler.lines() == []


def test_metadata_json_has_no_type_for_is_written_as_text() -> None:
    sampler = PromptSampler(None)
    record = _record(1)._replace(metadata={"at": datetime(2025, 3, 10, tzinfo=UTC), "cost": Decimal("0.25")})
    line = sampler.offer(record, "s")
    assert line is not None
    assert json.loads(line)["metadata"] == {
        "at": "2025-03-10 00:00:00+00:00",
        "cost": "0.25",
        "segment": "s",
        "model": "gpt-4o",
    }
