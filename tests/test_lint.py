"""Code rules the tests enforce: ruff is clean, no module is over 400 lines,
no private names cross modules."""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "lstm_edu"
MAX_LINES = 400


def _ruff() -> list[str]:
    found = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if found is None:
        pytest.fail("ruff is not installed (it is pinned in requirements.txt)")
    return [found]


def test_ruff_is_clean():
    result = subprocess.run([*_ruff(), "check", "--no-cache", "lstm_edu", "tests", "benchmarks", "scripts",
                             "book/_ext"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_no_module_is_over_400_lines():
    sizes = {path.relative_to(REPO).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
             for path in sorted(PACKAGE.rglob("*.py")) + sorted(PACKAGE.rglob("*.js"))}
    assert sizes, "no module found"
    over = {name: lines for name, lines in sizes.items() if lines > MAX_LINES}
    assert not over, f"modules over {MAX_LINES} lines: {over}"


def _private_imports(path: Path) -> list[str]:
    """`from X import _name` and `import lstm_edu._private` in one module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if any(part.startswith("_") and part != "__future__" for part in module.split(".")):
                found.append(f"from {'.' * node.level}{module} import ...")
            found += [f"from {'.' * node.level}{module} import {alias.name}" for alias in node.names
                      if alias.name.startswith("_") and not alias.name.startswith("__")]
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names
                      if any(part.startswith("_") for part in alias.name.split("."))]
    return found


def test_no_private_name_is_imported_across_modules():
    problems = {path.relative_to(REPO).as_posix(): found for path in sorted(PACKAGE.rglob("*.py"))
                if (found := _private_imports(path))}
    assert not problems, f"private names imported across modules: {problems}"


def test_the_private_import_check_sees_one():
    sample = REPO / "_build" / "lint-sample.py"
    sample.parent.mkdir(exist_ok=True)
    sample.write_text("from ._validate import check_shape\nfrom .cells import _blocks\n", encoding="utf-8")
    assert _private_imports(sample) == ["from ._validate import ...", "from .cells import _blocks"]
