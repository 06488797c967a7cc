"""``routing: {type: embedding}`` in router configs, the replay engine and dry runs."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from routecli.cli import app
from routecli.errors import InputError
from routecli.replay.config import DEFAULT_EMBEDDING_DIMENSIONS, RouterConfig
from routecli.replay.config_file import load_router_config
from routecli.replay.dryrun import dry_run
from routecli.replay.routing import PromptView
from routecli.replay.routing.lexical import DEFAULT_DIMENSIONS, LexicalEmbedder
from routecli.replay.routing.prompt_embedding import EmbeddingRouter
from tests.helpers.files import write
from tests.helpers.replay import CASCADE, config, prompt, reply, run
from tests.helpers.routing import route

HEAD = """\
providers:
  local: {base_url: http://127.0.0.1:8080/v1}
tiers:
  small: {provider: local, model: gpt-4o-mini}
  large: {provider: local, model: gpt-4.1}
routing:
  type: embedding
"""
"""Lines 1-7: two tiers, and the routing type; each case adds the rest from line 8."""

PROOF = "Prove that the square root of 2 is irrational."
CODE = "Write a Python function that parses an ISO date."
CAPITAL = "What is the capital of France?"
GREETING = "Say hello in Spanish."


def load(text: str) -> RouterConfig:
    return load_router_config(write(Path("router.yaml"), text))


def embedding_router(text: str) -> EmbeddingRouter:
    router = load(text).router
    assert isinstance(router, EmbeddingRouter)
    return router


def error_of(text: str) -> str:
    with pytest.raises(InputError) as caught:
        load(text)
    return str(caught.value)


# ------------------------------------------------------------------ config


def test_inline_and_file_exemplars_are_merged_in_the_tiers_order_with_the_defaults() -> None:
    lines = f'{{"tier": "small", "prompt": "{GREETING}"}}\n\n{{"tier": "large", "prompt": "x"}}\n'
    write(Path("exemplars.jsonl"), lines)
    router = embedding_router(
        HEAD + f"  exemplars:\n    large: ['{PROOF}', '{CODE}']\n    small: ['{CAPITAL}']\n"
        "  exemplars_file: exemplars.jsonl\n  default: small\n"
    )
    inner = router.scorer
    assert inner.scored_tiers == ("small", "large")  # as under tiers, not as under exemplars: ties go to small
    assert {tier: matrix.shape for tier, matrix in inner.exemplars.items()} == {"small": (2, 1024), "large": (3, 1024)}
    assert (inner.k, inner.aggregate, inner.default, inner.thresholds) == (3, "mean", "small", {"small": 0, "large": 0})
    assert router.embedder.dimensions == 1024
    assert (router.kind, router.needs_tokens, router.tiers) == ("embedding", False, ("small", "large"))
    # the exemplars are the embedder's vectors of their texts, inline ones first
    expected = LexicalEmbedder(1024).embed([PROOF, CODE, "x"])
    np.testing.assert_array_equal(inner.exemplars["large"], expected)


def test_every_setting_is_read() -> None:
    router = embedding_router(
        HEAD + "  embedder: {type: lexical, dimensions: 64}\n"
        f"  exemplars: {{large: ['{PROOF}']}}\n"
        "  k: 5\n  aggregate: max\n  thresholds: {large: 0.35}\n  default: small\n"
    )
    inner = router.scorer
    assert (inner.dimensions, router.embedder.dimensions) == (64, 64)
    assert (inner.k, inner.aggregate, inner.thresholds) == (5, "max", {"large": 0.35})
    assert router.tiers == ("large", "small")  # the default takes no exemplars and is still a routed tier


def test_the_config_default_dimensions_are_the_embedders() -> None:
    assert DEFAULT_EMBEDDING_DIMENSIONS == DEFAULT_DIMENSIONS


EMBEDDING_ERRORS = {
    "an exemplar tier that is no tier": (
        HEAD + "  exemplars: {larg: [prove it]}\n  default: small\n",
        "router.yaml:8: routing.exemplars.larg: unknown tier 'larg'; did you mean 'large'?",
    ),
    "a default that is no tier": (
        HEAD + "  exemplars: {large: [prove it]}\n  default: xl\n",
        "router.yaml:9: routing.default: unknown tier 'xl'; tiers: small, large",
    ),
    "no exemplars at all": (
        HEAD + "  default: small\n",
        "router.yaml:6: routing: give exemplars, exemplars_file or both",
    ),
    "an empty exemplar": (
        HEAD + "  exemplars: {large: ['  ']}\n  default: small\n",
        "router.yaml:8: routing.exemplars.large[0]: expected non-empty text",
    ),
    "a threshold for a tier without exemplars": (
        HEAD + "  exemplars: {large: [prove it]}\n  thresholds: {small: 0.5}\n  default: small\n",
        "router.yaml:9: routing.thresholds.small: "
        "small has no exemplars, so it has no score to compare with a threshold",
    ),
    "a threshold out of range": (
        HEAD + "  exemplars: {large: [prove it]}\n  thresholds: {large: 3}\n  default: small\n",
        "router.yaml:9: routing.thresholds.large: expected a number from -1 to 2, got 3",
    ),
    "k of 0": (
        HEAD + "  exemplars: {large: [prove it]}\n  k: 0\n  default: small\n",
        "router.yaml:9: routing.k: expected a whole number of at least 1, got the number 0",
    ),
    "an unknown embedder type": (
        HEAD + "  embedder: {type: openai, model: m}\n  exemplars: {large: [x]}\n  default: small\n",
        "router.yaml:8: routing.embedder.type: expected one of lexical, endpoint, got the text 'openai'",
    ),
    "an endpoint embedder at an unknown provider": (
        HEAD + "  embedder: {type: endpoint, provider: lokal, model: m}\n  exemplars: {large: [x]}\n  default: small\n",
        "router.yaml:8: routing.embedder.provider: unknown provider 'lokal'; did you mean 'local'?",
    ),
    "an endpoint embedder with no price": (
        HEAD + "  embedder: {type: endpoint, provider: local, model: m}\n  exemplars: {large: [x]}\n  default: small\n",
        "router.yaml:8: routing.embedder.model: unknown model 'm': no price table has it "
        "(see `routecli pricing list`, or set price: a price-table id or inline prices)",
    ),
    "a missing exemplars file": (
        HEAD + "  exemplars_file: exemplars.jsonl\n  default: small\n",
        "router.yaml:8: routing.exemplars_file: exemplars file not found (looked for exemplars.jsonl)",
    ),
    "a routed tier the chain lacks": (
        HEAD.replace("routing:", "  medium: {provider: local, model: gpt-4.1-mini}\nrouting:")
        + "  exemplars: {medium: [prove it]}\n  default: small\n"
        "cascade:\n  chain: [small, large]\n  accept: {all: [{type: hedging}]}\n",
        "router.yaml:7: routing: the router can pick medium, which the cascade chain lacks; "
        "routed tiers are where requests enter the chain",
    ),
}


@pytest.mark.parametrize(("text", "message"), EMBEDDING_ERRORS.values(), ids=EMBEDDING_ERRORS.keys())
def test_a_bad_embedding_config_names_line_key_and_what_was_expected(text: str, message: str) -> None:
    assert error_of(text) == message


FILE_ERRORS = {
    "a tier that is no tier": (
        '{"tier": "small", "prompt": "hi"}\n{"tier": "lage", "prompt": "prove it"}\n',
        "exemplars.jsonl:2: tier: unknown tier 'lage'; did you mean 'large'?",
    ),
    "not JSON": ("nope\n", "exemplars.jsonl:1: not valid JSON: Expecting value: line 1 column 1 (char 0)"),
    "a key other than tier and prompt": (
        '{"tier": "large", "text": "prove it"}\n',
        'exemplars.jsonl:1: expected an object with exactly the keys "tier" and "prompt"',
    ),
    "an empty prompt": ('{"tier": "large", "prompt": " "}\n', "exemplars.jsonl:1: prompt: expected non-empty text"),
    "no lines": ("\n", "router.yaml:8: routing.exemplars_file: no exemplars in exemplars.jsonl"),
}


@pytest.mark.parametrize(("lines", "message"), FILE_ERRORS.values(), ids=FILE_ERRORS.keys())
def test_a_bad_exemplars_file_names_its_line(lines: str, message: str) -> None:
    write(Path("exemplars.jsonl"), lines)
    assert error_of(HEAD + "  exemplars_file: exemplars.jsonl\n  default: small\n") == message


def test_the_exemplars_file_is_relative_to_the_config(runner: CliRunner) -> None:
    Path("configs").mkdir()
    write(Path("configs/exemplars.jsonl"), f'{{"tier": "large", "prompt": "{PROOF}"}}\n')
    write(Path("configs/router.yaml"), HEAD + "  exemplars_file: exemplars.jsonl\n  default: small\n")
    write(Path("prompts.jsonl"), f'{{"prompt": "{PROOF}"}}\n')
    result = runner.invoke(app, ["replay", "prompts.jsonl", "-c", "configs/router.yaml", "--dry-run"])
    assert result.exit_code == 0, result.output


def test_the_cli_exits_2_on_a_bad_exemplars_file(runner: CliRunner) -> None:
    write(Path("router.yaml"), HEAD + "  exemplars_file: missing.jsonl\n  default: small\n")
    write(Path("prompts.jsonl"), '{"prompt": "hi"}\n')
    result = runner.invoke(app, ["replay", "prompts.jsonl", "-c", "router.yaml", "--dry-run"])
    assert result.exit_code == 2
    assert "router.yaml:8: routing.exemplars_file: exemplars file not found" in result.output


def test_numpy_is_imported_only_for_an_embedding_router() -> None:
    """`routecli --help`, and loading and dry-running other routers, must not pay for numpy."""
    write(Path("rules.yaml"), HEAD.replace("type: embedding", "type: fixed\n  tier: small"))
    write(Path("embedding.yaml"), HEAD + "  exemplars: {large: [prove it]}\n  default: small\n")
    code = """\
import sys
from pathlib import Path
from routecli.cli import app
try:
    app(["--help"])
except SystemExit:
    pass
from routecli.replay.dryrun import dry_run
from routecli.replay.config_file import load_router_config
dry_run(load_router_config(Path(sys.argv[1])), [])
print("numpy" in sys.modules)
"""
    for name, loaded in (("rules.yaml", "False"), ("embedding.yaml", "True")):
        done = subprocess.run([sys.executable, "-c", code, name], capture_output=True, text=True, check=True)
        assert done.stdout.splitlines()[-1] == loaded, name


# ----------------------------------------------------------- engine, dry run

ROUTING = {
    "type": "embedding",
    "exemplars": {"small": [CAPITAL, GREETING], "large": [PROOF, CODE]},
    "k": 1,
    "aggregate": "max",
    "default": "small",
}
PROMPTS = [
    prompt(CAPITAL, 1),
    prompt(PROOF, 2),
    prompt("Prove that there are infinitely many primes.", 3),
    prompt("What is the capital of Spain?", 4),
    prompt("¿Qué tal?", 5),
    prompt(CODE, 6),
]


def test_the_engine_enters_the_cascade_at_the_tier_the_exemplars_pick() -> None:
    cfg = config(routing=ROUTING, cascade=CASCADE)
    decisions, calls = run(cfg, PROMPTS[:2], lambda body: reply("ok", logprobs=[0.0]))
    by_id = {decision.id: decision for decision in decisions}
    # a prompt that is one of a tier's exemplars has similarity 1 with it: that tier's max
    assert by_id["1"].route is not None
    assert by_id["1"].route.tier == "small"
    assert by_id["1"].route.score == pytest.approx(1.0, abs=1e-6)
    assert by_id["1"].route.reason == "embedding: small 1.000 (k=1, max) >= 0"
    assert [attempt.tier for attempt in by_id["1"].attempts] == ["small"]
    assert by_id["2"].route is not None
    assert by_id["2"].route.tier == "large"
    assert [attempt.tier for attempt in by_id["2"].attempts] == ["large"]
    assert sorted(calls.models()) == ["large-model", "small-model"]


def test_a_prompt_below_every_threshold_goes_to_the_default() -> None:
    cfg = config(routing={**ROUTING, "thresholds": {"small": 1.5, "large": 1.5}, "default": "large"})
    (decision,), _ = run(cfg, PROMPTS[:1], lambda body: reply("ok"))
    assert decision.route is not None
    assert decision.route.tier == "large"
    assert decision.route.reason == "embedding: no tier reached its threshold, default"
    assert decision.final_tier == "large"


def test_dry_run_routes_every_prompt_as_the_engine_does() -> None:
    cfg = config(routing={**ROUTING, "k": 2, "aggregate": "mean", "thresholds": {"large": 0.1}}, cascade=CASCADE)
    engine, _ = run(cfg, PROMPTS, lambda body: reply("ok", logprobs=[0.0]))
    estimated = dry_run(cfg, PROMPTS)
    engine_routes = {decision.id: decision.route for decision in engine}
    dry_routes = {decision.id: decision.route for decision in estimated}
    assert dry_routes == engine_routes
    assert {route.tier for route in dry_routes.values() if route is not None} == {"small", "large"}
    assert [decision.final_tier for decision in estimated] == [route.tier for route in dry_routes.values() if route]


def test_batched_decisions_equal_one_at_a_time() -> None:
    cfg = config(routing={**ROUTING, "k": 2, "aggregate": "mean"})
    router = cfg.router
    assert isinstance(router, EmbeddingRouter)
    batched = asyncio.run(router.route_all([PromptView(item) for item in PROMPTS]))
    assert batched == [route(router, item) for item in PROMPTS]
