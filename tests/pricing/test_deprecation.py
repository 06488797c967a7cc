"""Deprecation dates: the warning a file naming a retiring model gets, and the date it is checked against."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from routecli.errors import InvalidValueError
from routecli.pricing.lookup import deprecation_warnings, today
from routecli.pricing.prices import ModelPrice, TokenRates, deprecation_warning
from tests.helpers.cli import ok, ok_json

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


def test_pricing_show_gives_service_tiers_and_the_deprecation_date() -> None:
    """gpt-5-mini in the shipped table (LiteLLM 1.110.2): flex 0.125 / 1, priority 0.45 / 3.6, retiring 2026-12-11."""
    shown = ok("pricing", "show", "gpt-5-mini")
    assert "Flex, USD per 1M tokens" in shown
    assert "Priority, USD per 1M tokens" in shown
    assert "$0.45" in shown
    assert "deprecation date: 2026-12-11" in shown
    document = ok_json("pricing", "show", "gpt-5-mini", "--format", "json")
    assert document["flex"]["input_per_mtok"] == "0.125"
    assert document["priority"]["output_per_mtok"] == "3.6"
    assert document["deprecation_date"] == "2026-12-11"
