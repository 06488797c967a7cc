"""What ``routecli tune`` and ``routecli evaluate`` work on when the command line leaves it open: the weak and strong
models, where a prompt's score comes from, and what prompts are sorted by; then the one call each command makes.

The defaults follow RouterBench and RouteLLM: the strong model is the best on
average, the weak one the cheapest other; a route's scores are the outcomes'
own when they have them, else the complexity of their texts. Errors name the
outcome files, or the option that named something the outcomes lack.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import TYPE_CHECKING, Literal, NamedTuple

import numpy as np
from numpy.typing import NDArray

from routecli.errors import InvalidValueError
from routecli.tune.compat import Procedure, RouteLlmFigures, RouterBenchFigures, routellm_figures, routerbench_figures
from routecli.tune.evaluate import DEFAULT_EPSILONS, Evaluation, evaluate
from routecli.tune.hops import tune_cascade
from routecli.tune.outcomes import Outcomes
from routecli.tune.threshold import Pair, ThresholdStrategy, TuneResult, default_pair, tune
from routecli.tune.tiers import TieredResult, tier_columns, tune_tiers

if TYPE_CHECKING:
    from routecli.replay.routing.complexity import ComplexityRouter
    from routecli.tune.exclusions import Exclusions

__all__ = [
    "EvaluateResult",
    "ScoreSource",
    "TuneChoice",
    "check_tiers",
    "choose_pair",
    "choose_tune",
    "evaluate_outcomes",
    "exclude_prompts",
    "resolve_score",
    "sort_keys",
    "tune_cascade_outcomes",
    "tune_outcomes",
    "tune_tiered_outcomes",
]

ScoreSource = Literal["auto", "data", "complexity", "length", "none"]
"""Where a route's score per prompt comes from: the outcomes' (data), their texts' (complexity, length), none."""

Floats = NDArray[np.float64]


def resolve_score(score: ScoreSource, outcomes: Outcomes, absent: ScoreSource) -> ScoreSource:
    """``auto``: the outcomes' own scores when they have them, else the complexity of their texts, else ``absent``."""
    if score != "auto":
        return score
    return "data" if outcomes.score is not None else "complexity" if outcomes.texts is not None else absent


def choose_pair(outcomes: Outcomes, weak: str | None, strong: str | None) -> tuple[str, str]:
    """(weak, strong): the ones given (``--weak``, ``--strong``), else ``default_pair``'s.

    A default that collides with the model given gives way: to the cheapest other
    model for weak, the best other for strong.
    """
    default_weak, default_strong = default_pair(outcomes)
    chosen = (weak or default_weak, strong or default_strong)
    for name, option in zip(chosen, ("--weak", "--strong"), strict=True):
        outcomes.column(name, option)
    if chosen[0] != chosen[1]:
        return chosen
    if weak is not None and strong is not None:
        raise InvalidValueError(f"--weak and --strong are both {weak}")
    others = [model for model in outcomes.models if model != chosen[1]]
    if weak is None:
        cost = outcomes.total_cost()
        return min(others, key=lambda model: float(cost[outcomes.column(model)])), chosen[1]
    return chosen[0], _best(outcomes, others)


def _best(outcomes: Outcomes, models: list[str]) -> str:
    """The best of ``models`` on average (ties: the cheaper), as the default strong model is chosen."""
    quality, cost = outcomes.mean_quality(), outcomes.total_cost()
    return min(models, key=lambda model: (-quality[outcomes.column(model)], cost[outcomes.column(model)]))


def sort_keys(
    outcomes: Outcomes,
    strategy: ThresholdStrategy,
    score: ScoreSource,
    weak: str,
    scorer: ComplexityRouter | None = None,
) -> Floats:
    """What prompts are sorted by: the router's scores (route) or the weak answers' confidence (cascade).

    ``scorer`` scores texts (``complexity``) as a config's router would, with its
    weights and length_tokens; without it, with the default weights.
    """
    if strategy == "cascade":
        confidence = None if outcomes.confidence is None else outcomes.confidence[:, outcomes.column(weak)]
        if confidence is None or np.isnan(confidence).all():
            raise outcomes.invalid(
                "--strategy cascade needs the weak model's confidence per answer "
                f"(outcomes JSONL 'confidence', e.g. from replay --all-tiers); {weak}'s answers have none"
            )
        if np.isnan(confidence).any():
            missing = np.flatnonzero(np.isnan(confidence))
            first = f"the first: prompt {outcomes.ids[missing[0]]}"
            raise outcomes.invalid(f"{len(missing):,} of {weak}'s answers have no confidence ({first})")
        return confidence
    if score == "data":
        if outcomes.score is None or np.isnan(outcomes.score).any():
            everyone = np.arange(outcomes.prompts)
            missing = everyone if outcomes.score is None else np.flatnonzero(np.isnan(outcomes.score))
            first = f" (the first: prompt {outcomes.ids[missing[0]]})" if len(missing) < outcomes.prompts else ""
            raise outcomes.invalid(
                f"no router score for every prompt: {len(missing):,} of {outcomes.prompts:,} have none{first}; "
                "use --score complexity or --score length to score the prompt texts"
            )
        return outcomes.score
    if outcomes.texts is None:
        raise outcomes.invalid(f"--score {score} reads the prompt texts, which these outcomes lack")
    return _text_scores(outcomes.texts, score, scorer)


