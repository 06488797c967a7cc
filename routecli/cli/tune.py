"""``routecli tune`` and ``routecli evaluate``: thresholds and router metrics from logged outcomes."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from routecli.cli.options import ChartOption, OutputOption, PricingOption
from routecli.cli.output import REPORT_FORMAT_HELP, OutputFormat, ReportFormat, check_outputs, emit

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from routecli.replay.routing.complexity import ComplexityRouter
    from routecli.tune.outcomes import Outcomes

__all__ = ["register"]


class StrategyChoice(StrEnum):
    route = "route"
    cascade = "cascade"


class ScoreChoice(StrEnum):
    """Where a route's scores come from (``tune``)."""

    auto = "auto"
    data = "data"
    complexity = "complexity"
    length = "length"


class RouterScore(StrEnum):
    """The router ``evaluate`` judges: a score source, ``auto`` or ``none``."""

    auto = "auto"
    data = "data"
    complexity = "complexity"
    length = "length"
    none = "none"


OutcomesArgument = Annotated[
    list[Path],
    typer.Argument(
        help="Outcome files or folders: routecli outcomes JSONL, replay decision logs, RouterBench or RouteLLM CSV "
        "(docs/outcomes.md).",
        show_default=False,
        metavar="OUTCOMES...",
    ),
]
CostOption = Annotated[
    list[str] | None,
    typer.Option(
        "--cost",
        help="MODEL=USD: what one prompt costs on MODEL, for files without costs (RouteLLM CSV); repeat per model.",
        show_default=False,
    ),
]
WeakOption = Annotated[
    str | None, typer.Option("--weak", help="The cheap model [default: the cheapest].", show_default=False)
]
StrongOption = Annotated[
    str | None,
    typer.Option("--strong", help="The strong model [default: the best on average].", show_default=False),
]
ScoreOption = Annotated[
    ScoreChoice,
    typer.Option(
        "--score",
        help="Where a prompt's router score comes from: data (the outcomes' score), complexity (routecli's "
        "complexity score of the prompt text) or length (its tokens); auto: data if the outcomes have scores, "
        "else complexity.",
    ),
]
FormatOption = Annotated[
    ReportFormat | None, typer.Option("--format", "-f", help=REPORT_FORMAT_HELP, show_default=False)
]


