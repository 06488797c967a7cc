"""An OpenAI-compatible HTTP server that misbehaves on demand, for tests of how clients survive faults.

Real endpoints do not rate-limit, hang or reset when a test asks them to; this one does. It listens on
127.0.0.1 (a port the OS picks) from a background thread with its own event loop, so a test can script
faults, point a client at ``base_url`` and then inspect every request that arrived, and when::

    with FaultServer() as server:                # or the function-scoped ``fault_server`` fixture
        server.script("small", [Fault("status", status=429, retry_after=2), Fault("hang", seconds=1)])
        server.always("big", Fault("context_length"))
        ...                                      # a client posts to f"{server.base_url}/chat/completions"
        assert [r.fault.kind for r in server.requests] == ["status", "hang", "ok"]

Endpoints, answered over HTTP/1.1 with keep-alive (``base_url`` is ``origin + "/v1"``):

- ``POST /v1/chat/completions``: an OpenAI chat completion; logprobs when the request sets ``"logprobs": true``.
- ``POST /v1/embeddings``: OpenAI embeddings, a hashed bag of words (``embedding``), unit length, 64 dimensions
  unless the request sets ``"dimensions"``; ``"encoding_format": "base64"`` is honoured.
- ``POST /v1/messages``: Anthropic's Messages API; its errors come in Anthropic's body shape.

Any other path gets a 404, any other method a 405. Each request is matched by the ``"model"`` of its JSON body:
first the faults queued for that model with ``script`` (in order, each used once), then the fault set with
``always``, then a normal answer, ``Fault("ok")``. Faults apply to whichever endpoint the request names.

Token counts are deterministic and easy to compute by hand: prompt tokens are the characters of all message
contents (chat: every message's text; Anthropic: the system prompt too; embeddings: every input) // 4 + 1;
completion tokens are the words of the reply, ``len(content.split())``, with one logprob entry per word.

A test module gets the fixture with ``pytest_plugins = ["tests.helpers.fault_server"]``. It imports this module first
(for ``Fault``), too early for pytest to rewrite its asserts, which pytest would warn about (an error here)
unless told not to: PYTEST_DONT_REWRITE.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import contextlib
import email.utils
import hashlib
import http
import itertools
import json as jsonlib
import math
import re
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

__all__ = [
    "ANTHROPIC_CONTEXT_LENGTH_MESSAGE",
    "CONTEXT_LENGTH_MESSAGE",
    "EMBEDDING_DIMENSIONS",
    "KINDS",
    "Fault",
    "FaultServer",
    "RecordedRequest",
    "embedding",
    "fault_server",
]

KINDS = frozenset({"ok", "status", "context_length", "hang", "reset", "truncated", "malformed", "trickle"})
"""What a ``Fault`` can do; see ``Fault`` for each."""

EMBEDDING_DIMENSIONS = 64
CONTEXT_LENGTH_MESSAGE = (
    "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens. "
    "Please reduce the length of the messages."
)
"""OpenAI's wording, which clients may match to tell an oversized prompt from other 400s."""
ANTHROPIC_CONTEXT_LENGTH_MESSAGE = "prompt is too long: 200001 tokens > 200000 maximum"
"""Anthropic's: a 400 invalid_request_error like any other, told apart only by this message."""

_NOT_JSON = b"<html><body>502 Bad Gateway</body></html>"
_TRICKLE_SECONDS = 1.0
_STARTUP_TIMEOUT_S = 10.0
_HEAD_LIMIT = 64 * 1024
_ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    529: "overloaded_error",
}


