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

from dataclasses import dataclass

import sympy as sp

from symrich.symbolic.symbols import a, d, delta, eta_a, eta_w, n, rho

__all__ = [
    "parameter_flow",
    "ParameterFlow",
    "conserved_delta",
    "R_of",
    "m_perp",
    "m_par",
    "m_perp_stable_negative",
    "m_diff_stable_positive",
    "M_beta",
    "M_parameters",
    "M_frobenius_sq",
    "M_inner",
]


@dataclass(frozen=True)
class ParameterFlow:
    """The coordinate-free loss and gradient flow of the single neuron (result of :func:`parameter_flow`).

    Attributes
    ----------
    w, X, y : MatrixSymbol
        First layer ``(d, 1)``, data ``(n, d)``, targets ``(n, 1)``.
    r : MatrixExpr
        Residual ``X a w - y``.
    L : MatrixExpr
        Loss ``1/2 r^T r`` (a 1x1 matrix expression).
    g : MatrixExpr
        ``X^T r``, the gradient of ``L`` in ``beta``.
    beta : MatrixExpr
        ``a w``.
    dL_da, dL_dw : MatrixExpr
        Derivatives of ``L`` by SymPy's matrix calculus.
    adot, wdot : MatrixExpr
        The flow ``a' = -eta_a w^T g`` and ``w' = -eta_w a g``.

    Examples
    --------
    >>> parameter_flow().r.shape
    (n, 1)
    """

    w: sp.MatrixSymbol
    X: sp.MatrixSymbol
    y: sp.MatrixSymbol
    r: sp.MatrixExpr
    L: sp.MatrixExpr
    g: sp.MatrixExpr
    beta: sp.MatrixExpr
    dL_da: sp.MatrixExpr
    dL_dw: sp.MatrixExpr
    adot: sp.MatrixExpr
    wdot: sp.MatrixExpr


def parameter_flow(dim=d, samples=n):
    """The loss and gradient flow of the single neuron, coordinate-free.

    Returns a :class:`ParameterFlow` with ``w``, ``X``, ``y`` (matrix symbols), ``L`` (the
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
    return ParameterFlow(w=w, X=X, y=y, r=r, L=L, g=g, beta=a * w, dL_da=L.diff(a), dL_dw=L.diff(w),
                         adot=-eta_a * (w.T * g), wdot=-eta_w * a * g)


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


# --------------------------------------------------------------------------
# Frobenius inner products of M (the observables of the derivation single_neuron_observables)

#: symbols of the observable expressions: readout, ||w||^2, w^T beta_star, and the same at time 0, w0^T w.
obs_a, obs_ww, obs_wb = sp.symbols("a w2 wb", real=True)
obs_a0, obs_ww0, obs_w0w = sp.symbols("a_init w2_init w0w", real=True)
obs_d = sp.Symbol("d", integer=True, positive=True)


def M_frobenius_sq(a_, ww):
    """``||M||_F^2 = d eta_w^2 a^4 + 2 eta_w eta_a a^2 ||w||^2 + eta_a^2 ||w||^4`` for ``M = eta_w a^2 I + eta_a w w^T``.

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> M = M_parameters(1, sp.Matrix([1, 0]))
    >>> sp.expand(sum(m**2 for m in M) - M_frobenius_sq(1, 1).subs(obs_d, 2))
    0
    """
    return obs_d * eta_w**2 * a_**4 + 2 * eta_w * eta_a * a_**2 * ww + eta_a**2 * ww**2


def M_inner(a_0, ww0, a_t, wwt, w0w):
    """``<M0, Mt>_F = d eta_w^2 a0^2 at^2 + eta_w eta_a (a0^2 ||wt||^2 + at^2 ||w0||^2) + eta_a^2 (w0^T wt)^2``.

    Examples
    --------
    >>> import sympy as sp
    >>> sp.expand(M_inner(obs_a, obs_ww, obs_a, obs_ww, obs_ww) - M_frobenius_sq(obs_a, obs_ww))
    0
    """
    return (obs_d * eta_w**2 * a_0**2 * a_t**2 + eta_w * eta_a * (a_0**2 * wwt + a_t**2 * ww0)
            + eta_a**2 * w0w**2)
