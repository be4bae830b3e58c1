"""Translation with a sequence-to-sequence LSTM: English number words to digits.

``"four thousand two hundred seven" -> "4207"``. The encoder LSTM reads the words and
hands its final ``(h, c)`` to the decoder LSTM, which writes digits one at a time, each
step reading the digit it wrote before (Sutskever et al. 2014). The task is small enough
to train in seconds and has exact answers, so accuracy is measured exactly; it also has
a hand-written solution (:func:`words_to_number`), which is the honest baseline to beat
when rules are known.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from lstm_edu.apps.text_metrics import edit_distance
from lstm_edu.training import TrainConfig
from lstm_edu.training import train as run_training
from lstm_edu.validation import check_int_range, check_positive_real, check_seed

__all__ = [
    "number_to_words",
    "words_to_number",
    "make_split",
    "SOURCE_WORDS",
    "TARGET_TOKENS",
    "encode_source",
    "encode_target",
    "Seq2Seq",
    "Seq2SeqConfig",
    "train_seq2seq",
    "greedy_decode",
    "nearest_neighbour",
    "exact_match",
    "edit_distance",
]

ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
        "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
        "eighteen", "nineteen")
TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
MAX_NUMBER = 9999

#: Encoder vocabulary (index 0 is padding).
SOURCE_WORDS = ("<pad>",) + ONES + TENS[2:] + ("hundred", "thousand")
#: Decoder vocabulary: padding, begin, end, then the ten digits.
TARGET_TOKENS = ("<pad>", "<bos>", "<eos>") + tuple("0123456789")
PAD, BOS, EOS = 0, 1, 2


def number_to_words(n: int) -> str:
    """English words for ``0 <= n <= 9999``, without "and" or hyphens.

    >>> number_to_words(4207)
    'four thousand two hundred seven'
    """
    n = check_int_range("n", n, 0, MAX_NUMBER)
    if n == 0:
        return "zero"
    words = []
    thousands, rest = divmod(n, 1000)
    hundreds, rest = divmod(rest, 100)
    if thousands:
        words += [ONES[thousands], "thousand"]
    if hundreds:
        words += [ONES[hundreds], "hundred"]
    if rest >= 20:
        words.append(TENS[rest // 10])
        if rest % 10:
            words.append(ONES[rest % 10])
    elif rest:
        words.append(ONES[rest])
    return " ".join(words)


def words_to_number(text: str) -> int:
    """The hand-written inverse of :func:`number_to_words` (the rule-based solution)."""
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    total = current = 0
    for word in text.split():
        if word in ONES:
            current += ONES.index(word)
        elif word in TENS:
            current += 10 * TENS.index(word)
        elif word == "hundred":
            current *= 100
        elif word == "thousand":
            total, current = total + current * 1000, 0
        else:
            raise ValueError(f"text: unknown number word {word!r} in {text!r}")
    return total + current


def make_split(n_train: int, n_test: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint random train and test numbers from ``0..9999``: ``(n_train,)``, ``(n_test,)``."""
    n_train = check_int_range("n_train", n_train, 1)
    n_test = check_int_range("n_test", n_test, 1)
    if n_train + n_test > MAX_NUMBER + 1:
        raise ValueError(f"n_train + n_test: expected at most {MAX_NUMBER + 1}, got {n_train + n_test}")
    order = np.random.default_rng(check_seed("seed", seed)).permutation(MAX_NUMBER + 1)
    return order[:n_train], order[n_train : n_train + n_test]


def encode_source(numbers) -> tuple[torch.Tensor, torch.Tensor]:
    """Word ids, end-padded, ``(B, S)`` long, and lengths ``(B,)``."""
    ids = [[SOURCE_WORDS.index(w) for w in number_to_words(int(n)).split()] for n in numbers]
    lengths = torch.tensor([len(s) for s in ids])
    out = torch.full((len(ids), int(lengths.max())), PAD, dtype=torch.long)
    for row, seq in enumerate(ids):
        out[row, : len(seq)] = torch.tensor(seq)
    return out, lengths


