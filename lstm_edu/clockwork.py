"""The Clockwork RNN (Koutník, Greff, Gomez and Schmidhuber, "A Clockwork RNN", ICML 2014).

A vanilla (Elman) RNN whose hidden units are split into ``g`` modules of ``k`` units each.
Module ``m`` has a clock period ``T_m``; at step ``t`` (counted from 0) it is recomputed only
when ``t mod T_m == 0`` and otherwise keeps its previous value. Modules are sorted by
period, fast to slow, and a module reads the recurrent state of modules at least as slow as
itself only ("slow to fast" connections)::

    a_t      = x_t W_x + h_{t-1} (W_h * M) + b                (B, H)
    h_t[m]   = tanh(a_t[m])     if t mod T_m == 0             module m's k units
    h_t[m]   = h_{t-1}[m]       otherwise

with ``M[j, u] = 1`` when the period of unit ``j`` (source) is at least that of unit ``u``
(destination), else 0. The paper writes the same with column vectors and a block
upper-triangular ``W_H``; its experiments use periods ``T_m = 2^(m-1)``
(:meth:`ClockworkConfig.exponential`). Layout here as in :mod:`lstm_edu.cells`: row vector
times matrix, ``W_x (D, H)``, ``W_h (H, H)``, ``b (H,)``, ``H = g k``. Entries of ``W_h``
outside the mask are never read (their torch gradient is exactly zero).

- :func:`clockwork_forward` -- the numpy reference, one loop over time.
- :class:`ClockworkRNN` -- the same layer in torch, for training.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .validation import as_float_array, check_positive_int, check_seed, check_shape
from .variant_lstm import check_sequence_tensor

__all__ = [
    "ClockworkConfig",
    "ClockworkParams",
    "check_periods",
    "update_schedule",
    "connectivity_mask",
    "clockwork_forward",
    "ClockworkRNN",
]


def check_periods(periods) -> tuple:
    """``periods`` as a tuple of strictly increasing positive ints (numpy ints accepted)."""
    if not isinstance(periods, (tuple, list)):
        raise TypeError(f"periods: expected a tuple of positive ints, got "
                        f"{type(periods).__name__} {periods!r}")
    if not periods:
        raise ValueError("periods: expected at least one period, got an empty tuple")
    for value in periods:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
            raise TypeError(f"periods: expected positive ints, got {type(value).__name__} {value!r} "
                            f"in {periods!r}")
        if value < 1:
            raise ValueError(f"periods: expected positive ints, got {value} in {tuple(periods)!r}")
    out = tuple(int(v) for v in periods)
    if any(b <= a for a, b in zip(out, out[1:])):
        raise ValueError(f"periods: expected strictly increasing periods (fast to slow), got {out!r}")
    return out


@dataclass(frozen=True)
class ClockworkConfig:
    """Sizes and clock periods of a Clockwork RNN layer.

    Parameters
    ----------
    input_size : int
        Features per step, ``D``.
    module_size : int
        Units per module, ``k``.
    periods : tuple of int, default (1, 2, 4, 8)
        Clock period of each module, strictly increasing (fast to slow).
    """

    input_size: int
    module_size: int
    periods: tuple = (1, 2, 4, 8)

    def __post_init__(self) -> None:
        check_positive_int("input_size", self.input_size)
        check_positive_int("module_size", self.module_size)
        object.__setattr__(self, "periods", check_periods(self.periods))

    @classmethod
    def exponential(cls, input_size: int, module_size: int, modules: int) -> "ClockworkConfig":
        """The paper's choice: ``modules`` modules with periods 1, 2, 4, ..., 2^(modules-1)."""
        modules = check_positive_int("modules", modules)
        return cls(input_size, module_size, tuple(2 ** m for m in range(modules)))

    @property
    def hidden_size(self) -> int:
        """``H = g k``."""
        return self.module_size * len(self.periods)

    @property
    def unit_periods(self) -> np.ndarray:
        """Period of every hidden unit, ``(H,)`` int."""
        return np.repeat(np.array(self.periods, dtype=np.int64), self.module_size)


def _check_config(cfg, name: str = "cfg") -> ClockworkConfig:
    if not isinstance(cfg, ClockworkConfig):
        raise TypeError(f"{name}: expected a ClockworkConfig, got {type(cfg).__name__}")
    return cfg


