"""Plots of chapters 1-3: the plotted data are lstm_edu's numbers."""
import numpy as np
import pytest

from lstm_edu import LSTM, RNN, LSTMConfig, RNNConfig, jacobian_norms
from lstm_edu.plots import plot_gates, plot_gradient_norms, plot_hidden_states


@pytest.fixture(scope="module")
def lstm_trace():
    model = LSTM.init(LSTMConfig(input_size=1, hidden_size=3), seed=2, forget_bias=1.0)
    x = np.sin(np.linspace(0, 6, 12)).reshape(12, 1, 1)  # (T, B, D)
    return model.forward(np.concatenate([x, -x], axis=1))  # B = 2


def test_gradient_norm_plot_shows_the_backward_norms():
    model = RNN.init(RNNConfig(input_size=1, hidden_size=8), seed=0)
    trace = model.forward(np.random.default_rng(0).normal(size=(15, 1, 1)))
    grads = model.backward(trace, dh_T=np.ones((1, 8)))
    jac = jacobian_norms(model, trace)
    plot = plot_gradient_norms({"loss gradient": grads.h_norm, "Jacobian": jac}, title="t")
    np.testing.assert_array_equal(plot.lines["loss gradient"].get_ydata(), grads.h_norm)
    np.testing.assert_array_equal(plot.lines["Jacobian"].get_ydata(), jac)
    np.testing.assert_array_equal(plot.lines["Jacobian"].get_xdata(), np.arange(1, 16))
    assert plot.axes[0].get_yscale() == "log"
    assert [t.get_text() for t in plot.axes[0].get_legend().get_texts()] == ["loss gradient", "Jacobian"]
    assert repr(plot) == "<gradient norms: 2 lines>"
    # a vanilla RNN with torch's default init: the gradient shrinks going back in time
    assert grads.h_norm[0] < grads.h_norm[-1]


def test_gradient_norm_plot_rejects_bad_curves():
    with pytest.raises(TypeError, match="curves: expected a non-empty mapping"):
        plot_gradient_norms([1.0, 2.0])
    with pytest.raises(ValueError, match=r"curves\['a'\]: a log scale needs positive norms"):
        plot_gradient_norms({"a": [1.0, 0.0]})
    with pytest.raises(ValueError, match=r"curves\['a'\]: expected a non-empty 1-d array"):
        plot_gradient_norms({"a": np.ones((2, 2))})
    with pytest.raises(ValueError, match=r"curves\['a'\]: expected finite values"):
        plot_gradient_norms({"a": [1.0, np.inf]})
    with pytest.raises(TypeError, match="curves: expected str labels"):
        plot_gradient_norms({1: [1.0]})


def test_gate_plot_shows_one_unit_of_the_trace(lstm_trace):
    plot = plot_gates(lstm_trace, batch=1, unit=2)
    for name in ("f", "i", "g", "o"):
        np.testing.assert_array_equal(plot.lines[name].get_ydata(), lstm_trace.gates[name][:, 1, 2])
    np.testing.assert_array_equal(plot.lines["c"].get_ydata(), lstm_trace.c[:, 1, 2])
    np.testing.assert_array_equal(plot.lines["h"].get_ydata(), lstm_trace.h[:, 1, 2])
    top, bottom = plot.axes
    assert top.get_ylim() == (-0.03, 1.03) and plot.lines["f"].axes is top and plot.lines["c"].axes is bottom


def test_gate_plot_batch_first_is_the_same(lstm_trace):
    tm = lstm_trace.time_major
    model = LSTM.init(LSTMConfig(input_size=1, hidden_size=3), seed=2, forget_bias=1.0, batch_first=True)
    trace_bf = model.forward(np.swapaxes(tm.x, 0, 1))
    a, b = plot_gates(lstm_trace, batch=1, unit=0), plot_gates(trace_bf, batch=1, unit=0)
    for name in a.lines:
        np.testing.assert_array_equal(a.lines[name].get_ydata(), b.lines[name].get_ydata())


def test_hidden_state_plot(lstm_trace):
    plot = plot_hidden_states(lstm_trace, batch=0, units=2)
    np.testing.assert_array_equal(plot.lines["x"].get_ydata(), lstm_trace.x[:, 0, 0])
    np.testing.assert_array_equal(plot.lines["h1"].get_ydata(), lstm_trace.h[:, 0, 1])
    assert set(plot.lines) == {"x", "h0", "h1"}
    no_input = plot_hidden_states(lstm_trace, units=3, x_feature=None)
    assert set(no_input.lines) == {"h0", "h1", "h2"} and len(no_input.axes) == 1


def test_trace_plots_reject_bad_arguments(lstm_trace):
    rnn_trace = RNN.init(RNNConfig(input_size=1, hidden_size=2)).forward(np.zeros((3, 1, 1)))
    with pytest.raises(TypeError, match="trace: expected an LSTM Trace"):
        plot_gates(rnn_trace)
    with pytest.raises(ValueError, match=r"unit: expected an int in \[0, 2\]"):
        plot_gates(lstm_trace, unit=3)
    with pytest.raises(ValueError, match=r"units: expected an int in \[1, 3\]"):
        plot_hidden_states(lstm_trace, units=4)
    with pytest.raises(ValueError, match="x_feature"):
        plot_hidden_states(lstm_trace, units=1, x_feature=1)
    with pytest.raises(TypeError, match="trace: expected a Trace"):
        plot_hidden_states(np.zeros((3, 1, 2)))
