"""The step explorer of chapter 2 (lstm_edu.widgets.architecture_explorer.StepExplorer).

The browser computes the numbers (tests/browser/test_step_explorer.py checks them there);
here: the traits carry lstm_edu's weights and inputs, the Python side states lstm_edu's
numbers for the current step, unit and inputs, and every argument is checked.
"""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

from lstm_edu import LSTM, LSTMConfig
from lstm_edu.diagrams import CellStep, format_value
from lstm_edu.widgets.architecture_explorer import StepExplorer


@pytest.fixture
def setup():
    """An LSTM with D=2, H=3 and one batch of 3 sequences of 6 steps, (T, B, D)."""
    model = LSTM.init(LSTMConfig(input_size=2, hidden_size=3), seed=1, forget_bias=1.0)
    x = np.random.default_rng(0).normal(size=(6, 3, 2))
    return model, x


def described_numbers(text: str) -> list[str]:
    """The numbers of a description after the '=' signs, in order."""
    return [number.rstrip(".") for number in re.findall(r"= (\[[^\]]*\]|-?[\d.e+-]+)", text)]


def expected_numbers(step: CellStep, x_row) -> list[str]:
    f3 = format_value
    x_text = f3(x_row[0]) if len(x_row) == 1 else "[" + ", ".join(f3(v) for v in x_row) + "]"
    return [x_text] + [f3(v) for v in (step.h_prev, step.c_prev, step.forget, step.input, step.candidate,
                                       step.output, step.kept, step.written, step.c, np.tanh(step.c), step.h)]


def test_traits_carry_the_model_and_the_chosen_sequence(setup):
    model, x = setup
    explorer = StepExplorer(model, x, step=2, unit=1, batch=2)
    for name, array in model.params.arrays().items():
        np.testing.assert_array_equal(np.array(explorer.weights[name]), array)  # exact: every bit kept
    assert set(explorer.weights) == {"W_x", "W_h", "b"}
    assert explorer.flags == {"peepholes": False, "forget_gate": True, "input_gate": True,
                              "output_gate": True, "output_activation": True, "coupled": False}
    np.testing.assert_array_equal(np.array(explorer.inputs), x[:, 2, :])
    assert explorer.initial_inputs == explorer.inputs
    assert (explorer.step, explorer.unit) == (2, 1)
    assert explorer.input_range == [-2.0, 2.0]  # every |x| below 2
    assert StepExplorer(model, x * 1.6).input_range == [-4.0, 4.0]  # the largest |x|, 3.72, rounded up
    json.dumps(explorer.get_state(["weights", "flags", "inputs", "step", "unit", "input_range"]))


def test_a_cell_without_bias_travels_without_b(setup):
    _, x = setup
    model = LSTM.init(LSTMConfig(input_size=2, hidden_size=3, bias=False), seed=0)
    explorer = StepExplorer(model, x)
    assert set(explorer.weights) == {"W_x", "W_h"}
    assert described_numbers(explorer.description) == expected_numbers(
        CellStep.from_trace(model.forward(x[:, :1]), 0), x[0, 0])


@pytest.mark.parametrize("variant", ["peephole", "cifg", "nfg", "nig", "nog", "noaf"])
def test_variants_the_diagram_does_not_draw_are_refused(setup, variant):
    _, x = setup
    model = LSTM.init(LSTMConfig.variant(variant, input_size=2, hidden_size=3), seed=0)
    with pytest.raises(ValueError, match=f"model: expected a vanilla LSTM .* got variant '{variant}'"):
        StepExplorer(model, x)


def test_description_states_lstm_edus_numbers(setup):
    model, x = setup
    explorer = StepExplorer(model, x, step=4, unit=2, batch=1)
    alone = model.forward(x[:, 1:2])                      # the chosen sequence, (T, 1, D)
    expected = CellStep.from_trace(alone, 3, unit=2)
    assert explorer.description.startswith("An LSTM cell at step 4 of 6, hidden unit 2")
    assert described_numbers(explorer.description) == expected_numbers(expected, x[3, 1])
    assert explorer.cell_step(feature=1) == CellStep.from_trace(alone, 3, unit=2, feature=1)
    in_batch = CellStep.from_trace(model.forward(x), 3, batch=1, unit=2)  # the same to rounding
    np.testing.assert_allclose(list(vars(explorer.cell_step()).values()), list(vars(in_batch).values()),
                               rtol=1e-13)


def test_python_moves_the_step_and_unit(setup):
    model, x = setup
    explorer = StepExplorer(model, x[:, :1])
    trace = model.forward(x[:, :1])
    explorer.step = 6
    explorer.unit = np.int64(1)                 # numpy ints count as ints
    assert (explorer.step, explorer.unit) == (6, 1) and isinstance(explorer.unit, int)
    assert described_numbers(explorer.description) == expected_numbers(
        CellStep.from_trace(trace, 5, unit=1), x[5, 0])


