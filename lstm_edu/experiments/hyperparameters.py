"""Experiment 5: hidden size, dropout and learning rate.

One LSTM setting (the adding problem at a moderate lag, trained on a fixed training set so
that over-fitting and regularisation can show) is varied one hyperparameter at a time
around a base configuration. Outcome: the mean squared error on fresh test sequences,
and on the training set.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

import numpy as np
import torch

from ..models import SequenceModel
from ..plots import Plot
from ..stats import median_spread
from ..tasks import adding_problem, as_tensors, solved
from ..training import TrainConfig, seed_everything, train
from .common import check_choices, check_int, check_number, check_seeds, round_sig, run_jobs

__all__ = ["HyperparameterConfig", "Setting", "train_setting", "run_hyperparameters", "summarise",
           "spread_of_medians", "plot_sweeps"]

PARAMETERS = ("hidden_size", "dropout", "lr")


@dataclass(frozen=True)
class Setting:
    """One point of the sweep."""

    hidden_size: int = 16
    dropout: float = 0.0
    lr: float = 1e-2

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden_size", check_int("hidden_size", self.hidden_size))
        object.__setattr__(self, "dropout", check_number("dropout", self.dropout, 0.0, 0.95))
        object.__setattr__(self, "lr", check_number("lr", self.lr, 0.0, 10.0, open_low=True))


@dataclass(frozen=True)
class HyperparameterConfig:
    """The sweep.

    Attributes
    ----------
    base : Setting
        Values of the parameters that are not being varied.
    hidden_sizes, dropouts, lrs : tuple
        Values tried for each parameter (the others at ``base``).
    lag : int
        Adding-problem lag.
    train_size : int
        Fixed training set (sequences); batches are drawn from it.
    steps, batch_size : int
    test_size : int
    seeds : tuple of int
    forget_bias : float
    """

    base: Setting = Setting()
    hidden_sizes: tuple = (2, 4, 8, 16, 32, 64)
    dropouts: tuple = (0.0, 0.1, 0.25, 0.5)
    lrs: tuple = (1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0)
    lag: int = 20
    train_size: int = 1000
    steps: int = 600
    batch_size: int = 32
    test_size: int = 2000
    seeds: tuple = tuple(range(10))
    forget_bias: float = 4.0

    def __post_init__(self) -> None:
        fix = partial(object.__setattr__, self)
        if not isinstance(self.base, Setting):
            raise TypeError(f"base: expected a Setting, got {type(self.base).__name__}")
        fix("hidden_sizes", check_choices("hidden_sizes", self.hidden_sizes, (), check=check_int))
        fix("dropouts", check_choices("dropouts", self.dropouts, (), check=lambda name, v: check_number(
            name, v, 0.0, 0.95)))
        fix("lrs", check_choices("lrs", self.lrs, (), check=lambda name, v: check_number(
            name, v, 0.0, 10.0, open_low=True)))
        fix("lag", check_int("lag", self.lag, minimum=6))
        for name in ("train_size", "steps", "batch_size", "test_size"):
            fix(name, check_int(name, getattr(self, name)))
        fix("seeds", check_seeds(self.seeds))
        fix("forget_bias", check_number("forget_bias", self.forget_bias, -20.0, 20.0))

    @classmethod
    def reduced(cls) -> "HyperparameterConfig":
        """The notebook's size (CI re-runs it)."""
        return cls(hidden_sizes=(2, 8, 32), dropouts=(0.0, 0.25, 0.5), lrs=(1e-3, 1e-2, 1e-1),
                   steps=300, seeds=(0,), test_size=1000)

    def settings(self) -> list[tuple[str, Setting]]:
        """(varied parameter, setting) for every point; the base appears once per parameter."""
        points = []
        for name, values in zip(PARAMETERS, (self.hidden_sizes, self.dropouts, self.lrs)):
            points.extend((name, replace(self.base, **{name: value})) for value in values)
        return points


def _evaluate(model, inputs, targets, lengths) -> tuple[float, float]:
    """(MSE, fraction solved) of ``model`` on a batch, in eval mode (dropout off)."""
    model.eval()
    with torch.no_grad():
        predictions = model(inputs, lengths=lengths).double().numpy()
    model.train()
    targets = targets.double().numpy()
    return float(np.mean((predictions - targets) ** 2)), float(solved(predictions, targets).mean())


def train_setting(setting: Setting, seed: int, config: HyperparameterConfig) -> dict:
    """Train one LSTM with ``setting`` on the fixed training set; test on fresh sequences.

    Returns
    -------
    dict
        The setting's values, ``seed``, ``train_mse``, ``test_mse``, ``test_solved``,
        ``diverged_at``.
    """
    rng = np.random.default_rng(seed)
    train_set = adding_problem(config.lag, config.train_size, rng)
    test_set = adding_problem(config.lag, config.test_size, np.random.default_rng(seed + 1_000_003))
    train_tensors = as_tensors(train_set.inputs, train_set.targets, train_set.lengths)
    test_tensors = as_tensors(test_set.inputs, test_set.targets, test_set.lengths)

    def batch_fn(batch_rng):
        index = torch.as_tensor(batch_rng.integers(0, config.train_size, config.batch_size))
        return tuple(t[index] for t in train_tensors)

    seed_everything(seed)
    model = SequenceModel("lstm", 2, setting.hidden_size, 1, forget_bias=config.forget_bias,
                          dropout=setting.dropout)
    result = train(model, batch_fn, torch.nn.MSELoss(),
                   TrainConfig(steps=config.steps, batch_size=config.batch_size, lr=setting.lr,
                               clip_norm=1.0, seed=seed))
    train_mse, _ = _evaluate(model, *train_tensors)
    test_mse, test_solved = _evaluate(model, *test_tensors)
    return {
        "hidden_size": setting.hidden_size, "dropout": setting.dropout, "lr": setting.lr, "seed": seed,
        "train_mse": round_sig(train_mse), "test_mse": round_sig(test_mse),
        "test_solved": round_sig(test_solved), "diverged_at": result.diverged_at, "seconds": result.seconds,
    }


