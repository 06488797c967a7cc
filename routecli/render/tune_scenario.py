"""``tune --write-scenario`` and ``evaluate --write-scenario``: a measured threshold as a scenario file (YAML text).

Names are written as JSON strings (valid YAML whatever characters a model's
name holds) and numbers as exact decimals, so ``routecli simulate`` reads back
the figures that were measured.
"""

from __future__ import annotations

import json
import math

from routecli.render.numbers import decimal_str
from routecli.tune.measured_scenario import MeasuredScenario, MeasuredTier

__all__ = ["STRATEGY_NAME", "measured_scenario_yaml"]

STRATEGY_NAME = "tuned"
"""The written strategy's name; the baseline is ``all-<strong model>``."""


def _name(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _threshold(value: float) -> str:
    if math.isinf(value):
        return "none" if value > 0 else "all"
    return f"{value:.6g}"


def _rule(measured: MeasuredScenario) -> str:
    if measured.strategy == "route":
        return (
            f"prompts whose {measured.score} score is at least {_threshold(measured.threshold)} go to {measured.strong}"
        )
    return (
        f"{measured.weak}'s answers with confidence below {_threshold(measured.threshold)} go on to {measured.strong}"
    )


def _tier(tier: MeasuredTier) -> list[str]:
    qualities = ", ".join(f"{_name(segment)}: {decimal_str(value)}" for segment, value in tier.quality.items())
    return [
        f"  {_name(tier.name)}:",
        f"    description: {_name(f'{tier.model}, priced at its mean measured cost on {tier.priced_on}')}",
        f"    price: {{per_request: {decimal_str(tier.per_request)}}}",
        f"    quality: {{{qualities}}}",
    ]


def measured_scenario_yaml(measured: MeasuredScenario, command: str) -> str:
    """The scenario file: segments, tiers, the ``tuned`` strategy and the strong model alone as the baseline."""
    baseline = f"all-{measured.strong}"
    if measured.strategy == "route":
        halves = {"weak-routed": measured.weak_tier, "strong-routed": measured.strategy_strong_tier}
        routes = ", ".join(f"{_name(segment.name)}: {_name(halves[segment.name])}" for segment in measured.segments)
        strategy = f"  - {{name: {STRATEGY_NAME}, type: route, routes: {{{routes}}}, router: {{accuracy: 1}}}}"
    else:
        accept = ", ".join(
            f"{_name(segment.name)}: {1 if segment.name == 'accepted' else 0}" for segment in measured.segments
        )
        chain = f"[{_name(measured.weak_tier)}, {_name(measured.strategy_strong_tier)}]"
        strategy = (
            f"  - {{name: {STRATEGY_NAME}, type: cascade, chain: {chain}, "
            f"accept: {{{_name(measured.weak_tier)}: {{{accept}}}}}}}"
        )
    lines = [
        f"# Written by: {command}",
        f"# The threshold measured on {measured.prompts:,} prompts{_source(measured)}: {_rule(measured)}.",
        f"# Measured: quality {measured.quality:.4f}, {measured.strong_share:.1%} of prompts on {measured.strong}, "
        f"${measured.cost_per_prompt:.6g} a prompt.",
        "# Each tier's cost is its measured mean cost per call (price.per_request), so token counts are 0;",
        "# each segment is the share of prompts the threshold put on one side, with each model's quality there.",
        f"name: {_name(_title(measured))}",
        "traffic:",
        f"  requests_per_month: {decimal_str(measured.requests_per_month)}",
        "  input_tokens: 0",
        "  output_tokens: 0",
        "  segments:",
        *(
            f"    - {{name: {_name(segment.name)}, share: {decimal_str(segment.share)}}}  # {segment.prompts:,} prompts"
            for segment in measured.segments
        ),
        "models:",
        *(line for tier in measured.tiers for line in _tier(tier)),
        "strategies:",
        strategy,
        f"  - {{name: {_name(baseline)}, type: single, model: {_name(measured.baseline_tier)}}}",
        f"baseline: {_name(baseline)}",
    ]
    return "\n".join(lines) + "\n"


def _title(measured: MeasuredScenario) -> str:
    return f"{measured.strategy} {measured.weak} / {measured.strong} at {_threshold(measured.threshold)}"


def _source(measured: MeasuredScenario) -> str:
    return f" of {measured.source}" if measured.source else ""
