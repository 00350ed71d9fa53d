"""``symrich derive``, ``symrich latex`` and ``symrich list``: the derivation engine's commands.

>>> import argparse
>>> parser = argparse.ArgumentParser(prog="symrich")
>>> add_commands(parser.add_subparsers(dest="command"))
>>> parser.parse_args(["latex", "single_neuron_regimes", "--snippet"]).snippet
True
"""

from __future__ import annotations

import sys
import time

__all__ = ["add_commands"]


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

    names = args.only or list(derivation_names())
    unknown = sorted(set(names) - set(derivation_names()))
    if unknown:
        print(f"symrich derive: unknown derivation(s): {', '.join(unknown)}; "
              f"expected some of: {', '.join(derivation_names())}", file=sys.stderr)
        return 2
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
    print(f"{len(reports)} derivations verified ({n_steps} steps: {n_sym} symbolic, {n_steps - n_sym} numeric), "
          f"{len(failures)} failed, {total:.1f} s", flush=True)
    if not reports:
        return 1 if failures else 0
    try:
        out = write_outputs([r.rendered for r in reports], args.out, selection=bool(args.only))
    except OSError as exc:
        print(f"symrich derive: cannot write LaTeX to {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"LaTeX written to {args.out}/ ({len(reports)} derivations, {len(out.changed)} files changed; "
          f"document {out.document.name})")
    if not args.no_pdf:
        if find_engine() is None:
            print("no LaTeX engine (latexmk or pdflatex) found: PDF not built")
        else:
            print(f"  ... {out.document.name}: pdf", flush=True)
            try:
                pdf = build_pdf(out.document)
            except LatexError as exc:
                print(f"symrich derive: {exc}", file=sys.stderr)
                return 1
            print(f"PDF written to {pdf}")
    return 1 if failures else 0


def cmd_latex(args) -> int:
    from symrich.engine import latex
    from symrich.engine.registry import derivation_names, derive

    if args.name not in derivation_names():
        print(f"symrich latex: unknown derivation {args.name!r}; expected one of: {', '.join(derivation_names())}",
              file=sys.stderr)
        return 2
    rendered = derive(args.name).rendered
    sys.stdout.write(latex.snippet(rendered) if args.snippet else latex.standalone(rendered))
    return 0


def cmd_list(args) -> int:
    from symrich.engine.registry import derivation_names

    for n in derivation_names():
        print(n)
    return 0


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
    d = subparsers.add_parser("derive", help="verify every derivation and write LaTeX")
    d.add_argument("--out", default="build/derivations", help="output folder (default: build/derivations)")
    d.add_argument("--no-cache", action="store_true", help="re-derive everything, ignoring the on-disk cache")
    d.add_argument("--no-pdf", action="store_true", help="do not try to build the PDF")
    d.add_argument("--only", nargs="+", metavar="NAME", help="verify only these derivations")
    d.add_argument("-v", "--verbose", action="store_true", help="list every step with its proof")
    d.set_defaults(func=cmd_derive)
    lx = subparsers.add_parser("latex", help="print one derivation's LaTeX")
    lx.add_argument("name")
    lx.add_argument("--snippet", action="store_true", help="only the section, without preamble")
    lx.set_defaults(func=cmd_latex)
    ls = subparsers.add_parser("list", help="list the derivations")
    ls.set_defaults(func=cmd_list)
