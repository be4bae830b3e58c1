"""Backpropagation through time, written by hand for the LSTM (all variants), GRU and RNN.

Every backward pass has the same shape:

1. from the trace, compute per-step *coefficients* for all T steps at once
   (vectorised): local derivatives such as ``o_t * (1 - tanh(c_t)**2)``;
2. walk t = T..1 with the recurrence, carrying dL/dh and dL/dc backwards and storing
   the gradient of every pre-activation, ``dA`` (T, B, G*H);
3. after the loop, get every weight gradient with one matrix product over all steps
   (e.g. ``dW_h = [h_0..h_{T-1}]^T dA``), and dx = dA W_x^T.

The step functions (``*_backward_step``) take one step's coefficients, so that
:mod:`lstm_edu.gradients` can reuse them to propagate Jacobians.

"Total" gradients: ``dloss_dh[t]`` is dL/dh_t including everything that flows back
through later steps (the quantity whose norm vanishes or explodes); ``dloss_dc[t]`` is
likewise dL/dc_t, including the path through h_t = o_t * tanh(c_t).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import GRUConfig, LSTMConfig, RNNConfig
from .params import LSTM_GATES, GRUParams, LSTMParams, RNNParams, lstm_active_gates

__all__ = ["Gradients", "lstm_backward", "gru_backward", "rnn_backward", "step_norms"]


@dataclass
class Gradients:
    """Gradients of a loss from one backward pass, in the model's layout.

    Attributes
    ----------
    params : dict of ndarray
        dL/dparameter for each key of ``model.params.arrays()`` (same shapes). Blocks of
        gates a variant disables are exactly zero.
    dx : ndarray
        dL/dx, shape of the input.
    dh0 : ndarray, (B, H)
        dL/dh_0.
    dc0 : ndarray, (B, H), or None
        dL/dc_0 (LSTM only).
    h_norm : ndarray, (T,)
        ``||dL/dh_t||`` for t = 1..T, the Frobenius norm over batch and hidden units of
        the total gradient (loss at step t plus everything flowing back from later steps).
    c_norm : ndarray, (T,), or None
        ``||dL/dc_t||`` likewise (LSTM only).
    dloss_dh, dloss_dc : ndarray
        The total gradients themselves, shape of ``trace.h`` (dloss_dc None unless LSTM).
    """

    params: dict
    dx: np.ndarray
    dh0: np.ndarray
    dc0: np.ndarray | None
    h_norm: np.ndarray
    c_norm: np.ndarray | None
    dloss_dh: np.ndarray
    dloss_dc: np.ndarray | None


@dataclass
class RawGradients:
    """Time-major gradients as the backward functions return them (internal)."""

    params: dict
    dx: np.ndarray                  # (T, B, D)
    dh0: np.ndarray                 # (B, H)
    dc0: np.ndarray | None          # (B, H)
    dloss_dh: np.ndarray            # (T, B, H)
    dloss_dc: np.ndarray | None     # (T, B, H)


def step_norms(per_step: np.ndarray) -> np.ndarray:
    """Frobenius norm of each step's (B, H) slice of a (T, B, H) array -> (T,)."""
    return np.sqrt(np.einsum("tbh,tbh->t", per_step, per_step))


def previous_states(initial: np.ndarray, states: np.ndarray) -> np.ndarray:
    """[s_0, s_1, ..., s_{T-1}] (T, B, H), C-contiguous, from s_0 (B, H) and s_1..s_T."""
    previous = np.empty(states.shape, dtype=states.dtype)
    previous[0] = initial
    previous[1:] = states[:-1]
    return previous


