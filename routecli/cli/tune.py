"""``routecli tune`` and ``routecli evaluate``: thresholds and router metrics from logged outcomes."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from routecli.cli.options import ChartOption, OutputOption, PricingOption, monthly_volume
from routecli.cli.output import REPORT_FORMAT_HELP, OutputFormat, ReportFormat, check_outputs, emit

if TYPE_CHECKING:
    from routecli.tune.measured_scenario import MeasuredScenario
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


_MAX_HOLDOUT = 0.9
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


WriteScenarioOption = Annotated[
    Path | None,
    typer.Option(
        "--write-scenario",
        metavar="OUT.yaml",
        help="Write the chosen threshold's measured quality, strong-call share and costs as a scenario "
        "(docs/tune.md): routecli simulate prices it at --requests-per-month.",
        show_default=False,
    ),
]
VolumeOption = Annotated[
    Decimal | None,
    typer.Option(
        "--requests-per-month",
        parser=monthly_volume,
        metavar="N",
        help="The written scenario's volume: 3000000, 3M, 100k/day [default: the outcomes' prompt count].",
        show_default=False,
    ),
]
TuneFormatOption = Annotated[
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
            metavar="SHARE",
            help="Lowest mean quality to keep, absolute: 0.95 or 95% (the same).",
            show_default=False,
        ),
    ] = None,
    relative_floor: Annotated[
        str | None,
        typer.Option(
            "--relative-floor",
            metavar="SHARE",
            help="Lowest mean quality to keep, as a share of the strong model's: 95% or 0.95.",
            show_default=False,
        ),
    ] = None,
    target_strong_share: Annotated[
        str | None,
        typer.Option(
            "--target-strong-share",
            metavar="SHARE",
            help="Calibrate instead: the threshold sending this share of prompts to the strong model (0.3 or 30%).",
            show_default=False,
        ),
    ] = None,
    weak: WeakOption = None,
    strong: StrongOption = None,
    score: ScoreOption = ScoreChoice.auto,
    holdout: Annotated[
        str | None,
        typer.Option(
            "--holdout",
            metavar="SHARE",
            help="Tune on the other prompts, report on this share of them (at most 0.9), with 95% bootstrap intervals.",
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
    write_scenario: WriteScenarioOption = None,
    requests_per_month: VolumeOption = None,
    chart: ChartOption = None,
    format: TuneFormatOption = None,
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
      routecli tune outcomes.jsonl --quality-floor 0.9
      routecli tune outcomes.jsonl --relative-floor 95%
      routecli tune outcomes.jsonl --strategy cascade --quality-floor 90% --holdout 30%
      routecli tune mmlu/ --cost gpt-4-1106-preview=0.005 --cost mistralai/Mixtral-8x7B-Instruct-v0.1=0.0003 \\
          --score complexity --target-strong-share 0.3
      routecli tune outcomes.jsonl --quality-floor 0.9 --write-scenario tuned.yaml --requests-per-month 3M
    """
    from routecli.errors import EXIT_FAILED, InvalidValueError
    from routecli.spec import share_from_text
    from routecli.tune.choice import choose_tune, tune_outcomes

    held = None if holdout is None else share_from_text(holdout, "--holdout")
    if held is not None and held > _MAX_HOLDOUT:
        raise InvalidValueError(f"--holdout: expected a share of at most 0.9 (90%), got {holdout}")
    goals = {
        "--quality-floor": quality_floor,
        "--relative-floor": relative_floor,
        "--target-strong-share": target_strong_share,
    }
    given = [(flag, text) for flag, text in goals.items() if text is not None]
    if len(given) != 1:
        raise InvalidValueError("give one of --quality-floor, --relative-floor or --target-strong-share")
    flag, written = given[0]
    goal = float(share_from_text(written, flag, "a share" if flag == "--target-strong-share" else "a quality"))
    _check_volume(write_scenario, requests_per_month)
    check_outputs(inputs=(*outcomes, *(pricing or ())), outputs=(chart, output, write_scenario), format=format)
    if chart is not None:
        from routecli.render.charts import check_chart_path

        check_chart_path(chart)
    data = _read(outcomes, cost, pricing)
    choice = choose_tune(data, strategy.value, weak, strong, score.value)
    target = scorer = None
    if write is not None:  # before the work: a config that cannot take the threshold fails fast
        from routecli.tune.write_back import check_target, config_scorer

        target = check_target(write, choice.strategy, choice.score, choice.weak, choice.strong)
        scorer = config_scorer(write, choice.score, pricing or ())
    result = tune_outcomes(
        data,
        choice,
        floor=None if flag == "--target-strong-share" else goal,
        floor_relative=flag == "--relative-floor",
        floor_given=None if flag == "--target-strong-share" else written,
        target_share=goal if flag == "--target-strong-share" else None,
        holdout=None if held is None else float(held),
        seed=seed,
        scorer=scorer,
    )

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
        raise typer.Exit(EXIT_FAILED)
    if write is not None and target is not None:
        from routecli.tune.write_back import write_threshold

        write_threshold(write, target, result, pricing or ())
    if write_scenario is not None:
        from routecli.tune.measured_scenario import tuned_scenario

        measured = tuned_scenario(data, choice, result, requests_per_month, scorer)
        if measured is not None:
            _write_scenario(measured, write_scenario, "tune")


