"""The results of the chapter "After LSTMs: attention and the Transformer", made by a command.

``python -m lstm_edu.after_lstms --publish`` runs three parts and stores them in
``book/chapters/results/after_lstms.json`` (written atomically, as every results file):

- ``translation``: the German -> English model with additive attention
  (:mod:`lstm_edu.attention`), trained on the same data, split, vocabularies and budget as the
  stored model without attention (``python -m lstm_edu.apps.seq2seq_de_en --publish``), one
  run per seed and, for a fair comparison at the same budget, the model without attention
  again (``seq2seq_de_en.train_model``); chrF on the test set by sentence length, and the
  attention weights of one seed (``picture_seed``) on a few test sentences.
- ``adding``: an LSTM against a small Transformer (:mod:`lstm_edu.transformer_small`) on the
  adding problem at two lengths, the same budget of sequences for both, every seed.
- ``scaling``: wall and CPU time of one forward and backward pass of each model as the sequence
  grows, and the memory of the attention weights, counted as ``layers * B * heads * T^2 * 4`` bytes.

``--parts`` runs some of them; each part replaces its own entry in the file, which is marked
``complete`` once all three are there. ``--merge`` adds the translation runs of new seeds to the
stored ones instead (same number of steps required), so seeds can be added in several runs.
Torch uses one thread per process.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path

import numpy as np
import torch

from lstm_edu.apps.seq2seq_de_en import (
    CONFIG,
    WordSeq2SeqConfig,
    chrf,
    chrf_by_length,
    split_pairs,
    tokenize,
    train_model,
    translate,
)
from lstm_edu.attention import attention_config_dict, train_attention_model, translate_with_weights
from lstm_edu.experiments.common import check_seeds, round_sig, run_jobs, scratch_dir, write_results
from lstm_edu.models import SequenceModel
from lstm_edu.tasks import adding_problem, as_tensors, solved
from lstm_edu.training import TrainConfig, seed_everything, train
from lstm_edu.transformer_small import TransformerConfig, TransformerRegressor, attention_bytes
from lstm_edu.validation import check_positive_int, check_seed

__all__ = ["AfterConfig", "PARTS", "RESULTS_PATH", "train_adding_model", "time_forward_backward",
           "run_scaling", "load_after", "main"]

PARTS = ("translation", "adding", "scaling")
RESULTS_PATH = Path(__file__).resolve().parents[1] / "book" / "chapters" / "results" / "after_lstms.json"
TEST_SEED_OFFSET = 1_000_003  # the adding test set's seed is the run's seed plus this
SUCCESS_SHARE = 0.95  # a run succeeds when this share of its test sequences is within 0.04


@dataclass(frozen=True)
class AfterConfig:
    """Everything the command trains and measures (see the module docstring)."""

    translation_seeds: tuple = (0, 1)
    translation_steps: int = CONFIG.steps
    picture_sentences: int = 4
    picture_seed: int = 0
    adding_seeds: tuple = (0, 1, 2, 3, 4)
    adding_lags: tuple = (25, 100)
    adding_steps: int = 1000
    batch_size: int = 32
    lstm_hidden: int = 16
    lstm_lr: float = 1e-2
    forget_bias: float = 4.0
    transformer: TransformerConfig = field(default_factory=TransformerConfig)
    transformer_lr: float = 1e-3
    test_size: int = 1000
    scaling_lengths: tuple = (64, 128, 256, 512, 1024)
    scaling_batch: int = 8
    scaling_hidden: int = 32
    scaling_repeats: int = 5

    def __post_init__(self) -> None:
        for name in ("translation_seeds", "adding_seeds"):
            object.__setattr__(self, name, check_seeds(getattr(self, name)))
        for name in ("translation_steps", "adding_steps", "batch_size", "lstm_hidden", "test_size",
                     "scaling_batch", "scaling_hidden", "scaling_repeats", "picture_sentences"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name}: expected a positive int, got {value!r}")


# ---------------------------------------------------------------- translation with attention


def _picture_rows(test_german, count: int) -> list:
    """The first ``count`` test sentences of 5 to 9 German tokens (short enough to read as a picture)."""
    return [k for k, text in enumerate(test_german) if 5 <= len(tokenize(text)) <= 9][:count]


def _translation_job(data, config: AfterConfig, seed: int, attention: bool) -> dict:
    """Train one model, with or without attention (the latter by ``seq2seq_de_en.train_model``),
    and score it."""
    torch.set_num_threads(1)
    train_de, train_en, test_de, test_en = data
    start = time.process_time()
    settings = WordSeq2SeqConfig(**{**asdict(CONFIG), "steps": config.translation_steps, "seed": int(seed)})
    if attention:
        model, source_vocab, target_vocab, result = train_attention_model(train_de, train_en, settings)
        hypotheses, weights, words = translate_with_weights(model, source_vocab, target_vocab, test_de)
    else:
        model, source_vocab, target_vocab, result = train_model(train_de, train_en, settings)
        hypotheses = translate(model, source_vocab, target_vocab, test_de)
    run = {"seed": int(seed), "attention": bool(attention),
           "loss": [round(float(v), 4) for v in result.loss[::250]],
           "test_chrf": round(chrf(hypotheses, test_en), 4),
           "test_chrf_by_length": {k: round(v, 4) for k, v in chrf_by_length(hypotheses, test_en).items()},
           "cpu_seconds": round(time.process_time() - start, 1)}
    if attention and seed == config.picture_seed:
        run["pictures"] = [{"test_index": k, "german": tokenize(test_de[k]), "english": test_en[k],
                            "output": words[k], "weights": np.round(weights[k], 4).tolist()}
                           for k in _picture_rows(test_de, config.picture_sentences)]
    return run


# ---------------------------------------------------------------- the adding problem


def _adding_model(kind: str, config: AfterConfig, hidden: int | None = None):
    if kind == "lstm":
        return SequenceModel("lstm", 2, hidden or config.lstm_hidden, 1, forget_bias=config.forget_bias)
    if kind == "transformer":
        return TransformerRegressor(2, 1, config.transformer)
    raise ValueError(f"kind: expected 'lstm' or 'transformer', got {kind!r}")


def train_adding_model(kind: str, lag: int, seed: int, config: AfterConfig) -> dict:
    """Train one model for ``config.adding_steps`` steps and test it on ``config.test_size`` fresh
    sequences: ``{kind, lag, seed, test_solved, success, loss_curve, cpu_seconds}``."""
    if kind not in ("lstm", "transformer"):
        raise ValueError(f"kind: expected 'lstm' or 'transformer', got {kind!r}")
    if isinstance(lag, bool) or not isinstance(lag, (int, np.integer)) or lag < 6:
        raise ValueError(f"lag: expected an int >= 6 (the adding problem's T), got {lag!r}")
    if not isinstance(config, AfterConfig):
        raise TypeError(f"config: expected an AfterConfig, got {type(config).__name__}")
    start = time.process_time()
    seed_everything(check_seed("seed", seed))
    model = _adding_model(kind, config)
    lr = config.lstm_lr if kind == "lstm" else config.transformer_lr

    def batch_fn(rng):
        batch = adding_problem(lag, config.batch_size, rng)
        return as_tensors(batch.inputs, batch.targets, batch.lengths)

    result = train(model, batch_fn, torch.nn.functional.mse_loss,
                   TrainConfig(steps=config.adding_steps, batch_size=config.batch_size, lr=lr,
                               clip_norm=1.0, seed=seed))
    test = adding_problem(lag, config.test_size, np.random.default_rng(seed + TEST_SEED_OFFSET))
    inputs, lengths = as_tensors(test.inputs, test.lengths)
    model.eval()
    with torch.no_grad():
        share = float(solved(model(inputs, lengths=lengths).double().numpy(), test.targets).mean())
    curve = (np.asarray(result.loss).reshape(-1, 50).mean(1) if len(result.loss) % 50 == 0
             else np.asarray(result.loss))
    return {"kind": kind, "lag": int(lag), "seed": int(seed), "test_solved": round(share, 4),
            "success": share >= SUCCESS_SHARE, "loss_curve": [round_sig(float(v)) for v in curve],
            "cpu_seconds": round(time.process_time() - start, 1)}


# ---------------------------------------------------------------- time and memory as T grows


def time_forward_backward(model, length: int, batch: int, repeats: int) -> tuple:
    """Median ``(wall seconds, CPU seconds of this process)`` of one forward and backward pass on a
    ``(batch, length, 2)`` input. On a shared machine the CPU time is the steadier of the two."""
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    length, batch, repeats = (check_positive_int(n, v) for n, v in (("length", length), ("batch", batch),
                                                                     ("repeats", repeats)))
    inputs = torch.randn(batch, length, 2, generator=torch.Generator().manual_seed(length))  # (B, T, 2)
    wall, cpu = [], []
    for _ in range(repeats + 1):  # the first pass warms up and is not counted
        model.zero_grad()
        start, start_cpu = time.perf_counter(), time.process_time()
        model(inputs).sum().backward()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return float(np.median(wall[1:])), float(np.median(cpu[1:]))


def run_scaling(config: AfterConfig) -> list:
    """One row per length: wall time of each model and the memory the two must keep for the backward pass."""
    torch.manual_seed(0)
    lstm = SequenceModel("lstm", 2, config.scaling_hidden, 1)
    transformer = TransformerRegressor(2, 1, TransformerConfig(d_model=config.scaling_hidden,
                                                                heads=config.transformer.heads,
                                                                layers=config.transformer.layers))
    rows = []
    torch.set_num_threads(1)
    for length in config.scaling_lengths:
        lstm_wall, lstm_cpu = time_forward_backward(lstm, length, config.scaling_batch,
                                                    config.scaling_repeats)
        transformer_wall, transformer_cpu = time_forward_backward(transformer, length, config.scaling_batch,
                                                                  config.scaling_repeats)
        rows.append({
            "length": int(length),
            "lstm_seconds": round_sig(lstm_wall), "lstm_cpu_seconds": round_sig(lstm_cpu),
            "transformer_seconds": round_sig(transformer_wall),
            "transformer_cpu_seconds": round_sig(transformer_cpu),
            "attention_bytes": attention_bytes(config.scaling_batch, config.transformer.heads, length,
                                               config.transformer.layers),
            "lstm_state_bytes": int(config.scaling_batch * length * 2 * config.scaling_hidden * 4)})
    return rows


# ---------------------------------------------------------------- the command


def _run_part(config: AfterConfig, job):
    part, args = job
    if part == "translation":
        return _translation_job(args[0], config, *args[1:])
    if part == "scaling":
        return run_scaling(config)
    return train_adding_model(*args, config)


def _label(result) -> str:
    if isinstance(result, list):  # the scaling rows
        return f"{len(result)} lengths"
    return " ".join(f"{k}={result[k]}" for k in ("kind", "lag", "seed", "attention", "test_chrf",
                                                   "test_solved", "cpu_seconds") if k in result)


def load_after(path=RESULTS_PATH, require_complete: bool = True) -> dict:
    """The stored results; refuses an incomplete file unless ``require_complete`` is False."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"path: no results at {path}; "
                                "create them with python -m lstm_edu.after_lstms --publish")
    payload = json.loads(path.read_text(encoding="utf-8"))
    if require_complete and payload.get("complete") is not True:
        raise ValueError(f"path: {path} is incomplete (parts {sorted(payload.get('parts', {}))}); "
                         "run python -m lstm_edu.after_lstms --publish")
    return payload


