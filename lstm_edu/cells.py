"""The three recurrent cells, one time step each: the equations, written once.

Arrays are ``(B, ·)`` for one step (``B`` batch, ``D`` input, ``H`` hidden size).
The parameters (:mod:`lstm_edu.params`) use torch's layout: ``W_x (D, G*H)``,
``W_h (H, G*H)``, ``b (G*H,)`` with gate blocks in torch's order (LSTM ``i, f, g, o``, where
``g`` is the seeds' C~_t; GRU ``r, z, n``).

These are the reference cells: each function below is its equations and nothing else. The
sequence code runs the in-place kernels of :mod:`lstm_edu.kernels` for speed; the tests hold
those kernels, the torch models and the JavaScript of the site to these functions.

The LSTM (the seeds' equations, with ``[h, x] W`` split into ``h W_h + x W_x``)::

    i = sigmoid(x W_xi + h_prev W_hi + b_i)        input gate
    f = sigmoid(x W_xf + h_prev W_hf + b_f)        forget gate
    g = tanh(x W_xg + h_prev W_hg + b_g)           candidate C~_t
    o = sigmoid(x W_xo + h_prev W_ho + b_o)        output gate
    c = f * c_prev + i * g
    h = o * tanh(c)

and its variants (flags of :class:`~lstm_edu.config.LSTMConfig`): peepholes add
``p_i * c_prev`` and ``p_f * c_prev`` to the i and f pre-activations and ``p_o * c`` to
o's; CIFG sets ``i = 1 - f``; NFG ``f = 1``; NIG ``i = 1``; NOG ``o = 1``; NOAF
``h = o * c``.

The GRU follows torch (and cuDNN)::

    r = sigmoid(x W_xr + h_prev W_hr + b_r)
    z = sigmoid(x W_xz + h_prev W_hz + b_z)
    n = tanh(x W_xn + b_n + r * (h_prev W_hn + b_hn))
    h = (1 - z) * n + z * h_prev

Two conventions to know: the reset gate multiplies the recurrent product *after* the
matrix product (Cho et al. 2014 apply it before: ``(r * h_prev) W_hn``; the two are
different functions), and ``z`` weights the *old* state (some texts swap ``z`` and
``1 - z``).

Sigmoids are computed as torch does, ``1 / (1 + exp(-a))``; in float64 a gate is
exactly 1 for ``a > 37`` and exactly 0 for ``a < -710`` (so a gate pinned by a huge
bias is exactly open or closed).
"""
from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from .config import GRUConfig, LSTMConfig, RNNConfig
from .params import GRU_GATES, LSTM_GATES, GRUParams, LSTMParams, RNNParams, lstm_active_gates
from .validation import as_float_array, check_bool, check_positive_int, check_shape

__all__ = [
    "LSTMParams",
    "GRUParams",
    "RNNParams",
    "sigmoid",
    "lstm_cell",
    "gru_cell",
    "rnn_cell",
    "gated_memory",
    "GatedMemory",
    "LSTM_GATES",
    "GRU_GATES",
]


def sigmoid(a: np.ndarray) -> np.ndarray:
    """σ(a) = 1 / (1 + exp(-a)), as torch computes it (exactly 0 or 1 far in the tails)."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-a))


# ----------------------------------------------------------------------------- argument checks

def _check_params(params, cls, cfg, cfg_cls):
    """Validate the (params, cfg) pair of a cell call; return checked params."""
    if not isinstance(cfg, cfg_cls):
        raise TypeError(f"cfg: expected a {cfg_cls.__name__}, got {type(cfg).__name__}")
    if not isinstance(params, cls):
        raise TypeError(f"params: expected {cls.__name__}, got {type(params).__name__}")
    return params.checked(cfg)


def _check_step_input(params, cfg, x_t) -> np.ndarray:
    """Validate x_t (B, D) and return it as the params' dtype."""
    x_t = as_float_array("x_t", x_t, params.dtype)
    check_shape("x_t", x_t, ("B", cfg.input_size))
    return x_t


def _check_step_state(name: str, value, batch: int, cfg, dtype) -> np.ndarray:
    """Validate one (B, H) state array."""
    value = as_float_array(name, value, dtype)
    check_shape(name, value, (batch, cfg.hidden_size))
    return value


def _blocks(stacked: np.ndarray, count: int) -> list[np.ndarray]:
    """The gate blocks of a (B, G*H) array, each (B, H)."""
    return np.split(stacked, count, axis=1)


# ----------------------------------------------------------------------------- cells

