"""Torch building blocks for the "LSTMs in practice" chapter.

- :class:`PracticeConfig` -- the few numbers that describe a practical LSTM model;
- :class:`StackedLSTM` -- ``nn.LSTM`` with ``num_layers`` stacked layers, dropout between
  them (Zaremba et al. 2014), optionally bidirectional (Schuster & Paliwal 1997), a linear
  readout from the last step ("seq-to-one") or from every step ("seq-to-seq"), and
  end-padded batches packed with ``pack_padded_sequence`` when their lengths are given;
- :class:`SequenceDropout` -- dropout with one mask per sequence, shared by every step;
- :class:`VariationalLSTM` -- one LSTM layer whose recurrent input ``h_{t-1}`` is dropped
  with one mask per sequence (Gal & Ghahramani 2016).

Shapes: batch-first inputs ``(B, T, D)``; ``H`` hidden size, ``O`` output size; gate order
in stacked weights is torch's ``i, f, g, o``.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .validation import check_bool, check_positive_int

__all__ = ["PracticeConfig", "StackedLSTM", "SequenceDropout", "VariationalLSTM", "check_sequences",
           "check_lengths", "check_rate"]

READOUTS = ("last", "all")


def check_rate(name: str, value) -> float:
    """Return ``value`` as a float in [0, 1) (a dropout probability)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a number in [0, 1), got {type(value).__name__} {value!r}")
    if not 0.0 <= float(value) < 1.0:
        raise ValueError(f"{name}: expected a number in [0, 1), got {value}")
    return float(value)


