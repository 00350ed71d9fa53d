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

>>> import numpy as np
>>> W1, W2, S = np.array([[1.0, -0.5]]), np.array([[0.3]]), np.array([[0.0, 1.5]])   # h = c = 1
>>> from symrich.wide_linear import trajectory
>>> trajectory([1e6], W1, W2, S).beta.round(12).tolist()                             # the limit beta = S
[[[0.0, 1.5]]]
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types

import numpy as np

# the kernel's other functions: module globals, so that kernel() rebinds and compiles them with the ones here
from symrich.wide_linear.frame import (balance_residual, balanced, frame, initial_state, prepare,  # noqa: F401
                                       product, sorted_frame)
from symrich.wide_linear.graded import (hidden_polar, householder_in_place, householder_q, householder_qr,  # noqa: F401
                                        polar_of_graded, polar_rows_graded, reflect)

__all__ = ["workspace", "graded_stack", "point_cholesky", "point", "at_start", "solve", "evaluate",
           "kernel", "RiccatiKernel", "KERNEL_FUNCTIONS"]

exp, expm1, log, sqrt = math.exp, math.expm1, math.log, math.sqrt
atan2, cos, sin, hypot = math.atan2, math.cos, math.sin, math.hypot  # for the functions of frame.py
DTYPE = np.float64
#: The smallest normal float64 and its rounding unit: a subnormal ``tau`` with ``tau max|mu| < EPS`` is ``tau = 0``
#: (``log tau`` and ``1/tau`` would leave the float range); 0 for mpmath, which has no subnormal numbers.
TINY, EPS = float(np.finfo(np.float64).tiny), float(np.finfo(np.float64).eps)
#: Largest log-gap kept between consecutive column scales in float64 (see the module docstring).
_MAX_LOG_GAP = 40.0
#: Largest ``||R^{-1}||_F`` at which float64 takes the Cholesky path (:func:`point_cholesky`).
CHOLESKY_MAX = 8.0
#: Times per block of :func:`solve`: their factors ``Y`` are rotated back by one matrix product ``E [Y_1 ... Y_s]``.
TIME_BLOCK = 32


def workspace(n, k):
    """Work arrays of :func:`point` for ``n`` eigen-directions and ``k`` columns, allocated once per :func:`solve`.

    ``(vec, M, Ms, V, Q, T, order)``: ``vec`` (7, n + k) holds ``phi^{-1/2}``,
    ``C``, the step ratios, ``decay`` (then the row sizes), the reflection scales, the column
    ratios and ``log(phi_i/phi_{i-1})``; ``M`` (n + k, k) the stacked matrix, ``Ms`` its rows sorted (then
    ``R``), ``V`` (k, n + k) the reflections, ``Q`` (n + k, k), ``T`` (k, k),
    ``order`` the row order.

    >>> [a.shape for a in workspace(3, 2)]
    [(7, 5), (5, 2), (5, 2), (2, 5), (5, 2), (2, 2), (5,)]
    """
    m = n + k
    return (np.zeros((7, m), DTYPE), np.zeros((m, k), DTYPE), np.zeros((m, k), DTYPE), np.zeros((k, m), DTYPE),
            np.zeros((m, k), DTYPE), np.zeros((k, k), DTYPE), np.zeros(m, np.int64))


