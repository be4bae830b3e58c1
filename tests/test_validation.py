"""Bad input gets a ValueError/TypeError naming the argument, what was expected and what was got."""
from __future__ import annotations

import re

import numpy as np
import pytest

import lstm_edu.validation as validation
from lstm_edu import GRU, LSTM, RNN, GRUConfig, LSTMConfig, RNNConfig, gated_memory, jacobian_norms
from lstm_edu.cells import GRUParams, LSTMParams, RNNParams, gru_cell, lstm_cell, rnn_cell

D, H, T, B = 3, 4, 5, 2


def raises(error, *fragments):
    """pytest.raises whose message must contain every fragment, in order."""
    return pytest.raises(error, match=".*".join(re.escape(f) for f in fragments))


@pytest.fixture
def lstm():
    return LSTM.init(LSTMConfig(D, H), seed=0)


@pytest.fixture
def lstm_bf():
    return LSTM.init(LSTMConfig(D, H), seed=0, batch_first=True)


# ----------------------------------------------------------------------------- forward inputs


def test_wrong_rank(lstm, lstm_bf):
    with raises(ValueError, "x: expected a 3-d array of shape (T, B, 3)",
                "got a 2-d array of shape (5, 3)"):
        lstm.forward(np.zeros((T, D)))
    with raises(ValueError, "x: expected a 3-d array of shape (B, T, 3)", "shape (1, 2, 5, 3)"):
        lstm_bf.forward(np.zeros((1, B, T, D)))


def test_wrong_feature_size(lstm):
    with raises(ValueError, "x: expected shape (T, B, 3), got shape (5, 2, 4)",
                "axis 2 has size 4, expected 3"):
        lstm.forward(np.zeros((T, B, 4)))


@pytest.mark.parametrize("name", ["h0", "c0"])
def test_mismatched_hidden_and_batch_size_of_initial_states(lstm, name):
    x = np.zeros((T, B, D))
    with raises(ValueError, f"{name}: expected shape (2, 4), got shape (2, 5)",
                "axis 1 has size 5"):
        lstm.forward(x, **{name: np.zeros((B, H + 1))})
    with raises(ValueError, f"{name}: expected shape (2, 4), got shape (3, 4)",
                "axis 0 has size 3"):
        lstm.forward(x, **{name: np.zeros((B + 1, H))})
    with raises(ValueError, f"{name}: expected a 2-d array of shape (2, 4)",
                "3-d array of shape (1, 2, 4)"):
        lstm.forward(x, **{name: np.zeros((1, B, H))})  # torch's (num_layers, B, H) is not accepted


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf(lstm, bad):
    x = np.zeros((T, B, D))
    x[2, 1, 0] = bad
    with raises(ValueError, "x: expected finite values, got",
                "at index (2, 1, 0)", "shape (5, 2, 3)"):
        lstm.forward(x)
    h0 = np.zeros((B, H))
    h0[1, 3] = bad
    with raises(ValueError, "h0: expected finite values", "at index (1, 3)"):
        lstm.forward(np.zeros((T, B, D)), h0=h0)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, bool, np.complex128, object])
def test_non_float_dtypes(lstm, dtype):
    with raises(TypeError, "x: expected a floating-point array", f"got dtype {np.dtype(dtype)}"):
        lstm.forward(np.zeros((T, B, D), dtype=dtype))
    with raises(TypeError, "c0: expected a floating-point array"):
        lstm.forward(np.zeros((T, B, D)), c0=np.zeros((B, H), dtype=dtype))


def test_lists_of_ints_are_rejected_but_lists_of_floats_work(lstm):
    with raises(TypeError, "x: expected a floating-point array", "got dtype int64"):
        lstm.forward([[[1, 2, 3]]])
    assert lstm.forward([[[1.0, 2.0, 3.0]]]).h.shape == (1, 1, H)


def test_float32_input_is_cast_to_the_models_dtype(lstm):
    trace = lstm.forward(np.ones((T, B, D), dtype=np.float32))
    assert trace.h.dtype == np.float64
    np.testing.assert_array_equal(trace.h, lstm.forward(np.ones((T, B, D))).h)


def test_empty_sequences(lstm, lstm_bf):
    with raises(ValueError, "x: expected shape (T, B, 3) with T >= 1, got shape (0, 2, 3)",
                "axis 0 is empty"):
        lstm.forward(np.zeros((0, B, D)))
    with raises(ValueError, "x: expected shape (T, B, 3) with B >= 1, got shape (5, 0, 3)"):
        lstm.forward(np.zeros((T, 0, D)))
    with raises(ValueError, "x: expected shape (B, T, 3) with T >= 1, got shape (2, 0, 3)"):
        lstm_bf.forward(np.zeros((B, 0, D)))


