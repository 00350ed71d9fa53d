"""Symbolic layer, single neuron on rank-deficient data: mirror potential, implicit bias and basins.

Notation (the paper's single-neuron analysis; rank-deficient data as in its Fig. 4b):
``eta = eta_a eta_w``, ``rho = ||beta||``,
``R = Lambda(rho) = sqrt(delta^2 + 4 eta rho^2)`` (the glossary's ``R``), and by the
conservation law ``eta_w a^2 = (R + delta)/2``, ``eta_a ||w||^2 = (R - delta)/2``.

* The radial potential ``Phi_delta(beta) = phi(||beta||)`` with
  ``phi'(rho) = sqrt((R - delta)/(2 eta_a)) = ||w||`` and
  ``phi(rho) = (R - 2 delta) sqrt((R + delta)/(2 eta_w)) / (3 eta_a)``, so that
  ``grad Phi_delta(a w) = sign(a) w`` (derivation ``single_neuron_mirror_flow``).
* The positive parametrisation ``(alpha, u) = (|a|, ||w||)``:
  ``delta = eta_w alpha^2 - eta_a u^2``, ``rho = alpha u`` is a bijection of
  ``(0, oo)^2`` onto ``{(delta, rho): rho > 0}``; in it every root above is
  polynomial (``R = eta_w alpha^2 + eta_a u^2``), which is how the derivations
  prove identities in ``(delta, rho)``.
* The implicit bias in closed form (derivation ``single_neuron_implicit_bias``):
  with ``b = ||X^+ y||``, ``c = ||P_N w0||`` (``P_N`` the projector on null(X)) and
  ``kappa_N = delta + eta_a c^2``, the limit readout obeys
  ``eta_w a_inf^2 = (kappa_N + sqrt(kappa_N^2 + 4 eta b^2))/2`` and
  ``beta_inf = X^+ y + a_inf P_N w0``.
* Basins on whitened data (derivation ``single_neuron_basins``):
  ``a(oo) = sign(A) sqrt((delta + Lam)/(2 eta_w))``, ``A = eta_a p0 - l_- a0``.

Stable forms (free of cancellation on one side of ``delta = 0``) are defined next
to the plain ones and proved equal in the derivations; the numeric kernels of
:mod:`symrich.single_neuron.bias` compile the stable forms.

>>> from symrich.symbolic.implicit_bias import phi_prime, w_norm, on_parameters
>>> from symrich.engine.rewrites import factor_half_powers
>>> factor_half_powers(on_parameters(phi_prime()) - w_norm)
0
"""

from __future__ import annotations

import sympy as sp

from symrich.symbolic.symbols import delta, eta_a, eta_w, rho

__all__ = [
    "alpha", "w_norm", "b", "c", "kappa_N", "on_parameters",
    "R_rho", "phi", "phi_prime", "phi_second", "phi_tangential",
    "phi_stable_negative", "phi_prime_stable_positive", "phi_second_stable_negative",
    "phi_tangential_stable_positive",
    "a_inf_sq", "a_inf_sq_stable_negative", "kappa_of",
    "lim_plus_leading", "lim_zero", "lim_minus_leading",
    "p0", "l_minus_stable_negative", "l_plus_stable_positive", "basin_A",
]

#: ``|a| > 0`` in the positive parametrisation.
alpha = sp.Symbol("alpha", positive=True)
#: ``||w|| > 0`` in the positive parametrisation (the glossary's ``u`` is ``||w||^2``; this is its root).
w_norm = sp.Symbol("u_w", positive=True)
#: ``b = ||X^+ y||``, the norm of the minimum-norm interpolant.
b = sp.Symbol("b", positive=True)
#: ``c = ||P_N w0||``, the null(X) part of the first layer (conserved by the flow).
c = sp.Symbol("c", nonnegative=True)
#: ``kappa_N = delta + eta_a ||P_N w0||^2`` (a symbol for statements that take it as given).
kappa_N = sp.Symbol("kappa_N", real=True)


def on_parameters(expr):
    """Substitute ``delta = eta_w alpha^2 - eta_a u^2`` and ``rho = alpha u`` (the bijective parametrisation).

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.symbolic.symbols import rho
    >>> on_parameters(rho)
    alpha*u_w
    >>> sp.factor(on_parameters(R_rho()**2))
    (alpha**2*eta_w + eta_a*u_w**2)**2
    """
    return sp.sympify(expr).subs({delta: eta_w * alpha**2 - eta_a * w_norm**2, rho: alpha * w_norm}, simultaneous=True)


def R_rho(delta_=delta, rho_=rho):
    """``Lambda(rho) = R = sqrt(delta^2 + 4 eta_a eta_w rho^2)``.

    Examples
    --------
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> R_rho(3, 2).subs({eta_a: 1, eta_w: 1})
    5
    """
    return sp.sqrt(delta_**2 + 4 * eta_a * eta_w * rho_**2)


