"""Two-layer piecewise-linear network: $\\beta_k = a_k w_k$ obeys the single-neuron flow with $g_k = X^\\top D_k r$ (paper, Section 5).

Per neuron the parameter flow is the single-neuron flow (derivation of the conservation laws of this network:
$\\partial_{a_k}\\mathcal{L} = w_k^\\top g_k$, $\\nabla_{w_k}\\mathcal{L} = a_k g_k$) with the neuron's own $g_k$
in place of the single neuron's $g$, so the product rule gives $\\dot\\beta_k = -M_k g_k$ with the
single-neuron $M = \\eta_a w w^\\top + \\eta_w a^2 I$.  The single-neuron identity
$M(a, w) = \\tfrac{\\Lambda + \\delta}{2} I + \\tfrac{\\Lambda - \\delta}{2}\\hat\\beta\\hat\\beta^\\top$ is an identity in
$(a, w)$ alone, which does not involve $g$; it applies with $\\delta = \\delta_k$ and is checked here
for $d = 2, 3$.

To close the system in $\\beta$: Euler's identity gives $a_k \\sigma(w_k^\\top x_i) = c_{ki}\\, \\beta_k^\\top x_i$,
and the pattern is a function of $\\beta_k$ because $\\sigma'$ is 0-homogeneous ($\\sigma'(\\lambda z) =
\\sigma'(z)$ for $\\lambda > 0$) and $w_k^\\top x = \\operatorname{sign}(a_k)\\, \\beta_k^\\top x / |a_k|$:
$c_{ki} = \\sigma'(\\operatorname{sign}(a_k)\\, \\beta_k^\\top x_i)$.  The last lemmas compare, in coordinates
($K = n = d = 2$, symbolic pattern $c_{ki}$), the parameter flow with the closed system in $\\beta$.
"""

import sympy as sp

from symrich.derivations.piecewise_linear_conservation import neuron_setting
from symrich.engine import Chain, Definition, Derivation, Step
from symrich.engine.calculus import ddt
from symrich.symbolic.piecewise_linear import pattern_flow, z
from symrich.symbolic.single_neuron import M_beta, M_parameters, conserved_delta
from symrich.symbolic.symbols import a, eta_a, eta_w, vector

ORDER = 310
REQUIRES = ("piecewise_linear_conservation",)


def derivation():
    ns = neuron_setting()
    w, g, sigma_a = ns.w, ns.g, ns.sigma_a
    dim = w.shape[0]
    beta, M = sp.MatrixSymbol("beta_k", dim, 1), sp.MatrixSymbol("M_k", dim, dim)
    definitions = ns.definitions + (
        Definition(beta, a * w),
        Definition(M, M_parameters(a, w), r"the single neuron's $M$ at neuron $k$"),
    )
    hypothesis = (ns.symmetric,)
    lam, p, q = sp.Symbol("lambda", positive=True), sp.Symbol("p", positive=True), sp.Symbol("q", negative=True)
    a_nz = sp.Symbol("a_k", real=True, nonzero=True)
    d_sigma = sp.Derivative(sigma_a(z), z)
    steps = (
        Chain(ddt(beta, ns.flow),
              (w * ns.a_dot + a * ns.w_dot, "product rule"),
              (-eta_a * w * w.T * g - eta_w * a**2 * g, r"the gradient flow; $w^\top g$ is a scalar",
               {"uses": ("piecewise_linear_conservation:grad_a", "piecewise_linear_conservation:grad_w")}),
              (-M * g, r"definition of $M_k$"),
              given=hypothesis, label="beta_flow"),
        *(_m_lemma(k) for k in (2, 3)),
        Step(a * sigma_a(z), d_sigma * (a * z),
             r"Euler's identity times $a_k$: $a_k \sigma(w_k^\top x_i) = c_{ki}\, \beta_k^\top x_i$, so "
             r"$f(x_i) = \sum_k c_{ki} \beta_k^\top x_i$", rewrite="piecewise_fold", methods=("expand", "simplify"),
             label="outputs"),
        Step(sp.Matrix([sp.Subs(d_sigma, z, lam * p), sp.Subs(d_sigma, z, lam * q)]),
             sp.Matrix([sp.Subs(d_sigma, z, p), sp.Subs(d_sigma, z, q)]),
             r"$\sigma'_\alpha$ is 0-homogeneous: $\sigma'_\alpha(\lambda z) = \sigma'_\alpha(z)$ for $\lambda > 0$, on "
             r"$z = p > 0$ and on $z = q < 0$", label="homogeneous"),
        Step(sp.sign(a_nz) * (a_nz * z) / sp.Abs(a_nz), z,
             r"$w_k^\top x = \operatorname{sign}(a_k)\, \beta_k^\top x / |a_k|$ for $a_k \ne 0$, so "
             r"$c_{ki} = \sigma'(\operatorname{sign}(a_k)\, \beta_k^\top x_i)$", methods=("simplify",), label="pattern"),
    ) + _components_lemmas()
    return Derivation(
        name="piecewise_linear_beta_flow",
        title=r"Two-layer piecewise-linear network: the flow of $\beta_k = a_k w_k$",
        family="piecewise linear",
        statement=(
            r"Wherever the activation pattern $c_{ki} = \sigma'(w_k^\top x_i)$ is constant, $\beta_k = a_k w_k$ obeys "
            r"$\dot\beta_k = -M_k g_k$, $g_k = \sum_i c_{ki} r_i x_i$, where "
            r"$M_k = \eta_a w_k w_k^\top + \eta_w a_k^2 I = \tfrac{\Lambda_k + \delta_k}{2} I + "
            r"\tfrac{\Lambda_k - \delta_k}{2} \hat\beta_k \hat\beta_k^\top$ is the single neuron's $M$ with $\delta_k$ "
            r"and $\Lambda_k = \sqrt{\delta_k^2 + 4\eta_a\eta_w\|\beta_k\|^2}$; $f(x_i) = \sum_k c_{ki} \beta_k^\top x_i$ "
            r"and $c_{ki} = \sigma'(\operatorname{sign}(a_k)\, \beta_k^\top x_i)$, so the system is closed in "
            r"$(\beta_k, \delta_k, \operatorname{sign} a_k)$."
        ),
        assumptions=(r"$X$, $y$ arbitrary", r"learning rates $\eta_a, \eta_w > 0$",
                     r"$a = a_k$, $w = w_k$, $g = g_k$ of one neuron; $D = D_k = \operatorname{diag}(c_k)$ its pattern",
                     "activation pattern constant on the time interval",
                     r"$a_k \ne 0$ for the pattern in terms of $\beta_k$, $\beta_k \ne 0$ for $M_k$ in terms of $\beta_k$"),
        definitions=definitions,
        steps=steps,
        result="beta_flow",
        requires=REQUIRES,
        notes=__doc__.split("\n\n", 1)[1].strip(),
    )


