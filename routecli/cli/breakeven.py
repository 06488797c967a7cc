"""``routecli breakeven``: where a strategy starts paying against another, or meets a quality floor."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from routecli.cli.options import PATH_HELP, FormatOption, OutputOption, PricingOption, ScenarioArgument
from routecli.cli.output import emit

if TYPE_CHECKING:
    from rich.console import RenderableType

__all__ = ["register"]


def breakeven(
    scenario: ScenarioArgument,
    strategy: Annotated[str, typer.Option("--strategy", "-s", help="The strategy to solve for.", show_default=False)],
    param: Annotated[
        str, typer.Option("--param", "-p", help="The number to solve for. " + PATH_HELP, show_default=False)
    ],
    against: Annotated[
        str | None,
        typer.Option(
            "--against",
            "-a",
            help="Solve for equal monthly cost with this strategy "
            "[default: the scenario's baseline, unless --quality-floor].",
            show_default=False,
        ),
    ] = None,
    quality_floor: Annotated[
        str | None,
        typer.Option(
            "--quality-floor",
            "-q",
            metavar="SHARE",
            help="Solve for STRATEGY's quality reaching this floor: 0.95 or 95% (the same).",
            show_default=False,
        ),
    ] = None,
    value_range: Annotated[
        str | None,
        typer.Option(
            "--range",
            metavar="LOW:HIGH",
            help="The values to search, 0%:50% for a share [default: 0:1 for shares and probabilities, else 0 to 10 × "
            "the current value].",
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
    from routecli.render.sweep_report import breakeven_csv, breakeven_json, breakeven_markdown
    from routecli.simulate.breakeven import find_breakeven
    from routecli.simulate.scenario_file import read_scenario
    from routecli.spec import share_from_text

    floor = None if quality_floor is None else share_from_text(quality_floor, "--quality-floor", "a quality")
    source = read_scenario(scenario, pricing or ())
    found = find_breakeven(
        source,
        strategy,
        param,
        against=against,
        quality_floor=floor,
        value_range=value_range,
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
    app.command()(breakeven)
