"""``routecli diff`` for people and machines: a terminal table, a pull-request comment, and versioned JSON (docs/ci.md).

Changes read like infracost's: ``+$425.12 ($4,574.88 → $5,000.00)`` and ``+9.3%``,
with no percentage from an old value of 0.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from rich.console import Group as RichGroup
from rich.console import RenderableType
from rich.text import Text

from routecli import __version__
from routecli.ci.diff import Cheapest, Entry, Figure, InputsChanged, ReportDiff, Row
from routecli.render.markdown import markdown_table
from routecli.render.numbers import decimal_str, fixed, money, percent, plain_number
from routecli.render.terminal import wide_table

__all__ = [
    "COMMENT_MARKER",
    "DIFF_REPORT_SCHEMA",
    "DIFF_SCHEMA_VERSION",
    "cheapest_line",
    "diff_document",
    "diff_json",
    "diff_markdown",
    "diff_renderable",
    "verdict",
]

COMMENT_MARKER = "<!-- routecli-diff -->"
"""The Markdown comment's first line, hidden on GitHub: CI finds its own comment by it and edits it."""
DIFF_SCHEMA_VERSION = 1


# ------------------------------------------------------------------ cells


def _signed_money(value: Decimal) -> str:
    return f"+{money(value)}" if value > 0 else money(value)


