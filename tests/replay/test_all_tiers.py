"""``replay --all-tiers``: every tier answers every prompt, each answer is judged, and the outcomes file says how
each tier did (quality, cost, confidence) for ``routecli tune``. Against the fault server, whose token counts are
easy to compute by hand (prompt: characters // 4 + 1; reply: its words), and once against llama.cpp."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from typer.testing import CliRunner

from routecli.cli import app
from routecli.replay.evaluators import JUDGE_EVALUATOR_PROMPT
from routecli.replay.quality import Expected, is_correct
from tests.helpers.fault_server import Fault, FaultServer
from tests.helpers.files import write
from tests.helpers.llama_server import LlamaServer
from tests.helpers.paths import REPO

pytest_plugins = ["tests.helpers.fault_server"]

# USD per 1M input and output tokens
PRICES = {"small": (1, 2), "medium": (5, 15), "large": (10, 30)}
TIERS = "\n".join(
    f"  {name}: {{provider: faulty, model: {name}, price: {{input_per_mtok: {rates[0]}, output_per_mtok: {rates[1]}}}}}"
    for name, rates in PRICES.items()
)
EXPECTED_PROMPTS = [
    {"id": "p0", "prompt": "What is 2+2?", "expected": "4"},  # 12 characters: 4 prompt tokens
    {"id": "p1", "prompt": "Name the capital of France.", "expected": {"answer": "Paris", "match": "contains"}},  # 7
]


def cascade_config(
    server: FaultServer, folder: Path, *, attempts: int = 2, accept: str | None = None, fallbacks: bool = True
) -> Path:
    """Three tiers, a router and a cascade, with a fallback: --all-tiers uses only the tiers and evaluators."""
    accept = accept or "{all: [{type: length, min_chars: 3}]}"
    fallback = "fallbacks:\n  large: [medium]\n" if fallbacks else ""
    return write(
        folder / "router.yaml",
        f"""\
providers:
  faulty:
    base_url: {server.base_url}
    timeout_s: 2
    retry: {{max_attempts: {attempts}, initial_backoff_s: 0.01, max_backoff_s: 0.02}}
tiers:
{TIERS}
routing:
  type: rules
  rules: [{{tier: large, when: {{min_chars: 20}}}}]
  default: small
cascade:
  chain: [small, medium, large]
  accept: {accept}
{fallback}""",
    )


def prompt_file(folder: Path, rows: list[dict[str, Any]]) -> Path:
    return write(folder / "prompts.jsonl", "".join(json.dumps(row) + "\n" for row in rows))


class Run(NamedTuple):
    exit_code: int
    stderr: str
    header: dict[str, Any]
    decisions: dict[str, dict[str, Any]]
    outcomes: list[dict[str, Any]]
    report: dict[str, Any]


def run_all_tiers(prompts: Path, config: Path, folder: Path, *extra: str) -> Run:
    log, report = folder / "run" / "decisions.jsonl", folder / "report.json"
    args = ["replay", str(prompts), "-c", str(config), "--all-tiers", "--concurrency", "1", "--no-progress"]
    result = CliRunner().invoke(app, [*args, "--log", str(log), "--format", "json", "-o", str(report), *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    decisions = {line["id"]: line for line in lines if line["kind"] == "decision"}
    outcomes_path = folder / "run" / "outcomes.jsonl"  # the default: beside the decision log
    outcomes = [json.loads(line) for line in outcomes_path.read_text(encoding="utf-8").splitlines()]
    return Run(result.exit_code, result.stderr, lines[0], decisions, outcomes, json.loads(report.read_text()))


def answers(decision: dict[str, Any]) -> list[dict[str, Any]]:
    return [attempt for attempt in decision["attempts"] if attempt["role"] == "answer"]


def chat_requests(server: FaultServer) -> list[tuple[str | None, Any]]:
    return [(request.model, request.json) for request in server.requests if request.path == "/v1/chat/completions"]


@pytest.fixture
def scripted(fault_server: FaultServer) -> FaultServer:
    """Each tier's replies to p0 then p1 (the prompts go one at a time, and each asks its tiers in order)."""
    fault_server.script("small", [Fault("ok", content="4"), Fault("ok", content="Lyon")])
    fault_server.script("medium", [Fault("ok", content="4", logprob=-0.5), Fault("ok", content="Paris", logprob=-0.5)])
    fault_server.script("large", [Fault("ok", content="5"), Fault("ok", content="It is Paris")])
    return fault_server


