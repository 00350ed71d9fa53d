"""Wide linear network ``f(x) = A^T W x``: parameter flow, conserved ``Delta`` and the beta-flow.

Shapes: ``W`` (h, d), ``A`` (h, c), ``beta = W^T A`` (d, c), ``X`` (n, d), ``Y`` (n, c).

* :func:`parameter_flow` and :func:`conserved_Delta` implement the gradients
  and the conserved matrix proved in ``wide_linear_conservation``;
* :func:`beta_flow` is the self-consistent flow of ``wide_linear_self_consistent``;
  its eigenvalue factors are compiled from
  :func:`symrich.symbolic.wide_linear.root_factors`, in the rationalised form
  where the plain one would cancel;
* :func:`check_rates` and :func:`check_layers` are the input checks shared by
  the modules of :mod:`symrich.wide_linear`.

>>> conserved_Delta([[1.0, 0.0]], [[2.0]])
array([[3.]])
"""

from __future__ import annotations

import functools

import numpy as np

from symrich.numeric.validation import as_array, finite_real, finite_result, positive

__all__ = ["conserved_Delta", "parameter_flow", "beta_flow", "check_rates", "check_layers"]


@functools.lru_cache(maxsize=None)
def _root_factor_kernel():
    import sympy as sp

    from symrich.numeric.codegen import compile_exprs
    from symrich.symbolic.symbols import delta
    from symrich.symbolic.wide_linear import root_factors

    lam = sp.Symbol("lambda", nonnegative=True)
    return compile_exprs(root_factors(lam, delta), (lam, delta), backend="numpy")


def check_rates(eta_a, eta_w):
    """The learning rates ``(eta_a, eta_w)`` as positive floats (``ValueError`` or ``TypeError`` naming the bad one).

    >>> check_rates(1, 0.5)
    (1.0, 0.5)
    >>> check_rates(1, "0.5")
    Traceback (most recent call last):
    ...
    TypeError: eta_w must be a positive finite number, got str '0.5'
    """
    return positive(eta_a, "eta_a"), positive(eta_w, "eta_w")


def check_layers(W, A):
    """``(W, A)`` as 2-d float arrays of shapes (h, d) and (h, c) with the same ``h``.

    >>> check_layers([[1.0, 2.0]], [[3.0]])[1].shape
    (1, 1)
    >>> check_layers([[1.0, 2.0]], [[3.0], [4.0]])
    Traceback (most recent call last):
    ...
    ValueError: W (h x d) and A (h x c) must have the same number of rows h, got shapes (1, 2) and (2, 1)
    """
    W = as_array(W, "W", ndim=2)
    A = as_array(A, "A", ndim=2)
    if W.shape[0] != A.shape[0]:
        raise ValueError(f"W (h x d) and A (h x c) must have the same number of rows h, got shapes {W.shape} and {A.shape}")
    return W, A


def conserved_Delta(W, A, eta_a=1.0, eta_w=1.0):
    """The conserved ``h x h`` matrix ``Delta = eta_w A A^T - eta_a W W^T``.

    Parameters
    ----------
    W : array_like, shape (h, d)
    A : array_like, shape (h, c)
    eta_a, eta_w : float > 0

    Returns
    -------
    ndarray, shape (h, h)

    Examples
    --------
    >>> conserved_Delta([[1.0, 0.0]], [[2.0]], eta_a=1.0, eta_w=0.5)
    array([[1.]])
    """
    eta_a, eta_w = check_rates(eta_a, eta_w)
    W, A = check_layers(W, A)
    with np.errstate(all="ignore"):
        Delta = eta_w * A @ A.T - eta_a * W @ W.T
    return finite_result(Delta, "W, A, eta_a, eta_w")


def _data(X, Y, d, c):
    X = as_array(X, "X", ndim=2)
    Y = as_array(Y, "Y", ndim=(1, 2))
    if Y.ndim == 1:
        Y = Y[:, None]
    if X.shape[1] != d:
        raise ValueError(f"X must have d = {d} columns, got shape {X.shape}")
    if Y.shape != (X.shape[0], c):
        raise ValueError(f"Y must have shape (n, c) = ({X.shape[0]}, {c}), got shape {Y.shape}")
    return X, Y


