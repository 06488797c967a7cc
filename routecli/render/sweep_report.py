"""Sweeps and break-even points in every format: the cells and sentences shared by all of them."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

from routecli import __version__
from routecli.render.markdown import markdown_table
from routecli.render.numbers import decimal_str, money, percent, probability
from routecli.render.simulate_json import SCHEMA_VERSION, strategy_document
from routecli.render.summary import savings_cell
from routecli.simulate.breakeven import BreakEven
from routecli.simulate.sweep import SweepResult

__all__ = [
    "POINT_HEADERS",
    "breakeven_csv",
    "breakeven_document",
    "breakeven_json",
    "breakeven_lines",
    "breakeven_markdown",
    "sweep_csv",
    "sweep_document",
    "sweep_grids",
    "sweep_json",
    "sweep_markdown",
    "sweep_sections",
    "value_text",
]

POINT_HEADERS = ("Strategy", "Monthly", "Savings", "Quality")
_CSV_FIELDS = ("monthly_cost", "savings_vs_baseline", "savings_vs_baseline_pct", "quality", "mean_latency_ms")


def value_text(value: Decimal) -> str:
    """A parameter value as written (no exponent, no trailing zeros beyond the step's)."""
    return format(value, "f")


def sweep_sections(sweep: SweepResult) -> list[tuple[str, list[list[str]]]]:
    """One section per point: its title (``accept.light = 0.55``) and a row per strategy."""
    sections = []
    for point in sweep.points:
        title = ", ".join(
            f"{axis.path} = {value_text(value)}" for axis, value in zip(sweep.axes, point.values, strict=True)
        )
        rows = [
            [s.name, money(s.monthly_cost, sweep.currency), savings_cell(s, sweep.currency), probability(s.quality)]
            for s in sweep.picked(point)
        ]
        sections.append((title, rows))
    return sections


def sweep_grids(sweep: SweepResult) -> list[tuple[str, list[str], list[list[str]]]]:
    """Two-parameter sweeps: per focus strategy, a grid of monthly cost and one of savings."""
    if len(sweep.axes) != 2:
        return []
    first, second = sweep.axes
    grids = []
    for name in sweep.focus:
        headers = ["", *(value_text(value) for value in second.values)]
        costs, savings = [], []
        for value, row in zip(first.values, sweep.grid(), strict=True):
            picked = [point.result.strategy(name) for point in row]
            costs.append([value_text(value), *(money(s.monthly_cost, sweep.currency) for s in picked)])
            savings.append([value_text(value), *(percent(s.savings_vs_baseline_pct) for s in picked)])
        axes = f"(rows: {first.path}; columns: {second.path})"
        grids.append((f"{name}: monthly cost {axes}", headers, costs))
        grids.append((f"{name}: savings vs {sweep.baseline} {axes}", headers, savings))
    return grids


def sweep_document(sweep: SweepResult) -> dict[str, Any]:
    """The sweep as JSON-ready data: every point with every strategy's full report entry."""
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "sweep",
        "routecli_version": __version__,
        "scenario": sweep.scenario,
        "currency": sweep.currency,
        "baseline": sweep.baseline,
        "parameters": [{"path": axis.path, "values": [decimal_str(v) for v in axis.values]} for axis in sweep.axes],
        "focus": list(sweep.focus),
        "notes": list(sweep.notes),
        "points": [
            {
                "values": {axis.path: decimal_str(value) for axis, value in zip(sweep.axes, point.values, strict=True)},
                "strategies": [strategy_document(strategy) for strategy in sweep.picked(point)],
            }
            for point in sweep.points
        ],
    }


def sweep_json(sweep: SweepResult) -> str:
    return json.dumps(sweep_document(sweep), indent=2) + "\n"


