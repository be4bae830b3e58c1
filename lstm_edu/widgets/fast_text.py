"""Text that is cheap to redraw: each glyph rasterised once, then copied.

matplotlib 3.11 rasterises every glyph of a :class:`~matplotlib.text.Text` again on every
draw, about 50 microseconds a glyph on the book's 2-core machine: a page of sampled text
costs some 70 ms a frame, a dozen numeric labels some 25 ms. :class:`FastText` draws the
font file matplotlib resolves for the same family and weight, with Pillow's FreeType, keeps
each glyph's bitmap, and composes a string's mask in numpy (a few microseconds a glyph),
then draws it as one image. Frames that change text on every slider move use it; static
text stays a matplotlib ``Text``.

What it does not do: mathtext, rotation, kerning, font fallback (a character missing from
the font shows as the font's empty box) and rounded boxes (``background`` is a rectangle).
"""
from __future__ import annotations

import functools
import math
import unicodedata

import numpy as np
from matplotlib import colors as mcolors
from matplotlib import font_manager
from matplotlib.artist import Artist
from matplotlib.text import Text
from matplotlib.transforms import Bbox, ScaledTranslation
from PIL import Image, ImageDraw, ImageFont, features

__all__ = ["FastText", "replace_text", "title_text"]

_HA = ("left", "center", "right")
_VA = ("top", "center", "bottom", "baseline")


class _GlyphFont:
    """One font file at one pixel size: line metrics and a cache of glyph masks."""

    def __init__(self, path: str, size_px: float) -> None:
        self.font = ImageFont.truetype(path, size_px, layout_engine=ImageFont.Layout.BASIC)
        # clusters with combining marks need the marks positioned (raqm), when Pillow has it
        shaping = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
        self.shaping_font = ImageFont.truetype(path, size_px, layout_engine=shaping)
        left, top, right, bottom = self.font.getbbox("lp", anchor="ls")
        self.ascent, self.descent = int(-top), int(bottom)  # of "lp", as matplotlib measures a line
        self.pad = int(math.ceil(size_px))  # room for ink outside a glyph's advance
        self.glyphs: dict[str, tuple[np.ndarray, int, int, float]] = {}

    def glyph(self, cluster: str) -> tuple[np.ndarray, int, int, float]:
        """(ink mask, left, top, advance): the ink's offset from the line box's top-left corner."""
        cached = self.glyphs.get(cluster)
        if cached is None:
            font = self.font if len(cluster) == 1 else self.shaping_font
            advance = font.getlength(cluster)  # hinted, whole pixels: as matplotlib lays text out
            size = (int(math.ceil(advance)) + 2 * self.pad, self.ascent + self.descent + 2 * self.pad)
            image = Image.new("L", size)
            ImageDraw.Draw(image).text((self.pad, self.pad + self.ascent), cluster, font=font, fill=255, anchor="ls")
            mask = np.asarray(image)
            rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
            if len(rows):
                ink = np.ascontiguousarray(mask[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1])
                cached = (ink, int(cols[0]) - self.pad, int(rows[0]) - self.pad, advance)
            else:  # a space
                cached = (np.zeros((0, 0), np.uint8), 0, 0, advance)
            self.glyphs[cluster] = cached
        return cached

    def mask(self, lines: list[str], step: int, align: float = 0.0) -> tuple[np.ndarray, tuple[int, int, int, int]]:
        """Coverage of ``lines`` (``step`` pixels apart) and their line box in it.

        ``align`` places each line in the box: 0 left, 0.5 centred, 1 right. Returns
        ``(mask, (left, top, width, height))``: ``mask`` is ``(h, w)`` uint8 and holds the line
        box (``ascent + descent`` a line, the advances across) and any ink outside it (an
        accent above a capital, say); the box is given in ``mask``'s pixels.
        """
        lines = [_clusters(line) for line in lines]
        widths = [sum(self.glyph(c)[3] for c in line) for line in lines]
        width = int(math.ceil(max(widths + [1.0])))
        height = self.ascent + self.descent + step * (len(lines) - 1)
        pad = self.pad
        out = np.zeros((height + 2 * pad, width + 2 * pad + 1), np.uint8)
        for row, line in enumerate(lines):
            x, top = float(round((width - widths[row]) * align)), row * step + pad
            for cluster in line:
                ink, left, ink_top, advance = self.glyph(cluster)
                if ink.size:
                    y0, x0 = top + ink_top, pad + int(round(x)) + left
                    window = out[y0:y0 + ink.shape[0], x0:x0 + ink.shape[1]]
                    np.maximum(window, ink, out=window)
                x += advance
        rows, cols = np.flatnonzero(out.any(axis=1)), np.flatnonzero(out.any(axis=0))
        top, left = pad, pad
        bottom, right = pad + height, pad + width
        if len(rows):
            top, bottom = min(top, rows[0]), max(bottom, rows[-1] + 1)
            left, right = min(left, cols[0]), max(right, cols[-1] + 1)
        return out[top:bottom, left:right], (int(pad - left), int(pad - top), width, height)


