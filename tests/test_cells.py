"""Cells, parameters, configs and gated_memory: values against the equations they implement."""
from __future__ import annotations

import numpy as np
import pytest

from lstm_edu import GRU, LSTM, RNN, VARIANTS, GRUConfig, LSTMConfig, RNNConfig, gated_memory
from lstm_edu.cells import GRUParams, LSTMParams, RNNParams, gru_cell, lstm_active_gates, lstm_cell, rnn_cell

TOL = dict(rtol=1e-12, atol=1e-14)


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def test_lstm_cell_is_the_seeds_equations_with_concatenated_weights(rng):
    """f, i, C~, o from W [h_{t-1}, x_t] + b, as written in the seed summaries."""
    D, H, B = 3, 4, 2
    cfg = LSTMConfig(D, H)
    params = LSTMParams.init(cfg, seed=1, scale=0.8)
    x, h_prev, c_prev = rng.normal(size=(B, D)), rng.normal(size=(B, H)), rng.normal(size=(B, H))
    # The seeds' W_f acts on [h_{t-1}, x_t]: stack our W_h over W_x, column block f.
    W = np.concatenate([params.W_h, params.W_x])               # (H + D, 4H)
    hx = np.concatenate([h_prev, x], axis=1)                    # (B, H + D)
    block = {g: slice(k * H, (k + 1) * H) for k, g in enumerate("ifgo")}
    f = _sigmoid(hx @ W[:, block["f"]] + params.b[block["f"]])
    i = _sigmoid(hx @ W[:, block["i"]] + params.b[block["i"]])
    c_tilde = np.tanh(hx @ W[:, block["g"]] + params.b[block["g"]])
    c = f * c_prev + i * c_tilde
    o = _sigmoid(hx @ W[:, block["o"]] + params.b[block["o"]])
    h = o * np.tanh(c)

    (h_out, c_out), cache = lstm_cell(params, x, (h_prev, c_prev), cfg)
    np.testing.assert_allclose(h_out, h, **TOL)
    np.testing.assert_allclose(c_out, c, **TOL)
    for name, value in {"f": f, "i": i, "g": c_tilde, "o": o, "cell_output": np.tanh(c)}.items():
        np.testing.assert_allclose(cache[name], value, **TOL, err_msg=name)
    np.testing.assert_allclose(cache["pre_f"], hx @ W[:, block["f"]] + params.b[block["f"]], **TOL)
    assert set(cache) == {"pre_i", "pre_f", "pre_g", "pre_o", "i", "f", "g", "o", "cell_output",
                          "h_prev", "c_prev"}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_lstm_cell_equals_first_step_of_the_sequence_model(rng, name):
    cfg = LSTMConfig.variant(name, 2, 3)
    model = LSTM.init(cfg, seed=4)
    x, h0, c0 = rng.normal(size=(1, 5, 2)), rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    trace = model.forward(x, h0, c0)
    (h, c), cache = lstm_cell(model.params, x[0], (h0, c0), cfg)
    np.testing.assert_allclose(h, trace.h[0], **TOL)
    np.testing.assert_allclose(c, trace.c[0], **TOL)
    for gate in "ifgo":
        np.testing.assert_allclose(cache[gate], trace.gates[gate][0], **TOL)
    for gate in lstm_active_gates(cfg):
        np.testing.assert_allclose(cache[f"pre_{gate}"], trace.pre[gate][0], **TOL)
    assert set(trace.pre) == set(lstm_active_gates(cfg))


def test_gru_cell_matches_torch_gru_cell(torch, rng):
    D, H, B = 3, 4, 2
    torch.manual_seed(0)
    cell = torch.nn.GRUCell(D, H).double()
    params = GRUParams(W_x=cell.weight_ih.detach().numpy().T.copy(),
                       W_h=cell.weight_hh.detach().numpy().T.copy(),
                       b=np.concatenate([(cell.bias_ih + cell.bias_hh).detach().numpy()[:2 * H],
                                         cell.bias_ih.detach().numpy()[2 * H:]]),
                       b_hn=cell.bias_hh.detach().numpy()[2 * H:].copy())
    x, h_prev = rng.normal(size=(B, D)), rng.normal(size=(B, H))
    h, cache = gru_cell(params, x, h_prev, GRUConfig(D, H))
    np.testing.assert_allclose(h, cell(torch.tensor(x), torch.tensor(h_prev)).detach().numpy(),
                               **TOL)
    # torch's convention: z weights the old state, r multiplies (h W_hn + b_hn).
    np.testing.assert_allclose(h, (1 - cache["z"]) * cache["n"] + cache["z"] * h_prev, **TOL)
    np.testing.assert_allclose(cache["hn"], h_prev @ params.W_h[:, 2 * H:] + params.b_hn, **TOL)
    np.testing.assert_allclose(cache["n"], np.tanh(cache["pre_n"]), **TOL)
    np.testing.assert_allclose(cache["pre_n"], x @ params.W_x[:, 2 * H:] + params.b[2 * H:]
                               + cache["r"] * cache["hn"], **TOL)


