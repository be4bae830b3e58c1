"""Continual input streams (Gers et al. 2000): train and test a model that is never reset.

Adding-problem segments follow one another in a stream with no reset; the model is trained
on consecutive chunks with its state carried over (truncated backpropagation through time)
and tested on a fresh, long stream. Used by the forget-gate experiment (an LSTM with and
without a forget gate) and by the variant ablation.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import torch
from torch import nn

from ..models import SequenceModel
from ..plots import Plot
from ..tasks import SOLVED_TOLERANCE, as_tensors, continual_adding_stream
from ..torch_bridge import from_torch
from ..training import TrainConfig, train
from .common import check_int, check_number, new_figure, round_sig

__all__ = ["StreamTask", "StreamChunks", "StatefulModel", "masked_mse", "fit_continual", "continual_table",
           "plot_cell_growth"]


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

    def __post_init__(self) -> None:
        fix = partial(object.__setattr__, self)
        fix("lag", check_int("lag", self.lag, minimum=6))
        for name in ("chunk", "steps", "batch_size", "test_batch"):
            fix(name, check_int(name, getattr(self, name)))
        fix("lr", check_number("lr", self.lr, 0.0, 10.0, open_low=True))
        fix("clip_norm", check_number("clip_norm", self.clip_norm, 0.0, open_low=True, allow_none=True))
        shortest = 4 * (self.lag + self.lag // 10)  # every quarter of the test stream holds a segment end
        fix("test_length", check_int("test_length", self.test_length, minimum=shortest))


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
        over the first and last 100 steps), and the forget gate per unit, averaged over
        the steps that carry a marker ``m = -1`` (each segment's first and last pair:
        where the state should be cleared) and over all other steps: ``f_markers`` and
        ``f_other``, lists of ``H`` values. ``seconds`` is the training time.
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
        "train_loss": [round_sig(float(np.mean(b)))
                       for b in np.array_split(result.loss, min(10, len(result.loss)))],
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
            **_forget_at_markers(trace.f, test.inputs[..., 1] == -1),
        })
    return out


def _forget_at_markers(forget: np.ndarray, markers: np.ndarray) -> dict:
    """Mean forget gate per unit at the marker steps and elsewhere; ``forget`` is (B, L, H)."""
    return {
        "f_markers": [round_sig(float(v), 4) for v in forget[markers].mean(axis=0)],  # (H,)
        "f_other": [round_sig(float(v), 4) for v in forget[~markers].mean(axis=0)],  # (H,)
    }


def _solved_in(predictions: np.ndarray, stream, start: int, stop: int) -> float:
    """Fraction of segment targets in [start, stop) predicted within the tolerance."""
    errors = []
    for b, ends in enumerate(stream.segment_ends):
        ends = ends[(ends >= start) & (ends < stop)]
        errors.extend(np.abs(predictions[b, ends] - stream.targets[b, ends, 0]).tolist())
    if not errors:
        raise ValueError(f"stream: no segment ends between steps {start} and {stop}; "
                         f"use a longer test stream")
    return round_sig(float(np.mean(np.asarray(errors) < SOLVED_TOLERANCE)))



def continual_table(runs: list[dict]) -> list[dict]:
    """Rows per continual run: mean |c_t| early and late, fraction solved early and late."""
    return [{"variant": r["variant"], "seed": r["seed"], "mean|c| first 100": r["c_first"],
             "mean|c| last 100": r["c_last"], "solved first quarter": r["solved_first"],
             "solved last quarter": r["solved_last"]} for r in runs]


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
