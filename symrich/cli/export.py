"""``symrich export``: the closed forms as standalone NumPy, C99 or JAX code (:func:`symrich.export.export`).

>>> import argparse
>>> parser = argparse.ArgumentParser(prog="symrich")
>>> add_commands(parser.add_subparsers(dest="command"))
>>> parser.parse_args(["export", "--target", "c", "--out", "kernels"]).target
'c'
"""

from __future__ import annotations

import sys

from symrich.export import TARGETS, export

__all__ = ["add_commands"]


def cmd_export(args) -> int:
    try:
        paths = export(args.target, args.out, args.functions)
    except ValueError as exc:
        print(f"symrich export: {exc}", file=sys.stderr)
        return 2
    for p in paths:
        print(p)
    return 0


def add_commands(subparsers):
    """Add ``export`` to the ``symrich`` command line's ``subparsers``.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="symrich")
    >>> add_commands(parser.add_subparsers(dest="command"))
    >>> parser.parse_args(["export", "--target", "numpy", "--out", "k", "--functions", "delta_of"]).functions
    ['delta_of']
    """
    e = subparsers.add_parser("export", help="write the closed forms as standalone NumPy, C99 or JAX code")
    e.add_argument("--target", required=True, choices=TARGETS, help="code to write")
    e.add_argument("--out", required=True, metavar="DIR", help="output folder (created if missing)")
    e.add_argument("--functions", nargs="+", metavar="NAME", help="functions to export (default: all)")
    e.set_defaults(func=cmd_export)
