"""scripts/execute_notebooks.py loses nothing: it goes on past failed notebooks, leaves their
files byte for byte as they were, saves the good ones, names every failure and its reason in
a summary, and exits 1 if any notebook failed (0 otherwise).

The script runs as a subprocess on small temporary notebooks (each kernel start takes about a
second); one run over a mix of good and failing notebooks is shared by several tests.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "execute_notebooks.py"

pytestmark = pytest.mark.slow  # each run starts Jupyter kernels


def notebook(path: Path, *sources: str) -> Path:
    """Write a notebook with one code cell per source, never executed, and return its path."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(nb, path)
    return path


def run_script(*args: object, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT,
    )


def summary_lines(stdout: str) -> list[str]:
    """The lines of the final summary that name a failed notebook."""
    return [line.strip() for line in stdout.splitlines() if line.startswith("  FAILED ")]


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory):
    """One run over: a raising cell, a good notebook, invalid JSON, a missing path, a kernel
    that dies, and a second good notebook (failures first, so carrying on is tested)."""
    folder = tmp_path_factory.mktemp("notebooks")
    paths = {
        "raises": notebook(folder / "raises.ipynb", "x = 1", "raise ValueError('boom from a cell')", "y = 2"),
        "good": notebook(folder / "good.ipynb", "print(6 * 7)", "import os\nprint(os.getcwd())"),
        "bad_json": folder / "bad_json.ipynb",
        "missing": folder / "missing.ipynb",
        "dies": notebook(folder / "dies.ipynb", "print('before')", "import os; os._exit(1)",
                         "print('after')"),
        "good_too": notebook(folder / "good_too.ipynb", "print('still saved')"),
    }
    paths["bad_json"].write_text('{"cells": [ this is not json', encoding="utf-8")
    before = {name: path.read_bytes() for name, path in paths.items() if path.exists()}
    mtimes = {name: path.stat().st_mtime_ns for name, path in paths.items() if path.exists()}
    order = ["raises", "bad_json", "missing", "dies", "good", "good_too"]
    result = run_script(*(paths[name] for name in order))
    return paths, before, mtimes, result


def test_exit_status_is_one_when_any_notebook_fails(mixed_run) -> None:
    _, _, _, result = mixed_run
    assert result.returncode == 1, result.stdout + result.stderr


def test_failed_notebooks_are_left_byte_identical(mixed_run) -> None:
    paths, before, mtimes, _ = mixed_run
    for name in ("raises", "bad_json", "dies"):
        assert paths[name].read_bytes() == before[name], name
        assert paths[name].stat().st_mtime_ns == mtimes[name], name
    assert not paths["missing"].exists()
    # no temporary file is left behind next to them
    assert sorted(p.name for p in paths["good"].parent.iterdir()) == sorted(
        f"{name}.ipynb" for name in ("raises", "good", "bad_json", "dies", "good_too")
    )


def test_good_notebooks_after_failures_are_executed_and_saved(mixed_run) -> None:
    paths, before, _, _ = mixed_run
    good = nbformat.read(paths["good"], as_version=4)
    assert paths["good"].read_bytes() != before["good"]
    assert [cell.execution_count for cell in good.cells] == [1, 2]
    assert good.cells[0].outputs[0]["text"] == "42\n"
    # executed in the notebook's own folder, as before
    assert good.cells[1].outputs[0]["text"].strip() == str(paths["good"].parent)
    good_too = nbformat.read(paths["good_too"], as_version=4)
    assert good_too.cells[0].outputs[0]["text"] == "still saved\n"


def test_summary_names_each_failure_with_its_reason(mixed_run) -> None:
    paths, _, _, result = mixed_run
    lines = summary_lines(result.stdout)
    assert len(lines) == 4, result.stdout
    by_name = {Path(line.split(":", 1)[0].removeprefix("FAILED ").strip()).name: line for line in lines}
    assert set(by_name) == {"raises.ipynb", "bad_json.ipynb", "missing.ipynb", "dies.ipynb"}
    assert "CellExecutionError" in by_name["raises.ipynb"]
    assert "ValueError: boom from a cell" in by_name["raises.ipynb"]
    assert "cannot be read as a notebook" in by_name["bad_json.ipynb"]
    assert "no such file" in by_name["missing.ipynb"]
    assert "DeadKernelError" in by_name["dies.ipynb"]
    assert "summary: 2 executed and saved, 4 failed" in result.stdout
    assert "Traceback" not in result.stderr


def test_all_good_exits_zero_and_saves(tmp_path: Path) -> None:
    path = notebook(tmp_path / "fine.ipynb", "print('ok')")
    mode = 0o640
    os.chmod(path, mode)
    result = run_script(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert nbformat.read(path, as_version=4).cells[0].outputs[0]["text"] == "ok\n"
    assert path.stat().st_mode & 0o777 == mode  # the file keeps its permissions
    assert summary_lines(result.stdout) == []
    assert "summary: 1 executed and saved, 0 failed" in result.stdout


def test_cell_timeout_is_a_failure_and_the_file_is_kept(tmp_path: Path) -> None:
    slow = notebook(tmp_path / "slow.ipynb", "import time; time.sleep(30)")
    fast = notebook(tmp_path / "fast.ipynb", "print('fast')")
    before = slow.read_bytes()
    result = run_script("--timeout", 2, slow, fast)
    assert result.returncode == 1, result.stdout + result.stderr
    assert slow.read_bytes() == before
    (line,) = summary_lines(result.stdout)
    assert line.startswith(f"FAILED {slow}:") and "CellTimeoutError" in line
    assert nbformat.read(fast, as_version=4).cells[0].outputs[0]["text"] == "fast\n"


def test_json_that_is_not_a_notebook_is_a_failure(tmp_path: Path) -> None:
    path = tmp_path / "not_a_notebook.ipynb"
    path.write_text('{"hello": "world"}\n', encoding="utf-8")
    result = run_script(path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert path.read_text(encoding="utf-8") == '{"hello": "world"}\n'
    (line,) = summary_lines(result.stdout)
    assert "cannot be read as a notebook" in line
