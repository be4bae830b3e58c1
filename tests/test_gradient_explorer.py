"""The live gradient explorers: traits, the data they ship to the browser, the text alternative."""
import json
import math

import numpy as np
import pytest

from lstm_edu.gradient_flow import (
    CELL_LABELS,
    CELL_TYPES,
    GradientSetup,
    build_model,
    clip_factor,
    gradient_curves,
)
from lstm_edu.widgets.gradient_explorer import (
    CLIP_OFF,
    CONTROLS,
    GradientExplorer,
    VariantGradientExplorer,
    describe,
    explorer_cell,
    format_number,
)

SETUP = GradientSetup()


@pytest.fixture(scope="module")
def explorer():
    return GradientExplorer()


@pytest.fixture(scope="module")
def variant_explorer():
    return VariantGradientExplorer()


def test_defaults_and_shipped_data(explorer):
    controls = (explorer.weight_scale, explorer.forget_bias, explorer.length, explorer.clip_log10)
    assert controls == (1.0, 1.0, 100, 4.0)
    assert explorer.cell == "lstm" and explorer.choices == ["lstm"]
    assert set(explorer.models) == {"rnn", "lstm"}
    np.testing.assert_array_equal(explorer.inputs, SETUP.inputs()[:, 0])            # (T, D)
    np.testing.assert_array_equal(explorer.loss_direction, SETUP.loss_direction()[0])
    assert explorer.floor == SETUP.floor
    assert explorer.steps == {name: control[2] for name, control in CONTROLS.items()}
    state = explorer.get_state()
    assert "export default" in state["_esm"] and "explorerCurves" in state["_esm"]
    assert ".lstm-gradient-panels" in state["_css"]
    json.dumps({k: v for k, v in state.items() if k != "layout"})                # JSON-ready


@pytest.mark.parametrize("cell", CELL_TYPES)
def test_shipped_weights_are_the_model_at_unit_scale_and_zero_bias(cell):
    packed = explorer_cell(cell, SETUP)
    params = build_model(cell, 1.0, 0.0, SETUP).params
    assert set(packed["weights"]) == set(params.arrays())
    for name, array in params.arrays().items():
        np.testing.assert_array_equal(np.array(packed["weights"][name]), array)
    assert packed["label"] == CELL_LABELS[cell]
    assert packed["kind"] == {"rnn": "rnn", "gru": "gru"}.get(cell, "lstm")
    assert packed["forget_block"] == (None if cell == "rnn" else 1)
    if packed["kind"] == "lstm":
        assert packed["flags"]["peepholes"] == (cell == "peephole")
        assert packed["flags"]["coupled"] == (cell == "cifg")
    else:
        assert packed["flags"] is None


def test_python_sets_a_trait_and_the_description_follows(explorer):
    explorer.forget_bias = 3
    assert explorer.forget_bias == 3.0
    curves = gradient_curves("lstm", 1.0, 3.0, 100, SETUP)
    assert f"||dL/dh_1|| = {format_number(curves.h_norm[0])}" in explorer.description
    assert "b_f = 3," in explorer.description
    explorer.weight_scale = np.float32(2.5)                                          # numpy scalars
    explorer.length = np.int64(40)
    assert explorer.weight_scale == 2.5 and explorer.length == 40
    assert explorer.description == describe("lstm", 2.5, 3.0, 40, CLIP_OFF, SETUP)
    explorer.forget_bias, explorer.weight_scale, explorer.length = 1.0, 1.0, 100


def test_description_states_the_key_numbers_and_the_clip_factor():
    text = describe("gru", 2.5, 1.0, 100, 0.0, SETUP)
    rnn, gru = (gradient_curves(cell, 2.5, 1.0, 100, SETUP) for cell in ("rnn", "gru"))
    assert "clipping threshold τ = 1." in text and "GRU (torch) (right)" in text
    assert f"vanilla RNN: ||dL/dh_1|| = {format_number(rnn.h_norm[0])}" in text
    assert f"parameter-gradient norm {format_number(rnn.param_norm)}, clipped by the factor " \
           f"{format_number(clip_factor(rnn.param_norm, 1.0))}." in text
    assert f"GRU (torch): ||dL/dh_1|| = {format_number(gru.h_norm[0])}" in text
    assert "||dL/dC_1||" not in text                                                 # no cell state
    lstm_text = describe("lstm", 0.5, 1.0, 20, 3.5, SETUP)
    assert "||dL/dC_1||" in lstm_text and "not clipped." in lstm_text
    assert "no clipping" in describe("lstm", 0.5, 1.0, 20, CLIP_OFF, SETUP)


