"""from_torch: the numpy models reproduce torch.nn.LSTM/GRU/RNN forward and autograd (float64)."""
from __future__ import annotations

import numpy as np
import pytest

from lstm_edu import GRU, LSTM, RNN, from_torch

TOL = dict(rtol=1e-10, atol=1e-10)

# (T, B, D, H): the edge sizes 1 and a few random-looking ones.
SHAPES = [(1, 1, 1, 1), (1, 3, 2, 4), (6, 1, 3, 1), (4, 2, 1, 5), (9, 3, 4, 3), (3, 5, 2, 7)]
MODULES = ["lstm", "gru", "rnn_tanh", "rnn_relu"]


def _module(torch, kind, D, H, bias, batch_first, seed):
    """A float64 torch module with non-trivial (seeded) weights."""
    torch.manual_seed(seed)
    if kind == "lstm":
        module = torch.nn.LSTM(D, H, bias=bias, batch_first=batch_first)
    elif kind == "gru":
        module = torch.nn.GRU(D, H, bias=bias, batch_first=batch_first)
    else:
        module = torch.nn.RNN(D, H, bias=bias, batch_first=batch_first,
                              nonlinearity=kind.split("_")[1])
    with torch.no_grad():  # larger weights than the default so every nonlinearity bends
        for p in module.parameters():
            p.uniform_(-1.0, 1.0)
    return module.double()


def _layout(array, batch_first):
    """Time-major (T, B, .) -> the module's layout."""
    return np.ascontiguousarray(array.swapaxes(0, 1)) if batch_first else array


def _torch_run(torch, module, x, h0, c0, dh, dh_T, dc_T):
    """torch forward + autograd of L = sum(dh*out) + sum(dh_T*h_n) (+ sum(dc_T*c_n))."""
    xt = torch.tensor(x, requires_grad=True)
    state = None
    if h0 is not None:
        h0t = torch.tensor(h0[None], requires_grad=True)
        c0t = torch.tensor(c0[None], requires_grad=True) if c0 is not None else None
        state = (h0t, c0t) if isinstance(module, torch.nn.LSTM) else h0t
    out, final = module(xt, state)
    h_n, c_n = final if isinstance(module, torch.nn.LSTM) else (final, None)
    loss = (out * torch.tensor(dh)).sum() + (h_n[0] * torch.tensor(dh_T)).sum()
    if c_n is not None:
        loss = loss + (c_n[0] * torch.tensor(dc_T)).sum()
    grads = torch.autograd.grad(loss, [xt] + list(module.parameters())
                                + ([] if state is None else [s for s in
                                    (state if isinstance(state, tuple) else (state,))]))
    return out, h_n, c_n, grads


def _expected_param_grads(kind, names, torch_grads, H):
    """torch's parameter gradients mapped onto lstm_edu's parameter names."""
    g = dict(zip(names, (t.numpy() for t in torch_grads)))
    expected = {"W_x": g["weight_ih_l0"].T, "W_h": g["weight_hh_l0"].T}
    if "bias_ih_l0" in g:
        # b = b_ih + b_hh, so dL/db equals each of torch's bias gradients.
        np.testing.assert_allclose(g["bias_ih_l0"][:2 * H] if kind == "gru" else g["bias_ih_l0"],
                                   g["bias_hh_l0"][:2 * H] if kind == "gru" else g["bias_hh_l0"],
                                   **TOL)
        expected["b"] = g["bias_ih_l0"]
        if kind == "gru":
            expected["b_hn"] = g["bias_hh_l0"][2 * H:]
    return expected


@pytest.mark.parametrize("kind", MODULES)
@pytest.mark.parametrize("shape_index", range(len(SHAPES)))
@pytest.mark.parametrize("batch_first,bias,given_state", [
    (False, True, False), (True, True, True), (False, False, True), (True, False, False)])
def test_forward_and_gradients_match_torch_autograd(torch, rng, loss_weights, kind, shape_index,
                                                    batch_first, bias, given_state):
    T, B, D, H = SHAPES[shape_index]
    module = _module(torch, kind, D, H, bias, batch_first, seed=shape_index)
    model = from_torch(module)
    x = rng.normal(size=(T, B, D))
    h0 = rng.normal(size=(B, H)) if given_state else None
    c0 = rng.normal(size=(B, H)) if given_state and kind == "lstm" else None
    dh, dh_T, dc_T = loss_weights(T, B, H)
    if kind != "lstm":
        dc_T = None
    x_l, dh_l = _layout(x, batch_first), _layout(dh, batch_first)

    out, h_n, c_n, grads = _torch_run(torch, module, x_l, h0, c0, dh_l, dh_T, dc_T)
    trace = model.forward(x_l, h0, c0) if kind == "lstm" else model.forward(x_l, h0)
    np.testing.assert_allclose(trace.h, out.detach().numpy(), **TOL)
    np.testing.assert_allclose(trace.h_T, h_n[0].detach().numpy(), **TOL)
    if kind == "lstm":
        np.testing.assert_allclose(trace.c_T, c_n[0].detach().numpy(), **TOL)

    extra = {"dc_T": dc_T} if kind == "lstm" else {}
    ours = model.backward(trace, dh_l, dh_T=dh_T, **extra)
    names = [name for name, _ in module.named_parameters()]
    n_params = len(names)
    np.testing.assert_allclose(ours.dx, grads[0].numpy(), **TOL)
    expected = _expected_param_grads(kind.split("_")[0], names, grads[1:1 + n_params], H)
    assert set(ours.params) == set(expected)
    for name, value in expected.items():
        np.testing.assert_allclose(ours.params[name], value, **TOL, err_msg=name)
    if given_state:
        np.testing.assert_allclose(ours.dh0, grads[1 + n_params].numpy()[0], **TOL)
        if kind == "lstm":
            np.testing.assert_allclose(ours.dc0, grads[2 + n_params].numpy()[0], **TOL)


