"""The test command's own tooling: per-notebook timing (tests/nbval_timing.py) and the
summary that decides scripts/test.sh's exit status (scripts/test_report.py)."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]


def load(name: str, path: Path):
    """Import a script or plugin by its path."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


test_report = load("lstm_book_test_report", ROOT / "scripts" / "test_report.py")
NotebookTimer = load("lstm_book_nbval_timing", ROOT / "tests" / "nbval_timing.py").NotebookTimer


class FakeTerminal:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def section(self, title: str) -> None:
        self.lines.append(f"== {title}")

    def write_line(self, line: str) -> None:
        self.lines.append(line)


def report(nodeid: str, duration: float, when: str = "call"):
    return SimpleNamespace(nodeid=nodeid, duration=duration, when=when)


def test_timer_adds_every_phase_per_notebook_and_ignores_other_tests(tmp_path: Path) -> None:
    timer = NotebookTimer(str(tmp_path / "times.json"))
    for item in [
        report("book/a.ipynb::Cell 0", 3.0, "setup"),  # kernel start
        report("book/a.ipynb::Cell 0", 1.5),
        report("book/a.ipynb::Cell 1", 0.5, "teardown"),
        report("book/b.ipynb::Cell 0", 9.0),
        report("tests/test_x.py::test_y", 100.0),
    ]:
        timer.pytest_runtest_logreport(item)
    assert dict(timer.seconds) == {"book/a.ipynb": 5.0, "book/b.ipynb": 9.0}
    assert timer.slowest(1) == [("book/b.ipynb", 9.0)]
    terminal = FakeTerminal()
    timer.pytest_terminal_summary(terminal)
    assert terminal.lines[1] == "    14.0 s  sum over 2 notebooks"
    assert terminal.lines[2:] == ["     9.0 s  book/b.ipynb", "     5.0 s  book/a.ipynb"]
    times = json.loads((tmp_path / "times.json").read_text())
    assert times == {"notebooks": {"book/a.ipynb": 5.0, "book/b.ipynb": 9.0}}


def write_reports(folder: Path, stages: list[str], failures: int = 0) -> None:
    (folder / "stages.tsv").write_text("".join(f"{line}\n" for line in stages))
    (folder / "unit.xml").write_text(
        f'<testsuites><testsuite tests="10" failures="{failures}" errors="1" skipped="2"/></testsuites>'
    )


def test_report_passes_only_when_every_stage_passed(tmp_path: Path, capsys) -> None:
    write_reports(tmp_path, ["install\t0\t1.0", "unit\t0\t5.0", "browser\tskipped\t0\tno tests"])
    assert test_report.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "tests: 7 passed, 1 failed, 2 skipped" in out  # the error counts as a failure
    write_reports(tmp_path, ["install\t0\t1.0", "unit\t1\t5.0", "site\t0\t3.0"])
    assert test_report.main([str(tmp_path)]) == 1
    assert "failed stages: unit" in capsys.readouterr().out


def test_report_fails_when_no_stage_ran(tmp_path: Path) -> None:
    assert test_report.main([str(tmp_path)]) == 1


def test_report_prints_time_budget_and_slowest_five(tmp_path: Path, capsys) -> None:
    write_reports(tmp_path, ["install\t0\t1.0", "notebooks\t0\t700.0", "site\t0\t30.0"])
    times = {f"book/n{i}.ipynb": float(i) for i in range(7)}
    (tmp_path / "notebook-times.json").write_text(json.dumps({"notebooks": times}))
    (tmp_path / "site-build-seconds.txt").write_text("42.5\n")
    test_report.main([str(tmp_path)])
    out = capsys.readouterr().out
    assert "re-executing all notebooks under nbval (wall clock): 700.0 s (OVER the 600 s budget)" in out
    assert "sum of the 7 notebooks' own times (one after another): 21.0 s" in out
    assert "site build from stored outputs (jupyter-book build --all): 42.5 s (within the 60 s budget)" in out
    slowest = [line.split()[-1] for line in out.splitlines() if line.strip().endswith(".ipynb")]
    assert slowest == [f"book/n{i}.ipynb" for i in (6, 5, 4, 3, 2)]
