"""The figures of the published evaluation code, reproduced: RouteLLM's and RouterBench's procedures. Pure (numpy).

routecli's own figures (``routecli.tune.evaluate``) are exact over every
threshold; the papers' code takes other steps, and a table copied from a paper
differs from routecli's by them. ``routecli evaluate --compat routellm`` and
``--compat routerbench`` compute what that code computes, step by step:

- **RouteLLM** (lm-sys/RouteLLM, ``routellm/evals/benchmarks.py`` and
  ``evaluate.py``): ten equal-size bins of the router's score (``pandas.qcut``),
  a point at each of the eleven bin edges, APGR as the trapezoid over those
  points, CPT by ``np.interp``, the random router as the mean of ten seeded runs.
- **RouterBench** (withmartian/routerbench, ``evaluation/AIQ.py``,
  ``evaluate_routers.py``, ``routers/run_cascading_router.py``): AIQ from each
  curve's cheapest point to the largest cost, divided by that cost
  (``calc_AIQ``); the oracle charging nothing for a prompt no model solves; the
  cascade ordered by list price per token; each model's mean quality and total
  cost over its own non-empty cells (``Cells.model_means``), where routecli's
  figures keep only the prompts every model answered.

docs/metrics.md sets each step beside routecli's own.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import NDArray

from routecli.errors import InvalidValueError
from routecli.tune.evaluate import Evaluation, JudgedCascade, judged_cascade, non_decreasing_hull, oracle_picks
from routecli.tune.outcomes import Outcomes

__all__ = [
    "ROUTELLM_BINS",
    "ROUTELLM_RANDOM_RUNS",
    "ROUTERBENCH_TOKEN_PRICES",
    "Procedure",
    "RouteLlmCurve",
    "RouteLlmFigures",
    "RouteLlmRouter",
    "RouterBenchFigures",
    "RouterBenchModel",
    "price_ordered_chain",
    "qcut_edges",
    "routellm_apgr",
    "routellm_cpt",
    "routellm_curve",
    "routellm_figures",
    "routellm_random",
    "routerbench_aiqs",
    "routerbench_figures",
    "routerbench_models",
    "routerbench_oracle_cost",
]

Procedure = Literal["routecli", "routellm", "routerbench"]
"""Whose procedure made a figure: routecli's exact one, or the published code's."""

Floats = NDArray[np.float64]

ROUTELLM_BINS = 10
"""RouteLLM's ``--num-results``: bins of the score, so eleven thresholds."""

ROUTELLM_RANDOM_RUNS = 10
"""RouteLLM's ``--random-iters``: runs of the random router, averaged."""

_PER_10M = Decimal(10_000_000)
ROUTERBENCH_TOKEN_PRICES: Mapping[str, tuple[Decimal, Decimal]] = {
    name: (Decimal(prompt) / _PER_10M, Decimal(completion) / _PER_10M)
    for name, prompt, completion in (
        ("WizardLM/WizardLM-13B-V1.2", "0.3", "0.3"),
        ("claude-instant-v1", "0.80", "2.40"),
        ("claude-v1", "8.0", "24.0"),
        ("claude-v2", "8.0", "24.0"),
        ("gpt-3.5-turbo-1106", "1.0", "2.0"),
        ("gpt-4-1106-preview", "10.0", "30.0"),
        ("meta/code-llama-instruct-34b-chat", "0.776", "0.776"),
        ("meta/llama-2-70b-chat", "0.9", "0.9"),
        ("mistralai/mistral-7b-chat", "0.2", "0.2"),
        ("mistralai/mixtral-8x7b-chat", "0.6", "0.6"),
        ("mistralai/Mixtral-8x7B-Instruct-v0.1", "0.6", "0.6"),
        ("zero-one-ai/Yi-34B-Chat", "0.8", "0.8"),
    )
}
"""USD per (prompt, completion) token of the models RouterBench prices (``routers/common.py``, ``TOKEN_COSTS``);
none of them has a per-request price."""


# ---------------------------------------------------------------- RouteLLM


