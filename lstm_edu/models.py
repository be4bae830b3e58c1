"""Small torch sequence models for the experiments and applications.

- :class:`SequenceModel` -- recurrent layers (``nn.LSTM``, ``nn.GRU``, ``nn.RNN`` or
  :class:`~lstm_edu.variant_lstm.VariantLSTM`) followed by a linear readout, batch-first,
  for regression or classification;
- :func:`set_forget_bias` -- the initial forget-gate bias of an LSTM layer.

The LSTM layer that can drop a gate, :class:`VariantLSTM`, its flags :class:`LSTMFlags`
and the named variants :data:`VARIANT_FLAGS` live in :mod:`lstm_edu.variant_lstm` and
stay importable from here.

Shapes: inputs are batch-first ``(B, T, D)``; ``H`` hidden size, ``O`` output size.
Gate order in stacked weights is torch's: ``i, f, g, o`` (``g`` is the candidate
:math:`\\tilde C_t`).
"""
from __future__ import annotations

import math

import torch
from torch import nn

from .validation import check_positive_int
from .variant_lstm import VARIANT_FLAGS, LSTMFlags, VariantLSTM, check_sequence_tensor

__all__ = [
    "LSTMFlags",
    "VARIANT_FLAGS",
    "VariantLSTM",
    "SequenceModel",
    "set_forget_bias",
]

CELLS = ("lstm", "gru", "rnn")
TASKS = ("regression", "classification")
READOUTS = ("last", "all")


