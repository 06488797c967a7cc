"""OpenAI-compatible embeddings (OpenAI, vLLM, llama.cpp, Ollama, Together …): texts to normalised vectors.

llama-cpp-python serving a chat model (one without a pooling layer, and its
server has no setting for one) answers with a vector per token, not per text;
those are mean-pooled here, as llama.cpp's own ``--pooling mean`` would. Its
0.3.36 also misplaces the token vectors of every input after a request's
first, so ask it one text per request (an embedder's ``batch_size: 1``).

numpy is imported when vectors are made, not with this module, so that
importing the providers costs the CLI's start-up nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from routecli.providers import Usage
from routecli.providers.http import token_count

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["EmbeddingResult", "embeddings_billed", "embeddings_parser", "parse_embeddings"]


class EmbeddingResult(NamedTuple):
    """One L2-normalised float32 row per text, in the order asked; ``input_tokens`` when the reply reported it."""

    vectors: NDArray[np.float32]
    input_tokens: int | None


def parse_embeddings(document: Any, count: int) -> EmbeddingResult:
    """The ``count`` vectors of an embeddings body, normalised, in ``index`` order; ``ValueError`` naming what is wrong.

    Every item must carry an ``index`` (0 to count-1, each once), or none may,
    and then the list order is the inputs'. An item's embedding is a list of
    numbers or, from llama.cpp serving a model without pooling, a list of
    equal-length token vectors, which are averaged over the tokens. A zero
    vector stays zero; a missing or odd ``usage.prompt_tokens`` is None.
    """
    import numpy as np

    data = document.get("data") if isinstance(document, Mapping) else None
    if not isinstance(data, list) or not all(isinstance(item, Mapping) for item in data):
        raise ValueError("no data list in the response")
    if len(data) != count:
        raise ValueError(f"{len(data)} embeddings for {count} inputs")
    given = [item.get("index") for item in data]
    if all(index is None for index in given):
        order = list(range(count))
    else:
        order = [-1 if (index := token_count(value)) is None else index for value in given]
        if sorted(order) != list(range(count)):
            raise ValueError(f"the indexes are not 0 to {count - 1}, each once")
    ordered: list[Any] = [None] * count
    for index, item in zip(order, data, strict=True):
        ordered[index] = item.get("embedding")
    rows = [_pooled(embedding) for embedding in ordered]
    if len({len(row) for row in rows}) != 1:
        raise ValueError("the embeddings differ in length")
    vectors = np.stack(rows)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    np.divide(vectors, norms, out=vectors, where=norms > 0)
    usage = document.get("usage")
    tokens = usage.get("prompt_tokens") if isinstance(usage, Mapping) else None
    return EmbeddingResult(vectors.astype(np.float32), token_count(tokens))


_NOT_NUMBERS = "an embedding holds something that is not a finite number"


def _pooled(embedding: Any) -> NDArray[np.float64]:
    """One embedding as a float64 vector: as given, or its token vectors' mean when it is a list of them."""
    import numpy as np

    if not isinstance(embedding, list) or not embedding:
        raise ValueError("an embedding is not a non-empty list of numbers (base64 is not read)")
    per_token = all(isinstance(value, list) for value in embedding)
    if per_token:
        if not all(embedding):
            raise ValueError("an embedding has an empty token vector")
        if len({len(vector) for vector in embedding}) != 1:
            raise ValueError("an embedding's token vectors differ in length")
    try:
        values = np.array(embedding)
    except ValueError:  # lists nested to uneven depths
        raise ValueError(_NOT_NUMBERS) from None
    if values.ndim != (2 if per_token else 1) or values.dtype.kind not in "iuf" or not np.isfinite(values).all():
        raise ValueError(_NOT_NUMBERS)
    vector: NDArray[np.float64] = values.astype(np.float64)
    return vector.mean(axis=0) if per_token else vector


def embeddings_parser(count: int) -> Callable[[Any, int], EmbeddingResult]:
    """``parse_embeddings`` for a reply to ``count`` texts, in the shape ``JsonEndpoint.post`` takes."""
    return lambda document, _status: parse_embeddings(document, count)


def embeddings_billed(document: Any) -> Usage | None:
    """What a reply that could not be read reported using: it may have been billed."""
    usage = document.get("usage")
    tokens = token_count(usage.get("prompt_tokens")) if isinstance(usage, Mapping) else None
    return None if tokens is None else Usage(tokens, 0)
