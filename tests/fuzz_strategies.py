"""Hypothesis strategies of the fuzz test (``tests/test_fuzz.py``): valid values that reach every regime,
extreme but valid magnitudes, and the bad values a user may pass by mistake.

* :func:`reals` draws floats of ordinary size, exact zeros and extreme magnitudes (``1e-300``, ``1e300``);
  ``moderate=True`` keeps them within ``[1e-6, 1e6]`` (or 0), the range in which a valid call must succeed;
* :func:`vectors` and :func:`matrices` draw arrays of those;
* :func:`mutations` turns a valid argument into a bad or edge one: a junk object (:data:`JUNK`), an entry
  replaced by NaN, inf, 0 or an extreme number, a wrong shape, an empty array, another dtype, a nested list.

>>> from hypothesis import find
>>> find(reals(), lambda x: x > 1e299)
1e+300
"""

from __future__ import annotations

import mpmath
import numpy as np
from hypothesis import strategies as st

__all__ = ["EDGE", "TINY", "HUGE", "JUNK", "reals", "positive_reals", "vectors", "matrices", "mutations",
           "is_moderate", "is_real_data", "not_a_real"]

TINY, HUGE = 1e-300, 1e300
#: edge values of a float argument, each used as a value or as one entry of an array.
EDGE = (0.0, -0.0, 5e-324, TINY, -TINY, 1e-30, 1e30, HUGE, -HUGE, float("nan"), float("inf"), float("-inf"))
#: what is not a real number (or an array of them) at all, or not of any sensible shape.
JUNK = (None, "0.1", "x", b"1", True, False, np.bool_(True), 1 + 2j, np.complex128(1j), (), [], [[]], {}, {"a": 1},
        object(), [None], [[1.0, "a"]], [1j], [[1.0], [1.0, 2.0]], np.array([], dtype=float), np.zeros((0, 3)),
        np.array(["1.0"]), np.array([1 + 1j]), np.array([True, False]), np.zeros((2, 2, 2)), print, float("nan"),
        float("inf"), -1.0, 0, 10**400)

_ORDINARY = st.floats(-3.0, 3.0, allow_nan=False, allow_subnormal=False)
_EXTREME = st.sampled_from((TINY, -TINY, 1e-150, -1e-150, 1e150, -1e150, HUGE, -HUGE, 5e-324, 1e-30, 1e30))


def is_moderate(x, low=1e-6, high=1e6):
    """True when every entry of ``x`` is 0 or has a magnitude in ``[low, high]`` (the range where a valid call must succeed).

    >>> is_moderate([0.0, 1.5]), is_moderate([1e-300])
    (True, False)
    """
    arr = np.abs(np.asarray(x, dtype=float))
    return bool(np.all((arr == 0) | ((arr >= low) & (arr <= high))))


def reals(moderate=False):
    """A finite float: ordinary (``[-3, 3]``), an exact 0 or 1, or (unless ``moderate``) an extreme magnitude.

    >>> from hypothesis import find
    >>> find(reals(moderate=True), lambda x: abs(x) > 1e6)
    Traceback (most recent call last):
    ...
    hypothesis.errors.NoSuchExample: No examples found of condition lambda x: abs(x) > 1e6
    """
    small = _ORDINARY.filter(lambda v: v == 0 or abs(v) >= 1e-6)
    options = [small, st.sampled_from((0.0, 1.0, -1.0, 0.5))]
    if not moderate:
        options.append(_EXTREME)
    return st.one_of(*options)


def positive_reals(moderate=False):
    """A positive finite float (learning rates, scales): ordinary, or (unless ``moderate``) extreme.

    >>> from hypothesis import find
    >>> find(positive_reals(), lambda x: x < 1e-200)
    1e-300
    """
    options = [st.floats(0.05, 20.0), st.sampled_from((1.0, 0.5, 2.0))]
    if not moderate:
        options.append(st.sampled_from((TINY, 1e-30, 1e30, HUGE, 5e-324)))
    return st.one_of(*options)


def vectors(n, moderate=False):
    """A float64 array of shape ``(n,)``: entries of :func:`reals`, sometimes all of one extreme scale.

    >>> from hypothesis import find
    >>> find(vectors(3), lambda v: v.shape == (3,)).shape
    (3,)
    """
    return matrices((n,), moderate)


@st.composite
def matrices(draw, shape, moderate=False):
    """A float64 array of ``shape`` with entries of :func:`reals`; unless ``moderate``, sometimes scaled as a whole.

    >>> from hypothesis import find
    >>> find(matrices((2, 3)), lambda m: True).shape
    (2, 3)
    """
    size = int(np.prod(shape))
    arr = np.array(draw(st.lists(reals(moderate), min_size=size, max_size=size)), dtype=float).reshape(shape)
    if not moderate and draw(st.integers(0, 5)) == 0:
        with np.errstate(all="ignore"):
            scaled = arr * draw(st.sampled_from((TINY, 1e-150, 1e150, 1e300)))
        arr = scaled if np.all(np.isfinite(scaled)) else arr
    return arr


def _numeric(value):
    if isinstance(value, (str, bytes, bool, np.bool_)):
        return False
    try:
        return np.asarray(value).dtype.kind in "iuf"
    except ValueError:  # ragged
        return False


def is_real_data(value):
    """True for a float, or an array or list of floats (an argument that must reject what is not a real number).

    >>> is_real_data(1.5), is_real_data([np.ones(2), np.ones(3)]), is_real_data(3), is_real_data("relu")
    (True, True, False, False)
    """
    if isinstance(value, (float, np.floating)):
        return True
    if isinstance(value, np.ndarray):
        return value.dtype.kind == "f"
    if isinstance(value, (list, tuple)) and value:
        return all(is_real_data(v) for v in value)
    return False


