"""Hand-written BPTT: every LSTM variant, GRU and RNN against an independent torch
re-implementation (autograd) and central finite differences; per-step gradient norms;
Jacobian products dh_T/dh_t."""
from __future__ import annotations

import numpy as np
import pytest

from lstm_edu import GRU, LSTM, RNN, VARIANTS, GRUConfig, LSTMConfig, RNNConfig, jacobian_norms

TOL = dict(rtol=1e-10, atol=1e-10)
T, B, D, H = 5, 2, 3, 4
VARIANT_NAMES = sorted(VARIANTS)


def _lstm(name, seed=0, bias=True, batch_first=False):
    """An LSTM variant with weights large enough that every gate is far from linear."""
    cfg = LSTMConfig.variant(name, input_size=D, hidden_size=H, bias=bias)
    return LSTM.init(cfg, seed=seed, scale=0.9, forget_bias=0.5 if bias else 0.0,
                     batch_first=batch_first)


def _reference_lstm(torch, cfg, params, x, h0, c0):
    """Independent torch implementation of the variant equations (one loop, no tricks).

    Returns lists of per-step h_t and c_t tensors (with retained gradients).
    """
    P = {name: torch.tensor(value, requires_grad=True) for name, value in params.arrays().items()}
    Hs = cfg.hidden_size
    W_x = {g: P["W_x"][:, k * Hs:(k + 1) * Hs] for k, g in enumerate("ifgo")}
    W_h = {g: P["W_h"][:, k * Hs:(k + 1) * Hs] for k, g in enumerate("ifgo")}
    b = {g: P["b"][k * Hs:(k + 1) * Hs] if "b" in P else 0.0 for k, g in enumerate("ifgo")}
    h, c = h0, c0
    hs, cs = [], []
    for t in range(x.shape[0]):
        a = {g: x[t] @ W_x[g] + h @ W_h[g] + b[g] for g in "ifgo"}
        if cfg.peepholes:
            a["i"] = a["i"] + P["p_i"] * c
            a["f"] = a["f"] + P["p_f"] * c
        f = torch.sigmoid(a["f"]) if cfg.forget_gate else torch.ones_like(c)
        if cfg.coupled:
            i = 1.0 - f
        else:
            i = torch.sigmoid(a["i"]) if cfg.input_gate else torch.ones_like(c)
        g = torch.tanh(a["g"])
        c = f * c + i * g
        if cfg.peepholes:
            a["o"] = a["o"] + P["p_o"] * c
        o = torch.sigmoid(a["o"]) if cfg.output_gate else torch.ones_like(c)
        h = o * (torch.tanh(c) if cfg.output_activation else c)
        h.retain_grad()
        c.retain_grad()
        hs.append(h)
        cs.append(c)
    return P, hs, cs


@pytest.mark.parametrize("name", VARIANT_NAMES)
@pytest.mark.parametrize("bias", [True, False])
def test_lstm_variant_matches_independent_torch_implementation(torch, rng, loss_weights, name,
                                                               bias):
    model = _lstm(name, seed=VARIANT_NAMES.index(name), bias=bias)
    x, h0, c0 = rng.normal(size=(T, B, D)), rng.normal(size=(B, H)), rng.normal(size=(B, H))
    dh, dh_T, dc_T = loss_weights(T, B, H)
    trace = model.forward(x, h0, c0)
    grads = model.backward(trace, dh, dh_T=dh_T, dc_T=dc_T)

    xt, h0t, c0t = (torch.tensor(a, requires_grad=True) for a in (x, h0, c0))
    P, hs, cs = _reference_lstm(torch, model.cfg, model.params, xt, h0t, c0t)
    loss = sum((h * torch.tensor(dh[t])).sum() for t, h in enumerate(hs))
    loss = loss + (hs[-1] * torch.tensor(dh_T)).sum() + (cs[-1] * torch.tensor(dc_T)).sum()
    loss.backward()

    np.testing.assert_allclose(trace.h, torch.stack(hs).detach().numpy(), **TOL)
    np.testing.assert_allclose(trace.c, torch.stack(cs).detach().numpy(), **TOL)
    assert set(grads.params) == set(P)
    for key, tensor in P.items():
        np.testing.assert_allclose(grads.params[key], tensor.grad.numpy(), **TOL, err_msg=key)
    np.testing.assert_allclose(grads.dx, xt.grad.numpy(), **TOL)
    np.testing.assert_allclose(grads.dh0, h0t.grad.numpy(), **TOL)
    np.testing.assert_allclose(grads.dc0, c0t.grad.numpy(), **TOL)
    # Total per-step gradients: torch's retained .grad of each intermediate h_t, c_t.
    total_h = np.stack([h.grad.numpy() for h in hs])
    total_c = np.stack([c.grad.numpy() for c in cs])
    np.testing.assert_allclose(grads.dloss_dh, total_h, **TOL)
    np.testing.assert_allclose(grads.dloss_dc, total_c, **TOL)
    np.testing.assert_allclose(grads.h_norm, np.linalg.norm(total_h.reshape(T, -1), axis=1), **TOL)
    np.testing.assert_allclose(grads.c_norm, np.linalg.norm(total_c.reshape(T, -1), axis=1), **TOL)


