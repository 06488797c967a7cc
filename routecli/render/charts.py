"""Charts of a simulation or a sweep, as SVG or PNG bytes (matplotlib, imported only when drawn); the CLI writes them.

matplotlib is an extra (``pip install "routecli[charts]"``, docs/install.md): it and its
dependencies are nearly half an install. ``need_matplotlib`` refuses a chart, naming the
extra, before any work.

Figures are built with matplotlib's object API — never pyplot — so drawing
touches no global state and needs no display. SVG output is self-contained
(text drawn as paths, no fonts to fetch) and byte-for-byte reproducible, so a
chart checked into a repository only changes when its numbers do.
"""

from __future__ import annotations

import importlib.util
import io
import math
import textwrap
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

from routecli.analyze.analysis import Analysis
from routecli.errors import InvalidValueError
from routecli.render.numbers import decimal_str
from routecli.simulate.costmodel import SimulationResult, StrategyResult
from routecli.simulate.sweep import SweepResult

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Annotation
    from matplotlib.ticker import Formatter
    from matplotlib.transforms import Bbox
    from matplotlib.typing import RcKeyType

__all__ = [
    "BASELINE_COLOUR",
    "STRATEGY_COLOUR",
    "ChartFormat",
    "ChartSeries",
    "Marked",
    "check_chart_path",
    "compact_money",
    "cost_quality_chart",
    "curves_chart",
    "daily_chart",
    "need_matplotlib",
    "sweep_chart",
    "thinned",
]

ChartFormat = Literal["svg", "png"]
_BY_SUFFIX: dict[str, ChartFormat] = {".svg": "svg", ".png": "png"}

STRATEGY_COLOUR = "#2563eb"
"""Fill of every strategy's marker on the cost–quality chart (the baseline's is ``BASELINE_COLOUR``)."""
BASELINE_COLOUR = "#c2410c"
"""Fill of the baseline's diamond."""
FRONTIER_COLOUR = "#16a34a"
SPREAD_COLOUR = "#94a3b8"
PNG_DPI = 150
FIGURE_SIZE = (8.0, 5.0)
MAX_HEATMAPS = 4
ANNOTATED_GRID = 12
"""Heatmap cells carry their figure when neither side has more values than this."""

_RC: dict[RcKeyType, object] = {
    "svg.fonttype": "path",  # glyphs as paths: the SVG needs no fonts
    "svg.hashsalt": "routecli",  # stable element ids: identical input, identical bytes
    "text.parse_math": False,  # a "$" in a name or a tick is a dollar, never TeX
    "axes.formatter.useoffset": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e5e7eb",
    "font.size": 9,
}


def compact_money(value: float, currency: str = "USD") -> str:
    """Money for axes and cells: at most three significant digits, ``$950``, ``$1.2k``, ``$45k``, ``$1.25M``."""
    sign = "-" if value < 0 else ""
    amount = abs(value)
    suffixes = ["", "k", "M", "B", "T"]
    suffix = suffixes.pop(0)
    digits = 2 if amount < 10 else 1 if amount < 100 else 0
    while round(amount, digits) >= 1000 and suffixes:
        amount /= 1000
        suffix = suffixes.pop(0)
        digits = 2 if amount < 10 else 1 if amount < 100 else 0
    text = f"{amount:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    symbol = "$" if currency == "USD" else f"{currency} "
    return f"{sign}{symbol}{text}{suffix}"


def check_chart_path(path: Path) -> ChartFormat:
    """The format a chart file's suffix names; checked before any work, so a typo fails fast."""
    format = _BY_SUFFIX.get(path.suffix.lower())
    if format is None:
        raise InvalidValueError(f"--chart: expected a .svg or .png file name, got {str(path)!r}")
    need_matplotlib("--chart")
    return format


def need_matplotlib(what: str) -> None:
    """Refuse ``what`` (an option that draws) when the charts extra is not installed."""
    if importlib.util.find_spec("matplotlib") is None:
        raise InvalidValueError(f'{what} needs matplotlib: pip install "routecli[charts]"')


# ------------------------------------------------------------ cost vs quality


