"""Re-execute notebooks in place, saving outputs and widget state (the nbval baseline).

Usage: python scripts/execute_notebooks.py [NOTEBOOK ...]   (default: every notebook under book/)
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

ROOT = Path(__file__).resolve().parents[1]


def execute(path: Path, timeout: int = 600) -> float:
    """Execute one notebook in its own folder and write it back; return seconds taken."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True,
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    nbformat.write(nb, path)
    return seconds


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or sorted((ROOT / "book").rglob("*.ipynb"))
    paths = [p for p in paths if ".ipynb_checkpoints" not in p.parts]
    timings, failed = [], []
    for path in paths:
        try:
            seconds = execute(path.resolve())
        except (CellExecutionError, CellTimeoutError) as error:
            # the stored baseline is left as it was: a failed run never overwrites it
            failed.append(path)
            print(f"FAILED   {path}: {str(error).strip().splitlines()[-1]}", flush=True)
            continue
        timings.append((seconds, path))
        print(f"{seconds:7.1f} s  {path}", flush=True)
    total = sum(s for s, _ in timings)
    print(f"{total:7.1f} s  total for {len(timings)} notebooks")
    if failed:
        print(f"{len(failed)} notebook(s) failed and were not saved: " + " ".join(map(str, failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
