"""The paper's notation in LaTeX: one printer for every displayed formula.

SymPy's LaTeX printer is extended in several ways, so that a displayed equation
reads as in the paper (Kunin, Raventós et al., 2024) rather than as SymPy:

* symbol names come from the glossary :data:`symrich.symbolic.symbols.LATEX`
  (``beta_star`` is :math:`\\beta_*`, ``w_perp0`` is :math:`w_{\\perp,0}`);
* time derivatives of functions of the time ``t`` are dots
  (:math:`\\dot\\chi(t)`, :math:`\\ddot\\chi(t)`), also evaluated at a point
  (:math:`\\dot\\chi(0)`);
* applied undefined functions print as :math:`\\chi(t)`, without
  ``\\left( \\right)`` (so a long line may break inside);
* transposes print as :math:`w^\\top`, a ``1 x 1`` identity factor is dropped, a sum of
  matrices with a negative term reads :math:`A - \\eta B` (SymPy writes ``A + - \\eta B``), and
  the trace of a ``1 x 1`` product (a scalar ``u^T v``) prints as the product;
* a name ending in ``_dot`` (``_ddot``) is dotted: ``w_dot`` is :math:`\\dot w`;
* any other time derivative is :math:`\\frac{d}{dt}(\\cdot)` (never a partial);
* an indicator ``Piecewise((1, c), (0, True))`` is the Iverson bracket :math:`[c]`,
  ``expm1(x)`` is :math:`\\operatorname{expm1}(x)`.

>>> import sympy as sp
>>> t = sp.Symbol("t")
>>> chi = sp.Function("chi")
>>> latex(sp.Derivative(chi(t), t) + sp.Symbol("beta_star"))
'\\\\beta_* + \\\\dot{\\\\chi}(t)'
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter

from symrich.symbolic.symbols import LATEX

__all__ = ["latex", "NotationPrinter", "accent"]

#: name of the time variable whose derivatives are printed with dots.
TIME = "t"


_HEAD = re.compile(r"^(\\[A-Za-z]+|[A-Za-z])((?:_|\^).*)$")


def accent(command, tex):
    r"""``command`` (``\dot``) over the letter of ``tex``, not over its subscript: ``\dot{W}_{\ell+1}``.

    >>> print(accent(r"\dot", r"W_{\ell+1}"), accent(r"\dot", r"\beta_{k}"), accent(r"\ddot", "a"))
    \dot{W}_{\ell+1} \dot{\beta}_{k} \ddot{a}
    """
    m = _HEAD.match(tex)
    if m:
        return f"{command}{{{m.group(1)}}}{m.group(2)}"
    return f"{command}{{{tex}}}"


class NotationPrinter(LatexPrinter):
    """SymPy's LaTeX printer with the paper's notation (see the module docstring).

    Examples
    --------
    >>> import sympy as sp
    >>> w = sp.MatrixSymbol("w", 3, 1)
    >>> NotationPrinter().doprint(w.T * w)
    'w^\\\\top w'
    """

    def __init__(self, settings=None):
        settings = dict(settings or {})
        settings.setdefault("mat_delim", "(")
        settings.setdefault("fold_short_frac", False)
        super().__init__(settings)

    # names ------------------------------------------------------------------
    def _print_Symbol(self, expr, style="plain"):
        name = expr.name
        if name in LATEX:
            return LATEX[name]
        for suffix, command in (("_ddot", r"\ddot"), ("_dot", r"\dot")):
            if name.endswith(suffix) and len(name) > len(suffix):
                return accent(command, self._print_Symbol(sp.Symbol(name[:-len(suffix)]), style))
        return super()._print_Symbol(expr, style=style)

    def _print_MatrixSymbol(self, expr):
        if expr.name in LATEX:
            return LATEX[expr.name]
        return self._print_Symbol(sp.Symbol(expr.name))

    def _print_Dummy(self, expr):
        return self._print_Symbol(sp.Symbol(expr.name))

    # functions of time -------------------------------------------------------
    def _function_name(self, func):
        name = func.__name__
        if name in LATEX:
            return LATEX[name]
        return self._print_Symbol(sp.Symbol(name))

    def _print_undefined(self, expr, exp=None):
        body = self._function_name(expr.func) + "(" + ", ".join(self._print(a) for a in expr.args) + ")"
        return body if exp is None else f"{body}^{{{exp}}}"

    def _print_Function(self, expr, exp=None):
        if isinstance(expr, AppliedUndef):
            return self._print_undefined(expr, exp)
        return super()._print_Function(expr, exp)

    def _dots(self, expr):
        """``(function, order)`` when ``expr`` is a time derivative of a function of ``t`` only, else None."""
        if not isinstance(expr, sp.Derivative) or not isinstance(expr.expr, AppliedUndef):
            return None
        if len(expr.variable_count) != 1:
            return None
        var, order = expr.variable_count[0]
        if var.name != TIME or order > 3 or expr.expr.args != (var,):
            return None
        return expr.expr, order

    def _print_Derivative(self, expr):
        dots = self._dots(expr)
        if dots is None:
            if len(expr.variable_count) == 1 and expr.variable_count[0][0].name == TIME:
                order = expr.variable_count[0][1]
                head = r"\frac{d}{dt}" if order == 1 else rf"\frac{{d^{{{order}}}}}{{dt^{{{order}}}}}"
                return head + r"\left(" + self._print(expr.expr) + r"\right)"
            return super()._print_Derivative(expr)
        func, order = dots
        command = {1: r"\dot", 2: r"\ddot", 3: r"\dddot"}[order]
        return accent(command, self._function_name(func.func)) + f"({self._print(func.args[0])})"

    def _print_Subs(self, expr):
        inner, old, new = expr.args
        dots = self._dots(inner)
        if dots is not None and len(old) == 1 and old[0] == dots[0].args[0]:
            func, order = dots
            command = {1: r"\dot", 2: r"\ddot", 3: r"\dddot"}[order]
            return accent(command, self._function_name(func.func)) + f"({self._print(new[0])})"
        return super()._print_Subs(expr)

    # indicators and float functions ------------------------------------------------
    def _print_Piecewise(self, expr):
        """``Piecewise((1, cond), (0, True))`` is the indicator (Iverson bracket) ``[cond]``."""
        if len(expr.args) == 2 and expr.args[0].expr == 1 and expr.args[1].expr == 0 and expr.args[1].cond == True:  # noqa: E712
            return r"[" + self._print(expr.args[0].cond) + r"]"
        return super()._print_Piecewise(expr)

    def _print_expm1(self, expr, exp=None):
        body = r"\operatorname{expm1}\left(" + self._print(expr.args[0]) + r"\right)"
        return body if exp is None else rf"{body}^{{{exp}}}"

    # matrices ------------------------------------------------------------------
    def _print_MatAdd(self, expr):
        # SymPy's printer writes ``A + - eta B`` for a term whose scalar factor is negative
        tex = ""
        for i, term in enumerate(self._as_ordered_terms(expr)):
            negative = False
            if isinstance(term, sp.MatMul):
                coeff = sp.Mul(*(a for a in term.args if not a.is_Matrix))
                negative = coeff.could_extract_minus_sign()
                if negative:
                    factors = ([] if coeff == -1 else [-coeff]) + [a for a in term.args if a.is_Matrix]
                    term = sp.MatMul(*factors) if len(factors) > 1 else factors[0]
            tex += ("- " if negative else "") if i == 0 else (" - " if negative else " + ")
            term_tex = self._print(term)
            tex += rf"\left({term_tex}\right)" if self._needs_add_brackets(term) else term_tex
        return tex

    def _print_MatMul(self, expr):
        factors = [f for f in expr.args if not (isinstance(f, sp.Identity) and f.shape == (1, 1))]
        if len(factors) == len(expr.args):
            return super()._print_MatMul(expr)
        if not factors:
            return "1"
        return self._print(sp.MatMul(*factors)) if len(factors) > 1 else self._print(factors[0])

    def _print_Identity(self, expr):
        if expr.shape == (1, 1):
            return "1"
        return rf"I_{{{self._print(expr.shape[0])}}}"

    def _print_Pow(self, expr):
        base = expr.base
        if isinstance(base, sp.Trace) and base.arg.shape == (1, 1) and expr.exp.is_Integer and expr.exp > 0:
            return rf"\left({self._print(base)}\right)^{{{self._print(expr.exp)}}}"
        return super()._print_Pow(expr)

    def _print_Trace(self, expr):
        if expr.arg.shape == (1, 1):  # a 1x1 product is the scalar u^T v
            return self._print(expr.arg)
        return rf"\operatorname{{tr}}\left({self._print(expr.arg)}\right)"

    def _print_Transpose(self, expr):
        base = self._print(expr.arg)
        if not isinstance(expr.arg, (sp.MatrixSymbol, sp.Symbol)):
            base = rf"\left({base}\right)"
        return base + r"^\top"


def latex(expr, **settings) -> str:
    """LaTeX of ``expr`` in the paper's notation.

    Parameters
    ----------
    expr : sympy expression, matrix or matrix expression
    **settings
        Passed to :class:`sympy.printing.latex.LatexPrinter`.

    Examples
    --------
    >>> import sympy as sp
    >>> latex(sp.Symbol("eta_a") * sp.Symbol("w_perp0"))
    '\\\\eta_{a} w_{\\\\perp,0}'
    >>> A, B = sp.MatrixSymbol("A", 2, 2), sp.MatrixSymbol("B", 2, 2)
    >>> eta_a, eta_w = sp.symbols("eta_a eta_w", positive=True)
    >>> latex(-eta_a * A - eta_w * B)
    '- \\\\eta_{a} A - \\\\eta_{w} B'
    """
    return NotationPrinter(settings).doprint(expr)
