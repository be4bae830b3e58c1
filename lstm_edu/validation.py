"""Input checks shared by the whole package: one way to check.

A wrong type is a ``TypeError``, a wrong value a ``ValueError``; numpy scalars
(``np.int64``, ``np.float32``, ...) are accepted wherever a Python number is, and
every message names the argument, what was expected and what was received::

    >>> check_positive_int("hidden_size", 0)
    Traceback (most recent call last):
    ...
    ValueError: hidden_size: expected a positive int, got 0
"""
from __future__ import annotations

import math
import numbers
from typing import Sequence

import numpy as np

__all__ = [
    "check_int",
    "check_number",
    "check_seeds",
    "check_choices",
    "as_float_array",
    "check_shape",
    "check_series",
    "check_positive_int",
    "check_int_range",
    "check_seed",
    "check_bool",
    "check_finite_real",
    "check_positive_real",
    "check_choice",
]


def _shape_text(dims: Sequence[object]) -> str:
    """Render an expected shape such as ``(T, B, 3)``."""
    return "(" + ", ".join(str(d) for d in dims) + (",)" if len(dims) == 1 else ")")


def as_float_array(name: str, value: object, dtype: np.dtype | None = None) -> np.ndarray:
    """Return ``value`` as a finite floating-point ndarray (cast to ``dtype`` if given).

    Raises TypeError for non-numeric, integer, boolean or complex data and
    ValueError for NaN or inf entries.
    """
    if isinstance(value, np.ndarray):
        array = value
    else:
        try:
            array = np.asarray(value)
        except (TypeError, ValueError) as error:  # ragged lists and the like
            raise TypeError(
                f"{name}: expected a floating-point array, got {type(value).__name__} "
                f"that numpy cannot turn into an array ({error})"
            ) from None
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(
            f"{name}: expected a floating-point array (float32 or float64), got dtype "
            f"{array.dtype} (cast it explicitly, e.g. x.astype(float))"
        )
    if dtype is not None and array.dtype != dtype:
        array = array.astype(dtype)
    if not np.isfinite(array).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise ValueError(
            f"{name}: expected finite values, got {array[bad]} at index {bad} "
            f"(array of shape {array.shape})"
        )
    return array


def check_shape(name: str, array: np.ndarray, expected: Sequence[object]) -> None:
    """Check ``array.shape`` against ``expected``, whose entries are ints or names.

    A named dimension (a string such as ``"T"``) accepts any size of at least 1;
    an int must match exactly. Nothing is broadcast.
    """
    text = _shape_text(expected)
    if array.ndim != len(expected):
        raise ValueError(
            f"{name}: expected a {len(expected)}-d array of shape {text}, "
            f"got a {array.ndim}-d array of shape {array.shape}"
        )
    for axis, (size, want) in enumerate(zip(array.shape, expected)):
        if isinstance(want, str):
            if size < 1:
                raise ValueError(
                    f"{name}: expected shape {text} with {want} >= 1, got shape {array.shape} "
                    f"(axis {axis} is empty)"
                )
        elif size != want:
            raise ValueError(
                f"{name}: expected shape {text}, got shape {array.shape} "
                f"(axis {axis} has size {size}, expected {want})"
            )


def check_positive_int(name: str, value: object) -> int:
    """Return ``value`` as an int, requiring an integer >= 1 (bools rejected)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected a positive int, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{name}: expected a positive int, got {value}")
    return int(value)


def check_bool(name: str, value: object) -> bool:
    """Return ``value`` if it is a bool (numpy bools included), else raise TypeError."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: expected True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def check_finite_real(name: str, value: object) -> float:
    """Return ``value`` as a float, requiring a finite real number (bools rejected)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name}: expected a finite number, got {value}")
    return value


def check_seed(name: str, value: object) -> int:
    """Return ``value`` as an int, requiring an integer >= 0 (numpy integers accepted).

    A wrong type is a ``TypeError``, a negative seed a ``ValueError``.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected a non-negative int, got {type(value).__name__} {value!r}")
    if value < 0:
        raise ValueError(f"{name}: expected a non-negative int, got {value}")
    return int(value)


