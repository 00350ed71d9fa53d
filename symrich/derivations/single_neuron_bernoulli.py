"""Single neuron, whitened data: the Bernoulli equation of $u = a^2$ and its solution (paper, Section 3).

From the Riccati form of the readout's flow, $\\dot a = \\delta a - \\eta_w a^3 + \\eta_a P$
(the derivation of the Riccati equation), $u = a^2$ obeys a Bernoulli equation and
$z = 1/u$ a linear one.  Along the linearisation $\\eta_a \\nu = \\dot\\chi / \\chi$ its
integrating factor is $\\mu = e^{2\\delta t}\\chi^2 / a_0^2$, and integrating
$(\\mu z)^\\cdot = 2\\eta_w \\mu$ gives $u = e^{2\\delta t} \\chi^2 / D^2$ with
$D^2 = 1 + 2\\eta_w I$, $I(t) = \\int_0^t e^{2\\delta r} \\chi(r)^2 \\, dr$.  The integral is
elementary: three exponentials with rates $\\delta + \\Lambda$, $\\delta$, $\\delta - \\Lambda$,
each integrated by $t\\,\\phi_1(k t) = \\int_0^t e^{k r} dr$, which is $t$ at $k = 0$ (no special
case for $\\delta = 0$).  The integrating factor needs $a_0 \\neq 0$, the result does not: the
last steps check it directly, without dividing by $a$, so it holds for $a_0 = 0$ and through
zeros of $a$ as well.
"""

import sympy as sp

from symrich.derivations.single_neuron_riccati import (A, B, Lam, P, a_dot, chi, chi_value, nu, root_definitions)
from symrich.engine import Chain, Definition, Derivation, Step
from symrich.engine.calculus import ddt
from symrich.symbolic.single_neuron_solution import a0, phi1
from symrich.symbolic.symbols import a, delta, eta_a, eta_w, t

ORDER = 50
REQUIRES = ("single_neuron_riccati",)

#: named quantities shared with the closed form.
I = sp.Function("I", real=True)
D = sp.Function("D", positive=True)
mu = sp.Function("mu", positive=True)
u, z = sp.symbols("u_a z", positive=True)  # u = a^2 here (the glossary's u is ||w||^2)
k = sp.Symbol("k", real=True)


def tphi1(rate, time=t):
    r"""$t\,\phi_1(k t) = \int_0^t e^{k r}\,dr$."""
    return time * phi1(rate * time)


def solution_definitions():
    r"""$\Lambda$, $\ell_\pm$, $A$, $B$, $\chi(t)$, $I(t)$ and $D(t)$: the pieces of the closed form."""
    return root_definitions() + (
        Definition(chi(t), chi_value()),
        Definition(I(t), (A**2 * tphi1(delta + Lam) - 2 * A * B * tphi1(delta) + B**2 * tphi1(delta - Lam)) / Lam**2),
        Definition(D(t), sp.sqrt(1 + 2 * eta_w * I(t))),
    )


