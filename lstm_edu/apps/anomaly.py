"""Anomaly detection: El Nino sea temperatures, injected anomalies, scores and metrics.

A detector turns a series into one *score* per step (how surprising the value is) and
raises an *alarm* where the score exceeds a threshold. Three scores live here:

- :func:`rolling_zscore` -- distance from the mean of the previous ``window`` values, in
  their standard deviations (the simple baseline);
- :func:`climatology_zscore` -- distance from the same calendar month's training mean, in
  that month's standard deviations (what climatologists call an anomaly);
- :func:`residual_scores` -- a forecaster's absolute one-step error over its typical error
  on the training data (the LSTM detector, with :class:`lstm_edu.apps.forecasting.LSTMForecaster`).

:func:`inject_anomalies` plants labelled spikes and level shifts with a seeded generator;
:func:`alarm_metrics` scores alarms against them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_edu.apps.forecasting import Series, rolling_origin_forecasts
from lstm_edu.validation import check_int_range, check_positive_real, check_seed, check_series

__all__ = [
    "load_elnino",
    "InjectionConfig",
    "Injected",
    "inject_anomalies",
    "rolling_zscore",
    "climatology_zscore",
    "residual_scores",
    "forecaster_scores",
    "alarm_metrics",
    "AlarmMetrics",
    "index_range",
]

SPIKE, SHIFT = 1, 2


def load_elnino() -> Series:
    """Monthly mean sea-surface temperature (deg C), 0-10 S, 90-80 W, Jan 1950 - Dec 2010.

    Bundled with statsmodels (NOAA data; no network). ``time`` is the decimal year of
    each month's start (1950.0, 1950.083, ...).
    """
    from statsmodels.datasets import elnino

    data = elnino.load_pandas().data
    months = data.columns[1:]  # JAN .. DEC
    values = data[months].to_numpy(dtype=np.float64).ravel()  # (61 * 12,)
    years = np.repeat(data["YEAR"].to_numpy(dtype=np.float64), 12)
    time = years + np.tile(np.arange(12), len(data)) / 12.0
    return Series(name="elnino", unit="deg C", time=time, values=values)


def index_range(time: object, start: float, stop: float) -> tuple[int, int]:
    """Indices ``[lo, hi)`` of the entries of a sorted ``time`` array in ``[start, stop)``."""
    time = check_series("time", time)
    lo, hi = np.searchsorted(time, [start, stop])
    if lo >= hi:
        raise ValueError(f"start/stop: no time in [{start}, {stop}) (time spans {time[0]}..{time[-1]})")
    return int(lo), int(hi)


@dataclass(frozen=True)
class InjectionConfig:
    """What :func:`inject_anomalies` plants.

    Attributes
    ----------
    n_spikes : int
        Single-step spikes of size ``spike_size`` (sign drawn at random).
    spike_size : float
    n_shifts : int
        Level shifts: ``shift_length`` consecutive steps moved by ``shift_size`` (random sign).
    shift_size : float
    shift_length : int
    start : int
        Anomalies go at indices ``>= start`` only (keep the training part clean).
    gap : int
        At least this many clean steps between two anomalies.
    seed : int
    """

    n_spikes: int = 6
    spike_size: float = 2.0
    n_shifts: int = 3
    shift_size: float = 1.5
    shift_length: int = 6
    start: int = 0
    gap: int = 3
    seed: int = 0

    def __post_init__(self) -> None:
        check_int_range("n_spikes", self.n_spikes, 0)
        check_int_range("n_shifts", self.n_shifts, 0)
        check_int_range("shift_length", self.shift_length, 1)
        check_int_range("start", self.start, 0)
        check_int_range("gap", self.gap, 0)
        check_positive_real("spike_size", self.spike_size)
        check_positive_real("shift_size", self.shift_size)
        check_seed("seed", self.seed)


@dataclass(frozen=True)
class Injected:
    """A series with planted anomalies.

    Attributes
    ----------
    values : numpy.ndarray
        ``(N,)`` the series after injection.
    labels : numpy.ndarray
        ``(N,)`` bool, True where a value was changed.
    kind : numpy.ndarray
        ``(N,)`` int: 0 clean, 1 spike, 2 level shift.
    events : list of tuple
        ``(first, stop)`` index range of each anomaly, sorted.
    """

    values: np.ndarray
    labels: np.ndarray
    kind: np.ndarray
    events: list


def inject_anomalies(values: object, config: InjectionConfig = InjectionConfig(),
                     avoid: tuple = ()) -> Injected:
    """Plant spikes and level shifts at random, non-overlapping places.

    Parameters
    ----------
    values : array_like
        The clean series ``(N,)`` (left unchanged; a copy is returned).
    config : InjectionConfig
    avoid : sequence of (lo, hi)
        Index ranges ``[lo, hi)`` where nothing is planted (e.g. known real events).

    Returns
    -------
    Injected
    """
    values = check_series("values", values)
    if not isinstance(config, InjectionConfig):
        raise TypeError(f"config: expected an InjectionConfig, got {type(config).__name__}")
    rng = np.random.default_rng(config.seed)
    free = np.zeros(len(values), dtype=bool)
    free[config.start :] = True
    for lo, hi in avoid:
        free[max(lo - config.gap, 0) : hi + config.gap] = False
    out, kind = values.copy(), np.zeros(len(values), dtype=np.int64)
    lengths = [config.shift_length] * config.n_shifts + [1] * config.n_spikes  # long ones first
    sizes = [config.shift_size] * config.n_shifts + [config.spike_size] * config.n_spikes
    codes = [SHIFT] * config.n_shifts + [SPIKE] * config.n_spikes
    events = []
    for length, size, code in zip(lengths, sizes, codes):
        first = _free_start(free, length, rng)
        stop = first + length
        out[first:stop] += size * rng.choice([-1.0, 1.0])
        kind[first:stop] = code
        free[max(first - config.gap, 0) : stop + config.gap] = False
        events.append((first, stop))
    return Injected(values=out, labels=kind > 0, kind=kind, events=sorted(events))


def _free_start(free: np.ndarray, length: int, rng: np.random.Generator) -> int:
    """A random start index whose next ``length`` entries are all free."""
    window_free = np.convolve(free.astype(int), np.ones(length, dtype=int), mode="valid") == length
    candidates = np.flatnonzero(window_free)
    if candidates.size == 0:
        raise ValueError(
            "config: not enough clean room for the anomalies asked for "
            f"(no free run of {length} steps left); ask for fewer or a smaller gap"
        )
    return int(rng.choice(candidates))


def rolling_zscore(values: object, window: int) -> np.ndarray:
    """``(x_t - mean) / std`` of the previous ``window`` values (not including ``x_t``).

    Returns ``(N,)`` with NaN for the first ``window`` steps (and where the window's
    standard deviation is 0).
    """
    values = check_series("values", values)
    window = check_int_range("window", window, 2, len(values) - 1)
    views = np.lib.stride_tricks.sliding_window_view(values[:-1], window)  # (N - window, window)
    mean, std = views.mean(axis=1), views.std(axis=1)
    z = np.full(len(values), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        z[window:] = np.where(std > 0, (values[window:] - mean) / np.where(std > 0, std, 1.0), np.nan)
    return z


def climatology_zscore(values: object, period: int, n_train: int) -> np.ndarray:
    """Distance from the same phase's training mean, in that phase's training std.

    Phase ``k`` is every ``period``-th step starting at ``k`` (for monthly data with
    ``period=12``: the calendar month). Means and standard deviations come from the
    first ``n_train`` values only.
    """
    values = check_series("values", values)
    period = check_int_range("period", period, 1)
    n_train = check_int_range("n_train", n_train, 2 * period, len(values))
    phase = np.arange(len(values)) % period
    mean = np.array([values[:n_train][phase[:n_train] == k].mean() for k in range(period)])
    std = np.array([values[:n_train][phase[:n_train] == k].std() for k in range(period)])
    if (std == 0).any():
        raise ValueError("values: a phase is constant over the training part, so its z-score is undefined")
    return (values - mean[phase]) / std[phase]


def residual_scores(actual: object, predicted: object, scale: float) -> np.ndarray:
    """``|actual - predicted| / scale``: a forecaster's surprise in units of its typical error."""
    actual = check_series("actual", actual)
    predicted = check_series("predicted", predicted)
    if actual.shape != predicted.shape:
        raise ValueError(f"predicted: expected shape {actual.shape} like actual, got {predicted.shape}")
    scale = check_positive_real("scale", scale)
    return np.abs(actual - predicted) / scale


