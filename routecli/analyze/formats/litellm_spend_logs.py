"""LiteLLM's ``LiteLLM_SpendLogs`` table exported to CSV or JSON (the proxy's Postgres, or ``/spend/logs``).

One row per request: ``request_id``, ``model`` (the deployment's model, billed),
``model_group``, ``custom_llm_provider``, ``prompt_tokens``, ``completion_tokens``,
``spend`` (USD), ``startTime``/``endTime`` (timestamps), ``request_duration_ms``,
``status``, ``cache_hit`` and ``metadata`` (JSON, a string in a CSV cell) whose
``usage_object`` holds cached, cache-written and reasoning tokens and whose
``error_information`` says why a request failed. ``api_key`` (a hash of the
virtual key) and ``metadata.user_api_key`` (and
``…_key_hash``) are never copied; the key's alias, team and user ids are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from routecli.analyze.formats import Row
from routecli.analyze.formats._fields import (
    Where,
    chat_messages,
    flag,
    integer,
    json_cell,
    latency_ms,
    money,
    number,
    public_metadata,
    text,
    timestamp,
)
from routecli.analyze.formats.litellm import READ_ELSEWHERE, failure, usage_details
from routecli.analyze.records import LogRecord

__all__ = ["DESCRIPTION", "NAME", "record", "sniff"]

NAME = "litellm-spend-logs"
DESCRIPTION = "LiteLLM's LiteLLM_SpendLogs table exported to CSV or JSON"


def sniff(row: Mapping[str, Any]) -> bool:
    return "request_id" in row and "spend" in row and "startTime" in row


def record(source: str, row: Row) -> LogRecord:
    data = row.data
    where = Where(source, row.line)
    metadata = json_cell(data.get("metadata"), where, "metadata")
    if metadata is not None and not isinstance(metadata, Mapping):
        raise where.error("metadata", "a JSON object", metadata)
    details = usage_details(metadata and metadata.get("usage_object"), where, "metadata.usage_object")
    start = timestamp(data.get("startTime"), where, "startTime")
    end = timestamp(data.get("endTime"), where, "endTime")
    duration = number(data.get("request_duration_ms"), where, "request_duration_ms")
    return LogRecord(
        source=source,
        line=row.line,
        model=text(data.get("model")),
        start=start,
        end=end,
        input_tokens=integer(data.get("prompt_tokens"), where, "prompt_tokens") or 0,
        cached_tokens=details.cached,
        cache_write_tokens=details.cache_write,
        output_tokens=integer(data.get("completion_tokens"), where, "completion_tokens") or 0,
        reasoning_tokens=details.reasoning,
        cost=money(data.get("spend"), where, "spend"),
        latency_ms=duration if duration is not None else latency_ms(start, end),
        error=failure(data.get("status"), metadata and metadata.get("error_information")),
        provider=text(data.get("custom_llm_provider")),
        messages=chat_messages(json_cell(data.get("messages"), where, "messages")),
        id=text(data.get("request_id")),
        metadata=public_metadata(
            metadata,
            drop=READ_ELSEWHERE,
            model_group=text(data.get("model_group")),
            cache_hit=True if flag(data.get("cache_hit")) else None,
        ),
        cache_hit=flag(data.get("cache_hit")),
    )
