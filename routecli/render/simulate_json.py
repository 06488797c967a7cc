"""The JSON report of ``simulate``: the versioned contract CI reads (docs/json-report.md)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from routecli import __version__
from routecli.pricing.prices import price_to_json
from routecli.provenance import inputs_to_json
from routecli.render.numbers import decimal_str
from routecli.simulate.costmodel import AppliedModifier, SimulationResult, StrategyResult

__all__ = [
    "INPUTS_SCHEMA",
    "REPORT_SCHEMA",
    "SCALAR_FIELDS",
    "SCHEMA_VERSION",
    "monte_carlo_document",
    "simulation_document",
    "simulation_json",
    "strategy_document",
]

SCHEMA_VERSION = 1

_MONEY: dict[str, Any] = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "description": "Exact USD amount."}
_DECIMAL: dict[str, Any] = {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$", "description": "Exact decimal."}
_OPTIONAL_MONEY: dict[str, Any] = {"anyOf": [_MONEY, {"type": "null"}]}
_RATIO: dict[str, Any] = {"type": "number", "minimum": 0, "maximum": 1}
_RATES: dict[str, Any] = {
    "type": "object",
    "required": ["input_per_mtok", "output_per_mtok", "cached_input_per_mtok", "cache_write_per_mtok"],
    "properties": {
        "input_per_mtok": _MONEY,
        "output_per_mtok": _MONEY,
        "cached_input_per_mtok": _OPTIONAL_MONEY,
        "cache_write_per_mtok": _OPTIONAL_MONEY,
    },
}
_STRATEGY_PROPERTIES: dict[str, Any] = {
    "name": {"type": "string"},
    "type": {"enum": ["single", "route", "cascade", "hybrid"]},
    "baseline": {"type": "boolean"},
    "monthly_cost": _MONEY,
    "cost_per_request": _MONEY,
    "cost_per_1k_requests": _MONEY,
    "savings_vs_baseline": _MONEY,
    "savings_vs_baseline_pct": {"type": ["number", "null"]},
    "quality": {"anyOf": [_RATIO, {"type": "null"}]},
    "mean_latency_ms": {"type": "number", "minimum": 0},
    "model_calls_per_request": {"type": "number", "minimum": 0},
    "escalation_rate": _RATIO,
    "escalation_by_hop": {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["from", "to", "rate"],
            "properties": {"from": {"type": "string"}, "to": {"type": "string"}, "rate": _RATIO},
        },
    },
    "cache_hit_rate": _RATIO,
    "answered_share": {"type": "object", "additionalProperties": _RATIO},
    "spend_by_model": {"type": "object", "additionalProperties": _MONEY},
    "overhead_spend": {
        "type": "object",
        "propertyNames": {"enum": ["router", "evaluator", "semantic cache"]},
        "additionalProperties": _MONEY,
    },
}
_MODIFIER: dict[str, Any] = {
    "type": "object",
    "required": ["kind", "scope"],
    "properties": {
        "kind": {"enum": ["semantic_cache", "prompt_caching", "batch", "service_tier"]},
        "scope": {
            "enum": ["scenario", "strategy"],
            "description": "Set at the scenario's top level, or by the strategy.",
        },
        "hit_rate": {**_RATIO, "description": "semantic_cache: the share of all requests answered from the cache."},
        "hit_rate_by_segment": {"type": "object", "additionalProperties": _RATIO},
        "cached_share": {**_RATIO, "description": "prompt_caching: the share of input tokens read from the cache."},
        "write_share": {**_RATIO, "description": "prompt_caching: the share of input tokens written to it."},
        "service_tier": {"enum": ["flex", "priority"], "description": "service_tier: the prices every call pays."},
    },
    "additionalProperties": False,
}
_STRATEGY: dict[str, Any] = {
    "type": "object",
    "required": list(_STRATEGY_PROPERTIES),
    "properties": {
        **_STRATEGY_PROPERTIES,
        "modifiers": {
            "type": "array",
            "items": _MODIFIER,
            "description": "What the cost assumes beyond list prices; older reports have no such key.",
        },
    },
}
SCALAR_FIELDS = tuple(
    name
    for name, schema in _STRATEGY_PROPERTIES.items()
    if schema.get("type") != "object" and schema.get("type") != "array"
)
"""Strategy fields with one value each, in report order (the CSV's columns)."""


INPUTS_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "null"},
        {
            "type": "object",
            "required": ["files", "prices_sha256", "setup_sha256"],
            "properties": {
                "files": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["role", "path", "sha256"],
                        "properties": {"sha256": {"type": ["string", "null"]}},
                    },
                },
                "prices_sha256": {"type": "string"},
                "setup_sha256": {"type": "string"},
            },
        },
    ]
}
"""What a report was computed from (``routecli.provenance``): null when it was not recorded."""

