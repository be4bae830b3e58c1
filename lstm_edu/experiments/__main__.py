"""Command line: ``python -m lstm_edu.experiments NAME [--full] [--seeds 0 1 2] [--out DIR]``.

Runs one experiment at its reduced size (what the notebook runs) or, with ``--full``, at
full size, and writes ``NAME.json`` (command, config, package versions, runs; no
timestamps) under ``book/experiments/results/``.
"""
from __future__ import annotations

import argparse
import dataclasses
import shlex
import sys
import time

from .common import RESULTS_DIR, write_results

EXPERIMENTS = ("adding", "forget_gate", "exploding", "ablation", "hyperparameters")


def _registry(name: str):
    """(config class, run function) of an experiment, imported lazily."""
    if name == "adding":
        from .adding import AddingConfig, run_adding
        return AddingConfig, run_adding
    if name == "forget_gate":
        from .forget_gate import ForgetGateConfig, run_forget_gate
        return ForgetGateConfig, run_forget_gate
    if name == "exploding":
        from .exploding import ExplodingConfig, run_exploding
        return ExplodingConfig, run_exploding
    if name == "ablation":
        from .ablation import AblationConfig, run_ablation
        return AblationConfig, run_ablation
    from .hyperparameters import HyperparameterConfig, run_hyperparameters
    return HyperparameterConfig, run_hyperparameters


def _strip_seconds(value):
    """Drop wall-clock entries (``seconds``) so results files compare across reruns."""
    if isinstance(value, dict):
        return {k: _strip_seconds(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [_strip_seconds(v) for v in value]
    return value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lstm_edu.experiments", description=__doc__.splitlines()[0])
    parser.add_argument("name", choices=EXPERIMENTS)
    parser.add_argument("--full", action="store_true", help="full size (default: the notebook's reduced size)")
    parser.add_argument("--seeds", type=int, nargs="+", help="override the config's seeds")
    parser.add_argument("--out", default=str(RESULTS_DIR), help=f"results folder (default {RESULTS_DIR})")
    parser.add_argument("--set", nargs="+", default=[], metavar="FIELD=VALUE",
                        help="override config fields, e.g. --set max_sequences=64000 lags=[10,25]")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    config_cls, run = _registry(args.name)
    config = config_cls() if args.full else config_cls.reduced()
    if args.seeds:
        config = dataclasses.replace(config, seeds=tuple(args.seeds))
    if args.set:
        config = dataclasses.replace(config, **_overrides(args.set, config))
    command = "python -m lstm_edu.experiments " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    start = time.perf_counter()
    done = []

    def progress(item):
        done.append(item)  # partial results survive an interrupted run
        write_results(args.name, command, config, _strip_seconds(done), directory=args.out, complete=False)
        if not args.quiet:
            shown = {k: v for k, v in item.items() if not isinstance(v, (list, dict))}
            print(f"[{time.perf_counter() - start:7.1f} s] {shown}", flush=True)

    runs = run(config, progress=progress)
    path = write_results(args.name, command, config, _strip_seconds(runs), directory=args.out, complete=True)
    print(f"wrote {path} ({len(runs)} runs, {time.perf_counter() - start:.0f} s)")
    return 0


def _overrides(pairs, config) -> dict:
    """Parse ``FIELD=VALUE`` pairs (VALUE as a Python literal) into config overrides."""
    import ast

    names = {f.name for f in dataclasses.fields(config)}
    out = {}
    for pair in pairs:
        field, _, text = pair.partition("=")
        if field not in names:
            raise SystemExit(f"--set: unknown field {field!r}; fields: {sorted(names)}")
        value = ast.literal_eval(text)
        out[field] = tuple(value) if isinstance(value, list) else value
    return out


if __name__ == "__main__":
    sys.exit(main())
