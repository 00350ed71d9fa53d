r"""The closed-form solution of the wide network's matrix Riccati equation, without overflow.

For a lambda-balanced network the stacked, rate-scaled layers ``Q`` give
``P = Q Q^T`` solving ``dP/dtau = F P + P F - P^2``
(:mod:`symrich.wide_linear.closed_form`).  With ``F = E diag(mu) E^T`` and
``Z = E^T Q0``, in the eigenbasis of ``F``

.. math:: E^\top P(\tau) E = D Z G^{-1} Z^\top D, \qquad D = e^{\mathrm{diag}(\mu)\tau}, \qquad
          G = I_h + Z^\top \Phi Z, \qquad \Phi = \mathrm{diag}(\phi_i),\;
          \phi_i = \frac{e^{2\mu_i\tau} - 1}{2\mu_i}.

``D`` and ``G`` overflow for ``mu_i tau`` beyond about 350 and ``G`` loses the
small directions long before; :func:`point` never forms them:

1. with the eigenvalues in decreasing order, a QR of ``Z^T`` gives ``Z = L O^T``
   with ``O`` orthonormal columns and ``L`` lower staircase: column ``j`` starts
   at its pivot row ``p_j`` (the first nonzero), whose ``phi`` is the largest
   in the column; zero columns (rank-deficient layers) drop out exactly;
2. ``Lbar = Phi^{1/2} L Sigma^{-1}``, ``Sigma = diag(sqrt(phi_{p_j}))``, has the
   bounded entries ``sqrt(phi_i/phi_{p_j}) L_ij``: running products down the
   column of the ratios ``sqrt(phi_i/phi_{i-1}) <= 1``, each from logarithms;
3. a Householder QR of ``[Lbar; Sigma^{-1}]`` with its rows sorted by size
   (accurate row by row), ``= [Q1; Q2] T``, gives ``E^T P E = (C Q1)(C Q1)^T``
   with ``C = diag(e^{mu_i tau}/sqrt(phi_i))``, bounded for every sign of ``mu_i``.

Only logarithms of the growing scales appear: every ``tau`` is finite, the
ratios ``e^{(mu_i - mu_j) tau}`` that decide which directions survive are kept,
nothing is capped.

The layers are determined by ``P`` up to a rotation of the hidden units; the
representative ``e^{F tau} Q0 G^{-1/2}`` (symmetric root) is
``C Q1 polar(T Sigma) O^T``.  The polar factor of the column-graded
``T Sigma`` is taken after sorting its columns by decreasing scale, a QR, and
one-sided Jacobi (:func:`polar_rows_graded`, accurate for graded matrices);
in float64 gaps of more than ``e^40`` between consecutive scales are
compressed to ``e^40`` first (they couple the columns by less than ``e^-80``).

**One source, two arithmetics.**  The functions are written with scalar loops
over ``math``-style functions (``exp``, ``expm1``, ``log``, ``sqrt``, module
globals) and work arrays of type ``DTYPE``.  :func:`kernel` returns them
compiled by numba (float64), or the same code objects rebound to
:mod:`mpmath` functions and object arrays (any precision).

>>> import math
>>> logphi1(0.0), round(logphi1(1e6), 6), math.isclose(logphi1(-3.0), math.log(math.expm1(-3.0) / -3.0))
(0.0, 999986.184489, True)
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types

import numpy as np

__all__ = ["log_decay", "logphi1", "reflect", "householder_in_place", "householder_q", "householder_qr",
           "polar_rows_graded", "polar_of_graded", "workspace", "point", "solve", "kernel", "RiccatiKernel",
           "KERNEL_FUNCTIONS"]

exp, expm1, log, sqrt = math.exp, math.expm1, math.log, math.sqrt
DTYPE = np.float64
#: Largest log-gap kept between consecutive column scales in float64 (see the module docstring).
_MAX_LOG_GAP = 40.0


def logphi1(x):
    """``log((e^x - 1)/x)`` (0 at ``x = 0``) as ``max(x, 0) + log((1 - e^{-|x|})/|x|)``: no overflow.

    >>> round(logphi1(2.0), 12) == round(math.log(math.expm1(2.0) / 2.0), 12)
    True
    """
    return max(x, 0.0 * x) + log_decay(abs(x))


def log_decay(a):
    """``log((1 - e^{-a})/a)`` for ``a >= 0`` (0 at ``a = 0``): the part of ``logphi1(+-a)`` shared by both signs.

    ``logphi1(x) = max(x, 0) + log_decay(|x|)``, so one call gives ``logphi1`` at ``x`` and ``-x``.

    >>> log_decay(0.0), round(log_decay(1e6), 6)
    (0.0, -13.815511)
    """
    if a == 0:
        return 0.0 * a
    return log(-expm1(-a) / a)


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

    >>> import numpy as np
    >>> A, V, scale = np.array([[3.0], [4.0]]), np.zeros((1, 2)), np.zeros(1)
    >>> householder_in_place(A, V, scale, np.zeros(1))
    >>> float(A[0, 0]), V[0].tolist(), float(scale[0])
    (-5.0, [8.0, 4.0], 0.025)
    """
    m, n = A.shape
    for j in range(min(m, n)):
        norm2 = 0.0 * A[0, 0]
        for i in range(j, m):
            norm2 += A[i, j] * A[i, j]
        scale[j] = 0.0 * norm2
        if norm2 == 0:
            continue
        alpha = -sqrt(norm2) if A[j, j] >= 0 else sqrt(norm2)
        v = V[j]
        for i in range(j, m):
            v[i] = A[i, j]
        v[j] = v[j] - alpha
        vv = 0.0 * norm2
        for i in range(j, m):
            vv += v[i] * v[i]
        scale[j] = 2.0 / vv
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
    X = B.T.copy()
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