def encode_target(numbers) -> tuple[torch.Tensor, torch.Tensor]:
    """Decoder inputs ``<bos> d1 .. dk`` and targets ``d1 .. dk <eos>``, padded: ``(B, U)`` each."""
    digits = [[TARGET_TOKENS.index(d) for d in str(int(n))] for n in numbers]
    width = max(len(d) for d in digits) + 1
    inputs = torch.full((len(digits), width), PAD, dtype=torch.long)
    targets = torch.full((len(digits), width), PAD, dtype=torch.long)
    for row, seq in enumerate(digits):
        inputs[row, : len(seq) + 1] = torch.tensor([BOS] + seq)
        targets[row, : len(seq) + 1] = torch.tensor(seq + [EOS])
    return inputs, targets


class Seq2Seq(nn.Module):
    """Encoder LSTM -> (h, c) -> decoder LSTM -> digit logits.

    Parameters
    ----------
    hidden_size : int
    embed_size : int
    """

    def __init__(self, hidden_size: int = 64, embed_size: int = 16) -> None:
        super().__init__()
        self.hidden_size = check_int_range("hidden_size", hidden_size, 1)
        embed_size = check_int_range("embed_size", embed_size, 1)
        self.source_embed = nn.Embedding(len(SOURCE_WORDS), embed_size, padding_idx=PAD)
        self.encoder = nn.LSTM(embed_size, hidden_size, batch_first=True)
        self.target_embed = nn.Embedding(len(TARGET_TOKENS), embed_size, padding_idx=PAD)
        self.decoder = nn.LSTM(embed_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, len(TARGET_TOKENS))

    def encode(self, source: torch.Tensor, lengths: torch.Tensor):
        """Final encoder state ``(h, c)``, each ``(1, B, H)``, read at each sequence's true end."""
        packed = nn.utils.rnn.pack_padded_sequence(
            self.source_embed(source), lengths, batch_first=True, enforce_sorted=False)
        _, state = self.encoder(packed)
        return state

    def forward(self, batch) -> torch.Tensor:
        """Teacher-forced logits ``(B, U, C)`` from ``batch = (source, lengths, decoder_inputs)``."""
        source, lengths, decoder_inputs = batch
        state = self.encode(source, lengths)
        hidden, _ = self.decoder(self.target_embed(decoder_inputs), state)  # (B, U, H)
        return self.head(hidden)


@dataclass(frozen=True)
class Seq2SeqConfig:
    """Size and training of :class:`Seq2Seq` (Adam, gradient clipping at norm 1)."""

    hidden_size: int = 64
    embed_size: int = 16
    steps: int = 1500
    batch_size: int = 64
    lr: float = 5e-3
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("hidden_size", "embed_size", "steps", "batch_size"):
            check_int_range(name, getattr(self, name), 1)
        check_positive_real("lr", self.lr)
        check_seed("seed", self.seed)


