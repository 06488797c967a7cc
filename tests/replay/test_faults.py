"""Replay against a server that misbehaves on demand: every prompt ends answered or failed with its reason,
nothing is billed twice, the report equals the log, and a killed run resumes without repeating a prompt."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from routecli.cli import app
from tests.helpers.fault_server import Fault, FaultServer
from tests.helpers.files import write

pytest_plugins = ["tests.helpers.fault_server"]


def config(server: FaultServer, folder: Path, *, attempts: int = 3) -> Path:
    return write(
        folder / "router.yaml",
        f"""\
providers:
  faulty:
    base_url: {server.base_url}
    timeout_s: 0.5
    retry: {{max_attempts: {attempts}, initial_backoff_s: 0.01, max_backoff_s: 0.05}}
tiers:
  small: {{provider: faulty, model: small, price: {{input_per_mtok: 1, output_per_mtok: 2}}}}
  large: {{provider: faulty, model: large, price: {{input_per_mtok: 10, output_per_mtok: 30}}}}
  backup: {{provider: faulty, model: backup, price: {{input_per_mtok: 5, output_per_mtok: 15}}}}
cascade:
  chain: [small, large]
  accept: {{all: [{{type: length, min_chars: 3}}]}}
fallbacks:
  large: [backup]
""",
    )


def prompts(folder: Path, count: int) -> Path:
    lines = "".join(json.dumps({"id": f"p{i}", "prompt": f"question number {i}"}) + "\n" for i in range(count))
    return write(folder / "prompts.jsonl", lines)


def read_lines(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def test_every_fault_ends_in_an_answer_or_a_recorded_failure(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.script(
        "small",
        [
            Fault("status", status=429, retry_after=0.2),
            Fault("status", status=500),
            Fault("status", status=503),
            Fault("hang", seconds=2),
            Fault("reset"),
            Fault("truncated"),
            Fault("malformed"),
            Fault("trickle", seconds=0.2, content="trickled in"),
        ],
    )
    fault_server.always("large", Fault("status", status=503))
    log, report_path = tmp_path / "decisions.jsonl", tmp_path / "report.json"
    args = ["replay", str(prompts(tmp_path, 6)), "-c", str(config(fault_server, tmp_path)), "--concurrency", "1"]
    result = CliRunner().invoke(app, [*args, "--log", str(log), "-o", str(report_path)])
    assert result.exit_code == 0, result.output
    lines = read_lines(log)
    decisions = [line for line in lines if line["kind"] == "decision"]
    assert sorted(d["id"] for d in decisions) == [f"p{i}" for i in range(6)]
    for decision in decisions:  # answered by small, or for large by its fallback after large kept failing
        assert decision["final_tier"] in ("small", "large")
        served = [a for a in decision["attempts"] if a["error"] is None and a["role"] == "answer"][-1]
        assert served["tier"] == ("small" if decision["final_tier"] == "small" else "backup")
    attempts = [a for d in decisions for a in d["attempts"]]
    # nothing billed twice: one priced attempt per request the server answered in full
    answered = [r for r in fault_server.requests if r.fault.kind in ("ok", "trickle")]
    assert len([a for a in attempts if a["error"] is None]) == len(answered)
    assert all(Decimal(a["cost"]) == 0 for a in attempts if a["error"] is not None)
    kinds = {a["error_kind"] for a in attempts if a["error"]}
    assert {"http", "timeout", "connect", "malformed"} <= kinds
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert Decimal(report["total_spend"]) == sum(Decimal(a["cost"]) for a in attempts)
    assert report["retries"] == sum(a["retry"] > 0 for a in attempts)
    assert report["fallbacks"] == {"large": {"backup": sum(a["fallback_for"] == "large" for a in attempts)}}
    # the retry after the 429 waited for its Retry-After
    small = [r for r in fault_server.requests if r.model == "small"]
    assert small[1].received_at - small[0].received_at >= 0.2
    assert lines[-1] == {**lines[-1], "kind": "end", "stopped": None}


def test_a_prompt_no_tier_or_fallback_can_answer_is_failed_with_its_reason(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    for model in ("small", "large", "backup"):
        fault_server.always(model, Fault("status", status=503))
    log = tmp_path / "decisions.jsonl"
    args = ["replay", str(prompts(tmp_path, 2)), "-c", str(config(fault_server, tmp_path, attempts=2))]
    result = CliRunner().invoke(app, [*args, "--log", str(log)])
    assert result.exit_code == 1
    decisions = [line for line in read_lines(log) if line["kind"] == "decision"]
    assert all(d["final_tier"] is None and d["error"].startswith("HTTP 503") for d in decisions)
    # small twice, large twice, backup twice: per prompt
    assert len(fault_server.requests) == 2 * 6


def test_the_budget_stops_the_run_with_exit_code_3(fault_server: FaultServer, tmp_path: Path) -> None:
    log = tmp_path / "decisions.jsonl"
    args = ["replay", str(prompts(tmp_path, 20)), "-c", str(config(fault_server, tmp_path)), "--concurrency", "1"]
    result = CliRunner().invoke(app, [*args, "--log", str(log), "--max-spend", "0.00002", "-f", "json"])
    assert result.exit_code == 3, result.output
    lines = read_lines(log)
    decisions = [line for line in lines if line["kind"] == "decision"]
    spent = sum(Decimal(a["cost"]) for d in decisions for a in d["attempts"])
    before_last = spent - sum(Decimal(a["cost"]) for a in decisions[-1]["attempts"])
    assert before_last < Decimal("0.00002") <= spent  # stopped as soon as the budget was reached
    assert lines[-1]["stopped"] == "budget"
    assert json.loads(result.stdout)["stopped"] == "budget"
    assert "--resume" in result.stderr


def _replay_process(prompts_path: Path, config_path: Path, log: Path, *extra: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "routecli", "replay", str(prompts_path), "-c", str(config_path)]
    command += ["--log", str(log), "--concurrency", "2", "--no-progress", *extra]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ})


def _wait_for_lines(log: Path, count: int, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if log.exists() and log.read_text(encoding="utf-8").count("\n") >= count:
            return
        time.sleep(0.02)
    raise AssertionError(f"{log} never reached {count} lines")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and SIGTERM are POSIX signals")
def test_a_killed_run_resumes_with_every_id_logged_exactly_once(fault_server: FaultServer, tmp_path: Path) -> None:
    for model in ("small", "large", "backup"):
        fault_server.always(model, Fault("ok", delay=0.05, content="a fine answer"))
    prompts_path, config_path = prompts(tmp_path, 40), config(fault_server, tmp_path)
    log = tmp_path / "run" / "decisions.jsonl"
    process = _replay_process(prompts_path, config_path, log)
    _wait_for_lines(log, 6)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    if process.stderr:
        process.stderr.close()
    with log.open("a", encoding="utf-8") as torn:  # as if killed in the middle of writing a line
        torn.write('{"kind":"decision","id":"p39","li')
    resumed = _replay_process(prompts_path, config_path, tmp_path / "unused.jsonl", "--resume", str(log.parent))
    assert resumed.wait(timeout=60) == 0, resumed.stderr.read() if resumed.stderr else ""
    if resumed.stderr:
        resumed.stderr.close()
    lines = read_lines(log)
    ids = [line["id"] for line in lines if line["kind"] == "decision"]
    assert sorted(ids) == sorted(f"p{i}" for i in range(40))  # each exactly once
    assert [line["kind"] for line in lines].count("run") == 1
    assert lines[-1]["kind"] == "end"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is a POSIX signal")
def test_sigterm_lets_requests_in_flight_finish_and_says_how_to_resume(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    for model in ("small", "large", "backup"):
        fault_server.always(model, Fault("ok", delay=0.1, content="a fine answer"))
    log = tmp_path / "run" / "decisions.jsonl"
    process = _replay_process(prompts(tmp_path, 40), config(fault_server, tmp_path), log)
    _wait_for_lines(log, 3)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 143
    stderr = process.stderr.read().decode() if process.stderr else ""
    if process.stderr:
        process.stderr.close()
    assert "Stopped early (terminated)" in stderr
    assert f"--resume {log.parent}" in stderr
    lines = read_lines(log)
    assert lines[-1]["kind"] == "end"
    assert lines[-1]["stopped"] == "terminated"
    decisions = [line for line in lines if line["kind"] == "decision"]
    assert 0 < len(decisions) < 40
    assert all(d["final_tier"] is not None for d in decisions)  # those in flight finished, none was cut off


def test_an_anthropic_tier_is_billed_for_its_cache_reads_and_writes(fault_server: FaultServer, tmp_path: Path) -> None:
    usage = {"input_tokens": 1000, "cache_read_input_tokens": 2000, "cache_creation_input_tokens": 500}
    fault_server.always("claude", Fault("ok", content="four", usage={**usage, "output_tokens": 100}))
    config_path = write(
        tmp_path / "claude.yaml",
        f"""\
