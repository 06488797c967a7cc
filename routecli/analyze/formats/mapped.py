"""Any log or dataset through ``--map FIELD=PATH``: each record field read from a dotted path of the row.

Pure. FIELD is a ``LogRecord`` field or ``prompt`` (text sent as one user
message, or a list of messages as they are); PATH is a dotted path into the row
(``usage.in``, ``meta.engine``; a number steps into a list), or a CSV column's
name (a cell mapped to ``messages`` or ``metadata`` may hold JSON). A row
without a mapped path is an error naming the line and the path.
With a format named by ``--input-format``, the mapped fields replace that
format's own where the row has them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from itertools import repeat
from typing import Any

from routecli.analyze.formats import Row
from routecli.analyze.formats._values import MISSING, count, dig, kind_of, messages, money, path_of, text
from routecli.analyze.records import LogRecord
from routecli.analyze.timestamps import epoch_seconds
from routecli.errors import InvalidValueError

__all__ = ["DESCRIPTION", "FIELDS", "NAME", "FieldMap", "sniff"]

NAME = "mapped"
DESCRIPTION = "anything in JSON Lines, JSON, CSV or Parquet, read through --map FIELD=PATH"

_COUNTS = ("input_tokens", "output_tokens", "cached_tokens", "cache_write_tokens", "reasoning_tokens")
_TEXTS = ("model", "id", "provider", "expected")
FIELDS = (
    "model",
    *_COUNTS,
    "cost",
    "start",
    "end",
    "latency_ms",
    "id",
    "error",
    "provider",
    "prompt",
    "messages",
    "expected",
    "metadata",
)
"""What ``--map`` may set."""


def sniff(data: Mapping[str, Any]) -> bool:
    """Never detected: a mapping is asked for with ``--map``."""
    return False


class FieldMap:
    """A checked ``--map``: each field with the path it is read from."""

    def __init__(self, mapping: Mapping[str, str]) -> None:
        for field, path in mapping.items():
            if field not in FIELDS:
                raise InvalidValueError(f"--map {field}={path}: unknown field {field!r}; one of: {', '.join(FIELDS)}")
            if not path or any(not part for part in path.split(".")):
                raise InvalidValueError(f"--map {field}={path}: expected a dotted path (usage.in, meta.engine)")
        if "prompt" in mapping and "messages" in mapping:
            raise InvalidValueError("--map: give prompt or messages, not both")
        self.paths = {field: path_of(path) for field, path in mapping.items()}

    def record(self, source: str, row: Row) -> LogRecord:
        """A row read through the mapping alone."""
        return self.apply(LogRecord(source, row.line, None), row, required=True)

    def apply(self, record: LogRecord, row: Row, *, required: bool = False) -> LogRecord:
        """``record`` with every mapped field read from ``row`` instead; where the row lacks a path, the field
        keeps the format's value, unless ``required`` (the mapping is all there is)."""
        values: dict[str, Any] = {}
        for field, path in self.paths.items():
            value = dig(row.data, path)
            if value is MISSING:
                if not required:
                    continue
                raise InvalidValueError(f"missing (mapped to {field} by --map)", path=path)
            values.update(_field(field, value, path))
        updated = record._replace(**values)
        if "latency_ms" not in values and updated.start is not None and updated.end is not None:
            updated = updated._replace(latency_ms=(updated.end - updated.start) * 1000)
        return updated

    def column_records(
        self, source: str, first: int, names: Sequence[str], columns: Sequence[Sequence[Any]]
    ) -> list[LogRecord] | None:
        """A batch of rows given as columns (``first`` the line of its first row), read through the mapping a
        column at a time: the same records ``record`` gives row by row. None when the batch must go row by row
        instead — a path that is no column of its own (dotted, or absent), or a value ``record`` would refuse —
        so that each error names its row as ``record`` names it."""
        at = {name: index for index, name in enumerate(names)}
        if not columns or any(len(path) != 1 or path[0] not in at for path in self.paths.values()):
            return None
        rows = len(columns[0])
        values: dict[str, list[Any]] = {}
        try:
            for field, path in self.paths.items():
                key = "messages" if field == "prompt" else field
                values[key] = _column(field, columns[at[path[0]]], path)
        except InvalidValueError:
            return None
        if "latency_ms" not in values and "start" in values and "end" in values:
            values["latency_ms"] = [
                None if start is None or end is None else (end - start) * 1000
                for start, end in zip(values["start"], values["end"], strict=True)
            ]
        defaults = LogRecord._field_defaults
        fields: list[Iterable[Any]] = [
            repeat(source, rows),
            range(first, first + rows),
            *(values.get(name, repeat(defaults.get(name), rows)) for name in LogRecord._fields[2:]),
        ]
        new = tuple.__new__
        return [new(LogRecord, values) for values in zip(*fields, strict=True)]


def _column(field: str, values: Sequence[Any], path: tuple[str, ...]) -> list[Any]:
    """One mapped field's values, a column at a time: what ``_field`` makes of each (plain counts and costs
    checked inline, the common case of a large file)."""
    if field in _COUNTS:
        return [value if type(value) is int and value >= 0 else count(value, path) for value in values]
    if field == "cost":
        return [value if value is None or type(value) is Decimal else money(value, path) for value in values]
    key = "messages" if field == "prompt" else field
    return [_field(field, value, path)[key] for value in values]


def _field(field: str, value: Any, path: tuple[str, ...]) -> dict[str, Any]:
    if field in _COUNTS:
        return {field: count(value, path)}
    if field in _TEXTS:
        return {field: text(value, path) if not isinstance(value, float) else repr(value)}
    if field == "cost":
        return {field: money(value, path)}
    if field in ("start", "end"):
        return {field: None if value is None or value == "" else epoch_seconds(value, ".".join(path))}
    if field == "latency_ms":
        if value is None or value == "":
            return {field: None}
        try:
            latency = float(value)
        except (TypeError, ValueError):
            raise InvalidValueError(f"expected milliseconds (a number), got {kind_of(value)}", path=path) from None
        return {field: latency}
    if field == "error":
        failed = value not in (None, "", False, 0)
        return {field: (value if isinstance(value, str) else "error") if failed else None}
    if field == "prompt":
        if isinstance(value, str):
            if not value.strip():
                raise InvalidValueError("expected the prompt's text, got empty text", path=path)
            return {"messages": ({"role": "user", "content": value},)}
        return {"messages": messages(value, path)}
    if field in ("messages", "metadata") and isinstance(value, str) and value.lstrip()[:1] in ("[", "{"):
        value = _json_cell(value, path)
    if field == "messages":
        return {field: messages(value, path)}
    if value is not None and not isinstance(value, dict):  # metadata
        raise InvalidValueError(f"expected an object, got {kind_of(value)}", path=path)
    return {field: value}


def _json_cell(value: str, path: tuple[str, ...]) -> Any:
    """A CSV cell holding JSON (an export's messages or metadata column) as its value."""
    try:
        return json.loads(value)
    except ValueError:
        raise InvalidValueError("expected JSON in the cell, got text that is not", path=path) from None
