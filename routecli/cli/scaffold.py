"""``routecli init`` and ``routecli schema``: start a scenario, and check it in an editor."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from routecli.cli.output import write_text

__all__ = ["register"]


class SchemaName(StrEnum):
    """Files routecli publishes a JSON Schema for."""

    scenario = "scenario"
    pricing = "pricing"
    report = "report"
    router = "router"
    replay_report = "replay-report"


def init(
    path: Annotated[Path, typer.Argument(help="Where to write the scenario.", metavar="PATH")] = Path("scenario.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter scenario to PATH, ready for `routecli simulate`."""
    from importlib.resources import files

    from routecli.errors import InputFileError

    if path.is_dir():
        raise InputFileError("is a directory; give a file name, e.g. scenario.yaml", source=str(path))
    if path.exists() and not force:
        raise InputFileError("already exists; pass --force to overwrite", source=str(path))
    write_text(files("routecli").joinpath("starter.yaml").read_text(encoding="utf-8"), path)
    print(f"Wrote {path}. Next: routecli simulate {path}")


def schema(
    name: Annotated[
        SchemaName,
        typer.Argument(
            help="scenario, pricing (price tables), report (simulate --format json), "
            "router (replay's --config) or replay-report (replay --format json).",
            metavar="NAME",
        ),
    ] = SchemaName.scenario,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
) -> None:
    """Print the JSON Schema of scenario files, price tables, router configs, or a JSON report.

    \b
    Example (VS Code with the YAML extension; first line of a scenario):
      routecli schema scenario -o routecli-scenario.schema.json
      # yaml-language-server: $schema=./routecli-scenario.schema.json
    """
    import json

    from routecli.pricing.price_files import PRICE_TABLE_SPEC
    from routecli.render.simulate_json import REPORT_SCHEMA
    from routecli.simulate.scenario_file import SCENARIO_SPEC

    if name is SchemaName.report:
        document = REPORT_SCHEMA
    elif name is SchemaName.replay_report:
        from routecli.render.replay_json import REPLAY_REPORT_SCHEMA

        document = REPLAY_REPORT_SCHEMA
    else:
        from routecli.replay.config_file import ROUTER_SPEC

        specs = {
            SchemaName.scenario: SCENARIO_SPEC,
            SchemaName.pricing: PRICE_TABLE_SPEC,
            SchemaName.router: ROUTER_SPEC,
        }
        document = {"$schema": "https://json-schema.org/draft/2020-12/schema", **specs[name].json_schema()}
    write_text(json.dumps(document, indent=2) + "\n", output)


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(schema)
