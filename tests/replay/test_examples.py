"""The bundled replay examples load, validate and route as their comments say; docs/router.md shows real output.

docs/router.md's ``console`` blocks are run here (from a directory where
``scenarios/`` is the repo's) and their output compared with what the doc
shows; its decision-log example is produced by a scripted replay.
``ROUTECLI_UPDATE_DOCS=1 python -m pytest tests/replay/test_examples.py``
rewrites both from the real output.
"""

from __future__ import annotations

import asyncio
import json
import re
import shlex
import shutil
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from routecli.cli import app
from routecli.pricing.price_files import load_price_files
from routecli.providers import Completion, Usage
from routecli.replay.config import RouterConfig
from routecli.replay.config_file import build_router_config, load_router_config
from routecli.replay.engine import Replayer
from routecli.replay.evaluators import DEFAULT_HEDGING_PHRASES, JUDGE_EVALUATOR_PROMPT
from routecli.replay.prompt_file import read_prompts
from routecli.replay.prompts import parse_prompt
from routecli.replay.records import Decision, decision_to_json
from routecli.replay.routing.complexity import DEFAULT_WEIGHTS, ComplexityRouter
from routecli.replay.routing.features import MULTI_STEP_MARKERS, REASONING_MARKERS
from routecli.replay.routing.judge import JUDGE_PARAMS, JUDGE_SYSTEM, JUDGE_USER
from routecli.replay.routing.rules import RulesRouter
from tests.helpers.doc_console import CONSOLE, UPDATE, check_console_blocks
from tests.helpers.llama_server import LlamaServer
from tests.helpers.paths import REPO
from tests.helpers.routing import route

EXAMPLES = REPO / "scenarios" / "replay"
CONFIGS = sorted(EXAMPLES.glob("*.yaml"))
PROMPTS = EXAMPLES / "prompts.jsonl"
ROUTER_DOC = REPO / "docs" / "router.md"


def config(name: str) -> RouterConfig:
    return load_router_config(EXAMPLES / name)


def test_the_examples_are_the_documented_set() -> None:
    assert [path.name for path in CONFIGS] == [
        "cascade.yaml",
        "complexity.yaml",
        "embedding-endpoint.yaml",
        "embedding.yaml",
        "judge.yaml",
        "route-then-cascade.yaml",
        "rules.yaml",
    ]


@pytest.mark.parametrize("path", CONFIGS, ids=lambda path: path.name)
def test_each_example_loads_and_points_at_llama_cpp(path: Path) -> None:
    loaded = load_router_config(path)
    urls = [provider.base_url for provider in loaded.providers.values()]
    assert urls == ["http://127.0.0.1:8080/v1"] + (["http://127.0.0.1:8081/v1"] if "endpoint" in path.name else [])
    assert list(loaded.tiers) == ["small", "medium", "large"]
    assert "api_key_env: OPENAI_API_KEY" in path.read_text()  # the commented OpenAI equivalent


@pytest.fixture(scope="module")
def router_schema() -> dict[str, Any]:
    result = CliRunner().invoke(app, ["schema", "router"])
    assert result.exit_code == 0, result.output
    schema: dict[str, Any] = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


@pytest.mark.parametrize("path", CONFIGS, ids=lambda path: path.name)
def test_each_example_is_valid_against_the_published_schema(path: Path, router_schema: dict[str, Any]) -> None:
    jsonschema.validate(yaml.safe_load(path.read_text()), router_schema)


def test_the_published_schema_rejects_what_the_loader_rejects(router_schema: dict[str, Any]) -> None:
    document = yaml.safe_load((EXAMPLES / "rules.yaml").read_text())
    document["routing"]["rules"][0]["when"]["has_cod"] = True
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, router_schema)
    document = yaml.safe_load((EXAMPLES / "cascade.yaml").read_text())
    document["cascade"]["accept"]["all"][0]["type"] = "hedge"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, router_schema)


