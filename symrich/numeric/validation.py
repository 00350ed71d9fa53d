"""Input checks shared by the numeric layer: clear errors that name the argument.

Every public numeric function converts and checks its inputs here, so that bad
input fails with an error naming the argument and what was expected, instead of
producing NaN or a traceback from deep inside NumPy:

* ``TypeError`` for input that is not made of real numbers at all: ``None``, strings
  and bytes (also inside lists), booleans, complex numbers, and objects NumPy cannot
  convert to floats;
* ``ValueError`` for numbers that are wrong: NaN or infinite values, wrong shapes,
  non-positive learning rates, integers too large for a float;
* ``ValueError`` for valid input whose result does not fit in float64
  (:func:`finite_result`): a value that overflows is reported, never returned as
  ``inf`` or NaN;
* ``ValueError`` for input outside the domain of a float64 backend
  (:func:`in_float64_domain`, :data:`FLOAT64_DOMAIN`): a nonzero magnitude below ``1e-150``
  or above ``1e150``, whose square leaves the normal float range.

Strings are never parsed as numbers (``"0.1"`` is a ``TypeError``, not ``0.1``);
options are strings (:func:`choice`), counts are integers (:func:`integer`).

>>> as_array([1.0, 2.0], "w0", ndim=(1, 2)).shape
(2,)
>>> positive(0.0, "eta_a")
Traceback (most recent call last):
...
ValueError: eta_a must be a positive finite number, got 0.0
>>> as_array(None, "w0")
Traceback (most recent call last):
...
TypeError: w0 must be a real number or an array of real numbers, got None
"""

from __future__ import annotations

import math
import numbers
import reprlib

import numpy as np

__all__ = ["as_array", "as_numeric", "positive", "finite_real", "check_whitened", "last_axis", "choice", "integer",
           "finite_result", "broadcast", "FLOAT64_DOMAIN", "in_float64_domain", "float64_array", "float64_rate"]

#: ``(low, high)``: the float64 backends are stated for inputs whose every nonzero entry has a magnitude in
#: ``[low, high]``; then squares and products of two inputs are normal floats (in ``[1e-300, 1e300]``), neither
#: subnormal (which loses digits silently) nor infinite.
FLOAT64_DOMAIN = (1e-150, 1e150)

_REAL_ARRAY = "a real number or an array of real numbers"
_NONE_FOUND = object()


def _not_a_number(v):
    """True for values that must not be read as real numbers (``None``, text, booleans, complex numbers)."""
    return (v is None or isinstance(v, (str, bytes, bool, np.bool_))
            or (isinstance(v, numbers.Complex) and not isinstance(v, numbers.Real)))


def _describe(v):
    return "None" if v is None else f"{type(v).__name__} {reprlib.repr(v)}"


def as_numeric(x, name, expected=_REAL_ARRAY):
    """``np.asarray(x)``, after checking that ``x`` is made of real numbers (any dtype, object arrays included).

    Raises ``TypeError`` naming ``name`` and ``expected`` for ``None``, strings, bytes,
    booleans, complex numbers, or arrays and nested lists that contain any of them.  Object
    arrays of other number types (``mpmath.mpf``, ``fractions.Fraction``) pass unchanged.

    >>> as_numeric([1, 2.5], "t").dtype
    dtype('float64')
    >>> as_numeric([0.5, "0.1"], "a0")
    Traceback (most recent call last):
    ...
    TypeError: a0 must be a real number or an array of real numbers, got list containing str '0.1'
    """
    if _not_a_number(x):
        raise TypeError(f"{name} must be {expected}, got {_describe(x)}")
    try:
        arr = np.asarray(x)
    except ValueError as exc:  # ragged nested sequences
        raise ValueError(f"{name} must be {expected} of a rectangular shape ({exc})") from exc
    if arr.dtype.kind in "iuf":
        return arr
    if arr.dtype.kind != "O" and not arr.size:
        raise TypeError(f"{name} must be {expected}, got an empty array of dtype {arr.dtype}")
    entries = arr.ravel() if arr.dtype.kind == "O" else np.asarray(x, dtype=object).ravel()
    bad = next((v for v in entries if _not_a_number(v)), _NONE_FOUND)
    if bad is _NONE_FOUND and arr.dtype.kind != "O":  # another dtype made of numbers (datetime...)
        bad = entries[0]
    if bad is not _NONE_FOUND:
        raise TypeError(f"{name} must be {expected}, got {type(x).__name__} containing {_describe(bad)}")
    return arr


