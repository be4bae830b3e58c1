"""A seeded, deterministic training loop with gradient-norm clipping.

``train(model, batch_fn, loss_fn, config)`` draws batches from ``batch_fn(rng)`` (``rng``
is a ``numpy.random.Generator`` seeded from ``config.seed``), records the loss and the
gradient norm before clipping at every step, optionally evaluates and stops early, and
stops cleanly (recording it) when the loss or the gradient becomes NaN or infinite.
"""
from __future__ import annotations

import math
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
from torch import nn

from .validation import check_int, check_seed

__all__ = ["TrainConfig", "TrainResult", "train", "seed_everything", "grad_norm"]

OPTIMIZERS = ("adam", "sgd", "rmsprop")
PROGRESS = (None, "text", "bar")


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, numpy's global generator and torch.

    Parameters
    ----------
    seed : int
        A non-negative integer.
    """
    seed = check_seed("seed", seed)
    random.seed(int(seed))
    np.random.seed(int(seed))
    torch.manual_seed(int(seed))


@dataclass(frozen=True)
class TrainConfig:
    """How to train.

    Attributes
    ----------
    steps : int
        Maximum number of optimiser steps.
    batch_size : int
        Passed to nothing by ``train`` itself; ``batch_fn`` factories read it
        (kept here so one object describes a run).
    lr : float
        Learning rate.
    clip_norm : float, optional
        Rescale the gradient to this global L2 norm when it is larger (Pascanu et al. 2013).
    seed : int
        Seeds torch (model init is the caller's) and the batch generator.
    log_every : int
        Steps between progress lines and, by default, between evaluations.
    optimizer : {"adam", "sgd", "rmsprop"}
    eval_every : int, optional
        Steps between calls of ``eval_fn`` (default ``log_every``).
    """

    steps: int = 1000
    batch_size: int = 32
    lr: float = 1e-2
    clip_norm: float | None = None
    seed: int = 0
    log_every: int = 100
    optimizer: str = "adam"
    eval_every: int | None = None

    def __post_init__(self) -> None:
        for name in ("steps", "batch_size", "log_every"):
            check_int(name, getattr(self, name), minimum=1)
        check_int("seed", self.seed, minimum=0)
        if self.eval_every is not None:
            check_int("eval_every", self.eval_every, minimum=1)
        if not _is_positive_number(self.lr):
            raise ValueError(f"lr: expected a positive finite number, got {self.lr!r}")
        if self.clip_norm is not None and not _is_positive_number(self.clip_norm):
            raise ValueError(f"clip_norm: expected None or a positive finite number, got {self.clip_norm!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer: expected one of {OPTIMIZERS}, got {self.optimizer!r}")


@dataclass
class TrainResult:
    """What happened during training.

    Attributes
    ----------
    loss : list of float
        Loss at every step taken (the last one may be NaN/inf if training diverged).
    grad_norm : list of float
        Global gradient L2 norm before clipping, every step.
    clipped : list of bool
        Whether the gradient was rescaled at that step.
    eval_steps, eval_values : list
        Step count (after the step) and ``eval_fn``'s value at each evaluation.
    steps_done : int
        Optimiser steps taken.
    stopped_at : int or None
        Steps taken when ``stop_fn`` first returned True (None if it never did).
    diverged_at : int or None
        Step (1-based) at which the loss or gradient became non-finite (None if never).
    seconds : float
        Wall-clock time of the loop.
    """

    loss: list = field(default_factory=list)
    grad_norm: list = field(default_factory=list)
    clipped: list = field(default_factory=list)
    eval_steps: list = field(default_factory=list)
    eval_values: list = field(default_factory=list)
    steps_done: int = 0
    stopped_at: int | None = None
    diverged_at: int | None = None
    seconds: float = 0.0

    @property
    def diverged(self) -> bool:
        """True if training stopped on a NaN/inf loss or gradient."""
        return self.diverged_at is not None

    @property
    def criterion_met(self) -> bool:
        """True if ``stop_fn`` ended training."""
        return self.stopped_at is not None


def grad_norm(parameters) -> float:
    """Global L2 norm of the gradients of ``parameters`` (those with a gradient)."""
    norms = [p.grad.detach().double().norm() for p in parameters if p.grad is not None]
    if not norms:
        return 0.0
    return float(torch.stack(norms).norm())


def train(
    model: nn.Module,
    batch_fn: Callable,
    loss_fn: Callable,
    config: TrainConfig,
    progress: str | Callable | None = None,
    eval_fn: Callable | None = None,
    stop_fn: Callable | None = None,
) -> TrainResult:
    """Train ``model`` in place and return its history.

    Parameters
    ----------
    model : nn.Module
        Called as ``model(inputs)``, or ``model(inputs, lengths=lengths)`` when the batch
        has three items.
    batch_fn : callable
        ``batch_fn(rng) -> (inputs, targets)`` or ``(inputs, targets, lengths)``, with
        ``rng`` a ``numpy.random.Generator`` seeded from ``config.seed``.
    loss_fn : callable
        ``loss_fn(outputs, targets) -> scalar tensor`` (e.g. ``nn.MSELoss()``).
    config : TrainConfig
    progress : {None, "text", "bar"} or callable, optional
        None is quiet; "text" prints a line every ``log_every`` steps; "bar" redraws one
        line; a callable is called as ``progress(step, loss)`` every ``log_every`` steps.
    eval_fn : callable, optional
        ``eval_fn(model) -> value`` called every ``eval_every`` steps (model in eval mode,
        no gradient) and after the last step.
    stop_fn : callable, optional
        ``stop_fn(value) -> bool`` on each evaluation's value; True stops training and
        records ``stopped_at``. Needs ``eval_fn``.

    Returns
    -------
    TrainResult
    """
    _check_train_args(model, batch_fn, loss_fn, config, progress, eval_fn, stop_fn)
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    optimizer = _make_optimizer(model, config)
    params = [p for p in model.parameters() if p.requires_grad]
    eval_every = config.eval_every or config.log_every
    result = TrainResult()
    start = time.perf_counter()
    for step in range(1, config.steps + 1):
        loss_value, norm, clipped = _train_step(model, batch_fn, loss_fn, config, optimizer, params, rng)
        result.loss.append(loss_value)
        result.grad_norm.append(norm)
        result.clipped.append(clipped)
        result.steps_done = step
        if not (math.isfinite(loss_value) and math.isfinite(norm)):
            result.diverged_at = step
            break
        if step % config.log_every == 0 or step == config.steps:
            _report(progress, step, config.steps, loss_value)
        if eval_fn is not None and (step % eval_every == 0 or step == config.steps):
            value = _evaluate(model, eval_fn)
            result.eval_steps.append(step)
            result.eval_values.append(value)
            if stop_fn is not None and stop_fn(value):
                result.stopped_at = step
                break
    result.seconds = time.perf_counter() - start
    if progress == "bar":
        print(file=sys.stdout, flush=True)
    return result


def _train_step(model, batch_fn, loss_fn, config, optimizer, params, rng):
    """One optimiser step; returns (loss, grad norm before clipping, clipped?)."""
    model.train()
    batch = batch_fn(rng)
    if not isinstance(batch, (tuple, list)) or len(batch) not in (2, 3):
        raise TypeError(f"batch_fn: expected it to return (inputs, targets[, lengths]), "
                        f"got {type(batch).__name__}")
    optimizer.zero_grad(set_to_none=True)
    outputs = model(batch[0]) if len(batch) == 2 else model(batch[0], lengths=batch[2])
    loss = loss_fn(outputs, batch[1])
    loss_value = float(loss.detach())
    if not math.isfinite(loss_value):
        return loss_value, float("nan"), False
    loss.backward()
    norm = grad_norm(params)
    clipped = config.clip_norm is not None and norm > config.clip_norm
    if clipped and math.isfinite(norm):
        with torch.no_grad():
            for p in params:
                if p.grad is not None:
                    p.grad.mul_(config.clip_norm / norm)
    if math.isfinite(norm):
        optimizer.step()
    return loss_value, norm, bool(clipped)


def _evaluate(model, eval_fn):
    """Call ``eval_fn`` in eval mode without gradients, then restore train mode."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return eval_fn(model)
    finally:
        model.train(was_training)


def _make_optimizer(model, config):
    """Build the optimiser named in ``config``."""
    cls = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD, "rmsprop": torch.optim.RMSprop}[config.optimizer]
    return cls(model.parameters(), lr=config.lr)


