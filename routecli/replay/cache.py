"""The replay's semantic cache: a prompt close enough to one already answered gets that answer, with no call.

Exact repeats (after collapsing whitespace) hit without being
embedded; others are compared, by the vector the engine embedded them as,
with every stored prompt of the same shape (roles and max_tokens, which the
vector leaves out) by cosine similarity. Vectors are unit length, so the
cosine is a dot product; each shape's live in one matrix that doubles as it
fills, so a lookup is one matrix-vector product over that shape's prompts.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

__all__ = ["Hit", "SemanticCache", "normalise"]

_INITIAL_ROWS = 64


class Hit(NamedTuple):
    """A stored answer served again, and which prompt it was stored for."""

    source: str
    similarity: float
    answer: str
    final_tier: str


class _Entry(NamedTuple):
    decision_id: str
    answer: str
    final_tier: str


def normalise(text: str) -> str:
    """The exact-match key: whitespace runs collapsed to one space, ends trimmed (case kept: it can matter)."""
    return " ".join(text.split())


class _Rows:
    """One shape's vectors, a row per stored prompt, and which entry each row is."""

    def __init__(self, width: int) -> None:
        self.vectors = np.zeros((_INITIAL_ROWS, width), dtype=np.float32)
        self.entries: list[int] = []

    def add(self, vector: NDArray[np.float32], entry: int) -> None:
        count = len(self.entries)
        if count == len(self.vectors):
            grown = np.zeros((2 * count, self.vectors.shape[1]), dtype=np.float32)
            grown[:count] = self.vectors
            self.vectors = grown
        self.vectors[count] = vector
        self.entries.append(entry)


class SemanticCache:
    """Answers by prompt, looked up by exact text first, then by a vector's similarity ≥ ``similarity``.

    Vectors come from the caller (the lexical vectorizer or an endpoint); only
    prompts of the same shape compete, since an answer must fit the request:
    the same words as a system message, or with a smaller max_tokens, would
    otherwise match at similarity 1.0.
    """

    def __init__(self, similarity: float) -> None:
        self.similarity = similarity
        self._entries: list[_Entry] = []
        self._exact: dict[str, int] = {}
        self._rows: dict[str, _Rows] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def exact(self, text: str) -> Hit | None:
        """The answer stored for the same text (after ``normalise``), with similarity 1.0."""
        index = self._exact.get(normalise(text))
        return None if index is None else self._hit(index, 1.0)

    def nearest(self, vector: NDArray[np.float32], shape: str) -> Hit | None:
        """The answer of the stored ``shape`` prompt most similar to ``vector`` (unit length), if similar enough."""
        rows = self._rows.get(shape)
        if rows is None:
            return None
        count = len(rows.entries)  # read once: rows stored meanwhile (from another thread) are not looked at
        scores = rows.vectors[:count] @ vector
        best = int(np.argmax(scores))
        similarity = float(scores[best])
        return self._hit(rows.entries[best], similarity) if similarity >= self.similarity else None

    def store(
        self,
        text: str,
        vector: NDArray[np.float32],
        shape: str,
        decision_id: str,
        answer: str,
        final_tier: str,
    ) -> None:
        """Remember an accepted answer; the first answer stored for a text is the one served."""
        key = normalise(text)
        if key in self._exact:
            return
        index = len(self._entries)
        self._entries.append(_Entry(decision_id, answer, final_tier))
        rows = self._rows.get(shape)
        if rows is None:
            rows = self._rows[shape] = _Rows(len(vector))
        rows.add(vector, index)
        self._exact[key] = index

    def _hit(self, index: int, similarity: float) -> Hit:
        entry = self._entries[index]
        return Hit(entry.decision_id, similarity, entry.answer, entry.final_tier)
