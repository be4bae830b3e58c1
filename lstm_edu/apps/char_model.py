"""The character LSTM on Moby-Dick: the split, the trained seeds' results file, English indicators.

The text-generation page trains :class:`~lstm_edu.apps.text_generation.CharLSTM` on the
novel (the data set :mod:`lstm_edu.data.moby_dick`). Five trainings do not fit the page's
time budget, so they run once, from the command line::

    python -m lstm_edu.apps.char_model --publish

which writes, under ``book/applications/results/``, one weights file per seed
(``text_generation_seed<k>.npy``: every parameter as one float32 vector, in
``state_dict`` order) and ``text_generation.json`` (the command, the configuration, the
split, package versions, each seed's training loss and held-out bits per character, and
each weights file's SHA-256). Training uses one torch thread and seeded draws only, so the
same command on the same machine writes the same bytes. The page loads the weights,
re-evaluates them and prints the numbers.

Pieces:

- :func:`split_chapters` -- training, validation and test text, each a run of whole chapters;
- :func:`untrained_char_lstm` -- the network a seed starts from (the "by chance" baseline);
- :func:`pack_weights`, :func:`unpack_weights` -- a model <-> one float32 vector;
- :func:`train_seeds`, :func:`write_results`, :func:`load_results` -- the results file;
- :func:`english_indicators` -- per character: inside a quotation, position in the line,
  characters since the last sentence ended.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import platform
import re
import sys
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

import numpy as np
import torch

from lstm_edu.apps.text_generation import (
    CharLSTM,
    CharLSTMConfig,
    CharVocabulary,
    lstm_bits_per_char,
    train_char_lstm,
)
from lstm_edu.experiments.common import run_jobs

__all__ = [
    "RESULTS_DIR",
    "SEEDS",
    "CONFIG",
    "TextSplit",
    "split_chapters",
    "untrained_char_lstm",
    "pack_weights",
    "unpack_weights",
    "train_seeds",
    "write_results",
    "load_results",
    "english_indicators",
    "cell_trace",
]

#: The committed results, relative to the repository root.
RESULTS_DIR = Path("book") / "applications" / "results"
#: The seeds trained for the page.
SEEDS = (0, 1, 2, 3, 4)
#: The page's model and training (``seed`` is replaced by each of :data:`SEEDS`).
CONFIG = CharLSTMConfig(embed_size=32, hidden_size=256, seq_length=64, steps=4000, batch_size=32, lr=5e-3)

_CHAPTER = re.compile(r"^CHAPTER (\d+)\.", re.MULTILINE)


@dataclass(frozen=True)
class TextSplit:
    """Three contiguous parts of a book: ``train``, ``validation`` and ``test``."""

    train: str
    validation: str
    test: str
    validation_from: int
    test_from: int


def split_chapters(text: str, validation_from: int = 127, test_from: int = 133) -> TextSplit:
    """Split a text at its ``CHAPTER n.`` headings (each at the start of a line).

    ``train`` runs up to chapter ``validation_from``, ``validation`` from there up to
    chapter ``test_from``, and ``test`` from chapter ``test_from`` to the end.
    """
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    if not (isinstance(validation_from, int) and isinstance(test_from, int)
            and 1 < validation_from < test_from):
        raise ValueError(f"validation_from, test_from: expected ints 1 < validation_from < test_from, "
                         f"got {validation_from!r}, {test_from!r}")
    starts = {int(m.group(1)): m.start() for m in _CHAPTER.finditer(text)}
    for number in (validation_from, test_from):
        if number not in starts:
            raise ValueError(f"text: has no heading 'CHAPTER {number}.' at the start of a line")
    a, b = starts[validation_from], starts[test_from]
    return TextSplit(text[:a], text[a:b], text[b:], validation_from, test_from)


def untrained_char_lstm(vocab_size: int, config: CharLSTMConfig = CONFIG) -> CharLSTM:
    """The network :func:`train_char_lstm` starts from with ``config`` (same seed, same size),
    in eval mode."""
    torch.manual_seed(config.seed)
    return CharLSTM(vocab_size, config.embed_size, config.hidden_size).eval()


def pack_weights(model: CharLSTM) -> np.ndarray:
    """Every parameter of ``model`` as one float32 vector, in ``state_dict`` order."""
    return np.concatenate([t.detach().float().numpy().ravel() for t in model.state_dict().values()])


def unpack_weights(vector, vocab_size: int, config: CharLSTMConfig = CONFIG) -> CharLSTM:
    """The :class:`CharLSTM` whose :func:`pack_weights` is ``vector`` (eval mode)."""
    vector = np.asarray(vector)
    model = CharLSTM(vocab_size, config.embed_size, config.hidden_size)
    state = model.state_dict()
    size = sum(t.numel() for t in state.values())
    if vector.ndim != 1 or vector.dtype != np.float32 or vector.size != size:
        raise ValueError(f"vector: expected a float32 vector of {size} values for this vocabulary and "
                         f"config, got {vector.dtype} of shape {vector.shape}")
    offset = 0
    for name, tensor in state.items():
        n = tensor.numel()
        state[name] = torch.from_numpy(vector[offset:offset + n].copy()).reshape(tensor.shape)
        offset += n
    model.load_state_dict(state)
    return model.eval()


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _train_one(split: TextSplit, config: CharLSTMConfig, seed: int) -> tuple[np.ndarray, dict]:
    """One seed's training (one torch thread): its packed weights and its run record."""
    torch.set_num_threads(1)
    vocabulary = CharVocabulary(split.train)
    seeded = CharLSTMConfig(**{**asdict(config), "seed": int(seed)})
    model, result = train_char_lstm(split.train, vocabulary, seeded)
    run = {"seed": int(seed),
           "loss_bits": [round(float(v) / math.log(2), 4) for v in result.loss[::100]],
           "validation_bits": lstm_bits_per_char(model, split.validation, vocabulary),
           "test_bits": lstm_bits_per_char(model, split.test, vocabulary)}
    return pack_weights(model), run


