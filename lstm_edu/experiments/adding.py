"""Experiment 1: the adding problem (Hochreiter & Schmidhuber 1997, Experiment 4).

RNN, LSTM, GRU and the 1997 LSTM itself (no forget gate, ``"nfg"``) are trained on
:func:`lstm_edu.tasks.adding_problem` at several lags ``T`` with the same budget of
training sequences. Training stops on the paper's
criterion -- each of the most recent 2,000 training sequences was processed correctly
(absolute error < 0.04) -- and every model is then tested on 2,560 fresh sequences.

The paper also asks for an average training error below 0.01; when all of the last
2,000 absolute errors are below 0.04 their mean squared error is below 0.0016, so that
condition holds automatically and we do not check it separately.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from functools import partial

import numpy as np
import torch

from ..models import SequenceModel
from ..stats import median_spread, wilson_interval
from ..tasks import SOLVED_TOLERANCE, adding_problem, as_tensors, solved
from ..training import TrainConfig, seed_everything, train
from .common import check_choices, check_int, check_number, check_seeds, round_sig, run_jobs

__all__ = ["AddingConfig", "PaperCriterion", "CELL_COLOURS", "CELL_LABELS", "PAPER_SEQUENCES", "run_adding",
           "train_adding", "evaluate_solved", "summarise", "cells_in", "set_gru_update_bias"]

CELL_COLOURS = {"rnn": "#888888", "lstm": "#1f5fa8", "gru": "#d95f02", "nfg": "#7570b3"}
#: How the cells are named in tables and legends ("nfg" is the 1997 cell: no forget gate).
CELL_LABELS = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU", "nfg": "LSTM 1997 (no forget gate)"}
#: The 1997 paper's LSTM met its criterion at T = 100 after about this many training sequences.
PAPER_SEQUENCES = {100: 74_000}
TEST_SEED_OFFSET = 1_000_003  # the test set's seed is the run's seed plus this
FULL_SEEDS = tuple(range(10))


@dataclass(frozen=True)
class AddingConfig:
    """One adding-problem study: every cell at every lag, for every seed.

    Attributes
    ----------
    lags : tuple of int
        The minimal sequence lengths ``T``.
    cells : tuple of str
        Any of "rnn", "lstm", "gru", "nfg" (the 1997 LSTM: input and output gates, no
        forget gate, no peepholes).
    seeds : tuple of int
        One run per seed (model initialisation and training data).
    hidden_size, batch_size : int
    lr : float
        Adam's learning rate.
    forget_bias : float or None
        LSTM's initial forget-gate bias (see the forget-gate experiment).
    gru_update_bias : float or None
        GRU's initial update-gate bias (torch's init if None): the GRU's counterpart of a
        large forget bias, since a positive bias starts it keeping its state.
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
    cells: tuple = ("rnn", "lstm", "gru", "nfg")
    seeds: tuple = FULL_SEEDS
    hidden_size: int = 16
    batch_size: int = 32
    lr: float = 1e-2
    forget_bias: float | None = 4.0
    gru_update_bias: float | None = None
    max_sequences: int = 128_000
    window: int = 2000
    test_size: int = 2560
    check_every: int = 10
    clip_norm: float | None = 1.0

    def __post_init__(self) -> None:
        fix = partial(object.__setattr__, self)
        fix("lags", check_choices("lags", self.lags, (), check=lambda name, t: check_int(name, t, minimum=6)))
        fix("cells", check_choices("cells", self.cells, tuple(CELL_COLOURS)))
        fix("seeds", check_seeds(self.seeds))
        for name in ("hidden_size", "batch_size", "window", "test_size", "check_every"):
            fix(name, check_int(name, getattr(self, name)))
        fix("max_sequences", check_int("max_sequences", self.max_sequences, minimum=self.batch_size))
        fix("lr", check_number("lr", self.lr, 0.0, 10.0, open_low=True))
        fix("forget_bias", check_number("forget_bias", self.forget_bias, -20.0, 20.0, allow_none=True))
        fix("gru_update_bias", check_number("gru_update_bias", self.gru_update_bias, -20.0, 20.0,
                                            allow_none=True))
        fix("clip_norm", check_number("clip_norm", self.clip_norm, 0.0, open_low=True, allow_none=True))

    @classmethod
    def reduced(cls) -> "AddingConfig":
        """The notebook's size: short lags, one seed, a small budget (CI re-runs it); the
        full size is the default (10 seeds)."""
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
    cell : {"rnn", "lstm", "gru", "nfg"}
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
    if cell not in CELL_COLOURS:
        raise ValueError(f"cell: expected one of {tuple(CELL_COLOURS)}, got {cell!r}")
    seed_everything(seed)
    if cell == "nfg":  # the 1997 cell: its forget gate is fixed at 1, so no forget bias
        model = SequenceModel("lstm", 2, config.hidden_size, 1, variant="nfg")
    else:
        model = SequenceModel(cell, 2, config.hidden_size, 1,
                              forget_bias=forget_bias if cell == "lstm" else None)
    if cell == "gru" and config.gru_update_bias is not None:
        set_gru_update_bias(model.layers[0], config.gru_update_bias)
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


