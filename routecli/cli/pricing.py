"""``routecli pricing list|show|diff|import``: the price tables routecli knows, compared and brought up to date."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from routecli.cli.options import PricingOption
from routecli.cli.output import FORMAT_HELP, OutputFormat, emit

if TYPE_CHECKING:
    import datetime as dt

    from routecli.pricing.litellm import ImportResult

__all__ = ["DiffFormat", "ImportMode", "register"]

pricing_app = typer.Typer(
    help="Browse, compare and import price tables (shipped, plus any --pricing files).", no_args_is_help=True
)
import_app = typer.Typer(help="Convert another tool's price list into routecli price tables.", no_args_is_help=True)
pricing_app.add_typer(import_app, name="import")


class ImportMode(StrEnum):
    """LiteLLM modes priced by the token (routecli.pricing.litellm.IMPORT_MODES)."""

    chat = "chat"
    completion = "completion"
    embedding = "embedding"
    responses = "responses"


class DiffFormat(StrEnum):
    """Formats of ``pricing diff``."""

    table = "table"
    json = "json"
    markdown = "markdown"


@pricing_app.command("list")
def list_models(
    provider: Annotated[str | None, typer.Option("--provider", "-p", help="Only this provider.")] = None,
    search: Annotated[
        str | None, typer.Option("--search", "-s", help="Only ids or aliases containing this text.")
    ] = None,
    pricing: PricingOption = None,
    format: Annotated[OutputFormat | None, typer.Option("--format", "-f", help=FORMAT_HELP, show_default=False)] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
) -> None:
    """List models with their prices (USD per 1M tokens).

    \b
    Examples:
      routecli pricing list --provider anthropic
      routecli pricing list --search mini --format json
    """
    from routecli.pricing.price_files import load_price_files
    from routecli.pricing.prices import select_models
    from routecli.render import prices

    models = select_models(load_price_files(pricing or ()), provider=provider, search=search)
    emit(
        format,
        output,
        table=lambda: prices.price_list_renderable(models),
        json=lambda: prices.price_list_json(models),
        markdown=lambda: prices.price_list_markdown(models),
        csv=lambda: prices.price_list_csv(models),
    )


@pricing_app.command("show")
def show_model(
    model: Annotated[str, typer.Argument(help="A model id or alias.", show_default=False, metavar="MODEL")],
    pricing: PricingOption = None,
    format: Annotated[OutputFormat | None, typer.Option("--format", "-f", help=FORMAT_HELP, show_default=False)] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
) -> None:
    """Show every price of one model (USD per 1M tokens).

    \b
    Examples:
      routecli pricing show claude-opus-4-6
      routecli pricing show gpt-5-mini --format json
    """
    import json

    from routecli.pricing.price_files import load_price_files
    from routecli.pricing.prices import price_to_json
    from routecli.render import prices

    price = load_price_files(pricing or ()).lookup(model)
    emit(
        format,
        output,
        table=lambda: prices.model_renderable(price),
        json=lambda: json.dumps(price_to_json(price), indent=2) + "\n",
        markdown=lambda: prices.price_list_markdown([price]),
        csv=lambda: prices.price_list_csv([price]),
    )


@pricing_app.command("diff")
def diff_tables(
    old: Annotated[
        Path, typer.Argument(help="The old price table, or a folder of them.", show_default=False, metavar="OLD")
    ],
    new: Annotated[
        Path, typer.Argument(help="The new price table, or a folder of them.", show_default=False, metavar="NEW")
    ],
    format: Annotated[
        DiffFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="Output format [default: from --output's suffix (.json, .md), else table].",
            show_default=False,
        ),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
) -> None:
    """Compare two price tables: each changed field (old → new, percent), models added and removed.

    Models pair up by id or alias. Differences are not failures: the exit code
    is 0 whatever changed (2 only for unreadable or invalid tables).

    \b
    Examples:
      routecli pricing diff old.yaml new.yaml
      routecli pricing diff pricing/ imported/ --format markdown -o prices.md
    """
    from routecli.cli.output import check_outputs, write_renderable, write_text
    from routecli.pricing.price_diff import diff_prices
    from routecli.pricing.price_files import load_price_tables
    from routecli.render import prices

    check_outputs(inputs=[old, new], outputs=[output], format=None)
    diff = diff_prices(load_price_tables(old), load_price_tables(new))
    by_suffix = {".json": DiffFormat.json, ".md": DiffFormat.markdown}
    chosen = format or (by_suffix.get(output.suffix.lower()) if output else None) or DiffFormat.table
    if chosen is DiffFormat.table:
        write_renderable(prices.price_diff_renderable(diff, str(old), str(new)), output)
    elif chosen is DiffFormat.json:
        write_text(prices.price_diff_json(diff, str(old), str(new)), output)
    else:
        write_text(prices.price_diff_markdown(diff, str(old), str(new)), output)


@import_app.command("litellm")
def import_litellm(
    file: Annotated[
        Path,
        typer.Argument(help="LiteLLM's model_prices_and_context_window.json.", show_default=False, metavar="FILE"),
    ],
    provider: Annotated[
        list[str] | None,
        typer.Option(
            "--provider",
            "-p",
            metavar="NAME",
            help="Only this litellm_provider (openai, anthropic, gemini, together_ai, …); repeat for several "
            "[default: every provider].",
            show_default=False,
        ),
    ] = None,
    mode: Annotated[
        list[ImportMode] | None,
        typer.Option(
            "--mode", help="Only entries of this mode; repeat for several [default: chat].", show_default=False
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", metavar="DATE", help="When the prices were taken, YYYY-MM-DD [default: today]."),
    ] = None,
    include_retired: Annotated[
        bool, typer.Option("--include-retired", help="Keep models whose deprecation_date is on or before --as-of.")
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write to this file; for several providers, a folder to write one PROVIDER.yaml each into.",
        ),
    ] = None,
) -> None:
    """Turn LiteLLM's per-token price list into routecli price tables (per 1M tokens).

    FILE is LiteLLM's model_prices_and_context_window.json. One table per
    provider: one --provider goes to stdout or -o FILE; several (or all) need
    -o DIR. Entries routecli cannot price are skipped, and counted by reason on
    stderr.

    \b
    Examples:
      routecli pricing import litellm prices.json -p openai -o openai.yaml
      routecli pricing import litellm prices.json --mode embedding -o tables/
    """
    from routecli.errors import InputError, InvalidValueError
    from routecli.pricing.litellm import import_litellm as convert
    from routecli.pricing.litellm import read_litellm_file
    from routecli.render.prices import import_summary

    date = _date_option(as_of)
    chosen = list(dict.fromkeys(provider or ()))
    modes = [m.value for m in mode or [ImportMode.chat]]
    source = f"LiteLLM {file.name}"
    document = read_litellm_file(file)
    try:
        result = convert(
            document,
            as_of=date,
            source=source,
            providers=chosen,
            modes=modes,
            include_retired=include_retired,
        )
    except InputError as error:
        raise error.located(str(file), None) from None
    if not result.tables:
        sys.stderr.write(import_summary(result))
        raise InvalidValueError(f"nothing to import with --mode {', '.join(modes)} (skipped entries above)")
    table = _TableWriter(result, date.isoformat(), source)
    if len(chosen) == 1 and not (output and output.is_dir()):
        table.write_one(chosen[0], output)
    else:
        table.write_folder(chosen, output)
    sys.stderr.write(import_summary(result))


def _date_option(text: str | None) -> dt.date:
    import datetime as dt

    from routecli.errors import InvalidValueError

    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidValueError(f"expected a date (YYYY-MM-DD), got {text!r}", path=("--as-of",)) from None


class _TableWriter:
    """Writes an import's tables: one to stdout or a file, or each into a folder."""

    def __init__(self, result: ImportResult, as_of: str, source: str) -> None:
        self.result = result
        self.as_of = as_of
        self.source = source

    def text(self, provider: str) -> str:
        from routecli.pricing.litellm import price_table_yaml

        return price_table_yaml(provider, self.result.tables[provider], as_of=self.as_of, source=self.source)

    def write_one(self, provider: str, output: Path | None) -> None:
        from routecli.cli.output import write_text

        write_text(self.text(provider), output, say=False)  # the line below says where
        where = f" to {output}" if output else ""
        count = len(self.result.tables[provider])
        print(f"{provider}: {count:,} model{'' if count == 1 else 's'}{where}", file=sys.stderr)

    def write_folder(self, chosen: list[str], output: Path | None) -> None:
        import re

        from routecli.cli.output import write_text
        from routecli.errors import InputFileError, InvalidValueError

        if output is None:
            raise InvalidValueError(
                "several providers make several tables: give -o DIR to write one PROVIDER.yaml each, or one --provider",
                path=("--output",),
            )
        if output.exists() and not output.is_dir():
            raise InputFileError("is a file; for several providers give a folder", source=str(output))
        try:
            output.mkdir(exist_ok=True)
        except OSError as error:
            raise InputFileError(f"cannot make the folder: {error.strerror}", source=str(output)) from None
        for provider in self.result.tables:
            write_text(self.text(provider), output / f"{re.sub(r'[^A-Za-z0-9._-]', '_', provider)}.yaml", say=False)
        count = sum(len(models) for models in self.result.tables.values())
        print(f"{len(self.result.tables):,} tables, {count:,} models, written to {output}", file=sys.stderr)
        empty = [provider for provider in chosen if provider not in self.result.tables]
        if empty:
            print(f"nothing to import for: {', '.join(empty)}", file=sys.stderr)


def register(app: typer.Typer) -> None:
    app.add_typer(pricing_app, name="pricing")
