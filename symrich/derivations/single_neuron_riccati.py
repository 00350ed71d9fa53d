"""Single neuron, whitened data: the Riccati equation of $\\nu = w^\\top \\beta_* / a$ and its linearisation (paper, Section 3).

With $X^\\top X = I$ the gradient is $g = a w - \\beta_*$.  The projection
$P = \\beta_*^\\top w$ and the readout $a$ form a closed system: $\\dot P = -\\eta_w a (a P - s^2)$
(coordinate-free, every $d$) and, by the conservation law
$\\eta_a \\|w\\|^2 = \\eta_w a^2 - \\delta$, $\\dot a = \\delta a - \\eta_w a^3 + \\eta_a P$.  Their
ratio obeys a Riccati equation with constant coefficients, whose fixed points
$\\ell_\\pm / \\eta_a$ are the roots of $\\ell^2 + \\delta \\ell - \\eta_a \\eta_w s^2$; the
substitution $\\nu = \\dot\\chi / (\\eta_a \\chi)$ makes it linear, and
$\\chi = (A e^{\\ell_+ t} - B e^{\\ell_- t})/\\Lambda$ is shown to solve the linear equation
with the initial values of the flow by differentiating it (so it is the solution, by uniqueness).  Since $a = e^{\\delta t} \\chi / D$ with
$D \\geq 1$ (the derivation of the closed form), $\\nu$ has a pole exactly
where $a$ crosses zero.
"""

import sympy as sp

from symrich.engine import Chain, Definition, Derivation, Step
from symrich.engine.calculus import ddt
from symrich.symbolic.single_neuron_solution import a0, pi0
from symrich.symbolic.symbols import a, d, delta, eta_a, eta_w, s, t, u

ORDER = 40
REQUIRES = ()

#: named quantities shared with the derivations that build on this one.
Lam = sp.Symbol("Lambda", positive=True)
l_p, l_m = sp.Symbol("l_+", real=True), sp.Symbol("l_-", real=True)
A, B = sp.symbols("A B", real=True)
P, nu = sp.symbols("P nu", real=True)
a_dot, P_dot = sp.symbols("a_dot P_dot", real=True)
chi = sp.Function("chi", real=True)


def root_definitions():
    r"""$\Lambda$, $\ell_\pm$ and the coefficients $A$, $B$ of $\chi$ (used by every whitened single-neuron derivation)."""
    return (
        Definition(Lam, sp.sqrt(delta**2 + 4 * eta_a * eta_w * s**2)),
        Definition(l_p, sp.Mul(sp.Rational(1, 2), -delta + Lam, evaluate=False)),
        Definition(l_m, sp.Mul(sp.Rational(1, 2), -delta - Lam, evaluate=False)),
        Definition(A, eta_a * s**2 * pi0 - l_m * a0, r"with $s^2 \pi_0 = w_0^\top \beta_*$"),
        Definition(B, eta_a * s**2 * pi0 - l_p * a0),
    )


def chi_value(time=t):
    r"""$(A e^{\ell_+ t} - B e^{\ell_- t}) / \Lambda$ in the named quantities."""
    return (A * sp.exp(l_p * time) - B * sp.exp(l_m * time)) / Lam


def riccati_rhs(x):
    r"""$\eta_w s^2 - \delta x - \eta_a x^2$, the right side of the Riccati equation at $\nu = x$."""
    return eta_w * s**2 - delta * x - eta_a * x**2


def linearised_residual(f):
    r"""$\frac{d}{dt}\nu - (\eta_w s^2 - \delta\nu - \eta_a\nu^2)$ at $\nu = \dot f / (\eta_a f)$ (unevaluated derivative)."""
    x = sp.Derivative(f, t) / (eta_a * f)
    return sp.Derivative(x, t) - riccati_rhs(x)


def characteristic(f):
    r"""$\ddot f + \delta \dot f - \eta_a \eta_w s^2 f$."""
    return sp.Derivative(f, (t, 2)) + delta * sp.Derivative(f, t) - eta_a * eta_w * s**2 * f


