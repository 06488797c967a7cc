"""What ``routecli check`` prints: terminal lines, a Markdown summary, JSON, and GitHub Actions annotations.

And what ``replay --dry-run --baseline`` prints of a router's drift, with its annotations.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from decimal import Decimal
from typing import Any, NamedTuple

from routecli import __version__
from routecli.ci.drift import TierDrift, TierShift
from routecli.ci.policy import FLAGS, CheckName, CheckResult, ReportFigures, RuleResult, Status
from routecli.render.numbers import decimal_str, fixed, money, percent, plain_number

__all__ = [
    "CHECK_SCHEMA_VERSION",
    "check_document",
    "check_json",
    "check_lines",
    "check_markdown",
    "drift_annotations",
    "drift_lines",
    "escape_data",
    "escape_property",
    "github_annotations",
    "worded",
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
    total = len(result.results)
    failed, warned = len(result.failed), len(result.warned)
    checks = "check" if total == 1 else "checks"
    text = f"{failed} of {total} {checks} failed" if failed else f"{total - warned} of {total} {checks} passed"
    return text + (f", {warned} warned" if warned else "")


def check_lines(result: CheckResult, *, verbose: bool = False, width: int | None = None) -> str:
    """Every failed and warned check (and with ``verbose`` every passed one), one line each, then the tally.

    With ``width``, a longer line wraps between words, its continuation indented under the message.
    """
    lines = [f"routecli check: {_heading(result)}"]
    lines += [
        f"{_TAGS[outcome.status]}  {worded(outcome, result.report).message}"
        for outcome in result.results
        if verbose or outcome.status != "passed"
    ]
    lines += [f"Note: {note}" for note in result.notes]
    lines.append(f"{'PASSED' if result.passed else 'FAILED'}: {_tally(result)}")
    if width is not None:
        lines = [_wrapped(line, width) for line in lines]
    return "\n".join(lines) + "\n"


def _wrapped(line: str, width: int) -> str:
    """``line`` wrapped at ``width`` between words (never inside an id or a name), continued under the message."""
    indent = " " * len("FAIL  ")
    return textwrap.fill(line, width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _rule_cell(outcome: RuleResult) -> str:
    rule = outcome.rule
    return f"`{FLAGS[rule.check]}`" if rule.name is None else f"{rule.name} (`{rule.check}`)"


def check_markdown(result: CheckResult) -> str:
    """The GitHub step summary (or a pull-request comment): the verdict, a table of every check, the messages."""
    verdict = "✅ routecli check passed" if result.passed else "❌ routecli check failed"
    heading = _heading(result)
    lines = [f"### {verdict}", "", f"{_cell(heading[:1].upper() + heading[1:])}: {_tally(result)}.", ""]
    lines += ["| Result | Strategy | Rule | Actual | Limit |", "|---|---|---|---|---|"]
    for outcome in result.results:
        words = worded(outcome, result.report)
        lines.append(
            f"| {_ICONS[outcome.status]} | {_cell(outcome.strategy)} | {_cell(_rule_cell(outcome))} "
            f"| {_cell(words.actual)} | {_cell(words.limit)} |"
        )
    for title, outcomes in (("Failed", result.failed), ("Warnings", result.warned)):
        if outcomes:
            lines += ["", f"**{title}**", ""]
            lines += [f"- {worded(outcome, result.report).message}" for outcome in outcomes]
    if result.notes:
        lines.append("")
        lines += [f"> Note: {note}" for note in result.notes]
    return "\n".join(lines) + "\n"


def _unit(outcome: RuleResult) -> str:
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
            "checks": len(result.results),
            "passed": len(result.results) - len(result.failed) - len(result.warned),
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
                "message": worded(outcome, report).message,
            }
            for outcome in result.results
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
    for outcome in result.results:
        if outcome.status == "passed":
            continue
        command = "error" if outcome.status == "failed" else "warning"
        rule = outcome.rule
        title = escape_property(f"routecli check: {FLAGS[rule.check] if rule.name is None else rule.name}")
        lines.append(f"::{command} title={title}::{escape_data(worded(outcome, result.report).message)}")
    return "".join(line + "\n" for line in lines)


def _drift_line(shift: TierShift, tolerance: str) -> str:
    return (
        f"Drift: {shift.tier} {float(shift.old):.1f}% → {float(shift.new):.1f}% "
        f"({float(shift.change):+.1f} points, tolerance {tolerance})"
    )


def drift_lines(drift: TierDrift) -> str:
    """A line per tier that moved more than the tolerance, else one that none did; the notes first."""
    tolerance = f"{drift.tolerance.normalize():f}"
    lines = [f"Note: {note}" for note in drift.notes]
    lines.extend(_drift_line(shift, tolerance) for shift in drift.drifted)
    if drift.passed:
        lines.append(f"No tier's share moved more than {tolerance} points")
    return "".join(line + "\n" for line in lines)


def drift_annotations(drift: TierDrift) -> str:
    """``::error title=…::message`` for each tier that drifted."""
    title = escape_property("routecli replay --baseline")
    tolerance = f"{drift.tolerance.normalize():f}"
    return "".join(f"::error title={title}::{escape_data(_drift_line(shift, tolerance))}\n" for shift in drift.drifted)


# ----------------------------------------------------------------- how outcomes read

_HUNDRED = Decimal(100)


def _exact_percent(value: Decimal) -> str:
    return f"{decimal_str(value)}%"


def _exact_money(value: Decimal) -> str:
    return ("-$" if value < 0 else "$") + decimal_str(abs(value))


def _share(value: Decimal) -> str:
    return percent(value * _HUNDRED)


def _quality(value: Decimal) -> str:
    return f"{fixed(value, 3):.3f}"


def _milliseconds(value: Decimal) -> str:
    return f"{plain_number(value)} ms"


_NOUNS: dict[CheckName, str] = {
    "max_monthly": "monthly cost",
    "min_savings": "savings",
    "min_quality": "quality",
    "max_escalation_rate": "escalation rate",
    "max_p95_latency_ms": "p95 latency",
}
_SENTENCES: dict[CheckName, tuple[str, str, str]] = {
    "max_monthly": ("monthly cost {actual} is {verdict} the {limit} budget", "within", "over"),
    "min_savings": ("saves {actual} against {against}, {verdict} the {limit} minimum", "at least", "under"),
    "min_quality": ("quality {actual} {verdict} the {limit} minimum", "meets", "is under"),
    "max_escalation_rate": ("escalation rate {actual} is {verdict} the {limit} maximum", "within", "over"),
    "max_p95_latency_ms": ("p95 latency {actual} is {verdict} the {limit} maximum", "within", "over"),
}
"""Each check's sentence, and its verdict words when the figure is within the limit and when not."""
_SHOW: dict[CheckName, Callable[[Decimal], str]] = {
    "max_monthly": money,
    "min_savings": percent,
    "min_quality": _quality,
    "max_escalation_rate": _share,
    "max_p95_latency_ms": _milliseconds,
}
_EXACT: dict[CheckName, Callable[[Decimal], str]] = {
    "max_monthly": _exact_money,
    "min_savings": _exact_percent,
    "min_quality": decimal_str,
    "max_escalation_rate": lambda value: _exact_percent(value * _HUNDRED),
    "max_p95_latency_ms": lambda value: f"{decimal_str(value)} ms",
}


