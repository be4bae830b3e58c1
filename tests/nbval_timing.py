"""pytest plugin: how long each notebook takes under nbval, and the slowest five.

Load it with ``-p nbval_timing`` and ``tests/`` on ``PYTHONPATH`` (scripts/test.sh does both).
A notebook's time is the sum of its items' setup, call and teardown durations, so it
includes starting and stopping the kernel (nbval starts it in the first cell's setup).
Under pytest-xdist the controller receives every report, so the figures are complete.
``--nbval-timing-json PATH`` also writes ``{"notebooks": {path: seconds}}`` for scripts/test_report.py.
"""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

SLOWEST_SHOWN = 5


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("nbval-timing").addoption(
        "--nbval-timing-json",
        default=None,
        metavar="PATH",
        help="write per-notebook seconds to PATH as JSON",
    )


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):  # an xdist worker: the controller does the counting
        return
    config.pluginmanager.register(NotebookTimer(config.getoption("nbval_timing_json")), "nbval-timer")


class NotebookTimer:
    """Adds up report durations per notebook file."""

    def __init__(self, json_path: str | None) -> None:
        self.json_path = json_path
        self.seconds: dict[str, float] = defaultdict(float)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        notebook = report.nodeid.split("::", 1)[0]
        if notebook.endswith(".ipynb"):
            self.seconds[notebook] += report.duration

    def slowest(self, count: int = SLOWEST_SHOWN) -> list[tuple[str, float]]:
        """The ``count`` slowest notebooks, slowest first."""
        return sorted(self.seconds.items(), key=lambda item: -item[1])[:count]

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.seconds:
            return
        total = sum(self.seconds.values())
        terminalreporter.section("notebook times (nbval)")
        terminalreporter.write_line(f"{total:8.1f} s  sum over {len(self.seconds)} notebooks")
        for notebook, seconds in self.slowest():
            terminalreporter.write_line(f"{seconds:8.1f} s  {notebook}")
        if self.json_path:
            path = Path(self.json_path)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"notebooks": dict(self.seconds)}, indent=1, sort_keys=True))
