"""Multi-hop cascades: one confidence threshold per hop, chosen from logged outcomes. Pure (numpy).

A chain of three tiers, cheapest first: the first tier answers every prompt; an
answer whose confidence is at least the first hop's threshold is taken, else the
second tier answers, and its answer is taken when its confidence is at least the
second hop's threshold, else the last tier answers (always taken). A prompt pays
every tier it visited.

Each hop's threshold can only fall between different confidences of its tier, so
hop one has K₁ candidate thresholds (``-inf``: every answer taken, each distinct
confidence above the lowest, ``inf``: none taken) and hop two K₂. With prompts
ranked by each tier's confidence, the quality and cost of a pair are the first
tier's over every prompt, corrected by sums over the prompts the first hop
escalates (a prefix in hop one's order) and, of those, the ones the second hop
escalates (a prefix in hop two's order): two-dimensional prefix sums
``M[p, r] = Σ w_k [rank₁(k) < p, rank₂(k) < r]``. They are built a block of rows
at a time (scatter each prompt into its (row, column) cell, then cumulative sums
down and across), so **every pair is weighed exactly** in O(K₁·K₂) numpy work and
memory of one block, with no Python loop per pair; each block's pairs are reduced
to their cost–quality staircase, and the staircases merged are the exact Pareto
set of the choices, from which the cheapest reaching the floor is read off.

Above ``EXACT_PAIRS`` pairs (about 3,000 distinct confidences per hop) each hop's
candidates are thinned to evenly spaced quantiles of its order, both ends kept,
and the result's ``method`` says ``grid``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from routecli.errors import InvalidValueError
from routecli.tune.threshold import Applied, Held, Point, bootstrap, split
from routecli.tune.tiers import CURVE_LEVELS, TieredResult, TierHeld, TierPoint

__all__ = ["EXACT_PAIRS", "apply_cascade", "tune_cascade"]

Floats = NDArray[np.float64]
Indexes = NDArray[np.intp]

EXACT_PAIRS = 10_000_000
"""Pairs of thresholds weighed exactly; above it each hop's candidates are thinned to quantiles."""
_BLOCK = 1_000_000  # cells of one block of rows
_TOLERANCE = 1e-12


def apply_cascade(
    thresholds: Sequence[float], confidence: Floats, quality: Floats, cost: Floats
) -> tuple[Applied, Indexes]:
    """What per-hop ``thresholds`` do to each prompt, and which tier answered it. ``confidence`` is (prompts,
    hops): each tier's but the last; ``quality`` and ``cost`` (prompts, tiers). ``strong``: the last tier."""
    count, tiers = quality.shape
    answered = np.full(count, tiers - 1, dtype=np.intp)
    for hop in reversed(range(tiers - 1)):
        answered = np.where(confidence[:, hop] >= thresholds[hop], hop, answered)
    visited = np.arange(tiers)[None, :] <= answered[:, None]
    rows = np.arange(count)
    return Applied(quality[rows, answered], (cost * visited).sum(axis=1), answered == tiers - 1), answered


class _Hop:
    """One hop's candidate thresholds: the prompts ranked by its tier's confidence, the cut positions in that order
    (how many it escalates) and each cut's threshold."""

    def __init__(self, confidence: Floats, most: int) -> None:
        count = len(confidence)
        order = np.argsort(confidence, kind="stable")
        ordered = confidence[order]
        self.rank = np.empty(count, dtype=np.intp)
        self.rank[order] = np.arange(count)
        cuts = np.concatenate(([0], np.flatnonzero(ordered[1:] != ordered[:-1]) + 1, [count])).astype(np.intp)
        if len(cuts) > most:  # thinned: evenly spaced in the order, both ends kept
            cuts = np.unique(cuts[np.round(np.linspace(0, len(cuts) - 1, most)).astype(np.intp)])
        self.cuts = cuts
        # escalating the first p (in confidence order) takes answers from ordered[p] up; none: -inf; all: inf
        self.thresholds = np.where(cuts < count, ordered[np.minimum(cuts, count - 1)], np.inf)
        self.thresholds[0] = -np.inf


