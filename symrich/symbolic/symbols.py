"""The glossary: one SymPy symbol per quantity of the paper, with its assumptions.

Every derivation and every closed form in symrich uses these symbols, so that a
name means the same thing everywhere (``delta`` is always
``eta_w a**2 - eta_a ||w||**2``).  Symbols carry the assumptions the paper makes
(learning rates are positive, ``delta`` is real), and those assumptions are also
the default sampling domains of the engine's randomized checks.

=============  =====================================================  ==========
name           meaning                                                assumption
=============  =====================================================  ==========
``t``          time of the gradient flow                              t >= 0
``eta_a``      learning rate of the readout ``a``                     > 0
``eta_w``      learning rate of the first layer ``w``                 > 0
``eta``        ``eta_a * eta_w``                                      > 0
``delta``      conserved ``eta_w a^2 - eta_a ||w||^2``                real
``a``          readout weight of the single neuron                    real
``rho``        ``||beta||``                                           > 0
``u``          ``||w||^2``                                            > 0
``s``          ``||beta_star||``                                      > 0
``R``          ``sqrt(delta^2 + 4 eta_a eta_w ||beta||^2)``           > 0
``Lam``        ``sqrt(delta^2 + 4 eta_a eta_w s^2)``                  > 0
=============  =====================================================  ==========

The LaTeX of every name whose default SymPy rendering is not the paper's is
in :data:`LATEX` (used by :func:`symrich.engine.notation.latex`).

>>> from symrich.symbolic.symbols import delta, eta_a, eta_w, a, u
>>> (eta_w * a**2 - eta_a * u).subs(u, 0) == eta_w * a**2
True
"""

import sympy as sp

#: LaTeX of symbol (and function) names whose SymPy default is not the paper's notation; every
#: displayed formula goes through :func:`symrich.engine.notation.latex`, which reads this table.
LATEX = {
    "beta_star": r"\beta_*",
    "w_perp0": r"w_{\perp,0}",
    "s2": r"s^2",
    "pi0": r"\pi_0",
    "Lam": r"\Lambda",
    "l_+": r"\ell_+",
    "l_-": r"\ell_-",
    "phi1": r"\phi_1",
    "beta_inf": r"\beta_\infty",
    "a_inf": r"a_\infty",
    "L": r"\mathcal{L}",
    "u_a": r"u",  # u = a^2 in the Bernoulli equation (a different symbol from the glossary's u = ||w||^2)
    # deep linear network, two adjacent layers (symrich.symbolic.deep_linear.local_flow)
    "W_l": r"W_\ell",
    "W_{l+1}": r"W_{\ell+1}",
    "eta_l": r"\eta_\ell",
    "eta_{l+1}": r"\eta_{\ell+1}",
    "Q_l": r"Q_\ell",
    "h_l": r"h_\ell",
    "h_{l-1}": r"h_{\ell-1}",
    "h_{l+1}": r"h_{\ell+1}",
    # piecewise-linear network: direction of beta_k and the components of g along and across it
    "beta_hat": r"\hat\beta",
    "P_perp": r"P_\perp",
    "g_par": r"g_\parallel",
    "g_perp": r"g_\perp",
    # single-neuron observables, mirror potential, implicit bias and basins (derivations
    # single_neuron_observables, _mirror_flow, _implicit_bias, _basins)
    "w2": r"\|w\|^2",
    "w2_init": r"\|w_0\|^2",
    "a_init": r"a_0",
    "wb": r"\langle w, \beta_*\rangle",
    "w0w": r"\langle w_0, w\rangle",
    "m_perp": r"m_\perp",
    "m_par": r"m_\parallel",
    "m_perp0": r"m_{\perp,0}",
    "m_par0": r"m_{\parallel,0}",
    "cos2_theta": r"\cos^2\theta",
    "mbar": r"\bar m",
    "mbar0": r"\bar m_0",
    "cos_w_beta_star": r"\cos\angle(w, \beta_*)",
    "S_0t": r"S(0, t)",
    "phi_delta": r"\phi_\delta",
    "Hess_Phi": r"\operatorname{Hess}\Phi_\delta",
    "u_w": r"\|w\|",
    "w_perp": r"w_\perp",
    "kappa_N": r"\kappa_N",
    "a_inf2": r"a_\infty^2",
    "a_02": r"a_0^2",
    "gamma2": r"\gamma^2",
    "a_02s": r"\tilde a_0^2",
    "kappa_s": r"\tilde\kappa",
    "gamma2_s": r"\tilde\gamma^2",
    "a_inf2s": r"\tilde a_\infty^2",
    "p_0": r"p_0",
    # single neuron (derivations single_neuron_regimes, single_neuron_stable_forms)
    "m_perp": r"m_\perp",
    "m_par": r"m_\parallel",
    "eps_lazy_perp": r"\varepsilon^{\mathrm{lazy}}_\perp",
    "eps_lazy_par": r"\varepsilon^{\mathrm{lazy}}_\parallel",
    "eps_lazy_aniso": r"\varepsilon^{\mathrm{lazy}}_{\parallel - \perp}",
    "eps_rich_perp": r"\varepsilon^{\mathrm{rich}}_\perp",
    "eps_rich_par": r"\varepsilon^{\mathrm{rich}}_\parallel",
    "eps_delayed_perp": r"\varepsilon^{\mathrm{delayed}}_\perp",
    "eps_delayed_par": r"\varepsilon^{\mathrm{delayed}}_\parallel",
    "U_f": r"U_{\mathrm{f}}",
    "V_f": r"V_{\mathrm{f}}",
    # wide linear network in closed form (derivation wide_linear_closed_form)
    "lambda'": r"\lambda'",
    "Phi_half": r"{\Phi^{1/2}}",
    "u_perp": r"u_\perp",
    "v_perp": r"v_\perp",
}

t = sp.Symbol("t", nonnegative=True)
eta_a = sp.Symbol("eta_a", positive=True)
eta_w = sp.Symbol("eta_w", positive=True)
eta = sp.Symbol("eta", positive=True)
delta = sp.Symbol("delta", real=True)
a = sp.Symbol("a", real=True)
rho = sp.Symbol("rho", positive=True)
u = sp.Symbol("u", positive=True)
s = sp.Symbol("s", positive=True)
R = sp.Symbol("R", positive=True)
Lam = sp.Symbol("Lambda", positive=True)

# Symbolic dimensions for coordinate-free (MatrixSymbol) derivations.
d = sp.Symbol("d", integer=True, positive=True)
n = sp.Symbol("n", integer=True, positive=True)


def vector(name, dim, **assumptions):
    """Column vector ``(name_1, ..., name_dim)`` of fresh real symbols.

    >>> vector("w", 2)
    Matrix([
    [w_1],
    [w_2]])
    """
    assumptions.setdefault("real", True)
    return sp.Matrix([sp.Symbol(f"{name}_{i + 1}", **assumptions) for i in range(dim)])


def matrix(name, rows, cols, symmetric=False, **assumptions):
    """``rows x cols`` matrix of fresh real symbols ``name_ij`` (optionally symmetric).

    >>> matrix("C", 2, 2, symmetric=True)
    Matrix([
    [C_11, C_12],
    [C_12, C_22]])
    """
    assumptions.setdefault("real", True)

    def entry(i, j):
        if symmetric and i > j:
            i, j = j, i
        return sp.Symbol(f"{name}_{i + 1}{j + 1}", **assumptions)

    return sp.Matrix(rows, cols, entry)