def _disabled_blocks(cfg):
    """Gate blocks (column ranges of W_x, W_h, b) a variant does not use."""
    unused = []
    if not cfg.input_gate or cfg.coupled:
        unused.append(0)
    if not cfg.forget_gate:
        unused.append(1)
    if not cfg.output_gate:
        unused.append(3)
    return unused


@pytest.mark.parametrize("name", ["cifg", "nfg", "nig", "nog"])
def test_disabled_gate_blocks_get_exactly_zero_gradient_and_do_not_matter(rng, name):
    model = _lstm(name)
    x = rng.normal(size=(T, B, D))
    trace = model.forward(x)
    grads = model.backward(trace, rng.normal(size=(T, B, H)))
    (block,) = _disabled_blocks(model.cfg)
    columns = slice(block * H, (block + 1) * H)
    for key in ("W_x", "W_h", "b"):
        assert np.all(grads.params[key][..., columns] == 0.0), key
        assert np.any(grads.params[key] != 0.0)
    changed = model.params.copy()
    changed.W_x[:, columns] += 5.0
    changed.b[columns] -= 3.0
    np.testing.assert_array_equal(LSTM(model.cfg, changed).forward(x).h, trace.h)


# ----------------------------------------------------------------------------- finite differences


def _loss(model, x, h0, c0, dh, dh_T, dc_T):
    """L = sum(dh * h) + sum(dh_T * h_T) (+ sum(dc_T * c_T)) for one forward pass."""
    trace = model.forward(x, h0, c0) if c0 is not None else model.forward(x, h0)
    loss = np.sum(dh * trace.h) + np.sum(dh_T * trace.h_T)
    if c0 is not None:
        loss += np.sum(dc_T * trace.c_T)
    return loss


def _central_difference(f, array, eps=1e-6):
    """Numerical gradient of f() with respect to every entry of ``array`` (changed in place)."""
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        saved = array[index]
        array[index] = saved + eps
        up = f()
        array[index] = saved - eps
        down = f()
        array[index] = saved
        grad[index] = (up - down) / (2 * eps)
    return grad


def _check_against_finite_differences(model, rng, loss_weights, with_cell):
    x, h0 = rng.normal(size=(T, B, D)), rng.normal(size=(B, H))
    c0 = rng.normal(size=(B, H)) if with_cell else None
    dh, dh_T, dc_T = loss_weights(T, B, H)
    trace = model.forward(x, h0, c0) if with_cell else model.forward(x, h0)
    extra = {"dc_T": dc_T} if with_cell else {}
    grads = model.backward(trace, dh, dh_T=dh_T, **extra)

    def loss():
        return _loss(model, x, h0, c0, dh, dh_T, dc_T)

    fd_tol = dict(rtol=1e-6, atol=1e-7)
    for key, array in model.params.arrays().items():
        np.testing.assert_allclose(grads.params[key], _central_difference(loss, array), **fd_tol,
                                   err_msg=key)
    np.testing.assert_allclose(grads.dx, _central_difference(loss, x), **fd_tol)
    np.testing.assert_allclose(grads.dh0, _central_difference(loss, h0), **fd_tol)
    if with_cell:
        np.testing.assert_allclose(grads.dc0, _central_difference(loss, c0), **fd_tol)


@pytest.mark.parametrize("name", VARIANT_NAMES)
def test_lstm_variant_gradients_match_finite_differences(rng, loss_weights, name):
    _check_against_finite_differences(_lstm(name, seed=3), rng, loss_weights, with_cell=True)


