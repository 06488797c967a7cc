"""N-tier routes: N−1 thresholds on one router score, chosen from logged outcomes. Pure (numpy).

Tiers are given cheapest first. A prompt goes to the first tier whose band holds
its score: below the first threshold the first tier, from the first up to the
second the second tier, and so on; from the last threshold up the last tier.

Prompts are sorted by score once. A threshold can only fall between different
scores, so the K cut positions are 0, every boundary between distinct scores and
n. With each tier's quality and cost summed cumulatively over the sorted prompts
(``P_t``), a choice of cuts ``c_1 ≤ … ≤ c_{N-1}`` (as indexes into the K positions,
``c_0`` the first and ``c_N`` the last) has the total

    Σ_t P_t[c_{t+1}] − P_t[c_t]  =  P_{N-1}[end] + Σ_b (P_{b-1}[c_b] − P_b[c_b])

— a sum of one term per cut, for quality and cost alike. That is what makes the
search fast and exact. Equal cuts leave the tiers between them empty, and the first
and last positions put no prompt below (``−∞``) or every prompt below (``inf``): a
tier may get no prompts, so adding a tier never makes the choice worse.

**Three tiers (exact).** Choose ``i ≤ j`` for the least cost ``v1[i] + v2[j]``
with quality ``u1[i] + u2[j]`` at least the floor, over all K(K+1)/2 pairs, by
divide and conquer on the index range: the pairs inside each half are solved
recursively (small ranges by enumerating their pairs and keeping the cost–quality
staircase); the pairs with ``i`` in the left half and ``j`` in the right have no
order constraint left, so the right half becomes one staircase (its ``j`` sorted
by ``u2``, the suffix minimum of ``v2``: the cheapest ``j`` giving at least a
quality) and every ``i`` of the left half's own Pareto set looks up the ``j`` it
needs with one vectorised ``searchsorted``. O(K log² K) in numpy, no Python loop
per pair; 100,000 prompts take well under a second (bench/tune.py).

**More tiers (a search).** First the highest quality any choice has, exactly (a
dynamic programme: for each cut in turn, the best of the cuts before it as a prefix
maximum); below the floor, no choice reaches it. Otherwise coordinate descent from
several starts — the cheapest reaching combinations of a grid of at most ``GRID``
quantile cut positions, and the corners of the Pareto set's convex hull around the
floor (the exact least ``cost − λ·quality`` by the same programme, λ by bisection)
— re-chooses each two adjacent cuts in turn exactly with the three-tier solver,
the others held, until a round changes nothing; the cheapest result wins. Exact
when the grid holds every cut position; a test compares it with brute force.

The cost–quality curve is the Pareto set of the choices: for three tiers the
cheapest choice reaching each of ``CURVE_LEVELS`` evenly spaced quality levels
(ties: the higher quality), for more the corners of its convex hull (each the
exact least ``cost − λ·quality``); each is Pareto-optimal and listed once, with
the chosen point.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from routecli.errors import InvalidValueError
from routecli.tune.outcomes import Outcomes
from routecli.tune.threshold import Applied, Held, Point, bootstrap, split

__all__ = [
    "CURVE_LEVELS",
    "GRID",
    "Bands",
    "TierHeld",
    "TierPoint",
    "TieredResult",
    "apply_thresholds",
    "tier_columns",
    "tier_held",
    "tune_tiers",
]

Floats = NDArray[np.float64]
Indexes = NDArray[np.intp]

CURVE_LEVELS = 21
"""Quality levels, evenly spaced from the cheapest choice's to the best, at which the curve takes its Pareto points."""
GRID = 200_000
"""At most this many combinations of grid cuts are tried at once for more than three tiers."""
_LEAF = 64  # ranges this small enumerate their pairs
_TOLERANCE = 1e-12  # a mean quality like 0.95 summed from floats may fall a hair short
_STARTS = 4  # descents from the cheapest few grid combinations and hull corners
_HIGHEST_WEIGHT = 1e15  # λ beyond which cost no longer counts against quality in float64


