"""Text generation app: corpus, n-gram baseline, temperature, sampling, indicators, the cell view."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from lstm_edu.apps.text_generation import (
    CharLSTM,
    CharLSTMConfig,
    CharVocabulary,
    NGramModel,
    activation_html,
    apply_temperature,
    best_cells,
    bits_per_char,
    cell_states,
    code_indicators,
    load_corpus,
    lstm_bits_per_char,
    sample,
    train_char_lstm,
    windowed_bits_per_char,
)

torch.set_num_threads(1)  # these tests train tiny models; extra threads only contend


def test_corpus_reads_whole_ascii_files(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("s = 'caf\u00e9'\n", encoding="utf-8")
    corpus = load_corpus(["a.py"], "b.py", root=tmp_path)
    assert corpus.train == "x = 1\n" and corpus.held_out == "s = 'caf?'\n"
    with pytest.raises(ValueError, match="held_out_module"):
        load_corpus(["a.py"], "a.py", root=tmp_path)
    with pytest.raises(FileNotFoundError, match="missing.py"):
        load_corpus(["missing.py"], "b.py", root=tmp_path)


def test_stdlib_corpus_is_available_offline():
    corpus = load_corpus()
    assert len(corpus.train) > 100_000 and corpus.held_out.startswith('"""Text wrapping')
    assert max(map(ord, corpus.train)) < 128


def test_vocabulary_round_trip_and_unknowns():
    vocab = CharVocabulary("abc")
    assert vocab.decode(vocab.encode("cab")) == "cab"
    assert vocab.decode(vocab.encode("az")) == "a?"


def test_ngram_probabilities_on_a_tiny_text():
    vocab = CharVocabulary("ab")  # alphabet ?, a, b
    model = NGramModel(vocab, order=2, alpha=1.0).fit("abab")
    # unigram: counts a=2, b=2, ?=0 -> (count + 1 * 1/3) / (4 + 1)
    unigram = np.array([1 / 3, 2 + 1 / 3, 2 + 1 / 3]) / 5
    # after "a": always "b" (2 times) -> (count + unigram) / (2 + 1)
    expected = (np.array([0.0, 0.0, 2.0]) + unigram) / 3
    np.testing.assert_allclose(model.distribution("a"), expected)
    np.testing.assert_allclose(model.distribution("xa").sum(), 1.0)
    ids = vocab.encode("ab")
    assert bits_per_char(model, "ab") == pytest.approx(-np.log2(expected[ids[1]]))


def test_temperature_sharpens_and_flattens():
    logits = np.array([2.0, 1.0, 0.0])
    np.testing.assert_allclose(apply_temperature(logits, 1.0), np.exp(logits) / np.exp(logits).sum())
    cold, hot = apply_temperature(logits, 0.1), apply_temperature(logits, 10.0)
    assert cold[0] > 0.99 and np.ptp(hot) < 0.1
    with pytest.raises(ValueError, match="temperature"):
        apply_temperature(logits, 0.0)


def test_code_indicators_on_known_source():
    source = "x = f('a(b', [1,\n      2])  # hi\nif x:\n    y = 'q'\n"
    ind = code_indicators(source)
    at = source.index
    assert ind["in_string"][at("'a(b'") : at("'a(b'") + 5].tolist() == [1.0] * 5
    assert ind["in_string"][at("x =")] == 0.0
    assert ind["bracket_depth"][at("a(b")] == 1.0  # the "(" in the string does not count
    assert ind["bracket_depth"][at("1,")] == 2.0
    assert ind["bracket_depth"][at("  # hi")] == 0.0
    assert ind["in_comment"][at("# hi")] == 1.0 and ind["in_comment"][at("if")] == 0.0
    assert ind["indent"][at("y =")] == 4.0 and ind["indent"][at("if")] == 0.0
    with pytest.raises(ValueError, match="valid Python"):
        code_indicators("x = (\n")


def test_best_cells_finds_the_planted_cell():
    rng = np.random.default_rng(0)
    indicator = (rng.random(500) > 0.5).astype(float)
    states = rng.normal(size=(500, 6))
    states[:, 4] = -2.0 * indicator + 0.1 * rng.normal(size=500)
    states[:, 2] = 1.0  # constant
    found = best_cells(states, indicator, top=2)
    assert found[0][0] == 4 and found[0][1] < -0.95
    assert all(cell != 2 for cell, _ in found)


def test_activation_html_colours_by_value():
    out = activation_html("a<b\n", np.array([1.0, -0.5, 0.0, 2.0]), limit=1.0)
    assert "rgba(220,50,47,1.00)\">a<" in out
    assert "rgba(38,139,210,0.50)\">&lt;<" in out
    assert out.count("<span") == 3  # the newline is plain text


