"""Jacobian products dh_T/dh_t: how much a change at step t still matters at step T.

Backpropagation multiplies one step's Jacobian after another; if their product shrinks
geometrically the gradient *vanishes*, if it grows it *explodes*. ``jacobian_norms``
measures that product directly: it propagates the H x H identity backwards with the
same step functions as BPTT (:mod:`lstm_edu.bptt`), one row per output unit, and takes
the norm of the Jacobian at every step.

For the LSTM the state is the pair (h_t, c_t). ``dh_T/dh_t`` perturbs h_t with c_t
held fixed (h_t reaches the future only through step t+1's gates); ``dh_T/dc_t``
perturbs c_t *including* its effect on h_t = o_t * tanh(c_t), the same convention as
``Gradients.dloss_dc``. ``dc_T/dc_t`` is the cell-state path, which stays near the
product of forget gates.
"""
from __future__ import annotations

import numpy as np

from . import bptt
from .sequence import GRU, LSTM, RNN

__all__ = ["jacobian_norms"]

_NORMS = {"spectral": 2, "frobenius": "fro"}
_REDUCE = ("mean", "none")


def _check_choice(name: str, value, choices) -> str:
    """``value`` must be one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name}: expected one of {', '.join(map(repr, choices))}, got {value!r}")
    return value


def _repeat_rows(coefficients: tuple, t: int, times: int) -> tuple:
    """Step t of each (T, B, ...) coefficient with every batch row repeated ``times`` times."""
    return tuple(np.repeat(array[t], times, axis=0) for array in coefficients)


def _matrix_norms(jacobian_rows: np.ndarray, batch: int, norm) -> np.ndarray:
    """Norms of the per-example Jacobians stored as rows (B*H_out, H) -> (B,)."""
    matrices = jacobian_rows.reshape(batch, -1, jacobian_rows.shape[-1])  # (B, H_out, H)
    return np.linalg.norm(matrices, ord=norm, axis=(1, 2))


def jacobian_norms(model, trace, of: str = "h", wrt: str = "h", norm: str = "spectral",
                   reduce: str = "mean") -> np.ndarray:
    """Norms of the Jacobians ``d of_T / d wrt_t`` for t = 1..T.

    Parameters
    ----------
    model : LSTM, GRU or RNN
    trace : Trace
        From ``model.forward``; the Jacobians are evaluated along it.
    of : {"h", "c"}, default "h"
        The final state differentiated (``"c"`` only for LSTM).
    wrt : {"h", "c"}, default "h"
        The state at step t it is differentiated with respect to (``"c"`` only for LSTM).
    norm : {"spectral", "frobenius"}, default "spectral"
        Spectral: the largest singular value, i.e. the most a unit-size change of the
        state at step t can move the final state. Frobenius: the root sum of squares of
        all H x H entries.
    reduce : {"mean", "none"}, default "mean"
        Each example of the batch has its own Jacobian; "mean" averages their norms over
        the batch, "none" returns them all.

    Returns
    -------
    ndarray, (T,) or (T, B)
        Entry ``t - 1`` belongs to step t = 1..T; entry ``T - 1`` is the norm of
        ``d of_T / d wrt_T`` (the identity for ``of == wrt == "h"``, spectral norm 1).

    Examples
    --------
    >>> import numpy as np
    >>> from lstm_edu import RNN, RNNConfig, jacobian_norms
    >>> model = RNN.init(RNNConfig(input_size=1, hidden_size=4), seed=0)
    >>> trace = model.forward(np.zeros((10, 1, 1)))
    >>> norms = jacobian_norms(model, trace)
    >>> norms.shape, float(norms[-1])
    ((10,), 1.0)
    """
    if not isinstance(model, (LSTM, GRU, RNN)):
        raise TypeError(f"model: expected an lstm_edu LSTM, GRU or RNN, got {type(model).__name__}")
    model.check_trace(trace)
    states = ("h", "c") if model.kind == "lstm" else ("h",)
    of, wrt = _check_choice("of", of, states), _check_choice("wrt", wrt, states)
    matrix_norm = _NORMS[_check_choice("norm", norm, tuple(_NORMS))]
    reduce = _check_choice("reduce", reduce, _REDUCE)
    tm = trace.time_major
    T, B, H = tm.h.shape
    rows = np.tile(np.eye(H, dtype=model.dtype), (B, 1))        # (B*H, H): row b*H+k = e_k
    zeros = np.zeros_like(rows)
    W_hT = np.ascontiguousarray(model.params.W_h.T)             # (G*H, H)
    norms = np.empty((T, B))
    if model.kind == "lstm":
        coefficients = bptt.lstm_coefficients(model.params, model.cfg, tm)
        params = model.params
        peepholes = (params.p_i, params.p_f, params.p_o) if model.cfg.peepholes else None
        dh, dc_carry = (rows, zeros) if of == "h" else (zeros, rows)
        for t in range(T - 1, -1, -1):
            dc = np.empty_like(rows)
            dA4 = np.empty((B * H, 4, H), dtype=model.dtype)
            dc_carry, dh_next = bptt.lstm_backward_step(
                _repeat_rows(coefficients, t, H), dh, dc_carry, dc, dA4, W_hT, peepholes)
            norms[t] = _matrix_norms(dh if wrt == "h" else dc, B, matrix_norm)
            dh = dh_next
    elif model.kind == "gru":
        coefficients = bptt.gru_coefficients(model.params, model.cfg, tm)
        dh = rows
        for t in range(T - 1, -1, -1):
            norms[t] = _matrix_norms(dh, B, matrix_norm)
            dA_n = np.empty_like(rows)
            dR3 = np.empty((B * H, 3, H), dtype=model.dtype)
            dh = bptt.gru_backward_step(_repeat_rows(coefficients, t, H), dh, dA_n, dR3, W_hT)
    else:
        coefficients = bptt.rnn_coefficients(model.params, model.cfg, tm)
        dh = rows
        for t in range(T - 1, -1, -1):
            norms[t] = _matrix_norms(dh, B, matrix_norm)
            dh = bptt.rnn_backward_step(_repeat_rows(coefficients, t, H), dh,
                                        np.empty_like(rows), W_hT)
    return norms.mean(axis=1) if reduce == "mean" else norms
