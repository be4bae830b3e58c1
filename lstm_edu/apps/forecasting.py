"""Time-series forecasting: a real series, a random walk and an LSTM forecaster.

Every forecaster shares one small interface (see :mod:`lstm_edu.apps.forecast_baselines`):
``fit(train)`` on a 1-d training series, then ``predict(windows, horizon)`` on a batch of
history windows ``(M, L)`` (oldest first, ``L >= forecaster.context``) returning
``(M, horizon)`` forecasts of the next ``horizon`` values.

Here: :func:`load_sunspots`, :func:`random_walk` and :class:`LSTMForecaster`. The
baselines (:mod:`lstm_edu.apps.forecast_baselines`) and the evaluation,
:func:`rolling_origin_forecasts` and the error measures
(:mod:`lstm_edu.apps.forecast_evaluation`), live beside this module and stay importable
from here.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from lstm_edu.apps.forecast_baselines import (
    ARForecaster,
    DifferencedForecaster,
    NaiveForecaster,
    SeasonalNaiveForecaster,
    check_windows,
)
from lstm_edu.apps.forecast_evaluation import mae, mae_difference, mase, rmse, rolling_origin_forecasts
from lstm_edu.models import SequenceModel
from lstm_edu.training import TrainConfig
from lstm_edu.training import train as run_training
from lstm_edu.validation import check_int_range, check_positive_real, check_seed, check_series

# The baselines and the evaluation are defined beside this module; they stay importable
# from here, where the book's pages import them.
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
    rng = np.random.default_rng(check_seed("seed", seed))
    scale = check_positive_real("scale", scale)
    start = float(check_series("start", np.array([start], dtype=float))[0])
    steps = scale * rng.standard_normal(n - 1)  # (n-1,)
    return np.concatenate([[start], start + np.cumsum(steps)])


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
        check_seed("seed", self.seed)


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

        config = TrainConfig(steps=cfg.steps, batch_size=cfg.batch_size, lr=cfg.lr, clip_norm=1.0,
                             seed=cfg.seed)
        self.history = run_training(self.model, batch_fn, torch.nn.MSELoss(), config)
        self.model.eval()
        return self

    def predict(self, windows: object, horizon: int) -> np.ndarray:
        """Recursive forecasts from the last ``window`` values: ``(M, L) -> (M, horizon)``."""
        if self.model is None:
            raise ValueError("LSTMForecaster: call fit(train) before predict")
        windows = check_windows(windows, self.context)
        horizon = check_int_range("horizon", horizon, 1)
        current = torch.tensor((windows[:, -self.context :] - self.mean) / self.std, dtype=torch.float32)
        out = []
        with torch.no_grad():
            for _ in range(horizon):
                step = self.model(current[:, :, None])[:, -1, 0]  # (M,)
                out.append(step)
                current = torch.cat([current[:, 1:], step[:, None]], dim=1)  # (M, L)
        return torch.stack(out, dim=1).double().numpy() * self.std + self.mean
