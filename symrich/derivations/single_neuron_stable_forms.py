"""Single neuron, whitened data: the stable forms the kernels compile, proved equal to the closed form.

The closed form $a = e^{\\delta t}\\chi/D$ (derivation \\textsf{single neuron closed form}) overflows
for long times: $e^{(\\delta + \\Lambda) t}$ grows in numerator and denominator.  The kernels of
\\texttt{symrich.single\\_neuron} compile the expressions of
\\texttt{symrich.symbolic.single\\_neuron\\_solution} instead, and this derivation proves exactly
those expressions equal to the closed form:

\\begin{itemize}
\\item the general form (\\texttt{stable\\_general}): $E = e^{-(\\delta + \\Lambda) t/2}$ is factored out
  of numerator and denominator, so every exponent left is $\\leq 0$, and every
  $(e^{k t} - 1)/k$ is $t\\,\\phi_1(k t)$, finite at $k = 0$;
\\item the saddle form (\\texttt{stable\\_saddle}) on the stable manifold $A = 0$ of $\\beta = 0$, where
  the general form would divide $0$ by $0$ for large $t$, and the selector $A$ (\\texttt{saddle\\_A}),
  written without cancellation;
\\item $\\beta_* = 0$ ($s = 0$), where the closed form is not defined but the compiled form still
  solves the flow;
\\item the rates $\\alpha = \\ell_+$, $\\gamma = -\\ell_-$ (\\texttt{fast\\_rates}) written as sums of
  nonnegative terms, since $(\\Lambda \\mp \\delta)/2$ loses every digit when $|\\delta| \\gg s$;
\\item the float loop's two-exponential form (\\texttt{fast\\_general}, \\texttt{fast\\_saddle}):
  $x = e^{-\\alpha t}$, $y = e^{-\\gamma t}$, each divided exponential $(1 - e^{-k t})/k$ where
  $k t \\geq 1/2$ and the entire $t\\,\\tilde\\phi_1(-k t)$ (the same $\\phi_1$, evaluated by a Taylor
  polynomial) below;
\\item $\\phi_1$ compiled without a division by zero (\\texttt{phi1\\_indicator\\_form}, applied by
  \\texttt{for\\_compile}).
\\end{itemize}
"""

import sympy as sp

from symrich.derivations.single_neuron_bernoulli import D, I
from symrich.derivations.single_neuron_closed_form import a_, c_, closed_form_definitions, p_, phi1_exponentials, q0
from symrich.derivations.single_neuron_riccati import A, B, Lam, chi, l_m, l_p
from symrich.engine import Chain, Definition, Derivation, Step
from symrich.symbolic import single_neuron_solution as sol
from symrich.symbolic.single_neuron_solution import a0, phi1, pi0
from symrich.symbolic.symbols import delta, eta_a, eta_w, s, t

ORDER = 65
REQUIRES = ("single_neuron_closed_form",)

E = sp.Function("E", positive=True)
S = sp.Function("S", positive=True)
at, bt, Dt, J = (sp.Function(n, real=True) for n in ("atilde", "btilde", "Dtilde", "J"))
T0, T1, T2 = (sp.Function(n, real=True) for n in ("T_0", "T_1", "T_2"))
tauL, tau0, tau1, tauS = (sp.Function(n, real=True) for n in ("tau_L", "tau_0", "tau_1", "tau_S"))
K, q, U, V, U_f, V_f = sp.symbols("K q U V U_f V_f", real=True)
alpha, gamma, x, y = sol.alpha_, sol.gamma_, sol.x_, sol.y_


def max_as_abs(expr):
    r"""$\max(u, v) = (u + v + |u - v|)/2$ (SymPy's rewrite in $|\cdot|$), then expand."""
    return sp.expand(expr.rewrite(sp.Abs))


def exp_form(expr):
    r"""Every function with an exponential form ($\phi_1$, $\operatorname{expm1}$) written in $e^x$, then expand."""
    return sp.expand(expr.rewrite(sp.exp))


