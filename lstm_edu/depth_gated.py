"""The depth-gated LSTM (Yao, Cohn, Vylomova, Duh and Dyer, "Depth-Gated LSTM", arXiv:1508.03790, 2015).

Two stacked LSTM layers with the same hidden size ``H``. The lower layer is the book's LSTM
(:func:`lstm_edu.cells.lstm_cell`) on the input ``x_t``; the upper layer reads the lower
layer's output ``h1_t`` like any stacked LSTM, and in addition its memory cell receives the
lower layer's memory cell ``c1_t`` through a *depth gate* ``d_t``::

    i, f, g, o = the LSTM gates of the upper layer on (h1_t, h2_{t-1})     (torch order)
    d_t  = sigmoid(h1_t W_d + w_cd * c2_{t-1} + w_ld * c1_t + b_d)          depth gate (B, H)
    c2_t = d_t * c1_t + f * c2_{t-1} + i * g
    h2_t = o * tanh(c2_t)

(``*`` elementwise; ``w_cd`` and ``w_ld`` are diagonal, peephole-like weights.) Yao et al.'s
gates also have peepholes; ours do not, like the book's vanilla LSTM. With ``depth_gate=False``
the term ``d_t * c1_t`` is gone and the model is a plain 2-layer stacked LSTM, the same
function as ``torch.nn.LSTM(num_layers=2)``.

- :func:`depth_gated_forward` -- the numpy reference, one loop over time.
- :class:`DepthGatedLSTM` -- the same model in torch, for training.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .cells import LSTMParams, lstm_cell
from .config import LSTMConfig
from .validation import as_float_array, check_bool, check_positive_int, check_seed, check_shape
from .variant_lstm import check_sequence_tensor

__all__ = ["DepthGatedConfig", "DepthGatedParams", "DepthGatedTrace", "depth_gated_forward", "DepthGatedLSTM"]

_DEPTH_FIELDS = ("W_d", "w_cd", "w_ld", "b_d")


@dataclass(frozen=True)
class DepthGatedConfig:
    """Sizes of a two-layer (depth-gated) LSTM.

    Parameters
    ----------
    input_size : int
        ``D``, features per step of the lower layer.
    hidden_size : int
        ``H``, units of both layers (the depth gate adds ``c1`` to ``c2`` unit by unit).
    depth_gate : bool, default True
        False gives the plain stacked LSTM.
    """

    input_size: int
    hidden_size: int
    depth_gate: bool = True

    def __post_init__(self) -> None:
        check_positive_int("input_size", self.input_size)
        check_positive_int("hidden_size", self.hidden_size)
        check_bool("depth_gate", self.depth_gate)

    @property
    def lower(self) -> LSTMConfig:
        """The lower layer's LSTMConfig ``(D, H)``."""
        return LSTMConfig(self.input_size, self.hidden_size)

    @property
    def upper(self) -> LSTMConfig:
        """The upper layer's LSTMConfig ``(H, H)``."""
        return LSTMConfig(self.hidden_size, self.hidden_size)


def _check_config(cfg, name: str = "cfg") -> DepthGatedConfig:
    if not isinstance(cfg, DepthGatedConfig):
        raise TypeError(f"{name}: expected a DepthGatedConfig, got {type(cfg).__name__}")
    return cfg


@dataclass
class DepthGatedParams:
    """Weights of the two layers and of the depth gate (None without it).

    Attributes
    ----------
    lower, upper : LSTMParams
        ``W_x (D, 4H)`` / ``(H, 4H)``, ``W_h (H, 4H)``, ``b (4H,)``, gate order i, f, g, o.
    W_d : ndarray (H, H) or None
        Depth gate's weights on the upper layer's input ``h1_t``.
    w_cd, w_ld, b_d : ndarray (H,) or None
        Diagonal weights on ``c2_{t-1}`` and ``c1_t``, and the bias.
    """

    lower: LSTMParams
    upper: LSTMParams
    W_d: np.ndarray | None = None
    w_cd: np.ndarray | None = None
    w_ld: np.ndarray | None = None
    b_d: np.ndarray | None = None

    @classmethod
    def init(cls, cfg: DepthGatedConfig, seed: int = 0) -> "DepthGatedParams":
        """torch's uniform ``U(-1/sqrt(H), 1/sqrt(H))`` for every weight, seeded."""
        cfg = _check_config(cfg)
        seed = check_seed("seed", seed)
        lower = LSTMParams.init(cfg.lower, seed=int(seed))
        upper = LSTMParams.init(cfg.upper, seed=int(seed) + 1)
        if not cfg.depth_gate:
            return cls(lower, upper)
        H = cfg.hidden_size
        bound = 1.0 / np.sqrt(H)
        rng = np.random.default_rng([int(seed), 2])
        return cls(lower, upper, W_d=rng.uniform(-bound, bound, (H, H)), w_cd=rng.uniform(-bound, bound, H),
                   w_ld=rng.uniform(-bound, bound, H), b_d=rng.uniform(-bound, bound, H))

    def checked(self, cfg: DepthGatedConfig) -> "DepthGatedParams":
        """Validated float64 copy (shapes against ``cfg``; depth fields None exactly without the gate)."""
        for name in ("lower", "upper"):
            if not isinstance(getattr(self, name), LSTMParams):
                kind = type(getattr(self, name)).__name__
                raise TypeError(f"params.{name}: expected LSTMParams, got {kind}")
        depth = {}
        H = cfg.hidden_size
        for name in _DEPTH_FIELDS:
            value = getattr(self, name)
            if not cfg.depth_gate:
                if value is not None:
                    raise ValueError(f"params.{name}: expected None for depth_gate=False, got an array")
                continue
            if value is None:
                raise ValueError(f"params.{name}: expected an array for depth_gate=True, got None")
            depth[name] = as_float_array(f"params.{name}", value, np.float64)
            check_shape(f"params.{name}", depth[name], (H, H) if name == "W_d" else (H,))
        lower = self.lower.checked(cfg.lower)
        upper = self.upper.checked(cfg.upper)
        return DepthGatedParams(lower, upper, **depth)