@dataclass(frozen=True)
class Fault:
    """One behaviour of the server for one request.

    - ``ok``: a normal answer with ``content``; ``usage`` entries replace the computed counts (OpenAI's
      ``prompt_tokens``…, Anthropic's ``input_tokens``, ``cache_read_input_tokens``…; total_tokens follows
      unless given), ``report_usage=False`` leaves usage out, ``logprob`` is every token's logprob,
      ``finish_reason`` replaces "stop" (Anthropic: ``stop_reason``, "end_turn").
    - ``status``: HTTP ``status`` with a JSON error body (or ``body`` verbatim) and, when ``retry_after`` is
      set, a Retry-After header: seconds (a number), an HTTP-date (an aware ``datetime``) or any text as is.
    - ``context_length``: 400 with the body OpenAI (or Anthropic) sends for an oversized prompt.
    - ``hang``: read the request, never answer; close the connection after ``seconds``, or at server close.
    - ``reset``: read the request, then reset the connection (TCP RST) without a response.
    - ``truncated``: the ``ok`` answer's headers, with its full Content-Length, then half its body; then close.
    - ``malformed``: 200 with ``body``, by default an HTML page (not JSON); pass JSON without choices for that.
    - ``trickle``: the ``ok`` answer, ``chunk_size`` bytes at a time, spread evenly over ``seconds`` (1 s).

    ``delay`` seconds pass before any of them, to simulate a slow first byte.

    ``reasoning`` (a number of tokens) makes the model a reasoning model, as OpenAI's gpt-5 family and o-series
    are: a chat request with ``max_tokens``, ``temperature`` other than 1, or ``logprobs`` gets OpenAI's 400
    (``unsupported_parameter``, ``unsupported_value``), and an answer reports that many reasoning tokens in
    ``usage.completion_tokens_details.reasoning_tokens``, counted in ``completion_tokens``. On ``/v1/messages``
    it is the thinking of a request with ``thinking: {type: enabled, budget_tokens: N}``: refused as Anthropic
    refuses it (a budget under 1024, ``max_tokens`` not above it, ``temperature`` other than 1), else a
    ``thinking`` block before the text and the thinking counted in ``output_tokens``.
    """

    kind: str
    content: str = "ok"
    logprob: float = -0.25
    usage: Mapping[str, Any] | None = None
    report_usage: bool = True
    finish_reason: str | None = None
    status: int = 500
    retry_after: float | datetime | str | None = None
    body: bytes | None = None
    seconds: float | None = None
    chunk_size: int = 8
    delay: float = 0.0
    reasoning: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {', '.join(sorted(KINDS))}")
        if not 200 <= self.status <= 599:
            raise ValueError(f"status {self.status} is not a final HTTP status (200-599)")
        if isinstance(self.retry_after, datetime) and self.retry_after.tzinfo is None:
            raise ValueError("retry_after needs an aware datetime: an HTTP-date is in GMT")
        if isinstance(self.retry_after, (int, float)) and self.retry_after < 0:
            raise ValueError(f"retry_after {self.retry_after} is negative")
        if self.seconds is not None and self.seconds < 0:
            raise ValueError(f"seconds {self.seconds} is negative")
        if self.delay < 0:
            raise ValueError(f"delay {self.delay} is negative")
        if self.chunk_size < 1:
            raise ValueError(f"chunk_size {self.chunk_size} is not positive")


_OK = Fault("ok")


@dataclass(frozen=True)
class RecordedRequest:
    """One request as it arrived, and the fault the server answered it with.

    ``received_at`` is ``time.monotonic()`` once the whole request was read; ``connection`` numbers the
    TCP connections from 1, so that a test can tell keep-alive reuse from a fresh connection.
    """

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    json: Any
    model: str | None
    received_at: float
    connection: int
    fault: Fault


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    version: str
    headers: Mapping[str, str]
    body: bytes