def train_seeds(split: TextSplit, config: CharLSTMConfig = CONFIG, seeds=SEEDS, workers: int = 1,
                log=None) -> tuple[list, list]:
    """Train one model per seed on ``split.train``; returns ``(models, runs)`` in the order of ``seeds``.

    Each run is ``{"seed", "loss_bits" (the training loss every 100 steps, bits/char of
    one batch), "validation_bits", "test_bits"}``. Every seed trains with one torch thread,
    in ``workers`` processes; the results do not depend on ``workers``.
    """
    vocab_size = len(CharVocabulary(split.train))
    seeds = [int(seed) for seed in seeds]
    outcomes = run_jobs(partial(_train_one, split, config), seeds, workers)
    models, runs = [], []
    for vector, run in outcomes:
        models.append(unpack_weights(vector, vocab_size, config))
        runs.append(run)
        if log:
            log(f"seed {run['seed']}: test {run['test_bits']:.4f} bits/char")
    return models, runs


def write_results(models, runs, split: TextSplit, directory: Path, config: CharLSTMConfig = CONFIG,
                  command: str = "python -m lstm_edu.apps.char_model --publish") -> Path:
    """Write the weights files and ``text_generation.json`` into ``directory``; returns the JSON's path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for model, run in zip(models, runs):
        path = directory / f"text_generation_seed{run['seed']}.npy"
        np.save(path, pack_weights(model), allow_pickle=False)
        run["weights"] = path.name
        run["weights_sha256"] = _sha256(path)
    payload = {"command": command, "config": {k: v for k, v in asdict(config).items() if k != "seed"},
               "data": "moby_dick", "split": {"validation_from_chapter": split.validation_from,
                                              "test_from_chapter": split.test_from,
                                              "characters": [len(split.train), len(split.validation),
                                                             len(split.test)]},
               "versions": {"python": platform.python_version(), "numpy": np.__version__,
                            "torch": torch.__version__},
               "torch_threads": 1, "runs": runs}
    target = directory / "text_generation.json"
    target.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    return target


def load_results(vocabulary: CharVocabulary, directory: Path = RESULTS_DIR) -> tuple[dict, list]:
    """The results file and its models: ``(payload, [CharLSTM per run])``.

    Each weights file is checked against the SHA-256 the results file records.
    """
    directory = Path(directory)
    payload = json.loads((directory / "text_generation.json").read_text(encoding="utf-8"))
    config = CharLSTMConfig(**payload["config"])
    models = []
    for run in payload["runs"]:
        path = directory / run["weights"]
        if _sha256(path) != run["weights_sha256"]:
            raise ValueError(f"{path}: checksum differs from the results file; rerun {payload['command']}")
        models.append(unpack_weights(np.load(path, allow_pickle=False), len(vocabulary), config))
    return payload, models


# -- what cells might track in English ---------------------------------------------------


def cell_trace(model: CharLSTM, text: str, vocabulary: CharVocabulary) -> np.ndarray:
    """The cell states ``c_t`` of ``model`` over ``text``, ``(len(text), H)`` float64, from a zero state.

    The same values as ``text_generation.cell_states(...).c[0]`` (lstm_edu's numpy LSTM,
    step by step), computed faster: torch's LSTM gives every ``h_t`` in one call, so every
    gate follows from ``x_t`` and ``h_{t-1}`` in a few matrix products, and only the
    elementwise update ``c_t = f_t c_{t-1} + i_t g_t`` remains a loop.
    """
    if not isinstance(text, str) or not text:
        raise ValueError("text: expected a non-empty str")
    lstm = model.lstm
    ids = torch.as_tensor(vocabulary.encode(text))[None]
    with torch.no_grad():
        x = model.embed(ids)  # (1, T, E)
        h, _ = lstm(x)
        x, h = x[0].double(), h[0].double()
        previous = torch.cat([torch.zeros(1, h.shape[1], dtype=h.dtype), h[:-1]])  # h_{t-1}
        pre = (x @ lstm.weight_ih_l0.double().T + previous @ lstm.weight_hh_l0.double().T
               + lstm.bias_ih_l0.double() + lstm.bias_hh_l0.double())  # (T, 4H), torch's order i, f, g, o
    i, f, g, _ = pre.numpy().reshape(len(text), 4, -1).transpose(1, 0, 2)
    i, f, g = 1 / (1 + np.exp(-i)), 1 / (1 + np.exp(-f)), np.tanh(g)
    update = i * g
    c = np.empty_like(update)
    state = np.zeros(update.shape[1])
    for t in range(len(text)):
        state = f[t] * state + update[t]
        c[t] = state
    return c


def english_indicators(text: str) -> dict[str, np.ndarray]:
    """Per-character facts about English prose.

    Returns
    -------
    dict of str to numpy.ndarray
        Each ``(len(text),)``:

        - ``"in_quote"`` -- 1 from an opening ``“`` up to its closing ``”`` (both included).
          A quotation also ends at a paragraph break (a blank line): a speech that runs on
          reopens each paragraph with ``“`` and closes only the last;
        - ``"line_position"`` -- characters since the start of the line (0 for the first);
        - ``"since_sentence_end"`` -- characters since the last ``.``, ``!`` or ``?``
          (0 on that mark itself; counted from the start of the text before the first).
    """
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    n = len(text)
    in_quote, line_position, since_end = np.zeros(n), np.zeros(n), np.zeros(n)
    quoted, column, since = False, 0, 0
    for t, ch in enumerate(text):
        if ch == "“":
            quoted = True
        if ch == "\n" and t > 0 and text[t - 1] == "\n":
            quoted = False
        in_quote[t] = quoted
        if ch == "”":
            quoted = False
        line_position[t] = column
        column = 0 if ch == "\n" else column + 1
        since = 0 if ch in ".!?" else since + 1
        since_end[t] = since
    return {"in_quote": in_quote, "line_position": line_position, "since_sentence_end": since_end}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lstm_edu.apps.char_model",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--publish", action="store_true", help=f"write into {RESULTS_DIR} (default: --out)")
    parser.add_argument("--out", default="/tmp/lstm_edu_text_generation", help="folder when not publishing")
    parser.add_argument("--seeds", type=int, nargs="*", default=list(SEEDS))
    parser.add_argument("--workers", type=int, default=2, help="processes (the results do not depend on it)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    from lstm_edu.data.moby_dick import load_text

    split = split_chapters(load_text())
    models, runs = train_seeds(split, CONFIG, args.seeds, args.workers,
                               log=lambda line: print(line, flush=True))
    command = " ".join(["python -m lstm_edu.apps.char_model", *(sys.argv[1:] if argv is None else argv)])
    directory = RESULTS_DIR if args.publish else Path(args.out)
    print(write_results(models, runs, split, directory, CONFIG, command))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
