"""A log file into ``Row``s: JSON Lines, a JSON document, CSV or Parquet, streamed where the container allows.

File side. JSON Lines is read line by line (orjson; blank lines skipped), so a
log of any length takes the memory of its longest line; a JSON document is one
value, read whole (an array gives one row per item, an object one row, which a
format may ``expand``); CSV is read row by row (cells are text: the formats
convert them); Parquet goes through DuckDB in batches. ``-`` is standard input.

Which container a file is: its extension (``.csv``, ``.tsv``, ``.parquet``),
Parquet's magic bytes, else its first character: ``[`` a JSON array, ``{`` JSON
Lines (or one JSON document over several lines); anything else is CSV.

A row that is no JSON object comes out as an ``InvalidValueError`` in the
stream, so ``--skip-invalid`` can count it and read on; a file that is not text
stops the read, naming the offending byte's offset.
"""

from __future__ import annotations

import csv
import io
import os
import sys
from collections.abc import Callable, Generator, Iterable, Iterator
from itertools import chain
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from routecli.analyze.formats import Row
from routecli.analyze.formats._values import kind_of
from routecli.errors import InputError, InputFileError, InvalidValueError
from routecli.loading import not_text

if TYPE_CHECKING:
    import orjson

__all__ = ["PARQUET_BATCH", "LogFile", "RowOrError"]

RowOrError = Row | InvalidValueError
"""What a file yields: a row, or why the row at that line is not one (located in the file)."""

PARQUET_BATCH = 10_000
"""Rows fetched from DuckDB at a time: a Parquet file of any length takes the memory of one batch."""

_PEEK = 1 << 16
_BOM = b"\xef\xbb\xbf"
_WHITESPACE = b" \t\r\n"


def _orjson() -> Any:
    import orjson  # imported on first read: routecli's other commands never pay for it

    return orjson


