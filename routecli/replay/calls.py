"""Getting one answer from a tier: retries with backoff, rate limits, cooldowns and fallbacks.

Every HTTP request becomes one ``Attempt`` (priced once, from the usage the API
reported); a request that is skipped because its provider is cooling down is
recorded too, at no cost. A tier's answer comes from the tier itself or, when
it keeps failing with an error a fallback can help with (429, 5xx, timeouts,
resets, a prompt too long for it), from the next model in its fallback chain.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar
from urllib.parse import urlsplit

from routecli.errors import ProviderUnusableError, RouteCliError
from routecli.pricing.prices import ModelPrice, usage_cost
from routecli.providers import Completion, ProviderError, reasoning_params
from routecli.providers.resilience import Cooldown, RateLimits, RetryPolicy, TokenBucket, parse_retry_after, retryable
from routecli.replay.config import EndpointEmbedder, ProviderConfig, RouterConfig, TierConfig
from routecli.replay.evaluators import logprob_stats
from routecli.replay.records import Attempt
from routecli.replay.tokens import count_messages, count_text

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from routecli.providers.embeddings import EmbeddingResult

__all__ = ["JUDGE_ROLES", "Call", "Embedded", "Embeddings", "Provider", "TierCaller", "request_params", "shown_url"]

_Reply = TypeVar("_Reply")

NOT_BILLED = Decimal(0)  # providers do not bill a request that got no reply
_FALLBACK_KINDS = ("context_length", "request")  # not worth retrying on this model, worth trying on another
JUDGE_ROLES = frozenset({"route_judge", "accept_judge"})
"""Roles of a judge's calls: the judge router's and the judge evaluator's."""
_DEFAULT_OUTPUT_RESERVE = 256  # tokens-per-minute reserved for a reply when the request sets no max_tokens


class Provider(Protocol):
    """What the engine needs of a provider (``routecli.providers.openai.OpenAIProvider``, or a test's)."""

    async def complete(
        self, model: str, messages: Sequence[Mapping[str, Any]], params: Mapping[str, Any], *, logprobs: bool = False
    ) -> Completion: ...


class Embeddings(Protocol):
    """What the engine needs of an embeddings endpoint (``routecli.providers.openai.OpenAIProvider``)."""

    async def embed(self, model: str, texts: Sequence[str]) -> EmbeddingResult: ...


