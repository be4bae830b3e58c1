"""Sentiment of real movie-review sentences: bag of words, bag of word pairs, and an LSTM.

The data are the 10,568 rated sentences of :mod:`lstm_edu.data.movie_reviews` (label: mean
human rating above zero). One fixed split (seed 0): 70 % training, 10 % validation (to pick
the LSTM's epoch), 20 % test.

The LSTM reads learned word embeddings; training it five times takes longer than a page may
run, so ``python -m lstm_edu.apps.sentiment_reviews`` trains one model per seed (torch on
one thread, seeded) and writes its weights and metrics under ``book/applications/results/``;
the page loads them and evaluates them again.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from lstm_edu.apps.sentiment import PAD, Vocabulary
from lstm_edu.validation import check_int_range, check_positive_real, check_seed

__all__ = ["UNK", "RESULTS", "tokenize", "split_indices", "ReviewSplit", "review_split", "CorpusVocabulary",
           "frequent_pairs", "BAG_SETTINGS", "fit_bags", "word_order_mask", "ReviewLSTMConfig", "ReviewLSTM",
           "train_review_lstm",
           "predict_reviews", "review_running_scores", "review_gate_trace", "save_model", "load_model",
           "accuracy_rate", "SUBSETS", "subset_rates", "median_run", "train_seeds", "main"]

UNK = "<unk>"
#: Where the committed weights and metrics live (relative to the repository root).
RESULTS = Path("book") / "applications" / "results"
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[!?]")


def tokenize(text: str) -> str:
    """Lower-case words (with their apostrophe: ``doesn't``) plus ``!`` and ``?``, joined by spaces.

    ``tokenize("The Rock is destined to be ''Conan''!")`` is ``"the rock is destined to be conan !"``.
    """
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    return " ".join(_TOKEN.findall(text.lower()))


def split_indices(n: int, seed: int = 0, fractions=(0.7, 0.1, 0.2)) -> tuple:
    """A seeded random split of ``range(n)`` into (train, validation, test) index arrays."""
    n = check_int_range("n", n, 3)
    if len(fractions) != 3 or abs(sum(fractions) - 1.0) > 1e-9 or min(fractions) <= 0:
        raise ValueError(f"fractions: expected three positive fractions summing to 1, got {fractions!r}")
    order = np.random.default_rng(check_seed("seed", seed)).permutation(n)
    first, second = int(round(fractions[0] * n)), int(round((fractions[0] + fractions[1]) * n))
    return order[:first], order[first:second], order[second:]


@dataclass(frozen=True)
class ReviewSplit:
    """Tokenised texts and labels of one part of the split (``ratings`` kept for reference)."""

    texts: list
    labels: np.ndarray
    ratings: np.ndarray
    raw: list


def review_split(reviews, seed: int = 0) -> dict:
    """``{"train", "validation", "test"}`` -> :class:`ReviewSplit` of a :class:`MovieReviews`."""
    parts = split_indices(len(reviews), seed)
    tokens = [tokenize(t) for t in reviews.texts]
    return {name: ReviewSplit([tokens[k] for k in rows], reviews.labels[rows], reviews.ratings[rows],
                              [reviews.texts[k] for k in rows])
            for name, rows in zip(("train", "validation", "test"), parts)}


class CorpusVocabulary(Vocabulary):
    """The words seen at least ``min_count`` times in ``texts`` (index 0 padding, 1 unknown).

    :meth:`encode` maps every other word to ``<unk>``, so any sentence can be encoded.
    """

    def __init__(self, texts, min_count: int = 2) -> None:
        check_int_range("min_count", min_count, 1)
        counts = Counter(word for text in texts for word in text.split())
        self.words = [PAD, UNK] + sorted(w for w, c in counts.items() if c >= min_count)
        self.index = {w: k for k, w in enumerate(self.words)}

    def encode(self, sentence: str) -> list[int]:
        if not isinstance(sentence, str):
            raise TypeError(f"sentence: expected a str, got {type(sentence).__name__}")
        return [self.index.get(w, 1) for w in sentence.split()]


def frequent_pairs(texts, vocabulary: Vocabulary, min_count: int = 2) -> list:
    """Adjacent word pairs (after mapping rare words to ``<unk>``) seen at least ``min_count`` times."""
    counts = Counter()
    for text in texts:
        words = [vocabulary.words[k] for k in vocabulary.encode(text)]
        counts.update(zip(words[:-1], words[1:]))
    return sorted(p for p, c in counts.items() if c >= min_count)


#: Settings of both bag models (picked on the validation part: l2 in 1e-4..1e-3, 500..3000 steps).
BAG_SETTINGS = {"l2": 3e-4, "steps": 3000, "lr": 0.5}


def fit_bags(train: ReviewSplit, vocabulary: Vocabulary) -> tuple:
    """The bag of words and the bag of words + pairs (pairs seen twice or more), fitted on ``train``."""
    from lstm_edu.apps.sentiment import BagOfWords

    words = BagOfWords(vocabulary, **BAG_SETTINGS).fit(train.texts, train.labels)
    pairs = BagOfWords(vocabulary, bigrams=True, pairs=frequent_pairs(train.texts, vocabulary),
                       **BAG_SETTINGS).fit(train.texts, train.labels)
    return words, pairs


def word_order_mask(texts) -> np.ndarray:
    """``(N,)`` True for the (tokenised) sentences that contain the word ``not`` or ``but``."""
    return np.array([bool({"not", "but"} & set(t.split())) for t in texts])


@dataclass(frozen=True)
class ReviewLSTMConfig:
    """The review LSTM: embedding and hidden sizes, Adam, the epoch picked on validation accuracy."""

    embedding_size: int = 32
    hidden_size: int = 32
    epochs: int = 8
    batch_size: int = 32
    lr: float = 3e-3
    dropout: float = 0.3
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("embedding_size", "hidden_size", "epochs", "batch_size"):
            check_int_range(name, getattr(self, name), 1)
        check_positive_real("lr", self.lr)
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout: expected a number in [0, 1), got {self.dropout!r}")
        check_seed("seed", self.seed)


class ReviewLSTM(nn.Module):
    """Embedding -> one ``nn.LSTM`` layer -> dropout -> linear readout of the last hidden state
    (2 classes)."""

    def __init__(self, vocabulary_size: int, config: ReviewLSTMConfig) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocabulary_size, config.embedding_size, padding_idx=0)
        self.lstm = nn.LSTM(config.embedding_size, config.hidden_size, batch_first=True)
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.hidden_size, 2)

    def hidden_sequence(self, ids: torch.Tensor) -> torch.Tensor:
        """Every hidden state ``(B, T, H)`` for word indices ``(B, T)``."""
        return self.lstm(self.embedding(ids))[0]

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Class scores ``(B, 2)`` from the hidden state at each sentence's last word."""
        hidden = self.hidden_sequence(ids)  # (B, T, H); end padding comes after the last word
        last = hidden[torch.arange(len(ids)), lengths - 1]  # (B, H)
        return self.head(self.dropout(last))


def _encode(texts, vocabulary: Vocabulary) -> tuple[torch.Tensor, torch.Tensor]:
    """Word indices ``(B, T)`` end-padded with 0, and lengths ``(B,)`` (an empty text becomes ``<unk>``)."""
    ids = [vocabulary.encode(t) or [1] for t in texts]
    lengths = torch.tensor([len(s) for s in ids])
    out = torch.zeros(len(ids), int(lengths.max()), dtype=torch.long)
    for row, sentence in enumerate(ids):
        out[row, : len(sentence)] = torch.tensor(sentence)
    return out, lengths


def predict_reviews(model: ReviewLSTM, texts, vocabulary: Vocabulary, batch_size: int = 512) -> np.ndarray:
    """Probability of the positive class ``(N,)`` (in batches of similar length)."""
    model.eval()
    order = np.argsort([len(t.split()) for t in texts], kind="stable")
    out = np.empty(len(texts))
    with torch.no_grad():
        for start in range(0, len(texts), batch_size):
            rows = order[start:start + batch_size]
            ids, lengths = _encode([texts[k] for k in rows], vocabulary)
            out[rows] = torch.softmax(model(ids, lengths), dim=1)[:, 1].double().numpy()
    return out


def train_review_lstm(train: ReviewSplit, validation: ReviewSplit, vocabulary: Vocabulary,
                      config: ReviewLSTMConfig = ReviewLSTMConfig()):
    """Train for ``config.epochs`` epochs; keep the weights of the epoch with the best validation accuracy.

    Returns
    -------
    model : ReviewLSTM
        In eval mode.
    history : dict
        ``"loss"`` (mean training loss per epoch), ``"validation"`` (accuracy per epoch),
        ``"best_epoch"`` (1-based).
    """
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    model = ReviewLSTM(len(vocabulary), config)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr)
    labels = torch.as_tensor(np.asarray(train.labels), dtype=torch.long)
    history = {"loss": [], "validation": [], "best_epoch": 0}
    best = None
    for _ in range(config.epochs):
        model.train()
        losses = []
        order = rng.permutation(len(train.texts))
        for start in range(0, len(order), config.batch_size):
            rows = order[start:start + config.batch_size]
            ids, lengths = _encode([train.texts[k] for k in rows], vocabulary)
            loss = nn.functional.cross_entropy(model(ids, lengths), labels[rows])
            optimiser.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            losses.append(loss.item())
        history["loss"].append(float(np.mean(losses)))
        predicted = predict_reviews(model, validation.texts, vocabulary) > 0.5
        accuracy = float(np.mean(predicted == validation.labels))
        history["validation"].append(accuracy)
        if best is None or accuracy > max(history["validation"][:-1]):
            best = {k: v.detach().clone() for k, v in model.state_dict().items()}
            history["best_epoch"] = len(history["validation"])
    model.load_state_dict(best)
    model.eval()
    return model, history


