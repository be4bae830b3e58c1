"""Forecasting baselines, and the interface every forecaster shares.

Every forecaster has ``context`` (how many past values it reads), ``fit(train)`` on a 1-d
training series, and ``predict(windows, horizon)`` on a batch of history windows
``(M, L)`` (oldest first, ``L >= context``, checked by :func:`check_windows`) returning
``(M, horizon)`` forecasts of the next ``horizon`` values. The baselines:
:class:`NaiveForecaster`, :class:`SeasonalNaiveForecaster`, :class:`ARForecaster` and
:class:`DifferencedForecaster` (any forecaster on the changes). The LSTM forecaster is
:class:`lstm_edu.apps.forecasting.LSTMForecaster`.
"""
from __future__ import annotations

import numpy as np

from lstm_edu.validation import check_int_range, check_series

__all__ = [
    "check_windows",
    "NaiveForecaster",
    "SeasonalNaiveForecaster",
    "ARForecaster",
    "DifferencedForecaster",
]


def check_windows(windows: object, context: int) -> np.ndarray:
    """A batch of history windows ``(M, L)``, ``M >= 1``, ``L >= context``, as finite float64.

    TypeError for non-numeric data, ValueError for a wrong shape or NaN/inf.
    """
    array = np.asarray(windows)
    if not np.issubdtype(array.dtype, np.floating) and not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f"windows: expected a numeric array of shape (M, L), got dtype {array.dtype}")
    array = array.astype(np.float64)
    if array.ndim != 2:
        raise ValueError(f"windows: expected shape (M, L), got shape {array.shape}")
    if array.shape[0] < 1 or array.shape[1] < context:
        raise ValueError(
            f"windows: expected shape (M, L) with M >= 1 and L >= {context} (the forecaster's context), "
            f"got shape {array.shape}"
        )
    if not np.isfinite(array).all():
        raise ValueError("windows: expected finite values, got NaN or inf")
    return array


class NaiveForecaster:
    """Tomorrow equals today: every future value is the last observed one."""

    context = 1

    def fit(self, train: object) -> "NaiveForecaster":
        """Nothing to learn; checks ``train`` and returns self."""
        check_series("train", train)
        return self

    def predict(self, windows: object, horizon: int) -> np.ndarray:
        """Repeat each window's last value ``horizon`` times: ``(M, L) -> (M, horizon)``."""
        windows = check_windows(windows, self.context)
        horizon = check_int_range("horizon", horizon, 1)
        return np.repeat(windows[:, -1:], horizon, axis=1)


class SeasonalNaiveForecaster:
    """Repeat the last full season: ``y[t + k] = y[t + k - period * ceil(k / period)]``.

    Parameters
    ----------
    period : int
        Season length in steps (e.g. 12 for monthly data, 11 for the solar cycle in years).
    """

    def __init__(self, period: int) -> None:
        self.period = check_int_range("period", period, 1)
        self.context = self.period

    def fit(self, train: object) -> "SeasonalNaiveForecaster":
        """Nothing to learn; checks ``train`` is at least one season long."""
        check_series("train", train, min_length=self.period)
        return self

    def predict(self, windows: object, horizon: int) -> np.ndarray:
        """Tile the last ``period`` values of each window: ``(M, L) -> (M, horizon)``."""
        windows = check_windows(windows, self.context)
        horizon = check_int_range("horizon", horizon, 1)
        season = windows[:, -self.period :]  # (M, period)
        reps = -(-horizon // self.period)
        return np.tile(season, (1, reps))[:, :horizon]


class ARForecaster:
    """Linear autoregression ``y_t = a_0 + sum_k a_k y_{t-k}``, least squares, recursive.

    Parameters
    ----------
    order : int
        Number of lags ``p``.
    """

    def __init__(self, order: int) -> None:
        self.order = check_int_range("order", order, 1)
        self.context = self.order
        self.coef: np.ndarray | None = None  # (p + 1,): intercept then lags 1..p

    def fit(self, train: object) -> "ARForecaster":
        """Least-squares fit on every window of ``train``; returns self."""
        train = check_series("train", train, min_length=2 * self.order + 1)
        p = self.order
        lags = np.stack([train[p - k : len(train) - k] for k in range(1, p + 1)], axis=1)  # (N-p, p)
        design = np.hstack([np.ones((len(lags), 1)), lags])  # (N-p, p+1)
        self.coef, *_ = np.linalg.lstsq(design, train[p:], rcond=None)
        return self

    def predict(self, windows: object, horizon: int) -> np.ndarray:
        """Recursive forecasts, each fed back as a lag: ``(M, L) -> (M, horizon)``."""
        if self.coef is None:
            raise ValueError("ARForecaster: call fit(train) before predict")
        windows = check_windows(windows, self.context)
        horizon = check_int_range("horizon", horizon, 1)
        history = windows[:, ::-1][:, : self.order].copy()  # (M, p), lag 1 first
        out = np.empty((len(windows), horizon))
        for k in range(horizon):
            out[:, k] = self.coef[0] + history @ self.coef[1:]
            history = np.hstack([out[:, k : k + 1], history[:, :-1]])
        return out


class DifferencedForecaster:
    """Forecast the changes ``y_t - y_{t-1}`` with ``inner`` and add them back up.

    Parameters
    ----------
    inner : forecaster
        Any object with ``fit``, ``predict`` and ``context``.
    """

    def __init__(self, inner) -> None:
        for attribute in ("fit", "predict", "context"):
            if not hasattr(inner, attribute):
                raise TypeError(f"inner: expected a forecaster with fit/predict/context, "
                                f"got {type(inner).__name__}")
        self.inner = inner
        self.context = inner.context + 1

    def fit(self, train: object) -> "DifferencedForecaster":
        """Fit ``inner`` on ``diff(train)``; returns self."""
        train = check_series("train", train, min_length=2)
        self.inner.fit(np.diff(train))
        return self

    def predict(self, windows: object, horizon: int) -> np.ndarray:
        """Last level plus the cumulative forecast changes: ``(M, L) -> (M, horizon)``."""
        windows = check_windows(windows, self.context)
        changes = self.inner.predict(np.diff(windows, axis=1), horizon)  # (M, horizon)
        return windows[:, -1:] + np.cumsum(changes, axis=1)
