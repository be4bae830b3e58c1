"""One LSTM time step worked out by hand: the numbers the diagrams write on the wires.

Numerics only (no drawing); :mod:`lstm_edu.diagrams` draws them.

* :class:`CellStep` -- the numbers flowing through one unit at one time step
  (:meth:`CellStep.from_trace` reads them out of a real trace);
* :func:`gate_arithmetic` -- one gate value recomputed term by term from the model's
  weights, as a :class:`GateArithmetic` that prints the sum;
* :func:`format_value` -- a number as the diagrams print it (3 significant digits);
* :func:`check_index` -- an index into one axis of a trace (negative counts from the end).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from .params import LSTM_GATES
from .sequence import LSTM
from .trace import Trace

__all__ = ["CellStep", "GateArithmetic", "gate_arithmetic", "format_value", "check_index"]

#: torch's gate name -> (name in words, symbol, weight, bias) as the prose writes them.
GATE_NAMES = {"f": ("forget gate", "f_t", "W_f", "b_f"), "i": ("input gate", "i_t", "W_i", "b_i"),
              "g": ("candidate", "C~_t", "W_C", "b_C"), "o": ("output gate", "o_t", "W_o", "b_o")}


def format_value(value: float) -> str:
    """A number with 3 significant digits, as the diagrams print it."""
    text = f"{value:.3g}"
    return "0" if text == "-0" else text


def check_index(name: str, value: object, size: int) -> int:
    """An int index into an axis of ``size``, as ``0 <= index < size`` (negative counts from the end).

    TypeError for a non-integer (bools included), ValueError outside ``[-size, size - 1]``.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an int, got {type(value).__name__} {value!r}")
    if not -size <= value < size:
        raise ValueError(f"{name}: expected an index in [{-size}, {size - 1}], got {value}")
    return int(value) % size


#: The values a gate (a sigmoid, or 1 when disabled) or the candidate (a tanh) can take.
_RANGES = {"forget": (0.0, 1.0), "input": (0.0, 1.0), "output": (0.0, 1.0), "candidate": (-1.0, 1.0)}


@dataclass(frozen=True)
class CellStep:
    """The numbers flowing through one LSTM unit at one time step.

    Attributes
    ----------
    x : float
        One feature of the input ``x_t``.
    h_prev, c_prev : float
        ``h_{t-1}`` and ``C_{t-1}`` of the unit.
    forget, input, candidate, output : float
        ``f_t``, ``i_t``, ``\\tilde C_t`` and ``o_t`` of the unit: the gates in [0, 1], the
        candidate in [-1, 1] (anything else is a ValueError).
    c, h : float
        ``C_t`` and ``h_t`` of the unit.
    """

    x: float
    h_prev: float
    c_prev: float
    forget: float
    input: float
    candidate: float
    output: float
    c: float
    h: float

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
                raise TypeError(f"{item.name}: expected a real number, got {type(value).__name__} {value!r}")
            if not math.isfinite(float(value)):
                raise ValueError(f"{item.name}: expected a finite number, got {value}")
            object.__setattr__(self, item.name, float(value))
        for name, (low, high) in _RANGES.items():
            value = getattr(self, name)
            if not low <= value <= high:
                raise ValueError(f"{name}: expected a value in [{low:g}, {high:g}] (a "
                                 f"{'tanh' if low < 0 else 'sigmoid'} output), got {value}")

    @property
    def kept(self) -> float:
        """``f_t * C_{t-1}``: what the forget gate lets through."""
        return self.forget * self.c_prev

    @property
    def written(self) -> float:
        """``i_t * \\tilde C_t``: what the input gate adds."""
        return self.input * self.candidate

    @classmethod
    def from_trace(cls, trace, t: int, batch: int = 0, unit: int = 0, feature: int = 0) -> "CellStep":
        """Read one unit at one time step out of an LSTM forward trace.

        Parameters
        ----------
        trace : lstm_edu.trace.Trace
            The result of ``LSTM.forward`` (either layout).
        t : int
            Time step index, ``0 <= t < T`` (negative values count from the end); index
            ``t`` holds step ``t + 1`` of the equations, whose ``h_{t-1}``, ``C_{t-1}``
            are the trace's initial states when ``t == 0``.
        batch, unit, feature : int, default 0
            Which sequence of the batch, which hidden unit, which input feature.

        Returns
        -------
        CellStep
        """
        if not isinstance(trace, Trace) or trace.kind != "lstm":
            kind = getattr(trace, "kind", type(trace).__name__)
            raise TypeError(f"trace: expected an LSTM Trace (from LSTM.forward), got {kind!r}")
        tm = trace.time_major                     # time-major arrays (T, B, .)
        T, B, H = tm.h.shape
        t = check_index("t", t, T)
        batch = check_index("batch", batch, B)
        unit = check_index("unit", unit, H)
        feature = check_index("feature", feature, tm.x.shape[2])
        h_prev = tm.h0 if t == 0 else tm.h[t - 1]  # (B, H)
        c_prev = tm.c0 if t == 0 else tm.c[t - 1]  # (B, H)
        gates = {name: np.swapaxes(value, 0, 1) if trace.batch_first else value
                 for name, value in trace.gates.items()}  # (T, B, H)
        return cls(x=tm.x[t, batch, feature], h_prev=h_prev[batch, unit],
                   c_prev=c_prev[batch, unit], forget=gates["f"][t, batch, unit],
                   input=gates["i"][t, batch, unit], candidate=gates["g"][t, batch, unit],
                   output=gates["o"][t, batch, unit], c=tm.c[t, batch, unit],
                   h=tm.h[t, batch, unit])