def forecaster_scores(forecaster, values: object, n_train: int) -> np.ndarray:
    """One-step residual scores of a fitted forecaster after the first ``n_train`` steps.

    The scale is the standard deviation of the forecaster's one-step errors on the
    training part itself (from step ``context`` on), so a score of 3 means "three times
    as wrong as usual".

    Parameters
    ----------
    forecaster : fitted forecaster from :mod:`lstm_edu.apps.forecasting`
    values : array_like
        ``(N,)`` the whole series (anomalies included: the forecaster reads them too).
    n_train : int
        Length of the clean training part.

    Returns
    -------
    numpy.ndarray
        ``(N,)``: NaN for the training part, scores after it.
    """
    values = check_series("values", values)
    n_train = check_int_range("n_train", n_train, forecaster.context + 2, len(values) - 1)
    train_part = values[:n_train]
    in_sample = rolling_origin_forecasts(train_part, n_train - forecaster.context, 1, forecaster)[0]
    scale = float(np.std(train_part[forecaster.context :] - in_sample))
    predicted = rolling_origin_forecasts(values, len(values) - n_train, 1, forecaster)[0]
    scores = np.full(len(values), np.nan)
    scores[n_train:] = residual_scores(values[n_train:], predicted, scale)
    return scores


@dataclass(frozen=True)
class AlarmMetrics:
    """Alarm quality against planted anomalies.

    Attributes
    ----------
    precision : float
        Share of alarms that fall on an anomaly (NaN when there is no alarm).
    recall : float
        Share of anomalies (events) with at least one alarm.
    alarms : int
    false_alarms : int
    found : int
        Events with at least one alarm.
    """

    precision: float
    recall: float
    alarms: int
    false_alarms: int
    found: int


