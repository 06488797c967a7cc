"""OpenAI-compatible embeddings over httpx.MockTransport: request, order, pooling, normalising, errors; and
``TierCaller.embed_batches``, which splits many texts into requests of an embedder's ``batch_size``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from routecli.providers import ProviderError
from routecli.providers.embeddings import EmbeddingResult
from routecli.providers.openai import OpenAIProvider
from routecli.replay.calls import Embedded, TierCaller
from routecli.replay.config import EndpointEmbedder
from routecli.replay.config_file import load_router_config
from routecli.replay.tokens import count_text
from tests.helpers.files import write

Handler = Callable[[httpx.Request], httpx.Response]


def embed(handler: Handler, texts: list[str], **options: Any) -> EmbeddingResult:
    async def main() -> EmbeddingResult:
        client = OpenAIProvider("http://api.test/v1/", transport=httpx.MockTransport(handler), **options)
        try:
            return await client.embed("embed-small", texts)
        finally:
            await client.aclose()

    return asyncio.run(main())


def failure(handler: Handler, **options: Any) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        embed(handler, ["x"], **options)
    return caught.value


def answer(vectors: list[Any], tokens: Any = None, indexes: list[Any] | None = None) -> dict[str, Any]:
    indexes = list(range(len(vectors))) if indexes is None else indexes
    data = [{"object": "embedding", "index": i, "embedding": v} for i, v in zip(indexes, vectors, strict=True)]
    body: dict[str, Any] = {"object": "list", "data": data, "model": "embed-small"}
    if tokens is not None:
        body["usage"] = {"prompt_tokens": tokens, "total_tokens": tokens}
    return body


def test_one_request_with_every_text_and_the_vectors_in_index_order_normalised() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        # the endpoint answers out of order: index says which input each vector is
        return httpx.Response(200, json=answer([[0, 2], [3, 4], [1, 0]], tokens=9, indexes=[1, 0, 2]))

    result = embed(handler, ["first", "second", "third"], api_key="sk-secret", headers={"X-Team": "t"})
    (request,) = seen
    assert request.method == "POST"
    assert str(request.url) == "http://api.test/v1/embeddings"
    assert json.loads(request.content) == {"model": "embed-small", "input": ["first", "second", "third"]}
    assert request.headers["authorization"] == "Bearer sk-secret"
    assert request.headers["x-team"] == "t"
    assert request.headers["user-agent"] == "routecli"
    assert result.vectors.dtype == np.float32
    np.testing.assert_allclose(result.vectors, [[0.6, 0.8], [0, 1], [1, 0]], rtol=1e-6)
    assert result.input_tokens == 9


def test_without_indexes_the_list_order_is_the_inputs() -> None:
    body = {"data": [{"embedding": [2, 0]}, {"embedding": [0, -5]}], "usage": {"prompt_tokens": 4.0}}
    result = embed(lambda _: httpx.Response(200, json=body), ["a", "b"])
    np.testing.assert_array_equal(result.vectors, [[1, 0], [0, -1]])
    assert result.input_tokens == 4


@pytest.mark.parametrize("usage", [{"prompt_tokens": "9"}, {"prompt_tokens": -1}, {"prompt_tokens": 2.5}, [], None])
def test_odd_usage_is_unknown_tokens_not_an_error(usage: Any) -> None:
    body = {**answer([[1.0]]), "usage": usage}
    assert embed(lambda _: httpx.Response(200, json=body), ["a"]).input_tokens is None


def test_a_zero_vector_stays_zero() -> None:
    result = embed(lambda _: httpx.Response(200, json=answer([[0, 0], [0, 3]])), ["a", "b"])
    np.testing.assert_array_equal(result.vectors, [[0, 0], [0, 1]])


def test_token_vectors_are_averaged_over_the_tokens_then_normalised() -> None:
    """llama.cpp serving a chat model sends one vector per token; its usage counts every text's tokens."""
    body = answer([[[1, 0], [0, 1]], [[2, 0], [4, 8], [0, 1]], [[3, 4]]], tokens=6)
    result = embed(lambda _: httpx.Response(200, json=body), ["a", "b", "c"])
    # means [0.5, 0.5], [2, 3] and [3, 4], each divided by its length
    np.testing.assert_allclose(
        result.vectors, [[0.70710678, 0.70710678], [0.5547002, 0.83205029], [0.6, 0.8]], rtol=1e-6
    )
    assert result.vectors.dtype == np.float32
    assert result.input_tokens == 6


