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
   bounded entries ``sqrt(phi_i/phi_{p_j}) L_ij``, computed from logarithms;
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

__all__ = ["logphi1", "reflect", "householder_qr", "polar_rows_graded", "polar_of_graded", "point", "solve", "kernel",
           "RiccatiKernel", "KERNEL_FUNCTIONS"]

exp, expm1, log, sqrt = math.exp, math.expm1, math.log, math.sqrt
DTYPE = np.float64
#: Largest log-gap kept between consecutive column scales in float64 (see the module docstring).
_MAX_LOG_GAP = 40.0


def logphi1(x):
    """``log((e^x - 1)/x)`` (0 at ``x = 0``) as ``max(x, 0) + log((1 - e^{-|x|})/|x|)``: no overflow.

    >>> round(logphi1(2.0), 12) == round(math.log(math.expm1(2.0) / 2.0), 12)
    True
    """
    ax = abs(x)
    if ax == 0:
        return 0.0 * x
    return max(x, 0.0 * x) + log(-expm1(-ax) / ax)


def reflect(v, scale, j, w):
    """Apply the Householder reflection ``I - scale v v^T`` (``v`` zero before index ``j``) to ``w`` in place.

    >>> import numpy as np
    >>> w = np.array([3.0, 4.0])
    >>> reflect(np.array([1.0, 0.0]), 2.0, 0, w)
    >>> w.tolist()
    [-3.0, 4.0]
    """
    s = 0.0 * scale
    for i in range(j, w.shape[0]):
        s += v[i] * w[i]
    s = s * scale
    for i in range(j, w.shape[0]):
        w[i] = w[i] - s * v[i]


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
    Wt = A.T.copy()  # the columns of A as contiguous rows
    V = np.zeros((kk, m), DTYPE)
    scale = np.zeros(kk, DTYPE)
    for j in range(kk):
        x = Wt[j]
        norm2 = 0.0 * x[0]
        for i in range(j, m):
            norm2 += x[i] * x[i]
        if norm2 == 0:
            continue
        alpha = -sqrt(norm2) if x[j] >= 0 else sqrt(norm2)
        v = V[j]
        for i in range(j, m):
            v[i] = x[i]
        v[j] = v[j] - alpha
        vv = 0.0 * norm2
        for i in range(j, m):
            vv += v[i] * v[i]
        scale[j] = 2.0 / vv
        for col in range(j, n):
            reflect(v, scale[j], j, Wt[col])
    for i in range(kk):
        for col in range(n):
            R[i, col] = Wt[col, i] if col >= i else 0.0 * Wt[col, i]
    Qt = np.zeros((kk, m), DTYPE)
    for col in range(kk):
        Qt[col, col] = 1.0
    for j in range(kk - 1, -1, -1):
        if scale[j] == 0:
            continue
        for col in range(kk):
            reflect(V[j], scale[j], j, Qt[col])
    for i in range(m):
        for col in range(kk):
            Q[i, col] = Qt[col, i]


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


