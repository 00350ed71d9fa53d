"""Single neuron, rank-deficient data: the exact implicit bias, in closed form for every rank.

Let $P_N$ project on $\\operatorname{null}(X)$ and $P_R = I - P_N$ on $\\operatorname{row}(X)$;
$b = \\|X^+ y\\|$ (every interpolant has row part $X^+ y$, $y \\in \\operatorname{range}(X)$),
$c = \\|P_N w_0\\|$ and $\\kappa_N = \\delta + \\eta_a c^2$.  The potential $\\Phi_\\delta$ and its
derivative $\\phi_\\delta'$ are those of the derivation ``single_neuron_mirror_flow``, whose
results are cited.
"""

import sympy as sp

from symrich.engine import Chain, Definition, Derivation, Step
from symrich.engine.calculus import ddt, partial
from symrich.engine.rewrites import factor_half_powers, traces
from symrich.symbolic import implicit_bias as ib
from symrich.symbolic.single_neuron import conserved_delta
from symrich.symbolic.symbols import a, d, delta, eta_a, eta_w, n, rho

ORDER = 110
REQUIRES = ("single_neuron_mirror_flow",)

MIRROR = "single_neuron_mirror_flow"
Lam = sp.Symbol("Lambda", positive=True)
phi = sp.Function("phi_delta", real=True)
#: $\xi = a_\infty^2 > 0$ as a free parameter of the limit (the map to $\delta$ is increasing, hence bijective);
#: not $x$, which is the data row in the rank-one case.
xi = sp.Symbol("xi", positive=True)


def at_limit(expr):
    """Substitute $\\delta = \\eta_w \\xi - \\eta_a(c^2 + b^2/\\xi)$, $\\rho = \\sqrt{b^2 + \\xi c^2}$ ($\\xi = a_\\infty^2$) and take the roots.

    >>> at_limit(rho**2 - ib.b**2 - xi * ib.c**2)
    0
    """
    b, c = ib.b, ib.c
    return factor_half_powers(sp.sympify(expr).subs(
        {delta: conserved_delta(sp.sqrt(xi), c**2 + b**2 / xi), rho: sp.sqrt(b**2 + xi * c**2)},
        simultaneous=True))


def at_fixed_beta0(expr):
    r"""Substitute $\delta = \eta_w \xi - \eta_a \rho_0^2/\xi$ ($\xi = a_0^2$, $\rho_0^2 = r_0^2 + c_0^2$) and take the roots.

    >>> r0, c0 = sp.symbols("r_0 c_0", positive=True)
    >>> at_fixed_beta0(ib.R_rho(delta, sp.sqrt(r0**2 + c0**2)) - eta_w * xi - eta_a * (r0**2 + c0**2) / xi)
    0
    """
    r0, c0 = sp.symbols("r_0 c_0", positive=True)
    return factor_half_powers(sp.sympify(expr).subs(delta, conserved_delta(sp.sqrt(xi), (r0**2 + c0**2) / xi)))


def _flow_steps():
    """Row-space invariance and the monotone loss, coordinate-free."""
    w, X, y = sp.MatrixSymbol("w", d, 1), sp.MatrixSymbol("X", n, d), sp.MatrixSymbol("y", n, 1)
    r, g = sp.MatrixSymbol("r", n, 1), sp.MatrixSymbol("g", d, 1)
    L = sp.MatrixSymbol("L", 1, 1)
    a_dot, w_dot = sp.Symbol("a_dot", real=True), sp.MatrixSymbol("w_dot", d, 1)
    definitions = (
        Definition(r, y - a * X * w, "residual"),
        Definition(g, X.T * r),
        Definition(L, (r.T * r) / 2, "loss"),
        Definition(a_dot, -eta_a * sp.Trace(partial(L, a)), "gradient flow"),
        Definition(w_dot, -eta_w * partial(L, w)),
    )
    wg = w.T * g
    steps = (
        Step(w_dot, X.T * (eta_w * a * r),
             r"matrix calculus: $\dot w \in \operatorname{row}(X)$, so $P_N w(t) = P_N w_0$ for all $t$ "
             r"($P_N X^\top = (X P_N)^\top = 0$)", label="row_space"),
        Chain(ddt(L, {a: a_dot, w: w_dot}),
              (-eta_a * wg * wg - eta_w * a**2 * g.T * g,
               r"chain rule along the flow; $g^\top w = w^\top g$: $\mathcal{L}$ never increases",
               {"rewrite": traces}),
              label="loss_decreasing"),
        Step(sp.Subs(sp.Trace(L), a, 0), sp.Trace(y.T * y) / 2, r"$a = 0$ forces $\beta = 0$: once $\mathcal{L} < \|y\|^2/2$ the "
             r"sign of $a$ is final", label="loss_at_zero"),
    )
    return definitions, steps


