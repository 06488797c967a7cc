"""OpenTelemetry GenAI spans as OTLP JSON: a collector's file exporter, or any ``ExportTraceServiceRequest``.

A document (or each JSON line of an OTLP JSONL file) is
``{"resourceSpans": [{"resource", "scopeSpans": [{"scope", "spans": […]}]}]}``;
``expand`` makes one row per span. A span's attributes are a list of
``{"key", "value": {"stringValue" | "intValue" | "doubleValue" | …}}`` (OTLP JSON
writes 64-bit integers as strings). Read, per the GenAI semantic conventions:
``gen_ai.response.model`` (else ``gen_ai.request.model``) as the billed model,
``gen_ai.usage.input_tokens`` and ``gen_ai.usage.output_tokens`` (or the older
``gen_ai.usage.prompt_tokens``/``completion_tokens``), which include
``gen_ai.usage.cache_read.input_tokens``, ``gen_ai.usage.cache_creation.input_tokens``
and ``gen_ai.usage.reasoning.output_tokens``; ``gen_ai.provider.name`` (else
``gen_ai.system``); ``gen_ai.input.messages``; ``startTimeUnixNano``,
``endTimeUnixNano``; ``status.code`` (2 is an error, told by ``error.type``).

Spans that are no model call are skipped (``None``): those with no ``gen_ai.``
attribute or no model, and the agent and tool spans (``invoke_agent``,
``create_agent``, ``execute_tool``), whose usage would count their calls twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from routecli.analyze.formats import Row
from routecli.analyze.formats._fields import Where, integer, latency_ms, text
from routecli.analyze.records import LogRecord, Message

__all__ = ["DESCRIPTION", "NAME", "expand", "record", "sniff"]

NAME = "otel"
DESCRIPTION = "OpenTelemetry GenAI spans as OTLP JSON (a document, or JSON lines of them)"

_RESOURCE = "resource"
"""The key ``expand`` adds to a span's row: its resource, for ``service.name``."""
_NOT_CALLS = frozenset({"invoke_agent", "create_agent", "execute_tool"})
_ERROR_CODES = frozenset({2, "2", "STATUS_CODE_ERROR"})
_INPUT = ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens")
_OUTPUT = ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens")
_CACHED = ("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens")
_CACHE_WRITE = ("gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens")
_REASONING = "gen_ai.usage.reasoning.output_tokens"
_NANOSECONDS = 1_000_000_000


def sniff(row: Mapping[str, Any]) -> bool:
    return "resourceSpans" in row


def expand(row: Row) -> Iterator[Row]:
    """One row per span, each carrying its resource; all keep the document's line."""
    for resource_spans in row.data.get("resourceSpans") or ():
        resource = resource_spans.get(_RESOURCE) or {}
        for scope_spans in resource_spans.get("scopeSpans") or ():
            for span in scope_spans.get("spans") or ():
                yield Row(row.line, {**span, _RESOURCE: resource})


def _value(value: Any) -> Any:
    """An OTLP ``AnyValue`` as Python: ``{"intValue": "12"}`` is ``"12"`` (read as a count later)."""
    if not isinstance(value, Mapping):
        return None
    for kind in ("stringValue", "intValue", "doubleValue", "boolValue", "bytesValue"):
        if kind in value:
            return value[kind]
    if "arrayValue" in value:
        return [_value(item) for item in (value["arrayValue"].get("values") or ())]
    if "kvlistValue" in value:
        return _attributes(value["kvlistValue"].get("values"))
    return None


def _attributes(items: object) -> dict[str, Any]:
    if not isinstance(items, list):
        return {}
    return {str(item.get("key")): _value(item.get("value")) for item in items if isinstance(item, Mapping)}


def _first(attributes: Mapping[str, Any], keys: tuple[str, ...], where: Where) -> int:
    for key in keys:
        count = integer(attributes.get(key), where, key)
        if count is not None:
            return count
    return 0


