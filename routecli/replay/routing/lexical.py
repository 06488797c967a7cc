"""A local lexical embedder: hashed word and character n-grams, so the embedding router works with no model.

The recipe, for each text:

1. Lowercase it.
2. Features, in three families:

   - words: every run of letters, digits and ``_`` (regex ``\\w+``);
   - word pairs: every two adjacent words, joined by a space;
   - character trigrams: every 3 characters of the lowercased text with
     whitespace runs collapsed to one space and a space added at each end
     (punctuation and symbols included, so code looks unlike prose).

3. Each feature weighs ``1 + ln(count in the text)`` (sublinear term frequency:
   a word said ten times is not ten times the topic).
4. Each family is scaled to unit length, so that the many trigrams of a text
   do not drown its words.
5. A feature goes to column ``h mod dimensions`` with sign ``-`` when bit 63 of
   ``h`` is set, where ``h`` is the 8-byte BLAKE2b digest (read little-endian)
   of its UTF-8 bytes (lone surrogates passed through), personalised by its
   family's name (``words``, ``pairs``, ``chars``). Signed hashing makes
   collisions cancel on average instead of piling up (as scikit-learn's
   ``HashingVectorizer``), and BLAKE2b is stable across processes, unlike
   Python's salted ``hash()``.
6. The row is scaled to unit length; a text with no features (empty or all
   whitespace) is the zero vector.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

__all__ = ["DEFAULT_DIMENSIONS", "LexicalEmbedder"]

DEFAULT_DIMENSIONS = 1024

_WORD = re.compile(r"\w+")
_FAMILIES = (b"words", b"pairs", b"chars")
"""BLAKE2b personalisation of each feature family, so that a word and a trigram spelled alike hash apart."""


class _Family:
    """The features of one family for a whole batch, flat: what the vectorised step needs."""

    def __init__(self) -> None:
        self.features: list[str] = []
        self.counts: list[int] = []
        self.rows: list[int] = []
        self.sizes: list[int] = []
        """How many distinct features each text in ``rows`` has."""

    def add(self, row: int, grams: Sequence[str]) -> None:
        if grams:
            counted = Counter(grams)
            self.features.extend(counted)
            self.counts.extend(counted.values())
            self.rows.append(row)
            self.sizes.append(len(counted))


class LexicalEmbedder:
    """Texts to L2-normalised float32 vectors of ``dimensions`` columns, deterministic and model-free."""

    def __init__(self, dimensions: int = DEFAULT_DIMENSIONS) -> None:
        if dimensions < 1:
            raise ValueError(f"dimensions must be at least 1, not {dimensions}")
        self.dimensions = dimensions

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """One row per text (see the module's docstring for the recipe)."""
        families = tuple(_Family() for _ in _FAMILIES)
        words, pairs, chars = families
        for row, text in enumerate(texts):
            lowered = text.lower()
            tokens = _WORD.findall(lowered)
            words.add(row, tokens)
            pairs.add(row, [f"{first} {second}" for first, second in pairwise(tokens)])
            collapsed = " ".join(lowered.split())
            if collapsed:
                padded = f" {collapsed} "
                chars.add(row, [padded[start : start + 3] for start in range(len(padded) - 2)])

        matrix = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for person, family in zip(_FAMILIES, families, strict=True):
            if family.features:
                self._scatter(matrix, person, family)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        np.divide(matrix, norms, out=matrix, where=norms > 0)
        return matrix

    def _scatter(self, matrix: NDArray[np.float32], person: bytes, family: _Family) -> None:
        """Add one family's weighted, per-text unit-length features into ``matrix``.

        Each distinct feature of the batch is hashed once; the rest is numpy.
        """
        distinct = dict.fromkeys(family.features)
        digests = b"".join(
            hashlib.blake2b(feature.encode("utf-8", "surrogatepass"), digest_size=8, person=person).digest()
            for feature in distinct
        )
        position = {feature: index for index, feature in enumerate(distinct)}
        indexes = np.fromiter(map(position.__getitem__, family.features), dtype=np.intp, count=len(family.features))
        hashes = np.frombuffer(digests, dtype="<u8")[indexes]
        columns = (hashes % np.uint64(self.dimensions)).astype(np.intp)
        signs = np.where(hashes >> np.uint64(63), -1.0, 1.0)

        weights = 1.0 + np.log(np.asarray(family.counts, dtype=np.float64))
        sizes = np.asarray(family.sizes, dtype=np.intp)
        segment = np.repeat(np.arange(len(sizes)), sizes)
        lengths = np.sqrt(np.bincount(segment, weights=weights * weights, minlength=len(sizes)))
        rows = np.repeat(np.asarray(family.rows, dtype=np.intp), sizes)
        # add.at on the flat view is several times faster than on (rows, columns)
        cells = rows * self.dimensions + columns
        np.add.at(matrix.reshape(-1), cells, (weights / lengths[segment] * signs).astype(np.float32))
