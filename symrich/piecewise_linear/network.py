"""Piecewise-linear network ``f(x) = sum_k a_k sigma(w_k^T x)``: forward pass, patterns, flows, ``M``, NTK.

Shapes: data ``X`` (n, d), targets ``y`` (n,), readouts ``a`` (K,), first
layer ``W`` (K, d) (row ``k`` is ``w_k``), ``beta`` (K, d) with
``beta_k = a_k w_k``.  Per neuron, the flow is the single neuron's with
``g_k = X^T D_k r``, so ``M_k`` is :func:`symrich.single_neuron.M_matrix` with
``delta_k``; the radial and directional factors ``R`` and ``(R + delta)/2`` are
compiled from the symbolic expressions (the latter in its cancellation-free
form for ``delta < 0``, proved equal in ``single_neuron_regimes``).

>>> forward(np.eye(2), [1.0, -2.0], [[1.0, 1.0], [-1.0, 0.5]], "relu").tolist()
[1.0, 0.0]
"""

from __future__ import annotations

import functools

import numpy as np

from symrich.numeric.validation import as_array, finite_result, positive
from symrich.piecewise_linear.activation import as_activation
from symrich.single_neuron import M_matrix, delta_of

__all__ = [
    "check_parameters",
    "check_inputs",
    "check_targets",
    "forward",
    "activation_pattern",
    "hamming_distance",
    "conserved_deltas",
    "neuron_gradients",
    "parameter_flow",
    "M_matrices",
    "beta_flow",
    "radial_directional_speeds",
    "ntk",
]


@functools.lru_cache(maxsize=None)
def _factor_kernel():
    from symrich.numeric.codegen import compile_exprs
    from symrich.symbolic.piecewise_linear import directional_factor, radial_factor
    from symrich.symbolic.single_neuron import m_perp_stable_negative
    from symrich.symbolic.symbols import delta, eta_a, eta_w, rho

    exprs = (radial_factor(), directional_factor(), m_perp_stable_negative())
    return compile_exprs(exprs, (delta, rho, eta_a, eta_w), backend="numpy")


def check_parameters(a, W, names=("a", "W")):
    """``(a, W)`` as float arrays of shapes (K,) and (K, d), ``K, d >= 1``; errors name the arguments ``names``.

    >>> check_parameters([1.0], [[2.0, 3.0]])[1].shape
    (1, 2)
    >>> check_parameters([1.0], [[2.0], [3.0]], names=("a0", "W0"))
    Traceback (most recent call last):
    ...
    ValueError: W0 must have shape (K, d) with K = len(a0) = 1, got shape (2, 1)
    """
    a_name, W_name = names
    a = as_array(a, a_name, ndim=1)
    W = as_array(W, W_name, ndim=2)
    if W.shape[0] != a.shape[0]:
        raise ValueError(f"{W_name} must have shape (K, d) with K = len({a_name}) = {a.shape[0]}, got shape {W.shape}")
    if a.shape[0] == 0 or W.shape[1] == 0:
        raise ValueError(f"need K >= 1 neurons and d >= 1 inputs, got {a_name} of shape {a.shape} and {W_name} of "
                         f"shape {W.shape}")
    return a, W


def check_inputs(X, d):
    """``X`` as a float array of shape (n, d), ``n >= 1``.

    >>> check_inputs([[1.0, 0.0]], 2).shape
    (1, 2)
    """
    X = as_array(X, "X", ndim=2)
    if X.shape[1] != d:
        raise ValueError(f"X must have shape (n, d) with d = {d}, got shape {X.shape}")
    if X.shape[0] == 0:
        raise ValueError("X must have at least one sample (row)")
    return X


def check_targets(y, n):
    """``y`` as a float array of shape (n,).

    >>> check_targets([1.0, 2.0], 2).tolist()
    [1.0, 2.0]
    """
    y = as_array(y, "y", ndim=1)
    if y.shape[0] != n:
        raise ValueError(f"y must have shape (n,) with n = {n}, got shape {y.shape}")
    return y


