"""``replay --batch``: rounds of batches through OpenAI's Batch API and Anthropic's Message Batches, billed at batch
prices, against a local server of both (tests/helpers/batch_server.py). Its token counts are easy to compute by
hand: prompt tokens are the characters of the messages // 4 + 1, completion tokens the reply's words."""

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
from typer.testing import CliRunner, Result

from routecli.cli import app
from tests.helpers.batch_server import BatchServer
from tests.helpers.cli import refused
from tests.helpers.files import write
from tests.helpers.paths import REPO

pytest_plugins = ["tests.helpers.batch_server"]

KEY = "sk-batch-test-secret"
TWO_PLUS_TWO = "What is 2+2?"  # 12 characters: 4 prompt tokens
CAPITAL = "Name the capital of France."  # 27 characters: 7 prompt tokens
LONGER = "Say something longer, please."  # 29 characters: 8 prompt tokens
# USD per 1M tokens: list input, output; batch input, output
TIERS = """\
tiers:
  small: {{provider: {provider}, model: small-model, price: {{input_per_mtok: 1, output_per_mtok: 2,
          batch: {{input_per_mtok: 0.5, output_per_mtok: 1}}}}}}
  large: {{provider: {provider}, model: large-model, price: {{input_per_mtok: 10, output_per_mtok: 30,
          batch: {{input_per_mtok: 5, output_per_mtok: 15}}}}}}
"""


@pytest.fixture(autouse=True)
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BATCH_TEST_KEY", KEY)


def router(server: BatchServer, folder: Path, *, kind: str = "openai", cascade: bool = True) -> Path:
    text = f"providers:\n  api: {{type: {kind}, base_url: {server.base_url}, api_key_env: BATCH_TEST_KEY}}\n"
    text += TIERS.format(provider="api")
    if cascade:
        text += "cascade:\n  chain: [small, large]\n  accept: {all: [{type: length, min_chars: 3}]}\n"
    else:
        text += "routing: {type: fixed, tier: small}\n"
    return write(folder / "router.yaml", text)


def prompts(folder: Path, *texts: str) -> Path:
    lines = [json.dumps({"id": f"p{index}", "prompt": text}) for index, text in enumerate(texts)]
    return write(folder / "prompts.jsonl", "\n".join(lines) + "\n")


def replay(prompt_file: Path, config: Path, log: Path, *extra: str) -> Result:
    args = ["replay", str(prompt_file), "-c", str(config), "--log", str(log), "--batch", "--batch-poll", "0.01"]
    return CliRunner().invoke(app, [*args, "--no-progress", "--format", "json", *extra])