def test_token_vectors_keep_the_index_order() -> None:
    body = answer([[[0, 2], [0, 4]], [[5, 0]]], indexes=[1, 0])
    result = embed(lambda _: httpx.Response(200, json=body), ["a", "b"])
    np.testing.assert_array_equal(result.vectors, [[1, 0], [0, 1]])


def test_token_vectors_that_cancel_out_stay_zero() -> None:
    body = answer([[[1, -2], [-1, 2]], [[0, 3], [0, 1]]])
    result = embed(lambda _: httpx.Response(200, json=body), ["a", "b"])
    np.testing.assert_array_equal(result.vectors, [[0, 0], [0, 1]])


def test_one_request_per_call_however_many_texts() -> None:
    """Splitting into batches is ``TierCaller.embed_batches``' job: each request is then retried and billed alone."""
    inputs: list[list[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        texts = json.loads(request.content)["input"]
        inputs.append(texts)
        return httpx.Response(200, json=answer([[1.0, float(n)] for n in range(len(texts))], tokens=300))

    texts = [f"text {n}" for n in range(300)]  # more than an embedder's default batch_size, 256
    result = embed(handler, texts)
    assert inputs == [texts]
    assert result.vectors.shape == (300, 2)
    assert result.input_tokens == 300


def test_no_texts_are_still_one_request_and_an_empty_reply_is_malformed() -> None:
    """A request for nothing is sent as asked; no vectors come back, so there is no width to give them."""
    inputs: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        inputs.append(json.loads(request.content)["input"])
        return httpx.Response(200, json={"object": "list", "data": [], "usage": {"prompt_tokens": 0}})

    with pytest.raises(ProviderError) as caught:
        embed(handler, [])
    assert inputs == [[]]
    assert caught.value.kind == "malformed"
    assert caught.value.status == 200


def test_an_auth_failure_hides_the_body() -> None:
    error = failure(lambda _: httpx.Response(401, text="bad key sk-secret"), api_key="sk-secret")
    assert (error.kind, error.status) == ("http", 401)
    assert str(error) == "HTTP 401: the body is not shown: it may quote the key"


def test_other_http_errors_show_the_body_without_the_key() -> None:
    error = failure(lambda _: httpx.Response(500, text="oops  for\nsk-secret"), api_key="sk-secret")
    assert (error.kind, error.status) == ("http", 500)
    assert str(error) == "HTTP 500: oops for ***"


def test_a_404_says_where_requests_went() -> None:
    error = failure(lambda _: httpx.Response(404))
    assert error.kind == "http"
    assert "requests go to http://api.test/v1/embeddings" in str(error)


def test_a_connection_failure_is_connect_and_scrubbed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused for sk-secret", request=request)

    error = failure(handler, api_key="sk-secret")
    assert error.kind == "connect"
    assert str(error) == "cannot connect to api.test:80: refused for ***"
    assert error.unreachable == "refused for ***"


def test_a_reply_slower_than_the_timeout_is_a_timeout() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, json=answer([[1.0]]))

    async def main() -> ProviderError:
        client = OpenAIProvider("http://api.test/v1", timeout_s=0.05, transport=httpx.MockTransport(slow))
        try:
            with pytest.raises(ProviderError) as caught:
                await client.embed("m", ["x"])
            return caught.value
        finally:
            await client.aclose()

    assert asyncio.run(main()).kind == "timeout"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([1, 2], "no data list"),
        ({"data": "nope"}, "no data list"),
        ({"data": [1]}, "no data list"),
        ({"data": []}, "0 embeddings for 2 inputs"),
        (answer([[1.0], [2.0]], indexes=[0, 0]), "indexes are not 0 to 1"),
        (answer([[1.0], [2.0]], indexes=[0, 2]), "indexes are not 0 to 1"),
        (answer([[1.0], [2.0]], indexes=[0, None]), "indexes are not 0 to 1"),
        (answer([[1.0], [2.0]], indexes=[False, True]), "indexes are not 0 to 1"),
        (answer([[1.0], []]), "not a non-empty list"),
        ({"data": [{"index": 0, "embedding": "AAAA"}, {"index": 1, "embedding": [1]}]}, "base64"),
        (answer([[1.0, 2.0], [1.0]]), "differ in length"),
        (answer([[1.0, "2"], [1.0, 2.0]]), "not a finite number"),
        (answer([[1.0, None], [1.0, 2.0]]), "not a finite number"),
        (answer([[1.0, float("nan")], [1.0, 2.0]]), "not a finite number"),
        (answer([[1.0, [2.0]], [1.0, 2.0]]), "not a finite number"),
        (answer([[[1.0], 2.0], [1.0, 2.0]]), "not a finite number"),
        # token vectors, as llama.cpp sends for a model without pooling
        (answer([[[1.0, 0.0], [1.0]], [[1.0, 0.0]]]), "token vectors differ in length"),
        (answer([[[1.0, 0.0], []], [[1.0, 0.0]]]), "empty token vector"),
        (answer([[[]], [[1.0]]]), "empty token vector"),
        (answer([[[1.0, 0.0]], [[1.0, 0.0, 0.0]]]), "differ in length"),
        (answer([[[1.0, 0.0]], [[1.0, 0.0], [2.0, 0.0, 0.0]]]), "token vectors differ in length"),
        (answer([[[1.0, "2"]], [[1.0, 2.0]]]), "not a finite number"),
        (answer([[[1.0, float("inf")]], [[1.0, 2.0]]]), "not a finite number"),
        (answer([[[[1.0]]], [[[2.0]]]]), "not a finite number"),
        (answer([[[True, False]], [[1.0, 2.0]]]), "not a finite number"),
    ],
)
def test_a_malformed_body_is_malformed(body: Any, message: str) -> None:
    text = json.dumps(body)  # allows NaN, as some servers write it
    with pytest.raises(ProviderError) as caught:
        embed(lambda _: httpx.Response(200, text=text), ["a", "b"])
    assert caught.value.kind == "malformed"
    assert message in str(caught.value)


