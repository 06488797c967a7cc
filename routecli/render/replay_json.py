"""The JSON report of ``replay`` and ``report``: the versioned contract CI reads (docs/replay-report.md)."""

from __future__ import annotations

import json
from typing import Any

from routecli import __version__
from routecli.provenance import inputs_to_json
from routecli.render.numbers import decimal_str
from routecli.render.simulate_json import INPUTS_SCHEMA
from routecli.replay.projection import Projection
from routecli.replay.report import (
    CacheStats,
    Counterfactual,
    EmbeddingStats,
    HopStats,
    Quality,
    ReplayReport,
    Routing,
    TierStats,
)
from routecli.replay.stats import Percentiles

__all__ = ["REPLAY_REPORT_SCHEMA", "REPLAY_SCHEMA_VERSION", "replay_document", "replay_json"]

REPLAY_SCHEMA_VERSION = 1

_MONEY: dict[str, Any] = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "description": "Exact USD amount."}
_COST: dict[str, Any] = {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$", "description": "Exact USD spent."}
_COUNT: dict[str, Any] = {"type": "integer", "minimum": 0}
_RATIO: dict[str, Any] = {"type": "number", "minimum": 0, "maximum": 1}
_MILLISECONDS: dict[str, Any] = {"type": "number", "minimum": 0}
_COUNTS: dict[str, Any] = {"type": "object", "additionalProperties": _COUNT}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _strict(properties: dict[str, Any]) -> dict[str, Any]:
    """An object with exactly these keys, all present."""
    return {"type": "object", "required": list(properties), "properties": properties, "additionalProperties": False}


_LATENCY = _strict({"p50": _MILLISECONDS, "p95": _MILLISECONDS, "p99": _MILLISECONDS, "mean": _MILLISECONDS})
_QUALITY = _strict({"checked": {"type": "integer", "minimum": 1}, "correct": _COUNT, "accuracy": _RATIO})
_TIER = _strict(
    {
        "name": {"type": "string"},
        "model": {"type": "string"},
        "requests": _COUNT,
        "answered": _COUNT,
        "answer_share": _nullable(_RATIO),
        "input_tokens": _COUNT,
        "output_tokens": _COUNT,
        "reasoning_tokens": _COUNT,
        "cached_tokens": _COUNT,
        "estimated_requests": _COUNT,
        "spend": _COST,
        "spend_share": _nullable(_RATIO),
        "errors": _COUNT,
        "latency_ms": _nullable(_LATENCY),
        "quality": _nullable(_QUALITY),
    }
)
_HOP = _strict(
    {
        "from": {"type": "string"},
        "to": {"type": "string"},
        "attempted": _COUNT,
        "escalated": _COUNT,
        "rate": _nullable(_RATIO),
        "reasons": _COUNTS,
    }
)
_COUNTERFACTUAL = _strict(
    {
        "tier": {"type": "string"},
        "model": {"type": "string"},
        "spend": _COST,
        "compared_spend": _COST,
        "savings": _MONEY,
        "savings_pct": {"type": ["number", "null"]},
    }
)
_ROUTING = _strict(
    {
        "distribution": _COUNTS,
        "labelled": _COUNT,
        "agreed": _COUNT,
        "accuracy": _nullable(_RATIO),
        "confusion": {"type": "object", "additionalProperties": _COUNTS},
    }
)
_CACHE = _strict({"hits": _COUNT, "hit_rate": _nullable(_RATIO), "saved": _COST})
_PROJECTION = _strict(
    {
        "requests_per_month": {**_COST, "description": "Requests a month (--project), exact."},
        "prompts": {"type": "integer", "minimum": 1},
        "monthly_spend": {**_COST, "description": "The mean spend per prompt × requests_per_month: exact USD."},
        "low": {**_COST, "description": "The bootstrap 95% interval's low end, USD (a float64 estimate)."},
        "high": {**_COST, "description": "The bootstrap 95% interval's high end, USD (a float64 estimate)."},
    }
)
_EMBEDDINGS = _strict(
    {
        "requests": _COUNT,
        "input_tokens": _COUNT,
        "spend": _COST,
        "exemplar_spend": _COST,
        "errors": _COUNT,
        "estimated_requests": _COUNT,
    }
)

REPLAY_REPORT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "routecli replay report",
    "description": "Output of `routecli replay --format json` and `routecli report`; see docs/replay-report.md.",
    **_strict(
        {
            "schema_version": {"const": REPLAY_SCHEMA_VERSION},
            "kind": {"const": "replay"},
            "routecli_version": {"type": "string"},
            "dry_run": {"type": "boolean"},
            "all_tiers": {"type": "boolean"},
            "config": {"type": "string"},
            "prompts": {"type": "string"},
            "started": {"type": "string"},
            "setup": {"enum": ["single", "route", "cascade", "route+cascade"]},
            "router": {"enum": ["rules", "complexity", "judge", "embedding", "fixed", None]},
            "chain": {"type": "array", "items": {"type": "string"}},
            "output_tokens_assumed": {"type": ["integer", "null"], "minimum": 0},
            "currency": {"const": "USD"},
            "prompts_selected": _COUNT,
            "inputs": INPUTS_SCHEMA,
            "stopped": {"enum": ["budget", "interrupted", "terminated", "provider", None]},
            "retries": _COUNT,
            "fallbacks": {"type": "object", "additionalProperties": _COUNTS},
            "requests": _COUNT,
            "answered": _COUNT,
            "failed": _COUNT,
            "invalid_lines": _COUNT,
            "estimated_token_requests": _COUNT,
            "tiers": {"type": "array", "items": _TIER, "minItems": 1},
            "total_spend": _COST,
            "escalated": _COUNT,
            "escalation_rate": _nullable(_RATIO),
            "hops": {"type": "array", "items": _HOP},
            "latency_ms": _nullable(_LATENCY),
            "errors": _strict({"by_kind": _COUNTS, "failed_ids": {"type": "array", "items": {"type": "string"}}}),
            "quality": _nullable(_QUALITY),
            "counterfactual": _strict({"top": _nullable(_COUNTERFACTUAL), "bottom": _nullable(_COUNTERFACTUAL)}),
            "routing": _nullable(_ROUTING),
            "cache": _nullable(_CACHE),
            "embeddings": _nullable(_EMBEDDINGS),
            "projection": _nullable(_PROJECTION),
        }
    ),
}
"""JSON Schema of the replay report: what CI may rely on."""