class TierPoint(NamedTuple):
    """One choice of thresholds and what it gives.

    A route's ``thresholds`` never descend; a prompt scoring at least ``thresholds[b]``
    goes past tier ``b`` (``inf``: no prompt does; equal thresholds: the tiers between
    get none). A cascade's are per hop (``routecli.tune.hops``). ``quality`` is the mean, ``cost`` the total,
    ``shares`` each tier's share of the prompts it answered.
    """

    thresholds: tuple[float, ...]
    quality: float
    cost: float
    shares: tuple[float, ...]


@dataclass(frozen=True, eq=False)
class Bands:
    """Prompts sorted by score once: the K cut positions and each tier's cumulative quality and cost there."""

    scores: Floats
    """The scores, ascending."""
    positions: Indexes
    quality: Floats
    """(tiers, K): tier t's quality summed over the prompts below each cut position."""
    cost: Floats

    @classmethod
    def of(cls, keys: Floats, quality: Floats, cost: Floats) -> Bands:
        """``keys`` per prompt; ``quality`` and ``cost`` are (prompts, tiers). NaN keys: ``InvalidValueError``."""
        if np.isnan(keys).any():
            raise InvalidValueError("some prompts have no score (NaN)")
        count = len(keys)
        order = np.argsort(keys, kind="stable")
        scores = keys[order]
        positions = np.concatenate(([0], np.flatnonzero(scores[1:] != scores[:-1]) + 1, [count])).astype(np.intp)
        if not count:
            positions = np.array([0], dtype=np.intp)

        def prefix(values: Floats) -> Floats:
            sums = np.vstack((np.zeros((1, values.shape[1])), np.cumsum(values[order], axis=0)))
            summed: Floats = sums[positions].T.copy()
            return summed

        return cls(scores, positions, prefix(quality), prefix(cost))

    @property
    def count(self) -> int:
        return len(self.scores)

    @property
    def cuts(self) -> int:
        """K: the cut positions."""
        return len(self.positions)

    def threshold(self, cut: int) -> float:
        position = int(self.positions[cut])
        return float(self.scores[position]) if position < self.count else math.inf

    def terms(self, tier: int) -> tuple[Floats, Floats]:
        """(quality, cost) of cut ``tier`` (1 … tiers−1) at each position: its term of the separable total."""
        return self.quality[tier - 1] - self.quality[tier], self.cost[tier - 1] - self.cost[tier]

    def point(self, cuts: Sequence[int]) -> TierPoint:
        edges = [0, *cuts, self.cuts - 1]
        tiers = range(len(edges) - 1)
        quality = sum(float(self.quality[t, edges[t + 1]] - self.quality[t, edges[t]]) for t in tiers)
        cost = sum(float(self.cost[t, edges[t + 1]] - self.cost[t, edges[t]]) for t in tiers)
        count = self.count
        shares = tuple(float(self.positions[edges[t + 1]] - self.positions[edges[t]]) / count for t in tiers)
        return TierPoint(tuple(self.threshold(cut) for cut in cuts), quality / count, cost, shares)


class _Best:
    """The best pair found so far per floor: least cost, then highest quality."""

    def __init__(self, floors: int) -> None:
        self.cost = np.full(floors, np.inf)
        self.quality = np.full(floors, -np.inf)
        self.i = np.zeros(floors, dtype=np.intp)
        self.j = np.zeros(floors, dtype=np.intp)

    def offer(self, cost: Floats, quality: Floats, i: Indexes, j: Indexes) -> None:
        better = (cost < self.cost) | ((cost == self.cost) & (quality > self.quality))
        self.cost = np.where(better, cost, self.cost)
        self.quality = np.where(better, quality, self.quality)
        self.i = np.where(better, i, self.i)
        self.j = np.where(better, j, self.j)


def _best_pairs(
    u1: Floats, v1: Floats, u2: Floats, v2: Floats, needs: Floats, lo: int = 0, hi: int | None = None
) -> _Best:
    """For each of ``needs``, the pair ``lo <= i <= j < hi`` of least ``v1[i] + v2[j]`` (ties: the higher
    quality) with ``u1[i] + u2[j] >= need``; cost inf where none reaches it. Exact (see the module)."""
    best = _Best(len(needs))
    end = len(u1) if hi is None else hi
    _solve(u1, v1, u2, v2, needs, lo, end, best)
    return best


