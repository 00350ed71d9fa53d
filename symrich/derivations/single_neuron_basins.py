"""Single neuron, whitened data: the basins of the two interpolating branches, from the closed form.

Coordinates that make every limit explicit: for $s > 0$ put $\\kappa = \\delta + \\Lambda = -2\\ell_-$
and $\\mu = \\Lambda - \\delta = 2\\ell_+$; both are positive, $\\delta = (\\kappa - \\mu)/2$,
$\\Lambda = (\\kappa + \\mu)/2$ and $\\eta_a\\eta_w s^2 = \\kappa\\mu/4$, and every pair $\\kappa, \\mu > 0$
is one $(\\delta, s)$.  The initial values enter the closed form (the derivation
of the closed form) only through $A = \\eta_a p_0 - \\ell_- a_0$ and
$B = \\eta_a p_0 - \\ell_+ a_0$ ($p_0 = w_0^\\top\\beta_*$), an invertible linear change of
$(a_0, p_0)$, so $A$ and $B$ are the free symbols.
"""

import sympy as sp

from symrich.engine import Definition, Derivation, Step
from symrich.engine.rewrites import factor_half_powers
from symrich.symbolic import implicit_bias as ib
from symrich.symbolic import single_neuron_solution as sol
from symrich.symbolic.single_neuron_solution import a0, pi0, s2
from symrich.symbolic.symbols import delta, eta_a, eta_w, t

ORDER = 120
REQUIRES = ()


def phi1_as_exp(expr):
    """Every $\\phi_1(x)$ written as $(e^x - 1)/x$, then the radicands factored and the exponentials combined.

    >>> k = sp.Symbol("k", positive=True)
    >>> phi1_as_exp(t * sol.phi1(-k * t) - (1 - sp.exp(-k * t)) / k)
    0
    """
    e = factor_half_powers(sp.sympify(expr).rewrite(sp.exp))
    return sp.expand(sp.powsimp(sp.expand(e), combine="exp"))


