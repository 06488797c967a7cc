"""routecli.tune.evaluate: every number hand-computed (most from docs/metrics.md's worked example), plus properties."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from routecli.errors import InvalidValueError
from routecli.tune.evaluate import (
    aiq,
    call_performance_threshold,
    default_chain,
    evaluate,
    judged_cascade,
    non_decreasing_hull,
    oracle,
    pgr_metrics,
    random_line,
    router_result,
    tier_router,
)
from routecli.tune.outcomes import Outcomes
from tests.helpers.paths import REPO, SHARED

approx = pytest.approx

# ---------------------------------------------------------------- the worked example of docs/metrics.md

MODELS = ("cheap", "mid", "big")
PRICES = (0.01, 0.02, 0.05)
RIGHT = [  # cheap, mid, big
    (1, 1, 1),
    (0, 1, 1),
    (0, 0, 1),
    (1, 0, 0),
    (0, 0, 0),
]
SCORES = (0.1, 0.5, 0.9, 0.3, 0.7)


def outcomes_of(
    quality: Sequence[Sequence[float]],
    cost: Sequence[Sequence[float]],
    models: tuple[str, ...],
    score: tuple[float, ...] | None = None,
) -> Outcomes:
    return Outcomes(
        ids=tuple(f"p{i + 1}" for i in range(len(quality))),
        models=models,
        quality=np.array(quality, dtype=np.float64).reshape(len(quality), len(models)),
        cost=np.array(cost, dtype=np.float64).reshape(len(cost), len(models)),
        score=None if score is None else np.array(score, dtype=np.float64),
    )


def example() -> Outcomes:
    return outcomes_of(RIGHT, [PRICES] * len(RIGHT), MODELS, SCORES)


def test_the_docs_example_table_is_this_one() -> None:
    text = (REPO / "docs" / "metrics.md").read_text()
    rows = re.findall(r"^\| (p\d) +\| (\d) +\| (\d) +\| (\d) +\| ([\d.]+) +\|$", text, re.M)
    assert [(int(a), int(b), int(c)) for _, a, b, c, _ in rows] == RIGHT
    assert tuple(float(row[4]) for row in rows) == SCORES
    assert "USD 0.01 on `cheap`,\n0.02 on `mid` and 0.05 on `big`" in text


def test_models_alone() -> None:
    models = evaluate(example(), epsilons=()).models
    assert [m.name for m in models] == list(MODELS)
    assert [m.quality for m in models] == approx([0.4, 0.4, 0.6])
    assert [m.cost for m in models] == approx([0.05, 0.10, 0.25])
    assert [m.cost_per_prompt for m in models] == approx([0.01, 0.02, 0.05])


def test_oracle_takes_the_cheapest_right_model_else_the_cheapest() -> None:
    result = oracle(example())
    assert result.quality == approx(0.8)
    assert result.cost == approx(0.01 + 0.02 + 0.05 + 0.01 + 0.01)
    assert result.cost_per_prompt == approx(0.10 / 5)
    assert dict(result.picks) == {"cheap": 3, "mid": 1, "big": 1}


def test_oracle_with_graded_quality_prefers_the_cheaper_of_tied_models_and_pays_per_prompt_costs() -> None:
    outcomes = outcomes_of(
        [(0.7, 0.7, 0.2), (0.1, 0.5, 0.9), (0.3, 0.3, 0.3)],
        [(0.03, 0.01, 0.02), (0.01, 0.01, 0.04), (0.02, 0.02, 0.02)],
        ("a", "b", "c"),
    )
    result = oracle(outcomes)
    # p1: a and b tie at 0.7, b is cheaper; p2: c; p3: all tie on quality and cost, the first (a)
    assert result.quality == approx((0.7 + 0.9 + 0.3) / 3)
    assert result.cost == approx(0.01 + 0.04 + 0.02)
    assert dict(result.picks) == {"a": 1, "b": 1, "c": 1}


def test_random_line_is_the_straight_line_between_weak_and_strong() -> None:
    line = evaluate(example(), epsilons=()).random
    assert (line.weak, line.strong) == ("cheap", "big")  # the default pair
    assert [p.strong_share for p in line.points] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert [p.quality for p in line.points] == approx([0.4, 0.45, 0.5, 0.55, 0.6])
    assert [p.cost for p in line.points] == approx([0.05, 0.10, 0.15, 0.20, 0.25])
    assert line.aiq == approx(0.5)
    assert (line.pgr.apgr, line.pgr.cpt_50, line.pgr.cpt_80) == approx((0.5, 0.5, 0.8))


def test_random_line_between_a_given_pair() -> None:
    line = random_line(example(), "mid", "big", shares=(0.0, 0.4))
    assert [tuple(p) for p in line.points] == [approx((0.0, 0.4, 0.10)), approx((0.4, 0.48, 0.16))]


def test_default_chain_is_cheapest_first() -> None:
    outcomes = outcomes_of([(1, 0, 1)], [(0.05, 0.01, 0.01)], ("dear", "poor", "good"))
    # poor and good cost the same: the better (good) first
    assert default_chain(outcomes) == ("good", "poor", "dear")


def test_cascade_with_a_perfect_judge() -> None:
    cascade = judged_cascade(example(), MODELS, 0.0)
    # p1 stops at cheap, p2 at mid, p3 at big, p4 at cheap, p5 runs to big and takes its wrong answer
    assert cascade.quality == approx(0.8)
    assert cascade.cost == approx(0.01 + 0.03 + 0.08 + 0.01 + 0.08)
    assert cascade.cost_per_prompt == approx(0.21 / 5)
    assert cascade.calls == approx((1.0, 3 / 5, 2 / 5))
    assert [p.models for p in cascade.prefixes] == [("cheap",), ("cheap", "mid"), MODELS]
    assert [p.quality for p in cascade.prefixes] == approx([0.4, 0.6, 0.8])
    assert [p.cost for p in cascade.prefixes] == approx([0.05, 0.11, 0.21])
    # hull (0.05, 0.4) (0.11, 0.6) (0.21, 0.8): 0.06 * 0.5 + 0.10 * 0.7 over 0.16
    assert cascade.aiq == approx((0.06 * 0.5 + 0.10 * 0.7) / 0.16)


def test_cascade_with_a_judge_wrong_one_time_in_five() -> None:
    cascade = judged_cascade(example(), MODELS, 0.2)
    # per prompt (quality, cost): see the table in docs/metrics.md
    qualities = [1.0, 0.8 * 0.8 + 0.8 * 0.2, 0.8 * 0.8, 0.8, 0.0]
    costs = [
        0.01 + 0.2 * 0.02 + 0.2 * 0.2 * 0.05,
        0.01 + 0.8 * 0.02 + 0.8 * 0.2 * 0.05,
        0.01 + 0.8 * 0.02 + 0.8 * 0.8 * 0.05,
        0.01 + 0.2 * 0.02 + 0.2 * 0.8 * 0.05,
        0.01 + 0.8 * 0.02 + 0.8 * 0.8 * 0.05,
    ]
    assert cascade.quality == approx(sum(qualities) / 5) == approx(0.648)
    assert cascade.cost == approx(sum(costs)) == approx(0.188)
    assert cascade.calls == approx((1.0, 2.8 / 5, 1.64 / 5))
    # cut after mid: p1 1, p2 0.8, p3 0, p4 0.8 (cheap accepted; else mid's wrong answer), p5 0
    two = cascade.prefixes[1]
    assert two.quality == approx(2.6 / 5)
    assert two.cost == approx(5 * 0.01 + 2.8 * 0.02)
    hull_area = 0.056 * (0.4 + 0.52) / 2 + 0.082 * (0.52 + 0.648) / 2
    assert cascade.aiq == approx(hull_area / (0.188 - 0.05))


def test_cascade_treats_graded_quality_as_the_chance_of_a_right_answer() -> None:
    outcomes = outcomes_of([(0.5, 0.9)], [(1.0, 4.0)], ("a", "b"))
    cascade = judged_cascade(outcomes, ("a", "b"), 0.1)
    # a accepted and right: 0.5 * 0.9; rejected: 0.5 * 0.1 + 0.5 * 0.9 = 0.5, then b's answer (0.9) is taken
    assert cascade.quality == approx(0.45 + 0.5 * 0.9)
    assert cascade.cost == approx(1.0 + 0.5 * 4.0)


@pytest.mark.parametrize(
    ("chain", "epsilon", "message"),
    [
        ((), 0.0, "at least one model"),
        (("cheap", "cheap"), 0.0, "appears twice"),
        (("cheap", "big"), 1.5, "between 0 and 1"),
        (("cheap", "big"), -0.1, "between 0 and 1"),
    ],
)
def test_cascade_rejects_bad_chains_and_rates(chain: tuple[str, ...], epsilon: float, message: str) -> None:
    with pytest.raises(InvalidValueError, match=message):
        judged_cascade(example(), chain, epsilon)


def test_cascade_of_an_unknown_model_names_the_models() -> None:
    with pytest.raises(InvalidValueError, match="cheap, mid, big"):
        judged_cascade(example(), ("cheap", "huge"), 0.0)


def test_router_of_the_example() -> None:
    router = evaluate(example(), epsilons=()).router
    assert router is not None
    assert (router.weak, router.strong) == ("cheap", "big")
    # scores high to low: p3 (+1), p5 (0), p2 (+1), p4 (-1), p1 (0) go to big in turn
    assert router.curve.strong_share.tolist() == approx([0, 0.2, 0.4, 0.6, 0.8, 1])
    assert router.curve.quality.tolist() == approx([0.4, 0.6, 0.6, 0.8, 0.6, 0.6])
    assert router.curve.cost.tolist() == approx([0.05, 0.09, 0.13, 0.17, 0.21, 0.25])
    assert router.aiq == approx((0.04 * 0.5 + 0.08 * 0.7 + 0.08 * 0.8) / 0.20) == approx(0.7)
    assert router.pgr.apgr == approx(0.2 * (0.5 + 1 + 1.5 + 1.5 + 1)) == approx(1.1)
    assert router.pgr.cpt_50 == approx(0.1)
    assert router.pgr.cpt_80 == approx(0.16)
    assert router.pgr.undefined_reason is None


def test_the_other_aiqs_of_the_example() -> None:
    result = evaluate(example(), epsilons=(0.0,))
    # mid (0.10, 0.4) is under cheap (0.05, 0.4) -- big (0.25, 0.6)
    assert result.models_aiq == approx(0.5)
    assert result.cascades[0].aiq == approx(0.66)  # over the report's common cost range, 0.05 to 0.25


def test_evaluate_defaults_and_overrides() -> None:
    result = evaluate(example())
    assert result.prompts == 5
    assert [c.epsilon for c in result.cascades] == [0.0, 0.1, 0.2]
    assert all(c.chain == MODELS for c in result.cascades)
    # a given pair and chain, and keys in place of the data's score: p2 goes strong first, then the rest at once
    given_keys = np.array([0.0, 1.0, 0.0, 0.0, 0.0])
    other = evaluate(example(), pair=("mid", "big"), keys=given_keys, chain=("big",), epsilons=(0.1,))
    assert (other.random.weak, other.random.strong) == ("mid", "big")
    assert other.router is not None
    # mid and big are both right on p2: sending it to big changes nothing but the cost
    assert other.router.curve.strong_share.tolist() == approx([0, 0.2, 1])
    assert other.router.curve.quality.tolist() == approx([0.4, 0.4, 0.6])
    assert other.router.curve.cost.tolist() == approx([0.10, 0.13, 0.25])
    (cascade,) = other.cascades
    assert cascade.chain == ("big",)
    assert (cascade.quality, cascade.cost) == approx((0.6, 0.25))


def test_no_score_no_router() -> None:
    outcomes = outcomes_of(RIGHT, [PRICES] * len(RIGHT), MODELS)
    assert evaluate(outcomes).router is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"keys": np.array([0.1, np.nan, 0.2, 0.3, 0.4])}, "NaN"),
        ({"keys": np.array([0.1, 0.2])}, "one per prompt"),
        ({"pair": ("big", "big")}, "both 'big'"),
        ({"pair": ("cheap", "huge")}, "no model 'huge'"),
        ({"chain": ("cheap", "huge")}, "^--chain: no model 'huge'"),
    ],
)
def test_evaluate_rejects_bad_inputs(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidValueError, match=message):
        evaluate(example(), **kwargs)  # type: ignore[arg-type]


def test_evaluate_needs_prompts_and_two_models() -> None:
    with pytest.raises(InvalidValueError, match="no prompts"):
        evaluate(outcomes_of([], [], MODELS))
    with pytest.raises(InvalidValueError, match="a weak and a strong model are needed"):
        evaluate(outcomes_of([(1,)], [(0.01,)], ("only",)))


# ---------------------------------------------------------------- the hull and AIQ


def test_hull_drops_a_dominated_point_and_flattens_a_fall() -> None:
    cost = np.array([0.0, 1.0, 2.0, 3.0])
    quality = np.array([0.5, 0.6, 0.9, 0.8])
    hull_cost, hull_quality = non_decreasing_hull(cost, quality)
    # (1, 0.6) is under the segment (0, 0.5) -- (2, 0.9) (0.7 there); after 0.9 the hull stays flat
    assert hull_cost.tolist() == [0.0, 2.0, 3.0]
    assert hull_quality.tolist() == approx([0.5, 0.9, 0.9])
    assert aiq(cost, quality) == approx((2 * (0.5 + 0.9) / 2 + 1 * 0.9) / 3)


def test_hull_keeps_the_best_of_equal_costs_and_the_cheapest_of_equal_qualities() -> None:
    cost = np.array([2.0, 1.0, 1.0, 3.0, 4.0])
    quality = np.array([0.8, 0.2, 0.4, 0.8, 0.5])
    hull_cost, hull_quality = non_decreasing_hull(cost, quality)
    assert hull_cost.tolist() == [1.0, 2.0, 4.0]
    assert hull_quality.tolist() == approx([0.4, 0.8, 0.8])
    assert aiq(cost, quality) == approx((1 * 0.6 + 2 * 0.8) / 3)


def test_hull_keeps_a_vertex_above_the_chord() -> None:
    cost = np.array([0.0, 1.0, 3.0])
    quality = np.array([0.0, 0.6, 0.9])
    assert non_decreasing_hull(cost, quality)[0].tolist() == [0.0, 1.0, 3.0]
    assert aiq(cost, quality) == approx((1 * 0.3 + 2 * 0.75) / 3)


def test_aiq_of_points_at_one_cost_is_their_best_quality() -> None:
    assert aiq(np.array([0.2]), np.array([0.7])) == approx(0.7)
    assert aiq(np.array([0.0, 0.0]), np.array([0.3, 0.6])) == approx(0.6)


points = st.lists(
    st.tuples(st.floats(0, 10, allow_nan=False), st.floats(0, 1, allow_nan=False)), min_size=1, max_size=30
)


@given(points)
def test_aiq_lies_between_the_lowest_and_highest_quality(pairs: list[tuple[float, float]]) -> None:
    cost = np.array([c for c, _ in pairs])
    quality = np.array([q for _, q in pairs])
    assert quality.min() - 1e-9 <= aiq(cost, quality) <= quality.max() + 1e-9


@given(points)
def test_every_point_lies_on_or_under_the_hull(pairs: list[tuple[float, float]]) -> None:
    cost = np.array([c for c, _ in pairs])
    quality = np.array([q for _, q in pairs])
    hull_cost, hull_quality = non_decreasing_hull(cost, quality)
    assert (np.diff(hull_cost) > 0).all()
    assert (np.diff(hull_quality) >= 0).all()
    assert hull_cost[0] == cost.min()
    assert hull_cost[-1] == cost.max()
    assert (quality <= np.interp(cost, hull_cost, hull_quality) + 1e-9).all()


# ---------------------------------------------------------------- PGR, APGR and CPT


def test_apgr_and_cpt_of_a_curve() -> None:
    share = np.array([0.0, 0.5, 1.0])
    quality = np.array([0.6, 0.8, 0.9])
    metrics = pgr_metrics(share, quality)
    # PGR 0, 2/3, 1: area 0.5 * (2/3) / 2 + 0.5 * (2/3 + 1) / 2 = 1/6 + 5/12
    assert metrics.apgr == approx(7 / 12)
    # 50%: between (0, 0) and (0.5, 2/3); 80%: between (0.5, 2/3) and (1, 1)
    assert metrics.cpt_50 == approx(0.5 * 0.5 / (2 / 3))
    assert metrics.cpt_80 == approx(0.5 + 0.5 * (0.8 - 2 / 3) / (1 / 3))


def test_cpt_at_a_point_and_never() -> None:
    share = np.array([0.0, 0.25, 0.5, 1.0])
    pgr = np.array([0.0, 0.5, 0.3, 0.4])
    assert call_performance_threshold(share, pgr, 0.5) == 0.25
    assert call_performance_threshold(share, pgr, 0.25) == approx(0.125)
    assert call_performance_threshold(share, pgr, 0.8) is None
    assert call_performance_threshold(share, pgr, 0.0) == 0.0


def test_pgr_is_undefined_when_weak_and_strong_are_equally_good() -> None:
    metrics = pgr_metrics(np.array([0.0, 0.5, 1.0]), np.array([0.7, 0.9, 0.7]))
    assert (metrics.apgr, metrics.cpt_50, metrics.cpt_80) == (None, None, None)
    assert metrics.undefined_reason is not None
    assert "same quality (0.7)" in metrics.undefined_reason


def test_a_strong_model_worse_than_the_weak_still_has_a_pgr() -> None:
    metrics = pgr_metrics(np.array([0.0, 1.0]), np.array([0.8, 0.6]))
    assert metrics.apgr == approx(0.5)


right_or_wrong = st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=40)


@given(right_or_wrong)
def test_a_perfect_router_recovers_at_least_as_much_as_random(rows: list[tuple[bool, bool]]) -> None:
    weak = np.array([w for w, _ in rows], dtype=np.float64)
    strong = np.array([s for _, s in rows], dtype=np.float64)
    outcomes = outcomes_of([(w, s) for w, s in rows], [(0.001, 0.01)] * len(rows), ("weak", "strong"))
    router = router_result(outcomes, "weak", "strong", strong - weak)  # the gain itself: the best ordering
    line = random_line(outcomes, "weak", "strong")
    if strong.sum() > weak.sum():
        assert line.pgr.apgr == approx(0.5)
        assert router.pgr.apgr is not None
        assert router.pgr.apgr >= 0.5 - 1e-9
        assert router.aiq >= line.aiq - 1e-9
    elif strong.sum() == weak.sum():
        assert router.pgr.apgr is None
        assert line.pgr.apgr is None


@given(st.lists(st.tuples(st.booleans(), st.booleans(), st.booleans()), min_size=1, max_size=30))
@settings(max_examples=50)
def test_a_perfect_judge_over_every_model_reaches_the_oracle(rows: list[tuple[bool, bool, bool]]) -> None:
    outcomes = outcomes_of([tuple(map(float, row)) for row in rows], [(0.01, 0.03, 0.02)] * len(rows), ("a", "b", "c"))
    cascade = judged_cascade(outcomes, default_chain(outcomes), 0.0)
    assert cascade.quality == approx(sum(any(row) for row in rows) / len(rows))
    assert cascade.quality == approx(oracle(outcomes).quality)


# ---------------------------------------------------------------- real data and speed

GSM8K = SHARED / "data" / "routellm" / "gsm8k_responses.csv"
PER_PROMPT = {"gpt-4-1106-preview": 0.0050, "mistralai/Mixtral-8x7B-Instruct-v0.1": 0.0003}


@pytest.mark.skipif(not GSM8K.is_file(), reason="the shared RouteLLM data is not here")
def test_routellm_gsm8k_oracle_and_cascade() -> None:
    with GSM8K.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    models = tuple(PER_PROMPT)
    right = [tuple(row[model] == "True" for model in models) for row in rows]
    outcomes = outcomes_of(
        [tuple(float(r) for r in row) for row in right], [tuple(PER_PROMPT.values())] * len(rows), models
    )
    result = evaluate(outcomes, epsilons=(0.0,))
    either = sum(gpt4 or mixtral for gpt4, mixtral in right)
    mixtral_right = sum(mixtral for _, mixtral in right)
    assert result.oracle.quality == approx(either / len(rows))
    # mixtral wherever it is right or gpt-4 is wrong too, gpt-4 elsewhere
    gpt4_picks = sum(gpt4 and not mixtral for gpt4, mixtral in right)
    assert dict(result.oracle.picks) == {"gpt-4-1106-preview": gpt4_picks, models[1]: len(rows) - gpt4_picks}
    assert result.oracle.cost == approx(gpt4_picks * 0.0050 + (len(rows) - gpt4_picks) * 0.0003)
    # a perfect judge: mixtral first, gpt-4 after each of mixtral's wrong answers
    (cascade,) = result.cascades
    assert cascade.chain == (models[1], models[0])
    assert cascade.quality == approx(either / len(rows))
    assert cascade.cost == approx(len(rows) * 0.0003 + (len(rows) - mixtral_right) * 0.0050)


def test_an_mmlu_sized_set_has_a_router_point_per_distinct_score() -> None:
    """Speed is bench/'s business (bench/tune.py); this checks the size of what it measures."""
    rng = np.random.default_rng(7)
    count = 14_042
    weak: NDArray[np.float64] = (rng.random(count) < 0.68).astype(np.float64)
    strong: NDArray[np.float64] = (rng.random(count) < 0.8).astype(np.float64)
    outcomes = Outcomes(
        ids=tuple(str(i) for i in range(count)),
        models=("mixtral", "gpt-4"),
        quality=np.column_stack([weak, strong]),
        cost=np.column_stack([np.full(count, 0.0003), np.full(count, 0.005)]),
        score=rng.random(count),
    )
    result = evaluate(outcomes)
    assert result.router is not None
    assert len(result.router.curve) == len(np.unique(outcomes.score)) + 1  # type: ignore[arg-type]