def test_a_body_that_is_not_json_is_malformed() -> None:
    error = failure(lambda _: httpx.Response(200, text="<html>"))
    assert error.kind == "malformed"
    assert error.status == 200


# ------------------------------------------------------------------ TierCaller.embed_batches

CONFIG = """\
providers:
  api: {{base_url: "http://api.test/v1", retry: {{max_attempts: {attempts}, initial_backoff_s: 0, max_backoff_s: 0}}}}
tiers:
  small: {{provider: api, model: m, price: {{input_per_mtok: 1, output_per_mtok: 2}}}}
routing: {{type: fixed, tier: small}}
cache:
  similarity: 0.9
  embedder:
    type: endpoint
    provider: api
    model: embed-small
    price: {{input_per_mtok: 0.5}}
    batch_size: {batch_size}
"""
"""A cache whose endpoint embedder is at ``api``, priced at $0.50 per 1M tokens."""


def embed_batches(handler: Handler, texts: list[str], *, batch_size: int, attempts: int = 1) -> Embedded:
    """``texts`` through ``TierCaller.embed_batches`` with ``handler`` as the embeddings endpoint."""
    config = load_router_config(write(Path("router.yaml"), CONFIG.format(batch_size=batch_size, attempts=attempts)))
    assert config.cache is not None
    embedder = config.cache.embedder
    assert isinstance(embedder, EndpointEmbedder)

    async def main() -> Embedded:
        client = OpenAIProvider("http://api.test/v1", transport=httpx.MockTransport(handler))
        try:
            return await TierCaller(config, {}, embeddings={"api": client}).embed_batches(embedder, "embed", texts)
        finally:
            await client.aclose()

    return asyncio.run(main())


