"""Price tables, their differences and imports, for people (rich, Markdown) and machines (JSON, CSV)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from decimal import Decimal

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from routecli.pricing.litellm import ImportResult
from routecli.pricing.price_diff import FieldChange, FieldValue, PriceDiff
from routecli.pricing.prices import ModelPrice, TokenRates, price_to_json
from routecli.render.markdown import markdown_table
from routecli.render.numbers import counted, decimal_str, fixed
from routecli.render.terminal import FitTable, compact_table

__all__ = [
    "CHANGE_HEADERS",
    "LISTED_HEADERS",
    "PRICE_HEADERS",
    "import_summary",
    "model_renderable",
    "price_diff_json",
    "price_diff_markdown",
    "price_diff_renderable",
    "price_list_csv",
    "price_list_json",
    "price_list_markdown",
    "price_list_renderable",
    "price_row",
]

PRICE_HEADERS = ("Model", "Input", "Output", "Cached input", "Batch in/out", "Long context", "Context")


def _plain(value: Decimal | None) -> str:
    return "—" if value is None else decimal_str(value)


def _tokens(count: int | None) -> str:
    if count is None:
        return "—"
    if count >= 1000 and count % 1000 == 0:
        return f"{count // 1000:,}k"
    return f"{count:,}"


def price_row(price: ModelPrice) -> list[str]:
    """One model's prices (USD per 1M tokens) as cells, in ``PRICE_HEADERS`` order."""
    rates = price.standard
    batch = "—" if price.batch is None else f"{_plain(price.batch.input)}/{_plain(price.batch.output)}"
    long = price.long_context
    return [
        price.id,
        _plain(rates.input),
        _plain(rates.output),
        _plain(rates.cached_input),
        batch,
        "—" if long is None else f">{_tokens(long.above_tokens)}",
        _tokens(price.context_window),
    ]


def price_list_renderable(models: Sequence[ModelPrice]) -> FitTable:
    """Models grouped by provider, prices in USD per 1M tokens."""
    rows = [price_row(model) for model in models]
    title = f"{len(models)} models — USD per 1M tokens (routecli pricing show MODEL for the rest)"
    table = compact_table(title, PRICE_HEADERS, PRICE_HEADERS[4:], " (routecli pricing show MODEL, or --format csv)")
    provider = None
    for model, row in zip(models, rows, strict=True):
        if model.provider != provider:
            provider = model.provider
            table.add_row(Text(provider, style="bold cyan"))
        table.add_row(*row)
    return table


def price_list_markdown(models: Sequence[ModelPrice]) -> str:
    rows = [[m.provider, *price_row(m)] for m in models]
    return markdown_table(["Provider", *PRICE_HEADERS], rows, right_from=2) + "\n"


def price_list_json(models: Sequence[ModelPrice]) -> str:
    return json.dumps({"models": [price_to_json(m) for m in models]}, indent=2) + "\n"


