"""The step explorer: walk through a real LSTM trace and watch the numbers flow through the cell.

A live explorer (:class:`lstm_edu.widgets.live.LiveExplorer`): the reader's browser draws
the LSTM cell (``js/cell_diagram.js``) with one unit's numbers at the chosen time step
written next to every wire, and recomputes the whole trace from the model's weights
(``js/cells.js``) when the reader changes the input at that step, so every gate and state
from that step on responds. It works on the static site with no kernel; in JupyterLab its
traits sync with Python (``explorer.step = 3`` moves the slider).

The numbers the Python side states (the text alternative, :meth:`StepExplorer.cell_step`)
come from ``LSTM.forward`` and :meth:`lstm_edu.diagrams.CellStep.from_trace`.
"""
from __future__ import annotations

import numbers

import numpy as np
import traitlets

from ..diagrams import CellStep, format_value
from ..sequence import LSTM
from ..validation import as_float_array, check_finite_real
from .live import LiveExplorer, as_nested, esm

__all__ = ["StepExplorer"]

MIN_STEPS, MAX_STEPS, MAX_FEATURES = 2, 60, 4
_FLAGS = ("peepholes", "forget_gate", "input_gate", "output_gate", "output_activation", "coupled")


def _describe(x_text: str, v: CellStep, step: int, steps: int, unit: int) -> str:
    """The text alternative of the diagram (the words js/step_explorer.js writes)."""
    f3 = format_value
    return (f"An LSTM cell at step {step} of {steps}, hidden unit {unit}, with its numbers on the wires: "
            f"input x_t = {x_text}, previous hidden state h_t-1 = {f3(v.h_prev)} and cell state "
            f"C_t-1 = {f3(v.c_prev)}; forget gate f_t = {f3(v.forget)}, input gate i_t = {f3(v.input)}, "
            f"candidate C~_t = {f3(v.candidate)}, output gate o_t = {f3(v.output)}; kept f_t·C_t-1 = "
            f"{f3(v.kept)}, written i_t·C~_t = {f3(v.written)}; new cell state C_t = {f3(v.c)}, "
            f"tanh(C_t) = {f3(float(np.tanh(v.c)))}, new hidden state h_t = {f3(v.h)}.")


class _Whole(traitlets.Int):
    """An int trait that refuses other types with a TypeError naming the trait."""

    def validate(self, obj, value):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{self.name}: expected an int, got {type(value).__name__} {value!r}")
        return int(value)


class StepExplorer(LiveExplorer):
    """An LSTM cell diagram with one unit's numbers at a chosen step, computed in the browser.

    Parameters
    ----------
    model : lstm_edu.sequence.LSTM
        A float64 vanilla LSTM (the cell the diagram draws; with or without bias).
    inputs : array_like of float
        One sequence: ``(T, D)``, or ``(T, B, D)`` (``(B, T, D)`` when ``model.batch_first``)
        with ``batch`` picking the sequence; 2 to 60 steps, ``D = model.input_size`` <= 4.
    step : int, default 1
        The time step shown, ``1 <= step <= T`` (step ``t`` of the equations, index ``t - 1``).
    unit : int, default 0
        The hidden unit shown, ``0 <= unit < H``.
    batch : int, default 0
        The sequence of a 3-d ``inputs``.
    input_range : (float, float), optional
        Range of the input sliders; must hold every input. Default: symmetric, the larger of
        2 and the largest absolute input rounded up.

    Attributes (synced traits)
    --------------------------
    weights : dict of str to nested lists
        ``model.params.arrays()`` (``W_x (D, 4H)``, ``W_h (H, 4H)``, ``b (4H,)``, peepholes).
    flags : dict of str to bool
        The model's flags (``lstm_edu.config.LSTMConfig``; the vanilla cell's, which
        ``js/cells.js`` computes with).
    inputs : list of T lists of D floats
        The inputs the trace is computed from; the reader's changes land here.
    initial_inputs : list of T lists of D floats
        The inputs given (the "Reset the inputs" button restores them).
    step, unit : int
    input_range : [float, float]
    description : str
        The text alternative of the diagram at the current step, unit and inputs.
    """

    _esm = esm("step_explorer")
    weights = traitlets.Dict().tag(sync=True)
    flags = traitlets.Dict().tag(sync=True)
    inputs = traitlets.List().tag(sync=True)
    initial_inputs = traitlets.List().tag(sync=True)
    step = _Whole(1).tag(sync=True)
    unit = _Whole(0).tag(sync=True)
    input_range = traitlets.List([-2.0, 2.0]).tag(sync=True)

    def __init__(self, model, inputs, step: int = 1, unit: int = 0, batch: int = 0, input_range=None) -> None:
        if not isinstance(model, LSTM):
            raise TypeError(f"model: expected an lstm_edu LSTM, got {type(model).__name__}")
        if model.dtype != np.float64:
            raise ValueError(f"model: expected a float64 LSTM (the browser computes in float64), "
                             f"got {model.dtype}")
        if model.cfg.variant_name != "vanilla":
            raise ValueError(f"model: expected a vanilla LSTM (the diagram draws the seeds' cell: no "
                             f"peepholes, every gate, tanh on the output), got variant "
                             f"{model.cfg.variant_name or 'with custom flags'!r}")
        if model.input_size > MAX_FEATURES:
            raise ValueError(f"model: expected at most {MAX_FEATURES} input features (one slider each), "
                             f"got {model.input_size}")
        sequence = _one_sequence(inputs, model, batch)                     # (T, D)
        low, high = _input_range(input_range, sequence)
        T, H = sequence.shape[0], model.hidden_size
        _check_range("step", step, 1, T)
        _check_range("unit", unit, 0, H - 1)
        self.model = model
        nested = as_nested(sequence)
        super().__init__(weights={name: as_nested(array) for name, array in model.params.arrays().items()},
                         flags={name: bool(getattr(model.cfg, name)) for name in _FLAGS},
                         initial_inputs=nested, inputs=nested, step=int(step), unit=int(unit),
                         input_range=[low, high])
        self._describe()

    # ------------------------------------------------------------------ validation of trait changes

    @traitlets.validate("step")
    def _valid_step(self, proposal):
        return _check_range("step", proposal["value"], 1, len(self.initial_inputs))

    @traitlets.validate("unit")
    def _valid_unit(self, proposal):
        return _check_range("unit", proposal["value"], 0, len(self.weights["W_h"]) - 1)

    @traitlets.validate("inputs")
    def _valid_inputs(self, proposal):
        value = proposal["value"]
        if not self.initial_inputs:                 # during __init__: checked there
            return value
        T, D = len(self.initial_inputs), len(self.initial_inputs[0])
        array = _real_array("inputs", value)
        if array.shape != (T, D):
            raise ValueError(f"inputs: expected shape ({T}, {D}) (T, D), got shape {array.shape}")
        return as_nested(array)

    @traitlets.observe("inputs", "step", "unit")
    def _changed(self, change) -> None:
        if self.initial_inputs:
            self._describe()

    # ------------------------------------------------------------------ lstm_edu's numbers

    def trace(self):
        """``model.forward`` on the current ``inputs`` (one sequence, ``(T, 1, D)`` time-major)."""
        x = np.asarray(self.inputs, dtype=np.float64)[:, None, :]         # (T, 1, D)
        return self.model.forward(x.swapaxes(0, 1) if self.model.batch_first else x)

    def cell_step(self, feature: int = 0) -> CellStep:
        """The numbers of ``unit`` at ``step`` on the current inputs (``CellStep.from_trace``)."""
        return CellStep.from_trace(self.trace(), self.step - 1, unit=self.unit, feature=feature)

    def _describe(self) -> None:
        row = self.inputs[self.step - 1]
        x_text = format_value(row[0]) if len(row) == 1 else "[" + ", ".join(map(format_value, row)) + "]"
        self.description = _describe(x_text, self.cell_step(), self.step, len(self.inputs), self.unit)


