"""Retries, cool-downs and rate limits: the policy side of talking to flaky, rate-limited endpoints.

Pure logic and asyncio primitives, no HTTP. Every time source is injectable
(``clock`` and ``sleep``) so the behaviour is testable without waiting.
"""

from __future__ import annotations

import asyncio
import math
import random
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import NamedTuple

__all__ = [
    "RETRYABLE_KINDS",
    "RETRYABLE_STATUSES",
    "RETRY_AFTER_CAP_S",
    "Cooldown",
    "RateLimits",
    "RetryPolicy",
    "TokenBucket",
    "is_context_length_error",
    "parse_retry_after",
    "retryable",
]

RETRY_AFTER_CAP_S = 300.0  # a Retry-After of hours (or a typo) must not park a replay: wait at most this

RETRYABLE_KINDS = frozenset({"timeout", "connect", "malformed"})
# 408 and 409 are retried as OpenAI's and Anthropic's own SDKs do (request timeout, lock timeout);
# 529 is Anthropic's "overloaded". 501 and other 4xx are final: the same request gets the same answer.
RETRYABLE_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 529})


class RetryPolicy(NamedTuple):
    """How often and how long to wait before trying a failed request again."""

    max_attempts: int = 4  # tries in all, the first included
    initial_backoff_s: float = 1.0
    max_backoff_s: float = 30.0
    multiplier: float = 2.0

    def delay(self, retry: int, rng: random.Random, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``retry`` (1 for the first retry).

        "Full jitter": uniform between 0 and the exponential backoff (capped at
        ``max_backoff_s``), so workers that failed together do not come back
        together. When the server sent Retry-After, the wait is at least that,
        though never more than ``RETRY_AFTER_CAP_S`` (300 s) on its account.
        """
        if retry < 1:
            raise ValueError(f"retry counts from 1, got {retry}")
        try:
            ceiling = min(self.max_backoff_s, self.initial_backoff_s * self.multiplier ** (retry - 1))
        except OverflowError:  # far past the cap anyway
            ceiling = self.max_backoff_s
        jittered = rng.uniform(0.0, ceiling)
        if retry_after is None:
            return jittered
        return max(jittered, min(max(retry_after, 0.0), RETRY_AFTER_CAP_S))


def retryable(kind: str, status: int | None) -> bool:
    """Whether a failure (a ``ProviderError``'s kind and status) may go away if the request is sent again."""
    if kind in RETRYABLE_KINDS:
        return True
    return kind == "http" and status in RETRYABLE_STATUSES


_DELTA_SECONDS = re.compile(r"\d+(?:\.\d+)?")  # RFC 7231 says whole seconds; some servers send fractions


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds a Retry-After header asks to wait: delta-seconds or an HTTP-date; None when absent or unreadable.

    A date in the past means 0. HTTP-dates are GMT, so a date without a zone
    (the asctime form) and a naive ``now`` are both read as UTC.
    """
    if value is None:
        return None
    text = value.strip()
    if _DELTA_SECONDS.fullmatch(text):
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except ValueError:
        return None
    return max(0.0, (_as_utc(when) - _as_utc(now)).total_seconds())


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


_CONTEXT_STATUSES = frozenset({400, 413, 422})  # how endpoints reject a too-long request; 429's "too large" is a rate
_CONTEXT_LENGTH = re.compile(
    r"context_length_exceeded"  # OpenAI's error code (llama-cpp-python and Groq send it too)
    r"|maximum context length"  # OpenAI, vLLM, Mistral
    r"|prompt is too long"  # Anthropic
    r"|exceed(?:s|ed)?\s+(?:the\s+)?(?:available\s+|maximum\s+)?context\s+(?:size|window|length)"  # llama.cpp
    r"|context[ _](?:length|window)[ _]exceeded",
    re.IGNORECASE,
)


def is_context_length_error(status: int | None, body_text: str) -> bool:
    """Whether an error says the prompt does not fit the model's context (no retry helps; a bigger model may).

    Conservative: only a client-error status (or none known) with wording an
    endpoint is known to use. A 429 about tokens per minute is a rate limit,
    and "max_tokens is too large" is about the reply, not the prompt.
    """
    if status is not None and status not in _CONTEXT_STATUSES:
        return False
    return _CONTEXT_LENGTH.search(body_text) is not None


class Cooldown:
    """A provider that fails ``failures`` times within ``window_s`` is skipped for ``skip_s``, then tried again.

    After a skip it is on probation: the first request decides, a failure
    skips it again at once (one request per ``skip_s`` to a dead endpoint, not
    ``failures``), a success ends probation. Failures reported while skipped
    came from requests sent before the skip began and are not counted.
    """

    def __init__(
        self, failures: int, window_s: float, skip_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if failures < 1 or window_s <= 0 or skip_s < 0:
            raise ValueError(f"need failures >= 1, window_s > 0, skip_s >= 0; got {failures}, {window_s}, {skip_s}")
        self.failures = failures
        self.window_s = window_s
        self.skip_s = skip_s
        self._clock = clock
        self._recent: deque[float] = deque()
        self._blocked_until = -math.inf
        self._probation = False

    def record_failure(self) -> None:
        now = self._clock()
        if now < self._blocked_until:
            return
        if self._probation:
            self._trip(now)
            return
        self._recent.append(now)
        while self._recent[0] <= now - self.window_s:
            self._recent.popleft()
        if len(self._recent) >= self.failures:
            self._trip(now)

    def record_success(self) -> None:
        """The provider answered: earlier failures no longer count towards a skip."""
        self._recent.clear()
        self._probation = False

    def blocked_for(self) -> float:
        """Seconds left of the current skip; 0 when the provider may be used."""
        return max(0.0, self._blocked_until - self._clock())

    def _trip(self, now: float) -> None:
        self._blocked_until = now + self.skip_s
        self._recent.clear()
        self._probation = True


class TokenBucket:
    """Requests (or tokens) per minute, shared by every worker of a provider.

    Capacity is the per-minute amount and the bucket starts full, so a
    minute's worth may go at once; it refills continuously at a sixtieth of
    that per second. Waiters are served first come, first served.
    """

    def __init__(
        self,
        per_minute: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if not per_minute > 0:
            raise ValueError(f"per_minute must be more than 0, got {per_minute}")
        self.capacity = float(per_minute)
        self._per_second = self.capacity / 60
        self._clock = clock
        self._sleep = sleep
        self._level = self.capacity
        self._refilled_at = clock()
        self._lock = asyncio.Lock()  # FIFO: one waiter at a time, in arrival order

    async def acquire(self, amount: float = 1) -> float:
        """Wait until ``amount`` is available, take it, and return the seconds waited (queueing included).

        An amount larger than the capacity waits for a full bucket and takes
        it all, leaving the level negative: later callers wait for the debt to
        be paid off, and one huge request cannot block forever.
        """
        if amount < 0:
            raise ValueError(f"amount must be at least 0, got {amount}")
        started = self._clock()
        async with self._lock:
            self._refill()
            missing = min(amount, self.capacity) - self._level
            if missing > 0:
                await self._sleep(missing / self._per_second)
                self._refill()
            self._level -= amount
        return self._clock() - started

    def _refill(self) -> None:
        now = self._clock()
        self._level = min(self.capacity, self._level + (now - self._refilled_at) * self._per_second)
        self._refilled_at = now


class RateLimits(NamedTuple):
    """A provider's requests-per-minute and tokens-per-minute limits; None where it has none."""

    requests: TokenBucket | None = None
    tokens: TokenBucket | None = None

    async def acquire(self, tokens: int) -> float:
        """Wait for room for one request of ``tokens`` tokens (prompt plus expected reply); seconds waited."""
        waited = 0.0
        if self.requests is not None:
            waited += await self.requests.acquire(1)
        if self.tokens is not None:
            waited += await self.tokens.acquire(tokens)
        return waited
