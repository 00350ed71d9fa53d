"""LaTeX of verified derivations: pure functions from derivations to strings (no file I/O).

A derivation is typeset like a paper's appendix: statement, assumptions,
definitions, then its steps and chains as numbered equations, each line with
its justification and, small and to the right, how the machine proved it;
the result boxed, with the equation it was proved as.

Rendering has two stages, so that the expensive one is cached with the
derivation (:mod:`symrich.engine.registry`):

1. :func:`render` turns a :class:`~symrich.engine.VerifiedDerivation` into a
   :class:`Rendered` value holding every LaTeX fragment (every formula is
   printed once, by :func:`symrich.engine.notation.latex`);
2. :func:`section`, :func:`snippet`, :func:`standalone` and :func:`document`
   assemble fragments into text, cheaply.

The section uses only LaTeX's core commands and those of ``amsmath`` and
``amssymb``: a snippet (``symrich latex NAME --snippet``) compiles when
``\\input`` into a plain ``article`` that loads those two packages.

>>> import sympy as sp
>>> from symrich.engine import Derivation, Step
>>> x = sp.Symbol("x", positive=True)
>>> v = Derivation("demo", "Demo", steps=(Step((x + 1)**2, x**2 + 2*x + 1, "binomial"),)).verify()
>>> "\\\\boxed" in snippet(render(v))
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from symrich.engine.notation import latex as math

__all__ = [
    "Rendered", "render", "section", "snippet", "standalone", "document", "PREAMBLE", "split_lines",
    "equation_label",
]

#: Preamble of the standalone and combined documents (the sections themselves need only amsmath, amssymb).
PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[margin=2.2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage[hidelinks]{hyperref}
\allowdisplaybreaks
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.5em}
"""

#: Approximate LaTeX source characters of one displayed line.
LINE_CHARS = 110


def equation_label(derivation, label):
    """The LaTeX ``\\label`` key of a labelled step: ``eq:derivation:label``.

    >>> equation_label("single_neuron_conservation", "flow")
    'eq:single_neuron_conservation:flow'
    """
    return f"eq:{derivation}:{label}"


def _safe_label(text):
    return re.sub(r"[^A-Za-z0-9:_-]", "-", text)


def _given_tex(given):
    return ", ".join(math(g) for g in given)


def _proof_tex(proof):
    if proof.kind == "symbolic":
        return f"symbolic: {proof.method.replace('_', ' ')}"
    return f"numeric: {proof.digits} digits at {proof.points} random points"


@dataclass(frozen=True)
class Line:
    """One line of a displayed item: ``relation`` (``""`` for the first expression, ``"="``), the formula,
    the justification, and the proof.

    Examples
    --------
    >>> Line("=", "x + x", "collect", "symbolic: identical").relation
    '='
    """

    relation: str
    formula: str
    why: str
    proof: str


@dataclass(frozen=True)
class Item:
    """A rendered step, chain or lemma.

    Attributes
    ----------
    kind : str
        ``"equation"`` (a step or chain) or ``"lemma"`` (a computer-algebra lemma).
    label : str
        Its label key (``eq:derivation:label``), or ``""``.
    lines : tuple of Line
    given : str
        LaTeX of its conditions (``\\delta > 0``), or ``""``.
    cites : tuple of str
        Keys of the facts its links cite, per line (``"name:label"``).

    Examples
    --------
    >>> Item("equation", "", (Line("", "x", "", ""),), "", ()).kind
    'equation'
    """

    kind: str
    label: str
    lines: tuple
    given: str
    cites: tuple


@dataclass(frozen=True)
class Rendered:
    """Every LaTeX fragment of one verified derivation (what :func:`render` computes, once).

    Attributes
    ----------
    name, family : str
    title, statement, notes : str
        LaTeX prose, as written.
    assumptions : tuple of str
    definitions : tuple of (str, str, str)
        ``(name, value, text)`` in LaTeX.
    items : tuple of Item
    result : tuple of (str, str, str, str)
        ``(lhs, rhs, label key, given)`` of each boxed equation.
    proof_summary : str
        How the result was proved, in words.

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.engine import Derivation, Step
    >>> x = sp.Symbol("x")
    >>> r = render(Derivation("demo", "Demo", steps=(Step(x + x, 2 * x, "collect"),)).verify())
    >>> r.result[0][:2]
    ('2 x', '2 x')
    """

    name: str
    family: str
    title: str
    statement: str
    notes: str
    assumptions: tuple
    definitions: tuple
    items: tuple
    result: tuple
    proof_summary: str


