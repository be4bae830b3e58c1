"""Statistics for results over seeds: intervals, and differences only where they hold.

The book's rules for evidence: a success rate (k of n seeds) carries a 95 % Wilson
interval; a continuous result carries its median and spread across seeds; two results
differ only when their intervals do not overlap, and otherwise there is "no difference at
this sample size".

- :func:`wilson_interval` -- interval of a success rate (statsmodels' Wilson score interval).
- :func:`median_spread` -- median and interquartile range of a continuous result.
- :func:`median_interval` -- a bootstrap interval of the median (for comparisons).
- :func:`compare_intervals` -- "higher", "lower" or "no difference" from two intervals.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

__all__ = ["Rate", "Spread", "wilson_interval", "median_spread", "median_interval", "compare_intervals",
           "NO_DIFFERENCE"]

#: What :func:`compare_intervals` answers when the intervals overlap.
NO_DIFFERENCE = "no difference at this sample size"


@dataclass(frozen=True)
class Rate:
    """``successes`` of ``trials`` with its 95 % Wilson interval ``(low, high)``."""

    successes: int
    trials: int
    low: float
    high: float

    @property
    def rate(self) -> float:
        return self.successes / self.trials

    def __str__(self) -> str:
        return f"{self.successes}/{self.trials} [{self.low:.2f}, {self.high:.2f}]"


@dataclass(frozen=True)
class Spread:
    """Median and interquartile range (25th and 75th percentiles) of values over seeds."""

    median: float
    q1: float
    q3: float
    n: int

    def __str__(self) -> str:
        return f"{self.median:.3g} [{self.q1:.3g}, {self.q3:.3g}]"


def _check_count(name: str, value) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected an int, got {type(value).__name__} {value!r}")
    return int(value)


def wilson_interval(successes, trials, confidence: float = 0.95) -> Rate:
    """The Wilson score interval of a success rate (``statsmodels.stats.proportion.proportion_confint``).

    Parameters
    ----------
    successes, trials : int
        ``0 <= successes <= trials``, ``trials >= 1`` (numpy integers accepted).
    confidence : float, default 0.95

    Returns
    -------
    Rate
    """
    successes = _check_count("successes", successes)
    trials = _check_count("trials", trials)
    if trials < 1:
        raise ValueError(f"trials: expected at least 1, got {trials}")
    if not 0 <= successes <= trials:
        raise ValueError(f"successes: expected an int in [0, trials={trials}], got {successes}")
    _check_confidence(confidence)
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(successes, trials, alpha=1 - confidence, method="wilson")
    low = 0.0 if successes == 0 else max(0.0, float(low))  # exact at the ends (rounding gives 1 - 1e-16)
    high = 1.0 if successes == trials else min(1.0, float(high))
    return Rate(successes, trials, low, high)


def _check_confidence(confidence) -> None:
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real):
        raise TypeError(f"confidence: expected a number in (0, 1), got {type(confidence).__name__}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence: expected a number in (0, 1), got {confidence}")


def _values(values) -> np.ndarray:
    """``values`` as a non-empty 1-d float array (NaN allowed: it marks a failed run)."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise TypeError(f"values: expected a sequence of numbers, got {type(values).__name__}")
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"values: expected a sequence of numbers, got {list(values)[:5]!r}") from None
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"values: expected a non-empty 1-d sequence, got shape {array.shape}")
    return array


def median_spread(values) -> Spread:
    """Median and interquartile range of ``values`` (one per seed)."""
    array = _values(values)
    q1, median, q3 = np.percentile(array, [25, 50, 75])
    return Spread(float(median), float(q1), float(q3), int(array.size))


def median_interval(values, confidence: float = 0.95, resamples: int = 4000,
                    seed: int = 0) -> tuple[float, float]:
    """A percentile-bootstrap interval of the median of ``values``.

    Deterministic for a given ``seed``. With fewer than 2 values the interval is the value.
    """
    array = _values(values)
    _check_confidence(confidence)
    resamples = _check_count("resamples", resamples)
    if resamples < 100:
        raise ValueError(f"resamples: expected at least 100, got {resamples}")
    if array.size < 2:
        return float(array[0]), float(array[0])
    rng = np.random.default_rng(_check_count("seed", seed))
    medians = np.median(array[rng.integers(0, array.size, (resamples, array.size))], axis=1)  # (resamples,)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(medians, [tail, 100 - tail])
    return float(low), float(high)


def compare_intervals(first, second) -> str:
    """``"higher"`` if ``first`` lies wholly above ``second``, ``"lower"`` if below, else
    :data:`NO_DIFFERENCE`.

    Parameters
    ----------
    first, second : Rate or (low, high)
    """
    low_a, high_a = _bounds("first", first)
    low_b, high_b = _bounds("second", second)
    if low_a > high_b:
        return "higher"
    if high_a < low_b:
        return "lower"
    return NO_DIFFERENCE


def _bounds(name: str, interval) -> tuple[float, float]:
    if isinstance(interval, Rate):
        return interval.low, interval.high
    if isinstance(interval, (tuple, list)) and len(interval) == 2 and all(
            isinstance(v, numbers.Real) and not isinstance(v, bool) for v in interval):
        low, high = float(interval[0]), float(interval[1])
        if low > high:
            raise ValueError(f"{name}: expected (low, high) with low <= high, got {interval!r}")
        return low, high
    raise TypeError(f"{name}: expected a Rate or a (low, high) pair of numbers, got {interval!r}")
