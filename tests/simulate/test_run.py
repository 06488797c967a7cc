"""simulate_file: a scenario file read, built and simulated in one call, with what each caller asks for."""

from __future__ import annotations

from routecli.simulate.costmodel import simulate
from routecli.simulate.run import simulate_file
from routecli.simulate.scenario_file import load_scenario
from tests.helpers.paths import EXAMPLE


def test_the_figures_are_the_cost_models() -> None:
    result = simulate_file(EXAMPLE)
    assert result.strategies == simulate(load_scenario(EXAMPLE)).strategies
    assert result.insights
    assert result.inputs is not None
    assert result.inputs.files[0].role == "scenario"
    assert result.monte_carlo is None


def test_check_asks_for_the_figures_alone() -> None:
    result = simulate_file(EXAMPLE, insights=False, hashes=False)
    assert result == simulate(load_scenario(EXAMPLE))


def test_samples_add_a_seeded_monte_carlo_run() -> None:
    first = simulate_file(EXAMPLE, samples=2000, seed=3, insights=False)
    again = simulate_file(EXAMPLE, samples=2000, seed=3, insights=False)
    assert first.monte_carlo is not None
    assert first.monte_carlo == again.monte_carlo
