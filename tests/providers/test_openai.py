"""The OpenAI provider with reasoning models: the parameters they take, their reasoning tokens, their 400s."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest

from routecli.providers import Completion, ProviderError, Usage, reasoning_params
from routecli.providers.openai import OpenAIProvider, parse_completion
from tests.helpers.fault_server import Fault, FaultServer

pytest_plugins = ["tests.helpers.fault_server"]

QUESTION = [{"role": "user", "content": "What is 2+2?"}]  # 12 characters: 12 // 4 + 1 = 4 prompt tokens


@pytest.mark.parametrize(
    ("params", "sent"),
    [
        ({"max_tokens": 300, "temperature": 0.2, "seed": 7}, {"max_completion_tokens": 300, "seed": 7}),
        ({"temperature": 1, "top_p": 1}, {"temperature": 1, "top_p": 1}),
        ({"max_tokens": 8, "max_completion_tokens": 4000}, {"max_completion_tokens": 4000}),
        ({"logprobs": True, "top_logprobs": 2, "reasoning_effort": "low"}, {"reasoning_effort": "low"}),
        ({"temperature": None}, {"temperature": None}),
    ],
)
def test_reasoning_params_are_what_reasoning_models_take(params: dict[str, Any], sent: dict[str, Any]) -> None:
    assert reasoning_params(params) == sent


def usage(details: Mapping[str, Any] | None) -> dict[str, Any]:
    reported: dict[str, Any] = {"prompt_tokens": 10, "completion_tokens": 50}
    if details is not None:
        reported["completion_tokens_details"] = details
    return {"choices": [{"message": {"content": "Four."}}], "usage": reported}


@pytest.mark.parametrize(
    ("details", "reasoning"),
    [
        ({"reasoning_tokens": 42, "audio_tokens": 0}, 42),
        (None, 0),
        ({"reasoning_tokens": None}, 0),
        ({"reasoning_tokens": 80}, 50),  # never more than the completion tokens it is part of
    ],
)
def test_reasoning_tokens_are_read_from_completion_tokens_details(
    details: Mapping[str, Any] | None, reasoning: int
) -> None:
    assert parse_completion(usage(details)).usage == Usage(10, 50, 0, 0, reasoning)


def complete(server: FaultServer, model: str, params: Mapping[str, Any], *, logprobs: bool = False) -> Completion:
    async def main() -> Completion:
        provider = OpenAIProvider(server.base_url, timeout_s=5)
        try:
            return await provider.complete(model, QUESTION, params, logprobs=logprobs)
        finally:
            await provider.aclose()

    return asyncio.run(main())


def test_a_reasoning_models_answer_reports_its_reasoning_tokens(fault_server: FaultServer) -> None:
    fault_server.always("gpt-5-mini", Fault("ok", content="It is four.", reasoning=64))
    completion = complete(fault_server, "gpt-5-mini", reasoning_params({"max_tokens": 500, "temperature": 0}))
    assert completion.text == "It is four."
    assert completion.usage == Usage(4, 3 + 64, 0, 0, 64)
    (request,) = fault_server.requests
    assert request.json == {"max_completion_tokens": 500, "model": "gpt-5-mini", "messages": QUESTION}


@pytest.mark.parametrize(
    ("params", "logprobs", "param"),
    [({"max_tokens": 500}, False, "max_tokens"), ({"temperature": 0}, False, "temperature"), ({}, True, "logprobs")],
)
def test_what_reasoning_models_refuse_is_an_http_400(
    fault_server: FaultServer, params: dict[str, Any], logprobs: bool, param: str
) -> None:
    fault_server.always("gpt-5-mini", Fault("ok", reasoning=64))
    with pytest.raises(ProviderError) as caught:
        complete(fault_server, "gpt-5-mini", params, logprobs=logprobs)
    assert caught.value.status == 400
    assert f"'{param}' " in str(caught.value)
