"""Reading logs for ``routecli analyze``: files in, ``LogRecord``s out, one format detected per file.

File side. Each file's format is the first in ``FORMATS`` whose ``sniff``
accepts a row: the first row some format takes among the file's first
``DETECT_ROWS``, unless ``--input-format`` names one; ``--map`` reads any file
through a mapping (or lays mapped fields over a named format's). Several files
in one call may be of different formats. OpenAI batch input files are read
first and joined on ``custom_id`` to the output files given with them. Records
stream: memory stays that of one row (plus the requests of batch input files).

Three paths, the same records: a format with a ``records`` batch reader (openai)
reads its rows in one loop; a Parquet file through ``--map`` is read a batch of
columns at a time (``FieldMap.column_records``); every other file row by row
through its format's ``record``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import chain
from types import MappingProxyType, ModuleType
from typing import Any, NamedTuple

from routecli.analyze.formats import (
    Row,
    anthropic,
    helicone,
    langfuse,
    litellm,
    litellm_spend_logs,
    mapped,
    openai,
    openai_batch,
    otel,
    routecli_log,
    routecli_prompts,
)
from routecli.analyze.formats.containers import LogFile, RowOrError
from routecli.analyze.records import LogRecord, checked
from routecli.errors import InputError, InvalidValueError, format_key_path

__all__ = ["DETECT_ROWS", "FORMATS", "LogReader", "ReadOptions", "ReadStats", "format_names"]

FORMATS: tuple[ModuleType, ...] = (
    routecli_log,
    openai_batch,
    otel,
    litellm_spend_logs,
    litellm,
    langfuse,
    helicone,
    openai,
    anthropic,
    routecli_prompts,
    mapped,
)
"""Format modules in detection order: the most particular first; ``mapped`` is never detected, only asked for."""

_BY_NAME = {module.NAME: module for module in FORMATS}
DETECT_ROWS = 20
"""How many rows detection looks at for one some format takes (a log may start with rows it cannot tell by, an
OpenAI error row)."""
_PROGRESS_EVERY = 1 << 20
"""Bytes read between two progress reports."""


def format_names() -> str:
    return ", ".join(_BY_NAME)


class ReadOptions(NamedTuple):
    input_format: str | None = None
    """``--input-format NAME``; else each file's format is detected from its first row."""
    mapping: Mapping[str, str] = MappingProxyType({})
    """``--map FIELD=PATH`` (dotted), FIELD a ``LogRecord`` field or ``prompt``."""
    skip_invalid: bool = False
    """Count bad rows by reason and read on; else the first raises ``InvalidValueError`` (file, line, field)."""


@dataclass
class ReadStats:
    """Filled while reading: what a progress bar and the summary show."""

    rows: int = 0
    """Rows read (lines of JSON Lines, CSV or Parquet rows, items of a JSON array), skipped ones included."""
    bytes_read: int = 0
    total_bytes: int = 0
    """The files' sizes added (standard input counts only once read)."""
    skipped: Counter[str] = field(default_factory=Counter)
    """Rows skipped with ``skip_invalid``, by reason (the field and what was wrong, never its value)."""
    formats: dict[str, str] = field(default_factory=dict)
    """Each file (as given; ``<stdin>`` for ``-``) and the format it was read as."""


class _Opened(NamedTuple):
    file: LogFile
    rows: Iterator[RowOrError]
    """The file's rows, the first (read to choose the format) included."""
    stream: Generator[RowOrError, None, None]
    """``rows`` past the first: closed when the file is read another way (Parquet by columns)."""
    format: ModuleType | None
    """None for a file with no rows (or only bad ones)."""
    first: Row | None


