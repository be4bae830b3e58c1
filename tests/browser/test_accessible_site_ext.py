"""book/_ext/accessible_site.py: the HTML fixes that take the theme's axe-core violations away.

The snippets are the markup pydata-sphinx-theme 0.17.1, sphinx-book-theme 1.3.0 and docutils
0.21 write (copied from a built page); test_accessibility.py checks the built site itself.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest

EXT = Path(__file__).resolve().parents[2] / "book" / "_ext" / "accessible_site.py"

SEARCH_FIELD = (
    '<button class="btn search-button-field search-button__button pst-js-only" title="Search" '
    'aria-label="Search" data-bs-placement="bottom" data-bs-toggle="tooltip">\n'
    ' <i class="fa-solid fa-magnifying-glass"></i>\n'
    ' <span class="search-button__default-text">Search</span>\n'
    ' <span class="search-button__kbd-shortcut"><kbd class="kbd-shortcut__modifier">Ctrl</kbd>+'
    '<kbd class="kbd-shortcut__modifier">K</kbd></span>\n</button>'
)
SEARCH_ICON = (
    '<button class="btn btn-sm pst-navbar-icon search-button search-button__button pst-js-only" '
    'title="Search" aria-label="Search" data-bs-placement="bottom" data-bs-toggle="tooltip">\n'
    '    <i class="fa-solid fa-magnifying-glass fa-lg"></i>\n</button>'
)
THEME_SWITCH = (
    '<button class="btn btn-sm nav-link pst-navbar-icon theme-switch-button pst-js-only" '
    'aria-label="Color mode" data-bs-title="Color mode"  data-bs-placement="bottom" '
    'data-bs-toggle="tooltip">\n'
    '  <i class="theme-switch fa-solid fa-sun                fa-lg" data-mode="light" title="Light"></i>\n'
    '  <i class="theme-switch fa-solid fa-moon               fa-lg" data-mode="dark"  title="Dark"></i>\n'
    '  <i class="theme-switch fa-solid fa-circle-half-stroke fa-lg" data-mode="auto"  '
    'title="System Settings"></i>\n</button>'
)
TOGGLE = ('<summary><span class="toctree-toggle" role="presentation">'
          '<i class="fa-solid fa-chevron-down"></i></span></summary>')
SIDEBAR = (
    '<ul class="nav bd-sidenav">\n'
    '<li class="toctree-l1 has-children"><a class="reference internal" '
    f'href="applications/index.html">Applications</a><details>{TOGGLE}<ul>\n'
    '<li class="toctree-l2"><a class="reference internal" href="applications/forecasting.html">'
    'Forecasting</a></li>\n</ul>\n</details></li>\n'
    '<li class="toctree-l1 current active has-children"><a class="current reference internal" '
    f'href="#">Experiments: <em>what</em> &amp; why</a><details open="open">{TOGGLE}'
    '<ul class="current">\n<li class="toctree-l2"><a class="reference internal" '
    'href="adding_problem.html">The adding problem</a></li>\n</ul>\n</details></li>\n</ul>'
)
EXERCISE = ('<details class="solution"><summary>Solution to exercise 1</summary>'
            '<p>Twelve.</p></details>')
CITATIONS = (
    '<div role="list" class="citation-list">\n'
    '<div class="citation" id="id2" role="doc-biblioentry">\n'
    '<span class="label"><span class="fn-bracket">[</span>1<span class="fn-bracket">]</span></span>\n'
    '<p>Dzmitry Bahdanau, Kyunghyun Cho, and Yoshua Bengio. Neural machine translation.</p>\n</div>\n'
    '<div class="citation" id="id3" role="doc-biblioentry">\n<p>Yoshua Bengio.</p>\n</div>\n</div>'
)


@pytest.fixture(scope="module")
def ext():
    spec = importlib.util.spec_from_file_location("accessible_site", EXT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_search_field_is_named_by_its_visible_text(ext):
    fixed = ext.name_search_buttons(SEARCH_FIELD)
    opening = fixed.split(">", 1)[0]
    assert "aria-label" not in opening, opening
    assert 'aria-keyshortcuts="Control+K"' in opening
    assert 'title="Search"' in opening  # the tooltip stays
    # everything after the opening tag is untouched
    assert fixed.split(">", 1)[1] == SEARCH_FIELD.split(">", 1)[1]


def test_icon_only_search_button_keeps_its_label(ext):
    assert ext.name_search_buttons(SEARCH_ICON) == SEARCH_ICON


def test_theme_switch_name_contains_every_icon_title(ext):
    fixed = ext.name_theme_switch(THEME_SWITCH)
    assert 'aria-label="Color mode: Light, Dark, System Settings"' in fixed
    assert fixed.count("aria-label=") == 1
    assert fixed.replace('aria-label="Color mode: Light, Dark, System Settings"',
                         'aria-label="Color mode"') == THEME_SWITCH


def test_other_buttons_are_left_alone(ext):
    button = '<button class="btn" aria-label="Launch"><i title="Binder"></i></button>'
    assert ext.make_accessible(button) == button


def test_sidebar_toggles_are_named_after_their_section(ext):
    fixed = ext.name_toctree_toggles(SIDEBAR)
    hidden = '<span class="visually-hidden">'
    assert fixed.count(hidden) == 2
    assert (f'<i class="fa-solid fa-chevron-down"></i></span>{hidden}Pages under Applications'
            "</span></summary>") in fixed
    # markup dropped from the title, its escaped ampersand kept escaped (not doubled)
    assert f"{hidden}Pages under Experiments: what &amp; why</span></summary>" in fixed
    assert fixed.replace(f"{hidden}Pages under Applications</span>", "").replace(
        f"{hidden}Pages under Experiments: what &amp; why</span>", "") == SIDEBAR


def test_summaries_with_text_are_left_alone(ext):
    assert ext.name_toctree_toggles(EXERCISE) == EXERCISE


def test_citations_become_items_of_their_list(ext):
    fixed = ext.list_citations(CITATIONS)
    assert fixed.count('role="listitem"') == 2
    assert "doc-biblioentry" not in fixed
    assert '<div role="list" class="citation-list">' in fixed
    assert fixed.replace('role="listitem"', 'role="doc-biblioentry"') == CITATIONS


def test_every_fix_is_idempotent(ext):
    page = "\n".join([SEARCH_FIELD, SEARCH_ICON, THEME_SWITCH, SIDEBAR, EXERCISE, CITATIONS])
    once = ext.make_accessible(page)
    assert once != page
    assert ext.make_accessible(once) == once


def _app(outdir: Path, fmt: str = "html"):
    return SimpleNamespace(builder=SimpleNamespace(format=fmt, outdir=str(outdir)))


def test_build_finished_fixes_pages_but_not_static_files(ext, tmp_path):
    page = "<html><body>" + SEARCH_FIELD + CITATIONS + "</body></html>"
    (tmp_path / "book").mkdir()
    (tmp_path / "_static").mkdir()
    for path in (tmp_path / "book" / "references.html", tmp_path / "_static" / "macros.html"):
        path.write_text(page, encoding="utf-8")
    ext.fix_built_pages(_app(tmp_path), None)
    assert (tmp_path / "book" / "references.html").read_text(encoding="utf-8") == ext.make_accessible(page)
    assert (tmp_path / "_static" / "macros.html").read_text(encoding="utf-8") == page


@pytest.mark.parametrize("exception, fmt", [(RuntimeError("build failed"), "html"), (None, "latex")])
def test_nothing_is_rewritten_after_a_failed_or_non_html_build(ext, tmp_path, exception, fmt):
    page = "<html><body>" + SEARCH_FIELD + "</body></html>"
    (tmp_path / "index.html").write_text(page, encoding="utf-8")
    ext.fix_built_pages(_app(tmp_path, fmt), exception)
    assert (tmp_path / "index.html").read_text(encoding="utf-8") == page


def test_setup_registers_the_stylesheet_and_the_build_hook(ext):
    calls = []
    app = SimpleNamespace(add_css_file=lambda name: calls.append(("css", name)),
                          connect=lambda event, handler: calls.append((event, handler)))
    metadata = ext.setup(app)
    assert ("css", "accessible-site.css") in calls
    assert ("build-finished", ext.fix_built_pages) in calls
    assert (EXT.parents[1] / "_static" / "accessible-site.css").is_file()
    assert metadata["parallel_write_safe"] is True
