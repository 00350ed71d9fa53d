"""Single neuron, whitened data: observables along the exact trajectory, the NTK and the kernel distance.

``||beta|| = |a| ||w||``, the signed magnitude ``a ||w||`` and the alignment
``cos(w, beta_star) = w^T beta_star / (||w|| s)`` are read off ``(a, w)``.  The loss
is ``1/2 ||X beta - y||^2 = 1/2 ||beta - beta_star||^2 + 1/2 (||y||^2 - s^2)`` on
whitened data (proved for explicit ``X`` with ``X^T X`` kept as ``G`` and then set to
``I``); the kernels report the first term, ``L - min L``.  The NTK is
``K = X M X^T``, ``M = eta_w a^2 I + eta_a w w^T`` (derivation
``single_neuron_function_space``), and for whitened ``X``
``<K0, Kt>_F = tr(M0 X^T X Mt X^T X) = tr(M0 Mt)``, so ``||K||_F = ||M||_F`` and the
kernel distance ``S(0, t)`` follows from ``M``; ``||M||_F^2`` and ``<M0, Mt>`` are
proved in the parameters for explicit ``d = 2, 3, 4`` (entrywise polynomial
identities; the pattern ``d eta_w^2 a^4`` is the only ``d``-dependence, from
``tr(I) = d``), then rewritten in the beta-form of MATH-part2 item 7 for symbolic ``d``.
Last, the long-time limit of the stable closed form: for ``s > 0`` and ``U != 0``,
``a^2 -> (delta + Lam)/(2 eta_w)`` and ``a p -> 1``, ``c -> 0``, so ``beta -> beta_star``.
"""

import sympy as sp

from symrich.engine import Derivation, Step
from symrich.symbolic import single_neuron_solution as sol
from symrich.symbolic.single_neuron_solution import M_frobenius_sq, M_inner, a0, obs_d, pi0
from symrich.symbolic.symbols import delta, eta_a, eta_w, matrix, s, t, vector

ORDER = 70


def _M(a_, w):
    return eta_w * a_**2 * sp.eye(w.shape[0]) + eta_a * w * w.T


