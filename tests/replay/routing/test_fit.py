"""Fitting the embedding router's thresholds: hand-solved cases, brute force, and the router reproducing the fit."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routecli.errors import InvalidValueError
from routecli.replay.routing.embedding import ExemplarScorer
from routecli.replay.routing.fit import accuracy, confusion, decide_all, fit_thresholds


def route(row: Sequence[float], tiers: Sequence[str], default: str, thresholds: Sequence[float]) -> str:
    """The documented rule, plainly: the highest score at or above its threshold, the earlier tier on ties."""
    best: tuple[float, str] | None = None
    for score, tier, threshold in zip(row, tiers, thresholds, strict=True):
        if score >= threshold and (best is None or score > best[0]):
            best = (score, tier)
    return default if best is None else best[1]


Scores = Sequence[Sequence[float]]


def right(
    scores: Scores, tiers: Sequence[str], labels: Sequence[str], default: str, thresholds: Sequence[float]
) -> int:
    return sum(route(row, tiers, default, thresholds) == label for row, label in zip(scores, labels, strict=True))


def brute_force_best(scores: Scores, tiers: Sequence[str], labels: Sequence[str], default: str) -> int:
    """The most right decisions any thresholds give: every score of a column as its threshold, or above them all."""
    options = [[*sorted({row[column] for row in scores}), math.inf] for column in range(len(tiers))]
    return max(right(scores, tiers, labels, default, combo) for combo in itertools.product(*options))


# Two tiers, default small. Columns: small, large.
TWO = [[0.9, 0.2], [0.8, 0.3], [0.3, 0.5], [0.6, 0.4], [0.2, 0.45]]
TWO_LABELS = ["small", "small", "large", "large", "small"]


def test_two_tiers_hand_solved() -> None:
    """At thresholds 0: small, small, large, small, large: 3 of 5.

    The 4th (small 0.6, large 0.4) is right only when small fails it (small > 0.6);
    the 5th (large 0.45) only when large fails it (large > 0.45) while the 4th's large 0.4
    passes: both cannot hold, so 4 of 5 is the best. From 0, small's step finds that small
    in (0.6, 0.8] gains one (the round number nearest the middle of that run is 0.7); large
    then gains nothing and stays.
    """
    result = fit_thresholds(np.array(TWO), ["small", "large"], TWO_LABELS, "small")
    assert result.thresholds == {"small": 0.7, "large": 0.0}
    assert result.accuracy_before == pytest.approx(3 / 5)
    assert result.accuracy_after == pytest.approx(4 / 5)
    assert result.confusion_before == {"small": {"small": 2, "large": 1}, "large": {"large": 1, "small": 1}}
    assert result.confusion_after == {"small": {"small": 2, "large": 1}, "large": {"large": 2}}
    assert brute_force_best(TWO, ["small", "large"], TWO_LABELS, "small") == 4


# Three tiers, default small. Columns: small, medium, large.
THREE = [[0.9, 0.5, 0.1], [0.7, 0.6, 0.2], [0.4, 0.5, 0.45], [0.3, 0.2, 0.3]]
THREE_LABELS = ["small", "medium", "large", "small"]


def test_three_tiers_hand_solved() -> None:
    """All four are right exactly when small > 0.7, medium in (0.5, 0.6] and large in (0.3, 0.45].

    The 2nd needs small to fail it (0.7 beats medium's 0.6); the 3rd needs medium to fail
    (0.5 beats large's 0.45) and the 2nd needs medium's 0.6 to pass; the 4th then goes to
    small only as the default, so large must fail its 0.3 and pass the 3rd's 0.45.
    From all zeros coordinate ascent sticks at 3 of 4 (each single move loses as much as
    it gains); from every tier out of reach it lets medium in at 0.55, then large at 0.4.
    """
    result = fit_thresholds(np.array(THREE), ["small", "medium", "large"], THREE_LABELS, "small")
    assert result.accuracy_before == pytest.approx(2 / 4)
    assert result.accuracy_after == 1.0
    fitted = result.thresholds
    assert fitted["small"] > 0.7
    assert 0.5 < fitted["medium"] <= 0.6
    assert 0.3 < fitted["large"] <= 0.45
    assert (fitted["medium"], fitted["large"]) == (0.55, 0.4)  # the round numbers nearest the runs' middles
    assert result.confusion_after == {"small": {"small": 2}, "medium": {"medium": 1}, "large": {"large": 1}}


def test_fitting_starts_from_the_given_thresholds_and_keeps_them_when_nothing_is_better() -> None:
    start = {"small": 0.75, "medium": 0.58, "large": 0.33}  # already all right
    result = fit_thresholds(np.array(THREE), ["small", "medium", "large"], THREE_LABELS, "small", start=start)
    assert result.accuracy_before == result.accuracy_after == 1.0
    assert result.thresholds == start


def test_a_grid_limits_the_thresholds_to_its_values() -> None:
    grid = [0.0, 0.25, 0.5, 0.75, 1.0]
    result = fit_thresholds(np.array(TWO), ["small", "large"], TWO_LABELS, "small", grid)
    # small's best run (0.6, 0.8] holds 0.75 only
    assert result.thresholds == {"small": 0.75, "large": 0.0}
    assert result.accuracy_after == pytest.approx(4 / 5)


def test_one_tier_and_a_default_separate_at_a_round_number() -> None:
    scores = [[0.1], [0.2], [0.35], [0.3], [0.5], [0.6]]
    labels = ["small", "small", "large", "small", "large", "large"]
    result = fit_thresholds(np.array(scores), ["large"], labels, "small")
    assert 0.3 < result.thresholds["large"] <= 0.35
    assert result.accuracy_after == 1.0


def test_a_tier_that_only_loses_is_put_out_of_reach() -> None:
    scores = [[0.9], [0.95]]
    result = fit_thresholds(np.array(scores), ["large"], ["small", "small"], "small")
    assert result.thresholds == {"large": 1.01}
    assert result.accuracy_before == 0.0
    assert result.accuracy_after == 1.0


label_names = st.sampled_from(["a", "b", "c", "d"])


@st.composite
def problems(draw: st.DrawFn) -> tuple[list[list[float]], list[str], list[str], str, list[float]]:
    tiers = ["a", "b", "c"][: draw(st.integers(1, 3))]
    count = draw(st.integers(1, 7))
    level = st.integers(-2, 10).map(lambda tenth: tenth / 10)  # coarse, so that scores tie
    scores = draw(st.lists(st.lists(level, min_size=len(tiers), max_size=len(tiers)), min_size=count, max_size=count))
    labels = draw(st.lists(label_names, min_size=count, max_size=count))
    start = draw(st.lists(level, min_size=len(tiers), max_size=len(tiers)))
    return scores, tiers, labels, draw(label_names), start


@settings(max_examples=150, deadline=None)
@given(problems())
def test_fitting_never_does_worse_never_beats_brute_force_and_reports_what_the_rule_decides(
    problem: tuple[list[list[float]], list[str], list[str], str, list[float]],
) -> None:
    scores, tiers, labels, default, start = problem
    result = fit_thresholds(np.array(scores), tiers, labels, default, start=dict(zip(tiers, start, strict=True)))
    before = right(scores, tiers, labels, default, start)
    after = right(scores, tiers, labels, default, [result.thresholds[tier] for tier in tiers])
    assert result.accuracy_before == pytest.approx(before / len(labels))
    assert result.accuracy_after == pytest.approx(after / len(labels))
    assert before <= after <= brute_force_best(scores, tiers, labels, default)


def test_the_router_with_fitted_thresholds_reproduces_the_reported_accuracy() -> None:
    rng = np.random.default_rng(3)
    tiers = ("small", "medium", "large")
    exemplars = {tier: _unit(rng.normal(size=(6, 12))) for tier in tiers}
    prompts = _unit(rng.normal(size=(400, 12)))
    untuned = ExemplarScorer(exemplars, default="small", k=2)
    scores = untuned.scores(prompts)
    # labels: mostly what the scores say, with a bias the thresholds can learn, and some noise
    shifted = scores + np.array([0.15, 0.0, -0.1], dtype=np.float32)
    labels = [tiers[column] for column in shifted.argmax(axis=1)]
    for index in rng.choice(len(labels), 40, replace=False):
        labels[index] = tiers[rng.integers(3)]

    result = fit_thresholds(scores, tiers, labels, "small")
    assert result.accuracy_after >= result.accuracy_before
    assert result.accuracy_after > result.accuracy_before  # the bias is worth learning
    tuned = ExemplarScorer(exemplars, default="small", k=2, thresholds=result.thresholds)
    decided = [tuned.decide_vector(vector).tier for vector in prompts]
    assert accuracy(labels, decided) == result.accuracy_after
    assert confusion(labels, decided) == result.confusion_after
    assert decide_all(scores, tiers, "small", result.thresholds) == decided


def test_confusion_and_accuracy_by_hand() -> None:
    labels = ["s", "s", "l", "l", "m"]
    decided = ["s", "l", "l", "l", "s"]
    assert confusion(labels, decided) == {"s": {"s": 1, "l": 1}, "l": {"l": 2}, "m": {"s": 1}}
    assert accuracy(labels, decided) == 3 / 5


def test_a_label_no_tier_has_is_always_wrong() -> None:
    """ "huge" is never right; "small" is once large fails 0.1, and large then only loses: out of reach."""
    result = fit_thresholds(np.array([[0.9], [0.1]]), ["large"], ["huge", "small"], "small")
    assert result.accuracy_before == 0.0
    assert result.accuracy_after == 0.5
    assert result.thresholds == {"large": 1.01}
    assert result.confusion_after == {"huge": {"small": 1}, "small": {"small": 1}}


@pytest.mark.parametrize(
    ("scores", "tiers", "labels", "options", "message"),
    [
        ([[0.1, 0.2]], ["a"], ["a"], {}, "shape"),
        ([[0.1]], ["a"], ["a", "b"], {}, "shape"),
        (np.zeros((0, 1)), ["a"], [], {}, "no labelled prompts"),
        ([[math.nan]], ["a"], ["a"], {}, "finite"),
        ([[0.1]], ["a"], ["a"], {"start": {"z": 0.5}}, "no scores: z"),
        ([[0.1]], ["a"], ["a"], {"grid": []}, "empty grid"),
    ],
)
def test_bad_input_is_a_value_error(
    scores: object, tiers: list[str], labels: list[str], options: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidValueError, match=message):
        fit_thresholds(np.array(scores), tiers, labels, "a", **options)  # type: ignore[arg-type]


def test_confusion_needs_as_many_decisions_as_labels() -> None:
    with pytest.raises(InvalidValueError, match="2 labels but 1 decisions"):
        confusion(["a", "b"], ["a"])


def _unit(matrix: np.ndarray) -> np.ndarray:
    return (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)
