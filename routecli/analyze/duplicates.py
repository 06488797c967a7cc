"""Prompts that repeat: exactly (same text), nearly (MinHash over word shingles) or by a shared prefix. Pure.

Near repeats are approximate, by design: each prompt's set of word 3-grams (its
*shingles*; a prompt of fewer than three words is one shingle) is summarised by
``PERMUTATIONS`` MinHash values, and two prompts are near repeats when their
estimated Jaccard similarity (the share of equal MinHash values) is at least
``THRESHOLD``; a prompt is compared on its last ``MAX_WORDS`` words (a long shared
system prompt, which the prefix measure counts, does not make every request a near
repeat). Candidates come from locality-sensitive hashing: the signature is cut into
``BANDS`` bands of ``ROWS`` values and prompts sharing any band are compared; a pair
of Jaccard similarity ``s`` becomes a candidate with probability
``1 - (1 - s**ROWS)**BANDS`` (0.9998 at s = 0.8, 0.64 at s = 0.5). Each prompt is
compared with the earliest and the nearest earlier prompt of each band it shares.
Words are numbered by first appearance and the hash functions are seeded, so the
result is the same on every run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from itertools import count
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "BANDS",
    "MAX_WORDS",
    "NEAR_SAMPLE",
    "PERMUTATIONS",
    "ROWS",
    "SHINGLE_WORDS",
    "THRESHOLD",
    "NearMethod",
    "near_repeats",
    "repeat_count",
]

SHINGLE_WORDS = 3
PERMUTATIONS = 64
BANDS = 16
ROWS = PERMUTATIONS // BANDS
THRESHOLD = 0.8
NEAR_SAMPLE = 10_000
"""Near repeats are measured on a seeded uniform sample of at most this many prompts (exact repeats on all)."""
MAX_WORDS = 256
"""A prompt is compared on its last this many words: where requests differ (a system prompt comes first), and
the time stays bounded by the sample's size, not by prompt length."""
_SEED = 15
_BLOCK = 1_024
_TEXTS_PER_PASS = 4_096
"""Texts whose MinHash rows one pass computes (``_signatures``)."""
_MASK = (1 << 64) - 1


class NearMethod(NamedTuple):
    """How near repeats were measured (reported beside the share)."""

    shingle_words: int = SHINGLE_WORDS
    permutations: int = PERMUTATIONS
    bands: int = BANDS
    rows: int = ROWS
    threshold: float = THRESHOLD
    sampled: int = 0
    """How many prompts the share was measured on."""


def repeat_count(hashes: Sequence[int]) -> int:
    """How many of ``hashes`` equal an earlier one (the first of each value is not a repeat)."""
    return len(hashes) - len(set(hashes))


def near_repeats(texts: Sequence[str]) -> tuple[int, NearMethod]:
    """How many of ``texts`` nearly repeat an earlier one (exact repeats included), and the method's parameters."""
    method = NearMethod(sampled=len(texts))
    if len(texts) < 2:
        return 0, method
    import numpy as np

    signatures = _signatures(texts)
    near = np.zeros(len(texts), dtype=bool)
    order_index = np.arange(len(texts), dtype=np.int64)
    multipliers = np.random.default_rng(_SEED + 1).integers(1, 1 << 62, size=ROWS, dtype=np.uint64) | np.uint64(1)
    for band in range(BANDS):
        rows = signatures[:, band * ROWS : (band + 1) * ROWS]
        keys = (rows.astype(np.uint64) * multipliers).sum(axis=1, dtype=np.uint64)
        order = np.lexsort((order_index, keys))
        sorted_keys = keys[order]
        same = sorted_keys[1:] == sorted_keys[:-1]
        later = order[1:][same]
        if not len(later):
            continue
        previous = order[:-1][same]
        group_start = np.r_[True, ~same]  # where each run of equal keys begins, in sorted order
        first_position = np.maximum.accumulate(np.where(group_start, np.arange(len(order)), 0))
        earliest = order[first_position[1:][same]]
        for other in (previous, earliest):
            equal = (signatures[later] == signatures[other]).mean(axis=1)
            near[later[equal >= THRESHOLD]] = True
    return int(near.sum()), method


