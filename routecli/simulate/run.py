"""Simulating a scenario file: the one call behind ``routecli simulate`` and ``routecli check SCENARIO``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from routecli.pricing.price_files import price_table_path
from routecli.pricing.prices import PriceSource
from routecli.provenance import PRICE_TABLE, Inputs, hash_inputs
from routecli.simulate import breakeven
from routecli.simulate.costmodel import SimulationResult, simulate
from routecli.simulate.scenario_file import read_scenario

__all__ = ["simulate_file"]


def simulate_file(
    path: Path,
    pricing: Sequence[Path] = (),
    *,
    samples: int | None = None,
    seed: int = 0,
    insights: bool = True,
    hashes: bool = True,
) -> SimulationResult:
    """Read, build and simulate the scenario at ``path`` (``pricing``: extra price tables, as ``--pricing``).

    ``insights`` adds where each strategy's savings stop; ``hashes`` records the
    input files' hashes; ``samples`` adds a Monte Carlo run of that many requests
    (seeded by ``seed``). ``check`` reads only the figures and asks for neither.
    """
    source = read_scenario(path, pricing)
    scenario = source.build()
    result = simulate(scenario)
    if insights:
        result = replace(result, insights=breakeven.insights(source, result))
    if hashes:
        result = replace(result, inputs=_inputs(path, result.price_sources))
    if samples is not None:
        from routecli.simulate.montecarlo import run_monte_carlo  # numpy, only for --samples

        result = replace(result, monte_carlo=run_monte_carlo(scenario, samples, seed))
    return result


def _inputs(scenario: Path, sources: Sequence[PriceSource]) -> Inputs:
    """The scenario and every price-table file its prices came from, hashed (inline prices are the scenario's)."""
    tables = [path for source in sources if (path := price_table_path(source)) is not None]
    return hash_inputs([("scenario", scenario), *((PRICE_TABLE, table) for table in tables)])
