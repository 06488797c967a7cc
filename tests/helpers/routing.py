"""Routing one prompt in a test: the router's one call on a view of it, as a dry run makes it."""

from __future__ import annotations

import asyncio

from routecli.replay.prompts import Prompt
from routecli.replay.routing import PromptView, RouteDecision, Router
from routecli.replay.tokens import count_text

__all__ = ["route"]


def route(router: Router, prompt: Prompt, tokens: int | None = None) -> RouteDecision:
    """``router``'s decision for ``prompt``; its tokens are ``tokens``, else counted when the router asks."""
    return asyncio.run(router.route(PromptView(prompt, tokens=tokens, count=count_text)))
