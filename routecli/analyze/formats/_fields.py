"""Reading one value of an exported log row, whichever container it came in.

The observability tools export the same column as a JSON number, a JSON string
or a CSV cell, and nested objects as objects or as JSON text inside a CSV cell;
these helpers take any of those spellings and raise ``InvalidValueError`` naming
the file, line and field for a value that is none of them. Pure: no I/O.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from routecli.analyze.timestamps import epoch_seconds
from routecli.errors import InvalidValueError

__all__ = [
    "Where",
    "chat_messages",
    "dotted",
    "flag",
    "integer",
    "json_cell",
    "latency_ms",
    "money",
    "number",
    "private",
    "public_metadata",
    "text",
    "timestamp",
]

_EMPTY = frozenset({"", "null", "None", "NULL"})
_SHOWN = 40
"""How much of a bad value an error message repeats: enough to recognise it, never a whole prompt."""
_PRIVATE_ENDINGS = ("api_key", "_key_hash")
"""Key names that hold key material (``api_key``, ``user_api_key``, ``user_api_key_hash``); LiteLLM's
``user_api_key_alias``, ``user_api_key_team_alias``, ``user_api_key_user_id`` name no secret and are kept."""


class Where:
    """Where a row is (file and line), for the errors its fields raise."""

    __slots__ = ("line", "source")

    def __init__(self, source: str, line: int) -> None:
        self.source = source
        self.line = line

    def error(self, field: str, expected: str, value: object) -> InvalidValueError:
        shown = repr(value)
        if len(shown) > _SHOWN:
            shown = shown[: _SHOWN - 1] + "…"
        return InvalidValueError(f"expected {expected}, got {shown}", source=self.source, line=self.line, path=(field,))


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() in _EMPTY)


def dotted(data: Mapping[str, Any], path: str) -> Any:
    """The value at ``a.b.c``, ``None`` where any step is missing or not an object."""
    value: Any = data
    for key in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def integer(value: object, where: Where, field: str) -> int | None:
    """A token count from a number or its text (``"12"``, ``"12.0"``); ``None`` when empty."""
    if _empty(value):
        return None
    if isinstance(value, bool):
        raise where.error(field, "a whole number", value)
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str):
        try:
            number = int(value)
        except ValueError:
            try:
                as_float = float(value)
            except ValueError:
                raise where.error(field, "a whole number", value) from None
            if not as_float.is_integer():
                raise where.error(field, "a whole number", value) from None
            number = int(as_float)
    else:
        raise where.error(field, "a whole number", value)
    if number < 0:
        raise where.error(field, "a count of 0 or more", value)
    return number


def money(value: object, where: Where, field: str) -> Decimal | None:
    """A spend in USD as an exact Decimal (a float's shortest spelling, ``"0.0012"`` as written)."""
    if _empty(value):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise where.error(field, "an amount in USD", value)
    try:
        amount = Decimal(value if isinstance(value, int | Decimal) else str(value).strip())
    except InvalidOperation:
        raise where.error(field, "an amount in USD", value) from None
    if not amount.is_finite() or amount < 0:
        raise where.error(field, "an amount in USD of 0 or more", value)
    return amount


def number(value: object, where: Where, field: str) -> float | None:
    """A duration or a plain number (milliseconds, seconds) as a float; ``None`` when empty."""
    if _empty(value):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise where.error(field, "a number", value)
    try:
        number = float(value)
    except ValueError:
        raise where.error(field, "a number", value) from None
    if not math.isfinite(number) or number < 0:
        raise where.error(field, "a number of 0 or more", value)
    return number


def timestamp(value: object, where: Where, field: str) -> float | None:
    """Seconds since the epoch, UTC, read as ``routecli.analyze.timestamps`` reads every log's times."""
    if _empty(value):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise where.error(field, "a timestamp", value)
    try:
        return epoch_seconds(value, field)
    except InvalidValueError:
        raise where.error(field, "an ISO 8601 timestamp or epoch seconds", value) from None


def json_cell(value: object, where: Where, field: str) -> Any:
    """An object or list as stored, or parsed from the JSON text a CSV cell holds (a JSON string too: Langfuse writes
    a text input as ``"…"``); ``None`` when empty. Other text is kept as it is."""
    if _empty(value):
        return None
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in ("{", "[") or (len(stripped) > 1 and stripped[0] == stripped[-1] == '"'):
            try:
                return json.loads(stripped)
            except ValueError:
                raise where.error(field, "JSON", value) from None
    return value


def text(value: object) -> str | None:
    """A string field as text, ``None`` when missing or empty."""
    if _empty(value):
        return None
    return value if isinstance(value, str) else str(value)


def flag(value: object) -> bool:
    """A boolean from JSON (``true``) or a CSV cell (``True``, ``true``, ``1``)."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def private(key: str) -> bool:
    """Keys never copied out of a log: the key material (API keys, hashed or not), not the aliases and ids beside it."""
    return key.lower().endswith(_PRIVATE_ENDINGS)


def latency_ms(start: float | None, end: float | None) -> float | None:
    """``end - start`` in milliseconds, where the log has both."""
    if start is None or end is None:
        return None
    return (end - start) * 1000.0


def public_metadata(metadata: object, drop: tuple[str, ...] = (), **extra: Any) -> dict[str, Any] | None:
    """A log's metadata object without its API-key fields (and the keys in ``drop``: what a format reads as
    something else), with ``extra`` (where not ``None``) laid over; ``None`` when nothing is left."""
    kept: dict[str, Any] = {}
    if isinstance(metadata, Mapping):
        kept = {str(key): _without_keys(value) for key, value in metadata.items() if str(key) not in drop}
        kept = {key: value for key, value in kept.items() if not private(key)}
    kept.update({key: value for key, value in extra.items() if value is not None})
    return kept or None


def _without_keys(value: Any) -> Any:
    """``value`` with API-key fields left out at every depth (``requester_metadata`` is whatever a caller sent)."""
    if isinstance(value, Mapping):
        return {str(key): _without_keys(item) for key, item in value.items() if not private(str(key))}
    if isinstance(value, list):
        return [_without_keys(item) for item in value]
    return value


def chat_messages(value: object) -> list[Mapping[str, Any]] | None:
    """The prompt as chat messages: a list of ``{"role", "content"}`` as sent, ``{"messages": […]}``, or a bare
    string (one user message); ``None`` for anything else."""
    if isinstance(value, Mapping) and isinstance(value.get("messages"), list):
        value = value["messages"]
    if isinstance(value, list) and value and all(isinstance(item, Mapping) for item in value):
        return list(value)
    if isinstance(value, str) and value:
        return [{"role": "user", "content": value}]
    return None