def branchwise_phi1(expr):
    r"""Every branch of the piecewise expression with $\phi_1$ written out (:func:`phi1_exponentials`).

    A piecewise expression whose branches all vanish vanishes, whatever its conditions.
    """
    if isinstance(expr, sp.MatrixBase):
        return expr.applyfunc(branchwise_phi1)
    e = sp.piecewise_fold(expr)
    if isinstance(e, sp.Piecewise):
        return sp.Piecewise(*((phi1_exponentials(branch), cond) for branch, cond in e.args))
    return phi1_exponentials(e)


def fold(expr, names):
    """``expr`` with the subexpressions that ``names`` maps folded back into their names.

    Smallest first, each key itself folded by the smaller ones, so that ``K/Lambda`` is
    found once ``K`` and ``Lambda`` are; ``subs`` finds a piece that SymPy has merged
    into a larger product or sum (``U**2 * t * phi1(...)`` for ``U**2 * T_0``).  Each
    replacement swaps a quantity for its own name: the folded expression is the same
    expression.
    """
    done = {}
    for key in sorted(names, key=sp.count_ops):
        done[key.xreplace(done) if not done else _fold_pairs(key, done)] = names[key]
    return _fold_pairs(expr, done)


def _fold_pairs(expr, pairs):
    for key, name in pairs.items():
        expr = expr.subs(key, name)
    return expr


def _halves(u, v):
    """$u/2 + v/2$ displayed as such (SymPy would collect it)."""
    return sp.Add(sp.Mul(sp.Rational(1, 2), u, evaluate=False), sp.Mul(sp.Rational(1, 2), v, evaluate=False),
                  evaluate=False)


def _named_forms():
    """The compiled expressions (at $s^2 = s^2 > 0$) and the map folding their pieces back into names."""
    L = sol.Lam_of(s**2)
    G = sol.stable_general(t, s**2)
    F = sol.fast_general(t, s**2)
    tau_s = next(f for f in F.T2.args if isinstance(f, sp.Piecewise))
    A_expr = eta_a * s**2 * sol.pi0 + (delta + L) * a0 / 2  # the A of stable_general (U = A/Lam)
    gamma_zero = sp.Piecewise((1, sp.Eq((delta + L) / 2, 0)), (0, True))  # 0 for s > 0 (delta + Lam > 0)
    general = {L: Lam, 1 / L: 1 / Lam, A_expr: A, gamma_zero: 0, G.K: K, G.q: q, G.U: U, G.V: V, G.E: E(t), G.E2: E(t) ** 2, G.atil: at(t), G.btil: bt(t),
               G.T0: T0(t), G.T1: T1(t), G.T2: T2(t), G.J: J(t), G.Dt: Dt(t)}
    fast = {L: Lam, 1 / L: 1 / Lam, F.K: K, F.U: U_f, F.V: V_f, F.tpL: tauL(t), F.T0: tau0(t), F.T1: tau1(t), tau_s: tauS(t)}
    return G, F, tau_s, general, fast


def _definitions(G, F, tau_s, general, fast):
    def named(expr, names=general):
        return fold(expr, {k: v for k, v in names.items() if k is not expr})

    rates = dict(F.lets)
    return closed_form_definitions() + (
        Definition(E(t), fold(G.E, {sol.Lam_of(s**2): Lam}), r"the factor taken out"),
        Definition(K, G.K),
        Definition(q, named(G.q), r"for $s > 0$ (see the notes)"),
        Definition(U, named(G.U)),
        Definition(V, named(G.V)),
        Definition(at(t), named(G.atil)),
        Definition(bt(t), named(G.btil)),
        Definition(T0(t), named(G.T0)),
        Definition(T1(t), named(G.T1)),
        Definition(T2(t), named(G.T2)),
        Definition(J(t), named(G.J)),
        Definition(Dt(t), named(G.Dt)),
        Definition(S(t), named(sol.stable_saddle(t, s**2).S)),
        Definition(alpha, named(rates[alpha]), r"for $s > 0$ (see the notes)"),
        Definition(gamma, named(rates[gamma])),
        Definition(x, rates[x]),
        Definition(y, rates[y]),
        Definition(U_f, named(F.U, fast)),
        Definition(V_f, named(F.V, fast)),
        Definition(tauL(t), named(F.tpL, fast)),
        Definition(tau0(t), named(F.T0, fast)),
        Definition(tau1(t), named(F.T1, fast)),
        Definition(tauS(t), named(tau_s, fast)),
    )


