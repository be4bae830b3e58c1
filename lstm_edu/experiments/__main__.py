"""Command line: ``python -m lstm_edu.experiments NAME [NAME ...] [--full] [--workers N]
[--publish | --out DIR]``.

Runs experiments at their reduced size (what the notebooks run) or, with ``--full``, at
full size (10 seeds), spreading the runs over ``--workers`` processes, and writes
``NAME.json`` (command, config, package versions, ``complete``, runs; no timestamps).

Nothing committed is touched unless asked: results go to a scratch folder
(``~/.cache/lstm_edu/experiments``) unless ``--publish`` (the book's
``book/experiments/results``, from the repository root) or ``--out DIR`` names another.
While a run is going, finished runs are kept in ``NAME.partial.json`` (``complete:
false``); ``NAME.json`` is replaced, atomically, only when every run has finished, so an
interrupted run (Ctrl-C) leaves the previous results intact.
"""
from __future__ import annotations

import argparse
import ast
import dataclasses
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path

from .common import scratch_dir, write_results

#: The book's committed results, relative to the repository root (``--publish`` writes
#: there). The command line resolves the folder; lstm_edu.experiments.common takes it as
#: an argument and knows nothing of the repository.
PUBLISHED_DIR = Path("book") / "experiments" / "results"

EXPERIMENTS = ("adding", "forget_gate", "exploding", "ablation", "hyperparameters")


class UsageError(Exception):
    """Misuse of the command line: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage block, status 2
        raise UsageError(message)


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


def _parser() -> argparse.ArgumentParser:
    summary = " ".join(__doc__.split("\n\n")[0].split())  # the docstring's first paragraph
    parser = _Parser(prog="python -m lstm_edu.experiments", description=summary)
    parser.add_argument("names", nargs="+", metavar="NAME",
                        help=f"one or more of {', '.join(EXPERIMENTS)}, or all")
    parser.add_argument("--full", action="store_true",
                        help="full size, 10 seeds (default: the notebook's reduced size)")
    parser.add_argument("--seeds", type=int, nargs="+", help="override the config's seeds")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="processes over seeds and settings (default: all cores)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--publish", action="store_true", help=f"write to the book's {PUBLISHED_DIR}")
    where.add_argument("--out", help=f"results folder (default: {scratch_dir()})")
    parser.add_argument("--set", nargs="+", default=[], metavar="FIELD=VALUE",
                        help="override config fields, e.g. --set max_sequences=64000 lags=[10,25]")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    return parser


def _output_dir(args) -> Path:
    """The results folder, checked writable before anything runs."""
    if args.publish:
        directory = PUBLISHED_DIR
        if not directory.is_dir():
            raise UsageError(f"--publish: no {PUBLISHED_DIR} under {Path.cwd()}; "
                             "run from the repository root")
    else:
        directory = Path(args.out) if args.out else scratch_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as error:
        raise UsageError(f"--out: cannot write to {directory} ({error.strerror or error})") from None
    return directory


def _overrides(pairs, config) -> dict:
    """Parse ``FIELD=VALUE`` pairs (VALUE as a Python literal) into config overrides."""
    names = {f.name for f in dataclasses.fields(config)}
    out = {}
    for pair in pairs:
        field, sign, text = pair.partition("=")
        if not sign:
            raise UsageError(f"--set: expected FIELD=VALUE, got {pair!r}")
        if field not in names:
            raise UsageError(f"--set: unknown field {field!r}; fields: {sorted(names)}")
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            raise UsageError(f"--set: {field}: expected a Python literal, got {text!r}") from None
        out[field] = tuple(value) if isinstance(value, list) else value
    return out


def _configs(args) -> list:
    """Every requested experiment's (name, config, run), all validated before any runs."""
    names = list(EXPERIMENTS) if args.names == ["all"] else args.names
    unknown = [n for n in names if n not in EXPERIMENTS]
    if unknown:
        raise UsageError(f"NAME: expected one of {', '.join(EXPERIMENTS)} or all, got {', '.join(unknown)}")
    if args.workers < 1:
        raise UsageError(f"--workers: expected an int >= 1, got {args.workers}")
    planned = []
    for name in dict.fromkeys(names):
        config_cls, run = _registry(name)
        try:
            config = config_cls() if args.full else config_cls.reduced()
            if args.seeds:
                config = dataclasses.replace(config, seeds=tuple(args.seeds))
            if args.set:
                config = dataclasses.replace(config, **_overrides(args.set, config))
        except (TypeError, ValueError) as error:
            raise UsageError(f"{name}: {error}") from None
        planned.append((name, config, run))
    return planned


def _run_one(name, config, run, command, directory, workers, quiet) -> Path:
    start = time.perf_counter()
    done = {}

    def progress(index, item):
        done[index] = item
        write_results(name, command, config, _strip_seconds([done[k] for k in sorted(done)]),
                      directory=directory, complete=False, stem=f"{name}.partial")
        if not quiet:
            shown = {k: v for k, v in item.items() if not isinstance(v, (list, dict)) and k != "seconds"}
            print(f"[{name} {time.perf_counter() - start:7.1f} s] {shown}", flush=True)

    runs = run(config, progress=progress, workers=workers)
    path = write_results(name, command, config, _strip_seconds(runs), directory=directory, complete=True)
    (directory / f"{name}.partial.json").unlink(missing_ok=True)
    print(f"wrote {path} ({len(runs)} runs, {time.perf_counter() - start:.0f} s)", flush=True)
    return path


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    prog = "python -m lstm_edu.experiments"
    try:
        args = _parser().parse_args(argv)
        planned = _configs(args)
        directory = _output_dir(args)
    except UsageError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 2
    import torch

    torch.set_num_threads(1)
    command = f"{prog} " + " ".join(shlex.quote(a) for a in argv)
    start = time.perf_counter()
    name = None
    try:
        for name, config, run in planned:
            _run_one(name, config, run, command, directory, args.workers, args.quiet)
    except KeyboardInterrupt:
        print(f"\n{prog}: interrupted during {name}: {directory / f'{name}.json'} is unchanged; "
              f"finished runs are in {directory / f'{name}.partial.json'} (complete: false)", file=sys.stderr)
        return 130
    print(f"total {time.perf_counter() - start:.0f} s with {args.workers} worker(s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
