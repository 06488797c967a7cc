"""Percentiles (numpy's linear interpolation, checked by hand and against numpy) and rates."""

from __future__ import annotations

import numpy
import pytest
from hypothesis import given
from hypothesis import strategies as st

from routecli.replay.stats import Percentiles, percentile, percentiles, rate


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([1.0, 2.0, 3.0, 4.0], 50, 2.5),  # rank 1.5: halfway between 2 and 3
        ([10.0, 20.0, 30.0, 40.0, 50.0], 95, 48.0),  # rank 3.8: 40 + 0.8 × 10
        ([10.0, 20.0, 30.0, 40.0, 50.0], 25, 20.0),  # rank 1 exactly
        ([10.0, 20.0, 30.0, 40.0, 50.0], 10, 14.0),  # rank 0.4
        ([1.0, 3.0], 99, 2.98),  # rank 0.99
        ([-5.0, 0.0, 5.0], 75, 2.5),  # rank 1.5
        ([2.0, 2.0, 2.0], 50, 2.0),
    ],
)
def test_percentile_interpolates_linearly_between_ranks(values: list[float], q: float, expected: float) -> None:
    assert percentile(values, q) == pytest.approx(expected)


def test_percentile_ends_are_the_extremes() -> None:
    values = [1.0, 4.0, 9.0]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 9.0


@pytest.mark.parametrize("q", [0, 50, 99, 100])
def test_percentile_of_one_value_is_that_value(q: float) -> None:
    assert percentile([7.5], q) == 7.5


def test_percentile_of_no_values_raises() -> None:
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(st.lists(finite, min_size=1, max_size=50), st.floats(min_value=0, max_value=100))
def test_percentile_agrees_with_numpy(values: list[float], q: float) -> None:
    assert percentile(sorted(values), q) == pytest.approx(float(numpy.percentile(values, q)), rel=1e-9, abs=1e-6)


def test_percentiles_by_hand() -> None:
    # sorted 1, 2, 3: P50 rank 1 → 2; P95 rank 1.9 → 2.9; P99 rank 1.98 → 2.98; mean 2
    assert percentiles([3.0, 1.0, 2.0]) == pytest.approx(Percentiles(2.0, 2.9, 2.98, 2.0))


@given(st.lists(finite, min_size=1, max_size=50))
def test_percentiles_agree_with_numpy(values: list[float]) -> None:
    found = percentiles(values)
    assert found is not None
    p50, p95, p99 = numpy.percentile(values, [50, 95, 99])
    assert found.p50 == pytest.approx(float(p50), rel=1e-9, abs=1e-6)
    assert found.p95 == pytest.approx(float(p95), rel=1e-9, abs=1e-6)
    assert found.p99 == pytest.approx(float(p99), rel=1e-9, abs=1e-6)
    assert found.mean == pytest.approx(float(numpy.mean(values)), rel=1e-9, abs=1e-6)
    assert found.p50 <= found.p95 <= found.p99


def test_percentiles_of_nothing_is_none() -> None:
    assert percentiles([]) is None


def test_percentiles_of_one_value() -> None:
    assert percentiles([4.0]) == Percentiles(4.0, 4.0, 4.0, 4.0)


@pytest.mark.parametrize(
    ("part", "whole", "expected"), [(1, 4, 0.25), (0, 5, 0.0), (3, 3, 1.0), (0, 0, None), (3, 0, None)]
)
def test_rate(part: int, whole: int, expected: float | None) -> None:
    assert rate(part, whole) == expected
