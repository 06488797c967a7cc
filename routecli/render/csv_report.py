"""CSV: one row per strategy, exact values, for spreadsheets."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from routecli.costmodel import SimulationResult
from routecli.render.numbers import decimal_str

__all__ = ["simulation_csv"]

_NONE = Decimal(0)


def simulation_csv(result: SimulationResult) -> str:
    """Strategies as CSV: money as exact decimals, ratios as floats.

    Spend gets a column per tier (``spend:<tier>``) and per overhead (``overhead:<name>``).
    """
    strategies = result.strategies
    tiers = list(dict.fromkeys(name for strategy in strategies for name in strategy.spend_by_model))
    overheads = list(dict.fromkeys(name for strategy in strategies for name in strategy.overhead))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "strategy",
            "type",
            "baseline",
            "monthly_cost",
            "cost_per_request",
            "cost_per_1k_requests",
            "savings_vs_baseline",
            "savings_vs_baseline_pct",
            "quality",
            "mean_latency_ms",
            "model_calls_per_request",
            "escalation_rate",
            "cache_hit_rate",
            *(f"spend:{name}" for name in tiers),
            *(f"overhead:{name}" for name in overheads),
        ]
    )
    for strategy in result.strategies:
        spend, overhead = strategy.spend_by_model, strategy.overhead
        pct = strategy.savings_vs_baseline_pct
        writer.writerow(
            [
                strategy.name,
                strategy.type,
                str(strategy.is_baseline).lower(),
                decimal_str(strategy.monthly_cost),
                decimal_str(strategy.cost_per_request),
                decimal_str(strategy.cost_per_1k_requests),
                decimal_str(strategy.savings_vs_baseline),
                "" if pct is None else float(pct),
                "" if strategy.quality is None else float(strategy.quality),
                float(strategy.mean_latency_ms),
                float(strategy.model_calls_per_request),
                float(strategy.escalation_rate),
                float(strategy.cache_hit_rate),
                *(decimal_str(spend.get(name, _NONE)) for name in tiers),
                *(decimal_str(overhead.get(name, _NONE)) for name in overheads),
            ]
        )
    return out.getvalue()
