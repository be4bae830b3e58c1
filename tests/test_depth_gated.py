"""Depth-gated LSTM: Yao et al.'s equations, the plain stack as torch.nn.LSTM, torch against numpy."""
from __future__ import annotations

import numpy as np
import pytest

from lstm_edu.depth_gated import (
    DepthGatedConfig,
    DepthGatedLSTM,
    DepthGatedParams,
    DepthGatedTrace,
    depth_gated_forward,
)

D, H = 2, 3
CFG = DepthGatedConfig(D, H)


def _copy(params):
    copy = lambda a: None if a is None else a.copy()  # noqa: E731
    return DepthGatedParams(params.lower.copy(), params.upper.copy(), copy(params.W_d), copy(params.w_cd),
                            copy(params.w_ld), copy(params.b_d))


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def test_upper_cell_receives_the_lower_cell_through_the_depth_gate(rng):
    params = DepthGatedParams.init(CFG, seed=3)
    x = rng.normal(size=(5, 2, D))
    trace = depth_gated_forward(params, x, CFG)
    up = params.upper
    c2_prev, h2_prev = np.zeros((2, H)), np.zeros((2, H))
    for t in range(5):
        h1, c1 = trace.h1[t], trace.c1[t]
        pre = h1 @ up.W_x + h2_prev @ up.W_h + up.b
        i, f = _sigmoid(pre[:, :H]), _sigmoid(pre[:, H:2 * H])
        g, o = np.tanh(pre[:, 2 * H:3 * H]), _sigmoid(pre[:, 3 * H:])
        d = _sigmoid(h1 @ params.W_d + params.w_cd * c2_prev + params.w_ld * c1 + params.b_d)
        np.testing.assert_allclose(trace.d[t], d, rtol=0, atol=1e-14)
        np.testing.assert_allclose(trace.c2[t], d * c1 + f * c2_prev + i * g, rtol=0, atol=1e-14)
        np.testing.assert_allclose(trace.h2[t], o * np.tanh(trace.c2[t]), rtol=0, atol=1e-14)
        c2_prev, h2_prev = trace.c2[t], trace.h2[t]


def test_closed_depth_gate_is_the_plain_stack(rng):
    gated = DepthGatedParams.init(CFG, seed=2)
    gated.b_d[:] = -800.0                                  # d = 0 exactly in float64
    plain = DepthGatedParams(gated.lower, gated.upper)
    x = rng.normal(size=(6, 2, D))
    a = depth_gated_forward(gated, x, CFG)
    b = depth_gated_forward(plain, x, DepthGatedConfig(D, H, depth_gate=False))
    assert b.d is None and np.all(a.d == 0)
    np.testing.assert_array_equal(a.h2, b.h2)
    np.testing.assert_array_equal(a.h1, b.h1)              # the lower layer never sees the gate


def test_plain_stack_equals_torch_two_layer_lstm(torch, rng):
    cfg = DepthGatedConfig(D, H, depth_gate=False)
    torch.manual_seed(0)
    reference = torch.nn.LSTM(D, H, num_layers=2, batch_first=True).double()
    layers = []
    for k in range(2):
        w = {name: getattr(reference, f"{name}_l{k}").detach().numpy()
             for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
        layers.append(dict(W_x=w["weight_ih"].T.copy(), W_h=w["weight_hh"].T.copy(),
                           b=w["bias_ih"] + w["bias_hh"]))
    from lstm_edu.cells import LSTMParams
    params = DepthGatedParams(LSTMParams(**layers[0]), LSTMParams(**layers[1]))
    x = rng.normal(size=(2, 7, D))
    expected = reference(torch.tensor(x))[0].detach().numpy()
    trace = depth_gated_forward(params, x.transpose(1, 0, 2), cfg)
    np.testing.assert_allclose(trace.h2.transpose(1, 0, 2), expected, rtol=0, atol=1e-10)
    ours = DepthGatedLSTM(cfg).double().load_params(params)(torch.tensor(x))[0].detach().numpy()
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-10)


@pytest.mark.parametrize("depth_gate", [True, False])
def test_torch_equals_numpy_to_1e10(torch, rng, depth_gate):
    cfg = DepthGatedConfig(D, H, depth_gate=depth_gate)
    params = DepthGatedParams.init(cfg, seed=5)
    x = rng.normal(size=(2, 8, D))
    state = tuple(rng.normal(size=(2, H)) for _ in range(4))
    model = DepthGatedLSTM(cfg).double().load_params(params)
    out, final, cells = model(torch.tensor(x), tuple(torch.tensor(s) for s in state), return_cells=True)
    trace = depth_gated_forward(params, x.transpose(1, 0, 2), cfg, state)
    np.testing.assert_allclose(out.detach().numpy(), trace.h2.transpose(1, 0, 2), rtol=0, atol=1e-10)
    np.testing.assert_allclose(cells.detach().numpy(), trace.c2.transpose(1, 0, 2), rtol=0, atol=1e-10)
    for tensor, array in zip(final, (trace.h1, trace.c1, trace.h2, trace.c2)):
        np.testing.assert_allclose(tensor.detach().numpy(), array[-1], rtol=0, atol=1e-10)


