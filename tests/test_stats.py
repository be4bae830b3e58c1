"""lstm_edu.stats: intervals checked against closed forms and independent computations."""
from __future__ import annotations

import math

import numpy as np
import pytest

from lstm_edu.stats import (
    NO_DIFFERENCE,
    Rate,
    compare_intervals,
    median_interval,
    median_spread,
    wilson_interval,
)


def wilson_by_hand(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """The Wilson score interval from its formula."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.mark.parametrize("k, n", [(0, 10), (1, 10), (4, 10), (10, 10), (3, 7), (50, 100)])
def test_wilson_interval_matches_the_formula(k, n):
    rate = wilson_interval(k, n)
    low, high = wilson_by_hand(k, n)
    assert rate.low == pytest.approx(max(0.0, low), abs=1e-12)
    assert rate.high == pytest.approx(min(1.0, high), abs=1e-12)
    assert rate.low <= k / n <= rate.high and rate.rate == k / n
    assert str(rate) == f"{k}/{n} [{rate.low:.2f}, {rate.high:.2f}]"


def test_wilson_interval_known_values_and_numpy_integers():
    rate = wilson_interval(np.int64(4), np.int32(10))
    assert (round(rate.low, 3), round(rate.high, 3)) == (0.168, 0.687)
    assert wilson_interval(0, 10).low == 0.0 and round(wilson_interval(0, 10).high, 3) == 0.278
    assert wilson_interval(4, 10, confidence=0.5).high < rate.high  # narrower at lower confidence


@pytest.mark.parametrize("args, error, message", [
    ((11, 10), ValueError, "successes"),
    ((-1, 10), ValueError, "successes"),
    ((0, 0), ValueError, "trials"),
    ((1.0, 10), TypeError, "successes"),
    ((True, 10), TypeError, "successes"),
    ((1, "10"), TypeError, "trials"),
])
def test_wilson_interval_refuses_bad_input(args, error, message):
    with pytest.raises(error, match=message):
        wilson_interval(*args)
    with pytest.raises(ValueError, match="confidence"):
        wilson_interval(1, 10, confidence=1.5)


def test_median_spread_is_the_median_and_quartiles():
    spread = median_spread([5, 1, 4, 2, 3])
    assert (spread.median, spread.q1, spread.q3, spread.n) == (3.0, 2.0, 4.0, 5)
    assert str(spread) == "3 [2, 4]"
    assert median_spread(np.array([0.5])).median == 0.5
    with pytest.raises(ValueError, match="values"):
        median_spread([])
    with pytest.raises(TypeError, match="values"):
        median_spread("123")
    with pytest.raises(TypeError, match="values"):
        median_spread(["a", "b"])


def test_median_interval_is_deterministic_and_brackets_the_median():
    values = np.random.default_rng(0).normal(size=30)
    low, high = median_interval(values)
    assert low <= np.median(values) <= high and (low, high) == median_interval(values)
    # the bootstrap interval of the median narrows as the sample grows
    big = np.random.default_rng(0).normal(size=300)
    assert np.subtract(*median_interval(big)[::-1]) < high - low
    assert median_interval([2.0]) == (2.0, 2.0)
    with pytest.raises(ValueError, match="resamples"):
        median_interval(values, resamples=10)


def test_compare_intervals_says_a_difference_only_when_they_do_not_overlap():
    assert compare_intervals((0.5, 0.9), (0.0, 0.3)) == "higher"
    assert compare_intervals(wilson_interval(0, 10), wilson_interval(10, 10)) == "lower"
    assert compare_intervals(wilson_interval(4, 10), wilson_interval(1, 10)) == NO_DIFFERENCE
    assert compare_intervals((0.1, 0.3), (0.3, 0.5)) == NO_DIFFERENCE  # touching counts as overlap
    with pytest.raises(ValueError, match="first"):
        compare_intervals((0.9, 0.1), (0.0, 0.3))
    with pytest.raises(TypeError, match="second"):
        compare_intervals((0.1, 0.2), "0.3")
    assert isinstance(wilson_interval(1, 2), Rate)
