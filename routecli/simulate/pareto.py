"""The Pareto frontier of cost against quality: the strategies no other beats on both. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple

__all__ = ["CostQuality", "pareto_frontier"]


class CostQuality(NamedTuple):
    """A strategy as a point of the cost–quality plane."""

    name: str
    cost: Decimal
    quality: Decimal


def pareto_frontier(points: Iterable[CostQuality]) -> list[CostQuality]:
    """The points no other beats, cheapest first.

    A point is beaten when another costs no more and delivers no less, and is
    strictly better in one of the two; identical points therefore all stay.
    """
    candidates = list(points)
    frontier = [
        point
        for point in candidates
        if not any(
            other.cost <= point.cost
            and other.quality >= point.quality
            and (other.cost < point.cost or other.quality > point.quality)
            for other in candidates
        )
    ]
    return sorted(frontier, key=lambda point: point.cost)