def _text_scores(texts: tuple[str, ...], score: ScoreSource, scorer: ComplexityRouter | None) -> Floats:
    """Each text's tokens (``length``) or complexity score."""
    # imported here on purpose: the tokenizer and the router load only when texts are scored
    from routecli.replay.routing import ROUTER_ENCODING
    from routecli.replay.routing.complexity import ComplexityRouter
    from routecli.replay.tokens import TextCounter

    # all counts first, then all scores: a little faster than taking turns between tiktoken and the router
    counted = list(map(TextCounter(ROUTER_ENCODING), texts))
    if score == "length":
        return np.asarray(counted, dtype=np.float64)
    router = scorer or ComplexityRouter([("scored", 0.0)])
    return np.fromiter(
        (router.score(router.text_features(text, tokens)) for text, tokens in zip(texts, counted, strict=True)),
        dtype=np.float64,
        count=len(texts),
    )


class TuneChoice(NamedTuple):
    """The models a tune compares and where a route's scores come from, known before any curve is drawn."""

    strategy: ThresholdStrategy
    weak: str
    strong: str
    score: ScoreSource
    """``data``, ``complexity`` or ``length``; a cascade sorts by confidence whatever it is."""


def choose_tune(
    outcomes: Outcomes, strategy: ThresholdStrategy, weak: str | None, strong: str | None, score: ScoreSource
) -> TuneChoice:
    """The pair and the score source of a tune (``auto`` without scores or texts: ``data``, whose error says
    what to give instead)."""
    weak_name, strong_name = choose_pair(outcomes, weak, strong)
    return TuneChoice(strategy, weak_name, strong_name, resolve_score(score, outcomes, absent="data"))


def tune_outcomes(
    outcomes: Outcomes,
    choice: TuneChoice,
    *,
    floor: float | None = None,
    floor_relative: bool = False,
    floor_given: str | None = None,
    target_share: float | None = None,
    holdout: float | None = None,
    seed: int = 0,
    scorer: ComplexityRouter | None = None,
) -> TuneResult:
    """``routecli tune``'s work: sort the prompts, draw the pair's threshold curve and choose (``threshold.tune``)."""
    keys = sort_keys(outcomes, choice.strategy, choice.score, choice.weak, scorer)
    if holdout is not None and holdout <= 0:
        raise InvalidValueError("--holdout: expected a share above 0 (leave it out to tune on every prompt)")
    result = tune(
        choice.strategy,
        Pair.of(outcomes, choice.weak, choice.strong, keys),
        weak=choice.weak,
        strong=choice.strong,
        score=choice.score if choice.strategy == "route" else "confidence",
        floor=floor,
        floor_relative=floor_relative,
        target_share=target_share,
        holdout=holdout,
        seed=seed,
        floor_given=floor_given,
        source=outcomes.source,
        skipped=outcomes.skipped,
    )
    if result.chosen is None and not floor_relative and floor_given and floor_given.strip().endswith("%"):
        raise _old_relative_floor(result, floor_given.strip())
    return result


def _old_relative_floor(result: TuneResult, given: str) -> InvalidValueError:
    """``--quality-floor 95%`` that no threshold reaches: it once meant 95% of the strong model's quality.

    Only here, where the absolute reading cannot be what was meant (the floor is above every point of the curve,
    the strong model alone included), is the old form told apart (docs/tune.md).
    """
    best = float(result.curve.quality.max()) if len(result.curve) else float("nan")
    return InvalidValueError(
        f"{given} is an absolute quality ({result.floor:.4g}), and no threshold reaches it (the best is {best:.4f}; "
        f"{result.strong} alone {result.strong_alone.quality:.4f}); for {given} of the strong model's quality "
        f"write --relative-floor {given}",
        path=("--quality-floor",),
    )


