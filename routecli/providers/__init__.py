"""Providers: the HTTP edge that sends one chat request and reads one reply.

Everything above this package sees ``Completion`` and ``ProviderError`` only,
whatever API a tier speaks.
"""

from __future__ import annotations

from typing import NamedTuple

from routecli.errors import RouteCliError

__all__ = ["Completion", "ProviderError", "Usage"]


class Usage(NamedTuple):
    """Token counts as the API reported them; ``cached_tokens`` are part of ``input_tokens``."""

    input_tokens: int
    output_tokens: int
    cached_tokens: int = 0


class Completion(NamedTuple):
    """One reply: text, usage when the API gave it, token logprobs when asked for."""

    text: str
    usage: Usage | None
    logprobs: tuple[float, ...] | None
    status: int
    finish_reason: str | None = None


class ProviderError(RouteCliError):
    """A request that got no usable reply: ``kind`` is timeout, connect, http or malformed."""

    def __init__(self, kind: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status
