"""OpenAI-compatible chat completions (OpenAI, vLLM, llama.cpp, Ollama, OpenRouter, Together, Groq …)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from routecli.providers import Completion, ProviderError, Usage

__all__ = ["OpenAIProvider", "parse_completion"]

_ERROR_BODY_CHARS = 200


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
            response = await self._client.post("chat/completions", json=body)
        except httpx.TimeoutException as error:
            raise ProviderError("timeout", self._scrub(f"timed out ({type(error).__name__})")) from None
        except httpx.HTTPError as error:
            raise ProviderError("connect", self._scrub(f"{type(error).__name__}: {error}")) from None
        if response.status_code != 200:
            detail = " ".join(response.text[:_ERROR_BODY_CHARS].split())
            message = f"HTTP {response.status_code}" + (f": {detail}" if detail else "")
            raise ProviderError("http", self._scrub(message), status=response.status_code)
        try:
            return parse_completion(response.json(), response.status_code)
        except (ValueError, KeyError, IndexError, TypeError) as error:
            raise ProviderError(
                "malformed", self._scrub(f"malformed response: {error}"), status=response.status_code
            ) from None

    def _scrub(self, message: str) -> str:
        return message.replace(self._secret, "***") if self._secret else message

    async def aclose(self) -> None:
        await self._client.aclose()


def parse_completion(document: Any, status: int = 200) -> Completion:
    """The text, usage and logprobs of a chat completion body; KeyError/TypeError when it has none."""
    choice = document["choices"][0]
    message = choice["message"]
    text = message.get("content") or ""
    if not isinstance(text, str):
        raise TypeError(f"message content is {type(text).__name__}, not text")
    usage = None
    reported = document.get("usage")
    if isinstance(reported, Mapping) and reported.get("prompt_tokens") is not None:
        details = reported.get("prompt_tokens_details") or {}
        usage = Usage(
            int(reported["prompt_tokens"]),
            int(reported.get("completion_tokens") or 0),
            int(details.get("cached_tokens") or 0),
        )
    logprobs = None
    content = (choice.get("logprobs") or {}).get("content")
    if isinstance(content, list):
        logprobs = tuple(float(entry["logprob"]) for entry in content)
    return Completion(text, usage, logprobs, status, choice.get("finish_reason"))
