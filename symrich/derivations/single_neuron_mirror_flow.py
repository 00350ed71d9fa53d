"""Single neuron, any data: $\\dot\\beta = -M \\nabla\\mathcal{L}$ is a time-warped mirror flow of a radial potential.

Identities in $(\\delta, \\rho)$ are proved in the parametrisation $\\alpha = |a| > 0$, $\\|w\\| > 0$:
$\\delta = \\eta_w \\alpha^2 - \\eta_a \\|w\\|^2$, $\\rho = \\alpha \\|w\\|$.  This map is a bijection of
$(0, \\infty)^2$ onto $\\{(\\delta, \\rho) : \\rho > 0\\}$ (given $\\delta$ and $\\rho$,
$\\eta_w \\alpha^2 = (\\Lambda + \\delta)/2$ and $\\eta_a \\|w\\|^2 = (\\Lambda - \\delta)/2$), so an identity
that holds after the substitution holds for every $\\delta$ and $\\rho > 0$; and in it every root is
polynomial, $\\Lambda = \\eta_w \\alpha^2 + \\eta_a \\|w\\|^2$.  Derivatives in $\\rho$ are taken before
the substitution.
"""

import sympy as sp

from symrich.engine import Chain, Definition, Derivation, Step
from symrich.engine.rewrites import factor_half_powers, traces
from symrich.symbolic import implicit_bias as ib
from symrich.symbolic.single_neuron import M_beta
from symrich.symbolic.symbols import a, d, delta, eta_a, eta_w, rho, vector

ORDER = 100
REQUIRES = ()

#: the name of Lambda(rho) in the displayed formulas.
Lam = sp.Symbol("Lambda", positive=True)
#: the potential's radial profile, phi_delta(rho).
phi = sp.Function("phi_delta", real=True)


def fold(expr):
    """``expr`` with every power of ``sqrt(delta^2 + 4 eta_a eta_w rho^2)`` written as a power of ``Lambda`` (display).

    >>> fold(ib.phi_prime())
    sqrt(2)*sqrt(Lambda - delta)/(2*sqrt(eta_a))
    """
    radicand = ib.R_rho().base
    return sp.sympify(expr).replace(lambda x: x.is_Pow and x.base == radicand and x.exp.is_Rational and x.exp.q == 2,
                                    lambda x: Lam ** (2 * x.exp))


def in_parameters(expr):
    """Substitute $\\delta = \\eta_w \\alpha^2 - \\eta_a \\|w\\|^2$, $\\rho = \\alpha \\|w\\|$ and take the now polynomial roots.

    >>> in_parameters(ib.R_rho() - eta_w * ib.alpha**2 - eta_a * ib.w_norm**2)
    0
    """
    return factor_half_powers(ib.on_parameters(expr))


def at_a_w(expr):
    """Substitute $\\delta = \\eta_w a^2 - \\eta_a \\|w\\|^2$, $\\rho = |a|\\,\\|w\\|$ (the point $\\beta = a w$) and take the roots.

    >>> at_a_w(rho**2 - a**2 * ib.w_norm**2)
    0
    """
    u = ib.w_norm
    return factor_half_powers(sp.sympify(expr).subs({delta: eta_w * a**2 - eta_a * u**2, rho: sp.Abs(a) * u},
                                                    simultaneous=True))


def _hessian_lemmas():
    """Hess of phi(||beta||) for an undefined phi (d = 3)."""
    bvec = vector("beta", 3)
    r = sp.sqrt((bvec.T * bvec)[0])
    f = sp.Function("phi")
    H = sp.hessian(f(r), list(bvec))
    p1, p2 = sp.symbols("phi_1 phi_2", real=True)

    def rename(e):
        reps = {}
        for sub in e.atoms(sp.Subs):
            order = sum(count for _, count in sub.expr.variable_count)
            reps[sub] = {1: p1, 2: p2}[order]
        return e.xreplace(reps)

    P = bvec * bvec.T / r**2
    Hform = p2 * P + p1 / r * (sp.eye(3) - P)
    return (
        Step(H.applyfunc(rename), Hform,
             r"in coordinates, $d = 3$, for an undefined $\phi$: $\operatorname{Hess}\, \phi(\|\beta\|) = "
             r"\phi'' P + (\phi'/\rho)(I - P)$ with $P = \beta\beta^\top/\rho^2$ (chain rule; entrywise the same "
             r"in every $d$)", methods=("cancel", "simplify"), lemma=True, label="hessian"),
    )


