"""``routecli analyze``: a team's own LLM request logs in; what the traffic costs, by model and by kind, out."""

from __future__ import annotations

import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from routecli.cli.options import ChartOption, OutputOption, PricingOption
from routecli.cli.output import check_outputs, write_renderable, write_text
from routecli.errors import InputFileError, InvalidValueError

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from routecli.analyze.analysis import Analysis
    from routecli.analyze.read import ReadStats

__all__ = ["register"]


class AnalyzeFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


_BY_SUFFIX = {".json": AnalyzeFormat.json, ".md": AnalyzeFormat.markdown}
_PROGRESS_AFTER = 0.5
"""Seconds of reading before a progress bar appears: short reads show none."""


def analyze(
    logs: Annotated[
        list[str],
        typer.Argument(
            help="Log files (JSON Lines, JSON, CSV, Parquet; '-' for stdin), each read as the format it is "
            "(docs/analyze.md).",
            show_default=False,
            metavar="LOG...",
        ),
    ],
    input_format: Annotated[
        str | None,
        typer.Option(
            "--input-format",
            metavar="NAME",
            help="Read every file as this format instead of detecting it: openai, openai-batch, anthropic, litellm, "
            "litellm-spend-logs, langfuse, helicone, otel, routecli-log, routecli-prompts, mapped.",
            show_default=False,
        ),
    ] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            metavar="FIELD=PATH",
            help="Read FIELD (model, input_tokens, output_tokens, cost, start, prompt, …) from the dotted PATH of "
            "each row; repeat per field.",
            show_default=False,
        ),
    ] = None,
    segment_by: Annotated[
        str,
        typer.Option(
            "--segment-by",
            help="What a segment is: model, metadata.KEY, complexity (of the prompt text) or router:ROUTER.yaml "
            "(the tier an offline router picks).",
        ),
    ] = "model",
    skip_invalid: Annotated[
        bool,
        typer.Option("--skip-invalid", help="Skip rows that cannot be read, counting them by reason (stderr)."),
    ] = False,
    format: Annotated[
        AnalyzeFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="Output format [default: from --output's suffix (.json, .md), else table].",
            show_default=False,
        ),
    ] = None,
    output: OutputOption = None,
    chart: ChartOption = None,
    pricing: PricingOption = None,
    write_scenario: Annotated[
        Path | None,
        typer.Option(
            "--write-scenario",
            metavar="FILE",
            help="Also write a commented scenario of this traffic for `routecli simulate` (and FILE's "
            ".tokens.jsonl beside it): today's models as baseline, cheaper candidates.",
            show_default=False,
        ),
    ] = None,
    write_prompts: Annotated[
        Path | None,
        typer.Option(
            "--write-prompts",
            metavar="FILE",
            help="Also write the logged prompts, with their text, as a prompt file for `routecli replay`.",
            show_default=False,
        ),
    ] = None,
    sample: Annotated[
        int | None,
        typer.Option("--sample", min=1, metavar="N", help="--write-prompts: a seeded random sample of N prompts."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="--write-prompts: the seed of --sample.")] = 0,
    stratify: Annotated[
        bool,
        typer.Option("--stratify", help="--write-prompts --sample: each segment's part of N in proportion to it."),
    ] = False,
) -> None:
    """What LOG's traffic costs now: volume, spend by model (logged and priced), segments, caching, repeats.

    Counts only: no prompt or answer text is printed or written, except in the
    prompt file --write-prompts asks for.

    \b
    Example:
      routecli analyze requests.jsonl --segment-by metadata.feature -o analysis.json
    """
    from routecli.analyze.read import ReadOptions
    from routecli.analyze.run import analyze_logs

    chosen = format or (_BY_SUFFIX.get(output.suffix.lower(), AnalyzeFormat.table) if output else AnalyzeFormat.table)
    files = [Path(log) for log in logs if log != "-"]
    if (sample is not None or stratify) and write_prompts is None:
        raise InvalidValueError("--sample and --stratify choose the prompts --write-prompts writes; give it too")
    if stratify and sample is None:
        raise InvalidValueError("--stratify divides --sample N among segments; give --sample N too")
    written = (write_scenario, _tokens_path(write_scenario), write_prompts)
    check_outputs(inputs=[*files, *(pricing or ())], outputs=(*written, chart, output), format=None)
    _check_written([path for path in (*written, chart, output) if path is not None])
    if chart is not None:
        from routecli.render.charts import check_chart_path

        check_chart_path(chart)
    options = ReadOptions(input_format, _mapping(mapping or []), skip_invalid)
    from routecli.analyze.write import LogWriters

    writers = LogWriters(
        scenario=write_scenario,
        prompts=write_prompts,
        sample=sample,
        seed=seed,
        stratify=stratify,
        pricing=pricing or (),
    )
    with writers, _ReadProgress() as progress:
        tap = writers.tap if write_scenario or write_prompts else None
        analysis = analyze_logs(
            logs, options, segment_by=segment_by, pricing=pricing or (), progress=progress.update, tap=tap
        )
        told = writers.finish(analysis, logs)
    _tell(analysis)
    for line in told:
        print(line, file=sys.stderr)
    from routecli.render import analysis_report

    if chosen is AnalyzeFormat.json:
        write_text(analysis_report.analysis_json(analysis), output)
    elif chosen is AnalyzeFormat.markdown:
        write_text(analysis_report.analysis_markdown(analysis), output)
    else:
        write_renderable(analysis_report.analysis_renderable(analysis), output)
    if chart is not None:
        from routecli.cli.options import save_chart
        from routecli.render.charts import daily_chart

        save_chart(chart, lambda chosen_format: daily_chart(analysis, chosen_format))


