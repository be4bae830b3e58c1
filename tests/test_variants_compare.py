"""Chapter 5's helpers: the equations as printed are the ones the code computes."""
from pathlib import Path

import nbformat
import numpy as np
import pytest

from lstm_edu.cells import GRUParams, gru_cell
from lstm_edu.config import GRUConfig
from lstm_edu.variants_compare import (
    CELLS,
    EQUATIONS,
    ROLES,
    SAME_AS_LSTM,
    build_cell,
    equations_table,
    gru_candidates,
    parameter_counts,
    run_variants,
)

CHAPTER = Path(__file__).resolve().parents[1] / "book" / "chapters" / "05_variants.ipynb"
RNG = np.random.default_rng(5)
X = RNG.standard_normal((12, 3, 2))                                 # (T, B, D)


def test_every_cell_names_every_role():
    for cell in CELLS:
        assert set(EQUATIONS[cell]) == set(ROLES)
    assert all(EQUATIONS["lstm"][role] not in (None, SAME_AS_LSTM)
               for role in ROLES if role != "reset")


def test_table_lays_out_the_equations_row_by_row():
    table = equations_table(("lstm", "cifg", "gru"))
    lines = table.splitlines()
    assert lines[0] == "| role | LSTM | CIFG | GRU (torch) |"
    assert len(lines) == 2 + len(ROLES)                  # the GRU has a reset row
    cifg_row = next(line for line in lines if line.startswith("| admit the new"))
    assert "$i_t = 1 - f_t$" in cifg_row and "$1 - z_t$" in cifg_row
    without_gru = equations_table(("lstm", "cifg"))
    assert "| reset |" not in without_gru                 # no chosen cell has that role


@pytest.mark.notebook
def test_chapter_five_shows_exactly_the_generated_table():
    if not CHAPTER.exists():
        pytest.skip("chapter 5 not written yet")
    notebook = nbformat.read(CHAPTER, as_version=4)
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert equations_table() in markdown


# ----------------------------------------------------------------------------- the equations hold


def test_cifg_input_gate_is_one_minus_forget_gate():
    trace = run_variants(X, 4, cells=("cifg",), seed=1)["cifg"]
    np.testing.assert_allclose(trace.i, 1.0 - trace.f, rtol=0, atol=1e-15)
    c_prev = np.concatenate([np.zeros((1, 3, 4)), trace.c[:-1]])
    np.testing.assert_allclose(trace.c, trace.f * c_prev + (1 - trace.f) * trace.g, atol=1e-14)


def test_peephole_gates_add_the_weighted_cell_state_to_the_lstm_preactivation():
    model = build_cell("peephole", 2, 4, seed=2)
    trace = model.forward(X)
    p = model.params
    h_prev = np.concatenate([np.zeros((1, 3, 4)), trace.h[:-1]])
    c_prev = np.concatenate([np.zeros((1, 3, 4)), trace.c[:-1]])
    plain = X @ p.W_x + h_prev @ p.W_h + p.b                              # (T, B, 4H)
    np.testing.assert_allclose(trace.pre["f"], plain[..., 4:8] + p.p_f * c_prev, atol=1e-13)
    np.testing.assert_allclose(trace.pre["i"], plain[..., 0:4] + p.p_i * c_prev, atol=1e-13)
    np.testing.assert_allclose(trace.pre["o"], plain[..., 12:16] + p.p_o * trace.c, atol=1e-13)


def test_gru_state_update_keeps_z_of_the_old_state():
    trace = run_variants(X, 4, cells=("gru",), seed=3)["gru"]
    h_prev = np.concatenate([np.zeros((1, 3, 4)), trace.h[:-1]])
    np.testing.assert_allclose(trace.h, trace.z * h_prev + (1 - trace.z) * trace.n, atol=1e-14)


