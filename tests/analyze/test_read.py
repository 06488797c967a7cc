"""LogReader: a format per file (detected, named or mapped), several files at once, bad rows, progress."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from routecli.analyze.read import DETECT_ROWS, FORMATS, LogReader, ReadOptions, ReadStats, format_names
from routecli.errors import InvalidValueError
from tests.helpers.analyze import FIXTURES, read
from tests.helpers.files import write

DETECTED = {
    "openai_responses.jsonl": "openai",
    "anthropic_messages.jsonl": "anthropic",
    "openai_batch_output.jsonl": "openai-batch",
    "prompts.jsonl": "routecli-prompts",
    "litellm_payloads.jsonl": "litellm",
    "litellm_spend_logs.csv": "litellm-spend-logs",
    "litellm_spend_logs.json": "litellm-spend-logs",
    "langfuse_observations.csv": "langfuse",
    "langfuse_observations.json": "langfuse",
    "langfuse_observations.jsonl": "langfuse",
    "helicone_requests.csv": "helicone",
    "helicone_requests.json": "helicone",
    "otel_traces.json": "otel",
    "otel_traces.jsonl": "otel",
}


@pytest.mark.parametrize(("name", "expected"), DETECTED.items())
def test_each_format_is_detected_from_its_first_row(name: str, expected: str) -> None:
    _, stats = read(FIXTURES / name)
    assert stats.formats == {str(FIXTURES / name): expected}


def test_format_names_list_every_module_once() -> None:
    assert format_names() == (
        "routecli-log, openai-batch, otel, litellm-spend-logs, litellm, langfuse, helicone, openai, anthropic, "
        "routecli-prompts, mapped"
    )
    assert len({module.NAME for module in FORMATS}) == len(FORMATS)


def test_mixed_formats_in_one_call_keep_file_order() -> None:
    files = [FIXTURES / "anthropic_messages.jsonl", FIXTURES / "openai_responses.jsonl", FIXTURES / "prompts.jsonl"]
    records, stats = read(*files)
    assert list(stats.formats.values()) == ["anthropic", "openai", "routecli-prompts"]
    assert [(Path(r.source).name, r.line) for r in records] == [
        ("anthropic_messages.jsonl", 1),
        ("anthropic_messages.jsonl", 2),
        ("anthropic_messages.jsonl", 3),
        ("openai_responses.jsonl", 1),
        ("openai_responses.jsonl", 3),
        ("openai_responses.jsonl", 4),
        ("openai_responses.jsonl", 5),
        ("prompts.jsonl", 1),
        ("prompts.jsonl", 2),
    ]
    # rows: 3 + 4 (the blank line is none) + 2
    assert stats.rows == 9


def test_an_unknown_shape_names_the_formats_and_the_ways_out() -> None:
    path = FIXTURES / "gsm8k_test.jsonl"
    with pytest.raises(InvalidValueError) as raised:
        read(path)
    assert str(raised.value) == (
        f"{path}: cannot tell which log format this is from its first 2 rows (from line 1): name it with "
        "--input-format "
        f"({format_names()}) or map its fields with --map FIELD=PATH"
    )


def test_input_format_reads_what_detection_cannot(tmp_path: Path) -> None:
    """A trimmed response log (no ``object``, no ``choices``) is no detectable chat completion; named, it reads."""
    line = {"model": "gpt-4o", "created": 1700000000, "usage": {"prompt_tokens": 7, "completion_tokens": 3}}
    path = write(tmp_path / "trimmed.jsonl", json.dumps(line) + "\n")
    with pytest.raises(InvalidValueError, match="cannot tell which log format"):
        read(path)
    records, stats = read(path, input_format="openai")
    assert stats.formats == {str(path): "openai"}
    assert [(r.model, r.start, r.input_tokens, r.output_tokens) for r in records] == [("gpt-4o", 1700000000.0, 7, 3)]


def test_an_unknown_input_format_is_refused() -> None:
    with pytest.raises(InvalidValueError) as raised:
        LogReader([], ReadOptions(input_format="langsmith"))
    assert str(raised.value) == f"--input-format langsmith: unknown format; one of: {format_names()}"


def test_mapped_needs_a_map() -> None:
    with pytest.raises(InvalidValueError, match=r"--input-format mapped needs --map FIELD=PATH"):
        LogReader([], ReadOptions(input_format="mapped"))


def test_skip_invalid_counts_bad_rows_by_reason(tmp_path: Path) -> None:
    good = (FIXTURES / "openai_responses.jsonl").read_text().splitlines()[0]
    bad_count = json.loads(good)
    bad_count["usage"]["prompt_tokens"] = "lots"
    lines = [good, "{not json", "[1, 2]", json.dumps(bad_count), good, json.dumps(bad_count), "{"]
    path = write(tmp_path / "log.jsonl", "\n".join(lines) + "\n")
    with pytest.raises(InvalidValueError) as raised:
        read(path)
    assert str(raised.value).startswith(f"{path}:2: not valid JSON: ")
    records, stats = read(path, skip_invalid=True)
    assert [r.line for r in records] == [1, 5]
    assert stats.rows == 7
    reasons = dict(stats.skipped)
    assert reasons.pop("usage.prompt_tokens: expected a whole number ≥ 0, got text") == 2
    assert reasons.pop("expected a JSON object, got a list") == 1
    assert sorted(reasons.values()) == [1, 1]  # two JSON syntax errors, as orjson words them
    assert all(reason.startswith("not valid JSON: ") for reason in reasons)


def test_an_empty_file_and_a_blank_one_give_nothing(tmp_path: Path) -> None:
    empty = write(tmp_path / "empty.jsonl", "")
    blank = write(tmp_path / "blank.jsonl", "\n  \n\n")
    records, stats = read(empty, blank, FIXTURES / "prompts.jsonl")
    assert [r.id for r in records] == ["greet", "2"]
    assert stats.formats == {str(FIXTURES / "prompts.jsonl"): "routecli-prompts"}


def test_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    data = (FIXTURES / "anthropic_messages.jsonl").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    records, stats = read("-")
    assert stats.formats == {"<stdin>": "anthropic"}
    assert [(r.source, r.line, r.input_tokens) for r in records] == [
        ("<stdin>", 1, 2060),
        ("<stdin>", 2, 2068),
        ("<stdin>", 3, 0),
    ]
    assert stats.bytes_read == len(data)


def test_progress_reports_bytes_until_the_end() -> None:
    seen: list[tuple[int, int]] = []

    def progress(stats: ReadStats) -> None:
        seen.append((stats.bytes_read, stats.rows))

    files = [FIXTURES / "openai_batch_input.jsonl", FIXTURES / "openai_batch_output.jsonl"]
    reader = LogReader([str(path) for path in files], ReadOptions(), progress)
    assert len(list(reader.records())) == 3
    size = sum(path.stat().st_size for path in files)
    assert reader.stats.total_bytes == size
    assert seen[-1] == (size, 6)


def test_a_file_of_only_bad_rows(tmp_path: Path) -> None:
    path = write(tmp_path / "export.json", '[1, "two", null]')
    with pytest.raises(InvalidValueError) as raised:
        read(path)
    assert str(raised.value) == f"{path}:1: expected a JSON object, got a number"
    records, stats = read(path, FIXTURES / "prompts.jsonl", skip_invalid=True)
    assert len(records) == 2
    assert dict(stats.skipped) == {
        "expected a JSON object, got a number": 1,
        "expected a JSON object, got text": 1,
        "expected a JSON object, got null": 1,
    }
    assert stats.formats == {str(FIXTURES / "prompts.jsonl"): "routecli-prompts"}


def test_counts_that_contradict_each_other_name_file_line_and_field(tmp_path: Path) -> None:
    """More cached than prompt tokens, more reasoning than completion tokens: refused, or counted with skip_invalid."""
    good = json.loads((FIXTURES / "openai_responses.jsonl").read_text().splitlines()[0])
    over_cached = json.loads(json.dumps(good))
    over_cached["usage"]["prompt_tokens_details"]["cached_tokens"] = good["usage"]["prompt_tokens"] + 1
    over_reasoned = json.loads(json.dumps(good))
    over_reasoned["usage"]["completion_tokens_details"]["reasoning_tokens"] = good["usage"]["completion_tokens"] + 1
    path = write(tmp_path / "log.jsonl", "".join(json.dumps(row) + "\n" for row in (good, over_cached, over_reasoned)))
    with pytest.raises(InvalidValueError) as raised:
        read(path)
    assert str(raised.value) == (
        f"{path}:2: cached_tokens: cached and cache-written tokens add up to more than the input tokens "
        "(which include them)"
    )
    records, stats = read(path, skip_invalid=True)
    assert [r.line for r in records] == [1]
    assert stats.skipped == {
        "cached_tokens: cached and cache-written tokens add up to more than the input tokens (which include them)": 1,
        "reasoning_tokens: more reasoning tokens than output tokens (which include them)": 1,
    }


def test_a_negative_count_is_refused_by_its_path_in_the_log(tmp_path: Path) -> None:
    path = write(tmp_path / "log.jsonl", json.dumps({"m": "gpt-4o", "in": 10, "out": -1}) + "\n")
    with pytest.raises(InvalidValueError) as raised:
        read(path, mapping={"model": "m", "input_tokens": "in", "output_tokens": "out"})
    assert str(raised.value) == f"{path}:1: out: expected a whole number ≥ 0, got a negative number"


def test_detection_reads_past_rows_no_format_takes(tmp_path: Path) -> None:
    """An OpenAI log starting with an error row (which no format's detection takes) is still an OpenAI log."""
    error = {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}
    good = (FIXTURES / "openai_responses.jsonl").read_text().splitlines()[0]
    path = write(tmp_path / "log.jsonl", json.dumps(error) + "\n" + good + "\n")
    records, stats = read(path)
    assert stats.formats == {str(path): "openai"}
    assert [(r.line, r.error) for r in records] == [(1, "rate_limit_exceeded"), (2, None)]


def test_detection_gives_up_after_its_rows(tmp_path: Path) -> None:
    good = (FIXTURES / "openai_responses.jsonl").read_text().splitlines()[0]
    path = write(tmp_path / "log.jsonl", '{"x": 1}\n' * DETECT_ROWS + good + "\n")
    with pytest.raises(InvalidValueError, match=f"from its first {DETECT_ROWS} rows \\(from line 1\\)"):
        read(path)


def test_a_named_format_whose_counts_the_first_row_lacks_says_which_it_looks_like() -> None:
    path = FIXTURES / "openai_responses.jsonl"
    with pytest.raises(InvalidValueError) as raised:
        read(path, input_format="anthropic")
    assert str(raised.value) == (
        f"{path}:1: no usage.input_tokens or usage.output_tokens: is this an anthropic log? (detected: openai)"
    )


def test_billing_fields_are_read_where_each_format_keeps_them(tmp_path: Path) -> None:
    """OpenAI's ``service_tier`` (flex, priority; default is standard), batch output rows, Anthropic's 1-hour cache
    writes, LiteLLM's response-cache hits."""
    openai_rows = [json.loads(line) for line in (FIXTURES / "openai_responses.jsonl").read_text().splitlines()[:1]]
    flex = {**openai_rows[0], "service_tier": "flex"}
    priority = {**openai_rows[0], "service_tier": "priority"}
    responses = write(tmp_path / "r.jsonl", "".join(json.dumps(row) + "\n" for row in (openai_rows[0], flex, priority)))
    records, _ = read(responses)
    assert [r.service_tier for r in records] == [None, "flex", "priority"]  # the fixture's is "default"
    batch, _ = read(FIXTURES / "openai_batch_output.jsonl")
    assert [r.service_tier for r in batch] == ["batch", "batch", None]  # the failed row was not billed
    message = json.loads((FIXTURES / "anthropic_messages.jsonl").read_text().splitlines()[0])
    message["usage"]["cache_creation"] = {"ephemeral_5m_input_tokens": 48, "ephemeral_1h_input_tokens": 2000}
    (written,), _ = read(write(tmp_path / "a.jsonl", json.dumps(message) + "\n"))
    assert (written.cache_write_tokens, written.cache_write_1h_tokens) == (2048, 2000)
    payload = json.loads((FIXTURES / "litellm_payloads.jsonl").read_text().splitlines()[0])
    hit = {**payload, "cache_hit": True, "response_cost": 0.0}
    records, _ = read(write(tmp_path / "l.jsonl", json.dumps(payload) + "\n" + json.dumps(hit) + "\n"))
    assert [r.cache_hit for r in records] == [False, True]
