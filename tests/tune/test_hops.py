"""Cascades of three tiers or more: a case worked out by hand, and per-hop thresholds against brute force (every pair
for three tiers, the search beyond)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from routecli.errors import InvalidValueError
from routecli.tune import hops as hops_module
from routecli.tune.hops import apply_cascade, tune_cascade
from routecli.tune.tiers import TierPoint

A = np.array
INF = math.inf

# Three prompts through a ($1), b ($3) and c ($10). a is right on the first, b on the first two, c on all.
CONFIDENCE = A([[-0.1, -0.1], [-0.5, -0.2], [-0.9, -0.8]])  # a's and b's confidence per prompt
QUALITY = A([[1.0, 1, 1], [0, 1, 1], [0, 0, 1]])
COST = A([[1.0, 3, 10]] * 3)


@pytest.mark.parametrize(
    ("floor", "expected"),
    [
        # all right: a keeps the first (-0.1 >= -0.1), b the second (-0.2 >= -0.2), c answers the third, which
        # visited all three: $1 + $4 + $14
        (1.0, TierPoint((-0.1, -0.2), 1.0, 19.0, (1 / 3, 1 / 3, 1 / 3))),
        # two right: a keeps the first, b takes the rest (the third wrong): $1 + $4 + $4
        (2 / 3, TierPoint((-0.1, -INF), 2 / 3, 9.0, (1 / 3, 2 / 3, 0.0))),
    ],
)
def test_three_hops_by_hand(floor: float, expected: TierPoint) -> None:
    result = tune_cascade(CONFIDENCE, QUALITY, COST, tiers=("a", "b", "c"), floor=floor)
    assert result.chosen is not None
    assert result.chosen.thresholds == expected.thresholds
    assert (result.chosen.quality, result.chosen.cost) == pytest.approx((expected.quality, expected.cost))
    assert result.chosen.shares == pytest.approx(expected.shares)
    assert result.strategy == "cascade"
    assert result.method == "exact"
    assert result.choices == 16  # four candidates per hop: -inf, two distinct values above the lowest, inf
    assert [point.cost for point in result.alone] == [3.0, 9.0, 30.0]


def test_apply_cascade_pays_every_tier_visited() -> None:
    applied, answered = apply_cascade((-0.1, -0.2), CONFIDENCE, QUALITY, COST)
    assert answered.tolist() == [0, 1, 2]
    assert applied.cost.tolist() == [1.0, 4.0, 14.0]
    assert applied.quality.tolist() == [1.0, 1.0, 1.0]
    applied, answered = apply_cascade((INF, INF), CONFIDENCE, QUALITY, COST)  # none accepted: c answers all
    assert answered.tolist() == [2, 2, 2]
    assert applied.cost.tolist() == [14.0] * 3


def brute_force(confidence: np.ndarray, quality: np.ndarray, cost: np.ndarray) -> list[tuple[float, float]]:
    """(cost, mean quality) of every pair of per-hop thresholds, each applied prompt by prompt."""
    candidates = [[-INF, *sorted(set(confidence[:, hop].tolist()))[1:], INF] for hop in range(2)]
    found = []
    for thresholds in itertools.product(*candidates):
        total_cost = total_quality = 0.0
        for k in range(len(quality)):
            tier = 0 if confidence[k, 0] >= thresholds[0] else 1 if confidence[k, 1] >= thresholds[1] else 2
            total_cost += float(cost[k, : tier + 1].sum())
            total_quality += float(quality[k, tier])
        found.append((total_cost, total_quality / len(quality)))
    return found


def test_every_pair_is_weighed_exactly() -> None:
    rng = np.random.default_rng(11)
    for _ in range(60):
        count = int(rng.integers(2, 14))
        confidence = -rng.integers(0, 6, (count, 2)) / 5  # ties
        quality = (rng.random((count, 3)) < [0.4, 0.7, 0.9]).astype(float)
        cost = rng.random((count, 3)) * [1, 3, 10]
        choices = brute_force(confidence, quality, cost)
        for floor in rng.uniform(0.2, 1.0, 3):
            result = tune_cascade(confidence, quality, cost, tiers="abc", floor=float(floor))
            reaching = [choice for choice in choices if choice[1] >= floor - 1e-12]
            if not reaching:
                assert result.chosen is None
                continue
            best = min(reaching, key=lambda choice: (choice[0], -choice[1]))
            assert result.chosen is not None
            assert (result.chosen.cost, result.chosen.quality) == pytest.approx(best, abs=1e-9)
            # the curve: Pareto points, none beaten by any pair
            for point in result.curve:
                assert not any(c <= point.cost - 1e-9 and q >= point.quality - 1e-12 for c, q in choices), point


def test_many_confidences_are_thinned_to_a_grid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hops_module, "EXACT_PAIRS", 100)  # 10 candidates a hop
    rng = np.random.default_rng(12)
    confidence = -rng.random((50, 2))
    quality = (rng.random((50, 3)) < [0.4, 0.7, 0.9]).astype(float)
    result = tune_cascade(confidence, quality, rng.random((50, 3)), tiers="abc", floor=0.5)
    assert result.method == "grid"
    assert result.choices == 51 * 51  # the pairs there were; 10 × 10 weighed
    assert result.chosen is not None
    assert result.chosen.quality >= 0.5


def test_a_holdout_measures_the_per_hop_thresholds_on_the_held_prompts() -> None:
    rng = np.random.default_rng(13)
    confidence = -rng.random((100, 2))
    quality = (rng.random((100, 3)) < [0.4, 0.7, 0.9]).astype(float)
    cost = rng.random((100, 3)) * [1, 3, 10]
    result = tune_cascade(confidence, quality, cost, tiers="abc", floor=0.7, holdout=0.2, seed=5)
    assert result.held is not None
    assert result.chosen is not None
    held = result.held.held
    assert (held.tuned_on, held.held_out) == (80, 20)
    _, rows = hops_module.split(100, 0.2, np.random.SeedSequence(5).spawn(2)[0])
    applied, answered = apply_cascade(result.chosen.thresholds, confidence[rows], quality[rows], cost[rows])
    assert held.quality.estimate == pytest.approx(applied.quality.mean())
    assert held.cost.estimate == pytest.approx(applied.cost.sum())
    assert held.quality.low <= held.quality.estimate <= held.quality.high
    assert result.held.shares == pytest.approx(tuple((answered == t).mean() for t in range(3)))


def brute_force_chain(confidence: np.ndarray, quality: np.ndarray, cost: np.ndarray) -> list[tuple[float, float]]:
    """(cost, mean quality) of every choice of per-hop thresholds of a chain of any length, prompt by prompt."""
    hops = confidence.shape[1]
    candidates = [[-INF, *sorted(set(confidence[:, hop].tolist()))[1:], INF] for hop in range(hops)]
    found = []
    for thresholds in itertools.product(*candidates):
        total_cost = total_quality = 0.0
        for k in range(len(quality)):
            tier = next((hop for hop in range(hops) if confidence[k, hop] >= thresholds[hop]), hops)
            total_cost += float(cost[k, : tier + 1].sum())
            total_quality += float(quality[k, tier])
        found.append((total_cost, total_quality / len(quality)))
    return found


@pytest.mark.parametrize(("tiers", "grid_cells"), [(4, None), (4, 1), (5, 1)])
def test_longer_chains_searched_match_brute_force(
    monkeypatch: pytest.MonkeyPatch, tiers: int, grid_cells: int | None
) -> None:
    # grid_cells 1: a grid of each hop's two ends only, so the descent does the work
    if grid_cells is not None:
        monkeypatch.setattr(hops_module, "GRID_CELLS", grid_cells)
    rng = np.random.default_rng(20 + tiers)
    rates = np.linspace(0.3, 0.95, tiers)
    prices = np.geomspace(1, 30, tiers)
    for _ in range(25):
        count = int(rng.integers(3, 10))
        confidence = -rng.integers(0, 4, (count, tiers - 1)) / 3  # ties
        quality = (rng.random((count, tiers)) < rates).astype(float)
        cost = rng.random((count, tiers)) * prices
        choices = brute_force_chain(confidence, quality, cost)
        for floor in rng.uniform(0.2, 1.0, 3):
            result = tune_cascade(confidence, quality, cost, tiers="abcde"[:tiers], floor=float(floor))
            assert result.method == "search"
            assert result.choices == len(choices)
            reaching = [choice for choice in choices if choice[1] >= floor - 1e-12]
            if not reaching:
                assert result.chosen is None
                continue
            best = min(reaching, key=lambda choice: (choice[0], -choice[1]))
            assert result.chosen is not None
            assert (result.chosen.cost, result.chosen.quality) == pytest.approx(best, abs=1e-9)
            applied, _ = apply_cascade(result.chosen.thresholds, confidence, quality, cost)
            assert applied.cost.sum() == pytest.approx(result.chosen.cost)
            for point in result.curve:  # every point a real choice, none beaten by the chosen one's rule
                assert (point.cost, point.quality) in [pytest.approx(choice, abs=1e-9) for choice in choices]


def test_only_three_tiers_or_more() -> None:
    with pytest.raises(InvalidValueError, match="a cascade of 2 tiers"):
        tune_cascade(CONFIDENCE, QUALITY[:, :2], COST[:, :2], tiers="ab", floor=0.5)
