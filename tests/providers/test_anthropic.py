"""The Anthropic provider over httpx.MockTransport: what it sends, what it reads back, and how it fails."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import httpx
import pytest

from routecli.pricing.prices import ModelPrice, TokenRates, usage_cost
from routecli.providers import Completion, ProviderError, Usage
from routecli.providers.anthropic import AnthropicProvider

KEY = "sk-ant-secret-123"
USER = [{"role": "user", "content": "hi"}]
Handler = Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response]]


def reply(
    *blocks: Mapping[str, Any], usage: Mapping[str, Any] | None = None, stop_reason: str = "end_turn"
) -> httpx.Response:
    body: dict[str, Any] = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "content": list(blocks) or [{"type": "text", "text": "ok"}],
        "stop_reason": stop_reason,
    }
    body["usage"] = {"input_tokens": 10, "output_tokens": 2} if usage is None else usage
    return httpx.Response(200, json=body)


class Recorder:
    """A MockTransport handler that keeps every request and answers through ``handler``."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.handler(request)
        return answer if isinstance(answer, httpx.Response) else await answer

    @property
    def body(self) -> dict[str, Any]:
        (request,) = self.requests
        parsed: dict[str, Any] = json.loads(request.content)
        return parsed


def call(
    handler: Handler,
    messages: Sequence[Mapping[str, Any]] = USER,
    params: Mapping[str, Any] | None = None,
    *,
    logprobs: bool = False,
    **options: Any,
) -> tuple[Completion, Recorder]:
    recorder = Recorder(handler)

    async def main() -> Completion:
        provider = AnthropicProvider(api_key=KEY, transport=httpx.MockTransport(recorder), **options)
        try:
            return await provider.complete("claude-test", messages, params or {}, logprobs=logprobs)
        finally:
            await provider.aclose()

    return asyncio.run(main()), recorder


def failure(handler: Handler, messages: Sequence[Mapping[str, Any]] = USER, **options: Any) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        call(handler, messages, **options)
    assert KEY not in str(caught.value)
    return caught.value


# What is sent


def test_the_request_goes_to_messages_with_the_key_in_x_api_key_only() -> None:
    _, recorder = call(lambda request: reply())
    (request,) = recorder.requests
    assert str(request.url) == "https://api.anthropic.com/v1/messages"
    assert request.method == "POST"
    assert request.headers["x-api-key"] == KEY
    assert "authorization" not in request.headers
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert request.headers["content-type"] == "application/json"
    assert recorder.body == {"model": "claude-test", "max_tokens": 1024, "messages": USER}


def test_the_version_header_can_be_overridden_in_any_case_and_base_url_may_end_in_a_slash() -> None:
    _, recorder = call(
        lambda request: reply(),
        base_url="http://proxy.test/anthropic/v1/",
        headers={"Anthropic-Version": "2099-01-01", "anthropic-beta": "x"},
    )
    (request,) = recorder.requests
    assert str(request.url) == "http://proxy.test/anthropic/v1/messages"
    assert request.headers.get_list("anthropic-version") == ["2099-01-01"]
    assert request.headers["anthropic-beta"] == "x"


def test_system_and_developer_messages_become_the_system_field_and_same_role_turns_merge() -> None:
    messages = [
        {"role": "system", "content": "Be terse."},
        {"role": "user", "content": "first"},
        {"role": "developer", "content": [{"type": "text", "text": "Answer in French."}]},
        {"role": "user", "content": [{"type": "text", "text": "second"}]},
        {"role": "assistant", "content": "un"},
        {"role": "user", "content": "third"},
    ]
    _, recorder = call(lambda request: reply(), messages)
    assert recorder.body["system"] == "Be terse.\n\nAnswer in French."
    assert recorder.body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "first"}, {"type": "text", "text": "second"}]},
        {"role": "assistant", "content": "un"},
        {"role": "user", "content": "third"},
    ]


def test_max_tokens_comes_from_max_tokens_then_max_completion_tokens() -> None:
    _, given = call(lambda request: reply(), params={"max_tokens": 50, "max_completion_tokens": 70})
    _, completion_limit = call(lambda request: reply(), params={"max_completion_tokens": 70})
    assert given.body["max_tokens"] == 50
    assert completion_limit.body["max_tokens"] == 70
    assert "max_completion_tokens" not in given.body
    assert "max_completion_tokens" not in completion_limit.body


