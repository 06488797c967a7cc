"""Rich renderables for the terminal: the strategy table and spend per model."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
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

__all__ = ["compact_table", "simulation_renderable"]


def compact_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]], header_width: int = 9) -> Table:
    """A borderless table that wraps names and headers, never figures.

    Each figure column is exactly as wide as its widest cell (or its header, up
    to ``header_width``), so only the first column gives way at 80 columns.
    """
    table = Table(
        title=title,
        title_justify="left",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    for index, header in enumerate(headers):
        widest = max((len(row[index]) for row in rows if len(row) > index), default=0)
        if index == 0:
            table.add_column(header, overflow="fold", min_width=min(widest, _NAME_MIN_WIDTH))
        else:
            width = max(widest, min(len(header), header_width))
            table.add_column(header, justify="right", overflow="fold", width=width)
    return table


_NAME_MIN_WIDTH = 14
_HEADER_WIDTH = 16  # strategy names head the spend columns


class _SpendMatrix:
    """Spend per model, a column per strategy, split into as many tables as the width needs."""

    def __init__(self, result: SimulationResult) -> None:
        self.headers, self.rows = spend_matrix(result)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        label_width = max(len(row[0]) for row in self.rows)
        columns = list(range(1, len(self.headers)))
        widths = {
            c: max(max(len(row[c]) for row in self.rows), min(len(self.headers[c]), _HEADER_WIDTH)) for c in columns
        }
        chunks: list[list[int]] = [[]]
        used = min(label_width, 28)
        for column in columns:
            if chunks[-1] and used + widths[column] + 2 > options.max_width:
                chunks.append([])
                used = min(label_width, 28)
            chunks[-1].append(column)
            used += widths[column] + 2
        stats_start = len(self.rows) - 3  # type, per 1k requests, calls per request
        for chunk in chunks:
            picked = [0, *chunk]
            rows = [[row[c] for c in picked] for row in self.rows]
            table = compact_table("", [self.headers[c] for c in picked], rows, header_width=_HEADER_WIDTH)
            for index, row in enumerate(rows):
                table.add_row(*row, end_section=index == stats_start - 1)
            yield table


def _strategy_table(result: SimulationResult) -> Table:
    rows = [strategy_row(strategy, result.currency) for strategy in result.strategies]
    table = compact_table(f"{result.scenario} — {period_line(result)}", STRATEGY_HEADERS, rows)
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


def simulation_renderable(result: SimulationResult) -> RenderableType:
    """Everything ``simulate`` shows: both tables, escalation per hop, warnings, price dates."""
    parts: list[RenderableType] = [_strategy_table(result), _SpendMatrix(result)]
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
