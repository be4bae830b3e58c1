"""Character-level text generation: the character LSTM, its training, scores and sampling.

Pieces:

- :class:`CharLSTM`, :class:`CharLSTMConfig`, :func:`train_char_lstm` -- the LSTM language
  model and its training on random chunks of a text;
- :func:`lstm_bits_per_char`, :func:`windowed_bits_per_char` -- how well it predicts a
  text, with the whole history or only the last few characters;
- :func:`next_char_distribution`, :func:`apply_temperature`, :func:`sample` --
  temperature sampling.

The rest of the text-generation page lives beside it and stays importable from here: the
corpus of standard-library modules and :class:`CharVocabulary` (:mod:`lstm_edu.apps.char_corpus`),
the n-gram baseline (:mod:`lstm_edu.apps.char_ngram`), what the cells track
(:mod:`lstm_edu.apps.cell_activations`) and the activation view
(:mod:`lstm_edu.apps.activation_view`).

The book's page trains these models on Moby-Dick instead (:mod:`lstm_edu.apps.char_model`:
the split, the trained seeds' results file, indicators for English); the Python-source
corpus remains for its exercise comparing cells in code and in prose.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from lstm_edu.apps.activation_view import activation_html
from lstm_edu.apps.cell_activations import best_cells, cell_states, code_indicators
from lstm_edu.apps.char_corpus import (
    HELD_OUT_MODULE,
    TRAIN_MODULES,
    CharVocabulary,
    Corpus,
    check_positions,
    load_corpus,
)
from lstm_edu.apps.char_ngram import NGramModel, bits_per_char
from lstm_edu.training import TrainConfig
from lstm_edu.training import train as run_training
from lstm_edu.validation import check_int_range, check_positive_real, check_seed

# The corpus, the baseline and the cell view are defined beside this module; they stay
# importable from here, where the book's page imports them.
__all__ = [
    "TRAIN_MODULES",
    "HELD_OUT_MODULE",
    "Corpus",
    "load_corpus",
    "CharVocabulary",
    "NGramModel",
    "bits_per_char",
    "CharLSTM",
    "CharLSTMConfig",
    "train_char_lstm",
    "lstm_bits_per_char",
    "windowed_bits_per_char",
    "next_char_distribution",
    "apply_temperature",
    "sample",
    "code_indicators",
    "cell_states",
    "best_cells",
    "activation_html",
]


class CharLSTM(nn.Module):
    """Embedding -> one LSTM layer -> next-character logits.

    Parameters
    ----------
    vocab_size, embed_size, hidden_size : int
    """

    def __init__(self, vocab_size: int, embed_size: int = 32, hidden_size: int = 128) -> None:
        super().__init__()
        sizes = (("vocab_size", vocab_size), ("embed_size", embed_size), ("hidden_size", hidden_size))
        for name, value in sizes:
            check_int_range(name, value, 1)
        self.embed = nn.Embedding(vocab_size, embed_size)
        self.lstm = nn.LSTM(embed_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, ids: torch.Tensor, state=None, return_state: bool = False):
        """``(B, T)`` ids -> ``(B, T, V)`` logits (and the final ``(h, c)`` if asked)."""
        hidden, state = self.lstm(self.embed(ids), state)
        logits = self.head(hidden)
        return (logits, state) if return_state else logits


@dataclass(frozen=True)
class CharLSTMConfig:
    """Size and training of :class:`CharLSTM` (Adam, clipping at norm 1, chunks of ``seq_length``)."""

    embed_size: int = 32
    hidden_size: int = 128
    seq_length: int = 100
    steps: int = 600
    batch_size: int = 32
    lr: float = 5e-3
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("embed_size", "hidden_size", "seq_length", "steps", "batch_size"):
            check_int_range(name, getattr(self, name), 1)
        check_positive_real("lr", self.lr)
        check_seed("seed", self.seed)


def train_char_lstm(text: str, vocabulary: CharVocabulary, config: CharLSTMConfig = CharLSTMConfig()):
    """Train a :class:`CharLSTM` on random chunks of ``text`` (next-character cross-entropy).

    Returns
    -------
    model : CharLSTM
        In eval mode.
    result : lstm_edu.training.TrainResult
        ``result.loss`` in nats per character.
    """
    if not isinstance(config, CharLSTMConfig):
        raise TypeError(f"config: expected a CharLSTMConfig, got {type(config).__name__}")
    ids = torch.as_tensor(vocabulary.encode(text))
    if len(ids) < config.seq_length + 2:
        raise ValueError(f"text: expected at least {config.seq_length + 2} characters, got {len(ids)}")
    torch.manual_seed(config.seed)
    model = CharLSTM(len(vocabulary), config.embed_size, config.hidden_size)
    offsets = torch.arange(config.seq_length + 1)

    def batch_fn(rng):
        starts = torch.as_tensor(rng.integers(0, len(ids) - config.seq_length - 1, size=config.batch_size))
        chunks = ids[starts[:, None] + offsets]  # (B, L + 1)
        return chunks[:, :-1], chunks[:, 1:]

    def loss_fn(logits, targets):
        return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))

    train_config = TrainConfig(steps=config.steps, batch_size=config.batch_size, lr=config.lr,
                               clip_norm=1.0, seed=config.seed)
    result = run_training(model, batch_fn, loss_fn, train_config)
    model.eval()
    return model, result


def lstm_bits_per_char(model: CharLSTM, text: str, vocabulary: CharVocabulary) -> float:
    """Average ``-log2 P(c_t | history)`` over ``text``, reading it in one pass from a zero state."""
    if not isinstance(text, str) or len(text) < 2:
        raise ValueError("text: expected a str of at least 2 characters")
    ids = torch.as_tensor(vocabulary.encode(text))[None]  # (1, T)
    with torch.no_grad():
        logits = model(ids[:, :-1])[0]  # (T - 1, V)
        nll = nn.functional.cross_entropy(logits, ids[0, 1:], reduction="mean")
    return float(nll) / math.log(2)


def windowed_bits_per_char(model: CharLSTM, text: str, vocabulary: CharVocabulary, window: int | None,
                           positions) -> float:
    """Bits per character when each prediction may see only the last ``window`` characters.

    For every ``t`` in ``positions`` the model reads ``text[t - window:t]`` from a zero state
    and is scored on ``text[t]``: a context-length ablation at evaluation time (the weights do
    not change). ``window=None`` reads the whole history ``text[:t]`` in one pass instead.

    Parameters
    ----------
    model : CharLSTM
    text : str
    vocabulary : CharVocabulary
    window : int or None
        Characters of context, ``1 <= window <= min(positions)``.
    positions : array_like of int
        Characters to score, each ``>= 1``.

    Returns
    -------
    float
        The average of ``-log2 P(text[t] | context)`` over ``positions``.
    """
    if not isinstance(text, str) or len(text) < 2:
        raise ValueError("text: expected a str of at least 2 characters")
    positions = check_positions(positions, len(text))
    ids = torch.as_tensor(vocabulary.encode(text))
    with torch.no_grad():
        if window is None:
            logits = model(ids[None, :-1])[0][torch.as_tensor(positions) - 1]  # predicts ids[t] from ids[:t]
        else:
            window = check_int_range("window", window, 1, int(positions.min()))
            starts = torch.as_tensor(positions)[:, None] + torch.arange(-window, 0)  # (P, window)
            logits = torch.cat([model(ids[chunk])[:, -1] for chunk in starts.split(2048)])
        nll = nn.functional.cross_entropy(logits, ids[torch.as_tensor(positions)], reduction="mean")
    return float(nll) / math.log(2)


def next_char_distribution(model: CharLSTM, context: str, vocabulary: CharVocabulary) -> np.ndarray:
    """The model's logits for the character after ``context`` ``(V,)``."""
    if not isinstance(context, str) or not context:
        raise ValueError("context: expected a non-empty str")
    ids = torch.as_tensor(vocabulary.encode(context))[None]
    with torch.no_grad():
        return model(ids)[0, -1].double().numpy()


