"""book/_ext/offline_site.py: a script registered twice by Sphinx 7 is written once."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from sphinx.builders.html._assets import _JavaScript

EXT = Path(__file__).resolve().parents[2] / "book" / "_ext" / "offline_site.py"


def _load_extension():
    spec = importlib.util.spec_from_file_location("offline_site", EXT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_inline_script_registered_as_none_and_empty_is_written_once():
    ext = _load_extension()
    body = 'const THEBE_JS_URL = "x"'
    scripts = [
        _JavaScript("_static/doctools.js", priority=200),
        _JavaScript(None, priority=500, body=body),  # the direct add_js_file call
        _JavaScript("_static/sphinx-thebe.js", priority=500, **{"async": "async"}),
        _JavaScript("", priority=500, body=body),  # the registry replayed before writing
        _JavaScript("", priority=500, body="var other = 1"),
    ]
    context = {"script_files": scripts}
    ext.drop_repeated_scripts(None, "page", "page.html", context, None)
    assert context["script_files"] is scripts  # edited in place: the builder's own list
    bodies = [s.attributes.get("body") for s in scripts]
    assert bodies.count(body) == 1
    assert [s.filename for s in scripts] == [
        "_static/doctools.js", None, "_static/sphinx-thebe.js", ""
    ]
    assert bodies[-1] == "var other = 1"


def test_distinct_scripts_are_kept():
    ext = _load_extension()
    scripts = [_JavaScript("a.js", priority=500), _JavaScript("a.js", priority=800),
               _JavaScript("b.js", priority=500)]
    context = {"script_files": list(scripts)}
    ext.drop_repeated_scripts(None, "page", "page.html", context, None)
    assert context["script_files"] == scripts