def _signed_pct(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"+{percent(value)}" if value > 0 else percent(value)


def _value(figure: Figure, value: Decimal | None) -> str:
    if value is None:
        return "—"
    if figure.unit == "usd":
        return money(value)
    if figure.unit == "ratio":
        return percent(value * 100)
    if figure.unit == "ms":
        return f"{plain_number(value)} ms"
    return plain_number(value)


def _change(figure: Figure, change: Decimal) -> str:
    if figure.unit == "usd":
        return _signed_money(change)
    sign = "+" if change > 0 else ""
    if figure.unit == "ratio":
        return f"{sign}{fixed(change * 100, 1)} pp"
    return sign + _value(figure, change)


def _figure_cell(figure: Figure | None) -> str:
    """``+$425.12 ($4,574.88 → $5,000.00)``; ``$4,574.88 (no change)``; ``— → 97.0%`` when one side is unknown."""
    if figure is None or (figure.old is None and figure.new is None):
        return "—"
    change = figure.change
    if change is None:
        return f"{_value(figure, figure.old)} → {_value(figure, figure.new)}"
    if not change:
        return f"{_value(figure, figure.new)} (no change)"
    return f"{_change(figure, change)} ({_value(figure, figure.old)} → {_value(figure, figure.new)})"


class _Column(NamedTuple):
    header: str
    metric: str
    with_pct: bool = False


_STRATEGY_COLUMNS = (
    _Column("Monthly cost", "monthly_cost", with_pct=True),
    _Column("Savings vs baseline", "savings_vs_baseline"),
    _Column("Quality", "quality"),
    _Column("Latency P95", "latency_p95_ms"),
)
_TIER_COLUMNS = (
    _Column("Spend", "spend", with_pct=True),
    _Column("Requests", "requests"),
    _Column("Answered", "answered"),
    _Column("Quality", "quality"),
    _Column("Escalated", "escalation_rate"),
)
_MODEL_COLUMNS = (_Column("Monthly spend", "spend", with_pct=True),)


def _known(rows: Sequence[Row], column: _Column) -> bool:
    """Whether any row has the figure in either report (columns nobody has, e.g. quality, are left out)."""
    figures = [row.figure(column.metric) for row in rows]
    return any(f is not None and (f.old is not None or f.new is not None) for f in figures)


def _model(model: tuple[str | None, str | None] | None) -> str:
    if model is None or model == (None, None):
        return ""
    old, new = model
    return f" ({new})" if old == new else f" ({old or '—'} → {new or '—'})"


def _label(diff: ReportDiff, row: Row) -> str:
    if row.group == "strategy":
        return row.name + (" ★" if row.name == diff.baseline else "")
    if row.group == "model":
        return f"{row.strategy} / {row.name}{_model(row.model)}"
    return row.name + _model(row.model)


def _table(diff: ReportDiff, rows: Sequence[Row], title: str, columns: Sequence[_Column]) -> list[list[str]]:
    """Header then one line of cells per row; a ``%`` column after each money column that has one."""
    shown = [column for column in columns if _known(rows, column)]
    header = [title]
    for column in shown:
        header += [column.header, "%"] if column.with_pct else [column.header]
    lines = [header]
    for row in rows:
        cells = [_label(diff, row)]
        for column in shown:
            figure = row.figure(column.metric)
            cells.append(_figure_cell(figure))
            if column.with_pct:
                cells.append(_signed_pct(None if figure is None else figure.change_pct))
        lines.append(cells)
    return lines


def _tables(diff: ReportDiff) -> list[tuple[str | None, list[list[str]]]]:
    """The tables of a diff: (heading or None, header + rows). Model rows only where something changed."""
    if diff.kind == "replay":
        return [(None, _table(diff, diff.rows, "Tier", _TIER_COLUMNS))]
    tables: list[tuple[str | None, list[list[str]]]] = []
    strategies = [row for row in diff.rows if row.group == "strategy"]
    if strategies:
        tables.append((None, _table(diff, strategies, "Strategy", _STRATEGY_COLUMNS)))
    models = [row for row in diff.rows if row.group == "model" and _moved(row)]
    if models:
        tables.append(("Spend by model (changed)", _table(diff, models, "Strategy / tier", _MODEL_COLUMNS)))
    return tables


def _moved(row: Row) -> bool:
    return any(figure.change for figure in row.figures) or (row.model is not None and row.model[0] != row.model[1])


# ------------------------------------------------------------------ sentences


def _subject(diff: ReportDiff) -> str:
    headline = diff.headline
    if headline.strategies is None:
        return "Replay spend"
    old, new = headline.strategies
    if headline.source == "baseline":
        return f"Monthly cost of the baseline ({new})"
    if headline.source == "cheapest-shared":
        return f"Monthly cost of {new}, the cheapest strategy both reports have,"
    if headline.source == "cheapest":
        return f"Monthly cost of the cheapest strategy ({old} → {new}; no strategy is in both reports)"
    return f"Monthly cost of {new}"


def verdict(diff: ReportDiff) -> str:
    """One sentence on the headline: ``Monthly cost of … rises by $1,234.56 (+12.3%) to $11,234.56.``"""
    figure = diff.headline.figure
    old, new = figure.old, figure.new
    assert old is not None  # headlines are money, which both reports have
    assert new is not None
    subject = _subject(diff)
    if old == new:
        return f"{subject} is unchanged at {money(new)}."
    if not old:
        return f"{subject} rises from {money(old)} to {money(new)}."
    direction = "rises" if new > old else "falls"
    return f"{subject} {direction} by {money(abs(new - old))} ({_signed_pct(figure.change_pct)}) to {money(new)}."


def cheapest_line(diff: ReportDiff) -> str | None:
    """``Cheapest strategy: all-mini → cascade ($2,932.00 → $3,964.08).`` when it changed, else None.

    None too when the verdict already compares the two cheapest (no strategy in both reports).
    """
    cheapest = diff.cheapest
    if cheapest is None or not cheapest.changed or diff.headline.source == "cheapest":
        return None
    return (
        f"Cheapest strategy: {cheapest.old} → {cheapest.new} ({money(cheapest.old_cost)} → {money(cheapest.new_cost)})."
    )


def _entry_line(diff: ReportDiff, entry: Entry, *, added: bool) -> str:
    what = "strategy" if entry.group == "strategy" else "tier"
    label = entry.name if entry.model is None else f"{entry.name} ({entry.model})"
    where = f" in {entry.strategy}" if entry.strategy is not None else ""
    cost = money(entry.cost) + (" a month" if diff.kind == "simulation" else " spend")
    return f"Added {what} {label}{where}: {cost}." if added else f"Removed {what} {label}{where} (was {cost})."


def _inputs_line(diff: ReportDiff, changed: InputsChanged) -> str:
    setup = "the scenario" if diff.kind == "simulation" else "the router config or prompts"
    if changed.prices and changed.setup:
        return f"Changed inputs: the price tables and {setup}."
    if changed.prices:
        return f"Changed inputs: the price tables ({setup} is the same)."
    if changed.setup:
        return f"Changed inputs: {setup} (the price tables are the same)."
    return f"Same inputs: neither the price tables nor {setup} changed."


def _footnotes(diff: ReportDiff) -> list[str]:
    lines = list(diff.notes)
    if diff.inputs_changed is not None:
        lines.append(_inputs_line(diff, diff.inputs_changed))
    return lines


def _title(diff: ReportDiff) -> str:
    old, new = diff.names
    subject = new if old == new else f"{old} → {new}"
    return f"Cost diff: {subject}" if diff.kind == "simulation" else f"Cost diff: replay of {subject}"


# ---------------------------------------------------------------- terminal


def diff_renderable(diff: ReportDiff) -> RenderableType:
    """The diff for the terminal: the verdict, the tables, what came and went."""
    parts: list[RenderableType] = [Text(verdict(diff), style="bold")]
    if (cheapest := cheapest_line(diff)) is not None:
        parts.append(Text(cheapest, style="bold"))
    parts.append(Text(f"{_title(diff)}; {diff.sources[0]} → {diff.sources[1]}", style="dim"))
    for heading, (header, *rows) in _tables(diff):
        parts.append(wide_table(heading or "", header, rows, section_at=None))
    changes = [_entry_line(diff, e, added=True) for e in diff.added]
    changes += [_entry_line(diff, e, added=False) for e in diff.removed]
    if changes:
        parts += [Text(""), *(Text(line) for line in changes)]
    parts += [Text(line, style="dim") for line in _footnotes(diff)]
    return RichGroup(*parts)


# ---------------------------------------------------------------- Markdown


def _md(text: str) -> str:
    """Names as text: no HTML (a name cannot forge the marker) and no emphasis."""
    escaped = html.escape(text, quote=False)
    for char in "\\`*_[]":
        escaped = escaped.replace(char, "\\" + char)
    return escaped


def _md_table(lines: list[list[str]]) -> str:
    header, *rows = lines
    return markdown_table(header, [[_md(row[0]), *row[1:]] for row in rows])


def diff_markdown(diff: ReportDiff) -> str:
    """A pull-request comment: the marker, a heading, the verdict, the tables, what came and went."""
    parts = [COMMENT_MARKER, f"## {_md(_title(diff))}", "", f"**{_md(verdict(diff))}**", ""]
    if (cheapest := cheapest_line(diff)) is not None:
        parts += [f"**{_md(cheapest)}**", ""]
    for heading, lines in _tables(diff):
        if heading is not None:
            parts += [f"### {heading}", ""]
        parts += [_md_table(lines), ""]
    changes = [_entry_line(diff, e, added=True) for e in diff.added]
    changes += [_entry_line(diff, e, added=False) for e in diff.removed]
    if changes:
        parts += [f"- {_md(line)}" for line in changes] + [""]
    footnotes = _footnotes(diff)
    parts += [f"_{_md(line)}_" for line in footnotes] + ([""] if footnotes else [])
    base, head = (_md(source) for source in diff.sources)
    parts.append(f"<sub>{base} → {head}, by routecli diff {__version__}</sub>")
    return "\n".join(parts) + "\n"


# -------------------------------------------------------------------- JSON

_MONEY: dict[str, Any] = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "description": "Exact USD amount."}
_VALUE: dict[str, Any] = {"anyOf": [_MONEY, {"type": "number"}, {"type": "null"}]}
_NAME_OR_NULL: dict[str, Any] = {"type": ["string", "null"]}
_PCT: dict[str, Any] = {"type": ["number", "null"]}
_GROUP: dict[str, Any] = {"enum": ["strategy", "model", "total", "tier"]}


