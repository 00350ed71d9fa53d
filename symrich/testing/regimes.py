r"""Strategies for the regime of an initialisation, and for the learning rates.

The regime of a two-layer network is set by the conserved imbalance
:math:`\delta` (for the single neuron :math:`\eta_w a^2 - \eta_a \|w\|^2`,
the paper, Section 3; what it means for each built-in model is documented
with the model in :mod:`symrich.testing.zoo`).  A claim may hold in one regime
and fail in another, so each regime has its own strategy, drawing a
:class:`Regime` from a stated distribution:

============================  =====================================================  =======================
regime                        :math:`\delta` (and initial scale)                     strategy
============================  =====================================================  =======================
``upstream``                  uniform on ``[0.1, 4]``                                :func:`upstream`
``balanced``                  exactly 0                                              :func:`balanced`
``downstream``                uniform on ``[-4, -0.1]``                              :func:`downstream`
``near-balanced (delta > 0)`` :math:`10^U`, ``U`` uniform on ``[-6, -2]``            :func:`near_balanced`
``near-balanced (delta < 0)`` :math:`-10^U`, ``U`` uniform on ``[-6, -2]``           :func:`near_balanced`
``sign change of a``          uniform on ``[-4, -0.1]``; the readout ``a`` starts    :func:`sign_change`
                              near 0 on the side it is about to leave
``saddle``                    all parameters scaled by :math:`s = 10^U`, ``U``       :func:`saddle`
                              uniform on ``[-5, -3]``, so :math:`\delta = s^2
                              \tilde\delta` with :math:`\tilde\delta` uniform on
                              ``[-4, 4]``: a neighbourhood of the saddle at 0
============================  =====================================================  =======================

Each draw takes a seed from hypothesis (shrinking towards 0) and draws the
numbers above with :func:`numpy.random.default_rng` of that seed, so the
distributions are exactly the ones stated; values are rounded to 3
significant digits so that counterexamples read easily.

:func:`any_regime` covers all of them: passed to a check it is
**stratified** (the check runs every regime in every run, and its
:class:`~symrich.testing.report.CheckReport` counts the examples per regime);
in your own :func:`hypothesis.given` test it is a plain mixture.

>>> from hypothesis import find
>>> find(sign_change(), lambda regime: True).name
'sign change of a'
"""

from __future__ import annotations

import dataclasses
import math
import weakref
from collections.abc import Callable, Sequence

import numpy as np
from hypothesis import strategies as st

from symrich.testing.values import positive_int, value_range

__all__ = [
    "REGIMES",
    "Regime",
    "RegimeNotSupported",
    "any_regime",
    "balanced",
    "downstream",
    "learning_rates",
    "near_balanced",
    "regime_strata",
    "saddle",
    "sign_change",
    "upstream",
]

UPSTREAM, BALANCED, DOWNSTREAM = "upstream", "balanced", "downstream"
NEAR_UP, NEAR_DOWN = "near-balanced (delta > 0)", "near-balanced (delta < 0)"
SIGN_CHANGE, SADDLE = "sign change of a", "saddle"
#: The regimes :func:`any_regime` covers, in the order a stratified check runs them.
REGIMES = (UPSTREAM, BALANCED, DOWNSTREAM, NEAR_UP, NEAR_DOWN, SIGN_CHANGE, SADDLE)

class RegimeNotSupported(ValueError):
    """A model cannot build an initialisation in the requested regime (e.g. no ``init``, or widths that forbid it).

    A check raises it before running when a regime requested on its own
    cannot be drawn; with :func:`any_regime` the regime is reported as not
    applicable instead (:attr:`~symrich.testing.report.CheckReport.not_applicable`).

    Examples
    --------
    >>> issubclass(RegimeNotSupported, ValueError)
    True
    """


_SEEDS = st.integers(min_value=0, max_value=2**32 - 1)


