"""Symbolic layer, single neuron ``f(x) = a w^T x``: the expressions the derivations prove.

Two representations are used:

* coordinate-free, with :class:`sympy.MatrixSymbol` of symbolic size ``d x 1``
  and data ``X`` of symbolic size ``n x d`` (:func:`parameter_flow`), which
  proves results for every dimension at once;
* explicit, with ``d`` fresh symbols (:func:`M_beta`), for statements SymPy's
  matrix-expression algebra cannot reach (eigenvectors), checked for
  ``d = 1..4``.

The numeric kernels of :mod:`symrich.single_neuron` compile the expressions
defined here (``m_perp``, ``m_par``...), so what runs is what was proved.

>>> from symrich.symbolic.single_neuron import R_of, m_perp
>>> from symrich.symbolic.symbols import delta, rho
>>> m_perp(0, rho)
sqrt(eta_a)*sqrt(eta_w)*rho
"""

from __future__ import annotations

from types import SimpleNamespace

import sympy as sp

from symrich.symbolic.symbols import a, d, delta, eta_a, eta_w, n, rho

__all__ = [
    "parameter_flow",
    "conserved_delta",
    "R_of",
    "m_perp",
    "m_par",
    "m_perp_stable_negative",
    "m_diff_stable_positive",
    "M_beta",
    "M_parameters",
]


def parameter_flow(dim=d, samples=n):
    """The loss and gradient flow of the single neuron, coordinate-free.

    Returns a namespace with ``w``, ``X``, ``y`` (matrix symbols), ``L`` (the
    loss ``1/2 ||X a w - y||^2`` as a 1x1 matrix expression), ``g``
    (``X^T (X a w - y)``), ``adot = -eta_a dL/da`` and ``wdot = -eta_w dL/dw``
    computed by SymPy's matrix calculus, and ``beta = a w``.

    Examples
    --------
    >>> f = parameter_flow()
    >>> f.beta, f.w.shape, f.X.shape
    (a*w, (d, 1), (n, d))
    >>> f.wdot.shape == f.w.shape
    True
    """
    w = sp.MatrixSymbol("w", dim, 1)
    X = sp.MatrixSymbol("X", samples, dim)
    y = sp.MatrixSymbol("y", samples, 1)
    r = X * (a * w) - y
    L = (r.T * r) / 2
    g = X.T * r
    return SimpleNamespace(
        w=w, X=X, y=y, r=r, L=L, g=g, beta=a * w,
        dL_da=L.diff(a), dL_dw=L.diff(w),
        adot=-eta_a * (w.T * g), wdot=-eta_w * a * g,
    )


def conserved_delta(a_, norm_w_sq):
    """``delta = eta_w a^2 - eta_a ||w||^2``.

    Examples
    --------
    >>> from symrich.symbolic.symbols import a, u, eta_a, eta_w
    >>> conserved_delta(a, u)
    a**2*eta_w - eta_a*u
    >>> conserved_delta(2, 3).subs({eta_a: 1, eta_w: 1})
    1
    """
    return eta_w * a_**2 - eta_a * norm_w_sq


def R_of(delta_, rho_):
    """``R = sqrt(delta^2 + 4 eta_a eta_w ||beta||^2)``: eigenvalue of ``M`` along ``beta``.

    Examples
    --------
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> R_of(3, 2).subs({eta_a: 1, eta_w: 1})
    5
    """
    return sp.sqrt(delta_**2 + 4 * eta_a * eta_w * rho_**2)


def m_perp(delta_=delta, rho_=rho):
    """``(R + delta) / 2 = eta_w a^2``: eigenvalue of ``M`` orthogonal to ``beta``.

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.symbolic.symbols import eta_a, eta_w, rho
    >>> sp.simplify(m_perp(0, rho) - sp.sqrt(eta_a*eta_w)*rho)
    0
    >>> m_perp(3, 2).subs({eta_a: 1, eta_w: 1})
    4
    """
    return (R_of(delta_, rho_) + delta_) / 2


def m_par(delta_=delta, rho_=rho):
    """``R``: eigenvalue of ``M`` along ``beta``.

    Examples
    --------
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> m_par(3, 2).subs({eta_a: 1, eta_w: 1})
    5
    """
    return R_of(delta_, rho_)


def m_perp_stable_negative(delta_=delta, rho_=rho):
    """``2 eta rho^2 / (R - delta)``: equals ``(R + delta)/2``, free of cancellation for ``delta < 0``.

    Examples
    --------
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> m_perp_stable_negative(-3, 2).subs({eta_a: 1, eta_w: 1})
    1
    >>> (m_perp_stable_negative(-3, 2) - m_perp(-3, 2)).subs({eta_a: 1, eta_w: 1})
    0
    """
    return 2 * eta_a * eta_w * rho_**2 / (R_of(delta_, rho_) - delta_)


def m_diff_stable_positive(delta_=delta, rho_=rho):
    """``2 eta / (R + delta)``: equals ``(R - delta)/(2 rho^2)``, stable for ``delta >= 0`` and ``rho -> 0``.

    Examples
    --------
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> m_diff_stable_positive(3, 2).subs({eta_a: 1, eta_w: 1})
    1/4
    >>> ((m_par(3, 2) - m_perp(3, 2)) / 2**2).subs({eta_a: 1, eta_w: 1})
    1/4
    """
    return 2 * eta_a * eta_w / (R_of(delta_, rho_) + delta_)


def M_beta(beta, delta_=delta):
    """``M = (R + delta)/2 I + (R - delta)/2 beta beta^T / ||beta||^2`` for an explicit vector ``beta``.

    Examples
    --------
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> M_beta([1, 0], 0).subs({eta_a: 1, eta_w: 1})
    Matrix([
    [2, 0],
    [0, 1]])
    """
    beta = sp.Matrix(beta)
    rho2 = (beta.T * beta)[0, 0]
    R = sp.sqrt(delta_**2 + 4 * eta_a * eta_w * rho2)
    dim = beta.shape[0]
    return (R + delta_) / 2 * sp.eye(dim) + (R - delta_) / (2 * rho2) * beta * beta.T


def M_parameters(a_, w):
    """``M = eta_a w w^T + eta_w a^2 I`` in the parameters (explicit or matrix-symbol ``w``).

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> M_parameters(1, sp.Matrix([1, 0])).subs({eta_a: 1, eta_w: 1})
    Matrix([
    [2, 0],
    [0, 1]])
    >>> M_parameters(1, sp.MatrixSymbol("w", 3, 1))
    eta_a*w*w.T + eta_w*I
    """
    dim = w.shape[0]
    eye = sp.eye(dim) if isinstance(w, sp.MatrixBase) else sp.Identity(dim)
    return eta_a * w * w.T + eta_w * a_**2 * eye
