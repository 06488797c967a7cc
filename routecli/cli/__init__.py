"""The ``routecli`` command: one module per command group, each a thin layer over the core.

A command's module is imported only when that command runs or shows its own
help: typer builds a command by evaluating the annotations of its function,
and doing that for every command on every run was most of ``routecli --help``.
``routecli --help`` lists the commands from ``_COMMANDS`` below instead. The
command modules import only typer and the standard library at import time;
each command imports what it needs when it runs.

Each module has ``register(app)``, adding its commands to a typer app. A new
command is one line in ``_COMMANDS``; tests/cli/test_startup.py checks the
table against what the modules register and what their docstrings say.
"""

from __future__ import annotations

import importlib
import re
import sys
import traceback
from collections.abc import Iterator, MutableMapping
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

import typer
from typer._click import types
from typer._click.exceptions import BadParameter, MissingParameter, NoArgsIsHelpError, UsageError
from typer._click.utils import make_default_short_help
from typer._types import TyperChoice
from typer.core import TyperGroup
from typer.main import get_group

from routecli import __version__
from routecli.errors import EXIT_INPUT, RouteCliError

if TYPE_CHECKING:
    from typer._click import Command, Context, HelpFormatter  # what TyperGroup's methods are typed with

__all__ = ["app", "main"]


class _Lazy(NamedTuple):
    """Where a command lives and what ``routecli --help`` says of it, known without importing it."""

    module: str
    """The module under ``routecli/cli/`` whose ``register(app)`` adds the command."""
    help: str
    """The first sentence of the command's help: the most ``routecli --help`` shows of it at any width."""


# One line per command, in the order `routecli --help` lists them.
# fmt: off
_COMMANDS: dict[str, _Lazy] = {
    "simulate": _Lazy("simulate", "Monthly cost, savings, quality and latency of every strategy in SCENARIO."),
    "sweep": _Lazy("sweep", "Simulate SCENARIO for each value of one or two parameters: cost, savings and quality per value."),  # noqa: E501
    "breakeven": _Lazy("breakeven", "The value of a parameter at which STRATEGY costs the same as another, or meets a quality floor."),  # noqa: E501
    "replay": _Lazy("replay", "Send PROMPTS through the router and cascade in --config; report spend, escalations, latency and quality."),  # noqa: E501
    "report": _Lazy("replay", "Render a replay's report again from its decision log, calling nothing."),
    "fit-router": _Lazy("fit_router", "Fit the thresholds of the embedding router in --config to the labels of PROMPTS, for the most prompts routed to their label's tier."),  # noqa: E501
    "tune": _Lazy("tune", "Choose a threshold from logged outcomes: the cheapest that keeps quality at the floor."),
    "evaluate": _Lazy("tune", "Judge routing on logged outcomes: each model alone, the oracle, random routing, judged cascades, and a router's AIQ, APGR and CPT(50%)/CPT(80%) (docs/metrics.md)."),  # noqa: E501
    "calibrate": _Lazy("calibrate", "Write a scenario from what replays measured: tiers at the prices the log recorded, segments, and the setup that ran as strategy 'replayed' beside 'top-tier', the baseline."),  # noqa: E501
    "analyze": _Lazy("analyze", "What LOG's traffic costs now: volume, spend by model (logged and priced), segments, caching, repeats."),  # noqa: E501
    "init": _Lazy("scaffold", "Write a commented starter scenario to PATH, ready for `routecli simulate`."),
    "schema": _Lazy("scaffold", "Print the JSON Schema of scenario files, price tables, router configs, or a JSON report."),  # noqa: E501
    "diff": _Lazy("diff", "Compare two JSON reports: what each strategy or tier cost before and after a change."),
    "check": _Lazy("check", "Check REPORT against limits: print every failing rule; exit 1 if any fails."),
    "pricing": _Lazy("pricing", "Browse, compare and import price tables (shipped, plus any --pricing files)."),
}
# fmt: on


def _build(name: str, module: str) -> Command:
    """Import ``module`` and build its command ``name`` as the root app would have."""
    commands = typer.Typer(rich_markup_mode=None, add_completion=False)
    importlib.import_module(f"routecli.cli.{module}").register(commands)
    return get_group(commands).commands[name]


