"""A stand-in for speech recognition: synthetic "vowels", log spectrograms, an LSTM with CTC.

This is **not** speech. Each symbol is a steady sound made of two sine waves at fixed
"formant" frequencies (loosely like a vowel's first two formants), with a random
duration, a small random pitch shift, silent gaps of random length and white noise.
What it keeps from real speech recognition: the audio is longer than the text, symbols
last a variable number of frames, and the training data says only *which* symbols were
spoken, not *when* -- the alignment problem that CTC (Graves et al. 2006) solves.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from lstm_edu.training import TrainConfig
from lstm_edu.training import train as run_training
from lstm_edu.validation import check_int_range, check_positive_real, check_seed

__all__ = [
    "SYMBOLS",
    "FORMANTS",
    "AudioConfig",
    "Utterance",
    "synthesize",
    "make_dataset",
    "log_spectrogram",
    "frame_labels",
    "CTCModel",
    "CTCConfig",
    "train_ctc",
    "frame_posteriors",
    "greedy_ctc_decode",
    "Standardizer",
    "collapse_classes",
]

#: The symbols, and the two frequencies (Hz) that stand for each.
SYMBOLS = ("a", "e", "i", "o", "u")
FORMANTS = {"a": (700.0, 1200.0), "e": (450.0, 2000.0), "i": (300.0, 2500.0),
            "o": (500.0, 900.0), "u": (320.0, 700.0)}
BLANK = 0  # CTC blank; symbol k has class k + 1


@dataclass(frozen=True)
class AudioConfig:
    """How utterances are synthesised and cut into frames.

    Attributes
    ----------
    sample_rate : int
        Samples per second.
    min_symbols, max_symbols : int
        Utterance length in symbols (uniform). Two equal symbols never follow each other.
    min_duration, max_duration : float
        Seconds per symbol (uniform).
    max_gap : float
        Silence before each symbol, uniform in ``[0, max_gap]`` seconds.
    pitch_jitter : float
        Each utterance's frequencies are scaled by a factor uniform in ``1 +- pitch_jitter``.
    snr_db : tuple of float
        ``(low, high)``: each utterance's signal-to-noise ratio (dB, over the voiced parts)
        of the added white noise is uniform in this range (``(x, x)`` for a fixed level).
    frame_length, hop_length : int
        Spectrogram frame and step, in samples.
    n_bands : int
        Frequency bands kept (adjacent FFT bins averaged), from 0 Hz to Nyquist.
    """

    sample_rate: int = 8000
    min_symbols: int = 2
    max_symbols: int = 5
    min_duration: float = 0.06
    max_duration: float = 0.16
    max_gap: float = 0.05
    pitch_jitter: float = 0.15
    snr_db: tuple = (0.0, 20.0)
    frame_length: int = 256
    hop_length: int = 128
    n_bands: int = 32

    def __post_init__(self) -> None:
        check_int_range("sample_rate", self.sample_rate, 1000)
        check_int_range("min_symbols", self.min_symbols, 1)
        check_int_range("max_symbols", self.max_symbols, self.min_symbols)
        check_positive_real("min_duration", self.min_duration)
        if self.max_duration < self.min_duration:
            raise ValueError(f"max_duration: expected >= min_duration={self.min_duration}, "
                             f"got {self.max_duration}")
        check_positive_real("max_gap", self.max_gap, allow_zero=True)
        if not 0 <= self.pitch_jitter < 0.5:
            raise ValueError(f"pitch_jitter: expected a number in [0, 0.5), got {self.pitch_jitter}")
        snr = np.asarray(self.snr_db, dtype=float)
        if snr.shape != (2,) or not np.isfinite(snr).all() or snr[0] > snr[1]:
            raise ValueError(f"snr_db: expected (low, high) finite with low <= high, got {self.snr_db!r}")
        check_int_range("frame_length", self.frame_length, 8)
        check_int_range("hop_length", self.hop_length, 1, self.frame_length)
        check_int_range("n_bands", self.n_bands, 1, self.frame_length // 2)


@dataclass(frozen=True)
class Utterance:
    """One synthetic utterance.

    Attributes
    ----------
    audio : numpy.ndarray
        ``(S,)`` samples.
    text : str
        The symbols spoken, e.g. ``"aoi"``.
    segments : list of tuple
        ``(symbol, first_sample, stop_sample)`` of each voiced stretch.
    """

    audio: np.ndarray
    text: str
    segments: list


def synthesize(seed: int, config: AudioConfig = AudioConfig(), text: str | None = None) -> Utterance:
    """Synthesise one utterance (random text unless ``text`` is given).

    Parameters
    ----------
    seed : int
    config : AudioConfig
    text : str, optional
        Symbols from :data:`SYMBOLS` to speak.

    Returns
    -------
    Utterance
    """
    rng = np.random.default_rng(check_seed("seed", seed))
    if not isinstance(config, AudioConfig):
        raise TypeError(f"config: expected an AudioConfig, got {type(config).__name__}")
    if text is None:
        text = _random_text(rng, config)
    elif not isinstance(text, str) or not text or any(ch not in SYMBOLS for ch in text):
        raise ValueError(f"text: expected a non-empty string of symbols from {SYMBOLS}, got {text!r}")
    rate = config.sample_rate
    pitch = 1.0 + rng.uniform(-config.pitch_jitter, config.pitch_jitter)
    pieces, segments, position = [], [], 0
    for symbol in text:
        gap = int(rng.uniform(0.0, config.max_gap) * rate)
        length = int(rng.uniform(config.min_duration, config.max_duration) * rate)
        pieces.append(np.zeros(gap))
        pieces.append(_tone(symbol, length, pitch, rate, rng))
        segments.append((symbol, position + gap, position + gap + length))
        position += gap + length
    pieces.append(np.zeros(int(rng.uniform(0.0, config.max_gap) * rate)))
    clean = np.concatenate(pieces)  # (S,)
    voiced_power = np.mean(np.concatenate([clean[a:b] for _, a, b in segments]) ** 2)
    snr_db = rng.uniform(*config.snr_db)
    noise_std = np.sqrt(voiced_power / 10.0 ** (snr_db / 10.0))
    audio = clean + noise_std * rng.standard_normal(len(clean))
    return Utterance(audio=audio, text=text, segments=segments)


def _random_text(rng: np.random.Generator, config: AudioConfig) -> str:
    """Random symbols without immediate repeats."""
    length = int(rng.integers(config.min_symbols, config.max_symbols + 1))
    text = ""
    for _ in range(length):
        choices = [s for s in SYMBOLS if not text or s != text[-1]]
        text += choices[rng.integers(len(choices))]
    return text


def _tone(symbol: str, length: int, pitch: float, rate: int, rng: np.random.Generator) -> np.ndarray:
    """Two sines at the symbol's formants, random phases, 10 ms fade in and out."""
    t = np.arange(length) / rate
    low, high = FORMANTS[symbol]
    phases = rng.uniform(0, 2 * np.pi, size=2)
    wave = (np.sin(2 * np.pi * low * pitch * t + phases[0])
            + 0.6 * np.sin(2 * np.pi * high * pitch * t + phases[1]))
    fade = np.minimum(1.0, np.minimum(np.arange(length), np.arange(length)[::-1]) / (0.01 * rate))
    return wave * fade


