"""Clockwork RNN: the schedule, the slow-to-fast connectivity, numpy against torch, gradients."""
from __future__ import annotations

import numpy as np
import pytest

from lstm_edu.clockwork import (
    ClockworkConfig,
    ClockworkParams,
    ClockworkRNN,
    clockwork_forward,
    connectivity_mask,
    update_schedule,
)

CFG = ClockworkConfig(input_size=2, module_size=3, periods=(1, 2, 4))


def _params(seed=1):
    return ClockworkParams.init(CFG, seed=seed, scale=0.8)


def test_schedule_is_t_mod_period():
    schedule = update_schedule((1, 3, 4), 9)
    assert schedule.shape == (9, 3)
    np.testing.assert_array_equal(schedule[:, 0], np.ones(9, bool))
    np.testing.assert_array_equal(np.flatnonzero(schedule[:, 1]), [0, 3, 6])
    np.testing.assert_array_equal(np.flatnonzero(schedule[:, 2]), [0, 4, 8])


def test_exponential_periods_and_sizes():
    cfg = ClockworkConfig.exponential(1, 4, 5)
    assert cfg.periods == (1, 2, 4, 8, 16) and cfg.hidden_size == 20
    np.testing.assert_array_equal(cfg.unit_periods[:8], [1, 1, 1, 1, 2, 2, 2, 2])


def test_mask_connects_slow_modules_to_fast_ones_only():
    mask = connectivity_mask(CFG)                   # rows: source unit, columns: destination
    blocks = mask.reshape(3, 3, 3, 3).mean(axis=(1, 3))
    np.testing.assert_array_equal(blocks, [[1, 0, 0], [1, 1, 0], [1, 1, 1]])
    assert mask.sum() == 6 * 9                      # g (g + 1) / 2 blocks of k^2


def test_numpy_forward_follows_the_equations(rng):
    params = _params()
    x = rng.normal(size=(8, 2, 2))
    h = clockwork_forward(params, x, CFG)
    W_h = params.W_h * connectivity_mask(CFG)
    prev = np.zeros((2, 9))
    for t in range(8):
        candidate = np.tanh(x[t] @ params.W_x + prev @ W_h + params.b)
        for m, period in enumerate(CFG.periods):
            units = slice(3 * m, 3 * m + 3)
            expected = candidate[:, units] if t % period == 0 else prev[:, units]
            np.testing.assert_allclose(h[t][:, units], expected, rtol=0, atol=1e-14)
        prev = h[t]
    # the slowest module (period 4) is constant between its updates
    np.testing.assert_array_equal(h[1:4, :, 6:], np.repeat(h[:1, :, 6:], 3, axis=0))
    assert np.abs(h[4, :, 6:] - h[3, :, 6:]).max() > 1e-3


def test_fast_modules_never_reach_slow_ones(rng):
    params = _params()
    x = rng.normal(size=(12, 1, 2))
    h0 = rng.normal(size=(1, 9))
    moved = h0.copy()
    moved[:, :3] += 1.0                              # the fastest module only
    a, b = clockwork_forward(params, x, CFG, h0), clockwork_forward(params, x, CFG, moved)
    np.testing.assert_array_equal(a[:, :, 3:], b[:, :, 3:])
    slow = h0.copy()
    slow[:, 6:] += 1.0                               # the slowest module reaches the fast one
    assert np.abs(clockwork_forward(params, x, CFG, slow)[0, :, :3] - a[0, :, :3]).max() > 1e-3


def test_torch_equals_numpy_to_1e10(torch, rng):
    params = _params()
    x = rng.normal(size=(2, 10, 2))                  # (B, T, D)
    h0 = rng.normal(size=(2, 9))
    layer = ClockworkRNN(CFG).double().load_params(params)
    out, h_T = layer(torch.tensor(x), torch.tensor(h0))
    reference = clockwork_forward(params, x.transpose(1, 0, 2), CFG, h0)  # (T, B, H)
    np.testing.assert_allclose(out.detach().numpy(), reference.transpose(1, 0, 2), rtol=0, atol=1e-10)
    np.testing.assert_allclose(h_T.detach().numpy(), reference[-1], rtol=0, atol=1e-10)


