"""Our own diagrams of recurrent cells, drawn with matplotlib.

Two pictures:

* :func:`draw_unrolled_rnn` -- a recurrent cell folded (with its loop) and unrolled
  over a few time steps, optionally highlighting one step or the path that links an
  early input to a later output (drawn in :mod:`lstm_edu.unrolled_diagram`);
* :func:`draw_lstm_cell` -- one LSTM cell: the cell state running along the top like
  a conveyor belt, the three gates and the candidate below it, and the output path.
  A ``highlight`` picks the part the text is discussing; ``values`` (a
  :class:`~lstm_edu.worked_step.CellStep`, e.g. taken from a real trace with
  :meth:`CellStep.from_trace`) writes the numbers flowing through every wire for one
  time step.

Each function returns a :class:`~lstm_edu.diagram_canvas.Diagram`: the figure, the
artists of every named part (so tests can check which part carries the highlight colour)
and the text of every annotated number. The numbers themselves (:class:`CellStep`,
:func:`gate_arithmetic`, :func:`format_value`) are computed in :mod:`lstm_edu.worked_step`
and stay importable from here.
"""
from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.patches import FancyBboxPatch
from matplotlib.text import Text

from .diagram_canvas import (
    BASE,
    CELL_FILL,
    DIM,
    HIGHLIGHT,
    Diagram,
    DiagramCanvas,
    check_highlight,
    new_axes,
)
from .unrolled_diagram import draw_unrolled_rnn
from .worked_step import CellStep, GateArithmetic, format_value, gate_arithmetic

__all__ = [
    "HIGHLIGHT",
    "BASE",
    "DIM",
    "LSTM_PARTS",
    "LSTM_HIGHLIGHTS",
    "CellStep",
    "GateArithmetic",
    "gate_arithmetic",
    "format_value",
    "Diagram",
    "draw_lstm_cell",
    "draw_unrolled_rnn",
]

_LABEL_BOX = {"boxstyle": "round,pad=0.1", "facecolor": CELL_FILL, "edgecolor": "none"}

#: The atomic parts of the LSTM cell diagram.
LSTM_PARTS = (
    "belt", "forget_gate", "forget_mul", "input_gate", "candidate", "input_mul", "add",
    "output_gate", "cell_tanh", "output_mul", "h_in", "x_in", "bus", "h_out",
)

#: Names accepted by ``draw_lstm_cell(highlight=...)`` -> the atomic parts they colour.
LSTM_HIGHLIGHTS: dict[str, tuple[str, ...]] = {
    "cell_state": ("belt", "forget_mul", "add"),
    "forget": ("forget_gate", "forget_mul"),
    "input": ("input_gate", "candidate", "input_mul", "add"),
    "input_gate": ("input_gate", "input_mul"),
    "candidate": ("candidate", "input_mul"),
    "update": ("belt", "forget_mul", "input_mul", "add"),
    "output": ("output_gate", "cell_tanh", "output_mul", "h_out"),
    "gates": ("forget_gate", "input_gate", "output_gate"),
    "inputs": ("h_in", "x_in", "bus"),
    **{part: (part,) for part in LSTM_PARTS},
}


# Layout of the LSTM cell, in data units.
_BELT_Y, _MUL_Y, _GATE_Y, _HOUT_Y, _BUS_Y = 6.2, 4.7, 3.1, 1.9, 1.0
_FORGET_X, _INPUT_X, _CAND_X, _OUTPUT_X, _OUTMUL_X = 3.6, 5.4, 7.0, 9.0, 10.9
_LEFT, _RIGHT = 0.3, 13.7