@dataclass(frozen=True)
class EvaluateResult:
    """What ``routecli evaluate`` found: the evaluation (routecli's exact figures), what scored its router (None:
    no router), the rows the reader skipped, the prompts ``--exclude`` left out, and the figures of the
    published procedure ``--compat`` asked for (None: routecli's alone)."""

    evaluation: Evaluation
    score: ScoreSource | None
    skipped: dict[str, int] = field(default_factory=dict)
    excluded: int = 0
    compat: RouteLlmFigures | RouterBenchFigures | None = None


def exclude_prompts(outcomes: Outcomes, exclusions: Exclusions) -> Outcomes:
    """``outcomes`` without the prompts ``exclusions`` lists; ``InvalidValueError`` naming the exclude file and
    line of the first id the outcomes lack."""
    known = set(outcomes.ids)
    unknown = [(line, prompt_id) for prompt_id, line in exclusions.lines.items() if prompt_id not in known]
    if unknown:
        line, prompt_id = min(unknown)
        others = len(unknown) - 1
        more = f" (and {others:,} more unknown id{'s' if others > 1 else ''})" if others else ""
        raise InvalidValueError(
            f"no prompt {prompt_id!r} in the outcomes (ids look like {outcomes.ids[0]!r}){more}",
            source=exclusions.source,
            line=line,
        )
    kept = [row for row, prompt_id in enumerate(outcomes.ids) if prompt_id not in exclusions.lines]
    cells = None if outcomes.cells is None else outcomes.cells.without(exclusions.lines)
    return replace(outcomes.take(kept), skipped=outcomes.skipped, cells=cells)


def evaluate_outcomes(
    outcomes: Outcomes,
    *,
    weak: str | None = None,
    strong: str | None = None,
    score: ScoreSource = "auto",
    chain: Sequence[str] | None = None,
    epsilons: Sequence[float] = DEFAULT_EPSILONS,
    compat: Procedure = "routecli",
    seed: int = 0,
    exclusions: Exclusions | None = None,
    tiers: Sequence[str] | None = None,
) -> EvaluateResult:
    """``routecli evaluate``'s work: the pair, the router's scores (``none``: no router, whatever the outcomes
    have) and every baseline and metric (``evaluate.evaluate``); with ``compat``, that procedure's figures
    beside them (``seed``: RouteLLM's random router), on the prompts ``exclusions`` leaves; ``tiers``: the N-tier
    router's models."""
    excluded = 0
    if exclusions is not None:
        kept = exclude_prompts(outcomes, exclusions)
        excluded, outcomes = outcomes.prompts - kept.prompts, kept
    pair = choose_pair(outcomes, weak, strong)
    chosen = resolve_score(score, outcomes, absent="none")
    keys = None if chosen == "none" else sort_keys(outcomes, "route", chosen, pair[0])
    if keys is None:  # no router, even where the outcomes have scores
        outcomes = replace(outcomes, score=None)
    if tiers is not None and keys is None:
        raise InvalidValueError(
            "an N-tier router needs a router score: the outcomes' own, or --score complexity or length",
            path=("--tiers",),
        )
    evaluation = evaluate(outcomes, pair=pair, keys=keys, chain=chain, epsilons=epsilons, tiers=tiers)
    figures: RouteLlmFigures | RouterBenchFigures | None = None
    if compat == "routellm":
        figures = routellm_figures(outcomes, evaluation, keys, seed)
    elif compat == "routerbench":
        figures = routerbench_figures(outcomes, evaluation, chain, epsilons)
    return EvaluateResult(evaluation, None if keys is None else chosen, dict(outcomes.skipped), excluded, figures)


