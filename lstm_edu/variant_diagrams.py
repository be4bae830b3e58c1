"""Diagrams of Olah's other variants, drawn with matplotlib (page ``05b_other_variants``).

- :func:`draw_clockwork` -- the Clockwork RNN's modules, who feeds whom, and when each updates.
- :func:`draw_depth_gate` -- two stacked LSTM layers whose memory cells are joined by a depth gate.
- :func:`draw_grid_lstm` -- a 2-D Grid LSTM: LSTM transforms along time *and* along depth.

Each returns a :class:`lstm_edu.plots.Plot` (no pyplot state); its ``lines`` are empty, since
these are pictures, not data.
"""
from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from .clockwork import check_periods, update_schedule
from .plots import Plot

__all__ = ["draw_clockwork", "draw_depth_gate", "draw_grid_lstm"]

_BLUE, _ORANGE, _GREEN, _GREY = "#1f77b4", "#ff7f0e", "#2ca02c", "#555555"


def _figure(figsize, panels: int = 1):
    figure = Figure(figsize=figsize, dpi=80, layout="constrained")
    axes = figure.subplots(1, panels) if panels > 1 else [figure.add_subplot()]
    return figure, tuple(axes)


def _blank(ax, xlim, ylim) -> None:
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")


def _box(ax, x, y, w, h, text, colour, size=10) -> None:
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.12",
                                facecolor=colour, alpha=0.25, edgecolor=colour, linewidth=1.5))
    ax.text(x, y, text, ha="center", va="center", fontsize=size)


def _arrow(ax, start, end, colour=_GREY, style="-|>", rad=0.0, width=1.3, dashed=False) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=12, color=colour,
                                 linewidth=width,
                                 connectionstyle=f"arc3,rad={rad}", linestyle="--" if dashed else "-",
                                 shrinkA=2, shrinkB=2))


def draw_clockwork(periods=(1, 2, 4, 8), steps: int = 16) -> Plot:
    """Left: the modules, fast to slow, with arrows from each slower module into each faster one
    (and a loop on itself). Right: the update schedule, a filled square where ``t mod T_m == 0``.

    Parameters
    ----------
    periods : tuple of int, default (1, 2, 4, 8)
        Strictly increasing clock periods (at most 6 modules fit the drawing).
    steps : int, default 16
        Time steps shown in the schedule.
    """
    periods = check_periods(periods)
    if len(periods) > 6:
        raise ValueError(f"periods: expected at most 6 modules for the drawing, got {len(periods)}")
    schedule = update_schedule(periods, steps)                      # (steps, g)
    figure, (left, right) = _figure((8.0, 3.2), panels=2)
    g = len(periods)
    _blank(left, (-0.8, 2.0 * g - 0.6), (-2.5, 2.5))
    for m, period in enumerate(periods):
        x = 2.0 * m + 0.6
        _box(left, x, 0.0, 1.3, 0.9, f"module {m + 1}\n$T={period}$", _BLUE, size=9)
        _arrow(left, (x - 0.3, 0.45), (x + 0.3, 0.45), rad=-1.6, colour=_BLUE)
        for source in range(m + 1, g):
            _arrow(left, (2.0 * source + 0.6, -0.45), (x, -0.45), rad=-0.35 - 0.1 * (source - m),
                   colour=_ORANGE)
    left.text(2.0 * g / 2 - 0.4, 2.2, "fast  →  slow", ha="center", fontsize=10)
    left.text(2.0 * g / 2 - 0.4, 1.5, "orange: slow modules feed fast ones, never the reverse",
              ha="center", fontsize=8)
    right.pcolormesh(schedule.T, cmap="Blues", vmin=0, vmax=1.3, edgecolors="white", linewidth=1.0)
    right.set_yticks([m + 0.5 for m in range(g)], [f"$T={p}$" for p in periods])
    right.set_xticks([t + 0.5 for t in range(0, steps, 2)], [str(t) for t in range(0, steps, 2)])
    right.set_xlabel("time step $t$")
    right.set_title("updates when $t$ mod $T = 0$", fontsize=10)
    right.grid(False)
    return Plot(figure, (left, right), name="clockwork diagram")


def _cell(ax, x, y, label, colour) -> None:
    _box(ax, x, y, 1.6, 1.1, label, colour, size=9)


