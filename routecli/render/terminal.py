"""Rich renderables for the terminal: the strategy table and spend per model."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from routecli.costmodel import SimulationResult
from routecli.render.summary import (
    STRATEGY_HEADERS,
    hop_lines,
    period_line,
    spend_matrix,
    strategy_row,
)

__all__ = ["simulation_renderable"]


def _table(title: str) -> Table:
    return Table(title=title, title_justify="left", header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False)


def _strategy_table(result: SimulationResult) -> Table:
    table = _table(f"{result.scenario} — {period_line(result)}")
    for index, header in enumerate(STRATEGY_HEADERS):
        table.add_column(header, justify="left" if index == 0 else "right", no_wrap=True)
    for strategy in result.strategies:
        cells: list[RenderableType] = list(strategy_row(strategy, result.currency))
        if strategy.is_baseline:
            cells[0] = Text(f"{strategy.name} ★", style="bold")
            cells[2] = Text("baseline", style="dim")
        else:
            savings = strategy.savings_vs_baseline
            style = "green" if savings > 0 else "red" if savings < 0 else ""
            cells[2] = Text(str(cells[2]), style=style)
        table.add_row(*cells)
    return table


def _spend_table(result: SimulationResult) -> Table:
    headers, rows = spend_matrix(result)
    table = _table("")
    for index, header in enumerate(headers):
        table.add_column(header, justify="left" if index == 0 else "right")
    stats_start = len(rows) - 3  # type, per 1k requests, calls per request
    for index, row in enumerate(rows):
        table.add_row(*row, end_section=index == stats_start - 1)
    return table


def simulation_renderable(result: SimulationResult) -> RenderableType:
    """Everything ``simulate`` shows: both tables, escalation per hop, warnings, price dates."""
    parts: list[RenderableType] = [_strategy_table(result), Text(""), _spend_table(result)]
    hops = hop_lines(result)
    if hops:
        parts.append(Text("Escalation by hop: " + "; ".join(hops)))
    parts.append(Text(f"★ baseline: {result.baseline}", style="dim"))
    for warning in result.warnings:
        parts.append(Text(f"warning: {warning}", style="yellow"))
    sources = ", ".join(f"{s.provider} ({s.as_of})" if s.as_of else s.provider for s in result.price_sources)
    if sources:
        parts.append(Text(f"Prices: {sources}", style="dim"))
    return Group(*parts)
