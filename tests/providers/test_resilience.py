"""Retry backoff, Retry-After, context-length detection, cool-downs and rate limits, on a fake clock."""

from __future__ import annotations

import asyncio
import random
import selectors
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest

from routecli.providers.resilience import (
    RETRY_AFTER_CAP_S,
    Cooldown,
    RateLimits,
    RetryPolicy,
    TokenBucket,
    is_context_length_error,
    parse_retry_after,
    retryable,
)

T = TypeVar("T")


class VirtualTime:
    """A clock for an event loop that never really waits: when every task sleeps, time jumps to the next timer.

    Sleeps overlap as real ones do, so a missing lock or a wrong wait shows up
    as the wrong time, not as a slow test.
    """

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def run(self, main: Coroutine[Any, Any, T]) -> T:
        loop = _VirtualLoop(self)
        try:
            return loop.run_until_complete(main)
        finally:
            loop.close()


class _JumpingSelector(selectors.SelectSelector):
    def __init__(self, time: VirtualTime) -> None:
        super().__init__()
        self._time = time

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        events = super().select(0)
        if not events:
            if timeout is None:
                raise RuntimeError("deadlock: every task waits and no timer is set")
            self._time.now += timeout
        return events


class _VirtualLoop(asyncio.SelectorEventLoop):
    def __init__(self, time: VirtualTime) -> None:
        super().__init__(_JumpingSelector(time))
        self._virtual = time

    def time(self) -> float:
        return self._virtual.now


class TopOfRange(random.Random):
    """An rng whose ``uniform(a, b)`` is always ``b``: the backoff ceiling itself."""

    def random(self) -> float:
        return 1.0


# --- backoff -------------------------------------------------------------------------------------------------------


def test_backoff_doubles_from_initial_and_is_capped() -> None:
    policy = RetryPolicy()  # 1 s, x2, at most 30 s
    assert [policy.delay(retry, TopOfRange()) for retry in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_backoff_follows_the_policy_fields() -> None:
    policy = RetryPolicy(initial_backoff_s=0.5, max_backoff_s=10, multiplier=3)
    assert [policy.delay(retry, TopOfRange()) for retry in range(1, 5)] == [0.5, 1.5, 4.5, 10]


def test_backoff_of_a_very_late_retry_is_the_cap() -> None:
    assert RetryPolicy(multiplier=10).delay(5000, TopOfRange()) == 30


def test_jitter_spreads_over_the_whole_range_and_stays_in_it() -> None:
    rng = random.Random(7)
    delays = [RetryPolicy().delay(3, rng) for _ in range(2000)]  # ceiling 1 * 2**2 = 4 s
    assert all(0 <= delay <= 4 for delay in delays)
    assert min(delays) < 0.1
    assert max(delays) > 3.9
    assert 1.8 < sum(delays) / len(delays) < 2.2  # uniform on [0, 4]: mean 2


def test_jitter_is_reproducible_from_the_seed() -> None:
    first = [RetryPolicy().delay(2, random.Random(3)) for _ in range(3)]
    assert first[0] == first[1] == first[2]
    assert first[0] == pytest.approx(2 * random.Random(3).random())


def test_retry_after_wins_when_longer_than_the_backoff() -> None:
    assert RetryPolicy().delay(1, TopOfRange(), retry_after=10) == 10


def test_backoff_wins_when_longer_than_retry_after() -> None:
    assert RetryPolicy().delay(4, TopOfRange(), retry_after=3) == 8


def test_retry_after_is_capped() -> None:
    assert RETRY_AFTER_CAP_S == 300
    assert RetryPolicy().delay(1, TopOfRange(), retry_after=86400) == 300


def test_negative_retry_after_counts_as_none() -> None:
    assert RetryPolicy().delay(2, TopOfRange(), retry_after=-5) == 2


def test_retries_count_from_one() -> None:
    with pytest.raises(ValueError, match="from 1"):
        RetryPolicy().delay(0, random.Random(0))


def test_policy_defaults() -> None:
    assert RetryPolicy() == (4, 1.0, 30.0, 2.0)


# --- what is retried -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status", "expected"),
    [
        ("timeout", None, True),
        ("connect", None, True),
        ("malformed", 200, True),
        ("http", 408, True),
        ("http", 409, True),
        ("http", 429, True),
        ("http", 500, True),
        ("http", 502, True),
        ("http", 503, True),
        ("http", 504, True),
        ("http", 529, True),
        ("http", 400, False),
        ("http", 401, False),
        ("http", 403, False),
        ("http", 404, False),
        ("http", 413, False),
        ("http", 422, False),
        ("http", 501, False),
        ("http", None, False),
        ("something-new", 503, False),
    ],
)
def test_retryable(kind: str, status: int | None, expected: bool) -> None:
    assert retryable(kind, status) is expected