def _curl_lemmas():
    """d = 2: M^{-1} is not a Hessian; eta_w |a| M^{-1} has no such defect."""
    b1, b2 = sp.symbols("beta_1 beta_2", real=True)
    bvec = sp.Matrix([b1, b2])
    r2 = b1**2 + b2**2
    R = ib.R_rho(delta, sp.sqrt(r2))
    P = bvec * bvec.T / r2
    Minv = P / R + 2 / (R + delta) * (sp.eye(2) - P)
    at = {b1: rho, b2: 0}
    curl = (sp.diff(Minv[1, 1], b1) - sp.diff(Minv[1, 0], b2)).subs(at)
    warp = sp.sqrt(eta_w * (R + delta) / 2)   # eta_w |a| as a function of ||beta||
    curl_warped = (sp.diff(warp * Minv[1, 1], b1) - sp.diff(warp * Minv[1, 0], b2)).subs(at)
    R0 = ib.R_rho()
    return (
        Step(M_beta(bvec) * Minv, sp.eye(2), r"in coordinates, $d = 2$: $M^{-1} = P/\Lambda + 2(I - P)/(\Lambda + \delta)$",
             methods=("cancel", "simplify"), lemma=True),
        Step(curl, -(R0 - delta) / (rho * R0 * (R0 + delta)),
             r"in coordinates, $d = 2$, at $\beta = (\rho, 0)$: $\partial_1 (M^{-1})_{22} - \partial_2 (M^{-1})_{21} "
             r"= -(\Lambda - \delta)/(\rho\Lambda(\Lambda + \delta)) \neq 0$, so $M^{-1}$ is not a Hessian (the "
             r"third derivatives of a potential are symmetric)", rewrite=in_parameters, lemma=True),
        Step(curl_warped, 0,
             r"in coordinates, $d = 2$: with the time warp the defect vanishes, $\eta_w |a|\, M^{-1}$ passes the "
             r"same symmetry test", rewrite=in_parameters, lemma=True),
    )