def graded_stack(tau, mu, gap, L, pivot, logs, work):
    """Fill ``C``, the stacked ``M = [Lbar; Sigma^{-1}]`` and, with ``logs``, ``log(phi_i/phi_{i-1})`` at one ``tau > 0``.

    ``mu`` (n,) decreasing with its gaps ``gap`` (``mu_i - mu_{i-1}``, accurate where
    ``mu`` rounds: :func:`symrich.wide_linear.frame.sorted_frame`), ``L`` (n, k) the staircase of ``Z`` (zero above the
    pivot rows), ``pivot`` (k,) the pivot rows (``-1`` for a column of zeros:
    rank-deficient layers; its ``Sigma_j`` is 1 and its column adds nothing),
    ``work`` from :func:`workspace` (whose ``M`` is zero off the diagonal of its
    lower block, which is never written otherwise): afterwards ``work[0][0]`` is
    ``phi^{-1/2}``, ``work[0][1]`` is ``C``, ``work[1]`` is ``M`` and, with ``logs``, ``work[0][6]`` is
    ``log(phi_i/phi_{i-1})`` (accurate even where ``log phi`` is huge and would round).

    With ``x_i = 2 mu_i tau`` and ``decay_i = (1 - e^{-|x_i|})/|x_i|`` in ``(0, 1]``,
    ``phi_i = tau decay_i e^{max(x_i, 0)}``: one exponential ``e^{-|x_i|/2}`` per
    row gives ``C_i = e^{min(x_i, 0)/2}/sqrt(tau decay_i)``, ``phi_i^{-1/2}`` and
    (for ``|x_i| > 1``, where ``1 - e^{-|x_i|}`` does not cancel) ``decay_i``.
    The entries ``sqrt(phi_i/phi_{p_j}) L_ij`` (``i >= p_j``, so the ratio is
    at most 1: ``phi`` decreases with ``mu``) are running products down the
    column of the step ratios ``sqrt(phi_i/phi_{i-1}) = e^{(max(x_i, 0) - max(x_{i-1}, 0))/2}
    sqrt(decay_i/decay_{i-1})``, whose exponent is ``gap_i tau`` where both rows grow
    (exact even where ``x_i`` rounds).

    >>> import numpy as np
    >>> work = workspace(1, 1)
    >>> graded_stack(1.0, np.array([0.5]), np.array([0.0]), np.array([[0.1]]), np.array([0]), False, work)
    >>> phi = np.expm1(1.0)
    >>> bool(np.isclose(work[1][1, 0], phi ** -0.5)), bool(np.isclose(work[0][1, 0], np.exp(0.5) / phi ** 0.5))
    (True, True)
    """
    vec, M = work[0], work[1]
    n, k = L.shape
    root, C, step, decay, ratio, dlog_phi = vec[0], vec[1], vec[2], vec[3], vec[5], vec[6]
    one = 1.0 + 0.0 * tau
    x_prev, h_prev, log_prev = 0.0 * tau, one, 0.0 * tau  # x, e^{-|x|/2} and log(decay) of the row before
    for i in range(n):
        x = 2.0 * mu[i] * tau
        a = abs(x)
        h = exp(-a / 2.0)
        if a > 1.0:  # 1 - e^{-a} >= 1 - 1/e: no cancellation; where h < EPS it is 1 (and h h would be subnormal: slow)
            decay[i] = (1.0 - h * h if h > EPS else one) / a
        elif a > 0:
            decay[i] = -expm1(-a) / a
        else:
            decay[i] = one
        rs = 1.0 / sqrt(tau * decay[i])
        C[i] = h * rs if x < 0 else rs
        root[i] = h * rs if x > 0 else rs  # phi_i^{-1/2}
        if i == 0:
            step[i] = one
        else:  # sqrt(phi_i/phi_{i-1}) <= 1
            g = exp(gap[i] * tau) if x > 0 and x_prev > 0 else (h_prev if x_prev > 0 else one)
            step[i] = min(g * sqrt(decay[i] / decay[i - 1]), one)
        if logs:
            log_decay = log(decay[i])
            if i == 0:
                dlog_phi[i] = 0.0 * x
            else:  # where both grow, max(x, 0) differs by 2 tau gap_i, exact even if x rounds
                growth = 2.0 * gap[i] * tau if x > 0 and x_prev > 0 else max(x, 0.0 * x) - max(x_prev, 0.0 * x)
                dlog_phi[i] = growth + log_decay - log_prev
            log_prev = log_decay
        x_prev, h_prev = x, h
    for j in range(k):
        ratio[j] = one
    for i in range(n):  # row by row; ratio[j] = sqrt(phi_i/phi_{p_j}) from row p_j on
        for j in range(k):
            if i > pivot[j]:
                ratio[j] = ratio[j] * step[i]
            M[i, j] = ratio[j] * L[i, j]
    for j in range(k):  # the diagonal of the lower block (the rest of it is zero, from workspace)
        # a zero column of L has pivot -1: G = I there, so Sigma_j = 1 and the column adds nothing to Y
        M[n + j, j] = root[pivot[j]] if pivot[j] >= 0 else one


