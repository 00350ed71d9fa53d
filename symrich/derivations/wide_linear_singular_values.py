"""Wide linear network: aligned singular values, their Riccati form and the explicit $\\sigma(t)$ for every $\\delta$ (paper, Section 4).

Whitened data ($G = \\beta - \\beta_*$), $\\Delta = \\delta I_h$ with (C), and $\\beta_0 = U \\Sigma_0 V^\\top$,
$\\beta_* = U S V^\\top$ sharing singular frames.  The lemma checks, for $d = c = 2$ with
rotation frames $U$, $V$ (angles free), that the $\\beta$-flow of Theorem 4.2 (square roots
in closed form) equals $U \\operatorname{diag}(\\dot\\sigma_i) V^\\top$ with the scalar rate of the
statement, for $\\delta$ of either sign: so $\\beta$ stays in the frame and each singular value
moves alone.  For $d > c$ (or $c > d$) the complement of $U$ (or $V$) carries the factor
$|\\delta|/2 - \\delta/2$ times $G$, and $G = U (\\Sigma - S) V^\\top$ vanishes there.

Every closed form is proved through the equation its pieces satisfy: the change of variable
$v = \\sigma + \\sqrt{\\sigma^2 + \\kappa^2}$ turns the rate into a Riccati equation with constant
coefficients; its solution $v(t)$ satisfies it and the initial condition, and
$\\sigma(t) = (v(t)^2 - \\kappa^2)/(2v(t))$ satisfies the rate equation and $\\sigma(0) = \\sigma_0$; the time
$\\tau(v)$ has $d\\tau/dv = 1/\\dot v$ and $\\tau(v_0) = 0$; the Saxe sigmoid is both the
$\\delta \\to 0$ limit and a solution of the $\\delta = 0$ equation.  The forms the numeric
kernels evaluate (free of cancellation) are proved equal to these in the derivation of the
stable forms of the wide linear network.
"""

import sympy as sp

from symrich.engine import Chain, Definition, Derivation, Step
from symrich.engine.calculus import ddt
from symrich.engine.prepare import fold
from symrich.symbolic.symbols import delta, eta, eta_a, eta_w, s, t
from symrich.symbolic.wide_linear import (
    beta_flow_rhs, kappa, kappa_of, riccati_rhs, rotation, saxe_sigmoid, sigma, sigma0, sigma_of_v, sigma_rate,
    sqrt_psd_2x2, time_of_v, time_to_reach_critical, v, v0, v_minus, v_of_sigma, v_plus, v_trajectory,
)

ORDER = 220
REQUIRES = ()


def closed_form_definitions():
    """The named quantities of the aligned singular values, values from :mod:`symrich.symbolic.wide_linear`.

    Returns ``(definitions, names)``: the definitions in order and a dict of the names
    (``eta``, ``kappa``, ``R``, ``v_plus``, ``v_minus``, ``v0``, ``v_t``, ``tau``, ``sigma_t``, ``saxe``).

    Examples
    --------
    >>> defs, names = closed_form_definitions()
    >>> [str(d.name) for d in defs]
    ['eta', 'kappa', 'R', 'v_+', 'v_-', 'v_0', 'v(t)', 'tau(v)', 'sigma(t)', 'sigma_S(t)']
    """
    R = sp.Symbol("R", positive=True)
    vp, vm = sp.Symbol("v_+", positive=True), sp.Symbol("v_-", nonpositive=True)
    v_t, tau, sigma_t = sp.Function("v")(t), sp.Function("tau")(v), sp.Function("sigma")(t)
    definitions = [Definition(eta, eta_a * eta_w)]
    definitions += [Definition(kappa, fold(kappa_of(delta), definitions), r"so $\eta\kappa^2 = \delta^2/4$"),
                    Definition(R, sp.sqrt(s**2 + kappa**2))]
    definitions += [Definition(vp, fold(v_plus(s, kappa), definitions), "the roots of the Riccati field"),
                    Definition(vm, fold(v_minus(s, kappa), definitions))]
    definitions.append(Definition(v0, fold(v_of_sigma(sigma0, kappa), definitions)))
    definitions.append(Definition(v_t, fold(v_trajectory(t, v0, s, kappa), definitions)))
    definitions.append(Definition(tau, fold(time_of_v(v, v0, s, kappa), definitions), r"the time at which $v$ is reached"))
    definitions.append(Definition(sigma_t, fold(sigma_of_v(v_t, kappa), definitions)))
    saxe = sp.Function("sigma_S")(t)
    definitions.append(Definition(saxe, fold(saxe_sigmoid(t, sigma0, s), definitions), "the Saxe sigmoid"))
    names = dict(eta=eta, kappa=kappa, R=R, v_plus=vp, v_minus=vm, v0=v0, v_t=v_t, tau=tau, sigma_t=sigma_t, saxe=saxe)
    return tuple(definitions), names


