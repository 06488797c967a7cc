"""Anthropic's Message Batches client: results lines read as documented."""

from __future__ import annotations

import json
from typing import Any

import pytest

from routecli.providers import Completion, ProviderError, Usage
from routecli.providers.batch_anthropic import parse_results


def line(custom_id: str, result: dict[str, Any]) -> str:
    return json.dumps({"custom_id": custom_id, "result": result})


def test_results_give_each_message_and_each_errored_expired_or_canceled_request() -> None:
    message = {
        "type": "message",
        "content": [{"type": "text", "text": "Paris"}],
        "usage": {"input_tokens": 5, "output_tokens": 1, "cache_read_input_tokens": 2},
    }
    error = {"type": "error", "error": {"type": "invalid_request_error", "message": "max_tokens: too large"}}
    text = "\n".join(
        [
            line("r0", {"type": "succeeded", "message": message}),
            line("r1", {"type": "errored", "error": error}),
            line("r2", {"type": "expired"}),
            line("r3", {"type": "canceled"}),
        ]
    )
    found = parse_results(text)
    assert found["r0"] == Completion("Paris", Usage(7, 1, 2, 0), None, 200)  # input is 5 + 2 read from the cache
    kinds = {key: (value.kind, str(value)) for key, value in found.items() if isinstance(value, ProviderError)}
    assert kinds == {
        "r1": ("invalid_request_error", "invalid_request_error: max_tokens: too large"),
        "r2": ("expired", "expired: the batch ended before this request was processed"),
        "r3": ("canceled", "canceled: the batch ended before this request was processed"),
    }


def test_an_unknown_result_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown result type 'pending'"):
        parse_results(line("r0", {"type": "pending"}))
