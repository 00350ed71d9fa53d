r"""Reports of an analysis: plain text, a table over several models, and a LaTeX document.

>>> from symrich.conservation import analyse, single_neuron
>>> print(text_report(analyse(single_neuron(2))))
single_neuron_d2: D = 3 parameters, rates a: eta_a, w: eta_w
  Q_1 = eta_w*a^2 - eta_a*||w||^2
  ...
"""

from __future__ import annotations

import re
from pathlib import Path

import sympy as sp

from symrich.conservation.lie import Analysis
from symrich.conservation.proofs import display_names
from symrich.conservation.prose import escape_text

from symrich.engine import latex
from symrich.engine.notation import latex as tex

__all__ = ["text_report", "table", "analysis_latex", "write_latex", "file_stem", "latex_path", "latex_paths"]

#: Products of laws listed one per line by :func:`text_report`; the others are counted.
SHOWN_PRODUCTS = 10


def _check(analysis):
    if not isinstance(analysis, Analysis):
        raise TypeError(f"expected the result of analyse (an Analysis), got {type(analysis).__name__}")


def text_report(analysis: Analysis) -> str:
    """The laws, the count and the verdict of one model, as plain text.

    Examples
    --------
    >>> from symrich.conservation import analyse, deep_linear
    >>> print(text_report(analyse(deep_linear((1, 1, 1, 1), rates=1))))
    deep_linear_1_1_1_1: D = 3 parameters, rates W3: 1, W2: 1, W1: 1
      Q_1 = W3^2 - W2^2
      Q_2 = W2^2 - W1^2
      polynomial laws of degree <= 2: 2 (basis), 2 functionally independent
      count: at most 2 independent laws of any kind near a generic point (upper bound D - rank Lie(W) = 3 - 1; ...)
      Complete: ...
    """
    _check(analysis)
    m, laws, c = analysis.model, analysis.laws, analysis.count
    lines = [f"{m.name}: D = {m.D} parameters, rates " + ", ".join(f"{g.name}: {g.rate}" for g in m.parameters)]
    for Q in laws.matrices:
        k = Q.matrix.shape[0]
        if Q.diagonal:
            lines.append(f"  {Q.name}[k,k] = {Q.text}   [k = 1..{k}: {k} laws]")
        else:
            lines.append(f"  {Q.name} = {Q.text}" + ("" if k == 1 else f"   [{k} x {k}, symmetric: {k * (k + 1) // 2} laws]"))
    listed = [law for law in laws.laws if not law.matrix and not law.factors] + list(laws.products[:SHOWN_PRODUCTS])
    lines += [f"  {law.formula}" for law in listed]
    products = len(laws.products)
    if products > SHOWN_PRODUCTS:
        lines.append(f"  ... and {products - SHOWN_PRODUCTS} more products of laws of lower degree (Laws.products)")
    lines.append(f"  polynomial laws of degree <= {laws.degree}: " + (
        "none" if not len(laws) else f"{len(laws)} (basis"
        + (f", {products} of them products of laws of lower degree" if products else "")
        + f"), {analysis.independent} functionally independent"))
    lines += [f"  note: {_unused(m)}"] if m.unused else []
    lines.append(f"  count: at most {c.count} independent law{'' if c.count == 1 else 's'} of any kind near a generic "
                 f"point (upper bound D - rank Lie(W) = {c.D} - {c.lie_rank}; brackets to depth {c.depth}, "
                 f"{c.points} random points, stopped: {c.stop})")
    lines.append(f"  {analysis.statement}")
    return "\n".join(lines)


def _unused(model) -> str:
    """The note on the parameters that appear in no output."""
    names = ", ".join(map(str, model.unused))
    if len(model.unused) == 1:
        return f"{names} appears in no output, hence not in the loss: the flow never moves it, a law of degree 1"
    return f"{names} appear in no output, hence not in the loss: the flow never moves them, each a law of degree 1"


def table(analyses) -> str:
    """A Markdown table: model, D, laws found, independent, count (an upper bound), complete, seconds.

    Examples
    --------
    >>> from symrich.conservation import analyse, single_neuron
    >>> print(table([analyse(single_neuron(2))]))
    | model | D | laws found | independent | count (at most) | complete | discover (s) | count (s) |
    |---|---|---|---|---|---|---|---|
    | single_neuron_d2 | 3 | 1 | 1 | 1 | yes | ... | ... |
    """
    rows = ["| model | D | laws found | independent | count (at most) | complete | discover (s) | count (s) |",
            "|---|---|---|---|---|---|---|---|"]
    for a in analyses:
        _check(a)
        rows.append(f"| {a.model.name} | {a.model.D} | {len(a.laws)} | {a.independent} | {a.count.count} | "
                    f"{'yes' if a.complete else 'not proved'} | {a.laws.seconds:.2f} | {a.count.seconds:.2f} |")
    return "\n".join(rows)


def file_stem(name: str) -> str:
    """A file name made of a model name (letters, digits, ``.``, ``_``, ``-``).

    >>> file_stem("two_layer_z^2+z_2_2")
    'two_layer_z-2-z_2_2'
    """
    return re.sub(r"[^A-Za-z0-9._-]", "-", name)


