"""The replay's semantic cache: exact fast path, similarity threshold, what a hit records, costs and reports."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, ClassVar

import httpx
import jsonschema
import numpy as np
import pytest
from numpy.typing import NDArray

from routecli.errors import InvalidValueError
from routecli.pricing.prices import ModelPrice, PriceTable, TokenRates
from routecli.render.replay_json import REPLAY_REPORT_SCHEMA, replay_document
from routecli.render.replay_report import replay_markdown
from routecli.replay.cache import SemanticCache, normalise
from routecli.replay.config import CacheSettings, LexicalEmbedderConfig
from routecli.replay.config_file import build_router_config
from routecli.replay.dryrun import dry_run
from routecli.replay.prompts import Prompt, parse_prompt
from routecli.replay.records import (
    Attempt,
    CacheHit,
    Decision,
    RunInfo,
    TierInfo,
    decision_from_json,
    decision_to_json,
    run_from_json,
    run_to_json,
)
from routecli.replay.report import build_report
from routecli.replay.routing.lexical import LexicalEmbedder
from tests.helpers.replay import BASE, config, prompt, reply, run

D = Decimal
SHAPE = "user|None"
"""One user message, no max_tokens: the shape of every prompt these cache tests store."""

FIXED = {"type": "fixed", "tier": "small"}
NEAR_A = "What is the capital city of France?"
NEAR_B = "What is the capital city of France"
FAR = "Write a haiku about autumn leaves."


class CountingEmbedder(LexicalEmbedder):
    """The lexical embedder, counting the texts it embeds in ``embedded`` (shared by every instance)."""

    embedded: ClassVar[list[str]] = []

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.embedded.extend(texts)
        return super().embed(texts)


def vector(text: str, dimensions: int = 256) -> NDArray[np.float32]:
    """``text``'s unit vector, as the engine would hand it to the cache."""
    return LexicalEmbedder(dimensions).embed([text])[0]


def similarity(first: str, second: str) -> float:
    vectors = LexicalEmbedder(256).embed([first, second])
    return float(vectors[0] @ vectors[1])


# ------------------------------------------------------------------ the cache


def test_normalising_collapses_whitespace_and_keeps_case() -> None:
    assert normalise("  Straße\n\tIS   here ") == "Straße IS here"
    assert normalise("Reverse 'AbC'") != normalise("reverse 'abc'")  # case can change what is asked


def test_an_exact_repeat_hits_by_its_text_alone() -> None:
    cache = SemanticCache(0.99)
    assert cache.exact("Hello  World") is None  # empty: nothing to compare
    assert cache.nearest(vector("Hello  World"), SHAPE) is None
    cache.store("Hello  World", vector("Hello  World"), SHAPE, "p1", "hi!", "small")
    hit = cache.exact("  Hello World\n")  # no vector needed: the text, normalised, is the key
    assert hit is not None
    assert (hit.source, hit.similarity, hit.answer, hit.final_tier) == ("p1", 1.0, "hi!", "small")
    assert cache.exact("Hello World!") is None  # exact means exact, after normalising
    assert cache.exact("hello world") is None  # case is kept: only the vector can find it


def test_a_case_only_difference_is_no_exact_hit_but_hits_by_its_vector() -> None:
    cache = SemanticCache(0.99)
    cache.store("Hello World", vector("Hello World"), SHAPE, "p1", "hi!", "small")
    assert cache.exact("HELLO world") is None
    hit = cache.nearest(vector("HELLO world"), SHAPE)  # the lexical vectorizer lowercases: the same vector
    assert hit is not None
    assert (hit.source, hit.answer) == ("p1", "hi!")
    assert hit.similarity == pytest.approx(1.0, abs=1e-6)