def set_gru_update_bias(gru: torch.nn.GRU, value: float) -> None:
    """Set the update-gate bias of a one-layer ``nn.GRU`` to ``value``.

    Torch's GRU computes ``h_t = (1 - z_t) * n_t + z_t * h_{t-1}`` with gate rows in the
    order ``r, z, n``; the ``z`` block of ``bias_ih`` is set to ``value`` and that of
    ``bias_hh`` to 0, so ``z_t`` starts near ``sigmoid(value)`` and a positive value
    starts the GRU keeping its state, as a positive forget bias does for the LSTM.
    """
    if not isinstance(gru, torch.nn.GRU) or gru.num_layers != 1 or not gru.bias:
        raise TypeError(f"gru: expected a one-layer torch.nn.GRU with biases, got {gru!r}")
    value = check_number("value", value)
    H = gru.hidden_size
    with torch.no_grad():
        gru.bias_ih_l0[H:2 * H] = value
        gru.bias_hh_l0[H:2 * H] = 0.0


def _curve(values, every: int) -> list:
    """Mean of each block of ``every`` values, rounded to 3 significant digits."""
    values = np.asarray(values, dtype=np.float64)
    blocks = [values[k:k + every] for k in range(0, len(values), every)]
    return [round_sig(float(np.mean(b))) for b in blocks]


def _train_job(config: AddingConfig, job: tuple) -> dict:
    cell, lag, seed = job
    return train_adding(cell, lag, seed, config)


def run_adding(config: AddingConfig, progress=None, workers: int = 1) -> list[dict]:
    """Every cell at every lag for every seed (see :func:`train_adding`).

    Parameters
    ----------
    config : AddingConfig
    progress : callable, optional
        Called with ``(index, run)`` as each run finishes.
    workers : int, default 1
        Processes to spread the runs over (the results do not depend on it).

    Returns
    -------
    list of dict
        In the order seed, lag, cell (seed outermost: an interrupted run covers every lag).
    """
    jobs = [(cell, lag, seed) for seed in config.seeds for lag in config.lags for cell in config.cells]
    return run_jobs(partial(_train_job, config), jobs, workers, progress)


def cells_in(runs: list[dict]) -> list[str]:
    """The cells present in ``runs``, in the order of :data:`CELL_COLOURS`."""
    return [c for c in CELL_COLOURS if any(r["cell"] == c for r in runs)]


def summarise(runs: list[dict]) -> list[dict]:
    """One row per (cell, lag) over the seeds.

    Returns
    -------
    list of dict
        ``cell`` (its label), ``lag``, ``runs``; ``met_criterion``: a
        :class:`~lstm_edu.stats.Rate` (runs meeting the paper's criterion, with its 95 %
        Wilson interval); ``sequences_to_criterion``: a :class:`~lstm_edu.stats.Spread`
        (median and IQR over the runs that met it) or None; ``test_solved``: a Spread of the
        fraction of test sequences solved.
    """
    if not runs:
        raise ValueError("runs: expected at least one run, got none")
    rows = []
    keys = sorted({(r["cell"], r["lag"]) for r in runs}, key=lambda k: (k[1], list(CELL_COLOURS).index(k[0])))
    for cell, lag in keys:
        group = [r for r in runs if r["cell"] == cell and r["lag"] == lag]
        met = [r["solved_at"] for r in group if r["solved_at"] is not None]
        rows.append({
            "cell": CELL_LABELS[cell], "lag": lag, "runs": len(group),
            "met_criterion": wilson_interval(len(met), len(group)),
            "sequences_to_criterion": median_spread(met) if met else None,
            "test_solved": median_spread([r["test_solved"] for r in group]),
        })
    return rows
