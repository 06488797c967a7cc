"""Fitting the embedding router's thresholds to labelled prompts, for the most decisions that match the labels.

Searching all tiers' thresholds jointly is exponential in the tiers, so this is
coordinate ascent: one tier at a time, the others held, the threshold with the
most right decisions, in passes until a pass gains nothing. Coordinate ascent
stops at local optima, so it runs from three starts: the given thresholds,
every tier out of reach (everything goes to the default, then tiers are let
in), and every tier in reach; the first start's result wins unless a later one
is strictly better.

One tier's step is exact and costs a sort: every prompt is decided twice by
``routecli.replay.routing.embedding.choose`` (the router's own rule), once with the
tier always passing and once never, and cumulative sums over the prompts in
order of the tier's score give the count of right decisions for every
threshold at once. Ties are settled so that a fit is deterministic:

- a tier's threshold moves only for strictly more right decisions (so fitting
  never does worse than the thresholds it starts from);
- it then goes to the lowest run of thresholds with the best count, at a round
  number in the middle half of that run (a margin for prompts not seen): 0
  when the run is everything below a score of at least 0.01, at least 1.01
  (above any cosine) when the run is everything above the highest score;
- with an explicit ``grid``, it goes to the lowest grid value with the best count.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numpy.typing import NDArray

from routecli.errors import InvalidValueError
from routecli.replay.routing.embedding import choose

if TYPE_CHECKING:
    from routecli.replay.prompts import Prompt
    from routecli.replay.routing.embedding import ExemplarScorer

__all__ = ["FitResult", "RouterFit", "accuracy", "confusion", "decide_all", "fit_router", "fit_thresholds"]

Confusion = dict[str, dict[str, int]]


class FitResult(NamedTuple):
    """Fitted thresholds and how routing compares with the labels before and after."""

    thresholds: dict[str, float]
    accuracy_before: float
    accuracy_after: float
    confusion_before: Confusion
    confusion_after: Confusion


class RouterFit(NamedTuple):
    """A configured router's thresholds fitted to a prompt file's labels: what ``routecli fit-router`` reports."""

    fit: FitResult
    thresholds_before: dict[str, float]
    """Every scored tier's configured threshold (0 where the config gives none)."""
    tiers: tuple[str, ...]
    """The order tables list tiers in."""
    prompts: int
    labelled: int
    """The prompts with a label: the ones fitted to (the others are left out)."""


def confusion(labels: Sequence[str], decided: Sequence[str]) -> Confusion:
    """``{label: {decided tier: prompts}}``, keys in order of first appearance, zero counts left out."""
    _check_lengths(labels, decided)
    table: Confusion = {}
    for label, tier in zip(labels, decided, strict=True):
        row = table.setdefault(label, {})
        row[tier] = row.get(tier, 0) + 1
    return table


def accuracy(labels: Sequence[str], decided: Sequence[str]) -> float:
    """The share of prompts decided as labelled."""
    _check_lengths(labels, decided)
    return sum(label == tier for label, tier in zip(labels, decided, strict=True)) / len(labels)


def _check_lengths(labels: Sequence[str], decided: Sequence[str]) -> None:
    if len(labels) != len(decided):
        raise InvalidValueError(f"{len(labels)} labels but {len(decided)} decisions")
    if not labels:
        raise InvalidValueError("no labelled prompts")


def decide_all(
    scores: NDArray[np.floating], tiers: Sequence[str], default: str, thresholds: Mapping[str, float]
) -> list[str]:
    """The tier of every prompt (a row of ``scores``, columns ``tiers``), as ``ExemplarScorer`` decides it."""
    columns = (*tiers, default)  # choose's -1 ("no candidate") indexes the default
    return [columns[winner] for winner in choose(scores, _threshold_row(tiers, thresholds)).tolist()]