def _check_pattern(pattern, K, n):
    try:
        P = np.asarray(pattern)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(f"pattern must be a boolean array of shape (K, n) = {(K, n)}, got ragged nested lists") from exc
    if P.shape != (K, n):
        raise ValueError(f"pattern must have shape (K, n) = {(K, n)}, got shape {P.shape}")
    if P.dtype != bool:
        raise ValueError(f"pattern must be a boolean array (True where w_k^T x_i > 0), got dtype {P.dtype}")
    return P


def _preactivations(X, W):
    """``Z = X W^T`` (n, K), or a ``ValueError`` naming ``X, W`` when it overflows."""
    with np.errstate(all="ignore"):
        return finite_result(X @ W.T, "X, W")


def forward(X, a, W, activation="relu"):
    """Outputs ``f(x_i) = sum_k a_k sigma(w_k^T x_i)``.

    Parameters
    ----------
    X : array_like, shape (n, d)
    a : array_like, shape (K,)
    W : array_like, shape (K, d)
    activation : str, tuple or Activation
        See :func:`as_activation`.

    Returns
    -------
    ndarray, shape (n,)

    Examples
    --------
    >>> forward([[1.0, -1.0]], [2.0], [[1.0, 0.0]], ("leaky_relu", 0.5))
    array([2.])
    """
    act = as_activation(activation)
    a, W = check_parameters(a, W)
    X = check_inputs(X, W.shape[1])
    with np.errstate(all="ignore"):
        f = act.sigma(_preactivations(X, W)) @ a
    return finite_result(f, "X, a, W")


def activation_pattern(X, W):
    """Boolean activation pattern ``P[k, i] = (w_k^T x_i > 0)``, shape (K, n).

    The same for every activation of the family: ``sigma'(w_k^T x_i)`` is ``1``
    where ``P`` is True and the negative-side slope elsewhere.

    >>> activation_pattern([[1.0, 0.0], [0.0, 1.0]], [[1.0, -1.0]])
    array([[ True, False]])
    """
    W = as_array(W, "W", ndim=2)
    X = check_inputs(X, W.shape[1])
    return _preactivations(X, W).T > 0


def hamming_distance(P0, Pt):
    """Fraction of entries where two activation patterns differ (normalised Hamming distance).

    ``P0`` has shape (K, n); ``Pt`` may carry leading batch axes (..., K, n).

    >>> import numpy as np
    >>> hamming_distance(np.array([[True, False]]), np.array([[True, True]]))
    0.5
    """
    try:
        P0, Pt = np.asarray(P0), np.asarray(Pt)
    except ValueError as exc:  # ragged nested sequences
        raise ValueError(f"P0 and Pt must be rectangular boolean arrays ({exc})") from exc
    if P0.dtype != bool or Pt.dtype != bool:
        raise ValueError(f"P0 and Pt must be boolean activation patterns, got dtypes {P0.dtype} and {Pt.dtype}")
    if P0.ndim != 2 or Pt.shape[-2:] != P0.shape:
        raise ValueError(f"P0 must have shape (K, n) and Pt shape (..., K, n) with the same (K, n); got {P0.shape} and {Pt.shape}")
    out = np.mean(P0 != Pt, axis=(-2, -1))
    return float(out) if out.ndim == 0 else out


def conserved_deltas(a, W, eta_a=1.0, eta_w=1.0):
    """``delta_k = eta_w a_k^2 - eta_a ||w_k||^2`` for each neuron, shape (K,).

    >>> conserved_deltas([2.0, 0.0], [[1.0, 0.0], [0.0, 1.0]]).tolist()
    [3.0, -1.0]
    """
    a, W = check_parameters(a, W)
    with np.errstate(all="ignore"):
        deltas = np.asarray(delta_of(a, W, eta_a, eta_w), dtype=float)
    return finite_result(deltas, "a, W, eta_a, eta_w")


