r"""Fixed-point arithmetic of the Taylor method.

A real number :math:`v` is held as the integer :math:`\lfloor v\,2^P \rfloor`
with :math:`P` fractional bits (``frac_bits``); sums are exact, and a product
of two fixed-point numbers is one integer product followed by a shift by
:math:`P`.  The Taylor coefficients of one step, the step fraction
:math:`\theta` and the constants of a compiled program are all stored this way
(see the numerics section of :mod:`symrich.oracle`).

>>> m = fixed(0.75, 8)
>>> m, unfixed(m, 8)
(192, mpf('0.75'))
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import mpmath

__all__ = ["FixedConstants", "bits", "fixed", "horner", "log2_abs", "unfixed"]


def bits(digits: float) -> int:
    """Number of bits carrying ``digits`` decimal digits.

    >>> bits(30)
    100
    """
    return math.ceil(digits * math.log2(10))


def fixed(v: Any, frac_bits: int) -> int:
    """The integer ``v * 2**frac_bits`` (truncated), i.e. ``v`` in fixed point.

    >>> fixed(-1.5, 4)
    -24
    """
    return int(mpmath.ldexp(mpmath.mpf(v), frac_bits))


def unfixed(m: int, frac_bits: int) -> mpmath.mpf:
    """The number ``m * 2**-frac_bits`` (rounded to the working precision).

    >>> unfixed(-24, 4)
    mpf('-1.5')
    """
    return mpmath.mpf((m, -frac_bits))


def horner(coefficients: list[int], theta: int, frac_bits: int) -> int:
    """Evaluate ``sum_k c_k theta**k`` in fixed point (``theta`` in fixed point too).

    >>> P = 8
    >>> one, half = fixed(1, P), fixed(0.5, P)
    >>> unfixed(horner([one, one, one], half, P), P)   # 1 + 1/2 + 1/4
    mpf('1.75')
    """
    acc = 0
    for c in reversed(coefficients):
        acc = ((acc * theta) >> frac_bits) + c
    return acc


def log2_abs(m: int) -> float:
    """:math:`\\log_2 |m|` as a float, ``-inf`` for ``m = 0``.

    >>> log2_abs(-8), log2_abs(0)
    (3.0, -inf)
    """
    return math.log2(abs(m)) if m else -math.inf


@functools.lru_cache(maxsize=256)
def _constant_evaluator(constants: tuple, params: tuple) -> Callable:
    import sympy

    return sympy.lambdify(list(params), list(constants), "mpmath")


class FixedConstants:
    """Constant coefficients of a program, evaluated with mpmath, in fixed point on demand.

    Parameters
    ----------
    exprs : tuple of sympy.Expr
        The constants (expressions in the parameters), e.g. ``Program.constants``.
    params : tuple of sympy.Symbol
        The parameters.
    pvals : list of mpmath.mpf
        Their values, in the order of ``params``.
    prec : int
        Binary precision of the evaluation; raised when :meth:`at` asks for
        more fractional bits.

    Attributes
    ----------
    values : list of mpmath.mpf
        The constants at the current precision.
    magnitude_bits : int
        Bit length of the largest constant in absolute value (0 if all are at most 1).

    Raises
    ------
    ValueError
        If a constant is not a finite real number at these parameter values.

    Examples
    --------
    >>> import mpmath, sympy
    >>> k = sympy.Symbol("k")
    >>> constants = FixedConstants((2 * k, k**2), (k,), [mpmath.mpf(3)], 64)
    >>> constants.at(4), constants.magnitude_bits
    ([96, 144], 4)
    """

    def __init__(self, exprs: tuple, params: tuple, pvals: list, prec: int) -> None:
        self.exprs, self.params, self.pvals = exprs, params, pvals
        self._evaluate(prec)

    def _evaluate(self, prec: int) -> None:
        with mpmath.workprec(prec):
            raw = _constant_evaluator(self.exprs, self.params)(*self.pvals) if self.exprs else []
            values = []
            for expr, v in zip(self.exprs, raw):
                v = mpmath.mpmathify(v)
                if not isinstance(v, mpmath.mpf) or not mpmath.isfinite(v):
                    raise ValueError(f"params: the coefficient {expr} evaluates to {v}, "
                                     "which is not a finite real number")
                values.append(v)
        self.values, self.prec, self._cache = values, prec, {}
        biggest = max((abs(v) for v in values), default=mpmath.mpf(1))
        self.magnitude_bits = max(0, int(mpmath.ceil(mpmath.log(biggest, 2)))) if biggest else 0

    def at(self, frac_bits: int) -> list[int]:
        """The constants in fixed point with ``frac_bits`` fractional bits (cached)."""
        if frac_bits + 32 > self.prec:
            self._evaluate(frac_bits + 64)
        if frac_bits not in self._cache:
            with mpmath.workprec(self.prec):
                self._cache[frac_bits] = [fixed(v, frac_bits) for v in self.values]
        return self._cache[frac_bits]
