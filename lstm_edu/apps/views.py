"""Renderers for the Applications notebooks (see :mod:`lstm_edu.widgets.explorer`).

Each renderer owns one figure, creates its artists once and, in ``draw``, sets their
data from values computed by the application modules; ``summary`` states the frame's key
numbers in a sentence (read out by the page and added to the picture's alt text). The
notebooks show them with ``static_explorer``: every frame drawn when the notebook runs, then
switched in the browser with no kernel. (The sentiment and text-generation pages compute in
the browser instead: :mod:`lstm_edu.apps.live_views`.)
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import torch

from lstm_edu.apps.anomaly import alarm_metrics
from lstm_edu.apps.speech import (
    SYMBOLS,
    AudioConfig,
    frame_posteriors,
    greedy_ctc_decode,
    log_spectrogram,
    synthesize,
)
from lstm_edu.apps.translation import TARGET_TOKENS, number_to_words
from lstm_edu.widgets.explorer import Control, Renderer

__all__ = [
    "HorizonRenderer",
    "DecoderRenderer",
    "NoiseRenderer",
    "ThresholdRenderer",
]

DEFAULT_AUDIO = AudioConfig()  # the default audio_config (frozen, so one shared instance)

COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def _index(value: float, size: int) -> int:
    """A control value used as an index, clipped to ``[0, size - 1]``."""
    return int(min(max(round(value), 0), size - 1))


@contextmanager
def _one_thread():
    """Run torch on one thread inside the block (small models: the thread pool only costs)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


class HorizonRenderer(Renderer):
    """Held-out tail with each method's ``h``-step-ahead forecasts, and MAE against ``h``.

    Parameters
    ----------
    time : array_like
        ``(n_test,)`` time of each held-out point.
    actual : array_like
        ``(n_test,)`` held-out values.
    forecasts : dict of str to array_like
        Method name -> ``(max_horizon, n_test)`` from
        :func:`lstm_edu.apps.forecasting.rolling_origin_forecasts`.
    unit : str
        Label of the value axis.
    """

    alt_text = ("Left: the held-out series in black and each method's forecasts made h steps ahead. "
                "Right: mean absolute error of each method against the horizon h.")

    def __init__(self, time, actual, forecasts: dict, unit: str = "value", step_name: str = "steps") -> None:
        self.time = np.asarray(time, dtype=float)
        self.actual = np.asarray(actual, dtype=float)
        self.forecasts = {name: np.asarray(f, dtype=float) for name, f in forecasts.items()}
        shapes = {f.shape for f in self.forecasts.values()}
        if (len(shapes) != 1 or next(iter(shapes))[1] != len(self.actual)
                or self.time.shape != self.actual.shape):
            raise ValueError(f"forecasts: expected arrays of shape (max_horizon, {len(self.actual)}) "
                             f"like actual and time, got {sorted(shapes)}")
        self.max_horizon = next(iter(shapes))[0]
        self.errors = {name: np.abs(f - self.actual).mean(axis=1)  # (H,)
                       for name, f in self.forecasts.items()}
        self.controls = {"horizon": Control(f"horizon ({step_name})", 1, self.max_horizon, 1, 1, fmt=".0f")}
        super().__init__(figsize=(8.0, 3.5))
        self.series_axes, self.error_axes = self.figure.subplots(1, 2, width_ratios=(2, 1))
        self.series_axes.plot(self.time, self.actual, color="black", lw=2, label="actual")
        self.lines = {}
        for colour, name in zip(COLOURS, self.forecasts):
            (self.lines[name],) = self.series_axes.plot(self.time, self.forecasts[name][0], color=colour,
                                                        lw=1.2, label=name)
            self.error_axes.plot(np.arange(1, self.max_horizon + 1), self.errors[name], color=colour,
                                 marker="o", ms=3)
        self.series_axes.set_ylabel(unit)
        # a figure legend, outside the Axes: frames do not redraw it
        self.figure.legend(handles=self.series_axes.get_lines(), fontsize=8, ncol=len(self.lines) + 1,
                           loc="outside lower center")
        self.error_axes.set_xlabel(f"horizon h ({step_name})")
        self.error_axes.set_ylabel("mean absolute error")
        self.marker = self.error_axes.axvline(1, color="grey", ls="--")
        self.title = self.series_axes.set_title("", fontsize=10)
        self.update()

    def draw(self, horizon: float) -> None:
        h = _index(horizon, self.max_horizon + 1) or 1
        for name, line in self.lines.items():
            line.set_ydata(self.forecasts[name][h - 1])
        self.marker.set_xdata([h, h])
        self.title.set_text(f"forecasts made {h} step{'s' if h > 1 else ''} ahead")
        self.horizon = h

    def summary(self) -> str:
        errors = ", ".join(f"{name} {error[self.horizon - 1]:.3g}" for name, error in self.errors.items())
        return f"Forecasts made {self.horizon} ahead; mean absolute error: {errors}."