@dataclasses.dataclass(frozen=True)
class Regime:
    r"""The regime of one initialisation.

    Attributes
    ----------
    name : str
        One of :data:`REGIMES` (or ``"upstream"``, ``"balanced"``,
        ``"downstream"`` for a plain value of :math:`\delta`, see :meth:`of_delta`).
    delta : float
        The value of the model's conserved imbalance :math:`\delta` at ``t = 0``.
    scale : float
        Initial scale: the model's initialisation for :math:`\delta / s^2` is
        multiplied by :math:`s` (``1`` except in the saddle regime; exact for
        the built-in models, whose :math:`\delta` is quadratic in the parameters).

    Examples
    --------
    >>> Regime.of_delta(-0.5)
    Regime(name='downstream', delta=-0.5, scale=1.0)
    >>> Regime(SADDLE, delta=2e-06, scale=0.001).describe()
    'saddle (delta=2e-06, scale=0.001)'
    """

    name: str
    delta: float
    scale: float = 1.0

    @classmethod
    def of_delta(cls, delta: float) -> "Regime":
        """The regime of a plain value of :math:`\\delta`: upstream (> 0), balanced (0) or downstream (< 0)."""
        delta = float(delta)
        if not math.isfinite(delta):
            raise ValueError(f"delta must be finite, got {delta!r}")
        return cls(UPSTREAM if delta > 0 else BALANCED if delta == 0 else DOWNSTREAM, delta)

    def describe(self) -> str:
        """Short text for reports: name, :math:`\\delta` and (if not 1) the scale."""
        scale = f", scale={self.scale:.3g}" if self.scale != 1 else ""
        return f"{self.name} (delta={self.delta:.3g}{scale})"


def _three_digits(x: float) -> float:
    return float(f"{x:.3g}")


def _seeded(draw: Callable[[np.random.Generator], Regime]) -> st.SearchStrategy:
    """A strategy of regimes drawn by ``draw`` from a generator seeded by hypothesis."""
    return _SEEDS.map(lambda seed: draw(np.random.default_rng(seed)))


def _uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return _three_digits(rng.uniform(lo, hi)) if lo < hi else lo


def upstream(delta: Sequence = (0.1, 4.0)) -> st.SearchStrategy:
    r"""Strategy: :math:`\delta > 0`, uniform on ``[delta[0], delta[1]]`` (upstream: lazy for large :math:`\delta`).

    Parameters
    ----------
    delta : pair of float
        ``0 < low <= high``.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of Regime

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(upstream())
    ... def in_range(regime):
    ...     assert regime.name == "upstream" and 0.1 <= regime.delta <= 4.0
    >>> in_range()
    """
    lo, hi = value_range(delta, "delta")
    if lo <= 0:
        raise ValueError(f"delta for the upstream regime must be > 0, got {delta!r}")
    return _seeded(lambda rng: Regime(UPSTREAM, _uniform(rng, lo, hi)))


def downstream(delta: Sequence = (-4.0, -0.1)) -> st.SearchStrategy:
    r"""Strategy: :math:`\delta < 0`, uniform on ``[delta[0], delta[1]]`` (downstream: delayed rich).

    Parameters
    ----------
    delta : pair of float
        ``low <= high < 0``.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of Regime

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(downstream())
    ... def in_range(regime):
    ...     assert -4.0 <= regime.delta <= -0.1
    >>> in_range()
    """
    lo, hi = value_range(delta, "delta", nonnegative=False)
    if hi >= 0:
        raise ValueError(f"delta for the downstream regime must be < 0, got {delta!r}")
    return _seeded(lambda rng: Regime(DOWNSTREAM, _uniform(rng, lo, hi)))


def balanced() -> st.SearchStrategy:
    r"""Strategy: :math:`\delta = 0` exactly (balanced: the rich regime).

    Returns
    -------
    hypothesis.strategies.SearchStrategy of Regime

    Examples
    --------
    >>> from hypothesis import find
    >>> find(balanced(), lambda regime: True)
    Regime(name='balanced', delta=0.0, scale=1.0)
    """
    return st.just(Regime(BALANCED, 0.0))


