"""One logged LLM request, whatever tool wrote it: the row every log reader yields and the analysis reads.

Pure: no I/O. Token counts follow the providers' billing: ``input_tokens`` is the
whole prompt, cached and cache-written tokens included (Anthropic's three input
fields added), ``output_tokens`` is every billed output token, reasoning included
(OpenAI's ``completion_tokens``; Anthropic's ``output_tokens``), and
``reasoning_tokens`` is the part of it the model spent thinking.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from routecli.errors import InvalidValueError

__all__ = ["LogRecord", "Message", "checked", "prompt_text"]

Message = Mapping[str, Any]
"""A chat message as sent: ``{"role": …, "content": …}`` (content a string or a list of parts)."""


class LogRecord(NamedTuple):
    """One request as a log recorded it. A NamedTuple: a million of them build fast."""

    source: str
    """The file it came from, as given on the command line."""
    line: int
    """Its line (JSON Lines), row (CSV, Parquet, counting the header as line 1 in CSV) or item (JSON array, from 1)."""
    model: str | None
    """The model as billed: the response's model where the log has it, else the requested one."""
    start: float | None = None
    """When the request started (or was created), seconds since the epoch, UTC."""
    end: float | None = None
    """When it finished; ``None`` when the log has no end time."""
    input_tokens: int = 0
    cached_tokens: int = 0
    """Input tokens read from a prompt cache (OpenAI ``cached_tokens``, Anthropic ``cache_read_input_tokens``)."""
    cache_write_tokens: int = 0
    """Input tokens written to a prompt cache (Anthropic ``cache_creation_input_tokens``)."""
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cost: Decimal | None = None
    """The spend the log recorded for this request, in USD; ``None`` when it has none."""
    latency_ms: float | None = None
    """As logged, else ``end - start``."""
    error: str | None = None
    """Why the request failed (``"http 500"``, ``"error"``), ``None`` when it succeeded."""
    provider: str | None = None
    """The provider as logged (LiteLLM's ``custom_llm_provider``, OTel's ``gen_ai.system``)."""
    messages: Sequence[Message] | None = None
    """The prompt as sent, where the log holds it; ``None`` otherwise."""
    id: str | None = None
    """The request's id in the log (``custom_id``, a response id, a trace id)."""
    expected: str | None = None
    """An expected answer, where a dataset read with ``--map expected=…`` has one."""
    metadata: Mapping[str, Any] | None = None
    """The log's own metadata (LiteLLM ``metadata``, a prompt file's ``metadata``): what ``--segment-by metadata.KEY``
    reads."""
    service_tier: str | None = None
    """How it was billed when not at standard prices: ``"batch"`` (an OpenAI Batch output row), ``"flex"`` or
    ``"priority"`` (an OpenAI response's ``service_tier``); ``None`` for standard."""
    cache_write_1h_tokens: int = 0
    """The part of ``cache_write_tokens`` written to a cache kept for an hour (Anthropic
    ``cache_creation.ephemeral_1h_input_tokens``), billed at the model's ``cache_write_1h`` price."""
    cache_hit: bool = False
    """Served from LiteLLM's own response cache: no provider call was made, nothing billed."""

    @property
    def has_text(self) -> bool:
        return bool(self.messages)


def checked(record: LogRecord | None) -> LogRecord | None:
    """``record`` if its counts agree with each other, else ``InvalidValueError`` naming the field: counts that
    contradict (more cached than input tokens, more reasoning than output tokens) would price as negative spend.
    Negative counts never get this far: every format reads counts as whole numbers of 0 or more.

    The messages are fixed (no numbers) so that ``--skip-invalid`` counts rows by them.
    """
    if record is None:
        return None
    tokens_in, cached, written = record.input_tokens, record.cached_tokens, record.cache_write_tokens
    if cached + written > tokens_in:
        raise InvalidValueError(
            "cached and cache-written tokens add up to more than the input tokens (which include them)",
            path=("cached_tokens",),
        )
    if record.cache_write_1h_tokens > written:
        raise InvalidValueError(
            "more 1-hour cache-write tokens than cache-write tokens (which include them)",
            path=("cache_write_1h_tokens",),
        )
    if record.reasoning_tokens > record.output_tokens:
        raise InvalidValueError(
            "more reasoning tokens than output tokens (which include them)", path=("reasoning_tokens",)
        )
    return record


def prompt_text(messages: Sequence[Message]) -> str:
    """The messages as one text, role by role: what repeats and shared prefixes are measured on.

    Content given as a list of parts keeps its text parts only (images and files have no text to compare).
    """
    parts = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            content = "".join(str(part.get("text", "")) if isinstance(part, Mapping) else str(part) for part in content)
        parts.append(f"{message.get('role', '')}: {'' if content is None else content}")
    return "\n".join(parts)
