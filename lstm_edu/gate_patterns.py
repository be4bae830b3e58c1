"""Gates set by hand: the sequences the gate explorer feeds to the cell update.

To see what a gate *does*, chapter 3's explorer holds each gate at a value the reader
chooses and runs only the cell update, :func:`lstm_edu.cells.gated_memory`. This module
builds the per-step arrays for that: the candidate follows an input *pattern*

* ``"pulse"``: written during the first ``pulse`` steps, zero afterwards (how long does the
  cell remember?);
* ``"constant"``: the same value at every step (where does the cell state settle?);
* ``"distractors"``: written during the first ``pulse`` steps (with the input gate open),
  then fixed pseudo-random values in [-1, 1] (how much do later inputs overwrite it?);
* ``"custom"``: the reader's own candidate sequence, 1 to 60 values in [-1, 1];

and a ``variant`` decides which gates exist (the variants of :mod:`lstm_edu.config`, plus
the GRU seen as a gated memory):

=========== ========================================================= ==================
variant     what changes                                              controls
=========== ========================================================= ==================
vanilla     nothing                                                   f, i, C~, o
peephole    same dynamics: peepholes change how gates are computed    f, i, C~, o
cifg        i_t = 1 - f_t                                             f, C~, o
nfg         f_t = 1                                                   i, C~, o
nig         i_t = 1                                                   f, C~, o
nog         o_t = 1                                                   f, i, C~
noaf        h_t = o_t * C_t (no tanh)                                 f, i, C~, o
gru         h_t = z h_{t-1} + (1 - z) n_t: the CIFG memory with f = z, z, n
            no output gate and no tanh (the reset gate acts inside n)
=========== ========================================================= ==================

``lstm_edu/widgets/js/gate_explorer.js`` mirrors :func:`gate_sequences` line for line.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .cells import GatedMemory, gated_memory
from .validation import check_finite_real

__all__ = ["GATE_VARIANTS", "PATTERNS", "GATE_RANGES", "GateSetup", "GateValues", "variant_controls",
           "distractor_values", "gate_sequences", "simulate", "parse_sequence", "MAX_CUSTOM_STEPS",
           "describe", "check_gate_value"]

GATE_VARIANTS = ("vanilla", "peephole", "cifg", "nfg", "nig", "nog", "noaf", "gru")
PATTERNS = ("pulse", "constant", "distractors", "custom")
#: (low, high) of every gate control; the candidate is a tanh output.
GATE_RANGES = {"forget": (0.0, 1.0), "input": (0.0, 1.0), "candidate": (-1.0, 1.0),
               "output": (0.0, 1.0), "update": (0.0, 1.0)}
MAX_CUSTOM_STEPS = 60
DISTRACTOR_SEED = 2015

_VARIANT_CONTROLS = {
    "vanilla": ("forget", "input", "candidate", "output"),
    "peephole": ("forget", "input", "candidate", "output"),
    "cifg": ("forget", "candidate", "output"),
    "nfg": ("input", "candidate", "output"),
    "nig": ("forget", "candidate", "output"),
    "nog": ("forget", "input", "candidate"),
    "noaf": ("forget", "input", "candidate", "output"),
    "gru": ("update", "candidate"),
}


def _check_int(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an int, got {type(value).__name__} {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name}: expected an int in [{low}, {high}], got {value}")
    return int(value)


def _check_choice(name: str, value: object, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected a str (one of {', '.join(choices)}), got {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"{name}: expected one of {', '.join(choices)}, got {value!r}")
    return value


def check_gate_value(name: str, value: object) -> float:
    """A gate control's value: a real number in its range (numpy scalars accepted)."""
    low, high = GATE_RANGES[name]
    number = check_finite_real(name, value)
    if not low <= number <= high:
        raise ValueError(f"{name}: expected a number in [{low:g}, {high:g}], got {number:g}")
    return number


