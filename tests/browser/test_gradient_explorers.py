"""The gradient explorers of chapters 4 and 5 on the built site: lstm_edu's numbers, no kernel.

Every control is moved from the keyboard (arrow keys, Home and End on the sliders, arrow keys
through the cell choice). After each move the page's numbers are checked against lstm_edu:
the full-precision norms it computed (the root's data-gradients), the text alternative
(data-description, the same words as lstm_edu.widgets.gradient_explorer.describe), the
readout, and the SVG path of every ||dL/dh_t|| curve, whose pixel coordinates must be
lstm_edu's values through the chart's log scale.
"""
from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from gradient_reference import allowed_difference, difference, rounding_sensitivity

from lstm_edu.gradient_flow import GradientSetup, clip_factor, gradient_curves
from lstm_edu.widgets.gradient_explorer import CLIP_OFF, describe, format_number

CHAPTER_4 = "book/chapters/04_gradients.html"
CHAPTER_5 = "book/chapters/05_variants.html"
SETUP = GradientSetup()
# the chart's geometry (js/gradient_explorer.js and js/chart.js): viewBox 440 x 300
WIDTH, HEIGHT, LEFT, RIGHT, TOP_MARGIN, BOTTOM = 440, 300, 58, 16, 26, 42
AXIS_TOP = 1e15


def open_page(browser, site_server, site_dir, page_name: str, explorers: int):
    if not (site_dir / page_name).is_file():
        pytest.fail(f"{page_name} is missing from the built site")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(site_server.origin)
               else route.abort())
    page.goto(site_server.url(page_name))
    ready = f"document.querySelectorAll('.lstm-gradient-explorer[data-gradients]').length === {explorers}"
    page.wait_for_function(ready, timeout=30_000)
    return page, errors


@pytest.fixture
def chapter_4(browser, site_server, site_dir):
    page, errors = open_page(browser, site_server, site_dir, CHAPTER_4, explorers=3)
    yield page, errors
    page.close()


@pytest.fixture
def chapter_5(browser, site_server, site_dir):
    page, errors = open_page(browser, site_server, site_dir, CHAPTER_5, explorers=1)
    yield page, errors
    page.close()


def shown(root) -> dict:
    return json.loads(root.get_attribute("data-gradients"))


def path_points(d: str) -> np.ndarray:
    """(n, 2) pixel coordinates of an SVG path made of M and L commands."""
    return np.array([[float(x), float(y)] for x, y in re.findall(r"[ML](-?[\d.]+),(-?[\d.]+)", d)])


def expected_pixels(values: np.ndarray, top: float) -> np.ndarray:
    """(T, 2) where the chart draws values (clamped into [floor, top]) at t = 1..T."""
    t = np.arange(1, len(values) + 1)
    x = LEFT + (t - 1) / (SETUP.max_length - 1) * (WIDTH - LEFT - RIGHT)
    clamped = np.log10(np.clip(values, SETUP.floor, top))
    low, high = math.log10(SETUP.floor), math.log10(top)
    y = HEIGHT - BOTTOM - (clamped - low) / (high - low) * (HEIGHT - TOP_MARGIN - BOTTOM)
    return np.stack([x, y], axis=1)


def axis_top(arrays) -> float:
    """The chart's top: 1e15, or the decade above the largest value if that is higher."""
    high = max(float(np.max(a)) for a in arrays)
    return AXIS_TOP if high <= AXIS_TOP else 10.0 ** math.ceil(math.log10(high) - 1e-9)


def check_against_lstm_edu(root) -> dict:
    """Every number the explorer shows equals lstm_edu's for the settings it shows."""
    data = shown(root)
    s, b, T, k = data["weight_scale"], data["forget_bias"], data["length"], data["clip_log10"]
    tau = math.inf if k >= CLIP_OFF else 10.0 ** k
    assert data["cells"][0] == "rnn"
    curves = [gradient_curves(cell, s, b, T, SETUP) for cell in data["cells"]]
    worst_sensitivity = 0.0
    for cell, panel, reference in zip(data["cells"], data["panels"], curves):
        sensitivity = rounding_sensitivity(cell, s, b, T, SETUP)
        worst_sensitivity = max(worst_sensitivity, sensitivity)
        allowed = allowed_difference(sensitivity)
        assert difference(panel["h_norm"], reference.h_norm) <= allowed, (cell, s, b, T)
        assert difference(panel["param_norm"], reference.param_norm) <= allowed
        assert difference(panel["clip_factor"], clip_factor(reference.param_norm, tau)) <= allowed
        if reference.c_norm is None:
            assert panel["c_norm"] is None
        else:
            assert difference(panel["c_norm"], reference.c_norm) <= allowed
    bound = s ** (T - np.arange(1, T + 1.0))
    top = axis_top([c.h_norm for c in curves] + [c.c_norm for c in curves if c.c_norm is not None] + [bound])
    for chart, reference in zip(root.locator("svg[role=img]").all(), curves):
        drawn = path_points(chart.locator("path.lstm-series").first.get_attribute("d"))   # ||dL/dh_t||
        assert drawn.shape == (T, 2)
        np.testing.assert_allclose(drawn, expected_pixels(reference.h_norm, top), atol=0.006)
    if worst_sensitivity <= 1e-14:   # chaotic settings may round a third digit differently
        assert root.get_attribute("data-description") == describe(data["cells"][1], s, b, T, k, SETUP)
        readout = root.locator(".lstm-readout").text_content()
        for reference in curves:
            assert f"||dL/dh_1|| = {format_number(reference.h_norm[0])}" in readout
    return data


