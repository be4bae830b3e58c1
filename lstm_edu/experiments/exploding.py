"""Experiment 3: exploding gradients and norm clipping (Pascanu et al. 2013).

A tanh RNN whose recurrent matrix starts as ``gain`` times a random orthogonal matrix
(spectral radius ``gain`` > 1) is trained with plain SGD on the adding problem, once
without clipping and once with the gradient rescaled to norm ``clip_norm`` whenever it is
larger. We record the loss and the gradient norm before clipping at every step.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import numpy as np
import torch

from ..models import SequenceModel
from ..plots import Plot
from ..stats import median_spread, wilson_interval
from ..tasks import adding_problem, as_tensors
from ..training import TrainConfig, seed_everything, train
from .common import check_choices, check_int, check_number, check_seeds, new_figure, round_sig, run_jobs

__all__ = ["ExplodingConfig", "scaled_orthogonal_", "train_exploding", "run_exploding", "summarise",
           "plot_gradient_norms_over_training", "plot_divergence_steps"]


@dataclass(frozen=True)
class ExplodingConfig:
    """The exploding-gradient setting.

    Attributes
    ----------
    lag : int
        Adding-problem lag ``T``.
    hidden_size, batch_size, steps : int
    gain : float
        Spectral radius of the initial recurrent matrix.
    lr : float
        SGD learning rate.
    clip_norms : tuple
        ``None`` (no clipping) and the thresholds compared.
    seeds : tuple of int
    """

    lag: int = 30
    hidden_size: int = 32
    batch_size: int = 32
    steps: int = 600
    gain: float = 2.5
    lr: float = 0.1
    clip_norms: tuple = (None, 1.0)
    seeds: tuple = tuple(range(10))

    def __post_init__(self) -> None:
        fix = partial(object.__setattr__, self)
        for name in ("hidden_size", "batch_size", "steps"):
            fix(name, check_int(name, getattr(self, name)))
        fix("lag", check_int("lag", self.lag, minimum=6))
        fix("gain", check_number("gain", self.gain, 0.0, 100.0, open_low=True))
        fix("lr", check_number("lr", self.lr, 0.0, 10.0, open_low=True))
        fix("clip_norms", check_choices("clip_norms", self.clip_norms, (), check=lambda name, v: check_number(
            name, v, 0.0, open_low=True, allow_none=True)))
        fix("seeds", check_seeds(self.seeds))

    @classmethod
    def reduced(cls) -> "ExplodingConfig":
        """The notebook's size (CI re-runs it)."""
        return cls(steps=150, seeds=(0, 1))


def scaled_orthogonal_(weight: torch.Tensor, gain: float,
                       generator: torch.Generator | None = None) -> torch.Tensor:
    """Overwrite a square ``weight`` with ``gain`` times a random orthogonal matrix (in place).

    Every singular value (and the spectral radius) then equals ``gain``.
    """
    if weight.dim() != 2 or weight.shape[0] != weight.shape[1]:
        raise ValueError(f"weight: expected a square matrix, got shape {tuple(weight.shape)}")
    if not (isinstance(gain, (int, float)) and math.isfinite(gain) and gain > 0):
        raise ValueError(f"gain: expected a positive finite number, got {gain!r}")
    n = weight.shape[0]
    q, r = torch.linalg.qr(torch.randn(n, n, generator=generator, dtype=torch.float64))
    q = q * torch.sign(torch.diagonal(r))  # a uniformly random orthogonal matrix
    with torch.no_grad():
        weight.copy_(gain * q)
    return weight