@pytest.mark.parametrize("model", [GRU.init(GRUConfig(D, H)), RNN.init(RNNConfig(D, H))])
def test_gru_and_rnn_check_the_same_way(model):
    with raises(ValueError, "x: expected shape (T, B, 3), got shape (5, 2, 1)"):
        model.forward(np.zeros((T, B, 1)))
    with raises(ValueError, "h0: expected shape (2, 4), got shape (2, 3)"):
        model.forward(np.zeros((T, B, D)), h0=np.zeros((B, 3)))
    with raises(TypeError, "x: expected a floating-point array", "int64"):
        model.forward(np.zeros((T, B, D), dtype=int))
    with pytest.raises(TypeError, match="c0"):
        model.forward(np.zeros((T, B, D)), c0=np.zeros((B, H)))


# ----------------------------------------------------------------------------- backward inputs


def test_backward_gradient_shapes(lstm, lstm_bf):
    trace = lstm.forward(np.zeros((T, B, D)))
    with raises(ValueError, "dh: expected shape (T, B, H) = (5, 2, 4) like trace.h,",
                "got shape (2, 5, 4)"):
        lstm.backward(trace, np.zeros((B, T, H)))
    with raises(ValueError, "dh_T: expected a 2-d array of shape (2, 4),",
                "got a 1-d array of shape (4,)"):
        lstm.backward(trace, dh_T=np.zeros(H))
    with raises(ValueError, "dc_T: expected shape (2, 4), got shape (2, 3)"):
        lstm.backward(trace, dc_T=np.zeros((B, 3)))
    with raises(ValueError, "dh: expected finite values"):
        lstm.backward(trace, np.full((T, B, H), np.nan))
    with raises(ValueError, "dh, dh_T, dc_T: expected at least one gradient to backpropagate"):
        lstm.backward(trace)
    trace_bf = lstm_bf.forward(np.zeros((B, T, D)))
    with raises(ValueError, "dh: expected shape (B, T, H) = (2, 5, 4) like trace.h,",
                "got shape (5, 2, 4)"):
        lstm_bf.backward(trace_bf, np.zeros((T, B, H)))


def test_backward_rejects_a_trace_of_another_model(lstm, lstm_bf):
    gru = GRU.init(GRUConfig(D, H))
    with raises(ValueError, "trace: expected a trace of this lstm model", "got a gru trace"):
        lstm.backward(gru.forward(np.zeros((T, B, D))), np.zeros((T, B, H)))
    with raises(ValueError, "trace: expected a trace of this lstm model", "batch_first=False",
                "batch_first=True"):
        lstm.backward(lstm_bf.forward(np.zeros((B, T, D))), np.zeros((T, B, H)))
    with raises(TypeError, "trace: expected a Trace from forward(), got dict"):
        lstm.backward({}, np.zeros((T, B, H)))


