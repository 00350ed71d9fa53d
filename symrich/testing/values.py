r"""Exact numbers for the checks: ``mpf`` arrays, digits of agreement, short printing, argument checks.

Parameter values and data are numpy object arrays of :class:`mpmath.mpf`
(numpy arithmetic ``+``, ``*``, ``@``, ``.T`` works on them); this module
converts to and from them, compares them (:func:`digits_of_agreement`) and
prints them compactly for failure messages (:func:`format_value`).

>>> import mpmath
>>> with mpmath.workdps(30):
...     x = mp_array([1, 2]) / 3
>>> format_value(x, 5)
'[0.33333, 0.66667]'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import mpmath
import numpy as np

__all__ = [
    "DATA_DPS",
    "digits_of_agreement",
    "first_nonfinite",
    "flat_mpf",
    "format_digits",
    "format_value",
    "from_mp_matrix",
    "mp_array",
    "positive_int",
    "to_mp_matrix",
    "value_range",
    "zip_leaves",
]

#: Digits at which data sets and regime-constrained initialisations are built.
DATA_DPS = 50


def positive_int(value: Any, name: str) -> int:
    """``value`` as an ``int`` if it is a positive integer (not a bool), else a ``ValueError`` naming ``name``.

    Examples
    --------
    >>> positive_int(3, "n")
    3
    >>> positive_int(0, "n")
    Traceback (most recent call last):
    ...
    ValueError: n must be a positive integer, got 0
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def value_range(value: Any, name: str, *, nonnegative: bool = True) -> tuple[float, float]:
    """A finite pair ``(low, high)`` with ``low <= high`` (and ``low >= 0`` if ``nonnegative``).

    Examples
    --------
    >>> value_range((1, 2), "delta")
    (1.0, 2.0)
    >>> value_range((-1, 2), "delta")
    Traceback (most recent call last):
    ...
    ValueError: delta must be a finite pair with 0 <= low <= high, got (-1, 2)
    """
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (low, high) of numbers, got {value!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi or (nonnegative and lo < 0):
        need = "0 <= low <= high" if nonnegative else "low <= high"
        raise ValueError(f"{name} must be a finite pair with {need}, got {value!r}")
    return lo, hi


def mp_array(values: Any) -> np.ndarray:
    """Object array of ``mpf`` at the current precision (shape kept; scalars become 0-d arrays).

    Examples
    --------
    >>> mp_array([[1, 2]]).shape, type(mp_array(0.5)[()]).__name__
    ((1, 2), 'mpf')
    """
    arr = np.asarray(values, dtype=object)
    out = np.empty(arr.shape, dtype=object)
    for index, v in np.ndenumerate(arr):
        out[index] = v if isinstance(v, mpmath.mpf) else mpmath.mpf(v)
    return out


def from_mp_matrix(m: Any) -> np.ndarray:
    """An :class:`mpmath.matrix` as a 2-d numpy object array (the inverse of :func:`to_mp_matrix`).

    Examples
    --------
    >>> from_mp_matrix(to_mp_matrix(mp_array([[1, 2], [3, 4]]))).tolist()
    [[mpf('1.0'), mpf('2.0')], [mpf('3.0'), mpf('4.0')]]
    """
    return np.array([[m[i, j] for j in range(m.cols)] for i in range(m.rows)], dtype=object)


def to_mp_matrix(a: np.ndarray) -> Any:
    """A 2-d numpy array as an :class:`mpmath.matrix` (for ``mpmath.qr``, ``mpmath.eigsy``).

    Examples
    --------
    >>> to_mp_matrix(mp_array([[1, 2]])).cols
    2
    """
    return mpmath.matrix([[a[i, j] for j in range(a.shape[1])] for i in range(a.shape[0])])


def flat_mpf(value: Any, what: str) -> list:
    """Flatten a number / array / mapping of numbers into a list of ``mpf`` (mappings in sorted key order).

    Raises a ``ValueError`` naming ``what`` for an entry that is not a real number.

    Examples
    --------
    >>> flat_mpf({"b": [1, 2], "a": 3}, "claim")
    [mpf('3.0'), mpf('1.0'), mpf('2.0')]
    >>> flat_mpf([1j], "claim")
    Traceback (most recent call last):
    ...
    ValueError: claim must contain real numbers, got 1j
    """
    if isinstance(value, Mapping):
        out = []
        for key in sorted(value, key=str):
            out.extend(flat_mpf(value[key], f"{what}[{key!r}]"))
        return out
    arr = np.asarray(value, dtype=object)
    out = []
    for index, v in np.ndenumerate(arr):
        try:
            x = v if isinstance(v, mpmath.mpf) else mpmath.mpmathify(v)
        except (TypeError, ValueError):
            raise ValueError(f"{what} must contain real numbers, got {v!r}") from None
        if not isinstance(x, mpmath.mpf):
            raise ValueError(f"{what} must contain real numbers, got {v!r}")
        out.append(x)
    return out


def digits_of_agreement(value: Any, reference: Any, *, cap: float = 99.0) -> float:
    r"""Decimal digits to which ``value`` agrees with ``reference``.

    .. math:: -\log_{10} \frac{\max_k |v_k - r_k|}{\max(1, \max_k |r_k|)},

    capped at ``cap`` (an exact match returns ``cap``).  Arrays are compared
    entrywise; shapes must match.  A NaN or infinite entry on either side
    agrees with nothing: the result is ``-inf``.

    Parameters
    ----------
    value, reference : number or array_like
        The claim and the oracle's value (``mpf``, floats, or arrays of them).
    cap : float
        Upper bound on the returned digits.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If the two have different numbers of entries.

    Examples
    --------
    >>> round(digits_of_agreement(1.0001, 1.0), 2)
    4.0
    >>> digits_of_agreement([1.0, 2.0], [1.0, 2.0], cap=30)
    30.0
    >>> digits_of_agreement([float("nan"), 2.0], [1.0, 2.0]), digits_of_agreement(2.0, 1.0)
    (-inf, 0.0)
    """
    v = flat_mpf(value, "value")
    r = flat_mpf(reference, "reference")
    if len(v) != len(r):
        raise ValueError(f"value has {len(v)} entries but reference has {len(r)}")
    if not all(mpmath.isfinite(x) for x in (*v, *r)):
        return -math.inf
    err = max((abs(a - b) for a, b in zip(v, r)), default=mpmath.mpf(0))
    scale = max([mpmath.mpf(1)] + [abs(b) for b in r])
    if err == 0:
        return float(cap)
    return float(min(cap, -mpmath.log10(err / scale))) + 0.0      # + 0.0: no "-0.0"


def format_digits(digits: float) -> str:
    """Digits of agreement for a message: one decimal, never ``-0.0``.

    Examples
    --------
    >>> format_digits(-0.04), format_digits(29.96), format_digits(float("-inf"))
    ('0.0', '30.0', '-inf')
    """
    text = f"{digits:.1f}"
    return "0.0" if text == "-0.0" else text


def first_nonfinite(value: Any) -> str | None:
    """The first NaN or infinite entry of a number, array, list or mapping (SymPy numbers too), or None.

    Returns a description such as ``"NaN"`` or ``"inf (entry ['w'][1])"``.

    Examples
    --------
    >>> first_nonfinite({"a": 1.0, "w": [2.0, mpmath.inf]})
    "inf (entry ['w'][1])"
    >>> first_nonfinite(mpmath.nan), first_nonfinite([1, 2]) is None
    ('NaN', True)
    """
    if isinstance(value, Mapping):
        for key in value:
            found = first_nonfinite(value[key])
            if found is not None:
                word, _, where = found.partition(" (entry ")
                return f"{word} (entry [{key!r}]{where.rstrip(')') if where else ''})"
        return None
    arr = np.asarray(value, dtype=object)
    for index, v in np.ndenumerate(arr):
        word = _nonfinite_word(v)
        if word is not None:
            return word + (f" (entry {list(index)})" if arr.ndim else "")
    return None


def _nonfinite_word(v: Any) -> str | None:
    if hasattr(v, "free_symbols") and hasattr(v, "is_finite"):        # a SymPy expression
        import sympy

        if v.has(sympy.nan):
            return "NaN"
        return None if not v.has(sympy.oo, -sympy.oo, sympy.zoo) else "inf"
    try:
        x = v if isinstance(v, mpmath.mpf) else mpmath.mpmathify(v)
    except (TypeError, ValueError):
        return None
    if mpmath.isnan(x):
        return "NaN"
    return None if mpmath.isfinite(x) else ("-inf" if x == -mpmath.inf else "inf")


def format_value(value: Any, digits: int = 10) -> str:
    """Short text of a number, array, list or mapping of numbers (``digits`` significant digits).

    Examples
    --------
    >>> format_value({"a": 1 / 3, "w": [2.0, 0.25]}, 4)
    '{a: 0.3333, w: [2.0, 0.25]}'
    """
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {format_value(v, digits)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(v, digits) for v in value) + "]"
    arr = np.asarray(value, dtype=object)
    if arr.ndim == 0:
        try:
            return mpmath.nstr(mpmath.mpmathify(arr.item()), digits)
        except (TypeError, ValueError):
            return repr(arr.item())
    return "[" + ", ".join(format_value(v, digits) for v in arr) + "]"


def zip_leaves(fn: Any, first: Any, *rest: Any) -> Any:
    """Apply ``fn`` to the corresponding numbers of values of the same structure (mappings, arrays, numbers).

    Mappings are matched by key (those of ``first``); arrays entrywise; the
    result has the structure of ``first`` (a number for a 0-d array).

    Examples
    --------
    >>> zip_leaves(lambda u, v: u - v, {"beta": [3, 4], "delta": 1}, {"beta": [1, 1], "delta": 1})
    {'beta': array([2, 3], dtype=object), 'delta': 0}
    """
    if isinstance(first, Mapping):
        return {k: zip_leaves(fn, first[k], *(r[k] for r in rest)) for k in first}
    arrays = [np.asarray(v, dtype=object) for v in (first, *rest)]
    out = np.empty(arrays[0].shape, dtype=object)
    for index in np.ndindex(arrays[0].shape):
        out[index] = fn(*(a[index] for a in arrays))
    return out[()] if out.ndim == 0 else out

