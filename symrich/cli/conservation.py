"""``symrich conservation MODEL_FILE``: discover, count and prove the conservation laws of models.

``symrich conservation MODEL_FILE [--degree M] [--out DIR] [--points P] [--max-depth K] [--seed S] [--no-proofs]``
    ``MODEL_FILE`` is a ``.py`` file defining ``model`` or ``models``, or a
    ``.toml`` file of ``[[model]]`` tables naming builders (see
    :mod:`symrich.conservation.spec`).  For each model: print the laws, the
    Lie-algebra count and the completeness verdict; verify one derivation per
    law and write the LaTeX to ``DIR/conservation-<model>.tex`` (default
    ``build/conservation``); then print a table of all models.  The output
    folder and the file names (one per model: the names must differ) are
    checked before any computation; a search of more than
    :data:`~symrich.conservation.laws.LARGE_SYSTEM` unknowns is announced and
    reports its stages.  Exit status 0, 1 if a derivation fails, 2 for a bad
    model file, option or output folder.
"""

from __future__ import annotations

import sys

from symrich.cli.common import CommandError, output_dir

__all__ = ["add_commands", "cmd_conservation"]


def add_commands(subparsers):
    """Add the ``conservation`` subcommand to an ``argparse`` subparsers object.

    >>> import argparse
    >>> p = argparse.ArgumentParser(); sub = p.add_subparsers()
    >>> add_commands(sub)
    >>> args = p.parse_args(["conservation", "model.toml", "--degree", "3"])
    >>> args.spec, args.degree, args.out, args.func is cmd_conservation
    ('model.toml', 3, 'build/conservation', True)
    """
    p = subparsers.add_parser(
        "conservation", help="discover, count and prove the conservation laws of models",
        description="For each model of MODEL_FILE: print the polynomial conservation laws, the Lie-algebra count and "
                    "the completeness verdict, verify one derivation per law and write the LaTeX "
                    "(conservation-MODEL.tex under --out).",
        epilog="exit status: 0 done, 1 a derivation failed, 2 bad MODEL_FILE, option or output folder")
    p.add_argument("spec", metavar="MODEL_FILE", help="a .py file defining `model`/`models`, or a .toml model file")
    p.add_argument("--degree", type=int, default=2, help="largest degree of the polynomial laws (default 2)")
    p.add_argument("--out", default="build/conservation", help="folder for the LaTeX (default build/conservation)")
    p.add_argument("--points", type=int, default=3, help="random rational points of the count (default 3)")
    p.add_argument("--max-depth", type=int, default=12, help="largest bracket depth (default 12)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random points (default 0)")
    p.add_argument("--no-proofs", action="store_true", help="do not verify the derivations nor write LaTeX")
    p.set_defaults(func=cmd_conservation)


def cmd_conservation(args) -> int:
    """Run the subcommand on parsed arguments; return the exit status.

    Examples
    --------
    >>> import argparse, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "m.toml"
    >>> _ = path.write_text('[[model]]\\nbuilder = "single_neuron"\\nd = 1\\n')
    >>> args = argparse.Namespace(spec=str(path), degree=2, out=str(path.parent), points=3, max_depth=12,
    ...                           seed=0, no_proofs=False)
    >>> cmd_conservation(args)
    single_neuron_d1: D = 2 parameters, rates a: eta_a, w: eta_w
    ...
      derivations verified: 1 (5 steps); LaTeX written to .../conservation-single_neuron_d1.tex
    ...
    0
    >>> cmd_conservation(argparse.Namespace(**{**vars(args), "spec": "missing.toml"}))
    2
    """
    from symrich.conservation import analyse, law_derivations
    from symrich.conservation.laws import LARGE_SYSTEM, count_unknowns
    from symrich.conservation.report import latex_paths, table, text_report, write_latex
    from symrich.conservation.spec import load_models
    from symrich.engine import DerivationError

    def progress(line):
        print(f"  ... {line}", file=sys.stderr, flush=True)

    try:
        models = load_models(args.spec)
        if not args.no_proofs:  # before any computation: one file per model, in a folder that can be written
            latex_paths([m.name for m in models], args.out)
            output_dir(args.out)
        analyses = []
        for model in models:
            large = args.degree >= 1 and count_unknowns(model.D, args.degree) > LARGE_SYSTEM
            if large:
                print(f"symrich conservation: {model.name}: degree <= {args.degree} in D = {model.D} parameters is a "
                      f"linear system in {count_unknowns(model.D, args.degree)} unknowns (more than {LARGE_SYSTEM}): "
                      "this may take minutes; a smaller --degree is faster", file=sys.stderr, flush=True)
            analyses.append(analyse(model, args.degree, points=args.points, max_depth=args.max_depth, seed=args.seed,
                                    progress=progress if large else None))
            print(text_report(analyses[-1]))
            if args.no_proofs:
                continue
            try:
                verified = [d.verify() for d in law_derivations(analyses[-1].laws)]
            except DerivationError as exc:
                print(f"symrich conservation: a derivation failed: {exc}", file=sys.stderr)
                return 1
            path = write_latex(analyses[-1], verified, args.out)
            steps = sum(len(v.proofs) for v in verified)
            print(f"  derivations verified: {len(verified)} ({steps} steps); LaTeX written to {path}")
    except (ValueError, CommandError) as exc:
        print(f"symrich conservation: {exc}", file=sys.stderr)
        return 2
    print()
    print(table(analyses))
    return 0