def check_series(name: str, value: object, min_length: int = 1) -> np.ndarray:
    """Return ``value`` as a finite 1-d float64 array of at least ``min_length`` points."""
    array = as_float_array(name, value, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name}: expected a 1-d series of shape (N,), got shape {array.shape}")
    if array.size < min_length:
        raise ValueError(f"{name}: expected at least {min_length} values, got {array.size}")
    return array


def check_int_range(name: str, value: object, low: int, high: int | None = None) -> int:
    """Return ``value`` as an int in ``[low, high]`` (``high`` None: no upper bound)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected an int, got {type(value).__name__} {value!r}")
    if value < low or (high is not None and value > high):
        bound = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name}: expected an int {bound}, got {value}")
    return int(value)


def check_positive_real(name: str, value: object, allow_zero: bool = False) -> float:
    """Return ``value`` as a finite float > 0 (or >= 0 with ``allow_zero``)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    ok = np.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        want = "a finite number >= 0" if allow_zero else "a finite number > 0"
        raise ValueError(f"{name}: expected {want}, got {value}")
    return value


def check_choice(name: str, value: object, choices: tuple) -> object:
    """Return ``value`` if it is one of ``choices``.

    When every choice is a string, a value that is not a string is a ``TypeError``;
    otherwise a value that is not among the choices is a ``ValueError``.
    """
    if choices and all(isinstance(c, str) for c in choices) and not isinstance(value, str):
        raise TypeError(f"{name}: expected one of {choices}, got {type(value).__name__} {value!r}")
    if value not in choices:
        raise ValueError(f"{name}: expected one of {choices}, got {value!r}")
    return value


def check_int(name: str, value, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum`` (numpy integers accepted, bools refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected an int >= {minimum}, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name}: expected an int >= {minimum}, got {value}")
    return int(value)


def check_number(name: str, value, low: float = -math.inf, high: float = math.inf,
                 allow_none: bool = False, open_low: bool = False):
    """``value`` as a finite float in ``[low, high]`` (``(low, high]`` with ``open_low``).

    None passes through when ``allow_none``.
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        expected = "a number" + (" or None" if allow_none else "")
        raise TypeError(f"{name}: expected {expected}, got {type(value).__name__} {value!r}")
    value = float(value)
    below = value <= low if open_low else value < low
    if not math.isfinite(value) or below or value > high:
        bracket = "(" if open_low else "["
        raise ValueError(f"{name}: expected a finite number in {bracket}{low:g}, {high:g}], got {value!r}")
    return value


def check_seeds(seeds) -> tuple:
    """A non-empty tuple of distinct ints >= 0."""
    if not isinstance(seeds, (tuple, list)):
        raise TypeError(f"seeds: expected a tuple of ints >= 0, got {type(seeds).__name__} {seeds!r}")
    if not seeds:
        raise ValueError("seeds: expected at least one seed, got none")
    out = tuple(check_int("seeds", s, minimum=0) for s in seeds)
    if len(set(out)) != len(out):
        raise ValueError(f"seeds: expected distinct seeds, got {seeds!r}")
    return out


def check_choices(name: str, values, choices, check=None) -> tuple:
    """A non-empty tuple of distinct items of ``values``, each in ``choices`` (or passing ``check``)."""
    if not isinstance(values, (tuple, list)):
        raise TypeError(f"{name}: expected a tuple, got {type(values).__name__} {values!r}")
    if not values:
        raise ValueError(f"{name}: expected at least one value, got none")
    if check is not None:
        values = tuple(check(name, v) for v in values)
    elif any(v not in choices for v in values):
        raise ValueError(f"{name}: expected values among {tuple(choices)}, got {tuple(values)!r}")
    if len(set(values)) != len(values):
        raise ValueError(f"{name}: expected distinct values, got {tuple(values)!r}")
    return tuple(values)
