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

__all__ = ["derivation_latex", "document_latex", "standalone_latex", "write_document", "result_text", "text", "PREAMBLE"]

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[margin=2.2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{listings}
\lstset{basicstyle=\ttfamily\footnotesize,breaklines=true,columns=fullflexible,keepspaces=true}
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


_GREEK = {
    "alpha", "beta", "gamma", "delta", "Delta", "epsilon", "eta", "theta", "kappa", "lambda", "Lambda", "mu",
    "nu", "rho", "sigma", "Sigma", "tau", "phi", "Phi", "chi", "psi", "omega", "pi", "xi",
}
_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "^": r"\^{}", "&": r"\&",
    "%": r"\%", "$": r"\$", "#": r"\#", "~": r"\~{}", "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
}
_OPERATORS = [("+oo", r"$+\infty$"), ("-oo", r"$-\infty$"), ("->", r"$\to$"), (">=", r"$\geq$"),
              ("<=", r"$\leq$"), ("!=", r"$\neq$"), ("~", r"$\sim$")]
_TOKEN = re.compile(
    r"\$[^$]*\$"                                   # inline math, passed through
    r"|\|\|[^|]+\|\|(?:\^[A-Za-z0-9]+)?"           # ||x|| norms, optionally squared
    r"|\+oo|-oo|->|>=|<=|!=|~"                     # operators
    r"|:[a-z]+:`[^`]*`"                            # reST roles such as :func:`name`
    r"|(?<![A-Za-z0-9])[A-Za-z]+_hat(?:_[A-Za-z0-9]+)?(?:\^[A-Za-z0-9]+)?"  # w_hat_k
    r"|(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+){2,}"      # identifiers a_b_c
    r"|(?<![A-Za-z0-9])[A-Za-z]+(?:_(?:\{[^}]*\}|[A-Za-z0-9*]+))?(?:\^(?:\{[^}]*\}|[A-Za-z0-9+*-]+))?"
)


def _texttt(s: str) -> str:
    """An identifier in typewriter type that may break after dots and underscores."""
    return "\\texttt{" + _escape(s).replace(".", ".\\allowbreak{}").replace("\\_", "\\_\\allowbreak{}") + "}"


def _escape(s: str) -> str:
    return "".join(_SPECIAL.get(c, c) for c in s)


def _math_word(word: str) -> str | None:
    """LaTeX for a math-looking word (``eta_w``, ``a^2``, ``delta``), or None for plain words."""
    m = re.fullmatch(r"([A-Za-z]+)(?:_(\{[^}]*\}|[A-Za-z0-9*]+))?(?:\^(\{[^}]*\}|[A-Za-z0-9+*-]+))?", word)
    if m is None:  # e.g. "w0": letters then digits, not a math word we rewrite
        return None
    base, sub, sup = m.group(1), m.group(2), m.group(3)
    if base not in _GREEK and sub is None and sup is None:
        return None
    if base == "beta" and sub == "star":
        sub = "*"
    if base == "sum" and sub is not None:
        return "\\sum_{" + sub.strip("{}") + "}"
    out = ("\\" + base) if base in _GREEK else base
    if sub is not None:
        sub = sub.strip("{}")
        sub = "\\" + sub if sub in _GREEK else sub
        out += "_{" + sub + "}"
    if sup is not None:
        out += "^{" + sup.strip("{}") + "}"
    return out