def _rank_one_steps():
    """Rank one, X = x^T: w_perp is constant and (a, p) runs on one branch of a hyperbola."""
    x, w = sp.MatrixSymbol("x", d, 1), sp.MatrixSymbol("w", d, 1)
    beta0 = sp.MatrixSymbol("beta_0", d, 1)
    r = sp.Symbol("r", real=True)
    y = sp.Symbol("y", real=True)
    p, gam = sp.symbols("p gamma", real=True)
    w_perp = sp.MatrixSymbol("w_perp", d, 1)
    gamma_y = sp.Symbol("gamma_y", real=True)
    tr = sp.Trace
    xx = tr(x.T * x)
    definitions = (
        Definition(w_perp, w - tr(x.T * w) / xx * x, r"rank one, $X = x^\top$"),
        Definition(gam, sp.sqrt(xx) * r, r"$r = y - x^\top\beta$, the residual ($n = 1$)"),
        Definition(gamma_y, y / tr(x.T * beta0), r"the rescaling"),
    )
    steps = (
        Step((sp.Identity(d) - x * x.T / xx) * (eta_w * a * x * r), sp.ZeroMatrix(d, 1),
             r"rank one: $\dot w = \eta_w a\, x\, r$ is along $x$, so $w_\perp$ is constant", rewrite=traces,
             label="rank_one_perp"),
        Step(conserved_delta(a, tr(w.T * w)) + eta_a * tr(w_perp.T * w_perp), eta_w * a**2 - eta_a * tr(x.T * w)**2 / xx,
             r"$\kappa = \delta + \eta_a \|w_\perp\|^2 = \eta_w a^2 - \eta_a p^2$ with $p = \hat x^\top w$: "
             r"$\kappa = \kappa_N$", rewrite=traces, label="rank_one_kappa"),
        Step(ddt(eta_w * a**2 - eta_a * p**2, {a: eta_a * p * gam, p: eta_w * a * gam}), 0,
             r"with $p = \hat x^\top w$: $\dot a = \eta_a w^\top x\, r = \eta_a p\gamma$ and "
             r"$\dot p = \hat x^\top\dot w = \eta_w a\gamma$, so $(a, p)$ runs on one branch of the hyperbola $\eta_w a^2 - \eta_a p^2 = \kappa$: $\kappa > 0$ fixes "
             r"$\operatorname{sign}(a)$; $\kappa < 0$ fixes $\operatorname{sign}(p)$, and $a_\infty p_\infty \|x\| = y$ "
             r"gives $\operatorname{sign}(a_\infty) = \operatorname{sign}(y\, x^\top w_0)$", label="rank_one_hyperbola"),
        Step(gamma_y * tr(x.T * beta0) / xx * x, y / xx * x,
             r"$\delta \to -\infty$, rank one: $\gamma = y/x^\top\beta_0$ makes $\gamma P_R \beta_0 = X^+ y$, so the "
             r"limit $X^+ y + \gamma P_N \beta_0$ is $\gamma\beta_0$, $\beta_0$ rescaled", rewrite=traces,
             label="rank_one_rescaled"),
    )
    return definitions, steps


