"""Diagrams: the highlighted parts carry the highlight colour; annotated numbers are the trace's."""
import numpy as np
import pytest
from matplotlib.colors import to_rgba

from lstm_edu import LSTM, LSTMConfig
from lstm_edu.diagram_canvas import colour_of
from lstm_edu.diagrams import (
    BASE,
    DIM,
    HIGHLIGHT,
    LSTM_HIGHLIGHTS,
    LSTM_PARTS,
    CellStep,
    draw_lstm_cell,
    draw_unrolled_rnn,
    format_value,
    gate_arithmetic,
)


def colours(diagram, part):
    return {colour_of(artist) for artist in diagram.parts[part]}


@pytest.fixture(scope="module")
def trace():
    model = LSTM.init(LSTMConfig(input_size=2, hidden_size=3), seed=1, forget_bias=1.0)
    x = np.random.default_rng(0).normal(size=(6, 2, 2))  # (T, B, D)
    h0 = np.full((2, 3), 0.25)
    c0 = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
    return model, x, model.forward(x, h0=h0, c0=c0)


def test_every_atomic_part_is_drawn_in_the_base_colour_without_highlight():
    diagram = draw_lstm_cell()
    assert set(diagram.parts) == set(LSTM_PARTS)
    for part in LSTM_PARTS:
        assert colours(diagram, part) == {to_rgba(BASE)}, part
    assert diagram.highlighted == () and diagram.labels == {}


@pytest.mark.parametrize("name", sorted(LSTM_HIGHLIGHTS))
def test_highlight_colours_exactly_the_named_parts(name):
    diagram = draw_lstm_cell(highlight=name)
    assert set(diagram.highlighted) == set(LSTM_HIGHLIGHTS[name])
    for part in LSTM_PARTS:
        expected = HIGHLIGHT if part in LSTM_HIGHLIGHTS[name] else DIM
        assert colours(diagram, part) == {to_rgba(expected)}, (name, part)
        assert diagram.colour_of(part) == to_rgba(expected)


def test_forget_highlight_marks_the_gate_and_its_multiplication_on_the_belt():
    diagram = draw_lstm_cell(highlight="forget")
    assert diagram.highlighted == ("forget_gate", "forget_mul")
    # the belt stays grey: the forget gate acts on it, it is not part of it
    assert diagram.colour_of("belt") == to_rgba(DIM)
    # several names combine
    both = draw_lstm_cell(highlight=["forget", "output"])
    assert {"forget_gate", "output_gate", "h_out"} <= set(both.highlighted)


def test_cell_step_from_trace_reads_the_trace(trace):
    model, x, tr = trace
    step = CellStep.from_trace(tr, t=3, batch=1, unit=2, feature=1)
    assert step.x == x[3, 1, 1]
    assert step.h_prev == tr.h[2, 1, 2] and step.c_prev == tr.c[2, 1, 2]
    assert (step.forget, step.input, step.candidate, step.output) == (
        tr.f[3, 1, 2], tr.i[3, 1, 2], tr.g[3, 1, 2], tr.o[3, 1, 2])
    assert step.c == tr.c[3, 1, 2] and step.h == tr.h[3, 1, 2]
    # the numbers obey the cell equations
    assert step.c == pytest.approx(step.kept + step.written, abs=1e-12)
    assert step.h == pytest.approx(step.output * np.tanh(step.c), abs=1e-12)


def test_cell_step_at_the_first_step_uses_the_initial_states(trace):
    _, _, tr = trace
    step = CellStep.from_trace(tr, t=0, batch=1, unit=0)
    assert step.h_prev == 0.25 and step.c_prev == tr.c0[1, 0]
    assert step.c == pytest.approx(step.forget * tr.c0[1, 0] + step.input * step.candidate)
    last = CellStep.from_trace(tr, t=-1)
    assert last.c == tr.c[-1, 0, 0]


def test_cell_step_is_the_same_in_batch_first_layout(trace):
    model, x, tr = trace
    twin = LSTM(model.cfg, model.params, batch_first=True)
    tr_bf = twin.forward(np.swapaxes(x, 0, 1), h0=tr.h0, c0=tr.c0)
    assert CellStep.from_trace(tr_bf, t=4, batch=1, unit=1) == CellStep.from_trace(tr, t=4, batch=1, unit=1)


