"""Character-level text generation on Python's own standard library, and what its cells track.

The corpus is a fixed list of modules read from the running Python's standard library
(``sysconfig.get_paths()["stdlib"]``), so nothing is downloaded; the text differs
between Python versions (the book's outputs come from Python 3.11; the modules are the same
in 3.11.2 and 3.11.7). Pieces:

- :func:`load_corpus` -- the modules' source, non-ASCII characters replaced by ``?``;
- :class:`NGramModel` -- a character n-gram baseline, each order smoothed towards the next
  lower one;
- :class:`CharLSTM`, :func:`train_char_lstm`, :func:`sample` -- the LSTM language model and
  temperature sampling;
- :func:`code_indicators` -- for every character, whether it is inside a string literal or
  a comment, how deep inside brackets, and its line's indentation (from :mod:`tokenize`);
- :func:`cell_states`, :func:`best_cells`, :func:`activation_html` -- the cell-activation
  view (Karpathy et al. 2015; Strobelt et al., LSTMVis).

The book's page trains these models on Moby-Dick instead (:mod:`lstm_edu.apps.char_model`:
the split, the trained seeds' results file, indicators for English); the Python-source
corpus remains for its exercise comparing cells in code and in prose.
"""
from __future__ import annotations

import html
import io
import math
import sysconfig
import tokenize
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from lstm_edu.apps._common import check_int_range, check_positive_real, check_seed
from lstm_edu.training import TrainConfig
from lstm_edu.training import train as run_training

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

#: Standard-library modules the model learns from (read in this order). Chosen, with the
#: held-out one, among modules whose source is the same in Python 3.11.2 (Debian 12) and
#: 3.11.7, so that the notebook's outputs do not depend on which of those runs it.
TRAIN_MODULES = ("bisect.py", "reprlib.py", "fnmatch.py", "sched.py", "copy.py", "glob.py",
                 "queue.py", "string.py", "heapq.py", "functools.py", "random.py", "fractions.py")
#: The module kept apart for evaluation and for the activation view.
HELD_OUT_MODULE = "textwrap.py"


@dataclass(frozen=True)
class Corpus:
    """Training and held-out text, each a concatenation of whole files."""

    train: str
    held_out: str
    train_files: tuple
    held_out_file: str


def _read_module(name: str, root: Path) -> str:
    """One module's source with non-ASCII characters replaced by ``?`` (one for one)."""
    path = root / name
    if not path.is_file():
        raise FileNotFoundError(f"{name}: not found in the standard library at {root}")
    text = path.read_text(encoding="utf-8")
    return "".join(ch if ord(ch) < 128 else "?" for ch in text)


def load_corpus(train_modules=TRAIN_MODULES, held_out_module: str = HELD_OUT_MODULE,
                root: str | Path | None = None) -> Corpus:
    """Read the corpus from the standard library of the running Python.

    Parameters
    ----------
    train_modules : sequence of str
        File names under the standard-library folder.
    held_out_module : str
    root : path, optional
        Folder to read from (default ``sysconfig.get_paths()["stdlib"]``).

    Returns
    -------
    Corpus
    """
    root = Path(sysconfig.get_paths()["stdlib"] if root is None else root)
    if isinstance(train_modules, str) or not len(train_modules):
        raise TypeError(f"train_modules: expected a non-empty sequence of file names, got {train_modules!r}")
    if held_out_module in train_modules:
        raise ValueError(f"held_out_module: {held_out_module!r} is also a training module")
    train = "".join(_read_module(name, root) for name in train_modules)
    return Corpus(train=train, held_out=_read_module(held_out_module, root),
                  train_files=tuple(train_modules), held_out_file=held_out_module)