def price_list_csv(models: Sequence[ModelPrice]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    fields = ("input_per_mtok", "output_per_mtok", "cached_input_per_mtok", "cache_write_per_mtok")
    writer.writerow(
        [
            "id",
            "provider",
            *fields,
            "batch_input_per_mtok",
            "batch_output_per_mtok",
            "long_context_above_tokens",
            "long_input_per_mtok",
            "long_output_per_mtok",
            "per_request",
            "context_window",
            "max_output_tokens",
        ]
    )

    def cell(value: Decimal | int | None) -> str:
        if value is None:
            return ""
        return decimal_str(value) if isinstance(value, Decimal) else str(value)

    for m in models:
        rates = m.standard
        long = m.long_context
        writer.writerow(
            [
                m.id,
                m.provider,
                cell(rates.input),
                cell(rates.output),
                cell(rates.cached_input),
                cell(rates.cache_write),
                cell(m.batch.input if m.batch else None),
                cell(m.batch.output if m.batch else None),
                cell(long.above_tokens if long else None),
                cell(long.rates.input if long else None),
                cell(long.rates.output if long else None),
                cell(m.per_request),
                cell(m.context_window),
                cell(m.max_output_tokens),
            ]
        )
    return out.getvalue()


def _exact(value: Decimal | None) -> str:
    return "—" if value is None else f"${decimal_str(value)}"


def _rates_table(rates: TokenRates) -> Table:
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_column(style="dim")
    table.add_column(justify="right")
    table.add_row("input", _exact(rates.input))
    table.add_row("output", _exact(rates.output))
    table.add_row("cached input", _exact(rates.cached_input))
    table.add_row("cache write", _exact(rates.cache_write))
    return table


def model_renderable(price: ModelPrice) -> RenderableType:
    """Everything known about one model's price."""
    lines: list[RenderableType] = [Text(f"{price.id}  ({price.provider})", style="bold")]
    if price.aliases:
        lines.append(Text("aliases: " + ", ".join(price.aliases)))
    lines += [Text("Standard, USD per 1M tokens"), _rates_table(price.standard)]
    if price.cache_write_1h is not None:
        lines.append(Text(f"1-hour cache write: {_exact(price.cache_write_1h)} per 1M tokens"))
    if price.reasoning_per_mtok is not None:
        lines.append(Text(f"reasoning tokens: {_exact(price.reasoning_per_mtok)} per 1M tokens"))
    for title, rates in (("Batch", price.batch), ("Flex", price.flex), ("Priority", price.priority)):
        if rates:
            lines += [Text(f"{title}, USD per 1M tokens"), _rates_table(rates)]
    if price.long_context:
        above = price.long_context.above_tokens
        lines += [Text(f"Prompts over {above:,} tokens (whole request)"), _rates_table(price.long_context.rates)]
    if price.per_request:
        lines.append(Text(f"per request: {_exact(price.per_request)}"))
    lines.append(
        Text(f"context window: {_tokens(price.context_window)}   max output: {_tokens(price.max_output_tokens)}")
    )
    if price.deprecation_date:
        lines.append(Text(f"deprecation date: {price.deprecation_date}", style="yellow"))
    if price.source:
        as_of = f", as of {price.source.as_of}" if price.source.as_of else ""
        lines.append(Text(f"source: {price.source.file}{as_of} — {price.source.source}", style="dim"))
    return Group(*lines)


CHANGE_HEADERS = ("Model", "Field", "Old", "New", "Change")
LISTED_HEADERS = ("Model", "Input", "Output", "Context")


def _value(value: FieldValue) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return decimal_str(value) if isinstance(value, Decimal) else f"{value:,}"


def _percent(change: FieldChange) -> str:
    """``+20%``, ``-12.5%``, ``-0.0015%``; a dash where there is no nonzero old value to compare with."""
    percent = change.percent
    if percent is None:
        return "—"
    if abs(percent) < Decimal("0.1"):
        return f"{percent:+.2g}%"
    return f"{fixed(percent, 1):+.1f}".removesuffix(".0") + "%"


def _change_cells(change: FieldChange) -> list[str]:
    return [change.field, _value(change.old), _value(change.new), _percent(change)]


def _listed_row(price: ModelPrice) -> list[str]:
    rates = price.standard
    return [price.id, _plain(rates.input), _plain(rates.output), _tokens(price.context_window)]


def _diff_counts(diff: PriceDiff) -> str:
    return (
        f"{len(diff.changed)} changed, {len(diff.added)} added, {len(diff.removed)} removed, "
        f"{diff.unchanged} unchanged (USD per 1M tokens)"
    )


def _changed_table(diff: PriceDiff) -> FitTable:
    """Each changed model on a row of its own, its changed fields below it."""
    table = compact_table(f"Changed: {counted(len(diff.changed), 'model')}", CHANGE_HEADERS[1:])
    for model in diff.changed:
        table.add_row(Text(model.name, style="bold"))
        for change in model.changes:
            cells = _change_cells(change)
            table.add_row("  " + cells[0], *cells[1:])
    return table


def price_diff_renderable(diff: PriceDiff, old: str, new: str) -> RenderableType:
    """Changed fields model by model, then the models added and removed."""
    tables: list[RenderableType] = [_changed_table(diff)] if diff.changed else []
    for title, models in (("Added", diff.added), ("Removed", diff.removed)):
        if models:
            rows = [_listed_row(model) for model in models]
            table = compact_table(f"{title}: {counted(len(models), 'model')}", LISTED_HEADERS)
            for row in rows:
                table.add_row(*row)
            tables.append(table)
    heading = Text(f"Prices {old} → {new}: {_diff_counts(diff)}", style="bold")
    return Group(heading, *([Text(""), *tables] if tables else []))  # each table ends in a blank line


def price_diff_markdown(diff: PriceDiff, old: str, new: str) -> str:
    """The difference as Markdown, for a pull request that updates a price table."""
    parts = [f"## Prices `{old}` → `{new}`", "", _diff_counts(diff) + ".", ""]
    if diff.changed:
        rows = [
            [model.name if index == 0 else "", *_change_cells(change)]
            for model in diff.changed
            for index, change in enumerate(model.changes)
        ]
        parts += ["### Changed", "", markdown_table(CHANGE_HEADERS, rows, right_from=2), ""]
    for title, models in (("Added", diff.added), ("Removed", diff.removed)):
        if models:
            rows = [[m.provider, *price_row(m)] for m in models]
            parts += [f"### {title}", "", markdown_table(["Provider", *PRICE_HEADERS], rows, right_from=2), ""]
    return "\n".join(parts)


def _json_value(value: FieldValue) -> str | int | None:
    return decimal_str(value) if isinstance(value, Decimal) else value


def price_diff_json(diff: PriceDiff, old: str, new: str) -> str:
    """The difference for machines: money as exact decimal strings, percentages rounded to 4 decimals."""
    changed = [
        {
            "id": model.old.id,
            "new_id": model.new.id,
            "provider": model.new.provider,
            "changes": [
                {
                    "field": change.field,
                    "old": _json_value(change.old),
                    "new": _json_value(change.new),
                    "percent": None if change.percent is None else float(fixed(change.percent, 4)),
                }
                for change in model.changes
            ],
        }
        for model in diff.changed
    ]
    document = {
        "old": old,
        "new": new,
        "unchanged": diff.unchanged,
        "changed": changed,
        "added": [price_to_json(model) for model in diff.added],
        "removed": [price_to_json(model) for model in diff.removed],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def import_summary(result: ImportResult) -> str:
    """What an import left out or approximated, counted by reason (for stderr)."""
    lines = []
    for title, counts in (("skipped", result.skipped), ("approximated", result.approximated)):
        if counts:
            total = sum(counts.values())
            lines.append(f"{title} {total:,} {'entry' if total == 1 else 'entries'}:")
            lines += [f"  {count:>6,}  {reason}" for reason, count in counts.items()]
    return "".join(line + "\n" for line in lines)