def check_sequences(x, input_size: int) -> None:
    """Raise unless ``x`` is a non-empty floating-point tensor ``(B, T, input_size)``."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x: expected a torch.Tensor of shape (B, T, {input_size}), got {type(x).__name__}")
    if not torch.is_floating_point(x):
        raise TypeError(f"x: expected a floating-point tensor, got dtype {x.dtype}")
    if x.dim() != 3 or x.shape[2] != input_size or x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"x: expected a non-empty tensor of shape (B, T, {input_size}), "
                         f"got {tuple(x.shape)}")


def check_lengths(lengths, batch: int, steps: int) -> torch.Tensor:
    """``lengths`` as an int64 tensor ``(B,)`` with every entry in ``[1, T]``."""
    values = torch.as_tensor(lengths)
    if values.dtype.is_floating_point or values.dtype == torch.bool:
        raise TypeError(f"lengths: expected integers, got dtype {values.dtype}")
    if tuple(values.shape) != (batch,):
        raise ValueError(f"lengths: expected shape ({batch},), got {tuple(values.shape)}")
    if int(values.min()) < 1 or int(values.max()) > steps:
        raise ValueError(f"lengths: expected every length in [1, {steps}], got {values.tolist()}")
    return values.to(torch.int64)


@dataclass(frozen=True)
class PracticeConfig:
    """A practical LSTM model.

    Attributes
    ----------
    input_size, hidden_size, output_size : int
        ``D``, ``H`` (per direction) and ``O``.
    num_layers : int
        Stacked LSTM layers; layer ``k + 1`` reads the hidden states of layer ``k``.
    dropout : float
        Dropout on the outputs of every layer but the last (between layers), in [0, 1).
    bidirectional : bool
        Add a layer reading the sequence backwards; the readout sees both directions.
    readout : {"last", "all"}
        Predict once per sequence (seq-to-one) or at every step (seq-to-seq).
    forget_bias : float or None
        Initial forget-gate bias of every layer (torch's default init if None).
    """

    input_size: int = 1
    hidden_size: int = 16
    output_size: int = 1
    num_layers: int = 1
    dropout: float = 0.0
    bidirectional: bool = False
    readout: str = "last"
    forget_bias: float | None = None

    def __post_init__(self) -> None:
        for name in ("input_size", "hidden_size", "output_size", "num_layers"):
            check_positive_int(name, getattr(self, name))
        check_rate("dropout", self.dropout)
        check_bool("bidirectional", self.bidirectional)
        if self.readout not in READOUTS:
            raise ValueError(f"readout: expected one of {READOUTS}, got {self.readout!r}")
        if self.forget_bias is not None and (isinstance(self.forget_bias, bool)
                                             or not isinstance(self.forget_bias, numbers.Real)):
            raise TypeError(f"forget_bias: expected None or a number, got {self.forget_bias!r}")


class StackedLSTM(nn.Module):
    """``nn.LSTM`` (batch-first, stacked, optionally bidirectional) plus a linear readout.

    ``forward(x, lengths=None)``: with ``lengths`` the end-padded batch is packed, so each
    sequence's final state is the state at its own last step and the backward direction
    starts there, not on the padding.
    """

    def __init__(self, config: PracticeConfig):
        super().__init__()
        if not isinstance(config, PracticeConfig):
            raise TypeError(f"config: expected a PracticeConfig, got {type(config).__name__}")
        self.config = config
        self.lstm = nn.LSTM(config.input_size, config.hidden_size, num_layers=config.num_layers,
                            dropout=config.dropout if config.num_layers > 1 else 0.0,
                            bidirectional=config.bidirectional, batch_first=True)
        directions = 2 if config.bidirectional else 1
        self.head = nn.Linear(directions * config.hidden_size, config.output_size)
        if config.forget_bias is not None:
            self._set_forget_bias(float(config.forget_bias))

    def _set_forget_bias(self, value: float) -> None:
        H = self.config.hidden_size
        with torch.no_grad():
            for name, parameter in self.lstm.named_parameters():
                if name.startswith("bias_ih"):
                    parameter[H:2 * H] = value
                elif name.startswith("bias_hh"):
                    parameter[H:2 * H] = 0.0

    def states(self, x: torch.Tensor, lengths=None):
        """Top-layer hidden states ``(B, T, directions*H)`` (zeros past each length when packed)
        and the final ``(h_n, c_n)``, each ``(layers*directions, B, H)``."""
        check_sequences(x, self.config.input_size)
        if lengths is None:
            return self.lstm(x)
        lengths = check_lengths(lengths, x.shape[0], x.shape[1])
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        output, final = self.lstm(packed)
        output, _ = pad_packed_sequence(output, batch_first=True, total_length=x.shape[1])
        return output, final

    def forward(self, x: torch.Tensor, lengths=None) -> torch.Tensor:
        """``(B, O)`` for readout "last", ``(B, T, O)`` for "all"."""
        output, (h_n, _) = self.states(x, lengths)
        if self.config.readout == "all":
            return self.head(output)  # (B, T, O)
        if self.config.bidirectional:
            last = torch.cat([h_n[-2], h_n[-1]], dim=1)  # forward at its end, backward at step 0: (B, 2H)
        else:
            last = h_n[-1]  # (B, H)
        return self.head(last)


class SequenceDropout(nn.Module):
    """Dropout with one mask per sequence: the same units are dropped at every step.

    Input ``(B, T, H)``; in training each ``(b, h)`` is kept with probability ``1 - p`` and
    scaled by ``1 / (1 - p)``, at all ``T`` steps alike. Identity in eval mode or with ``p = 0``.
    """

    def __init__(self, p: float = 0.25):
        super().__init__()
        self.p = check_rate("p", p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor) or x.dim() != 3:
            raise ValueError(f"x: expected a tensor of shape (B, T, H), got {getattr(x, 'shape', type(x))}")
        if not self.training or self.p == 0.0:
            return x
        mask = x.new_empty(x.shape[0], 1, x.shape[2]).bernoulli_(1.0 - self.p) / (1.0 - self.p)  # (B, 1, H)
        return x * mask


class VariationalLSTM(nn.Module):
    """One LSTM layer with variational dropout on the recurrent connection.

    Each sequence draws one mask ``m`` ``(H,)`` (entries 0 or ``1/(1 - p)``) and every step
    uses ``h_{t-1} * m`` in place of ``h_{t-1}`` inside the gates; the state passed on, and
    the outputs, are not masked. Parameters follow ``nn.LSTM``'s layout: ``weight_ih``
    ``(4H, D)``, ``weight_hh`` ``(4H, H)``, ``bias_ih``, ``bias_hh`` ``(4H,)``; with ``p = 0``
    or in eval mode it computes exactly what ``nn.LSTM`` with the same weights computes.
    """

    def __init__(self, input_size: int, hidden_size: int, p: float = 0.25):
        super().__init__()
        self.input_size = check_positive_int("input_size", input_size)
        self.hidden_size = check_positive_int("hidden_size", hidden_size)
        self.p = check_rate("p", p)
        H, D = self.hidden_size, self.input_size
        bound = 1.0 / H ** 0.5
        self.weight_ih = nn.Parameter(torch.empty(4 * H, D).uniform_(-bound, bound))
        self.weight_hh = nn.Parameter(torch.empty(4 * H, H).uniform_(-bound, bound))
        self.bias_ih = nn.Parameter(torch.empty(4 * H).uniform_(-bound, bound))
        self.bias_hh = nn.Parameter(torch.empty(4 * H).uniform_(-bound, bound))

    def draw_mask(self, batch: int) -> torch.Tensor:
        """One mask per sequence ``(B, H)``: ones in eval mode or with ``p = 0``."""
        check_positive_int("batch", batch)
        ones = self.weight_hh.new_ones(batch, self.hidden_size)
        if not self.training or self.p == 0.0:
            return ones
        return ones.bernoulli_(1.0 - self.p) / (1.0 - self.p)

    def forward(self, x: torch.Tensor, state=None, mask=None):
        """Run over ``x`` ``(B, T, D)``; returns ``(outputs (B, T, H), (h_T, c_T))``.

        ``mask`` ``(B, H)`` fixes the recurrent mask (default: :meth:`draw_mask`).
        """
        check_sequences(x, self.input_size)
        B, T, _ = x.shape
        H = self.hidden_size
        if mask is None:
            mask = self.draw_mask(B)
        elif not isinstance(mask, torch.Tensor) or tuple(mask.shape) != (B, H):
            got = getattr(mask, "shape", mask)
            raise ValueError(f"mask: expected a tensor of shape ({B}, {H}), got {got!r}")
        h, c = state if state is not None else (x.new_zeros(B, H), x.new_zeros(B, H))
        inputs = x @ self.weight_ih.T + self.bias_ih + self.bias_hh  # (B, T, 4H)
        outputs = []
        for t in range(T):
            pre = inputs[:, t] + (h * mask) @ self.weight_hh.T  # (B, 4H)
            i, f, g, o = pre.chunk(4, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            outputs.append(h)
        return torch.stack(outputs, dim=1), (h, c)