def _report(progress, step, total, loss_value):
    """Show progress as asked (quiet when ``progress`` is None)."""
    if progress is None:
        return
    if callable(progress):
        progress(step, loss_value)
    elif progress == "text":
        print(f"step {step:>6}/{total}  loss {loss_value:.4g}", flush=True)
    else:
        filled = int(30 * step / total)
        bar = "#" * filled + "-" * (30 - filled)
        print(f"\r[{bar}] {step}/{total}  loss {loss_value:.4g}", end="", flush=True)


def _check_train_args(model, batch_fn, loss_fn, config, progress, eval_fn, stop_fn):
    """Validate ``train``'s arguments."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    for name, fn in (("batch_fn", batch_fn), ("loss_fn", loss_fn)):
        if not callable(fn):
            raise TypeError(f"{name}: expected a callable, got {type(fn).__name__}")
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config: expected a TrainConfig, got {type(config).__name__}")
    if not (callable(progress) or progress in PROGRESS):
        raise ValueError(f"progress: expected None, 'text', 'bar' or a callable, got {progress!r}")
    if eval_fn is not None and not callable(eval_fn):
        raise TypeError(f"eval_fn: expected a callable, got {type(eval_fn).__name__}")
    if stop_fn is not None and (not callable(stop_fn) or eval_fn is None):
        raise ValueError("stop_fn: expected a callable, used together with eval_fn")
    if not any(p.requires_grad for p in model.parameters()):
        raise ValueError("model: has no trainable parameters")


def _is_positive_number(value) -> bool:
    """True for a finite number > 0 (not a bool)."""
    return (not isinstance(value, bool) and isinstance(value, (int, float))
            and math.isfinite(value) and value > 0)
