"""Replay with reasoning models, against the fault server playing OpenAI's and Anthropic's reasoning models: the
requests as sent, the 400 the old request got, reasoning tokens in the log and the report, refused configs."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from routecli.cli import app
from routecli.replay.records import attempt_from_json
from tests.helpers.cli import refused
from tests.helpers.fault_server import Fault, FaultServer
from tests.helpers.files import write

pytest_plugins = ["tests.helpers.fault_server"]

PROMPT = "What is two plus two?"  # 21 characters: 21 // 4 + 1 = 6 prompt tokens
ANSWER = "It is four."  # 3 words: 3 visible completion tokens


def router(folder: Path, server: FaultServer, tiers: str, cascade: str = "") -> Path:
    """A router config with providers ``openai`` and ``anthropic`` at the server, and ``tiers`` as given."""
    return write(
        folder / "router.yaml",
        f"""\
providers:
  openai: {{base_url: {server.base_url}, retry: {{max_attempts: 1}}}}
  anthropic: {{type: anthropic, base_url: {server.base_url}, retry: {{max_attempts: 1}}}}
tiers:
{tiers}{cascade}""",
    )


def prompts(folder: Path, count: int = 1) -> Path:
    return write(
        folder / "prompts.jsonl", "".join(json.dumps({"id": f"p{i}", "prompt": PROMPT}) + "\n" for i in range(count))
    )


def run(*args: str, exit_code: int = 0) -> str:
    """The stdout of ``routecli *args`` (which tells its progress on stderr), after checking its exit code."""
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == exit_code, result.output
    return result.stdout


def replay(folder: Path, config: Path, *extra: str, exit_code: int = 0) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The JSON report of a replay of ``prompts`` through ``config``, and its decision log's decisions."""
    log = folder / "decisions.jsonl"
    args = ("replay", str(prompts(folder)), "-c", str(config), "--log", str(log), "--format", "json", *extra)
    report = json.loads(run(*args, exit_code=exit_code))
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    return report, [line for line in lines if line["kind"] == "decision"]


MINI = (
    "  mini:\n"
    "    provider: openai\n"
    "    model: gpt-5-mini\n"
    "    price: {input_per_mtok: 0.25, output_per_mtok: 2}\n"
    "    reasoning: true\n"
    "    reasoning_effort: low\n"
    "    params: {temperature: 0.2, max_tokens: 300, seed: 7}\n"
)