class _BadRequest(Exception):
    """A request that is not HTTP this server can read; answered with ``status``, then the connection closes."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class _Reply:
    """A complete answer before it goes on the wire, so that faults can cut or slow it down."""

    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)

    def head(self, keep_alive: bool) -> bytes:
        try:
            reason = http.HTTPStatus(self.status).phrase
        except ValueError:
            reason = "Unknown"
        lines = [
            f"HTTP/1.1 {self.status} {reason}",
            "Content-Type: application/json",
            f"Content-Length: {len(self.body)}",
            *(f"{name}: {value}" for name, value in self.headers),
        ]
        if not keep_alive:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class FaultServer:
    """The server, listening from construction until ``close`` (also a context manager)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scripts: dict[str, deque[Fault]] = {}
        self._always: dict[str, Fault] = {}
        self._requests: list[RecordedRequest] = []
        self._errors: list[BaseException] = []
        self._closed = False
        self._connection_ids = itertools.count(1)
        self._handlers: set[asyncio.Task[None]] = set()
        self._unowned: set[socket.socket] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        started: concurrent.futures.Future[int] = concurrent.futures.Future()
        self._thread = threading.Thread(target=self._run, args=(started,), name="fault-server", daemon=True)
        self._thread.start()
        try:
            self.port = started.result(timeout=_STARTUP_TIMEOUT_S)
        except BaseException:
            self._thread.join(_STARTUP_TIMEOUT_S)
            raise
        self.origin = f"http://127.0.0.1:{self.port}"
        """Where Anthropic clients point (they add /v1/messages)."""
        self.base_url = f"{self.origin}/v1"
        """Where OpenAI clients point."""

    def script(self, model: str, faults: Iterable[Fault]) -> None:
        """Queue behaviours for the next requests naming ``model``, after any already queued."""
        with self._lock:
            self._scripts.setdefault(model, deque()).extend(faults)

    def always(self, model: str, fault: Fault | None) -> None:
        """Answer every request naming ``model`` with ``fault`` once its script is used up; None undoes it."""
        with self._lock:
            if fault is None:
                self._always.pop(model, None)
            else:
                self._always[model] = fault

    def pending(self, model: str) -> tuple[Fault, ...]:
        """The scripted faults for ``model`` that no request has used yet."""
        with self._lock:
            return tuple(self._scripts.get(model, ()))

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request read so far, in arrival order, faulted ones included (a snapshot)."""
        with self._lock:
            return list(self._requests)

    def close(self) -> None:
        """Stop listening, drop open connections (hanging ones too) and join the thread.

        Raises ``RuntimeError`` if a request handler failed, so that a bug in the server fails the test.
        """
        if self._closed:
            return
        self._closed = True
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join()
        if self._errors:
            raise RuntimeError(f"fault server failed: {self._errors[0]!r}") from self._errors[0]

    def __enter__(self) -> FaultServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _run(self, started: concurrent.futures.Future[int]) -> None:
        asyncio.run(self._serve(started))

    async def _serve(self, started: concurrent.futures.Future[int]) -> None:
        loop = self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            listener = socket.create_server(("127.0.0.1", 0))
        except OSError as error:
            started.set_exception(error)
            return
        with listener:
            listener.setblocking(False)
            loop.add_reader(listener.fileno(), self._accept, listener)
            started.set_result(listener.getsockname()[1])
            await self._stop.wait()
            loop.remove_reader(listener.fileno())
        handlers = list(self._handlers)
        for handler in handlers:
            handler.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        for connection in self._unowned:
            connection.close()  # its handler was cancelled before it took the socket over

    def _accept(self, listener: socket.socket) -> None:
        """Take one connection and start its handler, from a plain callback so that none is lost at close.

        (``asyncio.start_server`` on Python 3.11 leaks a connection accepted just before ``Server.close``.)
        """
        try:
            connection, _ = listener.accept()
        except (BlockingIOError, ConnectionAbortedError):
            return
        except OSError as error:
            self._errors.append(error)
            return
        connection.setblocking(False)
        self._unowned.add(connection)
        handler = asyncio.get_running_loop().create_task(self._handle(connection, next(self._connection_ids)))
        self._handlers.add(handler)
        handler.add_done_callback(self._handlers.discard)

    async def _handle(self, connection: socket.socket, number: int) -> None:
        reader, writer = await asyncio.open_connection(sock=connection, limit=_HEAD_LIMIT)
        self._unowned.discard(connection)  # the transport closes it from now on
        try:
            while await self._exchange(reader, writer, number):
                pass
        except asyncio.CancelledError:
            writer.transport.abort()  # the server is closing: drop the connection, unsent bytes included
            raise
        except (ConnectionError, asyncio.IncompleteReadError):
            writer.transport.abort()  # the client went away
        except Exception as error:
            self._errors.append(error)
            writer.transport.abort()
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, connection: int) -> bool:
        """Read one request and act on it; whether the connection stays open for another."""
        try:
            request = await _read_request(reader)
        except _BadRequest as error:
            reply = _invalid(False, str(error), status=error.status)
            writer.write(reply.head(keep_alive=False) + reply.body)
            await writer.drain()
            return False
        if request is None:
            return False
        document = _json_or_none(request.body)
        model = document.get("model") if isinstance(document, dict) else None
        model = model if isinstance(model, str) else None
        fault = self._next_fault(model)
        with self._lock:
            self._requests.append(
                RecordedRequest(
                    request.method,
                    request.path,
                    request.headers,
                    request.body,
                    document,
                    model,
                    time.monotonic(),
                    connection,
                    fault,
                )
            )
        if fault.delay:
            await asyncio.sleep(fault.delay)
        keep_alive = request.version == "HTTP/1.1" and request.headers.get("connection", "").lower() != "close"
        return await _act(fault, request, document, writer, keep_alive) and keep_alive

    def _next_fault(self, model: str | None) -> Fault:
        if model is None:
            return _OK
        with self._lock:
            queued = self._scripts.get(model)
            if queued:
                return queued.popleft()
            return self._always.get(model, _OK)


async def _act(fault: Fault, request: _Request, document: Any, writer: asyncio.StreamWriter, keep_alive: bool) -> bool:
    """Carry out ``fault``; whether the connection is still usable afterwards."""
    anthropic = request.path == "/v1/messages"
    if fault.kind == "hang":
        if fault.seconds is None:
            await asyncio.get_running_loop().create_future()  # until the server closes and cancels this
        await asyncio.sleep(fault.seconds or 0.0)
        return False
    if fault.kind == "reset":
        writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()
        return False
    if fault.kind == "status":
        reply = _status_reply(fault, anthropic)
    elif fault.kind == "context_length":
        reply = _context_length_reply(anthropic)
    elif fault.kind == "malformed":
        reply = _Reply(200, _NOT_JSON if fault.body is None else fault.body)
    else:
        reply = _answer(fault, request, document)
    head = reply.head(keep_alive)
    if fault.kind == "truncated":
        writer.write(head + reply.body[: len(reply.body) // 2])
        await writer.drain()
        return False
    if fault.kind == "trickle":
        wire = head + reply.body
        chunks = [wire[start : start + fault.chunk_size] for start in range(0, len(wire), fault.chunk_size)]
        pause = (_TRICKLE_SECONDS if fault.seconds is None else fault.seconds) / len(chunks)
        for chunk in chunks:
            await asyncio.sleep(pause)
            writer.write(chunk)
            await writer.drain()
        return True
    writer.write(head + reply.body)
    await writer.drain()
    return True


async def _read_request(reader: asyncio.StreamReader) -> _Request | None:
    """The next request on the connection; None when the client closed it (between or during requests)."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    except asyncio.LimitOverrunError:
        raise _BadRequest(431, f"request head over {_HEAD_LIMIT} bytes") from None
    request_line, *header_lines = head.decode("latin-1").removesuffix("\r\n\r\n").split("\r\n")
    parts = request_line.split(" ")
    if len(parts) != 3:
        raise _BadRequest(400, f"bad request line {request_line!r}")
    method, target, version = parts
    headers: dict[str, str] = {}
    for line in header_lines:
        name, colon, value = line.partition(":")
        if not colon:
            raise _BadRequest(400, f"bad header line {line!r}")
        name = name.strip().lower()
        headers[name] = f"{headers[name]}, {value.strip()}" if name in headers else value.strip()
    if "transfer-encoding" in headers:
        raise _BadRequest(501, "chunked request bodies are not supported")
    length = headers.get("content-length", "0")
    if not length.isdigit():
        raise _BadRequest(400, f"bad Content-Length {length!r}")
    try:
        body = await reader.readexactly(int(length))
    except asyncio.IncompleteReadError:
        return None
    return _Request(method, target.partition("?")[0], version, headers, body)