def test_annotated_numbers_are_the_trace_values(trace):
    _, _, tr = trace
    step = CellStep.from_trace(tr, t=2, batch=0, unit=1)
    diagram = draw_lstm_cell(highlight="update", values=step)
    expected = {"x": step.x, "h_prev": step.h_prev, "c_prev": step.c_prev, "forget": step.forget,
                "input": step.input, "candidate": step.candidate, "output": step.output,
                "kept": step.forget * step.c_prev, "written": step.input * step.candidate,
                "c": step.c, "h": step.h}
    assert set(diagram.labels) == set(expected)
    for name, value in expected.items():
        text = diagram.labels[name].get_text()
        assert text == format_value(value)
        assert float(text) == pytest.approx(value, rel=5e-3, abs=5e-4)


def test_format_value_uses_three_significant_digits():
    assert format_value(0.123456) == "0.123"
    assert format_value(-0.0000001) == "-1e-07"
    assert format_value(-0.0) == "0"


def test_unrolled_rnn_parts_and_path_highlight():
    diagram = draw_unrolled_rnn(steps=5)
    assert {f"step_{k}" for k in range(5)} <= set(diagram.parts)
    assert {f"link_{k}" for k in range(5)} <= set(diagram.parts)
    assert all(colours(diagram, part) == {to_rgba(BASE)} for part in diagram.parts)
    path = draw_unrolled_rnn(steps=5, cell="lstm", highlight=(1, 3))
    highlighted = set(path.highlighted)
    assert highlighted == {"x_1", "box_1", "box_2", "box_3", "link_2", "link_3", "y_3"}
    for part in highlighted:
        assert colours(path, part) == {to_rgba(HIGHLIGHT)}, part
    for part in ("link_1", "link_4", "step_0", "step_4", "loop"):
        assert colours(path, part) == {to_rgba(DIM)}, part
    # an LSTM link carries two wires (h and C), an RNN link one
    def arrows(d, k):
        return [a for a in d.parts[f"link_{k}"] if a.__class__.__name__ == "FancyArrowPatch"]
    assert len(arrows(path, 2)) == 2 and len(arrows(diagram, 2)) == 1
    one = draw_unrolled_rnn(steps=3, highlight=-1)
    assert one.highlighted == ("step_2",)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: draw_lstm_cell(highlight="memory"), ValueError, "highlight: expected names from"),
        (lambda: draw_lstm_cell(highlight=3), TypeError, "highlight"),
        (lambda: draw_lstm_cell(values={"x": 1.0}), TypeError, "values: expected a CellStep"),
        (lambda: draw_lstm_cell(ax="axes"), TypeError, "ax: expected a matplotlib Axes"),
        (lambda: draw_unrolled_rnn(steps=0), ValueError, "steps: expected an int from 1 to 8"),
        (lambda: draw_unrolled_rnn(cell="gru"), ValueError, "cell: expected 'rnn' or 'lstm'"),
        (lambda: draw_unrolled_rnn(steps=3, highlight=(2, 1)), ValueError, "first <= last"),
        (lambda: draw_unrolled_rnn(steps=3, highlight=7), ValueError, r"highlight: expected an index"),
        (lambda: draw_unrolled_rnn(highlight="all"), TypeError, "highlight: expected None, an int"),
        (lambda: CellStep(*[0.0] * 8, float("nan")), ValueError, "h: expected a finite number"),
        (lambda: CellStep(*[0.0] * 8, "1"), TypeError, "h: expected a real number"),
        (lambda: CellStep(0.0, 0.0, 0.0, 1.7, *[0.0] * 5), ValueError,
         r"forget: expected a value in \[0, 1\] \(a sigmoid output\), got 1.7"),
        (lambda: CellStep(*[0.0] * 4, -0.1, *[0.0] * 4), ValueError, r"input: expected a value in \[0, 1\]"),
        (lambda: CellStep(*[0.0] * 5, 1.5, *[0.0] * 3), ValueError,
         r"candidate: expected a value in \[-1, 1\] \(a tanh output\)"),
        (lambda: CellStep(*[0.0] * 6, 2.0, 0.0, 0.0), ValueError, "output: expected a value in"),
    ],
)
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_from_trace_rejects_other_traces_and_bad_indices(trace):
    from lstm_edu import RNN, RNNConfig

    _, _, tr = trace
    rnn_trace = RNN.init(RNNConfig(input_size=2, hidden_size=3)).forward(np.zeros((4, 1, 2)))
    with pytest.raises(TypeError, match="trace: expected an LSTM Trace"):
        CellStep.from_trace(rnn_trace, t=0)
    with pytest.raises(ValueError, match=r"t: expected an index in \[-6, 5\]"):
        CellStep.from_trace(tr, t=6)
    with pytest.raises(ValueError, match="unit: expected an index"):
        CellStep.from_trace(tr, t=0, unit=3)
    with pytest.raises(TypeError, match="batch: expected an int"):
        CellStep.from_trace(tr, t=0, batch=0.0)