def test_trace_arrays_are_read_only(lstm):
    trace = lstm.forward(np.zeros((T, B, D)))
    with pytest.raises(ValueError, match="read-only"):
        trace.h[0, 0, 0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        trace.f[0, 0, 0] = 1.0
    x = np.zeros((T, B, D))
    lstm.forward(x)
    x[0, 0, 0] = 1.0  # the caller's array stays writeable: the trace keeps a copy


def test_unknown_trace_attribute_lists_the_gates(lstm):
    trace = lstm.forward(np.zeros((T, B, D)))
    with raises(AttributeError, "has no attribute 'r'", "gates: i, f, g, o"):
        _ = trace.r


# ----------------------------------------------------------------------------- cells and params


def test_cell_inputs():
    cfg = LSTMConfig(D, H)
    params = LSTMParams.init(cfg)
    with raises(ValueError, "x_t: expected a 2-d array of shape (B, 3), got a 3-d array"):
        lstm_cell(params, np.zeros((1, B, D)), (np.zeros((B, H)), np.zeros((B, H))), cfg)
    with raises(ValueError, "state[1] (c_prev): expected shape (2, 4), got shape (2, 5)"):
        lstm_cell(params, np.zeros((B, D)), (np.zeros((B, H)), np.zeros((B, 5))), cfg)
    with raises(TypeError, "state: expected a tuple (h_prev, c_prev), got ndarray"):
        lstm_cell(params, np.zeros((B, D)), np.zeros((B, H)), cfg)
    with raises(TypeError, "params: expected LSTMParams, got GRUParams"):
        lstm_cell(GRUParams.init(GRUConfig(D, H)), np.zeros((B, D)),
                  (np.zeros((B, H)), np.zeros((B, H))), cfg)
    with raises(TypeError, "cfg: expected a GRUConfig, got LSTMConfig"):
        gru_cell(GRUParams.init(GRUConfig(D, H)), np.zeros((B, D)), np.zeros((B, H)), cfg)
    with raises(ValueError, "h_prev: expected a 2-d array of shape (2, 4),",
                "got a 1-d array of shape (4,)"):
        rnn_cell(RNNParams.init(RNNConfig(D, H)), np.zeros((B, D)), np.zeros(H), RNNConfig(D, H))


def test_parameter_shapes_and_presence():
    cfg = LSTMConfig(D, H)
    params = LSTMParams.init(cfg)
    with raises(ValueError, "params.W_h: expected shape (4, 16), got shape (5, 16)"):
        LSTM(cfg, LSTMParams(W_x=params.W_x, W_h=np.zeros((5, 16)), b=params.b))
    with raises(ValueError, "params.b: expected an array of shape (16,), got None"):
        LSTM(cfg, LSTMParams(W_x=params.W_x, W_h=params.W_h))
    with raises(ValueError, "params.b: expected None for this config (bias=False), got an array"):
        LSTM(LSTMConfig(D, H, bias=False), params)
    with raises(ValueError, "params.p_i: expected an array of shape (4,), got None"):
        LSTM(LSTMConfig.variant("peephole", D, H), params)
    with raises(ValueError, "params.W_x: expected finite values"):
        LSTM(cfg, LSTMParams(W_x=np.full((D, 16), np.inf), W_h=params.W_h, b=params.b))
    with raises(TypeError, "params.W_x: expected a floating-point array", "int64"):
        LSTM(cfg, LSTMParams(W_x=np.zeros((D, 16), dtype=int), W_h=params.W_h, b=params.b))
    with raises(TypeError, "params: expected LSTMParams, got RNNParams"):
        LSTM(cfg, RNNParams.init(RNNConfig(D, H)))
    with raises(TypeError, "cfg: expected a LSTMConfig, got GRUConfig"):
        LSTM(GRUConfig(D, H), params)


def test_init_arguments():
    cfg = LSTMConfig(D, H)
    with raises(ValueError, "seed: expected a non-negative int, got -1"):
        LSTMParams.init(cfg, seed=-1)
    with raises(TypeError, "dtype: expected numpy.float32 or numpy.float64, got"):
        LSTMParams.init(cfg, dtype=np.int32)
    with raises(ValueError, "forget_bias: the config has bias=False, so forget_bias must be 0.0,",
                "got 1.0"):
        LSTMParams.init(LSTMConfig(D, H, bias=False), forget_bias=1.0)
    with raises(ValueError, "scale: expected a non-negative half-width, got -0.1"):
        LSTMParams.init(cfg, scale=-0.1)
    with raises(ValueError, "forget_bias: expected a finite number, got nan"):
        LSTMParams.init(cfg, forget_bias=float("nan"))
    with raises(TypeError, "cfg: expected an LSTMConfig, got GRUConfig"):
        LSTMParams.init(GRUConfig(D, H))


# ----------------------------------------------------------------------------- configs


def test_config_arguments():
    with raises(ValueError, "hidden_size: expected a positive int, got 0"):
        LSTMConfig(D, 0)
    with raises(TypeError, "input_size: expected a positive int, got float 3.0"):
        LSTMConfig(3.0, H)
    with raises(TypeError, "hidden_size: expected a positive int, got bool True"):
        GRUConfig(D, True)
    with raises(TypeError, "peepholes: expected True or False, got int 1"):
        LSTMConfig(D, H, peepholes=1)
    with raises(ValueError, "coupled: the coupled input-forget gate (i = 1 - f)",
                "needs forget_gate=True"):
        LSTMConfig(D, H, coupled=True, forget_gate=False)
    with raises(ValueError, "name: expected one of vanilla, peephole, cifg, nfg, nig, nog, noaf, "
                            "got 'gru'"):
        LSTMConfig.variant("gru", D, H)
    with raises(ValueError, "nonlinearity: expected one of tanh, relu, got 'sigmoid'"):
        RNNConfig(D, H, nonlinearity="sigmoid")
    with raises(TypeError, "batch_first: expected True or False, got str 'yes'"):
        LSTM.init(LSTMConfig(D, H), batch_first="yes")


# ----------------------------------------------------------------------------- gated_memory


def test_gates_outside_unit_interval_name_the_gate():
    ok = np.full(4, 0.5)
    for name in ("forget_gate", "input_gate", "output_gate"):
        for bad in (1.2, -0.1):
            values = ok.copy()
            values[2] = bad
            args = {"forget_gate": ok, "input_gate": ok, "candidate": ok, "output_gate": ok,
                    name: values}
            with raises(ValueError, f"{name}: expected values in [0, 1], got {bad:g} at index (2,)",
                        "(shape (4,))"):
                gated_memory(**args)
    with raises(ValueError, "candidate: expected values in [-1, 1], got 1.5 at index (1,)"):
        gated_memory(ok, ok, np.array([0.0, 1.5, 0.0, 0.0]), ok)


def test_gated_memory_shapes_scalars_and_types():
    ok = np.full(4, 0.5)
    with raises(ValueError, "forget_gate: got a scalar (0.5); pass an array of shape (T,) "
                        "or (T, H), "
                            "or give steps=T"):
        gated_memory(0.5, ok, ok, ok)
    with raises(ValueError, "expected one common shape (no broadcasting), got forget_gate (4,), "
                            "input_gate (4, 1)"):
        gated_memory(ok, ok[:, None], ok, ok)
    with raises(ValueError, "steps: the gate arrays have T = 4 steps, got steps=3"):
        gated_memory(ok, ok, ok, 0.5, steps=3)
    with raises(ValueError, "c0: an array c0 needs gates of shape (T, H), got gates of shape (4,)"):
        gated_memory(ok, ok, ok, ok, c0=np.zeros(2))
    with raises(ValueError, "c0: expected shape (3,), got shape (2,)"):
        gated_memory(*(np.full((4, 3), 0.5),) * 4, c0=np.zeros(2))
    with raises(ValueError, "forget_gate: expected shape (T,) or (T, H) with T >= 1,",
                "got shape (0,)"):
        gated_memory(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0))
    with raises(ValueError, "input_gate: expected finite values"):
        gated_memory(ok, np.full(4, np.nan), ok, ok)
    with raises(TypeError, "output_gate: expected a floating-point array", "got dtype bool"):
        gated_memory(ok, ok, ok, np.ones(4, dtype=bool))
    with raises(TypeError, "steps: expected a positive int, got float 3.0"):
        gated_memory(0.5, 0.5, 0.5, 0.5, steps=3.0)


