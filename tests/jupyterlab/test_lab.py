"""JupyterLab end to end: each chapter notebook opened in a real JupyterLab, run, and its
widgets moved (issue 7.1).

For every notebook: open it through the UI (headless chromium, off-site requests blocked),
wait for the kernel, Run > Run All Cells, wait until every code cell has an execution count
and the kernel is idle, then assert no error output, as many widgets on screen as the stored
notebook has, and that changing each explorer control from the keyboard changes the picture
the explorer shows. A last test checks that an explorer's traits and its controls are one in
JupyterLab: setting ``explorer.forget`` in a new cell moves the slider and redraws, and moving
the slider from the keyboard sets ``explorer.forget`` in the kernel.
Screenshots go to _build/lab-screenshots/.
"""
from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
from lab_server import NO_NOTEBOOKS, NOTEBOOKS, REPO, SERVED_AS
from site_visit import PageReport, exercise_live_explorers, exercise_widgets

RUN_TIMEOUT_S = float(os.environ.get("LSTM_BOOK_LAB_TIMEOUT", 600))
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
LAB_WIDGET = f"{PANEL} .jp-OutputArea-output:has(> .jupyter-widgets)"
SHOTS = REPO / "_build" / "lab-screenshots"
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"

_KERNEL_READY_JS = """
(panel) => {
  const name = document.querySelector(panel + " .jp-Toolbar-kernelName");
  const status = document.querySelector(panel + " .jp-Notebook-ExecutionIndicator");
  return !!name && !/No Kernel/.test(name.textContent) && !!status && status.dataset.status === "idle";
}
"""

_ALL_RAN_JS = """
([panel, codeCells]) => {
  const prompts = [...document.querySelectorAll(panel + " .jp-CodeCell .jp-InputArea-prompt")]
                    .map((p) => p.textContent.trim());
  const status = document.querySelector(panel + " .jp-Notebook-ExecutionIndicator");
  // "unknown" shows while the kernel (re)connects: keep waiting; a dead kernel fails below
  if (status && status.dataset.status === "dead") return true;
  return prompts.length === codeCells && prompts.every((p) => /^\\[\\d+\\]:$/.test(p)) &&
         !!status && status.dataset.status === "idle";
}
"""

_OUTCOME_JS = """
(panel) => {
  const status = document.querySelector(panel + " .jp-Notebook-ExecutionIndicator");
  const prompts = [...document.querySelectorAll(panel + " .jp-CodeCell .jp-InputArea-prompt")]
                    .map((p) => p.textContent.trim());
  const stderr = [...document.querySelectorAll(
      panel + ' .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
    .map((o) => o.textContent);
  const errors = stderr.filter((t) => /Traceback|\\b\\w*(Error|Exception)\\b:/.test(t))
                       .map((t) => t.trim().slice(-400));
  const widgets = document.querySelectorAll(panel + " .jp-OutputArea-output > .jupyter-widgets").length +
    [...document.querySelectorAll(panel + " .jp-OutputArea-output")].filter(
      (o) => !o.querySelector(":scope > .jupyter-widgets") && o.querySelector(".lstm-explorer")).length;
  const broken = document.querySelectorAll(panel + " .jupyter-widgets-error-widget").length;
  return {status: status ? status.dataset.status : "missing", prompts, errors, widgets, broken};
}
"""


def _stored(notebook: Path) -> tuple[int, int]:
    """(code cells, widget views) in the stored notebook."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    views = sum(
        WIDGET_VIEW_MIME in output.get("data", {})
        for cell in code for output in cell.get("outputs", [])
    )
    return len(code), views


def _shut_down_kernel(lab_server, notebook: str) -> None:
    """Stop this notebook's kernel through the REST API so kernels do not pile up."""
    status, sessions = lab_server.api("sessions")
    for session in sessions or []:
        if session.get("path", "").endswith(f"{SERVED_AS}/{notebook}"):
            lab_server.api(f"sessions/{session['id']}", method="DELETE")


def test_server_requires_the_token(lab_server):
    assert lab_server.api("contents", token=False)[0] == 403
    status, listing = lab_server.api(f"contents/{SERVED_AS}")
    assert status == 200
    served = sorted(item["name"] for item in listing["content"] if item["name"].endswith(".ipynb"))
    assert served == sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


