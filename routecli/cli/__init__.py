"""The ``routecli`` command: one module per command group, each a thin layer over the core.

Modules here import only typer and the standard library at import time, so
``routecli --help`` stays fast; each command imports what it needs when it runs.
"""

from __future__ import annotations

import sys
import traceback
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from routecli import __version__
from routecli.cli import breakeven, check, diff, fit_router, pricing, replay, scaffold, simulate, sweep, tune
from routecli.errors import RouteCliError

if TYPE_CHECKING:
    from typer._click import Context  # the Context TyperGroup.invoke is typed with

__all__ = ["app", "main"]


class _RouteCliGroup(TyperGroup):
    """Turns ``RouteCliError`` into a one-line message and its exit code (after a traceback with --debug)."""

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except RouteCliError as error:
            if ctx.obj and ctx.obj.get("debug"):
                traceback.print_exc()
            print(f"Error: {error}", file=sys.stderr)
            raise typer.Exit(error.exit_code) from None


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


simulate.register(app)
sweep.register(app)
breakeven.register(app)
replay.register(app)
fit_router.register(app)
tune.register(app)
pricing.register(app)
scaffold.register(app)
diff.register(app)
check.register(app)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="routecli")
