"""Wide linear network: lambda-balanced initialisations, ``eta_w W2^T W2 - eta_a W1 W1^T = lambda I_h``.

One family of recipes, in two layouts: :func:`balanced_layers` returns
``(W1, W2)`` (``h x d``, ``c x h``: ``f(x) = W2 W1 x``, the layout of
:func:`symrich.wide_linear.trajectory`), :func:`balanced_init` returns
``(W, A) = (W1, W2^T)`` (the layout of :func:`symrich.wide_linear.beta_flow`),
restricted by default to the widths where the self-consistent beta-flow holds.
:func:`layers_of_beta` is the deterministic member: the layers with a given
``beta = W2 W1`` and ``lambda`` (``h = c``), as the single neuron's ``(a, w)``
follow from ``beta`` and ``delta``.

Which widths admit a lambda-balanced network: ``eta_w W2^T W2 = lambda I +
eta_a W1 W1^T`` is positive definite for ``lambda > 0``, so ``W2^T W2`` has
rank ``h`` and ``h <= c``; symmetrically ``h <= d`` for ``lambda < 0``; every
``(d, c, h)`` for ``lambda = 0`` (of rank at most ``min(d, c, h)``).  The
recipes cover all of these cases.

>>> import numpy as np
>>> from symrich.wide_linear import conserved_Delta
>>> W, A = balanced_init(3, 2, 2, 0.5, np.random.default_rng(0))
>>> np.allclose(conserved_Delta(W, A), 0.5 * np.eye(2))
True
"""

from __future__ import annotations

import numpy as np

from symrich.numeric.validation import as_array, finite_real, finite_result, positive
from symrich.wide_linear.arrays import as_mp, mp_rates, namespace
from symrich.wide_linear.flow import check_rates

__all__ = ["balanced_layers", "balanced_init", "layers_of_beta"]


def _psd_sqrt(M, xp):
    try:
        w, V = xp.linalg.eigh(M)
    except np.linalg.LinAlgError as exc:  # entries too large or too small for float64's eigensolver
        raise ValueError(f"scale, lam, eta_a, eta_w are outside the supported range: the eigensolver failed ({exc})") from exc
    w = np.where(w > 0, w, 0 * w)  # M is PSD; rounding may make a zero eigenvalue negative
    return (V * xp.sqrt(w)[..., None, :]) @ V.T


def _orthonormal_rows(k, m, rng, xp, convert):
    """A ``k x m`` matrix with orthonormal rows (``k <= m``), Haar-random."""
    Q, R = xp.linalg.qr(convert(rng.normal(size=(m, k))))
    signs = np.where(np.diagonal(R) >= 0, 1, -1)
    return (Q * signs).T


#: the most entries ``h (d + c)`` of the layers :func:`balanced_layers` builds (800 MB of float64).
_MAX_ENTRIES = 10**8


def _widths(d, h, c):
    for name, val in (("d", d), ("h", h), ("c", c)):
        if isinstance(val, bool) or not isinstance(val, (int, np.integer)) or val < 1:
            raise ValueError(f"{name} must be a positive integer, got {val!r}")
    if int(h) * (int(d) + int(c)) > _MAX_ENTRIES:
        raise ValueError(f"d, h, c = {d}, {h}, {c} give more than {_MAX_ENTRIES:.0e} entries in W1 and W2 together")
    return int(d), int(h), int(c)


