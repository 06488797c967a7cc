"""Repeats: exact counts, and the MinHash estimate's error on a labelled set of near and distinct pairs."""

from __future__ import annotations

import random

import pytest

from routecli.analyze import duplicates
from routecli.analyze.duplicates import near_repeats, repeat_count

_WORDS = [f"word{i}" for i in range(3000)]


def _text(rng: random.Random, words: int = 80) -> list[str]:
    return [rng.choice(_WORDS) for _ in range(words)]


def _jaccard(a: list[str], b: list[str]) -> float:
    first = {tuple(a[i : i + 3]) for i in range(len(a) - 2)}
    second = {tuple(b[i : i + 3]) for i in range(len(b) - 2)}
    return len(first & second) / len(first | second)


def test_exact_repeats_count_every_occurrence_after_the_first() -> None:
    assert repeat_count([1, 2, 1, 1, 3, 2]) == 3
    assert repeat_count([]) == 0


def test_no_pair_or_one_text_has_no_near_repeat() -> None:
    assert near_repeats([])[0] == 0
    assert near_repeats(["alone"])[0] == 0


def test_identical_texts_are_near_repeats_and_the_first_is_not() -> None:
    count, method = near_repeats(["same words here again", "other text entirely here", "same words here again"])
    assert count == 1
    assert method.sampled == 3


def test_the_estimate_on_a_labelled_set_of_pairs() -> None:
    """200 near pairs (one word of 80 changed: Jaccard of 3-word shingles ≥ 0.9), 200 borderline pairs (two words:
    about 0.86) and 200 distinct pairs (Jaccard < 0.2), against the 0.8 threshold: at least 98 % of near pairs
    found, at least 80 % of borderline ones (64 MinHash values estimate a Jaccard of 0.86 within ±0.044, one
    standard deviation), at most 1 % of distinct pairs taken for near."""
    rng = random.Random(7)
    found_near = found_borderline = found_distinct = 0
    for _ in range(200):
        first = _text(rng)
        near = list(first)
        where = rng.randrange(5, 35)
        near[where] = "changed"
        assert _jaccard(first, near) >= 0.9
        found_near += near_repeats([" ".join(first), " ".join(near)])[0]
        borderline = list(near)
        borderline[where + 40] = "again"  # far from the first change: three more shingles differ
        assert 0.8 <= _jaccard(first, borderline) < 0.9
        found_borderline += near_repeats([" ".join(first), " ".join(borderline)])[0]
        other = first[:10] + _text(rng, 70)  # a shared opening, then different
        assert _jaccard(first, other) < 0.2
        found_distinct += near_repeats([" ".join(first), " ".join(other)])[0]
    assert found_near >= 196
    assert found_borderline >= 160
    assert found_distinct <= 2


@pytest.mark.parametrize("threshold_pair", [(0.5, 0.05)])
def test_pairs_well_below_the_threshold_are_rarely_taken(threshold_pair: tuple[float, float]) -> None:
    """Pairs of Jaccard about 0.5 (half the text changed) fall under the 0.8 threshold almost always."""
    similarity, most = threshold_pair
    rng = random.Random(3)
    taken = 0
    for _ in range(100):
        first = _text(rng, 100)
        second = first[:60] + _text(rng, 40)
        assert _jaccard(first, second) <= similarity + 0.1
        taken += near_repeats([" ".join(first), " ".join(second)])[0]
    assert taken <= 100 * most


def test_signatures_do_not_depend_on_how_many_texts_a_pass_takes(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(11)
    vocabulary = [f"w{index}" for index in range(300)]
    texts = [" ".join(rng.choices(vocabulary, k=rng.randint(0, 40))) for _ in range(200)]
    whole = duplicates._signatures(texts)
    monkeypatch.setattr(duplicates, "_TEXTS_PER_PASS", 7)
    assert (duplicates._signatures(texts) == whole).all()
