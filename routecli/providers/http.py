"""What every HTTP provider shares: one pooled client, a whole-request deadline, and errors that never show the key.

Providers differ in the body they send and the one they read back; the
sending, the failure kinds and the message wording are the same for all.
"""

from __future__ import annotations

import asyncio
import math
import socket
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx

from routecli.providers import ProviderError, Usage
from routecli.providers.resilience import is_context_length_error

__all__ = ["JsonEndpoint", "token_count"]

_ERROR_BODY_CHARS = 200
_KEY_ECHOING = (401, 403)  # auth failures: bodies may quote part of the key, so they are not shown

_Reply = TypeVar("_Reply")


class JsonEndpoint:
    """One shared ``httpx.AsyncClient`` for every request to one endpoint.

    The API key goes into ``headers`` and nowhere else; error messages are
    scrubbed of ``secret`` in case an endpoint echoes it back.
    """

    def __init__(
        self,
        base_url: str,
        *,
        headers: Mapping[str, str],
        secret: str | None,
        timeout_s: float,
        max_connections: int,
        transport: httpx.AsyncBaseTransport | None,
    ) -> None:
        self._secret = secret
        self._timeout_s = timeout_s
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/",
            headers=headers,
            timeout=httpx.Timeout(timeout_s),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            transport=transport,
        )

    async def post(
        self,
        path: str,
        body: Mapping[str, Any],
        parse: Callable[[Any, int], _Reply],
        billed: Callable[[Any], Usage | None] | None = None,
    ) -> _Reply:
        """POST ``body`` as JSON to ``path`` (relative to the base URL) and ``parse`` the reply.

        ``parse`` reads a decoded 200 body (and its status) into the reply
        (a ``Completion``, a batch of embeddings); ``ValueError`` when its shape is wrong.

        ``ProviderError`` when no usable reply comes back: ``timeout``,
        ``connect``, ``http`` (any status but 200, which it keeps with any
        Retry-After), ``context_length`` (an HTTP error saying the prompt is
        too long) or ``malformed`` (not JSON, or a shape ``parse`` rejects).
        """
        return await self.send("POST", path, parse, billed, json=body)

    async def send(
        self,
        method: str,
        path: str,
        parse: Callable[[Any, int], _Reply],
        billed: Callable[[Any], Usage | None] | None = None,
        *,
        json: Mapping[str, Any] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        data: Mapping[str, str] | None = None,
        text: bool = False,
    ) -> _Reply:
        """``post``'s request with any method and body: JSON, or a multipart upload (``files`` and form ``data``).

        ``path`` may be a whole URL (a batch's results URL). With ``text`` the reply is not JSON: ``parse`` gets
        its text (a JSON Lines file).
        """
        try:
            async with asyncio.timeout(self._timeout_s):  # the whole request, however slowly it trickles in
                response = await self._client.request(method, path, json=json, files=files, data=data)
        except (httpx.TimeoutException, TimeoutError) as error:
            raise ProviderError("timeout", self._scrub(f"timed out ({type(error).__name__})")) from None
        except httpx.ConnectError as error:  # no connection was made: nothing was sent
            reason = _why_not_connected(error)
            message = f"cannot connect to {_host_port(error)}: {reason}"
            raise ProviderError("connect", self._scrub(message), unreachable=self._scrub(reason)) from None
        except httpx.HTTPError as error:  # a connection dropped mid-request (a reset, a half-sent reply)
            message = f"{type(error).__name__}: {error} ({_host_port(error)})"
            raise ProviderError("connect", self._scrub(message)) from None
        if response.status_code != 200:
            if response.status_code in _KEY_ECHOING:
                detail = "the body is not shown: it may quote the key"
            else:
                detail = " ".join(response.text[:_ERROR_BODY_CHARS].split())
            message = f"HTTP {response.status_code}" + (f": {detail}" if detail else "")
            if response.status_code == 404:
                message += f" (is base_url right? it usually ends in /v1; requests go to {response.request.url})"
            kind = "context_length" if is_context_length_error(response.status_code, response.text) else "http"
            retry_after = response.headers.get("retry-after")
            raise ProviderError(kind, self._scrub(message), status=response.status_code, retry_after=retry_after)
        if text:
            try:
                return parse(response.text, response.status_code)
            except ValueError as error:
                raise ProviderError(
                    "malformed", self._scrub(f"malformed response: {error}"), status=response.status_code
                ) from None
        try:
            document = response.json()
        except ValueError as error:
            raise ProviderError(
                "malformed", self._scrub(f"malformed response: {error}"), status=response.status_code
            ) from None
        try:
            return parse(document, response.status_code)
        except ValueError as error:  # an answer that cannot be used may still have been billed: ``billed`` reads it
            usage = billed(document) if billed is not None and isinstance(document, Mapping) else None
            raise ProviderError(
                "malformed", self._scrub(f"malformed response: {error}"), status=response.status_code, usage=usage
            ) from None

    def _scrub(self, message: str) -> str:
        return message.replace(self._secret, "***") if self._secret else message

    async def aclose(self) -> None:
        await self._client.aclose()


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _host_port(error: httpx.HTTPError) -> str:
    """Where the failed request went, as ``host:port``: never the path's query string, nor any credentials."""
    try:
        url = error.request.url
    except RuntimeError:  # an error raised without its request
        return "unknown host"
    port = url.port or _DEFAULT_PORTS.get(url.scheme)
    return f"{url.host}:{port}" if port is not None else url.host


def _why_not_connected(error: httpx.ConnectError) -> str:
    """The operating system's reason a connection could not be made, in words: httpx's own message is often only
    "All connection attempts failed"."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "host not found"
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror[:1].lower() + cause.strerror[1:]
        cause = cause.__cause__ or cause.__context__
    return str(error) or type(error).__name__


def token_count(value: Any) -> int | None:
    """A token count as reported: a whole number of at least 0, else None (``Infinity`` and ``NaN`` parse as JSON)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return int(value) if value >= 0 and value == int(value) else None
