"""Embedders of ``type: endpoint``: their config, and replays against the fault server's /v1/embeddings.

Every cost here is hand-computed from the fault server's token counts (characters // 4 + 1 of all a
request's texts; a reply's words) and the prices in the configs.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pytest
from typer.testing import CliRunner

from routecli.cli import app
from routecli.errors import InputError
from routecli.pricing.prices import ModelPrice, TokenRates
from routecli.render.replay_json import REPLAY_REPORT_SCHEMA, replay_document
from routecli.replay.config import CacheSettings, EndpointEmbedder, RouterConfig
from routecli.replay.config_file import load_router_config
from routecli.replay.log import read_log
from routecli.replay.records import Attempt, Decision, RunInfo, TierInfo
from routecli.replay.report import ReplayReport, build_report
from routecli.replay.routing.prompt_embedding import EndpointEmbeddingRouter
from routecli.replay.tokens import count_text
from tests.helpers.fault_server import EMBEDDING_DIMENSIONS, Fault, FaultServer, embedding
from tests.helpers.files import write

pytest_plugins = ["tests.helpers.fault_server"]

D = Decimal
MILLION = D(1_000_000)
EMBED_PRICE = D("0.02")  # USD per 1M input tokens, the embedder's price in every run here
SMALL_IN, SMALL_OUT = D(1), D(2)
LARGE_IN, LARGE_OUT = D(10), D(30)
EMBEDDER = "embed-model"
"""The embedding model's name: the fault server scripts faults by it."""

EASY = "Say hello in Spanish"
HARD = "Prove that the square root of two is irrational"
ANSWER = "a fine answer"  # three words: three completion tokens


# ------------------------------------------------------------------ helpers


def tokens(*texts: str) -> int:
    """The fault server's prompt tokens for one request with ``texts``: their characters // 4 + 1."""
    return sum(len(text) for text in texts) // 4 + 1


def embed_cost(*texts: str) -> Decimal:
    return tokens(*texts) * EMBED_PRICE / MILLION


def answer_cost(text: str, tier: str = "small") -> Decimal:
    rates = {"small": (SMALL_IN, SMALL_OUT), "large": (LARGE_IN, LARGE_OUT)}[tier]
    return (tokens(text) * rates[0] + len(ANSWER.split()) * rates[1]) / MILLION


def router_yaml(
    server: FaultServer,
    *,
    routing: str = "endpoint",
    cache: str | None = None,
    attempts: int = 3,
    cache_model: str = EMBEDDER,
    cache_batch_size: int = 256,
) -> str:
    """Two tiers at the fault server; an embedding router (endpoint or lexical) or a fixed one; maybe a cache."""
    embedder = f"{{type: endpoint, provider: faulty, model: {EMBEDDER}, price: {{input_per_mtok: 0.02}}}}"
    if routing == "fixed":
        routing_text = "routing: {type: fixed, tier: small}\n"
    else:
        chosen = embedder if routing == "endpoint" else "{type: lexical, dimensions: 64}"
        routing_text = (
            "routing:\n"
            "  type: embedding\n"
            f"  embedder: {chosen}\n"
            "  aggregate: max\n"
            f"  exemplars: {{small: ['{EASY}'], large: ['{HARD}']}}\n"
            "  default: small\n"
        )
    cache_text = ""
    if cache is not None:
        cache_embedder = embedder.replace(EMBEDDER, cache_model).replace("}}", f"}}, batch_size: {cache_batch_size}}}")
        cache_text = f"cache: {{similarity: {cache}, embedder: {cache_embedder}}}\n"
    return (
        "providers:\n"
        "  faulty:\n"
        f"    base_url: {server.base_url}\n"
        "    timeout_s: 5\n"
        f"    retry: {{max_attempts: {attempts}, initial_backoff_s: 0.01, max_backoff_s: 0.05}}\n"
        "tiers:\n"
        "  small: {provider: faulty, model: small, price: {input_per_mtok: 1, output_per_mtok: 2}}\n"
        "  large: {provider: faulty, model: large, price: {input_per_mtok: 10, output_per_mtok: 30}}\n"
        + routing_text
        + cache_text
    )


def prompts_file(folder: Path, *texts: str) -> Path:
    lines = "".join(json.dumps({"id": f"p{i}", "prompt": text}) + "\n" for i, text in enumerate(texts, start=1))
    return write(folder / "prompts.jsonl", lines)


def answering(server: FaultServer, **fault: Any) -> None:
    for model in ("small", "large"):
        server.always(model, Fault("ok", content=ANSWER, **fault))


def replay(folder: Path, server_yaml: str, prompts: Path, *extra: str) -> tuple[Any, Path]:
    """``routecli replay`` with the config; the result and the decision log's path."""
    config = write(folder / "router.yaml", server_yaml)
    log = folder / "decisions.jsonl"
    args = ["replay", str(prompts), "-c", str(config), "--log", str(log), "--no-progress", *extra]
    return CliRunner().invoke(app, args), log


