"""Two-layer piecewise-linear network: each $\\delta_k = \\eta_w a_k^2 - \\eta_a \\|w_k\\|^2$ is conserved (paper, Section 5).

The only property of the activation that is used is Euler's identity for positively homogeneous
functions, $\\sigma(z) = \\sigma'(z)\\, z$.  It is proved for the two-slope activation
$\\sigma_\\alpha$ of every slope $\\alpha$ (ReLU $\\alpha = 0$, leaky ReLU $0 < \\alpha < 1$, absolute
value $\\alpha = -1$) on the whole line, and at the kink for any value given to $\\sigma'(0)$, since
$\\sigma_\\alpha(0) = 0$.  Where the activation pattern $c_{ki} = \\sigma'(w_k^\\top x_i)$ is constant,
$\\sigma(X w_k) = D_k X w_k$ with $D_k = \\operatorname{diag}(c_k)$, and neuron $k$ follows the
single-neuron flow with $g_k = X^\\top D_k r$ in place of $g$; the other neurons enter only through
their outputs $o$.  $\\delta_k$ is conserved by the same cancellation as for the single neuron.
Since Euler's identity also holds at $z = 0$, $\\delta_k$ is conserved across changes of the
pattern (the flow is absolutely continuous in time and the identity holds for almost every $t$).
The lemmas check, in coordinates, the chain rule for an undefined differentiable $\\sigma$ and the
conservation with each activation substituted.
"""

from dataclasses import dataclass

import sympy as sp

from symrich.engine import Chain, Definition, Derivation, Step
from symrich.engine.calculus import ddt, partial
from symrich.engine.rewrites import scalar_transposes
from symrich.symbolic.piecewise_linear import alpha, dsigma, native_activation, network_components, sigma, z
from symrich.symbolic.symbols import a, d, eta_a, eta_w, n, t

ORDER = 300
REQUIRES = ()

#: the activation pattern ``D_k = diag(c_k)`` of one neuron (diagonal, so ``D^T = D``)
D = sp.MatrixSymbol("D", n, n)


def symmetric_pattern(expr):
    """``scalar_transposes`` (a 1 x 1 product equals its transpose), with ``D^T = D`` (the pattern is diagonal)."""
    for _ in range(2):
        expr = scalar_transposes(expr).xreplace({D.T: D})
    return expr


#: the named activations and their slope on z < 0 (a symbol for the leaky ReLU)
_ACTIVATIONS = (("ReLU", "relu", sp.S.Zero), ("leaky ReLU", "leaky_relu", sp.Symbol("alpha", positive=True)),
                ("absolute value", "abs", -sp.S.One))


@dataclass(frozen=True)
class NeuronSetting:
    r"""The named quantities of one neuron $k$ of the two-layer piecewise-linear network, and their definitions.

    Attributes
    ----------
    w, X, y, o : MatrixSymbol
        First-layer weights $w_k$ ($d \times 1$), data, targets, the other neurons' outputs ($n \times 1$).
    r, g, L, a_dot, w_dot, delta_k : MatrixSymbol
        Named residuals, $g_k$, loss, gradient flow and $\delta_k$ ($1 \times 1$ where scalar).
    sigma_a : sympy Function
        The named activation $\sigma_\alpha$.
    symmetric : Equality
        The hypothesis $D^\top = D$ (the pattern is diagonal).
    definitions : tuple of Definition

    Examples
    --------
    >>> s = neuron_setting()
    >>> s.flow[a] == s.a_dot, len(s.definitions)
    (True, 7)
    """

    w: sp.MatrixSymbol
    X: sp.MatrixSymbol
    y: sp.MatrixSymbol
    o: sp.MatrixSymbol
    r: sp.MatrixSymbol
    g: sp.MatrixSymbol
    L: sp.MatrixSymbol
    a_dot: sp.MatrixSymbol
    w_dot: sp.MatrixSymbol
    delta_k: sp.MatrixSymbol
    sigma_a: object
    symmetric: object
    definitions: tuple

    @property
    def flow(self):
        """``{a: a_dot, w: w_dot}``, the velocities for :func:`symrich.engine.calculus.ddt`."""
        return {a: self.a_dot, self.w: self.w_dot}


