"""Renderers: what people read, at 80 columns, from one result object."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from rich.console import Console

from routecli.render.markdown import markdown_table, simulation_markdown
from routecli.render.numbers import decimal_str, money, percent, probability
from routecli.render.summary import latency
from routecli.render.terminal import simulation_renderable
from routecli.simulate.costmodel import SimulationResult, simulate
from routecli.simulate.scenario_file import load_scenario
from tests.helpers.paths import EXAMPLE, SCENARIOS


@pytest.fixture(scope="module")
def example() -> SimulationResult:
    return simulate(load_scenario(EXAMPLE))


def _render(result: SimulationResult, width: int = 80) -> str:
    out = io.StringIO()
    Console(file=out, width=width, no_color=True, force_terminal=False).print(simulation_renderable(result))
    return out.getvalue()


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("23750", "$23,750.00"),
        ("0.02375", "$0.02375"),
        ("0.00457488", "$0.004575"),
        ("0.10", "$0.10"),
        ("0", "$0.00"),
        ("-19252.405", "-$19,252.41"),
    ],
)
def test_money_for_people(value: str, text: str) -> None:
    assert money(Decimal(value)) == text


def test_decimal_str_is_exact_and_plain() -> None:
    assert decimal_str(Decimal("23750.00000")) == "23750"
    assert decimal_str(Decimal("1E-7")) == "0.0000001"
    assert decimal_str(Decimal("0E-9")) == "0"


def test_small_formatters() -> None:
    assert percent(Decimal("80.737")) == "80.7%"
    assert percent(None) == probability(None) == "—"
    assert probability(Decimal("0.98")) == "0.980"
    assert latency(Decimal("850")) == "850 ms"
    assert latency(Decimal("11100")) == "11.1 s"


def test_table_fits_80_columns(example: SimulationResult) -> None:
    text = _render(example)
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "all-heavy ★" in text
    assert "$19,175.12 (80.7%)" in text
    assert "heavy (claude-opus-4-6)" in text
    assert "Escalation by hop: cascade: light → heavy 24.5%" in text
    assert "warning: model tier 'house' is used by no strategy" in text


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_scenario_renders(path: object) -> None:
    result = simulate(load_scenario(SCENARIOS / str(path)))
    text = _render(result, width=120)
    for strategy in result.strategies:
        assert strategy.name[:20] in text


def test_savings_are_coloured(example: SimulationResult) -> None:
    out = io.StringIO()
    Console(file=out, width=100, force_terminal=True, color_system="standard").print(simulation_renderable(example))
    assert "\x1b[32m$19,175.12 (80.7%)" in out.getvalue()  # green


def test_markdown_report(example: SimulationResult) -> None:
    text = simulation_markdown(example)
    assert "| Strategy | Monthly | Savings | Quality | Latency | Escalated |" in text
    assert "| **all-heavy** | $23,750.00 | baseline | 0.980 | 11.1 s | 0.0% |" in text
    assert "| heavy (claude-opus-4-6) | $23,750.00 | $4,030.00 | $6,575.00 |" in text
    assert "- cascade: light → heavy 24.5%" in text


def test_markdown_escapes_pipes() -> None:
    assert "a\\|b" in markdown_table(["h"], [["a|b"]])
