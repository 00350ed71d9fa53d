r"""Claims about the velocity: :func:`assert_flow` compares a claimed :math:`\dot z` with the derived flow.

A theorist's flow claim is often stated in other coordinates than the
parameters: :math:`\dot\beta = -M(\beta, \delta)\, g` for the single neuron
(the paper, Section 3), with :math:`g = X^\top(X\beta - y)`.  For coordinates
:math:`z = \phi(\theta)`, the derived velocity is the chain rule
:math:`\dot z = D\phi(\theta)\,\dot\theta` with :math:`\dot\theta` the
model's gradient flow (:mod:`symrich.testing.flows`).  It is computed

* at ``dps`` digits (default): :math:`D\phi(\theta)\dot\theta` as the
  central difference :math:`(\phi(\theta + h\dot\theta) - \phi(\theta -
  h\dot\theta))/(2h)` with :math:`h = 10^{-(\text{dps}+10)}`, evaluated with
  :math:`2\,\text{dps} + 20` digits (truncation error about :math:`h^2`,
  rounding about :math:`10^{-(\text{dps}+10)}`), so ``phi`` may use any
  :mod:`mpmath` function;
* or exactly (``exact=True``): the state, data and rates are converted to
  exact rationals, ``phi`` and the claim are evaluated on SymPy objects
  (write them with SymPy functions, e.g. ``sympy.sqrt``), :math:`D\phi` is
  differentiated symbolically, and each entry of the difference must be
  *proven* 0 (:func:`is_exactly_zero`): a difference of :math:`10^{-31}`
  fails, and so does one SymPy cannot decide.

>>> from symrich.testing.zoo import single_neuron
>>> report = assert_flow(lambda p, eta, data: {"a": -eta["a"] * p["w"] @ data.X.T @ (data.X @ p["w"] * p["a"] - data.y),
...                                            "w": -eta["w"] * p["a"] * data.X.T @ (data.X @ p["w"] * p["a"] - data.y)},
...                      single_neuron(2), max_examples=3)
>>> report.worst_digits >= 29
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import mpmath
import numpy as np
from hypothesis import strategies as st

from symrich.testing.cases import Example, call_claim, coordinates_of, flow_parameters, oracle_trajectory
from symrich.testing.data import Dataset
from symrich.testing.flows import beta_expressions, velocity
from symrich.testing.model import Model
from symrich.testing.report import CheckReport
from symrich.testing.runner import Disagreement, as_times, check_callable, check_options, require_finite, run_check
from symrich.testing.values import digits_of_agreement, flat_mpf, format_digits, format_value, zip_leaves

__all__ = ["assert_flow", "derived_velocity", "exact_velocity", "is_exactly_zero"]


def _shifted(model: Model, params: Mapping, step: list, h: Any) -> dict:
    flat = model.flatten(params)
    return model.unflatten([v + h * s for v, s in zip(flat, step)])


def derived_velocity(example: Example, params: Mapping, coordinates: Any = None, *, dps: int = 30) -> Any:
    r"""The derived :math:`\dot z` at parameters ``params``, in ``coordinates``, at ``dps`` digits.

    Parameters
    ----------
    example : Example
        Gives the model, rates and data.
    params : mapping
        The state.
    coordinates : None, "beta" or callable
        See :func:`~symrich.testing.cases.coordinates_of`.
    dps : int

    Returns
    -------
    The velocity, with the structure of the coordinates.

    Examples
    --------
    >>> from symrich.testing.data import make_dataset
    >>> from symrich.testing.zoo import single_neuron
    >>> m = single_neuron(1)
    >>> ex = Example(m, {"a": mpmath.mpf(1), "w": np.array([mpmath.mpf(2)], dtype=object)}, {"a": 1.0, "w": 1.0},
    ...              make_dataset("gaussian", 1, 1, seed=0), None, 0)
    >>> X, y = ex.data.X[0, 0], ex.data.y[0]
    >>> v = derived_velocity(ex, ex.params, "beta")           # beta' = a' w + a w' = -5 X (2 X - y)
    >>> with mpmath.workdps(40):
    ...     abs(v[0] + 5 * X * (2 * X - y)) < 1e-29
    True
    """
    model = example.model
    sflow = model.symbolic_flow(example.data.n)
    values = flow_parameters(example)
    by_symbol = {s: values[s.name] for s in sflow.params}
    with mpmath.workdps(dps + 10):
        step = velocity(sflow, model.flatten(params), by_symbol)
    if coordinates is None:
        with mpmath.workdps(dps):
            return zip_leaves(lambda u: +u, model.unflatten(step))
    with mpmath.workdps(2 * dps + 20):
        h = mpmath.mpf(10) ** -(dps + 10)
        plus = coordinates_of(example, _shifted(model, params, step, h), coordinates)
        minus = coordinates_of(example, _shifted(model, params, step, -h), coordinates)
        out = zip_leaves(lambda u, v: (u - v) / (2 * h), plus, minus)
    with mpmath.workdps(dps):
        return zip_leaves(lambda u: +mpmath.mpf(u), out)


def _rational(v: Any):
    import sympy

    if isinstance(v, mpmath.mpf):
        man, exp = v.man_exp          # |v| = man 2^exp
        return (-1 if v < 0 else 1) * sympy.Integer(man) * sympy.Integer(2) ** exp
    return sympy.Rational(v) if isinstance(v, float) else sympy.sympify(v)


def exact_velocity(example: Example, params: Mapping, coordinates: Any = None) -> tuple:
    r"""The derived and the exact state for ``exact=True``: ``(z_dot, z, rates, data)`` as SymPy numbers.

    The state, the data and the rates are converted to exact rationals (an
    ``mpf`` is a binary fraction, a float its exact value); :math:`\dot z =
    D\phi\,\dot\theta` is differentiated symbolically.

    Parameters
    ----------
    example : Example
    params : mapping
    coordinates : None, "beta" or callable
        A callable must work on numpy object arrays of SymPy symbols.

    Returns
    -------
    tuple
        ``(z_dot, z, rates, data)``: derived velocity and coordinates (SymPy
        numbers, with the structure of the coordinates), rates and a
        :class:`~symrich.testing.data.Dataset` of SymPy rationals.

    Examples
    --------
    >>> from symrich.testing.data import make_dataset
    >>> from symrich.testing.zoo import single_neuron
    >>> m = single_neuron(1)
    >>> ex = Example(m, {"a": mpmath.mpf(1), "w": np.array([mpmath.mpf(2)], dtype=object)}, {"a": 1.0, "w": 1.0},
    ...              make_dataset("gaussian", 1, 1, seed=0), None, 0)
    >>> z_dot, z, rates, data = exact_velocity(ex, ex.params)
    >>> z_dot["a"] == -2 * data.X[0, 0] * (2 * data.X[0, 0] - data.Y[0, 0])
    True
    """
    import sympy

    model = example.model
    sflow = model.symbolic_flow(example.data.n)
    exact = {s: _rational(v) for s, v in zip(model.state, model.flatten(params))}
    exact.update({s: _rational(flow_parameters(example)[s.name]) for s in sflow.params})
    step = [r.xreplace(exact) for r in sflow.rhs]
    rates = {name: exact[s] for name, s in zip(model.rate_names, sflow.params)}
    data = Dataset(X=zip_leaves(_rational, example.data.X), Y=zip_leaves(_rational, example.data.Y),
                   kind=example.data.kind, seed=example.data.seed, rank=example.data.rank)
    symbolic = {name: (s if not isinstance(s, sympy.MatrixBase) else np.array(s.tolist(), dtype=object).reshape(
        model.shapes[name])) for name, s in model.symbols.items()}
    shadow = Example(model, symbolic, rates, data, example.delta, example.seed, example.regime)
    if coordinates is None:
        z_sym = symbolic
    elif coordinates == "beta" and model.beta is None:
        J = beta_expressions(model)
        z_sym = np.array(list(J), dtype=object).reshape(J.shape)
        z_sym = z_sym[:, 0] if model.c == 1 else z_sym
    else:
        z_sym = coordinates_of(shadow, symbolic, coordinates)
    speed = dict(zip(model.state, step))
    z_dot = zip_leaves(lambda e: sum((sympy.diff(e, s) * v for s, v in speed.items()), sympy.S.Zero).xreplace(exact),
                       z_sym)
    z = zip_leaves(lambda e: sympy.sympify(e).xreplace(exact), z_sym)
    return z_dot, z, rates, data


def is_exactly_zero(difference: Any) -> bool | None:
    r"""Decide exactly whether a SymPy number is 0: True, False, or None (undecided).

    A rational is decided by arithmetic; otherwise :meth:`sympy.Expr.equals`
    (which proves a zero by simplification or a minimal polynomial, and a
    nonzero by evaluation with guaranteed significant digits), then the
    minimal polynomial of an algebraic number (0 exactly when it is
    :math:`x`).  Nothing is decided by a tolerance: a difference of
    :math:`10^{-31}` is not 0.

    Examples
    --------
    >>> import sympy
    >>> is_exactly_zero(sympy.sqrt(8) - 2 * sympy.sqrt(2)), is_exactly_zero(sympy.Rational(1, 10**31))
    (True, False)
    """
    import sympy

    difference = sympy.sympify(difference)
    if difference.is_Rational:
        return difference == 0
    decided = difference.equals(0)
    if decided is not None:
        return bool(decided)
    try:
        x = sympy.Dummy("x")
        return sympy.minimal_polynomial(difference, x) == x
    except (NotImplementedError, ValueError, sympy.polys.polyerrors.PolynomialError):
        return None


def _exact_comparison(claimed: Any, derived: Any) -> tuple:
    """``(digits, problem)``: digits of agreement at 60 digits, and the first entry not proven equal (or None)."""
    import sympy

    worst, problem = 99.0, None
    for (name, c), (_, d) in zip(_leaves(claimed), _leaves(derived)):
        difference = sympy.sympify(c) - d
        zero = is_exactly_zero(difference)
        if zero:
            continue
        with mpmath.workdps(60):
            worst = min(worst, digits_of_agreement(mpmath.mpf(str(sympy.N(c, 60))), mpmath.mpf(str(sympy.N(d, 60)))))
            gap = mpmath.nstr(mpmath.mpf(str(sympy.N(difference, 60))), 3)
        if problem is None:
            problem = (f"entry {name} differs by {gap} (claimed - derived, exact)" if zero is False else
                       f"SymPy cannot decide whether entry {name} of claimed - derived is 0 (it is {gap} to "
                       f"60 digits); simplify the claim")
    return worst, problem


def _leaves(value: Any, name: str = "") -> list:
    """``[(name, number), ...]`` of a number, array or mapping (mappings in sorted key order)."""
    if isinstance(value, Mapping):
        return [leaf for key in sorted(value, key=str) for leaf in _leaves(value[key], f"{name}[{key!r}]")]
    arr = np.asarray(value, dtype=object)
    return [(name + (str(list(index)) if arr.ndim else "") or "0", v) for index, v in np.ndenumerate(arr)]


def assert_flow(claimed: Callable, model: Model, *, coordinates: Any = None, exact: bool = False,
                data: st.SearchStrategy | None = None, regime: st.SearchStrategy | None = None,
                rates: st.SearchStrategy | None = None, times: Any = (0.0,), digits: float = 25, dps: int = 30,
                max_examples: int | None = None, shrink: bool = True, replay: bool = True) -> CheckReport:
    r"""Check a claimed velocity :math:`\dot z = \text{claimed}(z, \eta, X, Y)` against the derived flow.

    The states are the drawn initial parameters (``times=(0.0,)``, no
    integration) or the flow's states at ``times``; at each, the claim is
    compared with the derived :math:`\dot z` (see the module docstring).

    Parameters
    ----------
    claimed : callable
        ``claimed(z, rates)`` or ``claimed(z, rates, data)`` -> the claimed
        :math:`\dot z`, with the structure of ``z`` (for the raw parameters:
        a dict, some or all names).
    model : Model
    coordinates : None, "beta" or callable
        The coordinates :math:`z` (see
        :func:`~symrich.testing.cases.coordinates_of`); a callable returning
        a dict states several claims at once, e.g. ``{"beta": ..., "delta": ...}``.
    exact : bool
        Compare exactly with SymPy (see the module docstring).
    data, regime, rates : hypothesis strategies, optional
    times : float or sequence of float
        Where along the flow to compare (0: the drawn state itself).
    digits : float
        Required digits of agreement (ignored for ``exact=True``, which requires proven equality).
    dps, max_examples, shrink, replay
        As in :func:`~symrich.testing.checks.assert_conserved`.

    Returns
    -------
    CheckReport

    Raises
    ------
    AssertionError
        With the (shrunk) failing example, both velocities and the digits of agreement.

    Examples
    --------
    The single neuron in function space: :math:`\dot\beta = -M g` with
    :math:`M = \tfrac{\delta + \Lambda}{2} I + \tfrac{2\eta_a\eta_w}{\delta + \Lambda}\beta\beta^\top`,
    :math:`\Lambda = \sqrt{\delta^2 + 4\eta_a\eta_w\|\beta\|^2}`; and :math:`\dot\delta = 0`:

    >>> from symrich.testing.regimes import upstream
    >>> from symrich.testing.zoo import single_neuron
    >>> def z(p, eta):
    ...     return {"beta": p["a"] * p["w"], "delta": eta["w"] * p["a"] ** 2 - eta["a"] * p["w"] @ p["w"]}
    >>> def claimed(z, eta, data):
    ...     beta, delta = z["beta"], z["delta"]
    ...     lam = mpmath.sqrt(delta ** 2 + 4 * eta["a"] * eta["w"] * beta @ beta)
    ...     M = (delta + lam) / 2 * np.eye(len(beta)) + 2 * eta["a"] * eta["w"] / (delta + lam) * np.outer(beta, beta)
    ...     return {"beta": -M @ (data.X.T @ (data.X @ beta - data.y)), "delta": 0}
    >>> assert_flow(claimed, single_neuron(2), coordinates=z, regime=upstream(), max_examples=3).worst_digits >= 25
    True
    """
    check_options(model, digits, dps, shrink=shrink, replay=replay, coordinates=coordinates, exact=exact)
    check_callable(claimed, "claimed", (2, 3), "claimed(z, rates) or claimed(z, rates, data)")
    ts = as_times(times)

    def prop(ex: Example) -> float:
        states = [ex.params] if ts == [0.0] else oracle_trajectory(ex, ts, dps=dps)
        worst, where = float(dps), None
        for tk, pk in zip(ts, states):
            problem = None
            if exact:
                z_dot, z, rates_exact, data_exact = exact_velocity(ex, pk, coordinates)
                said, derived = _pair(call_claim(claimed, z, rates_exact, data_exact), z_dot)
            else:
                z_dot = derived_velocity(ex, pk, coordinates, dps=dps)
                with mpmath.workdps(dps):
                    said, derived = _pair(call_claim(claimed, coordinates_of(ex, pk, coordinates), ex.rates,
                                                     ex.data), z_dot)
            require_finite(derived, f"derived velocity at t={tk}", ex)
            require_finite(said, f"claimed velocity at t={tk}", ex)
            if exact:
                agree, problem = _exact_comparison(said, derived)
            else:
                with mpmath.workdps(dps):
                    agree = digits_of_agreement(flat_mpf(said, "claimed velocity"),
                                                flat_mpf(derived, "derived velocity"), cap=dps)
            if problem is not None or agree < worst:
                worst, where = agree, (tk, said, derived, problem)
            if problem is not None:
                break
        if where is not None and (where[3] is not None or (not exact and worst < digits)):
            tk, said, derived, problem = where
            verdict = (f"not equal: {problem}" if exact else f"{format_digits(worst)} (required {digits}, "
                       f"compared at dps={dps})")
            raise Disagreement(f"  {ex!r}\n  at t={tk}: derived velocity = {format_value(_numeric(derived), 15)}\n"
                               f"  at t={tk}: claimed velocity = {format_value(_numeric(said), 15)}\n"
                               + (f"  compared exactly (SymPy): {verdict}; digits of agreement "
                                  f"{format_digits(worst)}" if exact else f"  digits of agreement: {verdict}"))
        return float(dps) if exact else worst

    return run_check("assert_flow", model, prop, data=data, regime=regime, rates=rates, digits=dps if exact else digits,
                     note=(lambda: "compared exactly (SymPy): every entry proven equal") if exact else None,
                     max_examples=max_examples, shrink=shrink, replay=replay,
                     key=(claimed, coordinates, exact, ts, digits, dps, data, regime, rates))


def _pair(said: Any, derived: Any) -> tuple:
    """The claimed and derived velocities on the same keys (a claim may cover some of the coordinates' keys)."""
    if not isinstance(derived, Mapping):
        return said, derived
    if not isinstance(said, Mapping) or not said:
        raise ValueError(f"claimed must return a non-empty dict with keys among {sorted(derived)}, got {said!r}")
    unknown = sorted(str(k) for k in said if k not in derived)
    if unknown:
        raise ValueError(f"claimed returned {', '.join(unknown)}, not among the coordinates {sorted(derived)}")
    keys = [k for k in derived if k in said]
    return {k: said[k] for k in keys}, {k: derived[k] for k in keys}


def _numeric(value: Any) -> Any:
    import sympy

    return zip_leaves(lambda v: mpmath.mpf(str(sympy.N(v, 30))) if isinstance(v, sympy.Basic) else v, value)