def _sequence_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over non-padding target tokens."""
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                                       ignore_index=PAD)


def train_seq2seq(train_numbers, config: Seq2SeqConfig = Seq2SeqConfig()):
    """Train a :class:`Seq2Seq` on the given numbers with teacher forcing.

    Returns
    -------
    model : Seq2Seq
        In eval mode.
    result : lstm_edu.training.TrainResult
    """
    if not isinstance(config, Seq2SeqConfig):
        raise TypeError(f"config: expected a Seq2SeqConfig, got {type(config).__name__}")
    numbers = np.asarray(train_numbers)
    if numbers.ndim != 1 or numbers.size == 0 or not np.issubdtype(numbers.dtype, np.integer):
        raise ValueError(f"train_numbers: expected a non-empty 1-d int array, "
                         f"got {numbers.dtype} {numbers.shape}")
    source, lengths = encode_source(numbers)
    decoder_inputs, targets = encode_target(numbers)
    torch.manual_seed(config.seed)
    model = Seq2Seq(config.hidden_size, config.embed_size)

    def batch_fn(rng):
        rows = torch.as_tensor(rng.integers(0, len(numbers), size=config.batch_size))
        width = int((targets[rows] != PAD).sum(1).max())
        return (source[rows], lengths[rows], decoder_inputs[rows, :width]), targets[rows, :width]

    train_config = TrainConfig(steps=config.steps, batch_size=config.batch_size, lr=config.lr,
                               clip_norm=1.0, seed=config.seed)
    result = run_training(model, batch_fn, _sequence_loss, train_config)
    model.eval()
    return model, result


def greedy_decode(model: Seq2Seq, numbers, max_length: int = 6) -> tuple[list[str], np.ndarray]:
    """Translate each number's words, always taking the most likely next digit.

    Returns
    -------
    outputs : list of str
        The decoded digit strings (stopped at ``<eos>`` or ``max_length`` tokens).
    probabilities : numpy.ndarray
        ``(B, max_length, C)`` the decoder's softmax at each step (after ``<eos>``, the
        steps repeat the model's answers but are not part of the output).
    """
    max_length = check_int_range("max_length", max_length, 1)
    source, lengths = encode_source(numbers)
    with torch.no_grad():
        state = model.encode(source, lengths)
        token = torch.full((len(source), 1), BOS, dtype=torch.long)
        steps = []
        for _ in range(max_length):
            hidden, state = model.decoder(model.target_embed(token), state)  # (B, 1, H)
            probs = torch.softmax(model.head(hidden[:, 0]), dim=-1)  # (B, C)
            steps.append(probs)
            token = probs.argmax(dim=-1, keepdim=True)
    probabilities = torch.stack(steps, dim=1).double().numpy()  # (B, L, C)
    outputs = []
    for row in probabilities.argmax(axis=-1):
        text = ""
        for token_id in row:
            if token_id == EOS:
                break
            text += TARGET_TOKENS[token_id] if token_id > EOS else "?"
        outputs.append(text)
    return outputs, probabilities


def nearest_neighbour(train_numbers, query_numbers) -> list[str]:
    """Baseline: answer with the training number whose words are closest (word edit distance).

    Ties go to the first training number in the given order. The edit distances to all
    training sentences are computed at once (dynamic programming over padded id arrays).
    """
    train_numbers = np.asarray(train_numbers)
    train_ids, train_lengths = encode_source(train_numbers)
    train_ids, train_lengths = train_ids.numpy(), train_lengths.numpy()  # (N, S), (N,)
    answers = []
    for query in query_numbers:
        query_ids = [SOURCE_WORDS.index(w) for w in number_to_words(int(query)).split()]
        distances = _edit_distances(query_ids, train_ids)  # (N, S + 1)
        best = np.argmin(distances[np.arange(len(train_ids)), train_lengths])
        answers.append(str(int(train_numbers[best])))
    return answers


def _edit_distances(query: list[int], candidates: np.ndarray) -> np.ndarray:
    """Edit distance from ``query`` to every prefix of every candidate row: ``(N, S + 1)``."""
    n, width = candidates.shape
    previous = np.tile(np.arange(width + 1), (n, 1))  # distance from the empty query
    for i, item in enumerate(query, start=1):
        current = np.empty_like(previous)
        current[:, 0] = i
        substitution = previous[:, :-1] + (candidates != item)  # (N, S)
        deletion = previous[:, 1:] + 1
        best = np.minimum(substitution, deletion)
        for j in range(1, width + 1):  # insertions run along the row
            current[:, j] = np.minimum(best[:, j - 1], current[:, j - 1] + 1)
        previous = current
    return previous


def exact_match(predicted: list[str], numbers) -> float:
    """Share of predictions equal to the number's digits."""
    expected = [str(int(n)) for n in numbers]
    if len(predicted) != len(expected) or not expected:
        raise ValueError(f"predicted: expected {len(expected)} strings, got {len(predicted)}")
    return float(np.mean([p == e for p, e in zip(predicted, expected)]))
