"""``routecli tune`` and ``routecli evaluate``: thresholds and router metrics from logged outcomes."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from routecli.cli.options import ChartOption, OutputOption, PricingOption, monthly_volume
from routecli.cli.output import REPORT_FORMAT_HELP, OutputFormat, ReportFormat, check_outputs, emit

if TYPE_CHECKING:
    from collections.abc import Callable
    from decimal import Decimal

    from routecli.tune.choice import ScoreSource
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


class CompatChoice(StrEnum):
    """Whose published evaluation ``evaluate --compat`` reproduces beside routecli's figures."""

    routellm = "routellm"
    routerbench = "routerbench"


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
    target_shares: Annotated[
        str | None,
        typer.Option(
            "--target-shares",
            metavar="SHARES",
            help="With --tiers: calibrate to these shares of prompts per tier, in order (60%,30%,10%).",
            show_default=False,
        ),
    ] = None,
    weak: WeakOption = None,
    strong: StrongOption = None,
    chain: Annotated[
        str | None,
        typer.Option(
            "--chain",
            metavar="A,B,C",
            help="With --strategy cascade: the chain, cheapest first; three tiers or more get a confidence threshold "
            "per hop.",
            show_default=False,
        ),
    ] = None,
    tiers: Annotated[
        str | None,
        typer.Option(
            "--tiers",
            metavar="A,B,C",
            help="Route over these tiers, cheapest first: one threshold between each two (instead of --weak/--strong).",
            show_default=False,
        ),
    ] = None,
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
    model alone and its strong-call share; --tiers (a route over three or more
    tiers) and --chain (a cascade of three or more) choose a threshold per band
    or hop. route: prompts scoring at or above the threshold go to the strong
    model. cascade: the weak model answers, and answers less confident than the
    threshold go on to the strong one.

    \b
    Examples:
      routecli tune outcomes.jsonl --quality-floor 0.9
      routecli tune outcomes.jsonl --relative-floor 95%
      routecli tune outcomes.jsonl --strategy cascade --quality-floor 90% --holdout 30%
      routecli tune outcomes.jsonl --tiers small,medium,large --relative-floor 95%
      routecli tune outcomes.jsonl --strategy cascade --chain small,medium,large --quality-floor 0.9
      routecli tune mmlu/ --cost gpt-4-1106-preview=0.005 --cost mistralai/Mixtral-8x7B-Instruct-v0.1=0.0003 \\
          --score complexity --target-strong-share 0.3
      routecli tune outcomes.jsonl --quality-floor 0.9 --write-scenario tuned.yaml --requests-per-month 3M
    """
    from routecli.errors import InvalidValueError
    from routecli.spec import share_from_text
    from routecli.tune.choice import choose_tune, tune_outcomes

    held = None if holdout is None else share_from_text(holdout, "--holdout")
    if held is not None and held > _MAX_HOLDOUT:
        raise InvalidValueError(f"--holdout: expected a share of at most 0.9 (90%), got {holdout}")
    goals = {
        "--quality-floor": quality_floor,
        "--relative-floor": relative_floor,
        "--target-strong-share": target_strong_share,
        "--target-shares": target_shares,
    }
    given = [(flag, text) for flag, text in goals.items() if text is not None]
    if len(given) != 1:
        raise InvalidValueError(
            "give one of --quality-floor, --relative-floor, --target-strong-share or --target-shares"
        )
    flag, written = given[0]
    named = None if tiers is None else [name.strip() for name in tiers.split(",") if name.strip()]
    if named is not None and (weak is not None or strong is not None):
        raise InvalidValueError("--tiers names every tier, cheapest first: leave out --weak and --strong")
    if named is not None and strategy is StrategyChoice.cascade:
        raise InvalidValueError("--tiers is for --strategy route; a cascade's models are its --chain")
    hops = None if chain is None else [name.strip() for name in chain.split(",") if name.strip()]
    if hops is not None:
        _check_chain(hops, strategy, weak, strong, flag)
        named = hops
    if flag == "--target-shares":
        if named is None or len(named) < 3:  # two tiers have --target-strong-share
            raise InvalidValueError(
                "--target-shares: give --tiers with three or more tiers (for two, --target-strong-share)"
            )
        shares = _shares(written)
    goal = (
        0.0
        if flag == "--target-shares"
        else float(share_from_text(written, flag, "a share" if flag == "--target-strong-share" else "a quality"))
    )
    if named is not None and write_scenario is not None:
        raise InvalidValueError(
            "--write-scenario writes a two-model route or cascade; for --tiers or --chain, price the chosen "
            "thresholds with routecli replay and routecli calibrate"
        )
    _check_volume(write_scenario, requests_per_month)
    check_outputs(inputs=(*outcomes, *(pricing or ())), outputs=(chart, output, write_scenario), format=format)
    if chart is not None:
        from routecli.render.charts import check_chart_path

        check_chart_path(chart)
    data = _read(outcomes, cost, pricing)
    if named is not None:
        from routecli.tune.choice import check_tiers

        checked = check_tiers(data, named, "--tiers" if hops is None else "--chain")
        if len(checked) > 2:  # two tiers are a weak/strong pair, as ever
            _tune_tiers(
                data,
                strategy.value,
                checked,
                score.value,
                flag,
                written,
                shares if flag == "--target-shares" else None,
                held,
                seed,
                write,
                pricing,
                chart,
                format,
                output,
            )
            return
        weak, strong = checked
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

    _show(
        result,
        chart,
        format,
        output,
        chart_of=tune_report.tune_chart,
        table=tune_report.tune_renderable,
        json=tune_report.tune_json,
        markdown=tune_report.tune_markdown,
        csv=tune_report.tune_csv,
        unreached=tune_report.unreached,
    )
    if write is not None and target is not None:
        from routecli.tune.write_back import write_threshold

        write_threshold(write, target, result, pricing or ())
    if write_scenario is not None:
        from routecli.tune.measured_scenario import tuned_scenario

        measured = tuned_scenario(data, choice, result, requests_per_month, scorer)
        if measured is not None:
            _write_scenario(measured, write_scenario, "tune")


def _show(
    result: Any,
    chart: Path | None,
    format: ReportFormat | None,
    output: Path | None,
    *,
    chart_of: Callable[[Any, Any], Any],
    table: Callable[[Any], Any],
    json: Callable[[Any], str],
    markdown: Callable[[Any], str],
    csv: Callable[[Any], str],
    unreached: Callable[[Any], str],
) -> None:
    """A tune result in the chosen format (and its chart); exit 1 when no threshold reached the goal."""
    from routecli.errors import EXIT_FAILED

    if chart is not None:
        from routecli.cli.options import save_chart

        save_chart(chart, lambda chosen: chart_of(result, chosen))
    emit(
        None if format is None else OutputFormat(format),
        output,
        table=lambda: table(result),
        json=lambda: json(result),
        markdown=lambda: markdown(result),
        csv=lambda: csv(result),
    )
    if result.chosen is None:
        import sys

        print(f"Error: {unreached(result)}", file=sys.stderr)
        raise typer.Exit(EXIT_FAILED)


def _check_volume(write_scenario: Path | None, requests_per_month: Decimal | None) -> None:
    from routecli.errors import InvalidValueError

    if requests_per_month is not None and write_scenario is None:
        raise InvalidValueError("--requests-per-month is the volume of --write-scenario's scenario: give it too")


def _write_scenario(measured: MeasuredScenario, path: Path, command: str) -> None:
    """The measured threshold as a scenario file (``Wrote PATH`` on stderr)."""
    from routecli.cli.output import write_text
    from routecli.render.tune_scenario import measured_scenario_yaml

    write_text(measured_scenario_yaml(measured, f"routecli {command} --write-scenario"), path)


def _shares(written: str) -> tuple[float, ...]:
    """``--target-shares 60%,30%,10%``: one share per tier, adding up to 1."""
    from routecli.errors import InvalidValueError
    from routecli.spec import share_from_text

    shares = tuple(float(share_from_text(part, "--target-shares")) for part in written.split(","))
    if abs(sum(shares) - 1) > 1e-9:  # float rounding of the shares as typed
        raise InvalidValueError(f"--target-shares: the shares add up to {sum(shares):.4g}, not 1 (100%)")
    return shares


def _check_chain(hops: list[str], strategy: StrategyChoice, weak: str | None, strong: str | None, flag: str) -> None:
    """``--chain`` with what it goes with: a cascade, no --weak/--strong, and a floor for three tiers or more."""
    from routecli.errors import InvalidValueError

    if strategy is not StrategyChoice.cascade:
        raise InvalidValueError("--chain is for --strategy cascade; a route's tiers are --tiers")
    if weak is not None or strong is not None:
        raise InvalidValueError("--chain names every tier, cheapest first: leave out --weak and --strong")
    if len(hops) >= 3 and flag.startswith("--target"):
        raise InvalidValueError(
            f"{flag}: a cascade of {len(hops)} tiers is tuned for a floor: give --quality-floor or --relative-floor"
        )


def _tune_tiers(
    data: Outcomes,
    strategy: str,
    tiers: tuple[str, ...],
    score: ScoreSource,
    flag: str,
    written: str,
    shares: tuple[float, ...] | None,
    held: Decimal | None,
    seed: int,
    write: Path | None,
    pricing: list[Path] | None,
    chart: Path | None,
    format: ReportFormat | None,
    output: Path | None,
) -> None:
    """``tune --tiers`` with three or more tiers: N−1 thresholds on one score; ``tune --strategy cascade --chain``
    with three or more: a confidence threshold per hop."""
    from routecli.spec import share_from_text
    from routecli.tune.choice import resolve_score, tune_tiered_outcomes

    floor = None if shares is not None else float(share_from_text(written, flag, "a quality"))
    target = None
    if strategy == "cascade":
        from routecli.tune.choice import tune_cascade_outcomes

        if write is not None:  # before the work: a config that cannot take the thresholds fails fast
            from routecli.tune.write_back import check_hops_target

            check_hops_target(write, tiers)
        assert floor is not None  # _check_chain: a floor
        result = tune_cascade_outcomes(
            data,
            tiers,
            floor=floor,
            floor_relative=flag == "--relative-floor",
            floor_given=written,
            holdout=None if held is None else float(held),
            seed=seed,
        )
    else:
        source = resolve_score(score, data, absent="data")
        scorer = None
        if write is not None:  # before the work: a config that cannot take the thresholds fails fast
            from routecli.tune.write_back import check_tiers_target, config_scorer

            target = check_tiers_target(write, tiers, source)
            scorer = config_scorer(write, source, pricing or ())
        result = tune_tiered_outcomes(
            data,
            tiers,
            source,
            floor=floor,
            floor_relative=flag == "--relative-floor",
            floor_given=None if shares is not None else written,
            target_shares=shares,
            holdout=None if held is None else float(held),
            seed=seed,
            scorer=scorer,
        )

    from routecli.render import tune_report

    _show(
        result,
        chart,
        format,
        output,
        chart_of=tune_report.tiered_chart,
        table=tune_report.tiered_renderable,
        json=tune_report.tiered_json,
        markdown=tune_report.tiered_markdown,
        csv=tune_report.tiered_csv,
        unreached=tune_report.tiered_unreached,
    )
    if write is not None and strategy == "cascade":
        from routecli.tune.write_back import write_hops

        write_hops(write, result, pricing or ())
    elif write is not None and target is not None:
        from routecli.tune.write_back import write_thresholds

        write_thresholds(write, target, result, pricing or ())


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
    tiers: Annotated[
        str | None,
        typer.Option(
            "--tiers",
            help="The N-tier router's models, comma-separated (ordered by cost whatever the order given) "
            "[default: the models' Pareto frontier, when it has three or more].",
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
    compat: Annotated[
        CompatChoice | None,
        typer.Option(
            "--compat",
            help="Also give the figures of a published evaluation's own code, beside routecli's exact ones: "
            "routellm (ten qcut bins of the score, APGR and CPT over their eleven points, a seeded random router) "
            "or routerbench (calc_AIQ, the oracle charging 0 for unsolved prompts, the cascade by list price).",
            show_default=False,
        ),
    ] = None,
    exclude: Annotated[
        Path | None,
        typer.Option(
            "--exclude",
            metavar="FILE",
            help="Leave out the prompts whose ids this file lists, one a line (RouteLLM drops contaminated "
            "prompts so: docs/outcomes.md).",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of --compat routellm's random router.")] = 0,
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
      routecli evaluate gsm8k_responses.csv --cost gpt-4-1106-preview=0.005 \\
          --cost mistralai/Mixtral-8x7B-Instruct-v0.1=0.0003 --compat routellm --exclude contaminated.txt
      routecli evaluate outcomes.jsonl --write-scenario scenario.yaml --requests-per-month 100k/day
    """
    from routecli.spec import share_from_text
    from routecli.tune.choice import evaluate_outcomes
    from routecli.tune.evaluate import DEFAULT_EPSILONS

    epsilons = tuple(float(share_from_text(text, "--judge-error", "an error rate")) for text in judge_error or ())
    _check_volume(write_scenario, requests_per_month)
    check_outputs(
        inputs=(*outcomes, *(pricing or ()), *((exclude,) if exclude else ())),
        outputs=(chart, output, write_scenario),
        format=format,
    )
    if chart is not None:
        from routecli.render.charts import check_chart_path

        check_chart_path(chart)
    exclusions = None
    if exclude is not None:
        from routecli.tune.exclusions import read_exclusions

        exclusions = read_exclusions(exclude)
    data = _read(outcomes, cost, pricing)
    result = evaluate_outcomes(
        data,
        weak=weak,
        strong=strong,
        score=score.value,
        chain=_names(chain),
        epsilons=epsilons or DEFAULT_EPSILONS,
        compat="routecli" if compat is None else compat.value,
        seed=seed,
        exclusions=exclusions,
        tiers=_names(tiers),
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


def _names(text: str | None) -> tuple[str, ...] | None:
    """Comma-separated model names (``--chain``, ``--tiers``), blanks dropped."""
    return None if text is None else tuple(name.strip() for name in text.split(",") if name.strip())


def register(app: typer.Typer) -> None:
    app.command("tune")(tune)
    app.command("evaluate")(evaluate)
