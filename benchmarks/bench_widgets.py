"""Latency of every widget's Python update path: ``update(**values)`` + ``png()``.

Finds every :class:`~lstm_edu.widgets.explorer.Renderer` subclass in the modules of
``lstm_edu.widgets`` and ``lstm_edu.apps``, builds it with no arguments (or with its
``benchmark_instance()`` classmethod, when it defines one), and for each control sweeps
``--values`` values evenly across the control's full range, one control at a time, the
others at their defaults. Each change is timed from the call to ``update`` until the PNG
bytes exist: the compute with lstm_edu, the redraw and the encoding, which is what a live
slider waits for (the browser's work comes on top). Renderers that keep frames (or results)
per value have them cleared (``clear_cache()``) before every change: the figures are for a
value never shown before. Both the wall-clock time (the target)
and this process's CPU time are reported: on a machine shared with other work, the first
includes waiting for a CPU and the second does not.

The book's matplotlib settings (``lstm_edu.notebook.BOOK_STYLE``: grid lines, no top and
right spines) are applied first, as ``setup_notebook`` does in every notebook.

Target (issue 3, "Updates feel instant"; issue 7.3): median <= 50 ms and p95 <= 100 ms per
control change on the book's 2-core machine. The first line printed is a reference: the
time to save a one-line matplotlib figure on this machine right now, so that timings from a
busy machine can be recognised as such.

Usage::

    python benchmarks/bench_widgets.py [--values 30] [--only NAME ...] [--strict]

``--strict`` exits with status 1 when a widget fails the target (default: always 0, so that
``make bench`` runs every benchmark).
"""
from __future__ import annotations

import argparse
import importlib
import inspect
import io
import os
import pkgutil
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import matplotlib  # noqa: E402

from lstm_edu.notebook import BOOK_STYLE  # noqa: E402
from lstm_edu.widgets.explorer import Renderer  # noqa: E402

PACKAGES = ("lstm_edu.widgets", "lstm_edu.apps")
MEDIAN_LIMIT_MS = 50.0
P95_LIMIT_MS = 100.0


@dataclass
class Result:
    """Timings of one widget: wall-clock and this process's CPU time per control change."""

    name: str
    controls: int = 0
    times_ms: list[float] | None = None
    cpu_ms: list[float] | None = None
    slowest_control: str = "-"
    skipped: str | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        return float(np.percentile(self.times_ms, 95))

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_ms)

    @property
    def cpu_p95(self) -> float:
        return float(np.percentile(self.cpu_ms, 95))

    @property
    def passed(self) -> bool:
        return self.skipped is None and self.median <= MEDIAN_LIMIT_MS and self.p95 <= P95_LIMIT_MS


def discover() -> tuple[list[type], list[str]]:
    """Renderer subclasses defined in the packages' modules, and modules that failed to import."""
    found, failed = {}, []
    for package_name in PACKAGES:
        try:
            package = importlib.import_module(package_name)
        except ImportError as error:
            failed.append(f"{package_name} ({error})")
            continue
        for info in pkgutil.walk_packages(package.__path__, prefix=package_name + "."):
            try:
                module = importlib.import_module(info.name)
            except Exception as error:  # report and go on: one broken module must not hide others
                failed.append(f"{info.name} ({type(error).__name__}: {error})")
                continue
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, Renderer) and cls is not Renderer and cls.__module__ == module.__name__:
                    found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return [found[key] for key in sorted(found)], failed


def build(cls: type) -> Renderer:
    """An instance: ``benchmark_instance()`` when the class defines it, else ``cls()``."""
    factory = getattr(cls, "benchmark_instance", None)
    return factory() if callable(factory) else cls()


