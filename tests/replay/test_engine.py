"""The replay engine over httpx.MockTransport: routing, escalation, pricing, errors and what gets requested."""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal
from typing import Any

import httpx
import pytest

from routecli.pricing.prices import PriceTable
from routecli.providers.openai import OpenAIProvider
from routecli.replay.calls import TierCaller
from routecli.replay.config import RouterConfig
from routecli.replay.config_file import build_router_config
from routecli.replay.engine import Replayer
from routecli.replay.records import Decision
from routecli.replay.tokens import count_messages, count_text
from tests.helpers.replay import BASE, CASCADE, Recorder, config, prompt, reply, run


def test_confident_answer_is_accepted_at_the_first_tier_and_priced_from_usage() -> None:
    decisions, calls = run(
        config(cascade=CASCADE), [prompt("2+2?")], lambda body: reply("4", usage=(100, 10), logprobs=[-0.1, -0.3])
    )
    (decision,) = decisions
    assert decision.final_tier == "small"
    assert not decision.escalated
    (attempt,) = decision.attempts
    assert attempt.cost == Decimal("0.00012")  # 100 × $1/1M + 10 × $2/1M
    assert attempt.logprob is not None
    assert attempt.logprob.mean == pytest.approx(-0.2)
    assert [v.passed for v in attempt.verdicts] == [True, True]
    assert attempt.accepted is True
    assert calls.bodies[0]["logprobs"] is True
    assert calls.bodies[0]["top_logprobs"] == 1  # llama.cpp returns no logprobs without it
    assert calls.bodies[0]["max_tokens"] == 50


def test_unconfident_answer_escalates_and_the_top_tier_is_asked_without_logprobs() -> None:
    def handler(body: dict[str, Any]) -> httpx.Response:
        if body["model"] == "small-model":
            return reply("maybe 5", logprobs=[-2.0, -1.0])
        return reply("4", usage=(100, 20))

    decisions, calls = run(config(cascade=CASCADE), [prompt("2+2?")], handler)
    (decision,) = decisions
    assert decision.final_tier == "large"
    assert [(e.from_tier, e.to_tier, e.reasons) for e in decision.escalations] == [("small", "large", ("logprob",))]
    assert calls.models() == ["small-model", "large-model"]
    assert "logprobs" not in calls.bodies[1]  # the last tier always answers: nothing to evaluate
    assert decision.attempts[1].cost == Decimal("0.0016")  # 100 × 10/1M + 20 × 30/1M


def test_hedging_answer_escalates_with_its_reason() -> None:
    def handler(body: dict[str, Any]) -> httpx.Response:
        if body["model"] == "small-model":
            return reply("I'm not sure, perhaps 4", logprobs=[-0.01])
        return reply("4")

    (decision,), _ = run(config(cascade=CASCADE), [prompt("2+2?")], handler)
    assert decision.escalations[0].reasons == ("hedging",)
    verdict = decision.attempts[0].verdicts[1]
    assert verdict.detail == 'hedges: "i\'m not sure"'


def test_logprobs_are_not_requested_when_no_evaluator_needs_them() -> None:
    cascade = {"chain": ["small", "large"], "accept": {"all": [{"type": "length", "min_chars": 1}]}}
    _, calls = run(config(cascade=cascade), [prompt("hi")], lambda body: reply("hello"))
    assert "logprobs" not in calls.bodies[0]
    assert "top_logprobs" not in calls.bodies[0]