@pytest.mark.parametrize("value, text", [(0, "0"), (1.0, "1"), (100.0, "100"), (0.4466835, "0.447"),
                                         (12.345, "12.3"), (1234.5, "1230"), (12345.0, "1.23e4"),
                                         (2.96e-8, "2.96e-8"), (-0.0012345, "-0.00123"),
                                         (1e-300, "1.00e-300"), (math.inf, "Infinity")])
def test_format_number_writes_what_controls_js_writes(value, text):
    assert format_number(value) == text


def test_variant_explorer_offers_every_cell_as_a_named_choice(variant_explorer):
    assert variant_explorer.choices == list(CELL_TYPES)
    assert set(variant_explorer.models) == set(CELL_TYPES)
    variant_explorer.cell = "cifg"
    assert "the CIFG (right)" in variant_explorer.description
    variant_explorer.cell = "lstm"


@pytest.mark.parametrize("settings", [dict(weight_scale=0.25, forget_bias=-2.0, length=100, clip_log10=-1.0),
                                      dict(weight_scale=3.0, forget_bias=6.0, length=100, clip_log10=-1.0),
                                      dict(weight_scale=3.0, forget_bias=-2.0, length=5, clip_log10=4.0)])
@pytest.mark.parametrize("cell", CELL_TYPES)
def test_every_extreme_gives_finite_positive_numbers(cell, settings):
    """What the page draws at the sliders' corners: finite norms (zero ones are drawn at the floor)."""
    curves = gradient_curves(cell, settings["weight_scale"], settings["forget_bias"], settings["length"],
                             SETUP)
    assert np.all(np.isfinite(curves.h_norm)) and np.all(curves.h_norm >= 0)
    assert math.isfinite(curves.param_norm) and curves.param_norm > 0
    text = describe(cell, setup=SETUP, **settings)
    assert "nan" not in text.lower() and "infinity" not in text.lower()


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: GradientExplorer(cell="transformer"), ValueError, "cell: expected one of"),
        (lambda: GradientExplorer(setup="big"), TypeError, "setup"),
        (lambda: GradientExplorer(setup=GradientSetup(max_length=4)), ValueError, "setup.max_length"),
        (lambda: GradientExplorer(weight_scale=10.0), ValueError, "weight_scale: expected a value in"),
        (lambda: GradientExplorer(forget_bias="1"), TypeError, "forget_bias"),
        (lambda: GradientExplorer(length=101), ValueError, "length: expected an int in"),
        (lambda: GradientExplorer(length=50.0), TypeError, "length"),
        (lambda: GradientExplorer(clip_log10=float("nan")), ValueError, "clip_log10"),
        (lambda: GradientExplorer(cell="gru", choices=("lstm",)), ValueError,
         "cell: expected one of the choices"),
        (lambda: VariantGradientExplorer(cell="x"), ValueError, "cell"),
        (lambda: describe("lstm", 1.0, 1.0, 10, "off"), TypeError, "clip_log10"),
    ],
)
def test_bad_arguments_name_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("name, value, error", [("forget_bias", 6.5, ValueError),
                                                ("weight_scale", 0.0, ValueError),
                                                ("length", 4, ValueError), ("length", "5", TypeError),
                                                ("clip_log10", None, TypeError), ("cell", "gru", ValueError)])
def test_bad_trait_values_are_refused_and_the_last_good_state_kept(explorer, name, value, error):
    before = getattr(explorer, name), explorer.description
    with pytest.raises(error, match=name):
        setattr(explorer, name, value)
    assert (getattr(explorer, name), explorer.description) == before