def neuron_setting() -> NeuronSetting:
    """One neuron's named quantities (symbols of :mod:`symrich.symbolic.piecewise_linear`).

    Examples
    --------
    >>> [str(d.name) for d in neuron_setting().definitions]
    ['r', 'g', 'L', 'a_dot', 'w_dot', 'delta_k', 'sigma_alpha(z)']
    """
    w, X, y, o = sp.MatrixSymbol("w", d, 1), sp.MatrixSymbol("X", n, d), sp.MatrixSymbol("y", n, 1), sp.MatrixSymbol("o", n, 1)
    r, g = sp.MatrixSymbol("r", n, 1), sp.MatrixSymbol("g", d, 1)
    L = sp.MatrixSymbol("L", 1, 1)
    a_dot, w_dot = sp.MatrixSymbol("a_dot", 1, 1), sp.MatrixSymbol("w_dot", d, 1)
    delta_k = sp.MatrixSymbol("delta_k", 1, 1)
    sigma_a = sp.Function("sigma_alpha")
    definitions = (
        Definition(r, a * D * X * w + o - y, r"residuals: $a\sigma(X w) = a D X w$ (Euler), $o$ the other neurons' outputs"),
        Definition(g, X.T * D * r, r"$g_k = \sum_i c_{ki} r_i x_i$"),
        Definition(L, (r.T * r) / 2, "loss"),
        Definition(a_dot, -eta_a * partial(L, a), "gradient flow"),
        Definition(w_dot, -eta_w * partial(L, w)),
        Definition(delta_k, eta_w * a**2 * sp.Identity(1) - eta_a * w.T * w),
        Definition(sigma_a(z), sigma(z, alpha), r"the activation, slope $\alpha$ on $z \le 0$"),
    )
    return NeuronSetting(w, X, y, o, r, g, L, a_dot, w_dot, delta_k, sigma_a, sp.Eq(D.T, D), definitions)


def derivation():
    ns = neuron_setting()
    w, g, a_dot, w_dot, delta_k, sigma_a = ns.w, ns.g, ns.a_dot, ns.w_dot, ns.delta_k, ns.sigma_a
    L, flow, symmetric, definitions = ns.L, ns.flow, ns.symmetric, ns.definitions
    p, q = sp.Symbol("z_+", positive=True), sp.Symbol("z_-", negative=True)
    steps = (
        Step(sp.Derivative(sigma_a(z), z), dsigma(z, alpha), r"differentiate (SymPy), with $\sigma'_\alpha(0) = \alpha$",
             label="derivative"),
        Step(sp.Derivative(sigma_a(z), z) * z, sigma_a(z), r"Euler's identity, on the whole line",
             rewrite="piecewise_fold", methods=("expand", "simplify"), label="euler"),
        Step(sigma_a(0), 0, r"at the kink: Euler's identity $s_0 \cdot 0 = \sigma_\alpha(0)$ holds for any value $s_0$ "
             r"given to $\sigma'_\alpha(0)$", label="kink"),
    ) + tuple(_native_lemma(title, name, slope, p, q) for title, name, slope in _ACTIVATIONS) + (
        Step(partial(L, a), w.T * g, r"matrix calculus, $D_k$ diagonal; $g^\top w = w^\top g$", given=(symmetric,),
             rewrite=symmetric_pattern, label="grad_a"),
        Step(partial(L, w), a * g, r"matrix calculus, $D_k$ diagonal", given=(symmetric,), label="grad_w"),
        Chain(ddt(delta_k, flow),
              (2 * eta_w * a * a_dot - eta_a * (w_dot.T * w + w.T * w_dot), "chain rule"),
              (2 * eta_w * a * (-eta_a * w.T * g) - eta_a * ((-eta_w * a * g).T * w + w.T * (-eta_w * a * g)),
               r"the gradient flow $\dot a_k = -\eta_a \partial_{a_k}\mathcal{L}$, $\dot w_k = -\eta_w \nabla_{w_k}\mathcal{L}$",
               {"uses": ("grad_a", "grad_w")}),
              (sp.ZeroMatrix(1, 1), r"$g^\top w = w^\top g$", {"rewrite": symmetric_pattern}),
              given=(symmetric,), label="conserved"),
    ) + _components_lemmas() + (_activation_lemma(),)
    return Derivation(
        name="piecewise_linear_conservation",
        title=r"Two-layer piecewise-linear network: the conserved $\delta_k$ of each neuron",
        family="piecewise linear",
        statement=(
            r"For $f(x) = \sum_k a_k \sigma(w_k^\top x)$ with $\sigma$ positively homogeneous and piecewise linear "
            r"(ReLU, leaky ReLU, absolute value), along the gradient flow of "
            r"$\mathcal{L} = \tfrac12 \sum_i (f(x_i) - y_i)^2$ each $\delta_k = \eta_w a_k^2 - \eta_a \|w_k\|^2$ is "
            r"constant, for any data and any width, also across changes of the activation pattern."
        ),
        assumptions=(r"$X \in \mathbb{R}^{n \times d}$, $y \in \mathbb{R}^n$ arbitrary; $d$, $n$ symbolic",
                     r"learning rates $\eta_a, \eta_w > 0$",
                     r"$\sigma_\alpha(z) = z$ for $z > 0$, $\alpha z$ for $z \le 0$; $\alpha = 0$, $0 < \alpha < 1$, $-1$",
                     r"$a = a_k$, $w = w_k$ of one neuron; $D = D_k = \operatorname{diag}(c_k)$ its activation pattern"),
        definitions=definitions,
        steps=steps,
        result="conserved",
        requires=REQUIRES,
        notes=__doc__.split("\n\n", 1)[1].strip(),
    )


