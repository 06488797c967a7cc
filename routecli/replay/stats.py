"""Small statistics of replay reports: percentiles and rates. Pure."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

__all__ = ["Percentiles", "percentile", "percentiles", "rate"]


class Percentiles(NamedTuple):
    """P50, P95 and P99 (and the mean) of a set of measurements."""

    p50: float
    p95: float
    p99: float
    mean: float


def percentile(ordered: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of sorted values, interpolating linearly between ranks.

    The same definition as numpy's default, so figures agree with the simulator's.
    """
    if not ordered:
        raise ValueError("percentile of no values")
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def percentiles(values: Sequence[float]) -> Percentiles | None:
    """P50/P95/P99 and mean of ``values``; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return Percentiles(
        percentile(ordered, 50), percentile(ordered, 95), percentile(ordered, 99), math.fsum(ordered) / len(ordered)
    )


def rate(part: int, whole: int) -> float | None:
    """``part / whole``, or None when there is nothing to divide by."""
    return part / whole if whole else None