class LogReader:
    """Reads ``paths`` as ``options`` say; ``records()`` streams every request, ``stats`` tells how far it got."""

    def __init__(
        self, paths: Sequence[str], options: ReadOptions, progress: Callable[[ReadStats], None] | None = None
    ) -> None:
        if options.input_format is not None and options.input_format not in _BY_NAME:
            raise InvalidValueError(f"--input-format {options.input_format}: unknown format; one of: {format_names()}")
        if options.input_format == mapped.NAME and not options.mapping:
            raise InvalidValueError("--input-format mapped needs --map FIELD=PATH (one per field)")
        self.paths = list(paths)
        self.options = options
        self.field_map = mapped.FieldMap(options.mapping) if options.mapping else None
        self.stats = ReadStats()
        self._progress = progress
        self._reported = 0

    def records(self) -> Iterator[LogRecord]:
        """Every request of every file, file by file, in file order."""
        opened: list[_Opened] = []
        try:
            for path in self.paths:
                opened.append(self._open(path))
            yield from self._read(opened)
        finally:
            for item in opened:
                item.file.close()
        self._report(force=True)

    def _read(self, opened: list[_Opened]) -> Iterator[LogRecord]:
        inputs = [item for item in opened if _is_batch_input(item)]
        outputs = [item for item in opened if item.format is openai_batch and not _is_batch_input(item)]
        if inputs and not outputs:
            raise InvalidValueError(
                "an OpenAI batch input file holds requests but no usage: give the batch's output file too "
                "(input and output files in one call are joined on custom_id)",
                source=inputs[0].file.source,
            )
        requests: dict[str, openai_batch.Request] = {}
        for item in inputs:
            requests.update(self._batch_requests(item))
        for item in opened:
            if item.format is None:  # no row: an empty file, or only bad ones (raised, or counted)
                for _ in self._rows(item):
                    pass
            elif not _is_batch_input(item):
                yield from self._records(item, requests)

    # ------------------------------------------------------------------ files

    def _open(self, path: str) -> _Opened:
        """The file opened and its format chosen: named, mapped, or detected from its first row."""
        file = LogFile(path, self._advance)
        self.stats.total_bytes += file.total_bytes
        stream = file.rows()
        held: list[RowOrError] = []
        first: Row | None = None
        chosen: ModuleType | None = None
        looked = 0
        for item in stream:
            held.append(item)
            if not isinstance(item, Row):
                continue
            first = first or item
            chosen = self._named() or _detected(item)
            looked += 1
            if chosen is not None:
                first = item
                break
            if looked == DETECT_ROWS:
                break
        rows = chain(held, stream)
        if first is None:
            return _Opened(file, rows, stream, None, None)
        try:
            if chosen is None:
                raise InvalidValueError(
                    f"cannot tell which log format this is from its first {_rows_said(looked, first.line)}: name it "
                    f"with --input-format ({format_names()}) or map its fields with --map FIELD=PATH",
                    source=file.source,
                )
            if self.options.input_format is not None and self.field_map is None:
                _check_forced(file.source, chosen, first)
        except InputError:
            file.close()
            raise
        self.stats.formats[file.source] = chosen.NAME
        return _Opened(file, rows, stream, chosen, first)

    def _named(self) -> ModuleType | None:
        """The format ``--input-format`` or ``--map`` names; None: detect it."""
        if self.options.input_format is not None:
            return _BY_NAME[self.options.input_format]
        return mapped if self.field_map is not None else None

    def _batch_requests(self, item: _Opened) -> Iterator[tuple[str, openai_batch.Request]]:
        for row in self._rows(item):
            try:
                yield openai_batch.request(row)
            except InputError as error:
                self._invalid(error, item.file.source, row.line)

    # ------------------------------------------------------------------- rows

    def _rows(self, item: _Opened) -> Iterator[Row]:
        """The file's rows; a row that is no JSON object is skipped or raised."""
        stats = self.stats
        for row in item.rows:
            stats.rows += 1
            if isinstance(row, Row):
                yield row
            else:
                self._invalid(row, item.file.source, row.line)

    def _records(self, item: _Opened, requests: Mapping[str, openai_batch.Request]) -> Iterator[LogRecord]:
        source = item.file.source
        if item.format is mapped and item.file.container == "parquet":
            yield from self._parquet_columns(item)
            return
        batch: Callable[[str, Iterable[RowOrError]], Iterator[LogRecord | InputError]] | None = getattr(
            item.format, "records", None
        )
        if batch is not None and self.field_map is None:  # the format reads many rows at once: its fast path
            stats = self.stats
            for outcome in batch(source, item.rows):
                stats.rows += 1
                if type(outcome) is LogRecord:
                    yield outcome
                else:
                    assert isinstance(outcome, InputError)
                    self._invalid(outcome, source, outcome.line)
            return
        read = self._reader(source, item.format, requests)
        expand: Callable[[Row], Iterable[Row]] | None = getattr(item.format, "expand", None)
        if expand is None:  # one record per row: the hot loop of a large log, kept short (no _rows layer)
            stats = self.stats
            for row in item.rows:
                stats.rows += 1
                if not isinstance(row, Row):
                    self._invalid(row, source, row.line)
                    continue
                try:
                    record = read(row)
                except InputError as error:
                    self._invalid(error, source, row.line)
                    continue
                if record is not None:
                    yield record
            return
        for row in self._rows(item):
            try:
                found = [record for part in expand(row) if (record := read(part)) is not None]
            except InputError as error:
                self._invalid(error, source, row.line)
                continue
            yield from found

    def _parquet_columns(self, item: _Opened) -> Iterator[LogRecord]:
        """A Parquet file through ``--map`` a batch of columns at a time; a batch the columns cannot take (a dotted
        path, a value to refuse) goes row by row, so errors name their row."""
        item.stream.close()  # the rows read to choose the format are read again, as columns
        field_map = self.field_map
        assert field_map is not None
        source = item.file.source
        stats = self.stats
        for first, names, columns in item.file.parquet_batches():
            found = field_map.column_records(source, first, names, columns)
            if found is not None:
                stats.rows += len(found)
                for record in found:
                    try:
                        checked(record)
                    except InputError as error:
                        self._invalid(error, source, record.line)
                        continue
                    yield record
                continue
            for number, values in enumerate(zip(*columns, strict=True), start=first):
                stats.rows += 1
                try:
                    record = field_map.record(source, Row(number, dict(zip(names, values, strict=True))))
                    checked(record)
                    yield record
                except InputError as error:
                    self._invalid(error, source, number)

    def _reader(
        self, source: str, module: Any, requests: Mapping[str, openai_batch.Request]
    ) -> Callable[[Row], LogRecord | None]:
        """One row to its record (``None``: no request) as the file's format, with ``--map`` laid over it, its
        counts checked against each other (``records.checked``)."""
        field_map = self.field_map
        if module is mapped:
            assert field_map is not None
            mapped_record = partial(field_map.record, source)
            return lambda row: checked(mapped_record(row))
        plain: Callable[[Row], LogRecord | None] = (
            partial(openai_batch.record, source, requests=requests)
            if module is openai_batch
            else partial(module.record, source)
        )
        if field_map is None:
            return lambda row: checked(plain(row))

        def read(row: Row) -> LogRecord | None:
            record = plain(row)
            return None if record is None else checked(field_map.apply(record, row))

        return read

    # -------------------------------------------------------------- bookkeeping

    def _invalid(self, error: InputError, source: str, line: int | None) -> None:
        """Raise ``error`` with its file and line, or count it by reason with ``skip_invalid``."""
        if error.source is None:
            error.located(source, line)
        if not self.options.skip_invalid or not isinstance(error, InvalidValueError):
            raise error
        where = format_key_path(error.path)
        self.stats.skipped[f"{where}: {error.message}" if where else error.message] += 1

    def _advance(self, size: int) -> None:
        self.stats.bytes_read += size
        self._report()

    def _report(self, *, force: bool = False) -> None:
        if self._progress is not None and (force or self.stats.bytes_read - self._reported >= _PROGRESS_EVERY):
            self._reported = self.stats.bytes_read
            self._progress(self.stats)