def point_cholesky(tau, mu, gap, L, pivot, layers, max_gap, tol, chol_max, Y, Wpol, work):
    """The factor ``Y`` of :func:`point` through a Cholesky factor, when that is accurate; else ``False``.

    ``Y = C Lbar T^{-1}`` with ``T^T T = N = M^T M`` (``M = [Lbar; Sigma^{-1}]``
    of :func:`graded_stack`), in ``n k^2`` operations instead of a Householder QR
    of the ``(n + k) x k`` stack and its ``Q``.  ``N`` is equilibrated to unit
    diagonal (``N = D N_1 D``, Cholesky ``N_1 = R^T R``).  ``R`` is the ``R``
    factor of the equilibrated stack ``M D^{-1}``, whose columns have norm 1:
    ``||R|| <= sqrt(k)`` and ``1/sigma_min(R) <= ||R^{-1}||_F``, so the error of
    the normal equations is at most about ``k ||R^{-1}||_F^2`` roundings
    (Higham, *Accuracy and Stability of Numerical Algorithms*, 2002, sections 10.1
    and 20.4).  When ``||R^{-1}||_F > chol_max`` (or a pivot of the Cholesky
    factorisation is not positive: nearly dependent columns, such as nearly
    rank-deficient layers; or a diagonal entry of ``N`` is below ``TINY/EPS``,
    where its digits are lost to underflow: layers near ``1e-155``), ``Y`` is left alone and the result is ``False``:
    the caller then runs :func:`point`.  With ``layers``,
    ``Wpol`` receives ``polar(T Sigma)`` as in :func:`point`, from the ``R`` factor
    ``R D`` of the stack.  Work arrays: ``T`` holds ``N_1`` and ``R^T``, the
    first ``k`` rows of ``Ms`` hold ``R^{-1}``, the first ``k`` columns of ``V`` hold ``R D``.
    Afterwards the top ``n`` rows of ``M`` hold ``C Lbar D^{-1}``.

    >>> import numpy as np
    >>> Y, Wpol, work = np.zeros((1, 1)), np.zeros((1, 1)), workspace(1, 1)
    >>> point_cholesky(1.0, np.array([0.5]), np.array([0.0]), np.array([[0.1]]), np.array([0]), True, 40.0, 1e-16, 8.0, Y,
    ...                Wpol, work)
    True
    >>> bool(np.isclose(Y[0, 0] ** 2, 0.01 * np.e / (1 + 0.01 * np.expm1(1.0)), rtol=1e-15))
    True
    """
    graded_stack(tau, mu, gap, L, pivot, layers, work)
    vec, M, Ms, V, _, T, _ = work
    n, k = L.shape
    C, dsc = vec[1], vec[4]
    for a in range(k):  # the lower triangle of N = Lbar^T Lbar + Sigma^{-2}
        for b in range(a + 1):
            g = M[n + a, a] * M[n + a, a] if a == b else 0.0 * M[0, 0]
            for i in range(n):
                g += M[i, a] * M[i, b]
            T[a, b] = g
    for a in range(k):
        if T[a, a] * EPS < TINY:  # squares near the underflow have lost digits (never without an underflow: TINY = 0)
            return False
        dsc[a] = 1.0 / sqrt(T[a, a])
    for j in range(k):  # Cholesky, lower, in place, of D^{-1} N D^{-1}; Ms[j, j] = 1/T[j, j] (= R^{-1}[j, j])
        s = 1.0 + 0.0 * T[j, j]
        for q in range(j):
            s -= T[j, q] * T[j, q]
        if not s > 0:
            return False
        T[j, j] = sqrt(s)
        Ms[j, j] = 1.0 / T[j, j]
        for i in range(j + 1, k):
            g = T[i, j] * dsc[i] * dsc[j]
            for q in range(j):
                g -= T[i, q] * T[j, q]
            T[i, j] = g * Ms[j, j]
    frob = 0.0 * T[0, 0]
    for j in range(k):  # R^{-1} (upper) into Ms[:k]: R^{-1}[q, j] is the inverse of the lower factor at [j, q]
        frob += Ms[j, j] * Ms[j, j]
        for i in range(j + 1, k):
            g = 0.0 * T[0, 0]
            for q in range(j, i):
                g += T[i, q] * Ms[j, q]
            Ms[j, i] = -g * Ms[i, i]
            frob += Ms[j, i] * Ms[j, i]
    if not frob <= chol_max * chol_max:
        return False
    for i in range(n):  # Y = (C Lbar D^{-1}) R^{-1}, the first factor in place of Lbar
        for q in range(k):
            M[i, q] = C[i] * M[i, q] * dsc[q]
        for j in range(k):
            g = 0.0 * M[0, 0]
            for q in range(j + 1):
                g += M[i, q] * Ms[q, j]
            Y[i, j] = g
    if layers:
        for i in range(k):
            for j in range(k):
                V[i, j] = T[j, i] / dsc[j] if j >= i else 0.0 * T[0, 0]
        hidden_polar(V[:, :k], vec[6], pivot, max_gap, tol, vec[2], Wpol)
    return True


