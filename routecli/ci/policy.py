"""Cost and quality policies checked against a report: the rules, the figures they read, and the verdicts.

Data flows one way: a simulate or replay report (a ``ReportDocument`` of
``routecli.ci.documents``) → ``report_figures`` → ``ReportFigures``; rules from limit flags (``flag_rule``) or a
policy file (``read_policy``) → ``check_report`` → ``CheckResult``, with one
``RuleResult`` per rule and strategy. Nothing here prints or exits: ``routecli
check`` does that.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal, NamedTuple

from routecli.ci.documents import DocumentReader, ReportDocument
from routecli.errors import InvalidValueError, KeyPath
from routecli.spec import (
    Choice,
    Field,
    List,
    Obj,
    Spec,
    Str,
    describe,
    did_you_mean,
    percent_from_text,
    share_from_text,
    to_decimal,
)

__all__ = [
    "CHECKS",
    "FLAGS",
    "POLICY_SPEC",
    "CheckName",
    "CheckResult",
    "Figures",
    "Limit",
    "Origin",
    "PolicyRule",
    "ReportFigures",
    "RuleResult",
    "Severity",
    "Status",
    "build_policy",
    "check_report",
    "flag_rule",
    "limit_rules",
    "parse_limit",
    "report_figures",
]

CheckName = Literal[
    "max_monthly", "max_increase", "min_savings", "min_quality", "max_escalation_rate", "max_p95_latency_ms"
]
Severity = Literal["error", "warning"]
Status = Literal["passed", "failed", "warned"]
ReportKind = Literal["simulation", "replay"]

CHECKS: tuple[CheckName, ...] = (
    "max_monthly",
    "max_increase",
    "min_savings",
    "min_quality",
    "max_escalation_rate",
    "max_p95_latency_ms",
)
"""Every limit a rule can set, in the order they are checked (policy-file keys)."""

FLAGS: dict[CheckName, str] = {check: "--" + check.replace("_", "-") for check in CHECKS}
"""The command-line flag of each check."""

_EXPECTED: dict[CheckName, str] = {
    "max_monthly": "an amount in USD of at least 0, like 5000",
    "max_increase": "a percentage like 10% or an amount in USD like 500",
    "min_savings": "a percentage of at most 100%, like 30% (or the share 0.3)",
    "min_quality": "a quality from 0 to 1 or a percentage like 95%",
    "max_escalation_rate": "a share from 0 to 1 or a percentage like 95%",
    "max_p95_latency_ms": "milliseconds of at least 0, like 2000",
}
_DOC: dict[CheckName, str] = {
    "max_monthly": "Highest monthly cost in USD (simulate reports and scenarios).",
    "max_increase": "Highest rise of monthly cost (a replay's total spend) over --baseline: 10% or USD.",
    "min_savings": "Lowest savings against the baseline strategy (a replay: against all on its top tier): 30% or 0.3; "
    "a bare number of 1 or more is percent (30).",
    "min_quality": "Lowest quality (a replay: accuracy), a share from 0 to 1 or a percentage.",
    "max_escalation_rate": "Highest share of requests escalated, from 0 to 1 or a percentage.",
    "max_p95_latency_ms": "Highest 95th-percentile latency in ms (simulate: needs --samples).",
}
_HUNDRED = Decimal(100)
_SHARES: dict[CheckName, str] = {"min_quality": "a quality", "max_escalation_rate": "a share"}
"""The checks whose limit is a share, with what their errors call it."""


# ----------------------------------------------------------------- rules


class Limit(NamedTuple):
    """A check's limit; ``percent`` tells a ``max_increase`` of 10% from one of $10."""

    value: Decimal
    percent: bool = False


class Origin(NamedTuple):
    """Where a rule was written, so that a rule the report cannot be held to is reported there."""

    source: str | None = None
    path: KeyPath = ()
    """``("rules", 2)`` in a policy file; empty for a flag."""
    line: int | None = None
    """The line of the rule's limit key."""
    strategy_line: int | None = None


