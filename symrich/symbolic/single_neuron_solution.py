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
and every ``(e^x - 1)/x`` is the entire function :class:`phi1` (exact at 0), so
they are finite for every ``t >= 0``, every ``delta`` (0 included) and ``s >= 0``.

The stable forms use ``s2 = s^2 >= 0`` as argument (so ``beta_star = 0`` is allowed).

>>> from symrich.symbolic.single_neuron_solution import phi1
>>> import sympy as sp
>>> phi1(0), sp.diff(sp.Symbol("t") * phi1(2 * sp.Symbol("t")), sp.Symbol("t")).simplify()
(1, exp(2*t))
"""

from __future__ import annotations

from types import SimpleNamespace

import mpmath
import sympy as sp
from sympy.codegen.cfunctions import expm1

from symrich.symbolic.symbols import delta, eta_a, eta_w, s, t

__all__ = [
    "phi1",
    "phi1_near0",
    "phi1_indicator_form",
    "for_compile",
    "a0",
    "pi0",
    "s2",
    "Lam_of",
    "l_plus",
    "l_minus",
    "chi_plain",
    "I_plain",
    "plain_solution",
    "stable_general",
    "stable_saddle",
    "saddle_U",
    "fast_rates",
    "saddle_A",
    "divided_exp",
    "fast_general",
    "fast_saddle",
    "KERNEL_ARGS",
    "OBS_ARGS",
    "OBS_NAMES",
    "M_frobenius_sq",
    "M_inner",
    "observable_exprs",
]

#: initial readout ``a(0)``.
a0 = sp.Symbol("a_0", real=True)
#: coefficient of ``w0`` along ``beta_star``: ``pi0 = w0^T beta_star / s^2``.
pi0 = sp.Symbol("pi_0", real=True)
#: ``s^2 = ||beta_star||^2 >= 0`` (argument of the stable forms; 0 allowed).
s2 = sp.Symbol("s2", nonnegative=True)


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
    """``int_0^time e^{k r} dr = time * phi1(k time)``."""
    return time * phi1(k * time)


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


def _AB(s2_=s**2):
    P0 = s2_ * pi0  # w0^T beta_star
    return eta_a * P0 - l_minus(s2_) * a0, eta_a * P0 - l_plus(s2_) * a0


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
    A, B = _AB(s2_)
    return (A * sp.exp(l_plus(s2_) * time) - B * sp.exp(l_minus(s2_) * time)) / Lam_of(s2_)


def I_plain(time=t, s2_=s**2):
    """``I = int_0^t e^{2 delta r} chi^2 dr``: three terms with rates ``delta + Lam``, ``delta - Lam``, ``delta``.

    Examples
    --------
    >>> I_plain(0)
    0
    """
    A, B = _AB(s2_)
    L = Lam_of(s2_)
    return (A**2 * tphi1(delta + L, time) + B**2 * tphi1(delta - L, time) - 2 * A * B * tphi1(delta, time)) / L**2


def plain_solution(time=t, s2_=s**2):
    """The plain closed form: namespace with ``chi, dchi, I, D, a, p, c``.

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
    return SimpleNamespace(
        chi=chi, dchi=dchi, I=I, D=D,
        a=sp.exp(delta * time) * chi / D,
        p=sp.exp(delta * time) * dchi / (eta_a * s2_ * D),
        c=1 / D,
    )


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
    U = a0 / 2 + q
    V = a0 / 2 - q
    em = sp.exp(-L * time)
    atil = a0 * (1 + em) / 2 + K * tphi1(-L, time)
    btil = pi0 * (1 + em) / 2 + (eta_w * a0 - delta * pi0 / 2) * tphi1(-L, time)
    T0 = tphi1(-kappa, time)
    T1_pos = sp.exp(-L * time) * tphi1(-delta, time)
    T1_neg = sp.exp(-kappa * time) * tphi1(delta, time)
    T1 = sp.Piecewise((T1_pos, delta >= 0), (T1_neg, True))
    T2 = sp.exp(-kappa * time) * tphi1(dmL, time)
    J = U**2 * T0 + 2 * U * V * T1 + V**2 * T2
    E2 = sp.exp(-kappa * time)
    return SimpleNamespace(Lam=L, kappa=kappa, dmL=dmL, K=K, q=q, U=U, V=V, atil=atil, btil=btil,
                           T0=T0, T1=T1, T1_pos=T1_pos, T1_neg=T1_neg, T2=T2, J=J, E2=E2,
                           E=sp.exp(-kappa * time / 2))


