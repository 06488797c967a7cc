"""The value readers the observability formats share: every spelling of a time, count, amount and JSON cell, and
the metadata that is never copied."""

from __future__ import annotations

from decimal import Decimal

import pytest

from routecli.analyze.formats._fields import (
    Where,
    chat_messages,
    integer,
    json_cell,
    money,
    public_metadata,
    timestamp,
)
from routecli.errors import InvalidValueError

HERE = Where("log.csv", 12)
DEC_8 = 1733616000.0
"""2024-12-08T00:00:00Z."""


@pytest.mark.parametrize(
    "value",
    [
        "2024-12-08T00:00:00Z",
        "2024-12-08T02:00:00+02:00",
        "2024-12-08 00:00:00",  # no zone: UTC
        "2024-12-08 00:00:00+00",  # Postgres timestamptz
        "2024-12-08",
        1733616000,
        "1733616000",
        1733616000000,  # milliseconds
        "1733616000000.0",
        1733616000000000,  # microseconds
        1733616000000000000,  # nanoseconds
    ],
)
def test_every_spelling_of_a_time_is_epoch_seconds(value: object) -> None:
    assert timestamp(value, HERE, "t") == DEC_8


def test_an_empty_time_is_none_and_a_negative_one_is_refused() -> None:
    assert timestamp("", HERE, "t") is None
    assert timestamp(None, HERE, "t") is None
    with pytest.raises(InvalidValueError, match=r"^log\.csv:12: t: expected an ISO 8601"):
        timestamp(-5, HERE, "t")


def test_counts() -> None:
    assert [integer(value, HERE, "n") for value in ("12", "12.0", 12.0, 7, "", None)] == [12, 12, 12, 7, None, None]
    for bad in (True, "1.5", 2.5, [1]):
        with pytest.raises(InvalidValueError, match=r"n: expected a whole number"):
            integer(bad, HERE, "n")


def test_amounts_are_exact_decimals() -> None:
    assert money(0.1, HERE, "cost") == Decimal("0.1")
    assert money("1e-5", HERE, "cost") == Decimal("0.00001")
    assert money(3, HERE, "cost") == Decimal(3)
    assert money("", HERE, "cost") is None
    for bad in ("nan", "-1", "free", True):
        with pytest.raises(InvalidValueError, match=r"cost: expected an amount in USD"):
            money(bad, HERE, "cost")


def test_json_cells() -> None:
    assert json_cell('{"a": 1}', HERE, "m") == {"a": 1}
    assert json_cell(" [1, 2] ", HERE, "m") == [1, 2]
    assert json_cell('"Is this spam?"', HERE, "m") == "Is this spam?"
    assert json_cell("plain words", HERE, "m") == "plain words"
    assert json_cell({"a": 1}, HERE, "m") == {"a": 1}
    assert json_cell("", HERE, "m") is None
    with pytest.raises(InvalidValueError) as raised:
        json_cell("{bad", HERE, "m")
    assert str(raised.value) == "log.csv:12: m: expected JSON, got '{bad'"


def test_an_error_repeats_no_more_than_the_start_of_a_long_value() -> None:
    with pytest.raises(InvalidValueError) as raised:
        integer("my whole prompt, which is long " * 10, HERE, "n")
    message = str(raised.value)
    assert message.startswith("log.csv:12: n: expected a whole number, got 'my whole prompt")
    assert message.endswith("…")
    assert len(message) < 100


def test_api_keys_are_left_out_of_metadata_at_every_depth() -> None:
    metadata = {
        "user_api_key_hash": "h",
        "api_key": "sk-1",
        "user_api_key": "h2",
        "user_api_key_alias": "prod-key",
        "user_api_key_team_alias": "search",
        "user_api_key_user_id": "u-7",
        "requester_metadata": {"API_KEY": "sk-2", "team": "a", "tags": [{"openai_api_key": "x", "k": 1}]},
        "usage_object": {"prompt_tokens": 3},
    }
    assert public_metadata(metadata, drop=("usage_object",), model_group="fast", cache_hit=None) == {
        "user_api_key_alias": "prod-key",
        "user_api_key_team_alias": "search",
        "user_api_key_user_id": "u-7",
        "requester_metadata": {"team": "a", "tags": [{"k": 1}]},
        "model_group": "fast",
    }
    assert public_metadata({"api_key": "sk-1"}) is None


def test_chat_messages() -> None:
    message = {"role": "user", "content": "hi"}
    assert chat_messages([message]) == [message]
    assert chat_messages({"messages": [message], "model": "m"}) == [message]
    assert chat_messages("hi") == [message]
    assert [chat_messages(value) for value in ({}, [], [1, 2], None, "")] == [None] * 5