def test_notebook_runs_and_its_widgets_respond(notebook, lab_server, browser):
    if notebook == NO_NOTEBOOKS:
        pytest.fail(f"no notebook in {NOTEBOOKS}")
    code_cells, stored_views = _stored(NOTEBOOKS / notebook)
    report = PageReport(page=notebook)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        def route(route):
            if route.request.url.startswith(lab_server.origin + "/") or \
                    route.request.url.startswith(("data:", "blob:")):
                route.continue_()
            else:
                report.offsite.append(route.request.url)
                route.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("pageerror", lambda error: report.page_errors.append(str(error)))
        page.goto(lab_server.url(f"lab/tree/{SERVED_AS}/{notebook}"), timeout=120_000)
        page.wait_for_selector(PANEL, timeout=120_000)
        page.wait_for_function(_KERNEL_READY_JS, arg=PANEL, timeout=120_000)

        start = time.perf_counter()
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        page.wait_for_function(_ALL_RAN_JS, arg=[PANEL, code_cells],
                               timeout=RUN_TIMEOUT_S * 1000, polling=500)
        seconds = time.perf_counter() - start
        outcome = page.evaluate(_OUTCOME_JS, PANEL)

        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{Path(notebook).stem}.png"))
        exercise_widgets(page, report, container=LAB_WIDGET)
        exercise_live_explorers(page, report, container=PANEL)
    finally:
        context.close()
        _shut_down_kernel(lab_server, notebook)

    print(f"{notebook}: ran in {seconds:.1f} s, {outcome['widgets']} widgets, "
          f"{len(report.moves)} controls moved")
    problems = []
    if outcome["status"] != "idle":
        problems.append(f"kernel status after Run All: {outcome['status']}")
    if not all(re.fullmatch(r"\[\d+\]:", p) for p in outcome["prompts"]):
        problems.append(f"cells not all executed: {outcome['prompts']}")
    problems += [f"error output: {e}" for e in outcome["errors"]]
    if outcome["broken"]:
        problems.append(f"{outcome['broken']} widget(s) failed to render")
    if outcome["widgets"] != stored_views:
        problems.append(f"{outcome['widgets']} widgets on screen, the stored notebook has {stored_views}")
    problems += report.widget_problems
    problems += [f"control did not change the picture: {m}" for m in report.moves if not m.changed]
    problems += report.live_problems
    problems += [f"key change did not change the picture: {k}" for k in report.key_changes if not k.changed]
    problems += [f"off-site request: {u}" for u in report.offsite]
    problems += [f"page error: {e}" for e in report.page_errors]
    assert not problems, f"{notebook}:\n  " + "\n  ".join(problems)


def _run_in_new_cell(page, code: str) -> str:
    """Append a code cell at the end of the open notebook, run it, return its text output."""
    cells = page.locator(f"{PANEL} .jp-Cell")
    cells.last.locator(".jp-InputArea-prompt").click()  # select the last cell (command mode)
    page.keyboard.press("Escape")
    page.keyboard.press("b")                            # new cell below
    page.locator(f"{PANEL} .jp-Cell.jp-mod-active .cm-content").click()
    page.keyboard.type(code)
    page.keyboard.press("Shift+Enter")
    new = cells.nth(cells.count() - 2)                  # Shift+Enter appends one more empty cell
    new.locator(".jp-InputArea-prompt").filter(has_text=re.compile(r"\[\d+\]")).wait_for(timeout=60_000)
    return new.locator(".jp-OutputArea").text_content()


def test_explorer_traits_and_controls_stay_in_step(lab_server, browser):
    """03_gates: `explorer.forget = 0.3` moves the slider; a key on the slider sets the trait."""
    notebook = "03_gates.ipynb"
    if not (NOTEBOOKS / notebook).is_file():
        pytest.skip(f"{notebook} not served")
    code_cells, _ = _stored(NOTEBOOKS / notebook)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(lab_server.url(f"lab/tree/{SERVED_AS}/{notebook}"), timeout=120_000)
        page.wait_for_selector(PANEL, timeout=120_000)
        page.wait_for_function(_KERNEL_READY_JS, arg=PANEL, timeout=120_000)
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        page.wait_for_function(_ALL_RAN_JS, arg=[PANEL, code_cells], timeout=RUN_TIMEOUT_S * 1000,
                               polling=500)
        # the explorer bound to the name `explorer` is the last gate explorer of the page
        root = page.locator(f"{PANEL} .lstm-gate-explorer").last
        forget = root.get_by_label("forget gate f", exact=True)
        readout = root.locator(".lstm-readout")
        before = readout.text_content()
        _run_in_new_cell(page, "explorer.forget = 0.3")
        page.wait_for_function("(el) => el.value === '0.3'", arg=forget.element_handle(), timeout=30_000)
        assert "forget gate f = 0.3," in readout.text_content() and readout.text_content() != before
        forget.scroll_into_view_if_needed()
        forget.focus()
        page.keyboard.press("ArrowRight")                 # 0.30 -> 0.31 in the page ...
        assert "forget gate f = 0.31," in readout.text_content()
        shown = _run_in_new_cell(page, "print(explorer.forget, explorer.description[:60])")
        assert shown.split()[0] == "0.31", shown          # ... and in the kernel
    finally:
        context.close()
        _shut_down_kernel(lab_server, notebook)