def test_torch_gradients_match_central_differences(torch, rng):
    params = _params()
    x = rng.normal(size=(2, 7, 2))
    weights = rng.normal(size=(2, 7, 9))

    def loss_of(p):
        return float((clockwork_forward(p, x.transpose(1, 0, 2), CFG).transpose(1, 0, 2) * weights).sum())

    layer = ClockworkRNN(CFG).double().load_params(params)
    (layer(torch.tensor(x))[0] * torch.tensor(weights)).sum().backward()
    grads = {"W_x": layer.weight_ih.grad, "W_h": layer.weight_hh.grad, "b": layer.bias.grad}
    eps = 1e-6
    for name, index in [("W_x", (1, 4)), ("W_h", (7, 2)), ("W_h", (4, 5)), ("b", (8,)), ("W_h", (0, 0))]:
        plus, minus = (ClockworkParams(params.W_x.copy(), params.W_h.copy(), params.b.copy())
                       for _ in range(2))
        getattr(plus, name)[index] += eps
        getattr(minus, name)[index] -= eps
        numeric = (loss_of(plus) - loss_of(minus)) / (2 * eps)
        assert grads[name][index].item() == pytest.approx(numeric, rel=1e-6, abs=1e-8), (name, index)
    masked = layer.weight_hh.grad.numpy()[connectivity_mask(CFG) == 0]
    assert masked.size > 0 and np.all(masked == 0)   # fast -> slow entries are never read


def test_torch_layer_passes_gradcheck(torch):
    torch.manual_seed(0)
    layer = ClockworkRNN(ClockworkConfig(1, 2, (1, 3))).double()
    x = torch.randn(2, 7, 1, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda inp: layer(inp)[0], (x,))


def test_used_parameters_count_the_mask():
    layer = ClockworkRNN(ClockworkConfig.exponential(1, 4, 8))
    assert layer.used_parameters() == 32 + 36 * 16 + 32


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(input_size=0, module_size=2), ValueError, "input_size"),
    (dict(input_size=1.5, module_size=2), TypeError, "input_size"),
    (dict(input_size=1, module_size=True), TypeError, "module_size"),
    (dict(input_size=1, module_size=2, periods=(2, 1)), ValueError, "periods"),
    (dict(input_size=1, module_size=2, periods=(1, 1)), ValueError, "periods"),
    (dict(input_size=1, module_size=2, periods=()), ValueError, "periods"),
    (dict(input_size=1, module_size=2, periods=(0, 1)), ValueError, "periods"),
    (dict(input_size=1, module_size=2, periods=(1, 2.0)), TypeError, "periods"),
    (dict(input_size=1, module_size=2, periods="1,2"), TypeError, "periods"),
])
def test_bad_config_names_the_argument(kwargs, error, match):
    with pytest.raises(error, match=match):
        ClockworkConfig(**kwargs)


def test_numpy_integers_are_accepted():
    cfg = ClockworkConfig(np.int64(2), np.int32(3), (np.int64(1), np.int64(5)))
    assert cfg.periods == (1, 5) and isinstance(cfg.periods[1], int)


def test_bad_inputs_name_the_argument(torch, rng):
    params = _params()
    with pytest.raises(ValueError, match=r"x: expected shape \(T, B, 2\)"):
        clockwork_forward(params, rng.normal(size=(4, 2, 3)), CFG)
    with pytest.raises(TypeError, match="x: expected a floating-point"):
        clockwork_forward(params, np.ones((4, 2, 2), dtype=int), CFG)
    with pytest.raises(ValueError, match="x: expected finite"):
        clockwork_forward(params, np.full((4, 2, 2), np.nan), CFG)
    with pytest.raises(ValueError, match=r"h0: expected shape \(2, 9\)"):
        clockwork_forward(params, rng.normal(size=(4, 2, 2)), CFG, h0=np.zeros((2, 8)))
    with pytest.raises(ValueError, match=r"params.W_h: expected shape \(9, 9\)"):
        short = ClockworkParams(params.W_x, params.W_h[:8], params.b)
        clockwork_forward(short, rng.normal(size=(4, 2, 2)), CFG)
    with pytest.raises(TypeError, match="cfg"):
        clockwork_forward(params, rng.normal(size=(4, 2, 2)), {"input_size": 2})
    with pytest.raises(TypeError, match="params"):
        clockwork_forward({"W_x": 1}, rng.normal(size=(4, 2, 2)), CFG)
    with pytest.raises(ValueError, match="steps"):
        update_schedule((1, 2), 0)
    with pytest.raises(ValueError, match="seed: expected a non-negative int, got -1"):
        ClockworkParams.init(CFG, seed=-1)
    with pytest.raises(ValueError, match="scale"):
        ClockworkParams.init(CFG, scale=-0.1)
    layer = ClockworkRNN(CFG)
    with pytest.raises(ValueError, match=r"x: expected feature size 2 \(shape \(B, T, 2\)\)"):
        layer(torch.zeros(2, 3, 1))
    with pytest.raises(TypeError, match="x: expected a torch.Tensor"):
        layer(np.zeros((2, 3, 2)))
    with pytest.raises(ValueError, match=r"h0: expected a tensor of shape \(2, 9\)"):
        layer(torch.zeros(2, 3, 2), torch.zeros(2, 3))
    with pytest.raises(TypeError, match="config"):
        ClockworkRNN((2, 3))
