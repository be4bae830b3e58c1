"""One call at the top of every notebook: seeds, threads and plotting defaults."""
from __future__ import annotations

import numbers
import random

import numpy as np

__all__ = ["BOOK_STYLE", "setup_notebook", "glue"]

#: The matplotlib settings every figure of the book is drawn with (``setup_notebook`` applies them).
BOOK_STYLE = {
    "figure.dpi": 80,
    "savefig.dpi": 80,
    "figure.figsize": (7.0, 3.2),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "font.size": 10,
    "svg.hashsalt": "lstm-book",
}


def setup_notebook(seed: int = 0) -> None:
    """Make a notebook's outputs identical from run to run.

    Seeds Python, numpy and torch, pins torch to one thread and to deterministic
    algorithms (so printed losses do not depend on the core count), and sets the
    matplotlib defaults the book's figures share.

    Parameters
    ----------
    seed : int, default 0
        Seed for ``random``, ``numpy.random`` and ``torch``.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"seed: expected an int, got {type(seed).__name__}")
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a hard requirement of the book
        torch = None
    if torch is not None:
        torch.manual_seed(seed)
        torch.set_num_threads(1)
        torch.use_deterministic_algorithms(True)
    import matplotlib

    matplotlib.rcParams.update(BOOK_STYLE)


def glue(name: str, value) -> None:
    """Store a number (or a short text) for the page's prose, without displaying it.

    The prose inserts it with ``{glue:text}`name:.3g``` (myst-nb), so the sentence and the
    cell that computed the number cannot drift apart; nbval compares the stored value like
    any other output. This is ``myst_nb.glue(name, value, display=False)`` with numpy
    scalars turned into Python numbers first: myst-nb reads the value back from its
    ``repr``, and ``repr(np.float64(0.5))`` is ``"np.float64(0.5)"``, which a format
    specification such as ``.3g`` cannot format.

    Parameters
    ----------
    name : str
        The key used in the prose (letters, digits and underscores).
    value : int, float, numpy scalar or str
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise (TypeError if not isinstance(name, str) else ValueError)(
            f"name: expected an identifier such as 'lstm_success_rate', got {name!r}"
        )
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"value: expected a number or a str, got a bool {value!r}")
    if isinstance(value, numbers.Integral):
        value = int(value)
    elif isinstance(value, numbers.Real):
        value = float(value)
    elif not isinstance(value, str):
        raise TypeError(f"value: expected a number or a str, got {type(value).__name__} {value!r}")
    from myst_nb import glue as myst_glue

    myst_glue(name, value, display=False)
