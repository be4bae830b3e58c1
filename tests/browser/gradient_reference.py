"""What the browser's gradient numbers are compared with, and how closely they can agree.

`difference` is the absolute difference for numbers up to 1 in magnitude and the relative
difference above. `rounding_sensitivity` measures how much lstm_edu's own curves move when
the recurrent weights move by about one rounding step: where the forward pass is chaotic
(a large weight scale over a long sequence) two float64 implementations that merely add in
another order differ by that much (up to 1e-6 at s = 3, T = 100), so no implementation can
be held to 1e-12 there. Cases with a sensitivity above `WELL_CONDITIONED` are checked
against a multiple of it instead.
"""
from __future__ import annotations

import math

import numpy as np

from lstm_edu.gradient_flow import DEFAULT_SETUP, GradientSetup, gradient_curves

TOLERANCE = 1e-12
WELL_CONDITIONED = 1e-14
ULP = 2.0 ** -52


def difference(js, reference) -> float:
    """Max over entries of |js - ref| / max(1, |ref|); inf if the shapes differ."""
    js = np.asarray(js, dtype=float)
    reference = np.asarray(reference, dtype=float)
    if js.shape != reference.shape:
        return math.inf
    if js.size == 0:
        return 0.0
    return float(np.max(np.abs(js - reference) / np.maximum(1.0, np.abs(reference))))


def curve_values(curves) -> np.ndarray:
    """Every number of a GradientCurves in one vector: h norms, C norms, parameter norm."""
    parts = [curves.h_norm, [curves.param_norm]]
    if curves.c_norm is not None:
        parts.insert(1, curves.c_norm)
    return np.concatenate([np.asarray(part, dtype=float) for part in parts])


def rounding_sensitivity(cell: str, weight_scale: float, forget_bias: float, length: int,
                         setup: GradientSetup = DEFAULT_SETUP) -> float:
    """Largest change of the curves when the weight scale moves by two rounding steps."""
    base = curve_values(gradient_curves(cell, weight_scale, forget_bias, length, setup))
    moved = curve_values(gradient_curves(cell, weight_scale * (1 + 2 * ULP), forget_bias, length, setup))
    return difference(moved, base)


def allowed_difference(sensitivity: float) -> float:
    """1e-12 where the problem is well-conditioned, else 100 times its rounding sensitivity."""
    return TOLERANCE if sensitivity <= WELL_CONDITIONED else max(TOLERANCE, 100 * sensitivity)
