"""Two-layer piecewise-linear network: radial and directional dynamics of each ``beta_k``; upstream versus downstream.

For any vector ``g`` (here ``g_k = X^T D_k r``), ``beta' = -M(beta, delta) g``
splits into a radial part ``d/dt ||beta|| = -R beta_hat^T g`` and a directional
part ``d/dt beta_hat = -((R + delta)/(2 ||beta||)) P_perp g``: the two
eigenvalues of ``M`` (single neuron) act on the two components of ``g``.  These
are proved with explicit vectors ``beta(t)`` in ``d = 2, 3`` (general
position; the statements only use ``beta^T beta = rho^2``), differentiating
``||beta||`` and ``beta / ||beta||`` with SymPy and substituting the flow.

The directional fraction ``(R + delta)/(2R)`` tends to 1 as ``delta -> +oo``
(upstream) and to 0 as ``delta -> -oo`` (downstream), with remainders
``eta rho^2 / delta^2`` (SymPy limits).

Consequence for the activation pattern.  The pattern ``c_ki = sigma'(w_k^T x_i)
= sigma'(w_hat_k^T x_i)`` (0-homogeneity) changes only through the direction
``w_hat_k = sign(a_k) beta_hat_k``.  In components (``d = 2, 3``, the parameter
flow with ``g`` arbitrary) the angular speed ``||d/dt w_hat_k||``, the
parameter speed ``||(a_k', w_k')||`` and the function speed ``||beta_k'||`` are
proved to be functions of ``delta_k``, ``rho_k``, ``g_par = beta_hat^T g`` and
``g_perp = ||P_perp g||`` only.  Their ratios, at fixed ``rho_k`` and ``g``:

* angular / parameter speed squared ~ ``delta g_perp^2 / (eta_w rho^2 ||g||^2)``
  -> +oo as ``delta -> +oo``: upstream, a small parameter displacement rotates
  ``w_k`` (which is short, ``||w_k||^2 = (R - delta)/(2 eta_a) -> 0``) and so
  flips activations;
* angular / parameter speed squared ~ ``eta_a eta_w^2 rho^2 g_perp^2 / (g_par^2 |delta|^3)``
  -> 0 as ``delta -> -oo``: downstream, the direction (hence the pattern) is
  frozen while the parameters move;
* parameter / function speed squared ~ ``eta_w / delta`` (upstream) and
  ``eta_a / |delta|`` (downstream): per unit of function change the parameters
  move ``O(|delta|^{-1/2})`` in both limits, while the direction of ``w_k``
  moves ``O(1)`` upstream (angular / function speed squared ->
  ``g_perp^2 / (rho^2 ||g||^2)``) and ``O(|delta|^{-2})`` downstream.
"""

import sympy as sp

from symrich.engine import Derivation, Step
from symrich.symbolic.piecewise_linear import (
    angular_speed_sq,
    angular_to_parameter_speed_sq,
    directional_factor,
    directional_fraction,
    function_speed_sq,
    parameter_speed_sq,
    radial_factor,
)
from symrich.symbolic.single_neuron import M_beta, conserved_delta
from symrich.symbolic.symbols import delta, eta_a, eta_w, rho, t, vector

ORDER = 320


def _beta_steps(dim):
    b = sp.Matrix([sp.Function(f"b_{i + 1}", real=True)(t) for i in range(dim)])
    g = vector("g", dim)
    bdot = -M_beta(b, delta) * g
    flow = {sp.Derivative(b[i], t): bdot[i] for i in range(dim)}
    rho_b = sp.sqrt((b.T * b)[0, 0])
    R = radial_factor(delta, rho_b)
    bg = (b.T * g)[0, 0]
    d_rho = sp.diff(rho_b, t).subs(flow)
    d_hat = (b / rho_b).diff(t).subs(flow)
    perp_g = g - b * bg / rho_b**2
    return [
        Step(d_rho, -R * bg / rho_b, f"d = {dim}: d/dt ||beta|| = beta_hat^T beta' = -R beta_hat^T g (M beta = R beta)",
             methods=("cancel", "simplify")),
        Step(d_hat, -directional_factor(delta, rho_b) / rho_b * perp_g,
             f"d = {dim}: d/dt beta_hat = P_perp beta' / ||beta|| = -((R + delta)/(2 ||beta||)) P_perp g",
             methods=("cancel", "simplify")),
    ]


def _speed_steps(dim):
    a_t = sp.Function("a", real=True)(t)
    w = sp.Matrix([sp.Function(f"w_{i + 1}", real=True)(t) for i in range(dim)])
    g = vector("g", dim)
    wg = (w.T * g)[0, 0]
    adot, wdot = -eta_a * wg, -eta_w * a_t * g
    flow = {sp.Derivative(a_t, t): adot}
    flow.update({sp.Derivative(w[i], t): wdot[i] for i in range(dim)})
    nw2 = (w.T * w)[0, 0]
    nw = sp.sqrt(nw2)
    g2 = (g.T * g)[0, 0]
    dlt = conserved_delta(a_t, nw2)
    rho_ = sp.Abs(a_t) * nw
    gpar = sp.sign(a_t) * wg / nw  # beta_hat^T g, beta_hat = sign(a) w_hat
    gperp = sp.sqrt(g2 - gpar**2)
    what_dot = (w / nw).diff(t).subs(flow)
    beta_dot = (a_t * w).diff(t).subs(flow)
    dom = {a_t: (0.3, 2.0)}
    neg = {a_t: (-2.0, -0.3)}
    out = []
    for sign_dom, label in ((dom, "a > 0"), (neg, "a < 0")):
        out += [
            Step((what_dot.T * what_dot)[0, 0], angular_speed_sq(dlt, rho_, gpar, gperp),
                 f"d = {dim}, {label}: ||d/dt w_hat||^2 = ((R + delta)/(2 rho))^2 ||P_perp g||^2 (w_hat = sign(a) beta_hat)",
                 symbolic=False, domain=sign_dom),
            Step(adot**2 + (wdot.T * wdot)[0, 0], parameter_speed_sq(dlt, rho_, gpar, gperp),
                 f"d = {dim}, {label}: a'^2 + ||w'||^2 = eta_a (R - delta)/2 g_par^2 + eta_w (R + delta)/2 ||g||^2",
                 symbolic=False, domain=sign_dom),
            Step((beta_dot.T * beta_dot)[0, 0], function_speed_sq(dlt, rho_, gpar, gperp),
                 f"d = {dim}, {label}: ||beta'||^2 = R^2 g_par^2 + ((R + delta)/2)^2 g_perp^2",
                 symbolic=False, domain=sign_dom),
        ]
    return out


