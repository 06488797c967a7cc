"""A replay's measured spend per prompt scaled to a monthly volume, with a bootstrap interval. Pure.

``--project`` answers "what would this cost at production volume": the mean
spend per prompt times the requests in a month, exact in Decimal. How sure that
is depends on how many prompts were measured and how much their costs vary, so
a percentile bootstrap over prompts gives a 95% interval: ``RESAMPLES`` times,
as many prompts as were replayed are drawn with replacement (seed
``SEED``, so the same log gives the same interval) and their mean taken; the
2.5th and 97.5th percentiles of those means, times the volume, are ``low`` and
``high``. The resampling is of each prompt's difference from the exact mean, in
float64; an end is that mean plus the shift, times the volume, handed back as
``Decimal(repr(x))`` as ``simulate --samples`` does. The centre stays exact,
equal costs have no spread at all (both ends are the exact centre), and the
interval never ends beyond the centre or below zero.

A prompt's spend is every call made for it (answers, escalations, judge calls,
its embeddings); the one-off embedding of a router's exemplars, paid once per
run whatever its volume, is left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from routecli.errors import InvalidValueError

__all__ = [
    "CONFIDENCE",
    "DAYS_PER_MONTH",
    "RESAMPLES",
    "SEED",
    "Projection",
    "parse_volume",
    "project",
]

RESAMPLES = 10_000
"""Bootstrap resamples of the prompts."""
SEED = 0
CONFIDENCE = 0.95
DAYS_PER_MONTH = Decimal(30)
"""A day is 1/30 of a month, as a scenario's ``requests_per_day`` is by default."""

_CELLS = 1 << 22
"""Indices drawn at once: bounds the bootstrap's memory whatever the number of prompts."""
_SCALE = {"": Decimal(1), "k": Decimal(1000), "m": Decimal(1_000_000), "b": Decimal(1_000_000_000)}
_PERIOD = {"": Decimal(1), "month": Decimal(1), "mo": Decimal(1), "day": DAYS_PER_MONTH}
_VOLUME = re.compile(r"\s*([0-9][0-9_,]*(?:\.[0-9]+)?)\s*([kmb]?)\s*(?:/\s*(month|mo|day))?\s*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Projection:
    """The measured spend per prompt at ``requests_per_month``, and its bootstrap 95% interval."""

    requests_per_month: Decimal
    prompts: int
    """Prompts the projection rests on: every prompt of the report."""
    spend_per_prompt: Decimal
    monthly_spend: Decimal
    low: Decimal
    high: Decimal


def parse_volume(text: str) -> Decimal:
    """Requests per month from ``3000000``, ``3M``, ``3m``, ``100k/day`` or ``2.5M/month`` (exact)."""
    match = _VOLUME.fullmatch(text)
    if match is None:
        raise InvalidValueError(
            f"expected requests per month such as 3000000, 3M, 100k/day or 2.5M/month, got {text!r}"
        )
    number, scale, period = match.groups()
    try:
        value = Decimal(number.replace("_", "").replace(",", ""))
    except InvalidOperation:
        raise InvalidValueError(f"expected a number of requests, got {text!r}") from None
    volume = value * _SCALE[scale.lower()] * _PERIOD[(period or "").lower()]
    if volume <= 0:
        raise InvalidValueError(f"expected more than 0 requests per month, got {text!r}")
    return volume.quantize(Decimal(1)) if volume == volume.to_integral_value() else volume


def project(prompt_spend: Sequence[Decimal], requests_per_month: Decimal) -> Projection | None:
    """``prompt_spend`` (one figure per prompt, in a fixed order) scaled to the volume; None without prompts."""
    count = len(prompt_spend)
    if not count:
        return None
    import numpy as np

    total = sum(prompt_spend, Decimal(0))
    mean = total / count
    # resampled around the exact mean: the spread is float64, the centre (and equal costs' zero spread) exact
    deviations = np.array([float(spend - mean) for spend in prompt_spend], dtype=np.float64)
    rng = np.random.default_rng(SEED)
    shifts = np.empty(RESAMPLES, dtype=np.float64)
    rows = max(1, _CELLS // count)
    for start in range(0, RESAMPLES, rows):
        stop = min(start + rows, RESAMPLES)
        shifts[start:stop] = deviations[rng.integers(0, count, size=(stop - start, count))].mean(axis=1)
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(shifts, [tail, 100 - tail]).tolist()
    monthly = total * requests_per_month / count
    return Projection(
        requests_per_month=requests_per_month,
        prompts=count,
        spend_per_prompt=mean,
        monthly_spend=monthly,
        low=_end(monthly, float(mean), min(float(low), 0.0), float(requests_per_month)),
        high=_end(monthly, float(mean), max(float(high), 0.0), float(requests_per_month)),
    )


def _end(monthly: Decimal, mean: float, shift: float, volume: float) -> Decimal:
    """One end of the interval: the exact centre when the resampled means do not move from it, else the float64
    estimate (never below 0)."""
    return monthly if not shift else Decimal(repr(max((mean + shift) * volume, 0.0)))
