"""Observed token counts from request logs (JSONL or CSV), for empirical segment distributions.

A row needs a prompt and an output count under any of the names common exports
use (``input_tokens``/``output_tokens``, OpenAI's ``prompt_tokens``/
``completion_tokens``, either inside a ``usage`` object), and may name its
``segment``. Errors name the file and line.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from routecli.errors import InputFileError, InvalidValueError
from routecli.loading import decode_text
from routecli.simulate.distributions import Empirical

__all__ = ["INPUT_KEYS", "OUTPUT_KEYS", "TokenLog", "read_token_log"]

INPUT_KEYS = ("input_tokens", "prompt_tokens")
OUTPUT_KEYS = ("output_tokens", "completion_tokens")


class TokenLog:
    """Rows of (segment or None, input tokens, output tokens) read from one file.

    Each segment's distribution is built once (sorting a large log is not free)
    and reused by every scenario built from this log — a sweep builds hundreds.
    """

    __slots__ = ("_profiles", "path", "rows")

    def __init__(self, path: Path, rows: tuple[tuple[str | None, int, int], ...]) -> None:
        self.path = path
        self.rows = rows
        self._profiles: dict[tuple[str | None, str], Empirical] = {}

    def profile(self, segment: str | None, name: str) -> Empirical | None:
        """The observed pairs of ``segment`` as a distribution named ``name``; None when it has no rows."""
        key = (segment, name)
        if key not in self._profiles:
            pairs = self.pairs(segment)
            if not pairs:
                return None
            self._profiles[key] = Empirical(pairs, name)
        return self._profiles[key]

    def pairs(self, segment: str | None) -> list[tuple[int, int]]:
        """The (input, output) pairs for ``segment``; all rows when the file names no segments."""
        if segment is None or not self.has_segments:
            return [(tokens_in, tokens_out) for _, tokens_in, tokens_out in self.rows]
        return [(tokens_in, tokens_out) for name, tokens_in, tokens_out in self.rows if name == segment]

    @property
    def has_segments(self) -> bool:
        return any(name is not None for name, _, _ in self.rows)


def _count(record: Mapping[str, Any], keys: tuple[str, ...], source: str, line: int) -> int:
    usage = record.get("usage")
    for holder in (record, usage if isinstance(usage, Mapping) else {}):
        for key in keys:
            value = holder.get(key)
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                raise InvalidValueError(f"{key}: expected a token count, got {value!r}", source=source, line=line)
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise InvalidValueError(
                    f"{key}: expected a token count, got {value!r}", source=source, line=line
                ) from None
            if not number.is_integer() or number < 0:
                raise InvalidValueError(
                    f"{key}: expected a whole number of tokens ≥ 0, got {value!r}", source=source, line=line
                )
            return int(number)
    raise InvalidValueError(f"missing {' or '.join(keys)}", source=source, line=line)


def _json_records(text: str, source: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise InvalidValueError(f"not valid JSON: {error.msg}", source=source, line=number) from None
        if not isinstance(record, Mapping):
            raise InvalidValueError("expected a JSON object per line", source=source, line=number)
        yield number, record


def _csv_records(text: str, source: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    if not any(key in header for key in INPUT_KEYS) or not any(key in header for key in OUTPUT_KEYS):
        raise InvalidValueError(
            f"the header needs a prompt column ({' or '.join(INPUT_KEYS)}) and an output column "
            f"({' or '.join(OUTPUT_KEYS)}); found: {', '.join(header) or 'nothing'}",
            source=source,
            line=1,
        )
    for record in reader:
        yield reader.line_num, record


def read_token_log(path: Path) -> TokenLog:
    """Read one log of observed token counts; JSONL unless the suffix is ``.csv``."""
    source = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError("token log not found", source=source) from None
    except OSError as error:
        raise InputFileError(f"cannot read token log: {error}", source=source) from None
    text = decode_text(data, source)  # spreadsheet exports often start with a byte-order mark: dropped
    records = _csv_records(text, source) if path.suffix.lower() == ".csv" else _json_records(text, source)
    rows = []
    for line, record in records:
        segment = record.get("segment")
        rows.append(
            (
                None if segment in (None, "") else str(segment),
                _count(record, INPUT_KEYS, source, line),
                _count(record, OUTPUT_KEYS, source, line),
            )
        )
    if not rows:
        raise InputFileError("the token log has no rows", source=source)
    return TokenLog(path, tuple(rows))
