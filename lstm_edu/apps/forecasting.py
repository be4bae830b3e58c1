"""Time-series forecasting: a real series, a random walk, baselines and an LSTM.

Every forecaster shares one small interface: ``fit(train)`` on a 1-d training series,
then ``predict(windows, horizon)`` on a batch of history windows ``(M, L)`` (oldest
first, ``L >= forecaster.context``) returning ``(M, horizon)`` forecasts of the next
``horizon`` values. :func:`rolling_origin_forecasts` uses it to forecast every point of
a held-out tail from ``1..max_horizon`` steps earlier.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from lstm_edu.apps._common import check_int_range, check_positive_real, check_seed, check_series
from lstm_edu.models import SequenceModel
from lstm_edu.training import TrainConfig
from lstm_edu.training import train as run_training

__all__ = [
    "Series",
    "load_sunspots",
    "random_walk",
    "NaiveForecaster",
    "SeasonalNaiveForecaster",
    "ARForecaster",
    "DifferencedForecaster",
    "LSTMForecaster",
    "LSTMForecastConfig",
    "rolling_origin_forecasts",
    "mae",
    "rmse",
    "mase",
    "mae_difference",
]


@dataclass(frozen=True)
class Series:
    """A named series: ``time`` and ``values``, both ``(N,)``."""

    name: str
    unit: str
    time: np.ndarray  # (N,)
    values: np.ndarray  # (N,)


def load_sunspots() -> Series:
    """Yearly mean sunspot numbers 1700-2008, bundled with statsmodels (no network).

    Returns
    -------
    Series
        ``time`` are years (float), ``values`` the yearly sunspot activity.
    """
    from statsmodels.datasets import sunspots

    data = sunspots.load_pandas().data
    return Series(
        name="sunspots",
        unit="sunspot number",
        time=data["YEAR"].to_numpy(dtype=np.float64),
        values=data["SUNACTIVITY"].to_numpy(dtype=np.float64),
    )


def random_walk(n: int, seed: int = 0, start: float = 100.0, scale: float = 1.0) -> np.ndarray:
    """A Gaussian random walk: ``x_0 = start``, ``x_t = x_{t-1} + scale * e_t``.

    The steps ``e_t`` are independent standard normal draws from
    ``numpy.random.default_rng(seed)``, so the best forecast of any future value is
    the last observed one.

    Parameters
    ----------
    n : int
        Length (>= 2).
    seed : int
    start : float
        First value.
    scale : float
        Standard deviation of one step (> 0).

    Returns
    -------
    numpy.ndarray
        ``(n,)`` float64.
    """
    n = check_int_range("n", n, 2)
    rng = np.random.default_rng(check_seed(seed))
    scale = check_positive_real("scale", scale)
    start = float(check_series("start", np.array([start], dtype=float))[0])
    steps = scale * rng.standard_normal(n - 1)  # (n-1,)
    return np.concatenate([[start], start + np.cumsum(steps)])


# -- baselines ------------------------------------------------------------------------


def _check_windows(windows: object, context: int) -> np.ndarray:
    """Validate a batch of history windows ``(M, L)`` with ``L >= context``."""
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
        windows = _check_windows(windows, self.context)
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
        windows = _check_windows(windows, self.context)
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
        windows = _check_windows(windows, self.context)
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
                raise TypeError(f"inner: expected a forecaster with fit/predict/context, got {type(inner).__name__}")
        self.inner = inner
        self.context = inner.context + 1

    def fit(self, train: object) -> "DifferencedForecaster":
        """Fit ``inner`` on ``diff(train)``; returns self."""
        train = check_series("train", train, min_length=2)
        self.inner.fit(np.diff(train))
        return self

    def predict(self, windows: object, horizon: int) -> np.ndarray:
        """Last level plus the cumulative forecast changes: ``(M, L) -> (M, horizon)``."""
        windows = _check_windows(windows, self.context)
        changes = self.inner.predict(np.diff(windows, axis=1), horizon)  # (M, horizon)
        return windows[:, -1:] + np.cumsum(changes, axis=1)


# -- LSTM forecaster --------------------------------------------------------------------


@dataclass(frozen=True)
class LSTMForecastConfig:
    """Size and training of :class:`LSTMForecaster`.

    Attributes
    ----------
    window : int
        Steps of history the model reads before forecasting (and the training chunk length).
    hidden_size : int
    steps, batch_size, lr, seed : training (Adam, see :class:`lstm_edu.training.TrainConfig`).
    """

    window: int = 24
    hidden_size: int = 32
    steps: int = 300
    batch_size: int = 32
    lr: float = 1e-2
    seed: int = 0

    def __post_init__(self) -> None:
        check_int_range("window", self.window, 2)
        check_int_range("hidden_size", self.hidden_size, 1)
        check_int_range("steps", self.steps, 1)
        check_int_range("batch_size", self.batch_size, 1)
        check_positive_real("lr", self.lr)
        check_seed(self.seed)


class LSTMForecaster:
    """A one-layer LSTM trained to predict the next value at every step, used recursively.

    The series is standardised with the training mean and standard deviation. Training
    draws random chunks of ``window + 1`` values: the model reads the first ``window``
    and is scored on the next value at every step (readout ``"all"``). To forecast
    ``horizon`` steps it reads a window, appends its own prediction and repeats.

    Parameters
    ----------
    config : LSTMForecastConfig
    """

    def __init__(self, config: LSTMForecastConfig = LSTMForecastConfig()) -> None:
        if not isinstance(config, LSTMForecastConfig):
            raise TypeError(f"config: expected an LSTMForecastConfig, got {type(config).__name__}")
        self.config = config
        self.context = config.window
        self.model: SequenceModel | None = None
        self.mean = 0.0
        self.std = 1.0
        self.history = None

    def fit(self, train: object) -> "LSTMForecaster":
        """Train on ``train`` (needs ``window + 2`` values at least); returns self."""
        cfg = self.config
        train = check_series("train", train, min_length=cfg.window + 2)
        self.mean, self.std = float(train.mean()), float(train.std()) or 1.0
        scaled = torch.tensor((train - self.mean) / self.std, dtype=torch.float32)  # (N,)
        torch.manual_seed(cfg.seed)
        self.model = SequenceModel("lstm", 1, cfg.hidden_size, 1, readout="all")
        starts_max = len(scaled) - cfg.window - 1

        def batch_fn(rng):
            starts = rng.integers(0, starts_max + 1, size=cfg.batch_size)
            chunks = torch.stack([scaled[s : s + cfg.window + 1] for s in starts])  # (B, L+1)
            return chunks[:, :-1, None], chunks[:, 1:, None]  # (B, L, 1) each

        config = TrainConfig(steps=cfg.steps, batch_size=cfg.batch_size, lr=cfg.lr, clip_norm=1.0, seed=cfg.seed)
        self.history = run_training(self.model, batch_fn, torch.nn.MSELoss(), config)
        self.model.eval()
        return self

    def predict(self, windows: object, horizon: int) -> np.ndarray:
        """Recursive forecasts from the last ``window`` values: ``(M, L) -> (M, horizon)``."""
        if self.model is None:
            raise ValueError("LSTMForecaster: call fit(train) before predict")
        windows = _check_windows(windows, self.context)
        horizon = check_int_range("horizon", horizon, 1)
        current = torch.tensor((windows[:, -self.context :] - self.mean) / self.std, dtype=torch.float32)
        out = []
        with torch.no_grad():
            for _ in range(horizon):
                step = self.model(current[:, :, None])[:, -1, 0]  # (M,)
                out.append(step)
                current = torch.cat([current[:, 1:], step[:, None]], dim=1)  # (M, L)
        return torch.stack(out, dim=1).double().numpy() * self.std + self.mean


# -- evaluation -------------------------------------------------------------------------


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


def _pair(actual: object, predicted: object) -> tuple[np.ndarray, np.ndarray]:
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
    actual, predicted = _pair(actual, predicted)
    return np.mean(np.abs(actual - predicted), axis=axis)


def rmse(actual: object, predicted: object, axis: int | None = None) -> np.ndarray | float:
    """Root mean squared error (over ``axis``, or all entries)."""
    actual, predicted = _pair(actual, predicted)
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
    actual, predicted_a = _pair(actual, predicted_a)
    _, predicted_b = _pair(actual, predicted_b)
    paired = np.abs(predicted_a - actual) - np.abs(predicted_b - actual)
    n = paired.shape[axis]
    if n < 2:
        raise ValueError(f"actual: expected at least 2 forecasts along axis {axis}, got {n}")
    return paired.mean(axis=axis), paired.std(axis=axis, ddof=1) / np.sqrt(n)
