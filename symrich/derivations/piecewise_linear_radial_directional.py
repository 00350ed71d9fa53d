"""Two-layer piecewise-linear network: radial and directional dynamics of each $\\beta_k$; upstream versus downstream (paper, Section 5).

For any vector $g$ (here $g_k = X^\\top D_k r$), $\\dot\\beta = -M g$ with the single neuron's
$M = \\tfrac{\\Lambda + \\delta}{2} I + \\tfrac{\\Lambda - \\delta}{2}\\hat\\beta\\hat\\beta^\\top$ splits into a radial
part and a directional part: $\\hat\\beta^\\top M = \\Lambda\\hat\\beta^\\top$ and $P_\\perp M =
\\tfrac{\\Lambda + \\delta}{2} P_\\perp$ (proved coordinate-free from $\\hat\\beta^\\top\\hat\\beta = 1$), so
$\\frac{d}{dt}\\|\\beta\\| = \\hat\\beta^\\top\\dot\\beta = -\\Lambda\\hat\\beta^\\top g$ and
$\\frac{d}{dt}\\hat\\beta = P_\\perp\\dot\\beta/\\|\\beta\\| = -\\tfrac{\\Lambda + \\delta}{2\\|\\beta\\|} P_\\perp g$; the lemmas
prove these two laws with explicit vectors $\\beta(t)$ in $d = 2, 3$, differentiating $\\|\\beta\\|$ and
$\\beta/\\|\\beta\\|$ with SymPy.  The directional fraction $(\\Lambda + \\delta)/(2\\Lambda)$ tends to 1 as
$\\delta \\to +\\infty$ (upstream) and to 0 as $\\delta \\to -\\infty$ (downstream).

Consequence for the activation pattern.  The pattern $c_{ki} = \\sigma'(w_k^\\top x_i) =
\\sigma'(\\hat w_k^\\top x_i)$ changes only through the direction $\\hat w_k = \\operatorname{sign}(a_k)\\hat\\beta_k$.
In coordinates ($d = 2, 3$, the parameter flow with $g$ arbitrary) the angular speed
$\\|\\dot{\\hat w}_k\\|$, the parameter speed $\\|(\\dot a_k, \\dot w_k)\\|$ and the function speed $\\|\\dot\\beta_k\\|$
are functions of $\\delta_k$, $\\rho_k = \\|\\beta_k\\|$, $g_\\parallel = \\hat\\beta^\\top g$ and
$g_\\perp = \\|P_\\perp g\\|$ only (lemmas).  At fixed $\\rho_k$ and $g$: upstream a small parameter
displacement rotates $w_k$ (which is short, $\\|w_k\\|^2 = (\\Lambda - \\delta)/(2\\eta_a) \\to 0$) and so flips
activations; downstream the direction, hence the pattern, is frozen while the parameters move.
Per unit of function change the parameters move $O(|\\delta|^{-1/2})$ in both limits, while the
direction of $w_k$ moves $O(1)$ upstream and $O(|\\delta|^{-2})$ downstream.
"""

import sympy as sp

from symrich.engine import Definition, Derivation, Step
from symrich.engine.prepare import fold
from symrich.engine.rewrites import distribute_matrix_products
from symrich.symbolic.piecewise_linear import (
    angular_speed_sq, angular_to_parameter_speed_sq, directional_factor, directional_fraction, function_speed_sq,
    parameter_speed_sq, radial_factor,
)
from symrich.symbolic.single_neuron import M_beta, conserved_delta
from symrich.symbolic.symbols import Lam, d, delta, eta, eta_a, eta_w, rho, t, vector

ORDER = 320
REQUIRES = ()

#: the direction of beta_k (a unit vector of symbolic size)
beta_hat = sp.MatrixSymbol("beta_hat", d, 1)


def unit_direction(expr):
    """Distribute matrix products, with ``beta_hat^T beta_hat = 1`` (a unit vector)."""
    for _ in range(2):
        expr = distribute_matrix_products(expr).subs(beta_hat.T * beta_hat, sp.Identity(1))
    return distribute_matrix_products(expr)


