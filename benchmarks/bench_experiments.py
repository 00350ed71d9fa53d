"""Benchmark of the Part III sweep engine: configurations per second and peak memory, locally and on Dask.

Default grid: the paper's sizes (m = 50, n = 1000, d = 100, n_test = 10000, n_probe = 200) on a
2 x 3 (scale, delta) grid with one seed.  A paper run has 1e4 (or up to 1e6) steps; to keep the benchmark short
it trains ``--steps / 4`` and ``--steps`` steps (default 400) and extrapolates to 1e4 steps with a linear fit
``wall = overhead + per_step * steps`` (start-up and checkpoint measurements are in the overhead).

    python benchmarks/bench_experiments.py [--steps 400] [--workers 2]

Prints a Markdown table (pasted into docs/experiments.md).
"""

from __future__ import annotations

import os

# One BLAS thread per run, as in the sweep's worker processes (set before numpy loads); with the default
# threaded BLAS an in-process run on a busy 2-core machine was 3-25x slower.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import resource  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

from symrich.experiments import RunConfig, run_sweep, simulate  # noqa: E402

PAPER = {"d": 100, "m": 50, "n": 1000, "n_test": 10_000, "n_probe": 200}


def grid(steps):
    return {"grid": {"scale": [0.3, 1.0], "delta": [-0.5, 0.0, 0.5], "seed": [0]},
            "settings": dict(PAPER, steps=steps)}


def one_run(steps):
    """Seconds per step and peak traced memory (numpy reports its buffers to tracemalloc) of one run."""
    cfg = RunConfig(scale=1.0, alpha=1.0, seed=0, steps=steps, **PAPER)
    simulate(RunConfig(scale=1.0, alpha=1.0, seed=0, steps=2, **PAPER))  # warm up
    tracemalloc.start()
    t = time.perf_counter()
    simulate(cfg)
    seconds = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    t = time.perf_counter()
    simulate(RunConfig(scale=1.0, alpha=1.0, seed=0, steps=0, **PAPER))
    setup = time.perf_counter() - t
    return seconds, setup, peak


def sweep(steps, **kw):
    out = tempfile.mkdtemp(prefix="symrich-bench-")
    t = time.perf_counter()
    rep = run_sweep(grid(steps), out, progress=False, **kw)
    seconds = time.perf_counter() - t
    assert rep.ran == rep.total and not rep.failed
    return rep.total, seconds


def _self_maxrss_mib():
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args(argv)

    run_s, setup_s, peak = one_run(args.steps)
    per_step = (run_s - setup_s) / args.steps
    print(f"one run (in-process, 1 BLAS thread): {run_s:.2f} s for {args.steps} steps, setup+measurements {setup_s:.3f} s, "
          f"{per_step * 1e3:.3f} ms/step, peak traced memory {peak / 2**20:.1f} MiB")

    # Two step counts per backend: wall = overhead + per_step * steps, extrapolated to 1e4 steps.
    lo, hi = max(1, args.steps // 4), args.steps
    rows = []
    n, w_lo = sweep(lo, workers=args.workers)
    n, w_hi = sweep(hi, workers=args.workers)
    rss_local = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    rows.append((f"local, {args.workers} processes", n, w_lo, w_hi, rss_local))

    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        n, w_lo = sweep(lo, scheduler=c.scheduler_address)
        n, w_hi = sweep(hi, scheduler=c.scheduler_address)
        with Client(c.scheduler_address, set_as_default=False) as client:
            rss = client.run(_self_maxrss_mib)
    rows.append((f"Dask LocalCluster, {args.workers} workers x 1 thread", n, w_lo, w_hi, max(rss.values())))

    print()
    print(f"| backend | configs | wall s ({lo} steps) | wall s ({hi} steps) | configs/s ({hi} steps) "
          f"| est. configs/s at 1e4 steps | peak worker RSS MiB |")
    print("|---|---|---|---|---|---|---|")
    for name, n, a, b, rss in rows:
        per_step = max(b - a, 1e-9) / (hi - lo)
        est = n / (a + per_step * (10_000 - lo))
        print(f"| {name} | {n} | {a:.1f} | {b:.1f} | {n / b:.3f} | {est:.4f} | {rss:.0f} |")
    print()
    print("Extrapolation: wall = overhead + (per-step cost) x steps, fitted on the two step counts and evaluated "
          "at 1e4 steps. Peak RSS: largest resident set of a worker process (ru_maxrss; local: finished pool "
          "children, Dask: asked of each worker with client.run). Load average: "
          + ", ".join(f"{x:.1f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
