"""How forecasts are scored: rolling-origin forecasts of a held-out tail, and error measures.

- :func:`rolling_origin_forecasts` -- every point of the tail forecast from 1..max_horizon
  steps earlier, each from only the values it could have known;
- :func:`mae`, :func:`rmse`, :func:`mase` -- errors; :func:`mae_difference` -- how much
  lower one method's MAE is than another's, with its standard error.
"""
from __future__ import annotations

import numpy as np

from lstm_edu.validation import check_int_range, check_series

__all__ = ["rolling_origin_forecasts", "mae", "rmse", "mase", "mae_difference"]


def rolling_origin_forecasts(series: object, n_test: int, max_horizon: int, forecaster) -> np.ndarray:
    """Forecast every point of the held-out tail from 1..max_horizon steps before it.

    The forecaster must already be fitted (on the part before the tail). Entry
    ``[h - 1, j]`` is the forecast of ``series[N - n_test + j]`` made from the history
    that ends ``h`` steps earlier, so each forecast uses only values it could have known.

    Parameters
    ----------
    series : array_like
        The whole series ``(N,)``.
    n_test : int
        Length of the held-out tail.
    max_horizon : int
    forecaster : object with ``predict`` and ``context``

    Returns
    -------
    numpy.ndarray
        ``(max_horizon, n_test)``.
    """
    series = check_series("series", series, min_length=2)
    n_test = check_int_range("n_test", n_test, 1, len(series) - 1)
    max_horizon = check_int_range("max_horizon", max_horizon, 1)
    n_train = len(series) - n_test
    first_origin = n_train - max_horizon
    context = forecaster.context
    if first_origin - context + 1 < 0:
        raise ValueError(
            f"max_horizon: {max_horizon} steps before the tail leave {first_origin + 1} values of history, "
            f"but the forecaster needs context {context}"
        )
    origins = np.arange(first_origin, len(series) - 1)  # (O,)
    windows = np.stack([series[o - context + 1 : o + 1] for o in origins])  # (O, context)
    paths = forecaster.predict(windows, max_horizon)  # (O, max_horizon)
    out = np.empty((max_horizon, n_test))
    for h in range(1, max_horizon + 1):
        targets = np.arange(n_train, len(series))  # (n_test,)
        out[h - 1] = paths[targets - h - first_origin, h - 1]
    return out


def _checked_pair(actual: object, predicted: object) -> tuple[np.ndarray, np.ndarray]:
    """Check two same-shaped finite float arrays."""
    actual = np.asarray(actual, dtype=np.float64)
    predicted = np.asarray(predicted, dtype=np.float64)
    if actual.shape != predicted.shape or actual.size == 0:
        raise ValueError(
            f"predicted: expected the non-empty shape of actual {actual.shape}, got {predicted.shape}"
        )
    if not (np.isfinite(actual).all() and np.isfinite(predicted).all()):
        raise ValueError("actual/predicted: expected finite values, got NaN or inf")
    return actual, predicted


def mae(actual: object, predicted: object, axis: int | None = None) -> np.ndarray | float:
    """Mean absolute error (over ``axis``, or all entries)."""
    actual, predicted = _checked_pair(actual, predicted)
    return np.mean(np.abs(actual - predicted), axis=axis)


def rmse(actual: object, predicted: object, axis: int | None = None) -> np.ndarray | float:
    """Root mean squared error (over ``axis``, or all entries)."""
    actual, predicted = _checked_pair(actual, predicted)
    return np.sqrt(np.mean((actual - predicted) ** 2, axis=axis))


def mase(actual: object, predicted: object, train: object, period: int = 1, axis: int | None = None):
    """Mean absolute scaled error: MAE over the in-sample MAE of the (seasonal) naive forecast.

    Below 1: better than the one-step naive forecast did on the training data
    (Hyndman and Koehler 2006).
    """
    train = check_series("train", train, min_length=2)
    period = check_int_range("period", period, 1, len(train) - 1)
    scale = np.mean(np.abs(train[period:] - train[:-period]))
    if scale == 0:
        raise ValueError("train: the naive forecast is exact on the training data, so MASE is undefined")
    return mae(actual, predicted, axis=axis) / scale


def mae_difference(actual: object, predicted_a: object, predicted_b: object, axis: int = -1) -> tuple:
    """How much lower method a's MAE is than method b's, and the standard error of that difference.

    The difference of the two MAEs is the mean of the paired differences
    ``|a - actual| - |b - actual|`` (negative: a is better); its standard error is their
    sample standard deviation over ``sqrt(n)``. That assumes independent errors; errors of
    neighbouring time steps are usually correlated, so the true uncertainty is larger.

    Parameters
    ----------
    actual, predicted_a, predicted_b : array_like
        The same shape, with at least two entries along ``axis``.
    axis : int
        The axis to average over (the forecasts).

    Returns
    -------
    difference, standard_error : float or numpy.ndarray
        ``MAE(a) - MAE(b)`` and its standard error (the other axes kept).
    """
    actual, predicted_a = _checked_pair(actual, predicted_a)
    _, predicted_b = _checked_pair(actual, predicted_b)
    paired = np.abs(predicted_a - actual) - np.abs(predicted_b - actual)
    n = paired.shape[axis]
    if n < 2:
        raise ValueError(f"actual: expected at least 2 forecasts along axis {axis}, got {n}")
    return paired.mean(axis=axis), paired.std(axis=axis, ddof=1) / np.sqrt(n)
