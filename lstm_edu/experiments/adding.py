"""Experiment 1: the adding problem (Hochreiter & Schmidhuber 1997, Experiment 4).

RNN, LSTM and GRU are trained on :func:`lstm_edu.tasks.adding_problem` at several lags
``T`` with the same budget of training sequences. Training stops on the paper's
criterion -- each of the most recent 2,000 training sequences was processed correctly
(absolute error < 0.04) -- and every model is then tested on 2,560 fresh sequences.

The paper also asks for an average training error below 0.01; when all of the last
2,000 absolute errors are below 0.04 their mean squared error is below 0.0016, so that
condition holds automatically and we do not check it separately.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import torch

from ..models import SequenceModel
from ..plots import Plot
from ..tasks import SOLVED_TOLERANCE, adding_problem, as_tensors, solved
from ..training import TrainConfig, seed_everything, train
from .common import new_figure, round_sig

__all__ = ["AddingConfig", "PaperCriterion", "run_adding", "train_adding", "evaluate_solved", "summarise",
           "plot_solved_vs_lag", "plot_learning_curves", "plot_sequence"]

CELL_COLOURS = {"rnn": "#888888", "lstm": "#1f5fa8", "gru": "#d95f02"}
TEST_SEED_OFFSET = 1_000_003  # the test set's seed is the run's seed plus this


@dataclass(frozen=True)
class AddingConfig:
    """One adding-problem study: every cell at every lag, for every seed.

    Attributes
    ----------
    lags : tuple of int
        The minimal sequence lengths ``T``.
    cells : tuple of str
        Any of "rnn", "lstm", "gru".
    seeds : tuple of int
        One run per seed (model initialisation and training data).
    hidden_size, batch_size : int
    lr : float
        Adam's learning rate.
    forget_bias : float or None
        LSTM's initial forget-gate bias (see the forget-gate experiment).
    max_sequences : int
        Training budget in sequences, the same for every cell.
    window : int
        Stop once this many most recent training sequences were all solved (paper: 2,000).
    test_size : int
        Fresh test sequences after training (paper: 2,560).
    check_every : int
        Steps between checks of the stopping criterion.
    clip_norm : float or None
        Gradient-norm clipping (guards the RNN against blow-ups).
    """

    lags: tuple = (10, 25, 50, 100)
    cells: tuple = ("rnn", "lstm", "gru")
    seeds: tuple = (0, 1)
    hidden_size: int = 16
    batch_size: int = 32
    lr: float = 1e-2
    forget_bias: float | None = 4.0
    max_sequences: int = 128_000
    window: int = 2000
    test_size: int = 2560
    check_every: int = 10
    clip_norm: float | None = 1.0

    def __post_init__(self) -> None:
        if not self.lags or any(int(t) != t or t < 6 for t in self.lags):
            raise ValueError(f"lags: expected integers >= 6, got {self.lags!r}")
        bad = [c for c in self.cells if c not in CELL_COLOURS]
        if not self.cells or bad:
            raise ValueError(f"cells: expected some of {tuple(CELL_COLOURS)}, got {self.cells!r}")
        if not self.seeds:
            raise ValueError("seeds: expected at least one seed, got none")
        if self.max_sequences < self.batch_size:
            raise ValueError(f"max_sequences: expected at least batch_size={self.batch_size}, got {self.max_sequences}")
        if self.window < 1 or self.test_size < 1:
            raise ValueError(f"window, test_size: expected positive ints, got {self.window}, {self.test_size}")

    @classmethod
    def reduced(cls) -> "AddingConfig":
        """The notebook's size: short lags, one seed, a small budget (CI re-runs it)."""
        return cls(lags=(10, 25), seeds=(0,), max_sequences=6400, test_size=1000, window=1000)

    @property
    def steps(self) -> int:
        """Optimiser steps in the budget."""
        return self.max_sequences // self.batch_size


