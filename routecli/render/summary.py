"""The cells people read, shared by the terminal table and the Markdown report."""

from __future__ import annotations

from decimal import Decimal

from routecli.render.numbers import fixed, money, percent, plain_number, probability
from routecli.simulate.costmodel import AppliedModifier, SimulationResult, StrategyResult
from routecli.simulate.scenario import INLINE_PRICES, Tier

__all__ = [
    "MODIFIERS_HEADING",
    "MONTE_CARLO_HEADERS",
    "OVERHEAD_COLUMNS",
    "STRATEGY_HEADERS",
    "forecast_table",
    "hop_lines",
    "latency",
    "modifier_lines",
    "modifier_texts",
    "modifiers_text",
    "monte_carlo_line",
    "monte_carlo_rows",
    "period_line",
    "savings_cell",
    "spend_matrix",
    "strategy_row",
    "tier_label",
]

STRATEGY_HEADERS = ("Strategy", "Monthly", "Savings", "Quality", "Latency", "Escalated")
"""Columns of the strategy table; Savings reads ``$19,175.12 (80.7%)``."""

OVERHEAD_COLUMNS = ("router", "evaluator", "semantic cache")


def period_line(result: SimulationResult) -> str:
    """``1,000,000 requests a month (30 days)``."""
    days = plain_number(result.days_per_month, 0 if result.days_per_month == int(result.days_per_month) else 1)
    return f"{plain_number(result.requests_per_month)} requests a month ({days} days)"


def savings_cell(strategy: StrategyResult, currency: str) -> str:
    if strategy.is_baseline:
        return "baseline"
    pct = strategy.savings_vs_baseline_pct
    amount = money(strategy.savings_vs_baseline, currency)
    return amount if pct is None else f"{amount} ({percent(pct)})"


def strategy_row(strategy: StrategyResult, currency: str) -> list[str]:
    """One strategy's summary cells, in ``STRATEGY_HEADERS`` order."""
    return [
        strategy.name,
        money(strategy.monthly_cost, currency),
        savings_cell(strategy, currency),
        probability(strategy.quality),
        latency(strategy.mean_latency_ms),
        percent(strategy.escalation_rate * 100),
    ]


def latency(milliseconds: Decimal) -> str:
    """``850 ms`` below a second, ``11.1 s`` above."""
    if fixed(milliseconds, 0) < 1000:
        return f"{plain_number(milliseconds)} ms"
    return f"{plain_number(milliseconds / 1000, 1)} s"


def spend_matrix(result: SimulationResult) -> tuple[list[str], list[list[str]]]:
    """Monthly spend with a row per tier and overhead, a column per strategy.

    Tiers no strategy uses are left out; the last rows give each strategy's type,
    cost per 1k requests and model calls per request.
    """
    currency = result.currency
    strategies = result.strategies
    used = {usage.tier for strategy in strategies for usage in strategy.tiers}
    rows = []
    for tier in result.tiers:
        if tier.name in used:
            spend = [s.spend_by_model.get(tier.name) for s in strategies]
            rows.append([tier_label(tier), *(_money_or_dash(v, currency) for v in spend)])
    for name in OVERHEAD_COLUMNS:
        if any(name in s.overhead for s in strategies):
            rows.append([name, *(_money_or_dash(s.overhead.get(name), currency) for s in strategies)])
    rows.append(["type", *(s.type for s in strategies)])
    rows.append(["per 1k requests", *(money(s.cost_per_1k_requests, currency) for s in strategies)])
    rows.append(["model calls per request", *(f"{s.model_calls_per_request:.2f}" for s in strategies)])
    return ["Monthly spend", *(s.name for s in strategies)], rows


def tier_label(tier: Tier) -> str:
    """``heavy (claude-opus-4-6)``, saying so where prices were given in the scenario."""
    price = tier.price
    if price.provider == INLINE_PRICES.provider:
        return f"{tier.name} (inline price)"
    if price.source == INLINE_PRICES:
        return f"{tier.name} ({price.id}, inline price)"
    return f"{tier.name} ({price.id})"


def _money_or_dash(value: Decimal | None, currency: str) -> str:
    return "—" if value is None else money(value, currency)