class LogFile:
    """One input file or standard input: its name for messages, its size, its container and its rows.

    ``on_bytes`` is told how many more bytes were read as reading goes (for progress).
    """

    def __init__(self, path: str, on_bytes: Callable[[int], None] = lambda _: None) -> None:
        self.stdin = path == "-"
        self.path = path
        self.source = "<stdin>" if self.stdin else path
        self._on_bytes = on_bytes
        self.total_bytes = 0
        self._handle: IO[bytes] | None = None
        suffix = Path(path).suffix.lower()
        if suffix in (".parquet", ".pq"):
            self.container = "parquet"
        else:
            self._handle = self._open()
            head = self._handle.peek(_PEEK)[:_PEEK]  # type: ignore[attr-defined]
            self.container = self._container(suffix, head)
        if not self.stdin:
            try:
                self.total_bytes = os.path.getsize(path)
            except OSError:
                self.total_bytes = 0

    def _open(self) -> IO[bytes]:
        if self.stdin:
            return io.BufferedReader(sys.stdin.buffer, buffer_size=_PEEK)  # type: ignore[type-var]
        try:
            return open(self.path, "rb", buffering=_PEEK)  # closed when its rows are read
        except FileNotFoundError:
            raise InputFileError("log file not found", source=self.source) from None
        except IsADirectoryError:
            raise InputFileError("is a folder, not a log file", source=self.source) from None
        except OSError as error:
            raise InputFileError(f"cannot read the log file: {error.strerror or error}", source=self.source) from None

    def _container(self, suffix: str, head: bytes) -> str:
        if head.startswith(b"PAR1"):
            if self.stdin:
                raise InputFileError("Parquet cannot be read from standard input: give its path", source=self.source)
            return "parquet"
        if suffix in (".csv", ".tsv"):
            return suffix[1:]
        first = head.removeprefix(_BOM).lstrip(_WHITESPACE)[:1]
        if first == b"[":
            return "json"
        if first == b"{" or suffix in (".json", ".jsonl", ".ndjson"):
            return "jsonl"
        return "csv"

    def close(self) -> None:
        """Close the file (never standard input); reading stops here if it had not finished."""
        if self._handle is not None and not self.stdin:
            self._handle.close()

    def rows(self) -> Generator[RowOrError, None, None]:
        """The file's rows in order; the file is closed when they are all read (or the reader stops)."""
        if self.container == "parquet":
            yield from self._parquet()
            return
        assert self._handle is not None
        try:
            if self.container == "json":
                data = self._handle.read()
                self._on_bytes(len(data))
                yield from self._document(self._parse_document(data))
            elif self.container == "jsonl":
                yield from self._json_lines(self._handle)
            else:
                yield from self._csv(self._handle, "\t" if self.container == "tsv" else ",")
        except OSError as error:
            raise InputFileError(f"cannot read the log file: {error.strerror or error}", source=self.source) from None
        finally:
            self.close()

    # ------------------------------------------------------------------ JSON

    def _json_lines(
        self, lines: Iterable[bytes], *, number: int = 0, at: int = 0, told: int = 0
    ) -> Iterator[RowOrError]:
        """Line by line. A first line that is no JSON may open one document spread over lines, read whole then;
        it is a bad line of JSON Lines when the next line is an object on its own."""
        orjson = _orjson()
        loads, decode_error = orjson.loads, orjson.JSONDecodeError
        seen_object = number > 0
        lines = iter(lines)
        for number, raw in enumerate(lines, start=number + 1):  # noqa: B020 - numbering goes on from the start
            if at - told >= _PEEK:  # told every 64 KiB, not every line
                self._on_bytes(at - told)
                told = at
            data = raw[len(_BOM) :] if number == 1 and raw.startswith(_BOM) else raw
            if data.isspace() or not data:
                at += len(raw)
                continue
            try:
                value = loads(data)
            except decode_error as error:
                self._check_text(raw, at)
                if seen_object:
                    yield InvalidValueError(_json_problem(error), source=self.source, line=number)
                    at += len(raw)
                    continue
                ahead = _through_next_line(lines)
                if not ahead[-1:] or not ahead[-1].strip() or _is_object(ahead[-1], loads):
                    yield InvalidValueError(_json_problem(error), source=self.source, line=number)
                    yield from self._json_lines(chain(ahead, lines), number=number, at=at + len(raw), told=told)
                    return
                whole = data + b"".join(ahead) + b"".join(lines)
                self._on_bytes(at + len(raw) - len(data) + len(whole) - told)
                yield from self._document(self._parse_document(whole, at, number))
                return
            else:
                seen_object = True
                yield Row(number, value) if type(value) is dict else _row(value, number, self.source)
            at += len(raw)
        self._on_bytes(at - told)

    def _document(self, value: Any) -> Iterator[RowOrError]:
        """A whole JSON document: each item of an array (numbered from 1), or one object."""
        if isinstance(value, list):
            for index, item in enumerate(value, start=1):
                yield _row(item, index, self.source)
        elif isinstance(value, dict):
            yield Row(1, value)
        else:
            what = f"expected a JSON object or a list of objects, got {kind_of(value)}"
            raise InvalidValueError(what, source=self.source)

    def _parse_document(self, data: bytes, at: int = 0, line: int = 1) -> Any:
        """``data`` (from byte ``at``, line ``line`` of the file) as one JSON value; errors name the file's line."""
        orjson = _orjson()
        try:
            return orjson.loads(data.removeprefix(_BOM) if at == 0 else data)
        except orjson.JSONDecodeError as error:
            self._check_text(data, at)
            raise InvalidValueError(_json_problem(error), source=self.source, line=line + error.lineno - 1) from None

    def _check_text(self, data: bytes, at: int) -> None:
        if (problem := not_text(data, self.source, at=at)) is not None:
            raise problem

    # ------------------------------------------------------------------- CSV

    def _csv(self, handle: IO[bytes], delimiter: str) -> Iterator[RowOrError]:
        reader = csv.reader(self._text_lines(handle), delimiter=delimiter)
        header: list[str] | None = None
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield InvalidValueError(f"not valid CSV: {error}", source=self.source, line=start)
                continue
            if not cells:
                continue
            if header is None:
                header = [cell.strip() for cell in cells]
                continue
            if len(cells) > len(header):
                yield InvalidValueError(
                    f"{len(cells)} cells, but the header names {len(header)} columns", source=self.source, line=start
                )
                continue
            yield Row(start, dict(zip(header, cells, strict=False)))

    def _text_lines(self, handle: IO[bytes]) -> Iterator[str]:
        at = 0
        for raw in handle:
            self._on_bytes(len(raw))
            if b"\0" in raw:
                self._check_text(raw, at)
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                self._check_text(raw, at)
                raise  # not reached: the check raised
            yield line.removeprefix("\ufeff") if at == 0 else line
            at += len(raw)

    # --------------------------------------------------------------- Parquet

    def _parquet(self) -> Iterator[RowOrError]:
        for first, names, columns in self.parquet_batches():
            for number, values in enumerate(zip(*columns, strict=True), start=first):
                yield Row(number, dict(zip(names, values, strict=True)))

    def parquet_batches(self) -> Iterator[tuple[int, list[str], list[tuple[Any, ...]]]]:
        """A Parquet file's rows as columns, ``PARQUET_BATCH`` rows at a time: the line of each batch's first row,
        the column names and each column's values (``rows`` yields the same rows one by one)."""
        try:
            import duckdb
        except ImportError:
            raise InputError(
                "reading Parquet needs DuckDB, the optional extra: pip install 'routecli[parquet]'", source=self.source
            ) from None
        if "://" not in self.path and not os.path.isfile(self.path):  # s3://, https://: DuckDB's own to fetch
            raise InputFileError("log file not found", source=self.source)
        connection = duckdb.connect()
        try:
            connection.execute("SET enable_progress_bar = false")  # its bar would land in our output
            total = connection.execute("SELECT count(*) FROM read_parquet(?)", [self.path]).fetchall()[0][0]
            result = connection.execute("SELECT * FROM read_parquet(?)", [self.path])
            columns = [column[0] for column in result.description or ()]
            number = 0
            reported = 0
            while batch := result.fetchmany(PARQUET_BATCH):
                yield number + 1, columns, list(zip(*batch, strict=True))
                number += len(batch)
                done = self.total_bytes * number // max(total, 1)  # Parquet's bytes are not read in row order
                self._on_bytes(done - reported)
                reported = done
        except duckdb.Error as error:
            reason = str(error).splitlines()[0]
            raise InputFileError(f"cannot read it as Parquet: {reason}", source=self.source) from None
        finally:
            connection.close()


def _row(value: Any, line: int, source: str) -> RowOrError:
    if isinstance(value, dict):
        return Row(line, value)
    return InvalidValueError(f"expected a JSON object, got {kind_of(value)}", source=source, line=line)


def _through_next_line(lines: Iterator[bytes]) -> list[bytes]:
    """The lines up to and including the next non-blank one (all that is left, blank, when none is)."""
    ahead = []
    for raw in lines:
        ahead.append(raw)
        if raw.strip():
            break
    return ahead


def _is_object(raw: bytes, loads: Callable[[bytes], Any]) -> bool:
    try:
        return isinstance(loads(raw), dict)
    except ValueError:
        return False


def _json_problem(error: orjson.JSONDecodeError) -> str:
    return f"not valid JSON: {error.msg}"