def _merge_translation(stored, new: dict, config: AfterConfig) -> dict:
    """``new`` plus the ``stored`` runs of seeds it did not rerun; refuses runs of another length."""
    new["steps"] = config.translation_steps
    if stored is None:
        return new
    if stored.get("steps") != config.translation_steps:
        raise ValueError(f"--merge: the stored translation runs trained {stored.get('steps')} steps, "
                         f"these {config.translation_steps}; rerun every seed instead")
    seeds = {r["seed"] for r in new["runs"]}
    runs = [r for r in stored["runs"] if r["seed"] not in seeds] + new["runs"]
    return {"command": f"{stored['command']} && {new['command']}", "steps": config.translation_steps,
            "runs": sorted(runs, key=lambda r: (r["seed"], not r["attention"]))}


def _translation_data():
    from lstm_edu.data.de_en import load_de_en

    pairs = load_de_en()
    split = split_pairs(pairs.german, pairs.english)
    pick = lambda side, rows: [side[k] for k in rows]  # noqa: E731
    return (pick(pairs.german, split.train), pick(pairs.english, split.train),
            pick(pairs.german, split.test), pick(pairs.english, split.test))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lstm_edu.after_lstms",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--publish", action="store_true", help=f"write {RESULTS_PATH} (default: --out)")
    parser.add_argument("--out", default=str(scratch_dir()), help="folder when not publishing")
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument("--translation-seeds", type=int, nargs="+",
                        default=list(AfterConfig.translation_seeds))
    parser.add_argument("--translation-steps", type=int, default=AfterConfig.translation_steps,
                        help="steps for both translation models "
                             "(the stored model without attention had 3000)")
    parser.add_argument("--merge", action="store_true",
                        help="keep the stored translation runs of other seeds (same steps) and add these")
    parser.add_argument("--workers", type=int, default=2,
                        help="processes (the trained results do not depend on it)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    config = AfterConfig(translation_seeds=tuple(args.translation_seeds),
                         translation_steps=args.translation_steps)
    jobs = []
    if "translation" in args.parts:
        data = _translation_data()
        jobs += [("translation", (data, seed, attention)) for seed in config.translation_seeds
                 for attention in (True, False)]
    if "scaling" in args.parts:
        jobs.append(("scaling", ()))
    if "adding" in args.parts:
        jobs += [("adding", (kind, lag, seed)) for lag in config.adding_lags
                 for kind in ("lstm", "transformer")
                 for seed in config.adding_seeds]
    outcomes = run_jobs(partial(_run_part, config), jobs, args.workers,
                        progress=lambda i, r: print(f"done {jobs[i][0]} {_label(r)}", flush=True))
    directory = RESULTS_PATH.parent if args.publish else Path(args.out)
    path = directory / "after_lstms.json"
    stored = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    parts = stored.get("parts", {})
    if "translation" in parts:  # files written before the part recorded its own steps
        parts["translation"].setdefault("steps", stored.get("translation_config", {}).get("steps"))
    command = " ".join(["python -m lstm_edu.after_lstms", *(sys.argv[1:] if argv is None else argv)])
    for part in args.parts:
        runs = [r for (name, _), r in zip(jobs, outcomes) if name == part]
        runs = runs[0] if part == "scaling" else runs
        previous = parts.get(part) if args.merge else None
        parts[part] = {"command": command, "runs": runs}
        if part == "translation":
            parts[part] = _merge_translation(previous, parts[part], config)
            config = replace(config,
                             translation_seeds=tuple(sorted({r["seed"] for r in parts[part]["runs"]})))
    print(write_results("after_lstms", command, config, [], directory, parts=parts, torch_threads=1,
                        translation_config=(attention_config_dict(CONFIG)
                                            | {"steps": config.translation_steps}),
                        success_share=SUCCESS_SHARE, complete=all(p in parts for p in PARTS)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
