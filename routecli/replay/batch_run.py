"""Running ``replay --batch``: the providers' batch clients opened, the rounds run, every line logged as it comes.

The glue ``routecli.replay.run`` is for a live run: the event loop, the HTTP clients, the decision log and the
signals. Ctrl-C or SIGTERM stops the polling at once: batches in flight are left to the provider, the log gets
its ``end`` line, and ``--resume`` polls them again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from routecli.errors import ProviderUnusableError
from routecli.replay.batch import DEFAULT_POLL_S, NO_PROGRESS, BatchClient, BatchProgress, BatchReplayer
from routecli.replay.config import ProviderConfig, RouterConfig
from routecli.replay.log import DecisionLog
from routecli.replay.prompts import Prompt
from routecli.replay.records import Decision, RunInfo
from routecli.replay.run import RunResult, handle_signals, provider_keys

__all__ = ["open_batches", "replay_batches"]


class _Sink:
    """The decision log, as the rounds write to it; each decision also goes to the run's list and callback."""

    def __init__(self, log: DecisionLog, on_result: Callable[[Decision], None]) -> None:
        self.log = log
        self.decisions: list[Decision] = []
        self.on_result = on_result

    def batch(self, document: dict[str, Any]) -> None:
        self.log.batch(document)

    def decision(self, decision: Decision) -> None:
        self.log.write(decision)
        self.decisions.append(decision)
        self.on_result(decision)


def replay_batches(
    config: RouterConfig,
    prompts: Sequence[Prompt],
    run: RunInfo,
    log_path: Path,
    *,
    poll_s: float = DEFAULT_POLL_S,
    log_content: bool = False,
    on_result: Callable[[Decision], None] = lambda decision: None,
    max_spend: Decimal | None = None,
    resume: bool = False,
    spent: Decimal = Decimal(0),
    progress: BatchProgress = NO_PROGRESS,
    all_tiers: bool = False,
) -> RunResult:
    """Replay ``prompts`` in rounds of batches (``BatchReplayer``), appending to the log when ``resume``.

    ``progress`` is what a resumed run's log says of its batches: those in flight are polled, not sent again.
    A batch that cannot be submitted, looked at or read (the provider unreachable) stops the run: the error is
    raised once the log is closed.
    """
    if all_tiers:
        config = config.without_routing()
    keys = provider_keys(config)
    with DecisionLog(log_path, run, resume=resume) as log:
        sink = _Sink(log, on_result)
        unusable: ProviderUnusableError | None = None

        async def main() -> str | None:
            clients = {name: open_batches(config.providers[name], key) for name, key in keys.items()}
            replayer = BatchReplayer(
                config,
                clients,
                poll_s=poll_s,
                log_content=log_content,
                max_spend=max_spend,
                spent=spent + progress.spent(prompts),
                all_tiers=all_tiers,
            )
            loop = asyncio.get_running_loop()
            handled = handle_signals(loop, replayer.stop)
            try:
                await replayer.run(prompts, sink, progress)
                nonlocal unusable
                unusable = replayer.unusable
                return replayer.stopped
            finally:
                for signal_number in handled:
                    loop.remove_signal_handler(signal_number)
                for client in clients.values():
                    await client.aclose()

        stopped = asyncio.run(main())
        log.end(stopped)
    if unusable is not None:
        raise unusable
    return RunResult(sink.decisions, stopped, [])


class _Closable(BatchClient, Protocol):
    async def aclose(self) -> None: ...


def open_batches(provider: ProviderConfig, key: str | None) -> _Closable:
    """The batch API client for ``provider``: Anthropic's Message Batches, else OpenAI's Batch API."""
    if provider.type == "anthropic":
        from routecli.providers.batch_anthropic import AnthropicBatches

        return AnthropicBatches(provider.base_url, api_key=key, headers=provider.headers, timeout_s=provider.timeout_s)
    from routecli.providers.batch_openai import OpenAIBatches

    return OpenAIBatches(provider.base_url, api_key=key, headers=provider.headers, timeout_s=provider.timeout_s)
