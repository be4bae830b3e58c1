"""Diagrams of Olah's other variants: what they draw matches the models."""
from __future__ import annotations

import numpy as np
import pytest
from matplotlib.collections import QuadMesh
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from lstm_edu.clockwork import update_schedule
from lstm_edu.variant_diagrams import draw_clockwork, draw_depth_gate, draw_grid_lstm


def _arrows(ax):
    return [p for p in ax.patches if isinstance(p, FancyArrowPatch)]


@pytest.mark.parametrize("periods", [(1, 2, 4, 8), (1, 3, 9)])
def test_clockwork_diagram_draws_the_mask_and_the_schedule(periods):
    plot = draw_clockwork(periods, steps=12)
    left, right = plot.axes
    g = len(periods)
    boxes = [p for p in left.patches if isinstance(p, FancyBboxPatch)]
    assert len(boxes) == g
    assert len(_arrows(left)) == g + g * (g - 1) // 2          # a loop per module, one per slow -> fast pair
    mesh = next(c for c in right.collections if isinstance(c, QuadMesh))
    np.testing.assert_array_equal(np.asarray(mesh.get_array()).reshape(g, 12), update_schedule(periods, 12).T)
    assert plot.png()[:4] == b"\x89PNG"


def test_depth_gate_and_grid_diagrams():
    depth = draw_depth_gate()
    assert sum(t.get_text() == "$d$" for t in depth.axes[0].texts) == 2  # one depth gate per time step
    grid = draw_grid_lstm()
    assert len([p for p in grid.axes[0].patches if isinstance(p, FancyBboxPatch)]) == 4
    assert len(_arrows(grid.axes[0])) == 2 * 3 * 2 * 2          # h and m, 3 edges, 2 rows and 2 columns
    assert repr(grid) == "<grid LSTM diagram: 0 lines>"


def test_bad_arguments_name_them():
    with pytest.raises(ValueError, match="periods"):
        draw_clockwork((1, 2, 4, 8, 16, 32, 64))
    with pytest.raises(ValueError, match="periods"):
        draw_clockwork((4, 2))
    with pytest.raises(TypeError, match="steps"):
        draw_clockwork((1, 2), steps=2.5)