def _signatures(texts: Sequence[str]) -> NDArray[np.uint32]:
    """One row of ``PERMUTATIONS`` MinHash values per text.

    Texts go ``_TEXTS_PER_PASS`` at a time, the word numbers shared: the same rows as all at once, but the
    arrays of one pass are a few MB, reused, where all at once they were hundreds of MB touched for the first
    time (on this kind of machine, more than half the time went to the kernel's page faults).
    """
    import numpy as np

    words: defaultdict[str, int] = defaultdict(count().__next__)  # a new word gets the next number
    mixers = np.random.default_rng(_SEED).integers(1, 1 << 62, size=SHINGLE_WORDS, dtype=np.uint64) | np.uint64(1)
    rng = np.random.default_rng(_SEED + 2)
    # 32-bit hash functions x -> a·x + b mod 2**32 (a odd: each a permutation) of the well-mixed keys' high bits
    a = rng.integers(0, 1 << 32, size=PERMUTATIONS, dtype=np.uint32) | np.uint32(1)
    b = rng.integers(0, 1 << 32, size=PERMUTATIONS, dtype=np.uint32)
    signatures = np.empty((len(texts), PERMUTATIONS), dtype=np.uint32)
    for start in range(0, len(texts), _TEXTS_PER_PASS):
        part = texts[start : start + _TEXTS_PER_PASS]
        signatures[start : start + len(part)] = _pass(part, words.__getitem__, mixers, a, b)
    return signatures


def _pass(
    texts: Sequence[str],
    number: Callable[[str], int],
    mixers: NDArray[np.uint64],
    a: NDArray[np.uint32],
    b: NDArray[np.uint32],
) -> NDArray[np.uint32]:
    """The MinHash rows of some texts, their words numbered by ``number``."""
    import numpy as np

    ids: list[int] = []
    lengths = []
    for text in texts:
        tokens = text.lower().split()[-MAX_WORDS:]
        ids.extend(map(number, tokens))
        lengths.append(len(tokens))
    word_ids = np.asarray(ids, dtype=np.uint64)
    counts = np.asarray(lengths, dtype=np.int64)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    # shingle i of a text starts at word i; a text of n >= 3 words has n - 2, a shorter one a single shingle
    shingles_per_text = np.maximum(counts - (SHINGLE_WORDS - 1), 1)
    owner = np.repeat(np.arange(len(texts)), shingles_per_text)
    first_shingle = np.r_[0, np.cumsum(shingles_per_text)[:-1]]
    position = starts[owner] + (np.arange(len(owner)) - first_shingle[owner])
    padded = np.r_[word_ids, np.zeros(SHINGLE_WORDS, dtype=np.uint64)] + np.uint64(1)  # 0 marks "no word"
    key = np.zeros(len(owner), dtype=np.uint64)
    for offset in range(SHINGLE_WORDS):
        inside = offset < counts[owner]
        word = np.where(inside, padded[np.minimum(position + offset, len(padded) - 1)], np.uint64(0))
        key = (key ^ (word * mixers[offset])) * np.uint64(0x9E3779B97F4A7C15)
    key32 = (key >> np.uint64(32)).astype(np.uint32)
    signatures = np.empty((len(texts), PERMUTATIONS), dtype=np.uint32)
    # texts in blocks of about _BLOCK shingles: each block's shingles × hash functions stay in the CPU cache
    ends = np.searchsorted(np.cumsum(shingles_per_text), np.arange(_BLOCK, len(owner) + _BLOCK, _BLOCK), side="right")
    first = 0
    for last in np.unique(np.r_[np.maximum(ends, 1), len(texts)]).tolist():
        if last <= first:
            continue
        low, high = int(first_shingle[first]), int(first_shingle[last - 1] + shingles_per_text[last - 1])
        hashed = key32[low:high, None] * a
        hashed += b
        signatures[first:last] = np.minimum.reduceat(hashed, first_shingle[first:last] - low, axis=0)
        first = last
    return signatures