def test_diagrams_draw_into_given_axes_and_render():
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 4))
    left, right = figure.subplots(1, 2)
    a = draw_lstm_cell(highlight="forget", ax=left)
    b = draw_unrolled_rnn(steps=3, ax=right)
    assert a.figure is figure and b.axes is right
    png = a.png()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10000
    assert repr(a) == "<LSTM cell diagram, highlighted: forget_gate, forget_mul>"


# ---------------------------------------------------------------- gate arithmetic


@pytest.mark.parametrize("gate", ["f", "i", "g", "o"])
def test_gate_arithmetic_recomputes_the_trace(trace, gate):
    model, x, tr = trace
    for t in (0, 4):
        worked = gate_arithmetic(model, tr, gate, t=t, batch=1, unit=2)
        assert worked.pre == pytest.approx(worked.from_hidden + worked.from_input + worked.bias)
        assert worked.pre == pytest.approx(tr.pre[gate][t, 1, 2], abs=1e-12)
        assert worked.value == pytest.approx(tr.gates[gate][t, 1, 2], abs=1e-12)
    # the x term is x_t times the unit's column of W_x (torch order i, f, g, o)
    column = "ifgo".index(gate) * 3 + 2
    assert worked.from_input == pytest.approx(float(x[4, 1] @ model.params.W_x[:, column]))
    text = str(worked)
    assert format_value(worked.pre) in text and format_value(worked.value) in text
    assert ("tanh(" in text) == (gate == "g")


def test_gate_arithmetic_refuses_gates_that_are_not_computed(trace):
    _, x, tr = trace
    nfg = LSTM.init(LSTMConfig.variant("nfg", input_size=2, hidden_size=3), seed=0)
    with pytest.raises(ValueError, match="gate: the forget gate of this variant is not computed"):
        gate_arithmetic(nfg, nfg.forward(x), "f", t=0)
    cifg = LSTM.init(LSTMConfig.variant("cifg", input_size=2, hidden_size=3), seed=0)
    with pytest.raises(ValueError, match="gate: the input gate"):
        gate_arithmetic(cifg, cifg.forward(x), "i", t=0)
    peep = LSTM.init(LSTMConfig.variant("peephole", input_size=2, hidden_size=3), seed=0)
    with pytest.raises(ValueError, match="model: gate_arithmetic covers LSTMs without peepholes"):
        gate_arithmetic(peep, peep.forward(x), "f", t=0)
    model, _, tr = trace
    with pytest.raises(ValueError, match="gate: expected one of"):
        gate_arithmetic(model, tr, "c", t=0)
    with pytest.raises(TypeError, match="model: expected an lstm_edu LSTM"):
        gate_arithmetic("model", tr, "f", t=0)


# ---------------------------------------------------------------- layout: numbers apart from drawing


def test_the_worked_step_is_computed_without_matplotlib():
    """The numbers of a diagram (lstm_edu.worked_step) import no plotting library; the
    diagrams re-export them, so ``from lstm_edu.diagrams import CellStep`` keeps working."""
    import subprocess
    import sys

    import lstm_edu.diagrams as diagrams
    import lstm_edu.worked_step as worked_step

    code = "import sys, lstm_edu.worked_step; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
    for name in ("CellStep", "GateArithmetic", "gate_arithmetic", "format_value"):
        assert getattr(diagrams, name) is getattr(worked_step, name)


def test_check_index_counts_negative_indices_from_the_end():
    from lstm_edu.worked_step import check_index

    assert [check_index("t", k, 4) for k in (0, 3, -1, -4)] == [0, 3, 3, 0]
    assert check_index("t", np.int64(2), 4) == 2
    with pytest.raises(ValueError, match=r"t: expected an index in \[-4, 3\], got 4"):
        check_index("t", 4, 4)
    with pytest.raises(TypeError, match="t: expected an int, got bool True"):
        check_index("t", True, 4)
