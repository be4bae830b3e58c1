"""German -> English with a word-level encoder-decoder LSTM, trained by a command.

The data are the Ding dictionary's example sentences (:mod:`lstm_edu.data.de_en`). The split
is fixed and seeded (:func:`split_pairs`); a test German or English sentence never appears in
training. Words are tokens (``\\w+`` runs and single punctuation marks, case kept); each
side keeps its :data:`VOCAB` most frequent training tokens and maps the rest to ``<unk>``.

``python -m lstm_edu.apps.seq2seq_de_en --publish`` trains one model per seed of
:data:`SEEDS` (one torch thread each, bit for bit reproducible) and writes float16 weights
and ``translation.json`` (chrF on the test set for every seed) into
``book/applications/results/``. The page loads them with :func:`load_results` and scores
them again with :func:`chrf` (sacrebleu's chrF, Popovic 2015).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import platform
import re
import sys
from collections import Counter
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

import numpy as np
import torch
from torch import nn

from lstm_edu.experiments.common import run_jobs
from lstm_edu.training import TrainConfig
from lstm_edu.training import train as run_training
from lstm_edu.validation import check_int_range, check_seed

__all__ = ["SEEDS", "VOCAB", "CONFIG", "RESULTS_DIR", "Split", "split_pairs", "tokenize", "detokenize",
           "Vocabulary", "WordSeq2Seq", "WordSeq2SeqConfig", "train_model", "translate", "word_by_word",
           "chrf", "chrf_by_length", "error_profile", "LENGTH_BINS", "write_results", "load_results"]

SEEDS = (0, 1, 2, 3, 4)
VOCAB = 2000
RESULTS_DIR = Path(__file__).resolve().parents[2] / "book" / "applications" / "results"
PAD, BOS, EOS, UNK = 0, 1, 2, 3
SPECIALS = ("<pad>", "<bos>", "<eos>", "<unk>")
#: English reference lengths (words) grouped for the score by length: (low, high) inclusive.
LENGTH_BINS = ((3, 5), (6, 8), (9, 12))
_TOKEN = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class Split:
    """Pair indices into the data set: ``train`` and ``test`` (sorted int arrays)."""

    train: np.ndarray
    test: np.ndarray


def split_pairs(german, english, n_test: int = 1000, seed: int = 0) -> Split:
    """A seeded test set of ``n_test`` pairs; training keeps every other pair whose German and
    English sentences both differ from every test sentence."""
    n = len(german)
    if len(english) != n:
        raise ValueError(f"english: expected {n} sentences (one per German), got {len(english)}")
    n_test = check_int_range("n_test", n_test, 1, n - 1)
    order = np.random.default_rng(check_seed("seed", seed)).permutation(n)
    test = np.sort(order[:n_test])
    test_de, test_en = {german[k] for k in test}, {english[k] for k in test}
    train = np.array([k for k in np.sort(order[n_test:])
                      if german[k] not in test_de and english[k] not in test_en])
    return Split(train=train, test=test)


def tokenize(text: str) -> list[str]:
    """Word and punctuation tokens, case kept: ``"It's late." -> ['It', "'", 's', 'late', '.']``."""
    return _TOKEN.findall(text)


def detokenize(tokens) -> str:
    """Join tokens with spaces, then glue punctuation to the word before it
    (and apostrophes to both sides)."""
    text = " ".join(tokens)
    text = re.sub(r" ([.,!?;:])", r"\1", text)
    return re.sub(r" ?([’']) ?", r"\1", text)


class Vocabulary:
    """The ``size`` most frequent tokens of ``texts`` (ties: first seen) after the four specials."""

    def __init__(self, texts, size: int = VOCAB) -> None:
        counts = Counter(token for text in texts for token in tokenize(text))
        ranked = sorted(counts, key=lambda t: -counts[t])  # stable: ties keep first-seen order
        self.tokens = SPECIALS + tuple(ranked[: check_int_range("size", size, 1)])
        self.index = {t: k for k, t in enumerate(self.tokens)}

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, text: str) -> list[int]:
        return [self.index.get(t, UNK) for t in tokenize(text)]


def _pad(rows, width=None) -> torch.Tensor:
    width = width or max(len(r) for r in rows)
    out = torch.full((len(rows), width), PAD, dtype=torch.long)
    for k, row in enumerate(rows):
        out[k, : len(row)] = torch.tensor(row[:width], dtype=torch.long)
    return out


@dataclass(frozen=True)
class WordSeq2SeqConfig:
    """Size and training (Adam, clipping at norm 1, teacher forcing)."""

    vocab: int = VOCAB
    embed_size: int = 64
    hidden_size: int = 128
    steps: int = 3000
    batch_size: int = 64
    lr: float = 3e-3
    seed: int = 0


CONFIG = WordSeq2SeqConfig()


class WordSeq2Seq(nn.Module):
    """Embedding -> encoder LSTM -> final ``(h, c)`` -> decoder LSTM -> word logits."""

    def __init__(self, source_size: int, target_size: int, embed_size: int, hidden_size: int) -> None:
        super().__init__()
        self.source_embed = nn.Embedding(source_size, embed_size, padding_idx=PAD)
        self.encoder = nn.LSTM(embed_size, hidden_size, batch_first=True)
        self.target_embed = nn.Embedding(target_size, embed_size, padding_idx=PAD)
        self.decoder = nn.LSTM(embed_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, target_size)

    def encode(self, source, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(self.source_embed(source), lengths, batch_first=True,
                                                   enforce_sorted=False)
        return self.encoder(packed)[1]

    def forward(self, batch):
        source, lengths, decoder_inputs = batch
        hidden, _ = self.decoder(self.target_embed(decoder_inputs), self.encode(source, lengths))
        return self.head(hidden)  # (B, U, V)


def _loss(logits, targets):
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                                       ignore_index=PAD)


def train_model(german, english, config: WordSeq2SeqConfig = CONFIG):
    """Train on the given pairs (one torch thread is the caller's choice); returns
    ``(model, source_vocab, target_vocab, TrainResult)`` with the model in eval mode."""
    source_vocab, target_vocab = Vocabulary(german, config.vocab), Vocabulary(english, config.vocab)
    sources = [source_vocab.encode(t) for t in german]
    targets = [target_vocab.encode(t) for t in english]
    torch.manual_seed(check_seed("seed", config.seed))
    model = WordSeq2Seq(len(source_vocab), len(target_vocab), config.embed_size, config.hidden_size)

    def batch_fn(rng):
        rows = rng.integers(0, len(sources), size=config.batch_size)
        src = [sources[k] for k in rows]
        tgt = [targets[k] for k in rows]
        return ((_pad(src), torch.tensor([len(s) for s in src]), _pad([[BOS] + t for t in tgt])),
                _pad([t + [EOS] for t in tgt]))

    train_config = TrainConfig(steps=config.steps, batch_size=config.batch_size, lr=config.lr, clip_norm=1.0,
                               seed=config.seed)
    result = run_training(model, batch_fn, _loss, train_config)
    return model.eval(), source_vocab, target_vocab, result


def translate(model, source_vocab, target_vocab, german, max_length: int = 24) -> list[str]:
    """Greedy decoding (the most likely word at each step, stopping at ``<eos>``)."""
    source = [source_vocab.encode(t) or [UNK] for t in german]
    with torch.no_grad():
        state = model.encode(_pad(source), torch.tensor([len(s) for s in source]))
        token = torch.full((len(source), 1), BOS, dtype=torch.long)
        steps = []
        for _ in range(max_length):
            hidden, state = model.decoder(model.target_embed(token), state)
            token = model.head(hidden[:, 0]).argmax(-1, keepdim=True)
            steps.append(token)
    out = []
    for row in torch.cat(steps, 1).tolist():
        row = row[: row.index(EOS)] if EOS in row else row
        out.append(detokenize(target_vocab.tokens[k] for k in row))
    return out


def word_by_word(german, lexicon: dict) -> list[str]:
    """Baseline: each German token replaced by the dictionary's single-word entry for it
    (looked up in lower case); tokens without an entry (names, numbers, punctuation) are copied."""
    return [detokenize(lexicon.get(t.lower(), t) for t in tokenize(text)) for text in german]


def chrf(hypotheses, references) -> float:
    """Corpus chrF (sacrebleu's defaults: character 6-grams, beta 2), on a 0-100 scale."""
    from sacrebleu.metrics import CHRF

    if len(hypotheses) != len(references) or not references:
        raise ValueError(f"hypotheses: expected {len(references)} strings (one per reference), "
                         f"got {len(hypotheses)}")
    return float(CHRF().corpus_score(list(hypotheses), [list(references)]).score)


def chrf_by_length(hypotheses, references) -> dict:
    """Corpus chrF within each bin of :data:`LENGTH_BINS` (English reference words): ``{"3-5": score, ...}``
    (NaN for a bin with no reference)."""
    words = np.array([len(r.split()) for r in references])
    scores = {}
    for low, high in LENGTH_BINS:
        rows = np.flatnonzero((words >= low) & (words <= high))
        if rows.size == 0:  # no reference of this length
            scores[f"{low}-{high}"] = float("nan")
            continue
        scores[f"{low}-{high}"] = chrf([hypotheses[k] for k in rows], [references[k] for k in rows])
    return scores


def error_profile(hypotheses, references) -> dict:
    """Simple counts of what goes wrong, each a share of the sentences.

    ``exact`` (hypothesis equals the reference), ``unknown`` (holds ``<unk>``), ``repeat``
    (a word other than ``<unk>`` twice in a row), and ``length_ratio``
    (median hypothesis words / reference words).
    """
    if len(hypotheses) != len(references) or not references:
        raise ValueError(f"hypotheses: expected {len(references)} strings (one per reference), "
                         f"got {len(hypotheses)}")
    words = [h.split() for h in hypotheses]
    return {"exact": float(np.mean([h == r for h, r in zip(hypotheses, references)])),
            "unknown": float(np.mean(["<unk>" in h for h in hypotheses])),
            "repeat": float(np.mean([any(a == b != "<unk>" for a, b in zip(w, w[1:])) for w in words])),
            "length_ratio": float(np.median([len(w) / len(r.split()) for w, r in zip(words, references)]))}


def _pack(model) -> np.ndarray:
    tensors = model.state_dict().values()
    return np.concatenate([t.detach().numpy().ravel() for t in tensors]).astype(np.float16)


def _unpack(vector, source_size: int, target_size: int, config: WordSeq2SeqConfig) -> WordSeq2Seq:
    model = WordSeq2Seq(source_size, target_size, config.embed_size, config.hidden_size)
    state = model.state_dict()
    size = sum(t.numel() for t in state.values())
    if vector.ndim != 1 or vector.dtype != np.float16 or vector.size != size:
        raise ValueError(f"vector: expected {size} float16 values, got {vector.dtype} {vector.shape}")
    offset = 0
    for name, tensor in state.items():
        values = vector[offset: offset + tensor.numel()].astype(np.float32)
        state[name] = torch.from_numpy(values).reshape(tensor.shape)
        offset += tensor.numel()
    model.load_state_dict(state)
    return model.eval()


def _train_one(german, english, test_german, test_english, config, seed):
    torch.set_num_threads(1)
    model, source_vocab, target_vocab, result = train_model(german, english, WordSeq2SeqConfig(
        **{**asdict(config), "seed": int(seed)}))
    vector = _pack(model)  # scored as stored: float16 weights
    stored = _unpack(vector, len(source_vocab), len(target_vocab), config)
    hypotheses = translate(stored, source_vocab, target_vocab, test_german)
    run = {"seed": int(seed), "loss": [round(float(v), 4) for v in result.loss[::250]],
           "test_chrf": round(chrf(hypotheses, test_english), 4),
           "test_chrf_by_length": {k: round(v, 4)
                                   for k, v in chrf_by_length(hypotheses, test_english).items()}}
    return vector, run


def write_results(vectors, runs, split: Split, directory: Path, config: WordSeq2SeqConfig = CONFIG,
                  command: str = "python -m lstm_edu.apps.seq2seq_de_en --publish") -> Path:
    """Write ``translation_seed{k}.npy`` (float16 weights) and ``translation.json``;
    returns the JSON's path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for vector, run in zip(vectors, runs):
        path = directory / f"translation_seed{run['seed']}.npy"
        np.save(path, vector, allow_pickle=False)
        run["weights"], run["weights_sha256"] = path.name, hashlib.sha256(path.read_bytes()).hexdigest()
    payload = {"command": command, "config": {k: v for k, v in asdict(config).items() if k != "seed"},
               "data": "de_en",
               "split": {"n_test": int(len(split.test)), "n_train": int(len(split.train)), "seed": 0},
               "versions": {"python": platform.python_version(), "numpy": np.__version__,
                            "torch": torch.__version__},
               "torch_threads": 1, "runs": runs}
    target = directory / "translation.json"
    target.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    return target


def load_results(german, english, split: Split, directory: Path = RESULTS_DIR):
    """``(payload, models, source_vocab, target_vocab)``; each weights file is checked against its SHA-256."""
    directory = Path(directory)
    payload = json.loads((directory / "translation.json").read_text(encoding="utf-8"))
    config = WordSeq2SeqConfig(**payload["config"])
    train_de = [german[k] for k in split.train]
    train_en = [english[k] for k in split.train]
    source_vocab, target_vocab = Vocabulary(train_de, config.vocab), Vocabulary(train_en, config.vocab)
    models = []
    for run in payload["runs"]:
        path = directory / run["weights"]
        if hashlib.sha256(path.read_bytes()).hexdigest() != run["weights_sha256"]:
            raise ValueError(f"{path}: checksum differs from the results file; rerun {payload['command']}")
        vector = np.load(path, allow_pickle=False)
        models.append(_unpack(vector, len(source_vocab), len(target_vocab), config))
    return payload, models, source_vocab, target_vocab


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lstm_edu.apps.seq2seq_de_en",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--publish", action="store_true", help=f"write into {RESULTS_DIR} (default: --out)")
    parser.add_argument("--out", default="/tmp/lstm_edu_translation", help="folder when not publishing")
    parser.add_argument("--seeds", type=int, nargs="*", default=list(SEEDS))
    parser.add_argument("--steps", type=int, default=CONFIG.steps)
    parser.add_argument("--workers", type=int, default=2, help="processes (the results do not depend on it)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    from lstm_edu.data.de_en import load_de_en

    pairs = load_de_en()
    split = split_pairs(pairs.german, pairs.english)
    config = WordSeq2SeqConfig(**{**asdict(CONFIG), "steps": args.steps})
    jobs = ([pairs.german[k] for k in split.train], [pairs.english[k] for k in split.train],
            [pairs.german[k] for k in split.test], [pairs.english[k] for k in split.test], config)
    outcomes = run_jobs(partial(_train_one, *jobs), args.seeds, args.workers)
    for _, run in outcomes:
        print(f"seed {run['seed']}: test chrF {run['test_chrf']:.2f}", flush=True)
    command = " ".join(["python -m lstm_edu.apps.seq2seq_de_en", *(sys.argv[1:] if argv is None else argv)])
    print(write_results([v for v, _ in outcomes], [r for _, r in outcomes], split,
                        RESULTS_DIR if args.publish else Path(args.out), config, command))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
