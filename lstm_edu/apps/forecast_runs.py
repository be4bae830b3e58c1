"""Direct LSTM forecasts for the stock-index and weather sections, trained once and stored.

:class:`WindowLSTM` reads a window of input features ending at a forecast origin and outputs
every target at once (readout ``"last"``): the next day's four index returns, or the next 24
hourly temperature changes. Training all seeds takes longer than the page's time budget, so

    python -m lstm_edu.apps.forecast_runs            # ~1-2 min on one core

trains them (seeded), and writes their weights to ``book/applications/results/forecasting_lstm.pt``
and their test errors to ``forecasting_metrics.json``. The page loads the weights with
:func:`load_models`, forecasts the test period again and checks the errors against the file.

:func:`blocked_difference` gives the difference of two methods' mean absolute errors with a
95 % interval that allows for errors correlated within blocks of neighbouring time steps.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from lstm_edu.models import SequenceModel
from lstm_edu.training import TrainConfig
from lstm_edu.training import train as run_training
from lstm_edu.validation import check_int_range, check_positive_real, check_seed

__all__ = ["WindowConfig", "WindowLSTM", "blocked_difference", "STOCK_CONFIG", "WEATHER_CONFIG", "SEEDS",
           "RESULTS", "train_all", "load_models", "load_metrics", "main"]

RESULTS = Path(__file__).resolve().parents[2] / "book" / "applications" / "results"
SEEDS = (0, 1, 2, 3, 4)


@dataclass(frozen=True)
class WindowConfig:
    """Size and training of a :class:`WindowLSTM` (Adam on the mean squared error)."""

    window: int = 24
    hidden_size: int = 32
    steps: int = 500
    batch_size: int = 64
    lr: float = 3e-3

    def __post_init__(self) -> None:
        check_int_range("window", self.window, 1)
        check_int_range("hidden_size", self.hidden_size, 1)
        check_int_range("steps", self.steps, 1)
        check_int_range("batch_size", self.batch_size, 1)
        check_positive_real("lr", self.lr)


#: The stored runs: 20 trading days of the four returns -> the next day's four returns.
STOCK_CONFIG = WindowConfig(window=20, hidden_size=16, steps=400, batch_size=64, lr=3e-3)
#: 72 hours of (temperature, hour of day) -> the next 24 hourly temperatures.
WEATHER_CONFIG = WindowConfig(window=72, hidden_size=32, steps=600, batch_size=64, lr=3e-3)


class WindowLSTM:
    """An LSTM that maps the window of ``features`` ending at an origin to ``targets`` there.

    Features and targets are standardised per column with the statistics of the training
    origins. ``fit(features (N, D), targets (N, K), origins)``; ``predict(features, origins)
    -> (len(origins), K)`` with ``origins >= window - 1``.
    """

    def __init__(self, config: WindowConfig, seed: int = 0) -> None:
        if not isinstance(config, WindowConfig):
            raise TypeError(f"config: expected a WindowConfig, got {type(config).__name__}")
        self.config, self.seed = config, check_seed("seed", seed)
        self.model: SequenceModel | None = None
        self.stats: dict = {}

    def _windows(self, features: np.ndarray, origins: np.ndarray) -> torch.Tensor:
        w = self.config.window
        origins = np.asarray(origins)
        if origins.ndim != 1 or origins.size == 0 or origins.min() < w - 1 or origins.max() >= len(features):
            raise ValueError(f"origins: expected indices in [{w - 1}, {len(features) - 1}] (window {w}), "
                             f"got {origins.min() if origins.size else 'none'}.."
                             f"{origins.max() if origins.size else ''}")
        scaled = (features - self.stats["x_mean"]) / self.stats["x_std"]
        steps = origins[:, None] + np.arange(-w + 1, 1)[None, :]  # (M, window)
        return torch.tensor(scaled[steps], dtype=torch.float32)  # (M, window, D)

    def _build(self, d: int, k: int) -> None:
        torch.manual_seed(self.seed)
        self.model = SequenceModel("lstm", d, self.config.hidden_size, k, readout="last")

    def fit(self, features, targets, origins) -> "WindowLSTM":
        """Train on the windows ending at ``origins`` (their targets must be finite)."""
        features, targets = _matrix("features", features), _matrix("targets", targets)
        if len(features) != len(targets):
            raise ValueError(f"targets: expected {len(features)} rows like features, got {len(targets)}")
        origins = np.asarray(origins, dtype=np.int64)
        y = targets[origins]
        if not np.isfinite(y).all():
            raise ValueError("targets: expected finite targets at every training origin")
        past = features[: origins.max() + 1]
        self.stats = {"x_mean": past.mean(axis=0), "x_std": past.std(axis=0) + 1e-12,
                      "y_mean": y.mean(axis=0), "y_std": y.std(axis=0) + 1e-12}
        x = self._windows(features, origins)
        y = torch.tensor((y - self.stats["y_mean"]) / self.stats["y_std"], dtype=torch.float32)
        self._build(features.shape[1], targets.shape[1])
        cfg = self.config

        def batch_fn(rng):
            pick = rng.integers(0, len(x), size=cfg.batch_size)
            return x[pick], y[pick]

        config = TrainConfig(steps=cfg.steps, batch_size=cfg.batch_size, lr=cfg.lr, clip_norm=1.0,
                             seed=self.seed)
        self.history = run_training(self.model, batch_fn, torch.nn.MSELoss(), config)
        self.model.eval()
        return self

    def predict(self, features, origins) -> np.ndarray:
        """Forecasts ``(len(origins), K)`` in the targets' units."""
        if self.model is None:
            raise ValueError("WindowLSTM: call fit (or load) before predict")
        with torch.no_grad():
            out = self.model(self._windows(_matrix("features", features), origins)).double().numpy()
        return out * self.stats["y_std"] + self.stats["y_mean"]

    def state(self) -> dict:
        """Weights and standardisation, for :meth:`load`."""
        return {"weights": self.model.state_dict(), "seed": self.seed,
                **{k: torch.tensor(v) for k, v in self.stats.items()}}

    @classmethod
    def load(cls, config: WindowConfig, state: dict) -> "WindowLSTM":
        """A fitted model from :meth:`state`."""
        model = cls(config, int(state["seed"]))
        model.stats = {k: state[k].numpy() for k in ("x_mean", "x_std", "y_mean", "y_std")}
        model._build(len(model.stats["x_mean"]), len(model.stats["y_mean"]))
        model.model.load_state_dict(state["weights"])
        model.model.eval()
        return model


