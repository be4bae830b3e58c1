"""The step explorer: walk through a real LSTM trace and watch the numbers flow through the cell.

One control, the time step ``t``; the picture is :func:`lstm_edu.diagrams.draw_lstm_cell`
with the numbers of one unit at that step (:meth:`lstm_edu.diagrams.CellStep.from_trace`)
written next to every wire, and a line stating the cell update with those numbers.
"""
from __future__ import annotations

from ..diagrams import CellStep, draw_lstm_cell, format_value
from .explorer import Blitter, Control, Renderer
from .fast_text import FastText, replace_text

__all__ = ["StepExplorer"]

# plain text with Unicode subscripts (mathtext would be re-parsed for every new number)
_EQUATION = ("t = {t}:   C\u209c = f\u209c\u00b7C\u209c\u208b\u2081 + i\u209c\u00b7C\u0303\u209c"
             " = {f} \u00d7 {c_prev} + {i} \u00d7 {g} = {c}")


class StepExplorer(Renderer):
    """An LSTM cell diagram annotated with one unit's numbers at a chosen time step.

    Parameters
    ----------
    trace : lstm_edu.sequence.Trace
        From ``LSTM.forward`` (2 to 60 time steps).
    batch, unit, feature : int, default 0
        Which sequence, hidden unit and input feature the numbers belong to.
    highlight : str or sequence of str, optional
        Part(s) of the cell to highlight (see :func:`lstm_edu.diagrams.draw_lstm_cell`).

    Attributes
    ----------
    diagram : Diagram
        The drawn cell; ``diagram.labels`` hold the numbers shown.
    step : CellStep
        The numbers of the step shown.
    """

    alt_text = ("Diagram of one LSTM cell with the numbers of one hidden unit written next to "
                "each wire; the slider picks the time step.")

    def __init__(self, trace, batch: int = 0, unit: int = 0, feature: int = 0, highlight=None) -> None:
        from ..sequence import Trace

        if not isinstance(trace, Trace) or trace.kind != "lstm":
            kind = getattr(trace, "kind", type(trace).__name__)
            raise TypeError(f"trace: expected an LSTM Trace (from LSTM.forward), got {kind!r}")
        steps = trace.time_major.h.shape[0]
        if not 2 <= steps <= 60:
            raise ValueError(f"trace: expected 2 to 60 time steps, got {steps}")
        self.trace, self.position = trace, {"batch": batch, "unit": unit, "feature": feature}
        self.step = CellStep.from_trace(trace, 0, **self.position)  # validates the indices
        self.controls = {"step": Control("time step t", 1.0, float(steps), 1.0, 1.0, fmt=".0f")}
        super().__init__(figsize=(7.0, 4.4))
        ax = self.figure.add_subplot()
        self.diagram = draw_lstm_cell(highlight=highlight, values=self.step, ax=ax)
        # the numbers change on every move: glyphs cached (lstm_edu.widgets.fast_text)
        self.diagram.labels = {name: replace_text(label) for name, label in self.diagram.labels.items()}
        self.equation = FastText(7.0, 7.55, _EQUATION.format(t=0, f="0.000", c_prev="0.000", i="0.000",
                                                             g="0.000", c="0.000"),
                                 transform=ax.transData, ha="center", va="bottom", fontsize=10, color="#1f5fa8",
                                 zorder=6)  # with the labels, above the diagram: frames redraw no static part
        ax.add_artist(self.equation)
        ax.set_ylim(-0.6, 8.2)
        dynamic = [*self.diagram.labels.values(), self.equation]
        self._blitter = Blitter(self.figure, dynamic, colours=self.png_colours)
        self.update()

    @classmethod
    def benchmark_instance(cls) -> "StepExplorer":
        """The explorer of chapter 2: a small LSTM (D=1, H=2) reading 12 steps of a sine wave."""
        import numpy as np

        from ..config import LSTMConfig
        from ..sequence import LSTM

        x = np.sin(np.linspace(0.0, 3 * np.pi, 12)).reshape(12, 1, 1)  # (T, B, D)
        model = LSTM.init(LSTMConfig(input_size=1, hidden_size=2), seed=3, forget_bias=1.0)
        return cls(model.forward(x), highlight="update")

    def draw(self, step: float) -> None:
        t = int(round(step)) - 1
        self.step = CellStep.from_trace(self.trace, t, **self.position)
        for name, label in self.diagram.labels.items():
            label.set_text(format_value(getattr(self.step, name)))
        s = self.step
        self.equation.set_text(_EQUATION.format(
            t=t + 1, f=format_value(s.forget), c_prev=format_value(s.c_prev), i=format_value(s.input),
            g=format_value(s.candidate), c=format_value(s.c)))

    def png(self) -> bytes:
        """The diagram with the current numbers, as a palette PNG."""
        return self._blitter.png()
