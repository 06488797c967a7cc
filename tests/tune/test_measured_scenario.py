"""A threshold measured on outcomes as scenario data (routecli.tune.measured_scenario), and its YAML."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import numpy as np

from routecli.render.tune_scenario import measured_scenario_yaml
from routecli.simulate.run import simulate_file
from routecli.tune.measured_scenario import measure_threshold
from routecli.tune.outcomes import Outcomes
from tests.helpers.files import write

D = Decimal


def outcomes(weak: str = "small", strong: str = "large") -> Outcomes:
    """Four prompts: weak $1 and right on the first two; strong $2, $4, $6, $8 and always right."""
    return Outcomes(
        ids=("a", "b", "c", "d"),
        models=(weak, strong),
        quality=np.array([[1.0, 1.0], [1.0, 1.0], [0.0, 1.0], [0.0, 1.0]]),
        cost=np.array([[1.0, 2.0], [1.0, 4.0], [1.0, 6.0], [1.0, 8.0]]),
    )


SCORES = np.array([0.1, 0.2, 0.3, 0.4])


def test_a_route_prices_each_tier_on_the_prompts_it_answers() -> None:
    measured = measure_threshold(outcomes(), "route", "small", "large", SCORES, 0.3, score="data")
    assert [(segment.name, segment.prompts, segment.share) for segment in measured.segments] == [
        ("weak-routed", 2, D("0.5")),
        ("strong-routed", 2, D("0.5")),
    ]
    prices = {tier.name: tier.per_request for tier in measured.tiers}
    assert prices == {"small": D(1), "large (strong-routed)": D(7), "large": D(5)}  # c, d: (6 + 8) / 2
    assert (measured.strategy_strong_tier, measured.baseline_tier) == ("large (strong-routed)", "large")
    assert (measured.quality, measured.cost_per_prompt, measured.strong_share) == (1.0, 4.0, 0.5)  # (1+1+6+8)/4
    assert measured.requests_per_month == 4


def test_a_cascade_pays_the_weak_model_on_every_prompt() -> None:
    confidence = np.array([0.9, 0.8, -1.0, -2.0])
    measured = measure_threshold(outcomes(), "cascade", "small", "large", confidence, 0.0, score="confidence")
    prices = {tier.name: tier.per_request for tier in measured.tiers}
    assert prices == {"small": D(1), "large (escalated)": D(7), "large": D(5)}
    assert measured.cost_per_prompt == 4.5  # 4 × $1 + $6 + $8, over 4


def test_nothing_sent_strong_leaves_one_segment_and_one_strong_tier() -> None:
    measured = measure_threshold(outcomes(), "route", "small", "large", SCORES, math.inf, score="data")
    assert [segment.name for segment in measured.segments] == ["weak-routed"]
    assert [tier.name for tier in measured.tiers] == ["small", "large"]
    assert measured.strategy_strong_tier == "large"
    assert measured.quality == 0.5


def test_equal_strong_costs_need_no_second_tier() -> None:
    data = outcomes()
    same = Outcomes(data.ids, data.models, data.quality, np.array([[1.0, 3.0]] * 4))
    measured = measure_threshold(same, "route", "small", "large", SCORES, 0.3, score="data")
    assert [tier.name for tier in measured.tiers] == ["small", "large"]


def test_simulate_reads_the_yaml_back_whatever_the_model_names_hold(tmp_path: Path) -> None:
    """Names with a colon, quotes and a slash; 3M requests at $4 a prompt on the route, $5 on the strong model."""
    weak, strong = 'acme/small: "v1"', "big #2"
    measured = measure_threshold(
        outcomes(weak, strong), "route", weak, strong, SCORES, 0.3, score="data", requests_per_month=D(3_000_000)
    )
    path = write(tmp_path / "out.yaml", measured_scenario_yaml(measured, "routecli tune --write-scenario"))
    result = simulate_file(path)
    costs = {strategy.name: strategy.monthly_cost for strategy in result.strategies}
    assert costs == {"tuned": D(12_000_000), f"all-{strong}": D(15_000_000)}
