"""LaTeX emitters: pure functions from verified derivations to strings (no file I/O).

:func:`derivation_latex` renders one verified derivation as a section: its
statement, assumptions, each step as a displayed equation with its
justification and proof kind, and the final result boxed.
:func:`document_latex` wraps several into a complete document with a table of
contents and one part per network family.  :func:`write_document` is the thin
layer that writes files.

>>> import sympy as sp
>>> from symrich.engine import Derivation, Step
>>> x = sp.Symbol("x", positive=True)
>>> v = Derivation("demo", "Demo", steps=(Step((x + 1)**2, x**2 + 2*x + 1, "binomial"),)).verify()
>>> "\\\\boxed" in derivation_latex(v)
True
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["derivation_latex", "document_latex", "write_document", "text", "PREAMBLE"]

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[margin=2.2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{breqn}
\usepackage[hidelinks]{hyperref}
\allowdisplaybreaks
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.5em}
\newcommand{\proofkind}[1]{\hfill{\footnotesize\textsf{[#1]}}}
"""

_SYMBOL_NAMES = {
    "eta_a": r"\eta_a",
    "eta_w": r"\eta_w",
    "Lambda": r"\Lambda",
    "beta_star": r"\beta_*",
    "s": r"s",
}


def text(s: str) -> str:
    """Escape plain text for LaTeX; ``||x||`` becomes ``\\|x\\|``."""
    repl = {
        "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "^": r"\^{}", "&": r"\&",
        "%": r"\%", "$": r"\$", "#": r"\#", "~": r"\~{}",
    }
    return "".join(repl.get(c, c) for c in s)


def math(expr) -> str:
    """``sympy.latex`` with the paper's symbol names."""
    import sympy as sp

    symbol_names = {}
    for sym in getattr(expr, "free_symbols", set()):
        name = str(sym)
        if name in _SYMBOL_NAMES:
            symbol_names[sym] = _SYMBOL_NAMES[name]
    return sp.latex(expr, symbol_names=symbol_names, mat_delim="(")


def _label(name):
    return re.sub(r"[^A-Za-z0-9:-]", "-", name)


def _proof_text(proof) -> str:
    if proof.kind == "symbolic":
        return f"symbolic: {proof.method}"
    return f"numeric: {proof.digits} digits at {proof.points} random points"


def derivation_latex(verified, *, level="section") -> str:
    """One verified derivation as a LaTeX ``\\section`` (or ``\\subsection``)."""
    d = verified.derivation
    out = [f"\\{level}{{{text(d.title)}}}\\label{{der:{_label(d.name)}}}", ""]
    if d.statement:
        out += [f"\\textbf{{Statement.}} {text(d.statement)}", ""]
    if d.assumptions:
        out += ["\\textbf{Assumptions.}", "\\begin{itemize}"]
        out += [f"  \\item {text(a)}" for a in d.assumptions]
        out += ["\\end{itemize}", ""]
    out += ["\\textbf{Derivation.}", "\\begin{enumerate}"]
    for step, proof in verified:
        out += [
            f"  \\item {text(step.why)} \\proofkind{{{text(_proof_text(proof))}}}",
            "  \\begin{dmath*}",
            f"    {math(step.lhs)} = {math(step.rhs)}",
            "  \\end{dmath*}",
        ]
    out += ["\\end{enumerate}", ""]
    if d.notes:
        out += [f"\\textbf{{Notes.}} {text(d.notes)}", ""]
    lhs, rhs = d.final
    out += ["\\textbf{Result.}", "\\begin{equation*}", f"  \\boxed{{{math(lhs)} = {math(rhs)}}}", "\\end{equation*}", ""]
    return "\n".join(out)


def document_latex(verified_list, *, title="symrich: verified derivations") -> str:
    """A complete document: title, table of contents, one part per family."""
    out = [PREAMBLE, f"\\title{{{text(title)}}}", "\\date{}", "\\begin{document}", "\\maketitle", "\\tableofcontents", ""]
    family = None
    for v in verified_list:
        fam = v.derivation.family or "other"
        if fam != family:
            out.append(f"\\part{{{text(fam.capitalize())}}}")
            family = fam
        out.append(derivation_latex(v))
    out.append("\\end{document}")
    return "\n".join(out) + "\n"


def standalone_latex(verified) -> str:
    """One derivation as a complete compilable document."""
    return "\n".join([PREAMBLE, "\\begin{document}", derivation_latex(verified), "\\end{document}"]) + "\n"


def write_document(verified_list, out_dir) -> dict:
    """Write ``<name>.tex`` per derivation and ``symrich-derivations.tex``; return the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for v in verified_list:
        p = out / f"{v.name}.tex"
        p.write_text(standalone_latex(v))
        paths[v.name] = p
    combined = out / "symrich-derivations.tex"
    combined.write_text(document_latex(verified_list))
    paths["__combined__"] = combined
    return paths