def _strict(properties: dict[str, Any]) -> dict[str, Any]:
    """An object with exactly these keys, all present."""
    return {"type": "object", "required": list(properties), "properties": properties, "additionalProperties": False}


_FIGURE = _strict(
    {
        "unit": {"enum": ["usd", "count", "ratio", "ms"]},
        "old": _VALUE,
        "new": _VALUE,
        "change": _VALUE,
        "change_pct": _PCT,
    }
)
_SIDE = _strict({"file": {"type": "string"}, "name": {"type": "string"}})

DIFF_REPORT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "routecli diff report",
    "description": "Output of `routecli diff BASE HEAD --format json`; see docs/ci.md.",
    **_strict(
        {
            "schema_version": {"const": DIFF_SCHEMA_VERSION},
            "kind": {"const": "diff"},
            "routecli_version": {"type": "string"},
            "compares": {"enum": ["simulation", "replay"]},
            "currency": {"const": "USD"},
            "base": _SIDE,
            "head": _SIDE,
            "totals": _strict(
                {
                    "metric": {"enum": ["monthly_cost", "spend"]},
                    "strategy": {
                        "anyOf": [{"type": "null"}, _strict({"old": {"type": "string"}, "new": {"type": "string"}})]
                    },
                    "strategy_from": {"enum": ["baseline", "option", "cheapest-shared", "cheapest", None]},
                    "old": _MONEY,
                    "new": _MONEY,
                    "change": _MONEY,
                    "change_pct": _PCT,
                }
            ),
            "verdict": {"type": "string"},
            "cheapest": {
                "anyOf": [
                    {"type": "null"},
                    _strict(
                        {
                            "old": {"type": "string"},
                            "new": {"type": "string"},
                            "old_cost": _MONEY,
                            "new_cost": _MONEY,
                            "changed": {"type": "boolean"},
                        }
                    ),
                ]
            },
            "rows": {
                "type": "array",
                "items": _strict(
                    {
                        "group": _GROUP,
                        "name": {"type": "string"},
                        "strategy": _NAME_OR_NULL,
                        "model": {"anyOf": [{"type": "null"}, _strict({"old": _NAME_OR_NULL, "new": _NAME_OR_NULL})]},
                        "metrics": {"type": "object", "additionalProperties": _FIGURE},
                    }
                ),
            },
            "added": {"type": "array", "items": {"$ref": "#/$defs/entry"}},
            "removed": {"type": "array", "items": {"$ref": "#/$defs/entry"}},
            "inputs_changed": {
                "anyOf": [{"type": "null"}, _strict({"prices": {"type": "boolean"}, "setup": {"type": "boolean"}})]
            },
            "notes": {"type": "array", "items": {"type": "string"}},
        }
    ),
    "$defs": {
        "entry": _strict(
            {
                "group": _GROUP,
                "name": {"type": "string"},
                "strategy": _NAME_OR_NULL,
                "model": _NAME_OR_NULL,
                "cost": _MONEY,
            }
        )
    },
}
"""JSON Schema of the diff report: what CI may rely on."""


