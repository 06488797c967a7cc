"""``--project``: the volume's spellings, the exact centre and the bootstrap interval (routecli.replay.projection)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from routecli.errors import InvalidValueError
from routecli.replay import projection
from routecli.replay.projection import parse_volume, project
from routecli.replay.report import build_report, with_projection
from tests.helpers.decisions import CASCADE_RUN, cascade_decisions

D = Decimal


@pytest.mark.parametrize(
    ("text", "volume"),
    [
        ("3000000", "3000000"),
        ("3M", "3000000"),
        ("3m", "3000000"),
        ("2.5M/month", "2500000"),
        ("100k/day", "3000000"),  # a day is 1/30 of a month
        ("1.5/day", "45"),
        ("3,000,000", "3000000"),
        ("250", "250"),
        ("0.5", "0.5"),
    ],
)
def test_volumes_are_read_exactly(text: str, volume: str) -> None:
    assert parse_volume(text) == D(volume)
    assert str(parse_volume(text)) == volume  # no exponent to show: 3M is 3000000, not 3E+6


@pytest.mark.parametrize("text", ["3x", "", "M", "-3M", "3M/week", "0", "0k/day"])
def test_other_volumes_are_refused_with_the_spellings_it_takes(text: str) -> None:
    with pytest.raises(InvalidValueError, match=r"requests per month|more than 0"):
        parse_volume(text)


def test_the_centre_is_the_exact_mean_spend_times_the_volume() -> None:
    projected = project([D("0.001"), D("0.002"), D("0.006")], D(3_000_000))
    assert projected is not None
    assert (projected.prompts, projected.spend_per_prompt) == (3, D("0.003"))
    assert projected.monthly_spend == D(9000)  # 0.009 / 3 × 3,000,000
    assert projected.low < projected.monthly_spend < projected.high
    # no resample's mean leaves [min, max] (but for float64's last digit: the spread is a float estimate)
    assert D(3000) <= projected.low
    assert projected.high < D("18000.000001")


def test_two_prompts_give_the_whole_range() -> None:
    """Resampling {0, 1} twice gives means 0, 0.5 and 1 with chances 1/4, 1/2, 1/4: the 2.5th and 97.5th
    percentiles of 10,000 such means are 0 and 1 (each has far more than 2.5% of them)."""
    projected = project([D(0), D(1)], D(1000))
    assert projected is not None
    assert (projected.low, projected.monthly_spend, projected.high) == (D(0), D(500), D(1000))


def test_equal_costs_have_no_spread() -> None:
    projected = project([D("0.1")] * 7, D(30))
    assert projected is not None
    assert projected.low == projected.monthly_spend == projected.high == D(3)


def test_the_interval_narrows_as_more_prompts_are_measured() -> None:
    few = project([D(0), D(2)] * 5, D(1))
    many = project([D(0), D(2)] * 500, D(1))
    assert few is not None
    assert many is not None
    assert few.monthly_spend == many.monthly_spend == D(1)
    # the sd of a mean of n draws from {0, 2} is 1/√n: ±0.62 at n = 10, ±0.062 at n = 1,000
    assert many.high - many.low < (few.high - few.low) / 5
    assert D("0.5") < few.high - few.low < D("1.6")


def test_the_interval_is_seeded_and_does_not_depend_on_how_draws_are_batched(monkeypatch: pytest.MonkeyPatch) -> None:
    costs = [D(n % 7) / 1000 for n in range(50)]
    once, again = project(costs, D(100)), project(costs, D(100))
    monkeypatch.setattr(projection, "_CELLS", 7 * 50)  # 7 resamples at a time, not all 10,000 at once
    batched = project(costs, D(100))
    assert once == again == batched


def test_no_prompts_project_nothing() -> None:
    assert project([], D(1000)) is None


def test_a_report_projects_every_prompts_own_spend() -> None:
    """cascade_decisions: 0.0014, 0.01385, 0.01865, 0.001095, 0.00048 and 0 (prompt 9's failed calls cost
    nothing): 0.035475 over 6 prompts, × 90,000 = 532.125."""
    report = build_report(CASCADE_RUN, cascade_decisions())
    assert sorted(report.prompt_spend) == sorted(
        [D("0.0014"), D("0.01385"), D("0.01865"), D("0.001095"), D("0.00048"), D(0)]
    )
    projected = with_projection(report, parse_volume("3k/day")).projection
    assert projected is not None
    assert (projected.prompts, projected.monthly_spend) == (6, D("532.125"))
    assert report.projection is None  # the report itself is left as it was


def test_the_order_decisions_finished_in_changes_nothing() -> None:
    decisions = cascade_decisions()
    forwards = with_projection(build_report(CASCADE_RUN, decisions), D(1000)).projection
    backwards = with_projection(build_report(CASCADE_RUN, decisions[::-1]), D(1000)).projection
    assert forwards == backwards
