"""Branch-free elementary functions for numba loops that LLVM can vectorise.

A call to ``math.exp`` or ``math.expm1`` inside a loop stops LLVM's loop
vectoriser (they are calls into libm).  The two functions here are written with
arithmetic, ``floor``, comparisons that become selects, and a table load, so a
loop over times that uses them runs on SIMD lanes.  In the single-neuron
trajectory loop this halves the time per point.

:func:`exp`
    ``e^x`` for every float ``x``: Cody-Waite reduction ``x = n ln 2 + r``,
    ``|r| <= ln(2)/2``, the degree-13 Taylor polynomial of ``e^r`` (truncation
    below ``4e-18`` relative), and ``2^n`` as the product of two table entries
    (exact, so subnormal results and overflow to ``inf`` come out right).
    Measured: at most 1.1 ulp from the correctly rounded value on
    ``[-708, 709]``; ``0`` below ``-745.2``, ``inf`` above ``709.8``, NaN stays NaN.
:func:`phi1_near0`
    ``phi1(z) = (e^z - 1)/z`` for ``|z| <= 1/2`` only: the degree-16 Taylor
    polynomial ``sum_k z^k/(k+1)!``.  The Lagrange remainder is at most
    ``|z|^17 e^{|z|}/18! < 2e-21``, far below rounding; measured at most 1.1 ulp.
    Outside ``[-1/2, 1/2]`` it is wrong: callers evaluate it only where a
    branch condition bounds the argument (``k t < 1/2`` in
    :func:`symrich.symbolic.single_neuron_solution.fast_general`).

Both are plain Python functions, so that a loop can run in the interpreter
(:class:`symrich.numeric.loops.TimeLoop` does for a small first call, before numba is
imported); :func:`jitted` gives the numba version a compiled loop calls (inlined), made on
first use.  Python and numba evaluate the same IEEE operations in the same order.

>>> import math
>>> from symrich.numeric.vecmath import exp, jitted, phi1_near0
>>> bool(abs(exp(-3.0) / math.exp(-3.0) - 1) < 4e-16), float(exp(-800.0))
(True, 0.0)
>>> jitted(exp)(800.0)    # in Python also inf, with NumPy's overflow warning
inf
>>> bool(abs(phi1_near0(0.25) - math.expm1(0.25) / 0.25) < 1e-16)
True
"""

from __future__ import annotations

import functools
import math

import numpy as np

__all__ = ["exp", "phi1_near0", "jitted"]

_LN2_HI = 6.93147180369123816490e-01  # high bits of ln 2 (n * _LN2_HI is exact for |n| < 2^20)
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e00
_HALF_RANGE = 575  # 2^n = 2^(n - m) 2^m with |n - m|, |m| <= 575
_POW2 = np.array([math.ldexp(1.0, k) for k in range(-_HALF_RANGE, _HALF_RANGE + 1)])
_EXP_COEFFS = tuple(1.0 / math.factorial(k) for k in range(14))  # e^r, degree 13
_PHI1_COEFFS = tuple(1.0 / math.factorial(k + 1) for k in range(17))  # phi1(z), degree 16


def exp(x):
    """``e^x`` without libm calls (vectorisable); at most 1.1 ulp off.

    >>> bool(abs(exp(1.0) - 2.718281828459045) <= 4.5e-16)
    True
    """
    x = x if not x < -790.0 else -790.0  # e^-790 = 0 and e^790 = inf in float64; NaN passes through
    x = x if not x > 790.0 else 790.0
    n = np.floor(x * _INV_LN2 + 0.5)
    n = n if n > -1150.0 else -1150.0  # maps NaN to a valid table index (r keeps the NaN)
    n = n if n < 1150.0 else 1150.0
    r = (x - n * _LN2_HI) - n * _LN2_LO
    # Horner's rule written out: a loop over the coefficient tuple, indexed by a variable, is not unrolled by
    # numba and made the trajectory loop 2x slower (measured 36 vs 15 ns per point)
    c = _EXP_COEFFS
    p = c[13]
    p = p * r + c[12]
    p = p * r + c[11]
    p = p * r + c[10]
    p = p * r + c[9]
    p = p * r + c[8]
    p = p * r + c[7]
    p = p * r + c[6]
    p = p * r + c[5]
    p = p * r + c[4]
    p = p * r + c[3]
    p = p * r + c[2]
    p = p * r + c[1]
    p = p * r + c[0]
    k = int(n)
    m = k >> 1  # floor(k/2), also for k < 0
    return (p * _POW2[k - m + _HALF_RANGE]) * _POW2[m + _HALF_RANGE]


def phi1_near0(z):
    """``(e^z - 1)/z`` for ``|z| <= 1/2`` (1 at ``z = 0``) by its degree-16 Taylor polynomial.

    >>> phi1_near0(0.0)
    1.0
    """
    c = _PHI1_COEFFS  # written out, as in exp
    p = c[16]
    p = p * z + c[15]
    p = p * z + c[14]
    p = p * z + c[13]
    p = p * z + c[12]
    p = p * z + c[11]
    p = p * z + c[10]
    p = p * z + c[9]
    p = p * z + c[8]
    p = p * z + c[7]
    p = p * z + c[6]
    p = p * z + c[5]
    p = p * z + c[4]
    p = p * z + c[3]
    p = p * z + c[2]
    p = p * z + c[1]
    return p * z + c[0]


@functools.lru_cache(maxsize=None)
def jitted(fn):
    """The numba version of the scalar helper ``fn`` (:func:`exp`, :func:`phi1_near0`, or any plain function).

    ``numba.njit(inline="always", error_model="numpy")``: inlined into the loop that calls it, and
    division by zero gives inf/NaN as in NumPy.  Made once per function (numba is imported here).

    >>> jitted(exp)(0.0), jitted(exp) is jitted(exp)
    (1.0, True)
    """
    import numba

    return numba.njit(inline="always", error_model="numpy")(fn)
