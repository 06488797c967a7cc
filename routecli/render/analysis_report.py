"""``routecli analyze``'s result as a terminal table, Markdown, JSON (a versioned contract) and a chart.

One ``Analysis`` feeds every format. Nothing here shows prompt or answer text: the
analysis holds counts only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from routecli import __version__
from routecli.analyze.analysis import PREFIX_CHARS, Analysis, Duplicates, ModelSummary, Segment, TokenStats
from routecli.render.markdown import markdown_table
from routecli.render.numbers import counted, decimal_str, money, plain_number
from routecli.render.terminal import compact_table

__all__ = [
    "ANALYSIS_SCHEMA",
    "ANALYSIS_SCHEMA_VERSION",
    "analysis_document",
    "analysis_json",
    "analysis_markdown",
    "analysis_renderable",
    "iso_time",
]

ANALYSIS_SCHEMA_VERSION = 1

_MONEY: dict[str, Any] = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "description": "Exact USD amount."}
_OPTIONAL_MONEY: dict[str, Any] = {"anyOf": [_MONEY, {"type": "null"}]}
_SHARE: dict[str, Any] = {"type": "number", "minimum": 0, "maximum": 1}
_OPTIONAL_SHARE: dict[str, Any] = {"anyOf": [_SHARE, {"type": "null"}]}
_COUNT: dict[str, Any] = {"type": "integer", "minimum": 0}
_OPTIONAL_NUMBER: dict[str, Any] = {"type": ["number", "null"]}
_TIME: dict[str, Any] = {"type": ["string", "null"], "description": "ISO 8601, UTC."}
_TOKENS: dict[str, Any] = {
    "type": "object",
    "required": ["mean", "p50", "p95", "p99"],
    "properties": {name: {"type": "number", "minimum": 0} for name in ("mean", "p50", "p95", "p99")},
}


def _object(properties: dict[str, Any], description: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"type": "object", "required": list(properties), "properties": properties}
    if description:
        found["description"] = description
    return found


_MODEL = _object(
    {
        "model": {"type": "string", "description": "As logged; '(no model)' for rows naming none."},
        "requests": _COUNT,
        "input_tokens": _COUNT,
        "cached_tokens": _COUNT,
        "cache_write_tokens": _COUNT,
        "output_tokens": _COUNT,
        "reasoning_tokens": _COUNT,
        "spend_logged": {**_OPTIONAL_MONEY, "description": "Sum of the logged costs; null when no row has one."},
        "rows_without_cost": _COUNT,
        "spend_priced": {**_OPTIONAL_MONEY, "description": "By routecli's price tables; null for an unknown model."},
        "priced_as": {"type": ["string", "null"], "description": "The price-table entry that priced the model."},
        "spend_difference": {**_OPTIONAL_MONEY, "description": "Logged minus priced, when both cover every row."},
        "note": {"type": ["string", "null"], "description": "Why logged and priced spend differ, or why unpriced."},
        "errors": _COUNT,
        "error_share": _SHARE,
        "latency_ms": {
            "anyOf": [
                _object({"p50": {"type": "number"}, "p95": {"type": "number"}, "requests": _COUNT}),
                {"type": "null"},
            ]
        },
    }
)
_SEGMENT = _object(
    {"name": {"type": "string"}, "requests": _COUNT, "share": _SHARE, "input_tokens": _TOKENS, "output_tokens": _TOKENS}
)
_DUPLICATES = _object(
    {
        "requests_with_text": _COUNT,
        "exact_share": _OPTIONAL_SHARE,
        "near_share": _OPTIONAL_SHARE,
        "prefix_share": _OPTIONAL_SHARE,
        "prefix_chars": _COUNT,
        "near_method": {
            "anyOf": [
                _object(
                    {
                        "method": {"const": "minhash-lsh"},
                        "shingle_words": _COUNT,
                        "permutations": _COUNT,
                        "bands": _COUNT,
                        "rows": _COUNT,
                        "threshold": _SHARE,
                        "sampled": _COUNT,
                    }
                ),
                {"type": "null"},
            ]
        },
    },
    "Shares of the requests with prompt text; null when the log keeps none.",
)
ANALYSIS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "routecli analyze --format json",
    **_object(
        {
            "schema_version": {"const": ANALYSIS_SCHEMA_VERSION},
            "kind": {"const": "analysis"},
            "routecli_version": {"type": "string"},
            "files": {
                "type": "array",
                "items": _object({"path": {"type": "string"}, "format": {"type": "string"}}),
            },
            "skipped_rows": {
                "type": "array",
                "items": _object({"reason": {"type": "string"}, "rows": _COUNT}),
            },
            "requests": _COUNT,
            "errors": _COUNT,
            "error_share": _SHARE,
            "period": _object({"start": _TIME, "end": _TIME, "days": _OPTIONAL_NUMBER}),
            "requests_per_day": _OPTIONAL_NUMBER,
            "requests_per_month": _OPTIONAL_NUMBER,
            "peak_hour": {"anyOf": [_object({"start": _TIME, "requests": _COUNT}), {"type": "null"}]},
            "input_tokens": _COUNT,
            "cached_tokens": _COUNT,
            "cached_share": _OPTIONAL_SHARE,
            "spend_logged": _OPTIONAL_MONEY,
            "spend_priced": _OPTIONAL_MONEY,
            "unpriced_requests": _COUNT,
            "monthly_spend_priced": _OPTIONAL_MONEY,
            "models": {"type": "array", "items": _MODEL},
            "segment_by": {"type": "string"},
            "segments_note": {"type": ["string", "null"]},
            "segments": {"type": "array", "items": _SEGMENT},
            "duplicates": _DUPLICATES,
            "daily": {
                "type": "array",
                "items": _object(
                    {
                        "date": {"type": "string"},
                        "model": {"type": "string"},
                        "requests": _COUNT,
                        "spend_priced": _OPTIONAL_MONEY,
                    }
                ),
            },
        }
    ),
}
"""What ``routecli schema analysis`` prints; docs/analyze.md explains every field."""


def iso_time(seconds: float | None) -> str | None:
    """Epoch seconds as ISO 8601 UTC (``2024-05-01T12:00:00Z``), whole seconds."""
    if seconds is None:
        return None
    return datetime.fromtimestamp(round(seconds), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _money(value: Decimal | None) -> str | None:
    return None if value is None else decimal_str(value)


def _tokens(stats: TokenStats) -> dict[str, float]:
    return {"mean": stats.mean, "p50": stats.p50, "p95": stats.p95, "p99": stats.p99}


def _model_document(model: ModelSummary) -> dict[str, Any]:
    latency = model.latency
    return {
        "model": model.model,
        "requests": model.requests,
        "input_tokens": model.input_tokens,
        "cached_tokens": model.cached_tokens,
        "cache_write_tokens": model.cache_write_tokens,
        "output_tokens": model.output_tokens,
        "reasoning_tokens": model.reasoning_tokens,
        "spend_logged": _money(model.spend_logged),
        "rows_without_cost": model.rows_without_cost,
        "spend_priced": _money(model.spend_priced),
        "priced_as": model.priced_as,
        "spend_difference": _money(model.spend_difference),
        "note": model.note,
        "errors": model.errors,
        "error_share": model.error_share,
        "latency_ms": None
        if latency is None
        else {"p50": latency.p50, "p95": latency.p95, "requests": latency.requests},
    }


def _duplicates_document(duplicates: Duplicates) -> dict[str, Any]:
    method = duplicates.near_method
    return {
        "requests_with_text": duplicates.requests_with_text,
        "exact_share": duplicates.exact_share,
        "near_share": duplicates.near_share,
        "prefix_share": duplicates.prefix_share,
        "prefix_chars": PREFIX_CHARS,
        "near_method": None if method is None else {"method": "minhash-lsh", **method._asdict()},
    }


def analysis_document(analysis: Analysis) -> dict[str, Any]:
    """The JSON contract (``ANALYSIS_SCHEMA``) as a Python value."""
    period, peak = analysis.period, analysis.peak_hour
    return {
        "schema_version": ANALYSIS_SCHEMA_VERSION,
        "kind": "analysis",
        "routecli_version": __version__,
        "files": [{"path": path, "format": name} for path, name in analysis.formats],
        "skipped_rows": [{"reason": reason, "rows": rows} for reason, rows in analysis.skipped],
        "requests": analysis.requests,
        "errors": analysis.errors,
        "error_share": analysis.error_share,
        "period": {"start": iso_time(period.start), "end": iso_time(period.end), "days": period.days},
        "requests_per_day": analysis.requests_per_day,
        "requests_per_month": analysis.requests_per_month,
        "peak_hour": None if peak is None else {"start": iso_time(peak.start), "requests": peak.requests},
        "input_tokens": analysis.input_tokens,
        "cached_tokens": analysis.cached_tokens,
        "cached_share": analysis.cached_share,
        "spend_logged": _money(analysis.spend_logged),
        "spend_priced": _money(analysis.spend_priced),
        "unpriced_requests": analysis.unpriced_requests,
        "monthly_spend_priced": _money(analysis.monthly_spend_priced),
        "models": [_model_document(model) for model in analysis.models],
        "segment_by": analysis.segment_by,
        "segments_note": analysis.segments_note,
        "segments": [
            {
                "name": segment.name,
                "requests": segment.requests,
                "share": segment.share,
                "input_tokens": _tokens(segment.input_tokens),
                "output_tokens": _tokens(segment.output_tokens),
            }
            for segment in analysis.segments
        ],
        "duplicates": _duplicates_document(analysis.duplicates),
        "daily": [
            {
                "date": (iso_time(day.day) or "")[:10],
                "model": day.model,
                "requests": day.requests,
                "spend_priced": _money(day.spend_priced),
            }
            for day in analysis.by_day
        ],
    }


def analysis_json(analysis: Analysis) -> str:
    return json.dumps(analysis_document(analysis), indent=2) + "\n"


# ------------------------------------------------------------------ for people


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _optional_money(value: Decimal | None) -> str:
    return "—" if value is None else money(value)


def _count(value: float) -> str:
    return plain_number(Decimal(repr(value)))


def _summary(analysis: Analysis) -> list[str]:
    """The lines above the tables: volume, period, spend, caching, repeats (for an empty log, only that it is)."""
    if not analysis.requests:
        return ["No requests: the log holds none, so there is nothing to measure"]
    period = analysis.period
    lines = [counted(analysis.requests, "request")]
    if period.start is not None and period.end is not None and period.days is not None:
        lines[0] += (
            f" from {iso_time(period.start)} to {iso_time(period.end)} ({period.days:,.1f} days): "
            f"{_count(analysis.requests_per_day or 0)} a day, {_count(analysis.requests_per_month or 0)} a 30-day month"
        )
    else:
        lines[0] += " (no timestamps: no rate per day or month)"
    if analysis.peak_hour is not None:
        lines.append(
            f"Peak hour: {iso_time(analysis.peak_hour.start)} with {counted(analysis.peak_hour.requests, 'request')}"
        )
    spend = f"Spend: logged {_optional_money(analysis.spend_logged)}, priced {_optional_money(analysis.spend_priced)}"
    if analysis.monthly_spend_priced is not None:
        spend += f" ({money(analysis.monthly_spend_priced)} a 30-day month)"
    if analysis.unpriced_requests:
        spend += f"; {counted(analysis.unpriced_requests, 'request')} of unknown models unpriced"
    lines.append(spend)
    lines.append(
        f"Prompt cache: {_share(analysis.cached_share)} of input tokens read from it; "
        f"errors: {_share(analysis.error_share)} of requests"
    )
    lines.append(_repeats_line(analysis.duplicates))
    if not analysis.input_tokens and not any(model.output_tokens for model in analysis.models):
        lines.append("No token usage: no request in the log has input or output tokens, so spend is not measured")
    return lines


def _repeats_line(duplicates: Duplicates) -> str:
    if duplicates.exact_share is None:
        return "Repeats: the log keeps no prompt text, so repeats and shared prefixes are unknown"
    method = duplicates.near_method
    sampled = f" (in {plain_number(Decimal(method.sampled))} sampled)" if method and method.sampled else ""
    return (
        f"Repeats among the {counted(duplicates.requests_with_text, 'request')} with text: "
        f"{_share(duplicates.exact_share)} exact, {_share(duplicates.near_share)} near{sampled}; "
        f"{_share(duplicates.prefix_share)} start with the same {PREFIX_CHARS:,} characters as an earlier one"
    )


_WIDER = " (a wider terminal, --format markdown or json shows them)"
_MODEL_HEADERS = ("Model", "Requests", "Input", "Cached", "Output", "Logged", "Priced", "p50 ms", "p95 ms", "Errors")
_SEGMENT_HEADERS = (
    "Segment",
    "Share",
    "In mean",
    "In p50",
    "In p95",
    "In p99",
    "Out mean",
    "Out p50",
    "Out p95",
    "Out p99",
)


def _model_row(model: ModelSummary) -> list[str]:
    latency = model.latency
    return [
        model.model,
        plain_number(Decimal(model.requests)),
        plain_number(Decimal(model.input_tokens)),
        plain_number(Decimal(model.cached_tokens)),
        plain_number(Decimal(model.output_tokens)),
        _optional_money(model.spend_logged),
        _optional_money(model.spend_priced),
        "—" if latency is None else _count(latency.p50),
        "—" if latency is None else _count(latency.p95),
        _share(model.error_share),
    ]


def _segment_row(segment: Segment) -> list[str]:
    stats = [*segment.input_tokens, *segment.output_tokens]
    return [segment.name, _share(segment.share), *(_count(value) for value in stats)]


def _notes(analysis: Analysis) -> list[str]:
    notes = [f"{model.model}: {model.note}" for model in analysis.models if model.note]
    if analysis.unpriced_requests:
        notes.append(
            "Price unknown models with --pricing FILE: `routecli pricing import litellm` writes tables of every "
            "model in LiteLLM's price list (docs/pricing.md)"
        )
    if analysis.segments_note:
        notes.append(analysis.segments_note)
    return notes


def analysis_renderable(analysis: Analysis) -> RenderableType:
    """The summary, the models table and the segments table (no tables for a log without requests)."""
    parts: list[RenderableType] = [Text(line) for line in _summary(analysis)]
    if not analysis.models:
        return Group(*parts)
    models = compact_table(
        "By model (tokens; spend in USD)", _MODEL_HEADERS, optional=("p50 ms", "p95 ms", "Errors"), note=_WIDER
    )
    for model in analysis.models:
        models.add_row(*_model_row(model))
    segments = compact_table(
        f"Segments by {analysis.segment_by} (tokens per request: mean / p50 / p95; p99 in Markdown and JSON)",
        ["Segment", "Share", "Input tokens", "Output tokens"],
    )
    for segment in analysis.segments:
        segments.add_row(
            segment.name,
            _share(segment.share),
            " / ".join(map(_count, segment.input_tokens[:3])),
            " / ".join(map(_count, segment.output_tokens[:3])),
        )
    parts += [Text(""), models, *(Text(note, style="dim") for note in _notes(analysis)), Text(""), segments]
    return Group(*parts)


def analysis_markdown(analysis: Analysis) -> str:
    summary = ["## routecli analyze", "", *(f"{line}  " for line in _summary(analysis))]
    if not analysis.models:
        return "\n".join(summary) + "\n"
    lines: Sequence[str] = [
        *summary,
        "",
        "### By model",
        "",
        markdown_table(_MODEL_HEADERS, [_model_row(model) for model in analysis.models]),
        "",
        *(f"- {note}" for note in _notes(analysis)),
        *([""] if _notes(analysis) else []),
        f"### Segments by {analysis.segment_by}",
        "",
        markdown_table(_SEGMENT_HEADERS, [_segment_row(segment) for segment in analysis.segments]),
    ]
    return "\n".join(lines) + "\n"