def draw_lstm_cell(highlight=None, values: CellStep | None = None, ax: Axes | None = None,
                   title: str | None = None) -> Diagram:
    """One LSTM cell: the cell-state belt, the three gates, the candidate and the output.

    Parameters
    ----------
    highlight : str or sequence of str, optional
        Part(s) to draw in :data:`HIGHLIGHT`; the rest is greyed out. Names:
        ``cell_state, forget, input, input_gate, candidate, update, output, gates, inputs``
        or any atomic part of :data:`LSTM_PARTS`.
    values : CellStep, optional
        Numbers to write next to every wire (one unit, one time step).
    ax : matplotlib Axes, optional
        Axes to draw into; a new 7 x 4 inch figure when None.
    title : str, optional
        Axes title.

    Returns
    -------
    Diagram
        ``labels`` maps ``x, h_prev, c_prev, forget, input, candidate, output, kept,
        written, c, h`` to their Text artists when ``values`` is given.
    """
    atoms = check_highlight(highlight, LSTM_HIGHLIGHTS)
    if values is not None and not isinstance(values, CellStep):
        raise TypeError(f"values: expected a CellStep or None, got {type(values).__name__}")
    figure, ax = new_axes(ax, (7.0, 4.2))
    canvas = DiagramCanvas(ax, atoms)
    _draw_cell_body(canvas)
    _draw_belt(canvas)
    _draw_gates(canvas)
    _draw_output(canvas)
    _draw_inputs(canvas)
    labels = _annotate_cell(canvas, values) if values is not None else {}
    ax.set_xlim(-0.4, 14.4)
    ax.set_ylim(-0.6, 7.6)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return Diagram(figure, ax, canvas.parts, atoms, labels, name="LSTM cell")


def _draw_cell_body(canvas: DiagramCanvas) -> None:
    """The rounded outline of the cell (not a part: never highlighted)."""
    body = FancyBboxPatch((1.4, 0.4), 11.2, 6.8, boxstyle="round,pad=0.05,rounding_size=0.5",
                          facecolor=CELL_FILL, edgecolor="#c9d2de", linewidth=1.0, zorder=0)
    canvas.ax.add_patch(body)


def _draw_belt(canvas: DiagramCanvas) -> None:
    """C_{t-1} -> x (forget) -> + (write) -> C_t along the top."""
    r = 0.28
    canvas.arrow("belt", (_LEFT, _BELT_Y), (_FORGET_X - r, _BELT_Y))
    canvas.arrow("belt", (_FORGET_X + r, _BELT_Y), (_CAND_X - r, _BELT_Y))
    canvas.arrow("belt", (_CAND_X + r, _BELT_Y), (_RIGHT, _BELT_Y))
    canvas.text("belt", (_LEFT, _BELT_Y + 0.45), "$C_{t-1}$", ha="left")
    canvas.text("belt", (_RIGHT, _BELT_Y + 0.45), "$C_t$", ha="right")
    canvas.node("forget_mul", (_FORGET_X, _BELT_Y), "×")
    canvas.node("add", (_CAND_X, _BELT_Y), "+")


def _draw_gates(canvas: DiagramCanvas) -> None:
    """The forget gate, input gate and candidate layers and their wires."""
    r, half = 0.28, 0.35
    canvas.box("forget_gate", (_FORGET_X, _GATE_Y), "σ")
    _gate_label(canvas, "forget_gate", _FORGET_X, "forget\n$f_t$")
    canvas.arrow("forget_gate", (_FORGET_X, _GATE_Y + half), (_FORGET_X, _BELT_Y - r))
    canvas.box("input_gate", (_INPUT_X, _GATE_Y), "σ")
    _gate_label(canvas, "input_gate", _INPUT_X, "input\n$i_t$")
    canvas.arrow("input_gate", (_INPUT_X, _GATE_Y + half), (_INPUT_X, _MUL_Y), (_CAND_X - r, _MUL_Y))
    canvas.box("candidate", (_CAND_X, _GATE_Y), "tanh")
    _gate_label(canvas, "candidate", _CAND_X, "candidate\n" + r"$\tilde C_t$")
    canvas.arrow("candidate", (_CAND_X, _GATE_Y + half), (_CAND_X, _MUL_Y - r))
    canvas.node("input_mul", (_CAND_X, _MUL_Y), "×")
    canvas.arrow("input_mul", (_CAND_X, _MUL_Y + r), (_CAND_X, _BELT_Y - r))


def _gate_label(canvas: DiagramCanvas, part: str, x: float, text: str) -> None:
    """The name of a layer, under its box."""
    canvas.text(part, (x, _GATE_Y - 0.5), text, fontsize=8.5, va="top", bbox=_LABEL_BOX)


