"""A character n-gram model, the baseline the character LSTM has to beat.

:class:`NGramModel` smooths each order towards the next lower one; :func:`bits_per_char`
scores a text with it.
"""
from __future__ import annotations

import numpy as np

from lstm_edu.apps.char_corpus import CharVocabulary, check_positions
from lstm_edu.validation import check_int_range, check_positive_real

__all__ = ["NGramModel", "bits_per_char"]


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
    return float(-np.log2(prob[check_positions(positions, len(text))]).mean())
