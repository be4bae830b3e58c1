"""The book's notebook conventions (docs/design.md, "Notebooks"), checked on every notebook.

Each check is a function returning a list of problems; the first half of this file runs
the checks on every notebook under book/, the second half proves each check fails on a
notebook that breaks its rule.
"""
from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"

INSTALL_SOURCE = """\
# Running on Colab or Binder without lstm_edu? Install it (skipped by the site build and by nbval).
try:
    import lstm_edu
except ImportError:
    %pip install -q "git+https://github.com/lstm-book/lstm-book\""""
INSTALL_TAGS = {"remove-cell", "nbval-skip"}
IGNORE_TAGS = {"nbval-ignore-output", "nbval-skip", "raises-exception"}
REASON_KEY = "nbval_reason"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
MAX_NOTEBOOK_BYTES = 6_000_000  # design: a page under ~5 MB (at most ~150 widget frames)

# Code that cannot work on the static site or under nbval (design.md, "Notebooks").
FORBIDDEN_CODE = re.compile(
    r"\binteract(?:ive|ive_output)?\s*\(|@interact\b|\binteractive_output\b|\bOutput\s*\("
    r"|from\s+ipywidgets\s+import\s+[^\n]*\b(?:interact|interactive|interactive_output|Output)\b"
)
# nbval's comment markers: the book uses tags (with a reason) only.
COMMENT_MARKER = re.compile(r"^\s*#\s*NBVAL_\w+", re.MULTILINE)


