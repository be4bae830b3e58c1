"""The sentiment and text-generation explorers on the built site compute the trained models' numbers.

Driven from the keyboard: a sentence and a prompt typed into the text boxes, the temperature
slider moved with arrow keys, a seed typed and "Sample" pressed with Enter. Each explorer
exposes the full-precision numbers it shows (data-scores, data-gates, data-probabilities,
data-sample on its root); they are compared with lstm_edu.apps.browser_models and
browser_sampling, computed here from the committed weights.
"""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from site_visit import open_explorer_page

from lstm_edu.apps.browser_models import (
    browser_weights,
    pack_lstm,
    positive_probability,
    run_packed,
    sentence_tokens,
    weights_from_traits,
)
from lstm_edu.apps.browser_sampling import char_distribution, sample_packed

SENTIMENT = "book/applications/sentiment.html"
TEXT = "book/applications/text_generation.html"
RESULTS = Path(__file__).resolve().parents[2] / "book" / "applications" / "results"
TOLERANCE = 1e-9  # the pages compute in float64 like the reference: observed differences are ~1e-16
MAX_PAGE_GZIP = 3_000_000


@pytest.fixture(scope="module")
def review_models():
    """The page's LSTM (the seed with the median test accuracy), its vocabulary and bag of words."""
    from lstm_edu.apps.sentiment import BagOfWords
    from lstm_edu.apps.sentiment_reviews import (
        BAG_SETTINGS,
        CorpusVocabulary,
        load_model,
        median_run,
        predict_reviews,
        review_split,
        subset_rates,
    )
    from lstm_edu.data.movie_reviews import load_movie_reviews

    torch.set_num_threads(1)
    parts = review_split(load_movie_reviews(), seed=0)
    vocabulary = CorpusVocabulary(parts["train"].texts)
    runs = json.loads((RESULTS / "sentiment.json").read_text())["runs"]
    models = [load_model(RESULTS / f"sentiment_lstm_seed{run['seed']}.npz", vocabulary)[0] for run in runs]
    rates = [subset_rates(predict_reviews(m, parts["test"].texts, vocabulary), parts["test"])["all"]
             for m in models]
    shown = models[median_run(rates)]
    bag = BagOfWords(vocabulary, **BAG_SETTINGS).fit(parts["train"].texts, parts["train"].labels)
    return page_weights(pack_lstm(shown.embedding, shown.lstm, shown.head)), vocabulary, bag


