"""Single neuron, whitened data: the Riccati equation of ``nu = w^T beta_star / a`` and its linearisation.

With ``X^T X = I`` the gradient is ``g = a w - beta_star``.  The projection
``P = w^T beta_star`` obeys ``P' = -eta_w a (a P - s^2)`` (coordinate-free, every
``d``), and by the conservation law ``eta_a ||w||^2 = eta_w a^2 - delta`` the readout
obeys ``a' = delta a - eta_w a^3 + eta_a P``.  Their ratio ``nu = P / a`` obeys the
Riccati equation ``nu' = eta_w s^2 - delta nu - eta_a nu^2``, whose fixed points are
``l_pm / eta_a``.  The substitution ``nu = chi' / (eta_a chi)`` turns it into the linear
equation ``chi'' + delta chi' - eta_a eta_w s^2 chi = 0``, solved by SymPy's ``dsolve``
with ``chi(0) = a0``, ``chi'(0) = eta_a P0``; ``a = e^{delta t} chi / D`` with ``D >= 1``
(derivation ``single_neuron_closed_form``), so ``nu`` has a pole exactly when ``a``
crosses zero.  (``dsolve``'s ``1st_rational_riccati`` hint does not apply here: it
needs rational coefficients in ``t`` with numeric parameters.)
"""

import sympy as sp

from symrich.engine import Derivation, Step
from symrich.symbolic import single_neuron_solution as sol
from symrich.symbolic.single_neuron_solution import a0, pi0
from symrich.symbolic.symbols import delta, eta_a, eta_w, s, t

ORDER = 40


def derivation():
    d = sp.Symbol("d", integer=True, positive=True)
    Bs = sp.MatrixSymbol("beta_star", d, 1)
    W = sp.MatrixSymbol("w", d, 1)
    a, P, u, nu = sp.symbols("a P u nu", real=True)
    L = sol.Lam_of()
    lp, lm = sol.l_plus(), sol.l_minus()
    eta = eta_a * eta_w
    adot = delta * a - eta_w * a**3 + eta_a * P
    Pdot = -eta_w * a * (a * P - s**2)
    riccati = eta_w * s**2 - delta * nu - eta_a * nu**2
    chi = sp.Function("chi", real=True)(t)
    nu_chi = sp.Derivative(chi, t) / (eta_a * chi)
    chi_ode = sp.Derivative(chi, (t, 2)) + delta * sp.Derivative(chi, t) - eta * s**2 * chi
    P0 = s**2 * pi0
    lin = sp.dsolve(sp.Eq(chi_ode, 0), chi, ics={chi.subs(t, 0): a0, sp.Derivative(chi, t).subs(t, 0): eta_a * P0})
    chi_plain = sol.chi_plain()
    nu_plain = sp.diff(chi_plain, t) / (eta_a * chi_plain)
    steps = (
        Step(Bs.T * (-eta_w * a * (a * W - Bs)), -eta_w * a * (a * (Bs.T * W) - Bs.T * Bs),
             "P = beta_star^T w moves as P' = beta_star^T w' = -eta_w a (a P - s^2) (every d)"),
        Step(-eta_a * (a * u - P), adot.subs(delta, eta_w * a**2 - eta_a * u),
             "a' = -eta_a (a ||w||^2 - P) and eta_a ||w||^2 = eta_w a^2 - delta (conservation law): a' = delta a - eta_w a^3 + eta_a P"),
        Step(Pdot / a - P * adot / a**2, riccati.subs(nu, P / a),
             "quotient rule for nu = P/a: nu' = eta_w s^2 - delta nu - eta_a nu^2 (Riccati)"),
        Step(riccati.subs(nu, lp / eta_a), 0, "l_+/eta_a is a fixed point, l_+ = (-delta + Lam)/2"),
        Step(riccati.subs(nu, lm / eta_a), 0, "l_-/eta_a is a fixed point, l_- = (-delta - Lam)/2"),
        Step(sp.diff(riccati, nu).subs(nu, lp / eta_a), -L, "slope -Lam < 0 at l_+/eta_a: stable (the attractor, beta -> beta_star)"),
        Step(sp.diff(riccati, nu).subs(nu, lm / eta_a), L, "slope +Lam > 0 at l_-/eta_a: unstable"),
        Step(sp.diff(nu_chi, t) - riccati.subs(nu, nu_chi), chi_ode / (eta_a * chi),
             "nu = chi'/(eta_a chi) linearises the Riccati equation: it holds iff chi'' + delta chi' - eta_a eta_w s^2 chi = 0",
             methods=("expand", "cancel", "simplify")),
        Step(lin.rhs, chi_plain, "dsolve with chi(0) = a0, chi'(0) = eta_a P0: chi = [A e^{l_+ t} - B e^{l_- t}]/Lam",
             methods=("expand", "cancel", "simplify")),
        Step(sp.diff(nu_plain, t), riccati.subs(nu, nu_plain), "check by substitution: nu = chi'/(eta_a chi) solves the Riccati equation",
             methods=("cancel", "simplify", "equals")),
        Step(nu_plain.subs(t, 0), pi0 * s**2 / a0, "nu(0) = w0^T beta_star / a0", methods=("cancel", "simplify")),
    )
    return Derivation(
        name="single_neuron_riccati",
        title="Single neuron, whitened data: Riccati equation and its linearisation",
        family="single neuron",
        statement=(
            "nu = w^T beta_star / a obeys nu' = eta_w s^2 - delta nu - eta_a nu^2, with fixed points l_pm/eta_a, "
            "l_pm = (-delta +- Lam)/2, Lam = sqrt(delta^2 + 4 eta_a eta_w s^2) (l_+ stable, l_- unstable); "
            "nu = chi'/(eta_a chi) with chi'' + delta chi' - eta_a eta_w s^2 chi = 0, chi(0) = a0, chi'(0) = eta_a w0^T beta_star."
        ),
        assumptions=("X^T X = I", "eta_a, eta_w > 0", "s = ||beta_star|| > 0", "a != 0 where nu is used"),
        notes=__doc__.split("\n\n", 1)[1].strip(),
        steps=steps,
        result=(sp.Symbol(r"\dot\nu"), riccati),
    )