def near_balanced(side: int = 1, magnitude: Sequence = (1e-6, 1e-2)) -> st.SearchStrategy:
    r"""Strategy: :math:`\delta = \pm 10^U` with ``U`` uniform on ``[log10 low, log10 high]``.

    Parameters
    ----------
    side : {1, -1}
        The sign of :math:`\delta`.
    magnitude : pair of float
        ``0 < low <= high``: the range of :math:`|\delta|`.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of Regime

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(near_balanced(-1))
    ... def small_and_negative(regime):
    ...     assert -1e-2 <= regime.delta <= -1e-6
    >>> small_and_negative()
    """
    if side not in (1, -1):
        raise ValueError(f"side must be 1 or -1, got {side!r}")
    lo, hi = value_range(magnitude, "magnitude")
    if lo <= 0:
        raise ValueError(f"magnitude must satisfy 0 < low <= high, got {magnitude!r}")
    name = NEAR_UP if side > 0 else NEAR_DOWN
    return _seeded(lambda rng: Regime(name, side * _three_digits(10 ** _uniform(rng, math.log10(lo), math.log10(hi)))))


def sign_change(delta: Sequence = (-4.0, -0.1)) -> st.SearchStrategy:
    r"""Strategy: :math:`\delta < 0` uniform on ``[delta[0], delta[1]]``, with the readout ``a`` about to change sign.

    Only for :math:`\delta < 0` can the readout pass through 0 (for
    :math:`\delta \ge 0`, :math:`\eta_w a^2 \ge \delta + \eta_a\|w\|^2`).  The
    model's ``sign_change_init`` (see :class:`~symrich.testing.model.Model`)
    places ``a`` near 0 on the side opposite to its velocity, so that it
    crosses 0 early in the flow; models without one do not take part.

    Parameters
    ----------
    delta : pair of float
        ``low <= high < 0``.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of Regime

    Examples
    --------
    >>> from hypothesis import find
    >>> find(sign_change(), lambda regime: True).delta < 0
    True
    """
    lo, hi = value_range(delta, "delta", nonnegative=False)
    if hi >= 0:
        raise ValueError(f"delta for the sign-change regime must be < 0, got {delta!r}")
    return _seeded(lambda rng: Regime(SIGN_CHANGE, _uniform(rng, lo, hi)))


def saddle(scale: Sequence = (1e-5, 1e-3), delta: Sequence = (-4.0, 4.0)) -> st.SearchStrategy:
    r"""Strategy: a neighbourhood of the saddle at the origin (every parameter small).

    Draws :math:`s = 10^U` with ``U`` uniform on ``[log10 scale[0], log10
    scale[1]]`` and :math:`\tilde\delta` uniform on ``delta``; the example's
    parameters are :math:`s` times the model's initialisation for
    :math:`\tilde\delta`, so :math:`\delta = s^2 \tilde\delta`.  Gradients
    there are of order :math:`s`: the flow leaves the saddle only after a time
    of order :math:`\log(1/s)` (in units of the inverse of the largest
    growth rate at the saddle, e.g. :math:`1/\sqrt{\eta_a\eta_w}\|X^\top y\|`
    for the single neuron).

    Parameters
    ----------
    scale : pair of float
        ``0 < low <= high``.
    delta : pair of float
        Range of :math:`\tilde\delta`.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of Regime

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(saddle())
    ... def small(regime):
    ...     assert 1e-5 <= regime.scale <= 1e-3 and abs(regime.delta) <= 4e-6
    >>> small()
    """
    s_lo, s_hi = value_range(scale, "scale")
    if s_lo <= 0:
        raise ValueError(f"scale must satisfy 0 < low <= high, got {scale!r}")
    lo, hi = value_range(delta, "delta", nonnegative=False)

    def draw(rng: np.random.Generator) -> Regime:
        s = _three_digits(10 ** _uniform(rng, math.log10(s_lo), math.log10(s_hi)))
        return Regime(SADDLE, s * s * _uniform(rng, lo, hi), scale=s)

    return _seeded(draw)


