"""The embedding router's rule: a prompt goes to the tier whose exemplar prompts it most resembles.

``ExemplarScorer`` scores and decides from vectors;
``routecli.replay.routing.prompt_embedding`` pairs it with the embedder that
makes a prompt's vector. Pure: it takes vectors already embedded (by
``routecli.replay.routing.lexical`` or an embeddings API) and L2-normalised, so a dot product is a cosine similarity.

A tier's score is the mean (or the max) of the prompt's ``k`` highest
similarities to that tier's exemplars (all of them when it has fewer than
``k``). Tiers whose score reaches their threshold are the candidates; a tier
given no threshold has threshold 0 (with normalised vectors: any prompt not
pointing away from its exemplars). The candidate with the highest score wins,
the earlier tier among equal scores; with no candidate the prompt goes to the
default tier, which needs no exemplars.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from routecli.errors import InvalidValueError
from routecli.replay.routing import RouteDecision

__all__ = ["Aggregate", "ExemplarScorer", "choose"]

Aggregate = Literal["mean", "max"]

_ROWS_AT_ONCE = 1024
"""Prompts scored per matrix product: bounds the prompts × exemplars similarity matrix."""


def choose(scores: NDArray[np.floating], thresholds: NDArray[np.floating]) -> NDArray[np.intp]:
    """Each row's winning column: the highest score among those at or above their threshold, -1 for none.

    The one decision rule, shared by the router and threshold fitting so that
    fitted accuracy is what the router does. Ties go to the earlier column.
    """
    passing = scores >= thresholds
    best = np.where(passing, scores, -np.inf).argmax(axis=1)
    return np.where(passing.any(axis=1), best, -1)


class ExemplarScorer:
    """Tiers by their exemplars' similarity to a prompt's vector; see the module's docstring for the rule."""

    def __init__(
        self,
        exemplars: Mapping[str, NDArray[np.floating]],
        *,
        default: str,
        k: int = 3,
        aggregate: Aggregate = "mean",
        thresholds: Mapping[str, float] | None = None,
    ) -> None:
        """``exemplars`` maps a tier to its exemplars' normalised vectors, one a row.

        ``ValueError`` for what a validated config cannot hold: no exemplars,
        an empty or ragged matrix, ``k`` below 1, thresholds of unknown tiers.
        A caller's bug, not a user's mistake: the router config's builder refuses
        each with its key path (exemplars, k, aggregate, thresholds), and the
        exemplars' vectors come from one embedding of them all (the lexical
        vectorizer's, or an endpoint's, whose batches must agree in width).
        """
        if not exemplars:
            raise ValueError("no tier has exemplars")
        if k < 1:
            raise ValueError(f"k must be at least 1, not {k}")
        if aggregate not in ("mean", "max"):
            raise ValueError(f"aggregate must be mean or max, not {aggregate!r}")
        self.exemplars = {tier: np.ascontiguousarray(matrix, dtype=np.float32) for tier, matrix in exemplars.items()}
        widths = {matrix.shape[1] if matrix.ndim == 2 else -1 for matrix in self.exemplars.values()}
        if len(widths) != 1 or -1 in widths or any(not len(matrix) for matrix in self.exemplars.values()):
            raise ValueError("every tier needs a 2-D matrix of at least one exemplar, all of one width")
        self.dimensions = widths.pop()
        self.scored_tiers = tuple(self.exemplars)
        """The tiers with exemplars: the columns of ``scores``."""
        thresholds = dict(thresholds or {})
        if unknown := set(thresholds) - set(self.scored_tiers):
            raise ValueError(f"thresholds for tiers with no exemplars: {', '.join(sorted(unknown))}")
        self.thresholds = {tier: float(thresholds.get(tier, 0.0)) for tier in self.scored_tiers}
        self._threshold_row = np.array([self.thresholds[tier] for tier in self.scored_tiers])
        self.k = k
        self.aggregate: Aggregate = aggregate
        self.default = default
        self.tiers = self.scored_tiers if default in self.scored_tiers else (*self.scored_tiers, default)

    def scores(self, matrix: NDArray[np.floating]) -> NDArray[np.float32]:
        """Prompts (normalised rows) × ``scored_tiers``: each tier's score for each prompt.

        ``InvalidValueError`` at ``routing.embedder`` for vectors of another width
        than the exemplars': an embeddings endpoint asked for one prompt's vector
        can answer with another width than it gave the exemplars.
        """
        prompts = np.asarray(matrix, dtype=np.float32)
        if prompts.ndim != 2 or prompts.shape[1] != self.dimensions:
            raise InvalidValueError(
                f"expected vectors of {self.dimensions} dimensions, got shape {prompts.shape}",
                path=("routing", "embedder"),
            )
        result = np.empty((len(prompts), len(self.scored_tiers)), dtype=np.float32)
        for start in range(0, len(prompts), _ROWS_AT_ONCE):
            chunk = prompts[start : start + _ROWS_AT_ONCE]
            for column, exemplars in enumerate(self.exemplars.values()):
                result[start : start + len(chunk), column] = self._aggregate(chunk @ exemplars.T)
        return result

    def _aggregate(self, similarities: NDArray[np.float32]) -> NDArray[np.float32]:
        """Each row's mean (or max) of its ``k`` highest similarities."""
        aggregated: NDArray[np.float32]
        if self.aggregate == "max":
            aggregated = similarities.max(axis=1)
        else:
            count = min(self.k, similarities.shape[1])
            highest = np.partition(similarities, similarities.shape[1] - count, axis=1)[:, -count:]
            aggregated = highest.mean(axis=1, dtype=np.float32)
        return aggregated

    def decide_vector(self, vector: NDArray[np.floating]) -> RouteDecision:
        """The tier for one prompt's normalised vector; ``features`` holds every scored tier's score."""
        row = self.scores(np.asarray(vector).reshape(1, -1))
        winner = int(choose(row, self._threshold_row)[0])
        features = {tier: float(score) for tier, score in zip(self.scored_tiers, row[0], strict=True)}
        if winner < 0:
            return RouteDecision(self.default, "embedding: no tier reached its threshold, default", features=features)
        tier = self.scored_tiers[winner]
        score = features[tier]
        reason = f"embedding: {tier} {score:.3f} (k={self.k}, {self.aggregate}) >= {self.thresholds[tier]:g}"
        return RouteDecision(tier, reason, score=score, features=features)