class PolicyRule(NamedTuple):
    """One limit, on every strategy of a report or on the one named."""

    check: CheckName
    limit: Limit
    name: str | None = None
    """The policy file's name for the rule; ``None`` for a limit flag."""
    strategy: str | None = None
    severity: Severity = "error"
    origin: Origin = Origin()

    def error(self, message: str, key: str) -> InvalidValueError:
        """An input error about the rule's ``strategy`` or limit key, located where the rule was written."""
        origin = self.origin
        line = origin.strategy_line if key == "strategy" else origin.line
        if self.name is None:
            return InvalidValueError(message, path=("--strategy",) if key == "strategy" else (FLAGS[self.check],))
        return InvalidValueError(message, source=origin.source, line=line, path=(*origin.path, key))


def parse_limit(check: CheckName, value: Any, path: KeyPath) -> Limit:
    """A limit as typed on the command line or written in a policy file: a number, or text like ``10%``."""
    if check in _SHARES:  # 0.85 and 85% alike, as every share routecli reads (docs/cli.md, Conventions)
        return Limit(share_from_text(value, path, _SHARES[check]))
    if check == "min_savings":  # 30%, 0.3 and (as before shares were read here) 30 alike
        savings = percent_from_text(value)
        if savings is not None and savings <= _HUNDRED:
            return Limit(savings, percent=True)
        raise InvalidValueError(f"expected {_EXPECTED[check]}, got {describe(value)}", path=path)
    is_percent = isinstance(value, str) and value.strip().endswith("%")
    number = _limit_number(value)
    if number is not None and number >= 0 and not (is_percent and check != "max_increase"):
        return Limit(number, percent=is_percent)
    raise InvalidValueError(f"expected {_EXPECTED[check]}, got {describe(value)}", path=path)


def _limit_number(value: Any) -> Decimal | None:
    """The number in ``5000``, ``"$5,000"`` or ``"10%"``; ``None`` when there is none."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        number = to_decimal(value)
    elif isinstance(value, str):
        text = value.strip().removesuffix("%").removeprefix("$").replace(",", "").strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
    else:
        return None
    return number if number.is_finite() else None


def flag_rule(check: CheckName, text: str, strategy: str | None = None) -> PolicyRule:
    """The rule a limit flag sets, such as ``--max-increase 10%``; ``strategy`` from ``--strategy``."""
    return PolicyRule(check, parse_limit(check, text, (FLAGS[check],)), strategy=strategy)


class _LimitSpec(Spec):
    """A check's limit in a policy file: a number, or text like ``10%`` where a percentage is meant."""

    def __init__(self, check: CheckName) -> None:
        self.check_name = check
        self.doc = _DOC[check]

    def accepts_type(self, value: Any) -> bool:
        return isinstance(value, (int, float, Decimal, str)) and not isinstance(value, bool)

    def expected(self) -> str:
        return _EXPECTED[self.check_name]

    def check(self, value: Any, path: KeyPath) -> Limit:
        return parse_limit(self.check_name, value, path)

    def json_schema(self) -> dict[str, Any]:
        percentage = {"type": "string", "pattern": r"^\s*-?[0-9]+(\.[0-9]+)?\s*%\s*$"}
        if self.check_name in ("max_monthly", "max_p95_latency_ms"):
            return self._with_doc({"type": "number", "minimum": 0})
        return self._with_doc({"anyOf": [{"type": "number"}, percentage]})


_RULE = Obj(
    {
        "name": Field(Str(doc="What the rule is called in messages."), required=True),
        "strategy": Field(Str(doc="The one strategy the rule applies to; without it, every strategy.")),
        "severity": Field(
            Choice(("error", "warning"), doc="warning: reported, never fails the check."), default="error"
        ),
        **{check: Field(_LimitSpec(check)) for check in CHECKS},
    },
    doc="Named limits; each limit key set is checked on its own.",
)

POLICY_SPEC: Spec = Obj(
    {"rules": Field(List(_RULE, min_items=1, doc="The rules to check."), required=True)},
    title="routecli policy",
    doc="Limits `routecli check` holds a report to (docs/ci.md).",
)
"""The shape of a policy file."""


