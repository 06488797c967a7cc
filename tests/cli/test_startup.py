"""Start-up: `routecli --help` lists every command without importing its module, and says what the command says."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer._click.utils import make_default_short_help
from typer.main import get_group
from typer.testing import CliRunner

import routecli.cli
from routecli.cli import _COMMANDS, _build, app
from tests.helpers.paths import EXAMPLE

COMMAND_MODULES = {f"routecli.cli.{lazy.module}" for lazy in _COMMANDS.values()}


@pytest.mark.parametrize("name", _COMMANDS)
def test_listed_help_is_the_commands_own(name: str) -> None:
    """The static line in `routecli --help` is what click would shorten the command's own help to, at any width."""
    command = _build(name, _COMMANDS[name].module)
    assert command.name == name
    assert _COMMANDS[name].help == make_default_short_help(command.help or "", sys.maxsize)
    for limit in range(10, 200):
        assert make_default_short_help(_COMMANDS[name].help, limit) == command.get_short_help_str(limit)


def test_table_names_every_registered_command() -> None:
    """Each cli module's register(app) adds exactly the commands the table gives it, so none is left unlisted."""
    registered = {}
    for info in pkgutil.iter_modules(routecli.cli.__path__):
        module = importlib.import_module(f"routecli.cli.{info.name}")
        if hasattr(module, "register"):
            commands = typer.Typer()
            module.register(commands)
            registered |= dict.fromkeys(get_group(commands).commands, info.name)
    assert registered == {name: lazy.module for name, lazy in _COMMANDS.items()}


def _cli_modules_loaded(*args: str) -> set[str]:
    """The command modules imported by one run of ``routecli *args`` in a fresh interpreter."""
    code = (
        "import sys\n"
        "from routecli.cli import app\n"
        "try:\n"
        f"    app({list(args)!r}, prog_name='routecli')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(result.stderr.split()) & COMMAND_MODULES


def test_help_imports_no_command() -> None:
    assert _cli_modules_loaded("--help") == set()
    assert _cli_modules_loaded("--version") == set()


def test_a_command_imports_only_its_own_module() -> None:
    assert _cli_modules_loaded("simulate", "--help") == {"routecli.cli.simulate"}
    # --pricing is declared once, in cli/simulate, for every command taking it
    assert _cli_modules_loaded("pricing", "list", "--help") - {"routecli.cli.simulate"} == {"routecli.cli.pricing"}


def test_errors_of_a_lazy_command_keep_their_exit_code(runner: CliRunner, tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.yaml")
    result = runner.invoke(app, ["simulate", missing])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {missing}: scenario file not found\n"
    debug = runner.invoke(app, ["--debug", "simulate", missing])
    assert debug.exit_code == 2
    assert "Traceback (most recent call last)" in debug.stderr
    assert debug.stderr.endswith(result.stderr)


def test_subgroups_and_suggestions_still_work(runner: CliRunner) -> None:
    listed = runner.invoke(app, ["pricing", "show", "gpt-5-mini"])
    assert listed.exit_code == 0, listed.output
    assert "gpt-5-mini" in listed.stdout
    typo = runner.invoke(app, ["simulte", str(EXAMPLE)])
    assert typo.exit_code == 2
    assert "No such command 'simulte'. Did you mean 'simulate'?" in typo.stderr
