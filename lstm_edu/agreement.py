"""Number agreement: a task where the gates of a trained LSTM mean something.

Olah's essay explains the cell state with a language model that must remember whether the
subject is singular or plural until it reaches the verb. This is that task, small enough to
train in a second: a sentence is a subject (``cat`` or ``cats``), then filler words that
carry no number (``the``, ``big``, ``old``, ``near``) and *attractors*, nouns of either number
that are not the subject (``dog``, ``dogs``), then ``?``, the verb slot. The network reads one
word per step (one-hot) and answers from its last hidden state: ``is`` (singular) or ``are``.

To answer it must write the subject's number into its memory at step 1, keep it through the
fillers, and shut out the attractors: the forget gate, the input gate and the output gate all
have a job. :func:`number_unit` finds the hidden unit whose cell state carries the number, and
:func:`unit_gates` reads that unit's gates step by step from lstm_edu's numpy twin of the
trained network.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .sequence import Trace
from .torch_bridge import from_torch
from .validation import check_positive_int, check_seed

__all__ = ["VOCABULARY", "SUBJECTS", "FILLERS", "AgreementConfig", "AgreementModel", "encode",
           "make_batch", "train_agreement", "accuracy", "number_unit", "unit_gates", "strategy"]

VOCABULARY = ("cat", "cats", "dog", "dogs", "the", "big", "old", "near", "?")
SUBJECTS = {"cat": 0, "cats": 1}           # word -> number (0 singular, 1 plural)
FILLERS = ("the", "big", "old", "near", "dog", "dogs")
_INDEX = {word: k for k, word in enumerate(VOCABULARY)}


@dataclass(frozen=True)
class AgreementConfig:
    """Model and training settings (the defaults train in about a second on one core)."""

    hidden_size: int = 4
    steps: int = 400
    batch_size: int = 64
    learning_rate: float = 0.03
    min_fillers: int = 2
    max_fillers: int = 10

    def __post_init__(self) -> None:
        for name in ("hidden_size", "steps", "batch_size", "min_fillers", "max_fillers"):
            check_positive_int(name, getattr(self, name))
        if self.hidden_size > 64 or self.steps > 20_000 or self.batch_size > 4096 or self.max_fillers > 200:
            raise ValueError(f"config: sizes too large for this demo (hidden_size <= 64, steps <= 20000, "
                             f"batch_size <= 4096, max_fillers <= 200), got {self}")
        if self.min_fillers > self.max_fillers:
            raise ValueError(f"min_fillers: expected <= max_fillers ({self.max_fillers}), "
                             f"got {self.min_fillers}")
        if not (isinstance(self.learning_rate, (int, float)) and 0 < self.learning_rate <= 1):
            raise ValueError(f"learning_rate: expected a number in (0, 1], got {self.learning_rate!r}")


def encode(words) -> np.ndarray:
    """One-hot rows (T, V) for a sentence given as a list of words (or a string)."""
    if isinstance(words, str):
        words = words.split()
    unknown = [word for word in words if word not in _INDEX]
    if unknown or not words:
        raise ValueError(f"words: expected words from {VOCABULARY}, got {list(words)!r}")
    return np.eye(len(VOCABULARY))[[_INDEX[word] for word in words]]  # (T, V)


def make_batch(batch_size: int, fillers: int, rng: np.random.Generator):
    """``batch_size`` sentences with ``fillers`` filler words each: (inputs (B, T, V), numbers (B,))."""
    batch_size, fillers = check_positive_int("batch_size", batch_size), check_positive_int("fillers", fillers)
    if batch_size * (fillers + 2) > 5_000_000:
        raise ValueError(f"batch_size, fillers: at most 5e6 words a batch, got {batch_size} x {fillers + 2}")
    numbers = rng.integers(0, 2, batch_size)                               # (B,)
    subjects = np.where(numbers == 0, _INDEX["cat"], _INDEX["cats"])      # (B,)
    middle = rng.choice([_INDEX[word] for word in FILLERS], size=(batch_size, fillers))  # (B, F)
    ids = np.column_stack([subjects, middle, np.full(batch_size, _INDEX["?"])])         # (B, T)
    return np.eye(len(VOCABULARY))[ids], numbers


class AgreementModel(nn.Module):
    """One-hot words -> one LSTM layer -> is/are from the last hidden state."""

    def __init__(self, hidden_size: int) -> None:
        super().__init__()
        self.lstm = nn.LSTM(len(VOCABULARY), hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores (B, 2) for one-hot sentences (B, T, V)."""
        return self.head(self.lstm(x)[0][:, -1])


