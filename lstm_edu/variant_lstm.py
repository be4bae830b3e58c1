"""A torch LSTM layer that can drop any part of the cell: :class:`VariantLSTM`.

Torch's ``nn.LSTM`` cannot drop a gate, so the ablation experiments use this layer. Pieces:

- :class:`LSTMFlags` -- which parts of the cell are present (the flags of
  :class:`lstm_edu.config.LSTMConfig`), and :data:`VARIANT_FLAGS`, the named variants
  (lstm_edu's and Greff et al.'s);
- :class:`VariantLSTM` -- the layer, torch's layout and initialisation; its recurrence
  and hand-written backward pass are :class:`~lstm_edu.variant_recurrence.VariantRecurrence`;
- :func:`check_sequence_tensor` -- the input check shared with :mod:`lstm_edu.models`.

Shapes: ``B`` batch, ``T`` steps, ``D`` input size, ``H`` hidden size. Gate order in
stacked weights is torch's: ``i, f, g, o`` (``g`` is the candidate :math:`\\tilde C_t`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields

import torch
from torch import nn

from .config import VARIANTS
from .validation import check_bool, check_positive_int
from .variant_recurrence import VariantRecurrence

__all__ = [
    "LSTMFlags",
    "VARIANT_FLAGS",
    "resolve_flags",
    "check_sequence_tensor",
    "VariantLSTM",
]


@dataclass(frozen=True)
class LSTMFlags:
    """Which parts of the LSTM cell are present (mirrors ``lstm_edu.config.LSTMConfig``).

    Attributes
    ----------
    peepholes : bool
        Gates also see the cell state (input and forget gates ``c_{t-1}``, output gate ``c_t``).
    forget_gate, input_gate, output_gate : bool
        ``False`` fixes that gate to 1 (NFG, NIG, NOG of Greff et al. 2017).
    output_activation : bool
        ``False`` gives ``h_t = o_t * c_t`` (NOAF).
    coupled : bool
        ``True`` ties the input gate to the forget gate, ``i_t = 1 - f_t`` (CIFG).
    """

    peepholes: bool = False
    forget_gate: bool = True
    input_gate: bool = True
    output_gate: bool = True
    output_activation: bool = True
    coupled: bool = False

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, bool):
                raise TypeError(f"{field.name}: expected a bool, got {type(value).__name__}")
        if self.coupled and not (self.forget_gate and self.input_gate):
            raise ValueError(
                "coupled: a coupled input-forget gate needs forget_gate=True and input_gate=True, "
                f"got forget_gate={self.forget_gate}, input_gate={self.input_gate}"
            )

    @classmethod
    def from_config(cls, config) -> "LSTMFlags":
        """Read the flags from any object with the same attribute names (e.g. ``LSTMConfig``)."""
        if getattr(config, "bias", True) is False:
            raise ValueError("variant: VariantLSTM always has biases, got a config with bias=False")
        return cls(**{f.name: bool(getattr(config, f.name)) for f in fields(cls)})


# Named variants: lstm_edu's (``lstm_edu.config.VARIANTS``; vanilla = the seeds' LSTM,
# no peepholes) plus Greff et al.'s, whose "V" has peepholes and whose other variants
# each change one thing in V ("greff_np" drops V's peepholes).
VARIANT_FLAGS: dict[str, LSTMFlags] = {name: LSTMFlags(**override) for name, override in VARIANTS.items()}
VARIANT_FLAGS["greff_v"] = LSTMFlags(peepholes=True)
VARIANT_FLAGS["greff_np"] = LSTMFlags()
for _name in ("cifg", "nfg", "nig", "nog", "noaf"):
    VARIANT_FLAGS[f"greff_{_name}"] = LSTMFlags(peepholes=True, **VARIANTS[_name])


def resolve_flags(variant) -> LSTMFlags:
    """Turn a variant name, an ``LSTMFlags`` or a config object into ``LSTMFlags``."""
    if isinstance(variant, LSTMFlags):
        return variant
    if isinstance(variant, str):
        if variant not in VARIANT_FLAGS:
            raise ValueError(f"variant: expected one of {sorted(VARIANT_FLAGS)}, got {variant!r}")
        return VARIANT_FLAGS[variant]
    if all(hasattr(variant, f.name) for f in fields(LSTMFlags)):
        return LSTMFlags.from_config(variant)
    raise TypeError(
        "variant: expected a variant name, an LSTMFlags or an LSTMConfig, "
        f"got {type(variant).__name__}"
    )


def check_sequence_tensor(x, input_size: int) -> None:
    """Raise unless ``x`` is a non-empty floating-point tensor ``(B, T, D)`` (or ``(T, B, D)``).

    TypeError for a non-tensor or an integer dtype, ValueError for a wrong rank, a feature
    size other than ``input_size`` or an empty batch or sequence.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x: expected a torch.Tensor of shape (B, T, D), got {type(x).__name__}")
    if x.dim() != 3:
        raise ValueError(f"x: expected shape (B, T, {input_size}), got {tuple(x.shape)}")
    if x.shape[2] != input_size:
        raise ValueError(f"x: expected feature size {input_size} (shape (B, T, {input_size})), "
                         f"got {tuple(x.shape)}")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"x: expected a non-empty batch and sequence, got shape {tuple(x.shape)}")
    if not torch.is_floating_point(x):
        raise TypeError(f"x: expected a floating-point tensor, got dtype {x.dtype}")


