"""``routecli calibrate``: a scenario whose rates, token counts, prices and latencies a replay measured."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from routecli.cli.options import monthly_volume

__all__ = ["register"]


def calibrate(
    logs: Annotated[
        list[Path],
        typer.Argument(
            help="Decision logs of replay runs (several: the same setup), or of a replay --all-tiers run.",
            show_default=False,
            metavar="LOG...",
        ),
    ],
    write_scenario: Annotated[
        Path,
        typer.Option("--write-scenario", help="The scenario file to write (YAML).", show_default=False),
    ],
    scenario: Annotated[
        Path | None,
        typer.Option(
            "--scenario",
            metavar="IN.yaml",
            help="Fill this scenario's values that the replay measured (matched by tier, segment and chain), keeping "
            "its comments and layout, and print each change (old → new).",
            show_default=False,
        ),
    ] = None,
    requests_per_month: Annotated[
        Decimal | None,
        typer.Option(
            "--requests-per-month",
            parser=monthly_volume,
            metavar="N",
            help="The scenario's monthly volume: 3000000, 3M, 100k/day [default: the replay's own count of prompts].",
            show_default=False,
        ),
    ] = None,
    segment_by: Annotated[
        str,
        typer.Option(
            "--segment-by",
            metavar="label|router|metadata.KEY",
            help="Segments from the prompts' labels, the router's decisions, or a metadata key of the prompt file "
            "the log names.",
        ),
    ] = "label",
    min_prompts: Annotated[
        int,
        typer.Option("--min-prompts", min=1, help="Warn about every value measured on fewer prompts than this."),
    ] = 30,
) -> None:
    """Write a scenario from what replays measured: tiers at the prices the log recorded, segments, and the
    setup that ran as strategy 'replayed' beside 'top-tier', the baseline.

    Measured: each tier's quality per segment, a cascade's acceptance per step
    and segment, the evaluators' true and false accept rates, the router's
    confusion (segment → decided tier), token counts per tier and segment,
    judge and embedding costs, latency per tier and the semantic cache's hit
    rate. Each measured value carries its sample size and 95% interval as a
    comment, and a rate its counts as data: simulate --samples draws it from
    its posterior (docs/calibrate.md).

    \b
    Examples:
      routecli calibrate replay-log.jsonl --write-scenario calibrated.yaml
      routecli calibrate run1.jsonl run2.jsonl --write-scenario calibrated.yaml --requests-per-month 3M
      routecli calibrate run.jsonl --scenario support.yaml --write-scenario support.yaml
    """
    from routecli.calibrate.files import calibrate_files
    from routecli.cli.output import check_outputs
    from routecli.render.calibrate_report import calibrate_summary

    check_outputs(inputs=logs, outputs=(write_scenario,), format=None)
    result = calibrate_files(
        logs,
        write_scenario,
        requests_per_month=requests_per_month,
        segment_by=segment_by,
        min_prompts=min_prompts,
        scenario=scenario,
    )
    sys.stdout.write(calibrate_summary(result))


def register(app: typer.Typer) -> None:
    app.command("calibrate")(calibrate)
