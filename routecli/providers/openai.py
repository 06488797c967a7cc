"""OpenAI-compatible chat completions and embeddings (OpenAI, vLLM, llama.cpp, Ollama, OpenRouter, Together, Groq …)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from routecli.providers import Completion, Usage
from routecli.providers.embeddings import EmbeddingResult, embeddings_billed, embeddings_parser
from routecli.providers.http import JsonEndpoint, token_count

__all__ = ["OpenAIProvider", "billed_usage", "chat_body", "parse_completion"]


class OpenAIProvider:
    """Sends chat requests to ``{base_url}/chat/completions``; the key goes in the ``Authorization`` header only."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout_s: float = 60.0,
        max_connections: int = 8,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        sent = {"User-Agent": "routecli", **(headers or {})}
        if api_key:
            sent["Authorization"] = f"Bearer {api_key}"
        self._endpoint = JsonEndpoint(
            base_url,
            headers=sent,
            secret=api_key,
            timeout_s=timeout_s,
            max_connections=max_connections,
            transport=transport,
        )

    async def complete(
        self, model: str, messages: Sequence[Mapping[str, Any]], params: Mapping[str, Any], *, logprobs: bool = False
    ) -> Completion:
        """Send one chat request; ``ProviderError`` when no usable reply comes back."""
        return await self._endpoint.post(
            "chat/completions", chat_body(model, messages, params, logprobs), parse_completion, billed_usage
        )

    async def embed(self, model: str, texts: Sequence[str]) -> EmbeddingResult:
        """Embed ``texts`` in one request to ``embeddings``; ``ProviderError`` when no usable reply comes back.

        One request per call, so that each is retried and billed on its own
        (``TierCaller.embed_batches`` splits many texts into batches).
        """
        batch = list(texts)
        body = {"model": model, "input": batch}
        return await self._endpoint.post("embeddings", body, embeddings_parser(len(batch)), embeddings_billed)

    async def aclose(self) -> None:
        await self._endpoint.aclose()


def chat_body(
    model: str, messages: Sequence[Mapping[str, Any]], params: Mapping[str, Any], logprobs: bool
) -> dict[str, Any]:
    """The ``/chat/completions`` body: the tier's params, the model and messages, logprobs when asked for."""
    body: dict[str, Any] = {**params, "model": model, "messages": messages}
    if logprobs:
        body["logprobs"] = True
        body["top_logprobs"] = body.get("top_logprobs") or 1
    return body


def billed_usage(document: Any) -> Usage | None:
    """What a chat completion body that could not be used still reports it billed."""
    return _usage(document.get("usage")) if isinstance(document, Mapping) else None


def parse_completion(document: Any, status: int = 200) -> Completion:
    """The text, usage and logprobs of a chat completion body; ``ValueError`` naming what is wrong.

    Endpoints differ in what they fill in: a missing or partial ``usage`` is
    None (the engine counts with tiktoken instead), logprobs that are not
    numbers are treated as absent, and a text reply may come as content parts.
    """
    choices = document.get("choices") if isinstance(document, Mapping) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], Mapping):
        raise ValueError("no choices in the response")
    choice = choices[0]
    message = choice.get("message")
    if not isinstance(message, Mapping):
        raise ValueError("the first choice has no message")
    return Completion(
        _text(message.get("content")), _usage(document.get("usage")), _logprobs(choice.get("logprobs")), status
    )


def _text(content: Any) -> str:
    """Message content as text: a string, null (a tool call), or a list of parts whose text parts are joined."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part["text"] for part in content if isinstance(part, Mapping) and isinstance(part.get("text"), str)
        )
    raise ValueError(f"message content is {type(content).__name__}, not text")


def _usage(reported: Any) -> Usage | None:
    """Prompt and completion tokens when both are reported; cached tokens (at most the prompt's) and reasoning
    tokens (``completion_tokens_details.reasoning_tokens``, part of the completion's, at most all of it) when given."""
    if not isinstance(reported, Mapping):
        return None
    prompt, completion = token_count(reported.get("prompt_tokens")), token_count(reported.get("completion_tokens"))
    if prompt is None or completion is None:
        return None
    details = reported.get("prompt_tokens_details")
    cached = token_count(details.get("cached_tokens")) if isinstance(details, Mapping) else None
    details = reported.get("completion_tokens_details")
    reasoning = token_count(details.get("reasoning_tokens")) if isinstance(details, Mapping) else None
    return Usage(prompt, completion, min(cached or 0, prompt), 0, min(reasoning or 0, completion))


_LOWEST_LOGPROB = -1000.0  # exp(-1000) is 0.0 in a float already: "impossible" (-inf) reads as this, and stays JSON


def _logprobs(logprobs: Any) -> tuple[float, ...] | None:
    """Each output token's logprob; None when absent or when any is not a number."""
    content = logprobs.get("content") if isinstance(logprobs, Mapping) else None
    if not isinstance(content, list):
        return None
    values = []
    for entry in content:
        value = entry.get("logprob") if isinstance(entry, Mapping) else None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
            return None
        values.append(max(float(value), _LOWEST_LOGPROB))
    return tuple(values)