def hop_lines(result: SimulationResult) -> list[str]:
    """``cascade: light → heavy 24.5%`` for every strategy that escalates."""
    lines = []
    for strategy in result.strategies:
        if strategy.hops:
            hops = ", ".join(f"{hop.source} → {hop.target} {percent(hop.rate * 100)}" for hop in strategy.hops)
            lines.append(f"{strategy.name}: {hops}")
    return lines


MODIFIERS_HEADING = "Modifiers assumed (scenario: set at the top level; own: set by the strategy)"


def _modifier_text(modifier: AppliedModifier) -> str:
    where = "scenario" if modifier.scope == "scenario" else "own"
    if modifier.kind == "semantic_cache":
        assert modifier.hit_rate is not None
        what = f"semantic cache: {percent(modifier.hit_rate * 100)} hit rate"
    elif modifier.kind == "prompt_caching":
        assert modifier.cached_share is not None
        what = f"prompt caching: {percent(modifier.cached_share * 100)} of input cached"
        if modifier.write_share:
            what += f", {percent(modifier.write_share * 100)} written"
    elif modifier.kind == "service_tier":
        what = f"{modifier.service_tier} prices"
    else:
        what = "batch prices"
    return f"{what} ({where})"


def modifier_texts(strategy: StrategyResult) -> list[str]:
    """``prompt caching: 50.0% of input cached (scenario)``, one per modifier the strategy's cost assumes."""
    return [_modifier_text(modifier) for modifier in strategy.modifiers]


def modifiers_text(strategy: StrategyResult) -> str:
    """``prompt caching: 50.0% of input cached (scenario); batch prices (own)``; empty without any."""
    return "; ".join(modifier_texts(strategy))


def modifier_lines(result: SimulationResult) -> list[str]:
    """``routed: semantic cache: 30.0% hit rate (own)`` per strategy whose cost assumes a modifier."""
    return [f"{strategy.name}: {modifiers_text(strategy)}" for strategy in result.strategies if strategy.modifiers]


MONTE_CARLO_HEADERS = ("Strategy", "P5", "P50", "P95", "Latency P50", "P95", "P99")
"""Columns of the Monte Carlo table: monthly cost percentiles, then latency percentiles."""


def monte_carlo_rows(result: SimulationResult) -> list[list[str]]:
    """Per strategy: percentiles of the simulated monthly cost and of latency."""
    spread = result.monte_carlo
    if spread is None:
        return []
    currency = result.currency
    return [
        [
            strategy.name,
            money(strategy.monthly_p5, currency),
            money(strategy.monthly_p50, currency),
            money(strategy.monthly_p95, currency),
            latency(Decimal(repr(strategy.latency_p50_ms))),
            latency(Decimal(repr(strategy.latency_p95_ms))),
            latency(Decimal(repr(strategy.latency_p99_ms))),
        ]
        for strategy in spread.strategies
    ]


def monte_carlo_line(result: SimulationResult) -> str:
    """How the Monte Carlo ran and how close its means are: ``1,000,000 simulated requests (seed 7) …``."""
    spread = result.monte_carlo
    if spread is None:
        return ""
    widest = spread.widest_ci
    volume = f"; month-to-month volume sd {plain_number(spread.volume_sd_pct, 1)}%" if spread.volume_sd_pct else ""
    return (
        f"Monte Carlo: {spread.samples:,} simulated requests (seed {spread.seed}), {spread.months:,} simulated "
        f"months{volume}; months centre on the exact means above. Simulated means within "
        f"±{percent(widest * 100, 2)} ({spread.confidence:.0%} confidence)."
    )


def forecast_table(result: SimulationResult) -> tuple[list[str], list[list[str]]]:
    """Month by month volume and each strategy's cost, with a total row; empty without growth."""
    total = result.forecast_total
    if total is None:
        return [], []
    currency = result.currency
    headers = ["Month", "Requests", *(strategy.name for strategy in result.strategies)]
    rows = [
        [str(month.month), plain_number(month.requests), *(money(cost, currency) for cost in month.costs)]
        for month in result.forecast
    ]
    rows.append(["total", plain_number(total.requests), *(money(cost, currency) for cost in total.costs)])
    return headers, rows
