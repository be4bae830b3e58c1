"""Shared pieces of the experiments: result files, rounding, batch helpers.

Results files are JSON written by ``python -m lstm_edu.experiments NAME [--full]`` under
``book/experiments/results/``. They hold the exact command, the configuration (seeds
included) and the package versions, and no timestamps or wall-clock times, so two runs of
the same command on the same machine give identical files.
"""
from __future__ import annotations

import dataclasses
import json
import math
import platform
from pathlib import Path

import numpy as np

__all__ = [
    "RESULTS_DIR",
    "round_sig",
    "versions",
    "write_results",
    "load_results",
    "config_to_dict",
    "new_figure",
    "format_table",
]

#: Where the CLI writes results (the repository's ``book/experiments/results``).
RESULTS_DIR = Path(__file__).resolve().parents[2] / "book" / "experiments" / "results"


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


def write_results(name: str, command: str, config, runs: list, directory: Path | None = None, **extra) -> Path:
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
    directory : Path, optional
        Default :data:`RESULTS_DIR`.
    **extra
        More JSON-ready top-level entries.

    Returns
    -------
    Path
        The file written.
    """
    directory = Path(directory) if directory is not None else RESULTS_DIR
    directory.mkdir(parents=True, exist_ok=True)
    payload = {"experiment": name, "command": command, "config": config_to_dict(config),
               "versions": versions(), "runs": runs, **extra}
    path = directory / f"{name}.json"
    path.write_text(json.dumps(payload, indent=1, sort_keys=True, allow_nan=True) + "\n")
    return path


def load_results(path) -> dict:
    """Read a results file written by :func:`write_results`.

    Raises
    ------
    FileNotFoundError
        Naming the command that creates the file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"path: no results file at {path}; create it with "
            f"`python -m lstm_edu.experiments {path.stem} --full` from the repository root"
        )
    return json.loads(path.read_text())


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