REPORT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "routecli simulation report",
    "description": "Output of `routecli simulate --format json`; see docs/json-report.md.",
    "type": "object",
    "required": [
        "schema_version",
        "kind",
        "scenario",
        "currency",
        "period",
        "baseline",
        "strategies",
        "models",
        "pricing",
        "warnings",
    ],
    "properties": {
        "schema_version": {"const": SCHEMA_VERSION},
        "kind": {"const": "simulation"},
        "routecli_version": {"type": "string"},
        "scenario": {"type": "string"},
        "currency": {"const": "USD"},
        "period": {
            "type": "object",
            "required": ["unit", "days", "requests"],
            "properties": {"unit": {"const": "month"}, "days": {"type": "number"}, "requests": _DECIMAL},
        },
        "baseline": {"type": "string"},
        "strategies": {"type": "array", "items": _STRATEGY},
        "models": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["model", "provider", "price"],
                "properties": {
                    "model": {"type": "string"},
                    "provider": {"type": "string"},
                    "price": {
                        "type": "object",
                        "required": ["id", "provider", "per_request", "batch", "long_context"],
                        "properties": {"per_request": _MONEY, "batch": {"anyOf": [_RATES, {"type": "null"}]}},
                    },
                },
            },
        },
        "pricing": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["provider", "as_of", "source", "file"],
                "properties": {"as_of": {"type": ["string", "null"]}},
            },
        },
        "inputs": INPUTS_SCHEMA,
        "warnings": {"type": "array", "items": {"type": "string"}},
        "insights": {"type": "array", "items": {"type": "string"}},
        "forecast": {
            "anyOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "required": ["monthly_growth_pct", "months"],
                    "properties": {
                        "monthly_growth_pct": {"type": "number"},
                        "months": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["month", "requests", "costs"],
                                "properties": {
                                    "month": {"type": "integer", "minimum": 1},
                                    "requests": _DECIMAL,
                                    "costs": {"type": "object", "additionalProperties": _MONEY},
                                },
                            },
                        },
                    },
                },
            ]
        },
        "monte_carlo": {
            "anyOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "required": ["samples", "seed", "months", "confidence", "strategies"],
                    "properties": {
                        "samples": {"type": "integer", "minimum": 1},
                        "seed": {"type": "integer"},
                        "months": {"type": "integer"},
                        "confidence": _RATIO,
                        "volume_sd_pct": {"type": "number"},
                        "strategies": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": [
                                    "name",
                                    "monthly_mean",
                                    "monthly_ci",
                                    "monthly_p5",
                                    "monthly_p50",
                                    "monthly_p95",
                                    "latency_p50_ms",
                                    "latency_p95_ms",
                                    "latency_p99_ms",
                                ],
                                "properties": {
                                    "monthly_mean": _MONEY,
                                    "monthly_ci": {"type": "array", "items": _MONEY, "minItems": 2, "maxItems": 2},
                                    "monthly_p5": _MONEY,
                                    "monthly_p50": _MONEY,
                                    "monthly_p95": _MONEY,
                                },
                            },
                        },
                    },
                },
            ]
        },
    },
}
"""JSON Schema of the report: what CI may rely on (``routecli schema report``)."""