class VariantLSTM(nn.Module):
    """One LSTM layer with optional peepholes, gates and output activation.

    Parameters use torch's layout and initialisation (``U(-1/sqrt(H), 1/sqrt(H))``):
    ``weight_ih`` ``(4H, D)``, ``weight_hh`` ``(4H, H)``, ``bias_ih``/``bias_hh`` ``(4H,)``
    in gate order ``i, f, g, o``, and with peepholes ``peep_i``, ``peep_f``, ``peep_o``
    ``(H,)``. A disabled gate keeps its rows (they receive zero gradient) so that weights
    convert one-to-one to and from lstm_edu's numpy models (:meth:`to_numpy`).

    The equations are the reference cell's, :func:`lstm_edu.cells.lstm_cell` with the
    flags of :class:`~lstm_edu.config.LSTMConfig` (written there once, not again here). The
    recurrence runs in :class:`~lstm_edu.variant_recurrence.VariantRecurrence`, whose
    backward pass is written out for speed; ``tests/test_models.py`` holds this layer's
    every step to ``lstm_cell`` and its gradients to the numpy backward pass
    (:meth:`lstm_edu.sequence.LSTM.backward`), for every variant, to 1e-10 in float64.

    Parameters
    ----------
    input_size, hidden_size : int
        ``D`` and ``H``.
    variant : str, LSTMFlags or LSTMConfig, default "vanilla"
        Which cell; see :data:`VARIANT_FLAGS`.
    batch_first : bool, default True
        Input/output layout ``(B, T, .)`` if True, else ``(T, B, .)``.
    """

    def __init__(self, input_size: int, hidden_size: int, variant="vanilla", batch_first: bool = True):
        super().__init__()
        self.input_size = check_positive_int("input_size", input_size)
        self.hidden_size = check_positive_int("hidden_size", hidden_size)
        self.flags = resolve_flags(variant)
        self.batch_first = check_bool("batch_first", batch_first)
        H, D = self.hidden_size, self.input_size
        self.weight_ih = nn.Parameter(torch.empty(4 * H, D))
        self.weight_hh = nn.Parameter(torch.empty(4 * H, H))
        self.bias_ih = nn.Parameter(torch.empty(4 * H))
        self.bias_hh = nn.Parameter(torch.empty(4 * H))
        if self.flags.peepholes:
            self.peep_i = nn.Parameter(torch.empty(H))
            self.peep_f = nn.Parameter(torch.empty(H))
            self.peep_o = nn.Parameter(torch.empty(H))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Torch's default initialisation: every parameter ~ U(-1/sqrt(H), 1/sqrt(H))."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for param in self.parameters():
            nn.init.uniform_(param, -bound, bound)

    def forward(self, x: torch.Tensor, state=None, return_cells: bool = False):
        """Run the layer over a sequence.

        Parameters
        ----------
        x : torch.Tensor
            ``(B, T, D)`` if ``batch_first`` else ``(T, B, D)``.
        state : tuple of torch.Tensor, optional
            ``(h0, c0)``, each ``(1, B, H)`` as in ``nn.LSTM``; zeros if omitted.
        return_cells : bool, default False
            Also return every cell state ``c_t`` (same layout as the output).

        Returns
        -------
        output : torch.Tensor
            Every ``h_t``, ``(B, T, H)`` (or ``(T, B, H)``).
        (h_n, c_n) : tuple of torch.Tensor
            Final states, each ``(1, B, H)``.
        cells : torch.Tensor
            Only with ``return_cells``: every ``c_t``, laid out like ``output``.
        """
        check_sequence_tensor(x, self.input_size)  # same rank/feature checks in either layout
        seq = x.transpose(0, 1) if self.batch_first else x  # (T, B, D)
        T, B, _ = seq.shape
        h0, c0 = self._initial_state(state, B, seq)
        x_proj = seq @ self.weight_ih.T + (self.bias_ih + self.bias_hh)  # (T, B, 4H)
        peep = (self.peep_i, self.peep_f, self.peep_o) if self.flags.peepholes else (None, None, None)
        output, cells = VariantRecurrence.apply(x_proj, self.weight_hh, h0, c0, *peep,
                                                self.flags)  # (T, B, H) each
        final = (output[-1].unsqueeze(0), cells[-1].unsqueeze(0))
        if self.batch_first:
            output, cells = output.transpose(0, 1), cells.transpose(0, 1)
        return (output, final, cells) if return_cells else (output, final)

    def _initial_state(self, state, batch: int, like: torch.Tensor):
        """Return ``(h0, c0)`` as ``(B, H)`` tensors, zeros if ``state`` is None."""
        H = self.hidden_size
        if state is None:
            zeros = like.new_zeros(batch, H)
            return zeros, zeros
        if not (isinstance(state, (tuple, list)) and len(state) == 2):
            raise TypeError(f"state: expected a tuple (h0, c0), got {type(state).__name__}")
        out = []
        for name, s in zip(("h0", "c0"), state):
            if not isinstance(s, torch.Tensor) or tuple(s.shape) != (1, batch, H):
                got = tuple(s.shape) if isinstance(s, torch.Tensor) else type(s).__name__
                raise ValueError(f"state: expected {name} of shape (1, {batch}, {H}), got {got}")
            out.append(s[0])
        return out[0], out[1]

    def extra_repr(self) -> str:
        """Sizes, flags and layout, shown by ``repr``."""
        return f"{self.input_size}, {self.hidden_size}, flags={self.flags}, batch_first={self.batch_first}"

    def config(self):
        """The matching :class:`lstm_edu.config.LSTMConfig`."""
        from .config import LSTMConfig

        return LSTMConfig(self.input_size, self.hidden_size, **vars(self.flags))

    def to_numpy(self, dtype="float64"):
        """The numpy twin (:class:`lstm_edu.sequence.LSTM`) with the same weights and layout.

        Parameters
        ----------
        dtype : {"float64", "float32"}, default "float64"

        Returns
        -------
        lstm_edu.sequence.LSTM
            ``W_x = weight_ih.T``, ``W_h = weight_hh.T``, ``b = bias_ih + bias_hh`` and the
            peephole weights; ``batch_first`` copied.
        """
        import numpy as np

        from .cells import LSTMParams
        from .sequence import LSTM

        def numpy(tensor):
            return tensor.detach().cpu().numpy().astype(dtype)

        peep = {}
        if self.flags.peepholes:
            peep = {"p_i": numpy(self.peep_i), "p_f": numpy(self.peep_f), "p_o": numpy(self.peep_o)}
        params = LSTMParams(
            W_x=np.ascontiguousarray(numpy(self.weight_ih).T),  # (D, 4H)
            W_h=np.ascontiguousarray(numpy(self.weight_hh).T),  # (H, 4H)
            b=numpy(self.bias_ih) + numpy(self.bias_hh),  # (4H,)
            **peep,
        )
        return LSTM(self.config(), params, batch_first=self.batch_first)