def _phi1_steps():
    u = sp.Symbol("x", real=True)
    with sp.evaluate(False):
        at_zero = sol.phi1_indicator_form(sp.Integer(0))
        phi1_zero = phi1(sp.Integer(0), evaluate=False)
    return (
        Step(at_zero, phi1_zero,
             r"at $x = 0$ exactly, with $\operatorname{expm1}(x) := e^x - 1$ (evaluated in floating point without "
             r"cancellation near $0$) and the indicator $[x = 0]$: $[0 = 0] = 1$ and "
             r"$\operatorname{expm1}(0) = 0$, so the form gives "
             r"$0/1 + 1 = 1 = \phi_1(0)$", label="phi1_at_zero"),
        Step(sol.phi1_indicator_form(u), phi1(u),
             r"away from $0$ the indicator vanishes and $\operatorname{expm1}(x)/x = (e^x - 1)/x$; so replacing "
             r"every $\phi_1$ by this form, free of division by zero, is an identity",
             given=(sp.Ne(u, 0),), rewrite=exp_form, label="phi1_away_from_zero"),
    )


def _general_steps(G):
    f, df = chi(t), sp.Derivative(chi(t), t)
    e = sp.exp(delta * t)
    a, p, c = a_(t), p_(t), c_(t)
    flows = sp.Matrix([-eta_a * (a * (s**2 * p**2 + q0 * c**2) - s**2 * p), -eta_w * a * (a * p - 1), -eta_w * a**2 * c])
    return (
        Step(at(t), e * f * E(t), r"$\phi_1$ written out: $e^{\delta t}\chi E = (A + (\Lambda a_0 - A) e^{-\Lambda t})/\Lambda$",
             rewrite=phi1_exponentials, label="atilde"),
        Step(bt(t), e * df * E(t) / (eta_a * s**2), r"the same for $\dot\chi$", rewrite=phi1_exponentials, label="btilde"),
        Step(sp.Matrix([U * Lam, V * Lam, U + V]), sp.Matrix([A, -B, a0]),
             r"so $U$, $V$ are the coefficients of the two modes, and $U + V = a_0$ (all that enters at $\Lambda = 0$)",
             label="modes"),
        Step(T1(t), E(t) ** 2 * sp.Mul(t, phi1(delta * t)),
             r"both branches are $E^2 \int_0^t e^{\delta r} dr$ (each exact for every $\delta$; $\delta \geq 0$ takes the "
             r"one whose exponents are $\leq 0$)", rewrite=branchwise_phi1, label="T1"),
        Chain(J(t),
              (U**2 * T0(t) + 2 * U * V * T1(t) + V**2 * T2(t), r"definition", {"unfold": (J(t),)}),
              (U**2 * T0(t) + 2 * U * V * E(t) ** 2 * t * phi1(delta * t) + V**2 * T2(t), r"both branches of $T_1$",
               {"uses": ("T1",), "unfold": ()}),
              (E(t) ** 2 * I(t), r"$\phi_1$ written out, with $U\Lambda = A$, $V\Lambda = -B$", {"rewrite": phi1_exponentials}),
              label="J"),
        Chain(at(t) / Dt(t),
              (e * f * E(t) / Dt(t), r"the numerator", {"uses": ("atilde",), "unfold": ()}),
              (e * f * E(t) / sp.sqrt(E(t) ** 2 + 2 * eta_w * E(t) ** 2 * I(t)), r"definition of $\tilde D$",
               {"uses": ("J",), "unfold": (Dt(t),)}),
              (a, r"$E > 0$ cancels: $E^2 + 2\eta_w E^2 I = E^2 D^2$",
               {"unfold": (a, D(t)), "rewrite": "factor_half_powers"}),
              label="stable_a"),
        Chain(bt(t) / Dt(t),
              (e * df * E(t) / (eta_a * s**2 * Dt(t)), r"the numerator", {"uses": ("btilde",), "unfold": ()}),
              (p, r"as for $a$", {"uses": ("J",), "unfold": (Dt(t), p, D(t)), "rewrite": "factor_half_powers"}),
              label="stable_p"),
        Step(E(t) / Dt(t), c, r"as for $a$", uses=("J",), unfold=(Dt(t), c, D(t)), rewrite="factor_half_powers",
             label="stable_c"),
        Step(sp.Matrix([G.a, G.p, G.c]), sp.Matrix([at(t) / Dt(t), bt(t) / Dt(t), E(t) / Dt(t)]),
             r"the general form evaluated in floating point, at $s > 0$, is $(\tilde a, \tilde b, E)/\tilde D$ with the pieces defined above",
             lemma=True, label="stable_general"),
        Chain(sp.Matrix([sp.Derivative(z / Dt(t), t) for z in (at(t), bt(t), E(t))]),
              (sp.Matrix([sp.Derivative(z, t) for z in (a, p, c)]), r"the general form is the closed form",
               {"uses": ("stable_a", "stable_p", "stable_c"), "unfold": ()}),
              (flows, "the closed form solves the flow", {"unfold": (), "uses": tuple(
                  f"single_neuron_closed_form:{k}_flow" for k in "apc")}),
              label="stable_flow"),
        Chain(sp.Matrix([z.subs(t, 0) / Dt(0) for z in (at(t), bt(t), E(t))]),
              (sp.Matrix([a_(0), p_(0), c_(0)]), r"at $t = 0$",
               {"uses": tuple((k, {t: 0}) for k in ("stable_a", "stable_p", "stable_c")), "unfold": ()}),
              (sp.Matrix([a0, pi0, 1]), r"the initial values of the closed form",
               {"uses": ("single_neuron_closed_form:initial",), "unfold": ()}),
              label="stable_initial"),
    )


