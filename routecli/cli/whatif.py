"""``routecli sweep`` and ``routecli breakeven``: how results move as one or two of a scenario's numbers do."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from routecli.cli.output import emit
from routecli.cli.simulate import ChartOption, FormatOption, OutputOption, PricingOption

if TYPE_CHECKING:
    from decimal import Decimal

    from rich.console import RenderableType

__all__ = ["register"]

ScenarioArgument = Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False, metavar="SCENARIO")]
PATH_HELP = (
    "Key path of a number in the scenario; list items by name, e.g. strategies.cascade.accept.light, "
    "strategies.routed.router.accuracy, traffic.segments.simple.share."
)


def sweep(
    scenario: ScenarioArgument,
    vary: Annotated[
        list[str],
        typer.Option(
            "--vary",
            help="PATH=START:STOP:STEP (STOP included) or PATH=V1,V2,...; give it twice for a grid. " + PATH_HELP,
            show_default=False,
        ),
    ],
    strategy: Annotated[
        list[str] | None,
        typer.Option(
            "--strategy",
            "-s",
            help="Strategy a two-parameter grid and heatmap show; repeat for several "
            "[default: the one the paths name, else all but the baseline].",
            show_default=False,
        ),
    ] = None,
    pricing: PricingOption = None,
    chart: ChartOption = None,
    format: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Simulate SCENARIO for each value of one or two parameters: cost, savings and quality per value.

    A segment's share rescales the other segments' shares so all still sum to 1.
    One parameter gives a table per value (and a line chart); two give a grid per
    strategy (and heatmaps).

    \b
    Examples:
      routecli sweep scenarios/example.yaml --vary strategies.cascade.accept.light=0.5:1.0:0.05
      routecli sweep scenarios/example.yaml --vary strategies.routed.router.accuracy=0.6:1.0:0.05 --chart sweep.svg
      routecli sweep scenarios/example.yaml --vary traffic.segments.simple.share=0.4:0.9:0.1 \\
          --vary strategies.routed.router.accuracy=0.7:1.0:0.1 --output grid.csv
    """
    from routecli.render.sweep_report import sweep_csv, sweep_json, sweep_markdown
    from routecli.simulate.scenario_file import read_scenario
    from routecli.simulate.sweep import parse_values, run_sweep

    if chart is not None:
        from routecli.render.charts import check_chart_path

        check_chart_path(chart)
    source = read_scenario(scenario, pricing or ())
    result = run_sweep(source, [parse_values(spec) for spec in vary], strategy or ())
    if chart is not None:
        from routecli.cli.options import save_chart
        from routecli.render.charts import sweep_chart

        save_chart(chart, lambda kind: sweep_chart(result, kind))

    def table() -> RenderableType:
        from routecli.render.terminal import sweep_renderable

        return sweep_renderable(result)

    def html() -> str:
        from routecli.render.html import sweep_html

        return sweep_html(result)

    emit(
        format,
        output,
        table=table,
        json=lambda: sweep_json(result),
        markdown=lambda: sweep_markdown(result),
        csv=lambda: sweep_csv(result),
        html=html,
    )


def _range(text: str | None) -> tuple[Decimal, Decimal] | None:
    if text is None:
        return None
    from decimal import Decimal, InvalidOperation

    from routecli.errors import InvalidValueError

    low, sep, high = text.partition(":")
    try:
        if not sep:
            raise InvalidOperation
        ends = Decimal(low), Decimal(high)
        if not all(end.is_finite() for end in ends):
            raise InvalidOperation
        return ends
    except InvalidOperation:
        raise InvalidValueError(f"--range {text!r}: expected LOW:HIGH, e.g. 0:1") from None


def breakeven(
    scenario: ScenarioArgument,
    strategy: Annotated[str, typer.Option("--strategy", "-s", help="The strategy to solve for.", show_default=False)],
    param: Annotated[
        str, typer.Option("--param", "-p", help="The number to solve for. " + PATH_HELP, show_default=False)
    ],
    against: Annotated[
        str | None,
        typer.Option("--against", "-a", help="Solve for equal monthly cost with this strategy.", show_default=False),
    ] = None,
    quality_floor: Annotated[
        float | None,
        typer.Option(
            "--quality-floor", "-q", help="Solve for STRATEGY's quality reaching this floor (0-1).", show_default=False
        ),
    ] = None,
    value_range: Annotated[
        str | None,
        typer.Option(
            "--range",
            help="LOW:HIGH to search [default: 0:1 for shares and probabilities, else 0 to 10 × the current value].",
            show_default=False,
        ),
    ] = None,
    pricing: PricingOption = None,
    format: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """The value of a parameter at which STRATEGY costs the same as another, or meets a quality floor.

    Exact where the cost is linear in the parameter (acceptance, router accuracy,
    shares, prices); found by search elsewhere. Says so when there is no such
    value in the range.

    \b
    Examples:
      routecli breakeven scenarios/example.yaml --strategy cascade --against all-heavy \\
          --param strategies.cascade.accept.light
      routecli breakeven scenarios/support-chatbot.yaml --strategy routed --quality-floor 0.95 \\
          --param strategies.routed.router.accuracy
    """
    from decimal import Decimal

    from routecli.render.sweep_report import breakeven_csv, breakeven_json, breakeven_markdown
    from routecli.simulate.breakeven import find_breakeven
    from routecli.simulate.scenario_file import read_scenario

    if quality_floor is not None and not 0 <= quality_floor <= 1:  # NaN fails both comparisons
        from routecli.errors import InvalidValueError

        raise InvalidValueError(f"--quality-floor: expected a quality from 0 to 1, got {quality_floor}")
    source = read_scenario(scenario, pricing or ())
    found = find_breakeven(
        source,
        strategy,
        param,
        against=against,
        quality_floor=None if quality_floor is None else Decimal(str(quality_floor)),
        value_range=_range(value_range),
    )

    def table() -> RenderableType:
        from routecli.render.terminal import breakeven_renderable

        return breakeven_renderable(found)

    def html() -> str:
        from routecli.render.html import breakeven_html

        return breakeven_html(found)

    emit(
        format,
        output,
        table=table,
        json=lambda: breakeven_json(found),
        markdown=lambda: breakeven_markdown(found),
        csv=lambda: breakeven_csv(found),
        html=html,
    )


def register(app: typer.Typer) -> None:
    app.command()(sweep)
    app.command()(breakeven)
