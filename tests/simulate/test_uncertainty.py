"""Measured rates: the point estimate for the analytic model, the posterior for Monte Carlo's monthly spread."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
import yaml

from routecli.errors import InvalidValueError
from routecli.pricing.prices import PriceTable
from routecli.simulate.costmodel import simulate
from routecli.simulate.montecarlo import run_monte_carlo
from routecli.simulate.params import resolve_param
from routecli.simulate.scenario import Measured, Scenario
from routecli.simulate.scenario_file import SCENARIO_SPEC, build_scenario
from routecli.simulate.uncertainty import drawn_scenarios

# light: 1000 × 0.1 + 200 × 0.4 = 180 µUSD a request; heavy: 1000 × 3 + 200 × 15 = 6000 µUSD.
SCENARIO = """
name: measured
traffic: {requests_per_month: 1000000, input_tokens: 1000, output_tokens: 200}
models:
  light: {price: {input_per_mtok: 0.1, output_per_mtok: 0.4}}
  heavy: {price: {input_per_mtok: 3, output_per_mtok: 15}}
strategies:
  - {name: all-heavy, type: single, model: heavy}
  - {name: cascade, type: cascade, chain: [light, heavy], accept: {light: ACCEPT}}
"""


def _scenario(accept: str, extra: str = "") -> Scenario:
    return build_scenario(yaml.safe_load(SCENARIO.replace("ACCEPT", accept) + extra), PriceTable({}))


def _band(n: int) -> Decimal:
    scenario = _scenario(f"{{measured: 0.7, n: {n}, successes: {n * 7 // 10}}}")
    spread = run_monte_carlo(scenario, 10_000, 3).strategy("cascade")
    return spread.monthly_p95 - spread.monthly_p5


def test_twenty_measured_prompts_give_a_wider_band_than_two_thousand() -> None:
    narrow, wide = _band(2000), _band(20)
    assert wide > 3 * narrow


def test_the_analytic_figures_use_the_point_estimate() -> None:
    measured = simulate(_scenario("{measured: 0.7, n: 20, successes: 14}")).strategy("cascade")
    # 180 µUSD on light for every request, 6000 µUSD on heavy for the 30% not accepted: 1980 µUSD.
    assert measured.cost_per_request == Decimal("0.00198")
    assert measured.monthly_cost == Decimal("1980")


def test_without_measured_rates_the_monthly_band_is_unchanged() -> None:
    plain = run_monte_carlo(_scenario("0.7"), 10_000, 3).strategy("cascade")
    # no uncertainty in the rate: the band is request-to-request noise over a million requests, well under 1%
    assert plain.monthly_p95 - plain.monthly_p5 < Decimal("0.01") * plain.monthly_mean


def test_the_counts_are_kept_with_what_they_measure() -> None:
    scenario = _scenario("{measured: 0.7, n: 20, successes: 14}")
    assert scenario.measured == (Measured(("accept", "cascade", "light", None), 14, 20),)


def test_more_successes_than_requests_are_refused() -> None:
    with pytest.raises(InvalidValueError) as caught:
        _scenario("{measured: 0.7, n: 20, successes: 21}")
    assert "successes (21) exceed n (20)" in str(caught.value)


def test_a_measured_confusion_row_drawn_still_sums_to_one() -> None:
    extra = """
  - name: routed
    type: route
    routes: {all: light}
    router:
      confusion:
        all: {light: {measured: 0.75, n: 40, successes: 30}, heavy: {measured: 0.25, n: 40, successes: 10}}
"""
    scenario = _scenario("0.7", extra)
    drawn = drawn_scenarios(scenario, np.random.default_rng(1), 50)
    rows = [router.confusion["all"] for one in drawn if (router := one.strategies[2].router) is not None]
    assert len(rows) == 50
    assert all(abs(sum(row.values(), Decimal(0)) - 1) < Decimal("1e-12") for row in rows)
    assert len({row["light"] for row in rows}) == 50  # each draw its own


def test_a_tier_s_own_token_counts_price_its_calls() -> None:
    extra = "    tokens: {all: {input_tokens: 1000, output_tokens: 600}}\n"
    text = SCENARIO.replace("ACCEPT", "0.7").replace(
        "  heavy: {price: {input_per_mtok: 3, output_per_mtok: 15}}\n",
        "  heavy:\n    price: {input_per_mtok: 3, output_per_mtok: 15}\n" + extra,
    )
    result = simulate(build_scenario(yaml.safe_load(text), PriceTable({})))
    # heavy now answers with 600 output tokens: 3000 + 600 × 15 = 12000 µUSD; the cascade 180 + 0.3 × 12000.
    assert result.strategy("all-heavy").cost_per_request == Decimal("0.012")
    assert result.strategy("cascade").cost_per_request == Decimal("0.00378")
    spread = run_monte_carlo(build_scenario(yaml.safe_load(text), PriceTable({})), 10_000, 1).strategy("all-heavy")
    assert spread.cost_per_request == Decimal("0.012")


def test_a_measured_rate_is_a_parameter_like_a_number() -> None:
    data = yaml.safe_load(SCENARIO.replace("ACCEPT", "{measured: 0.7, n: 20, successes: 14}"))
    param = resolve_param(data, "strategies.cascade.accept.light", SCENARIO_SPEC)
    assert param.current == Decimal("0.7")
    assert param.share
