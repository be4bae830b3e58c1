"""A small Transformer encoder (Vaswani et al. 2017) that regresses one number from a sequence.

Each input vector ``x_t`` (for the adding problem: the value and its marker) is mapped to
``d_model`` numbers, the sinusoidal position code is added,

    P[t, 2k] = sin(t / 10000^(2k / d)),    P[t, 2k + 1] = cos(t / 10000^(2k / d)),

and ``layers`` encoder layers (self-attention with ``heads`` heads, then a feed-forward layer;
``torch.nn.TransformerEncoderLayer``) mix the positions. Padding positions are masked out of
the attention and out of the final average, which a linear layer turns into the prediction.
Called as ``model(inputs, lengths=lengths)``, like :class:`lstm_edu.models.SequenceModel`, so
the same training loop and tests apply.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from lstm_edu.validation import check_finite_real, check_positive_int

__all__ = ["TransformerConfig", "positional_encoding", "TransformerRegressor", "attention_bytes"]


@dataclass(frozen=True)
class TransformerConfig:
    """Sizes: ``d_model`` (divisible by ``heads``), ``heads``, ``layers``, ``feedforward``, ``dropout``."""

    d_model: int = 32
    heads: int = 4
    layers: int = 2
    feedforward: int = 64
    dropout: float = 0.0

    def __post_init__(self) -> None:
        for name in ("d_model", "heads", "layers", "feedforward"):
            check_positive_int(name, getattr(self, name))
        if self.d_model % self.heads:
            raise ValueError(f"d_model: expected a multiple of heads={self.heads}, got {self.d_model}")
        if not 0.0 <= check_finite_real("dropout", self.dropout) < 1.0:
            raise ValueError(f"dropout: expected a number in [0, 1), got {self.dropout}")


def positional_encoding(length: int, d_model: int) -> torch.Tensor:
    """The sinusoidal code ``P`` of shape ``(length, d_model)`` (``d_model`` even)."""
    length, d_model = check_positive_int("length", length), check_positive_int("d_model", d_model)
    if d_model % 2:
        raise ValueError(f"d_model: expected an even int (sine and cosine pairs), got {d_model}")
    position = torch.arange(length, dtype=torch.float32)[:, None]  # (T, 1)
    # (d/2,)
    rate = torch.exp(-math.log(10000.0) * torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)
    code = torch.zeros(length, d_model)  # (T, d)
    code[:, 0::2] = torch.sin(position * rate)
    code[:, 1::2] = torch.cos(position * rate)
    return code


def attention_bytes(batch_size: int, heads: int, length: int, layers: int = 1,
                    bytes_per_value: int = 4) -> int:
    """Memory of the attention weights kept for the backward pass:
    ``layers * B * heads * T^2 * bytes``."""
    values = [check_positive_int(n, v) for n, v in (("batch_size", batch_size), ("heads", heads),
                                                      ("length", length), ("layers", layers),
                                                      ("bytes_per_value", bytes_per_value))]
    return values[3] * values[0] * values[1] * values[2] ** 2 * values[4]


class TransformerRegressor(nn.Module):
    """``(B, T, D)`` inputs (end-padded) -> ``(B, output_size)``; see the module's docstring."""

    def __init__(self, input_size: int = 2, output_size: int = 1,
                 config: TransformerConfig = TransformerConfig()):
        if not isinstance(config, TransformerConfig):
            raise TypeError(f"config: expected a TransformerConfig, got {type(config).__name__}")
        input_size, output_size = (check_positive_int("input_size", input_size),
                                   check_positive_int("output_size", output_size))
        super().__init__()
        self.input_size = input_size
        self.config = config
        self.embed = nn.Linear(input_size, config.d_model)
        layer = nn.TransformerEncoderLayer(config.d_model, config.heads, config.feedforward, config.dropout,
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, config.layers, enable_nested_tensor=False)
        self.head = nn.Linear(config.d_model, output_size)

    def forward(self, inputs: torch.Tensor, lengths=None) -> torch.Tensor:
        if inputs.ndim != 3 or inputs.shape[2] != self.input_size:
            raise ValueError(f"inputs: expected shape (B, T, {self.input_size}), got {tuple(inputs.shape)}")
        batch, length, _ = inputs.shape
        lengths = torch.full((batch,), length) if lengths is None else torch.as_tensor(lengths)
        if lengths.shape != (batch,) or bool((lengths < 1).any()) or bool((lengths > length).any()):
            raise ValueError(f"lengths: expected {batch} ints in [1, {length}], got {lengths.tolist()}")
        real = torch.arange(length)[None, :] < lengths[:, None]  # (B, T), True on real positions
        x = self.embed(inputs) + positional_encoding(length, self.config.d_model)  # (B, T, d)
        x = self.encoder(x, src_key_padding_mask=~real)  # (B, T, d); padding is never attended to
        # (B, d): mean over real positions
        pooled = (x * real[..., None]).sum(1) / lengths[:, None].to(x.dtype)
        return self.head(pooled)  # (B, O)