def derivation():
    eta = eta_a * eta_w
    gp = sp.Symbol("g_par", positive=True)  # nonzero radial component (the limit rates divide by it)
    gq = sp.Symbol("g_perp", nonnegative=True)
    frac = directional_fraction()
    ang_par = angular_to_parameter_speed_sq(delta, rho, gp, gq)
    par_fun = parameter_speed_sq(delta, rho, gp, gq) / function_speed_sq(delta, rho, gp, gq)
    ang_fun = angular_speed_sq(delta, rho, gp, gq) / function_speed_sq(delta, rho, gp, gq)
    steps = _beta_steps(2) + _beta_steps(3) + [
        Step(sp.Limit(frac, delta, sp.oo), 1, "upstream: the directional fraction (R + delta)/(2R) -> 1"),
        Step(sp.Limit((1 - frac) * delta**2, delta, sp.oo), eta * rho**2, "upstream: 1 - fraction = eta rho^2/delta^2 + o(delta^-2)"),
        Step(sp.Limit(frac, delta, -sp.oo), 0, "downstream: the directional fraction -> 0 (direction frozen)"),
        Step(sp.Limit(frac * delta**2, delta, -sp.oo), eta * rho**2, "downstream: fraction = eta rho^2/delta^2 + o(delta^-2)"),
    ]
    steps += _speed_steps(2) + _speed_steps(3)
    steps += [
        Step(sp.Limit(ang_par * rho**2 / delta, delta, sp.oo), gq**2 / (eta_w * (gp**2 + gq**2)),
             "upstream: (angular / parameter speed)^2 = delta g_perp^2 / (eta_w rho^2 ||g||^2) (1 + o(1)) -> oo"),
        Step(sp.Limit(ang_par * (-delta) ** 3, delta, -sp.oo), eta_a * eta_w**2 * rho**2 * gq**2 / gp**2,
             "downstream: (angular / parameter speed)^2 = eta_a eta_w^2 rho^2 g_perp^2 / (g_par^2 |delta|^3) (1 + o(1)) -> 0"),
        Step(sp.Limit(par_fun * delta, delta, sp.oo), eta_w, "upstream: (parameter / function speed)^2 = eta_w / delta (1 + o(1))"),
        Step(sp.Limit(par_fun * (-delta), delta, -sp.oo), eta_a, "downstream: (parameter / function speed)^2 = eta_a / |delta| (1 + o(1))"),
        Step(sp.Limit(ang_fun, delta, sp.oo), gq**2 / (rho**2 * (gp**2 + gq**2)),
             "upstream: (angular / function speed)^2 -> g_perp^2 / (rho^2 ||g||^2), order 1"),
        Step(sp.Limit(ang_fun * delta**4, delta, -sp.oo), eta**2 * rho**2 * gq**2 / gp**2,
             "downstream: (angular / function speed)^2 = eta^2 rho^2 g_perp^2 / (g_par^2 delta^4) (1 + o(1)) -> 0"),
    ]
    return Derivation(
        name="piecewise_linear_radial_directional",
        title="Two-layer piecewise-linear network: radial and directional dynamics, upstream versus downstream",
        family="piecewise linear",
        statement=(
            "Each beta_k obeys d/dt ||beta_k|| = -R_k beta_hat_k^T g_k and d/dt beta_hat_k = "
            "-((R_k + delta_k)/(2 ||beta_k||)) P_perp g_k. The directional fraction (R_k + delta_k)/(2 R_k) tends to 1 "
            "for delta_k -> +oo (upstream) and to 0 for delta_k -> -oo (downstream). At fixed ||beta_k|| and g_k, the "
            "angular speed of w_k (which alone moves the activation pattern) per unit parameter speed grows like "
            "sqrt(delta_k) upstream and decays like |delta_k|^{-3/2} downstream: upstream initialisations change "
            "activation patterns while the parameters move little."
        ),
        assumptions=("beta_k != 0", "eta_a, eta_w > 0", "a_k != 0 for the speeds",
                     "limits at fixed ||beta_k|| = rho and fixed g_k with beta_hat_k^T g_k != 0"),
        notes=__doc__.split("\n\n", 1)[1].strip(),
        steps=tuple(steps),
        result=(sp.Symbol(r"\frac{d}{dt}\hat\beta_k"),
                -directional_factor(sp.Symbol("delta_k", real=True), sp.Symbol(r"\|\beta_k\|", positive=True))
                / sp.Symbol(r"\|\beta_k\|", positive=True) * sp.Symbol(r"P_\perp g_k")),
    )
