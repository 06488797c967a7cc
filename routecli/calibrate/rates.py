"""A measured rate and a measured mean, each with its sample size and 95% interval. Pure.

Rates get Wilson's score interval: unlike the normal approximation it stays
inside 0–1 and keeps its coverage at 0 or n successes and for small n, which is
what a calibration of 20 prompts meets. Means (token counts, latencies) get the
normal interval, mean ± 1.96 · sd / √n.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

__all__ = ["Z95", "Mean", "Rate", "exact"]

Z95 = 1.959963984540054
"""The standard normal's 97.5th percentile: two-sided 95%."""
PLACES = Decimal("1e-12")


def exact(value: Decimal) -> Decimal:
    """``value`` to 12 decimal places: a quotient like 1/3 written in a file, far below any figure shown."""
    return value.quantize(PLACES).normalize() if value else Decimal(0)


class Rate(NamedTuple):
    """``successes`` of ``n``."""

    successes: int
    n: int

    @property
    def value(self) -> Decimal:
        return exact(Decimal(self.successes) / self.n)

    def interval(self) -> tuple[float, float]:
        """Wilson's 95% score interval."""
        p, n, z = self.successes / self.n, self.n, Z95
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        return max(centre - half, 0.0), min(centre + half, 1.0)


class Mean(NamedTuple):
    """The mean of ``n`` observations (exact), with their standard deviation."""

    value: Decimal
    n: int
    sd: float

    @classmethod
    def of(cls, values: Sequence[Decimal | int | float]) -> Mean:
        numbers = [Decimal(repr(value)) if isinstance(value, float) else Decimal(value) for value in values]
        mean = sum(numbers, Decimal(0)) / len(numbers)
        spread = 0.0
        if len(numbers) > 1:
            spread = math.sqrt(
                float(sum(((number - mean) ** 2 for number in numbers), Decimal(0))) / (len(numbers) - 1)
            )
        return cls(exact(mean), len(numbers), spread)

    def interval(self) -> tuple[float, float]:
        """The normal 95% interval of the mean (never below 0: counts and times are not negative)."""
        half = Z95 * self.sd / math.sqrt(self.n)
        return max(float(self.value) - half, 0.0), float(self.value) + half
