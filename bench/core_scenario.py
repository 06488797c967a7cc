"""A large synthetic scenario for the core benchmark: 1,000 segments × 20 strategies."""

from __future__ import annotations

import random
from typing import Any

TIERS = {
    "nano": {"model": "gpt-5-nano", "quality": 0.70},
    "mini": {"model": "gpt-5-mini", "quality": 0.82},
    "flash": {"model": "gemini-2.5-flash", "quality": 0.80},
    "sonnet": {"model": "claude-sonnet-4-5", "quality": 0.92},
    "opus": {"model": "claude-opus-4-6", "quality": 0.96},
    "house": {"price": {"input_per_mtok": 0.08, "output_per_mtok": 0.3}, "quality": 0.6},
}


def build(segments: int = 1000, seed: int = 7) -> dict[str, Any]:
    """Scenario data (as loaded from YAML) with the given number of segments."""
    rng = random.Random(seed)
    weights = [rng.randint(1, 100) for _ in range(segments)]
    total = sum(weights)
    names = [f"s{index}" for index in range(segments)]
    shares = [round(weight / total, 12) for weight in weights]
    shares[-1] = round(1 - sum(shares[:-1]), 12)
    rows = [
        {"name": name, "share": share, "input_tokens": rng.randint(200, 8000), "output_tokens": rng.randint(50, 1500)}
        for name, share in zip(names, shares, strict=True)
    ]
    tiers = list(TIERS)  # routes pick among all six; cascades and hybrids climb a ladder of 2-4

    def routes() -> dict[str, str]:
        return {name: rng.choice(tiers) for name in names}

    def accept() -> dict[str, float]:
        return {name: round(rng.uniform(0.2, 0.95), 3) for name in names}

    strategies: list[dict[str, Any]] = [{"name": f"single-{tier}", "type": "single", "model": tier} for tier in tiers]
    for index in range(5):
        strategies.append(
            {
                "name": f"route-{index}",
                "type": "route",
                "routes": routes(),
                "router": {"accuracy": 0.8 + index * 0.04, "cost_per_request": 0.00002, "latency_ms": 10},
            }
        )
    for index in range(4):
        chain = ["nano", "mini", "opus"] if index % 2 else ["flash", "sonnet"]
        strategies.append(
            {
                "name": f"cascade-{index}",
                "type": "cascade",
                "chain": chain,
                "accept": {tier: accept() for tier in chain[:-1]},
                "evaluator": {"cost_per_request": 0.00001},
            }
        )
    strategies.append(
        {
            "name": "cascade-judged",
            "type": "cascade",
            "chain": ["nano", "sonnet", "opus"],
            "evaluator": {"tpr": 0.9, "fpr": 0.15, "latency_ms": 5},
        }
    )
    ladder = ["nano", "mini", "sonnet", "opus"]
    for index in range(3):
        strategies.append(
            {
                "name": f"hybrid-{index}",
                "type": "hybrid",
                "routes": {name: rng.choice(ladder) for name in names},
                "router": {"accuracy": 0.9},
                "chain": ladder,
                "accept": {tier: accept() for tier in ladder[:-1]},
                "semantic_cache": {"hit_rate": 0.15, "lookup_cost_per_request": 0.000001},
                "prompt_caching": {"cached_share": 0.5},
            }
        )
    strategies.append(
        {"name": "cached-opus", "type": "single", "model": "opus", "semantic_cache": {"hit_rate": accept()}}
    )
    assert len(strategies) == 20
    return {
        "name": "benchmark: 1,000 segments × 20 strategies",
        "traffic": {"requests_per_month": 50_000_000, "segments": rows},
        "models": TIERS,
        "strategies": strategies,
    }
