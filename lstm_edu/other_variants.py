"""Two small comparisons for Olah's other variants (page ``book/chapters/05b_other_variants``).

1. **Generating a long periodic signal** (the shape of Koutník et al.'s generation task): a
   network whose input is a constant 1 must output a fixed sum of sines, 320 steps long, from
   its own dynamics. A Clockwork RNN (:mod:`lstm_edu.clockwork`) against a vanilla RNN and an
   LSTM with about as many weights; the LSTM also with four times the training steps. Metric:
   the normalised mean squared error (MSE over the target's variance; 1 = no better than
   the mean).
2. **The adding problem through a 2-layer stack**: a depth-gated LSTM
   (:mod:`lstm_edu.depth_gated`) against the plain stacked LSTM (the same code with the gate
   off). Metrics: test MSE, and whether a seed learned the task (at least half of the test
   sequences within the adding problem's tolerance).

Every run is seeded (torch, data), one thread. ``python -m lstm_edu.other_variants --publish``
runs the full configuration and stores ``book/chapters/results/other_variants.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .clockwork import ClockworkConfig, ClockworkRNN
from .depth_gated import DepthGatedConfig, DepthGatedLSTM
from .experiments.common import new_figure, run_jobs, write_results
from .plots import Plot
from .stats import compare_intervals, median_interval, median_spread, wilson_interval
from .tasks import adding_problem, solved
from .validation import check_choices, check_int, check_number, check_seeds

__all__ = [
    "CLOCK_MODELS",
    "DEPTH_MODELS",
    "RESULTS_PATH",
    "OtherVariantsConfig",
    "periodic_signal",
    "train_generator",
    "train_depth",
    "run_all",
    "summarise",
    "compare",
    "learned_rate",
    "load_stored",
    "plot_seeds",
    "plot_generated",
    "main",
]

#: Models of the generation task: Clockwork RNN, vanilla RNN, LSTM, LSTM with more steps.
CLOCK_MODELS = ("cwrnn", "rnn", "lstm", "lstm_long")
#: Models of the adding problem: the depth-gated and the plain stacked 2-layer LSTM.
DEPTH_MODELS = ("depth_gated", "stacked")
#: Where ``--publish`` stores the results (relative to the repository root).
RESULTS_PATH = Path("book") / "chapters" / "results" / "other_variants.json"
#: A seed "learned" the adding problem when at least this fraction of test sequences is solved.
LEARNED_FRACTION = 0.5


def _check_ints(name: str, values, minimum: int = 1) -> tuple:
    return check_choices(name, values, (), check=lambda n, v: check_int(n, v, minimum))


@dataclass(frozen=True)
class OtherVariantsConfig:
    """Everything both comparisons depend on; every field is checked.

    The defaults are the published run; :meth:`reduced` is the page's live run.
    """

    seeds: tuple = (0, 1, 2, 3, 4, 5, 6, 7)
    signal_length: int = 320
    signal_periods: tuple = (12, 45, 160)
    clock_models: tuple = CLOCK_MODELS
    module_size: int = 4
    modules: int = 8
    rnn_hidden: int = 24
    lstm_hidden: int = 12
    clock_steps: int = 1000
    long_steps: int = 4000
    clock_lr: float = 0.01
    depth_models: tuple = DEPTH_MODELS
    lag: int = 20
    depth_hidden: int = 16
    depth_steps: int = 800
    batch_size: int = 32
    test_size: int = 500
    depth_lr: float = 0.01
    clip_norm: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "seeds", check_seeds(self.seeds))
        object.__setattr__(self, "signal_periods", _check_ints("signal_periods", self.signal_periods, 2))
        for name, choices in (("clock_models", CLOCK_MODELS), ("depth_models", DEPTH_MODELS)):
            object.__setattr__(self, name, check_choices(name, getattr(self, name), choices))
        for name in ("signal_length", "module_size", "modules", "rnn_hidden", "lstm_hidden", "clock_steps",
                     "long_steps", "depth_hidden", "depth_steps", "batch_size", "test_size"):
            check_int(name, getattr(self, name))
        check_int("lag", self.lag, minimum=6)
        for name in ("clock_lr", "depth_lr", "clip_norm"):
            check_number(name, getattr(self, name), low=0.0, high=10.0, open_low=True)

    @classmethod
    def reduced(cls) -> "OtherVariantsConfig":
        """One seed, short training, no long LSTM run, a shorter lag: what a page reruns live."""
        return cls(seeds=(0,), clock_models=("cwrnn", "rnn", "lstm"), clock_steps=300, lag=12,
                   depth_steps=300)


def _check_config(config) -> OtherVariantsConfig:
    if not isinstance(config, OtherVariantsConfig):
        raise TypeError(f"config: expected an OtherVariantsConfig, got {type(config).__name__}")
    return config


def periodic_signal(length: int, periods) -> np.ndarray:
    """``(length,)`` sum of sines, one per period (phases 0.3, 1.3, 2.3, ...), scaled to peak 0.8."""
    length = check_int("length", length)
    periods = _check_ints("periods", periods, 2)
    t = np.arange(length)                                                 # (T,)
    signal = sum(np.sin(2 * np.pi * t / p + 0.3 + k) for k, p in enumerate(periods))
    return 0.8 * signal / np.abs(signal).max()


class _Readout(nn.Module):
    """A recurrent core followed by a linear readout at every step."""

    def __init__(self, core: nn.Module, hidden: int, output: int = 1) -> None:
        super().__init__()
        self.core, self.linear = core, nn.Linear(hidden, output)

    def forward(self, x):
        return self.linear(self.core(x)[0])                               # (B, T, output)


def _generator(model: str, config: OtherVariantsConfig) -> tuple[_Readout, int]:
    """The model and the number of weights it uses."""
    if model == "cwrnn":
        core = ClockworkRNN(ClockworkConfig.exponential(1, config.module_size, config.modules))
        hidden = core.config.hidden_size
        net = _Readout(core, hidden)
        return net, core.used_parameters() + hidden + 1
    if model == "rnn":
        net = _Readout(nn.RNN(1, config.rnn_hidden, batch_first=True), config.rnn_hidden)
    else:
        net = _Readout(nn.LSTM(1, config.lstm_hidden, batch_first=True), config.lstm_hidden)
    return net, sum(p.numel() for p in net.parameters())


def _fit(net: nn.Module, steps: int, lr: float, clip: float, loss_of_step) -> None:
    optimiser = torch.optim.Adam(net.parameters(), lr=lr)
    for step in range(steps):
        optimiser.zero_grad()
        loss = loss_of_step(step)
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), clip)
        optimiser.step()


def train_generator(model: str, config: OtherVariantsConfig, seed: int) -> dict:
    """Train one model of the generation task; returns its seed's results (JSON-ready)."""
    config = _check_config(config)
    if model not in CLOCK_MODELS:
        raise ValueError(f"model: expected one of {CLOCK_MODELS}, got {model!r}")
    seed = check_int("seed", seed, minimum=0)
    torch.manual_seed(seed)
    net, weights = _generator(model, config)
    target_np = periodic_signal(config.signal_length, config.signal_periods)
    target = torch.tensor(target_np, dtype=torch.float32).view(1, -1, 1)  # (1, T, 1)
    x = torch.ones_like(target)                                           # (1, T, 1): no information
    steps = config.long_steps if model == "lstm_long" else config.clock_steps
    _fit(net, steps, config.clock_lr, config.clip_norm, lambda step: ((net(x) - target) ** 2).mean())
    with torch.no_grad():
        output = net(x).view(-1).double().numpy()                         # (T,)
    nmse = float(np.mean((output - target_np) ** 2) / np.var(target_np))
    return {"task": "clock", "model": model, "seed": seed, "steps": steps, "parameters": int(weights),
            "nmse": nmse, "output": [round(float(v), 4) for v in output]}


