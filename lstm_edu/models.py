"""Small torch sequence models for the experiments and applications.

Two pieces:

- :class:`VariantLSTM` -- an LSTM layer written as a loop over time, with the same
  equations and flags as :class:`lstm_edu.config.LSTMConfig` (peepholes, no forget /
  input / output gate, no output activation, coupled input-forget gate). Torch's
  ``nn.LSTM`` cannot drop a gate, so the ablation experiments use this module.
- :class:`SequenceModel` -- recurrent layers (``nn.LSTM``, ``nn.GRU``, ``nn.RNN`` or
  ``VariantLSTM``) followed by a linear readout, batch-first, for regression or
  classification.

Shapes: inputs are batch-first ``(B, T, D)``; ``H`` hidden size, ``O`` output size.
Gate order in stacked weights is torch's: ``i, f, g, o`` (``g`` is the candidate
:math:`\\tilde C_t`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields

import torch
from torch import nn

from .config import VARIANTS

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


def _resolve_flags(variant) -> LSTMFlags:
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


def _check_positive_int(name: str, value) -> int:
    """Return ``value`` if it is a positive int, else raise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name}: expected a positive int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name}: expected a positive int, got {value}")
    return value


def _check_input(x, input_size: int) -> None:
    """Validate a batch-first input tensor ``(B, T, D)``."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x: expected a torch.Tensor of shape (B, T, D), got {type(x).__name__}")
    if x.dim() != 3:
        raise ValueError(f"x: expected shape (B, T, {input_size}), got {tuple(x.shape)}")
    if x.shape[2] != input_size:
        raise ValueError(f"x: expected feature size {input_size} (shape (B, T, {input_size})), got {tuple(x.shape)}")
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
    convert one-to-one to and from lstm_edu's numpy models.

    Equations (``*`` elementwise)::

        i = sigmoid(W_i x + U_i h + b_i [+ p_i * c_prev])      (1 if no input gate; 1 - f if coupled)
        f = sigmoid(W_f x + U_f h + b_f [+ p_f * c_prev])      (1 if no forget gate)
        g = tanh(W_g x + U_g h + b_g)
        c = f * c_prev + i * g
        o = sigmoid(W_o x + U_o h + b_o [+ p_o * c])           (1 if no output gate)
        h = o * tanh(c)                                        (o * c if no output activation)

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
        self.input_size = _check_positive_int("input_size", input_size)
        self.hidden_size = _check_positive_int("hidden_size", hidden_size)
        self.flags = _resolve_flags(variant)
        self.batch_first = bool(batch_first)
        #: True: backpropagation through time written out (:class:`_VariantSequence`, several
        #: times faster on CPU); False: the loop recorded by autograd (the reference in tests).
        self.manual_backward = True
        H, D = hidden_size, input_size
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
        _check_input(x, self.input_size)  # same rank/feature checks in either layout
        seq = x.transpose(0, 1) if self.batch_first else x  # (T, B, D)
        T, B, _ = seq.shape
        h0, c0 = self._initial_state(state, B, seq)
        x_proj = seq @ self.weight_ih.T + (self.bias_ih + self.bias_hh)  # (T, B, 4H)
        if self.manual_backward:
            peep = (self.peep_i, self.peep_f, self.peep_o) if self.flags.peepholes else (None, None, None)
            output, cells = _VariantSequence.apply(x_proj, self.weight_hh, h0, c0, *peep, self.flags)
        else:
            output, cells = self._autograd_loop(x_proj, h0, c0)  # (T, B, H) each
        final = (output[-1].unsqueeze(0), cells[-1].unsqueeze(0))
        if self.batch_first:
            output, cells = output.transpose(0, 1), cells.transpose(0, 1)
        return (output, final, cells) if return_cells else (output, final)

    def _autograd_loop(self, x_proj: torch.Tensor, h: torch.Tensor, c: torch.Tensor):
        """Reference implementation: the time loop recorded by autograd, ``(T, B, H)`` twice."""
        hs, cs = [], []
        for t in range(x_proj.shape[0]):
            h, c = self._step(x_proj[t], h, c)
            hs.append(h)
            cs.append(c)
        return torch.stack(hs), torch.stack(cs)

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

    def _step(self, x_proj_t: torch.Tensor, h: torch.Tensor, c_prev: torch.Tensor):
        """One time step from the projected input ``(B, 4H)`` and state ``(B, H)``."""
        flags = self.flags
        pre = x_proj_t + h @ self.weight_hh.T  # (B, 4H)
        pre_i, pre_f, pre_g, pre_o = pre.chunk(4, dim=1)  # each (B, H)
        if flags.peepholes:
            pre_i = pre_i + self.peep_i * c_prev
            pre_f = pre_f + self.peep_f * c_prev
        forget = torch.sigmoid(pre_f) if flags.forget_gate else torch.ones_like(pre_f)
        if flags.coupled:
            inp = 1.0 - forget
        elif flags.input_gate:
            inp = torch.sigmoid(pre_i)
        else:
            inp = torch.ones_like(pre_i)
        c = forget * c_prev + inp * torch.tanh(pre_g)  # (B, H)
        if flags.peepholes:
            pre_o = pre_o + self.peep_o * c
        out_gate = torch.sigmoid(pre_o) if flags.output_gate else torch.ones_like(pre_o)
        h = out_gate * (torch.tanh(c) if flags.output_activation else c)  # (B, H)
        return h, c

    def extra_repr(self) -> str:
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


class _VariantSequence(torch.autograd.Function):
    """The recurrence of :class:`VariantLSTM` with its backward pass written out.

    Autograd records about fifteen small operations per time step, and on a CPU their
    bookkeeping costs more than the arithmetic; here the forward pass runs without
    recording and the backward pass walks t = T..1 once. Inputs: the projected input
    ``x_proj`` ``(T, B, 4H)`` (``x W_ih^T + b``, differentiated by autograd outside),
    ``W_hh`` ``(4H, H)``, ``h0``/``c0`` ``(B, H)``, the peephole vectors ``(H,)`` or None,
    and the flags. Outputs: every ``h_t`` and every ``c_t``, ``(T, B, H)`` each.
    """

    @staticmethod
    def forward(ctx, x_proj, W_hh, h0, c0, p_i, p_f, p_o, flags):
        T = x_proj.shape[0]
        h, c = h0, c0
        hs, cs, gates = [], [], []
        H = h0.shape[-1]
        W_hh_T = W_hh.T
        ones = torch.ones_like(h0)
        simple = not flags.peepholes  # all gate pre-activations known before c_t: one sigmoid call
        gates = x_proj.new_empty(T, 5, *h0.shape)  # i, f, g, o, squashed c per step
        hs = x_proj.new_empty(T, *h0.shape)
        cs = x_proj.new_empty(T, *h0.shape)
        for t in range(T):
            pre = torch.addmm(x_proj[t], h, W_hh_T)  # (B, 4H)
            if simple:
                sig = torch.sigmoid(pre)
                a_i, f, o = sig[:, :H], sig[:, H:2 * H], sig[:, 3 * H:]
            else:
                a_i = torch.sigmoid(pre[:, :H] + p_i * c)
                f = torch.sigmoid(pre[:, H:2 * H] + p_f * c)
            f = f if flags.forget_gate else ones
            i = 1.0 - f if flags.coupled else a_i if flags.input_gate else ones
            g = torch.tanh(pre[:, 2 * H:3 * H])
            c = torch.addcmul(f * c, i, g, out=cs[t])
            if not simple:
                o = torch.sigmoid(pre[:, 3 * H:] + p_o * c)
            o = o if flags.output_gate else ones
            squashed = torch.tanh(c, out=gates[t, 4]) if flags.output_activation else c
            h = torch.mul(o, squashed, out=hs[t])
            gates[t, 0], gates[t, 1], gates[t, 2], gates[t, 3] = i, f, g, o
            if not flags.output_activation:
                gates[t, 4] = c
        ctx.flags = flags
        ctx.save_for_backward(W_hh, h0, c0, p_i, p_f, p_o, hs, cs, gates)
        return hs, cs

    @staticmethod
    def backward(ctx, d_hs, d_cs):
        W_hh, h0, c0, p_i, p_f, p_o, hs, cs, gates = ctx.saved_tensors
        flags = ctx.flags
        T = hs.shape[0]
        h_prev_all = torch.cat([h0.unsqueeze(0), hs[:-1]])  # (T, B, H)
        c_prev_all = torch.cat([c0.unsqueeze(0), cs[:-1]])  # (T, B, H)
        d_pre = torch.empty(T, *hs.shape[1:-1], 4 * hs.shape[-1], dtype=hs.dtype, device=hs.device)
        dh_next = torch.zeros_like(h0)
        dc_next = torch.zeros_like(c0)
        zeros = torch.zeros_like(h0)
        for t in range(T - 1, -1, -1):
            i, f, g, o, squashed = gates[t]
            c, c_prev = cs[t], c_prev_all[t]
            dh = d_hs[t] + dh_next
            da_o = dh * squashed * o * (1 - o) if flags.output_gate else zeros
            d_squashed = dh * o
            dc = dc_next + d_cs[t] + (d_squashed * (1 - squashed * squashed) if flags.output_activation else d_squashed)
            if flags.peepholes:
                dc = dc + da_o * p_o
            di = dc * g
            df = dc * c_prev - di if flags.coupled else dc * c_prev
            da_i = di * i * (1 - i) if flags.input_gate and not flags.coupled else zeros
            da_f = df * f * (1 - f) if flags.forget_gate else zeros
            da_g = dc * i * (1 - g * g)
            dc_next = dc * f
            if flags.peepholes:
                dc_next = dc_next + da_i * p_i + da_f * p_f
            d_pre[t] = torch.cat([da_i, da_f, da_g, da_o], dim=1)
            dh_next = d_pre[t] @ W_hh
        flat = d_pre.reshape(-1, d_pre.shape[-1])  # (T*B, 4H)
        d_W_hh = flat.T @ h_prev_all.reshape(-1, h0.shape[-1])  # (4H, H)
        d_peep = (None, None, None)
        if flags.peepholes:
            H = h0.shape[-1]
            d_peep = ((d_pre[..., :H] * c_prev_all).sum((0, 1)), (d_pre[..., H:2 * H] * c_prev_all).sum((0, 1)),
                      (d_pre[..., 3 * H:] * cs).sum((0, 1)))
        return (d_pre, d_W_hh, dh_next, dc_next, *d_peep, None)


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
            raise ValueError(f"variant: only an LSTM has variants, got cell={cell!r} with variant={variant!r}")
        if forget_bias is not None and cell != "lstm":
            raise ValueError(f"forget_bias: only an LSTM has a forget gate, got cell={cell!r}")
        self.cell = cell
        self.input_size = _check_positive_int("input_size", input_size)
        self.hidden_size = _check_positive_int("hidden_size", hidden_size)
        self.output_size = _check_positive_int("output_size", output_size)
        self.num_layers = _check_positive_int("num_layers", num_layers)
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
        _check_input(x, self.input_size)
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
            raise ValueError(f"lengths: expected {B} integers, got shape {tuple(lengths.shape)} dtype {lengths.dtype}")
        if bool((lengths < 1).any()) or bool((lengths > T).any()):
            raise ValueError(f"lengths: expected values in [1, {T}], got min {int(lengths.min())} max {int(lengths.max())}")
        return hidden[torch.arange(B, device=hidden.device), lengths.long() - 1]

    def default_loss(self) -> nn.Module:
        """``nn.MSELoss()`` for regression, ``nn.CrossEntropyLoss()`` for classification."""
        return nn.MSELoss() if self.task == "regression" else nn.CrossEntropyLoss()

    def num_parameters(self) -> int:
        """Number of trainable scalars."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)