def test_changed_inputs_recompute_that_step_and_later_ones(setup):
    model, x = setup
    explorer = StepExplorer(model, x[:, 0], step=3)      # a (T, D) sequence
    changed = x[:, 0].copy()
    changed[2, 1] = 1.5
    explorer.inputs = changed.tolist()
    again = model.forward(changed[:, None, :])            # (T, 1, D)
    for t in (2, 5):
        explorer.step = t + 1
        assert explorer.cell_step() == CellStep.from_trace(again, t)
        expected = expected_numbers(CellStep.from_trace(again, t), changed[t])
        assert described_numbers(explorer.description) == expected
    before = model.forward(x[:, :1]).h[:2, 0]
    np.testing.assert_array_equal(explorer.trace().h[:2, 0], before)  # earlier steps unchanged
    assert not np.allclose(explorer.trace().h[2:, 0], before[-1])
    assert explorer.initial_inputs == x[:, 0].tolist()


def test_inputs_from_the_browser_may_hold_ints(setup):
    model, x = setup
    explorer = StepExplorer(model, x[:, 0])
    sent = x[:, 0].tolist()
    sent[0] = [1, -2]                      # JSON writes 1.0 as 1
    explorer.inputs = sent
    assert explorer.inputs[0] == [1.0, -2.0] and all(isinstance(v, float) for v in explorer.inputs[0])


def test_batch_first_models_take_their_layout(setup):
    _, x = setup
    model = LSTM.init(LSTMConfig(input_size=2, hidden_size=3), seed=1, batch_first=True)
    explorer = StepExplorer(model, x.swapaxes(0, 1), batch=1, step=5)
    np.testing.assert_array_equal(np.array(explorer.inputs), x[:, 1])
    assert explorer.cell_step() == CellStep.from_trace(model.forward(x.swapaxes(0, 1)[1:2]), 4)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"model": "lstm"}, TypeError, "model: expected an lstm_edu LSTM, got str"),
    ({"inputs": np.ones((6, 2), dtype=int)}, TypeError, "inputs: expected a floating-point array"),
    ({"inputs": np.ones((6, 3))}, ValueError, r"inputs: expected a \(T, 2\) array"),
    ({"inputs": np.ones((6, 1, 3))}, ValueError, r"inputs: expected shape \(T, B, D\) with D = 2"),
    ({"inputs": np.ones((1, 2))}, ValueError, "inputs: expected 2 to 60 time steps, got 1"),
    ({"inputs": np.ones((61, 2))}, ValueError, "inputs: expected 2 to 60 time steps, got 61"),
    ({"inputs": np.full((6, 2), np.nan)}, ValueError, "inputs: expected finite values"),
    ({"batch": 3}, ValueError, "batch: expected an int from 0 to 2, got 3"),
    ({"step": 0}, ValueError, "step: expected an int from 1 to 6, got 0"),
    ({"step": 7}, ValueError, "step: expected an int from 1 to 6, got 7"),
    ({"step": 2.0}, TypeError, "step: expected an int, got float"),
    ({"unit": True}, TypeError, "unit: expected an int, got bool"),
    ({"unit": 3}, ValueError, "unit: expected an int from 0 to 2, got 3"),
    ({"input_range": 2.0}, TypeError, r"input_range: expected a pair \(low, high\)"),
    ({"input_range": (1.0, -1.0)}, ValueError, "input_range: expected low < high"),
    ({"input_range": (-1.0, 1.0)}, ValueError, "input_range: expected a range holding every input"),
    ({"input_range": (-np.inf, 1.0)}, ValueError, "input_range: expected a finite number"),
])
def test_bad_arguments_are_refused(setup, kwargs, error, message):
    model, x = setup
    arguments = {"model": model, "inputs": x, **kwargs}
    with pytest.raises(error, match=message):
        StepExplorer(**arguments)


def test_models_the_browser_cannot_mirror_are_refused(setup):
    _, x = setup
    single = LSTM.init(LSTMConfig(input_size=2, hidden_size=3), dtype=np.float32)
    with pytest.raises(ValueError, match="model: expected a float64 LSTM"):
        StepExplorer(single, x)
    wide = LSTM.init(LSTMConfig(input_size=5, hidden_size=3))
    with pytest.raises(ValueError, match="model: expected at most 4 input features"):
        StepExplorer(wide, np.ones((6, 5)))


def test_bad_trait_values_are_refused_and_leave_the_state(setup):
    model, x = setup
    explorer = StepExplorer(model, x, step=2)
    description = explorer.description
    for name, value, error, message in [
        ("step", 7, ValueError, "step: expected an int from 1 to 6, got 7"),
        ("step", "3", TypeError, "step: expected an int, got str"),
        ("unit", -1, ValueError, "unit: expected an int from 0 to 2, got -1"),
        ("inputs", [[0.0, 0.0]] * 5, ValueError,
         r"inputs: expected shape \(6, 2\) \(T, D\), got shape \(5, 2\)"),
        ("inputs", [[True, False]] * 6, TypeError, "inputs: expected real numbers, got dtype bool"),
        ("inputs", [[0.0, float("nan")]] * 6, ValueError, "inputs: expected finite values"),
    ]:
        with pytest.raises(error, match=message):
            setattr(explorer, name, value)
    assert explorer.step == 2 and explorer.description == description


def test_the_bundle_is_one_module_with_the_cell_maths(setup):
    model, x = setup
    code = StepExplorer(model, x)._esm
    assert not re.search(r"^\s*import\b", code, re.M)
    for module in ("cells", "controls", "chart", "cell_step", "cell_diagram", "step_explorer"):
        assert f"// ---- {module}.js" in code
    assert "export default" in code