def render(verified) -> Rendered:
    """Print every formula of a verified derivation once (see the module docstring).

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.engine import Chain, Derivation
    >>> x = sp.Symbol("x")
    >>> v = Derivation("demo", "Demo", steps=(Chain(x * (x + 1), (x**2 + x, "distribute"), label="d"),)).verify()
    >>> [(ln.relation, ln.formula) for ln in render(v).items[0].lines]
    [('', 'x \\\\left(x + 1\\\\right)'), ('=', 'x^{2} + x')]
    """
    d = verified.derivation
    definitions = tuple((math(df.name), math(df.value), df.text) for df in d.definitions)
    items = []
    for item, proofs in verified:
        key = equation_label(d.name, item.label) if item.label else ""
        given = _given_tex(item.given)
        if item.lemma:
            lines = (Line("", "", item.why, _proof_text(proofs[0])),)
            items.append(Item("lemma", key, lines, given, (tuple(item.uses),)))
            continue
        eqs = item.equalities()
        lines = [Line("", math(item.lhs), "", "")]
        lines += [Line("=", math(eq.rhs), eq.why, _proof_text(p)) for eq, p in zip(eqs, proofs)]
        items.append(Item("equation", key, tuple(lines), given, tuple(tuple(eq.uses) for eq in eqs)))
    result = tuple((("", r"\text{" + d.item(r.label).why + "}") if d.item(r.label).lemma else (math(r.lhs), math(r.rhs)))
                   + (equation_label(d.name, r.label) if r.label else "", _given_tex(r.given))
                   for r in verified.result) if d.result else tuple(
                       ((math(r.lhs), math(r.rhs)) if not d.steps[-1].lemma else ("", r"\text{" + d.steps[-1].why + "}"))
                       + ("", _given_tex(r.given)) for r in verified.result)
    summary = "; ".join(r.how() for r in verified.result)
    return Rendered(d.name, d.family, d.title, d.statement, d.notes, tuple(d.assumptions), definitions,
                    tuple(items), result, summary)


def _proof_text(proof):
    """How an equality was proved; a numeric proof names its sampled domain."""
    text = _proof_tex(proof)
    if proof.kind == "numeric" and proof.domain:
        text += f" in ${proof.domain_latex()}$"
    return text


def _break_points(tex):
    """Indices of top-level (brace depth 0) ``+`` and ``-`` where a line may break."""
    points, depth = [], 0
    for i, c in enumerate(tex):
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and i > 0 and tex[i - 1:i + 2] in (" + ", " - "):
            points.append(i)
    return points


def split_lines(tex: str, width: int = LINE_CHARS) -> list:
    """Split a formula at top-level ``+``/``-`` into pieces of about ``width`` source characters.

    ``\\left``/``\\right`` pairs are kept on one piece (no break inside them).

    >>> split_lines("a + b + c", width=5)
    ['a', '+ b', '+ c']
    """
    if len(tex) <= width or "\\begin{" in tex:
        return [tex]
    points = [p for p in _break_points(tex) if tex[:p].count("\\left") == tex[:p].count("\\right")]
    pieces, start, last = [], 0, None
    for p in points + [len(tex)]:
        if p - start > width and last is not None and last > start:
            pieces.append(tex[start:last].strip())
            start = last
        last = p
    pieces.append(tex[start:].strip())
    return [pc for pc in pieces if pc]


def _cite(use, name, present):
    """``\\eqref`` of a fact (with its instantiation), or a textual reference to another derivation."""
    key = use if isinstance(use, str) else use[0]
    values = () if isinstance(use, str) else use[1]
    with_ = (" with $" + ", ".join(f"{math(k)} = {math(v)}" for k, v in values) + "$") if values else ""
    return _cite_key(key, name, present) + with_


