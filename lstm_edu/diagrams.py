"""Our own diagrams of recurrent cells, drawn with matplotlib.

Two pictures:

* :func:`draw_unrolled_rnn` -- a recurrent cell folded (with its loop) and unrolled
  over a few time steps, optionally highlighting one step or the path that links an
  early input to a later output;
* :func:`draw_lstm_cell` -- one LSTM cell: the cell state running along the top like
  a conveyor belt, the three gates and the candidate below it, and the output path.
  A ``highlight`` picks the part the text is discussing; ``values`` (a
  :class:`CellStep`, e.g. taken from a real trace with :meth:`CellStep.from_trace`)
  writes the numbers flowing through every wire for one time step.

Each function returns a :class:`Diagram`: the figure, the artists of every named part
(so tests can check which part carries the highlight colour) and the text of every
annotated number.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass, field, fields
from typing import Iterable, Mapping

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path
from matplotlib.text import Text

__all__ = [
    "HIGHLIGHT",
    "BASE",
    "DIM",
    "LSTM_PARTS",
    "LSTM_HIGHLIGHTS",
    "CellStep",
    "GateArithmetic",
    "gate_arithmetic",
    "Diagram",
    "draw_lstm_cell",
    "draw_unrolled_rnn",
]

#: Colour of the highlighted part.
HIGHLIGHT = "#d1495b"
#: Colour of every part when nothing is highlighted.
BASE = "#30343f"
#: Colour of the parts that are not highlighted when something is.
DIM = "#b8bcc6"
_BOX_FILL = "#fdf3d8"
_CELL_FILL = "#eef2f7"
_HIGHLIGHT_FILL = "#f7d9dd"
_LABEL_BOX = {"boxstyle": "round,pad=0.1", "facecolor": _CELL_FILL, "edgecolor": "none"}

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


# ----------------------------------------------------------------------------- values


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
        ``f_t``, ``i_t``, ``\\tilde C_t`` and ``o_t`` of the unit.
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
        trace : lstm_edu.sequence.Trace
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
        from .sequence import Trace

        if not isinstance(trace, Trace) or trace.kind != "lstm":
            kind = getattr(trace, "kind", type(trace).__name__)
            raise TypeError(f"trace: expected an LSTM Trace (from LSTM.forward), got {kind!r}")
        tm = trace.time_major                     # time-major arrays (T, B, .)
        T, B, H = tm.h.shape
        t = _check_index("t", t, T)
        batch = _check_index("batch", batch, B)
        unit = _check_index("unit", unit, H)
        feature = _check_index("feature", feature, tm.x.shape[2])
        h_prev = tm.h0 if t == 0 else tm.h[t - 1]  # (B, H)
        c_prev = tm.c0 if t == 0 else tm.c[t - 1]  # (B, H)
        gates = {name: np.swapaxes(value, 0, 1) if trace.batch_first else value
                 for name, value in trace.gates.items()}  # (T, B, H)
        return cls(x=tm.x[t, batch, feature], h_prev=h_prev[batch, unit],
                   c_prev=c_prev[batch, unit], forget=gates["f"][t, batch, unit],
                   input=gates["i"][t, batch, unit], candidate=gates["g"][t, batch, unit],
                   output=gates["o"][t, batch, unit], c=tm.c[t, batch, unit],
                   h=tm.h[t, batch, unit])


_GATE_NAMES = {"f": ("forget gate", "f_t", "W_f", "b_f"), "i": ("input gate", "i_t", "W_i", "b_i"),
               "g": ("candidate", "C~_t", "W_C", "b_C"), "o": ("output gate", "o_t", "W_o", "b_o")}


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
        name, symbol, weight, bias = _GATE_NAMES[self.gate]
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
    trace : lstm_edu.sequence.Trace
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
    from .cells import LSTM_GATES
    from .sequence import LSTM

    if not isinstance(model, LSTM):
        raise TypeError(f"model: expected an lstm_edu LSTM, got {type(model).__name__}")
    model._check_trace(trace)
    if gate not in _GATE_NAMES:
        raise ValueError(f"gate: expected one of 'f', 'i', 'g', 'o', got {gate!r}")
    cfg = model.cfg
    if cfg.peepholes:
        raise ValueError("model: gate_arithmetic covers LSTMs without peepholes, got peepholes=True")
    fixed = {"f": not cfg.forget_gate, "i": not cfg.input_gate or cfg.coupled, "o": not cfg.output_gate}
    if fixed.get(gate, False):
        raise ValueError(f"gate: the {_GATE_NAMES[gate][0]} of this variant is not computed from "
                         f"weights (variant {cfg.variant_name!r})")
    tm = trace.time_major                               # (T, B, .) arrays
    T, B, H = tm.h.shape
    t, batch, unit = (_check_index(n, v, s) for n, v, s in (("t", t, T), ("batch", batch, B),
                                                            ("unit", unit, H)))
    column = LSTM_GATES.index(gate) * H + unit
    h_prev = tm.h0 if t == 0 else tm.h[t - 1]           # (B, H)
    from_hidden = float(h_prev[batch] @ model.params.W_h[:, column])
    from_input = float(tm.x[t, batch] @ model.params.W_x[:, column])
    bias = 0.0 if model.params.b is None else float(model.params.b[column])
    pre = from_hidden + from_input + bias
    value = np.tanh(pre) if gate == "g" else 0.5 * (1.0 + np.tanh(0.5 * pre))
    return GateArithmetic(gate, from_hidden, from_input, bias, pre, float(value))


def _check_index(name: str, value: object, size: int) -> int:
    """An int index into an axis of ``size`` (negative counts from the end)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an int, got {type(value).__name__} {value!r}")
    if not -size <= value < size:
        raise ValueError(f"{name}: expected an index in [{-size}, {size - 1}], got {value}")
    return int(value) % size


