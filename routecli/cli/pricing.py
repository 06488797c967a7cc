"""``routecli pricing list|show``: the price tables routecli knows."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from routecli.cli.output import FORMAT_HELP, OutputFormat, emit
from routecli.cli.simulate import PricingOption

__all__ = ["register"]

pricing_app = typer.Typer(help="Browse the price tables (shipped, plus any --pricing files).", no_args_is_help=True)


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
    from routecli.errors import InputError
    from routecli.pricing_files import load_price_files
    from routecli.render import prices
    from routecli.spec import closest

    models = list(load_price_files(pricing or ()))
    if provider:
        providers = sorted({m.provider for m in models})
        if provider.lower() not in {name.lower() for name in providers}:
            near = closest(provider, providers)
            hint = f"did you mean {near[0]!r}?" if near else "known: " + ", ".join(providers)
            raise InputError(f"unknown provider {provider!r}; {hint}", path=("--provider",))
        models = [m for m in models if m.provider.lower() == provider.lower()]
    if search:
        needle = search.lower()
        models = [m for m in models if any(needle in name.lower() for name in (m.id, *m.aliases))]
    models.sort(key=lambda m: (m.provider, m.id))
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

    from routecli.pricing import price_to_json
    from routecli.pricing_files import load_price_files
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


def register(app: typer.Typer) -> None:
    app.add_typer(pricing_app, name="pricing")
