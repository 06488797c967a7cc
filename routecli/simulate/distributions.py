"""Token counts per segment: fixed, normal, lognormal or observed. Pure; numpy only when sampling.

The cost model needs only a few moments of each distribution: the means, and —
for models that bill long prompts at higher rates — how much of the mean lies
above the long-context threshold. Monte Carlo draws from the same distributions,
so its mean converges on the analytic one.

Counts are continuous here (a draw of 812.4 tokens is billed as 812.4): rounding
would shift the mean by up to half a token and break that agreement.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from decimal import Decimal
from itertools import accumulate
from typing import TYPE_CHECKING, NamedTuple, Protocol

from routecli.pricing.prices import TokenMeans, TokenTail

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "Empirical",
    "Fixed",
    "Independent",
    "LogNormal",
    "Normal",
    "Spread",
    "TokenProfile",
    "lognormal_sigma",
]

ZERO = Decimal(0)
ONE = Decimal(1)
Z95 = 1.6448536269514722  # the standard normal's 95th percentile
_SQRT2 = math.sqrt(2.0)


def _cdf(z: float) -> float:
    """Standard normal CDF."""
    return 0.5 * math.erfc(-z / _SQRT2)


def _pdf(z: float) -> float:
    return math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def _dec(value: float) -> Decimal:
    return Decimal(repr(value))


class Spread(Protocol):
    """One token count's distribution."""

    @property
    def mean(self) -> Decimal: ...

    def tail(self, threshold: Decimal) -> tuple[Decimal, Decimal]:
        """P(X > threshold) and E[X · 1{X > threshold}]."""
        ...

    def sample(self, rng: np.random.Generator, size: int) -> NDArray[np.float64]: ...


class Fixed(NamedTuple):
    """Every request has the same count."""

    value: Decimal

    @property
    def mean(self) -> Decimal:
        return self.value

    def tail(self, threshold: Decimal) -> tuple[Decimal, Decimal]:
        return (ONE, self.value) if self.value > threshold else (ZERO, ZERO)

    def sample(self, rng: np.random.Generator, size: int) -> NDArray[np.float64]:
        import numpy as np

        return np.full(size, float(self.value))


class Normal(NamedTuple):
    """A normal distribution clipped at 0 (a negative draw is an empty text: 0 tokens).

    ``mean`` is the clipped distribution's mean, which differs from ``center`` only
    when the normal reaches noticeably below zero.
    """

    center: Decimal
    sd: Decimal

    @property
    def negative_share(self) -> float:
        """P(a draw is clipped to 0)."""
        return _cdf(-float(self.center) / float(self.sd)) if self.sd else 0.0

    @property
    def mean(self) -> Decimal:
        if not self.sd or self.negative_share < 1e-17:
            return self.center
        return self.tail(ZERO)[1]

    def tail(self, threshold: Decimal) -> tuple[Decimal, Decimal]:
        if not self.sd:
            return Fixed(self.center).tail(threshold)
        mu, sd = float(self.center), float(self.sd)
        z = (float(threshold) - mu) / sd
        above = 1.0 - _cdf(z)
        return _dec(above), _dec(mu * above + sd * _pdf(z))

    def sample(self, rng: np.random.Generator, size: int) -> NDArray[np.float64]:
        draws: NDArray[np.float64] = rng.normal(float(self.center), float(self.sd), size)
        return draws.clip(0.0, None)


def lognormal_sigma(mean: Decimal, p95: Decimal) -> float | None:
    """σ of the lognormal with this mean and 95th percentile; None if there is none.

    ln p95 − ln mean = 1.645σ − σ²/2, whose smaller root exists while
    p95/mean ≤ e^(1.645²/2) ≈ 3.868; the larger root (σ > 1.645) is a distribution
    so skewed that its p95 lies below its mean, which token counts never are.
    """
    if mean <= 0 or p95 <= mean:
        return None
    gap = math.log(float(p95) / float(mean))
    disc = Z95 * Z95 - 2.0 * gap
    if disc < 0:
        return None
    return Z95 - math.sqrt(disc)


class LogNormal(NamedTuple):
    """A lognormal given by its mean and 95th percentile: the usual shape of prompt lengths."""

    mean: Decimal
    p95: Decimal
    sigma: float

    @property
    def mu(self) -> float:
        return math.log(float(self.mean)) - self.sigma * self.sigma / 2.0

    def tail(self, threshold: Decimal) -> tuple[Decimal, Decimal]:
        if threshold <= 0:
            return ONE, self.mean
        log_t = math.log(float(threshold))
        above = 1.0 - _cdf((log_t - self.mu) / self.sigma)
        partial = float(self.mean) * (1.0 - _cdf((log_t - self.mu - self.sigma * self.sigma) / self.sigma))
        return _dec(above), _dec(partial)

    def sample(self, rng: np.random.Generator, size: int) -> NDArray[np.float64]:
        draws: NDArray[np.float64] = rng.lognormal(self.mu, self.sigma, size)
        return draws


class TokenProfile(TokenMeans, Protocol):
    """A segment's prompt and output counts, jointly: the means pricing needs, and draws for Monte Carlo."""

    def sample(self, rng: np.random.Generator, size: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]: ...


class Independent(NamedTuple):
    """Prompt and output counts drawn independently, each from its own distribution."""

    input: Spread
    output: Spread

    @property
    def input_mean(self) -> Decimal:
        return self.input.mean

    @property
    def output_mean(self) -> Decimal:
        return self.output.mean

    def long_tail(self, threshold: Decimal) -> TokenTail:
        share, tokens = self.input.tail(threshold)
        return TokenTail(share, tokens, share * self.output.mean)

    def sample(self, rng: np.random.Generator, size: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return self.input.sample(rng, size), self.output.sample(rng, size)


class Empirical:
    """Observed (input, output) pairs, e.g. from request logs; each pair is equally likely.

    Pairs stay together, so a long prompt keeps its own answer length. Exact:
    the moments are sums of the observed counts.
    """

    __slots__ = ("_input_sums", "_inputs", "_output_sums", "_outputs", "source")

    def __init__(self, pairs: Sequence[tuple[int, int]], source: str) -> None:
        if not pairs:
            raise ValueError("an empirical distribution needs at least one observation")
        ordered = sorted(pairs)
        self._inputs = [pair[0] for pair in ordered]
        self._outputs = [pair[1] for pair in ordered]
        # Suffix sums: index i holds the total over pairs i.. (by ascending input).
        self._input_sums = list(accumulate(reversed(self._inputs), initial=0))[::-1]
        self._output_sums = list(accumulate(reversed(self._outputs), initial=0))[::-1]
        self.source = source

    def __len__(self) -> int:
        return len(self._inputs)

    @property
    def input_mean(self) -> Decimal:
        return Decimal(self._input_sums[0]) / len(self)

    @property
    def output_mean(self) -> Decimal:
        return Decimal(self._output_sums[0]) / len(self)

    def long_tail(self, threshold: Decimal) -> TokenTail:
        first = bisect_right(self._inputs, threshold)
        count = len(self)
        return TokenTail(
            Decimal(count - first) / count,
            Decimal(self._input_sums[first]) / count,
            Decimal(self._output_sums[first]) / count,
        )

    def sample(self, rng: np.random.Generator, size: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        import numpy as np

        picks = rng.integers(0, len(self), size)
        return (
            np.asarray(self._inputs, dtype=np.float64)[picks],
            np.asarray(self._outputs, dtype=np.float64)[picks],
        )
