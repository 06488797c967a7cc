"""What ``routecli fit-router`` prints: accuracy and the confusion matrices before and after, and the new thresholds.

Thresholds are shown exactly as fitted, never rounded for display: fitting
already picks the shortest round number in the middle of a gap between scores
(``routecli.replay.routing.fit``), so they are short, and a rounded one pasted into a
config could decide a prompt otherwise than the accuracy shown.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.text import Text

from routecli.render.markdown import markdown_table
from routecli.render.numbers import counted, money
from routecli.render.terminal import compact_table
from routecli.replay.routing.fit import Confusion, RouterFit

if TYPE_CHECKING:
    from routecli.replay.fit_run import EmbeddingCost

__all__ = [
    "embedding_note",
    "fit_csv",
    "fit_document",
    "fit_json",
    "fit_markdown",
    "fit_renderable",
    "thresholds_yaml",
]

_CORNER = "Label \\ decided"


def thresholds_yaml(thresholds: Mapping[str, float]) -> str:
    """``thresholds: {small: 0.0, large: 0.42}``: one line to paste under ``routing:``, tier names quoted if YAML
    needs it, numbers exact."""
    import yaml

    dumped: str = yaml.safe_dump(
        {"thresholds": dict(thresholds)}, default_flow_style=None, sort_keys=False, width=1_000_000
    )
    return dumped.strip()


def _matrix(confusion: Confusion, tiers: tuple[str, ...]) -> tuple[list[str], dict[str, dict[str, int]]]:
    """Rows: the labels present, in ``tiers`` order; columns: every tier; zeros filled in."""
    rows = [tier for tier in tiers if tier in confusion]
    return rows, {label: {tier: confusion[label].get(tier, 0) for tier in tiers} for label in rows}


def _right(confusion: Confusion) -> int:
    return sum(row.get(label, 0) for label, row in confusion.items())


def _table_rows(confusion: Confusion, tiers: tuple[str, ...]) -> list[list[str]]:
    labels, matrix = _matrix(confusion, tiers)
    return [[label, *(f"{matrix[label][tier]:,}" for tier in tiers)] for label in labels]


def _summary(fit: RouterFit) -> list[str]:
    result = fit.fit
    left_out = fit.prompts - fit.labelled
    source = f"{fit.labelled:,} labelled prompts" + (f" ({left_out:,} without a label left out)" if left_out else "")
    before, after = _right(result.confusion_before), _right(result.confusion_after)
    return [
        f"Fitted to {source}.",
        f"Accuracy: {result.accuracy_before:.1%} → {result.accuracy_after:.1%} "
        f"({before:,} → {after:,} of {fit.labelled:,} decided as labelled).",
    ]


def _shown(thresholds: Mapping[str, float]) -> str:
    return ", ".join(f"{tier} {value!r}" for tier, value in thresholds.items())


def _titles(fit: RouterFit) -> tuple[str, str]:
    return (
        f"Before (thresholds: {_shown(fit.thresholds_before)})",
        f"After (thresholds: {_shown(fit.fit.thresholds)})",
    )


_PASTE = "Paste under routing: in the config:"


def fit_renderable(fit: RouterFit) -> RenderableType:
    """The fit for the terminal."""
    parts: list[RenderableType] = [Text(line) for line in _summary(fit)]
    headers = [_CORNER, *fit.tiers]
    for title, confusion in zip(_titles(fit), (fit.fit.confusion_before, fit.fit.confusion_after), strict=True):
        rows = _table_rows(confusion, fit.tiers)
        table = compact_table(None, headers)
        for row in rows:
            table.add_row(*row)
        parts += [Text(""), Text(title, style="italic"), table]  # a line of its own: a title wraps at the table's width
    parts += [Text(""), Text(_PASTE), Text("  " + thresholds_yaml(fit.fit.thresholds))]
    return Group(*parts)


def fit_markdown(fit: RouterFit) -> str:
    """The fit as GitHub Markdown."""
    parts = ["## Fitted thresholds", "", *(line for line in _summary(fit)), ""]
    headers = [_CORNER, *fit.tiers]
    for title, confusion in zip(_titles(fit), (fit.fit.confusion_before, fit.fit.confusion_after), strict=True):
        parts += [f"### {title}", "", markdown_table(headers, _table_rows(confusion, fit.tiers)), ""]
    parts += [_PASTE, "", "```yaml", thresholds_yaml(fit.fit.thresholds), "```", ""]
    return "\n".join(parts)


def fit_document(fit: RouterFit) -> dict[str, object]:
    """The JSON report's content: confusion matrices are ``{label: {decided tier: prompts}}`` with every tier."""
    result = fit.fit
    return {
        "prompts": fit.prompts,
        "labelled": fit.labelled,
        "accuracy_before": result.accuracy_before,
        "accuracy_after": result.accuracy_after,
        "thresholds_before": fit.thresholds_before,
        "thresholds": result.thresholds,
        "confusion_before": _matrix(result.confusion_before, fit.tiers)[1],
        "confusion_after": _matrix(result.confusion_after, fit.tiers)[1],
    }


def fit_json(fit: RouterFit) -> str:
    """``fit_document`` as indented JSON."""
    return json.dumps(fit_document(fit), indent=2) + "\n"


def fit_csv(fit: RouterFit) -> str:
    """Both confusion matrices, one row per label: ``when`` (before or after), ``label``, a column per decided
    tier, then the label's ``prompts`` and how many were decided ``right``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["when", "label", *fit.tiers, "prompts", "right"])
    for when, confusion in (("before", fit.fit.confusion_before), ("after", fit.fit.confusion_after)):
        labels, matrix = _matrix(confusion, fit.tiers)
        for label in labels:
            counts = matrix[label]
            writer.writerow([when, label, *counts.values(), sum(counts.values()), counts[label]])
    return out.getvalue()


def embedding_note(cost: EmbeddingCost) -> str:
    """One line on what the embeddings endpoint was asked and what it cost (for stderr)."""
    return (
        f"Embedded {counted(cost.texts, 'text')} at {cost.provider} ({cost.model}): "
        f"{counted(cost.requests, 'request')}, {cost.tokens:,} tokens, {money(cost.spend)}"
    )
