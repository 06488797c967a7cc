"""What the format modules share: dotted paths into a row, and its cells as counts, money, text and messages.

Pure. Every check raises ``InvalidValueError`` with the field's key path and a
message that names the kind of value found, never the value (a prompt may be
in it); the reader adds the file and line. The messages are few and fixed, so
``--skip-invalid`` can count rows by them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from routecli.analyze.records import Message
from routecli.errors import InvalidValueError

__all__ = ["MISSING", "count", "dig", "kind_of", "messages", "money", "path_of", "text"]

MISSING: Any = object()
"""What ``dig`` returns for a path the row does not have (a null value is ``None``, not missing)."""


def path_of(dotted: str) -> tuple[str, ...]:
    return tuple(dotted.split("."))


def dig(data: Any, path: Sequence[str]) -> Any:
    """The value at ``path`` (keys of objects; a number steps into a list), ``MISSING`` where the path ends early."""
    for key in path:
        if isinstance(data, dict):  # dict, not Mapping: an ABC check costs more than the rest of a row
            data = data.get(key, MISSING)
            if data is MISSING:
                return MISSING
        elif isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return MISSING
    return data


def kind_of(value: Any) -> str:
    """What a value is, in words, without saying what it holds."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, str):
        return "empty text" if not value.strip() else "text"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


def _wrong(path: Sequence[str | int], what: str, value: Any, got: str | None = None) -> InvalidValueError:
    return InvalidValueError(f"expected {what}, got {got or kind_of(value)}", path=tuple(path))


def count(value: Any, path: Sequence[str | int]) -> int:
    """A token count: a whole number ≥ 0 (a CSV cell's digits too); missing, null or an empty cell count 0."""
    if type(value) is int and value >= 0:  # the common case, first
        return value
    if value is MISSING or value is None or value == "":
        return 0
    if isinstance(value, str):
        try:
            value = float(value) if "." in value or "e" in value.lower() else int(value)
        except ValueError:
            raise _wrong(path, "a whole number ≥ 0", value) from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        negative = isinstance(value, int | float) and not isinstance(value, bool) and value < 0
        raise _wrong(path, "a whole number ≥ 0", value, "a negative number" if negative else None)
    return value


def money(value: Any, path: Sequence[str | int]) -> Decimal | None:
    """A logged cost in USD, exact: a float's shortest repr, a cell's digits; missing, null or empty is ``None``."""
    if value is MISSING or value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        try:
            amount = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
        except InvalidOperation:
            raise _wrong(path, "a cost in USD (a number)", value) from None
        if amount.is_finite() and amount >= 0:
            return amount
    raise _wrong(path, "a cost in USD (a number ≥ 0)", value)


def text(value: Any, path: Sequence[str | int]) -> str | None:
    """A name or id as text (numbers as their digits); missing, null or empty is ``None``."""
    if type(value) is str:
        return value or None
    if value is MISSING or value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise _wrong(path, "text", value)


def messages(value: Any, path: Sequence[str | int]) -> tuple[Message, ...] | None:
    """Chat messages as sent: a list of objects with a ``role``; missing or null is ``None``."""
    if value is MISSING or value is None:
        return None
    if isinstance(value, list):
        for item in value:
            if not isinstance(item, dict) or "role" not in item:
                break
        else:
            return tuple(value)
    raise _wrong(path, 'a list of chat messages (objects with "role" and "content")', value)
