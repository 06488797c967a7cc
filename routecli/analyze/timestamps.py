"""A log's timestamps as float epoch seconds, UTC, whatever spelling the tool wrote.

Pure. ISO 8601 (``Z``, an offset, or no zone meaning UTC; ``T`` or a space
between date and time), epoch seconds, milliseconds, microseconds or
nanoseconds (told apart by magnitude), as numbers or numeric strings, and the
``datetime`` values a Parquet column holds. Anything else is an
``InvalidValueError`` naming the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from routecli.errors import InvalidValueError

__all__ = ["epoch_seconds"]

_SCALES = ((1e11, 1.0), (1e14, 1e3), (1e17, 1e6))
"""Below each bound a number is in that unit: seconds up to the year 5138, then ms, µs; ns beyond."""


def epoch_seconds(value: Any, field: str) -> float:
    """``value`` as seconds since the epoch, UTC; ``InvalidValueError`` (path ``field``) when it is no time."""
    if type(value) is int and 0 <= value < _SCALES[0][0]:  # epoch seconds, the common case, first
        return float(value)
    if isinstance(value, dt.datetime):
        return _aware(value).timestamp()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _scaled(float(value), field)
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            pass
        else:
            return _scaled(number, field)
        try:
            return _aware(dt.datetime.fromisoformat(text)).timestamp()
        except ValueError:
            pass
    raise InvalidValueError(
        "expected a time (ISO 8601, or epoch seconds, milliseconds, microseconds or nanoseconds)", path=(field,)
    )


def _aware(moment: dt.datetime) -> dt.datetime:
    """A time without a zone is UTC: logs are written by servers, not people."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _scaled(number: float, field: str) -> float:
    if number != number or number < 0 or number in (float("inf"), float("-inf")):
        raise InvalidValueError("expected a time since the epoch (a number ≥ 0)", path=(field,))
    for bound, divisor in _SCALES:
        if number < bound:
            return number / divisor
    return number / 1e9