def _ratio(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _money_map(values: dict[str, Decimal]) -> dict[str, str]:
    return {name: decimal_str(amount) for name, amount in values.items()}


def _modifier_document(modifier: AppliedModifier) -> dict[str, Any]:
    """``{"kind": "prompt_caching", "scope": "scenario", "cached_share": 0.5, "write_share": 0.0}``."""
    document: dict[str, Any] = {"kind": modifier.kind, "scope": modifier.scope}
    if modifier.kind == "semantic_cache":
        document["hit_rate"] = _ratio(modifier.hit_rate)
        by_segment = modifier.hit_rate_by_segment or {}
        document["hit_rate_by_segment"] = {segment: float(rate) for segment, rate in by_segment.items()}
    elif modifier.kind == "prompt_caching":
        document["cached_share"] = _ratio(modifier.cached_share)
        document["write_share"] = _ratio(modifier.write_share)
    elif modifier.kind == "service_tier":
        document["service_tier"] = modifier.service_tier
    return document


def strategy_document(result: StrategyResult) -> dict[str, Any]:
    return {
        "name": result.name,
        "type": result.type,
        "baseline": result.is_baseline,
        "monthly_cost": decimal_str(result.monthly_cost),
        "cost_per_request": decimal_str(result.cost_per_request),
        "cost_per_1k_requests": decimal_str(result.cost_per_1k_requests),
        "savings_vs_baseline": decimal_str(result.savings_vs_baseline),
        "savings_vs_baseline_pct": _ratio(result.savings_vs_baseline_pct),
        "quality": _ratio(result.quality),
        "mean_latency_ms": float(result.mean_latency_ms),
        "model_calls_per_request": float(result.model_calls_per_request),
        "escalation_rate": float(result.escalation_rate),
        "escalation_by_hop": [{"from": hop.source, "to": hop.target, "rate": float(hop.rate)} for hop in result.hops],
        "cache_hit_rate": float(result.cache_hit_rate),
        "answered_share": {usage.tier: float(usage.answered_share) for usage in result.tiers},
        "spend_by_model": _money_map(result.spend_by_model),
        "overhead_spend": _money_map(dict(result.overhead)),
        "modifiers": [_modifier_document(modifier) for modifier in result.modifiers],
    }


def simulation_document(result: SimulationResult) -> dict[str, Any]:
    """The report as JSON-ready data."""
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "simulation",
        "routecli_version": __version__,
        "scenario": result.scenario,
        "currency": result.currency,
        "period": {
            "unit": "month",
            "days": float(result.days_per_month),
            "requests": decimal_str(result.requests_per_month),
        },
        "baseline": result.baseline,
        "strategies": [strategy_document(strategy) for strategy in result.strategies],
        "models": {
            tier.name: {"model": tier.price.id, "provider": tier.price.provider, "price": price_to_json(tier.price)}
            for tier in result.tiers
        },
        "pricing": [
            {"provider": source.provider, "as_of": source.as_of, "source": source.source, "file": source.file}
            for source in result.price_sources
        ],
        "inputs": None if result.inputs is None else inputs_to_json(result.inputs),
        "warnings": list(result.warnings),
        "insights": list(result.insights),
        "forecast": _forecast_document(result),
        "monte_carlo": monte_carlo_document(result),
    }


def _forecast_document(result: SimulationResult) -> dict[str, Any] | None:
    if result.growth is None:
        return None
    names = [strategy.name for strategy in result.strategies]
    return {
        "monthly_growth_pct": float(result.growth.monthly_pct),
        "months": [
            {
                "month": month.month,
                "requests": decimal_str(month.requests),
                "costs": dict(zip(names, map(decimal_str, month.costs), strict=True)),
            }
            for month in result.forecast
        ],
    }


def monte_carlo_document(result: SimulationResult) -> dict[str, Any] | None:
    """The Monte Carlo part of the report (None without ``--samples``)."""
    spread = result.monte_carlo
    if spread is None:
        return None
    return {
        "samples": spread.samples,
        "seed": spread.seed,
        "months": spread.months,
        "confidence": spread.confidence,
        "volume_sd_pct": float(spread.volume_sd_pct),
        "strategies": [
            {
                "name": s.name,
                "cost_per_request": decimal_str(s.cost_per_request),
                "cost_per_request_ci": [decimal_str(s.cost_per_request_ci[0]), decimal_str(s.cost_per_request_ci[1])],
                "monthly_mean": decimal_str(s.monthly_mean),
                "monthly_ci": [decimal_str(s.monthly_ci[0]), decimal_str(s.monthly_ci[1])],
                "monthly_p5": decimal_str(s.monthly_p5),
                "monthly_p50": decimal_str(s.monthly_p50),
                "monthly_p95": decimal_str(s.monthly_p95),
                "mean_latency_ms": s.mean_latency_ms,
                "latency_ci_ms": list(s.latency_ci),
                "latency_p50_ms": s.latency_p50_ms,
                "latency_p95_ms": s.latency_p95_ms,
                "latency_p99_ms": s.latency_p99_ms,
                "quality": s.quality,
                "quality_ci": None if s.quality_ci is None else list(s.quality_ci),
                "escalation_rate": s.escalation_rate,
                "cache_hit_rate": s.cache_hit_rate,
            }
            for s in spread.strategies
        ],
    }


def simulation_json(result: SimulationResult) -> str:
    """The report as indented JSON text."""
    return json.dumps(simulation_document(result), indent=2) + "\n"
