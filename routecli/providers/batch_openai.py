"""OpenAI's Batch API: a JSON Lines file of chat requests uploaded, a batch made of it, polled, its files read.

The requests go to ``/v1/chat/completions`` with the bodies ``OpenAIProvider`` would send; the provider answers
within its 24-hour window at its batch prices. Results come in two files: the output file (one line per request
that got a reply, whatever its status) and the error file (requests that got none, such as those a batch that
expired never reached: ``batch_expired``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from routecli.providers import BatchPoll, BatchRequest, Completion, ProviderError
from routecli.providers.http import JsonEndpoint
from routecli.providers.openai import billed_usage, chat_body, parse_completion

__all__ = ["ENDED", "OpenAIBatches", "parse_results"]

ENDED = frozenset({"completed", "failed", "expired", "cancelled"})
"""Batch statuses after which nothing more will be answered."""
_ENDPOINT = "/v1/chat/completions"


class OpenAIBatches:
    """Batches of chat requests to ``{base_url}/files`` and ``{base_url}/batches``; the key goes in a header only."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout_s: float = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        sent = {"User-Agent": "routecli", **(headers or {})}
        if api_key:
            sent["Authorization"] = f"Bearer {api_key}"
        self._endpoint = JsonEndpoint(
            base_url, headers=sent, secret=api_key, timeout_s=timeout_s, max_connections=4, transport=transport
        )

    async def submit(self, model: str, requests: Sequence[BatchRequest]) -> str:
        """Upload the requests as a batch input file and create a batch of it; its id."""
        lines = [
            json.dumps(
                {
                    "custom_id": request.custom_id,
                    "method": "POST",
                    "url": _ENDPOINT,
                    "body": chat_body(model, request.messages, request.params, request.logprobs),
                },
                ensure_ascii=False,
            )
            for request in requests
        ]
        upload = ("\n".join(lines) + "\n").encode("utf-8")
        file_id = await self._endpoint.send(
            "POST",
            "files",
            _field("id"),
            files={"file": ("routecli-batch.jsonl", upload, "application/jsonl")},
            data={"purpose": "batch"},
        )
        body = {"input_file_id": file_id, "endpoint": _ENDPOINT, "completion_window": "24h"}
        batch_id: str = await self._endpoint.post("batches", body, _field("id"))
        return batch_id

    async def poll(self, batch_id: str) -> BatchPoll:
        """The batch's status now, and its output and error files once it has them."""
        return await self._endpoint.send("GET", f"batches/{batch_id}", _batch)

    async def results(self, poll: BatchPoll) -> dict[str, Completion | ProviderError]:
        """Each request's reply or error, by custom id, from the batch's output and error files."""
        found: dict[str, Completion | ProviderError] = {}
        for file_id in poll.files:
            found.update(await self._endpoint.send("GET", f"files/{file_id}/content", parse_results, text=True))
        return found

    async def aclose(self) -> None:
        await self._endpoint.aclose()


def _field(key: str) -> Any:
    def read(document: Any, status: int) -> str:
        value = document.get(key) if isinstance(document, Mapping) else None
        if not isinstance(value, str) or not value:
            raise ValueError(f"no {key!r} in the response")
        return value

    return read


def _batch(document: Any, status: int) -> BatchPoll:
    """A batch object: its id, status, files and the reason it failed."""
    if not isinstance(document, Mapping) or document.get("object") != "batch":
        raise ValueError("not a batch object")
    state = document.get("status")
    if not isinstance(state, str):
        raise ValueError("a batch object without a status")
    files = tuple(
        value for key in ("output_file_id", "error_file_id") if isinstance(value := document.get(key), str) and value
    )
    errors = document.get("errors")
    data = errors.get("data") if isinstance(errors, Mapping) else None
    error = None
    if isinstance(data, list) and data and isinstance(data[0], Mapping):
        error = f"{data[0].get('code')}: {data[0].get('message')}"
    return BatchPoll(str(document.get("id")), state, state in ENDED, files, error)


def parse_results(text: str, status: int = 200) -> dict[str, Completion | ProviderError]:
    """An output or error file's lines, by custom id: a completion, or the error with the provider's code."""
    found: dict[str, Completion | ProviderError] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            document = json.loads(line)
        except ValueError:
            raise ValueError(f"line {number} of a batch result file is not JSON") from None
        custom_id = document.get("custom_id") if isinstance(document, Mapping) else None
        if not isinstance(custom_id, str):
            raise ValueError(f"line {number} of a batch result file has no custom_id")
        found[custom_id] = _result(document)
    return found


def _result(document: Mapping[str, Any]) -> Completion | ProviderError:
    response = document.get("response")
    error = document.get("error")
    if isinstance(response, Mapping):
        code = response.get("status_code")
        body = response.get("body")
        if code == 200:
            try:
                return parse_completion(body, 200)
            except ValueError as problem:
                return ProviderError("malformed", f"malformed response: {problem}", 200, usage=billed_usage(body))
        detail = body.get("error") if isinstance(body, Mapping) else None
        if isinstance(detail, Mapping):
            error = detail
        status = code if isinstance(code, int) else None
        return _error(error, status)
    return _error(error, None)


def _error(error: Any, status: int | None) -> ProviderError:
    """The provider's error code as the kind (``batch_expired`` as ``expired``), its words as the message."""
    code = None
    message = ""
    if isinstance(error, Mapping):
        code = error.get("code") or error.get("type")
        message = str(error.get("message") or "")
    code = str(code) if code else "http" if status is not None else "error"
    kind = "expired" if code == "batch_expired" else code
    shown = f"HTTP {status} {code}" if status is not None else code
    return ProviderError(kind, f"{shown}: {message}" if message else shown, status)