def derivation():
    definitions, nm = closed_form_definitions()
    v_t, tau, sigma_t, saxe = nm["v_t"], nm["tau"], nm["sigma_t"], nm["saxe"]

    def named(expr):
        return fold(expr, definitions)

    se = sp.sqrt(eta)
    sigma_dot = sp.Symbol("sigma_dot")
    rate = named(sigma_rate(sigma, s, delta))
    definitions += (Definition(sigma_dot, rate, "the rate (lemma below)"),)
    rate_kappa = -2 * se * sp.sqrt(sigma**2 + kappa**2) * (sigma - s)
    v_sigma = v_of_sigma(sigma, kappa)
    sigma_v = sigma_of_v(v, kappa)
    d_sigma_dv = (v**2 + kappa**2) / (2 * v**2)
    steps = (
        _aligned_frame_lemma(),
        Step(sp.Subs(sigma_dot, sigma, 0), sp.Abs(delta) * s,
             r"at $\sigma = 0$ the rate is $|\delta| s \ge 0$: $\sigma$ stays nonnegative, and $\sigma_0 = 0$ is not "
             r"stuck when $\delta \ne 0$", label="rate_at_zero"),
        Step(sigma_dot, rate_kappa, r"$\eta\sigma^2 + \delta^2/4 = \eta(\sigma^2 + \kappa^2)$",
             rewrite="factor_radicands", label="rate_kappa"),
        Step(sigma_of_v(v_sigma, kappa), sigma,
             r"$v = \sigma + \sqrt{\sigma^2 + \kappa^2}$ is inverted by $\sigma = (v^2 - \kappa^2)/(2v)$",
             methods=("cancel",), label="inverse"),
        Chain(ddt(v_sigma, {sigma: sigma_dot}),
              (sigma_dot * sp.diff(v_sigma, sigma), "chain rule"),
              (rate_kappa * sp.diff(v_sigma, sigma), r"the rate", {"uses": ("rate_kappa",)}),
              (named(riccati_rhs(v_sigma, s, kappa)), r"expand: the Riccati field $\sqrt{\eta}(-v^2 + 2sv + \kappa^2)$ "
               r"at $v = \sigma + \sqrt{\sigma^2 + \kappa^2}$", {"methods": ("expand",)}),
              label="riccati"),
        Step(named(riccati_rhs(v, s, kappa)), -se * (v - nm["v_plus"]) * (v - nm["v_minus"]),
             r"the Riccati field factors over its roots $v_\pm = s \pm R$", label="roots"),
        Step(sp.Derivative(v_t, t), named(riccati_rhs(v_t, s, kappa)),
             r"$v(t)$, the solution of the Riccati equation with constant coefficients, satisfies it",
             methods=("cancel",), label="solves"),
        Step(v_t.subs(t, 0), v0, "and the initial condition", methods=("cancel",), label="initial"),
        Step(d_sigma_dv * named(riccati_rhs(v, s, kappa)), rate_kappa.subs(sigma, sigma_v),
             r"back to $\sigma = (v^2 - \kappa^2)/(2v)$, $d\sigma/dv = (v^2 + \kappa^2)/(2v^2)$: for $v > 0$, "
             r"$\sigma^2 + \kappa^2 = \bigl((v^2 + \kappa^2)/(2v)\bigr)^2$, and the Riccati field times $d\sigma/dv$ "
             r"is the rate at $\sigma$", rewrite="factor_radicands", label="back"),
        Chain(sp.Derivative(sigma_t, t),
              (d_sigma_dv.subs(v, v_t) * sp.Derivative(v_t, t), r"chain rule", {"methods": ("cancel",)}),
              (d_sigma_dv.subs(v, v_t) * named(riccati_rhs(v_t, s, kappa)), r"$v(t)$ solves the Riccati equation",
               {"uses": ("solves",), "unfold": ()}),
              (rate_kappa.subs(sigma, sigma_t), r"the rate at $\sigma(t)$, with $v = v(t) > 0$ ($v(t)$ runs from "
               r"$v_0 > 0$ towards $v_+ > 0$)", {"uses": (("back", {v: v_t}),), "unfold": (sigma_t,)}),
              label="sigma_solves"),
        Step(sigma_t.subs(t, 0), sigma0, r"$\sigma(0) = \sigma_0$: $v(0) = v_0$ inverted", methods=("cancel",),
             label="sigma_initial"),
        Step(sp.Derivative(tau, v), named(1 / riccati_rhs(v, s, kappa)), r"$\tau$ inverts $v(t)$: $d\tau/dv = 1/\dot v$",
             methods=("cancel",), label="time"),
        Step(tau.subs(v, v0), 0, r"and $\tau(v_0) = 0$; so $\sigma$ is reached at $t = \tau(\sigma + \sqrt{\sigma^2 + \kappa^2})$",
             label="time_initial"),
        Step(sp.Derivative(named(time_to_reach_critical(sigma, sigma0)), sigma), named(1 / sigma_rate(sigma, 0, 0)),
             r"outside the assumption $s > 0$, the degenerate case $s = 0$, $\delta = 0$ (zero target and "
             r"balanced start, where $R = 0$ and the formula above does not apply): the flow is "
             r"$\dot\sigma = -2\sqrt{\eta}\,\sigma^2$, and $t(\sigma) = (1/\sigma - 1/\sigma_0)/(2\sqrt{\eta})$ has "
             r"$dt/d\sigma = 1/\dot\sigma$", label="time_critical"),
        Step(sp.Limit(sigma_t, delta, 0, dir="+-"), saxe, r"$\delta \to 0$: $\sigma(t)$ tends to the Saxe sigmoid",
             methods=("expand", "simplify"), label="saxe_limit"),
        Step(sp.Subs(sigma_dot, delta, 0), -2 * se * sigma * (sigma - s), r"the rate at $\delta = 0$ ($\sigma \ge 0$)",
             label="rate_zero"),
        Step(sp.Derivative(saxe, t), -2 * se * saxe * (saxe - s), r"the Saxe sigmoid solves the $\delta = 0$ equation",
             methods=("cancel",), label="saxe_solves"),
        Step(saxe.subs(t, 0), sigma0, r"with $\sigma_S(0) = \sigma_0$", label="saxe_initial"),
    )
    return Derivation(
        name="wide_linear_singular_values",
        title="Wide linear network: aligned singular values in closed form",
        family="wide linear",
        statement=(
            r"With whitened $X$, $\Delta = \delta I_h$ under (C), and $\beta_0$, $\beta_*$ sharing singular frames, "
            r"$\beta(t) = U \Sigma(t) V^\top$ and each singular value obeys "
            r"$\dot\sigma = -2\sqrt{\eta\sigma^2 + \delta^2/4}\,(\sigma - s)$, $\eta = \eta_a\eta_w$. With "
            r"$\kappa = |\delta|/(2\sqrt{\eta})$, $R = \sqrt{s^2 + \kappa^2}$, $v_\pm = s \pm R$ and "
            r"$v = \sigma + \sqrt{\sigma^2 + \kappa^2}$, $v$ solves $\dot v = -\sqrt{\eta}(v - v_+)(v - v_-)$, "
            r"$v(t) = \bigl[v_+(v_0 - v_-) - v_-(v_0 - v_+)e^{-2R\sqrt{\eta}t}\bigr] / "
            r"\bigl[(v_0 - v_-) - (v_0 - v_+)e^{-2R\sqrt{\eta}t}\bigr]$, $\sigma = (v^2 - \kappa^2)/(2v)$, and "
            r"$\sigma$ is reached at $t = \log\frac{(v - v_-)(v_0 - v_+)}{(v - v_+)(v_0 - v_-)} / (2R\sqrt{\eta})$; "
            r"$\delta \to 0$ gives the Saxe sigmoid $s\sigma_0 e^{2s\sqrt{\eta}t} / (s + \sigma_0(e^{2s\sqrt{\eta}t} - 1))$."
        ),
        assumptions=(r"$X^\top X = I_d$", r"$\Delta = \delta I_h$ and (C)",
                     r"$\beta_0 = U \Sigma_0 V^\top$, $\beta_* = U S V^\top$", r"$\sigma_0 \ge 0$, $s > 0$ (except in \eqref{eq:wide_linear_singular_values:time_critical})",
                     r"learning rates $\eta_a, \eta_w > 0$"),
        definitions=definitions,
        steps=steps,
        result=("riccati", "solves", "sigma_solves", "sigma_initial", "time"),
        requires=REQUIRES,
        notes=__doc__.split("\n\n", 1)[1].strip(),
    )


