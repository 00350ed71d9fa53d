"""Single neuron, rank-deficient data: the exact implicit bias, in closed form for every rank.

Let ``P_N`` project on null(X) and ``P_R = I - P_N`` on row(X); ``b = ||X^+ y||`` (every
interpolant has row part ``X^+ y``, ``y`` in range(X)), ``c = ||P_N w0||`` and
``kappa_N = delta + eta_a c^2``.

*Invariance.*  ``w' = X^T (-eta_w a r)`` lies in row(X), so ``w(t) - w0`` is in row(X) and
``P_N w(t) = P_N w0`` for all ``t`` (``P_N X^T = (X P_N)^T = 0``).  With the conservation law,
``eta_w a^2 - kappa_N = eta_a ||P_R w||^2 >= 0``: if ``kappa_N > 0`` the readout never vanishes.

*Closed form.*  Suppose the flow converges to an interpolant ``beta_inf = a_inf w_inf`` with
``a_inf != 0``.  Then ``P_R beta_inf = X^+ y`` and ``P_N beta_inf = a_inf P_N w0``, so
``||w_inf||^2 = c^2 + b^2/a_inf^2`` and the conservation law is a quadratic in ``a_inf^2``
whose only positive root is ``eta_w a_inf^2 = (kappa_N + sqrt(kappa_N^2 + 4 eta b^2))/2``:

    ``beta_inf = X^+ y + a_inf P_N w0``;  only ``sign(a_inf)`` is left to decide.

*Mirror form (KKT).*  ``beta_inf`` is the unique minimiser of ``Phi_delta(beta) - psi^T beta``
on ``{X beta = y}``, ``psi = sign(a_inf) w0``: ``Phi_delta`` is strictly convex (``phi'' > 0`` and
``phi' > 0`` for ``rho > 0``, derivation ``single_neuron_mirror_flow``), and the KKT condition
``grad Phi(beta_inf) - psi`` in row(X) holds: its null part is
``(phi'(rho)|a_inf|/rho - 1) sign(a_inf) P_N w0``, and ``phi'(rho) = rho/|a_inf|`` because
``(alpha, u) = (|a_inf|, rho/|a_inf|)`` parametrises ``(delta, rho)``.  (Directly:
``grad Phi(beta_inf) = sign(a_inf) w_inf`` and ``w_inf - w0`` is in row(X).)  For ``delta >= 0``
``a`` never changes sign (``eta_w a^2 >= delta``; at ``delta = 0``, ``a = 0`` forces ``w = 0``, a fixed
point) and ``psi = sign(a0) w0 = grad Phi(beta0)``: the Bregman projection
``argmin D_Phi(beta, beta0)`` on the solution set.

*Which sign.*  (i) ``kappa_N > 0`` (always when ``delta > 0``): ``sign(a0)``.  (ii) The loss is
non-increasing (``L' = -eta_a (w^T g)^2 - eta_w a^2 ||g||^2``) and ``a = 0`` forces ``beta = 0``,
``L = ||y||^2/2``; so once ``L(t) < ||y||^2/2`` the sign is final: ``sign(a(t))``, in particular
``sign(a0)`` if ``L(0) < ||y||^2/2``.  (iii) Rank one, ``X = x^T``: ``w_perp`` is constant,
``(a, p = x_hat^T w)`` keeps ``eta_w a^2 - eta_a p^2 = kappa`` (= ``kappa_N``) and runs on one branch
of that hyperbola; ``kappa < 0`` keeps ``eta_a p^2 >= -kappa > 0``, so ``p`` keeps its sign and
``a_inf p_inf ||x|| = y`` gives ``sign(a_inf) = sign(y x^T w0)``.  For rank >= 2 and
``kappa_N <= 0`` the sign is read from the dynamics, with certificate (ii).

*Limits* at fixed ``beta0`` (``r0 = ||P_R beta0||``, ``c0 = ||P_N beta0||``, ``a0 != 0``):
``beta_inf = X^+ y + gamma P_N beta0`` with ``gamma = a_inf/a0``.  ``delta -> +oo``:
``gamma^2 = 1 + eta (b^2 - r0^2)/delta^2 + ...``, the Euclidean projection of ``beta0``, error
O(delta^-2).  ``delta -> -oo``: ``gamma^2 = b^2/r0^2 + O(delta^-2)``, the minimiser of
``||beta|| - s <beta0_hat, beta>`` (``s = sign(gamma)``), and for rank one ``gamma = y/x^T beta0``:
``beta0`` rescaled.
"""

import sympy as sp

from symrich.engine import Derivation, Step
from symrich.engine.rewrites import factor_half_powers
from symrich.symbolic import implicit_bias as ib
from symrich.symbolic.single_neuron import parameter_flow
from symrich.symbolic.symbols import a, delta, eta_a, eta_w, vector

ORDER = 110

F = factor_half_powers


