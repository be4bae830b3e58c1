"""Sentiment where word order matters: generated sentences, a bag-of-words baseline, an LSTM.

The sentences are *generated* from a small grammar, so every label is known exactly:

- a clause is ``<subject> is [not] [very|really] <adjective>``; its polarity is the
  adjective's, flipped by ``not``;
- a sentence is one clause, two clauses of the same polarity joined by ``and``, or two
  clauses of opposite polarity joined by ``but`` -- and then the clause after ``but``
  decides (``the plot is dull but the acting is great`` is positive).

A bag of words cannot represent either rule: ``not`` flips a word's contribution (an
interaction, not a sum), and swapping the two clauses around ``but`` keeps the same bag
of words and flips the label.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from lstm_edu.models import SequenceModel
from lstm_edu.training import TrainConfig
from lstm_edu.training import train as run_training
from lstm_edu.validation import check_int_range, check_positive_real, check_seed

__all__ = [
    "SUBJECTS",
    "POSITIVE",
    "NEGATIVE",
    "KINDS",
    "Vocabulary",
    "SentenceConfig",
    "Sentence",
    "generate_sentences",
    "clause_polarity",
    "BagOfWords",
    "LSTMClassifierConfig",
    "train_lstm_classifier",
    "encode_batch",
    "predict_lstm",
    "running_scores",
    "gate_trace",
    "accuracy_by_kind",
]

SUBJECTS = ("the movie", "the plot", "the acting", "the music", "the ending", "the cast")
POSITIVE = ("good", "great", "clever", "charming", "moving", "fun")
NEGATIVE = ("bad", "dull", "boring", "awful", "weak", "messy")
INTENSIFIERS = ("very", "really")
#: Sentence kinds: one plain clause, one negated clause, "and" (same polarity), "but" (opposite).
KINDS = ("plain", "negated", "and", "but")
PAD = "<pad>"


class Vocabulary:
    """Word <-> index for the generator's fixed word list (index 0 is padding)."""

    def __init__(self) -> None:
        words = set()
        for phrase in SUBJECTS:
            words.update(phrase.split())
        words.update(POSITIVE + NEGATIVE + INTENSIFIERS + ("is", "not", "and", "but"))
        self.words = [PAD] + sorted(words)
        self.index = {w: k for k, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    def encode(self, sentence: str) -> list[int]:
        """Word indices of a sentence; unknown words are a ValueError."""
        if not isinstance(sentence, str):
            raise TypeError(f"sentence: expected a str, got {type(sentence).__name__}")
        unknown = [w for w in sentence.split() if w not in self.index]
        if unknown:
            raise ValueError(f"sentence: words {unknown} are not in the vocabulary of {len(self)} words")
        return [self.index[w] for w in sentence.split()]


@dataclass(frozen=True)
class SentenceConfig:
    """Mix of sentence kinds for :func:`generate_sentences`.

    Attributes
    ----------
    weights : tuple of float
        Relative frequency of each kind in :data:`KINDS` (plain, negated, and, but).
    negation_rate : float
        Probability that a clause of an ``and``/``but`` sentence is negated.
    intensifier_rate : float
        Probability that a clause gets ``very`` or ``really``.
    """

    weights: tuple = (4.0, 1.0, 1.0, 1.0)
    negation_rate: float = 0.25
    intensifier_rate: float = 0.3

    def __post_init__(self) -> None:
        if len(self.weights) != len(KINDS):
            raise ValueError(f"weights: expected {len(KINDS)} weights for {KINDS}, got {self.weights!r}")
        for w in self.weights:
            check_positive_real("weights", w, allow_zero=True)
        if sum(self.weights) <= 0:
            raise ValueError(f"weights: expected a positive sum, got {self.weights!r}")
        for name in ("negation_rate", "intensifier_rate"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                raise ValueError(f"{name}: expected a probability in [0, 1], got {value!r}")


@dataclass(frozen=True)
class Sentence:
    """One generated sentence with its label (1 positive, 0 negative) and kind."""

    text: str
    label: int
    kind: str


def _clause(rng: np.random.Generator, polarity: int, negated: bool, config: SentenceConfig) -> str:
    """A clause whose meaning has the given polarity (+1/-1)."""
    subject = SUBJECTS[rng.integers(len(SUBJECTS))]
    # the adjective's own polarity: flipped when the clause is negated
    adjectives = POSITIVE if (polarity > 0) != negated else NEGATIVE
    adjective = adjectives[rng.integers(len(adjectives))]
    words = [subject, "is"] + (["not"] if negated else [])
    if rng.random() < config.intensifier_rate:
        words.append(INTENSIFIERS[rng.integers(len(INTENSIFIERS))])
    return " ".join(words + [adjective])


def generate_sentences(n: int, seed: int = 0, config: SentenceConfig = SentenceConfig()) -> list[Sentence]:
    """Generate ``n`` labelled sentences (see the module docstring for the grammar).

    Labels are balanced in expectation. In ``and``/``but`` sentences each clause is
    negated with probability ``config.negation_rate``.

    Parameters
    ----------
    n : int
    seed : int
    config : SentenceConfig

    Returns
    -------
    list of Sentence
    """
    n = check_int_range("n", n, 1)
    rng = np.random.default_rng(check_seed("seed", seed))
    if not isinstance(config, SentenceConfig):
        raise TypeError(f"config: expected a SentenceConfig, got {type(config).__name__}")
    probs = np.asarray(config.weights, dtype=float) / sum(config.weights)
    out = []
    for _ in range(n):
        kind = KINDS[rng.choice(len(KINDS), p=probs)]
        polarity = 1 if rng.random() < 0.5 else -1  # of the whole sentence
        if kind == "plain":
            text = _clause(rng, polarity, False, config)
        elif kind == "negated":
            text = _clause(rng, polarity, True, config)
        elif kind == "and":
            text = _clause(rng, polarity, rng.random() < config.negation_rate, config) + " and " + _clause(
                rng, polarity, rng.random() < config.negation_rate, config)
        else:  # "but": the second clause decides, the first has the opposite polarity
            text = _clause(rng, -polarity, rng.random() < config.negation_rate, config) + " but " + _clause(
                rng, polarity, rng.random() < config.negation_rate, config)
        out.append(Sentence(text=text, label=int(polarity > 0), kind=kind))
    return out


def clause_polarity(clause: str) -> int:
    """Polarity (+1/-1) of one clause by the grammar's rule: the adjective's, flipped by ``not``."""
    words = clause.split()
    adjectives = [w for w in words if w in POSITIVE or w in NEGATIVE]
    if len(adjectives) != 1:
        raise ValueError(f"clause: expected exactly one adjective, got {adjectives} in {clause!r}")
    sign = 1 if adjectives[0] in POSITIVE else -1
    return -sign if "not" in words else sign


# -- bag-of-words baseline --------------------------------------------------------------


class BagOfWords:
    """Logistic regression on word counts, trained by full-batch gradient descent (numpy).

    Parameters
    ----------
    vocabulary : Vocabulary
    l2 : float
        Weight decay on the word weights (not on the bias).
    steps : int
    lr : float
    bigrams : bool
        Also count each pair of adjacent words (``V * V`` more features, after the ``V``
        word counts): a linear model on word pairs, still blind to order beyond a pair.
    pairs : iterable of (str, str), optional
        With ``bigrams``: only these word pairs are features (for a large vocabulary);
        default every pair.
    """

    def __init__(self, vocabulary: Vocabulary, l2: float = 1e-3, steps: int = 500, lr: float = 0.5,
                 bigrams: bool = False, pairs=None) -> None:
        if not isinstance(vocabulary, Vocabulary):
            raise TypeError(f"vocabulary: expected a Vocabulary, got {type(vocabulary).__name__}")
        if not isinstance(bigrams, (bool, np.bool_)):
            raise TypeError(f"bigrams: expected a bool, got {type(bigrams).__name__}")
        if pairs is not None and not bigrams:
            raise ValueError("pairs: a list of word pairs needs bigrams=True")
        self.vocabulary = vocabulary
        self.l2 = check_positive_real("l2", l2, allow_zero=True)
        self.steps = check_int_range("steps", steps, 1)
        self.lr = check_positive_real("lr", lr)
        self.bigrams = bool(bigrams)
        V, index = len(vocabulary), vocabulary.index
        # pairs=None: every pair is a feature, pair (a, b) at V + a * V + b; else only the listed pairs
        self.pairs = None if pairs is None else {
            pair: V + k for k, pair in enumerate(dict.fromkeys((index[a], index[b]) for a, b in pairs))}
        size = V + (V * V if self.pairs is None else len(self.pairs)) if self.bigrams else V
        self.weights = np.zeros(size)  # (V,) or (V + pairs,)
        self.bias = 0.0

    def _pair_ids(self, ids: np.ndarray) -> np.ndarray:
        """Feature index of each adjacent pair ``(T - 1,)``; -1 for a pair that is not a feature."""
        V = len(self.vocabulary)
        if self.pairs is None:
            return V + ids[:-1] * V + ids[1:]
        pairs = zip(ids[:-1].tolist(), ids[1:].tolist())
        return np.array([self.pairs.get(p, -1) for p in pairs], dtype=np.int64)

    def _features(self, text: str) -> np.ndarray:
        """Feature index of each word, then (with bigrams) of each adjacent pair that is a feature."""
        ids = np.asarray(self.vocabulary.encode(text), dtype=np.int64)
        if not self.bigrams:
            return ids
        pair_ids = self._pair_ids(ids)
        return np.concatenate([ids, pair_ids[pair_ids >= 0]])

    def counts(self, texts: list[str]):
        """Feature-count matrix ``(N, features)`` (a ``scipy.sparse`` CSR matrix)."""
        from scipy import sparse

        if isinstance(texts, str) or not len(texts):
            raise TypeError("texts: expected a non-empty list of sentences")
        features = [self._features(text) for text in texts]
        rows = np.repeat(np.arange(len(texts)), [len(f) for f in features])
        columns = np.concatenate(features)
        return sparse.csr_matrix((np.ones(len(columns)), (rows, columns)),
                                 shape=(len(texts), len(self.weights)))

    def fit(self, texts: list[str], labels: object) -> "BagOfWords":
        """Minimise mean log-loss + ``l2/2 * ||w||^2``; returns self."""
        x = self.counts(texts)  # (N, features), sparse
        y = np.asarray(labels, dtype=float)
        if y.shape != (x.shape[0],) or not np.isin(y, (0.0, 1.0)).all():
            raise ValueError(f"labels: expected {x.shape[0]} labels in {{0, 1}}, got shape {y.shape}")
        for _ in range(self.steps):
            p = 1.0 / (1.0 + np.exp(-(x @ self.weights + self.bias)))  # (N,)
            error = p - y
            self.weights -= self.lr * (x.T @ error / x.shape[0] + self.l2 * self.weights)
            self.bias -= self.lr * error.mean()
        return self

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Probability of the positive class ``(N,)``."""
        return 1.0 / (1.0 + np.exp(-(self.counts(texts) @ self.weights + self.bias)))

    def running_scores(self, text: str) -> np.ndarray:
        """The logit after each word ``(T,)``: the bias plus the weights of the words (and pairs) so far."""
        ids = np.asarray(self.vocabulary.encode(text), dtype=np.int64)
        per_word = self.weights[ids]
        if self.bigrams:  # the pair ending at word t counts from word t on
            pair_ids = self._pair_ids(ids)
            per_word[1:] += np.where(pair_ids >= 0, self.weights[np.maximum(pair_ids, 0)], 0.0)
        return self.bias + np.cumsum(per_word)

    def word_weight(self, word: str) -> float:
        """The learned weight of one word."""
        return float(self.weights[self.vocabulary.index[word]])

    def pair_weight(self, first: str, second: str) -> float:
        """The learned weight of the word pair ``first second`` (needs ``bigrams=True``)."""
        if not self.bigrams:
            raise ValueError("pair_weight: this model was built with bigrams=False")
        (feature,) = self._pair_ids(np.array([self.vocabulary.index[first], self.vocabulary.index[second]]))
        if feature < 0:
            raise ValueError(f"pair_weight: ({first!r}, {second!r}) is not one of this model's pairs")
        return float(self.weights[feature])


# -- LSTM classifier ------------------------------------------------------------------


@dataclass(frozen=True)
class LSTMClassifierConfig:
    """Size and training of the LSTM sentiment classifier (Adam, one-hot word inputs)."""

    hidden_size: int = 16
    steps: int = 400
    batch_size: int = 64
    lr: float = 1e-2
    seed: int = 0

    def __post_init__(self) -> None:
        check_int_range("hidden_size", self.hidden_size, 1)
        check_int_range("steps", self.steps, 1)
        check_int_range("batch_size", self.batch_size, 1)
        check_positive_real("lr", self.lr)
        check_seed("seed", self.seed)


def encode_batch(texts: list[str], vocabulary: Vocabulary) -> tuple[torch.Tensor, torch.Tensor]:
    """One-hot inputs ``(B, T, V)`` (end-padded with zeros) and lengths ``(B,)``."""
    ids = [vocabulary.encode(t) for t in texts]
    lengths = torch.tensor([len(s) for s in ids])
    x = torch.zeros(len(ids), int(lengths.max()), len(vocabulary))
    for row, sentence in enumerate(ids):
        x[row, torch.arange(len(sentence)), torch.tensor(sentence)] = 1.0
    return x, lengths


def train_lstm_classifier(texts: list[str], labels: object, vocabulary: Vocabulary,
                          config: LSTMClassifierConfig = LSTMClassifierConfig()):
    """Train a :class:`lstm_edu.models.SequenceModel` (LSTM, 2 classes) on the sentences.

    Returns
    -------
    model : SequenceModel
        In eval mode. ``model.layers[0]`` is the ``nn.LSTM`` (for ``lstm_edu.from_torch``).
    result : lstm_edu.training.TrainResult
    """
    x_all, len_all = encode_batch(texts, vocabulary)
    y_all = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    if y_all.shape != (len(texts),):
        raise ValueError(f"labels: expected {len(texts)} labels, got shape {tuple(y_all.shape)}")
    torch.manual_seed(config.seed)
    model = SequenceModel("lstm", len(vocabulary), config.hidden_size, 2, task="classification")

    def batch_fn(rng):
        rows = torch.as_tensor(rng.integers(0, len(texts), size=config.batch_size))
        return x_all[rows], y_all[rows], len_all[rows]

    train_config = TrainConfig(steps=config.steps, batch_size=config.batch_size, lr=config.lr,
                               clip_norm=1.0, seed=config.seed)
    result = run_training(model, batch_fn, nn.CrossEntropyLoss(), train_config)
    model.eval()
    return model, result


def predict_lstm(model: SequenceModel, texts: list[str], vocabulary: Vocabulary) -> np.ndarray:
    """Probability of the positive class ``(N,)``."""
    x, lengths = encode_batch(texts, vocabulary)
    with torch.no_grad():
        return torch.softmax(model(x, lengths=lengths), dim=1)[:, 1].double().numpy()


def running_scores(model: SequenceModel, text: str, vocabulary: Vocabulary) -> np.ndarray:
    """The classifier's positive-minus-negative logit after each word ``(T,)``.

    Reading the sentence word by word, this is what the model would answer if the
    sentence stopped there.
    """
    x, _ = encode_batch([text], vocabulary)
    with torch.no_grad():
        hidden, _ = model.hidden_sequence(x)  # (1, T, H)
        logits = model.head(hidden[0])  # (T, 2)
    return (logits[:, 1] - logits[:, 0]).double().numpy()


def gate_trace(model: SequenceModel, text: str, vocabulary: Vocabulary):
    """The numpy twin's trace of the classifier's LSTM over one sentence.

    Uses :func:`lstm_edu.from_torch` on ``model.layers[0]`` (an ``nn.LSTM``).

    Returns
    -------
    lstm_edu.Trace
        Batch-first: ``trace.c[0]``, ``trace.f[0]`` ... are ``(T, H)``, one row per word.
    """
    from lstm_edu import from_torch

    x, _ = encode_batch([text], vocabulary)  # (1, T, V)
    return from_torch(model.layers[0]).forward(x.double().numpy())


def accuracy_by_kind(probabilities: object, sentences: list[Sentence]) -> dict[str, float]:
    """Accuracy of ``probabilities > 0.5`` for each sentence kind (and ``"all"``)."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.shape != (len(sentences),):
        raise ValueError(f"probabilities: expected shape ({len(sentences)},), got {probabilities.shape}")
    correct = (probabilities > 0.5) == np.array([s.label for s in sentences], dtype=bool)
    kinds = np.array([s.kind for s in sentences])
    out = {kind: float(correct[kinds == kind].mean()) for kind in KINDS if (kinds == kind).any()}
    out["all"] = float(correct.mean())
    return out
