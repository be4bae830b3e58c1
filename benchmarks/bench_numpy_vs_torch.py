"""Time lstm_edu's numpy LSTM against torch.nn.LSTM, side by side (float64, CPU, 1 thread).

Usage: python benchmarks/bench_numpy_vs_torch.py [--repeats N]

Both libraries run on one thread: torch.set_num_threads(1), and numpy's BLAS is limited
to one thread through the environment variables below (set before numpy is imported)
and through threadpoolctl when it is installed. D = H at every size. Timings are the
median of N repeats after warm-up; the contenders alternate within each repeat so that
load from other processes hits all alike. By default the clock is the process's CPU
time (``time.process_time``): for single-threaded work it equals the wall time on an
idle machine and, unlike the wall time, is not inflated by waiting for a busy CPU.
``--clock wall`` uses ``time.perf_counter`` instead.

"forward": lstm_edu's ``model.forward(x)`` (which keeps the full trace) against
``module(x)`` under ``torch.no_grad()`` (inference), and against ``module(x)`` recording
the autograd graph. "forward+backward": ``model.backward(model.forward(x), dh)`` against
``module(x)`` then ``out.backward(dh)``; both produce every parameter gradient and dL/dx.
"""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lstm_edu import from_torch  # noqa: E402

SIZES = [(1, 100, 16), (32, 100, 64)]  # (B, T, H), D = H


def _limit_blas_threads():
    """Limit BLAS to one thread with threadpoolctl if available; return a description."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return ("numpy BLAS: 1 thread via OPENBLAS/OMP/MKL_NUM_THREADS=1 "
                "(threadpoolctl not installed)")
    threadpool_limits(1)
    return "numpy BLAS: 1 thread via threadpoolctl and OPENBLAS/OMP/MKL_NUM_THREADS=1"


CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}


def _time(function, clock) -> float:
    """Seconds taken by one call, on ``clock``."""
    start = clock()
    function()
    return clock() - start


def bench(B: int, T: int, H: int, repeats: int, clock=time.process_time) -> dict:
    """Median seconds of each contender at one size, plus an agreement check."""
    torch.manual_seed(0)
    module = torch.nn.LSTM(H, H).double()
    model = from_torch(module)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(T, B, H))
    dh = rng.normal(size=(T, B, H))
    x_torch, dh_torch = torch.tensor(x), torch.tensor(dh)

    def numpy_forward():
        return model.forward(x)

    def numpy_forward_backward():
        return model.backward(model.forward(x), dh)

    def torch_inference():
        with torch.no_grad():
            return module(x_torch)

    def torch_forward():
        return module(x_torch)

    def torch_forward_backward():
        xg = x_torch.clone().requires_grad_(True)
        module.zero_grad(set_to_none=True)
        out, _ = module(xg)
        out.backward(dh_torch)
        return xg.grad

    contenders = {"numpy fwd": numpy_forward, "torch fwd no_grad": torch_inference,
                  "torch fwd grad": torch_forward, "numpy fwd+bwd": numpy_forward_backward,
                  "torch fwd+bwd": torch_forward_backward}
    for function in contenders.values():  # warm-up
        for _ in range(3):
            function()
    samples = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, function in contenders.items():
            samples[name].append(_time(function, clock))
    result = {name: float(np.median(values)) for name, values in samples.items()}
    dx_diff = np.abs(numpy_forward_backward().dx - torch_forward_backward().numpy()).max()
    h_diff = np.abs(numpy_forward().h - torch_inference()[0].numpy()).max()
    result["max |diff|"] = float(max(dx_diff, h_diff))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50, help="timed repeats per size")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu",
                        help="cpu: process CPU time (default); wall: wall-clock time")
    args = parser.parse_args()
    torch.set_num_threads(1)
    blas = _limit_blas_threads()
    print(f"numpy {np.__version__}, torch {torch.__version__}, Python {platform.python_version()}, "
          f"{platform.machine()}")
    print(f"float64, CPU, torch.set_num_threads(1); {blas}; D = H; "
          f"median of {args.repeats} repeats, {args.clock} clock")
    header = (f"{'B':>3} {'T':>4} {'H':>3} | {'numpy fwd':>10} {'torch no_grad':>13} {'ratio':>6} "
              f"{'torch grad':>10} {'ratio':>6} | {'numpy f+b':>10} {'torch f+b':>10} {'ratio':>6} "
              f"| {'max|diff|':>9}")
    print(header)
    print("-" * len(header))
    for B, T, H in SIZES:
        r = bench(B, T, H, args.repeats, CLOCKS[args.clock])
        ms = {k: v * 1e3 for k, v in r.items() if k != "max |diff|"}
        print(f"{B:>3} {T:>4} {H:>3} | {ms['numpy fwd']:>8.2f}ms "
              f"{ms['torch fwd no_grad']:>11.2f}ms "
              f"{ms['numpy fwd'] / ms['torch fwd no_grad']:>5.2f}x "
              f"{ms['torch fwd grad']:>8.2f}ms {ms['numpy fwd'] / ms['torch fwd grad']:>5.2f}x | "
              f"{ms['numpy fwd+bwd']:>8.2f}ms {ms['torch fwd+bwd']:>8.2f}ms "
              f"{ms['numpy fwd+bwd'] / ms['torch fwd+bwd']:>5.2f}x | {r['max |diff|']:>9.1e}")
    print("ratio = numpy time / torch time (below 1: numpy faster). "
          "Targets: forward <= 1.0x, forward+backward <= 1.5x.")


if __name__ == "__main__":
    main()
