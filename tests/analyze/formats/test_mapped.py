"""--map FIELD=PATH: any file read through a mapping, GSM8K made a prompt file, mapped fields over a format's."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from routecli.analyze.formats.mapped import FIELDS, FieldMap
from routecli.analyze.records import LogRecord
from routecli.errors import InvalidValueError
from tests.helpers.analyze import FIXTURES, read
from tests.helpers.files import write


def test_gsm8k_becomes_prompts_with_expected_answers() -> None:
    path = FIXTURES / "gsm8k_test.jsonl"
    records, stats = read(path, mapping={"prompt": "question", "expected": "answer"})
    assert stats.formats == {str(path): "mapped"}
    assert [(r.line, len(r.messages or ()), r.messages[0]["role"] if r.messages else None) for r in records] == [
        (1, 1, "user"),
        (2, 1, "user"),
    ]
    assert records[1].messages == (
        {
            "role": "user",
            "content": "A robe takes 2 bolts of blue fiber and half that much white fiber.  "
            "How many bolts in total does it take?",
        },
    )
    assert str(records[0].expected).endswith("\n#### 18")
    assert (records[0].model, records[0].input_tokens) == (None, 0)


def test_every_field_from_a_csv() -> None:
    path = FIXTURES / "custom_log.csv"
    mapping = {
        "start": "ts",
        "model": "engine",
        "input_tokens": "in",
        "output_tokens": "out",
        "cost": "usd",
        "latency_ms": "ms",
        "id": "req",
    }
    records, _ = read(path, mapping=mapping)
    source = str(path)
    assert records == [
        # 2025-03-01T10:00:00Z; the header is line 1
        LogRecord(
            source, 2, "gpt-4o-mini", start=1740823200.0, input_tokens=120, output_tokens=30,
            cost=Decimal("0.000036"), latency_ms=850.0, id="a1",
        ),
        # epoch milliseconds: 1740823260 s, a minute later
        LogRecord(
            source, 3, "gpt-4o", start=1740823260.0, input_tokens=2000, output_tokens=100,
            cost=Decimal("0.006000"), latency_ms=1200.5, id="a2",
        ),
    ]  # fmt: skip


def test_nested_paths_messages_metadata_and_latency_from_times(tmp_path: Path) -> None:
    line = (
        '{"meta": {"engine": "m1", "tags": {"team": "a"}}, "usage": {"in": 5, "out": 7, "hit": 2, "w": 1, "r": 3},'
        ' "conv": [{"role": "user", "content": "hi"}], "t0": 100, "t1": 101.5, "err": "timeout", "via": "x"}\n'
    )
    path = write(tmp_path / "log.jsonl", line)
    mapping = {
        "model": "meta.engine",
        "input_tokens": "usage.in",
        "output_tokens": "usage.out",
        "cached_tokens": "usage.hit",
        "cache_write_tokens": "usage.w",
        "reasoning_tokens": "usage.r",
        "messages": "conv",
        "metadata": "meta.tags",
        "start": "t0",
        "end": "t1",
        "error": "err",
        "provider": "via",
    }
    records, _ = read(path, mapping=mapping)
    assert records == [
        LogRecord(
            str(path), 1, "m1", start=100.0, end=101.5, input_tokens=5, cached_tokens=2, cache_write_tokens=1,
            output_tokens=7, reasoning_tokens=3, latency_ms=1500.0, error="timeout", provider="x",
            messages=({"role": "user", "content": "hi"},), metadata={"team": "a"},
        )
    ]  # fmt: skip


def test_a_map_over_a_named_format_replaces_its_fields() -> None:
    path = FIXTURES / "openai_responses.jsonl"
    records, stats = read(path, input_format="openai", mapping={"provider": "service_tier"})
    assert stats.formats == {str(path): "openai"}
    assert (records[0].provider, records[0].input_tokens, records[0].cached_tokens) == ("default", 1117, 1024)
    assert [record.provider for record in records[1:]] == ["openai"] * 3  # no service_tier: the format's own


def test_a_missing_path_names_the_line_and_path(tmp_path: Path) -> None:
    path = write(tmp_path / "log.jsonl", '{"usage": {"in": 1}}\n{"usage": {}}\n')
    with pytest.raises(InvalidValueError) as raised:
        read(path, mapping={"input_tokens": "usage.in"})
    assert str(raised.value) == f"{path}:2: usage.in: missing (mapped to input_tokens by --map)"


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"tokens": "x"}, "--map tokens=x: unknown field 'tokens'; one of: " + ", ".join(FIELDS)),
        ({"model": "a..b"}, "--map model=a..b: expected a dotted path (usage.in, meta.engine)"),
        ({"prompt": "q", "messages": "m"}, "--map: give prompt or messages, not both"),
    ],
)
def test_a_bad_mapping_is_refused(mapping: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidValueError) as raised:
        FieldMap(mapping)
    assert str(raised.value) == message


def test_json_in_csv_cells_for_messages_and_metadata(tmp_path: Path) -> None:
    path = write(
        tmp_path / "export.csv",
        'conv,tags\n"[{""role"": ""user"", ""content"": ""hi""}]","{""team"": ""a""}"\n"[{""role"": 1",x\n',
    )
    with pytest.raises(InvalidValueError) as raised:
        read(path, mapping={"messages": "conv", "metadata": "tags"})
    assert str(raised.value) == f"{path}:3: conv: expected JSON in the cell, got text that is not"
    records, stats = read(path, mapping={"messages": "conv", "metadata": "tags"}, skip_invalid=True)
    assert [(r.messages, r.metadata) for r in records] == [(({"role": "user", "content": "hi"},), {"team": "a"})]
    assert dict(stats.skipped) == {"conv: expected JSON in the cell, got text that is not": 1}