def update_schedule(periods, steps: int) -> np.ndarray:
    """Which modules update at which step: ``(steps, g)`` bool, ``t mod T_m == 0``.

    Parameters
    ----------
    periods : tuple of int
        Strictly increasing clock periods.
    steps : int
        Number of time steps ``T`` (steps are counted from 0, so every module updates at t = 0).
    """
    periods = np.array(check_periods(periods))                 # (g,)
    steps = check_positive_int("steps", steps)
    return np.arange(steps)[:, None] % periods[None, :] == 0   # (T, g)


def connectivity_mask(cfg: ClockworkConfig) -> np.ndarray:
    """``(H, H)`` float mask of ``W_h``: entry ``[j, u]`` is 1 when unit ``j`` feeds unit ``u``.

    Unit ``j`` feeds unit ``u`` when ``j``'s module is at least as slow as ``u``'s: slow modules
    feed fast ones, never the reverse; units within a module are fully connected.
    """
    periods = _check_config(cfg).unit_periods                  # (H,)
    return (periods[:, None] >= periods[None, :]).astype(np.float64)


@dataclass
class ClockworkParams:
    """Weights of a Clockwork RNN layer (row-vector layout).

    Attributes
    ----------
    W_x : ndarray (D, H)
    W_h : ndarray (H, H)
        Recurrent weights; only the entries where :func:`connectivity_mask` is 1 are used.
    b : ndarray (H,)
    """

    W_x: np.ndarray
    W_h: np.ndarray
    b: np.ndarray

    @classmethod
    def init(cls, cfg: ClockworkConfig, seed: int = 0, scale: float | None = None) -> "ClockworkParams":
        """Uniform ``U(-s, s)`` with ``s = 1/sqrt(H)`` (torch's RNN default) or ``scale``; the
        unused entries of ``W_h`` are set to 0."""
        cfg = _check_config(cfg)
        seed = check_seed("seed", seed)
        H, D = cfg.hidden_size, cfg.input_size
        if scale is None:
            bound = 1.0 / np.sqrt(H)
        elif isinstance(scale, bool) or not isinstance(scale, numbers.Real) or not np.isfinite(scale):
            raise TypeError(f"scale: expected a finite real number or None, got "
                            f"{type(scale).__name__} {scale!r}")
        elif scale < 0:
            raise ValueError(f"scale: expected a non-negative half-width, got {scale}")
        else:
            bound = float(scale)
        rng = np.random.default_rng(int(seed))
        W_x = rng.uniform(-bound, bound, (D, H))
        W_h = rng.uniform(-bound, bound, (H, H)) * connectivity_mask(cfg)
        return cls(W_x=W_x, W_h=W_h, b=rng.uniform(-bound, bound, H))

    def checked(self, cfg: ClockworkConfig) -> "ClockworkParams":
        """Validated float64 copy: shapes match ``cfg``, values finite."""
        H, D = cfg.hidden_size, cfg.input_size
        arrays = {}
        for name, shape in (("W_x", (D, H)), ("W_h", (H, H)), ("b", (H,))):
            array = as_float_array(f"params.{name}", getattr(self, name), np.float64)
            check_shape(f"params.{name}", array, shape)
            arrays[name] = array
        return ClockworkParams(**arrays)


def _check_state(name: str, value, B: int, H: int) -> np.ndarray:
    if value is None:
        return np.zeros((B, H))
    array = as_float_array(name, value, np.float64)
    check_shape(name, array, (B, H))
    return array


