"""Character sampling as the text-generation explorer does it in the browser.

The page's JavaScript (``lstm_edu/widgets/js/text_explorer.js``) cannot use numpy's
generator, so it draws with **mulberry32**, a small, well-known 32-bit PRNG (Tommy
Ettinger's; one 32-bit state word, period 2**32), written here bit for bit as in the
JavaScript. Given the same packed weights (:func:`lstm_edu.apps.browser_models.pack_lstm`),
prompt, temperature and seed, :func:`sample_packed` writes the same text as the page.
(It is not :func:`lstm_edu.apps.text_generation.sample`, which draws with numpy's PCG64.)

- :func:`mulberry32` -- the generator, uniform floats in ``[0, 1)``;
- :func:`char_ids` -- characters -> indices, unknown ones as ``?`` (as ``CharVocabulary``);
- :func:`char_distribution` -- ``apply_temperature`` of the float64 logits after a context;
- :func:`draw_index` -- inverse-CDF choice of one index from one uniform draw;
- :func:`sample_packed` -- the generated text.
"""
from __future__ import annotations

from typing import Iterator

import numpy as np

from lstm_edu.apps.browser_models import run_packed
from lstm_edu.apps.text_generation import apply_temperature
from lstm_edu.validation import check_int_range, check_positive_real, check_seed

__all__ = ["mulberry32", "char_ids", "char_distribution", "draw_index", "sample_packed"]

_MASK = 0xFFFFFFFF


def _imul(a: int, b: int) -> int:
    """JavaScript's ``Math.imul`` on unsigned 32-bit words (the low 32 bits of the product)."""
    return (a * b) & _MASK


def mulberry32(seed: int) -> Iterator[float]:
    """Uniform floats in ``[0, 1)`` from mulberry32 seeded with ``seed`` (``0 <= seed < 2**32``).

    The JavaScript, of which this is a line-by-line copy::

        a = (a + 0x6D2B79F5) >>> 0; let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    """
    state = check_int_range("seed", seed, 0, _MASK)
    while True:
        state = (state + 0x6D2B79F5) & _MASK
        t = state
        t = _imul(t ^ (t >> 15), t | 1)
        t ^= (t + _imul(t ^ (t >> 7), t | 61)) & _MASK
        yield ((t ^ (t >> 14)) & _MASK) / 4294967296


def char_ids(text: str, chars) -> np.ndarray:
    """Indices of ``text``'s characters in ``chars``; a character not in it maps to ``?`` (``(T,)`` int64)."""
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    index = {ch: k for k, ch in enumerate(chars)}
    if "?" not in index:
        raise ValueError("chars: expected a character list that contains '?'")
    return np.array([index.get(ch, index["?"]) for ch in text], dtype=np.int64)


def char_distribution(packed: dict, chars, context: str, temperature: float) -> np.ndarray:
    """``P(next character | context)`` at ``temperature`` ``(V,)``: float64 logits,
    then ``apply_temperature``."""
    if not isinstance(context, str) or not context:
        raise ValueError(f"context: expected a non-empty str, got {context!r:.40}")
    temperature = check_positive_real("temperature", temperature)
    return apply_temperature(run_packed(packed, char_ids(context, chars)).logits[-1], temperature)


def draw_index(probabilities, u: float) -> int:
    """The first index whose cumulative probability exceeds ``u`` (summed left to right, as in JS).

    If rounding leaves the total below ``u``, the last index with a positive probability.
    """
    total, last = 0.0, 0
    for k, p in enumerate(np.asarray(probabilities, dtype=np.float64).tolist()):
        if p > 0:
            last = k
        total += p
        if u < total:
            return k
    return last


def sample_packed(packed: dict, chars, prompt: str, length: int, temperature: float, seed: int) -> str:
    """``length`` characters continuing ``prompt``, each drawn with :func:`draw_index` and :func:`mulberry32`.

    The model reads the prompt, then its own draws one at a time (float64, from a zero state).
    """
    length = check_int_range("length", length, 1, 10_000)
    temperature = check_positive_real("temperature", temperature)
    uniforms = mulberry32(check_seed("seed", seed))
    if not isinstance(prompt, str) or not prompt:
        raise ValueError(f"prompt: expected a non-empty str, got {prompt!r:.40}")
    run = run_packed(packed, char_ids(prompt, chars))
    out = []
    for _ in range(length):
        k = draw_index(apply_temperature(run.logits[-1], temperature), next(uniforms))
        out.append(chars[k])
        run = run_packed(packed, np.array([k]), run.h[-1], run.c[-1])
    return "".join(out)
