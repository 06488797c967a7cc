"""Charts: money on the axes, SVG and PNG that say what they should."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from decimal import Decimal

import pytest

from routecli.render.charts import (
    STRATEGY_COLOUR,
    compact_money,
    cost_quality_chart,
    sweep_chart,
)
from routecli.simulate.costmodel import simulate
from routecli.simulate.scenario_file import read_scenario
from tests.helpers.charts import (
    colour_pixels,
    one_axis_sweep,
    png_pixels,
    support_result,
    two_axis_sweep,
    with_monte_carlo,
)
from tests.helpers.paths import EXAMPLE

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