def test_the_kinds_of_the_examples() -> None:
    kinds = {path.stem: load_router_config(path).kind() for path in CONFIGS}
    assert kinds == {
        "cascade": "cascade",
        "complexity": "route",
        "embedding": "route",
        "embedding-endpoint": "route",
        "judge": "route",
        "route-then-cascade": "route+cascade",
        "rules": "route",
    }


def test_the_tiers_are_priced_three_ways() -> None:
    tiers = config("rules.yaml").tiers
    table = load_price_files()
    assert tiers["small"].price == table.lookup("gpt-4o-mini")  # a price-table id
    medium = tiers["medium"].price  # inline
    assert (medium.id, medium.standard.input, medium.standard.output) == ("smollm2", Decimal("0.4"), Decimal("1.6"))
    assert tiers["large"].price == table.lookup("gpt-4.1")


def test_the_prompt_file_shows_every_feature() -> None:
    prompts = read_prompts(PROMPTS).prompts
    assert len(prompts) == 12
    assert {prompt.expected.match for prompt in prompts if prompt.expected} == {"exact", "contains", "regex", "number"}
    assert all(prompt.label in ("small", "medium", "large") for prompt in prompts)
    assert sum(bool(prompt.metadata) for prompt in prompts) >= 4
    chat = next(prompt for prompt in prompts if prompt.id == "support-chat")
    assert [message["role"] for message in chat.messages] == ["system", "user", "assistant", "user"]
    ducks = next(prompt for prompt in prompts if prompt.id == "gsm8k-ducks")
    assert ducks.expected is not None
    assert ducks.expected.value.endswith("\n#### 18")
    assert next(prompt for prompt in prompts if prompt.id == "multiply").max_tokens == 16


# Hand-derived from each prompt's text and each example's rules (see the comments in the files).
RULES_ROUTES = {
    "capital": ("small", 'rule 5 "short" (max_tokens)'),  # 7 tokens, nothing else matches
    "gold": ("small", 'rule 5 "short" (max_tokens)'),
    "multiply": ("small", 'rule 5 "short" (max_tokens)'),
    "prime": ("small", 'rule 5 "short" (max_tokens)'),
    "gsm8k-ducks": ("medium", 'rule 4 "reasoning" (keywords)'),  # "How much"
    "extract": ("medium", "default: no rule matched"),  # over 20 tokens, no code line ends in { or ;
    "sql-bug": ("large", 'rule 1 "code" (has_code)'),  # a ``` fence
    "type-hints": ("large", 'rule 1 "code" (has_code)'),  # a line starting "def "
    "sqrt2": ("large", 'rule 2 "proof" (regex)'),  # "Prove"
    "db-choice": ("medium", 'rule 4 "reasoning" (keywords)'),  # "Compare", "explain"
    "incident": ("medium", "default: no rule matched"),
    "support-chat": ("medium", 'rule 3 "enterprise-chat" (min_messages, metadata)'),  # in the spec's order
}


def test_rules_example_routes_each_prompt_as_its_rules_say() -> None:
    router = config("rules.yaml").router
    assert isinstance(router, RulesRouter)
    decided = {}
    for prompt in read_prompts(PROMPTS).prompts:
        decision = route(router, prompt)
        decided[prompt.id] = (decision.tier, decision.reason)
    assert decided == RULES_ROUTES


# Hand-computed with weights length 1, code 2, reasoning 2, multi_step 1, questions 0.5 (total 6.5) and
# thresholds medium 0.15, large 0.3. Length adds at most 64/500 × 1/6.5 < 0.02, so these counts decide:
COMPLEXITY_ROUTES = {
    "capital": "small",  # 1 question: 0.5 × 1/3 / 6.5 = 0.026
    "gold": "small",
    "multiply": "small",
    "prime": "small",
    "gsm8k-ducks": "small",  # 1 question
    "extract": "small",  # nothing but length
    "sql-bug": "large",  # code: 2 / 6.5 = 0.308
    "type-hints": "large",  # code
    "sqrt2": "medium",  # prove, step by step: 2 × 2/3 / 6.5 = 0.205
    "db-choice": "large",  # compare, explain; "first" (of offline-first) and then: (4/3 + 2/3) / 6.5 = 0.308
    "incident": "medium",  # 3 list items and first, then, finally (capped at 1): 1 / 6.5 = 0.154
    "support-chat": "small",  # 2 questions: 0.5 × 2/3 / 6.5 = 0.051
}


