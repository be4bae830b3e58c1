"""Wall time for an LSTM to meet the paper's criterion on the adding problem at T = 100,
printed side by side with a vanilla RNN given the same budget of training sequences.

Usage: python benchmarks/bench_adding.py [--lag 100] [--seed 0] [--threads 1] [--max-sequences 128000]

The LSTM trains (experiment 1's code, :func:`lstm_edu.experiments.adding.train_adding`)
until each of the last 2,000 training sequences was solved (|error| < 0.04) or the budget
runs out; the RNN then trains on exactly as many sequences as the LSTM used. Both are
tested on 2,560 fresh sequences. Target (issue 4): the LSTM meets the criterion in <= 60 s
on 2 cores. Timings depend on the machine and on whatever else runs on it; this script
prints figures and never fails on them.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from lstm_edu.experiments.adding import AddingConfig, train_adding  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lag", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--max-sequences", type=int, default=AddingConfig().max_sequences)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    config = AddingConfig(lags=(args.lag,), seeds=(args.seed,), max_sequences=args.max_sequences)
    print(f"adding problem T={args.lag}, seed {args.seed}, torch {torch.__version__}, "
          f"{args.threads} thread(s), {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}")
    print(f"config: hidden {config.hidden_size}, batch {config.batch_size}, Adam lr {config.lr}, "
          f"LSTM forget bias {config.forget_bias}, clip {config.clip_norm}, "
          f"budget {config.max_sequences} sequences")

    lstm = train_adding("lstm", args.lag, args.seed, config)
    used = lstm["steps"] * config.batch_size
    rnn = train_adding("rnn", args.lag, args.seed, dataclasses.replace(config, max_sequences=used))

    header = f"{'':28}{'LSTM':>14}{'RNN (same budget)':>20}"
    print(header)
    print("-" * len(header))
    rows = [
        ("training sequences", lstm["steps"] * config.batch_size, rnn["steps"] * config.batch_size),
        ("criterion met", "yes" if lstm["solved_at"] else "no", "yes" if rnn["solved_at"] else "no"),
        ("wall time (s)", f"{lstm['seconds']:.1f}", f"{rnn['seconds']:.1f}"),
        ("ms per training step", f"{1000 * lstm['seconds'] / lstm['steps']:.1f}",
         f"{1000 * rnn['seconds'] / rnn['steps']:.1f}"),
        ("test sequences wrong", f"{lstm['test_wrong']} / {lstm['test_size']}",
         f"{rnn['test_wrong']} / {rnn['test_size']}"),
        ("test fraction solved", f"{lstm['test_solved']:.4f}", f"{rnn['test_solved']:.4f}"),
    ]
    for name, a, b in rows:
        print(f"{name:28}{a!s:>14}{b!s:>20}")
    verdict = "meets" if lstm["solved_at"] and lstm["seconds"] <= 60 else "misses"
    print(f"target: LSTM meets the criterion in <= 60 s -> {verdict} it on this machine "
          f"({lstm['seconds']:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
