"""What every diagram is drawn with: the colours, :class:`Diagram` and :class:`DiagramCanvas`.

:class:`DiagramCanvas` draws arrows, boxes, pointwise-operation nodes and labels into a
matplotlib Axes and files each artist under a named part, coloured by whether that part
is highlighted. A finished picture is a :class:`Diagram`: the figure, the artists of every
part, the highlighted parts and the annotated numbers. Used by :mod:`lstm_edu.diagrams`
(the LSTM cell) and :mod:`lstm_edu.unrolled_diagram` (a recurrent cell over time).
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Iterable, Mapping

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path
from matplotlib.text import Text

__all__ = [
    "HIGHLIGHT",
    "BASE",
    "DIM",
    "BOX_FILL",
    "CELL_FILL",
    "HIGHLIGHT_FILL",
    "Diagram",
    "DiagramCanvas",
    "colour_of",
    "check_highlight",
    "new_axes",
]

#: Colour of the highlighted part.
HIGHLIGHT = "#d1495b"
#: Colour of every part when nothing is highlighted.
BASE = "#30343f"
#: Colour of the parts that are not highlighted when something is.
DIM = "#b8bcc6"
#: Fill of a layer's box.
BOX_FILL = "#fdf3d8"
#: Fill of the cell's outline (and of the labels drawn over it).
CELL_FILL = "#eef2f7"
#: Fill of a highlighted box or node.
HIGHLIGHT_FILL = "#f7d9dd"


@dataclass
class Diagram:
    """A drawn diagram.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
    axes : matplotlib.axes.Axes
    parts : dict of str to list of Artist
        The artists of each named part.
    highlighted : tuple of str
        The parts drawn in :data:`HIGHLIGHT`.
    labels : dict of str to Text
        Annotated numbers (empty unless values were given).
    """

    figure: Figure
    axes: Axes
    parts: dict[str, list[Artist]] = field(default_factory=dict)
    highlighted: tuple[str, ...] = ()
    labels: dict[str, Text] = field(default_factory=dict)
    name: str = "diagram"

    def colour_of(self, part: str) -> tuple[float, float, float, float]:
        """RGBA edge colour of a part's first artist."""
        if part not in self.parts:
            raise ValueError(f"part: expected one of {sorted(self.parts)}, got {part!r}")
        return colour_of(self.parts[part][0])

    def png(self) -> bytes:
        """The figure as PNG bytes."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", metadata={"Software": None})
        return buffer.getvalue()

    def _repr_png_(self) -> bytes:
        return self.png()

    def __repr__(self) -> str:
        marked = ", ".join(self.highlighted) if self.highlighted else "none"
        return f"<{self.name} diagram, highlighted: {marked}>"


def colour_of(artist: Artist) -> tuple[float, float, float, float]:
    """RGBA of an artist's stroke (text colour for Text)."""
    if isinstance(artist, Text):
        return to_rgba(artist.get_color())
    return to_rgba(artist.get_edgecolor())


class DiagramCanvas:
    """Draws primitives into an axes and files each artist under a part name.

    Highlighted parts get :data:`HIGHLIGHT`, a thicker stroke and a tinted fill; the
    others :data:`DIM` when anything is highlighted, else :data:`BASE`.
    """

    def __init__(self, ax: Axes, highlighted: Iterable[str]):
        self.ax = ax
        self.highlighted = set(highlighted)
        self.any_highlight = bool(self.highlighted)
        self.parts: dict[str, list[Artist]] = {}

    def colour(self, part: str) -> str:
        """Stroke and text colour of ``part``."""
        if part in self.highlighted:
            return HIGHLIGHT
        return DIM if self.any_highlight else BASE

    def fill(self, part: str, default: str) -> str:
        """Fill colour of ``part`` (``default`` unless highlighted)."""
        return HIGHLIGHT_FILL if part in self.highlighted else default

    def width(self, part: str) -> float:
        """Line width of ``part``."""
        return 2.6 if part in self.highlighted else 1.5

    def add(self, part: str, artist: Artist) -> Artist:
        """File ``artist`` under ``part`` (also as its gid, for the SVG)."""
        artist.set_gid(part)
        self.parts.setdefault(part, []).append(artist)
        return artist

    def arrow(self, part: str, *points: tuple[float, float], head: bool = True) -> FancyArrowPatch:
        """A polyline through ``points``, with an arrow head at the end."""
        path = Path(np.asarray(points, dtype=float))
        patch = FancyArrowPatch(path=path, arrowstyle="-|>" if head else "-", mutation_scale=11,
                                color=self.colour(part), linewidth=self.width(part),
                                shrinkA=0, shrinkB=0, joinstyle="miter", zorder=2)
        self.ax.add_patch(patch)
        return self.add(part, patch)

    def box(self, part: str, centre: tuple[float, float], text: str, width: float = 1.1,
            height: float = 0.7) -> FancyBboxPatch:
        """A rounded box with a label (a layer with weights)."""
        x, y = centre
        patch = FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                               boxstyle="round,pad=0.02,rounding_size=0.12",
                               facecolor=self.fill(part, BOX_FILL), edgecolor=self.colour(part),
                               linewidth=self.width(part), zorder=3)
        self.ax.add_patch(patch)
        self.add(part, patch)
        self.add(part, self.ax.text(x, y, text, ha="center", va="center", fontsize=11,
                                    color=self.colour(part), zorder=4))
        return patch

    def node(self, part: str, centre: tuple[float, float], symbol: str, radius: float = 0.28) -> Circle:
        """A pointwise operation: a circle with ``x``, ``+`` or ``tanh``."""
        patch = Circle(centre, radius, facecolor=self.fill(part, "white"),
                       edgecolor=self.colour(part), linewidth=self.width(part), zorder=3)
        self.ax.add_patch(patch)
        self.add(part, patch)
        size = 12 if len(symbol) == 1 else 8
        self.add(part, self.ax.text(*centre, symbol, ha="center", va="center", fontsize=size,
                                    color=self.colour(part), zorder=4))
        return patch

    def text(self, part: str, at: tuple[float, float], text: str, **kwargs) -> Text:
        """A label of ``part`` at ``at`` (centred unless ``ha``/``va`` say otherwise)."""
        kwargs.setdefault("ha", "center")
        kwargs.setdefault("va", "center")
        kwargs.setdefault("fontsize", 10)
        label = self.ax.text(*at, text, color=self.colour(part), zorder=5, **kwargs)
        return self.add(part, label)


def check_highlight(highlight, names: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Atomic parts of a highlight given as None, a name or a sequence of names."""
    if highlight is None:
        return ()
    requested = [highlight] if isinstance(highlight, str) else highlight
    try:
        requested = list(requested)
    except TypeError:
        raise TypeError(f"highlight: expected None, a str or a sequence of str, got "
                        f"{type(highlight).__name__}") from None
    atoms: list[str] = []
    for name in requested:
        if not isinstance(name, str) or name not in names:
            raise ValueError(f"highlight: expected names from {sorted(names)}, got {name!r}")
        atoms.extend(a for a in names[name] if a not in atoms)
    return tuple(atoms)


def new_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """The figure and axes to draw into (a new figure when ``ax`` is None)."""
    if ax is None:
        figure = Figure(figsize=figsize, dpi=80, layout="constrained")
        ax = figure.add_subplot()
    elif not isinstance(ax, Axes):
        raise TypeError(f"ax: expected a matplotlib Axes or None, got {type(ax).__name__}")
    return ax.figure, ax
