"""Threshold curves and choices: small cases worked out by hand, and properties a curve must keep."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routecli.errors import InvalidValueError
from routecli.tune.outcomes import Outcomes
from routecli.tune.threshold import (
    BOOTSTRAP_MOST,
    Applied,
    Pair,
    apply_threshold,
    bootstrap,
    choose_for_floor,
    choose_for_share,
    default_pair,
    split,
    threshold_curve,
    tune,
)

A = np.array
INF = math.inf

# Four prompts. Scores/confidence 0.9, 0.1, 0.5, 0.5; the weak model is right on prompts 1 and 2 at $1 each,
# the strong one right on all at $10 each.
KEYS = A([0.9, 0.1, 0.5, 0.5])
PAIR = Pair(KEYS, A([0.0, 1.0, 1.0, 0.0]), A([1.0] * 4), A([1.0] * 4), A([10.0] * 4))


def test_a_route_curve_has_a_point_per_distinct_score_and_both_ends() -> None:
    curve = PAIR.curve("route")
    # none strong: 2 right of 4, $4; >= 0.9: prompt 0 strong, 3 right, $10 + $3; >= 0.5: prompts 0, 2, 3 strong,
    # all right, $30 + $1; >= 0.1: all strong, $40
    assert curve.threshold.tolist() == [INF, 0.9, 0.5, 0.1]
    assert curve.quality.tolist() == [0.5, 0.75, 1.0, 1.0]
    assert curve.cost.tolist() == [4.0, 13.0, 31.0, 40.0]
    assert curve.strong_share.tolist() == [0.0, 0.25, 0.75, 1.0]


def test_a_cascade_curve_pays_the_weak_model_always_and_the_strong_one_for_escalations() -> None:
    curve = PAIR.curve("cascade")
    # accept all: $4; accept >= 0.5: prompt 1 (0.1) escalates: still 2 right, $4 + $10; accept >= 0.9: prompts 1, 2,
    # 3 escalate: 3 right, $34; accept none: all right, $44
    assert curve.threshold.tolist() == [-INF, 0.5, 0.9, INF]
    assert curve.quality.tolist() == [0.5, 0.5, 0.75, 1.0]
    assert curve.cost.tolist() == [4.0, 14.0, 34.0, 44.0]
    assert curve.strong_share.tolist() == [0.0, 0.25, 0.75, 1.0]


def test_the_floor_picks_the_cheapest_point_that_reaches_it() -> None:
    curve = PAIR.curve("route")
    assert choose_for_floor(curve, 0.7) == 1  # 0.75 at $13
    assert choose_for_floor(curve, 1.0) == 2  # 1.0 at $31, not $40
    assert choose_for_floor(curve, 0.5) == 0
    assert choose_for_floor(Pair(KEYS, *([A([0.0] * 4), A([1.0] * 4)] * 2)).curve("route"), 0.1) is None


def test_a_floor_met_only_up_to_float_rounding_still_counts() -> None:
    # 0.95 as the mean of 20 zero-or-one outcomes is 19/20, which floats may sum to a hair below 0.95
    count = 20
    keys = np.arange(count, dtype=float)
    pair = Pair(keys, A([1.0] * 19 + [0.0]), A([0.1] * count), A([1.0] * count), A([1.0] * count))
    curve = pair.curve("route")
    assert choose_for_floor(curve, 0.95) == 0


def test_a_target_share_picks_the_nearest_point_and_the_smaller_on_a_tie() -> None:
    curve = PAIR.curve("route")  # shares 0, 0.25, 0.75, 1
    assert choose_for_share(curve, 0.3) == 1
    assert choose_for_share(curve, 0.5) == 1  # 0.25 and 0.75 are as near: the smaller
    assert choose_for_share(curve, 0.8) == 2


def test_a_threshold_applied_to_other_prompts_does_what_the_curve_said() -> None:
    for strategy in ("route", "cascade"):
        curve = PAIR.curve(strategy)
        for index in range(len(curve)):
            applied = apply_threshold(strategy, float(curve.threshold[index]), PAIR)
            assert applied.quality.mean() == curve.quality[index]
            assert applied.cost.sum() == curve.cost[index]
            assert applied.strong.mean() == curve.strong_share[index]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([0.0, 0.25, 0.5, 1.0]), st.booleans(), st.booleans(), st.floats(0, 1), st.floats(0, 5)
        ),
        min_size=1,
        max_size=40,
    ),
    st.sampled_from(["route", "cascade"]),
)
def test_every_point_of_a_curve_is_what_its_threshold_does(
    rows: list[tuple[float, bool, bool, float, float]], strategy: str
) -> None:
    columns = (A(column, dtype=float) for column in zip(*rows, strict=True))
    keys, weak_right, strong_right, weak_cost, strong_extra = columns
    pair = Pair(keys, weak_right, weak_cost, strong_right, weak_cost + strong_extra)
    curve = pair.curve("route" if strategy == "route" else "cascade")
    assert len(curve) == len(set(keys.tolist())) + 1
    assert np.all(np.diff(curve.strong_share) > 0)
    for index in range(len(curve)):
        applied = apply_threshold("route" if strategy == "route" else "cascade", float(curve.threshold[index]), pair)
        assert applied.quality.mean() == pytest.approx(curve.quality[index], abs=1e-12)
        assert applied.cost.sum() == pytest.approx(curve.cost[index], rel=1e-12, abs=1e-12)


def test_a_prompt_without_a_score_cannot_be_swept() -> None:
    with pytest.raises(InvalidValueError, match="no score"):
        threshold_curve("route", A([0.1, math.nan]), *([A([1.0, 1.0])] * 4))


def test_the_default_pair_is_the_cheapest_model_and_the_best_one() -> None:
    outcomes = Outcomes(
        ids=("a", "b"),
        models=("mid", "big", "small"),
        quality=A([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]]),
        cost=A([[2.0, 9.0, 1.0], [2.0, 9.0, 1.0]]),
    )
    assert default_pair(outcomes) == ("small", "big")


def test_a_split_holds_out_the_share_asked_and_repeats_with_its_seed() -> None:
    tuned, held = split(10, 0.3, seed=7)
    assert len(held) == 3
    assert sorted([*tuned.tolist(), *held.tolist()]) == list(range(10))
    again = split(10, 0.3, seed=7)
    assert tuned.tolist() == again[0].tolist()
    assert held.tolist() == again[1].tolist()


def test_bootstrap_intervals_hold_the_estimate_and_are_fixed_by_the_seed() -> None:
    applied = apply_threshold("route", 0.5, PAIR)
    quality, cost = bootstrap(applied, seed=1, resamples=500)
    assert quality.low <= quality.estimate <= quality.high
    assert cost.low <= cost.estimate <= cost.high
    assert (quality.estimate, cost.estimate) == (1.0, 31.0)
    assert bootstrap(applied, seed=1, resamples=500) == (quality, cost)
    constant = apply_threshold("route", -INF, PAIR)  # every prompt strong and right: no spread at all
    assert bootstrap(constant, seed=1, resamples=200)[0] == (1.0, 1.0, 1.0)


def test_tune_with_a_relative_floor_and_a_holdout() -> None:
    result = tune("route", PAIR, weak="w", strong="s", score="data", floor=0.75, floor_relative=True)
    # 75% of the strong model's quality (1.0) is 0.75: threshold 0.9 at $13, saving 1 - 13/40
    assert result.choice is not None
    assert (result.choice.threshold, result.choice.quality, result.choice.cost) == (0.9, 0.75, 13.0)
    assert result.savings_pct == pytest.approx(67.5)
    held = tune("route", PAIR, weak="w", strong="s", score="data", floor=0.5, holdout=0.5, seed=3, resamples=100)
    assert held.held is not None
    assert (held.prompts, held.held.held_out, held.held.tuned_on) == (2, 2, 2)


def test_past_the_resampling_budget_intervals_come_from_the_normal_approximation() -> None:
    # 30,000 prompts × 1,000 resamples is past BOOTSTRAP_MOST: estimate ± 1.96 sd / sqrt(n) for the quality mean,
    # and n times that for the cost total. Quality: 40% right, sd = sqrt(0.4 × 0.6); cost: $1 or $3, sd = 1.
    count = 30_000
    right = np.zeros(count)
    right[: count * 2 // 5] = 1.0
    cost = np.where(np.arange(count) % 2 == 0, 1.0, 3.0)
    applied = Applied(right, cost, np.zeros(count, dtype=bool))
    assert count * 1000 > BOOTSTRAP_MOST
    quality, total = bootstrap(applied, seed=0)
    half = 1.959963984540054 * math.sqrt(0.4 * 0.6) / math.sqrt(count)
    assert quality.estimate == pytest.approx(0.4)
    assert (quality.low, quality.high) == (pytest.approx(0.4 - half), pytest.approx(0.4 + half))
    cost_half = 1.959963984540054 * 1.0 * math.sqrt(count)
    assert (total.low, total.high) == (pytest.approx(60_000 - cost_half), pytest.approx(60_000 + cost_half))
    # and it agrees with a real percentile bootstrap of the same data, below the budget
    resampled = bootstrap(applied, seed=0, resamples=500)
    assert resampled[0].low == pytest.approx(quality.low, abs=0.002)
    assert resampled[1].high == pytest.approx(total.high, rel=0.002)
