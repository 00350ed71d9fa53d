"""Single neuron: the lazy, rich and delayed-rich limits of ``M``, with the order of the remainder.

By the function-space derivation ``M = m_perp I + (m_par - m_perp) beta_hat beta_hat^T``
with ``m_par = R`` and ``m_perp = (R + delta)/2``; so a limit of ``M`` is the limit
of these two scalar functions of ``delta`` at fixed ``rho = ||beta|| > 0``.  Each
statement "f = leading + O(delta^k)" is proved as a SymPy limit:
``lim (f - leading) / delta^k`` equals a stated finite constant.
"""

import sympy as sp

from symrich.engine import Derivation, Step
from symrich.symbolic.single_neuron import m_par, m_perp, m_perp_stable_negative, m_diff_stable_positive
from symrich.symbolic.symbols import delta, eta_a, eta_w, rho

ORDER = 30


def _remainder(f, leading, point, power, value, why):
    """``lim_{delta -> point} (f - leading) * delta^power = value``: remainder is O(delta^-power)."""
    return Step(sp.Limit((f - leading) * delta**power, delta, point), value, why)


def derivation():
    eta = eta_a * eta_w
    sq = sp.sqrt(eta_a * eta_w)
    mp_, mq = m_perp(), m_par()
    steps = (
        Step(m_perp_stable_negative(), mp_, "rationalise: (R + delta)/2 = 2 eta rho^2 / (R - delta) (no cancellation for delta < 0)",
             methods=("cancel", "simplify")),
        Step(m_diff_stable_positive() * rho**2, (mq - mp_), "rationalise: (R - delta)/2 = 2 eta rho^2 / (R + delta) (no cancellation for delta > 0)",
             methods=("cancel", "simplify")),
        # lazy: delta -> +oo
        Step(sp.Limit(mp_ / delta, delta, sp.oo), 1, "lazy: m_perp ~ delta"),
        Step(sp.Limit(mq / delta, delta, sp.oo), 1, "lazy: m_par ~ delta, so M ~ delta I"),
        _remainder(mp_, delta, sp.oo, 1, eta * rho**2, "lazy: m_perp = delta + eta rho^2 / delta + o(1/delta)"),
        _remainder(mq, delta, sp.oo, 1, 2 * eta * rho**2, "lazy: m_par = delta + 2 eta rho^2 / delta + o(1/delta): M = delta I + O(1/delta)"),
        # rich: delta = 0
        Step(mp_.subs(delta, 0), sq * rho, "rich (delta = 0): m_perp = sqrt(eta_a eta_w) ||beta||"),
        Step(mq.subs(delta, 0), 2 * sq * rho, "rich (delta = 0): m_par = 2 sqrt(eta_a eta_w) ||beta||, so M = sqrt(eta) ||beta|| (I + beta_hat beta_hat^T)"),
        Step(sp.Limit((mp_ - sq * rho) / delta, delta, 0), sp.Rational(1, 2), "near balance: m_perp = sqrt(eta) rho + delta/2 + O(delta^2)"),
        Step(sp.Limit((mq - 2 * sq * rho) / delta**2, delta, 0), 1 / (4 * sq * rho), "near balance: m_par = 2 sqrt(eta) rho + delta^2/(4 sqrt(eta) rho) + O(delta^4)"),
        # delayed rich: delta -> -oo
        Step(sp.Limit(mq / delta, delta, -sp.oo), -1, "delayed rich: m_par ~ |delta|"),
        Step(sp.Limit(mp_ * delta, delta, -sp.oo), -eta * rho**2, "delayed rich: m_perp = eta rho^2 / |delta| + o(1/delta) -> 0"),
        _remainder(mq, -delta, -sp.oo, 1, -2 * eta * rho**2,
                   "delayed rich: m_par = |delta| + 2 eta rho^2/|delta| + o(1/delta): M = |delta| beta_hat beta_hat^T + O(1/|delta|)"),
    )
    return Derivation(
        name="single_neuron_regimes",
        title="Single neuron: lazy, rich and delayed-rich limits of M",
        family="single neuron",
        statement=(
            "At fixed beta != 0: as delta -> +oo, M = delta I + O(1/delta) (lazy); at delta = 0, "
            "M = sqrt(eta_a eta_w) ||beta|| (I + beta beta^T/||beta||^2) (rich), with m_perp moving as O(delta) and m_par "
            "as O(delta^2) nearby; as delta -> -oo, M = |delta| beta beta^T/||beta||^2 + O(1/|delta|) (delayed rich: "
            "initially lazy along beta only)."
        ),
        assumptions=("||beta|| = rho > 0 fixed", "eta_a, eta_w > 0"),
        notes=__doc__.split("\n\n", 1)[1].strip(),
        steps=steps,
        result=(sp.Symbol("M"), sp.Piecewise(
            (delta * sp.Symbol("I"), sp.Symbol(r"\delta \to +\infty")),
            (sq * rho * (sp.Symbol("I") + sp.Symbol(r"\hat\beta\hat\beta^T")), sp.Eq(delta, 0)),
            (-delta * sp.Symbol(r"\hat\beta\hat\beta^T"), sp.Symbol(r"\delta \to -\infty")),
        )),
    )
