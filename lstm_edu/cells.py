"""The three recurrent cells: their parameters and one time step of each.

Conventions
-----------
Arrays are ``(B, ·)`` for one step (``B`` batch, ``D`` input, ``H`` hidden size).
Stacked weights use torch's gate order and the "row vector times matrix" layout::

    LSTM  W_x (D, 4H)  W_h (H, 4H)  b (4H,)   blocks i, f, g, o   (g is the seeds' C~_t)
    GRU   W_x (D, 3H)  W_h (H, 3H)  b (3H,)   blocks r, z, n      and b_hn (H,)
    RNN   W_x (D, H)   W_h (H, H)   b (H,)

torch keeps two biases (``b_ih`` and ``b_hh``) that only ever appear summed, so we keep
their sum ``b``; the GRU is the exception, since its reset gate multiplies ``b_hn``.

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

import dataclasses
import numbers
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._validate import (as_float_array, check_bool, check_finite_real, check_positive_int,
                        check_shape)
from .config import GRUConfig, LSTMConfig, RNNConfig

__all__ = [
    "LSTMParams",
    "GRUParams",
    "RNNParams",
    "lstm_cell",
    "gru_cell",
    "rnn_cell",
    "gated_memory",
    "GatedMemory",
    "LSTM_GATES",
    "GRU_GATES",
]

#: Gate blocks of the stacked LSTM weights, in torch's order.
LSTM_GATES = ("i", "f", "g", "o")
#: Gate blocks of the stacked GRU weights, in torch's order.
GRU_GATES = ("r", "z", "n")

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


# ----------------------------------------------------------------------------- parameters


def _check_dtype_arg(dtype: object) -> np.dtype:
    """Return ``dtype`` as float32 or float64, else raise TypeError."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved not in _FLOAT_DTYPES:
        raise TypeError(f"dtype: expected numpy.float32 or numpy.float64, got {dtype!r}")
    return resolved


def _uniform(rng: np.random.Generator, bound: float, shape: tuple, dtype: np.dtype) -> np.ndarray:
    """Draw U(-bound, bound) of ``shape`` in float64, then cast to ``dtype``."""
    return rng.uniform(-bound, bound, size=shape).astype(dtype)


def _init_bound(cfg, scale: float | None) -> float:
    """Half-width of the uniform init: ``scale`` or torch's 1 / sqrt(H)."""
    if scale is None:
        return 1.0 / np.sqrt(cfg.hidden_size)
    bound = check_finite_real("scale", scale)
    if bound < 0:
        raise ValueError(f"scale: expected a non-negative half-width, got {scale}")
    return bound


def _check_seed(seed: object) -> int:
    """Return ``seed`` if it is a non-negative int."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise TypeError(f"seed: expected a non-negative int, got {type(seed).__name__} {seed!r}")
    return int(seed)


@dataclass
class _Params:
    """Shared behaviour of the parameter containers (subclasses list ``_shapes``)."""

    def arrays(self) -> dict[str, np.ndarray]:
        """The parameters that exist (bias-free and peephole-free fields are None)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if getattr(self, f.name) is not None}

    @property
    def dtype(self) -> np.dtype:
        """Floating dtype of the parameters."""
        return self.W_x.dtype

    def copy(self):
        """Deep copy (new arrays)."""
        return type(self)(**{f.name: None if getattr(self, f.name) is None
                             else getattr(self, f.name).copy() for f in dataclasses.fields(self)})

    def checked(self, cfg):
        """Validated version: shapes match ``cfg``, finite, one float dtype (that of W_x)."""
        expected = self._shapes(cfg)
        dtype = None
        values = {}
        for field in dataclasses.fields(self):
            name = field.name
            value = getattr(self, name)
            if expected[name] is None:
                if value is not None:
                    raise ValueError(f"params.{name}: expected None for this config "
                                     f"({self._absent_reason(name)}), got an array")
                values[name] = None
                continue
            if value is None:
                raise ValueError(f"params.{name}: expected an array of shape {expected[name]}, "
                                 f"got None")
            array = as_float_array(f"params.{name}", value, dtype)
            dtype = array.dtype
            check_shape(f"params.{name}", array, expected[name])
            values[name] = array
        return type(self)(**values)

    @staticmethod
    def _absent_reason(name: str) -> str:
        """Why a field must be None."""
        return "bias=False" if name.startswith("b") else "peepholes=False"