def _check_volume(write_scenario: Path | None, requests_per_month: Decimal | None) -> None:
    from routecli.errors import InvalidValueError

    if requests_per_month is not None and write_scenario is None:
        raise InvalidValueError("--requests-per-month is the volume of --write-scenario's scenario: give it too")


def _write_scenario(measured: MeasuredScenario, path: Path, command: str) -> None:
    """The measured threshold as a scenario file (``Wrote PATH`` on stderr)."""
    from routecli.cli.output import write_text
    from routecli.render.tune_scenario import measured_scenario_yaml

    write_text(measured_scenario_yaml(measured, f"routecli {command} --write-scenario"), path)


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
        list[str] | None,
        typer.Option(
            "--judge-error",
            metavar="SHARE",
            help="Error rate of the cascades' simulated judge; repeat for several [default: 0, 0.1, 0.2].",
            show_default=False,
        ),
    ] = None,
    cost: CostOption = None,
    pricing: PricingOption = None,
    write_scenario: Annotated[
        Path | None,
        typer.Option(
            "--write-scenario",
            metavar="OUT.yaml",
            help="Write the router's threshold at its CPT(50%) point (the first recovering half the quality gap) "
            "as a scenario: its measured quality, strong-call share and costs beside the strong model alone.",
            show_default=False,
        ),
    ] = None,
    requests_per_month: VolumeOption = None,
    chart: ChartOption = None,
    format: TuneFormatOption = None,
    output: OutputOption = None,
) -> None:
    """Judge routing on logged outcomes: each model alone, the oracle, random routing, judged cascades, and a
    router's AIQ, APGR and CPT(50%)/CPT(80%) (docs/metrics.md).

    \b
    Examples:
      routecli evaluate outcomes.jsonl
      routecli evaluate mmlu/ --cost gpt-4-1106-preview=0.005 --cost mistralai/Mixtral-8x7B-Instruct-v0.1=0.0003
      routecli evaluate arc_challenge_test.csv --format json -o evaluation.json
      routecli evaluate outcomes.jsonl --write-scenario router.yaml --requests-per-month 100k/day
    """
    from routecli.spec import share_from_text
    from routecli.tune.choice import evaluate_outcomes
    from routecli.tune.evaluate import DEFAULT_EPSILONS

    epsilons = tuple(float(share_from_text(text, "--judge-error", "an error rate")) for text in judge_error or ())
    _check_volume(write_scenario, requests_per_month)
    check_outputs(inputs=(*outcomes, *(pricing or ())), outputs=(chart, output, write_scenario), format=format)
    if chart is not None:
        from routecli.render.charts import check_chart_path

        check_chart_path(chart)
    data = _read(outcomes, cost, pricing)
    result = evaluate_outcomes(
        data,
        weak=weak,
        strong=strong,
        score=score.value,
        chain=None if chain is None else tuple(name.strip() for name in chain.split(",") if name.strip()),
        epsilons=epsilons or DEFAULT_EPSILONS,
    )

    measured = None
    if write_scenario is not None:  # before any output: outcomes without a router have no threshold to write
        from routecli.tune.measured_scenario import evaluated_scenario

        measured = evaluated_scenario(data, result, requests_per_month)

    from routecli.render import evaluate_report

    if chart is not None:
        from routecli.cli.options import save_chart

        save_chart(chart, lambda chosen: evaluate_report.evaluate_chart(result, chosen))
    emit(
        None if format is None else OutputFormat(format),
        output,
        table=lambda: evaluate_report.evaluate_renderable(result),
        json=lambda: evaluate_report.evaluate_json(result),
        markdown=lambda: evaluate_report.evaluate_markdown(result),
        csv=lambda: evaluate_report.evaluate_csv(result),
    )
    if measured is not None and write_scenario is not None:
        _write_scenario(measured, write_scenario, "evaluate")


def register(app: typer.Typer) -> None:
    app.command("tune")(tune)
    app.command("evaluate")(evaluate)
