"""CSV: one row per strategy, for spreadsheets — the JSON report's values, flattened."""

from __future__ import annotations

import csv
import io
from typing import Any

from routecli.render.simulate_json import SCALAR_FIELDS, monte_carlo_document, strategy_document
from routecli.render.summary import modifiers_text
from routecli.simulate.costmodel import SimulationResult

_MONTE_CARLO_FIELDS = (
    "monthly_mean",
    "monthly_p5",
    "monthly_p50",
    "monthly_p95",
    "latency_p50_ms",
    "latency_p95_ms",
    "latency_p99_ms",
)

__all__ = ["simulation_csv"]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def simulation_csv(result: SimulationResult) -> str:
    """Strategies as CSV with the JSON report's field names: money as exact decimals, ratios as numbers.

    Spend gets a column per tier (``spend:<tier>``) and per overhead (``overhead:<name>``);
    with Monte Carlo, its percentiles follow as ``mc:<field>``; last, ``modifiers``: what the cost assumes, as
    the terminal says it (empty for none).
    """
    documents = [strategy_document(strategy) for strategy in result.strategies]
    used = {name for document in documents for name in document["spend_by_model"]}
    tiers = [tier.name for tier in result.tiers if tier.name in used]
    overheads = list(dict.fromkeys(name for document in documents for name in document["overhead_spend"]))
    spreads = monte_carlo_document(result)
    simulated = [] if spreads is None else spreads["strategies"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            *SCALAR_FIELDS,
            *(f"spend:{name}" for name in tiers),
            *(f"overhead:{name}" for name in overheads),
            *(f"mc:{field}" for field in _MONTE_CARLO_FIELDS if simulated),
            "modifiers",
        ]
    )
    for index, document in enumerate(documents):
        writer.writerow(
            [
                *(_cell(document[field]) for field in SCALAR_FIELDS),
                *(document["spend_by_model"].get(name, "0") for name in tiers),
                *(document["overhead_spend"].get(name, "0") for name in overheads),
                *(_cell(simulated[index][field]) for field in _MONTE_CARLO_FIELDS if simulated),
                modifiers_text(result.strategies[index]),
            ]
        )
    return out.getvalue()