def derivation():
    al, un = ib.alpha, ib.w_norm
    dphi = sp.Derivative(phi(rho), rho)
    d2phi = sp.Derivative(phi(rho), (rho, 2))
    g = sp.MatrixSymbol("g", d, 1)
    w_dot = sp.MatrixSymbol("w_dot", d, 1)
    dp = {"rewrite": in_parameters}
    beta = sp.MatrixSymbol("beta", d, 1)
    P, M, H = sp.MatrixSymbol("P", d, d), sp.MatrixSymbol("M", d, d), sp.MatrixSymbol("Hess_Phi", d, d)
    I = sp.Identity(d)
    definitions = (
        Definition(Lam, ib.R_rho(), r"$\Lambda(\rho)$, $\rho = \|\beta\|$"),
        Definition(phi(rho), fold(ib.phi()), r"the potential is $\Phi_\delta(\beta) = \phi_\delta(\|\beta\|)$"),
        Definition(w_dot, -eta_w * a * g, r"the flow of $w$, $g = \nabla_\beta \mathcal{L}$"),
        Definition(P, beta * beta.T / sp.Trace(beta.T * beta), r"the projection on $\beta$"),
        Definition(M, Lam * P + (Lam + delta) / 2 * (I - P),
                   r"$\dot\beta = -M\nabla\mathcal{L}$ (paper, Section 3)"),
        Definition(H, d2phi * P + dphi / rho * (I - P),
                   r"the Hessian of $\Phi_\delta$ (lemma \eqref{eq:single_neuron_mirror_flow:hessian})"),
    )
    steps = (
        Step(Lam, eta_w * al**2 + eta_a * un**2,
             r"in the parametrisation $\delta = \eta_w\alpha^2 - \eta_a\|w\|^2$, $\rho = \alpha\|w\|$ ($\alpha = |a|$)",
             rewrite=in_parameters, label="Lambda"),
        Step(dphi, fold(ib.phi_prime()), r"differentiate, in the parametrisation", rewrite=in_parameters,
             label="phi_prime"),
        Step(fold(ib.phi_prime()), un, r"in the parametrisation: $\phi_\delta'(\rho) = \|w\|$", rewrite=in_parameters,
             label="phi_prime_w"),
        Step(phi(rho), al * (3 * eta_a * un**2 - eta_w * al**2) / (3 * eta_a),
             r"in the parametrisation: $\phi_\delta = |a|(2\eta_a\|w\|^2 - \delta)/(3\eta_a)$", rewrite=in_parameters,
             label="phi_parameters"),
        Step(sp.Limit(phi(rho), rho, 0, "+"), -delta ** sp.Rational(3, 2) / (3 * eta_a * sp.sqrt(eta_w)),
             r"$\Lambda \to |\delta|$", given=(delta > 0,), label="phi_at_0_positive"),
        Step(sp.Limit(phi(rho), rho, 0, "+"), 0, r"$\Lambda + \delta \to 0$", given=(delta < 0,),
             label="phi_at_0_negative"),
        Step(sp.Limit(dphi, rho, 0, "+"), sp.sqrt(-delta / eta_a),
             r"a cone point at $\beta = 0$ for $\delta < 0$", uses=("phi_prime",), given=(delta < 0,), label="cone"),
        Step(a * dphi / rho, a / sp.Abs(a),
             r"$\nabla\Phi_\delta(\beta) = \phi_\delta'(\rho)\,\beta/\rho$; at $\beta = a w$ ($\rho = |a|\,\|w\|$, "
             r"$\delta = \eta_w a^2 - \eta_a \|w\|^2$) the coefficient of $w$ is $a/|a|$: "
             r"$\nabla\Phi_\delta(a w) = \operatorname{sign}(a)\, w$", uses=("phi_prime",), rewrite=at_a_w, label="grad"),
    ) + _hessian_lemmas() + (
        Chain(d2phi, (fold(ib.phi_second()), r"differentiate",
                      {"uses": ("phi_prime",), **dp}), label="phi_second"),
        Step(sp.sqrt(eta_w * (Lam + delta) / 2), eta_w * al, r"$\eta_w a^2 = (\Lambda + \delta)/2$",
             rewrite=in_parameters, label="eta_w_a"),
        Step(Lam * d2phi, eta_w * al, r"the radial eigenvalue", uses=("phi_second",), rewrite=in_parameters,
             label="radial"),
        Step((Lam + delta) * dphi / (2 * rho), eta_w * al, r"the tangential eigenvalue", uses=("phi_prime",),
             rewrite=in_parameters, label="tangential"),
        Chain(H * M,
              (Lam * d2phi * P + (Lam + delta) * dphi / (2 * rho) * (I - P), r"$P^2 = P$", {"rewrite": traces}),
              (eta_w * al * P + eta_w * al * (I - P), r"the two eigenvalues", {"uses": ("radial", "tangential")}),
              (eta_w * al * I, r"$P + (I - P) = I_d$"),
              label="hessian_M"),
        Step(a / sp.Abs(a) * w_dot, -eta_w * sp.Abs(a) * g,
             r"on an interval where $a \neq 0$, $\operatorname{sign}(a) = a/|a|$ is constant and "
             r"$\tfrac{d}{dt}\nabla\Phi_\delta(\beta) = \tfrac{d}{dt}(\operatorname{sign}(a) w) = -\eta_w |a|\, g$: "
             r"in the clock $d\tau = \eta_w |a|\, dt$, the mirror flow $\tfrac{d}{d\tau}\nabla\Phi_\delta = "
             r"-\nabla\mathcal{L}$", methods=("simplify",), label="time_warp"),
        # stable forms compiled by the kernels (symrich.single_neuron.bias)
        Step(phi(rho), fold(ib.phi_stable_negative()),
             r"$\sqrt{(\Lambda + \delta)/(2\eta_w)} = \rho\sqrt{2\eta_a/(\Lambda - \delta)}$: the form compiled for "
             r"$\delta < 0$ (no cancellation)", rewrite=in_parameters, label="phi_stable_negative"),
        Step(dphi, fold(ib.phi_prime_stable_positive()),
             r"$\phi_\delta' = \rho\sqrt{2\eta_w/(\Lambda + \delta)}$, free of cancellation for $\delta > 0$",
             uses=("phi_prime",), rewrite=in_parameters, label="phi_prime_stable_positive"),
        Step(d2phi, fold(ib.phi_second_stable_negative()),
             r"$\phi_\delta''$ free of cancellation for $\delta < 0$", uses=("phi_second",), rewrite=in_parameters,
             label="phi_second_stable_negative"),
        Step(dphi / rho, fold(ib.phi_tangential_stable_positive()),
             r"$\phi_\delta'/\rho$, finite at $\rho = 0$ for $\delta > 0$: the form compiled for the gradient",
             uses=("phi_prime",), rewrite=in_parameters, label="phi_tangential_stable_positive"),
        # no potential without the time warp
        Chain(sp.Derivative(2 * rho / (Lam + delta), rho) - 1 / Lam,
              (-(Lam - delta) / (Lam * (Lam + delta)), r"differentiate; in the parametrisation", dp),
              (-eta_a * un**2 / (eta_w * al**2 * Lam), r"in the parametrisation", dp),
              label="radial_defect"),
    ) + _curl_lemmas()
    return Derivation(
        name="single_neuron_mirror_flow",
        title=r"Single neuron: a time-warped mirror flow of a radial potential",
        family="single neuron",
        statement=(
            r"Let $\Phi_\delta(\beta) = \phi_\delta(\|\beta\|)$ with $\phi_\delta'(\rho) = "
            r"\sqrt{(\Lambda(\rho) - \delta)/(2\eta_a)}$, $\Lambda(\rho) = \sqrt{\delta^2 + 4\eta_a\eta_w\rho^2}$. "
            r"Then $\nabla\Phi_\delta(a w) = \operatorname{sign}(a)\, w$ and $\operatorname{Hess}\Phi_\delta(\beta)\, "
            r"M(\beta) = \eta_w |a|\, I$: on an interval where $a \neq 0$, "
            r"$\tfrac{d}{dt}\nabla\Phi_\delta(\beta) = -\eta_w |a|\, \nabla\mathcal{L}(\beta)$, a mirror flow in the "
            r"clock $d\tau = \eta_w|a|\,dt$, for every $X$, $y$, $d$ (paper, Section 3). Without the time warp "
            r"$M^{-1}$ is not a Hessian ($d \geq 2$)."
        ),
        assumptions=(r"$\eta_a, \eta_w > 0$; $\rho = \|\beta\| > 0$; $\delta = \eta_w a^2 - \eta_a \|w\|^2$ "
                     r"(conserved); $M = \Lambda P + \tfrac12(\Lambda + \delta)(I - P)$, $P = \hat\beta\hat\beta^\top$",),
        definitions=definitions,
        steps=steps,
        result=("grad", "hessian_M"),
        requires=REQUIRES,
        notes=(r"The parametrisation $(\alpha, \|w\|) \mapsto (\delta, \rho) = (\eta_w\alpha^2 - \eta_a\|w\|^2, "
               r"\alpha\|w\|)$ is a bijection of $(0, \infty)^2$ onto $\{\rho > 0\}$, so identities proved in it hold "
               r"for every $\delta$ and $\rho > 0$; derivatives in $\rho$ are taken before the substitution. "
               r"Without the time warp a radial potential of $M^{-1}$ would need $\phi'' = 1/\Lambda$ and "
               r"$\phi'/\rho = 2/(\Lambda + \delta)$; the last chain shows these are inconsistent ($\rho > 0$), and by "
               r"rotation equivariance of $M$ (averaging a potential over rotations gives a radial one) no potential "
               r"exists; the $d = 2$ lemmas show the asymmetry directly."),
    )