def _adding_tensors(lag: int, size: int, rng: np.random.Generator):
    batch = adding_problem(lag, size, rng)
    return (torch.tensor(batch.inputs, dtype=torch.float32), torch.tensor(batch.targets, dtype=torch.float32),
            torch.tensor(batch.lengths - 1))                              # (B, L, 2), (B, 1), (B,)


def train_depth(model: str, config: OtherVariantsConfig, seed: int) -> dict:
    """Train one model on the adding problem; returns its seed's results (JSON-ready)."""
    config = _check_config(config)
    if model not in DEPTH_MODELS:
        raise ValueError(f"model: expected one of {DEPTH_MODELS}, got {model!r}")
    seed = check_int("seed", seed, minimum=0)
    torch.manual_seed(seed)
    H = config.depth_hidden
    net = _Readout(DepthGatedLSTM(DepthGatedConfig(2, H, depth_gate=model == "depth_gated")), H)
    rng = np.random.default_rng(seed)

    def loss_of_step(step):
        x, y, last = _adding_tensors(config.lag, config.batch_size, rng)
        prediction = net(x)[torch.arange(len(last)), last]                # (B, 1) at each sequence's end
        return ((prediction - y) ** 2).mean()

    _fit(net, config.depth_steps, config.depth_lr, config.clip_norm, loss_of_step)
    x, y, last = _adding_tensors(config.lag, config.test_size, np.random.default_rng(10_000))
    with torch.no_grad():
        prediction = net(x)[torch.arange(len(last)), last].numpy()
    fraction = float(solved(prediction, y.numpy()).mean())
    return {"task": "depth", "model": model, "seed": seed, "steps": config.depth_steps,
            "parameters": int(sum(p.numel() for p in net.parameters())),
            "test_mse": float(np.mean((prediction - y.numpy()) ** 2)), "solved_fraction": fraction,
            "learned": fraction >= LEARNED_FRACTION}