def test_every_tier_answers_every_prompt_once_and_each_answer_is_judged(scripted: FaultServer, tmp_path: Path) -> None:
    run = run_all_tiers(prompt_file(tmp_path, EXPECTED_PROMPTS), cascade_config(scripted, tmp_path), tmp_path)
    assert run.exit_code == 0, run.stderr
    asked = chat_requests(scripted)
    # config order, once each: no routing (p1 is long enough for the rule to send it to large), no cascade
    assert [model for model, _ in asked] == ["small", "medium", "large"] * 2
    assert all(body["logprobs"] is True for _, body in asked)  # every answer's confidence is asked for
    assert [body["messages"][0]["content"] for _, body in asked] == ["What is 2+2?"] * 3 + [
        "Name the capital of France."
    ] * 3
    p0, p1 = run.decisions["p0"], run.decisions["p1"]
    assert [(a["tier"], a["correct"]) for a in answers(p0)] == [("small", True), ("medium", True), ("large", False)]
    assert [(a["tier"], a["correct"]) for a in answers(p1)] == [("small", False), ("medium", True), ("large", True)]
    for decision in (p0, p1):
        assert decision["route"] is None
        assert decision["escalations"] == []
        assert decision["final_tier"] == "large"  # the top tier's answer stands as the prompt's
        assert all(a["verdicts"] == [] and a["accepted"] is None for a in decision["attempts"])  # expected decides
    assert (p0["correct"], p1["correct"]) == (False, True)
    assert run.header["all_tiers"] is True
    assert run.header["cache"] is None


def test_the_outcomes_file_holds_each_tiers_quality_cost_and_confidence(scripted: FaultServer, tmp_path: Path) -> None:
    run = run_all_tiers(prompt_file(tmp_path, EXPECTED_PROMPTS), cascade_config(scripted, tmp_path), tmp_path)
    # p0: 4 prompt tokens; small "4" 4×1 + 1×2 = 6, medium "4" 4×5 + 1×15 = 35, large "5" 4×10 + 1×30 = 70
    # p1: 7 prompt tokens; small "Lyon" 7 + 2 = 9, medium "Paris" 35 + 15 = 50, large "It is Paris" 70 + 3×30 = 160
    assert run.outcomes == [
        {
            "id": "p0",
            "prompt": "What is 2+2?",
            "outcomes": {
                "small": {"quality": 1, "cost": "0.000006", "confidence": -0.25},
                "medium": {"quality": 1, "cost": "0.000035", "confidence": -0.5},
                "large": {"quality": 0, "cost": "0.00007", "confidence": -0.25},
            },
        },
        {
            "id": "p1",
            "prompt": "Name the capital of France.",
            "outcomes": {
                "small": {"quality": 0, "cost": "0.000009", "confidence": -0.25},
                "medium": {"quality": 1, "cost": "0.00005", "confidence": -0.5},
                "large": {"quality": 1, "cost": "0.00016", "confidence": -0.25},
            },
        },
    ]
    assert "Outcomes of 2 prompts (2 with every tier's)" in run.stderr


def test_the_report_gives_each_tier_its_own_accuracy(scripted: FaultServer, tmp_path: Path) -> None:
    run = run_all_tiers(prompt_file(tmp_path, EXPECTED_PROMPTS), cascade_config(scripted, tmp_path), tmp_path)
    report = run.report
    assert report["all_tiers"] is True
    tiers = {tier["name"]: tier for tier in report["tiers"]}
    assert {name: (t["quality"]["correct"], t["quality"]["checked"]) for name, t in tiers.items()} == {
        "small": (1, 2),
        "medium": (2, 2),
        "large": (1, 2),
    }
    assert {name: t["spend"] for name, t in tiers.items()} == {
        "small": "0.000015",  # 6 + 9
        "medium": "0.000085",  # 35 + 50
        "large": "0.00023",  # 70 + 160
    }
    assert {name: (t["requests"], t["answered"]) for name, t in tiers.items()} == {
        "small": (2, 0),
        "medium": (2, 0),
        "large": (2, 2),
    }
    assert report["total_spend"] == "0.00033"
    assert (report["quality"]["checked"], report["quality"]["correct"]) == (6, 4)  # every answer of every tier
    assert (report["hops"], report["escalation_rate"], report["routing"]) == ([], None, None)
    again = CliRunner().invoke(app, ["report", str(tmp_path / "run" / "decisions.jsonl"), "--format", "json"])
    assert json.loads(again.stdout) == report
    table = CliRunner().invoke(app, ["report", str(tmp_path / "run" / "decisions.jsonl")], env={"COLUMNS": "200"})
    assert "Replay (all tiers): 2 prompts" in table.stdout
    assert "All tiers: every prompt was asked of every tier" in table.stdout


