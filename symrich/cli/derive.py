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


def cmd_derive(args) -> int:
    from symrich.engine import DerivationError, latex
    from symrich.engine.registry import derivation_names, derive

    names = args.only or list(derivation_names())
    unknown = sorted(set(names) - set(derivation_names()))
    if unknown:
        print(f"symrich derive: unknown derivation(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    width = max(len(n) for n in names)
    print(f"{'derivation':<{width}}  steps  proofs (S symbolic, N numeric)   seconds  cache")
    print("-" * (width + 58))
    verified, failures = [], []
    start = time.perf_counter()
    for name in names:
        try:
            rep = derive(name, use_cache=not args.no_cache)
        except DerivationError as exc:
            failures.append((name, exc))
            print(f"{name:<{width}}  FAILED: {exc}")
            continue
        v = rep.verified
        verified.append(v)
        codes = _proof_codes(v)
        print(f"{name:<{width}}  {len(v.proofs):>5}  {codes:<32} {rep.seconds:>7.2f}  {'hit' if rep.cached else 'miss'}")
        if args.verbose:
            for i, (step, proof) in enumerate(v, start=1):
                print(f"    {i:>2}. {step.why}  [{proof.describe()}]")
    total = time.perf_counter() - start
    n_steps = sum(len(v.proofs) for v in verified)
    n_sym = sum(v.proof_kinds["symbolic"] for v in verified)
    print("-" * (width + 58))
    print(f"{len(verified)} derivations verified ({n_steps} steps: {n_sym} symbolic, {n_steps - n_sym} numeric), "
          f"{len(failures)} failed, {total:.1f} s")
    if verified:
        paths = latex.write_document(verified, args.out)
        print(f"LaTeX written to {args.out}/ ({len(paths) - 1} derivations + {paths['__combined__'].name})")
        if not args.no_pdf:
            from symrich.engine.pdf import build_pdf

            pdf = build_pdf(paths["__combined__"])
            if pdf is not None:
                print(f"PDF written to {pdf}")
    return 1 if failures else 0


def cmd_latex(args) -> int:
    from symrich.engine import latex
    from symrich.engine.registry import derivation_names, derive

    if args.name not in derivation_names():
        print(f"symrich latex: unknown derivation {args.name!r}; expected one of: {', '.join(derivation_names())}",
              file=sys.stderr)
        return 2
    v = derive(args.name).verified
    sys.stdout.write(latex.derivation_latex(v) if args.snippet else latex.standalone_latex(v))
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
    d.add_argument("--out", default="build", help="output folder (default: build)")
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
