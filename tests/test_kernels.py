"""The in-place kernels (lstm_edu.kernels) compute what the reference cells (lstm_edu.cells) state."""
import numpy as np
import pytest

from lstm_edu.cells import gru_cell, lstm_cell, rnn_cell
from lstm_edu.config import VARIANTS, GRUConfig, LSTMConfig, RNNConfig
from lstm_edu.kernels import GRUStep, LSTMStep, RNNStep
from lstm_edu.params import GRUParams, LSTMParams, RNNParams, stacked_input_weights

B, D, H = 3, 4, 5


def projected(params, x):
    """(x W_x + b)^T, feature-major (G*H, B): what the sequence code hands a kernel."""
    return stacked_input_weights(params) @ np.concatenate([x.T, np.ones((1, len(x)))])


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_lstm_kernel_equals_the_reference_cell(variant, dtype):
    cfg = LSTMConfig.variant(variant, input_size=D, hidden_size=H)
    params = LSTMParams.init(cfg, seed=4, forget_bias=0.5, scale=0.8, dtype=dtype)
    rng = np.random.default_rng(1)
    x, h_prev, c_prev = (rng.normal(size=shape).astype(dtype) for shape in ((B, D), (B, H), (B, H)))
    (h_ref, c_ref), cache = lstm_cell(params, x, (h_prev, c_prev), cfg)
    pre, gates = projected(params, x).astype(dtype), np.empty((4 * H, B), dtype)
    c, h = np.empty((H, B), dtype), np.empty((H, B), dtype)
    c_out = np.empty_like(c) if cfg.output_activation else c
    LSTMStep(params, cfg, B)(pre, gates, np.ascontiguousarray(h_prev.T), np.ascontiguousarray(c_prev.T),
                             c, c_out, h)
    tolerance = 1e-14 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(h.T, h_ref, rtol=0, atol=tolerance)
    np.testing.assert_allclose(c.T, c_ref, rtol=0, atol=tolerance)
    for k, gate in enumerate("ifgo"):
        np.testing.assert_allclose(gates[k * H:(k + 1) * H].T, cache[gate], rtol=0, atol=tolerance)


def test_gru_kernel_equals_the_reference_cell():
    cfg = GRUConfig(input_size=D, hidden_size=H)
    params = GRUParams.init(cfg, seed=2, scale=0.9)
    rng = np.random.default_rng(3)
    x, h_prev = rng.normal(size=(B, D)), rng.normal(size=(B, H))
    h_ref, cache = gru_cell(params, x, h_prev, cfg)
    pre, gates = projected(params, x), np.empty((3 * H, B))
    hn, h = np.empty((H, B)), np.empty((H, B))
    GRUStep(params, cfg, B)(pre, gates, hn, np.ascontiguousarray(h_prev.T), h)
    np.testing.assert_allclose(h.T, h_ref, rtol=0, atol=1e-14)
    np.testing.assert_allclose(hn.T, cache["hn"], rtol=0, atol=1e-14)
    np.testing.assert_allclose(gates[H:2 * H].T, cache["z"], rtol=0, atol=1e-14)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_kernel_equals_the_reference_cell(nonlinearity):
    cfg = RNNConfig(input_size=D, hidden_size=H, nonlinearity=nonlinearity)
    params = RNNParams.init(cfg, seed=5, scale=1.2)
    rng = np.random.default_rng(6)
    x, h_prev = rng.normal(size=(B, D)), rng.normal(size=(B, H))
    h_ref, _ = rnn_cell(params, x, h_prev, cfg)
    pre, h = projected(params, x), np.empty((H, B))
    RNNStep(params, cfg, B)(pre, np.ascontiguousarray(h_prev.T), h)
    np.testing.assert_allclose(h.T, h_ref, rtol=0, atol=1e-14)
    assert (nonlinearity == "relu") == bool((h_ref == 0).any())
