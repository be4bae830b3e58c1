"""The built static site, as a reader without a kernel or a network meets it.

Each page is visited once (see conftest.report / site_visit.visit_page) with every off-site
request blocked; the tests below assert on what was recorded. Screenshots of every page
(desktop and 390 px mobile, light and dark) are written to _build/screenshots/.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

MAX_SCRIPT_TAGS = 40  # a default page has ~20; hundreds means vendored files leaked into _static/


def _lines(items) -> str:
    return "\n  ".join(str(i) for i in items)


def test_no_console_errors_or_page_errors(report):
    problems = report.console + [f"page error: {e}" for e in report.page_errors]
    assert not problems, f"{report.page}: console errors/warnings:\n  {_lines(problems)}"


def test_no_offsite_request(report):
    assert not report.offsite, (
        f"{report.page} tried to reach the network (blocked):\n  {_lines(report.offsite)}"
    )


def test_no_missing_files(report):
    missing = report.http_errors + [
        f for f in report.failed_requests if not any(f.startswith(u) for u in report.offsite)
    ]
    assert not missing, f"{report.page}: failed requests:\n  {_lines(missing)}"


def test_every_equation_rendered(report):
    assert not report.math_unrendered, (
        f"{report.page}: {len(report.math_unrendered)} of {report.math_nodes} math nodes "
        f"not typeset by MathJax:\n  {_lines(report.math_unrendered)}"
    )
    assert not report.math_errors, f"{report.page}: TeX errors:\n  {_lines(report.math_errors)}"
    assert not report.math_raw, f"{report.page}: raw TeX left in the text:\n  {_lines(report.math_raw)}"


def test_every_widget_rendered(report):
    assert report.widgets_rendered == report.widget_views, (
        f"{report.page}: {report.widget_views} widget views in the page, "
        f"{report.widgets_rendered} rendered; {report.widget_problems}"
    )


def test_every_widget_control_changes_the_picture(report):
    """The precomputed ipywidgets explorers (live ones: test_accessibility.py, by keyboard)."""
    if report.widget_views == 0:
        pytest.skip("no widget on this page")
    if report.static_widgets == 0 and report.live_explorers:
        pytest.skip("only live explorers on this page (checked from the keyboard)")
    assert not report.widget_problems, f"{report.page}:\n  {_lines(report.widget_problems)}"
    assert report.moves, f"{report.page}: widgets rendered but no control was moved"
    dead = [m for m in report.moves if not m.changed]
    assert not dead, (
        f"{report.page}: moving these controls left the picture unchanged:\n  {_lines(dead)}"
    )
    unrestored = [m for m in report.moves if not m.restored]
    assert not unrestored, (
        f"{report.page}: moving these controls back did not restore the picture:\n"
        f"  {_lines(unrestored)}"
    )


def test_every_image_has_alt_text_or_caption(report):
    assert not report.images_without_text, (
        f"{report.page}: {len(report.images_without_text)} of {report.images} images have no "
        "alt text (a file name does not count), tooltip or figure caption:\n  "
        + _lines(report.images_without_text)
        + "\n  Notebook figures: set the cell's `mystnb: {image: {alt: ...}}` or "
        "`mystnb: {figure: {caption: ...}}` metadata. Widget images: a `title` (an Image with "
        "tooltip=... and a synced empty `description` trait; a plain Image(tooltip=...) makes "
        "ipywidgets' ImageView fail to render)."
    )


def test_install_cell_not_shown(report):
    assert not report.install_cells, (
        f"{report.page} shows the Colab/Binder install cell (tag it remove-cell):\n  "
        + _lines(report.install_cells)
    )


def test_page_does_not_load_every_static_file(report):
    assert report.script_tags <= MAX_SCRIPT_TAGS, (
        f"{report.page} has {report.script_tags} <script src> tags: vendored files were probably "
        "copied under a `_static/` folder that Jupyter Book adds to every page"
    )


def test_redirect_target_exists(report, site_dir):
    if not report.redirect_to:
        pytest.skip("not a redirect page")
    target = (site_dir / report.page).parent / report.redirect_to.split("#")[0]
    assert target.is_file(), f"{report.page} redirects to missing {report.redirect_to}"


def test_screenshots_saved(report):
    if report.redirect_to:
        pytest.skip(f"redirect page (to {report.redirect_to}): nothing to see")
    labels = sorted(Path(p).stem.rsplit("--", 1)[1] for p in report.screenshots)
    assert labels == ["desktop-dark", "desktop-light", "mobile-dark", "mobile-light"]
    for path in report.screenshots:
        assert Path(path).stat().st_size > 1000, f"{path} is empty"


def _repository(book_root: Path) -> tuple[str, str, str]:
    config = yaml.safe_load((book_root / "_config.yml").read_text(encoding="utf-8"))
    repo = config.get("repository", {})
    url = repo.get("url", "").rstrip("/")
    branch = repo.get("branch", "main")
    path_to_book = repo.get("path_to_book", "").strip("/")
    return url, branch, path_to_book


def test_notebook_pages_launch_in_colab_and_binder(report, site_dir, book_root):
    source = site_dir / "_sources" / report.page.replace(".html", ".ipynb")
    if not source.is_file():
        pytest.skip("not a notebook page")
    url, branch, path_to_book = _repository(book_root)
    owner_repo = urlparse(url).path.strip("/")
    notebook = "/".join(p for p in (path_to_book, report.page.replace(".html", ".ipynb")) if p)
    assert (book_root / notebook).is_file(), f"launch links would open a missing file {notebook}"

    colab = report.launch_links.get("colab")
    assert colab == f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/{notebook}"

    binder = urlparse(report.launch_links.get("binder", ""))
    assert binder.netloc == "mybinder.org"
    assert binder.path == f"/v2/gh/{owner_repo}/{branch}"
    urlpath = parse_qs(binder.query).get("urlpath", [""])[0]
    assert urlpath.endswith(notebook), f"Binder opens {urlpath!r}, expected .../{notebook}"


def _toc_files(node) -> list[str]:
    files = []
    if isinstance(node, dict):
        for key in ("root", "file"):
            if isinstance(node.get(key), str):
                files.append(node[key])
        for value in node.values():
            if isinstance(value, (list, dict)):
                files.extend(_toc_files(value))
    elif isinstance(node, list):
        for value in node:
            files.extend(_toc_files(value))
    return files


def test_every_toc_entry_was_built_and_visited(site_dir, book_root):
    from site_visit import discover_pages

    toc = yaml.safe_load((book_root / "_toc.yml").read_text(encoding="utf-8"))
    expected = {re.sub(r"\.(md|ipynb)$", "", f) + ".html" for f in _toc_files(toc)}
    pages = set(discover_pages(site_dir))
    assert expected <= pages, f"toc entries with no page: {sorted(expected - pages)}"


def test_widget_state_stays_small(site_dir):
    """Frames are embedded in the pages: keep each page's widget state under ~5 MB."""
    limit = 5 * 1024 * 1024
    sizes = {}
    for page in site_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8", errors="replace")
        match = re.search(
            r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>', text, re.S
        )
        if match:
            sizes[page.relative_to(site_dir).as_posix()] = len(match.group(1).encode())
    too_big = {p: s for p, s in sizes.items() if s > limit}
    assert not too_big, f"widget state over 5 MB: {json.dumps(too_big)}"