def cost_quality_chart(result: SimulationResult, format: ChartFormat) -> bytes:
    """Every strategy's monthly cost against its quality, with the Pareto frontier.

    Strategies whose quality is unknown cannot sit on the quality axis, so they
    get a strip of their own below it, on the same cost axis. With Monte Carlo
    results, a bar spans each strategy's P5–P95 monthly cost.
    """
    known = [s for s in result.strategies if s.quality is not None]
    unknown = [s for s in result.strategies if s.quality is None]
    panels = [(group, rated) for group, rated in ((known, True), (unknown, False)) if group]
    highest = max(_spread(result, s)[1] for s in result.strategies)
    with _drawing() as fig:
        axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False, height_ratios=[5, 1][: len(panels)])[:, 0]
        labels: list[tuple[Axes, Annotation]] = []
        for ax, (strategies, rated) in zip(axes, panels, strict=True):
            if rated:
                frontier = result.frontier
                if len(frontier) > 1:
                    ax.step(
                        [float(p.cost) for p in frontier],
                        [float(p.quality) for p in frontier],
                        where="post",
                        color=FRONTIER_COLOUR,
                        linewidth=1.5,
                        label="Pareto frontier",
                        zorder=3.5,  # over the Monte Carlo bars, under the markers
                    )
                _quality_limits(ax, [q for s in known if (q := s.quality) is not None])
            else:
                ax.set_ylim(-1, 1)
                ax.set_yticks([0], ["quality\nunknown"])
                ax.grid(False, axis="y")
            labels += [(ax, label) for label in _plot_strategies(ax, result, strategies)]
        axes[-1].set_xlim(0, highest * 1.08 or 1.0)  # room for the labels; a free scenario still gets an axis
        axes[-1].xaxis.set_major_formatter(_money_formatter(result.currency))
        axes[-1].set_xlabel(f"Monthly cost ({result.currency})")
        legend: dict[str, Artist] = {}
        for ax in axes:
            for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
                legend.setdefault(label, handle)
        order = sorted(legend, key=_LEGEND_ORDER.index)
        axes[0].legend([legend[label] for label in order], order, loc="best", fontsize=8)
        fig.suptitle(_title(result.scenario), fontsize=11, fontweight="bold")
        _place_labels(fig, labels)
        return _figure_bytes(fig, format)


_LEGEND_ORDER = ["Pareto frontier", "baseline", "strategy", "P5–P95 monthly cost"]


def _quality_limits(ax: Axes, qualities: Sequence[Decimal]) -> None:
    """Room above the points for their labels, and ticks only where quality can be (0 to 1)."""
    low, high = float(min(qualities)), float(max(qualities))
    pad = max((high - low) * 0.15, 0.02)
    bottom, top = low - pad, high + pad
    ax.set_ylim(bottom, top)
    ax.set_yticks([tick for tick in ax.get_yticks() if max(bottom, 0) <= tick <= min(top, 1)])
    ax.set_ylabel("Expected quality")


def _spread(result: SimulationResult, strategy: StrategyResult) -> tuple[float, float]:
    """The P5–P95 monthly cost from Monte Carlo, else the analytic cost at both ends."""
    cost = float(strategy.monthly_cost)
    if result.monte_carlo is None:
        return cost, cost
    spread = {s.name: s for s in result.monte_carlo.strategies}.get(strategy.name)
    if spread is None:
        return cost, cost
    return min(cost, float(spread.monthly_p5)), max(cost, float(spread.monthly_p95))


def _plot_strategies(ax: Axes, result: SimulationResult, strategies: Sequence[StrategyResult]) -> list[Annotation]:
    """Markers, Monte Carlo bars and name labels (placed later, once every marker is known)."""
    labels = []
    for strategy in strategies:
        x = float(strategy.monthly_cost)
        y = 0.0 if strategy.quality is None else float(strategy.quality)
        low, high = _spread(result, strategy)
        if result.monte_carlo is not None:
            ax.errorbar(
                [x],
                [y],
                xerr=[[x - low], [high - x]],
                fmt="none",
                ecolor=SPREAD_COLOUR,
                elinewidth=2,
                capsize=4,
                zorder=3,
                label="P5–P95 monthly cost",
            )
        if strategy.is_baseline:
            ax.scatter([x], [y], marker="D", s=70, color=BASELINE_COLOUR, zorder=4, label="baseline")
            name = f"{strategy.name} (baseline)"
        else:
            ax.scatter([x], [y], marker="o", s=60, color=STRATEGY_COLOUR, zorder=4, label="strategy")
            name = strategy.name
        labels.append(ax.annotate(name, (x, y), xytext=(0, 0), textcoords="offset points", fontsize=8, zorder=5))
    return labels


