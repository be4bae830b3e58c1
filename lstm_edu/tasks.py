"""Synthetic sequence tasks for the experiments.

- :func:`adding_problem` -- Hochreiter & Schmidhuber (1997), Experiment 4, to the
  paper's specification (see the function's notes for the two places where the paper
  leaves a choice open and what we chose).
- :func:`continual_adding_stream` -- adding-problem segments concatenated into one
  stream with no state resets, the setting in which Gers et al. (2000) showed that an
  LSTM without a forget gate fails.

Generators are numpy (float64), seeded by a ``numpy.random.Generator``; they return
batch-first arrays, end-padded with zeros, plus the true lengths. ``as_tensors``
converts a batch for torch.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "SOLVED_TOLERANCE",
    "AddingBatch",
    "adding_problem",
    "adding_target",
    "solved",
    "StreamBatch",
    "continual_adding_stream",
    "as_tensors",
]

#: A sequence of the adding problem counts as solved when |prediction - target| < this.
SOLVED_TOLERANCE = 0.04


@dataclass(frozen=True)
class AddingBatch:
    """A batch of adding-problem sequences.

    Attributes
    ----------
    inputs : np.ndarray
        ``(B, L_max, 2)``: column 0 the values ``x`` ~ U[-1, 1], column 1 the markers
        ``m`` in {-1, 0, 1}; zeros after each sequence's end.
    targets : np.ndarray
        ``(B, 1)``: ``0.5 + (X1 + X2) / 4``.
    lengths : np.ndarray
        ``(B,)`` int: each sequence's length, in ``[T, T + T // 10]``.
    marked : np.ndarray
        ``(B, 2)`` int: the two marked positions (first among the first 10, second among
        the first ``T/2 - 1``).
    lag : int
        ``T``.
    """

    inputs: np.ndarray
    targets: np.ndarray
    lengths: np.ndarray
    marked: np.ndarray
    lag: int


def _check_lag(lag) -> int:
    """Validate the adding problem's minimal length ``T``."""
    if isinstance(lag, bool) or not isinstance(lag, (int, np.integer)):
        raise TypeError(f"lag: expected an int >= 6, got {type(lag).__name__}")
    if lag < 6:
        raise ValueError(f"lag: expected an int >= 6 (the first T/2 - 1 positions must hold two marks), "
                         f"got {lag}")
    return int(lag)


def _check_batch_size(batch_size) -> int:
    """Validate a batch size."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size: expected a positive int, got {batch_size!r}")
    return int(batch_size)


def _check_rng(rng) -> np.random.Generator:
    """Validate a numpy Generator."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected a numpy.random.Generator (np.random.default_rng(seed)), "
                        f"got {type(rng).__name__}")
    return rng


