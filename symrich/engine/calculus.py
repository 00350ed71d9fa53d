"""Time derivatives along a flow, for scalars and matrix expressions of symbolic size.

A derivation about a gradient flow differentiates quantities of the
parameters in time, ``d/dt (eta_w a^2 - eta_a w^T w)``, where ``a``, ``w`` move
with velocities ``a_dot``, ``w_dot``.  With ``w`` a matrix symbol of symbolic
size this cannot be written with SymPy's functions of ``t``; :func:`ddt`
writes it as an unevaluated derivative (displayed ``d/dt (...)``) whose
``doit()`` applies the chain and product rules, with the velocities given:

* ``D(x) = x_dot`` for a moving symbol, 0 for any other symbol;
* ``D(A + B) = D(A) + D(B)``, ``D(A B) = D(A) B + A D(B)`` (order kept: matrix
  products do not commute), ``D(A^T) = D(A)^T``;
* a scalar function of moving scalars by SymPy's derivative.

>>> import sympy as sp
>>> d = sp.Symbol("d", integer=True, positive=True)
>>> w, w_dot = sp.MatrixSymbol("w", d, 1), sp.MatrixSymbol("w_dot", d, 1)
>>> ddt(w.T * w, {w: w_dot}).doit(calculus=True)
w.T*w_dot + w_dot.T*w

Partial derivatives of the loss are written the same way: :func:`partial`
gives an unevaluated ``d/da L`` (displayed ``\\partial_a L``) or, for a matrix
symbol ``w``, the gradient ``\\nabla_w L`` (SymPy's matrix calculus).
"""

from __future__ import annotations

import functools

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement, MatrixExpr

#: the ``doit`` hint that evaluates these derivatives.  SymPy calls ``doit()`` internally (matrix
#: products do on construction); without the hint the derivatives stay unevaluated, so a defined
#: name inside them is never differentiated as if it were a constant.
CALCULUS = "calculus"

__all__ = ["CALCULUS", "ddt", "TimeDerivative", "MatrixTimeDerivative", "derivative_along", "partial", "Partial", "MatrixPartial"]


def _velocities(pairs):
    return dict(pairs.args) if isinstance(pairs, sp.Tuple) else dict(pairs)


def derivative_along(expr, velocities):
    """The time derivative of ``expr`` when each key of ``velocities`` moves with its value.

    Parameters
    ----------
    expr : sympy expression or matrix expression
    velocities : mapping
        ``{symbol or matrix symbol: its time derivative}``.

    Examples
    --------
    >>> import sympy as sp
    >>> a, a_dot = sp.symbols("a a_dot")
    >>> derivative_along(sp.exp(a**2), {a: a_dot})
    2*a*a_dot*exp(a**2)
    """
    velocities = dict(velocities)
    if isinstance(expr, (MatrixExpr, sp.MatrixBase)):
        return _matrix_derivative(expr, velocities)
    expr = sp.sympify(expr)
    if isinstance(expr, (TimeDerivative, MatrixTimeDerivative)):
        raise ValueError("second time derivatives are not supported: evaluate the inner derivative first")
    moving = [s for s in velocities if isinstance(s, sp.Symbol) and expr.has(s)]
    if expr.has(MatrixElement):
        raise ValueError("time derivative of matrix elements is not supported; differentiate the matrix expression")
    return sp.Add(*(sp.diff(expr, s) * velocities[s] for s in moving))


def _product_with(before, df, after, shape):
    """``before * df * after``; a scalar factor whose velocity is a ``1 x 1`` matrix (``a_dot`` of a flow written
    with matrices) goes to the end of a column (``w a_dot``) or the start of a row, where the product is defined."""
    if isinstance(df, MatrixExpr) and df.shape == (1, 1) and shape != (1, 1):
        rest = (*before, *after)
        if shape[1] == 1:
            return sp.MatMul(*rest, df).doit()
        if shape[0] == 1:
            return sp.MatMul(df, *rest).doit()
        raise ValueError(f"the velocity {df} of a scalar factor is a 1 x 1 matrix, which cannot multiply a "
                         f"{shape[0]} x {shape[1]} matrix; give the scalar a scalar velocity")
    return sp.MatMul(*before, df, *after).doit()