def test_gru_reset_gate_is_not_chos_original(rng):
    """torch applies r after W_hn; Cho et al. 2014 apply it before: the two differ."""
    D, H = 2, 3
    params = GRUParams.init(GRUConfig(D, H), seed=3, scale=1.0)
    x, h_prev = rng.normal(size=(1, D)), rng.normal(size=(1, H))
    _, cache = gru_cell(params, x, h_prev, GRUConfig(D, H))
    cho_n = np.tanh(x @ params.W_x[:, 2 * H:] + params.b[2 * H:]
                    + (cache["r"] * h_prev) @ params.W_h[:, 2 * H:] + params.b_hn)
    assert np.abs(cho_n - cache["n"]).max() > 1e-3


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_cell_matches_torch_rnn_cell(torch, rng, nonlinearity):
    torch.manual_seed(1)
    cell = torch.nn.RNNCell(3, 4, nonlinearity=nonlinearity).double()
    params = RNNParams(W_x=cell.weight_ih.detach().numpy().T.copy(),
                       W_h=cell.weight_hh.detach().numpy().T.copy(),
                       b=(cell.bias_ih + cell.bias_hh).detach().numpy())
    x, h_prev = rng.normal(size=(5, 3)), rng.normal(size=(5, 4))
    h, cache = rnn_cell(params, x, h_prev, RNNConfig(3, 4, nonlinearity=nonlinearity))
    np.testing.assert_allclose(h, cell(torch.tensor(x), torch.tensor(h_prev)).detach().numpy(),
                               **TOL)
    np.testing.assert_allclose(cache["pre_h"], x @ params.W_x + h_prev @ params.W_h + params.b,
                               **TOL)
    if nonlinearity == "relu":
        assert (h == 0).any() and (h >= 0).all()


def test_sequence_models_equal_repeated_cells(rng):
    x = rng.normal(size=(4, 2, 3))
    for model, cell in [(GRU.init(GRUConfig(3, 5), seed=0), gru_cell),
                        (RNN.init(RNNConfig(3, 5), seed=0), rnn_cell)]:
        trace = model.forward(x)
        h = np.zeros((2, 5))
        for t in range(4):
            h, _ = cell(model.params, x[t], h, model.cfg)
            np.testing.assert_allclose(trace.h[t], h, **TOL)


# ----------------------------------------------------------------------------- parameters


def test_init_draws_like_torch_and_is_seeded():
    cfg = LSTMConfig(5, 16)
    a, b = LSTMParams.init(cfg, seed=3), LSTMParams.init(cfg, seed=3)
    for name, value in a.arrays().items():
        np.testing.assert_array_equal(value, b.arrays()[name])
    bound = 1 / np.sqrt(16)
    assert np.abs(a.W_x).max() <= bound and np.abs(a.W_h).max() <= bound
    assert np.abs(a.W_h).max() > 0.9 * bound                 # fills the interval
    assert np.abs(a.b).max() <= 2 * bound                     # b_ih + b_hh
    assert np.abs(a.b).max() > bound                          # ... and is a sum of two draws
    assert not np.array_equal(LSTMParams.init(cfg, seed=4).W_x, a.W_x)
    assert LSTMParams.init(cfg, seed=3, dtype=np.float32).W_h.dtype == np.float32
    assert np.abs(LSTMParams.init(cfg, seed=0, scale=0.01).W_h).max() <= 0.01


def test_forget_bias_shifts_only_the_forget_block():
    cfg = LSTMConfig(2, 3)
    base, shifted = LSTMParams.init(cfg, seed=0), LSTMParams.init(cfg, seed=0, forget_bias=1.0)
    np.testing.assert_allclose(shifted.b - base.b, np.r_[0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0],
                               atol=1e-15)
    np.testing.assert_array_equal(shifted.W_h, base.W_h)


def test_parameter_shapes_follow_the_config():
    cfg = LSTMConfig.variant("peephole", 3, 4, bias=False)
    params = LSTMParams.init(cfg)
    assert {k: v.shape for k, v in params.arrays().items()} == {
        "W_x": (3, 16), "W_h": (4, 16), "p_i": (4,), "p_f": (4,), "p_o": (4,)}
    gru = GRUParams.init(GRUConfig(3, 4))
    assert {k: v.shape for k, v in gru.arrays().items()} == {
        "W_x": (3, 12), "W_h": (4, 12), "b": (12,), "b_hn": (4,)}
    rnn = RNNParams.init(RNNConfig(3, 4, bias=False))
    assert {k: v.shape for k, v in rnn.arrays().items()} == {"W_x": (3, 4), "W_h": (4, 4)}