def _check_range(name: str, value, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected an int, got {type(value).__name__} {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name}: expected an int from {low} to {high}, got {value}")
    return int(value)


def _real_array(name: str, value) -> np.ndarray:
    """Real numbers (ints from JSON included, bools refused) as a finite float64 array."""
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name}: expected a (T, D) array of real numbers, got {type(value).__name__} "
                        f"that numpy cannot turn into an array ({error})") from None
    real = np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)
    if array.dtype == bool or not real:
        raise TypeError(f"{name}: expected real numbers, got dtype {array.dtype}")
    return as_float_array(name, array.astype(np.float64))


def _one_sequence(inputs, model: LSTM, batch) -> np.ndarray:
    """The sequence the explorer shows, (T, D), checked against the model."""
    x = as_float_array("inputs", inputs, dtype=np.float64)
    D = model.input_size
    if x.ndim == 3:
        layout = "(B, T, D)" if model.batch_first else "(T, B, D)"
        B = x.shape[0] if model.batch_first else x.shape[1]
        if x.shape[2] != D:
            raise ValueError(f"inputs: expected shape {layout} with D = {D}, got shape {x.shape}")
        batch = _check_range("batch", batch, 0, B - 1)
        x = x[batch] if model.batch_first else x[:, batch]
    elif x.ndim != 2 or x.shape[1] != D:
        raise ValueError(f"inputs: expected a (T, {D}) array or a 3-d batch in the model's layout, "
                         f"got shape {x.shape}")
    if not MIN_STEPS <= x.shape[0] <= MAX_STEPS:
        raise ValueError(f"inputs: expected {MIN_STEPS} to {MAX_STEPS} time steps, got {x.shape[0]}")
    return x


def _input_range(value, sequence: np.ndarray) -> tuple[float, float]:
    """The sliders' (low, high): given, or symmetric around 0 and at least +-2."""
    largest = float(np.abs(sequence).max())
    if value is None:
        bound = max(2.0, float(np.ceil(largest)))
        return -bound, bound
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise TypeError(f"input_range: expected a pair (low, high), got {type(value).__name__} {value!r}")
    low, high = (check_finite_real("input_range", v) for v in value)
    if not low < high:
        raise ValueError(f"input_range: expected low < high, got ({low}, {high})")
    if sequence.min() < low or sequence.max() > high:
        raise ValueError(f"input_range: expected a range holding every input "
                         f"({sequence.min():.3g} to {sequence.max():.3g}), got ({low}, {high})")
    return low, high
