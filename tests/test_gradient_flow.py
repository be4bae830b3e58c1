"""Chapter 4's gradient measurements (lstm_edu.gradient_flow): the models, the curves, clipping."""
import math

import numpy as np
import pytest

from lstm_edu.cells import GRUParams, LSTMParams, RNNParams
from lstm_edu.config import GRUConfig, LSTMConfig, RNNConfig
from lstm_edu.gradient_flow import (
    CELL_TYPES,
    GradientSetup,
    build_model,
    clip_factor,
    gradient_curves,
    orthogonal_blocks,
)

SETUP = GradientSetup()
H = SETUP.hidden_size


def _gradient_of_final_loss(model, length):
    """lstm_edu's BPTT for L = u . h_T with dh given per step: (Gradients, ||grad theta||)."""
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


# ----------------------------------------------------------------------------- the model


@pytest.mark.parametrize("cell", CELL_TYPES)
@pytest.mark.parametrize("scale", [0.25, 1.3, 3.0])
def test_every_recurrent_block_has_all_singular_values_equal_to_the_scale(cell, scale):
    model = build_model(cell, scale, 0.0, SETUP)
    W_h = model.params.W_h
    for k in range(W_h.shape[1] // H):
        singular_values = np.linalg.svd(W_h[:, k * H:(k + 1) * H], compute_uv=False)
        np.testing.assert_allclose(singular_values, scale, rtol=1e-12)


def test_scaled_weights_are_exactly_the_scale_times_the_unit_weights():
    """What the browser does (scale times the weights at s = 1, bias added) is bit-exact."""
    for cell in CELL_TYPES:
        unit = build_model(cell, 1.0, 0.0, SETUP).params
        scaled = build_model(cell, 1.7, 2.3, SETUP).params
        np.testing.assert_array_equal(scaled.W_h, 1.7 * unit.W_h)
        np.testing.assert_array_equal(scaled.W_x, unit.W_x)
        if cell != "rnn":
            np.testing.assert_array_equal(scaled.b[H:2 * H], unit.b[H:2 * H] + 2.3)
    blocks = orthogonal_blocks(SETUP, 4)
    np.testing.assert_array_equal(build_model("lstm", 1.0, 0.0, SETUP).params.W_h, blocks)
    np.testing.assert_allclose(blocks[:, :H].T @ blocks[:, :H], np.eye(H), atol=1e-12)


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
    assert model.params.W_h[0, 0] != 0.0


def test_inputs_and_loss_direction_are_fixed_and_read_only():
    x, u = SETUP.inputs(), SETUP.loss_direction()
    assert x.shape == (100, 1, 4) and u.shape == (1, 16)
    assert np.linalg.norm(u) == pytest.approx(1.0, rel=1e-15)
    np.testing.assert_array_equal(GradientSetup().inputs(), x)
    assert not x.flags.writeable and not u.flags.writeable
    assert not np.array_equal(GradientSetup(seed=1).inputs(), x)


# ----------------------------------------------------------------------------- the curves


@pytest.mark.parametrize("cell", CELL_TYPES)
@pytest.mark.parametrize("scale, bias, length", [(1.0, 1.0, 100), (0.6, 3.0, 37), (2.5, -1.0, 80)])
def test_curves_equal_lstm_edu_bptt(cell, scale, bias, length):
    curves = gradient_curves(cell, scale, bias, length, SETUP)
    grads, param_norm = _gradient_of_final_loss(build_model(cell, scale, bias, SETUP), length)
    np.testing.assert_allclose(curves.h_norm, grads.h_norm, rtol=1e-12)
    assert curves.h_norm.shape == (length,)
    assert curves.h_norm[-1] == pytest.approx(1.0, rel=1e-12)      # dL/dh_T = u, a unit vector
    assert curves.param_norm == pytest.approx(param_norm, rel=1e-12)
    if cell in ("lstm", "peephole", "cifg"):
        np.testing.assert_allclose(curves.c_norm, grads.c_norm, rtol=1e-12)
    else:
        assert curves.c_norm is None


def test_rnn_curve_equals_an_independent_backward_pass_and_stays_under_its_bound():
    for scale in (0.5, 1.0, 1.7, 3.0):
        curves = gradient_curves("rnn", scale, 0.0, 60, SETUP)
        manual = _manual_rnn_gradient_norms(build_model("rnn", scale, 0.0, SETUP), 60)
        # at s = 3 the forward pass is chaotic and amplifies rounding differences between
        # the two implementations (vectorised vs this loop) to ~1e-8, hence rtol 1e-6
        np.testing.assert_allclose(curves.h_norm, manual, rtol=1e-6)
        # tanh' <= 1 and every singular value of W_h equals s, so ||dL/dh_t|| <= s^(T-t)
        assert np.all(manual <= scale ** (60 - np.arange(1, 61.0)) * (1 + 1e-9))


def test_lstm_with_open_forget_gate_keeps_the_gradient_the_rnn_loses():
    rnn = gradient_curves("rnn", 1.0, 3.0, 100, SETUP).h_norm
    lstm = gradient_curves("lstm", 1.0, 3.0, 100, SETUP).h_norm
    assert lstm[0] > 1e3 * rnn[0]
    closed = gradient_curves("lstm", 1.0, -2.0, 100, SETUP).h_norm   # a closed forget gate
    assert closed[0] < 1e-6 * lstm[0]


def test_exploding_rnn_grows_backwards():
    curves = gradient_curves("rnn", 2.5, 1.0, 100, SETUP)
    assert curves.h_norm[0] > 1e3 * curves.h_norm[-1]
    assert curves.param_norm > 1e4


def test_values_fall_below_the_floor_at_small_scales():
    rnn = gradient_curves("rnn", 0.25, 1.0, 100, SETUP).h_norm
    assert 0.0 < rnn.min() < SETUP.floor                            # 0.25**99 is far below


def test_clip_factor():
    assert clip_factor(0.5, 1.0) == 1.0
    assert clip_factor(1.0, 1.0) == 1.0
    assert clip_factor(8.0, 2.0) == pytest.approx(0.25)
    assert clip_factor(np.float64(8.0), np.float32(2.0)) == pytest.approx(0.25)
    assert clip_factor(1e300, math.inf) == 1.0                      # clipping off
    assert clip_factor(0.0, 1e-3) == 1.0


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: build_model("lstmx", 1.0, 0.0), ValueError, "cell: expected one of"),
        (lambda: build_model(3, 1.0, 0.0), ValueError, "cell: expected one of"),
        (lambda: build_model("lstm", 0.0, 0.0), ValueError, "weight_scale: expected a positive"),
        (lambda: build_model("lstm", float("nan"), 0.0), ValueError, "weight_scale"),
        (lambda: build_model("lstm", 1.0, "1"), TypeError, "forget_bias"),
        (lambda: build_model("lstm", 1.0, 0.0, setup="big"), TypeError, "setup"),
        (lambda: gradient_curves("rnn", 1.0, 0.0, 101), ValueError, "length: expected at most"),
        (lambda: gradient_curves("rnn", 1.0, 0.0, 0), ValueError, "length"),
        (lambda: gradient_curves("rnn", 1.0, 0.0, 2.5), TypeError, "length"),
        (lambda: GradientSetup(hidden_size=0), ValueError, "hidden_size"),
        (lambda: GradientSetup(floor=2.0), ValueError, "floor"),
        (lambda: GradientSetup(seed=-1), ValueError, "seed"),
        (lambda: GradientSetup(seed=1.5), TypeError, "seed"),
        (lambda: orthogonal_blocks(SETUP, 5), ValueError, "blocks"),
        (lambda: orthogonal_blocks("setup", 1), TypeError, "setup"),
        (lambda: clip_factor(1.0, 0.0), ValueError, "threshold"),
        (lambda: clip_factor(1.0, -math.inf), ValueError, "threshold"),
        (lambda: clip_factor(-1.0, 1.0), ValueError, "param_norm"),
        (lambda: clip_factor("1", 1.0), TypeError, "param_norm"),
    ],
)
def test_bad_input_names_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()
