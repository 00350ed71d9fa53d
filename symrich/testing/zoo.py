r"""The built-in models and their regime-constrained initialisations.

* :func:`single_neuron` -- :math:`f(x) = a\, w^\top x` (the paper, Section 3);
* :func:`wide_linear` -- :math:`f(x) = A^\top W x` and :func:`deep_linear` --
  :math:`f(x) = W_L \cdots W_1 x` (Section 4);
* :func:`two_layer_piecewise` -- a two-layer piecewise-linear network with a
  fixed activation pattern (Section 5).

Each model's ``init`` builds parameters whose conserved quantity equals the
requested :math:`\delta` exactly (at 50 digits).

>>> single_neuron(1).rate_names
('a', 'w')
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import mpmath
import numpy as np

from symrich.testing.model import Model
from symrich.testing.values import from_mp_matrix, mp_array, positive_int, to_mp_matrix

__all__ = ["deep_linear", "single_neuron", "two_layer_piecewise", "wide_linear"]


def _neuron(rng: np.random.Generator, d: int, delta: float, eta_a: float, eta_w: float):
    """``(a, w)`` with ``eta_w a^2 - eta_a |w|^2 = delta`` exactly (at the working precision)."""
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


def _sym_sqrt(S: np.ndarray) -> np.ndarray:
    """PSD square root of a symmetric matrix (object arrays of mpf), negative round-off clipped."""
    E, Q = mpmath.eigsy(to_mp_matrix(S))
    Qa = from_mp_matrix(Q)
    roots = [mpmath.sqrt(max(E[i], 0)) for i in range(len(E))]
    return (Qa * np.array(roots, dtype=object)) @ Qa.T


def _orthonormal_columns(rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    Q, _ = mpmath.qr(to_mp_matrix(mp_array(rng.standard_normal((rows, cols)))), mode="skinny")
    return from_mp_matrix(Q)


def _layers(rng: np.random.Generator, widths: tuple, delta: float | None, etas: list) -> list:
    r"""Weights ``W_l`` (``h_l x h_{l-1}``) with ``eta_l W_{l+1}^T W_{l+1} - eta_{l+1} W_l W_l^T = delta I``.

    Bottom-up (``W_{l+1} = O S^{1/2}``) needs ``h_1 <= ... <= h_L`` (used for
    ``delta >= 0``); top-down (``W_l = T^{1/2} O``) needs ``h_{L-1} <= ... <= h_0``
    (used for ``delta <= 0``).
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
            W.append(_orthonormal_columns(rng, widths[l + 1], h) @ _sym_sqrt(S))
        return W
    if delta <= 0 and hidden_down:
        W = [mp_array(rng.standard_normal((widths[L], widths[L - 1])) / math.sqrt(widths[L - 1]))]
        for l in range(L - 1, 0, -1):   # build W_l from W_{l+1} = W[0]
            h = widths[l]
            T = (eta[l - 1] * (W[0].T @ W[0]) - delta * np.eye(h, dtype=object)) / eta[l]
            W.insert(0, _sym_sqrt(T) @ _orthonormal_columns(rng, widths[l - 1], h).T)
        return W
    need = "hidden/output widths h_1 <= ... <= h_L" if delta > 0 else "widths h_{L-1} <= ... <= h_1 <= h_0"
    raise ValueError(f"cannot build an initialisation with all conserved matrices equal to delta*I for "
                     f"delta = {mpmath.nstr(delta, 6)} and widths {widths}: this needs {need}")


@functools.lru_cache(maxsize=None)
def single_neuron(d: int) -> Model:
    r"""The single neuron :math:`f(x) = a\, w^\top x`: parameters ``a`` (scalar) and ``w`` (``d``).

    Regime: :math:`\delta = \eta_w a^2 - \eta_a \|w\|^2` (the conserved
    quantity).  For :math:`\delta \ge 0`, ``w`` is drawn N(0, I/d) and
    ``|a|`` solved for; for :math:`\delta < 0`, ``a`` is drawn N(0, 1) and
    ``w`` is a uniformly random direction scaled to the norm :math:`\delta`
    requires; the sign of ``a`` is a fair coin.

    Parameters
    ----------
    d : int
        Input dimension.

    Returns
    -------
    Model

    Examples
    --------
    >>> model = single_neuron(2)
    >>> model.output()
    [a*(w_1*x_1 + w_2*x_2)]
    """
    d = positive_int(d, "d")

    def init(rng, delta, rates):
        if delta is None:
            return {"a": 0.7 * rng.standard_normal(), "w": 0.7 * rng.standard_normal(d)}
        a, w = _neuron(rng, d, delta, rates["a"], rates["w"])
        return {"a": a, "w": w}

    return Model(params={"a": (), "w": (d,)}, d=d, c=1, name=f"single neuron (d={d})",
                 f=lambda p, x: p["a"] * (p["w"].T * x)[0, 0], init=init)


