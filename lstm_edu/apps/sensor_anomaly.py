"""Anomaly detection on labelled sensor readings
(Suthaharan et al. 2010, :mod:`lstm_edu.data.sensor_network`).

Each mote's two channels (humidity, temperature) are standardised with the mean and standard
deviation of its *training stretch*: its first ``n_train`` readings, in time order. A detector
scores each channel separately and a reading's score is the larger of the two absolute channel
scores. Three detectors, all from :mod:`lstm_edu.apps.anomaly`:

- the rolling z-score over the previous ``window`` readings (:func:`~lstm_edu.apps.anomaly.rolling_zscore`);
- the residual of a linear autoregression fitted to each channel's training stretch;
- the residual of an LSTM forecaster of the next *change*, trained once on the changes of every
  channel of every mote's training stretch (:func:`fit_pooled_lstm`).

Both residuals come from :func:`~lstm_edu.apps.anomaly.forecaster_scores`: the one-step error
over the forecaster's typical error on that channel's training stretch. :func:`reading_metrics`
counts alarms on the test readings (every reading after the training stretch) against the labels,
with Wilson intervals.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_edu.apps.anomaly import forecaster_scores, rolling_zscore
from lstm_edu.apps.forecasting import ARForecaster, DifferencedForecaster, LSTMForecastConfig, LSTMForecaster
from lstm_edu.stats import Rate, wilson_interval
from lstm_edu.validation import check_int_range, check_positive_real

__all__ = ["CHANNELS", "Mote", "split_motes", "combined_scores", "detector_scores", "fit_pooled_lstm",
           "Detection", "reading_metrics", "label_runs", "stack_test_parts"]

#: The default config of fit_pooled_lstm (frozen, so one shared instance).
DEFAULT_FORECAST = LSTMForecastConfig()

#: The channels every detector reads, in this order.
CHANNELS = ("humidity", "temperature")


@dataclass(frozen=True)
class Mote:
    """One mote's readings in time order.

    Attributes
    ----------
    mote : int
    indoor : bool
    raw : numpy.ndarray
        ``(N, 2)`` humidity (%) and temperature (deg C).
    values : numpy.ndarray
        ``(N, 2)`` the same standardised with the training stretch's mean and standard deviation.
    labels : numpy.ndarray
        ``(N,)`` bool, the authors' anomaly labels.
    n_train : int
        Length of the training stretch (the first readings).
    """

    mote: int
    indoor: bool
    raw: np.ndarray
    values: np.ndarray
    labels: np.ndarray
    n_train: int


def split_motes(readings, n_train: int) -> dict:
    """Each mote of a :class:`~lstm_edu.data.sensor_network.SensorReadings` as a :class:`Mote`.

    The first ``n_train`` readings of every mote are its training stretch; they must be free of
    labelled anomalies (a ``ValueError`` says which mote has some).
    """
    out = {}
    for m in readings.motes():
        where = readings.of_mote(m)
        n_train = check_int_range("n_train", n_train, 30, len(where) - 30)
        raw = np.stack([getattr(readings, c)[where] for c in CHANNELS], axis=1)  # (N, 2)
        labels = readings.label[where]
        if labels[:n_train].any():
            raise ValueError(f"n_train: mote {m} has {labels[:n_train].sum()} labelled anomalies "
                             f"in its first {n_train} readings; expected a clean training stretch")
        mean, std = raw[:n_train].mean(axis=0), raw[:n_train].std(axis=0)
        out[m] = Mote(m, bool(readings.indoor[where][0]), raw, (raw - mean) / std, labels, n_train)
    return out


def combined_scores(motes: dict, score_fn) -> dict:
    """``{mote: (N,) max over channels of |score_fn(channel, mote, k)|}`` (NaN where every channel is NaN)."""
    out = {}
    for m, mote in motes.items():
        per_channel = np.stack([np.abs(score_fn(mote.values[:, k], mote, k)) for k in range(len(CHANNELS))])
        with np.errstate(invalid="ignore"):
            out[m] = np.fmax(per_channel[0], per_channel[1])
    return out


def fit_pooled_lstm(motes: dict, config: LSTMForecastConfig = DEFAULT_FORECAST) -> DifferencedForecaster:
    """One LSTM forecaster of the next change, trained on every channel of every mote.

    The training series is the changes (first differences) of each standardised channel's
    training stretch, joined end to end (no change spans two channels). Returns the
    :class:`~lstm_edu.apps.forecasting.DifferencedForecaster` that adds the predicted change
    to the last reading.
    """
    changes = np.concatenate([np.diff(mote.values[: mote.n_train, k]) for mote in motes.values()
                              for k in range(len(CHANNELS))])
    forecaster = DifferencedForecaster(LSTMForecaster(config))
    forecaster.inner.fit(changes)
    return forecaster


def detector_scores(motes: dict, window: int = 60, ar_order: int = 10, lstm=None) -> dict:
    """``{detector: {mote: (N,) score}}`` for the rolling z-score, the AR residual and (given a
    fitted forecaster ``lstm``) the LSTM residual; residuals are NaN on the training stretch."""
    window = check_int_range("window", window, 2)
    ar_order = check_int_range("ar_order", ar_order, 1)
    out = {
        f"rolling z ({window})": combined_scores(motes, lambda x, mote, k: rolling_zscore(x, window)),
        f"AR({ar_order}) residual": combined_scores(
            motes, lambda x, mote, k: forecaster_scores(ARForecaster(ar_order).fit(x[: mote.n_train]), x,
                                                        mote.n_train)),
    }
    if lstm is not None:
        out["LSTM residual"] = combined_scores(
            motes, lambda x, mote, k: forecaster_scores(lstm, x, mote.n_train))
    return out


@dataclass(frozen=True)
class Detection:
    """Alarms on the test readings of every mote against the labels.

    Attributes
    ----------
    true_alarms, false_alarms, missed : int
        Alarms on labelled readings, alarms on unlabelled readings, labelled readings without alarm.
    precision : Rate
        ``true_alarms`` of all alarms, with its Wilson interval (``None`` when there is no alarm).
    recall : Rate
        ``true_alarms`` of the labelled test readings, with its Wilson interval.
    events_found : int
        Runs of labelled readings (:func:`label_runs`) with at least one alarm.
    events : int
    false_by_mote : dict of int to int
        False alarms on each mote.
    """

    true_alarms: int
    false_alarms: int
    missed: int
    precision: Rate | None
    recall: Rate
    events_found: int
    events: int
    false_by_mote: dict


def reading_metrics(scores: dict, motes: dict, threshold: float) -> Detection:
    """Count alarms (``score > threshold``; NaN never alarms) on each mote's test readings."""
    threshold = check_positive_real("threshold", threshold, allow_zero=True)
    true = false = missed = found = events = 0
    false_by_mote = {}
    for m, mote in motes.items():
        score = np.asarray(scores[m], dtype=float)
        if score.shape != mote.labels.shape:
            raise ValueError(f"scores[{m}]: expected shape {mote.labels.shape}, got {score.shape}")
        with np.errstate(invalid="ignore"):
            alarm = score > threshold
        alarm[: mote.n_train] = False
        labels = mote.labels.copy()
        labels[: mote.n_train] = False
        true += int((alarm & labels).sum())
        false_by_mote[m] = int((alarm & ~labels).sum())
        false += false_by_mote[m]
        missed += int((~alarm & labels).sum())
        for a, b in label_runs(labels):
            events += 1
            found += bool(alarm[a:b].any())
    if true + missed == 0:
        raise ValueError("motes: expected labelled readings after the training stretch, got none")
    precision = wilson_interval(true, true + false) if true + false else None
    return Detection(true, false, missed, precision, wilson_interval(true, true + missed), found, events,
                     false_by_mote)