def not_a_real(value):
    """True for what no real-number argument may accept: None, text, booleans, complex numbers, other objects,
    and arrays or lists containing one (an integer or float array is real; an empty container is not judged).

    >>> not_a_real("0.1"), not_a_real([1.0, None]), not_a_real(np.ones(2)), not_a_real(np.array([1 + 0j]))
    (True, True, False, True)
    """
    if value is None or isinstance(value, (str, bytes, bool, np.bool_, dict)) or callable(value):
        return True
    if isinstance(value, (complex, np.complexfloating)):
        return True
    if isinstance(value, np.ndarray):
        return value.dtype.kind not in "iuf" and (value.dtype.kind != "O" or any(not_a_real(v) for v in value.flat))
    if isinstance(value, (list, tuple)):
        return any(not_a_real(v) for v in value)
    return not isinstance(value, (int, float, np.integer, np.floating))


def mpmath_text(value):
    """True for numbers written as text (a string, or an array or list of them and numbers), which the mpmath
    backends document reading at the working precision (``"0.7"`` is the decimal 0.7).

    >>> mpmath_text("0.1"), mpmath_text(np.array(["1e-3", "2"])), mpmath_text("abc"), mpmath_text([True, "1"])
    (True, True, False, False)
    """
    try:
        items = [value] if isinstance(value, str) else list(np.asarray(value, dtype=object).ravel())
    except (TypeError, ValueError):
        return False
    if not any(isinstance(v, str) for v in items):
        return False
    for v in items:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (str, int, float, np.integer, np.floating, mpmath.mpf)):
            return False
        try:
            mpmath.mpf(v)
        except (TypeError, ValueError):
            return False
    return True


@st.composite
def mutations(draw, value):
    """A bad or edge variant of the valid argument ``value`` (any type).

    Numbers and arrays: an entry replaced by an :data:`EDGE` value, the whole scaled by an extreme factor, a
    wrong shape (an axis added or removed, transposed, truncated, empty), another dtype (int, float32,
    complex, bool, object, str), a nested list, or a :data:`JUNK` object.  Other values (strings, integers,
    booleans, generators): a junk object or a value of another type.

    >>> from hypothesis import find
    >>> find(mutations(np.ones(3)), lambda v: isinstance(v, np.ndarray) and v.size == 0).shape
    (0,)
    """
    junk = st.sampled_from(JUNK)
    if isinstance(value, dict) and value:
        kind = draw(st.sampled_from(("junk", "leaf", "leaf", "drop", "unknown")))
        out = dict(value)
        key = draw(st.sampled_from(sorted(out)))
        if kind == "junk":
            return draw(junk)
        if kind == "drop":
            del out[key]
        elif kind == "unknown":
            out["nonsense"] = 1
        else:
            out[key] = draw(mutations(out[key]))
        return out
    if isinstance(value, (list, tuple)) and value and not _numeric(value):  # e.g. a list of layers
        kind = draw(st.sampled_from(("junk", "item", "item", "drop", "empty", "array")))
        out = list(value)
        i = draw(st.integers(0, len(out) - 1))
        if kind == "junk":
            return draw(junk)
        if kind == "drop":
            del out[i]
        elif kind == "empty":
            out = []
        elif kind == "array":
            return np.zeros((len(out), 2, 2))
        else:
            out[i] = draw(mutations(out[i]))
        return out
    if isinstance(value, (bool, np.bool_)) or not _numeric(value):
        return draw(st.one_of(junk, st.sampled_from((0, 1, "True", -1, 2.5, "numpy", "nonsense"))))
    arr = np.array(value, dtype=float)
    kinds = ["junk", "edge_entry", "scale", "dtype", "list"]
    if arr.ndim:
        kinds += ["add_axis", "drop_axis", "truncate", "extend", "empty", "transpose"]
    else:
        kinds += ["add_axis", "negate"]
    kind = draw(st.sampled_from(kinds))
    if kind == "junk":
        return draw(junk)
    if kind == "edge_entry":
        out = arr.copy()
        flat = out.reshape(-1)
        if flat.size:
            flat[draw(st.integers(0, flat.size - 1))] = draw(st.sampled_from(EDGE))
        return out if arr.ndim else float(out)
    if kind == "scale":
        with np.errstate(all="ignore"):
            return arr * draw(st.sampled_from((0.0, -1.0, TINY, HUGE, 1e-30, 1e30, float("nan"), float("inf"))))
    if kind == "negate":
        return -arr if draw(st.booleans()) else float(-arr)
    if kind == "dtype":
        dtype = draw(st.sampled_from((np.int64, np.float32, np.complex128, bool, object, str)))
        with np.errstate(all="ignore"):
            return arr.astype(dtype)
    if kind == "list":
        return arr.tolist()
    if kind == "add_axis":
        return arr[None] if draw(st.booleans()) else np.stack([arr, arr], axis=-1)
    if kind == "drop_axis":
        return arr.reshape(-1) if arr.ndim > 1 else arr[0] if arr.shape[0] else 1.0
    if kind == "truncate":
        return arr[..., :-1] if draw(st.booleans()) else arr[:-1]
    if kind == "extend":
        return np.concatenate([arr, arr[..., :1]], axis=-1) if arr.shape[-1] else np.ones(arr.shape[:-1] + (1,))
    if kind == "empty":
        return arr[..., :0] if draw(st.booleans()) else arr[:0]
    return arr.T if arr.ndim > 1 else arr[:, None]