_STRATA: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def any_regime(delta: Sequence = (-4.0, 4.0)) -> st.SearchStrategy:
    r"""Strategy: every regime of :data:`REGIMES`, with :math:`\delta` in ``[delta[0], delta[1]]``.

    The strata, with ``(lo, hi) = delta``: upstream uniform on
    ``[min(0.1, hi), hi]``; balanced; downstream uniform on
    ``[lo, max(-0.1, lo)]``; near-balanced on both sides,
    :math:`|\delta| = 10^U` with ``U`` uniform on ``[-6, -2]``; sign change
    of ``a`` with :math:`\delta` as downstream; saddle with
    :math:`\tilde\delta` uniform on ``[lo, hi]``.

    Passed as ``regime=`` to a check, it is **stratified**: the check runs
    ``ceil(max_examples / 7)`` examples in each regime, in the order of
    :data:`REGIMES`, so every regime is tested in every run (the sign-change
    regime only for models with a ``sign_change_init``).  Used directly in
    :func:`hypothesis.given` it is a mixture (hypothesis picks a regime per
    example); to stratify your own test, parametrize it over
    :func:`regime_strata`.

    Parameters
    ----------
    delta : pair of float
        ``lo <= -0.02`` and ``hi >= 0.02``.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of Regime

    Examples
    --------
    >>> [name for name, _ in regime_strata(any_regime())] == list(REGIMES)
    True
    >>> from hypothesis import given
    >>> @given(any_regime((-1, 1)))
    ... def in_range(regime):
    ...     assert -1.0 <= regime.delta <= 1.0
    >>> in_range()
    """
    lo, hi = value_range(delta, "delta", nonnegative=False)
    if lo > -0.02 or hi < 0.02:
        raise ValueError(f"delta for any_regime must have low <= -0.02 and high >= 0.02, got {delta!r} "
                         "(for one side use upstream(), downstream() or near_balanced())")
    strata = (
        (UPSTREAM, upstream((min(0.1, hi), hi))),
        (BALANCED, balanced()),
        (DOWNSTREAM, downstream((lo, max(-0.1, lo)))),
        (NEAR_UP, near_balanced(1)),
        (NEAR_DOWN, near_balanced(-1)),
        (SIGN_CHANGE, sign_change((lo, max(-0.1, lo)))),
        (SADDLE, saddle(delta=(lo, hi))),
    )
    strategy = st.one_of(*(s for _, s in strata))
    _STRATA[strategy] = strata
    return strategy


def regime_strata(regime: st.SearchStrategy) -> tuple:
    """The regimes a strategy from :func:`any_regime` covers: ``((name, strategy), ...)`` (``()`` for others).

    Parameters
    ----------
    regime : hypothesis strategy

    Returns
    -------
    tuple of (str, SearchStrategy)

    Examples
    --------
    >>> dict(regime_strata(any_regime()))["saddle"] is not None
    True
    >>> regime_strata(upstream())
    ()
    """
    try:
        return _STRATA.get(regime, ())
    except TypeError:
        return ()


def learning_rates(low: float = 0.1, high: float = 10.0, k: int = 2) -> st.SearchStrategy:
    r"""Strategy: ``k`` learning rates in ``[low, high]``, rounded to 3 significant digits.

    Each rate is :math:`\exp(u)` with ``u`` a hypothesis float in
    :math:`[\ln \text{low}, \ln \text{high}]`: hypothesis' own float
    distribution (it favours simple values and the bounds, not uniform), which
    shrinks towards :math:`u = 0`, i.e. rate 1, when the range contains 1, so
    a counterexample that does not need unequal rates shows rate 1.  They are
    assigned to the model's parameters in the order of
    :attr:`~symrich.testing.model.Model.rate_names` (``(eta_a, eta_w)`` for
    the single neuron).

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
        return min(max(_three_digits(math.exp(u)), lo), hi)

    one = st.floats(min_value=math.log(lo), max_value=math.log(hi), allow_nan=False).map(rate)
    return st.tuples(*([one] * k))