def workspace(n, k):
    """Work arrays of :func:`point` for ``n`` eigen-directions and ``k`` columns, allocated once per :func:`solve`.

    ``(vec, M, Ms, V, Q, T, order)``: ``vec`` (6, n + k) holds ``log phi``,
    ``C``, the step ratios, the row sizes, the reflection scales and the column
    ratios; ``M`` (n + k, k) the stacked matrix, ``Ms`` its rows sorted (then
    ``R``), ``V`` (k, n + k) the reflections, ``Q`` (n + k, k), ``T`` (k, k),
    ``order`` the row order.

    >>> [a.shape for a in workspace(3, 2)]
    [(6, 5), (5, 2), (5, 2), (2, 5), (5, 2), (2, 2), (5,)]
    """
    m = n + k
    return (np.zeros((6, m), DTYPE), np.zeros((m, k), DTYPE), np.zeros((m, k), DTYPE), np.zeros((k, m), DTYPE),
            np.zeros((m, k), DTYPE), np.zeros((k, k), DTYPE), np.zeros(m, np.int64))


def point(tau, mu, L, pivot, layers, max_gap, tol, Y, Wpol, work):
    """The factor ``Y`` (``n x k``) with ``E^T P E = Y Y^T`` at one ``tau > 0``, sorted eigen-coordinates.

    ``mu`` (n,) decreasing, ``L`` (n, k) the staircase of ``Z`` (zero above
    the pivot rows), ``pivot`` (k,) the pivot rows (``-1`` for a column of
    zeros, which contributes nothing: rank-deficient layers), ``work`` from
    :func:`workspace`.  With ``layers``, ``Wpol`` receives ``polar(T Sigma)``
    (``k x k``), so that the representative is ``Y Wpol O^T``.

    The entries ``sqrt(phi_i/phi_{p_j}) L_ij`` (``i >= p_j``, so the ratio is
    at most 1: ``phi`` decreases with ``mu``) are running products down the
    column of the step ratios ``sqrt(phi_i/phi_{i-1})``: ``n`` exponentials,
    not one per entry.

    >>> import numpy as np
    >>> Y, Wpol = np.zeros((1, 1)), np.zeros((1, 1))
    >>> point(1.0, np.array([0.5]), np.array([[0.1]]), np.array([0]), True, 40.0, 1e-16, Y, Wpol, workspace(1, 1))
    >>> P = Y[0, 0] ** 2
    >>> bool(np.isclose(P, 0.01 * np.e / (1 + 0.01 * np.expm1(1.0)), rtol=1e-15)), float(abs(Wpol[0, 0]))
    (True, 1.0)
    """
    vec, M, Ms, V, Q, T, order = work
    n, k = L.shape
    m = n + k
    log_phi, C, step, size, scale, ratio = vec[0], vec[1], vec[2], vec[3], vec[4], vec[5]
    lt = log(tau)
    for i in range(n):
        x = 2.0 * mu[i] * tau
        shared = lt + log_decay(abs(x))
        log_phi[i] = max(x, 0.0 * x) + shared
        C[i] = exp(-(max(-x, 0.0 * x) + shared) / 2.0)
        step[i] = exp(min((log_phi[i] - log_phi[i - 1]) / 2.0, 0.0)) if i > 0 else 1.0 + 0.0 * x
    for j in range(k):
        ratio[j] = 1.0 + 0.0 * lt
    for i in range(n):  # row by row; ratio[j] = sqrt(phi_i/phi_{p_j}) from row p_j on
        size[i] = 0.0 * lt
        for j in range(k):
            if i > pivot[j]:
                ratio[j] = ratio[j] * step[i]
            M[i, j] = ratio[j] * L[i, j]
            size[i] += M[i, j] * M[i, j]
    for i in range(k):
        for j in range(k):
            if i != j:
                M[n + i, j] = 0.0 * lt
            elif pivot[j] >= 0:
                M[n + i, j] = exp(-log_phi[pivot[j]] / 2.0)
            else:  # a zero column of L: G = I there, so Sigma_j = 1 and the column adds nothing to Y
                M[n + i, j] = 1.0 + 0.0 * lt
        size[n + i] = M[n + i, i] * M[n + i, i]
    for r in range(m):
        order[r] = r
    for r in range(1, m):  # insertion sort by decreasing size (stable)
        row = order[r]
        q = r
        while q > 0 and size[order[q - 1]] < size[row]:
            order[q] = order[q - 1]
            q -= 1
        order[q] = row
    for r in range(m):
        for j in range(k):
            Ms[r, j] = M[order[r], j]
    householder_in_place(Ms, V, scale, ratio)
    householder_q(V, scale, Q, ratio)
    for r in range(m):
        if order[r] < n:
            for j in range(k):
                Y[order[r], j] = C[order[r]] * Q[r, j]
    if layers:
        log_s = step  # free now: the column scales log sigma_j = log phi_{p_j} / 2
        for i in range(k):
            log_s[i] = log_phi[pivot[i]] / 2.0 if pivot[i] >= 0 else 0.0 * lt
            for j in range(k):
                T[i, j] = Ms[i, j] if j >= i else 0.0 * Ms[i, j]
        W = polar_of_graded(T, log_s[:k], max_gap, tol)
        for i in range(k):
            for j in range(k):
                Wpol[i, j] = W[i, j]


