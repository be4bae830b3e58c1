"""Experiment 2: the forget gate.

(a) Forget-gate bias (Jozefowicz et al. 2015 recommend 1): how far a gradient travels
    along the cell state of a freshly initialised LSTM, measured with lstm_edu's numpy
    Jacobians ``||dc_T / dc_t||`` on the torch model's weights (:func:`lstm_edu.from_torch`),
    and how fast the LSTM then learns the adding problem.
(b) Continual input (Gers et al. 2000): adding-problem segments streamed one after the
    other with no state reset, in training and in testing. An LSTM without a forget gate
    (the 1997 cell) can only add to its cell state, so the state drifts without bound;
    with a forget gate it can clear the state between segments.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from ..gradients import jacobian_norms
from ..models import SequenceModel
from ..plots import Plot
from ..stats import median_spread, wilson_interval
from ..tasks import adding_problem
from ..torch_bridge import from_torch
from ..training import seed_everything
from .adding import AddingConfig, train_adding
from .common import check_choices, check_int, check_number, check_seeds, new_figure, round_sig, run_jobs
from .continual import StreamTask, continual_table, fit_continual, plot_cell_growth

__all__ = ["ForgetGateConfig", "gradient_flow", "flow_table", "learning_speed", "speed_table",
           "continual_table", "forget_at_markers", "plot_learning_speed", "train_continual",
           "run_forget_gate", "plot_gradient_flow", "plot_cell_growth"]

BIAS_COLOURS = ["#888888", "#1f5fa8", "#1b9e77", "#d95f02", "#7570b3"]


@dataclass(frozen=True)
class ForgetGateConfig:
    """Sizes of both parts of the forget-gate experiment.

    Attributes
    ----------
    biases : tuple of float
        Forget-gate biases compared (0 and 1 as in Jozefowicz et al.; larger values too).
    flow_lag, flow_batch : int
        Adding-problem sequences the initial Jacobians are measured on.
    speed_lags : tuple of int
        Lags of the adding problem for the learning-speed comparison.
    speed_sequences : int
        Training budget of each learning-speed run (sequences).
    seeds : tuple of int
    stream_lag : int
        Lag ``T`` of each segment of the continual stream.
    chunk : int
        Steps per training chunk (truncated backpropagation; the state carries over).
    stream_steps : int
        Training steps on the stream.
    test_length : int
        Length of the test stream (no reset from its first to its last pair).
    hidden_size : int
    lr : float
    """

    biases: tuple = (0.0, 1.0, 4.0)
    flow_lag: int = 100
    flow_batch: int = 32
    speed_lags: tuple = (25, 50)
    speed_sequences: int = 64_000
    seeds: tuple = tuple(range(10))
    stream_lag: int = 10
    chunk: int = 50
    stream_steps: int = 800
    test_length: int = 4000
    hidden_size: int = 16
    lr: float = 1e-2

    def __post_init__(self) -> None:
        fix = partial(object.__setattr__, self)
        fix("biases", check_choices("biases", self.biases, (), check=lambda name, v: check_number(
            name, v, -20.0, 20.0)))
        fix("flow_lag", check_int("flow_lag", self.flow_lag, minimum=6))
        fix("speed_lags", check_choices("speed_lags", self.speed_lags, (), check=lambda name, v: check_int(
            name, v, minimum=6)))
        fix("speed_sequences", check_int("speed_sequences", self.speed_sequences, minimum=32))
        fix("seeds", check_seeds(self.seeds))
        for name in ("flow_batch", "hidden_size"):
            fix(name, check_int(name, getattr(self, name)))
        fix("lr", check_number("lr", self.lr, 0.0, 10.0, open_low=True))
        self.stream_task()  # checks stream_lag, chunk, stream_steps and test_length

    def stream_task(self) -> StreamTask:
        """The continual stream of part (b)."""
        return StreamTask(lag=self.stream_lag, chunk=self.chunk, steps=self.stream_steps, lr=self.lr,
                          test_length=self.test_length)

    @classmethod
    def reduced(cls) -> "ForgetGateConfig":
        """The notebook's size (CI re-runs it)."""
        return cls(biases=(0.0, 1.0, 4.0), speed_lags=(25,), speed_sequences=6400, seeds=(0,),
                   chunk=40, stream_steps=250, test_length=1500)