def _threshold_row(tiers: Sequence[str], thresholds: Mapping[str, float]) -> NDArray[np.float64]:
    if unknown := set(thresholds) - set(tiers):
        raise InvalidValueError(
            f"thresholds for tiers with no scores: {', '.join(sorted(unknown))}", path=("routing", "thresholds")
        )
    return np.array([float(thresholds.get(tier, 0.0)) for tier in tiers], dtype=np.float64)


def fit_thresholds(
    scores: NDArray[np.floating],
    tiers: Sequence[str],
    labels: Sequence[str],
    default: str,
    grid: Sequence[float] | None = None,
    *,
    start: Mapping[str, float] | None = None,
) -> FitResult:
    """Thresholds for ``tiers`` (the columns of ``scores``, one row a prompt) that best reproduce ``labels``.

    ``start`` holds the thresholds to begin from, the configured ones (a tier
    left out starts at 0, as in the router); ``accuracy_before`` is theirs.
    With ``grid``, thresholds move only to the values listed (the starts other
    than ``start`` are its lowest and its highest); without it any threshold
    may be chosen. ``InvalidValueError`` for mismatched shapes, no prompts
    or scores that are not finite.
    """
    matrix = np.asarray(scores)
    if matrix.ndim != 2 or matrix.shape != (len(labels), len(tiers)):
        raise InvalidValueError(f"scores of shape {matrix.shape} for {len(labels)} prompts and {len(tiers)} tiers")
    if not labels:
        raise InvalidValueError("no labelled prompts")
    if not np.isfinite(matrix).all():
        raise InvalidValueError("scores must be finite numbers")
    initial = _threshold_row(tiers, start or {})
    codes = {name: code for code, name in enumerate(dict.fromkeys([*tiers, default, *labels]))}
    column_codes = np.array([codes[name] for name in (*tiers, default)])
    right = _Scorer(matrix, column_codes, np.array([codes[label] for label in labels]))
    if grid is not None and not len(grid):
        raise InvalidValueError("an empty grid")
    candidates = np.unique(np.asarray(grid, dtype=np.float64)) if grid is not None else None
    if candidates is None:
        everything = [_round_between(-math.inf, float(column.min())) for column in matrix.T]
        nothing = [_round_between(float(column.max()), math.inf) for column in matrix.T]
    else:
        everything, nothing = [candidates[0]] * len(tiers), [candidates[-1]] * len(tiers)
    fitted, most = initial, right.count(initial)
    for begin in (initial, np.array(nothing), np.array(everything)):
        found, count = _ascend(right, begin, candidates)
        if count > most:
            fitted, most = found, count

    decided_before = decide_all(matrix, tiers, default, dict(zip(tiers, initial.tolist(), strict=True)))
    thresholds = dict(zip(tiers, fitted.tolist(), strict=True))
    decided_after = decide_all(matrix, tiers, default, thresholds)
    return FitResult(
        thresholds,
        accuracy(labels, decided_before),
        accuracy(labels, decided_after),
        confusion(labels, decided_before),
        confusion(labels, decided_after),
    )


def fit_router(
    router: ExemplarScorer,
    prompts: Sequence[Prompt],
    vectors: NDArray[np.float32],
    total: int,
    order: Sequence[str] = (),
) -> RouterFit:
    """``router``'s thresholds fitted to ``prompts`` (each labelled, ``vectors`` their rows), starting from its own.

    Prompts are scored one at a time, as the router scores them when it routes
    (a matrix product's last bits can differ), so that accuracy before is what
    a replay with these thresholds would see. ``total`` counts the prompt file's
    prompts, labelled or not. Tables list tiers in ``order`` (the config's), then the
    router's others, then labels of tiers that neither have exemplars nor are
    the default. ``InvalidValueError`` when no prompt is labelled.
    """
    if not prompts:
        raise InvalidValueError("no labelled prompts")
    scores = np.vstack([router.scores(vector.reshape(1, -1)) for vector in vectors])
    labels = [str(prompt.label) for prompt in prompts]
    fit = fit_thresholds(scores, router.scored_tiers, labels, router.default, start=router.thresholds)
    tiers = tuple(dict.fromkeys([*order, *router.tiers, *labels]))
    return RouterFit(fit, dict(router.thresholds), tiers, total, len(prompts))


