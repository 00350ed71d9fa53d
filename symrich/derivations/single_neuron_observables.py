"""Single neuron: the observables the kernels report, the NTK and the kernel distance $S(0, t)$ (paper, Section 3).

Vectors are matrix symbols of symbolic size $d \\times 1$ and the data $X$ is $n \\times d$, so every
step holds in every dimension.  The scalars the kernels take as arguments ($\\|w\\|^2$,
$\\langle w, \\beta_*\\rangle$, $\\langle w_0, w\\rangle$, ...) are defined as the products $u^\\top v$
they stand for, and the compiled expressions of
:func:`symrich.symbolic.single_neuron_kernels.observable_exprs` are proved equal to the
quantities they name.  Traces are computed by the rewrite
:func:`symrich.engine.rewrites.traces` (linearity, $\\operatorname{tr} I_d = d$, cyclicity).
"""

import sympy as sp

from symrich.engine import Chain, Definition, Derivation, Step
from symrich.engine.rewrites import factor_half_powers, traces
from symrich.symbolic.single_neuron import (M_frobenius_sq, M_inner, m_par, m_perp, obs_a0, obs_w0w, obs_wb, obs_ww,
                                            obs_ww0)
from symrich.symbolic.single_neuron_kernels import OBS_NAMES, observable_exprs
from symrich.symbolic.single_neuron_solution import s2
from symrich.symbolic.symbols import a, d, delta, eta_a, eta_w, n, rho, s

ORDER = 70
REQUIRES = ()


def traces_and_radicands(expr):
    """:func:`~symrich.engine.rewrites.traces`, then the radicands factored (``sqrt((x + y)^2) = x + y``)."""
    return factor_half_powers(traces(expr))


def _fold(expr, root, name):
    """``expr`` with the square root ``root`` written as its name (for display; expanded back for proofs)."""
    return expr.xreplace({root: name})


