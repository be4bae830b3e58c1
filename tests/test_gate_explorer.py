"""The gate explorer: the plotted lines are gated_memory's values for the gates set."""
import io
import itertools

import numpy as np
import pytest
from PIL import Image

from lstm_edu.cells import gated_memory
from lstm_edu.widgets.explorer import live_explorer, render_frames, static_explorer
from lstm_edu.widgets.gate_explorer import (
    GATE_VARIANTS,
    PATTERNS,
    GateExplorer,
    GateSetup,
    gate_sequences,
)


def recurrence(f, i, g, o, c0=0.0, tanh=True):
    """The cell update written out step by step (independent of gated_memory)."""
    c, cs = c0, []
    for t in range(len(g)):
        c = f[t] * c + i[t] * g[t]
        cs.append(c)
    cs = np.array(cs)
    return cs, np.asarray(o) * (np.tanh(cs) if tanh else cs)


def test_plotted_cell_state_and_output_equal_gated_memory():
    renderer = GateExplorer(pattern="pulse", steps=30, pulse=4)
    c_line, h_line = renderer.lines["c"], renderer.lines["h"]
    renderer.update(forget=0.9, input=0.5, candidate=0.8, output=0.7)
    assert renderer.lines["c"] is c_line  # artists updated in place
    T = 30
    candidate = np.where(np.arange(T) < 4, 0.8, 0.0)
    expected = gated_memory(np.full(T, 0.9), np.full(T, 0.5), candidate, np.full(T, 0.7))
    np.testing.assert_allclose(c_line.get_ydata(), expected.c)
    np.testing.assert_allclose(h_line.get_ydata(), expected.h)
    c, h = recurrence([0.9] * T, [0.5] * T, candidate, [0.7] * T)
    np.testing.assert_allclose(c_line.get_ydata(), c)
    np.testing.assert_allclose(h_line.get_ydata(), h)
    np.testing.assert_allclose(renderer.lines["candidate"].get_ydata(), candidate)
    np.testing.assert_allclose(renderer.lines["before_gate"].get_ydata(), np.tanh(c))
    np.testing.assert_array_equal(c_line.get_xdata(), np.arange(1, T + 1))
    # the memory written in the pulse decays by exactly f per step afterwards
    np.testing.assert_allclose(c[5:] / c[4:-1], 0.9)


def test_title_reports_the_final_values():
    renderer = GateExplorer(pattern="constant", steps=20)
    renderer.update(forget=0.5, input=1.0, candidate=1.0, output=1.0)
    c, h = recurrence([0.5] * 20, [1.0] * 20, [1.0] * 20, [1.0] * 20)
    text = renderer.title.get_text()
    assert "f = 0.50" in text and f"= {c[-1]:.3g}" in text and f"= {h[-1]:.3g}" in text
    # constant writing settles at i * C~ / (1 - f)
    assert c[-1] == pytest.approx(2.0, rel=1e-5)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_candidate_pattern(pattern):
    setup = GateSetup(pattern=pattern, steps=25, pulse=3)
    candidate = gate_sequences(setup, candidate=-0.5)["candidate"]
    assert candidate.shape == (25,)
    np.testing.assert_allclose(candidate[:3], -0.5)
    if pattern == "constant":
        np.testing.assert_allclose(candidate, -0.5)
    elif pattern == "pulse":
        np.testing.assert_allclose(candidate[3:], 0.0)
    else:
        rest = candidate[3:]
        assert np.all(np.abs(rest) <= 1) and np.std(rest) > 0.2
        # the distractors are fixed: the same for another explorer
        np.testing.assert_array_equal(rest, gate_sequences(setup)["candidate"][3:])


@pytest.mark.parametrize(
    "variant, controls",
    [
        ("vanilla", ["forget", "input", "candidate", "output"]),
        ("peephole", ["forget", "input", "candidate", "output"]),
        ("cifg", ["forget", "candidate", "output"]),
        ("nfg", ["input", "candidate", "output"]),
        ("nig", ["forget", "candidate", "output"]),
        ("nog", ["forget", "input", "candidate"]),
        ("noaf", ["forget", "input", "candidate", "output"]),
        ("gru", ["update", "candidate"]),
    ],
)
def test_each_variant_exposes_its_controls(variant, controls):
    renderer = GateExplorer(variant=variant, pattern="constant")
    assert list(renderer.controls) == controls + ["pattern"]
    pattern = renderer.controls["pattern"]
    assert pattern.labels == PATTERNS and pattern.default == PATTERNS.index("constant")


