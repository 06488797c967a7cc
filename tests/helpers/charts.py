"""Inputs the chart and HTML tests share: simulated results and sweeps of the support chatbot, and PNG pixel counts."""

from __future__ import annotations

import copy
import io
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

import numpy as np
from matplotlib.colors import to_rgb
from matplotlib.image import imread

from routecli.simulate.costmodel import SimulationResult, simulate
from routecli.simulate.montecarlo import MonteCarloResult, StrategySpread
from routecli.simulate.scenario_file import read_scenario
from routecli.simulate.sweep import Axis, SweepPoint, SweepResult
from tests.helpers.paths import SCENARIOS

__all__ = [
    "PNG_SIGNATURE",
    "SUPPORT",
    "colour_pixels",
    "one_axis_sweep",
    "png_pixels",
    "support_result",
    "two_axis_sweep",
    "with_monte_carlo",
]

SUPPORT = SCENARIOS / "support-chatbot.yaml"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def support_result() -> SimulationResult:
    return simulate(read_scenario(SUPPORT).build())


def with_monte_carlo(result: SimulationResult) -> SimulationResult:
    """``result`` with a made-up spread: P5 at 80% and P95 at 130% of each monthly cost."""

    def spread(name: str, monthly: Decimal, per_request: Decimal) -> StrategySpread:
        return StrategySpread(
            name=name,
            cost_per_request=per_request,
            cost_per_request_ci=(per_request, per_request),
            monthly_mean=monthly,
            monthly_ci=(monthly, monthly),
            monthly_p5=monthly * Decimal("0.8"),
            monthly_p50=monthly,
            monthly_p95=monthly * Decimal("1.3"),
            mean_latency_ms=900.0,
            latency_ci=(880.0, 920.0),
            latency_p50_ms=850.0,
            latency_p95_ms=2100.0,
            latency_p99_ms=3400.5,
            quality=None,
            quality_ci=None,
            escalation_rate=0.0,
            cache_hit_rate=0.0,
        )

    spreads = tuple(spread(s.name, s.monthly_cost, s.cost_per_request) for s in result.strategies)
    return replace(result, monte_carlo=MonteCarloResult(10_000, 7, 1, Decimal(10), spreads))


def _vary(data: Any, path: Sequence[str], value: object) -> Any:
    """``data`` with the value at ``path`` replaced; list items are picked by name."""
    data = copy.deepcopy(data)
    node = data
    for key in path[:-1]:
        node = next(item for item in node if item["name"] == key) if isinstance(node, list) else node[key]
    node[path[-1]] = value
    return data


def one_axis_sweep() -> SweepResult:
    """The support chatbot with its router's accuracy from 0.6 to 1."""
    source = read_scenario(SUPPORT)
    values = tuple(Decimal(v) for v in ("0.6", "0.7", "0.8", "0.9", "1"))
    path = ("strategies", "routed", "router", "accuracy")
    points = tuple(SweepPoint((v,), simulate(source.build(_vary(source.data, path, float(v))))) for v in values)
    first = points[0].result
    return SweepResult(first.scenario, first.baseline, "USD", (Axis(".".join(path), values),), points, ("routed",))


def two_axis_sweep(focus: tuple[str, ...] = ("cascade",), rows: int = 3, columns: int = 4) -> SweepResult:
    """The support chatbot's cascade judge: true-accept rate by false-accept rate."""
    source = read_scenario(SUPPORT)
    tprs = tuple(Decimal(70 + 29 * index // max(rows - 1, 1)) / 100 for index in range(rows))
    fprs = tuple(Decimal(5 + 85 * index // max(columns - 1, 1)) / 100 for index in range(columns))
    points = []
    for tpr in tprs:
        for fpr in fprs:
            data = _vary(source.data, ("strategies", "cascade", "evaluator", "tpr"), float(tpr))
            data = _vary(data, ("strategies", "cascade", "evaluator", "fpr"), float(fpr))
            points.append(SweepPoint((tpr, fpr), simulate(source.build(data))))
    first = points[0].result
    axes = (Axis("strategies.cascade.evaluator.tpr", tprs), Axis("strategies.cascade.evaluator.fpr", fprs))
    return SweepResult(first.scenario, first.baseline, "USD", axes, tuple(points), focus)


def png_pixels(data: bytes) -> np.ndarray[Any, np.dtype[np.float32]]:
    assert data.startswith(PNG_SIGNATURE)
    pixels: np.ndarray[Any, np.dtype[np.float32]] = imread(io.BytesIO(data), format="png")
    return pixels


def colour_pixels(pixels: np.ndarray[Any, np.dtype[np.float32]], colour: str, tolerance: float = 0.04) -> int:
    """How many pixels are ``colour`` (a hex string), give or take ``tolerance`` per channel."""
    difference = np.abs(pixels[..., :3] - np.array(to_rgb(colour), dtype=np.float32))
    return int(np.all(difference <= tolerance, axis=-1).sum())
