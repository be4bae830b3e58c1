"""Translation app: number words, the split, encodings, baseline, seq2seq learning."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from lstm_edu.apps.translation import (
    BOS,
    EOS,
    PAD,
    TARGET_TOKENS,
    Seq2SeqConfig,
    edit_distance,
    encode_source,
    encode_target,
    exact_match,
    greedy_decode,
    make_split,
    nearest_neighbour,
    number_to_words,
    train_seq2seq,
    words_to_number,
)

torch.set_num_threads(1)  # these tests train tiny models; extra threads only contend


@pytest.mark.parametrize(
    "n, words",
    [(0, "zero"), (7, "seven"), (15, "fifteen"), (40, "forty"), (42, "forty two"), (100, "one hundred"),
     (101, "one hundred one"), (1010, "one thousand ten"), (4207, "four thousand two hundred seven"),
     (9999, "nine thousand nine hundred ninety nine")],
)
def test_number_to_words_known_values(n, words):
    assert number_to_words(n) == words


def test_words_to_number_inverts_every_number():
    assert all(words_to_number(number_to_words(n)) == n for n in range(10_000))
    with pytest.raises(ValueError, match="n:"):
        number_to_words(10_000)
    with pytest.raises(ValueError, match="eleventy"):
        words_to_number("eleventy one")


def test_split_is_disjoint_and_seeded():
    train, test = make_split(300, 100, seed=4)
    assert len(set(train) | set(test)) == 400
    np.testing.assert_array_equal(train, make_split(300, 100, seed=4)[0])


def test_encodings_pad_and_mark_begin_and_end():
    source, lengths = encode_source([5, 1234])
    assert lengths.tolist() == [1, 6] and source.shape == (2, 6) and (source[0, 1:] == PAD).all()
    inputs, targets = encode_target([5, 1234])
    digit = {d: TARGET_TOKENS.index(d) for d in "0123456789"}
    assert inputs[1].tolist() == [BOS, digit["1"], digit["2"], digit["3"], digit["4"]]
    assert targets[1].tolist() == [digit["1"], digit["2"], digit["3"], digit["4"], EOS]
    assert targets[0].tolist() == [digit["5"], EOS, PAD, PAD, PAD]


def test_edit_distance_known_values():
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance([], [1, 2]) == 2
    assert edit_distance("abc", "abc") == 0


def test_nearest_neighbour_returns_the_closest_training_number():
    train = np.array([300, 41, 7000])
    assert nearest_neighbour(train, [41]) == ["41"]
    assert nearest_neighbour(train, [42]) == ["41"]  # "forty two" is one word from "forty one"
    assert nearest_neighbour(train, [7001]) == ["7000"]


def test_exact_match():
    assert exact_match(["12", "7"], [12, 8]) == 0.5


def test_seq2seq_learns_two_digit_numbers():
    numbers = np.arange(10, 100)
    model, result = train_seq2seq(numbers, Seq2SeqConfig(hidden_size=32, steps=150, batch_size=32, lr=1e-2))
    assert result.loss[-1] < 0.2 * result.loss[0]
    outputs, probabilities = greedy_decode(model, numbers, max_length=3)
    assert exact_match(outputs, numbers) > 0.8
    assert probabilities.shape == (90, 3, len(TARGET_TOKENS))
    np.testing.assert_allclose(probabilities.sum(-1), 1.0, rtol=1e-5)