def derivation():
    w, w0 = sp.MatrixSymbol("w", d, 1), sp.MatrixSymbol("w_0", d, 1)
    beta, beta0 = sp.MatrixSymbol("beta", d, 1), sp.MatrixSymbol("beta_0", d, 1)
    bstar, y = sp.MatrixSymbol("beta_star", d, 1), sp.MatrixSymbol("y", n, 1)
    X = sp.MatrixSymbol("X", n, d)
    G = sp.MatrixSymbol("G", d, d)
    M, M0 = sp.MatrixSymbol("M", d, d), sp.MatrixSymbol("M_0", d, d)
    K, K0 = sp.MatrixSymbol("K", n, n), sp.MatrixSymbol("K_0", n, n)
    I = sp.Identity(d)
    L, S, cos_w = sp.Symbol("L", real=True), sp.Symbol("S_0t", real=True), sp.Symbol("cos_w_beta_star", real=True)
    rho0, delta0 = sp.Symbol("rho_0", positive=True), sp.Symbol("delta_0", real=True)
    Lam, Lam0 = sp.Symbol("Lambda", positive=True), sp.Symbol("Lambda_0", positive=True)
    mperp, mpar = sp.Symbol("m_perp", positive=True), sp.Symbol("m_par", positive=True)
    mperp0, mpar0 = sp.Symbol("m_perp0", positive=True), sp.Symbol("m_par0", positive=True)
    cos2 = sp.Symbol("cos2_theta", nonnegative=True)
    mbar, mbar0 = sp.Symbol("mbar", positive=True), sp.Symbol("mbar0", positive=True)
    norm_w = sp.Symbol("u_w", positive=True)  # displayed as ||w||
    eta = eta_a * eta_w
    tr = sp.Trace
    # the compiled observables; where one is undefined the kernel returns NaN (a Piecewise), the formula is proved
    compiled = dict(zip(OBS_NAMES, observable_exprs()[0]))
    beta_norm, signed, ntk_norm, kernel_distance, alignment = (
        compiled[n].args[0].expr if isinstance(compiled[n], sp.Piecewise) else compiled[n] for n in OBS_NAMES)

    definitions = (
        Definition(beta, a * w, "the function-space parameter"),
        Definition(beta0, obs_a0 * w0, r"at $t = 0$"),
        Definition(M, eta_w * a**2 * I + eta_a * w * w.T, r"so that $\dot\beta = -M \nabla_\beta \mathcal{L}$"),
        Definition(M0, eta_w * obs_a0**2 * I + eta_a * w0 * w0.T),
        Definition(G, X.T * X, r"$G = I_d$ on whitened data"),
        Definition(K, X * M * X.T, r"the NTK, $\dot{(X\beta)} = -K (X\beta - y)$"),
        Definition(K0, X * M0 * X.T),
        Definition(bstar, X.T * y, r"the target on whitened data"),
        Definition(obs_ww, tr(w.T * w)),
        Definition(obs_ww0, tr(w0.T * w0)),
        Definition(obs_w0w, tr(w0.T * w)),
        Definition(obs_wb, tr(w.T * bstar)),
        Definition(s2, tr(bstar.T * bstar)),
        Definition(norm_w, sp.sqrt(obs_ww), r"the norm of $w$"),
        Definition(s, sp.sqrt(s2), r"$s = \|\beta_*\|$"),
        Definition(L, tr((X * beta - y).T * (X * beta - y)) / 2, "the loss"),
        Definition(rho, sp.sqrt(tr(beta.T * beta)), r"$\rho = \|\beta\|$"),
        Definition(rho0, sp.sqrt(tr(beta0.T * beta0))),
        Definition(delta, eta_w * a**2 - eta_a * obs_ww, "conserved"),
        Definition(delta0, eta_w * obs_a0**2 - eta_a * obs_ww0, r"$= \delta$ by the conservation law"),
        Definition(Lam, sp.sqrt(delta**2 + 4 * eta * rho**2)),
        Definition(Lam0, sp.sqrt(delta0**2 + 4 * eta * rho0**2)),
        Definition(mperp, _fold(m_perp(delta, rho), sp.sqrt(delta**2 + 4 * eta * rho**2), Lam),
                   r"eigenvalue of $M$ on $\beta^\perp$"),
        Definition(mpar, _fold(m_par(delta, rho), sp.sqrt(delta**2 + 4 * eta * rho**2), Lam),
                   r"eigenvalue of $M$ along $\beta$"),
        Definition(mperp0, _fold(m_perp(delta0, rho0), sp.sqrt(delta0**2 + 4 * eta * rho0**2), Lam0)),
        Definition(mpar0, _fold(m_par(delta0, rho0), sp.sqrt(delta0**2 + 4 * eta * rho0**2), Lam0)),
        Definition(mbar, (Lam - delta) / 2, r"$= m_\parallel - m_\perp$"),
        Definition(mbar0, (Lam0 - delta0) / 2),
        Definition(cos2, tr(beta0.T * beta)**2 / (rho0 * rho)**2, r"$\theta$ the angle of $\beta_0$ and $\beta$"),
        Definition(cos_w, obs_wb / (norm_w * s), r"the alignment of $w$ with $\beta_*$"),
        Definition(S, 1 - tr(M0 * M) / sp.sqrt(tr(M0**2) * tr(M**2)),
                   r"on whitened data, by \eqref{eq:single_neuron_observables:kernel_inner}"),
    )
    tr_why = r"$\operatorname{tr} I_d = d$, $\operatorname{tr}(u v^\top) = v^\top u$, cyclicity of the trace"
    steps = (
        Chain(rho,
              (beta_norm, r"$\beta^\top \beta = a^2 w^\top w$; the compiled $\|\beta\|$", {"rewrite": traces}),
              (norm_w * sp.Abs(a), r"$\sqrt{\|w\|^2} = \|w\|$"),
              label="beta_norm"),
        Step(sp.Abs(signed), rho, r"the compiled signed magnitude $a\|w\|$ has modulus $\|\beta\|$", rewrite=traces,
             label="signed_magnitude"),
        Step(cos_w, alignment, r"the compiled alignment, with $\sqrt{s^2} = s$ and $\sqrt{\|w\|^2} = \|w\|$",
             rewrite=traces, label="alignment"),
        Step(L, tr((beta - bstar).T * (beta - bstar)) / 2 + (tr(y.T * y) - s2) / 2 + tr(beta.T * (G - I) * beta) / 2,
             r"expand the square, $\beta^\top X^\top y = \beta^\top \beta_*$; on whitened data ($G = I_d$) "
             r"the loss is $\tfrac12\|\beta - \beta_*\|^2$ up to a constant, which is what the kernels report",
             rewrite=traces, label="loss"),
        Step(tr(K0 * K), tr(M0 * G * M * G),
             r"cyclicity of the trace: $\langle K_0, K\rangle_F = \operatorname{tr}(M_0 G M G)$ for any $X$, "
             r"$= \operatorname{tr}(M_0 M)$ on whitened data, and $\|K\|_F = \|M\|_F$ likewise",
             rewrite=traces, label="kernel_inner"),
        Step(tr(M**2), M_frobenius_sq(a, obs_ww), tr_why, rewrite=traces, label="frobenius"),
        Step(tr(M0 * M), M_inner(obs_a0, obs_ww0, a, obs_ww, obs_w0w), tr_why, rewrite=traces, label="inner"),
        Step(sp.sqrt(tr(M**2)), ntk_norm, r"the compiled $\|K\|_F = \|M\|_F$", uses=("frobenius",), label="ntk_norm"),
        Step(S, kernel_distance,
             r"the compiled kernel distance is $S(0, t)$ (traces as in "
             r"\eqref{eq:single_neuron_observables:frobenius}, \eqref{eq:single_neuron_observables:inner})",
             rewrite=traces, lemma=True, label="kernel_distance"),
        # the beta-form: the eigenvalues of M in terms of delta and rho = ||beta||
        Step(mperp, eta_w * a**2, r"$\Lambda^2 = (\eta_w a^2 + \eta_a \|w\|^2)^2$", rewrite=traces_and_radicands,
             label="m_perp"),
        Step(mpar, eta_w * a**2 + eta_a * obs_ww, r"likewise", rewrite=traces_and_radicands, label="m_par"),
        Step(mperp0, eta_w * obs_a0**2, r"likewise at $t = 0$", rewrite=traces_and_radicands, label="m_perp0"),
        Step(mpar0, eta_w * obs_a0**2 + eta_a * obs_ww0, r"likewise at $t = 0$", rewrite=traces_and_radicands,
             label="m_par0"),
        Chain(tr(M**2),
              (M_frobenius_sq(a, obs_ww), "the trace computation", {"uses": ("frobenius",)}),
              (mpar**2 + (d - 1) * mperp**2, r"the eigenvalues $m_\parallel$ (once) and $m_\perp$ ($d - 1$ times)",
               {"uses": ("m_perp", "m_par")}),
              (Lam**2 + (d - 1) * (Lam + delta)**2 / 4, r"definitions of $m_\parallel$, $m_\perp$"),
              label="frobenius_beta"),
        Chain(tr(M0 * M),
              (M_inner(obs_a0, obs_ww0, a, obs_ww, obs_w0w), "the trace computation", {"uses": ("inner",)}),
              (d * mperp0 * mperp + mperp0 * mbar + mperp * mbar0 + mbar0 * mbar * cos2,
               r"$\eta_w a^2 = m_\perp$, $\eta_a\|w\|^2 = \bar m$ (likewise at $t = 0$), "
               r"$\langle w_0, w\rangle^2 = \|w_0\|^2\|w\|^2\cos^2\theta$",
               {"uses": ("m_perp", "m_perp0"), "rewrite": traces_and_radicands}),
              label="inner_beta"),
    )
    return Derivation(
        name="single_neuron_observables",
        title=r"Single neuron: observables, the NTK and the kernel distance",
        family="single neuron",
        statement=(
            r"For $\beta = a w$ and $M = \eta_w a^2 I_d + \eta_a w w^\top$ (the NTK is $K = X M X^\top$): "
            r"$\|\beta\| = |a|\,\|w\|$; on whitened data $\mathcal{L} = \tfrac12\|\beta - \beta_*\|^2 + "
            r"\tfrac12(\|y\|^2 - s^2)$, $\langle K_0, K\rangle_F = \operatorname{tr}(M_0 M)$ and "
            r"$\|M\|_F^2 = \Lambda^2 + (d - 1)(\Lambda + \delta)^2/4$, "
            r"$\langle M_0, M\rangle_F = d\, m_{\perp,0} m_\perp + m_{\perp,0}(\Lambda - \delta)/2 + "
            r"m_\perp(\Lambda_0 - \delta)/2 + (\Lambda_0 - \delta)(\Lambda - \delta)\cos^2\theta/4$ with "
            r"$m_\perp = (\Lambda + \delta)/2$, $\cos\theta = \hat\beta_0^\top\hat\beta$; so "
            r"$S(0, t) = 1 - \langle M_0, M\rangle_F/(\|M_0\|_F\|M\|_F)$ depends on $\beta_0$, $\beta$ and "
            r"$\delta$ only. The compiled observables are these quantities."
        ),
        assumptions=(r"$w, w_0, \beta_* \in \mathbb{R}^d$, $X \in \mathbb{R}^{n \times d}$, $y \in \mathbb{R}^n$, "
                     r"$d$ and $n$ symbolic; learning rates $\eta_a, \eta_w > 0$",
                     r"whitened data $G = X^\top X = I_d$ where stated; $\delta_0 = \delta$ (conservation law)",
                     r"$a, a_0 \neq 0$ (so that $\theta$ is defined)"),
        definitions=definitions,
        steps=steps,
        result=("beta_norm", "frobenius_beta", "inner_beta"),
        requires=REQUIRES,
        notes=(r"The parameters enter $\|M\|_F$ and $\langle M_0, M\rangle_F$ only through $a$, $a_0$, $\|w\|^2$, "
               r"$\|w_0\|^2$ and $\langle w_0, w\rangle$, the arguments of the compiled kernels; "
               r"the $\beta$-form uses $\eta_w a^2 = m_\perp$ and $\eta_a\|w\|^2 = m_\parallel - m_\perp$, "
               r"the eigenvalues of $M$ (paper, Section 3)."),
    )
