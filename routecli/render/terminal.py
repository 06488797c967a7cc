"""Rich renderables for the terminal: simulate's tables and cost bars, sweeps and break-even answers."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from routecli.render.numbers import money
from routecli.render.summary import (
    MODIFIERS_HEADING,
    MONTE_CARLO_HEADERS,
    STRATEGY_HEADERS,
    forecast_table,
    hop_lines,
    modifier_texts,
    monte_carlo_line,
    monte_carlo_rows,
    period_line,
    spend_matrix,
    strategy_row,
)
from routecli.simulate.costmodel import SimulationResult

if TYPE_CHECKING:
    from routecli.simulate.breakeven import BreakEven
    from routecli.simulate.sweep import SweepResult

__all__ = [
    "CostBars",
    "WideTable",
    "breakeven_renderable",
    "compact_table",
    "simulation_renderable",
    "sweep_renderable",
]


def compact_table(
    title: str | None, headers: Sequence[str], rows: Sequence[Sequence[str]], header_width: int = 9
) -> Table:
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


class WideTable:
    """A label column and a column per strategy, split into as many tables as the width needs.

    A line is drawn above row ``section_at`` (when given) in every part.
    """

    def __init__(
        self, title: str, headers: Sequence[str], rows: Sequence[Sequence[str]], section_at: int | None
    ) -> None:
        self.title, self.headers, self.rows, self.section_at = title, headers, rows, section_at

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
        if self.title:  # above the table, not its title: a title wraps at the table's width, mid-word
            yield Text(self.title, style="bold")
        for chunk in chunks:
            picked = [0, *chunk]
            rows = [[row[c] for c in picked] for row in self.rows]
            table = compact_table("", [self.headers[c] for c in picked], rows, header_width=_HEADER_WIDTH)
            for index, row in enumerate(rows):
                table.add_row(*row, end_section=self.section_at is not None and index == self.section_at - 1)
            yield table


class CostBars:
    """Monthly cost per strategy as horizontal bars, scaled to the widest; plain characters, so NO_COLOR reads too."""

    def __init__(self, result: SimulationResult) -> None:
        self.result = result

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        strategies = self.result.strategies
        unicode = options.encoding.lower().startswith("utf")
        star, ellipsis = (" ★", "…") if unicode else (" *", "~")
        marks = [star if s.is_baseline else "" for s in strategies]
        amounts = [money(s.monthly_cost, self.result.currency) for s in strategies]
        label_width = min(
            max(len(s.name) + len(mark) for s, mark in zip(strategies, marks, strict=True)), _BAR_LABEL_WIDTH
        )
        labels = []
        for s, mark in zip(strategies, marks, strict=True):  # cut the name, never the baseline's star
            fit = label_width - len(mark)
            labels.append((s.name if len(s.name) <= fit else s.name[: fit - 1] + ellipsis) + mark)
        amount_width = max(len(amount) for amount in amounts)
        room = min(max(options.max_width - label_width - amount_width - 2, _BAR_MIN_WIDTH), _BAR_MAX_WIDTH)
        top = max((s.monthly_cost for s in strategies), default=Decimal(0))
        yield Text("Monthly cost", style="bold")
        for strategy, label, amount in zip(strategies, labels, amounts, strict=True):
            eighths = int(strategy.monthly_cost / top * room * 8) if top > 0 else 0
            bar = _bar(eighths, unicode)
            line = Text(f"{label:<{label_width}} ")
            line.append(bar, style="cyan" if not strategy.is_baseline else "magenta")
            line.append(" " * (room - len(bar) + 1) + f"{amount:>{amount_width}}")
            yield line


_BAR_LABEL_WIDTH = 24
_BAR_MIN_WIDTH = 10
_BAR_MAX_WIDTH = 48
_EIGHTHS = " ▏▎▍▌▋▊▉"


def _bar(eighths: int, unicode: bool) -> str:
    """A bar ``eighths``/8 characters long: full blocks then one partial block (``#`` without Unicode)."""
    if not unicode:
        return "#" * round(eighths / 8)
    full, part = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[part] if part else "")


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