def _check_written(paths: list[Path]) -> None:
    """The files --write-scenario and --write-prompts write: each in a folder that exists, no two the same."""
    seen: set[Path] = set()
    for path in paths:
        if path.resolve() in seen:
            raise InputFileError("is named for two outputs of this run; give each its own file", source=str(path))
        seen.add(path.resolve())
        if not path.resolve().parent.is_dir():
            raise InputFileError(f"cannot write output: no folder {path.parent}", source=str(path))


def _tokens_path(scenario: Path | None) -> Path | None:
    from routecli.analyze.write import tokens_path

    return None if scenario is None else tokens_path(scenario)


def _mapping(pairs: list[str]) -> dict[str, str]:
    """``--map FIELD=PATH`` values, checked for their shape (the reader checks the fields)."""
    found: dict[str, str] = {}
    for pair in pairs:
        field, separator, path = pair.partition("=")
        if not separator or not field.strip() or not path.strip():
            raise InvalidValueError(f"--map {pair}: expected FIELD=PATH, e.g. model=meta.engine")
        found[field.strip()] = path.strip()
    return found


def _tell(analysis: Analysis) -> None:
    """On stderr: the format each file was read as, the rows skipped by reason, and a ``--segment-by`` key no
    request has."""
    for path, name in analysis.formats:
        print(f"Read {path} as {name}", file=sys.stderr)
    if analysis.segments_note and analysis.segments_note.startswith("no request has"):
        print(f"Note: {analysis.segments_note}", file=sys.stderr)
    for reason, rows in analysis.skipped:
        print(f"Skipped {rows} row{'' if rows == 1 else 's'}: {reason}", file=sys.stderr)


class _ReadProgress:
    """A progress bar on stderr (bytes, rows, rate) once a read has taken more than a moment; only on a terminal."""

    def __init__(self) -> None:
        self._began = time.monotonic()
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> _ReadProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def update(self, stats: ReadStats) -> None:
        if self._progress is None:
            if time.monotonic() - self._began < _PROGRESS_AFTER:
                return
            self._start(stats.total_bytes)
        assert self._progress is not None
        assert self._task is not None
        self._progress.update(
            self._task, completed=stats.bytes_read, total=max(stats.total_bytes, stats.bytes_read), rows=stats.rows
        )

    def _start(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TransferSpeedColumn,
        )

        console = Console(stderr=True)
        self._progress = Progress(
            TextColumn("Reading"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TextColumn("{task.fields[rows]:,} rows"),
            TimeElapsedColumn(),
            console=console,
            disable=not console.is_terminal,
        )
        self._task = self._progress.add_task("read", total=total or None, rows=0)
        self._progress.start()


def register(app: typer.Typer) -> None:
    app.command()(analyze)