def _draw_output(canvas: DiagramCanvas) -> None:
    """tanh(C_t) times the output gate gives h_t, which leaves right and up."""
    r = 0.28
    canvas.box("output_gate", (_OUTPUT_X, _GATE_Y), "σ")
    _gate_label(canvas, "output_gate", _OUTPUT_X, "output\n$o_t$")
    canvas.arrow("output_gate", (_OUTPUT_X + 0.55, _GATE_Y), (_OUTMUL_X - r, _GATE_Y))
    canvas.arrow("cell_tanh", (_OUTMUL_X, _BELT_Y), (_OUTMUL_X, _MUL_Y + r))
    canvas.node("cell_tanh", (_OUTMUL_X, _MUL_Y), "tanh", radius=0.36)
    canvas.arrow("cell_tanh", (_OUTMUL_X, _MUL_Y - 0.36), (_OUTMUL_X, _GATE_Y + r))
    canvas.node("output_mul", (_OUTMUL_X, _GATE_Y), "×")
    canvas.arrow("h_out", (_OUTMUL_X, _GATE_Y - r), (_OUTMUL_X, _HOUT_Y), (_RIGHT, _HOUT_Y))
    canvas.text("h_out", (_RIGHT, _HOUT_Y - 0.4), "$h_t$ (output and next state)", ha="right",
                fontsize=9)


def _draw_inputs(canvas: DiagramCanvas) -> None:
    """h_{t-1} and x_t join into one bus that feeds every layer."""
    canvas.arrow("h_in", (_LEFT, _BUS_Y), (2.2, _BUS_Y), head=False)
    canvas.text("h_in", (_LEFT, _BUS_Y + 0.4), "$h_{t-1}$", ha="left")
    canvas.arrow("x_in", (2.2, -0.5), (2.2, _BUS_Y), head=False)
    canvas.text("x_in", (2.0, -0.3), "$x_t$", ha="right")
    canvas.arrow("bus", (2.2, _BUS_Y), (_OUTPUT_X, _BUS_Y), head=False)
    canvas.text("bus", (2.6, _BUS_Y - 0.25), "$[h_{t-1}, x_t]$", ha="left", va="top", fontsize=9)
    for x in (_FORGET_X, _INPUT_X, _CAND_X, _OUTPUT_X):
        canvas.arrow("bus", (x, _BUS_Y), (x, _GATE_Y - 0.35))


def _annotate_cell(canvas: DiagramCanvas, values: CellStep) -> dict[str, Text]:
    """Write the step's numbers next to the wires; returns name -> Text."""
    style = {"fontsize": 9, "fontweight": "bold",
             "bbox": {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
                      "alpha": 0.85}}
    places = {
        "c_prev": ((_LEFT + 0.1, _BELT_Y - 0.4), "left"),
        "kept": (((_FORGET_X + _CAND_X) / 2, _BELT_Y + 0.4), "center"),
        "c": ((_RIGHT - 0.1, _BELT_Y - 0.4), "right"),
        "forget": ((_FORGET_X + 0.15, (_GATE_Y + _BELT_Y) / 2), "left"),
        "input": ((_INPUT_X - 0.1, _MUL_Y + 0.35), "center"),
        "candidate": ((_CAND_X + 0.15, (_GATE_Y + _MUL_Y) / 2 + 0.1), "left"),
        "written": ((_CAND_X + 0.15, (_MUL_Y + _BELT_Y) / 2), "left"),
        "output": (((_OUTPUT_X + _OUTMUL_X) / 2, _GATE_Y + 0.35), "center"),
        "h": ((_RIGHT - 0.1, _HOUT_Y + 0.35), "right"),
        "h_prev": ((_LEFT + 0.1, _BUS_Y - 0.4), "left"),
        "x": ((2.4, -0.3), "left"),
    }
    labels = {}
    for name, (at, ha) in places.items():
        value = getattr(values, name)
        labels[name] = canvas.ax.text(*at, format_value(value), ha=ha, va="center",
                                      color="#1f5fa8", zorder=6, **style)
    return labels