class DecoderRenderer(Renderer):
    """The decoder's probability for each digit at each step, for one test number.

    Parameters
    ----------
    numbers : array_like of int
        The numbers shown (one per control position).
    outputs : list of str
        The decoded answers.
    probabilities : array_like
        ``(N, L, C)`` from :func:`lstm_edu.apps.translation.greedy_decode`.
    """

    alt_text = ("Heat map of the decoder's probabilities: one column per output step, one row per "
                "token (digits and end). The title gives the input words, the answer and the truth.")

    def __init__(self, numbers, outputs, probabilities) -> None:
        self.numbers = [int(n) for n in numbers]
        self.outputs = list(outputs)
        self.probabilities = np.asarray(probabilities, dtype=float)
        if self.probabilities.shape[0] != len(self.numbers) or len(self.outputs) != len(self.numbers):
            raise ValueError(f"probabilities: expected one entry per number ({len(self.numbers)}), "
                             f"got shape {self.probabilities.shape} and {len(self.outputs)} outputs")
        if len(self.numbers) < 2:
            raise ValueError(f"numbers: expected at least 2 examples to choose from, got {len(self.numbers)}")
        labels = tuple(str(n) for n in self.numbers)
        self.controls = {"example": Control("number", 0, len(self.numbers) - 1, 0, 1, fmt=".0f",
                                            labels=labels)}
        super().__init__(figsize=(7.0, 3.4))
        self.rows = list(range(2, len(TARGET_TOKENS)))  # <eos> and the digits
        self.axes = self.figure.add_subplot()
        steps = self.probabilities.shape[1]
        self.image = self.axes.imshow(np.zeros((len(self.rows), steps)), aspect="auto", cmap="Blues",
                                      vmin=0, vmax=1, interpolation="nearest",
                                      zorder=1.6)  # above the ticks: a frame redraws it, not the axes
        self.axes.set_yticks(range(len(self.rows)), ["end"] + list("0123456789"))
        self.axes.set_xticks(range(steps), [f"step {k + 1}" for k in range(steps)])
        self.axes.grid(False)
        self.figure.colorbar(self.image, ax=self.axes, label="probability")
        self.title = self.axes.set_title("", fontsize=9)
        self.update()

    def draw(self, example: float) -> None:
        k = _index(example, len(self.numbers))
        self.image.set_data(self.probabilities[k][:, self.rows].T)
        verdict = "right" if self.outputs[k] == str(self.numbers[k]) else "wrong"
        self.title.set_text(f"{number_to_words(self.numbers[k])!r} -> {self.outputs[k]} "
                            f"(truth {self.numbers[k]}: {verdict})")

    def summary(self) -> str:
        return " ".join(self.title.get_text().split()) + "."


