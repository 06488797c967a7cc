"""Rich renderables for the terminal: simulate's tables and cost bars, sweeps and break-even answers."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, JustifyMethod, RenderableType, RenderResult
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
    "FitTable",
    "breakeven_renderable",
    "compact_table",
    "simulation_renderable",
    "sweep_renderable",
    "wide_table",
]


Cell = str | Text


def compact_table(title: str | None, headers: Sequence[str], optional: Sequence[str] = (), note: str = "") -> FitTable:
    """A borderless table, its rows added with ``add_row``, planned for the width it is printed at."""
    return FitTable(title, headers, optional, note)


class FitTable:
    """A borderless table whose columns are planned at the width it is printed at.

    No column is narrower than its longest word, so ids and names never break mid-word. When the columns
    do not fit side by side, those after the first are split into as many tables as the width needs, each
    repeating the first (which wraps at spaces before that); a column still too wide wraps at spaces.
    The first column is left-aligned, the rest right-aligned unless added with
    ``add_column(..., justify="left")``. A title is a line above.
    """

    def __init__(self, title: str | None, headers: Sequence[str], optional: Sequence[str] = (), note: str = "") -> None:
        """``optional`` headers name columns left out (rightmost first) before a table is split in two;
        ``note`` then says where to find them, after "Not shown at this width: …"."""
        self.title = title
        self.headers = list(headers)
        self.optional, self.note = frozenset(optional), note
        self.justify: list[JustifyMethod] = ["left"]
        self.justify += ["right"] * (len(headers) - 1)
        self.rows: list[tuple[list[Cell], bool]] = []

    def add_column(self, header: str, justify: JustifyMethod = "right") -> None:
        """One more column, after those given at construction (cells come with ``add_row``)."""
        self.headers.append(header)
        self.justify.append(justify)

    def add_row(self, *cells: Cell, end_section: bool = False) -> None:
        """A row; missing cells are blank, a line is drawn below it when ``end_section``."""
        self.rows.append(([*cells, *([""] * (len(self.headers) - len(cells)))], end_section))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        texts = [[_plain(cell) for cell in cells] for cells, _ in self.rows]
        columns = range(len(self.headers))
        # a header wraps over figures narrower than itself (past _HEADER_WIDTH), never the first column's
        header = [cell_len(h) if c == 0 else min(cell_len(h), _HEADER_WIDTH) for c, h in enumerate(self.headers)]
        words = [_longest(h, None) for h in self.headers]
        widest = [max(header[c], words[c], *(_longest(row[c], "\n") for row in texts)) for c in columns]
        shortest = [max(words[c], *(_longest(row[c], None) for row in texts)) for c in columns]
        if self.title:  # a line of its own: a table's title wraps at the table's width, mid-word
            yield Text(self.title, style="bold")
        shown = list(columns)[1:]
        dropped: list[str] = []
        while len(_chunks(widest, shortest, options.max_width, shown)) > 1 and self.optional & {
            self.headers[c] for c in shown
        }:
            column = max(c for c in shown if self.headers[c] in self.optional)
            shown.remove(column)
            dropped.insert(0, self.headers[column])
        for chunk in _chunks(widest, shortest, options.max_width, shown):
            picked = [0, *chunk]
            widths = _plan([widest[c] for c in picked], [shortest[c] for c in picked], options.max_width)
            table = Table(header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
            for c, width in zip(picked, widths, strict=True):
                table.add_column(self.headers[c], justify=self.justify[c], overflow="fold", width=width)
            for cells, end_section in self.rows:
                table.add_row(*(cells[c] for c in picked), end_section=end_section)
            yield table
        if dropped:
            yield Text(f"Not shown at this width: {', '.join(dropped)}{self.note}.", style="dim")


_HEADER_WIDTH = 9


def _plain(cell: Cell) -> str:
    return cell.plain if isinstance(cell, Text) else cell


def _longest(text: str, separator: str | None) -> int:
    """The widest piece of ``text`` split at ``separator`` (``None``: at any whitespace: its longest word)."""
    return max((cell_len(piece) for piece in text.split(separator)), default=0)


def _room(width: int, columns: int) -> int:
    """What ``columns`` columns may fill of ``width``: the table's edges and the gaps between columns take the rest."""
    return width - 2 * columns


