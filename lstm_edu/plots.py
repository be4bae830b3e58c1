"""Small plots shared by chapters 1-3: gradient norms over time and an LSTM trace's gates.

Each function returns a :class:`Plot` that keeps the figure and its lines by name, so
tests can check the plotted data and notebooks can show it (its repr is one short line,
its picture a PNG).
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .trace import Trace
from .validation import as_float_array

__all__ = ["Plot", "plot_gradient_norms", "plot_gates", "plot_hidden_states", "GATE_COLOURS"]

#: Colours of the gates and states, shared by every plot of chapters 1-3.
GATE_COLOURS = {
    "f": "#1b9e77",
    "i": "#d95f02",
    "g": "#7570b3",
    "o": "#e7298a",
    "c": "#1f5fa8",
    "h": "#333333",
}
_GATE_LABELS = {
    "f": "forget gate $f_t$",
    "i": "input gate $i_t$",
    "o": "output gate $o_t$",
    "g": r"candidate $\tilde C_t$",
    "c": "cell state $C_t$",
    "h": "hidden state $h_t$",
}


@dataclass
class Plot:
    """A figure and its named lines.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
    axes : tuple of Axes
    lines : dict of str to Line2D
    name : str
        Short description used in the repr.
    """

    figure: Figure
    axes: tuple[Axes, ...]
    lines: dict[str, Line2D] = field(default_factory=dict)
    name: str = "plot"

    def png(self) -> bytes:
        """The figure as PNG bytes."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", metadata={"Software": None})
        return buffer.getvalue()

    def _repr_png_(self) -> bytes:
        return self.png()

    def __repr__(self) -> str:
        return f"<{self.name}: {len(self.lines)} lines>"


def _new_figure(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """A new constrained-layout figure with one axes, or the given axes' figure."""
    if ax is None:
        figure = Figure(figsize=figsize, dpi=80, layout="constrained")
        return figure, figure.add_subplot()
    if not isinstance(ax, Axes):
        raise TypeError(f"ax: expected a matplotlib Axes or None, got {type(ax).__name__}")
    return ax.figure, ax


def plot_gradient_norms(curves: Mapping[str, object], ax: Axes | None = None,
                        title: str | None = None,
                        ylabel: str = r"$\|\partial L / \partial h_t\|$") -> Plot:
    """Gradient norm per time step, one line per curve, on a log scale.

    Parameters
    ----------
    curves : mapping of str to array_like of shape (T,)
        Label -> norms for t = 1..T (e.g. ``grads.h_norm`` or ``jacobian_norms(...)``).
        Curves may have different lengths; values must be finite and positive.
    ax : Axes, optional
        Axes to draw into (a new 7 x 3.2 inch figure when None).
    title : str, optional
    ylabel : str, optional

    Returns
    -------
    Plot
        ``lines`` keyed by the curve labels; x data are the steps 1..T.
    """
    if not isinstance(curves, Mapping) or not curves:
        raise TypeError(f"curves: expected a non-empty mapping label -> norms, got {curves!r}")
    checked = {}
    for label, values in curves.items():
        if not isinstance(label, str):
            raise TypeError(f"curves: expected str labels, got {type(label).__name__} {label!r}")
        array = as_float_array(f"curves[{label!r}]", values, np.float64)
        if array.ndim != 1 or array.size == 0:
            raise ValueError(f"curves[{label!r}]: expected a non-empty 1-d array (T,), "
                             f"got shape {array.shape}")
        if (array <= 0).any():
            raise ValueError(f"curves[{label!r}]: a log scale needs positive norms, got minimum "
                             f"{array.min():.3g}")
        checked[label] = array
    figure, ax = _new_figure(ax, (7.0, 3.2))
    lines = {}
    for label, norms in checked.items():
        (lines[label],) = ax.plot(np.arange(1, norms.size + 1), norms, label=label, linewidth=2)
    ax.set_yscale("log")
    ax.set_xlabel("time step $t$")
    ax.set_ylabel(ylabel)
    ax.legend(loc="best", fontsize=9)
    if title:
        ax.set_title(title)
    return Plot(figure, (ax,), lines, name="gradient norms")


def _trace_slices(trace, batch: int, unit: int) -> dict[str, np.ndarray]:
    """Time series (T,) of every gate and state of one LSTM unit."""
    if not isinstance(trace, Trace) or trace.kind != "lstm":
        kind = getattr(trace, "kind", type(trace).__name__)
        raise TypeError(f"trace: expected an LSTM Trace (from LSTM.forward), got {kind!r}")
    tm = trace.time_major                          # (T, B, H) arrays
    T, B, H = tm.h.shape
    for name, value, size in (("batch", batch, B), ("unit", unit, H)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value < size:
            raise ValueError(f"{name}: expected an int in [0, {size - 1}], got {value!r}")
    gates = {name: np.swapaxes(v, 0, 1) if trace.batch_first else v for name, v in trace.gates.items()}
    series = {name: gates[name][:, batch, unit] for name in ("f", "i", "g", "o")}
    series["c"] = tm.c[:, batch, unit]
    series["h"] = tm.h[:, batch, unit]
    return series


def plot_gates(trace, batch: int = 0, unit: int = 0, title: str | None = None) -> Plot:
    """An LSTM unit over time: its gates (top) and candidate, cell and hidden state (bottom).

    Parameters
    ----------
    trace : lstm_edu.trace.Trace
        From ``LSTM.forward``.
    batch, unit : int, default 0
        Which sequence and which hidden unit.
    title : str, optional

    Returns
    -------
    Plot
        ``lines`` keyed ``f, i, o`` (top axes, fixed limits [0, 1]) and ``g, c, h``
        (bottom axes); x data are the steps 1..T.
    """
    series = _trace_slices(trace, batch, unit)
    steps = np.arange(1, series["h"].size + 1)
    figure = Figure(figsize=(7.0, 4.2), dpi=80, layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True)
    lines = {}
    for name in ("f", "i", "o"):
        (lines[name],) = top.plot(steps, series[name], color=GATE_COLOURS[name],
                                  label=_GATE_LABELS[name], linewidth=2)
    top.set_ylim(-0.03, 1.03)
    top.set_ylabel("gate value")
    top.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=9)
    for name in ("g", "c", "h"):
        (lines[name],) = bottom.plot(steps, series[name], color=GATE_COLOURS[name],
                                     label=_GATE_LABELS[name], linewidth=2,
                                     linestyle="--" if name == "g" else "-")
    bottom.set_xlabel("time step $t$")
    bottom.set_ylabel("value")
    bottom.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=9)
    if title:
        top.set_title(title)
    return Plot(figure, (top, bottom), lines, name="LSTM gates over time")


