"""The one reader of routecli's report documents: a simulate or replay report's JSON, for ``check``, ``diff`` and
drift.

A report is read once (``read_document`` from a file or stdin, ``report_document``
for one already in memory), its ``kind`` and ``schema_version`` checked once
against ``READABLE_VERSIONS``, and its fields then read through one
``DocumentReader``, so that every command says the same thing about the same
fault: the report (``source``), the key path, what was expected and what was
there, e.g. ``head.json: strategies[1].monthly_cost: expected an amount as a
decimal string such as "12.5", got 4574.88``. Numbers are ``Decimal`` from the
JSON text (``parse_float=Decimal``), so money and limits compare exactly.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, NamedTuple

from routecli.errors import InputFileError, InvalidValueError, KeyPath
from routecli.loading import decode_text

__all__ = [
    "READABLE_VERSIONS",
    "STDIN",
    "DocumentReader",
    "Kind",
    "ReportDocument",
    "read_document",
    "report_document",
]

Kind = Literal["simulation", "replay"]

READABLE_VERSIONS: dict[str, int] = {"simulation": 1, "replay": 1}
"""The report kinds, and the ``schema_version`` of each whose fields this routecli knows."""

STDIN = "<stdin>"
"""How a report read from standard input is named in messages."""

_HOW_TO_WRITE = "routecli simulate, replay or report with --format json"
_MONEY_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def _shown(value: Any) -> str:
    """The value as JSON would write it, cut to 40 characters."""
    text = str(value) if isinstance(value, Decimal) else json.dumps(_plain(value), default=repr)
    return text if len(text) <= 40 else text[:37] + "..."


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _finite(value: Any) -> Decimal | None:
    """A finite number as its exact decimal (a float, from a document built in memory: its shortest form, so 0.1
    stays 0.1); None for anything else."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if number.is_finite():
            return number
    return None


class DocumentReader:
    """Typed access to one report's JSON; every failure names the report and the key path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, message: str, path: KeyPath = ()) -> InvalidValueError:
        return InvalidValueError(message, source=self.source, path=path)

    def get(self, mapping: Mapping[str, Any], key: str, path: KeyPath) -> Any:
        """``mapping[key]``, ``mapping`` being the object at ``path``."""
        if key not in mapping:
            raise self.fail("missing", (*path, key))
        return mapping[key]

    def mapping(self, value: Any, path: KeyPath) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(f"expected an object, got {_shown(value)}", path)
        return value

    def field(self, value: Any, key: str, path: KeyPath) -> Any:
        """``key`` of the object ``value`` at ``path``."""
        return self.get(self.mapping(value, path), key, path)

    def array(self, value: Any, path: KeyPath) -> Sequence[Any]:
        if not isinstance(value, list):
            raise self.fail(f"expected a list, got {_shown(value)}", path)
        return value

    def text(self, value: Any, path: KeyPath) -> str:
        if not isinstance(value, str):
            raise self.fail(f"expected a string, got {_shown(value)}", path)
        return value

    def money(self, value: Any, path: KeyPath) -> Decimal:
        """An exact amount, written as a decimal string as reports write money."""
        if not isinstance(value, str) or not _MONEY_TEXT.fullmatch(value):
            raise self.fail(f'expected an amount as a decimal string such as "12.5", got {_shown(value)}', path)
        return Decimal(value)

    def number(self, value: Any, path: KeyPath) -> Decimal:
        """A JSON number as its exact decimal."""
        number = _finite(value)
        if number is None:
            raise self.fail(f"expected a number, got {_shown(value)}", path)
        return number

    def optional_number(self, value: Any, path: KeyPath) -> Decimal | None:
        """A number, or None for null."""
        number = _finite(value)
        if number is None and value is not None:
            raise self.fail(f"expected a number or null, got {_shown(value)}", path)
        return number

    def count(self, value: Any, path: KeyPath) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(f"expected a whole number ≥ 0, got {_shown(value)}", path)
        return value

    def flag(self, value: Any, path: KeyPath) -> bool:
        if not isinstance(value, bool):
            raise self.fail(f"expected true or false, got {_shown(value)}", path)
        return value

    def named(self, items: Any, path: KeyPath, what: str) -> list[tuple[int, Mapping[str, Any], str]]:
        """A non-empty list of objects with distinct ``name`` strings: (index, object, name) each."""
        found: list[tuple[int, Mapping[str, Any], str]] = []
        seen: set[str] = set()
        for index, item in enumerate(self.array(items, path)):
            entry = self.mapping(item, (*path, index))
            name = self.text(self.get(entry, "name", (*path, index)), (*path, index, "name"))
            if name in seen:
                raise self.fail(f"{what} {name!r} appears twice", (*path, index, "name"))
            seen.add(name)
            found.append((index, entry, name))
        if not found:
            raise self.fail(f"expected at least one {what}", path)
        return found


class ReportDocument(NamedTuple):
    """A simulate or replay report's JSON, of a kind and version this routecli reads; ``source`` names it."""

    kind: Kind
    data: Mapping[str, Any]
    source: str

    @property
    def reader(self) -> DocumentReader:
        return DocumentReader(self.source)

    def digests(self) -> tuple[str, str] | None:
        """The prices and setup digests of ``inputs`` (routecli.provenance); None when not recorded."""
        inputs = self.data.get("inputs")
        if inputs is None:
            return None
        reader = self.reader
        recorded = reader.mapping(inputs, ("inputs",))
        return (
            reader.text(reader.get(recorded, "prices_sha256", ("inputs",)), ("inputs", "prices_sha256")),
            reader.text(reader.get(recorded, "setup_sha256", ("inputs",)), ("inputs", "setup_sha256")),
        )