def _train_job(config: HyperparameterConfig, job: tuple) -> dict:
    setting, seed = job
    return train_setting(setting, seed, config)


def run_hyperparameters(config: HyperparameterConfig, progress=None, workers: int = 1) -> list[dict]:
    """Every point of the sweep for every seed; each dict also names the ``varied`` parameter.

    The base point is shared by the three sweeps and trained once per seed; ``progress``
    is called with ``(index, run)`` as each training finishes; ``workers`` processes (the
    results do not depend on it).
    """
    points = [(varied, setting, seed) for varied, setting in config.settings() for seed in config.seeds]
    jobs = list(dict.fromkeys((setting, seed) for _, setting, seed in points))
    trained = run_jobs(partial(_train_job, config), jobs, workers, progress)
    done = dict(zip(jobs, trained))
    return [{"varied": varied, **done[(setting, seed)]} for varied, setting, seed in points]


def summarise(runs: list[dict], varied: str) -> list[dict]:
    """Rows for one sweep: each value with the median and IQR (:class:`~lstm_edu.stats.Spread`)
    over seeds of the train and test MSE and of the fraction of test sequences solved."""
    if varied not in PARAMETERS:
        raise ValueError(f"varied: expected one of {PARAMETERS}, got {varied!r}")
    group = [r for r in runs if r["varied"] == varied]
    if not group:
        raise ValueError(f"runs: no run varies {varied!r}")
    rows = []
    for value in sorted({r[varied] for r in group}):
        chosen = [r for r in group if r[varied] == value]
        rows.append({
            varied: value, "runs": len(chosen),
            "train_mse": median_spread([r["train_mse"] for r in chosen]),
            "test_mse": median_spread([r["test_mse"] for r in chosen]),
            "test_solved": median_spread([r["test_solved"] for r in chosen]),
        })
    return rows


def spread_of_medians(runs: list[dict], upto: dict | None = None) -> dict:
    """For each parameter, the ratio of the largest to the smallest median test MSE across its
    values: how much that parameter moves the outcome within its sweep.

    ``upto`` limits a sweep to the values at most a bound, e.g. ``{"lr": 0.1}`` for the
    learning rates at which training works.
    """
    upto = dict(upto or {})
    unknown = set(upto) - set(PARAMETERS)
    if unknown:
        raise ValueError(f"upto: expected keys among {PARAMETERS}, got {sorted(unknown)}")
    out = {}
    for varied in PARAMETERS:
        medians = [row["test_mse"].median for row in summarise(runs, varied)
                   if row[varied] <= upto.get(varied, float("inf"))]
        if not medians:
            raise ValueError(f"upto: no value of {varied} is at most {upto[varied]}")
        out[varied] = max(medians) / min(medians)
    return out


def plot_sweeps(runs: list[dict]) -> Plot:
    """Three panels (hidden size, dropout, learning rate): every seed's test MSE as a faint
    dot, the median test and train MSE as lines.

    Returns
    -------
    Plot
        ``lines`` keyed "<parameter> test" and "<parameter> train" (x the values, y the
        median MSEs) and "<parameter> runs" (every run's test MSE).
    """
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9.0, 3.0), dpi=80, layout="constrained")
    axes = figure.subplots(1, 3, sharey=True)
    labels = {"hidden_size": "hidden size $H$", "dropout": "dropout rate", "lr": "learning rate"}
    lines = {}
    for ax, varied in zip(axes, PARAMETERS):
        rows = summarise(runs, varied)
        x = [row[varied] for row in rows]
        group = [r for r in runs if r["varied"] == varied]
        (lines[f"{varied} runs"],) = ax.plot([r[varied] for r in group], [r["test_mse"] for r in group],
                                             linestyle="none", marker="o", markersize=3, alpha=0.3,
                                             color="#1f5fa8", label="test, one seed")
        (lines[f"{varied} test"],) = ax.plot(x, [row["test_mse"].median for row in rows], marker="o",
                                             color="#1f5fa8", linewidth=2, label="test (median)")
        (lines[f"{varied} train"],) = ax.plot(x, [row["train_mse"].median for row in rows], marker="s",
                                              color="#888888", linewidth=1, linestyle="--",
                                              label="train (median)")
        if varied != "dropout":
            ax.set_xscale("log", base=2 if varied == "hidden_size" else 10)
        ax.set_xlabel(labels[varied])
    axes[0].set_yscale("log")
    axes[0].set_ylabel("MSE")
    axes[0].legend(loc="best", fontsize=9)
    return Plot(figure, tuple(axes), lines, name="hyperparameter sweeps")
