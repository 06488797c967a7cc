"""What a client sees from each fault the fault server injects, seen through plain httpx."""

from __future__ import annotations

import base64
import json
import math
import re
import struct
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.helpers.fault_server import (
    ANTHROPIC_CONTEXT_LENGTH_MESSAGE,
    CONTEXT_LENGTH_MESSAGE,
    EMBEDDING_DIMENSIONS,
    Fault,
    FaultServer,
    embedding,
)

pytest_plugins = ["tests.helpers.fault_server"]

QUESTION = [{"role": "user", "content": "What is 2+2?"}]  # 12 characters: 12 // 4 + 1 = 4 prompt tokens
FAST = 2.0  # seconds: a generous timeout for answers that should be immediate


def chat(client: httpx.Client, server: FaultServer, model: str = "m", **extra: Any) -> httpx.Response:
    return client.post(f"{server.base_url}/chat/completions", json={"model": model, "messages": QUESTION, **extra})


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=FAST) as session:
        yield session


def test_ok_answers_a_chat_completion_with_countable_usage(fault_server: FaultServer, client: httpx.Client) -> None:
    response = chat(client, fault_server)
    assert response.status_code == 200
    reply = response.json()
    assert reply["object"] == "chat.completion"
    assert reply["model"] == "m"
    assert reply["choices"][0]["message"] == {"role": "assistant", "content": "ok"}
    assert reply["choices"][0]["finish_reason"] == "stop"
    assert reply["choices"][0]["logprobs"] is None
    assert reply["usage"] == {"prompt_tokens": 4, "completion_tokens": 1, "total_tokens": 5}


