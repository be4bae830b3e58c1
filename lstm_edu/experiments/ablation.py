"""Experiment 4: LSTM variants at small scale (Greff et al. 2017, "LSTM: A Search Space Odyssey").

Greff et al.'s eight variants -- V (their vanilla LSTM, with peepholes), NIG, NFG, NOG,
NOAF, NP (no peepholes), CIFG -- plus a GRU, trained with the same budget and several
seeds on one small task: the continual adding stream of the forget-gate experiment
(adding-problem segments one after another, no state reset). Each variant changes one
thing in V; see :data:`lstm_edu.models.VARIANT_FLAGS`.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from ..models import SequenceModel
from ..plots import Plot
from ..stats import NO_DIFFERENCE, compare_intervals, median_interval, median_spread
from ..training import seed_everything
from .common import check_choices, check_int, check_number, check_seeds, new_figure, run_jobs
from .continual import StreamTask, fit_continual

__all__ = ["AblationConfig", "VARIANTS_COMPARED", "build_variant", "run_ablation", "summarise",
           "plot_ablation", "mean_predictor_mse", "compare_with", "used_parameters", "learned_little"]

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
    lag, chunk, steps, lr, test_length : see :class:`~lstm_edu.experiments.continual.StreamTask`
    """

    variants: tuple = tuple(VARIANTS_COMPARED)
    seeds: tuple = tuple(range(10))
    hidden_size: int = 16
    lag: int = 8
    chunk: int = 30
    steps: int = 400
    lr: float = 1e-2
    test_length: int = 2000

    def __post_init__(self) -> None:
        fix = partial(object.__setattr__, self)
        fix("variants", check_choices("variants", self.variants, tuple(VARIANTS_COMPARED)))
        fix("seeds", check_seeds(self.seeds))
        fix("hidden_size", check_int("hidden_size", self.hidden_size))
        fix("lr", check_number("lr", self.lr, 0.0, 10.0, open_low=True))
        self.task()  # checks lag, chunk, steps and test_length

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


def used_parameters(model: SequenceModel) -> int:
    """Trainable scalars that can change the model's output.

    A :class:`~lstm_edu.models.VariantLSTM` keeps the rows of a gate it does not use (a
    disabled gate, or the input gate of a coupled cell) so that its weights convert
    one-to-one to lstm_edu's numpy models; those rows, and their peephole vector, never
    receive a gradient and are not counted here. Other layers count in full.
    """
    from ..models import VariantLSTM

    if not isinstance(model, SequenceModel):
        raise TypeError(f"model: expected a SequenceModel, got {type(model).__name__}")
    total = model.num_parameters()
    for layer in model.layers:
        if not isinstance(layer, VariantLSTM):
            continue
        flags, H, D = layer.flags, layer.hidden_size, layer.input_size
        unused = [not flags.input_gate or flags.coupled, not flags.forget_gate, not flags.output_gate]
        per_gate = H * (D + H + 2) + (H if flags.peepholes else 0)  # W_ih and W_hh rows, two biases, peephole
        total -= sum(unused) * per_gate
    return total


def _train_job(config: AblationConfig, job: tuple) -> dict:
    name, seed = job
    seed_everything(seed)
    model = build_variant(name, config.hidden_size)
    return {"variant": name, "seed": seed, "parameters": used_parameters(model),
            **fit_continual(model, config.task(), seed, cell_states=False)}


def run_ablation(config: AblationConfig, progress=None, workers: int = 1) -> list[dict]:
    """Every variant for every seed on the continual stream.

    Parameters
    ----------
    config : AblationConfig
    progress : callable, optional
        Called with ``(index, run)`` as each run finishes.
    workers : int, default 1
        Processes to spread the runs over (the results do not depend on it).

    Returns
    -------
    list of dict
        ``variant, seed, parameters`` (the trainable parameters that model uses) and
        :func:`~lstm_edu.experiments.continual.fit_continual`'s test metrics.
    """
    jobs = [(name, seed) for name in config.variants for seed in config.seeds]
    return run_jobs(partial(_train_job, config), jobs, workers, progress)


