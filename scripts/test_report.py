"""Print the summary at the end of scripts/test.sh and give its exit status.

Usage: python scripts/test_report.py REPORTS_DIR
Reads what the stages left in REPORTS_DIR: stages.tsv (name, exit status or "skipped",
seconds), the pytest JUnit XML files, notebook-times.json (tests/nbval_timing.py) and
site-build-seconds.txt (scripts/build_book.sh). Exits 1 when any stage failed.
"""
from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

NOTEBOOKS_BUDGET_S = 600.0  # issue 7: re-executing every notebook, 2 cores
SITE_BUDGET_S = 60.0  # issue 7: site build from stored outputs
SLOWEST_SHOWN = 5


@dataclass
class Stage:
    """One row of stages.tsv."""

    name: str
    status: str  # an exit status, or "skipped"
    seconds: float
    note: str = ""

    @property
    def failed(self) -> bool:
        return self.status not in ("0", "skipped")

    @property
    def result(self) -> str:
        if self.status == "skipped":
            return "skipped"
        return "passed" if self.status == "0" else f"FAILED (exit {self.status})"


@dataclass
class Counts:
    """Test counts from JUnit XML."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0

    def add(self, other: "Counts") -> None:
        self.passed += other.passed
        self.failed += other.failed
        self.skipped += other.skipped


def read_stages(reports: Path) -> list[Stage]:
    """Stages in the order they ran."""
    path = reports / "stages.tsv"
    if not path.exists():
        return []
    stages = []
    for line in path.read_text().splitlines():
        fields = line.split("\t")
        stages.append(Stage(fields[0], fields[1], float(fields[2]), fields[3] if len(fields) > 3 else ""))
    return stages


def junit_counts(path: Path) -> Counts | None:
    """Passed/failed/skipped from one pytest JUnit XML file; None if absent or unreadable."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    counts = Counts()
    for suite in suites:
        total = int(suite.get("tests", 0))
        failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped = int(suite.get("skipped", 0))
        counts.add(Counts(total - failed - skipped, failed, skipped))
    return counts


def print_stages(stages: list[Stage], reports: Path) -> Counts:
    """The stage table; returns the summed test counts."""
    total = Counts()
    print("\n=== summary")
    print(f"{'stage':<12} {'result':<18} {'seconds':>8}  tests")
    for stage in stages:
        counts = junit_counts(reports / f"{stage.name}.xml")
        detail = stage.note
        if counts is not None:
            total.add(counts)
            detail = f"{counts.passed} passed, {counts.failed} failed, {counts.skipped} skipped"
        print(f"{stage.name:<12} {stage.result:<18} {stage.seconds:>8.1f}  {detail}")
    return total


def budget_line(label: str, seconds: float, budget: float) -> str:
    verdict = "within" if seconds <= budget else "OVER"
    return f"{label}: {seconds:.1f} s ({verdict} the {budget:.0f} s budget)"


def print_time_budget(stages: list[Stage], reports: Path) -> None:
    """Notebook re-execution time, site build time and the slowest notebooks."""
    print("\n=== time budget")
    by_name = {stage.name: stage for stage in stages}
    notebooks = by_name.get("notebooks")
    times_path = reports / "notebook-times.json"
    if notebooks is not None and notebooks.status != "skipped":
        print(budget_line("re-executing all notebooks under nbval (wall clock)", notebooks.seconds,
                          NOTEBOOKS_BUDGET_S))
    if times_path.exists():
        times = json.loads(times_path.read_text())["notebooks"]
        print(f"  sum of the {len(times)} notebooks' own times (one after another): "
              f"{sum(times.values()):.1f} s")
        print(f"  slowest {min(SLOWEST_SHOWN, len(times))}:")
        for path, seconds in sorted(times.items(), key=lambda item: -item[1])[:SLOWEST_SHOWN]:
            print(f"  {seconds:8.1f} s  {path}")
    elif notebooks is None or notebooks.status == "skipped":
        print("notebooks: not run")
    site_path = reports / "site-build-seconds.txt"
    if site_path.exists():
        print(budget_line("site build from stored outputs (jupyter-book build --all)",
                          float(site_path.read_text()), SITE_BUDGET_S))
    else:
        print("site build: no time recorded")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    reports = Path(argv[0])
    stages = read_stages(reports)
    total = print_stages(stages, reports)
    print_time_budget(stages, reports)
    failed = [stage.name for stage in stages if stage.failed]
    print()
    print("failed stages: " + (", ".join(failed) if failed else "none"))
    print(f"tests: {total.passed} passed, {total.failed} failed, {total.skipped} skipped")
    return 1 if failed or not stages else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