def apply_temperature(logits: object, temperature: float) -> np.ndarray:
    """``softmax(logits / temperature)``: below 1 sharpens, above 1 flattens."""
    temperature = check_positive_real("temperature", temperature)
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim != 1 or logits.size == 0 or not np.isfinite(logits).all():
        raise ValueError(f"logits: expected a finite 1-d array, got shape {logits.shape}")
    scaled = logits / temperature
    scaled -= scaled.max()
    prob = np.exp(scaled)
    return prob / prob.sum()


def sample(model: CharLSTM, vocabulary: CharVocabulary, prompt: str, length: int,
           temperature: float = 1.0, seed: int = 0) -> str:
    """Continue ``prompt`` by ``length`` characters drawn from ``softmax(logits / temperature)``.

    Uses ``numpy.random.default_rng(seed)``, so the same arguments give the same text.
    """
    length = check_int_range("length", length, 1)
    temperature = check_positive_real("temperature", temperature)
    rng = np.random.default_rng(check_seed("seed", seed))
    if not isinstance(prompt, str) or not prompt:
        raise ValueError("prompt: expected a non-empty str")
    with torch.no_grad():
        logits, state = model(torch.as_tensor(vocabulary.encode(prompt))[None], return_state=True)
        out = []
        for _ in range(length):
            prob = apply_temperature(logits[0, -1].double().numpy(), temperature)
            k = int(rng.choice(len(prob), p=prob))
            out.append(k)
            logits, state = model(torch.tensor([[k]]), state, return_state=True)
    return vocabulary.decode(out)
