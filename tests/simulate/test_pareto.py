"""The Pareto frontier: the points no other beats on cost and quality."""

from __future__ import annotations

from decimal import Decimal

from routecli.simulate.pareto import CostQuality, pareto_frontier


def _point(name: str, cost: str, quality: str) -> CostQuality:
    return CostQuality(name, Decimal(cost), Decimal(quality))


def test_frontier_of_one_point_is_that_point() -> None:
    only = _point("only", "10", "0.9")
    assert pareto_frontier([only]) == [only]


def test_frontier_of_nothing_is_empty() -> None:
    assert pareto_frontier([]) == []


def test_frontier_drops_dominated_points_and_sorts_by_cost() -> None:
    cheap, middle, best = _point("cheap", "1", "0.90"), _point("middle", "2", "0.95"), _point("best", "3", "0.99")
    worse = _point("worse", "2.5", "0.94")  # dearer than middle and worse
    assert pareto_frontier([best, worse, cheap, middle]) == [cheap, middle, best]


def test_frontier_keeps_identical_points_and_drops_ties_beaten_on_one_side() -> None:
    first, twin = _point("first", "1", "0.9"), _point("twin", "1", "0.9")
    same_cost_worse = _point("same-cost-worse", "1", "0.8")
    same_quality_dearer = _point("same-quality-dearer", "2", "0.9")
    frontier = pareto_frontier([first, same_cost_worse, twin, same_quality_dearer])
    assert frontier == [first, twin]
