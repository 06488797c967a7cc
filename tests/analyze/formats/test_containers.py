"""A file into rows: JSON Lines, JSON documents, CSV, Parquet; line numbers, text checks and progress."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest

from routecli.analyze.formats import Row, containers, mapped
from routecli.analyze.formats.containers import LogFile
from routecli.errors import InputError, InputFileError, InvalidValueError
from tests.helpers.analyze import read
from tests.helpers.files import write


def _rows(path: Path) -> list[Row | InvalidValueError]:
    return list(LogFile(str(path)).rows())


def test_json_lines_skip_blank_lines_and_keep_line_numbers(tmp_path: Path) -> None:
    path = write(tmp_path / "log.jsonl", '{"a": 1}\n\n   \n{"a": 2}\n')
    assert _rows(path) == [Row(1, {"a": 1}), Row(4, {"a": 2})]


def test_a_byte_order_mark_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\n')
    assert _rows(path) == [Row(1, {"a": 1})]


def test_a_json_array_gives_one_row_per_item(tmp_path: Path) -> None:
    path = write(tmp_path / "export.json", '[\n  {"a": 1},\n  {"a": 2},\n  3\n]\n')
    rows = _rows(path)
    assert rows[:2] == [Row(1, {"a": 1}), Row(2, {"a": 2})]
    assert isinstance(rows[2], InvalidValueError)
    assert str(rows[2]) == f"{path}:3: expected a JSON object, got a number"


def test_one_object_over_several_lines_is_one_row(tmp_path: Path) -> None:
    path = write(tmp_path / "response.json", '{\n  "a": {\n    "b": [1, 2]\n  }\n}\n')
    assert _rows(path) == [Row(1, {"a": {"b": [1, 2]}})]


def test_json_that_is_no_object(tmp_path: Path) -> None:
    path = write(tmp_path / "x.json", '"text"\n')
    assert [str(row) for row in _rows(path)] == [f"{path}:1: expected a JSON object, got text"]


def test_csv_cells_are_text_and_rows_count_the_header_as_line_1(tmp_path: Path) -> None:
    path = write(tmp_path / "export.csv", 'model,note,tokens\ngpt-4o,"two\nlines",5\n\nclaude,x,7\n')
    assert _rows(path) == [
        Row(2, {"model": "gpt-4o", "note": "two\nlines", "tokens": "5"}),
        Row(5, {"model": "claude", "note": "x", "tokens": "7"}),
    ]


def test_a_csv_row_with_more_cells_than_the_header(tmp_path: Path) -> None:
    path = write(tmp_path / "export.csv", "a,b\n1,2,3\n4,5\n")
    rows = _rows(path)
    assert str(rows[0]) == f"{path}:2: 3 cells, but the header names 2 columns"
    assert rows[1] == Row(3, {"a": "4", "b": "5"})


def test_a_tsv(tmp_path: Path) -> None:
    path = write(tmp_path / "export.tsv", "a\tb\n1\t2\n")
    assert _rows(path) == [Row(2, {"a": "1", "b": "2"})]


@pytest.mark.parametrize(
    ("name", "data", "offset"),
    [
        ("log.jsonl", b'{"a": 1}\n{"b": "\xff"}\n', 16),
        ("log.csv", b"a,b\n1,\xe9t\xe9\n", 6),
        ("log.jsonl", b'{"a": 1}\n{"b": "\x00"}\n', 16),
        ("log.json", b'[{"a": "\xc3"}]', 8),
    ],
)
def test_a_file_that_is_not_text_names_the_byte(tmp_path: Path, name: str, data: bytes, offset: int) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputFileError) as raised:
        read(path, mapping={"id": "a"}, skip_invalid=True)
    assert str(raised.value).startswith(f"{path}: not a text file (UTF-8): ")
    assert f"at offset {offset}" in str(raised.value)


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as raised:
        read(tmp_path / "nope.jsonl")
    assert str(raised.value) == f"{tmp_path / 'nope.jsonl'}: log file not found"


def test_parquet_through_duckdb(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    duckdb = pytest.importorskip("duckdb")
    path = tmp_path / "responses.parquet"
    duckdb.sql(
        "SELECT * FROM (VALUES"
        " ('r1', 'chat.completion', 1700000000, 'gpt-4o', {'prompt_tokens': 10, 'completion_tokens': 4}),"
        " ('r2', 'chat.completion', 1700000060, 'gpt-4o-mini', {'prompt_tokens': 20, 'completion_tokens': 8})"
        ") AS t(id, object, created, model, usage)"
    ).write_parquet(str(path))
    records, stats = read(path)
    assert stats.formats == {str(path): "openai"}
    assert [(r.line, r.id, r.model, r.start, r.input_tokens, r.output_tokens) for r in records] == [
        (1, "r1", "gpt-4o", 1700000000.0, 10, 4),
        (2, "r2", "gpt-4o-mini", 1700000060.0, 20, 8),
    ]
    assert stats.bytes_read == stats.total_bytes == path.stat().st_size
    assert capfd.readouterr() == ("", "")  # DuckDB's own progress bar stays off


def test_parquet_with_a_mapping_and_timestamps(tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    path = tmp_path / "calls.pq"
    duckdb.sql(
        "SELECT TIMESTAMP '2025-03-10 01:31:23' AS at, 'm' AS engine, {'in': 3} AS usage, 1.25::DECIMAL(9,4) AS usd"
    ).write_parquet(str(path))
    records, _ = read(path, mapping={"start": "at", "model": "engine", "input_tokens": "usage.in", "cost": "usd"})
    assert [(r.start, r.model, r.input_tokens, str(r.cost)) for r in records] == [(1741570283.0, "m", 3, "1.2500")]


def test_parquet_without_duckdb_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "x.parquet"
    path.write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "duckdb", None)
    with pytest.raises(InputError) as raised:
        read(path)
    assert str(raised.value) == (
        f"{path}: reading Parquet needs DuckDB, the optional extra: pip install 'routecli[parquet]'"
    )


def test_a_damaged_parquet_file(tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    path = tmp_path / "x.parquet"
    path.write_bytes(b"PAR1 not really")
    with pytest.raises(InputFileError, match=r"x.parquet: cannot read it as Parquet: "):
        read(path)


def test_a_broken_first_line_is_one_bad_row(tmp_path: Path) -> None:
    path = write(tmp_path / "log.jsonl", '{"a": 1\n{"a": 2}\n\n{"a": 3}\n')
    rows = _rows(path)
    assert str(rows[0]).startswith(f"{path}:1: not valid JSON: ")
    assert rows[1:] == [Row(2, {"a": 2}), Row(4, {"a": 3})]


def test_a_document_broken_further_down_names_that_line(tmp_path: Path) -> None:
    path = write(tmp_path / "response.json", '\n{\n  "a": 1,\n  "b": ,\n  "c": 3\n}\n')
    with pytest.raises(InvalidValueError) as raised:
        _rows(path)
    assert str(raised.value).startswith(f"{path}:4: not valid JSON: ")


def test_progress_counts_every_byte_of_a_long_file(tmp_path: Path) -> None:
    line = '{"pad": "' + "x" * 1000 + '"}\n'
    path = write(tmp_path / "log.jsonl", line * 200)  # 200 KB: told in 64 KiB steps, then the rest
    told: list[int] = []
    rows = list(LogFile(str(path), told.append).rows())
    assert len(rows) == 200
    assert sum(told) == path.stat().st_size
    assert len([size for size in told if size]) >= 3


def test_a_file_of_one_bad_line_then_blank_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "log.jsonl", '{"a": \n\n\n')
    told: list[int] = []
    rows = list(LogFile(str(path), told.append).rows())
    assert len(rows) == 1
    assert str(rows[0]).startswith(f"{path}:1: not valid JSON: ")
    assert sum(told) == path.stat().st_size


def _mapped_parquet(tmp_path: Path, rows: int) -> Path:
    duckdb = pytest.importorskip("duckdb")
    path = tmp_path / "calls.parquet"
    duckdb.sql(
        f"""SELECT CASE WHEN i % 5 = 4 THEN NULL ELSE 'model-' || (i % 3) END AS engine,
                   1700000000 + i * 60 AS began,
                   CASE WHEN i % 4 = 0 THEN NULL ELSE 1700000000 + i * 60 + i END AS ended,
                   CASE WHEN i % 6 = 5 THEN NULL ELSE i * 7 END AS tokens_in, i AS tokens_out,
                   CASE WHEN i % 2 = 0 THEN NULL ELSE (i / 1000)::DECIMAL(12, 9) END AS usd
            FROM range({rows}) t(i)"""
    ).write_parquet(str(path))
    return path


_MAP = {
    "model": "engine",
    "start": "began",
    "end": "ended",
    "input_tokens": "tokens_in",
    "output_tokens": "tokens_out",
    "cost": "usd",
}


def test_mapped_parquet_reads_by_columns_what_it_reads_by_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _mapped_parquet(tmp_path, 10)
    monkeypatch.setattr(containers, "PARQUET_BATCH", 4)  # batches of 4, 4 and 2 rows
    by_columns, stats = read(path, mapping=_MAP)
    monkeypatch.setattr(mapped.FieldMap, "column_records", lambda *_: None)  # every batch row by row
    by_rows, _ = read(path, mapping=_MAP)
    assert by_columns == by_rows
    assert stats.rows == 10
    assert stats.bytes_read == path.stat().st_size
    third = by_columns[3]  # i = 3: model-0, ended 3 s after it began, 21 tokens in, cost 0.003
    assert (third.line, third.model, third.latency_ms, third.input_tokens, third.cost) == (
        4,
        "model-0",
        3000.0,
        21,
        Decimal("0.003"),
    )
    assert [r.model for r in by_columns].count(None) == 2  # i = 4, 9
    assert [r.input_tokens for r in by_columns][5] == 0  # a null count is 0
    assert by_columns[4].latency_ms is None  # no end time


def test_a_bad_value_in_a_mapped_parquet_batch_names_its_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _mapped_parquet(tmp_path, 10)
    monkeypatch.setattr(containers, "PARQUET_BATCH", 4)
    mapping = {**_MAP, "input_tokens": "tokens_in", "output_tokens": "negative"}
    duckdb = pytest.importorskip("duckdb")
    bad = tmp_path / "bad.parquet"
    duckdb.sql(f"SELECT *, CASE WHEN tokens_out = 6 THEN -1 ELSE 1 END AS negative FROM '{path}'").write_parquet(
        str(bad)
    )
    with pytest.raises(InvalidValueError) as raised:
        read(bad, mapping=mapping)
    assert str(raised.value) == f"{bad}:7: negative: expected a whole number ≥ 0, got a negative number"
    records, stats = read(bad, mapping=mapping, skip_invalid=True)
    assert [r.line for r in records] == [1, 2, 3, 4, 5, 6, 8, 9, 10]
    assert dict(stats.skipped) == {"negative: expected a whole number ≥ 0, got a negative number": 1}
