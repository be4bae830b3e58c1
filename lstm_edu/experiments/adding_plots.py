"""Figures of the adding-problem experiment (:mod:`lstm_edu.experiments.adding`).

Every figure over seeds shows every run (faint dots or lines) next to its summary.
"""
from __future__ import annotations

import numpy as np

from ..plots import Plot
from ..stats import wilson_interval
from .adding import CELL_COLOURS, CELL_LABELS, PAPER_SEQUENCES, cells_in
from .common import check_int, new_figure

__all__ = ["plot_solved_vs_lag", "plot_success_rate", "plot_sequences_to_criterion", "plot_learning_curves",
           "plot_sequence"]


def _offsets(cells: list[str], width: float = 0.06) -> dict:
    """Small multiplicative x offsets (log axis) so the cells' dots sit side by side."""
    middle = (len(cells) - 1) / 2
    return {cell: 10 ** (width * (k - middle)) for k, cell in enumerate(cells)}


def _lag_axis(ax, runs: list[dict]) -> None:
    lags = sorted({r["lag"] for r in runs})
    ax.set_xscale("log")
    ax.set_xticks(lags, labels=[str(t) for t in lags])
    ax.minorticks_off()
    ax.set_xlabel("lag $T$ (minimal sequence length)")


def plot_solved_vs_lag(runs: list[dict], ax=None, title: str | None = None) -> Plot:
    """Fraction of test sequences solved against the lag: every run as a faint dot, the
    median over seeds as a line, one colour per cell.

    Returns
    -------
    Plot
        ``lines[cell]``: x the lags, y the medians; ``lines[cell + " runs"]``: every run.
    """
    if not runs:
        raise ValueError("runs: expected at least one run, got none")
    figure, ax = new_figure(ax, (6.4, 3.4))
    lines = {}
    cells = cells_in(runs)
    offsets = _offsets(cells)
    for cell in cells:
        mine = [r for r in runs if r["cell"] == cell]
        lags = sorted({r["lag"] for r in mine})
        medians = [float(np.median([r["test_solved"] for r in mine if r["lag"] == lag])) for lag in lags]
        (lines[f"{cell} runs"],) = ax.plot([r["lag"] * offsets[cell] for r in mine],
                                           [r["test_solved"] for r in mine], linestyle="none", marker="o",
                                           markersize=4, alpha=0.35, color=CELL_COLOURS[cell])
        (lines[cell],) = ax.plot([t * offsets[cell] for t in lags], medians, marker="o", linewidth=2,
                                 color=CELL_COLOURS[cell], label=CELL_LABELS[cell])
    _lag_axis(ax, runs)
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("test sequences solved")
    figure.legend(loc="outside right upper", fontsize=8)
    if title:
        ax.set_title(title)
    return Plot(figure, (ax,), lines, name="solved vs lag")


def plot_success_rate(runs: list[dict], ax=None, title: str | None = None) -> Plot:
    """Share of runs meeting the paper's criterion against the lag, with 95 % Wilson
    intervals as error bars, one colour per cell.

    Returns
    -------
    Plot
        ``lines[cell]``: x the lags, y the rates (the bars are drawn with them).
    """
    if not runs:
        raise ValueError("runs: expected at least one run, got none")
    figure, ax = new_figure(ax, (6.4, 3.4))
    lines = {}
    cells = cells_in(runs)
    offsets = _offsets(cells)
    for cell in cells:
        mine = [r for r in runs if r["cell"] == cell]
        lags = sorted({r["lag"] for r in mine})
        rates = [wilson_interval(sum(r["solved_at"] is not None for r in mine if r["lag"] == lag),
                                 sum(r["lag"] == lag for r in mine)) for lag in lags]
        y = np.array([rate.rate for rate in rates])
        errors = np.array([[rate.rate - rate.low for rate in rates],
                           [rate.high - rate.rate for rate in rates]])
        container = ax.errorbar([t * offsets[cell] for t in lags], y, yerr=errors, marker="o", capsize=3,
                                linewidth=1.5, color=CELL_COLOURS[cell], label=CELL_LABELS[cell])
        lines[cell] = container.lines[0]
    _lag_axis(ax, runs)
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("runs meeting the criterion")
    figure.legend(loc="outside right upper", fontsize=8)
    if title:
        ax.set_title(title)
    return Plot(figure, (ax,), lines, name="success rate vs lag")