def _json_or_none(body: bytes) -> Any:
    try:
        return jsonlib.loads(body)
    except ValueError:
        return None


def _json_reply(status: int, document: Any, headers: list[tuple[str, str]] | None = None) -> _Reply:
    return _Reply(status, jsonlib.dumps(document).encode(), headers or [])


def _openai_error(
    status: int, message: str, error_type: str, code: str | None = None, param: str | None = None
) -> _Reply:
    return _json_reply(status, {"error": {"message": message, "type": error_type, "param": param, "code": code}})


def _anthropic_error(status: int, message: str) -> _Reply:
    error_type = _ANTHROPIC_ERROR_TYPES.get(status, "api_error")
    return _json_reply(status, {"type": "error", "error": {"type": error_type, "message": message}})


def _retry_after_header(value: float | datetime | str) -> str:
    if isinstance(value, datetime):
        return email.utils.format_datetime(value.astimezone(UTC), usegmt=True)
    if isinstance(value, str):
        return value
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _status_reply(fault: Fault, anthropic: bool) -> _Reply:
    message = f"injected fault: HTTP {fault.status}"
    if fault.body is not None:
        reply = _Reply(fault.status, fault.body)
    elif anthropic:
        reply = _anthropic_error(fault.status, message)
    elif fault.status == 429:
        reply = _openai_error(429, message, "requests", "rate_limit_exceeded")
    else:
        reply = _openai_error(fault.status, message, "server_error" if fault.status >= 500 else "invalid_request_error")
    if fault.retry_after is not None:
        reply.headers.append(("Retry-After", _retry_after_header(fault.retry_after)))
    return reply