def test_complexity_example_routes_by_score() -> None:
    router = config("complexity.yaml").router
    assert isinstance(router, ComplexityRouter)
    decided = {prompt.id: route(router, prompt).tier for prompt in read_prompts(PROMPTS).prompts}
    assert decided == COMPLEXITY_ROUTES


def test_a_dry_run_prices_counted_input_and_assumed_output(runner: CliRunner) -> None:
    """'What is the capital of Australia?' is 7 tokens; + 3 per message + 1 for the role + 3 priming = 14."""
    result = runner.invoke(
        app,
        ["replay", str(PROMPTS), "-c", str(EXAMPLES / "rules.yaml"), "--dry-run", "--limit", "1", "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    small = report["tiers"][0]
    assert (small["input_tokens"], small["output_tokens"]) == (14, 256)
    assert report["total_spend"] == "0.0001557"  # gpt-4o-mini: 14 × $0.15/1M + 256 × $0.60/1M


def test_a_dry_run_caps_output_at_the_prompts_max_tokens(runner: CliRunner) -> None:
    result = runner.invoke(
        app, ["replay", str(PROMPTS), "-c", str(EXAMPLES / "cascade.yaml"), "--dry-run", "--format", "json"]
    )
    report = json.loads(result.stdout)
    assert report["tiers"][0]["output_tokens"] == 11 * 256 + 16  # "multiply" has max_tokens 16


# ------------------------------------------------------------ docs/router.md


def test_the_docs_console_examples_show_real_output(tmp_path: Path) -> None:
    """Each example runs in order in one directory (a later one may read an earlier one's log)."""
    (tmp_path / "scenarios").symlink_to(REPO / "scenarios", target_is_directory=True)
    blocks = list(CONSOLE.finditer(ROUTER_DOC.read_text()))
    used = {arg for block in blocks for arg in shlex.split(block.group(1)) if arg.startswith("scenarios/replay/")}
    assert {f"scenarios/replay/{path.name}" for path in CONFIGS} <= used
    stale = check_console_blocks(ROUTER_DOC, minimum=6)
    assert not stale, "docs/router.md is stale (ROUTECLI_UPDATE_DOCS=1 rewrites it):\n\n" + "\n\n".join(stale)


class _ScriptedProvider:
    """Answers calls in order from a script, moving a fake clock by each call's latency."""

    def __init__(self, script: Sequence[tuple[str, str, tuple[int, int], float]], clock: list[float]) -> None:
        self.script = list(script)
        self.clock = clock
        self.calls: list[str] = []

    async def complete(
        self, model: str, messages: Sequence[Mapping[str, Any]], params: Mapping[str, Any], *, logprobs: bool = False
    ) -> Completion:
        kind, text, usage, latency_ms = self.script.pop(0)
        asked = "judge" if str(messages[0]["content"]).startswith("Here is a request") else "answer"
        assert asked == kind, f"expected a {kind} call, got a {asked} call"
        self.calls.append(kind)
        self.clock[0] += latency_ms / 1000
        return Completion(text, Usage(*usage), None, 200)


DECISION_SCRIPT = [
    ("answer", "Sydney.", (21, 3), 412.0),  # small
    ("judge", "No.", (62, 2), 630.0),  # large judges small's answer
    ("answer", "The capital of Australia is Canberra.", (21, 9), 955.0),  # medium
    ("judge", "Yes", (68, 2), 701.0),  # large judges medium's answer
]


def _decision_example(monkeypatch: pytest.MonkeyPatch) -> tuple[Decision, _ScriptedProvider]:
    """The 'capital' prompt through route-then-cascade.yaml, every reply scripted."""
    clock = [100.0]
    fake_time = SimpleNamespace(perf_counter=lambda: clock[0], monotonic=lambda: clock[0])
    monkeypatch.setattr("routecli.replay.engine.time", fake_time)
    monkeypatch.setattr("routecli.replay.calls.time", fake_time)
    provider = _ScriptedProvider(DECISION_SCRIPT, clock)
    path = EXAMPLES / "route-then-cascade.yaml"
    loaded = build_router_config(yaml.safe_load(path.read_text()), load_price_files(), path.parent, str(path))
    capital = next(prompt for prompt in read_prompts(PROMPTS).prompts if prompt.id == "capital")
    decisions: list[Decision] = []
    asyncio.run(Replayer(loaded, {"local": provider}).run([capital], decisions.append, concurrency=1))
    return decisions[0], provider


def test_the_scripted_decision_is_what_route_then_cascade_does(monkeypatch: pytest.MonkeyPatch) -> None:
    decision, provider = _decision_example(monkeypatch)
    assert provider.script == []  # every scripted call was made, in order
    assert decision.route is not None
    assert decision.route.tier == "small"
    assert [(a.role, a.tier) for a in decision.attempts] == [
        ("answer", "small"),
        ("accept_judge", "large"),
        ("answer", "medium"),
        ("accept_judge", "large"),
    ]
    # gpt-4o-mini 0.15/0.60, gpt-4.1 2/8, inline 0.40/1.60 per 1M tokens
    assert [a.cost for a in decision.attempts] == [
        Decimal("0.00000495"),  # 21 × 0.15 + 3 × 0.6 = 4.95
        Decimal("0.00014"),  # 62 × 2 + 2 × 8 = 140
        Decimal("0.0000228"),  # 21 × 0.4 + 9 × 1.6 = 22.8
        Decimal("0.000152"),  # 68 × 2 + 2 × 8 = 152
    ]
    assert decision.latency_ms == pytest.approx(412 + 630 + 955 + 701)
    assert (decision.final_tier, decision.correct) == ("medium", True)


def test_the_docs_decision_log_example_is_real(monkeypatch: pytest.MonkeyPatch) -> None:
    decision, _ = _decision_example(monkeypatch)
    produced = json.dumps(decision_to_json(decision), indent=2, ensure_ascii=False)
    text = ROUTER_DOC.read_text()
    found = re.search(r"<!-- decision-log-example -->\n```json\n(.*?)```", text, re.S)
    assert found is not None
    if UPDATE:
        ROUTER_DOC.write_text(text[: found.start(1)] + produced + "\n" + text[found.end(1) :])
        return
    assert json.loads(found.group(1)) == json.loads(produced), "ROUTECLI_UPDATE_DOCS=1 rewrites docs/router.md"


@pytest.mark.llama
def test_the_cascade_example_replays_against_llama_cpp(
    llama_server: LlamaServer, runner: CliRunner, tmp_path: Path
) -> None:
    """The example as shipped, only its port changed: two prompts climb and are answered; exit code 0."""
    text = (EXAMPLES / "cascade.yaml").read_text().replace("http://127.0.0.1:8080/v1", llama_server.base_url)
    (tmp_path / "cascade.yaml").write_text(text)
    shutil.copy(PROMPTS, tmp_path / "prompts.jsonl")
    result = runner.invoke(
        app, ["replay", "prompts.jsonl", "-c", "cascade.yaml", "--limit", "2", "--concurrency", "1", "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    (run_dir,) = (tmp_path / "routecli-runs").iterdir()
    lines = (run_dir / "decisions.jsonl").read_text().splitlines()
    assert len(lines) == 4  # the run, two decisions, the end
    decisions = [document for document in map(json.loads, lines[1:]) if document["kind"] == "decision"]
    assert [decision["id"] for decision in sorted(decisions, key=lambda d: d["line"])] == ["capital", "gold"]
    assert all(decision["attempts"][0]["logprob"] is not None for decision in decisions)  # asked of small
    assert json.loads((run_dir / "report.json").read_text())["answered"] == 2


def _doc_text() -> str:
    """docs/router.md with every run of whitespace made one space, so wrapped prose reads as one line."""
    return " ".join(ROUTER_DOC.read_text().split())


def test_the_doc_quotes_the_fixed_prompts_as_the_code_sends_them() -> None:
    text = ROUTER_DOC.read_text()
    assert JUDGE_SYSTEM.format(levels="N") in text
    assert JUDGE_USER.format(levels="N", prompt="{the prompt's text}") in text
    assert JUDGE_EVALUATOR_PROMPT.format(prompt="{the prompt's text}", answer="{the answer}") in text
    assert JUDGE_PARAMS == {"temperature": 0, "max_tokens": 8}  # as the doc says, twice
    assert _doc_text().count("`temperature: 0` and `max_tokens: 8`") >= 3


def test_the_doc_lists_the_defaults_the_code_uses() -> None:
    text = _doc_text()
    assert ", ".join(f'"{phrase}"' for phrase in DEFAULT_HEDGING_PHRASES) in text
    assert ", ".join(REASONING_MARKERS) + "." in text
    assert ", ".join(MULTI_STEP_MARKERS[:-1]) + f", {MULTI_STEP_MARKERS[-1]} " in text
    for feature, weight in DEFAULT_WEIGHTS.items():
        assert f"| `{feature}` | {weight:g} |" in text


_HEAD: dict[str, Any] = {
    "providers": {
        "local": {"base_url": "http://127.0.0.1:8080/v1"},
        "openai": {"base_url": "https://api.openai.com/v1", "api_key_env": "OPENAI_API_KEY"},
    },
    "tiers": {
        "small": {"provider": "local", "model": "smollm2", "price": "gpt-4o-mini"},
        "medium": {"provider": "local", "model": "smollm2", "price": "gpt-4.1-mini"},
        "large": {"provider": "local", "model": "smollm2", "price": "gpt-4.1"},
    },
}


def _as_config(snippet: Any) -> dict[str, Any]:
    """A YAML snippet of the doc made whole: a list is a cascade's evaluators, missing parts come from _HEAD."""
    if isinstance(snippet, list):
        snippet = {"cascade": {"chain": ["small", "large"], "accept": {"all": snippet}}}
    whole = {**_HEAD, **snippet}
    if "providers" in snippet:
        whole["providers"] = {**_HEAD["providers"], **snippet["providers"]}
    if set(snippet) == {"providers"}:
        whole["routing"] = {"type": "fixed", "tier": "small"}
    if "tiers" in snippet and "routing" not in snippet and "cascade" not in snippet and len(snippet["tiers"]) > 1:
        whole["routing"] = {"type": "fixed", "tier": next(iter(snippet["tiers"]))}
    whole.pop("pricing", None)  # the top-level example names a file that is only an illustration
    return whole


def test_every_yaml_snippet_of_the_doc_is_a_valid_config() -> None:
    snippets = [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", ROUTER_DOC.read_text(), re.S)]
    assert len(snippets) >= 15
    table = load_price_files()
    for snippet in snippets:
        built = build_router_config(_as_config(snippet), table, EXAMPLES, "router.md")
        assert built.tiers


def test_every_prompt_line_of_the_doc_is_a_valid_prompt() -> None:
    blocks = re.findall(r"```json\n(.*?)```", ROUTER_DOC.read_text(), re.S)
    lines = [line for block in blocks if block.startswith('{"') for line in block.splitlines()]
    assert len(lines) >= 4
    for number, line in enumerate(lines, start=1):
        parse_prompt(line, number)