def _saddle_steps():
    SS = sol.stable_saddle(t, s**2)
    manifold = sp.Eq(pi0, l_m * a0 / (eta_a * s**2))
    names = {sol.Lam_of(s**2): Lam, 1 / sol.Lam_of(s**2): 1 / Lam, SS.S: S(t)}
    return (
        Step(A, 0, r"the stable manifold of the saddle $\beta = 0$: the coefficient of the growing mode vanishes",
             given=(manifold,), label="manifold"),
        Step(sp.Matrix([a_(t), p_(t)]), fold(sp.Matrix([SS.a, SS.p]), names),
             r"there $\chi = a_0 e^{\ell_- t}$ and $I = a_0^2\, t\,\phi_1((\delta - \Lambda)t)$: the closed form is "
             r"the saddle form, with the common factor $e^{-(\delta + \Lambda) t}$ of the general form cancelled",
             given=(manifold,), rewrite="factor_half_powers", label="saddle"),
        Step(c_(t), fold(SS.c, names), r"the same for $c$", given=(manifold,), rewrite="factor_half_powers",
             label="saddle_c"),
    )


def _zero_target_steps():
    G0 = sol.stable_general(t, 0, stable_rates=True)
    steps = []
    for sign, rel in (("> 0", delta > 0), ("< 0", delta < 0)):
        steps += [
            Step(sp.Derivative(G0.a, t), delta * G0.a - eta_w * G0.a**3,
                 rf"$\beta_* = 0$, $\delta {sign}$ ($\Lambda = |\delta|$): the general form's $a$ solves $\dot a = \delta a - \eta_w a^3$",
                 given=(rel,), rewrite=branchwise_phi1, lemma=True),
            Step(sp.Derivative(G0.c, t), -eta_w * G0.a**2 * G0.c,
                 rf"$\beta_* = 0$, $\delta {sign}$: the general form's $c$ solves $\dot c = -\eta_w a^2 c$ ($w = c\, w_0$)",
                 given=(rel,), rewrite=branchwise_phi1, lemma=True),
        ]
    F0 = sol.fast_general(t, 0)
    for sign, rel in (("> 0", delta > 0), ("< 0", delta < 0), ("= 0", sp.Eq(delta, 0))):
        steps.append(Step(sp.Matrix([F0.bind(F0.a), F0.bind(F0.c)]), sp.Matrix([G0.a, G0.c]),
                          rf"$\beta_* = 0$, $\delta {sign}$: the two-exponential form at $s^2 = 0$ is the "
                          r"general form above", given=(rel,), rewrite=branchwise_phi1, lemma=True))
    balanced = a0 / sp.sqrt(1 + 2 * eta_w * a0**2 * t)
    steps += [
        Step(G0.a, balanced,
             r"$\beta_* = 0$, $\delta = 0$ ($\Lambda = 0$, where the indicator $[\Lambda = 0] = 1$ added to the denominator keeps $K/\Lambda$ "
             r"defined): the general form's $a$ is $a_0/\sqrt{1 + 2\eta_w a_0^2 t}$", given=(sp.Eq(delta, 0),), lemma=True),
        Step(sp.Derivative(balanced, t), -eta_w * balanced**3, r"which solves $\dot a = -\eta_w a^3$"),
    ]
    return tuple(steps)