# ---------------------------------------------------------------- over N models: the frontier and the N-tier router

TIERED = [  # a, b, c: a right on the two lowest scores, b on the three lowest, c on all
    (1, 1, 1),
    (1, 1, 1),
    (0, 1, 1),
    (0, 0, 1),
]
TIER_PRICES = (1.0, 2.0, 4.0)
TIER_SCORES = (0.1, 0.2, 0.3, 0.4)


def test_model_frontier_leaves_out_a_model_no_better_than_a_cheaper_one() -> None:
    # mid (0.10, 0.4) is no better than cheap (0.05, 0.4)
    assert evaluate(example(), epsilons=()).frontier == ("cheap", "big")
    three = outcomes_of(TIERED, [TIER_PRICES] * 4, ("a", "b", "c"))
    assert evaluate(three, epsilons=()).frontier == ("a", "b", "c")  # 0.5 for 4, 0.75 for 8, 1 for 16


def test_tier_router_of_three_tiers_on_a_grid_of_halves() -> None:
    three = outcomes_of(TIERED, [TIER_PRICES] * 4, ("a", "b", "c"), TIER_SCORES)
    # given dearest first: the tiers are ordered by cost all the same
    result = tier_router(three, ("c", "a", "b"), three.score, (4.0, 16.0), steps=2)  # type: ignore[arg-type]
    assert result.tiers == ("a", "b", "c")
    # halves: the top half (p4, p3) or all; bands (c, b, a) of 0/0/4, 0/2/2, 0/4/0, 2/0/2, 2/2/0, 4/0/0 prompts:
    # quality 2, 3, 3, 4, 4, 4 of 4; cost 4, 6, 8, 10, 12, 16
    assert result.points == 6
    assert [(p.cost, p.quality) for p in result.frontier] == [approx((4.0, 0.5)), (6.0, 0.75), (10.0, 1.0)]
    assert [p.shares for p in result.frontier] == [(1.0, 0.0, 0.0), (0.5, 0.5, 0.0), (0.5, 0.0, 0.5)]
    # hull (4, .5) (6, .75) (10, 1), flat to 16: (2 * 0.625 + 4 * 0.875 + 6 * 1) / 12
    assert result.aiq == approx((2 * 0.625 + 4 * 0.875 + 6 * 1) / 12)


