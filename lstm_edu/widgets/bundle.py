"""Join the explorers' ES modules (``lstm_edu/widgets/js/``) into one module.

A widget's JavaScript travels in its saved state as a single ES module string (anywidget's
``_esm``), loaded in the page from a Blob URL, where relative imports cannot resolve. The
source stays split one concern per file (cell maths, charts, controls, one file per
explorer); :func:`bundle` inlines what an entry module imports from its folder:

* each imported module becomes a scope of its own, ``const __module_cells = (() => {...;
  return {sigmoid, matrix, ...}; })();``, so private helpers of two modules never clash;
* ``import { a, b as c } from "./cells.js";`` becomes ``const { a, b: c } = __module_cells;``.

Only that import form is understood (named imports from a sibling ``./name.js``); any
other ``import`` is an error, so nothing reaches out to the network.
"""
from __future__ import annotations

import functools
import re
from importlib import resources

__all__ = ["bundle", "module_source", "stylesheet"]

_IMPORT = re.compile(r'^import\s*\{([^}]*)\}\s*from\s*"\./([\w-]+)\.js";[ \t]*$', re.M)
_ANY_IMPORT = re.compile(r"^\s*import\b", re.M)
_EXPORT = re.compile(r"^export (?:async )?(?:function\*? |const |let |class )(\w+)", re.M)
_NAME = re.compile(r"^[A-Za-z_$][\w$]*$")


def module_source(name: str) -> str:
    """The text of ``lstm_edu/widgets/js/<name>.js`` (``name`` without the extension)."""
    if not isinstance(name, str):
        raise TypeError(f"name: expected a module name (str), got {type(name).__name__}")
    if not _NAME.match(name.replace("-", "_")):
        raise ValueError(f"name: expected a module name such as 'cells', got {name!r}")
    path = resources.files("lstm_edu.widgets").joinpath("js", f"{name}.js")
    if not path.is_file():
        raise ValueError(f"name: no module lstm_edu/widgets/js/{name}.js")
    return path.read_text(encoding="utf-8")


def _bindings(names: str, module: str) -> str:
    """``a, b as c`` -> ``a, b: c`` (a destructuring pattern)."""
    parts = []
    for item in names.split(","):
        words = item.split()
        if len(words) == 1:
            parts.append(words[0])
        elif len(words) == 3 and words[1] == "as":
            parts.append(f"{words[0]}: {words[2]}")
        elif words:
            raise ValueError(f"{module}.js: cannot read the import list {names.strip()!r}")
    return ", ".join(parts)


def _resolve_imports(source: str, module: str) -> tuple[str, list[str]]:
    """Replace each sibling import by a destructuring; return the text and the modules used."""
    used: list[str] = []

    def replace(match: re.Match) -> str:
        used.append(match.group(2))
        return f"const {{ {_bindings(match.group(1), module)} }} = __module_{_ident(match.group(2))};"

    text = _IMPORT.sub(replace, source)
    if _ANY_IMPORT.search(text):
        line = _ANY_IMPORT.search(text).group(0)
        raise ValueError(f"{module}.js: only `import {{ ... }} from \"./name.js\";` is supported, "
                         f"got a line starting {line.strip()!r}")
    return text, used


def _ident(name: str) -> str:
    return name.replace("-", "_")


@functools.lru_cache(maxsize=None)
def bundle(entry: str) -> str:
    """One ES module: ``entry`` with every module it imports (transitively) inlined first.

    Parameters
    ----------
    entry : str
        A module of ``lstm_edu/widgets/js/`` without ``.js``, e.g. ``"gate_explorer"``.

    Returns
    -------
    str
        The module text; ``entry``'s own exports (its ``export default``) are kept.

    Raises
    ------
    ValueError
        An unknown module, an import cycle or an import form other than named imports
        from a sibling module.
    """
    order: list[str] = []
    texts: dict[str, str] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            raise ValueError(f"entry: import cycle {' -> '.join(path + (name,))}")
        if name in texts:
            return
        text, used = _resolve_imports(module_source(name), name)
        for dependency in used:
            visit(dependency, path + (name,))
        texts[name] = text
        order.append(name)

    visit(entry, ())
    pieces = []
    for name in order[:-1]:
        exported = _EXPORT.findall(texts[name])
        body = _EXPORT.sub(lambda m: m.group(0)[len("export "):], texts[name])
        pieces.append(f"// ---- {name}.js\nconst __module_{_ident(name)} = (() => {{\n{body}\n"
                      f"return {{ {', '.join(exported)} }};\n}})();\n")
    pieces.append(f"// ---- {entry}.js\n{texts[entry]}")
    return "\n".join(pieces)


def stylesheet() -> str:
    """The explorers' shared CSS (``lstm_edu/widgets/js/explorer.css``)."""
    return resources.files("lstm_edu.widgets").joinpath("js", "explorer.css").read_text("utf-8")