def saddle_U(s2_=s2):
    """``U = A/Lam``: the coefficient of the growing mode; ``U = 0`` is the stable manifold of ``beta = 0``.

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.symbolic.symbols import delta, eta_a, eta_w
    >>> sp.factor(saddle_U(4).subs({delta: 3, eta_a: 1, eta_w: 1}))
    4*(a_0 + pi_0)/5
    """
    return _pieces(t, s2_).U


def stable_general(time=t, s2_=s2, stable_rates=False):
    """Overflow-free forms of ``(a, p, c)``, valid unless ``U = 0`` and ``delta + Lam > 0`` (then use :func:`stable_saddle`).

    ``a = atil / Dt``, ``p = btil / Dt``, ``c = E / Dt`` with ``E = e^{-(delta+Lam) t/2}``,
    ``atil = e^{delta t} chi E``, ``btil = e^{delta t} chi' E / (eta_a s^2)``,
    ``Dt^2 = E^2 D^2 = E^2 + 2 eta_w J``, ``J = E^2 I = U^2 T0 + 2 U V T1 + V^2 T2``.
    Returns a namespace with ``a, p, c`` and every piece.

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
    Dt = sp.sqrt(P.E2 + 2 * eta_w * P.J)
    P.Dt = Dt
    P.a, P.p, P.c = P.atil / Dt, P.btil / Dt, P.E / Dt
    return P


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
    S = sp.sqrt(1 + 2 * eta_w * a0**2 * tphi1(P.dmL, time))
    decay = sp.exp(P.dmL * time / 2)
    return SimpleNamespace(S=S, a=a0 * decay / S, p=pi0 * decay / S, c=1 / S, U=P.U, kappa=P.kappa)


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


def fast_general(time=t, s2_=s2):
    """The stable general form with two exponentials per time: ``x = e^{-alpha t}``, ``y = e^{-gamma t}``.

    With ``(alpha, gamma)`` from :func:`fast_rates`: ``e^{-Lam t} = x y``,
    ``e^{-(delta + Lam) t} = y^2``, ``e^{(delta - Lam) t} = x^2``;
    ``t phi1(-Lam t)``, ``T0`` and ``T2`` by :func:`divided_exp`;
    ``T1 = y (x - y)/delta`` where ``|delta| t >= 1/2`` (both signs of ``delta``), else
    ``x y t phi1(-delta t)``.  Every other piece is that of :func:`stable_general`.

    The expressions ``a, p, c`` are written in the bound names ``alpha, gamma, x, y``
    (so that nothing merges ``x^2`` back into a third exponential); ``lets`` is the
    ordered list of their definitions and ``bind(expr)`` substitutes them.

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
    lets = [(alpha_, alpha), (gamma_, gamma), (x_, sp.exp(-alpha_ * time)), (y_, sp.exp(-gamma_ * time))]
    x, y, L = x_, y_, alpha_ + gamma_
    K = delta * a0 / 2 + eta_a * s2_ * pi0
    q = K / (L + sp.Piecewise((1, sp.Eq(L, 0)), (0, True)))
    U, V = a0 / 2 + q, a0 / 2 - q
    em = x * y
    tpL = divided_exp(L, em, time)
    T0 = divided_exp(2 * gamma_, y**2, time)
    T1 = sp.Piecewise((y * (x - y) / delta, sp.Abs(delta) * time >= SMALL), (em * time * phi1_near0(-delta * time), True))
    T2 = y**2 * divided_exp(2 * alpha_, x**2, time)
    atil = a0 * (1 + em) / 2 + K * tpL
    btil = pi0 * (1 + em) / 2 + (eta_w * a0 - delta * pi0 / 2) * tpL
    J = U**2 * T0 + 2 * U * V * T1 + V**2 * T2
    Dt = sp.sqrt(y**2 + 2 * eta_w * J)
    return SimpleNamespace(lets=lets, bind=_binder(lets), Lam=L, K=K, U=U, V=V, em=em, tpL=tpL,
                           T0=T0, T1=T1, T2=T2, J=J, Dt=Dt, a=atil / Dt, p=btil / Dt, c=y / Dt)


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
    lets = [(alpha_, alpha), (x_, sp.exp(-alpha_ * time))]
    S = sp.sqrt(1 + 2 * eta_w * a0**2 * divided_exp(2 * alpha_, x_**2, time))
    return SimpleNamespace(lets=lets, bind=_binder(lets), S=S, a=a0 * x_ / S, p=pi0 * x_ / S, c=1 / S)