# --- Retry-After ---------------------------------------------------------------------------------------------------

A_MINUTE_BEFORE = datetime(2015, 10, 21, 7, 27, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 120 ", 120.0),
        ("0", 0.0),
        ("1.5", 1.5),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 60.0),  # RFC 7231's example
        ("Wednesday, 21-Oct-15 07:28:00 GMT", 60.0),  # the obsolete RFC 850 form
        ("Wed Oct 21 07:28:00 2015", 60.0),  # asctime, no zone: GMT
        ("Wed, 21 Oct 2015 09:28:30 +0200", 90.0),
    ],
)
def test_retry_after_values(value: str, seconds: float) -> None:
    assert parse_retry_after(value, A_MINUTE_BEFORE) == seconds


def test_retry_after_date_in_the_past_is_zero() -> None:
    later = datetime(2015, 10, 21, 8, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", later) == 0


def test_retry_after_with_a_naive_now_reads_it_as_utc() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", datetime(2015, 10, 21, 7, 26, 0)) == 120


@pytest.mark.parametrize(
    "value", [None, "", "soon", "-5", "1e3", "inf", "nan", "12 seconds", "Wed, 32 Oct 2015 07:28:00 GMT"]
)
def test_retry_after_garbage_is_none(value: str | None) -> None:
    assert parse_retry_after(value, A_MINUTE_BEFORE) is None


# --- context length ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        # OpenAI, the whole error body
        '{"error": {"message": "This model\'s maximum context length is 8192 tokens. However, your messages '
        'resulted in 9000 tokens. Please reduce the length of the messages.", "type": "invalid_request_error", '
        '"param": "messages", "code": "context_length_exceeded"}}',
        # OpenAI, cut short before the message: the code alone
        '{"error": {"type": "invalid_request_error", "code": "context_length_exceeded"}}',
        # OpenAI's Responses API
        "Your input exceeds the context window of this model. Please adjust your input and try again.",
        # Anthropic
        '{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 210000 tokens > '
        '200000 maximum"}}',
        # vLLM
        "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens "
        "(4900 in the messages, 100 in the completion). Please reduce the length of the messages or completion.",
        # llama.cpp's server
        '{"error":{"code":400,"message":"the request exceeds the available context size, try increasing it",'
        '"type":"exceed_context_size_error","n_prompt_tokens":5000,"n_ctx":4096}}',
        # llama-cpp-python before its server reformats it
        "Requested tokens (5000) exceed context window of 4096",
    ],
)
def test_context_length_errors_are_recognised(body: str) -> None:
    assert is_context_length_error(400, body)


def test_context_length_with_other_client_statuses_or_none() -> None:
    text = "prompt is too long: 210000 tokens > 200000 maximum"
    assert is_context_length_error(413, text)
    assert is_context_length_error(None, text)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, "Invalid 'messages[1].role': expected one of system, assistant, user, tool."),
        (400, "max_tokens is too large: 10000. This model supports at most 4096 completion tokens."),
        (400, "Unsupported parameter: 'context_window' is not supported with this model."),
        (404, "The model `gpt-5-large` does not exist or you do not have access to it."),
        (
            429,
            "Request too large for gpt-4 in organization org-x on tokens per min (TPM): Limit 10000, Requested 12000.",
        ),
        (500, "This model's maximum context length is 4096 tokens."),  # a crash that happens to say it: retry
        (400, ""),
    ],
)
def test_ordinary_errors_are_not_context_length(status: int, body: str) -> None:
    assert not is_context_length_error(status, body)


# --- cool-down -----------------------------------------------------------------------------------------------------


def cooldown_at(time: VirtualTime) -> Cooldown:
    return Cooldown(failures=3, window_s=10, skip_s=30, clock=time.clock)


def fail_at(cooldown: Cooldown, time: VirtualTime, *moments: float) -> None:
    for moment in moments:
        time.now = moment
        cooldown.record_failure()