def clockwork_forward(params: ClockworkParams, x, cfg: ClockworkConfig, h0=None) -> np.ndarray:
    """Run a Clockwork RNN layer over ``x``: the paper's equations, one step at a time.

    Parameters
    ----------
    params : ClockworkParams
    x : array_like, shape (T, B, D)
        Time-major inputs.
    cfg : ClockworkConfig
    h0 : array_like, shape (B, H), optional
        Initial state (default zeros).

    Returns
    -------
    ndarray, shape (T, B, H)
        The hidden state after every step.
    """
    cfg = _check_config(cfg)
    if not isinstance(params, ClockworkParams):
        raise TypeError(f"params: expected ClockworkParams, got {type(params).__name__}")
    params = params.checked(cfg)
    x = as_float_array("x", x, np.float64)
    check_shape("x", x, ("T", "B", cfg.input_size))
    T, B, _ = x.shape
    h = _check_state("h0", h0, B, cfg.hidden_size)             # (B, H)
    W_h = params.W_h * connectivity_mask(cfg)                  # (H, H) slow -> fast only
    active = np.repeat(update_schedule(cfg.periods, T), cfg.module_size, axis=1)  # (T, H)
    states = np.empty((T, B, cfg.hidden_size))                 # (T, B, H)
    for t in range(T):
        candidate = np.tanh(x[t] @ params.W_x + h @ W_h + params.b)  # (B, H)
        h = np.where(active[t], candidate, h)                  # inactive modules keep h_{t-1}
        states[t] = h
    return states


class ClockworkRNN(nn.Module):
    """A Clockwork RNN layer in torch (the equations of :func:`clockwork_forward`).

    Parameters ``weight_ih (D, H)``, ``weight_hh (H, H)``, ``bias (H,)`` use the row-vector
    layout of :class:`ClockworkParams` (not torch's ``(out, in)``); ``weight_hh`` is multiplied
    by the connectivity mask at every step, so its unused entries get zero gradient.
    Initialised as :meth:`ClockworkParams.init` does, from torch's generator.

    Parameters
    ----------
    config : ClockworkConfig
    """

    def __init__(self, config: ClockworkConfig) -> None:
        super().__init__()
        self.config = _check_config(config, "config")
        H, D = config.hidden_size, config.input_size
        bound = 1.0 / np.sqrt(H)
        mask = torch.tensor(connectivity_mask(config), dtype=torch.get_default_dtype())
        self.register_buffer("mask", mask)                     # (H, H)
        self.weight_ih = nn.Parameter(torch.empty(D, H).uniform_(-bound, bound))
        self.weight_hh = nn.Parameter(torch.empty(H, H).uniform_(-bound, bound) * mask)
        self.bias = nn.Parameter(torch.empty(H).uniform_(-bound, bound))
        self.register_buffer("unit_periods", torch.tensor(config.unit_periods))  # (H,)

    def used_parameters(self) -> int:
        """Weights the layer reads: ``D H + (entries of the mask) + H``."""
        return int(self.weight_ih.numel() + self.mask.sum().item() + self.bias.numel())

    def load_params(self, params: ClockworkParams) -> "ClockworkRNN":
        """Copy numpy weights in (cast to the module's dtype); returns ``self``."""
        if not isinstance(params, ClockworkParams):
            raise TypeError(f"params: expected ClockworkParams, got {type(params).__name__}")
        params = params.checked(self.config)
        with torch.no_grad():
            for name in ("W_x", "W_h", "b"):
                target = {"W_x": self.weight_ih, "W_h": self.weight_hh, "b": self.bias}[name]
                target.copy_(torch.from_numpy(getattr(params, name)))
        return self

    def forward(self, x: torch.Tensor, h0: torch.Tensor | None = None):
        """Run over ``x``.

        Parameters
        ----------
        x : Tensor (B, T, D)
            Batch-first inputs.
        h0 : Tensor (B, H), optional

        Returns
        -------
        output : Tensor (B, T, H)
            Hidden state after every step.
        h_T : Tensor (B, H)
        """
        D, H = self.config.input_size, self.config.hidden_size
        check_sequence_tensor(x, D)
        B, T, _ = x.shape
        if h0 is None:
            h = x.new_zeros(B, H)
        elif not isinstance(h0, torch.Tensor) or tuple(h0.shape) != (B, H):
            raise ValueError(f"h0: expected a tensor of shape ({B}, {H}), got "
                             f"{tuple(h0.shape) if isinstance(h0, torch.Tensor) else type(h0).__name__}")
        else:
            h = h0
        W_h = self.weight_hh * self.mask                       # (H, H)
        projected = x @ self.weight_ih + self.bias             # (B, T, H)
        outputs = []
        for t in range(T):
            candidate = torch.tanh(projected[:, t] + h @ W_h)  # (B, H)
            h = torch.where(t % self.unit_periods == 0, candidate, h)
            outputs.append(h)
        return torch.stack(outputs, dim=1), h