_LABEL_SPOTS = (
    ((7, 5), "left", "bottom"),
    ((-7, 5), "right", "bottom"),
    ((7, -5), "left", "top"),
    ((-7, -5), "right", "top"),
    ((0, 9), "center", "bottom"),
    ((0, -9), "center", "top"),
)
"""Where a name may sit around its marker (offset in points, alignment), in order of preference."""


def _place_labels(fig: Figure, labels: Sequence[tuple[Axes, Annotation]]) -> None:
    """Put each name where it stays inside its axes and clear of other names and markers.

    Greedy, in strategy order: each label takes the first spot with the fewest
    clashes, so a chart of names shows them all whenever there is room.
    """
    from matplotlib.transforms import Bbox

    fig.draw_without_rendering()
    pixels = fig.dpi / 72
    markers = []
    for ax, label in labels:
        x, y = ax.transData.transform(label.xy)
        markers.append(Bbox.from_extents(x, y, x, y).padded(6 * pixels))
    placed: list[Bbox] = []
    for ax, label in labels:
        area, obstacles = ax.get_window_extent(), [*placed, *markers]
        _put(label, min(_LABEL_SPOTS, key=lambda spot: _clashes(_put(label, spot), area, obstacles)))
        placed.append(label.get_window_extent().padded(2 * pixels))


def _put(label: Annotation, spot: tuple[tuple[int, int], str, str]) -> Annotation:
    label.xyann, horizontal, vertical = spot
    label.set(horizontalalignment=horizontal, verticalalignment=vertical)
    return label


def _clashes(label: Annotation, area: Bbox, obstacles: Sequence[Bbox]) -> tuple[bool, int]:
    """Whether the label leaves ``area``, and how many obstacles it touches (fewer is better)."""
    box = label.get_window_extent()
    outside = not (area.x0 <= box.x0 and box.x1 <= area.x1 and area.y0 <= box.y0 and box.y1 <= area.y1)
    return outside, sum(box.overlaps(other) for other in obstacles)


# ----------------------------------------------------------------- sweeps


def sweep_chart(sweep: SweepResult, format: ChartFormat) -> bytes:
    """One parameter: cost (and quality) of every strategy along it. Two: savings heatmaps."""
    if len(sweep.axes) == 1:
        return _line_chart(sweep, format)
    return _heatmaps(sweep, format)


def _line_chart(sweep: SweepResult, format: ChartFormat) -> bytes:
    """Monthly cost per strategy against the value, quality below when any strategy has one."""
    from matplotlib import colormaps

    with _drawing() as fig:
        xs = [float(point.values[0]) for point in sweep.points]
        names = sweep.strategies
        qualities = {name: [point.result.strategy(name).quality for point in sweep.points] for name in names}
        rated = [name for name in names if any(q is not None for q in qualities[name])]
        axes = fig.subplots(2 if rated else 1, 1, sharex=True, squeeze=False, height_ratios=[3, 2][: 1 + bool(rated)])
        cost_ax = axes[0, 0]
        palette = colormaps["tab10"]
        for index, name in enumerate(names):
            style = {
                "color": palette(index % 10),
                "linestyle": "--" if name == sweep.baseline else "-",
                "marker": "o",
                "markersize": 3,
                "linewidth": 1.6,
            }
            costs = [float(point.result.strategy(name).monthly_cost) for point in sweep.points]
            label = f"{name} (baseline)" if name == sweep.baseline else name
            cost_ax.plot(xs, costs, label=label, **style)
            if name in rated:
                ys = [math.nan if q is None else float(q) for q in qualities[name]]
                axes[1, 0].plot(xs, ys, **style)
        cost_ax.set_ylim(bottom=0)
        cost_ax.yaxis.set_major_formatter(_money_formatter(sweep.currency))
        cost_ax.set_ylabel(f"Monthly cost ({sweep.currency})")
        if rated:
            axes[1, 0].set_ylabel("Expected quality")
        axes[-1, 0].set_xlabel(sweep.axes[0].path)
        fig.legend(loc="outside lower center", ncols=min(len(names), 3), fontsize=8, frameon=False)
        fig.suptitle(_title(sweep.scenario), fontsize=11, fontweight="bold")
        return _figure_bytes(fig, format)