def variant_controls(variant: str) -> tuple[str, ...]:
    """The gate controls a variant exposes, in display order."""
    return _VARIANT_CONTROLS[_check_choice("variant", variant, GATE_VARIANTS)]


def parse_sequence(text: object) -> tuple[float, ...]:
    """The reader's typed candidate sequence: numbers in [-1, 1] separated by spaces or commas.

    Raises ``ValueError`` (empty, a word that is not a number, a value out of range, more than
    :data:`MAX_CUSTOM_STEPS` values) with the message the explorer shows next to its input.
    """
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    words = text.replace(",", " ").split()
    if not words:
        raise ValueError("text: type at least one number between -1 and 1")
    if len(words) > MAX_CUSTOM_STEPS:
        raise ValueError(f"text: at most {MAX_CUSTOM_STEPS} values, got {len(words)}")
    values = []
    for word in words:
        try:
            value = float(word)
        except ValueError:
            raise ValueError(f"text: {word!r} is not a number") from None
        if not -1.0 <= value <= 1.0:  # NaN fails this too
            raise ValueError(f"text: every value must be in [-1, 1] (a tanh output), got {word}")
        values.append(value)
    return tuple(values)


@dataclass(frozen=True)
class GateSetup:
    """What the gate explorer simulates.

    Parameters
    ----------
    variant : str, default "vanilla"
        One of :data:`GATE_VARIANTS`.
    pattern : str, default "pulse"
        One of :data:`PATTERNS`.
    steps : int, default 40
        Length of the sequence, 20 to 50 (``custom``: the custom sequence's length instead).
    pulse : int, default 5
        Steps during which the candidate is written (``pulse`` and ``distractors``), 1 to steps.
    c0 : float, default 0.0
        Initial cell state, in [-5, 5].
    custom : tuple of float, default (1, 1, 1, -1, -1)
        The reader's candidate sequence, used by the ``custom`` pattern (1 to 60 values in [-1, 1]).
    """

    variant: str = "vanilla"
    pattern: str = "pulse"
    steps: int = 40
    pulse: int = 5
    c0: float = 0.0
    custom: tuple = field(default=(1.0, 1.0, 1.0, -1.0, -1.0))

    def __post_init__(self) -> None:
        _check_choice("variant", self.variant, GATE_VARIANTS)
        _check_choice("pattern", self.pattern, PATTERNS)
        _check_int("steps", self.steps, 20, 50)
        _check_int("pulse", self.pulse, 1, self.steps)
        c0 = check_finite_real("c0", self.c0)
        if not -5.0 <= c0 <= 5.0:
            raise ValueError(f"c0: expected a number in [-5, 5], got {c0:g}")
        if not isinstance(self.custom, (tuple, list)):
            raise TypeError(f"custom: expected a tuple of numbers, got {type(self.custom).__name__}")
        if not 1 <= len(self.custom) <= MAX_CUSTOM_STEPS:
            raise ValueError(f"custom: expected 1 to {MAX_CUSTOM_STEPS} values, got {len(self.custom)}")
        custom = tuple(check_finite_real("custom", value) for value in self.custom)
        if any(not -1.0 <= value <= 1.0 for value in custom):
            raise ValueError(f"custom: expected values in [-1, 1] (a tanh output), got {list(custom)}")
        object.__setattr__(self, "custom", custom)
        object.__setattr__(self, "c0", c0)

    @property
    def output_activation(self) -> bool:
        """Whether h_t = o_t tanh(C_t) (False for noaf and gru)."""
        return self.variant not in ("noaf", "gru")

    @property
    def length(self) -> int:
        """Number of steps simulated (the custom sequence's length for ``custom``)."""
        return len(self.custom) if self.pattern == "custom" else self.steps


