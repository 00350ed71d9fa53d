"""Wide linear network: the neural tangent kernel (derivation ``wide_linear_ntk``).

``K = eta_a (X W^T W X^T) (x) I_c + eta_w (X X^T) (x) (A^T A)`` depends on the
layers only through the two Gram matrices ``W^T W`` (``d x d``) and ``A^T A``
(``c x c``, ``= W2 W2^T`` in the layout ``W2 = A^T``): :func:`ntk_from_grams`
is that formula, :func:`ntk` applies it to the layers.  The kernel distance of
the family is the shared :func:`symrich.numeric.kernels.kernel_distance`.

>>> import numpy as np
>>> ntk(np.eye(1), [[1.0]], [[2.0]]).tolist()
[[5.0]]
"""

from __future__ import annotations

import numpy as np

from symrich.numeric.validation import as_array, finite_result
from symrich.wide_linear.arrays import as_mp, is_mp, mp_rates
from symrich.wide_linear.flow import check_layers, check_rates

__all__ = ["ntk", "ntk_from_grams"]


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
    eta_a, eta_w = check_rates(eta_a, eta_w)
    W, A = check_layers(W, A)
    X = as_array(X, "X", ndim=2)
    if X.shape[1] != W.shape[1]:
        raise ValueError(f"X must have d = {W.shape[1]} columns (W is h x d), got shape {X.shape}")
    with np.errstate(all="ignore"):
        grams = W.T @ W, A.T @ A
    return ntk_from_grams(X, *finite_result(grams, "W, A"), eta_a, eta_w)


def ntk_from_grams(X, W1TW1, W2W2T, eta_a=1.0, eta_w=1.0):
    """``K = eta_a (X W1TW1 X^T) (x) I_c + eta_w (X X^T) (x) W2W2T``, batched over the Gram matrices.

    Parameters
    ----------
    X : array_like, shape (n, d)
    W1TW1 : array_like, shape (..., d, d)
        ``W^T W`` (``W1^T W1``).
    W2W2T : array_like, shape (..., c, c)
        ``A^T A`` (``W2 W2^T``); leading axes broadcast with those of ``W1TW1``.
        Object arrays of mpf work as well.
    eta_a, eta_w : float > 0

    Returns
    -------
    ndarray, shape (..., n c, n c)
        Outputs row-major by (sample, output), as in :func:`ntk`.

    Examples
    --------
    >>> import numpy as np
    >>> W, A = np.array([[1.0, 2.0]]), np.array([[0.5, -1.0]])
    >>> np.allclose(ntk_from_grams(np.eye(2), W.T @ W, A.T @ A, 0.7, 1.3), ntk(np.eye(2), W, A, 0.7, 1.3))
    True
    """
    exact = is_mp(X, W1TW1, W2W2T, eta_a, eta_w)
    rates = check_rates(eta_a, eta_w)
    convert = as_mp if exact else as_array
    X, W1TW1, W2W2T = convert(X, "X"), convert(W1TW1, "W1TW1"), convert(W2W2T, "W2W2T")
    eta_a, eta_w = mp_rates(eta_a, eta_w) if exact else rates
    if X.ndim != 2:
        raise ValueError(f"X must have shape (n, d), got shape {X.shape}")
    n, d = X.shape
    if W1TW1.ndim < 2 or W1TW1.shape[-2:] != (d, d):
        raise ValueError(f"W1TW1 must have shape (..., d, d) with d = {d} (X is n x d), got shape {W1TW1.shape}")
    if W2W2T.ndim < 2 or W2W2T.shape[-1] != W2W2T.shape[-2]:
        raise ValueError(f"W2W2T must have shape (..., c, c), got shape {W2W2T.shape}")
    try:
        np.broadcast_shapes(W1TW1.shape[:-2], W2W2T.shape[:-2])
    except ValueError as exc:
        raise ValueError(f"the batch axes of W1TW1 {W1TW1.shape[:-2]} and W2W2T {W2W2T.shape[:-2]} "
                         "do not broadcast") from exc
    c = W2W2T.shape[-1]
    with np.errstate(all="ignore"):
        XGX = X @ W1TW1 @ X.T
        K = (eta_a * XGX[..., :, None, :, None] * np.eye(c)[:, None, :]
             + eta_w * (X @ X.T)[:, None, :, None] * W2W2T[..., None, :, None, :])
    return finite_result(K.reshape(K.shape[:-4] + (n * c, n * c)), "X, W1TW1, W2W2T, eta_a, eta_w")
