"""Routers: pick the tier a prompt goes to before any model answers it.

Pure: the rules and complexity routers decide from the prompt alone; the judge
router only builds the classifier's messages and reads its reply (the replay
engine makes the call).
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["ROUTER_ENCODING", "RouteDecision"]

ROUTER_ENCODING = "o200k_base"
"""The tiktoken encoding routers count a prompt's tokens in (``min_tokens``, the complexity length feature)."""


class RouteDecision(NamedTuple):
    """Which tier a prompt goes to, and why (logged for every request)."""

    tier: str
    reason: str
    score: float | None = None
    features: dict[str, float] | None = None
