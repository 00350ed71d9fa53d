"""Single neuron: the function-space flow ``beta' = -M g``, ``M`` in ``delta`` and ``beta``, its eigenpairs, the NTK.

The flow of ``beta = a w`` and the NTK are proved coordinate-free (matrix
symbols of symbolic size ``d``, ``n``; general data).  Writing ``M`` in
``delta`` and ``||beta||`` alone needs two scalar identities,
``eta_w a^2 = (R + delta)/2`` and ``eta_a ||w||^2 = (R - delta)/2``, proved with
``u = ||w||^2``.  The eigenvectors are checked with explicit vectors for
``d = 2, 3, 4``: the coordinate-free form ``M = m_perp I + (m_par - m_perp)
beta_hat beta_hat^T`` proved before is the same for every ``d``, and the
eigen-statements only use ``beta^T beta = ||beta||^2`` and ``beta^T v = 0``,
which the explicit vectors realise in general position.
"""

import sympy as sp

from symrich.engine import Derivation, Step
from symrich.symbolic.single_neuron import M_beta, M_parameters, conserved_delta, parameter_flow
from symrich.symbolic.symbols import a, delta, eta_a, eta_w, u, vector

ORDER = 20


def derivation():
    f = parameter_flow()
    w, X, g = f.w, f.X, f.g
    M = M_parameters(a, w)
    delta_au = conserved_delta(a, u)
    rho2 = a**2 * u
    R_au = sp.sqrt(delta_au**2 + 4 * eta_a * eta_w * rho2)
    R = sp.Symbol("R", positive=True)
    beta = a * w
    M_in_beta = (R + delta) / 2 * sp.Identity(w.shape[0]) + (R - delta) / (2 * rho2) * beta * beta.T
    steps = [
        Step(w * f.adot + a * f.wdot, -M * g, "product rule beta' = a' w + a w', substitute the flow: beta' = -M g"),
        Step(R_au**2, (eta_w * a**2 + eta_a * u) ** 2,
             "R^2 = delta^2 + 4 eta_a eta_w ||beta||^2 with ||beta||^2 = a^2 u is a perfect square"),
        Step(R_au, eta_w * a**2 + eta_a * u, "positive square root (eta_w a^2 + eta_a u > 0)", rewrite="factor_radicands"),
        Step(eta_w * a**2, ((eta_w * a**2 + eta_a * u) + delta_au) / 2, "eta_w a^2 = (R + delta)/2"),
        Step(eta_a * u, ((eta_w * a**2 + eta_a * u) - delta_au) / 2, "eta_a ||w||^2 = (R - delta)/2"),
        Step(M, M_in_beta.subs({R: eta_w * a**2 + eta_a * u, delta: delta_au}),
             "M in delta and beta: M = (R + delta)/2 I + (R - delta)/2 beta beta^T / ||beta||^2 (u = ||w||^2)"),
        Step(X * (w * f.adot + a * f.wdot), -(X * M * X.T) * f.r,
             "outputs move as d/dt (X beta) = -K (X beta - y) with the NTK K = X M X^T"),
    ]
    for dim in (2, 3, 4):
        b = vector("b", dim)
        Mb = M_beta(b, delta)
        rho2b = (b.T * b)[0, 0]
        Rb = sp.sqrt(delta**2 + 4 * eta_a * eta_w * rho2b)
        steps.append(Step(Mb * b, Rb * b, f"d = {dim}: beta is an eigenvector with eigenvalue R", methods=("cancel", "simplify")))
        for j in range(1, dim):
            v = sp.zeros(dim, 1)
            v[0], v[j] = b[j], -b[0]
            steps.append(Step(Mb * v, (Rb + delta) / 2 * v,
                              f"d = {dim}: v = b_{j + 1} e_1 - b_1 e_{j + 1} is orthogonal to beta, eigenvalue (R + delta)/2",
                              methods=("cancel", "simplify")))
    Rsym = sp.Symbol("R", positive=True)
    return Derivation(
        name="single_neuron_function_space",
        title="Single neuron: function-space flow, eigenvalues of M, NTK",
        family="single neuron",
        statement=(
            "beta = a w obeys beta' = -M g with g = X^T (X beta - y) and "
            "M = eta_a w w^T + eta_w a^2 I = (R + delta)/2 I + (R - delta)/2 beta beta^T/||beta||^2, "
            "R = sqrt(delta^2 + 4 eta_a eta_w ||beta||^2). M has eigenvalue R along beta and (R + delta)/2 on its "
            "orthogonal complement. The outputs evolve with the NTK K = X M X^T."
        ),
        assumptions=("X, y arbitrary", "eta_a, eta_w > 0", "beta != 0 for the beta-form of M"),
        notes=__doc__.split("\n\n", 1)[1].strip(),
        steps=tuple(steps),
        result=(sp.Symbol("M"), (Rsym + delta) / 2 * sp.Symbol("I") + (Rsym - delta) / 2 * sp.Symbol(r"\hat\beta\hat\beta^T")),
    )