def plot_sequences_to_criterion(runs: list[dict], budget: int, ax=None) -> Plot:
    """Training sequences until the criterion was met, every run a dot; runs that never met
    it are drawn as crosses at the budget. The 1997 paper's figure is marked where known.

    Returns
    -------
    Plot
        ``lines[cell]``: the runs that met the criterion (x lag, y sequences);
        ``lines[cell + " not met"]``: the others; ``lines["paper"]``: the paper's figure.
    """
    if not runs:
        raise ValueError("runs: expected at least one run, got none")
    budget = check_int("budget", budget)
    figure, ax = new_figure(ax, (6.4, 3.4))
    lines = {}
    cells = cells_in(runs)
    offsets = _offsets(cells)
    for cell in cells:
        met = [r for r in runs if r["cell"] == cell and r["solved_at"] is not None]
        missed = [r for r in runs if r["cell"] == cell and r["solved_at"] is None]
        (lines[cell],) = ax.plot([r["lag"] * offsets[cell] for r in met], [r["solved_at"] for r in met],
                                 linestyle="none", marker="o", markersize=5, alpha=0.6,
                                 color=CELL_COLOURS[cell], label=CELL_LABELS[cell])
        (lines[f"{cell} not met"],) = ax.plot([r["lag"] * offsets[cell] for r in missed],
                                              [budget] * len(missed), linestyle="none", marker="x",
                                              markersize=5, alpha=0.6, color=CELL_COLOURS[cell])
    ax.axhline(budget, color="#888888", linestyle=":", linewidth=1)
    ax.annotate("budget (x: not met)", (0.01, budget), xycoords=("axes fraction", "data"), va="bottom",
                fontsize=8)
    lags = {r["lag"] for r in runs}
    paper = {t: n for t, n in PAPER_SEQUENCES.items() if t in lags}
    (lines["paper"],) = ax.plot(list(paper), list(paper.values()), linestyle="none", marker="*",
                                markersize=13, color="#222222", label="1997 paper")
    _lag_axis(ax, runs)
    ax.set_ylim(0, budget * 1.12)
    ax.set_ylabel("training sequences\nuntil the criterion")
    figure.legend(loc="outside right upper", fontsize=8)
    return Plot(figure, (ax,), lines, name="sequences to criterion")


def plot_learning_curves(runs: list[dict], lag: int, check_every: int, batch_size: int, ax=None) -> Plot:
    """Training loss against sequences seen at one lag, one line per run.

    ``loss_curve`` entries are means over ``10 * check_every`` steps; x is the number of
    training sequences at the end of each block.
    """
    chosen = [r for r in runs if r["lag"] == lag]
    if not chosen:
        raise ValueError(f"lag: no run has lag {lag}; lags present: {sorted({r['lag'] for r in runs})}")
    figure, ax = new_figure(ax, (6.0, 3.2))
    lines = {}
    block = 10 * check_every * batch_size
    for r in chosen:
        curve = np.asarray(r["loss_curve"], dtype=np.float64)
        x = np.minimum(np.arange(1, len(curve) + 1) * block, r["steps"] * batch_size)
        key = f"{r['cell']} seed {r['seed']}"
        first = r["seed"] == min(q["seed"] for q in chosen if q["cell"] == r["cell"])
        (lines[key],) = ax.plot(x, curve, color=CELL_COLOURS[r["cell"]], linewidth=1, alpha=0.6,
                                label=CELL_LABELS[r["cell"]] if first else None)
    ax.set_yscale("log")
    ax.set_xlabel("training sequences seen")
    ax.set_ylabel("mean squared error")
    ax.set_title(f"adding problem, $T = {lag}$")
    figure.legend(loc="outside right upper", fontsize=8)
    return Plot(figure, (ax,), lines, name="learning curves")


def plot_sequence(batch, index: int = 0, ax=None) -> Plot:
    """One sequence of an :class:`~lstm_edu.tasks.AddingBatch`: values as bars, marks highlighted.

    Returns
    -------
    Plot
        ``lines["values"]`` holds (position, x) of every pair; ``lines["marked"]`` the two
        marked pairs.
    """
    length = int(batch.lengths[index])
    values = batch.inputs[index, :length, 0]
    markers = batch.inputs[index, :length, 1]
    figure, ax = new_figure(ax, (7.0, 2.6))
    positions = np.arange(length)
    (values_line,) = ax.plot(positions, values, color="#bbbbbb", linewidth=1, marker=".", label="value $x$")
    marked = [int(p) for p in batch.marked[index]]
    (marked_line,) = ax.plot(marked, values[marked], linestyle="none", marker="o", markersize=9,
                             color="#d95f02", label="marked ($m = 1$)")
    ends = np.flatnonzero(markers == -1)
    (ends_line,) = ax.plot(ends, values[ends], linestyle="none", marker="s", color="#333333",
                           label="$m = -1$")
    ax.set_xlabel("position in the sequence")
    ax.set_ylabel("$x$")
    ax.set_title(f"target $0.5 + (X_1 + X_2)/4 = {batch.targets[index, 0]:.3f}$")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    return Plot(figure, (ax,), {"values": values_line, "marked": marked_line, "ends": ends_line},
                name="adding sequence")