class PaperCriterion:
    """The paper's stopping criterion, applied to the training sequences as they stream past.

    Use as the loss function: it returns the mean squared error and records each
    sequence's absolute error. Calling it (as ``eval_fn``) says whether each of the last
    ``window`` training sequences was solved.

    Parameters
    ----------
    window : int
        How many most recent sequences must all be solved.
    tolerance : float, default 0.04
    """

    def __init__(self, window: int, tolerance: float = SOLVED_TOLERANCE):
        if window < 1:
            raise ValueError(f"window: expected a positive int, got {window}")
        self.window = window
        self.tolerance = tolerance
        self.recent = deque(maxlen=window)

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Mean squared error; records ``|output - target| < tolerance`` per sequence."""
        errors = (outputs - targets).detach().abs().reshape(len(targets), -1).amax(dim=1)  # (B,)
        self.recent.extend((errors < self.tolerance).tolist())
        return torch.nn.functional.mse_loss(outputs, targets)

    def met(self, model=None) -> bool:
        """True once the window is full and every sequence in it was solved."""
        return len(self.recent) == self.window and all(self.recent)


def _batch_fn(lag: int, batch_size: int):
    """Training batches ``(inputs, targets, lengths)`` as float32 tensors."""
    def batch_fn(rng):
        batch = adding_problem(lag, batch_size, rng)
        return as_tensors(batch.inputs, batch.targets, batch.lengths)

    return batch_fn


def evaluate_solved(model, lag: int, test_size: int, seed: int) -> tuple[int, float]:
    """Test on ``test_size`` fresh sequences: (number wrong, fraction solved)."""
    batch = adding_problem(lag, test_size, np.random.default_rng(seed + TEST_SEED_OFFSET))
    inputs, lengths = as_tensors(batch.inputs, batch.lengths)
    model.eval()
    with torch.no_grad():
        predictions = model(inputs, lengths=lengths).double().numpy()  # (N, 1)
    ok = solved(predictions, batch.targets)
    return int((~ok).sum()), float(ok.mean())


def train_adding(cell: str, lag: int, seed: int, config: AddingConfig, forget_bias=...) -> dict:
    """Train one model on the adding problem and test it.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}
    lag : int
    seed : int
    config : AddingConfig
    forget_bias : float or None, optional
        Overrides ``config.forget_bias`` for an LSTM.

    Returns
    -------
    dict
        ``cell, lag, seed, forget_bias, solved_at`` (training sequences seen when the
        criterion was met, or None), ``steps, test_wrong, test_size, test_solved``
        (fraction), ``loss_curve`` (mean loss per 10 checks), ``seconds`` (not saved).
    """
    forget_bias = config.forget_bias if forget_bias is ... else forget_bias
    seed_everything(seed)
    model = SequenceModel(cell, 2, config.hidden_size, 1, forget_bias=forget_bias if cell == "lstm" else None)
    criterion = PaperCriterion(config.window)
    train_config = TrainConfig(steps=config.steps, batch_size=config.batch_size, lr=config.lr,
                               clip_norm=config.clip_norm, seed=seed, log_every=config.check_every)
    result = train(model, _batch_fn(lag, config.batch_size), criterion.loss, train_config,
                   eval_fn=criterion.met, stop_fn=bool)
    wrong, fraction = evaluate_solved(model, lag, config.test_size, seed)
    return {
        "cell": cell, "lag": lag, "seed": seed,
        "forget_bias": forget_bias if cell == "lstm" else None,
        "solved_at": result.stopped_at * config.batch_size if result.criterion_met else None,
        "steps": result.steps_done,
        "test_wrong": wrong, "test_size": config.test_size, "test_solved": round_sig(fraction, 6),
        "loss_curve": _curve(result.loss, 10 * config.check_every),
        "seconds": result.seconds,
    }


def _curve(values, every: int) -> list:
    """Mean of each block of ``every`` values, rounded to 3 significant digits."""
    values = np.asarray(values, dtype=np.float64)
    blocks = [values[k:k + every] for k in range(0, len(values), every)]
    return [round_sig(float(np.mean(b))) for b in blocks]


def run_adding(config: AddingConfig, progress=None) -> list[dict]:
    """Every cell at every lag for every seed (see :func:`train_adding`).

    Parameters
    ----------
    config : AddingConfig
    progress : callable, optional
        Called with each finished run's dict.

    Returns
    -------
    list of dict
    """
    runs = []
    for seed in config.seeds:  # seed outermost: an interrupted run still covers every lag
        for lag in config.lags:
            for cell in config.cells:
                run = train_adding(cell, lag, seed, config)
                runs.append(run)
                if progress is not None:
                    progress(run)
    return runs


def summarise(runs: list[dict]) -> list[dict]:
    """One row per (cell, lag): mean test fraction solved, runs meeting the criterion,
    median training sequences until it was met (over the runs that met it)."""
    rows = []
    keys = sorted({(r["cell"], r["lag"]) for r in runs}, key=lambda k: (k[1], list(CELL_COLOURS).index(k[0])))
    for cell, lag in keys:
        group = [r for r in runs if r["cell"] == cell and r["lag"] == lag]
        met = [r["solved_at"] for r in group if r["solved_at"] is not None]
        rows.append({
            "cell": cell, "lag": lag, "runs": len(group),
            "test_solved": round_sig(float(np.mean([r["test_solved"] for r in group]))),
            "test_wrong": f"{int(np.median([r['test_wrong'] for r in group]))} / {group[0]['test_size']}",
            "met_criterion": f"{len(met)} / {len(group)}",
            "sequences_to_criterion": int(np.median(met)) if met else None,
        })
    return rows


def plot_solved_vs_lag(runs: list[dict], ax=None, title: str | None = None) -> Plot:
    """Fraction of test sequences solved against the lag, one line per cell (mean over seeds).

    Returns
    -------
    Plot
        ``lines`` keyed by cell; x data are the lags, y data the mean fractions.
    """
    if not runs:
        raise ValueError("runs: expected at least one run, got none")
    figure, ax = new_figure(ax, (6.0, 3.2))
    lines = {}
    for cell in [c for c in CELL_COLOURS if any(r["cell"] == c for r in runs)]:
        lags = sorted({r["lag"] for r in runs if r["cell"] == cell})
        means = [float(np.mean([r["test_solved"] for r in runs if r["cell"] == cell and r["lag"] == lag]))
                 for lag in lags]
        (lines[cell],) = ax.plot(lags, means, marker="o", linewidth=2, color=CELL_COLOURS[cell], label=cell.upper())
    ax.set_xscale("log")
    ax.set_xticks(sorted({r["lag"] for r in runs}), labels=[str(t) for t in sorted({r["lag"] for r in runs})])
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("lag $T$ (minimal sequence length)")
    ax.set_ylabel("test sequences solved")
    ax.legend(loc="best", fontsize=9)
    if title:
        ax.set_title(title)
    return Plot(figure, (ax,), lines, name="solved vs lag")


def plot_learning_curves(runs: list[dict], lag: int, check_every: int, batch_size: int, ax=None) -> Plot:
    """Training loss against sequences seen at one lag, one line per run.

    ``loss_curve`` entries are means over ``10 * check_every`` steps; x is the number of
    training sequences at the end of each block.
    """
    chosen = [r for r in runs if r["lag"] == lag]
    if not chosen:
        raise ValueError(f"lag: no run has lag {lag}; lags present: {sorted({r['lag'] for r in runs})}")
    figure, ax = new_figure(ax, (6.0, 3.2))
    lines = {}
    block = 10 * check_every * batch_size
    for r in chosen:
        curve = np.asarray(r["loss_curve"], dtype=np.float64)
        x = np.minimum(np.arange(1, len(curve) + 1) * block, r["steps"] * batch_size)
        key = f"{r['cell']} seed {r['seed']}"
        (lines[key],) = ax.plot(x, curve, color=CELL_COLOURS[r["cell"]], linewidth=1.5,
                                label=r["cell"].upper() if r["seed"] == min(q["seed"] for q in chosen) else None)
    ax.set_yscale("log")
    ax.set_xlabel("training sequences seen")
    ax.set_ylabel("mean squared error")
    ax.set_title(f"adding problem, $T = {lag}$")
    ax.legend(loc="best", fontsize=9)
    return Plot(figure, (ax,), lines, name="learning curves")


def plot_sequence(batch, index: int = 0, ax=None) -> Plot:
    """One sequence of an :class:`~lstm_edu.tasks.AddingBatch`: values as bars, marks highlighted.

    Returns
    -------
    Plot
        ``lines["values"]`` holds (position, x) of every pair; ``lines["marked"]`` the two
        marked pairs.
    """
    length = int(batch.lengths[index])
    values = batch.inputs[index, :length, 0]
    markers = batch.inputs[index, :length, 1]
    figure, ax = new_figure(ax, (7.0, 2.6))
    positions = np.arange(length)
    (values_line,) = ax.plot(positions, values, color="#bbbbbb", linewidth=1, marker=".", label="value $x$")
    marked = [int(p) for p in batch.marked[index]]
    (marked_line,) = ax.plot(marked, values[marked], linestyle="none", marker="o", markersize=9,
                             color="#d95f02", label="marked ($m = 1$)")
    ends = np.flatnonzero(markers == -1)
    (ends_line,) = ax.plot(ends, values[ends], linestyle="none", marker="s", color="#333333", label="$m = -1$")
    ax.set_xlabel("position in the sequence")
    ax.set_ylabel("$x$")
    ax.set_title(f"target $0.5 + (X_1 + X_2)/4 = {batch.targets[index, 0]:.3f}$")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    return Plot(figure, (ax,), {"values": values_line, "marked": marked_line, "ends": ends_line},
                name="adding sequence")
