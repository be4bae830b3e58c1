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


# -- German -> English on the Ding sentences (lstm_edu.apps.seq2seq_de_en) -----------------

from lstm_edu.apps import seq2seq_de_en as s  # noqa: E402

GERMAN = [f"Satz {k} ist hier." for k in range(40)] + ["Das Haus ist rot."] * 2
ENGLISH = [f"Sentence {k} is here." for k in range(40)] + ["The house is red.", "The house is red!"]


def test_de_en_split_is_seeded_and_keeps_test_sentences_out_of_training():
    first = s.split_pairs(GERMAN, ENGLISH, n_test=10, seed=3)
    second = s.split_pairs(GERMAN, ENGLISH, n_test=10, seed=3)
    assert np.array_equal(first.test, second.test) and np.array_equal(first.train, second.train)
    assert len(first.test) == 10
    test_de = {GERMAN[k] for k in first.test}
    test_en = {ENGLISH[k] for k in first.test}
    assert not any(GERMAN[k] in test_de or ENGLISH[k] in test_en for k in first.train)
    assert len(first.train) + len(first.test) >= len(GERMAN) - 1  # only a shared German sentence is lost


def test_de_en_tokens_and_detokenize():
    assert s.tokenize("It's late, Sir!") == ["It", "'", "s", "late", ",", "Sir", "!"]
    assert s.detokenize(["It", "'", "s", "late", ",", "Sir", "!"]) == "It's late, Sir!"


def test_de_en_vocabulary_caps_and_maps_unknown_words():
    vocab = s.Vocabulary(["a b b c c c"], size=2)
    assert vocab.tokens == s.SPECIALS + ("c", "b")
    assert vocab.encode("a b c") == [s.UNK, 5, 4]


def test_de_en_word_by_word_uses_the_lexicon_and_copies_the_rest():
    assert s.word_by_word(["Das Haus ist Rot."], {"haus": "house", "rot": "red"}) == ["Das house ist red."]


def test_de_en_chrf_values():
    assert s.chrf(["The house is red."], ["The house is red."]) == pytest.approx(100.0)
    assert s.chrf(["xyz"], ["The house is red."]) == pytest.approx(0.0)
    by_length = s.chrf_by_length(["a b c", "The house is red."], ["x y z", "The house is red."])
    whole = s.chrf(["a b c", "The house is red."], ["x y z", "The house is red."])
    assert by_length["3-5"] == pytest.approx(whole)
    assert np.isnan(by_length["6-8"]) and np.isnan(by_length["9-12"])
    with pytest.raises(ValueError, match="expected 1 strings"):
        s.chrf([], ["a"])


def test_de_en_tiny_training_is_bit_for_bit_reproducible_and_results_round_trip(tmp_path):
    import torch

    torch.set_num_threads(1)
    config = s.WordSeq2SeqConfig(vocab=50, embed_size=8, hidden_size=16, steps=30, batch_size=8, lr=1e-2,
                                 seed=0)
    vec_a, run_a = s._train_one(GERMAN[:30], ENGLISH[:30], GERMAN[30:33], ENGLISH[30:33], config, 0)
    vec_b, run_b = s._train_one(GERMAN[:30], ENGLISH[:30], GERMAN[30:33], ENGLISH[30:33], config, 0)
    assert np.array_equal(vec_a, vec_b) and repr(run_a) == repr(run_b)  # repr: NaN for empty length bins
    assert run_a["loss"][0] > 0 and vec_a.dtype == np.float16
    split = s.Split(train=np.arange(30), test=np.arange(30, 33))
    s.write_results([vec_a], [run_a], split, tmp_path, config)
    payload, models, source_vocab, target_vocab = s.load_results(GERMAN, ENGLISH, split, tmp_path)
    assert payload["runs"][0]["seed"] == 0
    hypotheses = s.translate(models[0], source_vocab, target_vocab, GERMAN[30:33])
    assert s.chrf(hypotheses, ENGLISH[30:33]) == pytest.approx(run_a["test_chrf"], abs=1e-4)
    (tmp_path / "translation_seed0.npy").write_bytes(b"corrupt")
    with pytest.raises(ValueError, match="checksum differs"):
        s.load_results(GERMAN, ENGLISH, split, tmp_path)


def test_de_en_error_profile_counts():
    profile = s.error_profile(["The the house.", "A <unk> is red.", "Yes."],
                              ["The house.", "A car is red.", "Yes."])
    assert profile["exact"] == pytest.approx(1 / 3)
    assert profile["unknown"] == pytest.approx(1 / 3)
    assert profile["repeat"] == pytest.approx(0.0)  # "The the" differs in case
    assert profile["length_ratio"] == pytest.approx(1.0)
    assert s.error_profile(["a a b"], ["a b c"])["repeat"] == 1.0
    assert s.error_profile(["<unk> <unk> b"], ["a b c"])["repeat"] == 0.0