def phi(rho_=rho, delta_=delta):
    """``phi_delta(rho) = (R - 2 delta) sqrt((R + delta)/(2 eta_w)) / (3 eta_a)``; in parameters ``alpha (3 eta_a u^2 - eta_w alpha^2)/(3 eta_a)``.

    Examples
    --------
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> phi(2, 3).subs({eta_a: 1, eta_w: 1})
    -2/3
    >>> (alpha * (3 * eta_a * w_norm**2 - eta_w * alpha**2) / (3 * eta_a)).subs({alpha: 2, w_norm: 1, eta_a: 1, eta_w: 1})
    -2/3
    """
    R = R_rho(delta_, rho_)
    return (R - 2 * delta_) * sp.sqrt((R + delta_) / (2 * eta_w)) / (3 * eta_a)


def phi_stable_negative(rho_=rho, delta_=delta):
    """``phi`` with ``sqrt((R + delta)/(2 eta_w)) = rho sqrt(2 eta_a/(R - delta))`` (no cancellation for ``delta < 0``).

    Examples
    --------
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> phi_stable_negative(2, -3).subs({eta_a: 1, eta_w: 1})
    11/3
    >>> (phi_stable_negative(2, -3) - phi(2, -3)).subs({eta_a: 1, eta_w: 1})
    0
    """
    R = R_rho(delta_, rho_)
    return (R - 2 * delta_) * rho_ * sp.sqrt(2 * eta_a / (R - delta_)) / (3 * eta_a)


def phi_prime(rho_=rho, delta_=delta):
    """``phi'(rho) = sqrt((R - delta)/(2 eta_a))`` (``= ||w||``).

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.symbolic.symbols import delta, eta_a, eta_w, rho
    >>> phi_prime(2, 3).subs({eta_a: 1, eta_w: 1})
    1
    >>> sp.diff(phi(), rho).subs({rho: 2, delta: 3, eta_a: 1, eta_w: 1})
    1
    """
    return sp.sqrt((R_rho(delta_, rho_) - delta_) / (2 * eta_a))


def phi_prime_stable_positive(rho_=rho, delta_=delta):
    """``phi' = rho sqrt(2 eta_w/(R + delta))`` (no cancellation for ``delta > 0``).

    Examples
    --------
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> (phi_prime_stable_positive(2, 3) - phi_prime(2, 3)).subs({eta_a: 1, eta_w: 1})
    0
    """
    return rho_ * sp.sqrt(2 * eta_w / (R_rho(delta_, rho_) + delta_))


def phi_second(rho_=rho, delta_=delta):
    """``phi'' = eta_w |a| / R = sqrt(eta_w (R + delta)/2) / R``: the radial eigenvalue of ``Hess Phi``.

    Examples
    --------
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> phi_second(2, 3).subs({eta_a: 1, eta_w: 1})
    2/5
    """
    R = R_rho(delta_, rho_)
    return sp.sqrt(eta_w * (R + delta_) / 2) / R


def phi_second_stable_negative(rho_=rho, delta_=delta):
    """``phi'' = rho sqrt(2 eta_a eta_w^2/(R - delta)) / R`` (no cancellation for ``delta < 0``).

    Examples
    --------
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> (phi_second_stable_negative(2, -3) - phi_second(2, -3)).subs({eta_a: 1, eta_w: 1})
    0
    """
    R = R_rho(delta_, rho_)
    return rho_ * sp.sqrt(2 * eta_a * eta_w**2 / (R - delta_)) / R


def phi_tangential(rho_=rho, delta_=delta):
    """``phi'/rho``: the eigenvalue of ``Hess Phi`` orthogonal to ``beta`` (singular at ``rho = 0`` when ``delta < 0``).

    Examples
    --------
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> phi_tangential(2, 3).subs({eta_a: 1, eta_w: 1})
    1/2
    """
    return phi_prime(rho_, delta_) / rho_


def phi_tangential_stable_positive(rho_=rho, delta_=delta):
    """``phi'/rho = sqrt(2 eta_w/(R + delta))`` (finite at ``rho = 0`` for ``delta > 0``).

    Examples
    --------
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> (phi_tangential_stable_positive(2, 3) - phi_tangential(2, 3)).subs({eta_a: 1, eta_w: 1})
    0
    >>> phi_tangential_stable_positive(0, 3).subs({eta_a: 1, eta_w: 1})
    sqrt(3)/3
    """
    return sp.sqrt(2 * eta_w / (R_rho(delta_, rho_) + delta_))


def kappa_of(delta_=delta, c_=c):
    """``kappa_N = delta + eta_a c^2``: the lower bound of ``eta_w a(t)^2`` (``c = ||P_N w0||``).

    Examples
    --------
    >>> from symrich.symbolic.symbols import eta_a
    >>> kappa_of()
    c**2*eta_a + delta
    >>> kappa_of(1, 2).subs(eta_a, 1)
    5
    """
    return delta_ + eta_a * c_**2