def under_the_floor(data: dict) -> bool:
    """Whether any drawn curve (norms, clipped norms, the RNN's bound) goes below the floor."""
    lowest = [data["weight_scale"] ** (data["length"] - 1)]
    for panel in data["panels"]:
        lowest.append(min(panel["h_norm"]))
        if panel["c_norm"]:
            lowest.append(min(panel["c_norm"]))
        if data["clip_log10"] < CLIP_OFF:
            lowest.append(min(panel["h_norm"]) * panel["clip_factor"])
    return min(lowest) < SETUP.floor


def drawn_paths(root) -> list[str]:
    return [path.get_attribute("d") for path in root.locator("path.lstm-series").all()]


def slider(root, label: str):
    return root.get_by_label(label, exact=True)


def press(page, control, key: str, times: int = 1) -> None:
    control.focus()
    for _ in range(times):
        page.keyboard.press(key)


def test_chapter_4_explorers_start_where_the_prose_says(chapter_4):
    page, errors = chapter_4
    roots = page.locator(".lstm-gradient-explorer").all()
    starts = [shown(root) for root in roots]
    assert [(d["weight_scale"], d["forget_bias"], d["length"], d["clip_log10"]) for d in starts] == [
        (1.0, 1.0, 100, 4.0), (1.0, 1.0, 25, 4.0), (2.5, 1.0, 100, 0.0)]
    for root in roots:
        check_against_lstm_edu(root)
        assert root.locator("input[type=range]").count() == 4
        assert root.locator("input[type=radio]").count() == 0
        for chart in root.locator("svg[role=img]").all():
            assert "||dL/dh_1||" in chart.get_attribute("aria-label")
    clipped = shown(roots[2])["panels"][0]
    assert clipped["clip_factor"] < 1e-6                      # the exploding RNN is clipped
    assert roots[2].locator("path.lstm-series.dashed").count() == 2
    assert errors == []


def test_every_chapter_4_slider_from_the_keyboard(chapter_4):
    page, errors = chapter_4
    root = page.locator(".lstm-gradient-explorer").first
    moves = [("recurrent weight scale s", "ArrowRight", 20, "weight_scale", 1.2),
             ("forget-gate bias b_f", "ArrowLeft", 40, "forget_bias", -1.0),
             ("sequence length T", "ArrowLeft", 30, "length", 70),
             ("clip threshold log10 τ (4 = off)", "ArrowLeft", 70, "clip_log10", 0.5)]
    for label, key, times, name, value in moves:
        before = drawn_paths(root)
        press(page, slider(root, label), key, times)
        data = check_against_lstm_edu(root)
        assert data[name] == pytest.approx(value, abs=1e-9)
        assert drawn_paths(root) != before            # the picture changed (b_f: the LSTM's panel)
    assert root.locator("path.lstm-series.dashed").count() == 2       # clipping is on
    assert "clip factor" in root.locator(".lstm-readout").text_content()
    assert errors == []


def test_slider_extremes_draw_sensible_pictures(chapter_4):
    page, errors = chapter_4
    root = page.locator(".lstm-gradient-explorer").first
    labels = ["recurrent weight scale s", "forget-gate bias b_f", "sequence length T",
              "clip threshold log10 τ (4 = off)"]
    for corner in [("Home", "Home", "End", "Home"), ("End", "End", "End", "Home"),
                   ("End", "Home", "Home", "End"), ("Home", "End", "End", "End")]:
        for label, key in zip(labels, corner):
            press(page, slider(root, label), key)
        data = check_against_lstm_edu(root)
        for path in root.locator("path.lstm-series").all():
            points = path_points(path.get_attribute("d"))
            assert len(points) == data["length"]
            assert np.all(np.isfinite(points))
            assert np.all((points[:, 1] >= TOP_MARGIN - 0.01) & (points[:, 1] <= HEIGHT - BOTTOM + 0.01))
        note = root.locator(".lstm-gradient-note").text_content()
        assert ("values below 1e-30 are drawn at 1e-30" in note) == under_the_floor(data)
    assert shown(root)["weight_scale"] == 0.25
    assert "vanilla RNN: values below 1e-30" in root.locator(".lstm-gradient-note").text_content()
    assert errors == []


def test_chapter_5_cell_is_a_labelled_choice_moved_from_the_keyboard(chapter_5):
    page, errors = chapter_5
    root = page.locator(".lstm-gradient-explorer").first
    group = root.locator("fieldset.lstm-choice")
    assert group.locator("legend").text_content() == "cell (right panel)"
    labels = [label.text_content() for label in group.locator("label").all()]
    assert labels == ["LSTM", "peephole LSTM", "CIFG", "GRU (torch)", "vanilla RNN"]
    press(page, slider(root, "forget-gate bias b_f"), "ArrowRight", 20)    # b_f = 2
    press(page, slider(root, "recurrent weight scale s"), "ArrowLeft", 10)  # s = 0.9
    root.get_by_label("LSTM", exact=True).focus()
    seen = []
    for _ in range(5):
        data = check_against_lstm_edu(root)
        seen.append(data["cells"][1])
        assert data["forget_bias"] == pytest.approx(2.0) and data["weight_scale"] == pytest.approx(0.9)
        assert root.locator("svg[role=img]").nth(1).locator("path.lstm-series").count() == (
            2 if data["cells"][1] in ("lstm", "peephole", "cifg") else 1)       # + ||dL/dC_t||
        page.keyboard.press("ArrowRight")                                       # next radio button
    assert seen == ["lstm", "peephole", "cifg", "gru", "rnn"]
    assert shown(root)["cells"][1] == "lstm"                                    # wrapped round
    assert errors == []