class _Target(Protocol):
    """What is asked: a tier's model, or an embedding model; its requests are priced and logged under ``name``."""

    @property
    def name(self) -> str: ...
    @property
    def provider(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def price(self) -> ModelPrice: ...


class Embedded(NamedTuple):
    """Every request made for some texts' vectors, and the vectors: of every text when ``complete``, else of the
    texts before the batch that failed (None when no batch got vectors)."""

    attempts: list[Attempt]
    vectors: NDArray[np.float32] | None
    complete: bool = True
    problem: str | None = None
    """Why a batch's vectors could not be used although its request answered."""

    def failure(self, source: str, key: str, what: str) -> RouteCliError:
        """The error for texts that could not be embedded, with the reason: the last request's, or ``problem``."""
        why = self.problem or (self.attempts[-1].error if self.attempts else None) or "no request could be made"
        return RouteCliError(f"{source}: {key}: could not embed {what}: {why}")


class Call(NamedTuple):
    """Every request made for one answer, and the reply that answered (None when none did)."""

    attempts: list[Attempt]
    completion: Completion | None


class _Guard:
    """One provider's retry policy, cooldown and rate limits, shared by every worker; and whether it ever answered.

    A provider that has never answered and cannot be connected to, or refuses
    (401, 403, 404) every model the config asks of it, is misconfigured: the
    run stops (``ProviderUnusableError``) instead of retrying every prompt.
    Once it has answered, failures are retried and recorded as usual.
    """

    def __init__(
        self, config: ProviderConfig, models: frozenset[str], clock: Callable[[], float], sleep: Sleep
    ) -> None:
        self.config = config
        self.models = models
        """The models the config asks of this provider (tiers' and embedders')."""
        self.answered = False
        self.refused: dict[str, int] = {}
        """Models that got a 401, 403 or 404 before the provider ever answered, with that status."""
        retry = config.retry
        self.retry = RetryPolicy(retry.max_attempts, retry.initial_backoff_s, retry.max_backoff_s)
        cooldown = config.cooldown
        self.cooldown = (
            None if cooldown is None else Cooldown(cooldown.failures, cooldown.window_s, cooldown.skip_s, clock)
        )
        requests, tokens = config.requests_per_minute, config.tokens_per_minute
        self.limits = (
            None
            if requests is None and tokens is None
            else RateLimits(
                None if requests is None else TokenBucket(requests, clock, sleep),
                None if tokens is None else TokenBucket(tokens, clock, sleep),
            )
        )


Sleep = Callable[[float], Awaitable[None]]


class TierCaller:
    """Makes the requests for one answer from a tier (or its fallbacks), pricing each one."""

    def __init__(
        self,
        config: RouterConfig,
        providers: Mapping[str, Provider],
        *,
        log_content: bool = False,
        embeddings: Mapping[str, Embeddings] | None = None,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.config = config
        self.providers = providers
        self.embeddings = embeddings or {}
        """Embeddings clients by provider name, for embedders of ``type: endpoint``."""
        self.log_content = log_content
        self.rng = rng or random.Random()
        self.sleep = sleep
        models = _models_by_provider(config)
        self.guards = {
            name: _Guard(provider, models.get(name, frozenset()), clock, sleep)
            for name, provider in config.providers.items()
        }
        self.spent = Decimal(0)
        """Everything billed so far, by every call: what ``--max-spend`` is checked against."""

    async def call(
        self,
        tier: TierConfig,
        role: str,
        messages: Sequence[Mapping[str, Any]],
        overrides: Mapping[str, Any],
        *,
        logprobs: bool = False,
        fallbacks: bool = True,
    ) -> Call:
        """An answer from ``tier``: its own retries first, then (unless not ``fallbacks``) each fallback's in turn.

        Each model is sent its own tier's ``params`` with ``overrides`` (a prompt's
        max_tokens, a judge's fixed parameters) laid over them, as its model takes
        them (``request_params``); logprobs only from a model that returns them.
        """
        attempts: list[Attempt] = []
        backups = self.config.fallbacks.get(tier.name, ()) if fallbacks else ()
        for name in (tier.name, *backups):
            candidate = self.config.tiers[name]
            standing_in = None if candidate is tier else tier.name
            params = request_params(candidate, self.config.providers[candidate.provider].type, role, overrides)
            asked = logprobs and candidate.logprobs
            completion, go_on = await self._try(candidate, role, messages, params, asked, standing_in, attempts)
            if completion is not None:
                return Call(attempts, completion)
            if not go_on:
                break
        return Call(attempts, None)

    async def _try(
        self,
        tier: TierConfig,
        role: str,
        messages: Sequence[Mapping[str, Any]],
        params: Mapping[str, Any],
        logprobs: bool,
        standing_in: str | None,
        attempts: list[Attempt],
    ) -> tuple[Completion | None, bool]:
        """Up to ``max_attempts`` requests to one model; the reply, or None and whether a fallback may help."""
        provider = self.providers[tier.provider]
        return await self._retrying(
            tier,
            role,
            standing_in,
            attempts,
            reserve=lambda: _tokens_to_reserve(tier, messages, params),
            send=lambda: provider.complete(tier.model, messages, params, logprobs=logprobs),
            answered=lambda completion, retry, latency_ms: self._answered(
                tier, role, retry, standing_in, messages, completion, latency_ms
            ),
        )

    async def embed(self, embedder: EndpointEmbedder, role: str, texts: Sequence[str]) -> Embedded:
        """``texts``' vectors from an embeddings endpoint, with its provider's retries, cooldown and rate limits."""
        client = self.embeddings[embedder.provider]
        attempts: list[Attempt] = []

        def answered(reply: EmbeddingResult, retry: int, latency_ms: float) -> Attempt:
            return self._embedded(embedder, role, retry, texts, reply, latency_ms)

        def send() -> Awaitable[EmbeddingResult]:
            return client.embed(embedder.model, texts)

        reply = await self._retrying(
            embedder,
            role,
            None,
            attempts,
            reserve=lambda: sum(count_text(text, embedder.tokenizer) for text in texts),
            send=send,
            answered=answered,
        )
        got = reply[0]  # whether a fallback may help is of no use here: embeddings have no fallbacks
        return Embedded(attempts, None if got is None else got.vectors)

    async def embed_batches(self, embedder: EndpointEmbedder, role: str, texts: Sequence[str]) -> Embedded:
        """``embed`` in requests of ``batch_size`` texts, the rows in order; stops at the first batch that fails."""
        import numpy as np

        attempts: list[Attempt] = []
        parts: list[NDArray[np.float32]] = []
        problem = None
        for start in range(0, len(texts), embedder.batch_size):
            embedded = await self.embed(embedder, role, texts[start : start + embedder.batch_size])
            attempts.extend(embedded.attempts)
            if embedded.vectors is None:
                break
            if parts and embedded.vectors.shape[1] != parts[0].shape[1]:  # billed, but not comparable
                problem = f"the endpoint sent vectors of {parts[0].shape[1]} then {embedded.vectors.shape[1]} numbers"
                break
            parts.append(embedded.vectors)
        vectors = np.concatenate(parts) if parts else None
        return Embedded(attempts, vectors, len(parts) * embedder.batch_size >= len(texts), problem)

    async def _retrying(
        self,
        target: _Target,
        role: str,
        standing_in: str | None,
        attempts: list[Attempt],
        *,
        reserve: Callable[[], int],
        send: Callable[[], Awaitable[_Reply]],
        answered: Callable[[_Reply, int, float], Attempt],
    ) -> tuple[_Reply | None, bool]:
        """The retry loop every request shares: cooldown skips, rate limits, backoff; each request one attempt.

        Returns the reply (None when none came) and whether a fallback may help.
        ``reserve`` counts the tokens a request takes against tokens per minute.
        """
        guard = self.guards[target.provider]
        last: ProviderError | None = None
        for retry in range(guard.retry.max_attempts):
            if guard.cooldown is not None and (left := guard.cooldown.blocked_for()) > 0:
                _check_usable(guard, target.model, last)  # its own failures set the cooldown off
                skipped = ProviderError("cooldown", f"skipped: the provider is cooling down for {left:.1f} s more")
                attempts.append(self._failed(target, role, retry, standing_in, skipped, 0.0))
                return None, True
            if guard.limits is not None:  # the prompt is counted only when tokens per minute are limited
                await guard.limits.acquire(0 if guard.limits.tokens is None else reserve())
            started = time.perf_counter()
            try:
                reply = await send()
            except ProviderError as failure:
                last = failure
                attempts.append(self._failed(target, role, retry, standing_in, failure, _elapsed_ms(started)))
                if failure.kind in _FALLBACK_KINDS:
                    return None, True
                if not retryable(failure.kind, failure.status):
                    _check_usable(guard, target.model, failure)
                    # any 5xx is the provider's trouble, worth a fallback even when not worth a retry
                    return None, failure.status is not None and failure.status >= 500
                if guard.cooldown is not None:
                    guard.cooldown.record_failure()  # only the provider's failures, not a bad prompt's
                    if guard.cooldown.blocked_for() > 0:
                        continue  # skipped at the top of the loop: straight to the fallback, no backoff
                if retry + 1 < guard.retry.max_attempts:
                    waited = parse_retry_after(failure.retry_after, dt.datetime.now(dt.UTC))
                    await self.sleep(guard.retry.delay(retry + 1, self.rng, waited))
                continue
            guard.answered = True
            if guard.cooldown is not None:
                guard.cooldown.record_success()
            attempts.append(answered(reply, retry, _elapsed_ms(started)))
            return reply, False
        _check_usable(guard, target.model, last)
        return None, True

    def _failed(
        self,
        tier: _Target,
        role: str,
        retry: int,
        standing_in: str | None,
        failure: ProviderError,
        latency_ms: float,
    ) -> Attempt:
        """The record of a request that got no usable reply: billed only when the reply reported usage."""
        usage = failure.usage
        cost = NOT_BILLED
        if usage is not None:
            cost = usage_cost(tier.price, *usage)
            self.spent += cost
        return Attempt(
            role=role,
            tier=tier.name,
            model=tier.model,
            status=failure.status,
            input_tokens=0 if usage is None else usage.input_tokens,
            output_tokens=0 if usage is None else usage.output_tokens,
            cached_tokens=0 if usage is None else usage.cached_tokens,
            estimated=False,
            cost=cost,
            latency_ms=latency_ms,
            error=str(failure),
            error_kind=failure.kind,
            cache_write_tokens=0 if usage is None else usage.cache_write_tokens,
            retry=retry,
            fallback_for=standing_in,
            reasoning_tokens=0 if usage is None else usage.reasoning_tokens,
        )

    def _answered(
        self,
        tier: TierConfig,
        role: str,
        retry: int,
        standing_in: str | None,
        messages: Sequence[Mapping[str, Any]],
        completion: Completion,
        latency_ms: float,
    ) -> Attempt:
        """The record of a request that got a reply, priced from its usage (or a tiktoken estimate, marked so)."""
        usage = completion.usage
        if usage is None:
            input_tokens = count_messages(messages, tier.tokenizer)
            output_tokens = count_text(completion.text, tier.tokenizer)
            cached = written = reasoning = 0
        else:
            input_tokens, output_tokens, cached, written, reasoning = usage
        cost = usage_cost(tier.price, input_tokens, output_tokens, cached, written, reasoning)
        self.spent += cost
        return Attempt(
            role=role,
            tier=tier.name,
            model=tier.model,
            status=completion.status,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cached_tokens=cached,
            estimated=usage is None,
            cost=cost,
            latency_ms=latency_ms,
            logprob=logprob_stats(completion.logprobs),
            response=completion.text if self.log_content else None,
            cache_write_tokens=written,
            retry=retry,
            fallback_for=standing_in,
            reasoning_tokens=reasoning,
        )

    def _embedded(
        self,
        embedder: EndpointEmbedder,
        role: str,
        retry: int,
        texts: Sequence[str],
        reply: EmbeddingResult,
        latency_ms: float,
    ) -> Attempt:
        """The record of an embeddings request: input tokens as reported (or counted with tiktoken, marked so)."""
        tokens = reply.input_tokens
        if tokens is None:
            tokens = sum(count_text(text, embedder.tokenizer) for text in texts)
        cost = usage_cost(embedder.price, tokens, 0)
        self.spent += cost
        return Attempt(
            role=role,
            tier=embedder.name,
            model=embedder.model,
            status=200,
            input_tokens=tokens,
            output_tokens=0,
            cached_tokens=0,
            estimated=reply.input_tokens is None,
            cost=cost,
            latency_ms=latency_ms,
            retry=retry,
        )


_REFUSALS = {
    401: "wrong API key?",
    403: "wrong API key, or one without access to these models?",
    404: "wrong path (base_url usually ends in /v1) or wrong model name?",
}
"""What a status every model of a provider answered with most likely means."""


def _check_usable(guard: _Guard, model: str, failure: ProviderError | None) -> None:
    """``ProviderUnusableError`` when ``failure`` (a model's last, after its retries) shows its provider, which has
    never answered, cannot be connected to, or that every model the config asks of it is refused."""
    if failure is None or guard.answered:
        return
    provider = guard.config
    where = f"provider '{provider.name}' ({shown_url(provider.base_url)})"
    if failure.unreachable is not None:
        raise ProviderUnusableError(f"{where}: {failure.unreachable}")
    if failure.status not in _REFUSALS:
        return
    guard.refused[model] = failure.status
    if not guard.models <= guard.refused.keys():
        return  # another model may still answer: a key or a name can be wrong for one model only
    statuses = sorted(set(guard.refused.values()))
    models = ", ".join(sorted(guard.refused))
    hints = [_REFUSALS[status] for status in statuses]
    if any(status in (401, 403) for status in statuses):
        key = provider.api_key_env
        hints.append(f"(the key is read from {key})" if key else "(no api_key_env is set)")
    every = "every model" if len(guard.refused) > 1 else "its only model"
    shown = " or ".join(str(status) for status in statuses)
    raise ProviderUnusableError(f"{where}: HTTP {shown} for {every} ({models}): {' '.join(hints)}")


def shown_url(url: str) -> str:
    """``url`` as messages may show it: without credentials, query string or fragment, where keys may hide."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{parts.scheme}://{host}{'' if port is None else f':{port}'}{parts.path}"


def _models_by_provider(config: RouterConfig) -> dict[str, frozenset[str]]:
    """The models the config asks of each provider: its tiers', and its embedding endpoints'."""
    found: dict[str, set[str]] = {}
    for tier in config.tiers.values():
        found.setdefault(tier.provider, set()).add(tier.model)
    embedders = (
        None if config.router is None else config.router.embedder,
        None if config.cache is None else config.cache.embedder,
    )
    for embedder in embedders:
        if isinstance(embedder, EndpointEmbedder):
            found.setdefault(embedder.provider, set()).add(embedder.model)
    return {name: frozenset(models) for name, models in found.items()}


def request_params(tier: TierConfig, api: str, role: str, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters one call to ``tier`` sends: its ``params`` with ``overrides`` laid over, in its model's terms.

    A reasoning model's limit counts its reasoning too, so a judge's fixed
    ``max_tokens`` (8) is not laid over a reasoning or thinking tier's params:
    it would leave no room for the verdict. An OpenAI-compatible reasoning
    tier gets ``reasoning_params``; an Anthropic tier with thinking on, no
    ``temperature`` but 1 (the API refuses others with thinking).
    """
    thinks = (tier.reasoning and api == "openai") or tier.thinking
    if thinks and role in JUDGE_ROLES:
        overrides = {key: value for key, value in overrides.items() if key != "max_tokens"}
    params = {**tier.params, **overrides}
    if tier.reasoning and api == "openai":
        return reasoning_params(params)
    if tier.thinking and params.get("temperature") not in (None, 1):
        del params["temperature"]
    return params


def _tokens_to_reserve(tier: TierConfig, messages: Sequence[Mapping[str, Any]], params: Mapping[str, Any]) -> int:
    """What a request counts against tokens-per-minute, as providers count it: the prompt plus the reply allowed."""
    reply = params.get("max_tokens") or params.get("max_completion_tokens") or _DEFAULT_OUTPUT_RESERVE
    return count_messages(messages, tier.tokenizer) + int(reply)


def _elapsed_ms(started: float) -> float:
    """Milliseconds since ``started``, to the microsecond: the precision the decision log keeps."""
    return round((time.perf_counter() - started) * 1000, 3)