def test_a_tier_that_gives_no_answer_is_left_out_and_no_fallback_stands_in(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    fault_server.always("large", Fault("status", status=503))
    fault_server.script("small", [Fault("ok", content="4"), Fault("ok", content="Paris")])
    fault_server.script("medium", [Fault("ok", content="five"), Fault("ok", content="Paris")])
    run = run_all_tiers(prompt_file(tmp_path, EXPECTED_PROMPTS), cascade_config(fault_server, tmp_path), tmp_path)
    assert run.exit_code == 1
    assert "2 of 2 prompts lack some tier's answer" in run.stderr
    # large is retried (2 attempts) but medium, its fallback, is asked only as itself
    assert [model for model, _ in chat_requests(fault_server)] == ["small", "medium", "large", "large"] * 2
    for decision in run.decisions.values():
        assert decision["final_tier"] is None
        assert decision["error"].startswith("large: HTTP 503")
        assert [(a["tier"], a["error_kind"]) for a in answers(decision)] == [
            ("small", None),
            ("medium", None),
            ("large", "http"),
            ("large", "http"),
        ]
        assert all(a["fallback_for"] is None for a in decision["attempts"])
    assert run.outcomes == [
        {
            "id": "p0",
            "prompt": "What is 2+2?",
            "outcomes": {
                "small": {"quality": 1, "cost": "0.000006", "confidence": -0.25},
                "medium": {"quality": 0, "cost": "0.000035", "confidence": -0.25},
            },
        },
        {
            "id": "p1",
            "prompt": "Name the capital of France.",
            "outcomes": {
                "small": {"quality": 1, "cost": "0.000009", "confidence": -0.25},
                "medium": {"quality": 1, "cost": "0.00005", "confidence": -0.25},
            },
        },
    ]
    assert run.report["failed"] == 2
    assert run.report["errors"]["failed_ids"] == ["p0", "p1"]
    table = CliRunner().invoke(app, ["report", str(tmp_path / "run" / "decisions.jsonl")], env={"COLUMNS": "200"})
    assert "Some tier gave no answer for 2 prompts: p0, p1" in table.stdout
    small = next(tier for tier in run.report["tiers"] if tier["name"] == "small")
    assert small["quality"] == {"checked": 2, "correct": 2, "accuracy": 1.0}  # still counted: it answered


def judge_tokens(prompt: str, answer: str) -> int:
    """The judge's prompt tokens as the fault server counts them: its characters // 4 + 1."""
    return len(JUDGE_EVALUATOR_PROMPT.format(prompt=prompt, answer=answer)) // 4 + 1


def test_without_expected_answers_the_evaluators_judge_and_their_judges_cost_apart(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    prompts = prompt_file(tmp_path, [{"id": "q0", "prompt": "Say something nice."}, {"id": "q1", "prompt": "Hi"}])
    accept = "{all: [{type: length, min_chars: 3}, {type: judge, tier: large}]}"
    config = cascade_config(fault_server, tmp_path, attempts=1, accept=accept, fallbacks=False)
    fault_server.script("small", [Fault("ok", content="You are great"), Fault("ok", content="ok")])
    fault_server.script("medium", [Fault("ok", content="Nice day"), Fault("ok", content="Hello")])
    fault_server.script(
        "large",
        [
            Fault("ok", content="yes"),  # q0: judges small's answer
            Fault("ok", content="No."),  # q0: judges medium's answer
            Fault("ok", content="Have a lovely day"),  # q0: large's answer
            Fault("ok", content="yes"),  # q0: judges it
            # q1: small's "ok" fails the length check, so no judge is asked
            Fault("status", status=500),  # q1: the judge of medium's answer fails
            Fault("ok", content="Hello there friend"),  # q1: large's answer
            Fault("ok", content="no"),  # q1: judges it
        ],
    )
    run = run_all_tiers(prompts, config, tmp_path)
    assert run.exit_code == 0, run.stderr
    assert fault_server.pending("large") == ()
    q0, q1 = run.decisions["q0"], run.decisions["q1"]
    assert [(a["role"], a["tier"], a["accepted"]) for a in q0["attempts"]] == [
        ("answer", "small", True),
        ("accept_judge", "large", None),
        ("answer", "medium", False),
        ("accept_judge", "large", None),
        ("answer", "large", True),
        ("accept_judge", "large", None),
    ]
    assert [(a["role"], a["tier"], a["accepted"]) for a in q1["attempts"]] == [
        ("answer", "small", False),
        ("answer", "medium", None),  # rejected only because its judge call failed: not judged
        ("accept_judge", "large", None),
        ("answer", "large", False),
        ("accept_judge", "large", None),
    ]
    assert [v["evaluator"] for v in q1["attempts"][0]["verdicts"]] == ["length"]
    assert q1["attempts"][1]["verdicts"][1] == {
        "evaluator": "judge",
        "passed": False,
        "detail": "the judge call failed (http)",
    }
    assert all(a["correct"] is None for d in (q0, q1) for a in d["attempts"])

    def cost(tier: str, prompt_tokens: int, output_tokens: int) -> Decimal:
        rate_in, rate_out = PRICES[tier]
        return Decimal(prompt_tokens * rate_in + output_tokens * rate_out) / 1_000_000

    def money(amount: Decimal) -> str:
        return format(amount.normalize(), "f")  # exact, no exponent, no trailing zeros

    # q0: "Say something nice." is 19 characters, 5 tokens; each judge reply is one word. The judges' cost is
    # apart from the answer's: a route never judges, a cascade judges only the answers it may escalate
    small, small_judge = cost("small", 5, 3), cost("large", judge_tokens("Say something nice.", "You are great"), 1)
    medium, medium_judge = cost("medium", 5, 2), cost("large", judge_tokens("Say something nice.", "Nice day"), 1)
    large, large_judge = cost("large", 5, 4), cost("large", judge_tokens("Say something nice.", "Have a lovely day"), 1)
    # q1: "Hi" is 1 token; the failed judge call is not billed
    q1_small = cost("small", 1, 1)
    q1_large, q1_judge = cost("large", 1, 3), cost("large", judge_tokens("Hi", "Hello there friend"), 1)
    assert run.outcomes == [
        {
            "id": "q0",
            "prompt": "Say something nice.",
            "outcomes": {
                "small": {"quality": 1, "cost": money(small), "judge_cost": money(small_judge), "confidence": -0.25},
                "medium": {"quality": 0, "cost": money(medium), "judge_cost": money(medium_judge), "confidence": -0.25},
                "large": {"quality": 1, "cost": money(large), "judge_cost": money(large_judge), "confidence": -0.25},
            },
        },
        {
            "id": "q1",
            "prompt": "Hi",
            "outcomes": {
                "small": {"quality": 0, "cost": money(q1_small), "confidence": -0.25},
                "large": {"quality": 0, "cost": money(q1_large), "judge_cost": money(q1_judge), "confidence": -0.25},
            },
        },
    ]
    assert all(tier["quality"] is None for tier in run.report["tiers"])  # the report's quality is expected answers'
    assert "Outcomes of 2 prompts (1 with every tier's)" in run.stderr


def test_a_prompt_nothing_could_judge_is_an_error_before_any_call(fault_server: FaultServer, tmp_path: Path) -> None:
    config = write(
        tmp_path / "single.yaml",
        f"providers: {{faulty: {{base_url: {fault_server.base_url}}}}}\ntiers:\n{TIERS}\n"
        "routing: {type: fixed, tier: small}\n",
    )
    prompts = prompt_file(tmp_path, [*EXPECTED_PROMPTS, {"id": "p2", "prompt": "Hello"}, {"id": "p3", "prompt": "x"}])
    result = CliRunner().invoke(app, ["replay", str(prompts), "-c", str(config), "--all-tiers", "--no-progress"])
    assert result.exit_code == 2
    assert (
        f"{prompts}:3: --all-tiers needs expected answers or cascade evaluators to judge answers: this prompt has "
        "no expected answer (and 1 more prompt)"
    ) in " ".join(result.stderr.split())
    assert fault_server.requests == []
    assert not (tmp_path / "routecli-runs").exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--all-tiers", "--dry-run"), "--all-tiers judges real answers: it cannot be a --dry-run"),
        (("--outcomes", "outcomes.jsonl"), "--outcomes is written by --all-tiers runs only"),
        (("--all-tiers", "--outcomes", "prompts.jsonl"), "prompts.jsonl: is an input of this run"),
    ],
)
def test_options_that_do_not_go_together(
    fault_server: FaultServer, tmp_path: Path, options: tuple[str, ...], message: str
) -> None:
    prompts = prompt_file(tmp_path, EXPECTED_PROMPTS)
    config = cascade_config(fault_server, tmp_path)
    result = CliRunner().invoke(app, ["replay", "prompts.jsonl", "-c", str(config), *options, "--no-progress"])
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())
    assert fault_server.requests == []
    assert json.loads(prompts.read_text().splitlines()[0])["id"] == "p0"