def _solve(u1: Floats, v1: Floats, u2: Floats, v2: Floats, needs: Floats, lo: int, hi: int, best: _Best) -> None:
    if hi - lo < 1:
        return
    if hi - lo <= _LEAF:  # i == j (an empty middle tier) only here: the halves below split i < j
        first, second = np.triu_indices(hi - lo, 0)
        first, second = first + lo, second + lo
        quality, cost = u1[first] + u2[second], v1[first] + v2[second]
        order = np.lexsort((-quality, cost))
        stair = _rising(quality[order])
        _offer_stair(best, needs, quality[order][stair], cost[order][stair], first[order][stair], second[order][stair])
        return
    mid = (lo + hi) // 2
    _solve(u1, v1, u2, v2, needs, lo, mid, best)
    _solve(u1, v1, u2, v2, needs, mid, hi, best)
    # left: its Pareto set (least v1 for its u1); right: the cheapest j reaching each u2, as a suffix minimum
    left = np.arange(lo, mid)
    order = np.lexsort((-u1[left], v1[left]))
    left = left[order][_rising(u1[left][order])]
    right = np.arange(mid, hi)
    right = right[np.lexsort((v2[right], u2[right]))]  # u2 ascending; equal u2: cheaper first
    reached = u2[right]
    tail_cost, tail_at = _suffix_min(v2[right])
    wanted = needs[:, None] - u1[left][None, :]  # (floors, left)
    start = np.searchsorted(reached, wanted, side="left")
    found = start < len(right)
    start = np.minimum(start, len(right) - 1)
    j = right[tail_at[start]]
    cost = np.where(found, v1[left][None, :] + tail_cost[start], np.inf)
    quality = np.where(found, u1[left][None, :] + u2[j], -np.inf)
    least = cost.min(axis=1)
    pick = np.where(cost == least[:, None], quality, -np.inf).argmax(axis=1)
    rows = np.arange(len(needs))
    best.offer(least, quality[rows, pick], np.broadcast_to(left, cost.shape)[rows, pick], j[rows, pick])


def _rising(quality: Floats) -> NDArray[np.bool_]:
    """In cost order, the entries whose quality beats every cheaper one: the staircase (Pareto set)."""
    before = np.concatenate(([-np.inf], np.maximum.accumulate(quality)[:-1]))
    rising: NDArray[np.bool_] = quality > before
    return rising


def _suffix_min(values: Floats) -> tuple[Floats, Indexes]:
    """Each suffix's least value and where it first is (the suffix's lowest index on ties)."""
    backwards = values[::-1]
    running = np.minimum.accumulate(backwards)
    previous = np.concatenate(([np.inf], running[:-1]))
    # backwards, a new minimum or a tie with it: the latest such is the lowest index forwards
    at = np.maximum.accumulate(np.where(backwards <= previous, np.arange(len(values)), 0))
    return running[::-1].copy(), (len(values) - 1 - at)[::-1].copy()


def _offer_stair(best: _Best, needs: Floats, quality: Floats, cost: Floats, i: Indexes, j: Indexes) -> None:
    """Offer each need the cheapest staircase step reaching it."""
    at = np.searchsorted(quality, needs, side="left")
    found = at < len(quality)
    at = np.minimum(at, len(quality) - 1)
    best.offer(np.where(found, cost[at], np.inf), np.where(found, quality[at], -np.inf), i[at], j[at])


def _choose(bands: Bands, tiers: int, floors: Floats) -> list[tuple[int, ...] | None]:
    """For each mean-quality floor, the cuts of the cheapest choice reaching it (None: none does)."""
    needs = floors * bands.count - _TOLERANCE * max(bands.count, 1)
    base_quality = float(bands.quality[tiers - 1, -1])
    if tiers == 3:
        (u1, v1), (u2, v2) = bands.terms(1), bands.terms(2)
        best = _best_pairs(u1, v1, u2, v2, needs - base_quality)
        return [None if math.isinf(c) else (int(i), int(j)) for c, i, j in zip(best.cost, best.i, best.j, strict=True)]
    return [_search(bands, tiers, float(need)) for need in needs]


