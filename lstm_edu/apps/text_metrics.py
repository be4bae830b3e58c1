"""Distances between token sequences, shared by the translation and speech applications."""
from __future__ import annotations

__all__ = ["edit_distance"]


def edit_distance(reference, hypothesis) -> int:
    """Levenshtein distance between two sequences (insertions, deletions, substitutions cost 1).

    Parameters
    ----------
    reference, hypothesis : sequence
        Any sequences of comparable items (strings, lists of words or ints).

    Returns
    -------
    int
    """
    for name, value in (("reference", reference), ("hypothesis", hypothesis)):
        if not hasattr(value, "__len__") or not hasattr(value, "__getitem__"):
            raise TypeError(f"{name}: expected a sequence, got {type(value).__name__}")
    previous = list(range(len(hypothesis) + 1))
    for i, ref_item in enumerate(reference, start=1):
        current = [i]
        for j, hyp_item in enumerate(hypothesis, start=1):
            substitution = previous[j - 1] + (ref_item != hyp_item)
            current.append(min(previous[j] + 1, current[j - 1] + 1, substitution))
        previous = current
    return previous[-1]
