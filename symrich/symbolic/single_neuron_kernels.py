"""Symbolic layer, single neuron: the expressions every compiled kernel evaluates.

Each ``*_exprs()`` function returns ``(exprs, args)``: a tuple of SymPy expressions and the
ordered tuple of symbols the compiled kernel takes as arguments.  The numeric layer
(:mod:`symrich.single_neuron.kernels`) and every export target (:mod:`symrich.export`)
compile these expressions and no others, so what runs and what is exported is what the
derivations prove (each function names its derivation).

============================  ==========================================================
kernel                        expressions
============================  ==========================================================
:func:`row_scalar_exprs`      ``pi0, delta`` of an initialisation
:func:`general_exprs`         ``(a, p, c)``, overflow-free general form
:func:`saddle_exprs`          ``(a, p, c)`` on the stable manifold of the saddle
:func:`selector_exprs`        ``(A, kappa)``: which of the two forms applies
:func:`fast_loop_exprs`       the two-exponential forms of the fused float loop
:func:`observable_exprs`      the observables, named by ``OBS_NAMES``
:func:`M_coefficient_exprs`   the coefficients of ``M``
:func:`delta_exprs`           the conserved ``delta``
:func:`phi_kernel_exprs`      the mirror potential and its derivative
:func:`a_inf_exprs`           ``eta_w a_inf^2`` of the implicit bias
:func:`basin_rate_exprs`      ``l_-`` and ``l_+`` for the basins
============================  ==========================================================

>>> exprs, args = row_scalar_exprs()
>>> args
(a_0, w2_0, wb_0, s2, eta_a, eta_w)
"""

from __future__ import annotations

import functools

import sympy as sp

from symrich.symbolic import implicit_bias as ib
from symrich.symbolic import single_neuron as ssn
from symrich.symbolic import single_neuron_solution as sol
from symrich.symbolic.single_neuron import obs_a, obs_a0, obs_d, obs_w0w, obs_wb, obs_ww, obs_ww0
from symrich.symbolic.single_neuron_solution import a0, for_compile, pi0, s2
from symrich.symbolic.symbols import a, delta, eta_a, eta_w, rho, t

__all__ = [
    "KERNEL_ARGS", "SELECTOR_ARGS", "ROW_ARGS", "OBS_ARGS", "OBS_NAMES",
    "row_scalar_exprs", "general_exprs", "saddle_exprs", "selector_exprs", "fast_loop_exprs",
    "observable_exprs", "M_coefficient_exprs", "delta_exprs", "phi_kernel_exprs", "a_inf_exprs",
    "basin_rate_exprs",
]

#: arguments of the closed-form kernels (the time first).
KERNEL_ARGS = (t, a0, pi0, s2, delta, eta_a, eta_w)
#: arguments of the saddle selector: those of the closed form without the time.
SELECTOR_ARGS = KERNEL_ARGS[1:]

#: ``||w0||^2`` and ``w0^T beta_star``, the dot products the row scalars are computed from.
w2_0, wb_0 = sp.symbols("w2_0 wb_0", real=True)
#: arguments of the row-scalar kernel.
ROW_ARGS = (a0, w2_0, wb_0, s2, eta_a, eta_w)

#: arguments of the observable kernel: readout, ``||w||^2``, ``w^T beta_star``, ``a0``, ``||w0||^2``,
#: ``w0^T w``, ``s^2``, ``d`` and the rates.
OBS_ARGS = (obs_a, obs_ww, obs_wb, obs_a0, obs_ww0, obs_w0w, s2, obs_d, eta_a, eta_w)
#: names of the outputs of :func:`observable_exprs`, in order.
OBS_NAMES = ("beta_norm", "signed_magnitude", "ntk_norm", "kernel_distance", "alignment")


def _indicator(x):
    return sp.Piecewise((1, sp.Eq(x, 0)), (0, True))