def point(tau, mu, gap, L, pivot, layers, max_gap, tol, Y, Wpol, work):
    """The factor ``Y`` (``n x k``) with ``E^T P E = Y Y^T`` at one ``tau > 0``, sorted eigen-coordinates.

    The stack ``[Lbar; Sigma^{-1}]`` of :func:`graded_stack`, its rows sorted by
    decreasing size, a Householder QR ``= [Q1; Q2] T`` (accurate row by row)
    and ``Y = C Q1``.  Arguments as :func:`graded_stack`; with ``layers``,
    ``Wpol`` receives ``polar(T Sigma)`` (``k x k``), so that the
    representative is ``Y Wpol O^T``.

    >>> import numpy as np
    >>> Y, Wpol = np.zeros((1, 1)), np.zeros((1, 1))
    >>> point(1.0, np.array([0.5]), np.array([0.0]), np.array([[0.1]]), np.array([0]), True, 40.0, 1e-16, Y, Wpol,
    ...       workspace(1, 1))
    >>> P = Y[0, 0] ** 2
    >>> bool(np.isclose(P, 0.01 * np.e / (1 + 0.01 * np.expm1(1.0)), rtol=1e-15)), float(abs(Wpol[0, 0]))
    (True, 1.0)
    """
    graded_stack(tau, mu, gap, L, pivot, layers, work)
    vec, M, Ms, V, Q, T, order = work
    n, k = L.shape
    m = n + k
    C, step, size, scale, ratio = vec[1], vec[2], vec[3], vec[4], vec[5]
    for r in range(m):
        size[r] = 0.0 * C[0]
        for j in range(k):
            size[r] += M[r, j] * M[r, j]
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
        for i in range(k):
            for j in range(k):
                T[i, j] = Ms[i, j] if j >= i else 0.0 * Ms[i, j]
        hidden_polar(T, vec[6], pivot, max_gap, tol, step, Wpol)