def _nanoseconds(value: object, where: Where, field: str) -> float | None:
    """Seconds from a count of nanoseconds, split first so that no digit of the whole seconds is lost to a float."""
    count = integer(value, where, field)
    if not count:
        return None
    whole, fraction = divmod(count, _NANOSECONDS)
    return whole + fraction / _NANOSECONDS


def _messages(value: object) -> list[Message] | None:
    """``gen_ai.input.messages`` (JSON text: ``[{"role", "parts": [{"type": "text", "content"}]}]``) as chat
    messages; ``None`` where the span holds no text."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if not isinstance(value, list):
        return None
    messages: list[Message] = []
    for message in value:
        if not isinstance(message, Mapping):
            return None
        content = message.get("content")
        if content is None and isinstance(message.get("parts"), list):
            content = "".join(
                str(part.get("content", ""))
                for part in message["parts"]
                if isinstance(part, Mapping) and part.get("type") == "text"
            )
        messages.append({"role": message.get("role"), "content": content})
    return messages or None


def _indexed_prompt(attributes: Mapping[str, Any]) -> list[Message] | None:
    """The older ``gen_ai.prompt.N.role`` / ``gen_ai.prompt.N.content`` attributes (OpenLLMetry) as chat messages."""
    messages: list[Message] = []
    while f"gen_ai.prompt.{len(messages)}.content" in attributes or f"gen_ai.prompt.{len(messages)}.role" in attributes:
        index = len(messages)
        role = attributes.get(f"gen_ai.prompt.{index}.role")
        messages.append({"role": role, "content": attributes.get(f"gen_ai.prompt.{index}.content")})
    return messages or None


def _failure(status: object, attributes: Mapping[str, Any]) -> str | None:
    if not isinstance(status, Mapping) or status.get("code") not in _ERROR_CODES:
        return None
    kind = text(attributes.get("error.type"))
    if kind is None:
        return "error"
    return f"http {kind}" if kind.isdigit() else kind


def record(source: str, row: Row) -> LogRecord | None:
    data = row.data
    attributes = _attributes(data.get("attributes"))
    if not any(key.startswith("gen_ai.") for key in attributes):
        return None
    if text(attributes.get("gen_ai.operation.name")) in _NOT_CALLS:
        return None
    model = text(attributes.get("gen_ai.response.model")) or text(attributes.get("gen_ai.request.model"))
    if model is None:
        return None
    where = Where(source, row.line)
    start = _nanoseconds(data.get("startTimeUnixNano"), where, "startTimeUnixNano")
    end = _nanoseconds(data.get("endTimeUnixNano"), where, "endTimeUnixNano")
    resource = data.get(_RESOURCE)
    service = _attributes(resource.get("attributes")).get("service.name") if isinstance(resource, Mapping) else None
    metadata = {
        key: value
        for key, value in (
            ("trace_id", text(data.get("traceId"))),
            ("span_name", text(data.get("name"))),
            ("operation", text(attributes.get("gen_ai.operation.name"))),
            ("service", text(service)),
        )
        if value is not None
    }
    return LogRecord(
        source=source,
        line=row.line,
        model=model,
        start=start,
        end=end,
        input_tokens=_first(attributes, _INPUT, where),
        cached_tokens=_first(attributes, _CACHED, where),
        cache_write_tokens=_first(attributes, _CACHE_WRITE, where),
        output_tokens=_first(attributes, _OUTPUT, where),
        reasoning_tokens=_first(attributes, (_REASONING,), where),
        latency_ms=latency_ms(start, end),
        error=_failure(data.get("status"), attributes),
        provider=text(attributes.get("gen_ai.provider.name")) or text(attributes.get("gen_ai.system")),
        messages=_messages(attributes.get("gen_ai.input.messages")) or _indexed_prompt(attributes),
        id=text(attributes.get("gen_ai.response.id")) or text(data.get("spanId")),
        metadata=metadata or None,
    )
