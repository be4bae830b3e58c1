"""nbval, run the way scripts/test.sh runs it, fails on a stale baseline and only then.

A tiny notebook is executed here: its stored outputs become the baseline. A copy then has
its stored outputs altered, one kind of change per cell, and nbval re-executes both the
copy and the unaltered notebook in subprocesses (one kernel per notebook):
- unaltered notebook                               -> every cell passes
- a printed number changed                         -> fails
- a figure's number of Axes changed                -> fails (the figure sanitizer keeps it)
- only text a sanitizer covers changed (memory     -> passes with tests/nbval_sanitize.cfg
  address, timing line, figure size, widget           and fails without it, so the
  image bytes)                                        sanitizers are what make it pass
"""
from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"

CELLS = {  # name -> source; each name is also how the copy alters that cell's stored output
    "unchanged": "print(round(0.1 + 0.2, 3))",
    "stale_number": "print(round(0.1 + 0.2, 3))",
    "address": "class Gate:\n    pass\nprint(Gate())",
    "timing": ("import time\nstart = time.perf_counter()\ntime.sleep(0.01)\n"
               "print(f'took {time.perf_counter() - start:.4f} s')"),
    "figure_size": ("import matplotlib\nmatplotlib.use('agg')\nimport matplotlib.pyplot as plt\n"
                    "figure, axes = plt.subplots(1, 2)\nfigure"),
    "stale_axes": "figure",
    "widget_bytes": "import ipywidgets\nipywidgets.Image(value=b'\\x89PNG frame 1', format='png')",
}
NAMES = list(CELLS)
SANITIZED = ["address", "timing", "figure_size", "widget_bytes"]
STALE = ["stale_number", "stale_axes"]

pytestmark = [pytest.mark.slow, pytest.mark.notebook]


def executed_notebook():
    """The tiny notebook, executed in this environment: its outputs are the baseline."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS.values()]
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    return nb


def replace_text(nb, name: str, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in cell ``name``'s stored text, insisting that ``old`` is there."""
    for output in nb.cells[NAMES.index(name)].outputs:
        holder, key = ((output, "text") if output.output_type == "stream"
                       else (output.get("data", {}), "text/plain"))
        if old in holder.get(key, ""):
            holder[key] = holder[key].replace(old, new)
            return
    raise AssertionError(f"{old!r} is not in the stored output of cell {name!r}")


def stored_text(nb, name: str) -> str:
    output = nb.cells[NAMES.index(name)].outputs[0]
    return output["text"] if output.output_type == "stream" else output["data"]["text/plain"]


def altered_copy(baseline):
    """The baseline with each cell's stored output altered as the cell's name says."""
    nb = nbformat.from_dict(baseline)
    replace_text(nb, "stale_number", "0.3", "0.4")
    replace_text(nb, "stale_axes", "with 2 Axes", "with 3 Axes")
    # values a fresh run cannot produce, in the places the sanitizers cover:
    replace_text(nb, "address", stored_text(nb, "address").split(" at ")[1].split(">")[0], "0xdeadbeef0000")
    replace_text(nb, "timing", stored_text(nb, "timing").strip(), "took 987.6543 s")
    size = stored_text(nb, "figure_size").split("size ")[1].split(" with")[0]
    replace_text(nb, "figure_size", size, "1234x567")
    replace_text(nb, "widget_bytes", "frame 1", "frame 2")
    return nb


def start_nbval(folder: Path, sanitize: bool) -> tuple[subprocess.Popen, Path]:
    """Start nbval on every notebook in ``folder`` (as scripts/test.sh runs it);
    returns the process and its report."""
    report = folder / "report.xml"
    command = [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider",
               "-q", f"--junitxml={report}", str(folder)]
    if sanitize:
        command += ["--nbval-sanitize-with", str(SANITIZE)]
    process = subprocess.Popen(command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    return process, report


def nbval_outcome(process: subprocess.Popen, report: Path) -> dict[tuple[str, str], bool]:
    """Wait for an nbval run: (notebook stem, cell name) -> that cell passed."""
    output, _ = process.communicate(timeout=300)
    assert report.exists(), output
    outcome = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        notebook = Path(case.get("classname")).stem
        cell = NAMES[int(case.get("name").removeprefix("Cell "))]
        outcome[(notebook, cell)] = case.find("failure") is None and case.find("error") is None
    return outcome


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory) -> dict[tuple[bool, str, str], bool]:
    """(sanitizers on?, notebook, cell) -> nbval passed that cell. The two runs go side by side."""
    baseline = executed_notebook()
    runs = {}
    for sanitize, copies in ((True, ["pristine", "altered"]), (False, ["altered"])):
        folder = tmp_path_factory.mktemp(f"nbval_sanitize_{sanitize}")
        for copy in copies:
            nb = altered_copy(baseline) if copy == "altered" else baseline
            nbformat.write(nb, folder / f"{copy}.ipynb")
        runs[sanitize] = (copies, *start_nbval(folder, sanitize))
    results = {}
    for sanitize, (copies, process, report) in runs.items():
        outcome = nbval_outcome(process, report)
        assert len(outcome) == len(copies) * len(NAMES), outcome
        results.update({(sanitize, *key): passed for key, passed in outcome.items()})
    return results


def test_unaltered_baseline_passes(verdicts) -> None:
    assert [name for name in NAMES if not verdicts[(True, "pristine", name)]] == []


def test_unaltered_cell_of_the_altered_copy_passes(verdicts) -> None:
    assert verdicts[(True, "altered", "unchanged")] is True


@pytest.mark.parametrize("cell", STALE)
def test_stale_output_fails(verdicts, cell: str) -> None:
    assert verdicts[(True, "altered", cell)] is False


@pytest.mark.parametrize("cell", SANITIZED)
def test_sanitized_difference_passes_only_with_the_sanitizers(verdicts, cell: str) -> None:
    assert verdicts[(True, "altered", cell)] is True
    assert verdicts[(False, "altered", cell)] is False
