"""Single neuron: the conservation law ``delta = eta_w a^2 - eta_a ||w||^2``, derived from the flow.

Coordinate-free: ``w`` is a ``d x 1`` matrix symbol and ``X`` an ``n x d``
matrix symbol with ``d``, ``n`` symbolic, so every step holds for every
dimension and for general (not whitened) data.  The conserved quadratic form is
not assumed: we ask which ``c_a a^2 + c_w ||w||^2`` is conserved, and solve.
"""

import sympy as sp

from symrich.engine import Derivation, Step
from symrich.symbolic.single_neuron import conserved_delta, parameter_flow
from symrich.symbolic.symbols import a, eta_a, eta_w, matrix, t, vector

ORDER = 10


def derivation():
    f = parameter_flow()
    w, g, adot, wdot = f.w, f.g, f.adot, f.wdot
    c_a, c_w = sp.symbols("c_a c_w", real=True)
    # d/dt (c_a a^2 + c_w w^T w) by the chain rule: 2 c_a a a' + c_w (w'^T w + w^T w').
    ddt_form = 2 * c_a * a * adot + c_w * (wdot.T * w + w.T * wdot)
    condition = sp.Eq(c_a * eta_a + c_w * eta_w, 0)
    c_w_solution = sp.solve(condition.subs(c_a, eta_w), c_w)[0]
    return Derivation(
        name="single_neuron_conservation",
        title="Single neuron: the conserved quantity delta",
        family="single neuron",
        statement=(
            "Along the gradient flow a' = -eta_a dL/da, w' = -eta_w dL/dw of L = 1/2 ||X a w - y||^2, "
            "the quantity delta = eta_w a^2 - eta_a ||w||^2 is constant, for any data X, y and any dimension."
        ),
        assumptions=("X in R^{n x d}, y in R^n arbitrary", "eta_a, eta_w > 0"),
        notes=(
            "w and X are matrix symbols of symbolic size, so the proof covers every d and n. "
            "SymPy does not know that a 1x1 product u^T v equals v^T u; the rewrite "
            "scalar_transposes uses exactly that fact."
        ),
        steps=(
            Step(f.dL_da, w.T * g, "differentiate the loss in a (matrix calculus), g = X^T (X a w - y)",
                 rewrite="scalar_transposes"),
            Step(f.dL_dw, a * g, "differentiate the loss in w"),
            Step(ddt_form, -2 * a * (c_a * eta_a + c_w * eta_w) * (w.T * g),
                 "chain rule for c_a a^2 + c_w ||w||^2, then substitute the flow",
                 rewrite="scalar_transposes"),
            Step(c_w_solution, -eta_a, "the form is conserved for every X, y iff c_a eta_a + c_w eta_w = 0; take c_a = eta_w"),
            Step(2 * eta_w * a * adot + (-eta_a) * (wdot.T * w + w.T * wdot), sp.ZeroMatrix(1, 1),
                 "d/dt (eta_w a^2 - eta_a ||w||^2) = 0 along the flow", rewrite="scalar_transposes"),
        )
        + tuple(_components_check(dim) for dim in (1, 2, 3, 4)),
        result=(sp.Symbol("delta", real=True), conserved_delta(a, sp.Symbol("\\|w\\|", positive=True) ** 2)),
    )


def _components_check(dim, samples=2):
    """Cross-check in coordinates: the flow of an explicit network, differentiated in time.

    ``a(t)``, ``w_i(t)`` are functions of time; the loss is built from explicit
    data symbols ``X_ij``, ``y_i``; its gradient is taken by SymPy; the time
    derivative of delta is taken by SymPy and the flow substituted.
    """
    X, y = matrix("X", samples, dim), vector("y", samples)
    a_t = sp.Function("a", real=True)(t)
    w_t = sp.Matrix([sp.Function(f"w_{i + 1}", real=True)(t) for i in range(dim)])
    r = X * (a_t * w_t) - y
    L = (r.T * r)[0, 0] / 2
    flow = {sp.Derivative(a_t, t): -eta_a * sp.diff(L, a_t)}
    flow.update({sp.Derivative(wi, t): -eta_w * sp.diff(L, wi) for wi in w_t})
    delta_t = conserved_delta(a_t, (w_t.T * w_t)[0, 0])
    return Step(sp.diff(delta_t, t).subs(flow), sp.S.Zero,
                f"components, d = {dim}, n = {samples}: differentiate delta in t and substitute the flow")