def _matrix_derivative(expr, velocities):
    if isinstance(expr, sp.MatrixBase):
        return expr.applyfunc(lambda e: derivative_along(e, velocities))
    if expr in velocities:
        return velocities[expr]
    if isinstance(expr, (sp.MatrixSymbol, sp.Identity, sp.ZeroMatrix)):
        return sp.ZeroMatrix(*expr.shape)
    if isinstance(expr, sp.MatAdd):
        return sp.MatAdd(*(_matrix_derivative(a, velocities) for a in expr.args)).doit()
    if isinstance(expr, sp.Transpose):
        return sp.Transpose(_matrix_derivative(expr.arg, velocities)).doit()
    if isinstance(expr, sp.MatMul):
        factors = expr.args
        terms = []
        for i, f in enumerate(factors):
            df = derivative_along(f, velocities) if not isinstance(f, MatrixExpr) else _matrix_derivative(f, velocities)
            if df == 0 or isinstance(df, sp.ZeroMatrix):
                continue
            terms.append(_product_with(factors[:i], df, factors[i + 1:], expr.shape))
        return sp.MatAdd(*terms).doit() if terms else sp.ZeroMatrix(*expr.shape)
    raise ValueError(f"no product rule for {type(expr).__name__}: {expr}")


class _AlongVelocities:
    """``doit`` and LaTeX shared by the scalar and matrix ``d/dt``: args ``(expr, pairs)``."""

    def doit(self, **hints):
        inner = self.args[0].doit(**hints) if hints.get("deep", True) else self.args[0]
        if not hints.get(CALCULUS):
            return self.func(inner, self.args[1])
        return derivative_along(inner, _velocities(self.args[1]))

    def _latex(self, printer):
        return _ddt_latex(printer, self.args[0])


class TimeDerivative(_AlongVelocities, sp.Expr):
    """Unevaluated ``d/dt expr`` of a scalar along given velocities (see :func:`ddt`).

    Examples
    --------
    >>> import sympy as sp
    >>> a, a_dot = sp.symbols("a a_dot")
    >>> TimeDerivative(a**2, sp.Tuple(sp.Tuple(a, a_dot))).doit(calculus=True)
    2*a*a_dot
    """

    def __new__(cls, expr, pairs):
        return sp.Expr.__new__(cls, sp.sympify(expr), pairs)

    @property
    def expr(self):
        return self.args[0]


class MatrixTimeDerivative(_AlongVelocities, MatrixExpr):
    """Unevaluated ``d/dt expr`` of a matrix expression along given velocities (see :func:`ddt`).

    Examples
    --------
    >>> import sympy as sp
    >>> w, w_dot = sp.MatrixSymbol("w", 2, 1), sp.MatrixSymbol("w_dot", 2, 1)
    >>> MatrixTimeDerivative(w.T * w, sp.Tuple(sp.Tuple(w, w_dot))).shape
    (1, 1)
    """

    def __new__(cls, expr, pairs):
        return MatrixExpr.__new__(cls, expr, pairs)

    @property
    def shape(self):
        return self.args[0].shape


def _ddt_latex(printer, expr):
    if isinstance(expr, (sp.Symbol, sp.MatrixSymbol)):
        from symrich.engine.notation import accent

        return accent(r"\dot", printer._print(expr))
    return r"\frac{d}{dt}\left(" + printer._print(expr) + r"\right)"


