"""Running a replay: open the providers, run the engine, log every decision as it finishes.

The glue between the CLI and the engine: it owns the event loop, the HTTP
clients and the decision log, and hands each decision to a progress callback.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

from routecli.errors import InputError
from routecli.prompts import Prompt, PromptFile
from routecli.replay.log import DecisionLog
from routecli.replay.records import Decision, RunInfo, TierInfo
from routecli.router_config import RouterConfig, api_key
from routecli.routing import ROUTER_ENCODING
from routecli.tokens import encoding

__all__ = ["default_run_dir", "provider_keys", "replay_prompts", "run_info"]


def run_info(
    config: RouterConfig,
    prompt_file: PromptFile,
    selected: int,
    *,
    dry_run: bool = False,
    output_tokens: int | None = None,
) -> RunInfo:
    """The header every log and report carries: tiers with their prices, setup, inputs and time."""
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
    )


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


def provider_keys(config: RouterConfig) -> dict[str, str | None]:
    """The API key of every provider a tier uses, from its environment variable; an error naming the variable."""
    used = {tier.provider for tier in config.tiers.values()}
    try:
        return {name: api_key(provider) for name, provider in config.providers.items() if name in used}
    except InputError as error:
        raise error.located(config.source, None) from None


def replay_prompts(
    config: RouterConfig,
    prompts: Sequence[Prompt],
    run: RunInfo,
    log_path: Path,
    *,
    concurrency: int,
    log_content: bool = False,
    on_result: Callable[[Decision], None] = lambda decision: None,
) -> list[Decision]:
    """Replay ``prompts``, writing each decision to the log (flushed) before ``on_result`` sees it.

    On Ctrl-C the decisions finished so far are in the log and the
    ``KeyboardInterrupt`` propagates.
    """
    from routecli.providers.openai import OpenAIProvider  # httpx and the engine: not for dry runs
    from routecli.replay.engine import Replayer

    keys = provider_keys(config)
    router = config.router
    if router is not None and router.needs_tokens:
        encoding(ROUTER_ENCODING)  # load it now, not inside the event loop where it would stall every request
    decisions: list[Decision] = []
    with DecisionLog(log_path, run) as log:

        def record(decision: Decision) -> None:
            log.write(decision)
            decisions.append(decision)
            on_result(decision)

        async def main() -> None:
            providers = {
                name: OpenAIProvider(
                    provider.base_url,
                    api_key=keys[name],
                    headers=provider.headers,
                    timeout_s=provider.timeout_s,
                    max_connections=concurrency,
                )
                for name, provider in config.providers.items()
                if name in keys
            }
            try:
                replayer = Replayer(config, providers, log_content=log_content)
                await replayer.run(prompts, record, concurrency=concurrency)
            finally:
                for provider in providers.values():
                    await provider.aclose()

        asyncio.run(main())
    return decisions
