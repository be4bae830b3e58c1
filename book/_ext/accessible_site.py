"""Sphinx extension: give the theme's and Sphinx's HTML the names and roles axe-core wants.

axe-core (tests/browser/test_accessibility.py) found three kinds of serious or critical
violations in HTML that neither the book's pages nor its widgets write:

* ``label-content-name-mismatch``: pydata-sphinx-theme's search field button shows
  "Search Ctrl+K" but is named ``aria-label="Search"``; speech-input users who say what
  they see ("click Search Ctrl K") miss it. Without the ``aria-label`` its name is its
  visible text; ``aria-keyshortcuts`` states the shortcut. (The icon-only search button
  keeps its label: it shows no text.)
* ``label-content-name-mismatch`` again: the theme's colour-mode button is named "Color
  mode" but shows one of three icons whose titles ("Light", "Dark", "System Settings")
  Font Awesome turns into their text; its name becomes "Color mode: Light, Dark, System
  Settings", which contains whichever is shown.
* ``summary-name``: the sidebar's collapsible sections (``<details><summary>`` holding only
  a chevron icon) have no name. Each gets a visually hidden one naming the section it
  opens: "Pages under Applications".
* ``aria-required-children``: docutils writes the bibliography as ``<div role="list"
  class="citation-list">`` whose items carry ``role="doc-biblioentry"`` (deprecated in
  DPUB-ARIA 1.1, and not a list item), so the list has no ``listitem`` child. The items
  become ``role="listitem"``.

In dark mode the theme paints widget outputs as light cards (ipywidgets are light-only), under
the live explorers too, whose dark palette then fails ``color-contrast``; the stylesheet
``book/_static/accessible-site.css``, added to every page here, exempts them.

The fixes are string transformations of the finished page (``make_accessible``), applied to
every HTML page of the output folder once the build has finished; each is idempotent, so a
page fixed twice is unchanged. The theme's templates and installed packages stay
untouched.
"""
from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

__all__ = ["make_accessible", "name_search_buttons", "name_theme_switch", "name_toctree_toggles",
           "list_citations", "setup"]

# <button ... class="... search-button-field ..." ...> (the field with visible text)
_BUTTON = re.compile(r"<button\b[^>]*>", re.S)
_CLASS = re.compile(r'\bclass="([^"]*)"')
_ARIA_LABEL = re.compile(r'\s+aria-label="[^"]*"')

# <a ...>Title</a><details ...><summary><span class="toctree-toggle" ...><i ...></i></span></summary>
_TOGGLE = re.compile(
    r'(?P<link><a\b[^>]*>(?P<title>(?:(?!</a>).)*)</a>\s*<details\b[^>]*>\s*<summary\b[^>]*>\s*)'
    r'(?P<toggle><span class="toctree-toggle"[^>]*>\s*(?:<i\b[^>]*>\s*</i>)?\s*</span>)'
    r'(?P<end>\s*</summary>)',
    re.S,
)
_TAG = re.compile(r"<[^>]+>")

# <button class="... theme-switch-button ..." aria-label="Color mode" ...> <i ... title="Light"> ... </button>
_THEME_BUTTON = re.compile(r"(?P<open><button\b[^>]*>)(?P<inside>(?:(?!</button>).)*)</button>", re.S)
_ICON_TITLE = re.compile(r'<i\b[^>]*\bclass="[^"]*\btheme-switch\b[^"]*"[^>]*\btitle="([^"]*)"')
_ARIA_LABEL_VALUE = re.compile(r'\baria-label="([^"]*)"')

_CITATION = re.compile(r'<div\b[^>]*\bclass="citation"[^>]*>')
_BIBLIOENTRY = re.compile(r'\brole="doc-biblioentry"')


def name_search_buttons(page: str) -> str:
    """Drop ``aria-label`` from the search buttons that show text; state the shortcut."""

    def fix(match: re.Match) -> str:
        tag = match.group(0)
        classes = _CLASS.search(tag)
        if not classes or "search-button-field" not in classes.group(1).split():
            return tag
        tag = _ARIA_LABEL.sub("", tag)
        if "aria-keyshortcuts=" not in tag:
            tag = tag[:-1] + ' aria-keyshortcuts="Control+K">'
        return tag

    return _BUTTON.sub(fix, page)


def name_theme_switch(page: str) -> str:
    """Name the colour-mode button after itself and the modes its icons show."""

    def fix(match: re.Match) -> str:
        tag = match.group("open")
        classes = _CLASS.search(tag)
        label = _ARIA_LABEL_VALUE.search(tag)
        if not classes or "theme-switch-button" not in classes.group(1).split() or not label:
            return match.group(0)
        titles = _ICON_TITLE.findall(match.group("inside"))
        if not titles or label.group(1) != label.group(1).split(":")[0]:
            return match.group(0)  # no icon titles, or already named after them
        name = f'{label.group(1)}: {", ".join(titles)}'
        tag = tag[:label.start(1)] + name + tag[label.end(1):]
        return tag + match.group("inside") + "</button>"

    return _THEME_BUTTON.sub(fix, page)


def _text(fragment: str) -> str:
    """The text of an HTML fragment (tags removed, whitespace collapsed), still escaped."""
    return " ".join(_TAG.sub("", fragment).split())


def name_toctree_toggles(page: str) -> str:
    """Name each sidebar section toggle after the link it sits beside."""

    def fix(match: re.Match) -> str:
        title = _text(match.group("title"))
        if not title:
            return match.group(0)
        # the title is already HTML text (escaped); re-escape only what unescaping revealed
        name = html.escape(html.unescape(f"Pages under {title}"), quote=False)
        return (f'{match.group("link")}{match.group("toggle")}'
                f'<span class="visually-hidden">{name}</span>{match.group("end")}')

    return _TOGGLE.sub(fix, page)


def list_citations(page: str) -> str:
    """Bibliography entries (``div.citation``) become list items of their citation list."""
    return _CITATION.sub(lambda m: _BIBLIOENTRY.sub('role="listitem"', m.group(0)), page)


def make_accessible(page: str) -> str:
    """Every fix above, in order, on one page's HTML."""
    for fix in (name_search_buttons, name_theme_switch, name_toctree_toggles, list_citations):
        page = fix(page)
    return page


_NOT_PAGES = {"_static", "_sources", "_images", "_downloads"}


def fix_built_pages(app, exception) -> None:
    """Rewrite every HTML page of the finished build (nothing after a failed build).

    All pages, not only those written by this build: the fixes are idempotent, and a page
    an incremental build left alone was fixed when it was written.
    """
    if exception is not None or getattr(app.builder, "format", "") != "html":
        return
    outdir = Path(app.builder.outdir)
    for path in sorted(outdir.rglob("*.html")):
        if path.relative_to(outdir).parts[0] in _NOT_PAGES:
            continue
        text = path.read_text(encoding="utf-8")
        fixed = make_accessible(text)
        if fixed != text:
            path.write_text(fixed, encoding="utf-8")


STYLESHEET = "accessible-site.css"  # in book/_static/, one of html_static_path's folders


def setup(app) -> dict[str, Any]:
    app.add_css_file(STYLESHEET)
    app.connect("build-finished", fix_built_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
