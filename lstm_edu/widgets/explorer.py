"""Precomputed views: a matplotlib renderer drawn once per grid point, switched in the page.

The chapters' explorers compute in the browser (:mod:`lstm_edu.widgets.live`). A few
application views show what would not help a reader to compute in the page (a trained model
over a whole test set, a spectrogram): for those, a :class:`Renderer` owns a single matplotlib
figure, creates its artists once, and ``update(**values)`` recomputes with lstm_edu and sets
their data in place; :func:`static_explorer` renders every point of a small grid once, when
the notebook executes, into PNG frames held by a :class:`FrameExplorer` (an anywidget):
labelled native sliders swap the picture in the browser and read out each frame's summary,
on the static site with no kernel and no network.
"""
from __future__ import annotations

import base64
import io
import itertools
import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import traitlets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from .live import LiveExplorer, esm

__all__ = [
    "Control",
    "Renderer",
    "FrameExplorer",
    "static_explorer",
    "MAX_FRAMES",
]

#: Upper bound on precomputed frames per explorer (keeps a page well under 5 MB).
MAX_FRAMES = 160


@dataclass(frozen=True)
class Control:
    """One control of an explorer: its label, full range and default.

    Parameters
    ----------
    label : str
        Text shown next to the slider (may contain simple math such as ``f_t``).
    low, high : float
        Full range, used by the live explorer's slider.
    default : float
        Initial value.
    step : float
        Live slider step.
    fmt : str
        Format of a value in the slider readout (a ``str.format`` spec such as ``".2f"``).
    labels : tuple of str, optional
        For a control that picks one of several things (a cell type, say): the name of
        each integer value ``low, low + 1, ..., high``; the sliders show these names.
    """

    label: str
    low: float
    high: float
    default: float
    step: float
    fmt: str = ".2f"
    labels: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not self.low < self.high:
            raise ValueError(f"low/high: expected low < high, got low={self.low}, high={self.high}")
        if not self.low <= self.default <= self.high:
            raise ValueError(
                f"default: expected a value in [{self.low}, {self.high}], got {self.default}"
            )
        if not self.step > 0:
            raise ValueError(f"step: expected a positive step, got {self.step}")
        if self.labels is not None:
            expected = int(round(self.high - self.low)) + 1
            if self.step != 1 or float(self.low).is_integer() is False or len(self.labels) != expected:
                raise ValueError(
                    f"labels: expected {expected} names for the integer values "
                    f"{self.low}..{self.high} with step 1, got {len(self.labels)} (step {self.step})"
                )

    def format(self, value: float) -> str:
        """The text a slider shows for ``value``."""
        if self.labels is not None:
            return self.labels[int(round(value - self.low))]
        return format(value, self.fmt)


class Renderer:
    """Base class: a figure whose artists are updated in place from control values.

    Subclasses set ``controls`` (an ordered mapping name -> :class:`Control`), build the
    figure and artists in ``__init__`` (after calling ``super().__init__(figsize)``), and
    implement :meth:`draw`, which receives a full, validated set of values.
    """

    controls: Mapping[str, Control] = {}
    #: Alternative text for screen readers; subclasses describe their picture.
    alt_text: str = "Interactive figure"
    #: PNG frames are stored with a palette of this many colours (None: full colour).
    #: Line plots lose nothing visible and the pages get about four times smaller.
    png_colours: int | None = 64

    def __init__(self, figsize: tuple[float, float] = (7.0, 3.2), dpi: int = 80) -> None:
        self.figure = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        FigureCanvasAgg(self.figure)
        self.values = {name: control.default for name, control in self.controls.items()}

    # -- to implement -------------------------------------------------------------
    def draw(self, **values: float) -> None:  # pragma: no cover - abstract
        """Recompute with lstm_edu and set the artists' data in place."""
        raise NotImplementedError

    # -- shared -------------------------------------------------------------------
    def update(self, **values: float) -> None:
        """Set some control values (the others keep theirs) and redraw in place."""
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise ValueError(
                f"values: unknown control(s) {unknown}; expected names from {list(self.controls)}"
            )
        for name, value in values.items():
            control = self.controls[name]
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
                raise TypeError(f"{name}: expected a finite number, got {value!r}")
            if not control.low <= value <= control.high:
                raise ValueError(
                    f"{name}: expected a value in [{control.low}, {control.high}], got {value}"
                )
        self.values.update({name: float(value) for name, value in values.items()})
        self.draw(**self.values)

    def summary(self) -> str:
        """One sentence on the picture for the current values (read out by the explorer)."""
        return "; ".join(f"{control.label} = {control.format(self.values[name])}"
                         for name, control in self.controls.items()) + "."

    def png(self) -> bytes:
        """The figure as PNG bytes (deterministic: no metadata; palette of ``png_colours``)."""
        self.figure.canvas.draw()
        return _encode_png(self.figure.canvas, self.png_colours)


def _encode_png(canvas, colours: int | None) -> bytes:
    """The canvas's pixels as PNG bytes, with a palette of ``colours`` (None: full colour)."""
    image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).convert("RGB")
    if colours is not None:
        image = image.quantize(colors=colours, method=Image.Quantize.FASTOCTREE)
    buffer = io.BytesIO()
    image.save(buffer, format="png")
    return buffer.getvalue()


