"""Small checks and helpers shared by the application modules."""
from __future__ import annotations

import numbers

import numpy as np

from lstm_edu._validate import as_float_array

__all__ = ["check_series", "check_seed", "check_int_range", "check_positive_real", "check_choice", "edit_distance"]


def check_series(name: str, value: object, min_length: int = 1) -> np.ndarray:
    """Return ``value`` as a finite 1-d float64 array of at least ``min_length`` points."""
    array = as_float_array(name, value, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name}: expected a 1-d series of shape (N,), got shape {array.shape}")
    if array.size < min_length:
        raise ValueError(f"{name}: expected at least {min_length} values, got {array.size}")
    return array


def check_seed(seed: object) -> int:
    """Return ``seed`` as an int, requiring a non-negative integer."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed: expected a non-negative int, got {type(seed).__name__} {seed!r}")
    if seed < 0:
        raise ValueError(f"seed: expected a non-negative int, got {seed}")
    return int(seed)


def check_int_range(name: str, value: object, low: int, high: int | None = None) -> int:
    """Return ``value`` as an int in ``[low, high]`` (``high`` None: no upper bound)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected an int, got {type(value).__name__} {value!r}")
    if value < low or (high is not None and value > high):
        bound = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name}: expected an int {bound}, got {value}")
    return int(value)


def check_positive_real(name: str, value: object, allow_zero: bool = False) -> float:
    """Return ``value`` as a finite float > 0 (or >= 0 with ``allow_zero``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    ok = np.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        want = "a finite number >= 0" if allow_zero else "a finite number > 0"
        raise ValueError(f"{name}: expected {want}, got {value}")
    return value


def check_choice(name: str, value: object, choices: tuple) -> object:
    """Return ``value`` if it is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name}: expected one of {choices}, got {value!r}")
    return value



def edit_distance(reference, hypothesis) -> int:
    """Levenshtein distance between two sequences (insertions, deletions, substitutions cost 1).

    Parameters
    ----------
    reference, hypothesis : sequence
        Any sequences of comparable items (strings, lists of words or ints).

    Returns
    -------
    int
    """
    for name, value in (("reference", reference), ("hypothesis", hypothesis)):
        if not hasattr(value, "__len__") or not hasattr(value, "__getitem__"):
            raise TypeError(f"{name}: expected a sequence, got {type(value).__name__}")
    previous = list(range(len(hypothesis) + 1))
    for i, ref_item in enumerate(reference, start=1):
        current = [i]
        for j, hyp_item in enumerate(hypothesis, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_item != hyp_item)))
        previous = current
    return previous[-1]
