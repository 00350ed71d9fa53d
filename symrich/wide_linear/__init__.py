"""Numeric layer, wide two-layer linear network ``f(x) = A^T W x``: kernels from the derived expressions.

Shapes: ``W`` (h, d), ``A`` (h, c), ``beta = W^T A`` (d, c), ``X`` (n, d), ``Y`` (n, c).

* :func:`parameter_flow`, :func:`conserved_Delta` implement the gradients and the
  conserved matrix proved in ``wide_linear_conservation``;
* :func:`beta_flow` is the self-consistent flow of ``wide_linear_self_consistent``;
  its eigenvalue factors are compiled from
  :func:`symrich.symbolic.wide_linear.root_factors`, in the rationalised form
  where the plain one would cancel;
* :func:`singular_value_trajectory`, :func:`time_to_reach`, :func:`q_delta`,
  :func:`q_delta_grad` compile the closed forms of ``wide_linear_singular_values``
  and ``wide_linear_mirror_flow``;
* :func:`ntk` is the Kronecker form of ``wide_linear_ntk``; :func:`kernel_distance`
  is ``1 - <K0, Kt>_F / (||K0||_F ||Kt||_F)``;
* :func:`balanced_init` builds initialisations with ``Delta = delta I_h``.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> W, A = balanced_init(3, 2, 2, 0.5, rng)
>>> np.allclose(conserved_Delta(W, A), 0.5 * np.eye(2))
True
"""

from __future__ import annotations

import functools

import numpy as np

from symrich.numeric.validation import as_array, finite_real, positive

__all__ = [
    "conserved_Delta",
    "parameter_flow",
    "beta_flow",
    "singular_value_trajectory",
    "time_to_reach",
    "q_delta",
    "q_delta_grad",
    "balanced_init",
    "ntk",
    "kernel_distance",
]


# --------------------------------------------------------------------------
# compiled kernels


@functools.lru_cache(maxsize=None)
def _root_factor_kernel():
    import sympy as sp

    from symrich.numeric.codegen import compile_exprs
    from symrich.symbolic.wide_linear import root_factors
    from symrich.symbolic.symbols import delta

    lam = sp.Symbol("lambda", nonnegative=True)
    return compile_exprs(root_factors(lam, delta), (lam, delta), backend="numpy")


@functools.lru_cache(maxsize=None)
def _trajectory_kernel():
    from symrich.numeric.codegen import compile_exprs
    from symrich.symbolic.wide_linear import E, kappa, kappa_of, phi, sigma0, sigma_of_v_stable, v_trajectory_stable
    from symrich.symbolic.symbols import delta, eta_a, eta_w, s

    gap, v = v_trajectory_stable(sigma0, s, kappa, E, phi)
    return (compile_exprs((kappa_of(delta),), (delta, eta_a, eta_w), backend="numpy"),
            compile_exprs((gap, v, sigma_of_v_stable(gap, v, s, kappa)), (sigma0, s, kappa, E, phi), backend="numpy"))


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


# --------------------------------------------------------------------------
# parameters


def _rates(eta_a, eta_w):
    return positive(eta_a, "eta_a"), positive(eta_w, "eta_w")


def _WA(W, A):
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
    eta_a, eta_w = _rates(eta_a, eta_w)
    W, A = _WA(W, A)
    return eta_w * A @ A.T - eta_a * W @ W.T


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
    eta_a, eta_w = _rates(eta_a, eta_w)
    W, A = _WA(W, A)
    X, Y = _data(X, Y, W.shape[1], A.shape[1])
    G = X.T @ (X @ (W.T @ A) - Y)
    return -eta_w * A @ G.T, -eta_a * W @ G


# --------------------------------------------------------------------------
# beta-flow