def test_texts_go_in_batches_each_its_own_attempt_and_the_rows_in_order() -> None:
    inputs: list[list[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        texts = json.loads(request.content)["input"]
        inputs.append(texts)
        return httpx.Response(200, json=answer([[len(text), 1.0] for text in texts], tokens=10 * len(texts)))

    result = embed_batches(handler, ["a", "bb", "ccc", "dddd", "e"], batch_size=2)
    assert inputs == [["a", "bb"], ["ccc", "dddd"], ["e"]]
    assert result.complete
    assert [(a.role, a.tier, a.model, a.input_tokens, a.estimated) for a in result.attempts] == [
        ("embed", "embedder", "embed-small", 20, False),
        ("embed", "embedder", "embed-small", 20, False),
        ("embed", "embedder", "embed-small", 10, False),
    ]
    assert sum(attempt.input_tokens for attempt in result.attempts) == 50
    # 20, 20 and 10 tokens at $0.50 per 1M
    assert [a.cost for a in result.attempts] == [Decimal("0.00001"), Decimal("0.00001"), Decimal("0.000005")]
    expected = np.array([[1, 1], [2, 1], [3, 1], [4, 1], [1, 1]], dtype=np.float64)
    assert result.vectors is not None
    np.testing.assert_allclose(result.vectors, expected / np.linalg.norm(expected, axis=1, keepdims=True), rtol=1e-6)


def test_a_batch_without_usage_is_counted_with_tiktoken_and_only_it_is_estimated() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        texts = json.loads(request.content)["input"]
        return httpx.Response(200, json=answer([[1.0]] * len(texts), tokens=3 if texts == ["a"] else None))

    result = embed_batches(handler, ["a", "the second text"], batch_size=1)
    first, second = result.attempts
    assert (first.input_tokens, first.estimated) == (3, False)
    counted = count_text("the second text", "o200k_base")  # the embedder's tokenizer by default
    assert (second.input_tokens, second.estimated) == (counted, True)


def test_batching_stops_at_the_first_batch_that_fails_and_keeps_the_rows_before_it() -> None:
    inputs: list[list[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        texts = json.loads(request.content)["input"]
        inputs.append(texts)
        if texts == ["c", "d"]:
            return httpx.Response(400, json={"error": {"message": "no"}})  # not worth a retry
        return httpx.Response(200, json=answer([[1.0, 0.0]] * len(texts), tokens=len(texts)))

    result = embed_batches(handler, ["a", "b", "c", "d", "e"], batch_size=2, attempts=3)
    assert inputs == [["a", "b"], ["c", "d"]]  # the batch after the failed one was never asked
    assert not result.complete
    assert result.vectors is not None
    np.testing.assert_array_equal(result.vectors, [[1, 0], [1, 0]])
    assert [(a.status, a.error_kind, a.cost) for a in result.attempts] == [
        (200, None, Decimal("0.000001")),  # 2 tokens at $0.50 per 1M
        (400, "http", Decimal(0)),
    ]
    assert "could not embed the texts: HTTP 400" in str(result.failure("router.yaml", "cache.embedder", "the texts"))


def test_a_first_batch_that_fails_after_its_retries_leaves_no_vectors() -> None:
    result = embed_batches(lambda _: httpx.Response(503), ["a", "b", "c"], batch_size=2, attempts=2)
    assert (result.vectors, result.complete) == (None, False)
    assert [(a.status, a.retry) for a in result.attempts] == [(503, 0), (503, 1)]


def test_no_texts_make_no_request_in_batches() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    assert embed_batches(handler, [], batch_size=2) == Embedded([], None, True)


def test_batches_of_different_widths_are_a_failed_embedding_not_a_crash() -> None:
    """Two requests to one model that disagree on the width cannot be compared: the texts are not embedded."""

    def handler(request: httpx.Request) -> httpx.Response:
        texts = json.loads(request.content)["input"]
        return httpx.Response(200, json=answer([[1.0] * (2 if texts == ["a"] else 3)], tokens=1))

    result = embed_batches(handler, ["a", "b"], batch_size=1)
    assert not result.complete
