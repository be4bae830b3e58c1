"""The base of the live explorers: widgets that compute in the reader's browser.

A :class:`LiveExplorer` is an `anywidget <https://anywidget.dev>`_ widget. Its JavaScript,
one ES module bundled from ``lstm_edu/widgets/js/`` (:func:`lstm_edu.widgets.bundle.bundle`),
travels in the widget's saved state, so the same widget

* computes on the static site with no kernel and no network (the page's widget manager
  loads the vendored anywidget front end, which runs the module), and
* syncs its traits with Python in JupyterLab: ``explorer.forget = 0.3`` in a cell moves the
  slider and redraws, and moving the slider sets ``explorer.forget``.

The JavaScript mirrors lstm_edu's numpy (``js/cells.js``; tests/browser/test_js_parity.py
holds them within 1e-12). Data the maths needs (weights, fixed inputs) goes into traits as
nested lists of floats (:func:`as_nested`).
"""
from __future__ import annotations

import numbers

import anywidget
import numpy as np
import traitlets

from .bundle import bundle, stylesheet

__all__ = ["LiveExplorer", "Number", "as_nested", "esm"]


def esm(entry: str) -> str:
    """The bundled ES module of ``lstm_edu/widgets/js/<entry>.js`` (for ``_esm``)."""
    return bundle(entry)


def as_nested(array) -> list:
    """A float array as nested lists of Python floats (JSON for a widget trait).

    Non-finite values are refused: JSON has no NaN or infinity.
    """
    values = np.asarray(array, dtype=np.float64)
    if not np.all(np.isfinite(values)):
        bad = values.size - int(np.isfinite(values).sum())
        raise ValueError(f"array: expected finite values for the widget, got {bad} "
                         f"non-finite of {values.size}")
    return values.tolist()


class Number(traitlets.Float):
    """A synced float trait that takes any finite real number (numpy scalars included).

    A wrong type is a ``TypeError`` and a non-finite value a ``ValueError``, each naming the
    trait (traitlets' own ``Float`` refuses ``numpy.float32`` and raises ``TraitError``).
    """

    def validate(self, obj, value):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise TypeError(f"{self.name}: expected a real number, got {type(value).__name__} {value!r}")
        value = float(value)
        if not np.isfinite(value):
            raise ValueError(f"{self.name}: expected a finite number, got {value}")
        return value


class LiveExplorer(anywidget.AnyWidget):
    """Common traits of the live explorers; subclasses set ``_esm = esm("name")``.

    Attributes
    ----------
    description : str
        The text alternative of the explorer's picture, as the page first shows it (the
        JavaScript rewrites it after every change; this is what a reader without
        JavaScript, and the notebook's text output, gets).
    """

    _css = stylesheet()
    description = traitlets.Unicode("").tag(sync=True)

    def _repr_mimebundle_(self, **kwargs):
        bundle_ = super()._repr_mimebundle_(**kwargs)
        if isinstance(bundle_, tuple):
            data, metadata = bundle_
        else:
            data, metadata = bundle_, {}
        if self.description:
            data = {**data, "text/plain": f"{type(self).__name__}: {self.description}"}
        return data, metadata