def analysis_latex(analysis: Analysis, verified=()) -> str:
    """A complete LaTeX document: the summary (laws, count, verdict) and the verified derivations.

    Examples
    --------
    >>> from symrich.conservation import analyse, law_derivations, single_neuron
    >>> a = analyse(single_neuron(1))
    >>> tex = analysis_latex(a, [d.verify() for d in law_derivations(a.laws)])
    >>> "\\\\section{Summary}" in tex and "\\\\boxed" in tex and tex.rstrip().endswith("\\\\end{document}")
    True
    """
    _check(analysis)
    m, c = analysis.model, analysis.count
    rename = display_names(m.theta)
    items = [f"  \\item ${tex(sp.Symbol(Q.name))} = "
             f"{tex(Q.expression.xreplace(rename), order='none')}$" + (" (diagonal entries)" if Q.diagonal else "")
             for Q in analysis.laws.matrices]
    items += [f"  \\item ${tex(sp.Symbol(law.name))} = "
              + (tex(sp.Mul(*map(sp.Symbol, law.factors))) + "$ (a product of laws)" if law.factors
                 else f"{tex(law.expr.xreplace(rename))}$")
              for law in analysis.laws.laws if not law.matrix]
    own = {g.name: g.rate == sp.Symbol(f"eta_{g.name}", positive=True) for g in m.parameters}  # eta_W1 = eta_W1
    rates = ", ".join(f"${tex(sp.Symbol('eta_' + g.name))}" + ("" if own[g.name] else f" = {tex(g.rate)}") + "$"
                      for g in m.parameters)
    name = escape_text(m.name)
    unused = [f"Note: {escape_text(_unused(m))}.", ""] if m.unused else []
    out = [latex.PREAMBLE, f"\\title{{Conservation laws of \\texttt{{{name}}}}}", "\\date{}",
           "\\begin{document}", "\\maketitle", "\\section{Summary}", "",
           f"Model \\texttt{{{name}}}: $D = {m.D}$ parameters; learning rates {rates}.", "",
           f"Polynomial laws of degree at most ${analysis.laws.degree}$ (a basis of ${len(analysis.laws)}$, "
           f"${analysis.independent}$ functionally independent):",
           "\\begin{itemize}", *(items or ["  \\item none"]), "\\end{itemize}", "", *unused,
           f"Count: at most ${c.count}$ independent law{'' if c.count == 1 else 's'} of any kind near a generic point "
           "(the upper bound "
           f"$D - \\operatorname{{rank}} \\operatorname{{Lie}}(W) = {c.D} - {c.lie_rank}$; "
           f"brackets to depth ${c.depth}$, ${c.points}$ random rational points).", "",
           "\\textbf{Verdict.} " + analysis.statement_latex, ""]
    out += [latex.section(latex.render(v)) for v in verified]
    out.append("\\end{document}")
    return "\n".join(out) + "\n"


def latex_path(name: str, out_dir) -> Path:
    """Where :func:`write_latex` writes the LaTeX of the model called ``name``: ``out_dir/conservation-<name>.tex``.

    >>> latex_path("two_layer_z^2_2_2", "out").as_posix()
    'out/conservation-two_layer_z-2_2_2.tex'
    """
    return Path(out_dir) / f"conservation-{file_stem(name)}.tex"


def latex_paths(names, out_dir) -> tuple:
    """The file of each model called ``names`` (:func:`latex_path`), refusing two models that would share one.

    Two models share a file when they have the same name, or names equal up
    to the characters :func:`file_stem` replaces.  (The command line checks
    this, and that ``out_dir`` can be written, before any computation.)

    Returns
    -------
    tuple of Path

    Raises
    ------
    ValueError
        Naming the two models and the file.

    Examples
    --------
    >>> [p.name for p in latex_paths(["a^2", "b"], "out")]
    ['conservation-a-2.tex', 'conservation-b.tex']
    >>> latex_paths(["a^2", "a_2", "a-2"], "out")
    Traceback (most recent call last):
    ...
    ValueError: models 'a^2' and 'a-2' would both write conservation-a-2.tex: give them distinct names ...
    """
    paths = [latex_path(n, out_dir) for n in names]
    first = {}
    for name, path in zip(names, paths):
        if path.name in first:
            raise ValueError(f"models {first[path.name]!r} and {name!r} would both write {path.name}: give them "
                             "distinct names (name= of the builder or of Model, or `name = ...` in a TOML table)")
        first[path.name] = name
    return tuple(paths)


def write_latex(analysis: Analysis, verified, out_dir) -> Path:
    """Write :func:`analysis_latex` to :func:`latex_path` (``out_dir/conservation-<model>.tex``) and return the path.

    Examples
    --------
    >>> import tempfile
    >>> from symrich.conservation import analyse, single_neuron
    >>> write_latex(analyse(single_neuron(1)), [], tempfile.mkdtemp()).name
    'conservation-single_neuron_d1.tex'
    """
    out = Path(out_dir)
    path = latex_path(analysis.model.name, out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        path.write_text(analysis_latex(analysis, verified))
    except OSError as exc:
        raise ValueError(f"cannot write the LaTeX to {str(out)!r}: {exc}") from exc
    return path