def test_an_error_below_the_top_escalates_and_an_error_at_the_top_fails_the_prompt() -> None:
    def handler(body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(500, json={"error": {"message": "boom"}})

    (decision,), calls = run(config(cascade=CASCADE), [prompt("x")], handler)
    assert calls.models() == ["small-model", "large-model"]
    assert decision.escalations[0].reasons == ("error",)
    assert decision.failed
    assert decision.final_tier is None
    assert decision.error == 'HTTP 500: {"error":{"message":"boom"}}'
    assert all(attempt.cost == 0 and attempt.status == 500 for attempt in decision.attempts)
    assert {attempt.error_kind for attempt in decision.attempts} == {"http"}


def test_a_malformed_body_is_an_error_not_a_crash() -> None:
    (decision,), _ = run(
        config(routing={"type": "fixed", "tier": "small"}),
        [prompt("x")],
        lambda body: httpx.Response(200, text="{nope"),
    )
    assert decision.failed
    assert decision.attempts[0].error_kind == "malformed"


def test_missing_usage_is_counted_with_tiktoken_and_marked_estimated() -> None:
    cfg = config(routing={"type": "fixed", "tier": "small"})
    (decision,), _ = run(cfg, [prompt("What is the capital of France?")], lambda body: reply("Paris is.", usage=None))
    (attempt,) = decision.attempts
    assert attempt.estimated
    messages = [{"role": "user", "content": "What is the capital of France?"}]
    assert attempt.input_tokens == count_messages(messages, "o200k_base")
    assert attempt.output_tokens == count_text("Paris is.", "o200k_base")
    assert attempt.cost == (Decimal(attempt.input_tokens) * 1 + Decimal(attempt.output_tokens) * 2) / 1_000_000


def test_cached_tokens_cost_the_cache_price() -> None:
    cfg = config(routing={"type": "fixed", "tier": "small"})
    (decision,), _ = run(cfg, [prompt("x")], lambda body: reply("y", usage=(1000, 100), cached=600))
    # 400 × $1 + 600 × $0.50 + 100 × $2, per 1M tokens
    assert decision.attempts[0].cost == Decimal("0.0009")
    assert decision.attempts[0].cached_tokens == 600


def test_route_then_cascade_enters_at_the_routed_tier() -> None:
    routing = {"type": "rules", "default": "small", "rules": [{"tier": "large", "when": {"keywords": ["prove"]}}]}
    prompts = [prompt("Prove that 2 is prime", 1), prompt("hello", 2)]
    decisions, calls = run(config(routing=routing, cascade=CASCADE), prompts, lambda body: reply("ok", logprobs=[0.0]))
    by_id = {d.id: d for d in decisions}
    assert by_id["1"].route is not None
    assert by_id["1"].route.tier == "large"
    assert [a.tier for a in by_id["1"].attempts] == ["large"]
    assert by_id["1"].route.reason == "rule 1 (keywords)"
    assert [a.tier for a in by_id["2"].attempts] == ["small"]
    assert sorted(calls.models()) == ["large-model", "small-model"]


def test_a_prompts_max_tokens_overrides_the_tiers() -> None:
    cfg = config(routing={"type": "fixed", "tier": "small"})
    _, calls = run(cfg, [prompt("x", max_tokens=7)], lambda body: reply("y"))
    assert calls.bodies[0]["max_tokens"] == 7
    assert calls.bodies[0]["temperature"] == 0


def test_judge_router_asks_the_judging_tier_and_routes_by_level() -> None:
    routing = {"type": "judge", "tier": "small", "levels": ["small", "large"], "fallback": "large"}

    def handler(body: dict[str, Any]) -> httpx.Response:
        if body["messages"][0]["role"] == "system":  # the classifier's fixed prompt
            user = body["messages"][1]["content"]
            return reply("2" if "a hard one" in user else ("1" if "an easy one" in user else "no idea"), usage=(50, 1))
        return reply("answer", usage=(20, 5))

    prompts = [prompt("an easy one", 1), prompt("a hard one", 2), prompt("something", 3)]
    decisions, calls = run(config(routing=routing), prompts, handler)
    by_id = {d.id: d for d in decisions}
    assert [a.role for a in by_id["1"].attempts] == ["route_judge", "answer"]
    assert by_id["1"].final_tier == "small"
    assert by_id["2"].final_tier == "large"
    assert by_id["3"].final_tier == "large"
    assert by_id["3"].route is not None
    assert by_id["3"].route.reason == "judge: no level in the answer, fallback"
    judge_bodies = [b for b in calls.bodies if b["messages"][0]["role"] == "system"]
    assert all(b["max_tokens"] == 8 and b["temperature"] == 0 for b in judge_bodies)
    # the judge's call is billed to the judging tier: 50 × $1 + 1 × $2 per 1M
    assert by_id["2"].attempts[0].cost == Decimal("0.000052")


def test_judge_evaluator_is_skipped_once_a_local_evaluator_settles_it() -> None:
    cascade = {
        "chain": ["small", "large"],
        "accept": {"all": [{"type": "length", "min_chars": 10}, {"type": "judge", "tier": "large"}]},
    }

    def handler(body: dict[str, Any]) -> httpx.Response:
        content = body["messages"][-1]["content"]
        if "Is this answer correct and complete?" in content:
            return reply("Yes." if "a long enough answer" in content else "No")
        return reply("short" if "first" in content else "a long enough answer")

    decisions, _ = run(config(cascade=cascade), [prompt("first", 1), prompt("second", 2)], handler)
    by_id = {d.id: d for d in decisions}
    assert [a.role for a in by_id["1"].attempts] == ["answer", "answer"]  # too short: no judge asked
    assert [a.role for a in by_id["2"].attempts] == ["answer", "accept_judge"]
    assert by_id["2"].final_tier == "small"
    assert [v.evaluator for v in by_id["2"].attempts[0].verdicts] == ["length", "judge"]


def test_quality_is_checked_against_expected() -> None:
    cfg = config(routing={"type": "fixed", "tier": "small"})
    prompts = [
        prompt("q1", 1, expected={"answer": "#### 18", "match": "number"}),
        prompt("q2", 2, expected={"answer": "19", "match": "number"}),
        prompt("q3", 3),
    ]
    decisions, _ = run(cfg, prompts, lambda body: reply("so the answer is $18."))
    assert {d.id: d.correct for d in decisions} == {"1": True, "2": False, "3": None}


def test_every_prompt_is_replayed_once_under_concurrency() -> None:
    cfg = config(routing={"type": "fixed", "tier": "small"})
    prompts = [prompt(f"p{i}", i) for i in range(1, 41)]
    decisions, calls = run(cfg, prompts, lambda body: reply("ok"), concurrency=6)
    assert sorted(int(d.id) for d in decisions) == list(range(1, 41))
    assert len(calls.bodies) == 40


def test_the_api_key_is_sent_as_a_bearer_token_and_kept_out_of_errors() -> None:
    cfg = config(routing={"type": "fixed", "tier": "small"})
    (decision,), calls = run(cfg, [prompt("x")], lambda body: httpx.Response(401, text="bad key sk-secret"))
    assert calls.headers[0]["authorization"] == "Bearer sk-secret"
    assert decision.error == "HTTP 401: the body is not shown: it may quote the key"


@pytest.mark.parametrize(
    "body",
    [
        {"choices": [{"message": None}]},
        {"choices": [{"message": "hi"}]},
        {"choices": []},
        {"choices": "nope"},
        [1, 2],
        {"choices": [{"message": {"content": 42}}]},
    ],
)
def test_odd_bodies_fail_the_prompt_and_nothing_else(body: object) -> None:
    cfg = config(routing={"type": "fixed", "tier": "small"})
    (decision,), _ = run(cfg, [prompt("x")], lambda _: httpx.Response(200, json=body))
    assert decision.failed
    assert decision.attempts[0].error_kind == "malformed"


def test_content_parts_null_content_and_odd_extras_still_answer() -> None:
    cfg = config(routing={"type": "fixed", "tier": "small"})
    bodies = {
        "parts": {
            "choices": [{"message": {"content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}}]
        },
        "tool": {"choices": [{"message": {"content": None, "tool_calls": [{"id": "t"}]}}]},
        "extras": {
            "choices": [{"message": {"content": "ok"}, "logprobs": [1, 2]}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 1, "prompt_tokens_details": [3]},
        },
    }
    prompts = [prompt(name, index) for index, name in enumerate(bodies, start=1)]

    def handler(body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(200, json=bodies[body["messages"][0]["content"]])

    decisions, _ = run(cfg, prompts, handler, concurrency=3)
    by_text = {d.id: d for d in decisions}
    assert not any(d.failed for d in decisions)
    assert by_text["3"].attempts[0].input_tokens == 5  # usage kept; the odd details and logprobs ignored
    assert by_text["3"].attempts[0].cached_tokens == 0


@pytest.mark.parametrize(
    ("usage", "estimated"),
    [
        ({"prompt_tokens": 5, "completion_tokens": None}, True),
        ({"prompt_tokens": -1, "completion_tokens": 3}, True),
        ({"prompt_tokens": 5.5, "completion_tokens": 3}, True),
        ({"prompt_tokens": True, "completion_tokens": 3}, True),
        ({"prompt_tokens": 5.0, "completion_tokens": 3}, False),
    ],
)
def test_usage_that_is_not_whole_counts_is_replaced_by_an_estimate(usage: dict[str, Any], estimated: bool) -> None:
    cfg = config(routing={"type": "fixed", "tier": "small"})
    body = {"choices": [{"message": {"content": "four"}}], "usage": usage}
    (decision,), _ = run(cfg, [prompt("2+2?")], lambda _: httpx.Response(200, json=body))
    assert decision.attempts[0].estimated is estimated


def test_cached_tokens_beyond_the_prompt_are_capped_and_cost_is_never_negative() -> None:
    cfg = config(routing={"type": "fixed", "tier": "small"})
    (decision,), _ = run(cfg, [prompt("x")], lambda _: reply("y", usage=(5, 1), cached=50))
    attempt = decision.attempts[0]
    assert attempt.cached_tokens == 5
    assert attempt.cost == Decimal("0.0000045")  # 5 × $0.50 + 1 × $2, per 1M


def test_nan_logprobs_count_as_none_and_fail_the_logprob_evaluator() -> None:
    def handler(body: dict[str, Any]) -> httpx.Response:
        if body["model"] == "small-model":
            return httpx.Response(
                200,
                content=b'{"choices":[{"message":{"content":"4"},"logprobs":{"content":[{"logprob":NaN}]}}]}',
            )
        return reply("4")

    (decision,), _ = run(config(cascade=CASCADE), [prompt("2+2?")], handler)
    assert decision.attempts[0].logprob is None
    assert decision.escalations[0].reasons == ("logprob",)


def test_an_unexpected_exception_fails_one_prompt_and_the_run_goes_on() -> None:
    def handler(body: dict[str, Any]) -> httpx.Response:
        if body["messages"][0]["content"] == "boom":
            raise RuntimeError("transport bug")
        return reply("ok")

    cfg = config(routing={"type": "fixed", "tier": "small"})
    decisions, _ = run(cfg, [prompt("boom", 1), prompt("fine", 2)], handler)
    by_id = {d.id: d for d in decisions}
    assert by_id["2"].final_tier == "small"
    assert by_id["1"].failed
    assert by_id["1"].error == "internal error: RuntimeError: transport bug"


def test_a_reply_slower_than_the_timeout_is_a_timeout() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return reply("late")

    async def main() -> Decision:
        provider = OpenAIProvider("http://api.test/v1", timeout_s=0.05, transport=httpx.MockTransport(slow))
        cfg = config(routing={"type": "fixed", "tier": "small"})
        try:
            return await Replayer(cfg, {"api": provider}).replay(prompt("x"))
        finally:
            await provider.aclose()

    decision = asyncio.run(main())
    assert decision.failed
    assert decision.attempts[0].error_kind == "timeout"
    assert decision.attempts[0].latency_ms < 2000


# ------------------------------------------------------- retries and fallbacks

RETRYING = {
    "providers": {"api": {"base_url": "http://api.test/v1", "retry": {"max_attempts": 3, "max_backoff_s": 8}}},
    "tiers": {
        **BASE["tiers"],
        "backup": {
            "provider": "api",
            "model": "backup-model",
            "price": {"input_per_mtok": 5, "output_per_mtok": 5},
        },
    },
    "routing": {"type": "fixed", "tier": "large"},
    "fallbacks": {"large": ["backup"]},
}


def retrying(**changes: Any) -> RouterConfig:
    return build_router_config({**RETRYING, **changes}, PriceTable())


def test_a_429_is_retried_after_its_retry_after() -> None:
    replies = iter([httpx.Response(429, headers={"Retry-After": "7"}, json={"error": "slow down"}), reply("ok")])
    waits: list[float] = []
    (decision,), _ = run(retrying(), [prompt("x")], lambda _: next(replies), waits=waits)
    assert [(a.status, a.retry, a.error_kind) for a in decision.attempts] == [(429, 0, "http"), (200, 1, None)]
    assert waits == [7.0]  # at least Retry-After (jitter alone would be at most 1 s)
    assert decision.final_tier == "large"
    assert decision.attempts[1].cost == Decimal("0.0013")  # billed once: 100 × $10 + 10 × $30 per 1M


def test_backoff_grows_and_the_fallback_answers_when_retries_run_out() -> None:
    def handler(body: dict[str, Any]) -> httpx.Response:
        if body["model"] == "large-model":
            return httpx.Response(503, json={"error": "overloaded"})
        return reply("from backup", usage=(100, 10))

    waits: list[float] = []
    (decision,), calls = run(retrying(), [prompt("x")], handler, waits=waits)
    assert calls.models() == ["large-model"] * 3 + ["backup-model"]
    assert len(waits) == 2
    assert 0 <= waits[0] <= 1  # full jitter: up to 1 s before the first retry
    assert 0 <= waits[1] <= 2  # then up to 2 s
    backup = decision.attempts[-1]
    assert (backup.tier, backup.fallback_for, backup.error) == ("backup", "large", None)
    assert backup.cost == Decimal("0.00055")  # charged at the backup's price: 110 × $5 per 1M
    assert decision.final_tier == "large"  # large's answer, given by its fallback (the attempt says who)
    assert decision.final_answer() == backup
    assert sum(a.cost for a in decision.attempts) == backup.cost  # the failed tries cost nothing


def test_a_prompt_too_long_goes_to_the_fallback_without_retrying() -> None:
    too_long = {
        "error": {"message": "This model's maximum context length is 8192 tokens.", "code": "context_length_exceeded"}
    }

    def handler(body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(400, json=too_long) if body["model"] == "large-model" else reply("ok")

    (decision,), calls = run(retrying(), [prompt("x")], handler)
    assert calls.models() == ["large-model", "backup-model"]
    assert decision.attempts[0].error_kind == "context_length"


def test_an_error_no_retry_or_fallback_can_help_fails_at_once() -> None:
    (decision,), calls = run(retrying(), [prompt("x")], lambda _: httpx.Response(400, json={"error": "bad request"}))
    assert calls.models() == ["large-model"]
    assert decision.failed


def test_a_cooling_down_provider_is_skipped_for_its_fallback() -> None:
    config = retrying(
        providers={
            "api": {"base_url": "http://api.test/v1", "retry": {"max_attempts": 1}},
            "flaky": {
                "base_url": "http://api.test/v1",
                "retry": {"max_attempts": 1},
                "cooldown": {"failures": 2, "window_s": 60, "skip_s": 600},
            },
        },
        tiers={**RETRYING["tiers"], "large": {**BASE["tiers"]["large"], "provider": "flaky"}},
    )

    def handler(body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(500, json={}) if body["model"] == "large-model" else reply("ok")

    decisions, calls = run(config, [prompt(f"p{i}", i) for i in range(1, 5)], handler)
    assert calls.models().count("large-model") == 2  # two failures trip it; then it is skipped
    skipped = [a for d in decisions for a in d.attempts if a.error_kind == "cooldown"]
    assert len(skipped) == 2
    assert all(a.cost == 0 and a.status is None for a in skipped)
    assert all(d.final_tier == "large" for d in decisions)
    assert all(answer.tier == "backup" for d in decisions if (answer := d.final_answer()) is not None)


def test_the_budget_stops_new_prompts_and_lets_the_one_in_flight_finish() -> None:
    config_with_budget = build_router_config({**BASE, "routing": {"type": "fixed", "tier": "large"}}, PriceTable())
    decisions: list[Decision] = []

    async def main() -> str | None:
        recorder = Recorder(lambda _: reply("ok", usage=(1000, 100)))  # $0.013 each on large
        provider = OpenAIProvider("http://api.test/v1", transport=httpx.MockTransport(recorder))
        replayer = Replayer(config_with_budget, {"api": provider}, max_spend=Decimal("0.03"))
        try:
            return await replayer.run([prompt(f"p{i}", i) for i in range(1, 11)], decisions.append, concurrency=1)
        finally:
            await provider.aclose()

    assert asyncio.run(main()) == "budget"
    assert len(decisions) == 3  # $0.013, $0.026, then $0.039 ≥ $0.03: no fourth prompt starts


def test_a_stop_lets_requests_in_flight_finish_within_the_grace_period() -> None:
    config = build_router_config({**BASE, "routing": {"type": "fixed", "tier": "small"}}, PriceTable())
    decisions: list[Decision] = []

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.05)
        return reply("ok")

    async def main() -> str | None:
        provider = OpenAIProvider("http://api.test/v1", transport=httpx.MockTransport(slow))
        replayer = Replayer(config, {"api": provider}, grace_s=5)
        asyncio.get_running_loop().call_later(0.01, replayer.stop, "interrupted")
        try:
            return await replayer.run([prompt(f"p{i}", i) for i in range(1, 21)], decisions.append, concurrency=4)
        finally:
            await provider.aclose()

    assert asyncio.run(main()) == "interrupted"
    assert len(decisions) == 4  # the four in flight finished; none started after the stop


def test_past_the_grace_period_requests_in_flight_are_cancelled_and_not_logged() -> None:
    config = build_router_config({**BASE, "routing": {"type": "fixed", "tier": "small"}}, PriceTable())
    decisions: list[Decision] = []

    async def hang(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        return reply("late")

    async def main() -> str | None:
        provider = OpenAIProvider("http://api.test/v1", transport=httpx.MockTransport(hang))
        replayer = Replayer(config, {"api": provider}, grace_s=0.1)
        asyncio.get_running_loop().call_later(0.01, replayer.stop, "terminated")
        try:
            return await replayer.run([prompt(f"p{i}", i) for i in range(1, 5)], decisions.append, concurrency=2)
        finally:
            await provider.aclose()

    started = time.monotonic()
    assert asyncio.run(main()) == "terminated"
    assert decisions == []
    assert time.monotonic() - started < 5


def test_requests_per_minute_are_shared_by_every_worker() -> None:
    """60 a minute: the bucket starts full, so 60 go at once and the next two wait a second each."""
    provider_config = {"base_url": "http://api.test/v1", "retry": {"max_attempts": 1}}
    provider_config["rate_limit"] = {"requests_per_minute": 60}
    cfg = build_router_config(
        {**BASE, "providers": {"api": provider_config}, "routing": {"type": "fixed", "tier": "small"}}, PriceTable()
    )
    clock = [0.0]

    async def sleep(seconds: float) -> None:
        clock[0] += seconds
        await asyncio.sleep(0)

    async def main() -> list[Decision]:
        decisions: list[Decision] = []
        transport = httpx.MockTransport(lambda request: reply("ok"))
        provider = OpenAIProvider("http://api.test/v1", transport=transport)
        caller = TierCaller(cfg, {"api": provider}, clock=lambda: clock[0], sleep=sleep)
        try:
            replayer = Replayer(cfg, {"api": provider}, caller=caller)
            await replayer.run([prompt(f"p{i}", i) for i in range(1, 63)], decisions.append, concurrency=4)
        finally:
            await provider.aclose()
        return decisions

    assert len(asyncio.run(main())) == 62
    assert clock[0] == pytest.approx(2.0)


def test_reaching_the_budget_lets_every_prompt_in_flight_finish() -> None:
    cfg = build_router_config({**BASE, "routing": {"type": "fixed", "tier": "large"}}, PriceTable())
    decisions: list[Decision] = []

    async def answer(request: httpx.Request) -> httpx.Response:
        slow = json.loads(request.content)["messages"][0]["content"] in ("p3", "p4")
        await asyncio.sleep(0.2 if slow else 0)
        return reply("ok", usage=(1000, 100))  # $0.013 on large

    async def main() -> str | None:
        provider = OpenAIProvider("http://api.test/v1", transport=httpx.MockTransport(answer))
        replayer = Replayer(cfg, {"api": provider}, max_spend=Decimal("0.01"), grace_s=10)
        try:
            return await replayer.run([prompt(f"p{i}", i) for i in range(1, 9)], decisions.append, concurrency=4)
        finally:
            await provider.aclose()

    assert asyncio.run(main()) == "budget"
    assert sorted(d.id for d in decisions) == ["1", "2", "3", "4"]  # the four started; all four finished


def test_each_fallback_is_sent_its_own_tiers_parameters() -> None:
    def handler(body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(503, json={}) if body["model"] == "large-model" else reply("ok")

    config = retrying(tiers={**RETRYING["tiers"], "backup": {**RETRYING["tiers"]["backup"], "params": {"top_p": 0.5}}})
    _, calls = run(config, [prompt("x", max_tokens=9)], handler)
    large, backup = calls.bodies[0], calls.bodies[-1]
    assert large["max_tokens"] == backup["max_tokens"] == 9  # the prompt's own, for every model
    assert backup["top_p"] == 0.5
    assert "top_p" not in large


@pytest.mark.parametrize("status", [501, 505, 520])
def test_any_5xx_goes_to_the_fallback(status: int) -> None:
    def handler(body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(status, json={}) if body["model"] == "large-model" else reply("ok")

    (decision,), calls = run(retrying(), [prompt("x")], handler)
    assert calls.models() == ["large-model", "backup-model"]  # not worth a retry, worth a fallback
    assert decision.final_answer() is not None


def test_a_malformed_reply_that_reported_usage_is_billed_once() -> None:
    body = {"choices": [], "usage": {"prompt_tokens": 100, "completion_tokens": 50}}
    replies = iter([httpx.Response(200, json=body), reply("ok", usage=(100, 10))])
    (decision,), _ = run(retrying(), [prompt("x")], lambda _: next(replies))
    malformed, answered = decision.attempts
    assert (malformed.error_kind, malformed.cost) == ("malformed", Decimal("0.0025"))  # 100 × $10 + 50 × $30
    assert answered.cost == Decimal("0.0013")


def test_per_hop_min_mean_judges_each_tier_by_its_own_threshold() -> None:
    # the same mean logprob, -0.6, from small and medium: small's hop wants -0.5 (escalates), medium's -0.7 (takes)
    medium = {"provider": "api", "model": "medium-model", "price": {"input_per_mtok": 3, "output_per_mtok": 6}}
    tiers = {"small": BASE["tiers"]["small"], "medium": medium, "large": BASE["tiers"]["large"]}
    cascade = {
        "chain": ["small", "medium", "large"],
        "accept": {"all": [{"type": "logprob", "min_mean": -0.5}]},
        "per_hop": {"medium": {"min_mean": -0.7}},
    }
    decisions, calls = run(
        config(tiers=tiers, cascade=cascade), [prompt("2+2?")], lambda body: reply("4", logprobs=[-0.6])
    )
    (decision,) = decisions
    assert decision.final_tier == "medium"
    assert [(e.from_tier, e.to_tier, e.reasons) for e in decision.escalations] == [("small", "medium", ("logprob",))]
    assert calls.models() == ["small-model", "medium-model"]
