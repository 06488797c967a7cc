"""What ``routecli check`` prints: terminal lines, a Markdown summary, JSON, and GitHub Actions annotations."""

from __future__ import annotations

import json
from typing import Any

from routecli import __version__
from routecli.ci.policy import FLAGS, CheckName, CheckResult, Outcome, Status
from routecli.render.numbers import decimal_str

__all__ = [
    "CHECK_SCHEMA_VERSION",
    "check_document",
    "check_json",
    "check_lines",
    "check_markdown",
    "escape_data",
    "escape_property",
    "github_annotations",
]

CHECK_SCHEMA_VERSION = 1

_TAGS: dict[Status, str] = {"passed": "PASS", "failed": "FAIL", "warned": "WARN"}
_ICONS: dict[Status, str] = {"passed": "✅ passed", "failed": "❌ failed", "warned": "⚠️ warned"}
_UNITS: dict[CheckName, str] = {
    "max_monthly": "USD",
    "min_savings": "%",
    "min_quality": "share",
    "max_escalation_rate": "share",
    "max_p95_latency_ms": "ms",
}


def _heading(result: CheckResult) -> str:
    report = result.report
    if report.kind == "replay":
        return report.title
    count = len(report.strategies)
    return f"{report.title} ({count} {'strategy' if count == 1 else 'strategies'})"


def _tally(result: CheckResult) -> str:
    """``1 of 6 checks failed, 1 warned``, or ``5 of 6 checks passed, 1 warned``."""
    total = len(result.outcomes)
    failed, warned = len(result.failed), len(result.warned)
    checks = "check" if total == 1 else "checks"
    text = f"{failed} of {total} {checks} failed" if failed else f"{total - warned} of {total} {checks} passed"
    return text + (f", {warned} warned" if warned else "")


def check_lines(result: CheckResult, *, verbose: bool = False) -> str:
    """Every failed and warned check (and with ``verbose`` every passed one), one line each, then the tally."""
    lines = [f"routecli check: {_heading(result)}"]
    lines += [
        f"{_TAGS[outcome.status]}  {outcome.message}"
        for outcome in result.outcomes
        if verbose or outcome.status != "passed"
    ]
    lines += [f"Note: {note}" for note in result.notes]
    lines.append(f"{'PASSED' if result.passed else 'FAILED'}: {_tally(result)}")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _rule_cell(outcome: Outcome) -> str:
    rule = outcome.rule
    return f"`{FLAGS[rule.check]}`" if rule.name is None else f"{rule.name} (`{rule.check}`)"


def check_markdown(result: CheckResult) -> str:
    """The GitHub step summary (or a pull-request comment): the verdict, a table of every check, the messages."""
    verdict = "✅ routecli check passed" if result.passed else "❌ routecli check failed"
    heading = _heading(result)
    lines = [f"### {verdict}", "", f"{_cell(heading[:1].upper() + heading[1:])}: {_tally(result)}.", ""]
    lines += ["| Result | Strategy | Rule | Actual | Limit |", "|---|---|---|---|---|"]
    lines += [
        f"| {_ICONS[o.status]} | {_cell(o.strategy)} | {_cell(_rule_cell(o))} | {_cell(o.shown_actual)} "
        f"| {_cell(o.shown_limit)} |"
        for o in result.outcomes
    ]
    for title, outcomes in (("Failed", result.failed), ("Warnings", result.warned)):
        if outcomes:
            lines += ["", f"**{title}**", ""]
            lines += [f"- {outcome.message}" for outcome in outcomes]
    if result.notes:
        lines.append("")
        lines += [f"> Note: {note}" for note in result.notes]
    return "\n".join(lines) + "\n"


def _unit(outcome: Outcome) -> str:
    rule = outcome.rule
    if rule.check == "max_increase":
        return "%" if rule.limit.percent else "USD"
    return _UNITS[rule.check]


def check_document(result: CheckResult) -> dict[str, Any]:
    """The check as JSON-ready data: limits and figures as exact decimal strings in ``unit``."""
    report = result.report
    return {
        "schema_version": CHECK_SCHEMA_VERSION,
        "kind": "check",
        "routecli_version": __version__,
        "checked": {"kind": report.kind, "title": report.title, "strategies": report.names()},
        "passed": result.passed,
        "counts": {
            "checks": len(result.outcomes),
            "passed": len(result.outcomes) - len(result.failed) - len(result.warned),
            "failed": len(result.failed),
            "warned": len(result.warned),
        },
        "outcomes": [
            {
                "strategy": outcome.strategy,
                "status": outcome.status,
                "check": outcome.rule.check,
                "rule": outcome.rule.name,
                "flag": FLAGS[outcome.rule.check] if outcome.rule.name is None else None,
                "severity": outcome.rule.severity,
                "unit": _unit(outcome),
                "limit": decimal_str(outcome.rule.limit.value),
                "actual": None if outcome.actual is None else decimal_str(outcome.actual),
                "message": outcome.message,
            }
            for outcome in result.outcomes
        ],
        "notes": list(result.notes),
    }


def check_json(result: CheckResult) -> str:
    """The check as indented JSON text."""
    return json.dumps(check_document(result), indent=2, ensure_ascii=False) + "\n"


def escape_data(text: str) -> str:
    """A workflow command's message: %, CR and LF are escaped (GitHub's toolkit does the same)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotations(result: CheckResult) -> str:
    """``::error title=…::message`` for each failed check and ``::warning`` for each warned one."""
    lines = []
    for outcome in result.outcomes:
        if outcome.status == "passed":
            continue
        command = "error" if outcome.status == "failed" else "warning"
        rule = outcome.rule
        title = escape_property(f"routecli check: {FLAGS[rule.check] if rule.name is None else rule.name}")
        lines.append(f"::{command} title={title}::{escape_data(outcome.message)}")
    return "".join(line + "\n" for line in lines)