def _modifier_parts(result: SimulationResult) -> list[RenderableType]:
    """Under the table: what each strategy's cost assumes (semantic cache, prompt caching, batch), and who set it.

    One modifier a line, the strategy's name on its first: ``  routed   batch prices (scenario)``.
    """
    assumed = [(strategy.name, modifier_texts(strategy)) for strategy in result.strategies if strategy.modifiers]
    if not assumed:
        return []
    width = max(len(name) for name, _ in assumed)
    lines = [
        f"  {name if index == 0 else '':<{width}}  {text}"
        for name, texts in assumed
        for index, text in enumerate(texts)
    ]
    return [Text(MODIFIERS_HEADING + ":"), *map(Text, lines), Text("")]


def _monte_carlo_parts(result: SimulationResult) -> list[RenderableType]:
    """Percentiles of the monthly bill, then of latency: two tables that each fit 80 columns."""
    if result.monte_carlo is None:
        return []
    rows = monte_carlo_rows(result)
    parts: list[RenderableType] = []
    for title, columns, headers in (
        ("Simulated monthly cost", (0, 1, 2, 3), MONTE_CARLO_HEADERS[:4]),
        ("Simulated latency per request", (0, 4, 5, 6), ("Strategy", "P50", "P95", "P99")),
    ):
        parts += [Text(""), WideTable(title, headers, [[row[c] for c in columns] for row in rows], section_at=None)]
    return [*parts, Text(monte_carlo_line(result), style="dim")]


def _forecast_parts(result: SimulationResult) -> list[RenderableType]:
    if not result.forecast or result.growth is None:
        return []
    headers, rows = forecast_table(result)
    pct = result.growth.monthly_pct
    title = f"Forecast: volume {'+' if pct >= 0 else ''}{pct}% a month"
    return [Text(""), WideTable(title, headers, rows, section_at=len(rows) - 1)]  # a line above the total


def simulation_renderable(result: SimulationResult) -> RenderableType:
    """Everything ``simulate`` shows: the tables, cost bars, insights, escalation per hop, warnings, price dates."""
    parts: list[RenderableType] = [_strategy_table(result), *_modifier_parts(result), CostBars(result)]
    parts += [Text(f"→ {line}") for line in result.insights]
    parts += _monte_carlo_parts(result) + _forecast_parts(result)
    headers, rows = spend_matrix(result)
    parts.append(WideTable("", headers, rows, section_at=len(rows) - 3))  # type, per 1k, calls per request
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


def sweep_renderable(sweep: SweepResult) -> RenderableType:
    """One parameter: a table with a section per value. Two: grids of cost and savings per focus strategy."""
    from routecli.render.sweep_report import POINT_HEADERS, sweep_grids, sweep_sections, value_text

    parts: list[RenderableType] = []
    grids = sweep_grids(sweep)
    if grids:
        for title, headers, rows in grids:
            parts.append(WideTable(title, headers, rows, section_at=None))
    else:
        axis = sweep.axes[0]
        sections = sweep_sections(sweep)
        rows = [
            [value_text(value), *row] for value, (_, block) in zip(axis.values, sections, strict=True) for row in block
        ]
        parts.append(Text(f"{sweep.scenario} — by {axis.path}", style="bold"))
        table = compact_table("", ("Value", *POINT_HEADERS), rows)
        for value, (_, block) in zip(axis.values, sections, strict=True):
            for index, row in enumerate(block):
                table.add_row(value_text(value) if index == 0 else "", *row, end_section=index == len(block) - 1)
        parts.append(table)
    parts += [Text(note, style="dim") for note in sweep.notes]
    parts.append(Text(f"Savings against the baseline, {sweep.baseline}.", style="dim"))
    return Group(*parts)


def breakeven_renderable(found: BreakEven) -> RenderableType:
    from routecli.render.sweep_report import breakeven_lines

    return Group(*(Text(line) for line in breakeven_lines(found)))
