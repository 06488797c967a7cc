"""LiteLLM's StandardLoggingPayload: the JSON lines its bucket loggers (S3, GCS) and custom callbacks write.

One object per request: ``model`` (the deployment's model, the one billed),
``model_group`` (the name the caller asked for, kept in metadata for
segmenting), ``custom_llm_provider``, ``prompt_tokens`` (the whole prompt, cached
tokens included), ``completion_tokens`` (reasoning included), ``response_cost``
(USD), ``startTime``/``endTime`` (epoch seconds), ``messages``, ``metadata``,
``status`` and ``error_information``. Cached, cache-written and reasoning tokens
come from ``metadata.usage_object``, the provider's usage as LiteLLM returned it.
The API keys of ``metadata`` (``user_api_key``, ``user_api_key_hash``) are never copied; the key's alias,
team and user ids are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from routecli.analyze.formats import Row
from routecli.analyze.formats._fields import (
    Where,
    chat_messages,
    dotted,
    flag,
    integer,
    json_cell,
    latency_ms,
    money,
    public_metadata,
    text,
    timestamp,
)
from routecli.analyze.records import LogRecord

__all__ = ["DESCRIPTION", "NAME", "READ_ELSEWHERE", "UsageDetails", "failure", "record", "sniff", "usage_details"]

NAME = "litellm"
DESCRIPTION = "LiteLLM StandardLoggingPayload JSON lines (its S3/GCS bucket loggers)"

READ_ELSEWHERE = ("usage_object", "error_information")
"""``metadata`` keys read into the record's own fields, not copied into its metadata."""
_CACHED = ("prompt_tokens_details.cached_tokens", "cache_read_input_tokens")
_CACHE_WRITE = ("cache_creation_input_tokens", "prompt_tokens_details.cache_creation_tokens")
_REASONING = ("completion_tokens_details.reasoning_tokens",)


def sniff(row: Mapping[str, Any]) -> bool:
    return "response_cost" in row and "startTime" in row and "spend" not in row


class UsageDetails:
    """The parts of ``usage_object`` the token rules need (0 where the provider reported none)."""

    __slots__ = ("cache_write", "cached", "reasoning")

    def __init__(self, cached: int, cache_write: int, reasoning: int) -> None:
        self.cached = cached
        self.cache_write = cache_write
        self.reasoning = reasoning


def _first(usage: Mapping[str, Any], paths: tuple[str, ...], where: Where, field: str) -> int:
    for path in paths:
        value = integer(dotted(usage, path), where, f"{field}.{path}")
        if value is not None:
            return value
    return 0


def usage_details(usage: object, where: Where, field: str) -> UsageDetails:
    """Cached, cache-written and reasoning tokens from a LiteLLM ``usage_object`` (OpenAI's and Anthropic's names)."""
    if not isinstance(usage, Mapping):
        return UsageDetails(0, 0, 0)
    return UsageDetails(
        cached=_first(usage, _CACHED, where, field),
        cache_write=_first(usage, _CACHE_WRITE, where, field),
        reasoning=_first(usage, _REASONING, where, field),
    )


def failure(status: object, error_information: object) -> str | None:
    """Why a LiteLLM request failed: ``http CODE`` or the error's class, never ``error_str`` (it may quote the
    prompt); ``None`` for a success."""
    if text(status) in (None, "success"):
        return None
    if isinstance(error_information, Mapping):
        code = text(error_information.get("error_code"))
        if code:
            return f"http {code}" if code.isdigit() else code
        error_class = text(error_information.get("error_class"))
        if error_class:
            return error_class
    return "error"


def record(source: str, row: Row) -> LogRecord:
    data = row.data
    where = Where(source, row.line)
    metadata = json_cell(data.get("metadata"), where, "metadata")
    usage = dotted(metadata, "usage_object")
    details = usage_details(usage, where, "metadata.usage_object")
    start = timestamp(data.get("startTime"), where, "startTime")
    end = timestamp(data.get("endTime"), where, "endTime")
    output_tokens = integer(data.get("completion_tokens"), where, "completion_tokens") or 0
    return LogRecord(
        source=source,
        line=row.line,
        model=text(data.get("model")),
        start=start,
        end=end,
        input_tokens=integer(data.get("prompt_tokens"), where, "prompt_tokens") or 0,
        cached_tokens=details.cached,
        cache_write_tokens=details.cache_write,
        output_tokens=output_tokens,
        reasoning_tokens=details.reasoning,
        cost=money(data.get("response_cost"), where, "response_cost"),
        latency_ms=latency_ms(start, end),
        error=failure(data.get("status"), data.get("error_information")),
        provider=text(data.get("custom_llm_provider")),
        messages=chat_messages(json_cell(data.get("messages"), where, "messages")),
        id=text(data.get("id")),
        metadata=public_metadata(
            metadata,
            drop=READ_ELSEWHERE,
            model_group=text(data.get("model_group")),
            cache_hit=True if flag(data.get("cache_hit")) else None,
        ),
        cache_hit=flag(data.get("cache_hit")),
    )