def derivation():
    f, df = chi(t), sp.Derivative(chi(t), t)
    definitions = solution_definitions() + (
        Definition(nu, P / a, r"the Riccati variable"),
        Definition(z, 1 / a**2),
        Definition(u, 1 / z, r"$= a^2$"),
        Definition(mu(t), sp.exp(2 * delta * t) * f**2 / a0**2, r"the integrating factor"),
    )
    flow = {a: a_dot}
    u_sol = sp.exp(2 * delta * t) * f**2 / D(t) ** 2
    rates = (delta + Lam, delta, delta - Lam)
    linearisation = sp.Eq(nu, df / (eta_a * f))
    steps = (
        Chain(ddt(u, flow),
              (2 * a * a_dot, "chain rule"),
              (2 * a * (delta * a - eta_w * a**3 + eta_a * P), "the Riccati form of the flow of $a$",
               {"uses": ("single_neuron_riccati:a_flow",)}),
              (2 * (delta + eta_a * nu) * u - 2 * eta_w * u**2, r"$P = \nu a$, $u = a^2$"),
              label="bernoulli"),
        Chain(ddt(z, flow),
              (-ddt(u, flow) / u**2, "chain rule"),
              (-2 * (delta + eta_a * nu) * z + 2 * eta_w, r"$z = 1/u$: the equation is linear in $z$", {"uses": ("bernoulli",)}),
              label="linear"),
        Step(sp.Derivative(mu(t), t), 2 * (delta + df / f) * mu(t),
             r"the integrating factor of the linear equation: $\dot\mu = 2(\delta + \eta_a\nu)\mu$ along the "
             r"linearisation $\eta_a\nu = \dot\chi/\chi$ of the Riccati equation",
             label="integrating_factor", rewrite="together"),
        Step(sp.Derivative(tphi1(k), t), sp.exp(k * t),
             r"with $\phi_1(x) = (e^x - 1)/x$, $\phi_1(0) = 1$ (entire), $t\,\phi_1(k t) = \int_0^t e^{k r} dr$: its "
             r"derivative is $e^{k t}$ and it vanishes at $t = 0$, for every real $k$, $0$ included", label="phi1_integral"),
        Chain(sp.Derivative(I(t), t),
              (sum(c * sp.Derivative(tphi1(r), t) for c, r in zip((A**2, -2 * A * B, B**2), rates)) / Lam**2, "linearity"),
              (sum(c * sp.exp(r * t) for c, r in zip((A**2, -2 * A * B, B**2), rates)) / Lam**2, r"derivatives of $t\,\phi_1(k t)$",
               {"uses": tuple(("phi1_integral", {k: r}) for r in rates)}),
              (sp.exp(2 * delta * t) * f**2, r"the square of $\chi$, with $2\delta + 2\ell_\pm = \delta \pm \Lambda$"),
              label="I_ode"),
        Step(I(0), 0, r"$\phi_1$ is finite, so $I(t) = \int_0^t e^{2\delta r}\chi(r)^2 dr$", label="I_initial"),
        Chain(sp.Derivative(D(t), t),
              (eta_w * sp.Derivative(I(t), t) / D(t), "chain rule"),
              (eta_w * sp.exp(2 * delta * t) * f**2 / D(t), r"the derivative of $I$", {"uses": ("I_ode",)}),
              label="D_ode"),
        Chain(sp.Derivative(mu(t), t) * z + mu(t) * ddt(z, flow),
              (2 * (delta + df / f) * mu(t) * z + mu(t) * (-2 * (delta + eta_a * nu) * z + 2 * eta_w),
               r"$\frac{d}{dt}(\mu z) = \dot\mu z + \mu\dot z$", {"uses": ("integrating_factor", "linear")}),
              (2 * eta_w * mu(t) + 2 * mu(t) * z * (df / f - eta_a * nu), r"collect"),
              (2 * eta_w * mu(t), r"along the linearisation the last term vanishes"),
              label="product", given=(linearisation,)),
        Chain(sp.Derivative(D(t) ** 2 / a0**2, t),
              (2 * D(t) * sp.Derivative(D(t), t) / a0**2, "chain rule"),
              (2 * eta_w * sp.exp(2 * delta * t) * f**2 / a0**2, r"the derivative of $D$", {"uses": ("D_ode",)}),
              (2 * eta_w * mu(t), r"the definition of $\mu$"),
              label="D2_ode"),
        Chain(mu(0),
              (f.subs(t, 0) ** 2 / a0**2, r"the definition of $\mu$"),
              (sp.S.One, r"$\chi(0) = a_0$"),
              (D(0) ** 2, r"$D(0)^2 = 1 + 2\eta_w I(0)$", {"uses": ("I_initial",), "unfold": (D(t),)}),
              label="initial_values"),
        Chain(u,
              (1 / z, r"the definition of $u$"),
              (a0**2 * mu(t) / D(t) ** 2,
               r"the linear equation integrated: $\mu z$ and $D^2/a_0^2$ have the same derivative $2\eta_w\mu$ along "
               r"the linearisation and the same value $\mu(0)/a_0^2 = D(0)^2/a_0^2$ at $t = 0$ (the three previous "
               r"equations), so $z = D^2/(a_0^2\mu)$"),
              (u_sol, r"the definition of $\mu$"),
              label="solution", given=(sp.Eq(z, D(t) ** 2 / (a0**2 * mu(t))),)),
        Chain(sp.Derivative(u_sol, t),
              (2 * delta * u_sol + 2 * sp.exp(2 * delta * t) * f * df / D(t) ** 2
               - 2 * sp.exp(2 * delta * t) * f**2 * sp.Derivative(D(t), t) / D(t) ** 3, "product rule"),
              (2 * delta * u_sol - 2 * eta_w * u_sol**2 + 2 * sp.exp(2 * delta * t) * f * df / D(t) ** 2, r"the derivative of $D$",
               {"uses": ("D_ode",)}),
              label="solution_check"),
        Step(f.subs(t, 0) ** 2 / D(0) ** 2, a0**2, r"$\chi(0) = a_0$, $D(0) = 1$", label="solution_initial"),
    )
    return Derivation(
        name="single_neuron_bernoulli",
        title=r"Single neuron, whitened data: the Bernoulli equation for $a^2$",
        family="single neuron",
        statement=(
            r"Along the gradient flow on whitened data, $u = a^2$ obeys the Bernoulli equation "
            r"$\dot u = 2(\delta + \eta_a\nu)u - 2\eta_w u^2$, and $z = 1/u$ the linear equation "
            r"$\dot z = -2(\delta + \eta_a\nu) z + 2\eta_w$. Along the linearisation $\eta_a\nu = \dot\chi/\chi$ its "
            r"solution is $u = e^{2\delta t}\chi^2 / D^2$, $D^2 = 1 + 2\eta_w I$, with "
            r"$I(t) = \int_0^t e^{2\delta r}\chi(r)^2 dr = "
            r"(A^2 t\phi_1((\delta + \Lambda)t) - 2AB\, t\phi_1(\delta t) + B^2 t\phi_1((\delta - \Lambda)t))/\Lambda^2$. "
            r"Checked without dividing by $a$: $e^{2\delta t}\chi^2/D^2$ solves $\dot u = 2\delta u - 2\eta_w u^2 + 2\eta_a a P$ "
            r"with $\eta_a a P = e^{2\delta t}\chi\dot\chi/D^2$, and equals $a_0^2$ at $t = 0$."
        ),
        assumptions=(r"whitened data $X^\top X = I_d$", r"$\eta_a, \eta_w > 0$", r"$s = \|\beta_*\| > 0$",
                     r"$a_0 \neq 0$ for the integrating factor only"),
        definitions=definitions,
        steps=steps,
        result=("bernoulli", "solution"),
        requires=REQUIRES,
        notes=(r"$\chi$, $\Lambda$, $\ell_\pm$, $A$, $B$ are those of the Riccati derivation. "
               r"The equation for $u$ is integrated through $z$: two functions with the same derivative and the same "
               r"value at $t = 0$ are equal, which the hypothesis $z = D^2/(a_0^2\mu)$ of the boxed solution states. "
               r"The last chain is the Bernoulli equation multiplied by $a^2$ ($2\eta_a a P = 2\eta_a\nu u$), "
               r"checked without dividing by $a$; it is what the closed form uses, and it holds for $a_0 = 0$ and "
               r"through zeros of $a$."),
    )
