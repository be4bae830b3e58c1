"""The gate explorer: set the gates by hand and watch the cell state and output evolve.

The reader picks constant gate values (forget ``f``, input ``i``, output ``o``) and the
size of the candidate ``\\tilde C``; the explorer runs the cell update
:func:`lstm_edu.cells.gated_memory` over a sequence of ``steps`` time steps and plots
``C_t`` (top) and ``h_t`` (bottom).

The candidate follows an input *pattern* over time, one more control (a slider over
the names below; ``GateSetup.pattern`` is its starting value):

* ``"pulse"`` -- written during the first ``pulse`` steps, zero afterwards: how long
  does the cell remember?
* ``"constant"`` -- the same value at every step: where does the cell state settle?
* ``"distractors"`` -- written during the first ``pulse`` steps, then fixed pseudo-random
  values in [-1, 1]: how much do later inputs overwrite the memory? The input gate is
  open (1) while the value is written and takes the slider's value afterwards (variants
  whose input gate is fixed or tied to the forget gate keep their rule throughout).

A ``variant`` changes which gates exist (the variants of :mod:`lstm_edu.config`):

=========== ====================================================== ===================
variant     what changes                                           controls
=========== ====================================================== ===================
vanilla     nothing                                                f, i, C~, o
peephole    same dynamics: peepholes change how gates are computed f, i, C~, o
            from C, not what a gate does once it has a value
cifg        i_t = 1 - f_t                                          f, C~, o
nfg         f_t = 1                                                i, C~, o
nig         i_t = 1                                                f, C~, o
nog         o_t = 1                                                f, i, C~
noaf        h_t = o_t * C_t (no tanh)                              f, i, C~, o
gru         h_t = z h_{t-1} + (1 - z) n_t (torch's convention):    z, n
            the CIFG cell with f = z, no output gate, no tanh;
            the reset gate acts inside n_t and is not shown
=========== ====================================================== ===================
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from matplotlib.ticker import FixedLocator, FuncFormatter

from ..cells import gated_memory
from .explorer import Blitter, Control, Renderer
from .fast_text import FastText

__all__ = ["GateSetup", "GateExplorer", "GATE_VARIANTS", "PATTERNS", "gate_sequences"]

#: Variants the gate explorer knows (the names of lstm_edu.config.VARIANTS, plus "gru").
GATE_VARIANTS = ("vanilla", "peephole", "cifg", "nfg", "nig", "nog", "noaf", "gru")
#: Input patterns of the candidate over time.
PATTERNS = ("pulse", "constant", "distractors")

_CONTROLS = {
    "forget": Control("forget gate f", 0.0, 1.0, 0.9, 0.01),
    "input": Control("input gate i", 0.0, 1.0, 1.0, 0.01),
    "candidate": Control("candidate C\u0303", -1.0, 1.0, 1.0, 0.05),
    "output": Control("output gate o", 0.0, 1.0, 1.0, 0.01),
}
_GRU_CONTROLS = {
    "update": Control("update gate z", 0.0, 1.0, 0.9, 0.01),
    "candidate": Control("candidate n", -1.0, 1.0, 1.0, 0.05),
}
_VARIANT_CONTROLS = {
    "vanilla": ("forget", "input", "candidate", "output"),
    "peephole": ("forget", "input", "candidate", "output"),
    "cifg": ("forget", "candidate", "output"),
    "nfg": ("input", "candidate", "output"),
    "nig": ("forget", "candidate", "output"),
    "nog": ("forget", "input", "candidate"),
    "noaf": ("forget", "input", "candidate", "output"),
}
_DISTRACTOR_SEED = 2015


@dataclass(frozen=True)
class GateSetup:
    """What the gate explorer simulates.

    Parameters
    ----------
    variant : str, default "vanilla"
        One of :data:`GATE_VARIANTS`.
    pattern : str, default "pulse"
        One of :data:`PATTERNS`: how the candidate varies over time (the starting value
        of the ``pattern`` control).
    steps : int, default 40
        Length of the sequence, 20 to 50.
    pulse : int, default 5
        Steps during which the candidate is written (``pulse`` and ``distractors``).
    c0 : float, default 0.0
        Initial cell state, in [-5, 5].
    """

    variant: str = "vanilla"
    pattern: str = "pulse"
    steps: int = 40
    pulse: int = 5
    c0: float = 0.0

    def __post_init__(self) -> None:
        if self.variant not in GATE_VARIANTS:
            raise ValueError(f"variant: expected one of {', '.join(GATE_VARIANTS)}, got {self.variant!r}")
        if self.pattern not in PATTERNS:
            raise ValueError(f"pattern: expected one of {', '.join(PATTERNS)}, got {self.pattern!r}")
        for name, low, high in (("steps", 20, 50), ("pulse", 1, self.steps)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"{name}: expected an int, got {type(value).__name__} {value!r}")
            if not low <= value <= high:
                raise ValueError(f"{name}: expected an int in [{low}, {high}], got {value}")
        if isinstance(self.c0, bool) or not isinstance(self.c0, (int, float)) or not -5 <= self.c0 <= 5:
            raise ValueError(f"c0: expected a number in [-5, 5], got {self.c0!r}")

    @property
    def output_activation(self) -> bool:
        """Whether h_t = o_t tanh(C_t) (False for noaf and gru)."""
        return self.variant not in ("noaf", "gru")


def _pattern(setup: GateSetup) -> np.ndarray:
    """Multiplier of the candidate control at each step, shape (T,) (distractors: additive)."""
    active = (np.arange(setup.steps) < setup.pulse).astype(float)  # (T,)
    if setup.pattern == "constant":
        return np.ones(setup.steps)
    return active


def _distractors(setup: GateSetup) -> np.ndarray:
    """Fixed pseudo-random candidates after the pulse, zero during it, shape (T,)."""
    if setup.pattern != "distractors":
        return np.zeros(setup.steps)
    rng = np.random.default_rng(_DISTRACTOR_SEED)
    values = rng.uniform(-1.0, 1.0, setup.steps)
    values[: setup.pulse] = 0.0
    return values


def gate_sequences(setup: GateSetup, **values: float) -> dict[str, np.ndarray]:
    """The per-step gate and candidate arrays (T,) that the explorer feeds to gated_memory.

    Parameters
    ----------
    setup : GateSetup
    **values : float
        Control values (``forget, input, candidate, output``, or ``update, candidate``
        for the GRU, and ``pattern``, an index into :data:`PATTERNS`); missing ones
        take their defaults (the pattern's default is ``setup.pattern``).

    Returns
    -------
    dict
        ``forget_gate, input_gate, candidate, output_gate``, each of shape ``(T,)``.
    """
    if not isinstance(setup, GateSetup):
        raise TypeError(f"setup: expected a GateSetup, got {type(setup).__name__}")
    controls = _controls_of(setup.variant, setup.pattern)
    unknown = sorted(set(values) - set(controls))
    if unknown:
        raise ValueError(f"values: unknown control(s) {unknown} for variant {setup.variant!r}; "
                         f"expected names from {list(controls)}")
    v = {name: float(values.get(name, control.default)) for name, control in controls.items()}
    setup = dataclasses.replace(setup, pattern=PATTERNS[int(round(v["pattern"]))])
    T = setup.steps
    ones = np.ones(T)
    candidate = v["candidate"] * _pattern(setup) + _distractors(setup)  # (T,)
    if setup.variant == "gru":
        z = v["update"] * ones
        return {"forget_gate": z, "input_gate": 1.0 - z, "candidate": candidate, "output_gate": ones}
    forget = ones if setup.variant == "nfg" else v["forget"] * ones
    if setup.variant == "cifg":
        input_gate = 1.0 - forget
    elif setup.variant == "nig":
        input_gate = ones
    else:
        input_gate = v["input"] * ones
        if setup.pattern == "distractors":
            input_gate[: setup.pulse] = 1.0  # the value to keep is written with the gate open
    output = ones if setup.variant == "nog" else v["output"] * ones
    return {"forget_gate": forget, "input_gate": input_gate, "candidate": candidate, "output_gate": output}


def _controls_of(variant: str, pattern: str) -> dict[str, Control]:
    """The controls a variant exposes, in display order, then the input pattern."""
    if variant == "gru":
        controls = dict(_GRU_CONTROLS)
    else:
        controls = {name: _CONTROLS[name] for name in _VARIANT_CONTROLS[variant]}
    controls["pattern"] = Control("input pattern", 0.0, float(len(PATTERNS) - 1),
                                  float(PATTERNS.index(pattern)), 1.0, labels=PATTERNS)
    return controls


class GateExplorer(Renderer):
    """Gate values set by hand -> cell state C_t and output h_t over time.

    Parameters
    ----------
    setup : GateSetup, optional
        Variant, input pattern, length and initial state; built from ``**options``
        when None.
    **options
        Fields of :class:`GateSetup` (``variant``, ``pattern``, ``steps``, ``pulse``,
        ``c0``), when ``setup`` is not given.

    Attributes
    ----------
    lines : dict of str to Line2D
        ``c`` (cell state), ``candidate`` (the candidate fed in), ``h`` (output) and
        ``before_gate`` (``tanh(C_t)``, or ``C_t`` without output activation).
    last : GatedMemory
        The result of the last ``gated_memory`` call.

    Notes
    -----
    The cell-state axis has fixed limits that hold the largest possible ``|C_t|``
    (``|c0| + T``) on a symmetric-log scale: linear in [-1, 1], logarithmic beyond.
    The output axis is fixed at [-1.05, 1.05] (or symmetric-log like the cell state for
    the variants without the tanh).
    """

    def __init__(self, setup: GateSetup | None = None, **options) -> None:
        if setup is None:
            setup = GateSetup(**options)
        elif options:
            raise TypeError(f"options: give either setup or keyword options, got both ({sorted(options)})")
        if not isinstance(setup, GateSetup):
            raise TypeError(f"setup: expected a GateSetup, got {type(setup).__name__}")
        self.setup = setup
        self.controls = _controls_of(setup.variant, setup.pattern)
        self.alt_text = _alt_text(setup)
        super().__init__(figsize=(7.0, 3.8))
        self._build()
        self._blitter = Blitter(self.figure, self._dynamic, colours=self.png_colours)
        self.update()

    def _build(self) -> None:
        """Create the axes and their artists once (GRU: one axes, else two)."""
        setup = self.setup
        steps = np.arange(1, setup.steps + 1)
        zeros = np.zeros(setup.steps)
        gru = setup.variant == "gru"
        bound = abs(setup.c0) + setup.steps
        if gru:
            self.axes_c, self.axes_h = self.figure.add_subplot(), None
        else:
            self.axes_c, self.axes_h = self.figure.subplots(2, 1, sharex=True, height_ratios=(3, 2))
        _symlog(self.axes_c, bound)
        fed_in = "candidate $n_t$ fed in" if gru else r"candidate $\tilde C_t$ fed in"
        (cand,) = self.axes_c.step(steps, zeros, where="mid", color="#7570b3", alpha=0.6, linewidth=1.2,
                                   label=fed_in)
        (cell,) = self.axes_c.plot(steps, zeros, color="#1f5fa8", linewidth=2.2, marker="o", markersize=2.5,
                                   label="state $h_t$" if gru else "cell state $C_t$")
        self.axes_c.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        self.axes_c.set_ylabel("$h_t$" if gru else "$C_t$")
        self.lines = {"c": cell, "candidate": cand}
        bottom = self.axes_c if gru else self.axes_h
        if not gru:
            self._build_output_axes(steps, bound)
        bottom.set_xlabel("time step $t$")
        bottom.set_xlim(0.5, setup.steps + 0.5)
        # changes on every move: cached glyphs (lstm_edu.widgets.fast_text), above the legends
        # so that a frame redraws no static artist over it
        self.title = FastText(0.0, 1.03, _title_placeholder(setup), fontsize=9, ha="left", va="bottom",
                              transform=self.axes_c.transAxes, zorder=6)
        self.axes_c.add_artist(self.title)
        self._dynamic = [*self.lines.values(), self.title]

    def _build_output_axes(self, steps: np.ndarray, bound: float) -> None:
        """The lower axes: h_t and what the output gate scales (tanh C_t, or C_t)."""
        zeros = np.zeros_like(steps, dtype=float)
        label = r"$\tanh(C_t)$" if self.setup.output_activation else "$C_t$ (no tanh)"
        (before,) = self.axes_h.plot(steps, zeros, color="#999999", linestyle="--", linewidth=1.2,
                                     label=label)
        (out,) = self.axes_h.plot(steps, zeros, color="#333333", linewidth=2.2, label="output $h_t$")
        if self.setup.output_activation:
            self.axes_h.set_ylim(-1.05, 1.05)
            self.axes_h.axhline(0.0, color="#bbbbbb", linewidth=0.8, zorder=0)
        else:
            _symlog(self.axes_h, bound)
        self.axes_h.set_ylabel("$h_t$")
        self.axes_h.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        self.lines.update({"before_gate": before, "h": out})

    def png(self) -> bytes:
        """The current picture as a palette PNG (background bitmap + data drawn on top)."""
        return self._blitter.png()

    def draw(self, **values: float) -> None:
        sequences = gate_sequences(self.setup, **values)
        result = gated_memory(**sequences, c0=self.setup.c0,
                              output_activation=self.setup.output_activation)
        self.last = result
        self.sequences = sequences
        self.lines["c"].set_ydata(result.c)
        self.lines["candidate"].set_ydata(sequences["candidate"])
        if "h" in self.lines:
            self.lines["h"].set_ydata(result.h)
            before = np.tanh(result.c) if self.setup.output_activation else result.c
            self.lines["before_gate"].set_ydata(before)
        self.title.set_text(_title(self.setup, sequences, result))


def _symlog(ax, bound: float) -> None:
    """Symmetric-log y axis, linear in [-1, 1], fixed to hold |y| <= bound."""
    ax.set_yscale("symlog", linthresh=1.0, linscale=1.0)
    top = bound * 1.3
    ax.set_ylim(-top, top)
    magnitudes = [1.0] + [10.0 ** k for k in range(1, int(np.log10(top)) + 1)]
    ticks = sorted([0.0] + magnitudes + [-m for m in magnitudes])
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_minor_locator(FixedLocator([]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))  # plain text: fast
    ax.axhline(0.0, color="#bbbbbb", linewidth=0.8, zorder=0)


_SUBSCRIPTS = str.maketrans("0123456789", "\u2080\u2081\u2082\u2083\u2084\u2085\u2086\u2087\u2088\u2089")


def _title(setup: GateSetup, sequences: dict[str, np.ndarray], result) -> str:
    """One line stating the gate values in force and the final state."""
    f, i, o = (float(sequences[k][-1]) for k in ("forget_gate", "input_gate", "output_gate"))
    T = str(setup.steps).translate(_SUBSCRIPTS)
    if setup.variant == "gru":
        return f"z = {f:.2f}, 1 − z = {i:.2f}   →   h{T} = {result.c[-1]:.3g}"
    return (f"f = {f:.2f}, i = {i:.2f}, o = {o:.2f}   →   "
            f"C{T} = {result.c[-1]:.3g}, h{T} = {result.h[-1]:.3g}")


def _title_placeholder(setup: GateSetup) -> str:
    """A title as tall as the real ones, for laying out the figure."""
    return "f = 0.00, i = 0.00, o = 0.00   →   C\u2080 = 0, h\u2080 = 0"


def _alt_text(setup: GateSetup) -> str:
    """Screen-reader description of the explorer's picture."""
    what = {"pulse": f"written during the first {setup.pulse} steps and zero afterwards",
            "constant": "the same at every step",
            "distractors": f"written during the first {setup.pulse} steps, then random distractors"}
    state = "state h_t" if setup.variant == "gru" else "cell state C_t (top) and output h_t (bottom)"
    return (f"Line plots over {setup.steps} time steps of the {state} of a {setup.variant} cell whose "
            f"gates are set by the sliders; the candidate is {what[setup.pattern]} (the input "
            f"pattern slider, where shown, changes this).")