def _context_length_reply(anthropic: bool) -> _Reply:
    if anthropic:
        return _anthropic_error(400, ANTHROPIC_CONTEXT_LENGTH_MESSAGE)
    return _openai_error(400, CONTEXT_LENGTH_MESSAGE, "invalid_request_error", "context_length_exceeded", "messages")


def _answer(fault: Fault, request: _Request, document: Any) -> _Reply:
    """What a working server would send: the endpoint's normal answer, or its 400/404/405."""
    endpoints = {"/v1/chat/completions": _chat, "/v1/embeddings": _embeddings, "/v1/messages": _messages}
    endpoint = endpoints.get(request.path)
    anthropic = request.path == "/v1/messages"
    if endpoint is None:
        return _invalid(anthropic, f"no endpoint {request.path}", status=404)
    if request.method != "POST":
        return _invalid(anthropic, f"{request.method} is not allowed on {request.path}", status=405)
    if not isinstance(document, dict):
        return _invalid(anthropic, "the body is not a JSON object")
    if not isinstance(document.get("model"), str):
        return _invalid(anthropic, "the body names no model", "model")
    return endpoint(fault, document)


def _invalid(anthropic: bool, message: str, param: str | None = None, status: int = 400) -> _Reply:
    """A request a real server would refuse, in the endpoint's own error shape."""
    if anthropic:
        return _anthropic_error(status, f"{param}: {message}" if param else message)
    return _openai_error(status, message, "invalid_request_error", param=param)


