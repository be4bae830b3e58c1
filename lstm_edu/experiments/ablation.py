"""Experiment 4: LSTM variants at small scale (Greff et al. 2017, "LSTM: A Search Space Odyssey").

Greff et al.'s eight variants -- V (their vanilla LSTM, with peepholes), NIG, NFG, NOG,
NOAF, NP (no peepholes), CIFG -- plus a GRU, trained with the same budget and several
seeds on one small task: the continual adding stream of the forget-gate experiment
(adding-problem segments one after another, no state reset). Each variant changes one
thing in V; see :data:`lstm_edu.models.VARIANT_FLAGS`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..models import SequenceModel
from ..plots import Plot
from ..training import seed_everything
from .common import new_figure, round_sig
from .forget_gate import StreamTask, fit_continual

__all__ = ["AblationConfig", "VARIANTS_COMPARED", "build_variant", "run_ablation", "summarise", "plot_ablation",
           "mean_predictor_mse"]

#: Display name -> (cell, VARIANT_FLAGS key or None).
VARIANTS_COMPARED = {
    "V": ("lstm", "greff_v"),
    "NIG": ("lstm", "greff_nig"),
    "NFG": ("lstm", "greff_nfg"),
    "NOG": ("lstm", "greff_nog"),
    "NOAF": ("lstm", "greff_noaf"),
    "NP": ("lstm", "greff_np"),
    "CIFG": ("lstm", "greff_cifg"),
    "GRU": ("gru", None),
}


@dataclass(frozen=True)
class AblationConfig:
    """Sizes of the ablation.

    Attributes
    ----------
    variants : tuple of str
        Keys of :data:`VARIANTS_COMPARED`.
    seeds : tuple of int
    hidden_size : int
    lag, chunk, steps, lr, test_length : see :class:`~lstm_edu.experiments.forget_gate.StreamTask`
    """

    variants: tuple = tuple(VARIANTS_COMPARED)
    seeds: tuple = (0, 1)
    hidden_size: int = 16
    lag: int = 8
    chunk: int = 30
    steps: int = 400
    lr: float = 1e-2
    test_length: int = 2000

    @classmethod
    def reduced(cls) -> "AblationConfig":
        """The notebook's size (CI re-runs it): one seed, a short training."""
        return cls(seeds=(0,), steps=150, chunk=20, test_length=800)

    def task(self) -> StreamTask:
        """The stream task every variant trains on."""
        return StreamTask(lag=self.lag, chunk=self.chunk, steps=self.steps, lr=self.lr,
                          test_length=self.test_length)


def build_variant(name: str, hidden_size: int) -> SequenceModel:
    """The model for one display name of :data:`VARIANTS_COMPARED` (readout at every step)."""
    if name not in VARIANTS_COMPARED:
        raise ValueError(f"name: expected one of {list(VARIANTS_COMPARED)}, got {name!r}")
    cell, variant = VARIANTS_COMPARED[name]
    return SequenceModel(cell, 2, hidden_size, 1, variant=variant, readout="all")


def run_ablation(config: AblationConfig, progress=None) -> list[dict]:
    """Every variant for every seed on the continual stream.

    Returns
    -------
    list of dict
        ``variant, seed, parameters`` and :func:`~lstm_edu.experiments.forget_gate.fit_continual`'s
        test metrics (no cell-state trace).
    """
    runs = []
    task = config.task()
    for name in config.variants:
        for seed in config.seeds:
            seed_everything(seed)
            model = build_variant(name, config.hidden_size)
            run = {"variant": name, "seed": seed, "parameters": model.num_parameters(),
                   **fit_continual(model, task, seed, cell_states=False)}
            runs.append(run)
            if progress is not None:
                progress(run)
    return runs


def summarise(runs: list[dict]) -> list[dict]:
    """One row per variant: median and spread of the test MSE, mean fraction solved."""
    rows = []
    for name in dict.fromkeys(r["variant"] for r in runs):
        group = [r for r in runs if r["variant"] == name]
        mse = np.array([np.inf if r["test_mse"] is None else r["test_mse"] for r in group])
        solved = [(r["solved_first"] + r["solved_last"]) / 2 for r in group]
        rows.append({
            "variant": name, "runs": len(group), "parameters": group[0]["parameters"],
            "median_test_mse": round_sig(float(np.median(mse))),
            "min_test_mse": round_sig(float(mse.min())), "max_test_mse": round_sig(float(mse.max())),
            "mean_solved": round_sig(float(np.mean(solved))),
        })
    return rows


def mean_predictor_mse(config: AblationConfig, seed: int = 0) -> float:
    """Test MSE of always predicting the mean target (0.5): the level of a model that learned nothing."""
    from ..tasks import continual_adding_stream

    stream = continual_adding_stream(config.lag, config.test_length, 16, np.random.default_rng(seed + 1_000_003))
    targets = stream.targets[..., 0][stream.target_mask]
    return float(np.mean((targets - 0.5) ** 2))


def plot_ablation(runs: list[dict], ax=None, reference: float | None = None) -> Plot:
    """Test MSE of every run (dots) and the median per variant (bar), log scale.

    Parameters
    ----------
    runs : list of dict
    reference : float, optional
        A horizontal line (e.g. the MSE of always predicting the mean target).

    Returns
    -------
    Plot
        ``lines["runs"]`` holds (variant index, MSE) of every run, ``lines["median"]`` the
        medians.
    """
    names = list(dict.fromkeys(r["variant"] for r in runs))
    figure, ax = new_figure(ax, (7.0, 3.2))
    xs, ys = [], []
    for k, name in enumerate(names):
        for r in runs:
            if r["variant"] == name and r["test_mse"] is not None:
                xs.append(k)
                ys.append(r["test_mse"])
    medians = [float(np.median([r["test_mse"] for r in runs if r["variant"] == n and r["test_mse"] is not None]
                               or [np.nan])) for n in names]
    (runs_line,) = ax.plot(xs, ys, linestyle="none", marker="o", color="#1f5fa8", alpha=0.7, label="one seed")
    (median_line,) = ax.plot(range(len(names)), medians, linestyle="none", marker="_", markersize=22,
                             markeredgewidth=3, color="#d95f02", label="median")
    lines = {"runs": runs_line, "median": median_line}
    if reference is not None:
        lines["reference"] = ax.axhline(reference, color="#888888", linestyle=":", label="predict the mean")
    ax.set_xticks(range(len(names)), labels=names)
    ax.set_yscale("log")
    ax.set_ylabel("test MSE (segment ends)")
    ax.legend(loc="best", fontsize=9)
    return Plot(figure, (ax,), lines, name="variant ablation")
