"""Wide linear network: the forms the numeric kernels evaluate, equal to the closed forms and free of cancellation.

The closed forms of the aligned singular values subtract nearly equal numbers in
floating point: $v_0 - v_+$ when $\\sigma_0$ is close to $s$, $\\sqrt{\\lambda + \\delta^2/4} - \\delta/2$
for small $\\lambda$ and large $\\delta$, the logarithm of a ratio close to 1.  The numeric kernels of the wide
network evaluate the equivalent forms proved here: every difference of nearly equal numbers is
rationalised, the exponential enters only through $E = e^{-2R\\sqrt{\\eta}t} \\in (0, 1]$ and
$\\phi = (1 - E)/(2R)$ (computed without cancellation for small $R t$, continuous at $R = 0$), and the
time uses logarithms $\\log(1 + q)$ of small quantities $q$, evaluated without cancellation.
"""

import sympy as sp

from symrich.derivations.wide_linear_singular_values import closed_form_definitions
from symrich.engine import Definition, Derivation, Step
from symrich.engine.prepare import fold
from symrich.symbolic.symbols import delta, s, t
from symrich.symbolic.wide_linear import (
    E, kappa, phi, root_factors, sigma, sigma0, sigma_of_v, sigma_of_v_stable, sigma_rising_stable, time_to_reach_stable, v,
    v_gap_stable, v_of_sigma, v_trajectory_stable,
)

ORDER = 225
REQUIRES = ("wide_linear_singular_values",)


def derivation():
    definitions, nm = closed_form_definitions()
    R, v_plus, v0, v_t, tau = nm["R"], nm["v_plus"], nm["v0"], nm["v_t"], nm["tau"]
    b = sp.Symbol("b", real=True)
    definitions += (
        Definition(b, fold(v_gap_stable(sigma0, s, kappa), definitions), r"$= v_0 - v_+$ (below)"),
        Definition(E, sp.exp(-2 * R * sp.sqrt(nm["eta"]) * t), r"in $(0, 1]$"),
        Definition(phi, (1 - E) / (2 * R), r"$= \sqrt{\eta}\,t$ at $R = 0$"),
    )

    def named(expr):
        return fold(expr, definitions)

    lam = sp.Symbol("lambda", nonnegative=True)
    left, left_stable, right, right_stable = root_factors(lam, delta)
    gap, v_stable = v_trajectory_stable(sigma0, s, kappa, E, phi)
    steps = (
        Step(left_stable, left,
             r"the factor $\sqrt{\lambda + \delta^2/4} - \delta/2$ of an eigenvalue $\lambda \ge 0$ of "
             r"$\eta\beta\beta^\top$ (Theorem 4.2), rationalised: no cancellation for $\delta > 0$",
             methods=("cancel",), label="left_factor"),
        Step(right_stable, right,
             r"the factor $\sqrt{\lambda + \delta^2/4} + \delta/2$ of an eigenvalue of $\eta\beta^\top\beta$, "
             r"rationalised: no cancellation for $\delta < 0$", methods=("cancel",), domain={lam: (0.1, 3.0)},
             label="right_factor"),
        Step(b, v0 - v_plus,
             r"$b = v_0 - v_+$ without cancellation ($\sqrt{\sigma_0^2 + \kappa^2} - R$ rationalised)",
             rewrite="radsimp", label="gap"),
        Step(named(v_stable), v_t,
             r"$v(t) = v_+ + bE/(1 + b\phi)$: the closed form of the solution with $v_0 - v_- = b + 2R$ and "
             r"$v_+ - v_- = 2R$", symbolic=False, domain={t: (0, 5)}, label="trajectory"),
        Step(named(sigma_of_v_stable(v - v_plus, v, s, kappa)), sigma_of_v(v, kappa),
             r"$\sigma = s + (v - v_+)(v - v_+ + 2R)/(2v)$: the inverse map written around the target $s$",
             methods=("expand", "cancel"), label="inverse"),
        Step(named(sigma_rising_stable(sigma0, s, kappa, E, phi)), nm["sigma_t"],
             r"for $\sigma_0 \le s$: $\sigma(t) = \sigma_0 + (v - v_0)\bigl(1 + \kappa^2/(v v_0)\bigr)/2$ with "
             r"$v - v_0 = -2Rb\phi\,(v_0 - v_-)/(v_0 - v_- - bE)$ ($1 + b\phi = (v_0 - v_- - bE)/(2R)$) and "
             r"$v_0 - v_- = v_0 + \kappa^2/(s + R)$: the inverse map written around the start, every term $\ge 0$ "
             r"($b \le 0$), so no cancellation for $\sigma_0 \ll s$",
             symbolic=False, domain={t: (0, 5), s: (0.5, 3.0), sigma0: (1e-6, 0.4)}, label="rising"),
        _time_step(tau, definitions, (2.1, 3.0), (0.05, 1.9), "below"),
        _time_step(tau, definitions, (0.2, 1.0), (1.1, 3.0), "above"),
    )
    return Derivation(
        name="wide_linear_stable_forms",
        title="Wide linear network: cancellation-free forms used by the kernels",
        family="wide linear",
        statement=(
            r"The eigenvalue factors $\sqrt{\lambda + \delta^2/4} \mp \delta/2$ equal "
            r"$\lambda / (\sqrt{\lambda + \delta^2/4} \pm \delta/2)$; with $b = v_0 - v_+$, $E = e^{-2R\sqrt{\eta}t}$ "
            r"and $\phi = (1 - E)/(2R)$, the solution is $v(t) = v_+ + bE/(1 + b\phi)$ and "
            r"$\sigma = s + (v - v_+)(v - v_+ + 2R)/(2v)$, or for $\sigma_0 \le s$ "
            r"$\sigma = \sigma_0 + (v - v_0)(1 + \kappa^2/(v v_0))/2$ with $v - v_0 = -2Rb\phi(v_0 - v_-)/(v_0 - v_- - bE)$; the time at which $\sigma$ is reached is a sum of two "
            r"logarithms $\log(1 + q)$ of cancellation-free quotients $q$. These are the expressions the numeric kernels "
            r"compile."
        ),
        assumptions=(r"as for the aligned singular values: $X^\top X = I_d$, $\Delta = \delta I_h$ and (C), "
                     r"$\beta_0$ and $\beta_*$ sharing singular frames, $\sigma_0 \ge 0$, $s > 0$, $\eta_a, \eta_w > 0$",),
        definitions=definitions,
        steps=steps,
        result=("left_factor", "right_factor", "trajectory", "inverse", "rising"),
        requires=REQUIRES,
        notes=__doc__.split("\n\n", 1)[1].strip(),
    )


def _time_step(tau, definitions, s_range, sigma_range, side):
    """Lemma: the form of the time with $\\log(1 + q)$ equals ``tau(v(sigma))`` for sigma, sigma_0 on one side of s."""
    return Step(time_to_reach_stable(sigma, sigma0, s, kappa), tau.subs(v, v_of_sigma(sigma, kappa)),
                rf"the time at which $\sigma$ is reached, "
                r"$\log\bigl(1 + \frac{v_0 - v}{v - v_+} \cdot \frac{2R}{v_0 - v_-}\bigr)"
                r"/(2R\sqrt{\eta})$ with $v - v_0$, $v_0 - v_-$, $v - v_+$ written without cancellation, equals "
                rf"$\tau(v)$ at $v = \sigma + \sqrt{{\sigma^2 + \kappa^2}}$, for $\sigma$, $\sigma_0$ {side} $s$",
                lemma=True, symbolic=False, domain={s: s_range, sigma: sigma_range, sigma0: sigma_range})