def _ascend(
    right: _Scorer, start: NDArray[np.float64], grid: NDArray[np.float64] | None
) -> tuple[NDArray[np.float64], int]:
    """Coordinate ascent from ``start``: the thresholds it ends at and their right decisions."""
    thresholds = start.copy()
    most = right.count(thresholds)
    while True:
        before = most
        for column in range(len(thresholds)):
            thresholds[column] = right.best_threshold(thresholds, column, grid)
        most = right.count(thresholds)
        if most <= before:
            return thresholds, most


class _Scorer:
    """Right decisions against the labels, as integer codes so that every count is numpy."""

    def __init__(
        self, scores: NDArray[np.floating], column_codes: NDArray[np.intp], label_codes: NDArray[np.intp]
    ) -> None:
        self.scores = scores
        self.column_codes = column_codes
        """The code of each column's tier, then the default's (where ``choose``'s -1 lands)."""
        self.label_codes = label_codes

    def right(self, thresholds: NDArray[np.float64]) -> NDArray[np.bool_]:
        matches: NDArray[np.bool_] = self.column_codes[choose(self.scores, thresholds)] == self.label_codes
        return matches

    def count(self, thresholds: NDArray[np.float64]) -> int:
        return int(self.right(thresholds).sum())

    def best_threshold(self, thresholds: NDArray[np.float64], column: int, grid: NDArray[np.float64] | None) -> float:
        """``column``'s threshold with the most right decisions, the others held (ties as the module says)."""
        always, never = thresholds.copy(), thresholds.copy()
        always[column], never[column] = -np.inf, np.inf
        order = np.argsort(self.scores[:, column], kind="stable")
        ranked = self.scores[order, column].astype(np.float64)
        # right[j] = right decisions when exactly the j lowest-scored prompts fail the threshold
        passing_right = np.concatenate(([0], np.cumsum(self.right(always)[order])))
        failing_right = np.concatenate(([0], np.cumsum(self.right(never)[order])))
        right = failing_right + passing_right[-1] - passing_right

        current = float(thresholds[column])
        kept = right[np.searchsorted(ranked, current, side="left")]
        if grid is not None:
            counts = right[np.searchsorted(ranked, grid, side="left")]
            return float(grid[counts.argmax()]) if counts.max() > kept else current
        # thresholds between two distinct scores act alike: j is only ever 0, n or where the score changes
        cuts = np.concatenate(([0], np.flatnonzero(ranked[1:] != ranked[:-1]) + 1, [len(ranked)]))
        counts = right[cuts]
        most = counts.max()
        if most <= kept:
            return current
        first = int(counts.argmax())
        last = first
        while last + 1 < len(cuts) and counts[last + 1] == most:
            last += 1
        low = ranked[cuts[first] - 1] if cuts[first] > 0 else -math.inf
        high = ranked[cuts[last]] if cuts[last] < len(ranked) else math.inf
        return _round_between(float(low), float(high))


def _round_between(low: float, high: float) -> float:
    """A round threshold above ``low`` and at most ``high`` (either may be infinite, not both), clear of both."""
    if low == -math.inf:
        # at least -1, the lowest cosine and the lowest threshold a config takes
        return max(-1.0, min(0.0, math.floor(high * 100 - 1) / 100))
    if high == math.inf:
        return math.ceil(max(low, 1.0) * 100 + 1) / 100
    middle, quarter = (low + high) / 2, (high - low) / 4
    for digits in range(16):
        scale = 10.0**digits
        value = round(middle * scale) / scale  # the nearest to the middle with this many decimals
        if abs(value - middle) <= quarter:
            return value
    return middle if middle > low else high  # scores a float apart: high itself is in the run