def gradient_flow(bias: float, config: ForgetGateConfig, seed: int = 0) -> dict:
    """Jacobian norms of a freshly initialised LSTM with this forget-gate bias.

    Builds ``SequenceModel("lstm")`` (torch's init, forget bias set), copies its LSTM into
    lstm_edu with :func:`~lstm_edu.from_torch`, runs adding-problem inputs through it and
    returns the batch-mean spectral norms of ``dc_T/dc_t`` and ``dh_T/dh_t`` for t = 1..T.

    Returns
    -------
    dict
        ``bias``, ``c`` and ``h``: lists of T norms (entry ``t - 1`` for step t),
        ``forget_mean``: the mean forget-gate value over the sequence.
    """
    seed_everything(seed)
    model = SequenceModel("lstm", 2, config.hidden_size, 1, forget_bias=bias)
    numpy_lstm = from_torch(model.layers[0])  # batch_first, float64
    batch = adding_problem(config.flow_lag, config.flow_batch, np.random.default_rng(seed))
    length = int(batch.lengths.min())
    trace = numpy_lstm.forward(batch.inputs[:, :length])  # (B, T, .)
    return {
        "bias": bias,
        "c": jacobian_norms(numpy_lstm, trace, of="c", wrt="c").tolist(),
        "h": jacobian_norms(numpy_lstm, trace, of="h", wrt="h").tolist(),
        "forget_mean": float(trace.f.mean()),
    }


def flow_table(flows: list[dict], distances=(10, 50, 99)) -> list[dict]:
    """Rows: bias, mean forget gate, and ``||dc_T/dc_t||`` at the given distances ``T - t``."""
    rows = []
    for flow in flows:
        c = flow["c"]
        row = {"forget_bias": flow["bias"], "mean_f": round_sig(flow["forget_mean"])}
        for d in distances:
            if not 0 <= d < len(c):
                raise ValueError(f"distances: expected values in [0, {len(c) - 1}], got {d}")
            row[f"dc_T/dc_t at {d}"] = round_sig(c[len(c) - 1 - d])
        rows.append(row)
    return rows


