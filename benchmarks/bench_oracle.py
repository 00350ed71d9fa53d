"""Benchmark of symrich.oracle: Taylor integrator versus mpmath.odefun and scipy.

Problem (the single neuron f(x) = a w^T x with whitened data):
d = 3, X^T X = I, X^T y = beta_star = (0.5, 0.5, 0.2), a0 = 0.3,
w0 = (0.2, -0.1, 0.4), eta_a = eta_w = 1, 20 output times in [0, 20], dps = 30.

Run:  python benchmarks/bench_oracle.py [--repeat N]

Prints wall-clock times (compilation separately, then best of N runs) and the
agreement in digits of each method with a reference Taylor run at dps = 60.
"""

from __future__ import annotations

import argparse
import time

import mpmath
import numpy as np

from symrich.oracle import integrate_single_neuron, single_neuron_flow

TIMES = [20 * i / 19 for i in range(20)]
PROBLEM = {
    "a0": 0.3,
    "w0": [0.2, -0.1, 0.4],
    "XtX": [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
    "Xty": [0.5, 0.5, 0.2],
}


def run(method: str, dps: int = 30):
    return integrate_single_neuron(TIMES, PROBLEM["a0"], PROBLEM["w0"], XtX=PROBLEM["XtX"],
                                   Xty=PROBLEM["Xty"], dps=dps, method=method)


def best_time(method: str, repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        run(method)
        timings.append(time.perf_counter() - start)
    return min(timings)


def digits(result, reference) -> float:
    """Smallest number of agreeing digits over all outputs (relative to max(1, |x|))."""
    worst = mpmath.inf
    with mpmath.workdps(80):
        for got, want in zip(np.concatenate([result[0][:, None], result[1]], axis=1).ravel(),
                             np.concatenate([reference[0][:, None], reference[1]], axis=1).ravel()):
            error = abs(mpmath.mpf(got) - want) / max(1, abs(want))
            worst = min(worst, -mpmath.log10(error) if error else mpmath.inf)
    return float(worst)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per method (odefun: at most 2)")
    args = parser.parse_args()

    start = time.perf_counter()
    flow = single_neuron_flow(3)
    _ = flow.taylor_source, flow.numpy_rhs, flow.mpmath_rhs   # compile everything once
    compile_time = time.perf_counter() - start

    reference = run("taylor", dps=60)
    results = {m: run(m) for m in ("taylor", "odefun", "scipy")}   # warm-up, and the values compared
    timings = {
        "taylor": best_time("taylor", args.repeat),
        "odefun": best_time("odefun", min(args.repeat, 2)),
        "scipy": best_time("scipy", args.repeat),
    }
    print(f"single neuron d=3, whitened, 20 outputs in [0, 20]; compile (sympy, once): {compile_time:.3f} s")
    print(f"{'method':<8} {'time [s]':>10} {'digits vs dps=60':>18}")
    for method, seconds in timings.items():
        print(f"{method:<8} {seconds:>10.4f} {digits(results[method], reference):>18.1f}")
    print(f"speed-up taylor vs odefun: {timings['odefun'] / timings['taylor']:.0f}x")


if __name__ == "__main__":
    main()
