"""Monte Carlo speed: 1,000,000 simulated requests through 5 strategies in at most 2 s.

Run: python bench/montecarlo.py

The scenario mixes what costs time per request: lognormal token counts,
long-context prices on one tier, a router, cascades judged by accept rates and
by tpr/fpr, and a hybrid behind a semantic cache with prompt caching.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from routecli.pricing.price_files import load_price_files
from routecli.simulate.montecarlo import run_monte_carlo
from routecli.simulate.scenario import Scenario
from routecli.simulate.scenario_file import build_scenario

SAMPLES = 1_000_000
TARGET_S = 2.0
RUNS = 5

MODELS: dict[str, Any] = {
    "small": {
        "price": {"input_per_mtok": 0.25, "output_per_mtok": 2, "cached_input_per_mtok": 0.025},
        "quality": {"faq": 0.9, "chat": 0.75, "analysis": 0.45},
        "latency": {"ttft_ms": 250, "tokens_per_s": 120, "jitter": 0.4},
    },
    "mid": {
        "price": {
            "input_per_mtok": 1.25,
            "output_per_mtok": 10,
            "cached_input_per_mtok": 0.125,
            "long_context": {"above_tokens": 8000, "input_per_mtok": 2.5, "output_per_mtok": 15},
        },
        "quality": {"faq": 0.95, "chat": 0.88, "analysis": 0.75},
        "latency": {"ttft_ms": 500, "tokens_per_s": 80},
    },
    "large": {
        "price": {"input_per_mtok": 5, "output_per_mtok": 25, "cached_input_per_mtok": 0.5},
        "quality": 0.96,
        "latency": {"ttft_ms": 900, "tokens_per_s": 40, "jitter": 0.3},
    },
}

STRATEGIES: list[dict[str, Any]] = [
    {"name": "all-large", "type": "single", "model": "large"},
    {
        "name": "routed",
        "type": "route",
        "routes": {"faq": "small", "chat": "mid", "analysis": "large"},
        "router": {"accuracy": 0.9, "cost_per_request": 0.00002, "latency_ms": 15},
    },
    {
        "name": "cascade",
        "type": "cascade",
        "chain": ["small", "mid", "large"],
        "accept": {"small": {"faq": 0.85, "chat": 0.6, "analysis": 0.2}, "mid": 0.7},
        "evaluator": {"cost_per_request": 0.0001, "latency_ms": 60},
    },
    {
        "name": "hybrid-cached",
        "type": "hybrid",
        "routes": {"faq": "small", "chat": "small", "analysis": "mid"},
        "router": {"accuracy": 0.85, "cost_per_request": 0.00002, "latency_ms": 15},
        "chain": ["small", "mid", "large"],
        "accept": {"small": 0.7, "mid": 0.8},
        "evaluator": {"cost_per_request": 0.0001, "latency_ms": 60},
        "semantic_cache": {"hit_rate": {"faq": 0.4, "chat": 0.15, "analysis": 0.05}, "lookup_latency_ms": 20},
        "prompt_caching": {"cached_share": 0.5},
    },
    {
        "name": "cascade-judged",
        "type": "cascade",
        "chain": ["small", "large"],
        "evaluator": {"tpr": 0.9, "fpr": 0.15, "latency_ms": 60},
    },
]


def build() -> Scenario:
    """The benchmark scenario: three segments with lognormal tokens, three tiers, five strategies."""
    data = {
        "name": "benchmark: Monte Carlo",
        "traffic": {
            "requests_per_month": 5_000_000,
            "volume_sd_pct": 10,
            "segments": [
                {
                    "name": "faq",
                    "share": 0.5,
                    "input_tokens": {"distribution": "lognormal", "mean": 1500, "p95": 4000},
                    "output_tokens": {"distribution": "lognormal", "mean": 250, "p95": 600},
                },
                {
                    "name": "chat",
                    "share": 0.35,
                    "input_tokens": {"distribution": "lognormal", "mean": 4000, "p95": 12000},
                    "output_tokens": {"distribution": "normal", "mean": 500, "sd": 150},
                },
                {
                    "name": "analysis",
                    "share": 0.15,
                    "input_tokens": {"distribution": "lognormal", "mean": 9000, "p95": 25000},
                    "output_tokens": {"distribution": "lognormal", "mean": 1200, "p95": 3000},
                },
            ],
        },
        "models": MODELS,
        "strategies": STRATEGIES,
    }
    return build_scenario(data, load_price_files(()))


def measure(runs: int = RUNS) -> float:
    """Median seconds of ``run_monte_carlo`` on the benchmark scenario, after one warm-up run."""
    scenario = build()
    run_monte_carlo(scenario, SAMPLES, seed=1)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        run_monte_carlo(scenario, SAMPLES, seed=1)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def main() -> int:
    seconds = measure()
    print(
        f"monte carlo {SAMPLES:,} requests x {len(STRATEGIES)} strategies: {seconds:.2f} s "
        f"(median of {RUNS}; target <= {TARGET_S:g} s)"
    )
    return 0 if seconds <= TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
