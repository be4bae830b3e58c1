"""The Applications' live explorers: their traits carry the models exactly, and bad arguments are refused."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from lstm_edu.apps.browser_models import TOKEN_PATTERN, decode_float64, pack_lstm, weights_from_traits
from lstm_edu.apps.browser_sampling import char_distribution
from lstm_edu.apps.live_views import SentimentExplorer, TextGenerationExplorer
from lstm_edu.apps.sentiment import BagOfWords
from lstm_edu.apps.sentiment_reviews import CorpusVocabulary, ReviewLSTM, ReviewLSTMConfig
from lstm_edu.apps.text_generation import CharLSTM, CharVocabulary

torch.set_num_threads(1)
TEXTS = ["a good film", "a bad film", "not good", "not bad", "good good fun"]


@pytest.fixture(scope="module")
def review():
    vocabulary = CorpusVocabulary(TEXTS, min_count=1)
    torch.manual_seed(0)
    model = ReviewLSTM(len(vocabulary), ReviewLSTMConfig(embedding_size=3, hidden_size=4)).eval()
    bag = BagOfWords(vocabulary, steps=20).fit(TEXTS, [1, 0, 0, 1, 1])
    return model, vocabulary, bag


@pytest.fixture(scope="module")
def chars():
    vocabulary = CharVocabulary("ab c\n")
    torch.manual_seed(0)
    return CharLSTM(len(vocabulary), 3, 5).eval(), vocabulary


def test_sentiment_explorer_ships_the_model_exactly(review):
    model, vocabulary, bag = review
    view = SentimentExplorer(model, vocabulary, "A good film!", bag=bag)
    packed = pack_lstm(model.embedding, model.lstm, model.head)
    for name, array in packed.items():
        page = weights_from_traits(view.weights)[name]
        if array.ndim == 2:  # 8 bits a weight: within half a row's step of the trained weight
            step = np.abs(array).max(axis=1, keepdims=True) / 127
            assert np.all(np.abs(page - array) <= 0.5 * step * (1 + 1e-9))
        else:
            np.testing.assert_array_equal(page, array)
    np.testing.assert_array_equal(decode_float64(view.bag["weights"]), bag.weights)
    assert view.bag["bias"] == bag.bias and view.words == vocabulary.words
    assert view.token_pattern == TOKEN_PATTERN
    assert len(view.units) == 3 and all(0 <= u < 4 for u in view.units)
    assert view.description.startswith('After the 4 words "a good film !", the LSTM gives p(positive)')
    assert "SentimentExplorer: After the 4 words" in view._repr_mimebundle_()[0]["text/plain"]


@pytest.mark.parametrize("kwargs, error, match", [
    ({"sentence": ""}, ValueError, "sentence"),
    ({"sentence": "..."}, ValueError, "at least one word"),
    ({"sentence": "x" * 301}, ValueError, "1 to 300"),
    ({"sentence": 3}, TypeError, "sentence"),
    ({"units": [4]}, ValueError, "units"),
    ({"units": "12"}, ValueError, "units"),
    ({"units": [1.5]}, TypeError, "units"),
    ({"max_characters": 0}, ValueError, "max_characters"),
])
def test_sentiment_explorer_refuses_bad_arguments(review, kwargs, error, match):
    model, vocabulary, _ = review
    with pytest.raises(error, match=match):
        SentimentExplorer(model, vocabulary, **{"sentence": "good", **kwargs})


def test_sentiment_explorer_refuses_mismatched_models(review):
    model, vocabulary, _ = review
    with pytest.raises(TypeError, match="model"):
        SentimentExplorer("model", vocabulary, "good")
    with pytest.raises(ValueError, match="vocabulary"):
        SentimentExplorer(model, CorpusVocabulary(TEXTS[:1], min_count=1), "good")
    with pytest.raises(ValueError, match="bag"):
        SentimentExplorer(model, vocabulary, "good", bag=BagOfWords(vocabulary, bigrams=True))


def test_text_generation_explorer_ships_the_model_and_lists_its_distribution(chars):
    model, vocabulary = chars
    view = TextGenerationExplorer(model, vocabulary, "ab", temperature=0.5, seed=3, length=40, top=4)
    packed = pack_lstm(model.embed, model.lstm, model.head)
    for name, array in packed.items():
        page = weights_from_traits(view.weights)[name]
        if array.ndim == 2:  # 8 bits a weight: within half a row's step of the trained weight
            step = np.abs(array).max(axis=1, keepdims=True) / 127
            assert np.all(np.abs(page - array) <= 0.5 * step * (1 + 1e-9))
        else:
            np.testing.assert_array_equal(page, array)
    assert view.chars == vocabulary.chars and (view.seed, view.length, view.top) == (3, 40, 4)
    page = weights_from_traits(view.weights)  # the model the page computes with
    np.testing.assert_array_equal(view.distribution(), char_distribution(page, vocabulary.chars, "ab", 0.5))
    view.temperature = 2.0
    assert view.distribution().max() < char_distribution(packed, vocabulary.chars, "ab", 0.5).max()
    assert view.describe().startswith("After 'ab' at temperature 2.00, the most likely next characters:")


@pytest.mark.parametrize("kwargs, error, match", [
    ({"prompt": ""}, ValueError, "prompt"),
    ({"prompt": "a" * 201}, ValueError, "prompt"),
    ({"prompt": None}, TypeError, "prompt"),
    ({"temperature": 0.0}, ValueError, "temperature"),
    ({"temperature": 2.5}, ValueError, "temperature"),
    ({"temperature": "1"}, TypeError, "temperature"),
    ({"seed": -1}, ValueError, "seed"),
    ({"seed": 2**32}, ValueError, "seed"),
    ({"length": 0}, ValueError, "length"),
    ({"top": 7}, ValueError, "top"),
])
def test_text_generation_explorer_refuses_bad_arguments(chars, kwargs, error, match):
    model, vocabulary = chars
    with pytest.raises(error, match=match):
        TextGenerationExplorer(model, vocabulary, **{"prompt": "ab", **kwargs})


def test_numpy_scalars_are_numbers(chars):
    model, vocabulary = chars
    view = TextGenerationExplorer(model, vocabulary, "a", temperature=np.float32(0.5), seed=np.int64(2),
                                  top=np.int32(3))
    assert (view.temperature, view.seed, view.top) == (0.5, 2, 3)
