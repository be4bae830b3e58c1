"""Deprecated alias of :mod:`lstm_edu.validation`.

Kept for the modules that still import ``lstm_edu._validate`` (clockwork, depth_gated,
attention, transformer_small) until they migrate to ``lstm_edu.validation``; new code
imports from :mod:`lstm_edu.validation`.
"""
from __future__ import annotations

from .validation import (
    as_float_array,
    check_bool,
    check_choice,
    check_finite_real,
    check_int_range,
    check_positive_int,
    check_positive_real,
    check_seed,
    check_series,
    check_shape,
)

__all__ = [
    "as_float_array",
    "check_bool",
    "check_choice",
    "check_finite_real",
    "check_int_range",
    "check_positive_int",
    "check_positive_real",
    "check_seed",
    "check_series",
    "check_shape",
]
