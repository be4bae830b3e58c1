"""Number agreement: the task, the trained network and the gates read from lstm_edu's twin."""
import numpy as np
import pytest
import torch

from lstm_edu.agreement import (
    FILLERS,
    VOCABULARY,
    AgreementConfig,
    AgreementModel,
    accuracy,
    encode,
    make_batch,
    number_unit,
    strategy,
    train_agreement,
    unit_gates,
)


def test_batches_start_with_the_subject_and_end_with_the_verb_slot():
    x, numbers = make_batch(50, 6, np.random.default_rng(0))
    assert x.shape == (50, 8, len(VOCABULARY)) and numbers.shape == (50,)
    words = np.array(VOCABULARY)[x.argmax(axis=2)]                      # (B, T)
    np.testing.assert_array_equal(words[:, 0], np.where(numbers == 0, "cat", "cats"))
    assert set(words[:, 1:-1].ravel()) <= set(FILLERS) and (words[:, -1] == "?").all()
    np.testing.assert_array_equal(x.sum(axis=2), 1.0)                   # one-hot


def test_encode_and_bad_input():
    np.testing.assert_array_equal(encode("cat ?").argmax(axis=1), [0, 8])
    with pytest.raises(ValueError, match="words: expected words from"):
        encode("cat runs ?")
    with pytest.raises(ValueError, match="words: expected words from"):
        encode([])
    with pytest.raises(ValueError, match="min_fillers: expected <= max_fillers"):
        AgreementConfig(min_fillers=5, max_fillers=3)
    with pytest.raises(ValueError, match="sizes too large"):
        AgreementConfig(hidden_size=10_000)
    with pytest.raises(TypeError, match="hidden_size: expected a positive int"):
        AgreementConfig(hidden_size=2.5)
    with pytest.raises(ValueError, match="seed: expected a non-negative int"):
        train_agreement(-1)
    with pytest.raises(ValueError, match="batch_size, fillers: at most"):
        make_batch(100_000, 1_000, np.random.default_rng(0))


@pytest.fixture(scope="module")
def trained():
    torch.set_num_threads(1)
    return train_agreement(0)


def test_trained_network_keeps_the_number_far_beyond_its_training_lengths(trained):
    assert accuracy(trained, 10) == 1.0 and accuracy(trained, 40) >= 0.99
    assert accuracy(AgreementModel(4).eval(), 10) < 0.8                  # untrained: near chance


def test_unit_gates_are_the_torch_modules_numbers(trained):
    sentence = "cats near the dog big old dog ?"
    unit, separation = number_unit(trained)
    assert abs(separation) > 1.5
    gates = unit_gates(trained, sentence, unit)
    with torch.no_grad():
        output, (h_n, c_n) = trained.lstm(torch.tensor(encode(sentence)[None], dtype=torch.float32))
    np.testing.assert_allclose(gates["hidden"], output[0, :, unit].numpy(), atol=1e-5)
    np.testing.assert_allclose(gates["cell"][-1], c_n[0, 0, unit].item(), atol=1e-5)
    for name in ("forget", "input", "output"):
        assert gates[name].shape == (8,) and (0 <= gates[name]).all() and (gates[name] <= 1).all()
    with pytest.raises(ValueError, match="unit: expected an int in"):
        unit_gates(trained, sentence, 4)


def test_strategy_reports_the_number_units_code(trained):
    unit, separation = number_unit(trained)
    found = strategy(trained, unit)
    assert 0 <= found["forget"] <= 1 and 0 <= found["input"] <= 1 and 0 <= found["agreeing_candidate"] <= 1
    # the sign of the separation is the sign of (plural - singular) final cell states
    assert np.sign(found["final_c_plural"] - found["final_c_singular"]) == np.sign(separation)