class NoiseRenderer(Renderer):
    """One utterance at a chosen noise level: spectrogram, CTC frame posteriors, decodings.

    Parameters
    ----------
    model : CTCModel
        Trained (with ``model.standardize``).
    baseline : TemplateBaseline
        Fitted.
    text : str
        Symbols spoken.
    seed : int
        Synthesis seed (durations and pitch stay the same at every noise level).
    audio_config : AudioConfig
        Everything but the noise level.
    """

    controls = {"snr": Control("signal-to-noise (dB)", -10.0, 30.0, 10.0, 1.0, fmt=".0f")}
    alt_text = ("Top: log spectrogram of one synthetic utterance at the chosen noise level. "
                "Bottom: the CTC model's probability of blank and of each symbol at every frame; "
                "the title compares both decoders' outputs with the truth.")

    def __init__(self, model, baseline, text: str, seed: int = 0,
                 audio_config: AudioConfig = DEFAULT_AUDIO) -> None:
        super().__init__(figsize=(8.0, 4.4))
        self.model, self.baseline, self.text, self.seed = model, baseline, text, seed
        self.audio_config = audio_config
        frames = self._utterance(10.0)[1].shape[0]
        self.spec_axes, self.post_axes = self.figure.subplots(2, 1, sharex=True)
        # zorder above the ticks: a frame redraws the image, not the axes
        self.image = self.spec_axes.imshow(np.zeros((audio_config.n_bands, frames)), origin="lower",
                                           aspect="auto", cmap="magma", vmin=-12, vmax=6,
                                           interpolation="nearest", zorder=1.6)
        self.spec_axes.set_ylabel("band")
        self.spec_axes.grid(False)
        self.lines = []
        for c, label in enumerate(("blank",) + SYMBOLS):
            style = dict(color="grey", ls=":") if c == 0 else dict(color=COLOURS[(c - 1) % len(COLOURS)])
            (line,) = self.post_axes.plot(np.arange(frames), np.zeros(frames), label=label, **style)
            self.lines.append(line)
        self.post_axes.set_ylim(-0.02, 1.02)
        self.post_axes.set_xlabel("frame (16 ms)")
        self.post_axes.set_ylabel("probability")
        # a figure legend, outside the Axes: frames do not redraw it
        self.figure.legend(handles=self.lines, fontsize=7, loc="outside right lower")
        self.title = self.spec_axes.set_title("", fontsize=9)
        self.update()

    def _utterance(self, snr: float):
        """The utterance at ``snr`` dB and its log spectrogram ``(F, n_bands)``."""
        fields = {k: getattr(self.audio_config, k) for k in self.audio_config.__dataclass_fields__}
        config = AudioConfig(**{**fields, "snr_db": (snr, snr)})
        utterance = synthesize(self.seed, config, text=self.text)
        return utterance, log_spectrogram(utterance.audio, config), config

    def draw(self, snr: float) -> None:
        utterance, spectrogram, config = self._utterance(snr)
        self.image.set_data(spectrogram.T)
        with _one_thread():  # same values; a thread pool only adds overhead for one short utterance
            self.posteriors = frame_posteriors(self.model, utterance, config)  # (F, C)
        for c, line in enumerate(self.lines):
            line.set_ydata(self.posteriors[:, c])
        self.decoded = greedy_ctc_decode(self.posteriors)
        self.baseline_decoded = self.baseline.decode(utterance, config)
        self.title.set_text(f"SNR {snr:.0f} dB   truth {self.text!r}   LSTM+CTC {self.decoded!r}   "
                            f"templates {self.baseline_decoded!r}")

    def summary(self) -> str:
        return " ".join(self.title.get_text().split()) + "."