def plot_hidden_states(trace, batch: int = 0, units: int = 4, x_feature: int | None = 0,
                       title: str | None = None) -> Plot:
    """A recurrent model's input and the first few hidden units over time.

    Parameters
    ----------
    trace : lstm_edu.trace.Trace
        From the ``forward`` of an LSTM, GRU or RNN.
    batch : int, default 0
        Which sequence of the batch.
    units : int, default 4
        How many hidden units to draw (the first ``units``; at most H).
    x_feature : int or None, default 0
        Input feature to draw above the states; None draws no input.
    title : str, optional

    Returns
    -------
    Plot
        ``lines`` keyed ``x`` (if drawn) and ``h0, h1, ...``; x data are the steps 1..T.
    """
    if not isinstance(trace, Trace):
        raise TypeError(f"trace: expected a Trace (from a model's forward), got {type(trace).__name__}")
    tm = trace.time_major
    T, B, H = tm.h.shape
    if isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or not 0 <= batch < B:
        raise ValueError(f"batch: expected an int in [0, {B - 1}], got {batch!r}")
    if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or not 1 <= units <= H:
        raise ValueError(f"units: expected an int in [1, {H}], got {units!r}")
    D = tm.x.shape[2]
    if x_feature is not None and (isinstance(x_feature, bool) or not isinstance(x_feature, (int, np.integer))
                                  or not 0 <= x_feature < D):
        raise ValueError(f"x_feature: expected None or an int in [0, {D - 1}], got {x_feature!r}")
    steps = np.arange(1, T + 1)
    figure = Figure(figsize=(7.0, 3.8 if x_feature is not None else 2.6), dpi=80, layout="constrained")
    axes = figure.subplots(2, 1, sharex=True, height_ratios=(1, 2)) if x_feature is not None \
        else (figure.add_subplot(),)
    lines = {}
    if x_feature is not None:
        (lines["x"],) = axes[0].plot(steps, tm.x[:, batch, x_feature], color="#777777",
                                     marker="o", markersize=3, linewidth=1)
        axes[0].set_ylabel("input $x_t$")
    state_axes = axes[-1]
    for k in range(units):
        (lines[f"h{k}"],) = state_axes.plot(steps, tm.h[:, batch, k], linewidth=1.8,
                                            label=f"unit {k}")
    state_axes.set_xlabel("time step $t$")
    state_axes.set_ylabel("hidden state $h_t$")
    state_axes.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=9)
    if title:
        axes[0].set_title(title)
    return Plot(figure, tuple(axes), lines, name="hidden states over time")