def _search(bands: Bands, tiers: int, need: float) -> tuple[int, ...] | None:
    """More than three tiers: coordinate descent on adjacent pairs of cuts from several starts (module docstring).

    None exactly when no choice reaches ``need``: the highest quality is found exactly first.
    """
    terms = [bands.terms(b) for b in range(1, tiers)]
    base_quality, base_cost = float(bands.quality[tiers - 1, -1]), float(bands.cost[tiers - 1, -1])

    def total(chosen: Sequence[int]) -> tuple[float, float]:
        return (
            base_quality + sum(float(terms[b][0][c]) for b, c in enumerate(chosen)),
            base_cost + sum(float(terms[b][1][c]) for b, c in enumerate(chosen)),
        )

    best_quality = _least([-quality for quality, _ in terms])
    if total(best_quality)[0] < need:
        return None
    starts = [best_quality, *_grid_starts(terms, bands.cuts, need - base_quality), *_lagrangian(terms, total, need)]
    found = [_descend(terms, bands.cuts, need - base_quality, [int(cut) for cut in start], total) for start in starts]
    return min(found, key=lambda cuts: (total(cuts)[1], -total(cuts)[0]))


def _least(weights: Sequence[Floats]) -> tuple[int, ...]:
    """The non-decreasing cuts of least ``Σ_b weights[b][c_b]``: a prefix-minimum pass per cut, backtracked."""
    size = len(weights[0])
    reach = weights[0].copy()
    came: list[Indexes] = []
    for weight in weights[1:]:
        running = np.minimum.accumulate(reach)
        at = np.maximum.accumulate(np.where(reach <= running, np.arange(size), 0))  # where each running minimum is
        # the cut before c is at most c (equal: the tier between them empty)
        reach = weight + running
        came.append(at.astype(np.intp))
    cuts = [int(np.argmin(reach))]
    for back in reversed(came):
        cuts.append(int(back[cuts[-1]]))
    return tuple(reversed(cuts))


def _grid_starts(terms: Sequence[tuple[Floats, Floats]], size: int, need: float) -> list[Indexes]:
    """The cheapest combinations reaching ``need`` among a grid of at most ``GRID`` combinations of cut positions."""
    width = len(terms)
    grid_size = size
    while _multisets(grid_size, width) > GRID:
        grid_size -= 1
    grid = np.unique(np.round(np.linspace(0, size - 1, grid_size)).astype(np.intp))
    repeats = itertools.combinations_with_replacement(range(len(grid)), width)  # equal cuts: empty tiers
    combos = np.array(list(repeats), dtype=np.intp).reshape(-1, width)
    cuts = grid[combos]
    quality: Floats = np.stack([terms[b][0][cuts[:, b]] for b in range(width)]).sum(axis=0)
    cost: Floats = np.stack([terms[b][1][cuts[:, b]] for b in range(width)]).sum(axis=0)
    reaching = np.flatnonzero(quality >= need)
    ranked = reaching[np.lexsort((-quality[reaching], cost[reaching]))[:_STARTS]]
    return [cuts[row] for row in ranked]


def _lagrangian(
    terms: Sequence[tuple[Floats, Floats]], total: Callable[[Sequence[int]], tuple[float, float]], need: float
) -> list[tuple[int, ...]]:
    """The cheapest cuts for ``cost − λ·quality`` (exact by ``_least``) at the least λ whose cuts reach ``need``,
    by bisection: the corner of the Pareto set's convex hull at the floor, and the cheapest other reaching
    corners the bisection met."""

    def cuts(weight: float) -> tuple[int, ...]:
        return _least([cost - weight * quality for quality, cost in terms])

    reaching: set[tuple[int, ...]] = set()
    low, high = 0.0, 1.0
    while total(cuts(high))[0] < need:
        if high > _HIGHEST_WEIGHT:
            return []
        low, high = high, high * 2
    reaching.add(cuts(high))
    for _ in range(60):
        middle = (low + high) / 2
        found = cuts(middle)
        if total(found)[0] >= need:
            high = middle
            reaching.add(found)
        else:
            low = middle
    # every reaching corner met on the way is a start; the cheapest few
    return sorted(reaching, key=lambda chosen: total(chosen)[1])[:_STARTS]