def solve(tau, mu, Z, E, scales, d, layers, max_gap, tol, beta, W1TW1, W2W2T, W1, W2):
    """Fill the outputs for every initialisation ``b`` and time ``tau[t]``.

    ``mu`` (B, n) decreasing, ``Z`` (B, n, h) and ``E`` (B, n, n) (eigenvectors
    of ``F`` as columns, original coordinates) in the same order;
    ``scales = (k, sqrt(eta_w), sqrt(eta_a), eta_w, eta_a)``.  Outputs
    ``beta`` (B, T, c, d), ``W1TW1`` (B, T, d, d), ``W2W2T`` (B, T, c, c) and,
    with ``layers``, ``W1`` (B, T, h, d), ``W2`` (B, T, c, h).  Work arrays are
    allocated once, and the staircase of each ``Z`` once for all times.

    >>> import numpy as np
    >>> out = [np.zeros((1, 1, 1, 1)) for _ in range(5)]
    >>> E, Z = np.eye(2), np.array([[0.6], [0.0]])   # one unit: W1 = W2 = 0.6 (unit rates), S = 0 ...
    >>> solve(np.array([0.0]), np.array([[0.0, 0.0]]), Z[None], E[None], (1.0, 1.0, 1.0, 1.0, 1.0), 1, True, 40.0,
    ...       1e-16, *out)
    >>> [round(float(o[0, 0, 0, 0]), 12) for o in out]   # ... at t = 0: beta = 0 (the readout block is 0)
    [0.0, 0.36, 0.0, 0.6, 0.0]
    """
    B, n, h = Z.shape
    c = n - d
    kk = min(h, n)
    k_, sw, sa, ew, ea = scales
    O = np.zeros((h, kk), DTYPE)
    R = np.zeros((kk, n), DTYPE)
    L = np.zeros((n, kk), DTYPE)
    Y = np.zeros((n, kk), DTYPE)
    X = np.zeros((n, kk), DTYPE)
    XW = np.zeros((n, kk), DTYPE)
    Wpol = np.zeros((kk, kk), DTYPE)
    pivot = np.zeros(kk, np.int64)
    work = workspace(n, kk)
    for b in range(B):
        householder_qr(Z[b].T.copy(), O, R)
        for j in range(kk):
            pivot[j] = -1  # a zero column (a direction of the hidden units that Q0 does not use) stays -1
            for i in range(n - 1, -1, -1):
                L[i, j] = R[j, i]
                if i >= j and L[i, j] != 0:
                    pivot[j] = i
        for t in range(tau.shape[0]):
            if tau[t] == 0:
                for i in range(n):
                    for j in range(kk):
                        Y[i, j] = L[i, j]
                for i in range(kk):
                    for j in range(kk):
                        Wpol[i, j] = 1.0 if i == j else 0.0
            else:
                point(tau[t], mu[b], L, pivot, layers, max_gap, tol, Y, Wpol, work)
            for i in range(n):  # X = E Y
                for j in range(kk):
                    X[i, j] = 0.0 * X[i, j]
                for q in range(n):
                    e = E[b, i, q]
                    for j in range(kk):
                        X[i, j] += e * Y[q, j]
            for i in range(n):  # the lower triangle of X X^T, into the blocks
                for j in range(i + 1):
                    g = 0.0 * X[i, 0]
                    for q in range(kk):
                        g += X[i, q] * X[j, q]
                    if i < d:
                        W1TW1[b, t, i, j] = ew * g
                        W1TW1[b, t, j, i] = ew * g
                    elif j < d:
                        beta[b, t, i - d, j] = k_ * g
                    else:
                        W2W2T[b, t, i - d, j - d] = ea * g
                        W2W2T[b, t, j - d, i - d] = ea * g
            if layers:
                for i in range(n):  # the representative X Wpol O^T
                    for j in range(kk):
                        XW[i, j] = 0.0 * X[i, j]
                        for q in range(kk):
                            XW[i, j] += X[i, q] * Wpol[q, j]
                    for j in range(h):
                        r = 0.0 * X[i, 0]
                        for q in range(kk):
                            r += XW[i, q] * O[j, q]
                        if i < d:
                            W1[b, t, j, i] = sw * r
                        else:
                            W2[b, t, i - d, j] = sa * r


