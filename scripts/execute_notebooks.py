"""Re-execute notebooks in place, saving outputs and widget state (the nbval baseline).

Usage: python scripts/execute_notebooks.py [--timeout SECONDS] [NOTEBOOK ...]
       (default: every notebook under book/; --timeout is per cell, default 600)

Nothing is lost when a notebook fails. Every notebook is attempted, whatever happened to the
ones before it; a notebook is written back only when all its cells ran, and then through a
temporary file that replaces it in one step, so the file of a notebook that failed (a cell
that raised or timed out, a kernel that died, a file that is missing or is not a notebook)
is left byte for byte as it was. At the end a summary names every failure with its reason,
and the exit status is 1 if any notebook failed, 0 otherwise.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TIMEOUT = 600
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class NotebookFailed(Exception):
    """A notebook that could not be executed; the message is the reason, on one line."""


def reason(error: BaseException) -> str:
    """One line saying why a notebook failed: the kind of error and its last message line."""
    lines = [line.strip() for line in ANSI.sub("", str(error)).splitlines() if line.strip()]
    message = lines[-1] if lines else "(no message)"
    return f"{type(error).__name__}: {message}"


def write_atomically(nb, path: Path) -> None:
    """Write ``nb`` to ``path`` through a temporary file in the same folder.

    The temporary file replaces ``path`` only once it is completely written (``os.replace``
    is atomic), so an error while writing leaves the old file as it was. The file keeps its
    permission bits.
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        nbformat.write(nb, temporary)
        shutil.copymode(path, temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def execute(path: Path, timeout: int = DEFAULT_TIMEOUT) -> float:
    """Execute one notebook in its own folder and write it back; return seconds taken.

    Raises ``NotebookFailed`` (with the reason) if the notebook cannot be read or any cell
    fails, times out or kills the kernel; the file is then not written.
    """
    if not path.exists():
        raise NotebookFailed("no such file")
    if not path.is_file():
        raise NotebookFailed("not a file")
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as error:  # not JSON, or not a notebook
        raise NotebookFailed(f"cannot be read as a notebook: {reason(error)}") from error
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True,
    )
    start = time.perf_counter()
    try:
        client.execute()
    except Exception as error:  # CellExecutionError, CellTimeoutError, DeadKernelError, ...
        raise NotebookFailed(reason(error)) from error
    seconds = time.perf_counter() - start
    try:
        write_atomically(nb, path)
    except Exception as error:
        raise NotebookFailed(f"executed, but could not be saved: {reason(error)}") from error
    return seconds


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook under book/")
    parser.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT, help="seconds per cell (default 600)")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "book").rglob("*.ipynb"))
    paths = [p for p in paths if ".ipynb_checkpoints" not in p.parts]
    timings: list[tuple[float, Path]] = []
    failed: list[tuple[Path, str]] = []
    for path in paths:
        try:
            seconds = execute(path.resolve(), timeout=args.timeout)
        except NotebookFailed as error:
            failed.append((path, str(error)))
            print(f"FAILED   {path}: {error}", flush=True)
            continue
        except Exception as error:  # anything unforeseen: still go on with the next notebook
            failed.append((path, f"unexpected error: {reason(error)}"))
            print(f"FAILED   {path}: unexpected error: {reason(error)}", flush=True)
            continue
        timings.append((seconds, path))
        print(f"{seconds:7.1f} s  {path}", flush=True)
    total = sum(s for s, _ in timings)
    print(f"{total:7.1f} s  total for {len(timings)} notebooks")
    print(f"summary: {len(timings)} executed and saved, {len(failed)} failed")
    if failed:
        print(f"{len(failed)} notebook(s) failed and were not saved (their files are unchanged):")
        for path, why in failed:
            print(f"  FAILED {path}: {why}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
