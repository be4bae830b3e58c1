"""The measured effects of the "LSTMs in practice" chapter, over seeds.

On one task, the adding problem at lag 20 with a fixed training set (end-padded sequences of
20 to 22 pairs, packed): stacked layers 1, 2 and 3, dropout 0 and 0.25 between layers, and a
learning-rate sweep (one layer) wide enough to pass its optimum. Beside them, with the same
seeds: unidirectional against bidirectional on the largest-element task, sequence-to-one
against sequence-to-seq on parity, stateless against stateful training of an echo stream.

Too long for a page (about ten CPU minutes), so it runs once from the command line::

    nice python -m lstm_edu.practice_runs --publish

which writes ``book/chapters/results/practice.json`` (command, configuration, seeds, package
versions, ``complete``, every run; no timings, so the same command on the same machine writes
the same bytes). Without ``--publish`` it writes to ``--out``. Finished runs are kept in
``practice.partial.json`` (``complete: false``) while it runs; the final file is replaced
atomically at the end. The page loads it with :func:`load_practice` and reruns one seed.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import torch

from .experiments.common import check_seeds, load_results, round_sig, run_jobs, write_results
from .practice_demos import StreamConfig, stream_errors, train_stream
from .practice_models import PracticeConfig, StackedLSTM
from .practice_tasks import ToyConfig, score_largest, score_parity, train_toy
from .tasks import adding_problem, as_tensors, solved
from .training import TrainConfig, seed_everything, train

__all__ = ["RESULTS_DIR", "RunConfig", "DEPTHS", "jobs", "run_job", "train_adding", "with_lr_runs",
           "load_practice", "main"]

#: The committed results, relative to the repository root.
RESULTS_DIR = Path("book") / "chapters" / "results"
#: (layers, dropout between layers) of the depth comparison.
DEPTHS = ((1, 0.0), (2, 0.0), (2, 0.25), (3, 0.0), (3, 0.25))


@dataclass(frozen=True)
class RunConfig:
    """The measured runs.

    Attributes
    ----------
    seeds : tuple of int
    lag, train_size, test_size, steps, batch_size, hidden_size : int
        The adding problem and its training (Adam, clipping at 1).
    lr : float
        Learning rate of the depth comparison.
    lrs : tuple of float
        The learning-rate sweep (one layer, no dropout).
    forget_bias : float
    solved_fraction : float
        A seed succeeds when at least this fraction of test sequences is solved (|error| < 0.04).
    """

    seeds: tuple = (0, 1, 2, 3, 4)
    lag: int = 20
    train_size: int = 500
    test_size: int = 1000
    steps: int = 400
    batch_size: int = 32
    hidden_size: int = 16
    lr: float = 1e-2
    lrs: tuple = (1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1)
    forget_bias: float = 1.0
    solved_fraction: float = 0.9

    def __post_init__(self) -> None:
        object.__setattr__(self, "seeds", check_seeds(self.seeds))
        TrainConfig(steps=self.steps, batch_size=self.batch_size, lr=self.lr)  # checks them
        for value in self.lrs:
            TrainConfig(lr=value)
        object.__setattr__(self, "lrs", tuple(float(v) for v in self.lrs))
        PracticeConfig(input_size=2, hidden_size=self.hidden_size, forget_bias=self.forget_bias)
        adding_problem(self.lag, 1, np.random.default_rng(0))  # checks the lag
        for name in ("train_size", "test_size"):
            TrainConfig(batch_size=getattr(self, name))
        if not 0.0 < self.solved_fraction <= 1.0:
            raise ValueError(f"solved_fraction: expected a number in (0, 1], got {self.solved_fraction!r}")


def _evaluate(model: StackedLSTM, inputs, targets, lengths) -> tuple[float, float]:
    """(MSE, fraction solved), in eval mode (no dropout)."""
    model.eval()
    with torch.no_grad():
        predictions = model(inputs, lengths=lengths).double().numpy()  # (B, 1)
    model.train()
    targets = targets.double().numpy()
    return float(np.mean((predictions - targets) ** 2)), float(solved(predictions, targets).mean())


def train_adding(config: RunConfig, seed: int, layers: int = 1, dropout: float = 0.0,
                 lr: float | None = None) -> dict:
    """Train one stacked LSTM on the adding problem's fixed training set; score it on fresh
    sequences. Returns ``layers``, ``dropout``, ``lr``, ``seed``, ``train_mse``, ``test_mse``,
    ``test_solved``, ``success`` and ``diverged_at``."""
    lr = config.lr if lr is None else lr
    rng = np.random.default_rng(seed)
    train_set = adding_problem(config.lag, config.train_size, rng)
    test_set = adding_problem(config.lag, config.test_size, np.random.default_rng(seed + 1_000_003))
    train_tensors = as_tensors(train_set.inputs, train_set.targets, train_set.lengths)
    test_tensors = as_tensors(test_set.inputs, test_set.targets, test_set.lengths)

    def batch_fn(batch_rng):
        index = torch.as_tensor(batch_rng.integers(0, config.train_size, config.batch_size))
        return tuple(t[index] for t in train_tensors)  # inputs (B, T, 2), targets (B, 1), lengths (B,)

    seed_everything(seed)
    model = StackedLSTM(PracticeConfig(input_size=2, hidden_size=config.hidden_size, num_layers=layers,
                                       dropout=dropout, forget_bias=config.forget_bias))
    result = train(model, batch_fn, torch.nn.MSELoss(),
                   TrainConfig(steps=config.steps, batch_size=config.batch_size, lr=lr, clip_norm=1.0,
                               seed=seed))
    train_mse, _ = _evaluate(model, *train_tensors)
    test_mse, test_solved = _evaluate(model, *test_tensors)
    return {"layers": layers, "dropout": dropout, "lr": lr, "seed": seed, "train_mse": round_sig(train_mse),
            "test_mse": round_sig(test_mse), "test_solved": round_sig(test_solved),
            "success": bool(test_solved >= config.solved_fraction), "diverged_at": result.diverged_at}


def jobs(config: RunConfig) -> list[tuple]:
    """Every ``(group, setting, seed)``; the base learning rate's runs are the depth comparison's
    one-layer runs, listed once."""
    out = [("depth", (layers, dropout), seed) for layers, dropout in DEPTHS for seed in config.seeds]
    out += [("lr", (lr,), seed) for lr in config.lrs if lr != config.lr for seed in config.seeds]
    for group, settings in (("largest", (False, True)), ("parity", (False, True)), ("stream", (False, True))):
        out += [(group, (flag,), seed) for flag in settings for seed in config.seeds]
    return out


def run_job(config: RunConfig, job: tuple) -> dict:
    """One run: ``job`` is ``(group, setting, seed)`` from :func:`jobs`."""
    group, setting, seed = job
    if group == "depth":
        return {"group": group, **train_adding(config, seed, *setting)}
    if group == "lr":
        return {"group": group, **train_adding(config, seed, lr=setting[0])}
    flag = setting[0]
    if group == "largest":
        toy = ToyConfig(task="largest", bidirectional=flag, seed=seed)
        scores = score_largest(train_toy(toy), toy)
        scores = {k: round_sig(v) for k, v in scores.items()}
        return {"group": group, "bidirectional": flag, "seed": seed, **scores}
    if group == "parity":
        toy = ToyConfig(task="parity", length=12, every_step=flag, steps=300, seed=seed)
        accuracy = round_sig(score_parity(train_toy(toy), toy))
        return {"group": group, "every_step": flag, "seed": seed, "accuracy": accuracy}
    stream = StreamConfig(stateful=flag, seed=seed)
    errors = stream_errors(train_stream(stream), stream)  # (chunk,)
    return {"group": group, "stateful": flag, "seed": seed,
            "first_mse": round_sig(float(errors[:stream.delay].mean())),  # echo crosses a boundary
            "rest_mse": round_sig(float(errors[stream.delay:].mean()))}


def with_lr_runs(runs: list[dict], config: RunConfig) -> list[dict]:
    """The learning-rate sweep's runs, the base rate's taken from the one-layer depth runs."""
    base = [{**r, "group": "lr"} for r in runs if r["group"] == "depth" and r["layers"] == 1]
    return sorted(base + [r for r in runs if r["group"] == "lr"], key=lambda r: (r["lr"], r["seed"]))


def load_practice(directory: Path | str = RESULTS_DIR) -> dict:
    """The stored results (refusing an unfinished run), with ``runs`` as stored."""
    return load_results(Path(directory) / "practice.json")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lstm_edu.practice_runs",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--publish", action="store_true", help=f"write into {RESULTS_DIR} (default: --out)")
    parser.add_argument("--out", default="/tmp/lstm_edu_practice", help="folder when not publishing")
    parser.add_argument("--workers", type=int, default=1, help="processes (the results do not depend on it)")
    parser.add_argument("--seeds", type=int, nargs="*", default=None, help="default 0 1 2 3 4")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    config = RunConfig() if args.seeds is None else RunConfig(seeds=tuple(args.seeds))
    directory = RESULTS_DIR if args.publish else Path(args.out)
    command = " ".join(["python -m lstm_edu.practice_runs", *(sys.argv[1:] if argv is None else argv)])
    todo, done, start = jobs(config), {}, time.perf_counter()

    def progress(index, run):
        done[index] = run
        print(f"[{len(done)}/{len(todo)} {time.perf_counter() - start:.0f} s] {run}", flush=True)
        write_results("practice", command, config, [done[k] for k in sorted(done)], directory=directory,
                      complete=False, stem="practice.partial")

    runs = run_jobs(partial(run_job, config), todo, args.workers, progress)
    path = write_results("practice", command, config, runs, directory=directory, complete=True)
    (directory / "practice.partial.json").unlink(missing_ok=True)
    print(f"{path} ({len(runs)} runs, {time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
