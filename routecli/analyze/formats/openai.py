"""OpenAI chat-completion responses, one per line, alone or as ``{"request": …, "response": …}`` pairs.

Pure. The response gives ``model``, ``created``, ``id`` and ``usage``
(``prompt_tokens``, ``completion_tokens``, ``prompt_tokens_details.cached_tokens``,
``completion_tokens_details.reasoning_tokens``) and ``service_tier`` (``flex``
and ``priority`` are billed at their own rates); a pair's request gives the
``messages`` sent (and the model asked for, when the response has none). A
pair whose response is an error object is a failed request.

``records`` reads many rows at once, the hot loop of a large log: rows of the
common shape (plain counts, epoch seconds, messages as a list of objects) are
read inline, every other row through ``record``; the records and errors are the
same either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, cast

from routecli.analyze.formats import Row
from routecli.analyze.formats._values import count, dig, messages, text
from routecli.analyze.records import LogRecord, Message, checked
from routecli.analyze.timestamps import epoch_seconds
from routecli.errors import InputError, InvalidValueError

__all__ = ["DESCRIPTION", "NAME", "TOKEN_FIELDS", "completion_record", "is_completion", "record", "records", "sniff"]

NAME = "openai"
DESCRIPTION = 'OpenAI chat-completion responses, alone or as {"request", "response"} pairs'
TOKEN_FIELDS = ("usage.prompt_tokens", "usage.completion_tokens")
"""Where the counts are: a row with neither, read as this format by name, is another format's."""


def is_completion(body: Any) -> bool:
    """A chat-completion object: ``object: chat.completion``, or ``choices`` with an OpenAI ``usage``."""
    if not isinstance(body, dict):
        return False
    if body.get("object") == "chat.completion":
        return True
    usage = body.get("usage")
    return "choices" in body and isinstance(usage, dict) and "prompt_tokens" in usage


def sniff(data: Mapping[str, Any]) -> bool:
    if "request" in data and "response" in data:
        return is_completion(data["response"])
    return is_completion(data)


def record(source: str, row: Row) -> LogRecord:
    data = row.data
    if "request" in data and "response" in data:
        request = data["request"]
        if not isinstance(request, dict):
            raise InvalidValueError("expected the request as an object", path=("request",))
        response = data["response"]
        return completion_record(
            source,
            row.line,
            response,
            ("response",),
            asked_model=text(request.get("model"), ("request", "model")),
            sent=messages(request.get("messages"), ("request", "messages")),
        )
    return completion_record(source, row.line, data, ())


_EPOCH_SECONDS_BELOW = 1e11
"""``timestamps.epoch_seconds``' bound: a whole number below it is epoch seconds (above, ms, µs or ns)."""


def records(source: str, rows: Iterable[Row | InputError]) -> Iterator[LogRecord | InputError]:
    """One record (or the error, located) per row, in order; errors the container found pass through.

    The same records as ``record`` row by row, faster: a row of the common shape is read inline with no call
    per field, and a row that is not — a missing or odd field, an error body — goes through ``record``, so its
    error is exactly the one ``record`` raises.
    """
    new = tuple.__new__
    for row in rows:
        if type(row) is not Row:
            yield cast(InputError, row)
            continue
        data = row.data
        if "request" in data and "response" in data:
            request, body = data["request"], data["response"]
            if type(request) is not dict:
                body = None
            else:
                sent = request.get("messages")
                asked = request.get("model")
                if type(sent) is list and not [item for item in sent if type(item) is not dict or "role" not in item]:
                    sent = tuple(sent)
                elif sent is not None:
                    body = None
                if asked is not None and type(asked) is not str:
                    body = None
        else:
            body, sent, asked = data, None, None
        if type(body) is dict:
            usage = body.get("usage")
            model = body.get("model")
            request_id = body.get("id")
            created = body.get("created")
            if (
                type(usage) is dict
                and type(model) is str
                and model
                and (request_id is None or type(request_id) is str)
                and (created is None or (type(created) is int and 0 <= created < _EPOCH_SECONDS_BELOW))
                and str(body.get("service_tier")) not in _TIERS  # flex, priority: ``record`` prices their tier
            ):
                tokens_in = usage.get("prompt_tokens")
                tokens_out = usage.get("completion_tokens")
                prompt_details = usage.get("prompt_tokens_details")
                completion_details = usage.get("completion_tokens_details")
                cached = 0 if prompt_details is None else _plain_count(prompt_details, "cached_tokens")
                reasoning = 0 if completion_details is None else _plain_count(completion_details, "reasoning_tokens")
                if (
                    type(tokens_in) is int
                    and tokens_in >= 0
                    and type(tokens_out) is int
                    and tokens_out >= 0
                    and 0 <= cached <= tokens_in
                    and 0 <= reasoning <= tokens_out
                ):  # counts that agree (``records.checked``); any other row goes through ``record`` and the check
                    yield new(  # every field by position, as LogRecord lists them
                        LogRecord,
                        (
                            source,
                            row.line,
                            model,
                            None if created is None else float(created),
                            None,
                            tokens_in,
                            cached,
                            0,
                            tokens_out,
                            reasoning,
                            None,
                            None,
                            None,
                            "openai",
                            sent,
                            request_id or None,
                            None,
                            None,
                            None,  # service_tier: standard (flex and priority rows went to ``record``)
                            0,
                            False,
                        ),
                    )
                    continue
        try:
            found = record(source, row)
            checked(found)
        except InputError as error:
            yield error if error.source is not None else error.located(source, row.line)
            continue
        yield found


