"""Sentiment app: the sentence generator obeys its grammar; the baselines behave as claimed."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from lstm_edu.apps.sentiment import (
    KINDS,
    BagOfWords,
    LSTMClassifierConfig,
    Sentence,
    SentenceConfig,
    Vocabulary,
    accuracy_by_kind,
    clause_polarity,
    gate_trace,
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
    config = LSTMClassifierConfig(hidden_size=8, steps=120, batch_size=32, lr=3e-2)
    model, result = train_lstm_classifier([s.text for s in train], [s.label for s in train], vocab, config)
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
    assert accuracy_by_kind([0.9, 0.8, 0.2], sentences) == {"plain": 0.5, "but": 0.0,
                                                            "all": pytest.approx(1 / 3)}


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


# -- real movie-review sentences (lstm_edu.apps.sentiment_reviews) ----------------------------

from lstm_edu.apps import sentiment_reviews as reviews_app  # noqa: E402


def test_tokenize_and_corpus_vocabulary():
    assert reviews_app.tokenize("The Rock isn't ''Conan''! Is it?") == "the rock isn't conan ! is it ?"
    vocab = reviews_app.CorpusVocabulary(["a b b", "b c"], min_count=2)
    assert vocab.words == ["<pad>", "<unk>", "b"]
    assert vocab.encode("b a zebra b") == [2, 1, 1, 2]
    assert reviews_app.frequent_pairs(["a b b", "x b b"], vocab) == [("<unk>", "b"), ("b", "b")]


def test_split_is_seeded_disjoint_and_complete():
    train, validation, test = reviews_app.split_indices(100, seed=0)
    assert (len(train), len(validation), len(test)) == (70, 10, 20)
    assert sorted(np.concatenate([train, validation, test]).tolist()) == list(range(100))
    np.testing.assert_array_equal(reviews_app.split_indices(100, seed=0)[2], test)
    with pytest.raises(ValueError, match="fractions"):
        reviews_app.split_indices(100, fractions=(0.5, 0.5))


def test_word_order_mask_and_accuracy_rate():
    mask = reviews_app.word_order_mask(["it is not good", "good but long", "nothing buttery", "fine"])
    np.testing.assert_array_equal(mask, [True, True, False, False])
    rate = reviews_app.accuracy_rate([0.9, 0.2, 0.6, 0.4], [1, 0, 0, 0])
    assert (rate.successes, rate.trials) == (3, 4) and rate.low < 0.75 < rate.high


def test_bag_of_listed_pairs_is_sparse_and_matches_the_full_layout():
    vocab = Vocabulary()
    listed = BagOfWords(vocab, bigrams=True, pairs=[("not", "good"), ("is", "not")])
    V = len(vocab)
    assert listed.weights.shape == (V + 2,)
    counts = listed.counts(["the movie is not good", "the movie is good"])
    assert counts.shape == (2, V + 2) and counts[0, V] == 1 and counts[0, V + 1] == 1
    assert counts[1, V:].sum() == 0
    listed.weights[V], listed.weights[vocab.index["good"]] = -3.0, 1.0
    assert listed.pair_weight("not", "good") == -3.0
    np.testing.assert_allclose(listed.running_scores("the movie is not good"), [0, 0, 0, 0, -2.0])
    with pytest.raises(ValueError, match="not one of this model's pairs"):
        listed.pair_weight("good", "not")
    with pytest.raises(ValueError, match="bigrams=True"):
        BagOfWords(vocab, pairs=[("not", "good")])
    # trained on the same data, listing every pair gives the same model as the full layout
    data = generate_sentences(300, seed=5, config=SentenceConfig(weights=(1, 1, 1, 1)))
    texts, labels = [s.text for s in data], [s.label for s in data]
    full = BagOfWords(vocab, bigrams=True, steps=50).fit(texts, labels)
    every = [(a, b) for a in vocab.words for b in vocab.words]
    same = BagOfWords(vocab, bigrams=True, pairs=every, steps=50).fit(texts, labels)
    np.testing.assert_allclose(same.predict_proba(texts), full.predict_proba(texts), rtol=1e-12)


def _tiny_split(texts, labels):
    tokens = [reviews_app.tokenize(t) for t in texts]
    return reviews_app.ReviewSplit(tokens, np.asarray(labels), np.asarray(labels, dtype=float), list(texts))


def test_review_lstm_learns_trains_reproducibly_and_round_trips(tmp_path):
    data = generate_sentences(400, seed=6, config=SentenceConfig(weights=(1, 1, 0, 0)))
    train = _tiny_split([s.text for s in data[:300]], [s.label for s in data[:300]])
    validation = _tiny_split([s.text for s in data[300:]], [s.label for s in data[300:]])
    vocab = reviews_app.CorpusVocabulary(train.texts)
    config = reviews_app.ReviewLSTMConfig(embedding_size=8, hidden_size=8, epochs=6, batch_size=16, lr=1e-2)
    model, history = reviews_app.train_review_lstm(train, validation, vocab, config)
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert max(history["validation"]) == history["validation"][history["best_epoch"] - 1] > 0.9
    again, _ = reviews_app.train_review_lstm(train, validation, vocab, config)
    probabilities = reviews_app.predict_reviews(model, validation.texts, vocab)
    np.testing.assert_array_equal(reviews_app.predict_reviews(again, validation.texts, vocab), probabilities)
    reviews_app.save_model(model, config, tmp_path / "m.npz")
    loaded, loaded_config = reviews_app.load_model(tmp_path / "m.npz", vocab)
    assert loaded_config == config
    np.testing.assert_allclose(reviews_app.predict_reviews(loaded, validation.texts, vocab), probabilities,
                               atol=1e-6)
    with pytest.raises(ValueError, match="word embeddings, expected"):
        reviews_app.load_model(tmp_path / "m.npz", reviews_app.CorpusVocabulary(["a b"], min_count=1))
    # the last running score is the model's logit difference; the numpy twin gives the same states
    text = validation.texts[0]
    scores = reviews_app.review_running_scores(model, text, vocab)
    p = probabilities[0]
    assert scores.shape == (len(text.split()),) and scores[-1] == pytest.approx(np.log(p / (1 - p)), abs=1e-4)
    trace = reviews_app.review_gate_trace(model, text, vocab)
    head, bias = model.head.weight.detach().double().numpy(), model.head.bias.detach().double().numpy()
    logits = trace.h[0] @ head.T + bias
    np.testing.assert_allclose(logits[:, 1] - logits[:, 0], scores, atol=1e-4)


def test_committed_review_models_reproduce_their_metrics():
    """The weights under book/applications/results give the accuracies written beside them."""
    import json
    from pathlib import Path

    from lstm_edu.data.movie_reviews import load_movie_reviews

    results = Path(__file__).resolve().parents[1] / reviews_app.RESULTS
    summary = json.loads((results / "sentiment.json").read_text())
    parts = reviews_app.review_split(load_movie_reviews(), seed=summary["split_seed"])
    vocab = reviews_app.CorpusVocabulary(parts["train"].texts)
    assert len(vocab) == summary["vocabulary_size"] and len(summary["runs"]) >= 5
    for run in summary["runs"][:2]:
        model, _ = reviews_app.load_model(results / f"sentiment_lstm_seed{run['seed']}.npz", vocab)
        rate = reviews_app.accuracy_rate(reviews_app.predict_reviews(model, parts["test"].texts, vocab),
                                         parts["test"].labels)
        assert rate.successes == run["test"]["all"]["correct"]
        assert rate.trials == run["test"]["all"]["n"] == 2114


def test_subset_rates_and_median_run():
    split = _tiny_split(["not good", "good but dull", "great", "awful"], [0, 0, 1, 1])
    rates = reviews_app.subset_rates([0.2, 0.7, 0.9, 0.8], split)
    assert [(r.successes, r.trials) for r in rates.values()] == [(3, 4), (1, 2), (2, 2)]
    from lstm_edu.stats import wilson_interval
    runs = [wilson_interval(k, 10) for k in (7, 9, 5, 8, 6)]
    assert reviews_app.median_run(runs) == 0 and reviews_app.median_run(runs[:4]) == 0
    assert reviews_app.median_run([wilson_interval(k, 10) for k in (9, 5, 8, 6)]) == 3