class _LazyCommands(MutableMapping[str, "Command"]):
    """The root's commands by name; each is built from its module the first time it is looked up."""

    def __init__(self) -> None:
        self._built: dict[str, Command] = {}

    def __getitem__(self, name: str) -> Command:
        if name not in self._built:
            self._built[name] = _build(name, _COMMANDS[name].module)
        return self._built[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*_COMMANDS, *self._built]))

    def __len__(self) -> int:
        return len(_COMMANDS.keys() | self._built.keys())


class _RouteCliGroup(TyperGroup):
    """Builds commands lazily; turns ``RouteCliError`` into a one-line message and its exit code
    (after a traceback with --debug)."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _LazyCommands()

    def list_commands(self, ctx: Context) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        """The command list as click writes it from each command's help, but from ``_COMMANDS``."""
        limit = formatter.width - 6 - max(len(name) for name in _COMMANDS)
        with formatter.section("Commands"):
            formatter.write_dl([(name, make_default_short_help(lazy.help, limit)) for name, lazy in _COMMANDS.items()])

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except NoArgsIsHelpError:
            raise  # a bare `routecli simulate` shows the command's help, as click does
        except UsageError as error:
            # Bad option values and usage are bad input like any other: one `Error:` line, exit 2, no Usage block.
            print(f"Error: {_usage_message(error)}", file=sys.stderr)
            raise typer.Exit(EXIT_INPUT) from None
        except RouteCliError as error:
            if ctx.obj and ctx.obj.get("debug"):
                traceback.print_exc()
            print(f"Error: {error}", file=sys.stderr)
            raise typer.Exit(error.exit_code) from None


def _usage_message(error: UsageError) -> str:
    """Click's usage error in routecli's style: ``--samples: expected a whole number, got '1e6'``."""
    if not isinstance(error, BadParameter) or isinstance(error, MissingParameter) or error.param is None:
        return error.format_message()
    param = error.param
    longest = max(param.opts, key=len) if param.opts else param.human_readable_name
    name = longest if longest.startswith("-") else longest.upper()
    message = error.message.rstrip(".")
    if message.startswith("expected"):  # routecli's own parsers already say what they expected
        return f"{name}: {message}"
    expected = _expected(param.type)
    # click's type errors all start with the value: "'1e6' is not a valid int.", "1.5 is not in the range …"
    value = re.match(r"(.+?) is not (?:a valid|in the range|one of)", message, re.DOTALL)
    if expected is None or value is None:
        return f"{name}: {message}"
    got = value.group(1) if value.group(1).startswith("'") else repr(value.group(1))
    return f"{name}: expected {expected}, got {got}"


def _expected(kind: types.ParamType) -> str | None:
    """What a click type accepts, in words; None for types whose own message says it better (paths, files)."""
    if isinstance(kind, TyperChoice):
        return "one of " + ", ".join(str(choice) for choice in kind.choices)
    if isinstance(kind, types.BoolParamType):
        return "true or false"
    if isinstance(kind, types.IntParamType | types.FloatParamType):
        what = "a whole number" if isinstance(kind, types.IntParamType) else "a number"
        if not isinstance(kind, types.IntRange | types.FloatRange):
            return what
        if kind.min is not None and kind.max is not None and not kind.min_open and not kind.max_open:
            return f"{what} from {kind.min} to {kind.max}"
        low = None if kind.min is None else f"{'above' if kind.min_open else 'at least'} {kind.min}"
        high = None if kind.max is None else f"{'below' if kind.max_open else 'at most'} {kind.max}"
        return f"{what} " + " and ".join(bound for bound in (low, high) if bound is not None)
    return None


app = typer.Typer(
    cls=_RouteCliGroup,
    name="routecli",
    help=(
        "What LLM routing and cascading would cost: simulate scenarios against "
        "provider price tables.\n\n"
        "Exit codes: 0 success, 1 the run failed, 2 bad input or usage."
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        print(f"routecli {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    debug: Annotated[
        bool, typer.Option("--debug", envvar="ROUTECLI_DEBUG", help="Show tracebacks for errors.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    ctx.obj = {"debug": debug}


def main() -> None:
    """Console-script entry point."""
    app(prog_name="routecli")