def as_array(x, name, *, ndim=None, finite=True, dtype=np.float64):
    """``np.asarray(x, dtype)`` with checks on the type of the entries, dimensions and finiteness.

    >>> as_array([[1.0, float("nan")]], "X")
    Traceback (most recent call last):
    ...
    ValueError: X contains NaN or infinite values
    >>> as_array("0.1", "a0")
    Traceback (most recent call last):
    ...
    TypeError: a0 must be a real number or an array of real numbers, got str '0.1'
    """
    if type(x) is np.ndarray and x.dtype == dtype:  # already the array asked for: only the checks below
        raw = x
    else:
        raw = as_numeric(x, name)
    try:
        arr = np.asarray(raw, dtype=dtype)
    except OverflowError as exc:  # a Python integer beyond the float range
        raise ValueError(f"{name} contains a number too large for {np.dtype(dtype).name}") from exc
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be {_REAL_ARRAY}, got {type(x).__name__}") from exc
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            raise ValueError(f"{name} must have {' or '.join(map(str, allowed))} dimension(s), got shape {arr.shape}")
    if finite and not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def _real_scalar(x, name, expected):
    if type(x) is float or type(x) is np.float64:  # the common case, without the array checks
        return float(x)
    arr = as_numeric(x, name, expected)
    if arr.ndim != 0:
        raise TypeError(f"{name} must be {expected}, got an array of shape {arr.shape}")
    try:
        return float(arr.item() if arr.dtype.kind == "O" else arr)
    except OverflowError as exc:
        raise ValueError(f"{name} must be {expected}, got {_describe(x)} (too large for a float)") from exc
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be {expected}, got {_describe(x)}") from exc


def positive(x, name):
    """A positive finite float (learning rates).

    >>> positive(2.5, "eta_w")
    2.5
    >>> positive("2.5", "eta_w")
    Traceback (most recent call last):
    ...
    TypeError: eta_w must be a positive finite number, got str '2.5'
    """
    v = _real_scalar(x, name, "a positive finite number")
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {x!r}")
    return v


def finite_real(x, name):
    """A finite float.

    >>> finite_real(float("inf"), "delta")
    Traceback (most recent call last):
    ...
    ValueError: delta must be a finite real number, got inf
    """
    v = _real_scalar(x, name, "a finite real number")
    if not np.isfinite(v):
        raise ValueError(f"{name} must be a finite real number, got {x!r}")
    return v


def choice(x, name, options):
    """``x``, one of the strings ``options`` (``TypeError`` for what is not a string).

    >>> choice("mpmath", "backend", ("numpy", "mpmath"))
    'mpmath'
    >>> choice("jax", "backend", ("numpy", "mpmath"))
    Traceback (most recent call last):
    ...
    ValueError: backend must be 'numpy' or 'mpmath', got 'jax'
    >>> choice(["numpy"], "backend", ("numpy", "mpmath", "math"))
    Traceback (most recent call last):
    ...
    TypeError: backend must be 'numpy', 'mpmath' or 'math', got list ['numpy']
    """
    quoted = [repr(o) for o in options]
    expected = " or ".join(quoted) if len(quoted) < 3 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    if not isinstance(x, str):
        raise TypeError(f"{name} must be {expected}, got {_describe(x)}")
    if x not in options:
        raise ValueError(f"{name} must be {expected}, got {x!r}")
    return x


def integer(x, name, low=None, high=None):
    """``x`` as an ``int`` in ``[low, high]`` (Python or NumPy integers; not booleans, floats or text).

    >>> integer(3, "dps", 1)
    3
    >>> integer(2.0, "max_flips")
    Traceback (most recent call last):
    ...
    TypeError: max_flips must be an integer, got float 2.0
    >>> integer(0, "dps", 1)
    Traceback (most recent call last):
    ...
    ValueError: dps must be an integer >= 1, got 0
    """
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {_describe(x)}")
    x = int(x)
    if (low is not None and x < low) or (high is not None and x > high):
        bounds = (f"in [{low}, {high}]" if low is not None and high is not None
                  else f">= {low}" if low is not None else f"<= {high}")
        raise ValueError(f"{name} must be an integer {bounds}, got {x}")
    return x