def at_start(tau, mu):
    """Whether ``tau`` is the start: 0, or (float64) subnormal with ``tau max|mu| < EPS``, where ``e^{F tau} = I``.

    ``mu`` (n,) decreasing.  ``log tau`` and ``1/tau`` would leave the float range at a subnormal ``tau``.

    >>> [bool(at_start(tau, np.array([1.0, -2.0]))) for tau in (0.0, 1e-310, 1e-3)]
    [True, True, False]
    """
    return tau == 0 or (tau < TINY and tau * max(abs(mu[0]), abs(mu[mu.shape[0] - 1])) < EPS)


def solve(tau, mu, gap, Z, E, scales, d, layers, max_gap, tol, chol_max, beta, W1TW1, W2W2T, W1, W2):
    """Fill the outputs for every initialisation ``b`` and time ``tau[t]``.

    ``mu`` (B, n) decreasing with its gaps ``gap`` (B, n), ``Z`` (B, n, h) and ``E``
    (B, n, n) (eigenvectors of ``F`` as columns, original coordinates) in the same
    order (:func:`symrich.wide_linear.frame.prepare`);
    ``scales = (k, sqrt(eta_w), sqrt(eta_a), eta_w, eta_a)``.  Outputs
    ``beta`` (B, T, c, d), ``W1TW1`` (B, T, d, d), ``W2W2T`` (B, T, c, c) and,
    with ``layers``, ``W1`` (B, T, h, d), ``W2`` (B, T, c, h).  Work arrays are
    allocated once, and the staircase of each ``Z`` once for all times; the
    factors ``Y`` of ``TIME_BLOCK`` times are rotated back to the original
    coordinates by one matrix product (one BLAS call when compiled).  Returns
    whether every value written is finite (in float64 an overflow gives ``inf`` or NaN).

    >>> import numpy as np
    >>> out = [np.zeros((1, 1, 1, 1)) for _ in range(5)]
    >>> E, Z = np.eye(2), np.array([[0.6], [0.0]])   # one unit: W1 = W2 = 0.6 (unit rates), S = 0 ...
    >>> solve(np.array([0.0]), np.array([[0.0, 0.0]]), np.zeros((1, 2)), Z[None], E[None], (1.0, 1.0, 1.0, 1.0, 1.0), 1,
    ...       True, 40.0, 1e-16, CHOLESKY_MAX, *out)
    True
    >>> [round(float(o[0, 0, 0, 0]), 12) + 0.0 for o in out]   # ... at t = 0: beta = 0 (the readout block is 0)
    [0.0, 0.36, 0.0, 0.6, 0.0]
    """
    B, n, h = Z.shape
    c = n - d
    kk = min(h, n)
    k_, sw, sa, ew, ea = scales
    tb = min(TIME_BLOCK, max(tau.shape[0], 1))  # times per block
    O = np.zeros((h, kk), DTYPE)
    R = np.zeros((kk, n), DTYPE)
    L = np.zeros((n, kk), DTYPE)
    Y = np.zeros((n, kk), DTYPE)
    Ys = np.zeros((n, tb * kk), DTYPE)
    XW = np.zeros((n, kk), DTYPE)
    G = np.zeros((n * n, tb), DTYPE)
    Wpol = np.zeros((kk, kk), DTYPE)
    Wpols = np.zeros((tb, kk, kk), DTYPE)
    pivot = np.zeros(kk, np.int64)
    work = workspace(n, kk)
    check = 0.0 * k_
    for b in range(B):
        householder_qr(Z[b].T.copy(), O, R)
        for j in range(kk):
            pivot[j] = -1  # a zero column (a direction of the hidden units that Q0 does not use) stays -1
            for i in range(n - 1, -1, -1):
                L[i, j] = R[j, i]
                if i >= j and L[i, j] != 0:
                    pivot[j] = i
        for t0 in range(0, tau.shape[0], tb):
            nt = min(tb, tau.shape[0] - t0)
            for s in range(nt):  # the factors Y of a block of times, side by side in Ys
                t = t0 + s
                if at_start(tau[t], mu[b]):  # the initial state (evaluate then writes the start's own products)
                    for i in range(n):
                        for j in range(kk):
                            Y[i, j] = L[i, j]
                    for i in range(kk):
                        for j in range(kk):
                            Wpol[i, j] = 1.0 if i == j else 0.0
                elif not (chol_max > 0 and point_cholesky(tau[t], mu[b], gap[b], L, pivot, layers, max_gap, tol,
                                                           chol_max, Y, Wpol, work)):
                    point(tau[t], mu[b], gap[b], L, pivot, layers, max_gap, tol, Y, Wpol, work)
                for i in range(n):
                    for j in range(kk):
                        Ys[i, j * tb + s] = Y[i, j]
                if layers:
                    for i in range(kk):
                        for j in range(kk):
                            Wpols[s, i, j] = Wpol[i, j]
            X = np.dot(E[b], Ys)  # X = E Y for the whole block: one matrix product; X[i, q tb + s] at time s
            for i in range(n):  # the lower triangle of X X^T for all times of the block, times innermost
                for j in range(i + 1):
                    g = G[i * n + j]
                    for s in range(nt):
                        g[s] = 0.0 * X[0, 0]
                    for q in range(kk):
                        xi = X[i, q * tb:q * tb + nt]
                        xj = X[j, q * tb:q * tb + nt]
                        for s in range(nt):
                            g[s] += xi[s] * xj[s]
            for s in range(nt):  # into the blocks; check is 0 while every value written is finite (v - v = 0)
                t = t0 + s
                for i in range(d):
                    for j in range(i + 1):
                        v = ew * G[i * n + j, s]
                        W1TW1[b, t, i, j] = v
                        W1TW1[b, t, j, i] = v
                        check += v - v
                for i in range(c):
                    for j in range(d):
                        v = k_ * G[(d + i) * n + j, s]
                        beta[b, t, i, j] = v
                        check += v - v
                    for j in range(i + 1):
                        v = ea * G[(d + i) * n + d + j, s]
                        W2W2T[b, t, i, j] = v
                        W2W2T[b, t, j, i] = v
                        check += v - v
                if layers:
                    for i in range(n):  # the representative X Wpol O^T
                        for j in range(kk):
                            XW[i, j] = 0.0 * X[0, 0]
                            for q in range(kk):
                                XW[i, j] += X[i, q * tb + s] * Wpols[s, q, j]
                        for j in range(h):
                            r = 0.0 * X[0, 0]
                            for q in range(kk):
                                r += XW[i, q] * O[j, q]
                            v = sw * r if i < d else sa * r
                            if i < d:
                                W1[b, t, j, i] = v
                            else:
                                W2[b, t, i - d, j] = v
                            check += v - v
    return bool(check == 0)


