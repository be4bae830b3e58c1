"""The cell-activation view: a text coloured by one value per character (an HTML block)."""
from __future__ import annotations

import html

import numpy as np

from lstm_edu.validation import check_positive_real

__all__ = ["activation_html"]


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