def format_value(value: float) -> str:
    """A number with 3 significant digits, as the diagrams print it."""
    text = f"{value:.3g}"
    return "0" if text == "-0" else text


# ----------------------------------------------------------------------------- the diagram object


@dataclass
class Diagram:
    """A drawn diagram.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
    axes : matplotlib.axes.Axes
    parts : dict of str to list of Artist
        The artists of each named part.
    highlighted : tuple of str
        The parts drawn in :data:`HIGHLIGHT`.
    labels : dict of str to Text
        Annotated numbers (empty unless values were given).
    """

    figure: Figure
    axes: Axes
    parts: dict[str, list[Artist]] = field(default_factory=dict)
    highlighted: tuple[str, ...] = ()
    labels: dict[str, Text] = field(default_factory=dict)
    name: str = "diagram"

    def colour_of(self, part: str) -> tuple[float, float, float, float]:
        """RGBA edge colour of a part's first artist."""
        if part not in self.parts:
            raise ValueError(f"part: expected one of {sorted(self.parts)}, got {part!r}")
        return _colour_of(self.parts[part][0])

    def png(self) -> bytes:
        """The figure as PNG bytes."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", metadata={"Software": None})
        return buffer.getvalue()

    def _repr_png_(self) -> bytes:
        return self.png()

    def __repr__(self) -> str:
        marked = ", ".join(self.highlighted) if self.highlighted else "none"
        return f"<{self.name} diagram, highlighted: {marked}>"


def _colour_of(artist: Artist) -> tuple[float, float, float, float]:
    """RGBA of an artist's stroke (text colour for Text)."""
    from matplotlib.colors import to_rgba

    if isinstance(artist, Text):
        return to_rgba(artist.get_color())
    return to_rgba(artist.get_edgecolor())