def test_prompt_tokens_count_every_message_including_content_parts(
    fault_server: FaultServer, client: httpx.Client
) -> None:
    fault_server.always("m", Fault("ok", content="two plus two is four"))
    messages = [
        {"role": "system", "content": "Be brief."},  # 9
        {"role": "user", "content": [{"type": "text", "text": "Hello there"}]},  # 11
    ]
    reply = client.post(f"{fault_server.base_url}/chat/completions", json={"model": "m", "messages": messages}).json()
    assert reply["usage"] == {"prompt_tokens": 20 // 4 + 1, "completion_tokens": 5, "total_tokens": 11}


def test_logprobs_come_one_per_word_when_asked(fault_server: FaultServer, client: httpx.Client) -> None:
    fault_server.always("m", Fault("ok", content="two plus  two", logprob=-0.5))
    choice = chat(client, fault_server, logprobs=True, top_logprobs=2).json()["choices"][0]
    entries = choice["logprobs"]["content"]
    assert [entry["token"] for entry in entries] == ["two", " plus", "  two"]
    assert [entry["logprob"] for entry in entries] == [-0.5, -0.5, -0.5]
    assert [(top["token"], top["logprob"]) for top in entries[1]["top_logprobs"]] == [(" plus", -0.5), ("<alt1>", -1.5)]


def test_usage_can_be_overridden_or_left_out(fault_server: FaultServer, client: httpx.Client) -> None:
    fault_server.script(
        "m",
        [
            Fault("ok", usage={"prompt_tokens": 100, "prompt_tokens_details": {"cached_tokens": 60}}),
            Fault("ok", report_usage=False, finish_reason="length"),
        ],
    )
    overridden = chat(client, fault_server).json()
    assert overridden["usage"] == {
        "prompt_tokens": 100,
        "completion_tokens": 1,
        "total_tokens": 101,
        "prompt_tokens_details": {"cached_tokens": 60},
    }
    bare = chat(client, fault_server).json()
    assert "usage" not in bare
    assert bare["choices"][0]["finish_reason"] == "length"


def test_status_sends_retry_after_in_seconds_with_an_openai_error_body(
    fault_server: FaultServer, client: httpx.Client
) -> None:
    fault_server.script("m", [Fault("status", status=429, retry_after=2), Fault("status", status=503)])
    limited = chat(client, fault_server)
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "2"
    assert limited.json()["error"]["code"] == "rate_limit_exceeded"
    unavailable = chat(client, fault_server)
    assert unavailable.status_code == 503
    assert "retry-after" not in unavailable.headers
    assert unavailable.json()["error"]["type"] == "server_error"


def test_status_sends_retry_after_as_an_http_date_or_verbatim(fault_server: FaultServer, client: httpx.Client) -> None:
    fault_server.script(
        "m",
        [
            Fault("status", status=503, retry_after=datetime(2015, 10, 21, 7, 28, tzinfo=UTC)),
            Fault("status", status=429, retry_after=0.5),
            Fault("status", status=429, retry_after="soon", body=b"slow down"),
        ],
    )
    assert chat(client, fault_server).headers["retry-after"] == "Wed, 21 Oct 2015 07:28:00 GMT"
    assert chat(client, fault_server).headers["retry-after"] == "0.5"
    verbatim = chat(client, fault_server)
    assert (verbatim.headers["retry-after"], verbatim.content) == ("soon", b"slow down")


def test_requests_record_when_they_arrived(fault_server: FaultServer, client: httpx.Client) -> None:
    """A client honouring Retry-After shows up as a gap between the two arrivals."""
    fault_server.script("m", [Fault("status", status=429, retry_after=0.2)])
    before = time.monotonic()
    first = chat(client, fault_server)
    time.sleep(float(first.headers["retry-after"]))
    assert chat(client, fault_server).status_code == 200
    first_arrival, second_arrival = (request.received_at for request in fault_server.requests)
    assert before <= first_arrival
    assert second_arrival - first_arrival >= 0.2
    assert second_arrival <= time.monotonic()


def test_requests_record_what_arrived_and_what_was_done(fault_server: FaultServer, client: httpx.Client) -> None:
    fault_server.script("m", [Fault("status", status=500)])
    chat(client, fault_server, temperature=0)
    chat(client, fault_server, temperature=0)
    first, second = fault_server.requests
    assert (first.method, first.path, first.model) == ("POST", "/v1/chat/completions", "m")
    assert first.json == {"model": "m", "messages": QUESTION, "temperature": 0}
    assert json.loads(first.body) == first.json
    assert first.headers["content-type"] == "application/json"
    assert (first.fault, second.fault) == (Fault("status", status=500), Fault("ok"))
    assert first.connection == second.connection  # a 500 leaves the connection open for the next request


def test_context_length_sends_openais_body(fault_server: FaultServer, client: httpx.Client) -> None:
    fault_server.always("m", Fault("context_length"))
    response = chat(client, fault_server)
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "message": CONTEXT_LENGTH_MESSAGE,
            "type": "invalid_request_error",
            "param": "messages",
            "code": "context_length_exceeded",
        }
    }
    assert CONTEXT_LENGTH_MESSAGE.startswith("This model's maximum context length is 8192 tokens")


def test_hang_outlasts_a_short_client_timeout(fault_server: FaultServer) -> None:
    fault_server.always("m", Fault("hang"))
    with httpx.Client(timeout=0.2) as client, pytest.raises(httpx.ReadTimeout):
        chat(client, fault_server)
    assert [request.fault.kind for request in fault_server.requests] == ["hang"]


def test_hang_with_seconds_closes_the_connection_unanswered(fault_server: FaultServer, client: httpx.Client) -> None:
    fault_server.script("m", [Fault("hang", seconds=0.2)])
    started = time.monotonic()
    with pytest.raises(httpx.RemoteProtocolError):
        chat(client, fault_server)
    assert time.monotonic() - started >= 0.2
    assert chat(client, fault_server).status_code == 200  # the script is used up


def test_close_drops_a_hanging_request(fault_server: FaultServer) -> None:
    fault_server.always("m", Fault("hang"))
    errors: list[Exception] = []

    def wait_for_answer() -> None:
        with httpx.Client(timeout=30.0) as client:
            try:
                chat(client, fault_server)
            except httpx.TransportError as error:
                errors.append(error)

    waiting = threading.Thread(target=wait_for_answer)
    waiting.start()
    deadline = time.monotonic() + FAST
    while not fault_server.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    fault_server.close()
    waiting.join(FAST)
    assert not waiting.is_alive()
    assert time.monotonic() - started < FAST
    assert len(errors) == 1
    assert isinstance(errors[0], (httpx.RemoteProtocolError, httpx.ReadError))


