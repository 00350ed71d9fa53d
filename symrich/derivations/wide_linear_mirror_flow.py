"""Wide linear network: the hyperbolic-entropy mirror flow of aligned singular values, its limits, and its failure off alignment.

Aligned case.  ``Phi_delta(beta) = sum_i q_delta(sigma_i)`` is a convex spectral
function (``q'' > 0``, ``q'`` odd with ``q'(0) = 0``); in the aligned frame
``grad Phi = U q'(Sigma) V^T``, so ``d/dt grad Phi = U q''(Sigma) Sigma' V^T``,
and ``q''(sigma) sigma' = -(sigma - s)`` makes this ``-U (Sigma - S) V^T =
-grad L``: an exact mirror flow.  ``q_delta`` depends on ``delta`` only through
``epsilon = |delta| > 0``; the limits are SymPy limits in ``epsilon`` at fixed
``x > 0``, with the order of the remainder stated as a limit.

Not a mirror flow without alignment.  The operator
``T_beta(G) = (sqrt(eta beta beta^T + delta^2/4) - delta/2) G + G (sqrt(eta beta^T beta + delta^2/4) + delta/2)``
commutes with ``beta -> O_1 beta O_2^T``; if ``T^{-1} = Hess Phi`` for some
``Phi``, every rotated ``Phi`` has the same Hessian field, so their average, a
bi-orthogonally invariant, i.e. spectral, potential ``sum q(sigma_i)``, would do.
In the SVD frame ``T`` multiplies the ``(i, j)`` coordinate by ``r_i + r_j``
(``r = sqrt(eta sigma^2 + delta^2/4)``), while the Hessian of a spectral function
acts on the diagonal by ``q''(sigma_i)`` and on the antisymmetric part of the
``(i, j)`` block by ``(q'_i + q'_j)/(sigma_i + sigma_j)``.  The diagonal forces
``q'' = 1/(2r)``, hence ``q' = `` the asinh above (``q'`` odd: ``T`` is
defined at ``sigma = 0`` with both signs, so no constant).  At ``sigma_i =
sigma_j = x`` the antisymmetric factor must then be ``1/(2r)``, i.e.
``q'(x) 2 r(x) / x = 1``; the last steps show this ratio is
``asinh(z) sqrt(1 + z^2)/z`` (``z = 2 sqrt(eta) x/|delta|``), which exceeds 1
for every ``z > 0`` (its numerator minus ``z/sqrt(1 + z^2)`` vanishes at 0 and
has positive derivative ``z^2/(1 + z^2)^{3/2}``).  So no potential exists as soon
as two singular values are nonzero and the flow leaves the aligned set; the
tests check the integrability defect numerically at the specification's
example (``beta = [[0.9, -0.3], [0.4, 0.7]]``, ``delta = 1``).
"""

import sympy as sp

from symrich.engine import Derivation, Step
from symrich.symbolic.wide_linear import q_delta, q_delta_prime, q_delta_second, sigma_rate
from symrich.symbolic.symbols import delta, eta_a, eta_w, s

ORDER = 230


