"""Array namespaces for the wide-network closed form: NumPy (float64) and mpmath (object arrays).

The frames of the closed form (:mod:`symrich.wide_linear.closed_form`) and the
initialisations (:mod:`symrich.wide_linear.init`) are written once against a
namespace ``xp`` that provides the elementwise functions ``sqrt``,
``arctan2``, ``cos``, ``sin``, the constant ``pi`` and the stacked
factorisations ``xp.linalg.qr`` (reduced), ``xp.linalg.svd`` and
``xp.linalg.eigh``.  :mod:`numpy` itself is such a namespace (float64);
:data:`MPMATH` is the same on NumPy object arrays of :class:`mpmath.mpf`, at the
caller's :mod:`mpmath` precision (``mpmath.mp.dps``, set locally with
:func:`mpmath.workdps`).  Everything else (indexing, ``@``, sorting, ``where``)
is plain NumPy, which works on object arrays.

>>> import mpmath
>>> with mpmath.workdps(30):
...     x = MPMATH.sqrt(as_mp([[0.0, 2.0]]))
>>> mpmath.nstr(x[0, 1], 25)
'1.414213562373095048801689'
"""

from __future__ import annotations

import mpmath
import numpy as np

from symrich.wide_linear.riccati import kernel

__all__ = ["MPMATH", "as_mp", "is_mp", "mp_rates", "namespace"]


def is_mp(*values):
    """True when one of ``values`` is an object array (of mpf) or an mpf: the exact path of the closed forms.

    Decided from the types alone (a ragged nested list is left to the input checks).

    >>> is_mp([[1.0]], np.array([mpmath.mpf(1)], dtype=object)), is_mp([[1.0]], 2.0)
    (True, False)
    """
    return any((isinstance(v, np.ndarray) and v.dtype == object) or isinstance(v, mpmath.mpf) for v in values)


def as_mp(x, name="x"):
    """An object array of :class:`mpmath.mpf` from numbers, strings or mpf (``ValueError`` if not finite real).

    Floats convert exactly; strings are read at the working precision.

    >>> as_mp(["0.5", 2]).tolist()
    [mpf('0.5'), mpf('2.0')]
    >>> as_mp([float("nan")], "W1_0")
    Traceback (most recent call last):
    ...
    ValueError: W1_0 contains NaN or infinite values
    """
    try:
        arr = np.array(x, dtype=object)
        with np.errstate(invalid="ignore"):
            out = np.frompyfunc(mpmath.mpf, 1, 1)(arr) if arr.size else arr
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of real numbers, got {type(x).__name__}") from exc
    out = np.asarray(out, dtype=object)
    if not all(mpmath.isfinite(v) for v in out.flat):
        raise ValueError(f"{name} contains NaN or infinite values")
    return out


def mp_rates(eta_a, eta_w):
    """The learning rates as two positive :class:`mpmath.mpf`, read at the working precision.

    Each may be a number, an mpf, a 0-d array or a string (read as an exact decimal, so
    ``"0.7"`` is 0.7 to every digit, not the float nearest 0.7); ``None``, booleans and arrays
    are a ``TypeError``, and values that are not positive and finite a ``ValueError``.

    >>> mp_rates(np.array(2.0, dtype=object), "0.5")
    (mpf('2.0'), mpf('0.5'))
    >>> mp_rates(1, "-0.5")
    Traceback (most recent call last):
    ...
    ValueError: eta_w must be a positive finite number, got '-0.5'
    """
    out = []
    for value, name in ((eta_a, "eta_a"), (eta_w, "eta_w")):
        if value is None or isinstance(value, (bool, np.bool_)) or getattr(value, "dtype", None) == np.bool_:
            raise TypeError(f"{name} must be a positive finite number, got {value!r}")
        try:
            x = as_mp(value, name)
        except ValueError as exc:
            raise ValueError(f"{name} must be a positive finite number, got {value!r}") from exc
        if x.ndim:
            raise TypeError(f"{name} must be a positive finite number, got an array of shape {x.shape}")
        if not x[()] > 0:
            raise ValueError(f"{name} must be a positive finite number, got {value!r}")
        out.append(x[()])
    return tuple(out)


def _stacked(fn, A, n_out):
    """Apply a one-matrix factorisation to every matrix of a stack (..., m, n) of mpf."""
    A = np.asarray(A, dtype=object)
    lead = A.shape[:-2]
    results = [fn(A[idx]) for idx in np.ndindex(*lead)] if lead else [fn(A)]
    outs = []
    for j in range(n_out):
        parts = [r[j] for r in results]
        stacked = np.empty((len(parts),) + parts[0].shape, dtype=object)
        for i, p in enumerate(parts):
            stacked[i] = p
        outs.append(stacked.reshape(lead + parts[0].shape))
    return tuple(outs)


def _to_array(M, rows, cols):
    out = np.empty((rows, cols), dtype=object)
    for i in range(rows):
        for j in range(cols):
            out[i, j] = M[i, j]
    return out


def _qr(A):
    m, n = A.shape
    Q, R = np.zeros((m, min(m, n)), dtype=object), np.zeros((min(m, n), n), dtype=object)
    kernel("mpmath").householder_qr(A, Q, R)
    return Q, R


def _svd(A):
    m, n = A.shape
    U, s, Vh = mpmath.svd_r(mpmath.matrix(A.tolist()), full_matrices=True)
    return _to_array(U, m, m), np.array([s[i] for i in range(min(m, n))], dtype=object), _to_array(Vh, n, n)


def _eigh(A):
    n = A.shape[0]
    E, Q = mpmath.eigsy(mpmath.matrix(A.tolist()))
    order = sorted(range(n), key=lambda i: E[i])
    w = np.array([E[i] for i in order], dtype=object)
    V = _to_array(Q, n, n)[:, order]
    return w, V


class _MpmathLinalg:
    """Stacked ``qr`` (reduced, any shape), ``svd`` (full matrices) and ``eigh`` (ascending) in mpmath."""

    @staticmethod
    def qr(A):
        return _stacked(_qr, A, 2)

    @staticmethod
    def svd(A):
        return _stacked(_svd, A, 3)

    @staticmethod
    def eigh(A):
        return _stacked(_eigh, A, 2)


class _MpmathNamespace:
    """The ``xp`` namespace of the closed form on object arrays of mpf (see the module docstring)."""

    linalg = _MpmathLinalg
    sqrt = np.frompyfunc(mpmath.sqrt, 1, 1)
    hypot = np.frompyfunc(mpmath.hypot, 2, 1)
    arctan2 = np.frompyfunc(mpmath.atan2, 2, 1)
    cos = np.frompyfunc(mpmath.cos, 1, 1)
    sin = np.frompyfunc(mpmath.sin, 1, 1)
    pi = mpmath.pi


#: The mpmath namespace (object arrays of mpf at the current ``mpmath.mp`` precision).
MPMATH = _MpmathNamespace()


def namespace(backend):
    """The namespace of a backend name: :mod:`numpy` for ``"numpy"``, :data:`MPMATH` for ``"mpmath"``.

    >>> namespace("numpy").__name__
    'numpy'
    >>> namespace("jax")
    Traceback (most recent call last):
    ...
    ValueError: backend must be 'numpy' or 'mpmath', got 'jax'
    """
    if isinstance(backend, str) and backend == "numpy":
        return np
    if isinstance(backend, str) and backend == "mpmath":
        return MPMATH
    raise ValueError(f"backend must be 'numpy' or 'mpmath', got {backend!r}")
