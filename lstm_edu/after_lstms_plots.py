"""Tables and figures of the chapter "After LSTMs", drawn from the stored results
(:func:`lstm_edu.after_lstms.load_after`); every seed is shown."""
from __future__ import annotations

import numpy as np

from lstm_edu.experiments.common import new_figure
from lstm_edu.plots import Plot
from lstm_edu.stats import wilson_interval

__all__ = ["COLOURS", "translation_rows", "plot_chrf_by_length", "plot_attention", "adding_rows",
           "plot_adding", "plot_scaling"]

COLOURS = {"lstm": "#1f5fa8", "transformer": "#d95f02", "attention": "#d95f02", "plain": "#1f5fa8",
           "stored": "#999999"}


def _check_runs(name: str, runs) -> list:
    if not isinstance(runs, list) or not runs or not all(isinstance(r, dict) for r in runs):
        raise ValueError(f"{name}: expected a non-empty list of run dicts (from load_after), "
                         f"got {type(runs).__name__}")
    return runs


def translation_rows(runs, stored_runs) -> dict:
    """chrF by length bin for each group: ``{bin: {"attention": [...], "plain": [...], "stored": [...]}}``
    (one value per seed; ``stored`` is the published model without attention, trained longer)."""
    runs, stored_runs = _check_runs("runs", runs), _check_runs("stored_runs", stored_runs)
    bins = list(runs[0]["test_chrf_by_length"])
    groups = {"attention": [r for r in runs if r["attention"]],
              "plain": [r for r in runs if not r["attention"]],
              "stored": stored_runs}
    return {b: {name: [r["test_chrf_by_length"][b] for r in group] for name, group in groups.items()}
            for b in bins}


def plot_chrf_by_length(rows: dict, labels: dict, ax=None):
    """Every seed's chrF per length bin, one colour per group, a bar from its lowest to highest seed."""
    fig, ax = new_figure(ax, figsize=(6.4, 3.4))
    offsets = dict(zip(labels, np.linspace(-0.22, 0.22, len(labels))))
    for k, (_name, groups) in enumerate(rows.items()):
        for group, offset in offsets.items():
            values = np.asarray(groups[group], dtype=float)
            ax.vlines(k + offset, values.min(), values.max(), color=COLOURS[group], linewidth=2, alpha=0.5)
            ax.scatter(np.full(values.size, k + offset), values, color=COLOURS[group], s=18, zorder=3,
                       label=labels[group] if k == 0 else None)
    ax.set_xticks(range(len(rows)), [f"{name} words" for name in rows])
    ax.set_xlabel("length of the English reference")
    ax.set_ylabel("chrF on the test set")
    ax.legend(fontsize=8, loc="best")
    return Plot(figure=fig, axes=(ax,), name="chrF by sentence length")


def plot_attention(pictures, columns: int = 2):
    """One heat map per sentence: rows the words the model wrote, columns the German words it read."""
    if not isinstance(pictures, list) or not pictures:
        raise ValueError(f"pictures: expected a non-empty list of attention pictures, got {pictures!r}")
    import matplotlib.figure

    rows = -(-len(pictures) // columns)
    fig = matplotlib.figure.Figure(figsize=(3.4 * columns, 3.0 * rows), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax, picture in zip(axes, pictures):
        weights = np.asarray(picture["weights"])  # (output words + 1, German words)
        ax.imshow(weights, cmap="Greys", vmin=0.0, vmax=1.0, aspect="auto")
        ax.set_xticks(range(weights.shape[1]), picture["german"], rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(weights.shape[0]), picture["output"][: weights.shape[0]], fontsize=7)
        ax.grid(False)
    for ax in axes[len(pictures):]:
        ax.set_visible(False)
    return Plot(figure=fig, axes=tuple(axes[: len(pictures)]),
                name=f"attention weights of {len(pictures)} sentences")


def adding_rows(runs) -> list:
    """One row per (model, length): successes over seeds with the 95 % Wilson interval, and each
    seed's share solved."""
    runs = _check_runs("runs", runs)
    rows = []
    for lag in sorted({r["lag"] for r in runs}):
        for kind in ("lstm", "transformer"):
            group = sorted((r for r in runs if r["lag"] == lag and r["kind"] == kind),
                           key=lambda r: r["seed"])
            if group:
                rate = wilson_interval(sum(bool(r["success"]) for r in group), len(group))
                rows.append({"kind": kind, "lag": lag, "rate": rate,
                             "solved": [r["test_solved"] for r in group],
                             "seeds": [r["seed"] for r in group]})
    return rows


def plot_adding(runs, threshold: float, ax=None):
    """Share of test sequences solved, one dot per seed, per model and length; the dashed line is
    the success bar."""
    fig, ax = new_figure(ax, figsize=(6.0, 3.2))
    rows = adding_rows(runs)
    lags = sorted({row["lag"] for row in rows})
    for row in rows:
        x = lags.index(row["lag"]) + (-0.15 if row["kind"] == "lstm" else 0.15)
        solved = np.asarray(row["solved"])
        jitter = np.linspace(-0.05, 0.05, solved.size)
        ax.scatter(x + jitter, solved, color=COLOURS[row["kind"]], s=20, zorder=3,
                   label=({"lstm": "LSTM", "transformer": "Transformer"}[row["kind"]]
                          if row["lag"] == lags[0] else None))
    ax.axhline(threshold, color="#444444", linestyle="--", linewidth=1)
    ax.set_xticks(range(len(lags)), [f"T = {lag}" for lag in lags])
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("test sequences solved (share)")
    ax.legend(fontsize=8, loc="center right")
    return Plot(figure=fig, axes=(ax,), name="adding problem, every seed")


def plot_scaling(rows):
    """Left: CPU seconds of one forward and backward pass against T. Right: bytes kept for the
    backward pass."""
    if not isinstance(rows, list) or not rows:
        raise ValueError(f"rows: expected the scaling rows (from load_after), got {rows!r}")
    import matplotlib.figure

    fig = matplotlib.figure.Figure(figsize=(7.6, 3.2), layout="constrained")
    left, right = fig.subplots(1, 2)
    lengths = np.array([r["length"] for r in rows])
    for key, label, colour in (("lstm_cpu_seconds", "LSTM", COLOURS["lstm"]),
                               ("transformer_cpu_seconds", "Transformer", COLOURS["transformer"])):
        left.plot(lengths, [r[key] for r in rows], "o-", color=colour, label=label)
    right.plot(lengths, [r["lstm_state_bytes"] for r in rows], "o-", color=COLOURS["lstm"],
               label="LSTM: h and C per step")
    right.plot(lengths, [r["attention_bytes"] for r in rows], "o-", color=COLOURS["transformer"],
               label="Transformer: attention weights")
    for ax, ylabel in ((left, "CPU seconds, forward + backward"), (right, "bytes (counted)")):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("sequence length T")
        ax.set_ylabel(ylabel)
        ax.legend(fontsize=8)
    return Plot(figure=fig, axes=(left, right), name="time and memory against T")
