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
    analysis = "analysis"


def init(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="Where to write the scenario [default: scenario.yaml, unless only --router].", metavar="PATH"
        ),
    ] = None,
    router: Annotated[
        Path | None,
        typer.Option(
            "--router", help="Also write a starter router config (replay's --config) here.", show_default=False
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter scenario to PATH, ready for `routecli simulate`.

    \b
    With --router FILE, also (or, without PATH, only) a starter router config:
      routecli init --router router.yaml
      routecli replay PROMPTS.jsonl --config router.yaml --dry-run
    """
    import shlex
    from importlib.resources import files

    from routecli.errors import InputFileError

    scenario = Path("scenario.yaml") if path is None and router is None else path
    targets = [target for target in (scenario, router) if target is not None]
    for target in targets:  # refuse before writing anything
        if target.is_dir():
            raise InputFileError("is a directory; give a file name, e.g. scenario.yaml", source=str(target))
        if target.exists() and not force:
            raise InputFileError("already exists; pass --force to overwrite", source=str(target))
    if scenario is not None and router is not None and scenario.resolve() == router.resolve():
        raise InputFileError("is both the scenario and --router; give two file names", source=str(router))
    starters = files("routecli")
    if scenario is not None:
        text = starters.joinpath("starter.yaml").read_text(encoding="utf-8")
        # The header's command names the file it is in.
        text = text.replace("routecli simulate scenario.yaml", f"routecli simulate {shlex.quote(str(scenario))}", 1)
        write_text(text, scenario)
        print(f"Next: routecli simulate {shlex.quote(str(scenario))}")
    if router is not None:
        text = starters.joinpath("starter-router.yaml").read_text(encoding="utf-8")
        text = text.replace("--config router.yaml", f"--config {shlex.quote(str(router))}", 1)
        write_text(text, router)
        print(f"Next: routecli replay PROMPTS.jsonl --config {shlex.quote(str(router))} --dry-run")


def schema(
    name: Annotated[
        SchemaName,
        typer.Argument(
            help="scenario, pricing (price tables), report (simulate --format json), "
            "router (replay's --config), replay-report (replay --format json) or analysis (analyze --format json).",
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
    elif name is SchemaName.analysis:
        from routecli.render.analysis_report import ANALYSIS_SCHEMA

        document = ANALYSIS_SCHEMA
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
