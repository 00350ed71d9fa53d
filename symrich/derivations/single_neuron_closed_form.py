"""Single neuron, whitened data: the closed form of $(a(t), w(t))$ for every $\\delta$ (paper, Section 3).

Coordinates that prove every dimension $d$: write $w = p\\,\\beta_* + c\\,w_{\\perp,0}$ with
$w_{\\perp,0} = w_0 - \\pi_0 \\beta_*$ orthogonal to $\\beta_*$.  The first steps (matrix symbols of
symbolic size $d \\times 1$) reduce the flow $\\dot w = -\\eta_w a (a w - \\beta_*)$,
$\\dot a = -\\eta_a w^\\top (a w - \\beta_*)$ to the three scalars $(a, p, c)$:
$\\dot p = -\\eta_w a (a p - 1)$, $\\dot c = -\\eta_w a^2 c$,
$\\dot a = -\\eta_a (a (s^2 p^2 + q_0 c^2) - s^2 p)$, whatever $d$ is.  The closed form
$a = e^{\\delta t}\\chi/D$, $p = e^{\\delta t}\\dot\\chi/(\\eta_a s^2 D)$, $c = 1/D$ is then verified
through the equations its pieces satisfy: $\\chi$ solves the linear equation of the Riccati
linearisation (its exponents $\\ell_\\pm$ are the roots: the derivation of the Riccati equation),
$\\dot D = \\eta_w e^{2\\delta t}\\chi^2/D$ (the derivation of the Bernoulli equation), and the conservation law
holds along it.  By uniqueness of solutions of the flow, it is the trajectory.  Since
$(e^{k t} - 1)/k = t\\,\\phi_1(k t)$ is entire in $k$, nothing is singular at $\\delta = 0$: no special
case.  The overflow-free forms the kernels compile are proved equal to these in
the derivation of the stable forms of the single neuron.
"""

import sympy as sp

from symrich.derivations.single_neuron_bernoulli import D, I, solution_definitions
from symrich.derivations.single_neuron_riccati import chi, characteristic, linearised_residual
from symrich.engine import Chain, Definition, Derivation, Step
from symrich.symbolic import single_neuron_solution as sol
from symrich.symbolic.single_neuron_solution import a0, phi1, pi0
from symrich.symbolic.symbols import d, delta, eta_a, eta_w, s, t

ORDER = 60
REQUIRES = ("single_neuron_riccati", "single_neuron_bernoulli")

#: the closed form's functions of time and the squared norm of the orthogonal part of $w_0$.
a_, p_, c_ = (sp.Function(name, real=True) for name in ("a", "p", "c"))
q0 = sp.Symbol("q_0", nonnegative=True)


def closed_form_definitions():
    r"""The pieces ($\Lambda$, $\ell_\pm$, $A$, $B$, $\chi$, $I$, $D$) and $a(t)$, $p(t)$, $c(t)$, $q_0$."""
    f = chi(t)
    return solution_definitions() + (
        Definition(a_(t), sp.exp(delta * t) * f / D(t), r"the readout"),
        Definition(p_(t), sp.exp(delta * t) * sp.Derivative(f, t) / (eta_a * s**2 * D(t)),
                   r"the coefficient of $\beta_*$ in $w(t)$"),
        Definition(c_(t), 1 / D(t), r"the coefficient of $w_{\perp,0}$ in $w(t)$"),
        Definition(q0, (eta_w * a0**2 - delta) / eta_a - s**2 * pi0**2,
                   r"$\|w_{\perp,0}\|^2$, as $\eta_a \|w_0\|^2 = \eta_w a_0^2 - \delta$"),
    )


def phi1_exponentials(expr):
    r"""Write $\phi_1(x) = (e^x - 1)/x$, collect the exponentials and cancel each coefficient.

    An identity between expressions in $\phi_1$ proved this way holds where every argument of
    $\phi_1$ is nonzero, hence everywhere by continuity ($\phi_1$ is entire).
    """
    if isinstance(expr, sp.MatrixBase):
        return expr.applyfunc(phi1_exponentials)
    e = expr.replace(lambda x: isinstance(x, phi1), lambda x: (sp.exp(x.args[0]) - 1) / x.args[0])
    e = sp.powsimp(sp.expand(e), combine="exp")
    terms = sp.collect(e, sorted(e.atoms(sp.exp), key=str), evaluate=False)
    return sp.Add(*(k * sp.cancel(sp.together(v)) for k, v in terms.items()))


