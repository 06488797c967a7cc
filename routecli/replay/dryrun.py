"""``replay --dry-run``: route every prompt and estimate its cost, calling no model.

Input tokens are tiktoken counts; output tokens are an assumed length per
answer. Only the entry tier is priced, since whether an answer would escalate
cannot be known without it. 100,000 prompts take a few seconds: each distinct
text is counted once, and each tier prices each distinct request size once.
(Counting on a second thread does not pay: tiktoken holds the GIL.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from routecli._gc import no_collection
from routecli.errors import InvalidValueError, KeyPath
from routecli.pricing.prices import usage_pricer
from routecli.replay import DEFAULT_OUTPUT_TOKENS
from routecli.replay.config import RouterConfig, TierConfig
from routecli.replay.prompts import Prompt
from routecli.replay.records import Attempt, Decision, decision_for
from routecli.replay.routing import ROUTER_ENCODING, Calls, PromptView
from routecli.replay.tokens import REPLY_PRIMING_TOKENS, TOKENS_PER_MESSAGE, TextCounter

__all__ = ["dry_run"]

_ROLE_TOKENS = 1  # "user", "system", "assistant": one token each in both encodings
_REFUSALS: dict[Calls, tuple[str, KeyPath]] = {
    "model": (
        "--dry-run calls no model, but routing type judge asks one; use rules, complexity, embedding or fixed",
        ("routing", "type"),
    ),
    "embeddings": (
        "--dry-run calls nothing, but embedder type endpoint calls an embeddings endpoint; "
        "use type lexical to try routing without it",
        ("routing", "embedder", "type"),
    ),
}
"""Why a dry run refuses a router that calls something to decide, by what it calls."""


def dry_run(
    config: RouterConfig, prompts: Sequence[Prompt], output_tokens: int = DEFAULT_OUTPUT_TOKENS
) -> list[Decision]:
    """One estimated decision per prompt: its routed (or entry) tier, priced from counted and assumed tokens.

    An answer is assumed to be ``output_tokens`` long, or the request's
    max_tokens (the prompt's, else the tier's) when that is smaller. Input
    tokens are the prompt's text counted in the tier's encoding plus OpenAI's
    per-message overhead: close to ``count_messages``, counted in batches.
    """
    router = config.router
    if router is not None and router.calls is not None:
        message, path = _REFUSALS[router.calls]
        raise InvalidValueError(message, path=path).located(config.source, None)
    entry_without_router = config.entry_without_router()
    estimates = {name: _Estimate(tier, output_tokens) for name, tier in config.tiers.items()}
    count = TextCounter(ROUTER_ENCODING)
    with no_collection():
        views = [PromptView(prompt, tokens=count(prompt.text)) for prompt in prompts]  # features show the count
        routes = [None] * len(views) if router is None else asyncio.run(router.route_all(views))
        decisions = []
        for view, route in zip(views, routes, strict=True):
            entry = entry_without_router if route is None else route.tier
            attempt = estimates[entry].attempt(view.prompt, view.tokens)
            decisions.append(decision_for(view.prompt, route=route, attempts=(attempt,), final_tier=entry))
    return decisions


class _Estimate:
    """One tier's estimated attempt for a prompt, with its prices looked up once."""

    def __init__(self, tier: TierConfig, output_tokens: int) -> None:
        self.tier = tier
        limit = tier.params.get("max_tokens")
        self.output_tokens = min(output_tokens, limit) if isinstance(limit, int) else output_tokens
        self.assumed = output_tokens
        self.cost = usage_pricer(tier.price)
        self._count = None if tier.tokenizer == ROUTER_ENCODING else TextCounter(tier.tokenizer)
        self._made: dict[tuple[int, int], Attempt] = {}
        """Attempts by input and output tokens: many prompts share a size, and an attempt is immutable."""

    def attempt(self, prompt: Prompt, counted: int) -> Attempt:
        """``counted`` is the prompt's text in ``ROUTER_ENCODING``; other encodings count again."""
        if self._count is not None:
            counted = self._count(prompt.text)
        tokens_in = counted + (TOKENS_PER_MESSAGE + _ROLE_TOKENS) * len(prompt.messages) + REPLY_PRIMING_TOKENS
        tokens_out = self.output_tokens if prompt.max_tokens is None else min(self.assumed, prompt.max_tokens)
        made = self._made.get((tokens_in, tokens_out))
        if made is None:
            made = self._made[tokens_in, tokens_out] = self._priced(tokens_in, tokens_out)
        return made

    def _priced(self, tokens_in: int, tokens_out: int) -> Attempt:
        return Attempt(
            role="answer",
            tier=self.tier.name,
            model=self.tier.model,
            status=None,
            input_tokens=tokens_in,
            output_tokens=tokens_out,
            cached_tokens=0,
            estimated=True,
            cost=self.cost(tokens_in, tokens_out, 0, 0),
            latency_ms=0.0,
        )
