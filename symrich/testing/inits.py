r"""Initialisations with a prescribed conserved imbalance, for the built-in models.

* :func:`neuron` -- one neuron ``(a, w)`` with :math:`\eta_w a^2 - \eta_a\|w\|^2 = \delta`;
* :func:`crossing_neuron` -- the same for :math:`\delta < 0` with the readout about to change sign;
* :func:`layers` -- a chain of weight matrices whose conserved matrices all equal :math:`\delta I`.

All run at the caller's mpmath precision (the models call them at 50 digits).

>>> import numpy as np
>>> with mpmath.workdps(50):
...     a, w = neuron(np.random.default_rng(1), 2, 0.0, 1.0, 1.0)
>>> round(float(a**2 - w @ w), 12)
0.0
"""

from __future__ import annotations

import math
from collections.abc import Callable

import mpmath
import numpy as np

from symrich.testing.regimes import RegimeNotSupported
from symrich.testing.values import from_mp_matrix, mp_array, to_mp_matrix

__all__ = ["crossing_neuron", "layers", "neuron", "orthonormal_columns", "sym_sqrt"]


def neuron(rng: np.random.Generator, d: int, delta: float, eta_a: float, eta_w: float):
    r"""``(a, w)`` with :math:`\eta_w a^2 - \eta_a \|w\|^2 = \delta` exactly (at the working precision).

    For :math:`\delta \ge 0`, ``w`` is drawn N(0, I/d) and ``|a|`` solved
    for; for :math:`\delta < 0`, ``a`` is drawn N(0, 1) and ``w`` is a
    uniformly random direction scaled to the norm :math:`\delta` requires;
    the sign of ``a`` is a fair coin.

    Examples
    --------
    >>> import numpy as np
    >>> with mpmath.workdps(50):
    ...     a, w = neuron(np.random.default_rng(0), 3, -0.5, 2.0, 1.0)
    ...     round(float(1.0 * a**2 - 2.0 * (w @ w)), 12)
    -0.5
    """
    delta = mpmath.mpf(delta)
    ea, ew = mpmath.mpf(eta_a), mpmath.mpf(eta_w)
    sign = 1 if rng.random() < 0.5 else -1
    if delta >= 0:
        w = mp_array(rng.standard_normal(d) / math.sqrt(d))
        a = sign * mpmath.sqrt((delta + ea * (w @ w)) / ew)
    else:
        a = mpmath.mpf(rng.standard_normal())
        g = rng.standard_normal(d)
        u = mp_array(g) / mpmath.sqrt(mpmath.fsum(v * v for v in mp_array(g)))
        w = u * mpmath.sqrt((ew * a * a - delta) / ea)
    return a, w


def sym_sqrt(S: np.ndarray) -> np.ndarray:
    """PSD square root of a symmetric matrix (object arrays of mpf), negative round-off clipped.

    Examples
    --------
    >>> [[float(v) for v in row] for row in sym_sqrt(mp_array([[4, 0], [0, 9]]))]
    [[2.0, 0.0], [0.0, 3.0]]
    """
    E, Q = mpmath.eigsy(to_mp_matrix(S))
    Qa = from_mp_matrix(Q)
    roots = [mpmath.sqrt(max(E[i], 0)) for i in range(len(E))]
    return (Qa * np.array(roots, dtype=object)) @ Qa.T


