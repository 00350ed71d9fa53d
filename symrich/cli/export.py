"""``symrich export``: the closed forms as standalone NumPy, C99 or JAX code (:func:`symrich.export.export`).

>>> import argparse
>>> parser = argparse.ArgumentParser(prog="symrich")
>>> add_commands(parser.add_subparsers(dest="command"))
>>> parser.parse_args(["export", "--target", "c", "--out", "kernels"]).target
'c'
"""

from __future__ import annotations


from symrich.cli.common import EXIT_OK, CommandError, output_dir
from symrich.export import GENERATORS, TARGETS

__all__ = ["add_commands"]


def cmd_export(args) -> int:
    try:  # the generator checks the names (unknown, or not in this target) before anything is written under --out
        generator = GENERATORS[args.target](args.functions)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    for p in generator.write(output_dir(args.out)):
        print(p)
    return EXIT_OK


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
    e = subparsers.add_parser(
        "export", help="write the closed forms as standalone NumPy, C99 or JAX code under --out",
        description="Print the proved closed forms with SymPy's code printers and write standalone code into "
                    "OUT (existing files of the same names are overwritten): numpy -> symrich_kernels.py "
                    "(needs NumPy only); c -> symrich_kernels.c, symrich_kernels.h, Makefile, README.txt "
                    "(C99, -lm only); jax -> symrich_kernels_jax.py (jit-able, differentiable).",
        epilog="Exit status: 0 written, 2 usage error (unknown target or function) or bad environment.")
    e.add_argument("--target", required=True, choices=TARGETS, help="the language of the code: %(choices)s")
    e.add_argument("--out", required=True, metavar="DIR", help="folder for the code, created if missing")
    e.add_argument("--functions", nargs="+", metavar="NAME",
                   help="export only these functions (default: all; an unknown name prints the valid ones)")
    e.set_defaults(func=cmd_export)
