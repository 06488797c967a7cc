"""What replay relies on in the llama.cpp server's OpenAI-compatible API, pinned down against the real thing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.helpers.llama_server import REQUIRE_ENV, LlamaServer, unavailable

QUESTION = [{"role": "user", "content": "What is 2+2?"}]
MAX_TOKENS = 8


def chat(server: LlamaServer, **overrides: Any) -> dict[str, Any]:
    """POST a greedy, short chat completion and return its JSON body, which must come with 200."""
    body: dict[str, Any] = {"model": server.model, "messages": QUESTION, "max_tokens": MAX_TOKENS, "temperature": 0}
    body.update(overrides)
    response = httpx.post(f"{server.base_url}/chat/completions", json=body, timeout=60.0)
    assert response.status_code == httpx.codes.OK, response.text
    reply: dict[str, Any] = response.json()
    return reply


@pytest.mark.llama
def test_chat_completion_reports_content_and_usage(llama_server: LlamaServer) -> None:
    reply = chat(llama_server)
    assert isinstance(reply["choices"][0]["message"]["content"], str)
    usage = reply["usage"]
    assert isinstance(usage["prompt_tokens"], int)
    assert isinstance(usage["completion_tokens"], int)
    assert usage["prompt_tokens"] > 0
    assert 0 < usage["completion_tokens"] <= MAX_TOKENS
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


@pytest.mark.llama
def test_logprobs_have_one_entry_per_completion_token(llama_server: LlamaServer) -> None:
    reply = chat(llama_server, logprobs=True, top_logprobs=1)
    choice = reply["choices"][0]
    entries = choice["logprobs"]["content"]
    assert len(entries) == reply["usage"]["completion_tokens"]
    assert "".join(entry["token"] for entry in entries) == choice["message"]["content"]
    for entry in entries:
        assert isinstance(entry["logprob"], float)
        assert entry["logprob"] <= 0.0
        # Greedy decoding picks the most likely token, so it is its own single top alternative.
        assert [(top["token"], top["logprob"]) for top in entry["top_logprobs"]] == [(entry["token"], entry["logprob"])]


@pytest.mark.llama
def test_logprobs_without_top_logprobs_are_null(llama_server: LlamaServer) -> None:
    """llama-cpp-python reads top_logprobs as the switch: "logprobs": true alone returns none."""
    reply = chat(llama_server, logprobs=True)
    assert reply["choices"][0]["logprobs"] is None


@pytest.mark.llama
def test_greedy_replies_repeat_exactly(llama_server: LlamaServer) -> None:
    first = chat(llama_server, logprobs=True, top_logprobs=1)
    chat(llama_server, messages=[{"role": "user", "content": "Name a colour."}])  # evicts the cached prompt
    second = chat(llama_server, logprobs=True, top_logprobs=1)
    assert second["choices"][0]["message"] == first["choices"][0]["message"]
    assert second["usage"] == first["usage"]
    assert second["choices"][0]["logprobs"] == first["choices"][0]["logprobs"]


@pytest.mark.llama
def test_any_model_name_is_answered_by_the_one_model(llama_server: LlamaServer) -> None:
    """Two replay tiers may share this server under different names: it serves both, and echoes each name."""
    listed = httpx.get(f"{llama_server.base_url}/models", timeout=10.0).json()
    assert [model["id"] for model in listed["data"]] == [llama_server.model]

    other_name = "tier-b-under-another-name"
    by_alias = chat(llama_server)
    by_other_name = chat(llama_server, model=other_name)
    assert by_alias["model"] == llama_server.model
    assert by_other_name["model"] == other_name
    assert by_other_name["choices"][0]["message"] == by_alias["choices"][0]["message"]
    assert by_other_name["usage"] == by_alias["usage"]


def test_missing_server_skips_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="no module 'llama_cpp'"):
        unavailable("no module 'llama_cpp'")


def test_missing_server_fails_when_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match=f"no module 'llama_cpp'.*{REQUIRE_ENV}=1"):
        unavailable("no module 'llama_cpp'")