def test_params_copy_is_deep():
    params = LSTMParams.init(LSTMConfig(2, 2))
    twin = params.copy()
    twin.W_h[0, 0] += 1.0
    assert twin.W_h[0, 0] == params.W_h[0, 0] + 1.0


# ----------------------------------------------------------------------------- configs


def test_variants_and_their_flags():
    assert sorted(VARIANTS) == ["cifg", "nfg", "nig", "noaf", "nog", "peephole", "vanilla"]
    expected = {"vanilla": {}, "peephole": {"peepholes": True}, "cifg": {"coupled": True},
                "nfg": {"forget_gate": False}, "nig": {"input_gate": False},
                "nog": {"output_gate": False}, "noaf": {"output_activation": False}}
    assert VARIANTS == expected
    for name in VARIANTS:
        cfg = LSTMConfig.variant(name, 2, 3)
        assert cfg.variant_name == name
        for flag, value in VARIANTS[name].items():
            assert getattr(cfg, flag) == value
    assert LSTMConfig.variant("vanilla", 2, 3) == LSTMConfig(2, 3)
    assert LSTMConfig(2, 3, peepholes=True, coupled=True).variant_name is None
    assert LSTMConfig.variant("cifg", 2, 3, bias=False).bias is False


def test_active_gates_per_variant():
    active = {name: lstm_active_gates(LSTMConfig.variant(name, 1, 1)) for name in VARIANTS}
    assert active == {"vanilla": ("i", "f", "g", "o"), "peephole": ("i", "f", "g", "o"),
                      "cifg": ("f", "g", "o"), "nfg": ("i", "g", "o"), "nig": ("f", "g", "o"),
                      "nog": ("i", "f", "g"), "noaf": ("i", "f", "g", "o")}


# ----------------------------------------------------------------------------- gated memory


def test_gated_memory_follows_the_cell_update():
    f = np.array([1.0, 0.5, 0.0, 0.9])
    i = np.array([1.0, 0.0, 1.0, 0.5])
    g = np.array([0.5, -1.0, -0.25, 1.0])
    o = np.array([1.0, 1.0, 0.5, 0.0])
    memory = gated_memory(f, i, g, o, c0=2.0)
    c = [1.0 * 2.0 + 0.5, 0.5 * 2.5 + 0.0, 0.0 + 1.0 * -0.25, 0.9 * -0.25 + 0.5 * 1.0]
    np.testing.assert_allclose(memory.c, c, rtol=1e-15)
    np.testing.assert_allclose(memory.h, o * np.tanh(c), rtol=1e-15)
    np.testing.assert_allclose(gated_memory(f, i, g, o, c0=2.0, output_activation=False).h,
                               o * np.array(c), rtol=1e-15)


def test_gated_memory_scalars_need_steps_and_repeat():
    memory = gated_memory(0.5, 1.0, 1.0, 1.0, steps=3)
    np.testing.assert_allclose(memory.c, [1.0, 1.5, 1.75], rtol=1e-15)
    mixed = gated_memory(np.array([1.0, 0.0, 1.0]), 0, 0.3, 1, c0=0.4, steps=3)
    np.testing.assert_allclose(mixed.c, [0.4, 0.0, 0.0], rtol=1e-15)


def test_gated_memory_with_units_and_vector_c0(rng):
    f, i, o = rng.uniform(size=(5, 3)), rng.uniform(size=(5, 3)), rng.uniform(size=(5, 3))
    g = rng.uniform(-1, 1, size=(5, 3))
    c0 = np.array([1.0, -2.0, 0.5])
    memory = gated_memory(f, i, g, o, c0=c0)
    c = c0
    for t in range(5):
        c = f[t] * c + i[t] * g[t]
        np.testing.assert_allclose(memory.c[t], c, rtol=1e-15)
    assert memory.h.shape == (5, 3)


def test_gated_memory_matches_an_lstm_given_its_gates(rng):
    model = LSTM.init(LSTMConfig(2, 3), seed=0)
    trace = model.forward(rng.normal(size=(6, 1, 2)), c0=rng.normal(size=(1, 3)))
    memory = gated_memory(trace.f[:, 0], trace.i[:, 0], trace.g[:, 0], trace.o[:, 0],
                          c0=trace.c0[0])
    np.testing.assert_allclose(memory.c, trace.c[:, 0], rtol=1e-12)
    np.testing.assert_allclose(memory.h, trace.h[:, 0], rtol=1e-12)
