"""Wide linear network: the conserved matrix ``Delta = eta_w A A^T - eta_a W W^T``, derived from the flow.

Coordinate-free: ``W`` (``h x d``), ``A`` (``h x c``), ``X`` (``n x d``) and
``Y`` (``n x c``) are matrix symbols of symbolic size, so every step holds for
every width and for general (not whitened) data.  The gradients are computed by
SymPy's matrix calculus from ``L = 1/2 tr((X W^T A - Y)^T (X W^T A - Y))``.  The
conserved combination is not assumed: we ask which ``c_A A A^T + c_W W W^T`` is
conserved, and solve.  One explicit network (``d = h = c = n = 2``, entries as
functions of ``t``) cross-checks the coordinate-free gradients in coordinates.
"""

import sympy as sp

from symrich.engine import Derivation, Step
from symrich.symbolic.wide_linear import conserved_Delta, parameter_flow
from symrich.symbolic.symbols import eta_a, eta_w, matrix, t

ORDER = 200


def derivation():
    f = parameter_flow()
    W, A, G = f.W, f.A, f.G
    c_A, c_W = sp.symbols("c_A c_W", real=True)
    ddt_form = c_A * (f.Adot * A.T + A * f.Adot.T) + c_W * (f.Wdot * W.T + W * f.Wdot.T)
    bracket = W * G * A.T + A * G.T * W.T
    c_W_solution = sp.solve(sp.Eq(c_A * eta_a + c_W * eta_w, 0).subs(c_A, eta_w), c_W)[0]
    Delta = conserved_Delta(W, A)
    ddt_Delta = eta_w * (f.Adot * A.T + A * f.Adot.T) - eta_a * (f.Wdot * W.T + W * f.Wdot.T)
    steps = (
        Step(f.dL_dW, A * G.T, "differentiate the loss in W (matrix calculus): dL/dW = A G^T, G = X^T (X beta - Y)"),
        Step(f.dL_dA, W * G, "differentiate the loss in A: dL/dA = W G"),
        Step(ddt_form, -(c_A * eta_a + c_W * eta_w) * bracket,
             "product rule for c_A A A^T + c_W W W^T, substitute W' = -eta_w A G^T and A' = -eta_a W G"),
        Step(c_W_solution, -eta_a,
             "the form is conserved for every X, Y iff c_A eta_a + c_W eta_w = 0; take c_A = eta_w"),
        Step(ddt_Delta, sp.ZeroMatrix(*Delta.shape), "d/dt (eta_w A A^T - eta_a W W^T) = 0 along the flow"),
        Step(f.betadot, -eta_a * f.P * G - eta_w * G * f.Q,
             "product rule for beta = W^T A: beta' = -eta_a W^T W G - eta_w G A^T A"),
        _components_check(),
    )
    Dsym = sp.Symbol("Delta")
    return Derivation(
        name="wide_linear_conservation",
        title="Wide linear network: the conserved matrix Delta",
        family="wide linear",
        statement=(
            "Along the gradient flow W' = -eta_w dL/dW, A' = -eta_a dL/dA of L = 1/2 ||X W^T A - Y||_F^2, the h x h "
            "matrix Delta = eta_w A A^T - eta_a W W^T is constant, for any data X, Y, any widths d, h, c and any "
            "initialisation; beta = W^T A moves as beta' = -eta_a W^T W G - eta_w G A^T A. For h = c = 1 Delta is "
            "the single-neuron delta. The layer's own rate does not multiply its own Gram matrix."
        ),
        assumptions=("X in R^{n x d}, Y in R^{n x c} arbitrary", "eta_a, eta_w > 0"),
        notes=__doc__.split("\n\n", 1)[1].strip(),
        steps=steps,
        result=(Dsym, sp.Symbol("eta_w A A^T - eta_a W W^T")),
    )


def _components_check(dd=2, hh=2, cc=2, nn=2):
    """Coordinates: entries of W, A are functions of t; gradients by SymPy's ``diff`` of the explicit loss."""
    X, Y = matrix("X", nn, dd), matrix("Y", nn, cc)
    W = sp.Matrix(hh, dd, lambda i, j: sp.Function(f"W_{i + 1}{j + 1}", real=True)(t))
    A = sp.Matrix(hh, cc, lambda i, j: sp.Function(f"A_{i + 1}{j + 1}", real=True)(t))
    Rm = X * W.T * A - Y
    L = sum(e**2 for e in Rm) / 2
    flow = {sp.Derivative(x, t): -eta_w * sp.diff(L, x) for x in W}
    flow.update({sp.Derivative(x, t): -eta_a * sp.diff(L, x) for x in A})
    Delta = eta_w * A * A.T - eta_a * W * W.T
    return Step(sp.diff(Delta, t).subs(flow), sp.zeros(hh, hh),
                f"components, d = {dd}, h = {hh}, c = {cc}, n = {nn}: differentiate Delta in t, substitute the flow",
                methods=("expand",))
