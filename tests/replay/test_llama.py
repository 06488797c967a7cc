"""Replay against a real OpenAI-compatible server: llama.cpp serving SmolLM2-135M-Instruct.

Two tiers point at the one server under different model names and prices.
Real GSM8K questions go through a logprob-and-hedging cascade; the report must
agree with the decision log, the log with the server's own usage counts, and
every escalation with the evaluators' verdicts.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
from typer.testing import CliRunner

from routecli.cli import app
from routecli.replay.quality import Expected, is_correct
from tests.helpers.files import write
from tests.helpers.llama_server import LlamaServer
from tests.helpers.paths import SHARED

pytestmark = pytest.mark.llama

GSM8K = SHARED / "data" / "routellm" / "gsm8k_test.jsonl"
QUESTIONS = 5
SMALL_PRICE = (Decimal("0.1"), Decimal("0.4"))
LARGE_PRICE = (Decimal("2"), Decimal("8"))
INSTRUCTION = "\nGive only the final number after ####."


def router_yaml(server: LlamaServer, *, min_mean: float) -> str:
    return f"""\
providers:
  local:
    base_url: {server.base_url}
    timeout_s: 120
tiers:
  small:
    provider: local
    model: {server.model}
    price: {{input_per_mtok: {SMALL_PRICE[0]}, output_per_mtok: {SMALL_PRICE[1]}}}
    params: {{temperature: 0, max_tokens: 24}}
  large:
    provider: local
    model: smollm2-as-large
    price: {{input_per_mtok: {LARGE_PRICE[0]}, output_per_mtok: {LARGE_PRICE[1]}}}
    params: {{temperature: 0, max_tokens: 32}}
cascade:
  chain: [small, large]
  accept:
    all:
      - {{type: logprob, min_mean: {min_mean}}}
      - {{type: hedging}}
quality:
  match: number
"""


@pytest.fixture(scope="module")
def prompts_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not GSM8K.is_file():
        pytest.skip("../shared (GSM8K questions) is absent")
    lines = GSM8K.read_text(encoding="utf-8").splitlines()[:QUESTIONS]
    path = tmp_path_factory.mktemp("gsm8k") / "prompts.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for index, line in enumerate(lines):
            row = json.loads(line)
            item = {"id": f"gsm8k-{index}", "prompt": row["question"] + INSTRUCTION, "expected": row["answer"]}
            out.write(json.dumps(item) + "\n")
    return path


class Run(NamedTuple):
    exit_code: int
    report: dict[str, Any]
    header: dict[str, Any]
    decisions: list[dict[str, Any]]
    log: Path


def replay(server: LlamaServer, prompts: Path, folder: Path, *, min_mean: float, extra: tuple[str, ...] = ()) -> Run:
    folder.mkdir(parents=True, exist_ok=True)
    config = write(folder / "router.yaml", router_yaml(server, min_mean=min_mean))
    log, report = folder / "decisions.jsonl", folder / "report.json"
    args = ["replay", str(prompts), "-c", str(config), "--log", str(log), "-o", str(report), *extra]
    result = CliRunner().invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    decisions = [line for line in lines if line["kind"] == "decision"]
    assert lines[-1]["kind"] == "end"
    return Run(result.exit_code, json.loads(report.read_text(encoding="utf-8")), lines[0], decisions, log)


@pytest.fixture(scope="module")
def middle_run(llama_server: LlamaServer, prompts_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """All questions, with a threshold that lets the model's confidence decide."""
    return replay(
        llama_server, prompts_file, tmp_path_factory.mktemp("middle"), min_mean=-0.6, extra=("--log-content",)
    )


def test_every_prompt_is_answered_and_logged(middle_run: Run) -> None:
    assert middle_run.exit_code == 0
    assert middle_run.header["kind"] == "run"
    assert sorted(d["id"] for d in middle_run.decisions) == [f"gsm8k-{i}" for i in range(QUESTIONS)]
    assert all(d["final_tier"] in ("small", "large") for d in middle_run.decisions)
    assert middle_run.report["requests"] == QUESTIONS
    assert middle_run.report["failed"] == 0


def test_escalation_follows_the_evaluators(middle_run: Run) -> None:
    for decision in middle_run.decisions:
        first = decision["attempts"][0]
        assert first["tier"] == "small"
        verdicts = {v["evaluator"]: v["passed"] for v in first["verdicts"]}
        assert verdicts["logprob"] == (first["logprob"]["mean"] >= -0.6)
        accepted = all(verdicts.values())
        assert first["accepted"] == accepted
        assert decision["escalated"] == (not accepted)
        assert decision["final_tier"] == ("small" if accepted else "large")
        if not accepted:
            failed = [name for name, passed in verdicts.items() if not passed]
            assert decision["escalations"] == [{"from": "small", "to": "large", "reasons": failed}]
            assert decision["attempts"][1]["logprob"] is None  # the top tier is not asked for logprobs


