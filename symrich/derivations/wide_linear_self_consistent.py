"""Wide linear network: the self-consistent beta-flow when ``Delta = delta I_h`` (Theorem 4.2 with learning rates).

The algebra is coordinate-free (matrix symbols of symbolic size, general data).
Each square-root identity is proved as an exact identity for *every* ``(W, A)``,
with a residual that is visibly zero under the hypothesis:
``(eta_a W^T W + delta/2 I)^2 - (eta beta beta^T + delta^2/4 I) = eta_a W^T (delta I - Delta) W``
and ``(eta_w A^T A - delta/2 I)^2 - (eta beta^T beta + delta^2/4 I) = eta_w A^T (Delta - delta I) A``.

Square-root branch (the PSD argument).  A symmetric PSD matrix has exactly one
symmetric PSD square root.  Under (C), ``eta_a W^T W + delta/2 I`` and
``eta_w A^T A - delta/2 I`` are symmetric PSD and square to
``eta beta beta^T + delta^2/4 I`` and ``eta beta^T beta + delta^2/4 I``; hence they
*are* those roots, and ``beta' = -eta_a W^T W G - eta_w G A^T A`` becomes the
formula of the statement.  When (C) holds given ``Delta = delta I_h``:
for ``delta > 0`` the first inequality is automatic, and ``eta_w A A^T =
eta_a W W^T + delta I_h`` is positive definite, so ``rank A = h <= c``; the
second inequality needs ``A^T A`` (``c x c``) invertible, ``rank A = c``, hence
``h = c`` (and then ``A^T A`` is similar to ``A A^T``, whose eigenvalues are
``>= delta/eta_w``).  ``delta < 0`` is the mirror image (``h = d``); for
``delta = 0`` both inequalities always hold (any ``h``).  Since ``Delta`` is
conserved, (C) then holds for all time.  If (C) fails, the formula takes the
wrong branch on the kernel of ``W`` (or ``A``), and it is wrong (the tests
show this numerically).

Independent check at explicit sizes.  For networks built by the
initialisation recipes (all widths <= 2, entries and rotation angles free
symbols), ``beta'`` from the parameter flow is compared with the formula, the
square roots taken independently in closed form
(``sqrt(M) = (M + sqrt(det M) I)/sqrt(tr M + 2 sqrt(det M))`` for ``2 x 2``,
``M / sqrt(tr M)`` for rank one), by the randomized 30-digit method at random
data ``X`` (``n = 3``, not whitened), ``Y``, learning rates and ``delta`` of the
stated sign.
"""

import sympy as sp

from symrich.engine import Derivation, Step
from symrich.symbolic.wide_linear import (
    balanced_network, beta_flow_rhs, conserved_Delta, parameter_flow, root_factors, sqrt_psd_2x2,
)
from symrich.symbolic.symbols import delta, eta_a, eta_w, matrix

ORDER = 210


def _sq(M):
    return M * M


