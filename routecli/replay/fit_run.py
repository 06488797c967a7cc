"""``routecli fit-router`` as one library call: read the config and labelled prompts, embed them, fit.

The fitting itself is pure (``routecli.replay.routing.fit``); this module reads
the files and, for a router whose vectors come from an embeddings endpoint,
asks the endpoint for the exemplars' and prompts' vectors in one pass.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from routecli.errors import InvalidValueError
from routecli.replay.config import LexicalEmbedderConfig, RouterConfig
from routecli.replay.config_file import check_labels, load_router_config
from routecli.replay.prompt_file import read_prompts
from routecli.replay.routing.embedding import ExemplarScorer
from routecli.replay.routing.fit import RouterFit, fit_router
from routecli.replay.routing.lexical import LexicalEmbedder
from routecli.replay.routing.prompt_embedding import EmbeddingRouter, EndpointEmbeddingRouter
from routecli.replay.run import embed_texts

__all__ = ["EmbeddingCost", "fit_config"]


class EmbeddingCost(NamedTuple):
    """What asking an embeddings endpoint for the vectors cost."""

    texts: int
    provider: str
    model: str
    requests: int
    tokens: int
    spend: Decimal


def fit_config(
    config: Path,
    prompts: Path,
    pricing: Sequence[Path] = (),
    *,
    on_embedded: Callable[[EmbeddingCost], None] = lambda cost: None,
) -> RouterFit:
    """The thresholds of ``config``'s embedding router fitted to the labels of ``prompts``.

    ``InvalidValueError`` for a config without an embedding router (before the prompts are read) and for
    prompts without labels. An endpoint's cost goes to ``on_embedded`` as soon as it is known, before an
    embedding that failed raises.
    """
    router_config = load_router_config(config, pricing)
    router = router_config.router
    if router is None:
        raise InvalidValueError("no routing: fit-router fits routing of type embedding", source=str(config))
    if router.kind != "embedding":
        raise InvalidValueError(
            f"fit-router fits the thresholds of type embedding, not {router.kind}",
            source=str(config),
            path=("routing", "type"),
        )
    prompt_file = read_prompts(prompts, default_match=router_config.match)
    check_labels(prompt_file, router_config)
    labelled = [prompt for prompt in prompt_file.prompts if prompt.label is not None]
    if not labelled:
        raise InvalidValueError(
            'no prompt has a "label" (the tier it should go to): there is nothing to fit to', source=str(prompts)
        )
    texts = [prompt.text for prompt in labelled]
    if isinstance(router, EndpointEmbeddingRouter):
        scorer, vectors = _embedded_by_endpoint(router, router_config, texts, on_embedded)
    else:  # the only other embedding router, and a config embeds its exemplars only so with the lexical vectorizer
        assert isinstance(router, EmbeddingRouter)
        assert isinstance(router.embedder, LexicalEmbedderConfig)
        scorer, vectors = router.scorer, LexicalEmbedder(router.embedder.dimensions).embed(texts)
    return fit_router(scorer, labelled, vectors, len(prompt_file.prompts), order=tuple(router_config.tiers))


def _embedded_by_endpoint(
    router: EndpointEmbeddingRouter,
    config: RouterConfig,
    texts: list[str],
    on_embedded: Callable[[EmbeddingCost], None],
) -> tuple[ExemplarScorer, NDArray[np.float32]]:
    """The exemplars and ``texts`` embedded by the router's endpoint (one pass), and what it cost."""
    exemplars = router.texts
    embedded = embed_texts(config, router.embedder, [*exemplars, *texts], "embed")
    on_embedded(
        EmbeddingCost(
            texts=len(exemplars) + len(texts),
            provider=router.embedder.provider,
            model=router.embedder.model,
            requests=len(embedded.attempts),
            tokens=sum(attempt.input_tokens for attempt in embedded.attempts),
            spend=sum((attempt.cost for attempt in embedded.attempts), Decimal(0)),
        )
    )
    if embedded.vectors is None or not embedded.complete:
        raise embedded.failure(config.source, "routing.embedder", "the exemplars and prompts")
    return router.with_vectors(embedded.vectors[: len(exemplars)]), embedded.vectors[len(exemplars) :]
