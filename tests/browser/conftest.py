"""Fixtures for the browser tests: the already-built site, served locally, and chromium.

Nothing is built here. Build first (`bash scripts/build_book.sh`), then
`pytest tests/browser`. Environment overrides:
  LSTM_BOOK_ROOT        book root holding _config.yml/_toc.yml (default: the repository)
  LSTM_BOOK_SITE        the built site (default: $LSTM_BOOK_ROOT/_build/html)
  LSTM_BOOK_SCREENSHOTS where screenshots go (default: next to the site, _build/screenshots)
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from site_visit import CHROMIUM, CHROMIUM_ARGS, discover_pages, serve, visit_page  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
BOOK_ROOT = Path(os.environ.get("LSTM_BOOK_ROOT", REPO)).resolve()
SITE = Path(os.environ.get("LSTM_BOOK_SITE", BOOK_ROOT / "_build" / "html")).resolve()
SHOTS = Path(os.environ.get("LSTM_BOOK_SCREENSHOTS", SITE.parent / "screenshots")).resolve()
MISSING_SITE = "<site not built>"


def pytest_collection_modifyitems(items):
    """Every test in this folder drives a browser."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


def pytest_generate_tests(metafunc):
    """One test per built page (discovered from the HTML files, not from a list)."""
    if "page" in metafunc.fixturenames:
        pages = discover_pages(SITE) if (SITE / "index.html").is_file() else [MISSING_SITE]
        metafunc.parametrize("page", pages, scope="session")


@pytest.fixture(scope="session")
def book_root() -> Path:
    return BOOK_ROOT


@pytest.fixture(scope="session")
def site_dir() -> Path:
    if not (SITE / "index.html").is_file():
        pytest.fail(f"no built site at {SITE}: run `bash scripts/build_book.sh` first")
    return SITE


@pytest.fixture(scope="session")
def site_server(site_dir):
    server = serve(site_dir)
    yield server
    server.close()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} missing: `apt-get install -y chromium` (never `playwright install`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def _reports():
    return {}


@pytest.fixture
def report(page, site_server, browser, _reports):
    """The `PageReport` of `page`, visited once per session and shared by its tests."""
    if page == MISSING_SITE:
        pytest.fail(f"no built site at {SITE}: run `bash scripts/build_book.sh` first")
    if page not in _reports:
        try:
            _reports[page] = visit_page(browser, site_server, page, SHOTS)
        except Exception as error:  # noqa: BLE001 - one failed visit fails each test once, no retries
            _reports[page] = error
    if isinstance(_reports[page], Exception):
        raise _reports[page]
    return _reports[page]