def _pareto(first: _Hop, second: _Hop, quality: Floats, cost: Floats) -> tuple[Indexes, Indexes, Floats]:
    """The Pareto set of every pair of cuts (lowest cost, then highest quality), as (first cut, second cut,
    total quality) arrays in order of cost."""
    columns = len(second.cuts)
    # a prompt is escalated by hop one from row u on, by hop two from column s on
    row = np.searchsorted(first.cuts, first.rank, side="right")
    column = np.searchsorted(second.cuts, second.rank, side="right")
    base_quality, base_cost = float(quality[:, 0].sum()), float(cost[:, 0].sum())
    rows = len(first.cuts)
    gain_quality = np.cumsum(np.bincount(row, quality[:, 1] - quality[:, 0], minlength=rows + 1)[:rows])
    gain_cost = np.cumsum(np.bincount(row, cost[:, 1], minlength=rows + 1)[:rows])
    # the second hop's escalations, among the first's: quality c instead of b, and c's cost on top
    swap = quality[:, 2] - quality[:, 1]
    extra = cost[:, 2]
    order = np.argsort(row, kind="stable")
    starts = np.searchsorted(row[order], np.arange(rows + 1))
    carry_quality, carry_cost = np.zeros(columns), np.zeros(columns)
    step = max(1, _BLOCK // max(columns, 1))
    found: list[tuple[Indexes, Indexes, Floats, Floats]] = []
    for top in range(0, rows, step):
        bottom = min(rows, top + step)
        members = order[starts[top] : starts[bottom]]
        cells = (row[members] - top, column[members])
        delta_quality = np.zeros((bottom - top, columns + 1))
        delta_cost = np.zeros((bottom - top, columns + 1))
        np.add.at(delta_quality, cells, swap[members])
        np.add.at(delta_cost, cells, extra[members])
        block_quality = carry_quality + np.cumsum(np.cumsum(delta_quality, axis=1)[:, :columns], axis=0)
        block_cost = carry_cost + np.cumsum(np.cumsum(delta_cost, axis=1)[:, :columns], axis=0)
        carry_quality, carry_cost = block_quality[-1].copy(), block_cost[-1].copy()
        total_quality = (base_quality + gain_quality[top:bottom, None] + block_quality).ravel()
        total_cost = (base_cost + gain_cost[top:bottom, None] + block_cost).ravel()
        ranked = np.lexsort((-total_quality, total_cost))
        keep = ranked[_rising(total_quality[ranked])]
        found.append((keep // columns + top, keep % columns, total_quality[keep], total_cost[keep]))
    first_cut = np.concatenate([part[0] for part in found])
    second_cut = np.concatenate([part[1] for part in found])
    merged_quality = np.concatenate([part[2] for part in found])
    merged_cost = np.concatenate([part[3] for part in found])
    ranked = np.lexsort((-merged_quality, merged_cost))
    keep = ranked[_rising(merged_quality[ranked])]
    return first_cut[keep], second_cut[keep], merged_quality[keep]


def _rising(quality: Floats) -> NDArray[np.bool_]:
    """In cost order, the entries whose quality beats every cheaper one."""
    before = np.concatenate(([-np.inf], np.maximum.accumulate(quality)[:-1]))
    rising: NDArray[np.bool_] = quality > before
    return rising


def tune_cascade(
    confidence: Floats,
    quality: Floats,
    cost: Floats,
    *,
    tiers: Sequence[str],
    floor: float,
    floor_relative: bool = False,
    holdout: float | None = None,
    seed: int = 0,
    resamples: int = 1000,
    floor_given: str | None = None,
    source: str = "",
    skipped: Mapping[str, int] | None = None,
) -> TieredResult:
    """Choose a confidence threshold per hop of a three-tier chain: the cheapest pair reaching ``floor`` (a share
    of the last tier's quality when ``floor_relative``). ``confidence`` is (prompts, 2): the first two tiers';
    ``quality`` and ``cost`` (prompts, 3). ``holdout`` and ``seed`` as ``threshold.tune``."""
    count, width = quality.shape
    if width != 3:  # three tiers, two hops
        raise InvalidValueError(f"a cascade of {width} tiers: tune_cascade chains three (threshold.tune two)")
    if count < 2:
        raise InvalidValueError(f"{count} prompt{'' if count == 1 else 's'} to tune on: a curve needs at least 2")
    splitting, resampling = np.random.SeedSequence(seed).spawn(2)
    tuned, held_rows = (None, None) if holdout is None else split(count, holdout, splitting)
    if tuned is not None and held_rows is not None and (len(tuned) < 2 or not len(held_rows)):
        raise InvalidValueError(
            f"holding out {holdout:g} of {count} prompts leaves {len(tuned)} to tune on and {len(held_rows)} "
            "to measure: tuning needs at least 2, measuring at least 1",
            source=source or None,
        )
    rows = np.arange(count) if tuned is None else tuned
    part_confidence, part_quality, part_cost = confidence[rows], quality[rows], cost[rows]
    part = len(rows)
    most = math.isqrt(EXACT_PAIRS)
    first, second = _Hop(part_confidence[:, 0], part + 1), _Hop(part_confidence[:, 1], part + 1)
    pairs = len(first.cuts) * len(second.cuts)
    method = "exact"
    if pairs > EXACT_PAIRS:
        first, second, method = _Hop(part_confidence[:, 0], most), _Hop(part_confidence[:, 1], most), "grid"
    first_cut, second_cut, stair = _pareto(first, second, part_quality, part_cost)
    stair = stair / part

    def point(index: int) -> TierPoint:
        thresholds = (float(first.thresholds[first_cut[index]]), float(second.thresholds[second_cut[index]]))
        applied, answered = apply_cascade(thresholds, part_confidence, part_quality, part_cost)
        shares = tuple(float(share) for share in np.bincount(answered, minlength=width) / part)
        return TierPoint(thresholds, float(applied.quality.mean()), float(applied.cost.sum()), shares)

    alone = tuple(
        Point(math.nan, float(part_quality[:, t].mean()), float(part_cost[:, t].sum()), float(t == width - 1))
        for t in range(width)
    )
    absolute = floor * alone[-1].quality if floor_relative else floor
    levels = np.linspace(stair[0], stair[-1], CURVE_LEVELS)
    picked = {int(np.searchsorted(stair, level - _TOLERANCE)) for level in levels}
    reaching = np.flatnonzero(stair >= absolute - _TOLERANCE)
    chosen_index = int(reaching[0]) if len(reaching) else None
    if chosen_index is not None:
        picked.add(chosen_index)
    curve = tuple(point(index) for index in sorted(picked) if index < len(stair))
    chosen = None if chosen_index is None else point(chosen_index)
    held = None
    if held_rows is not None and chosen is not None:
        applied, answered = apply_cascade(chosen.thresholds, confidence[held_rows], quality[held_rows], cost[held_rows])
        quality_interval, cost_interval = bootstrap(applied, resampling, resamples)
        shares = tuple(float(share) for share in np.bincount(answered, minlength=width) / len(held_rows))
        held = TierHeld(
            Held(
                part,
                len(held_rows),
                seed,
                quality_interval,
                cost_interval,
                float(applied.strong.mean()),
                float(cost[held_rows, width - 1].sum()),
            ),
            shares,
        )
    return TieredResult(
        tiers=tuple(tiers),
        score="confidence",
        prompts=part,
        choices=pairs,
        method=method,
        curve=curve,
        chosen=chosen,
        alone=alone,
        floor=absolute,
        floor_given=floor_given,
        floor_relative=floor if floor_relative else None,
        held=held,
        skipped=None if skipped is None else dict(skipped),
        strategy="cascade",
    )
