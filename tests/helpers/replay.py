"""The replay engine over httpx.MockTransport: a two-tier router config, canned replies and a run that records requests.

The engine tests, the cache tests and the embedding-routing tests replay through these.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable
from typing import Any

import httpx

from routecli.pricing.prices import PriceTable
from routecli.providers.openai import OpenAIProvider
from routecli.replay.calls import TierCaller
from routecli.replay.config import RouterConfig
from routecli.replay.config_file import build_router_config
from routecli.replay.engine import Replayer
from routecli.replay.prompts import Prompt, parse_prompt
from routecli.replay.records import Decision

__all__ = ["BASE", "CASCADE", "NO_RETRY", "Handler", "Recorder", "config", "prompt", "reply", "run"]

Handler = Callable[[dict[str, Any]], httpx.Response]

NO_RETRY = {"base_url": "http://api.test/v1", "retry": {"max_attempts": 1}}
BASE = {
    "providers": {"api": NO_RETRY},
    "tiers": {
        "small": {
            "provider": "api",
            "model": "small-model",
            "price": {"input_per_mtok": 1, "output_per_mtok": 2, "cached_input_per_mtok": 0.5},
            "params": {"temperature": 0, "max_tokens": 50},
        },
        "large": {
            "provider": "api",
            "model": "large-model",
            "price": {"input_per_mtok": 10, "output_per_mtok": 30},
            "params": {"max_tokens": 200},
        },
    },
}


def config(**extra: Any) -> RouterConfig:
    return build_router_config({**BASE, **extra}, PriceTable())


def reply(
    text: str,
    *,
    usage: tuple[int, int] | None = (100, 10),
    cached: int = 0,
    logprobs: list[float] | None = None,
    status: int = 200,
) -> httpx.Response:
    choice: dict[str, Any] = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
    if logprobs is not None:
        choice["logprobs"] = {"content": [{"token": "t", "logprob": value, "top_logprobs": []} for value in logprobs]}
    body: dict[str, Any] = {"choices": [choice]}
    if usage is not None:
        body["usage"] = {
            "prompt_tokens": usage[0],
            "completion_tokens": usage[1],
            "prompt_tokens_details": {"cached_tokens": cached},
        }
    return httpx.Response(status, json=body)


class Recorder:
    """A MockTransport handler that keeps every request body and answers through ``handler``."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[httpx.Headers] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.bodies.append(body)
        self.headers.append(request.headers)
        return self.handler(body)

    def models(self) -> list[str]:
        return [body["model"] for body in self.bodies]


def run(
    cfg: RouterConfig, prompts: list[Prompt], handler: Handler, concurrency: int = 1, waits: list[float] | None = None
) -> tuple[list[Decision], Recorder]:
    """Replay ``prompts`` against ``handler``; backoff waits are recorded in ``waits`` instead of slept."""
    recorder = Recorder(handler)
    decisions: list[Decision] = []
    slept = [] if waits is None else waits

    async def no_sleep(seconds: float) -> None:
        slept.append(seconds)

    async def main() -> None:
        provider = OpenAIProvider("http://api.test/v1", api_key="sk-secret", transport=httpx.MockTransport(recorder))
        providers = dict.fromkeys(cfg.providers, provider)  # every configured provider answers from ``handler``
        caller = TierCaller(cfg, providers, rng=random.Random(0), sleep=no_sleep)
        try:
            await Replayer(cfg, providers, caller=caller).run(prompts, decisions.append, concurrency=concurrency)
        finally:
            await provider.aclose()

    asyncio.run(main())
    return decisions, recorder


def prompt(text: str, line: int = 1, **fields: Any) -> Prompt:
    return parse_prompt(json.dumps({"prompt": text, **fields}), line)


CASCADE = {"chain": ["small", "large"], "accept": {"all": [{"type": "logprob", "min_mean": -0.5}, {"type": "hedging"}]}}