def tune(
    outcomes: OutcomesArgument,
    strategy: Annotated[
        StrategyChoice,
        typer.Option("--strategy", help="route (a router's score picks the model) or cascade (weak first)."),
    ] = StrategyChoice.route,
    quality_floor: Annotated[
        str | None,
        typer.Option(
            "--quality-floor",
            help="Lowest mean quality to keep: 0.95, or 95% of the strong model's.",
            show_default=False,
        ),
    ] = None,
    target_strong_share: Annotated[
        float | None,
        typer.Option(
            "--target-strong-share",
            min=0.0,
            max=1.0,
            help="Calibrate instead: the threshold sending this share of prompts to the strong model.",
            show_default=False,
        ),
    ] = None,
    weak: WeakOption = None,
    strong: StrongOption = None,
    score: ScoreOption = ScoreChoice.auto,
    holdout: Annotated[
        float | None,
        typer.Option(
            "--holdout",
            min=0.0,
            max=0.9,
            help="Tune on the other prompts, report on this share of them, with 95% bootstrap intervals.",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the holdout split and the bootstrap.")] = 0,
    cost: CostOption = None,
    pricing: PricingOption = None,
    write: Annotated[
        Path | None,
        typer.Option(
            "--write", help="Put the chosen threshold into this router config (comments kept).", show_default=False
        ),
    ] = None,
    chart: ChartOption = None,
    format: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Choose a threshold from logged outcomes: the cheapest that keeps quality at the floor.

    Sweeps every distinct threshold of a weak/strong pair and prints the
    cost–quality curve, the chosen threshold, its savings against the strong
    model alone and its strong-call share. route: prompts scoring at or above
    the threshold go to the strong model. cascade: the weak model answers, and
    answers less confident than the threshold go on to the strong one.

    \b
    Examples:
      routecli tune outcomes.jsonl --quality-floor 95%
      routecli tune outcomes.jsonl --strategy cascade --quality-floor 0.9 --holdout 0.3
      routecli tune mmlu/ --cost gpt-4-1106-preview=0.005 --cost mistralai/Mixtral-8x7B-Instruct-v0.1=0.0003 \\
          --score complexity --target-strong-share 0.3
    """
    from dataclasses import replace

    from routecli.errors import InvalidValueError
    from routecli.tune.threshold import Pair
    from routecli.tune.threshold import tune as run_tune

    if (quality_floor is None) == (target_strong_share is None):
        raise InvalidValueError("give --quality-floor or --target-strong-share (one of them)")
    floor, relative = (None, False) if quality_floor is None else _floor(quality_floor)
    check_outputs(inputs=(*outcomes, *(pricing or ())), outputs=(chart, output), format=format)
    if chart is not None:
        from routecli.render.charts import check_chart_path

        check_chart_path(chart)
    data = _read(outcomes, cost, pricing)
    weak_name, strong_name = _pair(data, weak, strong)
    chosen_score = _resolved(score.value, data, absent="data")  # data: its error says what to give instead
    target = None
    if write is not None:  # before the work: a config that cannot take the threshold fails fast
        from routecli.tune.write_back import check_target

        target = check_target(write, strategy.value, chosen_score, weak_name, strong_name)
    scorer = None
    if write is not None and chosen_score == "complexity":  # score as the config's router will
        from routecli.replay.config import load_router_config
        from routecli.replay.routing.complexity import ComplexityRouter

        configured = load_router_config(write, pricing or ()).router
        scorer = configured if isinstance(configured, ComplexityRouter) else None
    keys = _keys(data, strategy, chosen_score, weak_name, scorer)
    pair = Pair.of(data, weak_name, strong_name, keys)
    if holdout is not None and holdout <= 0:
        raise InvalidValueError("--holdout: expected a share above 0 (leave it out to tune on every prompt)")
    try:
        result = run_tune(
            strategy.value,
            pair,
            weak=weak_name,
            strong=strong_name,
            score=chosen_score if strategy is StrategyChoice.route else "confidence",
            floor=floor,
            floor_relative=relative,
            target_share=target_strong_share,
            holdout=holdout,
            seed=seed,
        )
    except ValueError as error:
        skipped = ", ".join(f"{reason} {count:,}" for reason, count in data.skipped.items())
        raise InvalidValueError(
            f"{data.source}: {error}" + (f" (rows skipped: {skipped})" if skipped else "")
        ) from None
    result = replace(result, floor_given=quality_floor, skipped=dict(data.skipped))

    from routecli.render import tune_report

    if chart is not None:
        from routecli.cli.options import save_chart

        save_chart(chart, lambda chosen: tune_report.tune_chart(result, chosen))
    emit(
        None if format is None else OutputFormat(format),
        output,
        table=lambda: tune_report.tune_renderable(result),
        json=lambda: tune_report.tune_json(result),
        markdown=lambda: tune_report.tune_markdown(result),
        csv=lambda: tune_report.tune_csv(result),
    )
    if result.chosen is None:
        import sys

        print(f"Error: {tune_report.unreached(result)}", file=sys.stderr)
        raise typer.Exit(1)
    if write is not None and target is not None:
        from routecli.tune.write_back import write_threshold

        write_threshold(write, target, result, pricing or ())


def _floor(text: str) -> tuple[float, bool]:
    """``0.95`` (absolute) or ``95%`` (of the strong model's quality)."""
    from decimal import Decimal, InvalidOperation

    from routecli.errors import InvalidValueError

    relative = text.strip().endswith("%")
    try:
        value = float(Decimal(text.strip().removesuffix("%")))
    except InvalidOperation:
        raise InvalidValueError(f"--quality-floor: expected a number like 0.95 or 95%, got {text!r}") from None
    if relative:
        if not 0 <= value <= 100:
            raise InvalidValueError(f"--quality-floor: a share of the strong model's quality is 0% to 100%, got {text}")
        return value / 100, True
    if not 0 <= value <= 1:
        raise InvalidValueError(f"--quality-floor: expected a quality from 0 to 1 (or a share like 95%), got {text}")
    return value, False


def _read(paths: list[Path], cost: list[str] | None, pricing: list[Path] | None) -> Outcomes:
    from decimal import Decimal, InvalidOperation

    from routecli.errors import InvalidValueError
    from routecli.pricing.price_files import load_price_files
    from routecli.tune.readers import read_outcomes

    costs: dict[str, Decimal] = {}
    for item in cost or ():
        model, equals, usd = item.rpartition("=")
        try:
            value = Decimal(usd)
        except InvalidOperation:
            value = Decimal(-1)
        if not equals or not model or not value.is_finite() or value < 0:
            raise InvalidValueError(f"--cost: expected MODEL=USD per prompt, like gpt-4o=0.0042; got {item!r}")
        costs[model] = value
    return read_outcomes(paths, costs=costs, table=load_price_files(pricing or ()))


def _pair(data: Outcomes, weak: str | None, strong: str | None) -> tuple[str, str]:
    from routecli.errors import InvalidValueError
    from routecli.tune.threshold import default_pair

    try:
        default_weak, default_strong = default_pair(data)
        chosen = (weak or default_weak, strong or default_strong)
        for name, option in zip(chosen, ("--weak", "--strong"), strict=True):
            try:
                data.column(name)
            except KeyError as error:
                raise InvalidValueError(f"{option}: {error.args[0]}") from None
    except ValueError as error:
        raise InvalidValueError(f"{data.source}: {error}") from None
    if chosen[0] == chosen[1]:
        if weak is None or strong is None:  # the default collided with the one given
            others = [model for model in data.models if model != chosen[1]]
            cheapest = min(others, key=lambda model: float(data.total_cost()[data.column(model)]))
            chosen = (cheapest, chosen[1]) if weak is None else (chosen[0], _best(data, others))
        else:
            raise InvalidValueError(f"--weak and --strong are both {weak}")
    return chosen


def _resolved(score: str, data: Outcomes, absent: str) -> str:
    """``auto``: the outcomes' own scores when they have them, else the complexity of their texts, else ``absent``."""
    if score != "auto":
        return score
    return "data" if data.score is not None else "complexity" if data.texts is not None else absent


def _best(data: Outcomes, models: list[str]) -> str:
    """The best of ``models`` on average (ties: the cheaper), as the default strong model is chosen."""
    quality, cost = data.mean_quality(), data.total_cost()
    return min(models, key=lambda model: (-quality[data.column(model)], cost[data.column(model)]))


def _keys(
    data: Outcomes, strategy: str, score: str, weak: str, scorer: ComplexityRouter | None = None
) -> NDArray[np.float64]:
    """What prompts are sorted by: the router's scores (route) or the weak answers' confidence (cascade)."""
    import numpy as np

    from routecli.errors import InvalidValueError

    if strategy == "cascade":
        confidence = None if data.confidence is None else data.confidence[:, data.column(weak)]
        if confidence is None or np.isnan(confidence).all():
            raise InvalidValueError(
                f"{data.source}: --strategy cascade needs the weak model's confidence per answer "
                f"(outcomes JSONL 'confidence', e.g. from replay --all-tiers); {weak}'s answers have none"
            )
        if np.isnan(confidence).any():
            missing = np.flatnonzero(np.isnan(confidence))
            raise InvalidValueError(
                f"{data.source}: {len(missing):,} of {weak}'s answers have no confidence "
                f"(the first: prompt {data.ids[missing[0]]})"
            )
        return confidence
    if score == "data":
        if data.score is None or np.isnan(data.score).any():
            missing = np.arange(data.prompts) if data.score is None else np.flatnonzero(np.isnan(data.score))
            first = f" (the first: prompt {data.ids[missing[0]]})" if len(missing) < data.prompts else ""
            raise InvalidValueError(
                f"{data.source}: no router score for every prompt: {len(missing):,} of {data.prompts:,} have none"
                f"{first}; use --score complexity or --score length to score the prompt texts"
            )
        return data.score
    if data.texts is None:
        raise InvalidValueError(f"{data.source}: --score {score} reads the prompt texts, which these outcomes lack")
    return _text_scores(data.texts, score, scorer)


def _text_scores(texts: tuple[str, ...], score: str, scorer: ComplexityRouter | None) -> NDArray[np.float64]:
    """Each text's tokens (``length``) or complexity score: by ``scorer`` (a config's router, its weights and
    length_tokens) or with the default weights."""
    import numpy as np

    from routecli.replay.routing import ROUTER_ENCODING
    from routecli.replay.routing.complexity import ComplexityRouter
    from routecli.replay.tokens import counts_ahead

    counted = [count for chunk in counts_ahead(texts, ROUTER_ENCODING) for count in chunk]
    if score == "length":
        return np.asarray(counted, dtype=np.float64)
    router = scorer or ComplexityRouter([("scored", 0.0)])
    return np.fromiter(
        (router.score(router.text_features(text, tokens)) for text, tokens in zip(texts, counted, strict=True)),
        dtype=np.float64,
        count=len(texts),
    )


def evaluate(
    outcomes: OutcomesArgument,
    weak: WeakOption = None,
    strong: StrongOption = None,
    score: Annotated[
        RouterScore,
        typer.Option(
            "--score",
            help="The router to judge: data (the outcomes' score), complexity (routecli's complexity score of the "
            "prompt text), length (its tokens), none; auto: data if the outcomes have scores, else complexity if "
            "they have texts, else none.",
        ),
    ] = RouterScore.auto,
    chain: Annotated[
        str | None,
        typer.Option(
            "--chain",
            help="Cascade models, comma-separated, cheapest first [default: all, by cost].",
            show_default=False,
        ),
    ] = None,
    judge_error: Annotated[
        list[float] | None,
        typer.Option(
            "--judge-error",
            min=0.0,
            max=1.0,
            help="Error rate of the cascades' simulated judge; repeat for several [default: 0, 0.1, 0.2].",
            show_default=False,
        ),
    ] = None,
    cost: CostOption = None,
    pricing: PricingOption = None,
    chart: ChartOption = None,
    format: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Judge routing on logged outcomes: each model alone, the oracle, random routing, judged cascades, and a
    router's AIQ, APGR and CPT(50%)/CPT(80%) (docs/metrics.md).

    \b
    Examples:
      routecli evaluate outcomes.jsonl
      routecli evaluate mmlu/ --cost gpt-4-1106-preview=0.005 --cost mistralai/Mixtral-8x7B-Instruct-v0.1=0.0003
      routecli evaluate arc_challenge_test.csv --format json -o evaluation.json
    """
    from routecli.errors import InvalidValueError
    from routecli.tune.evaluate import DEFAULT_EPSILONS
    from routecli.tune.evaluate import evaluate as run_evaluate

    check_outputs(inputs=(*outcomes, *(pricing or ())), outputs=(chart, output), format=format)
    if chart is not None:
        from routecli.render.charts import check_chart_path

        check_chart_path(chart)
    data = _read(outcomes, cost, pricing)
    weak_name, strong_name = _pair(data, weak, strong)
    chosen_score = _resolved(score.value, data, absent="none")
    keys = None if chosen_score == "none" else _keys(data, "route", chosen_score, weak_name)
    if keys is None:
        from dataclasses import replace

        data = replace(data, score=None)  # --score none: no router, even where the outcomes have scores
    models = None if chain is None else tuple(name.strip() for name in chain.split(",") if name.strip())
    try:
        result = run_evaluate(
            data,
            pair=(weak_name, strong_name),
            keys=keys,
            chain=models,
            epsilons=tuple(judge_error) if judge_error else DEFAULT_EPSILONS,
        )
    except KeyError as error:
        raise InvalidValueError(f"--chain: {error.args[0]}") from None
    except ValueError as error:
        raise InvalidValueError(f"{data.source}: {error}") from None

    from routecli.render import evaluate_report

    report = evaluate_report.Report(result, None if keys is None else chosen_score, dict(data.skipped))
    if chart is not None:
        from routecli.cli.options import save_chart

        save_chart(chart, lambda chosen: evaluate_report.evaluate_chart(report, chosen))
    emit(
        None if format is None else OutputFormat(format),
        output,
        table=lambda: evaluate_report.evaluate_renderable(report),
        json=lambda: evaluate_report.evaluate_json(report),
        markdown=lambda: evaluate_report.evaluate_markdown(report),
        csv=lambda: evaluate_report.evaluate_csv(report),
    )


def register(app: typer.Typer) -> None:
    app.command("tune")(tune)
    app.command("evaluate")(evaluate)