class Worded(NamedTuple):
    """An outcome as people read it: the message, and the actual figure and the limit as shown in tables."""

    message: str
    """``route: monthly cost $5,210.00 is over the $5,000.00 budget (max_monthly, rule 'monthly budget')``."""
    actual: str
    limit: str


def _shown(
    actual: Decimal, limit: Decimal, show: Callable[[Decimal], str], exact: Callable[[Decimal], str]
) -> tuple[str, str]:
    """Both figures rounded for reading, or exact where rounding would make a miss look like the limit."""
    pair = show(actual), show(limit)
    if pair[0] == pair[1] and actual != limit:
        return exact(actual), exact(limit)
    return pair


def worded(outcome: RuleResult, report: ReportFigures) -> Worded:
    """The outcome's sentence (labelled with its strategy and rule) and its figures, rounded for reading."""
    text, shown_actual, shown_limit = (
        _increase_words(outcome, report) if outcome.rule.check == "max_increase" else _check_words(outcome, report)
    )
    rule = outcome.rule
    label = FLAGS[rule.check] if rule.name is None else f"{rule.check}, rule {rule.name!r}"
    return Worded(f"{outcome.strategy}: {text} ({label})", shown_actual, shown_limit)


def _check_words(outcome: RuleResult, report: ReportFigures) -> tuple[str, str, str]:
    check, limit = outcome.rule.check, outcome.rule.limit.value
    if outcome.actual is None:
        return f"no {_NOUNS[check]} to check: {outcome.unknown}", "—", _SHOW[check](limit)
    shown_actual, shown_limit = _shown(outcome.actual, limit, _SHOW[check], _EXACT[check])
    sentence, if_within, if_not = _SENTENCES[check]
    verdict = if_within if outcome.within else if_not
    text = sentence.format(actual=shown_actual, limit=shown_limit, verdict=verdict, against=report.savings_against)
    return text, shown_actual, shown_limit


def _increase_words(outcome: RuleResult, report: ReportFigures) -> tuple[str, str, str]:
    noun = "monthly cost" if report.kind == "simulation" else "total spend"
    limit = outcome.rule.limit
    shown_limit = percent(limit.value) if limit.percent else money(limit.value)
    if outcome.change is None:
        return f"not in the baseline report, so its {noun} has nothing to compare with", "—", shown_limit
    before, after = outcome.change
    if outcome.actual is None:
        text = f"{noun} rose from nothing to {money(after)} against the baseline, more than any percentage"
        return text, "—", shown_limit
    show, exact = (percent, _exact_percent) if limit.percent else (money, _exact_money)
    shown_actual, shown_limit = _shown(abs(outcome.actual), limit.value, show, exact)
    rise = after - before
    moved = f"rose {shown_actual}" if rise > 0 else f"fell {shown_actual}" if rise < 0 else "is unchanged"
    verdict = "within" if outcome.within else "over"
    text = (
        f"{noun} {moved} against the baseline ({money(before)} → {money(after)}), {verdict} the {shown_limit} allowed"
    )
    return text, ("-" if rise < 0 else "") + shown_actual, shown_limit