# ----------------------------------------------------------------------------- jacobian_norms


def test_jacobian_norm_arguments(lstm):
    trace = lstm.forward(np.zeros((T, B, D)))
    with raises(ValueError, "norm: expected one of 'spectral', 'frobenius', got 'nuclear'"):
        jacobian_norms(lstm, trace, norm="nuclear")
    with raises(ValueError, "reduce: expected one of 'mean', 'none', got 'max'"):
        jacobian_norms(lstm, trace, reduce="max")
    gru = GRU.init(GRUConfig(D, H))
    with raises(ValueError, "of: expected one of 'h', got 'c'"):
        jacobian_norms(gru, gru.forward(np.zeros((T, B, D))), of="c")
    with raises(ValueError, "trace: expected a trace of this lstm model"):
        jacobian_norms(lstm, gru.forward(np.zeros((T, B, D))))
    with raises(TypeError, "model: expected an lstm_edu LSTM, GRU or RNN, got str"):
        jacobian_norms("lstm", trace)


# ----------------------------------------------------------------------------- lstm_edu.validation

# each check: (argument name, check, a good value, a value of the wrong type, a wrong value or None)
CHECKS = [
    ("steps", lambda v: validation.check_positive_int("steps", v), 3, 3.0, 0),
    ("window", lambda v: validation.check_int_range("window", v, 2, 10), 4, "4", 11),
    ("seed", lambda v: validation.check_seed("seed", v), 7, 1.5, -1),
    ("flag", lambda v: validation.check_bool("flag", v), True, 1, None),
    ("rate", lambda v: validation.check_finite_real("rate", v), 0.5, "0.5", np.inf),
    ("temperature", lambda v: validation.check_positive_real("temperature", v), 0.5, None, 0.0),
    ("method", lambda v: validation.check_choice("method", v, ("greedy", "sample")), "greedy", 3, "beam"),
    ("x", lambda v: validation.as_float_array("x", v), [0.5, 1.0], [1, 2], [0.5, np.nan]),
    ("series", lambda v: validation.check_series("series", v), [0.5, 1.0], ["a"], [[0.5, 1.0]]),
    ("shape", lambda v: validation.check_shape("shape", np.asarray(v), ("T", 2)), [[0.5, 1.0]],
     None, [[0.5]]),
]


