"""Symbolic layer, wide linear network: the aligned singular-value dynamics (the paper's Section 4).

For aligned initialisations each singular value ``sigma`` of ``beta`` follows
its own scalar flow (:func:`sigma_rate`).  The Riccati variable
``v = sigma + sqrt(sigma^2 + kappa^2)``, ``kappa = |delta| / (2 sqrt(eta))``,
linearises it: its explicit solution in a textbook form and in the
cancellation-free forms that :mod:`symrich.wide_linear` compiles, the time
``t(sigma)`` to reach a value, and the Saxe sigmoid at ``delta = 0``.
``eta`` always means ``eta_a * eta_w``; ``kappa`` is not called ``c``, the output
width.  :mod:`symrich.symbolic.wide_linear` re-exports every name.

>>> from symrich.symbolic.wide_linear_singular_values import sigma_rate
>>> from symrich.symbolic.symbols import eta_a, eta_w, s
>>> import sympy as sp
>>> x = sp.Symbol("x", positive=True)
>>> sigma_rate(x, s, 0).subs({eta_a: 1, eta_w: 1})
-2*x*(-s + x)
"""

from __future__ import annotations

import sympy as sp

from symrich.symbolic.symbols import delta, eta_a, eta_w, s, t

__all__ = [
    "kappa", "sigma", "sigma0", "v", "v0", "E", "phi",
    "sigma_rate", "kappa_of", "v_of_sigma", "sigma_of_v", "v_plus", "v_minus", "riccati_rhs",
    "v_trajectory", "v_trajectory_stable", "sigma_of_v_stable", "sigma_rising_stable", "v_gap_stable",
    "time_of_v", "time_to_reach_stable", "time_to_reach_critical", "saxe_sigmoid",
]

#: ``kappa = |delta| / (2 sqrt(eta))``, and singular values.
kappa = sp.Symbol("kappa", nonnegative=True)
sigma = sp.Symbol("sigma", nonnegative=True)
sigma0 = sp.Symbol("sigma_0", nonnegative=True)
#: Riccati variable ``v = sigma + sqrt(sigma^2 + kappa^2) > 0`` and its initial value.
v = sp.Symbol("v", positive=True)
v0 = sp.Symbol("v_0", positive=True)
#: ``E = exp(-2 R sqrt(eta) t)`` and ``phi = (1 - E) / (2 R)``, computed stably by the numeric layer.
E = sp.Symbol("E", positive=True)
phi = sp.Symbol("phi", nonnegative=True)

_eta = eta_a * eta_w


def kappa_of(delta_=delta):
    """``kappa = |delta| / (2 sqrt(eta_a eta_w))``.

    Examples
    --------
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> kappa_of(-2).subs({eta_a: 1, eta_w: 4})
    1/2
    """
    return sp.Abs(delta_) / (2 * sp.sqrt(_eta))


def sigma_rate(sigma_=sigma, s_=s, delta_=delta):
    """``sigma' = -2 sqrt(eta sigma^2 + delta^2/4) (sigma - s)``.

    Examples
    --------
    >>> from symrich.symbolic.symbols import eta_a, eta_w, s
    >>> sigma_rate(s, s)
    0
    >>> sigma_rate(1, 2, 0).subs({eta_a: 1, eta_w: 1})
    2
    """
    return -2 * sp.sqrt(_eta * sigma_**2 + delta_**2 / 4) * (sigma_ - s_)


def v_of_sigma(sigma_=sigma, kappa_=kappa):
    """``v = sigma + sqrt(sigma^2 + kappa^2)``.

    Examples
    --------
    >>> v_of_sigma(3, 4), v_of_sigma(0, 4)
    (8, 4)
    """
    return sigma_ + sp.sqrt(sigma_**2 + kappa_**2)


def sigma_of_v(v_=v, kappa_=kappa):
    """``sigma = (v^2 - kappa^2) / (2 v)`` (inverse of :func:`v_of_sigma`).

    Examples
    --------
    >>> import sympy as sp
    >>> sigma_of_v(v_of_sigma(3, 4), 4)
    3
    >>> sp.simplify(sigma_of_v(v_of_sigma()) - sigma)
    0
    """
    return (v_**2 - kappa_**2) / (2 * v_)


def _R(s_, kappa_):
    return sp.sqrt(s_**2 + kappa_**2)


def v_plus(s_=s, kappa_=kappa):
    """``v_+ = s + sqrt(s^2 + kappa^2)``: the attracting root (``sigma = s``).

    Examples
    --------
    >>> v_plus(3, 4), sigma_of_v(v_plus(3, 4), 4)
    (8, 3)
    """
    return s_ + _R(s_, kappa_)