def _check_grid(renderer: Renderer, grid: Mapping[str, Sequence[float]]) -> dict[str, list[float]]:
    """Validate a static grid: known names, values inside each control's range, size bound."""
    if not isinstance(grid, Mapping) or not grid:
        raise TypeError(f"grid: expected a non-empty mapping name -> values, got {grid!r}")
    checked: dict[str, list[float]] = {}
    for name, values in grid.items():
        if name not in renderer.controls:
            raise ValueError(f"grid: unknown control {name!r}; expected one of {list(renderer.controls)}")
        values = [float(v) for v in values]
        if not values:
            raise ValueError(f"grid[{name!r}]: expected at least one value, got none")
        control = renderer.controls[name]
        outside = [v for v in values if not control.low <= v <= control.high]
        if outside:
            raise ValueError(
                f"grid[{name!r}]: values {outside} lie outside [{control.low}, {control.high}]"
            )
        checked[name] = values
    frames = math.prod(len(v) for v in checked.values())
    if frames > MAX_FRAMES:
        raise ValueError(f"grid: {frames} frames exceed MAX_FRAMES={MAX_FRAMES}; use a coarser grid")
    return checked


def _default_index(values: list[float], default: float) -> int:
    """Index of the grid value closest to a control's default."""
    return min(range(len(values)), key=lambda k: abs(values[k] - default))


def render_frames(renderer: Renderer, grid: Mapping[str, Sequence[float]]) -> dict[tuple[int, ...], bytes]:
    """PNG bytes for every grid point, keyed by the tuple of indices (grid order)."""
    checked = _check_grid(renderer, grid)
    names = list(checked)
    frames = {}
    for indices in itertools.product(*(range(len(checked[n])) for n in names)):
        renderer.update(**{n: checked[n][k] for n, k in zip(names, indices)})
        frames[indices] = renderer.png()
    return frames


class FrameExplorer(LiveExplorer):
    """Precomputed pictures switched by labelled native sliders (see :func:`static_explorer`).

    Attributes (synced traits)
    --------------------------
    controls : list of dict
        ``{"name", "label", "values"}`` per slider; ``values`` are the texts shown for each
        grid point.
    frames : list of str
        Base64 PNG per grid point, row-major over ``controls`` (the last control varies fastest).
    summaries : list of str
        One sentence per frame for the aria-live readout and the picture's alt text.
    alt : str
        What the picture shows (the renderer's ``alt_text``).
    positions : list of int
        The slider positions shown (one per control).
    """

    _esm = esm("frame_explorer")
    renderer = traitlets.Unicode("")  # the renderer's class name (not synced)
    controls = traitlets.List(traitlets.Dict()).tag(sync=True)
    frames = traitlets.List(traitlets.Unicode()).tag(sync=True)
    summaries = traitlets.List(traitlets.Unicode()).tag(sync=True)
    alt = traitlets.Unicode("").tag(sync=True)
    positions = traitlets.List(traitlets.Int()).tag(sync=True)

    @traitlets.validate("positions")
    def _valid_positions(self, proposal):
        positions = list(proposal["value"])
        sizes = [len(control["values"]) for control in self.controls]
        if len(positions) != len(sizes) or not all(0 <= p < n for p, n in zip(positions, sizes)):
            raise ValueError(f"positions: expected {len(sizes)} indices below {sizes}, got {positions}")
        return positions

    def __repr__(self) -> str:
        return f"{self.renderer}(frames={len(self.frames)})"


def static_explorer(renderer: Renderer, grid: Mapping[str, Sequence[float]]) -> FrameExplorer:
    """A precomputed explorer: every grid point drawn once now, switched in the page.

    Parameters
    ----------
    renderer : Renderer
        What to draw.
    grid : mapping of str to sequence of float
        For each control to expose, the values a reader can pick (kept small: the product
        of the sizes is the number of PNG frames stored in the page, at most
        :data:`MAX_FRAMES`). Controls not in ``grid`` stay at their defaults.

    Returns
    -------
    FrameExplorer
        Labelled native sliders (keyboard: arrow keys) over the frames, each with its
        summary read out and in the picture's alt text.
    """
    if not isinstance(renderer, Renderer):
        raise TypeError(f"renderer: expected a Renderer, got {type(renderer).__name__}")
    checked = _check_grid(renderer, grid)
    names = list(checked)
    frames, summaries = [], []
    for indices in itertools.product(*(range(len(checked[n])) for n in names)):
        renderer.update(**{n: checked[n][k] for n, k in zip(names, indices)})
        frames.append(base64.b64encode(renderer.png()).decode("ascii"))
        summaries.append(renderer.summary())
    controls = [{"name": n, "label": renderer.controls[n].label,
                 "values": [renderer.controls[n].format(v) for v in checked[n]]} for n in names]
    positions = [_default_index(checked[n], renderer.controls[n].default) for n in names]
    renderer.update(**{n: c.default for n, c in renderer.controls.items()})  # a known state after
    explorer = FrameExplorer(controls=controls, frames=frames, summaries=summaries, alt=renderer.alt_text,
                             positions=positions, renderer=type(renderer).__name__)
    explorer.description = f"{renderer.alt_text} {summaries[_flat_index(positions, controls)]}".strip()
    return explorer


def _flat_index(positions: list[int], controls: list[dict]) -> int:
    index = 0
    for position, control in zip(positions, controls):
        index = index * len(control["values"]) + position
    return index
