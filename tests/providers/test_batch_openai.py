"""OpenAI's Batch API client: batch objects and result files read as documented, over httpx.MockTransport."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from routecli.providers import BatchPoll, Completion, ProviderError, Usage
from routecli.providers.batch_openai import OpenAIBatches, parse_results


def line(custom_id: str, response: Any = None, error: Any = None) -> str:
    return json.dumps({"id": f"batch_req_{custom_id}", "custom_id": custom_id, "response": response, "error": error})


def completion(text: str, prompt: int, reply: int) -> dict[str, Any]:
    return {
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": reply, "total_tokens": prompt + reply},
    }


def test_an_output_file_gives_each_reply_and_each_failed_request_with_the_providers_code() -> None:
    text = "\n".join(
        [
            line("r0", {"status_code": 200, "request_id": "a", "body": completion("four", 4, 1)}),
            line("r1", {"status_code": 400, "request_id": "b", "body": {"error": {"message": "Bad", "code": "bad_x"}}}),
            line("r2", None, {"code": "batch_expired", "message": "This request could not be executed in time."}),
        ]
    )
    found = parse_results(text)
    assert found["r0"] == Completion("four", Usage(4, 1, 0), None, 200)
    failed, expired = found["r1"], found["r2"]
    assert isinstance(failed, ProviderError)
    assert (failed.kind, failed.status, str(failed)) == ("bad_x", 400, "HTTP 400 bad_x: Bad")
    assert isinstance(expired, ProviderError)
    assert (expired.kind, expired.status) == ("expired", None)
    assert str(expired) == "batch_expired: This request could not be executed in time."


def test_a_reply_without_choices_is_malformed_but_keeps_the_usage_it_billed() -> None:
    body = {"object": "chat.completion", "choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 2}}
    result = parse_results(line("r0", {"status_code": 200, "body": body}))["r0"]
    assert isinstance(result, ProviderError)
    assert result.kind == "malformed"
    assert result.usage == Usage(9, 2, 0)


def test_a_line_without_a_custom_id_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="line 2 of a batch result file has no custom_id"):
        parse_results(line("r0", {"status_code": 200, "body": completion("x", 1, 1)}) + "\n{}\n")


def test_a_failed_batch_says_why_and_has_ended() -> None:
    batch = {
        "id": "batch_1",
        "object": "batch",
        "status": "failed",
        "errors": {"object": "list", "data": [{"code": "invalid_json_line", "message": "Line 1 is not JSON"}]},
        "output_file_id": None,
        "error_file_id": None,
        "request_counts": {"total": 0, "completed": 0, "failed": 0},
    }
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path} {request.headers['authorization']}")
        return httpx.Response(200, json=batch)

    async def poll() -> BatchPoll:
        client = OpenAIBatches("http://api.test/v1", api_key="sk-1", transport=httpx.MockTransport(handler))
        try:
            return await client.poll("batch_1")
        finally:
            await client.aclose()

    assert asyncio.run(poll()) == BatchPoll("batch_1", "failed", True, (), "invalid_json_line: Line 1 is not JSON")
    assert seen == ["GET /v1/batches/batch_1 Bearer sk-1"]