def _m_lemma(dim):
    """Lemma: ``M(a, w) = M(beta, delta)`` at neuron k, explicit ``d``."""
    w = vector("w", dim)
    delta_k = conserved_delta(a, (w.T * w)[0, 0])
    return Step(M_parameters(a, w), M_beta(a * w, delta_k),
                rf"$d = {dim}$: $\eta_a w_k w_k^\top + \eta_w a_k^2 I = \tfrac{{\Lambda_k + \delta_k}}{{2}} I + "
                r"\tfrac{\Lambda_k - \delta_k}{2} \hat\beta_k \hat\beta_k^\top$ with $\delta_k = \eta_w a_k^2 - "
                r"\eta_a\|w_k\|^2$, $\beta_k = a_k w_k$ (the single-neuron identity)",
                lemma=True, rewrite="factor_radicands", methods=("cancel", "simplify"))


def _components_lemmas(K=2, samples=2, dim=2):
    """Lemmas: in coordinates, the parameter flow of beta_k equals the closed beta system."""
    pf = pattern_flow(K, samples, dim)
    rhs = dict(zip(pf.state, pf.rhs))
    betas = [sp.Matrix([pf.A[k] * pf.W[k, j] for j in range(dim)]) for k in range(K)]
    # residuals in the beta variables: f(x_i) = sum_k c_ki beta_k^T x_i
    r_beta = [sum(pf.C[k, i] * (betas[k].T * pf.X[i, :].T)[0, 0] for k in range(K)) - pf.y[i, 0] for i in range(samples)]
    out = []
    for k in range(K):
        wk = sp.Matrix([pf.W[k, j] for j in range(dim)])
        beta_dot = sp.Matrix([rhs[pf.A[k]] * pf.W[k, j] + pf.A[k] * rhs[pf.W[k, j]] for j in range(dim)])
        g_k = sp.Matrix([sum(pf.C[k, i] * r_beta[i] * pf.X[i, j] for i in range(samples)) for j in range(dim)])
        delta_k = conserved_delta(pf.A[k], (wk.T * wk)[0, 0])
        out.append(Step(beta_dot, -M_beta(betas[k], delta_k) * g_k,
                        rf"in coordinates ($K = n = d = 2$, pattern $c_{{ki}}$ symbolic): $\dot\beta_{k + 1}$ from the "
                        rf"parameter flow equals $-M(\beta_{k + 1}, \delta_{k + 1}) \sum_i c_{{{k + 1}i}} r_i x_i$ with "
                        r"$r_i = \sum_k c_{ki} \beta_k^\top x_i - y_i$",
                        lemma=True, rewrite="factor_radicands", methods=("cancel",)))
    return tuple(out)
