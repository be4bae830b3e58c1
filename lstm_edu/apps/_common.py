"""Deprecated alias: the checks live in :mod:`lstm_edu.validation`, ``edit_distance`` in
:mod:`lstm_edu.apps.text_metrics`.

Kept for code that still imports ``lstm_edu.apps._common`` until it migrates. Note that
``check_seed`` is now the single one of :mod:`lstm_edu.validation`: ``check_seed(name, value)``.
"""
from __future__ import annotations

from lstm_edu.apps.text_metrics import edit_distance
from lstm_edu.validation import check_choice, check_int_range, check_positive_real, check_seed, check_series

__all__ = ["check_series", "check_seed", "check_int_range", "check_positive_real", "check_choice",
           "edit_distance"]
