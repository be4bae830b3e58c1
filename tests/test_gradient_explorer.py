"""The gradient explorer: plotted curves equal lstm_edu's BPTT, at every extreme of every control."""
import io
import itertools

import numpy as np
import pytest
from PIL import Image

from lstm_edu.cells import GRUParams, LSTMParams, RNNParams
from lstm_edu.config import GRUConfig, LSTMConfig, RNNConfig
from lstm_edu.widgets.explorer import render_frames, static_explorer
from lstm_edu.widgets.gradient_explorer import (
    CELL_LABELS,
    CELL_TYPES,
    GradientExplorer,
    GradientSetup,
    VariantGradientExplorer,
    build_model,
    clip_factor,
    gradient_curves,
)

SETUP = GradientSetup()
H = SETUP.hidden_size


@pytest.fixture(scope="module")
def explorer():
    return GradientExplorer()


@pytest.fixture(scope="module")
def variant_explorer():
    return VariantGradientExplorer()


def _gradient_of_final_loss(model, length):
    """lstm_edu's BPTT for L = u . h_T on the explorer's input: (Gradients, ||grad theta||)."""
    trace = model.forward(SETUP.inputs()[:length])
    dh = np.zeros_like(trace.h)                                   # (T, 1, H)
    dh[-1] = SETUP.loss_direction()
    grads = model.backward(trace, dh)
    param_norm = np.sqrt(sum(np.sum(g * g) for g in grads.params.values()))
    return grads, param_norm


def _manual_rnn_gradient_norms(model, length):
    """||dL/dh_t|| of the RNN written out here, independently of lstm_edu.bptt."""
    params = model.params
    x = SETUP.inputs()[:length, 0]                                # (T, D)
    h, states = np.zeros(H), []
    for x_t in x:
        h = np.tanh(x_t @ params.W_x + h @ params.W_h + params.b)
        states.append(h)
    grad = SETUP.loss_direction()[0].copy()                       # dL/dh_T
    norms = [np.linalg.norm(grad)]
    for t in range(length - 1, 0, -1):
        grad = (grad * (1.0 - states[t] ** 2)) @ params.W_h.T     # dL/dh_{t-1}
        norms.append(np.linalg.norm(grad))
    return np.array(norms[::-1])


def _ydata(line):
    return np.asarray(line.get_ydata(), dtype=float)


# ----------------------------------------------------------------------------- the model


