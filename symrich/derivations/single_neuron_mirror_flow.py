"""Single neuron, any data: beta' = -M grad L is a time-warped mirror flow of a radial potential.

Identities in ``(delta, rho)`` are proved in the positive parametrisation
``(alpha, u) = (|a|, ||w||)``: ``delta = eta_w alpha^2 - eta_a u^2``, ``rho = alpha u``.
This map is a bijection of ``(0, oo)^2`` onto ``{(delta, rho): rho > 0}`` (given
``delta, rho``, ``eta_w alpha^2 = (R + delta)/2`` and ``eta_a u^2 = (R - delta)/2``), so an
identity that holds after the substitution holds for every ``delta`` and ``rho > 0``;
and in it every root is polynomial, ``R = eta_w alpha^2 + eta_a u^2`` (rewrite
``factor_half_powers``).  Derivatives in ``rho`` are taken *before* the substitution.

The Hessian of a radial function ``phi(||beta||)`` is ``phi'' P + (phi'/rho)(I - P)``
with ``P = beta_hat beta_hat^T`` (proved for ``d = 3`` with an undefined ``phi``: the
identity is entrywise the same in every ``d``), and ``M = R P + (R + delta)/2 (I - P)``
(derivation ``single_neuron_function_space``), so ``Hess Phi M = eta_w |a| I`` is the pair
of scalar identities ``phi'' R = eta_w |a|`` (radial) and ``(phi'/rho)(R + delta)/2 = eta_w |a|``
(tangential).  Equivalently, on any interval where ``a != 0``,
``d/dt grad Phi(beta) = d/dt (sign(a) w) = -eta_w |a| g``: with the clock
``d tau = eta_w |a| dt`` it is the exact mirror flow ``d/d tau grad Phi = -grad L``.

Without the time warp there is no potential for ``d >= 2``.  ``M^{-1}`` would have to be
a Hessian, whose derivative ``d_k H_ij`` is symmetric in all indices; at ``beta = (rho, 0)``
(every point, up to a rotation, since ``M`` is rotation-equivariant) the derivative of
``M^{-1}`` fails this by ``-(R - delta)/(rho R (R + delta)) != 0``.  The same number
appears in the radial argument: a radial ``Phi`` needs ``phi'' = 1/R`` and
``phi'/rho = 2/(R + delta)``; differentiating ``phi' = 2 rho/(R + delta)`` gives
``phi''`` minus ``1/R`` equal to ``-(R - delta)/(R (R + delta))``, nonzero for ``rho > 0``.
(Alternatively: if ``M^{-1} = Hess Phi`` for some ``Phi``, then by equivariance so for
``Phi`` composed with any rotation, and averaging over rotations would give a radial
potential, which does not exist.)  With the factor ``eta_w |a|`` the defect vanishes.
"""

import sympy as sp

from symrich.engine import Derivation, Step
from symrich.engine.rewrites import factor_half_powers
from symrich.symbolic import implicit_bias as ib
from symrich.symbolic.single_neuron import M_beta
from symrich.symbolic.symbols import a, delta, eta_a, eta_w, rho, vector

ORDER = 100

F = factor_half_powers


def _radial_hessian_steps():
    """Hess of phi(||beta||) for an undefined phi (d = 3), and Hess Phi M in the eigenbasis of M."""
    bvec = vector("beta", 3)
    r = sp.sqrt((bvec.T * bvec)[0])
    f = sp.Function("phi")
    H = sp.hessian(f(r), list(bvec))
    p1, p2 = sp.symbols("phi_1 phi_2", real=True)

    def rename(e):
        reps = {}
        for sub in e.atoms(sp.Subs):
            order = sum(count for _, count in sub.expr.variable_count)
            reps[sub] = {1: p1, 2: p2}[order]
        return e.xreplace(reps)

    H = H.applyfunc(rename)
    P = bvec * bvec.T / r**2
    eye = sp.eye(3)
    Hform = p2 * P + p1 / r * (eye - P)
    R = ib.R_rho(delta, r)
    return [
        Step(H, Hform,
             "Hess phi(||beta||) = phi'' P + (phi'/rho)(I - P), P = beta beta^T/rho^2 (chain rule; phi_1, phi_2 name "
             "phi', phi'' at rho; d = 3, entrywise the same in every d)", methods=("cancel", "simplify")),
        Step(Hform * M_beta(bvec), p2 * R * P + p1 / r * (R + delta) / 2 * (eye - P),
             "M = R P + (R + delta)/2 (I - P) shares the eigenvectors: Hess Phi M = phi'' R P + (phi'/rho)(R + delta)/2 (I - P)",
             methods=("cancel", "simplify")),
    ]


