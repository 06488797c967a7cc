"""The docs' ``console`` blocks run for real: each ``$ routecli …`` line's output compared with what the doc shows.

``ROUTECLI_UPDATE_DOCS=1`` rewrites a doc's blocks from the real output.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from routecli.cli import app

__all__ = ["CONSOLE", "SHOWN_TIMESTAMP", "TIMESTAMP", "UPDATE", "check_console_blocks", "run_shown"]

UPDATE = bool(os.environ.get("ROUTECLI_UPDATE_DOCS"))
CONSOLE = re.compile(r"```console\n\$ (routecli [^\n]*)\n(.*?)```", re.S)
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")
SHOWN_TIMESTAMP = "2026-11-24T10:15:00+00:00"
"""Run start times differ from run to run; the docs show this one."""


def _jq(expression: str, document: Any) -> Any:
    """The two jq forms the docs use: ``.a.b`` and ``{a, b, name: .c.d}``."""

    def path(text: str) -> Any:
        value = document
        for key in text.strip().lstrip(".").split("."):
            if key:
                value = value[key]
        return value

    expression = expression.strip()
    if expression.startswith("{"):
        built = {}
        for item in expression.strip("{}").split(","):
            name, _, source = item.partition(":")
            built[name.strip()] = path(source or name)
        return built
    return path(expression)


def run_shown(command: str, runner: CliRunner) -> tuple[int, str]:
    """Run one ``$ routecli …`` line (with an optional ``| jq FILTER``); its exit code and output."""
    words = shlex.split(command)
    assert words[0] == "routecli"
    args, jq = words[1:], None
    if "|" in args:
        at = args.index("|")
        args, jq = args[:at], args[at + 1 :]
        assert jq[0] == "jq", command
        assert len(jq) == 2, command
    result = runner.invoke(app, args, env={"COLUMNS": "80"}, catch_exceptions=False)
    output = result.stdout
    if jq is not None and result.exit_code == 0:
        output = json.dumps(_jq(jq[1], json.loads(output)), indent=2) + "\n"
    return result.exit_code, TIMESTAMP.sub(SHOWN_TIMESTAMP, output + result.stderr)


def _lines(text: str) -> list[str]:
    """The lines as shown: trailing spaces and trailing blank lines dropped."""
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def check_console_blocks(doc: Path, minimum: int) -> list[str]:
    """Run every console block of ``doc`` in order (from the current directory); the stale ones, described.

    With ``UPDATE`` the doc is rewritten from the real output and nothing is
    stale. A block showing ``Error:`` must exit 2, any other 0.
    """
    runner = CliRunner()
    text = doc.read_text()
    blocks = list(CONSOLE.finditer(text))
    assert len(blocks) >= minimum, f"{doc} has {len(blocks)} console blocks"
    stale, pieces, end = [], [], 0
    for block in blocks:
        command, shown = block.groups()
        code, output = run_shown(command, runner)
        expected = 2 if shown.startswith("Error:") else 0
        assert code == expected, f"$ {command}\n{output}"
        if _lines(output) != _lines(shown):
            stale.append(f"$ {command}\n--- the doc shows:\n{shown}--- it prints:\n{output}")
        pieces += [text[end : block.start(2)], "\n".join(_lines(output)) + "\n"]
        end = block.end(2)
    if UPDATE:
        doc.write_text("".join(pieces) + text[end:])
        return []
    return stale