@dataclass(frozen=True)
class DepthGatedTrace:
    """States of both layers at every step, ``(T, B, H)`` each; ``d`` is None without the gate."""

    h1: np.ndarray
    c1: np.ndarray
    h2: np.ndarray
    c2: np.ndarray
    d: np.ndarray | None


def _sigmoid(a: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-a))


def _upper_step(params: DepthGatedParams, h1, c1, h2, c2, depth_gate: bool):
    """One step of the upper layer: ``(h2, c2, d)`` from the lower layer's ``h1_t, c1_t``."""
    H = h1.shape[1]
    pre = h1 @ params.upper.W_x + h2 @ params.upper.W_h + params.upper.b   # (B, 4H)
    i, f = _sigmoid(pre[:, :H]), _sigmoid(pre[:, H:2 * H])
    g, o = np.tanh(pre[:, 2 * H:3 * H]), _sigmoid(pre[:, 3 * H:])
    c_new = f * c2 + i * g                                                  # (B, H)
    d = None
    if depth_gate:
        d = _sigmoid(h1 @ params.W_d + params.w_cd * c2 + params.w_ld * c1 + params.b_d)  # (B, H)
        c_new = d * c1 + c_new
    return o * np.tanh(c_new), c_new, d


def depth_gated_forward(params: DepthGatedParams, x, cfg: DepthGatedConfig, state=None) -> DepthGatedTrace:
    """Run the two layers over ``x`` (Yao et al.'s equations, one step at a time).

    Parameters
    ----------
    params : DepthGatedParams
    x : array_like, shape (T, B, D)
        Time-major inputs.
    cfg : DepthGatedConfig
    state : tuple (h1, c1, h2, c2) of arrays (B, H), optional
        Initial states (default zeros).

    Returns
    -------
    DepthGatedTrace
    """
    cfg = _check_config(cfg)
    if not isinstance(params, DepthGatedParams):
        raise TypeError(f"params: expected DepthGatedParams, got {type(params).__name__}")
    params = params.checked(cfg)
    x = as_float_array("x", x, np.float64)
    check_shape("x", x, ("T", "B", cfg.input_size))
    T, B, _ = x.shape
    H = cfg.hidden_size
    if state is None:
        h1, c1, h2, c2 = (np.zeros((B, H)) for _ in range(4))
    elif not isinstance(state, (tuple, list)) or len(state) != 4:
        raise TypeError(f"state: expected a tuple (h1, c1, h2, c2), got {type(state).__name__}")
    else:
        h1, c1, h2, c2 = (as_float_array(f"state[{k}]", s, np.float64) for k, s in enumerate(state))
        for k, s in enumerate((h1, c1, h2, c2)):
            check_shape(f"state[{k}]", s, (B, H))
    out = {name: np.empty((T, B, H)) for name in ("h1", "c1", "h2", "c2", "d")}  # (T, B, H) each
    for t in range(T):
        (h1, c1), _ = lstm_cell(params.lower, x[t], (h1, c1), cfg.lower)
        h2, c2, d = _upper_step(params, h1, c1, h2, c2, cfg.depth_gate)
        for name, value in (("h1", h1), ("c1", c1), ("h2", h2), ("c2", c2), ("d", d)):
            if value is not None:
                out[name][t] = value
    return DepthGatedTrace(out["h1"], out["c1"], out["h2"], out["c2"], out["d"] if cfg.depth_gate else None)


def _lstm_gates(pre: torch.Tensor, H: int):
    """``i, f, g, o`` from a ``(B, 4H)`` pre-activation."""
    i, f, g, o = pre.split(H, dim=1)
    return torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)


