"""OpenAIProvider against the real llama.cpp server, which sends SmolLM2's vectors one per token."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import jsonschema
import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from routecli.cli import app
from routecli.providers.embeddings import EmbeddingResult
from routecli.providers.openai import OpenAIProvider
from routecli.render.replay_json import REPLAY_REPORT_SCHEMA
from tests.helpers.files import write
from tests.helpers.llama_server import LlamaServer
from tests.helpers.paths import SCENARIOS

pytestmark = pytest.mark.llama

WIDTH = 576
"""SmolLM2-135M's hidden size: the length of each of its token vectors."""


def embed_each(server: LlamaServer, texts: list[str]) -> list[EmbeddingResult]:
    """One request per text, as the example's ``batch_size: 1`` asks: llama-cpp-python 0.3.36 misplaces the token
    vectors of all but a request's first input (see the last test here)."""

    async def main() -> list[EmbeddingResult]:
        client = OpenAIProvider(server.base_url)
        try:
            return [await client.embed(server.model, [text]) for text in texts]
        finally:
            await client.aclose()

    return asyncio.run(main())


def vectors_of(server: LlamaServer, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
    return np.concatenate([result.vectors for result in embed_each(server, texts)])


def raw_embeddings(server: LlamaServer, texts: list[str]) -> dict[str, Any]:
    response = httpx.post(f"{server.base_url}/embeddings", json={"model": server.model, "input": texts}, timeout=60.0)
    assert response.status_code == httpx.codes.OK, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_server_sends_a_vector_per_token_and_counts_the_tokens(llama_embedding_server: LlamaServer) -> None:
    """What parse_embeddings pools: one list of WIDTH numbers per token, and usage.prompt_tokens counts them."""
    body = raw_embeddings(llama_embedding_server, ["The cat sat on the mat."])
    (item,) = body["data"]
    tokens = item["embedding"]
    assert len(tokens) > 1
    assert {len(vector) for vector in tokens} == {WIDTH}
    assert body["usage"]["prompt_tokens"] == len(tokens)


def test_one_unit_float32_row_per_text_the_mean_of_its_token_vectors(llama_embedding_server: LlamaServer) -> None:
    texts = ["The cat sat on the mat.", "Quarterly revenue grew by ten percent.", "Name a colour."]
    for text, result in zip(texts, embed_each(llama_embedding_server, texts), strict=True):
        assert result.vectors.dtype == np.float32
        assert result.vectors.shape == (1, WIDTH)
        raw = raw_embeddings(llama_embedding_server, [text])
        (item,) = raw["data"]
        mean = np.mean(np.array(item["embedding"], dtype=np.float64), axis=0)
        np.testing.assert_allclose(result.vectors[0], mean / np.linalg.norm(mean), rtol=1e-5, atol=1e-6)
        assert result.input_tokens == raw["usage"]["prompt_tokens"] == len(item["embedding"])


def test_the_same_text_twice_gives_the_same_vector(llama_embedding_server: LlamaServer) -> None:
    vectors = vectors_of(llama_embedding_server, ["What is 2+2?", "Name a colour.", "What is 2+2?"])
    np.testing.assert_array_equal(vectors[0], vectors[2])
    assert not np.allclose(vectors[0], vectors[1])


@pytest.mark.parametrize(
    ("text", "paraphrase", "unrelated"),
    [
        ("The cat sat on the mat.", "A cat was sitting on the mat.", "Quarterly revenue grew by ten percent."),
        (
            "Write a Python function that sorts a list.",
            "Write a function in Python to sort a list.",
            "What is the boiling point of water?",
        ),
    ],
)
def test_a_paraphrase_is_closer_than_an_unrelated_text(
    llama_embedding_server: LlamaServer, text: str, paraphrase: str, unrelated: str
) -> None:
    original, similar, other = vectors_of(llama_embedding_server, [text, paraphrase, unrelated])
    assert float(original @ similar) > float(original @ other)
    assert float(original @ similar) > float(similar @ other)


def test_llama_cpp_misplaces_all_but_the_first_input_of_a_request(llama_embedding_server: LlamaServer) -> None:
    """Why the example embeds one text per request: when this fails, llama-cpp-python is fixed and batches can
    return.

    0.3.36 reads the n-th input's token vectors from an offset counted in tokens where it needs numbers.
    """
    first, second = "The cat sat on the mat.", "Name a colour."
    batched = raw_embeddings(llama_embedding_server, [first, second])["data"]
    (first_alone,) = raw_embeddings(llama_embedding_server, [first])["data"]
    (second_alone,) = raw_embeddings(llama_embedding_server, [second])["data"]
    assert batched[0]["embedding"] == first_alone["embedding"]
    assert len(batched[1]["embedding"]) == len(second_alone["embedding"])
    assert not np.allclose(batched[1]["embedding"], second_alone["embedding"])


# ------------------------------------------------------------------ the example config, end to end

EXAMPLE_CONFIG = SCENARIOS / "replay" / "embedding-endpoint.yaml"
EXAMPLE_PROMPTS = SCENARIOS / "replay" / "prompts.jsonl"
ANSWER_TOKENS = 8
"""Each tier's max_tokens here: the answers only need to exist, and SmolLM2 is slow to write 512 tokens."""
DUPLICATE = {"id": "capital-again", "prompt": "What is the capital of Australia?"}
"""The example's first prompt ("capital") word for word."""
NEAR_DUPLICATE = {"id": "capital-near", "prompt": "What is the capital city of Australia?"}
"""The same question with one word more: a paraphrase the example's similarity of 0.95 must catch."""


class Example(NamedTuple):
    config: Path
    exemplars: int
    """How many exemplar texts the router has: inline and from its exemplars_file."""


def example_config(folder: Path, embeddings: LlamaServer, chat: LlamaServer | None = None) -> Example:
    """The example config with its embedder's provider at ``embeddings`` and its tiers' at ``chat`` (left at the
    example's address when None: fit-router asks no tier), written to ``folder`` with its exemplars file."""
    document = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    document["providers"]["embeddings"]["base_url"] = embeddings.base_url
    if chat is not None:
        document["providers"]["local"]["base_url"] = chat.base_url
    for tier in document["tiers"].values():
        tier["params"]["max_tokens"] = ANSWER_TOKENS
    routing = document["routing"]
    exemplars_file = EXAMPLE_CONFIG.parent / routing["exemplars_file"]
    shutil.copy(exemplars_file, folder / routing["exemplars_file"])
    config = folder / EXAMPLE_CONFIG.name
    config.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    from_file = [line for line in exemplars_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    inline = sum(len(texts) for texts in routing["exemplars"].values())
    return Example(config, inline + len(from_file))


def example_prompts() -> list[dict[str, Any]]:
    lines = EXAMPLE_PROMPTS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_the_example_shares_one_embedder_between_router_and_cache_one_text_per_request() -> None:
    """What the end-to-end tests below rely on: one request per text, and the cache asking what the router asks."""
    document = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    router_embedder, cache_embedder = document["routing"]["embedder"], document["cache"]["embedder"]
    assert router_embedder == cache_embedder
    assert (router_embedder["type"], router_embedder["provider"], router_embedder["batch_size"]) == (
        "endpoint",
        "embeddings",
        1,
    )
    assert document["cache"]["similarity"] == 0.95
    # the embedder has a provider of its own, apart from the tiers': example_config points each at its server
    assert {tier["provider"] for tier in document["tiers"].values()} == {"local"}
    assert set(document["providers"]) == {"local", "embeddings"}


def test_fit_router_embeds_the_examples_exemplars_and_prompts_at_the_server(
    llama_embedding_server: LlamaServer, tmp_path: Path
) -> None:
    example = example_config(tmp_path, llama_embedding_server)  # the tiers stay at 8080: fit-router asks none
    labelled = [prompt for prompt in example_prompts() if "label" in prompt]
    texts = example.exemplars + len(labelled)
    assert (example.exemplars, len(labelled), texts) == (10, 12, 22)  # 6 inline and 4 in the file; 12 prompts

    result = CliRunner().invoke(app, ["fit-router", str(EXAMPLE_PROMPTS), "-c", str(example.config)])
    assert result.exit_code == 0, result.output
    assert "Fitted to 12 labelled prompts." in result.stdout
    assert re.search(r"^Accuracy: \d+\.\d% → \d+\.\d% \(\d+ → \d+ of 12 decided as labelled\)\.$", result.stdout, re.M)
    # batch_size 1: a request per text; a local model is priced at 0
    pattern = rf"^Embedded {texts} texts at embeddings \(smollm2\): {texts} requests, ([\d,]+) tokens, \$0\.00$"
    embedded = re.search(pattern, result.stderr, re.M)
    assert embedded is not None, result.stderr
    assert int(embedded.group(1).replace(",", "")) > texts  # every text is several tokens


def test_replaying_the_example_embeds_each_prompt_once_and_serves_duplicates_from_the_cache(
    llama_server: LlamaServer, llama_embedding_server: LlamaServer, tmp_path: Path
) -> None:
    example = example_config(tmp_path, llama_embedding_server, llama_server)
    prompts = [*example_prompts(), DUPLICATE, NEAR_DUPLICATE]
    prompts_path = write(tmp_path / "prompts.jsonl", "".join(json.dumps(prompt) + "\n" for prompt in prompts))
    log, report_path = tmp_path / "decisions.jsonl", tmp_path / "report.json"
    args = [
        *("replay", str(prompts_path), "-c", str(example.config), "--concurrency", "1"),
        *("--format", "json", "-o", str(report_path), "--log", str(log), "--no-progress"),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output

    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [line["kind"] for line in lines] == ["run", "prelude", *["decision"] * len(prompts), "end"]
    exemplars = lines[1]["attempts"]
    assert len(exemplars) == example.exemplars  # batch_size 1: one request per exemplar
    for attempt in exemplars:
        assert (attempt["role"], attempt["tier"], attempt["model"], attempt["error"]) == (
            "exemplars",
            "embedder",
            "smollm2",
            None,
        )
        assert attempt["input_tokens"] > 0
        assert attempt["estimated"] is False  # the server reports usage

    decisions = {line["id"]: line for line in lines if line["kind"] == "decision"}
    assert list(decisions) == [prompt["id"] for prompt in prompts]
    exact = decisions[DUPLICATE["id"]]
    assert (exact["cache"], exact["attempts"], exact["final_tier"]) == (
        {"source": "capital", "similarity": 1.0},
        [],
        decisions["capital"]["final_tier"],
    )
    near = decisions[NEAR_DUPLICATE["id"]]
    assert near["cache"] is not None
    assert near["cache"]["source"] == "capital"
    assert 0.95 <= near["cache"]["similarity"] < 1.0
    embeds = 0
    for identifier, decision in decisions.items():
        if identifier == DUPLICATE["id"]:
            continue
        # the router and the cache share one embedder: one request embeds the prompt for both
        (embed,) = [attempt for attempt in decision["attempts"] if attempt["role"] == "embed"]
        assert (embed["tier"], embed["model"], embed["error"]) == ("embedder", "smollm2", None)
        assert embed["input_tokens"] > 0
        embeds += 1
        roles = [attempt["role"] for attempt in decision["attempts"]]
        assert roles == (["embed"] if decision["cache"] is not None else ["embed", "answer"])
        assert decision["final_tier"] in ("small", "medium", "large")
    assert embeds == len(prompts) - 1  # every prompt but the exact duplicate

    document = json.loads(report_path.read_text(encoding="utf-8"))
    jsonschema.validate(document, REPLAY_REPORT_SCHEMA)
    assert document["router"] == "embedding"
    assert document["embeddings"]["requests"] == len(exemplars) + embeds == 10 + 13
    assert document["embeddings"]["input_tokens"] == sum(
        attempt["input_tokens"]
        for attempt in [*exemplars, *(a for d in decisions.values() for a in d["attempts"] if a["role"] == "embed")]
    )
    assert document["embeddings"]["spend"] == "0"  # price: {input_per_mtok: 0}
    assert document["cache"]["hits"] == sum(decision["cache"] is not None for decision in decisions.values())
    assert document["cache"]["hits"] >= 2