def derivation():
    eta = eta_a * eta_w
    b, c = ib.b, ib.c
    pf = parameter_flow()
    q = sp.Symbol("q", nonnegative=True)  # ||P_R w||
    kap = ib.kappa_of(delta, c)
    A = ib.a_inf_sq(kap, b)
    steps = [
        Step(pf.wdot, pf.X.T * (-eta_w * a * pf.r),
             "w' = X^T (-eta_w a r) lies in row(X): P_N w(t) = P_N w0 for all t (P_N X^T = (X P_N)^T = 0)"),
        Step((eta_w * a**2 - kap).subs(delta, eta_w * a**2 - eta_a * (c**2 + q**2)), eta_a * q**2,
             "eta_w a^2 - kappa_N = eta_a ||P_R w||^2 >= 0 with ||w||^2 = ||P_N w0||^2 + ||P_R w||^2 (Pythagoras): "
             "kappa_N > 0 keeps a away from 0"),
    ]
    # the loss is non-increasing; a = 0 forces L = ||y||^2/2
    g3, w3 = vector("g", 3), vector("w", 3)
    adot = -eta_a * (w3.T * g3)[0]
    wdot = -eta_w * a * g3
    steps += [
        Step((g3.T * (adot * w3 + a * wdot))[0], -eta_a * (w3.T * g3)[0] ** 2 - eta_w * a**2 * (g3.T * g3)[0],
             "L' = g^T beta' = g^T (a' w + a w') = -eta_a (w^T g)^2 - eta_w a^2 ||g||^2 <= 0"),
        Step(pf.L.subs(a, 0), pf.y.T * pf.y / 2,
             "a = 0 forces beta = 0 and L = ||y||^2/2: once L < ||y||^2/2, sign(a) is final"),
    ]
    # the closed form
    steps += [
        Step(eta_w * A - eta_a * (c**2 + b**2 / A), delta,
             "a_inf^2 = (kappa_N + sqrt(kappa_N^2 + 4 eta b^2))/(2 eta_w) solves the conservation law at the limit, "
             "delta = eta_w a_inf^2 - eta_a (c^2 + b^2/a_inf^2)"),
        Step(sp.diff(eta_w * q**2 - eta_a * b**2 / q**2, q) * q / 2, eta_w * q**2 + eta_a * b**2 / q**2,
             "eta_w A - eta_a b^2/A is strictly increasing in A = a^2 > 0: that root is the only one"),
        Step(ib.a_inf_sq_stable_negative(kap, b), A,
             "stable form for kappa_N < 0: a_inf^2 = 2 eta_a b^2/(sqrt(kappa_N^2 + 4 eta b^2) - kappa_N)",
             methods=("cancel", "simplify")),
    ]
    # KKT: (alpha, u) = (|a_inf|, rho/|a_inf|) parametrises (delta, rho) at the limit, so phi'(rho)/rho |a_inf| = 1
    al, un = ib.alpha, ib.w_norm
    sg = sp.Symbol("sigma", real=True)
    rho2 = b**2 + A * c**2
    steps += [
        Step((eta_w * al**2 - eta_a * un**2).subs({al: sp.sqrt(A), un: sp.sqrt(rho2 / A)}), delta,
             "at the limit, alpha = |a_inf|, u = rho/|a_inf| (rho^2 = b^2 + a_inf^2 c^2) give eta_w alpha^2 - eta_a u^2 = delta"),
        Step(ib.on_parameters(ib.phi_tangential()) * al * sg, sg,
             "so the null(X) part of grad Phi(beta_inf) - psi, (phi'(rho)|a_inf|/rho - 1) sign(a_inf) P_N w0, vanishes: "
             "beta_inf satisfies the KKT condition of min Phi - psi^T beta s.t. X beta = y", rewrite=F),
    ]
    # rank one
    x3 = vector("x", 3)
    xx = (x3.T * x3)[0]
    xhat = x3 / sp.sqrt(xx)
    p = (xhat.T * w3)[0]
    wperp = w3 - p * xhat
    r_ = sp.Symbol("r", real=True)
    dl = eta_w * a**2 - eta_a * (w3.T * w3)[0]
    gamma_ = sp.Symbol("gamma_x", real=True)
    steps += [
        Step((sp.eye(3) - x3 * x3.T / xx) * (-eta_w * a * x3 * r_), sp.zeros(3, 1),
             "rank one: w' = -eta_w a x r is along x, so w_perp = w - (x_hat^T w) x_hat is constant"),
        Step(dl + eta_a * (wperp.T * wperp)[0], eta_w * a**2 - eta_a * p**2,
             "kappa = delta + eta_a ||w_perp||^2 = eta_w a^2 - eta_a p^2 (p = x_hat^T w): kappa = kappa_N",
             methods=("expand", "cancel", "simplify")),
        Step((w3.T * x3)[0] * r_, p * (sp.sqrt(xx) * r_),
             "a' = -eta_a w^T x r = -eta_a p gamma and p' = x_hat^T w' = -eta_w a gamma, gamma = ||x|| r"),
        Step(2 * eta_w * a * (-eta_a * p * gamma_) - 2 * eta_a * p * (-eta_w * a * gamma_), 0,
             "kappa' = 2 eta_w a a' - 2 eta_a p p' = 0: (a, p) runs on one branch of eta_w a^2 - eta_a p^2 = kappa; "
             "kappa > 0 fixes sign(a), kappa < 0 fixes sign(p) and then sign(a_inf) = sign(y x^T w0)"),
    ]
    # limits at fixed beta0
    r0, c0 = sp.symbols("r_0 c_0", positive=True)
    rho02 = r0**2 + c0**2
    R0 = sp.sqrt(delta**2 + 4 * eta * rho02)
    a02_pos = (R0 + delta) / (2 * eta_w)
    a02_neg = 2 * eta_a * rho02 / (R0 - delta)   # = (R0 + delta)/(2 eta_w), stable for delta < 0
    kp = delta + eta_a * c0**2 / a02_pos
    kn = delta + eta_a * c0**2 / a02_neg
    g2_pos = ib.a_inf_sq(kp, b) / a02_pos
    g2_neg = ib.a_inf_sq_stable_negative(kn, b) / a02_neg
    steps += [
        Step(a02_neg, a02_pos, "a0^2 = 2 eta_a rho0^2/(R0 - delta) = (R0 + delta)/(2 eta_w)", methods=("cancel", "simplify")),
        Step(sp.Limit(g2_pos, delta, sp.oo), 1,
             "delta -> +oo at fixed beta0: gamma = a_inf/a0 -> 1, beta_inf -> X^+ y + P_N beta0, the Euclidean projection"),
        Step(sp.Limit((g2_pos - 1) * delta**2, delta, sp.oo), eta * (b**2 - r0**2),
             "delta -> +oo: gamma^2 = 1 + eta (b^2 - r0^2)/delta^2 + o(delta^-2): error O(delta^-2)"),
        Step(sp.Limit(g2_neg, delta, -sp.oo), b**2 / r0**2,
             "delta -> -oo at fixed beta0: gamma^2 -> b^2/r0^2 (r0 = ||P_R beta0|| > 0)"),
        Step(sp.Limit((g2_neg - b**2 / r0**2) * delta**2, delta, -sp.oo),
             -eta * b**2 * (b**2 - r0**2) * rho02**2 / r0**6,
             "delta -> -oo: gamma^2 = b^2/r0^2 + O(delta^-2)"),
        Step((b**2 / r0**2) * rho02 / (b**2 + (b**2 / r0**2) * c0**2), 1,
             "gamma^2 = b^2/r0^2 is the KKT condition of min ||beta|| - s <beta0_hat, beta> on X beta = y: "
             "beta = X^+ y + gamma P_N beta0 with gamma/rho = s/rho0 (rho^2 = b^2 + gamma^2 c0^2)"),
        Step((gamma_ * (x3.T * w3)[0] / xx * x3).subs(gamma_, r_ / (x3.T * w3)[0]), r_ / xx * x3,
             "rank one (w3 standing for beta0): gamma = y/x^T beta0 makes gamma P_R beta0 = X^+ y, so the limit "
             "X^+ y + gamma P_N beta0 is gamma beta0: beta0 rescaled (|gamma| = b/r0 = |y|/|x^T beta0|)"),
    ]
    return Derivation(
        name="single_neuron_implicit_bias",
        title="Single neuron: the exact implicit bias on rank-deficient data",
        family="single neuron",
        statement=(
            "If the flow converges to an interpolant with a_inf != 0, then beta_inf = X^+ y + a_inf P_N w0 with "
            "eta_w a_inf^2 = (kappa_N + sqrt(kappa_N^2 + 4 eta ||X^+ y||^2))/2, kappa_N = delta + eta_a ||P_N w0||^2; "
            "it is the unique minimiser of Phi_delta(beta) - sign(a_inf) w0^T beta on X beta = y (a Bregman "
            "projection of beta0 for delta >= 0). sign(a_inf) = sign(a0) if kappa_N > 0 or L(0) < ||y||^2/2; "
            "rank one with kappa < 0: sign(y x^T w0). Limits at fixed beta0: Euclidean projection (delta -> +oo), "
            "argmin ||beta|| - s <beta0_hat, beta> (delta -> -oo; rank one: beta0 rescaled), both O(delta^-2)."
        ),
        assumptions=("y in range(X)", "eta_a, eta_w > 0", "the flow converges to an interpolant with a_inf != 0"),
        notes=__doc__.split("\n\n", 1)[1].strip(),
        steps=tuple(steps),
        result=(sp.Symbol(r"\beta_\infty"),
                sp.Symbol(r"X^{+} y") + sp.Symbol(r"a_\infty") * sp.Symbol(r"P_{N} w_{0}")),
    )
