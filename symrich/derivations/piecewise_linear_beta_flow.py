"""Two-layer piecewise-linear network: ``beta_k = a_k w_k`` obeys the single-neuron flow with ``g_k = X^T D_k r``.

Per neuron the parameter flow is the single-neuron flow (derivation
``piecewise_linear_conservation``: ``a_k' = -eta_a w_k^T g_k``,
``w_k' = -eta_w a_k g_k``) with the neuron-specific ``g_k = sum_i c_ki r_i x_i
= X^T D_k r`` in place of the single neuron's ``g = X^T r``.  So the product rule
gives ``beta_k' = -M(a_k, w_k) g_k`` with the single neuron's
``M = eta_a w w^T + eta_w a^2 I`` (:func:`symrich.symbolic.single_neuron.M_parameters`),
and the single-neuron identity ``M(a, w) = M(beta, delta)``
(``single_neuron_function_space``; an identity in ``(a, w)`` alone, which does
not involve ``g``) applies with ``delta = delta_k``; it is instantiated here for
``d = 2, 3`` rather than re-derived.

To close the system in ``beta``: Euler's identity gives
``a_k sigma(w_k^T x_i) = c_ki beta_k^T x_i``, and the pattern is a function of
``beta_k`` because ``sigma'`` is 0-homogeneous (``sigma'(lambda z) =
sigma'(z)`` for ``lambda > 0``, proved on each side of the kink) and
``w_k^T x = sign(a_k) beta_k^T x / |a_k|``: ``c_ki = sigma'(sign(a_k) beta_k^T x_i)``.
A cross-check in components (``K = 2``, ``n = 2``, ``d = 2``, symbolic pattern
``c_ki``) compares the parameter flow with the closed ``beta`` system.
"""

import sympy as sp

from symrich.engine import Derivation, Step
from symrich.symbolic.piecewise_linear import dsigma, neuron_flow, pattern_flow, sigma
from symrich.symbolic.single_neuron import M_beta, M_parameters, conserved_delta
from symrich.symbolic.symbols import a, vector

ORDER = 310

_ACTIVATIONS = (("relu", sp.S.Zero), ("leaky_relu", sp.Symbol("alpha", positive=True)), ("abs", -sp.S.One))


def derivation():
    f = neuron_flow()
    w, g = f.w, f.g
    steps = [
        Step(w * f.adot + a * f.wdot, -M_parameters(a, w) * g,
             "product rule beta_k' = a_k' w_k + a_k w_k' = -(eta_a w_k w_k^T + eta_w a_k^2 I) g_k: the single-neuron M "
             "with g_k = X^T D_k r in place of g"),
    ]
    for dim in (2, 3):
        wv = vector("w", dim)
        delta_k = conserved_delta(a, (wv.T * wv)[0, 0])
        steps.append(Step(M_parameters(a, wv), M_beta(a * wv, delta_k),
                          f"single-neuron identity M(a, w) = M(beta, delta) (single_neuron_function_space) at neuron k "
                          f"with delta = delta_k, d = {dim}", rewrite="factor_radicands", methods=("cancel", "simplify")))
    z = sp.Symbol("z", real=True)
    p, q = sp.Symbol("p", positive=True), sp.Symbol("q", negative=True)
    lam = sp.Symbol("lambda", positive=True)
    a_nz = sp.Symbol("a_k", real=True, nonzero=True)
    for name, slope in _ACTIVATIONS:
        dom = {slope: (0.01, 0.99)} if isinstance(slope, sp.Symbol) else {}
        steps += [
            Step(a * sigma(z, slope), dsigma(z, slope) * (a * z),
                 f"{name}: a_k sigma(w_k^T x) = sigma'(w_k^T x) beta_k^T x (Euler's identity)",
                 rewrite="piecewise_fold", methods=("expand", "simplify"), domain=dom),
            Step(dsigma(lam * p, slope), dsigma(p, slope), f"{name}: sigma'(lambda z) = sigma'(z), lambda > 0, on z > 0"),
            Step(dsigma(lam * q, slope), dsigma(q, slope), f"{name}: sigma'(lambda z) = sigma'(z), lambda > 0, on z < 0"),
        ]
    steps.append(Step(sp.sign(a_nz) * (a_nz * z) / sp.Abs(a_nz), z,
                      "w_k^T x = sign(a_k) beta_k^T x / |a_k| (a_k != 0), so c_ki = sigma'(sign(a_k) beta_k^T x_i)",
                      methods=("simplify",)))
    steps += _components_check()
    return Derivation(
        name="piecewise_linear_beta_flow",
        title="Two-layer piecewise-linear network: the flow of beta_k = a_k w_k",
        family="piecewise linear",
        statement=(
            "Wherever the activation pattern c_ki = sigma'(w_k^T x_i) is constant, beta_k = a_k w_k obeys "
            "beta_k' = -M_k sum_i c_ki x_i (f(x_i) - y_i), where M_k = eta_a w_k w_k^T + eta_w a_k^2 I = "
            "(R_k + delta_k)/2 I + (R_k - delta_k)/2 beta_hat_k beta_hat_k^T is the single-neuron M with delta_k and "
            "R_k = sqrt(delta_k^2 + 4 eta_a eta_w ||beta_k||^2); f(x_i) = sum_k c_ki beta_k^T x_i and "
            "c_ki = sigma'(sign(a_k) beta_k^T x_i), so the system is closed in (beta_k, delta_k, sign a_k)."
        ),
        assumptions=("X, y arbitrary", "eta_a, eta_w > 0", "activation pattern constant on the time interval",
                     "a_k != 0 for the pattern in beta form", "beta_k != 0 for the beta form of M_k"),
        notes=__doc__.split("\n\n", 1)[1].strip(),
        steps=tuple(steps),
        result=(sp.Symbol(r"\dot\beta_k"), -sp.Symbol("M_k") * sp.Symbol("g_k")),
    )


def _components_check(K=2, samples=2, dim=2):
    """Explicit network with a symbolic pattern: parameter flow of beta_k versus the closed beta system."""
    pf = pattern_flow(K, samples, dim)
    rhs = dict(zip(pf.state, pf.rhs))
    steps = []
    betas = [sp.Matrix([pf.A[k] * pf.W[k, j] for j in range(dim)]) for k in range(K)]
    # residuals written in the beta variables: f_i = sum_k c_ki beta_k^T x_i
    r_beta = [sum(pf.C[k, i] * (betas[k].T * pf.X[i, :].T)[0, 0] for k in range(K)) - pf.y[i, 0] for i in range(samples)]
    for k in range(K):
        wk = sp.Matrix([pf.W[k, j] for j in range(dim)])
        beta_dot = sp.Matrix([rhs[pf.A[k]] * pf.W[k, j] + pf.A[k] * rhs[pf.W[k, j]] for j in range(dim)])
        g_k = sp.Matrix([sum(pf.C[k, i] * r_beta[i] * pf.X[i, j] for i in range(samples)) for j in range(dim)])
        delta_k = conserved_delta(pf.A[k], (wk.T * wk)[0, 0])
        steps.append(Step(beta_dot, -M_beta(betas[k], delta_k) * g_k,
                          f"components (K = n = d = 2, pattern c_ki symbolic): beta_{k + 1}' from the parameter flow equals "
                          f"-M(beta_{k + 1}, delta_{k + 1}) sum_i c_{k + 1}i r_i x_i",
                          rewrite="factor_radicands", methods=("cancel",)))
    return steps
