"""Growth forecasts: month m has V·(1 + g)^(m − 1) requests, each strategy costing its cost per request times that.

The example scenario's costs per request are $0.02375 (all-heavy), $0.00457488 (routed) and $0.006892 (cascade),
at V = 1,000,000 requests a month.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from routecli.cli import app
from routecli.render.summary import forecast_table
from routecli.simulate.costmodel import ForecastMonth, forecast, simulate
from routecli.simulate.scenario import Growth
from routecli.simulate.scenario_file import load_scenario
from tests.helpers.files import write
from tests.helpers.paths import EXAMPLE

D = Decimal
V = D(1_000_000)


def with_traffic(tmp_path: Path, extra: str) -> Path:
    """The example scenario with ``extra`` lines added under ``traffic:``."""
    lines = EXAMPLE.read_text().splitlines(keepends=True)
    at = next(index for index, line in enumerate(lines) if line.startswith("  requests_per_month:"))
    return write(tmp_path / "growing.yaml", "".join([*lines[: at + 1], extra + "\n", *lines[at + 1 :]]))


def test_ten_percent_for_three_months(tmp_path: Path) -> None:
    result = simulate(load_scenario(with_traffic(tmp_path, "  growth: {monthly_pct: 10, months: 3}")))
    assert result.growth == Growth(D(10), 3)
    # volumes: 1,000,000; × 1.1 = 1,100,000; × 1.1 = 1,210,000 — exactly
    assert [month.month for month in result.forecast] == [1, 2, 3]
    assert [month.requests for month in result.forecast] == [V, D(1_100_000), D(1_210_000)]
    # all-heavy: 0.02375 × 1e6 = 23,750;  × 1.1e6 = 26,125;  × 1.21e6 = 28,737.5
    assert [month.costs[0] for month in result.forecast] == [D(23750), D(26125), D("28737.5")]
    # routed: 0.00457488 × 1.21e6 = 5535.6048;  cascade: 0.006892 × 1.1e6 = 7581.2
    assert result.forecast[2].costs[1] == D("5535.6048")
    assert result.forecast[1].costs[2] == D("7581.2")
    for month in result.forecast:
        assert month.costs == tuple(strategy.cost_per_request * month.requests for strategy in result.strategies)
    assert result.forecast[0].costs == tuple(strategy.monthly_cost for strategy in result.strategies)


def test_negative_growth(tmp_path: Path) -> None:
    result = simulate(load_scenario(with_traffic(tmp_path, "  growth: {monthly_pct: -10, months: 3}")))
    # × 0.9 a month: 1,000,000; 900,000; 810,000 → all-heavy 23,750; 21,375; 19,237.5
    assert [month.requests for month in result.forecast] == [V, D(900_000), D(810_000)]
    assert [month.costs[0] for month in result.forecast] == [D(23750), D(21375), D("19237.5")]


def test_one_month_is_the_month_itself(tmp_path: Path) -> None:
    result = simulate(load_scenario(with_traffic(tmp_path, "  growth: {monthly_pct: 50, months: 1}")))
    assert result.forecast == (ForecastMonth(1, V, tuple(s.monthly_cost for s in result.strategies)),)


def test_no_growth_no_forecast() -> None:
    result = simulate(load_scenario(EXAMPLE))
    assert (result.growth, result.forecast) == (None, ())
    assert forecast_table(result) == ([], [])


def test_forecast_of_given_results() -> None:
    strategies = simulate(load_scenario(EXAMPLE)).strategies
    months = forecast(Growth(D("2.5"), 2), D(1000), strategies)
    # 1000 and 1000 × 1.025 = 1025 requests; all-heavy 0.02375 × 1025 = 24.34375
    assert [month.requests for month in months] == [D(1000), D(1025)]
    assert months[1].costs[0] == D("24.34375")


def test_zero_growth_is_flat() -> None:
    strategies = simulate(load_scenario(EXAMPLE)).strategies
    months = forecast(Growth(D(0), 4), V, strategies)
    assert {month.requests for month in months} == {V}


def test_table_has_a_total_row(tmp_path: Path) -> None:
    result = simulate(load_scenario(with_traffic(tmp_path, "  growth: {monthly_pct: 10, months: 3}")))
    headers, rows = forecast_table(result)
    assert headers == ["Month", "Requests", "all-heavy", "routed", "cascade"]
    assert rows[0][:3] == ["1", "1,000,000", "$23,750.00"]
    # 1e6 + 1.1e6 + 1.21e6 = 3.31e6 requests; all-heavy 0.02375 × 3.31e6 = 78,612.50
    assert rows[-1][:3] == ["total", "3,310,000", "$78,612.50"]
    assert len(rows) == 4


def test_json_report_has_the_forecast(runner: CliRunner, tmp_path: Path) -> None:
    path = with_traffic(tmp_path, "  growth: {monthly_pct: 10, months: 3}")
    result = runner.invoke(app, ["simulate", str(path), "-f", "json"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)["forecast"]
    assert document["monthly_growth_pct"] == 10.0
    assert [month["month"] for month in document["months"]] == [1, 2, 3]
    assert [month["requests"] for month in document["months"]] == ["1000000", "1100000", "1210000"]
    assert document["months"][2]["costs"] == {"all-heavy": "28737.5", "routed": "5535.6048", "cascade": "8339.32"}


def test_json_report_without_growth(runner: CliRunner) -> None:
    result = runner.invoke(app, ["simulate", str(EXAMPLE), "-f", "json"])
    assert json.loads(result.stdout)["forecast"] is None


def test_table_and_markdown_show_the_forecast(runner: CliRunner, tmp_path: Path) -> None:
    path = with_traffic(tmp_path, "  growth: {monthly_pct: -10, months: 3}")
    table = runner.invoke(app, ["simulate", str(path)])
    assert table.exit_code == 0
    assert "Forecast: volume -10% a month" in table.stdout
    assert "810,000" in table.stdout
    markdown = runner.invoke(app, ["simulate", str(path), "-f", "markdown"]).stdout
    assert "### Forecast" in markdown
    assert "| 3 | 810,000 | $19,237.50 |" in markdown


def test_volume_spread_defaults_to_zero(tmp_path: Path) -> None:
    assert load_scenario(EXAMPLE).volume_sd_pct == 0
    assert load_scenario(with_traffic(tmp_path, "  volume_sd_pct: 12.5")).volume_sd_pct == D("12.5")


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        pytest.param(
            "  growth: {monthly_pct: 10, months: 121}",
            "traffic.growth.months: expected at most 120 months, got 121",
            id="months-over-120",
        ),
        pytest.param(
            "  growth: {monthly_pct: 10, months: 0}",
            "traffic.growth.months: expected a whole number of at least 1, got the number 0",
            id="months-zero",
        ),
        pytest.param(
            "  growth: {monthly_pct: 10, months: 2.5}",
            "traffic.growth.months: expected a whole number of at least 1, got the number 2.5",
            id="months-fraction",
        ),
        pytest.param(
            "  growth: {monthly_pct: -100, months: 3}",
            "traffic.growth.monthly_pct: expected a percentage from -99 to 1000, got -100",
            id="shrinking-to-nothing",
        ),
        pytest.param(
            "  growth: {monthly_pct: 1001, months: 3}",
            "traffic.growth.monthly_pct: expected a percentage from -99 to 1000, got 1001",
            id="growth-too-fast",
        ),
        pytest.param(
            "  growth: {months: 3}",
            "traffic.growth: missing required key 'monthly_pct'",
            id="no-rate",
        ),
        pytest.param(
            "  growth: {monthly_pct: 5, months: 3, years: 1}",
            "traffic.growth.years: unknown key 'years'",
            id="unknown-key",
        ),
        pytest.param(
            "  volume_sd_pct: 101",
            "traffic.volume_sd_pct: expected a percentage from 0 to 100, got 101",
            id="volume-spread-over-100",
        ),
    ],
)
def test_bad_growth_is_one_clear_message(runner: CliRunner, tmp_path: Path, extra: str, message: str) -> None:
    path = with_traffic(tmp_path, extra)
    line = path.read_text().splitlines().index(extra) + 1
    result = runner.invoke(app, ["simulate", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {path}:{line}: {message}")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
