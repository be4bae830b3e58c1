"""The live gradient explorers of chapters 4 and 5: how far back a loss at the last step reaches.

Two panels side by side, computed in the reader's browser (``js/gradient_explorer.js``
with the backward passes of ``js/gradients.js``): the vanilla RNN on the left, a gated
cell on the right, each plotting ``||dL/dh_t||`` of the loss ``L = u . h_T`` at every
step t = 1..T on a log axis, with the RNN's bound ``s**(T - t)`` (dotted), the gradient
after norm clipping (dashed) and, for the LSTM variants, ``||dL/dC_t||``.

Continuous controls, synced with Python in JupyterLab (``explorer.forget_bias = 3``):
``weight_scale`` s, ``forget_bias`` b_f, ``length`` T and ``clip_log10`` (clipping
threshold tau = 10**clip_log10, off at the maximum, 4). :class:`VariantGradientExplorer`
adds ``cell``, a labelled radio choice of the right-hand cell.

The numbers are those of :mod:`lstm_edu.gradient_flow`; this module only packs the
weights at s = 1, b_f = 0 (:func:`explorer_cell`), the input and the loss direction into
traits, and writes the text alternative (:func:`describe`) the JavaScript writes too.
"""
from __future__ import annotations

import math

import traitlets

from ..config import VARIANTS
from ..gradient_flow import (
    CELL_LABELS,
    CELL_TYPES,
    DEFAULT_SETUP,
    LSTM_VARIANT,
    GradientSetup,
    build_model,
    check_cell,
    clip_factor,
    gradient_curves,
)
from ..validation import check_finite_real, check_positive_int
from .bundle import stylesheet
from .live import LiveExplorer, as_nested, esm

__all__ = [
    "CONTROLS",
    "CLIP_OFF",
    "explorer_cell",
    "format_number",
    "describe",
    "GradientExplorer",
    "VariantGradientExplorer",
]

#: The sliders: (low, high, step) of each numeric trait (length's high is setup.max_length).
CONTROLS = {
    "weight_scale": (0.25, 3.0, 0.01),
    "forget_bias": (-2.0, 6.0, 0.05),
    "length": (5, 100, 1),
    "clip_log10": (-1.0, 4.0, 0.05),
}
#: clip_log10 at (or above) this value switches clipping off.
CLIP_OFF = CONTROLS["clip_log10"][1]
_FLAGS = ("peepholes", "forget_gate", "input_gate", "output_gate", "output_activation", "coupled")
# the two panels sit side by side when there is room, one above the other on a phone
_PANEL_CSS = """
.lstm-gradient-panels {
  display: grid; grid-template-columns: repeat(auto-fit, minmax(17rem, 1fr)); gap: 0 1rem;
}
.lstm-gradient-note { margin: 0; font-size: 0.85rem; min-height: 1.2em; }
"""


def explorer_cell(cell: str, setup: GradientSetup = DEFAULT_SETUP) -> dict:
    """What the browser needs to build :func:`~lstm_edu.gradient_flow.build_model`'s model.

    Returns
    -------
    dict
        ``kind`` ("lstm", "gru", "rnn"), ``flags`` (the LSTM variant's flags, else None),
        ``forget_block`` (index of the bias block that ``forget_bias`` shifts: 1, the
        forget gate or the GRU's update gate; None for the RNN), ``label`` and
        ``weights``: every parameter array at weight scale 1 and forget bias 0, as lists.
    """
    cell = check_cell(cell)
    model = build_model(cell, 1.0, 0.0, setup)
    flags = None
    if cell in LSTM_VARIANT:
        flags = {flag: getattr(model.cfg, flag) for flag in _FLAGS}
        assert all(flags[k] == v for k, v in VARIANTS[LSTM_VARIANT[cell]].items())
    return {"kind": "rnn" if cell == "rnn" else "gru" if cell == "gru" else "lstm",
            "flags": flags, "forget_block": None if cell == "rnn" else 1,
            "label": CELL_LABELS[cell],
            "weights": {name: as_nested(array) for name, array in model.params.arrays().items()}}


