"""The gate explorer: gate_patterns' sequences and the live widget's traits and checks."""
import numpy as np
import pytest

from lstm_edu.gate_patterns import (
    GATE_RANGES,
    GATE_VARIANTS,
    PATTERNS,
    GateSetup,
    GateValues,
    describe,
    distractor_values,
    gate_sequences,
    parse_sequence,
    simulate,
    variant_controls,
)
from lstm_edu.widgets.gate_explorer import GateExplorer


def recurrence(f, i, g, o, c0=0.0, tanh=True):
    """The cell update written out step by step (independent of gated_memory)."""
    c, cs = c0, []
    for t in range(len(g)):
        c = f[t] * c + i[t] * g[t]
        cs.append(c)
    cs = np.array(cs)
    return cs, np.asarray(o) * (np.tanh(cs) if tanh else cs)


@pytest.mark.parametrize("pattern", ["pulse", "constant", "distractors"])
def test_candidate_pattern(pattern):
    setup = GateSetup(pattern=pattern, steps=30, pulse=4)
    candidate = gate_sequences(setup, GateValues(candidate=-0.5))["candidate"]
    written = np.arange(30) < 4
    if pattern == "constant":
        np.testing.assert_array_equal(candidate, -0.5)
    elif pattern == "pulse":
        np.testing.assert_array_equal(candidate, np.where(written, -0.5, 0.0))
    else:
        np.testing.assert_array_equal(candidate[:4], -0.5)
        np.testing.assert_array_equal(candidate[4:], distractor_values(30, 4)[4:])
        assert np.abs(candidate[4:]).max() > 0.5 and np.abs(candidate[4:]).max() <= 1.0


def test_custom_pattern_uses_the_readers_sequence_and_its_length():
    setup = GateSetup(pattern="custom", custom=(1.0, 0.5, 0.0, -1.0))
    sequences = gate_sequences(setup, GateValues(forget=0.5, input=1.0))
    np.testing.assert_array_equal(sequences["candidate"], [1.0, 0.5, 0.0, -1.0])
    result = simulate(setup, GateValues(forget=0.5, input=1.0))
    np.testing.assert_allclose(result.c, [1.0, 1.0, 0.5, -0.75])


def _expected_gates(variant, T, f, i, o, z):
    ones = np.ones(T)
    if variant == "gru":
        return z * ones, 1 - z * ones, ones
    f_t = ones if variant == "nfg" else f * ones
    i_t = {"cifg": 1 - f_t, "nig": ones}.get(variant, i * ones)
    o_t = ones if variant == "nog" else o * ones
    return f_t, i_t, o_t


@pytest.mark.parametrize("variant", GATE_VARIANTS)
def test_variant_dynamics_against_the_recurrence(variant):
    setup = GateSetup(variant=variant, pattern="pulse", steps=24, pulse=2, c0=0.5)
    values = GateValues(forget=0.8, input=0.6, candidate=0.9, output=0.4, update=0.7)
    sequences = gate_sequences(setup, values)
    f_t, i_t, o_t = _expected_gates(variant, 24, 0.8, 0.6, 0.4, 0.7)
    np.testing.assert_allclose(sequences["forget_gate"], f_t)
    np.testing.assert_allclose(sequences["input_gate"], i_t)
    np.testing.assert_allclose(sequences["output_gate"], o_t)
    c, h = recurrence(f_t, i_t, sequences["candidate"], o_t, c0=0.5, tanh=variant not in ("noaf", "gru"))
    result = simulate(setup, values)
    np.testing.assert_allclose(result.c, c, rtol=0, atol=1e-15)
    np.testing.assert_allclose(result.h, h, rtol=0, atol=1e-15)


def test_distractors_open_the_input_gate_while_writing_and_a_closed_gate_shields_the_memory():
    setup = GateSetup(pattern="distractors", steps=30, pulse=3)
    values = GateValues(forget=1.0, input=0.0, candidate=0.5)
    np.testing.assert_array_equal(gate_sequences(setup, values)["input_gate"][:3], 1.0)
    c = simulate(setup, values).c
    np.testing.assert_allclose(c[:3], [0.5, 1.0, 1.5])
    np.testing.assert_allclose(c[3:], 1.5)  # kept exactly, distractors shut out
    assert np.abs(simulate(setup, GateValues(forget=1.0, input=1.0, candidate=0.5)).c[3:] - 1.5).max() > 0.5


