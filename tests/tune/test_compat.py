"""routecli.tune.compat: RouteLLM's and RouterBench's procedures on hand-computed cases, and RouterBench's own hull
code (ported below as it is written) agreeing with routecli's on random points."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routecli.errors import InvalidValueError
from routecli.tune.compat import (
    ROUTERBENCH_TOKEN_PRICES,
    RouteLlmCurve,
    price_ordered_chain,
    qcut_edges,
    routellm_apgr,
    routellm_cpt,
    routellm_curve,
    routellm_random,
    routerbench_aiqs,
    routerbench_oracle_cost,
)
from routecli.tune.outcomes import Outcomes

approx = pytest.approx

# ---------------------------------------------------------------- pandas.qcut's edges

# twelve scores, the last two tied: qcut's edges sit at positions 0, 1.1, 2.2, ... 11 of the sorted scores
TIED = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10], dtype=np.float64)
WEAK = np.array([1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0], dtype=np.float64)  # right on the six lowest scores
STRONG = np.array([0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], dtype=np.float64)  # wrong on the lowest only


def test_qcut_edges_interpolate_between_sorted_scores() -> None:
    # position 1.1 lies a tenth of the way from 1 to 2; position 9.9 nine tenths from 9 to 10; position 11 is 10
    assert qcut_edges(TIED).tolist() == approx([0, 1.1, 2.2, 3.3, 4.4, 5.5, 6.6, 7.7, 8.8, 9.9, 10])


def test_qcut_refuses_edges_that_ties_make_equal() -> None:
    # six of eleven scores are 5: the edges at positions 1 to 6 are all 5
    with pytest.raises(InvalidValueError, match="Bin edges must be unique"):
        qcut_edges(np.array([5, 5, 5, 5, 5, 5, 1, 2, 3, 4, 6], dtype=np.float64))


def test_routellm_curve_sends_ties_together_and_the_last_edge_sends_none() -> None:
    curve = routellm_curve(TIED, WEAK, STRONG)
    # >= 0: all 12; >= 1.1: 10; >= 2.2: 9 ... >= 9.9: the two tied 10s; > 10 (the last edge): none
    assert (curve.strong_percentage * 12 / 100).tolist() == approx([0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12])
    # none strong: the weak model's 6 right; 2 strong: 6 + both strong right = 8 ... all strong: 11
    assert (curve.accuracy * 12 / 100).tolist() == approx([6, 8, 9, 10, 11, 12, 12, 12, 12, 12, 11])
    assert curve.threshold[0] == 10
    assert curve.threshold[-1] == 0


def test_routellm_apgr_is_the_trapezoid_over_the_uneven_points() -> None:
    curve = routellm_curve(TIED, WEAK, STRONG)
    weak, strong = 50.0, 11 / 12 * 100
    # PGR (accuracy - 6) / 5 in twelfths: 0, .4, .6, .8, 1, 1.2 (five times), 1 at shares 0, 2, 3, ... 10, 12 twelfths
    pgr = [0, 0.4, 0.6, 0.8, 1, 1.2, 1.2, 1.2, 1.2, 1.2, 1]
    twelfths = [0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12]
    area = sum((b - a) * (p + q) / 2 for a, b, p, q in zip(twelfths, twelfths[1:], pgr, pgr[1:], strict=False)) / 12
    assert area == approx(10.6 / 12)
    assert routellm_apgr(curve, weak, strong) == approx(area)


def test_routellm_apgr_of_two_tied_models_is_none() -> None:
    curve = RouteLlmCurve(np.zeros(2), np.array([0.0, 100.0]), np.array([70.0, 70.0]))
    assert routellm_apgr(curve, 70.0, 70.0) is None


def test_routellm_cpt_interpolates_accuracy_to_share() -> None:
    curve = routellm_curve(TIED, WEAK, STRONG)
    weak, strong = 50.0, 11 / 12 * 100
    # 20%: accuracy 7/12, between 6/12 (share 0) and 8/12 (share 2/12): 1/12
    assert routellm_cpt(curve, weak, strong, 0.2) == approx(1 / 12)
    # 50%: 8.5/12, between 8/12 (2/12) and 9/12 (3/12): 2.5/12
    assert routellm_cpt(curve, weak, strong, 0.5) == approx(2.5 / 12)
    # 80%: 10/12, a point's own accuracy: its share, 4/12
    assert routellm_cpt(curve, weak, strong, 0.8) == approx(4 / 12)


def test_routellm_cpt_over_uneven_points_differs_from_a_finer_curve() -> None:
    coarse = RouteLlmCurve(np.zeros(3), np.array([0.0, 20.0, 100.0]), np.array([60.0, 84.0, 90.0]))
    # 50%: accuracy 75, 15/24 of the way from 60 to 84: share 12.5%
    assert routellm_cpt(coarse, 60.0, 90.0, 0.5) == approx(0.125)
    finer = RouteLlmCurve(np.zeros(4), np.array([0.0, 10.0, 20.0, 100.0]), np.array([60.0, 80.0, 84.0, 90.0]))
    # the point at 10% (80) puts 75 at 3/4 of the way to it: 7.5%
    assert routellm_cpt(finer, 60.0, 90.0, 0.5) == approx(0.075)


def test_routellm_random_averages_seeded_runs_at_shares_fixed_by_the_count() -> None:
    count = 10
    weak, strong = np.zeros(count), np.ones(count)  # accuracy = strong share, whatever the draws
    curve = routellm_random(weak, strong, seed=0)
    # ten distinct scores: the edge at position 0.9 i sends 10 - ceil(0.9 i) prompts strong: 10, 9, ... 1, then 0
    assert curve.strong_percentage.tolist() == approx([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
    assert curve.accuracy.tolist() == approx(curve.strong_percentage.tolist())
    assert np.isnan(curve.threshold).all()


def test_routellm_random_is_the_same_for_a_seed_and_moves_with_it() -> None:
    rng = np.random.default_rng(3)
    weak, strong = (rng.random(50) < 0.5).astype(np.float64), (rng.random(50) < 0.8).astype(np.float64)
    first, again = routellm_random(weak, strong, seed=0), routellm_random(weak, strong, seed=0)
    assert first.accuracy.tolist() == again.accuracy.tolist()
    assert first.accuracy.tolist() != routellm_random(weak, strong, seed=1).accuracy.tolist()


# ---------------------------------------------------------------- RouterBench


def test_routerbench_aiq_runs_from_each_cheapest_point_to_the_largest_hull_cost() -> None:
    a = (np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.9, 0.6]))  # its hull stops at (2, 0.9): (3, 0.6) is worse
    b = (np.array([2.0, 4.0]), np.array([0.4, 0.8]))
    aiqs, largest = routerbench_aiqs([a, b])
    assert largest == 4.0
    # a: 1 to 2 under (0.5, 0.9), then flat at 0.9 to 4; nothing left of its cheapest point; over 4
    assert aiqs[0] == approx((1 * (0.5 + 0.9) / 2 + 2 * 0.9) / 4)
    # b: 2 to 4 under (0.4, 0.8); 0 to 2 counts nothing
    assert aiqs[1] == approx(2 * (0.4 + 0.8) / 2 / 4)
    # a alone: the largest cost is where its hull stops, 2, not its dearest point, 3
    assert routerbench_aiqs([a]) == ([approx(0.7 / 2)], 2.0)


def test_routerbench_aiq_differs_from_routecli_by_the_left_end_and_the_divisor() -> None:
    cost, quality = np.array([2.0, 4.0]), np.array([0.4, 0.8])
    # routecli over its own range: the mean height, 0.6; RouterBench: the area 1.2 over the largest cost 4
    assert routerbench_aiqs([(cost, quality)])[0] == [approx(0.3)]


def _routerbench_hull(points: np.ndarray) -> np.ndarray:
    """RouterBench's ``get_non_descreasing_convex_hull_of`` (evaluation/AIQ.py), as written there."""
    convex_hull_points = points[points[:, 0].argsort()]
    new: list[list[float]] = []
    for i in range(len(convex_hull_points)):
        for j in range(i, len(convex_hull_points)):
            x1, y1 = convex_hull_points[i]
            x2, y2 = convex_hull_points[j]
            for k in range(len(convex_hull_points)):
                x, y = convex_hull_points[k]
                if x1 < x < x2:
                    interpolated = np.interp(x, [x1, x2], [y1, y2])
                    if y < interpolated:
                        if x not in [mx for mx, _ in new]:
                            new.append([x, interpolated])
                        else:
                            for index in range(len(new)):
                                x_new, y_new = new[index]
                                if x_new == x and y_new < interpolated:
                                    new[index] = [x, interpolated]
                                    break
                                elif x_new == x and y_new > interpolated:  # noqa: RET508 (as written there)
                                    new[index] = [x, y_new]
                    if y >= interpolated:
                        if x not in [mx for mx, _ in new]:
                            new.append([x, y])
                        else:
                            for index in range(len(new)):
                                x_new, y_new = new[index]
                                if x_new == x and y_new < y:
                                    new[index] = [x, y]
                                    break
                                elif x_new == x and y_new > y:  # noqa: RET508
                                    new[index] = [x, y_new]
    if convex_hull_points[-1][0] not in [mx for mx, _ in new] and convex_hull_points[-1][1] >= new[-1][1]:
        new.append(list(convex_hull_points[-1]))
    if convex_hull_points[0][0] not in [mx for mx, _ in new]:
        new = [list(convex_hull_points[0]), *new]
    hull = np.array(new)
    hull = hull[hull[:, 0].argsort()]
    drop = [i for i in range(1, len(hull)) if hull[i][1] < hull[i - 1][1]]
    return np.delete(hull, drop, axis=0)


