"""The Pareto frontier of cost against quality: the strategies no other beats on both. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple

from routecli.simulate.costmodel import SimulationResult

__all__ = ["CostQuality", "pareto_frontier", "strategy_frontier"]


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


def strategy_frontier(result: SimulationResult) -> list[CostQuality]:
    """The frontier of a simulation's strategies by monthly cost and quality; those without a quality take no part."""
    return pareto_frontier(
        CostQuality(s.name, s.monthly_cost, s.quality) for s in result.strategies if s.quality is not None
    )
