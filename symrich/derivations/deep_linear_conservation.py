"""Deep linear network: the conserved matrices ``Q_l = eta_l W_{l+1}^T W_{l+1} - eta_{l+1} W_l W_l^T``.

For depths ``L = 2, 3, 4, 5`` the network is built from matrix symbols of
symbolic widths and data of symbolic size; SymPy's matrix calculus gives every
``dL/dW_l``, which is checked against ``B_l^T G_E C_l^T``, and ``d/dt Q_l`` with
the flow substituted is shown to vanish for every ``l``.  For symbolic depth, the
last steps take two adjacent layers inside an arbitrary network: the rest of the
network enters only through ``B = W_L ... W_{l+2}`` and ``C = W_{l-1} ... W_1``
(arbitrary matrices), with ``B_l = B W_{l+1}`` and ``C_{l+1} = W_l C``; the same
expansion gives ``d/dt Q_l = 0``, for every depth and every ``l`` (the gradient
formula itself is the chain rule checked at ``L <= 5`` above).
"""

import sympy as sp

from symrich.engine import Derivation, Step
from symrich.symbolic.deep_linear import conserved_Q, local_flow, parameter_flow

ORDER = 250


def _ddt_Q(W_l, W_next, dW_l, dW_next, eta_l, eta_next):
    return eta_l * (dW_next.T * W_next + W_next.T * dW_next) - eta_next * (dW_l * W_l.T + W_l * dW_l.T)


def derivation():
    steps = []
    for depth in (2, 3, 4, 5):
        f = parameter_flow(depth)
        for l in range(depth):
            steps.append(Step(f.grads[l], f.B[l].T * f.G_E * f.C[l].T,
                              f"L = {depth}: dL/dW_{l + 1} = B_{l + 1}^T G_E C_{l + 1}^T (matrix calculus)"))
        for l in range(depth - 1):
            W_l, W_n = f.weights[l], f.weights[l + 1]
            Q = conserved_Q(W_l, W_n, f.etas[l], f.etas[l + 1])
            steps.append(Step(_ddt_Q(W_l, W_n, f.flows[l], f.flows[l + 1], f.etas[l], f.etas[l + 1]),
                              sp.ZeroMatrix(*Q.shape),
                              f"L = {depth}: d/dt (eta_{l + 1} W_{l + 2}^T W_{l + 2} - eta_{l + 2} W_{l + 1} W_{l + 1}^T) = 0"))
    g = local_flow()
    bracket = g.B.T * g.G * g.C.T
    steps += [
        Step(g.flow_l * g.W_l.T + g.W_l * g.flow_l.T,
             -g.eta_l * (g.W_next.T * bracket * g.W_l.T + g.W_l * g.C * g.G.T * g.B * g.W_next),
             "any depth: d/dt (W_l W_l^T) = -eta_l (B_l^T G C_{l+1}^T + C_{l+1} G^T B_l), using W_l C_l = C_{l+1}"),
        Step(g.flow_next.T * g.W_next + g.W_next.T * g.flow_next,
             -g.eta_next * (g.W_l * g.C * g.G.T * g.B * g.W_next + g.W_next.T * bracket * g.W_l.T),
             "any depth: d/dt (W_{l+1}^T W_{l+1}) = -eta_{l+1} (the same bracket), using B_{l+1} W_{l+1} = B_l"),
        Step(_ddt_Q(g.W_l, g.W_next, g.flow_l, g.flow_next, g.eta_l, g.eta_next), sp.ZeroMatrix(*g.W_l.shape[:1] * 2),
             "any depth: d/dt (eta_l W_{l+1}^T W_{l+1} - eta_{l+1} W_l W_l^T) = 0"),
    ]
    return Derivation(
        name="deep_linear_conservation",
        title="Deep linear network: the conserved matrices Q_l",
        family="deep linear",
        statement=(
            "Along the gradient flow W_l' = -eta_l dL/dW_l of L = 1/2 ||X (W_L ... W_1)^T - Y||_F^2, each "
            "Q_l = eta_l W_{l+1}^T W_{l+1} - eta_{l+1} W_l W_l^T (l = 1..L-1) is constant, for any data, widths and "
            "depth. For L = 2, W_1 = W, W_2 = A^T this is Delta of the wide network."
        ),
        assumptions=("X, Y arbitrary", "eta_l > 0"),
        notes=__doc__.split("\n\n", 1)[1].strip(),
        steps=tuple(steps),
        result=(sp.Symbol("Q_l"), sp.Symbol("eta_l W_{l+1}^T W_{l+1} - eta_{l+1} W_l W_l^T")),
    )