def _descend(
    terms: Sequence[tuple[Floats, Floats]],
    size: int,
    need: float,
    current: list[int],
    total: Callable[[Sequence[int]], tuple[float, float]],
) -> tuple[int, ...]:
    """Coordinate descent: each two adjacent cuts re-chosen exactly (``_best_pairs``), the others held, until a round
    changes nothing. ``need`` is net of the base quality, and ``current`` reaches it."""
    width = len(terms)
    changed = True
    while changed:
        changed = False
        for b in range(width - 1):
            rest = sum(float(terms[k][0][current[k]]) for k in range(width) if k not in (b, b + 1))
            lo = current[b - 1] if b else 0
            hi = current[b + 2] + 1 if b + 2 < width else size
            (u1, v1), (u2, v2) = terms[b], terms[b + 1]
            found = _best_pairs(u1, v1, u2, v2, np.array([need - rest]), lo, hi)
            if math.isinf(found.cost[0]):
                continue
            candidate = [*current[:b], int(found.i[0]), int(found.j[0]), *current[b + 2 :]]
            (old_quality, old_cost), (new_quality, new_cost) = total(current), total(candidate)
            # one function prices both, and only a strict gain moves: no cycle
            if new_cost < old_cost or (new_cost == old_cost and new_quality > old_quality):
                current, changed = candidate, True
    return tuple(current)


def _corners(bands: Bands, tiers: int) -> list[tuple[int, ...]]:
    """The corners of the Pareto set's convex hull, from the cheapest choice to the best quality: each the exact
    least ``cost − λ·quality`` (``_least``) for a λ given by the slope between two corners found before, at
    most ``2 × CURVE_LEVELS`` of them."""
    terms = [bands.terms(b) for b in range(1, tiers)]

    def value(cuts: tuple[int, ...]) -> tuple[float, float]:
        return sum(float(terms[b][0][c]) for b, c in enumerate(cuts)), sum(
            float(terms[b][1][c]) for b, c in enumerate(cuts)
        )

    cheapest = _least([cost for _, cost in terms])
    best = _least([-quality for quality, _ in terms])
    corners = {cheapest, best}
    pending = [(cheapest, best)]
    while pending and len(corners) < 2 * CURVE_LEVELS:
        left, right = pending.pop(0)
        (left_quality, left_cost), (right_quality, right_cost) = value(left), value(right)
        if right_quality <= left_quality:
            continue
        weight = (right_cost - left_cost) / (right_quality - left_quality)
        found = _least([cost - weight * quality for quality, cost in terms])
        quality, cost = value(found)
        if cost - weight * quality < left_cost - weight * left_quality - _TOLERANCE * (1 + abs(left_cost)):
            corners.add(found)
            pending += [(left, found), (found, right)]
    return sorted(corners)


def _shares_cuts(bands: Bands, shares: Sequence[float]) -> tuple[int, ...]:
    """The cut nearest each running total of ``shares`` (ties: the smaller), as a two-tier target share is met."""
    where = bands.positions / max(bands.count, 1)
    totals = np.cumsum(shares)[:-1]
    return tuple(int(np.argmin(np.abs(where - total))) for total in totals)


class TierHeld(NamedTuple):
    """The chosen thresholds on prompts they were not chosen on, with bootstrap intervals."""

    held: Held
    shares: tuple[float, ...]