def test_the_engine_embeds_nothing_for_an_exact_repeat(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("routecli.replay.routing.lexical.LexicalEmbedder", CountingEmbedder)
    monkeypatch.setattr(CountingEmbedder, "embedded", [])
    cfg = config(routing=FIXED, cache={"similarity": 0.99})
    decisions, calls = run(cfg, [prompt("Hello  World", 1), prompt("  Hello World\n", 2)], lambda body: reply("hi"))
    assert CountingEmbedder.embedded == ["Hello  World"]  # embedded once, to be stored; the fast path embedded nothing
    assert len(calls.bodies) == 1
    assert decisions[1].cache == CacheHit("1", 1.0)


def test_the_engine_serves_a_case_only_difference_through_the_vector(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not an exact repeat (case is kept), so it is embedded; the lexical vector lowercases, so it still hits."""
    monkeypatch.setattr("routecli.replay.routing.lexical.LexicalEmbedder", CountingEmbedder)
    monkeypatch.setattr(CountingEmbedder, "embedded", [])
    cfg = config(routing=FIXED, cache={"similarity": 0.99})
    decisions, calls = run(cfg, [prompt("Hello World", 1), prompt("hello WORLD", 2)], lambda body: reply("hi"))
    assert CountingEmbedder.embedded == ["Hello World", "hello WORLD"]
    assert len(calls.bodies) == 1
    hit = decisions[1].cache
    assert hit is not None
    assert hit.source == "1"
    assert hit.similarity == pytest.approx(1.0, abs=1e-6)
    assert decisions[1].attempts == ()  # the lexical vectorizer costs no request


def test_a_near_duplicate_hits_above_the_threshold_and_misses_below_it() -> None:
    near = similarity(NEAR_A, NEAR_B)
    far = similarity(NEAR_A, FAR)
    assert far < near < 1.0  # the hand-picked texts are what the test needs
    lenient = SemanticCache(near - 0.01)
    lenient.store(NEAR_A, vector(NEAR_A), SHAPE, "a", "Paris", "small")
    lenient.store(FAR, vector(FAR), SHAPE, "f", "Leaves fall", "large")
    assert lenient.exact(NEAR_B) is None  # not the same text: only its vector can find it
    hit = lenient.nearest(vector(NEAR_B), SHAPE)
    assert hit is not None
    assert (hit.source, hit.answer, hit.final_tier) == ("a", "Paris", "small")
    assert hit.similarity == pytest.approx(near, abs=1e-6)
    strict = SemanticCache(near + 0.01)
    strict.store(NEAR_A, vector(NEAR_A), SHAPE, "a", "Paris", "small")
    assert strict.nearest(vector(NEAR_B), SHAPE) is None


def test_the_first_answer_stored_for_a_text_is_the_one_served() -> None:
    cache = SemanticCache(0.5)
    cache.store("x y", vector("x y", 64), SHAPE, "first", "one", "small")
    cache.store(" x  y\n", vector(" x  y\n", 64), SHAPE, "second", "two", "large")
    assert len(cache) == 1
    by_text = cache.exact("x y")
    assert by_text is not None
    assert by_text.source == "first"
    by_vector = cache.nearest(vector("x y", 64), SHAPE)
    assert by_vector is not None
    assert by_vector.source == "first"


def test_the_matrix_grows_past_its_first_rows() -> None:
    cache = SemanticCache(0.999)
    texts = [f"prompt number {n} about topic {n * 7}" for n in range(150)]
    for number, text in enumerate(texts):
        cache.store(text, vector(text, 64), SHAPE, str(number), f"answer {number}", "small")
    assert len(cache) == 150
    for number in (0, 63, 64, 127, 128, 149):  # each side of the first two doublings (64 rows, then 128)
        hit = cache.nearest(vector(texts[number], 64), SHAPE)
        assert hit is not None
        assert (hit.source, hit.answer) == (str(number), f"answer {number}")
        assert hit.similarity == pytest.approx(1.0, abs=1e-6)


# ------------------------------------------------------------------ the config


def test_the_config_takes_a_cache_with_an_optional_lexical_embedder() -> None:
    assert config(routing=FIXED).cache is None
    assert config(routing=FIXED, cache={"similarity": 0.92}).cache == CacheSettings(0.92, LexicalEmbedderConfig(1024))
    lexical = {"type": "lexical", "dimensions": 64}
    with_lexical = config(routing=FIXED, cache={"similarity": 0.5, "embedder": lexical}).cache
    assert with_lexical == CacheSettings(0.5, LexicalEmbedderConfig(64))
    with pytest.raises(InvalidValueError, match="similarity"):
        build_router_config({**BASE, "routing": FIXED, "cache": {"similarity": 1.5}}, PriceTable())
    with pytest.raises(InvalidValueError, match="similarity"):
        build_router_config({**BASE, "routing": FIXED, "cache": {}}, PriceTable())


# ------------------------------------------------------------------ the engine


def test_the_second_of_two_identical_prompts_makes_no_request() -> None:
    cfg = config(routing=FIXED, cache={"similarity": 0.92})
    prompts = [prompt("2+2?", 1, id="a", expected="4"), prompt(" 2+2? ", 2, id="b", expected="5")]
    decisions, calls = run(cfg, prompts, lambda body: reply("4", usage=(100, 10)))
    assert len(calls.bodies) == 1
    first, second = decisions
    assert first.cache is None
    assert len(first.attempts) == 1
    assert second.cache == CacheHit("a", 1.0)
    assert second.attempts == ()
    assert second.route is None
    assert second.final_tier == "small"
    assert second.correct is False  # checked against the stored "4"
    assert second.answer is None  # content is logged only with --log-content
    assert first.correct is True


def test_a_near_duplicate_is_served_from_the_cache_and_a_stranger_is_not() -> None:
    threshold = similarity(NEAR_A, NEAR_B) - 0.01
    cfg = config(routing=FIXED, cache={"similarity": threshold, "embedder": {"type": "lexical", "dimensions": 256}})
    prompts = [prompt(NEAR_A, 1), prompt(NEAR_B, 2), prompt(FAR, 3)]
    decisions, calls = run(cfg, prompts, lambda body: reply("Paris"))
    assert len(calls.bodies) == 2
    assert [d.cache is not None for d in decisions] == [False, True, False]
    hit = decisions[1].cache
    assert hit is not None
    assert hit.source == "1"


def test_failed_prompts_are_not_stored() -> None:
    answers = iter([httpx.Response(500, json={"error": "down"}), reply("ok"), reply("ok again")])
    cfg = config(routing=FIXED, cache={"similarity": 0.9})
    decisions, calls = run(cfg, [prompt("same", 1), prompt("same", 2), prompt("same", 3)], lambda body: next(answers))
    assert len(calls.bodies) == 2  # the failure stored nothing; the second answered and the third hit it
    first, second, third = decisions
    assert first.failed
    assert first.cache is None
    assert second.cache is None
    assert second.final_tier == "small"
    assert third.cache == CacheHit("2", 1.0)


def test_an_unaccepted_answer_below_the_top_is_not_stored() -> None:
    cascade = {"chain": ["small", "large"], "accept": {"all": [{"type": "length", "min_chars": 3}]}}
    answers = {"small-model": "no", "large-model": "a long answer"}
    cfg = config(cascade=cascade, cache={"similarity": 0.9})
    decisions, calls = run(cfg, [prompt("q", 1), prompt("q", 2)], lambda body: reply(answers[body["model"]]))
    assert [body["model"] for body in calls.bodies] == ["small-model", "large-model"]
    assert decisions[1].cache == CacheHit("1", 1.0)
    assert decisions[1].final_tier == "large"  # the source's final tier, not the one it rejected


def test_without_a_cache_identical_prompts_are_each_sent() -> None:
    decisions, calls = run(config(routing=FIXED), [prompt("x", 1), prompt("x", 2)], lambda body: reply("y"))
    assert len(calls.bodies) == 2
    assert all(d.cache is None for d in decisions)


def test_the_dry_run_ignores_the_cache() -> None:
    cfg = config(routing=FIXED, cache={"similarity": 0.5})
    decisions = dry_run(cfg, [prompt("x", 1), prompt("x", 2)])
    assert all(d.cache is None and len(d.attempts) == 1 for d in decisions)


# ------------------------------------------------------------------ the log


def test_a_hit_survives_the_json_round_trip_and_old_lines_read_as_misses() -> None:
    hit = Decision(
        "b", 2, None, (), "small", (), 0.1, expected="4", match="exact", correct=True, cache=CacheHit("a", 0.95)
    )
    document = json.loads(json.dumps(decision_to_json(hit)))
    assert document["cache"] == {"source": "a", "similarity": 0.95}
    assert document["attempts"] == []
    assert decision_from_json(document) == hit
    del document["cache"]
    assert decision_from_json(document).cache is None


# ------------------------------------------------------------------ the report

TIER = TierInfo("small", "test", "m", ModelPrice(id="m", provider="test", standard=TokenRates(D(1), D(2), None)))


def paid(identifier: str, *costs: str) -> Decision:
    """Answered at small: one attempt per cost, the last the served answer and the others failed tries."""
    tries = [
        Attempt("answer", "small", "m", 500, 0, 0, 0, False, D(cost), 5.0, error="HTTP 500") for cost in costs[:-1]
    ]
    served = Attempt("answer", "small", "m", 200, 10, 1, 0, False, D(costs[-1]), 5.0)
    return Decision(identifier, 1, None, (*tries, served), "small", (), 5.0, expected="4", correct=True)


def test_the_report_counts_hits_and_the_money_they_saved() -> None:
    run_info = RunInfo(tiers=(TIER,), setup="single", cache_similarity=0.9)
    decisions = [
        paid("a", "0.001", "0.0005"),  # a retried call and its answer: $0.0015 in all
        paid("b", "0.002"),
        Decision("c", 3, None, (), "small", (), 0.1, expected="4", correct=True, cache=CacheHit("a", 1.0)),
        Decision("d", 4, None, (), "small", (), 0.1, expected="4", correct=False, cache=CacheHit("a", 0.93)),
        Decision("e", 5, None, (), "small", (), 0.1, cache=CacheHit("b", 0.97)),
    ]
    report = build_report(run_info, decisions)
    assert report.cache is not None
    assert report.cache.hits == 3
    assert report.cache.hit_rate == pytest.approx(3 / 5)
    assert report.cache.saved == D("0.005")  # 0.0015 + 0.0015 + 0.002
    assert report.answered == 5
    assert report.failed == 0
    assert report.total_spend == D("0.0035")
    assert report.tiers[0].answered == 5
    assert report.quality is not None
    assert (report.quality.checked, report.quality.correct) == (4, 3)
    top = report.counterfactual_top
    assert top is not None
    assert top.compared_spend == D("0.0035")
    document = replay_document(report)
    jsonschema.validate(document, REPLAY_REPORT_SCHEMA)
    assert document["cache"] == {"hits": 3, "hit_rate": 0.6, "saved": "0.005"}
    assert "Semantic cache: 3 hits (60.0%), saving $0.005." in replay_markdown(report)


def test_a_hit_saves_its_sources_calls_to_tiers_but_not_its_embedding() -> None:
    """A hit pays for its own embedding, so the source's embedding is not what the hit saved."""
    run_info = RunInfo(tiers=(TIER,), setup="single", cache_similarity=0.9)

    def embedded(cost: str) -> Attempt:
        return Attempt("embed", "embedder", "e", 200, 8, 0, 0, False, D(cost), 2.0)

    source = Decision(
        "a",
        1,
        None,
        (
            embedded("0.0001"),
            Attempt("answer", "small", "m", 500, 0, 0, 0, False, D("0.0004"), 5.0, error="HTTP 500", error_kind="http"),
            Attempt("answer", "small", "m", 200, 10, 1, 0, False, D("0.002"), 5.0, retry=1),
            Attempt("accept_judge", "small", "m", 200, 20, 1, 0, False, D("0.0003"), 5.0),
        ),
        "small",
        (),
        5.0,
    )
    near = Decision("b", 2, None, (embedded("0.0001"),), "small", (), 1.0, cache=CacheHit("a", 0.95))
    exact = Decision("c", 3, None, (), "small", (), 0.1, cache=CacheHit("a", 1.0))
    report = build_report(run_info, [source, near, exact])
    assert report.cache is not None
    # a's retried answer and its judge, $0.0004 + $0.002 + $0.0003, saved by each of the two hits
    assert (report.cache.hits, report.cache.saved) == (2, D("0.0054"))
    assert report.total_spend == D("0.0029")  # the tiers' $0.0027 and two embeddings of $0.0001
    assert report.embeddings is not None
    assert (report.embeddings.requests, report.embeddings.spend) == (2, D("0.0002"))


def test_a_run_without_a_cache_reports_none_and_the_run_line_round_trips() -> None:
    plain = RunInfo(tiers=(TIER,), setup="single")
    assert build_report(plain, [paid("a", "1")]).cache is None
    assert replay_document(build_report(plain, [paid("a", "1")]))["cache"] is None
    cached = RunInfo(tiers=(TIER,), setup="single", cache_similarity=0.92)
    assert run_from_json(json.loads(json.dumps(run_to_json(cached)))).cache_similarity == 0.92
    report = build_report(cached, [paid("a", "1")])
    assert report.cache is not None
    assert (report.cache.hits, report.cache.saved) == (0, D(0))
    document: dict[str, Any] = run_to_json(plain)
    assert document["cache"] is None


def test_prompts_are_cached_under_their_roles_text_and_max_tokens_and_not_with_images() -> None:
    from routecli.replay.engine import cache_key
    from routecli.replay.prompts import parse_prompt

    def key(line: str) -> str | None:
        return cache_key(parse_prompt(line, 1))

    plain = key('{"prompt": "What is in the box?"}')
    assert plain == "user: What is in the box?"
    assert key('{"prompt": "What is in the box?", "max_tokens": 10}') != plain
    assert key('{"messages": [{"role": "system", "content": "What is in the box?"}]}') != plain
    image = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    with_image = {"messages": [{"role": "user", "content": [{"type": "text", "text": "What is in it?"}, image]}]}
    assert key(json.dumps(with_image)) is None  # two images with the same words ask different things


def test_the_same_words_with_another_max_tokens_or_role_are_not_served_from_the_cache() -> None:
    from routecli.replay.prompts import parse_prompt

    system = parse_prompt(json.dumps({"messages": [{"role": "system", "content": "What is in the box?"}]}), 3)
    prompts = [
        prompt("What is in the box?", 1, max_tokens=5),
        prompt("What is in the box?", 2, max_tokens=500),
        system,
    ]
    decisions, calls = run(config(routing=FIXED, cache={"similarity": 0.99}), prompts, lambda body: reply("a cat"))
    assert [decision.cache for decision in decisions] == [None, None, None]
    assert len(calls.bodies) == 3


# ------------------------------------------------------------------ the shape: roles and max_tokens


def as_system(text: str, line: int) -> Prompt:
    """``text`` as the only message, a system message: the same words as ``prompt(text)`` in another role."""
    return parse_prompt(json.dumps({"messages": [{"role": "system", "content": text}]}), line)


def test_nearest_finds_nothing_for_a_shape_never_stored() -> None:
    cache = SemanticCache(0.0)  # any stored prompt of the same shape would do
    cache.store(NEAR_A, vector(NEAR_A), SHAPE, "a", "Paris", "small")
    assert cache.nearest(vector(NEAR_A), SHAPE) is not None  # the same vector, the same shape: found
    for other in ("system|None", "user|5", "user|500", "user,assistant,user|None"):
        assert cache.nearest(vector(NEAR_A), other) is None


def test_nearest_only_compares_prompts_of_the_same_shape() -> None:
    """An identical vector of another shape loses to a less similar one of the asked shape."""
    cache = SemanticCache(0.0)
    cache.store(NEAR_A, vector(NEAR_A), "user|5", "five", "Paris", "small")
    cache.store(FAR, vector(FAR), "user|500", "five hundred", "Leaves fall", "large")
    hit = cache.nearest(vector(NEAR_A), "user|500")
    assert hit is not None
    assert (hit.source, hit.answer, hit.final_tier) == ("five hundred", "Leaves fall", "large")
    assert hit.similarity == pytest.approx(similarity(NEAR_A, FAR), abs=1e-6)
    assert hit.similarity < 1.0
    strict = SemanticCache(0.99)  # the same two entries, now too far apart for the other shape to count
    strict.store(NEAR_A, vector(NEAR_A), "user|5", "five", "Paris", "small")
    strict.store(FAR, vector(FAR), "user|500", "five hundred", "Leaves fall", "large")
    assert strict.nearest(vector(NEAR_A), "user|500") is None
    found = strict.nearest(vector(NEAR_A), "user|5")
    assert found is not None
    assert found.source == "five"


def test_shapes_stay_with_their_rows_as_the_matrix_grows() -> None:
    """150 prompts in two shapes, past two doublings of the matrix: each is found under its own shape only."""
    texts = [f"prompt number {n} about topic {n * 7}" for n in range(150)]
    vectors = LexicalEmbedder(64).embed(texts)
    others = vectors @ vectors.T - np.eye(len(texts), dtype=np.float32) * 2
    assert float(others.max()) < 0.999  # no two texts are alike enough to stand in for each other
    shapes = ("user|None", "system,user|None")
    cache = SemanticCache(0.999)
    for number, text in enumerate(texts):
        cache.store(text, vectors[number], shapes[number % 2], str(number), f"answer {number}", "small")
    for number in (0, 1, 63, 64, 65, 127, 128, 149):
        own = cache.nearest(vectors[number], shapes[number % 2])
        assert own is not None
        assert own.source == str(number)
        assert cache.nearest(vectors[number], shapes[1 - number % 2]) is None


def test_the_same_words_are_served_only_to_prompts_of_their_own_shape() -> None:
    """The words of three prompts are alike; their max_tokens or roles are not: three calls, no hits.

    A near duplicate of each (same shape) then hits its own source, and one of a shape never answered misses.
    """
    near = similarity(NEAR_A, NEAR_B)
    assert near < 1.0  # not the same text: only the vector can find the near duplicates
    cfg = config(routing=FIXED, cache={"similarity": near - 0.01, "embedder": {"type": "lexical", "dimensions": 256}})
    prompts = [
        prompt(NEAR_A, 1, id="five", max_tokens=5),
        prompt(NEAR_A, 2, id="five-hundred", max_tokens=500),
        as_system(NEAR_A, 3),
    ]
    decisions, calls = run(cfg, prompts, lambda body: reply("Paris"))
    assert len(calls.bodies) == 3
    assert [decision.cache for decision in decisions] == [None, None, None]
    assert [body.get("max_tokens") for body in calls.bodies] == [5, 500, 50]  # 50: the small tier's own
    assert [body["messages"][0]["role"] for body in calls.bodies] == ["user", "user", "system"]

    near_duplicates = [
        *prompts,
        prompt(NEAR_B, 4, id="near-five-hundred", max_tokens=500),
        as_system(NEAR_B, 5),
        prompt(NEAR_B, 6, id="near-five", max_tokens=5),
        prompt(NEAR_B, 7, id="no-max-tokens"),  # a user message without max_tokens: no such prompt was answered
    ]
    decisions, calls = run(cfg, near_duplicates, lambda body: reply("Paris"))
    assert len(calls.bodies) == 4  # the first three and the last
    sources = [None if decision.cache is None else decision.cache.source for decision in decisions]
    assert sources == [None, None, None, "five-hundred", "3", "five", None]
    for decision in decisions[3:6]:
        assert decision.cache is not None
        assert decision.cache.similarity == pytest.approx(near, abs=1e-6)
        assert decision.attempts == ()
    assert calls.bodies[3]["messages"] == [{"role": "user", "content": NEAR_B}]
    assert calls.bodies[3]["max_tokens"] == 50
