"""Simulation from a scenario: the scenario types, its file, the cost model, Monte Carlo ranges,
sweeps, break-even points and the Pareto frontier."""

__all__: list[str] = []
