"""The complexity router: a weighted score of prompt features in [0, 1], thresholds per tier.

Every feature is scaled to [0, 1] (see ``FEATURES``) and the score is their
weighted mean, so thresholds keep their meaning when weights change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from routecli.replay.routing import OfflineRouter, PromptView, RouteDecision
from routecli.replay.routing.features import count_multi_step, count_questions, count_reasoning, has_code

__all__ = ["DEFAULT_LENGTH_TOKENS", "DEFAULT_WEIGHTS", "FEATURES", "ComplexityRouter"]

FEATURES: dict[str, str] = {
    "length": "prompt tokens / length_tokens, at most 1",
    "code": "1 if the prompt has code (a fenced block, or lines that look like source), else 0",
    "reasoning": "reasoning markers (why, explain, prove, compare, step by step …) / 3, at most 1",
    "multi_step": "sequencing words (first, then, finally …) and list items / 3, at most 1",
    "questions": "question marks / 3, at most 1",
}
"""The features, and how each is scaled to [0, 1] (shown in docs/router.md)."""

DEFAULT_WEIGHTS: dict[str, float] = {"length": 1.0, "code": 1.0, "reasoning": 1.0, "multi_step": 1.0, "questions": 0.5}
DEFAULT_LENGTH_TOKENS = 1000
_SATURATION = 3  # marker counts at which a feature reaches 1


class ComplexityRouter(OfflineRouter):
    """The tier with the highest threshold the prompt's score reaches."""

    kind = "complexity"
    needs_tokens = True

    def __init__(
        self,
        thresholds: Sequence[tuple[str, float]],
        weights: Mapping[str, float] = DEFAULT_WEIGHTS,
        length_tokens: int = DEFAULT_LENGTH_TOKENS,
    ) -> None:
        self.thresholds = sorted(thresholds, key=lambda pair: pair[1], reverse=True)
        self.weights = {name: weight for name, weight in weights.items() if weight}
        self.total_weight = sum(self.weights.values())
        self.length_tokens = length_tokens
        self.tiers = tuple(tier for tier, _ in thresholds)

    def text_features(self, text: str, tokens: int | None) -> dict[str, float]:
        """Each feature of a prompt's ``text`` scaled to [0, 1] (``routecli tune --score complexity`` has no Prompt)."""
        length = tokens if tokens is not None else len(text) / 4  # ~4 characters a token, if uncounted
        return {
            "length": min(length / self.length_tokens, 1.0),
            "code": 1.0 if has_code(text) else 0.0,
            "reasoning": min(count_reasoning(text) / _SATURATION, 1.0),
            "multi_step": min(count_multi_step(text) / _SATURATION, 1.0),
            "questions": min(count_questions(text) / _SATURATION, 1.0),
        }

    def score(self, features: Mapping[str, float]) -> float:
        """The weighted mean of the features."""
        if not self.total_weight:
            return 0.0
        return sum(features[name] * weight for name, weight in self.weights.items()) / self.total_weight

    def decide(self, view: PromptView) -> RouteDecision:
        """The first tier whose threshold the prompt's score reaches."""
        features = self.text_features(view.text, view.tokens)
        score = self.score(features)
        for tier, threshold in self.thresholds:
            if score >= threshold:
                return RouteDecision(tier, f"score {score:.3f} >= {threshold:g}", score=score, features=features)
        tier, threshold = self.thresholds[-1]  # thresholds start at 0, so only a negative score gets here
        return RouteDecision(tier, f"score {score:.3f} below every threshold", score=score, features=features)
