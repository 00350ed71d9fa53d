"""Wide linear network: the neural tangent kernel (derivation ``wide_linear_ntk``).

The kernel distance of the family is the shared
:func:`symrich.numeric.kernels.kernel_distance`.

>>> import numpy as np
>>> ntk(np.eye(1), [[1.0]], [[2.0]]).tolist()
[[5.0]]
"""

from __future__ import annotations

import numpy as np

from symrich.numeric.validation import as_array
from symrich.wide_linear.flow import check_layers, check_rates

__all__ = ["ntk"]


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
    c = A.shape[1]
    XW = X @ W.T
    return eta_a * np.kron(XW @ XW.T, np.eye(c)) + eta_w * np.kron(X @ X.T, A.T @ A)