class _Canvas:
    """Helper that draws primitives into an axes and files them under part names."""

    def __init__(self, ax: Axes, highlighted: Iterable[str]):
        self.ax = ax
        self.highlighted = set(highlighted)
        self.any_highlight = bool(self.highlighted)
        self.parts: dict[str, list[Artist]] = {}

    def colour(self, part: str) -> str:
        if part in self.highlighted:
            return HIGHLIGHT
        return DIM if self.any_highlight else BASE

    def fill(self, part: str, default: str) -> str:
        return _HIGHLIGHT_FILL if part in self.highlighted else default

    def width(self, part: str) -> float:
        return 2.6 if part in self.highlighted else 1.5

    def add(self, part: str, artist: Artist) -> Artist:
        artist.set_gid(part)
        self.parts.setdefault(part, []).append(artist)
        return artist

    def arrow(self, part: str, *points: tuple[float, float], head: bool = True) -> FancyArrowPatch:
        """A polyline through ``points``, with an arrow head at the end."""
        path = Path(np.asarray(points, dtype=float))
        patch = FancyArrowPatch(path=path, arrowstyle="-|>" if head else "-", mutation_scale=11,
                                color=self.colour(part), linewidth=self.width(part),
                                shrinkA=0, shrinkB=0, joinstyle="miter", zorder=2)
        self.ax.add_patch(patch)
        return self.add(part, patch)

    def box(self, part: str, centre: tuple[float, float], text: str, width: float = 1.1,
            height: float = 0.7) -> FancyBboxPatch:
        """A rounded box with a label (a layer with weights)."""
        x, y = centre
        patch = FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                               boxstyle="round,pad=0.02,rounding_size=0.12",
                               facecolor=self.fill(part, _BOX_FILL), edgecolor=self.colour(part),
                               linewidth=self.width(part), zorder=3)
        self.ax.add_patch(patch)
        self.add(part, patch)
        self.add(part, self.ax.text(x, y, text, ha="center", va="center", fontsize=11,
                                    color=self.colour(part), zorder=4))
        return patch

    def node(self, part: str, centre: tuple[float, float], symbol: str, radius: float = 0.28) -> Circle:
        """A pointwise operation: a circle with ``x``, ``+`` or ``tanh``."""
        patch = Circle(centre, radius, facecolor=self.fill(part, "white"),
                       edgecolor=self.colour(part), linewidth=self.width(part), zorder=3)
        self.ax.add_patch(patch)
        self.add(part, patch)
        size = 12 if len(symbol) == 1 else 8
        self.add(part, self.ax.text(*centre, symbol, ha="center", va="center", fontsize=size,
                                    color=self.colour(part), zorder=4))
        return patch

    def text(self, part: str, at: tuple[float, float], text: str, **kwargs) -> Text:
        kwargs.setdefault("ha", "center")
        kwargs.setdefault("va", "center")
        kwargs.setdefault("fontsize", 10)
        label = self.ax.text(*at, text, color=self.colour(part), zorder=5, **kwargs)
        return self.add(part, label)