def label_runs(labels: object) -> list:
    """``[(first, stop), ...]``: the runs of consecutive True entries of a bool array."""
    labels = np.asarray(labels, dtype=bool)
    edges = np.diff(np.concatenate([[0], labels.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def stack_test_parts(motes: dict, scores: dict, channel: int = 0, gap: int = 20) -> dict:
    """The test parts of every mote one after another, for :class:`lstm_edu.apps.views.ThresholdRenderer`.

    Returns a dict with ``time`` (minutes from the start of each mote's test part, the motes
    laid side by side with ``gap`` readings of NaN between them), ``values`` (the raw channel),
    ``scores`` (``{detector: (M,)}``), ``labels``, ``mask`` (True on test readings), ``events``
    (one per labelled reading, so the renderer's recall is the share of labelled readings with
    an alarm) and ``starts`` (the time each mote's part begins).
    """
    check_int_range("channel", channel, 0, len(CHANNELS) - 1)
    parts = {"values": [], "labels": [], "mask": []}
    stacked = {name: [] for name in scores}
    starts, length = [], 0
    for m, mote in motes.items():
        n = len(mote.labels) - mote.n_train
        starts.append(length)
        parts["values"] += [mote.raw[mote.n_train:, channel], np.full(gap, np.nan)]
        parts["labels"] += [mote.labels[mote.n_train:], np.zeros(gap, dtype=bool)]
        parts["mask"] += [np.ones(n, dtype=bool), np.zeros(gap, dtype=bool)]
        for name in scores:
            stacked[name] += [np.asarray(scores[name][m])[mote.n_train:], np.full(gap, np.nan)]
        length += n + gap
    labels = np.concatenate(parts["labels"])
    minutes = np.arange(length) * 5 / 60.0
    return {"time": minutes, "values": np.concatenate(parts["values"]),
            "scores": {name: np.concatenate(v) for name, v in stacked.items()}, "labels": labels,
            "mask": np.concatenate(parts["mask"]),
            "events": [(int(i), int(i) + 1) for i in np.flatnonzero(labels)],
            "starts": minutes[starts]}