def _coordinate_free_steps():
    Bs = sp.MatrixSymbol("beta_star", d, 1)
    w = sp.MatrixSymbol("w", d, 1)
    w_dot = sp.MatrixSymbol("w_dot", d, 1)
    one = sp.Identity(1)
    definition = Definition(w_dot, -eta_w * a * (a * w - Bs), r"whitened flow, $g = a w - \beta_*$")
    steps = (
        Chain(ddt(Bs.T * w, {w: w_dot}),
              (Bs.T * w_dot, r"$\beta_*$ is constant"),
              (-eta_w * a * (a * Bs.T * w - Bs.T * Bs), r"the flow of $w$"),
              label="P_flow_vector"),
        Chain(-eta_a * w.T * (a * w - Bs),
              (-eta_a * (a * w.T * w - Bs.T * w), r"$w^\top \beta_* = \beta_*^\top w$", {"rewrite": "scalar_transposes"}),
              ((eta_w * a**2 * one - eta_a * w.T * w) * a - eta_w * a**3 * one + eta_a * Bs.T * w, "add and subtract $\\eta_w a^3$",
               {"rewrite": "scalar_transposes"}),
              label="a_flow_vector"),
    )
    return definition, steps


def derivation():
    w_dot_definition, vector_steps = _coordinate_free_steps()
    definitions = (w_dot_definition,) + root_definitions() + (
        Definition(u, (eta_w * a**2 - delta) / eta_a,
                   r"$\|w\|^2$, by the conservation law of the single neuron"),
        Definition(a_dot, -eta_a * (a * u - P), r"the flow of $a$, $\dot a = -\eta_a w^\top g$, with $P = \beta_*^\top w$"),
        Definition(P_dot, -eta_w * a * (a * P - s**2), r"the flow of $P$, by \eqref{eq:single_neuron_riccati:P_flow_vector}"),
        Definition(nu, P / a, r"the Riccati variable $w^\top \beta_* / a$ (where $a \neq 0$)"),
        Definition(chi(t), chi_value(), r"the solution of the linear equation"),
    )
    x = sp.Symbol("x", real=True)
    f = chi(t)
    eta = eta_a * eta_w
    steps = vector_steps + (
        Chain(a_dot, (-eta_a * (a * u - P), r"definition: \eqref{eq:single_neuron_riccati:a_flow_vector} in scalars"),
              (delta * a - eta_w * a**3 + eta_a * P, r"the conservation law $\eta_a u = \eta_w a^2 - \delta$"),
              label="a_flow"),
        Chain(ddt(nu, {a: a_dot, P: P_dot}),
              (P_dot / a - P * a_dot / a**2, "quotient rule"),
              (riccati_rhs(nu), r"the flows of $P$ and $a$", {"uses": ("a_flow",)}),
              label="riccati"),
        Step(l_p**2, eta_a * eta_w * s**2 - delta * l_p,
             r"$\ell_+$ is a root of $\ell^2 + \delta \ell - \eta_a \eta_w s^2$", label="root_plus"),
        Step(l_m**2, eta_a * eta_w * s**2 - delta * l_m,
             r"$\ell_-$ is a root of $\ell^2 + \delta \ell - \eta_a \eta_w s^2$", label="root_minus"),
        Chain(riccati_rhs(l_p / eta_a),
              ((eta_a * eta_w * s**2 - delta * l_p - l_p**2) / eta_a, r"put $\nu = \ell_+/\eta_a$ over $\eta_a$"),
              (0, r"$\ell_+$ is a root", {"uses": ("root_plus",)}), label="fixed_plus"),
        Chain(riccati_rhs(l_m / eta_a),
              ((eta_a * eta_w * s**2 - delta * l_m - l_m**2) / eta_a, r"put $\nu = \ell_-/\eta_a$ over $\eta_a$"),
              (0, r"$\ell_-$ is a root", {"uses": ("root_minus",)}), label="fixed_minus"),
        Step(sp.diff(riccati_rhs(x), x).subs(x, l_p / eta_a), -Lam,
             r"the slope $\partial_\nu(\eta_w s^2 - \delta\nu - \eta_a\nu^2) = -\delta - 2\eta_a\nu$ at $\ell_+/\eta_a$ "
             r"is $-\Lambda < 0$: the fixed point $\ell_+/\eta_a$ is stable ($\beta \to \beta_*$)", label="slope_plus"),
        Step(sp.diff(riccati_rhs(x), x).subs(x, l_m / eta_a), Lam,
             r"the slope at $\ell_-/\eta_a$ is $\Lambda > 0$: the fixed point $\ell_-/\eta_a$ is unstable", label="slope_minus"),
        Step(linearised_residual(f), characteristic(f) / (eta_a * f),
             r"$\nu = \dot\chi/(\eta_a \chi)$ linearises the Riccati equation: it holds if and only if "
             r"$\ddot\chi + \delta\dot\chi - \eta_a\eta_w s^2 \chi = 0$ (for any twice differentiable "
             r"$\chi \neq 0$)", unfold=(), label="linearisation"),
        Chain(sp.Derivative(f, (t, 2)),
              ((A * l_p**2 * sp.exp(l_p * t) - B * l_m**2 * sp.exp(l_m * t)) / Lam, "differentiate twice",
               {"unfold": (f,)}),
              ((A * (eta * s**2 - delta * l_p) * sp.exp(l_p * t) - B * (eta * s**2 - delta * l_m) * sp.exp(l_m * t)) / Lam,
               r"$\ell_\pm$ are the roots of $\ell^2 + \delta\ell - \eta_a\eta_w s^2$", {"uses": ("root_plus", "root_minus")}),
              (eta * s**2 * f - delta * sp.Derivative(f, t), r"the definition of $\chi$", {"unfold": (f,)}),
              label="chi_ode"),
        Step(f.subs(t, 0), a0, r"$A - B = (\ell_+ - \ell_-) a_0 = \Lambda a_0$", label="chi_initial"),
        Step(sp.Derivative(f, t).subs(t, 0), eta_a * s**2 * pi0,
             r"$A\ell_+ - B\ell_- = \eta_a s^2 \pi_0 \Lambda$, i.e.\ $\dot\chi(0) = \eta_a w_0^\top\beta_*$",
             label="chi_rate_initial"),
        Step(sp.Derivative(f, t).subs(t, 0) / (eta_a * f.subs(t, 0)), s**2 * pi0 / a0,
             r"so the solution of the Riccati equation through $\nu = \dot\chi/(\eta_a\chi)$ starts at "
             r"$\nu(0) = w_0^\top\beta_*/a_0$", uses=("chi_initial", "chi_rate_initial"), unfold=(), label="initial"),
    )
    return Derivation(
        name="single_neuron_riccati",
        title=r"Single neuron, whitened data: the Riccati equation and its linearisation",
        family="single neuron",
        statement=(
            r"Let $X^\top X = I$, $\beta_* = X^\top y$, $s = \|\beta_*\|$. Along the gradient flow, "
            r"$\nu = w^\top\beta_*/a$ obeys the Riccati equation $\dot\nu = \eta_w s^2 - \delta\nu - \eta_a\nu^2$, "
            r"whose fixed points are $\ell_\pm/\eta_a$, $\ell_\pm = (-\delta \pm \Lambda)/2$, "
            r"$\Lambda = \sqrt{\delta^2 + 4\eta_a\eta_w s^2}$ ($\ell_+/\eta_a$ stable, $\ell_-/\eta_a$ unstable). "
            r"The substitution $\nu = \dot\chi/(\eta_a\chi)$ makes it the linear equation "
            r"$\ddot\chi + \delta\dot\chi - \eta_a\eta_w s^2\chi = 0$, whose solution with $\chi(0) = a_0$, "
            r"$\dot\chi(0) = \eta_a w_0^\top\beta_*$ is $\chi = (A e^{\ell_+ t} - B e^{\ell_- t})/\Lambda$."
        ),
        assumptions=(r"whitened data $X^\top X = I_d$, any $d$", r"$\eta_a, \eta_w > 0$",
                     r"$s = \|\beta_*\| > 0$", r"$a \neq 0$ where $\nu$ is used"),
        definitions=definitions,
        steps=steps,
        result=("riccati", "linearisation", "chi_ode", "chi_initial", "chi_rate_initial"),
        requires=REQUIRES,
        notes=(r"The first two chains use matrix symbols of symbolic size $d \times 1$, so they hold for every $d$; "
               r"the rest is scalar, in $a$ and $P = \beta_*^\top w$. "
               r"SymPy's solver for Riccati equations with rational coefficients does not apply here (it needs rational "
               r"coefficients in $t$ with numeric parameters), hence the linearisation."),
    )
