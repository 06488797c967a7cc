"""Options several commands share, and writing the chart file ``--chart`` names."""

from __future__ import annotations

import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from routecli.cli.output import FORMAT_HELP, OutputFormat
from routecli.errors import InputFileError, InvalidValueError

if TYPE_CHECKING:
    from routecli.render.charts import ChartFormat

__all__ = [
    "PATH_HELP",
    "ChartOption",
    "FormatOption",
    "OutputOption",
    "PricingOption",
    "ScenarioArgument",
    "monthly_volume",
    "save_chart",
]

PricingOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--pricing",
        help="Extra price-table YAML file; repeat for several. Overrides shipped prices by model id.",
        show_default=False,
    ),
]
ChartOption = Annotated[
    Path | None,
    typer.Option("--chart", help="Also draw a chart to this .svg or .png file.", show_default=False),
]


def monthly_volume(text: str) -> Decimal:
    """Requests a month as ``replay --project`` and ``tune --requests-per-month`` take them: 3000000, 3M, 100k/day,
    2.5M/month (``routecli.replay.projection.parse_volume``)."""
    from routecli.replay.projection import parse_volume

    try:
        return parse_volume(text)
    except InvalidValueError as error:
        raise typer.BadParameter(str(error)) from None


FormatOption = Annotated[OutputFormat | None, typer.Option("--format", "-f", help=FORMAT_HELP, show_default=False)]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file instead of the terminal.")
]
ScenarioArgument = Annotated[
    Path, typer.Argument(help="Scenario YAML file; '-' for one on stdin.", show_default=False, metavar="SCENARIO")
]
PATH_HELP = (
    "Key path of a number in the scenario; list items by name, e.g. strategies.cascade.accept.light, "
    "strategies.routed.router.accuracy, traffic.segments.simple.share."
)
"""How ``sweep --vary`` and ``breakeven --param`` name a number of the scenario."""


def save_chart(path: Path, render: Callable[[ChartFormat], bytes]) -> None:
    """Draw a chart in the format ``path``'s suffix names, write it there and say so on stderr."""
    from routecli.render.charts import check_chart_path  # the cost model and sweeps, only once a chart is asked for

    data = render(check_chart_path(path))
    try:
        path.write_bytes(data)
    except OSError as error:
        raise InputFileError(f"cannot write chart: {error.strerror}", source=str(path)) from None
    print(f"Wrote {path}", file=sys.stderr)