def _heatmaps(sweep: SweepResult, format: ChartFormat) -> bytes:
    """Monthly savings against the baseline over both values, a panel per focus strategy (green saves)."""
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    focus = list(sweep.focus[:MAX_HEATMAPS]) or [sweep.baseline]  # run_sweep chose them; none: only a baseline
    rows_axis, columns_axis = sweep.axes
    grid = sweep.grid()
    savings = {
        name: [[float(point.result.strategy(name).savings_vs_baseline) for point in row] for row in grid]
        for name in focus
    }
    largest = max((abs(v) for cells in savings.values() for row in cells for v in row), default=0.0) or 1.0
    norm = Normalize(-largest, largest)
    cmap = colormaps["RdYlGn"]
    columns = 1 if len(focus) == 1 else 2
    rows = math.ceil(len(focus) / columns)
    annotate = max(len(rows_axis.values), len(columns_axis.values)) <= ANNOTATED_GRID
    with _drawing((FIGURE_SIZE[0], FIGURE_SIZE[1] if rows == 1 else 8.0)) as fig:
        axes = fig.subplots(rows, columns, squeeze=False)
        images = []
        for index, (ax, name) in enumerate(zip(axes.flat, focus, strict=False)):
            images.append(ax.imshow(savings[name], cmap=cmap, norm=norm, origin="lower", aspect="auto"))
            ax.grid(False)
            _value_ticks(ax.set_xticks, columns_axis.values)
            _value_ticks(ax.set_yticks, rows_axis.values)
            if index + columns >= len(focus):  # no panel below
                ax.set_xlabel(columns_axis.path)
            if index % columns == 0:
                ax.set_ylabel(rows_axis.path)
            ax.set_title(f"{name} (baseline)" if name == sweep.baseline else name, fontsize=9)
            if annotate:
                size = 7 if max(len(rows_axis.values), len(columns_axis.values)) <= 6 else 5.5
                for (row, column), value in _cells(savings[name]):
                    red, green, blue, _ = cmap(norm(value))
                    dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
                    ax.text(
                        column,
                        row,
                        compact_money(value, sweep.currency),
                        ha="center",
                        va="center",
                        fontsize=size,
                        color="white" if dark else "#111827",
                    )
        for ax in axes.flat[len(focus) :]:
            ax.set_visible(False)
        colorbar = fig.colorbar(images[0], ax=axes.ravel().tolist(), format=_money_formatter(sweep.currency))
        colorbar.set_label(f"Monthly savings vs {sweep.baseline} ({sweep.currency})")
        fig.suptitle(_title(sweep.scenario), fontsize=11, fontweight="bold")
        return _figure_bytes(fig, format)


def _cells(grid: Sequence[Sequence[float]]) -> Iterator[tuple[tuple[int, int], float]]:
    for row, values in enumerate(grid):
        for column, value in enumerate(values):
            yield (row, column), value


def _value_ticks(set_ticks: Callable[..., object], values: Sequence[Decimal]) -> None:
    """A tick per value, thinned to about a dozen labels so they stay legible."""
    step = math.ceil(len(values) / ANNOTATED_GRID)
    positions = range(0, len(values), step)
    set_ticks(list(positions), [decimal_str(values[index]) for index in positions])


# ------------------------------------------------------------------ shared


@contextmanager
def _drawing(size: tuple[float, float] = FIGURE_SIZE) -> Iterator[Figure]:
    """A fresh figure with routecli's chart settings in force while it is built and saved."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context(_RC):
        yield Figure(figsize=size, layout="constrained")


def _figure_bytes(fig: Figure, format: ChartFormat) -> bytes:
    buffer = io.BytesIO()
    if format == "svg":
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    else:
        fig.savefig(buffer, format="png", dpi=PNG_DPI)
    return buffer.getvalue()


def _money_formatter(currency: str) -> Formatter:
    """Tick labels as money."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _position: compact_money(value, currency))


