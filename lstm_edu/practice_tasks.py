"""Two toy tasks for the "LSTMs in practice" chapter, and their training.

- :func:`largest_element_task` -- tag each element that is the largest of its sequence; a
  left-to-right reader cannot know that before the end (:func:`causal_guess` is the best
  step-by-step guess it can make), a bidirectional LSTM can;
- :func:`parity_task` -- the parity of a bit sequence, labelled at the end only
  (sequence-to-one) or after every bit (sequence-to-sequence, the running parity);
- :class:`ToyConfig`, :func:`train_toy`, :func:`score_largest`, :func:`score_parity` --
  train a :class:`~lstm_edu.practice_models.StackedLSTM` on either and score it.

Shapes: batch-first ``(B, T, 1)`` inputs; labels ``(B, T)`` or ``(B,)`` in {0, 1}.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .practice_models import PracticeConfig, StackedLSTM
from .validation import check_bool, check_positive_int, check_seed

__all__ = ["largest_element_task", "causal_guess", "parity_task", "ToyConfig", "train_toy", "score_largest",
           "score_parity", "TASKS"]

TASKS = ("largest", "parity")


def _check_rng(rng) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
    return rng


def largest_element_task(length: int, batch_size: int, rng: np.random.Generator):
    """Sequences of U[0, 1] values and, per step, whether it is the sequence's largest.

    Returns
    -------
    x : np.ndarray ``(B, T, 1)``
    y : np.ndarray ``(B, T)`` of 0.0/1.0, one 1 per sequence.
    """
    length = check_positive_int("length", length)
    batch_size = check_positive_int("batch_size", batch_size)
    x = _check_rng(rng).uniform(0.0, 1.0, size=(batch_size, length, 1))
    y = (x[..., 0] == x[..., 0].max(axis=1, keepdims=True)).astype(np.float64)  # (B, T)
    return x, y


def causal_guess(x) -> np.ndarray:
    """The most probable tag at each step for a reader that has seen only steps ``<= t``.

    ``x_t`` is the largest of the sequence if it is the largest so far and none of the
    ``T - 1 - t`` values still to come exceeds it, which for U[0, 1] values has probability
    ``x_t ** (T - 1 - t)``; the guess is 1 when that is above 1/2.

    Parameters
    ----------
    x : np.ndarray ``(B, T, 1)``

    Returns
    -------
    np.ndarray ``(B, T)`` of 0.0/1.0
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3 or x.shape[2] != 1 or x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"x: expected a non-empty array of shape (B, T, 1), got {x.shape}")
    values = x[..., 0]  # (B, T)
    T = values.shape[1]
    best_so_far = values == np.maximum.accumulate(values, axis=1)
    still_to_come = np.arange(T - 1, -1, -1)  # (T,)
    return (best_so_far & (values ** still_to_come > 0.5)).astype(np.float64)


def parity_task(length: int, batch_size: int, rng: np.random.Generator):
    """Random bits and their parity: the running parity ``(B, T)`` (its last column is the
    parity of the whole sequence).

    Returns
    -------
    x : np.ndarray ``(B, T, 1)`` of 0.0/1.0
    y : np.ndarray ``(B, T)``: ``y[:, t]`` = (x_0 + ... + x_t) mod 2
    """
    length = check_positive_int("length", length)
    batch_size = check_positive_int("batch_size", batch_size)
    bits = _check_rng(rng).integers(0, 2, size=(batch_size, length))
    return bits[..., None].astype(np.float64), (np.cumsum(bits, axis=1) % 2).astype(np.float64)


@dataclass(frozen=True)
class ToyConfig:
    """Training on a toy task.

    Attributes
    ----------
    task : {"largest", "parity"}
    length : int
        Sequence length.
    bidirectional : bool
        Largest-element task: read both ways.
    every_step : bool
        Parity task: the loss at every step (seq-to-seq) or at the last only (seq-to-one).
    hidden_size, batch_size, steps : int
    lr : float
    seed : int
    """

    task: str = "largest"
    length: int = 10
    bidirectional: bool = False
    every_step: bool = True
    hidden_size: int = 16
    batch_size: int = 64
    steps: int = 600
    lr: float = 2e-2
    seed: int = 0

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"task: expected one of {TASKS}, got {self.task!r}")
        check_bool("bidirectional", self.bidirectional)
        check_bool("every_step", self.every_step)
        for name in ("length", "hidden_size", "batch_size", "steps"):
            check_positive_int(name, getattr(self, name))
        if isinstance(self.lr, bool) or not isinstance(self.lr, (int, float)) or not 0 < self.lr < 10:
            raise ValueError(f"lr: expected a number in (0, 10), got {self.lr!r}")
        check_seed("seed", self.seed)

    def model_config(self) -> PracticeConfig:
        """Seq-to-seq for the largest-element task and seq-to-seq parity; seq-to-one otherwise."""
        readout = "all" if self.task == "largest" or self.every_step else "last"
        return PracticeConfig(input_size=1, hidden_size=self.hidden_size, output_size=1,
                              bidirectional=self.bidirectional and self.task == "largest", readout=readout)

    def draw(self, batch_size: int, rng: np.random.Generator):
        """A batch ``(x (B, T, 1), y (B, T))`` of the task."""
        task = largest_element_task if self.task == "largest" else parity_task
        return task(self.length, batch_size, rng)


def train_toy(config: ToyConfig) -> StackedLSTM:
    """Train a :class:`StackedLSTM` with Adam and a logistic loss on fresh batches."""
    if not isinstance(config, ToyConfig):
        raise TypeError(f"config: expected a ToyConfig, got {type(config).__name__}")
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    model = StackedLSTM(config.model_config())
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    loss_fn = nn.BCEWithLogitsLoss()
    for _ in range(config.steps):
        x, y = (torch.as_tensor(a, dtype=torch.float32) for a in config.draw(config.batch_size, rng))
        logits = model(x)  # (B, T, 1) or (B, 1)
        target = y[..., None] if model.config.readout == "all" else y[:, -1:]
        loss = loss_fn(logits, target)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    return model


def _tags(model: StackedLSTM, x: np.ndarray) -> np.ndarray:
    """The model's 0/1 decisions (logit > 0) on ``x``."""
    model.eval()
    with torch.no_grad():
        logits = model(torch.as_tensor(x, dtype=torch.float32)).numpy()
    model.train()
    return (logits[..., 0] > 0).astype(np.float64)


def score_largest(model: StackedLSTM, config: ToyConfig, batch_size: int = 2000, seed: int = 999) -> dict:
    """Fraction of steps tagged right and of sequences with every step right, on fresh
    sequences, for the model and for :func:`causal_guess` (keys ``step``, ``sequence``,
    ``causal_step``, ``causal_sequence``)."""
    x, y = largest_element_task(config.length, check_positive_int("batch_size", batch_size),
                                np.random.default_rng(check_seed("seed", seed)))
    out = {}
    for name, tags in (("", _tags(model, x)), ("causal_", causal_guess(x))):
        right = tags == y  # (B, T)
        out[f"{name}step"] = float(right.mean())
        out[f"{name}sequence"] = float(right.all(axis=1).mean())
    return out


def score_parity(model: StackedLSTM, config: ToyConfig, batch_size: int = 2000, seed: int = 999) -> float:
    """Fraction of fresh sequences whose whole parity (the last step's answer) is right."""
    x, y = parity_task(config.length, check_positive_int("batch_size", batch_size),
                       np.random.default_rng(check_seed("seed", seed)))
    tags = _tags(model, x)
    last = tags[:, -1] if tags.ndim == 2 else tags
    return float((last == y[:, -1]).mean())