def _routerbench_calc_aiq(curves: list[np.ndarray]) -> list[float]:
    """RouterBench's ``calc_AIQ`` without its plot: hulls extended to the largest x, areas over it."""
    hulls = [_routerbench_hull(points) for points in curves]
    largest = max(float(np.max(hull[:, 0])) for hull in hulls)
    hulls = [np.vstack((hull, np.array([largest, hull[-1, 1]]))) for hull in hulls]
    return [float(np.trapezoid(hull[:, 1], hull[:, 0])) / largest for hull in hulls]


distinct_cost_curve = st.lists(st.integers(1, 200), min_size=3, max_size=12, unique=True).flatmap(
    lambda costs: st.tuples(st.just(costs), st.lists(st.integers(0, 100), min_size=len(costs), max_size=len(costs)))
)


@given(st.lists(distinct_cost_curve, min_size=1, max_size=3))
@settings(max_examples=150, deadline=None)
def test_routerbench_aiq_agrees_with_routerbenchs_own_code(curves: list[tuple[list[int], list[int]]]) -> None:
    arrays = [(np.array(costs, dtype=np.float64) / 10, np.array(qualities) / 100) for costs, qualities in curves]
    theirs = _routerbench_calc_aiq([np.column_stack(pair) for pair in arrays])
    ours, _ = routerbench_aiqs(arrays)
    assert ours == approx(theirs, abs=1e-12)