def parameter_flow(W, A, X, Y, eta_a=1.0, eta_w=1.0):
    """Gradient flow ``(W', A') = (-eta_w A G^T, -eta_a W G)``, ``G = X^T (X W^T A - Y)``.

    Parameters
    ----------
    W : array_like, shape (h, d)
    A : array_like, shape (h, c)
    X : array_like, shape (n, d)
    Y : array_like, shape (n, c) (or (n,) when c = 1)
    eta_a, eta_w : float > 0

    Returns
    -------
    (ndarray, ndarray)
        ``W'`` (h, d) and ``A'`` (h, c).

    Examples
    --------
    >>> import numpy as np
    >>> Wd, Ad = parameter_flow([[1.0, 0.0]], [[1.0]], np.eye(2), [[2.0], [0.0]])
    >>> Wd, Ad
    (array([[1., 0.]]), array([[1.]]))
    """
    eta_a, eta_w = check_rates(eta_a, eta_w)
    W, A = check_layers(W, A)
    X, Y = _data(X, Y, W.shape[1], A.shape[1])
    with np.errstate(all="ignore"):
        G = X.T @ (X @ (W.T @ A) - Y)
        flow = -eta_w * A @ G.T, -eta_a * W @ G
    return finite_result(flow, "W, A, X, Y, eta_a, eta_w")


def _factors(lam, delta, side):
    with np.errstate(divide="ignore", invalid="ignore"):
        left, left_stable, right, right_stable = _root_factor_kernel()(lam, np.float64(delta))  # NumPy overflow, not math's
        if side == "left":
            return np.where(lam <= 0, abs(delta) / 2 - delta / 2, left_stable) if delta > 0 else np.broadcast_to(left, lam.shape)
        return np.where(lam <= 0, abs(delta) / 2 + delta / 2, right_stable) if delta < 0 else np.broadcast_to(right, lam.shape)


def _psd_function(S, delta, side):
    lam, V = np.linalg.eigh(S)
    lam = np.clip(lam, 0.0, None)  # S is PSD; round-off may make tiny eigenvalues negative
    if delta == 0 and lam.size:
        # sqrt is not Lipschitz at 0: a rounding-level eigenvalue eps*|S| would give an error
        # sqrt(eps*|S|); such eigenvalues are zeros of the exact matrix (rank beta < dimension).
        lam = np.where(lam <= 64 * np.finfo(float).eps * lam.max() * len(lam), 0.0, lam)
    f = np.asarray(_factors(lam, delta, side), dtype=float)
    return (V * f) @ V.T


def beta_flow(beta, G, delta, eta_a=1.0, eta_w=1.0):
    """Right-hand side of the self-consistent flow (Theorem 4.2 with learning rates).

    ``beta' = -(sqrt(eta beta beta^T + delta^2/4 I) - delta/2 I) G - G (sqrt(eta beta^T beta + delta^2/4 I) + delta/2 I)``
    with ``eta = eta_a eta_w``.  Valid when ``Delta = delta I_h`` and the widths
    satisfy (C): ``h = c`` for ``delta > 0``, ``h = d`` for ``delta < 0``, any
    ``h`` for ``delta = 0``; for other widths it is *not* the flow of the network.

    The square roots are symmetric PSD roots through ``numpy.linalg.eigh``;
    each eigenvalue factor ``sqrt(lam + delta^2/4) -+ delta/2`` is evaluated in
    the rationalised form when the plain one would cancel.

    Parameters
    ----------
    beta : array_like, shape (d, c), or (d,) for one output (``c = 1``)
    G : array_like, shape (d, c), or (d,) for ``c = 1``
        ``X^T (X beta - Y)``.
    delta : float
    eta_a, eta_w : float > 0

    Returns
    -------
    ndarray, the shape of ``beta``
        ``(d,)`` for a 1-d ``beta``, as for the single neuron.

    Examples
    --------
    >>> import numpy as np
    >>> from symrich.wide_linear import balanced_init
    >>> rng = np.random.default_rng(1)
    >>> W, A = balanced_init(3, 2, 2, 0.7, rng)
    >>> X, Y = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    >>> G = X.T @ (X @ W.T @ A - Y)
    >>> Wd, Ad = parameter_flow(W, A, X, Y)
    >>> np.allclose(beta_flow(W.T @ A, G, 0.7), Wd.T @ A + W.T @ Ad)
    True
    >>> beta_flow(W.T @ A[:, 0], G[:, 0], 0.7).shape
    (3,)
    """
    eta_a, eta_w = check_rates(eta_a, eta_w)
    delta = finite_real(delta, "delta")
    beta = as_array(beta, "beta", ndim=(1, 2))
    vector = beta.ndim == 1
    if vector:
        beta = beta[:, None]
    G = as_array(G, "G", ndim=(1, 2))
    if G.ndim == 1:
        G = G[:, None]
    if G.shape != beta.shape:
        raise ValueError(f"G must have the shape of beta {beta.shape}, got {G.shape}")
    eta = eta_a * eta_w
    with np.errstate(all="ignore"):  # overflow is reported by finite_result
        grams = finite_result((eta * beta @ beta.T, eta * beta.T @ beta), "beta, eta_a, eta_w")
        flow = -_psd_function(grams[0], delta, "left") @ G - G @ _psd_function(grams[1], delta, "right")
    flow = finite_result(flow, "beta, G, delta, eta_a, eta_w")
    return flow[:, 0] if vector else flow