def _factors(lam, delta, side):
    with np.errstate(divide="ignore", invalid="ignore"):
        left, left_stable, right, right_stable = _root_factor_kernel()(lam, delta)
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
    beta : array_like, shape (d, c)
    G : array_like, shape (d, c)
        ``X^T (X beta - Y)``.
    delta : float
    eta_a, eta_w : float > 0

    Returns
    -------
    ndarray, shape (d, c)

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> W, A = balanced_init(3, 2, 2, 0.7, rng)
    >>> X, Y = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    >>> G = X.T @ (X @ W.T @ A - Y)
    >>> Wd, Ad = parameter_flow(W, A, X, Y)
    >>> np.allclose(beta_flow(W.T @ A, G, 0.7), Wd.T @ A + W.T @ Ad)
    True
    """
    eta_a, eta_w = _rates(eta_a, eta_w)
    delta = finite_real(delta, "delta")
    beta = as_array(beta, "beta", ndim=(1, 2))
    if beta.ndim == 1:
        beta = beta[:, None]
    G = as_array(G, "G", ndim=(1, 2))
    if G.ndim == 1:
        G = G[:, None]
    if G.shape != beta.shape:
        raise ValueError(f"G must have the shape of beta {beta.shape}, got {G.shape}")
    eta = eta_a * eta_w
    left = _psd_function(eta * beta @ beta.T, delta, "left")
    right = _psd_function(eta * beta.T @ beta, delta, "right")
    return -left @ G - G @ right


# --------------------------------------------------------------------------
# aligned singular values


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
    ``R = sqrt(s^2 + kappa^2)``, ``b = v_0 - v_+``) and
    ``sigma = s + (v - v_+)(v - v_-)/(2v)``: no overflow for long times, no
    cancellation near convergence, continuous at ``delta = 0`` (the Saxe
    sigmoid) and at ``R = 0``.

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
    eta_a, eta_w = _rates(eta_a, eta_w)
    t = _nonnegative(t, "t")
    sigma0 = _nonnegative(sigma0, "sigma0")
    s = _nonnegative(s, "s")
    delta = as_array(delta, "delta")
    t, sigma0, s, delta = np.broadcast_arrays(t, sigma0, s, delta)
    kappa_k, traj_k = _trajectory_kernel()
    kappa = np.broadcast_to(np.asarray(kappa_k(delta, eta_a, eta_w)[0], dtype=float), t.shape)
    R = np.hypot(s, kappa)
    se = np.sqrt(eta_a * eta_w)
    x = 2 * R * se * t
    E = np.exp(-x)
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = np.where(R > 0, -np.expm1(-x) / np.where(R > 0, 2 * R, 1.0), se * t)
        _, v, sig = traj_k(sigma0, s, kappa, E, phi)
    sig = np.asarray(np.broadcast_to(sig, t.shape), dtype=float).copy()
    stuck = (sigma0 == 0) & (kappa == 0)  # v_0 = 0: sigma = 0 is a fixed point when delta = 0
    sig[stuck] = 0.0
    return sig[()] if sig.ndim == 0 else sig


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
    eta_a, eta_w = _rates(eta_a, eta_w)
    sigma = _nonnegative(sigma, "sigma")
    sigma0 = _nonnegative(sigma0, "sigma0")
    s = _nonnegative(s, "s")
    delta = as_array(delta, "delta")
    sigma, sigma0, s, delta = np.broadcast_arrays(sigma, sigma0, s, delta)
    lo, hi = np.minimum(sigma0, s), np.maximum(sigma0, s)
    bad = (sigma < lo) | (sigma > hi) | (sigma == s)
    if np.any(bad):
        raise ValueError("sigma must lie between sigma0 (included) and s (excluded): the flow moves sigma "
                         "monotonically from sigma0 towards s and never reaches s")
    kappa = np.broadcast_to(np.asarray(_trajectory_kernel()[0](delta, eta_a, eta_w)[0], dtype=float), sigma.shape)
    R = np.hypot(s, kappa)
    with np.errstate(divide="ignore", invalid="ignore"):
        general, critical = _time_kernel()(sigma, sigma0, s, kappa, eta_a, eta_w)
    out = np.where(R > 0, general, critical)
    out = np.where(sigma == sigma0, 0.0, out)
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
    x, delta = np.broadcast_arrays(x, delta)
    q, dq = _q_kernel()(x, delta, eta, 1.0)
    q, dq = np.asarray(q, dtype=float), np.asarray(dq, dtype=float)
    return (q[()] if q.ndim == 0 else q), (dq[()] if dq.ndim == 0 else dq)


# --------------------------------------------------------------------------
# initialisation, kernels


def _psd_sqrt(S):
    lam, V = np.linalg.eigh(S)
    return (V * np.sqrt(np.clip(lam, 0.0, None))) @ V.T


def _orthonormal_rows(k, m, rng):
    """A ``k x m`` matrix with orthonormal rows (``k <= m``), Haar-random."""
    Q, R = np.linalg.qr(rng.normal(size=(m, k)))
    return (Q * np.sign(np.diag(R))).T


def balanced_init(d, h, c, delta, rng, eta_a=1.0, eta_w=1.0, *, scale=1.0, strict=True):
    """Random ``(W, A)`` with ``Delta = eta_w A A^T - eta_a W W^T = delta I_h``.

    Recipes (``O`` Haar-random with orthonormal rows):

    * ``delta > 0``, ``h = c``: ``W`` Gaussian, ``A = ((eta_a W W^T + delta I)/eta_w)^{1/2} O``;
    * ``delta < 0``, ``h = d``: ``A`` Gaussian, ``W = ((eta_w A A^T + |delta| I)/eta_a)^{1/2} O``;
    * ``delta = 0``, ``h <= min(d, c)``: ``W = U S V_1^T``, ``A = sqrt(eta_a/eta_w) U S V_2^T``.

    Parameters
    ----------
    d, h, c : int >= 1
        Input, hidden and output widths.
    delta : float
    rng : numpy.random.Generator
    eta_a, eta_w : float > 0
    scale : float > 0
        Standard deviation of the Gaussian factor (of ``S`` for ``delta = 0``).
    strict : bool
        With ``True`` (default) the widths must satisfy (C) (``h = c``, ``h = d``,
        ``h <= min(d, c)`` for ``delta`` positive, negative, zero), so that
        :func:`beta_flow` is the flow of ``beta``.  With ``False``, ``h < c``
        (``delta > 0``) and ``h < d`` (``delta < 0``) are also built: ``Delta =
        delta I`` still holds but (C) fails (used to show the formula breaks).

    Returns
    -------
    (W, A) : ndarrays of shapes (h, d), (h, c)

    Examples
    --------
    >>> import numpy as np
    >>> W, A = balanced_init(2, 2, 3, -1.0, np.random.default_rng(0), eta_a=0.5, eta_w=2.0)
    >>> np.allclose(2.0 * A @ A.T - 0.5 * W @ W.T, -np.eye(2))
    True
    """
    eta_a, eta_w = _rates(eta_a, eta_w)
    delta = finite_real(delta, "delta")
    scale = positive(scale, "scale")
    for name, val in (("d", d), ("h", h), ("c", c)):
        if isinstance(val, bool) or not isinstance(val, (int, np.integer)) or val < 1:
            raise ValueError(f"{name} must be a positive integer, got {val!r}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    d, h, c = int(d), int(h), int(c)
    if delta > 0:
        if h != c and (strict or h > c):
            raise ValueError(f"delta > 0 needs h = c for the beta-flow (C) (h <= c with strict=False), got h = {h}, c = {c}")
        W = scale * rng.normal(size=(h, d))
        A = _psd_sqrt((eta_a * W @ W.T + delta * np.eye(h)) / eta_w) @ _orthonormal_rows(h, c, rng)
        return W, A
    if delta < 0:
        if h != d and (strict or h > d):
            raise ValueError(f"delta < 0 needs h = d for the beta-flow (C) (h <= d with strict=False), got h = {h}, d = {d}")
        A = scale * rng.normal(size=(h, c))
        W = _psd_sqrt((eta_w * A @ A.T - delta * np.eye(h)) / eta_a) @ _orthonormal_rows(h, d, rng)
        return W, A
    if h > min(d, c):
        raise ValueError(f"delta = 0 needs h <= min(d, c), got h = {h}, d = {d}, c = {c}")
    U = _orthonormal_rows(h, h, rng)
    S = np.diag(scale * np.abs(rng.normal(size=h)) + 1e-3)
    W = U @ S @ _orthonormal_rows(h, d, rng)
    A = np.sqrt(eta_a / eta_w) * U @ S @ _orthonormal_rows(h, c, rng)
    return W, A


def ntk(X, W, A, eta_a=1.0, eta_w=1.0):
    """NTK ``K = eta_a (X W^T W X^T) (x) I_c + eta_w (X X^T) (x) (A^T A)`` of the wide linear network.

    Outputs are indexed row-major by (sample, output): ``K[i*c + j, k*c + l]``.
    ``d/dt vec(X beta) = -K vec(X beta - Y)``.

    Parameters
    ----------
    X : array_like, shape (n, d)
    W : array_like, shape (h, d)
    A : array_like, shape (h, c)
    eta_a, eta_w : float > 0

    Returns
    -------
    ndarray, shape (n c, n c)

    Examples
    --------
    >>> import numpy as np
    >>> K = ntk(np.eye(2), [[1.0, 0.0]], [[1.0, 1.0]])
    >>> K.shape, bool(np.allclose(K, K.T))
    ((4, 4), True)
    """
    eta_a, eta_w = _rates(eta_a, eta_w)
    W, A = _WA(W, A)
    X = as_array(X, "X", ndim=2)
    if X.shape[1] != W.shape[1]:
        raise ValueError(f"X must have d = {W.shape[1]} columns (W is h x d), got shape {X.shape}")
    c = A.shape[1]
    XW = X @ W.T
    return eta_a * np.kron(XW @ XW.T, np.eye(c)) + eta_w * np.kron(X @ X.T, A.T @ A)


def kernel_distance(K0, Kt):
    """Kernel distance ``S = 1 - <K0, Kt>_F / (||K0||_F ||Kt||_F)``.

    Parameters
    ----------
    K0, Kt : array_like, shape (..., m, m)
        Kernels (leading axes broadcast, e.g. a trajectory of kernels).

    Returns
    -------
    float or ndarray
        In ``[0, 2]``; 0 when ``Kt`` is a positive multiple of ``K0``.

    Examples
    --------
    >>> import numpy as np
    >>> float(kernel_distance(np.eye(2), 3 * np.eye(2)))
    0.0
    >>> float(kernel_distance(np.diag([1.0, 0.0]), np.diag([0.0, 1.0])))
    1.0
    """
    K0 = as_array(K0, "K0")
    Kt = as_array(Kt, "Kt")
    if K0.ndim < 2 or K0.shape[-1] != K0.shape[-2]:
        raise ValueError(f"K0 must have shape (..., m, m), got {K0.shape}")
    if Kt.ndim < 2 or Kt.shape[-2:] != K0.shape[-2:]:
        raise ValueError(f"Kt must have shape (..., {K0.shape[-1]}, {K0.shape[-1]}), got {Kt.shape}")
    n0 = np.sqrt(np.sum(K0 * K0, axis=(-2, -1)))
    nt = np.sqrt(np.sum(Kt * Kt, axis=(-2, -1)))
    if np.any(n0 == 0) or np.any(nt == 0):
        raise ValueError("kernel_distance is undefined for a zero kernel (K0 or Kt has zero Frobenius norm)")
    out = 1.0 - np.sum(K0 * Kt, axis=(-2, -1)) / (n0 * nt)
    return float(out) if np.ndim(out) == 0 else out
