r"""Claims about trajectories: invariants (:func:`assert_conserved`) and closed forms (:func:`assert_matches_flow`).

Both integrate each drawn example with the oracle and compare the claim with
it in **coordinates** of your choice: the raw parameters (default),
``"beta"`` (the model's function-space coordinates) or any map
``phi(p, rates)`` / ``phi(p, rates, data)`` of the parameters.  A claim
function that takes a third argument receives the example's
:class:`~symrich.testing.data.Dataset` (data-dependent claims).  Each check
runs through :func:`symrich.testing.runner.run_check` (regimes stratified,
failures replayed, examples counted per regime).

>>> from symrich.testing.zoo import single_neuron
>>> assert_conserved(lambda p, eta: eta["w"] * p["a"] ** 2 - eta["a"] * p["w"] @ p["w"],
...                  single_neuron(1), max_examples=2, times=(0.5,)).passed
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import mpmath
from hypothesis import strategies as st

from symrich.testing.cases import Example, call_claim, coordinates_of, oracle_trajectory
from symrich.testing.model import Model
from symrich.testing.profiles import DEFAULT_EXAMPLES
from symrich.testing.report import CheckReport
from symrich.testing.runner import Disagreement, as_times, check_callable, check_options, require_finite, run_check
from symrich.testing.values import digits_of_agreement, format_digits, format_value

__all__ = ["DEFAULT_EXAMPLES", "assert_conserved", "assert_matches_flow"]


def _label(coordinates: Any) -> str:
    return "beta" if coordinates == "beta" else "coordinates"


def assert_conserved(quantity: Callable, model: Model, *, coordinates: Any = None,
                     data: st.SearchStrategy | None = None, regime: st.SearchStrategy | None = None,
                     rates: st.SearchStrategy | None = None, times: Any = (0.5, 1.0), digits: float = 20,
                     dps: int = 30, max_examples: int | None = None, shrink: bool = True,
                     replay: bool = True) -> CheckReport:
    r"""Check that ``quantity`` is constant along the model's gradient flow.

    For each drawn :class:`~symrich.testing.cases.Example` the flow is
    integrated by the oracle to each of ``times``, and the quantity there is
    compared with its value at ``t = 0``: the digits of agreement
    (:func:`~symrich.testing.values.digits_of_agreement`, relative to
    ``max(1, |Q(0)|)``) must reach ``digits``.

    Parameters
    ----------
    quantity : callable
        ``quantity(z, rates)`` or ``quantity(z, rates, data)`` -> number,
        array or dict of them; ``z`` is the value of ``coordinates`` (by
        default the parameters ``{name: mpf or object array}``), ``rates``
        maps names to ``mpf`` (exact values of the drawn floats), ``data`` is the example's Dataset.
    model : Model
    coordinates : None, "beta" or callable
        See :func:`~symrich.testing.cases.coordinates_of`.
    data, regime, rates : hypothesis strategies, optional
        See :func:`~symrich.testing.cases.examples`; ``regime=any_regime()``
        covers every regime in every run.
    times : float or sequence of float
        Times at which to compare.
    digits : float
        Required digits of agreement (at most ``dps``).
    dps : int
        Oracle precision, 15 to 45.
    max_examples : int, optional
        Examples in total (default: 12, or 60 under the ``thorough`` profile).
    shrink : bool
        Shrink a failing example (each shrink step is one integration).
    replay : bool
        Store a failing example and replay it first on the next run.

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
    ...     assert_conserved(swapped, model, max_examples=5, times=(0.5,), replay=False)
    ... except AssertionError as err:
    ...     print(str(err).splitlines()[0])
    assert_conserved failed for single neuron (d=2); smallest failing example (after shrinking):

    A data-dependent invariant: on rank-deficient data the part of ``w``
    outside the row space of ``X`` never moves (``w' = -eta_w a X^T r``):

    >>> import numpy as np
    >>> from symrich.testing.data import rank_deficient_data
    >>> def frozen_part(p, eta, data):
    ...     X = data.X
    ...     G = np.array(mpmath.inverse(mpmath.matrix((X @ X.T).tolist())).tolist(), dtype=object)
    ...     return p["w"] - X.T @ (G @ (X @ p["w"]))
    >>> assert_conserved(frozen_part, single_neuron(3), data=rank_deficient_data(2, 3, rank=2),
    ...                  max_examples=2, times=(1.0,)).worst_digits > 25
    True
    """
    check_options(model, digits, dps, shrink=shrink, replay=replay, coordinates=coordinates)
    check_callable(quantity, "quantity", (2, 3), "quantity(z, rates) or quantity(z, rates, data)")
    ts = as_times(times)

    def value(ex: Example, params: Mapping) -> Any:
        return call_claim(quantity, coordinates_of(ex, params, coordinates), ex.rates, ex.data)

    def prop(ex: Example) -> float:
        trajectory = oracle_trajectory(ex, [0.0, *ts] if ts[0] > 0 else ts, dps=dps)
        with mpmath.workdps(dps):
            q0 = value(ex, trajectory[0])
            require_finite(q0, "quantity at t=0", ex)
            worst, where = float(dps), None
            for tk, pk in zip(ts, trajectory[-len(ts):]):
                require_finite(pk, f"the oracle's parameters at t={tk}", ex)
                qk = value(ex, pk)
                require_finite(qk, f"quantity at t={tk}", ex)
                agree = digits_of_agreement(qk, q0, cap=dps)
                if agree < worst:
                    worst, where = agree, (tk, qk)
        if worst < digits:
            tk, qk = where
            raise Disagreement(f"  {ex!r}\n  quantity at t=0: {format_value(q0, 15)}\n"
                               f"  quantity at t={tk}: {format_value(qk, 15)}\n"
                               f"  digits of agreement: {format_digits(worst)} (required {digits}, oracle dps={dps})")
        return worst

    return run_check("assert_conserved", model, prop, data=data, regime=regime, rates=rates, digits=digits,
                     max_examples=max_examples, shrink=shrink, replay=replay,
                     key=(quantity, coordinates, ts, digits, dps, data, regime, rates))


def assert_matches_flow(closed_form: Callable, model: Model, *, coordinates: Any = None,
                        data: st.SearchStrategy | None = None, regime: st.SearchStrategy | None = None,
                        rates: st.SearchStrategy | None = None, times: Any = (0.5, 1.0), digits: float = 20,
                        dps: int = 30, max_examples: int | None = None, shrink: bool = True,
                        replay: bool = True) -> CheckReport:
    r"""Check that a closed form ``closed_form(t, example)`` gives the flow at time ``t``.

    Parameters
    ----------
    closed_form : callable
        ``closed_form(t, example)`` -> the predicted value at time ``t`` (an
        ``mpf``) of ``coordinates``.  Without ``coordinates``: a dict mapping
        some (or all) parameter names to values, and only the returned names
        are compared; with ``coordinates="beta"``: :math:`\beta(t)`; with a
        map returning a dict: some of its keys.  Runs inside
        ``mpmath.workdps(dps)``.
    model : Model
    coordinates : None, "beta" or callable
        See :func:`~symrich.testing.cases.coordinates_of`.
    data, regime, rates : hypothesis strategies, optional
        See :func:`~symrich.testing.cases.examples`.
    times : float or sequence of float
        Comparison times.
    digits : float
        Required digits of agreement per compared entry (relative to
        ``max(1, |oracle value|)``).
    dps, max_examples, shrink, replay
        As in :func:`assert_conserved`.

    Returns
    -------
    CheckReport

    Raises
    ------
    AssertionError
        With the (shrunk) failing example, the coordinate, the time, both
        values and the digits of agreement.

    Examples
    --------
    At :math:`\delta = 0` with :math:`\eta_a = \eta_w` and ``X = 0`` nothing moves:

    >>> import numpy as np
    >>> from symrich.testing.data import Dataset
    >>> from symrich.testing.zoo import single_neuron
    >>> zero = st.just(Dataset(X=np.zeros((1, 1), dtype=object), Y=np.ones((1, 1), dtype=object)))
    >>> report = assert_matches_flow(lambda t, ex: ex.params, single_neuron(1), data=zero,
    ...                              max_examples=2, times=(1.0,))
    >>> report.worst_digits
    30.0

    In function space, :math:`\beta = a w` stays put there too:

    >>> assert_matches_flow(lambda t, ex: ex.params["a"] * ex.params["w"], single_neuron(1), data=zero,
    ...                     coordinates="beta", max_examples=2, times=(1.0,)).worst_digits
    30.0
    """
    check_options(model, digits, dps, shrink=shrink, replay=replay, coordinates=coordinates)
    check_callable(closed_form, "closed_form", (2,), "closed_form(t, example)")
    ts = as_times(times)
    label = _label(coordinates)

    def prop(ex: Example) -> float:
        trajectory = oracle_trajectory(ex, ts, dps=dps)
        worst, where = float(dps), None
        with mpmath.workdps(dps):
            for tk, pk in zip(ts, trajectory):
                predicted = closed_form(mpmath.mpf(tk), ex)
                require_finite(predicted, f"closed form at t={tk}", ex)
                reached = coordinates_of(ex, pk, coordinates)
                require_finite(reached, f"the oracle's {label} at t={tk}", ex)
                if isinstance(reached, Mapping):
                    if not isinstance(predicted, Mapping) or not predicted:
                        raise ValueError(f"closed_form must return a non-empty dict of {label}, got {predicted!r}")
                    pairs = []
                    for name, v in predicted.items():
                        if name not in reached:
                            raise ValueError(f"closed_form returned {name!r}, which is not "
                                             f"{'a parameter of ' + model.name if coordinates is None else 'a key of the coordinates'}")
                        pairs.append((name, v, reached[name]))
                else:
                    pairs = [(label, predicted, reached)]
                for name, v, ref in pairs:
                    agree = digits_of_agreement(v, ref, cap=dps)
                    if agree < worst:
                        worst, where = agree, (tk, name, v, ref)
        if worst < digits:
            tk, name, v, ref = where
            raise Disagreement(f"  {ex!r}\n  at t={tk}: {name} (oracle)      = {format_value(ref, 15)}\n"
                               f"  at t={tk}: {name} (closed form) = {format_value(v, 15)}\n"
                               f"  digits of agreement: {format_digits(worst)} (required {digits}, oracle dps={dps})")
        return worst

    return run_check("assert_matches_flow", model, prop, data=data, regime=regime, rates=rates, digits=digits,
                     max_examples=max_examples, shrink=shrink, replay=replay,
                     key=(closed_form, coordinates, ts, digits, dps, data, regime, rates))
