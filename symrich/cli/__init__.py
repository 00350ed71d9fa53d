"""The ``symrich`` command line: one module per command group, the parser built from them here.

``symrich --version``
    Print the version.
``symrich derive [--out DIR] [--no-cache] [--no-pdf] [--only NAME ...] [-v]``
    Verify every derivation, print a table (derivation, steps, proof kind per
    step, seconds), write the LaTeX of each derivation and the combined
    document (and its PDF when LaTeX is installed) under ``DIR`` (default
    ``build/``); the verified results are cached in
    :func:`symrich.engine.registry.cache_dir` (:mod:`symrich.cli.derive`).
``symrich latex NAME [--snippet]``
    Print one derivation's LaTeX (a full document, or with ``--snippet``
    only the section, to paste into a paper).
``symrich list``
    List the derivations.
``symrich figures [--out DIR] [--only NAME ...]``
    Draw the paper's figures as PNG and PDF under ``DIR`` (default
    ``build/figures``; :mod:`symrich.cli.figures`).
``symrich export --target {numpy,c,jax} --out DIR [--functions NAME ...]``
    Write the closed forms as standalone code (:mod:`symrich.cli.export`).
``symrich sweep --config FILE --out DIR [--scheduler ADDRESS] [--connect-timeout S] [--workers N] [--backend {numpy,jax}] [--batch-size N] [-q]``
    Run a Part III relative-scale sweep, locally, on a Dask cluster or batched in
    JAX; fault-proof and resumable (:mod:`symrich.cli.experiments`).
``symrich plot-sweep DIR [--out FILE] [--checkpoints N ...] [--metrics NAME ...]``
    Draw the paper's Figure 1 layout from a finished sweep.
``symrich conservation MODEL_FILE [--degree N] [--out DIR]``
    Discover, count and prove the conservation laws of a model given as a
    ``.py`` or ``.toml`` file (:mod:`symrich.cli.conservation`).

Exit codes (:mod:`symrich.cli.common`): 0 success; 1 a derivation or a run
failed; 2 usage error or bad environment (unknown name, unwritable output
folder, unreachable scheduler, another sweep writing into the folder), reported as one line ``symrich COMMAND: ...``
on stderr, never as a traceback.  Each command module imports its heavy
dependencies (SymPy, matplotlib, Dask) inside the command function, so
``symrich --help`` is fast.

>>> build_parser().parse_args(["list"]).command
'list'
"""

from __future__ import annotations

import argparse
import sys

from symrich import __version__
from symrich.cli import conservation, derive, experiments, export, figures
from symrich.cli.common import EXIT_USAGE, CommandError

__all__ = ["main", "build_parser"]


def build_parser():
    """The ``symrich`` argument parser, with every command of :mod:`symrich.cli`.

    Examples
    --------
    >>> sorted(build_parser()._subparsers._group_actions[0].choices)
    ['conservation', 'derive', 'export', 'figures', 'latex', 'list', 'plot-sweep', 'sweep']
    """
    p = argparse.ArgumentParser(
        prog="symrich", description="Derive, compile and verify the exact learning dynamics of small networks "
        "(Kunin, Ravent\u00f3s et al., NeurIPS 2024). `symrich COMMAND --help` says what each command reads and writes.",
        epilog="Exit status: 0 success, 1 a derivation or a run failed, 2 usage error or bad environment.")
    p.add_argument("--version", action="version", version=f"symrich {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in (derive, figures, export, experiments, conservation):
        group.add_commands(sub)
    return p


def main(argv=None) -> int:
    """Run the ``symrich`` command line on ``argv`` (default: ``sys.argv[1:]``).

    Parameters
    ----------
    argv : list of str, optional
        The arguments after the program name, e.g. ``["derive", "-v"]``.

    Returns
    -------
    int
        The exit status: 0 on success, 1 when a derivation or a run fails, 2 for
        a usage error or a bad environment (the message is printed on stderr).

    Examples
    --------
    >>> main(["list"])
    single_neuron_conservation
    single_neuron_function_space
    single_neuron_regimes
    ...
    0

    An unknown derivation name is reported on stderr with exit status 2:

    >>> main(["latex", "no_such_derivation"])
    2
    """
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CommandError as exc:
        print(f"symrich {args.command}: {exc}", file=sys.stderr)
    except OSError as exc:  # the environment failed mid-command (disk full, permissions): a message, no traceback
        print(f"symrich {args.command}: {exc}", file=sys.stderr)
    return EXIT_USAGE
