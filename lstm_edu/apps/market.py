"""Stock indices: next-day returns, the random-walk forecast, AR and an LSTM.

A forecast of tomorrow's price ``P_{t+1}`` is a forecast of the return
``r_{t+1} = 100 log(P_{t+1} / P_t)`` (percent); the random walk (naive) forecast
``P_{t+1} = P_t`` is the forecast ``r_{t+1} = 0``. Errors are in percent of the price.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_edu.apps.forecast_runs import STOCK_CONFIG, WindowLSTM
from lstm_edu.apps.forecasting import ARForecaster
from lstm_edu.validation import check_int_range

__all__ = ["log_returns", "StockProblem", "stock_problem", "N_TEST"]

#: Held-out trading days at the end (the test period, early 1997 to mid 1998).
N_TEST = 400


def log_returns(closes) -> np.ndarray:
    """Daily log returns in percent, ``100 * diff(log closes)``: ``(N, K) -> (N - 1, K)``."""
    closes = np.asarray(closes, dtype=np.float64)
    if closes.ndim != 2 or closes.shape[0] < 2 or not (closes > 0).all():
        raise ValueError(f"closes: expected positive prices of shape (N >= 2, K), got shape {closes.shape}")
    return 100.0 * np.diff(np.log(closes), axis=0)


@dataclass(frozen=True)
class StockProblem:
    """Forecast every index's next-day return from the days before; the last ``n_test`` held out.

    Attributes
    ----------
    names : tuple of str
    time : numpy.ndarray
        ``(N,)`` decimal year of each return (its second day).
    returns : numpy.ndarray
        ``(N, K)`` percent log returns.
    n_train : int
        Returns before the test period.
    window : int
        Days of history the LSTM reads.
    """

    names: tuple
    time: np.ndarray
    returns: np.ndarray
    n_train: int
    window: int = STOCK_CONFIG.window

    @property
    def features(self) -> np.ndarray:
        return self.returns

    @property
    def targets(self) -> np.ndarray:
        """``targets[o]`` is the next day's returns ``returns[o + 1]`` (NaN for the last day)."""
        return np.vstack([self.returns[1:], np.full((1, self.returns.shape[1]), np.nan)])

    @property
    def train_origins(self) -> np.ndarray:
        return np.arange(self.window - 1, self.n_train - 1)  # targets inside the training days

    @property
    def test_origins(self) -> np.ndarray:
        return np.arange(self.n_train - 1, len(self.returns) - 1)

    @property
    def actual(self) -> np.ndarray:
        """``(n_test, K)`` the held-out returns."""
        return self.returns[self.n_train:]

    def lstm(self, model: WindowLSTM) -> np.ndarray:
        """``(n_test, K)`` a fitted :class:`WindowLSTM`'s next-day forecasts."""
        return model.predict(self.features, self.test_origins)

    def baselines(self, order: int = 5) -> dict:
        """Name -> ``(n_test, K)``: no change (random walk), the training mean, AR(order) per index."""
        order = check_int_range("order", order, 1)
        train = self.returns[: self.n_train]
        steps = self.test_origins[:, None] + np.arange(-order + 1, 1)[None, :]  # (n_test, order)
        ar = np.stack([ARForecaster(order).fit(train[:, k]).predict(self.returns[steps, k], 1)[:, 0]
                       for k in range(len(self.names))], axis=1)
        return {"random walk (no change)": np.zeros_like(self.actual),
                "training mean": np.broadcast_to(train.mean(axis=0), self.actual.shape).copy(),
                f"AR({order}) per index": ar}

    def score(self, model: WindowLSTM) -> np.ndarray:
        """``(K,)`` the model's mean absolute error per index on the test days."""
        return np.abs(self.lstm(model) - self.actual).mean(axis=0)


def stock_problem(n_test: int = N_TEST) -> StockProblem:
    """The page's problem on the fetched EuStockMarkets data (1,859 returns of 4 indices)."""
    from lstm_edu.data.eu_stocks import load_eu_stocks

    data = load_eu_stocks()
    returns = log_returns(data.closes)
    n_test = check_int_range("n_test", n_test, 1, len(returns) - STOCK_CONFIG.window - 2)
    return StockProblem(data.names, data.time[1:], returns, len(returns) - n_test)
