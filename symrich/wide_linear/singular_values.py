"""Wide linear network: aligned singular values, the time to reach them, and the hyperbolic entropy.

:func:`singular_value_trajectory`, :func:`time_to_reach`, :func:`q_delta` and
:func:`q_delta_grad` compile the closed forms of ``wide_linear_singular_values``
and ``wide_linear_mirror_flow`` (Section 4 of the paper: the singular values of
an initialisation aligned with the singular vectors of ``beta_star`` evolve
independently).

>>> round(float(singular_value_trajectory(50.0, 0.01, 2.0, 0.0)), 12)
2.0
"""

from __future__ import annotations

import functools

import numpy as np

from symrich.numeric.validation import as_array, broadcast, finite_result, positive
from symrich.wide_linear.flow import check_rates

__all__ = ["singular_value_trajectory", "time_to_reach", "q_delta", "q_delta_grad"]


@functools.lru_cache(maxsize=None)
def _trajectory_kernel():
    from symrich.numeric.codegen import compile_exprs
    from symrich.symbolic.symbols import delta, eta_a, eta_w, s
    from symrich.symbolic.wide_linear import (
        E, kappa, kappa_of, phi, sigma0, sigma_of_v_stable, sigma_rising_stable, v_trajectory_stable,
    )

    gap, v = v_trajectory_stable(sigma0, s, kappa, E, phi)
    return (compile_exprs((kappa_of(delta),), (delta, eta_a, eta_w), backend="numpy"),
            compile_exprs((sigma_of_v_stable(gap, v, s, kappa), sigma_rising_stable(sigma0, s, kappa, E, phi)),
                          (sigma0, s, kappa, E, phi), backend="numpy"))


@functools.lru_cache(maxsize=None)
def _time_kernel():
    from symrich.numeric.codegen import compile_exprs
    from symrich.symbolic.wide_linear import kappa, sigma, sigma0, time_to_reach_critical, time_to_reach_stable
    from symrich.symbolic.symbols import eta_a, eta_w, s

    return compile_exprs((time_to_reach_stable(sigma, sigma0, s, kappa), time_to_reach_critical(sigma, sigma0)),
                         (sigma, sigma0, s, kappa, eta_a, eta_w), backend="numpy")


@functools.lru_cache(maxsize=None)
def _q_kernel():
    import sympy as sp

    from symrich.numeric.codegen import compile_exprs
    from symrich.symbolic.wide_linear import q_delta as q_expr
    from symrich.symbolic.wide_linear import q_delta_prime
    from symrich.symbolic.symbols import delta, eta_a, eta_w

    x = sp.Symbol("x", real=True)
    return compile_exprs((q_expr(x, delta), q_delta_prime(x, delta)), (x, delta, eta_a, eta_w), backend="numpy")



def _nonnegative(x, name):
    arr = as_array(x, name)
    if np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0, got a minimum of {arr.min()}")
    return arr