def _rate_steps():
    m = 2 * eta_a * eta_w * s**2 / (Lam + sp.Abs(delta))
    G_r = sol.stable_general(t, s**2, stable_rates=True)
    SS_r = sol.stable_saddle(t, s**2, stable_rates=True)
    G, SS = sol.stable_general(t, s**2), sol.stable_saddle(t, s**2)
    fold = {sol.Lam_of(s**2): Lam}
    rates = dict(sol.fast_general(t, s**2).lets)
    return (
        Step(sp.Max(0, delta), (sp.Abs(delta) + delta) / 2, r"$\max(0, u) = (|u| + u)/2$", rewrite=max_as_abs,
             label="max_plus"),
        Step(sp.Max(0, -delta), (sp.Abs(delta) - delta) / 2, r"$\max(0, -u) = (|u| - u)/2$", rewrite=max_as_abs,
             label="max_minus"),
        Step(m, (Lam - sp.Abs(delta)) / 2,
             r"rationalise: $(\Lambda - |\delta|)(\Lambda + |\delta|) = \Lambda^2 - \delta^2 = 4\eta_a\eta_w s^2$",
             label="rationalise"),
        Chain(alpha, (_halves(Lam - sp.Abs(delta), sp.Abs(delta) - delta), r"$s > 0$",
                      {"uses": ("rationalise", "max_minus"), "unfold": (alpha,)}),
              (l_p, r"the definition of $\ell_+$", {"unfold": (l_p,)}), label="alpha"),
        Chain(gamma, (_halves(Lam - sp.Abs(delta), sp.Abs(delta) + delta), r"$s > 0$",
                      {"uses": ("rationalise", "max_plus"), "unfold": (gamma,)}),
              (-l_m, r"the definition of $\ell_-$", {"unfold": (l_m,)}), label="gamma"),
        Step(sol.fast_rates()[0], sol.l_plus(sol.s2),
             r"$\alpha$ as evaluated, at $\beta_* = 0$: the denominator $\max(\Lambda + |\delta|, 1)$ is $\geq 1$, so $\alpha = \max(0, -\delta) = \ell_+$ "
             r"there too ($\Lambda = |\delta|$)", given=(sp.Eq(sol.s2, 0),), rewrite=max_as_abs),
        Step(alpha + gamma, Lam, r"$\ell_+ - \ell_- = \Lambda$", uses=("alpha", "gamma"), unfold=(l_p, l_m),
             label="rates_sum"),
        Step(gamma - alpha, delta, r"$\ell_+ + \ell_- = -\delta$", uses=("alpha", "gamma"), unfold=(l_p, l_m)),
        Step(alpha * gamma, eta_a * eta_w * s**2, r"$\ell_+\ell_- = -\eta_a\eta_w s^2$", uses=("alpha", "gamma"),
             unfold=(l_p, l_m, Lam)),
        Step(sol.saddle_A(s**2).xreplace(fold).xreplace({rates[gamma].xreplace(fold): gamma}), A,
             r"the test for the saddle form: $A$ written without the cancellation of "
             r"$U = a_0/2 + K/\Lambda$ when $|\delta| \gg s$", uses=("gamma",), unfold=(gamma, A, l_m),
             label="selector"),
        Step(G_r.kappa.xreplace(fold), delta + Lam, r"the sign in that test: $\delta + \Lambda > 0$ unless $s = 0 \geq \delta$",
             uses=("rationalise", "max_plus"), unfold=()),
        Step(sp.Matrix([G_r.a, G_r.p, G_r.c]).xreplace(fold), sp.Matrix([G.a, G.p, G.c]).xreplace(fold),
             r"the general form with the cancellation-free rates (the form evaluated in floating point): "
             r"$\Lambda = \alpha + \gamma$, $\delta + \Lambda = 2\gamma$, $\delta - \Lambda = -2\alpha$ in the cancellation-free rates, "
             r"equal to the stable general form", uses=("rationalise", "max_plus", "max_minus"), lemma=True),
        Step(sp.Matrix([SS_r.a, SS_r.p, SS_r.c]).xreplace(fold), sp.Matrix([SS.a, SS.p, SS.c]).xreplace(fold),
             r"the saddle form with the cancellation-free rates equals the stable saddle form",
             uses=("rationalise", "max_minus"), lemma=True),
    )


