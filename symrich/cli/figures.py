"""``symrich figures``: the paper's figures as PNG and PDF (:func:`symrich.figures.make_all`).

>>> import argparse
>>> parser = argparse.ArgumentParser(prog="symrich")
>>> add_commands(parser.add_subparsers(dest="command"))
>>> parser.parse_args(["figures", "--only", "basins"]).only
['basins']
"""

from __future__ import annotations

from symrich.figures import FIGURES, make_all

__all__ = ["add_commands"]


def cmd_figures(args) -> int:
    written = make_all(args.out, args.only)
    for name, paths in written.items():
        print(f"{name}: " + ", ".join(str(p) for p in paths))
    return 0


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
    p = subparsers.add_parser("figures", help="reproduce the paper's single-neuron figures (PNG and PDF)")
    p.add_argument("--out", default="figures", help="output folder (default: figures)")
    p.add_argument("--only", nargs="+", metavar="NAME", choices=sorted(FIGURES), help="only these figures")
    p.set_defaults(func=cmd_figures)
