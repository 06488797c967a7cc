"""Helicone request exports (``npx @helicone/export``, the request API), CSV or JSON: one ``HeliconeRequest`` a row.

Read: ``request_id``, ``request_created_at`` and ``response_created_at``,
``model`` (else ``response_model``, else ``request_model``), ``provider``,
``prompt_tokens``, ``completion_tokens``, ``reasoning_tokens``,
``prompt_cache_read_tokens``, ``prompt_cache_write_tokens``, ``delay_ms`` (or
``latency``, milliseconds), ``cost`` (or the older ``costUSD``, or ``cost_usd``;
USD), ``response_status``, ``properties`` (or ``request_properties``) and the
``request_body``'s messages (exported with ``--include-body``).

Helicone counts a request's tokens in disjoint columns: its API adds
``prompt_tokens + completion_tokens + reasoning_tokens`` for a total, and prices
prompt tokens, cache reads and cache writes each at its own rate. So the whole
prompt is prompt + cache read + cache write, and every billed output token is
completion + reasoning.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from routecli.analyze.formats import Row
from routecli.analyze.formats._fields import (
    Where,
    chat_messages,
    integer,
    json_cell,
    latency_ms,
    money,
    number,
    public_metadata,
    text,
    timestamp,
)
from routecli.analyze.records import LogRecord

__all__ = ["DESCRIPTION", "NAME", "record", "sniff"]

NAME = "helicone"
DESCRIPTION = "Helicone request exports (CSV or JSON)"

_COSTS = ("cost", "costUSD", "cost_usd")
_LATENCIES = ("delay_ms", "latency")
_MODELS = ("model", "response_model", "request_model")
_PROPERTIES = ("properties", "request_properties")


def sniff(row: Mapping[str, Any]) -> bool:
    return "request_created_at" in row


def _first_present(data: Mapping[str, Any], names: tuple[str, ...]) -> tuple[Any, str]:
    for name in names:
        if text(data.get(name)) is not None:
            return data[name], name
    return None, names[0]


def _failure(status: object, where: Where) -> str | None:
    """``http CODE`` for a status outside 2xx and 3xx; Helicone writes 0 or -1 for a request that never answered."""
    if text(status) is None:
        return None
    try:
        code = int(str(status).strip())
    except ValueError:
        raise where.error("response_status", "an HTTP status", status) from None
    if 200 <= code < 400:
        return None
    return f"http {code}" if code > 0 else "error"


def record(source: str, row: Row) -> LogRecord:
    data = row.data
    where = Where(source, row.line)
    start = timestamp(data.get("request_created_at"), where, "request_created_at")
    end = timestamp(data.get("response_created_at"), where, "response_created_at")
    cached = integer(data.get("prompt_cache_read_tokens"), where, "prompt_cache_read_tokens") or 0
    cache_write = integer(data.get("prompt_cache_write_tokens"), where, "prompt_cache_write_tokens") or 0
    prompt = integer(data.get("prompt_tokens"), where, "prompt_tokens") or 0
    reasoning = integer(data.get("reasoning_tokens"), where, "reasoning_tokens") or 0
    latency_value, latency_field = _first_present(data, _LATENCIES)
    latency = number(latency_value, where, latency_field)
    cost_value, cost_field = _first_present(data, _COSTS)
    properties_value, properties_field = _first_present(data, _PROPERTIES)
    body = json_cell(data.get("request_body"), where, "request_body")
    return LogRecord(
        source=source,
        line=row.line,
        model=text(_first_present(data, _MODELS)[0]),
        start=start,
        end=end,
        input_tokens=prompt + cached + cache_write,
        cached_tokens=cached,
        cache_write_tokens=cache_write,
        output_tokens=(integer(data.get("completion_tokens"), where, "completion_tokens") or 0) + reasoning,
        reasoning_tokens=reasoning,
        cost=money(cost_value, where, cost_field),
        latency_ms=latency if latency is not None else latency_ms(start, end),
        error=_failure(data.get("response_status"), where),
        provider=text(data.get("provider")),
        messages=chat_messages(body) if isinstance(body, Mapping) else None,
        id=text(data.get("request_id")),
        metadata=public_metadata(json_cell(properties_value, where, properties_field)),
    )
