"""``routecli check``: hold a report (or a scenario, simulated here) to cost and quality limits, for CI."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from routecli.cli.options import PricingOption
from routecli.errors import EXIT_FAILED, InvalidValueError

if TYPE_CHECKING:
    from routecli.ci.documents import ReportDocument
    from routecli.ci.policy import CheckName, CheckResult, ReportFigures

__all__ = ["CheckFormat", "read_report", "register"]


class CheckFormat(StrEnum):
    """Formats of the check's report."""

    table = "table"
    json = "json"
    markdown = "markdown"


_BY_SUFFIX = {".json": CheckFormat.json, ".md": CheckFormat.markdown}


def _limit_option(flag: str, metavar: str, help: str) -> Any:
    return typer.Option(flag, metavar=metavar, help=help, show_default=False)


def check(
    report: Annotated[
        Path,
        typer.Argument(
            help="A simulate or replay JSON report, '-' for one on stdin, or a scenario YAML (simulated here).",
            show_default=False,
            metavar="REPORT",
        ),
    ],
    policy: Annotated[
        Path | None,
        typer.Option("--policy", "-p", help="Policy YAML file of named rules (docs/ci.md).", show_default=False),
    ] = None,
    max_monthly: Annotated[
        str | None, _limit_option("--max-monthly", "USD", "Highest monthly cost of a strategy (not for replays).")
    ] = None,
    max_increase: Annotated[
        str | None,
        _limit_option(
            "--max-increase",
            "PCT%|USD",
            "Highest rise over --baseline of a strategy's monthly cost (a replay's total spend): 10% or 500 (USD).",
        ),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            metavar="BASE",
            help="The report (or scenario) --max-increase compares with, strategy by strategy.",
            show_default=False,
        ),
    ] = None,
    min_savings: Annotated[
        str | None,
        _limit_option(
            "--min-savings",
            "PCT%",
            "Lowest savings against the baseline strategy (a replay: all on its top tier): 30% or 0.3 (the same); "
            "a bare number of 1 or more is percent.",
        ),
    ] = None,
    min_quality: Annotated[
        str | None, _limit_option("--min-quality", "SHARE", "Lowest quality (a replay: accuracy): 0.85 or 85%.")
    ] = None,
    max_escalation_rate: Annotated[
        str | None,
        _limit_option("--max-escalation-rate", "SHARE", "Highest share of requests escalated: 0.2 or 20%."),
    ] = None,
    max_p95_latency_ms: Annotated[
        str | None,
        _limit_option("--max-p95-latency-ms", "MS", "Highest p95 latency in ms (a simulation has it with --samples)."),
    ] = None,
    strategy: Annotated[
        str | None,
        typer.Option(
            "--strategy", metavar="NAME", help="Apply the limit flags to this strategy only.", show_default=False
        ),
    ] = None,
    pricing: PricingOption = None,
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples",
            help="With a scenario: also simulate this many requests (Monte Carlo), for p95 latency.",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed for --samples.")] = 0,
    format: Annotated[
        CheckFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="Output format [default: from --output's suffix (.json, .md), else table].",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the report to this file; the failing rules still print."),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also list the checks that passed.")] = False,
) -> None:
    """Check REPORT against limits: print every failing rule; exit 1 if any fails.

    Limits come from the flags (on every strategy, or on --strategy's) and from
    a --policy file of named rules, each on every strategy or on its own
    `strategy`; a rule of severity `warning` is reported but never fails. Equal
    to a limit passes. With --output, the report goes to the file and the
    failing rules to the terminal.

    Under GitHub Actions (GITHUB_ACTIONS=true) it also prints ::error:: and
    ::warning:: annotations, and appends a Markdown summary to
    $GITHUB_STEP_SUMMARY.

    Exit codes: 0 every rule passed (warnings allowed), 1 a rule failed, 2 bad
    input or usage.

    \b
    Examples:
      routecli check report.json --max-monthly 5000 --min-quality 0.85
      routecli check report.json --baseline main.json --max-increase 10%
      routecli check scenarios/example.yaml --policy policy.yaml
      routecli simulate scenario.yaml -f json | routecli check - --min-savings 30%
    """
    from routecli.ci.policy import check_report, limit_rules
    from routecli.ci.policy_file import read_policy

    limits: dict[CheckName, str | None] = {
        "max_monthly": max_monthly,
        "max_increase": max_increase,
        "min_savings": min_savings,
        "min_quality": min_quality,
        "max_escalation_rate": max_escalation_rate,
        "max_p95_latency_ms": max_p95_latency_ms,
    }
    chosen = _resolve_format(format, output)
    rules = limit_rules(limits, strategy, None if policy is None else read_policy(policy))
    _check_paths(report, baseline, policy, output, simulated=(pricing, samples))
    options = (pricing or (), samples, seed)
    result = check_report(_load(report, *options), rules, None if baseline is None else _load(baseline, *options))
    _emit(result, chosen, output, verbose)
    if not result.passed:
        raise typer.Exit(EXIT_FAILED)


