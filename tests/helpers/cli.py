"""Running ``routecli`` in-process, with one meaning per outcome, as the README's exit codes give them.

``ok``: exit 0, nothing on stderr but ``Wrote FILE`` for the files its ``-o`` and ``--chart`` name. ``wrote``: exit
0, stderr exactly names the files written, in order. ``fails``: exit 1, the run failed (a check found a rule failing,
a prompt got no answer), and says so on stdout.
``refused``: exit 2, bad input or usage, one ``Error: `` line on stderr, no traceback, nothing on stdout.
"""

from __future__ import annotations

import json
from itertools import pairwise
from typing import Any

from typer.testing import CliRunner, Result

from routecli.cli import app

__all__ = ["fails", "ok", "ok_json", "ok_noting", "refused", "wrote"]


def _invoke(*args: str) -> Result:
    """Run ``routecli *args`` with a fresh runner; the environment is the test's."""
    return CliRunner().invoke(app, list(args))


def _quiet_but_for_files(args: tuple[str, ...], stderr: str) -> bool:
    """Whether ``stderr`` holds nothing but a ``Wrote FILE`` line for files that ``-o`` or ``--chart`` name."""
    named = {f"Wrote {value}" for option, value in pairwise(args) if option in _WRITING}
    return all(line in named for line in stderr.splitlines())


_WRITING = {"-o", "--output", "--chart"}


def ok(*args: str) -> str:
    """The stdout of a command that succeeds (exit 0) and writes nothing to stderr but the files it wrote."""
    result = _invoke(*args)
    assert result.exit_code == 0, result.output
    assert _quiet_but_for_files(args, result.stderr), result.stderr
    return result.stdout


def wrote(files: list[str], *args: str) -> str:
    """The stdout of a command that succeeds and says on stderr that it wrote each of ``files``, in order."""
    result = _invoke(*args)
    assert result.exit_code == 0, result.output
    assert result.stderr == "".join(f"Wrote {name}\n" for name in files)
    return result.stdout


def ok_noting(*args: str) -> tuple[str, str]:
    """The stdout and stderr of a command that succeeds and notes things on stderr (what it read, what it skipped)."""
    result = _invoke(*args)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.stderr
    return result.stdout, result.stderr


def ok_json(*args: str) -> dict[str, Any]:
    """The JSON document a succeeding command prints with ``--format json`` (appended to ``args``)."""
    document: dict[str, Any] = json.loads(ok(*args, "--format", "json"))
    return document


def fails(*args: str) -> str:
    """The stdout of a command whose run failed (exit 1), with nothing on stderr but the files it wrote."""
    result = _invoke(*args)
    assert result.exit_code == 1, result.output
    assert _quiet_but_for_files(args, result.stderr), result.stderr
    return result.stdout


def refused(*args: str) -> str:
    """The one-line message of bad input or usage (exit 2), without ``Error: ``."""
    result = _invoke(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: ")
    assert result.stderr.count("\n") == 1
    assert result.stdout == ""
    return result.stderr.removeprefix("Error: ").rstrip("\n")
