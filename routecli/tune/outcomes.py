"""Logged outcomes: per prompt and per model, how good the answer was and what it cost. Pure.

What ``routecli tune`` and ``routecli evaluate`` work from. Columnar (numpy
arrays, a row per prompt and a column per model) because a log can hold
millions of prompts and every threshold curve is a handful of vectorised passes over it.
The readers in ``routecli.tune.readers`` build it from routecli's own JSONL,
replay decision logs, RouterBench CSV and RouteLLM CSV; every prompt they keep
has an outcome for every model, so the figures never handle gaps. A RouterBench
file's gaps are kept apart (``Cells``) for the one figure that averages over
them: RouterBench's own per-model means.

Costs are float USD, as the benchmarks publish them, summed with numpy (a
threshold curve's running totals with its cumulative sums): relative error ~1e-16, far
below anything displayed; JSON reports carry the floats as computed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from routecli.errors import InvalidValueError

__all__ = ["Cells", "Outcomes"]


@dataclass(frozen=True, eq=False)
class Cells:
    """Every prompt a RouterBench file holds, gaps kept: ``quality`` and ``cost`` (prompts × models) NaN where the
    cell was empty.

    routecli's figures use only the prompts every model answered
    (``Outcomes.quality``), so that models compare on the same prompts;
    RouterBench's code (``evaluate_routers.py``: ``groupby(...).agg({"is_correct":
    "mean", "total_cost": "sum"})``, which skips NaN) gives each model's mean and
    total over that model's own non-empty cells, which ``model_means`` reproduces.
    """

    ids: tuple[str, ...]
    quality: NDArray[np.float64]
    cost: NDArray[np.float64]

    def without(self, ids: Collection[str]) -> Cells:
        """These cells without the prompts ``ids`` (``evaluate --exclude``)."""
        kept = np.array([key not in ids for key in self.ids], dtype=bool)
        return Cells(tuple(key for key in self.ids if key not in ids), self.quality[kept], self.cost[kept])

    def model_means(self) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.intp]]:
        """Each model's mean quality over its non-empty quality cells (NaN with none), its total cost over its
        non-empty cost cells, and how many quality cells it has."""
        present = ~np.isnan(self.quality)
        counts: NDArray[np.intp] = present.sum(axis=0)
        sums = np.where(present, self.quality, 0.0).sum(axis=0)
        means: NDArray[np.float64] = np.divide(sums, counts, out=np.full(len(counts), np.nan), where=counts > 0)
        totals: NDArray[np.float64] = np.where(np.isnan(self.cost), 0.0, self.cost).sum(axis=0)
        return means, totals, counts


@dataclass(frozen=True, eq=False)
class Outcomes:
    """``quality[p, m]`` in [0, 1] and ``cost[p, m]`` in USD of model ``models[m]`` on prompt ``ids[p]``.

    ``score`` is a router's score per prompt (higher: the prompt needs a
    stronger model), ``confidence[p, m]`` how sure model ``m``'s answer looked
    (higher: surer; a cascade accepts above a threshold); NaN where unknown.
    ``skipped`` counts the rows the reader left out, by reason; ``cells`` (RouterBench
    CSV only) every row read, gaps kept, for RouterBench's per-model means.
    """

    ids: tuple[str, ...]
    models: tuple[str, ...]
    quality: NDArray[np.float64]
    cost: NDArray[np.float64]
    texts: tuple[str, ...] | None = None
    score: NDArray[np.float64] | None = None
    confidence: NDArray[np.float64] | None = None
    source: str = ""
    skipped: Mapping[str, int] = field(default_factory=dict)
    cells: Cells | None = None

    def __post_init__(self) -> None:
        shape = (len(self.ids), len(self.models))
        for name in ("quality", "cost", "confidence"):
            array = getattr(self, name)
            if array is not None and array.shape != shape:
                raise self.invalid(f"{name} has shape {array.shape}, expected {shape} (prompts × models)")
        if self.score is not None and self.score.shape != (len(self.ids),):
            raise self.invalid(f"score has shape {self.score.shape}, expected ({len(self.ids)},)")
        if self.texts is not None and len(self.texts) != len(self.ids):
            raise self.invalid(f"{len(self.texts)} texts for {len(self.ids)} prompts")

    def invalid(self, message: str) -> InvalidValueError:
        """An error about these outcomes as a whole, naming the files they came from."""
        return InvalidValueError(message, source=self.source or None)

    def too_few(self, message: str) -> InvalidValueError:
        """Too few prompts: says why, with the rows the reader skipped by reason (as ``tune`` does)."""
        rows = ", ".join(f"{reason} {count:,}" for reason, count in self.skipped.items())
        return self.invalid(message + (f" (rows skipped: {rows})" if rows else ""))

    @property
    def prompts(self) -> int:
        return len(self.ids)

    def column(self, model: str, option: str | None = None) -> int:
        """The column of ``model``; ``InvalidValueError`` naming the models there are (and ``option``, the
        command-line option that named the model)."""
        if model in self.models:
            return self.models.index(model)
        raise InvalidValueError(
            f"no model {model!r} in the outcomes (models: {', '.join(self.models)})", path=(option,) if option else ()
        )

    def mean_quality(self) -> NDArray[np.float64]:
        """Each model's mean quality: the share it got right, for 0/1 outcomes."""
        if not self.prompts:
            return np.full(len(self.models), np.nan)
        means: NDArray[np.float64] = self.quality.mean(axis=0)
        return means

    def total_cost(self) -> NDArray[np.float64]:
        """Each model's cost over every prompt."""
        totals: NDArray[np.float64] = self.cost.sum(axis=0)
        return totals

    def take(self, rows: Sequence[int] | NDArray[np.intp]) -> Outcomes:
        """The outcomes of the prompts at ``rows`` (a holdout split, a bootstrap resample)."""
        index = np.asarray(rows, dtype=np.intp)
        return Outcomes(
            ids=tuple(self.ids[i] for i in index),
            models=self.models,
            quality=self.quality[index],
            cost=self.cost[index],
            texts=None if self.texts is None else tuple(self.texts[i] for i in index),
            score=None if self.score is None else self.score[index],
            confidence=None if self.confidence is None else self.confidence[index],
            source=self.source,
        )