@pytest.mark.parametrize(("stop", "sequences"), [("END", ["END"]), (["a", "b"], ["a", "b"])])
def test_stop_becomes_stop_sequences(stop: str | list[str], sequences: list[str]) -> None:
    _, recorder = call(lambda request: reply(), params={"stop": stop})
    assert recorder.body["stop_sequences"] == sequences
    assert "stop" not in recorder.body


def test_openai_only_params_are_dropped_and_the_rest_pass_through() -> None:
    params = {
        "temperature": 0,
        "top_p": 0.9,
        "top_k": 40,
        "metadata": {"user_id": "u1"},
        "seed": 7,
        "frequency_penalty": 0.5,
        "presence_penalty": 0.5,
        "logit_bias": {"1": 2},
        "n": 2,
        "response_format": {"type": "json_object"},
        "user": "u1",
        "top_logprobs": 3,
    }
    _, recorder = call(lambda request: reply(), params=params, logprobs=True)
    assert recorder.body == {
        "model": "claude-test",
        "max_tokens": 1024,
        "messages": USER,
        "temperature": 0,
        "top_p": 0.9,
        "top_k": 40,
        "metadata": {"user_id": "u1"},
    }


def test_content_parts_become_blocks_keeping_cache_control() -> None:
    cached = {"type": "ephemeral"}
    messages = [
        {"role": "system", "content": [{"type": "text", "text": "long rules", "cache_control": cached}]},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "what is this?", "cache_control": cached},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0K"}},
                {"type": "image_url", "image_url": {"url": "https://example.test/cat.jpg", "detail": "low"}},
            ],
        },
    ]
    _, recorder = call(lambda request: reply(), messages)
    assert recorder.body["system"] == [{"type": "text", "text": "long rules", "cache_control": cached}]
    assert recorder.body["messages"] == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "what is this?", "cache_control": cached},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0K"}},
                {"type": "image", "source": {"type": "url", "url": "https://example.test/cat.jpg"}},
            ],
        }
    ]


@pytest.mark.parametrize(
    ("message", "says"),
    [
        ({"role": "tool", "tool_call_id": "c1", "content": "42"}, "'tool' messages are not supported"),
        (
            {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function"}]},
            "assistant tool calls are not supported",
        ),
        (
            {"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "..."}}]},
            "'input_audio' content parts are not supported",
        ),
        (
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png,rawbytes"}}]},
            "must be a base64 data: URL or an http(s) URL",
        ),
        (
            {"role": "system", "content": [{"type": "image_url", "image_url": {"url": "https://example.test/a.png"}}]},
            "a system message can only hold text",
        ),
    ],
)
def test_what_the_messages_api_cannot_carry_fails_before_anything_is_sent(message: dict[str, Any], says: str) -> None:
    recorder = Recorder(lambda request: reply())
    error = failure(recorder, [*USER, message])
    assert error.kind == "request"
    assert error.status is None
    assert says in str(error)
    assert recorder.requests == []


# What is read back


def test_text_blocks_are_joined_and_cache_tokens_count_as_input_priced_at_cache_rates() -> None:
    usage = {
        "input_tokens": 1000,
        "cache_read_input_tokens": 2000,
        "cache_creation_input_tokens": 500,
        "output_tokens": 100,
    }
    completion, _ = call(
        lambda request: reply(
            {"type": "thinking", "thinking": "hmm", "signature": "s"},
            {"type": "text", "text": "Hello, "},
            {"type": "tool_use", "id": "t1", "name": "f", "input": {}},
            {"type": "text", "text": "world"},
            usage=usage,
            stop_reason="max_tokens",
        ),
        logprobs=True,
    )
    assert completion == Completion("Hello, world", Usage(3500, 100, 2000, 500), None, 200)
    claude = ModelPrice(
        "claude-test", "anthropic", TokenRates(Decimal(3), Decimal(15), Decimal("0.30"), Decimal("3.75"))
    )
    assert completion.usage is not None
    # 1000 × $3 + 2000 × $0.30 + 500 × $3.75 + 100 × $15 = $6,975 per 1M tokens
    assert usage_cost(claude, *completion.usage[:4]) == Decimal("0.006975")


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        ({"input_tokens": 12, "output_tokens": 3}, Usage(12, 3, 0, 0)),
        (
            {"input_tokens": 12, "output_tokens": 3, "cache_read_input_tokens": None, "cache_creation_input_tokens": 0},
            Usage(12, 3, 0, 0),
        ),
        ({"input_tokens": 12, "output_tokens": 3, "cache_read_input_tokens": -1}, None),
        ({"input_tokens": 12, "output_tokens": 3, "cache_creation_input_tokens": "5"}, None),
        ({"input_tokens": 12}, None),
        ({"input_tokens": 1.5, "output_tokens": 3}, None),
    ],
)
def test_usage_without_cache_counts_has_none_and_a_bad_count_drops_the_usage(
    usage: dict[str, Any], expected: Usage | None
) -> None:
    completion, _ = call(lambda request: reply(usage=usage))
    assert completion.usage == expected