@pytest.mark.parametrize("cell", CELL_TYPES)
@pytest.mark.parametrize("scale", [0.25, 1.3, 3.0])
def test_every_recurrent_block_has_all_singular_values_equal_to_the_scale(cell, scale):
    model = build_model(cell, scale, 0.0, SETUP)
    W_h = model.params.W_h
    for k in range(W_h.shape[1] // H):
        singular_values = np.linalg.svd(W_h[:, k * H:(k + 1) * H], compute_uv=False)
        np.testing.assert_allclose(singular_values, scale, rtol=1e-12)


def test_other_weights_are_the_default_initialisation_and_the_bias_goes_where_documented():
    bias = 2.5
    lstm = build_model("lstm", 1.0, bias, SETUP).params
    lstm_ref = LSTMParams.init(LSTMConfig(SETUP.input_size, H), seed=SETUP.seed)
    np.testing.assert_array_equal(lstm.W_x, lstm_ref.W_x)
    np.testing.assert_allclose(lstm.b[H:2 * H] - lstm_ref.b[H:2 * H], bias)   # forget block
    np.testing.assert_array_equal(np.delete(lstm.b, np.s_[H:2 * H]),
                                  np.delete(lstm_ref.b, np.s_[H:2 * H]))
    gru = build_model("gru", 1.0, bias, SETUP).params
    gru_ref = GRUParams.init(GRUConfig(SETUP.input_size, H), seed=SETUP.seed)
    np.testing.assert_allclose(gru.b[H:2 * H] - gru_ref.b[H:2 * H], bias)     # update gate z
    np.testing.assert_array_equal(gru.b[:H], gru_ref.b[:H])
    rnn = build_model("rnn", 1.0, bias, SETUP).params                          # bias ignored
    rnn_ref = RNNParams.init(RNNConfig(SETUP.input_size, H), seed=SETUP.seed)
    np.testing.assert_array_equal(rnn.b, rnn_ref.b)
    assert build_model("cifg", 1.0, 0.0, SETUP).cfg.coupled
    assert build_model("peephole", 1.0, 0.0, SETUP).cfg.peepholes


def test_cached_models_are_shared_and_read_only():
    model = build_model("lstm", 1.5, 2.0, SETUP)
    assert build_model("lstm", 1.5, 2.0, SETUP) is model
    with pytest.raises(ValueError, match="read-only"):
        model.params.W_h[0, 0] = 0.0
    copy = model.params.copy()
    copy.W_h[0, 0] = 0.0                                               # a copy can be changed


# ----------------------------------------------------------------------------- plotted data


@pytest.mark.parametrize("scale, bias, length, clip", [(1.0, 1.0, 100, 1.0), (0.6, 3.0, 37, 0.0),
                                                       (2.5, -1.0, 80, -1.0), (2.0, 0.0, 50, 3.5)])
def test_plotted_curves_equal_lstm_edu_bptt(explorer, scale, bias, length, clip):
    explorer.update(weight_scale=scale, forget_bias=bias, length=float(length), clip_log10=clip)
    tau = 10.0 ** clip
    for side, cell in (("left", "rnn"), ("right", "lstm")):
        panel = explorer.panels[side]
        grads, param_norm = _gradient_of_final_loss(build_model(cell, scale, bias, SETUP), length)
        expected = np.maximum(grads.h_norm, SETUP.floor)
        np.testing.assert_allclose(_ydata(panel.h_line), expected, rtol=1e-12)
        np.testing.assert_array_equal(panel.h_line.get_xdata(), np.arange(1, length + 1))
        factor = min(1.0, tau / param_norm)
        np.testing.assert_allclose(_ydata(panel.clip_line),
                                   np.maximum(grads.h_norm * factor, SETUP.floor), rtol=1e-12)
        assert explorer.curves[side].param_norm == pytest.approx(param_norm, rel=1e-12)
    np.testing.assert_allclose(_ydata(explorer.panels["right"].c_line),
                               np.maximum(grads.c_norm, SETUP.floor), rtol=1e-12)


def test_rnn_curve_equals_an_independent_backward_pass_and_stays_under_its_bound(explorer):
    for scale in (0.5, 1.0, 1.7, 3.0):
        explorer.update(weight_scale=scale, length=60.0)
        model = build_model("rnn", scale, 0.0, SETUP)
        manual = _manual_rnn_gradient_norms(model, 60)
        panel = explorer.panels["left"]
        # at s = 3 the forward pass is chaotic and amplifies rounding differences between
        # the two implementations (vectorised vs this loop) to ~1e-8, hence rtol 1e-6
        np.testing.assert_allclose(_ydata(panel.h_line), np.maximum(manual, SETUP.floor),
                                   rtol=1e-6)
        bound = _ydata(panel.bound_line)
        np.testing.assert_allclose(bound, np.maximum(scale ** (60 - np.arange(1, 61.0)),
                                                     SETUP.floor), rtol=1e-12)
        # tanh' <= 1 and every singular value of W_h equals s, so ||dL/dh_t|| <= s^(T-t)
        assert np.all(manual <= scale ** (60 - np.arange(1, 61.0)) * (1 + 1e-9))


def test_lstm_with_open_forget_gate_keeps_the_gradient_the_rnn_loses(explorer):
    explorer.update(weight_scale=1.0, forget_bias=3.0, length=100.0)
    rnn, lstm = explorer.curves["left"].h_norm, explorer.curves["right"].h_norm
    assert lstm[0] > 1e3 * rnn[0]
    explorer.update(forget_bias=-2.0)          # a closed forget gate: the LSTM vanishes too
    assert explorer.curves["right"].h_norm[0] < 1e-6 * lstm[0]


def test_exploding_rnn_is_rescaled_by_clipping_without_changing_its_shape(explorer):
    explorer.update(weight_scale=2.5, forget_bias=1.0, length=100.0, clip_log10=0.0)
    curves = explorer.curves["left"]
    assert curves.h_norm[0] > 1e3 * curves.h_norm[-1]          # grows backwards: explodes
    assert curves.param_norm > 1.0
    clipped = _ydata(explorer.panels["left"].clip_line)
    raw = _ydata(explorer.panels["left"].h_line)
    ratio = clipped / raw
    np.testing.assert_allclose(ratio, 1.0 / curves.param_norm, rtol=1e-12)  # tau = 1
    assert "clipped" in explorer.panels["left"].title.get_text()


def test_no_clipping_below_the_threshold_and_none_at_the_maximum(explorer):
    explorer.update(weight_scale=0.5, length=20.0, clip_log10=3.5)
    for side, panel in explorer.panels.items():
        assert explorer.curves[side].param_norm < 10 ** 3.5
        np.testing.assert_array_equal(_ydata(panel.clip_line), _ydata(panel.h_line))
        assert panel.clip_line.get_visible() and "not clipped" in panel.title.get_text()
    explorer.update(weight_scale=3.0, length=100.0, clip_log10=4.0)       # the maximum: off
    for side, panel in explorer.panels.items():
        assert not panel.clip_line.get_visible()
        assert "no clipping" in panel.title.get_text()
    assert explorer.curves["left"].param_norm > 1e4                         # would be clipped


def test_clip_factor():
    assert clip_factor(0.5, 1.0) == 1.0
    assert clip_factor(1.0, 1.0) == 1.0
    assert clip_factor(8.0, 2.0) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="threshold"):
        clip_factor(1.0, 0.0)
    with pytest.raises(ValueError, match="param_norm"):
        clip_factor(-1.0, 1.0)


