"""OpenAI-compatible chat completions (OpenAI, vLLM, llama.cpp, Ollama, OpenRouter, Together, Groq …)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from routecli.providers import Completion, ProviderError, Usage

__all__ = ["OpenAIProvider", "parse_completion"]

_ERROR_BODY_CHARS = 200
_KEY_ECHOING = (401, 403)  # auth failures: bodies may quote part of the key, so they are not shown


class OpenAIProvider:
    """One shared ``httpx.AsyncClient`` for every request to one endpoint.

    The API key goes into the client's headers and nowhere else; error
    messages are scrubbed of it in case an endpoint echoes it back.
    """

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
        self._secret = api_key
        self._timeout_s = timeout_s
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/",
            headers=sent,
            timeout=httpx.Timeout(timeout_s),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            transport=transport,
        )

    async def complete(
        self, model: str, messages: Sequence[Mapping[str, Any]], params: Mapping[str, Any], *, logprobs: bool = False
    ) -> Completion:
        """Send one chat request; ``ProviderError`` when no usable reply comes back."""
        body: dict[str, Any] = {**params, "model": model, "messages": messages}
        if logprobs:
            body["logprobs"] = True
            body["top_logprobs"] = body.get("top_logprobs") or 1
        try:
            async with asyncio.timeout(self._timeout_s):  # the whole request, however slowly it trickles in
                response = await self._client.post("chat/completions", json=body)
        except (httpx.TimeoutException, TimeoutError) as error:
            raise ProviderError("timeout", self._scrub(f"timed out ({type(error).__name__})")) from None
        except httpx.HTTPError as error:
            raise ProviderError("connect", self._scrub(f"{type(error).__name__}: {error}")) from None
        if response.status_code != 200:
            if response.status_code in _KEY_ECHOING:
                detail = "the body is not shown: it may quote the key"
            else:
                detail = " ".join(response.text[:_ERROR_BODY_CHARS].split())
            message = f"HTTP {response.status_code}" + (f": {detail}" if detail else "")
            if response.status_code == 404:
                message += f" (is base_url right? it usually ends in /v1; requests go to {response.request.url})"
            raise ProviderError("http", self._scrub(message), status=response.status_code)
        try:
            return parse_completion(response.json(), response.status_code)
        except ValueError as error:  # also the JSON decoder's
            raise ProviderError(
                "malformed", self._scrub(f"malformed response: {error}"), status=response.status_code
            ) from None

    def _scrub(self, message: str) -> str:
        return message.replace(self._secret, "***") if self._secret else message

    async def aclose(self) -> None:
        await self._client.aclose()


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
    finish = choice.get("finish_reason")
    return Completion(
        _text(message.get("content")),
        _usage(document.get("usage")),
        _logprobs(choice.get("logprobs")),
        status,
        finish if isinstance(finish, str) else None,
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


def _count(value: Any) -> int | None:
    """A token count as reported: a whole number of at least 0, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != int(value):
        return None
    return int(value)


def _usage(reported: Any) -> Usage | None:
    """Prompt and completion tokens when both are reported; cached tokens (at most the prompt's) when given."""
    if not isinstance(reported, Mapping):
        return None
    prompt, completion = _count(reported.get("prompt_tokens")), _count(reported.get("completion_tokens"))
    if prompt is None or completion is None:
        return None
    details = reported.get("prompt_tokens_details")
    cached = _count(details.get("cached_tokens")) if isinstance(details, Mapping) else None
    return Usage(prompt, completion, min(cached or 0, prompt))


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