def derivation():
    eta = eta_a * eta_w
    b, c = ib.b, ib.c
    kN = ib.kappa_N
    q = sp.Symbol("q", nonnegative=True)   # ||P_R w||
    A = sp.Symbol("a_inf2", positive=True)
    dphi = sp.Derivative(phi(rho), rho)
    # limits at fixed beta_0: r0 = ||P_R beta_0||, c0 = ||P_N beta_0||
    r0, c0 = sp.symbols("r_0 c_0", positive=True)
    Lam0, a02, kappa, gamma2 = (sp.Symbol("Lambda_0", positive=True), sp.Symbol("a_02", positive=True),
                                sp.Symbol("kappa", real=True), sp.Symbol("gamma2", positive=True))
    a02s, kappas, ainf2s, gamma2s = (sp.Symbol("a_02s", positive=True), sp.Symbol("kappa_s", real=True),
                                     sp.Symbol("a_inf2s", positive=True), sp.Symbol("gamma2_s", positive=True))
    flow_defs, flow_steps = _flow_steps()
    rank_defs, rank_steps = _rank_one_steps()
    definitions = (
        Definition(Lam, ib.R_rho(), r"$\Lambda(\rho)$"),
        Definition(phi(rho), ib.phi().xreplace({ib.R_rho(): Lam}),
                   r"$\Phi_\delta(\beta) = \phi_\delta(\|\beta\|)$"),
        Definition(kN, ib.kappa_of(delta, c), r"$c = \|P_N w_0\|$"),
        Definition(A, ib.a_inf_sq(kN, b), r"$b = \|X^+ y\|$; the compiled $a_\infty^2$"),
    ) + flow_defs + rank_defs + (
        Definition(Lam0, ib.R_rho(delta, sp.sqrt(r0**2 + c0**2)), r"$r_0^2 + c_0^2 = \|\beta_0\|^2$"),
        Definition(a02, (Lam0 + delta) / (2 * eta_w), r"at fixed $\beta_0$"),
        Definition(kappa, delta + eta_a * c0**2 / a02, r"$\kappa_N$, with $\|P_N w_0\| = c_0/|a_0|$"),
        Definition(gamma2, ib.a_inf_sq(kappa, b) / a02, r"$\gamma = a_\infty/a_0$"),
        Definition(a02s, 2 * eta_a * (r0**2 + c0**2) / (Lam0 - delta), r"the forms compiled for $\delta < 0$"),
        Definition(kappas, delta + eta_a * c0**2 / a02s),
        Definition(ainf2s, ib.a_inf_sq_stable_negative(kappas, b)),
        Definition(gamma2s, ainf2s / a02s),
    )
    steps = flow_steps + (
        Step(conserved_delta(a, c**2 + q**2) + eta_a * c**2, eta_w * a**2 - eta_a * q**2,
             r"$\kappa_N = \delta + \eta_a c^2$ with $\delta = \eta_w a^2 - \eta_a(\|P_N w\|^2 + \|P_R w\|^2)$ "
             r"(Pythagoras), $\|P_N w\| = c$, $q = \|P_R w\|$: "
             r"$\eta_w a^2 - \kappa_N = \eta_a \|P_R w\|^2 \geq 0$, so $a$ never vanishes when $\kappa_N > 0$",
             label="kappa_bound"),
        Step(conserved_delta(sp.sqrt(A), c**2 + b**2 / A), delta,
             r"at the limit $\beta_\infty = X^+ y + a_\infty P_N w_0$, $\|w_\infty\|^2 = c^2 + b^2/a_\infty^2$: this "
             r"$a_\infty^2$ solves the conservation law", label="a_inf"),
        Step(sp.Derivative(conserved_delta(sp.sqrt(xi), c**2 + b**2 / xi), xi), eta_w + eta_a * b**2 / xi**2,
             r"the conservation law at the limit is increasing in $\xi = a_\infty^2 > 0$: the root is unique",
             label="a_inf_unique"),
        Step(A, ib.a_inf_sq_stable_negative(kN, b),
             r"the form compiled for $\kappa_N < 0$ (no cancellation)", methods=("cancel", "simplify"),
             label="a_inf_stable"),
        Step(sp.sqrt(xi) * dphi / rho, 1,
             r"at the limit, parametrised by $\xi = a_\infty^2 > 0$ (the conservation law "
             r"\eqref{eq:single_neuron_implicit_bias:a_inf} gives $\delta$, and $\rho^2 = \|\beta_\infty\|^2 = b^2 + \xi c^2$): $\phi_\delta'(\rho)|a_\infty|/\rho = 1$, so the "
             r"$\operatorname{null}(X)$ part of $\nabla\Phi_\delta(\beta_\infty) - \psi$, $\psi = \operatorname{sign}(a_\infty) w_0$, "
             r"$(\phi_\delta'(\rho)|a_\infty|/\rho - 1)\operatorname{sign}(a_\infty) P_N w_0$, vanishes: $\beta_\infty$ "
             r"satisfies the KKT condition of $\min \Phi_\delta(\beta) - \psi^\top\beta$ on $X\beta = y$",
             given=(sp.Eq(delta, conserved_delta(sp.sqrt(xi), c**2 + b**2 / xi)),),
             uses=(f"{MIRROR}:phi_prime",), rewrite=at_limit, label="kkt"),
    ) + rank_steps + (
        # limits at fixed beta_0
        Step(a02s, a02, r"$(\Lambda_0 - \delta)(\Lambda_0 + \delta) = 4\eta_a\eta_w\rho_0^2$",
             methods=("cancel", "simplify"), label="a0_stable"),
        Step(gamma2s, gamma2, r"the same $\gamma^2$: in the parametrisation $\delta = \eta_w \xi - \eta_a\rho_0^2/\xi$ "
             r"by $\xi = a_0^2 > 0$ (a bijection onto $\mathbb{R}$)", rewrite=at_fixed_beta0, label="gamma_stable"),
        Step(sp.Limit(gamma2, delta, sp.oo), 1,
             r"$\delta \to +\infty$ at fixed $\beta_0$: $\beta_\infty \to X^+ y + P_N\beta_0$, the Euclidean "
             r"projection of $\beta_0$", label="plus_infinity"),
        Step(sp.Limit((gamma2 - 1) * delta**2, delta, sp.oo), eta * (b**2 - r0**2),
             r"the error is $O(\delta^{-2})$", label="plus_infinity_rate"),
        Step(sp.Limit(gamma2s, delta, -sp.oo), b**2 / r0**2, r"$\delta \to -\infty$ at fixed $\beta_0$",
             label="minus_infinity"),
        Step(sp.Limit((gamma2s - b**2 / r0**2) * delta**2, delta, -sp.oo),
             -eta * b**2 * (b**2 - r0**2) * (r0**2 + c0**2)**2 / r0**6, r"the error is $O(\delta^{-2})$",
             label="minus_infinity_rate"),
        Step((b**2 / r0**2) * (r0**2 + c0**2) / (b**2 + (b**2 / r0**2) * c0**2), 1,
             r"$\gamma^2 = b^2/r_0^2$ is the KKT condition of $\min \|\beta\| - s\langle\hat\beta_0, \beta\rangle$ "
             r"on $X\beta = y$: $\beta = X^+ y + \gamma P_N\beta_0$ with $\gamma/\rho = s/\rho_0$, "
             r"$\rho^2 = b^2 + \gamma^2 c_0^2$", label="minus_infinity_kkt"),
        # the potential's limits
        Step(sp.Limit(dphi / ib.lim_plus_leading(), delta, sp.oo), 1,
             r"$\delta \to +\infty$: $\Phi_\delta \sim \sqrt{\eta_w/\delta}\,\|\beta\|^2/2$ (quadratic)",
             uses=(f"{MIRROR}:phi_prime",), label="phi_plus"),
        Step(sp.Limit((dphi - ib.lim_plus_leading()) * delta ** sp.Rational(5, 2), delta, sp.oo),
             -eta * sp.sqrt(eta_w) * rho**3 / 2, r"the next order", uses=(f"{MIRROR}:phi_prime",),
             label="phi_plus_rate"),
        Step(sp.Limit(phi(rho), delta, 0), ib.lim_zero(), r"$\delta = 0$: a $3/2$-power of $\|\beta\|$",
             label="phi_zero"),
        Step(sp.Limit(dphi / ib.lim_minus_leading(), delta, -sp.oo), 1,
             r"$\delta \to -\infty$: $\Phi_\delta \sim \sqrt{|\delta|/\eta_a}\,\|\beta\|$ (norm-like)",
             uses=(f"{MIRROR}:phi_prime",), label="phi_minus"),
        Step(sp.Limit((dphi - ib.lim_minus_leading()) * (-delta) ** sp.Rational(3, 2), delta, -sp.oo),
             eta * rho**2 / (2 * sp.sqrt(eta_a)), r"the next order", uses=(f"{MIRROR}:phi_prime",),
             label="phi_minus_rate"),
    )
    return Derivation(
        name="single_neuron_implicit_bias",
        title=r"Single neuron: the exact implicit bias on rank-deficient data",
        family="single neuron",
        statement=(
            r"If the flow converges to an interpolant with $a_\infty \neq 0$, then "
            r"$\beta_\infty = X^+ y + a_\infty P_N w_0$ with $\eta_w a_\infty^2 = \tfrac12(\kappa_N + "
            r"\sqrt{\kappa_N^2 + 4\eta_a\eta_w b^2})$, $\kappa_N = \delta + \eta_a\|P_N w_0\|^2$, $b = \|X^+ y\|$; it is "
            r"the unique minimiser of $\Phi_\delta(\beta) - \operatorname{sign}(a_\infty) w_0^\top\beta$ on "
            r"$X\beta = y$ (a Bregman projection of $\beta_0$ for $\delta \geq 0$). "
            r"$\operatorname{sign}(a_\infty) = \operatorname{sign}(a_0)$ if $\kappa_N > 0$ or "
            r"$\mathcal{L}(0) < \|y\|^2/2$; rank one with $\kappa_N < 0$: $\operatorname{sign}(y\, x^\top w_0)$. "
            r"At fixed $\beta_0$: the Euclidean projection as $\delta \to +\infty$, "
            r"$\operatorname{argmin} \|\beta\| - s\langle\hat\beta_0, \beta\rangle$ as $\delta \to -\infty$ (rank one: "
            r"$\beta_0$ rescaled), both with error $O(\delta^{-2})$."
        ),
        assumptions=(r"$y \in \operatorname{range}(X)$; $\eta_a, \eta_w > 0$",
                     r"the flow converges to an interpolant with $a_\infty \neq 0$"),
        definitions=definitions,
        steps=steps,
        result=("a_inf", "a_inf_stable", "kkt"),
        requires=REQUIRES,
        notes=(r"Invariance: $\dot w \in \operatorname{row}(X)$ keeps $P_N w = P_N w_0$, and the conservation law "
               r"bounds $\eta_w a^2 \geq \kappa_N$. At the limit, $P_R\beta_\infty = X^+ y$ and "
               r"$P_N\beta_\infty = a_\infty P_N w_0$, so the conservation law is an increasing equation in "
               r"$a_\infty^2$, whose root is the closed form; $a_\infty^2 \mapsto \delta$ is a bijection of "
               r"$(0, \infty)$ onto $\mathbb{R}$, which is why the KKT step may take $\xi = a_\infty^2$ as its "
               r"parameter. $\Phi_\delta$ is strictly convex ($\phi_\delta'' > 0$, $\phi_\delta' > 0$ for $\rho > 0$), "
               r"so the minimiser is unique. For $\delta \geq 0$, $a$ never changes sign and "
               r"$\psi = \operatorname{sign}(a_\infty) w_0 = \operatorname{sign}(a_0) w_0 = \nabla\Phi_\delta(\beta_0)$. The loss never increases "
               r"and $a = 0$ forces $\beta = 0$, $\mathcal{L} = \|y\|^2/2$: once $\mathcal{L} < \|y\|^2/2$ the sign "
               r"of $a$ is final. For rank $\geq 2$ and $\kappa_N \leq 0$ the sign is read from the dynamics."),
    )
