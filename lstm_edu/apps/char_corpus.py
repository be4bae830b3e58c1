"""The text the character models read: a corpus of standard-library modules and its alphabet.

- :func:`load_corpus` -- a fixed list of modules read from the running Python's standard
  library (``sysconfig.get_paths()["stdlib"]``), so nothing is downloaded; non-ASCII
  characters are replaced by ``?``;
- :class:`CharVocabulary` -- characters <-> indices;
- :func:`check_positions` -- which characters of a text a score is taken over.

The text differs between Python versions (the book's outputs come from Python 3.11; the
modules are the same in 3.11.2 and 3.11.7).
"""
from __future__ import annotations

import sysconfig
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["TRAIN_MODULES", "HELD_OUT_MODULE", "Corpus", "load_corpus", "CharVocabulary",
           "check_positions"]

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


def check_positions(positions, length: int) -> np.ndarray:
    """Positions ``1 <= t < length`` of a text to score, as an int64 array.

    ValueError unless ``positions`` is a non-empty 1-d array of ints in that range.
    """
    positions = np.asarray(positions)
    if positions.ndim != 1 or positions.size == 0 or not np.issubdtype(positions.dtype, np.integer):
        raise ValueError(f"positions: expected a non-empty 1-d array of ints, got {positions!r:.80}")
    if positions.min() < 1 or positions.max() >= length:
        raise ValueError(f"positions: expected values in [1, {length - 1}], "
                         f"got {positions.min()}..{positions.max()}")
    return positions.astype(np.int64)