def _check_highlight(highlight, names: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Atomic parts of a highlight given as None, a name or a sequence of names."""
    if highlight is None:
        return ()
    requested = [highlight] if isinstance(highlight, str) else highlight
    try:
        requested = list(requested)
    except TypeError:
        raise TypeError(f"highlight: expected None, a str or a sequence of str, got "
                        f"{type(highlight).__name__}") from None
    atoms: list[str] = []
    for name in requested:
        if not isinstance(name, str) or name not in names:
            raise ValueError(f"highlight: expected names from {sorted(names)}, got {name!r}")
        atoms.extend(a for a in names[name] if a not in atoms)
    return tuple(atoms)


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """The figure and axes to draw into (a new figure when ``ax`` is None)."""
    if ax is None:
        figure = Figure(figsize=figsize, dpi=80, layout="constrained")
        ax = figure.add_subplot()
    elif not isinstance(ax, Axes):
        raise TypeError(f"ax: expected a matplotlib Axes or None, got {type(ax).__name__}")
    return ax.figure, ax


# ----------------------------------------------------------------------------- LSTM cell

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
    atoms = _check_highlight(highlight, LSTM_HIGHLIGHTS)
    if values is not None and not isinstance(values, CellStep):
        raise TypeError(f"values: expected a CellStep or None, got {type(values).__name__}")
    figure, ax = _new_axes(ax, (7.0, 4.2))
    canvas = _Canvas(ax, atoms)
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


def _draw_cell_body(canvas: _Canvas) -> None:
    """The rounded outline of the cell (not a part: never highlighted)."""
    body = FancyBboxPatch((1.4, 0.4), 11.2, 6.8, boxstyle="round,pad=0.05,rounding_size=0.5",
                          facecolor=_CELL_FILL, edgecolor="#c9d2de", linewidth=1.0, zorder=0)
    canvas.ax.add_patch(body)


def _draw_belt(canvas: _Canvas) -> None:
    """C_{t-1} -> x (forget) -> + (write) -> C_t along the top."""
    r = 0.28
    canvas.arrow("belt", (_LEFT, _BELT_Y), (_FORGET_X - r, _BELT_Y))
    canvas.arrow("belt", (_FORGET_X + r, _BELT_Y), (_CAND_X - r, _BELT_Y))
    canvas.arrow("belt", (_CAND_X + r, _BELT_Y), (_RIGHT, _BELT_Y))
    canvas.text("belt", (_LEFT, _BELT_Y + 0.45), "$C_{t-1}$", ha="left")
    canvas.text("belt", (_RIGHT, _BELT_Y + 0.45), "$C_t$", ha="right")
    canvas.node("forget_mul", (_FORGET_X, _BELT_Y), "×")
    canvas.node("add", (_CAND_X, _BELT_Y), "+")


def _draw_gates(canvas: _Canvas) -> None:
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


def _gate_label(canvas: _Canvas, part: str, x: float, text: str) -> None:
    """The name of a layer, under its box."""
    canvas.text(part, (x, _GATE_Y - 0.5), text, fontsize=8.5, va="top", bbox=_LABEL_BOX)


def _draw_output(canvas: _Canvas) -> None:
    """tanh(C_t) times the output gate gives h_t, which leaves right and up."""
    r, half = 0.28, 0.35
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


def _draw_inputs(canvas: _Canvas) -> None:
    """h_{t-1} and x_t join into one bus that feeds every layer."""
    canvas.arrow("h_in", (_LEFT, _BUS_Y), (2.2, _BUS_Y), head=False)
    canvas.text("h_in", (_LEFT, _BUS_Y + 0.4), "$h_{t-1}$", ha="left")
    canvas.arrow("x_in", (2.2, -0.5), (2.2, _BUS_Y), head=False)
    canvas.text("x_in", (2.0, -0.3), "$x_t$", ha="right")
    canvas.arrow("bus", (2.2, _BUS_Y), (_OUTPUT_X, _BUS_Y), head=False)
    canvas.text("bus", (2.6, _BUS_Y - 0.25), "$[h_{t-1}, x_t]$", ha="left", va="top", fontsize=9)
    for x in (_FORGET_X, _INPUT_X, _CAND_X, _OUTPUT_X):
        canvas.arrow("bus", (x, _BUS_Y), (x, _GATE_Y - 0.35))


def _annotate_cell(canvas: _Canvas, values: CellStep) -> dict[str, Text]:
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


# ----------------------------------------------------------------------------- unrolled RNN


def draw_unrolled_rnn(steps: int = 4, cell: str = "rnn", highlight=None, ax: Axes | None = None,
                      title: str | None = None) -> Diagram:
    """A recurrent cell folded (with its loop) and unrolled over ``steps`` time steps.

    Parameters
    ----------
    steps : int, default 4
        Copies of the cell in the unrolled picture (1 to 8).
    cell : {"rnn", "lstm"}, default "rnn"
        Label of the boxes; ``"lstm"`` adds the cell-state wire between copies.
    highlight : None, int or (int, int), optional
        An int highlights that step (0-based); a pair ``(first, last)`` highlights the
        path that carries the input at step ``first`` to the output at step ``last``.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    Diagram
        Parts ``loop`` (the folded cell), ``step_k`` (box, input and output of step k)
        and ``link_k`` (the recurrent wire(s) from step k-1 into step k; ``link_0``
        carries the initial state).
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not 1 <= steps <= 8:
        raise ValueError(f"steps: expected an int from 1 to 8, got {steps!r}")
    if cell not in ("rnn", "lstm"):
        raise ValueError(f"cell: expected 'rnn' or 'lstm', got {cell!r}")
    atoms = _unrolled_highlight(highlight, steps)
    figure, ax = _new_axes(ax, (1.6 + 1.25 * steps, 2.6))
    canvas = _Canvas(ax, atoms)
    label = "RNN" if cell == "rnn" else "LSTM"
    _draw_folded(canvas, label)
    ax.text(2.3, 1.5, "=", fontsize=20, ha="center", va="center", color=BASE)
    for k in range(steps):
        _draw_unrolled_step(canvas, k, label, lstm=cell == "lstm")
    ax.set_xlim(-0.3, 3.6 + 1.6 * steps)
    ax.set_ylim(-0.35, 3.35)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return Diagram(figure, ax, canvas.parts, atoms, {}, name=f"unrolled {label}")


def _unrolled_highlight(highlight, steps: int) -> tuple[str, ...]:
    """Atomic parts for draw_unrolled_rnn's highlight argument."""
    if highlight is None:
        return ()
    if isinstance(highlight, (int, np.integer)) and not isinstance(highlight, bool):
        _check_index("highlight", int(highlight), steps)
        return (f"step_{int(highlight) % steps}",)
    if isinstance(highlight, tuple) and len(highlight) == 2:
        first, last = (_check_index("highlight", int(k), steps) if isinstance(k, (int, np.integer))
                       and not isinstance(k, bool) else _bad_highlight(highlight) for k in highlight)
        if first > last:
            raise ValueError(f"highlight: expected (first, last) with first <= last, got {highlight}")
        path = [f"x_{first}"] + [f"box_{k}" for k in range(first, last + 1)]
        path += [f"link_{k}" for k in range(first + 1, last + 1)] + [f"y_{last}"]
        return tuple(path)
    return _bad_highlight(highlight)


def _bad_highlight(highlight):
    """Raise the TypeError for an unusable unrolled-diagram highlight."""
    raise TypeError(f"highlight: expected None, an int step or a (first, last) pair of ints, "
                    f"got {highlight!r}")


def _draw_folded(canvas: _Canvas, label: str) -> None:
    """The cell with its recurrent loop."""
    canvas.box("loop", (0.9, 1.5), label, width=1.0, height=0.8)
    canvas.arrow("loop", (0.9, 0.0), (0.9, 1.1))
    canvas.arrow("loop", (0.9, 1.9), (0.9, 3.0))
    canvas.arrow("loop", (1.4, 1.7), (1.75, 1.7), (1.75, 2.35), (0.2, 2.35), (0.2, 1.7), (0.4, 1.7))
    canvas.text("loop", (0.65, -0.12), "$x_t$", ha="right", fontsize=9)
    canvas.text("loop", (0.65, 3.1), "$h_t$", ha="right", fontsize=9)


def _draw_unrolled_step(canvas: _Canvas, k: int, label: str, lstm: bool) -> None:
    """One copy of the cell at step k, with the wire(s) coming in from step k-1."""
    x = 4.0 + 1.6 * k
    step = f"step_{k}"
    box_part = f"box_{k}" if f"box_{k}" in canvas.highlighted else step
    in_part = f"x_{k}" if f"x_{k}" in canvas.highlighted else step
    out_part = f"y_{k}" if f"y_{k}" in canvas.highlighted else step
    canvas.box(box_part, (x, 1.5), label, width=1.0, height=0.8)
    canvas.arrow(in_part, (x, 0.0), (x, 1.1))
    canvas.text(in_part, (x - 0.1, -0.12), f"$x_{{{k + 1}}}$", ha="right", fontsize=9)
    canvas.arrow(out_part, (x, 1.9), (x, 3.0))
    canvas.text(out_part, (x - 0.1, 3.1), f"$h_{{{k + 1}}}$", ha="right", fontsize=9)
    start = x - 1.1 if k > 0 else x - 0.95
    canvas.arrow(f"link_{k}", (start, 1.5), (x - 0.5, 1.5))
    if k == 0:
        canvas.text("link_0", (start - 0.05, 1.5), "$h_0$", ha="right", fontsize=9)
    if lstm:
        canvas.arrow(f"link_{k}", (start, 1.8), (x - 0.5, 1.8))
        if k == 0:
            canvas.text("link_0", (start - 0.05, 1.85), "$C_0$", ha="right", fontsize=9)
    if box_part != step or in_part != step or out_part != step:
        # keep every artist of the step reachable under its step name as well
        for part in {box_part, in_part, out_part} - {step}:
            canvas.parts.setdefault(step, []).extend(canvas.parts[part])
