r"""Limit claims: :func:`assert_converges_to` tells a wrong limit from a time too short.

A finite integration shows convergence only up to the slowest rate.  So the
check integrates to :math:`t/2`, :math:`3t/4` and :math:`t` and, when the
claimed limit :math:`L` is not reached to the required digits, measures how
the flow settles.  With the increments :math:`e_1 = |x(3t/4) - x(t/2)|`,
:math:`e_2 = |x(t) - x(3t/4)|` (max-norm over the observable's entries;
an increment below the rounding floor :math:`10^{3-\text{dps}}\max(1,|L|)` counts as
0), the settling ratio :math:`\rho = e_2/e_1` per quarter :math:`\Delta = t/4`
gives the rate :math:`r = -\ln\rho/\Delta` and, if :math:`\rho < 1`, the
limit of the flow by geometric extrapolation,
:math:`\hat L = x(t) + (x(t) - x(3t/4))\,\rho/(1 - \rho)`.  The verdict says
what was measured:

* **converging to something else**, at rest: :math:`e_2 = 0`, so
  :math:`x(t)` is the flow's limit to the working precision, and it is not
  :math:`L`;
* **converging to something else**, extrapolated: :math:`\hat L` is
  farther from :math:`L` than ten times the extrapolated tail
  :math:`|\hat L - x(t)|` (plus the tolerance
  :math:`10^{-\text{digits}}\max(1, |L|)`); the message gives :math:`\hat L`
  and its digits of agreement with :math:`L`;
* **not converged yet** otherwise: the increments shrink and :math:`\hat L`
  is within ten tails of :math:`L` (consistent with :math:`L`, which a finite
  time cannot prove); the message gives the rate and the time
  :math:`t + \ln(|x(t) - L| / \text{tol})/r` the required digits would need;
* **not settling** when :math:`\rho \ge 1`: the last increment is not smaller
  than the one before (e.g. the flow is still leaving a saddle), so no limit
  can be estimated from :math:`[t/2, t]`; a longer time may tell.

>>> classify_settling([[1.0], [1.0 + 1e-4], [1.0 + 1e-4 + 1e-6]], [1.0], 6, 40.0).verdict
'converging to something else'
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from typing import Any

import mpmath
from hypothesis import strategies as st

from symrich.testing.cases import Example, call_claim, coordinates_of, oracle_trajectory
from symrich.testing.model import Model
from symrich.testing.report import CheckReport
from symrich.testing.runner import Disagreement, as_times, check_callable, check_options, require_finite, run_check
from symrich.testing.values import digits_of_agreement, flat_mpf, format_digits, format_value

__all__ = ["Settling", "assert_converges_to", "classify_settling"]

NOT_YET, ELSEWHERE, NOT_SETTLING, REACHED = ("not converged yet", "converging to something else", "not settling",
                                            "reached")


@dataclasses.dataclass(frozen=True)
class Settling:
    r"""How a trajectory settles near time ``t`` (see the module docstring).

    Attributes
    ----------
    verdict : str
        ``"reached"``, ``"not converged yet"``, ``"converging to something else"`` or ``"not settling"``.
    digits : float
        Digits of agreement of :math:`x(t)` with the claimed limit.
    rate : float
        :math:`r = -\ln\rho/\Delta` (``nan`` if the flow has stopped, ``<= 0`` if it does not settle).
    extrapolated : list of mpf or None
        :math:`\hat L` (None unless :math:`\rho < 1`).
    extrapolated_digits : float
        Digits of agreement of :math:`\hat L` with the claimed limit (``nan`` without :math:`\hat L`).
    time_needed : float
        Estimated time to reach the required digits (``nan`` unless not converged yet).
    increments : tuple of float
        :math:`(e_1, e_2)`, after the rounding floor (0 below it).

    Examples
    --------
    >>> s = classify_settling([[2.0], [1.0 + 1e-2], [1.0 + 1e-4]], [1.0], 6, 40.0)
    >>> s.verdict, round(s.rate, 3), round(s.time_needed, 6)
    ('not converged yet', 0.461, 50.0)
    """

    verdict: str
    digits: float
    rate: float
    extrapolated: list | None
    extrapolated_digits: float
    time_needed: float
    increments: tuple = (float("nan"), float("nan"))


def classify_settling(values: list, limit: Any, digits: float, t: float, *, cap: float = 30.0) -> Settling:
    r"""Classify the values at :math:`t/2, 3t/4, t` against a claimed limit (see the module docstring).

    Parameters
    ----------
    values : list of three
        The observable at :math:`t/2`, :math:`3t/4` and :math:`t` (numbers, arrays or dicts).
    limit : number, array or dict
        The claimed limit.
    digits : float
        Required digits of agreement.
    t : float
    cap : float
        Upper bound on reported digits (the oracle precision).

    Returns
    -------
    Settling

    Examples
    --------
    >>> classify_settling([[1.0], [1.0], [1.0]], [1.0], 6, 10.0).verdict
    'reached'
    >>> classify_settling([[0.0], [1.0], [2.0]], [5.0], 6, 10.0).verdict
    'not settling'
    """
    x1, x2, x3 = (flat_mpf(v, "observable") for v in values)
    target = flat_mpf(limit, "limit")
    if len(target) != len(x3):
        raise ValueError(f"the limit has {len(target)} entries but the observable has {len(x3)}")
    reached = digits_of_agreement(x3, target, cap=cap)
    nan = float("nan")
    scale = max([mpmath.mpf(1)] + [abs(v) for v in target])
    floor = scale * mpmath.mpf(10) ** (3 - cap)         # increments below it are rounding noise

    def increment(u: list, v: list) -> Any:
        e = max(abs(b - a) for a, b in zip(u, v))
        return e if e > floor else mpmath.mpf(0)

    e1, e2 = increment(x1, x2), increment(x2, x3)
    seen = (float(e1), float(e2))
    rho = e2 / e1 if e1 > 0 else (mpmath.mpf(0) if e2 == 0 else mpmath.inf)
    rate = float(-mpmath.log(rho) / (t / 4)) if 0 < rho < mpmath.inf else nan
    if reached >= digits:
        return Settling(REACHED, reached, rate, None, nan, nan, seen)
    if e2 == 0:        # at rest at this precision: what it reached is its limit
        return Settling(ELSEWHERE, reached, nan, x3, reached, nan, seen)
    if rho >= 1:
        return Settling(NOT_SETTLING, reached, rate, None, nan, nan, seen)
    guess = [c + (c - b) * rho / (1 - rho) for b, c in zip(x2, x3)]
    guessed = digits_of_agreement(guess, target, cap=cap)
    tail = max(abs(g - c) for g, c in zip(guess, x3))
    tolerance = scale * mpmath.mpf(10) ** -digits
    if max(abs(g - v) for g, v in zip(guess, target)) > 10 * tail + tolerance:
        return Settling(ELSEWHERE, reached, rate, guess, guessed, nan, seen)
    distance = max(abs(a - b) for a, b in zip(x3, target))
    needed = t + float(mpmath.log(distance / tolerance)) / rate
    return Settling(NOT_YET, reached, rate, guess, guessed, needed, seen)


def assert_converges_to(limit: Callable, model: Model, *, observable: Any = None,
                        data: st.SearchStrategy | None = None, regime: st.SearchStrategy | None = None,
                        rates: st.SearchStrategy | None = None, t: float = 30.0, digits: float = 6,
                        dps: int = 20, max_examples: int | None = None, shrink: bool = True,
                        replay: bool = True) -> CheckReport:
    r"""Check that the flow at a long time ``t`` has reached ``limit(example)``, and say why not.

    Parameters
    ----------
    limit : callable
        ``limit(example)`` -> the predicted value of ``observable`` as
        :math:`t \to \infty` (or, without ``observable``, a dict of parameter
        values as in :func:`~symrich.testing.checks.assert_matches_flow`).
    model : Model
    observable : callable or "beta", optional
        ``observable(p, rates)`` or ``observable(p, rates, data)`` -> number,
        array or dict, e.g. :math:`\beta = a w`; ``"beta"`` for the model's
        function-space coordinates.
    data, regime, rates : hypothesis strategies, optional
        See :func:`~symrich.testing.cases.examples`.
    t : float
        Integration time.
    digits : float
        Required digits of agreement at time ``t``.
    dps : int
        Oracle precision (default 20: long runs, few digits needed).
    max_examples, shrink, replay
        As in :func:`~symrich.testing.checks.assert_conserved`.

    Returns
    -------
    CheckReport
        Its ``note`` gives the slowest settling rate seen among the examples.

    Raises
    ------
    AssertionError
        With the (shrunk) failing example, both values, the digits of
        agreement and the verdict: not converged yet (with the rate and the
        time needed), converging to something else (with the extrapolated
        limit) or not settling.

    Examples
    --------
    >>> from symrich.testing.data import whitened_data
    >>> from symrich.testing.regimes import upstream
    >>> from symrich.testing.zoo import single_neuron
    >>> beta = lambda p, eta: p["a"] * p["w"]
    >>> report = assert_converges_to(lambda ex: ex.data.beta_star(), single_neuron(1), observable=beta,
    ...                              data=whitened_data(1, 1), regime=upstream((0.5, 1.0)),
    ...                              max_examples=2, t=40.0)
    >>> report.worst_digits > 6
    True
    """
    check_options(model, digits, dps, shrink=shrink, replay=replay)
    check_callable(limit, "limit", (1,), "limit(example)")
    if observable is not None and observable != "beta":
        if not callable(observable):
            raise ValueError(f"observable must be callable or 'beta', got {observable!r}")
        check_callable(observable, "observable", (2, 3), "observable(p, rates) or observable(p, rates, data)")
    (t_end,) = as_times([t])
    if t_end <= 0:
        raise ValueError(f"t must be > 0, got {t!r}")
    rates_seen: list = []

    def observe(ex: Example, params: Mapping, predicted: Any) -> Any:
        if observable is None:
            if not isinstance(predicted, Mapping) or not predicted:
                raise ValueError("without observable, limit must return a dict of parameter values")
            return {name: params[name] for name in predicted}
        if observable == "beta":
            return coordinates_of(ex, params, "beta")
        return call_claim(observable, dict(params), ex.rates, ex.data)

    def prop(ex: Example) -> float:
        trajectory = oracle_trajectory(ex, [t_end / 2, 3 * t_end / 4, t_end], dps=dps)
        with mpmath.workdps(dps):
            predicted = limit(ex)
            require_finite(predicted, "predicted limit", ex)
            values = [observe(ex, p, predicted) for p in trajectory]
            for tk, v in zip((t_end / 2, 3 * t_end / 4, t_end), values):
                require_finite(v, f"the oracle's observable at t={tk:g}", ex)
            settling = classify_settling(values, predicted, digits, t_end, cap=dps)
        if settling.verdict != REACHED:
            raise Disagreement(f"  {ex!r}\n  reached at t={t_end}: {format_value(values[-1], 15)}\n"
                               f"  predicted limit:    {format_value(predicted, 15)}\n"
                               f"  digits of agreement: {format_digits(settling.digits)} (required {digits}, "
                               f"oracle dps={dps})\n"
                               f"  verdict: {_explain(settling, t_end, dps)}")
        rates_seen.append(settling.rate)
        return settling.digits

    def note() -> str:
        finite = [r for r in rates_seen if math.isfinite(r)]
        return (f"slowest settling rate seen {min(finite):.3g} per unit time (from the increments between "
                f"t={t_end / 2:g} and t={t_end:g})" if finite else "")

    return run_check("assert_converges_to", model, prop, data=data, regime=regime, rates=rates, digits=digits,
                     max_examples=max_examples, shrink=shrink, replay=replay,
                     key=(limit, observable, t_end, digits, dps, data, regime, rates), note=note)


def _explain(s: Settling, t: float, dps: int) -> str:
    """The verdict in words: what was measured between ``t/2`` and ``t``, and what it implies."""
    e1, e2 = s.increments
    window = f"t={t / 2:g}, {3 * t / 4:g}, {t:g}"
    if s.verdict == NOT_YET:
        return (f"not converged yet: at {window} the increments shrink ({e1:.3g}, then {e2:.3g}: rate {s.rate:.3g} "
                f"per unit time); extrapolated geometrically, the flow's limit agrees with the claimed one to "
                f"{format_digits(s.extrapolated_digits)} digits, within the extrapolation's uncertainty (consistent "
                f"with it, not a proof); at this rate the required digits need about t={s.time_needed:.3g}")
    if s.verdict == ELSEWHERE and math.isnan(s.rate):
        return (f"converging to something else: x does not change between t={3 * t / 4:g} and t={t:g} at {dps} "
                f"digits, so x(t) = {format_value(s.extrapolated, 12)} is the flow's limit to that precision; it "
                f"agrees with the claimed limit to {format_digits(s.extrapolated_digits)} digits")
    if s.verdict == ELSEWHERE:
        return (f"converging to something else: at {window} the increments shrink ({e1:.3g}, then {e2:.3g}: rate "
                f"{s.rate:.3g} per unit time); extrapolated geometrically, the flow's limit is "
                f"{format_value(s.extrapolated, 12)}, which agrees with the claimed limit to "
                f"{format_digits(s.extrapolated_digits)} digits, farther from it than ten times the extrapolation's "
                f"uncertainty")
    return (f"not settling: at {window} the last increment ({e2:.3g}) is not smaller than the one before "
            f"({e1:.3g}), e.g. the flow is still leaving a saddle; no limit can be estimated: try a longer t")