def build_policy(
    data: Any, source: str | None = None, line_of: Callable[[KeyPath], int | None] | None = None
) -> list[PolicyRule]:
    """The rules of a loaded policy file; ``line_of`` gives each rule's line for later errors."""
    checked = POLICY_SPEC.check(data, ())
    rules = []
    for index, item in enumerate(checked["rules"]):
        path: KeyPath = ("rules", index)
        limits = [check for check in CHECKS if item[check] is not None]
        if not limits:
            raise InvalidValueError("a rule needs a limit: one of " + ", ".join(CHECKS), path=path)
        strategy_line = line_of((*path, "strategy")) if line_of else None
        for check in limits:
            origin = Origin(source, path, line_of((*path, check)) if line_of else None, strategy_line)
            rules.append(PolicyRule(check, item[check], item["name"], item["strategy"], item["severity"], origin))
    return rules


def limit_rules(
    limits: Mapping[CheckName, str | None],
    strategy: str | None = None,
    policy: Sequence[PolicyRule] | None = None,
) -> list[PolicyRule]:
    """The rules ``routecli check`` holds a report to: its limit flags' (on ``strategy`` or every strategy), then
    a policy file's (read by ``ci.policy_file``); at least one."""
    rules = [flag_rule(check, text, strategy) for check, text in limits.items() if text is not None]
    if strategy is not None and not rules:
        raise InvalidValueError("--strategy picks the strategy the limit flags apply to; give a limit flag too")
    rules += policy or ()
    if not rules:
        raise InvalidValueError("nothing to check: give a limit such as --max-monthly 5000, or --policy FILE")
    return rules


# ----------------------------------------------------------------- figures


class Figures(NamedTuple):
    """What one strategy (or a replay's one setup) measured, by check; a figure the report lacks says why."""

    name: str
    values: Mapping[CheckName, Decimal]
    unknown: Mapping[CheckName, str]
    is_baseline: bool = False


class ReportFigures(NamedTuple):
    """The figures of a simulate or replay report, as rules read them."""

    kind: ReportKind
    title: str
    """``simulation 'Support assistant'`` or ``replay of prompts.jsonl (route, dry run)``."""
    strategies: tuple[Figures, ...]
    savings_against: str
    """What ``min_savings`` is measured against: ``all-heavy`` or ``all on large``."""
    requests: int | None = None
    """A replay's prompts: spends of replays of different prompts do not compare."""

    def names(self) -> list[str]:
        return [strategy.name for strategy in self.strategies]


def report_figures(document: ReportDocument) -> ReportFigures:
    """The figures of a simulate or replay report, as rules read them."""
    return _simulation(document) if document.kind == "simulation" else _replay(document)


def _simulation(document: ReportDocument) -> ReportFigures:
    data, reader = document.data, document.reader
    percentiles: dict[str, Decimal] = {}
    spread = data.get("monte_carlo")
    if spread is not None:
        path: KeyPath = ("monte_carlo", "strategies")
        for index, item in enumerate(reader.array(reader.field(spread, "strategies", path[:1]), path)):
            where = (*path, index)
            name = reader.text(reader.field(item, "name", where), (*where, "name"))
            percentiles[name] = reader.number(reader.field(item, "latency_p95_ms", where), (*where, "latency_p95_ms"))
    no_percentiles = "only a Monte Carlo run (--samples) estimates latency percentiles"
    strategies = []
    for index, item, name in reader.named(reader.get(data, "strategies", ()), ("strategies",), "strategy"):
        path = ("strategies", index)
        values: dict[CheckName, Decimal] = {
            "max_monthly": reader.money(reader.get(item, "monthly_cost", path), (*path, "monthly_cost")),
            "max_escalation_rate": reader.number(reader.get(item, "escalation_rate", path), (*path, "escalation_rate")),
        }
        values["max_increase"] = values["max_monthly"]
        unknown: dict[CheckName, str] = {}
        known = _Known(reader, values, unknown)
        known.read("min_savings", item, path, "savings_vs_baseline_pct", "the baseline costs nothing")
        known.read(
            "min_quality",
            item,
            path,
            "quality",
            "the scenario gives no quality for a model answering part of the traffic",
        )
        if name in percentiles:
            values["max_p95_latency_ms"] = percentiles[name]
        else:
            unknown["max_p95_latency_ms"] = no_percentiles
        strategies.append(Figures(name, values, unknown, reader.get(item, "baseline", path) is True))
    scenario = reader.text(reader.get(data, "scenario", ()), ("scenario",))
    baseline = reader.text(reader.get(data, "baseline", ()), ("baseline",))
    return ReportFigures("simulation", f"simulation {scenario!r}", tuple(strategies), baseline)


