"""Symbolic layer, single neuron on whitened data: the exact solution of the gradient flow.

With ``X^T X = I`` the gradient is ``g = a w - beta_star``.  Decompose the first layer
as ``w(t) = p(t) beta_star + c(t) w_perp0`` with ``w_perp0 = w0 - pi0 beta_star``,
``pi0 = w0^T beta_star / s^2`` (``s = ||beta_star||``).  The exact solution
(derivations ``single_neuron_riccati``, ``single_neuron_bernoulli``,
``single_neuron_closed_form``) is

* ``chi(t) = [A e^{l_+ t} - B e^{l_- t}] / Lam``, ``A = eta_a s^2 pi0 - l_- a0``,
  ``B = eta_a s^2 pi0 - l_+ a0``, ``Lam = sqrt(delta^2 + 4 eta_a eta_w s^2)``,
  ``l_pm = (-delta +- Lam)/2``;
* ``I(t) = int_0^t e^{2 delta r} chi(r)^2 dr``, ``D = sqrt(1 + 2 eta_w I)``;
* ``a = e^{delta t} chi / D``, ``p = e^{delta t} chi' / (eta_a s^2 D)``, ``c = 1 / D``.

Two families of expressions are defined here:

*plain* forms (:func:`plain_solution`), the ones the derivations verify against the
flow, and *stable* forms (:func:`stable_general`, :func:`stable_saddle`), proved
equal to them, which the numeric kernels compile: ``e^{(delta + Lam) t / 2}`` is
factored out of numerator and denominator, every remaining exponent is ``<= 0``,
and every ``(e^x - 1)/x`` is the entire function :class:`~symrich.symbolic.special.phi1`
(exact at 0; re-exported here), so they are finite for every ``t >= 0``, every ``delta``
(0 included) and ``s >= 0``.  They take ``s2 = s^2 >= 0`` as argument (``beta_star = 0`` allowed).
(``M_frobenius_sq``, ``M_inner`` and their symbols, defined in :mod:`symrich.symbolic.single_neuron`,
are importable from here too.)

>>> from symrich.symbolic.single_neuron_solution import stable_general
>>> from symrich.symbolic.symbols import t
>>> form = stable_general()
>>> form.a.subs(t, 0), form.c.subs(t, 0)
(a_0, 1)
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symrich.symbolic.single_neuron import (  # noqa: F401 (the observables' symbols, used from here by derivations)
    M_frobenius_sq,
    M_inner,
    obs_a,
    obs_a0,
    obs_d,
    obs_w0w,
    obs_wb,
    obs_ww,
    obs_ww0,
)
from symrich.symbolic.special import for_compile, phi1, phi1_indicator_form, phi1_near0, tphi1
from symrich.symbolic.symbols import delta, eta_a, eta_w, s, t

__all__ = [
    "phi1", "phi1_near0", "phi1_indicator_form", "for_compile",
    "a0", "pi0", "s2", "Lam_of", "l_plus", "l_minus", "chi_coefficients", "chi_plain", "I_plain",
    "plain_solution", "PlainSolution", "stable_general", "StableForm", "stable_saddle", "SaddleForm", "saddle_U",
    "fast_rates", "saddle_A", "divided_exp", "fast_general", "FastForm", "fast_saddle", "FastSaddleForm",
]

#: initial readout ``a(0)``.
a0 = sp.Symbol("a_0", real=True)
#: coefficient of ``w0`` along ``beta_star``: ``pi0 = w0^T beta_star / s^2``.
pi0 = sp.Symbol("pi_0", real=True)
#: ``s^2 = ||beta_star||^2 >= 0`` (argument of the stable forms; 0 allowed).
s2 = sp.Symbol("s2", nonnegative=True)


def Lam_of(s2_=s**2):
    """``Lam = sqrt(delta^2 + 4 eta_a eta_w s^2)``.

    Examples
    --------
    >>> from symrich.symbolic.symbols import delta, eta_a, eta_w
    >>> Lam_of(4).subs({delta: 3, eta_a: 1, eta_w: 1})
    5
    """
    return sp.sqrt(delta**2 + 4 * eta_a * eta_w * s2_)


def l_plus(s2_=s**2):
    """``l_+ = (-delta + Lam)/2`` (``eta_a`` times the stable fixed point of the Riccati equation).

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.symbolic.symbols import delta, eta_a, eta_w
    >>> l_plus(4).subs({delta: 3, eta_a: 1, eta_w: 1})
    1
    >>> sp.expand(l_plus() + l_minus()), sp.expand(l_plus() * l_minus())
    (-delta, -eta_a*eta_w*s**2)
    """
    return (-delta + Lam_of(s2_)) / 2


def l_minus(s2_=s**2):
    """``l_- = (-delta - Lam)/2``.

    Examples
    --------
    >>> from symrich.symbolic.symbols import delta, eta_a, eta_w
    >>> l_minus(4).subs({delta: 3, eta_a: 1, eta_w: 1})
    -4
    """
    return (-delta - Lam_of(s2_)) / 2


def chi_coefficients(s2_=s**2):
    """``(A, B) = (eta_a s^2 pi0 - l_- a0, eta_a s^2 pi0 - l_+ a0)``: ``Lam chi = A e^{l_+ t} - B e^{l_- t}``.

    Examples
    --------
    >>> from symrich.symbolic.symbols import delta, eta_a, eta_w
    >>> A, B = chi_coefficients(4)
    >>> point = {delta: 3, eta_a: 1, eta_w: 1, a0: 1, pi0: 0}
    >>> A.subs(point), B.subs(point), (A - B).subs(point)     # A - B = Lam a0
    (4, -1, 5)
    """
    P0 = s2_ * pi0  # w0^T beta_star
    return eta_a * P0 - l_minus(s2_) * a0, eta_a * P0 - l_plus(s2_) * a0


#: the name the derivations use for :func:`chi_coefficients`.
_AB = chi_coefficients


def chi_plain(time=t, s2_=s**2):
    """``chi = [A e^{l_+ t} - B e^{l_- t}]/Lam``: ``chi(0) = a0``, ``chi'(0) = eta_a w0^T beta_star``.

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.symbolic.symbols import t
    >>> chi = chi_plain()
    >>> sp.simplify(chi.subs(t, 0)), sp.simplify(sp.diff(chi, t).subs(t, 0))
    (a_0, eta_a*pi_0*s**2)
    """
    A, B = chi_coefficients(s2_)
    return (A * sp.exp(l_plus(s2_) * time) - B * sp.exp(l_minus(s2_) * time)) / Lam_of(s2_)


def I_plain(time=t, s2_=s**2):
    """``I = int_0^t e^{2 delta r} chi^2 dr``: three terms with rates ``delta + Lam``, ``delta - Lam``, ``delta``.

    Examples
    --------
    >>> I_plain(0)
    0
    """
    A, B = chi_coefficients(s2_)
    L = Lam_of(s2_)
    return (A**2 * tphi1(delta + L, time) + B**2 * tphi1(delta - L, time) - 2 * A * B * tphi1(delta, time)) / L**2


@dataclass(frozen=True)
class PlainSolution:
    """The plain closed form (result of :func:`plain_solution`).

    Attributes
    ----------
    chi, dchi : Expr
        ``chi(t) = [A e^{l_+ t} - B e^{l_- t}]/Lam`` and its time derivative.
    I : Expr
        ``int_0^t e^{2 delta r} chi(r)^2 dr``.
    D : Expr
        ``sqrt(1 + 2 eta_w I)``.
    a, p, c : Expr
        ``a = e^{delta t} chi/D``, ``p = e^{delta t} chi'/(eta_a s^2 D)``, ``c = 1/D``.

    Examples
    --------
    >>> plain_solution().D.func.__name__
    'Pow'
    """

    chi: sp.Expr
    dchi: sp.Expr
    I: sp.Expr  # noqa: E741
    D: sp.Expr
    a: sp.Expr
    p: sp.Expr
    c: sp.Expr


def plain_solution(time=t, s2_=s**2):
    """The plain closed form: a :class:`PlainSolution` with ``chi, dchi, I, D, a, p, c``.

    ``a`` is the readout, ``p`` the coefficient of ``beta_star`` and ``c`` the
    coefficient of ``w_perp0`` in ``w(t) = p beta_star + c w_perp0``.

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.symbolic.symbols import t
    >>> sol = plain_solution()
    >>> sol.c.subs(t, 0), sp.simplify(sol.a.subs(t, 0))
    (1, a_0)
    """
    chi = chi_plain(time, s2_)
    dchi = sp.diff(chi, time) if isinstance(time, sp.Symbol) else None
    if dchi is None:
        raise ValueError("time must be a symbol")
    I = I_plain(time, s2_)
    D = sp.sqrt(1 + 2 * eta_w * I)
    return PlainSolution(chi=chi, dchi=dchi, I=I, D=D, a=sp.exp(delta * time) * chi / D,
                         p=sp.exp(delta * time) * dchi / (eta_a * s2_ * D), c=1 / D)


@dataclass(frozen=True)
class StableForm:
    """The overflow-free general form of the closed form and its pieces (result of :func:`stable_general`).

    Attributes
    ----------
    Lam, kappa, dmL : Expr
        The rates ``Lam``, ``delta + Lam``, ``delta - Lam``.
    K, q : Expr
        ``K = delta a0/2 + eta_a s^2 pi0`` and ``q = K/Lam`` (any value at ``Lam = 0``).
    U, V : Expr
        ``a0/2 + q`` and ``a0/2 - q``: the coefficients of the growing and decaying modes.
    atil, btil : Expr
        ``e^{delta t} chi E`` and ``e^{delta t} chi' E/(eta_a s^2)``.
    T0, T1, T2, J : Expr
        ``J = E^2 I = U^2 T0 + 2 U V T1 + V^2 T2``; ``T1`` is the ``Piecewise`` of
        ``T1_pos`` (for ``delta >= 0``) and ``T1_neg`` (both proved equal).
    T1_pos, T1_neg : Expr
        The two forms of ``T1``, each free of overflow on one side of ``delta = 0``.
    E, E2 : Expr
        ``E = e^{-(delta + Lam) t/2}`` and ``E^2``.
    Dt : Expr
        ``sqrt(E^2 + 2 eta_w J) = E D``.
    a, p, c : Expr
        ``atil/Dt``, ``btil/Dt``, ``E/Dt``.

    Examples
    --------
    >>> from symrich.symbolic.symbols import t
    >>> stable_general().E2.subs(t, 0)
    1
    """

    Lam: sp.Expr
    kappa: sp.Expr
    dmL: sp.Expr
    K: sp.Expr
    q: sp.Expr
    U: sp.Expr
    V: sp.Expr
    atil: sp.Expr
    btil: sp.Expr
    T0: sp.Expr
    T1: sp.Expr
    T1_pos: sp.Expr
    T1_neg: sp.Expr
    T2: sp.Expr
    J: sp.Expr
    E2: sp.Expr
    E: sp.Expr
    Dt: sp.Expr
    a: sp.Expr
    p: sp.Expr
    c: sp.Expr


def _growth_of_b(A, gamma, plain):
    """``eta_w a0 + l_+ pi0`` (``plain``), the growing coefficient of ``btil``, as ``eta_w A/gamma`` where ``gamma > 0``.

    Both vanish on the stable manifold of the saddle; written through ``A`` they round as the selector does.
    At ``gamma = 0`` (``s = 0``, ``delta <= 0``) the plain form is kept.
    """
    ind = sp.Piecewise((1, sp.Eq(gamma, 0)), (0, True))
    return eta_w * A / (gamma + ind) + ind * plain


def _pieces(time=t, s2_=s2, stable_rates=False):
    if stable_rates:  # Lam, delta + Lam, delta - Lam from the cancellation-free rates alpha = l_+, gamma = -l_-
        alpha, gamma = fast_rates(s2_)
        L, kappa, dmL = alpha + gamma, 2 * gamma, -2 * alpha
    else:
        L = Lam_of(s2_)
        kappa, dmL = delta + L, delta - L
    K = delta * a0 / 2 + eta_a * s2_ * pi0
    ind = sp.Piecewise((1, sp.Eq(L, 0)), (0, True))
    q = K / (L + ind)  # K/Lam, bounded; any value is right at Lam = 0 (then U + V = a0 is all that enters)
    # U = A/Lam from A = K + Lam a0/2 (A = 0 on the stable manifold of the saddle), V = a0 - U: the growing mode
    # is carried by A alone, so that atil, btil and J round consistently with the selector (a U read off as
    # rounding noise of a0/2 + q would leave 0/0 or a wrong limit at large t)
    A = eta_a * s2_ * pi0 + kappa * a0 / 2
    U = A / (L + ind) + ind * a0 / 2
    V = a0 - U
    em = sp.exp(-L * time)
    atil = a0 * em + A * tphi1(-L, time)
    btil = pi0 * em + _growth_of_b(A, kappa / 2, eta_w * a0 - dmL * pi0 / 2) * tphi1(-L, time)
    T0 = tphi1(-kappa, time)
    T1_pos = sp.exp(-L * time) * tphi1(-delta, time)
    T1_neg = sp.exp(-kappa * time) * tphi1(delta, time)
    T1 = sp.Piecewise((T1_pos, delta >= 0), (T1_neg, True))
    T2 = sp.exp(-kappa * time) * tphi1(dmL, time)
    J = U**2 * T0 + 2 * U * V * T1 + V**2 * T2
    E2 = sp.exp(-kappa * time)
    return dict(Lam=L, kappa=kappa, dmL=dmL, K=K, q=q, U=U, V=V, atil=atil, btil=btil,
                T0=T0, T1=T1, T1_pos=T1_pos, T1_neg=T1_neg, T2=T2, J=J, E2=E2, E=sp.exp(-kappa * time / 2))


def saddle_U(s2_=s2):
    """``U = A/Lam``: the coefficient of the growing mode; ``U = 0`` is the stable manifold of ``beta = 0``.

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.symbolic.symbols import delta, eta_a, eta_w
    >>> sp.factor(saddle_U(4).subs({delta: 3, eta_a: 1, eta_w: 1}))
    4*(a_0 + pi_0)/5
    """
    return _pieces(t, s2_)["U"]


def stable_general(time=t, s2_=s2, stable_rates=False):
    """Overflow-free forms of ``(a, p, c)``, valid unless ``U = 0`` and ``delta + Lam > 0`` (then use :func:`stable_saddle`).

    ``a = atil / Dt``, ``p = btil / Dt``, ``c = E / Dt`` with ``E = e^{-(delta+Lam) t/2}``,
    ``atil = e^{delta t} chi E``, ``btil = e^{delta t} chi' E / (eta_a s^2)``,
    ``Dt^2 = E^2 D^2 = E^2 + 2 eta_w J``, ``J = E^2 I = U^2 T0 + 2 U V T1 + V^2 T2``.
    Returns a :class:`StableForm` with ``a, p, c`` and every piece.

    ``stable_rates=True`` writes ``Lam``, ``delta + Lam`` and ``delta - Lam`` as
    ``alpha + gamma``, ``2 gamma`` and ``-2 alpha`` with the rates of
    :func:`fast_rates`, which do not cancel when ``|delta| >> s`` (the form the
    kernels compile; proved equal in ``single_neuron_closed_form``).

    Examples
    --------
    >>> from symrich.symbolic.symbols import t
    >>> P = stable_general()
    >>> P.a.subs(t, 0), P.p.subs(t, 0), P.c.subs(t, 0)
    (a_0, pi_0, 1)
    """
    P = _pieces(time, s2_, stable_rates)
    Dt = sp.sqrt(P["E2"] + 2 * eta_w * P["J"])
    return StableForm(**P, Dt=Dt, a=P["atil"] / Dt, p=P["btil"] / Dt, c=P["E"] / Dt)


@dataclass(frozen=True)
class SaddleForm:
    """The closed form on the stable manifold of the saddle ``beta = 0`` (result of :func:`stable_saddle`).

    Attributes
    ----------
    S : Expr
        ``sqrt(1 + 2 eta_w a0^2 t phi1((delta - Lam) t))``.
    a, p, c : Expr
        ``a0 e^{(delta - Lam) t/2}/S``, ``pi0 e^{(delta - Lam) t/2}/S``, ``1/S``.
    U, kappa : Expr
        The selector pieces of :class:`StableForm` (the form holds where ``U = 0`` and ``kappa > 0``).

    Examples
    --------
    >>> from symrich.symbolic.symbols import t
    >>> stable_saddle().S.subs(t, 0)
    1
    """

    S: sp.Expr
    a: sp.Expr
    p: sp.Expr
    c: sp.Expr
    U: sp.Expr
    kappa: sp.Expr


def stable_saddle(time=t, s2_=s2, stable_rates=False):
    """Forms of ``(a, p, c)`` on the stable manifold ``U = 0`` of the saddle ``beta = 0`` (``delta + Lam > 0``).

    There ``atil = a0 e^{-Lam t}``, ``btil = pi0 e^{-Lam t}`` and the common factor
    ``e^{-(delta + Lam) t}`` of ``Dt^2`` is cancelled: with
    ``V = a0 - U = a0`` and ``S = sqrt(1 + 2 eta_w a0^2 t phi1((delta - Lam) t))``,
    ``a = a0 e^{(delta - Lam) t/2}/S``, ``p = pi0 e^{(delta - Lam) t/2}/S``, ``c = 1/S``.
    ``stable_rates`` as in :func:`stable_general`.

    Examples
    --------
    >>> from symrich.symbolic.symbols import t
    >>> S = stable_saddle()
    >>> S.a.subs(t, 0), S.p.subs(t, 0), S.c.subs(t, 0)
    (a_0, pi_0, 1)
    """
    P = _pieces(time, s2_, stable_rates)
    S = sp.sqrt(1 + 2 * eta_w * a0**2 * tphi1(P["dmL"], time))
    decay = sp.exp(P["dmL"] * time / 2)
    return SaddleForm(S=S, a=a0 * decay / S, p=pi0 * decay / S, c=1 / S, U=P["U"], kappa=P["kappa"])


# --------------------------------------------------------------------------
# the two-exponential forms compiled by the float loop kernel

#: below this value of ``k t`` the quotient ``(1 - e^{-k t})/k`` loses digits to cancellation,
#: and the entire form ``t phi1(-k t)`` is evaluated instead.
SMALL = sp.Rational(1, 2)


def fast_rates(s2_=s2):
    """``(alpha, gamma) = (l_+, -l_-)`` as sums of nonnegative terms: nothing cancels for either sign of ``delta``.

    With ``m = 2 eta_a eta_w s^2/(Lam + |delta|) = (Lam - |delta|)/2``:
    ``alpha = m + max(-delta, 0)`` and ``gamma = m + max(delta, 0)``.
    The differences ``(Lam -+ delta)/2`` they replace lose digits when
    ``|delta| >> s``.  Both are ``>= 0``, ``alpha + gamma = Lam`` and
    ``gamma - alpha = delta``.  The denominator is written
    ``max(Lam + |delta|, 1 - sign(s^2))``: the same for ``s > 0``, at least 1 for
    ``s = 0`` (where ``m = 0``), so it never vanishes and common-subexpression
    hoisting is safe.

    Examples
    --------
    >>> from symrich.symbolic.symbols import delta, eta_a, eta_w
    >>> al, ga = fast_rates(4)
    >>> al.subs({delta: 3, eta_a: 1, eta_w: 1}), ga.subs({delta: 3, eta_a: 1, eta_w: 1})
    (1, 4)
    >>> al.subs({delta: -3, eta_a: 1, eta_w: 1}), ga.subs({delta: -3, eta_a: 1, eta_w: 1})
    (4, 1)
    """
    L = Lam_of(s2_)
    # the denominator Lam + |delta| vanishes only with s = 0, where the numerator does too: Max(., 1 - sign(s^2))
    # is exactly Lam + |delta| for s > 0 and >= 1 for s = 0 (a Piecewise guard here would be folded by SymPy into
    # every condition that contains the rates; an added indicator would be rounded away)
    m = 2 * eta_a * eta_w * s2_ / sp.Max(L + sp.Abs(delta), 1 - sp.sign(s2_))
    # Max(-+delta, 0) = (|delta| -+ delta)/2, written so that SymPy does not distribute the 1/2 into a
    # difference of two large terms
    return m + sp.Max(-delta, 0), m + sp.Max(delta, 0)


def saddle_A(s2_=s2):
    """``A = eta_a s^2 pi0 + gamma a0`` (``= eta_a w0^T beta_star - l_- a0 = U Lam``), the saddle selector.

    ``A = 0`` (with ``delta + Lam > 0``) is the stable manifold of ``beta = 0``.  In
    this form the test ``A == 0`` is not fooled by rounding: ``U = a0/2 + K/Lam``
    cancels when ``|delta| >> s`` and would read 0 off the manifold.

    Examples
    --------
    >>> from symrich.symbolic.symbols import delta, eta_a, eta_w
    >>> saddle_A(1).subs({a0: 1, pi0: -1, delta: 0, eta_a: 1, eta_w: 1})
    0
    """
    return eta_a * s2_ * pi0 + fast_rates(s2_)[1] * a0


def divided_exp(k, e, time=t):
    """``int_0^t e^{-k r} dr = t phi1(-k t)`` given ``e = e^{-k t}``: ``(1 - e)/k`` where ``k t >= 1/2``, else the entire form.

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.symbolic.symbols import t
    >>> divided_exp(2, sp.exp(-2 * t)).subs(t, 1)
    1/2 - exp(-2)/2
    >>> divided_exp(2, sp.exp(-2 * t)).subs(t, sp.Rational(1, 8))
    phi1_near0(-1/4)/8
    """
    return sp.Piecewise(((1 - e) / k, k * time >= SMALL), (time * phi1_near0(-k * time), True))


#: names bound by the fast forms (``lets``): the rates and the two exponentials.
alpha_, gamma_ = sp.symbols("alpha gamma", nonnegative=True)
x_, y_ = sp.symbols("x y", positive=True)


@dataclass(frozen=True)
class _Bound:
    """Expressions written in bound names, with their ordered definitions ``lets``."""

    lets: tuple

    def bind(self, expr):
        """``expr`` with every bound name replaced by its definition (last binding first)."""
        for name, value in reversed(self.lets):
            expr = expr.xreplace({name: value})
        return expr


@dataclass(frozen=True)
class FastForm(_Bound):
    """The two-exponential general form (result of :func:`fast_general`).

    Attributes
    ----------
    lets : tuple of (Symbol, Expr)
        ``alpha, gamma`` (the rates of :func:`fast_rates`), ``x = e^{-alpha t}``, ``y = e^{-gamma t}``.
    Lam, K, U, V : Expr
        As in :class:`StableForm`, with ``Lam = alpha + gamma``.
    em, tpL : Expr
        ``e^{-Lam t} = x y`` and ``t phi1(-Lam t)``.
    T0, T1, T2, J, Dt : Expr
        The pieces of :class:`StableForm` in the bound names.
    a, p, c : Expr
        The solution, in the bound names (``bind`` substitutes them).

    Examples
    --------
    >>> F = fast_general()
    >>> F.bind(F.em) == F.bind(x_ * y_)
    True
    """

    Lam: sp.Expr
    K: sp.Expr
    U: sp.Expr
    V: sp.Expr
    em: sp.Expr
    tpL: sp.Expr
    T0: sp.Expr
    T1: sp.Expr
    T2: sp.Expr
    J: sp.Expr
    Dt: sp.Expr
    a: sp.Expr
    p: sp.Expr
    c: sp.Expr


@dataclass(frozen=True)
class FastSaddleForm(_Bound):
    """The one-exponential saddle form (result of :func:`fast_saddle`).

    Attributes
    ----------
    lets : tuple of (Symbol, Expr)
        ``alpha`` and ``x = e^{-alpha t}``.
    S : Expr
        ``sqrt(1 + 2 eta_w a0^2 t phi1(-2 alpha t))``.
    a, p, c : Expr
        ``a0 x/S``, ``pi0 x/S``, ``1/S``.

    Examples
    --------
    >>> [str(name) for name, _ in fast_saddle().lets]
    ['alpha', 'x']
    """

    S: sp.Expr
    a: sp.Expr
    p: sp.Expr
    c: sp.Expr


def fast_general(time=t, s2_=s2):
    """The stable general form with two exponentials per time: ``x = e^{-alpha t}``, ``y = e^{-gamma t}``.

    With ``(alpha, gamma)`` from :func:`fast_rates`: ``e^{-Lam t} = x y``,
    ``e^{-(delta + Lam) t} = y^2``, ``e^{(delta - Lam) t} = x^2``;
    ``t phi1(-Lam t)``, ``T0`` and ``T2`` by :func:`divided_exp`;
    ``T1 = y (x - y)/delta`` where ``|delta| t >= 1/2`` (both signs of ``delta``), else
    ``x y t phi1(-delta t)``.  Every other piece is that of :func:`stable_general`.

    The expressions ``a, p, c`` are written in the bound names ``alpha, gamma, x, y``
    (so that nothing merges ``x^2`` back into a third exponential); ``lets`` is the
    ordered tuple of their definitions and ``bind(expr)`` substitutes them (a :class:`FastForm`).

    Examples
    --------
    >>> from symrich.symbolic.symbols import t
    >>> F = fast_general()
    >>> [str(name) for name, _ in F.lets]
    ['alpha', 'gamma', 'x', 'y']
    >>> F.bind(F.a).subs(t, 0), F.bind(F.p).subs(t, 0), F.bind(F.c).subs(t, 0)
    (a_0, pi_0, 1)
    """
    alpha, gamma = fast_rates(s2_)
    lets = ((alpha_, alpha), (gamma_, gamma), (x_, sp.exp(-alpha_ * time)), (y_, sp.exp(-gamma_ * time)))
    x, y, L = x_, y_, alpha_ + gamma_
    K = delta * a0 / 2 + eta_a * s2_ * pi0
    ind = sp.Piecewise((1, sp.Eq(L, 0)), (0, True))
    A = eta_a * s2_ * pi0 + gamma_ * a0  # saddle_A: U and the growing parts of atil, btil read the selector's A
    U = A / (L + ind) + ind * a0 / 2
    V = a0 - U
    em = x * y
    tpL = divided_exp(L, em, time)
    T0 = divided_exp(2 * gamma_, y**2, time)
    T1 = sp.Piecewise((y * (x - y) / delta, sp.Abs(delta) * time >= SMALL), (em * time * phi1_near0(-delta * time), True))
    T2 = y**2 * divided_exp(2 * alpha_, x**2, time)
    atil = a0 * em + A * tpL
    btil = pi0 * em + _growth_of_b(A, gamma_, eta_w * a0 + alpha_ * pi0) * tpL
    J = U**2 * T0 + 2 * U * V * T1 + V**2 * T2
    Dt = sp.sqrt(y**2 + 2 * eta_w * J)
    return FastForm(lets=lets, Lam=L, K=K, U=U, V=V, em=em, tpL=tpL, T0=T0, T1=T1, T2=T2, J=J, Dt=Dt,
                    a=atil / Dt, p=btil / Dt, c=y / Dt)


def fast_saddle(time=t, s2_=s2):
    """:func:`stable_saddle` with the one exponential ``x = e^{-alpha t} = e^{(delta - Lam) t/2}``.

    ``S = sqrt(1 + 2 eta_w a0^2 t phi1(-2 alpha t))`` (:func:`divided_exp` with ``e = x^2``),
    ``a = a0 x/S``, ``p = pi0 x/S``, ``c = 1/S``; ``lets`` and ``bind`` as in
    :func:`fast_general`.

    Examples
    --------
    >>> from symrich.symbolic.symbols import t
    >>> F = fast_saddle()
    >>> F.bind(F.a).subs(t, 0), F.bind(F.p).subs(t, 0), F.bind(F.c).subs(t, 0)
    (a_0, pi_0, 1)
    """
    alpha, _ = fast_rates(s2_)
    lets = ((alpha_, alpha), (x_, sp.exp(-alpha_ * time)))
    S = sp.sqrt(1 + 2 * eta_w * a0**2 * divided_exp(2 * alpha_, x_**2, time))
    return FastSaddleForm(lets=lets, S=S, a=a0 * x_ / S, p=pi0 * x_ / S, c=1 / S)