def _detected(row: Row) -> ModuleType | None:
    """The first format in ``FORMATS`` that takes ``row``, None if none does."""
    for module in FORMATS:
        if module.sniff(row.data):
            return module
    return None


def _rows_said(looked: int, line: int) -> str:
    return f"row (line {line})" if looked == 1 else f"{looked} rows (from line {line})"


def _check_forced(source: str, module: ModuleType, first: Row) -> None:
    """A named format whose first row has none of the token counts it reads is the wrong format (each row would read
    as zeros): say so, with the format detection finds. Only formats that declare ``TOKEN_FIELDS`` are checked."""
    fields: tuple[str, ...] | None = getattr(module, "TOKEN_FIELDS", None)
    if fields is None or module.sniff(first.data):
        return
    try:
        record: LogRecord | None = module.record(source, first)
    except InputError:
        return  # the read itself names what is wrong
    if record is None or record.error is not None or record.input_tokens or record.output_tokens:
        return
    detected = _detected(first)
    raise InvalidValueError(
        f"no {' or '.join(fields)}: is this an {module.NAME} log? "
        f"(detected: {detected.NAME if detected is not None else 'no format'})",
        source=source,
        line=first.line,
    )


def _is_batch_input(item: _Opened) -> bool:
    return item.format is openai_batch and item.first is not None and openai_batch.is_input(item.first.data)
