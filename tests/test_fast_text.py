"""FastText: cached-glyph text that lands where matplotlib's Text does, and redraws cheaply."""
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lstm_edu.widgets.fast_text import FastText, replace_text


def _canvas():
    figure = Figure(figsize=(4.0, 2.0), dpi=80)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_axis_off()
    return figure, axes


def _ink(figure, threshold=160):
    """Bounding box (x0, y0, x1, y1) in buffer rows/columns of pixels darker than ``threshold``."""
    figure.canvas.draw()
    pixels = np.asarray(figure.canvas.buffer_rgba())[..., :3].min(axis=-1)
    rows, cols = np.flatnonzero((pixels < threshold).any(axis=1)), np.flatnonzero((pixels < threshold).any(axis=0))
    if not len(rows):
        return None
    return cols[0], rows[0], cols[-1] + 1, rows[-1] + 1


@pytest.mark.parametrize("text", ["Cell 0.682 - x", "a wide first line\nshort"])  # (no descender above)
@pytest.mark.parametrize("ha", ["left", "center", "right"])
@pytest.mark.parametrize("va", ["top", "center", "bottom", "baseline"])
def test_ink_lands_where_matplotlib_puts_the_same_text(ha, va, text):
    figure, axes = _canvas()
    label = axes.text(0.5, 0.5, text, fontsize=12, ha=ha, va=va, transform=axes.transAxes)
    expected = _ink(figure)
    label.remove()
    axes.add_artist(FastText(0.5, 0.5, text, fontsize=12, ha=ha, va=va, transform=axes.transAxes))
    got = _ink(figure)
    # (several lines: matplotlib 3.11 spaces them by the font's line height and aligns
    # "baseline" on the last line; FastText documents its own spacing, so compare x only)
    same = slice(None) if "\n" not in text else slice(0, None, 2)
    assert np.allclose(got[same], expected[same], atol=2), (got, expected)
    if "\n" in text:  # each line aligned like matplotlib's: compare the second lines' ink
        mine = _second_line_columns(figure, got)
        axes.artists[-1].remove()
        axes.text(0.5, 0.5, text, fontsize=12, ha=ha, va=va, transform=axes.transAxes)
        assert np.allclose(mine, _second_line_columns(figure, expected), atol=2)


def _second_line_columns(figure, box):
    """First and last ink columns in the lower half of ``box`` (the second of two lines)."""
    figure.canvas.draw()
    lower = np.asarray(figure.canvas.buffer_rgba())[int((box[1] + box[3]) / 2) + 1:box[3], :, :3]
    return np.flatnonzero((lower.min(axis=-1) < 160).any(axis=0))[[0, -1]]


def test_colour_text_update_empty_and_hidden():
    figure, axes = _canvas()
    label = FastText(0.1, 0.5, "first", fontsize=14, color="#d62728", transform=axes.transAxes)
    axes.add_artist(label)
    figure.canvas.draw()
    pixels = np.asarray(figure.canvas.buffer_rgba())[..., :3].astype(int)
    darkest = pixels[np.unravel_index(np.argmin(pixels.sum(-1)), pixels.shape[:2])]
    assert np.abs(darkest - [0xd6, 0x27, 0x28]).max() <= 2  # full coverage has the text's colour
    first = _ink(figure, threshold=250)
    label.set_text("a much longer second text")
    assert label.get_text() == "a much longer second text"
    second = _ink(figure, threshold=250)
    assert second[2] - second[0] > 2 * (first[2] - first[0])
    label.set_text("")
    assert _ink(figure, threshold=250) is None
    label.set_text("back")
    label.set_visible(False)
    assert _ink(figure, threshold=250) is None