def _fast_steps(F, tau_s, fast):
    FS = sol.fast_saddle(t, s**2)
    SS = sol.stable_saddle(t, s**2)
    general_forms = fold(sp.Matrix([F.a, F.p, F.c]), fast)
    saddle_forms = fold(sp.Matrix([FS.a, FS.p, FS.c]), {tau_s: tauS(t)})
    return (
        Step(x, sp.exp((delta - Lam) * t / 2), r"$\alpha = \ell_+$", uses=("alpha",), unfold=(x, l_p), label="x"),
        Step(y, E(t), r"$\gamma = -\ell_-$", uses=("gamma",), unfold=(y, l_m, E(t)), label="y"),
        Step(tauL(t), t * phi1(-Lam * t), r"both branches: the quotient $(1 - e^{-k t})/k$ and the entire $t\,\tilde\phi_1(-k t)$ "
             r"are $\int_0^t e^{-k r} dr$, here with $k = \alpha + \gamma = \Lambda$", uses=("alpha", "gamma", "x", "y"),
             unfold=(tauL(t), E(t), l_p, l_m), rewrite=branchwise_phi1, label="tauL"),
        Step(tau0(t), T0(t), r"both branches, with $2\gamma = \delta + \Lambda$", uses=("gamma", "y"),
             unfold=(tau0(t), T0(t), E(t), l_m), rewrite=branchwise_phi1, label="tau0"),
        Step(tau1(t), T1(t), r"both branches, with $\gamma - \alpha = \delta$: $y(x - y)/\delta = E^2 (e^{\delta t} - 1)/\delta$",
             uses=("x", "y", "T1"), unfold=(tau1(t), E(t)), rewrite=branchwise_phi1, label="tau1"),
        Step(tauS(t), t * phi1((delta - Lam) * t), r"both branches, with $2\alpha = \Lambda - \delta$",
             uses=("alpha", "x"), unfold=(tauS(t), l_p), rewrite=branchwise_phi1, label="tauS"),
        Step(U_f, U, r"$\alpha = \ell_+$, $\gamma = -\ell_-$, so $\alpha + \gamma = \Lambda$, and $[\Lambda = 0] = 0$ for $s > 0$",
             uses=("alpha", "gamma"), unfold=(U_f, U, A, l_p, l_m), label="U_fast"),
        Step(V_f, V, r"the same", uses=("alpha", "gamma"), unfold=(V_f, U_f, V, U, A, l_p, l_m), label="V_fast"),
        Step(general_forms, sp.Matrix([at(t) / Dt(t), bt(t) / Dt(t), E(t) / Dt(t)]),
             r"the two-exponential general form: two exponentials $x$, $y$ per time, the pieces "
             r"$\tau$ and $U_f$, $V_f$ above; it is $(\tilde a, \tilde b, E)/\tilde D$",
             uses=("x", "y", "tauL", "tau0", "tau1", "tauS", "U_fast", "V_fast", "alpha", "gamma"),
             unfold=(at(t), bt(t), Dt(t), J(t), U, V, A, T2(t), E(t), l_p, l_m), lemma=True, label="fast_general"),
        Step(saddle_forms, sp.Matrix([SS.a, SS.p, SS.c]).xreplace({sol.Lam_of(s**2): Lam}),
             r"the two-exponential saddle form, with the one exponential $x = e^{(\delta - \Lambda) t/2}$, is the stable saddle form",
             uses=("x", "tauS"), unfold=(), lemma=True, label="fast_saddle"),
    )


