"""Wide linear network: aligned singular values, their Riccati form, and the explicit ``sigma(t)`` for every delta.

Whitened data (``G = beta - beta*``), ``Delta = delta I`` with (C), and
``beta_0 = U Sigma_0 V^T``, ``beta* = U S V^T`` sharing singular frames.  The
first step checks, for ``d = c = h = 2`` with rotation frames ``U``, ``V`` (angles
free), that the beta-flow of ``wide_linear_self_consistent`` (square roots in
closed form, independently) equals ``U diag(sigma_i') V^T`` with the scalar rate
below, by the randomized 30-digit method for ``delta`` of either sign: so ``beta``
stays in the frame and each singular value moves alone.  For ``d > c`` (or
``c > d``) the complement of ``U`` (or ``V``) carries the factor ``|delta|/2 -
delta/2`` times ``G``, and ``G = U (Sigma - S) V^T`` vanishes there.

Every closed form is then proved through the ODE its pieces satisfy: the change
of variable ``v = sigma + sqrt(sigma^2 + kappa^2)`` (``kappa = |delta|/(2
sqrt(eta))``) turns the rate into the constant-coefficient Riccati equation
``v' = sqrt(eta)(-v^2 + 2 s v + kappa^2)``; its textbook solution satisfies it and
the initial condition; the cancellation-free form used by the numeric kernel
equals it; ``t(sigma)`` has ``dt/dv = 1/v'`` and ``t(v_0) = 0``; and the Saxe
sigmoid is both the ``kappa -> 0`` limit and a solution of the ``delta = 0`` ODE.
"""

import sympy as sp

from symrich.engine import Derivation, Step
from symrich.symbolic.wide_linear import (
    E, beta_flow_rhs, kappa, kappa_of, phi, riccati_rhs, rotation, saxe_sigmoid, sigma, sigma0, sigma_of_v,
    sigma_of_v_stable, sigma_rate, sqrt_psd_2x2, time_of_v, time_to_reach_critical, time_to_reach_stable,
    v, v0, v_minus, v_of_sigma, v_plus, v_trajectory, v_trajectory_stable,
)
from symrich.symbolic.symbols import delta, eta_a, eta_w, s, t

ORDER = 220


def _aligned_frame_step():
    th_u, th_v = sp.symbols("theta_U theta_V", real=True)
    sig = [sp.Symbol(f"sigma_{i}", positive=True) for i in (1, 2)]
    ss = [sp.Symbol(f"s_{i}", positive=True) for i in (1, 2)]
    U, V = rotation(th_u, 2), rotation(th_v, 2)
    beta = U * sp.diag(*sig) * V.T
    G = beta - U * sp.diag(*ss) * V.T
    eta = eta_a * eta_w
    rhs_theorem = beta_flow_rhs(G, sqrt_psd_2x2(eta * beta * beta.T + delta**2 / 4 * sp.eye(2)),
                                sqrt_psd_2x2(eta * beta.T * beta + delta**2 / 4 * sp.eye(2)), delta)
    rates = U * sp.diag(*[sigma_rate(x, y, delta) for x, y in zip(sig, ss)]) * V.T
    return Step(rhs_theorem, rates,
                "d = c = 2, aligned frames U, V: the beta-flow is U diag(-2 sqrt(eta sigma^2 + delta^2/4)(sigma - s)) V^T",
                symbolic=False)