#: Status codes of :func:`evaluate`.
OK, NOT_BALANCED, NOT_FINITE, BAD_TIME = 0, 1, 2, 3


def evaluate(t, W1, W2, US, s, V, eta_a, eta_w, rtol, layers, max_gap, tol, chol_max, lam, err, size,
             beta, W1TW1, W2W2T, W1t, W2t):
    """The closed form in one call: the balance check, the eigen-frame and :func:`solve`; returns a status code.

    ``t`` (T,) the times; ``W1`` (B, h, d) and ``W2`` (B, c, h) the initial layers
    (rates ``eta_w``, ``eta_a``); ``S = US diag(s) V^T`` (full SVD, ``V`` d x d);
    ``rtol`` the balance tolerance (:func:`symrich.wide_linear.closed_form.balance`);
    ``lam``, ``err``, ``size`` (B,) receive the output of
    :func:`symrich.wide_linear.frame.balance_residual`; the outputs and the other
    arguments are those of :func:`solve`.  The status is :data:`OK` (0), :data:`BAD_TIME`
    (a time that is not finite and ``>= 0``), :data:`NOT_BALANCED` (some initialisation
    has ``||Delta - lambda I||_F > rtol (eta_w ||W2||^2 + eta_a ||W1||^2)``, or one of them is not
    finite, or it underflowed for nonzero layers; nothing is solved) or :data:`NOT_FINITE`
    (an output overflowed).  The caller turns a status into a message.

    >>> import numpy as np
    >>> lam, err, size = np.zeros(1), np.zeros(1), np.zeros(1)
    >>> out = [np.zeros((1, 1, 1, 1)) for _ in range(5)]
    >>> evaluate(np.array([0.0]), np.array([[[0.6]]]), np.array([[[0.6]]]), np.eye(1), np.zeros(1), np.eye(1), 1.0, 1.0,
    ...          1e-10, True, 40.0, 1e-16, CHOLESKY_MAX, lam, err, size, *out)
    0
    >>> [round(float(o[0, 0, 0, 0]), 12) for o in out]   # beta = W2 W1 = 0.36 at t = 0
    [0.36, 0.36, 0.36, 0.6, 0.6]
    """
    B, h, d = W1.shape
    c = W2.shape[1]
    k2 = eta_a * eta_w
    tau = np.zeros(t.shape[0], DTYPE)
    for i in range(t.shape[0]):
        if not (t[i] >= 0 and t[i] - t[i] == 0):
            return BAD_TIME
        tau[i] = k2 * t[i]
    if not balanced(W1, W2, eta_a, eta_w, rtol, lam, err, size):
        return NOT_BALANCED
    k, sw, sa = sqrt(k2), sqrt(eta_w), sqrt(eta_a)
    Q0 = np.zeros((B, d + c, h), DTYPE)  # the stacked, rate-scaled layers [W1^T/sqrt(eta_w); W2/sqrt(eta_a)]
    lam_scaled = np.zeros(B, DTYPE)
    for b in range(B):
        lam_scaled[b] = lam[b] / k2
        for p in range(h):
            for i in range(d):
                Q0[b, i, p] = W1[b, p, i] / sw
            for i in range(c):
                Q0[b, d + i, p] = W2[b, i, p] / sa
    mu, gap, E, Z = prepare(US, s, V, lam_scaled, k, Q0)
    finite = solve(tau, mu, gap, Z, E, (k, sw, sa, eta_w, eta_a), d, layers, max_gap, tol, chol_max,
                   beta, W1TW1, W2W2T, W1t, W2t)
    for i in range(t.shape[0]):  # at the start: the layers' own products (the eigenbasis of F mixes the blocks)
        for b in range(B):
            if at_start(tau[i], mu[b]):
                lb, li = (b, i) if layers else (0, 0)  # without layers, W1t and W2t are (1, 1, 1, 1) placeholders
                initial_state(W1[b], W2[b], layers, beta[b, i], W1TW1[b, i], W2W2T[b, i], W1t[lb, li], W2t[lb, li])
    return OK if finite else NOT_FINITE


