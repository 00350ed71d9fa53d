"""``symrich sweep`` and ``symrich plot-sweep``: the Part III experiments (:mod:`symrich.experiments`).

>>> import argparse
>>> parser = argparse.ArgumentParser(prog="symrich")
>>> add_commands(parser.add_subparsers(dest="command"))
>>> parser.parse_args(["plot-sweep", "build/sweep"]).dir
'build/sweep'
"""

from __future__ import annotations

import sys

from symrich.experiments.plot import plot_sweep
from symrich.experiments.sweep import run_sweep

__all__ = ["add_commands"]


def cmd_sweep(args) -> int:
    try:
        rep = run_sweep(args.config, args.out, scheduler=args.scheduler, workers=args.workers,
                        progress=not args.quiet)
    except ValueError as exc:
        print(f"symrich sweep: {exc}", file=sys.stderr)
        return 2
    print(f"{rep.total} configurations: {rep.ran} run, {rep.skipped} already done, {len(rep.failed)} failed "
          f"({rep.seconds:.1f} s); table: {rep.results}")
    for run_id, err in rep.failed:
        print(f"  failed {run_id}: {err}", file=sys.stderr)
    return 1 if rep.failed else 0


def cmd_plot_sweep(args) -> int:
    try:
        path = plot_sweep(args.dir, out=args.out, step=args.step)
    except ValueError as exc:
        print(f"symrich plot-sweep: {exc}", file=sys.stderr)
        return 2
    print(f"figure written to {path}")
    return 0


def add_commands(subparsers):
    """Add ``sweep`` and ``plot-sweep`` to the ``symrich`` command line's ``subparsers``.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="symrich")
    >>> add_commands(parser.add_subparsers(dest="command"))
    >>> parser.parse_args(["sweep", "--config", "x.toml", "--out", "o", "--workers", "2"]).workers
    2
    """
    s = subparsers.add_parser("sweep", help="run a relative-scale sweep (locally or on a Dask cluster)")
    s.add_argument("--config", required=True, help="TOML file with [grid] and [settings]")
    s.add_argument("--out", required=True, help="output folder (resumable: finished configurations are skipped)")
    s.add_argument("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    s.add_argument("--workers", type=int, default=None, help="local worker processes (default: all cores; 0: in-process)")
    s.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_sweep)
    p = subparsers.add_parser("plot-sweep", help="heatmaps and alpha curves of a finished sweep")
    p.add_argument("dir", help="sweep output folder (with results.csv)")
    p.add_argument("--out", default=None, help="image file (default: DIR/sweep.png)")
    p.add_argument("--step", type=int, default=None, help="checkpoint to show (default: the last)")
    p.set_defaults(func=cmd_plot_sweep)