def _binder(lets):
    def bind(expr):
        for name, value in reversed(lets):
            expr = expr.xreplace({name: value})
        return expr

    return bind


#: argument order of the compiled kernels.
KERNEL_ARGS = (t, a0, pi0, s2, delta, eta_a, eta_w)


# --------------------------------------------------------------------------
# observables (derivation single_neuron_observables)

#: symbols of the observable expressions: readout, ||w||^2, w^T beta_star, and the same at time 0, w0^T w.
obs_a, obs_ww, obs_wb = sp.symbols("a w2 wb", real=True)
obs_a0, obs_ww0, obs_w0w = sp.symbols("a_init w2_init w0w", real=True)
obs_d = sp.Symbol("d", integer=True, positive=True)

OBS_ARGS = (obs_a, obs_ww, obs_wb, obs_a0, obs_ww0, obs_w0w, s2, obs_d, eta_a, eta_w)
OBS_NAMES = ("beta_norm", "signed_magnitude", "ntk_norm", "kernel_distance", "alignment")


def M_frobenius_sq(a_, ww):
    """``||M||_F^2 = d eta_w^2 a^4 + 2 eta_w eta_a a^2 ||w||^2 + eta_a^2 ||w||^4`` for ``M = eta_w a^2 I + eta_a w w^T``.

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> from symrich.symbolic.single_neuron import M_parameters
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


def observable_exprs():
    """The observables in ``OBS_ARGS``, named by ``OBS_NAMES``: ``||beta|| = |a| ||w||``, ``a ||w||``,
    ``||K||_F = ||M||_F``, the kernel distance ``S(0, t) = 1 - <M0, Mt>/(||M0|| ||Mt||)`` (whitened data) and
    ``cos(w, beta_star) = w^T beta_star / (||w|| s)``.  (The loss ``1/2 ||a w - beta_star||^2`` is
    evaluated from its definition, which has no cancellation near the minimum.)

    Examples
    --------
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> point = dict(zip(OBS_ARGS, (1, 1, 1, 1, 1, 1, 1, 2, 1, 1)))
    >>> dict(zip(OBS_NAMES, (e.subs(point) for e in observable_exprs())))
    {'beta_norm': 1, 'signed_magnitude': 1, 'ntk_norm': sqrt(5), 'kernel_distance': 0, 'alignment': 1}
    """
    nw = sp.sqrt(obs_ww)
    return (
        sp.Abs(obs_a) * nw,
        obs_a * nw,
        sp.sqrt(M_frobenius_sq(obs_a, obs_ww)),
        1 - M_inner(obs_a0, obs_ww0, obs_a, obs_ww, obs_w0w)
        / sp.sqrt(M_frobenius_sq(obs_a0, obs_ww0) * M_frobenius_sq(obs_a, obs_ww)),
        obs_wb / (nw * sp.sqrt(s2)),
    )