def _replay(document: ReportDocument) -> ReportFigures:
    data, reader = document.data, document.reader
    setup = reader.text(reader.get(data, "setup", ()), ("setup",))
    dry_run = reader.get(data, "dry_run", ()) is True
    all_tiers = data.get("all_tiers") is True
    requests = reader.count(reader.get(data, "requests", ()), ("requests",))
    values: dict[CheckName, Decimal] = {
        "max_increase": reader.money(reader.get(data, "total_spend", ()), ("total_spend",))
    }
    unknown: dict[CheckName, str] = {}
    known = _Known(reader, values, unknown)
    not_replayed = "no prompts were replayed"
    top = reader.field(reader.get(data, "counterfactual", ()), "top", ("counterfactual",))
    savings_against = "the top tier"
    if top is None:
        unknown["min_savings"] = "no prompt was answered"
    else:
        path: KeyPath = ("counterfactual", "top")
        savings_against = "all on " + reader.text(reader.field(top, "tier", path), (*path, "tier"))
        known.read("min_savings", top, path, "savings_pct", "the top tier would have cost nothing")
    quality = reader.get(data, "quality", ())
    if quality is None:
        unknown["min_quality"] = "no replayed prompt had an expected answer"
    else:
        values["min_quality"] = reader.number(reader.field(quality, "accuracy", ("quality",)), ("quality", "accuracy"))
    why_no_escalation = (
        "a dry run does not escalate"
        if dry_run
        else "an all-tiers run does not escalate"
        if all_tiers
        else not_replayed
    )
    known.read("max_escalation_rate", data, (), "escalation_rate", why_no_escalation)
    latency = reader.get(data, "latency_ms", ())
    if latency is None:
        unknown["max_p95_latency_ms"] = "a dry run measures no latency" if dry_run else not_replayed
    else:
        values["max_p95_latency_ms"] = reader.number(
            reader.field(latency, "p95", ("latency_ms",)), ("latency_ms", "p95")
        )
    prompts = Path(reader.text(reader.get(data, "prompts", ()), ("prompts",))).name
    title = f"replay of {prompts} ({setup}{', dry run' if dry_run else ''})"
    return ReportFigures("replay", title, (Figures(setup, values, unknown),), savings_against, requests)


class _Known(NamedTuple):
    """Reads a figure that may be null, recording why it is unknown when it is."""

    reader: DocumentReader
    values: dict[CheckName, Decimal]
    unknown: dict[CheckName, str]

    def read(self, check: CheckName, mapping: Any, path: KeyPath, key: str, why_null: str) -> None:
        value = self.reader.field(mapping, key, path)
        if value is None:
            self.unknown[check] = why_null
        else:
            self.values[check] = self.reader.number(value, (*path, key))


# ----------------------------------------------------------------- verdicts


class RuleResult(NamedTuple):
    """One rule on one strategy: passed, failed or (severity warning, or nothing to compare with) warned.

    Facts only; ``routecli.render.check_report`` words them.
    """

    rule: PolicyRule
    strategy: str
    status: Status
    actual: Decimal | None
    """In the limit's unit (``max_increase``: the rise, in % or USD); ``None`` when there is no figure to compare."""
    within: bool = False
    """Whether ``actual`` is within the limit (equal passes); False without a figure."""
    unknown: str | None = None
    """Why the report has no figure for the check, when it has none."""
    change: tuple[Decimal, Decimal] | None = None
    """``max_increase``: the baseline's figure and this report's; ``None`` when the baseline lacks the strategy."""


class CheckResult(NamedTuple):
    """Every rule's result on every strategy it applies to, in rule order."""

    report: ReportFigures
    results: tuple[RuleResult, ...]
    notes: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.failed

    @property
    def failed(self) -> list[RuleResult]:
        return [result for result in self.results if result.status == "failed"]

    @property
    def warned(self) -> list[RuleResult]:
        return [result for result in self.results if result.status == "warned"]