def _curl_steps():
    """d = 2: M^{-1} is not a Hessian; eta_w |a| M^{-1} has no such defect."""
    b1, b2 = sp.symbols("beta_1 beta_2", real=True)
    bvec = sp.Matrix([b1, b2])
    r2 = b1**2 + b2**2
    R = ib.R_rho(delta, sp.sqrt(r2))
    P = bvec * bvec.T / r2
    Minv = P / R + 2 / (R + delta) * (sp.eye(2) - P)
    at = {b1: rho, b2: 0}
    curl = (sp.diff(Minv[1, 1], b1) - sp.diff(Minv[1, 0], b2)).subs(at)
    warp = sp.sqrt(eta_w * (R + delta) / 2)   # eta_w |a| as a function of ||beta||
    curl_warped = (sp.diff(warp * Minv[1, 1], b1) - sp.diff(warp * Minv[1, 0], b2)).subs(at)
    R0 = ib.R_rho()
    return [
        Step(M_beta(bvec) * Minv, sp.eye(2),
             "M^{-1} = P/R + 2/(R + delta) (I - P) (d = 2)", methods=("cancel", "simplify")),
        Step(ib.on_parameters(curl), ib.on_parameters(-(R0 - delta) / (rho * R0 * (R0 + delta))),
             "no potential without time warp: at beta = (rho, 0), d_1 (M^{-1})_22 - d_2 (M^{-1})_21 = "
             "-(R - delta)/(rho R (R + delta)) != 0, so M^{-1} is not a Hessian (third derivatives would be symmetric)",
             rewrite=F),
        Step(ib.on_parameters(curl_warped), 0,
             "with the time warp the defect vanishes: eta_w |a| M^{-1} passes the same symmetry test", rewrite=F),
    ]


