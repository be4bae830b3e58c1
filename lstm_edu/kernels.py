"""The fast path: one step of each cell, in place, feature-major (used by lstm_edu.sequence).

The reference cells of :mod:`lstm_edu.cells` state the equations plainly; these kernels
compute the same thing on preallocated ``(features, batch)`` arrays with ``out=`` calls,
so a sequence of T steps allocates nothing per step. They are never derived on their own:
tests/test_kernels.py holds every kernel, for every LSTM variant, to the reference cell.
"""
from __future__ import annotations

import numpy as np

from .config import GRUConfig, LSTMConfig, RNNConfig
from .params import GRUParams, LSTMParams, RNNParams

__all__ = ["LSTMStep", "GRUStep", "RNNStep"]


def _sigmoid(pre: np.ndarray, out: np.ndarray) -> None:
    """out = 1 / (1 + exp(-pre)) (torch's formula; exactly 0 or 1 far in the tails)."""
    np.negative(pre, out=out)
    np.exp(out, out=out)
    np.add(out, 1.0, out=out)
    np.reciprocal(out, out=out)


def _columns(vector: np.ndarray, batch: int) -> np.ndarray:
    """(H,) -> (H, B), the vector repeated in every column (no broadcasting per step)."""
    return np.repeat(vector[:, None], batch, axis=1)


class LSTMStep:
    """One LSTM step, in place, feature-major; build once per sequence (internal)."""

    def __init__(self, params: LSTMParams, cfg: LSTMConfig, batch: int):
        H = cfg.hidden_size
        self.H = H
        self.W_hT = np.ascontiguousarray(params.W_h.T)                    # (4H, H)
        self.peepholes = None
        if cfg.peepholes:
            self.peepholes = tuple(_columns(p, batch) for p in (params.p_i, params.p_f, params.p_o))
        self.fixed_input = not cfg.input_gate                            # i = 1 (NIG)
        self.fixed_forget = not cfg.forget_gate                          # f = 1 (NFG)
        self.fixed_output = not cfg.output_gate                          # o = 1 (NOG)
        self.coupled = cfg.coupled                                       # i = 1 - f (CIFG)
        self.output_activation = cfg.output_activation
        self.recurrent = np.empty((4 * H, batch), dtype=params.dtype)   # (4H, B) scratch
        self.scratch = np.empty((H, batch), dtype=params.dtype)         # (H, B) scratch

    def __call__(self, pre, gates, h_prev, c_prev, c, c_out, h) -> None:
        """pre (4H,B): x_t W_x + b on entry, pre-activations on exit; fills gates, c, c_out, h.

        ``h_prev, c_prev, c, c_out, h`` are (H, B); ``c_out`` is tanh(c), or ``c`` itself
        (the same array) for NOAF.
        """
        H = self.H
        np.matmul(self.W_hT, h_prev, out=self.recurrent)
        np.add(pre, self.recurrent, out=pre)
        i, f, g, o = gates[:H], gates[H:2 * H], gates[2 * H:3 * H], gates[3 * H:]
        if self.peepholes is not None:                                   # i, f see c_{t-1}
            for block, weight in ((slice(0, H), self.peepholes[0]),
                                  (slice(H, 2 * H), self.peepholes[1])):
                np.multiply(weight, c_prev, out=self.scratch)
                np.add(pre[block], self.scratch, out=pre[block])
        _sigmoid(pre[:2 * H], gates[:2 * H])
        np.tanh(pre[2 * H:3 * H], out=g)
        if self.fixed_input:
            i.fill(1.0)
        if self.fixed_forget:
            f.fill(1.0)
        if self.coupled:
            np.subtract(1.0, f, out=i)
        np.multiply(f, c_prev, out=c)
        np.multiply(i, g, out=self.scratch)
        np.add(c, self.scratch, out=c)
        if self.peepholes is not None:                                   # o sees c_t
            np.multiply(self.peepholes[2], c, out=self.scratch)
            np.add(pre[3 * H:], self.scratch, out=pre[3 * H:])
        _sigmoid(pre[3 * H:], o)
        if self.fixed_output:
            o.fill(1.0)
        if self.output_activation:
            np.tanh(c, out=c_out)
        np.multiply(o, c_out, out=h)


class GRUStep:
    """One GRU step (torch's formulation), in place, feature-major (internal)."""

    def __init__(self, params: GRUParams, cfg: GRUConfig, batch: int):
        self.H = cfg.hidden_size
        self.W_hT = np.ascontiguousarray(params.W_h.T)                   # (3H, H)
        self.b_hn = None if params.b_hn is None else _columns(params.b_hn, batch)  # (H, B)
        self.recurrent = np.empty((3 * self.H, batch), dtype=params.dtype)   # (3H, B) scratch

    def __call__(self, pre, gates, hn, h_prev, h) -> None:
        """pre (3H,B): x_t W_x + b on entry, pre-activations on exit; fills gates, hn, h.

        ``hn`` (H,B) receives ``h_prev W_hn + b_hn``, the term the reset gate scales.
        """
        H = self.H
        np.matmul(self.W_hT, h_prev, out=self.recurrent)
        rz_pre = pre[:2 * H]
        np.add(rz_pre, self.recurrent[:2 * H], out=rz_pre)
        _sigmoid(rz_pre, gates[:2 * H])
        if self.b_hn is None:
            np.copyto(hn, self.recurrent[2 * H:])
        else:
            np.add(self.recurrent[2 * H:], self.b_hn, out=hn)
        r, z, n = gates[:H], gates[H:2 * H], gates[2 * H:]
        n_pre = pre[2 * H:]
        np.multiply(r, hn, out=n)
        np.add(n_pre, n, out=n_pre)
        np.tanh(n_pre, out=n)
        np.subtract(h_prev, n, out=h)  # h = n + z * (h_prev - n)
        np.multiply(h, z, out=h)
        np.add(h, n, out=h)


class RNNStep:
    """One vanilla RNN step, in place, feature-major (internal)."""

    def __init__(self, params: RNNParams, cfg: RNNConfig, batch: int):
        self.W_hT = np.ascontiguousarray(params.W_h.T)                   # (H, H)
        self.relu = cfg.nonlinearity == "relu"

    def __call__(self, pre, h_prev, h) -> None:
        """pre (H,B): x_t W_x + b on entry, pre-activation on exit; fills h (H,B)."""
        np.matmul(self.W_hT, h_prev, out=h)
        np.add(pre, h, out=pre)
        if self.relu:
            np.maximum(pre, 0.0, out=h)
        else:
            np.tanh(pre, out=h)
