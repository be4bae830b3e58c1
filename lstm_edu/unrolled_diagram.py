"""A recurrent cell folded (with its loop) and unrolled over a few time steps.

:func:`draw_unrolled_rnn` draws the picture of chapter 1, optionally highlighting one
step or the path that links an early input to a later output. Importable from
:mod:`lstm_edu.diagrams` as well.
"""
from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from .diagram_canvas import BASE, Diagram, DiagramCanvas, new_axes
from .worked_step import check_index

__all__ = ["draw_unrolled_rnn"]


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
    figure, ax = new_axes(ax, (1.6 + 1.25 * steps, 2.6))
    canvas = DiagramCanvas(ax, atoms)
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
        check_index("highlight", int(highlight), steps)
        return (f"step_{int(highlight) % steps}",)
    if isinstance(highlight, tuple) and len(highlight) == 2:
        first, last = (check_index("highlight", int(k), steps) if isinstance(k, (int, np.integer))
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


def _draw_folded(canvas: DiagramCanvas, label: str) -> None:
    """The cell with its recurrent loop."""
    canvas.box("loop", (0.9, 1.5), label, width=1.0, height=0.8)
    canvas.arrow("loop", (0.9, 0.0), (0.9, 1.1))
    canvas.arrow("loop", (0.9, 1.9), (0.9, 3.0))
    canvas.arrow("loop", (1.4, 1.7), (1.75, 1.7), (1.75, 2.35), (0.2, 2.35), (0.2, 1.7), (0.4, 1.7))
    canvas.text("loop", (0.65, -0.12), "$x_t$", ha="right", fontsize=9)
    canvas.text("loop", (0.65, 3.1), "$h_t$", ha="right", fontsize=9)


def _draw_unrolled_step(canvas: DiagramCanvas, k: int, label: str, lstm: bool) -> None:
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