def _clusters(line: str):
    """The characters of ``line``, each with the combining marks that follow it."""
    if not any(unicodedata.combining(char) for char in line):
        return line
    clusters: list[str] = []
    for char in line:
        if clusters and unicodedata.combining(char):
            clusters[-1] += char
        else:
            clusters.append(char)
    return clusters


def _colour(name: str, value) -> tuple[float, float, float, float]:
    """``value`` as RGBA, or a ValueError naming the argument."""
    try:
        return mcolors.to_rgba(value)
    except (ValueError, TypeError) as error:
        raise ValueError(f"{name}: expected a matplotlib colour, got {value!r}") from error


@functools.lru_cache(maxsize=32)
def _glyph_font(path: str, size_px: float) -> _GlyphFont:
    """The shared glyph cache of one font file at one size."""
    return _GlyphFont(path, size_px)


@functools.lru_cache(maxsize=32)
def _font_path(family: tuple[str, ...], weight: str) -> str:
    """The file matplotlib uses for ``family`` and ``weight``."""
    return font_manager.findfont(font_manager.FontProperties(family=list(family), weight=weight))


class FastText(Artist):
    """A single-colour, unrotated text whose redraw costs microseconds a glyph.

    Parameters
    ----------
    x, y : float
        Anchor point, in the coordinates of ``transform``.
    text : str
        May contain newlines.
    transform : matplotlib.transforms.Transform, optional
        Default: the data coordinates of the Axes it is added to.
    fontsize : float, default 10
        In points.
    color : colour, default "black"
    family : str or sequence of str, default "sans-serif"
    weight : {"normal", "bold"}, default "normal"
    ha : {"left", "center", "right"}, default "left"
        Which side of the text block sits at ``x``.
    va : {"top", "center", "bottom", "baseline"}, default "baseline"
        Which edge of the block sits at ``y`` (``baseline``: the first line's).
    linespacing : float, default 1.2
        Distance between baselines, in font sizes.
    background : colour, optional
        Fill of a rectangle behind the text (its alpha is the colour's).
    pad : float, default 0
        Margin of that rectangle around the text, in points.
    zorder : float, default 3
        As matplotlib's ``Text``.
    """

    zorder = 3

    def __init__(self, x: float, y: float, text: str = "", *, transform=None, fontsize: float = 10.0,
                 color="black", family="sans-serif", weight: str = "normal", ha: str = "left",
                 va: str = "baseline", linespacing: float = 1.2, background=None, pad: float = 0.0,
                 zorder: float | None = None) -> None:
        super().__init__()
        for name, value in (("x", x), ("y", y), ("fontsize", fontsize), ("linespacing", linespacing), ("pad", pad)):
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
                raise TypeError(f"{name}: expected a finite number, got {value!r}")
        if fontsize <= 0:
            raise ValueError(f"fontsize: expected a positive size in points, got {fontsize}")
        if linespacing <= 0 or pad < 0:
            raise ValueError(f"linespacing/pad: expected linespacing > 0 and pad >= 0, got {linespacing}, {pad}")
        if ha not in _HA:
            raise ValueError(f"ha: expected one of {_HA}, got {ha!r}")
        if va not in _VA:
            raise ValueError(f"va: expected one of {_VA}, got {va!r}")
        if weight not in ("normal", "bold"):
            raise ValueError(f"weight: expected 'normal' or 'bold', got {weight!r}")
        families = (family,) if isinstance(family, str) else tuple(family)
        if not families or not all(isinstance(f, str) for f in families):
            raise TypeError(f"family: expected a font family name or a sequence of them, got {family!r}")
        self._xy = (float(x), float(y))
        self._fontsize, self._linespacing, self._pad = float(fontsize), float(linespacing), float(pad)
        self._rgba = _colour("color", color)
        self._background = None if background is None else _colour("background", background)
        self._path = _font_path(families, weight)
        self._ha, self._va = ha, va
        self._image = None  # (key, rgba (h, w, 4) top row first, ascent in px)
        if transform is not None:
            self.set_transform(transform)
        if zorder is not None:
            self.set_zorder(zorder)
        self.set_clip_on(False)
        self.set_text(text)

    # -- text ----------------------------------------------------------------------
    def set_text(self, text: str) -> None:
        """Set the string shown."""
        if not isinstance(text, str):
            raise TypeError(f"text: expected a str, got {type(text).__name__}")
        self._text = text
        self.stale = True

    def get_text(self) -> str:
        """The string shown."""
        return self._text

    def set_position(self, xy) -> None:
        """Move the anchor to ``(x, y)``."""
        self._xy = (float(xy[0]), float(xy[1]))
        self.stale = True

    def get_position(self) -> tuple[float, float]:
        """The anchor ``(x, y)``."""
        return self._xy

    # -- drawing -------------------------------------------------------------------
    def _rendered(self, renderer) -> tuple[np.ndarray, tuple[int, int, int, int], int]:
        """The RGBA image (top row first), the text's line box in it, and the first line's ascent."""
        size_px = renderer.points_to_pixels(self._fontsize)
        key = (self._text, size_px)
        if self._image is not None and self._image[0] == key:
            return self._image[1:]
        font = _glyph_font(self._path, size_px)
        align = {"left": 0.0, "center": 0.5, "right": 1.0}[self._ha]  # each line, as matplotlib does
        mask, box = font.mask(self._text.split("\n"), int(round(self._linespacing * size_px)), align)  # (h, w)
        if self._background is None:  # the text's colour everywhere, its coverage as alpha
            image = np.empty(mask.shape + (4,), np.uint8)  # (h, w, RGBA)
            image[..., :3] = np.round(np.asarray(self._rgba[:3]) * 255.0)
            image[..., 3] = mask if self._rgba[3] == 1.0 else np.round(mask * self._rgba[3])
        else:
            image, box = self._over_background(mask, box, int(round(renderer.points_to_pixels(self._pad))))
        self._image = (key, image, box, font.ascent)
        return image, box, font.ascent

    def _over_background(self, mask: np.ndarray, box, pad: int) -> tuple[np.ndarray, tuple[int, int, int, int]]:
        """The text over its background rectangle (the line box grown by ``pad``), "over" in straight alpha."""
        left, top, width, height = box
        grow = (max(0, pad - top), max(0, top + height + pad - mask.shape[0]),  # above, below
                max(0, pad - left), max(0, left + width + pad - mask.shape[1]))  # left, right
        mask = np.pad(mask, (grow[:2], grow[2:]))
        left, top = left + grow[2], top + grow[0]
        back = np.zeros(mask.shape, np.float32)
        back[top - pad:top + height + pad, left - pad:left + width + pad] = self._background[3]
        text_alpha = mask.astype(np.float32) * (self._rgba[3] / 255.0)
        back *= 1.0 - text_alpha
        alpha = text_alpha + back
        rgb = np.multiply.outer(text_alpha, self._rgba[:3]) + np.multiply.outer(back, self._background[:3])
        image = np.empty(mask.shape + (4,), np.uint8)
        image[..., :3] = np.round(rgb / np.maximum(alpha, 1e-6)[..., None] * 255.0)
        image[..., 3] = np.round(alpha * 255.0)
        return image, (left, top, width, height)

    def _corner(self, image: np.ndarray, box, ascent: int) -> tuple[int, int]:
        """Display coordinates (pixels, y up) of the image's bottom-left corner."""
        x, y = self.get_transform().transform(self._xy)
        left, top, width, height = box
        box_left = x - {"left": 0.0, "center": width / 2, "right": width}[self._ha]
        box_top = y + {"top": 0.0, "center": height / 2, "bottom": height, "baseline": ascent}[self._va]
        return int(round(box_left)) - left, int(round(box_top)) + top - image.shape[0]

    def get_window_extent(self, renderer=None) -> Bbox:
        """The box the text (and its background) covers, in display pixels."""
        if renderer is None:
            renderer = self.get_figure(root=True)._get_renderer()
        if not self._text:
            x, y = self.get_transform().transform(self._xy)
            return Bbox.from_bounds(x, y, 0, 0)
        image, box, ascent = self._rendered(renderer)
        left, bottom = self._corner(image, box, ascent)
        return Bbox.from_bounds(left, bottom, image.shape[1], image.shape[0])

    def draw(self, renderer) -> None:
        """Draw the composed image (nothing for an empty or hidden text)."""
        if not self.get_visible() or not self._text:
            self.stale = False
            return
        image, box, ascent = self._rendered(renderer)
        left, bottom = self._corner(image, box, ascent)
        gc = renderer.new_gc()
        self._set_gc_clip(gc)
        gc.set_url(self.get_url())
        renderer.draw_image(gc, left, bottom, image[::-1])  # the renderer takes the bottom row first
        gc.restore()
        self.stale = False