@np.errstate(all="ignore")  # float64 overflow is reported by finite_result, not as a warning
def balanced_layers(d, h, c, lam, rng, eta_a=1.0, eta_w=1.0, *, scale=1.0, backend="numpy"):
    """Random layers ``(W1, W2)`` with ``Delta = eta_w W2^T W2 - eta_a W1 W1^T = lam I_h``.

    Recipes (``O`` Haar-random with orthonormal rows, Gaussian entries of
    standard deviation ``scale``):

    * ``lam > 0``, ``h <= c``: ``W1`` Gaussian, ``W2 = (((eta_a W1 W1^T + lam I)/eta_w)^{1/2} O)^T``;
    * ``lam < 0``, ``h <= d``: ``W2^T`` Gaussian, ``W1 = ((eta_w W2^T W2 + |lam| I)/eta_a)^{1/2} O``;
    * ``lam = 0``, any widths, rank ``r = min(d, c, h)``: ``W1 = U S V_1^T``,
      ``W2 = sqrt(eta_a/eta_w) V_2 S U^T`` with ``U`` (``h x r``), ``V_1``,
      ``V_2`` orthonormal columns and ``S`` diagonal positive (for ``h > min(d, c)``
      the stacked layers are rank deficient).

    No other widths admit a lambda-balanced network (see the module docstring).

    Parameters
    ----------
    d, h, c : int >= 1
        Input, hidden and output widths.
    lam : float (or str / mpf with ``backend="mpmath"``)
    rng : numpy.random.Generator
    eta_a, eta_w : float > 0
    scale : float > 0
        Standard deviation of the Gaussian factor (for ``lam = 0``: of ``S``,
        whose entries are ``scale (|N(0, 1)| + 10^-3)``, positive at every scale).
    backend : {"numpy", "mpmath"}
        ``"mpmath"``: the same random draws, made balanced to the working
        precision (``mpmath.mp.dps``); object arrays of mpf.

    Returns
    -------
    (W1, W2) : arrays of shapes (h, d), (c, h)

    Raises
    ------
    ValueError
        For ``lam > 0`` with ``h > c`` and ``lam < 0`` with ``h > d`` (no such
        network exists), and for bad arguments.

    Examples
    --------
    >>> import numpy as np
    >>> W1, W2 = balanced_layers(3, 4, 2, 0.0, np.random.default_rng(0))   # h > d, c: rank 2
    >>> bool(np.allclose(W2.T @ W2 - W1 @ W1.T, 0)), int(np.linalg.matrix_rank(W1))
    (True, 2)
    >>> import mpmath
    >>> with mpmath.workdps(40):
    ...     W1, W2 = balanced_layers(2, 2, 3, "-0.5", np.random.default_rng(1), backend="mpmath")
    ...     err = max(abs(x) for x in (W2.T @ W2 - W1 @ W1.T + mpmath.mpf("0.5") * np.eye(2)).flat)
    >>> err < 1e-38
    True
    >>> balanced_layers(2, 3, 2, 0.5, np.random.default_rng(0))
    Traceback (most recent call last):
    ...
    ValueError: lam > 0 needs h <= c (eta_w W2^T W2 = lam I + eta_a W1 W1^T has rank h, W2 has c rows), got h = 3, c = 2
    """
    xp = namespace(backend)
    if backend != "mpmath":
        eta_a, eta_w = check_rates(eta_a, eta_w)
    scale = positive(scale, "scale")
    d, h, c = _widths(d, h, c)
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    if backend == "mpmath":
        lam = as_mp(lam, "lam")
        if lam.ndim:
            raise TypeError(f"lam must be a real number, got an array of shape {lam.shape}")
        lam = lam[()]
        convert = as_mp
        eta_a, eta_w = mp_rates(eta_a, eta_w)
    else:
        lam = finite_real(lam, "lam")

        def convert(x):
            return x
    if lam > 0:
        if h > c:
            raise ValueError(f"lam > 0 needs h <= c (eta_w W2^T W2 = lam I + eta_a W1 W1^T has rank h, "
                             f"W2 has c rows), got h = {h}, c = {c}")
        W1 = convert(scale * rng.normal(size=(h, d)))
        A = _psd_sqrt((eta_a * W1 @ W1.T + lam * np.eye(h)) / eta_w, xp) @ _orthonormal_rows(h, c, rng, xp, convert)
        return _checked(W1, A.T, backend)
    if lam < 0:
        if h > d:
            raise ValueError(f"lam < 0 needs h <= d (eta_a W1 W1^T = |lam| I + eta_w W2^T W2 has rank h, "
                             f"W1 has d columns), got h = {h}, d = {d}")
        A = convert(scale * rng.normal(size=(h, c)))
        W1 = _psd_sqrt((eta_w * A @ A.T - lam * np.eye(h)) / eta_a, xp) @ _orthonormal_rows(h, d, rng, xp, convert)
        return _checked(W1, A.T, backend)
    r = min(d, c, h)
    U = _orthonormal_rows(h, h, rng, xp, convert)[:, :r]
    S = np.diag(convert(scale * (np.abs(rng.normal(size=r)) + 1e-3)))     # positive: rank r at every scale
    W1 = U @ S @ _orthonormal_rows(r, d, rng, xp, convert)
    W2 = xp.sqrt(np.asarray(eta_a / eta_w)) * (U @ S @ _orthonormal_rows(r, c, rng, xp, convert)).T
    return _checked(W1, W2, backend)


def _checked(W1, W2, backend):
    """The layers, after checking that float64 did not overflow (mpmath numbers cannot)."""
    return (W1, W2) if backend == "mpmath" else finite_result((W1, W2), "scale, lam, eta_a, eta_w")


