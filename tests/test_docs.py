"""Docs stay true: every command has help, docs/cli.md is the current --help, examples run."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
import yaml
from typer.main import get_command
from typer.testing import CliRunner

from routecli.cli import app
from tests.helpers.paths import REPO

CLI_DOC = REPO / "docs" / "cli.md"
HEADER = """\
# Command reference

Generated from `--help`; `ROUTECLI_UPDATE_DOCS=1 python -m pytest tests/test_docs.py` rewrites it,
and the test suite fails when it is stale; its Conventions section is kept in tests/test_docs.py.

## Conventions

**Shares, rates, probabilities and qualities: `0.95` and `95%` are the same value.** Everywhere routecli
reads one — command options (`tune --quality-floor`, `--relative-floor`, `--target-strong-share`, `--holdout`,
`evaluate --judge-error`, `breakeven --quality-floor`, `check --min-quality`, `--max-escalation-rate`),
scenario files (segment `share`, `quality`, router `accuracy`, evaluator `tpr`/`fpr`, `accept`, cache
`hit_rate`, `cached_share` …), router configs (`min_token_prob`) and policy files (`min_quality`,
`max_escalation_rate`) — a number from 0 to 1 and a percentage from 0% to 100% mean the same absolute
value, read exactly (`95%` is 0.95). A percentage above 100% or below 0% is refused, naming the option or
the file, line and key. In YAML, write a percentage as is (`accuracy: 90%`) or quoted (`"90%"`).

A floor relative to the strongest model has its own option: `tune --relative-floor 95%` is 95% of the
strong model's quality, where `--quality-floor 95%` is the absolute quality 0.95.

Savings and drift read both spellings too: `check --min-savings` and a policy's `min_savings` take `30%` or
`0.3` (30%, at most 100%), and `replay --tolerance` takes `5%` or `0.05` (5 percentage points). A bare number
of 1 or more keeps the meaning it had before shares were read there, percent or points (`--min-savings 30`,
`--tolerance 5`), so existing CI files keep working; a bare number below 1 is a share.

`sweep --vary` and `breakeven --range` take percentages where the parameter is a share
(`--vary traffic.segments.simple.share=40%,60%`, `--range 0%:50%`) and refuse them for any other number
(a price, a token count, `growth.monthly_pct`): write those as in the scenario file.

Percentages of something else keep their own meaning: `check --max-increase 10%` (against 500, an amount in
USD), and a scenario's `growth.monthly_pct` and `volume_sd_pct` (in percent).
"""


def _command_paths() -> list[list[str]]:
    paths: list[list[str]] = [[]]
    root = get_command(app)
    for name, command in sorted(getattr(root, "commands", {}).items()):
        paths.append([name])
        for sub in sorted(getattr(command, "commands", {})):
            paths.append([name, sub])
    return paths


def _help(path: list[str]) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "80"}, prog_name="routecli")
    assert result.exit_code == 0, result.output
    return result.stdout


def _reference() -> str:
    parts = [HEADER]
    for path in _command_paths():
        title = " ".join(["routecli", *path])
        parts.append(f"## `{title}`\n\n```\n{_help(path).rstrip()}\n```\n")
    return "\n".join(parts)


@pytest.mark.parametrize("path", _command_paths(), ids=lambda p: " ".join(p) or "routecli")
def test_every_command_has_help(path: list[str]) -> None:
    text = _help(path)
    usage, _, rest = text.partition("\n\n")
    assert usage.startswith("Usage: routecli")
    assert rest.strip(), f"{path} has no help text"


def test_cli_reference_is_current() -> None:
    expected = _reference()
    if os.environ.get("ROUTECLI_UPDATE_DOCS"):
        CLI_DOC.write_text(expected)
    assert CLI_DOC.read_text() == expected, "docs/cli.md is stale: run ROUTECLI_UPDATE_DOCS=1 pytest tests/test_docs.py"


def _readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    return re.findall(r"```(?:bash|sh|console)\n(.*?)```", text, re.S)


def test_readme_gives_two_commands() -> None:
    blocks = _readme_commands()
    assert len(blocks) >= 2
    install, tests = blocks[0].strip(), blocks[1].strip()
    assert "pip install" in install
    assert "routecli simulate scenarios/" in install
    assert "pytest" in tests
    assert tests in (REPO / ".ci" / "run").read_text(), ".ci/run must run the README's test command"


def test_readme_example_scenario_exists() -> None:
    install = _readme_commands()[0]
    (path,) = re.findall(r"routecli simulate (\S+)", install)
    assert (REPO / path).is_file()


def test_docs_yaml_snippets_parse() -> None:
    for doc in sorted((REPO / "docs").glob("*.md")):
        for block in re.findall(r"```yaml\n(.*?)```", doc.read_text(), re.S):
            yaml.safe_load(block)


def test_docs_links_resolve() -> None:
    for doc in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", doc.read_text()):
            assert (doc.parent / target).exists(), f"{doc.name} links to missing {target}"


def test_exit_codes_documented() -> None:
    text = (REPO / "README.md").read_text() + Path(REPO / "docs" / "cli.md").read_text()
    for code in ("0", "1", "2"):
        assert re.search(rf"\b{code}\b", text)


def test_readme_sample_output_is_current() -> None:
    text = (REPO / "README.md").read_text()
    sample = re.search(r"```\n\$ routecli simulate (\S+)\n(.*?)```", text, re.S)
    assert sample is not None
    path, shown = sample.groups()
    result = CliRunner().invoke(app, ["simulate", str(REPO / path)], env={"COLUMNS": "80"})
    produced = [line.rstrip() for line in result.stdout.splitlines()]
    assert [line.rstrip() for line in shown.splitlines()] == produced[: len(shown.splitlines())]


def _doc_commands(doc: Path) -> list[str]:
    return [
        line
        for block in re.findall(r"```sh\n(.*?)```", doc.read_text(), re.S)
        for line in block.splitlines()
        if line.startswith("routecli ")
    ]


@pytest.mark.parametrize("command", _doc_commands(REPO / "docs" / "analysis.md"))
def test_analysis_doc_examples_run(command: str, tmp_path: Path) -> None:
    """Each example of docs/analysis.md runs against the bundled scenarios; files land in tmp_path."""
    args = [str(REPO / arg) if arg.startswith("scenarios/") else arg for arg in shlex.split(command)[1:]]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    for option in ("--output", "--chart"):
        if option in args:
            assert (tmp_path / args[args.index(option) + 1]).stat().st_size > 0
