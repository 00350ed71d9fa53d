"""Wide linear network: the hyperbolic-entropy mirror flow of aligned singular values, its limits, and its failure off alignment (paper, Section 4).

Aligned case.  $\\Phi_\\delta(\\beta) = \\sum_i q_\\delta(\\sigma_i)$ is a convex spectral function
($q_\\delta'' > 0$, $q_\\delta'$ odd with $q_\\delta'(0) = 0$).  In the aligned frame
$\\nabla\\Phi_\\delta = U q_\\delta'(\\Sigma) V^\\top$, so $\\frac{d}{dt}\\nabla\\Phi_\\delta = U q_\\delta''(\\Sigma)\\dot\\Sigma V^\\top$,
and $q_\\delta''(\\sigma)\\dot\\sigma = -(\\sigma - s)$ makes this $-U(\\Sigma - S)V^\\top = -\\nabla\\mathcal{L}$:
an exact mirror flow.  $q_\\delta$ depends on $\\delta$ only through $|\\delta|$, so the limits
are taken for $\\delta > 0$, at fixed $x > 0$, with the order of each remainder stated as a limit.

Not a mirror flow without alignment.  The operator of Theorem 4.2,
$T_\\beta(G) = (S_d - \\delta/2)G + G(S_c + \\delta/2)$ with $S_d = \\sqrt{\\eta\\beta\\beta^\\top + \\delta^2/4}$ and
$S_c = \\sqrt{\\eta\\beta^\\top\\beta + \\delta^2/4}$, commutes with $\\beta \\mapsto O_1 \\beta O_2^\\top$; if $T^{-1} = \\nabla^2\\Phi$ for some $\\Phi$, every rotated
$\\Phi$ has the same Hessian field, so their average, a spectral potential $\\sum_i q(\\sigma_i)$, would
do.  In the singular frame $T$ multiplies the $(i, j)$ coordinate by $r_i + r_j$, while the
Hessian of a spectral function acts on the diagonal by $q''(\\sigma_i)$ and on the antisymmetric
part of the $(i, j)$ block by $(q'_i + q'_j)/(\\sigma_i + \\sigma_j)$.  The diagonal forces $q'' = 1/(2r)$,
hence $q' = q_\\delta'$ ($q'$ is odd: $T$ is defined at $\\sigma = 0$ with both signs, so there is no
constant).  At $\\sigma_i = \\sigma_j = x$ the antisymmetric factor must then be $1/(2r)$, i.e.
$q_\\delta'(x)\\, 2r(x)/x = 1$; the last steps show that this ratio is $\\operatorname{asinh}(z)\\sqrt{1 + z^2}/z$
with $z = 2\\sqrt{\\eta}x/|\\delta|$, which exceeds 1 for every $z > 0$ (its numerator minus $z/\\sqrt{1 + z^2}$
vanishes at 0 and has a positive derivative).  So no potential exists as soon as two singular
values are nonzero and the flow leaves the aligned set.
"""

import sympy as sp

from symrich.engine import Chain, Definition, Derivation, Step
from symrich.engine.prepare import fold
from symrich.symbolic.symbols import delta, eta, eta_a, eta_w, s
from symrich.symbolic.wide_linear import q_delta, q_delta_prime, q_delta_second, sigma, sigma_rate

ORDER = 230
REQUIRES = ()