def train_exploding(clip_norm, seed: int, config: ExplodingConfig) -> dict:
    """One SGD run of the RNN, with or without clipping.

    Returns
    -------
    dict
        ``clip_norm, seed, diverged_at`` (step with a NaN/inf loss or gradient, or None),
        ``steps``, ``loss`` and ``grad_norm`` per step (3 significant digits; NaN/inf kept
        as strings), ``clipped_fraction``, ``final_loss`` (mean of the last 20 steps),
        ``max_grad_norm``.
    """
    seed_everything(seed)
    model = SequenceModel("rnn", 2, config.hidden_size, 1)
    scaled_orthogonal_(model.layers[0].weight_hh_l0, config.gain, torch.Generator().manual_seed(seed))

    def batch_fn(rng):
        batch = adding_problem(config.lag, config.batch_size, rng)
        return as_tensors(batch.inputs, batch.targets, batch.lengths)

    result = train(model, batch_fn, torch.nn.MSELoss(),
                   TrainConfig(steps=config.steps, batch_size=config.batch_size, lr=config.lr,
                               clip_norm=clip_norm, seed=seed, optimizer="sgd"))
    loss = np.asarray(result.loss)
    norms = np.asarray(result.grad_norm)
    finite = np.isfinite(loss)
    return {
        "clip_norm": clip_norm, "seed": seed, "diverged_at": result.diverged_at, "steps": result.steps_done,
        "loss": [_json_number(v) for v in loss], "grad_norm": [_json_number(v) for v in norms],
        "clipped_fraction": round_sig(float(np.mean(result.clipped))),
        "final_loss": None if result.diverged else round_sig(float(loss[-20:].mean())),
        "max_grad_norm": (round_sig(float(np.max(norms[np.isfinite(norms)])))
                          if np.isfinite(norms).any() else None),
        "max_loss": round_sig(float(loss[finite].max())) if finite.any() else None,
        "seconds": result.seconds,
    }


def _json_number(value: float):
    """3 significant digits; NaN and infinities as strings (valid JSON)."""
    value = float(value)
    return round_sig(value) if math.isfinite(value) else str(value)


def _train_job(config: ExplodingConfig, job: tuple) -> dict:
    clip_norm, seed = job
    return train_exploding(clip_norm, seed, config)


def run_exploding(config: ExplodingConfig, progress=None, workers: int = 1) -> list[dict]:
    """Every clipping choice for every seed (``progress(index, run)`` as each finishes;
    ``workers`` processes, the results do not depend on it)."""
    jobs = [(clip_norm, seed) for clip_norm in config.clip_norms for seed in config.seeds]
    return run_jobs(partial(_train_job, config), jobs, workers, progress)


def summarise(runs: list[dict]) -> list[dict]:
    """One row per clipping choice over the seeds.

    Returns
    -------
    list of dict
        ``clipping``; ``diverged``: a :class:`~lstm_edu.stats.Rate` (runs whose loss or
        gradient became NaN/inf, with its 95 % Wilson interval); ``step_diverged``: a
        :class:`~lstm_edu.stats.Spread` of the step it happened (or None);
        ``peak_grad_norm``: a Spread of each run's largest finite gradient norm;
        ``final_loss``: a Spread over the runs that finished (or None).
    """
    if not runs:
        raise ValueError("runs: expected at least one run, got none")
    rows = []
    for clip_norm in dict.fromkeys(r["clip_norm"] for r in runs):
        group = [r for r in runs if r["clip_norm"] == clip_norm]
        diverged = [r["diverged_at"] for r in group if r["diverged_at"] is not None]
        finals = [r["final_loss"] for r in group if r["final_loss"] is not None]
        peaks = [r["max_grad_norm"] for r in group if r["max_grad_norm"] is not None]
        rows.append({
            "clipping": "none" if clip_norm is None else f"norm {clip_norm:g}",
            "diverged": wilson_interval(len(diverged), len(group)),
            "step_diverged": median_spread(diverged) if diverged else None,
            "peak_grad_norm": median_spread(peaks) if peaks else None,
            "final_loss": median_spread(finals) if finals else None,
        })
    return rows


