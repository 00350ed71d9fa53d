r"""A network given symbolically (:class:`Model`): parameter shapes, :math:`f(x)`, initialisations.

A model is its parameter shapes and :math:`f(x)` in SymPy; its gradient flow
is derived by :mod:`symrich.testing.flows` (:meth:`Model.symbolic_flow`,
:meth:`Model.flow`), so no gradient is written by hand.  The built-in models
are in :mod:`symrich.testing.zoo`.

>>> model = Model(params={"u": (), "v": ()}, d=1, f=lambda p, x: p["u"] * p["v"] * x[0])
>>> model.output()
[u*v*x_1]
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import mpmath
import numpy as np

from symrich.testing import flows
from symrich.testing.regimes import SADDLE, SIGN_CHANGE, Regime, RegimeNotSupported
from symrich.testing.values import DATA_DPS

__all__ = ["Model"]

_RESERVED_PREFIXES = ("X_", "Y_", "eta_")


@dataclasses.dataclass(frozen=True, eq=False)
class Model:
    r"""A network given symbolically: parameter shapes and :math:`f(x)`.

    Parameters
    ----------
    params : mapping of str to tuple
        Parameter name -> shape: ``()`` (scalar), ``(m,)`` (column vector) or
        ``(m, k)`` (matrix).  Names must be identifiers not starting with
        ``X_``, ``Y_`` or ``eta_``.  The order fixes the order of the
        learning rates (:attr:`rate_names`).
    d : int
        Input dimension.
    f : callable
        ``f(p, x)`` (or ``f(p, x, g)`` if ``pattern`` is given) returns the
        network output as a SymPy expression (one output) or a SymPy
        ``Matrix`` with ``c`` entries.  ``p`` maps each name to a
        ``sympy.Symbol`` (scalars) or a ``sympy.Matrix`` of symbols (vectors
        are ``m x 1``); ``x`` is a ``d x 1`` Matrix of input symbols.  ``f``
        may be polynomial in the parameters, or smooth through ``tanh``,
        ``exp`` and :func:`~symrich.testing.flows.softplus` (see
        :mod:`symrich.testing.flows`); kinks (``Max``) need ``integrator``.
    c : int
        Number of outputs.
    name : str
        A label for reports.
    pattern : array_like, shape (n, m), optional
        Fixed per-sample constants: row ``i`` is passed to ``f`` as a tuple
        ``g`` of exact numbers when building sample ``i`` of the loss (e.g. an
        activation pattern).  Fixes the number of samples to ``n``.
    init : callable, optional
        ``init(rng, delta, rates) -> dict`` of initial parameter values (arrays
        or numbers) given a :class:`numpy.random.Generator`, a value of
        :math:`\delta` (or None: no regime requested) and the rates
        ``{name: float}``; called inside ``mpmath.workdps(50)``.  Without it,
        parameters are i.i.d. N(0, 0.7^2) and a regime cannot be requested.
    sign_change_init : callable, optional
        ``sign_change_init(rng, delta, rates, data) -> dict``: an
        initialisation with the given :math:`\delta < 0` in which the readout
        ``a`` starts near 0 and crosses it early (the regime
        ``"sign change of a"``); ``data`` is the example's
        :class:`~symrich.testing.data.Dataset`.  Without it the model does
        not take part in that regime.
    integrator : callable, optional
        ``integrator(example, times, dps) -> list of dict``: the parameters at
        ``times``, for models the Taylor oracle cannot integrate (kinks).
    beta : callable, optional
        ``beta(p) -> value``: the function-space coordinates used by
        ``coordinates="beta"``; default :math:`\partial f/\partial x`
        (:func:`~symrich.testing.flows.beta_expressions`).
    float_inputs : bool
        The integrator takes float64 parameters and data: initial parameters
        are rounded to float64 (so a regime's :math:`\delta` holds to about
        16 digits), and data must be float64 numbers.

    Notes
    -----
    The flow is :math:`\dot\theta = -\eta_\theta\,\partial
    L/\partial\theta` with :math:`L = \tfrac12\sum_{i,k} (f_k(x_i) - Y_{ik})^2`,
    differentiated by SymPy; data ``X_i_j``, ``Y_i_k`` and rates ``eta_<name>``
    are parameters of the flow.

    Examples
    --------
    >>> m = Model(params={"a": (), "w": (2,)}, d=2, f=lambda p, x: p["a"] * (p["w"].T * x)[0, 0])
    >>> [s.name for s in m.flow(3).state]
    ['a', 'w_1', 'w_2']
    >>> m.rate_names
    ('a', 'w')
    >>> Model(params={"eta_a": ()}, d=1, f=lambda p, x: p["eta_a"] * x[0])
    Traceback (most recent call last):
    ...
    ValueError: invalid model: parameter name 'eta_a' must not start with X_, Y_ or eta_
    """

    params: Any
    d: int
    f: Callable
    c: int = 1
    name: str = ""
    pattern: Any = None
    init: Callable | None = None
    sign_change_init: Callable | None = None
    integrator: Callable | None = None
    beta: Callable | None = None
    float_inputs: bool = False

    def __post_init__(self) -> None:
        problems = []
        if not isinstance(self.params, Mapping) or not self.params:
            raise ValueError(f"params must be a non-empty mapping name -> shape, got {self.params!r}")
        shapes = []
        for name, shape in self.params.items():
            if not isinstance(name, str) or not name.isidentifier():
                problems.append(f"parameter name {name!r} is not an identifier")
                continue
            if name.startswith(_RESERVED_PREFIXES):
                problems.append(f"parameter name {name!r} must not start with X_, Y_ or eta_")
            try:
                shape = tuple(int(s) for s in shape)
                ok = len(shape) <= 2 and all(s >= 1 for s in shape)
            except (TypeError, ValueError):
                ok = False
            if not ok:
                problems.append(f"shape of {name!r} must be (), (m,) or (m, k) with positive sizes, got {shape!r}")
                continue
            shapes.append((name, shape))
        for what in ("d", "c"):
            v = getattr(self, what)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                problems.append(f"{what} must be a positive integer, got {v!r}")
        if not callable(self.f):
            problems.append(f"f must be callable, got {self.f!r}")
        for hook in ("init", "sign_change_init", "integrator", "beta"):
            value = getattr(self, hook)
            if value is not None and not callable(value):
                problems.append(f"{hook} must be callable, got {value!r}")
        pattern = None
        if self.pattern is not None:
            arr = np.asarray(self.pattern, dtype=object)
            if arr.ndim != 2 or arr.size == 0:
                problems.append(f"pattern must have shape (n, m), got shape {arr.shape}")
            else:
                pattern = tuple(tuple(_exact(v, f"pattern[{i}][{j}]", problems) for j, v in enumerate(row))
                                for i, row in enumerate(arr))
        if not problems:
            names = [s for _, sh in shapes for s in _entry_names(_, sh)]
            repeated = sorted({s for s in names if names.count(s) > 1})
            if repeated:
                problems.append(f"parameter entries have repeated symbol names: {', '.join(repeated)}")
        if problems:
            raise ValueError("invalid model: " + "; ".join(problems))
        object.__setattr__(self, "params", tuple(shapes))
        object.__setattr__(self, "pattern", pattern)
        object.__setattr__(self, "d", int(self.d))
        object.__setattr__(self, "c", int(self.c))
        if not self.name:
            object.__setattr__(self, "name", "model(" + ", ".join(n for n, _ in shapes) + ")")

    # -- symbols ----------------------------------------------------------------

    @property
    def shapes(self) -> dict:
        """``{name: shape}``."""
        return dict(self.params)

    @property
    def rate_names(self) -> tuple:
        """Parameter names in the order learning rates are assigned."""
        return tuple(n for n, _ in self.params)

    @functools.cached_property
    def symbols(self) -> dict:
        """``{name: sympy.Symbol or sympy.Matrix}`` as passed to ``f``."""
        import sympy

        out = {}
        for name, shape in self.params:
            entries = [sympy.Symbol(s, real=True) for s in _entry_names(name, shape)]
            if shape == ():
                out[name] = entries[0]
            elif len(shape) == 1:
                out[name] = sympy.Matrix(shape[0], 1, entries)
            else:
                out[name] = sympy.Matrix(shape[0], shape[1], entries)
        return out

    @functools.cached_property
    def state(self) -> tuple:
        """All parameter entries, flattened (vectors in order, matrices row-major)."""
        import sympy

        flat = []
        for name, _ in self.params:
            s = self.symbols[name]
            flat.extend(list(s) if isinstance(s, sympy.MatrixBase) else [s])
        return tuple(flat)

    @property
    def n_samples(self) -> int | None:
        """Number of samples fixed by ``pattern`` (None if any n works)."""
        return None if self.pattern is None else len(self.pattern)

    def output(self, x: Any = None, i: int = 0) -> list:
        """The ``c`` outputs :math:`f_k(x)` as SymPy expressions (``x`` defaults to symbols ``x_1..x_d``)."""
        import sympy

        if x is None:
            x = sympy.Matrix(self.d, 1, [sympy.Symbol(f"x_{j + 1}", real=True) for j in range(self.d)])
        args = (self.symbols, x) if self.pattern is None else (self.symbols, x, self.pattern[i])
        out = self.f(*args)
        if isinstance(out, sympy.MatrixBase):
            values = list(out)
        else:
            values = [sympy.sympify(out)]
        if len(values) != self.c:
            raise ValueError(f"f of {self.name} returned {len(values)} outputs but c = {self.c}")
        return values

    @functools.cached_property
    def _derived(self) -> dict:
        return {}

    def symbolic_flow(self, n: int) -> flows.SymbolicFlow:
        """The gradient flow on ``n`` symbolic samples, any kind (cached); see :func:`symrich.testing.flows.derive`.

        Examples
        --------
        >>> import sympy
        >>> m = Model(params={"a": ()}, d=1, f=lambda p, x: sympy.Max(0, p["a"] * x[0]))
        >>> m.symbolic_flow(1).kind
        'kinked'
        """
        key = ("symbolic", n)
        if key not in self._derived:
            self._derived[key] = flows.derive(self, n)
        return self._derived[key]

    def augmented_flow(self, n: int) -> flows.AugmentedFlow:
        """The flow made polynomial for the Taylor oracle (cached); see :func:`symrich.testing.flows.polynomial_flow`.

        Examples
        --------
        >>> import sympy
        >>> m = Model(params={"a": ()}, d=1, f=lambda p, x: sympy.tanh(p["a"] * x[0]))
        >>> [s.name for s in m.augmented_flow(2).flow.state]
        ['a', 'aux_1', 'aux_2']
        """
        key = ("augmented", n)
        if key not in self._derived:
            self._derived[key] = flows.polynomial_flow(self.symbolic_flow(n))
        return self._derived[key]

    def flow(self, n: int):
        """The gradient flow on ``n`` symbolic samples, a :class:`symrich.oracle.PolynomialFlow` (cached).

        Parameters
        ----------
        n : int
            Number of samples (must equal :attr:`n_samples` if a pattern is set).

        Returns
        -------
        symrich.oracle.PolynomialFlow
            State :attr:`state` (followed by the auxiliary variables of
            :meth:`augmented_flow` for a smooth model); parameters
            ``eta_<name>`` (in :attr:`rate_names` order), ``X_i_j`` and
            ``Y_i_k`` (1-based).

        Examples
        --------
        >>> from symrich.testing.zoo import single_neuron
        >>> flow = single_neuron(1).flow(1)
        >>> import sympy
        >>> (a, w1), (eta_a, eta_w, x, y) = flow.state, flow.params
        >>> sympy.expand(flow.rhs[0] + eta_a * w1 * x * (x * a * w1 - y))  # rhs[0] = -eta_a dL/da
        0
        """
        return self.augmented_flow(n).flow

    # -- values -----------------------------------------------------------------

    def unflatten(self, values: Sequence) -> dict:
        """Split a flat state vector into ``{name: value}`` (mpf or object arrays)."""
        out, k = {}, 0
        for name, shape in self.params:
            size = int(np.prod(shape)) if shape else 1
            chunk = list(values[k:k + size])
            k += size
            out[name] = chunk[0] if shape == () else np.array(chunk, dtype=object).reshape(shape)
        return out

    def flatten(self, params: Mapping) -> list:
        """The flat state vector of ``{name: value}`` (checks names and shapes)."""
        flat = []
        missing = [n for n in self.rate_names if n not in params]
        extra = [n for n in params if n not in self.shapes]
        if missing or extra:
            raise ValueError(f"params must have exactly the keys {list(self.rate_names)}; "
                             f"missing {missing}, unexpected {extra}")
        for name, shape in self.params:
            arr = np.asarray(params[name], dtype=object)
            if arr.shape != shape:
                raise ValueError(f"params[{name!r}] must have shape {shape}, got {arr.shape}")
            flat.extend(arr.reshape(-1).tolist())
        return flat

    def initial_parameters(self, regime: Regime | float | None, rates: Mapping, seed: int, *,
                           data: Any = None) -> dict:
        r"""Initial parameters from a seed, in a regime (if the model supports one).

        Parameters
        ----------
        regime : Regime, float or None
            A :class:`~symrich.testing.regimes.Regime`, a value of
            :math:`\delta`, or None (the model's generic initialisation).  In
            the saddle regime the initialisation for :math:`\delta/s^2` is
            multiplied by the scale :math:`s`; in the sign-change regime
            :attr:`sign_change_init` builds it (and needs ``data``).
        rates : mapping
            ``{name: float}``.
        seed : int
            Seed of :func:`numpy.random.default_rng`.
        data : Dataset, optional
            The example's data (sign-change regime only).

        Returns
        -------
        dict
            ``{name: mpf or object array of mpf}`` at 50 digits (float64
            values if :attr:`float_inputs`).

        Examples
        --------
        >>> import mpmath
        >>> from symrich.testing.zoo import single_neuron
        >>> p = single_neuron(2).initial_parameters(0.5, {"a": 2.0, "w": 1.0}, seed=0)
        >>> with mpmath.workdps(40):
        ...     abs(1.0 * p["a"] ** 2 - 2.0 * (p["w"] @ p["w"]) - 0.5) < 1e-35
        True
        """
        if regime is not None and not isinstance(regime, Regime):
            regime = Regime.of_delta(regime)
        rng = np.random.default_rng(int(seed))
        rates = dict(rates)
        with mpmath.workdps(DATA_DPS):
            if regime is None:
                raw = (self.init(rng, None, rates) if self.init is not None
                       else {name: 0.7 * rng.standard_normal(shape) for name, shape in self.params})
            elif regime.name == SIGN_CHANGE:
                if self.sign_change_init is None:
                    raise RegimeNotSupported(f"{self.name} has no sign_change_init, so the regime {regime.name!r} cannot be "
                                     "drawn; give Model(sign_change_init=...) or another regime")
                if data is None:
                    raise ValueError(f"the regime {regime.name!r} needs the data (data=...)")
                raw = self.sign_change_init(rng, regime.delta, rates, data)
            elif self.init is None:
                raise RegimeNotSupported(f"{self.name} has no init function, so a regime (delta) cannot be requested; "
                                 "give Model(init=...) or regime=None")
            else:
                scale = mpmath.mpf(regime.scale)
                raw = self.init(rng, mpmath.mpf(regime.delta) / scale**2 if regime.name == SADDLE else regime.delta,
                                rates)
                if regime.name == SADDLE:
                    raw = {name: scale * np.asarray(value, dtype=object) for name, value in raw.items()}
            flat = [mpmath.mpf(v) for v in self.flatten(raw)]
            if self.float_inputs:
                flat = [mpmath.mpf(float(v)) for v in flat]
        return self.unflatten(flat)

    def __repr__(self) -> str:
        return f"Model({self.name!r})"


def _entry_names(name: str, shape: tuple) -> list:
    if shape == ():
        return [name]
    if len(shape) == 1:
        return [f"{name}_{i + 1}" for i in range(shape[0])]
    return [f"{name}_{i + 1}_{j + 1}" for i in range(shape[0]) for j in range(shape[1])]


def _exact(value: Any, what: str, problems: list) -> Any:
    import sympy

    try:
        if isinstance(value, (float, np.floating)):
            if not math.isfinite(value):
                raise ValueError
            return sympy.Rational(float(value))      # the float's exact value
        v = sympy.nsimplify(value, rational=False) if isinstance(value, str) else sympy.sympify(value)
        if not v.is_real or not v.is_number:
            raise ValueError
        return v
    except (ValueError, TypeError, sympy.SympifyError):
        problems.append(f"{what} must be a real number, got {value!r}")
        return sympy.S.Zero