def text(s: str) -> str:
    r"""Prose with ASCII math to LaTeX: ``eta_w a^2`` -> ``$\eta_{w}$ $a^{2}$``, ``||w||`` -> ``$\|w\|$``.

    ``$...$`` segments pass through unchanged; every other special character is escaped.

    >>> print(text("delta -> +oo, ||w||^2 and eta_a > 0 (100%)"))
    $\delta$ $\to$ $+\infty$, $\|w\|^{2}$ and $\eta_{a}$ \textgreater{} 0 (100\%)
    """
    s = s.replace("``", "")
    out, pos = [], 0
    for m in _TOKEN.finditer(s):
        out.append(_escape(s[pos:m.start()]))
        tok = m.group(0)
        if tok.startswith("$"):
            out.append(tok)
        elif tok.startswith(":"):
            out.append(_texttt(tok.split("`")[1]))
        elif "_hat" in tok:
            base, _, rest = tok.partition("_hat")
            sub, _, sup = rest.lstrip("_").partition("^")
            word = "\\hat{" + (("\\" + base) if base in _GREEK else base) + "}"
            word += ("_{" + sub + "}" if sub else "") + ("^{" + sup + "}" if sup else "")
            out.append(f"${word}$")
        elif tok.count("_") >= 2 or re.fullmatch(r"[a-z]+_[a-z]{6,}", tok):  # identifiers: a_b_c, scalar_transposes
            out.append(_texttt(tok))
        elif tok.startswith("||"):
            body, _, power = tok[2:].rpartition("||")
            inner = _math_word(body) if re.fullmatch(r"[A-Za-z_0-9^*{}]+", body) else None
            if inner is None:
                inner = body if re.fullmatch(r"[A-Za-z0-9]+", body) else "\\text{" + _escape(body) + "}"
            out.append("$\\|" + inner + "\\|" + (power and "^{" + power[1:] + "}") + "$")
        elif tok in dict(_OPERATORS):
            out.append(dict(_OPERATORS)[tok])
        else:
            word = _math_word(tok)
            out.append(f"${word}$" if word else _escape(tok))
        pos = m.end()
    out.append(_escape(s[pos:]))
    return "".join(out)


#: A side whose LaTeX is longer than this is shown abbreviated (its size is stated).
MAX_SIDE_CHARS = 420
#: A matrix whose LaTeX is longer than this is shown entry by entry.
MAX_MATRIX_CHARS = 220


def math(expr) -> str:
    """``sympy.latex`` with the paper's symbol names, made breakable by ``breqn``.

    ``\\left( ... \\right)`` groups cannot be broken across lines, so plain
    parentheses are used; long fractions become ``(num)/(den)``; ``a(t)`` prints
    as ``a(t)``.
    """
    import sympy as sp

    symbol_names = {}
    for sym in getattr(expr, "free_symbols", set()):
        name = str(sym)
        if name in _SYMBOL_NAMES:
            symbol_names[sym] = _SYMBOL_NAMES[name]
    out = sp.latex(expr, symbol_names=symbol_names, mat_delim="(", fold_short_frac=False)
    return _breakable(out)


def _breakable(tex: str) -> str:
    tex = re.sub(r"\{\\left\(t \\right\)\}", "(t)", tex)
    if "\\begin{matrix}" not in tex:
        tex = tex.replace("\\left(", "(").replace("\\right)", ")").replace("\\left[", "[").replace("\\right]", "]")
    return _unfold_long_fractions(_unfold_long_roots(_unbrace_function_arguments(tex)))


_FUNCTION = re.compile(r"\\(?:log|exp|sin|cos|tan|sinh|cosh|tanh|asinh|operatorname\{[A-Za-z]+\})\{\(")


def _unbrace_function_arguments(tex: str) -> str:
    """``\\log{(x + y)}`` -> ``\\log(x + y)``: no brace group, so a line may break inside."""
    while True:
        m = _FUNCTION.search(tex)
        if not m:
            return tex
        open_brace = m.end() - 2
        end = _brace_group(tex, open_brace)
        tex = tex[:open_brace] + tex[open_brace + 1:end - 1] + tex[end:]


def _unfold_long_roots(tex: str, limit: int = 60) -> str:
    """``\\sqrt{long}`` -> ``(long)^{1/2}`` so that a line may break inside the root."""
    out, i = [], 0
    while True:
        k = tex.find("\\sqrt{", i)
        if k < 0:
            out.append(tex[i:])
            return "".join(out)
        end = _brace_group(tex, k + 5)
        body = _unfold_long_roots(tex[k + 6:end - 1], limit)
        out.append(tex[i:k])
        out.append(f"({body})^{{1/2}}" if len(body) > limit else f"\\sqrt{{{body}}}")
        i = end


def _brace_group(tex, i):
    """Index just past the brace group starting at ``tex[i] == '{'``."""
    depth = 0
    for j in range(i, len(tex)):
        if tex[j] == "{":
            depth += 1
        elif tex[j] == "}":
            depth -= 1
            if depth == 0:
                return j + 1
    raise ValueError("unbalanced braces")