def ddt(expr, velocities):
    """``d/dt expr`` (unevaluated; ``.doit(calculus=True)`` applies the chain and product rules).

    Parameters
    ----------
    expr : sympy expression or matrix expression
    velocities : mapping
        ``{moving symbol: its time derivative}``, e.g. ``{a: a_dot, w: w_dot}``.

    Examples
    --------
    >>> import sympy as sp
    >>> a, a_dot = sp.symbols("a a_dot")
    >>> e = ddt(a**3, {a: a_dot})
    >>> sp.latex(e), e.doit(calculus=True)
    ('\\\\frac{d}{dt}\\\\left(a^{3}\\\\right)', 3*a**2*a_dot)
    """
    pairs = sp.Tuple(*(sp.Tuple(k, v) for k, v in sorted(dict(velocities).items(), key=lambda kv: str(kv[0]))))
    if isinstance(expr, (MatrixExpr, sp.MatrixBase)):
        return MatrixTimeDerivative(sp.ImmutableMatrix(expr) if isinstance(expr, sp.MatrixBase) else expr, pairs)
    return TimeDerivative(expr, pairs)


def _symbol_tex(printer, expr):
    tex = printer._print(expr)
    return tex if isinstance(expr, (sp.Symbol, sp.MatrixSymbol)) else r"\left(" + tex + r"\right)"


@functools.lru_cache(maxsize=256)
def _partial_value(expr, var):
    # cached: SymPy's matrix calculus takes about half a second per gradient of a trace, and a
    # derivation expands the same gradient flow in many steps (SymPy expressions are immutable)
    if isinstance(var, sp.MatrixSymbol):
        return expr.diff(var)
    return derivative_along(expr, {var: sp.S.One})


class Partial(sp.Expr):
    """Unevaluated partial derivative of a scalar (see :func:`partial`).

    Examples
    --------
    >>> import sympy as sp
    >>> a, b = sp.symbols("a b")
    >>> Partial(a**2 * b, a).doit(calculus=True)
    2*a*b
    """

    def __new__(cls, expr, var):
        return sp.Expr.__new__(cls, sp.sympify(expr), var)

    def doit(self, **hints):
        inner = self.args[0].doit(**hints)
        if not hints.get(CALCULUS):
            return self.func(inner, self.args[1])
        return _partial_value(inner, self.args[1])

    def _latex(self, printer):
        return r"\partial_{" + printer._print(self.args[1]) + "} " + _symbol_tex(printer, self.args[0])


class MatrixPartial(MatrixExpr):
    """Unevaluated partial derivative or gradient of a matrix expression (see :func:`partial`).

    Examples
    --------
    >>> import sympy as sp
    >>> w = sp.MatrixSymbol("w", 3, 1)
    >>> MatrixPartial(w.T * w, w).shape
    (3, 1)
    """

    def __new__(cls, expr, var):
        return MatrixExpr.__new__(cls, expr, var)

    @property
    def shape(self):
        var = self.args[1]
        return var.shape if isinstance(var, sp.MatrixSymbol) else self.args[0].shape

    def doit(self, **hints):
        inner = self.args[0].doit(**hints)
        if not hints.get(CALCULUS):
            return self.func(inner, self.args[1])
        return _partial_value(inner, self.args[1])

    def _latex(self, printer):
        op = r"\nabla_{" if isinstance(self.args[1], sp.MatrixSymbol) else r"\partial_{"
        return op + printer._print(self.args[1]) + "} " + _symbol_tex(printer, self.args[0])


def partial(expr, var):
    """``d expr / d var`` unevaluated: ``\\partial_a L`` for a scalar ``var``, the gradient ``\\nabla_w L`` for a
    matrix symbol (of a 1 x 1 ``expr``).  ``doit()`` evaluates it (product rule for a scalar
    ``var``, SymPy's matrix calculus for a matrix symbol).

    Examples
    --------
    >>> import sympy as sp
    >>> w = sp.MatrixSymbol("w", 3, 1)
    >>> a = sp.Symbol("a")
    >>> partial(a * w.T * w, a).doit(calculus=True), partial(a * w.T * w, w).doit(calculus=True)
    (w.T*w, (2*a)*w)
    """
    if isinstance(expr, (MatrixExpr, sp.MatrixBase)) or isinstance(var, sp.MatrixSymbol):
        return MatrixPartial(expr, var)
    return Partial(expr, var)