@pytest.mark.parametrize("bias", [True, False])
def test_gru_gradients_match_finite_differences(rng, loss_weights, bias):
    model = GRU.init(GRUConfig(D, H, bias=bias), seed=1, scale=0.9)
    _check_against_finite_differences(model, rng, loss_weights, with_cell=False)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_gradients_match_finite_differences(rng, loss_weights, nonlinearity):
    model = RNN.init(RNNConfig(D, H, nonlinearity=nonlinearity), seed=2, scale=0.9)
    _check_against_finite_differences(model, rng, loss_weights, with_cell=False)


def test_batch_first_backward_equals_time_major_backward(rng):
    model = _lstm("peephole", seed=4)
    twin = _lstm("peephole", seed=4, batch_first=True)
    x, dh = rng.normal(size=(T, B, D)), rng.normal(size=(T, B, H))
    grads = model.backward(model.forward(x), dh)
    grads_bf = twin.backward(twin.forward(x.swapaxes(0, 1)), dh.swapaxes(0, 1))
    np.testing.assert_array_equal(grads_bf.dx, grads.dx.swapaxes(0, 1))
    np.testing.assert_array_equal(grads_bf.dloss_dc, grads.dloss_dc.swapaxes(0, 1))
    for key in grads.params:
        np.testing.assert_array_equal(grads_bf.params[key], grads.params[key])


def test_final_state_gradient_only(rng):
    """dh=None with dh_T: the loss sees only h_T, so h_norm is zero nowhere but grows back."""
    model = RNN.init(RNNConfig(D, H), seed=0)
    trace = model.forward(rng.normal(size=(T, B, D)))
    dh_T = rng.normal(size=(B, H))
    only_final = model.backward(trace, dh_T=dh_T)
    dh = np.zeros((T, B, H))
    dh[-1] = dh_T
    explicit = model.backward(trace, dh)
    np.testing.assert_array_equal(only_final.params["W_h"], explicit.params["W_h"])
    assert only_final.h_norm[-1] == pytest.approx(np.linalg.norm(dh_T))


# ----------------------------------------------------------------------------- Jacobians


def _orthogonal(rng, n):
    """A random orthogonal matrix."""
    q, r = np.linalg.qr(rng.normal(size=(n, n)))
    return q * np.sign(np.diag(r))


@pytest.mark.parametrize("gain", [0.5, 1.0, 1.5])
def test_linear_rnn_jacobian_norm_is_gain_to_the_power_of_distance(rng, gain):
    """At h = 0 with zero input, tanh' = 1 and dh_T/dh_t = (W_h^T)^(T-t): norm gain^(T-t)."""
    steps = 12
    model = RNN.init(RNNConfig(2, H, bias=False), seed=0)
    model.params.W_h[...] = gain * _orthogonal(rng, H)
    trace = model.forward(np.zeros((steps, 3, 2)))
    norms = jacobian_norms(model, trace)
    expected = gain ** np.arange(steps - 1, -1, -1)
    np.testing.assert_allclose(norms, expected, rtol=1e-12)
    np.testing.assert_allclose(jacobian_norms(model, trace, norm="frobenius"),
                               np.sqrt(H) * expected, rtol=1e-12)


def _torch_step(torch, model, x_t, state):
    """One step of the numpy model's equations in torch (for autograd Jacobians)."""
    p = {k: torch.tensor(v) for k, v in model.params.arrays().items()}
    if model.kind == "rnn":
        return torch.tanh(x_t @ p["W_x"] + state @ p["W_h"] + p["b"])
    if model.kind == "gru":
        a_x, a_h = x_t @ p["W_x"] + p["b"], state @ p["W_h"]
        a_h = torch.cat([a_h[:2 * H], a_h[2 * H:] + p["b_hn"]])
        r, z = torch.sigmoid(a_x[:H] + a_h[:H]), torch.sigmoid(a_x[H:2 * H] + a_h[H:2 * H])
        n = torch.tanh(a_x[2 * H:] + r * a_h[2 * H:])
        return (1 - z) * n + z * state
    h, c = state[:H], state[H:]
    a = x_t @ p["W_x"] + h @ p["W_h"] + p["b"]
    i, f, g, o = torch.sigmoid(a[:H]), torch.sigmoid(a[H:2 * H]), torch.tanh(a[2 * H:3 * H]), \
        torch.sigmoid(a[3 * H:])
    c = f * c + i * g
    return torch.cat([o * torch.tanh(c), c])


