"""Single neuron, whitened data: the branch-free closed form of ``(a(t), w(t))`` and its overflow-free evaluation.

Coordinates that prove every dimension ``d``: write ``w = p beta_star + c w_perp0``
with ``w_perp0 = w0 - pi0 beta_star`` orthogonal to ``beta_star``.  The first steps
(matrix symbols of symbolic size ``d x 1``) show that the flow
``w' = -eta_w a (a w - beta_star)`` is satisfied iff the two scalar coefficients
obey ``p' = -eta_w a (a p - 1)`` and ``c' = -eta_w a^2 c`` (``beta_star`` and
``w_perp0`` are linearly independent, or ``w_perp0 = 0`` and the ``c`` equation is
void), and that ``a' = -eta_a w^T (a w - beta_star)`` only sees
``w^T beta_star = p s^2`` and ``||w||^2 = p^2 s^2 + c^2 q0`` (``q0 = ||w_perp0||^2``).
So the whole ``d``-dimensional flow is the 3-dimensional scalar flow of
``(a, p, c)`` with parameters ``s^2, q0``, whatever ``d`` is; by uniqueness of ODE
solutions the closed form below is *the* trajectory.

The closed form is verified through the ODEs its pieces satisfy, as small
identities: ``chi'' + delta chi' - eta_a eta_w s^2 chi = 0``, ``chi(0) = a0``,
``chi'(0) = eta_a w0^T beta_star``, ``I' = e^{2 delta t} chi^2``, ``I(0) = 0``; then,
for *any* ``chi, I`` with these properties, the three scalar flow equations hold,
the ``a`` equation through the conserved combination
``F = e^{2 delta t}(eta_w chi^2 - chi'^2/(eta_a s^2)) - 2 delta eta_w I``.
``(e^{kt} - 1)/k`` is the entire function ``t phi1(k t)``, so nothing is singular at
``delta = 0`` (no special case).  Finally the overflow-free forms compiled by
``symrich.single_neuron.trajectory`` (``e^{(delta + Lam) t/2}`` factored out; the
saddle branch ``U = 0``; ``s = 0``) are proved equal to the plain closed form.

Last, the form the float kernel compiles: with the rates ``alpha = l_+`` and
``gamma = -l_-`` (each written without cancellation for its sign of ``delta``;
then ``Lam = alpha + gamma``, ``delta = gamma - alpha``), every exponential of the
stable form is a product of ``x = e^{-alpha t}`` and ``y = e^{-gamma t}``, so a
point costs two exponentials.  Each divided exponential ``t phi1(-k t)`` is
``(1 - e^{-k t})/k`` where ``k t >= 1/2`` and its entire form below (written
``phi1_near0``, printed with a tilde: the same function ``phi1``, at an argument the
branch keeps in ``[-1/2, 1/2]``, where the float loop may use a Taylor polynomial); both branches
of every piece are proved equal to the stable form's piece, and the assembled
forms are checked at 30 digits in both regimes.
"""

import sympy as sp

from symrich.engine import Derivation, Step
from symrich.symbolic import single_neuron_solution as sol
from symrich.symbolic.single_neuron_solution import a0, phi1, pi0, s2
from symrich.symbolic.symbols import delta, eta_a, eta_w, s, t

ORDER = 60


def _rw_phi1(expr):
    """Rewrite phi1 by its definition, then expand (exp of sums split)."""
    return sp.expand(sp.powsimp(sp.expand(expr.rewrite(sp.exp)), combine="exp"))


def _branch(expr, k):
    """The ``k``-th branch of every Piecewise in ``expr`` (0: the quotient for ``k t >= 1/2``; 1: the entire form)."""
    return expr.replace(lambda e: isinstance(e, sp.Piecewise), lambda e: e.args[k][0])