def test_lines_background_and_window_extent():
    figure, axes = _canvas()
    one = FastText(0.1, 0.9, "line", fontsize=10, va="top", transform=axes.transAxes)
    axes.add_artist(one)
    ink = _ink(figure)
    height_one = ink[3] - ink[1]
    one.set_text("line\nline\nline")
    x0, y0, x1, y1 = _ink(figure)
    step = 1.2 * 10 * 80 / 72  # linespacing x font size in pixels
    assert abs((y1 - y0) - (height_one + 2 * step)) <= 2
    extent = one.get_window_extent(figure.canvas.get_renderer())  # display: y up
    height = figure.bbox.height
    assert extent.x0 <= x0 and extent.x1 >= x1 and height - extent.y1 <= y0 and height - extent.y0 >= y1
    one.remove()
    boxed = FastText(0.5, 0.5, "box", fontsize=10, ha="center", va="center", background="yellow", pad=4.0,
                     transform=axes.transAxes)
    axes.add_artist(boxed)
    figure.canvas.draw()
    pixels = np.asarray(figure.canvas.buffer_rgba())[..., :3].astype(int)
    yellow = (pixels[..., 0] > 250) & (pixels[..., 1] > 250) & (pixels[..., 2] < 5)
    rows, cols = np.flatnonzero(yellow.any(axis=1)), np.flatnonzero(yellow.any(axis=0))
    dark = pixels[..., 0] < 160  # the black text (yellow has full red)
    text_rows, text_cols = np.flatnonzero(dark.any(axis=1)), np.flatnonzero(dark.any(axis=0))
    x0, y0, x1, y1 = text_cols[0], text_rows[0], text_cols[-1] + 1, text_rows[-1] + 1
    # the text sits inside the yellow rectangle, with about the 4-point (4.4-pixel) margin
    assert cols[0] <= x0 - 3 and cols[-1] >= x1 + 2 and rows[0] <= y0 - 2 and rows[-1] >= y1 + 1


def test_combining_marks_sit_above_their_letter():
    figure, axes = _canvas()
    label = FastText(0.5, 0.5, "C", fontsize=16, ha="center", va="baseline", transform=axes.transAxes)
    axes.add_artist(label)
    plain = _ink(figure)
    label.set_text("C\u0303")  # C with a combining tilde, as in the candidate C~
    accented = _ink(figure)
    assert accented[1] <= plain[1] - 2 and accented[3] == plain[3]  # ink reaches higher, same baseline
    assert abs(accented[0] - plain[0]) <= 1 and abs(accented[2] - plain[2]) <= 1


def test_replace_text_keeps_the_look_and_removes_the_original():
    figure, axes = _canvas()
    label = axes.text(0.3, 0.4, "0.5", fontsize=9, fontweight="bold", color="#1f5fa8", ha="right",
                      va="center", zorder=6, bbox={"boxstyle": "round,pad=0.15", "facecolor": "white",
                                                   "edgecolor": "none", "alpha": 0.85})
    expected = _ink(figure)
    fast = replace_text(label)
    assert label not in axes.texts and fast in axes.get_children()
    assert fast.get_text() == "0.5" and fast.get_position() == (0.3, 0.4) and fast.get_zorder() == 6
    assert np.allclose(_ink(figure), expected, atol=2)
    axes.set_title("a title")
    title = replace_text(axes.title, va="bottom")
    assert axes.get_title() == "" and title.get_text() == "a title"


def test_bad_arguments_name_the_argument():
    with pytest.raises(ValueError, match="fontsize: expected a positive size"):
        FastText(0, 0, "x", fontsize=0)
    with pytest.raises(ValueError, match="ha: expected one of"):
        FastText(0, 0, "x", ha="middle")
    with pytest.raises(ValueError, match="va: expected one of"):
        FastText(0, 0, "x", va="centre")
    with pytest.raises(ValueError, match="weight: expected 'normal' or 'bold'"):
        FastText(0, 0, "x", weight="heavy")
    with pytest.raises(ValueError, match="color: expected a matplotlib colour"):
        FastText(0, 0, "x", color="no-such-colour")
    with pytest.raises(ValueError, match="background: expected a matplotlib colour"):
        FastText(0, 0, "x", background=(2, 0))
    with pytest.raises(TypeError, match="x: expected a finite number"):
        FastText(float("nan"), 0, "x")
    with pytest.raises(TypeError, match="text: expected a str"):
        FastText(0, 0, 3.5)
    with pytest.raises(TypeError, match="family: expected a font family"):
        FastText(0, 0, "x", family=[])
    with pytest.raises(TypeError, match="text: expected a matplotlib Text"):
        replace_text("label")


def test_title_text_sits_where_matplotlib_puts_the_axes_title():
    from lstm_edu.widgets.fast_text import title_text

    figure = Figure(figsize=(4.0, 3.0), dpi=80)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.1, 0.1, 0.8, 0.6))
    axes.set_axis_off()
    axes.set_title("title 0.5", fontsize=9)
    expected = _ink(figure)
    axes.set_title("")
    title = title_text(axes, "title 0.5")
    assert title in axes.get_children() and axes.get_title() == ""
    assert np.allclose(_ink(figure), expected, atol=2)