@pytest.mark.parametrize("kind,of,wrt", [
    ("rnn", "h", "h"), ("gru", "h", "h"), ("lstm", "h", "h"), ("lstm", "c", "c"),
    ("lstm", "h", "c"), ("lstm", "c", "h")])
def test_jacobian_norms_match_torch_autograd_jacobians(torch, rng, kind, of, wrt):
    steps = 6
    if kind == "rnn":
        model = RNN.init(RNNConfig(D, H), seed=5, scale=0.9)
    elif kind == "gru":
        model = GRU.init(GRUConfig(D, H), seed=5, scale=0.9)
    else:
        model = _lstm("vanilla", seed=5)
    x = rng.normal(size=(steps, 2, D))
    trace = model.forward(x)
    ours = jacobian_norms(model, trace, of=of, wrt=wrt, reduce="none")
    assert ours.shape == (steps, 2)
    pick = {"h": slice(0, H), "c": slice(H, 2 * H)}
    for b in range(2):
        for t in range(steps):  # Jacobian of the final state w.r.t. the state after step t+1
            h_t = trace.h[t, b]
            start = np.concatenate([h_t, trace.c[t, b]]) if kind == "lstm" else h_t

            def run(state, t=t, b=b):
                for s in range(t + 1, steps):
                    state = _torch_step(torch, model, torch.tensor(x[s, b]), state)
                return state

            full = torch.autograd.functional.jacobian(run, torch.tensor(start)).numpy()
            if kind == "lstm":
                if wrt == "c":  # perturbing c_t also moves h_t = o_t tanh(c_t)
                    o_t = trace.o[t, b]
                    dh_dc = np.diag(o_t * (1 - np.tanh(trace.c[t, b]) ** 2))
                    jac = full[pick[of], pick["h"]] @ dh_dc + full[pick[of], pick["c"]]
                else:
                    jac = full[pick[of], pick["h"]]
            else:
                jac = full
            np.testing.assert_allclose(ours[t, b], np.linalg.norm(jac, ord=2), rtol=1e-10,
                                       atol=1e-12, err_msg=f"t={t}, b={b}")


def test_saturated_lstm_carries_the_cell_state_unchanged(rng):
    """f = 1 and i = 0 exactly (huge biases): dc_T/dc_t is the identity for every t."""
    model = _lstm("vanilla", seed=0)
    model.params.b[:H] = -1e3       # input gate shut
    model.params.b[H:2 * H] = 1e3   # forget gate open
    trace = model.forward(rng.normal(size=(30, 2, D)))
    np.testing.assert_array_equal(jacobian_norms(model, trace, of="c", wrt="c"), np.ones(30))
    # ... while the hidden-state path fades: the c -> h -> gates loop is cut by saturation.
    assert jacobian_norms(model, trace)[0] < 1e-3


def test_forget_gate_sets_cell_path_decay(rng):
    """With i shut and f a constant sigmoid(b_f), ||dc_T/dc_t|| = f^(T-t)."""
    model = _lstm("vanilla", seed=0)
    model.params.W_x[:, H:2 * H] = 0.0
    model.params.W_h[:, H:2 * H] = 0.0
    model.params.b[:H] = -1e3
    model.params.b[H:2 * H] = 1.0
    steps = 15
    trace = model.forward(rng.normal(size=(steps, 1, D)))
    forget = 1.0 / (1.0 + np.exp(-1.0))
    np.testing.assert_allclose(jacobian_norms(model, trace, of="c", wrt="c"),
                               forget ** np.arange(steps - 1, -1, -1), rtol=1e-12)


def test_peephole_lstm_jacobian_rows_match_bptt(rng):
    """For one output unit k, row k of dh_T/dh_t equals BPTT's dL/dh_t with L = h_T[k]."""
    model = _lstm("peephole", seed=6)
    trace = model.forward(rng.normal(size=(T, 1, D)))
    norms = jacobian_norms(model, trace, norm="frobenius")
    rows = []
    for k in range(H):
        dh_T = np.zeros((1, H))
        dh_T[0, k] = 1.0
        rows.append(model.backward(trace, dh_T=dh_T).dloss_dh[:, 0])  # (T, H)
    jac = np.stack(rows, axis=1)                                       # (T, H_out, H)
    np.testing.assert_allclose(norms, np.linalg.norm(jac, axis=(1, 2)), rtol=1e-12)
