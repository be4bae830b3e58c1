"""Configurations of the three recurrent cells and the named LSTM variants.

The LSTM flags follow the variants that Olah's post shows and that Greff et al.
("LSTM: A Search Space Odyssey", IEEE TNNLS 2017) compare:

========== ===================================== ==========================================
name       flag override                         equation that changes
========== ===================================== ==========================================
vanilla    (none)                                the seeds' LSTM, as in ``torch.nn.LSTM``
peephole   ``peepholes=True``                    i, f also see c_{t-1}; o sees c_t
cifg       ``coupled=True``                      i_t = 1 - f_t
nfg        ``forget_gate=False``                 f_t = 1 (the 1997 LSTM)
nig        ``input_gate=False``                  i_t = 1
nog        ``output_gate=False``                 o_t = 1
noaf       ``output_activation=False``           h_t = o_t * c_t (no tanh)
========== ===================================== ==========================================

Two conventions differ from Greff et al.: their "vanilla" LSTM has peepholes (ours,
like the seeds and torch, has none), and their CIFG computes ``f = 1 - i`` from the
input gate's weights, while ours (like Olah's figure) computes ``i = 1 - f`` from the
forget gate's weights. Since ``1 - sigmoid(a) = sigmoid(-a)`` the two describe the same
family of functions.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from .validation import check_bool, check_positive_int

__all__ = ["LSTMConfig", "GRUConfig", "RNNConfig", "VARIANTS", "NONLINEARITIES"]

#: Named LSTM variants -> the LSTMConfig flags they override.
VARIANTS: dict[str, dict[str, bool]] = {
    "vanilla": {},
    "peephole": {"peepholes": True},
    "cifg": {"coupled": True},
    "nfg": {"forget_gate": False},
    "nig": {"input_gate": False},
    "nog": {"output_gate": False},
    "noaf": {"output_activation": False},
}

#: Nonlinearities accepted by RNNConfig (the same two as ``torch.nn.RNN``).
NONLINEARITIES = ("tanh", "relu")

_LSTM_FLAGS = ("peepholes", "forget_gate", "input_gate", "output_gate", "output_activation",
               "coupled", "bias")


@dataclass(frozen=True)
class LSTMConfig:
    """Sizes and architecture flags of an LSTM cell.

    Parameters
    ----------
    input_size : int
        Features per time step, ``D``.
    hidden_size : int
        Units in ``h_t`` and ``c_t``, ``H``.
    peepholes : bool, default False
        Peephole connections (Gers and Schmidhuber, 2000): the input and forget gates
        see ``c_{t-1}``, the output gate sees ``c_t``, through diagonal weights
        ``p_i, p_f, p_o`` of shape ``(H,)``.
    forget_gate : bool, default True
        False fixes ``f_t = 1`` (NFG; the original 1997 LSTM had no forget gate).
    input_gate : bool, default True
        False fixes ``i_t = 1`` (NIG).
    output_gate : bool, default True
        False fixes ``o_t = 1`` (NOG).
    output_activation : bool, default True
        False drops the tanh on the cell state: ``h_t = o_t * c_t`` (NOAF).
    coupled : bool, default False
        Coupled input and forget gate (CIFG): ``i_t = 1 - f_t``. Needs both gates enabled.
    bias : bool, default True
        Whether the gates have a bias (``torch.nn.LSTM(bias=...)``).

    Notes
    -----
    A disabled gate keeps its block of columns in ``W_x``, ``W_h`` and ``b`` (so every
    variant has the same parameter shapes and torch's gate order); that block is unused
    and its gradient is exactly zero.
    """

    input_size: int
    hidden_size: int
    peepholes: bool = False
    forget_gate: bool = True
    input_gate: bool = True
    output_gate: bool = True
    output_activation: bool = True
    coupled: bool = False
    bias: bool = True

    def __post_init__(self) -> None:
        check_positive_int("input_size", self.input_size)
        check_positive_int("hidden_size", self.hidden_size)
        for flag in _LSTM_FLAGS:
            check_bool(flag, getattr(self, flag))
        if self.coupled and not (self.forget_gate and self.input_gate):
            raise ValueError(
                "coupled: the coupled input-forget gate (i = 1 - f) needs forget_gate=True and "
                f"input_gate=True, got forget_gate={self.forget_gate}, input_gate={self.input_gate}"
            )

    @classmethod
    def variant(cls, name: str, input_size: int, hidden_size: int,
                **overrides: Any) -> "LSTMConfig":
        """Config of a named variant (a key of ``VARIANTS``), with optional extra flags.

        Parameters
        ----------
        name : str
            One of ``vanilla, peephole, cifg, nfg, nig, nog, noaf``.
        input_size, hidden_size : int
            Sizes ``D`` and ``H``.
        **overrides
            Further LSTMConfig fields, e.g. ``bias=False``.

        Returns
        -------
        LSTMConfig
        """
        if not isinstance(name, str) or name not in VARIANTS:
            raise ValueError(
                f"name: expected one of {', '.join(VARIANTS)}, got {name!r}"
            )
        fields = {**VARIANTS[name], **overrides}
        return cls(input_size=input_size, hidden_size=hidden_size, **fields)

    @property
    def variant_name(self) -> str | None:
        """The VARIANTS key whose flags this config has (bias aside), or None."""
        flags = {f: getattr(self, f) for f in _LSTM_FLAGS if f != "bias"}
        defaults = {f.name: f.default for f in dataclasses.fields(self) if f.name in flags}
        for name, override in VARIANTS.items():
            if flags == {**defaults, **override}:
                return name
        return None


@dataclass(frozen=True)
class GRUConfig:
    """Sizes of a GRU cell in torch's formulation (see :func:`lstm_edu.cells.gru_cell`).

    Parameters
    ----------
    input_size : int
        Features per time step, ``D``.
    hidden_size : int
        Units in ``h_t``, ``H``.
    bias : bool, default True
        Whether the gates have biases (``torch.nn.GRU(bias=...)``).
    """

    input_size: int
    hidden_size: int
    bias: bool = True

    def __post_init__(self) -> None:
        check_positive_int("input_size", self.input_size)
        check_positive_int("hidden_size", self.hidden_size)
        check_bool("bias", self.bias)


@dataclass(frozen=True)
class RNNConfig:
    """Sizes and nonlinearity of a vanilla (Elman) RNN cell, as ``torch.nn.RNN``.

    Parameters
    ----------
    input_size : int
        Features per time step, ``D``.
    hidden_size : int
        Units in ``h_t``, ``H``.
    nonlinearity : {"tanh", "relu"}, default "tanh"
        ``h_t = nonlinearity(x_t W_x + h_{t-1} W_h + b)``.
    bias : bool, default True
        Whether the cell has a bias.
    """

    input_size: int
    hidden_size: int
    nonlinearity: str = "tanh"
    bias: bool = True

    def __post_init__(self) -> None:
        check_positive_int("input_size", self.input_size)
        check_positive_int("hidden_size", self.hidden_size)
        check_bool("bias", self.bias)
        if self.nonlinearity not in NONLINEARITIES:
            raise ValueError(
                f"nonlinearity: expected one of {', '.join(NONLINEARITIES)}, "
                f"got {self.nonlinearity!r}"
            )