def _plan(widest: Sequence[int], shortest: Sequence[int], width: int) -> list[int]:
    """Column widths: each as wide as its widest cell; narrowed (never below a whole word) the first column
    first, then the widest."""
    widths = list(widest)
    excess = sum(widths) - _room(width, len(widths))
    while excess > 0:
        narrower = [c for c in range(len(widths)) if widths[c] > shortest[c]]
        if not narrower:
            break  # wider than the terminal even at whole words: rich folds what it must
        column = 0 if 0 in narrower else max(narrower, key=lambda c: widths[c])
        widths[column] -= 1
        excess -= 1
    return widths


def _chunks(widest: Sequence[int], shortest: Sequence[int], width: int, columns: Sequence[int]) -> list[list[int]]:
    """``columns`` (those after the first), in groups that fit with the first (wrapped at words) beside them."""
    chunks: list[list[int]] = [[]]
    for column in columns:
        picked = [*chunks[-1], column]
        if chunks[-1] and shortest[0] + sum(widest[c] for c in picked) > _room(width, len(picked) + 1):
            chunks.append([])
        chunks[-1].append(column)
    return chunks


def wide_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]], section_at: int | None) -> FitTable:
    """A label column and a column per strategy, a line above row ``section_at`` (when given)."""
    table = FitTable(title or None, headers)
    for index, row in enumerate(rows):
        table.add_row(*row, end_section=section_at is not None and index == section_at - 1)
    return table


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
        amount_width = max(len(amount) for amount in amounts)
        label_width = min(  # the longest name, unless it leaves the bars less than their narrowest
            max(len(s.name) + len(mark) for s, mark in zip(strategies, marks, strict=True)),
            options.max_width - amount_width - 2 - _BAR_MIN_WIDTH,
        )
        labels = []
        for s, mark in zip(strategies, marks, strict=True):  # cut the name, never the baseline's star
            fit = label_width - len(mark)
            labels.append((s.name if len(s.name) <= fit else s.name[: fit - 1] + ellipsis) + mark)
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


_BAR_MIN_WIDTH = 10
_BAR_MAX_WIDTH = 48
_EIGHTHS = " ▏▎▍▌▋▊▉"


def _bar(eighths: int, unicode: bool) -> str:
    """A bar ``eighths``/8 characters long: full blocks then one partial block (``#`` without Unicode)."""
    if not unicode:
        return "#" * round(eighths / 8)
    full, part = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[part] if part else "")


def _strategy_table(result: SimulationResult) -> FitTable:
    table = compact_table(f"{result.scenario} — {period_line(result)}", STRATEGY_HEADERS)
    for strategy in result.strategies:
        cells: list[Cell] = list(strategy_row(strategy, result.currency))
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
        parts += [Text(""), wide_table(title, headers, [[row[c] for c in columns] for row in rows], section_at=None)]
    return [*parts, Text(monte_carlo_line(result), style="dim")]


def _forecast_parts(result: SimulationResult) -> list[RenderableType]:
    if not result.forecast or result.growth is None:
        return []
    headers, rows = forecast_table(result)
    pct = result.growth.monthly_pct
    title = f"Forecast: volume {'+' if pct >= 0 else ''}{pct}% a month"
    return [Text(""), wide_table(title, headers, rows, section_at=len(rows) - 1)]  # a line above the total


def simulation_renderable(result: SimulationResult) -> RenderableType:
    """Everything ``simulate`` shows: the tables, cost bars, insights, escalation per hop, warnings, price dates."""
    parts: list[RenderableType] = [_strategy_table(result), *_modifier_parts(result), CostBars(result)]
    parts += [Text(f"→ {line}") for line in result.insights]
    parts += _monte_carlo_parts(result) + _forecast_parts(result)
    headers, rows = spend_matrix(result)
    parts.append(wide_table("", headers, rows, section_at=len(rows) - 3))  # type, per 1k, calls per request
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
            parts.append(wide_table(title, headers, rows, section_at=None))
    else:
        axis = sweep.axes[0]
        sections = sweep_sections(sweep)
        rows = [
            [value_text(value), *row] for value, (_, block) in zip(axis.values, sections, strict=True) for row in block
        ]
        parts.append(Text(f"{sweep.scenario} — by {axis.path}", style="bold"))
        table = compact_table(None, ("Value", *POINT_HEADERS))
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