def derivation():
    x = sp.Symbol("x", positive=True)
    y = sp.Symbol("y", real=True)
    z = sp.Symbol("z", positive=True)
    q, r = sp.Function("q_delta"), sp.Function("r")
    definitions = [Definition(eta, eta_a * eta_w)]
    definitions += [Definition(q(x), fold(q_delta(x, delta), definitions), "the hyperbolic entropy"),
                    Definition(r(x), fold(sp.sqrt(eta_a * eta_w * x**2 + delta**2 / 4), definitions),
                               r"$T_\beta$ multiplies the singular direction of $\sigma = x$ by $2r(x)$")]

    def named(expr):
        return fold(expr, definitions)

    se = sp.sqrt(eta)
    dq = sp.Derivative(q(x), x)
    d2q = sp.Derivative(q(x), (x, 2))
    sigma_dot = sp.Symbol("sigma_dot")
    definitions.append(Definition(sigma_dot, named(sigma_rate(sigma, s, delta)),
                                  "the rate of an aligned singular value"))
    positive = (delta > 0,)
    nuclear_lead = (x / (2 * se)) * (sp.log(4 * se * x / delta) - 1)
    steps = (
        Step(dq, named(q_delta_prime(x, delta)), "differentiate", methods=("expand", "cancel", "simplify"),
             label="q1"),
        Chain(d2q, (named(q_delta_second(x, delta)), "differentiate again", {"methods": ("expand", "cancel", "simplify")}),
              (1 / (2 * r(x)), r"definition of $r$: $q_\delta'' > 0$, $\Phi_\delta$ is convex"), label="q2"),
        Step(sp.Subs(dq, x, 0), 0, r"$q_\delta'(0) = 0$", label="q1_zero"),
        Step(q(-y), q(y), r"$q_\delta$ is even ($q_\delta'$ is odd): $\Phi_\delta$ depends on the $|\sigma_i|$ only",
             label="even"),
        Chain(sp.Derivative(q(sigma), (sigma, 2)) * sigma_dot,
              (sp.Mul(1 / (2 * r(sigma)), -2 * r(sigma) * (sigma - s), evaluate=False),
               r"$q_\delta''(\sigma) = 1/(2 r(\sigma))$ and $\dot\sigma = -2 r(\sigma)(\sigma - s)$", {"uses": (("q2", {x: sigma}),)}),
              (-(sigma - s), "cancel"), label="mirror"),
        Step(sp.Limit(q(x) / (sp.log(1 / delta) / (2 * se)), delta, 0), x,
             r"$\delta \to 0$: $q_\delta(x) \sim \log(1/|\delta|)\, x/(2\sqrt{\eta})$, so "
             r"$\Phi_\delta / (\log(1/|\delta|)/(2\sqrt{\eta})) \to \|\beta\|_*$ (nuclear norm)",
             given=positive, label="nuclear"),
        Step(sp.Limit((q(x) - nuclear_lead) / delta**2, delta, 0), -1 / (32 * eta**sp.Rational(3, 2) * x),
             r"the remainder: $q_\delta(x) = \frac{x}{2\sqrt{\eta}}\bigl(\log\frac{4\sqrt{\eta}x}{|\delta|} - 1\bigr) "
             r"- \frac{\delta^2}{32\eta^{3/2}x} + o(\delta^2)$", given=positive, label="nuclear_remainder"),
        Step(sp.Limit(delta * (q(x) + delta / (4 * eta)), delta, sp.oo), x**2 / 2,
             r"$|\delta| \to \infty$: $q_\delta(x) = \frac{x^2}{2|\delta|} - \frac{|\delta|}{4\eta} + o(1/|\delta|)$, so "
             r"$\Phi_\delta \approx \|\beta\|_F^2/(2|\delta|)$ + const (Frobenius)", given=positive, label="frobenius"),
        Step(sp.Limit(delta**3 * (q(x) - x**2 / (2 * delta) + delta / (4 * eta)), delta, sp.oo), -eta * x**4 / 6,
             r"the next term is $-\eta x^4/(6|\delta|^3)$", given=positive, label="frobenius_remainder"),
        Step(sp.Limit((dq - sp.Derivative(q(y), y)) / (x - y), y, x), d2q,
             r"symmetric block factor at $\sigma_i = \sigma_j$: $(q'_i - q'_j)/(\sigma_i - \sigma_j) \to q_\delta''$, "
             r"consistent with $T_\beta$", uses=("q2", "q1", ("q1", {x: y})), methods=("expand", "cancel"),
             label="symmetric_block"),
        Step(sp.Subs(dq * 2 * r(x) / x, x, z * sp.Abs(delta) / (2 * se)), sp.asinh(z) * sp.sqrt(1 + z**2) / z,
             r"antisymmetric block factor at $\sigma_i = \sigma_j = x$ times the factor $2r(x)$ of $T_\beta$, with "
             r"$z = 2\sqrt{\eta}x/|\delta|$", uses=("q1",), methods=("expand", "simplify"), label="antisymmetric_block"),
        Step(sp.Derivative(sp.asinh(z) - z / sp.sqrt(1 + z**2), z), z**2 / (1 + z**2) ** sp.Rational(3, 2),
             r"$\operatorname{asinh}(z) - z/\sqrt{1 + z^2}$ vanishes at 0 and increases: the ratio exceeds 1 for "
             r"$z > 0$", methods=("cancel", "simplify"), label="ratio_exceeds_one"),
    )
    return Derivation(
        name="wide_linear_mirror_flow",
        title="Wide linear network: the hyperbolic-entropy mirror flow and its limits",
        family="wide linear",
        statement=(
            r"In the aligned setting the singular-value flow is the mirror flow "
            r"$\frac{d}{dt}\nabla\Phi_\delta(\beta) = -\nabla\mathcal{L}(\beta)$ of $\Phi_\delta(\beta) = \sum_i q_\delta(\sigma_i)$, "
            r"$q_\delta(x) = \bigl[x\operatorname{asinh}(2\sqrt{\eta}x/|\delta|) - \sqrt{x^2 + \delta^2/(4\eta)}\bigr]/(2\sqrt{\eta})$: "
            r"$q_\delta''(\sigma)\dot\sigma = -(\sigma - s)$. Here $\eta = \eta_a\eta_w$, and $T_\beta$ is the "
            r"operator $G \mapsto \eta_a W^\top W G + \eta_w G A^\top A$ of the flow $\dot\beta = -T_\beta\nabla\mathcal{L}(\beta)$ "
            r"(the derivation of the conservation law of the wide network); on an aligned singular pair it multiplies "
            r"by $2r(\sigma)$, $r(x) = \sqrt{\eta x^2 + \delta^2/4}$. As $\delta \to 0$, "
            r"$\Phi_\delta / (\log(1/|\delta|)/(2\sqrt{\eta})) \to \|\beta\|_*$ (nuclear norm), remainder $O(\delta^2)$ "
            r"after the $x\log x$ term; as $|\delta| \to \infty$, $\Phi_\delta = \|\beta\|_F^2/(2|\delta|) + "
            r"\text{const} + O(|\delta|^{-3})$. Without aligned singular vectors the flow is not a mirror flow for any "
            r"potential."
        ),
        assumptions=(r"$X^\top X = I_d$", r"$\Delta = \delta I_h$ with (C), $\delta \ne 0$", "aligned singular frames",
                     r"learning rates $\eta_a, \eta_w > 0$"),
        definitions=tuple(definitions),
        steps=steps,
        result=("mirror", "nuclear", "frobenius"),
        requires=REQUIRES,
        notes=__doc__.split("\n\n", 1)[1].strip(),
    )