def _fast_form_steps():
    """Section 7: the two-exponential form compiled by the float loop equals the stable form."""
    dp, dn = sp.Symbol("delta_p", positive=True), sp.Symbol("delta_n", negative=True)
    al, ga = sol.fast_rates(s**2)
    lp, lm = sol.l_plus(s**2), sol.l_minus(s**2)
    steps = [
        Step(al.subs(delta, dp), lp.subs(delta, dp),
             "alpha = m = 2 eta_a eta_w s^2/(Lam + delta) = l_+ for delta > 0 (the difference (Lam - delta)/2 would cancel)",
             methods=("cancel", "simplify")),
        Step(al.subs(delta, dn), lp.subs(delta, dn),
             "alpha = m + |delta| = l_+ for delta < 0, m = 2 eta_a eta_w s^2/(Lam + |delta|)", methods=("cancel", "simplify")),
        Step(al.subs(delta, 0), lp.subs(delta, 0), "alpha = l_+ at delta = 0 (the guard is 0 for s > 0)"),
        Step(ga.subs(delta, dn), -lm.subs(delta, dn),
             "gamma = m = -l_- for delta < 0 (the difference (Lam + delta)/2 would cancel)", methods=("cancel", "simplify")),
        Step(ga.subs(delta, dp), -lm.subs(delta, dp), "gamma = m + delta = -l_- for delta > 0", methods=("cancel", "simplify")),
        Step(sol.fast_rates(0)[0].subs(delta, 0), sol.l_plus(0).subs(delta, 0), "s = delta = 0: alpha = l_+ = 0 (the guard [Lam + |delta| = 0] = 1)"),
        Step(sol.saddle_A(s**2).subs(delta, dp), sol._AB(s**2)[0].subs(delta, dp),
             "saddle selector A = eta_a s^2 pi0 + gamma a0 = eta_a w0^T beta_star - l_- a0 (delta > 0)",
             methods=("cancel", "simplify")),
        Step(sol.saddle_A(s**2).subs(delta, dn), sol._AB(s**2)[0].subs(delta, dn),
             "saddle selector A = eta_a s^2 pi0 + gamma a0 (delta < 0; no cancellation, unlike U = a0/2 + K/Lam)",
             methods=("cancel", "simplify")),
        Step(sp.expand(lp * lm), -eta_a * eta_w * s**2, "l_+ l_- = -eta_a eta_w s^2, so alpha gamma = eta_a eta_w s^2"),
        Step(sp.expand(lp + lm), -delta, "l_+ + l_- = -delta, so gamma - alpha = delta"),
    ]
    # in the rates: delta = gamma - alpha, eta_a eta_w s^2 = alpha gamma, and then Lam = alpha + gamma
    ap, gp, k = sp.symbols("alpha gamma k", positive=True)
    on = {delta: gp - ap, s2: ap * gp / (eta_a * eta_w)}
    lam_on = sol.Lam_of(s2).xreplace(on)
    steps.append(Step(lam_on, ap + gp, "Lam = sqrt((gamma - alpha)^2 + 4 alpha gamma) = alpha + gamma", rewrite="factor_radicands"))

    def stable(e):
        return e.xreplace(on).xreplace({lam_on: ap + gp})

    F = sol.fast_general(t, s2)
    # the bound names: alpha, gamma are the rates (steps above); x, y their exponentials
    names = {sol.alpha_: ap, sol.gamma_: gp, sol.x_: sp.exp(-ap * t), sol.y_: sp.exp(-gp * t)}

    def fast(e):
        return e.xreplace(names).xreplace(on)

    G = sol.stable_general(t, s2)
    S_saddle = sol.stable_saddle(t, s2)
    steps.append(Step((1 - sp.exp(-k * t)) / k, sol.tphi1(-k, t),
                      "(1 - e^{-k t})/k = t phi1(-k t): the quotient branch of every divided exponential (k t >= 1/2 > 0)",
                      rewrite=_rw_phi1))
    for name, label, ref in (("tpL", "t phi1(-Lam t) with e^{-Lam t} = x y", sol.tphi1(-sol.Lam_of(s2), t)),
                             ("T0", "T0 with e^{-(delta + Lam) t} = y^2", G.T0),
                             ("T1", "T1 = y (x - y)/delta (large |delta| t) or x y t phi1(-delta t)", G.T1_pos),
                             ("T2", "T2 = y^2 t phi1(-2 alpha t) with e^{(delta - Lam) t} = x^2", G.T2)):
        for k_, which in ((0, "quotient branch"), (1, "entire branch")):
            steps.append(Step(fast(_branch(getattr(F, name), k_)), stable(ref),
                              f"{label}: the {which} equals the stable form's piece", rewrite=_rw_phi1))
    steps.append(Step(fast(_branch(F.T1, 0)), stable(G.T1_neg),
                      "T1 = y (x - y)/delta also equals the delta < 0 form e^{-(delta + Lam) t} t phi1(delta t)", rewrite=_rw_phi1))
    # the stable forms with the rates of fast_rates (what the pointwise and exported kernels compile): the three
    # combinations they use, for both signs of delta, then the assembled general form at 30 digits
    al2, ga2 = sol.fast_rates(s**2)
    L2 = sol.Lam_of(s**2)
    for sym, sign in ((dp, "delta > 0"), (dn, "delta < 0")):
        steps += [
            Step((al2 + ga2).subs(delta, sym), L2.subs(delta, sym), f"Lam = alpha + gamma ({sign})",
                 methods=("cancel", "simplify")),
            Step((2 * ga2).subs(delta, sym), (delta + L2).subs(delta, sym), f"delta + Lam = 2 gamma ({sign})",
                 methods=("cancel", "simplify")),
            Step((-2 * al2).subs(delta, sym), (delta - L2).subs(delta, sym), f"delta - Lam = -2 alpha ({sign})",
                 methods=("cancel", "simplify")),
        ]
    G_rates = sol.stable_general(t, s2, stable_rates=True)
    for name in ("a", "p", "c"):
        for lo, hi, sign in ((0.05, 3.0, "delta > 0"), (-3.0, -0.05, "delta < 0")):
            steps.append(Step(getattr(G_rates, name), getattr(G, name),
                              f"{name} with Lam = alpha + gamma, delta + Lam = 2 gamma, delta - Lam = -2 alpha ({sign})",
                              symbolic=False, domain={delta: (lo, hi), t: (0.001, 20.0), s2: (0.1, 4.0)}))
    # the assembled forms, both branch regimes, at 30 digits (the pieces above are the proof; this checks the assembly)
    S = S_saddle
    FS = sol.fast_saddle(t, s2)
    for name in ("a", "p", "c"):
        for lo, hi, regime in ((0.001, 0.2, "small t: entire branches"), (1.0, 20.0, "large t: quotient branches")):
            steps.append(Step(F.bind(getattr(F, name)), getattr(G, name),
                              f"the two-exponential form of {name} equals the stable form ({regime})",
                              symbolic=False, domain={t: (lo, hi), s2: (0.1, 4.0)}))
        steps.append(Step(FS.bind(getattr(FS, name)), getattr(S, name),
                          f"the one-exponential saddle form of {name} equals the stable saddle form",
                          symbolic=False, domain={t: (0.001, 20.0), s2: (0.1, 4.0)}))
    return steps


