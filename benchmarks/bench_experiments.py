"""Benchmark of the Part III engine: milliseconds per configuration-step, and the paper's grid projected.

At the paper's sizes (m = 50, n = 1000, d = 100) it times the training steps of

* the NumPy engine in float64 and float32 (one process, one BLAS thread: what a sweep worker runs);
* the JAX backend in float64 and float32 on the CPU (``--batch`` configurations as one jit-compiled,
  vmapped computation; XLA uses every core of the machine), when jax is installed.

Each figure is the slope ``(wall(hi) - wall(lo)) / (configs x (hi - lo) steps)`` between two step counts, so
start-up, compilation and the checkpoint measurements cancel; best of ``--repeat``.  The projection is the
paper's grid, 17 x 17 x 16 = 4624 configurations of 1e6 steps, in CPU hours (``time.process_time``) and in wall
hours on this machine (NumPy: one process per core side by side; JAX: one process using every core).  ``--sweeps`` also times whole sweeps, locally and on a Dask LocalCluster.

    python benchmarks/bench_experiments.py [--steps 400] [--batch 16] [--repeat 3] [--sweeps]

Prints Markdown tables (pasted into docs/experiments.md).
"""

from __future__ import annotations

import os

# One BLAS thread per run, as in the sweep's worker processes (set before numpy loads).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from symrich.experiments import RunConfig, run_sweep, simulate  # noqa: E402

PAPER = {"d": 100, "m": 50, "n": 1000, "n_test": 1000}
GRID_CONFIGS, GRID_STEPS = 17 * 17 * 16, 10**6


def _configs(count, steps, dtype):
    return [RunConfig(scale=0.5 + 0.1 * (k % 5), alpha=1.0, seed=k // 5, steps=steps, dtype=dtype,
                      checkpoints_per_decade=1, **PAPER) for k in range(count)]


def _timed(run, steps):
    wall, cpu = time.perf_counter(), time.process_time()
    run(steps)
    return time.perf_counter() - wall, time.process_time() - cpu


def _slope(run, count, lo, hi, repeat):
    """Best-of-``repeat`` (wall, CPU) seconds per configuration-step between ``lo`` and ``hi`` steps."""
    best = (float("inf"), float("inf"))
    for _ in range(repeat):
        (w_lo, c_lo), (w_hi, c_hi) = _timed(run, lo), _timed(run, hi)
        best = min(best, ((w_hi - w_lo) / (count * (hi - lo)), (c_hi - c_lo) / (count * (hi - lo))))
    return best


def numpy_ms(dtype, lo, hi, repeat):
    simulate(_configs(1, 2, dtype)[0])  # warm up
    wall, cpu = _slope(lambda steps: simulate(_configs(1, steps, dtype)[0]), 1, lo, hi, repeat)
    return 1e3 * wall, 1e3 * cpu


def jax_ms(dtype, batch, lo, hi, repeat):
    from symrich.experiments.jax_backend import simulate_batch

    simulate_batch(_configs(batch, 2, dtype))  # compile
    wall, cpu = _slope(lambda steps: simulate_batch(_configs(batch, steps, dtype)), batch, lo, hi, repeat)
    return 1e3 * wall, 1e3 * cpu


def sweeps(steps, workers):
    from distributed import LocalCluster

    grid = {"grid": {"scale": [0.3, 1.0], "delta": [-0.5, 0.0, 0.5], "seed": [0]}, "settings": dict(PAPER, steps=steps)}
    rows = []
    for name, kw in ((f"local, {workers} processes", {"workers": workers}), ("Dask LocalCluster", None)):
        if kw is None:
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as c:
                t = time.perf_counter()
                rep = run_sweep(grid, tempfile.mkdtemp(), scheduler=c.scheduler_address, progress=False)
        else:
            t = time.perf_counter()
            rep = run_sweep(grid, tempfile.mkdtemp(), progress=False, **kw)
        rows.append((name, rep.total, time.perf_counter() - t))
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=400, help="the larger step count (the smaller is a quarter)")
    p.add_argument("--batch", type=int, default=16, help="configurations per JAX batch")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--sweeps", action="store_true", help="also time whole sweeps, locally and on Dask")
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args(argv)
    lo, hi = args.steps // 4, args.steps

    cores = os.cpu_count()
    # (name, wall ms, CPU ms, processes run side by side on this machine)
    rows = [(f"NumPy {dt}, 1 process, 1 BLAS thread", *numpy_ms(dt, lo, hi, args.repeat), cores)
            for dt in ("float64", "float32")]
    if importlib.util.find_spec("jax") is not None:
        import jax

        for dt in ("float64", "float32"):
            rows.append((f"JAX {jax.__version__} {dt}, CPU, batch of {args.batch}",
                         *jax_ms(dt, args.batch, lo, hi, args.repeat), 1))
    base = rows[0][1] / rows[0][3]
    print(f"| engine (m = 50, n = 1000, d = 100) | wall ms per config-step | CPU ms per config-step | "
          f"paper grid ({GRID_CONFIGS} x 1e6 steps): CPU hours | wall hours on this {cores}-core machine | "
          f"speed vs NumPy float64 |")
    print("|---|---|---|---|---|---|")
    for name, wall, cpu, side_by_side in rows:
        work = GRID_CONFIGS * GRID_STEPS / 3.6e6
        print(f"| {name} | {wall:.3f} | {cpu:.3f} | {work * cpu:,.0f} | {work * wall / side_by_side:,.0f} | "
              f"{base / (wall / side_by_side):.2f}x |")
    print(f"\n{os.cpu_count()} cores; load average during the run: "
          + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    if args.sweeps:
        print("\n| sweep (6 configs, paper sizes) | configs | wall s |\n|---|---|---|")
        for name, n, wall in sweeps(args.steps, args.workers):
            print(f"| {name} | {n} | {wall:.1f} |")


if __name__ == "__main__":
    main()
