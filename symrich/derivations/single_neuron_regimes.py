"""Single neuron: the lazy, rich and delayed-rich limits of $M$, each with its leading term and remainder (paper, Section 3).

By the function-space derivation, $M = m_\\perp I + (m_\\parallel - m_\\perp)\\hat\\beta\\hat\\beta^\\top$ with
$m_\\parallel = R$ along $\\beta$ and $m_\\perp = (R + \\delta)/2$ on $\\beta^\\perp$; so a limit of $M$ at
fixed $\\rho = \\|\\beta\\| > 0$ is the limit of these two functions of $\\delta$.  Each statement
``$m = $ leading term $+\\ O(\\delta^{-k})$'' is proved as a SymPy limit of a named, scaled remainder
$\\varepsilon$ (for instance $\\varepsilon^{\\mathrm{lazy}}_\\perp = \\delta (m_\\perp - \\delta)$): a finite
limit of $\\varepsilon$ is the order of the remainder and its coefficient.  Where the plain form
would cancel ($R - |\\delta|$ for $|\\delta| \\gg \\rho$), the numeric kernels of the single neuron
use the rationalised forms proved here, and the limits are taken on them.
"""

import sympy as sp

from symrich.engine import Chain, Definition, Derivation, Step
from symrich.symbolic.single_neuron import m_diff_stable_positive, m_par, m_perp, m_perp_stable_negative
from symrich.symbolic.symbols import R, d, delta, eta_a, eta_w, rho

ORDER = 30
REQUIRES = ("single_neuron_function_space",)

m_perp_, m_par_ = sp.symbols("m_perp m_par", positive=True)
names = ("eps_lazy_perp", "eps_lazy_par", "eps_lazy_aniso", "eps_rich_perp", "eps_rich_par", "eps_delayed_perp",
         "eps_delayed_par")
eps = dict(zip(names, sp.symbols(names, real=True)))