def _latency(values: Percentiles | None, *, measured: bool) -> dict[str, float] | None:
    """Percentiles, or None when nothing was timed (no calls, or a dry run's zeros)."""
    return None if values is None or not measured else values._asdict()


def _quality(quality: Quality | None) -> dict[str, Any] | None:
    if quality is None:
        return None
    return {"checked": quality.checked, "correct": quality.correct, "accuracy": quality.accuracy}


def _tier(tier: TierStats, *, measured: bool) -> dict[str, Any]:
    return {
        "name": tier.name,
        "model": tier.model,
        "requests": tier.requests,
        "answered": tier.answered,
        "answer_share": tier.answer_share,
        "input_tokens": tier.input_tokens,
        "output_tokens": tier.output_tokens,
        "reasoning_tokens": tier.reasoning_tokens,
        "cached_tokens": tier.cached_tokens,
        "estimated_requests": tier.estimated_requests,
        "spend": decimal_str(tier.spend),
        "spend_share": tier.spend_share,
        "errors": tier.errors,
        "latency_ms": _latency(tier.latency_ms, measured=measured),
        "quality": _quality(tier.quality),
    }


def _hop(hop: HopStats) -> dict[str, Any]:
    return {
        "from": hop.from_tier,
        "to": hop.to_tier,
        "attempted": hop.attempted,
        "escalated": hop.escalated,
        "rate": hop.rate,
        "reasons": dict(hop.reasons),
    }


