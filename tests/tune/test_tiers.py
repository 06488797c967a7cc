"""N-tier routes: a three-tier case worked out by hand, and the fast choices against brute force on seeded data."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from routecli.errors import InvalidValueError
from routecli.tune import tiers as tiers_module
from routecli.tune.tiers import TierPoint, apply_thresholds, tune_tiers

A = np.array
INF = math.inf

# Four prompts scoring 0.1 … 0.4. small ($1) is right only on the first, medium ($3) on the first three,
# large ($10) on all four.
KEYS = A([0.1, 0.2, 0.3, 0.4])
QUALITY = A([[1.0, 1, 1], [0, 1, 1], [0, 1, 1], [0, 0, 1]])
COST = A([[1.0, 3, 10]] * 4)
NAMES = ("small", "medium", "large")


def three(**goal: object) -> tiers_module.TieredResult:
    return tune_tiers(KEYS, QUALITY, COST, tiers=NAMES, score="data", **goal)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("floor", "expected"),
    [
        # every prompt right: the first to small, the next two to medium, the last to large: $1 + $6 + $10
        (1.0, TierPoint((0.2, 0.4), 1.0, 17.0, (0.25, 0.5, 0.25))),
        # three right: the last may go to medium as well ($1 + $9); nothing cheaper gets three
        (0.75, TierPoint((0.2, INF), 0.75, 10.0, (0.25, 0.75, 0.0))),
        # two right: two to small, two to medium, $8 (small on three and medium on one is $6 but gets one right)
        (0.5, TierPoint((0.3, INF), 0.5, 8.0, (0.5, 0.5, 0.0))),
    ],
)
def test_three_tiers_by_hand(floor: float, expected: TierPoint) -> None:
    result = three(floor=floor)
    assert result.chosen == expected
    assert result.method == "exact"
    assert result.choices == 15  # five cut positions (0, three boundaries, 4): 5 × 6 / 2 pairs, equal ones too
    assert [point.cost for point in result.alone] == [4.0, 12.0, 40.0]
    assert result.savings_pct == pytest.approx((1 - expected.cost / 40) * 100)


def test_a_relative_floor_is_a_share_of_the_last_tiers_quality() -> None:
    result = three(floor=0.75, floor_relative=True)  # large alone: 1.0
    assert result.floor == 0.75
    assert result.chosen is not None
    assert result.chosen.cost == 10.0


def test_target_shares_take_the_nearest_cuts() -> None:
    # 50% / 25% / 25%: cuts after two and three prompts: thresholds 0.3 and 0.4; small, small, medium, large
    result = three(target_shares=(0.5, 0.25, 0.25))
    assert result.chosen == TierPoint((0.3, 0.4), 0.75, 15.0, (0.5, 0.25, 0.25))


def test_no_choice_reaches_a_floor_above_every_one() -> None:
    quality = QUALITY.copy()
    quality[3] = 0  # nobody gets the last prompt
    result = tune_tiers(KEYS, quality, COST, tiers=NAMES, score="data", floor=0.9)
    assert result.chosen is None
    assert max(point.quality for point in result.curve) == 0.75


def test_apply_thresholds_counts_the_thresholds_a_score_reaches() -> None:
    applied = apply_thresholds((0.2, 0.4), KEYS, QUALITY, COST)
    assert applied.cost.tolist() == [1.0, 3.0, 3.0, 10.0]
    assert applied.quality.tolist() == [1.0, 1.0, 1.0, 1.0]
    assert applied.strong.tolist() == [False, False, False, True]


def test_fewer_than_three_tiers_or_two_prompts() -> None:
    with pytest.raises(InvalidValueError, match="2 tiers"):
        tune_tiers(KEYS, QUALITY[:, :2], COST[:, :2], tiers=NAMES[:2], score="data", floor=0.5)
    with pytest.raises(InvalidValueError, match="1 prompt to tune on"):
        tune_tiers(KEYS[:1], QUALITY[:1], COST[:1], tiers=NAMES, score="data", floor=0.5)


# ------------------------------------------------------------------ against brute force


def random_outcomes(rng: np.random.Generator, count: int, tiers: int, levels: int) -> tuple[np.ndarray, ...]:
    """Scores with ties (``levels`` distinct values at most); stronger tiers right more often and dearer."""
    keys = rng.integers(0, levels, count).astype(float) / levels
    right = np.linspace(0.3, 0.95, tiers) * (1 - 0.5 * keys[:, None])
    quality = (rng.random((count, tiers)) < right).astype(float)
    cost = rng.random((count, tiers)) * np.arange(1, tiers + 1)
    return keys, quality, cost


def every_choice(keys: np.ndarray, quality: np.ndarray, cost: np.ndarray) -> list[TierPoint]:
    """Each choice of non-decreasing thresholds among −inf, the distinct scores and inf (equal ones included: a
    tier may get no prompts), applied prompt by prompt."""
    values = [-INF, *sorted(set(keys.tolist())), INF]
    rows = np.arange(len(keys))
    choices = []
    for thresholds in itertools.combinations_with_replacement(values, quality.shape[1] - 1):
        tier = np.array([sum(key >= threshold for threshold in thresholds) for key in keys])
        shares = tuple(float((tier == t).mean()) for t in range(quality.shape[1]))
        choices.append(TierPoint(thresholds, float(quality[rows, tier].mean()), float(cost[rows, tier].sum()), shares))
    return choices


def prefix(values: np.ndarray) -> np.ndarray:
    """Cumulative sums per column, a row of zeros first."""
    return np.vstack((np.zeros((1, values.shape[1])), np.cumsum(values, axis=0)))


def cheapest(choices: list[TierPoint], floor: float) -> TierPoint | None:
    reaching = [choice for choice in choices if choice.quality >= floor - 1e-12]
    return min(reaching, key=lambda choice: (choice.cost, -choice.quality), default=None)


@pytest.mark.parametrize("tiers", [3, 4, 5])
def test_the_choice_is_the_brute_force_optimum(tiers: int) -> None:
    # small data: for three tiers the method is exact; for more the grid holds every cut position
    rng = np.random.default_rng(tiers)
    for _ in range(25):
        keys, quality, cost = random_outcomes(rng, int(rng.integers(2, 16)), tiers, levels=10)
        choices = every_choice(keys, quality, cost)
        for floor in rng.uniform(0.2, 1.0, 3):
            result = tune_tiers(keys, quality, cost, tiers=[f"t{t}" for t in range(tiers)], score="s", floor=floor)
            expected = cheapest(choices, float(floor))
            if expected is None:
                assert result.chosen is None
                continue
            assert result.chosen is not None
            assert result.chosen.cost == pytest.approx(expected.cost, abs=1e-9)
            assert result.chosen.quality == pytest.approx(expected.quality, abs=1e-12)


def test_three_tiers_are_exact_over_many_cut_positions() -> None:
    # 400 distinct scores: 80,000 pairs, enumerated here with numpy (the solver splits them by halves and leaves)
    rng = np.random.default_rng(30)
    keys, quality, cost = random_outcomes(rng, 600, 3, levels=400)
    order = np.argsort(keys, kind="stable")
    ends = np.concatenate(([0], np.flatnonzero(np.diff(keys[order])) + 1, [len(keys)]))
    totals = [prefix(values[order])[ends] for values in (quality, cost)]
    first, second = np.triu_indices(len(ends), 0)  # i == j too: the middle tier empty
    sums = [t[first, 0] + t[second, 1] - t[first, 1] + t[-1, 2] - t[second, 2] for t in totals]
    for floor in (0.5, 0.6, 0.7):
        reaching = sums[0] >= floor * len(keys) - 1e-9
        result = tune_tiers(keys, quality, cost, tiers=NAMES, score="s", floor=floor)
        assert result.chosen is not None
        assert result.chosen.cost == pytest.approx(sums[1][reaching].min(), abs=1e-9)


def test_four_tiers_searched_beyond_the_grid_match_brute_force_here() -> None:
    # ~200 distinct scores: 1.3 million choices, more than the grid's 200,000; these seeds reach the optimum
    rng = np.random.default_rng(41)
    for _ in range(3):
        keys, quality, cost = random_outcomes(rng, 240, 4, levels=200)
        order = np.argsort(keys, kind="stable")
        ends = np.concatenate(([0], np.flatnonzero(np.diff(keys[order])) + 1, [len(keys)]))
        assert math.comb(len(ends) + 2, 3) > tiers_module.GRID
        totals = [prefix(values[order])[ends] for values in (quality, cost)]
        cuts = np.array(list(itertools.combinations_with_replacement(range(len(ends)), 3)))
        a, b, c = cuts.T
        sums = [t[a, 0] + (t[b, 1] - t[a, 1]) + (t[c, 2] - t[b, 2]) + (t[-1, 3] - t[c, 3]) for t in totals]
        floor = 0.6
        result = tune_tiers(keys, quality, cost, tiers=list("abcd"), score="s", floor=floor)
        assert result.method == "search"
        assert result.chosen is not None
        assert result.chosen.cost == pytest.approx(sums[1][sums[0] >= floor * len(keys) - 1e-9].min(), abs=1e-9)


@pytest.mark.parametrize("tiers", [3, 4])
def test_the_curve_is_on_the_pareto_set(tiers: int) -> None:
    rng = np.random.default_rng(50 + tiers)
    keys, quality, cost = random_outcomes(rng, 14, tiers, levels=12)
    choices = every_choice(keys, quality, cost)
    names = [f"t{t}" for t in range(tiers)]
    qualities = sorted(choice.quality for choice in choices)
    result = tune_tiers(keys, quality, cost, tiers=names, score="s", floor=qualities[len(qualities) // 2])
    assert len(result.curve) >= 3
    costs = [point.cost for point in result.curve]
    assert costs == sorted(costs)
    for point in result.curve:
        # a choice there is, and none is as cheap and better, or cheaper and as good
        assert any(
            choice.cost == pytest.approx(point.cost) and choice.quality == pytest.approx(point.quality)
            for choice in choices
        )
        assert not any(
            (choice.cost <= point.cost - 1e-9 and choice.quality >= point.quality - 1e-12)
            or (choice.cost <= point.cost + 1e-9 and choice.quality > point.quality + 1e-12)
            for choice in choices
        )
    assert result.chosen in result.curve


def test_a_holdout_measures_the_chosen_thresholds_on_the_held_prompts() -> None:
    rng = np.random.default_rng(60)
    keys, quality, cost = random_outcomes(rng, 200, 3, levels=50)
    result = tune_tiers(keys, quality, cost, tiers=NAMES, score="s", floor=0.6, holdout=0.3, seed=4)
    assert result.held is not None
    assert result.chosen is not None
    held = result.held.held
    assert (held.tuned_on, held.held_out, held.seed) == (140, 60, 4)
    assert result.prompts == 140
    # the held-out rows, as the split draws them: the same seed gives the same rows
    _, rows = tiers_module.split(200, 0.3, np.random.SeedSequence(4).spawn(2)[0])
    tier = np.searchsorted(np.array(result.chosen.thresholds), keys[rows], side="right")
    assert held.quality.estimate == pytest.approx(quality[rows, tier].mean())
    assert held.cost.estimate == pytest.approx(cost[rows, tier].sum())
    assert held.quality.low <= held.quality.estimate <= held.quality.high
    assert held.cost.low < held.cost.estimate < held.cost.high
    assert held.strong_cost == pytest.approx(cost[rows, 2].sum())
    assert result.held.shares == pytest.approx(tuple((tier == t).mean() for t in range(3)))
    assert sum(result.held.shares) == pytest.approx(1)


def test_three_tiers_over_100_000_prompts_in_reasonable_time() -> None:
    # bench/tune.py holds the 2 s target; here only that it finishes and reaches the floor
    rng = np.random.default_rng(70)
    keys, quality, cost = random_outcomes(rng, 100_000, 3, levels=1_000_000)
    result = tune_tiers(keys, quality, cost, tiers=NAMES, score="s", floor=0.6)
    assert result.chosen is not None
    assert result.chosen.quality >= 0.6 - 1e-12
