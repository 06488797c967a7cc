"""``routecli diff``: what a change does to cost, from two JSON reports written before and after it."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from routecli.cli.options import OutputOption

__all__ = ["ReportDiffFormat", "register"]


class ReportDiffFormat(StrEnum):
    """What a diff is written as: no CSV, no HTML."""

    table = "table"
    json = "json"
    markdown = "markdown"


_FORMAT_HELP = "Output format [default: from --output's suffix (.json, .md), else table]."


def _format(chosen: ReportDiffFormat | None, output: Path | None) -> ReportDiffFormat:
    """The format asked for, else the one ``output``'s suffix names (.json, .md), else a table."""
    if chosen is not None:
        return chosen
    suffix = "" if output is None else output.suffix.lower()
    if suffix in (".csv", ".html", ".htm"):
        from routecli.errors import InputFileError

        raise InputFileError(
            f"a diff is written as table, json or markdown (.json, .md), not {suffix}", source=str(output)
        )
    return {".json": ReportDiffFormat.json, ".md": ReportDiffFormat.markdown}.get(suffix, ReportDiffFormat.table)


def diff(
    base: Annotated[
        Path,
        typer.Argument(
            help="The JSON report from before the change, '-' for one on stdin, or a scenario YAML (simulated here).",
            show_default=False,
            metavar="BASE",
        ),
    ],
    head: Annotated[
        Path,
        typer.Argument(
            help="The report (or scenario) from after it, of the same kind; '-' for stdin.",
            show_default=False,
            metavar="HEAD",
        ),
    ],
    strategy: Annotated[
        str | None,
        typer.Option(
            "--strategy",
            "-s",
            help=(
                "Simulations: the strategy, in both reports, whose monthly cost the verdict is about "
                "[default: the baseline]."
            ),
            show_default=False,
        ),
    ] = None,
    format: Annotated[
        ReportDiffFormat | None, typer.Option("--format", "-f", help=_FORMAT_HELP, show_default=False)
    ] = None,
    output: OutputOption = None,
) -> None:
    """Compare two JSON reports: what each strategy or tier cost before and after a change.

    BASE and HEAD are both reports of `routecli simulate --format json`, or both of
    `routecli replay` / `routecli report --format json`. Prints the change per
    strategy (or tier) and per model as +$X (old → new) and +N%, and what was
    added or removed. The verdict follows one strategy in both reports (the
    baseline, or --strategy) and a separate line says when the cheapest
    strategy changed. `--format markdown` writes a pull-request comment whose
    hidden first line, <!-- routecli-diff -->, lets CI find and update it
    (docs/ci.md). Exits 0 whatever changed; 2 on bad input.

    \b
    Examples:
      routecli diff base.json head.json
      routecli diff old-scenario.yaml scenario.yaml
      routecli simulate scenario.yaml -f json | routecli diff base.json -
      routecli diff base.json head.json --format markdown -o comment.md
      routecli diff base.json head.json --strategy routed --format json
    """
    from routecli.ci.diff import diff_reports
    from routecli.cli.check import read_report
    from routecli.cli.output import check_outputs, write_renderable, write_text
    from routecli.errors import InvalidValueError
    from routecli.render.diff_report import diff_json, diff_markdown, diff_renderable

    chosen = _format(format, output)
    if str(base) == str(head) == "-":
        raise InvalidValueError("BASE and HEAD are both '-': stdin holds one report; give the other as a file")
    check_outputs(inputs=[path for path in (base, head) if str(path) != "-"], outputs=(output,), format=None)
    result = diff_reports(read_report(base, hashes=True), read_report(head, hashes=True), strategy=strategy)
    if chosen is ReportDiffFormat.table:
        write_renderable(diff_renderable(result), output)
    elif chosen is ReportDiffFormat.json:
        write_text(diff_json(result), output)
    else:
        write_text(diff_markdown(result), output)


def register(app: typer.Typer) -> None:
    app.command()(diff)