def test_the_report_agrees_with_the_decision_log(middle_run: Run) -> None:
    report, decisions = middle_run.report, middle_run.decisions
    for tier in report["tiers"]:
        attempts = [a for d in decisions for a in d["attempts"] if a["tier"] == tier["name"]]
        assert tier["requests"] == len(attempts)
        assert tier["input_tokens"] == sum(a["input_tokens"] for a in attempts)
        assert tier["output_tokens"] == sum(a["output_tokens"] for a in attempts)
        assert Decimal(tier["spend"]) == sum(Decimal(a["cost"]) for a in attempts)
        assert tier["answered"] == sum(d["final_tier"] == tier["name"] for d in decisions)
    total = sum(Decimal(a["cost"]) for d in decisions for a in d["attempts"])
    assert Decimal(report["total_spend"]) == total
    escalated = sum(d["escalated"] for d in decisions)
    assert report["escalation_rate"] == pytest.approx(escalated / QUESTIONS)
    (hop,) = report["hops"]
    assert (hop["from"], hop["to"], hop["escalated"]) == ("small", "large", escalated)


def test_costs_are_the_usage_counts_at_the_tier_prices(middle_run: Run) -> None:
    prices = {"small": SMALL_PRICE, "large": LARGE_PRICE}
    top = Decimal(0)
    for decision in middle_run.decisions:
        for attempt in decision["attempts"]:
            assert attempt["estimated"] is False  # llama.cpp reports usage
            rate_in, rate_out = prices[attempt["tier"]]
            expected = (attempt["input_tokens"] * rate_in + attempt["output_tokens"] * rate_out) / 1_000_000
            assert Decimal(attempt["cost"]) == expected
        final = decision["attempts"][-1]
        top += (final["input_tokens"] * LARGE_PRICE[0] + final["output_tokens"] * LARGE_PRICE[1]) / 1_000_000
    counterfactual = middle_run.report["counterfactual"]["top"]
    assert Decimal(counterfactual["spend"]) == top
    assert Decimal(counterfactual["savings"]) == top - Decimal(middle_run.report["total_spend"])


def test_logged_tokens_are_the_servers_usage_counts(middle_run: Run, llama_server: LlamaServer) -> None:
    """The same request sent by hand gets the same usage (and, at temperature 0, the same answer)."""
    params = {"small": {"max_tokens": 24}, "large": {"max_tokens": 32}}
    models = {"small": llama_server.model, "large": "smollm2-as-large"}
    for decision in middle_run.decisions[:2]:
        attempt = decision["attempts"][0]
        body = {
            "model": models[attempt["tier"]],
            "messages": decision["prompt"],
            "temperature": 0,
            **params[attempt["tier"]],
            "logprobs": True,
            "top_logprobs": 1,
        }
        response = httpx.post(f"{llama_server.base_url}/chat/completions", json=body, timeout=120).json()
        assert attempt["input_tokens"] == response["usage"]["prompt_tokens"]
        assert attempt["output_tokens"] == response["usage"]["completion_tokens"]
        assert attempt["response"] == response["choices"][0]["message"]["content"]
        assert len(response["choices"][0]["logprobs"]["content"]) == attempt["output_tokens"]


def test_quality_is_each_answer_checked_against_the_gsm8k_number(middle_run: Run) -> None:
    correct = 0
    for decision in middle_run.decisions:
        assert decision["match"] == "number"
        verdict = is_correct(Expected(decision["expected"], "number"), decision["answer"])
        assert decision["correct"] is verdict
        correct += verdict
    assert middle_run.report["quality"] == {
        "checked": QUESTIONS,
        "correct": correct,
        "accuracy": pytest.approx(correct / QUESTIONS),
    }


def test_report_from_the_log_equals_the_runs_report(middle_run: Run) -> None:
    result = CliRunner().invoke(app, ["report", str(middle_run.log), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == middle_run.report


def test_an_unreachable_threshold_escalates_everything_and_none_nothing(
    llama_server: LlamaServer, prompts_file: Path, tmp_path: Path
) -> None:
    strict = replay(llama_server, prompts_file, tmp_path / "strict", min_mean=0.0, extra=("--limit", "2"))
    lenient = replay(llama_server, prompts_file, tmp_path / "lenient", min_mean=-1000.0, extra=("--limit", "2"))
    assert [d["final_tier"] for d in strict.decisions] == ["large", "large"]
    assert strict.report["escalation_rate"] == 1.0
    lenient_tiers = {d["final_tier"] for d in lenient.decisions}
    hedged = [d for d in lenient.decisions if d["escalations"] and d["escalations"][0]["reasons"] == ["hedging"]]
    assert lenient_tiers == {"small"} or hedged  # only a hedging answer may escalate here
    assert "prompt" not in strict.decisions[0]  # no text without --log-content
    assert "response" not in strict.decisions[0]["attempts"][0]