# ----------------------------------------------------------------------------- extremes


def _check_sensible(renderer):
    """Finite, positive data inside the axes, every visible line with T points, a real PNG."""
    length = int(round(renderer.values["length"]))
    for panel in renderer.panels.values():
        low, high = panel.axes.get_ylim()
        assert np.isfinite(low) and np.isfinite(high) and 0 < low < high
        for line in (panel.h_line, panel.c_line, panel.clip_line):
            if not line.get_visible():
                continue
            y = _ydata(line)
            assert y.shape == (length,)
            assert np.all(np.isfinite(y)) and np.all(y >= renderer.setup.floor)
            assert np.all(y <= high)
    image = Image.open(io.BytesIO(renderer.png()))
    pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    assert image.size == (504, 223) and len(np.unique(pixels, axis=0)) > 3


def test_every_extreme_of_every_control_gives_a_sensible_picture(explorer):
    controls = explorer.controls
    for corner in itertools.product(*[(c.low, c.high) for c in controls.values()]):
        explorer.update(**dict(zip(controls, corner)))
        _check_sensible(explorer)


@pytest.mark.parametrize("cell", range(len(CELL_TYPES)))
def test_variant_explorer_extremes_for_every_cell(variant_explorer, cell):
    for scale, bias in itertools.product((0.25, 3.0), (-2.0, 6.0)):
        variant_explorer.update(cell=float(cell), weight_scale=scale, forget_bias=bias,
                                length=100.0, clip_log10=-1.0)
        _check_sensible(variant_explorer)


def test_values_under_the_floor_are_drawn_at_it_and_said_so(explorer):
    explorer.update(weight_scale=0.25, length=100.0, forget_bias=1.0)
    rnn = explorer.curves["left"].h_norm
    assert rnn.min() < SETUP.floor                                  # 0.25**99 is far below
    assert _ydata(explorer.panels["left"].h_line).min() == SETUP.floor
    assert "1e-30" in explorer.panels["left"].floor_note.get_text()
    explorer.update(weight_scale=1.0, length=20.0)
    assert explorer.panels["left"].floor_note.get_text() == ""