def _weight_gradients(x, h_prev, dA, dA_input=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """dW_x, dW_h and the bias gradient, each one matrix product over all steps.

    ``dA`` (T, B, G*H) is the gradient of the recurrent pre-activations; ``dA_input``
    that of the input pre-activations when they differ (GRU), else ``dA``.
    """
    T, B, D = x.shape
    dA_input = dA if dA_input is None else dA_input
    flat_in = dA_input.reshape(T * B, -1)
    dW_x = np.ascontiguousarray(x).reshape(T * B, D).T @ flat_in
    dW_h = h_prev.reshape(T * B, -1).T @ dA.reshape(T * B, -1)
    return dW_x, dW_h, flat_in.sum(axis=0)


def _input_gradient(W_x: np.ndarray, dA_input: np.ndarray) -> np.ndarray:
    """dL/dx = dA W_x^T for all steps: (T, B, D)."""
    T, B, _ = dA_input.shape
    return (dA_input.reshape(T * B, -1) @ W_x.T).reshape(T, B, -1)


# ----------------------------------------------------------------------------- LSTM


def _gate_derivative(gate: np.ndarray, kind: str) -> np.ndarray:
    """d gate / d pre-activation from the gate value: s(1 - s), 1 - g^2, or 0 if fixed."""
    if kind == "sigmoid":
        return gate * (1.0 - gate)
    if kind == "tanh":
        return 1.0 - gate * gate
    return np.zeros_like(gate)


def _lstm_gate_kinds(cfg: LSTMConfig) -> dict[str, str]:
    """How each LSTM gate depends on its own pre-activation under ``cfg``."""
    active = lstm_active_gates(cfg)
    return {gate: ("tanh" if gate == "g" else "sigmoid") if gate in active else "fixed"
            for gate in LSTM_GATES}


def lstm_coefficients(params: LSTMParams, cfg: LSTMConfig, tm) -> tuple[np.ndarray, ...]:
    """Per-step local derivatives of the LSTM, for all steps at once (C-contiguous).

    Returns ``(K, Mc, Mh, f)``: ``K`` (T,B,H) = dc-contribution of dh (o * tanh'(c), or o
    for NOAF); ``Mc`` (T,B,3,H) turns dL/dc_t into the pre-activation gradients of i, f,
    g; ``Mh`` (T,B,H) turns dL/dh_t into that of o; ``f`` (T,B,H) carries dL/dc back.
    A fixed gate (NFG, NIG, NOG, CIFG's i) has derivative 0.
    """
    T, B, H = tm.h.shape
    gates = {name: np.ascontiguousarray(tm.gates[:, :, k * H:(k + 1) * H])
             for k, name in enumerate(LSTM_GATES)}                # each (T, B, H)
    slope = {name: _gate_derivative(gates[name], kind)
             for name, kind in _lstm_gate_kinds(cfg).items()}
    cell_output = np.ascontiguousarray(tm.cell_output)
    c_prev = previous_states(tm.c0, tm.c)                       # (T, B, H)
    if cfg.output_activation:
        K = gates["o"] * (1.0 - cell_output * cell_output)
    else:
        K = gates["o"].copy()
    Mc = np.empty((T, B, 3, H), dtype=params.dtype)
    np.multiply(gates["g"], slope["i"], out=Mc[:, :, 0])
    forget_factor = c_prev - gates["g"] if cfg.coupled else c_prev   # CIFG: i = 1 - f
    np.multiply(forget_factor, slope["f"], out=Mc[:, :, 1])
    np.multiply(gates["i"], slope["g"], out=Mc[:, :, 2])
    Mh = cell_output * slope["o"]
    return K, Mc, Mh, gates["f"]


def lstm_backward_step(coefficients, dh, dc_carry, dc, dA4, W_hT, peepholes):
    """One LSTM step of BPTT.

    Parameters: one step's ``(K, Mc, Mh, f)``; ``dh`` (B,H) total dL/dh_t; ``dc_carry``
    (B,H) dL/dc_t flowing back from step t+1; outputs ``dc`` (B,H) total dL/dc_t and
    ``dA4`` (B,4,H) pre-activation gradients (contiguous). ``peepholes`` is
    ``(p_i, p_f, p_o)`` or None. Returns ``(dc_prev, dh_prev)``, the recurrent parts of
    dL/dc_{t-1} and dL/dh_{t-1}.
    """
    K, Mc, Mh, f = coefficients
    np.multiply(Mh, dh, out=dA4[:, 3])                          # output gate
    np.multiply(dh, K, out=dc)
    np.add(dc, dc_carry, out=dc)
    if peepholes is not None:
        dc += dA4[:, 3] * peepholes[2]                           # o saw c_t
    np.multiply(Mc, dc[:, None, :], out=dA4[:, :3])             # i, f, g
    dc_prev = dc * f
    if peepholes is not None:
        dc_prev += dA4[:, 0] * peepholes[0] + dA4[:, 1] * peepholes[1]  # i, f saw c_{t-1}
    B = dh.shape[0]
    dh_prev = dA4.reshape(B, -1) @ W_hT
    return dc_prev, dh_prev


def lstm_backward(params: LSTMParams, cfg: LSTMConfig, tm, dh_ext: np.ndarray,
                  dc_T: np.ndarray | None) -> RawGradients:
    """BPTT through an LSTM trace (time-major). ``dh_ext`` (T,B,H) includes any dh_T."""
    T, B, H = tm.h.shape
    coefficients = lstm_coefficients(params, cfg, tm)
    peepholes = (params.p_i, params.p_f, params.p_o) if cfg.peepholes else None
    W_hT = np.ascontiguousarray(params.W_h.T)                   # (4H, H)
    dA4 = np.empty((T, B, 4, H), dtype=params.dtype)            # pre-activation grads
    dH = np.empty((T, B, H), dtype=params.dtype)                # total dL/dh_t
    dC = np.empty((T, B, H), dtype=params.dtype)                # total dL/dc_t
    dh_rec = np.zeros((B, H), dtype=params.dtype)
    dc_carry = np.zeros((B, H), dtype=params.dtype) if dc_T is None else dc_T
    for t in range(T - 1, -1, -1):
        np.add(dh_ext[t], dh_rec, out=dH[t])
        dc_carry, dh_rec = lstm_backward_step(
            tuple(array[t] for array in coefficients), dH[t], dc_carry, dC[t], dA4[t], W_hT,
            peepholes)
    dA = dA4.reshape(T, B, 4 * H)
    h_prev = previous_states(tm.h0, tm.h)
    dW_x, dW_h, db = _weight_gradients(tm.x, h_prev, dA)
    grads = {"W_x": dW_x, "W_h": dW_h}
    if params.b is not None:
        grads["b"] = db
    if cfg.peepholes:
        c_prev = previous_states(tm.c0, tm.c)
        grads["p_i"] = np.einsum("tbh,tbh->h", dA4[:, :, 0], c_prev)
        grads["p_f"] = np.einsum("tbh,tbh->h", dA4[:, :, 1], c_prev)
        grads["p_o"] = np.einsum("tbh,tbh->h", dA4[:, :, 3], tm.c)
    return RawGradients(params=grads, dx=_input_gradient(params.W_x, dA), dh0=dh_rec,
                        dc0=dc_carry, dloss_dh=dH, dloss_dc=dC)


# ----------------------------------------------------------------------------- GRU


def gru_coefficients(params: GRUParams, cfg: GRUConfig, tm) -> tuple[np.ndarray, ...]:
    """Per-step local derivatives of the GRU for all steps.

    Returns ``(Dn, Dz, Rr, r, z)`` (each T,B,H): ``Dn = (1 - z) * tanh'(n)`` and
    ``Dz = (h_prev - n) * sigmoid'(z)`` turn dL/dh_t into the n and z pre-activation
    gradients; ``Rr = hn * sigmoid'(r)`` turns n's into r's; ``r`` scales n's into
    d(hn); ``z`` carries dL/dh back directly.
    """
    H = tm.h.shape[2]
    r, z, n = (np.ascontiguousarray(tm.gates[:, :, k * H:(k + 1) * H]) for k in range(3))
    h_prev = previous_states(tm.h0, tm.h)
    Dn = (1.0 - z) * (1.0 - n * n)
    Dz = (h_prev - n) * (z * (1.0 - z))
    Rr = np.ascontiguousarray(tm.hn) * (r * (1.0 - r))
    return Dn, Dz, Rr, r, z


def gru_backward_step(coefficients, dh, dA_n, dR3, W_hT):
    """One GRU step of BPTT.

    ``dh`` (B,H) total dL/dh_t; outputs ``dA_n`` (B,H), the gradient of n's
    pre-activation, and ``dR3`` (B,3,H), the gradients of the recurrent pre-activations
    ``[a_r, a_z, hn]`` (r and z pre-activations are shared by input and recurrence).
    Returns the recurrent part of dL/dh_{t-1}.
    """
    Dn, Dz, Rr, r, z = coefficients
    np.multiply(dh, Dn, out=dA_n)
    np.multiply(dA_n, Rr, out=dR3[:, 0])
    np.multiply(dh, Dz, out=dR3[:, 1])
    np.multiply(dA_n, r, out=dR3[:, 2])
    B = dh.shape[0]
    dh_prev = dR3.reshape(B, -1) @ W_hT
    dh_prev += dh * z
    return dh_prev


def gru_backward(params: GRUParams, cfg: GRUConfig, tm, dh_ext: np.ndarray) -> RawGradients:
    """BPTT through a GRU trace (time-major). ``dh_ext`` (T,B,H) includes any dh_T."""
    T, B, H = tm.h.shape
    coefficients = gru_coefficients(params, cfg, tm)
    W_hT = np.ascontiguousarray(params.W_h.T)                   # (3H, H)
    dR3 = np.empty((T, B, 3, H), dtype=params.dtype)            # recurrent pre-act grads
    dA_n = np.empty((T, B, H), dtype=params.dtype)              # n pre-activation grads
    dH = np.empty((T, B, H), dtype=params.dtype)
    dh_rec = np.zeros((B, H), dtype=params.dtype)
    for t in range(T - 1, -1, -1):
        np.add(dh_ext[t], dh_rec, out=dH[t])
        dh_rec = gru_backward_step(tuple(array[t] for array in coefficients), dH[t], dA_n[t],
                                   dR3[t], W_hT)
    dX3 = dR3.copy()                                            # input pre-act grads
    dX3[:, :, 2] = dA_n
    h_prev = previous_states(tm.h0, tm.h)
    dW_x, dW_h, db = _weight_gradients(tm.x, h_prev, dR3.reshape(T, B, 3 * H),
                                       dX3.reshape(T, B, 3 * H))
    grads = {"W_x": dW_x, "W_h": dW_h}
    if params.b is not None:
        grads["b"] = db
        grads["b_hn"] = dR3[:, :, 2].sum(axis=(0, 1))
    return RawGradients(params=grads, dx=_input_gradient(params.W_x, dX3.reshape(T, B, 3 * H)),
                        dh0=dh_rec, dc0=None, dloss_dh=dH, dloss_dc=None)


# ----------------------------------------------------------------------------- RNN


def rnn_coefficients(params: RNNParams, cfg: RNNConfig, tm) -> tuple[np.ndarray]:
    """``(derivative,)``: d h_t / d pre_t for all steps, (T,B,H) (1 - h^2, or pre > 0)."""
    if cfg.nonlinearity == "relu":
        return ((np.ascontiguousarray(tm.pre) > 0).astype(params.dtype),)
    h = np.ascontiguousarray(tm.h)
    return (1.0 - h * h,)


def rnn_backward_step(coefficients, dh, dA, W_hT):
    """One RNN step of BPTT: fills ``dA`` (B,H), returns the recurrent part of dL/dh_{t-1}."""
    np.multiply(dh, coefficients[0], out=dA)
    return dA @ W_hT


def rnn_backward(params: RNNParams, cfg: RNNConfig, tm, dh_ext: np.ndarray) -> RawGradients:
    """BPTT through an RNN trace (time-major). ``dh_ext`` (T,B,H) includes any dh_T."""
    T, B, H = tm.h.shape
    (derivative,) = rnn_coefficients(params, cfg, tm)
    W_hT = np.ascontiguousarray(params.W_h.T)                   # (H, H)
    dA = np.empty((T, B, H), dtype=params.dtype)
    dH = np.empty((T, B, H), dtype=params.dtype)
    dh_rec = np.zeros((B, H), dtype=params.dtype)
    for t in range(T - 1, -1, -1):
        np.add(dh_ext[t], dh_rec, out=dH[t])
        dh_rec = rnn_backward_step((derivative[t],), dH[t], dA[t], W_hT)
    dW_x, dW_h, db = _weight_gradients(tm.x, previous_states(tm.h0, tm.h), dA)
    grads = {"W_x": dW_x, "W_h": dW_h}
    if params.b is not None:
        grads["b"] = db
    return RawGradients(params=grads, dx=_input_gradient(params.W_x, dA), dh0=dh_rec, dc0=None,
                        dloss_dh=dH, dloss_dc=None)