@pytest.fixture(scope="module")
def char_model():
    """The page's character LSTM (the seed with the median test score) and its characters."""
    from lstm_edu.apps.char_model import load_results, split_chapters
    from lstm_edu.apps.text_generation import CharVocabulary
    from lstm_edu.data.moby_dick import load_text

    vocabulary = CharVocabulary(split_chapters(load_text()).train)
    results, models = load_results(vocabulary, RESULTS)
    median = int(np.argsort([run["test_bits"] for run in results["runs"]])[len(models) // 2])
    model = models[median]
    return page_weights(pack_lstm(model.embed, model.lstm, model.head)), vocabulary.chars


def page_weights(packed):
    """The weights the page computes with (8 bits a weight for the matrices)."""
    return weights_from_traits(browser_weights(packed))


def retype(page, box, text):
    """Clear a text box and type ``text`` key by key."""
    box.focus()
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    page.keyboard.type(text)


def data(root, name):
    return json.loads(root.get_attribute(f"data-{name}"))


def check_sentence(root, sentence, review_models):
    packed, vocabulary, bag = review_models
    tokens, ids, unknown = sentence_tokens(sentence, vocabulary.words)
    run = run_packed(packed, np.array(ids))
    assert data(root, "tokens") == tokens and data(root, "unknown") == unknown
    scores = positive_probability(run.logits)
    assert np.abs(np.array(data(root, "scores")) - scores).max() <= TOLERANCE
    assert abs(float(root.get_attribute("data-score")) - scores[-1]) <= TOLERANCE
    bag_scores = 1 / (1 + np.exp(-bag.running_scores(" ".join(tokens))))
    assert np.abs(np.array(data(root, "bag-scores")) - bag_scores).max() <= TOLERANCE
    for unit, gates in data(root, "gates").items():
        for gate, values in gates.items():
            assert (np.abs(np.array(values) - getattr(run, gate)[:, int(unit)]).max()
                    <= TOLERANCE), (unit, gate)
    return float(np.abs(np.array(data(root, "scores")) - scores).max())


def test_sentiment_page_scores_the_typed_sentence(browser, site_server, site_dir, review_models):
    page, errors = open_explorer_page(browser, site_server, site_dir, SENTIMENT,
                                      ".lstm-sentiment[data-score]")
    root = page.locator(".lstm-sentiment")
    check_sentence(root, root.get_attribute("data-sentence"), review_models)
    box = root.get_by_label("Your sentence", exact=True)
    sentence = "Not bad at all, a zorptastic film -- isn't it?"
    retype(page, box, sentence)
    assert root.get_attribute("data-sentence") == sentence and root.get_attribute("data-status") == "ok"
    difference = check_sentence(root, sentence, review_models)
    message = root.locator(".lstm-message").text_content()
    assert "read as <unk>: zorptastic" in message and "Ignored by the tokenizer: , -" in message
    readout = root.locator(".lstm-readout").text_content()
    assert readout.startswith("p(positive) = ") and "after 10 words" in readout
    label = root.locator(".lstm-heatmap svg").get_attribute("aria-label")
    assert label.startswith('Heat-map. After the 10 words "not bad at all a zorptastic film isn\'t it ?"')
    assert root.locator(".lstm-heatmap table tbody tr").count() == 9  # 3 units x f, i, o
    print(f"sentiment: largest |page - Python| of p(positive) {difference:.1e}")
    assert errors == []


def test_sentiment_page_keeps_the_last_sentence_on_bad_input(browser, site_server, site_dir, review_models):
    page, errors = open_explorer_page(browser, site_server, site_dir, SENTIMENT,
                                      ".lstm-sentiment[data-score]")
    root = page.locator(".lstm-sentiment")
    box = root.get_by_label("Your sentence", exact=True)
    retype(page, box, "a good film")
    good = root.get_attribute("data-scores")
    for bad, message in [("", "has no word the model reads"), ("... --", "has no word the model reads")]:
        retype(page, box, bad)
        shown = root.locator(".lstm-message.lstm-error")
        assert message in shown.text_content() and box.get_attribute("aria-invalid") == "true"
        assert root.get_attribute("data-status") == "error" and root.get_attribute("data-scores") == good
    retype(page, box, "x" * 320)
    assert len(box.input_value()) == 300  # the box stops at max_characters
    box.evaluate("(el) => { el.value = 'y'.repeat(400); el.dispatchEvent(new Event('input')); }")
    assert "At most 300 characters" in root.locator(".lstm-message.lstm-error").text_content()
    assert root.get_attribute("data-scores") != good  # the 300 x's were read before
    check_sentence(root, "x" * 300, review_models)
    assert errors == []


def test_text_generation_page_predicts_and_samples_the_typed_prompt(browser, site_server, site_dir,
                                                                    char_model):
    packed, chars = char_model
    page, errors = open_explorer_page(browser, site_server, site_dir, TEXT,
                                      ".lstm-text-generation[data-sample]")
    root = page.locator(".lstm-text-generation")
    initial = root.get_attribute("data-prompt")
    expected = char_distribution(packed, chars, initial, 1.0)
    assert np.abs(np.array(data(root, "probabilities")) - expected).max() <= TOLERANCE
    assert root.get_attribute("data-sample") == sample_packed(packed, chars, initial, 200, 1.0, 0)
    prompt = "Call me Ishmael. Some years ago"
    retype(page, root.get_by_label("Prompt", exact=True), prompt)
    assert root.get_attribute("data-prompt") == prompt
    root.get_by_label("Temperature", exact=True).focus()
    for _ in range(10):
        page.keyboard.press("ArrowLeft")  # 1.00 -> 0.50
    temperature = float(root.get_attribute("data-temperature"))
    assert temperature == pytest.approx(0.5)
    expected = char_distribution(packed, chars, prompt, temperature)
    difference = np.abs(np.array(data(root, "probabilities")) - expected).max()
    assert difference <= TOLERANCE
    bars = root.locator(".lstm-bars li")
    assert bars.count() == 10
    top = int(np.argmax(expected))
    assert bars.first.locator(".lstm-bar-value").text_content() == f"{float(f'{expected[top]:.3g}'):g}"
    seed = root.get_by_label("Seed", exact=True)
    seed.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("7")
    root.get_by_role("button", name="Sample 200 characters").focus()  # leaving the box commits the seed
    page.keyboard.press("Enter")
    assert root.get_attribute("data-sample-seed") == "7"
    assert root.get_attribute("data-sample") == sample_packed(packed, chars, prompt, 200, temperature, 7)
    assert root.locator(".lstm-sample").text_content() == prompt + root.get_attribute("data-sample")
    print(f"text generation: largest |page - Python| of P(next character) {difference:.1e}")
    assert errors == []


def test_text_generation_page_reports_unknown_characters_and_bad_prompts(browser, site_server, site_dir,
                                                                         char_model):
    packed, chars = char_model
    page, errors = open_explorer_page(browser, site_server, site_dir, TEXT,
                                      ".lstm-text-generation[data-sample]")
    root = page.locator(".lstm-text-generation")
    box = root.get_by_label("Prompt", exact=True)
    retype(page, box, "the naïve whale")
    assert "read as ?: ï" in root.locator(".lstm-text .lstm-message").text_content()
    expected = char_distribution(packed, chars, "the naïve whale", 1.0)
    assert np.abs(np.array(data(root, "probabilities")) - expected).max() <= TOLERANCE
    good = root.get_attribute("data-probabilities")
    retype(page, box, "")
    assert "at least one character" in root.locator(".lstm-text .lstm-message.lstm-error").text_content()
    assert root.get_attribute("data-status") == "error" and root.get_attribute("data-probabilities") == good
    sample = root.get_attribute("data-sample")
    seed = root.get_by_label("Seed", exact=True)
    seed.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("1.5")
    root.get_by_role("button", name="Sample 200 characters").focus()
    page.keyboard.press("Enter")
    assert ("A whole number from 0 to 4294967295"
            in root.locator(".lstm-seed .lstm-message.lstm-error").text_content())
    assert seed.get_attribute("aria-invalid") == "true" and root.get_attribute("data-sample") == sample
    assert errors == []


@pytest.mark.parametrize("path", [SENTIMENT, TEXT])
def test_page_weight(site_dir, path):
    html = (site_dir / path).read_bytes()
    size = len(gzip.compress(html, 6))
    print(f"{path}: {len(html) / 1e6:.2f} MB, {size / 1e6:.2f} MB gzip")
    assert size <= MAX_PAGE_GZIP
