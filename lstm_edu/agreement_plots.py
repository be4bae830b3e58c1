"""Figures for the number-agreement walk-through (lstm_edu.agreement computes, this draws)."""
from __future__ import annotations

import matplotlib.pyplot as plt

from .agreement import AgreementModel, unit_gates

__all__ = ["plot_unit_gates"]

_LINES = (("forget", "forget gate $f_t$", "-"), ("input", "input gate $i_t$", "--"),
          ("output", "output gate $o_t$", ":"), ("candidate", r"candidate $\tilde C_t$", "-."))


def plot_unit_gates(model: AgreementModel, unit: int, sentences):
    """One column per sentence: the unit's gates and candidate (top) and its cell state (bottom)."""
    if isinstance(sentences, str) or not sentences:
        raise TypeError(f"sentences: expected a non-empty list of sentences, got {sentences!r}")
    figure, axes = plt.subplots(2, len(sentences), figsize=(4.2 * len(sentences), 4.6), sharey="row",
                                squeeze=False, height_ratios=(3, 2))
    for column, sentence in enumerate(sentences):
        words = sentence.split()
        values = unit_gates(model, words, unit)
        steps = range(len(words))
        top, bottom = axes[0, column], axes[1, column]
        for name, label, style in _LINES:
            top.plot(steps, values[name], style, marker="o", markersize=3, label=label)
        top.set_ylim(-1.05, 1.05)
        top.set_title(f"\u201c{sentence}\u201d", fontsize=9)
        bottom.plot(steps, values["cell"], color="black", marker="o", markersize=3, label="cell state $C_t$")
        bottom.axhline(0.0, color="#999999", linewidth=0.8)
        bottom.set_xticks(list(steps), words, rotation=45, fontsize=8)
        top.set_xticks(list(steps), [""] * len(words))
    axes[0, 0].set_ylabel(f"unit {unit}")
    axes[1, 0].set_ylabel("$C_t$")
    axes[0, -1].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    figure.tight_layout()
    return figure
