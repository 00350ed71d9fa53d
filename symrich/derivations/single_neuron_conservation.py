"""Single neuron: the conserved quantity $\\delta = \\eta_w a^2 - \\eta_a \\|w\\|^2$ (paper, Section 3).

Coordinate-free: $w$ is a $d \\times 1$ matrix symbol and $X$ an $n \\times d$ matrix
symbol with $d$, $n$ symbolic, so every step holds for every dimension and for
general (not whitened) data.  Which quadratic form $c_a a^2 + c_w \\|w\\|^2$ is
conserved is derived, not assumed: its time derivative is a multiple of
$c_a \\eta_a + c_w \\eta_w$.
"""

import sympy as sp

from symrich.engine import Chain, Definition, Derivation, Step
from symrich.engine.calculus import ddt, partial
from symrich.symbolic.symbols import a, d, eta_a, eta_w, matrix, n, t, vector
from symrich.symbolic.single_neuron import conserved_delta

ORDER = 10
REQUIRES = ()


def derivation():
    w = sp.MatrixSymbol("w", d, 1)
    X = sp.MatrixSymbol("X", n, d)
    y = sp.MatrixSymbol("y", n, 1)
    r = sp.MatrixSymbol("r", n, 1)
    g = sp.MatrixSymbol("g", d, 1)
    L = sp.MatrixSymbol("L", 1, 1)
    a_dot = sp.MatrixSymbol("a_dot", 1, 1)
    w_dot = sp.MatrixSymbol("w_dot", d, 1)
    delta = sp.MatrixSymbol("delta", 1, 1)
    c_a, c_w = sp.symbols("c_a c_w", real=True)
    flow = {a: a_dot, w: w_dot}
    one = sp.Identity(1)
    definitions = (
        Definition(r, y - a * X * w, "residual"),
        Definition(g, X.T * r),
        Definition(L, (r.T * r) / 2, "loss"),
        Definition(a_dot, -eta_a * partial(L, a), "gradient flow"),
        Definition(w_dot, -eta_w * partial(L, w)),
        Definition(delta, eta_w * a**2 * one - eta_a * w.T * w),
    )
    wg = w.T * g
    steps = (
        Step(partial(L, a), -wg, r"matrix calculus; $g^\top w = w^\top g$ (a scalar)", label="grad_a",
             rewrite="scalar_transposes"),
        Step(partial(L, w), -a * g, "matrix calculus", label="grad_w"),
        Chain(ddt(c_a * a**2 * one + c_w * w.T * w, flow),
              (2 * c_a * a * a_dot + c_w * (w_dot.T * w + w.T * w_dot), "chain rule"),
              (2 * c_a * a * eta_a * wg + c_w * ((eta_w * a * g).T * w + w.T * (eta_w * a * g)),
               r"the gradient flow $\dot a = -\eta_a \partial_a \mathcal{L}$, $\dot w = -\eta_w \nabla_w \mathcal{L}$",
               {"uses": ("grad_a", "grad_w")}),
              (2 * a * (c_a * eta_a + c_w * eta_w) * wg, r"$g^\top w = w^\top g$", {"rewrite": "scalar_transposes"}),
              label="quadratic"),
        Step(ddt(delta, flow), sp.ZeroMatrix(1, 1), r"the form with $c_a \eta_a + c_w \eta_w = 0$",
             uses=(("quadratic", {c_a: eta_w, c_w: -eta_a}),), label="conserved"),
    ) + tuple(_components_check(dim) for dim in (1, 2, 3))
    return Derivation(
        name="single_neuron_conservation",
        title=r"Single neuron: the conserved quantity $\delta$",
        family="single neuron",
        statement=(
            r"Let $f(x) = a\, w^\top x$ and $\mathcal{L}(a, w) = \tfrac12 \|y - a X w\|^2$. Along the gradient flow "
            r"$\dot a = -\eta_a \partial_a \mathcal{L}$, $\dot w = -\eta_w \nabla_w \mathcal{L}$ the quantity "
            r"$\delta = \eta_w a^2 - \eta_a \|w\|^2$ is constant, for any data and any dimension; it is, up to a "
            r"factor, the only conserved form $c_a a^2 + c_w \|w\|^2$."
        ),
        assumptions=(r"$X \in \mathbb{R}^{n \times d}$, $y \in \mathbb{R}^n$ arbitrary, $d$ and $n$ symbolic",
                     r"learning rates $\eta_a, \eta_w > 0$"),
        definitions=definitions,
        steps=steps,
        result="conserved",
        requires=REQUIRES,
        notes=(r"$w$ and $X$ are matrix symbols of symbolic size, so the proof covers every $d$ and $n$. "
               r"The lemmas check the same statement in coordinates, where SymPy differentiates an explicit network."),
    )


def _components_check(dim, samples=2):
    """Lemma: in coordinates, ``d/dt delta = 0`` along the gradient flow of an explicit network."""
    X, y = matrix("X", samples, dim), vector("y", samples)
    a_t = sp.Function("a", real=True)(t)
    w_t = sp.Matrix([sp.Function(f"w_{i + 1}", real=True)(t) for i in range(dim)])
    res = X * (a_t * w_t) - y
    loss = (res.T * res)[0, 0] / 2
    flow = {sp.Derivative(a_t, t): -eta_a * sp.diff(loss, a_t)}
    flow.update({sp.Derivative(wi, t): -eta_w * sp.diff(loss, wi) for wi in w_t})
    delta_t = conserved_delta(a_t, (w_t.T * w_t)[0, 0])
    return Step(sp.diff(delta_t, t).subs(flow), sp.S.Zero,
                rf"in coordinates, $d = {dim}$, $n = {samples}$: SymPy differentiates $\delta(t)$ of an explicit "
                r"network with data $X_{ij}$, $y_i$ along its gradient flow, and $\dot\delta = 0$",
                lemma=True)