def qcut_edges(values: Floats, bins: int = ROUTELLM_BINS) -> Floats:
    """The bin edges ``pandas.qcut(values, bins, retbins=True)`` returns: ``bins + 1`` quantiles, linear between
    the sorted values (``np.percentile`` of ``linspace(0, 1, bins + 1) * 100``, as pandas calls it).

    Tied values all fall on one side of an edge; when ties make two edges equal,
    qcut (``duplicates="raise"``, as RouteLLM calls it) refuses, and so does
    this: ``InvalidValueError`` naming the edges.
    """
    if not len(values):
        raise InvalidValueError("no scores to cut into bins")
    edges: Floats = np.percentile(values, np.linspace(0, 1, bins + 1) * 100.0, method="linear")
    if len(np.unique(edges)) < len(edges):
        shown = ", ".join(f"{edge:.6g}" for edge in edges)
        raise InvalidValueError(
            f"the router's scores tie across a bin edge ({shown}): pandas.qcut, which RouteLLM's evaluation "
            "calls, stops there ('Bin edges must be unique'); leave out --compat for routecli's exact curve"
        )
    return edges


class RouteLlmCurve(NamedTuple):
    """RouteLLM's points, ordered by strong share (ascending): the edge each is cut at, its share of strong calls
    and its accuracy, both in percent as RouteLLM keeps them."""

    threshold: Floats
    strong_percentage: Floats
    accuracy: Floats


def routellm_curve(keys: Floats, weak_quality: Floats, strong_quality: Floats) -> RouteLlmCurve:
    """``benchmarks.GSM8K.evaluate``: at each qcut edge, the prompts scoring at or above it go strong (above it,
    at the last edge), accuracy ``sum / len * 100``; sorted by strong share as ``generate_results`` sorts."""
    edges = qcut_edges(keys)
    total = len(keys)
    threshold, share, accuracy = [], [], []
    for index, edge in enumerate(edges):
        strong = keys >= edge if index != len(edges) - 1 else keys > edge
        results = np.where(strong, strong_quality, weak_quality)
        threshold.append(float(edge))
        share.append(int(strong.sum()) / total * 100)
        accuracy.append(float(results.sum()) / total * 100)
    order = np.argsort(np.array(share), kind="stable")
    return RouteLlmCurve(np.array(threshold)[order], np.array(share)[order], np.array(accuracy)[order])


def routellm_random(
    weak_quality: Floats, strong_quality: Floats, seed: int, runs: int = ROUTELLM_RANDOM_RUNS
) -> RouteLlmCurve:
    """RouteLLM's random router: ``random.seed(seed)``, then ``runs`` times a ``random.uniform(0, 1)`` score per
    prompt (in prompt order, as one worker draws them) and its curve; the points grouped by strong share and
    their accuracies averaged (``groupby(["strong_percentage"]).mean()``). Thresholds: NaN (RouteLLM averages
    them too; they mean nothing here)."""
    draws = random.Random(seed)
    shares: list[Floats] = []
    accuracies: list[Floats] = []
    for _ in range(runs):
        keys = np.array([draws.uniform(0, 1) for _ in range(len(weak_quality))])
        curve = routellm_curve(keys, weak_quality, strong_quality)
        shares.append(curve.strong_percentage)
        accuracies.append(curve.accuracy)
    share, group = np.unique(np.concatenate(shares), return_inverse=True)
    accuracy = np.bincount(group, weights=np.concatenate(accuracies)) / np.bincount(group)
    return RouteLlmCurve(np.full(len(share), np.nan), share, accuracy)


def routellm_apgr(curve: RouteLlmCurve, weak_accuracy: float, strong_accuracy: float) -> float | None:
    """``apgr_metric``: the trapezoid area under accuracy over the strong share (in 0..1), less the weak model's
    over the same shares, over the strong model's less the weak model's. None when the two models tie."""
    shares = curve.strong_percentage / 100
    weak_area = _trapezoid(np.full(len(shares), weak_accuracy), shares)
    strong_area = _trapezoid(np.full(len(shares), strong_accuracy), shares)
    if strong_area == weak_area:
        return None
    return (_trapezoid(curve.accuracy, shares) - weak_area) / (strong_area - weak_area)


def routellm_cpt(curve: RouteLlmCurve, weak_accuracy: float, strong_accuracy: float, level: float) -> float:
    """``pct_call_metric``: ``np.interp`` of the accuracy ``level`` of the way from weak to strong over the points
    (accuracy as x, strong share as y, in strong-share order as RouteLLM passes them), as a share in 0..1.

    np.interp assumes x increasing; where the accuracies are not, it returns
    what RouteLLM's call returns. Outside them it clamps to the end shares.
    """
    target = level * (strong_accuracy - weak_accuracy) + weak_accuracy
    return float(np.interp(target, curve.accuracy, curve.strong_percentage)) / 100


