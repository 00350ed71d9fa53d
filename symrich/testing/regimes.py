r"""Strategies for the regime (values of :math:`\delta`) and the learning rates.

What :math:`\delta` means for each model is documented with the model
(:mod:`symrich.testing.zoo`): for the single neuron it is the conserved
:math:`\eta_w a^2 - \eta_a \|w\|^2`.

>>> from hypothesis import find
>>> find(upstream(), lambda delta: True) > 0
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from hypothesis import strategies as st

from symrich.testing.values import positive_int, value_range

__all__ = ["any_regime", "balanced", "downstream", "learning_rates", "upstream"]


def upstream(delta: Sequence = (0.1, 4.0)) -> st.SearchStrategy:
    r"""Strategy: :math:`\delta > 0` (upstream: the first layer moves fast, lazy for large delta).

    Draws :math:`\delta` uniformly (hypothesis ``floats``) from
    ``[delta[0], delta[1]]``; it shrinks towards simple values.  What
    :math:`\delta` means for each model: see :func:`examples`.

    Parameters
    ----------
    delta : pair of float
        ``0 < low <= high``.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of float

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(upstream())
    ... def in_range(delta):
    ...     assert 0.1 <= delta <= 4.0
    >>> in_range()
    """
    lo, hi = value_range(delta, "delta")
    if lo <= 0:
        raise ValueError(f"delta for the upstream regime must be > 0, got {delta!r}")
    return st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False)


def downstream(delta: Sequence = (-4.0, -0.1)) -> st.SearchStrategy:
    r"""Strategy: :math:`\delta < 0` (downstream: the readout moves fast, delayed rich).

    Draws :math:`\delta` uniformly (hypothesis ``floats``) from
    ``[delta[0], delta[1]]``.

    Parameters
    ----------
    delta : pair of float
        ``low <= high < 0``.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of float

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(downstream())
    ... def in_range(delta):
    ...     assert -4.0 <= delta <= -0.1
    >>> in_range()
    """
    lo, hi = value_range(delta, "delta", nonnegative=False)
    if hi >= 0:
        raise ValueError(f"delta for the downstream regime must be < 0, got {delta!r}")
    return st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False)


def balanced() -> st.SearchStrategy:
    r"""Strategy: :math:`\delta = 0` exactly (balanced: the rich regime).

    Returns
    -------
    hypothesis.strategies.SearchStrategy of float

    Examples
    --------
    >>> from hypothesis import find
    >>> find(balanced(), lambda delta: True)
    0.0
    """
    return st.just(0.0)


def any_regime(delta: Sequence = (-4.0, 4.0)) -> st.SearchStrategy:
    r"""Strategy: :math:`\delta` in ``[delta[0], delta[1]]``, with ``0`` (balanced) drawn explicitly too.

    A one-of of :func:`balanced` and a uniform float in the range; shrinks towards 0.

    Parameters
    ----------
    delta : pair of float

    Returns
    -------
    hypothesis.strategies.SearchStrategy of float

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(any_regime((-1, 1)))
    ... def in_range(delta):
    ...     assert -1.0 <= delta <= 1.0
    >>> in_range()
    """
    lo, hi = value_range(delta, "delta", nonnegative=False)
    floats = st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False)
    return st.one_of(st.just(0.0), floats) if lo <= 0 <= hi else floats


def learning_rates(low: float = 0.1, high: float = 10.0, k: int = 2) -> st.SearchStrategy:
    r"""Strategy: ``k`` learning rates, each log-uniform on ``[low, high]``, rounded to 3 significant digits.

    Each rate is :math:`\exp(u)` with ``u`` a hypothesis float in
    :math:`[\ln \text{low}, \ln \text{high}]` (shrinking towards
    :math:`u = 0`, i.e. rate 1, when the range contains 1).  They are assigned
    to the model's parameters in the order of :attr:`Model.rate_names`
    (``(eta_a, eta_w)`` for :func:`single_neuron`).

    Parameters
    ----------
    low, high : float
        ``0 < low <= high``.
    k : int
        Number of rates (one per parameter of the model).

    Returns
    -------
    hypothesis.strategies.SearchStrategy of tuple of float

    Examples
    --------
    >>> from hypothesis import find
    >>> rates = find(learning_rates(0.5, 2.0), lambda rates: rates[0] > 1.5)
    >>> len(rates), all(0.5 <= r <= 2.0 for r in rates)
    (2, True)
    """
    lo, hi = value_range((low, high), "(low, high)")
    if lo <= 0:
        raise ValueError(f"low must be > 0, got {low!r}")
    k = positive_int(k, "k")

    def rate(u: float) -> float:
        r = float(f"{math.exp(u):.3g}")
        return min(max(r, lo), hi)

    one = st.floats(min_value=math.log(lo), max_value=math.log(hi), allow_nan=False).map(rate)
    return st.tuples(*([one] * k))