def finite_result(values, names):
    """``values`` (an array, a number or a tuple of them) unchanged, after checking every entry is finite.

    The numeric functions compute under ``numpy.errstate`` and call this on what they return: for
    valid input whose result (or an intermediate) does not fit in float64, a ``ValueError`` naming
    the inputs ``names``, never ``inf`` or NaN.

    >>> finite_result((np.ones(2), 3.0), "X, W")[1]
    3.0
    >>> with np.errstate(over="ignore"):
    ...     K = np.array([1e308]) * 10
    >>> finite_result(K, "X, W")
    Traceback (most recent call last):
    ...
    ValueError: X, W are outside the supported range: the result overflows float64 (a value beyond 1.8e308)
    """
    for v in values if isinstance(values, tuple) else (values,):
        arr = np.asarray(v)
        if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
            raise ValueError(f"{names} are outside the supported range: the result overflows float64 "
                             "(a value beyond 1.8e308)")
    return values


def in_float64_domain(x, name):
    """``x`` unchanged, after checking that every nonzero entry has a magnitude in :data:`FLOAT64_DOMAIN`.

    Outside it a float64 computation squares a number into the subnormal range (and loses
    digits without a warning) or beyond ``1.8e308``; the ``ValueError`` names ``name`` and
    suggests rescaling the problem or ``backend="mpmath"`` (exact at any magnitude).

    >>> float(in_float64_domain(np.array([0.0, 1e-100]), "w0")[1])
    1e-100
    >>> in_float64_domain(np.array([0.0, 1e-170]), "w0")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: w0 has an entry of magnitude 1e-170, outside [1e-150, 1e150], the domain of the float64 backend ...
    """
    low, high = FLOAT64_DOMAIN
    mag = np.abs(np.asarray(x, dtype=float))
    mag = mag[mag != 0]
    if mag.size and (mag.min() < low or mag.max() > high):
        bad = mag.min() if mag.min() < low else mag.max()
        raise ValueError(f"{name} has an entry of magnitude {bad:.3g}, outside [{_e(low)}, {_e(high)}], the domain of the "
                         "float64 backend (a square would leave the normal float range); rescale the problem, or use "
                         "backend='mpmath' where the function has one (exact at any magnitude)")
    return x


def _e(v):
    return f"{v:g}".replace("e+", "e")


def float64_array(x, name, **kwargs):
    """:func:`as_array` (same keywords), then :func:`in_float64_domain`.

    >>> float64_array([1.0, 1e200], "beta")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: beta has an entry of magnitude 1e+200, outside [1e-150, 1e150], the domain of the float64 backend ...
    """
    return in_float64_domain(as_array(x, name, **kwargs), name)


def float64_rate(x, name):
    """:func:`positive`, then :func:`in_float64_domain` (learning rates of a float64 backend).

    >>> float64_rate(1e300, "eta_w")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: eta_w has an entry of magnitude 1e+300, outside [1e-150, 1e150], the domain of the float64 backend ...
    """
    return in_float64_domain(positive(x, name), name)


def broadcast(**arrays):
    """``numpy.broadcast_arrays`` of the named arrays, or a ``ValueError`` naming them with their shapes.

    >>> [a.shape for a in broadcast(t=np.zeros(3), delta=0.5)]
    [(3,), (3,)]
    >>> broadcast(t=np.zeros(3), s=np.zeros(2))
    Traceback (most recent call last):
    ...
    ValueError: the shapes of t (3,), s (2,) do not broadcast together
    """
    try:
        return np.broadcast_arrays(*arrays.values())
    except ValueError as exc:
        shapes = ", ".join(f"{name} {np.shape(v)}" for name, v in arrays.items())
        raise ValueError(f"the shapes of {shapes} do not broadcast together") from exc


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
    >>> check_whitened(2 * np.eye(2))  # doctest: +ELLIPSIS
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