def _native_lemma(title, name, slope, p, q):
    """Lemma: the two-slope form is the named activation, on each side of the kink."""
    domain = {slope: (0.01, 0.99)} if isinstance(slope, sp.Symbol) else {}
    return Step(sp.Matrix([sigma(p, slope), sigma(q, slope)]),
                sp.Matrix([native_activation(name, p, slope), native_activation(name, q, slope)]),
                rf"{title}: $\sigma_\alpha$ with "
                + {"relu": r"$\alpha = 0$ is SymPy's $\max(z, 0)$", "leaky_relu": r"$0 < \alpha < 1$ is $\max(z, \alpha z)$",
                   "abs": r"$\alpha = -1$ is SymPy's $|z|$"}[name] + r" at $z = z_+ > 0$ and at $z = z_- < 0$ (both are $0$ at $z = 0$)",
                lemma=True, domain=domain)


def _components_lemmas(K=2, samples=2, dim=2):
    """Lemmas: for an undefined sigma, the chain rule gives the Euler defect."""
    net = network_components(K, samples, dim)
    out = []
    for k in range(K):
        rate = sp.diff(net.delta[k], t).subs(net.flow)
        defect = sum(net.r[i] * (net.dsig(net.z[k, i]) * net.z[k, i] - net.sigma(net.z[k, i])) for i in range(samples))
        out.append(Step(rate, 2 * eta_a * eta_w * net.a[k] * defect,
                        rf"in coordinates, $K = n = d = 2$, $\sigma$ any differentiable function: SymPy's chain rule "
                        rf"gives $\dot\delta_{k + 1} = 2\eta_a\eta_w a_{k + 1} \sum_i r_i \bigl(\sigma'(z_{{{k + 1}i}})\, "
                        rf"z_{{{k + 1}i}} - \sigma(z_{{{k + 1}i}})\bigr)$, $z_{{{k + 1}i}} = w_{k + 1}^\top x_i$, which "
                        r"Euler's identity sets to 0", lemma=True, methods=("expand",)))
    return tuple(out)


def _activation_lemma(K=2, samples=2, dim=2):
    """Lemma: with the two-slope activation substituted (any slope), ``d/dt delta_1 = 0`` in coordinates."""
    net = network_components(K, samples, dim, activation=lambda x: sigma(x, alpha))
    return Step(sp.diff(net.delta[0], t).subs(net.flow), sp.S.Zero,
                r"in coordinates ($K = n = d = 2$), with $\sigma_\alpha$ substituted for any slope $\alpha$ (ReLU, "
                r"leaky ReLU and absolute value included): $\dot\delta_1 = 0$",
                lemma=True, rewrite="piecewise_fold", methods=("expand",))