#: The kernel's functions, in the order they are compiled (callees first).
KERNEL_FUNCTIONS = ("balance_residual", "balanced", "frame", "sorted_frame", "prepare", "product", "initial_state", "reflect",
                    "householder_in_place", "householder_q", "householder_qr", "polar_rows_graded", "polar_of_graded",
                    "workspace", "graded_stack", "hidden_polar", "point_cholesky", "point", "at_start", "solve",
                    "evaluate")


@dataclasses.dataclass(frozen=True)
class RiccatiKernel:
    """The functions of this module in one arithmetic (:func:`kernel`).

    Attributes
    ----------
    balance_residual, balanced, frame, sorted_frame, prepare, product, initial_state : callable
        As the functions of the same names of :mod:`symrich.wide_linear.frame`.
    reflect, householder_in_place, householder_q, householder_qr : callable
        As the functions of the same names of :mod:`symrich.wide_linear.graded`.
    polar_rows_graded, polar_of_graded, hidden_polar : callable
        As the functions of the same names of :mod:`symrich.wide_linear.graded`.
    workspace, graded_stack, point_cholesky, point, at_start, solve, evaluate : callable
        As the module functions of the same names.
    max_gap : float
        Largest log-gap kept between consecutive column scales (``40`` in
        float64, unbounded in mpmath, which has no exponent range limit).
    chol_max : float
        Largest ``||R^{-1}||_F`` of the Cholesky path (:data:`CHOLESKY_MAX` in float64;
        0 in mpmath, which always takes the Householder path).

    Examples
    --------
    >>> kernel("numpy").max_gap
    40.0
    """

    balance_residual: object
    balanced: object
    frame: object
    sorted_frame: object
    prepare: object
    product: object
    initial_state: object
    reflect: object
    householder_in_place: object
    householder_q: object
    householder_qr: object
    polar_rows_graded: object
    polar_of_graded: object
    workspace: object
    graded_stack: object
    hidden_polar: object
    point_cholesky: object
    point: object
    at_start: object
    solve: object
    evaluate: object
    max_gap: float
    chol_max: float


