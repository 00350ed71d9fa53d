"""Numeric layer, single neuron ``f(x) = a w^T x``: kernels compiled from the derived expressions.

The expressions come from :mod:`symrich.symbolic.single_neuron` and are proved
in the derivations ``single_neuron_function_space`` and
``single_neuron_regimes``; here they are compiled with
:func:`symrich.codegen.compile_exprs` (one CSE over all outputs).

``M`` is evaluated in the form that is free of cancellation on each side of
``delta = 0`` (both forms are proved equal in ``single_neuron_regimes``):

* ``delta >= 0``: ``M = (R + delta)/2 I + [2 eta / (R + delta)] beta beta^T``
* ``delta < 0``:  ``M = [2 eta rho^2 / (R - delta)] I + (R - delta)/2 beta_hat beta_hat^T``

so it is accurate for ``||beta||`` tiny and ``delta`` near 0 of either sign.
"""

from __future__ import annotations

import functools

import numpy as np

from symrich.validation import as_array, positive

__all__ = ["M_matrix", "ntk", "delta_of"]


@functools.lru_cache(maxsize=None)
def _M_coefficients():
    from symrich.codegen import compile_exprs
    from symrich.symbolic.single_neuron import m_diff_stable_positive, m_par, m_perp, m_perp_stable_negative
    from symrich.symbols import delta, eta_a, eta_w, rho

    exprs = (m_perp(), m_diff_stable_positive(), m_perp_stable_negative(), m_par() - m_perp_stable_negative())
    return compile_exprs(exprs, (delta, rho, eta_a, eta_w), backend="numpy")


def _beta_delta(beta, delta, eta_a, eta_w):
    eta_a = positive(eta_a, "eta_a")
    eta_w = positive(eta_w, "eta_w")
    beta = as_array(beta, "beta", ndim=None)
    if beta.ndim == 0 or beta.shape[-1] == 0:
        raise ValueError(f"beta must have shape (..., d) with d >= 1, got shape {beta.shape}")
    delta = as_array(delta, "delta")
    try:
        batch = np.broadcast_shapes(beta.shape[:-1], delta.shape)
    except ValueError as exc:
        raise ValueError(
            f"delta of shape {delta.shape} does not broadcast against the batch shape {beta.shape[:-1]} of beta"
        ) from exc
    return beta, np.broadcast_to(delta, batch), eta_a, eta_w


def M_matrix(beta, delta, eta_a=1.0, eta_w=1.0):
    """The preconditioner ``M`` of ``beta' = -M grad L``, from ``beta`` and ``delta`` alone.

    Parameters
    ----------
    beta : array_like, shape (..., d)
        Function-space parameter ``beta = a w`` (leading axes are a batch).
    delta : float or array_like broadcastable to ``beta.shape[:-1]``
        Conserved ``eta_w a^2 - eta_a ||w||^2``.
    eta_a, eta_w : float > 0
        Learning rates of the readout and the first layer.

    Returns
    -------
    ndarray, shape (..., d, d)
        ``(R + delta)/2 I + (R - delta)/2 beta beta^T / ||beta||^2`` with
        ``R = sqrt(delta^2 + 4 eta_a eta_w ||beta||^2)``; equal to
        ``eta_a w w^T + eta_w a^2 I`` for any ``(a, w)`` with ``a w = beta``.

    Raises
    ------
    ValueError
        For bad shapes, NaN, non-positive learning rates, and for
        ``beta = 0`` with ``delta < 0`` (then ``M = eta_a w w^T`` depends on the
        direction of ``w``, which ``beta`` does not determine).

    Examples
    --------
    >>> import numpy as np
    >>> a, w = 0.5, np.array([1.0, -2.0])
    >>> delta = a**2 - w @ w
    >>> np.allclose(M_matrix(a * w, delta), np.outer(w, w) + a**2 * np.eye(2))
    True
    """
    beta, delta, eta_a, eta_w = _beta_delta(beta, delta, eta_a, eta_w)
    rho = np.linalg.norm(beta, axis=-1)
    if np.any((rho == 0) & (delta < 0)):
        raise ValueError(
            "M is not a function of beta at beta = 0 when delta < 0 (it is eta_a w w^T, which depends on "
            "the direction of w); give a nonzero beta"
        )
    m_perp_pos, c_pos, m_perp_neg, m_diff_neg = _eval_coefficients(delta, rho, eta_a, eta_w)
    negative = delta < 0
    m_perp = np.where(negative, m_perp_neg, m_perp_pos)
    safe_rho = np.where(rho > 0, rho, 1.0)
    coeff = np.where(negative, m_diff_neg / safe_rho**2, np.where(rho > 0, c_pos, 0.0))
    eye = np.eye(beta.shape[-1])
    return m_perp[..., None, None] * eye + coeff[..., None, None] * beta[..., :, None] * beta[..., None, :]


def _eval_coefficients(delta, rho, eta_a, eta_w):
    kernel = _M_coefficients()
    with np.errstate(divide="ignore", invalid="ignore"):
        out = kernel(delta, rho, eta_a, eta_w)
    return [np.broadcast_to(np.asarray(o, dtype=float), rho.shape) for o in out]


def ntk(X, beta, delta, eta_a=1.0, eta_w=1.0):
    """Neural tangent kernel ``K = X M X^T`` of the single neuron.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Data, any (not necessarily whitened).
    beta, delta, eta_a, eta_w
        As in :func:`M_matrix`; ``beta`` may carry leading batch axes.

    Returns
    -------
    ndarray, shape (..., n, n)

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]])
    >>> K = ntk(X, [0.3, -0.4], 0.2)
    >>> K.shape, np.allclose(K, K.T)
    ((3, 3), True)
    """
    X = as_array(X, "X", ndim=2)
    beta = as_array(beta, "beta")
    if beta.ndim == 0 or beta.shape[-1] != X.shape[1]:
        raise ValueError(f"beta must have last axis of length d = X.shape[1] = {X.shape[1]}, got shape {beta.shape}")
    M = M_matrix(beta, delta, eta_a, eta_w)
    return np.einsum("id,...de,je->...ij", X, M, X)


def delta_of(a, w, eta_a=1.0, eta_w=1.0):
    """The conserved ``delta = eta_w a^2 - eta_a ||w||^2`` of parameters ``a`` (...,), ``w`` (..., d).

    >>> delta_of(2.0, [1.0, 1.0])
    2.0
    """
    eta_a = positive(eta_a, "eta_a")
    eta_w = positive(eta_w, "eta_w")
    a = as_array(a, "a")
    w = as_array(w, "w")
    if w.ndim == 0:
        raise ValueError(f"w must have shape (..., d), got a scalar")
    out = eta_w * a**2 - eta_a * np.sum(w * w, axis=-1)
    return float(out) if out.ndim == 0 else out