def _adding_config(config: ForgetGateConfig) -> AddingConfig:
    return AddingConfig(lags=config.speed_lags, cells=("lstm",), seeds=config.seeds,
                        hidden_size=config.hidden_size, lr=config.lr, max_sequences=config.speed_sequences,
                        window=min(2000, config.speed_sequences // 4), test_size=1000)


def learning_speed(config: ForgetGateConfig, progress=None, workers: int = 1) -> list[dict]:
    """Adding-problem runs (experiment 1's code) of the LSTM for every bias, lag and seed."""
    jobs = [("speed", lag, bias, seed)
            for lag in config.speed_lags for bias in config.biases for seed in config.seeds]
    return [{k: v for k, v in run.items() if k != "part"}
            for run in run_jobs(partial(_run_job, config), jobs, workers, progress)]


def speed_table(runs: list[dict]) -> list[dict]:
    """Rows per (lag, bias) over the seeds: ``met_criterion`` (a :class:`~lstm_edu.stats.Rate`
    with its 95 % Wilson interval), ``sequences_to_criterion`` and ``test_solved``
    (:class:`~lstm_edu.stats.Spread`: median and IQR)."""
    if not runs:
        raise ValueError("runs: expected at least one run, got none")
    rows = []
    for lag, bias in dict.fromkeys((r["lag"], r["forget_bias"]) for r in runs):
        group = [r for r in runs if r["lag"] == lag and r["forget_bias"] == bias]
        met = [r["solved_at"] for r in group if r["solved_at"] is not None]
        rows.append({
            "lag": lag, "forget_bias": bias, "met_criterion": wilson_interval(len(met), len(group)),
            "sequences_to_criterion": median_spread(met) if met else None,
            "test_solved": median_spread([r["test_solved"] for r in group]),
        })
    return rows


def train_continual(variant: str, config: ForgetGateConfig, seed: int = 0) -> dict:
    """The LSTM with (``"vanilla"``, torch's ``nn.LSTM``) or without (``"nfg"``,
    ``VariantLSTM``) a forget gate on the continual stream; see
    :func:`~lstm_edu.experiments.continual.fit_continual`.

    Returns
    -------
    dict
        ``variant``, ``seed`` and everything ``fit_continual`` returns.
    """
    if variant not in ("vanilla", "nfg"):
        raise ValueError(f"variant: expected 'vanilla' or 'nfg', got {variant!r}")
    seed_everything(seed)
    model = SequenceModel("lstm", 2, config.hidden_size, 1, readout="all",
                          variant=None if variant == "vanilla" else "nfg")
    return {"variant": variant, "seed": seed, **fit_continual(model, config.stream_task(), seed)}


def _run_job(config: ForgetGateConfig, job: tuple) -> dict:
    part, *args = job
    if part == "flow":
        return {"part": part, **gradient_flow(args[0], config)}
    if part == "speed":
        lag, bias, seed = args
        return {"part": part, **train_adding("lstm", lag, seed, _adding_config(config), forget_bias=bias)}
    variant, seed = args
    return {"part": part, **train_continual(variant, config, seed)}


def run_forget_gate(config: ForgetGateConfig, progress=None, workers: int = 1) -> list[dict]:
    """All three parts; each dict has a ``part`` key: "flow", "speed" or "continual".

    ``progress(index, run)`` is called as each run finishes; ``workers`` processes (the
    results do not depend on it).
    """
    jobs = [("flow", bias) for bias in config.biases]
    jobs += [("speed", lag, bias, seed)
             for lag in config.speed_lags for bias in config.biases for seed in config.seeds]
    jobs += [("continual", variant, seed) for variant in ("vanilla", "nfg") for seed in config.seeds]
    return run_jobs(partial(_run_job, config), jobs, workers, progress)


def forget_at_markers(continual: list[dict]) -> list[dict]:
    """Per run of the LSTM with a forget gate: the forget gate at the marker steps (each
    segment's first and last pair) and elsewhere, averaged over units, and the number of
    units whose mean forget gate is lower at the markers than elsewhere."""
    rows = []
    for run in continual:
        if run["variant"] != "vanilla":
            continue
        markers, other = np.asarray(run["f_markers"]), np.asarray(run["f_other"])
        rows.append({"seed": run["seed"], "f at markers": round_sig(float(markers.mean())),
                     "f elsewhere": round_sig(float(other.mean())),
                     "units lower at markers": f"{int((markers < other).sum())} / {markers.size}",
                     "lowest unit at markers": round_sig(float(markers.min()))})
    if not rows:
        raise ValueError("continual: no run of the LSTM with a forget gate ('vanilla')")
    return rows


def plot_learning_speed(runs: list[dict], lag: int, check_every: int = 10, batch_size: int = 32,
                        ax=None) -> Plot:
    """Training loss against sequences seen at one lag, one colour per forget bias.

    Returns
    -------
    Plot
        ``lines`` keyed "bias B seed S"; x data sequences seen, y data the mean loss.
    """
    chosen = [r for r in runs if r["lag"] == lag]
    if not chosen:
        raise ValueError(f"lag: no run has lag {lag}; lags present: {sorted({r['lag'] for r in runs})}")
    biases = list(dict.fromkeys(r["forget_bias"] for r in chosen))
    figure, ax = new_figure(ax, (6.0, 3.2))
    block = 10 * check_every * batch_size
    lines = {}
    for r in chosen:
        curve = np.asarray(r["loss_curve"], dtype=np.float64)
        x = np.minimum(np.arange(1, len(curve) + 1) * block, r["steps"] * batch_size)
        k = biases.index(r["forget_bias"])
        first = r["seed"] == min(q["seed"] for q in chosen if q["forget_bias"] == r["forget_bias"])
        (lines[f"bias {r['forget_bias']:g} seed {r['seed']}"],) = ax.plot(
            x, curve, color=BIAS_COLOURS[k % len(BIAS_COLOURS)], linewidth=1.5,
            label=f"forget bias {r['forget_bias']:g}" if first else None)
    ax.set_yscale("log")
    ax.set_xlabel("training sequences seen")
    ax.set_ylabel("mean squared error")
    ax.set_title(f"LSTM on the adding problem, $T = {lag}$")
    ax.legend(loc="best", fontsize=9)
    return Plot(figure, (ax,), lines, name="learning speed")


def plot_gradient_flow(flows: list[dict], of: str = "c", ax=None) -> Plot:
    """``||d of_T / d of_t||`` against the distance ``T - t``, one line per bias (log scale).

    Returns
    -------
    Plot
        ``lines`` keyed "bias B"; x data are distances 0..T-1, y data the norms.
    """
    figure, ax = new_figure(ax, (6.0, 3.2))
    lines = {}
    for k, flow in enumerate(flows):
        norms = np.asarray(flow[of], dtype=np.float64)[::-1]  # distance 0, 1, ...
        norms = np.maximum(norms, 1e-300)
        (lines[f"bias {flow['bias']:g}"],) = ax.plot(np.arange(len(norms)), norms, linewidth=2,
                                                     color=BIAS_COLOURS[k % len(BIAS_COLOURS)],
                                                     label=f"forget bias {flow['bias']:g}")
    ax.set_yscale("log")
    ax.set_xlabel("distance $T - t$ (steps back from the end)")
    ax.set_ylabel(rf"$\|\partial {of}_T / \partial {of}_t\|$")
    ax.legend(loc="best", fontsize=9)
    return Plot(figure, (ax,), lines, name="gradient flow at initialisation")