def read_lines(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def decisions_of(log: Path) -> dict[str, dict[str, Any]]:
    return {line["id"]: line for line in read_lines(log) if line["kind"] == "decision"}


def report_of(log: Path) -> ReplayReport:
    contents = read_log(log)
    return build_report(contents.run, contents.decisions, contents.stopped, contents.prelude)


def requests_for(server: FaultServer, path: str) -> list[Any]:
    return [request for request in server.requests if request.path == path]


def embeddings_requests(server: FaultServer) -> list[Any]:
    return requests_for(server, "/v1/embeddings")


def chat_requests(server: FaultServer) -> list[Any]:
    return requests_for(server, "/v1/chat/completions")


# ------------------------------------------------------------------ config

HEAD = """\
providers:
  local: {base_url: http://127.0.0.1:8080/v1}
  claude: {type: anthropic, base_url: https://api.anthropic.com}
tiers:
  small: {provider: local, model: small, price: {input_per_mtok: 1, output_per_mtok: 2}}
  large: {provider: local, model: large, price: {input_per_mtok: 10, output_per_mtok: 30}}
"""
"""Lines 1-6: an OpenAI-compatible and an Anthropic provider, two tiers; each case adds the rest from line 7."""

ROUTING = """\
routing:
  type: embedding
  embedder: {embedder}
  exemplars: {{small: [hi], large: [prove it]}}
  default: small
"""
"""Lines 7-11, the embedder on line 9."""

PRICES = """\
provider: acme
as_of: 2026-01-01
source: a test
models:
  - id: acme-embed-v1
    aliases: [acme-embed]
    input_per_mtok: 0.13
    output_per_mtok: 0
"""


def load(text: str) -> RouterConfig:
    return load_router_config(write(Path("router.yaml"), text))


def error_of(text: str) -> str:
    with pytest.raises(InputError) as caught:
        load(text)
    return str(caught.value)


def test_an_endpoint_embedder_for_routing_is_priced_by_a_price_table_id() -> None:
    write(Path("prices.yaml"), PRICES)
    embedder = "{type: endpoint, provider: local, model: text-embed, price: acme-embed, batch_size: 16}"
    config = load(HEAD + ROUTING.format(embedder=embedder) + "pricing: [prices.yaml]\n")
    router = config.router
    assert isinstance(router, EndpointEmbeddingRouter)
    built = router.embedder
    assert (built.provider, built.model, built.batch_size, built.tokenizer) == ("local", "text-embed", 16, "o200k_base")
    assert built.price.id == "acme-embed-v1"  # the table's entry, found by its alias
    assert (built.price.standard.input, built.price.standard.output) == (D("0.13"), D(0))
    assert (router.kind, router.tiers, router.default) == ("embedding", ("small", "large"), "small")
    assert router.texts == ["hi", "prove it"]
    assert config.cache is None


def test_an_endpoint_embedder_is_priced_inline_and_takes_a_tokenizer() -> None:
    embedder = "{type: endpoint, provider: local, model: m, price: {input_per_mtok: 0.02}, tokenizer: cl100k_base}"
    router = load(HEAD + ROUTING.format(embedder=embedder)).router
    assert isinstance(router, EndpointEmbeddingRouter)
    built = router.embedder
    assert (built.batch_size, built.tokenizer) == (256, "cl100k_base")  # batch_size's default
    assert (built.price.standard.input, built.price.standard.output) == (D("0.02"), D(0))


def test_the_cache_takes_an_endpoint_embedder_equal_to_the_routers_when_configured_alike() -> None:
    embedder = "{type: endpoint, provider: local, model: m, price: {input_per_mtok: 0.02}}"
    config = load(HEAD + ROUTING.format(embedder=embedder) + f"cache: {{similarity: 0.9, embedder: {embedder}}}\n")
    cache = config.cache
    assert isinstance(cache, CacheSettings)
    assert cache.similarity == 0.9
    assert isinstance(cache.embedder, EndpointEmbedder)
    assert (cache.embedder.provider, cache.embedder.model) == ("local", "m")
    assert cache.embedder.price.standard.input == D("0.02")
    router = config.router
    assert isinstance(router, EndpointEmbeddingRouter)
    # equal and hashing alike: the engine embeds a prompt once for both
    assert cache.embedder == router.embedder
    assert hash(cache.embedder) == hash(router.embedder)
    other = load(HEAD + ROUTING.format(embedder=embedder) + f"cache: {{similarity: 0.9, embedder: {embedder}}}\n")
    assert isinstance(other.router, EndpointEmbeddingRouter)
    assert other.router.embedder == router.embedder


ENDPOINT_ERRORS = {
    "a routing embedder at an unknown provider": (
        HEAD + ROUTING.format(embedder="{type: endpoint, provider: lokal, model: m, price: {input_per_mtok: 1}}"),
        "router.yaml:9: routing.embedder.provider: unknown provider 'lokal'; did you mean 'local'?",
    ),
    "a cache embedder at an unknown provider": (
        HEAD
        + "routing: {type: fixed, tier: small}\n"
        + "cache:\n  similarity: 0.9\n  embedder: {type: endpoint, provider: remote, model: m}\n",
        "router.yaml:10: cache.embedder.provider: unknown provider 'remote'; providers: local, claude",
    ),
    "a routing embedder at an anthropic provider": (
        HEAD + ROUTING.format(embedder="{type: endpoint, provider: claude, model: m, price: {input_per_mtok: 1}}"),
        "router.yaml:9: routing.embedder.provider: provider 'claude' is of type anthropic, which has no "
        "embeddings endpoint; use an OpenAI-compatible provider",
    ),
    "a cache embedder at an anthropic provider": (
        HEAD
        + "routing: {type: fixed, tier: small}\n"
        + "cache:\n  similarity: 0.9\n  embedder: {type: endpoint, provider: claude, model: m}\n",
        "router.yaml:10: cache.embedder.provider: provider 'claude' is of type anthropic, which has no "
        "embeddings endpoint; use an OpenAI-compatible provider",
    ),
    "an unpriced routing embedder": (
        HEAD + ROUTING.format(embedder="{type: endpoint, provider: local, model: my-embedder}"),
        "router.yaml:9: routing.embedder.model: unknown model 'my-embedder': no price table has it "
        "(see `routecli pricing list`, or set price: a price-table id or inline prices)",
    ),
    "an unpriced cache embedder": (
        HEAD
        + "routing: {type: fixed, tier: small}\n"
        + "cache:\n  similarity: 0.9\n  embedder:\n    type: endpoint\n    provider: local\n    model: my-embedder\n",
        "router.yaml:13: cache.embedder.model: unknown model 'my-embedder': no price table has it "
        "(see `routecli pricing list`, or set price: a price-table id or inline prices)",
    ),
    "a price-table id no table has": (
        HEAD + ROUTING.format(embedder="{type: endpoint, provider: local, model: m, price: acme-embed}"),
        "router.yaml:9: routing.embedder.price: unknown model 'acme-embed': no price table has it "
        "(see `routecli pricing list`, or set price: a price-table id or inline prices)",
    ),
    "an endpoint embedder without a model": (
        HEAD + ROUTING.format(embedder="{type: endpoint, provider: local, price: {input_per_mtok: 1}}"),
        "router.yaml:9: routing.embedder: missing required key 'model' "
        "(The embedding model the endpoint is asked for.)",
    ),
}


@pytest.mark.parametrize(("text", "message"), ENDPOINT_ERRORS.values(), ids=ENDPOINT_ERRORS.keys())
def test_a_bad_endpoint_embedder_names_line_and_key_path(text: str, message: str) -> None:
    assert error_of(text) == message


# ------------------------------------------------------------------ a full run


def test_an_endpoint_router_run_bills_exemplars_and_one_embedding_per_prompt(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    answering(fault_server)
    third = "Prove that the cube root of two is irrational"
    prompts = prompts_file(tmp_path, EASY, HARD, third)
    report_path = tmp_path / "report.json"
    result, log = replay(tmp_path, router_yaml(fault_server), prompts, "--concurrency", "1", "-o", str(report_path))
    assert result.exit_code == 0, result.output

    lines = read_lines(log)
    assert [line["kind"] for line in lines] == ["run", "prelude", "decision", "decision", "decision", "end"]
    (exemplars,) = lines[1]["attempts"]  # both exemplars in one request: batch_size 256
    assert (exemplars["role"], exemplars["tier"], exemplars["model"]) == ("exemplars", "embedder", EMBEDDER)
    assert exemplars["input_tokens"] == tokens(EASY, HARD) == 17  # (20 + 47) // 4 + 1
    assert (exemplars["output_tokens"], exemplars["estimated"], exemplars["error"]) == (0, False, None)
    assert D(exemplars["cost"]) == embed_cost(EASY, HARD) == D("0.00000034")
    first_request = embeddings_requests(fault_server)[0].json
    assert first_request["input"] == [EASY, HARD]
    assert first_request["model"] == EMBEDDER

    decisions = decisions_of(log)
    routed = {"p1": ("small", EASY), "p2": ("large", HARD), "p3": ("large", third)}
    for identifier, (tier, text) in routed.items():
        decision = decisions[identifier]
        assert decision["route"]["tier"] == tier
        assert decision["final_tier"] == tier
        embed, answer = decision["attempts"]  # one embedding per prompt, then the answer
        assert (embed["role"], embed["tier"], embed["model"]) == ("embed", "embedder", EMBEDDER)
        assert (embed["output_tokens"], embed["estimated"]) == (0, False)
        assert embed["input_tokens"] == tokens(text)
        assert D(embed["cost"]) == embed_cost(text)
        assert (answer["role"], answer["tier"]) == ("answer", tier)
        assert D(answer["cost"]) == answer_cost(text, tier)
    assert decisions["p1"]["route"]["reason"] == "embedding: small 1.000 (k=3, max) >= 0"
    # p1 has 20 characters, p2 47, p3 45: 6, 12 and 12 tokens (the embedding's and the answer's)
    assert [tokens(text) for _, text in routed.values()] == [6, 12, 12]

    embed_spend = embed_cost(EASY, HARD) + sum(embed_cost(text) for _, text in routed.values())
    tier_spend = sum(answer_cost(text, tier) for tier, text in routed.values())
    assert embed_spend == D("0.00000094")  # (17 + 6 + 12 + 12) tokens at $0.02 per 1M
    assert tier_spend == D("0.000432")  # small (6 × 1 + 3 × 2) / 1M; large twice (12 × 10 + 3 × 30) / 1M
    document = json.loads(report_path.read_text(encoding="utf-8"))
    assert D(document["total_spend"]) == tier_spend + embed_spend
    assert D(document["embeddings"]["spend"]) == embed_spend
    assert D(document["embeddings"]["exemplar_spend"]) == embed_cost(EASY, HARD)
    assert document["embeddings"]["requests"] == 4

    report = report_of(log)
    assert report.total_spend == tier_spend + embed_spend
    assert report.embeddings is not None
    stats = report.embeddings
    assert (stats.requests, stats.errors, stats.estimated_requests) == (4, 0, 0)
    assert stats.input_tokens == 17 + 6 + 12 + 12
    assert (stats.spend, stats.exemplar_spend) == (embed_spend, embed_cost(EASY, HARD))
    by_tier = {tier.name: tier for tier in report.tiers}
    assert (by_tier["small"].requests, by_tier["large"].requests) == (1, 2)  # no embedding is in a tier's stats
    assert by_tier["small"].spend + by_tier["large"].spend == tier_spend
    assert report.routing is not None
    assert report.routing.distribution == {"large": 2, "small": 1}

    again = CliRunner().invoke(app, ["report", str(log), "--format", "json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout) == document


def test_a_429_with_retry_after_on_the_embeddings_endpoint_is_retried(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    answering(fault_server)
    fault_server.script(EMBEDDER, [Fault("ok"), Fault("status", status=429, retry_after=0.3)])  # exemplars, then p1
    result, log = replay(tmp_path, router_yaml(fault_server), prompts_file(tmp_path, HARD))
    assert result.exit_code == 0, result.output
    refused, embedded, answer = decisions_of(log)["p1"]["attempts"]
    assert (refused["role"], refused["status"], refused["error_kind"], refused["retry"]) == ("embed", 429, "http", 0)
    assert D(refused["cost"]) == 0  # no usage reported: not billed
    assert (embedded["role"], embedded["status"], embedded["retry"], embedded["error"]) == ("embed", 200, 1, None)
    assert D(embedded["cost"]) == embed_cost(HARD)
    assert (answer["tier"], decisions_of(log)["p1"]["route"]["tier"]) == ("large", "large")
    sent = embeddings_requests(fault_server)
    assert len(sent) == 3
    assert sent[2].received_at - sent[1].received_at >= 0.3  # waited as Retry-After said
    report = report_of(log)
    assert report.embeddings is not None
    assert (report.embeddings.requests, report.embeddings.errors) == (3, 1)
    assert report.retries == 1
    assert report.errors == {"http": 1}
    assert report.total_spend == embed_cost(EASY, HARD) + embed_cost(HARD) + answer_cost(HARD, "large")


def test_a_prompt_the_endpoint_cannot_embed_goes_to_the_default_tier(fault_server: FaultServer, tmp_path: Path) -> None:
    answering(fault_server)
    fault_server.script(EMBEDDER, [Fault("ok"), Fault("status", status=503), Fault("status", status=503)])
    result, log = replay(
        tmp_path, router_yaml(fault_server, attempts=2), prompts_file(tmp_path, HARD, HARD), "--concurrency", "1"
    )
    assert result.exit_code == 0, result.output
    decisions = decisions_of(log)
    failed = decisions["p1"]
    assert failed["route"]["tier"] == "small"  # the default, though its text is the large exemplar
    assert failed["route"]["reason"] == "embedding failed (http), default"
    assert [(a["role"], a["status"], a["retry"]) for a in failed["attempts"]] == [
        ("embed", 503, 0),
        ("embed", 503, 1),
        ("answer", 200, 0),
    ]
    assert failed["final_tier"] == "small"
    assert failed["error"] is None
    assert decisions["p2"]["route"]["tier"] == "large"  # the endpoint is back: routed as usual
    report = report_of(log)
    assert report.embeddings is not None
    assert (report.embeddings.requests, report.embeddings.errors) == (4, 2)
    assert report.total_spend == (
        embed_cost(EASY, HARD) + answer_cost(HARD, "small") + embed_cost(HARD) + answer_cost(HARD, "large")
    )


def test_a_prompt_vector_of_another_width_than_the_exemplars_fails_that_prompt_naming_the_embedder(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    answering(fault_server)
    three = {"object": "embedding", "index": 0, "embedding": [0.6, 0.8, 0.0]}
    body = json.dumps({"object": "list", "data": [three], "model": EMBEDDER, "usage": {"prompt_tokens": 3}})
    fault_server.script(EMBEDDER, [Fault("ok"), Fault("malformed", body=body.encode())])  # 64 numbers, then 3
    result, log = replay(tmp_path, router_yaml(fault_server), prompts_file(tmp_path, HARD))
    assert result.exit_code == 1
    error = decisions_of(log)["p1"]["error"]
    assert f"routing.embedder: expected vectors of {EMBEDDING_DIMENSIONS} dimensions, got shape (1, 3)" in error
    assert chat_requests(fault_server) == []


def test_exemplars_the_endpoint_cannot_embed_stop_the_run_with_a_clear_error(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    fault_server.always(EMBEDDER, Fault("status", status=503))
    result, log = replay(tmp_path, router_yaml(fault_server, attempts=2), prompts_file(tmp_path, EASY))
    assert result.exit_code == 1
    config = tmp_path / "router.yaml"
    assert f"Error: {config}: routing.embedder: could not embed the exemplars: HTTP 503" in result.stderr
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert chat_requests(fault_server) == []  # no prompt was sent
    lines = read_lines(log)
    assert [line["kind"] for line in lines[:2]] == ["run", "prelude"]
    assert [line["kind"] for line in lines].count("decision") == 0
    failed = lines[1]["attempts"]
    assert [(a["role"], a["status"], a["retry"], D(a["cost"])) for a in failed] == [
        ("exemplars", 503, 0, 0),
        ("exemplars", 503, 1, 0),
    ]
    report = report_of(log)
    assert report.embeddings is not None
    assert (report.embeddings.requests, report.embeddings.errors, report.embeddings.spend) == (2, 2, 0)
    assert (report.errors, report.retries) == ({"http": 2}, 1)  # the prelude's failures count as a prompt's do


def test_an_embedding_without_usage_is_counted_with_tiktoken_and_marked_estimated(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    answering(fault_server)
    fault_server.script(EMBEDDER, [Fault("ok"), Fault("ok", report_usage=False)])
    result, log = replay(tmp_path, router_yaml(fault_server), prompts_file(tmp_path, HARD))
    assert result.exit_code == 0, result.output
    embed = decisions_of(log)["p1"]["attempts"][0]
    counted = count_text(HARD, "o200k_base")  # the embedder's tokenizer: by its model name, o200k_base
    assert (embed["estimated"], embed["input_tokens"]) == (True, counted)
    assert D(embed["cost"]) == counted * EMBED_PRICE / MILLION
    report = report_of(log)
    assert report.embeddings is not None
    assert report.embeddings.estimated_requests == 1
    assert [tier.estimated_requests for tier in report.tiers] == [0, 0]  # the answer reported its usage
    assert report.estimated_requests == 1  # every request priced from counted tokens: the embedding
    document = json.loads(report_command(log, "--format", "json").stdout)
    assert document["estimated_token_requests"] == 1


# ------------------------------------------------------------------ the cache

CAPITAL = "What is the capital city of France?"
CAPITAL_AGAIN = "Tell me the capital city of France"
HAIKU = "Write a haiku about autumn leaves"
EXACT_CAPITAL = "  What is the capital   city of France? "
"""CAPITAL again, but for spaces: an exact repeat once normalised."""
CASED_CAPITAL = "what is THE capital city of france?"
"""CAPITAL but for case: not an exact repeat (case is kept); the fault server's vector is of lower-cased words."""


def test_a_near_duplicate_hits_a_cache_embedded_by_an_endpoint(fault_server: FaultServer, tmp_path: Path) -> None:
    answering(fault_server)
    near = float(np.dot(embedding(CAPITAL), embedding(CAPITAL_AGAIN)))
    far = float(np.dot(embedding(CAPITAL), embedding(HAIKU)))
    assert far < 0.5 < near < 1  # the hand-picked texts are what the test needs
    prompts = prompts_file(tmp_path, CAPITAL, CAPITAL_AGAIN, EXACT_CAPITAL, HAIKU, CASED_CAPITAL)
    result, log = replay(
        tmp_path, router_yaml(fault_server, routing="fixed", cache="0.5"), prompts, "--concurrency", "1"
    )
    assert result.exit_code == 0, result.output
    decisions = decisions_of(log)
    source = decisions["p1"]
    assert [a["role"] for a in source["attempts"]] == ["embed", "answer"]
    hit = decisions["p2"]
    assert hit["cache"]["source"] == "p1"
    assert hit["cache"]["similarity"] == pytest.approx(near, abs=1e-5)
    (embed,) = hit["attempts"]  # the embedding that found it, and no model call
    assert (embed["role"], embed["tier"], D(embed["cost"])) == ("embed", "embedder", embed_cost(CAPITAL_AGAIN))
    assert (hit["final_tier"], hit["route"]) == ("small", None)
    repeat = decisions["p3"]  # the exact repeat: no embedding at all
    assert (repeat["cache"], repeat["attempts"]) == ({"source": "p1", "similarity": 1.0}, [])
    assert decisions["p4"]["cache"] is None
    cased = decisions["p5"]  # no exact repeat (case is kept), but the endpoint's vector ignores case
    assert cased["cache"]["source"] == "p1"
    assert cased["cache"]["similarity"] == pytest.approx(1.0, abs=1e-5)
    assert [(a["role"], D(a["cost"])) for a in cased["attempts"]] == [("embed", embed_cost(CASED_CAPITAL))]
    # p1, p2, p4 and p5 embedded (no exemplars: the router is fixed); p1 and p4 asked a model
    assert [r.json["input"] for r in embeddings_requests(fault_server)] == [
        [CAPITAL],
        [CAPITAL_AGAIN],
        [HAIKU],
        [CASED_CAPITAL],
    ]
    assert len(chat_requests(fault_server)) == 2

    report = report_of(log)
    assert report.cache is not None
    # three hits on p1, each saving its answer (9 tokens in, 3 out at small), not its embedding: a hit pays its own
    assert (report.cache.hits, report.cache.saved) == (3, 3 * answer_cost(CAPITAL))
    assert report.cache.saved == 3 * D("0.000015")
    assert report.embeddings is not None
    assert (report.embeddings.requests, report.embeddings.exemplar_spend) == (4, 0)
    assert report.total_spend == (
        embed_cost(CAPITAL)
        + answer_cost(CAPITAL)
        + embed_cost(CAPITAL_AGAIN)
        + embed_cost(HAIKU)
        + answer_cost(HAIKU)
        + embed_cost(CASED_CAPITAL)
    )


def test_a_single_near_duplicate_saves_exactly_its_sources_answer(fault_server: FaultServer, tmp_path: Path) -> None:
    answering(fault_server)
    prompts = prompts_file(tmp_path, CAPITAL, CAPITAL_AGAIN)
    result, log = replay(
        tmp_path, router_yaml(fault_server, routing="fixed", cache="0.5"), prompts, "--concurrency", "1"
    )
    assert result.exit_code == 0, result.output
    report = report_of(log)
    assert report.cache is not None
    assert report.cache.hits == 1
    # p1's answer (9 tokens in at $1, 3 out at $2 per 1M); not p1's embedding: the hit paid for its own
    assert report.cache.saved == answer_cost(CAPITAL) == D("0.000015")
    assert report.total_spend == embed_cost(CAPITAL) + answer_cost(CAPITAL) + embed_cost(CAPITAL_AGAIN)


def test_a_router_and_cache_with_the_same_endpoint_embedder_embed_each_prompt_once(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    answering(fault_server)
    prompts = prompts_file(tmp_path, EASY, HARD, HAIKU)
    result, log = replay(tmp_path, router_yaml(fault_server, cache="0.99"), prompts, "--concurrency", "1")
    assert result.exit_code == 0, result.output
    sent = embeddings_requests(fault_server)
    assert [r.json["input"] for r in sent] == [[EASY, HARD], [EASY], [HARD], [HAIKU]]  # exemplars, then one each
    for decision in decisions_of(log).values():
        assert [a["role"] for a in decision["attempts"]] == ["embed", "answer"]
    assert decisions_of(log)["p2"]["route"]["tier"] == "large"


def test_a_router_and_cache_with_different_embedders_embed_each_prompt_with_both(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    answering(fault_server)
    prompts = prompts_file(tmp_path, EASY, HARD)
    yaml = router_yaml(fault_server, cache="0.99", cache_model="other-embedder")
    result, log = replay(tmp_path, yaml, prompts, "--concurrency", "1")
    assert result.exit_code == 0, result.output
    sent = [(r.json["model"], r.json["input"]) for r in embeddings_requests(fault_server)]
    assert sent == [
        (EMBEDDER, [EASY, HARD]),
        ("other-embedder", [EASY]),  # the cache looks first
        (EMBEDDER, [EASY]),
        ("other-embedder", [HARD]),
        (EMBEDDER, [HARD]),
    ]
    for decision in decisions_of(log).values():
        assert [a["role"] for a in decision["attempts"]] == ["embed", "embed", "answer"]


def test_an_endpoint_that_cannot_embed_a_prompt_for_the_cache_is_a_miss_and_not_stored(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    answering(fault_server)
    fault_server.script(EMBEDDER, [Fault("status", status=503)])  # p1's only try (max_attempts 1)
    prompts = prompts_file(tmp_path, CAPITAL, CAPITAL)
    yaml = router_yaml(fault_server, routing="fixed", cache="0.5", attempts=1)
    result, log = replay(tmp_path, yaml, prompts, "--concurrency", "1")
    assert result.exit_code == 0, result.output
    decisions = decisions_of(log)
    first, second = decisions["p1"], decisions["p2"]
    assert [(a["role"], a["status"]) for a in first["attempts"]] == [("embed", 503), ("answer", 200)]
    assert first["final_tier"] == "small"
    # p1 was answered but had no vector, so it was not stored: its exact repeat is asked again
    assert second["cache"] is None
    assert [a["role"] for a in second["attempts"]] == ["embed", "answer"]
    assert len(chat_requests(fault_server)) == 2


# ------------------------------------------------------------------ in flight


def test_an_identical_prompt_in_flight_waits_for_the_first_answer(fault_server: FaultServer, tmp_path: Path) -> None:
    answering(fault_server, delay=0.5)
    prompts = prompts_file(tmp_path, "same question", "  same   question ")
    result, log = replay(
        tmp_path, router_yaml(fault_server, routing="fixed", cache="0.99"), prompts, "--concurrency", "2"
    )
    assert result.exit_code == 0, result.output
    assert len(chat_requests(fault_server)) == 1
    assert len(embeddings_requests(fault_server)) == 1  # the waiting prompt hit by its text: nothing to embed
    decisions = decisions_of(log)
    assert decisions["p1"]["cache"] is None
    second = decisions["p2"]
    assert second["cache"] == {"source": "p1", "similarity": 1.0}
    assert second["attempts"] == []
    assert second["final_tier"] == "small"
    assert second["latency_ms"] >= 400  # it waited for p1's slow answer rather than asking itself


def test_an_identical_prompt_in_flight_asks_itself_when_the_first_fails(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    fault_server.script("small", [Fault("status", status=400, delay=0.3)])  # p1's answer: a 400 is not retried
    answering(fault_server)
    prompts = prompts_file(tmp_path, "same question", "same question")
    yaml = router_yaml(fault_server, routing="fixed", cache="0.99", attempts=1)
    result, log = replay(tmp_path, yaml, prompts, "--concurrency", "2")
    assert result.exit_code == 1  # p1 got no answer
    decisions = decisions_of(log)
    assert decisions["p1"]["final_tier"] is None
    second = decisions["p2"]
    assert second["cache"] is None
    assert second["final_tier"] == "small"
    assert len(chat_requests(fault_server)) == 2
    # p2 waited for p1 before asking: its request came after p1's failed reply
    asked_first, asked_second = chat_requests(fault_server)
    assert asked_second.received_at - asked_first.received_at >= 0.3


def test_a_repeat_whose_twin_fails_after_the_run_stopped_is_not_started_and_replays_on_resume(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    answering(fault_server)
    fault_server.script("large", [Fault("status", status=400, delay=0.5)])  # p1's answer: it fails, late
    prompts = prompts_file(tmp_path, HARD, HARD, EASY, CAPITAL)
    yaml = router_yaml(fault_server, cache="0.99", attempts=1)
    # p1, p2 and p3 start at once; the exemplars ($0.00000034) are under the budget, p3's answer takes the run over
    # it, so p4 never starts; p2 waits for its twin p1, which fails after that stop: p2 is not started either
    result, log = replay(tmp_path, yaml, prompts, "--concurrency", "3", "--max-spend", "0.000001")
    assert result.exit_code == 3, result.output
    decisions = decisions_of(log)
    assert sorted(decisions) == ["p1", "p3"]
    assert (decisions["p1"]["final_tier"], decisions["p3"]["final_tier"]) == (None, "small")
    assert sorted(request.model for request in chat_requests(fault_server)) == ["large", "small"]
    assert sorted(map(str, (r.json["input"] for r in embeddings_requests(fault_server)))) == sorted(
        map(str, ([EASY, HARD], [HARD], [EASY]))  # the exemplars, p1 and p3: p2 was never embedded
    )
    assert read_lines(log)[-1]["stopped"] == "budget"

    resumed = resume(tmp_path, prompts, log, "router.yaml", "--concurrency", "1")
    assert resumed.exit_code == 1, resumed.output  # p1, logged as failed, is not replayed
    decisions = decisions_of(log)
    assert sorted(decisions) == ["p1", "p2", "p3", "p4"]
    assert (decisions["p2"]["cache"], decisions["p2"]["final_tier"]) == (None, "large")
    assert [a["role"] for a in decisions["p2"]["attempts"]] == ["embed", "answer"]


# ------------------------------------------------------------------ dry run and resume


def test_a_dry_run_refuses_an_endpoint_router(fault_server: FaultServer, tmp_path: Path) -> None:
    result, log = replay(tmp_path, router_yaml(fault_server), prompts_file(tmp_path, EASY), "--dry-run")
    assert result.exit_code == 2
    config = tmp_path / "router.yaml"
    assert f"Error: {config}: routing.embedder.type: --dry-run calls nothing" in result.stderr
    assert "Traceback" not in result.output
    assert fault_server.requests == []
    assert not log.exists()


def test_a_dry_run_still_takes_a_lexical_router_at_the_same_config(fault_server: FaultServer, tmp_path: Path) -> None:
    result, _ = replay(
        tmp_path, router_yaml(fault_server, routing="lexical"), prompts_file(tmp_path, EASY), "--dry-run"
    )
    assert result.exit_code == 0, result.output
    assert fault_server.requests == []


def test_a_resumed_run_embeds_its_exemplars_again_and_the_report_sums_both(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    answering(fault_server)
    texts = (EASY, HARD, EASY + " please", HARD + " again")
    prompts = prompts_file(tmp_path, *texts)
    # the exemplars cost $0.00000034: under the budget; p1's answer takes the run over it
    result, log = replay(tmp_path, router_yaml(fault_server), prompts, "--concurrency", "1", "--max-spend", "0.000001")
    assert result.exit_code == 3, result.output
    assert list(decisions_of(log)) == ["p1"]
    config = tmp_path / "router.yaml"
    args = ["replay", str(prompts), "-c", str(config), "--resume", str(log), "--no-progress", "-f", "json"]
    resumed = CliRunner().invoke(app, args)
    assert resumed.exit_code == 0, resumed.output

    lines = read_lines(log)
    kinds = [line["kind"] for line in lines]
    assert kinds.count("run") == 1
    assert kinds.count("prelude") == 2
    assert kinds.index("prelude", 2) > kinds.index("end")  # the second segment's, after the first one ended
    assert sorted(decisions_of(log)) == ["p1", "p2", "p3", "p4"]
    assert [r.json["input"] for r in embeddings_requests(fault_server)].count([EASY, HARD]) == 2

    exemplars = embed_cost(EASY, HARD)
    report = report_of(log)
    assert report.embeddings is not None
    assert report.embeddings.exemplar_spend == 2 * exemplars
    assert report.embeddings.requests == 2 + 4
    assert report.embeddings.spend == 2 * exemplars + sum(embed_cost(text) for text in texts)
    document = json.loads(resumed.stdout)
    assert D(document["embeddings"]["exemplar_spend"]) == 2 * exemplars
    assert D(document["total_spend"]) == report.total_spend


# ------------------------------------------------------------------ stopping before the first prompt


def test_a_resumed_run_already_over_its_budget_makes_no_request(fault_server: FaultServer, tmp_path: Path) -> None:
    answering(fault_server)
    prompts = prompts_file(tmp_path, EASY, HARD, CAPITAL)
    yaml = router_yaml(fault_server, cache="0.5")
    # the exemplars ($0.00000034) are under the budget; p1 (6 tokens embedded, 6 in and 3 out at small) is over it
    budget = ("--max-spend", "0.000001")
    result, log = replay(tmp_path, yaml, prompts, "--concurrency", "1", "--log-content", *budget)
    assert result.exit_code == 3, result.output
    assert list(decisions_of(log)) == ["p1"]
    assert report_of(log).total_spend == embed_cost(EASY, HARD) + embed_cost(EASY) + answer_cost(EASY)
    assert report_of(log).total_spend == D("0.00001246")
    requests_before = len(fault_server.requests)
    lines_before = len(read_lines(log))

    resumed = resume(tmp_path, prompts, log, "router.yaml", *budget)
    assert resumed.exit_code == 3, resumed.output
    # no exemplars embedded again, no logged answer embedded to seed the cache, no prompt
    assert len(fault_server.requests) == requests_before
    assert [(line["kind"], line["stopped"]) for line in read_lines(log)[lines_before:]] == [("end", "budget")]
    assert "Stopped early (the --max-spend budget was reached)" in resumed.stderr
    assert "The semantic cache started with" not in resumed.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT stops a run gracefully only on POSIX")
def test_a_sigint_while_the_exemplars_are_embedded_stops_at_once_and_replays_nothing(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    answering(fault_server)
    fault_server.always(EMBEDDER, Fault("hang"))  # no reply until the server closes
    config = write(tmp_path / "router.yaml", router_yaml(fault_server))  # timeout_s 5 and 3 attempts: 15 s or more
    log = tmp_path / "decisions.jsonl"
    command = [sys.executable, "-m", "routecli", "replay", str(prompts_file(tmp_path, EASY, HARD))]
    command += ["-c", str(config), "--log", str(log), "--no-progress"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ})
    try:
        deadline = time.monotonic() + 30
        while not embeddings_requests(fault_server):  # the exemplars' request is hanging at the server
            assert process.poll() is None, "the run ended before embedding its exemplars"
            assert time.monotonic() < deadline, "the exemplars were never sent"
            time.sleep(0.02)
        signalled = time.monotonic()
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)
        took = time.monotonic() - signalled
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        assert process.stderr is not None
        stderr = process.stderr.read().decode()
        process.stderr.close()
    assert code == 130, stderr
    assert took < 4, stderr  # well before the request's timeout of 5 s, let alone its retries
    assert "Stopped early (interrupted)" in stderr
    assert len(embeddings_requests(fault_server)) == 1
    assert chat_requests(fault_server) == []
    lines = read_lines(log)
    assert [line["kind"] for line in lines] == ["run", "end"]  # no request finished: no prelude line to log
    assert lines[-1]["stopped"] == "interrupted"


# ------------------------------------------------------------------ the cache on --resume

TINY_BUDGET = "0.000001"
"""Under what p1 costs (an embedding and an answer, $0.00001518): the run stops after its first prompt."""


def resume(folder: Path, prompts: Path, log: Path, config_name: str = "router.yaml", *extra: str) -> Any:
    args = ["replay", str(prompts), "-c", str(folder / config_name), "--resume", str(log), "--no-progress", *extra]
    return CliRunner().invoke(app, args)


def stopped_after_p1(folder: Path, server: FaultServer, prompts: Path, *extra: str) -> Path:
    """A cached run (endpoint embedder, similarity 0.5) stopped by its budget after answering p1; its log."""
    yaml = router_yaml(server, routing="fixed", cache="0.5")
    args = ("--concurrency", "1", "--max-spend", TINY_BUDGET, *extra)
    result, log = replay(folder, yaml, prompts, *args)
    assert result.exit_code == 3, result.output
    assert list(decisions_of(log)) == ["p1"]
    return log


def test_a_resumed_run_serves_answers_logged_with_log_content_from_the_cache(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    answering(fault_server)
    near = float(np.dot(embedding(CAPITAL), embedding(CAPITAL_AGAIN)))
    assert 0.5 < near < 1  # a near duplicate at the configured similarity
    prompts = prompts_file(tmp_path, CAPITAL, CAPITAL_AGAIN, EXACT_CAPITAL, HAIKU)
    log = stopped_after_p1(tmp_path, fault_server, prompts, "--log-content")
    assert decisions_of(log)["p1"]["answer"] == ANSWER

    resumed = resume(tmp_path, prompts, log, "router.yaml", "--concurrency", "1")
    assert resumed.exit_code == 0, resumed.output
    assert "starts empty" not in resumed.stderr
    assert "The semantic cache started with 1 answer from the log" in resumed.stderr
    # p1's text is embedded again to seed the cache (a prelude request of the resumed run), then p2 and p4
    assert [r.json["input"] for r in embeddings_requests(fault_server)] == [
        [CAPITAL],
        [CAPITAL],
        [CAPITAL_AGAIN],
        [HAIKU],
    ]
    assert len(chat_requests(fault_server)) == 2  # p1 before the stop, p4 after: the duplicates called no model
    lines = read_lines(log)
    (seeding,) = [line for line in lines if line["kind"] == "prelude"]
    (seed,) = seeding["attempts"]
    assert (seed["role"], seed["tier"], seed["model"]) == ("embed", "embedder", EMBEDDER)
    assert (seed["input_tokens"], D(seed["cost"])) == (tokens(CAPITAL), embed_cost(CAPITAL))
    decisions = decisions_of(log)
    near_hit = decisions["p2"]
    assert near_hit["cache"]["source"] == "p1"
    assert near_hit["cache"]["similarity"] == pytest.approx(near, abs=1e-5)
    assert [a["role"] for a in near_hit["attempts"]] == ["embed"]
    assert (near_hit["final_tier"], near_hit["route"]) == ("small", None)
    exact_hit = decisions["p3"]
    assert (exact_hit["cache"], exact_hit["attempts"]) == ({"source": "p1", "similarity": 1.0}, [])
    assert decisions["p4"]["cache"] is None
    assert [a["role"] for a in decisions["p4"]["attempts"]] == ["embed", "answer"]

    report = report_of(log)
    assert report.cache is not None
    assert (report.cache.hits, report.cache.saved) == (2, 2 * answer_cost(CAPITAL))  # p1's answer, twice
    assert report.embeddings is not None
    assert report.embeddings.requests == 4
    assert report.total_spend == (
        embed_cost(CAPITAL)  # p1, in the first run
        + answer_cost(CAPITAL)
        + embed_cost(CAPITAL)  # p1 again, to seed the cache
        + embed_cost(CAPITAL_AGAIN)
        + embed_cost(HAIKU)
        + answer_cost(HAIKU)
    )


def test_a_resumed_run_without_logged_answers_says_its_cache_starts_empty(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    answering(fault_server)
    prompts = prompts_file(tmp_path, CAPITAL, EXACT_CAPITAL)
    log = stopped_after_p1(tmp_path, fault_server, prompts)  # no --log-content: the log has no answer to serve
    assert "answer" not in decisions_of(log)["p1"]

    resumed = resume(tmp_path, prompts, log, "router.yaml", "--concurrency", "1")
    assert resumed.exit_code == 0, resumed.output
    assert (
        "The semantic cache starts empty: this run's answers were not logged (--log-content keeps them)"
        in resumed.stderr
    )
    repeat = decisions_of(log)["p2"]
    assert repeat["cache"] is None
    assert [a["role"] for a in repeat["attempts"]] == ["embed", "answer"]
    assert len(chat_requests(fault_server)) == 2
    assert [r.json["input"] for r in embeddings_requests(fault_server)] == [[CAPITAL], [EXACT_CAPITAL]]  # no seeding
    assert [line["kind"] for line in read_lines(log)].count("prelude") == 0
    assert "The semantic cache started with" not in resumed.stderr


def test_a_resumed_run_whose_seeding_fails_goes_on_with_an_empty_cache(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    answering(fault_server)
    prompts = prompts_file(tmp_path, CAPITAL, EXACT_CAPITAL)
    log = stopped_after_p1(tmp_path, fault_server, prompts, "--log-content")
    fault_server.script(EMBEDDER, [Fault("status", status=503)] * 3)  # every try at embedding p1 to seed the cache

    resumed = resume(tmp_path, prompts, log, "router.yaml", "--concurrency", "1")
    assert resumed.exit_code == 0, resumed.output
    assert "The semantic cache started with 0 answers from the log" in resumed.stderr
    (seeding,) = [line for line in read_lines(log) if line["kind"] == "prelude"]
    assert [(a["role"], a["status"], a["retry"], D(a["cost"])) for a in seeding["attempts"]] == [
        ("embed", 503, 0, 0),
        ("embed", 503, 1, 0),
        ("embed", 503, 2, 0),
    ]
    repeat = decisions_of(log)["p2"]
    assert repeat["cache"] is None  # nothing was stored: the exact repeat asks the model
    assert [(a["role"], a["status"]) for a in repeat["attempts"]] == [("embed", 200), ("answer", 200)]
    assert len(chat_requests(fault_server)) == 2
    report = report_of(log)
    assert report.embeddings is not None
    assert (report.embeddings.requests, report.embeddings.errors) == (1 + 3 + 1, 3)
    assert (report.errors, report.retries) == ({"http": 3}, 2)  # the prelude's failures and retries count too


EXACT_HAIKU = "Write a haiku  about autumn leaves "
"""HAIKU again, but for spaces: an exact repeat once normalised."""


def test_seeding_keeps_the_answers_embedded_before_a_batch_that_failed(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    answering(fault_server)
    prompts = prompts_file(tmp_path, CAPITAL, HAIKU, EXACT_CAPITAL, EXACT_HAIKU)
    yaml = router_yaml(fault_server, routing="fixed", cache="0.5", attempts=1, cache_batch_size=1)
    # p1 and p2 cost $0.00001518 each (9 tokens embedded; 9 in and 3 out at small): p2 takes the run over $0.00002
    args = ("--concurrency", "1", "--max-spend", "0.00002", "--log-content")
    result, log = replay(tmp_path, yaml, prompts, *args)
    assert result.exit_code == 3, result.output
    assert list(decisions_of(log)) == ["p1", "p2"]
    fault_server.script(EMBEDDER, [Fault("ok"), Fault("status", status=503)])  # seeding: p1's batch, then p2's

    resumed = resume(tmp_path, prompts, log, "router.yaml", "--concurrency", "1")
    assert resumed.exit_code == 0, resumed.output
    assert "The semantic cache started with 1 answer from the log" in resumed.stderr
    (seeding,) = [line for line in read_lines(log) if line["kind"] == "prelude"]
    assert [(a["role"], a["status"], D(a["cost"])) for a in seeding["attempts"]] == [
        ("embed", 200, embed_cost(CAPITAL)),
        ("embed", 503, 0),
    ]
    decisions = decisions_of(log)
    assert (decisions["p3"]["cache"], decisions["p3"]["attempts"]) == ({"source": "p1", "similarity": 1.0}, [])
    assert decisions["p4"]["cache"] is None  # p2's answer never went back in the cache
    assert [a["role"] for a in decisions["p4"]["attempts"]] == ["embed", "answer"]
    assert len(chat_requests(fault_server)) == 3  # p1 and p2, then p4


def test_a_resumed_run_whose_logged_prompts_all_failed_does_not_blame_log_content(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    """Logged with --log-content, but p1 failed: there was no answer to log, and --log-content was on."""
    answering(fault_server)
    fault_server.script("small", [Fault("status", status=400)])  # p1's answer: not retried
    prompts = prompts_file(tmp_path, CAPITAL, EXACT_CAPITAL)
    yaml = router_yaml(fault_server, routing="fixed", cache="0.5", attempts=1)
    # p1's embedding alone ($0.00000018, 9 tokens) reaches this budget
    args = ("--concurrency", "1", "--max-spend", "0.0000001", "--log-content")
    result, log = replay(tmp_path, yaml, prompts, *args)
    assert result.exit_code == 3, result.output
    failed = decisions_of(log)["p1"]
    assert failed["final_tier"] is None
    assert failed["prompt"] == [{"role": "user", "content": CAPITAL}]  # the content was logged

    resumed = resume(tmp_path, prompts, log, "router.yaml", "--concurrency", "1")
    assert resumed.exit_code == 1, resumed.output  # p1 still has no answer
    assert "--log-content keeps them" not in resumed.stderr


CACHE_AT_05 = f"a semantic cache at similarity 0.5 ({EMBEDDER} at faulty)"
RESUMED_CACHES = {
    "another similarity": (
        ("0.5", EMBEDDER),
        ("0.9", EMBEDDER),
        f"this run had {CACHE_AT_05}; {{config}} has a semantic cache at similarity 0.9 ({EMBEDDER} at faulty), "
        "so its results would not compare",
    ),
    "another embedder": (
        ("0.5", EMBEDDER),
        ("0.5", "other-embedder"),
        f"this run had {CACHE_AT_05}; {{config}} has a semantic cache at similarity 0.5 (other-embedder at faulty), "
        "so its results would not compare",
    ),
    "no cache": (
        ("0.5", EMBEDDER),
        (None, EMBEDDER),
        f"this run had {CACHE_AT_05}; {{config}} has no semantic cache, so its results would not compare",
    ),
    "a cache added": (
        (None, EMBEDDER),
        ("0.5", EMBEDDER),
        f"this run had no semantic cache; {{config}} has {CACHE_AT_05}, so its results would not compare",
    ),
}
"""The first run's cache and the resumed one's, each (similarity, embedding model); the refusal."""


@pytest.mark.parametrize(("first", "then", "message"), RESUMED_CACHES.values(), ids=RESUMED_CACHES.keys())
def test_resuming_with_another_cache_setting_is_refused_naming_both(
    fault_server: FaultServer,
    tmp_path: Path,
    first: tuple[str | None, str],
    then: tuple[str | None, str],
    message: str,
) -> None:
    answering(fault_server)
    prompts = prompts_file(tmp_path, CAPITAL, HAIKU)
    yaml = router_yaml(fault_server, routing="fixed", cache=first[0], cache_model=first[1])
    result, log = replay(tmp_path, yaml, prompts, "--concurrency", "1", "--max-spend", TINY_BUDGET)
    assert result.exit_code == 3, result.output
    before = log.read_text(encoding="utf-8")
    requests_before = len(fault_server.requests)
    other_yaml = router_yaml(fault_server, routing="fixed", cache=then[0], cache_model=then[1])
    other = write(tmp_path / "other.yaml", other_yaml)

    refused = resume(tmp_path, prompts, log, "other.yaml")
    assert refused.exit_code == 2, refused.output
    assert f"Error: {log}: {message.format(config=other)}" in refused.stderr
    assert "Traceback" not in refused.output
    assert log.read_text(encoding="utf-8") == before
    assert len(fault_server.requests) == requests_before


# ------------------------------------------------------------------ reports with embeddings and a cache

HARD_AGAIN = "Prove that the square root of three is irrational"


def test_the_preludes_requests_are_counted_as_a_prompts_embeddings_are() -> None:
    """Errors, retries, estimated token counts; a cooldown skip is an error, not an embeddings request."""
    price = ModelPrice(id="m", provider="test", standard=TokenRates(D(1), D(2), None))
    run = RunInfo(tiers=(TierInfo("small", "test", "m", price),), setup="single")
    prelude = [
        Attempt("exemplars", "embedder", EMBEDDER, 503, 0, 0, 0, False, D(0), 1.0, error="HTTP 503", error_kind="http"),
        # retried; the reply had no usage, so its 100 tokens were counted with tiktoken: $0.02 per 1M
        Attempt("exemplars", "embedder", EMBEDDER, 200, 100, 0, 0, True, D("0.000002"), 1.0, retry=1),
        Attempt("embed", "embedder", EMBEDDER, None, 0, 0, 0, False, D(0), 0.0, error="skipped", error_kind="cooldown"),
    ]
    answered = Decision(
        "p1",
        1,
        None,
        (
            Attempt("embed", "embedder", EMBEDDER, 200, 10, 0, 0, False, D("0.0000002"), 1.0),
            Attempt("answer", "small", "m", 200, 10, 5, 0, False, D("0.00002"), 5.0),  # (10 × 1 + 5 × 2) / 1M
        ),
        "small",
        (),
        6.0,
    )
    report = build_report(run, [answered], None, prelude)
    stats = report.embeddings
    assert stats is not None
    assert (stats.requests, stats.errors, stats.estimated_requests, stats.input_tokens) == (3, 1, 1, 110)
    assert (stats.spend, stats.exemplar_spend) == (D("0.0000022"), D("0.000002"))
    assert report.errors == {"cooldown": 1, "http": 1}
    assert report.retries == 1
    assert report.estimated_requests == 1  # the tiers' requests reported their usage; one embedding did not
    assert report.total_spend == D("0.0000222")
    document = replay_document(report)
    jsonschema.validate(document, REPLAY_REPORT_SCHEMA)
    assert document["estimated_token_requests"] == 1


EXACT_EASY = "  Say hello  in Spanish "
"""EASY but for spaces: an exact repeat, served without an embedding."""


def cached_router_run(server: FaultServer, folder: Path) -> Path:
    """An endpoint router and a cache sharing its embedder: HARD (large), its near duplicate, EASY (small), EASY again.

    Embedded (tokens): the exemplars 17, HARD 12, HARD_AGAIN 13, EASY 6, that is 48 in 4 requests;
    HARD_AGAIN and the exact repeat of EASY are served from the cache.
    """
    answering(server)
    assert float(np.dot(embedding(HARD), embedding(HARD_AGAIN))) > 0.8  # 8 of their 9 words are the same
    assert float(np.dot(embedding(EASY), embedding(HARD))) < 0.8  # no word in common
    prompts = prompts_file(folder, HARD, HARD_AGAIN, EASY, EXACT_EASY)
    result, log = replay(folder, router_yaml(server, cache="0.8"), prompts, "--concurrency", "1")
    assert result.exit_code == 0, result.output
    decisions = decisions_of(log)
    assert [(line["cache"] or {}).get("source") for line in decisions.values()] == [None, "p1", None, "p3"]
    assert [line["final_tier"] for line in decisions.values()] == ["large", "large", "small", "small"]
    return log


CACHED_RUN_EMBED_TOKENS = 17 + 12 + 13 + 6
HARD_SAVED = answer_cost(HARD, "large")  # 12 in and 3 out at large: (12 × 10 + 3 × 30) / 1M = $0.00021
EASY_SAVED = answer_cost(EASY, "small")  # 6 in and 3 out at small: (6 × 1 + 3 × 2) / 1M = $0.000012
"""What each hit saved: its source's answer; not the source's embedding, as a hit pays for its own."""


def report_command(log: Path, *extra: str) -> Any:
    result = CliRunner().invoke(app, ["report", str(log), *extra])
    assert result.exit_code == 0, result.output
    return result


def test_the_csv_report_has_embeddings_and_cache_rows_and_a_total_that_includes_them(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    log = cached_router_run(fault_server, tmp_path)
    rows = {row["tier"]: row for row in csv.DictReader(io.StringIO(report_command(log, "--format", "csv").stdout))}
    assert list(rows) == ["small", "large", "embeddings", "cache", "total"]
    small, large, embedded, cache, total = rows.values()
    assert (small["requests"], small["input_tokens"], small["output_tokens"]) == ("1", "6", "3")
    assert (large["requests"], large["input_tokens"], large["output_tokens"]) == ("1", "12", "3")
    assert (embedded["requests"], embedded["input_tokens"], embedded["output_tokens"]) == ("4", "48", "0")
    assert D(embedded["spend"]) == CACHED_RUN_EMBED_TOKENS * EMBED_PRICE / MILLION == D("0.00000096")
    assert embedded["errors"] == "0"
    assert (cache["requests"], cache["answered"], cache["answer_share"]) == ("0", "2", "0.5")
    assert D(cache["saved"]) == HARD_SAVED + EASY_SAVED == D("0.000222")
    assert cache["spend"] == ""
    assert total["requests"] == "6"  # 1 small, 1 large and 4 embeddings requests
    assert total["input_tokens"] == str(6 + 12 + CACHED_RUN_EMBED_TOKENS)
    assert total["output_tokens"] == "6"
    assert total["answered"] == "4"
    tiers_spend = answer_cost(EASY, "small") + answer_cost(HARD, "large")
    assert D(total["spend"]) == tiers_spend + D("0.00000096") == D("0.00022296")
    assert D(total["saved"]) == D(cache["saved"])


def test_the_json_report_of_an_endpoint_router_with_a_cache_validates_and_counts_embeddings(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    log = cached_router_run(fault_server, tmp_path)
    document = json.loads(report_command(log, "--format", "json").stdout)
    jsonschema.validate(document, REPLAY_REPORT_SCHEMA)
    assert (document["router"], document["setup"]) == ("embedding", "route")
    assert document["embeddings"] == {
        "requests": 4,
        "input_tokens": CACHED_RUN_EMBED_TOKENS,
        "spend": "0.00000096",
        "exemplar_spend": "0.00000034",  # 17 tokens
        "errors": 0,
        "estimated_requests": 0,
    }
    assert document["cache"] == {"hits": 2, "hit_rate": 0.5, "saved": "0.000222"}
    assert D(document["total_spend"]) == D("0.00022296")


def test_the_table_report_has_an_embeddings_note(fault_server: FaultServer, tmp_path: Path) -> None:
    log = cached_router_run(fault_server, tmp_path)
    table = " ".join(report_command(log).stdout.split())  # the notes wrap at the terminal's width
    assert "Embeddings: 4 requests, 48 tokens, $0.00000096, $0.00000034 of it for the exemplars." in table
    assert "Semantic cache: 2 hits (50.0%), saving $0.000222." in table


# ------------------------------------------------------------------ fit-router

EASY_LABELLED = "Say hello in French"
"""Labelled small; with HARD_AGAIN (large), what fit-router fits to."""


def fit_yaml(server: FaultServer, *, tiers_provider: str = "faulty", batch_size: int = 256) -> str:
    """The tiers at ``tiers_provider`` (``keyed``: an API key from an unset variable), the embedder at the server."""
    return (
        "providers:\n"
        "  keyed: {base_url: http://127.0.0.1:9/v1, api_key_env: ROUTECLI_TEST_TIERS_KEY}\n"
        f"  faulty: {{base_url: {server.base_url}, retry: {{max_attempts: 1}}}}\n"
        "tiers:\n"
        f"  small: {{provider: {tiers_provider}, model: small, price: {{input_per_mtok: 1, output_per_mtok: 2}}}}\n"
        f"  large: {{provider: {tiers_provider}, model: large, price: {{input_per_mtok: 10, output_per_mtok: 30}}}}\n"
        "routing:\n"
        "  type: embedding\n"
        f"  embedder: {{type: endpoint, provider: faulty, model: {EMBEDDER}, price: {{input_per_mtok: 0.02}}, "
        f"batch_size: {batch_size}}}\n"
        "  aggregate: max\n"
        f"  exemplars: {{small: ['{EASY}'], large: ['{HARD}']}}\n"
        "  default: small\n"
    )


def labelled_prompts(folder: Path) -> Path:
    records = [
        {"id": "p1", "prompt": EASY_LABELLED, "label": "small"},
        {"id": "p2", "prompt": HARD_AGAIN, "label": "large"},
    ]
    return write(folder / "labelled.jsonl", "".join(json.dumps(record) + "\n" for record in records))


def test_fit_router_needs_only_the_embedders_api_key(
    fault_server: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ROUTECLI_TEST_TIERS_KEY", raising=False)
    config = write(tmp_path / "router.yaml", fit_yaml(fault_server, tiers_provider="keyed"))
    prompts = labelled_prompts(tmp_path)
    result = CliRunner().invoke(app, ["fit-router", str(prompts), "-c", str(config)])
    assert result.exit_code == 0, result.output
    assert "Fitted to 2 labelled prompts." in result.stdout
    (request,) = fault_server.requests  # the exemplars and prompts in one batch; no tier is asked
    assert (request.path, request.json["input"]) == ("/v1/embeddings", [EASY, HARD, EASY_LABELLED, HARD_AGAIN])
    assert "authorization" not in {name.lower() for name in request.headers}  # the embedder's provider has no key
    # (20 + 47 + 19 + 49) characters // 4 + 1 = 34 tokens, at $0.02 per 1M
    assert tokens(EASY, HARD, EASY_LABELLED, HARD_AGAIN) == 34
    assert "Embedded 4 texts at faulty (embed-model): 1 request, 34 tokens," in result.stderr

    replayed = CliRunner().invoke(app, ["replay", str(prompts), "-c", str(config), "--no-progress"])
    assert replayed.exit_code == 2  # a replay asks the tiers: it needs their key
    assert "ROUTECLI_TEST_TIERS_KEY is not set" in replayed.stderr
    assert len(fault_server.requests) == 1


def test_fit_router_stops_with_a_clear_error_when_a_later_batch_cannot_be_embedded(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    fault_server.script(EMBEDDER, [Fault("ok"), Fault("ok"), Fault("ok"), Fault("status", status=400)])  # p2's
    config = write(tmp_path / "router.yaml", fit_yaml(fault_server, batch_size=1))
    result = CliRunner().invoke(app, ["fit-router", str(labelled_prompts(tmp_path)), "-c", str(config)])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 1
    assert f"Error: {config}: routing.embedder: could not embed the exemplars and prompts: HTTP 400" in result.stderr