def row_scalar_exprs():
    """``(pi0, delta)`` of an initialisation, from ``ROW_ARGS``.

    ``pi0 = w0^T beta_star / s^2`` is written ``wb_0/(s^2 + [s^2 = 0])``: the same for
    ``beta_star != 0`` and 0 for ``beta_star = 0`` (where ``wb_0 = 0``), without a division
    by zero in any target (the ``w0`` of ``w(t) = p beta_star + c w_perp0`` is then all
    ``w_perp0``); ``delta = eta_w a0^2 - eta_a ||w0||^2`` (derivation ``single_neuron_conservation``).

    Examples
    --------
    >>> exprs, args = row_scalar_exprs()
    >>> [e.subs(dict(zip(args, (2, 5, 3, 4, 1, 1)))) for e in exprs]
    [3/4, -1]
    >>> exprs[0].subs({wb_0: 0, s2: 0})
    0
    """
    return (wb_0 / (s2 + _indicator(s2)), ssn.conserved_delta(a0, w2_0)), ROW_ARGS


@functools.lru_cache(maxsize=None)
def general_exprs(branch=None, indicator_phi1=True):
    """``(a, p, c)`` of :func:`~symrich.symbolic.single_neuron_solution.stable_general` with the stable rates.

    The form proved in ``single_neuron_closed_form`` (rates of
    :func:`~symrich.symbolic.single_neuron_solution.fast_rates`).  ``branch="nonnegative"``
    or ``"negative"`` fixes the piece ``T1`` to its form for ``delta >= 0`` or ``delta < 0``
    (for targets that select by ``where`` and must keep each branch finite); ``None`` keeps
    the ``Piecewise``.  ``indicator_phi1`` writes ``phi1`` in its division-free form
    (:func:`~symrich.symbolic.special.for_compile`); ``False`` keeps :class:`~symrich.symbolic.special.phi1`.

    Examples
    --------
    >>> exprs, args = general_exprs()
    >>> [e.subs(t, 0) for e in exprs], args == KERNEL_ARGS
    ([a_0, pi_0, 1], True)
    """
    form = sol.stable_general(stable_rates=True)
    exprs = (form.a, form.p, form.c)
    if branch is not None:
        if branch not in ("nonnegative", "negative"):
            raise ValueError(f"branch must be None, 'nonnegative' or 'negative', got {branch!r}")
        T1 = form.T1_pos if branch == "nonnegative" else form.T1_neg
        exprs = tuple(e.xreplace({form.T1: T1}) for e in exprs)
    if indicator_phi1:
        exprs = tuple(for_compile(e) for e in exprs)
    return exprs, KERNEL_ARGS


@functools.lru_cache(maxsize=None)
def saddle_exprs(indicator_phi1=True):
    """``(a, p, c)`` of :func:`~symrich.symbolic.single_neuron_solution.stable_saddle` with the stable rates.

    Examples
    --------
    >>> exprs, _ = saddle_exprs()
    >>> [e.subs(t, 0) for e in exprs]
    [a_0, pi_0, 1]
    """
    form = sol.stable_saddle(stable_rates=True)
    exprs = (form.a, form.p, form.c)
    return tuple(for_compile(e) for e in exprs) if indicator_phi1 else exprs, KERNEL_ARGS


@functools.lru_cache(maxsize=None)
def selector_exprs():
    """``(A, kappa)``: the saddle form applies where ``A = 0`` and ``kappa = delta + Lam > 0``.

    ``A`` is :func:`~symrich.symbolic.single_neuron_solution.saddle_A` (``= U Lam``, free of
    cancellation) and ``kappa = 2 gamma`` with the rates of ``fast_rates``.

    Examples
    --------
    >>> (A, kappa), args = selector_exprs()
    >>> A.subs({a0: 1, pi0: -1, delta: 0, s2: 1, eta_a: 1, eta_w: 1}), args == SELECTOR_ARGS
    (0, True)
    """
    return (sol.saddle_A(), sol.stable_general(stable_rates=True).kappa), SELECTOR_ARGS


