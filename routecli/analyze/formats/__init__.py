"""Log formats ``routecli analyze`` reads: one module per tool, each turning that tool's rows into ``LogRecord``s.

File side. ``containers`` splits a file into rows (JSON Lines, a JSON document,
CSV, Parquet); a format module says whether a row is its own (``sniff``) and turns
one row into a record (``record``). Detection picks the format from a file's
first row unless ``--input-format`` names one.

A format module defines::

    NAME: str                     # what --input-format takes
    DESCRIPTION: str              # one line for --help and docs/analyze.md
    def sniff(row: Mapping[str, Any]) -> bool
    def record(source: str, row: Row) -> LogRecord | None
        # None: the row is no LLM request (an OTel span of something else); raises InvalidValueError
        # naming source, row.line and the field for a row it cannot read
    def expand(row: Row) -> Iterable[Row]        # optional: a row holding many requests (OTLP's resourceSpans)
    def records(source: str, rows: Iterable[Row | InputError]) -> Iterator[LogRecord | InputError]
        # optional: many rows at once, one record or located error per row, the same as ``record`` gives with
        # its counts checked (``records.checked``, which the reader applies to ``record``'s records)
        # (openai's fast path for large logs; not used under --map)

``--skip-invalid`` catches ``InvalidValueError`` row by row and counts the reasons.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

__all__ = ["Row"]


class Row(NamedTuple):
    """One row of a log file: its data, and where it is (line of JSON Lines, CSV row, array item, Parquet row)."""

    line: int
    data: Mapping[str, Any]