def derivation():
    eta = eta_a * eta_w
    r = sp.sqrt(sigma**2 + kappa**2)
    # sigma' in terms of kappa; d/dt v(sigma) by the chain rule
    rate_kappa = -2 * sp.sqrt(eta) * r * (sigma - s)
    vt = v_trajectory(t, v0, s, kappa)
    gap, v_stable = v_trajectory_stable(sigma0, s, kappa, E, phi)
    R = sp.sqrt(s**2 + kappa**2)
    E_t = sp.exp(-2 * R * sp.sqrt(eta) * t)
    sigma_t = sigma_of_v(v_trajectory(t, v_of_sigma(sigma0, kappa), s, kappa), kappa)
    steps = (
        _aligned_frame_step(),
        Step(sigma_rate(0, s, delta), sp.Abs(delta) * s,
             "at sigma = 0 the rate is |delta| s >= 0: sigma stays >= 0, and sigma_0 = 0 is not stuck when delta != 0"),
        Step(sigma_rate(sigma, s, delta), rate_kappa.subs(kappa, kappa_of(delta)),
             "sqrt(eta sigma^2 + delta^2/4) = sqrt(eta) sqrt(sigma^2 + kappa^2), kappa = |delta|/(2 sqrt(eta))",
             methods=("expand", "simplify")),
        Step(sigma_of_v(v_of_sigma(sigma, kappa), kappa), sigma, "sigma = (v^2 - kappa^2)/(2v) inverts v = sigma + sqrt(sigma^2 + kappa^2)",
             methods=("cancel", "simplify")),
        Step(rate_kappa * sp.diff(v_of_sigma(sigma, kappa), sigma), riccati_rhs(v_of_sigma(sigma, kappa), s, kappa),
             "chain rule: v' = sigma' dv/dsigma is the Riccati field sqrt(eta)(-v^2 + 2 s v + kappa^2)",
             methods=("expand", "cancel")),
        Step(riccati_rhs(v, s, kappa), -sp.sqrt(eta) * (v - v_plus(s, kappa)) * (v - v_minus(s, kappa)),
             "the Riccati field factors over its roots v_+- = s +- sqrt(s^2 + kappa^2)"),
        Step(sp.diff(vt, t), riccati_rhs(vt, s, kappa), "the textbook solution v(t) satisfies the Riccati equation",
             methods=("cancel", "simplify")),
        Step(vt.subs(t, 0), v0, "and the initial condition v(0) = v_0", methods=("cancel", "simplify")),
        Step(v_stable.subs({E: E_t, phi: (1 - E_t) / (2 * R)}), v_trajectory(t, v_of_sigma(sigma0, kappa), s, kappa),
             "stable form: v = v_+ + b E/(1 + b (1 - E)/(2R)), b = v_0 - v_+ written without cancellation",
             methods=("cancel",), symbolic=False, domain={kappa: (0, 3), t: (0, 5)}),
        Step(sigma_of_v_stable(v - v_plus(s, kappa), v, s, kappa), sigma_of_v(v, kappa),
             "sigma = s + (v - v_+)(v - v_-)/(2v): the inverse map written around the target s",
             methods=("expand", "cancel")),
        Step(sp.diff(time_of_v(v, v0, s, kappa), v), 1 / riccati_rhs(v, s, kappa),
             "t(v) = log[(v - v_-)(v_0 - v_+)/((v - v_+)(v_0 - v_-))]/(2 R sqrt(eta)) has dt/dv = 1/v'",
             methods=("cancel", "simplify")),
        Step(time_of_v(v0, v0, s, kappa), 0, "and t(v_0) = 0", methods=("expand", "simplify")),
        Step(time_to_reach_stable(sigma, sigma0, s, kappa), time_of_v(v_of_sigma(sigma, kappa), v_of_sigma(sigma0, kappa), s, kappa),
             "t(sigma) via log1p of cancellation-free differences (sigma, sigma_0 on the same side of s)",
             symbolic=False, domain={s: (2.1, 3), sigma: (0.05, 1.9), sigma0: (0.05, 1.9)}),
        Step(sp.diff(time_to_reach_critical(sigma, sigma0), sigma), 1 / sigma_rate(sigma, 0, 0),
             "R = 0 (s = 0, delta = 0): sigma' = -2 sqrt(eta) sigma^2 and t = (1/sigma - 1/sigma_0)/(2 sqrt(eta))"),
        Step(sp.Limit(sigma_t, kappa, 0), saxe_sigmoid(t, sigma0, s),
             "delta -> 0: the general sigma(t) tends to the Saxe sigmoid", methods=("expand", "simplify")),
        Step(sp.diff(saxe_sigmoid(t, sigma0, s), t), sigma_rate(saxe_sigmoid(t, sigma0, s), s, 0),
             "the Saxe sigmoid solves sigma' = -2 sqrt(eta) sigma (sigma - s)", methods=("cancel", "simplify")),
        Step(saxe_sigmoid(0, sigma0, s), sigma0, "with sigma(0) = sigma_0"),
    )
    return Derivation(
        name="wide_linear_singular_values",
        title="Wide linear network: aligned singular values in closed form",
        family="wide linear",
        statement=(
            "With whitened X, Delta = delta I under (C), and beta_0, beta* sharing singular frames, beta = U Sigma(t) V^T "
            "and each singular value obeys sigma' = -2 sqrt(eta sigma^2 + delta^2/4)(sigma - s). With kappa = "
            "|delta|/(2 sqrt(eta)), R = sqrt(s^2 + kappa^2), v = sigma + sqrt(sigma^2 + kappa^2), v_+- = s +- R: "
            "v(t) = [v_+(v_0 - v_-) - v_-(v_0 - v_+) e^{-2R sqrt(eta) t}] / [(v_0 - v_-) - (v_0 - v_+) e^{-2R sqrt(eta) t}], "
            "sigma = (v^2 - kappa^2)/(2v), t(sigma) = log[(v - v_-)(v_0 - v_+)/((v - v_+)(v_0 - v_-))]/(2R sqrt(eta)); "
            "delta = 0 gives the Saxe sigmoid s sigma_0 e^{2 s sqrt(eta) t}/(s + sigma_0 (e^{2 s sqrt(eta) t} - 1))."
        ),
        assumptions=("X^T X = I", "Delta = delta I_h and (C)", "beta_0 = U Sigma_0 V^T, beta* = U S V^T", "sigma_0, s >= 0"),
        notes=__doc__.split("\n\n", 1)[1].strip(),
        steps=steps,
        result=(sp.Symbol("sigma'"), sigma_rate(sigma, s, delta)),
    )
