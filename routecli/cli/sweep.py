"""``routecli sweep``: how results move as one or two of a scenario's numbers do."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from routecli.cli.options import PATH_HELP, ChartOption, FormatOption, OutputOption, PricingOption, ScenarioArgument
from routecli.cli.output import emit

if TYPE_CHECKING:
    from rich.console import RenderableType

__all__ = ["register"]


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
            help="Strategy to show (tables, files, charts, grids); repeat for several "
            "[default: every strategy; grids and heatmaps: the one the paths name, else all but the baseline].",
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
      routecli sweep scenarios/example.yaml --vary traffic.segments.simple.share=40%:90%:10% \\
          --vary strategies.routed.router.accuracy=0.7:1.0:0.1 --output grid.csv
    """
    from routecli.render.sweep_report import sweep_csv, sweep_json, sweep_markdown
    from routecli.simulate.scenario_file import read_scenario
    from routecli.simulate.sweep import read_vary, run_sweep

    if chart is not None:
        from routecli.render.charts import check_chart_path

        check_chart_path(chart)
    source = read_scenario(scenario, pricing or ())
    result = run_sweep(source, read_vary(source, vary), strategy or ())
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


def register(app: typer.Typer) -> None:
    app.command()(sweep)
