"""docs/cost-model.md stays true: its example scenarios run and report the numbers it states.

In the doc, a ```yaml block whose first line is ``# test: NAME`` is a complete
scenario, and a ```text block whose first line is ``# expect: NAME`` lists what
routecli reports for it, one ``STRATEGY FIELD VALUE`` per line. FIELD is a JSON
report field (``monthly_cost``, ``quality``, …), ``spend_by_model.TIER``,
``answered_share.TIER``, ``overhead_spend.NAME`` or ``escalation_by_hop.FROM``;
STRATEGY ``period`` reads ``requests`` or ``days``. VALUE is an exact decimal,
``null``, or ``~`` and a decimal the value rounds to.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from typing import NamedTuple

import pytest
import yaml

from routecli.pricing.price_files import load_price_files
from routecli.pricing.prices import PriceTable
from routecli.simulate.costmodel import SimulationResult, simulate
from routecli.simulate.scenario_file import build_scenario, load_scenario
from tests.helpers.paths import EXAMPLE, REPO

DOC = REPO / "docs" / "cost-model.md"
BLOCK = re.compile(r"^```(yaml|text)\n(.*?)^```", re.MULTILINE | re.DOTALL)
MARKER = re.compile(r"#\s*(test|expect):\s*(\S+)")
DECIMAL_FIELDS = {
    "monthly_cost",
    "cost_per_request",
    "cost_per_1k_requests",
    "savings_vs_baseline",
    "savings_vs_baseline_pct",
    "quality",
    "mean_latency_ms",
    "model_calls_per_request",
    "escalation_rate",
    "cache_hit_rate",
}


class Expectation(NamedTuple):
    scenario: str
    line: int
    subject: str
    field: str
    value: str


def _parse() -> tuple[dict[str, str], list[Expectation]]:
    text = DOC.read_text(encoding="utf-8")
    scenarios: dict[str, str] = {}
    expectations: list[Expectation] = []
    for match in BLOCK.finditer(text):
        kind, body = match.groups()
        first, _, rest = body.partition("\n")
        marker = MARKER.fullmatch(first.strip())
        if marker is None:
            continue
        role, name = marker.groups()
        assert (role, kind) in (("test", "yaml"), ("expect", "text")), f"{role} marker on a {kind} block"
        if role == "test":
            assert name not in scenarios, f"two scenarios named {name!r}"
            scenarios[name] = body
            continue
        start = text.count("\n", 0, match.start(2)) + 2  # 1-based line of the block's second line
        for offset, line in enumerate(rest.splitlines()):
            if not line.strip():
                continue
            subject, *field, value = line.split()
            assert field, f"cost-model.md:{start + offset}: expected STRATEGY FIELD VALUE"
            expectations.append(Expectation(name, start + offset, subject, " ".join(field), value))
    return scenarios, expectations


SCENARIOS, EXPECTATIONS = _parse()


@cache
def _table() -> PriceTable:
    return load_price_files()


@cache
def _result(name: str) -> SimulationResult:
    return simulate(build_scenario(yaml.safe_load(SCENARIOS[name]), _table()))


def _actual(result: SimulationResult, subject: str, field: str) -> Decimal | None:
    if subject == "period":
        return {"requests": result.requests_per_month, "days": result.days_per_month}[field]
    strategy = result.strategy(subject)
    group, _, key = field.partition(".")
    if group == "spend_by_model":
        return strategy.spend_by_model[key]
    if group == "answered_share":
        return next(usage.answered_share for usage in strategy.tiers if usage.tier == key)
    if group == "overhead_spend":
        return strategy.overhead[key]
    if group == "escalation_by_hop":
        return next(hop.rate for hop in strategy.hops if hop.source == key)
    assert field in DECIMAL_FIELDS, f"unknown field {field!r}"
    value: Decimal | None = getattr(strategy, field)
    return value


def test_doc_has_examples() -> None:
    assert {"basics", "prompt-caching", "long-context", "tiers", "spec-example"} <= SCENARIOS.keys()
    assert len(EXPECTATIONS) > 100


def test_every_example_is_checked_and_every_check_has_an_example() -> None:
    checked = {expectation.scenario for expectation in EXPECTATIONS}
    assert checked == SCENARIOS.keys()


@pytest.mark.parametrize(
    "expectation", EXPECTATIONS, ids=lambda e: f"{e.scenario}:{e.line}:{e.subject}:{e.field}".replace(" ", "_")
)
def test_doc_states_what_routecli_reports(expectation: Expectation) -> None:
    actual = _actual(_result(expectation.scenario), expectation.subject, expectation.field)
    where = f"cost-model.md:{expectation.line}: {expectation.subject} {expectation.field}"
    if expectation.value == "null":
        assert actual is None, f"{where}: routecli reports {actual}, the doc says null"
        return
    assert actual is not None, f"{where}: routecli reports null, the doc says {expectation.value}"
    message = f"{where}: routecli reports {actual}, the doc says {expectation.value}"
    if expectation.value.startswith("~"):
        stated = Decimal(expectation.value[1:])
        assert actual.quantize(stated) == stated, message
    else:
        assert actual == Decimal(expectation.value), message


def test_spec_example_matches_the_scenario_file() -> None:
    """The doc's spec example is scenarios/example.yaml without its unused tiers."""
    documented = _result("spec-example")
    shipped = simulate(load_scenario(EXAMPLE))
    assert [s.name for s in documented.strategies] == [s.name for s in shipped.strategies]
    for ours, theirs in zip(documented.strategies, shipped.strategies, strict=True):
        assert (ours.monthly_cost, ours.quality, ours.mean_latency_ms) == (
            theirs.monthly_cost,
            theirs.quality,
            theirs.mean_latency_ms,
        )
        assert ours.spend_by_model == theirs.spend_by_model