def tier_held(
    applied: Applied,
    tiers_used: NDArray[np.intp],
    width: int,
    top_cost: Floats,
    tuned_on: int,
    seed: int,
    resampling: np.random.SeedSequence,
    resamples: int,
) -> TierHeld:
    """The held-out prompts' figures of N-tier thresholds chosen on ``tuned_on`` prompts (a route's bands or a
    cascade's hops): bootstrap intervals, the share answered at the top tier, what all on the top tier costs
    (``top_cost`` per prompt), and each of the ``width`` tiers' share (``tiers_used``: the tier that answered
    each prompt)."""
    quality_interval, cost_interval = bootstrap(applied, resampling, resamples)
    return TierHeld(
        Held(
            tuned_on,
            len(tiers_used),
            seed,
            quality_interval,
            cost_interval,
            float(applied.strong.mean()),
            float(top_cost.sum()),
        ),
        tuple(float(share) for share in np.bincount(tiers_used, minlength=width) / len(tiers_used)),
    )


@dataclass(frozen=True, eq=False)
class TieredResult:
    """What ``routecli tune --tiers`` (or ``--chain`` with three or more) found: one object for every output format.

    ``curve`` holds Pareto points (and the chosen point), by cost; ``alone`` each
    tier on every prompt tuned on; ``choices`` the choices of thresholds there
    were; ``method`` ``exact``, ``search`` (more than three tiers: module
    docstring, ``routecli.tune.hops``) or ``grid`` (a three-tier cascade's thinned candidates).
    """

    tiers: tuple[str, ...]
    score: str
    prompts: int
    choices: int
    method: str
    curve: tuple[TierPoint, ...]
    chosen: TierPoint | None
    alone: tuple[Point, ...]
    floor: float | None = None
    floor_given: str | None = None
    floor_relative: float | None = None
    target_shares: tuple[float, ...] | None = None
    held: TierHeld | None = None
    skipped: dict[str, int] | None = None
    strategy: str = "route"
    """``route``, or ``cascade`` (``routecli.tune.hops``: per-hop confidence thresholds, each tier visited paid)."""

    @property
    def strongest(self) -> str:
        return self.tiers[-1]

    def savings_for(self, cost: float) -> float | None:
        """What ``cost`` saves against the last tier alone on the same prompts, in percent."""
        strong = self.alone[-1].cost
        return (1 - cost / strong) * 100 if strong else None

    @property
    def savings_pct(self) -> float | None:
        return None if self.chosen is None else self.savings_for(self.chosen.cost)


def apply_thresholds(thresholds: Sequence[float], keys: Floats, quality: Floats, cost: Floats) -> Applied:
    """What ``thresholds`` do to each prompt: its tier is how many thresholds its score reaches. ``strong``
    marks the prompts the last tier answers."""
    tier = np.searchsorted(np.asarray(thresholds, dtype=np.float64), keys, side="right")
    rows = np.arange(len(keys))
    return Applied(quality[rows, tier], cost[rows, tier], tier == quality.shape[1] - 1)