def test_the_two_reset_conventions_differ_and_agree_only_where_they_must():
    cfg = GRUConfig(2, 4)
    params = GRUParams.init(cfg, seed=4)
    x_t, h_prev = RNG.standard_normal((3, 2)), RNG.standard_normal((3, 4))
    torch_n, cho_n = gru_candidates(params, x_t, h_prev, cfg)
    _, cache = gru_cell(params, x_t, h_prev, cfg)
    np.testing.assert_allclose(torch_n, cache["n"], atol=1e-14)          # torch's is lstm_edu's
    assert np.max(np.abs(torch_n - cho_n)) > 1e-3
    opened = params.copy()
    opened.b[:4] = 1e3                                                    # reset gate r = 1
    torch_n, cho_n = gru_candidates(opened, x_t, h_prev, cfg)
    np.testing.assert_allclose(torch_n, cho_n, atol=1e-14)


# ----------------------------------------------------------------------------- sizes and runs


@pytest.mark.parametrize("D, H", [(1, 1), (3, 8), (10, 32)])
def test_parameter_counts_follow_the_formulas(D, H):
    counts = parameter_counts(D, H)
    block = D * H + H * H + H
    assert counts["lstm"].used == counts["lstm"].stored == 4 * block
    assert counts["peephole"].used == 4 * block + 3 * H
    assert counts["cifg"].used == 3 * block and counts["cifg"].stored == 4 * block
    assert counts["gru"].used == 3 * block + H
    assert counts["rnn"].used == block


def test_used_parameters_are_those_with_a_gradient():
    dh = RNG.standard_normal((12, 3, 4))
    for cell, count in parameter_counts(2, 4).items():
        model = build_cell(cell, 2, 4, seed=6)
        grads = model.backward(model.forward(X), dh)
        nonzero = sum(int(np.count_nonzero(g)) for g in grads.params.values())
        assert nonzero == count.used, cell


def test_torch_parameter_counts_differ_only_by_the_second_bias():
    torch = pytest.importorskip("torch")
    D, H = 3, 8
    counts = parameter_counts(D, H)
    modules = {"lstm": torch.nn.LSTM(D, H), "gru": torch.nn.GRU(D, H), "rnn": torch.nn.RNN(D, H)}
    gate_blocks = {"lstm": 4, "gru": 3, "rnn": 1}
    for cell, module in modules.items():
        torch_count = sum(p.numel() for p in module.parameters())
        # torch keeps b_ih and b_hh; lstm_edu sums them (the GRU keeps b_hn apart)
        extra = gate_blocks[cell] * H - (H if cell == "gru" else 0)
        assert torch_count == counts[cell].stored + extra


def test_run_variants_gives_every_cell_the_same_input():
    traces = run_variants(X, 5, forget_bias=1.0)
    assert list(traces) == list(CELLS)
    for trace in traces.values():
        np.testing.assert_array_equal(trace.x, X)
        assert trace.h.shape == (12, 3, 5)
    assert traces["lstm"].c is not None and traces["gru"].c is None


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: equations_table(("lstm", "transformer")), ValueError, "cells: unknown"),
        (lambda: equations_table("lstm"), TypeError, "cells: expected a non-empty sequence"),
        (lambda: equations_table(("gru", "gru")), ValueError, "each cell once"),
        (lambda: parameter_counts(0, 4), ValueError, "input_size"),
        (lambda: build_cell("rnn", 2, 4, forget_bias=1.0), ValueError, "forget_bias"),
        (lambda: run_variants(X[0], 4), ValueError, "x: expected a 3-d array"),
        (lambda: run_variants(X.astype(int), 4), TypeError, "x: expected a floating-point"),
        (lambda: gru_candidates(GRUParams.init(GRUConfig(2, 4)), np.zeros((3, 5)), np.zeros((3, 4)),
                                GRUConfig(2, 4)), ValueError, "x_t"),
        (lambda: gru_candidates(GRUParams.init(GRUConfig(2, 4)), np.zeros((3, 2)), np.zeros((2, 4)),
                                GRUConfig(2, 4)), ValueError, "h_prev"),
    ],
)
def test_bad_input_names_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()
