"""Precomputed views: renderers, their frames in grid order, summaries and input checks."""
import base64
import hashlib

import numpy as np
import pytest

from lstm_edu.widgets.explorer import (
    MAX_FRAMES,
    Control,
    Renderer,
    render_frames,
    static_explorer,
)


class LineRenderer(Renderer):
    """y = slope * x + offset on a fixed axis."""

    controls = {
        "slope": Control("slope", -2.0, 2.0, 1.0, 0.1),
        "offset": Control("offset", 0.0, 1.0, 0.0, 0.05),
    }
    alt_text = "A straight line"

    def __init__(self):
        super().__init__(figsize=(3, 2))
        self.axes = self.figure.add_subplot()
        self.x = np.linspace(0, 1, 5)
        (self.line,) = self.axes.plot(self.x, self.x)
        self.axes.set_ylim(-3, 3)
        self.draws = 0

    def draw(self, slope, offset):
        self.draws += 1
        self.line.set_ydata(slope * self.x + offset)


def test_update_sets_plotted_data_in_place():
    renderer = LineRenderer()
    line = renderer.line
    renderer.update(slope=2.0, offset=0.5)
    assert renderer.line is line
    np.testing.assert_allclose(line.get_ydata(), 2.0 * renderer.x + 0.5)
    renderer.update(offset=0.0)  # slope keeps its value
    np.testing.assert_allclose(line.get_ydata(), 2.0 * renderer.x)


def test_frames_differ_per_grid_point_and_match_a_direct_render():
    renderer = LineRenderer()
    frames = render_frames(renderer, {"slope": [-1.0, 0.0, 1.0], "offset": [0.0, 1.0]})
    assert set(frames) == {(a, b) for a in range(3) for b in range(2)}
    assert len({hashlib.sha1(png).hexdigest() for png in frames.values()}) == 6
    renderer.update(slope=0.0, offset=1.0)
    assert renderer.png() == frames[(1, 1)]


def test_static_explorer_stores_every_frame_in_grid_order_with_its_summary():
    renderer = LineRenderer()
    explorer = static_explorer(renderer, {"slope": [-1.0, 0.0, 1.0], "offset": [0.0, 0.5]})
    assert [c["values"] for c in explorer.controls] == [["-1.00", "0.00", "1.00"], ["0.00", "0.50"]]
    assert [c["label"] for c in explorer.controls] == ["slope", "offset"]
    assert explorer.positions == [2, 0]  # closest to the defaults 1.0 and 0.0
    frames = render_frames(LineRenderer(), {"slope": [-1.0, 0.0, 1.0], "offset": [0.0, 0.5]})
    decoded = [base64.b64decode(frame) for frame in explorer.frames]
    assert decoded == [frames[(a, b)] for a in range(3) for b in range(2)]  # offset varies fastest
    assert explorer.summaries[3] == "slope = 0.00; offset = 0.50."
    assert explorer.description == "A straight line slope = 1.00; offset = 0.00."
    assert repr(explorer) == "LineRenderer(frames=6)"
    with pytest.raises(ValueError, match="positions: expected 2 indices below"):
        explorer.positions = [3, 0]
    explorer.positions = [0, 1]  # what a slider move sets
    assert explorer.positions == [0, 1]


@pytest.mark.parametrize(
    "grid, message",
    [
        ({}, "grid"),
        ({"nope": [1.0]}, "unknown control 'nope'"),
        ({"slope": []}, "grid['slope']"),
        ({"slope": [5.0]}, "outside [-2.0, 2.0]"),
        ({"slope": list(np.linspace(-2, 2, 20)), "offset": list(np.linspace(0, 1, 20))}, "MAX_FRAMES"),
    ],
)
def test_bad_grids_are_rejected_with_the_argument_named(grid, message):
    pattern = message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")
    with pytest.raises((ValueError, TypeError), match=pattern):
        static_explorer(LineRenderer(), grid)
    assert MAX_FRAMES < 400


def test_bad_values_are_rejected():
    renderer = LineRenderer()
    with pytest.raises(ValueError, match="slope: expected a value in"):
        renderer.update(slope=3.0)
    with pytest.raises(TypeError, match="offset: expected a finite number"):
        renderer.update(offset=float("nan"))
    with pytest.raises(ValueError, match="unknown control"):
        renderer.update(speed=1.0)
    with pytest.raises(ValueError, match="default"):
        Control("x", 0.0, 1.0, 2.0, 0.1)


class CellRenderer(LineRenderer):
    """LineRenderer with a categorical control."""

    controls = {**LineRenderer.controls, "kind": Control("cell", 0, 2, 0, 1, labels=("RNN", "LSTM", "GRU"))}

    def draw(self, slope, offset, kind):
        super().draw(slope, offset + kind)


def test_categorical_controls_show_their_names():
    box = static_explorer(CellRenderer(), {"kind": [0, 1, 2]})
    assert box.controls[0]["values"] == ["RNN", "LSTM", "GRU"]
    renderer = CellRenderer()
    renderer.update(kind=2)
    np.testing.assert_allclose(renderer.line.get_ydata(), 1.0 * renderer.x + 2)
    with pytest.raises(ValueError, match="labels: expected 3 names"):
        Control("cell", 0, 2, 0, 1, labels=("RNN", "LSTM"))


def test_png_is_a_small_palette_image_that_is_identical_across_calls():
    import io

    from PIL import Image

    renderer = LineRenderer()
    renderer.update(slope=0.5)
    first = renderer.png()
    assert first == renderer.png()
    image = Image.open(io.BytesIO(first))
    assert image.mode == "P" and len(image.getcolors()) <= renderer.png_colours
    assert image.size == (240, 160)  # 3 x 2 inches at 80 dpi


def test_every_frame_carries_the_renderers_alt_text():
    renderer = LineRenderer()
    box = static_explorer(renderer, {"slope": [-1.0, 1.0]})
    assert box.alt == "A straight line"
