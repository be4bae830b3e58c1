"""The data sets the book uses: importing this module registers each of them."""
from __future__ import annotations

# One module per data set; each calls lstm_edu.data.register(...) when imported.
from . import moby_dick  # noqa: F401
