"""Every spelling of a time a log may use comes out as the same epoch seconds, UTC."""

from __future__ import annotations

import datetime as dt

import pytest

from routecli.analyze.timestamps import epoch_seconds
from routecli.errors import InvalidValueError

MOMENT = 1_741_570_283.0
"""2025-03-10T01:31:23Z."""


@pytest.mark.parametrize(
    "value",
    [
        "2025-03-10T01:31:23Z",
        "2025-03-10T01:31:23+00:00",
        "2025-03-10T02:31:23+01:00",
        "2025-03-09T20:31:23-05:00",
        "2025-03-10 01:31:23",
        "2025-03-10T01:31:23",
        1_741_570_283,
        1_741_570_283.0,
        "1741570283",
        1_741_570_283_000,
        "1741570283000",
        1_741_570_283_000_000,
        1_741_570_283_000_000_000,
        "1741570283000000000",
        dt.datetime(2025, 3, 10, 1, 31, 23),
        dt.datetime(2025, 3, 10, 2, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=1))),
    ],
)
def test_each_spelling_is_the_same_moment(value: object) -> None:
    assert epoch_seconds(value, "created") == MOMENT


def test_fractions_survive() -> None:
    assert epoch_seconds("2025-03-10T01:31:23.250Z", "t") == MOMENT + 0.25
    assert epoch_seconds(1_741_570_283_250, "t") == MOMENT + 0.25


@pytest.mark.parametrize("value", ["yesterday", "", None, True, [1], {"s": 1}, -5, float("nan")])
def test_anything_else_names_the_field(value: object) -> None:
    with pytest.raises(InvalidValueError) as raised:
        epoch_seconds(value, "startTime")
    assert raised.value.path == ("startTime",)
    assert "expected a time" in raised.value.message