def v_minus(s_=s, kappa_=kappa):
    """``v_- = s - sqrt(s^2 + kappa^2) = -kappa^2 / (s + sqrt(s^2 + kappa^2))`` (repelling root, <= 0).

    Examples
    --------
    >>> import sympy as sp
    >>> v_minus(3, 4)
    -2
    >>> sp.expand(v_plus() * v_minus())
    -kappa**2
    """
    return s_ - _R(s_, kappa_)


def riccati_rhs(v_=v, s_=s, kappa_=kappa):
    """``v' = sqrt(eta) (-v^2 + 2 s v + kappa^2)``.

    Examples
    --------
    >>> riccati_rhs(v_plus(3, 4), 3, 4), riccati_rhs(v_minus(3, 4), 3, 4)
    (0, 0)
    """
    return sp.sqrt(_eta) * (-v_**2 + 2 * s_ * v_ + kappa_**2)


def v_trajectory(t_=t, v0_=v0, s_=s, kappa_=kappa):
    """Textbook solution of the Riccati equation from ``v(0) = v0``.

    ``v = [v+ (v0 - v-) - v- (v0 - v+) e^{-2 R sqrt(eta) t}] / [(v0 - v-) - (v0 - v+) e^{-2 R sqrt(eta) t}]``.

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> sp.simplify(v_trajectory(0) - v0)
    0
    >>> round(float(v_trajectory(10, 1, 3, 4).subs({eta_a: 1, eta_w: 1})), 6)
    8.0
    """
    R = _R(s_, kappa_)
    vp, vm = v_plus(s_, kappa_), v_minus(s_, kappa_)
    e = sp.exp(-2 * R * sp.sqrt(_eta) * t_)
    return (vp * (v0_ - vm) - vm * (v0_ - vp) * e) / ((v0_ - vm) - (v0_ - vp) * e)


def v_gap_stable(x_, s_=s, kappa_=kappa):
    """``v(x) - v_+ = (x - s)(1 + (x + s)/(sqrt(x^2 + kappa^2) + sqrt(s^2 + kappa^2)))`` (no cancellation).

    Examples
    --------
    >>> v_gap_stable(0, 3, 4), v_of_sigma(0, 4) - v_plus(3, 4)
    (-4, -4)
    """
    return (x_ - s_) * (1 + (x_ + s_) / (sp.sqrt(x_**2 + kappa_**2) + _R(s_, kappa_)))


def v_trajectory_stable(sigma0_=sigma0, s_=s, kappa_=kappa, E_=E, phi_=phi):
    """``(v - v_+, v)`` in the cancellation-free form, with ``E = e^{-2 R sqrt(eta) t}``, ``phi = (1 - E)/(2R)``.

    ``v - v_+ = b E / (1 + b phi)`` with ``b = v0 - v_+`` from :func:`v_gap_stable`;
    continuous at ``R = 0`` (where ``phi = sqrt(eta) t``).

    Examples
    --------
    >>> v_trajectory_stable(0, 3, 4, 1, 0)
    (-4, 4)
    >>> v_of_sigma(0, 4)
    4
    """
    b = v_gap_stable(sigma0_, s_, kappa_)
    gap = b * E_ / (1 + b * phi_)
    return gap, v_plus(s_, kappa_) + gap


def sigma_of_v_stable(gap, v_, s_=s, kappa_=kappa):
    """``sigma = s + (v - v_+)(v - v_+ + 2R) / (2 v)``, i.e. :func:`sigma_of_v` written around ``s``.

    Examples
    --------
    >>> import sympy as sp
    >>> sigma_of_v_stable(-4, 4, 3, 4), sigma_of_v(sp.S(4), 4)
    (0, 0)
    """
    return s_ + gap * (gap + 2 * _R(s_, kappa_)) / (2 * v_)


def sigma_rising_stable(sigma0_=sigma0, s_=s, kappa_=kappa, E_=E, phi_=phi):
    """``sigma = sigma0 + (v - v0)(1 + kappa^2/(v v0))/2``, :func:`sigma_of_v` written around the start.

    With ``b = v0 - v_+`` (:func:`v_gap_stable`), ``v0 - v_- = v0 + kappa^2/(s + R)`` and
    ``1 + b phi = (v0 - v_- - b E)/(2R)``, the solution ``v = v_+ + b E/(1 + b phi)`` moves by
    ``v - v0 = -2R b phi (v0 - v_-)/(v0 - v_- - b E)``.  For ``sigma0 <= s`` (``b <= 0``, ``R > 0``
    unless ``sigma0 = s = delta = 0``) every term is ``>= 0``: no cancellation, also for
    ``sigma0 << s`` where :func:`sigma_of_v_stable` subtracts ``s`` from nearly ``s``.

    Examples
    --------
    >>> import sympy as sp
    >>> sigma_rising_stable(0, 3, 4, 1, 0)
    0
    >>> E1 = sp.exp(-10)
    >>> gap, v1 = v_trajectory_stable(0, 3, 4, E1, (1 - E1) / 10)
    >>> sp.simplify(sigma_rising_stable(0, 3, 4, E1, (1 - E1) / 10) - sigma_of_v(v1, 4))
    0
    """
    b = v_gap_stable(sigma0_, s_, kappa_)
    v0_ = v_of_sigma(sigma0_, kappa_)
    R = _R(s_, kappa_)
    spread = v0_ + kappa_**2 / (s_ + R)
    rise = -2 * R * b * phi_ * spread / (spread - b * E_)
    v_ = v0_ + rise
    return sigma0_ + rise / 2 * (1 + (kappa_ / v_) * (kappa_ / v0_))


