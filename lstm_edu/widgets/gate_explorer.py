"""Chapter 3's gate explorer, live in the browser: set the gates, watch C_t and h_t.

The reader holds the forget, input and output gates and the candidate at values of their
choice (or types their own candidate sequence) and the explorer runs the cell update
:func:`lstm_edu.cells.gated_memory` over the sequence, plotting the cell state ``C_t`` and the
output ``h_t``. The sequences come from :mod:`lstm_edu.gate_patterns`; the page computes them
with ``js/gate_explorer.js``, which mirrors that module, so the site needs no kernel.

In JupyterLab the sliders and the traits are one: ``explorer.forget = 0.5`` moves the slider.
"""
from __future__ import annotations

import traitlets

from ..gate_patterns import (
    GATE_RANGES,
    GATE_VARIANTS,
    PATTERNS,
    GateSetup,
    GateValues,
    check_gate_value,
    describe,
    distractor_values,
    simulate,
    variant_controls,
)
from .live import LiveExplorer, Number, esm

__all__ = ["GateExplorer", "GATE_VARIANTS", "PATTERNS"]

_CONTROL_NAMES = (*GATE_RANGES, "pattern")


class GateExplorer(LiveExplorer):
    """Gates held at chosen values -> cell state C_t and output h_t over time.

    Parameters
    ----------
    variant : str, default "vanilla"
        One of :data:`lstm_edu.gate_patterns.GATE_VARIANTS`: which gates exist.
    pattern : str, default "pulse"
        The candidate over time: ``pulse``, ``constant``, ``distractors`` or ``custom``.
    controls : sequence of str, optional
        The controls shown: gate names (``forget``, ``input``, ``candidate``, ``output``,
        ``update``) and ``pattern`` (the pattern choice and the typed sequence). Default: every
        control of the variant plus ``pattern``. Hidden gates keep their values.
    steps, pulse, c0, custom
        As in :class:`lstm_edu.gate_patterns.GateSetup`.
    **values : float
        Starting gate values (``forget=0.9, input=1.0, candidate=1.0, output=1.0, update=0.9``).

    Examples
    --------
    >>> explorer = GateExplorer(pattern="distractors")
    >>> explorer.forget = 0.5        # in JupyterLab the slider moves and the chart redraws
    """

    _esm = esm("gate_explorer")
    variant = traitlets.Unicode("vanilla").tag(sync=True)
    pattern = traitlets.Unicode("pulse").tag(sync=True)
    controls = traitlets.List(traitlets.Unicode()).tag(sync=True)
    steps = traitlets.Int(40).tag(sync=True)
    pulse = traitlets.Int(5).tag(sync=True)
    c0 = Number(0.0).tag(sync=True)
    custom = traitlets.List(traitlets.Float()).tag(sync=True)
    distractors = traitlets.List(traitlets.Float()).tag(sync=True)
    forget = Number(0.9).tag(sync=True)
    input = Number(1.0).tag(sync=True)
    candidate = Number(1.0).tag(sync=True)
    output = Number(1.0).tag(sync=True)
    update = Number(0.9).tag(sync=True)

    def __init__(self, variant: str = "vanilla", pattern: str = "pulse", controls=None, steps: int = 40,
                 pulse: int = 5, c0: float = 0.0, custom=(1.0, 1.0, 1.0, -1.0, -1.0), **values) -> None:
        unknown = sorted(set(values) - set(GATE_RANGES))
        if unknown:
            raise TypeError(f"values: unknown gate(s) {unknown}; expected names from {list(GATE_RANGES)}")
        setup = GateSetup(variant=variant, pattern=pattern, steps=steps, pulse=pulse, c0=c0,
                          custom=tuple(custom) if isinstance(custom, list) else custom)
        gate_values = GateValues(**values)
        shown = _check_controls(controls, setup.variant)
        super().__init__(variant=setup.variant, pattern=setup.pattern, controls=shown, steps=setup.steps,
                         pulse=setup.pulse, c0=setup.c0, custom=list(setup.custom),
                         distractors=distractor_values(setup.steps, setup.pulse).tolist(),
                         **{name: getattr(gate_values, name) for name in GATE_RANGES})
        self.observe(self._redescribe, names=[*GATE_RANGES, "pattern", "custom"])
        self._redescribe()

    @traitlets.validate(*GATE_RANGES)
    def _valid_gate(self, proposal):
        return check_gate_value(proposal["trait"].name, proposal["value"])

    @traitlets.validate("pattern")
    def _valid_pattern(self, proposal):
        if proposal["value"] not in PATTERNS:
            raise ValueError(f"pattern: expected one of {', '.join(PATTERNS)}, got {proposal['value']!r}")
        return proposal["value"]

    @traitlets.validate("custom")
    def _valid_custom(self, proposal):
        GateSetup(custom=tuple(proposal["value"]))  # raises ValueError/TypeError naming "custom"
        return proposal["value"]

    @property
    def setup(self) -> GateSetup:
        """The current simulation set-up."""
        return GateSetup(variant=self.variant, pattern=self.pattern, steps=self.steps, pulse=self.pulse,
                         c0=self.c0, custom=tuple(self.custom))

    @property
    def values(self) -> GateValues:
        """The current gate values."""
        return GateValues(**{name: getattr(self, name) for name in GATE_RANGES})

    def simulate(self):
        """``GatedMemory(c, h)`` for the current values: the numbers the chart shows."""
        return simulate(self.setup, self.values)

    def _redescribe(self, change=None) -> None:
        self.description = describe(self.setup, self.values, self.simulate())


def _check_controls(controls, variant: str) -> list[str]:
    """The controls to show (default: the variant's gates and the pattern choice)."""
    if controls is None:
        return [*variant_controls(variant), "pattern"]
    if isinstance(controls, str) or not all(isinstance(name, str) for name in controls):
        raise TypeError(f"controls: expected a sequence of control names, got {controls!r}")
    unknown = [name for name in controls if name not in _CONTROL_NAMES]
    if unknown:
        raise ValueError(f"controls: unknown {unknown}; expected names from {list(_CONTROL_NAMES)}")
    absent = [name for name in controls if name in GATE_RANGES and name not in variant_controls(variant)]
    if absent:
        raise ValueError(f"controls: variant {variant!r} has no control {absent}; "
                         f"it has {list(variant_controls(variant))}")
    return list(controls)