def _cite_key(key, name, present):
    if ":" in key:
        other, label = key.split(":", 1)
        if other != name and other not in present:
            return rf"(\textsf{{{other.replace('_', ' ')}}}, equation \textsf{{{label.replace('_', ' ')}}})"
        return rf"\eqref{{{_safe_label(equation_label(other, label))}}}"
    return rf"\eqref{{{_safe_label(equation_label(name, key))}}}"


def _why(line, cites, name, present):
    why = line.why
    if cites:
        refs = ", ".join(_cite(k, name, present) for k in cites)
        why = f"{why}; by {refs}" if why else f"by {refs}"
    return why


_MARKS = "abcdefghijklmnopqrstuvwxyz"


def _notes(notes):
    """The justifications of an item, one line each, small: ``(a) why [proof]``."""
    out = [r"{\footnotesize"]
    for mark, why, proof in notes:
        head = f"({mark})~" if mark else ""
        out.append(r"\noindent\hspace*{2em}" + head + why + r" \hfill\textsf{[" + proof + r"]}\par")
    out.append(r"}")
    return out


def _equation(item, name, present):
    """An item as an ``align`` (one row per link; a chain marks its links (a), (b), ...), then its justifications."""
    out = [r"\begin{align}"]
    first = item.lines[0]
    body = item.lines[1:]
    chain = len(body) > 1
    notes = []
    for i, line in enumerate(body):
        mark = _MARKS[i % 26] if chain else ""
        rel = rf"\overset{{({mark})}}{{=}}" if mark else "="
        pieces = split_lines(line.formula)
        lead = first.formula if i == 0 else ""
        rows = [f"  {lead} &{rel} {pieces[0]}"] + [f"  &\\quad {pc}" for pc in pieces[1:]]
        last_link = i == len(body) - 1
        for j, row in enumerate(rows):
            if last_link and j == len(rows) - 1:
                tag = (r" \label{" + _safe_label(item.label) + "}") if item.label else ""
                given = rf"\qquad({item.given})" if item.given else ""
                out.append(row + given + tag)
            else:
                out.append(row + r" \notag\\")
        notes.append((mark, _why(line, item.cites[i], name, present), line.proof))
    out.append(r"\end{align}")
    return out + _notes(notes)


def _lemma(item, name, present):
    line = item.lines[0]
    label = (r"\label{" + _safe_label(item.label) + "}") if item.label else ""
    given = f" (for ${item.given}$)" if item.given else ""
    why = _why(line, item.cites[0], name, present)
    return [r"\begin{equation}",
            r"  \parbox{0.85\linewidth}{\textit{Lemma.} " + why + given + r" \hfill\textsf{[" + line.proof + r"]}}"
            + label, r"\end{equation}"]