def _reduction():
    """Definitions and steps of the reduction of the $d$-dimensional flow to $(a, p, c)$ (every $d$)."""
    Bs = sp.MatrixSymbol("beta_star", d, 1)
    W0 = sp.MatrixSymbol("w_0", d, 1)
    Wp = sp.MatrixSymbol("w_perp0", d, 1)
    w = sp.MatrixSymbol("w", d, 1)
    w_dot = sp.MatrixSymbol("w_dot", d, 1)
    a, p, c, p_dot, c_dot = sp.symbols("a p c p_dot c_dot", real=True)
    definitions = (
        Definition(Wp, W0 - pi0 * Bs, r"with $s^2 \pi_0 = \beta_*^\top w_0$, $s^2 = \beta_*^\top \beta_*$"),
        Definition(w, p * Bs + c * Wp, r"the ansatz"),
        Definition(w_dot, p_dot * Bs + c_dot * Wp, r"its velocity ($\beta_*$, $w_{\perp,0}$ constant)"),
    )
    steps = (
        Step(w_dot + eta_w * a * (a * w - Bs), (p_dot + eta_w * a * (a * p - 1)) * Bs + (c_dot + eta_w * a**2 * c) * Wp,
             r"the flow $\dot w = -\eta_w a (a w - \beta_*)$ holds if and only if $\dot p = -\eta_w a (a p - 1)$ and "
             r"$\dot c = -\eta_w a^2 c$ ($\beta_*$ and $w_{\perp,0}$ are independent, or $w_{\perp,0} = 0$ and the second "
             r"equation is void)", label="reduce_w"),
        Step(Bs.T * Wp, Bs.T * W0 - pi0 * Bs.T * Bs,
             r"which vanishes by the definition of $\pi_0$: $w_{\perp,0} \perp \beta_*$", label="orthogonal"),
        Step(w.T * (a * w - Bs),
             a * (p**2 * Bs.T * Bs + 2 * p * c * Bs.T * Wp + c**2 * Wp.T * Wp) - p * Bs.T * Bs - c * Bs.T * Wp,
             r"with $\beta_*^\top w_{\perp,0} = 0$, $\beta_*^\top\beta_* = s^2$, $w_{\perp,0}^\top w_{\perp,0} = q_0$ the flow "
             r"$\dot a = -\eta_a w^\top (a w - \beta_*)$ is $\dot a = -\eta_a (a (s^2 p^2 + q_0 c^2) - s^2 p)$",
             rewrite="scalar_transposes", label="reduce_a"),
    )
    return definitions, steps


def _orthogonal_in_coordinates(dim=3):
    """Lemma: $\\beta_*^\\top (w_0 - \\pi_0 \\beta_*) = 0$ with explicit vectors."""
    b = sp.Matrix(sp.symbols(f"b1:{dim + 1}", real=True))
    w0 = sp.Matrix(sp.symbols(f"v1:{dim + 1}", real=True))
    pi = (w0.T * b)[0, 0] / (b.T * b)[0, 0]
    return Step((b.T * (w0 - pi * b))[0, 0], 0,
                rf"in coordinates, $d = {dim}$: $\beta_*^\top (w_0 - \pi_0 \beta_*) = 0$ for "
                r"$\pi_0 = w_0^\top\beta_*/\|\beta_*\|^2$", lemma=True)


