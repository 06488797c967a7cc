"""``routecli simulate``: cost, quality and latency of each strategy in a scenario."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from routecli.cli.options import ChartOption, FormatOption, OutputOption, PricingOption, ScenarioArgument
from routecli.cli.output import emit

if TYPE_CHECKING:
    from rich.console import RenderableType

__all__ = ["register"]


def simulate(
    scenario: ScenarioArgument,
    pricing: PricingOption = None,
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples",
            help="Also simulate this many requests one by one (Monte Carlo): percentiles of monthly cost and latency.",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed for --samples; the same seed gives the same figures.")
    ] = 0,
    chart: ChartOption = None,
    format: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Monthly cost, savings, quality and latency of every strategy in SCENARIO.

    Under the table: monthly cost as bars, and where each strategy's savings
    would stop (break-even insights). A scenario with traffic.growth adds a
    month-by-month forecast.

    \b
    Examples:
      routecli simulate scenarios/support-chatbot.yaml
      routecli simulate scenario.yaml --samples 1000000 --seed 7
      routecli simulate scenario.yaml --chart cost-quality.svg
      routecli simulate scenario.yaml --format html -o report.html
      routecli simulate scenario.yaml --output report.json
      routecli simulate scenario.yaml --pricing negotiated-prices.yaml
    """
    from routecli.simulate.run import simulate_file

    if chart is not None:
        from routecli.render.charts import check_chart_path

        check_chart_path(chart)
    result = simulate_file(scenario, pricing or (), samples=samples, seed=seed)
    if chart is not None:
        from routecli.cli.options import save_chart
        from routecli.render.charts import cost_quality_chart

        save_chart(chart, lambda kind: cost_quality_chart(result, kind))

    def table() -> RenderableType:
        from routecli.render.terminal import simulation_renderable  # rich, only for the table

        return simulation_renderable(result)

    def html() -> str:
        from routecli.render.html import simulation_html

        return simulation_html(result)

    def json() -> str:
        from routecli.render.simulate_json import simulation_json

        return simulation_json(result)

    def markdown() -> str:
        from routecli.render.markdown import simulation_markdown

        return simulation_markdown(result)

    def csv() -> str:
        from routecli.render.csv_report import simulation_csv

        return simulation_csv(result)

    emit(format, output, table=table, json=json, markdown=markdown, csv=csv, html=html)


def register(app: typer.Typer) -> None:
    app.command()(simulate)
