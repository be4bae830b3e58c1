"""Chapter 3's gate explorer on the built site: it computes lstm_edu's numbers with no kernel.

Driven from the keyboard: arrow keys on the sliders, a choice of pattern, a typed sequence.
The page exposes the full-precision C_t and h_t it plotted on its readout (data-c, data-h).
"""
from __future__ import annotations

import json

import numpy as np
import pytest
from site_visit import open_explorer_page

from lstm_edu.gate_patterns import GateSetup, GateValues, describe, simulate

PAGE = "book/chapters/03_gates.html"


@pytest.fixture
def explorer(browser, site_server, site_dir):
    page, errors = open_explorer_page(browser, site_server, site_dir, PAGE,
                                      ".lstm-gate-explorer .lstm-readout[data-c]", 30_000)
    yield page, page.locator(".lstm-gate-explorer").last, errors  # the last: "All four gates at once"
    page.close()


def plotted(root):
    readout = root.locator(".lstm-readout")
    return (np.array(json.loads(readout.get_attribute("data-c"))),
            np.array(json.loads(readout.get_attribute("data-h"))), readout.text_content())


def slider(root, label):
    return root.get_by_label(label, exact=True)


def test_initial_picture_is_lstm_edus(explorer):
    _, root, errors = explorer
    c, h, text = plotted(root)
    setup, values = GateSetup(pattern="distractors"), GateValues()
    expected = simulate(setup, values)
    assert np.abs(c - expected.c).max() <= 1e-12 and np.abs(h - expected.h).max() <= 1e-12
    assert text == describe(setup, values, expected)
    assert root.locator("svg[role=img]").get_attribute("aria-label").endswith(text)
    assert errors == []


def test_keyboard_moves_recompute_the_chart(explorer):
    page, root, errors = explorer
    path_before = root.locator("path.lstm-series").nth(1).get_attribute("d")
    slider(root, "forget gate f").focus()
    for _ in range(10):
        page.keyboard.press("ArrowLeft")  # 0.90 -> 0.80
    slider(root, "input gate i").focus()
    page.keyboard.press("End")            # 1.00 (already) ...
    for _ in range(70):
        page.keyboard.press("ArrowLeft")  # ... -> 0.30
    c, h, text = plotted(root)
    values = GateValues(forget=0.8, input=0.3)
    expected = simulate(GateSetup(pattern="distractors"), values)
    assert np.abs(c - expected.c).max() <= 1e-12 and np.abs(h - expected.h).max() <= 1e-12
    assert text == describe(GateSetup(pattern="distractors"), values, expected)
    assert root.locator("path.lstm-series").nth(1).get_attribute("d") != path_before
    root.get_by_label("constant", exact=True).focus()
    page.keyboard.press("Space")
    c, _, _ = plotted(root)
    np.testing.assert_allclose(c, simulate(GateSetup(pattern="constant"), values).c, rtol=0, atol=1e-12)
    assert errors == []


def test_typed_sequence_and_bad_input(explorer):
    page, root, errors = explorer
    box = root.get_by_label("your candidate sequence", exact=True)
    box.fill("")
    box.type("1 1 0.5 0 0 -1")
    box.press("Enter")
    c, _, text = plotted(root)
    setup = GateSetup(pattern="custom", custom=(1, 1, 0.5, 0, 0, -1))
    np.testing.assert_allclose(c, simulate(setup, GateValues()).c, rtol=0, atol=1e-12)
    assert root.get_by_label("your own sequence", exact=True).is_checked()
    for bad, message in [("1 abc", '"abc" is not a number'), ("2", "must be in [-1, 1]"),
                         ("", "at least one number")]:
        box.fill(bad)
        box.press("Enter")
        shown = root.locator(".lstm-message.lstm-error")
        assert message in shown.text_content() and box.get_attribute("aria-invalid") == "true"
        after, _, _ = plotted(root)
        np.testing.assert_array_equal(after, c)  # the last good state stays
    assert errors == []
