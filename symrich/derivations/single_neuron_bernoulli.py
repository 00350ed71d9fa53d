"""Single neuron, whitened data: the Bernoulli equation of ``u = a^2`` and its solution.

From ``a' = delta a - eta_w a^3 + eta_a P`` (derivation ``single_neuron_riccati``) and
``P = nu a``, ``u = a^2`` obeys ``u' = 2 (delta + eta_a nu) u - 2 eta_w u^2``; ``z = 1/u``
obeys the linear ``z' = -2 (delta + eta_a nu) z + 2 eta_w``.  With
``nu = chi'/(eta_a chi)`` the integrating factor is ``mu = e^{2 delta t} chi^2 / a0^2``,
and ``(mu z)' = 2 eta_w mu`` gives ``u = e^{2 delta t} chi^2 / (1 + 2 eta_w I)`` with
``I = int_0^t e^{2 delta r} chi^2``.  The integrating factor needs ``a0 != 0``, but the
result does not: the last steps check it directly, for any ``chi`` and ``I`` with
``I' = e^{2 delta t} chi^2``, against the Bernoulli equation (in the form with ``P``,
which has no pole), so it holds for ``a0 = 0`` and through zeros of ``a`` as well.
"""

import sympy as sp

from symrich.engine import Derivation, Step
from symrich.symbolic.symbols import delta, eta_a, eta_w, t

ORDER = 50


def derivation():
    a, P, nu, u, a0 = sp.symbols("a P nu u a_0", real=True)
    adot = delta * a - eta_w * a**3 + eta_a * P
    bern = 2 * (delta + eta_a * nu) * u - 2 * eta_w * u**2
    chi = sp.Function("chi", real=True)(t)
    I = sp.Function("I", real=True)(t)
    dchi = sp.Derivative(chi, t)
    nu_chi = dchi / (eta_a * chi)
    mu = sp.exp(2 * delta * t) * chi**2 / a0**2
    z = sp.Function("z", real=True)(t)
    zdot = -2 * (delta + eta_a * nu_chi) * z + 2 * eta_w
    u_closed = sp.exp(2 * delta * t) * chi**2 / (1 + 2 * eta_w * I)
    dI = {sp.Derivative(I, t): sp.exp(2 * delta * t) * chi**2}
    # P along the closed form: P = a nu = e^{delta t} chi'/(eta_a D); so a P = e^{2 delta t} chi chi'/(eta_a D^2)
    aP_closed = sp.exp(2 * delta * t) * chi * dchi / (eta_a * (1 + 2 * eta_w * I))
    steps = (
        Step(2 * a * adot, bern.subs({u: a**2, nu: P / a}), "u = a^2: u' = 2 a a' = 2 (delta + eta_a nu) u - 2 eta_w u^2 (P = nu a)"),
        Step(-bern / u**2, (-2 * (delta + eta_a * nu) * z + 2 * eta_w).subs(z, 1 / u), "z = 1/u: z' = -u'/u^2 is linear in z"),
        Step(sp.diff(mu, t), 2 * (delta + eta_a * nu_chi) * mu, "integrating factor mu = e^{2 delta t} chi^2/a0^2: mu' = 2 (delta + eta_a nu) mu"),
        Step(sp.diff(mu, t) * z + mu * zdot, 2 * eta_w * mu, "(mu z)' = 2 eta_w mu, so mu z = 1/a0^2 + 2 eta_w int mu = (1 + 2 eta_w I)/a0^2"),
        Step(sp.diff(u_closed, t).subs(dI), (2 * delta * u - 2 * eta_w * u**2).subs(u, u_closed) + 2 * eta_a * aP_closed,
             "check: u = e^{2 delta t} chi^2/(1 + 2 eta_w I) solves u' = 2 delta u - 2 eta_w u^2 + 2 eta_a a P (no division by a)",
             methods=("expand", "cancel", "simplify")),
        Step(u_closed.subs(I, 0).subs(chi, a0).subs(t, 0), a0**2, "u(0) = a0^2 (chi(0) = a0, I(0) = 0)"),
    )
    return Derivation(
        name="single_neuron_bernoulli",
        title="Single neuron, whitened data: Bernoulli equation for a^2",
        family="single neuron",
        statement=(
            "u = a^2 obeys u' = 2 (delta + eta_a nu) u - 2 eta_w u^2; z = 1/u is linear, and "
            "u = e^{2 delta t} chi^2 / (1 + 2 eta_w int_0^t e^{2 delta r} chi^2 dr)."
        ),
        assumptions=("X^T X = I", "eta_a, eta_w > 0", "a0 != 0 for the integrating-factor steps only"),
        notes=__doc__.split("\n\n", 1)[1].strip(),
        steps=steps,
        result=(sp.Symbol("a(t)^2"), sp.exp(2 * delta * t) * sp.Symbol(r"\chi(t)") ** 2 / (1 + 2 * eta_w * sp.Symbol("I(t)"))),
    )
