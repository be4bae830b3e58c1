"""Chapter 2's step explorer on the built site: the browser computes lstm_edu's numbers.

Driven from the keyboard: arrow keys on the time-step, unit and input sliders, Enter on the
reset button. The explorer exposes what it shows at full precision (data-values: the
numbers on the diagram; data-inputs: the inputs after the reader's change; data-trace:
every gate and state of every step); each is compared with ``LSTM.forward`` on those inputs.
"""
from __future__ import annotations

import json

import numpy as np
import pytest
from site_visit import open_explorer_page

from lstm_edu import LSTM, LSTMConfig
from lstm_edu.diagrams import CellStep, format_value
from lstm_edu.widgets.architecture_explorer import StepExplorer

PAGE = "book/chapters/02_architecture.html"
TOLERANCE = 1e-12  # float64 in JavaScript and numpy sum in different orders (last bits)
# the chapter's model and input: a small LSTM reading 12 steps of a sine wave
MODEL = LSTM.init(LSTMConfig(input_size=1, hidden_size=2), seed=3, forget_bias=1.0)
SINE = np.sin(np.linspace(0.0, 3 * np.pi, 12)).reshape(12, 1)  # (T, D)
# the numbers of data-values named as CellStep's fields (and properties)
FIELDS = ("h_prev", "c_prev", "forget", "input", "candidate", "output", "kept", "written", "c", "h")


@pytest.fixture
def explorer(browser, site_server, site_dir):
    page, errors = open_explorer_page(browser, site_server, site_dir, PAGE,
                                      ".lstm-step-explorer[data-values]", 30_000)
    yield page, page.locator(".lstm-step-explorer"), errors
    page.close()


def shown(root) -> dict:
    """What the explorer shows: its full-precision numbers and the texts a reader meets."""
    labels = root.locator("text.lstm-cell-value")
    return {
        "step": int(root.get_attribute("data-step")), "unit": int(root.get_attribute("data-unit")),
        "values": json.loads(root.get_attribute("data-values")),
        "inputs": np.array(json.loads(root.get_attribute("data-inputs"))),              # (T, D)
        "trace": {k: np.array(v) for k, v in json.loads(root.get_attribute("data-trace")).items()},  # (T, H)
        "labels": {labels.nth(k).get_attribute("data-name"): labels.nth(k).text_content()
                   for k in range(labels.count())},
        "readout": root.locator(".lstm-readout").text_content(),
        "alt": root.locator("svg.lstm-cell-diagram").get_attribute("aria-label"),
    }


def readout(step: CellStep, t: int) -> str:
    """The cell update as the explorer's readout writes it."""
    f3 = format_value
    wrap = lambda v: f"({f3(v)})" if v < 0 else f3(v)  # noqa: E731 - a negative factor in a product
    return (f"t = {t}: Cₜ = fₜ·Cₜ₋₁ + iₜ·C̃ₜ = {wrap(step.forget)} × {wrap(step.c_prev)} + "
            f"{wrap(step.input)} × {wrap(step.candidate)} = {f3(step.c)}; "
            f"hₜ = oₜ·tanh(Cₜ) = {wrap(step.output)} × tanh({f3(step.c)}) = {f3(step.h)}")


def assert_lstm_edus_numbers(state: dict, step: int, unit: int) -> None:
    """Every number shown equals LSTM.forward on the inputs shown, at that step and unit."""
    assert (state["step"], state["unit"]) == (step, unit)
    trace = MODEL.forward(state["inputs"][:, None, :])                       # (T, 1, D)
    expected = CellStep.from_trace(trace, step - 1, unit=unit)
    values = state["values"]
    assert values["x"] == state["inputs"][step - 1].tolist()
    for name in FIELDS:
        assert abs(values[name] - getattr(expected, name)) <= TOLERANCE, name
        assert state["labels"][name] == format_value(getattr(expected, name)), name
    assert abs(values["tanh_c"] - np.tanh(expected.c)) <= TOLERANCE
    assert state["labels"]["tanh_c"] == format_value(np.tanh(expected.c))
    assert state["labels"]["x"] == format_value(state["inputs"][step - 1, 0])
    for name in ("i", "f", "g", "o", "c", "h"):                             # every step, every unit
        assert np.abs(state["trace"][name] - getattr(trace, name)[:, 0]).max() <= TOLERANCE, name
    assert state["readout"] == readout(expected, step)
    explorer = StepExplorer(MODEL, state["inputs"], step=step, unit=unit)   # Python's text alternative
    assert state["alt"] == explorer.description


def test_the_page_opens_on_the_worked_step(explorer):
    _, root, errors = explorer
    state = shown(root)
    np.testing.assert_array_equal(state["inputs"], SINE)
    assert_lstm_edus_numbers(state, step=4, unit=0)
    assert state["labels"]["c"] == "-1.27"                                    # the chapter's worked example
    assert errors == []


def test_keyboard_changes_the_step_and_the_input(explorer):
    page, root, errors = explorer
    before = shown(root)["trace"]
    root.get_by_label("time step t", exact=True).focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")                                        # step 4 -> 6
    assert_lstm_edus_numbers(shown(root), step=6, unit=0)

    box = root.get_by_label("input x at step t", exact=True)
    box.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")                                    # x_6 + 3 x 0.01
    state = shown(root)
    changed = SINE.copy()
    changed[5, 0] = SINE[5, 0] + 3 * 0.01
    np.testing.assert_allclose(state["inputs"], changed, rtol=0, atol=1e-12)
    assert_lstm_edus_numbers(state, step=6, unit=0)
    for name in ("c", "h", "f"):                                            # steps 1-5 kept, 6-12 respond
        np.testing.assert_array_equal(state["trace"][name][:5], before[name][:5])
        assert np.all(state["trace"][name][5:] != before[name][5:]), name

    root.get_by_label("hidden unit", exact=True).focus()
    page.keyboard.press("ArrowRight")                                        # unit 0 -> 1
    assert_lstm_edus_numbers(shown(root), step=6, unit=1)
    assert errors == []


def test_reset_restores_the_inputs_from_the_keyboard(explorer):
    page, root, errors = explorer
    root.get_by_label("input x at step t", exact=True).focus()
    page.keyboard.press("End")                                               # x_4 = the top of the range
    state = shown(root)
    assert state["inputs"][3, 0] == 2.0
    assert_lstm_edus_numbers(state, step=4, unit=0)
    root.get_by_role("button", name="Reset the inputs").focus()
    page.keyboard.press("Enter")
    state = shown(root)
    np.testing.assert_array_equal(state["inputs"], SINE)
    assert_lstm_edus_numbers(state, step=4, unit=0)
    assert errors == []