def test_lstm_gates_match_torch_weights_step_by_step(torch, rng):
    """trace.i/f/g/o equal the gates recomputed in torch from torch's own weights and states."""
    T, B, D, H = 5, 2, 3, 4
    module = _module(torch, "lstm", D, H, True, True, seed=7)
    model = from_torch(module)
    x = rng.normal(size=(B, T, D))
    trace = model.forward(x)
    out, _ = module(torch.tensor(x))
    h_prev = torch.zeros(B, H, dtype=torch.float64)
    c_prev = torch.zeros(B, H, dtype=torch.float64)
    with torch.no_grad():
        for t in range(T):
            z = (torch.tensor(x[:, t]) @ module.weight_ih_l0.T + module.bias_ih_l0
                 + h_prev @ module.weight_hh_l0.T + module.bias_hh_l0)
            i, f, g, o = z.chunk(4, dim=1)
            i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
            for name, value in zip("ifgo", (i, f, g, o)):
                np.testing.assert_allclose(getattr(trace, name)[:, t], value.numpy(), **TOL)
            c_prev = f * c_prev + i * g
            np.testing.assert_allclose(trace.c[:, t], c_prev.numpy(), **TOL)
            h_prev = out[:, t]
    assert trace.h.shape == (B, T, H) and trace.c.shape == (B, T, H)


def test_model_types_and_layout_follow_the_module(torch):
    for module, cls in [(torch.nn.LSTM(2, 3, batch_first=True), LSTM),
                        (torch.nn.GRU(2, 3), GRU), (torch.nn.RNN(2, 3, nonlinearity="relu"), RNN)]:
        model = from_torch(module)
        assert isinstance(model, cls)
        assert model.batch_first == module.batch_first
        assert model.dtype == np.float64
    assert from_torch(torch.nn.RNN(2, 3, nonlinearity="relu")).cfg.nonlinearity == "relu"


def test_dtype_none_keeps_float32_and_matches_torch_to_float32_precision(torch, rng):
    module = _module(torch, "lstm", 3, 4, True, False, seed=1).float()
    model = from_torch(module, dtype=None)
    assert model.dtype == np.float32
    x = rng.normal(size=(6, 2, 3)).astype(np.float32)
    trace = model.forward(x)
    assert trace.h.dtype == np.float32
    out, _ = module(torch.tensor(x))
    np.testing.assert_allclose(trace.h, out.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_gru_bias_split_keeps_b_hn_apart(torch):
    module = _module(torch, "gru", 2, 3, True, False, seed=3)
    model = from_torch(module)
    b_ih, b_hh = module.bias_ih_l0.detach().numpy(), module.bias_hh_l0.detach().numpy()
    np.testing.assert_array_equal(model.params.b, np.concatenate([b_ih[:6] + b_hh[:6], b_ih[6:]]))
    np.testing.assert_array_equal(model.params.b_hn, b_hh[6:])


@pytest.mark.parametrize("kwargs,needle", [
    ({"num_layers": 2}, "num_layers=2"),
    ({"bidirectional": True}, "bidirectional=True"),
    ({"proj_size": 2}, "proj_size=2"),
    ({"num_layers": 2, "dropout": 0.5}, "num_layers=2 .expected 1., dropout=0.5"),
])
def test_unsupported_lstm_modules_are_rejected(torch, kwargs, needle):
    module = torch.nn.LSTM(3, 4, **kwargs)
    with pytest.raises(ValueError, match=f"module: .*{needle}"):
        from_torch(module)


def test_single_layer_dropout_is_rejected(torch):
    with pytest.warns(UserWarning):
        module = torch.nn.GRU(3, 4, dropout=0.2)
    with pytest.raises(ValueError, match="module: .*dropout=0.2"):
        from_torch(module)


def test_non_recurrent_module_and_bad_dtype_are_rejected(torch):
    with pytest.raises(TypeError, match="module: expected torch.nn.LSTM, torch.nn.GRU or "
                                        "torch.nn.RNN, got Linear"):
        from_torch(torch.nn.Linear(2, 3))
    with pytest.raises(TypeError,
                       match="dtype: expected 'float64', 'float32' or None, got 'int32'"):
        from_torch(torch.nn.LSTM(2, 3), dtype="int32")


def test_importing_lstm_edu_does_not_import_torch():
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys, lstm_edu, lstm_edu.sequence, lstm_edu.bptt, lstm_edu.gradients; "
            "print('torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).resolve().parents[1])
    assert result.stdout.strip() == "False"


def test_shape_cases_include_every_size_one():
    """The parametrisation includes B=1, T=1, H=1 and D=1."""
    sizes = np.array(SHAPES)
    assert all((sizes[:, axis] == 1).any() for axis in range(4))