def train_agreement(seed: int, config: AgreementConfig | None = None) -> AgreementModel:
    """Train one model (Adam, cross-entropy at the verb slot); deterministic for a seed."""
    seed = check_seed("seed", seed)
    config = AgreementConfig() if config is None else config
    if not isinstance(config, AgreementConfig):
        raise TypeError(f"config: expected an AgreementConfig, got {type(config).__name__}")
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = AgreementModel(config.hidden_size)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    for _ in range(config.steps):
        fillers = int(rng.integers(config.min_fillers, config.max_fillers + 1))
        x, numbers = make_batch(config.batch_size, fillers, rng)
        loss = nn.functional.cross_entropy(model(torch.tensor(x, dtype=torch.float32)), torch.tensor(numbers))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval()


def accuracy(model: AgreementModel, fillers: int, sentences: int = 1000, seed: int = 12345) -> float:
    """Share of fresh sentences with ``fillers`` filler words whose number the model gets right."""
    if not isinstance(model, AgreementModel):
        raise TypeError(f"model: expected an AgreementModel, got {type(model).__name__}")
    x, numbers = make_batch(sentences, fillers, np.random.default_rng(check_seed("seed", seed)))
    with torch.no_grad():
        predicted = model(torch.tensor(x, dtype=torch.float32)).argmax(dim=1).numpy()
    return float((predicted == numbers).mean())


def number_unit(model: AgreementModel, fillers: int = 8, sentences: int = 400) -> tuple[int, float]:
    """The unit whose final cell state best separates singular from plural subjects.

    Returns ``(unit, separation)``: the separation is the difference of the mean C_T between
    plural and singular sentences in units of the pooled standard deviation (sign kept).
    """
    x, numbers = make_batch(sentences, fillers, np.random.default_rng(777))
    trace = from_torch(model.lstm).forward(x)                               # batch_first
    final_c = trace.c[:, -1]                                                # (B, H)
    spread = final_c.std(axis=0) + 1e-12                                    # (H,)
    separation = (final_c[numbers == 1].mean(axis=0) - final_c[numbers == 0].mean(axis=0)) / spread
    unit = int(np.argmax(np.abs(separation)))
    return unit, float(separation[unit])


def unit_gates(model: AgreementModel, words, unit: int) -> dict[str, np.ndarray]:
    """One unit's f, i, o, candidate C~, C and h at each word of a sentence (each (T,))."""
    if not isinstance(model, AgreementModel):
        raise TypeError(f"model: expected an AgreementModel, got {type(model).__name__}")
    x = encode(words)[None]                                                 # (1, T, V)
    if not isinstance(unit, (int, np.integer)) or not 0 <= unit < model.lstm.hidden_size:
        raise ValueError(f"unit: expected an int in [0, {model.lstm.hidden_size}), got {unit!r}")
    trace: Trace = from_torch(model.lstm).forward(x)
    names = {"forget": trace.f, "input": trace.i, "output": trace.o, "candidate": trace.g,
             "cell": trace.c, "hidden": trace.h}
    return {name: values[0, :, unit].copy() for name, values in names.items()}


def strategy(model: AgreementModel, unit: int, fillers: int = 8, sentences: int = 400) -> dict[str, float]:
    """How one unit carries the number: its mean gates over the filler words and its final C.

    Returns ``forget``, ``input`` (mean gate over the filler steps of all sentences),
    ``final_c_singular`` and ``final_c_plural`` (mean C_T for each subject number) and
    ``agreeing_candidate``: the share of filler steps whose candidate has the sign of the
    cell state (1 when every word re-writes the same number).
    """
    x, numbers = make_batch(sentences, fillers, np.random.default_rng(778))
    trace = from_torch(model.lstm).forward(x)                  # batch_first: (B, T, H)
    middle = slice(1, 1 + fillers)
    forget, input_gate = trace.f[:, middle, unit], trace.i[:, middle, unit]    # (B, F)
    candidate, cell = trace.g[:, middle, unit], trace.c[:, middle, unit]       # (B, F)
    final_c = trace.c[:, -1, unit]                                             # (B,)
    return {"forget": float(forget.mean()), "input": float(input_gate.mean()),
            "final_c_singular": float(final_c[numbers == 0].mean()),
            "final_c_plural": float(final_c[numbers == 1].mean()),
            "agreeing_candidate": float((np.sign(candidate) == np.sign(cell)).mean())}