def plot_gradient_norms_over_training(runs: list[dict], seed: int) -> Plot:
    """Loss (top) and gradient norm before clipping (bottom) per step, for one seed, with
    and without clipping. A run that diverged is drawn up to its last finite value and
    its end marked with an x.

    Returns
    -------
    Plot
        ``lines`` keyed "loss, no clipping", "grad norm, clip at C", ...; x data the steps.
    """
    from matplotlib.figure import Figure

    chosen = [r for r in runs if r["seed"] == seed]
    if not chosen:
        raise ValueError(f"seed: no run has seed {seed}; seeds present: {sorted({r['seed'] for r in runs})}")
    figure = Figure(figsize=(7.0, 4.6), dpi=80, layout="constrained")
    axes = figure.subplots(2, 1, sharex=True)
    lines = {}
    colours = ["#d95f02", "#1f5fa8", "#1b9e77", "#7570b3"]
    for k, run in enumerate(chosen):
        label = "no clipping" if run["clip_norm"] is None else f"clip at {run['clip_norm']:g}"
        for ax, key, name in ((axes[0], "loss", "loss"), (axes[1], "grad_norm", "grad norm")):
            values = np.array([float(v) for v in run[key]])
            finite = np.isfinite(values)
            steps = np.arange(1, len(values) + 1)
            (lines[f"{name}, {label}"],) = ax.plot(steps[finite], values[finite], color=colours[k % 4],
                                                   linewidth=1.2, label=label)
            if run["diverged_at"] is not None and finite.any():
                last = np.flatnonzero(finite)[-1]
                ax.plot(steps[last], values[last], marker="x", markersize=10, color=colours[k % 4])
        if run["clip_norm"] is not None:
            axes[1].axhline(run["clip_norm"], color=colours[k % 4], linestyle=":", linewidth=1)
    for ax in axes:
        ax.set_yscale("log")
    axes[0].set_ylabel("training loss (MSE)")
    axes[1].set_ylabel("gradient norm\n(before clipping)")
    axes[1].set_xlabel("training step")
    axes[0].legend(loc="best", fontsize=9)
    return Plot(figure, tuple(axes), lines, name="loss and gradient norm over training")


def plot_divergence_steps(runs: list[dict], ax=None) -> Plot:
    """When each run diverged, one row per clipping choice: a dot at the step of divergence,
    or a cross at the last step for a run that trained to the end.

    Returns
    -------
    Plot
        ``lines[label]`` (x the steps of divergence, y the row) and ``lines[label + " finished"]``
        (x the last step of each run that never diverged), per clipping choice.
    """
    if not runs:
        raise ValueError("runs: expected at least one run, got none")
    figure, ax = new_figure(ax, (6.4, 2.4))
    lines = {}
    choices = list(dict.fromkeys(r["clip_norm"] for r in runs))
    rng = np.random.default_rng(0)  # vertical jitter only, so that equal steps stay visible
    for row, clip_norm in enumerate(choices):
        label = "no clipping" if clip_norm is None else f"clip at {clip_norm:g}"
        group = [r for r in runs if r["clip_norm"] == clip_norm]
        diverged = [r["diverged_at"] for r in group if r["diverged_at"] is not None]
        finished = [r["steps"] for r in group if r["diverged_at"] is None]
        (lines[label],) = ax.plot(diverged, row + rng.uniform(-0.15, 0.15, len(diverged)), linestyle="none",
                                  marker="o", alpha=0.6, color="#d95f02")
        (lines[f"{label} finished"],) = ax.plot(finished, row + rng.uniform(-0.15, 0.15, len(finished)),
                                                linestyle="none", marker="x", alpha=0.6, color="#1f5fa8")
    ax.set_yticks(range(len(choices)),
                  labels=["no clipping" if c is None else f"clip at {c:g}" for c in choices])
    ax.set_ylim(-0.5, len(choices) - 0.5)
    ax.set_xlabel("training step (dot: diverged there; x: trained to the end)")
    ax.grid(axis="y", visible=False)
    return Plot(figure, (ax,), lines, name="steps of divergence")