def derivation():
    steps = []
    # ---- 1. reduction of the d-dimensional flow to three scalars (coordinate-free) ----
    d = sp.Symbol("d", integer=True, positive=True)
    Bs = sp.MatrixSymbol("beta_star", d, 1)
    Wp = sp.MatrixSymbol("w_perp0", d, 1)
    a, p, c, dp, dc = sp.symbols("a p c pdot cdot", real=True)
    w = p * Bs + c * Wp
    steps.append(Step(
        dp * Bs + dc * Wp + eta_w * a * (a * w - Bs),
        (dp + eta_w * a * (a * p - 1)) * Bs + (dc + eta_w * a**2 * c) * Wp,
        "w = p beta_star + c w_perp0 in w' + eta_w a (a w - beta_star): the flow of w holds iff "
        "p' = -eta_w a (a p - 1) and c' = -eta_w a^2 c (every d)",
    ))
    steps.append(Step(
        (w.T * (a * w - Bs)),
        a * p**2 * (Bs.T * Bs) + a * p * c * (Bs.T * Wp + Wp.T * Bs) + a * c**2 * (Wp.T * Wp) - p * (Bs.T * Bs) - c * (Wp.T * Bs),
        "w^T g expanded: with beta_star^T w_perp0 = 0, beta_star^T beta_star = s^2, w_perp0^T w_perp0 = q0 it is "
        "a (p^2 s^2 + c^2 q0) - p s^2 (every d)",
        rewrite="scalar_transposes",
    ))
    # ---- 2. the pieces chi and I ----
    P = sol.plain_solution(t, s**2)
    chi, dchi, I = P.chi, P.dchi, P.I
    eta = eta_a * eta_w
    steps += [
        Step(sp.diff(chi, t, 2) + delta * dchi - eta * s**2 * chi, 0,
             "chi solves the linear ODE chi'' + delta chi' - eta_a eta_w s^2 chi = 0 (l_pm are the roots of r^2 + delta r - eta_a eta_w s^2)"),
        Step(chi.subs(t, 0), a0, "chi(0) = a0"),
        Step(dchi.subs(t, 0), eta_a * s**2 * pi0, "chi'(0) = eta_a w0^T beta_star = eta_a s^2 pi0"),
        Step(sp.diff(I, t), sp.exp(2 * delta * t) * chi**2,
             "I' = e^{2 delta t} chi^2, with d/dt [t phi1(k t)] = e^{k t}", rewrite=_rw_phi1),
        Step(I.subs(t, 0), 0, "I(0) = 0"),
    ]
    # ---- 3. any chi, I with those properties give a solution of the scalar flow ----
    X = sp.Function("chi", real=True)(t)
    Y = sp.Function("I", real=True)(t)
    ode = {sp.Derivative(X, (t, 2)): eta * s**2 * X - delta * sp.Derivative(X, t),
           sp.Derivative(Y, t): sp.exp(2 * delta * t) * X**2}
    D = sp.sqrt(1 + 2 * eta_w * Y)
    a_t = sp.exp(delta * t) * X / D
    p_t = sp.exp(delta * t) * sp.Derivative(X, t) / (eta_a * s**2 * D)
    c_t = 1 / D
    q0 = (eta_w * a0**2 - delta) / eta_a - s**2 * pi0**2  # from delta = eta_w a0^2 - eta_a (s^2 pi0^2 + q0)
    F = sp.exp(2 * delta * t) * (eta_w * X**2 - sp.Derivative(X, t) ** 2 / (eta_a * s**2)) - 2 * delta * eta_w * Y

    def ddt(e):
        return sp.diff(e, t).subs(ode)

    steps += [
        Step(ddt(c_t) + eta_w * a_t**2 * c_t, 0, "c = 1/D solves c' = -eta_w a^2 c (uses I' = e^{2 delta t} chi^2)"),
        Step(ddt(p_t) + eta_w * a_t * (a_t * p_t - 1), 0,
             "p = e^{delta t} chi'/(eta_a s^2 D) solves p' = -eta_w a (a p - 1) (uses the chi ODE)"),
        Step(ddt(F), 0, "F = e^{2 delta t}(eta_w chi^2 - chi'^2/(eta_a s^2)) - 2 delta eta_w I is constant"),
        Step(F.subs({Y: 0}).subs({sp.Derivative(X, t): eta_a * s**2 * pi0}).subs({X: a0}).subs(t, 0), eta_a * q0 + delta,
             "F(0) = eta_w a0^2 - eta_a s^2 pi0^2 = eta_a q0 + delta"),
        Step(ddt(a_t) + eta_a * (a_t * (p_t**2 * s**2 + c_t**2 * q0) - p_t * s**2),
             sp.exp(delta * t) * X / D**3 * (eta_a * q0 + delta - F),
             "the a equation a' = -eta_a (a ||w||^2 - p s^2) holds iff F = eta_a q0 + delta, i.e. by the two steps above",
             methods=("expand", "cancel", "simplify")),
        Step(a_t.subs(Y, 0).subs(X, a0).subs(t, 0), a0, "initial values: a(0) = a0"),
        Step(p_t.subs(Y, 0).subs(sp.Derivative(X, t), eta_a * s**2 * pi0).subs(t, 0), pi0,
             "p(0) = pi0 and c(0) = 1, so w(0) = pi0 beta_star + w_perp0 = w0"),
    ]
    # ---- 4. overflow-free forms, proved equal to the plain ones ----
    G = sol.stable_general(t, s**2)
    L = G.Lam
    E = sp.exp(-(delta + L) * t / 2)
    A, B = sol._AB(s**2)
    steps += [
        Step(sol.phi1_indicator_form(sp.Symbol("x", real=True)), phi1(sp.Symbol("x", real=True)),
             "compiled phi1: expm1(x)/(x + [x = 0]) + [x = 0] = phi1(x) (both sides are 1 at x = 0)",
             symbolic=False),
        Step(sp.exp(delta * t) * chi * E, G.atil,
             "atil = e^{delta t} chi e^{-(delta + Lam) t/2} = a0 (1 + e^{-Lam t})/2 + K t phi1(-Lam t), K = delta a0/2 + eta_a s^2 pi0",
             rewrite=_rw_phi1),
        Step(sp.exp(delta * t) * dchi * E / (eta_a * s**2), G.btil,
             "btil = e^{delta t} chi' e^{-(delta + Lam) t/2}/(eta_a s^2) = pi0 (1 + e^{-Lam t})/2 + (eta_w a0 - delta pi0/2) t phi1(-Lam t)",
             rewrite=_rw_phi1),
        Step(G.U * L, A, "U Lam = A (for Lam > 0 the guard [Lam = 0] is 0)", symbolic=False),
        Step(G.U + G.V, a0, "U + V = a0"),
        Step(G.T1_pos, G.T1_neg, "the two forms of T1 = e^{-(delta + Lam) t} t phi1(delta t) are equal "
             "(each branch is exact for every delta; delta >= 0 picks the one with exponents <= 0)", rewrite=_rw_phi1),
        Step(G.T1_neg, sp.exp(-(delta + L) * t) * sp.Integral(sp.exp(delta * sp.Symbol("r")), (sp.Symbol("r"), 0, t)),
             "T1 = e^{-(delta + Lam) t} int_0^t e^{delta r} dr", rewrite=_rw_phi1),
        Step(sp.exp(-(delta + L) * t) * I, (A**2 * G.T0 + (-2 * A * B) * G.T1_neg + B**2 * G.T2) / L**2,
             "J = e^{-(delta + Lam) t} I = U^2 T0 + 2 U V T1 + V^2 T2 (U = A/Lam, V = -B/Lam)", rewrite=_rw_phi1),
        Step(G.a.subs(s2, s**2), P.a, "a = atil / sqrt(E^2 + 2 eta_w J) equals e^{delta t} chi / D (multiply by E > 0)",
             symbolic=False),
        Step(G.p.subs(s2, s**2), P.p, "p = btil / sqrt(E^2 + 2 eta_w J)", symbolic=False),
        Step(G.c.subs(s2, s**2), P.c, "c = E / sqrt(E^2 + 2 eta_w J)", symbolic=False),
    ]
    # ---- 5. the saddle branch U = 0 ----
    l_m = sol.l_minus(s**2)
    m = (eta_w * a0 - delta * pi0 / 2) / L
    steps.append(Step((pi0 / 2 + m) * l_m, -eta_w * A / L,
                      "(pi0/2 + m) l_- = -eta_w U: on U = 0 with l_- != 0, btil = pi0 e^{-Lam t}",
                      methods=("expand", "cancel", "simplify")))
    # a point of the stable manifold: pi0 solving U = 0 (a0, s, delta, rates free)
    pi_saddle = sp.solve(sp.Eq(A, 0), pi0)[0]
    S = sol.stable_saddle(t, s**2)
    for name in ("a", "p", "c"):
        steps.append(Step(getattr(G, name).subs(pi0, pi_saddle), getattr(S, name).subs(pi0, pi_saddle),
                          f"on U = 0 the general form of {name} equals the saddle form (common factor e^{{-(delta + Lam) t}} cancelled)",
                          symbolic=False))
    # ---- 6. beta_star = 0 (s = 0): the stable forms still solve the flow a' = delta a - eta_w a^3, c' = -eta_w a^2 c ----
    G0 = sol.stable_general(t, 0)
    a_s0 = G0.a
    for sign, rng in (("delta > 0", (0.05, 3.0)), ("delta < 0", (-3.0, -0.05))):
        steps += [
            Step(sp.diff(a_s0, t), delta * a_s0 - eta_w * a_s0**3,
                 f"s = 0, {sign}: a solves a' = delta a - eta_w a^3 (Lam = |delta|)", symbolic=False, domain={delta: rng}),
            Step(sp.diff(G0.c, t), -eta_w * a_s0**2 * G0.c, f"s = 0, {sign}: c solves c' = -eta_w a^2 c",
                 symbolic=False, domain={delta: rng}),
        ]
    steps += [
        Step(G0.a.subs(delta, 0), a0 / sp.sqrt(1 + 2 * eta_w * a0**2 * t),
             "s = 0, delta = 0 (Lam = 0): a = a0 / sqrt(1 + 2 eta_w a0^2 t), the solution of a' = -eta_w a^3"),
    ]
    steps += _fast_form_steps()
    return Derivation(
        name="single_neuron_closed_form",
        title="Single neuron, whitened data: the branch-free closed form",
        family="single neuron",
        statement=(
            "With X^T X = I, beta_star = X^T y, s = ||beta_star||, p0 = w0^T beta_star: "
            "chi = [A e^{l_+ t} - B e^{l_- t}]/Lam (A = eta_a p0 - l_- a0, B = eta_a p0 - l_+ a0), "
            "I = int_0^t e^{2 delta r} chi^2 dr, D = sqrt(1 + 2 eta_w I); then a = e^{delta t} chi/D and "
            "w = [e^{delta t} chi'/eta_a beta_star/s^2 + w_perp0]/D, for every delta, every rate, every initialisation "
            "(a0 = 0, sign changes of a) and every d."
        ),
        assumptions=("X^T X = I_d", "eta_a, eta_w > 0", "s > 0 for the plain form; s = 0 for the stable form", "t >= 0"),
        notes=__doc__.split("\n\n", 1)[1].strip(),
        steps=tuple(steps),
        result=(sp.Symbol("a(t)"), sp.exp(delta * t) * sp.Symbol(r"\chi(t)") / sp.sqrt(1 + 2 * eta_w * sp.Symbol("I(t)"))),
    )
