"""Anthropic Messages API responses, one per line, alone or as ``{"request": …, "response": …}`` pairs.

Pure. Input is the whole prompt: ``usage.input_tokens`` (after the last cache
breakpoint) + ``cache_read_input_tokens`` + ``cache_creation_input_tokens``;
output is ``usage.output_tokens`` (thinking included, as billed);
``usage.cache_creation.ephemeral_1h_input_tokens`` is the part of the cache writes
kept for an hour (billed at the 1-hour write price). A pair's
request gives the messages sent, its ``system`` prompt first as a system
message. A pair whose response is ``{"type": "error"}`` is a failed request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from routecli.analyze.formats import Row
from routecli.analyze.formats._values import count, dig, messages, text
from routecli.analyze.records import LogRecord, Message
from routecli.errors import InvalidValueError

__all__ = ["DESCRIPTION", "NAME", "TOKEN_FIELDS", "record", "sniff"]

NAME = "anthropic"
DESCRIPTION = 'Anthropic Messages API responses, alone or as {"request", "response"} pairs'
TOKEN_FIELDS = ("usage.input_tokens", "usage.output_tokens")
"""Where the counts are: a row with neither, read as this format by name, is another format's."""


def _is_message(body: Any) -> bool:
    return isinstance(body, dict) and body.get("type") == "message" and isinstance(body.get("usage"), dict)


def sniff(data: Mapping[str, Any]) -> bool:
    if "request" in data and "response" in data:
        return _is_message(data["response"])
    return _is_message(data)


def record(source: str, row: Row) -> LogRecord:
    data = row.data
    where: tuple[str, ...] = ()
    asked_model = None
    sent = None
    body: Any = data
    if "request" in data and "response" in data:
        request = data["request"]
        if not isinstance(request, dict):
            raise InvalidValueError("expected the request as an object", path=("request",))
        asked_model = text(dig(request, ("model",)), ("request", "model"))
        sent = _sent(request)
        body, where = data["response"], ("response",)
    if not isinstance(body, dict):
        raise InvalidValueError("expected a Messages API response (an object)", path=where)
    model = text(dig(body, ("model",)), (*where, "model")) or asked_model
    request_id = text(dig(body, ("id",)), (*where, "id"))
    if body.get("type") == "error":
        kind = dig(body, ("error", "type"))
        error = kind if isinstance(kind, str) and kind else "error"
        return LogRecord(source, row.line, model, error=error, provider="anthropic", messages=sent, id=request_id)
    usage = body.get("usage")
    if not isinstance(usage, dict):
        raise InvalidValueError("missing the token usage (an object)", path=(*where, "usage"))
    cached = count(usage.get("cache_read_input_tokens"), (*where, "usage", "cache_read_input_tokens"))
    written = count(usage.get("cache_creation_input_tokens"), (*where, "usage", "cache_creation_input_tokens"))
    split = usage.get("cache_creation")
    hour = "ephemeral_1h_input_tokens"
    written_1h = count(split.get(hour), (*where, "usage", "cache_creation", hour)) if isinstance(split, dict) else 0
    return LogRecord(
        source,
        row.line,
        model,
        input_tokens=count(usage.get("input_tokens"), (*where, "usage", "input_tokens")) + cached + written,
        cached_tokens=cached,
        cache_write_tokens=written,
        output_tokens=count(usage.get("output_tokens"), (*where, "usage", "output_tokens")),
        provider="anthropic",
        cache_write_1h_tokens=written_1h,
        messages=sent,
        id=request_id,
    )


def _sent(request: Mapping[str, Any]) -> tuple[Message, ...] | None:
    """The request's messages, its ``system`` prompt (text or text blocks) first."""
    sent = messages(dig(request, ("messages",)), ("request", "messages"))
    system = request.get("system")
    if sent is None or not system:
        return sent
    if not isinstance(system, str | list):
        raise InvalidValueError("expected text or a list of text blocks", path=("request", "system"))
    return ({"role": "system", "content": system}, *sent)