def _adding_sequence(rng: np.random.Generator, lag: int):
    """One sequence: (pairs (L, 2), target, length, (p1, p2))."""
    length = int(rng.integers(lag, lag + lag // 10 + 1))  # uniform on [T, T + T/10]
    values = rng.uniform(-1.0, 1.0, size=length)  # (L,)
    first = int(rng.integers(0, min(10, length - 1)))  # among the first 10 (never the last pair)
    window = [p for p in range(lag // 2 - 1) if p != first]  # first T/2 - 1, not yet marked
    second = int(window[rng.integers(0, len(window))])
    markers = np.zeros(length)
    markers[[first, second]] = 1.0
    markers[0] = markers[-1] = -1.0  # first and last pairs carry m = -1
    target = adding_target(values, first, second)
    return np.stack([values, markers], axis=1), target, length, (first, second)


def adding_target(values: np.ndarray, first: int, second: int) -> float:
    """``0.5 + (X1 + X2) / 4``, where a mark on the first pair counts as 0 (the paper's X1 := 0)."""
    x1 = 0.0 if first == 0 else float(values[first])
    x2 = 0.0 if second == 0 else float(values[second])
    return 0.5 + (x1 + x2) / 4.0


def adding_problem(lag: int, batch_size: int, rng: np.random.Generator) -> AddingBatch:
    """Draw a batch of the adding problem (Hochreiter & Schmidhuber 1997, Experiment 4).

    Each sequence is a list of pairs ``(x, m)``: ``x`` ~ U[-1, 1]; the length is drawn
    uniformly from ``[T, T + T // 10]``; one pair among the first 10 and another among
    the first ``T/2 - 1`` (not the same one) are marked with ``m = 1``; the first and
    last pairs have ``m = -1``; every other pair has ``m = 0``. The target, given at the
    end only, is ``0.5 + (X1 + X2) / 4`` where ``X1, X2`` are the marked values.

    Parameters
    ----------
    lag : int
        ``T``, the minimal sequence length (>= 6).
    batch_size : int
    rng : numpy.random.Generator

    Returns
    -------
    AddingBatch

    Notes
    -----
    Two details the paper leaves open, and what we do:

    - If a marked pair is the first pair, its marker is -1 (first-pair rule) and its
      value counts as 0 in the target, as the paper's "X1 := 0". We apply this to either
      mark (the second can only land there if the first did not).
    - For ``T < 11`` the first 10 positions can include the last pair; we draw the first
      mark from the first ``min(10, L - 1)`` positions so the last pair keeps ``m = -1``.
    """
    lag = _check_lag(lag)
    batch_size = _check_batch_size(batch_size)
    rng = _check_rng(rng)
    sequences = [_adding_sequence(rng, lag) for _ in range(batch_size)]
    lengths = np.array([s[2] for s in sequences], dtype=np.int64)  # (B,)
    inputs = np.zeros((batch_size, int(lengths.max()), 2))  # (B, L_max, 2)
    for b, (pairs, _, length, _) in enumerate(sequences):
        inputs[b, :length] = pairs
    targets = np.array([[s[1]] for s in sequences])  # (B, 1)
    marked = np.array([s[3] for s in sequences], dtype=np.int64)  # (B, 2)
    return AddingBatch(inputs=inputs, targets=targets, lengths=lengths, marked=marked, lag=lag)


def solved(predictions, targets, tolerance: float = SOLVED_TOLERANCE) -> np.ndarray:
    """Boolean mask of sequences whose absolute error is below ``tolerance``.

    Parameters
    ----------
    predictions, targets : array-like
        Same shape, e.g. ``(B, 1)``.
    tolerance : float, default 0.04 (the paper's criterion)

    Returns
    -------
    np.ndarray of bool, the shape of ``predictions``.
    """
    predictions = np.asarray(predictions, dtype=np.float64)
    targets = np.asarray(targets, dtype=np.float64)
    if predictions.shape != targets.shape:
        raise ValueError(f"predictions: expected the shape of targets {targets.shape}, "
                         f"got {predictions.shape}")
    if not tolerance > 0:
        raise ValueError(f"tolerance: expected a positive number, got {tolerance!r}")
    return np.abs(predictions - targets) < tolerance


@dataclass(frozen=True)
class StreamBatch:
    """A batch of continual streams of adding-problem segments.

    Attributes
    ----------
    inputs : np.ndarray
        ``(B, L, 2)`` pairs ``(x, m)``; each segment is an adding-problem sequence.
    targets : np.ndarray
        ``(B, L, 1)``: the segment's target at its last pair, 0 elsewhere.
    target_mask : np.ndarray
        ``(B, L)`` bool: True at each segment's last pair (where the loss is taken).
    segment_ends : list of np.ndarray
        Per stream, the index of each segment's last pair.
    """

    inputs: np.ndarray
    targets: np.ndarray
    target_mask: np.ndarray
    segment_ends: list


def continual_adding_stream(lag: int, length: int, batch_size: int, rng: np.random.Generator) -> StreamBatch:
    """Concatenate adding-problem sequences into continual streams with no resets.

    Each stream is independent adding-problem sequences ("segments") of lag ``lag`` one
    after another, cut at ``length`` pairs. The network sees no reset signal other than
    the markers themselves (each segment starts and ends with ``m = -1``); a segment's
    target is due at its last pair. A segment cut by the end of the stream has no target.

    Parameters
    ----------
    lag : int
        ``T`` of each segment (>= 6).
    length : int
        Pairs per stream, at least ``T + T // 10`` (so every stream holds a whole segment).
    batch_size : int
    rng : numpy.random.Generator

    Returns
    -------
    StreamBatch
    """
    lag = _check_lag(lag)
    batch_size = _check_batch_size(batch_size)
    rng = _check_rng(rng)
    longest = lag + lag // 10
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < longest:
        raise ValueError(f"length: expected an int >= {longest} (one whole segment of lag {lag}), "
                         f"got {length!r}")
    inputs = np.zeros((batch_size, length, 2))  # (B, L, 2)
    targets = np.zeros((batch_size, length, 1))  # (B, L, 1)
    mask = np.zeros((batch_size, length), dtype=bool)  # (B, L)
    ends = []
    for b in range(batch_size):
        pieces, stream_ends, stream_targets, filled = [], [], [], 0
        while filled < length:
            pairs, target, seg_length, _ = _adding_sequence(rng, lag)
            pieces.append(pairs)
            filled += seg_length
            if filled <= length:
                stream_ends.append(filled - 1)
                stream_targets.append(target)
        inputs[b] = np.concatenate(pieces)[:length]
        stream_ends = np.array(stream_ends, dtype=np.int64)
        targets[b, stream_ends, 0] = stream_targets
        mask[b, stream_ends] = True
        ends.append(stream_ends)
    return StreamBatch(inputs=inputs, targets=targets, target_mask=mask, segment_ends=ends)


def as_tensors(*arrays, dtype=None):
    """Convert numpy arrays to torch tensors (floats to ``dtype``, default torch's default).

    Integer and boolean arrays keep their kind (lengths, masks).
    """
    import torch

    dtype = dtype or torch.get_default_dtype()
    out = []
    for array in arrays:
        array = np.asarray(array)
        if np.issubdtype(array.dtype, np.floating):
            out.append(torch.as_tensor(array, dtype=dtype))
        else:
            out.append(torch.as_tensor(array))
    return tuple(out)