def test_char_lstm_learns_a_repeating_text_and_samples_deterministically():
    text = "abcabcabcabc" * 40
    vocab = CharVocabulary(text)
    model, result = train_char_lstm(text, vocab, CharLSTMConfig(embed_size=8, hidden_size=16, seq_length=12,
                                                                steps=80, batch_size=16, lr=3e-2))
    assert lstm_bits_per_char(model, text[:60], vocab) < 0.5
    assert sample(model, vocab, "ab", 9, temperature=0.5, seed=1) == "cabcabcab"
    assert sample(model, vocab, "ab", 20, 1.0, seed=3) == sample(model, vocab, "ab", 20, 1.0, seed=3)
    trace = cell_states(model, "abca", vocab)
    assert trace.c.shape == (1, 4, 16)
    # the numpy twin reproduces torch's hidden states
    import torch

    with torch.no_grad():
        hidden, _ = model.lstm(model.embed(torch.as_tensor(vocab.encode("abca"))[None]))
    np.testing.assert_allclose(trace.h, hidden.double().numpy(), atol=1e-5)


def test_untrained_model_can_be_traced():
    vocab = CharVocabulary("xy")
    trace = cell_states(CharLSTM(len(vocab), 4, 5), "xyx", vocab)
    assert trace.c.shape == (1, 3, 5) and np.isfinite(trace.c).all()


def test_bits_per_char_at_chosen_positions():
    vocab = CharVocabulary("ab")
    model = NGramModel(vocab, order=2).fit("abab" * 5)
    text = "abba"
    ids = vocab.encode(text)
    prob = model.probabilities(ids, ids)
    assert bits_per_char(model, text, positions=[1, 3]) == pytest.approx(-np.log2(prob[[1, 3]]).mean())
    assert bits_per_char(model, text, positions=[1, 2, 3]) == pytest.approx(bits_per_char(model, text))
    with pytest.raises(ValueError, match="positions"):
        bits_per_char(model, text, positions=[0])


def test_windowed_bits_per_char_is_a_context_ablation():
    torch.manual_seed(0)
    text = "def f(x):\n    return x\n" * 3
    vocab = CharVocabulary(text)
    model = CharLSTM(len(vocab), 4, 8).eval()
    positions = np.array([10, 20, 30, 40])
    full = windowed_bits_per_char(model, text, vocab, None, positions)
    # one pass over all characters scores the same as averaging the chosen positions' losses
    with torch.no_grad():
        ids = torch.as_tensor(vocab.encode(text))
        logits = model(ids[None, :-1])[0]
        nll = torch.nn.functional.cross_entropy(logits, ids[1:], reduction="none").numpy() / np.log(2)
    assert full == pytest.approx(nll[positions - 1].mean(), rel=1e-6)
    # a window that reaches back to the start of the text is the whole history
    assert windowed_bits_per_char(model, text, vocab, 10, [10]) == pytest.approx(
        windowed_bits_per_char(model, text, vocab, None, [10]), rel=1e-5)
    # a one-character window depends on that character only
    with torch.no_grad():
        logits = model(ids[positions - 1][:, None])[:, -1]
        expected = torch.nn.functional.cross_entropy(logits, ids[positions])
    bits = float(expected) / np.log(2)
    assert windowed_bits_per_char(model, text, vocab, 1, positions) == pytest.approx(bits, rel=1e-6)
    with pytest.raises(ValueError, match="window"):
        windowed_bits_per_char(model, text, vocab, 11, positions)
    with pytest.raises(ValueError, match="positions"):
        windowed_bits_per_char(model, text, vocab, 2, [len(text)])


# -- the Moby-Dick model (lstm_edu.apps.char_model) ---------------------------------------

from lstm_edu.apps.char_model import (  # noqa: E402
    english_indicators,
    load_results,
    pack_weights,
    split_chapters,
    train_seeds,
    unpack_weights,
    untrained_char_lstm,
    write_results,
)


def test_split_chapters_cuts_at_headings():
    text = "CHAPTER 1. A\nx\nCHAPTER 2. B\ny\nCHAPTER 3. C\nz\n"
    split = split_chapters(text, validation_from=2, test_from=3)
    expected = ("CHAPTER 1. A\nx\n", "CHAPTER 2. B\ny\n", "CHAPTER 3. C\nz\n")
    assert (split.train, split.validation, split.test) == expected
    with pytest.raises(ValueError, match="CHAPTER 4"):
        split_chapters(text, validation_from=2, test_from=4)
    with pytest.raises(ValueError, match="validation_from"):
        split_chapters(text, validation_from=3, test_from=2)