class CharVocabulary:
    """Characters <-> indices. Characters not seen in ``text`` map to ``?``.

    Parameters
    ----------
    text : str
        Defines the alphabet (must contain ``?`` or it is added).
    """

    def __init__(self, text: str) -> None:
        if not isinstance(text, str) or not text:
            raise TypeError("text: expected a non-empty str")
        self.chars = sorted(set(text) | {"?"})
        self.index = {ch: k for k, ch in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        """Indices ``(len(text),)`` int64."""
        unknown = self.index["?"]
        return np.array([self.index.get(ch, unknown) for ch in text], dtype=np.int64)

    def decode(self, indices) -> str:
        """Text of a sequence of indices."""
        return "".join(self.chars[int(k)] for k in indices)


# -- n-gram baseline --------------------------------------------------------------------


class NGramModel:
    """Character n-gram model, each order smoothed towards the next lower one.

    ``P_n(c | h) = (N(h, c) + alpha * P_{n-1}(c | h')) / (N(h) + alpha)`` where ``h`` is
    the previous ``n - 1`` characters, ``h'`` drops the oldest of them, and ``P_0`` is
    uniform over the vocabulary. An unseen context (``N(h) = 0``) leaves the lower
    order's probability unchanged.

    Parameters
    ----------
    vocabulary : CharVocabulary
    order : int
        ``n``: the model reads ``n - 1`` characters of context.
    alpha : float
        Strength of the pull towards the lower order.
    """

    def __init__(self, vocabulary: CharVocabulary, order: int = 5, alpha: float = 2.0) -> None:
        if not isinstance(vocabulary, CharVocabulary):
            raise TypeError(f"vocabulary: expected a CharVocabulary, got {type(vocabulary).__name__}")
        self.vocabulary = vocabulary
        self.order = check_int_range("order", order, 1)
        self.alpha = check_positive_real("alpha", alpha)
        if (len(vocabulary) + 1) ** (order - 1) * len(vocabulary) >= 2**62:
            raise ValueError(f"order: {order} is too large for a vocabulary of {len(vocabulary)} characters")
        self.tables: list | None = None

    def fit(self, text: str) -> "NGramModel":
        """Count every context of length ``0 .. order-1`` with its next character; returns self."""
        ids = self.vocabulary.encode(text)
        self.tables = []
        for n in range(self.order):  # context length n
            codes = self._codes(ids, n)[n:]  # (N - n,) context code of each position
            pairs = np.unique(codes * len(self.vocabulary) + ids[n:], return_counts=True)
            contexts = np.unique(codes, return_counts=True)
            self.tables.append((pairs, contexts))
        return self

    def _codes(self, ids: np.ndarray, n: int) -> np.ndarray:
        """Code of the ``n`` characters before each position (base-V number; 0 where t < n)."""
        V = len(self.vocabulary)
        codes = np.zeros(len(ids), dtype=np.int64)
        for back in range(1, n + 1):
            shifted = np.zeros(len(ids), dtype=np.int64)
            shifted[back:] = ids[:-back] + 1  # +1 so that "no character" differs from id 0
            codes = codes * (V + 1) + shifted
        return codes

    @staticmethod
    def _lookup(table: tuple, keys: np.ndarray) -> np.ndarray:
        """Counts of ``keys`` in a ``(unique_keys, counts)`` table (0 when absent)."""
        unique, counts = table
        where = np.clip(np.searchsorted(unique, keys), 0, len(unique) - 1)
        return np.where(unique[where] == keys, counts[where], 0).astype(np.float64)

    def probabilities(self, ids: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """``P(targets[t] | ids[:t])`` for every ``t`` (the history is the sequence so far)."""
        if self.tables is None:
            raise ValueError("NGramModel: call fit(text) before using the model")
        V = len(self.vocabulary)
        prob = np.full(len(targets), 1.0 / V)
        for n, (pairs, contexts) in enumerate(self.tables):
            codes = self._codes(ids, n)
            # positions with fewer than n characters before them keep the lower order
            usable = np.arange(len(ids)) >= n
            joint = self._lookup(pairs, codes * V + targets) * usable
            total = self._lookup(contexts, codes) * usable
            prob = (joint + self.alpha * prob) / (total + self.alpha)
        return prob

    def distribution(self, context: str) -> np.ndarray:
        """``P(next | context)`` over the whole vocabulary ``(V,)``."""
        if not isinstance(context, str):
            raise TypeError(f"context: expected a str, got {type(context).__name__}")
        V = len(self.vocabulary)
        ids = np.concatenate([self.vocabulary.encode(context), [0]])  # placeholder for the next char
        out = np.empty(V)
        for c in range(V):
            ids[-1] = c
            out[c] = self.probabilities(ids, ids)[-1]
        return out


def _check_positions(positions, length: int) -> np.ndarray:
    """Positions ``1 <= t < length`` as an int64 array (a non-empty 1-d array of ints)."""
    positions = np.asarray(positions)
    if positions.ndim != 1 or positions.size == 0 or not np.issubdtype(positions.dtype, np.integer):
        raise ValueError(f"positions: expected a non-empty 1-d array of ints, got {positions!r:.80}")
    if positions.min() < 1 or positions.max() >= length:
        raise ValueError(f"positions: expected values in [1, {length - 1}], got {positions.min()}..{positions.max()}")
    return positions.astype(np.int64)


def bits_per_char(model: NGramModel, text: str, positions=None) -> float:
    """Average ``-log2 P(c_t | history)`` over ``text`` from its second character on.

    ``positions`` (optional) scores only those characters ``t`` (each ``>= 1``).
    """
    if not isinstance(text, str) or len(text) < 2:
        raise ValueError("text: expected a str of at least 2 characters")
    ids = model.vocabulary.encode(text)
    prob = model.probabilities(ids, ids)
    if positions is None:
        return float(-np.log2(prob[1:]).mean())
    return float(-np.log2(prob[_check_positions(positions, len(text))]).mean())


# -- the character LSTM ---------------------------------------------------------------------


class CharLSTM(nn.Module):
    """Embedding -> one LSTM layer -> next-character logits.

    Parameters
    ----------
    vocab_size, embed_size, hidden_size : int
    """

    def __init__(self, vocab_size: int, embed_size: int = 32, hidden_size: int = 128) -> None:
        super().__init__()
        for name, value in (("vocab_size", vocab_size), ("embed_size", embed_size), ("hidden_size", hidden_size)):
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
        check_seed(self.seed)


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
    positions = _check_positions(positions, len(text))
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
    rng = np.random.default_rng(check_seed(seed))
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


# -- what the cells track ------------------------------------------------------------------


def code_indicators(source: str) -> dict[str, np.ndarray]:
    """Per-character facts about Python source, from :mod:`tokenize`.

    Parameters
    ----------
    source : str
        Valid Python source.

    Returns
    -------
    dict of str to numpy.ndarray
        Each ``(len(source),)``:

        - ``"in_string"`` -- 1 inside a string literal (prefix and quotes included);
        - ``"in_comment"`` -- 1 inside a ``#`` comment;
        - ``"bracket_depth"`` -- how many ``(``, ``[``, ``{`` are open (a bracket itself
          counts as inside);
        - ``"indent"`` -- number of leading spaces of the character's line.
    """
    if not isinstance(source, str):
        raise TypeError(f"source: expected a str, got {type(source).__name__}")
    line_starts = np.concatenate([[0], np.cumsum([len(line) for line in source.splitlines(keepends=True)])])

    def offset(row: int, col: int) -> int:
        return int(line_starts[row - 1] + col)

    n = len(source)
    in_string, in_comment = np.zeros(n), np.zeros(n)
    depth_change = np.zeros(n + 1)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError) as error:
        raise ValueError(f"source: expected valid Python, tokenize failed: {error}") from None
    for token in tokens:
        start, end = offset(*token.start), offset(*token.end)
        if token.type == tokenize.STRING:
            in_string[start:end] = 1.0
        elif token.type == tokenize.COMMENT:
            in_comment[start:end] = 1.0
        elif token.type == tokenize.OP and token.string in "([{":
            depth_change[start] += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth_change[end] -= 1
    bracket_depth = np.cumsum(depth_change)[:n]
    indent = np.zeros(n)
    for first, stop in zip(line_starts[:-1], line_starts[1:]):
        line = source[first:stop]
        indent[first:stop] = len(line) - len(line.lstrip(" "))
    return {"in_string": in_string, "in_comment": in_comment,
            "bracket_depth": bracket_depth, "indent": indent}


def cell_states(model: CharLSTM, text: str, vocabulary: CharVocabulary):
    """The numpy twin's trace of the LSTM over ``text``: cell state ``c``, gates, etc.

    Uses :func:`lstm_edu.from_torch` on ``model.lstm``; the embedding is applied in torch.

    Returns
    -------
    lstm_edu.Trace
        Batch-first: ``trace.c`` is ``(1, T, H)`` where ``T = len(text)``; ``trace.c[0, t]``
        is the state after reading ``text[t]``.
    """
    from lstm_edu import from_torch

    ids = torch.as_tensor(vocabulary.encode(text))[None]
    with torch.no_grad():
        embedded = model.embed(ids).double().numpy()  # (1, T, E)
    return from_torch(model.lstm).forward(embedded)


def best_cells(states: object, indicator: object, top: int = 3) -> list[tuple[int, float]]:
    """Cells whose value over time correlates most with an indicator.

    Parameters
    ----------
    states : array_like
        ``(T, H)`` one value per cell and character.
    indicator : array_like
        ``(T,)``.
    top : int

    Returns
    -------
    list of (cell, r)
        The ``top`` cells by ``|r|`` (Pearson correlation), largest first; constant cells
        get ``r = 0``.
    """
    states = np.asarray(states, dtype=np.float64)
    indicator = np.asarray(indicator, dtype=np.float64)
    if states.ndim != 2 or indicator.shape != (states.shape[0],):
        raise ValueError(f"indicator: expected shape ({states.shape[0]},) to match states (T, H), "
                         f"got states {states.shape}, indicator {indicator.shape}")
    top = check_int_range("top", top, 1, states.shape[1])
    centred = states - states.mean(axis=0)
    target = indicator - indicator.mean()
    denominator = np.sqrt((centred**2).sum(axis=0) * (target**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(denominator > 0, centred.T @ target / np.where(denominator > 0, denominator, 1.0), 0.0)
    order = np.argsort(-np.abs(r), kind="stable")[:top]
    return [(int(k), float(r[k])) for k in order]


def activation_html(text: str, values: object, limit: float | None = None) -> str:
    """Text coloured by one value per character: blue for negative, red for positive.

    Parameters
    ----------
    text : str
    values : array_like
        ``(len(text),)``.
    limit : float, optional
        Value that maps to full colour (default: the largest ``|value|``).

    Returns
    -------
    str
        A ``<pre>`` block of ``<span>`` elements whose background alpha is ``|v| / limit``
        (rounded to 2 decimals); newlines are kept as text.
    """
    values = np.asarray(values, dtype=np.float64)
    if not isinstance(text, str) or values.shape != (len(text),):
        raise ValueError(f"values: expected shape ({len(text)},) like text, got {values.shape}")
    limit = float(np.abs(values).max()) if limit is None else check_positive_real("limit", limit)
    limit = limit or 1.0
    spans = []
    for ch, v in zip(text, values):
        alpha = min(abs(v) / limit, 1.0)
        colour = "220,50,47" if v > 0 else "38,139,210"
        spans.append(f'<span style="background:rgba({colour},{alpha:.2f})">{html.escape(ch)}</span>'
                     if ch != "\n" else "\n")
    return ('<pre style="font-size:12px;line-height:1.35;white-space:pre-wrap">' + "".join(spans) + "</pre>")