def sweep(renderer: Renderer, values_per_control: int) -> tuple[list[float], list[float], str]:
    """Time update + png for every value of every control.

    Returns wall-clock times (ms), CPU times of this process (ms) and the control with
    the slowest median.
    """
    times, cpu_times, per_control = [], [], {}
    clear_cache = getattr(renderer, "clear_cache", lambda: None)
    defaults = {name: control.default for name, control in renderer.controls.items()}
    renderer.update(**defaults)
    renderer.png()                                      # warm-up: caches, fonts, first draw
    for name, control in renderer.controls.items():
        control_times = []
        for value in np.linspace(control.low, control.high, values_per_control):
            clear_cache()  # time compute + redraw, not a stored frame
            start, cpu_start = time.perf_counter(), time.process_time()
            renderer.update(**{name: float(value)})
            renderer.png()
            control_times.append((time.perf_counter() - start) * 1e3)
            cpu_times.append((time.process_time() - cpu_start) * 1e3)
        renderer.update(**{name: control.default})
        per_control[name] = statistics.median(control_times)
        times.extend(control_times)
    slowest = max(per_control, key=per_control.get) if per_control else "-"
    return times, cpu_times, slowest


def reference_ms(repeats: int = 10) -> float:
    """Median time to save a one-line 7 x 3.2 in figure as PNG at 80 dpi (machine load check)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.0, 3.2), dpi=80)
    figure.add_subplot().plot([0, 1, 2], [0, 1, 0])
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        figure.savefig(io.BytesIO(), format="png")
        samples.append((time.perf_counter() - start) * 1e3)
    return statistics.median(samples)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=30, help="values per control (default 30)")
    parser.add_argument("--only", nargs="*", default=None,
                        help="benchmark only classes whose name contains one of these strings")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a widget fails the target")
    args = parser.parse_args(argv)
    if args.values < 2:
        parser.error(f"--values: expected at least 2, got {args.values}")

    matplotlib.rcParams.update(BOOK_STYLE)  # the notebooks' settings (grid lines, spines, dpi)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} CPUs, load average (1 min) {load:.2f}; "
          f"reference one-line figure savefig: {reference_ms():.1f} ms")
    print(f"target per control change: median <= {MEDIAN_LIMIT_MS:.0f} ms, p95 <= {P95_LIMIT_MS:.0f} ms "
          f"({args.values} values per control, update + png)\n")

    classes, failed = discover()
    if args.only:
        classes = [c for c in classes if any(key in c.__qualname__ for key in args.only)]
    results = []
    for cls in classes:
        name = cls.__qualname__
        try:
            renderer = build(cls)
        except TypeError as error:
            results.append(Result(name, skipped=f"cannot build it without arguments ({error}); "
                                                "give it a benchmark_instance() classmethod"))
            continue
        times, cpu_times, slowest = sweep(renderer, args.values)
        results.append(Result(name, len(renderer.controls), times, cpu_times, slowest))

    header = (f"{'widget':26s} {'ctrls':>5s} {'changes':>7s} {'median ms':>9s} {'p95 ms':>7s} "
              f"{'max ms':>7s} {'cpu med':>7s} {'cpu p95':>7s}  {'slowest control':16s} result")
    print(header)
    print("-" * len(header))
    for r in results:
        if r.skipped:
            continue
        print(f"{r.name:26s} {r.controls:5d} {len(r.times_ms):7d} {r.median:9.1f} {r.p95:7.1f} "
              f"{max(r.times_ms):7.1f} {r.cpu_median:7.1f} {r.cpu_p95:7.1f}  "
              f"{r.slowest_control:16s} {'PASS' if r.passed else 'FAIL'}")
    skipped = [r for r in results if r.skipped]
    if skipped:
        print("\nnot measured:")
        for r in skipped:
            print(f"  {r.name}: {r.skipped}")
    if failed:
        print("\nmodules that could not be imported (their widgets were not measured):")
        for line in failed:
            print(f"  {line}")
    if not results:
        print("no Renderer subclasses found")
    measured = [r for r in results if not r.skipped]
    failing = [r.name for r in measured if not r.passed]
    print(f"\n{len(measured) - len(failing)} of {len(measured)} measured widgets meet the target"
          + (f"; failing: {', '.join(failing)}" if failing else "")
          + (f"; {len(skipped)} not measured" if skipped else ""))
    if load > (os.cpu_count() or 1):
        print("note: the load average exceeds the CPU count, so wall-clock times include waiting "
              "for a CPU; the cpu columns (this process's CPU time) are closer to an idle machine.")
    return 1 if (args.strict and failing) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