def section(rendered: Rendered, *, level: str = "section", present=frozenset()) -> str:
    """One derivation as a LaTeX ``\\section`` (or ``\\subsection``).

    ``present`` are the names of the other derivations in the same document: a
    fact of one of them is cited with ``\\eqref``; a fact of any other derivation
    is named in words, so that the section compiles without it.

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.engine import Derivation, Step
    >>> x = sp.Symbol("x", positive=True)
    >>> v = Derivation("demo", "Demo", steps=(Step((x + 1)**2, x**2 + 2*x + 1, "binomial", label="b"),)).verify()
    >>> print(section(render(v)))
    \\section{Demo}\\label{der:demo}
    ...
      \\left(x + 1\\right)^{2} &= x^{2} + 2 x + 1 \\label{eq:demo:b}
    ...
      \\boxed{\\left(x + 1\\right)^{2} = x^{2} + 2 x + 1}
    ...
    """
    r = rendered
    out = [f"\\{level}{{{r.title}}}\\label{{der:{_safe_label(r.name)}}}", ""]
    if r.statement:
        out += [f"\\paragraph{{Statement.}} {r.statement}", ""]
    if r.assumptions:
        out += ["\\paragraph{Assumptions.}", "\\begin{itemize}"] + [f"  \\item {a}" for a in r.assumptions]
        out += ["\\end{itemize}", ""]
    if r.definitions:
        # a long list of definitions may break across pages (locally, also in a plain article)
        out += ["\\paragraph{Definitions.}", "{\\allowdisplaybreaks", "\\begin{align*}"]
        rows = []
        for name_tex, value_tex, text in r.definitions:
            pieces = split_lines(value_tex)
            rows.append(f"  {name_tex} &:= {pieces[0]}" + "".join(f" \\\\\n  &\\quad {pc}" for pc in pieces[1:])
                        + (f" && \\text{{{text}}}" if text else ""))
        out.append(" \\\\\n".join(rows))
        out += ["\\end{align*}}", ""]
    out += ["\\paragraph{Derivation.}", ""]
    for item in r.items:
        out += (_lemma if item.kind == "lemma" else _equation)(item, r.name, present)
        out.append("")
    out += ["\\paragraph{Result.}", "\\begin{equation*}"]
    boxed = []
    for lhs, rhs, _, given in r.result:
        if not lhs:  # a computer-algebra lemma: its statement, in a box
            out[-1:] = []
            out += [r"\begin{center}\fbox{\parbox{0.9\linewidth}{" + rhs[len(r"\text{"):-1] + "}}\end{center}"]
            boxed = None
            break
        boxed.append(f"{lhs} = {rhs}" + (rf"\qquad({given})" if given else ""))
    if boxed is not None:
        out.append("  \\boxed{" + r",\quad ".join(boxed) + "}" if len(boxed) < 3 else
                   "  \\boxed{\\begin{gathered}" + r"\\ ".join(boxed) + "\\end{gathered}}")
        out.append("\\end{equation*}")
    refs = [rf"\eqref{{{_safe_label(key)}}}" for _, _, key, _ in r.result if key]
    out += [("Proved as " + ", ".join(refs) + " (" if refs else "Proved (")
            + r.proof_summary + ").", ""]
    if r.notes:
        out += [f"\\paragraph{{Notes.}} {r.notes}", ""]
    return "\n".join(out)


def snippet(rendered: Rendered) -> str:
    """The section to ``\\input`` into a paper (needs only ``amsmath`` and ``amssymb``).

    >>> import sympy as sp
    >>> from symrich.engine import Derivation, Step
    >>> x = sp.Symbol("x")
    >>> snippet(render(Derivation("demo", "Demo", steps=(Step(x + x, 2 * x, "collect"),)).verify())).split("\\n")[0]
    '% symrich: derivation demo (needs \\\\usepackage{amsmath,amssymb})'
    """
    return f"% symrich: derivation {rendered.name} (needs \\usepackage{{amsmath,amssymb}})\n" + section(rendered)


def standalone(rendered: Rendered) -> str:
    """One derivation as a complete compilable document.

    >>> import sympy as sp
    >>> from symrich.engine import Derivation, Step
    >>> x = sp.Symbol("x")
    >>> tex = standalone(render(Derivation("demo", "Demo", steps=(Step(x + x, 2 * x, "collect"),)).verify()))
    >>> tex.startswith("\\\\documentclass") and tex.rstrip().endswith("\\\\end{document}")
    True
    """
    return "\n".join([PREAMBLE, "\\begin{document}", section(rendered), "\\end{document}"]) + "\n"


def document(rendered_list, *, title="symrich: verified derivations") -> str:
    """A complete document: title, table of contents, one part per family, equations numbered per section.

    >>> import sympy as sp
    >>> from symrich.engine import Derivation, Step
    >>> x = sp.Symbol("x")
    >>> r = render(Derivation("demo", "Demo", family="toy", steps=(Step(x + x, 2 * x, "collect"),)).verify())
    >>> doc = document([r], title="Toy results")
    >>> [ln for ln in doc.splitlines() if "Toy" in ln or "Demo" in ln]
    ['\\\\title{Toy results}', '\\\\part{Toy}', '\\\\section{Demo}\\\\label{der:demo}']
    """
    out = [PREAMBLE, "\\numberwithin{equation}{section}", f"\\title{{{title}}}", "\\date{}", "\\begin{document}",
           "\\maketitle", "\\tableofcontents", ""]
    family = None
    names = frozenset(r.name for r in rendered_list)
    for r in rendered_list:
        fam = r.family or "other"
        if fam != family:
            out.append(f"\\part{{{fam[:1].upper() + fam[1:]}}}")
            family = fam
        out.append(section(r, present=names))
    out.append("\\end{document}")
    return "\n".join(out) + "\n"