providers:
  anthropic: {{type: anthropic, base_url: {fault_server.base_url}, api_key_env: ROUTECLI_TEST_ANTHROPIC}}
tiers:
  claude:
    provider: anthropic
    model: claude
    price: {{input_per_mtok: 3, output_per_mtok: 15, cached_input_per_mtok: 0.3, cache_write_per_mtok: 3.75}}
""",
    )
    log = tmp_path / "decisions.jsonl"
    result = CliRunner().invoke(
        app,
        ["replay", str(prompts(tmp_path, 1)), "-c", str(config_path), "--log", str(log)],
        env={"ROUTECLI_TEST_ANTHROPIC": "sk-ant-secret"},
    )
    assert result.exit_code == 0, result.output
    (request,) = fault_server.requests
    assert request.path == "/v1/messages"
    assert request.headers["x-api-key"] == "sk-ant-secret"
    (attempt,) = read_lines(log)[1]["attempts"]
    assert (attempt["input_tokens"], attempt["cached_tokens"], attempt["cache_write_tokens"]) == (3500, 2000, 500)
    # 1000 × $3 + 2000 × $0.30 + 500 × $3.75 + 100 × $15, per 1M tokens
    assert Decimal(attempt["cost"]) == Decimal("0.006975")
    assert "sk-ant-secret" not in log.read_text(encoding="utf-8")
