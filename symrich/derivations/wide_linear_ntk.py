"""Wide linear network: the neural tangent kernel in Kronecker form.

With per-layer rates the kernel of ``d/dt f(X) = -K r`` is ``K = J diag(eta) J^T``
(``J = d vec f(X) / d theta``).  The output flow is proved coordinate-free
(symbolic sizes, general data); the Kronecker form, with outputs indexed
row-major by (sample, output), is checked entrywise on an explicit network
(``n = d = h = c = 2``, every entry a free symbol) by building ``J`` with SymPy's
``jacobian``.
"""

import sympy as sp

from symrich.engine import Derivation, Step
from symrich.symbolic.wide_linear import ntk_kronecker, parameter_flow
from symrich.symbolic.symbols import eta_a, eta_w, matrix

ORDER = 240


def derivation(nn=2, dd=2, hh=2, cc=2):
    f = parameter_flow()
    X, R, P, Q = f.X, f.R, f.P, f.Q
    W, A, Xe = matrix("W", hh, dd), matrix("A", hh, cc), matrix("X", nn, dd)
    out = Xe * W.T * A
    theta = list(W) + list(A)
    J = sp.Matrix(list(out)).jacobian(theta)  # list(out) is row-major: (sample, output)
    rates = sp.diag(*([eta_w] * len(W) + [eta_a] * len(A)))
    steps = (
        Step(X * f.betadot, -(eta_a * X * P * X.T * R + eta_w * X * X.T * R * Q),
             "outputs move as d/dt (X beta) = -(eta_a X W^T W X^T R + eta_w X X^T R A^T A), R = X beta - Y"),
        Step(J * rates * J.T, ntk_kronecker(Xe, W.T * W, A.T * A),
             f"n = {nn}, d = {dd}, h = {hh}, c = {cc}: J diag(eta) J^T = eta_a (X W^T W X^T) (x) I_c + eta_w (X X^T) (x) A^T A",
             methods=("expand",)),
    )
    return Derivation(
        name="wide_linear_ntk",
        title="Wide linear network: the NTK in Kronecker form",
        family="wide linear",
        statement=(
            "The NTK of the wide linear network (outputs indexed by (sample, output), row-major) is "
            "K = J diag(eta) J^T = eta_a (X W^T W X^T) (x) I_c + eta_w (X X^T) (x) (A^T A), and "
            "d/dt vec(X beta) = -K vec(X beta - Y)."
        ),
        assumptions=("X, Y arbitrary", "eta_a, eta_w > 0"),
        notes=__doc__.split("\n\n", 1)[1].strip(),
        steps=steps,
        result=(sp.Symbol("K"), sp.Symbol(r"\eta_a (X W^T W X^T)\otimes I_c + \eta_w (X X^T)\otimes (A^T A)")),
    )
