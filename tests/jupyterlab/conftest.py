"""Fixtures for the JupyterLab end-to-end test: a real server (lab_server.py) and chromium."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "browser"))
from lab_server import NO_NOTEBOOKS, NOTEBOOKS, VENV, LabStartError, start_lab, stop_lab  # noqa: E402
from site_visit import CHROMIUM, CHROMIUM_ARGS  # noqa: E402


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.lab)
            item.add_marker(pytest.mark.slow)


def pytest_generate_tests(metafunc):
    if "notebook" in metafunc.fixturenames:
        names = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) or [NO_NOTEBOOKS]
        metafunc.parametrize("notebook", names)


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    if not (VENV / "bin" / "jupyter-lab").exists():
        pytest.fail(f"no JupyterLab in {VENV}: run `bash scripts/setup_env.sh`")
    check = subprocess.run([str(VENV / "bin" / "python"), "-c", "import lstm_edu"],
                           capture_output=True, text=True)
    if check.returncode != 0:
        pytest.fail(f"lstm_edu is not importable in {VENV} (run `bash scripts/setup_env.sh`): "
                    f"{check.stderr.strip()[-300:]}")
    try:
        server = start_lab(tmp_path_factory.mktemp("lab"))
    except LabStartError as error:
        pytest.fail(str(error))
    try:
        yield server
    finally:
        stop_lab(server)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} missing: `apt-get install -y chromium` (never `playwright install`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
