"""Hourly temperature: forecasts 1-24 hours ahead against persistence and yesterday's value.

The LSTM forecasts directly: from the last 72 hours of (temperature, hour of day) it outputs
the change of temperature 1, 2, ..., 24 hours ahead at once. Forecasts are arranged by
horizon like :func:`lstm_edu.apps.forecasting.rolling_origin_forecasts`: entry ``[h - 1, j]``
is the forecast of held-out hour ``j`` made ``h`` hours before it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_edu.apps.forecast_runs import WEATHER_CONFIG, WindowLSTM
from lstm_edu.apps.forecasting import (
    ARForecaster,
    NaiveForecaster,
    SeasonalNaiveForecaster,
    rolling_origin_forecasts,
)
from lstm_edu.validation import check_int_range

__all__ = ["hour_features", "WeatherProblem", "weather_problem", "N_TEST", "MAX_H"]

#: Held-out hours: the last 60 days of the record (November-December 2013).
N_TEST = 60 * 24
#: Longest horizon (hours).
MAX_H = 24


def hour_features(celsius, hours) -> np.ndarray:
    """``(N, 3)``: the temperature and the hour of day as a point on a circle (sin, cos)."""
    celsius, hours = np.asarray(celsius, dtype=np.float64), np.asarray(hours, dtype=np.float64)
    if celsius.ndim != 1 or celsius.shape != hours.shape:
        raise ValueError(f"hours: expected the shape of celsius {celsius.shape}, got {hours.shape}")
    angle = 2 * np.pi * hours / 24.0
    return np.stack([celsius, np.sin(angle), np.cos(angle)], axis=1)


@dataclass(frozen=True)
class WeatherProblem:
    """Forecast each held-out hour from 1..``max_h`` hours before; the last ``n_test`` hours held out."""

    time: np.ndarray  # (N,) datetime64[h]
    celsius: np.ndarray  # (N,)
    n_train: int
    max_h: int = MAX_H
    window: int = WEATHER_CONFIG.window

    @property
    def features(self) -> np.ndarray:
        return hour_features(self.celsius, self.time.astype("datetime64[h]").astype(np.int64) % 24)

    @property
    def targets(self) -> np.ndarray:
        """``(N, max_h)``: ``celsius[o + h] - celsius[o]``, NaN past the end."""
        padded = np.concatenate([self.celsius, np.full(self.max_h, np.nan)])
        ahead = np.stack([padded[h: h + len(self.celsius)] for h in range(1, self.max_h + 1)], axis=1)
        return ahead - self.celsius[:, None]

    @property
    def train_origins(self) -> np.ndarray:
        return np.arange(self.window - 1, self.n_train - self.max_h)  # every target inside training

    @property
    def test_origins(self) -> np.ndarray:
        return np.arange(self.n_train - self.max_h, len(self.celsius) - 1)

    @property
    def actual(self) -> np.ndarray:
        """``(max_h, n_test)``: the held-out hours, once per horizon."""
        return np.tile(self.celsius[self.n_train:], (self.max_h, 1))

    def by_horizon(self, paths: np.ndarray) -> np.ndarray:
        """``(len(test_origins), max_h)`` forecast paths -> ``(max_h, n_test)`` by horizon."""
        targets = np.arange(self.n_train, len(self.celsius))
        first = self.test_origins[0]
        return np.stack([paths[targets - h - first, h - 1] for h in range(1, self.max_h + 1)])

    def lstm(self, model: WindowLSTM) -> np.ndarray:
        """``(max_h, n_test)`` a fitted model's forecasts (last value plus predicted change)."""
        origins = self.test_origins
        return self.by_horizon(self.celsius[origins, None] + model.predict(self.features, origins))

    def baselines(self, ar_order: int = 24) -> dict:
        """Name -> ``(max_h, n_test)``: persistence, same hour yesterday, and recursive AR."""
        ar_order = check_int_range("ar_order", ar_order, 1)
        train, n_test = self.celsius[: self.n_train], len(self.celsius) - self.n_train
        methods = {"persistence": NaiveForecaster(), "same hour yesterday": SeasonalNaiveForecaster(24),
                   f"AR({ar_order})": ARForecaster(ar_order)}
        return {name: rolling_origin_forecasts(self.celsius, n_test, self.max_h, m.fit(train))
                for name, m in methods.items()}

    def score(self, model: WindowLSTM) -> np.ndarray:
        """``(max_h,)`` mean absolute error by horizon."""
        return np.abs(self.lstm(model) - self.actual).mean(axis=1)


def weather_problem(n_test: int = N_TEST) -> WeatherProblem:
    """The page's problem on the fetched JFK airport temperatures, 2013 (train January-October)."""
    from lstm_edu.data.nyc_weather import load_nyc_temperatures

    data = load_nyc_temperatures("JFK")
    n_test = check_int_range("n_test", n_test, 1, len(data.celsius) - WEATHER_CONFIG.window - 2 * MAX_H)
    return WeatherProblem(data.time, data.celsius, len(data.celsius) - n_test)
