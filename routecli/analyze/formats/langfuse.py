"""Langfuse observation exports: the public API's camelCase JSON and the blob-storage export's snake_case rows.

Both spellings of each field are read: ``providedModelName``/``provided_model_name``
(else ``model``), ``usageDetails``/``usage_details``, ``costDetails``/``cost_details``,
``startTime``/``start_time``, ``endTime``/``end_time``, ``input``, ``type``,
``level`` and ``metadata``; in a CSV export the objects are JSON text in a cell.
Only ``GENERATION`` observations are requests: spans, events and the rest are
skipped (``None``).

Langfuse's usage keys are disjoint parts that add up to ``total`` (its own rule:
every key containing ``input`` is input, every key containing ``output`` is
output), so the whole prompt is the sum of the input keys, cached tokens are the
keys naming a cache read (``input_cached_tokens``, ``cache_read_input_tokens``),
cache writes those naming a cache creation, and reasoning the output keys naming
reasoning (``output_reasoning_tokens``). The Langfuse SDKs build these keys so: a
provider's token details become ``input_*``/``output_*`` keys and are taken off
``input``/``output``; only the per-modality keys (``input_modality_TEXT``)
split tokens counted elsewhere, and are not added.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from routecli.analyze.formats import Row
from routecli.analyze.formats._fields import (
    Where,
    chat_messages,
    integer,
    json_cell,
    latency_ms,
    money,
    public_metadata,
    text,
    timestamp,
)
from routecli.analyze.records import LogRecord

__all__ = ["DESCRIPTION", "NAME", "record", "sniff"]

NAME = "langfuse"
DESCRIPTION = "Langfuse observation exports (API camelCase or blob-export snake_case; CSV, JSON, JSONL)"

_GENERATION = "GENERATION"
_ERROR_LEVEL = "ERROR"
_MARKS = ("providedModelName", "provided_model_name", "usageDetails", "usage_details")
_CACHED = ("cache_read", "cached")
_CACHE_WRITE = ("cache_creation", "cache_write")
_BREAKDOWN = "modality"
"""``input_modality_TEXT`` and the like split tokens already counted (Gemini's per-modality details): not added."""


def sniff(row: Mapping[str, Any]) -> bool:
    return any(mark in row for mark in _MARKS)


def _field(data: Mapping[str, Any], camel: str, snake: str) -> tuple[Any, str]:
    """A field's value in whichever spelling the row has, and that spelling (for error messages)."""
    if camel in data:
        return data[camel], camel
    return data.get(snake), snake


def _object(data: Mapping[str, Any], camel: str, snake: str, where: Where) -> Mapping[str, Any]:
    value, name = _field(data, camel, snake)
    value = json_cell(value, where, name)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise where.error(name, "a JSON object", value)
    return value


def _cost(details: Mapping[str, Any], data: Mapping[str, Any], where: Where, field: str) -> Decimal | None:
    """``costDetails.total``, else the sum of its parts, else the observation's ``totalCost``."""
    if "total" in details:
        return money(details["total"], where, f"{field}.total")
    parts = [money(value, where, f"{field}.{key}") for key, value in details.items()]
    amounts = [part for part in parts if part is not None]
    if amounts:
        return sum(amounts, Decimal(0))
    value, name = _field(data, "totalCost", "total_cost")
    return money(value, where, name)


def record(source: str, row: Row) -> LogRecord | None:
    data = row.data
    kind = text(_field(data, "type", "type")[0])
    if kind is not None and kind.upper() != _GENERATION:
        return None
    where = Where(source, row.line)
    usage = _object(data, "usageDetails", "usage_details", where)
    usage_field = "usageDetails" if "usageDetails" in data else "usage_details"
    input_tokens = cached = cache_write = output_tokens = reasoning = 0
    for key, value in usage.items():
        count = integer(value, where, f"{usage_field}.{key}") or 0
        name = str(key).lower()
        if _BREAKDOWN in name:
            continue
        if "input" in name:
            input_tokens += count
            cached += count if any(mark in name for mark in _CACHED) else 0
            cache_write += count if any(mark in name for mark in _CACHE_WRITE) else 0
        elif "output" in name:
            output_tokens += count
            reasoning += count if "reasoning" in name else 0
    cost_field = "costDetails" if "costDetails" in data else "cost_details"
    costs = _object(data, "costDetails", "cost_details", where)
    start_value, start_field = _field(data, "startTime", "start_time")
    end_value, end_field = _field(data, "endTime", "end_time")
    start = timestamp(start_value, where, start_field)
    end = timestamp(end_value, where, end_field)
    model = text(_field(data, "providedModelName", "provided_model_name")[0]) or text(data.get("model"))
    metadata = json_cell(data.get("metadata"), where, "metadata")
    return LogRecord(
        source=source,
        line=row.line,
        model=model,
        start=start,
        end=end,
        input_tokens=input_tokens,
        cached_tokens=cached,
        cache_write_tokens=cache_write,
        output_tokens=output_tokens,
        reasoning_tokens=reasoning,
        cost=_cost(costs, data, where, cost_field),
        latency_ms=latency_ms(start, end),
        error="error" if text(data.get("level")) == _ERROR_LEVEL else None,
        messages=chat_messages(json_cell(data.get("input"), where, "input")),
        id=text(data.get("id")),
        metadata=public_metadata(metadata, name=text(data.get("name")), environment=text(data.get("environment"))),
    )