@pytest.mark.parametrize("variant", GATE_VARIANTS)
@pytest.mark.parametrize("pattern", PATTERNS)
def test_every_extreme_gives_finite_bounded_values(variant, pattern):
    setup = GateSetup(variant=variant, pattern=pattern, steps=50, c0=-5.0)
    for corner in range(2 ** len(GATE_RANGES)):
        values = GateValues(**{name: GATE_RANGES[name][(corner >> k) & 1]
                               for k, name in enumerate(GATE_RANGES)})
        result = simulate(setup, values)
        assert np.isfinite(result.c).all() and np.abs(result.c).max() <= 5.0 + setup.length
        assert np.abs(result.h).max() <= max(1.0, np.abs(result.c).max())


def test_parse_sequence_reads_numbers_and_names_each_problem():
    assert parse_sequence("1, 0.5 -1  .25") == (1.0, 0.5, -1.0, 0.25)
    for text, message in [("", "at least one number"), ("1 abc", "'abc' is not a number"),
                          ("0.5 2", r"in \[-1, 1\]"), ("nan", r"in \[-1, 1\]"),
                          (" ".join(["0"] * 61), "at most 60 values")]:
        with pytest.raises(ValueError, match=message):
            parse_sequence(text)
    with pytest.raises(TypeError, match="text: expected a str"):
        parse_sequence(0.5)


def test_variant_controls():
    assert variant_controls("cifg") == ("forget", "candidate", "output")
    assert variant_controls("gru") == ("update", "candidate")
    with pytest.raises(ValueError, match="variant: expected one of"):
        variant_controls("lstm")


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"variant": "lstm"}, ValueError, "variant: expected one of"),
        ({"variant": 3}, TypeError, "variant: expected a str"),
        ({"pattern": "sine"}, ValueError, "pattern: expected one of"),
        ({"steps": 10}, ValueError, r"steps: expected an int in \[20, 50\]"),
        ({"steps": 30.0}, TypeError, "steps: expected an int"),
        ({"pulse": 0}, ValueError, "pulse: expected an int in"),
        ({"c0": 9.0}, ValueError, "c0: expected a number in"),
        ({"custom": ()}, ValueError, "custom: expected 1 to 60 values"),
        ({"custom": (0.5, 2.0)}, ValueError, r"custom: expected values in \[-1, 1\]"),
        ({"controls": ["update"]}, ValueError, "controls: variant 'vanilla' has no control"),
        ({"controls": "forget"}, TypeError, "controls: expected a sequence"),
        ({"forget": 1.5}, ValueError, r"forget: expected a number in \[0, 1\]"),
        ({"candidate": "1"}, TypeError, "candidate: expected a real number"),
        ({"bias": 1.0}, TypeError, "unknown gate"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, error, message):
    with pytest.raises(error, match=message):
        GateExplorer(**kwargs)


def test_widget_traits_carry_the_setup_and_numpy_scalars_are_numbers():
    explorer = GateExplorer(pattern="distractors", forget=np.float32(0.5), steps=np.int64(30))
    assert explorer.forget == 0.5 and explorer.steps == 30
    np.testing.assert_array_equal(explorer.distractors, distractor_values(30, 5))
    assert explorer.controls == ["forget", "input", "candidate", "output", "pattern"]
    assert "export default" in explorer._esm and "function gatedMemory" in explorer._esm


def test_setting_a_trait_from_python_recomputes_the_description():
    explorer = GateExplorer(pattern="pulse")
    before = explorer.description
    explorer.forget = np.float64(0.5)
    result = simulate(GateSetup(pattern="pulse"), GateValues(forget=0.5))
    assert explorer.description == describe(GateSetup(pattern="pulse"), GateValues(forget=0.5), result)
    assert explorer.description != before and f"ends at {result.c[-1]:.3g}" in explorer.description
    with pytest.raises(ValueError, match="output: expected a number"):
        explorer.output = -0.1
    with pytest.raises(ValueError, match="output: expected a finite number"):
        explorer.output = float("inf")
    with pytest.raises(ValueError, match="pattern: expected one of"):
        explorer.pattern = "sine"
    assert explorer.forget == 0.5 and explorer.pattern == "pulse"  # refused values change nothing