def _mse(group: list[dict]) -> np.ndarray:
    """Test MSE per run (a diverged run counts as infinitely bad)."""
    return np.array([np.inf if r["test_mse"] is None else r["test_mse"] for r in group])


def summarise(runs: list[dict], reference: str = "V") -> list[dict]:
    """One row per variant over the seeds.

    Returns
    -------
    list of dict
        ``variant, runs, parameters`` (the trainable parameters of that variant's model);
        ``test_mse``: a :class:`~lstm_edu.stats.Spread` (median and IQR);
        ``median_interval``: a bootstrap 95 % interval of the median test MSE;
        ``vs_reference``: the median relative to ``reference``'s and whether the intervals
        say it is "higher", "lower" or :data:`~lstm_edu.stats.NO_DIFFERENCE`;
        ``solved``: a Spread of the fraction of segments solved.
    """
    if not runs:
        raise ValueError("runs: expected at least one run, got none")
    names = list(dict.fromkeys(r["variant"] for r in runs))
    if reference not in names:
        raise ValueError(f"reference: expected one of {names}, got {reference!r}")
    intervals = {name: median_interval(_mse([r for r in runs if r["variant"] == name])) for name in names}
    reference_median = float(np.median(_mse([r for r in runs if r["variant"] == reference])))
    rows = []
    for name in names:
        group = [r for r in runs if r["variant"] == name]
        mse = _mse(group)
        parameters = sorted({r["parameters"] for r in group})
        rows.append({
            "variant": name, "runs": len(group),
            "parameters": parameters[0] if len(parameters) == 1 else parameters,
            "test_mse": median_spread(mse),
            "median_interval": intervals[name],
            "times_reference": float(np.median(mse)) / reference_median,
            "vs_reference": ("-" if name == reference
                             else compare_intervals(intervals[name], intervals[reference])),
            "solved": median_spread([(r["solved_first"] + r["solved_last"]) / 2 for r in group]),
        })
    return rows


def compare_with(rows: list[dict], outcome: str) -> list[str]:
    """Names of the variants whose ``vs_reference`` is ``outcome`` ("higher", "lower" or
    :data:`~lstm_edu.stats.NO_DIFFERENCE`)."""
    if outcome not in ("higher", "lower", NO_DIFFERENCE):
        raise ValueError(f"outcome: expected 'higher', 'lower' or {NO_DIFFERENCE!r}, got {outcome!r}")
    return [row["variant"] for row in rows if row["vs_reference"] == outcome]


def learned_little(runs: list[dict], reference: float) -> dict:
    """Per variant, how many runs ended with a test MSE above half of ``reference`` (the error of
    predicting the mean target): runs that learned little. A diverged run counts as one."""
    if not runs:
        raise ValueError("runs: expected at least one run, got none")
    bound = check_number("reference", reference, 0.0, open_low=True) / 2
    return {name: int(sum(mse > bound for mse in _mse([r for r in runs if r["variant"] == name])))
            for name in dict.fromkeys(r["variant"] for r in runs)}


def mean_predictor_mse(config: AblationConfig, seed: int = 0) -> float:
    """Test MSE of always predicting the mean target (0.5): the level of a model that learned nothing."""
    from ..tasks import continual_adding_stream

    stream = continual_adding_stream(config.lag, config.test_length, 16,
                                     np.random.default_rng(seed + 1_000_003))
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
    medians = [float(np.median([r["test_mse"] for r in runs
                                if r["variant"] == n and r["test_mse"] is not None]
                               or [np.nan])) for n in names]
    (runs_line,) = ax.plot(xs, ys, linestyle="none", marker="o", markersize=4, color="#1f5fa8", alpha=0.45,
                           label="one seed")
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
