"""Running a replay: open the providers, run the engine, log every decision as it finishes.

The glue between the CLI and the engine: it owns the event loop, the HTTP
clients and the decision log, and hands each decision to a progress callback.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from routecli.errors import InputError, ProviderUnusableError
from routecli.pricing.price_files import price_table_path
from routecli.provenance import PRICE_TABLE, Inputs, hash_inputs
from routecli.replay.calls import Embedded, TierCaller
from routecli.replay.config import EndpointEmbedder, ProviderConfig, RouterConfig, embedder_label
from routecli.replay.log import DecisionLog
from routecli.replay.prompts import Prompt, PromptFile
from routecli.replay.records import Attempt, Decision, RunInfo, TierInfo
from routecli.replay.routing import ROUTER_ENCODING
from routecli.replay.tokens import encoding

if TYPE_CHECKING:
    from routecli.providers.anthropic import AnthropicProvider
    from routecli.providers.openai import OpenAIProvider

__all__ = [
    "RunResult",
    "api_key",
    "default_run_dir",
    "embed_texts",
    "endpoint_embedders",
    "handle_signals",
    "open_provider",
    "provider_keys",
    "replay_prompts",
    "run_info",
]


def run_info(
    config: RouterConfig,
    prompt_file: PromptFile,
    selected: int,
    *,
    dry_run: bool = False,
    output_tokens: int | None = None,
    sample: int | None = None,
    seed: int = 0,
    limit: int | None = None,
    all_tiers: bool = False,
    batch: bool = False,
) -> RunInfo:
    """The header every log and report carries: tiers with their prices, setup, inputs and time.

    ``setup``, ``router`` and ``chain`` describe the config even for ``all_tiers``, which uses none of them.
    """
    cache = None if dry_run or all_tiers else config.cache  # neither kind of run uses the cache
    return RunInfo(
        tiers=tuple(TierInfo(t.name, t.provider, t.model, t.price) for t in config.tiers.values()),
        setup=config.kind(),
        chain=config.chain,
        router=None if config.router is None else config.router.kind,
        dry_run=dry_run,
        config=config.source,
        prompts=str(prompt_file.path),
        started=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        prompt_count=selected,
        invalid_lines=tuple((item.line, item.message) for item in prompt_file.invalid),
        output_tokens_assumed=output_tokens if dry_run else None,
        sample=sample,
        seed=seed,
        limit=limit,
        cache_similarity=None if cache is None else cache.similarity,
        cache_embedder=None if cache is None else embedder_label(cache.embedder),
        inputs=_inputs(config, prompt_file.path),
        all_tiers=all_tiers,
        batch=batch,
    )


def _inputs(config: RouterConfig, prompts: Path) -> Inputs:
    """The router config, the prompt file and every price-table file a tier's or embedder's price came from."""
    prices = [tier.price for tier in config.tiers.values()] + [
        embedder.price for embedder in endpoint_embedders(config)
    ]
    tables = [path for price in prices if price.source is not None and (path := price_table_path(price.source))]
    files = [("router config", Path(config.source)), ("prompts", prompts)] if config.source else [("prompts", prompts)]
    return hash_inputs([*files, *((PRICE_TABLE, table) for table in tables)])


def default_run_dir(prompts: Path, now: dt.datetime | None = None) -> Path:
    """``routecli-runs/<UTC time>-<prompt file stem>``, in the current directory: a new folder for every run.

    Two runs started in the same second get ``-2``, ``-3`` … rather than sharing a folder.
    """
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    base = Path("routecli-runs") / f"{stamp}-{prompts.stem}"
    folder, number = base, 1
    while folder.exists():
        number += 1
        folder = base.with_name(f"{base.name}-{number}")
    return folder


def endpoint_embedders(config: RouterConfig) -> list[EndpointEmbedder]:
    """The embeddings endpoints a run asks: the embedding router's, the cache's, or both."""
    found = []
    if config.router is not None and isinstance(config.router.embedder, EndpointEmbedder):
        found.append(config.router.embedder)
    if config.cache is not None and isinstance(config.cache.embedder, EndpointEmbedder):
        found.append(config.cache.embedder)
    return found


def provider_keys(config: RouterConfig) -> dict[str, str | None]:
    """The API key of every provider a tier or embedder uses, from its environment variable; an error naming it."""
    used = {tier.provider for tier in config.tiers.values()} | {e.provider for e in endpoint_embedders(config)}
    keys = {}
    for name, provider in config.providers.items():
        if name in used:
            try:
                keys[name] = api_key(provider)
            except InputError as error:
                raise error.located(config.source, provider.api_key_line) from None
    return keys


def api_key(provider: ProviderConfig) -> str | None:
    """The provider's key from its environment variable; an error naming the variable when it is unset."""
    if provider.api_key_env is None:
        return None
    value = os.environ.get(provider.api_key_env)
    if value and not value.isascii():
        raise InputError(
            f"environment variable {provider.api_key_env} holds characters an HTTP header cannot carry",
            path=("providers", provider.name, "api_key_env"),
        )
    if not value:
        raise InputError(
            f"environment variable {provider.api_key_env} is not set or empty (it is named here as the API key)",
            path=("providers", provider.name, "api_key_env"),
        )
    return value


class RunResult(NamedTuple):
    """The decisions a replay made, and why it stopped early (None when it replayed every prompt)."""

    decisions: list[Decision]
    stopped: str | None
    prelude: list[Attempt]
    """Requests made before the first prompt (embedding exemplars, and answers put back in the cache)."""
    seeded: int | None = None
    """Answers of a resumed run's log put back in the semantic cache (None without a cache)."""


