"""The live explorers saved in the notebooks carry the JavaScript and CSS the package has now.

A live explorer's front end travels in the notebook's saved widget state (anywidget's ``_esm``
and ``_css``): the static site runs exactly that copy. nbval compares text outputs, not widget
state, so a change to ``lstm_edu/widgets/js/`` would otherwise reach the site only when someone
happened to re-execute the page. This test fails until every page showing an explorer whose
JavaScript or CSS changed is re-executed (``make execute NB=...``).
"""
from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parents[1] / "book"
STATE = "application/vnd.jupyter.widget-state+json"
NOTEBOOKS = sorted(p for p in BOOK.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def saved_explorers(path: Path):
    """(class path, saved state) of every anywidget model saved in a notebook."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    models = notebook.get("metadata", {}).get("widgets", {}).get(STATE, {}).get("state", {})
    for model in models.values():
        state = model.get("state", {})
        if "_esm" in state:
            yield state.get("_anywidget_id", ""), state


def current(class_path: str):
    module, _, name = class_path.rpartition(".")
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(p.relative_to(BOOK)) for p in NOTEBOOKS])
def test_saved_explorers_run_the_current_javascript(path):
    stale = []
    for class_path, state in saved_explorers(path):
        assert class_path.startswith("lstm_edu."), (f"{path.name}: an anywidget not from lstm_edu: "
                                                    f"{class_path!r}")
        cls = current(class_path)
        esm, css = cls._esm, cls._css
        if state["_esm"] != (esm if isinstance(esm, str) else Path(esm).read_text()) or state["_css"] != css:
            stale.append(class_path.rpartition(".")[2])
    assert not stale, (f"{path.relative_to(BOOK)}: saved {sorted(set(stale))} predate the current "
                       f"lstm_edu/widgets/js; re-execute the notebook "
                       f"(make execute NB={path.relative_to(BOOK.parent)})")


def test_the_check_sees_explorers():
    """At least the chapter-3 page saves live explorers (so the test above is not vacuous)."""
    assert len(list(saved_explorers(BOOK / "chapters" / "03_gates.ipynb"))) >= 5
