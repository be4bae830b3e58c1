"""Shared pieces of the experiments: config checks, parallel runs, result files, tables.

Results files are JSON written by ``python -m lstm_edu.experiments NAME [--full]``. The
folder is always the caller's to name (``write_results(..., directory)``): the package
knows nothing of the repository's folders. The command line resolves it: a scratch folder
by default (:func:`scratch_dir`), the book's ``book/experiments/results/`` under the
repository root only when asked (``--publish``), or ``--out DIR``. The files hold the
exact command, the configuration (seeds included), the package versions and whether the
run completed, and no timestamps or wall-clock times, so two runs of the same command on
the same machine give identical files. Files are written atomically (a temporary file,
then a rename), so an interrupted run never leaves a half-written or overwritten results
file behind.
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
import platform
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from ..validation import check_choices, check_int, check_number, check_seeds

__all__ = [
    "scratch_dir",
    "IncompleteResultsError",
    "check_int",
    "check_number",
    "check_seeds",
    "check_choices",
    "run_jobs",
    "round_sig",
    "versions",
    "write_results",
    "load_results",
    "config_to_dict",
    "new_figure",
    "format_table",
]

def scratch_dir() -> Path:
    """The command line's default results folder: ``$XDG_CACHE_HOME/lstm_edu/experiments``.

    (``~/.cache/lstm_edu/experiments`` when ``XDG_CACHE_HOME`` is unset.)
    """
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "lstm_edu" / "experiments"


class IncompleteResultsError(ValueError):
    """A results file from a run that did not finish, where final results were asked for."""


# ---------------------------------------------------------------- config checks


# check_int, check_number, check_seeds and check_choices live in lstm_edu.validation; the
# experiment configs import them from here too.


# ---------------------------------------------------------------- parallel runs


def _worker_init() -> None:
    """Each worker process trains on one thread, as the notebooks do."""
    import torch

    torch.set_num_threads(1)


def run_jobs(function, jobs: list, workers: int = 1, progress=None) -> list:
    """``[function(job) for job in jobs]``, over ``workers`` processes.

    Results come back in the order of ``jobs`` whatever the number of workers; each job
    seeds everything it uses, so the results do not depend on ``workers`` either.
    ``progress`` is called with ``(index, result)`` as each job finishes.
    """
    workers = check_int("workers", workers)
    jobs = list(jobs)
    results = [None] * len(jobs)
    if workers == 1 or len(jobs) <= 1:
        for index, job in enumerate(jobs):
            results[index] = function(job)
            if progress is not None:
                progress(index, results[index])
        return results
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=get_context("spawn"),
                             initializer=_worker_init) as pool:
        futures = {pool.submit(function, job): index for index, job in enumerate(jobs)}
        try:
            for future in as_completed(futures):
                index = futures[future]
                results[index] = future.result()
                if progress is not None:
                    progress(index, results[index])
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return results


def round_sig(value, digits: int = 3):
    """Round a number to ``digits`` significant digits (NaN, inf and None pass through).

    Parameters
    ----------
    value : float, int or None
    digits : int, default 3

    Returns
    -------
    float, int or None
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    value = float(value)
    if value == 0.0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - int(math.floor(math.log10(abs(value)))))


def versions() -> dict:
    """Python, numpy and torch versions (recorded in every results file)."""
    import torch

    return {"python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__}


def config_to_dict(config) -> dict:
    """A config dataclass as a JSON-ready dict (tuples become lists)."""
    return json.loads(json.dumps(dataclasses.asdict(config)))


def write_results(name: str, command: str, config, runs: list, directory, **extra) -> Path:
    """Write ``{experiment, command, config, versions, runs, ...}`` to ``NAME.json``.

    Parameters
    ----------
    name : str
        File stem, e.g. ``"adding"``.
    command : str
        The exact command line that produced the results.
    config : dataclass
        The run's configuration (seeds included).
    runs : list of dict
        One dict per run (JSON-ready).
    directory : str or Path
        The results folder (created if missing). No default: the caller decides, e.g. the
        command line's ``--out``, :func:`scratch_dir` or the book's folder.
    **extra
        More JSON-ready top-level entries (``complete``, ``seconds`` ...); ``stem``
        overrides the file name (default ``name``).

    Returns
    -------
    Path
        The file written (atomically: a temporary file in the same folder, then a rename).
    """
    if not isinstance(directory, (str, os.PathLike)):
        raise TypeError(f"directory: expected a str or Path (the results folder), "
                        f"got {type(directory).__name__} {directory!r}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    stem = extra.pop("stem", name)
    payload = {"experiment": name, "command": command, "config": config_to_dict(config),
               "versions": versions(), "runs": runs, **extra}
    text = json.dumps(payload, indent=1, sort_keys=True, allow_nan=True) + "\n"
    path = directory / f"{stem}.json"
    handle, temporary = tempfile.mkstemp(prefix=f".{stem}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "w") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def load_results(path, require_complete: bool = True) -> dict:
    """Read a results file written by :func:`write_results`.

    Parameters
    ----------
    path : str or Path
    require_complete : bool, default True
        Refuse the results of a run that did not finish (``complete: false``).

    Raises
    ------
    FileNotFoundError
        Naming the command that creates the file.
    IncompleteResultsError
        If ``require_complete`` and the run did not finish.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path: expected a str or Path, got {type(path).__name__}")
    path = Path(path)
    command = f"`python -m lstm_edu.experiments {path.stem} --full --publish` from the repository root"
    if not path.is_file():
        raise FileNotFoundError(f"path: no results file at {path}; create it with {command}")
    results = json.loads(path.read_text())
    if require_complete and results.get("complete") is not True:
        done = len(results.get("runs", []))
        raise IncompleteResultsError(
            f"path: {path} holds the partial results of an unfinished run ({done} runs, complete: "
            f"{results.get('complete')!r}); they are not final results. Finish the run with {command}, "
            "or pass require_complete=False to look at them anyway"
        )
    return results


def new_figure(ax=None, figsize: tuple = (6.0, 3.2)):
    """A new constrained-layout figure with one axes (no pyplot state), or ``ax``'s figure."""
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    if ax is None:
        figure = Figure(figsize=figsize, dpi=80, layout="constrained")
        return figure, figure.add_subplot()
    if not isinstance(ax, Axes):
        raise TypeError(f"ax: expected a matplotlib Axes or None, got {type(ax).__name__}")
    return ax.figure, ax


def format_table(rows: list, columns: list | None = None) -> str:
    """Rows of dicts as a fixed-width text table (numbers to 3 significant digits).

    Parameters
    ----------
    rows : list of dict
    columns : list of str, optional
        Which keys, in order (default: the first row's keys).

    Returns
    -------
    str
    """
    if not rows:
        raise ValueError("rows: expected at least one row, got none")
    columns = list(columns or rows[0])
    missing = [c for c in columns if c not in rows[0]]
    if missing:
        raise ValueError(f"columns: {missing} are not keys of the rows ({list(rows[0])})")

    def text(value):
        if value is None:
            return "-"
        if isinstance(value, float):
            return f"{round_sig(value):g}"
        return str(value)

    cells = [[text(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[k]) for r in cells)) for k, c in enumerate(columns)]
    lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths)) for r in cells]
    return "\n".join(lines)
