"""What the cells of a character LSTM track (Karpathy et al. 2015; Strobelt et al., LSTMVis).

- :func:`code_indicators` -- for every character of Python source, whether it is inside a
  string literal or a comment, how deep inside brackets, and its line's indentation (from
  :mod:`tokenize`);
- :func:`cell_states` -- the numpy twin's trace of a :class:`~lstm_edu.apps.text_generation.CharLSTM`
  over a text;
- :func:`best_cells` -- the cells whose value over time correlates most with an indicator.

:func:`~lstm_edu.apps.activation_view.activation_html` shows one cell over the text.
"""
from __future__ import annotations

import io
import tokenize
from typing import TYPE_CHECKING

import numpy as np
import torch

from lstm_edu.apps.char_corpus import CharVocabulary
from lstm_edu.validation import check_int_range

if TYPE_CHECKING:  # the model module imports this one
    from lstm_edu.apps.text_generation import CharLSTM

__all__ = ["code_indicators", "cell_states", "best_cells"]


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
