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
* a row of ones (SymPy's ``OneMatrix(1, n)``) prints as :math:`1^\\top`, the transpose of the column of ones;
* a name ending in ``_dot`` (``_ddot``) is dotted: ``w_dot`` is :math:`\\dot w`;
* any other time derivative is :math:`\\frac{d}{dt}(\\cdot)` (never a partial);
* an indicator ``Piecewise((1, c), (0, True))`` is the Iverson bracket :math:`[c]`,
  ``expm1(x)`` is :math:`\\operatorname{expm1}(x)`;
* the paper's order of terms and factors: a sum starts with a positive term when it has one
  (:math:`y - a X w`, not :math:`-a X w + y`), learning rates come first in a product
  (:math:`\\eta_w a^2`, not :math:`a^2 \\eta_w`), and a rational factor of a matrix product is
  :math:`\\tfrac12` (not :math:`(\\frac{1}{2})`).

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


def _negative(term):
    """Whether a term of a sum prints with a minus sign (a matrix product: its scalar factor is negative)."""
    if isinstance(term, sp.MatMul):
        return sp.Mul(*(f for f in term.args if not f.is_Matrix)).could_extract_minus_sign()
    return not term.is_Matrix and term.could_extract_minus_sign()


def _is_rate(factor):
    """A learning rate (``eta``, ``eta_a``, ``eta_{l+1}``, ...) or a positive integer power of one."""
    base, exp = factor.as_base_exp()
    return (isinstance(base, sp.Symbol) and (base.name == "eta" or base.name.startswith("eta_"))
            and exp.is_Integer and exp > 0)


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

    # the paper's order of terms and factors -------------------------------------
    def _as_ordered_terms(self, expr, order=None):
        """SymPy's order, except that a sum starts with a positive term when it has one (``y - a X w``)."""
        terms = super()._as_ordered_terms(expr, order=order)
        if (order or self.order) in ("old", "none") or not terms or not _negative(terms[0]):
            return terms
        for i, term in enumerate(terms):
            if not _negative(term):
                return [term] + terms[:i] + terms[i + 1:]
        return terms

    def _print_Mul(self, expr):
        """Learning rates first in a product (``\\eta_w a^2``); everything else as SymPy prints it."""
        args = expr.args
        written = args[0] is sp.S.One or any(isinstance(f, sp.Number) for f in args[1:])  # unevaluated: as written
        if (written or self.order in ("old", "none") or not expr.is_commutative
                or not any(_is_rate(f) for f in args) or all(_is_rate(f) for f in args)):
            return super()._print_Mul(expr)
        if expr.could_extract_minus_sign():
            return "- " + self._print(-expr)
        from sympy.simplify import fraction
        numer, denom = fraction(expr, exact=True)
        coeff, body = numer.as_coeff_Mul()
        factors = sp.Mul.make_args(body)
        rates = [f for f in factors if _is_rate(f)]
        others = [f for f in factors if not _is_rate(f)]
        if not rates or not others:
            return super()._print_Mul(expr)
        rest = sp.Mul(*others)
        rest_tex = self._print(rest)
        if self._needs_mul_brackets(rest, first=False, last=True):
            rest_tex = rf"\left({rest_tex}\right)"
        head = [] if coeff == 1 else [self._print(coeff)]
        tex = " ".join(head + [self._print(sp.Mul(*rates)), rest_tex])
        return tex if denom == 1 else rf"\frac{{{tex}}}{{{self._print(denom)}}}"

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
            negative = isinstance(term, sp.MatMul) and _negative(term)
            if negative:
                coeff = sp.Mul(*(a for a in term.args if not a.is_Matrix))
                factors = ([] if coeff == -1 else [-coeff]) + [a for a in term.args if a.is_Matrix]
                term = sp.MatMul(*factors) if len(factors) > 1 else factors[0]
            tex += ("- " if negative else "") if i == 0 else (" - " if negative else " + ")
            term_tex = self._print(term)
            tex += rf"\left({term_tex}\right)" if self._needs_add_brackets(term) else term_tex
        return tex

    def _print_MatMul(self, expr):
        factors = [f for f in expr.args if not (isinstance(f, sp.Identity) and f.shape == (1, 1))]
        coeff = factors[0] if factors else None
        if isinstance(coeff, sp.Rational) and not coeff.is_Integer and len(factors) > 1:  # \tfrac12 Q Q^T Q
            rest = sp.MatMul(*factors[1:]) if len(factors) > 2 else factors[1]
            rest_tex = self._print(rest)
            if isinstance(rest, sp.MatAdd):
                rest_tex = rf"\left({rest_tex}\right)"
            return ("- " if coeff < 0 else "") + rf"\tfrac{{{abs(coeff.p)}}}{{{coeff.q}}} " + rest_tex
        if len(factors) == len(expr.args):
            return super()._print_MatMul(expr)
        if not factors:
            return "1"
        return self._print(sp.MatMul(*factors)) if len(factors) > 1 else self._print(factors[0])

    def _print_Identity(self, expr):
        if expr.shape == (1, 1):
            return "1"
        return rf"I_{{{self._print(expr.shape[0])}}}"

    def _print_OneMatrix(self, expr):
        # a row of ones is the transpose of the column of ones (SymPy prints both as 1): b 1^T, not b 1
        tex = super()._print_OneMatrix(expr)
        return tex + r"^\top" if expr.shape[0] == 1 and expr.shape[1] != 1 else tex

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

    The paper's order: a positive term first, learning rates first, ``\\tfrac12``:

    >>> a, u = sp.symbols("a u")
    >>> latex(eta_w * a**2 - eta_a * u), latex(u - eta_a * a**2 / 2), latex(A * B / 2 - a * A)
    ('\\\\eta_{w} a^{2} - \\\\eta_{a} u', 'u - \\\\frac{\\\\eta_{a} a^{2}}{2}', '\\\\tfrac{1}{2} A B - a A')
    >>> latex(B - a * A)
    'B - a A'
    """
    return NotationPrinter(settings).doprint(expr)
