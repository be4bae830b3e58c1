"""Hypothesis property tests of the numerical core.

Inputs and parameters are drawn with magnitudes up to 1e100: far beyond any trained
network, yet small enough that float64 products and sums cannot overflow (so every
pre-activation stays finite).
"""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lstm_edu import GRU, LSTM, VARIANTS, GRUConfig, LSTMConfig, gated_memory
from lstm_edu.cells import GRUParams, LSTMParams

SETTINGS = settings(max_examples=40, deadline=None)
HUGE = 1e100


def finite(bound=HUGE):
    """Any finite float64 in [-bound, bound]."""
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False)


@st.composite
def sizes(draw, max_t=6):
    """(T, B, D, H) small enough to keep examples fast."""
    return (draw(st.integers(1, max_t)), draw(st.integers(1, 3)), draw(st.integers(1, 3)),
            draw(st.integers(1, 3)))


def arrays(draw, shape, bound=HUGE):
    """A float64 array of ``shape`` with elements in [-bound, bound]."""
    return draw(hnp.arrays(np.float64, shape, elements=finite(bound)))


@st.composite
def lstm_cases(draw, bound=HUGE, variants=tuple(VARIANTS)):
    """An LSTM of a random variant with arbitrary parameters, an input and initial states."""
    T, B, D, H = draw(sizes())
    cfg = LSTMConfig.variant(draw(st.sampled_from(sorted(variants))), D, H)
    shapes = LSTMParams._shapes(cfg)
    params = LSTMParams(**{name: None if shape is None else arrays(draw, shape, bound)
                           for name, shape in shapes.items()})
    model = LSTM(cfg, params)
    x = arrays(draw, (T, B, D), bound)
    return model, x, arrays(draw, (B, H), bound), arrays(draw, (B, H), bound)


@SETTINGS
@given(lstm_cases())
def test_lstm_gates_stay_in_range_for_arbitrary_finite_inputs(case):
    model, x, h0, c0 = case
    trace = model.forward(x, h0, c0)
    for name in ("i", "f", "o"):
        gate = trace.gates[name]
        assert np.all((gate >= 0.0) & (gate <= 1.0)), name
    assert np.all(np.abs(trace.g) <= 1.0)
    assert np.isfinite(trace.c).all() and np.isfinite(trace.h).all()


@SETTINGS
@given(st.data())
def test_gru_gates_stay_in_range_and_h_stays_in_the_unit_box(data):
    T, B, D, H = data.draw(sizes())
    cfg = GRUConfig(D, H)
    params = GRUParams(**{name: arrays(data.draw, shape)
                          for name, shape in GRUParams._shapes(cfg).items()})
    x = arrays(data.draw, (T, B, D))
    h0 = arrays(data.draw, (B, H), bound=1.0)
    trace = GRU(cfg, params).forward(x, h0)
    assert np.all((trace.r >= 0) & (trace.r <= 1)) and np.all((trace.z >= 0) & (trace.z <= 1))
    assert np.all(np.abs(trace.n) <= 1.0)
    assert np.all(np.abs(trace.h) <= 1.0)  # h is a convex mix of n and h_prev


@SETTINGS
@given(length=st.integers(1, 300), c0=finite(), data=st.data())
def test_gated_memory_with_forget_one_and_input_zero_never_changes(length, c0, data):
    candidate = data.draw(hnp.arrays(np.float64, length, elements=st.floats(-1, 1)))
    output = data.draw(hnp.arrays(np.float64, length, elements=st.floats(0, 1)))
    memory = gated_memory(np.ones(length), np.zeros(length), candidate, output, c0=c0)
    np.testing.assert_array_equal(memory.c, np.full(length, c0))
    np.testing.assert_array_equal(memory.h, output * np.tanh(c0))


@SETTINGS
@given(lstm_cases(bound=1.0, variants=("vanilla", "peephole", "cifg", "nfg", "nog", "noaf")),
       st.integers(1, 40), st.data())
def test_lstm_pinned_open_forget_and_shut_input_keeps_the_cell_state(case, length, data):
    """b_f = +1000, b_i = -1000: f = 1 and i = 0 exactly, so c_t = c_0 for every t."""
    model, _, h0, _ = case
    B, H = h0.shape
    D = model.input_size
    model.params.b[:H] = -1e3
    model.params.b[H:2 * H] = 1e3
    x = arrays(data.draw, (length, B, D), bound=10.0)
    c0 = arrays(data.draw, (B, H), bound=100.0)
    trace = model.forward(x, h0, c0)
    np.testing.assert_array_equal(trace.c, np.broadcast_to(c0, trace.c.shape))
    assert np.all(trace.f == 1.0) and np.all(trace.i == 0.0)