def test_reset_drops_the_connection_without_a_response(fault_server: FaultServer, client: httpx.Client) -> None:
    fault_server.script("m", [Fault("reset")])
    with pytest.raises(httpx.ReadError, match="reset"):  # a TCP RST, not the EOF of an orderly close
        chat(client, fault_server)
    assert chat(client, fault_server).status_code == 200
    first, second = fault_server.requests
    assert second.connection != first.connection


def test_truncated_sends_headers_then_part_of_the_body(fault_server: FaultServer, client: httpx.Client) -> None:
    fault_server.always("m", Fault("truncated"))
    request = client.build_request(
        "POST", f"{fault_server.base_url}/chat/completions", json={"model": "m", "messages": QUESTION}
    )
    response = client.send(request, stream=True)
    try:
        assert response.status_code == 200
        assert int(response.headers["content-length"]) > 0
        with pytest.raises(httpx.RemoteProtocolError):
            response.read()
    finally:
        response.close()
    with pytest.raises(httpx.RemoteProtocolError):
        chat(client, fault_server)


def test_malformed_sends_a_body_that_is_not_json(fault_server: FaultServer, client: httpx.Client) -> None:
    fault_server.script("m", [Fault("malformed"), Fault("malformed", body=b'{"object": "chat.completion"}')])
    not_json = chat(client, fault_server)
    assert not_json.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        not_json.json()
    no_choices = chat(client, fault_server)
    assert no_choices.status_code == 200
    assert no_choices.json() == {"object": "chat.completion"}


def test_trickle_delivers_a_whole_valid_answer_slowly(fault_server: FaultServer) -> None:
    """Each chunk beats a 0.15 s read timeout, though the answer takes twice that."""
    fault_server.always("m", Fault("trickle", content="slow and steady", seconds=0.3, chunk_size=16))
    started = time.monotonic()
    with httpx.Client(timeout=0.15) as client:
        response = chat(client, fault_server)
    assert time.monotonic() - started >= 0.3
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == "slow and steady"
    assert response.json()["usage"]["completion_tokens"] == 3


def test_delay_holds_back_the_answer(fault_server: FaultServer, client: httpx.Client) -> None:
    fault_server.always("m", Fault("ok", delay=0.2))
    started = time.monotonic()
    assert chat(client, fault_server).status_code == 200
    assert time.monotonic() - started >= 0.2


def test_a_script_is_used_in_order_then_normal_answers_follow(fault_server: FaultServer, client: httpx.Client) -> None:
    fault_server.script("m", [Fault("status", status=500), Fault("status", status=429)])
    fault_server.script("m", [Fault("ok", content="third")])
    assert len(fault_server.pending("m")) == 3
    assert chat(client, fault_server, model="other").status_code == 200  # another model's requests use none
    assert chat(client, fault_server).status_code == 500
    assert chat(client, fault_server).status_code == 429
    assert fault_server.pending("m") == (Fault("ok", content="third"),)
    assert chat(client, fault_server).json()["choices"][0]["message"]["content"] == "third"
    assert chat(client, fault_server).json()["choices"][0]["message"]["content"] == "ok"
    assert fault_server.pending("m") == ()


def test_always_follows_the_script_until_undone(fault_server: FaultServer, client: httpx.Client) -> None:
    fault_server.always("m", Fault("status", status=503))
    fault_server.script("m", [Fault("status", status=429)])
    assert [chat(client, fault_server).status_code for _ in range(3)] == [429, 503, 503]
    fault_server.always("m", None)
    assert chat(client, fault_server).status_code == 200


def test_keep_alive_reuses_one_connection(fault_server: FaultServer, client: httpx.Client) -> None:
    for _ in range(3):
        chat(client, fault_server)
    with httpx.Client(timeout=FAST) as other:
        chat(other, fault_server)
    assert [request.connection for request in fault_server.requests] == [1, 1, 1, 2]


def test_requests_a_real_server_would_refuse(fault_server: FaultServer, client: httpx.Client) -> None:
    base = fault_server.base_url
    assert client.post(f"{base}/completions", json={"model": "m"}).status_code == 404
    assert client.get(f"{base}/chat/completions").status_code == 405
    assert client.post(f"{base}/chat/completions", content=b"not json").status_code == 400
    assert client.post(f"{base}/chat/completions", json={"messages": QUESTION}).json()["error"]["param"] == "model"
    assert client.post(f"{base}/chat/completions", json={"model": "m", "messages": []}).status_code == 400