@functools.lru_cache(maxsize=None)
def fast_loop_exprs(saddle=False):
    """``(exprs, args, lets)`` of the two-exponential form the fused float loop compiles.

    ``exprs = (a, p, c)`` of :func:`~symrich.symbolic.single_neuron_solution.fast_general`
    (or ``fast_saddle``), written in the bound names of ``lets`` (the rates and the
    exponentials, in order); ``args = KERNEL_ARGS`` (the time first).  ``phi1_near0`` is kept
    (the loop evaluates it by a polynomial); every other ``phi1`` is in its indicator form.

    Examples
    --------
    >>> exprs, args, lets = fast_loop_exprs()
    >>> [str(name) for name, _ in lets], len(exprs), args[0]
    (['alpha', 'gamma', 'x', 'y'], 3, t)
    """
    form = sol.fast_saddle() if saddle else sol.fast_general()
    lets = tuple((name, for_compile(value, keep_near0=True)) for name, value in form.lets)
    exprs = tuple(for_compile(e, keep_near0=True) for e in (form.a, form.p, form.c))
    return exprs, KERNEL_ARGS, lets


def observable_exprs():
    """The observables (derivation ``single_neuron_observables``) in ``OBS_ARGS``, named by ``OBS_NAMES``.

    ``||beta|| = |a| ||w||``, ``a ||w||``, ``||K||_F = ||M||_F``, the kernel distance
    ``S(0, t) = 1 - <M0, Mt>/(||M0|| ||Mt||)`` (whitened data) and
    ``cos(w, beta_star) = w^T beta_star / (||w|| s)``.  Where an observable is undefined it
    is NaN: the alignment where ``w = 0`` or ``beta_star = 0``, the kernel distance where
    ``M(0) = 0`` (``a0 = 0`` and ``w0 = 0``); each is a ``Piecewise``, so that a target that
    evaluates branches lazily never evaluates the undefined formula.  (The loss
    ``1/2 ||a w - beta_star||^2`` is evaluated from its definition, which has no
    cancellation near the minimum.)

    Examples
    --------
    >>> exprs, args = observable_exprs()
    >>> point = dict(zip(args, (1, 1, 1, 1, 1, 1, 1, 2, 1, 1)))
    >>> dict(zip(OBS_NAMES, (e.subs(point) for e in exprs)))
    {'beta_norm': 1, 'signed_magnitude': 1, 'ntk_norm': sqrt(5), 'kernel_distance': 0, 'alignment': 1}
    >>> exprs[OBS_NAMES.index("alignment")].subs({obs_ww: 0, s2: 1})
    nan
    """
    nw = sp.sqrt(obs_ww)
    formulas = {
        "beta_norm": sp.Abs(obs_a) * nw,
        "signed_magnitude": obs_a * nw,
        "ntk_norm": sp.sqrt(ssn.M_frobenius_sq(obs_a, obs_ww)),
        "kernel_distance": 1 - ssn.M_inner(obs_a0, obs_ww0, obs_a, obs_ww, obs_w0w)
        / sp.sqrt(ssn.M_frobenius_sq(obs_a0, obs_ww0) * ssn.M_frobenius_sq(obs_a, obs_ww)),
        "alignment": obs_wb / (nw * sp.sqrt(s2)),
    }
    defined = {"alignment": (obs_ww > 0) & (s2 > 0), "kernel_distance": sp.Ne(obs_a0, 0) | (obs_ww0 > 0)}
    exprs = tuple(sp.Piecewise((formulas[n], defined[n]), (sp.nan, True)) if n in defined else formulas[n]
                  for n in OBS_NAMES)
    return exprs, OBS_ARGS