def balanced_init(d, h, c, delta, rng, eta_a=1.0, eta_w=1.0, *, scale=1.0, strict=True):
    """Random ``(W, A)`` with ``Delta = eta_w A A^T - eta_a W W^T = delta I_h``: :func:`balanced_layers` as ``(W1, W2^T)``.

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
        With ``True`` (default) the widths must satisfy (C) (``h = c`` for
        ``delta > 0``, ``h = d`` for ``delta < 0``, any ``h`` for ``delta = 0``),
        so that :func:`symrich.wide_linear.beta_flow` is the flow of ``beta``.
        With ``False``, ``h < c`` (``delta > 0``) and ``h < d`` (``delta < 0``)
        are also built: ``Delta = delta I`` still holds but (C) fails (used to
        show the formula breaks).

    Returns
    -------
    (W, A) : ndarrays of shapes (h, d), (h, c)

    Examples
    --------
    >>> import numpy as np
    >>> W, A = balanced_init(2, 2, 3, -1.0, np.random.default_rng(0), eta_a=0.5, eta_w=2.0)
    >>> np.allclose(2.0 * A @ A.T - 0.5 * W @ W.T, -np.eye(2))
    True
    >>> balanced_init(2, 1, 3, 1.0, np.random.default_rng(0))
    Traceback (most recent call last):
    ...
    ValueError: delta > 0 needs h = c for the beta-flow (C) (h <= c with strict=False), got h = 1, c = 3
    """
    delta = finite_real(delta, "delta")
    d, h, c = _widths(d, h, c)
    if delta > 0 and h != c and (strict or h > c):
        raise ValueError(f"delta > 0 needs h = c for the beta-flow (C) (h <= c with strict=False), got h = {h}, c = {c}")
    if delta < 0 and h != d and (strict or h > d):
        raise ValueError(f"delta < 0 needs h = d for the beta-flow (C) (h <= d with strict=False), got h = {h}, d = {d}")
    W1, W2 = balanced_layers(d, h, c, delta, rng, eta_a, eta_w, scale=scale)
    return W1, W2.T


def layers_of_beta(beta0, lam, eta_a=1.0, eta_w=1.0):
    """The lambda-balanced layers with ``W2 W1 = beta0`` and ``W2`` symmetric positive definite (``h = c``).

    With ``B = beta0 beta0^T`` (``c x c``), ``W2 = ((lam I + sqrt(lam^2 I + 4 eta_a eta_w B))/(2 eta_w))^{1/2}``
    and ``W1 = W2^{-1} beta0``: then ``eta_w W2^T W2 - eta_a W1 W1^T = lam I``
    (``W2`` commutes with ``B``).  Every other balanced pair with ``h = c`` and
    ``W2 W1 = beta0`` is ``(O^T W1, W2 O)``, ``O`` orthogonal.  For ``lam < 0`` the
    eigenvalues ``(lam + sqrt(lam^2 + 4 eta b))/2`` are evaluated as
    ``2 eta b/(sqrt(lam^2 + 4 eta b) - lam)`` (no cancellation).

    Parameters
    ----------
    beta0 : array_like, shape (c, d)
    lam : float
    eta_a, eta_w : float > 0

    Returns
    -------
    (W1, W2) : ndarrays of shapes (c, d), (c, c)

    Raises
    ------
    ValueError
        For ``lam <= 0`` when ``beta0`` has rank below ``c`` (``W2`` would be singular).

    Examples
    --------
    >>> import numpy as np
    >>> beta0 = np.array([[0.1, 0.0, 0.2], [0.0, -0.3, 0.1]])
    >>> W1, W2 = layers_of_beta(beta0, -2.0, eta_a=0.5)
    >>> bool(np.allclose(W2 @ W1, beta0)), bool(np.allclose(W2.T @ W2 - 0.5 * W1 @ W1.T, -2.0 * np.eye(2)))
    (True, True)
    """
    eta_a, eta_w = check_rates(eta_a, eta_w)
    lam = finite_real(lam, "lam")
    beta0 = as_array(beta0, "beta0", ndim=2)
    if not beta0.shape[0]:
        raise ValueError(f"beta0 must have at least one row (c >= 1), got shape {beta0.shape}")
    names = "beta0, lam, eta_a, eta_w"
    with np.errstate(all="ignore"):
        B = finite_result(beta0 @ beta0.T, names)
        b, V = np.linalg.eigh(B)
        b = np.clip(b, 0.0, None)
        root = finite_result(np.sqrt(np.float64(lam) ** 2 + 4 * eta_a * eta_w * b), names)
        half = np.where(lam > 0, (lam + root) / 2, np.where(root - lam > 0, 2 * eta_a * eta_w * b / (root - lam), 0.0))
    if np.any(half <= 64 * np.finfo(float).eps * max(1.0, half.max())):
        raise ValueError(f"beta0 must have rank c = {beta0.shape[0]} for lam <= 0 (W2 would be singular), "
                         f"got singular values {np.sqrt(b).round(12).tolist()}")
    with np.errstate(all="ignore"):
        r = np.sqrt(half / eta_w)
        return finite_result(((V / r) @ V.T @ beta0, (V * r) @ V.T), names)
