"""``replay --dry-run``: route every prompt and estimate its cost, calling no model.

Input tokens are tiktoken counts (batched: 100,000 prompts take seconds);
output tokens are an assumed length per answer. Only the entry tier is priced,
since whether an answer would escalate cannot be known without it.
"""

from __future__ import annotations

from collections.abc import Sequence

from routecli.errors import InvalidValueError
from routecli.pricing import usage_cost
from routecli.prompts import Prompt
from routecli.replay.records import Attempt, Decision
from routecli.router_config import RouterConfig
from routecli.routing import RouteDecision
from routecli.routing.judge import JudgeRouter
from routecli.tokens import REPLY_PRIMING_TOKENS, TOKENS_PER_MESSAGE, count_texts

__all__ = ["DEFAULT_OUTPUT_TOKENS", "dry_run"]

DEFAULT_OUTPUT_TOKENS = 256
_ROLE_TOKENS = 1  # "user", "system", "assistant": one token each in both encodings


def dry_run(
    config: RouterConfig, prompts: Sequence[Prompt], output_tokens: int = DEFAULT_OUTPUT_TOKENS
) -> list[Decision]:
    """One estimated decision per prompt: its routed (or entry) tier, priced from counted and assumed tokens.

    An answer is assumed to be ``output_tokens`` long, or the request's
    max_tokens (the prompt's, else the tier's) when that is smaller.
    """
    router = config.router
    if isinstance(router, JudgeRouter):
        raise InvalidValueError(
            "--dry-run calls no model, but routing type judge asks one; use rules, complexity or fixed",
            path=("routing", "type"),
        ).located(config.source, None)
    texts = [prompt.text for prompt in prompts]
    router_tokens: list[int | None] = (
        list(count_texts(texts)) if router is not None and router.needs_tokens else [None] * len(prompts)
    )
    routes: list[RouteDecision | None] = [
        None if router is None else router.decide(prompt, tokens)
        for prompt, tokens in zip(prompts, router_tokens, strict=True)
    ]
    entries = [config.entry_without_router() if route is None else route.tier for route in routes]
    input_tokens = _input_tokens(config, prompts, entries)
    decisions = []
    for prompt, route, entry, tokens_in in zip(prompts, routes, entries, input_tokens, strict=True):
        tier = config.tiers[entry]
        limit = prompt.max_tokens if prompt.max_tokens is not None else tier.params.get("max_tokens")
        tokens_out = min(output_tokens, limit) if isinstance(limit, int) else output_tokens
        attempt = Attempt(
            role="answer",
            tier=entry,
            model=tier.model,
            status=None,
            input_tokens=tokens_in,
            output_tokens=tokens_out,
            cached_tokens=0,
            estimated=True,
            cost=usage_cost(tier.price, tokens_in, tokens_out),
            latency_ms=0.0,
        )
        expected = prompt.expected
        decisions.append(
            Decision(
                id=prompt.id,
                line=prompt.line,
                route=route,
                attempts=(attempt,),
                final_tier=entry,
                escalations=(),
                latency_ms=0.0,
                label=prompt.label,
                expected=None if expected is None else expected.value,
                match=None if expected is None else expected.match,
            )
        )
    return decisions


def _input_tokens(config: RouterConfig, prompts: Sequence[Prompt], entries: Sequence[str]) -> list[int]:
    """Chat-format input counts per prompt, each with its entry tier's tokenizer, one batch per tokenizer.

    Message text is counted as one joined text plus OpenAI's per-message
    overhead: close to ``count_messages`` and many times faster.
    """
    counts = [0] * len(prompts)
    by_encoding: dict[str, list[int]] = {}
    for index, entry in enumerate(entries):
        by_encoding.setdefault(config.tiers[entry].tokenizer, []).append(index)
    for encoding, indexes in by_encoding.items():
        measured = count_texts([prompts[i].text for i in indexes], encoding)
        for i, tokens in zip(indexes, measured, strict=True):
            overhead = (TOKENS_PER_MESSAGE + _ROLE_TOKENS) * len(prompts[i].messages) + REPLY_PRIMING_TOKENS
            counts[i] = tokens + overhead
    return counts