def test_routerbench_oracle_charges_nothing_for_a_prompt_no_model_solves() -> None:
    outcomes = Outcomes(
        ids=("p1", "p2", "p3"),
        models=("cheap", "big"),
        quality=np.array([[1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]),
        cost=np.array([[0.01, 0.05], [0.01, 0.05], [0.01, 0.05]]),
    )
    # p1: cheap (0.01); p2: big (0.05); p3: nobody, 0 (routecli's oracle pays the cheapest, 0.01)
    assert routerbench_oracle_cost(outcomes) == (approx(0.06), 1)


def test_routerbench_cascade_order_is_list_price_per_token() -> None:
    models = (  # the columns of the shared RouterBench files, in their order
        "WizardLM/WizardLM-13B-V1.2",
        "claude-instant-v1",
        "claude-v1",
        "claude-v2",
        "gpt-3.5-turbo-1106",
        "gpt-4-1106-preview",
        "meta/code-llama-instruct-34b-chat",
        "meta/llama-2-70b-chat",
        "mistralai/mistral-7b-chat",
        "mistralai/mixtral-8x7b-chat",
        "zero-one-ai/Yi-34B-Chat",
    )
    # prompt + completion per 10M tokens: mistral-7b 0.4, WizardLM 0.6, mixtral 1.2, code-llama 1.552, Yi 1.6,
    # llama-2-70b 1.8, gpt-3.5 3.0, claude-instant 3.2, claude-v1 and claude-v2 32 (in the order given), gpt-4 40
    assert price_ordered_chain(models, ROUTERBENCH_TOKEN_PRICES) == (
        "mistralai/mistral-7b-chat",
        "WizardLM/WizardLM-13B-V1.2",
        "mistralai/mixtral-8x7b-chat",
        "meta/code-llama-instruct-34b-chat",
        "zero-one-ai/Yi-34B-Chat",
        "meta/llama-2-70b-chat",
        "gpt-3.5-turbo-1106",
        "claude-instant-v1",
        "claude-v1",
        "claude-v2",
        "gpt-4-1106-preview",
    )
    assert sum(ROUTERBENCH_TOKEN_PRICES["gpt-4-1106-preview"]) == Decimal("40") / 10_000_000


def test_routerbench_cascade_order_names_models_without_a_list_price() -> None:
    with pytest.raises(InvalidValueError, match="has none for my-model, other; give the chain with --chain"):
        price_ordered_chain(("gpt-4-1106-preview", "my-model", "other"), ROUTERBENCH_TOKEN_PRICES)