def format_number(value: float, digits: int = 3) -> str:
    """A number as ``controls.js``'s ``formatNumber`` writes it: 0.0123, 12.3, 1.23e-12, 4.56e7."""
    value = float(value)
    if not math.isfinite(value):
        return "Infinity" if value > 0 else "-Infinity" if value < 0 else "NaN"
    if value == 0:
        return "0"
    if abs(value) >= 1e4 or abs(value) < 1e-3:
        mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
        return f"{mantissa}e{int(exponent)}"
    rounded = float(f"{value:.{digits}g}")
    return str(int(rounded)) if rounded.is_integer() else repr(rounded)


def _clipping_text(clip_log10: float) -> str:
    if clip_log10 >= CLIP_OFF:
        return "no clipping"
    return f"clipping threshold τ = {format_number(10.0 ** clip_log10)}"


def _panel_text(cell: str, curves, factor: float, clipping: bool) -> str:
    text = f"{CELL_LABELS[cell]}: ||dL/dh_1|| = {format_number(curves.h_norm[0])}"
    if curves.c_norm is not None:
        text += f", ||dL/dC_1|| = {format_number(curves.c_norm[0])}"
    text += f", parameter-gradient norm {format_number(curves.param_norm)}"
    if not clipping:
        return text + "."
    if factor < 1.0:
        return text + f", clipped by the factor {format_number(factor)}."
    return text + ", not clipped."


def describe(cell: str, weight_scale: float, forget_bias: float, length: int, clip_log10: float,
             setup: GradientSetup = DEFAULT_SETUP) -> str:
    """The explorer's text alternative for these settings (the JavaScript writes the same).

    Parameters
    ----------
    cell : str
        The right-hand panel's cell (the left one is the vanilla RNN).
    weight_scale, forget_bias, length, clip_log10
        The controls (see the module docstring); clip_log10 >= CLIP_OFF: no clipping.
    """
    clip_log10 = check_finite_real("clip_log10", clip_log10)
    clipping = clip_log10 < CLIP_OFF
    tau = 10.0 ** clip_log10 if clipping else math.inf
    panels = []
    for panel_cell in ("rnn", cell):
        curves = gradient_curves(panel_cell, weight_scale, forget_bias, length, setup)
        panels.append(_panel_text(panel_cell, curves, clip_factor(curves.param_norm, tau), clipping))
    return (f"Gradient norm ||dL/dh_t|| at every step t = 1..{length} of the loss L = u·h_T, "
            f"log scale, for the vanilla RNN (left) and the {CELL_LABELS[cell]} (right); "
            f"recurrent weight scale s = {format_number(weight_scale)}, forget bias "
            f"b_f = {format_number(forget_bias)}, {_clipping_text(clip_log10)}. "
            + " ".join(panels))


class _Number(traitlets.Float):
    """A float trait that accepts any finite real (numpy scalars too) within [low, high]."""

    def __init__(self, default: float, low: float, high: float, **kwargs) -> None:
        super().__init__(default, **kwargs)
        self.low, self.high = low, high

    def validate(self, obj, value):
        value = check_finite_real(self.name, value)
        if not self.low <= value <= self.high:
            raise ValueError(f"{self.name}: expected a value in [{self.low:g}, {self.high:g}], "
                             f"got {value:g}")
        return value


class _Length(traitlets.Int):
    """The sequence length: an int (numpy ints too) from 5 to the setup's max_length."""

    def validate(self, obj, value):
        value = check_positive_int(self.name, value)
        high = obj.setup.max_length if hasattr(obj, "setup") else CONTROLS["length"][1]
        if not CONTROLS["length"][0] <= value <= high:
            raise ValueError(f"{self.name}: expected an int in [{CONTROLS['length'][0]}, {high}], "
                             f"got {value}")
        return value


