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

import numpy as np
import torch
from torch import nn

from ..gradients import jacobian_norms
from ..models import SequenceModel
from ..plots import Plot
from ..tasks import SOLVED_TOLERANCE, adding_problem, as_tensors, continual_adding_stream
from ..torch_bridge import from_torch
from ..training import TrainConfig, seed_everything, train
from .adding import AddingConfig, train_adding
from .common import new_figure, round_sig

__all__ = ["ForgetGateConfig", "gradient_flow", "flow_table", "learning_speed", "speed_table",
           "continual_table", "plot_learning_speed", "StatefulModel", "StreamChunks",
           "StreamTask", "fit_continual", "masked_mse", "train_continual", "run_forget_gate", "plot_gradient_flow", "plot_cell_growth"]

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
    seeds: tuple = (0, 1)
    stream_lag: int = 10
    chunk: int = 50
    stream_steps: int = 800
    test_length: int = 4000
    hidden_size: int = 16
    lr: float = 1e-2

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


def learning_speed(config: ForgetGateConfig, progress=None) -> list[dict]:
    """Adding-problem runs (experiment 1's code) of the LSTM for every bias, lag and seed."""
    adding = AddingConfig(lags=config.speed_lags, cells=("lstm",), seeds=config.seeds,
                          hidden_size=config.hidden_size, lr=config.lr,
                          max_sequences=config.speed_sequences,
                          window=min(2000, config.speed_sequences // 4), test_size=1000)
    runs = []
    for lag in config.speed_lags:
        for bias in config.biases:
            for seed in config.seeds:
                run = train_adding("lstm", lag, seed, adding, forget_bias=bias)
                runs.append(run)
                if progress is not None:
                    progress(run)
    return runs


def speed_table(runs: list[dict]) -> list[dict]:
    """Rows per (lag, bias): runs meeting the paper's criterion, median sequences until it
    was met, mean fraction of test sequences solved."""
    rows = []
    for lag, bias in dict.fromkeys((r["lag"], r["forget_bias"]) for r in runs):
        group = [r for r in runs if r["lag"] == lag and r["forget_bias"] == bias]
        met = [r["solved_at"] for r in group if r["solved_at"] is not None]
        rows.append({
            "lag": lag, "forget_bias": bias, "met_criterion": f"{len(met)} / {len(group)}",
            "sequences_to_criterion": int(np.median(met)) if met else None,
            "test_solved": round_sig(float(np.mean([r["test_solved"] for r in group]))),
        })
    return rows


def masked_mse(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean squared error over the positions where ``targets`` is not NaN.

    ``outputs`` and ``targets`` are ``(B, L, 1)``; NaN marks "no target here".
    """
    mask = ~torch.isnan(targets)
    if not bool(mask.any()):
        return outputs.sum() * 0.0
    return (outputs[mask] - targets[mask]).pow(2).mean()


class StatefulModel(nn.Module):
    """Wrap a :class:`SequenceModel` so that its state carries from one call to the next.

    The carried state is detached (truncated backpropagation through time); nothing ever
    resets it except :meth:`reset`.
    """

    def __init__(self, model: SequenceModel):
        super().__init__()
        self.model = model
        self.state = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y, state = self.model(x, state=self.state, return_state=True)
        self.state = [_detached(layer_state) for layer_state in state]
        return y

    def reset(self) -> None:
        """Forget the carried state."""
        self.state = None


def _detached(state):
    """Detach a layer state: a tensor (GRU, RNN) or a tuple of tensors (LSTM)."""
    if isinstance(state, torch.Tensor):
        return state.detach()
    return tuple(s.detach() for s in state)


class StreamChunks:
    """Consecutive chunks of ``batch`` continual streams, as ``(inputs, targets)`` tensors.

    Targets are NaN except at the segment ends (see :func:`masked_mse`).
    """

    def __init__(self, lag: int, chunk: int, steps: int, batch: int, seed: int):
        rng = np.random.default_rng(seed)
        stream = continual_adding_stream(lag, chunk * steps, batch, rng)
        targets = np.where(stream.target_mask[..., None], stream.targets, np.nan)  # (B, L, 1)
        self.inputs, self.targets = as_tensors(stream.inputs, targets)
        self.chunk = chunk
        self.position = 0

    def __call__(self, rng=None):
        start, self.position = self.position, self.position + self.chunk
        return self.inputs[:, start:self.position], self.targets[:, start:self.position]


def _numpy_twin(model: SequenceModel):
    """lstm_edu's numpy model of the first recurrent layer (nn.LSTM or VariantLSTM)."""
    layer = model.layers[0]
    return from_torch(layer) if isinstance(layer, nn.LSTM) else layer.to_numpy()


@dataclass(frozen=True)
class StreamTask:
    """A continual adding-stream task: segment lag, training chunks and the test stream."""

    lag: int = 10
    chunk: int = 50
    steps: int = 1500
    batch_size: int = 32
    lr: float = 1e-2
    clip_norm: float = 1.0
    test_length: int = 5000
    test_batch: int = 16


def fit_continual(model: SequenceModel, task: StreamTask, seed: int, cell_states: bool = True) -> dict:
    """Train ``model`` (readout "all") on a continual stream, never resetting its state,
    then test it on a fresh stream of ``task.test_length`` pairs, also without reset.

    Returns
    -------
    dict
        ``train_loss`` (mean per 10 % of training), ``diverged_at``; on the test stream
        ``test_mse`` (over segment ends), ``solved_first``/``solved_last`` (fraction of
        segments solved in its first and last quarter); with ``cell_states`` (LSTM only):
        ``c_steps``, ``c_abs`` (mean |c_t| over units and streams at 50 steps, from
        lstm_edu's numpy twin of the trained layer), ``c_first``/``c_last`` (mean |c_t|
        over the first and last 100 steps). ``seconds`` is the training time.
    """
    chunks = StreamChunks(task.lag, task.chunk, task.steps, task.batch_size, seed)
    result = train(StatefulModel(model), chunks, masked_mse,
                   TrainConfig(steps=task.steps, batch_size=task.batch_size, lr=task.lr,
                               clip_norm=task.clip_norm, seed=seed))
    test = continual_adding_stream(task.lag, task.test_length, task.test_batch,
                                   np.random.default_rng(seed + 1_000_003))
    model.eval()
    with torch.no_grad():
        predictions = model(as_tensors(test.inputs)[0]).double().numpy()[..., 0]  # (B, L)
    errors = predictions[test.target_mask] - test.targets[..., 0][test.target_mask]
    out = {
        "train_loss": [round_sig(float(np.mean(b))) for b in np.array_split(result.loss, min(10, len(result.loss)))],
        "diverged_at": result.diverged_at,
        "test_mse": round_sig(float(np.mean(errors ** 2))) if np.isfinite(errors).all() else None,
        "solved_first": _solved_in(predictions, test, 0, task.test_length // 4),
        "solved_last": _solved_in(predictions, test, task.test_length * 3 // 4, task.test_length),
        "seconds": result.seconds,
    }
    if cell_states:
        trace = _numpy_twin(model).forward(test.inputs)  # (B, L, H), no reset anywhere
        c_abs = np.abs(trace.c).mean(axis=(0, 2))  # (L,)
        steps = np.linspace(0, task.test_length - 1, 50).round().astype(int)
        out.update({
            "c_steps": (steps + 1).tolist(),
            "c_abs": [round_sig(float(v), 4) for v in c_abs[steps]],
            "c_first": round_sig(float(c_abs[:100].mean()), 4),
            "c_last": round_sig(float(c_abs[-100:].mean()), 4),
        })
    return out


def train_continual(variant: str, config: ForgetGateConfig, seed: int = 0) -> dict:
    """The LSTM with (``"vanilla"``, torch's ``nn.LSTM``) or without (``"nfg"``,
    ``VariantLSTM``) a forget gate on the continual stream; see :func:`fit_continual`.

    Returns
    -------
    dict
        ``variant``, ``seed`` and everything :func:`fit_continual` returns.
    """
    if variant not in ("vanilla", "nfg"):
        raise ValueError(f"variant: expected 'vanilla' or 'nfg', got {variant!r}")
    seed_everything(seed)
    model = SequenceModel("lstm", 2, config.hidden_size, 1, readout="all",
                          variant=None if variant == "vanilla" else "nfg")
    task = StreamTask(lag=config.stream_lag, chunk=config.chunk, steps=config.stream_steps,
                      lr=config.lr, test_length=config.test_length)
    return {"variant": variant, "seed": seed, **fit_continual(model, task, seed)}


def _solved_in(predictions: np.ndarray, stream, start: int, stop: int) -> float:
    """Fraction of segment targets in [start, stop) predicted within the tolerance."""
    errors = []
    for b, ends in enumerate(stream.segment_ends):
        ends = ends[(ends >= start) & (ends < stop)]
        errors.extend(np.abs(predictions[b, ends] - stream.targets[b, ends, 0]).tolist())
    if not errors:
        raise ValueError(f"stream: no segment ends between steps {start} and {stop}; use a longer test stream")
    return round_sig(float(np.mean(np.asarray(errors) < SOLVED_TOLERANCE)))


def run_forget_gate(config: ForgetGateConfig, progress=None) -> list[dict]:
    """All three parts; each dict has a ``part`` key: "flow", "speed" or "continual"."""
    runs = []

    def add(part, item):
        item = {"part": part, **item}
        runs.append(item)
        if progress is not None:
            progress(item)

    for bias in config.biases:
        add("flow", gradient_flow(bias, config))
    for run in learning_speed(config):
        add("speed", run)
    for variant in ("vanilla", "nfg"):
        for seed in config.seeds:
            add("continual", train_continual(variant, config, seed))
    return runs


def continual_table(runs: list[dict]) -> list[dict]:
    """Rows per continual run: mean |c_t| early and late, fraction solved early and late."""
    return [{"variant": r["variant"], "seed": r["seed"], "mean|c| first 100": r["c_first"],
             "mean|c| last 100": r["c_last"], "solved first quarter": r["solved_first"],
             "solved last quarter": r["solved_last"]} for r in runs]


def plot_learning_speed(runs: list[dict], lag: int, check_every: int = 10, batch_size: int = 32, ax=None) -> Plot:
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


def plot_cell_growth(continual: list[dict], ax=None) -> Plot:
    """Mean |c_t| on the test stream against t, one line per (variant, seed).

    Returns
    -------
    Plot
        ``lines`` keyed "variant seed S"; x data the steps, y data mean |c_t|.
    """
    figure, ax = new_figure(ax, (6.0, 3.2))
    colours = {"vanilla": "#1f5fa8", "nfg": "#d95f02"}
    labels = {"vanilla": "with forget gate", "nfg": "no forget gate (1997)"}
    lines = {}
    for run in continual:
        first = run["seed"] == min(r["seed"] for r in continual if r["variant"] == run["variant"])
        (lines[f"{run['variant']} seed {run['seed']}"],) = ax.plot(
            run["c_steps"], run["c_abs"], color=colours[run["variant"]], linewidth=2,
            label=labels[run["variant"]] if first else None)
    ax.set_yscale("log")
    ax.set_xlabel("step $t$ of the test stream (never reset)")
    ax.set_ylabel(r"mean $|c_t|$")
    ax.legend(loc="best", fontsize=9)
    return Plot(figure, (ax,), lines, name="cell state on a continual stream")
