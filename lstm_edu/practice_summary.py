"""Summaries and figures of the "LSTMs in practice" runs (:mod:`lstm_edu.practice_runs`).

- :func:`adding_rows` -- per setting of the adding problem (layers and dropout, or learning
  rate): median test MSE with its spread and a bootstrap interval of the median, and the
  seeds that succeeded with their 95 % Wilson interval;
- :func:`compare_rows` -- each row against a reference row, in words ("lower", "higher" or
  "no difference at this sample size");
- :func:`best_inside` -- the best learning rate and whether a larger one in the grid is worse;
- :func:`flag_rows` -- the two-way comparisons (uni/bi, seq-to-one/seq-to-seq, stateless/stateful);
- :func:`plot_adding`, :func:`plot_truncation`, :func:`plot_stream` -- figures (every seed shown).
"""
from __future__ import annotations

import numpy as np

from .plots import Plot
from .stats import compare_intervals, median_interval, median_spread, wilson_interval

__all__ = ["adding_rows", "compare_rows", "best_inside", "flag_rows", "plot_adding", "plot_truncation",
           "plot_stream", "FLAGS"]

#: The flag that splits each two-way group, and the names of its two values.
FLAGS = {"largest": ("bidirectional", "unidirectional", "bidirectional"),
         "parity": ("every_step", "seq-to-one", "seq-to-seq"),
         "stream": ("stateful", "stateless", "stateful")}


def _check_runs(runs, group: str) -> list[dict]:
    if not isinstance(runs, list) or not all(isinstance(r, dict) for r in runs):
        raise TypeError(f"runs: expected a list of dicts (a results file's runs), got {type(runs).__name__}")
    chosen = [r for r in runs if r.get("group") == group]
    if not chosen:
        raise ValueError(f"runs: no run of group {group!r}")
    return chosen


def adding_rows(runs: list, group: str = "depth") -> list[dict]:
    """One row per setting of ``group`` ("depth": by layers and dropout; "lr": by learning rate).

    Each row: ``setting`` (a label), ``layers``, ``dropout``, ``lr``, ``seeds``, ``test_mse``
    (:class:`~lstm_edu.stats.Spread`), ``median_ci`` (bootstrap 95 % interval of the median),
    ``train_mse`` (Spread), ``success`` (:class:`~lstm_edu.stats.Rate`) and ``values`` (every
    seed's test MSE, in seed order).
    """
    if group not in ("depth", "lr"):
        raise ValueError(f"group: expected 'depth' or 'lr', got {group!r}")
    chosen = _check_runs(runs, group)
    keys = sorted({(r["layers"], r["dropout"], r["lr"]) for r in chosen})
    rows = []
    for layers, dropout, lr in keys:
        same = sorted((r for r in chosen if (r["layers"], r["dropout"], r["lr"]) == (layers, dropout, lr)),
                      key=lambda r: r["seed"])
        values = [r["test_mse"] for r in same]
        plural = "s" if layers > 1 else ""
        label = f"{layers} layer{plural}, dropout {dropout:g}" if group == "depth" else f"lr {lr:g}"
        rows.append({"setting": label, "layers": layers, "dropout": dropout, "lr": lr, "seeds": len(same),
                     "test_mse": median_spread(values), "median_ci": median_interval(values),
                     "train_mse": median_spread([r["train_mse"] for r in same]),
                     "success": wilson_interval(sum(bool(r["success"]) for r in same), len(same)),
                     "values": values})
    return rows


def compare_rows(rows: list, reference: int = 0) -> list[dict]:
    """Each row against ``rows[reference]``: ``mse`` and ``success`` in words."""
    if not isinstance(rows, list) or not rows:
        raise ValueError("rows: expected a non-empty list from adding_rows")
    if isinstance(reference, bool) or not isinstance(reference, int) or not 0 <= reference < len(rows):
        raise ValueError(f"reference: expected an index in [0, {len(rows)}), got {reference!r}")
    base = rows[reference]
    return [{"setting": row["setting"], "mse": compare_intervals(row["median_ci"], base["median_ci"]),
             "success": compare_intervals(row["success"], base["success"])} for row in rows]


def best_inside(rows: list) -> dict:
    """The learning rate with the lowest median test MSE (``best``) and whether the grid goes
    past it (``past``: a larger rate was tried) with a worse median there (``worse_after``)."""
    if not isinstance(rows, list) or not rows:
        raise ValueError("rows: expected a non-empty list from adding_rows(runs, 'lr')")
    ordered = sorted(rows, key=lambda row: row["lr"])
    best = min(ordered, key=lambda row: row["test_mse"].median)
    after = [row for row in ordered if row["lr"] > best["lr"]]
    return {"best": best["lr"], "past": bool(after),
            "worse_after": bool(after) and all(row["test_mse"].median > best["test_mse"].median
                                               for row in after),
            "largest": ordered[-1]["lr"], "largest_median": ordered[-1]["test_mse"].median,
            "best_median": best["test_mse"].median}