def lstm_cell(params: LSTMParams, x_t, state, cfg: LSTMConfig):
    """One LSTM time step: the six equations (with the variant flags of ``cfg``).

    Parameters
    ----------
    params : LSTMParams
    x_t : array_like, shape (B, D)
    state : tuple of two arrays, each shape (B, H)
        ``(h_prev, c_prev)``.
    cfg : LSTMConfig
        Sizes and variant flags.

    Returns
    -------
    (h, c) : tuple of ndarray, each (B, H)
    cache : dict of ndarray, each (B, H)
        ``"pre_<gate>"`` for every gate computed from a pre-activation, the gate values
        ``"i", "f", "g", "o"`` (a disabled gate is all ones; CIFG's ``i`` is ``1 - f``),
        ``"cell_output"`` (tanh(c), or c for NOAF), and ``"h_prev"``, ``"c_prev"``.
    """
    params = _check_params(params, LSTMParams, cfg, LSTMConfig)
    x_t = _check_step_input(params, cfg, x_t)                               # (B, D)
    if not isinstance(state, (tuple, list)) or len(state) != 2:
        raise TypeError(f"state: expected a tuple (h_prev, c_prev), got {type(state).__name__}")
    B = x_t.shape[0]
    h_prev = _check_step_state("state[0] (h_prev)", state[0], B, cfg, params.dtype)  # (B, H)
    c_prev = _check_step_state("state[1] (c_prev)", state[1], B, cfg, params.dtype)  # (B, H)
    bias = 0.0 if params.b is None else params.b
    pre_i, pre_f, pre_g, pre_o = _blocks(x_t @ params.W_x + h_prev @ params.W_h + bias, 4)  # W·[h, x] + b
    if cfg.peepholes:                                              # i and f also look at C_{t-1}
        pre_i, pre_f = pre_i + params.p_i * c_prev, pre_f + params.p_f * c_prev
    ones = np.ones_like(c_prev)
    f = sigmoid(pre_f) if cfg.forget_gate else ones                # forget gate f_t
    if cfg.coupled:
        i = 1.0 - f                                                # CIFG: i_t = 1 - f_t
    else:
        i = sigmoid(pre_i) if cfg.input_gate else ones             # input gate i_t
    g = np.tanh(pre_g)                                             # candidate C~_t
    c = f * c_prev + i * g                                         # C_t = f_t * C_{t-1} + i_t * C~_t
    if cfg.peepholes:                                              # o looks at C_t
        pre_o = pre_o + params.p_o * c
    o = sigmoid(pre_o) if cfg.output_gate else ones                # output gate o_t
    cell_output = np.tanh(c) if cfg.output_activation else c
    h = o * cell_output                                            # h_t = o_t * tanh(C_t)
    pre = {"i": pre_i, "f": pre_f, "g": pre_g, "o": pre_o}
    cache = {f"pre_{gate}": pre[gate] for gate in lstm_active_gates(cfg)}
    cache.update(i=i, f=f, g=g, o=o, cell_output=cell_output, h_prev=h_prev, c_prev=c_prev)
    return (h, c), cache


def gru_cell(params: GRUParams, x_t, h_prev, cfg: GRUConfig):
    """One GRU time step (torch's formulation; see the module notes on conventions).

    Parameters
    ----------
    params : GRUParams
    x_t : array_like, shape (B, D)
    h_prev : array_like, shape (B, H)
    cfg : GRUConfig

    Returns
    -------
    h : ndarray, shape (B, H)
    cache : dict of ndarray, each (B, H)
        ``"pre_r", "pre_z", "pre_n"``, the gates ``"r", "z", "n"``, ``"hn"``
        (``h_prev W_hn + b_hn``) and ``"h_prev"``.
    """
    params = _check_params(params, GRUParams, cfg, GRUConfig)
    x_t = _check_step_input(params, cfg, x_t)                               # (B, D)
    h_prev = _check_step_state("h_prev", h_prev, x_t.shape[0], cfg, params.dtype)  # (B, H)
    bias = 0.0 if params.b is None else params.b
    from_x_r, from_x_z, from_x_n = _blocks(x_t @ params.W_x + bias, 3)
    from_h_r, from_h_z, from_h_n = _blocks(h_prev @ params.W_h, 3)
    pre_r, pre_z = from_x_r + from_h_r, from_x_z + from_h_z
    r, z = sigmoid(pre_r), sigmoid(pre_z)                          # reset and update gates
    hn = from_h_n if params.b_hn is None else from_h_n + params.b_hn
    pre_n = from_x_n + r * hn
    n = np.tanh(pre_n)                                             # candidate n_t
    h = (1.0 - z) * n + z * h_prev                                 # z weights the old state
    cache = {"pre_r": pre_r, "pre_z": pre_z, "pre_n": pre_n, "r": r, "z": z, "n": n, "hn": hn,
             "h_prev": h_prev}
    return h, cache


def rnn_cell(params: RNNParams, x_t, h_prev, cfg: RNNConfig):
    """One vanilla RNN time step: ``h = act(x_t W_x + h_prev W_h + b)``.

    Parameters
    ----------
    params : RNNParams
    x_t : array_like, shape (B, D)
    h_prev : array_like, shape (B, H)
    cfg : RNNConfig

    Returns
    -------
    h : ndarray, shape (B, H)
    cache : dict of ndarray, each (B, H)
        ``"pre_h"`` (the pre-activation) and ``"h_prev"``.
    """
    params = _check_params(params, RNNParams, cfg, RNNConfig)
    x_t = _check_step_input(params, cfg, x_t)                               # (B, D)
    h_prev = _check_step_state("h_prev", h_prev, x_t.shape[0], cfg, params.dtype)  # (B, H)
    bias = 0.0 if params.b is None else params.b
    pre_h = x_t @ params.W_x + h_prev @ params.W_h + bias
    h = np.maximum(pre_h, 0.0) if cfg.nonlinearity == "relu" else np.tanh(pre_h)
    return h, {"pre_h": pre_h, "h_prev": h_prev}


