"""Single neuron, whitened data: the basins of the two interpolating branches, from the closed form.

Coordinates that make every limit explicit: for ``s > 0`` put ``kappa = delta + Lam = -2 l_-``
and ``mu = Lam - delta = 2 l_+``; both are positive, ``delta = (kappa - mu)/2``,
``Lam = (kappa + mu)/2`` and ``eta s^2 = kappa mu/4``; every pair ``kappa, mu > 0`` is one
``(delta, s)``.  The initial values enter the closed form only through
``A = eta_a p0 - l_- a0`` and ``B = eta_a p0 - l_+ a0`` (``p0 = w0^T beta_star``), an invertible
linear change of ``(a0, p0)`` (``Lam > 0``), so ``A`` and ``B`` are used as the free symbols.

From ``a = e^{delta t} chi / D`` (derivation ``single_neuron_closed_form``):
``chi e^{-l_+ t} -> A/Lam``, ``D^2 e^{-kappa t} -> 2 eta_w A^2/(Lam^2 kappa)``, so for ``A != 0``
``a(oo) = (A/Lam) / sqrt(2 eta_w A^2/(Lam^2 kappa)) = sign(A) sqrt((delta + Lam)/(2 eta_w))``, and
``D -> oo``, so the ``w_perp0`` part ``c = 1/D`` dies and ``a(oo) p(oo) = 1``: ``w(oo) = beta_star/a(oo)``.
The sign of ``A`` decides the branch: the surface ``A = 0``, i.e.
``eta_a w^T beta_star = l_-(delta) a`` (``delta`` itself a function of ``(a, w)``), separates the
initialisations that end at ``a > 0`` from those that end at ``a < 0``.  On the surface the flow
runs on the stable manifold of the saddle ``beta = 0`` (closed-form derivation, saddle branch):
``a -> 0`` and ``w -> w_perp0 / sqrt(1 + eta_w a0^2/l_+)``, with ``||w(oo)||^2 = -delta/eta_a``; the
surface is empty for ``delta > 0`` (there ``delta (1 + 2 eta_w a0^2/mu) = -eta_a ||w_perp0||^2`` is
impossible), consistent with ``a`` never changing sign.
"""

import sympy as sp

from symrich.engine import Derivation, Step
from symrich.engine.rewrites import factor_half_powers
from symrich.symbolic import implicit_bias as ib
from symrich.symbolic import single_neuron_solution as sol
from symrich.symbolic.single_neuron_solution import a0, pi0
from symrich.symbolic.symbols import delta, eta_a, eta_w, s, t

ORDER = 120


def _expand_exp(e):
    return sp.powsimp(sp.expand(e), combine="exp")