def _aligned_frame_lemma():
    """Lemma (d = c = 2, aligned frames): the beta-flow is ``U diag(sigma_i') V^T``."""
    th_u, th_v = sp.symbols("theta_U theta_V", real=True)
    sig = [sp.Symbol(f"sigma_{i}", positive=True) for i in (1, 2)]
    ss = [sp.Symbol(f"s_{i}", positive=True) for i in (1, 2)]
    U, V = rotation(th_u, 2), rotation(th_v, 2)
    beta = U * sp.diag(*sig) * V.T
    G = beta - U * sp.diag(*ss) * V.T
    eta_ = eta_a * eta_w
    flow = beta_flow_rhs(G, sqrt_psd_2x2(eta_ * beta * beta.T + delta**2 / 4 * sp.eye(2)),
                         sqrt_psd_2x2(eta_ * beta.T * beta + delta**2 / 4 * sp.eye(2)), delta)
    rates = U * sp.diag(*[sigma_rate(x, y, delta) for x, y in zip(sig, ss)]) * V.T
    return Step(flow, rates,
                r"$d = c = 2$, aligned frames $U$, $V$ (rotations): the $\beta$-flow of Theorem 4.2 at "
                r"$\beta = U\operatorname{diag}(\sigma_1, \sigma_2)V^\top$, $G = U\operatorname{diag}(\sigma_1 - s_1, "
                r"\sigma_2 - s_2)V^\top$, with the closed-form square roots, is "
                r"$U \operatorname{diag}(\dot\sigma_1, \dot\sigma_2) V^\top$", lemma=True, symbolic=False)