def derivation():
    f = parameter_flow()
    W, A, G, P, Q, beta = f.W, f.A, f.G, f.P, f.Q, f.beta
    dd, hh, cc = W.shape[1], W.shape[0], A.shape[1]
    I_d, I_c, I_h = sp.Identity(dd), sp.Identity(cc), sp.Identity(hh)
    eta = eta_a * eta_w
    Delta = conserved_Delta(W, A)
    S_left = eta_a * P + delta / 2 * I_d
    S_right = eta_w * Q - delta / 2 * I_c
    steps = [
        Step(f.betadot, -eta_a * P * G - eta_w * G * Q, "beta' = W'^T A + W^T A' = -eta_a W^T W G - eta_w G A^T A"),
        Step(eta * beta * beta.T, eta_a * W.T * (Delta + eta_a * W * W.T) * W,
             "beta beta^T = W^T (A A^T) W and eta_w A A^T = Delta + eta_a W W^T"),
        Step(_sq(S_left) - (eta * beta * beta.T + delta**2 / 4 * I_d), eta_a * W.T * (delta * I_h - Delta) * W,
             "(eta_a W^T W + delta/2)^2 = eta beta beta^T + delta^2/4 I exactly when Delta = delta I (residual shown)",
             rewrite="distribute_matrix_products"),
        Step(_sq(S_right) - (eta * beta.T * beta + delta**2 / 4 * I_c), eta_w * A.T * (Delta - delta * I_h) * A,
             "(eta_w A^T A - delta/2)^2 = eta beta^T beta + delta^2/4 I exactly when Delta = delta I (residual shown)",
             rewrite="distribute_matrix_products"),
        Step(f.betadot, beta_flow_rhs(G, S_left, S_right, delta),
             "rewrite beta' with the two matrices whose squares were just computed; under (C) they are the PSD roots"),
    ]
    p_, r_ = sp.symbols("p r", positive=True)
    q_ = sp.Symbol("q", real=True)
    M = sp.Matrix([[p_, q_], [q_, r_]])
    steps.append(Step(_sq(sqrt_psd_2x2(M)), M,
                      "closed-form root of a symmetric 2 x 2 matrix squares back (Cayley-Hamilton); for M PSD it is PSD",
                      methods=("expand", "cancel"), domain={q_: (-0.5, 0.5), p_: (1, 3), r_: (1, 3)}))
    for kind, dims, sign in (
        ("positive", (2, 2), (0.2, 3.0)),
        ("positive", (2, 1), (0.2, 3.0)),
        ("positive", (1, 2), (0.2, 3.0)),
        ("negative", (2, 2), (-3.0, -0.2)),
        ("negative", (2, 1), (-3.0, -0.2)),
        ("negative", (1, 2), (-3.0, -0.2)),
        ("zero", (2, 2), None),
    ):
        steps.extend(_explicit_checks(kind, *dims, delta_range=sign))
    steps.extend(_explicit_checks("zero_rank_one", 2, 2, delta_range=None))
    lam = sp.Symbol("lambda", nonnegative=True)
    left, left_stable, right, right_stable = root_factors(lam, delta)
    steps += [
        Step(left_stable, left, "eigenvalue factor sqrt(lam + delta^2/4) - delta/2 rationalised (used for delta > 0)",
             methods=("cancel", "simplify")),
        Step(right_stable, right, "eigenvalue factor sqrt(lam + delta^2/4) + delta/2 rationalised (used for delta < 0)",
             methods=("cancel", "simplify"), domain={lam: (0.1, 3.0)}),
    ]
    return Derivation(
        name="wide_linear_self_consistent",
        title="Wide linear network: the self-consistent beta-flow when Delta = delta I",
        family="wide linear",
        statement=(
            "If Delta = eta_w A A^T - eta_a W W^T = delta I_h and (C) eta_a W^T W + delta/2 I >= 0, "
            "eta_w A^T A - delta/2 I >= 0, then for any data beta' = -(sqrt(eta beta beta^T + delta^2/4 I) - "
            "delta/2 I) G - G (sqrt(eta beta^T beta + delta^2/4 I) + delta/2 I), eta = eta_a eta_w, "
            "G = X^T (X beta - Y). Given Delta = delta I, (C) holds iff h = c (delta > 0), h = d (delta < 0), "
            "any h (delta = 0)."
        ),
        assumptions=("Delta = delta I_h at t = 0 (then for all t)", "condition (C)", "X, Y arbitrary", "eta_a, eta_w > 0"),
        notes=__doc__.split("\n\n", 1)[1].strip(),
        steps=tuple(steps),
        result=(sp.Symbol("beta'"), sp.Symbol(
            r"-(\sqrt{\eta\beta\beta^T + \delta^2/4} - \delta/2) G - G(\sqrt{\eta\beta^T\beta + \delta^2/4} + \delta/2)")),
    )


def _explicit_checks(kind, dd, cc, *, delta_range, nn=3):
    """Delta = delta I and beta'(parameters) = formula, for an explicit network of the recipe ``kind``."""
    if kind == "zero_rank_one":
        # delta = 0, h = 1 < min(d, c): W = S u^T, A = sqrt(eta_a/eta_w) S v^T; beta is rank one.
        W, A, _ = balanced_network("zero", dd, cc, hh=1, prefix="")
        root = _rank_one_root
        label = f"delta = 0, h = 1, d = {dd}, c = {cc}"
    else:
        hh = {"positive": cc, "negative": dd, "zero": 2}[kind]
        W, A, _ = balanced_network(kind, dd, cc, hh=hh if kind == "zero" else None)
        root = sqrt_psd_2x2
        label = f"delta {'> 0' if kind == 'positive' else '< 0' if kind == 'negative' else '= 0'}, h = {hh}, d = {dd}, c = {cc}"
    dl = 0 if kind.startswith("zero") else delta
    X, Y = matrix("X", nn, dd), matrix("Y", nn, cc)
    beta = W.T * A
    G = X.T * (X * beta - Y)
    eta = eta_a * eta_w
    lhs = -eta_a * W.T * W * G - eta_w * G * A.T * A
    rhs = beta_flow_rhs(G, root(eta * beta * beta.T + dl**2 / 4 * sp.eye(dd)),
                        root(eta * beta.T * beta + dl**2 / 4 * sp.eye(cc)), dl)
    domain = {delta: delta_range} if delta_range else {}
    h_ = W.shape[0]
    return (
        Step(eta_w * A * A.T - eta_a * W * W.T, dl * sp.eye(h_), f"{label}: the recipe gives Delta = delta I",
             domain=domain, symbolic=False),
        Step(lhs, rhs, f"{label}: beta' from the parameter flow equals the formula (X not whitened, n = {nn})",
             domain=domain, symbolic=False),
    )


def _rank_one_root(M):
    """PSD root of a rank-one PSD matrix ``M = m m^T``: ``M / sqrt(tr M)`` (since ``M^2 = tr(M) M``)."""
    M = sp.Matrix(M)
    return M / sp.sqrt(M.trace())