def test_a_reply_without_usage_has_none() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"content": [{"type": "text", "text": "x"}], "stop_reason": None})

    completion, _ = call(handler)
    assert completion == Completion("x", None, None, 200)


# How it fails


def test_an_auth_failure_hides_its_body() -> None:
    error = failure(lambda request: httpx.Response(401, text=f"invalid x-api-key {KEY[:10]}"))
    assert (error.kind, error.status) == ("http", 401)
    assert str(error) == "HTTP 401: the body is not shown: it may quote the key"


def test_overloaded_is_an_http_error_with_its_status_and_retry_after() -> None:
    body = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    error = failure(lambda request: httpx.Response(529, json=body, headers={"retry-after": "7"}))
    assert (error.kind, error.status, error.retry_after) == ("http", 529, "7")
    assert "overloaded_error" in str(error)


def test_a_key_echoed_in_an_error_body_is_scrubbed() -> None:
    error = failure(lambda request: httpx.Response(500, text=f"upstream saw {KEY}"))
    assert str(error) == "HTTP 500: upstream saw ***"


def test_a_prompt_too_long_is_a_context_length_error() -> None:
    body = {"type": "error", "error": {"type": "invalid_request_error", "message": "prompt is too long: 210000 tokens"}}
    error = failure(lambda request: httpx.Response(400, json=body))
    assert (error.kind, error.status) == ("context_length", 400)


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html>proxy</html>"),
        httpx.Response(200, json={"type": "message", "content": "just text"}),
        httpx.Response(200, json={"content": ["text"]}),
        httpx.Response(200, json={"content": [{"type": "text", "text": None}]}),
        httpx.Response(200, json=[1, 2]),
    ],
)
def test_an_odd_reply_is_malformed(response: httpx.Response) -> None:
    error = failure(lambda request: response)
    assert (error.kind, error.status) == ("malformed", 200)
    assert str(error).startswith("malformed response: ")


def test_a_refused_connection_is_a_connect_error_without_the_key() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"refused while sending {KEY}", request=request)

    error = failure(refuse)
    assert error.kind == "connect"
    assert "***" in str(error)


def test_a_reply_slower_than_timeout_s_is_a_timeout() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return reply()

    error = failure(slow, timeout_s=0.05)
    assert (error.kind, error.status) == ("timeout", None)


THINKING = {"type": "enabled", "budget_tokens": 2048}


def test_thinking_passes_through_with_a_limit_above_its_budget() -> None:
    _, recorder = call(lambda _: reply(), params={"thinking": THINKING, "max_tokens": 4096, "temperature": 1})
    assert recorder.body["thinking"] == THINKING
    assert recorder.body["max_tokens"] == 4096
    assert recorder.body["temperature"] == 1


def test_thinking_without_a_limit_gets_the_default_answer_room_above_its_budget() -> None:
    _, recorder = call(lambda _: reply(), params={"thinking": THINKING})
    assert recorder.body["max_tokens"] == 2048 + 1024


@pytest.mark.parametrize("limit", [{"max_tokens": 2048}, {"max_completion_tokens": 1000}])
def test_a_limit_not_above_the_thinking_budget_fails_before_anything_is_sent(limit: dict[str, int]) -> None:
    with pytest.raises(ProviderError) as caught:
        call(lambda _: reply(), params={"thinking": THINKING, **limit})
    assert caught.value.kind == "request"
    assert "must exceed thinking.budget_tokens 2048" in str(caught.value)