def neuron_gradients(X, y, a, W, activation="relu"):
    """``g_k = sum_i c_ki r_i x_i = X^T D_k r`` for each neuron, shape (K, d), with ``r = f(X) - y``.

    >>> neuron_gradients([[1.0, 0.0]], [0.0], [1.0], [[2.0, 1.0]]).tolist()
    [[2.0, 0.0]]
    """
    act = as_activation(activation)
    a, W = check_parameters(a, W)
    X = check_inputs(X, W.shape[1])
    y = check_targets(y, X.shape[0])
    with np.errstate(all="ignore"):
        Z = _preactivations(X, W)  # (n, K)
        r = act.sigma(Z) @ a - y
        C = act.dsigma(Z)  # (n, K)
        G = (C * r[:, None]).T @ X
    return finite_result(G, "X, y, a, W")


def parameter_flow(X, y, a, W, activation="relu", eta_a=1.0, eta_w=1.0):
    """Gradient flow ``(a', W')`` with ``a_k' = -eta_a w_k^T g_k`` and ``w_k' = -eta_w a_k g_k``.

    Returns
    -------
    (ndarray (K,), ndarray (K, d))

    Examples
    --------
    >>> adot, Wdot = parameter_flow([[1.0, 0.0]], [0.0], [1.0], [[2.0, 1.0]])
    >>> adot.tolist(), Wdot.tolist()
    ([-4.0], [[-2.0, -0.0]])
    """
    eta_a = positive(eta_a, "eta_a")
    eta_w = positive(eta_w, "eta_w")
    a, W = check_parameters(a, W)
    G = neuron_gradients(X, y, a, W, activation)
    with np.errstate(all="ignore"):
        flow = -eta_a * np.sum(W * G, axis=1), -eta_w * a[:, None] * G
    return finite_result(flow, "X, y, a, W, eta_a, eta_w")


def M_matrices(beta, delta, eta_a=1.0, eta_w=1.0):
    """Per-neuron ``M_k = (R_k + delta_k)/2 I + (R_k - delta_k)/2 beta_hat_k beta_hat_k^T``, shape (K, d, d).

    This is :func:`symrich.single_neuron.M_matrix` applied neuron by neuron.

    >>> M_matrices([[1.0, 0.0]], [0.0]).tolist()
    [[[2.0, 0.0], [0.0, 1.0]]]
    """
    beta = as_array(beta, "beta", ndim=2)
    delta = as_array(delta, "delta", ndim=1)
    if delta.shape[0] != beta.shape[0]:
        raise ValueError(f"delta must have shape (K,) with K = {beta.shape[0]} (rows of beta), got shape {delta.shape}")
    return M_matrix(beta, delta, eta_a, eta_w)


def beta_flow(X, y, beta, delta, pattern, activation="relu", eta_a=1.0, eta_w=1.0):
    """``beta_k' = -M_k X^T D_k r`` with ``r_i = sum_k c_ki beta_k^T x_i - y_i`` for a given pattern.

    Parameters
    ----------
    X : (n, d), y : (n,)
    beta : (K, d)
        ``beta_k = a_k w_k``.
    delta : (K,)
        Conserved ``delta_k``.
    pattern : bool array (K, n)
        ``True`` where ``w_k^T x_i > 0`` (:func:`activation_pattern`); in
        terms of ``beta``, ``w_k^T x_i > 0`` iff ``sign(a_k) beta_k^T x_i > 0``.
    activation, eta_a, eta_w
        As in :func:`parameter_flow`.

    Returns
    -------
    ndarray, shape (K, d)

    Examples
    --------
    >>> import numpy as np
    >>> a, W = np.array([1.0]), np.array([[2.0, 1.0]])
    >>> X, y = np.array([[1.0, 0.0]]), np.array([0.0])
    >>> bd = beta_flow(X, y, a[:, None] * W, conserved_deltas(a, W), activation_pattern(X, W))
    >>> adot, Wdot = parameter_flow(X, y, a, W)
    >>> np.allclose(bd, adot[:, None] * W + a[:, None] * Wdot)
    True
    """
    act = as_activation(activation)
    beta = as_array(beta, "beta", ndim=2)
    X = check_inputs(X, beta.shape[1])
    y = check_targets(y, X.shape[0])
    P = _check_pattern(pattern, beta.shape[0], X.shape[0])
    C = act.slopes(P)  # (K, n)
    with np.errstate(all="ignore"):
        M = M_matrices(beta, delta, eta_a, eta_w)
        r = np.sum(C * (beta @ X.T), axis=0) - y
        G = (C * r[None, :]) @ X
        flow = -np.einsum("kde,ke->kd", M, G)
    return finite_result(flow, "X, y, beta, delta, eta_a, eta_w")


