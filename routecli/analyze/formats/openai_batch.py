"""OpenAI Batch API files: the input file (requests) and the output file (results), joined on ``custom_id``.

Pure. An input row is ``{"custom_id", "method", "url", "body"}`` (the body
gives the model and messages); an output row is ``{"id", "custom_id",
"response": {"status_code", "request_id", "body"}, "error"}`` (the body is a
chat completion: usage, model). Given both files, each result gets its
request's model and messages; an output file alone still gives usage; a result
with a status of 400 or more, or an ``error``, is a failed request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from routecli.analyze.formats import Row
from routecli.analyze.formats._values import dig, messages, text
from routecli.analyze.formats.openai import completion_record
from routecli.analyze.records import LogRecord, Message
from routecli.errors import InvalidValueError

__all__ = ["DESCRIPTION", "NAME", "Request", "is_input", "record", "request", "sniff"]

NAME = "openai-batch"
DESCRIPTION = "OpenAI Batch API input and output files (JSON Lines), joined on custom_id"


class Request(NamedTuple):
    """What a batch input row says of a request: the model asked for and the messages sent."""

    model: str | None
    messages: tuple[Message, ...] | None


def sniff(data: Mapping[str, Any]) -> bool:
    return "custom_id" in data and ("response" in data or ("body" in data and "url" in data))


def is_input(data: Mapping[str, Any]) -> bool:
    """An input row (a request), not a result."""
    return "body" in data and "response" not in data


def request(row: Row) -> tuple[str, Request]:
    """An input row's ``custom_id`` and its request."""
    body = row.data.get("body")
    if not isinstance(body, dict):
        raise InvalidValueError("expected the request body (an object)", path=("body",))
    return _custom_id(row.data), Request(
        text(dig(body, ("model",)), ("body", "model")), messages(dig(body, ("messages",)), ("body", "messages"))
    )


def record(source: str, row: Row, requests: Mapping[str, Request] | None = None) -> LogRecord:
    """An output row as a record, with its request from ``requests`` (the input file's rows) when given."""
    data = row.data
    if is_input(data):
        raise InvalidValueError(
            "a batch input row holds no usage: give the batch's output file too (both in one call are joined)",
            path=("body",),
        )
    custom_id = _custom_id(data)
    asked = (requests or {}).get(custom_id, Request(None, None))
    response = data.get("response")
    failure = _failure(data.get("error"), response)
    if response is None or (failure is not None and not isinstance(dig(response, ("body", "usage")), dict)):
        return LogRecord(
            source,
            row.line,
            asked.model,
            error=failure or "error",
            provider="openai",
            messages=asked.messages,
            id=custom_id,
        )
    if not isinstance(response, dict):
        raise InvalidValueError("expected the response (an object)", path=("response",))
    return completion_record(
        source,
        row.line,
        response.get("body"),
        ("response", "body"),
        asked_model=asked.model,
        sent=asked.messages,
        request_id=custom_id,
        error=failure,
    )._replace(service_tier="batch")  # billed at batch prices


def _custom_id(data: Mapping[str, Any]) -> str:
    custom_id = text(data.get("custom_id"), ("custom_id",))
    if custom_id is None:
        raise InvalidValueError("expected the request's custom_id (text)", path=("custom_id",))
    return custom_id


def _failure(error: Any, response: Any) -> str | None:
    """Why a result failed: an HTTP status of 400 or more, else the ``error`` object's code; None on success."""
    status = dig(response, ("status_code",)) if isinstance(response, dict) else None
    if isinstance(status, int) and not isinstance(status, bool) and status >= 400:
        return f"http {status}"
    if error is None:
        return None
    code = dig(error, ("code",)) if isinstance(error, dict) else None
    return code if isinstance(code, str) and code else "error"