def a_inf_sq(kappa_=kappa_N, b_=b):
    """``a_inf^2 = (kappa_N + sqrt(kappa_N^2 + 4 eta b^2)) / (2 eta_w)``.

    Examples
    --------
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> a_inf_sq(3, 2).subs({eta_a: 1, eta_w: 1})
    4
    """
    return (kappa_ + sp.sqrt(kappa_**2 + 4 * eta_a * eta_w * b_**2)) / (2 * eta_w)


def a_inf_sq_stable_negative(kappa_=kappa_N, b_=b):
    """``a_inf^2 = 2 eta_a b^2 / (sqrt(kappa_N^2 + 4 eta b^2) - kappa_N)`` (no cancellation for ``kappa_N < 0``).

    Examples
    --------
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> a_inf_sq_stable_negative(-3, 2).subs({eta_a: 1, eta_w: 1})
    1
    >>> a_inf_sq(-3, 2).subs({eta_a: 1, eta_w: 1})
    1
    """
    return 2 * eta_a * b_**2 / (sp.sqrt(kappa_**2 + 4 * eta_a * eta_w * b_**2) - kappa_)


def lim_plus_leading(rho_=rho, delta_=delta):
    """Leading term of ``phi'`` as ``delta -> +oo``: ``sqrt(eta_w/delta) rho`` (``Phi ~ sqrt(eta_w/delta) rho^2/2``).

    Examples
    --------
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> lim_plus_leading()
    sqrt(eta_w)*rho*sqrt(1/delta)
    >>> ratio = (phi_prime(1, 10**6) / lim_plus_leading(1, 10**6)).subs({eta_a: 1, eta_w: 1})
    >>> round(float(ratio), 5)
    1.0
    """
    return sp.sqrt(eta_w / delta_) * rho_


def lim_zero(rho_=rho):
    """``phi`` at ``delta = 0``: ``(2/3) (eta_w/eta_a)^{1/4} rho^{3/2}``.

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.symbolic.symbols import rho
    >>> sp.simplify(phi(rho, 0) - lim_zero(rho))
    0
    """
    return sp.Rational(2, 3) * (eta_w / eta_a) ** sp.Rational(1, 4) * rho_ ** sp.Rational(3, 2)


def lim_minus_leading(delta_=delta):
    """Leading term of ``phi'`` as ``delta -> -oo``: ``sqrt(|delta|/eta_a)`` (``Phi ~ sqrt(|delta|/eta_a) ||beta||``).

    Examples
    --------
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> lim_minus_leading(-4).subs(eta_a, 1)
    2
    >>> ratio = (phi_prime(1, -10**6) / lim_minus_leading(-10**6)).subs({eta_a: 1, eta_w: 1})
    >>> round(float(ratio), 5)
    1.0
    """
    return sp.sqrt(-delta_ / eta_a)


#: ``p0 = w0^T beta_star`` (whitened data).
p0 = sp.Symbol("p_0", real=True)


def l_minus_stable_negative(s2_):
    """``l_- = (-delta - Lam)/2 = -2 eta s^2/(Lam - delta)`` (no cancellation for ``delta < 0``).

    Examples
    --------
    >>> from symrich.symbolic.symbols import delta, eta_a, eta_w
    >>> from symrich.symbolic.single_neuron_solution import l_minus
    >>> point = {delta: -3, eta_a: 1, eta_w: 1}
    >>> l_minus_stable_negative(4).subs(point), l_minus(4).subs(point)
    (-1, -1)
    """
    from symrich.symbolic.single_neuron_solution import Lam_of

    return -2 * eta_a * eta_w * s2_ / (Lam_of(s2_) - delta)


def l_plus_stable_positive(s2_):
    """``l_+ = (-delta + Lam)/2 = 2 eta s^2/(Lam + delta)`` (no cancellation for ``delta > 0``).

    Examples
    --------
    >>> from symrich.symbolic.symbols import delta, eta_a, eta_w
    >>> from symrich.symbolic.single_neuron_solution import l_plus
    >>> point = {delta: 3, eta_a: 1, eta_w: 1}
    >>> l_plus_stable_positive(4).subs(point), l_plus(4).subs(point)
    (1, 1)
    """
    from symrich.symbolic.single_neuron_solution import Lam_of

    return 2 * eta_a * eta_w * s2_ / (Lam_of(s2_) + delta)


def basin_A(l_minus_, a0_):
    """``A = eta_a p0 - l_- a0``: the coefficient of ``e^{l_+ t}`` in ``Lam chi``; its sign is the branch.

    Examples
    --------
    >>> from symrich.symbolic.symbols import eta_a
    >>> basin_A(-1, 2)
    eta_a*p_0 + 2
    >>> basin_A(-1, 2).subs({eta_a: 1, p0: -3})
    -1
    """
    return eta_a * p0 - l_minus_ * a0_
