"""Derivations as rendered math in Jupyter: ``_repr_markdown_`` and ``_repr_latex_``.

A :class:`~symrich.engine.Derivation` (not yet verified) and a
:class:`~symrich.engine.VerifiedDerivation` display in a notebook as Markdown
with MathJax formulas: definitions, each step or chain as an ``aligned``
block with its justification, and, once verified, how each equality was
proved and the boxed result.  So a theorist can build a derivation cell by
cell and see what the machine will check.

>>> import sympy as sp
>>> from symrich.engine import Derivation, Step
>>> x = sp.Symbol("x")
>>> d = Derivation("demo", "Demo", steps=(Step(x + x, 2 * x, "collect", label="c"),))
>>> print(markdown(d).splitlines()[-1])
*not verified yet*
>>> "symbolic: identical" in markdown(d.verify())
True
"""

from __future__ import annotations

import re

from symrich.engine.notation import latex as math
from symrich.engine.steps import cited_key

__all__ = ["markdown", "latex_block", "prose"]


_PROSE = (
    (re.compile(r"\\texttt\{([^{}]*)\}"), lambda m: "`" + m.group(1).replace("\\_", "_") + "`"),
    (re.compile(r"\\(?:textsf|emph|textit)\{([^{}]*)\}"), lambda m: "*" + m.group(1) + "*"),
    (re.compile(r"\\textbf\{([^{}]*)\}"), lambda m: "**" + m.group(1) + "**"),
    (re.compile(r"\\(?:eq)?ref\{(?:eq|der):(?:[^:{}]*:)?([^{}]*)\}"), lambda m: "(" + m.group(1) + ")"),
)


def prose(text):
    r"""LaTeX prose as Markdown for a notebook: text commands become Markdown, references name their label.

    Math (``$...$``) is left to MathJax.

    >>> prose(r"by \eqref{eq:demo:flow}, see \texttt{local\_flow} and \textsf{single neuron}")
    'by (flow), see `local_flow` and *single neuron*'
    """
    for pattern, repl in _PROSE:
        text = pattern.sub(repl, text)
    return text.replace("~", " ")


def _proof_note(proofs, i):
    if proofs is None:
        return ""
    p = proofs[i]
    text = f"symbolic: {p.method}" if p.kind == "symbolic" else f"numeric: {p.digits} digits, {p.points} points"
    if p.kind == "numeric" and p.domain:
        text += f", ${p.domain_latex()}$"
    return f" — *{text}*"


def _item_markdown(index, item, proofs, numbers):
    cond = f" $\\quad ({', '.join(math(g) for g in item.given)})$" if item.given else ""
    head = f"**({index})**" + (f" `{item.label}`" if item.label else "")
    if item.lemma:
        return [f"{head} *Lemma.* {prose(item.why)}{cond}{_proof_note(proofs, 0)}", ""]
    eqs = item.equalities()
    rows = [f"{math(item.lhs)} &= {math(eqs[0].rhs)}"] + [f"&= {math(eq.rhs)}" for eq in eqs[1:]]
    out = [f"{head}{cond}", "", "$$\\begin{aligned}" + " \\\\ ".join(rows) + "\\end{aligned}$$", ""]
    for i, eq in enumerate(eqs):
        cites = f" (by {', '.join(numbers.get(cited_key(u), cited_key(u)) for u in eq.uses)})" if eq.uses else ""
        out.append(f"- {prose(eq.why)}{cites}{_proof_note(proofs, i)}")
    return out + [""]


def markdown(derivation) -> str:
    """Markdown (with ``$...$`` math) of a derivation, verified or not.

    Parameters
    ----------
    derivation : Derivation or VerifiedDerivation

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.engine import Derivation, Step
    >>> x = sp.Symbol("x")
    >>> md = markdown(Derivation("demo", "Demo", steps=(Step(x + x, 2 * x, "collect"),)).verify())
    >>> md.splitlines()[0], "\\\\boxed{2 x = 2 x}" in md
    ('### Demo', True)
    """
    verified = derivation if hasattr(derivation, "item_proofs") else None
    d = verified.derivation if verified else derivation
    out = [f"### {prose(d.title)}", ""]
    if d.statement:
        out += [f"**Statement.** {prose(d.statement)}", ""]
    if d.assumptions:
        out += ["**Assumptions.** " + "; ".join(prose(a) for a in d.assumptions), ""]
    if d.definitions:
        rows = [f"{math(df.name)} &:= {math(df.value)}" + (rf" && \text{{{df.text}}}" if df.text else "")
                for df in d.definitions]
        out += ["**Definitions.**", "", "$$\\begin{aligned}" + " \\\\ ".join(rows) + "\\end{aligned}$$", ""]
    proofs = verified.item_proofs if verified else [None] * len(d.steps)
    numbers = {item.label: f"({i})" for i, item in enumerate(d.steps, 1) if item.label}
    for index, (item, item_proofs) in enumerate(zip(d.steps, proofs), 1):
        out += _item_markdown(index, item, item_proofs, numbers)
    if verified:
        boxed = ",\\quad ".join(f"{math(r.lhs)} = {math(r.rhs)}" for r in verified.result)
        out += ["**Result.**", "", f"$$\\boxed{{{boxed}}}$$", "",
                "*Proved:* " + "; ".join(f"({r.index}), {r.how()}" for r in verified.result)]
    else:
        out += ["*not verified yet*"]
    return "\n".join(out) + "\n"


def latex_block(verified) -> str:
    """The boxed result as one display-math string (what ``_repr_latex_`` shows where Markdown is not rendered).

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.engine import Derivation, Step
    >>> x = sp.Symbol("x")
    >>> latex_block(Derivation("demo", "Demo", steps=(Step(x + x, 2 * x, "collect"),)).verify())
    '$$\\\\boxed{2 x = 2 x}$$'
    """
    boxed = ",\\quad ".join(f"{math(r.lhs)} = {math(r.rhs)}" for r in verified.result)
    return f"$$\\boxed{{{boxed}}}$$"
