"""Conversion and checks of the user's numbers (times, initial state, parameters, tolerances).

Every number is converted to :class:`mpmath.mpf` at the working precision of
the caller (:func:`to_mpf`: floats and integers exactly, decimal strings
rounded), so the integrators see exactly what the user meant; bad input gets a
``ValueError`` that names the argument.

>>> import mpmath
>>> with mpmath.workdps(40):
...     print(to_mpf("0.1", "rtol"))
0.1
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np

__all__ = ["as_vector", "check_dps", "convert_times", "convert_y0", "resolve_params", "to_mpf", "tolerance"]


def check_dps(dps: Any) -> None:
    """Raise ``ValueError`` unless ``dps`` is an integer of at least 15 (decimal digits).

    >>> check_dps(30)
    >>> check_dps(10)
    Traceback (most recent call last):
    ...
    ValueError: dps must be an integer >= 15, got 10
    """
    if isinstance(dps, bool) or not isinstance(dps, (int, np.integer)) or dps < 15:
        raise ValueError(f"dps must be an integer >= 15, got {dps!r}")


def to_mpf(value: Any, what: str) -> mpmath.mpf:
    """Convert a real number to ``mpf`` at the working precision.

    Python/numpy floats and integers, and ``Fraction`` with power-of-two
    denominators, convert exactly; strings and other rationals (also SymPy
    numbers) are rounded to the working precision.  ``what`` names the value
    in the ``ValueError`` raised for anything that is not a finite real number.

    Examples
    --------
    >>> import mpmath
    >>> from fractions import Fraction
    >>> with mpmath.workdps(30):
    ...     print(to_mpf(0.1, "x"), to_mpf(Fraction(1, 10), "x"))  # the float 0.1 (exactly), the decimal
    0.100000000000000005551115123126 0.1
    >>> to_mpf(float("inf"), "y0[1]")
    Traceback (most recent call last):
    ...
    ValueError: y0[1] must be finite, got inf
    """
    try:
        if isinstance(value, mpmath.mpf):
            x = value
        elif isinstance(value, (float, np.floating)):
            x = mpmath.mpf(float(value)) if np.finfo(type(value)).bits <= 64 else mpmath.mpf(str(value))
        elif isinstance(value, (int, np.integer)):
            x = mpmath.mpf(int(value))
        elif isinstance(value, Fraction):
            x = mpmath.mpf(value.numerator) / value.denominator
        elif isinstance(value, str):
            x = mpmath.mpf(value)
        elif type(value).__module__.startswith("sympy"):
            import sympy

            v = sympy.sympify(value)
            if v.is_Rational:
                x = mpmath.mpf(int(v.p)) / int(v.q)
            elif v.is_number and v.is_real is not False:
                x = mpmath.mpf(v.evalf(mpmath.mp.dps + 5)._mpf_)
            else:
                raise TypeError
        else:
            x = mpmath.mpmathify(value)
    except (TypeError, ValueError, AttributeError):
        raise ValueError(f"{what} must be a real number, got {value!r}") from None
    if not isinstance(x, mpmath.mpf):
        raise ValueError(f"{what} must be a real number, got {value!r}")
    if not mpmath.isfinite(x):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return x


def as_vector(values: Any, what: str) -> list:
    """The entries of a one-dimensional sequence, as a list (``what`` names it in errors).

    >>> as_vector((1, "0.5", 2.0), "w0")
    [1, '0.5', 2.0]
    >>> as_vector([[1, 2]], "w0")
    Traceback (most recent call last):
    ...
    ValueError: w0 must be one-dimensional
    """
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise ValueError(f"{what} must be a one-dimensional sequence of numbers, got {values!r}")
    array = np.empty(len(values), dtype=object)
    array[:] = list(values)
    for entry in array:
        if isinstance(entry, (list, tuple, np.ndarray)):
            raise ValueError(f"{what} must be one-dimensional")
    return list(array)


def convert_times(t: Any) -> list:
    """Output times as ``mpf`` (see :func:`to_mpf`), checked to start at ``t >= 0`` and increase strictly.

    >>> convert_times([0, 0.5, "1"])
    [mpf('0.0'), mpf('0.5'), mpf('1.0')]
    >>> convert_times([0, 1, 1])
    Traceback (most recent call last):
    ...
    ValueError: t must be strictly increasing, but t[2] = 1 follows t[1] = 1
    """
    entries = as_vector(t, "t")
    if not entries:
        raise ValueError("t must contain at least one time")
    times = [to_mpf(v, f"t[{i}]") for i, v in enumerate(entries)]
    if times[0] < 0:
        raise ValueError(f"t must start at or after 0 (integration starts at t = 0), got t[0] = {entries[0]!r}")
    for i in range(1, len(times)):
        if not times[i] > times[i - 1]:
            raise ValueError(f"t must be strictly increasing, but t[{i}] = {entries[i]!r} "
                             f"follows t[{i - 1}] = {entries[i - 1]!r}")
    return times


def convert_y0(state: Sequence, y0: Any) -> list:
    """The initial state as ``mpf`` (see :func:`to_mpf`), one entry per symbol of ``state``.

    >>> import sympy
    >>> x, v = sympy.symbols("x v")
    >>> convert_y0((x, v), [1, 0])
    [mpf('1.0'), mpf('0.0')]
    >>> convert_y0((x, v), [1])
    Traceback (most recent call last):
    ...
    ValueError: y0 has 1 entries but the flow has 2 state variables (x, v)
    """
    entries = as_vector(y0, "y0")
    if len(entries) != len(state):
        raise ValueError(f"y0 has {len(entries)} entries but the flow has {len(state)} state "
                         f"variables ({', '.join(s.name for s in state)})")
    return [to_mpf(v, f"y0[{i}]") for i, v in enumerate(entries)]


def resolve_params(symbols: Sequence, params: Mapping | None) -> list:
    """Parameter values as ``mpf``, in the order of ``symbols`` (``params`` keyed by symbol or name).

    >>> import sympy
    >>> k, q = sympy.symbols("k q")
    >>> resolve_params((k, q), {"q": 2, k: 0.5})
    [mpf('0.5'), mpf('2.0')]
    >>> resolve_params((k, q), {"k": 1})
    Traceback (most recent call last):
    ...
    ValueError: params: missing value for q
    """
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        raise ValueError(f"params must be a mapping from parameter (symbol or name) to value, got {params!r}")
    names = [s.name for s in symbols]
    values: dict = {}
    for key, value in params.items():
        name = key if isinstance(key, str) else getattr(key, "name", None)
        if name not in names:
            raise ValueError(f"params: {key!r} is not a parameter of the flow "
                             f"(parameters: {', '.join(names) or 'none'})")
        if name in values:
            raise ValueError(f"params: {name} is given twice")
        values[name] = to_mpf(value, f"params[{name!r}]")
    missing = [nm for nm in names if nm not in values]
    if missing:
        raise ValueError(f"params: missing value for {', '.join(missing)}")
    return [values[nm] for nm in names]


def tolerance(value: Any, what: str, *, allow_zero: bool) -> mpmath.mpf:
    """A tolerance as ``mpf``: positive, or non-negative if ``allow_zero``.

    >>> tolerance("1e-30", "rtol", allow_zero=False) > 0
    True
    >>> tolerance(0, "rtol", allow_zero=False)
    Traceback (most recent call last):
    ...
    ValueError: rtol must be positive, got 0
    """
    x = to_mpf(value, what)
    if x < 0 or (x == 0 and not allow_zero):
        raise ValueError(f"{what} must be {'non-negative' if allow_zero else 'positive'}, got {value!r}")
    return x

