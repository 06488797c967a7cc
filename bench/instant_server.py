"""An OpenAI-compatible endpoint that answers every chat completion at once, for replay's throughput benchmark.

Run: python bench/instant_server.py [--port N]   (prints the port when ready; 0 picks a free one)

Hand-written on ``asyncio.Protocol`` with the reply bytes built once, so that
the server costs a small fraction of what an HTTP client spends per request:
the benchmark measures the client side, not this. HTTP/1.1 keep-alive,
Content-Length bodies only (what httpx sends), no pipelining. ``running()``
starts it in its own process, so it never competes for the client's GIL.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

__all__ = ["REPLY", "running", "serve"]

REPLY = {
    "id": "chatcmpl-instant",
    "object": "chat.completion",
    "created": 0,
    "model": "instant",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "42"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 42, "completion_tokens": 2, "total_tokens": 44},
}
_BODY = json.dumps(REPLY, separators=(",", ":")).encode()
_OK = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(_BODY)) + _BODY
_NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
_BAD_REQUEST = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
_HEAD_END = b"\r\n\r\n"
_ROUTE = b"post /v1/chat/completions "  # matched against the lowercased head


class _Connection(asyncio.Protocol):
    """One keep-alive connection: read a head and its Content-Length body, answer, wait for the next."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        self.buffer += data
        while (end := self.buffer.find(_HEAD_END)) >= 0:
            head = bytes(self.buffer[:end]).lower()
            length = _content_length(head)
            if length is None:
                self.transport.write(_BAD_REQUEST)
                self.transport.close()
                return
            request_end = end + len(_HEAD_END) + length
            if len(self.buffer) < request_end:
                return  # the body is still coming
            self.transport.write(_OK if head.startswith(_ROUTE) else _NOT_FOUND)
            del self.buffer[:request_end]
            if b"\r\nconnection: close" in head:
                self.transport.close()
                return


def _content_length(head: bytes) -> int | None:
    """The body's length from a lowercased request head: 0 when absent, None when unreadable or chunked."""
    if b"\r\ntransfer-encoding:" in head:
        return None
    start = head.find(b"\r\ncontent-length:")
    if start < 0:
        return 0
    start += len(b"\r\ncontent-length:")
    stop = head.find(b"\r\n", start)
    try:
        return int(head[start : stop if stop >= 0 else len(head)])
    except ValueError:
        return None


async def serve(port: int) -> None:
    """Answer on 127.0.0.1:``port`` until killed; print the bound port (a line on stdout) once listening."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_Connection, "127.0.0.1", port, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


@contextlib.contextmanager
def running() -> Iterator[str]:
    """The base URL (``http://127.0.0.1:N/v1``) of a server in a child process, which is always terminated."""
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        if not port.isdigit():
            raise RuntimeError(f"the instant server did not start (exit code {process.poll()})")
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default 0: a free one)")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
