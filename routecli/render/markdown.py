"""Markdown reports, for pull requests and wikis."""

from __future__ import annotations

from collections.abc import Sequence

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

__all__ = ["markdown_table", "simulation_markdown"]


def _escape(cell: str) -> str:
    return cell.replace("|", "\\|")


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]], right_from: int = 1) -> str:
    """A GitHub-flavoured table; columns from ``right_from`` on are right-aligned."""
    align = ["---" if index < right_from else "---:" for index in range(len(headers))]
    lines = ["| " + " | ".join(_escape(h) for h in headers) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(_escape(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def simulation_markdown(result: SimulationResult) -> str:
    """The whole simulation report as Markdown."""
    currency = result.currency
    parts = [f"## {result.scenario}", "", f"{period_line(result)}; baseline: **{result.baseline}**.", ""]
    rows = [strategy_row(strategy, currency) for strategy in result.strategies]
    for row, strategy in zip(rows, result.strategies, strict=True):
        if strategy.is_baseline:
            row[0] = f"**{row[0]}**"
    parts += [markdown_table(STRATEGY_HEADERS, rows), ""]
    assumed = modifier_lines(result)
    parts += ([f"{MODIFIERS_HEADING}:", ""] + [f"- {line}" for line in assumed] + [""]) if assumed else []
    parts += [f"- {line}" for line in result.insights] + ([""] if result.insights else [])
    if result.monte_carlo is not None:
        parts += ["### Monte Carlo", "", markdown_table(MONTE_CARLO_HEADERS, monte_carlo_rows(result)), ""]
        parts += [monte_carlo_line(result), ""]
    if result.forecast:
        headers, forecast_rows = forecast_table(result)
        parts += ["### Forecast", "", markdown_table(headers, forecast_rows), ""]
    headers, spend_rows = spend_matrix(result)
    parts += ["### Monthly spend by model", "", markdown_table(headers, spend_rows), ""]
    hops = hop_lines(result)
    if hops:
        parts += ["### Escalation by hop", ""] + [f"- {line}" for line in hops] + [""]
    if result.warnings:
        parts += ["### Warnings", ""] + [f"- {warning}" for warning in result.warnings] + [""]
    sources = ", ".join(f"{s.provider} ({s.as_of})" if s.as_of else s.provider for s in result.price_sources)
    if sources:
        parts += [f"Prices: {sources}.", ""]
    return "\n".join(parts)
