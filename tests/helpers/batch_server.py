"""A local server of OpenAI's Batch API and Anthropic's Message Batches, for tests of ``replay --batch``.

It listens on 127.0.0.1 (a port the OS picks) from a background thread and speaks the documented shapes:

- ``POST /v1/files`` (multipart: ``purpose=batch`` and ``file``, JSON Lines of ``{custom_id, method, url, body}``)
  answers a file object; ``POST /v1/batches`` ``{input_file_id, endpoint, completion_window}`` a batch object
  (``id``, ``object: "batch"``, ``status``, ``output_file_id``, ``error_file_id``, ``request_counts`` …);
  ``GET /v1/batches/{id}`` the same; ``GET /v1/files/{id}/content`` an output or error file.
- ``POST /v1/messages/batches`` ``{requests: [{custom_id, params}]}`` and ``GET /v1/messages/batches/{id}`` answer a
  message batch (``id``, ``type: "message_batch"``, ``processing_status``, ``request_counts``, ``results_url`` …);
  ``GET /v1/messages/batches/{id}/results`` its results, one ``{custom_id, result: {type, …}}`` a line.

A batch is ``in_progress`` for its first ``polls`` looks, then ends. Answers are decided by the last user message's
text: ``answers[text]`` (default ``"ok"``), or an error for a text in ``failures`` (HTTP 400,
``invalid_request_error``). A batch of a model in ``expire`` ends ``expired`` after answering only its first
request; one of a model in ``fail`` (OpenAI's) ends ``failed``, with ``errors`` and no files. While ``hold`` is set,
no batch ends. A request not of the documented shape is answered 400 and fails the test (``violations``). Tokens:
prompt tokens are the characters of every message's content (and Anthropic's system prompt) // 4 + 1; completion
tokens are the reply's words.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

__all__ = ["BatchServer", "batch_server"]


@dataclass
class _Batch:
    id: str
    kind: str  # "openai" or "anthropic"
    model: str
    requests: list[dict[str, Any]]
    polls_left: int
    status: str = "in_progress"
    lines: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


class BatchServer:
    """The two batch APIs, scripted through ``answers``, ``failures``, ``expire``, ``polls`` and ``hold``."""

    def __init__(self) -> None:
        self.answers: dict[str, str] = {}
        self.failures: set[str] = set()
        self.expire: set[str] = set()
        self.fail: set[str] = set()
        self.polls = 1
        self.hold = threading.Event()
        self.created: list[_Batch] = []
        self.requests: list[tuple[str, str]] = []
        self.headers: list[dict[str, str]] = []
        self.violations: list[str] = []
        """Requests not of the documented shape (answered 400): the fixture fails a test that sent one."""
        self._files: dict[str, bytes] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                server._handle(self, "GET")

            def do_POST(self) -> None:
                server._handle(self, "POST")

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self._http.server_address[1]}"
        self.base_url = f"{self.origin}/v1"
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()

    def submissions(self) -> list[str]:
        """The paths of requests that created a batch."""
        return [path for method, path in self.requests if method == "POST" and path.endswith("batches")]

    # ------------------------------------------------------------------ handling

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        path = handler.path
        with self._lock:
            self.requests.append((method, path))
            self.headers.append({key.lower(): value for key, value in handler.headers.items()})
            try:
                status, reply, text = self._route(method, path, body, handler.headers.get("Content-Type") or "")
            except (AssertionError, KeyError, ValueError) as error:  # a request not of the documented shape
                self.violations.append(f"{method} {path}: {type(error).__name__}: {error}")
                status, reply, text = 400, {"error": {"message": "not of the documented shape"}}, None
        payload = text.encode() if text is not None else json.dumps(reply).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/jsonl" if text is not None else "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def _route(self, method: str, path: str, body: bytes, content_type: str) -> tuple[int, Any, str | None]:
        parts = path.strip("/").split("/")
        if method == "POST" and path == "/v1/files":
            return 200, self._upload(body, content_type), None
        if method == "POST" and path == "/v1/batches":
            return 200, self._create_openai(json.loads(body)), None
        if method == "GET" and parts[:2] == ["v1", "batches"] and len(parts) == 3:
            return 200, self._openai_object(self._look(parts[2])), None
        if method == "GET" and parts[:2] == ["v1", "files"] and parts[-1] == "content":
            return 200, None, self._files[parts[2]].decode()
        if method == "POST" and path == "/v1/messages/batches":
            return 200, self._create_anthropic(json.loads(body)), None
        if method == "GET" and parts[:3] == ["v1", "messages", "batches"] and len(parts) == 4:
            return 200, self._anthropic_object(self._look(parts[3])), None
        if method == "GET" and parts[:3] == ["v1", "messages", "batches"] and parts[-1] == "results":
            batch = self._find(parts[3])
            return 200, None, "".join(json.dumps(line) + "\n" for line in batch.lines)
        return 404, {"error": {"message": f"no route {method} {path}"}}, None

    def _upload(self, body: bytes, content_type: str) -> dict[str, Any]:
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
        )
        fields = {part.get_param("name", header="content-disposition"): part for part in message.iter_parts()}
        assert fields["purpose"].get_content().strip() == "batch"
        content = fields["file"].get_payload(decode=True)
        file_id = f"file-{next(self._ids)}"
        self._files[file_id] = content
        return {"id": file_id, "object": "file", "bytes": len(content), "purpose": "batch", "filename": "x"}

    def _create_openai(self, document: dict[str, Any]) -> dict[str, Any]:
        assert document["endpoint"] == "/v1/chat/completions"
        assert document["completion_window"] == "24h"
        lines = [json.loads(line) for line in self._files[document["input_file_id"]].decode().splitlines() if line]
        assert all(line["method"] == "POST" and line["url"] == "/v1/chat/completions" for line in lines)
        models = {line["body"]["model"] for line in lines}
        assert len(models) == 1, "one model per batch"
        batch = _Batch(f"batch_{next(self._ids)}", "openai", models.pop(), lines, self.polls)
        self.created.append(batch)
        return self._openai_object(batch)

    def _create_anthropic(self, document: dict[str, Any]) -> dict[str, Any]:
        requests = document["requests"]
        assert all(set(item) == {"custom_id", "params"} for item in requests)
        batch = _Batch(f"msgbatch_{next(self._ids)}", "anthropic", requests[0]["params"]["model"], requests, self.polls)
        self.created.append(batch)
        return self._anthropic_object(batch)

    def _find(self, batch_id: str) -> _Batch:
        return next(batch for batch in self.created if batch.id == batch_id)

    def _look(self, batch_id: str) -> _Batch:
        """A poll: the batch ends once its polls are used up (unless held)."""
        batch = self._find(batch_id)
        if batch.status == "in_progress" and not self.hold.is_set():
            if batch.polls_left > 0:
                batch.polls_left -= 1
            else:
                self._finish(batch)
        return batch

    def _finish(self, batch: _Batch) -> None:
        if batch.kind == "openai" and batch.model in self.fail:
            batch.status = "failed"
            return
        expiring = batch.model in self.expire
        for index, request in enumerate(batch.requests):
            expired = expiring and index > 0
            if batch.kind == "openai":
                self._openai_line(batch, request, expired)
            else:
                self._anthropic_line(batch, request, expired)
        batch.status = ("expired" if expiring else "completed") if batch.kind == "openai" else "ended"

    def _openai_line(self, batch: _Batch, request: dict[str, Any], expired: bool) -> None:
        custom_id = request["custom_id"]
        if expired:
            error = {"code": "batch_expired", "message": "This request could not be executed before the window."}
            batch.errors.append({"id": f"req_{custom_id}", "custom_id": custom_id, "response": None, "error": error})
            return
        body = request["body"]
        text = _last_user(body["messages"])
        if text in self.failures:
            error = {"message": "Invalid prompt", "type": "invalid_request_error", "code": "invalid_prompt"}
            response = {"status_code": 400, "request_id": "x", "body": {"error": error}}
            batch.errors.append({"id": f"req_{custom_id}", "custom_id": custom_id, "response": response, "error": None})
            return
        reply = self.answers.get(text, "ok")
        completion = {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}],
            "usage": {
                "prompt_tokens": _prompt_tokens(body["messages"]),
                "completion_tokens": len(reply.split()),
                "total_tokens": 0,
            },
        }
        if body.get("logprobs"):
            completion["choices"][0]["logprobs"] = {
                "content": [{"token": word, "logprob": -0.1, "top_logprobs": []} for word in reply.split()]
            }
        response = {"status_code": 200, "request_id": "x", "body": completion}
        batch.lines.append({"id": f"req_{custom_id}", "custom_id": custom_id, "response": response, "error": None})

    def _anthropic_line(self, batch: _Batch, request: dict[str, Any], expired: bool) -> None:
        custom_id, params = request["custom_id"], request["params"]
        if expired:
            batch.lines.append({"custom_id": custom_id, "result": {"type": "expired"}})
            return
        text = _last_user(params["messages"])
        if text in self.failures:
            error = {"type": "error", "error": {"type": "invalid_request_error", "message": "Invalid prompt"}}
            batch.lines.append({"custom_id": custom_id, "result": {"type": "errored", "error": error}})
            return
        reply = self.answers.get(text, "ok")
        system = params.get("system") or ""
        message = {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": params["model"],
            "content": [{"type": "text", "text": reply}],
            "stop_reason": "end_turn",
            "usage": {
                "input_tokens": _prompt_tokens(params["messages"], len(system)),
                "output_tokens": len(reply.split()),
            },
        }
        batch.lines.append({"custom_id": custom_id, "result": {"type": "succeeded", "message": message}})

    def _openai_object(self, batch: _Batch) -> dict[str, Any]:
        ended = batch.status != "in_progress"
        output = f"file-out-{batch.id}" if ended and batch.lines else None
        errors = f"file-err-{batch.id}" if ended and batch.errors else None
        if output:
            self._files[output] = "".join(json.dumps(line) + "\n" for line in batch.lines).encode()
        if errors:
            self._files[errors] = "".join(json.dumps(line) + "\n" for line in batch.errors).encode()
        return {
            "id": batch.id,
            "object": "batch",
            "endpoint": "/v1/chat/completions",
            "errors": {"object": "list", "data": [{"code": "invalid_json_line", "message": "Line 1 is not JSON"}]}
            if batch.status == "failed"
            else None,
            "input_file_id": "file-in",
            "completion_window": "24h",
            "status": batch.status,
            "output_file_id": output,
            "error_file_id": errors,
            "created_at": 1,
            "request_counts": {
                "total": len(batch.requests),
                "completed": sum(1 for line in batch.lines),
                "failed": len(batch.errors),
            },
            "metadata": None,
        }

    def _anthropic_object(self, batch: _Batch) -> dict[str, Any]:
        ended = batch.status == "ended"
        types = [line["result"]["type"] for line in batch.lines]
        return {
            "id": batch.id,
            "type": "message_batch",
            "processing_status": batch.status,
            "request_counts": {
                "processing": 0 if ended else len(batch.requests),
                "succeeded": types.count("succeeded"),
                "errored": types.count("errored"),
                "canceled": types.count("canceled"),
                "expired": types.count("expired"),
            },
            "ended_at": "2026-12-08T00:00:00Z" if ended else None,
            "created_at": "2026-12-08T00:00:00Z",
            "expires_at": "2026-12-09T00:00:00Z",
            "cancel_initiated_at": None,
            "results_url": f"{self.base_url}/messages/batches/{batch.id}/results" if ended else None,
        }


def _last_user(messages: list[dict[str, Any]]) -> str:
    users = [message for message in messages if message["role"] == "user"]
    content = users[-1]["content"]
    return content if isinstance(content, str) else "".join(part.get("text", "") for part in content)


def _prompt_tokens(messages: list[dict[str, Any]], extra: int = 0) -> int:
    characters = extra
    for message in messages:
        content = message["content"]
        characters += len(content) if isinstance(content, str) else sum(len(p.get("text", "")) for p in content)
    return characters // 4 + 1


@pytest.fixture
def batch_server() -> Iterator[BatchServer]:
    server = BatchServer()
    try:
        yield server
    finally:
        server.close()
    assert server.violations == []