def check_tiers(outcomes: Outcomes, tiers: Sequence[str], option: str = "--tiers") -> tuple[str, ...]:
    """The tiers named on the command line, checked: at least two, none twice, each a model of the outcomes, and
    cheapest first by mean cost per prompt (every search assumes it: the last tier is the one savings are against)."""
    if len(tiers) < 2:
        raise InvalidValueError(
            f"{option}: give at least 2 tiers, cheapest first, comma-separated (like small,medium,large); "
            f"got {len(tiers)} (models: {', '.join(outcomes.models)})"
        )
    twice = sorted({tier for tier in tiers if list(tiers).count(tier) > 1})
    if twice:
        raise InvalidValueError(f"{option}: {twice[0]} is named twice; name each tier once, cheapest first")
    columns = [outcomes.column(tier, option) for tier in tiers]
    means = [_mean_cost(outcomes.cost[:, column]) for column in columns]
    if any(later < earlier for earlier, later in pairwise(means)):
        # a stable sort: tiers of equal mean cost keep the order given
        order = sorted(range(len(tiers)), key=lambda t: means[t])
        observed = ", ".join(f"{tiers[t]} ${_plain(means[t])}" for t in order)
        raise InvalidValueError(
            f"{option}: tiers go cheapest first, and by mean cost per prompt in the outcomes the order is {observed}; "
            f"write {option} {','.join(tiers[t] for t in order)}"
        )
    return tuple(tiers)


def _mean_cost(cost: NDArray[np.float64]) -> float:
    """The mean over the prompts with a cost (NaN: none has one, and no order is checked against it)."""
    known = cost[~np.isnan(cost)]
    return float(known.mean()) if len(known) else math.nan


def _plain(usd: float) -> str:
    """A small dollar amount without an exponent: 0.00008631, not 8.631e-05."""
    return f"{usd:.8f}".rstrip("0").rstrip(".")


def tune_tiered_outcomes(
    outcomes: Outcomes,
    tiers: Sequence[str],
    score: ScoreSource,
    *,
    floor: float | None = None,
    floor_relative: bool = False,
    floor_given: str | None = None,
    target_shares: Sequence[float] | None = None,
    holdout: float | None = None,
    seed: int = 0,
    scorer: ComplexityRouter | None = None,
) -> TieredResult:
    """``routecli tune --tiers`` with three or more: score the prompts and choose N−1 thresholds
    (``tiers.tune_tiers``)."""
    if target_shares is not None and len(target_shares) != len(tiers):
        raise InvalidValueError(
            f"--target-shares: {len(target_shares)} shares for {len(tiers)} tiers ({', '.join(tiers)}); "
            "give one share per tier, in the same order",
        )
    if holdout is not None and holdout <= 0:
        raise InvalidValueError("--holdout: expected a share above 0 (leave it out to tune on every prompt)")
    keys = sort_keys(outcomes, "route", score, tiers[0], scorer)
    quality, cost = tier_columns(outcomes, tiers, "--tiers")
    return tune_tiers(
        keys,
        quality,
        cost,
        tiers=tiers,
        score=score,
        floor=floor,
        floor_relative=floor_relative,
        floor_given=floor_given,
        target_shares=target_shares,
        holdout=holdout,
        seed=seed,
        source=outcomes.source,
        skipped=outcomes.skipped,
    )


def tune_cascade_outcomes(
    outcomes: Outcomes,
    chain: Sequence[str],
    *,
    floor: float,
    floor_relative: bool = False,
    floor_given: str | None = None,
    holdout: float | None = None,
    seed: int = 0,
) -> TieredResult:
    """``routecli tune --strategy cascade --chain a,b,c``: every tier's confidence but the last's, checked, and a
    threshold per hop (``hops.tune_cascade``)."""
    if holdout is not None and holdout <= 0:
        raise InvalidValueError("--holdout: expected a share above 0 (leave it out to tune on every prompt)")
    columns = []
    for tier in chain[:-1]:
        confidence = None if outcomes.confidence is None else outcomes.confidence[:, outcomes.column(tier, "--chain")]
        if confidence is None or np.isnan(confidence).all():
            raise outcomes.invalid(
                f"--chain: {tier}'s answers have no confidence; a cascade needs every tier's but the last's "
                "(outcomes JSONL 'confidence' per model, e.g. the mean logprob replay --all-tiers writes)"
            )
        if np.isnan(confidence).any():
            missing = np.flatnonzero(np.isnan(confidence))
            raise outcomes.invalid(
                f"--chain: {len(missing):,} of {tier}'s answers have no confidence "
                f"(the first: prompt {outcomes.ids[missing[0]]})"
            )
        columns.append(confidence)
    quality, cost = tier_columns(outcomes, chain, "--chain")
    return tune_cascade(
        np.column_stack(columns),
        quality,
        cost,
        tiers=chain,
        floor=floor,
        floor_relative=floor_relative,
        floor_given=floor_given,
        holdout=holdout,
        seed=seed,
        source=outcomes.source,
        skipped=outcomes.skipped,
    )
