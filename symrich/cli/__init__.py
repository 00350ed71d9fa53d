"""The ``symrich`` command line: one module per command group, the parser built from them here.

``symrich derive [--out DIR] [--no-cache] [--no-pdf] [--only NAME ...] [-v]``
    Verify every derivation, print a table (derivation, steps, proof kind per
    step, seconds), write the LaTeX of each derivation and the combined
    document under ``DIR`` (default ``build/``); exit 1 if any step fails
    (:mod:`symrich.cli.derive`).
``symrich latex NAME [--snippet]``
    Print one derivation's LaTeX (a full document, or with ``--snippet``
    only the section, to paste into a paper).
``symrich list``
    List the derivations.
``symrich figures [--out DIR] [--only NAME ...]``
    Draw the paper's figures as PNG and PDF (:mod:`symrich.cli.figures`).
``symrich export --target {numpy,c,jax} --out DIR [--functions NAME ...]``
    Write the closed forms as standalone code (:mod:`symrich.cli.export`).
``symrich sweep --config FILE --out DIR [--scheduler ADDRESS] [--workers N] [-q]``
    Run a Part III relative-scale sweep, locally or on a Dask cluster, resumably
    (:mod:`symrich.cli.experiments`).
``symrich plot-sweep DIR [--out FILE] [--step N]``
    Draw the figure of a finished sweep.
``symrich conservation MODEL_FILE [--degree N] [--out DIR]``
    Discover, count and prove the conservation laws of a model given as a
    ``.py`` or ``.toml`` file (:mod:`symrich.cli.conservation`).

Each command module imports its heavy dependencies (SymPy, matplotlib, Dask) inside
the command function, so ``symrich --help`` is fast.

>>> build_parser().parse_args(["list"]).command
'list'
"""

from __future__ import annotations

import argparse

from symrich.cli import conservation, derive, experiments, export, figures

__all__ = ["main", "build_parser"]


def build_parser():
    """The ``symrich`` argument parser, with every command of :mod:`symrich.cli`.

    Examples
    --------
    >>> sorted(build_parser()._subparsers._group_actions[0].choices)
    ['conservation', 'derive', 'export', 'figures', 'latex', 'list', 'plot-sweep', 'sweep']
    """
    p = argparse.ArgumentParser(prog="symrich", description="Derive, compile and verify exact learning dynamics.")
    sub = p.add_subparsers(dest="command", required=True)
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
        The exit status: 0 on success, 1 when a derivation fails, 2 for an
        unknown derivation name.

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
    return args.func(args)
