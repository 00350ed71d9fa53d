r"""One drawn case (:class:`Example`: model, initial parameters, rates, data, regime), its strategy, the oracle run.

:func:`examples` combines the data, rate and regime strategies into
:class:`Example` objects; :func:`oracle_trajectory` integrates the example's
parameter flow (the Taylor oracle :func:`symrich.oracle.integrate_flow` for
polynomial and smooth models, the model's own integrator for kinked ones);
:func:`coordinates_of` evaluates the coordinates a claim is stated in.

>>> from hypothesis import given
>>> from symrich.testing.zoo import single_neuron
>>> @given(examples(single_neuron(1)))
... def starts_where_drawn(ex):
...     (p0,) = oracle_trajectory(ex, [0.0])
...     assert p0["a"] == ex.params["a"]
>>> starts_where_drawn()
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import mpmath
import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from symrich.oracle import integrate_flow
from symrich.testing.data import Dataset, gaussian_data
from symrich.testing.flows import beta_expressions, evaluate
from symrich.testing.model import Model
from symrich.testing.regimes import SIGN_CHANGE, Regime, RegimeNotSupported, learning_rates, regime_strata
from symrich.testing.values import format_value

__all__ = ["Example", "call_claim", "coordinates_of", "examples", "flow_parameters", "oracle_trajectory",
           "strata_for"]

#: Extra digits at which auxiliary initial values and coordinate maps are evaluated.
GUARD_DIGITS = 20


@dataclasses.dataclass(frozen=True, eq=False)
class Example:
    """One drawn case: a model's initial parameters, learning rates, data and regime.

    Attributes
    ----------
    model : Model
    params : dict
        Initial parameters ``{name: mpf or object array}``.
    rates : dict
        ``{name: float}``.
    data : Dataset
    delta : float or None
        The value of :math:`\\delta` requested (None: no regime requested).
    seed : int
        Seed of the initialisation.
    regime : Regime or None
        The regime drawn (None: the model's generic initialisation, or a plain ``delta``).

    Examples
    --------
    >>> from symrich.testing.data import make_dataset
    >>> from symrich.testing.zoo import single_neuron
    >>> model = single_neuron(1)
    >>> rates = {"a": 1.0, "w": 2.0}
    >>> ex = Example(model=model, params=model.initial_parameters(0.0, rates, seed=0), rates=rates,
    ...              data=make_dataset("whitened", 2, 1, seed=0), delta=0.0, seed=0)
    >>> repr(ex)[:56]
    'Example(single neuron (d=1): delta=0.0, eta_a=1.0, eta_w'
    >>> ex.regime_name
    'balanced'
    """

    model: Model
    params: dict
    rates: dict
    data: Dataset
    delta: float | None
    seed: int
    regime: Regime | None = None

    @property
    def regime_name(self) -> str:
        """The regime's name: from :attr:`regime`, else from the sign of :attr:`delta` (``"generic"`` if None)."""
        if self.regime is not None:
            return self.regime.name
        return "generic" if self.delta is None else Regime.of_delta(self.delta).name

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={format_value(v)}" for k, v in self.params.items())
        rates = ", ".join(f"eta_{k}={v!r}" for k, v in self.rates.items())
        if self.regime is not None:
            regime = self.regime.describe()
        else:
            regime = "delta=" + ("None" if self.delta is None else repr(self.delta))
        return (f"Example({self.model.name}: {regime}, {rates}, data={self.data!r}, "
                f"init seed={self.seed}, {params})")


def strata_for(model: Model, regime: Any) -> tuple:
    """The strata of a stratified regime strategy that apply to ``model``: ``((name, strategy), ...)``.

    The sign-change regime applies only to models with a ``sign_change_init``;
    ``()`` for a strategy that is not stratified (see
    :func:`~symrich.testing.regimes.any_regime`).

    Examples
    --------
    >>> from symrich.testing.regimes import any_regime
    >>> from symrich.testing.zoo import single_neuron, wide_linear
    >>> len(strata_for(single_neuron(1), any_regime())), len(strata_for(wide_linear(1, 1, 1), any_regime()))
    (7, 6)
    """
    return tuple((name, s) for name, s in regime_strata(regime)
                 if name != SIGN_CHANGE or model.sign_change_init is not None)


def examples(model: Model, data: st.SearchStrategy | None = None, regime: st.SearchStrategy | None = None,
             rates: st.SearchStrategy | None = None, *,
             unsupported: Callable[[Regime, RegimeNotSupported], None] | None = None) -> st.SearchStrategy:
    r"""Strategy: :class:`Example` objects for ``model``.

    Draws, in this order, a data set from ``data``, learning rates from
    ``rates`` (assigned to :attr:`Model.rate_names` in order), a regime from
    ``regime`` (if given) and a seed in :math:`[0, 2^{16}]` for
    :meth:`Model.initial_parameters`.

    Parameters
    ----------
    model : Model
    data : strategy of Dataset, optional
        Default :func:`gaussian_data` with ``n = d + 1`` samples (``n`` fixed
        by the pattern for :func:`two_layer_piecewise`).
    regime : strategy of Regime or of float, optional
        E.g. :func:`~symrich.testing.regimes.upstream` or
        :func:`~symrich.testing.regimes.any_regime` (here a mixture of the
        regimes that apply to the model); a strategy of floats gives values of
        :math:`\delta`.  Default None (the model's generic initialisation).
    rates : strategy of tuple of float, optional
        Default :func:`learning_rates` with one rate per parameter.
    unsupported : callable, optional
        ``unsupported(regime, error)``: called for a drawn regime the model
        cannot build (:class:`~symrich.testing.regimes.RegimeNotSupported`,
        e.g. the saddle regime of a wide network with ``h > c`` when
        :math:`\tilde\delta > 0`), which is then not used
        (:func:`hypothesis.assume`).  Default None: the error propagates.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of Example

    Examples
    --------
    >>> from hypothesis import find
    >>> from symrich.testing.regimes import balanced
    >>> from symrich.testing.zoo import single_neuron
    >>> ex = find(examples(single_neuron(2), regime=balanced()), lambda ex: True)
    >>> ex.delta, ex.regime_name, sorted(ex.params)
    (0.0, 'balanced', ['a', 'w'])
    """
    if not isinstance(model, Model):
        raise ValueError(f"model must be a symrich.testing.Model, got {type(model).__name__}")
    if data is None:
        data = gaussian_data(model.n_samples or model.d + 1, model.d, model.c)
    if rates is None:
        rates = learning_rates(k=len(model.rate_names))
    for what, value in (("data", data), ("regime", regime), ("rates", rates)):
        if value is not None and not isinstance(value, st.SearchStrategy):
            hint = "; call any_regime()" if callable(value) else ""
            raise ValueError(f"{what} must be a hypothesis strategy, got {type(value).__name__} (a fixed value "
                             f"goes in hypothesis.strategies.just(...){hint})")
    strata = strata_for(model, regime)
    if strata:
        regime = st.one_of(*(s for _, s in strata))

    @st.composite
    def build(draw):
        ds = draw(data)
        if not isinstance(ds, Dataset):
            raise ValueError(f"the data strategy must produce Dataset objects, got {type(ds).__name__}")
        if ds.d != model.d or ds.c != model.c:
            raise ValueError(f"data have d = {ds.d}, c = {ds.c} but {model.name} has d = {model.d}, c = {model.c}")
        if model.n_samples is not None and ds.n != model.n_samples:
            raise ValueError(f"data have n = {ds.n} but {model.name} fixes n = {model.n_samples}")
        r = tuple(draw(rates))
        if len(r) != len(model.rate_names):
            raise ValueError(f"the rates strategy gave {len(r)} rates but {model.name} has "
                             f"{len(model.rate_names)} parameters {model.rate_names}")
        rate_map = dict(zip(model.rate_names, (float(v) for v in r)))
        reg = None
        if regime is not None:
            value = draw(regime)
            reg = value if isinstance(value, Regime) else Regime.of_delta(value)
        seed = draw(st.integers(min_value=0, max_value=2**16))
        try:
            params = model.initial_parameters(reg, rate_map, seed, data=ds)
        except RegimeNotSupported as exc:
            if unsupported is None:
                raise
            unsupported(reg, exc)
            assume(False)
        return Example(model=model, params=params, rates=rate_map, data=ds,
                       delta=None if reg is None else reg.delta, seed=seed, regime=reg)

    return build()


def flow_parameters(example: Example) -> dict:
    """The values of the flow's parameters for an example: ``{"eta_<name>": rate, "X_i_j": ..., "Y_i_k": ...}``.

    Examples
    --------
    >>> from symrich.testing.data import make_dataset
    >>> from symrich.testing.zoo import single_neuron
    >>> m = single_neuron(1)
    >>> ex = Example(m, m.initial_parameters(None, {"a": 1.0, "w": 2.0}, 0), {"a": 1.0, "w": 2.0},
    ...              make_dataset("gaussian", 1, 1, seed=0), None, 0)
    >>> sorted(flow_parameters(ex))
    ['X_1_1', 'Y_1_1', 'eta_a', 'eta_w']
    """
    data = example.data
    values = {f"eta_{name}": rate for name, rate in example.rates.items()}
    for i in range(data.n):
        for j in range(data.d):
            values[f"X_{i + 1}_{j + 1}"] = data.X[i, j]
        for k in range(data.c):
            values[f"Y_{i + 1}_{k + 1}"] = data.Y[i, k]
    return values


def oracle_trajectory(example: Example, times: Sequence, *, dps: int = 30) -> list:
    """Integrate the example's parameter flow to ``times``.

    Polynomial and smooth models run the Taylor oracle
    :func:`symrich.oracle.integrate_flow` on :meth:`Model.augmented_flow`
    (auxiliary variables start at their defining terms, evaluated with 20
    guard digits); models with an ``integrator`` (kinks) run it.

    Parameters
    ----------
    example : Example
    times : sequence of float
        Output times (``>= 0``, increasing).
    dps : int
        Decimal digits.

    Returns
    -------
    list of dict
        ``{name: mpf or object array}`` at each time.

    Raises
    ------
    IntegrationRefused
        If the model's integrator refuses the example (e.g. sliding along a kink).

    Examples
    --------
    >>> from hypothesis import find
    >>> from symrich.testing.zoo import single_neuron
    >>> ex = find(examples(single_neuron(1)), lambda ex: True)
    >>> [p["a"] == ex.params["a"] for p in oracle_trajectory(ex, [0.0])]
    [True]
    """
    model = example.model
    times = [float(t) if not isinstance(t, mpmath.mpf) else t for t in times]
    if model.integrator is not None:
        return model.integrator(example, times, dps)
    augmented = model.augmented_flow(example.data.n)
    values = flow_parameters(example)
    state = model.flatten(example.params)
    if augmented.auxiliary:
        flow = augmented.flow
        args = (*model.state, *flow.params)
        with mpmath.workdps(dps + GUARD_DIGITS):
            state = state + evaluate(tuple(e for _, e in augmented.auxiliary), args,
                                     [*state, *(values[s.name] for s in flow.params)])
    solution = integrate_flow(augmented.flow, times, state, values, dps=dps)
    size = len(model.state)
    return [model.unflatten(list(row)[:size]) for row in solution.y]


def call_claim(function: Callable, value: Any, rates: Mapping, data: Dataset) -> Any:
    """Call a claim ``function(value, rates)``, or ``function(value, rates, data)`` if it takes a third argument.

    This is how every claim function is called: a data-dependent claim
    simply declares the data set as its third parameter.  Float rates are
    passed as ``mpf`` (the float's exact value), so that products of rates in
    the claim are not rounded to float64.

    Examples
    --------
    >>> call_claim(lambda p, eta: p + eta["a"], 1, {"a": 2.0}, None)
    mpf('3.0')
    >>> call_claim(lambda p, eta, data: data, 1, {"a": 2}, "the data")
    'the data'
    """
    rates = {k: mpmath.mpf(v) if isinstance(v, float) else v for k, v in rates.items()}
    try:
        params = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return function(value, rates)
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    takes_data = len(positional) >= 3 or any(p.kind == p.VAR_POSITIONAL for p in params)
    return function(value, rates, data) if takes_data else function(value, rates)


def coordinates_of(example: Example, params: Mapping, coordinates: Any = None) -> Any:
    r"""The coordinates a claim is stated in, at parameters ``params`` of ``example``'s model.

    Parameters
    ----------
    example : Example
        Gives the model, rates and data.
    params : mapping
        Parameter values ``{name: mpf or object array}``.
    coordinates : None, "beta" or callable
        None: the parameters themselves; ``"beta"``: the model's
        function-space coordinates (its ``beta`` map, else
        :math:`\beta = \partial f/\partial x`, shape ``(d,)`` for one output,
        ``(d, c)`` otherwise); a callable ``phi(p, rates)`` or
        ``phi(p, rates, data)`` (see :func:`call_claim`).

    Returns
    -------
    The value (dict, number or array).

    Examples
    --------
    >>> from symrich.testing.data import make_dataset
    >>> from symrich.testing.zoo import single_neuron
    >>> m = single_neuron(2)
    >>> p = {"a": mpmath.mpf(2), "w": np.array([mpmath.mpf(1), mpmath.mpf(-3)], dtype=object)}
    >>> ex = Example(m, p, {"a": 1.0, "w": 1.0}, make_dataset("gaussian", 3, 2, seed=0), None, 0)
    >>> coordinates_of(ex, p, "beta").tolist()
    [mpf('2.0'), mpf('-6.0')]
    """
    model = example.model
    if coordinates is None:
        return dict(params)
    if isinstance(coordinates, str):
        if coordinates != "beta":
            raise ValueError(f"coordinates must be None, 'beta' or a callable, got {coordinates!r}")
        if model.beta is not None:
            return model.beta(dict(params))
        J = beta_expressions(model)
        entries = evaluate(tuple(J), tuple(model.state), model.flatten(params))
        beta = np.array(entries, dtype=object).reshape(J.shape)
        return beta[:, 0] if model.c == 1 else beta
    if not callable(coordinates):
        raise ValueError(f"coordinates must be None, 'beta' or a callable, got {coordinates!r}")
    return call_claim(coordinates, dict(params), example.rates, example.data)