def derivation():
    eta = eta_a * eta_w
    root = sp.sqrt(eta)
    fold = {m_par(): R}
    beta = sp.MatrixSymbol("beta", d, 1)
    M = sp.MatrixSymbol("M", d, d)
    eye = sp.Identity(d)
    definitions = (
        Definition(R, m_par(), r"$\rho = \|\beta\|$"),
        Definition(m_perp_, m_perp().xreplace(fold), r"the eigenvalue of $M$ on $\beta^\perp$"),
        Definition(m_par_, R, r"the eigenvalue of $M$ along $\beta$"),
        Definition(eps["eps_lazy_perp"], delta * (m_perp_ - delta)),
        Definition(eps["eps_lazy_par"], delta * (m_par_ - delta)),
        Definition(eps["eps_lazy_aniso"], delta * (m_par_ - m_perp_)),
        Definition(eps["eps_rich_perp"], (m_perp_ - root * rho) / delta),
        Definition(eps["eps_rich_par"], (m_par_ - 2 * root * rho) / delta**2),
        Definition(eps["eps_delayed_perp"], -delta * m_perp_),
        Definition(eps["eps_delayed_par"], -delta * (m_par_ + delta)),
    )
    rational_perp = m_perp_stable_negative().xreplace(fold)
    rational_diff = (m_diff_stable_positive() * rho**2).xreplace(fold)
    steps = (
        Chain(M,
              ((R + delta) / 2 * eye + (R - delta) / (2 * rho**2) * beta * beta.T, r"the form of $M$ in $\beta$",
               {"uses": ("single_neuron_function_space:M_beta",), "unfold": ()}),
              (m_perp_ * eye + (m_par_ - m_perp_) / rho**2 * beta * beta.T, r"the definitions of $m_\perp$, $m_\parallel$"),
              label="M"),
        Step(m_perp_, rational_perp,
             r"rationalise: $(R + \delta)(R - \delta) = 4\eta_a\eta_w\rho^2$; no cancellation for $\delta < 0$ "
             r"(the form the kernels use there)", methods=("cancel",), label="perp_rational"),
        Step(m_par_ - m_perp_, rational_diff,
             r"the same for $(R - \delta)/2$; no cancellation for $\delta > 0$ (the kernels' form there, also as "
             r"$\rho \to 0$)", methods=("cancel",), label="difference_rational"),
        # lazy: delta -> +oo
        Step(sp.Limit(m_perp_ / delta, delta, sp.oo), 1, r"lazy: $m_\perp \sim \delta$"),
        Step(sp.Limit(m_par_ / delta, delta, sp.oo), 1, r"lazy: $m_\parallel \sim \delta$, so $M \sim \delta I$"),
        Step(sp.Limit(eps["eps_lazy_perp"], delta, sp.oo), eta * rho**2,
             r"so $m_\perp = \delta + \eta_a\eta_w\rho^2/\delta + o(1/\delta)$", label="lazy_perp"),
        Step(sp.Limit(eps["eps_lazy_par"], delta, sp.oo), 2 * eta * rho**2,
             r"so $m_\parallel = \delta + 2\eta_a\eta_w\rho^2/\delta + o(1/\delta)$", label="lazy_par"),
        Chain(sp.Limit(eps["eps_lazy_aniso"], delta, sp.oo),
              (sp.Limit(delta * rational_diff, delta, sp.oo), r"the rationalised difference",
               {"uses": ("difference_rational",), "unfold": (eps["eps_lazy_aniso"], R)}),
              (eta * rho**2, r"so $M = m_\perp I + O(1/\delta)$: the lazy kernel is isotropic"),
              label="lazy_aniso"),
        # rich: delta = 0
        Step(m_perp_, root * rho, r"rich: balanced initialisation", given=(sp.Eq(delta, 0),), label="rich_perp_value"),
        Step(m_par_, 2 * root * rho, r"so $M = \sqrt{\eta_a\eta_w}\,\rho\,(I + \hat\beta\hat\beta^\top)$",
             given=(sp.Eq(delta, 0),), label="rich_par_value"),
        Step(sp.Limit(eps["eps_rich_perp"], delta, 0, dir="+-"), sp.Rational(1, 2),
             r"near balance $m_\perp = \sqrt{\eta_a\eta_w}\rho + \delta/2 + O(\delta^2)$", label="rich_perp"),
        Step(sp.Limit(eps["eps_rich_par"], delta, 0, dir="+-"), 1 / (4 * root * rho),
             r"and $m_\parallel = 2\sqrt{\eta_a\eta_w}\rho + \delta^2/(4\sqrt{\eta_a\eta_w}\rho) + O(\delta^4)$: "
             r"even in $\delta$", label="rich_par"),
        # delayed rich: delta -> -oo
        Step(sp.Limit(m_par_ / delta, delta, -sp.oo), -1, r"delayed rich: $m_\parallel \sim |\delta|$"),
        Chain(sp.Limit(eps["eps_delayed_perp"], delta, -sp.oo),
              (sp.Limit(-delta * rational_perp, delta, -sp.oo), r"the rationalised $m_\perp$",
               {"uses": ("perp_rational",), "unfold": (eps["eps_delayed_perp"], R)}),
              (eta * rho**2, r"so $m_\perp = \eta_a\eta_w\rho^2/|\delta| + o(1/\delta) \to 0$"),
              label="delayed_perp"),
        Step(sp.Limit(eps["eps_delayed_par"], delta, -sp.oo), 2 * eta * rho**2,
             r"so $m_\parallel = |\delta| + 2\eta_a\eta_w\rho^2/|\delta| + o(1/\delta)$ and "
             r"$M = |\delta|\hat\beta\hat\beta^\top + O(1/|\delta|)$: lazy along $\beta$ only", label="delayed_par"),
    )
    return Derivation(
        name="single_neuron_regimes",
        title=r"Single neuron: lazy, rich and delayed-rich limits of $M$",
        family="single neuron",
        statement=(
            r"At fixed $\beta \neq 0$, with $M = m_\perp I + (m_\parallel - m_\perp)\hat\beta\hat\beta^\top$: as "
            r"$\delta \to +\infty$, $M = \delta I + O(1/\delta)$ (lazy); at $\delta = 0$, "
            r"$M = \sqrt{\eta_a\eta_w}\,\|\beta\|\,(I + \hat\beta\hat\beta^\top)$ (rich), with $m_\perp$ moving as "
            r"$\delta/2$ and $m_\parallel$ as $\delta^2$ nearby; as $\delta \to -\infty$, "
            r"$M = |\delta|\,\hat\beta\hat\beta^\top + O(1/|\delta|)$ (delayed rich: lazy along $\beta$ only, "
            r"$m_\perp \to 0$)."
        ),
        assumptions=(r"$\rho = \|\beta\| > 0$ fixed", r"$\eta_a, \eta_w > 0$", r"$\hat\beta = \beta/\rho$"),
        definitions=definitions,
        steps=steps,
        result=("lazy_perp", "lazy_par", "rich_perp_value", "rich_par_value", "delayed_perp", "delayed_par"),
        requires=REQUIRES,
        notes=(r"Each $\varepsilon$ is a remainder scaled by the power of $\delta$ that makes its limit finite and "
               r"nonzero; the limits are SymPy's (Gruntz). The rationalised forms are what the kernels compile for "
               r"$M$, for each sign of $\delta$."),
    )
