"""The embedding routers: what a router config builds for ``routing: {type: embedding}``.

``ExemplarScorer`` decides from vectors; a prompt must be embedded exactly as
its exemplars were to be compared with them, so a router holds its scorer and
its embedder together, and asks the prompt view for the vector by that
embedder (a semantic cache with the same embedder reuses it). With an
embeddings endpoint the exemplars are embedded when a run starts: loading a
config calls nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from routecli.replay.config import EmbedderConfig, EndpointEmbedder, LexicalEmbedderConfig
from routecli.replay.routing import EmbedTexts, Failed, PromptView, RouteDecision, Router, lexical
from routecli.replay.routing.embedding import Aggregate, ExemplarScorer

__all__ = ["EmbeddingRouter", "EndpointEmbeddingRouter", "exemplar_scorer"]


class EmbeddingRouter(Router):
    """Lets ``scorer`` decide from each prompt's vector by ``embedder``; its default tier when no vector came."""

    kind = "embedding"

    def __init__(self, scorer: ExemplarScorer, embedder: EmbedderConfig) -> None:
        self.scorer = scorer
        self.embedder: EmbedderConfig = embedder
        self.tiers = scorer.tiers
        self.calls = "embeddings" if isinstance(embedder, EndpointEmbedder) else None

    @classmethod
    def from_texts(
        cls,
        exemplars: Mapping[str, Sequence[str]],
        embedder: LexicalEmbedderConfig,
        *,
        default: str,
        k: int,
        aggregate: Aggregate,
        thresholds: Mapping[str, float],
    ) -> EmbeddingRouter:
        """Every tier's exemplar texts embedded in one batch; tiers keep the mapping's order (ties go earlier)."""
        texts = [text for tier_texts in exemplars.values() for text in tier_texts]
        vectors = lexical.LexicalEmbedder(embedder.dimensions).embed(texts)
        scorer = exemplar_scorer(exemplars, vectors, default=default, k=k, aggregate=aggregate, thresholds=thresholds)
        return cls(scorer, embedder)

    async def route(self, view: PromptView) -> RouteDecision:
        """The scorer's tier for the prompt's vector; the default tier when the endpoint gave none."""
        vector = await view.vector(self.embedder)
        if isinstance(vector, Failed):
            return RouteDecision(self.scorer.default, f"embedding failed ({vector.kind}), default")
        return self.scorer.decide_vector(vector)

    async def route_all(self, views: Sequence[PromptView]) -> list[RouteDecision]:
        """``route`` for many views, the lexical vectorizer's vectors made in one batch (the costly part).

        Then scored one by one, not as one matrix: BLAS sums a matrix product
        in another order than a vector product, and the last bits of a score
        differ, so a score at a threshold could be decided otherwise than one
        prompt at a time.
        """
        if isinstance(self.embedder, LexicalEmbedderConfig):
            missing = [view for view in views if not view.has_vector(self.embedder)]
            vectors = lexical.LexicalEmbedder(self.embedder.dimensions).embed([view.text for view in missing])
            for view, vector in zip(missing, vectors, strict=True):
                view.remember(self.embedder, vector)
        return await super().route_all(views)


class EndpointEmbeddingRouter(Router):
    """An embedding router whose vectors come from an embeddings endpoint, before its exemplars are embedded.

    ``ready`` embeds them (the replay engine does so before the first
    prompt, billing the requests) and returns the ``EmbeddingRouter`` that
    routes; this one routes nothing.
    """

    kind = "embedding"
    calls = "embeddings"

    def __init__(
        self,
        exemplars: Mapping[str, Sequence[str]],
        embedder: EndpointEmbedder,
        *,
        default: str,
        k: int,
        aggregate: Aggregate,
        thresholds: Mapping[str, float],
    ) -> None:
        self.exemplars = {tier: tuple(texts) for tier, texts in exemplars.items()}
        self.embedder: EndpointEmbedder = embedder
        self.default = default
        self.k = k
        self.aggregate: Aggregate = aggregate
        self.thresholds = dict(thresholds)
        self.tiers = tuple(dict.fromkeys([*self.exemplars, default]))

    @property
    def texts(self) -> list[str]:
        """Every exemplar, tier by tier in order: what to embed, in one list."""
        return [text for texts in self.exemplars.values() for text in texts]

    async def route(self, view: PromptView) -> RouteDecision:
        raise RuntimeError("ready() embeds the exemplars before the first prompt")

    async def ready(self, embed: EmbedTexts) -> EmbeddingRouter:
        """The router of the exemplars' vectors, which ``embed`` makes (raising when it cannot)."""
        return EmbeddingRouter(self.with_vectors(await embed(self.embedder, self.texts)), self.embedder)

    def with_vectors(self, vectors: NDArray[np.float32]) -> ExemplarScorer:
        """The scorer deciding from ``vectors``, one row per exemplar of ``texts``, in that order."""
        return exemplar_scorer(
            self.exemplars,
            vectors,
            default=self.default,
            k=self.k,
            aggregate=self.aggregate,
            thresholds=self.thresholds,
        )


def exemplar_scorer(
    exemplars: Mapping[str, Sequence[str]],
    vectors: NDArray[np.float32],
    *,
    default: str,
    k: int,
    aggregate: Aggregate,
    thresholds: Mapping[str, float],
) -> ExemplarScorer:
    """The scorer for ``exemplars`` from their ``vectors``: one row per text, tier by tier in the mapping's order."""
    ends = np.cumsum([len(texts) for texts in exemplars.values()])[:-1]
    matrices = np.split(vectors, ends)
    return ExemplarScorer(
        dict(zip(exemplars, matrices, strict=True)), default=default, k=k, aggregate=aggregate, thresholds=thresholds
    )
