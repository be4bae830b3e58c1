"""Sphinx extension: keep the static site's browser console clean.

Sphinx 7.x writes an inline ``<script>`` twice when an extension registers it with
``app.add_js_file(None, body=...)`` after the builder started: once as filename
``None`` (the direct call) and once as ``''`` (when the registry is replayed before
writing), and the two do not compare equal. sphinx-thebe registers
``const THEBE_JS_URL = ...`` that way, so every page raised
``SyntaxError: Identifier 'THEBE_JS_URL' has already been declared``. Sphinx fixed this
in 8.2 (sphinx-doc/sphinx#13402); Jupyter Book 1.x needs Sphinx 7, so this extension
drops the repeated tag on each page instead.
"""
from __future__ import annotations

from typing import Any

__all__ = ["setup"]


def _script_key(script: Any) -> tuple:
    """Identity of a script tag: filename (None and '' alike), priority and attributes."""
    return (script.filename or "", script.priority, tuple(sorted(script.attributes.items())))


def drop_repeated_scripts(app, pagename, templatename, context, doctree) -> None:
    """Remove later copies of a script already listed for this page (in place)."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple] = set()
    unique = []
    for script in scripts:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app) -> dict[str, Any]:
    """Register the handler late, after other extensions added their page scripts."""
    app.connect("html-page-context", drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
