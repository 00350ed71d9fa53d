"""``symrich figures``: the paper's figures as PNG and PDF (:func:`symrich.figures.make_all`).

>>> import argparse
>>> parser = argparse.ArgumentParser(prog="symrich")
>>> add_commands(parser.add_subparsers(dest="command"))
>>> parser.parse_args(["figures", "--only", "basins"]).only
['basins']
"""

from __future__ import annotations

from symrich.cli.common import EXIT_OK, output_dir
from symrich.figures import FIGURES, make_all

__all__ = ["add_commands"]


def cmd_figures(args) -> int:
    written = make_all(output_dir(args.out), args.only)
    for name, paths in written.items():
        print(f"{name}: " + ", ".join(str(p) for p in paths))
    return EXIT_OK


def add_commands(subparsers):
    """Add ``figures`` to the ``symrich`` command line's ``subparsers``.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="symrich")
    >>> add_commands(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["figures", "--out", "figs", "--only", "basins"])
    >>> args.out, args.only
    ('figs', ['basins'])
    """
    p = subparsers.add_parser(
        "figures", help="draw the paper's figures as PNG and PDF under --out",
        description="Draw the paper's figures from the compiled closed forms (dots: an independent integration "
                    "of the flow) and write OUT/NAME.png and OUT/NAME.pdf for each. Reads nothing; the first call "
                    "in a new environment compiles the kernels (a few seconds).",
        epilog="figures: " + ", ".join(sorted(FIGURES)) + ". Exit status: 0 written, 2 usage error or bad "
               "environment.")
    p.add_argument("--out", default="build/figures", metavar="DIR",
                   help="folder for the images, created if missing (default: build/figures)")
    p.add_argument("--only", nargs="+", metavar="NAME", choices=sorted(FIGURES),
                   help="draw only these figures (default: all, listed below)")
    p.set_defaults(func=cmd_figures)