def test_torch_gradients_match_central_differences(torch, rng):
    params = DepthGatedParams.init(CFG, seed=7)
    x = rng.normal(size=(2, 6, D))
    weights = rng.normal(size=(2, 6, H))

    def loss_of(p):
        h2 = depth_gated_forward(p, x.transpose(1, 0, 2), CFG).h2          # (T, B, H)
        return float((h2.transpose(1, 0, 2) * weights).sum())

    model = DepthGatedLSTM(CFG).double().load_params(params)
    (model(torch.tensor(x))[0] * torch.tensor(weights)).sum().backward()
    eps = 1e-6
    cases = [("W_d", (1, 2), model.W_d), ("w_cd", (0,), model.w_cd), ("w_ld", (2,), model.w_ld),
             ("b_d", (1,), model.b_d), ("lower.W_h", (2, 5), model.lower_W_h),
             ("upper.W_x", (0, 11), model.upper_W_x),
             ("lower.b", (4,), model.lower_b)]
    for name, index, parameter in cases:
        plus, minus = _copy(params), _copy(params)
        for p, sign in ((plus, 1), (minus, -1)):
            owner, field = (getattr(p, name.split(".")[0]), name.split(".")[1]) if "." in name else (p, name)
            getattr(owner, field)[index] += sign * eps
        numeric = (loss_of(plus) - loss_of(minus)) / (2 * eps)
        assert parameter.grad[index].item() == pytest.approx(numeric, rel=1e-6, abs=1e-8), name


def test_open_depth_gate_with_closed_gates_copies_the_lower_memory(rng):
    """d = 1, i = f = 0: the upper cell state is exactly the lower one, c2_t = c1_t."""
    params = DepthGatedParams.init(CFG, seed=4)
    params.b_d[:] = 800.0                                   # d = 1 exactly
    params.upper.b[:2 * H] = -800.0                         # i = f = 0 exactly
    trace = depth_gated_forward(params, rng.normal(size=(6, 2, D)), CFG)
    np.testing.assert_array_equal(trace.d, np.ones_like(trace.d))
    np.testing.assert_array_equal(trace.c2, trace.c1)
    assert np.abs(trace.c1).max() > 0.05


def test_parameter_counts():
    gated = sum(p.numel() for p in DepthGatedLSTM(DepthGatedConfig(2, 16)).parameters())
    plain = sum(p.numel() for p in DepthGatedLSTM(DepthGatedConfig(2, 16, depth_gate=False)).parameters())
    assert plain == 4 * 16 * (2 + 16 + 1) + 4 * 16 * (16 + 16 + 1)
    assert gated - plain == 16 * 16 + 3 * 16


def test_trace_type_and_shapes(rng):
    trace = depth_gated_forward(DepthGatedParams.init(CFG), rng.normal(size=(4, 3, D)), CFG)
    assert isinstance(trace, DepthGatedTrace)
    assert {trace.h1.shape, trace.c1.shape, trace.h2.shape, trace.c2.shape, trace.d.shape} == {(4, 3, H)}
    assert np.all((trace.d > 0) & (trace.d < 1))


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(input_size=0, hidden_size=2), ValueError, "input_size"),
    (dict(input_size=2, hidden_size=2.0), TypeError, "hidden_size"),
    (dict(input_size=2, hidden_size=2, depth_gate=1), TypeError, "depth_gate"),
])
def test_bad_config_names_the_argument(kwargs, error, match):
    with pytest.raises(error, match=match):
        DepthGatedConfig(**kwargs)


def test_bad_inputs_name_the_argument(torch, rng):
    params = DepthGatedParams.init(CFG)
    x = rng.normal(size=(4, 2, D))
    with pytest.raises(ValueError, match=r"x: expected shape \(T, B, 2\)"):
        depth_gated_forward(params, x[..., :1], CFG)
    with pytest.raises(TypeError, match="x: expected a floating-point"):
        depth_gated_forward(params, x.astype(int), CFG)
    with pytest.raises(ValueError, match="params.W_d: expected None"):
        depth_gated_forward(params, x, DepthGatedConfig(D, H, depth_gate=False))
    with pytest.raises(ValueError, match="params.b_d: expected an array"):
        no_bias = DepthGatedParams(params.lower, params.upper, params.W_d, params.w_cd, params.w_ld)
        depth_gated_forward(no_bias, x, CFG)
    with pytest.raises(ValueError, match=r"params.W_d: expected shape \(3, 3\)"):
        depth_gated_forward(DepthGatedParams(params.lower, params.upper, params.W_d[:2], params.w_cd,
                                             params.w_ld, params.b_d), x, CFG)
    with pytest.raises(TypeError, match="params.lower"):
        no_lower = DepthGatedParams(None, params.upper, params.W_d, params.w_cd, params.w_ld, params.b_d)
        depth_gated_forward(no_lower, x, CFG)
    with pytest.raises(TypeError, match="state"):
        depth_gated_forward(params, x, CFG, state=np.zeros((2, H)))
    with pytest.raises(ValueError, match=r"state\[2\]: expected shape \(2, 3\)"):
        state = (np.zeros((2, H)), np.zeros((2, H)), np.zeros((2, 4)), np.zeros((2, H)))
        depth_gated_forward(params, x, CFG, state=state)
    with pytest.raises(TypeError, match="cfg"):
        depth_gated_forward(params, x, None)
    with pytest.raises(TypeError, match="seed"):
        DepthGatedParams.init(CFG, seed=1.0)
    model = DepthGatedLSTM(CFG)
    with pytest.raises(ValueError, match="x: expected a non-empty batch and sequence"):
        model(torch.zeros(2, 0, 2))
    with pytest.raises(ValueError, match=r"state\[0\]: expected a tensor of shape \(2, 3\)"):
        model(torch.zeros(2, 3, 2), state=(torch.zeros(1, 3),) * 4)
    with pytest.raises(TypeError, match="return_cells"):
        model(torch.zeros(2, 3, 2), return_cells="yes")
    with pytest.raises(TypeError, match="params"):
        model.load_params(params.lower)
