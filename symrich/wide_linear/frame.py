r"""The balance of the layers and the eigen-frame of ``F``, in scalar loops: the set-up of the Riccati kernel.

Functions of :mod:`symrich.wide_linear.riccati`'s kernel, written in its "one source, two
arithmetics" style (scalar loops over module-global ``sqrt``, ``atan2``, ``cos``, ``sin``,
``hypot``, work arrays of type ``DTYPE``): :func:`symrich.wide_linear.riccati.kernel`
rebinds their globals to run them compiled by numba (float64) or on object arrays of mpmath
numbers.

* :func:`balance_residual`: ``lambda``, ``||Delta - lambda I||_F`` and the size of each initialisation;
  :func:`balanced`: whether they pass the check;
* :func:`frame`: eigenvalues and eigenvectors of ``F`` from the SVD of ``S``;
* :func:`sorted_frame`, :func:`prepare`: the frame in decreasing order and ``Z = E^T Q0``;
* :func:`initial_state`: the outputs at ``t = 0``, from the layers themselves (:func:`product`).

>>> import numpy as np
>>> mu, off, E = np.zeros((1, 2)), np.zeros((1, 2)), np.zeros((1, 2, 2))
>>> frame(np.eye(1), np.array([3.0]), np.eye(1), np.array([0.0]), 1.0, mu, off, E)
>>> mu.tolist()
[[3.0, -3.0]]
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["balance_residual", "balanced", "frame", "sorted_frame", "prepare", "product", "initial_state"]

sqrt = math.sqrt
atan2, cos, sin, hypot = math.atan2, math.cos, math.sin, math.hypot
DTYPE = np.float64


def balance_residual(W1, W2, eta_a, eta_w, lam, err, size):
    """``lambda``, ``||Delta - lambda I||_F`` and ``eta_w ||W2||_F^2 + eta_a ||W1||_F^2`` of each initialisation.

    ``Delta = eta_w W2^T W2 - eta_a W1 W1^T`` (``h x h``) and ``lambda = tr(Delta)/h``,
    for ``W1`` (B, h, d) and ``W2`` (B, c, h); into ``lam``, ``err``, ``size`` (B,).  The
    Frobenius norm is taken of ``Delta - lambda I`` divided by its largest entry (no
    overflow or underflow of the squares); overflow of ``Delta`` itself gives ``inf``.

    >>> import numpy as np
    >>> lam, err, size = np.zeros(1), np.zeros(1), np.zeros(1)
    >>> balance_residual(np.array([[[1.0, 0.0]]]), np.array([[[2.0]]]), 1.0, 1.0, lam, err, size)
    >>> lam.tolist(), err.tolist(), size.tolist()
    ([3.0], [0.0], [5.0])
    """
    B, h, d = W1.shape
    c = W2.shape[1]
    Delta = np.zeros((h, h), DTYPE)
    for b in range(B):
        trace = 0.0 * eta_a
        for p in range(h):
            for q in range(h):
                g = 0.0 * eta_a
                for i in range(c):
                    g += W2[b, i, p] * W2[b, i, q]
                f = 0.0 * eta_a
                for i in range(d):
                    f += W1[b, p, i] * W1[b, q, i]
                Delta[p, q] = eta_w * g - eta_a * f
            trace += Delta[p, p]
        lam[b] = trace / h
        peak = 0.0 * eta_a
        for p in range(h):
            Delta[p, p] = Delta[p, p] - lam[b]
            for q in range(h):
                peak = max(peak, abs(Delta[p, q]))
        total = 0.0 * eta_a
        if peak > 0:
            for p in range(h):
                for q in range(h):
                    total += (Delta[p, q] / peak) * (Delta[p, q] / peak)
        err[b] = peak * sqrt(total)
        g, f = 0.0 * eta_a, 0.0 * eta_a
        for i in range(c):
            for p in range(h):
                g += W2[b, i, p] * W2[b, i, p]
        for p in range(h):
            for i in range(d):
                f += W1[b, p, i] * W1[b, p, i]
        size[b] = eta_w * g + eta_a * f


def balanced(W1, W2, eta_a, eta_w, rtol, lam, err, size):
    """:func:`balance_residual` into ``lam``, ``err``, ``size``, then whether every initialisation is lambda-balanced.

    Balanced: ``||Delta - lambda I||_F <= rtol (eta_w ||W2||_F^2 + eta_a ||W1||_F^2)`` with all three
    finite, and a size that is positive unless the layers are zero (``lambda = 0``); nonzero layers
    whose size underflowed to 0 are not.  The caller explains a ``False``.

    >>> import numpy as np
    >>> lam, err, size = np.zeros(1), np.zeros(1), np.zeros(1)
    >>> balanced(np.array([[[1.0, 0.0]]]), np.array([[[2.0]]]), 1.0, 1.0, 1e-10, lam, err, size), lam.tolist()
    (True, [3.0])
    >>> balanced(np.array([[[1.0, 0.0], [0.0, 1.0]]]), np.array([[[2.0, 0.0]]]), 1.0, 1.0, 1e-10, lam, err, size)
    False
    """
    B, h, d = W1.shape
    c = W2.shape[1]
    balance_residual(W1, W2, eta_a, eta_w, lam, err, size)
    for b in range(B):
        if not (err[b] <= rtol * size[b] and lam[b] - lam[b] == 0 and size[b] - size[b] == 0):
            return False
        if not size[b] > 0:
            for p in range(h):
                for i in range(d):
                    if W1[b, p, i] != 0:
                        return False
                for i in range(c):
                    if W2[b, i, p] != 0:
                        return False
    return True


def frame(US, s, V, lam_scaled, k, mu, off, E):
    """Eigenvalues ``mu`` and orthonormal eigenvectors ``E`` (columns) of ``F`` for each ``lambda``, from the SVD of ``S``.

    ``F = [[-l/2 I_d, S^T/k], [S/k, l/2 I_c]]``, ``l = lam_scaled[b]``, with the full
    SVD ``S = US diag(s) V^T`` (``US`` c x c, ``V`` d x d).  On the pair
    ``(v_i, 0), (0, u_i)`` ``F`` acts as ``[[-a, b_i], [b_i, a]]`` (``a = l/2``,
    ``b_i = s_i/k``), with eigenvalues ``+-r_i = +-sqrt(a^2 + b_i^2)`` and
    eigenvectors ``(cos t_i, sin t_i)``, ``(-sin t_i, cos t_i)``,
    ``t_i = (pi - atan2(b_i, a))/2`` (continuous through ``a = 0`` and ``b_i = 0``;
    computed from ``atan2(b_i, |a|)/2``, which keeps its relative accuracy when
    ``|a| >> b_i``);
    the other input directions ``(v_j, 0)`` have ``-a``, the other output
    directions ``(0, u_j)`` have ``+a``.  Into ``mu`` (B, d + c):
    ``r_1..r_m, -r_1..-r_m``, then ``-a`` (``d - m`` times) and ``+a``
    (``c - m`` times); ``E`` (B, d + c, d + c) in the same order.

    Every eigenvalue is ``+-|a|`` plus an offset, into ``off`` (B, d + c):
    ``r_i = |a| + delta_i`` with ``delta_i = b_i^2/(r_i + |a|)`` (no cancellation),
    ``-r_i = -|a| - delta_i``, and 0 for ``+-a``.  When ``|a|`` is large the
    differences of eigenvalues that decide the dynamics, such as ``r_i - |a|``,
    are far below the rounding of ``mu``; they are taken from ``off``
    (:func:`sorted_frame`).

    >>> import numpy as np
    >>> mu, off, E = np.zeros((1, 4)), np.zeros((1, 4)), np.zeros((1, 4, 4))
    >>> frame(np.eye(1), np.array([2.0]), np.eye(3), np.array([0.6]), 1.0, mu, off, E)
    >>> F = np.block([[-0.3 * np.eye(3), np.array([[2.0], [0.0], [0.0]])], [np.array([[2.0, 0.0, 0.0]]), 0.3 * np.eye(1)]])
    >>> bool(np.allclose(F @ E[0], E[0] * mu[0])), bool(np.allclose(E[0].T @ E[0], np.eye(4)))
    (True, True)
    >>> frame(np.eye(1), np.array([2.0]), np.eye(1), np.array([2e10]), 1.0, mu[:, :2], off[:, :2], E[:, :2, :2])
    >>> off[0, :2].tolist()   # r - a = b^2/(r + a), below the rounding of r = 1e10 + 2e-10
    [2e-10, -2e-10]
    """
    d, c, m = V.shape[0], US.shape[0], s.shape[0]
    for b in range(lam_scaled.shape[0]):
        a = lam_scaled[b] / 2.0
        for p in range(d + c):
            off[b, p] = 0.0 * a
            for q in range(d + c):
                E[b, p, q] = 0.0 * a
        for i in range(m):
            bi = s[i] / k
            # theta = (pi - atan2(b, a))/2, from the half angle phi that is small when |a| >> b: no cancellation
            if a < 0:  # theta = phi = atan2(b, -a)/2
                phi = atan2(bi, -a) / 2.0
                cs, sn = cos(phi), sin(phi)
            else:  # theta = pi/2 - phi, phi = atan2(b, a)/2
                phi = atan2(bi, a) / 2.0
                cs, sn = sin(phi), cos(phi)
            r = hypot(a, bi)  # sqrt(a^2 + b^2) without overflow of the squares
            mu[b, i], mu[b, m + i] = r, -r
            delta = bi * (bi / (r + abs(a))) if r > 0 else 0.0 * a
            off[b, i], off[b, m + i] = delta, -delta
            for p in range(d):
                E[b, p, i] = cs * V[p, i]
                E[b, p, m + i] = -sn * V[p, i]
            for p in range(c):
                E[b, d + p, i] = sn * US[p, i]
                E[b, d + p, m + i] = cs * US[p, i]
        for j in range(m, d):
            mu[b, m + j] = -a
            for p in range(d):
                E[b, p, m + j] = V[p, j]
        for j in range(m, c):
            mu[b, d + j] = a
            for p in range(c):
                E[b, d + p, d + j] = US[p, j]


def sorted_frame(mu, off, E, Q0, mu_sorted, gap, E_sorted, Z):
    """The eigen-frame of :func:`frame` sorted by decreasing ``mu`` (stable), its gaps, and ``Z = E^T Q0`` in that order.

    ``mu``, ``off`` (B, n) from :func:`frame`, ``E`` (B, n, n), ``Q0`` (B, n, h) the
    stacked, rate-scaled layers; into ``mu_sorted``, ``gap`` (B, n), ``E_sorted`` and
    ``Z`` (B, n, h).  Each eigenvalue is ``base + off`` with ``base = +-|a|`` (the
    sign of ``mu``); the order compares ``(base, off)``, exact even where ``mu``
    rounds two eigenvalues to one, and ``gap[b, q] = mu_q - mu_{q-1}`` (``gap[b, 0] = 0``)
    is ``off_q - off_{q-1}`` when the bases agree.

    >>> import numpy as np
    >>> mu_s, gap, E_s, Z = np.zeros((1, 2)), np.zeros((1, 2)), np.zeros((1, 2, 2)), np.zeros((1, 2, 1))
    >>> sorted_frame(np.array([[-1.0, 2.0]]), np.zeros((1, 2)), np.eye(2)[None], np.array([[[3.0], [4.0]]]), mu_s, gap,
    ...              E_s, Z)
    >>> mu_s.tolist(), gap.tolist(), Z.tolist()
    ([[2.0, -1.0]], [[0.0, -3.0]], [[[4.0], [3.0]]])
    """
    B, n, h = Q0.shape
    order = np.zeros(n, np.int64)
    for b in range(B):
        for r in range(n):
            order[r] = r
        for r in range(1, n):  # insertion sort by decreasing (sign of mu, off) (stable)
            col = order[r]
            q = r
            while q > 0 and ((mu[b, order[q - 1]] < 0) > (mu[b, col] < 0)
                             or ((mu[b, order[q - 1]] < 0) == (mu[b, col] < 0) and off[b, order[q - 1]] < off[b, col])):
                order[q] = order[q - 1]
                q -= 1
            order[q] = col
        for q in range(n):
            i = order[q]
            mu_sorted[b, q] = mu[b, i]
            if q == 0:
                gap[b, q] = 0.0 * mu[b, i]
            elif (mu[b, i] < 0) == (mu[b, order[q - 1]] < 0):
                gap[b, q] = off[b, i] - off[b, order[q - 1]]
            else:
                gap[b, q] = mu[b, i] - mu[b, order[q - 1]]
            for p in range(n):
                E_sorted[b, p, q] = E[b, p, i]
            for j in range(h):
                g = 0.0 * mu[b, 0]
                for p in range(n):
                    g += E[b, p, i] * Q0[b, p, j]
                Z[b, q, j] = g


def prepare(US, s, V, lam_scaled, k, Q0):
    """``(mu, gap, E, Z)``: the eigen-frame of :func:`frame` in decreasing order (:func:`sorted_frame`), ``Z = E^T Q0``.

    Arguments as :func:`frame`, and ``Q0`` (B, d + c, h) the stacked, rate-scaled layers.

    >>> import numpy as np
    >>> mu, gap, E, Z = prepare(np.eye(1), np.array([2.0]), np.eye(1), np.array([0.0]), 1.0, np.array([[[1.0], [0.0]]]))
    >>> mu.tolist(), gap.tolist(), bool(np.allclose(E[0] @ Z[0], [[1.0], [0.0]]))
    ([[2.0, -2.0]], [[0.0, -4.0]], True)
    """
    B, n, h = Q0.shape
    mu0, off, E0 = np.zeros((B, n), DTYPE), np.zeros((B, n), DTYPE), np.zeros((B, n, n), DTYPE)
    frame(US, s, V, lam_scaled, k, mu0, off, E0)
    mu, gap, E, Z = np.zeros((B, n), DTYPE), np.zeros((B, n), DTYPE), np.zeros((B, n, n), DTYPE), np.zeros((B, n, h), DTYPE)
    sorted_frame(mu0, off, E0, Q0, mu, gap, E, Z)
    return mu, gap, E, Z


def product(A, B, out):
    """``out = A B`` in scalar loops (``A`` may be a transposed view).

    >>> import numpy as np
    >>> out = np.zeros((1, 1))
    >>> product(np.array([[1.0, 2.0]]), np.array([[3.0], [4.0]]), out)
    >>> out.tolist()
    [[11.0]]
    """
    for p in range(A.shape[0]):
        for q in range(B.shape[1]):
            g = 0.0 * A[0, 0]
            for j in range(A.shape[1]):
                g += A[p, j] * B[j, q]
            out[p, q] = g


def initial_state(W1, W2, layers, beta, W1TW1, W2W2T, W1t, W2t):
    """The outputs of :func:`solve` at ``t = 0`` from the layers ``W1`` (h, d), ``W2`` (c, h) themselves.

    >>> import numpy as np
    >>> out = [np.zeros((1, 2)), np.zeros((2, 2)), np.zeros((1, 1)), np.zeros((1, 2)), np.zeros((1, 1))]
    >>> initial_state(np.array([[1.0, 2.0]]), np.array([[3.0]]), True, *out)
    >>> out[0].tolist(), out[1].tolist(), out[2].tolist()
    ([[3.0, 6.0]], [[1.0, 2.0], [2.0, 4.0]], [[9.0]])
    """
    product(W1.T, W1, W1TW1)
    product(W2, W1, beta)
    product(W2, W2.T, W2W2T)
    if layers:
        for j in range(W1.shape[0]):
            for q in range(W1.shape[1]):
                W1t[j, q] = W1[j, q]
            for p in range(W2.shape[0]):
                W2t[p, j] = W2[p, j]