def _unfold_long_fractions(tex: str, limit: int = 90) -> str:
    out, i = [], 0
    while True:
        k = tex.find("\\frac{", i)
        if k < 0:
            out.append(tex[i:])
            return "".join(out)
        n_end = _brace_group(tex, k + 5)
        d_end = _brace_group(tex, n_end)
        num, den = tex[k + 6:n_end - 1], tex[n_end + 1:d_end - 1]
        out.append(tex[i:k])
        if len(num) + len(den) > limit and "\\begin{matrix}" not in num + den:
            out.append("(" + _unfold_long_fractions(num, limit) + ") / (" + _unfold_long_fractions(den, limit) + ")")
        else:
            out.append("\\frac{" + _unfold_long_fractions(num, limit) + "}{" + _unfold_long_fractions(den, limit) + "}")
        i = d_end


#: Approximate LaTeX source characters that fit on one displayed line.
LINE_CHARS = 140


def _break_points(tex):
    """Indices of top-level (brace depth 0) ``+``, ``-`` and ``=`` where a line may break."""
    points, depth, i = [], 0, 0
    while i < len(tex):
        c = tex[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and tex[i:i + 3] in (" + ", " - ", " = ") and i > 0:
            points.append(i + 1)
        i += 1
    return points


def split_lines(tex: str, width: int = LINE_CHARS) -> list:
    """Split a LaTeX formula at top-level operators into lines of about ``width`` source characters.

    Plain parentheses (never ``\\left``/``\\right``) may open on one line and close
    on another, so breaks are allowed at any parenthesis depth.

    >>> split_lines("a + b + c", width=5)
    ['a', '+ b', '+ c']
    """
    if len(tex) <= width or "\\begin{matrix}" in tex:
        return [tex]
    lines, start, last = [], 0, None
    for p in _break_points(tex) + [len(tex)]:
        if p - start > width and last is not None and last > start:
            lines.append(tex[start:last].strip())
            start = last
        last = p
    lines.append(tex[start:].strip())
    return [ln for ln in lines if ln]


def _display(line):
    parts = split_lines(line)
    if len(parts) == 1:
        return ["  \\begin{equation*}", f"    {parts[0]}", "  \\end{equation*}"]
    body = [f"    & {parts[0]} \\\\"] + [f"    & \\qquad {p} \\\\" for p in parts[1:-1]] + [f"    & \\qquad {parts[-1]}"]
    return ["  \\begin{align*}"] + body + ["  \\end{align*}"]


def _side(expr) -> str:
    tex = math(expr)
    if len(tex) <= MAX_SIDE_CHARS:
        return tex
    import sympy as sp

    ops = sp.count_ops(expr) if not hasattr(expr, "shape") else sum(sp.count_ops(e) for e in expr)
    return r"\left[\text{expression with " + str(ops) + r" operations, abbreviated}\right]"


def _equation_lines(lhs, rhs):
    """The displayed equations of one step (entrywise for wide matrices)."""
    import sympy as sp

    if isinstance(lhs, sp.MatrixBase) and isinstance(rhs, sp.MatrixBase) and len(math(lhs)) + len(math(rhs)) > MAX_MATRIX_CHARS:
        rows = []
        for i in range(lhs.shape[0]):
            for j in range(lhs.shape[1]):
                idx = f"{i + 1}" if lhs.shape[1] == 1 else f"{i + 1}{j + 1}"
                rows.append(rf"[\,\cdot\,]_{{{idx}}}:\ {_side(lhs[i, j])} = {_side(rhs[i, j])}")
        return rows
    return [f"{_side(lhs)} = {_side(rhs)}"]


def _label(name):
    return re.sub(r"[^A-Za-z0-9:-]", "-", name)


def _proof_text(proof) -> str:
    if proof.kind == "symbolic":
        return f"symbolic: {proof.method}"
    return f"numeric: {proof.digits} digits at {proof.points} random points"


def derivation_latex(verified, *, level="section") -> str:
    """One verified derivation as a LaTeX ``\\section`` (or ``\\subsection``).

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.engine import Derivation, Step
    >>> x = sp.Symbol("x", positive=True)
    >>> v = Derivation("demo", "Demo", family="toy",
    ...                steps=(Step((x + 1)**2, x**2 + 2*x + 1, "binomial"),)).verify()
    >>> print(derivation_latex(v))
    \\section{Demo}\\label{der:demo}
    ...
      \\item binomial \\proofkind{symbolic: expand}
      \\begin{equation*}
        (x + 1)^{2} = x^{2} + 2 x + 1
      \\end{equation*}
    ...
      \\boxed{(x + 1)^{2} = x^{2} + 2 x + 1}
    ...
    >>> print(derivation_latex(v, level="subsection").splitlines()[0])
    \\subsection{Demo}\\label{der:demo}
    """
    d = verified.derivation
    out = [f"\\{level}{{{_escape(d.title)}}}\\label{{der:{_label(d.name)}}}", ""]
    if d.statement:
        out += [f"\\textbf{{Statement.}} {text(d.statement)}", ""]
    if d.assumptions:
        out += ["\\textbf{Assumptions.}", "\\begin{itemize}"]
        out += [f"  \\item {text(a)}" for a in d.assumptions]
        out += ["\\end{itemize}", ""]
    out += ["\\textbf{Derivation.}", "\\begin{enumerate}"]
    for step, proof in verified:
        out += [
            f"  \\item {text(step.why)} \\proofkind{{{_escape(_proof_text(proof))}}}",
        ]
        for line in _equation_lines(step.lhs, step.rhs):
            out += _display(line)
    out += ["\\end{enumerate}", ""]
    if d.notes:
        out += [f"\\textbf{{Notes.}} {text(d.notes)}", ""]
    lhs, rhs = d.final
    out += ["\\textbf{Result.}", "\\begin{equation*}", f"  \\boxed{{{math(lhs)} = {math(rhs)}}}", "\\end{equation*}", ""]
    out += ["In SymPy notation:", "\\begin{lstlisting}", result_text(verified), "\\end{lstlisting}", ""]
    return "\n".join(out)


def result_text(verified) -> str:
    """The boxed result in SymPy's plain notation (``lhs = rhs``), one line.

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.engine import Derivation, Step
    >>> x = sp.Symbol("x", positive=True)
    >>> v = Derivation("demo", "Demo", family="toy",
    ...                steps=(Step((x + 1)**2, x**2 + 2*x + 1, "binomial"),)).verify()
    >>> result_text(v)
    '(x + 1)**2 = x**2 + 2*x + 1'
    """
    import sympy as sp

    lhs, rhs = verified.derivation.final
    return f"{sp.sstr(lhs)} = {sp.sstr(rhs)}".replace("\n", " ")


def document_latex(verified_list, *, title="symrich: verified derivations") -> str:
    """A complete document: title, table of contents, one part per family.

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.engine import Derivation, Step
    >>> x = sp.Symbol("x", positive=True)
    >>> v = Derivation("demo", "Demo", family="toy",
    ...                steps=(Step((x + 1)**2, x**2 + 2*x + 1, "binomial"),)).verify()
    >>> doc = document_latex([v], title="Toy results")
    >>> for line in doc.splitlines():
    ...     if "Toy" in line or "Demo" in line:
    ...         print(line)
    \\title{Toy results}
    \\part{Toy}
    \\section{Demo}\\label{der:demo}
    >>> doc.rstrip().endswith("end{document}")
    True
    """
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
    """One derivation as a complete compilable document.

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.engine import Derivation, Step
    >>> x = sp.Symbol("x", positive=True)
    >>> v = Derivation("demo", "Demo", family="toy",
    ...                steps=(Step((x + 1)**2, x**2 + 2*x + 1, "binomial"),)).verify()
    >>> tex = standalone_latex(v)
    >>> print(tex.splitlines()[0])
    \\documentclass[11pt]{article}
    >>> "begin{document}" in tex and derivation_latex(v) in tex
    True
    """
    return "\n".join([PREAMBLE, "\\begin{document}", derivation_latex(verified), "\\end{document}"]) + "\n"


def write_document(verified_list, out_dir) -> dict:
    """Write ``<name>.tex`` per derivation and ``symrich-derivations.tex``; return the paths.

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.engine import Derivation, Step
    >>> x = sp.Symbol("x", positive=True)
    >>> v = Derivation("demo", "Demo", family="toy",
    ...                steps=(Step((x + 1)**2, x**2 + 2*x + 1, "binomial"),)).verify()
    >>> import tempfile
    >>> paths = write_document([v], tempfile.mkdtemp())
    >>> sorted(paths)
    ['__combined__', 'demo']
    >>> paths["demo"].name, paths["__combined__"].name
    ('demo.tex', 'symrich-derivations.tex')
    >>> paths["demo"].read_text() == standalone_latex(v)
    True
    """
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