class GradientExplorer(LiveExplorer):
    """A vanilla RNN and a gated cell side by side: ``||dL/dh_t||`` over time, log scale.

    Parameters
    ----------
    cell : {"lstm", "peephole", "cifg", "gru", "rnn"}, default "lstm"
        The cell of the right-hand panel (the left one is always the vanilla RNN).
    setup : GradientSetup, optional
        Sizes, seed and plotting floor; ``setup.max_length`` (>= 5) is the length
        slider's maximum.
    weight_scale, forget_bias, length, clip_log10 : optional
        Starting values of the controls (defaults 1, 1, ``setup.max_length``, 4 = off).

    Attributes
    ----------
    weight_scale, forget_bias, clip_log10 : float
    length : int
    cell : str
        Synced traits: set them from Python and the page redraws; move a control and
        they change here.
    description : str
        The text alternative (:func:`describe`), kept up to date on every change.
    """

    _esm = esm("gradient_explorer")
    _css = stylesheet() + _PANEL_CSS
    weight_scale = _Number(1.0, *CONTROLS["weight_scale"][:2]).tag(sync=True)
    forget_bias = _Number(1.0, *CONTROLS["forget_bias"][:2]).tag(sync=True)
    clip_log10 = _Number(CLIP_OFF, *CONTROLS["clip_log10"][:2]).tag(sync=True)
    length = _Length(100).tag(sync=True)
    cell = traitlets.Unicode("lstm").tag(sync=True)
    # fixed data: the choices of the right-hand cell, their models, the input, u, the floor
    choices = traitlets.List(traitlets.Unicode()).tag(sync=True)
    models = traitlets.Dict().tag(sync=True)
    inputs = traitlets.List().tag(sync=True)
    loss_direction = traitlets.List().tag(sync=True)
    floor = traitlets.Float(1e-30).tag(sync=True)
    steps = traitlets.Dict().tag(sync=True)

    def __init__(self, cell: str = "lstm", setup: GradientSetup = DEFAULT_SETUP,
                 weight_scale: float = 1.0, forget_bias: float = 1.0, length: int | None = None,
                 clip_log10: float = CLIP_OFF, *, choices: tuple[str, ...] | None = None) -> None:
        if not isinstance(setup, GradientSetup):
            raise TypeError(f"setup: expected a GradientSetup, got {type(setup).__name__}")
        if setup.max_length < CONTROLS["length"][0]:
            raise ValueError(f"setup.max_length: expected at least {CONTROLS['length'][0]}, "
                             f"got {setup.max_length}")
        cell = check_cell(cell)
        choices = (cell,) if choices is None else tuple(check_cell(c) for c in choices)
        if cell not in choices:
            raise ValueError(f"cell: expected one of the choices {', '.join(choices)}, got {cell!r}")
        self.setup = setup
        length = setup.max_length if length is None else length
        values = {"weight_scale": weight_scale, "forget_bias": forget_bias, "length": length,
                  "clip_log10": clip_log10}
        for name, value in values.items():                   # checked before anything is built
            getattr(type(self), name).validate(self, value)
        super().__init__(
            cell=cell, choices=list(choices), floor=setup.floor,
            models={name: explorer_cell(name, setup) for name in ("rnn", *choices)},
            inputs=as_nested(setup.inputs()[:, 0]), loss_direction=as_nested(setup.loss_direction()[0]),
            steps={name: CONTROLS[name][2] for name in CONTROLS},
            description=describe(cell, weight_scale, forget_bias, length, clip_log10, setup),
            **{name: value for name, value in values.items()},
        )

    @traitlets.validate("cell")
    def _valid_cell(self, proposal):
        cell = proposal["value"]
        if cell not in self.choices and self.choices:
            raise ValueError(f"cell: expected one of {', '.join(self.choices)}, got {cell!r}")
        return cell

    @traitlets.observe("weight_scale", "forget_bias", "length", "clip_log10", "cell")
    def _redescribe(self, change) -> None:
        self.description = describe(self.cell, self.weight_scale, self.forget_bias, self.length,
                                    self.clip_log10, self.setup)


class VariantGradientExplorer(GradientExplorer):
    """The gradient explorer with a labelled choice of the right-hand cell (chapter 5).

    The ``cell`` trait (and the radio group "cell") takes any of
    :data:`~lstm_edu.gradient_flow.CELL_TYPES`: LSTM, peephole LSTM, CIFG, GRU, vanilla RNN.
    Other parameters as :class:`GradientExplorer`.
    """

    def __init__(self, cell: str = "lstm", setup: GradientSetup = DEFAULT_SETUP, **controls) -> None:
        super().__init__(cell, setup, choices=CELL_TYPES, **controls)