def alarm_metrics(scores: object, threshold: float, labels: object, events,
                  mask: object = None) -> AlarmMetrics:
    """Precision (per alarm) and recall (per event) of ``|score| > threshold``.

    Parameters
    ----------
    scores : array_like
        ``(N,)``; NaN scores never raise an alarm.
    threshold : float
        Alarm where ``|score| > threshold``.
    labels : array_like of bool
        ``(N,)`` True on anomalous steps.
    events : sequence of (first, stop)
        Index range of each anomaly.
    mask : array_like of bool, optional
        ``(N,)`` steps to score (e.g. the test part without known real events);
        others are ignored. Events outside the mask are not counted.

    Returns
    -------
    AlarmMetrics
    """
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels)
    if scores.ndim != 1 or labels.shape != scores.shape or labels.dtype != bool:
        raise ValueError(
            f"labels: expected a bool array of the scores' shape {scores.shape}, "
            f"got {labels.dtype} {labels.shape}"
        )
    threshold = check_positive_real("threshold", threshold, allow_zero=True)
    mask = np.ones(len(scores), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if mask.shape != scores.shape:
        raise ValueError(f"mask: expected shape {scores.shape}, got {mask.shape}")
    with np.errstate(invalid="ignore"):
        alarms = (np.abs(scores) > threshold) & mask  # NaN compares False
    n_alarms = int(alarms.sum())
    true_alarms = int((alarms & labels).sum())
    scored = [(a, b) for a, b in events if mask[a:b].all()]
    found = sum(bool(alarms[a:b].any()) for a, b in scored)
    precision = true_alarms / n_alarms if n_alarms else float("nan")
    recall = found / len(scored) if scored else float("nan")
    return AlarmMetrics(precision, recall, n_alarms, n_alarms - true_alarms, found)