def review_running_scores(model: ReviewLSTM, text: str, vocabulary: Vocabulary) -> np.ndarray:
    """The positive-minus-negative logit after each word ``(T,)`` (what the model would answer there)."""
    ids, _ = _encode([text], vocabulary)
    with torch.no_grad():
        logits = model.head(model.hidden_sequence(ids)[0])  # (T, 2)
    return (logits[:, 1] - logits[:, 0]).double().numpy()


def review_gate_trace(model: ReviewLSTM, text: str, vocabulary: Vocabulary):
    """The numpy twin's trace (``lstm_edu.from_torch``) over the embedded words of one sentence.

    Batch-first: ``trace.c[0]``, ``trace.f[0]`` are ``(T, H)``.
    """
    from lstm_edu import from_torch

    ids, _ = _encode([text], vocabulary)
    with torch.no_grad():
        x = model.embedding(ids).double().numpy()  # (1, T, E)
    return from_torch(model.lstm).forward(x)


def save_model(model: ReviewLSTM, config: ReviewLSTMConfig, file) -> None:
    """Write the weights (float32) and the config to an ``.npz`` file."""
    arrays = {k: v.detach().float().numpy() for k, v in model.state_dict().items()}
    np.savez_compressed(file, config=json.dumps(asdict(config)), **arrays)