def test_the_default_outcomes_file_may_not_replace_the_prompt_file(fault_server: FaultServer, tmp_path: Path) -> None:
    prompts = write(tmp_path / "outcomes.jsonl", "".join(json.dumps(row) + "\n" for row in EXPECTED_PROMPTS))
    config = cascade_config(fault_server, tmp_path)
    args = ["replay", "outcomes.jsonl", "-c", str(config), "--all-tiers", "--log", "decisions.jsonl"]
    result = CliRunner().invoke(app, [*args, "--no-progress"])
    assert result.exit_code == 2
    assert "outcomes.jsonl: the outcomes file would replace a file of this run" in " ".join(result.stderr.split())
    assert fault_server.requests == []
    assert prompts.read_text().count("\n") == 2


def test_a_stopped_run_resumes_with_all_tiers_and_the_outcomes_cover_the_whole_log(
    scripted: FaultServer, tmp_path: Path
) -> None:
    prompts, config = prompt_file(tmp_path, EXPECTED_PROMPTS), cascade_config(scripted, tmp_path)
    first = run_all_tiers(prompts, config, tmp_path, "--max-spend", "0.000001")  # over budget after p0
    assert first.exit_code == 3
    assert [line["id"] for line in first.outcomes] == ["p0"]
    assert f"--resume {tmp_path / 'run' / 'decisions.jsonl'} --all-tiers" in first.stderr  # what continues it
    log = tmp_path / "run" / "decisions.jsonl"
    base = ["replay", str(prompts), "-c", str(config), "--resume", str(log.parent), "--no-progress"]
    refused = CliRunner().invoke(app, base)
    assert refused.exit_code == 2
    assert "this run asked every tier: continue it with --all-tiers" in refused.stderr
    resumed = CliRunner().invoke(app, [*base, "--all-tiers", "--format", "json"])
    assert resumed.exit_code == 0, resumed.output
    outcomes = [json.loads(line) for line in (log.parent / "outcomes.jsonl").read_text().splitlines()]
    assert [(line["id"], list(line["outcomes"])) for line in outcomes] == [
        ("p0", ["small", "medium", "large"]),
        ("p1", ["small", "medium", "large"]),
    ]
    assert outcomes[1]["outcomes"]["large"] == {"quality": 1, "cost": "0.00016", "confidence": -0.25}
    assert [model for model, _ in chat_requests(scripted)] == ["small", "medium", "large"] * 2  # p0 not asked again
    assert json.loads(resumed.stdout)["requests"] == 2


