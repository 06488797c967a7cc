"""Deprecation dates: the warning a file naming a retiring model gets, and the date it is checked against."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from routecli.errors import InvalidValueError
from routecli.pricing.lookup import deprecation_warnings, today
from routecli.pricing.prices import ModelPrice, TokenRates, deprecation_warning

OLD = ModelPrice("old-1", "acme", TokenRates(Decimal(1), Decimal(2)), deprecation_date="2026-12-11")


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-12-20", "model 'old-1' (tier 'cheap') was retired on 2026-12-11"),
        ("2026-12-11", "model 'old-1' (tier 'cheap') retires today (2026-12-11)"),
        ("2026-12-10", "model 'old-1' (tier 'cheap') retires on 2026-12-11, in 1 day"),
        ("2026-12-08", "model 'old-1' (tier 'cheap') retires on 2026-12-11, in 3 days"),
        ("2026-11-11", "model 'old-1' (tier 'cheap') retires on 2026-12-11, in 30 days"),
        ("2026-11-10", None),  # 31 days ahead: not yet
    ],
)
def test_past_and_within_30_days_warn_later_does_not(day: str, expected: str | None) -> None:
    warning = deprecation_warning(OLD, dt.date.fromisoformat(day), "tier 'cheap'")
    if expected is None:
        assert warning is None
    else:
        assert warning == f"{expected} (its deprecation_date in the price table)"


def test_a_model_without_a_date_never_warns() -> None:
    undated = ModelPrice("new-1", "acme", TokenRates(Decimal(1), Decimal(2)))
    assert deprecation_warning(undated, dt.date(2099, 1, 1), "tier 'x'") is None
    assert deprecation_warnings([("x", undated), ("y", OLD)], dt.date(2027, 1, 1)) == [
        "model 'old-1' (tier 'y') was retired on 2026-12-11 (its deprecation_date in the price table)"
    ]


def test_today_comes_from_the_environment_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROUTECLI_TODAY", "2026-12-08")
    assert today() == dt.date(2026, 12, 8)
    monkeypatch.delenv("ROUTECLI_TODAY")
    assert today() == dt.date.today()
    monkeypatch.setenv("ROUTECLI_TODAY", "soon")
    with pytest.raises(InvalidValueError, match="expected a date"):
        today()
