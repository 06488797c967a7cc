"""Providers: the HTTP edge that sends one chat request and reads one reply.

Everything above this package sees ``Completion`` and ``ProviderError`` only,
whatever API a tier speaks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from routecli.errors import RouteCliError

__all__ = ["BatchPoll", "BatchRequest", "Completion", "ProviderError", "Usage", "reasoning_params"]


class Usage(NamedTuple):
    """Token counts as the API reported them.

    ``cached_tokens`` (read from the prompt cache) and ``cache_write_tokens``
    (written to it) are parts of ``input_tokens``, priced at their own rates;
    ``reasoning_tokens`` (OpenAI's hidden reasoning) are part of ``output_tokens``,
    billed as output (at the model's own reasoning price where its table has one).
    Anthropic counts thinking in its output tokens and gives no separate count: 0 there.
    """

    input_tokens: int
    output_tokens: int
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0


class Completion(NamedTuple):
    """One reply: text, usage when the API gave it, token logprobs when asked for."""

    text: str
    usage: Usage | None
    logprobs: tuple[float, ...] | None
    status: int


class ProviderError(RouteCliError):
    """A request that got no usable reply: ``kind`` is timeout, connect, http, context_length or malformed."""

    def __init__(
        self,
        kind: str,
        message: str,
        status: int | None = None,
        retry_after: str | None = None,
        usage: Usage | None = None,
        unreachable: str | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.retry_after = retry_after
        """The reply's Retry-After header, as sent (seconds or an HTTP-date)."""
        self.usage = usage
        """What a reply that could not be used still reported it billed (a 200 whose answer is malformed)."""
        self.unreachable = unreachable
        """Why no connection could be made at all (``connection refused``, ``host not found``); None when one was."""


class BatchRequest(NamedTuple):
    """One request of a batch, in the chat format the rest of routecli speaks; ``custom_id`` names its result."""

    custom_id: str
    messages: Sequence[Mapping[str, Any]]
    params: Mapping[str, Any]
    logprobs: bool = False


class BatchPoll(NamedTuple):
    """A batch as its provider last described it: ``status`` in the provider's words, and where its results are.

    ``files`` are OpenAI's output and error file ids, or Anthropic's results URL (the ones it has).
    """

    id: str
    status: str
    ended: bool
    files: tuple[str, ...] = ()
    error: str | None = None
    """Why the provider failed the whole batch (OpenAI's ``errors``), when it did."""


def reasoning_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` as OpenAI's reasoning models (gpt-5 family, o-series) take them, which refuse the others with 400.

    ``max_tokens`` becomes ``max_completion_tokens`` (a limit that counts the
    reasoning too; one given already wins), ``temperature`` is left out unless
    it is 1, and so are ``logprobs`` and ``top_logprobs``.
    """
    body = {key: value for key, value in params.items() if key not in ("max_tokens", "logprobs", "top_logprobs")}
    if params.get("temperature") is not None and params["temperature"] != 1:
        del body["temperature"]
    limit = params.get("max_tokens")
    if limit is not None and body.get("max_completion_tokens") is None:
        body["max_completion_tokens"] = limit
    return body