def point(tau, mu, L, nonzero, pivot, layers, max_gap, tol, Y, Wpol):
    """The factor ``Y`` (``n x k``) with ``E^T P E = Y Y^T`` at one ``tau > 0``, sorted eigen-coordinates.

    ``mu`` (n,) decreasing, ``L`` (n, k) the staircase of ``Z``, ``nonzero``
    its nonzero pattern, ``pivot`` (k,) the pivot rows.  With ``layers``,
    ``Wpol`` receives ``polar(T Sigma)`` (``k x k``), so that the representative
    is ``Y Wpol O^T``.

    >>> import numpy as np
    >>> Y, Wpol = np.zeros((1, 1)), np.zeros((1, 1))
    >>> point(1.0, np.array([0.5]), np.array([[0.1]]), np.array([[True]]), np.array([0]), True, 40.0, 1e-16, Y, Wpol)
    >>> P = Y[0, 0] ** 2
    >>> bool(np.isclose(P, 0.01 * np.e / (1 + 0.01 * np.expm1(1.0)), rtol=1e-15)), float(abs(Wpol[0, 0]))
    (True, 1.0)
    """
    n, k = L.shape
    lt = log(tau)
    log_phi = np.zeros(n, DTYPE)
    C = np.zeros(n, DTYPE)
    for i in range(n):
        x = 2.0 * mu[i] * tau
        log_phi[i] = lt + logphi1(x)
        C[i] = exp(-(lt + logphi1(-x)) / 2.0)
    log_s = np.zeros(k, DTYPE)
    for j in range(k):
        log_s[j] = log_phi[pivot[j]]
    M = np.zeros((n + k, k), DTYPE)
    size = np.zeros(n + k, DTYPE)
    for j in range(k):
        for i in range(n):
            if nonzero[i, j]:
                M[i, j] = exp(min((log_phi[i] - log_s[j]) / 2.0, 0.0)) * L[i, j]
        M[n + j, j] = exp(-log_s[j] / 2.0)
    for r in range(n + k):
        for j in range(k):
            size[r] += M[r, j] * M[r, j]
    order = np.argsort(-size)
    Ms = np.zeros((n + k, k), DTYPE)
    for r in range(n + k):
        for j in range(k):
            Ms[r, j] = M[order[r], j]
    Qs = np.zeros((n + k, k), DTYPE)
    T = np.zeros((k, k), DTYPE)
    householder_qr(Ms, Qs, T)
    for r in range(n + k):
        if order[r] < n:
            for j in range(k):
                Y[order[r], j] = C[order[r]] * Qs[r, j]
    if layers:
        for j in range(k):
            log_s[j] = log_s[j] / 2.0
        W = polar_of_graded(T, log_s, max_gap, tol)
        for i in range(k):
            for j in range(k):
                Wpol[i, j] = W[i, j]


def solve(tau, mu, Z, E, scales, d, layers, max_gap, tol, beta, W1TW1, W2W2T, W1, W2):
    """Fill the outputs for every initialisation ``b`` and time ``tau[t]``.

    ``mu`` (B, n) decreasing, ``Z`` (B, n, h) and ``E`` (B, n, n) (eigenvectors
    of ``F`` as columns, original coordinates) in the same order;
    ``scales = (k, sqrt(eta_w), sqrt(eta_a), eta_w, eta_a)``.  Outputs
    ``beta`` (B, T, c, d), ``W1TW1`` (B, T, d, d), ``W2W2T`` (B, T, c, c) and,
    with ``layers``, ``W1`` (B, T, h, d), ``W2`` (B, T, c, h).

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
    Y = np.zeros((n, kk), DTYPE)
    Wpol = np.zeros((kk, kk), DTYPE)
    for b in range(B):
        householder_qr(Z[b].T.copy(), O, R)
        L = R.T.copy()
        nonzero = np.zeros((n, kk), np.bool_)
        pivot = np.zeros(kk, np.int64)
        for j in range(kk):
            pivot[j] = j
            for i in range(n - 1, j - 1, -1):
                if L[i, j] != 0:
                    nonzero[i, j] = True
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
                point(tau[t], mu[b], L, nonzero, pivot, layers, max_gap, tol, Y, Wpol)
            X = E[b] @ Y
            G = X @ X.T
            for i in range(d):
                for j in range(d):
                    W1TW1[b, t, i, j] = ew * G[i, j]
            for i in range(c):
                for j in range(d):
                    beta[b, t, i, j] = k_ * G[d + i, j]
                for j in range(c):
                    W2W2T[b, t, i, j] = ea * G[d + i, d + j]
            if layers:
                rep = X @ Wpol @ O.T
                for i in range(h):
                    for j in range(d):
                        W1[b, t, i, j] = sw * rep[j, i]
                for i in range(c):
                    for j in range(h):
                        W2[b, t, i, j] = sa * rep[d + i, j]


#: The kernel's functions, in the order they are compiled (callees first).
KERNEL_FUNCTIONS = ("logphi1", "reflect", "householder_qr", "polar_rows_graded", "polar_of_graded", "point", "solve")


@dataclasses.dataclass(frozen=True)
class RiccatiKernel:
    """The functions of this module in one arithmetic (:func:`kernel`).

    Attributes
    ----------
    logphi1, reflect, householder_qr, polar_rows_graded, polar_of_graded, point, solve : callable
        As the module functions of the same names.
    max_gap : float
        Largest log-gap kept between consecutive column scales (``40`` in
        float64, unbounded in mpmath, which has no exponent range limit).

    Examples
    --------
    >>> kernel("numpy").max_gap
    40.0
    """

    logphi1: object
    reflect: object
    householder_qr: object
    polar_rows_graded: object
    polar_of_graded: object
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