@dataclass
class LSTMParams(_Params):
    """Weights of an LSTM cell (torch gate order i, f, g, o).

    Attributes
    ----------
    W_x : ndarray, shape (D, 4H)
        Input weights (torch's ``weight_ih_l0`` transposed).
    W_h : ndarray, shape (H, 4H)
        Recurrent weights (torch's ``weight_hh_l0`` transposed).
    b : ndarray, shape (4H,), or None
        Bias, torch's ``bias_ih_l0 + bias_hh_l0``; None when ``cfg.bias`` is False.
    p_i, p_f, p_o : ndarray, shape (H,), or None
        Diagonal peephole weights; None unless ``cfg.peepholes``.

    Notes
    -----
    A gate that the config disables keeps its columns; they are unused.
    """

    W_x: np.ndarray
    W_h: np.ndarray
    b: np.ndarray | None = None
    p_i: np.ndarray | None = None
    p_f: np.ndarray | None = None
    p_o: np.ndarray | None = None

    @staticmethod
    def _shapes(cfg: LSTMConfig) -> dict:
        """Expected shape of every field (None: must be absent)."""
        D, H = cfg.input_size, cfg.hidden_size
        peep = (H,) if cfg.peepholes else None
        return {"W_x": (D, 4 * H), "W_h": (H, 4 * H), "b": (4 * H,) if cfg.bias else None,
                "p_i": peep, "p_f": peep, "p_o": peep}

    @classmethod
    def init(cls, cfg: LSTMConfig, seed: int = 0, forget_bias: float = 0.0,
             scale: float | None = None, dtype=np.float64) -> "LSTMParams":
        """Random parameters drawn like torch's default initialisation.

        Parameters
        ----------
        cfg : LSTMConfig
        seed : int, default 0
            Seed of ``numpy.random.default_rng``.
        forget_bias : float, default 0.0
            Added to the forget gate's bias block (1.0 is the common choice that starts
            the cell remembering); needs ``cfg.bias``.
        scale : float, optional
            Half-width of the uniform distribution; default ``1 / sqrt(H)`` as torch.
        dtype : numpy.float64 or numpy.float32

        Returns
        -------
        LSTMParams
            ``W_x, W_h`` ~ U(-scale, scale); ``b`` is the sum of two such draws (torch's
            ``b_ih + b_hh``); peephole weights ~ U(-scale, scale).
        """
        if not isinstance(cfg, LSTMConfig):
            raise TypeError(f"cfg: expected an LSTMConfig, got {type(cfg).__name__}")
        rng = np.random.default_rng(_check_seed(seed))
        bound, dtype = _init_bound(cfg, scale), _check_dtype_arg(dtype)
        forget_bias = check_finite_real("forget_bias", forget_bias)
        D, H = cfg.input_size, cfg.hidden_size
        W_x = _uniform(rng, bound, (D, 4 * H), dtype)
        W_h = _uniform(rng, bound, (H, 4 * H), dtype)
        b = None
        if cfg.bias:
            b = _uniform(rng, bound, (4 * H,), dtype) + _uniform(rng, bound, (4 * H,), dtype)
            b[H:2 * H] += forget_bias
        elif forget_bias != 0.0:
            raise ValueError(f"forget_bias: the config has bias=False, so forget_bias must be 0.0, "
                             f"got {forget_bias}")
        peep = {}
        if cfg.peepholes:
            peep = {name: _uniform(rng, bound, (H,), dtype) for name in ("p_i", "p_f", "p_o")}
        return cls(W_x=W_x, W_h=W_h, b=b, **peep)