def derivation():
    kappa, mu = sp.symbols("kappa mu", positive=True)
    A, B = sp.symbols("A B", real=True)
    Lam = sp.Symbol("Lambda", positive=True)
    lp, lm = sp.Symbol("l_+", positive=True), sp.Symbol("l_-", negative=True)
    p0, q0 = ib.p0, sp.Symbol("q_0", nonnegative=True)
    chi, J, a_t, p_t, c_t, S, T0, T1, T2 = (sp.Function(f, real=True)
                                            for f in ("chi", "J", "a", "p", "c", "S", "T_0", "T_1", "T_2"))
    E = sp.exp(-(delta + Lam) * t)
    Dt = sp.sqrt(E + 2 * eta_w * J(t))
    a_inf = sp.sqrt((delta + Lam) / (2 * eta_w))
    definitions = (
        Definition(delta, (kappa - mu) / 2, r"$\kappa = \delta + \Lambda > 0$, $\mu = \Lambda - \delta > 0$"),
        Definition(Lam, (kappa + mu) / 2, r"$= \sqrt{\delta^2 + 4\eta_a\eta_w s^2}$ by \eqref{eq:single_neuron_basins:Lambda}"),
        Definition(s2, kappa * mu / (4 * eta_a * eta_w), r"$s = \|\beta_*\| > 0$"),
        Definition(lp, (-delta + Lam) / 2),
        Definition(lm, (-delta - Lam) / 2),
        Definition(a0, (A - B) / Lam, r"by \eqref{eq:single_neuron_basins:A}, \eqref{eq:single_neuron_basins:B}"),
        Definition(p0, (lp * A - lm * B) / (eta_a * Lam), r"$p_0 = w_0^\top\beta_*$"),
        Definition(pi0, p0 / s2, r"$w_0 = \pi_0\beta_* + w_{\perp,0}$"),
        Definition(chi(t), (A * sp.exp(lp * t) - B * sp.exp(lm * t)) / Lam, r"the closed form's $\chi$"),
        Definition(T0(t), (1 - E) / (delta + Lam)),
        Definition(T1(t), (sp.exp(-Lam * t) - E) / delta, r"($\delta \neq 0$)"),
        Definition(T2(t), (E - sp.exp(-2 * Lam * t)) / (Lam - delta)),
        Definition(J(t), (A**2 * T0(t) - 2 * A * B * T1(t) + B**2 * T2(t)) / Lam**2,
                   r"$= e^{-(\delta + \Lambda)t} I(t)$"),
        Definition(a_t(t), sp.exp(-lp * t) * chi(t) / Dt,
                   r"$= e^{\delta t}\chi/D$"),
        Definition(p_t(t), sp.exp(-lp * t) * sp.Derivative(chi(t), t) / (eta_a * s2 * Dt),
                   r"$w = p\,\beta_* + c\, w_{\perp,0}$"),
        Definition(c_t(t), sp.sqrt(E) / Dt),
        Definition(q0, (eta_w * a0**2 - delta) / eta_a - p0**2 / s2),
        Definition(S(t), sp.sqrt(1 + 2 * eta_w * a0**2 * (1 - sp.exp((delta - Lam) * t)) / (Lam - delta)),
                   r"the saddle form of $D$ on $A = 0$"),
    )
    steps = (
        Step(Lam, sol.Lam_of(s2), r"the compiled $\Lambda$", rewrite=factor_half_powers, label="Lambda"),
        Step(lp, sol.l_plus(s2), r"the compiled $\ell_+ = \mu/2$", rewrite=factor_half_powers, label="l_plus"),
        Step(lm, sol.l_minus(s2), r"the compiled $\ell_- = -\kappa/2$", rewrite=factor_half_powers, label="l_minus"),
        Step(lm, ib.l_minus_stable_negative(s2), r"the form compiled for $\delta < 0$ (no cancellation)",
             rewrite=factor_half_powers, label="l_minus_stable"),
        Step(lp, ib.l_plus_stable_positive(s2), r"the form compiled for $\delta > 0$ (no cancellation)",
             rewrite=factor_half_powers, label="l_plus_stable"),
        Step(ib.basin_A(lm, a0), A, r"the compiled selector $A = \eta_a p_0 - \ell_- a_0$", label="A"),
        Step(eta_a * p0 - lp * a0, B, r"likewise", label="B"),
        Step(chi(0), a0, r"the initial readout", label="chi_0"),
        Step(sp.Subs(sp.Derivative(chi(t), t), t, 0), eta_a * p0, r"$\dot\chi(0) = \eta_a w_0^\top\beta_*$",
             label="dchi_0"),
        Step(chi(t), sol.chi_plain(t, s2), r"$\chi$ is the closed form's $\chi$ (the derivation of the "
             r"closed form)", rewrite=factor_half_powers, lemma=True, label="chi_closed_form"),
        Step(J(t), E * sol.I_plain(t, s2), r"$J$ is $e^{-(\delta + \Lambda)t}$ times the closed form's "
             r"$I = \int_0^t e^{2\delta r}\chi(r)^2\,dr$ (with $\phi_1(x) = (e^x - 1)/x$)",
             rewrite=phi1_as_exp, lemma=True, label="J_closed_form"),
        Step(sp.Limit(sp.exp(-lp * t) * chi(t), t, sp.oo), A / Lam, r"$\ell_- < 0 < \ell_+$", label="chi_limit"),
        Step(sp.Limit(sp.exp(-lp * t) * sp.Derivative(chi(t), t), t, sp.oo), lp * A / Lam, r"likewise",
             label="dchi_limit"),
        Step(sp.Limit(J(t), t, sp.oo), A**2 / (Lam**2 * (delta + Lam)),
             r"every other exponential decays: $D^2 \sim 2\eta_w (A/\Lambda)^2 e^{(\delta + \Lambda)t}/(\delta + \Lambda)$",
             label="J_limit"),
        Step(sp.Limit(a_t(t), t, sp.oo), a_inf,
             r"numerator $\to A/\Lambda$, denominator $\to \sqrt{2\eta_w}\, |A|/(\Lambda\sqrt{\delta + \Lambda})$",
             given=(A > 0,), label="a_plus"),
        Step(sp.Limit(a_t(t), t, sp.oo), -a_inf,
             r"$A < 0$: so $a(\infty) = \operatorname{sign}(A)\sqrt{(\delta + \Lambda)/(2\eta_w)}$", given=(A < 0,),
             label="a_minus"),
        Step(sp.Limit(a_t(t) * p_t(t), t, sp.oo), 1, r"$a(\infty)\, p(\infty) = 1$", given=(sp.Ne(A, 0),),
             label="ap_limit"),
        Step(sp.Limit(c_t(t), t, sp.oo), 0, r"the $w_{\perp,0}$ part dies: $w(\infty) = \beta_*/a(\infty)$, "
             r"$\beta(\infty) = \beta_*$", given=(sp.Ne(A, 0),), label="c_limit"),
        # the separating surface A = 0: the stable manifold of the saddle beta = 0
        Step(delta * (1 + 2 * eta_w * a0**2 / mu) + eta_a * q0, A * (delta * A - (delta + Lam) * B) / (eta_a * s2 * Lam),
             r"on $A = 0$: $\delta\,(1 + 2\eta_w a_0^2/\mu) = -\eta_a\|w_{\perp,0}\|^2 \leq 0$, so the surface is empty "
             r"for $\delta > 0$", label="saddle_delta"),
        Step(S(t)**2, sol.stable_saddle(t, s2).S**2, r"$S$ is the closed form's saddle form",
             rewrite=phi1_as_exp, lemma=True, label="S_closed_form"),
        Step(sp.Limit(sp.exp((delta - Lam) * t / 2), t, sp.oo), 0, r"$\delta - \Lambda = -\mu < 0$",
             label="saddle_decay"),
        Step(sp.Limit(S(t)**2, t, sp.oo), 1 + eta_w * a0**2 / lp,
             r"on $A = 0$, $a = a_0 e^{(\delta - \Lambda)t/2}/S \to 0$, $p \to 0$ and $c = 1/S \to "
             r"(1 + \eta_w a_0^2/\ell_+)^{-1/2}$: $\beta \to 0$, and $\|w(\infty)\|^2 = \|w_{\perp,0}\|^2/(1 + "
             r"\eta_w a_0^2/\ell_+) = -\delta/\eta_a$ by \eqref{eq:single_neuron_basins:saddle_delta}, the "
             r"conservation law at $a = 0$", label="saddle_limit"),
    )
    return Derivation(
        name="single_neuron_basins",
        title=r"Single neuron, whitened data: the basins of the two branches",
        family="single neuron",
        statement=(
            r"With $X^\top X = I_d$, $s = \|\beta_*\| > 0$ and $A = \eta_a w_0^\top\beta_* - \ell_-(\delta)\, a_0$: if "
            r"$A \neq 0$ then $a(\infty) = \operatorname{sign}(A)\sqrt{(\delta + \Lambda)/(2\eta_w)}$ and "
            r"$w(\infty) = \beta_*/a(\infty)$. The surface $\eta_a w^\top\beta_* = \ell_-(\delta)\, a$ separates the "
            r"two basins; on it (possible only for $\delta \leq 0$) the flow converges to the saddle $\beta = 0$."
        ),
        assumptions=(r"$X^\top X = I_d$, $\beta_* = X^\top y \neq 0$; $\eta_a, \eta_w > 0$",
                     r"the closed form of the single neuron: $a = e^{\delta t}\chi/D$, "
                     r"$p = e^{\delta t}\dot\chi/(\eta_a s^2 D)$, $c = 1/D$"),
        definitions=definitions,
        steps=steps,
        result=("a_plus", "a_minus"),
        requires=REQUIRES,
        notes=(r"The closed form has $a = e^{\delta t}\chi/D$ with $D^2 = 1 + 2\eta_w I$ and "
               r"$I(t) = \int_0^t e^{2\delta r}\chi(r)^2\, dr$. $J = e^{-(\delta + \Lambda)t} I$ is written for "
               r"$\delta \neq 0$; at $\delta = 0$ the quotient $(e^{-\Lambda t} - e^{-(\delta + \Lambda)t})/\delta$ "
               r"is read as its limit $t e^{-\Lambda t}$. $q_0 = \|w_{\perp,0}\|^2$ follows from $\|w_0\|^2 = p_0^2/s^2 + "
               r"\|w_{\perp,0}\|^2$ and the conservation law. The quotient $a = [e^{-\ell_+ t}\chi]/[e^{-(\delta + \Lambda)t/2} D]$ is the stable form the kernels "
               r"compile ($\tilde a/\tilde D$), so its limit is also that of the compiled trajectory. "
               r"$A$ is the coefficient of the growing mode $e^{\ell_+ t}$ of $\Lambda\chi$; "
               r"the kernels test its sign with $\ell_-$ in the form free of cancellation for $\delta$'s sign."),
    )