@functools.lru_cache(maxsize=None)
def wide_linear(d: int, h: int, c: int = 1) -> Model:
    r"""The wide two-layer linear network :math:`f(x) = A^\top W x`: ``W`` (``h x d``), ``A`` (``h x c``).

    Regime: :math:`\Delta = \eta_w A A^\top - \eta_a W W^\top = \delta I_h`
    (the paper, Section 4).  For :math:`\delta \ge 0` and ``h <= c``: ``W``
    Gaussian, :math:`A^\top = O ((\eta_a W W^\top + \delta I)/\eta_w)^{1/2}`
    with ``O`` random with orthonormal columns; for :math:`\delta \le 0` and
    ``h <= d``: ``A`` Gaussian and ``W`` alike.  Other combinations raise
    ``ValueError`` when drawn (use ``regime=None`` for a general Gaussian
    initialisation).

    Parameters
    ----------
    d, h, c : int
        Input, hidden and output widths.

    Returns
    -------
    Model
        Parameters ``W`` and ``A``; rates ``(eta_W, eta_A)`` in that order.

    Examples
    --------
    >>> wide_linear(2, 1, 1).output()
    [A_1_1*(W_1_1*x_1 + W_1_2*x_2)]
    """
    d, h, c = positive_int(d, "d"), positive_int(h, "h"), positive_int(c, "c")

    def init(rng, delta, rates):
        W1, W2 = _layers(rng, (d, h, c), delta, [rates["W"], rates["A"]])
        return {"W": W1, "A": W2.T}

    return Model(params={"W": (h, d), "A": (h, c)}, d=d, c=c, name=f"wide linear (d={d}, h={h}, c={c})",
                 f=lambda p, x: p["A"].T * (p["W"] * x), init=init)


def deep_linear(widths: Sequence) -> Model:
    r"""The deep linear network :math:`f(x) = W_L \cdots W_1 x` with ``widths = (h_0 = d, ..., h_L = c)``.

    Regime: every conserved matrix
    :math:`Q_l = \eta_l W_{l+1}^\top W_{l+1} - \eta_{l+1} W_l W_l^\top`
    equals :math:`\delta I_{h_l}`; built bottom-up for :math:`\delta \ge 0`
    (needs ``h_1 <= ... <= h_L``) or top-down for :math:`\delta \le 0`
    (needs ``h_{L-1} <= ... <= h_0``), with random orthonormal factors.

    Parameters
    ----------
    widths : tuple of int
        At least two entries.

    Returns
    -------
    Model
        Parameters ``W1, ..., WL``; rates in that order.

    Examples
    --------
    >>> deep_linear((2, 3, 1)).shapes
    {'W1': (3, 2), 'W2': (1, 3)}
    """
    try:
        widths = tuple(positive_int(w, f"widths[{i}]") for i, w in enumerate(widths))
    except TypeError:
        raise ValueError(f"widths must be a sequence of positive integers, got {widths!r}") from None
    if len(widths) < 2:
        raise ValueError(f"widths must have at least 2 entries (d, ..., c), got {widths!r}")
    return _deep_linear(widths)


@functools.lru_cache(maxsize=None)
def _deep_linear(widths: tuple) -> Model:
    L = len(widths) - 1
    names = [f"W{l + 1}" for l in range(L)]

    def f(p, x):
        out = x
        for name in names:
            out = p[name] * out
        return out

    def init(rng, delta, rates):
        return dict(zip(names, _layers(rng, widths, delta, [rates[n] for n in names])))

    return Model(params={n: (widths[l + 1], widths[l]) for l, n in enumerate(names)}, d=widths[0], c=widths[-1],
                 name=f"deep linear {widths}", f=f, init=init)


def two_layer_piecewise(d: int, k: int, activation_pattern: Any) -> Model:
    r"""Two-layer piecewise-linear network with a **fixed** activation pattern.

    :math:`f(x_i) = \sum_k a_k\, c_{ki}\, w_k^\top x_i`, where
    ``activation_pattern[k, i]`` :math:`= c_{ki} = \sigma'(w_k^\top x_i)` is
    held fixed (1/0 for ReLU, 1/alpha for leaky ReLU).  This is the ReLU
    network's flow exactly as long as no pre-activation changes sign, i.e.
    between kinks (the paper, Section 5); over a whole trajectory it is a gated
    linear network.  Parameters ``a`` (``k``) and ``W`` (``k x d``, rows
    :math:`w_k`); the number of samples is fixed to ``n`` by the pattern.

    Regime: every neuron has :math:`\delta_k = \eta_w a_k^2 - \eta_a \|w_k\|^2 = \delta`,
    each drawn as in :func:`single_neuron`.

    Parameters
    ----------
    d, k : int
        Input dimension and number of hidden neurons.
    activation_pattern : array_like, shape (k, n)
        Slopes :math:`c_{ki}` (converted to exact rationals).

    Returns
    -------
    Model

    Examples
    --------
    >>> model = two_layer_piecewise(2, 2, [[1, 0, 1], [0.5, 1, 1]])
    >>> model.n_samples, model.rate_names
    (3, ('a', 'W'))
    """
    d, k = positive_int(d, "d"), positive_int(k, "k")
    pattern = np.asarray(activation_pattern, dtype=object)
    if pattern.ndim != 2 or pattern.shape[0] != k or pattern.shape[1] < 1:
        raise ValueError(f"activation_pattern must have shape (k, n) = ({k}, n), got shape {pattern.shape}")

    def f(p, x, g):
        return sum((p["a"][j] * g[j] * (p["W"][j, :] * x)[0, 0] for j in range(k)), 0)

    def init(rng, delta, rates):
        if delta is None:
            return {"a": 0.7 * rng.standard_normal(k), "W": 0.7 * rng.standard_normal((k, d)) / math.sqrt(d)}
        pairs = [_neuron(rng, d, delta, rates["a"], rates["W"]) for _ in range(k)]
        return {"a": np.array([a for a, _ in pairs], dtype=object), "W": np.array([w for _, w in pairs])}

    return Model(params={"a": (k,), "W": (k, d)}, d=d, c=1, f=f, pattern=pattern.T, init=init,
                 name=f"two-layer piecewise-linear (d={d}, k={k}, fixed pattern)")