def derivation():
    I_d = sp.Identity(d)
    M, P = sp.MatrixSymbol("M", d, d), sp.MatrixSymbol("P_perp", d, d)
    definitions = [Definition(eta, eta_a * eta_w)]
    definitions += [
        Definition(Lam, fold(radial_factor(delta, rho), definitions), r"with $\rho = \|\beta\|$: the radial factor"),
        Definition(M, (Lam + delta) / 2 * I_d + (Lam - delta) / 2 * beta_hat * beta_hat.T, "the single neuron's $M$"),
        Definition(P, I_d - beta_hat * beta_hat.T, r"projection orthogonal to $\beta$"),
    ]

    def named(expr):
        return fold(expr, definitions)

    unit = (sp.Eq(beta_hat.T * beta_hat, sp.Identity(1)),)
    gp, gq = sp.Symbol("g_par", positive=True), sp.Symbol("g_perp", nonnegative=True)
    frac = named(directional_fraction(delta, rho))
    ang_par = named(angular_to_parameter_speed_sq(delta, rho, gp, gq))
    par_fun = named(parameter_speed_sq(delta, rho, gp, gq) / function_speed_sq(delta, rho, gp, gq))
    ang_fun = named(angular_speed_sq(delta, rho, gp, gq) / function_speed_sq(delta, rho, gp, gq))
    steps = (
        Step(beta_hat.T * M, Lam * beta_hat.T, r"the radial factor: $M\hat\beta = \Lambda\hat\beta$", given=unit,
             rewrite=unit_direction, label="radial"),
        Step(P * M, named(directional_factor(delta, rho)) * P,
             r"the directional factor $(\Lambda + \delta)/2$, as compiled", given=unit,
             rewrite=unit_direction, label="directional"),
        *(law for dim in (2, 3) for law in _law_lemmas(dim)),
        Step(sp.Limit(frac, delta, sp.oo), 1, r"upstream: the directional fraction $(\Lambda + \delta)/(2\Lambda) \to 1$",
             label="upstream"),
        Step(sp.Limit((1 - frac) * delta**2, delta, sp.oo), eta * rho**2,
             r"upstream: $1 - (\Lambda + \delta)/(2\Lambda) = \eta\rho^2/\delta^2 + o(\delta^{-2})$", label="upstream_rate"),
        Step(sp.Limit(frac, delta, -sp.oo), 0, "downstream: the directional fraction tends to 0 (direction frozen)",
             label="downstream"),
        Step(sp.Limit(frac * delta**2, delta, -sp.oo), eta * rho**2,
             r"downstream: the fraction is $\eta\rho^2/\delta^2 + o(\delta^{-2})$", label="downstream_rate"),
        *(lemma for dim in (2, 3) for lemma in _speed_lemmas(dim)),
        Step(sp.Limit(ang_par * rho**2 / delta, delta, sp.oo), gq**2 / (eta_w * (gp**2 + gq**2)),
             r"upstream: (angular / parameter speed)$^2 = \delta g_\perp^2 / (\eta_w\rho^2\|g\|^2)\,(1 + o(1)) \to \infty$",
             label="angular_parameter_up"),
        Step(sp.Limit(ang_par * (-delta) ** 3, delta, -sp.oo), eta_a * eta_w**2 * rho**2 * gq**2 / gp**2,
             r"downstream: (angular / parameter speed)$^2 = \eta_a\eta_w^2\rho^2 g_\perp^2 / (g_\parallel^2 |\delta|^3)\,"
             r"(1 + o(1)) \to 0$", label="angular_parameter_down"),
        Step(sp.Limit(par_fun * delta, delta, sp.oo), eta_w,
             r"upstream: (parameter / function speed)$^2 = \eta_w/\delta\,(1 + o(1))$", label="parameter_function_up"),
        Step(sp.Limit(par_fun * (-delta), delta, -sp.oo), eta_a,
             r"downstream: (parameter / function speed)$^2 = \eta_a/|\delta|\,(1 + o(1))$", label="parameter_function_down"),
        Step(sp.Limit(ang_fun, delta, sp.oo), gq**2 / (rho**2 * (gp**2 + gq**2)),
             r"upstream: (angular / function speed)$^2 \to g_\perp^2/(\rho^2\|g\|^2)$, of order 1",
             label="angular_function_up"),
        Step(sp.Limit(ang_fun * delta**4, delta, -sp.oo), eta**2 * rho**2 * gq**2 / gp**2,
             r"downstream: (angular / function speed)$^2 = \eta^2\rho^2 g_\perp^2/(g_\parallel^2\delta^4)\,(1 + o(1)) \to 0$",
             label="angular_function_down"),
    )
    return Derivation(
        name="piecewise_linear_radial_directional",
        title="Two-layer piecewise-linear network: radial and directional dynamics",
        family="piecewise linear",
        statement=(
            r"Each $\beta_k$ obeys $\frac{d}{dt}\|\beta_k\| = -\Lambda_k\hat\beta_k^\top g_k$ and "
            r"$\frac{d}{dt}\hat\beta_k = -\frac{\Lambda_k + \delta_k}{2\|\beta_k\|} P_\perp g_k$, since "
            r"$\hat\beta^\top M = \Lambda\hat\beta^\top$ and $P_\perp M = \frac{\Lambda + \delta}{2} P_\perp$. The directional "
            r"fraction $(\Lambda_k + \delta_k)/(2\Lambda_k)$ tends to 1 for $\delta_k \to +\infty$ (upstream) and to 0 for "
            r"$\delta_k \to -\infty$ (downstream). At fixed $\|\beta_k\|$ and $g_k$, the angular speed of $w_k$ (which "
            r"alone moves the activation pattern) per unit parameter speed grows like $\sqrt{\delta_k}$ upstream and "
            r"decays like $|\delta_k|^{-3/2}$ downstream: upstream initialisations change activation patterns while the "
            r"parameters move little."
        ),
        assumptions=(r"$\beta_k \ne 0$", r"learning rates $\eta_a, \eta_w > 0$", r"$a_k \ne 0$ for the speeds",
                     r"limits at fixed $\|\beta_k\| = \rho$ and fixed $g_k$ with $\hat\beta_k^\top g_k \ne 0$"),
        definitions=tuple(definitions),
        steps=steps,
        result=("radial", "directional", "upstream", "downstream"),
        requires=REQUIRES,
        notes=__doc__.split("\n\n", 1)[1].strip(),
    )