# ----------------------------------------------------------------------------- variants


@pytest.mark.parametrize("index, cell", list(enumerate(CELL_TYPES)))
def test_cell_control_drives_the_right_panel(variant_explorer, index, cell):
    variant_explorer.update(cell=float(index), weight_scale=1.2, forget_bias=2.0, length=40.0,
                            clip_log10=4.0)
    panel = variant_explorer.panels["right"]
    assert panel.title.get_text().startswith(CELL_LABELS[cell])
    grads, _ = _gradient_of_final_loss(build_model(cell, 1.2, 2.0, SETUP), 40)
    np.testing.assert_allclose(_ydata(panel.h_line), np.maximum(grads.h_norm, SETUP.floor),
                               rtol=1e-12)
    assert panel.c_line.get_visible() == (cell in ("lstm", "peephole", "cifg"))
    curves = gradient_curves(cell, 1.2, 2.0, 40, SETUP)
    np.testing.assert_array_equal(curves.h_norm, variant_explorer.curves["right"].h_norm)


# ----------------------------------------------------------------------------- frames


def test_png_is_deterministic_and_blitting_matches_a_fresh_draw():
    renderer = GradientExplorer()
    renderer.update(weight_scale=2.0, forget_bias=0.0, length=70.0)
    first = renderer.png()
    assert renderer.png() == first
    renderer._blitter = None                                       # force a new background
    assert renderer.png() == first
    canvas = renderer.figure.canvas
    blitted = np.array(canvas.buffer_rgba())
    canvas.draw()                                                  # a full redraw of the same state
    np.testing.assert_array_equal(np.asarray(canvas.buffer_rgba()), blitted)
    renderer.update(weight_scale=1.0)
    assert renderer.png() != first


def test_static_explorer_frames_match_direct_renders():
    renderer = GradientExplorer()
    grid = {"weight_scale": [0.5, 2.0], "forget_bias": [0.0, 3.0]}
    frames = render_frames(renderer, grid)
    assert len(set(frames.values())) == 4
    renderer.update(weight_scale=2.0, forget_bias=0.0)
    assert renderer.png() == frames[(1, 0)]
    box = static_explorer(GradientExplorer(), {"weight_scale": [0.5, 1.0]})
    assert repr(box) == "GradientExplorer(frames=2)"


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: build_model("lstmx", 1.0, 0.0), ValueError, "cell: expected one of"),
        (lambda: build_model("lstm", 0.0, 0.0), ValueError, "weight_scale: expected a positive"),
        (lambda: build_model("lstm", float("nan"), 0.0), ValueError, "weight_scale"),
        (lambda: build_model("lstm", 1.0, "1"), TypeError, "forget_bias"),
        (lambda: gradient_curves("rnn", 1.0, 0.0, 101), ValueError, "length: expected at most"),
        (lambda: gradient_curves("rnn", 1.0, 0.0, 0), ValueError, "length"),
        (lambda: gradient_curves("rnn", 1.0, 0.0, 2.5), TypeError, "length"),
        (lambda: GradientSetup(hidden_size=0), ValueError, "hidden_size"),
        (lambda: GradientSetup(floor=2.0), ValueError, "floor"),
        (lambda: GradientExplorer(cell="transformer"), ValueError, "cell"),
        (lambda: GradientExplorer(setup=GradientSetup(max_length=50)), ValueError,
         "setup.max_length"),
        (lambda: GradientExplorer(setup="big"), TypeError, "setup"),
    ],
)
def test_bad_input_names_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_control_values_outside_the_range_are_rejected(explorer):
    with pytest.raises(ValueError, match="weight_scale: expected a value in"):
        explorer.update(weight_scale=10.0)
    with pytest.raises(ValueError, match="unknown control"):
        explorer.update(cell=1.0)
