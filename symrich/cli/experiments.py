"""``symrich sweep`` and ``symrich plot-sweep``: the Part III experiments (:mod:`symrich.experiments`).

>>> import argparse
>>> parser = argparse.ArgumentParser(prog="symrich")
>>> add_commands(parser.add_subparsers(dest="command"))
>>> parser.parse_args(["plot-sweep", "build/sweep"]).dir
'build/sweep'
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from symrich.cli.common import EXIT_FAILED, EXIT_OK, CommandError, output_dir
from symrich.experiments.plot import METRIC_LABELS, plot_sweep
from symrich.experiments.sweep import BACKENDS, SweepLocked, run_sweep

__all__ = ["add_commands"]


def cmd_sweep(args) -> int:
    out = output_dir(args.out)
    try:
        rep = run_sweep(args.config, out, scheduler=args.scheduler, workers=args.workers, backend=args.backend,
                        batch_size=args.batch_size, progress=not args.quiet, connect_timeout=args.connect_timeout)
    except (ValueError, ConnectionError, SweepLocked) as exc:
        raise CommandError(str(exc)) from exc
    except ModuleNotFoundError as exc:  # the optional backend's package
        raise CommandError(f"{exc}; the JAX backend needs the extra: pip install 'symrich[jax]'") from exc
    print(f"{rep.total} configurations: {rep.ran} run, {rep.skipped} already done, {len(rep.failed)} failed, "
          f"{len(rep.diverged)} diverged ({rep.seconds:.1f} s); table: {rep.results}")
    for run_id, err in rep.failed:
        print(f"  failed {run_id}: {err}", file=sys.stderr)
    return EXIT_FAILED if rep.failed else EXIT_OK


def cmd_plot_sweep(args) -> int:
    if args.out is not None:
        output_dir(Path(args.out).parent, "the folder of --out")
    try:
        path = plot_sweep(args.dir, out=args.out, checkpoints=args.checkpoints, metrics=args.metrics)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    print(f"figure written to {path}")
    return EXIT_OK


def _positive_seconds(text):
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


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
    s = subparsers.add_parser(
        "sweep", help="run a relative-scale sweep (locally or on a Dask cluster) into --out",
        description="Train one two-layer ReLU student per configuration of the grid in --config (the paper's "
                    "Part III experiment) and measure it at log-spaced checkpoints. Writes OUT/sweep.json (the "
                    "resolved config), OUT/runs/ID.csv (one table per configuration, as soon as it finishes) and "
                    "OUT/results.csv (every row, in grid order). Resumable, even after a kill: a rerun skips "
                    "finished configurations. One sweep per folder at a time (a lock). A configuration whose loss "
                    "stops being finite is recorded as diverged, with its step.",
        epilog="Exit status: 0 every configuration done, 1 some configuration failed (the others are saved), "
               "2 usage error (bad config) or bad environment (unwritable --out, unreachable scheduler, another sweep "
               "writing into --out).")
    s.add_argument("--config", required=True, metavar="FILE",
                   help="TOML file with a [grid] and a [settings] table (see examples/*.toml)")
    s.add_argument("--out", required=True, metavar="DIR", help="output folder, created if missing")
    s.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="submit the runs to this Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: run locally)")
    s.add_argument("--connect-timeout", type=_positive_seconds, default=10.0, metavar="SECONDS",
                   help="give up on an unreachable --scheduler after this many seconds (default: 10)")
    s.add_argument("--workers", type=int, default=None, metavar="N",
                   help="local worker processes (default: all cores; 0: in this process)")
    s.add_argument("--backend", choices=BACKENDS, default="numpy",
                   help="numpy: one process per configuration (default); jax: the configurations of one dataset "
                        "as one batched, jit-compiled computation in this process (CPU or GPU; extra 'jax')")
    s.add_argument("--batch-size", type=int, default=256, metavar="N",
                   help="--backend jax: at most N configurations per batch (default: 256; each holds n x m activations)")
    s.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_sweep)
    p = subparsers.add_parser(
        "plot-sweep", help="draw the figure of a finished sweep",
        description="Read DIR/results.csv (and DIR/sweep.json) written by `symrich sweep`, average over seeds "
                    "and draw the layout of the paper's Figure 1: one row per metric, one column per checkpoint, "
                    "each panel a heatmap over delta (horizontal) and scale (vertical, log). Writes one image "
                    "(PNG, or any format matplotlib knows from the suffix of --out).",
        epilog="Exit status: 0 written, 2 usage error (no results.csv) or bad environment.")
    p.add_argument("dir", metavar="DIR", help="the --out folder of `symrich sweep` (holds results.csv)")
    p.add_argument("--out", default=None, metavar="FILE", help="image file (default: DIR/sweep.png)")
    p.add_argument("--checkpoints", type=int, nargs="+", default=None, metavar="N",
                   help="the columns: for each N the largest checkpoint <= N (default: 10, 100, ... and the last)")
    p.add_argument("--metrics", nargs="+", default=["test_loss", "kernel_distance", "hamming"], metavar="NAME",
                   choices=list(METRIC_LABELS), help="the rows (default: test_loss kernel_distance hamming; "
                   "also: " + ", ".join(k for k in METRIC_LABELS if k not in ("test_loss", "kernel_distance", "hamming")) + ")")
    p.set_defaults(func=cmd_plot_sweep)
