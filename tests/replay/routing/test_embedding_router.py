"""The embedding router: scores from exemplar similarities by hand, thresholds, ties, the default, validation."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from routecli.errors import InvalidValueError
from routecli.pricing.prices import ModelPrice, TokenRates
from routecli.replay.config import EndpointEmbedder, LexicalEmbedderConfig
from routecli.replay.routing import RouteDecision
from routecli.replay.routing.embedding import ExemplarScorer, choose
from routecli.replay.routing.lexical import LexicalEmbedder
from routecli.replay.routing.prompt_embedding import EmbeddingRouter

X, Y, Z = np.eye(3, dtype=np.float32)
ENDPOINT = EndpointEmbedder("local", "m", ModelPrice("m", "local", TokenRates(Decimal(0), Decimal(0))))

# small's exemplars: x and (0.6, 0.8, 0); large's: y, z and (0, 0.6, 0.8).
EXEMPLARS = {
    "small": np.array([X, [0.6, 0.8, 0]], dtype=np.float32),
    "large": np.array([Y, Z, [0, 0.6, 0.8]], dtype=np.float32),
}
# Against y: small's similarities are 0 and 0.8, large's 1, 0 and 0.6.


def router(**options: object) -> ExemplarScorer:
    settings: dict[str, object] = {"default": "small", "k": 2, **options}
    return ExemplarScorer(EXEMPLARS, **settings)  # type: ignore[arg-type]


def test_the_tier_with_the_highest_mean_of_its_top_k_wins() -> None:
    decision = router().decide_vector(Y)
    assert decision == RouteDecision(
        "large", "embedding: large 0.800 (k=2, mean) >= 0", score=pytest.approx(0.8), features=decision.features
    )
    assert decision.features == pytest.approx({"small": 0.4, "large": 0.8})


def test_k_beyond_a_tiers_exemplars_takes_them_all() -> None:
    decision = router(k=5).decide_vector(Y)
    assert decision.features == pytest.approx({"small": 0.4, "large": 1.6 / 3})
    assert decision.reason == "embedding: large 0.533 (k=5, mean) >= 0"


def test_max_takes_the_closest_exemplar() -> None:
    decision = router(aggregate="max").decide_vector(np.array([0.6, 0.8, 0], dtype=np.float32))
    # small: x -> 0.6, (0.6, 0.8, 0) -> 1; large: y -> 0.8, z -> 0, (0, 0.6, 0.8) -> 0.48
    assert decision.features == pytest.approx({"small": 1.0, "large": 0.8})
    assert decision.tier == "small"
    assert decision.reason == "embedding: small 1.000 (k=2, max) >= 0"


def test_a_tier_below_its_threshold_is_not_a_candidate() -> None:
    decision = router(thresholds={"large": 0.9}).decide_vector(Y)
    assert decision.tier == "small"
    assert decision.reason == "embedding: small 0.400 (k=2, mean) >= 0"
    assert decision.score == pytest.approx(0.4)


def test_a_score_equal_to_its_threshold_reaches_it() -> None:
    decision = router(k=1, thresholds={"large": 1.0}).decide_vector(Y)
    assert decision.tier == "large"
    assert decision.reason == "embedding: large 1.000 (k=1, mean) >= 1"


def test_no_candidate_goes_to_the_default_which_needs_no_exemplars() -> None:
    routing = router(default="medium", thresholds={"small": 0.5, "large": 0.9})
    assert routing.tiers == ("small", "large", "medium")
    decision = routing.decide_vector(Y)
    assert decision.tier == "medium"
    assert decision.reason == "embedding: no tier reached its threshold, default"
    assert decision.score is None
    assert decision.features == pytest.approx({"small": 0.4, "large": 0.8})


def test_a_tier_with_no_threshold_has_threshold_zero() -> None:
    # -x: small's similarities are -1 and -0.6, large's all 0: large reaches 0, small does not
    decision = router(default="medium").decide_vector(-X)
    assert decision.features == pytest.approx({"small": -0.8, "large": 0.0})
    assert decision.tier == "large"
    only_small = ExemplarScorer({"small": EXEMPLARS["small"]}, default="medium")
    assert only_small.decide_vector(-X).tier == "medium"


def test_equal_scores_go_to_the_earlier_tier() -> None:
    same = np.array([X])
    assert ExemplarScorer({"a": same, "b": same}, default="c").decide_vector(X).tier == "a"
    assert ExemplarScorer({"b": same, "a": same}, default="c").decide_vector(X).tier == "b"


def test_the_default_is_listed_once_when_it_has_exemplars() -> None:
    routing = router()
    assert routing.tiers == ("small", "large")
    assert routing.scored_tiers == ("small", "large")
    wrapped = EmbeddingRouter(routing, LexicalEmbedderConfig(3))  # the router a config builds around a scorer
    assert (wrapped.kind, wrapped.needs_tokens, wrapped.calls, wrapped.tiers) == (
        "embedding",
        False,
        None,
        routing.tiers,
    )
    assert EmbeddingRouter(routing, ENDPOINT).calls == "embeddings"
    assert routing.thresholds == {"small": 0.0, "large": 0.0}


def test_scores_for_many_prompts_match_one_at_a_time() -> None:
    rng = np.random.default_rng(7)
    exemplars = {tier: _unit(rng.normal(size=(count, 16))) for tier, count in (("a", 5), ("b", 1), ("c", 12))}
    prompts = _unit(rng.normal(size=(2500, 16)))  # more than one chunk of rows
    routing = ExemplarScorer(exemplars, default="a", k=3, thresholds={"b": 0.1, "c": 0.2})
    many = routing.scores(prompts)
    assert many.shape == (2500, 3)
    for index in (0, 1023, 1024, 2048, 2499):
        row = prompts[index]
        top_three = [float(np.sort(exemplars[tier] @ row)[-3:].mean()) for tier in ("a", "c")]
        alone = float((exemplars["b"] @ row)[0])  # b has one exemplar: k=3 takes it alone
        np.testing.assert_allclose(many[index], [top_three[0], alone, top_three[1]], atol=1e-5)
        features = dict(zip("abc", many[index].tolist(), strict=True))
        assert routing.decide_vector(row).features == pytest.approx(features, abs=1e-6)


def test_choose_picks_the_highest_passing_column_or_minus_one() -> None:
    scores = np.array([[0.5, 0.7], [0.5, 0.3], [0.1, 0.2], [0.6, 0.6]])
    assert choose(scores, np.array([0.4, 0.6])).tolist() == [1, 0, -1, 0]
    assert choose(scores, np.array([0.55, 0.0])).tolist() == [1, 1, 1, 0]


def test_lexical_vectors_route_a_code_prompt_to_the_code_tier() -> None:
    embedder = LexicalEmbedder()
    code = ["Write a Python function that parses JSON", "Fix this Python bug: list index out of range"]
    chat = ["Hi, how are you today?", "Tell me a joke about cats"]
    routing = ExemplarScorer({"code": embedder.embed(code), "chat": embedder.embed(chat)}, default="chat", k=1)
    asked = embedder.embed(["write a python function that sorts a list", "tell me a joke about dogs"])
    assert [routing.decide_vector(vector).tier for vector in asked] == ["code", "chat"]


@pytest.mark.parametrize(
    ("exemplars", "options", "message"),
    [
        ({}, {}, "no tier has exemplars"),
        ({"a": np.zeros((0, 3))}, {}, "at least one exemplar"),
        ({"a": np.ones(3)}, {}, "2-D"),
        ({"a": np.ones((1, 3)), "b": np.ones((1, 4))}, {}, "one width"),
        ({"a": np.ones((1, 3))}, {"k": 0}, "k must be at least 1"),
        ({"a": np.ones((1, 3))}, {"aggregate": "median"}, "mean or max"),
        ({"a": np.ones((1, 3))}, {"thresholds": {"b": 0.5}}, "no exemplars: b"),
    ],
)
def test_what_a_config_cannot_hold_is_a_value_error(
    exemplars: dict[str, np.ndarray], options: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ExemplarScorer(exemplars, default="a", **options)  # type: ignore[arg-type]


def test_a_vector_of_another_width_is_an_error_at_the_embedder() -> None:
    # an embeddings endpoint can answer a prompt with another width than it gave the exemplars
    with pytest.raises(InvalidValueError, match="3 dimensions") as caught:
        router().decide_vector(np.ones(4, dtype=np.float32))
    assert caught.value.path == ("routing", "embedder")


def _unit(matrix: np.ndarray) -> np.ndarray:
    return (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)