@dataclass
class GRUParams(_Params):
    """Weights of a GRU cell in torch's formulation (gate order r, z, n).

    Attributes
    ----------
    W_x : ndarray, shape (D, 3H)
    W_h : ndarray, shape (H, 3H)
    b : ndarray, shape (3H,), or None
        ``[b_ir + b_hr, b_iz + b_hz, b_in]`` in torch's names.
    b_hn : ndarray, shape (H,), or None
        torch's ``b_hn``, kept apart because the reset gate multiplies it.
    """

    W_x: np.ndarray
    W_h: np.ndarray
    b: np.ndarray | None = None
    b_hn: np.ndarray | None = None

    @staticmethod
    def _shapes(cfg: GRUConfig) -> dict:
        """Expected shape of every field (None: must be absent)."""
        D, H = cfg.input_size, cfg.hidden_size
        return {"W_x": (D, 3 * H), "W_h": (H, 3 * H), "b": (3 * H,) if cfg.bias else None,
                "b_hn": (H,) if cfg.bias else None}

    @classmethod
    def init(cls, cfg: GRUConfig, seed: int = 0, scale: float | None = None,
             dtype=np.float64) -> "GRUParams":
        """Random parameters drawn like torch's default initialisation (see LSTMParams.init)."""
        if not isinstance(cfg, GRUConfig):
            raise TypeError(f"cfg: expected a GRUConfig, got {type(cfg).__name__}")
        rng = np.random.default_rng(_check_seed(seed))
        bound, dtype = _init_bound(cfg, scale), _check_dtype_arg(dtype)
        D, H = cfg.input_size, cfg.hidden_size
        W_x = _uniform(rng, bound, (D, 3 * H), dtype)
        W_h = _uniform(rng, bound, (H, 3 * H), dtype)
        b = b_hn = None
        if cfg.bias:
            b_ih = _uniform(rng, bound, (3 * H,), dtype)
            b_hh = _uniform(rng, bound, (3 * H,), dtype)
            b = np.concatenate([b_ih[:2 * H] + b_hh[:2 * H], b_ih[2 * H:]])
            b_hn = b_hh[2 * H:].copy()
        return cls(W_x=W_x, W_h=W_h, b=b, b_hn=b_hn)


@dataclass
class RNNParams(_Params):
    """Weights of a vanilla RNN cell.

    Attributes
    ----------
    W_x : ndarray, shape (D, H)
    W_h : ndarray, shape (H, H)
    b : ndarray, shape (H,), or None
        torch's ``bias_ih_l0 + bias_hh_l0``.
    """

    W_x: np.ndarray
    W_h: np.ndarray
    b: np.ndarray | None = None

    @staticmethod
    def _shapes(cfg: RNNConfig) -> dict:
        """Expected shape of every field (None: must be absent)."""
        D, H = cfg.input_size, cfg.hidden_size
        return {"W_x": (D, H), "W_h": (H, H), "b": (H,) if cfg.bias else None}

    @classmethod
    def init(cls, cfg: RNNConfig, seed: int = 0, scale: float | None = None,
             dtype=np.float64) -> "RNNParams":
        """Random parameters drawn like torch's default initialisation (see LSTMParams.init)."""
        if not isinstance(cfg, RNNConfig):
            raise TypeError(f"cfg: expected an RNNConfig, got {type(cfg).__name__}")
        rng = np.random.default_rng(_check_seed(seed))
        bound, dtype = _init_bound(cfg, scale), _check_dtype_arg(dtype)
        D, H = cfg.input_size, cfg.hidden_size
        W_x = _uniform(rng, bound, (D, H), dtype)
        W_h = _uniform(rng, bound, (H, H), dtype)
        b = None
        if cfg.bias:
            b = _uniform(rng, bound, (H,), dtype) + _uniform(rng, bound, (H,), dtype)
        return cls(W_x=W_x, W_h=W_h, b=b)


# ----------------------------------------------------------------------------- step kernels
# Each kernel computes one time step in place, in arrays owned by the caller, so that
# the sequence forward (lstm_edu.sequence) and the single-step cells below share it.
# Kernels work "feature-major": every per-step array is (features, B), e.g. h is (H, B)
# and the stacked gates (4H, B). With B as the last axis the recurrent product
# W_h^T h runs markedly faster in OpenBLAS than h W_h (measured at B=32, H=64), and
# each gate is a contiguous block of rows. The caller must run kernels under
# ``np.errstate(over="ignore")``: exp(-a) overflows to inf for a < -709, giving the
# exact sigmoid 0.


def _sigmoid(pre: np.ndarray, out: np.ndarray) -> None:
    """out = 1 / (1 + exp(-pre)) (torch's formula; exactly 0 or 1 far in the tails)."""
    np.negative(pre, out=out)
    np.exp(out, out=out)
    np.add(out, 1.0, out=out)
    np.reciprocal(out, out=out)