# ----------------------------------------------------------------------------- gated memory


class GatedMemory(NamedTuple):
    """Cell state and output over time from :func:`gated_memory` (shape of the gates)."""

    c: np.ndarray
    h: np.ndarray


def _real_scalar_as_float(value):
    """Turn a plain real scalar (``1``, ``0.5``; not a bool) into a float; else return it as is."""
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
        return float(value)
    return value


def _gate_sequence(name: str, value, steps: int | None, low: float, high: float) -> np.ndarray:
    """Validate one gated_memory argument: array (T,) / (T, H), or a scalar when steps is set."""
    array = as_float_array(name, _real_scalar_as_float(value), np.float64)
    if array.ndim == 0:
        if steps is None:
            raise ValueError(
                f"{name}: got a scalar ({float(array)}); pass an array of shape (T,) or (T, H), "
                f"or give steps=T to hold scalars constant for T steps"
            )
    elif array.ndim not in (1, 2) or array.shape[0] < 1:
        raise ValueError(f"{name}: expected shape (T,) or (T, H) with T >= 1, "
                         f"got shape {array.shape}")
    if array.size and (array.min() < low or array.max() > high):
        bad = tuple(int(i) for i in np.argwhere((array < low) | (array > high))[0])
        raise ValueError(
            f"{name}: expected values in [{low:g}, {high:g}], got {array[bad]:g} at index {bad} "
            f"(shape {array.shape})"
        )
    return array


def gated_memory(forget_gate, input_gate, candidate, output_gate, c0=0.0, steps: int | None = None,
                 output_activation: bool = True) -> GatedMemory:
    """Run the LSTM cell-state update with gate values chosen by the caller.

    ``c_t = f_t * c_{t-1} + i_t * g_t`` and ``h_t = o_t * tanh(c_t)`` (``o_t * c_t``
    without the output activation), for t = 1..T, starting from ``c0``.

    Parameters
    ----------
    forget_gate, input_gate, output_gate : array_like, values in [0, 1]
        Gate values over time, shape ``(T,)`` (one unit) or ``(T, H)``.
    candidate : array_like, values in [-1, 1]
        The candidate ``C~_t`` (a tanh output), same shape.
    c0 : float or array_like of shape (H,), default 0.0
        Initial cell state; an array needs gates of shape ``(T, H)``.
    steps : int, optional
        Number of steps ``T``. Required when any argument is a scalar: a scalar is then
        held constant over the T steps. Arrays must all have one common shape (no
        broadcasting); with ``steps`` given their first axis must equal it.
    output_activation : bool, default True
        False gives the NOAF output ``h_t = o_t * c_t``.

    Returns
    -------
    GatedMemory
        ``c`` and ``h``, each with the gates' shape: ``(T,)`` or ``(T, H)``.

    Raises
    ------
    ValueError
        A gate outside [0, 1] or candidate outside [-1, 1] (the message names the
        argument), mismatched shapes, a scalar without ``steps``, NaN or inf.
    TypeError
        Non-numeric input.
    """
    if steps is not None:
        steps = check_positive_int("steps", steps)
    output_activation = check_bool("output_activation", output_activation)
    named = {"forget_gate": (forget_gate, 0.0, 1.0), "input_gate": (input_gate, 0.0, 1.0),
             "candidate": (candidate, -1.0, 1.0), "output_gate": (output_gate, 0.0, 1.0)}
    arrays = {name: _gate_sequence(name, value, steps, low, high)
              for name, (value, low, high) in named.items()}
    shapes = {name: a.shape for name, a in arrays.items() if a.ndim > 0}
    if len(set(shapes.values())) > 1:
        listing = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        raise ValueError(f"forget_gate, input_gate, candidate, output_gate: expected one common "
                         f"shape (no broadcasting), got {listing}")
    shape = next(iter(shapes.values()), (steps,))
    if steps is not None and shape[0] != steps:
        raise ValueError(f"steps: the gate arrays have T = {shape[0]} steps, got steps={steps}")
    f, i, g, o = (np.full(shape, a) if a.ndim == 0 else a for a in arrays.values())
    c_prev = as_float_array("c0", _real_scalar_as_float(c0), np.float64)
    if c_prev.ndim == 1:
        if len(shape) != 2:
            raise ValueError(f"c0: an array c0 needs gates of shape (T, H), "
                             f"got gates of shape {shape}")
        check_shape("c0", c_prev, (shape[1],))
    elif c_prev.ndim != 0:
        raise ValueError(f"c0: expected a scalar or shape (H,), got shape {c_prev.shape}")
    c = np.empty(shape)
    for t in range(shape[0]):
        c_prev = f[t] * c_prev + i[t] * g[t]
        c[t] = c_prev
    h = o * (np.tanh(c) if output_activation else c)
    return GatedMemory(c=c, h=h)