def _previous(trace):
    """c_{t-1} for t = 1..T."""
    return np.concatenate([trace.c0[None], trace.c[:-1]])


@SETTINGS
@given(lstm_cases(variants=("noaf",)))
def test_noaf_output_is_gate_times_cell(case):
    model, x, h0, c0 = case
    trace = model.forward(x, h0, c0)
    np.testing.assert_array_equal(trace.h, trace.o * trace.c)


@SETTINGS
@given(lstm_cases(variants=("nfg",)))
def test_nfg_adds_to_the_cell_without_forgetting(case):
    model, x, h0, c0 = case
    trace = model.forward(x, h0, c0)
    assert np.all(trace.f == 1.0)
    np.testing.assert_array_equal(trace.c, _previous(trace) + trace.i * trace.g)


@SETTINGS
@given(lstm_cases(variants=("cifg",)))
def test_cifg_writes_exactly_what_it_forgets(case):
    model, x, h0, c0 = case
    trace = model.forward(x, h0, c0)
    np.testing.assert_array_equal(trace.i, 1.0 - trace.f)
    np.testing.assert_array_equal(trace.c, trace.f * _previous(trace) + (1.0 - trace.f) * trace.g)


@SETTINGS
@given(lstm_cases(variants=("nig",)))
def test_nig_always_writes_the_whole_candidate(case):
    model, x, h0, c0 = case
    trace = model.forward(x, h0, c0)
    assert np.all(trace.i == 1.0)
    np.testing.assert_array_equal(trace.c, trace.f * _previous(trace) + trace.g)


@SETTINGS
@given(lstm_cases(variants=("nog",)))
def test_nog_exposes_the_squashed_cell(case):
    model, x, h0, c0 = case
    trace = model.forward(x, h0, c0)
    assert np.all(trace.o == 1.0)
    np.testing.assert_array_equal(trace.h, np.tanh(trace.c))


@SETTINGS
@given(lstm_cases(bound=3.0, variants=("vanilla", "peephole")))
def test_gates_are_sigmoids_of_the_stated_pre_activations(case):
    """Recompute every pre-activation from the stored states (peepholes included)."""
    model, x, h0, c0 = case
    trace = model.forward(x, h0, c0)
    p, H = model.params, model.hidden_size
    h_prev = np.concatenate([h0[None], trace.h[:-1]])
    pre = x @ p.W_x + h_prev @ p.W_h + p.b                       # (T, B, 4H)
    if model.cfg.peepholes:
        pre[..., :H] += p.p_i * _previous(trace)
        pre[..., H:2 * H] += p.p_f * _previous(trace)
        pre[..., 3 * H:] += p.p_o * trace.c
    for k, gate in enumerate("ifgo"):
        block = pre[..., k * H:(k + 1) * H]
        np.testing.assert_allclose(trace.pre[gate], block, rtol=1e-12, atol=1e-12)
        expected = np.tanh(block) if gate == "g" else 1 / (1 + np.exp(-block))
        np.testing.assert_allclose(trace.gates[gate], expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(trace.c, trace.f * _previous(trace) + trace.i * trace.g,
                               rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(trace.h, trace.o * np.tanh(trace.c), rtol=1e-13, atol=1e-15)


@SETTINGS
@given(lstm_cases(bound=5.0), st.integers(1, 5))
def test_splitting_a_sequence_and_carrying_the_state_changes_nothing(case, split):
    model, x, h0, c0 = case
    split = min(split, x.shape[0])
    whole = model.forward(x, h0, c0)
    first = model.forward(x[:split], h0, c0)
    if split < x.shape[0]:
        second = model.forward(x[split:], first.h_T, first.c_T)
        np.testing.assert_array_equal(whole.h[split:], second.h)
        np.testing.assert_array_equal(whole.c[split:], second.c)
    np.testing.assert_array_equal(whole.h[:split], first.h)


@SETTINGS
@given(lstm_cases(bound=5.0))
def test_batch_first_is_only_a_layout(case):
    model, x, h0, c0 = case
    twin = LSTM(model.cfg, model.params, batch_first=True)
    a, b = model.forward(x, h0, c0), twin.forward(x.swapaxes(0, 1), h0, c0)
    np.testing.assert_array_equal(b.h, a.h.swapaxes(0, 1))
    np.testing.assert_array_equal(b.f, a.f.swapaxes(0, 1))
    np.testing.assert_array_equal(b.c_T, a.c_T)