def lstm_active_gates(cfg: LSTMConfig) -> tuple[str, ...]:
    """Gates computed from their own pre-activation under ``cfg`` (g always is)."""
    active = []
    for gate in LSTM_GATES:
        if gate == "i" and (cfg.coupled or not cfg.input_gate):
            continue
        if (gate == "f" and not cfg.forget_gate) or (gate == "o" and not cfg.output_gate):
            continue
        active.append(gate)
    return tuple(active)


def stacked_input_weights(params) -> np.ndarray:
    """``[W_x^T | b]`` (G*H, D+1): one product with ``[x; 1]`` gives x W_x + b."""
    W_x = params.W_x                                           # (D, G*H)
    stacked = np.zeros((W_x.shape[1], W_x.shape[0] + 1), dtype=W_x.dtype)
    stacked[:, :-1] = W_x.T
    if params.b is not None:
        stacked[:, -1] = params.b
    return stacked


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


# ----------------------------------------------------------------------------- cells


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
    """Validate one (B, H) state array and return it feature-major (H, B)."""
    value = as_float_array(name, value, dtype)
    check_shape(name, value, (batch, cfg.hidden_size))
    return np.ascontiguousarray(value.T)


def _input_projection(params, x_t: np.ndarray) -> np.ndarray:
    """(x_t W_x + b)^T as a new feature-major array (G*H, B)."""
    ones = np.ones((1, x_t.shape[0]), dtype=x_t.dtype)
    return stacked_input_weights(params) @ np.concatenate([x_t.T, ones])


def _rows(stacked: np.ndarray, names, H: int) -> dict[str, np.ndarray]:
    """Gate blocks of a feature-major (G*H, B) array, as (B, H) arrays."""
    return {name: stacked[k * H:(k + 1) * H].T for k, name in enumerate(names)}


def lstm_cell(params: LSTMParams, x_t, state, cfg: LSTMConfig):
    """One LSTM time step.

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
    x_t = _check_step_input(params, cfg, x_t)
    if not isinstance(state, (tuple, list)) or len(state) != 2:
        raise TypeError(f"state: expected a tuple (h_prev, c_prev), got {type(state).__name__}")
    B, H = x_t.shape[0], cfg.hidden_size
    h_prev = _check_step_state("state[0] (h_prev)", state[0], B, cfg, params.dtype)  # (H, B)
    c_prev = _check_step_state("state[1] (c_prev)", state[1], B, cfg, params.dtype)  # (H, B)
    pre = _input_projection(params, x_t)                     # (4H, B)
    gates = np.empty_like(pre)                               # (4H, B)
    c, h = np.empty((H, B), params.dtype), np.empty((H, B), params.dtype)
    c_out = np.empty_like(c) if cfg.output_activation else c
    with np.errstate(over="ignore"):
        LSTMStep(params, cfg, B)(pre, gates, h_prev, c_prev, c, c_out, h)
    active = lstm_active_gates(cfg)
    cache = {f"pre_{g}": v for g, v in _rows(pre, LSTM_GATES, H).items() if g in active}
    cache.update(_rows(gates, LSTM_GATES, H))
    cache.update(cell_output=c_out.T, h_prev=h_prev.T, c_prev=c_prev.T)
    return (h.T, c.T), cache


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
    x_t = _check_step_input(params, cfg, x_t)
    B, H = x_t.shape[0], cfg.hidden_size
    h_prev = _check_step_state("h_prev", h_prev, B, cfg, params.dtype)   # (H, B)
    pre = _input_projection(params, x_t)                     # (3H, B)
    gates = np.empty_like(pre)
    hn, h = np.empty((H, B), params.dtype), np.empty((H, B), params.dtype)
    with np.errstate(over="ignore"):
        GRUStep(params, cfg, B)(pre, gates, hn, h_prev, h)
    cache = {f"pre_{g}": v for g, v in _rows(pre, GRU_GATES, H).items()}
    cache.update(_rows(gates, GRU_GATES, H))
    cache.update(hn=hn.T, h_prev=h_prev.T)
    return h.T, cache


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
    x_t = _check_step_input(params, cfg, x_t)
    B, H = x_t.shape[0], cfg.hidden_size
    h_prev = _check_step_state("h_prev", h_prev, B, cfg, params.dtype)   # (H, B)
    pre = _input_projection(params, x_t)                     # (H, B)
    h = np.empty((H, B), params.dtype)
    RNNStep(params, cfg, B)(pre, h_prev, h)
    return h.T, {"pre_h": pre.T, "h_prev": h_prev.T}


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
