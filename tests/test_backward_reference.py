"""Chapter 4b's backward pass: the reference equations against bptt.py, torch autograd and
finite differences; the cell path dC_T/dC_t; the code the chapter cites stays the code it shows."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from lstm_edu import GRU, LSTM, GRUConfig, LSTMConfig, from_torch, jacobian_norms
from lstm_edu.backward_checks import (
    cell_jacobians,
    central_difference,
    forget_products,
    loss_value,
    torch_lstm_gradients,
)
from lstm_edu.backward_reference import (
    EQUATIONS,
    backward_step,
    equation_code,
    reference_backward,
    sigmoid_slope,
    tanh_slope,
)

CHAPTER = Path(__file__).resolve().parents[1] / "book" / "chapters" / "04b_backward_pass.ipynb"
T, B, D, H = 5, 2, 3, 4


def _model(seed=0, bias=True, forget_bias=0.5, batch_first=False):
    cfg = LSTMConfig(input_size=D, hidden_size=H, bias=bias)
    return LSTM.init(cfg, seed=seed, scale=0.9, forget_bias=forget_bias if bias else 0.0,
                     batch_first=batch_first)


def _problem(rng):
    """x (T,B,D), dh (T,B,H), h0, c0, dc_T (B,H): random, so every gate is far from linear."""
    return (rng.normal(size=(T, B, D)), rng.normal(size=(T, B, H)), rng.normal(size=(B, H)),
            rng.normal(size=(B, H)), rng.normal(size=(B, H)))


# ----------------------------------------------------------------------------- the equations


def test_slopes_are_the_derivatives_written_through_the_value():
    a = np.linspace(-4.0, 4.0, 9)
    s = 1.0 / (1.0 + np.exp(-a))
    eps = 1e-6
    numeric_sigmoid = (1 / (1 + np.exp(-(a + eps))) - 1 / (1 + np.exp(-(a - eps)))) / (2 * eps)
    np.testing.assert_allclose(sigmoid_slope(s), numeric_sigmoid, rtol=1e-8)
    np.testing.assert_allclose(tanh_slope(np.tanh(a)), 1 / np.cosh(a) ** 2, rtol=1e-12)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("seed", [0, 1])
def test_reference_equals_bptt(rng, bias, seed):
    model = _model(seed=seed, bias=bias)
    x, dh, h0, c0, dc_T = _problem(rng)
    trace = model.forward(x, h0=h0, c0=c0)
    ours = reference_backward(model, trace, dh=dh, dc_T=dc_T)
    theirs = model.backward(trace, dh=dh, dc_T=dc_T)
    assert ours.params.keys() == theirs.params.keys()
    for name in ours.params:
        np.testing.assert_allclose(ours.params[name], theirs.params[name], rtol=0, atol=1e-12)
    for mine, other in [(ours.dx, theirs.dx), (ours.dh0, theirs.dh0), (ours.dc0, theirs.dc0),
                        (ours.dloss_dh, theirs.dloss_dh), (ours.dloss_dc, theirs.dloss_dc)]:
        np.testing.assert_allclose(mine, other, rtol=0, atol=1e-12)


def test_reference_reads_a_batch_first_trace_time_major(rng):
    x, dh, h0, c0, dc_T = _problem(rng)
    time_major = reference_backward(_model(), _model().forward(x), dh=dh, dc_T=dc_T)
    model = _model(batch_first=True)
    batch_first = reference_backward(model, model.forward(x.swapaxes(0, 1)), dh=dh, dc_T=dc_T)
    np.testing.assert_array_equal(batch_first.params["W_h"], time_major.params["W_h"])


def test_reference_equals_torch_autograd(torch, rng):
    torch.manual_seed(3)
    module = torch.nn.LSTM(D, H).double()
    model = from_torch(module)
    x, dh, h0, c0, dc_T = _problem(rng)
    ours = reference_backward(model, model.forward(x, h0=h0, c0=c0), dh=dh, dc_T=dc_T)
    theirs = torch_lstm_gradients(module, x, dh, h0=h0, c0=c0, dc_T=dc_T)
    pairs = {"W_x": ours.params["W_x"], "W_h": ours.params["W_h"], "b_ih": ours.params["b"],
             "b_hh": ours.params["b"], "x": ours.dx, "h0": ours.dh0, "c0": ours.dc0}
    assert pairs.keys() == theirs.keys()
    for name, value in pairs.items():
        assert np.abs(value - theirs[name]).max() <= 1e-10, name
        assert np.abs(value).max() > 1e-3, f"{name}: a gradient this small checks nothing"


@pytest.mark.parametrize("wrt, index", [("W_x", (1, 5)), ("W_h", (2, 0)), ("W_h", (3, 15)),
                                        ("b", (4,)), ("x", (0, 1, 2)), ("h0", (1, 3)),
                                        ("c0", (0, 2))])
def test_reference_equals_central_differences(rng, wrt, index):
    model = _model()
    x, dh, h0, c0, dc_T = _problem(rng)
    ours = reference_backward(model, model.forward(x, h0=h0, c0=c0), dh=dh, dc_T=dc_T)
    analytic = {"x": ours.dx, "h0": ours.dh0, "c0": ours.dc0, **ours.params}[wrt][index]
    numeric = central_difference(model, x, dh, wrt, index, h0=h0, c0=c0, dc_T=dc_T)
    assert abs(numeric - analytic) <= 1e-7 * max(1.0, abs(analytic))


def test_loss_value_is_the_loss_the_gradients_belong_to(rng):
    model = _model()
    x, dh, h0, c0, dc_T = _problem(rng)
    trace = model.forward(x, h0=h0, c0=c0)
    expected = np.sum(dh * trace.h) + np.sum(dc_T * trace.c_T)
    assert loss_value(model, x, dh, h0=h0, c0=c0, dc_T=dc_T) == pytest.approx(expected, rel=1e-14)


def test_one_step_sends_diag_f_back_along_the_cell_state(rng):
    gates = {name: rng.uniform(0.05, 0.95, size=(B, H)) for name in "ifgo"}
    dc_next = rng.normal(size=(B, H))
    step = backward_step(gates, rng.normal(size=(B, H)), rng.normal(size=(B, H)),
                         np.zeros((B, H)), dc_next, rng.normal(size=(H, 4 * H)))
    np.testing.assert_array_equal(step.dc, dc_next)            # no loss on h_t: dC_t = carry
    np.testing.assert_array_equal(step.dc_prev, dc_next * gates["f"])
    np.testing.assert_array_equal(step.dA[:, 3 * H:], 0.0)     # o_t only reaches L through h_t


# ----------------------------------------------------------------------------- the cell path


def test_forget_products_are_the_products_of_later_forget_gates(rng):
    trace = _model(forget_bias=1.0).forward(rng.normal(size=(T, B, D)))
    products = forget_products(trace)
    np.testing.assert_array_equal(products[-1], 1.0)
    np.testing.assert_allclose(products[0], np.prod(trace.f[1:], axis=0), rtol=1e-14)
    np.testing.assert_allclose(products[2], trace.f[3] * trace.f[4], rtol=1e-14)


def test_direct_path_is_exactly_diag_of_forget_products(rng):
    model = _model(forget_bias=1.0)
    x = rng.normal(size=(8, B, D))
    direct = cell_jacobians(model, x, paths="direct")
    expected = forget_products(model.forward(x))[..., None] * np.eye(H)
    np.testing.assert_array_equal(direct, expected)


def test_full_jacobian_matches_jacobian_norms_and_starts_at_identity(rng):
    model = _model()
    x = rng.normal(size=(8, B, D))
    full = cell_jacobians(model, x)
    np.testing.assert_allclose(full[-1], np.broadcast_to(np.eye(H), (B, H, H)), atol=0)
    norms = jacobian_norms(model, model.forward(x), of="c", wrt="c", norm="frobenius",
                           reduce="none")
    np.testing.assert_allclose(np.linalg.norm(full, axis=(2, 3)).T, norms.T, rtol=1e-12)
    assert np.abs(full - cell_jacobians(model, x, paths="direct")).max() > 1e-3


def test_without_recurrent_weights_only_the_direct_path_is_left(rng):
    model = _model()
    model.params.W_h[:] = 0.0                 # h_t no longer reaches the gates of step t+1
    x = rng.normal(size=(8, B, D))
    np.testing.assert_allclose(cell_jacobians(model, x), cell_jacobians(model, x, "direct"),
                               rtol=0, atol=1e-15)


# ----------------------------------------------------------------------------- bad input


def test_bad_input_is_refused_with_the_argument_named(rng, torch):
    model = _model()
    x, dh, *_ = _problem(rng)
    trace = model.forward(x)
    gru = GRU.init(GRUConfig(input_size=D, hidden_size=H))
    peephole = LSTM.init(LSTMConfig(input_size=D, hidden_size=H, peepholes=True))
    cases = [
        (TypeError, "model", lambda: reference_backward(gru, trace)),
        (ValueError, "model", lambda: reference_backward(peephole, peephole.forward(x))),
        (TypeError, "trace", lambda: reference_backward(model, x)),
        (ValueError, "dh", lambda: reference_backward(model, trace, dh=dh[:, :, :2])),
        (TypeError, "dc_T", lambda: reference_backward(model, trace, dc_T=np.ones((B, H), int))),
        (ValueError, "wrt", lambda: central_difference(model, x, dh, "W_q", (0, 0))),
        (ValueError, "index", lambda: central_difference(model, x, dh, "b", (99,))),
        (ValueError, "eps", lambda: central_difference(model, x, dh, "b", (0,), eps=0.0)),
        (TypeError, "eps", lambda: central_difference(model, x, dh, "b", (0,), eps="1e-6")),
        (ValueError, "x", lambda: loss_value(model, x[:, :, :1], dh)),
        (TypeError, "module", lambda: torch_lstm_gradients(model, x, dh)),
        (ValueError, "module", lambda: torch_lstm_gradients(torch.nn.LSTM(D, H), x, dh)),
        (TypeError, "trace", lambda: forget_products(gru.forward(x))),
        (ValueError, "paths", lambda: cell_jacobians(model, x, paths="some")),
        (TypeError, "tag", lambda: equation_code(4)),
        (ValueError, "tag", lambda: equation_code("B11")),
    ]
    for error, name, call in cases:
        with pytest.raises(error, match=rf"^{name}\b"):
            call()


# ----------------------------------------------------------------------------- the page cites the code


def test_every_equation_is_computed_by_tagged_lines_here_and_in_bptt():
    for tag in EQUATIONS:
        text = equation_code(tag)             # raises LookupError if a cited line is gone
        own = text.split("lstm_edu/bptt.py")[0]
        assert re.search(rf"\|.*#.*\({tag}\)$", own, re.MULTILINE), tag
        assert "lstm_edu/bptt.py" in text, tag


def test_the_chapter_shows_every_equation_and_the_code_as_it_is_now():
    """Fails when a cited line moves or changes and the chapter was not re-executed."""
    nb = nbformat.read(CHAPTER, as_version=4)
    shown = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stdout")
        if "equation_code(" in cell.source:
            shown.update((tag, text) for tag in re.findall(r'"(B\d+)"', cell.source))
    assert set(shown) == set(EQUATIONS), "the chapter must cite every equation"
    for tag, text in shown.items():
        assert equation_code(tag) in text, f"({tag}): the chapter shows stale code; re-execute it"
