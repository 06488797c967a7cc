"""Anthropic's Message Batches: one request of many Messages API requests, polled, its results read from a URL.

Each request's ``params`` are the body ``AnthropicProvider`` would send. A batch has ended once its
``processing_status`` is ``ended``; its ``results_url`` then serves one JSON line per request, whose
``result.type`` is ``succeeded``, ``errored``, ``canceled`` or ``expired``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from routecli.providers import BatchPoll, BatchRequest, Completion, ProviderError
from routecli.providers.anthropic import ANTHROPIC_VERSION, DEFAULT_BASE_URL, message_request, parse_message
from routecli.providers.http import JsonEndpoint

__all__ = ["AnthropicBatches", "parse_results"]


class AnthropicBatches:
    """Message Batches at ``{base_url}/messages/batches``; the key goes in ``x-api-key`` only."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        api_key: str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout_s: float = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        sent = httpx.Headers({"User-Agent": "routecli", "anthropic-version": ANTHROPIC_VERSION})
        sent.update(headers or {})
        if api_key:
            sent["x-api-key"] = api_key
        self._endpoint = JsonEndpoint(
            base_url, headers=sent, secret=api_key, timeout_s=timeout_s, max_connections=4, transport=transport
        )

    async def submit(self, model: str, requests: Sequence[BatchRequest]) -> str:
        """Create a batch of the requests; its id. ``ProviderError`` of kind ``request`` for one it cannot carry."""
        items = []
        for request in requests:
            try:
                params = message_request(model, request.messages, request.params)
            except ValueError as error:
                raise ProviderError("request", f"cannot send to the Anthropic Messages API: {error}") from None
            items.append({"custom_id": request.custom_id, "params": params})
        batch_id: str = await self._endpoint.post("messages/batches", {"requests": items}, _id)
        return batch_id

    async def poll(self, batch_id: str) -> BatchPoll:
        """The batch's processing status now, and its results URL once it has one."""
        return await self._endpoint.send("GET", f"messages/batches/{batch_id}", _batch)

    async def results(self, poll: BatchPoll) -> dict[str, Completion | ProviderError]:
        """Each request's reply or error, by custom id, from the batch's results URL."""
        found: dict[str, Completion | ProviderError] = {}
        for url in poll.files:
            found.update(await self._endpoint.send("GET", url, parse_results, text=True))
        return found

    async def aclose(self) -> None:
        await self._endpoint.aclose()


def _id(document: Any, status: int) -> str:
    value = document.get("id") if isinstance(document, Mapping) else None
    if not isinstance(value, str) or not value:
        raise ValueError("no 'id' in the response")
    return value


def _batch(document: Any, status: int) -> BatchPoll:
    if not isinstance(document, Mapping) or document.get("type") != "message_batch":
        raise ValueError("not a message batch")
    state = document.get("processing_status")
    if not isinstance(state, str):
        raise ValueError("a message batch without a processing_status")
    url = document.get("results_url")
    return BatchPoll(str(document.get("id")), state, state == "ended", (url,) if isinstance(url, str) and url else ())


def parse_results(text: str, status: int = 200) -> dict[str, Completion | ProviderError]:
    """The results file's lines, by custom id: a message, or the error (``expired``, ``canceled``, the API's type)."""
    found: dict[str, Completion | ProviderError] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            document = json.loads(line)
        except ValueError:
            raise ValueError(f"line {number} of a batch's results is not JSON") from None
        custom_id = document.get("custom_id") if isinstance(document, Mapping) else None
        result = document.get("result") if isinstance(document, Mapping) else None
        if not isinstance(custom_id, str) or not isinstance(result, Mapping):
            raise ValueError(f"line {number} of a batch's results has no custom_id or result")
        found[custom_id] = _result(result)
    return found


def _result(result: Mapping[str, Any]) -> Completion | ProviderError:
    kind = result.get("type")
    if kind == "succeeded":
        try:
            return parse_message(result.get("message"))
        except ValueError as problem:
            return ProviderError("malformed", f"malformed response: {problem}", 200)
    if kind == "errored":
        error = result.get("error")
        inner = error.get("error") if isinstance(error, Mapping) else None  # an error response: {type: error, error}
        detail = inner if isinstance(inner, Mapping) else error if isinstance(error, Mapping) else {}
        code = str(detail.get("type") or "error")
        message = str(detail.get("message") or "")
        return ProviderError(code, f"{code}: {message}" if message else code)
    if kind in ("canceled", "expired"):
        return ProviderError(str(kind), f"{kind}: the batch ended before this request was processed")
    raise ValueError(f"unknown result type {kind!r}")