def _plain_count(details: Any, key: str) -> int:
    """A count under ``usage``'s details as the common shape has it (missing: 0); -1 for any other shape."""
    if type(details) is not dict:
        return -1
    value = details.get(key, 0)
    return value if type(value) is int else -1


_FIELDS = (
    "model",
    "id",
    "usage",
    "created",
    "usage.prompt_tokens",
    "usage.completion_tokens",
    "usage.prompt_tokens_details.cached_tokens",
    "usage.completion_tokens_details.reasoning_tokens",
)
_PATHS: dict[tuple[str, ...], dict[str, tuple[str, ...]]] = {}
"""Each field's key path under a response's place in the row, built once: a log has millions of rows."""


def _paths(where: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    found = _PATHS.get(where)
    if found is None:
        found = _PATHS[where] = {name: (*where, *name.split(".")) for name in _FIELDS}
    return found


def completion_record(
    source: str,
    line: int,
    body: Any,
    where: tuple[str, ...],
    *,
    asked_model: str | None = None,
    sent: Sequence[Message] | None = None,
    request_id: str | None = None,
    error: str | None = None,
) -> LogRecord:
    """One chat completion (at key path ``where`` in the row) as a record; an error body is a failed request."""
    if not isinstance(body, dict):
        raise InvalidValueError("expected a chat-completion response (an object)", path=where)
    paths = _paths(where)
    model = text(body.get("model"), paths["model"]) or asked_model
    request_id = request_id or text(body.get("id"), paths["id"])
    if error is None and "usage" not in body and "error" in body:
        error = _error_kind(body["error"])
    if error is not None:
        return LogRecord(source, line, model, error=error, provider="openai", messages=sent, id=request_id)
    usage = body.get("usage")
    if not isinstance(usage, dict):
        raise InvalidValueError("missing the token usage (an object)", path=paths["usage"])
    created = body.get("created")
    prompt_details = usage.get("prompt_tokens_details")
    completion_details = usage.get("completion_tokens_details")
    cached = "usage.prompt_tokens_details.cached_tokens"
    reasoning = "usage.completion_tokens_details.reasoning_tokens"
    return LogRecord(  # by position up to reasoning_tokens: a quarter faster to build than by keyword
        source,
        line,
        model,
        None if created is None else epoch_seconds(created, ".".join(paths["created"])),  # start
        None,  # end
        count(usage.get("prompt_tokens"), paths["usage.prompt_tokens"]),  # input_tokens
        0 if prompt_details is None else count(dig(prompt_details, ("cached_tokens",)), paths[cached]),
        0,  # cache_write_tokens
        count(usage.get("completion_tokens"), paths["usage.completion_tokens"]),  # output_tokens
        0 if completion_details is None else count(dig(completion_details, ("reasoning_tokens",)), paths[reasoning]),
        provider="openai",
        messages=sent,
        id=request_id,
        service_tier=_TIERS.get(str(body.get("service_tier"))),
    )


_TIERS = {"flex": "flex", "priority": "priority"}
"""A response's ``service_tier`` that changes its price (``default`` and ``auto`` are standard)."""


def _error_kind(error: Any) -> str:
    """An API error object's code or type (``rate_limit_exceeded``), never its message."""
    if isinstance(error, dict):
        for key in ("code", "type"):
            if isinstance(error.get(key), str) and error[key]:
                return str(error[key])
    return "error"