def flag_rows(runs: list, group: str, measure: str) -> list[dict]:
    """The two settings of a two-way ``group`` (see :data:`FLAGS`): ``name``, every seed's
    ``values`` of ``measure`` and their median :class:`~lstm_edu.stats.Spread`."""
    if group not in FLAGS:
        raise ValueError(f"group: expected one of {sorted(FLAGS)}, got {group!r}")
    chosen = _check_runs(runs, group)
    if measure not in chosen[0]:
        raise ValueError(f"measure: expected a key of the {group!r} runs, got {measure!r}")
    flag, *names = FLAGS[group]
    rows = []
    for value, name in zip((False, True), names):
        values = [r[measure] for r in sorted(chosen, key=lambda r: r["seed"]) if r[flag] is value]
        rows.append({"name": name, "values": values, "spread": median_spread(values)})
    return rows


def plot_adding(depth_rows: list, lr_rows: list) -> Plot:
    """Two panels, log-scale test MSE: by layers and dropout (left), by learning rate (right).
    Every seed a dot, the medians a bar or a line. ``lines`` keyed "depth seeds", "lr seeds",
    "lr median"."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9.0, 3.4), dpi=80, layout="constrained")
    left, right = figure.subplots(1, 2, sharey=True)
    lines, jitter = {}, np.linspace(-0.15, 0.15, max(row["seeds"] for row in depth_rows))
    xs = np.concatenate([k + jitter[:row["seeds"]] for k, row in enumerate(depth_rows)])
    (lines["depth seeds"],) = left.plot(xs, np.concatenate([row["values"] for row in depth_rows]), "o",
                                        color="#1f5fa8", alpha=0.5, markersize=4, label="one seed")
    left.hlines([row["test_mse"].median for row in depth_rows], np.arange(len(depth_rows)) - 0.3,
                np.arange(len(depth_rows)) + 0.3, color="black", linewidth=2, label="median")
    left.set_xticks(range(len(depth_rows)),
                    [f"{row['layers']}L\np={row['dropout']:g}" for row in depth_rows])
    left.set_xlabel("layers (L) and dropout between layers (p)")
    left.set_ylabel("test MSE")
    left.set_yscale("log")
    left.legend(loc="upper left", fontsize=8)
    lrs = [row["lr"] for row in lr_rows]
    (lines["lr seeds"],) = right.plot(np.repeat(lrs, [row["seeds"] for row in lr_rows]),
                                      np.concatenate([row["values"] for row in lr_rows]), "o",
                                      color="#1f5fa8", alpha=0.5, markersize=4)
    (lines["lr median"],) = right.plot(lrs, [row["test_mse"].median for row in lr_rows], color="black",
                                       linewidth=2, marker="s")
    right.set_xscale("log")
    right.set_xlabel("learning rate (1 layer, Adam)")
    return Plot(figure, (left, right), lines, name="adding problem: layers, dropout, learning rate")


def plot_truncation(curves: dict) -> Plot:
    """``||dL/dx_t||`` against ``t`` for each chunk length (``curves``: label -> norms ``(T,)``);
    zeros are drawn at the bottom of the log axis. ``lines`` keyed by label."""
    from matplotlib.figure import Figure

    if not isinstance(curves, dict) or not curves:
        raise TypeError(f"curves: expected a non-empty dict label -> norms, got {curves!r}")
    figure = Figure(figsize=(7.0, 3.0), dpi=80, layout="constrained")
    ax = figure.add_subplot()
    floor = min(float(np.min(v[v > 0])) for v in curves.values()) / 10
    lines = {}
    for label, norms in curves.items():
        norms = np.asarray(norms, dtype=float)
        (lines[label],) = ax.plot(np.arange(1, norms.size + 1), np.maximum(norms, floor), marker=".",
                                  label=label)
    ax.set_yscale("log")
    ax.set_xlabel("input step $t$")
    ax.set_ylabel(r"$\|\partial L / \partial x_t\|$ (0 drawn at the bottom)")
    ax.legend(loc="upper left", fontsize=8)
    return Plot(figure, (ax,), lines, name="truncated BPTT")


def plot_stream(errors: dict, delay: int) -> Plot:
    """Test MSE by position inside a chunk, one line per training mode (``errors``: label ->
    ``(chunk,)``), with the echo's ``delay`` marked. ``lines`` keyed by label."""
    from matplotlib.figure import Figure

    if not isinstance(errors, dict) or not errors:
        raise TypeError(f"errors: expected a non-empty dict label -> errors, got {errors!r}")
    figure = Figure(figsize=(7.0, 3.0), dpi=80, layout="constrained")
    ax = figure.add_subplot()
    lines = {}
    for label, values in errors.items():
        (lines[label],) = ax.plot(np.arange(len(values)), values, marker="o", label=label)
    ax.axvline(delay - 0.5, color="grey", linestyle=":", label=f"delay = {delay}")
    ax.set_yscale("log")
    ax.set_xlabel("position inside a chunk")
    ax.set_ylabel("test MSE")
    ax.legend(loc="center right", fontsize=8)
    return Plot(figure, (ax,), lines, name="stateful training")