def sweep_csv(sweep: SweepResult) -> str:
    """One row per point and strategy: the parameters' values, then the report's figures."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*(axis.path for axis in sweep.axes), "strategy", *_CSV_FIELDS])
    for point in sweep.points:
        for strategy in sweep.picked(point):
            document = strategy_document(strategy)
            writer.writerow(
                [
                    *(decimal_str(value) for value in point.values),
                    strategy.name,
                    *("" if document[field] is None else str(document[field]) for field in _CSV_FIELDS),
                ]
            )
    return out.getvalue()


def sweep_markdown(sweep: SweepResult) -> str:
    """A table per point (one parameter) or grids (two), with the notes."""
    parts = [f"## {sweep.scenario}: sweep of {' and '.join(axis.path for axis in sweep.axes)}", ""]
    parts += [f"_{note}_" for note in sweep.notes] + ([""] if sweep.notes else [])
    grids = sweep_grids(sweep)
    if grids:
        for title, headers, rows in grids:
            parts += [f"### {title}", "", markdown_table(headers, rows), ""]
        return "\n".join(parts)
    for title, rows in sweep_sections(sweep):
        parts += [f"### {title}", "", markdown_table(POINT_HEADERS, rows), ""]
    return "\n".join(parts)


# ---------------------------------------------------------------- break-even


def _gap_words(found: BreakEven, gap: Decimal) -> str:
    """``cascade saves $1,200.00 a month against all-heavy``, or the quality it reaches."""
    name = found.strategy
    if found.against is None:
        assert found.quality_floor is not None
        return f"{name}'s quality is {probability(found.quality_floor + gap)}"
    if gap < 0:
        return f"{name} saves {money(-gap, found.currency)} a month against {found.against}"
    if gap > 0:
        return f"{name} costs {money(gap, found.currency)} a month more than {found.against}"
    return f"{name} costs the same as {found.against}"


def breakeven_lines(found: BreakEven) -> list[str]:
    """The answer in sentences: the break-even value (or that there is none) and what each side means."""
    name, param = found.strategy, found.param
    target = f"{found.against}" if found.against is not None else f"a quality of {found.quality_floor}"
    low, high = value_text(found.low), value_text(found.high)
    ends = f"at {param} = {low}, {_gap_words(found, found.gap_low)}; at {high}, {_gap_words(found, found.gap_high)}"
    if not found.crossings:
        return [f"No break-even between {low} and {high}: {ends}.", *found.notes]
    how = "solved exactly: linear in it" if found.method == "linear" else "found by search"
    lines = []
    for crossing in found.crossings:
        value = crossing.value
        shown = f"{value:.6g}" if value != value.to_integral_value() else value_text(value.normalize())
        if found.against is not None:
            better = "above" if not crossing.rising else "below"
            lines.append(
                f"{name} costs the same as {target} at {param} = {shown} ({how}); it saves {better} that value."
            )
        else:
            better = "above" if crossing.rising else "below"
            lines.append(f"{name} reaches {target} at {param} = {shown} ({how}); it meets the floor {better} it.")
    if found.current is not None:
        lines.append(f"The scenario has {value_text(found.current)}. Searched {low} to {high}: {ends}.")
    else:
        lines.append(f"Searched {low} to {high}: {ends}.")
    return [*lines, *found.notes]


def breakeven_document(found: BreakEven) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "breakeven",
        "routecli_version": __version__,
        "scenario": found.scenario,
        "strategy": found.strategy,
        "against": found.against,
        "quality_floor": None if found.quality_floor is None else float(found.quality_floor),
        "parameter": found.param,
        "range": [decimal_str(found.low), decimal_str(found.high)],
        "current": None if found.current is None else decimal_str(found.current),
        "method": found.method,
        "crossings": [
            {"value": decimal_str(crossing.value), "direction": "rising" if crossing.rising else "falling"}
            for crossing in found.crossings
        ],
        "gap_at_low": decimal_str(found.gap_low),
        "gap_at_high": decimal_str(found.gap_high),
        "gap": "cost difference in USD a month" if found.against is not None else "quality minus the floor",
        "notes": list(found.notes),
    }


def breakeven_json(found: BreakEven) -> str:
    return json.dumps(breakeven_document(found), indent=2) + "\n"


def breakeven_csv(found: BreakEven) -> str:
    """One row per crossing (none when there is no break-even in the range)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["strategy", "against", "quality_floor", "parameter", "value", "direction", "method"])
    floor = "" if found.quality_floor is None else decimal_str(found.quality_floor)
    for crossing in found.crossings:
        direction = "rising" if crossing.rising else "falling"
        value = decimal_str(crossing.value)
        writer.writerow([found.strategy, found.against or "", floor, found.param, value, direction, found.method])
    return out.getvalue()


def breakeven_markdown(found: BreakEven) -> str:
    title = f"## {found.scenario}: break-even of {found.strategy}"
    return "\n".join([title, "", *(f"- {line}" for line in breakeven_lines(found)), ""])