def test_pattern_control_switches_the_candidate_sequence():
    renderer = GateExplorer(pattern="pulse", steps=20, pulse=2)
    renderer.update(candidate=0.5, forget=0.5, input=1.0)
    np.testing.assert_allclose(renderer.lines["candidate"].get_ydata()[2:], 0.0)
    renderer.update(pattern=PATTERNS.index("constant"))
    np.testing.assert_allclose(renderer.lines["candidate"].get_ydata(), 0.5)
    c, _ = recurrence([0.5] * 20, [1.0] * 20, [0.5] * 20, [1.0] * 20)
    np.testing.assert_allclose(renderer.lines["c"].get_ydata(), c)
    box = live_explorer(renderer)
    assert box.sliders["pattern"].options == tuple(zip(PATTERNS, (0.0, 1.0, 2.0)))
    box.sliders["pattern"].value = 0.0  # back to "pulse"
    np.testing.assert_allclose(renderer.lines["candidate"].get_ydata()[2:], 0.0)


def _variant_expectation(variant, T, f, i, g, o, pulse):
    """Gate arrays a variant implies (distractor pattern), written out independently."""
    ones = np.ones(T)
    f_t, i_t, o_t = f * ones, i * ones, o * ones
    i_t[:pulse] = 1.0  # the write happens with the input gate open
    if variant == "cifg":
        i_t = 1 - f_t
    if variant == "nfg":
        f_t = ones
    if variant == "nig":
        i_t = ones
    if variant == "nog":
        o_t = ones
    return f_t, i_t, g, o_t


@pytest.mark.parametrize("variant", ["vanilla", "peephole", "cifg", "nfg", "nig", "nog", "noaf"])
def test_variant_dynamics(variant):
    T = 24
    renderer = GateExplorer(variant=variant, pattern="distractors", steps=T, pulse=2, c0=0.5)
    values = {"forget": 0.8, "input": 0.6, "candidate": 0.9, "output": 0.4}
    renderer.update(**{k: v for k, v in values.items() if k in renderer.controls})
    g = renderer.lines["candidate"].get_ydata()
    f_t, i_t, g_t, o_t = _variant_expectation(variant, T, 0.8, 0.6, g, 0.4, pulse=2)
    np.testing.assert_allclose(renderer.sequences["input_gate"], i_t)
    c, h = recurrence(f_t, i_t, g_t, o_t, c0=0.5, tanh=variant != "noaf")
    np.testing.assert_allclose(renderer.lines["c"].get_ydata(), c)
    np.testing.assert_allclose(renderer.lines["h"].get_ydata(), h)
    if variant == "peephole":  # gates set by hand: peepholes change nothing
        vanilla = GateExplorer(variant="vanilla", pattern="distractors", steps=T, pulse=2, c0=0.5)
        vanilla.update(**values)
        np.testing.assert_array_equal(vanilla.lines["c"].get_ydata(), renderer.lines["c"].get_ydata())


def test_gru_is_an_interpolation_between_old_state_and_candidate():
    T = 30
    renderer = GateExplorer(variant="gru", pattern="pulse", steps=T, pulse=5)
    renderer.update(update=0.7, candidate=-0.6)
    n = np.where(np.arange(T) < 5, -0.6, 0.0)
    h, expected = 0.0, []
    for t in range(T):
        h = 0.7 * h + 0.3 * n[t]  # torch: h = (1 - z) n + z h_prev
        expected.append(h)
    np.testing.assert_allclose(renderer.lines["c"].get_ydata(), expected)
    assert "h" not in renderer.lines and renderer.axes_h is None


def coloured_pixels(png, colour, tolerance=40):
    """How many pixels of a PNG lie within ``tolerance`` of ``colour`` (per channel)."""
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    target = np.array([int(colour[k:k + 2], 16) for k in (1, 3, 5)])
    return int((np.abs(rgb - target).max(axis=-1) <= tolerance).sum())


def _corner_values(renderer):
    """Every combination of low/high over the renderer's controls."""
    names = list(renderer.controls)
    for corner in itertools.product(*[(renderer.controls[n].low, renderer.controls[n].high) for n in names]):
        yield dict(zip(names, corner))


@pytest.mark.parametrize("variant", GATE_VARIANTS)
@pytest.mark.parametrize("pattern", PATTERNS)
def test_every_extreme_gives_a_sensible_picture(variant, pattern):
    renderer = GateExplorer(variant=variant, pattern=pattern, steps=50, c0=-5.0)
    axes = [ax for ax in (renderer.axes_c, renderer.axes_h) if ax is not None]
    limits = [ax.get_ylim() for ax in axes]
    corners = list(_corner_values(renderer))
    for k, values in enumerate(corners):
        renderer.update(**values)
        for name, line in renderer.lines.items():
            y = np.asarray(line.get_ydata(), dtype=float)
            assert y.shape == (50,), name
            assert np.isfinite(y).all(), (name, values)
            low, high = line.axes.get_ylim()
            assert low <= y.min() and y.max() <= high, (name, values)  # never off the axes
        assert [ax.get_ylim() for ax in axes] == limits  # fixed limits
        if k in (0, len(corners) - 1):  # all controls low, all high: the cell-state line shows
            assert coloured_pixels(renderer.png(), "#1f5fa8") > 100
    # every control at each extreme on its own (others at defaults)
    for name, control in renderer.controls.items():
        for value in (control.low, control.high):
            renderer.update(**{n: c.default for n, c in renderer.controls.items()})
            renderer.update(**{name: value})
            assert all(np.isfinite(line.get_ydata()).all() for line in renderer.lines.values())


