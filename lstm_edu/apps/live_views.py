"""Live explorers of the Applications pages: the trained models run in the reader's browser.

- :class:`SentimentExplorer` -- the reader's sentence through the review LSTM: p(positive)
  after each word (and the bag of words' beside it) and the forget, input and output gates
  of a few units, word by word;
- :class:`TextGenerationExplorer` -- the reader's prompt through the character LSTM: the
  next character's distribution at a chosen temperature, and sampled continuations.

Each ships its model's weights in a trait (base64 float32, :mod:`lstm_edu.apps.browser_models`)
and computes in JavaScript (``lstm_edu/widgets/js/sentiment_explorer.js``, ``text_explorer.js``),
on the static site and in JupyterLab alike. The numbers the JavaScript reproduces are those of
:func:`~lstm_edu.apps.browser_models.run_packed` and :mod:`lstm_edu.apps.browser_sampling`.
"""
from __future__ import annotations

from importlib import resources

import numpy as np
import traitlets

from lstm_edu.apps.browser_models import (
    TOKEN_PATTERN,
    browser_weights,
    encode_float64,
    pack_lstm,
    positive_probability,
    readout_units,
    run_packed,
    sentence_tokens,
    weights_from_traits,
)
from lstm_edu.apps.browser_sampling import char_distribution
from lstm_edu.validation import check_int_range, check_positive_real, check_seed
from lstm_edu.widgets.live import LiveExplorer, esm

__all__ = ["SentimentExplorer", "TextGenerationExplorer"]

_CSS = (LiveExplorer._css
        + resources.files("lstm_edu.widgets").joinpath("js", "live_apps.css").read_text("utf-8"))
_MAX_SEED = 2**32 - 1


def _check_text(name: str, value, limit: int) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected a str, got {type(value).__name__}")
    if not value.strip() or len(value) > limit:
        raise ValueError(f"{name}: expected 1 to {limit} characters, not all spaces, "
                         f"got {len(value)}: {value!r:.60}")
    return value


class SentimentExplorer(LiveExplorer):
    """Type a sentence; the review LSTM scores it, word by word, in the browser.

    Parameters
    ----------
    model : lstm_edu.apps.sentiment_reviews.ReviewLSTM
        Trained (float32 weights).
    vocabulary : lstm_edu.apps.sentiment_reviews.CorpusVocabulary
        Its word list (index 1 is ``<unk>``), one word per embedding row.
    sentence : str
        The sentence shown first (1 to ``max_characters`` characters, at least one word).
    units : sequence of int, optional
        Units whose gates are shown (default: the three of
        :func:`~lstm_edu.apps.browser_models.readout_units`).
    bag : lstm_edu.apps.sentiment.BagOfWords, optional
        A bag of words (without pairs) on the same vocabulary, scored beside the LSTM.
    max_characters : int
        Longest sentence accepted (the text box stops there too).
    """

    _esm = esm("sentiment_explorer")
    _css = _CSS
    sentence = traitlets.Unicode("").tag(sync=True)
    units = traitlets.List(traitlets.Int()).tag(sync=True)
    weights = traitlets.Dict().tag(sync=True)
    words = traitlets.List(traitlets.Unicode()).tag(sync=True)
    bag = traitlets.Dict().tag(sync=True)
    token_pattern = traitlets.Unicode(TOKEN_PATTERN).tag(sync=True)
    max_characters = traitlets.Int(300).tag(sync=True)

    def __init__(self, model, vocabulary, sentence: str, units=None, bag=None,
                 max_characters: int = 300) -> None:
        for name, value, attributes in (("model", model, ("embedding", "lstm", "head")),
                                        ("vocabulary", vocabulary, ("words", "index"))):
            if not all(hasattr(value, a) for a in attributes):
                raise TypeError(f"{name}: expected an object with {', '.join(attributes)}, "
                                f"got {type(value).__name__}")
        packed = pack_lstm(model.embedding, model.lstm, model.head)
        if len(vocabulary.words) != packed["embedding"].shape[0]:
            raise ValueError(f"vocabulary: expected {packed['embedding'].shape[0]} words "
                             f"(one per embedding row), got {len(vocabulary.words)}")
        max_characters = check_int_range("max_characters", max_characters, 1, 5000)
        sentence = _check_text("sentence", sentence, max_characters)
        if not sentence_tokens(sentence, vocabulary.words)[0]:
            raise ValueError(f"sentence: expected at least one word the tokenizer keeps, "
                             f"got {sentence!r:.60}")
        hidden = packed["W_h"].shape[0]
        units = readout_units(packed, 3) if units is None else units
        if isinstance(units, (str, bytes)) or not 1 <= len(units) <= 8:
            raise ValueError(f"units: expected 1 to 8 unit indices, got {units!r:.60}")
        units = [check_int_range("units", u, 0, hidden - 1) for u in units]
        super().__init__(weights=browser_weights(packed), words=list(vocabulary.words), sentence=sentence,
                         units=units, bag=self._bag_trait(bag, vocabulary), max_characters=max_characters)
        self._packed = weights_from_traits(self.weights)  # what the page computes with
        self.description = self.describe(sentence)

    @staticmethod
    def _bag_trait(bag, vocabulary) -> dict:
        if bag is None:
            return {}
        weights = np.asarray(getattr(bag, "weights", None))
        if getattr(bag, "bigrams", True) or weights.shape != (len(vocabulary.words),):
            raise ValueError(f"bag: expected a BagOfWords without pairs over the "
                             f"{len(vocabulary.words)} words, got {type(bag).__name__} "
                             f"with weights {weights.shape}")
        return {"weights": encode_float64(weights), "bias": float(bag.bias)}

    def describe(self, sentence: str) -> str:
        """The text alternative for ``sentence`` (the JavaScript writes a longer one after each change)."""
        tokens, ids, _ = sentence_tokens(sentence, self.words)
        p = positive_probability(run_packed(self._packed, np.array(ids)).logits)[-1]
        units = ", ".join(map(str, self.units))
        return (f"After the {len(tokens)} words \"{' '.join(tokens)}\", the LSTM gives p(positive) {p:.3g}. "
                f"Heat-map: forget, input and output gates of units {units} after each word.")


