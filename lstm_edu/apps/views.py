"""Renderers for the Applications notebooks (see :mod:`lstm_edu.widgets.explorer`).

Each renderer owns one figure, creates its artists once and, in ``draw``, sets their
data from values computed by the application modules. The notebooks show them with
``static_explorer`` (precomputed frames, no kernel needed) and ``live_explorer``.
"""
from __future__ import annotations

import textwrap
from contextlib import contextmanager

import numpy as np
import torch
from matplotlib.transforms import ScaledTranslation, blended_transform_factory

from lstm_edu.apps.anomaly import alarm_metrics
from lstm_edu.apps.speech import (
    SYMBOLS,
    AudioConfig,
    frame_posteriors,
    greedy_ctc_decode,
    log_spectrogram,
    synthesize,
)
from lstm_edu.apps.text_generation import apply_temperature, next_char_distribution, sample
from lstm_edu.apps.translation import TARGET_TOKENS, number_to_words
from lstm_edu.widgets.explorer import Blitter, Control, Renderer
from lstm_edu.widgets.fast_text import FastText, title_text

__all__ = [
    "HorizonRenderer",
    "TemperatureRenderer",
    "SentenceRenderer",
    "DecoderRenderer",
    "NoiseRenderer",
    "ThresholdRenderer",
]

COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def _index(value: float, size: int) -> int:
    """A control value used as an index, clipped to ``[0, size - 1]``."""
    return int(min(max(round(value), 0), size - 1))


class _BlitMixin:
    """Frames from a :class:`~lstm_edu.widgets.explorer.Blitter`, kept per control value.

    Renderers whose axes limits, ticks and layout never change call :meth:`_freeze` at the
    end of ``__init__`` with the artists that ``draw`` changes. Frames then cost the
    changing artists (and the static ones stacked above them) instead of a full redraw with
    constrained layout; the pixels are the same. ``draw`` also sets ``self._frame_key``
    (the value, or the index it selects): the picture is a function of it alone, so
    :meth:`png` renders a key once and then returns the stored bytes (at most
    :attr:`_max_frames` kept).
    """

    _frame_key = None
    _max_frames = 256

    def _freeze(self, changing) -> None:
        self._blitter = Blitter(self.figure, changing, colours=self.png_colours)

    def png(self) -> bytes:
        """The current frame as a palette PNG (rendered on the first request for this value)."""
        frames = self.__dict__.setdefault("_frames", {})
        key = self._frame_key
        if key is not None and key in frames:
            return frames[key]
        frame = self._blitter.png()
        if key is not None:
            if len(frames) >= self._max_frames:
                frames.clear()
            frames[key] = frame
        return frame

    def clear_cache(self) -> None:
        """Forget the stored frames (``benchmarks/bench_widgets.py`` times the uncached path)."""
        self.__dict__.pop("_frames", None)