def _title(text: str) -> str:
    return textwrap.fill(text, 90)


# ------------------------------------------------------- curves from outcomes


class ChartSeries(NamedTuple):
    """A line to draw on the cost–quality plane (a threshold sweep's points), in order."""

    label: str
    cost: Sequence[float]
    quality: Sequence[float]


class Marked(NamedTuple):
    """A labelled point (a model alone, the oracle, a chosen threshold)."""

    label: str
    cost: float
    quality: float


_COMPARED_COLOUR = "#6b7280"


def thinned(count: int, most: int = 2000) -> Sequence[int]:
    """At most ``most`` evenly spaced indexes of ``count`` points, both ends kept: a million-point line draws no
    better than two thousand."""
    if count <= most:
        return range(count)
    step = (count - 1) / (most - 1)
    return sorted({round(i * step) for i in range(most)})


def curves_chart(title: str, curves: Sequence[ChartSeries], marks: Sequence[Marked], format: ChartFormat) -> bytes:
    """Cost (x) against quality (y): ``tune``'s and ``evaluate``'s charts."""
    with _drawing() as fig:
        ax = fig.add_subplot()
        for index, curve in enumerate(curves):  # the first line is the subject; the others, dashed grey, compare
            ax.plot(
                curve.cost,
                curve.quality,
                color=STRATEGY_COLOUR if index == 0 else _COMPARED_COLOUR,
                linestyle="-" if index == 0 else "--",
                linewidth=1.5,
                label=curve.label,
            )
        for mark in marks:
            ax.plot([mark.cost], [mark.quality], marker="o", linestyle="none", color=BASELINE_COLOUR)
            ax.annotate(mark.label, (mark.cost, mark.quality), textcoords="offset points", xytext=(6, -10), fontsize=8)
        ax.set_xlabel("Cost (USD, all prompts)")
        ax.set_ylabel("Quality (mean)")
        ax.xaxis.set_major_formatter(_money_formatter("USD"))
        ax.set_title(_title(title), loc="left")
        if curves:
            ax.legend(loc="lower right", fontsize=8, frameon=False)
        ax.grid(True, alpha=0.3)
        return _figure_bytes(fig, format)


# ------------------------------------------------------------------ analyze


def daily_chart(analysis: Analysis, format: ChartFormat) -> bytes:
    """``routecli analyze --chart``: requests (top) and priced spend (bottom) per UTC day, stacked by model."""
    from datetime import UTC, datetime

    days = sorted({day.day for day in analysis.by_day})
    models = [model.model for model in analysis.models]
    position = {day: index for index, day in enumerate(days)}
    requests = {model: [0.0] * len(days) for model in models}
    spend = {model: [0.0] * len(days) for model in models}
    for day in analysis.by_day:
        requests[day.model][position[day.day]] = day.requests
        spend[day.model][position[day.day]] = float(day.spend_priced or 0)
    labels = [datetime.fromtimestamp(day, UTC).strftime("%Y-%m-%d") for day in days]
    with _drawing((FIGURE_SIZE[0], FIGURE_SIZE[1] * 1.4)) as fig:
        top, bottom = fig.subplots(2, 1, sharex=True)
        for ax, values, label in ((top, requests, "Requests per day"), (bottom, spend, "Priced spend per day (USD)")):
            base = [0.0] * len(days)
            for model in models:
                ax.bar(range(len(days)), values[model], bottom=base, label=model, width=0.8)
                base = [low + high for low, high in zip(base, values[model], strict=True)]
            ax.set_ylabel(label)
            ax.grid(True, axis="y", alpha=0.3)
        bottom.yaxis.set_major_formatter(_money_formatter("USD"))
        step = max(1, len(days) // 12)
        bottom.set_xticks(range(0, len(days), step), labels[::step], rotation=30, ha="right")
        top.set_title(_title(f"{analysis.requests:,} requests by model, per UTC day"), loc="left")
        if models:
            top.legend(loc="upper left", fontsize=8, frameon=False)
        return _figure_bytes(fig, format)