def draw_depth_gate() -> Plot:
    """Two stacked LSTM layers over two time steps: the memory cells run left to right; the
    lower layer's output ``h1_t`` feeds the upper layer, and its memory ``c1_t`` reaches the upper
    memory ``c2_t`` through the depth gate ``d_t``."""
    figure, (ax,) = _figure((7.0, 3.6))
    _blank(ax, (-1.2, 8.0), (-1.5, 4.4))
    for k, x in enumerate((1.5, 5.0)):
        step = "t-1" if k == 0 else "t"
        _cell(ax, x, 0.5, f"layer 1\n$c^1_{{{step}}}$, $h^1_{{{step}}}$", _BLUE)
        _cell(ax, x, 3.0, f"layer 2\n$c^2_{{{step}}}$, $h^2_{{{step}}}$", _GREEN)
        _arrow(ax, (x, -1.2), (x, -0.05))                                     # x_t
        ax.text(x + 0.1, -1.25, f"$x_{{{step}}}$", fontsize=10, va="top")
        _arrow(ax, (x - 0.35, 1.05), (x - 0.35, 2.45))                        # h1 -> layer 2 input
        ax.text(x - 0.45, 1.75, "$h^1$", ha="right", fontsize=9)
        gate = (x + 0.6, 1.75)
        ax.add_patch(Circle(gate, 0.28, facecolor=_ORANGE, alpha=0.35, edgecolor=_ORANGE))
        ax.text(*gate, "$d$", ha="center", va="center", fontsize=10)
        _arrow(ax, (x + 0.6, 1.05), (x + 0.6, 1.47), colour=_ORANGE)        # c1 -> gate
        _arrow(ax, (x + 0.6, 2.03), (x + 0.6, 2.45), colour=_ORANGE)        # gate -> c2
        _arrow(ax, (x, 3.55), (x, 4.2))                                       # h2 out
    for y in (0.5, 3.0):
        _arrow(ax, (-1.0, y), (0.7, y))
        _arrow(ax, (2.3, y), (4.2, y))
        _arrow(ax, (5.8, y), (7.6, y))
    ax.text(6.9, 1.75, "$c^2_t = d_t * c^1_t$\n$+ f_t * c^2_{t-1} + i_t * \\tilde C_t$",
            ha="center", va="center", fontsize=9)
    return Plot(figure, (ax,), name="depth gate diagram")


def draw_grid_lstm() -> Plot:
    """A 2-D Grid LSTM, 2 time steps by 2 layers: every block takes a hidden and a memory vector
    along each axis and applies one LSTM transform per axis, so depth is gated like time."""
    figure, (ax,) = _figure((7.0, 4.2))
    _blank(ax, (-1.4, 7.4), (-1.4, 6.3))
    columns, rows, half_w, half_h = (1.5, 5.0), (1.0, 4.0), 0.9, 0.7
    for x in columns:
        for y in rows:
            _box(ax, x, y, 2 * half_w, 2 * half_h, "block\nLSTM$_{time}$\nLSTM$_{depth}$", _BLUE, size=8)
    time_edges = [(-1.0, columns[0] - half_w), (columns[0] + half_w, columns[1] - half_w),
                  (columns[1] + half_w, 7.2)]
    depth_edges = [(-1.2, rows[0] - half_h), (rows[0] + half_h, rows[1] - half_h), (rows[1] + half_h, 5.9)]
    for y in rows:                                                         # along time: h above, m below
        for start, end in time_edges:
            _arrow(ax, (start, y + 0.2), (end, y + 0.2), colour=_BLUE)
            _arrow(ax, (start, y - 0.2), (end, y - 0.2), colour=_GREEN)
    for x in columns:                                                      # along depth: h left, m right
        for start, end in depth_edges:
            _arrow(ax, (x - 0.2, start), (x - 0.2, end), colour=_BLUE)
            _arrow(ax, (x + 0.2, start), (x + 0.2, end), colour=_GREEN)
    ax.text(3.25, -1.3, "time →", ha="center", fontsize=10)
    ax.text(-1.3, 2.5, "depth →", rotation=90, va="center", fontsize=10)
    ax.text(7.3, 6.2, "blue: hidden $h$\ngreen: memory $m$", ha="right", va="top", fontsize=8)
    return Plot(figure, (ax,), name="grid LSTM diagram")