@dataclass(frozen=True)
class GateValues:
    """The controls' values (each validated against :data:`GATE_RANGES`)."""

    forget: float = 0.9
    input: float = 1.0
    candidate: float = 1.0
    output: float = 1.0
    update: float = 0.9

    def __post_init__(self) -> None:
        for name in GATE_RANGES:
            object.__setattr__(self, name, check_gate_value(name, getattr(self, name)))


def distractor_values(steps: int, pulse: int) -> np.ndarray:
    """The fixed pseudo-random distractors (T,): zero during the pulse, U(-1, 1) after it."""
    steps, pulse = _check_int("steps", steps, 1, 1000), _check_int("pulse", pulse, 0, steps)
    values = np.random.default_rng(DISTRACTOR_SEED).uniform(-1.0, 1.0, steps)  # (T,)
    values[:pulse] = 0.0
    return values


def gate_sequences(setup: GateSetup, values: GateValues | None = None) -> dict[str, np.ndarray]:
    """The per-step gates and candidate (each (T,)) that ``gated_memory`` receives."""
    if not isinstance(setup, GateSetup):
        raise TypeError(f"setup: expected a GateSetup, got {type(setup).__name__}")
    values = GateValues() if values is None else values
    if not isinstance(values, GateValues):
        raise TypeError(f"values: expected a GateValues, got {type(values).__name__}")
    T = setup.length
    ones, written = np.ones(T), np.arange(T) < setup.pulse  # (T,), (T,)
    if setup.pattern == "custom":
        candidate = np.array(setup.custom)
    elif setup.pattern == "constant":
        candidate = values.candidate * ones
    elif setup.pattern == "pulse":
        candidate = values.candidate * written
    else:
        candidate = values.candidate * written + distractor_values(T, setup.pulse)
    if setup.variant == "gru":
        return {"forget_gate": values.update * ones, "input_gate": 1.0 - values.update * ones,
                "candidate": candidate, "output_gate": ones}
    forget = ones if setup.variant == "nfg" else values.forget * ones
    if setup.variant == "cifg":
        input_gate = 1.0 - forget
    elif setup.variant == "nig":
        input_gate = ones
    else:
        input_gate = values.input * ones
        if setup.pattern == "distractors":
            input_gate[written] = 1.0  # the value to keep is written with the gate open
    output = ones if setup.variant == "nog" else values.output * ones
    return {"forget_gate": forget, "input_gate": input_gate, "candidate": candidate, "output_gate": output}


def simulate(setup: GateSetup, values: GateValues | None = None) -> GatedMemory:
    """Cell state and output over time for hand-set gates (what the explorer plots)."""
    sequences = gate_sequences(setup, values)
    return gated_memory(**sequences, c0=setup.c0, output_activation=setup.output_activation)


_LABELS = {"forget": "forget gate f", "input": "input gate i", "candidate": "candidate",
           "output": "output gate o", "update": "update gate z"}
_PATTERN_NAMES = {"pulse": "a pulse", "constant": "constant", "distractors": "a pulse, then distractors",
                  "custom": "your own sequence"}


def describe(setup: GateSetup, values: GateValues, result: GatedMemory) -> str:
    """The sentence the explorer reads out (its text alternative), as gate_explorer.js writes it."""
    c, h = result.c, result.h  # (T,), (T,)
    peak = int(np.argmax(np.abs(c)))
    gru = setup.variant == "gru"
    if gru:
        settings = f"update gate z = {values.update:.3g}"
    else:
        settings = ", ".join(f"{_LABELS[name]} = {getattr(values, name):.3g}"
                             for name in variant_controls(setup.variant))
    what = "state h_t" if gru else "cell state C_t"
    tail = "" if gru else f"; output h_t ends at {h[-1]:.3g}"
    return (f"{setup.variant} cell, candidate {_PATTERN_NAMES[setup.pattern]}, {len(c)} steps, {settings}: "
            f"{what} ends at {c[-1]:.3g} (largest magnitude {abs(c[peak]):.3g} at step {peak + 1}){tail}.")