@contextmanager
def _one_thread():
    """Run torch on one thread inside the block (small models: the thread pool only costs)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


class _Sampler:
    """``text_generation.sample`` for one model, prompt, length and seed, at any temperature, fast.

    ``sample`` runs the torch model once per character (hundreds of small calls). Here a
    float32 numpy copy of the model *proposes* the characters, with the same uniform
    draws as ``sample``'s ``rng.choice``; one torch call over the proposal then gives the
    exact logits ``sample`` would compute (the LSTM over a sequence equals its step-by-step
    use, and the head is applied row by row as a batch of single-row products), and each
    character is re-chosen from them exactly as ``rng.choice`` does. The first character
    that differs (rare: the copy differs from torch by rounding only, about 1e-6) is
    corrected and the proposal resumes from there. The renderer checks the result against ``sample`` once and keeps
    using ``sample`` itself if they disagree on this platform.
    """

    def __init__(self, model, vocabulary, prompt: str, length: int, seed: int) -> None:
        self.model, self.vocabulary, self.prompt, self.length, self.seed = model, vocabulary, prompt, length, seed
        lstm, head = model.lstm, model.head
        if lstm.num_layers != 1 or lstm.bidirectional or getattr(lstm, "proj_size", 0) or not lstm.bias:
            raise ValueError("model: expected a one-layer, one-way LSTM with biases")
        with torch.no_grad():  # exactly as sample() starts
            logits, self.state = model(torch.as_tensor(vocabulary.encode(prompt))[None], return_state=True)
        self.first_logits = logits[0, -1].double().numpy()  # (V,)
        as64 = lambda t: t.detach().double().numpy()  # noqa: E731
        w_ih, w_hh = as64(lstm.weight_ih_l0), as64(lstm.weight_hh_l0)  # (4H, E), (4H, H)
        self.inputs = as64(model.embed.weight) @ w_ih.T + as64(lstm.bias_ih_l0) + as64(lstm.bias_hh_l0)  # (V, 4H)
        # float32 (as torch computes): half the time of float64 for the matrix-vector products.
        # The rows of the sigmoid gates (i, f, o) are halved: sigmoid(x) = (1 + tanh(x / 2)) / 2,
        # so one tanh over all 4H pre-activations, a scale and an offset give every gate.
        self.hidden = H = lstm.hidden_size
        self._scale = np.full(4 * H, 0.5, np.float32)
        self._scale[2 * H:3 * H] = 1.0  # the candidate g is a tanh itself
        self._offset = (1.0 - self._scale).astype(np.float32)
        self.inputs = (self.inputs * self._scale).astype(np.float32)  # (V, 4H)
        self.w_hh = (w_hh * self._scale[:, None]).astype(np.float32)  # (4H, H)
        self.w_out, self.b_out = as64(head.weight).astype(np.float32), as64(head.bias).astype(np.float32)
        self.h0, self.c0 = self.state[0][0, 0].numpy().copy(), self.state[1][0, 0].numpy().copy()  # (H,) float32
        self.uniform = np.random.default_rng(seed).random(length)  # the draws of sample()'s rng.choice
        self.rounds = self.fallbacks = 0  # corrections made / calls answered by sample() itself

    def _propose(self, tokens: np.ndarray, start: int, h: np.ndarray, c: np.ndarray, logits: np.ndarray,
                 temperature: float, states: np.ndarray) -> None:
        """Fill ``tokens[start:]`` from the numpy model; ``states[t]`` = (h, c) after token ``t``.

        Each step is a handful of numpy calls on short vectors (their overhead is the cost).
        """
        H, V, uniform = self.hidden, len(self.b_out), self.uniform
        scale = 1.0 / temperature
        # one product per step: [w_hh; w_out / T] @ h is the next gates' recurrent part and
        # the next character's logits over T together
        stacked = np.vstack([self.w_hh, self.w_out * np.float32(scale)])  # (4H + V, H)
        b_out = self.b_out * np.float32(scale)
        logits = np.asarray(logits, np.float64) * scale
        recurrent = self.w_hh @ h
        with np.errstate(over="ignore", under="ignore"):
            for t in range(start, self.length):
                cdf = np.exp(logits, dtype=np.float64).cumsum()  # (V,) unnormalised
                total = cdf[-1]
                if not 0.0 < total < np.inf:  # overflow or underflow: shift by the maximum (rare)
                    cdf = np.exp(logits - logits.max(), dtype=np.float64).cumsum()
                    total = cdf[-1]
                k = min(int(cdf.searchsorted(uniform[t] * total, side="right")), V - 1)
                tokens[t] = k
                h, c = self._gates(self.inputs[k] + recurrent, c)
                states[t, 0], states[t, 1] = h, c
                both = stacked @ h  # (4H + V,)
                recurrent, logits = both[:4 * H], both[4 * H:] + b_out

    def _step(self, k: int, h: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One LSTM step of the numpy copy: token ``k`` read with state ``(h, c)``."""
        return self._gates(self.inputs[k] + self.w_hh @ h, c)

    def _gates(self, pre: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The new ``(h, c)`` from the (halved) gate pre-activations ``(4H,)``, order i, f, g, o as in torch."""
        H = self.hidden
        gates = np.tanh(pre)
        gates *= self._scale
        gates += self._offset  # i, f, o: sigmoids; g: tanh
        c = gates[H:2 * H] * c + gates[:H] * gates[2 * H:3 * H]
        return gates[3 * H:] * np.tanh(c), c

    def _exact_choices(self, tokens: np.ndarray, temperature: float) -> np.ndarray:
        """What ``sample`` chooses at each step if the text so far is ``tokens``' prefix."""
        model, logits = self.model, self.first_logits[None]
        if len(tokens) > 1:
            # one thread: those kernels give the bits of sample()'s one-row calls
            with _one_thread(), torch.no_grad():
                hidden, _ = model.lstm(model.embed(torch.as_tensor(tokens[:-1])[None]), self.state)  # (1, L-1, H)
                rows = len(tokens) - 1
                later = torch.baddbmm(model.head.bias.expand(rows, 1, -1), hidden[0][:, None, :],
                                      model.head.weight.t().expand(rows, -1, -1))[:, 0]  # 1-row products
            logits = np.vstack([logits, later.double().numpy()])  # (L, V)
        # apply_temperature, row by row
        scaled = logits / temperature
        scaled -= scaled.max(axis=1, keepdims=True)
        probabilities = np.exp(scaled)
        probabilities = probabilities / probabilities.sum(axis=1, keepdims=True)
        # Generator.choice(p=...): cdf = p.cumsum(); cdf /= cdf[-1]; cdf.searchsorted(u, side="right")
        cdf = probabilities.cumsum(axis=1)
        cdf /= cdf[:, -1:]
        return (cdf <= self.uniform[:, None]).sum(axis=1)

    def __call__(self, temperature: float, max_rounds: int = 20) -> str:
        """``sample(model, vocabulary, prompt, length, temperature, seed)``.

        After ``max_rounds`` corrections it calls ``sample`` itself and counts a fallback.
        """
        tokens = np.zeros(self.length, dtype=np.int64)
        states = np.zeros((self.length, 2, self.hidden), np.float32)
        self._propose(tokens, 0, self.h0, self.c0, self.first_logits, temperature, states)
        for _ in range(max_rounds):
            exact = self._exact_choices(tokens, temperature)
            wrong = np.flatnonzero(exact != tokens)
            if not len(wrong):
                return self.vocabulary.decode(tokens)
            t = int(wrong[0])  # tokens[:t] are exact, and so is the choice at t
            self.rounds += 1
            tokens[t] = exact[t]
            h, c = self._step(tokens[t], *((self.h0, self.c0) if t == 0 else states[t - 1]))
            states[t, 0], states[t, 1] = h, c
            if t + 1 < self.length:
                self._propose(tokens, t + 1, h, c, self.w_out @ h + self.b_out, temperature, states)
        self.fallbacks += 1
        return sample(self.model, self.vocabulary, self.prompt, self.length, temperature, self.seed)


class HorizonRenderer(_BlitMixin, Renderer):
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
        if len(shapes) != 1 or next(iter(shapes))[1] != len(self.actual) or self.time.shape != self.actual.shape:
            raise ValueError(f"forecasts: expected arrays of shape (max_horizon, {len(self.actual)}) "
                             f"like actual and time, got {sorted(shapes)}")
        self.max_horizon = next(iter(shapes))[0]
        self.errors = {name: np.abs(f - self.actual).mean(axis=1) for name, f in self.forecasts.items()}  # (H,)
        self.controls = {"horizon": Control(f"horizon ({step_name})", 1, self.max_horizon, 1, 1, fmt=".0f")}
        super().__init__(figsize=(8.0, 3.5))
        self.series_axes, self.error_axes = self.figure.subplots(1, 2, width_ratios=(2, 1))
        self.series_axes.plot(self.time, self.actual, color="black", lw=2, label="actual")
        self.lines = {}
        for colour, name in zip(COLOURS, self.forecasts):
            (self.lines[name],) = self.series_axes.plot(self.time, self.forecasts[name][0], color=colour, lw=1.2, label=name)
            self.error_axes.plot(np.arange(1, self.max_horizon + 1), self.errors[name], color=colour, marker="o", ms=3)
        self.series_axes.set_ylabel(unit)
        # a figure legend, outside the Axes: frames do not redraw it
        self.figure.legend(handles=self.series_axes.get_lines(), fontsize=8, ncol=len(self.lines) + 1,
                           loc="outside lower center")
        self.error_axes.set_xlabel(f"horizon h ({step_name})")
        self.error_axes.set_ylabel("mean absolute error")
        self.marker = self.error_axes.axvline(1, color="grey", ls="--")
        self.title = title_text(self.series_axes, fontsize=10)  # changes on every move: cached glyphs
        self.update()
        self._freeze([*self.lines.values(), self.marker, self.title])

    @classmethod
    def benchmark_instance(cls) -> "HorizonRenderer":
        """A seeded instance like the Forecasting notebook's, on a synthetic 11-year cycle.

        309 yearly values, the last 40 held out, horizons 1..12; the naive, seasonal-naive
        and AR(9) baselines and a briefly trained LSTM (for ``benchmarks/bench_widgets.py``).
        """
        from lstm_edu.apps.forecasting import (ARForecaster, LSTMForecastConfig, LSTMForecaster,
                                               NaiveForecaster, SeasonalNaiveForecaster,
                                               rolling_origin_forecasts)

        rng = np.random.default_rng(0)
        years = 1700.0 + np.arange(309)
        cycle = 60.0 + 50.0 * np.sin(2 * np.pi * years / 11.0)
        spots = np.maximum(cycle * rng.uniform(0.6, 1.4, size=len(years)) + rng.normal(0, 8, len(years)), 0.0)
        n_test, max_h = 40, 12
        train = spots[:-n_test]
        methods = {"naive": NaiveForecaster(), "seasonal naive (11)": SeasonalNaiveForecaster(11),
                   "AR(9)": ARForecaster(9),
                   "LSTM (seed 0)": LSTMForecaster(LSTMForecastConfig(window=24, hidden_size=32, steps=20))}
        with _one_thread():
            forecasts = {name: rolling_origin_forecasts(spots, n_test, max_h, m.fit(train))
                         for name, m in methods.items()}
        return cls(years[-n_test:], spots[-n_test:], forecasts, unit="sunspot number", step_name="years")

    def draw(self, horizon: float) -> None:
        h = self._frame_key = _index(horizon, self.max_horizon + 1) or 1
        for name, line in self.lines.items():
            line.set_ydata(self.forecasts[name][h - 1])
        self.marker.set_xdata([h, h])
        self.title.set_text(f"forecasts made {h} step{'s' if h > 1 else ''} ahead")


class TemperatureRenderer(_BlitMixin, Renderer):
    """Next-character probabilities after a context, and a sample, at one temperature.

    Parameters
    ----------
    model, vocabulary :
        A trained :class:`~lstm_edu.apps.text_generation.CharLSTM` and its vocabulary.
    context : str
        Text whose next character's distribution is shown.
    prompt : str
        Text the sample continues.
    length : int
        Characters sampled.
    seed : int
        Sampling seed (the same for every temperature).
    top : int
        Characters shown in the bar chart (the most likely at temperature 1).
    """

    controls = {"temperature": Control("temperature", 0.1, 2.0, 1.0, 0.05)}
    alt_text = ("Top: probability of the most likely next characters at the chosen temperature. "
                "Bottom: text sampled from the model at that temperature.")

    def __init__(self, model, vocabulary, context: str, prompt: str, length: int = 240, seed: int = 0,
                 top: int = 12) -> None:
        super().__init__(figsize=(8.0, 4.6))
        self.model, self.vocabulary = model, vocabulary
        self.prompt, self.length, self.seed = prompt, length, seed
        self.logits = next_char_distribution(model, context, vocabulary)  # (V,)
        # Samples are deterministic per temperature: cache them, and compute new ones with
        # the fast _Sampler once it has reproduced sample() at the default temperature.
        default = self.controls["temperature"].default
        self._samples = {default: sample(model, vocabulary, prompt, length, default, seed)}
        try:
            self._sampler = _Sampler(model, vocabulary, prompt, length, seed)
            if self._sampler(default) != self._samples[default] or self._sampler.fallbacks:
                self._sampler = None
        except (AttributeError, TypeError, ValueError, RuntimeError):  # not a CharLSTM-like model
            self._sampler = None
        self.top = np.argsort(-self.logits, kind="stable")[:top]
        bar_axes, self.text_axes = self.figure.subplots(2, 1, height_ratios=(1, 1.6))
        labels = [repr(vocabulary.chars[k])[1:-1] or " " for k in self.top]
        # zorder above the grid and ticks: a frame then redraws the bars, not the axes
        self.bars = bar_axes.bar(np.arange(top), np.zeros(top), color=COLOURS[0], zorder=1.6)
        bar_axes.set_xticks(np.arange(top), labels, family="monospace")
        bar_axes.set_ylim(0, 1)
        bar_axes.set_ylabel("probability")
        bar_axes.set_xlabel("next character (the most likely at temperature 1)", fontsize=9)
        self.bar_axes = bar_axes
        short = context[-30:].replace("\n", "\\n")
        bar_axes.set_title(f"next character after {short!r}", fontsize=9)
        # texts that change with every move, drawn from cached glyphs (lstm_edu.widgets.fast_text)
        self.entropy_text = FastText(0.99, 0.95, "", transform=bar_axes.transAxes, ha="right", va="top",
                                     fontsize=9, background=(1.0, 1.0, 1.0, 0.8), pad=1.0, zorder=4)
        bar_axes.add_artist(self.entropy_text)
        self.text_axes.axis("off")
        self.sample_text = FastText(0.0, 1.0, "", transform=self.text_axes.transAxes, va="top", ha="left",
                                    family="monospace", fontsize=8)
        self.text_axes.add_artist(self.sample_text)
        self.update()
        self._freeze([*self.bars, self.entropy_text, self.sample_text])

    @classmethod
    def benchmark_instance(cls) -> "TemperatureRenderer":
        """A seeded instance with the Text-generation notebook's sizes and an untrained model.

        Vocabulary: letters, digits, punctuation, space and newline (about the corpus's size);
        ``CharLSTM(V, 32, 128)``; 400 sampled characters (for ``benchmarks/bench_widgets.py``).
        """
        import string

        import torch

        from lstm_edu.apps.text_generation import CharLSTM, CharVocabulary

        vocabulary = CharVocabulary(string.ascii_letters + string.digits + string.punctuation + " \n")
        torch.manual_seed(0)
        model = CharLSTM(len(vocabulary), 32, 128).eval()
        return cls(model, vocabulary, context="    for line in ", prompt="def ", length=400, seed=0)

    def clear_cache(self) -> None:
        """Forget the stored frames and samples but the default temperature's."""
        super().clear_cache()
        default = self.controls["temperature"].default
        self._samples = {default: self._samples[default]}

    def draw(self, temperature: float) -> None:
        self._frame_key = temperature
        probabilities = apply_temperature(self.logits, temperature)
        for bar, k in zip(self.bars, self.top):
            bar.set_height(probabilities[k])
        entropy = -np.sum(probabilities * np.log2(np.maximum(probabilities, 1e-300)))
        self.entropy_text.set_text(f"temperature {temperature:.2f}: entropy {entropy:.2f} bits")
        self.sample = self._samples.get(temperature)
        if self.sample is None:
            if self._sampler is not None:
                self.sample = self._sampler(temperature)
            else:
                self.sample = sample(self.model, self.vocabulary, self.prompt, self.length, temperature, self.seed)
            if len(self._samples) >= 256:
                self._samples.clear()
            self._samples[temperature] = self.sample
        lines = []
        for line in (self.prompt + self.sample).split("\n"):
            lines += textwrap.wrap(line, 96, replace_whitespace=False, drop_whitespace=False) or [""]
        self.sample_text.set_text("\n".join(lines[:16]))


class SentenceRenderer(_BlitMixin, Renderer):
    """Word by word: the LSTM's and the bag of words' running scores, and the cell states.

    Parameters
    ----------
    sentences : list of str
    lstm_scores : list of array_like
        Per sentence ``(T,)``: the LSTM's positive-minus-negative logit after each word.
    bow_scores : list of array_like
        Per sentence ``(T,)``: the bag of words' logit after each word (bias + weights so far).
    cells : list of array_like
        Per sentence ``(T, H)``: cell states from the numpy twin of the LSTM.
    forget : list of array_like
        Per sentence ``(T, H)``: forget-gate values.
    """

    alt_text = ("Top: running sentiment score after each word for the LSTM and the bag of words. "
                "Middle: the LSTM's cell state per unit. Bottom: its forget gate per unit.")

    def __init__(self, sentences, lstm_scores, bow_scores, cells, forget) -> None:
        self.sentences = [s.split() for s in sentences]
        self.lstm_scores = [np.asarray(s, dtype=float) for s in lstm_scores]
        self.bow_scores = [np.asarray(s, dtype=float) for s in bow_scores]
        self.cells = [np.asarray(c, dtype=float) for c in cells]
        self.forget = [np.asarray(f, dtype=float) for f in forget]
        for k, words in enumerate(self.sentences):
            T = len(words)
            if not (self.lstm_scores[k].shape == self.bow_scores[k].shape == (T,)
                    and self.cells[k].shape[0] == T and self.forget[k].shape == self.cells[k].shape):
                raise ValueError(f"sentences[{k}]: scores, cells and forget must have one row per word ({T})")
        n = len(self.sentences)
        self.controls = {"sentence": Control("sentence", 0, max(n - 1, 1), 0, 1, fmt=".0f")}
        super().__init__(figsize=(8.0, 5.6))
        self.width = max(len(w) for w in self.sentences)
        hidden = self.cells[0].shape[1]
        self.score_axes, self.cell_axes, self.gate_axes = self.figure.subplots(3, 1, sharex=True, height_ratios=(1.2, 1, 1))
        x = np.arange(self.width)
        (self.lstm_line,) = self.score_axes.plot(x, np.zeros(self.width), "o-", color=COLOURS[0], label="LSTM")
        (self.bow_line,) = self.score_axes.plot(x, np.zeros(self.width), "s--", color=COLOURS[1], label="bag of words")
        self.score_axes.axhline(0, color="grey", lw=0.8)
        self.score_axes.set_ylabel("score (+ = positive)")
        # one score range for every sentence: frames share the axes (and can be compared)
        every = np.concatenate(self.lstm_scores + self.bow_scores + [np.zeros(1)])
        self.score_axes.set_ylim(every.min() - 1, every.max() + 1)
        self.figure.legend(handles=[self.lstm_line, self.bow_line], fontsize=8, loc="outside upper right", ncol=2)
        limit = max(np.abs(np.concatenate([c.ravel() for c in self.cells])).max(), 1e-6)
        blank = np.full((hidden, self.width), np.nan)
        # images above the ticks (zorder 1.6): a frame redraws them, not the axes
        self.cell_image = self.cell_axes.imshow(blank, aspect="auto", cmap="RdBu_r", vmin=-limit, vmax=limit,
                                                interpolation="nearest", zorder=1.6)
        self.gate_image = self.gate_axes.imshow(blank, aspect="auto", cmap="viridis", vmin=0, vmax=1,
                                                interpolation="nearest", zorder=1.6)
        self.cell_axes.grid(False)
        self.gate_axes.grid(False)
        self.cell_axes.set_ylabel("cell $c_t$ unit")
        self.gate_axes.set_ylabel("forget $f_t$ unit")
        self.figure.colorbar(self.cell_image, ax=self.cell_axes, pad=0.01)
        self.figure.colorbar(self.gate_image, ax=self.gate_axes, pad=0.01)
        # The words under the last axes, on two staggered rows (no rotation needed), and the
        # sentence over the first: texts that change with the sentence, drawn from cached glyphs.
        self.gate_axes.set_xticks(x, [""] * self.width)
        below = blended_transform_factory(self.gate_axes.transData, self.gate_axes.transAxes)
        self.words = []
        for k in range(self.width):
            word = FastText(k, 0.0, "", transform=below + ScaledTranslation(0.0, -(4.0 + 11.0 * (k % 2)) / 72.0,
                                                                            self.figure.dpi_scale_trans),
                            ha="center", va="top", fontsize=8)
            self.gate_axes.add_artist(word)
            self.words.append(word)
        self.title = title_text(self.score_axes, fontsize=10)
        longest = max(self.sentences, key=len)
        for word, text in zip(self.words, longest):  # lay out with words on both rows
            word.set_text(text)
        self.title.set_text(" ".join(longest))
        self._freeze([self.lstm_line, self.bow_line, self.cell_image, self.gate_image, self.title, *self.words])
        self.update()

    @classmethod
    def benchmark_instance(cls) -> "SentenceRenderer":
        """The Sentiment notebook's seven sentences, a bag of words and an untrained LSTM (16 units).

        For ``benchmarks/bench_widgets.py``: seeded, built in well under a second.
        """
        import torch

        from lstm_edu.apps.sentiment import BagOfWords, Vocabulary, gate_trace, generate_sentences, running_scores
        from lstm_edu.models import SequenceModel

        vocabulary = Vocabulary()
        train = generate_sentences(300, seed=0)
        bow = BagOfWords(vocabulary).fit([s.text for s in train], [s.label for s in train])
        torch.manual_seed(0)
        lstm = SequenceModel("lstm", len(vocabulary), 16, 2, task="classification").eval()
        examples = ["the movie is good", "the movie is not good", "the plot is not bad",
                    "the plot is dull but the acting is great", "the acting is great but the plot is dull",
                    "the music is not very good but the ending is not bad",
                    "the cast is fun and the music is really charming"]
        traces = [gate_trace(lstm, s, vocabulary) for s in examples]
        return cls(examples, [running_scores(lstm, s, vocabulary) for s in examples],
                   [bow.running_scores(s) for s in examples], [t.c[0] for t in traces], [t.f[0] for t in traces])

    def _padded(self, values: np.ndarray) -> np.ndarray:
        """``(T, ...)`` -> ``(width, ...)`` padded with NaN."""
        out = np.full((self.width,) + values.shape[1:], np.nan)
        out[: len(values)] = values
        return out

    def draw(self, sentence: float) -> None:
        k = self._frame_key = _index(sentence, len(self.sentences))
        words = self.sentences[k]
        self.lstm_line.set_ydata(self._padded(self.lstm_scores[k]))
        self.bow_line.set_ydata(self._padded(self.bow_scores[k]))
        self.cell_image.set_data(self._padded(self.cells[k]).T)
        self.gate_image.set_data(self._padded(self.forget[k]).T)
        for word, text in zip(self.words, words + [""] * (self.width - len(words))):
            word.set_text(text)
        self.title.set_text(" ".join(words))


class DecoderRenderer(_BlitMixin, Renderer):
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
        self.controls = {"example": Control("number", 0, len(self.numbers) - 1, 0, 1, fmt=".0f", labels=labels)}
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
        self.title = title_text(self.axes)  # changes on every move: cached glyphs
        self.update()
        self._freeze([self.image, self.title])

    @classmethod
    def benchmark_instance(cls) -> "DecoderRenderer":
        """Ten held-out numbers decoded by an untrained ``Seq2Seq(64, 16)``, as in the Translation notebook.

        For ``benchmarks/bench_widgets.py``: seeded, built in well under a second.
        """
        import torch

        from lstm_edu.apps.translation import Seq2Seq, greedy_decode, make_split

        _, test_numbers = make_split(1000, 1000, seed=0)
        torch.manual_seed(0)
        model = Seq2Seq(hidden_size=64, embed_size=16).eval()
        shown = test_numbers[:10]
        outputs, probabilities = greedy_decode(model, shown)
        return cls(shown, outputs, probabilities)

    def draw(self, example: float) -> None:
        k = self._frame_key = _index(example, len(self.numbers))
        self.image.set_data(self.probabilities[k][:, self.rows].T)
        verdict = "right" if self.outputs[k] == str(self.numbers[k]) else "wrong"
        self.title.set_text(f"{number_to_words(self.numbers[k])!r} -> {self.outputs[k]} "
                            f"(truth {self.numbers[k]}: {verdict})")


class NoiseRenderer(_BlitMixin, Renderer):
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

    def __init__(self, model, baseline, text: str, seed: int = 0, audio_config: AudioConfig = AudioConfig()) -> None:
        super().__init__(figsize=(8.0, 4.4))
        self.model, self.baseline, self.text, self.seed = model, baseline, text, seed
        self.audio_config = audio_config
        frames = self._utterance(10.0)[1].shape[0]
        self.spec_axes, self.post_axes = self.figure.subplots(2, 1, sharex=True)
        self.image = self.spec_axes.imshow(np.zeros((audio_config.n_bands, frames)), origin="lower", aspect="auto",
                                           cmap="magma", vmin=-12, vmax=6, interpolation="nearest",
                                           zorder=1.6)  # above the ticks: a frame redraws it, not the axes
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
        self.title = title_text(self.spec_axes)  # changes on every move: cached glyphs
        self.update()
        self._freeze([self.image, *self.lines, self.title])

    @classmethod
    def benchmark_instance(cls) -> "NoiseRenderer":
        """The Speech notebook's utterance (``"oiaeu"``, seed 7) with an untrained ``CTCModel(32, 32)``.

        Templates fitted on 60 synthetic utterances; the model standardises with the same
        band statistics (for ``benchmarks/bench_widgets.py``: seeded, about a second to build).
        """
        import torch

        from lstm_edu.apps.speech import CTCModel, TemplateBaseline, make_dataset

        audio_config = AudioConfig()
        templates = TemplateBaseline(smoothing=5).fit(make_dataset(60, seed=0, config=audio_config), audio_config)
        torch.manual_seed(0)
        model = CTCModel(audio_config.n_bands, 32).eval()
        model.standardize = templates.standardize
        return cls(model, templates, text="oiaeu", seed=7, audio_config=audio_config)

    def _utterance(self, snr: float):
        """The utterance at ``snr`` dB and its log spectrogram ``(F, n_bands)``."""
        fields = {k: getattr(self.audio_config, k) for k in self.audio_config.__dataclass_fields__}
        config = AudioConfig(**{**fields, "snr_db": (snr, snr)})
        utterance = synthesize(self.seed, config, text=self.text)
        return utterance, log_spectrogram(utterance.audio, config), config

    def draw(self, snr: float) -> None:
        self._frame_key = snr
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


class ThresholdRenderer(_BlitMixin, Renderer):
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
        self.labels, self.events, self.mask = np.asarray(labels, dtype=bool), list(events), np.asarray(mask, dtype=bool)
        self.thresholds = np.asarray(thresholds, dtype=float)
        self.controls = {"threshold": Control("threshold", float(self.thresholds.min()), float(self.thresholds.max()),
                                              float(np.median(self.thresholds)), 0.05)}
        super().__init__(figsize=(8.0, 4.8))
        self.series_axes, self.pr_axes = self.figure.subplots(2, 1, height_ratios=(1.4, 1))
        shown = self.mask | self.labels
        first = np.flatnonzero(shown)[0]
        self.series_axes.plot(self.time[first:], self.series_values[first:], color="black", lw=1)
        edges = np.diff(np.concatenate([[0], self.labels.astype(np.int8), [0]]))  # one span per run of labels
        half = 0.5 * float(np.median(np.diff(self.time)))  # half a step on each side
        for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
            self.series_axes.axvspan(self.time[a] - half, self.time[b - 1] + half, color="gold", alpha=0.5, lw=0)
        for a, b in known:
            self.series_axes.axvspan(self.time[a], self.time[b - 1], color="grey", alpha=0.2, lw=0)
        low = np.nanmin(self.series_values[first:])
        row = 0.09 * (np.nanmax(self.series_values[first:]) - low) or 0.8  # spacing of the alarm rows
        self.marks = {}
        for k, (colour, name) in enumerate(zip(COLOURS, self.scores)):
            self.marks[name] = self.series_axes.scatter([], [], marker="|", s=60, color=colour, label=name,
                                                        zorder=2.1)  # above the ticks and the series
            self.marks[name].row_y = low - row * (k + 1)
        self.series_axes.set_ylim(low - row * (len(self.scores) + 1), np.nanmax(self.series_values[first:]) + 0.6 * row)
        # a figure legend, below the Axes: frames do not redraw it
        self.figure.legend(handles=list(self.marks.values()), fontsize=8, loc="outside lower center",
                           ncol=len(self.scores))
        self.curves = {name: [alarm_metrics(s, t, self.labels, self.events, self.mask) for t in self.thresholds]
                       for name, s in self.scores.items()}
        for colour, (name, curve) in zip(COLOURS, self.curves.items()):
            self.pr_axes.plot(self.thresholds, [m.precision for m in curve], color=colour, label=f"{name} precision")
            self.pr_axes.plot(self.thresholds, [m.recall for m in curve], color=colour, ls="--")
        self.pr_axes.set_xlabel("threshold (|score| above it raises an alarm)")
        self.pr_axes.set_ylabel("precision / recall")
        self.pr_axes.set_ylim(-0.02, 1.02)
        self.threshold_line = self.pr_axes.axvline(self.controls["threshold"].default, color="grey", ls=":")
        # changes on every move (cached glyphs); laid out with its three lines
        self.title = title_text(self.series_axes, "threshold\n\n", fontsize=8)
        self.update()
        self._freeze([*self.marks.values(), self.threshold_line, self.title])

    @classmethod
    def benchmark_instance(cls) -> "ThresholdRenderer":
        """The Anomaly notebook's set-up on a synthetic monthly temperature series (1950-2010).

        30 clean training years, seeded injected anomalies, two "known events", and the
        rolling z, climatology z, AR(12) and briefly trained LSTM residual detectors over the
        notebook's threshold grid (for ``benchmarks/bench_widgets.py``).
        """
        from lstm_edu.apps.anomaly import (InjectionConfig, climatology_zscore, forecaster_scores, index_range,
                                           inject_anomalies, rolling_zscore)
        from lstm_edu.apps.forecasting import ARForecaster, LSTMForecastConfig, LSTMForecaster

        rng = np.random.default_rng(0)
        time = 1950.0 + np.arange(61 * 12) / 12.0
        noise = np.zeros(len(time))
        for k in range(1, len(time)):
            noise[k] = 0.9 * noise[k - 1] + rng.normal(0, 0.3)
        values = 24.0 + 2.5 * np.sin(2 * np.pi * time) + noise
        n_train = index_range(time, 1950, 1980)[1]
        known = [index_range(time, 1982.5, 1983.75), index_range(time, 1997.25, 1998.5)]
        injected = inject_anomalies(values, InjectionConfig(start=n_train, seed=0), avoid=known)
        clean = values[:n_train]
        with _one_thread():
            lstm = LSTMForecaster(LSTMForecastConfig(window=24, hidden_size=32, steps=20)).fit(clean)
        scores = {
            "rolling z": rolling_zscore(injected.values, 12),
            "climatology z": climatology_zscore(injected.values, 12, n_train),
            "AR(12) residual": forecaster_scores(ARForecaster(12).fit(clean), injected.values, n_train),
            "LSTM residual": forecaster_scores(lstm, injected.values, n_train),
        }
        scored = np.arange(len(time)) >= n_train
        for lo, hi in known:
            scored[lo:hi] = False
        grid = np.round(np.arange(1.5, 5.01, 0.25), 2)
        return cls(time, injected.values, scores, injected.labels, injected.events, scored,
                   thresholds=grid, known=known)

    def draw(self, threshold: float) -> None:
        self._frame_key = threshold
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
