"""Importing this module registers every data set: each module of :mod:`lstm_edu.data` other
than the machinery (``__init__``, ``__main__``, ``fetchers``, ``registry``) defines one or more
data sets and calls :func:`lstm_edu.data.register` when imported."""
from __future__ import annotations

import importlib
import pkgutil

MACHINERY = {"fetchers", "registry"}

for _module in pkgutil.iter_modules(importlib.import_module("lstm_edu.data").__path__):
    if not _module.name.startswith("_") and _module.name not in MACHINERY:
        importlib.import_module(f"lstm_edu.data.{_module.name}")
