"""Scoring the speech stand-in: the frame-template baseline, token error rate, frame confusions.

The template baseline is what speech recognition looked like before sequence training: it
needs frame labels (where each symbol starts and stops), classifies every frame by its
nearest class average and collapses the runs. :mod:`lstm_edu.apps.speech` makes the audio and
trains the LSTM with CTC; this module measures both.
"""
from __future__ import annotations

import numpy as np

from lstm_edu.apps.speech import (
    SYMBOLS,
    AudioConfig,
    Standardizer,
    Utterance,
    collapse_classes,
    frame_labels,
    log_spectrogram,
)
from lstm_edu.apps.text_metrics import edit_distance
from lstm_edu.validation import check_int_range

__all__ = ["TemplateBaseline", "token_error_rate", "frame_confusion"]

DEFAULT_AUDIO = AudioConfig()  # the default of every audio_config argument (frozen, so one instance)


class TemplateBaseline:
    """Nearest-centroid frame classifier + majority-vote smoothing + collapse.

    Unlike CTC, it needs *frame labels* (where each symbol starts and stops) for training:
    the generator knows them, real recordings do not.

    Parameters
    ----------
    smoothing : int
        Odd window of the majority vote over frame classes (1: none).
    """

    def __init__(self, smoothing: int = 5) -> None:
        self.smoothing = check_int_range("smoothing", smoothing, 1)
        if self.smoothing % 2 == 0:
            raise ValueError(f"smoothing: expected an odd window, got {smoothing}")
        self.centroids: np.ndarray | None = None

    def fit(self, utterances: list[Utterance],
            audio_config: AudioConfig = DEFAULT_AUDIO) -> "TemplateBaseline":
        """Average standardised frames of each class (silence included); returns self."""
        raw = [log_spectrogram(u.audio, audio_config) for u in utterances]
        self.standardize = Standardizer(raw)
        frames = np.concatenate([self.standardize(f) for f in raw])
        labels = np.concatenate([frame_labels(u, len(f), audio_config) for u, f in zip(utterances, raw)])
        self.centroids = np.stack([frames[labels == k].mean(axis=0) for k in range(len(SYMBOLS) + 1)])
        return self

    def frame_classes(self, utterance: Utterance, audio_config: AudioConfig = DEFAULT_AUDIO) -> np.ndarray:
        """Smoothed nearest-centroid class of each frame ``(F,)``."""
        if self.centroids is None:
            raise ValueError("TemplateBaseline: call fit before frame_classes")
        frames = self.standardize(log_spectrogram(utterance.audio, audio_config))
        distances = ((frames[:, None, :] - self.centroids[None]) ** 2).sum(axis=2)  # (F, C)
        classes = distances.argmin(axis=1)
        half = self.smoothing // 2
        padded = np.pad(classes, half, mode="edge")
        windows = np.lib.stride_tricks.sliding_window_view(padded, self.smoothing)
        return np.array([np.bincount(w).argmax() for w in windows])

    def decode(self, utterance: Utterance, audio_config: AudioConfig = DEFAULT_AUDIO) -> str:
        """The recognised text."""
        return collapse_classes(self.frame_classes(utterance, audio_config))


def token_error_rate(references: list[str], hypotheses: list[str]) -> float:
    """Total edit distance over total reference length (the "word error rate" of symbols)."""
    if len(references) != len(hypotheses) or not references:
        raise ValueError(f"hypotheses: expected {len(references)} texts like references, "
                         f"got {len(hypotheses)}")
    errors = sum(edit_distance(r, h) for r, h in zip(references, hypotheses))
    return errors / sum(len(r) for r in references)


def frame_confusion(utterances: list[Utterance], classify,
                    audio_config: AudioConfig = DEFAULT_AUDIO) -> np.ndarray:
    """Count frames by true class (row) and assigned class (column): ``(C, C)`` with ``C = 1 + len(SYMBOLS)``.

    The true class is :func:`frame_labels` (0 = silence, ``k + 1`` = symbol ``k``);
    ``classify(utterance)`` returns one class per spectrogram frame, e.g.
    ``lambda u: frame_posteriors(model, u, config).argmax(axis=1)`` for the CTC network's
    most probable class (where 0 is the blank) or ``lambda u: templates.frame_classes(u, config)``.
    """
    if not utterances:
        raise ValueError("utterances: expected at least one utterance, got none")
    n_classes = len(SYMBOLS) + 1
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    for utterance in utterances:
        classes = np.asarray(classify(utterance))
        if (classes.ndim != 1 or classes.size == 0 or not np.issubdtype(classes.dtype, np.integer)
                or classes.min() < 0 or classes.max() >= n_classes):
            raise ValueError(f"classify: expected one class in 0..{n_classes - 1} per frame, got {classes!r}")
        np.add.at(counts, (frame_labels(utterance, len(classes), audio_config), classes), 1)
    return counts
