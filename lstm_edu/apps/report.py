"""Plain-text tables for the notebooks: numbers to 3 significant digits, so nbval compares stable text."""
from __future__ import annotations

import numbers

import numpy as np

__all__ = ["fmt", "table"]


def fmt(value: object, digits: int = 3) -> str:
    """A number to ``digits`` significant digits (``nan`` for NaN); other values via ``str``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return str(value)
    if np.isnan(value):
        return "nan"
    return f"{float(value):.{digits}g}"


def table(rows: dict, columns: list, digits: int = 3) -> str:
    """A left-aligned text table.

    Parameters
    ----------
    rows : dict of str to sequence
        Row label -> one value per column.
    columns : list of str
        Column headers.
    digits : int
        Significant digits of numbers.

    Returns
    -------
    str
    """
    if not isinstance(rows, dict) or not rows:
        raise TypeError("rows: expected a non-empty dict of row label -> values")
    for label, values in rows.items():
        if len(values) != len(columns):
            raise ValueError(f"rows[{label!r}]: expected {len(columns)} values (one per column), "
                             f"got {len(values)}")
    cells = [[""] + [str(c) for c in columns]]
    cells += [[str(label)] + [fmt(v, digits) for v in values] for label, values in rows.items()]
    widths = [max(len(row[k]) for row in cells) for k in range(len(cells[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in cells)