def derivation():
    reduction_definitions, reduction_steps = _reduction()
    definitions = closed_form_definitions() + reduction_definitions
    f, df, ddf = chi(t), sp.Derivative(chi(t), t), sp.Derivative(chi(t), (t, 2))
    a, p, c = a_(t), p_(t), c_(t)
    dD = sp.Derivative(D(t), t)
    e = sp.exp(delta * t)
    norm_w = s**2 * p**2 + q0 * c**2
    combination = sp.exp(2 * delta * t) * (eta_w * f**2 - df**2 / (eta_a * s**2))
    plain = sol.plain_solution(t, s**2)
    steps = reduction_steps + (
        _orthogonal_in_coordinates(),
        Chain(linearised_residual(f),
              (characteristic(f) / (eta_a * f), r"the linearisation",
               {"uses": ("single_neuron_riccati:linearisation",), "unfold": ()}),
              (0, r"the equation of $\chi$", {"uses": ("single_neuron_riccati:chi_ode",), "unfold": ()}),
              label="riccati"),
        Step(s**2 * p / a, df / (eta_a * f),
             r"so $\nu = w^\top\beta_*/a = s^2 p/a$ along the closed form is the solution "
             r"$\dot\chi/(\eta_a\chi)$ of the Riccati equation", label="nu", unfold=(a, p)),
        Chain(sp.Derivative(c, t),
              (-dD / D(t) ** 2, "chain rule", {"unfold": (c,)}),
              (-eta_w * sp.exp(2 * delta * t) * f**2 / D(t) ** 3, r"the derivative of $D$",
               {"uses": ("single_neuron_bernoulli:D_ode",)}),
              (-eta_w * a**2 * c, r"the definitions of $a$ and $c$", {"unfold": (a, c)}),
              label="c_flow"),
        Chain(sp.Derivative(p, t),
              (e * (delta * df + ddf) / (eta_a * s**2 * D(t)) - e * df * dD / (eta_a * s**2 * D(t) ** 2), "product rule",
               {"unfold": (p,)}),
              (eta_w * e * f / D(t) - eta_w * e**3 * f**2 * df / (eta_a * s**2 * D(t) ** 3),
               r"the equations of $\chi$ and $D$", {"uses": ("single_neuron_riccati:chi_ode", "single_neuron_bernoulli:D_ode"), "unfold": ()}),
              (-eta_w * a * (a * p - 1), r"the definitions of $a$ and $p$", {"unfold": (a, p)}),
              label="p_flow"),
        Step(combination, eta_w * a0**2 - eta_a * s**2 * pi0**2 + 2 * delta * eta_w * I(t),
             r"$\phi_1$ written out, the coefficient of each exponential cancels "
             r"(for $\delta \neq 0$, and at $\delta = 0$ by continuity)", rewrite=phi1_exponentials, label="invariant"),
        Chain(eta_w * a**2 - eta_a * norm_w,
              ((combination - eta_a * q0) / D(t) ** 2, r"the definitions of $a$, $p$, $c$", {"unfold": (a, p, c)}),
              ((eta_w * a0**2 - eta_a * s**2 * pi0**2 + 2 * delta * eta_w * I(t) - eta_a * q0) / D(t) ** 2,
               r"the constant combination", {"uses": ("invariant",), "unfold": ()}),
              (delta, r"the definition of $q_0$ and $D^2 = 1 + 2\eta_w I$", {"unfold": (q0, D(t))}),
              label="conserved"),
        Chain(sp.Derivative(a, t),
              (delta * a + e * df / D(t) - e * f * dD / D(t) ** 2, "product rule", {"unfold": (a,)}),
              (delta * a + e * df / D(t) - eta_w * e**3 * f**3 / D(t) ** 3, r"the derivative of $D$",
               {"uses": ("single_neuron_bernoulli:D_ode",), "unfold": ()}),
              (delta * a - eta_w * a**3 + eta_a * s**2 * p,
               r"the definitions: the Riccati form $\dot a = \delta a - \eta_w a^3 + \eta_a w^\top\beta_*$",
               {"unfold": (a, p)}),
              (-eta_a * (a * norm_w - s**2 * p) - a * (eta_w * a**2 - eta_a * norm_w - delta), "rearrange", {"unfold": ()}),
              (-eta_a * (a * norm_w - s**2 * p), r"the conservation law", {"uses": ("conserved",), "unfold": ()}),
              label="a_flow"),
        Chain(sp.Matrix([a_(0), p_(0), c_(0)]),
              (sp.Matrix([f.subs(t, 0), df.subs(t, 0) / (eta_a * s**2), 1]), r"$I(0) = 0$, so $D(0) = 1$",
               {"unfold": (a, p, c, D(t), I(t))}),
              (sp.Matrix([a0, pi0, 1]), r"so $w(0) = \pi_0 \beta_* + w_{\perp,0} = w_0$",
               {"uses": ("single_neuron_riccati:chi_initial", "single_neuron_riccati:chi_rate_initial"), "unfold": ()}),
              label="initial"),
        Step(sp.Matrix([f, I(t), a, p, c]),
             sp.Matrix([plain.chi, plain.I, plain.a, plain.p, plain.c]),
             r"the closed form as compiled (the formulas the exported code prints) is $\chi$, $I$, $a$, $p$, $c$ as "
             r"defined here",
             lemma=True, label="symbolic_layer", rewrite="together"),
    )
    return Derivation(
        name="single_neuron_closed_form",
        title=r"Single neuron, whitened data: the closed form",
        family="single neuron",
        statement=(
            r"Let $X^\top X = I$, $\beta_* = X^\top y$, $s = \|\beta_*\| > 0$, $\pi_0 = w_0^\top\beta_*/s^2$, "
            r"$w_{\perp,0} = w_0 - \pi_0\beta_*$. With $\chi(t) = (A e^{\ell_+ t} - B e^{\ell_- t})/\Lambda$, "
            r"$I(t) = \int_0^t e^{2\delta r}\chi(r)^2 dr$ and $D = \sqrt{1 + 2\eta_w I}$, the gradient flow is "
            r"$a(t) = e^{\delta t}\chi(t)/D(t)$, "
            r"$w(t) = \bigl(e^{\delta t}\dot\chi(t)/(\eta_a s^2)\,\beta_* + w_{\perp,0}\bigr)/D(t)$, "
            r"for every $\delta$ ($0$ included), all learning rates, every initialisation ($a_0 = 0$ and sign "
            r"changes of $a$ included) and every $d$."
        ),
        assumptions=(r"whitened data $X^\top X = I_d$, any $d$", r"$\eta_a, \eta_w > 0$", r"$s = \|\beta_*\| > 0$",
                     r"$t \geq 0$"),
        definitions=definitions,
        steps=steps,
        result=("a_flow", "p_flow", "c_flow", "initial"),
        requires=REQUIRES,
        notes=(r"$\Lambda$, $\ell_\pm$, $A$, $B$, $\chi$ are those of the derivation of the Riccati "
               r"equation; $I$, $D$ those of the derivation of the Bernoulli equation. The boxed equations are the flow of $(a, p, c)$, which is the "
               r"$d$-dimensional flow by \eqref{eq:single_neuron_closed_form:reduce_w} and "
               r"\eqref{eq:single_neuron_closed_form:reduce_a}; with the initial values, uniqueness of solutions "
               r"makes the closed form the trajectory."),
    )