def replay_prompts(
    config: RouterConfig,
    prompts: Sequence[Prompt],
    run: RunInfo,
    log_path: Path,
    *,
    concurrency: int,
    log_content: bool = False,
    on_result: Callable[[Decision], None] = lambda decision: None,
    max_spend: Decimal | None = None,
    grace_s: float | None = None,
    resume: bool = False,
    spent: Decimal = Decimal(0),
    answered: Sequence[tuple[Prompt, Decision]] = (),
    all_tiers: bool = False,
) -> RunResult:
    """Replay ``prompts``, writing each decision to the log (flushed) before ``on_result`` sees it.

    SIGINT and SIGTERM (and ``max_spend`` being reached) stop new prompts from
    starting; those in flight get ``grace_s`` to finish, then the log gets its
    ``end`` line and the result says why the run stopped. A second signal
    cancels what is still in flight. A provider that never answered and
    cannot be reached, or refuses every model (``ProviderUnusableError``),
    stops the run the same way, and the error is raised once the log is
    closed; the prompts that met it are not logged. With ``resume`` the log
    is appended to, and the semantic cache starts with the ``answered``
    prompts' logged answers.
    With ``all_tiers`` every tier answers every prompt; the router and cache are not used.
    """
    from routecli.replay.engine import DEFAULT_GRACE_S, Replayer  # httpx: not for dry runs

    if all_tiers:
        config = config.without_routing()  # an embedding router's or the cache's endpoint is not asked: no key
    keys = provider_keys(config)
    router = config.router
    if router is not None and router.needs_tokens:
        encoding(ROUTER_ENCODING)  # load it now, not inside the event loop where it would stall every request
    decisions: list[Decision] = []
    with DecisionLog(log_path, run, resume=resume) as log:

        def record(decision: Decision) -> None:
            log.write(decision)
            decisions.append(decision)
            on_result(decision)

        prelude: list[Attempt] = []
        seeded: int | None = None
        unusable: ProviderUnusableError | None = None

        async def main() -> str | None:
            providers = {
                name: open_provider(provider, keys[name], concurrency)
                for name, provider in config.providers.items()
                if name in keys
            }
            embeddings = _embeddings(config, providers)
            replayer = Replayer(
                config,
                providers,
                log_content=log_content,
                max_spend=max_spend,
                grace_s=DEFAULT_GRACE_S if grace_s is None else grace_s,
                embeddings=embeddings,
                all_tiers=all_tiers,
            )
            replayer.caller.spent = spent  # a resumed run's budget counts what the log already spent
            loop = asyncio.get_running_loop()
            handled = handle_signals(loop, replayer.stop)
            try:
                nonlocal seeded
                try:
                    seeded = await replayer.prepare(prelude, answered)
                finally:  # billed even when the run cannot start
                    log.prelude(prelude)
                stopped = await replayer.run(prompts, record, concurrency=concurrency)
                nonlocal unusable
                unusable = replayer.unusable
                return stopped
            finally:
                for signal_number in handled:
                    loop.remove_signal_handler(signal_number)
                for provider in providers.values():
                    await provider.aclose()

        stopped = asyncio.run(main())
        log.end(stopped)
    if unusable is not None:
        raise unusable  # after the end line: the log holds what finished, and --resume continues it
    return RunResult(decisions, stopped, prelude, seeded)


def open_provider(provider: ProviderConfig, key: str | None, connections: int) -> OpenAIProvider | AnthropicProvider:
    """The HTTP client for ``provider``'s API (OpenAI-compatible or Anthropic)."""
    client: type[OpenAIProvider] | type[AnthropicProvider]
    if provider.type == "anthropic":
        from routecli.providers.anthropic import AnthropicProvider as client
    else:
        from routecli.providers.openai import OpenAIProvider as client
    return client(
        provider.base_url,
        api_key=key,
        headers=provider.headers,
        timeout_s=provider.timeout_s,
        max_connections=connections,
    )


def embed_texts(config: RouterConfig, embedder: EndpointEmbedder, texts: Sequence[str], role: str) -> Embedded:
    """``texts``' vectors from ``embedder``'s endpoint, ``batch_size`` at a time with its provider's retries.

    The attempts say what was asked and billed, and why a batch failed. Only
    the embedder's provider needs its API key.
    """
    endpoint = config.providers[embedder.provider]
    try:
        keys = {embedder.provider: api_key(endpoint)}  # only this one is asked
    except InputError as error:
        raise error.located(config.source, endpoint.api_key_line) from None

    async def main() -> Embedded:
        provider = open_provider(config.providers[embedder.provider], keys[embedder.provider], 1)
        try:
            clients = _embeddings(config, {embedder.provider: provider})
            return await TierCaller(config, {}, embeddings=clients).embed_batches(embedder, role, texts)
        finally:
            await provider.aclose()

    return asyncio.run(main())


def _embeddings(
    config: RouterConfig, providers: Mapping[str, OpenAIProvider | AnthropicProvider]
) -> dict[str, OpenAIProvider]:
    """The providers an embedder asks, among ``providers`` (a config only lets OpenAI-compatible ones embed)."""
    from routecli.providers.openai import OpenAIProvider

    asked = {embedder.provider for embedder in endpoint_embedders(config)}
    return {name: client for name, client in providers.items() if name in asked and isinstance(client, OpenAIProvider)}


_SIGNALS = {"SIGINT": "interrupted", "SIGTERM": "terminated"}


def handle_signals(loop: asyncio.AbstractEventLoop, stop: Callable[[str], None]) -> list[int]:
    """Route SIGINT and SIGTERM to a graceful stop, where the platform allows (not on Windows)."""
    handled = []
    for name, reason in _SIGNALS.items():
        number = getattr(signal, name)
        try:
            loop.add_signal_handler(number, stop, reason)
        except (NotImplementedError, RuntimeError, ValueError):
            continue
        handled.append(number)
    return handled