def embed(client: httpx.Client, server: FaultServer, **body: Any) -> httpx.Response:
    return client.post(f"{server.base_url}/embeddings", json={"model": "e", **body})


def test_embeddings_come_one_unit_vector_per_input(fault_server: FaultServer, client: httpx.Client) -> None:
    reply = embed(client, fault_server, input=["a b", "c"]).json()
    assert reply["object"] == "list"
    assert [item["index"] for item in reply["data"]] == [0, 1]
    for item in reply["data"]:
        assert len(item["embedding"]) == EMBEDDING_DIMENSIONS
        assert math.isclose(math.fsum(value * value for value in item["embedding"]), 1.0)
    assert reply["usage"] == {"prompt_tokens": 4 // 4 + 1, "total_tokens": 2}


def test_embeddings_are_a_deterministic_bag_of_words(fault_server: FaultServer, client: httpx.Client) -> None:
    first = embed(client, fault_server, input="The cat sat").json()["data"][0]["embedding"]
    again = embed(client, fault_server, input=["sat, the CAT"]).json()["data"][0]["embedding"]
    assert first == again == embedding("the cat sat")
    assert embedding("cat") == embedding("cat cat")
    assert sorted(abs(value) for value in embedding("cat"))[-2:] == [0.0, 1.0]  # one word, one component
    assert embedding("cat") != embedding("dog")
    assert embedding("...") == [0.0] * EMBEDDING_DIMENSIONS


def test_embeddings_honour_dimensions_and_base64(fault_server: FaultServer, client: httpx.Client) -> None:
    reply = embed(client, fault_server, input="the cat sat", dimensions=8, encoding_format="base64").json()
    decoded = struct.unpack("<8f", base64.b64decode(reply["data"][0]["embedding"]))
    assert decoded == pytest.approx(embedding("the cat sat", 8))


def test_embeddings_take_faults_by_model(fault_server: FaultServer, client: httpx.Client) -> None:
    fault_server.script("e", [Fault("status", status=429, retry_after=1), Fault("context_length")])
    limited = embed(client, fault_server, input="x")
    assert (limited.status_code, limited.headers["retry-after"]) == (429, "1")
    assert embed(client, fault_server, input="x").json()["error"]["code"] == "context_length_exceeded"
    assert embed(client, fault_server, input="x").status_code == 200


def message(client: httpx.Client, server: FaultServer, **body: Any) -> httpx.Response:
    document = {
        "model": "claude",
        "max_tokens": 16,
        "system": "Be brief.",  # 9 characters
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Hello there"}]}],  # 11
        **body,
    }
    return client.post(f"{server.origin}/v1/messages", json=document, headers={"anthropic-version": "2023-06-01"})


def test_messages_answer_in_anthropics_shape(fault_server: FaultServer, client: httpx.Client) -> None:
    fault_server.always("claude", Fault("ok", content="Hi there friend", usage={"cache_read_input_tokens": 5}))
    reply = message(client, fault_server).json()
    assert reply["type"] == "message"
    assert reply["role"] == "assistant"
    assert reply["model"] == "claude"
    assert reply["content"] == [{"type": "text", "text": "Hi there friend"}]
    assert reply["stop_reason"] == "end_turn"
    assert reply["usage"] == {
        "input_tokens": 20 // 4 + 1,
        "output_tokens": 3,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 5,
    }
    assert fault_server.requests[0].headers["anthropic-version"] == "2023-06-01"


def test_messages_faults_use_anthropics_error_shape(fault_server: FaultServer, client: httpx.Client) -> None:
    fault_server.script("claude", [Fault("status", status=529), Fault("context_length")])
    overloaded = message(client, fault_server)
    assert overloaded.status_code == 529
    assert overloaded.json()["error"]["type"] == "overloaded_error"
    too_long = message(client, fault_server)
    assert too_long.status_code == 400
    assert too_long.json() == {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": ANTHROPIC_CONTEXT_LENGTH_MESSAGE},
    }
    missing = message(client, fault_server, max_tokens=None)
    assert missing.json()["error"]["message"] == "max_tokens: Field required"


@pytest.mark.parametrize(
    ("kind", "options", "complaint"),
    [
        ("explode", {}, "unknown fault kind 'explode'"),
        ("status", {"status": 99}, "status 99"),
        ("status", {"retry_after": datetime(2015, 10, 21)}, "aware datetime"),  # naive: no time zone
        ("status", {"retry_after": -1}, "retry_after -1"),
        ("hang", {"seconds": -1}, "seconds -1"),
        ("ok", {"delay": -0.5}, "delay -0.5"),
        ("trickle", {"chunk_size": 0}, "chunk_size 0"),
    ],
)
def test_faults_that_cannot_be_carried_out_are_refused(kind: str, options: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ValueError, match=re.escape(complaint)):
        Fault(kind, **options)


def test_close_stops_the_thread_and_frees_the_port() -> None:
    threads_before = threading.active_count()
    server = FaultServer()
    with httpx.Client(timeout=FAST) as client:
        assert chat(client, server).status_code == 200
        server.close()
        server.close()  # twice is harmless
        assert threading.active_count() == threads_before
        with pytest.raises(httpx.ConnectError):
            chat(client, server)


def test_a_reasoning_model_refuses_what_openais_reasoning_models_refuse(
    fault_server: FaultServer, client: httpx.Client
) -> None:
    fault_server.always("r", Fault("ok", reasoning=10))
    refusals = {
        "max_tokens": chat(client, fault_server, "r", max_tokens=100),
        "temperature": chat(client, fault_server, "r", temperature=0),
        "logprobs": chat(client, fault_server, "r", logprobs=True),
    }
    for param, response in refusals.items():
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["param"] == param
        assert error["type"] == "invalid_request_error"
        assert error["code"] == ("unsupported_value" if param == "temperature" else "unsupported_parameter")
    assert "Use 'max_completion_tokens' instead." in refusals["max_tokens"].json()["error"]["message"]
    assert chat(client, fault_server, "r", temperature=1, max_completion_tokens=100).status_code == 200


def test_a_reasoning_models_usage_counts_its_reasoning_in_the_completion(
    fault_server: FaultServer, client: httpx.Client
) -> None:
    fault_server.always("r", Fault("ok", content="four", reasoning=10))
    usage = chat(client, fault_server, "r").json()["usage"]
    assert (usage["prompt_tokens"], usage["completion_tokens"], usage["total_tokens"]) == (4, 1 + 10, 15)
    assert usage["completion_tokens_details"]["reasoning_tokens"] == 10


def messages(client: httpx.Client, server: FaultServer, **extra: Any) -> httpx.Response:
    body = {"model": "c", "messages": QUESTION, "max_tokens": 3000, **extra}
    return client.post(f"{server.origin}/v1/messages", json=body)


def test_anthropic_thinking_comes_before_the_text_and_counts_as_output(
    fault_server: FaultServer, client: httpx.Client
) -> None:
    fault_server.always("c", Fault("ok", content="four", reasoning=200))
    reply = messages(client, fault_server, thinking={"type": "enabled", "budget_tokens": 1024}).json()
    assert [block["type"] for block in reply["content"]] == ["thinking", "text"]
    assert reply["usage"]["output_tokens"] == 1 + 200
    plain = messages(client, fault_server).json()  # no thinking asked for: none done
    assert [block["type"] for block in plain["content"]] == ["text"]
    assert plain["usage"]["output_tokens"] == 1


@pytest.mark.parametrize(
    "extra",
    [
        {"thinking": {"type": "enabled", "budget_tokens": 512}},
        {"thinking": {"type": "enabled", "budget_tokens": 3000}},
        {"thinking": {"type": "enabled", "budget_tokens": 1024}, "temperature": 0},
    ],
)
def test_anthropic_thinking_is_refused_as_the_api_refuses_it(
    fault_server: FaultServer, client: httpx.Client, extra: dict[str, Any]
) -> None:
    fault_server.always("c", Fault("ok", reasoning=200))
    response = messages(client, fault_server, **extra)
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