@pytest.mark.parametrize(("name", "check", "good", "wrong_type", "wrong_value"), CHECKS,
                         ids=[c[0] for c in CHECKS])
def test_each_check_raises_type_and_value_errors_naming_the_argument(name, check, good, wrong_type,
                                                                     wrong_value):
    check(good)
    if name != "shape":  # check_shape takes an array already made by as_float_array
        with raises(TypeError, f"{name}: expected"):
            check(wrong_type)
    if wrong_value is not None:
        with raises(ValueError, f"{name}: expected"):
            check(wrong_value)


def test_messages_say_what_was_expected_and_what_was_received():
    with raises(TypeError, "steps: expected a positive int, got float 3.0"):
        validation.check_positive_int("steps", 3.0)
    with raises(ValueError, "window: expected an int in [2, 10], got 11"):
        validation.check_int_range("window", 11, 2, 10)
    with raises(ValueError, "window: expected an int >= 2, got 1"):
        validation.check_int_range("window", 1, 2)
    with raises(TypeError, "seed: expected a non-negative int, got float 1.5"):
        validation.check_seed("seed", 1.5)
    with raises(ValueError, "seed: expected a non-negative int, got -1"):
        validation.check_seed("seed", -1)
    with raises(ValueError, "temperature: expected a finite number > 0, got 0.0"):
        validation.check_positive_real("temperature", 0.0)
    with raises(ValueError, "rate: expected a finite number >= 0, got -1.0"):
        validation.check_positive_real("rate", -1.0, allow_zero=True)
    with raises(ValueError, "method: expected one of ('greedy', 'sample'), got 'beam'"):
        validation.check_choice("method", "beam", ("greedy", "sample"))
    with raises(TypeError, "method: expected one of ('greedy', 'sample'), got int 3"):
        validation.check_choice("method", 3, ("greedy", "sample"))
    with raises(ValueError, "series: expected a 1-d series of shape (N,), got shape (1, 2)"):
        validation.check_series("series", [[0.5, 1.0]])
    with raises(ValueError, "series: expected at least 3 values, got 2"):
        validation.check_series("series", [0.5, 1.0], min_length=3)


@pytest.mark.parametrize("check", [validation.check_positive_int, validation.check_seed,
                                   lambda name, v: validation.check_int_range(name, v, 0)])
@pytest.mark.parametrize("bad", [True, np.bool_(True), "3", 3.0, np.float64(3.0), None])
def test_integer_checks_reject_bools_strings_and_floats(check, bad):
    with raises(TypeError, "n: expected"):
        check("n", bad)


@pytest.mark.parametrize("check", [validation.check_finite_real, validation.check_positive_real])
@pytest.mark.parametrize("bad", [True, np.bool_(False), "0.5", None, 1 + 2j])
def test_real_checks_reject_bools_strings_and_complex(check, bad):
    with raises(TypeError, "v: expected a real number"):
        check("v", bad)


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint16])
def test_numpy_integers_are_accepted_as_ints(dtype):
    assert validation.check_positive_int("n", dtype(3)) == 3
    assert type(validation.check_positive_int("n", dtype(3))) is int
    assert validation.check_int_range("n", dtype(3), 0, 5) == 3
    assert validation.check_seed("seed", dtype(3)) == 3
    with raises(ValueError, "n: expected a positive int, got 0"):
        validation.check_positive_int("n", dtype(0))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int64])
def test_numpy_scalars_are_accepted_as_reals(dtype):
    assert validation.check_finite_real("v", dtype(2)) == 2.0
    assert type(validation.check_positive_real("v", dtype(2))) is float
    with raises(ValueError, "v: expected a finite number > 0, got 0.0"):
        validation.check_positive_real("v", dtype(0))


def test_numpy_bools_are_accepted_as_bools():
    assert validation.check_bool("flag", np.bool_(True)) is True
