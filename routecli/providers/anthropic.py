"""Anthropic's Messages API, fed the OpenAI chat format the rest of routecli speaks.

Prompts and tier params are written for OpenAI-style chat completions; this
module translates them on the way out:

- ``system`` and ``developer`` messages go, joined by blank lines, into the
  top-level ``system`` field; user and assistant messages keep their order.
- Consecutive messages of one role are merged into one message of content
  blocks, since the API expects the roles to alternate.
- Content parts: text parts are kept (with any ``cache_control``, so prompt
  caching can be asked for); ``image_url`` parts become image blocks when the
  URL is a base64 ``data:`` URL or an http(s) URL. Anything else — other part
  types, ``tool`` messages, assistant tool calls — is refused with a
  ``ProviderError`` of kind ``request`` before anything is sent: no request
  is made, so nothing is billed.
- ``max_tokens`` is required by the API: the params' ``max_tokens``, else
  ``max_completion_tokens``, else ``DEFAULT_MAX_TOKENS`` (above a thinking
  budget: ``budget_tokens + DEFAULT_MAX_TOKENS``). ``stop`` becomes
  ``stop_sequences``. Parameters only OpenAI knows (``OPENAI_ONLY_PARAMS``)
  are dropped; any other parameter is passed through for the API to judge.
- Extended thinking, ``thinking: {type: enabled, budget_tokens: N}``, is
  passed through as given; ``max_tokens`` must exceed the budget, since the
  thinking counts in it (refused before sending otherwise). The reply's
  thinking blocks are not the answer, and the API bills thinking as output
  tokens without a separate count.
- The API has no logprobs: asked for them, a reply still has none, and a
  logprob evaluator on an Anthropic tier fails as it would on any endpoint
  that returns none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from routecli.providers import Completion, ProviderError, Usage
from routecli.providers.http import JsonEndpoint, token_count

__all__ = [
    "ANTHROPIC_VERSION",
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_TOKENS",
    "OPENAI_ONLY_PARAMS",
    "AnthropicProvider",
    "message_request",
    "parse_message",
]

DEFAULT_BASE_URL = "https://api.anthropic.com/v1"
ANTHROPIC_VERSION = "2023-06-01"
"""The ``anthropic-version`` header sent unless the provider's headers set another."""
DEFAULT_MAX_TOKENS = 1024
"""The reply limit when the params set none: the API refuses a request without one."""
OPENAI_ONLY_PARAMS = frozenset(
    {
        "frequency_penalty",
        "logit_bias",
        "logprobs",
        "n",
        "parallel_tool_calls",
        "presence_penalty",
        "reasoning_effort",
        "response_format",
        "seed",
        "stream_options",
        "top_logprobs",
        "user",
    }
)
"""Chat-completions parameters with no Messages API counterpart: dropped so one tier's params work on either API."""

_SYSTEM_ROLES = ("system", "developer")
_CONVERSATION_ROLES = ("user", "assistant")


class AnthropicProvider:
    """Sends OpenAI-format chat requests to ``{base_url}/messages``; the key goes in ``x-api-key`` only."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        api_key: str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout_s: float = 60.0,
        max_connections: int = 8,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        sent = httpx.Headers({"User-Agent": "routecli", "anthropic-version": ANTHROPIC_VERSION})
        sent.update(headers or {})  # case-insensitive: "Anthropic-Version" replaces the default
        if api_key:
            sent["x-api-key"] = api_key
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
        """Send one chat request; ``ProviderError`` when it cannot be sent or no usable reply comes back.

        ``logprobs`` is accepted for the engine's sake and ignored: the API has none.
        """
        try:
            body = message_request(model, messages, params)
        except ValueError as error:
            raise ProviderError("request", f"cannot send to the Anthropic Messages API: {error}") from None
        return await self._endpoint.post(
            "messages", body, parse_message, lambda document: _usage(document.get("usage"))
        )

    async def aclose(self) -> None:
        await self._endpoint.aclose()


def message_request(model: str, messages: Sequence[Mapping[str, Any]], params: Mapping[str, Any]) -> dict[str, Any]:
    """The Messages API body for OpenAI-format ``messages`` and ``params``; ``ValueError`` for what it cannot carry."""
    body = {key: value for key, value in params.items() if key not in OPENAI_ONLY_PARAMS}
    limit = body.pop("max_completion_tokens", None)
    budget = _thinking_budget(body.get("thinking"))
    if body.get("max_tokens") is None:
        body["max_tokens"] = (DEFAULT_MAX_TOKENS + (budget or 0)) if limit is None else limit
    if budget is not None and isinstance(body["max_tokens"], int) and body["max_tokens"] <= budget:
        raise ValueError(f"max_tokens {body['max_tokens']} must exceed thinking.budget_tokens {budget}")
    stop = body.pop("stop", None)
    if stop is not None:
        body["stop_sequences"] = [stop] if isinstance(stop, str) else stop
    system, conversation = _split_messages(messages)
    if system:
        body["system"] = system
    return {**body, "model": model, "messages": conversation}


def _thinking_budget(thinking: Any) -> int | None:
    """The budget of enabled extended thinking, when it is a whole number; None otherwise (the API judges the rest)."""
    if not isinstance(thinking, Mapping) or thinking.get("type") != "enabled":
        return None
    budget = thinking.get("budget_tokens")
    return budget if isinstance(budget, int) and not isinstance(budget, bool) else None


def _split_messages(messages: Sequence[Mapping[str, Any]]) -> tuple[str | list[dict[str, Any]], list[dict[str, Any]]]:
    """The system prompt and the alternating user/assistant turns.

    The system prompt is text, or text blocks when one of them carries
    ``cache_control`` (which a plain string cannot).
    """
    system_blocks: list[dict[str, Any]] = []
    conversation: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        role = message.get("role")
        if role in _SYSTEM_ROLES:
            system_blocks.extend(_system_blocks(message.get("content"), index))
        elif role in _CONVERSATION_ROLES:
            if message.get("tool_calls") or message.get("function_call"):
                raise ValueError(f"message {index}: assistant tool calls are not supported")
            content = _content(message.get("content"), index)
            if conversation and conversation[-1]["role"] == role:
                previous = conversation[-1]
                previous["content"] = _as_blocks(previous["content"]) + _as_blocks(content)
            else:
                conversation.append({"role": role, "content": content})
        else:
            raise ValueError(f"message {index}: {role!r} messages are not supported (only system, user and assistant)")
    if any("cache_control" in block for block in system_blocks):
        return system_blocks, conversation
    return "\n\n".join(block["text"] for block in system_blocks), conversation


def _system_blocks(content: Any, index: int) -> list[dict[str, Any]]:
    """A system message's text blocks; the system prompt holds text only."""
    blocks = _as_blocks(_content(content, index))
    if any(block["type"] != "text" for block in blocks):
        raise ValueError(f"message {index}: a system message can only hold text")
    return blocks


