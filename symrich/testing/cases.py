r"""One drawn case (:class:`Example`: model, initial parameters, rates, data), its strategy, and the oracle run.

:func:`examples` combines the data, rate and regime strategies into
:class:`Example` objects; :func:`oracle_trajectory` integrates the example's
raw parameter flow with :func:`symrich.oracle.integrate_flow`.

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
from collections.abc import Sequence

import mpmath
from hypothesis import strategies as st

from symrich.testing.data import Dataset, gaussian_data
from symrich.testing.model import Model
from symrich.testing.regimes import learning_rates
from symrich.testing.values import format_value

__all__ = ["Example", "examples", "oracle_trajectory"]


@dataclasses.dataclass(frozen=True, eq=False)
class Example:
    """One drawn case: a model's initial parameters, learning rates and data.

    Attributes
    ----------
    model : Model
    params : dict
        Initial parameters ``{name: mpf or object array}``.
    rates : dict
        ``{name: float}``.
    data : Dataset
    delta : float or None
        The regime value drawn (None: no regime requested).
    seed : int
        Seed of the initialisation.

    Examples
    --------
    >>> from symrich.testing.data import make_dataset
    >>> from symrich.testing.zoo import single_neuron
    >>> model = single_neuron(1)
    >>> rates = {"a": 1.0, "w": 2.0}
    >>> ex = Example(model=model, params=model.initial_parameters(0.0, rates, seed=0), rates=rates,
    ...              data=make_dataset("whitened", 2, 1, seed=0), delta=0.0, seed=0)
    >>> repr(ex)[:50]
    'Example(single neuron (d=1): delta=0.0, eta_a=1.0,'
    """

    model: Model
    params: dict
    rates: dict
    data: Dataset
    delta: float | None
    seed: int

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={format_value(v)}" for k, v in self.params.items())
        rates = ", ".join(f"eta_{k}={v!r}" for k, v in self.rates.items())
        delta = "None" if self.delta is None else repr(self.delta)
        return (f"Example({self.model.name}: delta={delta}, {rates}, data={self.data!r}, "
                f"init seed={self.seed}, {params})")


def examples(model: Model, data: st.SearchStrategy | None = None, regime: st.SearchStrategy | None = None,
             rates: st.SearchStrategy | None = None) -> st.SearchStrategy:
    r"""Strategy: :class:`Example` objects for ``model``.

    Draws, in this order, a data set from ``data``, learning rates from
    ``rates`` (assigned to :attr:`Model.rate_names` in order), a value of
    :math:`\delta` from ``regime`` (if given) and a seed in
    :math:`[0, 2^{16}]` for :meth:`Model.initial_parameters`.

    Parameters
    ----------
    model : Model
    data : strategy of Dataset, optional
        Default :func:`gaussian_data` with ``n = d + 1`` samples (``n`` fixed
        by the pattern for :func:`two_layer_piecewise`).
    regime : strategy of float, optional
        E.g. :func:`upstream`; default None (the model's generic initialisation).
    rates : strategy of tuple of float, optional
        Default :func:`learning_rates` with one rate per parameter.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of Example

    Examples
    --------
    >>> from hypothesis import find
    >>> from symrich.testing.regimes import balanced
    >>> from symrich.testing.zoo import single_neuron
    >>> ex = find(examples(single_neuron(2), regime=balanced()), lambda ex: True)
    >>> ex.delta, sorted(ex.params)
    (0.0, ['a', 'w'])
    """
    if not isinstance(model, Model):
        raise ValueError(f"model must be a symrich.testing.Model, got {type(model).__name__}")
    if data is None:
        data = gaussian_data(model.n_samples or model.d + 1, model.d, model.c)
    if rates is None:
        rates = learning_rates(k=len(model.rate_names))
    for what, value in (("data", data), ("regime", regime), ("rates", rates)):
        if value is not None and not isinstance(value, st.SearchStrategy):
            raise ValueError(f"{what} must be a hypothesis strategy, got {type(value).__name__}")

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
        delta = None if regime is None else float(draw(regime))
        seed = draw(st.integers(min_value=0, max_value=2**16))
        return Example(model=model, params=model.initial_parameters(delta, rate_map, seed), rates=rate_map,
                       data=ds, delta=delta, seed=seed)

    return build()


def oracle_trajectory(example: Example, times: Sequence, *, dps: int = 30) -> list:
    """Integrate the example's raw parameter flow with :func:`symrich.oracle.integrate_flow` (Taylor).

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

    Examples
    --------
    >>> from hypothesis import find
    >>> from symrich.testing.zoo import single_neuron
    >>> ex = find(examples(single_neuron(1)), lambda ex: True)
    >>> [p["a"] == ex.params["a"] for p in oracle_trajectory(ex, [0.0])]
    [True]
    """
    from symrich.oracle import integrate_flow

    model, data = example.model, example.data
    flow = model.flow(data.n)
    values = {f"eta_{name}": rate for name, rate in example.rates.items()}
    for i in range(data.n):
        for j in range(data.d):
            values[f"X_{i + 1}_{j + 1}"] = data.X[i, j]
        for k in range(data.c):
            values[f"Y_{i + 1}_{k + 1}"] = data.Y[i, k]
    times = [float(t) if not isinstance(t, mpmath.mpf) else t for t in times]
    solution = integrate_flow(flow, times, model.flatten(example.params), values, dps=dps)
    return [model.unflatten(list(row)) for row in solution.y]