def singular_value_trajectory(t, sigma0, s, delta, eta_a=1.0, eta_w=1.0):
    """Closed-form ``sigma(t)`` of ``sigma' = -2 sqrt(eta sigma^2 + delta^2/4)(sigma - s)``.

    Uses ``v = sigma + sqrt(sigma^2 + kappa^2)``, ``kappa = |delta|/(2 sqrt(eta))``,
    which solves a constant-coefficient Riccati equation, in the form
    ``v - v_+ = b E / (1 + b (1 - E)/(2R))`` (``E = exp(-2 R sqrt(eta) t)``,
    ``R = sqrt(s^2 + kappa^2)``, ``b = v_0 - v_+``) and, for ``sigma0 > s``,
    ``sigma = s + (v - v_+)(v - v_-)/(2v)``; for ``sigma0 <= s``,
    ``sigma = sigma0 + (v - v0)(1 + kappa^2/(v v0))/2`` (derivation
    ``wide_linear_stable_forms``): no overflow for long times, no
    cancellation near convergence nor for ``sigma0 << s``, continuous at
    ``delta = 0`` (the Saxe sigmoid) and at ``R = 0``.

    Parameters
    ----------
    t : array_like, >= 0
    sigma0, s : array_like, >= 0
        Initial singular value and target singular value (``u^T beta* v``).
    delta : array_like
    eta_a, eta_w : float > 0

    All array arguments broadcast together.

    Returns
    -------
    ndarray

    Examples
    --------
    >>> import numpy as np
    >>> round(float(singular_value_trajectory(0.0, 0.1, 2.0, 0.5)), 14)
    0.1
    >>> s, s0, t = 2.0, 0.1, 0.7
    >>> saxe = s * s0 * np.exp(2 * s * t) / (s + s0 * (np.exp(2 * s * t) - 1))
    >>> bool(np.isclose(singular_value_trajectory(t, s0, s, 0.0), saxe))
    True
    """
    eta_a, eta_w = check_rates(eta_a, eta_w)
    t = _nonnegative(t, "t")
    sigma0 = _nonnegative(sigma0, "sigma0")
    s = _nonnegative(s, "s")
    delta = as_array(delta, "delta")
    t, sigma0, s, delta = broadcast(t=t, sigma0=sigma0, s=s, delta=delta)
    kappa_k, traj_k = _trajectory_kernel()
    with np.errstate(all="ignore"):
        kappa = np.broadcast_to(np.asarray(kappa_k(delta, eta_a, eta_w)[0], dtype=float), t.shape)
        R = np.hypot(s, kappa)
        se = np.sqrt(eta_a * eta_w)
        x = 2 * R * se * t
        E = np.exp(-x)
        phi = np.where(R > 0, -np.expm1(-x) / np.where(R > 0, 2 * R, 1.0), se * t)
        falling, rising = traj_k(sigma0, s, kappa, E, phi)
        sig = np.where(sigma0 <= s, rising, falling)  # each free of cancellation on its side of s
    sig = np.asarray(np.broadcast_to(sig, t.shape), dtype=float).copy()
    stuck = (sigma0 == 0) & (kappa == 0)  # v_0 = 0: sigma = 0 is a fixed point when delta = 0
    sig[stuck] = 0.0
    return finite_result(sig[()] if sig.ndim == 0 else sig, "t, sigma0, s, delta, eta_a, eta_w")


