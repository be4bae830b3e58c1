"""Small demonstrations of how LSTMs are fed and trained in practice.

- :func:`packing_demo` -- a batch of end-padded sequences of different lengths: the final
  states that ``nn.LSTM`` returns with and without ``pack_padded_sequence``, against each
  sequence run alone;
- :func:`truncated_gradient_norms` -- truncated backpropagation through time (Williams &
  Peng 1990): the gradient that reaches each input step when the state is detached every
  ``chunk`` steps;
- :func:`echo_stream`, :func:`train_stream`, :func:`stream_errors` -- stateful against
  stateless training on one long stream cut into chunks.

Shapes: batch-first ``(B, T, D)``; ``H`` hidden size.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .practice_models import PracticeConfig, StackedLSTM
from .validation import check_bool, check_positive_int, check_seed

__all__ = ["PackingDemo", "packing_demo", "truncated_gradient_norms", "echo_stream", "StreamConfig",
           "train_stream", "stream_errors"]


# ---------------------------------------------------------------- padding and packing


@dataclass(frozen=True)
class PackingDemo:
    """Final hidden states ``(B, H)`` of one batch, three ways, and the lengths ``(B,)``.

    ``padded``: the batch run as it is, padding included; ``packed``: the batch packed with
    its lengths; ``alone``: each sequence run by itself, without padding.
    """

    lengths: np.ndarray
    padded: np.ndarray
    packed: np.ndarray
    alone: np.ndarray

    def differences(self) -> tuple[np.ndarray, np.ndarray]:
        """Largest ``|padded - alone|`` and ``|packed - alone|`` per sequence, each ``(B,)``."""
        return (np.abs(self.padded - self.alone).max(axis=1), np.abs(self.packed - self.alone).max(axis=1))


def packing_demo(lengths=(6, 4, 2), hidden_size: int = 3, seed: int = 0) -> PackingDemo:
    """Run one small LSTM on a padded batch with and without packing.

    Parameters
    ----------
    lengths : sequence of int
        Each sequence's length (>= 1); the batch is padded with zeros to the longest.
    hidden_size : int, default 3
    seed : int, default 0
        Seeds the weights and the inputs (U[-1, 1]).
    """
    lengths = np.asarray(lengths)
    integers = lengths.ndim == 1 and lengths.size > 0 and np.issubdtype(lengths.dtype, np.integer)
    if not integers or lengths.min() < 1:
        raise ValueError(f"lengths: expected a non-empty sequence of ints >= 1, got {lengths.tolist()}")
    hidden_size = check_positive_int("hidden_size", hidden_size)
    seed = check_seed("seed", seed)
    torch.manual_seed(seed)
    model = StackedLSTM(PracticeConfig(input_size=1, hidden_size=hidden_size))
    values = np.random.default_rng(seed).uniform(-1.0, 1.0, size=(lengths.size, int(lengths.max()), 1))
    values[np.arange(values.shape[1])[None, :] >= lengths[:, None]] = 0.0  # zeros past each end
    x = torch.as_tensor(values, dtype=torch.float32)  # (B, T, 1)
    with torch.no_grad():
        padded = model.states(x)[1][0][-1]  # (B, H)
        packed = model.states(x, lengths)[1][0][-1]  # (B, H)
        alone = torch.cat([model.states(x[b:b + 1, :n])[1][0][-1] for b, n in enumerate(lengths)])
    return PackingDemo(lengths, padded.numpy(), packed.numpy(), alone.numpy())


# ---------------------------------------------------------------- truncated BPTT


def truncated_gradient_norms(steps: int = 30, chunk: int = 10, hidden_size: int = 8,
                             seed: int = 0) -> np.ndarray:
    """``||dL/dx_t||`` for every step ``t`` of one sequence, under truncated BPTT.

    The sequence (``steps`` inputs, U[-1, 1]) is run in chunks of ``chunk`` steps, the
    state carried from chunk to chunk but detached from the graph at every boundary; the
    loss ``L`` is the sum of the last hidden state. With ``chunk >= steps`` this is full
    backpropagation through time.

    Returns
    -------
    np.ndarray
        ``(steps,)``; exactly zero before the last chunk's first step.
    """
    steps = check_positive_int("steps", steps)
    chunk = check_positive_int("chunk", chunk)
    hidden_size = check_positive_int("hidden_size", hidden_size)
    seed = check_seed("seed", seed)
    torch.manual_seed(seed)
    lstm = nn.LSTM(1, hidden_size, batch_first=True)
    x = torch.as_tensor(np.random.default_rng(seed).uniform(-1, 1, (1, steps, 1)), dtype=torch.float32)
    x.requires_grad_(True)
    state = None
    for start in range(0, steps, chunk):
        if state is not None:
            state = tuple(s.detach() for s in state)  # truncate: no gradient into earlier chunks
        _, state = lstm(x[:, start:start + chunk], state)
    state[0].sum().backward()
    return x.grad[0, :, 0].abs().numpy().astype(np.float64)  # (steps,)


# ---------------------------------------------------------------- stateful training of a stream


def echo_stream(length: int, delay: int, batch_size: int, rng: np.random.Generator):
    """``batch_size`` streams of ``length`` values U[-1, 1] and their echo ``delay`` steps later.

    Returns
    -------
    x, y : np.ndarray
        Each ``(B, length, 1)``; ``y[:, t] = x[:, t - delay]`` (0 for ``t < delay``).
    """
    length = check_positive_int("length", length)
    delay = check_positive_int("delay", delay)
    batch_size = check_positive_int("batch_size", batch_size)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
    x = rng.uniform(-1.0, 1.0, size=(batch_size, length, 1))
    y = np.zeros_like(x)
    y[:, delay:] = x[:, :-delay] if delay < length else 0.0
    return x, y


@dataclass(frozen=True)
class StreamConfig:
    """Training on streams cut into chunks.

    Attributes
    ----------
    stateful : bool
        Carry the (detached) state from one chunk to the next; else start every chunk from 0.
    chunk : int
        Steps per chunk (the truncation length).
    delay : int
        The echo's delay.
    chunks_per_stream : int
        A fresh stream is drawn after this many chunks.
    updates : int
        Optimiser steps (one per chunk).
    hidden_size, batch_size : int
    lr : float
    seed : int
    """

    stateful: bool = True
    chunk: int = 10
    delay: int = 4
    chunks_per_stream: int = 20
    updates: int = 300
    hidden_size: int = 16
    batch_size: int = 16
    lr: float = 1e-2
    seed: int = 0

    def __post_init__(self) -> None:
        check_bool("stateful", self.stateful)
        for name in ("chunk", "delay", "chunks_per_stream", "updates", "hidden_size", "batch_size"):
            check_positive_int(name, getattr(self, name))
        if isinstance(self.lr, bool) or not isinstance(self.lr, (int, float)) or not 0 < self.lr < 10:
            raise ValueError(f"lr: expected a number in (0, 10), got {self.lr!r}")
        check_seed("seed", self.seed)


def _run_chunks(model: StackedLSTM, x: torch.Tensor, chunk: int, stateful: bool, step=None) -> torch.Tensor:
    """Predictions ``(B, L, 1)`` over a stream, chunk by chunk; ``step(loss_slice)`` after each."""
    state, outputs = None, []
    for start in range(0, x.shape[1], chunk):
        hidden, final = model.lstm(x[:, start:start + chunk], state if stateful else None)
        prediction = model.head(hidden)  # (B, chunk, 1)
        if step is not None:
            step(start, prediction)
        outputs.append(prediction.detach())
        state = tuple(s.detach() for s in final)
    return torch.cat(outputs, dim=1)


def train_stream(config: StreamConfig) -> StackedLSTM:
    """Train a one-layer LSTM to echo its input ``delay`` steps later, chunk by chunk."""
    if not isinstance(config, StreamConfig):
        raise TypeError(f"config: expected a StreamConfig, got {type(config).__name__}")
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    model = StackedLSTM(PracticeConfig(input_size=1, hidden_size=config.hidden_size, readout="all"))
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    done = 0
    while done < config.updates:
        chunks = min(config.chunks_per_stream, config.updates - done)
        x, y = (torch.as_tensor(a, dtype=torch.float32)
                for a in echo_stream(chunks * config.chunk, config.delay, config.batch_size, rng))

        def step(start, prediction, y=y):
            loss = nn.functional.mse_loss(prediction, y[:, start:start + config.chunk])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

        _run_chunks(model, x, config.chunk, config.stateful, step)
        done += chunks
    return model


def stream_errors(model: StackedLSTM, config: StreamConfig, chunks: int = 20, batch_size: int = 64,
                  seed: int = 12345) -> np.ndarray:
    """Mean squared error by position inside a chunk ``(chunk,)``, on fresh streams, run
    the way ``config`` trains (stateful or not); the first ``chunk`` steps of each stream
    (before any echo) are left out."""
    if not isinstance(model, StackedLSTM):
        raise TypeError(f"model: expected a StackedLSTM, got {type(model).__name__}")
    if not isinstance(config, StreamConfig):
        raise TypeError(f"config: expected a StreamConfig, got {type(config).__name__}")
    chunks = check_positive_int("chunks", chunks)
    if chunks < 2:
        raise ValueError(f"chunks: expected at least 2 (the first is left out), got {chunks}")
    x, y = echo_stream(chunks * config.chunk, config.delay, check_positive_int("batch_size", batch_size),
                       np.random.default_rng(check_seed("seed", seed)))
    with torch.no_grad():
        prediction = _run_chunks(model, torch.as_tensor(x, dtype=torch.float32), config.chunk,
                                 config.stateful).numpy()
    error = ((prediction - y) ** 2)[:, config.chunk:, 0]  # (B, (chunks-1)*chunk)
    return error.reshape(x.shape[0], chunks - 1, config.chunk).mean(axis=(0, 1)).astype(np.float64)