def _trapezoid(y: Floats, x: Floats) -> float:
    return float(np.trapezoid(y, x))


# ---------------------------------------------------------------- RouterBench


def routerbench_aiqs(curves: Sequence[tuple[Floats, Floats]]) -> tuple[list[float], float]:
    """``calc_AIQ`` of ``curves`` (cost, quality) taken together: each curve's non-decreasing convex hull from its
    cheapest point, extended flat to the right only, to the largest cost any hull reaches, its area divided by
    that cost; and that cost.

    A hull ends where its curve is best: at the dearest point with its best
    quality (RouterBench drops the falling points after it). Points of one cost
    count as their best (RouterBench leaves ties to numpy's sort order). Its
    code fails on a curve of fewer than three costs; here such a curve's hull
    is its cheapest point and, when no worse, its dearest.
    """
    hulls = []
    for cost, quality in curves:
        hull_cost, hull_quality = non_decreasing_hull(cost, quality)
        best = float(quality.max())
        end = float(cost[quality == best].max())
        # routecli's hull runs flat to the dearest point; RouterBench's stops where the best quality last is
        keep = hull_cost <= end
        hulls.append((np.append(hull_cost[keep], end), np.append(hull_quality[keep], best)))
    largest = max(float(hull_cost[-1]) for hull_cost, _ in hulls)
    if largest <= 0:
        raise InvalidValueError("every curve costs nothing: RouterBench's AIQ divides by the largest cost")
    aiqs = [
        _trapezoid(np.append(hull_quality, hull_quality[-1]), np.append(hull_cost, largest)) / largest
        for hull_cost, hull_quality in hulls
    ]
    return aiqs, largest


def routerbench_oracle_cost(outcomes: Outcomes) -> tuple[float, int]:
    """The oracle's total cost as ``evaluate_routers.py`` charges it, and the prompts no model solves.

    A prompt some model scores above 0 on costs the cheapest of its best
    models (``get_highest_accuracy_lowest_cost``); a prompt every model scores
    0 on goes to ``no_model_correct`` and costs 0.
    """
    best, picked = oracle_picks(outcomes)
    unsolved = best <= 0
    paid = np.where(unsolved, 0.0, outcomes.cost[np.arange(outcomes.prompts), picked])
    return float(paid.sum()), int(unsolved.sum())


def price_ordered_chain(models: Sequence[str], prices: Mapping[str, tuple[Decimal, Decimal]]) -> tuple[str, ...]:
    """``run_cascading_router``'s order: cheapest list price per token (prompt plus completion) first, ties in
    the given order. ``InvalidValueError`` naming the models ``prices`` lacks."""
    missing = [model for model in models if model not in prices]
    if missing:
        raise InvalidValueError(
            f"RouterBench orders its cascade by list price per token, and has none for {', '.join(missing)}; "
            "give the chain with --chain",
            path=("--compat",),
        )
    return tuple(sorted(models, key=lambda model: sum(prices[model])))


# ---------------------------------------------------------------- the figures each procedure reports


class RouteLlmRouter(NamedTuple):
    """A router's RouteLLM points and what ``generate_results`` prints of them (CPTs as shares in 0..1)."""

    curve: RouteLlmCurve
    apgr: float | None
    cpt_20: float
    cpt_50: float
    cpt_80: float


class RouteLlmFigures(NamedTuple):
    """What RouteLLM's ``evaluate.py`` reports between ``weak`` and ``strong``: each model's accuracy, the random
    router (``runs`` runs from ``seed``) and the router (None without a score)."""

    weak: str
    strong: str
    weak_accuracy: float
    strong_accuracy: float
    random: RouteLlmRouter
    router: RouteLlmRouter | None
    seed: int
    runs: int


def routellm_figures(outcomes: Outcomes, evaluation: Evaluation, keys: Floats | None, seed: int) -> RouteLlmFigures:
    """RouteLLM's figures for the pair ``evaluation`` routes between, the router scored by ``keys``."""
    weak, strong = evaluation.random.weak, evaluation.random.strong
    weak_quality = outcomes.quality[:, outcomes.column(weak)]
    strong_quality = outcomes.quality[:, outcomes.column(strong)]
    # get_model_accuracy: the share right, in percent (for 0/1 outcomes, as RouteLLM's are, the mean)
    weak_accuracy = float(weak_quality.sum()) / outcomes.prompts * 100
    strong_accuracy = float(strong_quality.sum()) / outcomes.prompts * 100

    def summarised(curve: RouteLlmCurve) -> RouteLlmRouter:
        cpts = (routellm_cpt(curve, weak_accuracy, strong_accuracy, level) for level in (0.2, 0.5, 0.8))
        return RouteLlmRouter(curve, routellm_apgr(curve, weak_accuracy, strong_accuracy), *cpts)

    random_curve = routellm_random(weak_quality, strong_quality, seed)
    router = None if keys is None else summarised(routellm_curve(keys, weak_quality, strong_quality))
    return RouteLlmFigures(
        weak, strong, weak_accuracy, strong_accuracy, summarised(random_curve), router, seed, ROUTELLM_RANDOM_RUNS
    )