def load_model(file, vocabulary: Vocabulary) -> tuple[ReviewLSTM, ReviewLSTMConfig]:
    """Read a model written by :func:`save_model`; its vocabulary size must match ``vocabulary``."""
    with np.load(file) as stored:
        config = ReviewLSTMConfig(**json.loads(str(stored["config"])))
        state = {k: torch.from_numpy(stored[k]) for k in stored.files if k != "config"}
    rows = state["embedding.weight"].shape[0]
    if rows != len(vocabulary):
        raise ValueError(f"{file}: the model has {rows} word embeddings, expected {len(vocabulary)} "
                         "(one per word of the vocabulary); "
                         "retrain with python -m lstm_edu.apps.sentiment_reviews")
    model = ReviewLSTM(len(vocabulary), config)
    model.load_state_dict(state)
    return model.eval(), config


def accuracy_rate(probabilities, labels):
    """Accuracy of ``probabilities > 0.5`` as an :class:`lstm_edu.stats.Rate` (with its Wilson interval)."""
    from lstm_edu.stats import wilson_interval

    probabilities, labels = np.asarray(probabilities, dtype=float), np.asarray(labels)
    if probabilities.shape != labels.shape or probabilities.ndim != 1:
        raise ValueError(f"probabilities: expected shape {labels.shape}, got {probabilities.shape}")
    return wilson_interval(int(((probabilities > 0.5) == (labels == 1)).sum()), len(labels))