def tune_tiers(
    keys: Floats,
    quality: Floats,
    cost: Floats,
    *,
    tiers: Sequence[str],
    score: str,
    floor: float | None = None,
    floor_relative: bool = False,
    target_shares: Sequence[float] | None = None,
    holdout: float | None = None,
    seed: int = 0,
    resamples: int = 1000,
    floor_given: str | None = None,
    source: str = "",
    skipped: Mapping[str, int] | None = None,
) -> TieredResult:
    """Choose N−1 thresholds over ``keys``: the cheapest reaching ``floor`` (a share of the last tier's quality
    when ``floor_relative``), or the cuts nearest ``target_shares``. ``quality`` and ``cost`` are (prompts,
    tiers), tiers cheapest first. ``holdout`` and ``seed`` as ``threshold.tune``: chosen on the other prompts,
    measured on the held-out share with bootstrap intervals."""
    count, width = len(keys), len(tiers)
    if width < 3:
        raise InvalidValueError(f"{width} tiers: tune_tiers chooses between 3 or more (threshold.tune takes two)")
    if count < 2:
        raise _too_few(
            f"{count} prompt{'' if count == 1 else 's'} to tune on: a curve needs at least 2", source, skipped
        )
    splitting, resampling = np.random.SeedSequence(seed).spawn(2)
    tuned, held_rows = (None, None) if holdout is None else split(count, holdout, splitting)
    if tuned is not None and held_rows is not None and (len(tuned) < 2 or not len(held_rows)):
        raise _too_few(
            f"holding out {holdout:g} of {count} prompts leaves {len(tuned)} to tune on and {len(held_rows)} "
            "to measure: tuning needs at least 2, measuring at least 1",
            source,
            skipped,
        )
    rows = np.arange(count) if tuned is None else tuned
    bands = Bands.of(keys[rows], quality[rows], cost[rows])
    part = len(rows)
    alone = tuple(
        Point(math.nan, float(quality[rows, t].mean()), float(cost[rows, t].sum()), 1.0 if t == width - 1 else 0.0)
        for t in range(width)
    )
    absolute = None if floor is None else floor * alone[-1].quality if floor_relative else floor
    if width == 3:  # the exact optimum at each level
        lowest = _choose(bands, width, np.array([-np.inf]))[0]
        low = bands.point(lowest).quality if lowest is not None else alone[0].quality
        top = bands.point(_least([-bands.terms(b)[0] for b in range(1, width)])).quality
        levels = np.linspace(low, top, CURVE_LEVELS)
        goals = np.concatenate((levels, [absolute if absolute is not None else -np.inf]))
        found = _choose(bands, width, goals)
        points = {cuts: bands.point(cuts) for cuts in found[:-1] if cuts is not None}
        floor_cuts = found[-1]
    else:  # the hull's corners: each exactly Pareto-optimal, with no search
        points = {cuts: bands.point(cuts) for cuts in _corners(bands, width)}
        floor_cuts = None if absolute is None else _choose(bands, width, np.array([absolute]))[0]
    chosen_cuts = _shares_cuts(bands, target_shares) if target_shares is not None else floor_cuts
    chosen = None if chosen_cuts is None else bands.point(chosen_cuts)
    if chosen_cuts is not None and chosen is not None and target_shares is None:
        points[chosen_cuts] = chosen
    curve: list[TierPoint] = []
    for point in sorted(points.values(), key=lambda point: (point.cost, -point.quality)):
        if point == chosen or not curve or point.quality > max(kept.quality for kept in curve):
            curve.append(point)  # a tie in quality at a higher cost is no Pareto point
    held = None
    if held_rows is not None and chosen is not None:
        applied = apply_thresholds(chosen.thresholds, keys[held_rows], quality[held_rows], cost[held_rows])
        tiers_used = np.searchsorted(np.asarray(chosen.thresholds), keys[held_rows], side="right")
        held = tier_held(applied, tiers_used, width, cost[held_rows, width - 1], part, seed, resampling, resamples)
    return TieredResult(
        tiers=tuple(tiers),
        score=score,
        prompts=part,
        choices=_multisets(bands.cuts, width - 1),
        method="exact" if width == 3 or _multisets(bands.cuts, width - 1) <= GRID else "search",
        curve=tuple(curve),
        chosen=chosen,
        alone=alone,
        floor=absolute,
        floor_given=floor_given,
        floor_relative=floor if floor_relative else None,
        target_shares=None if target_shares is None else tuple(target_shares),
        held=held,
        skipped=None if skipped is None else dict(skipped),
    )


def _multisets(positions: int, cuts: int) -> int:
    """The choices of ``cuts`` non-decreasing cut positions among ``positions``."""
    return math.comb(positions + cuts - 1, cuts)


def _too_few(message: str, source: str, skipped: Mapping[str, int] | None) -> InvalidValueError:
    rows = ", ".join(f"{reason} {count:,}" for reason, count in (skipped or {}).items())
    return InvalidValueError(message + (f" (rows skipped: {rows})" if rows else ""), source=source or None)


def tier_columns(outcomes: Outcomes, tiers: Sequence[str], option: str) -> tuple[Floats, Floats]:
    """(quality, cost) as (prompts, tiers) for the named tiers, in their order; unknown names: the models there are."""
    columns = [outcomes.column(tier, option) for tier in tiers]
    return outcomes.quality[:, columns], outcomes.cost[:, columns]