def derivation():
    G, F, tau_s, general, fast = _named_forms()
    steps = _phi1_steps() + _general_steps(G) + _saddle_steps() + _zero_target_steps() + _rate_steps() + _fast_steps(
        F, tau_s, fast)
    return Derivation(
        name="single_neuron_stable_forms",
        title=r"Single neuron, whitened data: stable forms used by the kernels",
        family="single neuron",
        statement=(
            r"The forms evaluated in floating point are the closed form: the overflow-free general form, also with the "
            r"cancellation-free rates and in a form with two exponentials per time; the saddle form and the test $A = 0$ "
            r"that chooses it; and $\phi_1$ written without a division by zero. Here $\phi_1(x) = (e^x - 1)/x$ "
            r"($\phi_1(0) = 1$), and $\tilde\phi_1$ is the same function where its argument lies in "
            r"$[-\tfrac12, \tfrac12]$ (there it is evaluated by a Taylor polynomial). "
            r"The general form is $(\tilde a, \tilde b, E)/\tilde D = (a, p, c)$, so "
            r"they solve the flow with the initial values $(a_0, \pi_0, 1)$; on the stable manifold $A = 0$ the saddle "
            r"forms are the closed form; at $\beta_* = 0$ the general form still solves the flow."
        ),
        assumptions=(r"whitened data, $\eta_a, \eta_w > 0$", r"$s > 0$ except in the steps on $\beta_* = 0$",
                     r"$t \geq 0$"),
        definitions=_definitions(G, F, tau_s, general, fast),
        steps=steps,
        result=("stable_flow", "stable_initial", "saddle", "saddle_c"),
        requires=REQUIRES,
        notes=(r"As evaluated, the denominator of $\alpha$ and $\gamma$ is $\max(\Lambda + |\delta|, 1 - \mathrm{sign}(s^2))$: "
               r"$\Lambda + |\delta|$ for $s > 0$, at least $1$ for $s = 0$ (where the numerator vanishes), so it never "
               r"divides by zero; likewise $q = K/(\Lambda + [\Lambda = 0])$. "
               r"Every quantity with a name here is the evaluated expression itself, its pieces folded into the names; "
               r"the pieces of the closed form ($\chi$, $I$, $D$, "
               r"$a$, $p$, $c$, $q_0$) are those of the derivation of the closed form. "
               r"An identity in $\phi_1$ proved with $\phi_1$ written out holds where its arguments are nonzero, hence "
               r"everywhere by continuity."),
    )