def test_cooldown_trips_after_n_failures_in_the_window_and_unblocks_after_the_skip() -> None:
    time = VirtualTime()
    cooldown = cooldown_at(time)
    fail_at(cooldown, time, 0, 1)
    assert cooldown.blocked_for() == 0
    fail_at(cooldown, time, 2)
    assert cooldown.blocked_for() == 30
    time.now = 12
    assert cooldown.blocked_for() == 20
    time.now = 32
    assert cooldown.blocked_for() == 0


def test_cooldown_ignores_failures_spread_wider_than_the_window() -> None:
    time = VirtualTime()
    cooldown = cooldown_at(time)
    for moment in (0, 6, 12, 18, 24, 30):  # never three within 10 s
        fail_at(cooldown, time, moment)
        assert cooldown.blocked_for() == 0


def test_failures_exactly_a_window_apart_are_not_within_it() -> None:
    time = VirtualTime()
    cooldown = cooldown_at(time)
    fail_at(cooldown, time, 0, 5, 10)
    assert cooldown.blocked_for() == 0


def test_success_clears_the_recent_failures() -> None:
    time = VirtualTime()
    cooldown = cooldown_at(time)
    fail_at(cooldown, time, 0, 1)
    cooldown.record_success()
    fail_at(cooldown, time, 2, 3)
    assert cooldown.blocked_for() == 0
    fail_at(cooldown, time, 4)
    assert cooldown.blocked_for() == 30


def test_first_failure_after_a_skip_skips_again() -> None:
    time = VirtualTime()
    cooldown = cooldown_at(time)
    fail_at(cooldown, time, 0, 1, 2)
    fail_at(cooldown, time, 40)
    assert cooldown.blocked_for() == 30


def test_success_after_a_skip_ends_the_probation() -> None:
    time = VirtualTime()
    cooldown = cooldown_at(time)
    fail_at(cooldown, time, 0, 1, 2)
    time.now = 40
    cooldown.record_success()
    fail_at(cooldown, time, 41, 42)
    assert cooldown.blocked_for() == 0


def test_failures_reported_during_a_skip_do_not_extend_it() -> None:
    time = VirtualTime()
    cooldown = cooldown_at(time)
    fail_at(cooldown, time, 0, 1, 2, 20, 31)
    assert cooldown.blocked_for() == 1


@pytest.mark.parametrize(("failures", "window_s", "skip_s"), [(0, 10, 30), (3, 0, 30), (3, 10, -1)])
def test_cooldown_rejects_nonsense(failures: int, window_s: float, skip_s: float) -> None:
    with pytest.raises(ValueError, match="failures >= 1"):
        Cooldown(failures, window_s, skip_s)


# --- token bucket --------------------------------------------------------------------------------------------------


def bucket(per_minute: float, time: VirtualTime) -> TokenBucket:
    return TokenBucket(per_minute, clock=time.clock)  # asyncio.sleep on the virtual loop


def test_60_rpm_lets_60_through_at_once_then_one_a_second() -> None:
    time = VirtualTime()
    limit = bucket(60, time)

    async def main() -> list[float]:
        return [await limit.acquire() for _ in range(63)]

    waits = time.run(main())
    assert waits[:60] == [0] * 60
    assert waits[60:] == pytest.approx([1, 1, 1])
    assert time.now == pytest.approx(3)


def test_an_idle_bucket_refills_only_to_its_capacity() -> None:
    time = VirtualTime()
    limit = bucket(60, time)

    async def main() -> list[float]:
        await limit.acquire(60)
        await asyncio.sleep(1000)
        return [await limit.acquire() for _ in range(61)]

    waits = time.run(main())
    assert waits[:60] == [0] * 60
    assert waits[60] == pytest.approx(1)


def test_concurrent_acquirers_queue_in_order() -> None:
    time = VirtualTime()
    limit = bucket(60, time)
    served: list[int] = []

    async def one(number: int) -> float:
        waited = await limit.acquire()
        served.append(number)
        return waited

    async def main() -> list[float]:
        return await asyncio.gather(*(one(number) for number in range(65)))

    waits = time.run(main())
    assert served == list(range(65))
    assert waits == pytest.approx([0] * 60 + [1, 2, 3, 4, 5])  # each waits for the ones ahead of it too
    assert sum(waits) == pytest.approx(15)
    assert time.now == pytest.approx(5)