def _as_blocks(content: str | list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"type": "text", "text": content}] if isinstance(content, str) else content


def _content(content: Any, index: int) -> str | list[dict[str, Any]]:
    """Message content in the Messages API's terms: a string as is, a list of parts as content blocks."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise ValueError(f"message {index}: content is {type(content).__name__}, not text or a list of parts")
    return [_block(part, index, part_index) for part_index, part in enumerate(content)]


def _block(part: Any, index: int, part_index: int) -> dict[str, Any]:
    """One OpenAI content part as a Messages API content block."""
    where = f"message {index} part {part_index}"
    kind = part.get("type") if isinstance(part, Mapping) else None
    if kind == "text" and isinstance(part.get("text"), str):
        block: dict[str, Any] = {"type": "text", "text": part["text"]}
        if "cache_control" in part:
            block["cache_control"] = part["cache_control"]
        return block
    if kind == "image_url":
        image = part.get("image_url")
        url = image.get("url") if isinstance(image, Mapping) else image
        if isinstance(url, str):
            return {"type": "image", "source": _image_source(url, where)}
        raise ValueError(f"{where}: an image_url part without a URL")
    raise ValueError(f"{where}: {kind!r} content parts are not supported (only text and image_url)")


def _image_source(url: str, where: str) -> dict[str, str]:
    """An image block's source: ``data:<type>;base64,<data>`` inline, an http(s) URL by reference."""
    if url.startswith(("https://", "http://")):
        return {"type": "url", "url": url}
    header, comma, data = url.partition(",")
    if url.startswith("data:") and comma and header.endswith(";base64"):
        return {"type": "base64", "media_type": header.removeprefix("data:").removesuffix(";base64"), "data": data}
    raise ValueError(f"{where}: an image URL must be a base64 data: URL or an http(s) URL")


def parse_message(document: Any, status: int = 200) -> Completion:
    """The text, usage and stop reason of a Messages API reply; ``ValueError`` naming what is wrong.

    The text is that of the ``text`` blocks, joined; other blocks (thinking,
    tool use) are skipped.
    """
    content = document.get("content") if isinstance(document, Mapping) else None
    if not isinstance(content, list):
        raise ValueError("no content list in the response")
    pieces = []
    for block in content:
        if not isinstance(block, Mapping):
            raise ValueError("a content block is not an object")
        if block.get("type") == "text":
            text = block.get("text")
            if not isinstance(text, str):
                raise ValueError("a text block has no text")
            pieces.append(text)
    return Completion("".join(pieces), _usage(document.get("usage")), None, status)


def _usage(reported: Any) -> Usage | None:
    """Usage with ``input_tokens`` the whole prompt, cache reads and writes included.

    The API counts them apart: its ``input_tokens`` are only the tokens
    neither read from nor written to the cache, and the request's input is
    the sum of all three. Missing cache counts are 0; a count that is there
    but not a whole number makes the usage None (the engine then estimates,
    and says so) rather than under-billing.
    """
    if not isinstance(reported, Mapping):
        return None
    plain, output = token_count(reported.get("input_tokens")), token_count(reported.get("output_tokens"))
    read, written = (
        _cache_count(reported.get(key)) for key in ("cache_read_input_tokens", "cache_creation_input_tokens")
    )
    if plain is None or output is None or read is None or written is None:
        return None
    return Usage(plain + read + written, output, read, written)


def _cache_count(value: Any) -> int | None:
    """A cache count: 0 when not reported (requests without caching, older API versions)."""
    return 0 if value is None else token_count(value)