def derivation():
    eta = eta_a * eta_w
    k, m = sp.symbols("kappa mu", positive=True)
    As, Bs = sp.symbols("A B", real=True)
    Ap, An = sp.Symbol("A_p", positive=True), sp.Symbol("A_n", negative=True)
    s2v = k * m / (4 * eta)
    Lam_km = sol.Lam_of(s2v).subs(delta, (k - m) / 2)
    L = (k + m) / 2
    inverse = {a0: (As - Bs) / L, pi0: ((m / 2) * As + (k / 2) * Bs) / (L * eta_a * s2v)}

    def sub(e):
        e = sp.sympify(e).subs(delta, (k - m) / 2)
        # Lam = sqrt((kappa + mu)^2/4): factor the radicand of every square root (an identity)
        e = e.replace(lambda x: isinstance(x, sp.Pow) and x.exp.is_Rational and x.exp.q == 2,
                      lambda x: sp.Pow(sp.factor(x.base), x.exp))
        return e.subs(inverse, simultaneous=True)

    A, B = sol._AB(s2v)
    chi = sol.chi_plain(t, s2v)
    dchi = sp.diff(chi, t)
    I = sol.I_plain(t, s2v).rewrite(sp.exp)
    steps = [
        Step(Lam_km, L, "Lam = (kappa + mu)/2 with delta = (kappa - mu)/2, eta s^2 = kappa mu/4",
             rewrite=factor_half_powers),
        Step(sub(sol.l_plus(s2v)), m / 2, "l_+ = mu/2 > 0"),
        Step(sub(sol.l_minus(s2v)), -k / 2, "l_- = -kappa/2 < 0"),
        Step(sub(A), As, "A = eta_a p0 - l_- a0 in the new symbols (the change (a0, p0) -> (A, B) is invertible)"),
        Step(sub(B), Bs, "B = eta_a p0 - l_+ a0 likewise"),
        Step(sp.Limit(_expand_exp(sub(chi * sp.exp(-m * t / 2))), t, sp.oo), As / L,
             "chi = [A e^{l_+ t} - B e^{l_- t}]/Lam ~ (A/Lam) e^{l_+ t}"),
        Step(sp.Limit(_expand_exp(sub(dchi * sp.exp(-m * t / 2))), t, sp.oo), m * As / (2 * L),
             "chi' ~ l_+ (A/Lam) e^{l_+ t}"),
        Step(sp.Limit(_expand_exp(sub(sp.exp(-k * t) * (1 + 2 * eta_w * I))), t, sp.oo), 2 * eta_w * As**2 / (L**2 * k),
             "D^2 = 1 + 2 eta_w I ~ 2 eta_w (A/Lam)^2 e^{(delta + Lam) t}/(delta + Lam) (I has rates delta + Lam, delta - Lam, delta)"),
        Step((Ap / L) / sp.sqrt(2 * eta_w * Ap**2 / (L**2 * k)), sp.sqrt(k / (2 * eta_w)),
             "A > 0: a = [e^{delta t} chi e^{-kappa t/2}] / [D e^{-kappa t/2}] -> +sqrt((delta + Lam)/(2 eta_w)) "
             "(delta - kappa/2 = -l_+)"),
        Step((An / L) / sp.sqrt(2 * eta_w * An**2 / (L**2 * k)), -sp.sqrt(k / (2 * eta_w)),
             "A < 0: a -> -sqrt((delta + Lam)/(2 eta_w)); so a(oo) = sign(A) sqrt((delta + Lam)/(2 eta_w))"),
        Step((m * Ap / (2 * L)) / (eta_a * s2v * sp.sqrt(2 * eta_w * Ap**2 / (L**2 * k))) * sp.sqrt(k / (2 * eta_w)), 1,
             "p = e^{delta t} chi'/(eta_a s^2 D) -> p(oo) with a(oo) p(oo) = 1, and c = 1/D -> 0: w(oo) = beta_star/a(oo) "
             "(A > 0; A < 0 flips both signs)"),
        Step(ib.l_minus_stable_negative(s**2), sol.l_minus(),
             "l_- = -2 eta s^2/(Lam - delta) (stable for delta < 0); the surface A = 0 is eta_a w^T beta_star = l_-(delta) a",
             methods=("cancel", "simplify")),
        Step(ib.l_plus_stable_positive(s**2), sol.l_plus(), "l_+ = 2 eta s^2/(Lam + delta) (stable for delta > 0)",
             methods=("cancel", "simplify")),
        Step(ib.basin_A(sol.l_minus(), a0), sol._AB(s**2)[0].subs(pi0, ib.p0 / s**2),
             "A = eta_a p0 - l_- a0 with p0 = w0^T beta_star = s^2 pi0 (the compiled selector)"),
    ]
    # the saddle: on A = 0 (p0 = -kappa a0/(2 eta_a)) delta <= 0, and the flow goes to beta = 0
    q0 = sp.Symbol("q_0", nonnegative=True)   # ||w_perp0||^2
    p0 = -k * a0 / (2 * eta_a)
    steps += [
        Step((eta_w * a0**2 - eta_a * (p0**2 / s2v + q0)) + 2 * ((k - m) / 2) * eta_w * a0**2 / m, -eta_a * q0,
             "on A = 0: delta = eta_w a0^2 - eta_a (p0^2/s^2 + q0) gives delta (1 + 2 eta_w a0^2/mu) = -eta_a q0, so delta <= 0"),
    ]
    S = sol.stable_saddle(t, s2v)
    Ssq = _expand_exp(sub((S.S**2).rewrite(sp.exp)))
    steps += [
        Step(sp.Limit(Ssq, t, sp.oo), sub(1 + 2 * eta_w * a0**2 / m),
             "saddle form: S^2 = 1 + 2 eta_w a0^2 t phi1(-mu t) -> 1 + eta_w a0^2/l_+"),
        Step(sp.Limit(_expand_exp(sub(sp.exp((delta - sol.Lam_of(s2v)) * t / 2))), t, sp.oo), 0,
             "a = a0 e^{(delta - Lam) t/2}/S -> 0, p -> 0, c = 1/S -> 1/sqrt(1 + eta_w a0^2/l_+): beta -> 0"),
        Step(q0 / (1 + 2 * eta_w * a0**2 / m), (-delta / eta_a).subs(delta, -eta_a * q0 / (1 + 2 * eta_w * a0**2 / m)),
             "consistency: ||w(oo)||^2 = q0/(1 + 2 eta_w a0^2/mu) = -delta/eta_a (conservation law at a = 0)"),
    ]
    return Derivation(
        name="single_neuron_basins",
        title="Single neuron, whitened data: basins of attraction of the two branches",
        family="single neuron",
        statement=(
            "With X^T X = I, s > 0, A = eta_a w0^T beta_star - l_-(delta) a0: if A != 0 then "
            "a(oo) = sign(A) sqrt((delta + Lam)/(2 eta_w)) and w(oo) = beta_star/a(oo); the surface "
            "eta_a w^T beta_star = l_-(delta) a separates the two basins. On it (possible only for delta <= 0) the flow "
            "converges to the saddle beta = 0 with w(oo) = w_perp0/sqrt(1 + eta_w a0^2/l_+)."
        ),
        assumptions=("X^T X = I_d", "s = ||beta_star|| > 0", "eta_a, eta_w > 0"),
        notes=__doc__.split("\n\n", 1)[1].strip(),
        steps=tuple(steps),
        result=(sp.Symbol(r"a(\infty)"), sp.sign(sp.Symbol("A")) * sp.sqrt((delta + sp.Symbol(r"\Lambda")) / (2 * eta_w))),
    )