#: The kernel's functions, in the order they are compiled (callees first).
KERNEL_FUNCTIONS = ("log_decay", "logphi1", "reflect", "householder_in_place", "householder_q", "householder_qr",
                    "polar_rows_graded", "polar_of_graded", "workspace", "point", "solve")


@dataclasses.dataclass(frozen=True)
class RiccatiKernel:
    """The functions of this module in one arithmetic (:func:`kernel`).

    Attributes
    ----------
    log_decay, logphi1, reflect, householder_in_place, householder_q, householder_qr : callable
        As the module functions of the same names.
    polar_rows_graded, polar_of_graded, workspace, point, solve : callable
        As the module functions of the same names.
    max_gap : float
        Largest log-gap kept between consecutive column scales (``40`` in
        float64, unbounded in mpmath, which has no exponent range limit).

    Examples
    --------
    >>> kernel("numpy").max_gap
    40.0
    """

    log_decay: object
    logphi1: object
    reflect: object
    householder_in_place: object
    householder_q: object
    householder_qr: object
    polar_rows_graded: object
    polar_of_graded: object
    workspace: object
    point: object
    solve: object
    max_gap: float


def _rebind(env, jit):
    for name in KERNEL_FUNCTIONS:
        fn = globals()[name]
        env[name] = jit(types.FunctionType(fn.__code__, env, name, fn.__defaults__, fn.__closure__))
    return {name: env[name] for name in KERNEL_FUNCTIONS}


@functools.lru_cache(maxsize=None)
def kernel(backend):
    """The kernel for ``"numpy"`` (compiled by numba, float64) or ``"mpmath"`` (Python on object arrays of mpf).

    Both are this module's code objects, with their globals rebound: to the
    compiled callees for numba, and to :mod:`mpmath`'s ``exp``, ``expm1``,
    ``log``, ``sqrt`` and ``DTYPE = object`` for mpmath (which then runs at the
    caller's ``mpmath.mp`` precision).

    >>> import mpmath
    >>> with mpmath.workdps(30):
    ...     value = kernel("mpmath").logphi1(mpmath.mpf(1))
    >>> mpmath.nstr(value, 20)
    '0.54132485461291810898'
    """
    if backend == "numpy":
        import numba

        funcs = _rebind(dict(globals()), numba.njit(cache=True, error_model="numpy"))
        return RiccatiKernel(**funcs, max_gap=_MAX_LOG_GAP)
    if backend == "mpmath":
        import mpmath

        env = dict(globals(), exp=mpmath.exp, expm1=mpmath.expm1, log=mpmath.log, sqrt=mpmath.sqrt, DTYPE=object)
        return RiccatiKernel(**_rebind(env, lambda f: f), max_gap=math.inf)
    raise ValueError(f"backend must be 'numpy' or 'mpmath', got {backend!r}")
