"""The judge router: a cheap tier rates the prompt's difficulty from 1 to N; level k goes to tier k.

The classifier's prompt is fixed (``JUDGE_SYSTEM`` and ``JUDGE_USER``, shown in
docs/router.md) so that runs compare; an answer without a level in range goes
to the configured fallback tier.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from routecli.replay.routing import Failed, PromptView, RouteDecision, Router

__all__ = ["JUDGE_PARAMS", "JUDGE_SYSTEM", "JUDGE_USER", "JudgeRouter"]

JUDGE_SYSTEM = (
    "You rate how difficult a request is for an AI assistant to answer well. "
    "Reply with a single whole number from 1 to {levels} and nothing else."
)
JUDGE_USER = (
    "Difficulty scale: 1 = simple (a fact, a greeting, a short rewrite); "
    "{levels} = hardest (multi-step reasoning, mathematics, code, expert knowledge).\n\n"
    "Request:\n<<<\n{prompt}\n>>>\n\n"
    "Difficulty (1-{levels}):"
)
JUDGE_PARAMS: dict[str, Any] = {"temperature": 0, "max_tokens": 8}
"""Request parameters of every judge call, laid over the judging tier's own."""

_NUMBER = re.compile(r"-?\d+")


class JudgeRouter(Router):
    """Asks ``tier`` for a level; ``levels[k-1]`` is the tier for level k."""

    kind = "judge"
    calls = "model"

    def __init__(self, tier: str, levels: Sequence[str], fallback: str) -> None:
        self.tier = tier
        self.levels = tuple(levels)
        self.fallback = fallback
        self.tiers = (*self.levels, fallback)

    async def route(self, view: PromptView) -> RouteDecision:
        """The level ``tier`` gives the prompt; the fallback when the call fails or the reply has no level in range."""
        reply = await view.ask(self.tier, self.messages(view.text), JUDGE_PARAMS)
        if isinstance(reply, Failed):
            return RouteDecision(self.fallback, f"judge failed ({reply.kind}), fallback")
        return self._from_reply(reply)

    def messages(self, text: str) -> list[dict[str, str]]:
        """The classifier's conversation for a prompt's ``text``."""
        count = len(self.levels)
        return [
            {"role": "system", "content": JUDGE_SYSTEM.format(levels=count)},
            {"role": "user", "content": JUDGE_USER.format(levels=count, prompt=text)},
        ]

    def _from_reply(self, reply: str) -> RouteDecision:
        """The tier for the first whole number in ``reply``, or the fallback when there is none in range."""
        found = _NUMBER.search(reply)
        if found is None:
            return RouteDecision(self.fallback, "judge: no level in the answer, fallback")
        level = int(found.group())
        if not 1 <= level <= len(self.levels):
            return RouteDecision(self.fallback, f"judge: level {level} is not 1-{len(self.levels)}, fallback")
        return RouteDecision(self.levels[level - 1], f"judge: level {level}", score=float(level))