def test_a_normal_replay_marks_each_answer_correct_or_not(fault_server: FaultServer, tmp_path: Path) -> None:
    """A cascade's rejected answer still says whether it was right: what tuning a threshold needs."""
    config = write(
        tmp_path / "cascade.yaml",
        f"""\
providers: {{faulty: {{base_url: {fault_server.base_url}, retry: {{max_attempts: 1}}}}}}
tiers:
{TIERS}
cascade:
  chain: [small, large]
  accept: {{all: [{{type: length, min_chars: 3}}]}}
""",
    )
    fault_server.script("small", [Fault("ok", content="4")])  # right, but too short: rejected
    fault_server.script("large", [Fault("ok", content="four")])  # accepted at the top, but wrong
    prompts = prompt_file(tmp_path, EXPECTED_PROMPTS[:1])
    log = tmp_path / "decisions.jsonl"
    result = CliRunner().invoke(app, ["replay", str(prompts), "-c", str(config), "--log", str(log), "--no-progress"])
    assert result.exit_code == 0, result.output
    (decision,) = [json.loads(line) for line in log.read_text().splitlines() if '"kind":"decision"' in line]
    assert [(a["tier"], a["accepted"], a["correct"]) for a in decision["attempts"]] == [
        ("small", False, True),
        ("large", None, False),
    ]
    assert (decision["final_tier"], decision["correct"]) == ("large", False)
    assert not (tmp_path / "outcomes.jsonl").exists()  # only --all-tiers writes outcomes