def test_a_reasoning_tier_is_sent_max_completion_tokens_and_its_effort_without_temperature(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    fault_server.always("gpt-5-mini", Fault("ok", content=ANSWER, reasoning=40))
    report, (decision,) = replay(tmp_path, router(tmp_path, fault_server, MINI))
    (request,) = fault_server.requests
    body = request.json
    assert {key: value for key, value in body.items() if key != "messages"} == {
        "model": "gpt-5-mini",
        "max_completion_tokens": 300,
        "seed": 7,
        "reasoning_effort": "low",
    }
    assert request.fault.reasoning == 40
    (attempt,) = decision["attempts"]
    assert attempt["status"] == 200
    assert (attempt["output_tokens"], attempt["reasoning_tokens"]) == (3 + 40, 40)
    (tier,) = report["tiers"]
    assert (tier["output_tokens"], tier["reasoning_tokens"]) == (43, 40)
    # 6 input tokens at $0.25 and 43 output tokens at $2 per 1M: reasoning is billed as output
    assert Decimal(tier["spend"]) == Decimal("0.0000875")


def test_the_request_sent_before_reasoning_models_were_known_gets_openais_400(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    fault_server.always("gpt-5-mini", Fault("ok", content=ANSWER, reasoning=40))
    tiers = MINI.replace("reasoning: true", "reasoning: false").replace("    reasoning_effort: low\n", "")
    result, (decision,) = replay(tmp_path, router(tmp_path, fault_server, tiers), exit_code=1)
    (request,) = fault_server.requests
    assert request.json["max_tokens"] == 300
    assert request.json["temperature"] == 0.2
    (attempt,) = decision["attempts"]
    assert attempt["status"] == 400
    assert "'max_tokens' is not supported with this model" in attempt["error"]
    assert result["tiers"][0]["reasoning_tokens"] == 0


def test_without_reasoning_tokens_the_table_has_no_such_column(fault_server: FaultServer, tmp_path: Path) -> None:
    tiers = "  plain: {provider: openai, model: gpt-4.1, price: {input_per_mtok: 2, output_per_mtok: 8}}\n"
    table = run("replay", str(prompts(tmp_path)), "-c", str(router(tmp_path, fault_server, tiers)))
    assert "Reasoning" not in table


JUDGED = (
    MINI + "  big: {provider: openai, model: gpt-5, price: {input_per_mtok: 1.25, output_per_mtok: 10}, "
    "reasoning: true, params: {max_tokens: 2000}}\n"
)


def test_judge_calls_on_a_reasoning_tier_use_the_same_mapping_and_leave_the_limit_to_the_tier(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    fault_server.always("gpt-5-mini", Fault("ok", content=ANSWER, reasoning=40))
    fault_server.always("gpt-5", Fault("ok", content="Yes", reasoning=300))
    report, (decision,) = replay(tmp_path, router(tmp_path, fault_server, JUDGED, JUDGED_CASCADE))
    _, judge = fault_server.requests
    assert judge.json["model"] == "gpt-5"
    # the judge's temperature 0 left out, its max_tokens 8 not laid over: 8 would all go to reasoning
    assert {key: value for key, value in judge.json.items() if key != "messages"} == {
        "model": "gpt-5",
        "max_completion_tokens": 2000,
    }
    assert decision["final_tier"] == "mini"
    assert [a["reasoning_tokens"] for a in decision["attempts"]] == [40, 300]
    assert {tier["name"]: tier["reasoning_tokens"] for tier in report["tiers"]} == {"mini": 40, "big": 300}


JUDGED_CASCADE = "cascade:\n  chain: [mini, big]\n  accept: {all: [{type: judge, tier: big}]}\n"


@pytest.mark.parametrize("output", ["table", "markdown"])
def test_the_tier_table_shows_reasoning_tokens(
    fault_server: FaultServer, tmp_path: Path, output: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # each tier on one line
    fault_server.always("gpt-5-mini", Fault("ok", content=ANSWER, reasoning=1234))
    fault_server.always("gpt-5", Fault("ok", content="Yes", reasoning=300))
    config = router(tmp_path, fault_server, JUDGED, JUDGED_CASCADE)
    table = run("replay", str(prompts(tmp_path, 2)), "-c", str(config), "--format", output)
    header = next(line for line in table.splitlines() if "Reasoning" in line)  # the table wraps headers at spaces
    assert re.search(r"Output( tokens)?\W+Reasoning( tokens)?", header)
    mini = next(line for line in table.splitlines() if line.lstrip(" |").startswith("mini (gpt-5-mini)"))
    big = next(line for line in table.splitlines() if line.lstrip(" |").startswith("big (gpt-5)"))
    # output tokens, then reasoning tokens: 2 × (3 words + 1,234) and 2 × 1,234; the judge's 2 × (1 + 300), 2 × 300
    assert re.search(r"\b2,474\W+2,468\W", mini)
    assert re.search(r"\b602\W+600\W", big)


def test_all_tiers_asks_no_logprobs_of_a_reasoning_model(fault_server: FaultServer, tmp_path: Path) -> None:
    fault_server.always("gpt-5-mini", Fault("ok", content=ANSWER, reasoning=40))
    tiers = MINI + "  plain: {provider: openai, model: gpt-4.1, price: {input_per_mtok: 2, output_per_mtok: 8}}\n"
    config = router(
        tmp_path, fault_server, tiers, "cascade:\n  chain: [mini, plain]\n  accept: {all: [{type: hedging}]}\n"
    )
    outcomes = tmp_path / "outcomes.jsonl"
    run("replay", str(prompts(tmp_path)), "-c", str(config), "--all-tiers", "--outcomes", str(outcomes))
    sent = {request.json["model"]: request.json for request in fault_server.requests}
    assert "logprobs" not in sent["gpt-5-mini"]
    assert sent["gpt-4.1"]["logprobs"] is True


THINKING = (
    "  sonnet:\n"
    "    provider: anthropic\n"
    "    model: claude-sonnet-4-5\n"
    "    price: {input_per_mtok: 3, output_per_mtok: 15}\n"
    "    params: {max_tokens: 3000, thinking: {type: enabled, budget_tokens: 2048}}\n"
)


def test_anthropic_thinking_passes_through_and_its_blocks_are_not_the_answer(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    fault_server.always("claude-sonnet-4-5", Fault("ok", content=ANSWER, reasoning=500))
    report, (decision,) = replay(tmp_path, router(tmp_path, fault_server, THINKING), "--log-content")
    (request,) = fault_server.requests
    assert request.path == "/v1/messages"
    assert request.json["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert request.json["max_tokens"] == 3000
    (attempt,) = decision["attempts"]
    assert attempt["response"] == ANSWER  # the thinking block is left out
    # Anthropic counts thinking in output_tokens and reports no separate count
    assert (attempt["output_tokens"], attempt["reasoning_tokens"]) == (3 + 500, 0)
    assert report["tiers"][0]["reasoning_tokens"] == 0


def test_an_anthropic_judge_with_thinking_keeps_its_limit_and_sends_no_temperature(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    fault_server.always("claude-sonnet-4-5", Fault("ok", content="Yes", reasoning=500))
    tiers = "  plain: {provider: openai, model: gpt-4.1, price: {input_per_mtok: 2, output_per_mtok: 8}}\n" + THINKING
    cascade = "cascade:\n  chain: [plain, sonnet]\n  accept: {all: [{type: judge, tier: sonnet}]}\n"
    _, (decision,) = replay(tmp_path, router(tmp_path, fault_server, tiers, cascade))
    judge = fault_server.requests[1]
    assert judge.path == "/v1/messages"
    assert judge.json["max_tokens"] == 3000
    assert "temperature" not in judge.json
    assert decision["attempts"][1]["status"] == 200


LOGPROB_CASCADE = (
    "cascade:\n  chain: [mini, big]\n  accept:\n    all:\n"
    "      - {type: hedging}\n      - {type: logprob, min_mean: -1}\n"
)


def test_a_logprob_evaluator_on_a_reasoning_tier_is_refused_naming_tier_and_evaluator(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    config = router(tmp_path, fault_server, JUDGED, LOGPROB_CASCADE)
    message = refused("replay", str(prompts(tmp_path)), "-c", str(config), "--dry-run")
    line = config.read_text().splitlines().index("      - {type: logprob, min_mean: -1}") + 1
    assert message.startswith(f"{config}:{line}: cascade.accept.all[1]: ")
    assert "the logprob evaluator cannot judge tier 'mini': gpt-5-mini returns no logprobs (a reasoning model)" in (
        message
    )
    assert fault_server.requests == []


def test_a_logprob_evaluator_on_an_anthropic_tier_is_refused(fault_server: FaultServer, tmp_path: Path) -> None:
    tiers = THINKING.replace("sonnet:", "mini:") + JUDGED.split("\n", 7)[-1]
    config = router(tmp_path, fault_server, tiers, LOGPROB_CASCADE)
    message = refused("replay", str(prompts(tmp_path)), "-c", str(config), "--dry-run")
    assert "cascade.accept.all[1]: " in message
    assert message.endswith("returns no logprobs (Anthropic's API has none); use another evaluator")


def test_logprobs_true_lets_a_reasoning_tiers_endpoint_that_returns_them_be_judged(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    tiers = JUDGED.replace("reasoning_effort: low\n", "reasoning_effort: low\n    logprobs: true\n", 1)
    config = router(tmp_path, fault_server, tiers, LOGPROB_CASCADE)
    run("replay", str(prompts(tmp_path)), "-c", str(config), "--dry-run")


@pytest.mark.parametrize(
    ("tier", "where", "says"),
    [
        (MINI.replace("reasoning: true", "reasoning: false"), "tiers.mini.reasoning_effort", "set reasoning: true"),
        (
            THINKING.replace("max_tokens: 3000", "max_tokens: 2048"),
            "tiers.sonnet.params.max_tokens",
            "2048 must exceed thinking.budget_tokens (2048)",
        ),
        (
            THINKING.replace("budget_tokens: 2048", "budget_tokens: 512"),
            "tiers.sonnet.params.thinking.budget_tokens",
            "at least 1024",
        ),
        (THINKING + "    reasoning_effort: high\n", "tiers.sonnet.reasoning_effort", "budget_tokens"),
        (
            THINKING.replace("max_tokens: 3000", "max_completion_tokens: 2000"),
            "tiers.sonnet.params.max_completion_tokens",
            "2000 must exceed thinking.budget_tokens (2048)",
        ),
        (THINKING + "    logprobs: true\n", "tiers.sonnet.logprobs", "returns no logprobs"),
    ],
)
def test_reasoning_keys_a_tier_cannot_take_are_refused(
    fault_server: FaultServer, tmp_path: Path, tier: str, where: str, says: str
) -> None:
    message = refused("replay", str(prompts(tmp_path)), "-c", str(router(tmp_path, fault_server, tier)), "--dry-run")
    assert f": {where}: " in message
    assert says in message


def test_a_tier_is_a_reasoning_model_when_its_price_table_entry_says_so(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    table = write(
        tmp_path / "prices.yaml",
        "provider: openai\nas_of: 2026-12-01\nsource: test\nmodels:\n"
        "  - {id: thinker, input_per_mtok: 1, output_per_mtok: 4, reasoning: true}\n",
    )
    fault_server.always("thinker", Fault("ok", content=ANSWER, reasoning=5))
    tiers = "  t: {provider: openai, model: thinker, params: {max_tokens: 100, temperature: 0}}\n"
    report, (decision,) = replay(tmp_path, router(tmp_path, fault_server, tiers), "--pricing", str(table))
    (request,) = fault_server.requests
    assert "temperature" not in request.json
    assert request.json["max_completion_tokens"] == 100
    assert decision["attempts"][0]["reasoning_tokens"] == 5
    assert report["tiers"][0]["reasoning_tokens"] == 5


def test_a_log_written_before_reasoning_tokens_reads_them_as_0() -> None:
    old = {
        "role": "answer",
        "tier": "t",
        "model": "m",
        "status": 200,
        "input_tokens": 5,
        "output_tokens": 7,
        "estimated": False,
        "cost": "0.000001",
        "latency_ms": 3.0,
    }
    assert attempt_from_json(old).reasoning_tokens == 0
    assert attempt_from_json({**old, "reasoning_tokens": 4}).reasoning_tokens == 4