#: The functions run once per (initialisation, time) point: numba inlines them into their callers.
INLINED = ("graded_stack", "point_cholesky")


def _rebind(env, jit, jit_inline=None):
    for name in KERNEL_FUNCTIONS:
        fn = globals()[name]
        wrap = jit_inline if jit_inline is not None and name in INLINED else jit
        env[name] = wrap(types.FunctionType(fn.__code__, env, name, fn.__defaults__, fn.__closure__))
    return {name: env[name] for name in KERNEL_FUNCTIONS}


@functools.lru_cache(maxsize=None)
def kernel(backend):
    """The kernel for ``"numpy"`` (compiled by numba, float64) or ``"mpmath"`` (Python on object arrays of mpf).

    Both are this module's code objects, with their globals rebound: to the
    compiled callees for numba, and to :mod:`mpmath`'s ``exp``, ``expm1``,
    ``log``, ``sqrt``, ``atan2``, ``cos``, ``sin``, ``hypot`` and
    ``DTYPE = object`` for mpmath (which then runs at the caller's
    ``mpmath.mp`` precision).

    >>> import mpmath, numpy as np
    >>> kern = kernel("mpmath")
    >>> with mpmath.workdps(30):   # C = e^{mu tau}/sqrt(phi) at mu = 1/2, tau = 1: 1/sqrt(1 - e^{-1})
    ...     work = kern.workspace(1, 1)
    ...     kern.graded_stack(mpmath.mpf(1), [mpmath.mpf("0.5")], [0], np.array([[mpmath.mpf(1)]]), np.array([0]), False,
    ...                       work)
    ...     print(mpmath.nstr(work[0][1, 0], 25), mpmath.nstr(1 / mpmath.sqrt(1 - mpmath.exp(-1)), 25))
    1.257766554997121246154058 1.257766554997121246154058
    """
    if backend == "numpy":
        import numba

        funcs = _rebind(dict(globals()), numba.njit(cache=True, error_model="numpy"),
                        numba.njit(cache=True, error_model="numpy", inline="always"))  # about 10% per point
        return RiccatiKernel(**funcs, max_gap=_MAX_LOG_GAP, chol_max=CHOLESKY_MAX)
    if backend == "mpmath":
        import mpmath

        env = dict(globals(), exp=mpmath.exp, expm1=mpmath.expm1, log=mpmath.log, sqrt=mpmath.sqrt, atan2=mpmath.atan2,
                   cos=mpmath.cos, sin=mpmath.sin, hypot=mpmath.hypot, DTYPE=object, TINY=0, EPS=0)
        return RiccatiKernel(**_rebind(env, lambda f: f), max_gap=math.inf, chol_max=0.0)
    raise ValueError(f"backend must be 'numpy' or 'mpmath', got {backend!r}")