def test_a_log_written_before_attempts_were_checked_still_reads(scripted: FaultServer, tmp_path: Path) -> None:
    """Older logs have no attempt ``correct`` and no header ``all_tiers``: read as None and False."""
    prompts, config = prompt_file(tmp_path, EXPECTED_PROMPTS), cascade_config(scripted, tmp_path)
    log = tmp_path / "decisions.jsonl"
    args = ["replay", str(prompts), "-c", str(config), "--log", str(log), "--concurrency", "1", "--no-progress"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    del lines[0]["all_tiers"]
    for line in lines:
        for attempt in line.get("attempts", ()):
            del attempt["correct"]
    write(log, "".join(json.dumps(line) + "\n" for line in lines))
    again = CliRunner().invoke(app, ["report", str(log), "--format", "json"])
    assert again.exit_code == 0, again.output
    report = json.loads(again.stdout)
    assert report["all_tiers"] is False
    # p0 climbs: "4" is too short at small and medium, and large's "5" is wrong; p1 is routed to large: "It is Paris"
    assert report["quality"] == {"checked": 2, "correct": 1, "accuracy": 0.5}  # the decisions', as before


# ------------------------------------------------------------------ llama.cpp


@pytest.mark.llama
def test_all_tiers_against_llama_cpp_gives_both_tiers_outcome_per_prompt(
    llama_server: LlamaServer, tmp_path: Path
) -> None:
    """SmolLM2 as two tiers; the four example prompts with expected answers: each has both tiers' outcomes."""
    lines = (REPO / "scenarios" / "replay" / "prompts.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    write(tmp_path / "prompts.jsonl", "".join(lines[:4]))  # capital, gold, multiply, prime: labelled small
    config = write(
        tmp_path / "router.yaml",
        f"""\
providers:
  local: {{base_url: {llama_server.base_url}, timeout_s: 120}}
tiers:
  small: {{provider: local, model: {llama_server.model}, price: {{input_per_mtok: 0.1, output_per_mtok: 0.4}},
           params: {{temperature: 0, max_tokens: 16}}}}
  large: {{provider: local, model: smollm2-as-large, price: {{input_per_mtok: 2, output_per_mtok: 8}},
           params: {{temperature: 0, max_tokens: 24}}}}
routing: {{type: fixed, tier: small}}
""",
    )
    args = ["replay", "prompts.jsonl", "-c", str(config), "--all-tiers", "--log-content"]
    result = CliRunner().invoke(app, [*args, "--log", "run/decisions.jsonl", "--no-progress", "--format", "json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in (tmp_path / "run" / "decisions.jsonl").read_text().splitlines()]
    decisions = {line["id"]: line for line in lines if line["kind"] == "decision"}
    outcomes = [json.loads(line) for line in (tmp_path / "run" / "outcomes.jsonl").read_text().splitlines()]
    assert [line["id"] for line in outcomes] == ["capital", "gold", "multiply", "prime"]
    prices = {"small": (Decimal("0.1"), Decimal("0.4")), "large": (Decimal(2), Decimal(8))}
    for line in outcomes:
        decision = decisions[line["id"]]
        assert list(line["outcomes"]) == ["small", "large"]
        assert line["prompt"] == decision["prompt"][0]["content"]
        expected = Expected(decision["expected"], decision["match"])
        for attempt in decision["attempts"]:
            outcome = line["outcomes"][attempt["tier"]]
            assert outcome["quality"] == int(is_correct(expected, attempt["response"]))
            assert outcome["quality"] == int(attempt["correct"])
            rate_in, rate_out = prices[attempt["tier"]]
            billed = (attempt["input_tokens"] * rate_in + attempt["output_tokens"] * rate_out) / 1_000_000
            assert Decimal(outcome["cost"]) == billed > 0
            assert isinstance(outcome["confidence"], float)
            assert outcome["confidence"] == attempt["logprob"]["mean"] <= 0
    report = json.loads(result.stdout)
    small, large = report["tiers"]
    assert small["quality"]["checked"] == large["quality"]["checked"] == 4
    assert report["quality"]["checked"] == 8