def set_forget_bias(module: nn.Module, value: float) -> None:
    """Set the forget-gate bias of every layer of an LSTM module to ``value``.

    Torch keeps two biases that add; the forget block of ``bias_ih`` is set to ``value``
    and that of ``bias_hh`` to 0, so the effective forget bias is exactly ``value``.

    Parameters
    ----------
    module : nn.LSTM or VariantLSTM
    value : float
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"forget_bias: expected a finite number, got {value!r}")
    if isinstance(module, VariantLSTM):
        if not module.flags.forget_gate:
            raise ValueError("forget_bias: this LSTM variant has no forget gate (forget_gate=False)")
        pairs = [(module.bias_ih, module.bias_hh, module.hidden_size)]
    elif isinstance(module, nn.LSTM):
        if not module.bias:
            raise ValueError("forget_bias: the nn.LSTM was built with bias=False")
        H = module.hidden_size
        pairs = [
            (getattr(module, f"bias_ih_l{k}{sfx}"), getattr(module, f"bias_hh_l{k}{sfx}"), H)
            for k in range(module.num_layers)
            for sfx in ([""] + (["_reverse"] if module.bidirectional else []))
        ]
    else:
        raise TypeError(f"module: expected an nn.LSTM or a VariantLSTM, got {type(module).__name__}")
    with torch.no_grad():
        for bias_ih, bias_hh, H in pairs:
            bias_ih[H : 2 * H] = float(value)
            bias_hh[H : 2 * H] = 0.0


class SequenceModel(nn.Module):
    """Recurrent layers plus a linear readout, batch-first.

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn"}
        ``nn.LSTM``, ``nn.GRU`` or ``nn.RNN`` (tanh). With ``variant`` set (LSTM only) the
        layers are :class:`VariantLSTM`.
    input_size, hidden_size, output_size : int
        ``D``, ``H`` and ``O``.
    forget_bias : float, optional
        LSTM only: the initial forget-gate bias (torch's default init if None).
    variant : str, LSTMFlags or LSTMConfig, optional
        LSTM only: use :class:`VariantLSTM` with these flags (see :data:`VARIANT_FLAGS`).
    task : {"regression", "classification"}
        Only documents what the output means: raw values, or logits for
        ``nn.CrossEntropyLoss``. :meth:`default_loss` returns the matching loss.
    readout : {"last", "all"}
        Predict from the last step only, ``(B, O)``, or at every step, ``(B, T, O)``.
    dropout : float, default 0.0
        Dropout applied to each recurrent layer's output (between layers and before the
        readout), so it acts even with one layer.
    num_layers : int, default 1

    Notes
    -----
    ``forward(x, lengths=...)`` handles end-padded sequences of different lengths: the
    "last" readout takes ``h`` at step ``length - 1`` of each sequence, which padding
    after it cannot change (the recurrence is causal).
    """

    def __init__(
        self,
        cell: str = "lstm",
        input_size: int = 1,
        hidden_size: int = 16,
        output_size: int = 1,
        forget_bias: float | None = None,
        variant=None,
        task: str = "regression",
        readout: str = "last",
        dropout: float = 0.0,
        num_layers: int = 1,
    ):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell: expected one of {CELLS}, got {cell!r}")
        if task not in TASKS:
            raise ValueError(f"task: expected one of {TASKS}, got {task!r}")
        if readout not in READOUTS:
            raise ValueError(f"readout: expected one of {READOUTS}, got {readout!r}")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout: expected a number in [0, 1), got {dropout!r}")
        if variant is not None and cell != "lstm":
            raise ValueError(f"variant: only an LSTM has variants, got cell={cell!r} "
                             f"with variant={variant!r}")
        if forget_bias is not None and cell != "lstm":
            raise ValueError(f"forget_bias: only an LSTM has a forget gate, got cell={cell!r}")
        self.cell = cell
        self.input_size = check_positive_int("input_size", input_size)
        self.hidden_size = check_positive_int("hidden_size", hidden_size)
        self.output_size = check_positive_int("output_size", output_size)
        self.num_layers = check_positive_int("num_layers", num_layers)
        self.task, self.readout, self.variant = task, readout, variant
        self.layers = nn.ModuleList(self._make_layer(i) for i in range(num_layers))
        self.dropout = nn.Dropout(float(dropout))
        self.head = nn.Linear(hidden_size, output_size)
        if forget_bias is not None:
            for layer in self.layers:
                set_forget_bias(layer, forget_bias)

    def _make_layer(self, index: int) -> nn.Module:
        """Build recurrent layer ``index`` (its input is D for the first, H after)."""
        D = self.input_size if index == 0 else self.hidden_size
        if self.variant is not None:
            return VariantLSTM(D, self.hidden_size, variant=self.variant)
        module = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[self.cell]
        return module(D, self.hidden_size, batch_first=True)

    def forward(self, x: torch.Tensor, lengths=None, state=None, return_state: bool = False):
        """Predict from a batch of sequences.

        Parameters
        ----------
        x : torch.Tensor
            ``(B, T, D)``.
        lengths : sequence of int or torch.Tensor, optional
            True length of each (end-padded) sequence, ``(B,)``, each in ``[1, T]``.
        state : list, optional
            Initial state per layer, as returned with ``return_state=True``.
        return_state : bool, default False
            Also return the final state per layer (to carry across batches).

        Returns
        -------
        y : torch.Tensor
            ``(B, O)`` for readout "last", ``(B, T, O)`` for "all".
        state : list
            Only with ``return_state``.
        """
        check_sequence_tensor(x, self.input_size)
        if state is not None and (not isinstance(state, (list, tuple)) or len(state) != self.num_layers):
            raise ValueError(f"state: expected a list of {self.num_layers} layer states, got {state!r:.80}")
        hidden, final = self.hidden_sequence(x, state)  # (B, T, H)
        hidden = self.dropout(hidden)
        if self.readout == "all":
            y = self.head(hidden)  # (B, T, O)
        else:
            y = self.head(self._last_step(hidden, lengths))  # (B, O)
        return (y, final) if return_state else y

    def hidden_sequence(self, x: torch.Tensor, state=None):
        """Every hidden state of the top layer ``(B, T, H)`` and the final state per layer."""
        final = []
        for k, layer in enumerate(self.layers):
            x, layer_state = layer(x, None if state is None else state[k])
            final.append(layer_state)
            if k < self.num_layers - 1:
                x = self.dropout(x)
        return x, final

    def _last_step(self, hidden: torch.Tensor, lengths) -> torch.Tensor:
        """Pick ``h`` at each sequence's last real step: ``(B, T, H) -> (B, H)``."""
        if lengths is None:
            return hidden[:, -1]
        B, T, _ = hidden.shape
        lengths = torch.as_tensor(lengths, device=hidden.device)
        if lengths.dtype.is_floating_point or tuple(lengths.shape) != (B,):
            raise ValueError(f"lengths: expected {B} integers, got shape {tuple(lengths.shape)} "
                             f"dtype {lengths.dtype}")
        if bool((lengths < 1).any()) or bool((lengths > T).any()):
            raise ValueError(f"lengths: expected values in [1, {T}], got min {int(lengths.min())} "
                             f"max {int(lengths.max())}")
        return hidden[torch.arange(B, device=hidden.device), lengths.long() - 1]

    def default_loss(self) -> nn.Module:
        """``nn.MSELoss()`` for regression, ``nn.CrossEntropyLoss()`` for classification."""
        return nn.MSELoss() if self.task == "regression" else nn.CrossEntropyLoss()

    def num_parameters(self) -> int:
        """Number of trainable scalars."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)
