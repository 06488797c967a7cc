"""Where rendered output goes: the terminal, or a file named by --output."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from routecli.errors import InputFileError, InvalidValueError

if TYPE_CHECKING:
    from rich.console import RenderableType

__all__ = [
    "FORMAT_HELP",
    "REPORT_FORMAT_HELP",
    "OutputFormat",
    "ReportFormat",
    "emit",
    "resolve_format",
    "write_renderable",
    "write_text",
]

FILE_WIDTH = 240  # tables take only the width they need; lines are stripped of trailing spaces


class OutputFormat(StrEnum):
    """Formats every report command offers."""

    table = "table"
    json = "json"
    markdown = "markdown"
    csv = "csv"
    html = "html"


class ReportFormat(StrEnum):
    """Formats of reports with no HTML page (replay's)."""

    table = "table"
    json = "json"
    markdown = "markdown"
    csv = "csv"


FORMAT_HELP = "Output format [default: from --output's suffix (.json, .md, .csv, .html), else table]."
REPORT_FORMAT_HELP = "Output format [default: from --output's suffix (.json, .md, .csv), else table]."
_BY_SUFFIX = {
    ".json": OutputFormat.json,
    ".md": OutputFormat.markdown,
    ".csv": OutputFormat.csv,
    ".html": OutputFormat.html,
    ".htm": OutputFormat.html,
}


def resolve_format(chosen: OutputFormat | None, output: Path | None) -> OutputFormat:
    """The format asked for, else the one ``output``'s suffix names, else a table."""
    if chosen is not None:
        return chosen
    if output is not None:
        return _BY_SUFFIX.get(output.suffix.lower(), OutputFormat.table)
    return OutputFormat.table


def emit(
    chosen: OutputFormat | None,
    output: Path | None,
    *,
    table: Callable[[], RenderableType],
    json: Callable[[], str],
    markdown: Callable[[], str],
    csv: Callable[[], str],
    html: Callable[[], str] | None = None,
) -> None:
    """Render in the chosen (or implied) format and write it; only the renderer used is called."""
    format = resolve_format(chosen, output)
    if format is OutputFormat.table:
        write_renderable(table(), output)
        return
    renderers = {OutputFormat.json: json, OutputFormat.markdown: markdown, OutputFormat.csv: csv}
    if html is not None:
        renderers[OutputFormat.html] = html
    if format not in renderers:
        raise InvalidValueError(f"--format {format}: this command writes table, json, markdown or csv")
    write_text(renderers[format](), output)


def write_text(text: str, output: Path | None, *, say: bool = True) -> None:
    """Print ``text``, or write it to ``output`` and say so on stderr (stdout stays clean for pipes).

    ``say=False`` for commands that already report what they wrote.
    """
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InputFileError(f"cannot write output: {error.strerror}", source=str(output)) from None
    if say:
        print(f"Wrote {output}", file=sys.stderr)


def write_renderable(renderable: RenderableType, output: Path | None) -> None:
    """Print a rich renderable; to a file as plain text without colour. No line ends in spaces.

    Rich pads every table line to the table's width; those spaces would make piped output and
    files differ from what is shown, so they go (colour codes after them stay).
    """
    from rich.console import Console

    # Cells are plain text: no markup (a name like "v[2]" stays as written), emoji codes or highlighting.
    if output is None:
        console = Console(highlight=False, markup=False, emoji=False)
        with console.capture() as captured:
            console.print(renderable)
        sys.stdout.write(_without_trailing_spaces(captured.get()))
        return
    buffer = io.StringIO()
    console = Console(
        width=FILE_WIDTH, no_color=True, force_terminal=False, file=buffer, highlight=False, markup=False, emoji=False
    )
    console.print(renderable)
    write_text(_without_trailing_spaces(buffer.getvalue()), output)


_TRAILING_SPACES = re.compile(r"[ \t]+((?:\x1b\[[0-9;]*m)*)$", re.MULTILINE)


def _without_trailing_spaces(text: str) -> str:
    """``text`` with the spaces at the end of each line removed, keeping any colour codes that follow them."""
    return _TRAILING_SPACES.sub(r"\1", text)


def check_outputs(*, inputs: Sequence[Path], outputs: Sequence[Path | None], format: ReportFormat | None) -> None:
    """Before any call: outputs must not overwrite an input, and -o must be writable where it points.

    For commands whose reports are table, json, markdown or csv (``ReportFormat``): -o x.html is refused.
    """
    taken = {path.resolve() for path in inputs}
    for path in outputs:
        if path is None:
            continue
        if path.resolve() in taken:
            raise InputFileError("is an input of this run; write the output elsewhere", source=str(path))
        if path.is_dir():
            raise InputFileError("is a directory; give a file name", source=str(path))
    output = outputs[-1]
    if output is not None and not output.resolve().parent.is_dir():
        raise InputFileError(f"cannot write output: no folder {output.parent}", source=str(output))
    if output is not None and format is None and resolve_format(None, output) is OutputFormat.html:
        raise InputFileError("these reports are table, json, markdown or csv; not HTML", source=str(output))