class ThresholdRenderer(Renderer):
    """Alarms of several detectors at one threshold, and precision/recall over thresholds.

    Parameters
    ----------
    time, values : array_like
        ``(N,)`` the series shown (NaN values leave gaps, e.g. between sensors).
    scores : dict of str to array_like
        Detector name -> ``(N,)`` score (alarm where ``|score| > threshold``).
    labels : array_like of bool
        ``(N,)`` labelled (or injected) anomalies; each run of them is shaded.
    events : list of (first, stop)
    mask : array_like of bool
        ``(N,)`` steps that are scored.
    thresholds : array_like
        Thresholds for the precision/recall curves.
    known : list of (first, stop), optional
        Index ranges of known real events, shaded grey.
    """

    alt_text = ("Top: the test series with injected anomalies shaded and each detector's alarms as marks "
                "below it. Bottom: precision (solid) and recall (dashed) of each detector against the "
                "threshold, with the chosen threshold marked.")

    def __init__(self, time, values, scores: dict, labels, events, mask, thresholds, known=()) -> None:
        self.time, self.series_values = np.asarray(time, dtype=float), np.asarray(values, dtype=float)
        self.scores = {k: np.asarray(v, dtype=float) for k, v in scores.items()}
        self.labels = np.asarray(labels, dtype=bool)
        self.events, self.mask = list(events), np.asarray(mask, dtype=bool)
        self.thresholds = np.asarray(thresholds, dtype=float)
        self.controls = {"threshold": Control("threshold", float(self.thresholds.min()),
                                              float(self.thresholds.max()),
                                              float(np.median(self.thresholds)), 0.05)}
        super().__init__(figsize=(8.0, 4.8))
        self.series_axes, self.pr_axes = self.figure.subplots(2, 1, height_ratios=(1.4, 1))
        shown = self.mask | self.labels
        first = np.flatnonzero(shown)[0]
        self.series_axes.plot(self.time[first:], self.series_values[first:], color="black", lw=1)
        edges = np.diff(np.concatenate([[0], self.labels.astype(np.int8), [0]]))  # one span per run of labels
        half = 0.5 * float(np.median(np.diff(self.time)))  # half a step on each side
        for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
            self.series_axes.axvspan(self.time[a] - half, self.time[b - 1] + half, color="gold", alpha=0.5,
                                     lw=0)
        for a, b in known:
            self.series_axes.axvspan(self.time[a], self.time[b - 1], color="grey", alpha=0.2, lw=0)
        low = np.nanmin(self.series_values[first:])
        row = 0.09 * (np.nanmax(self.series_values[first:]) - low) or 0.8  # spacing of the alarm rows
        self.marks = {}
        for k, (colour, name) in enumerate(zip(COLOURS, self.scores)):
            self.marks[name] = self.series_axes.scatter([], [], marker="|", s=60, color=colour, label=name,
                                                        zorder=2.1)  # above the ticks and the series
            self.marks[name].row_y = low - row * (k + 1)
        self.series_axes.set_ylim(low - row * (len(self.scores) + 1),
                                  np.nanmax(self.series_values[first:]) + 0.6 * row)
        # a figure legend, below the Axes: frames do not redraw it
        self.figure.legend(handles=list(self.marks.values()), fontsize=8, loc="outside lower center",
                           ncol=len(self.scores))
        self.curves = {name: [alarm_metrics(s, t, self.labels, self.events, self.mask)
                              for t in self.thresholds]
                       for name, s in self.scores.items()}
        for colour, (name, curve) in zip(COLOURS, self.curves.items()):
            self.pr_axes.plot(self.thresholds, [m.precision for m in curve], color=colour,
                              label=f"{name} precision")
            self.pr_axes.plot(self.thresholds, [m.recall for m in curve], color=colour, ls="--")
        self.pr_axes.set_xlabel("threshold (|score| above it raises an alarm)")
        self.pr_axes.set_ylabel("precision / recall")
        self.pr_axes.set_ylim(-0.02, 1.02)
        self.threshold_line = self.pr_axes.axvline(self.controls["threshold"].default, color="grey", ls=":")
        self.title = self.series_axes.set_title("threshold\n\n", fontsize=8)
        self.update()

    def draw(self, threshold: float) -> None:
        parts = []
        self.metrics = {}
        for name, s in self.scores.items():
            with np.errstate(invalid="ignore"):
                alarms = np.flatnonzero((np.abs(s) > threshold) & self.mask)
            mark = self.marks[name]
            mark.set_offsets(np.column_stack([self.time[alarms], np.full(len(alarms), mark.row_y)]))
            m = self.metrics[name] = alarm_metrics(s, threshold, self.labels, self.events, self.mask)
            parts.append(f"{name}: P {m.precision:.2f} R {m.recall:.2f}")
        self.threshold_line.set_xdata([threshold, threshold])
        half = (len(parts) + 1) // 2
        self.title.set_text(f"threshold {threshold:.2f}\n" + "   ".join(parts[:half]) + "\n"
                            + "   ".join(parts[half:]))

    def summary(self) -> str:
        return " ".join(self.title.get_text().split()) + "."
