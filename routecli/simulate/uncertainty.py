"""Measured rates as posteriors: scenarios drawn from what a measurement leaves uncertain. Pure; numpy.

A rate given as measured (``{measured: 0.85, n: 412, successes: 350}``, see
``Scenario.measured``) is only as sure as its ``n``: with Jeffreys' prior its
posterior is Beta(successes + ½, n − successes + ½). A measured row of a router's
confusion matrix is Dirichlet(counts + ½) over its measured cells, scaled to the
share those cells hold, so a drawn row still sums to 1. ``simulate --samples``
(``routecli.simulate.montecarlo``) draws one scenario per set of draws and lets
each simulated month take its own; the analytic model uses the point estimates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal

import numpy as np

from routecli.simulate.scenario import Measured, Scenario, Strategy, Tier

__all__ = ["drawn_scenarios", "with_rates"]

Target = tuple[str | None, ...]


def _decimal(value: float) -> Decimal:
    return Decimal(repr(float(value)))


def _draw(measured: tuple[Measured, ...], rng: np.random.Generator) -> dict[Target, Decimal]:
    """One draw of every measured rate from its posterior."""
    values: dict[Target, Decimal] = {}
    rows: dict[Target, list[Measured]] = {}
    for item in measured:
        if item.target[0] == "confusion":
            rows.setdefault(item.target[:3], []).append(item)
        else:
            values[item.target] = _decimal(rng.beta(item.successes + 0.5, item.n - item.successes + 0.5))
    for cells in rows.values():
        alpha = np.array([cell.successes + 0.5 for cell in cells])
        mass = sum(cell.successes / cell.n for cell in cells)  # the measured cells' share of their row
        for cell, value in zip(cells, rng.dirichlet(alpha) * mass, strict=True):
            values[cell.target] = _decimal(value)
    return values


def _per_segment(current: Mapping[str, Decimal], segment: str | None, value: Decimal) -> dict[str, Decimal]:
    """``current`` with ``segment``'s value (every segment's, for None) replaced."""
    return {name: value if segment is None or name == segment else old for name, old in current.items()}


def _strategy(strategy: Strategy, target: Target, value: Decimal) -> Strategy:
    kind = target[0]
    if kind == "accept":
        assert strategy.accept is not None
        tier, segment = str(target[2]), target[3]
        accept = dict(strategy.accept)
        accept[tier] = _per_segment(accept[tier], segment, value)
        return strategy._replace(accept=accept)
    if kind in ("tpr", "fpr"):
        assert strategy.evaluator is not None
        return strategy._replace(evaluator=strategy.evaluator._replace(**{str(kind): value}))
    if kind == "confusion":
        assert strategy.router is not None
        segment, tier = str(target[2]), str(target[3])
        confusion = dict(strategy.router.confusion)
        confusion[segment] = {**confusion[segment], tier: value}
        return strategy._replace(router=strategy.router._replace(confusion=confusion))
    cache = strategy.modifiers.semantic_cache
    assert cache is not None
    cache = cache._replace(hit_rate=_per_segment(cache.hit_rate, target[2], value))
    return strategy._replace(modifiers=strategy.modifiers._replace(semantic_cache=cache))


def with_rates(scenario: Scenario, values: Mapping[Target, Decimal]) -> Scenario:
    """``scenario`` with the measured rates ``values`` names set to those values."""
    tiers: dict[str, Tier] = dict(scenario.tiers)
    strategies = {strategy.name: strategy for strategy in scenario.strategies}
    for target, value in values.items():
        if target[0] == "quality":
            tier = tiers[str(target[1])]
            assert tier.quality is not None
            tiers[tier.name] = tier._replace(quality=_per_segment(tier.quality, target[2], value))
        elif target[0] == "hit_rate" and target[1] is None:  # the scenario-wide cache: every strategy inheriting it
            for name, strategy in strategies.items():
                if strategy.modifiers.semantic_cache is not None and "semantic_cache" not in strategy.modifiers.own:
                    strategies[name] = _strategy(strategy, target, value)
        else:
            name = str(target[1])
            strategies[name] = _strategy(strategies[name], target, value)
    return replace(scenario, tiers=tiers, strategies=tuple(strategies.values()))


def drawn_scenarios(scenario: Scenario, rng: np.random.Generator, draws: int) -> list[Scenario]:
    """``draws`` scenarios, each with every measured rate drawn from its posterior (none: no scenarios)."""
    if not scenario.measured:
        return []
    return [with_rates(scenario, _draw(scenario.measured, rng)) for _ in range(draws)]