class DepthGatedLSTM(nn.Module):
    """The two-layer depth-gated LSTM in torch (the equations of :func:`depth_gated_forward`).

    Parameters use the row-vector layout of :class:`DepthGatedParams`: ``lower_W_x (D, 4H)``,
    ``lower_W_h``, ``lower_b``, ``upper_W_x (H, 4H)``, ``upper_W_h``, ``upper_b`` and, with the
    gate, ``W_d (H, H)``, ``w_cd``, ``w_ld``, ``b_d (H,)``; all drawn from ``U(-1/sqrt(H), 1/sqrt(H))``
    with torch's generator.

    Parameters
    ----------
    config : DepthGatedConfig
    """

    def __init__(self, config: DepthGatedConfig) -> None:
        super().__init__()
        self.config = _check_config(config, "config")
        D, H = config.input_size, config.hidden_size
        shapes = {"lower_W_x": (D, 4 * H), "lower_W_h": (H, 4 * H), "lower_b": (4 * H,),
                  "upper_W_x": (H, 4 * H), "upper_W_h": (H, 4 * H), "upper_b": (4 * H,)}
        if config.depth_gate:
            shapes.update(W_d=(H, H), w_cd=(H,), w_ld=(H,), b_d=(H,))
        bound = 1.0 / np.sqrt(H)
        for name, shape in shapes.items():
            self.register_parameter(name, nn.Parameter(torch.empty(shape).uniform_(-bound, bound)))

    def load_params(self, params: DepthGatedParams) -> "DepthGatedLSTM":
        """Copy numpy weights in (cast to the module's dtype); returns ``self``."""
        if not isinstance(params, DepthGatedParams):
            raise TypeError(f"params: expected DepthGatedParams, got {type(params).__name__}")
        params = params.checked(self.config)
        values = {"lower_W_x": params.lower.W_x, "lower_W_h": params.lower.W_h, "lower_b": params.lower.b,
                  "upper_W_x": params.upper.W_x, "upper_W_h": params.upper.W_h, "upper_b": params.upper.b}
        if self.config.depth_gate:
            values.update({name: getattr(params, name) for name in _DEPTH_FIELDS})
        with torch.no_grad():
            for name, value in values.items():
                getattr(self, name).copy_(torch.from_numpy(value))
        return self

    def _check(self, x, state):
        D, H = self.config.input_size, self.config.hidden_size
        check_sequence_tensor(x, D)
        B = x.shape[0]
        if state is None:
            return tuple(x.new_zeros(B, H) for _ in range(4))
        if not isinstance(state, (tuple, list)) or len(state) != 4:
            raise TypeError(f"state: expected a tuple (h1, c1, h2, c2) of tensors, "
                            f"got {type(state).__name__}")
        for k, s in enumerate(state):
            if not isinstance(s, torch.Tensor) or tuple(s.shape) != (B, H):
                raise ValueError(f"state[{k}]: expected a tensor of shape ({B}, {H}), got "
                                 f"{tuple(s.shape) if isinstance(s, torch.Tensor) else type(s).__name__}")
        return tuple(state)

    def forward(self, x: torch.Tensor, state=None, return_cells: bool = False):
        """Run over ``x``.

        Parameters
        ----------
        x : Tensor (B, T, D)
            Batch-first inputs.
        state : tuple (h1, c1, h2, c2) of Tensors (B, H), optional
        return_cells : bool, default False
            Also return the upper layer's cell states ``(B, T, H)``.

        Returns
        -------
        output : Tensor (B, T, H)
            The upper layer's ``h2_t`` at every step.
        state : tuple (h1, c1, h2, c2)
            The final states.
        cells : Tensor (B, T, H)
            Only with ``return_cells``.
        """
        h1, c1, h2, c2 = self._check(x, state)
        check_bool("return_cells", return_cells)
        H = self.config.hidden_size
        lower_in = x @ self.lower_W_x + self.lower_b                                # (B, T, 4H)
        outputs, cells = [], []
        for t in range(x.shape[1]):
            i, f, g, o = _lstm_gates(lower_in[:, t] + h1 @ self.lower_W_h, H)
            c1 = f * c1 + i * g                                                     # (B, H)
            h1 = o * torch.tanh(c1)
            i, f, g, o = _lstm_gates(h1 @ self.upper_W_x + h2 @ self.upper_W_h + self.upper_b, H)
            c_new = f * c2 + i * g
            if self.config.depth_gate:
                d = torch.sigmoid(h1 @ self.W_d + self.w_cd * c2 + self.w_ld * c1 + self.b_d)
                c_new = d * c1 + c_new
            c2 = c_new
            h2 = o * torch.tanh(c2)
            outputs.append(h2)
            cells.append(c2)
        output = torch.stack(outputs, dim=1)                                        # (B, T, H)
        if return_cells:
            return output, (h1, c1, h2, c2), torch.stack(cells, dim=1)
        return output, (h1, c1, h2, c2)
