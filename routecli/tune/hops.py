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

**Longer chains (a search).** Four or more tiers: coordinate descent that
re-chooses two adjacent hops at a time exactly, with the other hops held. Held
hops make it a three-tier cascade on the prompts that reach the first of the two
hops: its tiers are the two hops' own and, as the third, whatever the later held
hops make of an escalated prompt (the answer of the tier that keeps it, the cost
of every tier it visits); the prompts that stop earlier add a constant. The
two-dimensional prefix sums above weigh every pair of that sub-cascade, and the
cheapest reaching the floor (below it: the best quality) replaces the two hops
when it is better. Descents start from every hop escalating everything (the
last tier alone) and from the cheapest reaching combinations of a grid of each
hop's confidence quantiles (at most ``GRID_CELLS`` prompt-evaluations in all;
every candidate when they fit, which makes the search exact), and run until a
round over the hops changes nothing; the cheapest result wins and ``method``
says ``search``. A test compares it with brute force. The curve is the Pareto set
of every choice the grid and the descents weighed.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from routecli.errors import InvalidValueError
from routecli.tune.threshold import Applied, Point, split
from routecli.tune.tiers import CURVE_LEVELS, TieredResult, TierPoint, tier_held

__all__ = ["EXACT_PAIRS", "GRID_CELLS", "apply_cascade", "tune_cascade"]

Floats = NDArray[np.float64]
Indexes = NDArray[np.intp]

