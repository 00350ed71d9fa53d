"""Input checks shared by the numeric layer: clear errors that name the argument.

Every public numeric function converts and checks its inputs here, so that bad
input fails with a ``ValueError`` naming the argument and what was expected,
instead of producing NaN or a traceback from deep inside NumPy.

>>> as_array([1.0, 2.0], "w0", ndim=(1, 2)).shape
(2,)
>>> positive(0.0, "eta_a")
Traceback (most recent call last):
...
ValueError: eta_a must be a positive finite number, got 0.0
"""

from __future__ import annotations

import numpy as np

__all__ = ["as_array", "positive", "finite_real", "check_whitened", "last_axis"]


def as_array(x, name, *, ndim=None, finite=True, dtype=np.float64):
    """``np.asarray(x, dtype)`` with checks on dimensions and finiteness.

    >>> as_array([[1.0, float("nan")]], "X")
    Traceback (most recent call last):
    ...
    ValueError: X contains NaN or infinite values
    """
    try:
        arr = np.asarray(x, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of real numbers, got {type(x).__name__}") from exc
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            raise ValueError(f"{name} must have {' or '.join(map(str, allowed))} dimension(s), got shape {arr.shape}")
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def positive(x, name):
    """A positive finite float (learning rates).

    >>> positive("2.5", "eta_w")
    2.5
    """
    try:
        v = float(x)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a positive finite number, got {x!r}") from exc
    if not np.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {x!r}")
    return v


def finite_real(x, name):
    """A finite float.

    >>> finite_real(float("inf"), "delta")
    Traceback (most recent call last):
    ...
    ValueError: delta must be a finite real number, got inf
    """
    try:
        v = float(x)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a finite real number, got {x!r}") from exc
    if not np.isfinite(v):
        raise ValueError(f"{name} must be a finite real number, got {x!r}")
    return v


def last_axis(arr, name, size, what="d"):
    """Check that the last axis of ``arr`` has length ``size``.

    >>> last_axis(np.zeros((2, 3)), "w0", 4)
    Traceback (most recent call last):
    ...
    ValueError: w0 must have last axis of length d = 4, got shape (2, 3)
    """
    if arr.ndim == 0 or arr.shape[-1] != size:
        raise ValueError(f"{name} must have last axis of length {what} = {size}, got shape {arr.shape}")
    return arr


def check_whitened(X, name="X", *, rtol=1e-10):
    """Raise unless ``X^T X = I`` (formulas that assume whitened input).

    >>> check_whitened(np.eye(2)).shape
    (2, 2)
    >>> check_whitened(2 * np.eye(2))
    Traceback (most recent call last):
    ...
    ValueError: X must be whitened (X^T X = I) for this formula; ...
    """
    X = as_array(X, name, ndim=2)
    gram = X.T @ X
    err = np.max(np.abs(gram - np.eye(gram.shape[0]))) if gram.size else 0.0
    if err > rtol * max(1.0, X.shape[0]):
        raise ValueError(
            f"{name} must be whitened (X^T X = I) for this formula; max |X^T X - I| = {err:.3g}. "
            "Use the general-X functions or whiten the data first."
        )
    return X
