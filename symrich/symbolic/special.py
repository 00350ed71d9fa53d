"""Special functions of the closed forms: ``phi1(x) = (e^x - 1)/x`` and its compiled forms.

``t phi1(k t) = (e^{k t} - 1)/k = int_0^t e^{k r} dr`` is an entire function of ``k``:
writing every such integral with :class:`phi1` removes the special cases ``k = 0``
(``delta = 0``, ``Lam = 0``) from the closed forms of :mod:`symrich.symbolic.single_neuron_solution`.

* :class:`phi1` -- the SymPy function (rewrite, derivative, evaluation at any precision);
* :class:`phi1_near0` -- the same function at an argument a branch keeps in ``[-1/2, 1/2]``
  (evaluated by a polynomial in the float loop);
* :func:`phi1_indicator_form`, :func:`for_compile` -- the division-free form that code
  generators print;
* :func:`tphi1` -- ``int_0^t e^{k r} dr``.

>>> import sympy as sp
>>> from symrich.symbolic.special import phi1
>>> phi1(0), sp.diff(sp.Symbol("t") * phi1(2 * sp.Symbol("t")), sp.Symbol("t")).simplify()
(1, exp(2*t))
"""

from __future__ import annotations

import mpmath
import sympy as sp
from sympy.codegen.cfunctions import expm1

from symrich.symbolic.symbols import t

__all__ = ["phi1", "phi1_near0", "phi1_indicator_form", "for_compile", "tphi1"]


class phi1(sp.Function):
    """``phi1(x) = (e^x - 1)/x``, the entire function with ``phi1(0) = 1``.

    ``t * phi1(k t) = (e^{k t} - 1)/k`` is ``int_0^t e^{k r} dr``, equal to ``t``
    at ``k = 0``: no special case for ``delta = 0`` or ``Lam = 0``.  Its derivative
    is ``(e^x - phi1(x))/x`` (so ``d/dt [t phi1(k t)] = e^{k t}`` exactly).

    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> phi1(x).rewrite(sp.exp)
    (exp(x) - 1)/x
    """

    nargs = 1

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return sp.S.One

    def fdiff(self, argindex=1):
        x = self.args[0]
        return (sp.exp(x) - phi1(x)) / x

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return (sp.exp(x) - 1) / x

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        if self.args[0].is_real:
            return True

    def _eval_evalf(self, prec):
        x = self.args[0].evalf(prec)
        if not x.is_Number:
            return None
        with mpmath.workprec(prec + 20):
            xv = mpmath.mpf(x)
            v = mpmath.mpf(1) if xv == 0 else mpmath.expm1(xv) / xv
        return sp.Float(v, mpmath.libmp.prec_to_dps(prec))


class phi1_near0(phi1):
    """:class:`phi1` at an argument that a branch condition keeps in ``[-1/2, 1/2]``.

    The same function (same rewrite, derivative and values), so every proof about
    :class:`phi1` holds for it; it only tells the float loop compiler that the
    Taylor polynomial :func:`symrich.numeric.vecmath.phi1_near0` may evaluate it.  The
    fast forms use it exactly in the branches ``k t < 1/2`` (``k >= 0``) and
    ``|delta| t < 1/2``.

    Printed as ``\\tilde\\phi_1`` in LaTeX.

    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> phi1_near0(x).rewrite(sp.exp), phi1_near0(0)
    ((exp(x) - 1)/x, 1)
    >>> print(sp.latex(phi1_near0(x)))
    \\tilde{\\phi}_{1}{\\left(x \\right)}
    """

    def _latex(self, printer, exp=None):
        body = r"\tilde{\phi}_{1}{\left(%s \right)}" % printer._print(self.args[0])
        return body if exp is None else r"\left(%s\right)^{%s}" % (body, exp)


def phi1_indicator_form(x):
    """``phi1(x)`` without a division by zero: ``expm1(x)/(x + [x = 0]) + [x = 0]``.

    ``[x = 0]`` is the indicator ``Piecewise((1, x == 0), (0, True))``; the
    denominator never vanishes, so any common-subexpression hoisting is safe.

    Examples
    --------
    >>> phi1_indicator_form(0)
    1
    >>> round(float(phi1_indicator_form(1)), 6)
    1.718282
    """
    ind = sp.Piecewise((1, sp.Eq(x, 0)), (0, True))
    return expm1(x) / (x + ind) + ind


def for_compile(expr, keep_near0=False):
    """Replace every :class:`phi1` by :func:`phi1_indicator_form` (an identity).

    With ``keep_near0=True`` the :class:`phi1_near0` are kept, for the float loop
    compiler that evaluates them by a polynomial.

    Examples
    --------
    >>> from symrich.symbolic.symbols import t
    >>> expr = for_compile(3 * phi1(t))
    >>> expr.has(phi1), expr.subs(t, 0)
    (False, 3)
    """
    return sp.sympify(expr).replace(lambda e: isinstance(e, phi1) and not (keep_near0 and isinstance(e, phi1_near0)),
                                    lambda e: phi1_indicator_form(e.args[0]))


def tphi1(k, time=t):
    """``int_0^time e^{k r} dr = time * phi1(k time)``.

    Examples
    --------
    >>> from symrich.symbolic.symbols import t
    >>> tphi1(0), tphi1(2).rewrite(sp.exp)
    (t, exp(2*t)/2 - 1/2)
    """
    return time * phi1(k * time)