def make_dataset(n: int, seed: int = 0, config: AudioConfig = AudioConfig()) -> list[Utterance]:
    """``n`` utterances with seeds ``seed * 100003 + k`` (reproducible one by one)."""
    n = check_int_range("n", n, 1)
    seed = check_seed("seed", seed)
    return [synthesize(seed * 100003 + k, config) for k in range(n)]


def log_spectrogram(audio: object, config: AudioConfig = AudioConfig()) -> np.ndarray:
    """Log power in ``n_bands`` frequency bands for each frame: ``(S,) -> (F, n_bands)``.

    Frames of ``frame_length`` samples every ``hop_length`` samples, Hann window,
    ``numpy.fft.rfft``; adjacent bins are averaged into bands; ``log(power + 1e-8)``.
    """
    audio = np.asarray(audio, dtype=np.float64)
    if audio.ndim != 1 or audio.size < config.frame_length:
        raise ValueError(f"audio: expected a 1-d signal of at least {config.frame_length} samples, "
                         f"got shape {audio.shape}")
    windows = np.lib.stride_tricks.sliding_window_view(audio, config.frame_length)
    frames = windows[:: config.hop_length]  # (F, L)
    power = np.abs(np.fft.rfft(frames * np.hanning(config.frame_length), axis=1)) ** 2  # (F, L/2 + 1)
    bins = power[:, : (power.shape[1] - 1) // config.n_bands * config.n_bands]
    bands = bins.reshape(len(frames), config.n_bands, -1).mean(axis=2)  # (F, n_bands)
    return np.log(bands + 1e-8)


def frame_labels(utterance: Utterance, n_frames: int, config: AudioConfig = AudioConfig()) -> np.ndarray:
    """Class of each frame: the symbol covering the frame's centre (``k + 1``), else 0 (silence)."""
    n_frames = check_int_range("n_frames", n_frames, 1)
    centres = np.arange(n_frames) * config.hop_length + config.frame_length // 2
    labels = np.zeros(n_frames, dtype=np.int64)
    for symbol, first, stop in utterance.segments:
        labels[(centres >= first) & (centres < stop)] = SYMBOLS.index(symbol) + 1
    return labels


# -- the CTC model ------------------------------------------------------------------------


class CTCModel(nn.Module):
    """Bidirectional LSTM over spectrogram frames -> per-frame log-probabilities (blank + symbols).

    Parameters
    ----------
    n_bands : int
        Features per frame.
    hidden_size : int
        Per direction.
    """

    def __init__(self, n_bands: int = 32, hidden_size: int = 32) -> None:
        super().__init__()
        self.n_bands = check_int_range("n_bands", n_bands, 1)
        check_int_range("hidden_size", hidden_size, 1)
        self.lstm = nn.LSTM(n_bands, hidden_size, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * hidden_size, len(SYMBOLS) + 1)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """``(B, F, n_bands) -> (B, F, 1 + len(SYMBOLS))`` log-probabilities."""
        hidden, _ = self.lstm(features)
        return torch.log_softmax(self.head(hidden), dim=-1)


@dataclass(frozen=True)
class CTCConfig:
    """Size and training of :class:`CTCModel` (Adam, clipping at norm 1)."""

    hidden_size: int = 32
    steps: int = 300
    batch_size: int = 16
    lr: float = 1e-2
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("hidden_size", "steps", "batch_size"):
            check_int_range(name, getattr(self, name), 1)
        check_positive_real("lr", self.lr)
        check_seed("seed", self.seed)


class Standardizer:
    """Per-band mean and std from training frames."""

    def __init__(self, features: list[np.ndarray]) -> None:
        stacked = np.concatenate(features)  # (sum F, n_bands)
        self.mean, self.std = stacked.mean(axis=0), stacked.std(axis=0) + 1e-8

    def __call__(self, features: np.ndarray) -> np.ndarray:
        return (features - self.mean) / self.std


def _pad(features: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    """End-pad ``(F_k, n_bands)`` arrays into ``(B, F_max, n_bands)``; lengths ``(B,)``."""
    lengths = torch.tensor([len(f) for f in features])
    out = torch.zeros(len(features), int(lengths.max()), features[0].shape[1])
    for row, f in enumerate(features):
        out[row, : len(f)] = torch.tensor(f, dtype=torch.float32)
    return out, lengths


def train_ctc(utterances: list[Utterance], audio_config: AudioConfig = AudioConfig(),
              config: CTCConfig = CTCConfig()):
    """Train a :class:`CTCModel` with ``torch.nn.CTCLoss`` (only the texts are used as targets).

    Returns
    -------
    model : CTCModel
        In eval mode, with ``model.standardize`` (training-set band statistics) attached.
    result : lstm_edu.training.TrainResult
    """
    if not utterances:
        raise ValueError("utterances: expected at least one utterance, got none")
    raw = [log_spectrogram(u.audio, audio_config) for u in utterances]
    standardize = Standardizer(raw)
    features = [standardize(f) for f in raw]
    targets = [torch.tensor([SYMBOLS.index(s) + 1 for s in u.text]) for u in utterances]
    torch.manual_seed(config.seed)
    model = CTCModel(audio_config.n_bands, config.hidden_size)
    ctc = nn.CTCLoss(blank=BLANK, zero_infinity=True)

    def batch_fn(rng):
        rows = rng.integers(0, len(features), size=config.batch_size)
        x, lengths = _pad([features[r] for r in rows])
        return x, ([targets[r] for r in rows], lengths)

    def loss_fn(log_probs, target):
        labels, lengths = target
        return ctc(log_probs.transpose(0, 1), torch.cat(labels), lengths,
                   torch.tensor([len(t) for t in labels]))

    train_config = TrainConfig(steps=config.steps, batch_size=config.batch_size, lr=config.lr,
                               clip_norm=1.0, seed=config.seed)
    result = run_training(model, batch_fn, loss_fn, train_config)
    model.eval()
    model.standardize = standardize
    return model, result


def frame_posteriors(model: CTCModel, utterance: Utterance,
                     audio_config: AudioConfig = AudioConfig()) -> np.ndarray:
    """Per-frame probabilities ``(F, 1 + len(SYMBOLS))`` (column 0 is the blank)."""
    features = model.standardize(log_spectrogram(utterance.audio, audio_config))
    with torch.no_grad():
        log_probs = model(torch.tensor(features[None], dtype=torch.float32))[0]
    return log_probs.exp().double().numpy()


def greedy_ctc_decode(posteriors: object) -> str:
    """Best class per frame, repeats merged, blanks removed: ``(F, C) -> text``."""
    posteriors = np.asarray(posteriors)
    if posteriors.ndim != 2 or posteriors.shape[1] != len(SYMBOLS) + 1:
        raise ValueError(f"posteriors: expected shape (F, {len(SYMBOLS) + 1}), got {posteriors.shape}")
    best = posteriors.argmax(axis=1)
    return collapse_classes(best)


def collapse_classes(classes: np.ndarray) -> str:
    """Merge repeated classes, drop class 0, map classes to symbols."""
    text, previous = "", None
    for c in classes:
        if c != previous and c != BLANK:
            text += SYMBOLS[c - 1]
        previous = c
    return text