def derivation():
    x = sp.Symbol("x", positive=True)
    y = sp.Symbol("y", real=True)
    z = sp.Symbol("z", positive=True)
    eps = sp.Symbol("epsilon", positive=True)  # |delta|
    eta = eta_a * eta_w
    se = sp.sqrt(eta)
    q = q_delta(x, eps)
    r = sp.sqrt(eta * x**2 + delta**2 / 4)
    nuclear_lead = (x / (2 * se)) * (sp.log(4 * se * x / eps) - 1)
    steps = (
        Step(sp.diff(q_delta(x, delta), x), q_delta_prime(x, delta), "q' = asinh(2 sqrt(eta) x/|delta|)/(2 sqrt(eta))",
             methods=("expand", "cancel", "simplify")),
        Step(sp.diff(q_delta_prime(x, delta), x), q_delta_second(x, delta), "q'' = 1/(2 sqrt(eta x^2 + delta^2/4)) > 0: Phi is convex",
             methods=("expand", "cancel", "simplify")),
        Step(q_delta_prime(0, delta), 0, "q'(0) = 0"),
        Step(q_delta_prime(-y, delta), -q_delta_prime(y, delta), "q' is odd (q even): Phi is a spectral function of |sigma_i|"),
        Step(q_delta_second(x, delta) * sigma_rate(x, s, delta), -(x - s),
             "q''(sigma) sigma' = -(sigma - s): d/dt grad Phi(beta) = -grad L(beta) in the aligned frame",
             methods=("expand", "cancel", "simplify")),
        Step(q_delta(x, delta), q.subs(eps, sp.Abs(delta)), "q depends on delta only through epsilon = |delta|"),
        Step(sp.Limit(q / (sp.log(1 / eps) / (2 * se)), eps, 0), x,
             "epsilon -> 0: q(x) ~ log(1/|delta|) x/(2 sqrt(eta)), so Phi/(log(1/|delta|)/(2 sqrt(eta))) -> ||beta||_* (nuclear norm)"),
        Step(sp.Limit((q - nuclear_lead) / eps**2, eps, 0), -1 / (32 * eta**sp.Rational(3, 2) * x),
             "q = x/(2 sqrt(eta)) (log(4 sqrt(eta) x/|delta|) - 1) - delta^2/(32 eta^{3/2} x) + o(delta^2)"),
        Step(sp.Limit(eps * (q + eps / (4 * eta)), eps, sp.oo), x**2 / 2,
             "epsilon -> oo: q = x^2/(2|delta|) - |delta|/(4 eta) + o(1/|delta|): Phi ~ ||beta||_F^2/(2|delta|) + const (Frobenius)"),
        Step(sp.Limit(eps**3 * (q - x**2 / (2 * eps) + eps / (4 * eta)), eps, sp.oo), -eta * x**4 / 6,
             "the next term is -eta x^4/(6|delta|^3)"),
        Step(sp.Limit((q_delta_prime(x, delta) - q_delta_prime(y, delta)) / (x - y), y, x), q_delta_second(x, delta),
             "symmetric block factor at sigma_i = sigma_j: (q'_i - q'_j)/(sigma_i - sigma_j) -> q'' = 1/(2r), consistent with T"),
        Step((q_delta_prime(x, delta) / x * 2 * r).subs(x, z * sp.Abs(delta) / (2 * se)),
             sp.asinh(z) * sp.sqrt(1 + z**2) / z,
             "antisymmetric block factor at sigma_i = sigma_j = x times T's factor 2r: asinh(z) sqrt(1+z^2)/z, z = 2 sqrt(eta) x/|delta|",
             methods=("expand", "simplify")),
        Step(sp.diff(sp.asinh(z) - z / sp.sqrt(1 + z**2), z), z**2 / (1 + z**2) ** sp.Rational(3, 2),
             "asinh(z) - z/sqrt(1+z^2) has derivative z^2/(1+z^2)^{3/2} > 0 and vanishes at 0: the ratio exceeds 1 for z > 0",
             methods=("cancel", "simplify")),
    )
    return Derivation(
        name="wide_linear_mirror_flow",
        title="Wide linear network: hyperbolic-entropy mirror flow (aligned case) and its limits",
        family="wide linear",
        statement=(
            "In the aligned setting the singular-value flow is the mirror flow d/dt grad Phi_delta(beta) = -grad L(beta) of "
            "Phi_delta(beta) = sum_i q_delta(sigma_i), q_delta(x) = [x asinh(2 sqrt(eta) x/|delta|) - sqrt(x^2 + "
            "delta^2/(4 eta))]/(2 sqrt(eta)). As delta -> 0, Phi_delta/(log(1/|delta|)/(2 sqrt(eta))) -> ||beta||_* "
            "(nuclear norm), remainder O(delta^2) after the x log x term; as |delta| -> oo, Phi_delta = ||beta||_F^2/(2|delta|) "
            "+ const + O(|delta|^-3). Without aligned singular vectors the flow is not a mirror flow for any potential."
        ),
        assumptions=("X^T X = I", "Delta = delta I_h with (C), delta != 0", "aligned singular frames"),
        notes=__doc__.split("\n\n", 1)[1].strip(),
        steps=steps,
        result=(sp.Symbol("q_delta(x)"), q_delta(x, delta)),
    )
