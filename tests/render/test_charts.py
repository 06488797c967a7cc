"""Charts: money on the axes, SVG and PNG that say what they should."""

from __future__ import annotations

import copy
import io
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.image import imread

from routecli.render.charts import (
    STRATEGY_COLOUR,
    compact_money,
    cost_quality_chart,
    sweep_chart,
)
from routecli.simulate.costmodel import SimulationResult, simulate
from routecli.simulate.montecarlo import MonteCarloResult, StrategySpread
from routecli.simulate.scenario_file import read_scenario
from routecli.simulate.sweep import Axis, SweepPoint, SweepResult
from tests.conftest import EXAMPLE, SCENARIOS

SUPPORT = SCENARIOS / "support-chatbot.yaml"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# ------------------------------------------------------------ shared inputs


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


# ------------------------------------------------------------ pure parts


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "$0"),
        (2.5, "$2.5"),
        (950, "$950"),
        (1234, "$1.23k"),
        (12_500, "$12.5k"),
        (45_000, "$45k"),
        (999_999, "$1M"),
        (1_250_000, "$1.25M"),
        (-1500, "-$1.5k"),
    ],
)
def test_compact_money(value: float, text: str) -> None:
    assert compact_money(value) == text


def test_compact_money_names_other_currencies() -> None:
    assert compact_money(45_000, "EUR") == "EUR 45k"


# ------------------------------------------------------------ cost vs quality


def test_cost_quality_svg_names_every_strategy_and_formats_money() -> None:
    result = support_result()
    svg = cost_quality_chart(result, "svg").decode()
    assert svg.lstrip().startswith("<?xml")
    for strategy in result.strategies:
        assert strategy.name in svg
    assert f"{result.baseline} (baseline)" in svg
    assert "Pareto frontier" in svg
    assert "$10k" in svg  # money ticks
    assert "Monthly cost (USD)" in svg


def test_cost_quality_svg_is_self_contained() -> None:
    svg = cost_quality_chart(support_result(), "svg").decode()
    assert "<text" not in svg  # glyphs drawn as paths: no font needed
    assert "font-family" not in svg
    assert "<image" not in svg


def test_cost_quality_svg_is_reproducible() -> None:
    result = support_result()
    assert cost_quality_chart(result, "svg") == cost_quality_chart(result, "svg")


def test_cost_quality_png_decodes_and_shows_the_markers() -> None:
    pixels = png_pixels(cost_quality_chart(support_result(), "png"))
    height, width, _ = pixels.shape
    assert (width, height) == (1200, 750)  # 8 × 5 in at 150 dpi
    assert pixels[..., :3].std() > 0.05  # not blank
    assert colour_pixels(pixels, STRATEGY_COLOUR) > 200


def test_unknown_quality_gets_its_own_strip() -> None:
    svg = cost_quality_chart(simulate(read_scenario(EXAMPLE).build()), "svg").decode()
    assert "unknown" in svg
    for name in ("routed", "cascade", "all-heavy (baseline)"):
        assert name in svg


def test_monte_carlo_adds_p5_p95_bars() -> None:
    plain = support_result()
    svg = cost_quality_chart(with_monte_carlo(plain), "svg").decode()
    assert "P5–P95 monthly cost" in svg
    assert "P5–P95" not in cost_quality_chart(plain, "svg").decode()


def test_dollar_signs_in_names_are_not_tex() -> None:
    result = replace(support_result(), scenario="Budget $5k vs $10k_{max}")
    svg = cost_quality_chart(result, "svg").decode()
    assert "Budget $5k vs $10k_{max}" in svg


def test_free_strategies_still_get_an_axis() -> None:
    result = support_result()
    free = replace(result, strategies=tuple(replace(s, monthly_cost=Decimal(0)) for s in result.strategies))
    assert "$0" in cost_quality_chart(free, "svg").decode()


# ------------------------------------------------------------------ sweeps


def test_one_axis_sweep_draws_cost_and_quality_along_the_value() -> None:
    sweep = one_axis_sweep()
    svg = sweep_chart(sweep, "svg").decode()
    assert "strategies.routed.router.accuracy" in svg
    assert "Expected quality" in svg
    assert f"{sweep.baseline} (baseline)" in svg
    for name in sweep.strategies:
        assert name in svg
    assert "$20k" in svg
    pixels = png_pixels(sweep_chart(sweep, "png"))
    assert pixels[..., :3].std() > 0.05


def test_two_axis_sweep_draws_annotated_heatmaps() -> None:
    sweep = two_axis_sweep(("cascade", "hybrid-cached"))
    svg = sweep_chart(sweep, "svg").decode()
    assert "cascade" in svg
    assert "hybrid-cached" in svg
    assert f"Monthly savings vs {sweep.baseline}" in svg
    corner = sweep.points[0].result.strategy("cascade").savings_vs_baseline
    assert compact_money(float(corner)) in svg  # each cell carries its figure
    pixels = png_pixels(sweep_chart(sweep, "png"))
    assert colour_pixels(pixels, "#1a9850", tolerance=0.15) > 1000  # savings are green


def test_large_grids_are_not_annotated_and_at_most_four_panels_are_drawn() -> None:
    names = ("cascade", "hybrid-cached", "routed", "all-flagship-no-prompt-cache", "all-flagship")
    sweep = two_axis_sweep(names, rows=13, columns=3)
    svg = sweep_chart(sweep, "svg").decode()
    corner = sweep.points[0].result.strategy("cascade").savings_vs_baseline
    assert compact_money(float(corner)) not in svg
    assert "all-flagship-no-prompt-cache" in svg
    assert "all-flagship (baseline)" not in svg  # the fifth focus strategy


def test_sweep_svg_is_reproducible() -> None:
    sweep = two_axis_sweep()
    assert sweep_chart(sweep, "svg") == sweep_chart(sweep, "svg")


def test_importing_the_renderers_does_not_import_matplotlib() -> None:
    code = "import sys, routecli.render.charts, routecli.render.html; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