def _run_job(job) -> dict:
    task, model, config, seed = job
    torch.set_num_threads(1)
    return (train_generator if task == "clock" else train_depth)(model, config, seed)


def run_all(config: OtherVariantsConfig, workers: int = 1, progress=None) -> list:
    """Every (model, seed) of both comparisons; results in a fixed order whatever ``workers``."""
    config = _check_config(config)
    jobs = [("clock", m, config, s) for m in config.clock_models for s in config.seeds]
    jobs += [("depth", m, config, s) for m in config.depth_models for s in config.seeds]
    return run_jobs(_run_job, jobs, workers=workers, progress=progress)


def _metric(task: str) -> str:
    return "nmse" if task == "clock" else "test_mse"


def _check_runs(runs) -> list:
    if not isinstance(runs, list) or not all(isinstance(r, dict) for r in runs):
        raise TypeError(f"runs: expected a list of run dicts (run_all, or load_stored()['runs']), "
                        f"got {type(runs).__name__}")
    return runs


def _select(runs, task: str, model: str) -> list:
    runs = _check_runs(runs)
    chosen = [r for r in runs if r["task"] == task and r["model"] == model]
    if not chosen:
        raise ValueError(f"model: no runs of {model!r} for task {task!r}")
    return chosen


def summarise(runs: list, task: str) -> list:
    """One row per model: weights, steps, median [IQR] of the metric, its bootstrap interval."""
    if task not in ("clock", "depth"):
        raise ValueError(f"task: expected 'clock' or 'depth', got {task!r}")
    models = list(dict.fromkeys(r["model"] for r in _check_runs(runs) if r["task"] == task))
    if not models:
        raise ValueError(f"runs: no runs of task {task!r}")
    rows = []
    for model in models:
        chosen = _select(runs, task, model)
        values = [r[_metric(task)] for r in chosen]
        rows.append({"model": model, "seeds": len(chosen), "parameters": chosen[0]["parameters"],
                     "steps": chosen[0]["steps"], _metric(task): str(median_spread(values)),
                     "interval": median_interval(values)})
    return rows


def compare(runs: list, task: str, first: str, second: str) -> str:
    """"higher", "lower" or "no difference at this sample size": bootstrap intervals of the medians."""
    values = [[r[_metric(task)] for r in _select(runs, task, m)] for m in (first, second)]
    return compare_intervals(median_interval(values[0]), median_interval(values[1]))


