"""``symrich derive``, ``symrich latex`` and ``symrich list``: the derivation engine's commands.

>>> import argparse
>>> parser = argparse.ArgumentParser(prog="symrich")
>>> add_commands(parser.add_subparsers(dest="command"))
>>> parser.parse_args(["latex", "single_neuron_regimes", "--snippet"]).snippet
True
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from symrich.cli.common import EXIT_FAILED, EXIT_OK, CommandError, output_dir

__all__ = ["add_commands"]

_EXIT_CODES = "exit status: 0 all verified, 1 a step failed, 2 usage error or bad environment"


def _proof_codes(verified):
    return "".join("S" if p.kind == "symbolic" else "N" for p in verified.proofs)


def _phase(name, phase):
    print(f"  ... {name}: {phase}", flush=True)


def _print_steps(verified):
    for i, (item, proofs) in enumerate(verified, start=1):
        label = f" [{item.label}]" if item.label else ""
        for j, (eq, proof) in enumerate(zip(item.equalities(), proofs)):
            head = f"    {i:>2}.{label}" if j == 0 else " " * (8 + len(label))
            print(f"{head} {eq.why}  [{proof.describe()}]")


def cmd_derive(args) -> int:
    from symrich.engine import DerivationError
    from symrich.engine.output import write_outputs
    from symrich.engine.pdf import LatexError, build_pdf, find_engine
    from symrich.engine.registry import derivation_names, derive

    names = list(dict.fromkeys(args.only)) if args.only else list(derivation_names())  # each name once
    unknown = sorted(set(names) - set(derivation_names()))
    if unknown:
        raise CommandError(f"unknown derivation(s): {', '.join(unknown)}; expected among: {', '.join(derivation_names())}")
    out = output_dir(args.out)
    width = max(len(n) for n in names)
    print(f"{'derivation':<{width}}  steps  proofs (S symbolic, N numeric)   seconds  cache", flush=True)
    print("-" * (width + 58))
    reports, failures = [], []
    start = time.perf_counter()
    for name in names:
        try:
            rep = derive(name, use_cache=not args.no_cache, progress=_phase)
        except DerivationError as exc:
            failures.append((name, exc))
            print(f"{name:<{width}}  FAILED: {exc}", flush=True)
            continue
        v = rep.verified
        reports.append(rep)
        codes = _proof_codes(v)
        print(f"{name:<{width}}  {len(v.proofs):>5}  {codes:<32} {rep.seconds:>7.2f}  {'hit' if rep.cached else 'miss'}",
              flush=True)
        if args.verbose:
            _print_steps(v)
    total = time.perf_counter() - start
    n_steps = sum(len(r.verified.proofs) for r in reports)
    n_sym = sum(r.verified.proof_kinds["symbolic"] for r in reports)
    print("-" * (width + 58))
    print(f"{len(reports)} derivation{'s' * (len(reports) != 1)} verified ({n_steps} equalities: {n_sym} symbolic, "
          f"{n_steps - n_sym} numeric), "
          f"{len(failures)} failed, {total:.1f} s", flush=True)
    if not reports:
        return EXIT_FAILED if failures else EXIT_OK
    try:
        written = write_outputs([r.rendered for r in reports], out, selection=bool(args.only))
    except OSError as exc:
        raise CommandError(f"cannot write the LaTeX to {out}: {exc.strerror or exc}") from exc
    print(f"LaTeX written to {out}/ ({len(reports)} derivation{'s' * (len(reports) != 1)}, "
          f"{len(written.changed)} file{'s' * (len(written.changed) != 1)} changed; "
          f"document {written.document.name})", flush=True)
    if not args.no_pdf:
        if find_engine() is None:
            print("no LaTeX engine (latexmk or pdflatex): PDF skipped")
        else:
            up_to_date = written.document not in written.changed and written.document.with_suffix(".pdf").exists()
            if not up_to_date:
                print(f"  ... {written.document.name}: pdf", flush=True)
            try:
                pdf = build_pdf(written.document)
            except LatexError as exc:
                raise CommandError(f"the LaTeX files are written, but building the PDF failed: {exc}; "
                                   "use --no-pdf to skip it") from exc
            print(f"PDF up to date: {pdf}" if up_to_date else f"PDF written to {pdf}")
    return EXIT_FAILED if failures else EXIT_OK


def cmd_latex(args) -> int:
    from symrich.engine import DerivationError, latex
    from symrich.engine.registry import derivation_names, derive

    if args.name not in derivation_names():
        raise CommandError(f"unknown derivation {args.name!r}; expected one of: {', '.join(derivation_names())}")
    try:
        rendered = derive(args.name).rendered
    except DerivationError as exc:
        print(f"symrich latex: {args.name} FAILED: {exc}", file=sys.stderr)
        return EXIT_FAILED
    sys.stdout.write(latex.snippet(rendered) if args.snippet else latex.standalone(rendered))
    return EXIT_OK


def cmd_list(args) -> int:
    from symrich.engine.registry import derivation_names

    for n in derivation_names():
        print(n)
    return EXIT_OK


class _HelpWithCacheDir(argparse.Action):
    """``-h`` that ends the help with the derivation cache's folder (read from the engine only when asked)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from symrich.engine.registry import cache_dir

        where = str(cache_dir())
        home = os.path.expanduser("~")
        if where.startswith(home + os.sep):
            where = "~" + where[len(home):]
        parser.epilog = (f"derivation cache: {where} (set by SYMRICH_CACHE_DIR; default $XDG_CACHE_HOME/symrich, "
                         f"else ~/.cache/symrich); {parser.epilog}")
        parser.print_help()
        parser.exit()