def _chars(content: Any) -> int:
    """Characters of a message's text: a string, or the text of a list of parts (OpenAI's and Anthropic's)."""
    if isinstance(content, str):
        return len(content)
    if isinstance(content, list):
        return sum(
            len(part["text"]) for part in content if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return 0


def _prompt_tokens(characters: int) -> int:
    return characters // 4 + 1


def _usage(computed: dict[str, Any], fault: Fault, total: tuple[str, str] | None = None) -> dict[str, Any]:
    """The computed counts with the fault's overrides; total_tokens is recomputed unless overridden."""
    usage = {**computed, **(fault.usage or {})}
    if total is not None and "total_tokens" not in (fault.usage or {}):
        usage["total_tokens"] = usage[total[0]] + usage[total[1]]
    return usage


def _reasoning_refusal(document: dict[str, Any]) -> _Reply | None:
    """OpenAI's 400 for what its reasoning models do not take; None for a request they do."""
    for key in ("max_tokens", "logprobs"):
        if key in document:
            hint = " Use 'max_completion_tokens' instead." if key == "max_tokens" else ""
            message = f"Unsupported parameter: '{key}' is not supported with this model.{hint}"
            return _openai_error(400, message, "invalid_request_error", "unsupported_parameter", key)
    temperature = document.get("temperature", 1)
    if temperature != 1:
        message = (
            f"Unsupported value: 'temperature' does not support {temperature} with this model. "
            "Only the default (1) value is supported."
        )
        return _openai_error(400, message, "invalid_request_error", "unsupported_value", "temperature")
    return None


def _chat(fault: Fault, document: dict[str, Any]) -> _Reply:
    messages = document.get("messages")
    if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
        return _invalid(False, "messages must be a non-empty list of objects", "messages")
    if fault.reasoning is not None and (refusal := _reasoning_refusal(document)) is not None:
        return refusal
    tokens = re.findall(r"\s*\S+", fault.content)
    choice: dict[str, Any] = {
        "index": 0,
        "message": {"role": "assistant", "content": fault.content},
        "logprobs": None,
        "finish_reason": fault.finish_reason or "stop",
    }
    if document.get("logprobs") is True:
        top = document.get("top_logprobs")
        top = top if isinstance(top, int) and not isinstance(top, bool) and top > 0 else 0
        choice["logprobs"] = {"content": [_logprob_entry(token, fault.logprob, top) for token in tokens]}
    reply: dict[str, Any] = {
        "id": "chatcmpl-fault",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": document["model"],
        "choices": [choice],
    }
    if fault.report_usage:
        prompt = _prompt_tokens(sum(_chars(message.get("content")) for message in messages))
        computed: dict[str, Any] = {"prompt_tokens": prompt, "completion_tokens": len(tokens)}
        if fault.reasoning is not None:
            computed["completion_tokens"] += fault.reasoning
            computed["prompt_tokens_details"] = {"cached_tokens": 0, "audio_tokens": 0}
            computed["completion_tokens_details"] = {
                "reasoning_tokens": fault.reasoning,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            }
        reply["usage"] = _usage(computed, fault, ("prompt_tokens", "completion_tokens"))
    return _json_reply(200, reply)


def _logprob_entry(token: str, logprob: float, top: int) -> dict[str, Any]:
    """One token's logprob; its ``top`` alternatives start with itself, the rest each 1 nat less likely."""
    alternatives = [(token, logprob), *((f"<alt{rank}>", logprob - rank) for rank in range(1, top))]
    return {
        "token": token,
        "logprob": logprob,
        "bytes": list(token.encode()),
        "top_logprobs": [
            {"token": text, "logprob": value, "bytes": list(text.encode())} for text, value in alternatives[:top]
        ],
    }


def embedding(text: str, dimensions: int = EMBEDDING_DIMENSIONS) -> list[float]:
    """A hashed bag of lower-cased words, unit length (all zeros for text without words).

    Each word adds +1 or -1 to one component, both picked by its SHA-256, so texts sharing words point
    the same way and word order does not matter.
    """
    vector = [0.0] * dimensions
    for word in re.findall(r"\w+", text.lower()):
        digest = int.from_bytes(hashlib.sha256(word.encode()).digest()[:8], "big")
        vector[digest % dimensions] += 1.0 if (digest // dimensions) % 2 == 0 else -1.0
    norm = math.sqrt(sum(value * value for value in vector))
    return [value / norm for value in vector] if norm else vector


def _embeddings(fault: Fault, document: dict[str, Any]) -> _Reply:
    inputs = document.get("input")
    texts = [inputs] if isinstance(inputs, str) else inputs
    if not isinstance(texts, list) or not texts or not all(isinstance(text, str) for text in texts):
        return _invalid(False, "input must be a string or a non-empty list of strings", "input")
    dimensions = document.get("dimensions", EMBEDDING_DIMENSIONS)
    if isinstance(dimensions, bool) or not isinstance(dimensions, int) or dimensions < 1:
        return _invalid(False, "dimensions must be a positive integer", "dimensions")
    as_base64 = document.get("encoding_format") == "base64"
    data = []
    for index, text in enumerate(texts):
        vector = embedding(text, dimensions)
        encoded: Any = base64.b64encode(struct.pack(f"<{dimensions}f", *vector)).decode() if as_base64 else vector
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    reply: dict[str, Any] = {"object": "list", "data": data, "model": document["model"]}
    if fault.report_usage:
        prompt = _prompt_tokens(sum(len(text) for text in texts))
        reply["usage"] = _usage({"prompt_tokens": prompt, "total_tokens": prompt}, fault)
    return _json_reply(200, reply)


_MIN_THINKING_BUDGET = 1024


def _messages(fault: Fault, document: dict[str, Any]) -> _Reply:
    messages = document.get("messages")
    if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
        return _invalid(True, "must be a non-empty list of objects", "messages")
    max_tokens = document.get("max_tokens")
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int):
        return _invalid(True, "Field required", "max_tokens")
    thinking = document.get("thinking")
    thinks = isinstance(thinking, dict) and thinking.get("type") == "enabled"
    content: list[dict[str, Any]] = [{"type": "text", "text": fault.content}]
    if thinks:
        budget = thinking.get("budget_tokens")
        if isinstance(budget, bool) or not isinstance(budget, int) or budget < _MIN_THINKING_BUDGET:
            return _invalid(True, f"Input should be greater than or equal to {_MIN_THINKING_BUDGET}", "budget_tokens")
        if max_tokens <= budget:
            return _invalid(True, "`max_tokens` must be greater than `thinking.budget_tokens`")
        if document.get("temperature", 1) != 1:
            return _invalid(True, "`temperature` may only be set to 1 when thinking is enabled")
        content.insert(0, {"type": "thinking", "thinking": "Let me think.", "signature": "EqQBCgIYAhIM"})
    reply: dict[str, Any] = {
        "id": "msg_fault",
        "type": "message",
        "role": "assistant",
        "content": content,
        "model": document["model"],
        "stop_reason": fault.finish_reason or "end_turn",
        "stop_sequence": None,
    }
    if fault.report_usage:
        characters = _chars(document.get("system")) + sum(_chars(message.get("content")) for message in messages)
        computed = {
            "input_tokens": _prompt_tokens(characters),
            "output_tokens": len(fault.content.split()) + (fault.reasoning or 0 if thinks else 0),
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        }
        reply["usage"] = _usage(computed, fault)
    return _json_reply(200, reply)


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """A started server for one test, closed (its connections dropped) after it."""
    with FaultServer() as server:
        yield server