def _law_lemmas(dim):
    """Lemmas: with an explicit ``beta`` in dimension ``dim``, the radial and directional laws (chain rule)."""
    b, g = vector("b", dim), vector("g", dim)
    b_dot = -M_beta(b, delta) * g
    norm = sp.sqrt((b.T * b)[0, 0])
    bg = (b.T * g)[0, 0]
    return (
        Step((sp.Matrix([norm]).jacobian(b) * b_dot)[0, 0], -radial_factor(delta, norm) * bg / norm,
             rf"$d = {dim}$, explicit $\beta$ moving with $\dot\beta = -M g$ (chain rule): $\frac{{d}}{{dt}}\|\beta\| = "
             r"-\Lambda\hat\beta^\top g$", lemma=True, methods=("cancel",)),
        Step((b / norm).jacobian(b) * b_dot, -directional_factor(delta, norm) / norm * (g - b * bg / norm**2),
             rf"$d = {dim}$, explicit $\beta$ moving with $\dot\beta = -M g$ (chain rule): $\frac{{d}}{{dt}}\hat\beta = "
             r"-\frac{\Lambda + \delta}{2\|\beta\|} P_\perp g$", lemma=True, methods=("cancel",)),
    )


def _speed_lemmas(dim):
    """Lemmas: the three speeds are functions of (delta, rho, g_par, g_perp), for either sign of a."""
    a_t = sp.Function("a", real=True)(t)
    w = sp.Matrix([sp.Function(f"w_{i + 1}", real=True)(t) for i in range(dim)])
    g = vector("g", dim)
    wg = (w.T * g)[0, 0]
    adot, wdot = -eta_a * wg, -eta_w * a_t * g
    flow = {sp.Derivative(a_t, t): adot, **{sp.Derivative(w[i], t): wdot[i] for i in range(dim)}}
    nw2 = (w.T * w)[0, 0]
    nw = sp.sqrt(nw2)
    dlt = conserved_delta(a_t, nw2)
    rho_ = sp.Abs(a_t) * nw
    gpar = sp.sign(a_t) * wg / nw  # beta_hat^T g, beta_hat = sign(a) w_hat
    gperp = sp.sqrt((g.T * g)[0, 0] - gpar**2)
    what_dot = (w / nw).diff(t).subs(flow)
    beta_dot = (a_t * w).diff(t).subs(flow)
    cases = (
        ((what_dot.T * what_dot)[0, 0], angular_speed_sq, r"$\|\dot{\hat w}\|^2 = \bigl(\frac{\Lambda + \delta}{2\rho}\bigr)^2 g_\perp^2$"),
        (adot**2 + (wdot.T * wdot)[0, 0], parameter_speed_sq,
         r"$\dot a^2 + \|\dot w\|^2 = \eta_a\frac{\Lambda - \delta}{2} g_\parallel^2 + \eta_w\frac{\Lambda + \delta}{2}\|g\|^2$"),
        ((beta_dot.T * beta_dot)[0, 0], function_speed_sq,
         r"$\|\dot\beta\|^2 = \Lambda^2 g_\parallel^2 + \bigl(\frac{\Lambda + \delta}{2}\bigr)^2 g_\perp^2$"),
    )
    out = []
    for sign, dom in ((r"a > 0", (0.3, 2.0)), (r"a < 0", (-2.0, -0.3))):
        for lhs, speed, text in cases:
            out.append(Step(lhs, speed(dlt, rho_, gpar, gperp),
                            rf"$d = {dim}$, ${sign}$, the parameter flow with $g$ arbitrary: {text}",
                            lemma=True, symbolic=False, domain={a_t: dom}))
    return out