def test_english_indicators_on_known_text():
    text = "He said “Go.” Then\n“A\n\nB” ok. No!"
    ind = english_indicators(text)
    at = text.index
    quoted = "".join(ch for ch, q in zip(text, ind["in_quote"]) if q)
    assert quoted == "“Go.”“A\n"  # the blank line ends the open quotation; the stray ” opens nothing
    assert ind["line_position"][at("Then")] == 14 and ind["line_position"][at("“A")] == 0
    assert ind["line_position"][at("\n\n")] == 2  # the newline is the line's last character
    assert ind["since_sentence_end"][at(".”")] == 0 and ind["since_sentence_end"][at("”")] == 1
    assert ind["since_sentence_end"][at("No")] == 2 and ind["since_sentence_end"][at("!")] == 0
    assert ind["since_sentence_end"][0] == 1


def test_weights_round_trip_and_the_untrained_start():
    from lstm_edu.apps.text_generation import CharLSTMConfig

    config = CharLSTMConfig(embed_size=3, hidden_size=4, seq_length=5, steps=1, batch_size=2, seed=7)
    model = untrained_char_lstm(6, config)
    vector = pack_weights(model)
    # embedding 6x3, LSTM 4*4*(3+4) + 2*16, head 4*6 + 6
    assert vector.dtype == np.float32 and vector.shape == (18 + 112 + 32 + 30,)
    again = unpack_weights(vector, 6, config)
    ids = torch.tensor([[0, 3, 5, 1]])
    with torch.no_grad():
        assert torch.equal(model(ids), again(ids))
    assert np.array_equal(pack_weights(untrained_char_lstm(6, config)), vector)  # same seed, same start
    with pytest.raises(ValueError, match="vector"):
        unpack_weights(vector[:-1], 6, config)


def test_results_file_round_trip_is_reproducible(tmp_path):
    from lstm_edu.apps.text_generation import CharLSTMConfig

    text = "".join(f"CHAPTER {k}. T\nthe cat sat on the mat. the dog ran.\n" for k in range(1, 7))
    split = split_chapters(text, validation_from=4, test_from=5)
    config = CharLSTMConfig(embed_size=4, hidden_size=8, seq_length=10, steps=5, batch_size=4, lr=1e-2)
    models, runs = train_seeds(split, config, seeds=(0, 1))
    first = write_results(models, runs, split, tmp_path / "a", config)
    models2, runs2 = train_seeds(split, config, seeds=(0, 1), workers=2)  # the same bytes from two processes
    second = write_results(models2, runs2, split, tmp_path / "b", config)
    for name in ("text_generation.json", "text_generation_seed0.npy", "text_generation_seed1.npy"):
        assert (first.parent / name).read_bytes() == (second.parent / name).read_bytes()
    vocab = CharVocabulary(split.train)
    payload, loaded = load_results(vocab, first.parent)
    assert [run["seed"] for run in payload["runs"]] == [0, 1]
    assert payload["split"]["characters"] == [len(split.train), len(split.validation), len(split.test)]
    test_bits = payload["runs"][1]["test_bits"]
    assert lstm_bits_per_char(loaded[1], split.test, vocab) == pytest.approx(test_bits, rel=1e-6)
    (first.parent / "text_generation_seed1.npy").write_bytes(b"x")
    with pytest.raises(ValueError, match="checksum"):
        load_results(vocab, first.parent)


def test_cell_trace_equals_the_numpy_lstm():
    from lstm_edu.apps.char_model import cell_trace

    torch.manual_seed(1)
    text = "Call me Ishmael. “Some years ago”—never mind.\n"
    vocab = CharVocabulary(text)
    model = CharLSTM(len(vocab), 5, 7).eval()
    expected = cell_states(model, text, vocab).c[0]
    assert expected.shape == (len(text), 7)
    np.testing.assert_allclose(cell_trace(model, text, vocab), expected, atol=1e-5)


def test_the_pages_names_stay_importable_from_text_generation():
    """The corpus, the n-gram baseline and the cell view live in their own modules; the
    page imports them from lstm_edu.apps.text_generation, which re-exports the same objects."""
    from lstm_edu.apps import activation_view, cell_activations, char_corpus, char_ngram, text_generation

    for module in (activation_view, cell_activations, char_corpus, char_ngram):
        for name in module.__all__:
            if name in text_generation.__all__:
                assert getattr(text_generation, name) is getattr(module, name), name


def test_check_positions_accepts_scorable_characters_only():
    from lstm_edu.apps.char_corpus import check_positions

    np.testing.assert_array_equal(check_positions([1, 4], 5), [1, 4])
    assert check_positions(np.array([2], dtype=np.int32), 5).dtype == np.int64
    with pytest.raises(ValueError, match=r"positions: expected values in \[1, 4\], got 0..4"):
        check_positions([0, 4], 5)
    with pytest.raises(ValueError, match="positions: expected a non-empty 1-d array of ints"):
        check_positions([1.0], 5)