def check_report(
    report: ReportFigures, rules: Sequence[PolicyRule], baseline: ReportFigures | None = None
) -> CheckResult:
    """Hold ``report`` to ``rules``; ``baseline`` is what ``max_increase`` compares with.

    A rule without ``strategy`` applies to every strategy (``min_savings`` skips the
    baseline strategy, whose savings are measured against itself). Equal to the limit
    passes. A figure the report lacks fails the rule, saying why.
    """
    _check_inputs(report, rules, baseline)
    results = []
    for rule in rules:
        for figures in report.strategies:
            if rule.strategy is not None and figures.name != rule.strategy:
                continue
            if rule.strategy is None and rule.check == "min_savings" and figures.is_baseline:
                continue
            results.append(_result(rule, figures, baseline))
    return CheckResult(report, tuple(results), tuple(_notes(report, rules, baseline)))


def _check_inputs(report: ReportFigures, rules: Sequence[PolicyRule], baseline: ReportFigures | None) -> None:
    """Rules the report cannot be held to are input errors, reported where the rule was written."""
    names = report.names()
    for rule in rules:
        if rule.strategy is not None and rule.strategy not in names:
            message = f"no strategy {rule.strategy!r} in the {report.kind} report; it has " + ", ".join(names)
            if hint := did_you_mean(rule.strategy, names):
                message += f"; {hint}"
            raise rule.error(message, "strategy")
        if rule.check == "max_monthly" and report.kind == "replay":
            raise rule.error(
                "a replay report's total_spend is for the prompts it replayed, not a month: check a replay with "
                "--max-increase against a baseline replay, and monthly cost on a simulate report or scenario",
                rule.check,
            )
        if rule.check == "max_increase" and baseline is None:
            raise rule.error(
                "max_increase compares with a baseline report: give one with --baseline BASE.json", rule.check
            )
    if baseline is not None and baseline.kind != report.kind:
        raise InvalidValueError(
            f"--baseline is a {baseline.kind} report and REPORT a {report.kind} report: compare a report with one "
            "of its own kind"
        )


def _notes(report: ReportFigures, rules: Sequence[PolicyRule], baseline: ReportFigures | None) -> list[str]:
    if baseline is None:
        return []
    if not any(rule.check == "max_increase" for rule in rules):
        return ["--baseline is only read by max_increase rules; none was given"]
    notes = []
    if report.kind == "replay" and baseline.requests != report.requests:
        notes.append(
            f"the baseline replayed {baseline.requests} prompts and this report {report.requests}: "
            "their total spends cover different prompts"
        )
    if report.kind == "replay" and baseline.strategies[0].name != report.strategies[0].name:
        notes.append(f"the baseline's setup was {baseline.strategies[0].name}, this one's {report.strategies[0].name}")
    return notes


def _result(rule: PolicyRule, figures: Figures, baseline: ReportFigures | None) -> RuleResult:
    check = rule.check
    if check == "max_increase":
        return _increase(rule, figures, baseline)
    if check not in figures.values:
        return _verdict(rule, figures.name, None, False, unknown=figures.unknown[check])
    actual, limit = figures.values[check], rule.limit.value
    within = actual >= limit if check.startswith("min_") else actual <= limit
    return _verdict(rule, figures.name, actual, within)


def _increase(rule: PolicyRule, figures: Figures, baseline: ReportFigures | None) -> RuleResult:
    assert baseline is not None  # _check_inputs refuses max_increase without one
    limit = rule.limit
    if baseline.kind == "replay":
        before_figures: Figures | None = baseline.strategies[0]
    else:
        before_figures = next((item for item in baseline.strategies if item.name == figures.name), None)
    if before_figures is None:
        return RuleResult(rule, figures.name, "warned", None)
    before, after = before_figures.values["max_increase"], figures.values["max_increase"]
    change = before, after
    if limit.percent and not before:
        if after:  # from nothing: more than any percentage
            return _verdict(rule, figures.name, None, False, change=change)
        actual = Decimal(0)
    else:
        actual = (after - before) / before * _HUNDRED if limit.percent else after - before
    return _verdict(rule, figures.name, actual, actual <= limit.value, change=change)


def _verdict(
    rule: PolicyRule,
    strategy: str,
    actual: Decimal | None,
    within: bool,
    *,
    unknown: str | None = None,
    change: tuple[Decimal, Decimal] | None = None,
) -> RuleResult:
    status: Status = "passed" if within else "warned" if rule.severity == "warning" else "failed"
    return RuleResult(rule, strategy, status, actual, within, unknown, change)