def time_of_v(v_=v, v0_=v0, s_=s, kappa_=kappa):
    """``t = log[(v - v-)(v0 - v+) / ((v - v+)(v0 - v-))] / (2 R sqrt(eta))``.

    Examples
    --------
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> time_of_v(v0)
    0
    >>> round(float(time_of_v(v_trajectory(1, 1, 3, 4), 1, 3, 4).subs({eta_a: 1, eta_w: 1})), 6)
    1.0
    """
    R = _R(s_, kappa_)
    vp, vm = v_plus(s_, kappa_), v_minus(s_, kappa_)
    return sp.log((v_ - vm) * (v0_ - vp) / ((v_ - vp) * (v0_ - vm))) / (2 * R * sp.sqrt(_eta))


def time_to_reach_stable(sigma_=sigma, sigma0_=sigma0, s_=s, kappa_=kappa):
    """:func:`time_of_v` as ``log1p[((v0 - v)/(v - v+)) (2R/(v0 - v-))] / (2 R sqrt(eta))``.

    One logarithm: ``(1 + (v - v0)/(v0 - v-))(1 + (v0 - v)/(v - v+)) = 1 + 2R (v0 - v)/((v0 - v-)(v - v+))``
    (as ``v- - v+ = -2R``); the sum of the two logarithms cancels for ``sigma0 >> s`` (a negative time).
    The pieces are free of cancellation: ``v - v0 = (sigma - sigma0)(1 + (sigma + sigma0)/(r + r0))``,
    ``v0 - v- = sigma0 + r0 + kappa^2/(s + R)``, ``v - v+`` by :func:`v_gap_stable`; the two quotients are
    kept apart (``sp.UnevaluatedExpr``) so that no product of two large factors overflows.

    Examples
    --------
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> time_to_reach_stable(sigma0).doit()  # doit() releases the grouping of the two quotients
    0
    >>> point = {eta_a: 1, eta_w: 1}
    >>> t_stable = time_to_reach_stable(1, 0, 3, 4).subs(point).doit()
    >>> t_plain = time_of_v(v_of_sigma(1, 4), v_of_sigma(0, 4), 3, 4).subs(point)
    >>> abs(float(t_stable - t_plain)) < 1e-12
    True
    """
    from sympy.codegen.cfunctions import log1p

    R = _R(s_, kappa_)
    r, r0 = sp.sqrt(sigma_**2 + kappa_**2), sp.sqrt(sigma0_**2 + kappa_**2)
    dv = (sigma_ - sigma0_) * (1 + (sigma_ + sigma0_) / (r + r0))
    v0_minus_vm = sigma0_ + r0 + kappa_**2 / (s_ + R)
    gap = v_gap_stable(sigma_, s_, kappa_)
    q = sp.UnevaluatedExpr(-dv / gap) * sp.UnevaluatedExpr(2 * R / v0_minus_vm)
    return log1p(q) / (2 * R * sp.sqrt(_eta))


def time_to_reach_critical(sigma_=sigma, sigma0_=sigma0):
    """``t(sigma)`` at ``R = 0`` (``s = 0``, ``delta = 0``): ``sigma' = -2 sqrt(eta) sigma^2``, ``t = (1/sigma - 1/sigma0)/(2 sqrt(eta))``.

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> time_to_reach_critical(sp.S(1), sp.S(2)).subs({eta_a: 1, eta_w: 1})
    1/4
    """
    return (1 / sigma_ - 1 / sigma0_) / (2 * sp.sqrt(_eta))


def saxe_sigmoid(t_=t, sigma0_=sigma0, s_=s):
    """``delta = 0``: ``sigma = s sigma0 e^{2 s sqrt(eta) t} / (s + sigma0 (e^{2 s sqrt(eta) t} - 1))`` (Saxe et al. 2014).

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> saxe_sigmoid(0)
    sigma_0
    >>> round(float(saxe_sigmoid(10, sp.Rational(1, 100), 1).subs({eta_a: 1, eta_w: 1})), 6)
    1.0
    """
    e = sp.exp(2 * s_ * sp.sqrt(_eta) * t_)
    return s_ * sigma0_ * e / (s_ + sigma0_ * (e - 1))