def _counterfactual(alone: Counterfactual | None) -> dict[str, Any] | None:
    if alone is None:
        return None
    return {
        "tier": alone.tier,
        "model": alone.model,
        "spend": decimal_str(alone.spend),
        "compared_spend": decimal_str(alone.compared_spend),
        "savings": decimal_str(alone.savings),
        "savings_pct": alone.savings_pct,
    }


def _routing(routing: Routing | None) -> dict[str, Any] | None:
    if routing is None:
        return None
    return {
        "distribution": dict(routing.distribution),
        "labelled": routing.labelled,
        "agreed": routing.agreed,
        "accuracy": routing.accuracy,
        "confusion": {label: dict(row) for label, row in routing.confusion.items()},
    }


def _cache(cache: CacheStats | None) -> dict[str, Any] | None:
    if cache is None:
        return None
    return {"hits": cache.hits, "hit_rate": cache.hit_rate, "saved": decimal_str(cache.saved)}


def _embeddings(embeddings: EmbeddingStats | None) -> dict[str, Any] | None:
    if embeddings is None:
        return None
    return {
        "requests": embeddings.requests,
        "input_tokens": embeddings.input_tokens,
        "spend": decimal_str(embeddings.spend),
        "exemplar_spend": decimal_str(embeddings.exemplar_spend),
        "errors": embeddings.errors,
        "estimated_requests": embeddings.estimated_requests,
    }


def _projection(projection: Projection | None) -> dict[str, Any] | None:
    if projection is None:
        return None
    return {
        "requests_per_month": decimal_str(projection.requests_per_month),
        "prompts": projection.prompts,
        "monthly_spend": decimal_str(projection.monthly_spend),
        "low": decimal_str(projection.low),
        "high": decimal_str(projection.high),
    }


def replay_document(report: ReplayReport) -> dict[str, Any]:
    """The report as JSON-ready data: money as exact decimal strings, shares and latency as numbers."""
    run = report.run
    return {
        "schema_version": REPLAY_SCHEMA_VERSION,
        "kind": "replay",
        "routecli_version": __version__,
        "dry_run": run.dry_run,
        "all_tiers": run.all_tiers,
        "config": run.config,
        "prompts": run.prompts,
        "started": run.started,
        "setup": run.setup,
        "router": run.router,
        "chain": list(run.chain),
        "output_tokens_assumed": run.output_tokens_assumed,
        "currency": "USD",
        "prompts_selected": run.prompt_count,
        "inputs": None if run.inputs is None else inputs_to_json(run.inputs),
        "stopped": report.stopped,
        "retries": report.retries,
        "fallbacks": report.fallbacks,
        "requests": report.requests,
        "answered": report.answered,
        "failed": report.failed,
        "invalid_lines": report.invalid,
        "estimated_token_requests": report.estimated_requests,
        "tiers": [_tier(tier, measured=not run.dry_run) for tier in report.tiers],
        "total_spend": decimal_str(report.total_spend),
        "escalated": report.escalated,
        "escalation_rate": report.escalation_rate,
        "hops": [_hop(hop) for hop in report.hops],
        "latency_ms": _latency(report.latency_ms, measured=not run.dry_run),
        "errors": {"by_kind": dict(report.errors), "failed_ids": list(report.failed_ids)},
        "quality": _quality(report.quality),
        "counterfactual": {
            "top": _counterfactual(report.counterfactual_top),
            "bottom": _counterfactual(report.counterfactual_bottom),
        },
        "routing": _routing(report.routing),
        "cache": _cache(report.cache),
        "embeddings": _embeddings(report.embeddings),
        "projection": _projection(report.projection),
    }


def replay_json(report: ReplayReport) -> str:
    """The report as indented JSON text."""
    return json.dumps(replay_document(report), indent=2) + "\n"
