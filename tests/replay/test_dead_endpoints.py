"""A provider that never answered and cannot be reached, or refuses every model, stops a replay in seconds with
exit code 2 and a message naming it and its URL; one that answered, or that only some models refuse, is retried
and recorded as before."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from routecli.cli import app
from routecli.providers import ProviderError
from routecli.providers.openai import OpenAIProvider
from routecli.replay.calls import shown_url
from tests.helpers.fault_server import Fault, FaultServer
from tests.helpers.files import write

pytest_plugins = ["tests.helpers.fault_server"]

SECRET = "sk-dead-endpoint-secret"
PROMPTS = 24


def free_port() -> int:
    """A port where nothing listens: bound to learn it, then closed."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def config(folder: Path, base_url: str) -> Path:
    return write(
        folder / "router.yaml",
        f"""\
providers:
  local:
    base_url: {base_url}
    api_key_env: ROUTECLI_DEAD_KEY
    timeout_s: 2
    retry: {{max_attempts: 4, initial_backoff_s: 0.05, max_backoff_s: 0.2}}
tiers:
  small: {{provider: local, model: small, price: {{input_per_mtok: 1, output_per_mtok: 2}}}}
  large: {{provider: local, model: large, price: {{input_per_mtok: 10, output_per_mtok: 30}}}}
cascade:
  chain: [small, large]
  accept: {{all: [{{type: length, min_chars: 3}}]}}
""",
    )


def prompts(folder: Path) -> Path:
    lines = "".join(json.dumps({"id": f"p{i}", "prompt": f"question {i}"}) + "\n" for i in range(PROMPTS))
    return write(folder / "prompts.jsonl", lines)


def replay(folder: Path, *extra: str) -> tuple[Result, float]:
    args = ["replay", str(folder / "prompts.jsonl"), "-c", str(folder / "router.yaml"), "--no-progress"]
    started = time.monotonic()
    result = CliRunner().invoke(app, [*args, *extra])
    return result, time.monotonic() - started


def lines(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(autouse=True)
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROUTECLI_DEAD_KEY", SECRET)


def test_a_dead_endpoint_stops_the_run_in_seconds_and_resume_continues_it(
    tmp_path: Path, fault_server: FaultServer
) -> None:
    port = free_port()
    config(tmp_path, f"http://127.0.0.1:{port}/v1")
    prompts(tmp_path)
    log = tmp_path / "decisions.jsonl"
    result, seconds = replay(tmp_path, "--log", str(log))
    assert result.exit_code == 2, result.output
    assert seconds < 10
    assert result.stderr.splitlines()[-1] == f"Error: provider 'local' (http://127.0.0.1:{port}/v1): connection refused"
    assert "continue with --resume" in result.stderr
    assert "Traceback" not in result.stderr
    written = lines(log)
    assert [line["kind"] for line in written] == ["run", "end"]  # the prompts that met it are not logged
    assert written[-1]["stopped"] == "provider"
    assert SECRET not in log.read_text(encoding="utf-8")

    config(tmp_path, fault_server.base_url)  # fixed: --resume replays every prompt
    resumed, _ = replay(tmp_path, "--resume", str(log))
    assert resumed.exit_code == 0, resumed.output
    decisions = [line for line in lines(log) if line["kind"] == "decision"]
    assert sorted(d["id"] for d in decisions) == sorted(f"p{i}" for i in range(PROMPTS))


@pytest.mark.parametrize(
    ("status", "hint"),
    [
        (401, "wrong API key? (the key is read from ROUTECLI_DEAD_KEY)"),
        (403, "wrong API key, or one without access to these models? (the key is read from ROUTECLI_DEAD_KEY)"),
        (404, "wrong path (base_url usually ends in /v1) or wrong model name?"),
    ],
)
def test_a_status_for_every_model_stops_the_run_with_a_hint(
    tmp_path: Path, fault_server: FaultServer, status: int, hint: str
) -> None:
    for model in ("small", "large"):
        fault_server.always(model, Fault("status", status=status))
    config(tmp_path, fault_server.base_url)
    prompts(tmp_path)
    log = tmp_path / "decisions.jsonl"
    result, seconds = replay(tmp_path, "--log", str(log))
    assert result.exit_code == 2, result.output
    assert seconds < 10
    assert result.stderr.splitlines()[-1] == (
        f"Error: provider 'local' ({fault_server.base_url}): HTTP {status} for every model (large, small): {hint}"
    )
    assert len(fault_server.requests) < 2 * PROMPTS  # not one request per prompt and tier
    assert [line["kind"] for line in lines(log)] == ["run", "end"]


def test_a_status_for_one_model_only_escalates_as_before(tmp_path: Path, fault_server: FaultServer) -> None:
    fault_server.always("small", Fault("status", status=404))  # a wrong model name on one tier: large still answers
    config(tmp_path, fault_server.base_url)
    prompts(tmp_path)
    log = tmp_path / "decisions.jsonl"
    result, _ = replay(tmp_path, "--log", str(log))
    assert result.exit_code == 0, result.output
    decisions = [line for line in lines(log) if line["kind"] == "decision"]
    assert len(decisions) == PROMPTS
    assert all(d["final_tier"] == "large" for d in decisions)


def test_resets_before_any_answer_are_retried_and_logged_with_host_and_port(
    tmp_path: Path, fault_server: FaultServer
) -> None:
    fault_server.script("small", [Fault("reset")] * 4)  # a connection made, then dropped: not a dead endpoint
    config(tmp_path, fault_server.base_url)
    write(tmp_path / "prompts.jsonl", '{"id": "p0", "prompt": "question"}\n')
    log = tmp_path / "decisions.jsonl"
    result, _ = replay(tmp_path, "--log", str(log))
    assert result.exit_code == 0, result.output
    (decision,) = [line for line in lines(log) if line["kind"] == "decision"]
    errors = [attempt["error"] for attempt in decision["attempts"] if attempt["error"]]
    assert len(errors) == 4
    assert all(error.endswith(f"(127.0.0.1:{fault_server.port})") for error in errors)
    assert decision["final_tier"] == "large"
    assert SECRET not in log.read_text(encoding="utf-8")


def test_a_refused_connection_names_host_and_port_and_why() -> None:
    port = free_port()

    async def main() -> ProviderError:
        client = OpenAIProvider(f"http://127.0.0.1:{port}/v1", api_key=SECRET)
        try:
            with pytest.raises(ProviderError) as caught:
                await client.complete("m", [{"role": "user", "content": "hi"}], {})
            return caught.value
        finally:
            await client.aclose()

    error = asyncio.run(main())
    assert (error.kind, error.unreachable) == ("connect", "connection refused")
    assert str(error) == f"cannot connect to 127.0.0.1:{port}: connection refused"


def test_messages_show_no_credentials_or_query_string() -> None:
    assert shown_url("https://user:pw@api.example.test:8443/v1?key=sk-1#top") == "https://api.example.test:8443/v1"
    assert shown_url("http://127.0.0.1:9/v1") == "http://127.0.0.1:9/v1"