def test_tier_router_keeps_tied_scores_in_one_band() -> None:
    three = outcomes_of(TIERED, [TIER_PRICES] * 4, ("a", "b", "c"), (0.1, 0.3, 0.3, 0.3))
    # the top half by quantile is every score >= 0.3: three prompts, not two
    result = tier_router(three, ("a", "b", "c"), three.score, (4.0, 16.0), steps=2)  # type: ignore[arg-type]
    assert sorted({share for p in result.frontier for share in p.shares}) == approx([0.0, 0.25, 0.75, 1.0])


def test_evaluate_draws_the_tier_router_over_a_frontier_of_three() -> None:
    three = outcomes_of(TIERED, [TIER_PRICES] * 4, ("a", "b", "c"), TIER_SCORES)
    result = evaluate(three, epsilons=())
    assert result.tier_router is not None
    assert result.tier_router.tiers == ("a", "b", "c")
    assert result.tier_router.points == 66  # two cuts among 11 tenths, in order: 11 * 12 / 2
    assert evaluate(example(), epsilons=()).tier_router is None  # a frontier of two: the router is the two-tier one


@pytest.mark.parametrize(
    ("tiers", "message"),
    [(("a",), "at least two tiers"), (("a", "a"), "appears twice"), (("a", "z"), "^--tiers: no model 'z'")],
)
def test_tier_router_rejects_bad_tiers(tiers: tuple[str, ...], message: str) -> None:
    three = outcomes_of(TIERED, [TIER_PRICES] * 4, ("a", "b", "c"), TIER_SCORES)
    with pytest.raises(InvalidValueError, match=message):
        evaluate(three, tiers=tiers)


def test_tier_router_over_eleven_tiers_counts_every_ordered_choice_of_ten_cuts() -> None:
    names = tuple(f"m{i}" for i in range(11))
    eleven = outcomes_of([tuple(1.0 for _ in names)] * 3, [tuple(float(i) for i in range(11))] * 3, names, (1, 2, 3))
    result = tier_router(eleven, names, eleven.score, (0.0, 30.0))  # type: ignore[arg-type]
    assert result.points == 184_756  # ten cuts among eleven tenths, in order: C(20, 10), as docs/metrics.md says
    assert [(p.cost, p.quality) for p in result.frontier] == [(0.0, 1.0)]  # all on the free model, all right