def book_notebooks() -> list[Path]:
    """Every notebook under book/, checkpoints excluded."""
    return sorted(p for p in BOOK.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def code_cells(nb) -> list:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def strip_comments(source: str) -> str:
    """Code without ``#`` comments (good enough for the patterns checked here)."""
    return "\n".join(line.split("#", 1)[0] for line in source.splitlines())


def check_install_cell(nb) -> list[str]:
    if not nb.cells:
        return ["the notebook has no cells"]
    first = nb.cells[0]
    problems = []
    if first.cell_type != "code" or first.source.strip() != INSTALL_SOURCE:
        problems.append("cell 0 is not the install cell (exact source in tests/test_notebooks_meta.py)")
    missing = INSTALL_TAGS - set(first.metadata.get("tags", []))
    if missing:
        problems.append(f"cell 0 lacks the tags {sorted(missing)}")
    return problems


def check_setup_call(nb) -> list[str]:
    cells = code_cells(nb)
    if (len(cells) < 2 or "setup_notebook()" not in cells[1].source
            or "lstm_edu.notebook" not in cells[1].source):
        return ["the second code cell does not call lstm_edu.notebook.setup_notebook()"]
    return []


def check_ignore_reasons(nb) -> list[str]:
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if COMMENT_MARKER.search(cell.source):
            problems.append(f"cell {index} uses an NBVAL_ comment marker; tag the cell instead")
        if index == 0:
            continue  # the install cell: nbval-skip is the rule, no reason needed
        tags = IGNORE_TAGS & set(cell.metadata.get("tags", []))
        reason = cell.metadata.get(REASON_KEY)
        if tags and not (isinstance(reason, str) and reason.strip()):
            problems.append(f"cell {index} is tagged {sorted(tags)} without metadata '{REASON_KEY}'")
    return problems


def check_forbidden_widgets(nb) -> list[str]:
    problems = []
    for index, cell in enumerate(code_cells(nb)):
        match = FORBIDDEN_CODE.search(strip_comments(cell.source))
        if match:
            problems.append(f"code cell {index} uses {match.group(0).strip()!r}; "
                            f"use lstm_edu.widgets.explorer")
    return problems


def ends_with_semicolon(source: str) -> bool:
    """Whether the cell's last token is ';' (IPython's test for hiding a cell's value)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return False
    skipped = (tokenize.ENDMARKER, tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT)
    last = next((token for token in reversed(tokens) if token.type not in skipped), None)
    return last is not None and last.type == tokenize.OP and last.string == ";"


def check_no_trailing_semicolon(nb) -> list[str]:
    """A trailing ';' hides a cell's value under nbclient but not under nbval.

    nbval runs cells with store_history=False, and IPython decides whether ';' silences the
    value by looking at the last cell stored in the history; so the value a ';' hid in the
    stored outputs reappears when nbval re-executes the cell, and the comparison fails.
    """
    return [
        f"code cell {index} ends with ';': nbval shows the value it hides (end with plt.show() or `_ = ...`)"
        for index, cell in enumerate(code_cells(nb))
        if ends_with_semicolon(cell.source)
    ]


def check_kernelspec(nb) -> list[str]:
    name = nb.metadata.get("kernelspec", {}).get("name")
    return [] if name == "python3" else [f"kernelspec name is {name!r}, expected 'python3'"]


def check_executed(nb) -> list[str]:
    """Every code cell executed, top to bottom in one run, with no error stored."""
    counts = [cell.get("execution_count") for cell in code_cells(nb)]
    problems = []
    if None in counts:
        problems.append(f"{counts.count(None)} code cell(s) never executed "
                        f"(run scripts/execute_notebooks.py)")
    elif counts != list(range(1, len(counts) + 1)):
        problems.append(f"execution counts {counts} are not 1..{len(counts)}: not one top-to-bottom run")
    for index, cell in enumerate(code_cells(nb)):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                problems.append(f"code cell {index} stores an error: {output.get('ename')}")
    return problems


def check_widget_state(nb) -> list[str]:
    """Every displayed widget has its model in the saved widget state (the static site needs it)."""
    shown = {
        output["data"][WIDGET_VIEW]["model_id"]
        for cell in code_cells(nb)
        for output in cell.get("outputs", [])
        if WIDGET_VIEW in output.get("data", {})
    }
    if not shown:
        return []
    saved = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    missing = shown - set(saved)
    return [f"{len(missing)} displayed widget(s) missing from metadata.widgets"] if missing else []


def check_figure_alt_text(nb) -> list[str]:
    """Every figure a cell draws carries alt text or a caption (myst-nb cell metadata)."""
    problems = []
    for cell in code_cells(nb):
        if not any("image/png" in o.get("data", {}) for o in cell.get("outputs", [])):
            continue
        mystnb = cell.metadata.get("mystnb", {})
        first = cell.source.splitlines()[0] if cell.source else ""
        alt = mystnb.get("image", {}).get("alt") or ""
        if not (alt or mystnb.get("figure", {}).get("caption")):
            problems.append(f"figure without mystnb image.alt / figure.caption: {first!r}")
        elif "/" in alt or "\\" in alt:  # tests/browser/site_visit.py reads such alt text as a file name
            problems.append(f"figure alt text contains a slash, which reads as a file path: {first!r}")
    return problems


def check_widgets_shown_on_the_site(nb) -> list[str]:
    """Every explorer works on the static site (live ones compute in the page, precomputed ones
    switch frames), so no cell that displays one hides its output there."""
    return [
        f"code cell {index} displays a widget but is tagged remove-output: the site would not show it"
        for index, cell in enumerate(code_cells(nb))
        if any(WIDGET_VIEW in o.get("data", {}) for o in cell.get("outputs", []))
        and "remove-output" in cell.metadata.get("tags", [])
    ]


CHECKS = [
    check_widgets_shown_on_the_site,
    check_install_cell,
    check_figure_alt_text,
    check_setup_call,
    check_ignore_reasons,
    check_forbidden_widgets,
    check_no_trailing_semicolon,
    check_kernelspec,
    check_executed,
    check_widget_state,
]


def toc_files() -> set[str]:
    """Every file named in _toc.yml (without suffix)."""
    found: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("file", "root") and isinstance(value, str):
                    found.add(value.removesuffix(".ipynb").removesuffix(".md"))
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(yaml.safe_load((ROOT / "_toc.yml").read_text()))
    return found


# Experiment and application pages also carry their evidence in the prose and end with exercises.
GLUE_ROLE = re.compile(r"\{glue(?::text)?\}`([A-Za-z_][A-Za-z0-9_]*)(?::[^`]*)?`")
SOLUTION = re.compile(r"^`{3,4}\{admonition\} Solution\s*\n:class: dropdown", re.MULTILINE)
MIN_GLUED_NUMBERS = 3
EXERCISES = (3, 5)


def glued_keys(nb) -> set[str]:
    """Names stored by myst-nb's glue in the notebook's outputs."""
    return {
        output.get("metadata", {}).get("scrapbook", {}).get("name")
        for cell in code_cells(nb)
        for output in cell.get("outputs", [])
    } - {None}


def check_glued_numbers(nb) -> list[str]:
    """At least three numbers in the prose come from code ({glue:text}), each one glued here."""
    used = [key for cell in nb.cells if cell.cell_type == "markdown"
            for key in GLUE_ROLE.findall(cell.source)]
    problems = []
    if len(set(used)) < MIN_GLUED_NUMBERS:
        problems.append(f"{len(set(used))} glued value(s) in the prose, "
                        f"expected at least {MIN_GLUED_NUMBERS}")
    missing = sorted(set(used) - glued_keys(nb))
    if missing:
        problems.append(f"prose uses {missing}, which no cell glues (lstm_edu.notebook.glue)")
    return problems


def check_exercises(nb) -> list[str]:
    """The page ends with an Exercises section of 3-5 exercises, each with a hidden solution."""
    markdown = [cell.source for cell in nb.cells if cell.cell_type == "markdown"]
    start = next((k for k, text in enumerate(markdown)
                  if re.search(r"^## Exercises\s*$", text, re.MULTILINE)), None)
    if start is None:
        return ["no '## Exercises' section"]
    section = "\n".join(markdown[start:]).split("## Exercises", 1)[1]
    solutions = len(SOLUTION.findall(section))
    low, high = EXERCISES
    if not low <= solutions <= high:
        return [f"{solutions} exercise solution(s) (dropdown admonitions titled Solution), "
                f"expected {low}-{high}"]
    return []


EVIDENCE_CHECKS = [check_glued_numbers, check_exercises]


def evidence_pages() -> list[Path]:
    """The experiment and application pages."""
    return [p for p in book_notebooks() if p.parent.name in ("experiments", "applications")]


# ---------------------------------------------------------------- the book's notebooks

NOTEBOOKS = book_notebooks()


@pytest.mark.notebook
@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: str(path.relative_to(BOOK)))
def test_notebook_follows_conventions(path: Path, check) -> None:
    nb = nbformat.read(path, as_version=4)
    assert check(nb) == []


@pytest.mark.notebook
@pytest.mark.parametrize("check", EVIDENCE_CHECKS, ids=lambda check: check.__name__)
@pytest.mark.parametrize("path", evidence_pages(), ids=lambda path: str(path.relative_to(BOOK)))
def test_evidence_page_glues_numbers_and_has_exercises(path: Path, check) -> None:
    nb = nbformat.read(path, as_version=4)
    assert check(nb) == []


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: str(path.relative_to(BOOK)))
def test_notebook_is_in_toc_and_small(path: Path) -> None:
    in_toc = path.relative_to(ROOT).with_suffix("").as_posix() in toc_files()
    assert in_toc, "not in _toc.yml: the site skips it"
    assert path.stat().st_size <= MAX_NOTEBOOK_BYTES, f"{path.stat().st_size} bytes: too heavy a page"


# ---------------------------------------------------------------- each check can fail


def good_notebook():
    """A notebook that passes every check, to break one rule at a time."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    install = nbformat.v4.new_code_cell(INSTALL_SOURCE, execution_count=1)
    install.metadata["tags"] = ["remove-cell", "nbval-skip"]
    setup = nbformat.v4.new_code_cell(
        "from lstm_edu.notebook import setup_notebook\nsetup_notebook()", execution_count=2
    )
    body = nbformat.v4.new_code_cell("print(1 + 1)", execution_count=3)
    body.outputs = [nbformat.v4.new_output("stream", name="stdout", text="2\n")]
    nb.cells = [install, nbformat.v4.new_markdown_cell("# Title"), setup, body]
    return nb


def add_widget_output(nb, model_id: str, saved: bool):
    cell = nb.cells[-1]
    cell.outputs.append(
        nbformat.v4.new_output("display_data",
                               data={WIDGET_VIEW: {"model_id": model_id}, "text/plain": "VBox()"})
    )
    if saved:
        nb.metadata["widgets"] = {WIDGET_STATE: {"state": {model_id: {}}, "version_major": 2,
                                                 "version_minor": 0}}
    return nb


def test_good_notebook_passes_every_check() -> None:
    nb = add_widget_output(good_notebook(), "abc", saved=True)
    assert {check.__name__: check(nb) for check in CHECKS} == {check.__name__: [] for check in CHECKS}


def test_install_cell_must_come_first_with_tags() -> None:
    nb = good_notebook()
    nb.cells[0].metadata["tags"] = ["remove-cell"]
    assert check_install_cell(nb) == ["cell 0 lacks the tags ['nbval-skip']"]
    nb.cells = nb.cells[1:]
    assert any("not the install cell" in problem for problem in check_install_cell(nb))


def test_setup_notebook_must_be_called_second() -> None:
    nb = good_notebook()
    nb.cells[2].source = "import numpy as np"
    assert check_setup_call(nb) != []


def test_ignored_output_needs_a_reason() -> None:
    nb = good_notebook()
    nb.cells[3].metadata["tags"] = ["nbval-ignore-output"]
    assert check_ignore_reasons(nb) == [
        "cell 3 is tagged ['nbval-ignore-output'] without metadata 'nbval_reason'"
    ]
    nb.cells[3].metadata[REASON_KEY] = "prints the wall-clock time of a training run"
    assert check_ignore_reasons(nb) == []
    nb.cells[3].source = "# NBVAL_IGNORE_OUTPUT\nprint(1 + 1)"
    assert check_ignore_reasons(nb) == ["cell 3 uses an NBVAL_ comment marker; tag the cell instead"]


@pytest.mark.parametrize(
    "source",
    [
        "from ipywidgets import interact",
        "interact(f, x=(0, 1))",
        "@interact\ndef f(x=1):\n    pass",
        "w = widgets.interactive_output(f, {'x': s})",
        "out = widgets.Output()",
        "box = interactive(f, x=1)",
    ],
)
def test_kernel_bound_widgets_are_refused(source: str) -> None:
    nb = good_notebook()
    nb.cells[3].source = source
    assert len(check_forbidden_widgets(nb)) == 1


def test_prose_about_interaction_is_not_refused() -> None:
    nb = good_notebook()
    nb.cells[3].source = "# you can interact with the figure below\nshow(output_gate)"
    assert check_forbidden_widgets(nb) == []


def test_trailing_semicolon_is_refused() -> None:
    nb = good_notebook()
    nb.cells[3].source = "ax.set_xlabel('day'), ax.legend();  # quiet"
    assert check_no_trailing_semicolon(nb) == [
        "code cell 2 ends with ';': nbval shows the value it hides (end with plt.show() or `_ = ...`)"
    ]
    nb.cells[3].source = "x = 1; y = 2\nax.legend()\nplt.show()"
    assert check_no_trailing_semicolon(nb) == []


def test_kernelspec_must_be_python3() -> None:
    nb = good_notebook()
    nb.metadata["kernelspec"]["name"] = "conda-env-lstm"
    assert check_kernelspec(nb) == ["kernelspec name is 'conda-env-lstm', expected 'python3'"]


def test_unexecuted_or_out_of_order_or_failed_cells_are_refused() -> None:
    nb = good_notebook()
    nb.cells[3].execution_count = None
    assert check_executed(nb) == ["1 code cell(s) never executed (run scripts/execute_notebooks.py)"]
    nb.cells[3].execution_count = 7
    assert "not one top-to-bottom run" in check_executed(nb)[0]
    nb.cells[3].execution_count = 3
    nb.cells[3].outputs = [nbformat.v4.new_output("error", ename="ValueError", evalue="x", traceback=[])]
    assert check_executed(nb) == ["code cell 2 stores an error: ValueError"]


def test_displayed_widget_needs_saved_state() -> None:
    nb = add_widget_output(good_notebook(), "abc", saved=False)
    assert check_widget_state(nb) == ["1 displayed widget(s) missing from metadata.widgets"]


def test_toc_lists_files_without_suffix() -> None:
    files = toc_files()
    assert "book/intro" in files and all(not name.endswith((".md", ".ipynb")) for name in files)


def test_figure_without_alt_text_is_refused() -> None:
    nb = good_notebook()
    nb.cells[-1].outputs.append(nbformat.v4.new_output("display_data",
                                                       data={"image/png": "iVBOR", "text/plain": "<Figure>"}))
    assert check_figure_alt_text(nb) == ["figure without mystnb image.alt / figure.caption: 'print(1 + 1)'"]
    nb.cells[-1].metadata["mystnb"] = {"image": {"alt": "A line"}}
    assert check_figure_alt_text(nb) == []
    nb.cells[-1].metadata["mystnb"] = {"image": {"alt": "Norm of dc_T/dc_t"}}
    assert check_figure_alt_text(nb) == [
        "figure alt text contains a slash, which reads as a file path: 'print(1 + 1)'"]


def glue_output(name: str, text: str):
    return nbformat.v4.new_output(
        "display_data", data={"application/papermill.record/text/plain": text},
        metadata={"scrapbook": {"name": name, "mime_prefix": "application/papermill.record/"}},
    )


def test_prose_numbers_must_be_glued() -> None:
    nb = good_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell(
        "LSTM {glue:text}`lstm_rate:.0%`, RNN {glue:text}`rnn_rate:.0%`."))
    nb.cells[3].outputs += [glue_output("lstm_rate", "0.4"), glue_output("rnn_rate", "0.0")]
    assert check_glued_numbers(nb) == ["2 glued value(s) in the prose, expected at least 3"]
    nb.cells[-1].source += " And {glue}`gru_rate`."
    assert check_glued_numbers(nb) == [
        "prose uses ['gru_rate'], which no cell glues (lstm_edu.notebook.glue)"]
    nb.cells[3].outputs.append(glue_output("gru_rate", "0.1"))
    assert check_glued_numbers(nb) == []


def test_exercises_need_hidden_solutions() -> None:
    nb = good_notebook()
    assert check_exercises(nb) == ["no '## Exercises' section"]
    solution = "\n\n````{admonition} Solution\n:class: dropdown\nAnswer.\n````\n"
    nb.cells.append(nbformat.v4.new_markdown_cell("## Exercises\n\n**1.** Q." + solution
                                                  + "**2.** Q." + solution))
    assert check_exercises(nb) == [
        "2 exercise solution(s) (dropdown admonitions titled Solution), expected 3-5"]
    nb.cells.append(nbformat.v4.new_markdown_cell("**3.** Change the seed and rerun." + solution))
    assert check_exercises(nb) == []


def test_a_displayed_widget_is_not_hidden_from_the_site() -> None:
    nb = add_widget_output(good_notebook(), "abc", saved=True)
    assert check_widgets_shown_on_the_site(nb) == []
    nb.cells[-1].metadata["tags"] = ["remove-output"]
    assert check_widgets_shown_on_the_site(nb) == [
        "code cell 2 displays a widget but is tagged remove-output: the site would not show it"]