def _matrix(name: str, value) -> np.ndarray:
    array = np.asarray(value, dtype=np.float64)
    if array.ndim != 2 or array.shape[0] < 1:
        raise ValueError(f"{name}: expected shape (N, columns), got shape {array.shape}")
    return array


def blocked_difference(actual, predicted_a, predicted_b, block: int = 1, z: float = 1.96) -> tuple:
    """``MAE(a) - MAE(b)`` over the last axis with a 95 % interval from block means.

    The paired differences ``|a - actual| - |b - actual|`` are averaged over consecutive
    blocks of ``block`` time steps (a day of hours, a month of trading days; a leftover at
    the start is dropped); the standard error is the standard deviation of the block means
    over the square root of their number, which allows for errors correlated within a block.

    Returns
    -------
    difference, low, high : float or numpy.ndarray
        Negative: a is better. Other leading axes are kept.
    """
    actual = np.asarray(actual, dtype=np.float64)
    a, b = np.broadcast_arrays(np.asarray(predicted_a, dtype=np.float64),
                               np.asarray(predicted_b, dtype=np.float64))
    if a.shape != actual.shape:
        raise ValueError(f"predicted_a: expected the shape of actual {actual.shape}, got {a.shape}")
    block = check_int_range("block", block, 1)
    paired = np.abs(a - actual) - np.abs(b - actual)
    n_blocks = paired.shape[-1] // block
    if n_blocks < 2:
        raise ValueError(f"block: expected at least 2 blocks of {block} in {paired.shape[-1]} steps, "
                         f"got {n_blocks}")
    tail = paired[..., paired.shape[-1] - n_blocks * block:]  # whole blocks, counted from the end
    means = tail.reshape(*paired.shape[:-1], n_blocks, block).mean(-1)
    diff = paired[..., paired.shape[-1] - n_blocks * block:].mean(-1)
    se = means.std(axis=-1, ddof=1) / np.sqrt(n_blocks)
    return diff, diff - z * se, diff + z * se


# -- the stored runs ----------------------------------------------------------------------


def _stock_problem():
    from lstm_edu.apps.market import stock_problem

    return stock_problem()


def _weather_problem():
    from lstm_edu.apps.weather import weather_problem

    return weather_problem()


def train_all(seeds=SEEDS, log=print) -> tuple[dict, dict]:
    """Train every seed on both problems; returns ``(states, metrics)``."""
    states, metrics = {"stocks": [], "weather": []}, {"stocks": {}, "weather": {}}
    torch.set_num_threads(1)
    for name, problem, config in (("stocks", _stock_problem(), STOCK_CONFIG),
                                  ("weather", _weather_problem(), WEATHER_CONFIG)):
        for seed in seeds:
            model = WindowLSTM(config, seed).fit(problem.features, problem.targets, problem.train_origins)
            states[name].append(model.state())
            metrics[name][str(seed)] = problem.score(model).tolist()
            log(f"forecast_runs: {name} seed {seed}: MAE {np.round(problem.score(model), 3).tolist()}")
    return states, metrics


def load_models(name: str, folder: Path = RESULTS) -> list:
    """The stored models of ``name`` (``"stocks"`` or ``"weather"``), one per seed."""
    config = {"stocks": STOCK_CONFIG, "weather": WEATHER_CONFIG}[name]
    states = torch.load(Path(folder) / "forecasting_lstm.pt", weights_only=True)[name]
    return [WindowLSTM.load(config, state) for state in states]


def load_metrics(folder: Path = RESULTS) -> dict:
    """The test errors stored with the weights (``forecasting_metrics.json``)."""
    return json.loads((Path(folder) / "forecasting_metrics.json").read_text())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lstm_edu.apps.forecast_runs",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    states, metrics = train_all()
    args.out.mkdir(parents=True, exist_ok=True)
    torch.save(states, args.out / "forecasting_lstm.pt")
    record = {"command": "python -m lstm_edu.apps.forecast_runs", "seeds": list(SEEDS),
              "config": {"stocks": asdict(STOCK_CONFIG), "weather": asdict(WEATHER_CONFIG)},
              "versions": {"python": platform.python_version(), "numpy": np.__version__,
                           "torch": torch.__version__},
              "mae": metrics}
    (args.out / "forecasting_metrics.json").write_text(json.dumps(record, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
