r"""Orthogonal factorisations of graded matrices in scalar loops: Householder QR and the polar factor.

The helpers of :mod:`symrich.wide_linear.riccati`, written in its "one source, two
arithmetics" style (scalar loops over ``sqrt``/``exp`` module globals, work arrays of
type ``DTYPE``): :func:`symrich.wide_linear.riccati.kernel` rebinds their globals to
run them compiled by numba (float64) or on object arrays of mpmath numbers.

* :func:`householder_in_place`, :func:`householder_q`, :func:`householder_qr`: QR by
  Householder reflections (:func:`reflect`), no allocation in the first two;
* :func:`polar_rows_graded`: the orthogonal polar factor by one-sided Jacobi, accurate
  for matrices whose rows have very different sizes (Demmel and Veselic, 1992);
* :func:`polar_of_graded`: the polar factor of ``T diag(sigma)`` from ``log sigma``;
* :func:`hidden_polar`: that polar factor for the representative layers, with ``sigma`` from the
  kernel's ``log(phi_i/phi_{i-1})``.

>>> import numpy as np
>>> Q, R = np.zeros((2, 2)), np.zeros((2, 2))
>>> householder_qr(np.array([[3.0, 1.0], [4.0, 2.0]]), Q, R)
>>> R.round(12).tolist()
[[-5.0, -2.2], [0.0, -0.4]]
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["reflect", "householder_in_place", "householder_q", "householder_qr", "polar_rows_graded",
           "polar_of_graded", "hidden_polar"]

exp, sqrt = math.exp, math.sqrt
DTYPE = np.float64


def reflect(v, scale, j, A, col0, s):
    """Apply ``I - scale v v^T`` (``v`` zero before index ``j``) to the columns ``col0:`` of ``A`` in place.

    ``A`` is ``m x n`` with contiguous rows; ``s`` (length ``n``) is work space.
    Row by row, the products ``v^T A`` of all columns accumulate side by side
    (each in the order of the rows), then ``A -= v (scale v^T A)``.

    >>> import numpy as np
    >>> A = np.array([[3.0, 1.0], [4.0, 2.0]])
    >>> reflect(np.array([1.0, 0.0]), 2.0, 0, A, 0, np.zeros(2))
    >>> A.tolist()
    [[-3.0, -1.0], [4.0, 2.0]]
    """
    m, n = A.shape
    for col in range(col0, n):
        s[col] = 0.0 * scale
    for i in range(j, m):
        vi = v[i]
        for col in range(col0, n):
            s[col] += vi * A[i, col]
    for col in range(col0, n):
        s[col] = s[col] * scale
    for i in range(j, m):
        vi = v[i]
        for col in range(col0, n):
            A[i, col] = A[i, col] - s[col] * vi


def householder_in_place(A, V, scale, s):
    """Householder QR in place of the ``m x n`` array ``A``: afterwards its upper trapezoid is ``R``.

    Reflection ``j`` is ``I - scale[j] v v^T`` with ``v = V[j]`` (zero before
    index ``j``; entries before ``j`` are not read), ``scale[j] = 0`` for a zero
    column (no reflection); ``V`` is ``min(m, n) x m``, ``s`` (length ``n``)
    work space.  No allocation: the work arrays are the caller's.

    The norms are taken of the columns divided by their largest entry, and
    ``v`` is stored with unit norm (``scale[j] = 2``): columns whose squares
    would underflow (entries near ``1e-160`` in float64) keep their digits.

    >>> import numpy as np
    >>> A, V, scale = np.array([[3.0], [4.0]]), np.zeros((1, 2)), np.zeros(1)
    >>> householder_in_place(A, V, scale, np.zeros(1))
    >>> float(A[0, 0]), (V[0] * 80 ** 0.5).round(12).tolist(), float(scale[0])
    (-5.0, [8.0, 4.0], 2.0)
    """
    m, n = A.shape
    for j in range(min(m, n)):
        top = 0.0 * A[0, 0]
        for i in range(j, m):
            top = max(top, abs(A[i, j]))
        scale[j] = 0.0 * top
        if top == 0:
            continue
        norm2 = 0.0 * top
        for i in range(j, m):
            norm2 += (A[i, j] / top) * (A[i, j] / top)
        alpha = -top * sqrt(norm2) if A[j, j] >= 0 else top * sqrt(norm2)
        v = V[j]
        for i in range(j, m):
            v[i] = A[i, j]
        v[j] = v[j] - alpha  # |v_j| = |A_jj| + |alpha| >= every |v_i|
        vv = 0.0 * norm2
        for i in range(j, m):
            vv += (v[i] / v[j]) * (v[i] / v[j])
        length = abs(v[j]) * sqrt(vv)
        for i in range(j, m):
            v[i] = v[i] / length
        scale[j] = 2.0 + 0.0 * top
        reflect(v, scale[j], j, A, j, s)


def householder_q(V, scale, Q, s):
    """``Q = H_0 H_1 ... H_{kk-1} [I; 0]`` (``m x kk``) in place, from the reflections of :func:`householder_in_place`.

    Backwards: ``H_j`` only touches the columns ``j:`` (the earlier ones are
    still ``e_col``, zero from row ``j`` on).  ``s`` (length ``kk``) is work space.

    >>> import numpy as np
    >>> Q = np.zeros((2, 1))
    >>> householder_q(np.array([[8.0, 4.0]]), np.array([0.025]), Q, np.zeros(1))
    >>> Q.round(12).tolist()   # H_0 e_0 = e_0 - 0.025 * 8 * (8, 4)
    [[-0.6], [-0.8]]
    """
    m, kk = Q.shape
    for i in range(m):
        for col in range(kk):
            Q[i, col] = 1.0 if i == col else 0.0
    for j in range(kk - 1, -1, -1):
        if scale[j] != 0:
            reflect(V[j], scale[j], j, Q, j, s)


def householder_qr(A, Q, R):
    """Reduced QR ``A = Q R`` of an ``m x n`` array (any shape), by Householder reflections, into ``Q``, ``R``.

    ``Q`` is ``m x min(m, n)`` with orthonormal columns, ``R`` is ``min(m, n) x n``
    upper trapezoidal.  A zero column is left alone (no reflection).

    >>> import numpy as np
    >>> A = np.array([[1.0, 2.0, 0.0], [3.0, 4.0, 1.0]])
    >>> Q, R = np.zeros((2, 2)), np.zeros((2, 3))
    >>> householder_qr(A, Q, R)
    >>> bool(np.allclose(Q @ R, A)), bool(np.allclose(Q.T @ Q, np.eye(2))), float(R[1, 0])
    (True, True, 0.0)
    """
    m, n = A.shape
    kk = min(m, n)
    W = A.copy()
    V = np.zeros((kk, m), DTYPE)
    scale = np.zeros(kk, DTYPE)
    s = np.zeros(n, DTYPE)
    householder_in_place(W, V, scale, s)
    for i in range(kk):
        for col in range(n):
            R[i, col] = W[i, col] if col >= i else 0.0 * W[i, col]
    householder_q(V, scale, Q, s)


def polar_rows_graded(B, tol):
    """Orthogonal polar factor of a square nonsingular ``B`` whose rows have very different sizes.

    One-sided Jacobi on the columns of ``B^T`` (rotating column pairs until
    they are orthogonal to ``tol``) gives ``B^T V = U Sigma``, so
    ``B = V Sigma U^T`` and the polar factor is ``V U^T``; accurate for
    column-graded ``B^T`` (Demmel and Veselic, 1992).

    >>> import numpy as np
    >>> B = np.array([[2.0, 1.0], [1e-9, 3e-9]])
    >>> W = polar_rows_graded(B, 1e-16)
    >>> H = W.T @ B
    >>> bool(np.allclose(W @ W.T, np.eye(2))), bool(np.allclose(H, H.T)), bool(np.all(np.linalg.eigvalsh(H) > 0))
    (True, True, True)
    """
    k = B.shape[0]
    top = 0.0 * B[0, 0]  # the polar factor of B/top is that of B; B/top keeps the squares below from underflowing
    for i in range(k):
        for j in range(k):
            top = max(top, abs(B[i, j]))
    X = np.zeros((k, k), DTYPE)
    for i in range(k):
        for j in range(k):
            X[i, j] = B[j, i] / top
    V = np.zeros((k, k), DTYPE)
    for i in range(k):
        V[i, i] = 1.0
    for _sweep in range(60):
        rotated = False
        for p in range(k - 1):
            for q in range(p + 1, k):
                a, b, g = 0.0 * X[0, 0], 0.0 * X[0, 0], 0.0 * X[0, 0]
                for i in range(k):
                    a += X[i, p] * X[i, p]
                    b += X[i, q] * X[i, q]
                    g += X[i, p] * X[i, q]
                if abs(g) <= tol * sqrt(a) * sqrt(b):
                    continue
                rotated = True
                zeta = (b - a) / (2.0 * g)
                if abs(zeta) > 1e100:
                    t = 0.5 / zeta
                else:
                    t = (1.0 if zeta >= 0 else -1.0) / (abs(zeta) + sqrt(1.0 + zeta * zeta))
                c = 1.0 / sqrt(1.0 + t * t)
                s = c * t
                for i in range(k):
                    xp, xq = X[i, p], X[i, q]
                    X[i, p], X[i, q] = c * xp - s * xq, s * xp + c * xq
                    vp, vq = V[i, p], V[i, q]
                    V[i, p], V[i, q] = c * vp - s * vq, s * vp + c * vq
        if not rotated:
            break
    for j in range(k):
        norm2 = 0.0 * X[0, 0]
        for i in range(k):
            norm2 += X[i, j] * X[i, j]
        norm = sqrt(norm2)
        for i in range(k):
            X[i, j] = X[i, j] / norm
    return V @ X.T


def polar_of_graded(T, log_sigma, max_gap, tol):
    """Orthogonal polar factor of ``T diag(sigma)`` (``T`` upper triangular, nonsingular), from ``log sigma``.

    Sorting the columns by decreasing ``sigma`` and a QR ``T P = Qp Rp`` give
    ``T diag(sigma) P = Qp diag(sigma_s) T''`` with ``T''_ij = Rp_ij sigma_j/sigma_i``
    bounded; the polar factor is ``Qp polar(diag(sigma_s) T'') P^T``, with gaps
    of more than ``max_gap`` between consecutive ``log sigma`` reduced to ``max_gap``.

    >>> import numpy as np
    >>> T = np.array([[1.0, 0.5], [0.0, 2.0]])
    >>> W = polar_of_graded(T, np.array([0.0, 1.0]), 40.0, 1e-16)
    >>> A = T * np.exp([0.0, 1.0])
    >>> U, _, Vh = np.linalg.svd(A)
    >>> bool(np.allclose(W, U @ Vh))
    True
    """
    k = T.shape[0]
    order = np.argsort(-log_sigma)
    ls = np.zeros(k, DTYPE)
    Tp = np.zeros((k, k), DTYPE)
    for j in range(k):
        ls[j] = log_sigma[order[j]]
        for i in range(k):
            Tp[i, j] = T[i, order[j]]
    Qp = np.zeros((k, k), DTYPE)
    Rp = np.zeros((k, k), DTYPE)
    householder_qr(Tp, Qp, Rp)
    row_scale = np.zeros(k, DTYPE)
    for i in range(1, k):
        row_scale[i] = row_scale[i - 1] - min(ls[i - 1] - ls[i], max_gap)
    B = np.zeros((k, k), DTYPE)
    for i in range(k):
        for j in range(i, k):
            B[i, j] = exp(row_scale[i] + ls[j] - ls[i]) * Rp[i, j]
    W_sorted = Qp @ polar_rows_graded(B, tol)
    W = np.zeros((k, k), DTYPE)
    for j in range(k):
        for i in range(k):
            W[i, order[j]] = W_sorted[i, j]
    return W


def hidden_polar(T, dlog_phi, pivot, max_gap, tol, log_s, Wpol):
    """``Wpol = polar(T Sigma)``, ``Sigma = diag(sqrt(phi_{p_j}))`` (1 for a zero column), from the ``R`` factor ``T``.

    ``T`` (``k x k``, upper triangular) is the ``R`` factor of the stack
    ``[Lbar; Sigma^{-1}]`` (its rows' signs do not matter: they cancel in the
    representative ``Y Wpol O^T``); ``dlog_phi`` (n,) holds ``log(phi_i/phi_{i-1})``;
    ``log_s`` (length ``>= k``) is work space.  A common factor of ``Sigma``
    leaves the polar factor alone, so the scales are taken relative to the first
    row, as running sums of ``dlog_phi``; a drop beyond ``20 max_gap`` (``e^-800``
    in float64, where ``exp`` is 0) counts as ``20 max_gap``, which keeps the sums
    small, so that the gaps after it keep their digits.  A zero column (pivot
    ``-1``) is orthogonal to the others and decoupled: its scale is 0.

    >>> import numpy as np
    >>> Wpol = np.zeros((1, 1))
    >>> hidden_polar(np.array([[-2.0]]), np.array([0.0]), np.array([0]), 40.0, 1e-16, np.zeros(1), Wpol)
    >>> Wpol.tolist()
    [[-1.0]]
    """
    k = T.shape[0]
    for j in range(k):
        log_s[j] = 0.0 * T[0, 0]
    rel = 0.0 * T[0, 0]
    for i in range(dlog_phi.shape[0]):  # rel = log(phi_i/phi_0), big drops capped
        rel = rel + max(dlog_phi[i], -20.0 * max_gap)
        for j in range(k):
            if pivot[j] == i:
                log_s[j] = rel / 2.0
    W = polar_of_graded(T, log_s[:k], max_gap, tol)
    for i in range(k):
        for j in range(k):
            Wpol[i, j] = W[i, j]
