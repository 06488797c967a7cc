"""HTML reports: one self-contained file, to open in any browser or attach to a ticket.

Everything is inline — styles, the chart as SVG (its text drawn as paths) — and
nothing is fetched, so the file reads the same offline, in a mail client or in
an archive years later. Every piece of user text is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from html import escape
from typing import TYPE_CHECKING

from routecli import __version__
from routecli.pricing.prices import PriceSource
from routecli.render.charts import cost_quality_chart, need_matplotlib, sweep_chart
from routecli.render.numbers import decimal_str, money, percent, probability
from routecli.render.summary import (
    MODIFIERS_HEADING,
    MONTE_CARLO_HEADERS,
    STRATEGY_HEADERS,
    forecast_table,
    hop_lines,
    modifier_lines,
    monte_carlo_line,
    monte_carlo_rows,
    period_line,
    spend_matrix,
    strategy_row,
)
from routecli.simulate.costmodel import SimulationResult
from routecli.simulate.sweep import SweepResult

if TYPE_CHECKING:
    from routecli.simulate.breakeven import BreakEven

__all__ = ["breakeven_html", "simulation_html", "sweep_html"]

_STYLE = """
:root { color-scheme: light; }
body { margin: 0; background: #f8fafc; color: #1f2937;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 32px 24px 48px; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0 0 8px; }
h2 { font-size: 1.15rem; margin: 32px 0 10px; }
p { margin: 6px 0; }
.muted, figcaption, caption, footer { color: #6b7280; }
figure { margin: 24px 0; padding: 12px; background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { font-size: 0.85rem; margin-top: 6px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; background: #fff; font-size: 0.9rem; margin: 4px 0; }
caption { text-align: left; font-size: 0.85rem; padding: 0 0 6px; }
th, td { padding: 6px 12px; border-bottom: 1px solid #e5e7eb; white-space: nowrap; }
th { background: #f3f4f6; font-weight: 600; text-align: right; }
td { text-align: right; font-variant-numeric: tabular-nums; }
th:first-child, td:first-child { text-align: left; }
tr.baseline td { background: #fff7ed; font-weight: 600; }
tr.stats td { border-top: 2px solid #d1d5db; }
td.gain { color: #15803d; }
td.loss { color: #b91c1c; }
ul { padding-left: 22px; margin: 6px 0; }
li { margin: 3px 0; }
.warnings li { color: #92400e; }
footer { margin-top: 40px; font-size: 0.85rem; }
"""


def simulation_html(result: SimulationResult) -> str:
    """The whole simulation report — chart, tables, insights, warnings — as one HTML page."""
    need_matplotlib("--format html")
    parts = [
        f"<h1>{escape(result.scenario)}</h1>",
        _paragraph(result.description),
        f"<p>{escape(period_line(result))}; baseline: <strong>{escape(result.baseline)}</strong>.</p>",
        _figure(
            "cost-quality-chart",
            cost_quality_chart(result, "svg"),
            _cost_quality_caption(result),
        ),
        "<h2>Strategies</h2>",
        _strategy_table(result),
        *_list_section(MODIFIERS_HEADING, modifier_lines(result)),
    ]
    headers, rows = spend_matrix(result)
    stats = len(rows) - 3  # type, per 1k requests, model calls per request
    classes = ["stats" if index == stats else "" for index in range(len(rows))]
    parts += ["<h2>Monthly spend by model</h2>", _table(headers, rows, classes=classes)]
    if result.monte_carlo is not None:
        parts += ["<h2>Monte Carlo</h2>", _monte_carlo_table(result)]
    if result.forecast and result.growth is not None:
        growth = result.growth
        headers, rows = forecast_table(result)
        total = ["stats" if index == len(rows) - 1 else "" for index in range(len(rows))]  # a rule above the total
        parts += [
            "<h2>Forecast</h2>",
            f"<p>Traffic growing {escape(percent(growth.monthly_pct))} a month over {growth.months} months.</p>",
            _table(headers, rows, classes=total),
        ]
    parts += _list_section("Insights", result.insights)
    parts += _list_section("Escalation by hop", hop_lines(result))
    parts += _list_section("Warnings", result.warnings, "warnings")
    return _page(result.scenario, parts, result.price_sources)


def sweep_html(sweep: SweepResult) -> str:
    """A one- or two-parameter sweep as one HTML page: the chart, then every figure behind it."""
    need_matplotlib("--format html")
    first = sweep.points[0].result
    varied = " and ".join(f"<code>{escape(axis.path)}</code>" for axis in sweep.axes)
    parts = [
        f"<h1>{escape(sweep.scenario)}</h1>",
        f"<p>{len(sweep.points)} simulations varying {varied}; "
        f"baseline: <strong>{escape(sweep.baseline)}</strong>.</p>",
        _figure(
            "sweep-chart",
            sweep_chart(sweep, "svg"),
            "Monthly cost and quality of every strategy along the parameter."
            if len(sweep.axes) == 1
            else "Monthly savings against the baseline: green saves, red costs more.",
        ),
    ]
    if len(sweep.axes) == 1:
        parts += _sweep_tables(sweep)
    else:
        parts += _sweep_grids(sweep)
    parts += _list_section("Notes", sweep.notes)
    warnings = dict.fromkeys(warning for point in sweep.points for warning in point.result.warnings)
    parts += _list_section("Warnings", list(warnings), "warnings")
    return _page(f"{sweep.scenario} — sweep", parts, first.price_sources)


def breakeven_html(found: BreakEven) -> str:
    """A break-even answer as one HTML page: the sentences ``breakeven`` prints."""
    from routecli.render.sweep_report import breakeven_lines

    parts = [
        f"<h1>{escape(found.scenario)}</h1>",
        *_list_section(f"Break-even of {found.strategy}", breakeven_lines(found)),
    ]
    return _page(f"{found.scenario} — break-even of {found.strategy}", parts, ())


def _cost_quality_caption(result: SimulationResult) -> str:
    """What the chart shows: only the marks it has."""
    parts = ["Monthly cost against expected quality; the diamond is the baseline."]
    if len(result.frontier) > 1:
        parts.append("The green step line is the Pareto frontier: the strategies no other beats on both.")
    if any(s.quality is None for s in result.strategies):
        parts.append("Strategies without a quality estimate sit in the strip below.")
    if result.monte_carlo is not None:
        parts.append("Grey bars span the P5–P95 monthly cost (Monte Carlo).")
    return " ".join(parts)


def _strategy_table(result: SimulationResult) -> str:
    """The terminal's strategy table; the baseline row stands out, savings are green or red."""
    lines = ['<div class="scroll"><table>', _header_row(STRATEGY_HEADERS)]
    for strategy in result.strategies:
        cells = [escape(cell) for cell in strategy_row(strategy, result.currency)]
        savings = strategy.savings_vs_baseline
        tone = "" if strategy.is_baseline or not savings else "gain" if savings > 0 else "loss"
        title = f' title="{escape(strategy.description)}"' if strategy.description else ""
        row = f"<td{title}>{cells[0]}</td>" + "".join(
            f'<td class="{tone}">{cell}</td>' if index == 2 and tone else f"<td>{cell}</td>"
            for index, cell in enumerate(cells[1:], start=1)
        )
        lines.append(f'<tr class="baseline">{row}</tr>' if strategy.is_baseline else f"<tr>{row}</tr>")
    lines.append("</table></div>")
    return "\n".join(lines)


def _monte_carlo_table(result: SimulationResult) -> str:
    """Percentiles of monthly cost and latency per strategy, from the simulated requests."""
    return _table(list(MONTE_CARLO_HEADERS), monte_carlo_rows(result), caption=monte_carlo_line(result))


def _sweep_tables(sweep: SweepResult) -> list[str]:
    """One parameter: monthly cost per strategy at each value, then quality where known."""
    axis = sweep.axes[0]
    names = sweep.strategies
    costs = [
        [decimal_str(point.values[0]), *(money(point.result.strategy(n).monthly_cost, sweep.currency) for n in names)]
        for point in sweep.points
    ]
    parts = ["<h2>Monthly cost</h2>", _table([axis.path, *names], costs)]
    rated = [n for n in names if any(point.result.strategy(n).quality is not None for point in sweep.points)]
    if rated:
        quality = [
            [decimal_str(point.values[0]), *(probability(point.result.strategy(n).quality) for n in rated)]
            for point in sweep.points
        ]
        parts += ["<h2>Expected quality</h2>", _table([axis.path, *rated], quality)]
    return parts


def _sweep_grids(sweep: SweepResult) -> list[str]:
    """Two parameters: a grid of monthly savings against the baseline per focus strategy."""
    rows_axis, columns_axis = sweep.axes
    grid = sweep.grid()
    parts = ["<h2>Monthly savings vs baseline</h2>"]
    for name in sweep.focus:
        lines = [
            '<div class="scroll"><table>',
            f"<caption><strong>{escape(name)}</strong> — rows: {escape(rows_axis.path)}, "
            f"columns: {escape(columns_axis.path)}</caption>",
            _header_row(["", *(decimal_str(value) for value in columns_axis.values)]),
        ]
        for value, row in zip(rows_axis.values, grid, strict=True):
            cells = []
            for point in row:
                savings = point.result.strategy(name).savings_vs_baseline
                tone = ' class="gain"' if savings > 0 else ' class="loss"' if savings < 0 else ""
                cells.append(f"<td{tone}>{escape(money(savings, sweep.currency))}</td>")
            lines.append(f"<tr><td>{escape(decimal_str(value))}</td>{''.join(cells)}</tr>")
        lines.append("</table></div>")
        parts.append("\n".join(lines))
    return parts


# ------------------------------------------------------------------ shared


def _page(title: str, parts: Iterable[str], sources: Sequence[PriceSource]) -> str:
    prices = ", ".join(f"{s.provider} ({s.as_of})" if s.as_of else s.provider for s in sources)
    footer = f"Prices: {escape(prices)}. " if prices else ""
    body = "\n".join(part for part in parts if part)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n<main>\n{body}\n"
        f"<footer>{footer}Made with routecli {escape(__version__)}.</footer>\n</main>\n</body>\n</html>\n"
    )


def _figure(element_id: str, svg: bytes, caption: str) -> str:
    return f'<figure id="{element_id}">\n{_inline_svg(svg)}\n<figcaption>{escape(caption)}</figcaption>\n</figure>'


_SVG_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
_SVG_NAMESPACES = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')


def _inline_svg(svg: bytes) -> str:
    """A standalone SVG made an element of the page.

    The XML prolog goes, and so do the namespace declarations and the metadata:
    HTML knows the SVG namespace, and the page should name no URL at all.
    """
    text = svg.decode()
    text = text[text.index("<svg") :]
    return _SVG_NAMESPACES.sub("", _SVG_METADATA.sub("", text, count=1), count=2)


def _header_row(headers: Iterable[str]) -> str:
    return "<tr>" + "".join(f"<th>{escape(header)}</th>" for header in headers) + "</tr>"


def _table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, classes: Sequence[str] = (), caption: str = ""
) -> str:
    """A table of plain cells, the first column left and figures right."""
    lines = ['<div class="scroll"><table>']
    if caption:
        lines.append(f"<caption>{escape(caption)}</caption>")
    lines.append(_header_row(headers))
    for index, row in enumerate(rows):
        tone = classes[index] if index < len(classes) else ""
        cells = "".join(f"<td>{escape(cell)}</td>" for cell in row)
        lines.append(f'<tr class="{tone}">{cells}</tr>' if tone else f"<tr>{cells}</tr>")
    lines.append("</table></div>")
    return "\n".join(lines)


def _paragraph(text: str | None) -> str:
    return f'<p class="muted">{escape(text)}</p>' if text else ""


def _list_section(title: str, items: Sequence[str], kind: str = "") -> list[str]:
    if not items:
        return []
    entries = "".join(f"<li>{escape(item)}</li>" for item in items)
    listing = f'<ul class="{kind}">{entries}</ul>' if kind else f"<ul>{entries}</ul>"
    return [f"<h2>{escape(title)}</h2>", listing]