def derivation():
    steps = []
    # loss on whitened data: explicit X (n = 3, d = 2)
    X, y, b = matrix("X", 3, 2), vector("y", 3), vector("b", 2)
    r = X * b - y
    loss = (r.T * r)[0, 0] / 2
    bstar = X.T * y
    steps.append(Step(loss, ((b.T * (X.T * X) * b)[0, 0] / 2 - (b.T * bstar)[0, 0] + (y.T * y)[0, 0] / 2),
                      "loss = 1/2 beta^T X^T X beta - beta^T X^T y + 1/2 ||y||^2 (n = 3, d = 2; the same algebra in any size)"))
    steps.append(Step(((b.T * sp.eye(2) * b)[0, 0] / 2 - (b.T * bstar)[0, 0] + (y.T * y)[0, 0] / 2),
                      (((b - bstar).T * (b - bstar))[0, 0] + (y.T * y)[0, 0] - (bstar.T * bstar)[0, 0]) / 2,
                      "X^T X = I: loss = 1/2 ||beta - beta_star||^2 + 1/2 (||y||^2 - s^2)"))
    # whitened NTK inner product
    A_, B_ = matrix("A", 2, 2, symmetric=True), matrix("B", 2, 2, symmetric=True)
    steps.append(Step((X * A_ * X.T * X * B_ * X.T).trace(), (A_ * (X.T * X) * B_ * (X.T * X)).trace(),
                      "<X A X^T, X B X^T>_F = tr(A G B G) with G = X^T X (symmetric A, B): = tr(A B) when X^T X = I"))
    # ||M||_F^2 and <M0, Mt> in the parameters, explicit d
    for dim in (2, 3, 4):
        w, v = vector("w", dim), vector("v", dim)
        a_, c_ = sp.symbols("a c", real=True)
        ww, vv, vw = (w.T * w)[0, 0], (v.T * v)[0, 0], (v.T * w)[0, 0]
        Mw, Mv = _M(a_, w), _M(c_, v)
        steps.append(Step(sum(e**2 for e in Mw), M_frobenius_sq(a_, ww).subs(obs_d, dim),
                          f"d = {dim}: ||M||_F^2 = d eta_w^2 a^4 + 2 eta_w eta_a a^2 ||w||^2 + eta_a^2 ||w||^4"))
        steps.append(Step((Mv * Mw).trace(), M_inner(c_, vv, a_, ww, vw).subs(obs_d, dim),
                          f"d = {dim}: <M0, Mt> = d eta_w^2 a0^2 at^2 + eta_w eta_a (a0^2 ||w_t||^2 + at^2 ||w_0||^2) + eta_a^2 (w0^T wt)^2"))
    # beta-form, symbolic d: R = eta_w a^2 + eta_a u, delta = eta_w a^2 - eta_a u
    a_, c_, u, v_, cth = sp.symbols("a c u v cos_theta", real=True)
    R = eta_w * a_**2 + eta_a * u
    dl = eta_w * a_**2 - eta_a * u
    steps.append(Step(M_frobenius_sq(a_, u), R**2 + (obs_d - 1) * (R + dl) ** 2 / 4,
                      "beta-form (every d): ||M||_F^2 = R^2 + (d - 1)(R + delta)^2/4"))
    R0 = eta_w * c_**2 + eta_a * v_
    # (w0^T wt)^2 = ||w_0||^2 ||w_t||^2 cos^2 theta, cos theta = cos(beta0, beta_t) up to sign
    conserved = {v_: (eta_w * c_**2 - dl) / eta_a}  # eta_a ||w_0||^2 = eta_w a0^2 - delta (delta conserved)
    beta_form = (obs_d * (R0 + dl) / 2 * (R + dl) / 2 + (R0 + dl) / 2 * (R - dl) / 2 + (R + dl) / 2 * (R0 - dl) / 2
                 + (R0 - dl) * (R - dl) * cth**2 / 4)
    # (w0^T wt)^2 = ||w_0||^2 ||w_t||^2 cos^2 theta; theta is the angle of beta0, beta_t up to sign
    steps.append(Step(M_inner(c_, v_, a_, u, sp.sqrt(u * v_) * cth).subs(conserved), beta_form.subs(conserved),
                      "beta-form (every d), delta conserved: <M0, Mt> = d m0 mt + m0 (R_t - delta)/2 + mt (R_0 - delta)/2 "
                      "+ (R_0 - delta)(R_t - delta) cos^2 theta / 4, m = (R + delta)/2"))
    # long-time limit of the stable form (s > 0, U != 0)
    Gs = sol.stable_general(t, s**2)
    L = Gs.Lam
    kappa = delta + L
    k = sp.Symbol("kappa", positive=True)
    U = (delta * a0 / 2 + eta_a * s**2 * pi0) / L + a0 / 2  # U for Lam > 0
    m_inf = pi0 / 2 + (eta_w * a0 - delta * pi0 / 2) / L  # btil(oo)
    scale = sp.sqrt(kappa / (2 * eta_w * U**2))  # 1/Dt(oo): Dt^2 -> 2 eta_w U^2/kappa
    steps += [
        Step(sp.Limit(sol.tphi1(-k).rewrite(sp.exp), t, sp.oo), 1 / k,
             "T0 = t phi1(-kappa t) -> 1/kappa, and T1, T2, E^2 -> 0 (kappa = delta + Lam > 0 when s > 0): Dt^2 -> 2 eta_w U^2/kappa"),
        Step((U * scale) ** 2, kappa / (2 * eta_w), "a(oo)^2 = U^2 kappa/(2 eta_w U^2) = (delta + Lam)/(2 eta_w)"),
        Step(m_inf * kappa, 2 * eta_w * U, "btil(oo) kappa = 2 eta_w U, so a(oo) p(oo) = U btil(oo) kappa/(2 eta_w U^2) = 1: beta -> beta_star",
             methods=("expand", "cancel", "simplify")),
    ]
    return Derivation(
        name="single_neuron_observables",
        title="Single neuron, whitened data: observables, NTK and kernel distance",
        family="single neuron",
        statement=(
            "On whitened data the loss is 1/2 ||beta - beta_star||^2 + 1/2 (||y||^2 - s^2); <K0, Kt>_F = tr(M0 Mt) with "
            "||M||_F^2 = d eta_w^2 a^4 + 2 eta_w eta_a a^2 ||w||^2 + eta_a^2 ||w||^4 = R^2 + (d - 1)(R + delta)^2/4 and "
            "<M0, Mt> = d eta_w^2 a0^2 at^2 + eta_w eta_a (a0^2 ||w_t||^2 + at^2 ||w_0||^2) + eta_a^2 (w0^T wt)^2, giving "
            "S(0, t) = 1 - <M0, Mt>/(||M_0||_F ||M_t||_F); off the stable manifold of beta = 0, beta(t) -> beta_star."
        ),
        assumptions=("X^T X = I", "eta_a, eta_w > 0"),
        notes=__doc__.split("\n\n", 1)[1].strip(),
        steps=tuple(steps),
        result=(sp.Symbol("S(0, t)"), 1 - sp.Symbol(r"\langle M_0, M_t\rangle") / (sp.Symbol(r"\|M_0\|") * sp.Symbol(r"\|M_t\|"))),
    )