#: The parts of a test set scored separately: every sentence, those with "not" or "but", the rest.
SUBSETS = ("all", "not_or_but", "rest")


def subset_rates(probabilities, split: ReviewSplit) -> dict:
    """``{subset: Rate}``: accuracy with its Wilson interval on each of :data:`SUBSETS`."""
    probabilities = np.asarray(probabilities, dtype=float)
    mask = word_order_mask(split.texts)
    rows = {"all": np.ones_like(mask), "not_or_but": mask, "rest": ~mask}
    return {name: accuracy_rate(probabilities[rows[name]], split.labels[rows[name]]) for name in SUBSETS}


def median_run(rates) -> int:
    """Index of the run whose accuracy is the median (lower median for an even count):
    a real run's interval."""
    accuracies = [r.rate for r in rates]
    if not accuracies:
        raise ValueError("rates: expected at least one Rate")
    return int(np.argsort(accuracies, kind="stable")[(len(accuracies) - 1) // 2])


def _subset_metrics(probabilities, split: ReviewSplit) -> dict:
    return {name: {"correct": r.successes, "n": r.trials, "accuracy": r.rate}
            for name, r in subset_rates(probabilities, split).items()}


def train_seeds(seeds, out: Path = RESULTS, config: ReviewLSTMConfig = ReviewLSTMConfig(), log=print) -> dict:
    """Train one LSTM per seed on the fixed split;
    write ``sentiment_lstm_seed<k>.npz`` and ``sentiment.json``."""
    from lstm_edu.data.movie_reviews import load_movie_reviews

    torch.set_num_threads(1)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    parts = review_split(load_movie_reviews())
    vocabulary = CorpusVocabulary(parts["train"].texts)
    runs = []
    for seed in seeds:
        seeded = ReviewLSTMConfig(**{**asdict(config), "seed": check_seed("seed", seed)})
        start = time.perf_counter()
        model, history = train_review_lstm(parts["train"], parts["validation"], vocabulary, seeded)
        seconds = time.perf_counter() - start
        save_model(model, seeded, out / f"sentiment_lstm_seed{seed}.npz")
        metrics = _subset_metrics(predict_reviews(model, parts["test"].texts, vocabulary), parts["test"])
        runs.append({"seed": seed, "history": history, "train_seconds": round(seconds, 1), "test": metrics})
        log(f"seed {seed}: test accuracy {metrics['all']['accuracy']:.3f}, "
            f"best epoch {history['best_epoch']}, {seconds:.0f} s")
    summary = {"command": "python -m lstm_edu.apps.sentiment_reviews --seeds " + " ".join(map(str, seeds)),
               "config": asdict(config), "split_seed": 0, "vocabulary_size": len(vocabulary),
               "sizes": {k: len(v.texts) for k, v in parts.items()}, "torch": torch.__version__, "runs": runs}
    (out / "sentiment.json").write_text(json.dumps(summary, indent=1) + "\n")
    return summary


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lstm_edu.apps.sentiment_reviews",
                                     description="Train the review LSTM once per seed and write its results.")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    train_seeds(args.seeds, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