def test_tokens_per_minute_serve_big_requests_first_if_they_came_first() -> None:
    time = VirtualTime()
    limit = bucket(600, time)  # 10 tokens a second
    served: list[float] = []

    async def one(amount: float) -> float:
        waited = await limit.acquire(amount)
        served.append(amount)
        return waited

    async def main() -> list[float]:
        await limit.acquire(600)
        return await asyncio.gather(one(100), one(10), one(50))

    waits = time.run(main())
    assert served == [100, 10, 50]  # not the small one first, though it would fit sooner
    assert waits == pytest.approx([10, 11, 16])
    assert sum(waits) == pytest.approx(37)


def test_an_amount_over_capacity_waits_for_a_full_bucket_then_leaves_a_debt() -> None:
    time = VirtualTime()
    limit = bucket(600, time)

    async def main() -> list[float]:
        return [await limit.acquire(500), await limit.acquire(900), await limit.acquire(60)]

    waits = time.run(main())
    # 100 left; 900 waits for all 600 (50 s) and leaves -300; 60 then waits for 360 tokens (36 s)
    assert waits == pytest.approx([0, 50, 36])


def test_an_amount_over_capacity_on_a_full_bucket_goes_at_once() -> None:
    time = VirtualTime()
    limit = bucket(60, time)

    async def main() -> list[float]:
        return [await limit.acquire(90), await limit.acquire(1)]

    assert time.run(main()) == pytest.approx([0, 31])


def test_a_cancelled_waiter_takes_nothing() -> None:
    time = VirtualTime()
    limit = bucket(60, time)

    async def main() -> float:
        await limit.acquire(60)
        waiter = asyncio.ensure_future(limit.acquire(30))
        await asyncio.sleep(0)  # it is now sleeping for 30 s
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        await asyncio.sleep(30)  # the 30 it did not take are there by now
        return await limit.acquire(30)

    assert time.run(main()) == 0


def test_waits_go_through_the_injected_sleep() -> None:
    time = VirtualTime()
    asked: list[float] = []

    async def sleep(seconds: float) -> None:
        asked.append(seconds)
        await asyncio.sleep(seconds)

    limit = TokenBucket(6, clock=time.clock, sleep=sleep)  # one every 10 s

    async def main() -> float:
        await limit.acquire(6)
        return await limit.acquire(2)

    assert time.run(main()) == pytest.approx(20)
    assert asked == pytest.approx([20])


def test_the_real_clock_and_sleep_by_default() -> None:
    limit = TokenBucket(60)  # 1 a second

    async def main() -> float:
        await limit.acquire(60)
        return await limit.acquire(0.05)

    assert 0.045 <= asyncio.run(main()) < 0.5


@pytest.mark.parametrize("per_minute", [0, -1, float("nan")])
def test_bucket_rejects_a_rate_that_is_not_positive(per_minute: float) -> None:
    with pytest.raises(ValueError, match="more than 0"):
        TokenBucket(per_minute)


def test_bucket_rejects_a_negative_amount() -> None:
    with pytest.raises(ValueError, match="at least 0"):
        asyncio.run(TokenBucket(60).acquire(-1))


# --- both limits ---------------------------------------------------------------------------------------------------


def test_rate_limits_wait_for_tokens_when_requests_have_room() -> None:
    time = VirtualTime()
    limits = RateLimits(requests=bucket(60, time), tokens=bucket(60, time))

    async def main() -> list[float]:
        return [await limits.acquire(60), await limits.acquire(30)]

    assert time.run(main()) == pytest.approx([0, 30])


def test_rate_limits_add_up_both_waits() -> None:
    time = VirtualTime()
    limits = RateLimits(requests=bucket(1, time), tokens=bucket(30, time))  # 1 request a minute, 0.5 tokens a second

    async def main() -> list[float]:
        return [await limits.acquire(30), await limits.acquire(60), await limits.acquire(30)]

    # 2nd: 60 s for a request; the tokens are full by then, 60 > 30 takes them all (-30 left)
    # 3rd: 60 s for a request (tokens back to 0), then 60 s for 30 tokens
    assert time.run(main()) == pytest.approx([0, 60, 120])
    assert time.now == pytest.approx(180)


def test_no_limits_never_wait() -> None:
    assert asyncio.run(RateLimits().acquire(10**9)) == 0