def derivation():
    R = ib.R_rho()
    al, un = ib.alpha, ib.w_norm
    on = ib.on_parameters
    php = ib.phi_prime()
    dp = sp.Symbol("delta_p", positive=True)
    steps = [
        Step(on(R), eta_w * al**2 + eta_a * un**2,
             "in the parameters (alpha, u) = (|a|, ||w||) the root is polynomial: R = eta_w alpha^2 + eta_a u^2", rewrite=F),
        Step(on(php), un, "phi'(rho) = sqrt((R - delta)/(2 eta_a)) equals ||w||", rewrite=F),
        Step(on(sp.diff(ib.phi(), rho)), on(php),
             "phi(rho) = (R - 2 delta) sqrt((R + delta)/(2 eta_w))/(3 eta_a) is an antiderivative of phi'", rewrite=F),
        Step(on(ib.phi()), al * (3 * eta_a * un**2 - eta_w * al**2) / (3 * eta_a),
             "in the parameters phi = |a| (2 eta_a ||w||^2 - delta)/(3 eta_a)", rewrite=F),
        Step(sp.Limit(ib.phi(rho, dp), rho, 0, "+"), -dp ** sp.Rational(3, 2) / (3 * eta_a * sp.sqrt(eta_w)),
             "phi(0) = -delta^{3/2}/(3 eta_a sqrt(eta_w)) for delta > 0"),
        Step(sp.Limit(ib.phi(rho, -dp), rho, 0, "+"), 0, "phi(0) = 0 for delta < 0 (and at delta = 0)"),
        Step(sp.Limit(ib.phi_prime(rho, -dp), rho, 0, "+"), sp.sqrt(dp / eta_a),
             "cone point for delta < 0: phi'(0) = sqrt(|delta|/eta_a) > 0"),
    ]
    # grad Phi(a w) = sign(a) w, explicit d = 3
    w = vector("w", 3)
    ww = (w.T * w)[0]
    dl = eta_w * a**2 - eta_a * ww
    rho_aw = sp.Abs(a) * sp.sqrt(ww)
    steps.append(Step(ib.phi_prime(rho_aw, dl) * (a * w) / rho_aw, a / sp.Abs(a) * w,
                      "grad Phi(beta) = phi'(rho) beta/rho at beta = a w, delta = eta_w a^2 - eta_a ||w||^2: "
                      "grad Phi(a w) = sign(a) w (a != 0; d = 3, entrywise the same in every d)", rewrite=F))
    steps += _radial_hessian_steps()
    steps += [
        Step(on(sp.diff(php, rho)), on(ib.phi_second()), "phi'' = sqrt(eta_w (R + delta)/2)/R", rewrite=F),
        Step(on(sp.sqrt(eta_w * (R + delta) / 2)), eta_w * al, "eta_w |a| = sqrt(eta_w (R + delta)/2)", rewrite=F),
        Step(on(sp.diff(php, rho) * R), eta_w * al, "radial eigenvalue: phi'' R = eta_w |a|", rewrite=F),
        Step(on(php / rho * (R + delta) / 2), eta_w * al, "tangential eigenvalue: (phi'/rho)(R + delta)/2 = eta_w |a|; "
             "so Hess Phi M = eta_w |a| I", rewrite=F),
    ]
    # time warp directly in the parameters: d/dt (sign(a) w) = sign(a) (-eta_w a g) = -eta_w |a| g
    gs = sp.Symbol("g_i", real=True)
    steps.append(Step(a / sp.Abs(a) * (-eta_w * a * gs), -eta_w * sp.Abs(a) * gs,
                      "d/dt grad Phi = d/dt (sign(a) w) = sign(a) w' = sign(a)(-eta_w a g) = -eta_w |a| g on intervals "
                      "where a != 0 (sign(a) = a/|a| is constant there)"))
    # stable forms compiled by the numeric layer
    steps += [
        Step(on(ib.phi_stable_negative()), on(ib.phi()),
             "stable form of phi for delta < 0: sqrt((R + delta)/(2 eta_w)) = rho sqrt(2 eta_a/(R - delta))", rewrite=F),
        Step(on(ib.phi_prime_stable_positive()), on(php),
             "stable form of phi' for delta > 0: phi' = rho sqrt(2 eta_w/(R + delta))", rewrite=F),
        Step(on(ib.phi_second_stable_negative()), on(ib.phi_second()),
             "stable form of phi'' for delta < 0: phi'' = rho sqrt(2 eta_a eta_w^2/(R - delta))/R", rewrite=F),
        Step(on(ib.phi_tangential_stable_positive()), on(ib.phi_tangential()),
             "stable form of phi'/rho for delta > 0: sqrt(2 eta_w/(R + delta))", rewrite=F),
    ]
    # no potential without the time warp
    radial_defect = sp.diff(2 * rho / (R + delta), rho) - 1 / R
    steps.append(Step(on(radial_defect), on(-(R - delta) / (R * (R + delta))),
                      "a radial potential of M^{-1} needs phi' = 2 rho/(R + delta) and phi'' = 1/R; "
                      "d/drho [2 rho/(R + delta)] - 1/R = -(R - delta)/(R (R + delta))", rewrite=F))
    steps.append(Step(on(-(R - delta) / (R * (R + delta))), -eta_a * un**2 / (eta_w * al**2 * (eta_w * al**2 + eta_a * un**2)),
                      "the defect is -eta_a ||w||^2/(eta_w a^2 R) < 0: never zero (rho > 0), so the two conditions are inconsistent",
                      rewrite=F))
    steps += _curl_steps()
    # limits of phi'
    eta = eta_a * eta_w
    steps += [
        Step(sp.Limit(php * sp.sqrt(delta) / rho, delta, sp.oo), sp.sqrt(eta_w),
             "delta -> +oo: phi' ~ sqrt(eta_w/delta) rho, so Phi ~ sqrt(eta_w/delta) ||beta||^2/2 (quadratic)"),
        Step(sp.Limit((php * sp.sqrt(delta) - sp.sqrt(eta_w) * rho) * delta**2, delta, sp.oo),
             -eta * sp.sqrt(eta_w) * rho**3 / 2,
             "delta -> +oo: phi' = sqrt(eta_w/delta) rho (1 - eta rho^2/(2 delta^2) + O(delta^-4))"),
        Step(ib.phi().subs(delta, 0), ib.lim_zero(), "delta = 0: phi = (2/3)(eta_w/eta_a)^{1/4} rho^{3/2}"),
        Step(sp.Limit(php / sp.sqrt(-delta), delta, -sp.oo), 1 / sp.sqrt(eta_a),
             "delta -> -oo: phi' ~ sqrt(|delta|/eta_a), so Phi ~ sqrt(|delta|/eta_a) ||beta|| (norm-like)"),
        Step(sp.Limit((php - ib.lim_minus_leading()) * (-delta) ** sp.Rational(3, 2), delta, -sp.oo),
             eta * rho**2 / (2 * sp.sqrt(eta_a)),
             "delta -> -oo: phi' = sqrt(|delta|/eta_a) + eta rho^2/(2 sqrt(eta_a) |delta|^{3/2}) + ..."),
    ]
    return Derivation(
        name="single_neuron_mirror_flow",
        title="Single neuron: time-warped mirror flow of a radial potential",
        family="single neuron",
        statement=(
            "Phi_delta(beta) = phi(||beta||), phi' = sqrt((R - delta)/(2 eta_a)), "
            "phi = (R - 2 delta) sqrt((R + delta)/(2 eta_w))/(3 eta_a), has grad Phi(a w) = sign(a) w and "
            "Hess Phi M = eta_w |a| I; so d/dt grad Phi(beta) = -eta_w |a| grad L (a mirror flow in the clock "
            "d tau = eta_w |a| dt), for every X, y, d and learning rates. Without the time warp M^{-1} is not a "
            "Hessian (d >= 2). Limits: Phi ~ sqrt(eta_w/delta)||beta||^2/2 (delta -> +oo), "
            "(2/3)(eta_w/eta_a)^{1/4}||beta||^{3/2} (delta = 0), sqrt(|delta|/eta_a)||beta|| (delta -> -oo)."
        ),
        assumptions=("eta_a, eta_w > 0", "rho = ||beta|| > 0", "a != 0 on the interval (for the time warp)"),
        notes=__doc__.split("\n\n", 1)[1].strip(),
        steps=tuple(steps),
        result=(sp.Symbol(r"\operatorname{Hess}\Phi_\delta\,M"), eta_w * sp.Abs(a) * sp.Symbol("I")),
    )
