"""Wide linear network: initialisations with ``Delta = eta_w A A^T - eta_a W W^T = delta I_h``.

>>> import numpy as np
>>> from symrich.wide_linear import conserved_Delta
>>> W, A = balanced_init(3, 2, 2, 0.5, np.random.default_rng(0))
>>> np.allclose(conserved_Delta(W, A), 0.5 * np.eye(2))
True
"""

from __future__ import annotations

import numpy as np

from symrich.numeric.validation import finite_real, positive
from symrich.wide_linear.flow import check_rates

__all__ = ["balanced_init"]


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
    eta_a, eta_w = check_rates(eta_a, eta_w)
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
