r"""The checks: a claim about the gradient flow, tested against the oracle over drawn examples.

* :func:`assert_conserved` -- a quantity of the parameters stays constant;
* :func:`assert_matches_flow` -- a closed form equals the parameters at time ``t``;
* :func:`assert_converges_to` -- an observable reaches a predicted limit.

Each runs its own :func:`hypothesis.given` over :func:`~symrich.testing.cases.examples`
and returns a :class:`~symrich.testing.report.CheckReport`, or raises an
``AssertionError`` with the shrunk counterexample.

>>> from symrich.testing.zoo import single_neuron
>>> assert_conserved(lambda p, eta: eta["w"] * p["a"] ** 2 - eta["a"] * p["w"] @ p["w"],
...                  single_neuron(1), max_examples=2, times=(0.5,)).passed
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import mpmath
import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from symrich.testing.cases import Example, examples, oracle_trajectory
from symrich.testing.model import Model
from symrich.testing.report import CheckReport
from symrich.testing.values import digits_of_agreement, format_value, positive_int

__all__ = ["DEFAULT_EXAMPLES", "assert_conserved", "assert_converges_to", "assert_matches_flow"]

#: Default number of examples each check draws.
DEFAULT_EXAMPLES = 12


class _Disagreement(AssertionError):
    """Raised inside the property; carries the digits of agreement."""


def _times(times: Any) -> list:
    if isinstance(times, (int, float, np.floating, np.integer)) and not isinstance(times, bool):
        times = [times]
    try:
        ts = [float(t) for t in times]
    except (TypeError, ValueError):
        raise ValueError(f"times must be a number or a sequence of numbers, got {times!r}") from None
    if not ts or any(not math.isfinite(t) or t < 0 for t in ts) or any(b <= a for a, b in zip(ts, ts[1:])):
        raise ValueError(f"times must be finite, >= 0 and strictly increasing, got {times!r}")
    return ts


def _run(check_name: str, model: Model, prop: Callable, strategy: st.SearchStrategy, *, digits: float,
         max_examples: int, shrink: bool) -> CheckReport:
    max_examples = positive_int(max_examples, "max_examples")
    worst = [math.inf]
    count = [0]

    def wrapped(example: Example) -> None:
        count[0] += 1
        got = prop(example)
        worst[0] = min(worst[0], got)

    phases = [Phase.explicit, Phase.reuse, Phase.generate] + ([Phase.shrink] if shrink else [])
    runner = settings(max_examples=max_examples, deadline=None, database=None, report_multiple_bugs=False,
                      phases=phases, suppress_health_check=list(HealthCheck))(given(strategy)(wrapped))
    try:
        runner()
    except _Disagreement as exc:
        shrunk = "smallest failing example (after shrinking)" if shrink else "first failing example (no shrinking)"
        raise AssertionError(f"{check_name} failed for {model.name}; {shrunk}:\n{exc}") from None
    return CheckReport(check=check_name, model=model.name, n_examples=count[0], worst_digits=worst[0],
                       required_digits=float(digits))


def _check_common(model: Any, digits: Any, dps: Any) -> None:
    if not isinstance(model, Model):
        raise ValueError(f"model must be a symrich.testing.Model, got {type(model).__name__}")
    if isinstance(dps, bool) or not isinstance(dps, (int, np.integer)) or not 15 <= dps <= 45:
        raise ValueError(f"dps must be an integer in [15, 45], got {dps!r}")
    if isinstance(digits, bool) or not isinstance(digits, (int, float)) or not 0 < digits <= dps:
        raise ValueError(f"digits must be a number in (0, dps], got {digits!r}")


def assert_conserved(quantity: Callable, model: Model, *, data: st.SearchStrategy | None = None,
                     regime: st.SearchStrategy | None = None, rates: st.SearchStrategy | None = None,
                     times: Any = (0.5, 1.0), digits: float = 20, dps: int = 30,
                     max_examples: int = DEFAULT_EXAMPLES, shrink: bool = True) -> CheckReport:
    r"""Check that ``quantity(params, rates)`` is constant along the model's gradient flow.

    For each drawn :class:`Example` the raw parameter flow is integrated by
    the oracle to each of ``times``, and the quantity there is compared with
    its value at ``t = 0``: the digits of agreement
    (:func:`digits_of_agreement`, relative to ``max(1, |Q(0)|)``) must reach
    ``digits``.

    Parameters
    ----------
    quantity : callable
        ``quantity(params, rates)`` -> number or array; ``params`` maps names
        to ``mpf`` / object arrays, ``rates`` names to floats.
    model : Model
    data, regime, rates : hypothesis strategies, optional
        See :func:`examples`.
    times : float or sequence of float
        Times at which to compare.
    digits : float
        Required digits of agreement (at most ``dps``).
    dps : int
        Oracle precision, 15 to 45.
    max_examples : int
        Examples hypothesis draws (before shrinking).
    shrink : bool
        Shrink a failing example (each shrink step is one integration).

    Returns
    -------
    CheckReport

    Raises
    ------
    AssertionError
        With the (shrunk) failing example, the time and the digits of agreement.
    ValueError
        For invalid arguments.

    Examples
    --------
    >>> from symrich.testing.zoo import single_neuron
    >>> model = single_neuron(2)
    >>> swapped = lambda p, eta: eta["a"] * p["a"] ** 2 - eta["w"] * (p["w"] @ p["w"])
    >>> try:
    ...     assert_conserved(swapped, model, max_examples=5, times=(0.5,))
    ... except AssertionError as err:
    ...     print(str(err).splitlines()[0])
    assert_conserved failed for single neuron (d=2); smallest failing example (after shrinking):
    """
    _check_common(model, digits, dps)
    if not callable(quantity):
        raise ValueError(f"quantity must be callable, got {quantity!r}")
    ts = _times(times)

    def prop(ex: Example) -> float:
        trajectory = oracle_trajectory(ex, [0.0, *ts] if ts[0] > 0 else ts, dps=dps)
        with mpmath.workdps(dps):
            q0 = quantity(trajectory[0], dict(ex.rates))
            worst, where = float(dps), None
            for tk, pk in zip(ts, trajectory[-len(ts):]):
                qk = quantity(pk, dict(ex.rates))
                agree = digits_of_agreement(qk, q0, cap=dps)
                if agree < worst:
                    worst, where = agree, (tk, qk)
        if worst < digits:
            tk, qk = where
            raise _Disagreement(f"  {ex!r}\n  quantity at t=0: {format_value(q0, 15)}\n  quantity at t={tk}: {format_value(qk, 15)}\n"
                                f"  digits of agreement: {worst:.1f} (required {digits}, oracle dps={dps})")
        return worst

    return _run("assert_conserved", model, prop, examples(model, data, regime, rates), digits=digits,
                max_examples=max_examples, shrink=shrink)


def assert_matches_flow(closed_form: Callable, model: Model, *, data: st.SearchStrategy | None = None,
                        regime: st.SearchStrategy | None = None, rates: st.SearchStrategy | None = None,
                        times: Any = (0.5, 1.0), digits: float = 20, dps: int = 30,
                        max_examples: int = DEFAULT_EXAMPLES, shrink: bool = True) -> CheckReport:
    r"""Check that a closed form ``closed_form(t, example)`` gives the parameters of the flow at time ``t``.

    Parameters
    ----------
    closed_form : callable
        ``closed_form(t, example) -> dict`` mapping some (or all) parameter
        names to predicted values at time ``t`` (an ``mpf``); only the
        returned names are compared.  Runs inside ``mpmath.workdps(dps)``.
    model : Model
    data, regime, rates : hypothesis strategies, optional
        See :func:`examples`.
    times : float or sequence of float
        Comparison times.
    digits : float
        Required digits of agreement per parameter (relative to
        ``max(1, |oracle value|)``).
    dps, max_examples, shrink
        As in :func:`assert_conserved`.

    Returns
    -------
    CheckReport

    Raises
    ------
    AssertionError
        With the (shrunk) failing example, the parameter, the time, both values
        and the digits of agreement.

    Examples
    --------
    At :math:`\delta = 0` with :math:`\eta_a = \eta_w` and ``X = 0`` nothing moves:

    >>> import numpy as np
    >>> from hypothesis import strategies as st
    >>> from symrich.testing.data import Dataset
    >>> from symrich.testing.zoo import single_neuron
    >>> zero = st.just(Dataset(X=np.zeros((1, 1), dtype=object), Y=np.ones((1, 1), dtype=object)))
    >>> report = assert_matches_flow(lambda t, ex: ex.params, single_neuron(1), data=zero,
    ...                              max_examples=2, times=(1.0,))
    >>> report.worst_digits
    30.0
    """
    _check_common(model, digits, dps)
    if not callable(closed_form):
        raise ValueError(f"closed_form must be callable, got {closed_form!r}")
    ts = _times(times)

    def prop(ex: Example) -> float:
        trajectory = oracle_trajectory(ex, ts, dps=dps)
        worst, where = float(dps), None
        with mpmath.workdps(dps):
            for tk, pk in zip(ts, trajectory):
                predicted = closed_form(mpmath.mpf(tk), ex)
                if not isinstance(predicted, Mapping) or not predicted:
                    raise ValueError(f"closed_form must return a non-empty dict of parameter values, got {predicted!r}")
                for name, value in predicted.items():
                    if name not in pk:
                        raise ValueError(f"closed_form returned {name!r}, which is not a parameter of {model.name}")
                    agree = digits_of_agreement(value, pk[name], cap=dps)
                    if agree < worst:
                        worst, where = agree, (tk, name, value, pk[name])
        if worst < digits:
            tk, name, value, ref = where
            raise _Disagreement(f"  {ex!r}\n  at t={tk}: {name} (oracle)      = {format_value(ref, 15)}\n"
                                f"  at t={tk}: {name} (closed form) = {format_value(value, 15)}\n"
                                f"  digits of agreement: {worst:.1f} (required {digits}, oracle dps={dps})")
        return worst

    return _run("assert_matches_flow", model, prop, examples(model, data, regime, rates), digits=digits,
                max_examples=max_examples, shrink=shrink)


def assert_converges_to(limit: Callable, model: Model, *, observable: Callable | None = None,
                        data: st.SearchStrategy | None = None, regime: st.SearchStrategy | None = None,
                        rates: st.SearchStrategy | None = None, t: float = 30.0, digits: float = 6,
                        dps: int = 20, max_examples: int = DEFAULT_EXAMPLES, shrink: bool = True) -> CheckReport:
    r"""Check that the flow at a long time ``t`` has reached ``limit(example)``.

    Convergence is exponential at best, so the digits reached at time ``t``
    are limited by the slowest rate; choose ``t``, ``digits`` and the
    strategies (regime, rates) so that the true limit is reached to
    ``digits`` and a wrong one is not.

    Parameters
    ----------
    limit : callable
        ``limit(example)`` -> the predicted value of ``observable`` as
        :math:`t \to \infty` (or, without ``observable``, a dict of parameter
        values as in :func:`assert_matches_flow`).
    model : Model
    observable : callable, optional
        ``observable(params, rates)`` -> number or array, e.g.
        :math:`\beta = a w`.
    data, regime, rates : hypothesis strategies, optional
        See :func:`examples`.
    t : float
        Integration time.
    digits : float
        Required digits of agreement at time ``t``.
    dps : int
        Oracle precision (default 20: long runs, few digits needed).
    max_examples, shrink
        As in :func:`assert_conserved`.

    Returns
    -------
    CheckReport

    Raises
    ------
    AssertionError
        With the (shrunk) failing example, both values and the digits of agreement.

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
    _check_common(model, digits, dps)
    if not callable(limit):
        raise ValueError(f"limit must be callable, got {limit!r}")
    if observable is not None and not callable(observable):
        raise ValueError(f"observable must be callable, got {observable!r}")
    (t_end,) = _times([t])
    if t_end <= 0:
        raise ValueError(f"t must be > 0, got {t!r}")

    def prop(ex: Example) -> float:
        (final,) = oracle_trajectory(ex, [t_end], dps=dps)
        with mpmath.workdps(dps):
            predicted = limit(ex)
            if observable is None:
                if not isinstance(predicted, Mapping) or not predicted:
                    raise ValueError("without observable, limit must return a dict of parameter values")
                reached = {name: final[name] for name in predicted}
            else:
                reached = observable(final, dict(ex.rates))
            agree = digits_of_agreement(predicted, reached, cap=dps)
        if agree < digits:
            raise _Disagreement(f"  {ex!r}\n  reached at t={t_end}: {format_value(reached, 15)}\n"
                                f"  predicted limit:    {format_value(predicted, 15)}\n"
                                f"  digits of agreement: {agree:.1f} (required {digits}, oracle dps={dps})")
        return agree

    return _run("assert_converges_to", model, prop, examples(model, data, regime, rates), digits=digits,
                max_examples=max_examples, shrink=shrink)