class RouterBenchModel(NamedTuple):
    """One model as RouterBench's ``groupby`` gives it: mean quality and total cost over ``prompts``, its own
    non-empty cells (every prompt every model answered, for a file without gaps)."""

    model: str
    prompts: int
    quality: float
    cost: float


class RouterBenchFigures(NamedTuple):
    """What RouterBench's code gives where it differs from routecli: every AIQ by ``calc_AIQ`` over one largest
    cost (``aiq_cost``), the oracle's cost with unsolved prompts free, and the judged cascades over the chain
    ordered by list price (``chain_by_price``; False: the chain was given)."""

    models_aiq: float
    random_aiq: float
    router_aiq: float | None
    oracle_cost: float
    unsolved: int
    cascades: tuple[JudgedCascade, ...]
    chain_by_price: bool
    aiq_cost: float
    models: tuple[RouterBenchModel, ...] = ()


def routerbench_figures(
    outcomes: Outcomes, evaluation: Evaluation, chain: Sequence[str] | None, epsilons: Sequence[float]
) -> RouterBenchFigures:
    """RouterBench's figures of ``outcomes`` beside ``evaluation`` (routecli's): its AIQs, oracle and cascade.

    ``chain``: the cascade's models as given (None: every model by RouterBench's
    list price per token, ``ROUTERBENCH_TOKEN_PRICES``).
    """
    ordered = price_ordered_chain(outcomes.models, ROUTERBENCH_TOKEN_PRICES) if chain is None else tuple(chain)
    cascades = tuple(judged_cascade(outcomes, ordered, epsilon) for epsilon in epsilons)
    models = routerbench_models(outcomes)
    curves: list[tuple[Floats, Floats]] = [
        (np.array([m.cost for m in models]), np.array([m.quality for m in models])),
        (np.array([p.cost for p in evaluation.random.points]), np.array([p.quality for p in evaluation.random.points])),
    ]
    curves += [(np.array([p.cost for p in c.prefixes]), np.array([p.quality for p in c.prefixes])) for c in cascades]
    if evaluation.router is not None:
        curves.append((evaluation.router.curve.cost, evaluation.router.curve.quality))
    aiqs, largest = routerbench_aiqs(curves)
    oracle_cost, unsolved = routerbench_oracle_cost(outcomes)
    return RouterBenchFigures(
        models_aiq=aiqs[0],
        random_aiq=aiqs[1],
        router_aiq=aiqs[-1] if evaluation.router is not None else None,
        oracle_cost=oracle_cost,
        unsolved=unsolved,
        cascades=tuple(replace(c, aiq=aiqs[2 + i]) for i, c in enumerate(cascades)),
        chain_by_price=chain is None,
        aiq_cost=largest,
        models=models,
    )


def routerbench_models(outcomes: Outcomes) -> tuple[RouterBenchModel, ...]:
    """Each model's mean quality and total cost over its own non-empty cells (a RouterBench file's gaps, kept by
    the reader as ``outcomes.cells``), else over every prompt; a model with no cell at all is refused."""
    if outcomes.cells is None:
        return tuple(
            RouterBenchModel(model, outcomes.prompts, float(quality), float(cost))
            for model, quality, cost in zip(
                outcomes.models, outcomes.mean_quality(), outcomes.total_cost(), strict=True
            )
        )
    means, totals, counts = outcomes.cells.model_means()
    empty = [model for model, count in zip(outcomes.models, counts, strict=True) if not count]
    if empty:
        raise outcomes.invalid(f"--compat routerbench: {', '.join(empty)} has no answer in any row")
    return tuple(
        RouterBenchModel(model, int(count), float(mean), float(total))
        for model, mean, total, count in zip(outcomes.models, means, totals, counts, strict=True)
    )
