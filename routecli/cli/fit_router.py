"""``routecli fit-router``: an embedding router's thresholds fitted to labelled prompts."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from routecli.cli.options import OutputOption, PricingOption
from routecli.cli.output import REPORT_FORMAT_HELP, OutputFormat, ReportFormat, check_outputs, emit

if TYPE_CHECKING:
    from routecli.replay.fit_run import EmbeddingCost

__all__ = ["register"]


def fit_router(
    prompts: Annotated[
        Path, typer.Argument(help="Prompt file (JSON Lines) with labels.", show_default=False, metavar="PROMPTS")
    ],
    config: Annotated[
        Path, typer.Option("--config", "-c", help="Router config YAML (docs/router.md).", show_default=False)
    ],
    pricing: PricingOption = None,
    format: Annotated[
        ReportFormat | None, typer.Option("--format", "-f", help=REPORT_FORMAT_HELP, show_default=False)
    ] = None,
    output: OutputOption = None,
) -> None:
    """Fit the thresholds of the embedding router in --config to the labels of PROMPTS, for the most prompts
    routed to their label's tier.

    Prints accuracy and the confusion matrix (labels down, decided tier across)
    with the config's thresholds and with the fitted ones, and the fitted
    thresholds as a line to paste under routing: in the config. Prompts with
    no label are left out. Calls no model; an embedder of type endpoint is
    asked for the exemplars' and prompts' vectors (its cost goes to stderr).

    \b
    Examples:
      routecli fit-router labelled.jsonl -c router.yaml
      routecli fit-router labelled.jsonl -c router.yaml --format json -o fit.json
    """
    from routecli.render import fit_report
    from routecli.replay.fit_run import fit_config

    check_outputs(inputs=(prompts, config, *(pricing or ())), outputs=(output,), format=format)
    result = fit_config(config, prompts, pricing or (), on_embedded=_note_embedding)
    emit(
        None if format is None else OutputFormat(format),
        output,
        table=lambda: fit_report.fit_renderable(result),
        json=lambda: fit_report.fit_json(result),
        markdown=lambda: fit_report.fit_markdown(result),
        csv=lambda: fit_report.fit_csv(result),
    )


def _note_embedding(cost: EmbeddingCost) -> None:
    from routecli.render.fit_report import embedding_note

    print(embedding_note(cost), file=sys.stderr)


def register(app: typer.Typer) -> None:
    app.command("fit-router")(fit_router)