def radial_directional_speeds(beta, delta, g, eta_a=1.0, eta_w=1.0):
    """Radial and directional motion of each ``beta_k`` under ``beta_k' = -M_k g_k``.

    Returns ``(rho_dot, beta_hat_dot, fraction)``: ``d/dt ||beta_k|| = -R_k beta_hat_k^T g_k`` (K,),
    ``d/dt beta_hat_k = -((R_k + delta_k)/(2 ||beta_k||)) P_perp g_k`` (K, d), and the directional
    fraction ``(R_k + delta_k)/(2 R_k)`` (K,).  Needs ``beta_k != 0``.

    >>> rd, hd, fr = radial_directional_speeds([[2.0, 0.0]], [0.0], [[1.0, 1.0]])
    >>> rd.tolist(), hd.tolist(), fr.tolist()
    ([-4.0], [[-0.0, -1.0]], [0.5])
    """
    eta_a = positive(eta_a, "eta_a")
    eta_w = positive(eta_w, "eta_w")
    beta = as_array(beta, "beta", ndim=2)
    delta = as_array(delta, "delta", ndim=1)
    g = as_array(g, "g", ndim=2)
    if delta.shape[0] != beta.shape[0]:
        raise ValueError(f"delta must have shape (K,) with K = {beta.shape[0]}, got shape {delta.shape}")
    if g.shape != beta.shape:
        raise ValueError(f"g must have the shape of beta {beta.shape}, got shape {g.shape}")
    if not np.all(np.any(beta != 0, axis=1)):
        raise ValueError("beta has a zero row: the direction beta_hat_k is undefined for beta_k = 0")
    with np.errstate(all="ignore"):  # overflow is reported by finite_result
        top = np.max(np.abs(beta), axis=1)
        bhat = beta / top[:, None]  # scaled first: ||beta_k|| neither underflows nor overflows on the way
        unit = np.linalg.norm(bhat, axis=1)
        rho = top * unit
        bhat /= unit[:, None]
        R, mp_pos, mp_neg = (np.broadcast_to(np.asarray(v, float), rho.shape) for v in _factor_kernel()(delta, rho, eta_a, eta_w))
        m_perp = np.where(delta < 0, mp_neg, mp_pos)
        par = np.sum(bhat * g, axis=1)
        perp = g - par[:, None] * bhat
        speeds = -R * par, -(m_perp / rho)[:, None] * perp, m_perp / R
    return finite_result(speeds, "beta, delta, g, eta_a, eta_w")


def ntk(X, a, W, eta_a=1.0, eta_w=1.0, activation="relu"):
    """Empirical NTK ``K = J diag(eta) J^T`` of the outputs, shape (n, n).

    With ``J`` the Jacobian of ``f(X)`` in ``(a, W)``: ``df_i/da_k = sigma(w_k^T x_i)``,
    ``df_i/dw_k = a_k c_ki x_i``; by Euler's identity
    ``K = sum_k D_k X (eta_a w_k w_k^T + eta_w a_k^2 I) X^T D_k``: the
    single-neuron NTK of each neuron, masked by its pattern.

    >>> import numpy as np
    >>> K = ntk(np.eye(2), [1.0], [[1.0, -1.0]])
    >>> K.tolist()
    [[2.0, 0.0], [0.0, 0.0]]
    """
    eta_a = positive(eta_a, "eta_a")
    eta_w = positive(eta_w, "eta_w")
    act = as_activation(activation)
    a, W = check_parameters(a, W)
    X = check_inputs(X, W.shape[1])
    with np.errstate(all="ignore"):
        Z = _preactivations(X, W)  # (n, K)
        S = act.sigma(Z)
        C = act.dsigma(Z)
        K = eta_a * S @ S.T + eta_w * (X @ X.T) * ((C * a**2) @ C.T)
    return finite_result(K, "X, a, W, eta_a, eta_w")