def learned_rate(runs: list, model: str):
    """Seeds of ``model`` that learned the adding problem, with their 95 % Wilson interval."""
    chosen = _select(runs, "depth", model)
    return wilson_interval(sum(bool(r["learned"]) for r in chosen), len(chosen))


def load_stored(path=RESULTS_PATH) -> dict:
    """Read the published results; refuse a missing file or an unfinished run, naming the command."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path: expected a str or Path, got {type(path).__name__}")
    path = Path(path)
    command = "`python -m lstm_edu.other_variants --publish` from the repository root"
    if not path.is_file():
        raise FileNotFoundError(f"path: no results file at {path}; create it with {command}")
    results = json.loads(path.read_text())
    if results.get("complete") is not True:
        raise ValueError(f"path: {path} holds the results of an unfinished run; rerun {command}")
    return results


#: Labels of the models in tables and figures.
LABELS = {"cwrnn": "Clockwork RNN", "rnn": "RNN", "lstm": "LSTM", "lstm_long": "LSTM, 4x steps",
          "depth_gated": "depth-gated", "stacked": "stacked"}


def plot_seeds(runs: list, task: str) -> Plot:
    """The metric of every seed (dots) and each model's median (bar), log scale."""
    rows = summarise(runs, task)
    figure, ax = new_figure(figsize=(6.0, 2.8))
    lines = {}
    for k, row in enumerate(rows):
        values = [r[_metric(task)] for r in _select(runs, task, row["model"])]
        offsets = np.linspace(-0.12, 0.12, len(values))
        lines[row["model"]], = ax.plot(k + offsets, values, "o", color="#1f77b4", alpha=0.7, zorder=2)
        ax.hlines(np.median(values), k - 0.25, k + 0.25, color="#ff7f0e", linewidth=2.5, zorder=3)
    ax.set_xticks(range(len(rows)), [LABELS[row["model"]] for row in rows])
    ax.set_yscale("log")
    ax.set_ylabel("normalised MSE" if task == "clock" else "test MSE")
    return Plot(figure, (ax,), lines, name=f"{task} seeds")


def plot_generated(runs: list, signal, seed: int) -> Plot:
    """The target signal and what each model of the generation task produced for ``seed``."""
    chosen = [r for r in _check_runs(runs) if r["task"] == "clock" and r["seed"] == seed]
    if not chosen:
        raise ValueError(f"seed: no generation runs with seed {seed}")
    figure, ax = new_figure(figsize=(7.0, 3.0))
    lines = {"target": ax.plot(signal, color="black", linewidth=2.5, alpha=0.35, label="target")[0]}
    for run in chosen:
        lines[run["model"]], = ax.plot(run["output"], linewidth=1.0, label=LABELS[run["model"]])
    ax.set_xlabel("time step")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    return Plot(figure, (ax,), lines, name="generated signals")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lstm_edu.other_variants",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--publish", action="store_true", help=f"write {RESULTS_PATH} (default: --out)")
    parser.add_argument("--out", default="/tmp/lstm_edu_other_variants", help="folder when not publishing")
    parser.add_argument("--seeds", type=int, nargs="*", default=None)
    parser.add_argument("--workers", type=int, default=2, help="processes (the results do not depend on it)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    config = OtherVariantsConfig()
    if args.seeds:
        config = replace(config, seeds=tuple(args.seeds))
    def report(index, run):
        score = run.get("nmse", run.get("test_mse"))
        print(f"{run['task']:5s} {run['model']:11s} seed {run['seed']}: {score:.3g}", flush=True)

    runs = run_all(config, args.workers, progress=report)
    directory = RESULTS_PATH.parent if args.publish else Path(args.out)
    command = " ".join(["python -m lstm_edu.other_variants", *(sys.argv[1:] if argv is None else argv)])
    print(write_results("other_variants", command, config, runs, directory, complete=True,
                        seeds=list(config.seeds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
