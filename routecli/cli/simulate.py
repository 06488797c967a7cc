"""``routecli simulate``: cost, quality and latency of each strategy in a scenario."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from routecli.cli.output import FORMAT_HELP, OutputFormat, emit

if TYPE_CHECKING:
    from rich.console import RenderableType

__all__ = ["register"]

PricingOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--pricing",
        help="Extra price-table YAML file; repeat for several. Overrides shipped prices by model id.",
        show_default=False,
    ),
]


def simulate(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False, metavar="SCENARIO")],
    pricing: PricingOption = None,
    format: Annotated[OutputFormat | None, typer.Option("--format", "-f", help=FORMAT_HELP, show_default=False)] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of the terminal.")
    ] = None,
) -> None:
    """Monthly cost, savings, quality and latency of every strategy in SCENARIO.

    \b
    Examples:
      routecli simulate scenarios/support-chatbot.yaml
      routecli simulate scenario.yaml --output report.json
      routecli simulate scenario.yaml --pricing negotiated-prices.yaml
    """
    from routecli.costmodel import simulate as run_simulation
    from routecli.render.csv_report import simulation_csv
    from routecli.render.markdown import simulation_markdown
    from routecli.render.report_json import simulation_json
    from routecli.scenario import load_scenario

    result = run_simulation(load_scenario(scenario, pricing or ()))

    def table() -> RenderableType:
        from routecli.render.terminal import simulation_renderable  # rich, only for the table

        return simulation_renderable(result)

    emit(
        format,
        output,
        table=table,
        json=lambda: simulation_json(result),
        markdown=lambda: simulation_markdown(result),
        csv=lambda: simulation_csv(result),
    )


def register(app: typer.Typer) -> None:
    app.command()(simulate)