EXACT_PAIRS = 10_000_000
"""Pairs of thresholds weighed exactly; above it each hop's candidates are thinned to quantiles."""
GRID_CELLS = 20_000_000
"""Chains of four or more tiers: the grid's combinations times the prompts, at most (each combination is applied to
every prompt)."""
_BLOCK = 1_000_000  # cells of one block of rows
_TOLERANCE = 1e-12
_STARTS = 3  # descents from the cheapest few grid combinations, besides the last tier alone
_ROUNDS = 50  # rounds over the hops, at most (each strictly improves; a handful is usual)


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
    """Choose a confidence threshold per hop of a chain of three or more tiers: the cheapest choice reaching
    ``floor`` (a share of the last tier's quality when ``floor_relative``); exact for three, a search beyond
    (module docstring). ``confidence`` is (prompts, tiers − 1): each tier's but the last's; ``quality`` and
    ``cost`` (prompts, tiers). ``holdout`` and ``seed`` as ``threshold.tune``."""
    count, width = quality.shape
    if width < 3:  # two tiers: one threshold, threshold.tune
        raise InvalidValueError(f"a cascade of {width} tiers: tune_cascade chains three or more (threshold.tune two)")
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
    alone = tuple(
        Point(math.nan, float(part_quality[:, t].mean()), float(part_cost[:, t].sum()), float(t == width - 1))
        for t in range(width)
    )
    absolute = floor * alone[-1].quality if floor_relative else floor

    def point(thresholds: Sequence[float]) -> TierPoint:
        applied, answered = apply_cascade(thresholds, part_confidence, part_quality, part_cost)
        shares = tuple(float(share) for share in np.bincount(answered, minlength=width) / part)
        return TierPoint(tuple(thresholds), float(applied.quality.mean()), float(applied.cost.sum()), shares)

    if width == 3:
        choices, method, chosen_thresholds, curve_thresholds = _three(
            part_confidence, part_quality, part_cost, absolute
        )
        chosen = None if chosen_thresholds is None else point(chosen_thresholds)
        curve = tuple(point(thresholds) for thresholds in curve_thresholds)
    else:
        search = _Search(part_confidence, part_quality, part_cost, absolute)
        choices, method = search.choices, "search"
        chosen, curve = search.run()
    held = None
    if held_rows is not None and chosen is not None:
        applied, answered = apply_cascade(chosen.thresholds, confidence[held_rows], quality[held_rows], cost[held_rows])
        held = tier_held(applied, answered, width, cost[held_rows, width - 1], part, seed, resampling, resamples)
    return TieredResult(
        tiers=tuple(tiers),
        score="confidence",
        prompts=part,
        choices=choices,
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


def _three(
    confidence: Floats, quality: Floats, cost: Floats, need: float
) -> tuple[int, str, tuple[float, float] | None, list[tuple[float, float]]]:
    """Three tiers, every pair weighed: the pairs there were, the method, the cheapest pair reaching ``need`` (a mean
    quality) and the curve's pairs."""
    count = len(quality)
    first, second = _Hop(confidence[:, 0], count + 1), _Hop(confidence[:, 1], count + 1)
    pairs = len(first.cuts) * len(second.cuts)
    method = "exact"
    if pairs > EXACT_PAIRS:
        most = math.isqrt(EXACT_PAIRS)
        first, second, method = _Hop(confidence[:, 0], most), _Hop(confidence[:, 1], most), "grid"
    first_cut, second_cut, stair = _pareto(first, second, quality, cost)
    stair = stair / count

    def thresholds(index: int) -> tuple[float, float]:
        return float(first.thresholds[first_cut[index]]), float(second.thresholds[second_cut[index]])

    levels = np.linspace(stair[0], stair[-1], CURVE_LEVELS)
    picked = {int(np.searchsorted(stair, level - _TOLERANCE)) for level in levels}
    reaching = np.flatnonzero(stair >= need - _TOLERANCE)
    chosen_index = int(reaching[0]) if len(reaching) else None
    if chosen_index is not None:
        picked.add(chosen_index)
    curve = [thresholds(index) for index in sorted(picked) if index < len(stair)]
    return pairs, method, None if chosen_index is None else thresholds(chosen_index), curve


class _Search:
    """Four or more tiers: coordinate descent over adjacent pairs of hops from several starts (module docstring)."""

    def __init__(self, confidence: Floats, quality: Floats, cost: Floats, need: float) -> None:
        self.confidence, self.quality, self.cost, self.need = confidence, quality, cost, need
        self.count, self.tiers = quality.shape
        self.candidates = [_Hop(confidence[:, hop], self.count + 1).thresholds for hop in range(self.tiers - 1)]
        self.choices = math.prod(len(candidates) for candidates in self.candidates)
        self.weighed: dict[tuple[float, ...], tuple[float, float]] = {}

    def value(self, thresholds: tuple[float, ...]) -> tuple[float, float]:
        """Mean quality and total cost of ``thresholds``, remembered for the curve."""
        found = self.weighed.get(thresholds)
        if found is None:
            applied, _ = apply_cascade(thresholds, self.confidence, self.quality, self.cost)
            found = self.weighed[thresholds] = (float(applied.quality.mean()), float(applied.cost.sum()))
        return found

    def better(self, one: tuple[float, float], other: tuple[float, float]) -> bool:
        """Reaching the floor and cheaper (or, below it, higher quality): what the search minimises."""
        reaches, reached = one[0] >= self.need - _TOLERANCE, other[0] >= self.need - _TOLERANCE
        if reaches != reached:
            return reaches
        if reaches:
            return one[1] < other[1] or (one[1] == other[1] and one[0] > other[0])
        return one[0] > other[0] or (one[0] == other[0] and one[1] < other[1])

    def run(self) -> tuple[TierPoint | None, tuple[TierPoint, ...]]:
        starts = [tuple(math.inf for _ in range(self.tiers - 1)), *self.grid_starts()]
        best: tuple[float, ...] | None = None
        for start in starts:
            found = self.descend(start)
            if best is None or self.better(self.value(found), self.value(best)):
                best = found
        assert best is not None
        chosen = self.point(best) if self.value(best)[0] >= self.need - _TOLERANCE else None
        return chosen, self.curve(chosen)

    def grid_starts(self) -> list[tuple[float, ...]]:
        """The cheapest reaching combinations (or, none reaching, the best) of a grid of each hop's candidates."""
        hops = self.tiers - 1
        budget = max(2, GRID_CELLS // self.count)
        size = max(2, int(budget ** (1 / hops)))
        grids = []
        for candidates in self.candidates:
            if len(candidates) <= size:
                grids.append(candidates)
            else:  # evenly spaced in the hop's order, both ends kept
                grids.append(np.unique(candidates[np.round(np.linspace(0, len(candidates) - 1, size)).astype(np.intp)]))
        combos = [tuple(float(value) for value in combo) for combo in itertools.product(*grids)]
        ranked = sorted(combos, key=functools.cmp_to_key(self.compare))
        return ranked[:_STARTS]

    def compare(self, one: tuple[float, ...], other: tuple[float, ...]) -> int:
        first, second = self.value(one), self.value(other)
        return -1 if self.better(first, second) else 1 if self.better(second, first) else 0

    def descend(self, start: tuple[float, ...]) -> tuple[float, ...]:
        current = start
        for _ in range(_ROUNDS):
            moved = False
            for hop in range(self.tiers - 2):
                proposed = self.repick(current, hop)
                if proposed is not None and self.better(self.value(proposed), self.value(current)):
                    current, moved = proposed, True
            if not moved:
                break
        return current

    def repick(self, current: tuple[float, ...], hop: int) -> tuple[float, ...] | None:
        """Hops ``hop`` and ``hop + 1`` re-chosen exactly, the others held: a three-tier cascade on the prompts
        reaching ``hop``, its third tier what the later hops make of an escalated prompt."""
        held = np.asarray(current, dtype=np.float64)
        reach = np.all(self.confidence[:, :hop] < held[:hop], axis=1)
        members = np.flatnonzero(reach)
        if not len(members):
            return None
        confidence, quality, cost = self.confidence[members], self.quality[members], self.cost[members]
        later = hop + 2
        answered = np.full(len(members), self.tiers - 1, dtype=np.intp)
        for step in reversed(range(later, self.tiers - 1)):
            answered = np.where(confidence[:, step] >= held[step], step, answered)
        visited = (np.arange(self.tiers)[None, :] >= later) & (np.arange(self.tiers)[None, :] <= answered[:, None])
        rows = np.arange(len(members))
        sub_quality = np.column_stack((quality[:, hop], quality[:, hop + 1], quality[rows, answered]))
        sub_cost = np.column_stack((cost[:, hop], cost[:, hop + 1], (cost * visited).sum(axis=1)))
        # the mean quality the sub-cascade must reach: the floor less what the prompts stopping earlier give
        applied, _ = apply_cascade(current, self.confidence, self.quality, self.cost)
        outside = float(applied.quality[~reach].sum())
        first = _Hop(confidence[:, hop], math.isqrt(EXACT_PAIRS))
        second = _Hop(confidence[:, hop + 1], math.isqrt(EXACT_PAIRS))
        first_cut, second_cut, stair = _pareto(first, second, sub_quality, sub_cost)
        reaching = np.flatnonzero(stair >= self.need * self.count - outside - _TOLERANCE * self.count)
        index = int(reaching[0]) if len(reaching) else len(stair) - 1
        proposed = list(current)
        proposed[hop] = float(first.thresholds[first_cut[index]])
        proposed[hop + 1] = float(second.thresholds[second_cut[index]])
        return tuple(proposed)

    def point(self, thresholds: tuple[float, ...]) -> TierPoint:
        applied, answered = apply_cascade(thresholds, self.confidence, self.quality, self.cost)
        shares = tuple(float(share) for share in np.bincount(answered, minlength=self.tiers) / self.count)
        return TierPoint(thresholds, float(applied.quality.mean()), float(applied.cost.sum()), shares)

    def curve(self, chosen: TierPoint | None) -> tuple[TierPoint, ...]:
        """The Pareto set of every choice weighed, at most ``CURVE_LEVELS`` points evenly spread in quality, and
        the chosen one."""
        weighed = sorted(self.weighed.items(), key=lambda item: (item[1][1], -item[1][0]))
        stair: list[tuple[tuple[float, ...], float]] = []
        for thresholds, (mean, _) in weighed:
            if not stair or mean > stair[-1][1]:
                stair.append((thresholds, mean))
        qualities = np.array([mean for _, mean in stair])
        levels = np.linspace(qualities[0], qualities[-1], CURVE_LEVELS)
        picked = {int(np.searchsorted(qualities, level - _TOLERANCE)) for level in levels}
        points = {stair[index][0] for index in picked if index < len(stair)}
        if chosen is not None:
            points.add(chosen.thresholds)
        return tuple(
            sorted((self.point(thresholds) for thresholds in points), key=lambda item: (item.cost, -item.quality))
        )
