"""The local lexical embedder: the documented recipe, determinism across processes, normalisation, speed."""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import re
import subprocess
import sys
import time
from collections import Counter

import numpy as np
import pytest

from routecli.replay.routing.lexical import LexicalEmbedder


def reference(text: str, dimensions: int) -> np.ndarray:
    """The recipe in routecli.replay.routing.lexical's docstring, written out plainly, one feature at a time."""
    lowered = text.lower()
    words = re.findall(r"\w+", lowered)
    pairs = [f"{a} {b}" for a, b in itertools.pairwise(words)]
    collapsed = " ".join(lowered.split())
    padded = f" {collapsed} " if collapsed else ""
    trigrams = [padded[i : i + 3] for i in range(len(padded) - 2)]
    vector = np.zeros(dimensions)
    for person, grams in ((b"words", words), (b"pairs", pairs), (b"chars", trigrams)):
        weights = {gram: 1 + math.log(count) for gram, count in Counter(grams).items()}
        length = math.sqrt(sum(weight * weight for weight in weights.values()))
        for gram, weight in weights.items():
            digest = hashlib.blake2b(gram.encode("utf-8"), digest_size=8, person=person).digest()
            hashed = int.from_bytes(digest, "little")
            vector[hashed % dimensions] += (-1 if hashed >> 63 else 1) * weight / length
    norm = np.linalg.norm(vector)
    return vector / norm if norm else vector


TEXTS = [
    "How do I reverse a list in Python?",
    "the the the cat",  # repeated words: sublinear tf
    "Café naïve — ÜBER straße!",  # Unicode words and case
    "def f(x):\n    return x  ",  # code, whitespace runs
    "a",
]


@pytest.mark.parametrize("dimensions", [1024, 7])
def test_vectors_follow_the_documented_recipe(dimensions: int) -> None:
    got = LexicalEmbedder(dimensions).embed(TEXTS)
    assert got.shape == (len(TEXTS), dimensions)
    assert got.dtype == np.float32
    for row, text in zip(got, TEXTS, strict=True):
        np.testing.assert_allclose(row, reference(text, dimensions), atol=1e-6)


def test_a_single_character_is_one_word_and_one_trigram_each_half_the_weight() -> None:
    # "a": the word "a" and the trigram " a ", each alone in its family so weight 1, then normalised together
    vector = LexicalEmbedder(1 << 20).embed(["a"])[0]  # wide enough that the two do not collide
    assert np.count_nonzero(vector) == 2
    np.testing.assert_allclose(np.sort(np.abs(vector[vector != 0])), [1 / math.sqrt(2)] * 2, rtol=1e-6)


def test_rows_are_unit_length_and_empty_text_is_the_zero_vector() -> None:
    vectors = LexicalEmbedder().embed(["", "hello there", "   \n\t ", "???"])
    norms = np.linalg.norm(vectors, axis=1)
    np.testing.assert_allclose(norms, [0, 1, 0, 1], atol=1e-6)
    assert not vectors[0].any()
    assert not vectors[2].any()


def test_a_lone_surrogate_from_json_is_hashed_not_an_error() -> None:
    vector = LexicalEmbedder().embed([json.loads('"broken \\ud800 text"')])[0]
    assert np.linalg.norm(vector) == pytest.approx(1, abs=1e-6)


def test_no_texts_make_an_empty_matrix() -> None:
    assert LexicalEmbedder(32).embed([]).shape == (0, 32)


def test_case_does_not_matter() -> None:
    upper, lower = LexicalEmbedder().embed(["HELLO World", "hello world"])
    np.testing.assert_array_equal(upper, lower)


def test_a_text_embeds_the_same_alone_as_in_a_batch() -> None:
    embedder = LexicalEmbedder()
    batch = embedder.embed([*TEXTS, "another prompt about lists in Python"])
    for index, text in enumerate(TEXTS):
        np.testing.assert_array_equal(embedder.embed([text])[0], batch[index])


def test_the_same_text_gives_the_same_vector_in_another_process() -> None:
    """Python's hash() is salted per process; the embedder must not depend on it."""
    here = LexicalEmbedder().embed(TEXTS).tobytes().hex()
    code = (
        "import sys, json; from routecli.replay.routing.lexical import LexicalEmbedder; "
        "print(LexicalEmbedder().embed(json.loads(sys.stdin.read())).tobytes().hex())"
    )
    for seed in ("1", "2"):
        there = subprocess.run(
            [sys.executable, "-c", code],
            input=json.dumps(TEXTS),
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout.strip()
        assert there == here


def test_similar_prompts_score_higher_than_unrelated_ones() -> None:
    query, close, far = LexicalEmbedder().embed(
        [
            "How do I reverse a list in Python?",
            "how can I reverse a python list",
            "What is the capital city of France?",
        ]
    )
    assert float(query @ close) > float(query @ far) + 0.3


def test_dimensions_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        LexicalEmbedder(0)


def test_ten_thousand_short_prompts(record_property: pytest.RecordProperty) -> None:
    """Speed sanity, not a timed assertion: the figure is recorded (and printed with -s)."""
    topics = ["python", "invoice", "weather", "recipe", "contract", "physics", "poem", "sql", "travel", "tax"]
    verbs = ["explain", "summarise", "fix", "write", "compare", "translate", "list", "draft"]
    prompts = [
        f"Please {verbs[i % 8]} the {topics[i % 10]} notes #{i} for me, with {i % 7 + 1} examples?"
        for i in range(10000)
    ]
    began = time.perf_counter()
    vectors = LexicalEmbedder().embed(prompts)
    elapsed = time.perf_counter() - began
    record_property("lexical_embed_10000_s", round(elapsed, 3))
    print(f"\nLexicalEmbedder: 10,000 prompts in {elapsed:.3f} s")
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