def lines(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def spend(log: Path) -> Decimal:
    return sum(
        (Decimal(attempt["cost"]) for line in lines(log) if line["kind"] == "decision" for attempt in line["attempts"]),
        Decimal(0),
    )


def test_a_cascade_runs_in_two_rounds_at_batch_prices(batch_server: BatchServer, tmp_path: Path) -> None:
    batch_server.answers[TWO_PLUS_TWO] = "four"  # 4 characters: accepted on the small tier
    log = tmp_path / "decisions.jsonl"
    result = replay(prompts(tmp_path, TWO_PLUS_TWO, CAPITAL), router(batch_server, tmp_path), log)
    assert result.exit_code == 0, result.output
    assert [(batch.model, len(batch.requests)) for batch in batch_server.created] == [
        ("small-model", 2),
        ("large-model", 1),  # "ok" has 2 characters: only p1 escalates, in a second round
    ]
    assert all(headers.get("authorization") == f"Bearer {KEY}" for headers in batch_server.headers)
    events = [(line["kind"], line.get("event") or line.get("id")) for line in lines(log)]
    assert events == [
        ("run", None),
        ("batch", "submitted"),
        ("batch", "ended"),
        ("decision", "p0"),  # written as soon as its round ended
        ("batch", "submitted"),
        ("batch", "ended"),
        ("decision", "p1"),
        ("end", None),
    ]
    decisions = {line["id"]: line for line in lines(log) if line["kind"] == "decision"}
    assert decisions["p0"]["final_tier"] == "small"
    assert decisions["p1"]["final_tier"] == "large"
    # p0 on small: 4 * 0.5 + 1 * 1; p1 on small: 7 * 0.5 + 1 * 1, then on large 7 * 5 + 1 * 15 (USD per 1M tokens)
    expected = (Decimal(3) + Decimal("4.5") + Decimal(50)) / 1_000_000
    assert spend(log) == expected
    report = json.loads(result.stdout)
    assert Decimal(report["total_spend"]) == expected
    assert report["escalated"] == 1
    header = lines(log)[0]
    assert header["batch"] is True
    assert header["tiers"][0]["price"]["input_per_mtok"] == "0.5"  # the run is priced as billed
    assert KEY not in log.read_text()


def test_all_tiers_is_one_round_per_tier_through_anthropic_message_batches(
    batch_server: BatchServer, tmp_path: Path
) -> None:
    batch_server.answers[TWO_PLUS_TWO] = "four"
    log = tmp_path / "decisions.jsonl"
    config = router(batch_server, tmp_path, kind="anthropic")
    result = replay(prompts(tmp_path, TWO_PLUS_TWO, CAPITAL), config, log, "--all-tiers")
    assert result.exit_code == 0, result.output
    assert [(batch.model, len(batch.requests)) for batch in batch_server.created] == [
        ("small-model", 2),
        ("large-model", 2),
    ]
    assert all(headers.get("x-api-key") == KEY for headers in batch_server.headers)
    assert all(headers.get("anthropic-version") == "2023-06-01" for headers in batch_server.headers)
    decisions = [line for line in lines(log) if line["kind"] == "decision"]
    assert [[attempt["tier"] for attempt in line["attempts"]] for line in decisions] == [["small", "large"]] * 2
    assert [[attempt["accepted"] for attempt in line["attempts"]] for line in decisions] == [
        [True, True],  # the length evaluator judges answers that have no expected one
        [False, False],
    ]
    # small: (4 + 7) * 0.5 + (1 + 1) * 1 = 7.5; large: (4 + 7) * 5 + (1 + 1) * 15 = 85
    assert spend(log) == Decimal("92.5") / 1_000_000
    assert (tmp_path / "outcomes.jsonl").is_file()


def test_a_partly_failed_batch_records_the_failed_request_with_the_providers_code(
    batch_server: BatchServer, tmp_path: Path
) -> None:
    batch_server.failures.add(CAPITAL)
    log = tmp_path / "decisions.jsonl"
    config = router(batch_server, tmp_path, cascade=False)
    result = replay(prompts(tmp_path, TWO_PLUS_TWO, CAPITAL), config, log)
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["errors"] == {"by_kind": {"invalid_prompt": 1}, "failed_ids": ["p1"]}
    failed = next(line for line in lines(log) if line.get("id") == "p1")
    assert failed["error"] == "HTTP 400 invalid_prompt: Invalid prompt"
    assert failed["attempts"][0]["status"] == 400
    assert Decimal(report["total_spend"]) == Decimal(3) / 1_000_000  # p0 alone: 4 * 0.5 + 1 * 1


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_an_expired_batch_records_the_requests_it_never_ran_as_expired(
    batch_server: BatchServer, tmp_path: Path, kind: str
) -> None:
    batch_server.expire.add("small-model")  # it answers its first request, then expires
    log = tmp_path / "decisions.jsonl"
    config = router(batch_server, tmp_path, kind=kind, cascade=False)
    result = replay(prompts(tmp_path, TWO_PLUS_TWO, CAPITAL, LONGER), config, log)
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["errors"] == {"by_kind": {"expired": 2}, "failed_ids": ["p1", "p2"]}
    assert report["answered"] == 1
    ended = next(line for line in lines(log) if line.get("event") == "ended")
    assert ended["status"] == ("expired" if kind == "openai" else "ended")


def test_a_cascade_whose_first_round_expired_escalates_the_expired_requests(
    batch_server: BatchServer, tmp_path: Path
) -> None:
    batch_server.expire.add("small-model")
    batch_server.answers[TWO_PLUS_TWO] = "four"
    log = tmp_path / "decisions.jsonl"
    result = replay(prompts(tmp_path, TWO_PLUS_TWO, CAPITAL), router(batch_server, tmp_path), log)
    assert result.exit_code == 0, result.output
    decisions = {line["id"]: line for line in lines(log) if line["kind"] == "decision"}
    assert decisions["p1"]["escalations"] == [{"from": "small", "to": "large", "reasons": ["error"]}]
    assert decisions["p1"]["attempts"][0]["error_kind"] == "expired"


def test_a_tier_without_batch_prices_is_refused_before_anything_is_sent(
    batch_server: BatchServer, tmp_path: Path
) -> None:
    config = router(batch_server, tmp_path)
    text = config.read_text()
    without = text.replace(",\n          batch: {input_per_mtok: 5, output_per_mtok: 15}", "")
    assert without != text
    config.write_text(without)
    args = ["-c", str(config), "--batch", "--batch-poll", "0.01", "--log", str(tmp_path / "d")]
    message = refused("replay", str(prompts(tmp_path, TWO_PLUS_TWO)), *args)
    assert message == (
        f"{config}: tiers.large: --batch bills at batch prices, and tier 'large' (large-model) has none; "
        "give its price a batch: entry, or run without --batch"
    )
    assert batch_server.requests == []


def test_batch_poll_without_batch_is_refused(tmp_path: Path) -> None:
    message = refused("replay", "p.jsonl", "-c", "r.yaml", "--batch-poll", "1")
    assert message == "--batch-poll is how often a --batch run looks at its batches: give --batch too"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT stops a run gracefully only on POSIX")
def test_resume_polls_the_batch_still_in_flight_instead_of_submitting_it_again(
    batch_server: BatchServer, tmp_path: Path
) -> None:
    batch_server.hold.set()  # no batch ends until released
    batch_server.answers[TWO_PLUS_TWO] = "four"
    config = router(batch_server, tmp_path, cascade=False)
    prompt_file = prompts(tmp_path, TWO_PLUS_TWO, CAPITAL)
    log = tmp_path / "decisions.jsonl"
    command = [sys.executable, "-m", "routecli", "replay", str(prompt_file), "-c", str(config), "--log", str(log)]
    command += ["--batch", "--batch-poll", "0.01", "--no-progress"]
    environment = {**os.environ, "BATCH_TEST_KEY": KEY, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environment)
    try:
        deadline = time.monotonic() + 30
        while not batch_server.created or len(batch_server.requests) < 3:  # submitted, and polled once
            assert process.poll() is None, "the run ended before its batch was submitted"
            assert time.monotonic() < deadline, "no batch was submitted"
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        assert process.stderr is not None
        stderr = process.stderr.read().decode()
        process.stderr.close()
    assert code == 130, stderr
    assert f"--resume {log} --batch" in stderr
    assert [(line["kind"], line.get("event")) for line in lines(log)] == [
        ("run", None),
        ("batch", "submitted"),
        ("end", None),
    ]
    batch_server.hold.clear()
    resumed = replay(prompt_file, config, log, "--resume", str(log))
    assert resumed.exit_code == 0, resumed.output
    assert len(batch_server.submissions()) == 1  # the batch in flight was polled, not sent again
    assert len(batch_server.created) == 1
    decisions = [line for line in lines(log) if line["kind"] == "decision"]
    assert sorted(line["id"] for line in decisions) == ["p0", "p1"]
    assert json.loads(resumed.stdout)["requests"] == 2


def test_a_damaged_batch_line_is_refused_naming_its_line(batch_server: BatchServer, tmp_path: Path) -> None:
    log = tmp_path / "decisions.jsonl"
    result = replay(prompts(tmp_path, TWO_PLUS_TWO), router(batch_server, tmp_path, cascade=False), log)
    assert result.exit_code == 0, result.output
    damaged = [line for line in lines(log) if line.get("event") != "ended"]
    damaged[1].pop("tier")  # the submitted line
    log.write_text("".join(json.dumps(line) + "\n" for line in damaged))
    message = refused("report", str(log))
    assert message == f"{log}:2: not a decision log line: missing key 'tier'"


def test_a_failed_batch_fails_each_of_its_requests_with_the_batchs_error(
    batch_server: BatchServer, tmp_path: Path
) -> None:
    batch_server.fail.add("small-model")
    log = tmp_path / "decisions.jsonl"
    result = replay(prompts(tmp_path, TWO_PLUS_TWO), router(batch_server, tmp_path, cascade=False), log)
    assert result.exit_code == 1, result.output
    decision = next(line for line in lines(log) if line["kind"] == "decision")
    assert decision["error"] == "the batch failed: invalid_json_line: Line 1 is not JSON"
    assert decision["attempts"][0]["error_kind"] == "batch_failed"


CODE = "Fix this: ```python\nprint(1\n```"


def test_a_routed_cascade_sends_one_batch_per_tier_a_round(batch_server: BatchServer, tmp_path: Path) -> None:
    batch_server.answers[TWO_PLUS_TWO] = "four"
    config = router(batch_server, tmp_path)
    rules = "routing:\n  type: rules\n  rules: [{tier: large, when: {has_code: true}}]\n  default: small\n"
    config.write_text(config.read_text() + rules)
    log = tmp_path / "decisions.jsonl"
    result = replay(prompts(tmp_path, TWO_PLUS_TWO, CAPITAL, CODE), config, log)
    assert result.exit_code == 0, result.output
    assert [(batch.model, len(batch.requests)) for batch in batch_server.created] == [
        ("small-model", 2),  # round 1: p0 and p1 at small, p2 (code) at large
        ("large-model", 1),
        ("large-model", 1),  # round 2: p1, rejected at small
    ]
    decisions = {line["id"]: line for line in lines(log) if line["kind"] == "decision"}
    assert [decisions[key]["route"]["tier"] for key in ("p0", "p1", "p2")] == ["small", "small", "large"]
    assert [decisions[key]["final_tier"] for key in ("p0", "p1", "p2")] == ["small", "large", "large"]


def test_max_spend_stops_between_rounds_and_resume_goes_on_from_the_round_that_ended(
    batch_server: BatchServer, tmp_path: Path
) -> None:
    batch_server.answers[TWO_PLUS_TWO] = "four"
    config, prompt_file = router(batch_server, tmp_path), prompts(tmp_path, TWO_PLUS_TWO, CAPITAL)
    log = tmp_path / "decisions.jsonl"
    stopped = replay(prompt_file, config, log, "--max-spend", "0.000001")  # round 1 costs $0.0000075
    assert stopped.exit_code == 3, stopped.output
    assert "--resume" in stopped.stderr
    assert [line.get("event") or line.get("id") for line in lines(log)][1:] == ["submitted", "ended", "p0", None]
    resumed = replay(prompt_file, config, log, "--resume", str(log))
    assert resumed.exit_code == 0, resumed.output
    assert [batch.model for batch in batch_server.created] == ["small-model", "large-model"]  # round 1 not resent
    p1 = next(line for line in lines(log) if line.get("id") == "p1")
    assert [attempt["tier"] for attempt in p1["attempts"]] == ["small", "large"]
    assert spend(log) == (Decimal(3) + Decimal("4.5") + Decimal(50)) / 1_000_000
