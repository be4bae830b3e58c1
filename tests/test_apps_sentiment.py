"""Sentiment app: the sentence generator obeys its grammar; the baselines behave as claimed."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from lstm_edu.apps.sentiment import (
    KINDS,
    BagOfWords,
    Sentence,
    accuracy_by_kind,
    gate_trace,
    LSTMClassifierConfig,
    SentenceConfig,
    Vocabulary,
    clause_polarity,
    generate_sentences,
    predict_lstm,
    running_scores,
    train_lstm_classifier,
)

torch.set_num_threads(1)  # these tests train tiny models; extra threads only contend


def expected_label(text: str) -> int:
    """Label by the grammar, recomputed independently of the generator."""
    if " but " in text:
        return int(clause_polarity(text.split(" but ")[1]) > 0)
    clauses = text.split(" and ")
    polarities = {clause_polarity(c) for c in clauses}
    assert len(polarities) == 1, f"'and' joins clauses of different polarity: {text!r}"
    return int(polarities.pop() > 0)


def test_generated_labels_follow_the_grammar():
    sentences = generate_sentences(2000, seed=0, config=SentenceConfig(weights=(1, 1, 1, 1)))
    for s in sentences:
        assert s.label == expected_label(s.text), s
        if s.kind == "but":
            first, second = s.text.split(" but ")
            assert clause_polarity(first) == -clause_polarity(second)
        if s.kind == "negated":
            assert " not " in s.text
        if s.kind == "plain":
            assert " not " not in s.text and " and " not in s.text and " but " not in s.text
    kinds = [s.kind for s in sentences]
    assert {k: kinds.count(k) for k in KINDS} == pytest.approx({k: 500 for k in KINDS}, abs=60)
    assert np.mean([s.label for s in sentences]) == pytest.approx(0.5, abs=0.04)


def test_generator_is_seeded_and_validated():
    assert generate_sentences(5, seed=7) == generate_sentences(5, seed=7)
    assert generate_sentences(5, seed=7) != generate_sentences(5, seed=8)
    with pytest.raises(ValueError, match="weights"):
        SentenceConfig(weights=(1, 1))
    with pytest.raises(ValueError, match="negation_rate"):
        SentenceConfig(negation_rate=1.5)


def test_swapping_but_clauses_keeps_the_bag_and_flips_the_label():
    text = "the plot is dull but the acting is great"
    swapped = "the acting is great but the plot is dull"
    assert sorted(text.split()) == sorted(swapped.split())
    assert expected_label(text) == 1 and expected_label(swapped) == 0


def test_vocabulary_encodes_and_rejects_unknown_words():
    vocab = Vocabulary()
    assert vocab.words[0] == "<pad>" and len(set(vocab.words)) == len(vocab)
    ids = vocab.encode("the movie is not good")
    assert [vocab.words[k] for k in ids] == ["the", "movie", "is", "not", "good"]
    with pytest.raises(ValueError, match="excellent"):
        vocab.encode("the movie is excellent")


def test_bag_of_words_counts_and_learns_plain_sentences_but_not_negation():
    vocab = Vocabulary()
    bow = BagOfWords(vocab)
    counts = bow.counts(["the movie is good and the plot is good"])
    assert counts[0, vocab.index["good"]] == 2 and counts[0, vocab.index["the"]] == 2
    assert counts.sum() == 9
    plain = generate_sentences(600, seed=1, config=SentenceConfig(weights=(1, 0, 0, 0)))
    bow.fit([s.text for s in plain], [s.label for s in plain])
    assert bow.word_weight("good") > 0 > bow.word_weight("bad")
    accuracy = np.mean((bow.predict_proba([s.text for s in plain]) > 0.5) == [s.label for s in plain])
    assert accuracy == 1.0
    # plain + negated is an XOR of adjective and "not": a linear model gets at most 3 of the
    # 4 patterns right (good, bad, not good, not bad), even on its own training data
    mixed = generate_sentences(800, seed=2, config=SentenceConfig(weights=(1, 1, 0, 0)))
    bow = BagOfWords(vocab).fit([s.text for s in mixed], [s.label for s in mixed])
    accuracy = np.mean((bow.predict_proba([s.text for s in mixed]) > 0.5) == [s.label for s in mixed])
    assert accuracy <= 0.76


def test_lstm_classifier_learns_negation_on_a_small_problem():
    vocab = Vocabulary()
    config = SentenceConfig(weights=(1, 1, 0, 0))
    train = generate_sentences(400, seed=2, config=config)
    test = generate_sentences(200, seed=3, config=config)
    model, result = train_lstm_classifier([s.text for s in train], [s.label for s in train], vocab,
                                          LSTMClassifierConfig(hidden_size=8, steps=120, batch_size=32, lr=3e-2))
    assert result.loss[-1] < 0.3 * result.loss[0]
    accuracy = np.mean((predict_lstm(model, [s.text for s in test], vocab) > 0.5) == [s.label for s in test])
    assert accuracy > 0.9
    scores = running_scores(model, "the movie is not good", vocab)
    assert scores.shape == (5,)
    trace = gate_trace(model, "the movie is not good", vocab)
    assert trace.c.shape == (1, 5, 8) and trace.f.shape == (1, 5, 8)
    # the numpy twin's hidden states give the same running scores through the readout
    head = model.head.weight.detach().double().numpy()
    bias = model.head.bias.detach().double().numpy()
    logits = trace.h[0] @ head.T + bias
    np.testing.assert_allclose(logits[:, 1] - logits[:, 0], scores, atol=1e-4)
    final = predict_lstm(model, ["the movie is not good"], vocab)[0]
    # the last running score is the classifier's own logit difference
    assert scores[-1] == pytest.approx(np.log(final / (1 - final)), rel=1e-4, abs=1e-4)


def test_bag_of_words_running_scores_add_word_weights():
    vocab = Vocabulary()
    bow = BagOfWords(vocab)
    bow.weights[vocab.index["good"]], bow.weights[vocab.index["not"]], bow.bias = 2.0, -0.5, 0.25
    np.testing.assert_allclose(bow.running_scores("the movie is not good"), [0.25, 0.25, 0.25, -0.25, 1.75])


def test_accuracy_by_kind():
    sentences = [Sentence("a", 1, "plain"), Sentence("b", 0, "plain"), Sentence("c", 1, "but")]
    assert accuracy_by_kind([0.9, 0.8, 0.2], sentences) == {"plain": 0.5, "but": 0.0, "all": pytest.approx(1 / 3)}


def test_bag_of_bigrams_counts_adjacent_pairs_and_sees_dull_but():
    vocab = Vocabulary()
    V = len(vocab)
    bow = BagOfWords(vocab, bigrams=True)
    counts = bow.counts(["the movie is not good"])
    assert counts.shape == (1, V + V * V) and counts.sum() == 5 + 4
    assert counts[0, V + vocab.index["not"] * V + vocab.index["good"]] == 1
    bow.weights[vocab.index["good"]], bow.bias = 1.0, 0.5
    bow.weights[V + vocab.index["not"] * V + vocab.index["good"]] = -3.0
    assert bow.pair_weight("not", "good") == -3.0
    np.testing.assert_allclose(bow.running_scores("the movie is not good"), [0.5, 0.5, 0.5, 0.5, -1.5])
    with pytest.raises(ValueError, match="bigrams"):
        BagOfWords(vocab).pair_weight("not", "good")
    with pytest.raises(TypeError, match="bigrams"):
        BagOfWords(vocab, bigrams="yes")
    # pairs that span "but" tell which clause came first: trained on contrast sentences,
    # "dull but" (a negative first clause) pushes towards positive, "great but" towards negative
    data = generate_sentences(1500, seed=4, config=SentenceConfig(weights=(1, 1, 1, 1)))
    bow = BagOfWords(vocab, bigrams=True).fit([s.text for s in data], [s.label for s in data])
    assert bow.pair_weight("dull", "but") > 0 > bow.pair_weight("great", "but")
    plain_bow = BagOfWords(vocab).fit([s.text for s in data], [s.label for s in data])
    accuracy = accuracy_by_kind(bow.predict_proba([s.text for s in data]), data)
    plain = accuracy_by_kind(plain_bow.predict_proba([s.text for s in data]), data)
    assert accuracy["but"] > plain["but"] + 0.1 and accuracy["negated"] > plain["negated"] + 0.1