def orthonormal_columns(rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    """A random ``rows x cols`` matrix with orthonormal columns (Q factor of a Gaussian matrix).

    Examples
    --------
    >>> import numpy as np
    >>> Q = orthonormal_columns(np.random.default_rng(0), 3, 2)
    >>> round(float(abs((Q.T @ Q)[0, 1])), 12)
    0.0
    """
    Q, _ = mpmath.qr(to_mp_matrix(mp_array(rng.standard_normal((rows, cols)))), mode="skinny")
    return from_mp_matrix(Q)


def layers(rng: np.random.Generator, widths: tuple, delta: float | None, etas: list) -> list:
    r"""Weights ``W_l`` (``h_l x h_{l-1}``) with ``eta_l W_{l+1}^T W_{l+1} - eta_{l+1} W_l W_l^T = delta I``.

    Bottom-up (``W_{l+1} = O S^{1/2}``) needs ``h_1 <= ... <= h_L`` (used for
    ``delta >= 0``); top-down (``W_l = T^{1/2} O``) needs ``h_{L-1} <= ... <= h_0``
    (used for ``delta <= 0``).  ``delta=None``: i.i.d. Gaussian layers.

    Examples
    --------
    >>> import numpy as np
    >>> with mpmath.workdps(50):
    ...     W1, W2 = layers(np.random.default_rng(0), (2, 2, 3), 0.5, [1.0, 1.0])
    ...     Q = 1.0 * (W2.T @ W2) - 1.0 * (W1 @ W1.T)
    >>> round(float(Q[0, 0]), 12), round(float(Q[0, 1]), 12)
    (0.5, 0.0)
    """
    L = len(widths) - 1
    if delta is None:
        return [mp_array(0.7 * rng.standard_normal((widths[l + 1], widths[l])) / math.sqrt(widths[l]))
                for l in range(L)]
    delta = mpmath.mpf(delta)
    hidden_up = all(widths[l] <= widths[l + 1] for l in range(1, L))
    hidden_down = all(widths[l] <= widths[l - 1] for l in range(1, L))
    eta = [mpmath.mpf(e) for e in etas]
    if delta >= 0 and hidden_up:
        W = [mp_array(rng.standard_normal((widths[1], widths[0])) / math.sqrt(widths[0]))]
        for l in range(1, L):           # W[l] is W_{l+1}; eta[l-1] = eta_l
            h = widths[l]
            S = (eta[l] * (W[-1] @ W[-1].T) + delta * np.eye(h, dtype=object)) / eta[l - 1]
            W.append(orthonormal_columns(rng, widths[l + 1], h) @ sym_sqrt(S))
        return W
    if delta <= 0 and hidden_down:
        W = [mp_array(rng.standard_normal((widths[L], widths[L - 1])) / math.sqrt(widths[L - 1]))]
        for l in range(L - 1, 0, -1):   # build W_l from W_{l+1} = W[0]
            h = widths[l]
            T = (eta[l - 1] * (W[0].T @ W[0]) - delta * np.eye(h, dtype=object)) / eta[l]
            W.insert(0, sym_sqrt(T) @ orthonormal_columns(rng, widths[l - 1], h).T)
        return W
    need = "hidden/output widths h_1 <= ... <= h_L" if delta > 0 else "widths h_{L-1} <= ... <= h_1 <= h_0"
    raise RegimeNotSupported(f"cannot build an initialisation with all conserved matrices equal to delta*I for "
                     f"delta = {mpmath.nstr(delta, 6)} and widths {widths}: this needs {need}")


def crossing_neuron(rng: np.random.Generator, X: np.ndarray, target: np.ndarray, delta: float, eta_a: float,
                    eta_w: float, sigma: Callable = lambda z: z, *, tau: float = 0.02):
    r"""``(a, w)`` with :math:`\eta_w a^2 - \eta_a \|w\|^2 = \delta < 0` and ``a`` about to change sign.

    For the readout of a neuron :math:`a\,\sigma(w^\top x)` fitting
    ``target`` (the residual the other neurons leave), the readout's velocity
    is :math:`\dot a = \eta_a(p - a q)` with :math:`p = \sum_i
    \sigma(w^\top x_i)\,\text{target}_i` and :math:`q = \sum_i
    \sigma(w^\top x_i)^2`: with ``w`` frozen, ``a`` relaxes to
    :math:`a^* = p/q`.  The direction of ``w`` is drawn uniformly (redrawn
    while :math:`|p|` is tiny), and ``a`` is placed at
    :math:`-\mathrm{sign}(p)\,|a^*| \min(e^{\tau \eta_a q} - 1, 1)`, on
    the other side of 0, so that it crosses 0 after a time of about
    :math:`\tau` (``w`` barely moves meanwhile, as ``a`` is small); ``|w|``
    is then solved for :math:`\delta`.

    Parameters
    ----------
    rng : numpy.random.Generator
    X : object array (n, d)
        Inputs.
    target : object array (n,)
    delta : float
        :math:`< 0` (only then can ``a`` pass through 0).
    eta_a, eta_w : float
    sigma : callable
        The activation, on ``mpf``.
    tau : float
        The time scale of the crossing.

    Returns
    -------
    tuple (mpf, object array (d,))

    Examples
    --------
    >>> import numpy as np
    >>> X = mp_array([[1, 0], [0, 1]]); y = mp_array([1, -1])
    >>> with mpmath.workdps(50):
    ...     a, w = crossing_neuron(np.random.default_rng(0), X, y, -1.0, 1.0, 1.0)
    ...     (a > 0) != (w @ X.T @ y > 0), round(float(a**2 - w @ w), 12)
    (True, -1.0)
    """
    delta, ea, ew = mpmath.mpf(delta), mpmath.mpf(eta_a), mpmath.mpf(eta_w)
    if delta >= 0:
        raise ValueError(f"the readout can change sign only for delta < 0, got delta = {delta}")
    for _ in range(100):
        g = mp_array(rng.standard_normal(X.shape[1]))
        u = g / mpmath.sqrt(g @ g)
        s = np.array([sigma(z) for z in X @ (u * mpmath.sqrt(-delta / ea))], dtype=object)
        p, q = s @ target, s @ s
        if q > 0 and abs(p) > mpmath.mpf("1e-3") * mpmath.sqrt(q * (target @ target)):
            break
    else:
        raise ValueError("cannot place a readout that changes sign: the neuron's output is orthogonal to the target "
                         "for every direction tried")
    a = -mpmath.sign(p) * abs(p / q) * min(mpmath.expm1(tau * ea * q), 1)
    return a, u * mpmath.sqrt((ew * a * a - delta) / ea)
