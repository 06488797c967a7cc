"""The embedding router paired with its embedder: what a router config builds for ``routing: {type: embedding}``.

``EmbeddingRouter`` decides from vectors; a prompt must be embedded exactly as
its exemplars were to be compared with them, so the two travel together and
the replay engine and dry runs route a prompt's text like any other router's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from routecli.replay.prompts import Prompt
from routecli.replay.routing import RouteDecision
from routecli.replay.routing.embedding import Aggregate, EmbeddingRouter
from routecli.replay.routing.lexical import LexicalEmbedder

if TYPE_CHECKING:
    from routecli.replay.config import EndpointEmbedder

__all__ = ["EndpointEmbeddingRouter", "PromptEmbeddingRouter", "exemplar_router"]


class PromptEmbeddingRouter:
    """Embeds prompts' texts with ``embedder`` and lets ``router`` decide."""

    kind = "embedding"
    needs_tokens = False

    def __init__(self, router: EmbeddingRouter, embedder: LexicalEmbedder) -> None:
        self.router = router
        self.embedder = embedder
        self.tiers = router.tiers

    @classmethod
    def from_texts(
        cls,
        exemplars: Mapping[str, Sequence[str]],
        embedder: LexicalEmbedder,
        *,
        default: str,
        k: int,
        aggregate: Aggregate,
        thresholds: Mapping[str, float],
    ) -> PromptEmbeddingRouter:
        """Every tier's exemplar texts embedded in one batch; tiers keep the mapping's order (ties go earlier)."""
        texts = [text for tier_texts in exemplars.values() for text in tier_texts]
        router = exemplar_router(
            exemplars, embedder.embed(texts), default=default, k=k, aggregate=aggregate, thresholds=thresholds
        )
        return cls(router, embedder)

    def decide(self, prompt: Prompt, tokens: int | None = None) -> RouteDecision:
        """The tier for one prompt, from its text's vector (``tokens`` is unused: no token counts needed)."""
        return self.router.decide_vector(self.embedder.embed([prompt.text])[0])

    def decide_texts(self, texts: Sequence[str]) -> list[RouteDecision]:
        """``decide`` for many texts: embedded in one batch, the costly part, then scored one by one.

        Not scored as one matrix: BLAS sums a matrix product in another order
        than a vector product, and the last bits of a score differ, so a score
        at a threshold could be decided otherwise than one prompt at a time.
        """
        return [self.router.decide_vector(vector) for vector in self.embedder.embed(texts)]


class EndpointEmbeddingRouter:
    """An embedding router whose vectors come from an embeddings endpoint: exemplars are embedded when a run starts.

    Loading a config calls nothing; ``with_vectors`` builds the deciding
    ``EmbeddingRouter`` from the exemplars' vectors once they are fetched, and
    each prompt's vector is fetched (and billed) by the replay engine.
    """

    kind = "embedding"
    needs_tokens = False

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
        self.embedder = embedder
        self.default = default
        self.k = k
        self.aggregate: Aggregate = aggregate
        self.thresholds = dict(thresholds)
        self.tiers = tuple(dict.fromkeys([*self.exemplars, default]))

    @property
    def texts(self) -> list[str]:
        """Every exemplar, tier by tier in order: what to embed, in one list."""
        return [text for texts in self.exemplars.values() for text in texts]

    def with_vectors(self, vectors: NDArray[np.float32]) -> EmbeddingRouter:
        """The router deciding from ``vectors``, one row per exemplar of ``texts``, in that order."""
        return exemplar_router(
            self.exemplars,
            vectors,
            default=self.default,
            k=self.k,
            aggregate=self.aggregate,
            thresholds=self.thresholds,
        )


def exemplar_router(
    exemplars: Mapping[str, Sequence[str]],
    vectors: NDArray[np.float32],
    *,
    default: str,
    k: int,
    aggregate: Aggregate,
    thresholds: Mapping[str, float],
) -> EmbeddingRouter:
    """The router for ``exemplars`` from their ``vectors``: one row per text, tier by tier in the mapping's order."""
    ends = np.cumsum([len(texts) for texts in exemplars.values()])[:-1]
    matrices = np.split(vectors, ends)
    return EmbeddingRouter(
        dict(zip(exemplars, matrices, strict=True)), default=default, k=k, aggregate=aggregate, thresholds=thresholds
    )