def _resolve_format(chosen: CheckFormat | None, output: Path | None) -> CheckFormat:
    if chosen is not None:
        return chosen
    if output is None:
        return CheckFormat.table
    return _BY_SUFFIX.get(output.suffix.lower(), CheckFormat.table)


def _check_paths(
    report: Path,
    baseline: Path | None,
    policy: Path | None,
    output: Path | None,
    simulated: tuple[Sequence[Path] | None, int | None],
) -> None:
    """Scenario-only options need a scenario; --output must not overwrite an input."""
    from routecli.cli.output import check_outputs

    if not any(path is not None and _is_scenario(path) for path in (report, baseline)):
        pricing, samples = simulated
        if pricing:
            raise InvalidValueError("--pricing prices a scenario; REPORT and --baseline are reports already priced")
        if samples is not None:
            raise InvalidValueError("--samples simulates a scenario; REPORT and --baseline are reports already run")
    inputs = [path for path in (report, baseline, policy) if path is not None and str(path) != "-"]
    check_outputs(inputs=inputs, outputs=[output], format=None)


def _is_scenario(path: Path) -> bool:
    return path.suffix.lower() in (".yaml", ".yml")


def read_report(
    path: Path, pricing: Sequence[Path] = (), samples: int | None = None, seed: int = 0, *, hashes: bool = False
) -> ReportDocument:
    """A JSON report as written (``-``: on stdin), or a scenario simulated now; ``check`` and ``diff`` read alike.

    ``hashes``: record the scenario's input hashes, as ``simulate`` does (``diff`` says which inputs changed).
    """
    from routecli.ci.documents import read_document, report_document

    if _is_scenario(path):
        return report_document(_simulate(path, pricing, samples, seed, hashes), str(path))
    return read_document(None if str(path) == "-" else path)


def _load(path: Path, pricing: Sequence[Path], samples: int | None, seed: int) -> ReportFigures:
    """A report's figures (see ``read_report``)."""
    from routecli.ci.policy import report_figures

    return report_figures(read_report(path, pricing, samples, seed))


def _simulate(path: Path, pricing: Sequence[Path], samples: int | None, seed: int, hashes: bool) -> dict[str, Any]:
    """The simulate report of a scenario, as ``routecli simulate --format json`` would write it (its figures)."""
    from routecli.render.simulate_json import simulation_document
    from routecli.simulate.run import simulate_file

    return simulation_document(simulate_file(path, pricing, samples=samples, seed=seed, insights=False, hashes=hashes))


def _emit(result: CheckResult, chosen: CheckFormat, output: Path | None, verbose: bool) -> None:
    """The report to --output (the failing rules then to the terminal) or to stdout; under Actions, annotations too."""
    from routecli.cli.output import write_text
    from routecli.render.check_report import check_json, check_lines, check_markdown, github_annotations

    width = _terminal_width()
    renderers = {
        CheckFormat.table: lambda: check_lines(result, verbose=verbose, width=width if output is None else None),
        CheckFormat.json: lambda: check_json(result),
        CheckFormat.markdown: lambda: check_markdown(result),
    }
    write_text(renderers[chosen](), output)
    if output is not None:
        sys.stdout.write(check_lines(result, verbose=verbose, width=width))
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return
    # The runner reads workflow commands from stdout and stderr: keep a JSON or Markdown report on stdout clean.
    annotations = sys.stdout if output is not None or chosen is CheckFormat.table else sys.stderr
    annotations.write(github_annotations(result))
    _append_summary(check_markdown(result))


def _terminal_width() -> int:
    """The terminal's width (COLUMNS when set; 80 when piped), the width other commands' tables take."""
    from rich.console import Console

    return Console().width


def _append_summary(markdown: str) -> None:
    """Add the Markdown summary to the job's page; a summary that cannot be written must not fail the check."""
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if not summary:
        return
    try:
        with open(summary, "a", encoding="utf-8") as file:
            file.write("\n" + markdown)
    except OSError as error:
        print(f"Warning: cannot append to GITHUB_STEP_SUMMARY ({summary}): {error.strerror}", file=sys.stderr)


def register(app: typer.Typer) -> None:
    app.command()(check)