def report_document(data: Any, source: str) -> ReportDocument:
    """``data`` as a report, once its ``kind`` is one this routecli reads, at a ``schema_version`` it knows."""
    reader = DocumentReader(source)
    if not isinstance(data, Mapping):
        raise reader.fail(f"expected a routecli simulate or replay report (a JSON object), got {_shown(data)}")
    kind = data.get("kind")
    if kind == "diff":
        raise reader.fail("is the output of routecli diff, not a simulate or replay report", ("kind",))
    if kind not in READABLE_VERSIONS:
        got = f"a {kind!r} report" if isinstance(kind, str) else "no report kind" if kind is None else _shown(kind)
        raise reader.fail(
            f"expected a simulate or replay report (kind 'simulation' or 'replay'), got {got}", path=("kind",)
        )
    version = reader.get(data, "schema_version", ())
    readable = READABLE_VERSIONS[kind]
    if version != readable or isinstance(version, bool):
        newer = isinstance(version, int) and not isinstance(version, bool) and version > readable
        hint = "; it was written by a newer routecli: upgrade this one" if newer else ""
        message = f"this routecli reads {kind} reports of version {readable}, got {_shown(version)}{hint}"
        raise reader.fail(message, ("schema_version",))
    return ReportDocument("simulation" if kind == "simulation" else "replay", data, source)


def read_document(path: Path | None) -> ReportDocument:
    """The report in the file at ``path`` (None: on standard input); errors name it and the line of bad JSON."""
    source = STDIN if path is None else str(path)
    try:
        text = sys.stdin.read() if path is None else decode_text(path.read_bytes(), source)
    except FileNotFoundError:
        raise InputFileError("report not found", source=source) from None
    except IsADirectoryError:
        raise InputFileError("expected a report file, got a directory", source=source) from None
    except InputFileError as error:
        error.message = f"not a JSON report: {error.message} (write one with {_HOW_TO_WRITE})"
        raise
    except UnicodeDecodeError:  # standard input
        raise InputFileError(
            f"not a JSON report: not a text file (UTF-8) (write one with {_HOW_TO_WRITE})", source=source
        ) from None
    except OSError as error:
        raise InputFileError(f"cannot read the report: {error.strerror or error}", source=source) from None
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        hint = f" (write a report with {_HOW_TO_WRITE})" if not text.lstrip().startswith("{") else ""
        raise InvalidValueError(f"not valid JSON: {error.msg}{hint}", source=source, line=error.lineno) from None
    return report_document(data, source)