def add_commands(subparsers):
    """Add ``derive``, ``latex`` and ``list`` to the ``symrich`` command line's ``subparsers``.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="symrich")
    >>> add_commands(parser.add_subparsers(dest="command"))
    >>> parser.parse_args(["derive", "--only", "single_neuron_regimes"]).only
    ['single_neuron_regimes']
    """
    d = subparsers.add_parser(
        "derive", add_help=False, help="verify every derivation; write their LaTeX (and PDF) under --out",
        description="Verify every worked derivation of symrich.derivations (each step proved symbolically or "
                    "numerically) and print a table: derivation, steps, proof kind per step (S symbolic, N numeric), "
                    "seconds, cache hit. Writes OUT/NAME.tex (a document) and OUT/NAME-snippet.tex (the section, "
                    "to \\input into a paper) for each derivation and the combined document "
                    "OUT/symrich-derivations.tex (with --only: OUT/symrich-selection.tex, never the combined one), "
                    "and their PDF when latexmk or pdflatex is installed (auxiliary files in OUT/latex-aux/; a PDF "
                    "newer than its .tex is kept). Reads and fills the on-disk derivation cache (keyed by the "
                    "source of each derivation, the engine and the SymPy version), so a second run takes seconds.",
        epilog=_EXIT_CODES)
    d.add_argument("-h", "--help", action=_HelpWithCacheDir, help="show this help (with the cache folder) and exit")
    d.add_argument("--out", default="build/derivations", metavar="DIR",
                   help="folder for the .tex files and the PDF, created if missing (default: build/derivations)")
    d.add_argument("--no-cache", action="store_true",
                   help="re-derive everything, neither reading nor writing the derivation cache")
    d.add_argument("--no-pdf", action="store_true", help="write the .tex files only; do not run LaTeX")
    d.add_argument("--only", nargs="+", metavar="NAME",
                   help="verify only these derivations (names as printed by `symrich list`) and write them to "
                        "OUT/symrich-selection.tex")
    d.add_argument("-v", "--verbose", action="store_true", help="also print every step with its proof")
    d.set_defaults(func=cmd_derive)
    lx = subparsers.add_parser(
        "latex", help="print one derivation's LaTeX to stdout",
        description="Verify one derivation (or load it from the derivation cache) and print its LaTeX to "
                    "standard output: a complete document, or with --snippet the section only. Writes no file.",
        epilog="exit status: 0 printed, 1 the derivation failed, 2 unknown NAME")
    lx.add_argument("name", metavar="NAME",
                    help="the derivation, as printed by `symrich list` (e.g. single_neuron_closed_form)")
    lx.add_argument("--snippet", action="store_true", help="print only the \\section, without preamble, to \\input "
                    "into a paper that loads amsmath and amssymb")
    lx.set_defaults(func=cmd_latex)
    ls = subparsers.add_parser("list", help="print the derivation names", description="Print the names of the "
                               "worked derivations, one per line, in the order of the combined document.",
                               epilog="exit status: 0")
    ls.set_defaults(func=cmd_list)