def _number(unit: str, value: Decimal | None) -> str | int | float | None:
    """Money as an exact decimal string; counts as integers; other figures as JSON numbers."""
    if value is None:
        return None
    if unit == "usd":
        return decimal_str(value)
    return int(value) if unit == "count" else float(value)


def _pct(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _figure(figure: Figure) -> dict[str, Any]:
    return {
        "unit": figure.unit,
        "old": _number(figure.unit, figure.old),
        "new": _number(figure.unit, figure.new),
        "change": _number(figure.unit, figure.change),
        "change_pct": _pct(figure.change_pct),
    }


def _row(row: Row) -> dict[str, Any]:
    return {
        "group": row.group,
        "name": row.name,
        "strategy": row.strategy,
        "model": None if row.model is None else {"old": row.model[0], "new": row.model[1]},
        "metrics": {figure.metric: _figure(figure) for figure in row.figures},
    }


def _entry(entry: Entry) -> dict[str, Any]:
    return {
        "group": entry.group,
        "name": entry.name,
        "strategy": entry.strategy,
        "model": entry.model,
        "cost": decimal_str(entry.cost),
    }


def _cheapest(cheapest: Cheapest | None) -> dict[str, Any] | None:
    if cheapest is None:
        return None
    return {
        "old": cheapest.old,
        "new": cheapest.new,
        "old_cost": decimal_str(cheapest.old_cost),
        "new_cost": decimal_str(cheapest.new_cost),
        "changed": cheapest.changed,
    }


def diff_document(diff: ReportDiff) -> dict[str, Any]:
    """The diff as JSON-ready data (schema: ``DIFF_REPORT_SCHEMA``)."""
    headline = diff.headline
    total = _figure(headline.figure)
    strategies = headline.strategies
    changed = diff.inputs_changed
    return {
        "schema_version": DIFF_SCHEMA_VERSION,
        "kind": "diff",
        "routecli_version": __version__,
        "compares": diff.kind,
        "currency": "USD",
        "base": {"file": diff.sources[0], "name": diff.names[0]},
        "head": {"file": diff.sources[1], "name": diff.names[1]},
        "totals": {
            "metric": headline.figure.metric,
            "strategy": None if strategies is None else {"old": strategies[0], "new": strategies[1]},
            "strategy_from": headline.source,
            "old": total["old"],
            "new": total["new"],
            "change": total["change"],
            "change_pct": total["change_pct"],
        },
        "verdict": verdict(diff),
        "cheapest": _cheapest(diff.cheapest),
        "rows": [_row(row) for row in diff.rows],
        "added": [_entry(entry) for entry in diff.added],
        "removed": [_entry(entry) for entry in diff.removed],
        "inputs_changed": None if changed is None else changed._asdict(),
        "notes": list(diff.notes),
    }


def diff_json(diff: ReportDiff) -> str:
    """The diff as indented JSON text."""
    return json.dumps(diff_document(diff), indent=2) + "\n"