def time_to_reach(sigma, sigma0, s, delta, eta_a=1.0, eta_w=1.0):
    """Time at which the aligned singular value reaches ``sigma`` (inverse of :func:`singular_value_trajectory`).

    ``t = log[(v - v_-)(v_0 - v_+)/((v - v_+)(v_0 - v_-))]/(2 R sqrt(eta))``, evaluated
    with ``log1p`` of cancellation-free differences; at ``R = 0`` (``s = 0``,
    ``delta = 0``) ``t = (1/sigma - 1/sigma0)/(2 sqrt(eta))``.  Ill-conditioned
    as ``sigma -> s`` (the time diverges logarithmically).

    Parameters
    ----------
    sigma, sigma0, s : array_like, >= 0
        ``sigma`` must lie between ``sigma0`` (included) and ``s`` (excluded).
    delta : array_like
        With ``delta = 0``, ``sigma0 = 0`` is a fixed point: then only ``sigma = 0`` is reached (at ``t = 0``).
    eta_a, eta_w : float > 0

    Returns
    -------
    ndarray

    Examples
    --------
    >>> t = 0.8
    >>> sig = singular_value_trajectory(t, 0.05, 2.0, 1.2)
    >>> round(float(time_to_reach(sig, 0.05, 2.0, 1.2)), 12)
    0.8
    """
    eta_a, eta_w = check_rates(eta_a, eta_w)
    sigma = _nonnegative(sigma, "sigma")
    sigma0 = _nonnegative(sigma0, "sigma0")
    s = _nonnegative(s, "s")
    delta = as_array(delta, "delta")
    sigma, sigma0, s, delta = broadcast(sigma=sigma, sigma0=sigma0, s=s, delta=delta)
    lo, hi = np.minimum(sigma0, s), np.maximum(sigma0, s)
    bad = (sigma < lo) | (sigma > hi) | (sigma == s)
    if np.any(bad):
        raise ValueError("sigma must lie between sigma0 (included) and s (excluded): the flow moves sigma "
                         "monotonically from sigma0 towards s and never reaches s")
    with np.errstate(all="ignore"):  # float64 overflow is reported by finite_result
        kappa = np.broadcast_to(np.asarray(_trajectory_kernel()[0](delta, eta_a, eta_w)[0], dtype=float), sigma.shape)
    if np.any((sigma0 == 0) & (kappa == 0) & (sigma > 0)):
        raise ValueError("sigma0 = 0 with delta = 0 is a fixed point of the flow: sigma stays 0 and never reaches "
                         "sigma > 0 (the time is infinite)")
    with np.errstate(all="ignore"):
        R = np.hypot(s, kappa)
        # t is homogeneous of degree -1 in (sigma, sigma0, s, kappa): evaluated at those divided by a power of 2
        # that brings the largest near 1 (their squares overflow beyond 1e154), then divided by it
        scale = np.ldexp(1.0, np.frexp(np.maximum(np.maximum(sigma, sigma0), np.maximum(s, kappa)))[1])
        general, critical = _time_kernel()(sigma / scale, sigma0 / scale, s / scale, kappa / scale, eta_a, eta_w)
        # R = 0, or R below the rounding of sigma, sigma0 (the relative correction to the critical time is O(R/sigma))
        exact_critical = R <= np.finfo(float).eps * np.minimum(sigma, sigma0)
        out = np.where(exact_critical, critical, general) / scale
    out = finite_result(np.where(sigma == sigma0, 0.0, out), "sigma, sigma0, s, delta, eta_a, eta_w")
    if np.any((out == 0) & (sigma != sigma0)):
        raise ValueError("sigma, sigma0, s, delta, eta_a, eta_w are outside the supported range: the time is below "
                         "the float64 range (it underflows to 0)")
    return out[()] if out.ndim == 0 else out


def q_delta(x, delta, eta=1.0):
    """Hyperbolic entropy ``q = [x asinh(2 sqrt(eta) x/|delta|) - sqrt(x^2 + delta^2/(4 eta))]/(2 sqrt(eta))``.

    The mirror-flow potential of the aligned singular values is ``sum_i q(sigma_i)``.
    As ``delta -> 0`` it is ``x log(1/|delta|)/(2 sqrt(eta))`` to leading order
    (nuclear norm); as ``|delta| -> oo``, ``x^2/(2|delta|) - |delta|/(4 eta)`` (Frobenius).

    Parameters
    ----------
    x : array_like
    delta : array_like, nonzero
    eta : float > 0
        ``eta_a eta_w``.

    Returns
    -------
    ndarray

    Examples
    --------
    >>> round(float(q_delta(0.0, 2.0)), 12)
    -0.5
    """
    return _q(x, delta, eta)[0]


def q_delta_grad(x, delta, eta=1.0):
    """``q'(x) = asinh(2 sqrt(eta) x/|delta|)/(2 sqrt(eta))``, the derivative of :func:`q_delta`.

    Examples
    --------
    >>> import numpy as np
    >>> bool(np.isclose(q_delta_grad(1.0, 2.0), np.arcsinh(1.0) / 2))
    True
    """
    return _q(x, delta, eta)[1]


def _q(x, delta, eta):
    eta = positive(eta, "eta")
    x = as_array(x, "x")
    delta = as_array(delta, "delta")
    if np.any(delta == 0):
        raise ValueError("delta must be nonzero for q_delta (it diverges like log(1/|delta|) as delta -> 0)")
    x, delta = broadcast(x=x, delta=delta)
    with np.errstate(all="ignore"):
        q, dq = _q_kernel()(x, delta, eta, 1.0)
    q, dq = np.asarray(q, dtype=float), np.asarray(dq, dtype=float)
    return finite_result(((q[()] if q.ndim == 0 else q), (dq[()] if dq.ndim == 0 else dq)), "x, delta, eta")