def replace_text(text: Text, **overrides) -> FastText:
    """A :class:`FastText` in place of ``text``, which is removed (or, for a title, emptied).

    Takes the position, transform, font size, colour, family, weight, alignment, zorder and
    (as a rectangle) the background box of ``text``; ``overrides`` replace any of them.

    Parameters
    ----------
    text : matplotlib.text.Text
        A text in an Axes or a figure, without rotation or mathtext.
    **overrides
        Keyword arguments of :class:`FastText`.

    Returns
    -------
    FastText
        Added to the same Axes (or figure).
    """
    if not isinstance(text, Text):
        raise TypeError(f"text: expected a matplotlib Text, got {type(text).__name__}")
    if text.get_rotation() % 360:
        raise ValueError(f"text: expected an unrotated text, got rotation {text.get_rotation()}")
    va = text.get_verticalalignment()
    box, spacing = text.get_bbox_patch(), text.get_linespacing()  # spacing: a number or "normal"
    options = dict(transform=text.get_transform(), fontsize=text.get_fontsize(), color=text.get_color(),
                   family=text.get_fontfamily(), weight="bold" if text.get_fontweight() in ("bold", 700) else "normal",
                   ha=text.get_horizontalalignment(), va="center" if va == "center_baseline" else va,
                   linespacing=spacing if isinstance(spacing, (int, float)) else 1.2, zorder=text.get_zorder())
    if box is not None:
        background = mcolors.to_rgba(box.get_facecolor(), box.get_alpha())
        options.update(background=background, pad=box.get_boxstyle().pad * text.get_fontsize())
    options.update(overrides)
    fast = FastText(*text.get_position(), text.get_text(), **options)
    axes = text.axes
    if axes is not None and text in (axes.title, axes._left_title, axes._right_title):
        text.set_text("")
    else:
        text.remove()
    (axes if axes is not None else text.get_figure()).add_artist(fast)
    fast.set_clip_on(False)
    return fast


def title_text(axes, text: str = "", fontsize: float = 9.0, **options) -> FastText:
    """A :class:`FastText` where matplotlib puts an Axes title (centred, 6 points above it).

    For a title that changes on every slider move; the Axes' own title stays empty.

    Parameters
    ----------
    axes : matplotlib.axes.Axes
    text : str, default ""
        Initial text (the figure is laid out with it: give as many lines as later titles have).
    fontsize : float, default 9
    **options
        Other keyword arguments of :class:`FastText`.

    Returns
    -------
    FastText
        Added to ``axes``.
    """
    above = axes.transAxes + ScaledTranslation(0.0, 6.0 / 72.0, axes.get_figure(root=True).dpi_scale_trans)
    title = FastText(0.5, 1.0, text, transform=above, ha="center", va="bottom", fontsize=fontsize, **options)
    axes.add_artist(title)
    return title