def M_coefficient_exprs():
    """The coefficients of ``M`` (derivations ``single_neuron_function_space``, ``single_neuron_regimes``).

    ``exprs = ((R + delta)/2, 2 eta/(R + delta), 2 eta rho^2/(R - delta), R - 2 eta rho^2/(R - delta))``
    in ``args = (delta, rho, eta_a, eta_w)``: ``m_perp`` and ``(m_par - m_perp)/rho^2`` in the forms
    free of cancellation for ``delta >= 0``, then ``m_perp`` and ``m_par - m_perp`` in the forms free
    of cancellation for ``delta < 0``.

    Examples
    --------
    >>> exprs, args = M_coefficient_exprs()
    >>> [e.subs({delta: 3, rho: 2, eta_a: 1, eta_w: 1}) for e in exprs]
    [4, 1/4, 4, 1]
    """
    m_perp_negative = ssn.m_perp_stable_negative()
    exprs = (ssn.m_perp(), ssn.m_diff_stable_positive(), m_perp_negative, ssn.m_par() - m_perp_negative)
    return exprs, (delta, rho, eta_a, eta_w)


def delta_exprs():
    """The conserved ``delta = eta_w a^2 - eta_a ||w||^2`` in ``(a, ||w||^2, eta_a, eta_w)``.

    Examples
    --------
    >>> (expr,), args = delta_exprs()
    >>> expr.subs(dict(zip(args, (2, 1, 1, 1))))
    3
    """
    ww = sp.Symbol("w2", nonnegative=True)
    return (ssn.conserved_delta(a, ww),), (a, ww, eta_a, eta_w)


def phi_kernel_exprs():
    """The mirror potential (derivation ``single_neuron_mirror_flow``) in ``(rho, delta, eta_a, eta_w)``.

    ``(phi, phi stable for delta < 0, phi', phi'/rho stable for delta > 0)``.

    Examples
    --------
    >>> exprs, args = phi_kernel_exprs()
    >>> [e.subs({rho: 2, delta: 3, eta_a: 1, eta_w: 1}) for e in exprs]
    [-2/3, -2/3, 1, 1/2]
    """
    exprs = (ib.phi(), ib.phi_stable_negative(), ib.phi_prime(), ib.phi_tangential_stable_positive())
    return exprs, (rho, delta, eta_a, eta_w)


def a_inf_exprs():
    """``a_inf^2`` of the implicit bias (derivation ``single_neuron_implicit_bias``) in ``(kappa_N, b, eta_a, eta_w)``.

    One ``Piecewise``: ``(kappa_N + sqrt(kappa_N^2 + 4 eta b^2))/(2 eta_w)`` for ``kappa_N >= 0``
    (a sum of nonnegative terms) and ``2 eta_a b^2/(sqrt(kappa_N^2 + 4 eta b^2) - kappa_N)`` for
    ``kappa_N < 0`` (its denominator is at least ``2 |kappa_N|``), so each form is evaluated only
    where it is free of cancellation and of division by zero.  At ``b = 0`` it is
    ``max(kappa_N, 0)/eta_w``.

    Examples
    --------
    >>> (expr,), args = a_inf_exprs()
    >>> [expr.subs(dict(zip(args, (k, 0, 1, 2)))) for k in (3, 0, -3)]
    [3/2, 0, 0]
    """
    expr = sp.Piecewise((ib.a_inf_sq(), ib.kappa_N >= 0), (ib.a_inf_sq_stable_negative(), True))
    return (expr,), (ib.kappa_N, ib.b, eta_a, eta_w)


def basin_rate_exprs():
    """``l_-`` and ``l_+`` for the basins (derivation ``single_neuron_basins``) in ``(s2, delta, eta_a, eta_w)``.

    ``(l_- for delta >= 0, l_- for delta < 0, l_+ for delta <= 0, l_+ for delta > 0)``: each
    rate in the form free of cancellation on the side of ``delta = 0`` it is used on.

    Examples
    --------
    >>> exprs, args = basin_rate_exprs()
    >>> [e.subs({s2: 4, delta: 3, eta_a: 1, eta_w: 1}) for e in exprs]
    [-4, -4, 1, 1]
    """
    exprs = (sol.l_minus(s2), ib.l_minus_stable_negative(s2), sol.l_plus(s2), ib.l_plus_stable_positive(s2))
    return exprs, (s2, delta, eta_a, eta_w)
