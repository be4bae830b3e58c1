"""The parameters of the three recurrent cells, laid out as torch lays them out.

Stacked weights use torch's gate order and the "row vector times matrix" layout::

    LSTM  W_x (D, 4H)  W_h (H, 4H)  b (4H,)   blocks i, f, g, o   (g is the seeds' C~_t)
    GRU   W_x (D, 3H)  W_h (H, 3H)  b (3H,)   blocks r, z, n      and b_hn (H,)
    RNN   W_x (D, H)   W_h (H, H)   b (H,)

torch keeps two biases (``b_ih`` and ``b_hh``) that only ever appear summed, so we keep
their sum ``b``; the GRU is the exception, since its reset gate multiplies ``b_hn``.
``init`` draws them as torch's default initialisation does.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .config import GRUConfig, LSTMConfig, RNNConfig
from .validation import as_float_array, check_finite_real, check_seed, check_shape

__all__ = ["LSTMParams", "GRUParams", "RNNParams", "LSTM_GATES", "GRU_GATES", "lstm_active_gates",
           "stacked_input_weights"]

#: Gate blocks of the stacked LSTM weights, in torch's order.
LSTM_GATES = ("i", "f", "g", "o")
#: Gate blocks of the stacked GRU weights, in torch's order.
GRU_GATES = ("r", "z", "n")

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

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
        rng = np.random.default_rng(check_seed("seed", seed))
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
        rng = np.random.default_rng(check_seed("seed", seed))
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
        rng = np.random.default_rng(check_seed("seed", seed))
        bound, dtype = _init_bound(cfg, scale), _check_dtype_arg(dtype)
        D, H = cfg.input_size, cfg.hidden_size
        W_x = _uniform(rng, bound, (D, H), dtype)
        W_h = _uniform(rng, bound, (H, H), dtype)
        b = None
        if cfg.bias:
            b = _uniform(rng, bound, (H,), dtype) + _uniform(rng, bound, (H,), dtype)
        return cls(W_x=W_x, W_h=W_h, b=b)


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