def test_fast_png_matches_a_full_redraw():
    renderer = GateExplorer(pattern="distractors")
    renderer.update(forget=0.7, candidate=-0.4)
    fast = np.asarray(Image.open(io.BytesIO(renderer.png())).convert("RGB"), dtype=int)
    buffer = io.BytesIO()
    renderer.figure.savefig(buffer, format="png")
    full = np.asarray(Image.open(buffer).convert("RGB"), dtype=int)
    assert fast.shape == full.shape
    # the 32-colour palette shifts colours a little; beyond that only antialiasing differs
    differing = (np.abs(fast - full).max(axis=-1) > 24).mean()
    assert differing < 0.005


def test_png_changes_with_the_values_and_is_deterministic():
    renderer = GateExplorer()
    first = renderer.png()
    renderer.update(forget=0.2)
    assert renderer.png() != first
    renderer.update(forget=0.9)
    assert renderer.png() == first == GateExplorer().png()


def test_static_explorer_frames_show_the_render_of_each_grid_point():
    renderer = GateExplorer(variant="cifg", pattern="constant", steps=20)
    grid = {"forget": [0.0, 0.5, 1.0], "output": [0.0, 1.0]}
    box = static_explorer(renderer, grid)
    assert repr(box) == "GateExplorer(frames=6)"
    renderer.update(forget=0.5, output=0.0)
    assert box.children[1].children[1].children[0].value == renderer.png()
    frames = render_frames(GateExplorer(variant="cifg", pattern="constant", steps=20), grid)
    assert len(set(frames.values())) == 6


def test_live_explorer_drives_the_renderer():
    renderer = GateExplorer(pattern="constant", steps=20)
    box = live_explorer(renderer)
    box.sliders["forget"].value = 0.0
    np.testing.assert_allclose(renderer.lines["c"].get_ydata(), 1.0)  # c_t = i * C~ = 1
    np.testing.assert_allclose(renderer.lines["h"].get_ydata(), np.tanh(1.0))


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"variant": "lstm"}, ValueError, "variant: expected one of"),
        ({"pattern": "sine"}, ValueError, "pattern: expected one of"),
        ({"steps": 10}, ValueError, r"steps: expected an int in \[20, 50\]"),
        ({"steps": 30.0}, TypeError, "steps: expected an int"),
        ({"pulse": 0}, ValueError, "pulse: expected an int in"),
        ({"c0": 9.0}, ValueError, "c0: expected a number in"),
    ],
)
def test_bad_setups_name_the_argument(kwargs, error, message):
    with pytest.raises(error, match=message):
        GateExplorer(**kwargs)


def test_bad_values_name_the_control():
    renderer = GateExplorer(variant="cifg")
    with pytest.raises(ValueError, match="unknown control"):
        renderer.update(input=0.5)  # CIFG has no input control
    with pytest.raises(ValueError, match="forget: expected a value in"):
        renderer.update(forget=1.5)
    with pytest.raises(TypeError, match="setup: expected a GateSetup"):
        GateExplorer(setup="vanilla")
    with pytest.raises(TypeError, match="give either setup or keyword options"):
        GateExplorer(GateSetup(), steps=30)
    with pytest.raises(ValueError, match="unknown control"):
        gate_sequences(GateSetup(variant="gru"), forget=0.5)


def test_closed_input_gate_shields_the_memory_from_distractors():
    renderer = GateExplorer(pattern="distractors", steps=30, pulse=3)
    renderer.update(forget=1.0, input=0.0, candidate=0.5, output=1.0)
    c = renderer.lines["c"].get_ydata()
    np.testing.assert_allclose(c[:3], [0.5, 1.0, 1.5])  # written with the gate open
    np.testing.assert_allclose(c[3:], 1.5)  # then kept exactly, distractors shut out
    renderer.update(input=1.0)
    assert np.abs(renderer.lines["c"].get_ydata()[3:] - 1.5).max() > 0.5  # now they get in


@pytest.mark.parametrize("variant", ["vanilla", "gru"])
def test_blitted_frames_equal_a_full_redraw(variant):
    """Data and title drawn over the cached background give the pixels of a full redraw."""
    renderer = GateExplorer(variant=variant)
    for end in ("low", "high"):
        renderer.update(**{name: getattr(control, end) for name, control in renderer.controls.items()})
        renderer.png()
        canvas = renderer.figure.canvas
        blitted = np.array(canvas.buffer_rgba())
        canvas.draw()
        np.testing.assert_array_equal(np.asarray(canvas.buffer_rgba()), blitted)