class TextGenerationExplorer(LiveExplorer):
    """Type a prompt; the character LSTM predicts and samples in the browser.

    Parameters
    ----------
    model : lstm_edu.apps.text_generation.CharLSTM
        Trained (float32 weights).
    vocabulary : lstm_edu.apps.text_generation.CharVocabulary
    prompt : str
        The prompt shown first (1 to ``max_characters`` characters).
    temperature : float
        In ``[0.1, 2]`` (the slider's range).
    seed : int
        Seed of the sampler (mulberry32), ``0 <= seed < 2**32``.
    length : int
        Characters sampled per press of "Sample" (1 to 2000).
    top : int
        Characters listed with their probabilities (1 to the vocabulary's size).
    max_characters : int
        Longest prompt accepted.
    """

    _esm = esm("text_explorer")
    _css = _CSS
    prompt = traitlets.Unicode("").tag(sync=True)
    temperature = traitlets.Float(1.0).tag(sync=True)
    seed = traitlets.Int(0).tag(sync=True)
    length = traitlets.Int(200).tag(sync=True)
    top = traitlets.Int(10).tag(sync=True)
    weights = traitlets.Dict().tag(sync=True)
    chars = traitlets.List(traitlets.Unicode()).tag(sync=True)
    max_characters = traitlets.Int(200).tag(sync=True)

    def __init__(self, model, vocabulary, prompt: str, temperature: float = 1.0, seed: int = 0,
                 length: int = 200, top: int = 10, max_characters: int = 200) -> None:
        for name, value, attributes in (("model", model, ("embed", "lstm", "head")),
                                        ("vocabulary", vocabulary, ("chars",))):
            if not all(hasattr(value, a) for a in attributes):
                raise TypeError(f"{name}: expected an object with {', '.join(attributes)}, "
                                f"got {type(value).__name__}")
        packed = pack_lstm(model.embed, model.lstm, model.head)
        chars = list(vocabulary.chars)
        if len(chars) != packed["embedding"].shape[0] or "?" not in chars:
            raise ValueError(f"vocabulary: expected {packed['embedding'].shape[0]} characters including '?', "
                             f"got {len(chars)}")
        max_characters = check_int_range("max_characters", max_characters, 1, 5000)
        if not isinstance(prompt, str):
            raise TypeError(f"prompt: expected a str, got {type(prompt).__name__}")
        if not 1 <= len(prompt) <= max_characters:
            raise ValueError(f"prompt: expected 1 to {max_characters} characters, got {len(prompt)}")
        temperature = check_positive_real("temperature", temperature)
        if not 0.1 <= temperature <= 2.0:
            raise ValueError(f"temperature: expected a number in [0.1, 2], got {temperature}")
        seed = check_seed("seed", seed)
        if seed > _MAX_SEED:
            raise ValueError(f"seed: expected an int in [0, {_MAX_SEED}], got {seed}")
        super().__init__(weights=browser_weights(packed), chars=chars, prompt=prompt, temperature=temperature,
                         seed=seed, length=check_int_range("length", length, 1, 2000),
                         top=check_int_range("top", top, 1, len(chars)), max_characters=max_characters)
        self._packed = weights_from_traits(self.weights)  # what the page computes with
        self.description = self.describe()

    def distribution(self) -> np.ndarray:
        """``P(next character | prompt)`` at the current temperature ``(V,)``: what the page lists."""
        return char_distribution(self._packed, self.chars, self.prompt, self.temperature)

    def describe(self) -> str:
        """The text alternative for the current prompt and temperature."""
        p = self.distribution()
        order = np.argsort(-p, kind="stable")[: self.top]
        listed = ", ".join(f"{self.chars[k]!r} ({p[k]:.3g})" for k in order[:3])
        return (f"After {self.prompt[-30:]!r} at temperature {self.temperature:.2f}, "
                f"the most likely next characters: {listed}. "
                f"Bar list: the {len(order)} most likely next characters with their probabilities.")