@dataclass(frozen=True)
class GateArithmetic:
    """How one gate value of one unit came about: ``act(h_{t-1} W_h + x_t W_x + b)``.

    Attributes
    ----------
    gate : {"f", "i", "g", "o"}
        torch's name of the gate (``g`` is the candidate ``\\tilde C_t``).
    from_hidden, from_input, bias : float
        The three terms of the pre-activation: ``h_{t-1}`` times the unit's column of
        ``W_h``, ``x_t`` times its column of ``W_x``, and its bias.
    pre : float
        Their sum.
    value : float
        ``sigmoid(pre)`` (``tanh(pre)`` for the candidate).
    """

    gate: str
    from_hidden: float
    from_input: float
    bias: float
    pre: float
    value: float

    @property
    def activation(self) -> str:
        """"tanh" for the candidate, "σ" for the gates."""
        return "tanh" if self.gate == "g" else "σ"

    def __str__(self) -> str:
        name, symbol, weight, bias = GATE_NAMES[self.gate]
        terms = (f"{format_value(self.from_hidden)} (from h_t-1) {_signed(self.from_input)} (from x_t) "
                 f"{_signed(self.bias)} (bias)")
        return (f"{name}: {weight}·[h_t-1, x_t] + {bias} = {terms} = {format_value(self.pre)}\n"
                f"  {symbol} = {self.activation}({format_value(self.pre)}) = {format_value(self.value)}")


def _signed(value: float) -> str:
    """``+ 0.1`` or ``- 0.1`` (three significant digits)."""
    text = format_value(abs(value))
    return f"- {text}" if value < 0 and text != "0" else f"+ {text}"


def gate_arithmetic(model, trace, gate: str, t: int, batch: int = 0, unit: int = 0) -> GateArithmetic:
    """Recompute one gate value of a trace term by term, from the model's weights.

    Parameters
    ----------
    model : lstm_edu.sequence.LSTM
        The model that produced ``trace`` (without peepholes, with the gate enabled).
    trace : lstm_edu.trace.Trace
        From ``model.forward``.
    gate : {"f", "i", "g", "o"}
        Which gate (torch's names; ``g`` is the candidate).
    t, batch, unit : int
        Time step index (``0 <= t < T``), sequence and hidden unit.

    Returns
    -------
    GateArithmetic
        Its ``value`` equals ``trace.gates[gate]`` at that position (to rounding).
    """
    if not isinstance(model, LSTM):
        raise TypeError(f"model: expected an lstm_edu LSTM, got {type(model).__name__}")
    model.check_trace(trace)
    if gate not in GATE_NAMES:
        raise ValueError(f"gate: expected one of 'f', 'i', 'g', 'o', got {gate!r}")
    cfg = model.cfg
    if cfg.peepholes:
        raise ValueError("model: gate_arithmetic covers LSTMs without peepholes, got peepholes=True")
    fixed = {"f": not cfg.forget_gate, "i": not cfg.input_gate or cfg.coupled, "o": not cfg.output_gate}
    if fixed.get(gate, False):
        raise ValueError(f"gate: the {GATE_NAMES[gate][0]} of this variant is not computed from "
                         f"weights (variant {cfg.variant_name!r})")
    tm = trace.time_major                               # (T, B, .) arrays
    T, B, H = tm.h.shape
    t, batch, unit = (check_index(n, v, s) for n, v, s in (("t", t, T), ("batch", batch, B),
                                                           ("unit", unit, H)))
    column = LSTM_GATES.index(gate) * H + unit
    h_prev = tm.h0 if t == 0 else tm.h[t - 1]           # (B, H)
    from_hidden = float(h_prev[batch] @ model.params.W_h[:, column])
    from_input = float(tm.x[t, batch] @ model.params.W_x[:, column])
    bias = 0.0 if model.params.b is None else float(model.params.b[column])
    pre = from_hidden + from_input + bias
    value = np.tanh(pre) if gate == "g" else 0.5 * (1.0 + np.tanh(0.5 * pre))
    return GateArithmetic(gate, from_hidden, from_input, bias, pre, float(value))
