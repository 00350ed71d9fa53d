r"""Property-test your own theory of gradient-flow dynamics against the high-precision oracle.

A theorist who claims "this quantity is conserved", "this is the trajectory"
or "the flow converges to this point" for some network writes the claim as a
Python function and hands it to one of three checks:

* :func:`assert_conserved` -- a quantity of the parameters stays constant;
* :func:`assert_matches_flow` -- a closed form equals the parameters at time ``t``;
* :func:`assert_converges_to` -- an observable reaches a predicted limit.

Each check runs its own :func:`hypothesis.given` over initialisations,
learning rates and data sets (a small default budget of examples,
``deadline=None``), integrates the model's *raw parameter flow* with
:mod:`symrich.oracle` at ``dps`` digits, and counts the **digits of
agreement** :math:`-\log_{10}(\max|\text{claim} - \text{oracle}| /
\max(1, \max|\text{oracle}|))`.  If an example falls short of ``digits``,
hypothesis shrinks it and the check raises an :class:`AssertionError` whose
message shows the smallest failing example and its digits of agreement.

Models are given symbolically (:class:`Model`): parameter shapes and the
network function :math:`f(x)` as SymPy.  symrich forms the loss
:math:`L = \tfrac12 \sum_i \|f(x_i) - y_i\|^2` on symbolic data, differentiates
it with SymPy and builds the gradient flow
:math:`\dot\theta = -\eta_\theta\, \partial L/\partial\theta` as a
:class:`symrich.oracle.PolynomialFlow` (data and learning rates enter as its
parameters), so no gradient is written by hand.  Four models are built in:
:func:`single_neuron`, :func:`wide_linear`, :func:`deep_linear` and
:func:`two_layer_piecewise` (a fixed activation pattern).

Strategies (:mod:`hypothesis.strategies`) draw the regime
(:func:`upstream`, :func:`balanced`, :func:`downstream`, :func:`any_regime`:
values of :math:`\delta`), learning rates (:func:`learning_rates`) and data
(:func:`whitened_data`, :func:`gaussian_data`, :func:`rank_deficient_data`);
:func:`examples` combines them into :class:`Example` objects for a given model.

Conventions
-----------
* Parameter values handed to user functions are ``mpmath.mpf`` (scalar
  parameters) or numpy object arrays of ``mpf`` (vectors, matrices); learning
  rates are a dict ``{parameter name: float}``.  Numpy arithmetic (``+``,
  ``*``, ``@``, ``.T``, ``sum``) works on object arrays; for ``sqrt``, ``exp``
  and so on use :mod:`mpmath` functions.  User functions run inside
  ``mpmath.workdps(dps)``.
* Data sets hold exact (``mpf``) arrays: whitened ``X`` is orthonormalised at
  50 digits, so closed forms that use :math:`X^\top X = I` are exact to well
  beyond the oracle's ``dps`` (keep ``dps <= 40``).
* Initial parameters are drawn from a seed (``numpy.random.default_rng``) and
  completed at 50 digits so that the regime's :math:`\delta` holds exactly.

This module imports :mod:`hypothesis` (a test dependency of symrich).

Examples
--------
>>> import symrich.testing as srt
>>> model = srt.single_neuron(2)
>>> report = srt.assert_conserved(
...     lambda p, eta: eta["w"] * p["a"] ** 2 - eta["a"] * (p["w"] @ p["w"]),
...     model, max_examples=3, times=(0.5,))
>>> report.passed, report.worst_digits > 25
(True, True)
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import mpmath
import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

__all__ = [
    "CheckReport",
    "Dataset",
    "Example",
    "Model",
    "any_regime",
    "assert_conserved",
    "assert_converges_to",
    "assert_matches_flow",
    "balanced",
    "deep_linear",
    "digits_of_agreement",
    "downstream",
    "examples",
    "gaussian_data",
    "learning_rates",
    "make_dataset",
    "oracle_trajectory",
    "rank_deficient_data",
    "single_neuron",
    "two_layer_piecewise",
    "upstream",
    "whitened_data",
    "wide_linear",
]

#: Digits at which data sets and regime-constrained initialisations are built.
DATA_DPS = 50
#: Default number of examples each check draws.
DEFAULT_EXAMPLES = 12
_RESERVED_PREFIXES = ("X_", "Y_", "eta_")


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _range(value: Any, name: str, *, nonnegative: bool = True) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (low, high) of numbers, got {value!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi or (nonnegative and lo < 0):
        need = "0 <= low <= high" if nonnegative else "low <= high"
        raise ValueError(f"{name} must be a finite pair with {need}, got {value!r}")
    return lo, hi


def _mp_array(values: Any) -> np.ndarray:
    """Object array of mpf at the current precision (shape kept; scalars become 0-d arrays)."""
    arr = np.asarray(values, dtype=object)
    out = np.empty(arr.shape, dtype=object)
    for index, v in np.ndenumerate(arr):
        out[index] = v if isinstance(v, mpmath.mpf) else mpmath.mpf(v)
    return out


def _from_mp_matrix(m: Any) -> np.ndarray:
    return np.array([[m[i, j] for j in range(m.cols)] for i in range(m.rows)], dtype=object)


def _to_mp_matrix(a: np.ndarray) -> Any:
    return mpmath.matrix([[a[i, j] for j in range(a.shape[1])] for i in range(a.shape[0])])


def _flat_mpf(value: Any, what: str) -> list:
    """Flatten a number / array / mapping of numbers into a list of mpf."""
    if isinstance(value, Mapping):
        out = []
        for key in sorted(value, key=str):
            out.extend(_flat_mpf(value[key], f"{what}[{key!r}]"))
        return out
    arr = np.asarray(value, dtype=object)
    out = []
    for index, v in np.ndenumerate(arr):
        try:
            x = v if isinstance(v, mpmath.mpf) else mpmath.mpmathify(v)
        except (TypeError, ValueError):
            raise ValueError(f"{what} must contain real numbers, got {v!r}") from None
        if not isinstance(x, mpmath.mpf):
            raise ValueError(f"{what} must contain real numbers, got {v!r}")
        out.append(x)
    return out


def digits_of_agreement(value: Any, reference: Any, *, cap: float = 99.0) -> float:
    r"""Decimal digits to which ``value`` agrees with ``reference``.

    .. math:: -\log_{10} \frac{\max_k |v_k - r_k|}{\max(1, \max_k |r_k|)},

    capped at ``cap`` (an exact match returns ``cap``).  Arrays are compared
    entrywise; shapes must match.

    Parameters
    ----------
    value, reference : number or array_like
        The claim and the oracle's value (``mpf``, floats, or arrays of them).
    cap : float
        Upper bound on the returned digits.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If the two have different numbers of entries.

    Examples
    --------
    >>> round(digits_of_agreement(1.0001, 1.0), 2)
    4.0
    >>> digits_of_agreement([1.0, 2.0], [1.0, 2.0], cap=30)
    30.0
    """
    v = _flat_mpf(value, "value")
    r = _flat_mpf(reference, "reference")
    if len(v) != len(r):
        raise ValueError(f"value has {len(v)} entries but reference has {len(r)}")
    err = max((abs(a - b) for a, b in zip(v, r)), default=mpmath.mpf(0))
    scale = max([mpmath.mpf(1)] + [abs(b) for b in r])
    if err == 0:
        return float(cap)
    return float(min(cap, -mpmath.log10(err / scale)))


def _fmt(value: Any, digits: int = 10) -> str:
    """Short text of a number, array, list or mapping of numbers."""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_fmt(v, digits)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_fmt(v, digits) for v in value) + "]"
    arr = np.asarray(value, dtype=object)
    if arr.ndim == 0:
        try:
            return mpmath.nstr(mpmath.mpmathify(arr.item()), digits)
        except (TypeError, ValueError):
            return repr(arr.item())
    return "[" + ", ".join(_fmt(v, digits) for v in arr) + "]"


# ---------------------------------------------------------------------------
# Data sets
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class Dataset:
    """A data set ``(X, Y)`` held exactly, as numpy object arrays of ``mpmath.mpf``.

    Attributes
    ----------
    X : numpy.ndarray, shape (n, d), dtype object
    Y : numpy.ndarray, shape (n, c), dtype object
    kind : str
        ``"whitened"``, ``"gaussian"`` or ``"rank-deficient"`` (``"given"`` for
        :func:`make_dataset` on user arrays).
    seed : int or None
        The seed it was drawn from.
    rank : int or None
        Rank of ``X`` for rank-deficient data.

    Examples
    --------
    >>> data = make_dataset("whitened", n=3, d=2, seed=0)
    >>> data.n, data.d, data.c, data.beta_star().shape
    (3, 2, 1, (2,))
    """

    X: np.ndarray
    Y: np.ndarray
    kind: str = "given"
    seed: int | None = None
    rank: int | None = None

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def d(self) -> int:
        return self.X.shape[1]

    @property
    def c(self) -> int:
        return self.Y.shape[1]

    @property
    def y(self) -> np.ndarray:
        """Targets as a vector, shape (n,) (only for ``c = 1``)."""
        if self.c != 1:
            raise ValueError(f"y is defined for one output only; this data set has c = {self.c}")
        return self.Y[:, 0]

    def XtX(self) -> np.ndarray:
        """:math:`X^\\top X` at the current mpmath precision, shape (d, d)."""
        return self.X.T @ self.X

    def beta_star(self) -> np.ndarray:
        """:math:`X^\\top Y` at the current precision: shape (d,) if ``c = 1``, else (d, c).

        For whitened data this is the least-squares solution.
        """
        b = self.X.T @ self.Y
        return b[:, 0] if self.c == 1 else b

    def as_float(self) -> tuple[np.ndarray, np.ndarray]:
        """``(X, Y)`` rounded to float64."""
        return self.X.astype(float), self.Y.astype(float)

    def __repr__(self) -> str:
        extra = f", rank={self.rank}" if self.rank is not None else ""
        seed = f", seed={self.seed}" if self.seed is not None else ""
        return f"{self.kind}(n={self.n}, d={self.d}, c={self.c}{extra}{seed})"


def _dyadic(rng: np.random.Generator, shape: tuple, denominator: int = 16) -> np.ndarray:
    """Gaussian numbers rounded to multiples of 1/denominator (exact in float64)."""
    return np.round(rng.standard_normal(shape) * denominator) / denominator


def make_dataset(kind: str, n: int, d: int, seed: int, *, c: int = 1, rank: int | None = None) -> Dataset:
    r"""Build one data set deterministically from a seed (what the data strategies draw).

    Parameters
    ----------
    kind : {"whitened", "gaussian", "rank-deficient"}
        * ``"whitened"``: ``G`` with i.i.d. N(0, 1) entries (``n x d``), ``X``
          the ``Q`` factor of its QR decomposition computed at 50 digits, so
          :math:`X^\top X = I_d` to 50 digits; ``Y`` i.i.d. N(0, 1) (so it has
          a component outside the column space of ``X`` when ``n > d``).
        * ``"gaussian"``: ``X`` and ``Y`` i.i.d. N(0, 1) (float64 values, used exactly).
        * ``"rank-deficient"``: ``X = U V^T`` with ``U`` (``n x rank``) and
          ``V`` (``d x rank``) i.i.d. N(0, 1) rounded to multiples of 1/16, so
          ``X`` is exactly of rank ``rank``; ``Y = X B`` with ``B`` of the same
          kind, so an interpolant exists.
    n, d : int
        Samples and input dimension.
    seed : int
        Seed of :func:`numpy.random.default_rng`.
    c : int
        Outputs.
    rank : int, optional
        Rank of ``X`` (``"rank-deficient"`` only): ``1 <= rank < d`` and ``rank <= n``.

    Returns
    -------
    Dataset

    Raises
    ------
    ValueError
        For an unknown kind, ``n < d`` for whitened data, or an invalid rank.

    Examples
    --------
    >>> import mpmath
    >>> data = make_dataset("whitened", n=4, d=2, seed=1)
    >>> with mpmath.workdps(40):
    ...     gram = data.XtX()
    >>> float(abs(gram[0, 1])) < 1e-45 and float(abs(gram[0, 0] - 1)) < 1e-45
    True
    >>> make_dataset("rank-deficient", n=3, d=3, seed=0, rank=1).rank
    1
    """
    n, d, c = _positive_int(n, "n"), _positive_int(d, "d"), _positive_int(c, "c")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    rng = np.random.default_rng(int(seed))
    with mpmath.workdps(DATA_DPS):
        if kind == "whitened":
            if n < d:
                raise ValueError(f"whitened data need n >= d, got n = {n}, d = {d}")
            G = rng.standard_normal((n, d))
            Q, _ = mpmath.qr(_to_mp_matrix(_mp_array(G)), mode="skinny")
            X = _from_mp_matrix(Q)
            Y = _mp_array(rng.standard_normal((n, c)))
            rank = None
        elif kind == "gaussian":
            X = _mp_array(rng.standard_normal((n, d)))
            Y = _mp_array(rng.standard_normal((n, c)))
            rank = None
        elif kind == "rank-deficient":
            if rank is None or isinstance(rank, bool) or not isinstance(rank, (int, np.integer)) \
                    or not 1 <= rank < d or rank > n:
                raise ValueError(f"rank must be an integer with 1 <= rank < d = {d} and rank <= n = {n}, got {rank!r}")
            rank = int(rank)
            U, V, B = _dyadic(rng, (n, rank)), _dyadic(rng, (d, rank)), _dyadic(rng, (d, c))
            X = _mp_array(U) @ _mp_array(V).T      # exact: dyadic entries at 50 digits
            Y = X @ _mp_array(B)
        else:
            raise ValueError(f"kind must be 'whitened', 'gaussian' or 'rank-deficient', got {kind!r}")
    return Dataset(X=X, Y=Y, kind=kind, seed=int(seed), rank=rank)


_SEEDS = st.integers(min_value=0, max_value=2**32 - 1)


def whitened_data(n: int, d: int, c: int = 1) -> st.SearchStrategy:
    r"""Strategy: whitened data sets (:math:`X^\top X = I_d` to 50 digits).

    Draws a seed uniformly from :math:`[0, 2^{32})` (shrinking towards 0) and
    returns ``make_dataset("whitened", n, d, seed, c=c)``: ``X`` is the Q
    factor (at 50 digits) of an ``n x d`` matrix with i.i.d. N(0, 1) entries;
    ``Y`` has i.i.d. N(0, 1) entries.

    Parameters
    ----------
    n, d : int
        Samples (``n >= d``) and input dimension.
    c : int
        Outputs.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of Dataset

    Examples
    --------
    >>> whitened_data(3, 2).example().kind
    'whitened'
    """
    n, d, c = _positive_int(n, "n"), _positive_int(d, "d"), _positive_int(c, "c")
    if n < d:
        raise ValueError(f"whitened data need n >= d, got n = {n}, d = {d}")
    return _SEEDS.map(lambda seed: make_dataset("whitened", n, d, seed, c=c))


def gaussian_data(n: int, d: int, c: int = 1) -> st.SearchStrategy:
    """Strategy: general data, ``X`` (``n x d``) and ``Y`` (``n x c``) with i.i.d. N(0, 1) entries.

    Draws a seed uniformly from :math:`[0, 2^{32})` (shrinking towards 0);
    the float64 values are used exactly.

    Parameters
    ----------
    n, d, c : int
        Samples, input dimension, outputs.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of Dataset

    Examples
    --------
    >>> gaussian_data(4, 3, c=2).example().Y.shape
    (4, 2)
    """
    n, d, c = _positive_int(n, "n"), _positive_int(d, "d"), _positive_int(c, "c")
    return _SEEDS.map(lambda seed: make_dataset("gaussian", n, d, seed, c=c))


def rank_deficient_data(n: int, d: int, rank: int, c: int = 1) -> st.SearchStrategy:
    """Strategy: data with ``X`` of exact rank ``rank < d`` and targets in its range.

    Draws a seed uniformly from :math:`[0, 2^{32})` (shrinking towards 0);
    ``X = U V^T`` with ``U``, ``V`` i.i.d. N(0, 1) rounded to multiples of
    1/16, and ``Y = X B`` with ``B`` alike (so an interpolant exists and
    :math:`X^\\top X` is singular).

    Parameters
    ----------
    n, d : int
        Samples and input dimension.
    rank : int
        ``1 <= rank < d``, ``rank <= n``.
    c : int
        Outputs.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of Dataset

    Examples
    --------
    >>> data = rank_deficient_data(1, 2, rank=1).example()
    >>> data.kind, data.rank
    ('rank-deficient', 1)
    """
    n, d, c = _positive_int(n, "n"), _positive_int(d, "d"), _positive_int(c, "c")
    make_dataset("rank-deficient", n, d, 0, c=c, rank=rank)  # validate now, not at draw time
    return _SEEDS.map(lambda seed: make_dataset("rank-deficient", n, d, seed, c=c, rank=rank))


# ---------------------------------------------------------------------------
# Regimes and learning rates
# ---------------------------------------------------------------------------


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
    >>> 0.1 <= upstream().example() <= 4.0
    True
    """
    lo, hi = _range(delta, "delta")
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
    >>> -4.0 <= downstream().example() <= -0.1
    True
    """
    lo, hi = _range(delta, "delta", nonnegative=False)
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
    >>> balanced().example()
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
    >>> -1.0 <= any_regime((-1, 1)).example() <= 1.0
    True
    """
    lo, hi = _range(delta, "delta", nonnegative=False)
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
    >>> rates = learning_rates(0.5, 2.0).example()
    >>> len(rates), all(0.5 <= r <= 2.0 for r in rates)
    (2, True)
    """
    lo, hi = _range((low, high), "(low, high)")
    if lo <= 0:
        raise ValueError(f"low must be > 0, got {low!r}")
    k = _positive_int(k, "k")

    def rate(u: float) -> float:
        r = float(f"{math.exp(u):.3g}")
        return min(max(r, lo), hi)

    one = st.floats(min_value=math.log(lo), max_value=math.log(hi), allow_nan=False).map(rate)
    return st.tuples(*([one] * k))


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------


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
        must be polynomial in the parameters.
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

    Notes
    -----
    The flow of :meth:`flow` is :math:`\dot\theta = -\eta_\theta\,\partial
    L/\partial\theta` with :math:`L = \tfrac12\sum_{i,k} (f_k(x_i) - Y_{ik})^2`,
    differentiated by SymPy; data ``X_i_j``, ``Y_i_k`` and rates ``eta_<name>``
    are parameters of the :class:`~symrich.oracle.PolynomialFlow`.

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
        if self.init is not None and not callable(self.init):
            problems.append(f"init must be callable, got {self.init!r}")
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
    def _flows(self) -> dict:
        return {}

    def flow(self, n: int):
        """The gradient flow on ``n`` symbolic samples, a :class:`symrich.oracle.PolynomialFlow` (cached).

        Parameters
        ----------
        n : int
            Number of samples (must equal :attr:`n_samples` if a pattern is set).

        Returns
        -------
        symrich.oracle.PolynomialFlow
            State :attr:`state`; parameters ``eta_<name>`` (in :attr:`rate_names`
            order), ``X_i_j`` and ``Y_i_k`` (1-based).

        Examples
        --------
        >>> flow = single_neuron(1).flow(1)
        >>> import sympy
        >>> (a, w1), (eta_a, eta_w, x, y) = flow.state, flow.params
        >>> sympy.expand(flow.rhs[0] + eta_a * w1 * x * (x * a * w1 - y))  # rhs[0] = -eta_a dL/da
        0
        """
        import sympy

        from symrich.oracle import PolynomialFlow

        n = _positive_int(n, "n")
        if self.pattern is not None and n != len(self.pattern):
            raise ValueError(f"n = {n} but the pattern of {self.name} fixes n = {len(self.pattern)}")
        if n in self._flows:
            return self._flows[n]
        X = [[sympy.Symbol(f"X_{i + 1}_{j + 1}", real=True) for j in range(self.d)] for i in range(n)]
        Y = [[sympy.Symbol(f"Y_{i + 1}_{k + 1}", real=True) for k in range(self.c)] for i in range(n)]
        etas = [sympy.Symbol(f"eta_{name}", positive=True) for name in self.rate_names]
        loss = sympy.S.Zero
        for i in range(n):
            outputs = self.output(sympy.Matrix(self.d, 1, X[i]), i)
            for k, fk in enumerate(outputs):
                loss += (fk - Y[i][k]) ** 2 / 2
        known = set(self.state) | {s for row in X for s in row}
        stray = sorted((loss.free_symbols - known - {s for row in Y for s in row}), key=str)
        if stray:
            raise ValueError(f"f of {self.name} contains symbols that are neither parameters nor inputs: "
                             f"{', '.join(map(str, stray))}")
        rhs = []
        for (name, _), eta in zip(self.params, etas):
            s = self.symbols[name]
            entries = list(s) if isinstance(s, sympy.MatrixBase) else [s]
            rhs.extend(-eta * sympy.diff(loss, e) for e in entries)
        params = (*etas, *(s for row in X for s in row), *(s for row in Y for s in row))
        flow = PolynomialFlow(state=self.state, rhs=tuple(rhs), params=params, name=f"{self.name}, n={n}")
        self._flows[n] = flow
        return flow

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

    def initial_parameters(self, delta: float | None, rates: Mapping, seed: int) -> dict:
        """Initial parameters from a seed (and a regime ``delta``, if the model supports one).

        Returns
        -------
        dict
            ``{name: mpf or object array of mpf}`` at 50 digits.

        Examples
        --------
        >>> import mpmath
        >>> p = single_neuron(2).initial_parameters(0.5, {"a": 2.0, "w": 1.0}, seed=0)
        >>> with mpmath.workdps(40):
        ...     abs(1.0 * p["a"] ** 2 - 2.0 * (p["w"] @ p["w"]) - 0.5) < 1e-35
        True
        """
        rng = np.random.default_rng(int(seed))
        with mpmath.workdps(DATA_DPS):
            if self.init is not None:
                raw = self.init(rng, delta, dict(rates))
            elif delta is not None:
                raise ValueError(f"{self.name} has no init function, so a regime (delta) cannot be requested; "
                                 "give Model(init=...) or regime=None")
            else:
                raw = {name: 0.7 * rng.standard_normal(shape) for name, shape in self.params}
            flat = [mpmath.mpf(v) for v in self.flatten(raw)]
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


# -- regime-constrained initialisations ----------------------------------------


def _neuron(rng: np.random.Generator, d: int, delta: float, eta_a: float, eta_w: float):
    """``(a, w)`` with ``eta_w a^2 - eta_a |w|^2 = delta`` exactly (at the working precision)."""
    delta = mpmath.mpf(delta)
    ea, ew = mpmath.mpf(eta_a), mpmath.mpf(eta_w)
    sign = 1 if rng.random() < 0.5 else -1
    if delta >= 0:
        w = _mp_array(rng.standard_normal(d) / math.sqrt(d))
        a = sign * mpmath.sqrt((delta + ea * (w @ w)) / ew)
    else:
        a = mpmath.mpf(rng.standard_normal())
        g = rng.standard_normal(d)
        u = _mp_array(g) / mpmath.sqrt(mpmath.fsum(v * v for v in _mp_array(g)))
        w = u * mpmath.sqrt((ew * a * a - delta) / ea)
    return a, w


def _sym_sqrt(S: np.ndarray) -> np.ndarray:
    """PSD square root of a symmetric matrix (object arrays of mpf), negative round-off clipped."""
    E, Q = mpmath.eigsy(_to_mp_matrix(S))
    Qa = _from_mp_matrix(Q)
    roots = [mpmath.sqrt(max(E[i], 0)) for i in range(len(E))]
    return (Qa * np.array(roots, dtype=object)) @ Qa.T


def _orthonormal_columns(rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    Q, _ = mpmath.qr(_to_mp_matrix(_mp_array(rng.standard_normal((rows, cols)))), mode="skinny")
    return _from_mp_matrix(Q)


def _layers(rng: np.random.Generator, widths: tuple, delta: float | None, etas: list) -> list:
    r"""Weights ``W_l`` (``h_l x h_{l-1}``) with ``eta_l W_{l+1}^T W_{l+1} - eta_{l+1} W_l W_l^T = delta I``.

    Bottom-up (``W_{l+1} = O S^{1/2}``) needs ``h_1 <= ... <= h_L`` (used for
    ``delta >= 0``); top-down (``W_l = T^{1/2} O``) needs ``h_{L-1} <= ... <= h_0``
    (used for ``delta <= 0``).
    """
    L = len(widths) - 1
    if delta is None:
        return [_mp_array(0.7 * rng.standard_normal((widths[l + 1], widths[l])) / math.sqrt(widths[l]))
                for l in range(L)]
    delta = mpmath.mpf(delta)
    hidden_up = all(widths[l] <= widths[l + 1] for l in range(1, L))
    hidden_down = all(widths[l] <= widths[l - 1] for l in range(1, L))
    eta = [mpmath.mpf(e) for e in etas]
    if delta >= 0 and hidden_up:
        W = [_mp_array(rng.standard_normal((widths[1], widths[0])) / math.sqrt(widths[0]))]
        for l in range(1, L):           # W[l] is W_{l+1}; eta[l-1] = eta_l
            h = widths[l]
            S = (eta[l] * (W[-1] @ W[-1].T) + delta * np.eye(h, dtype=object)) / eta[l - 1]
            W.append(_orthonormal_columns(rng, widths[l + 1], h) @ _sym_sqrt(S))
        return W
    if delta <= 0 and hidden_down:
        W = [_mp_array(rng.standard_normal((widths[L], widths[L - 1])) / math.sqrt(widths[L - 1]))]
        for l in range(L - 1, 0, -1):   # build W_l from W_{l+1} = W[0]
            h = widths[l]
            T = (eta[l - 1] * (W[0].T @ W[0]) - delta * np.eye(h, dtype=object)) / eta[l]
            W.insert(0, _sym_sqrt(T) @ _orthonormal_columns(rng, widths[l - 1], h).T)
        return W
    need = "hidden/output widths h_1 <= ... <= h_L" if delta > 0 else "widths h_{L-1} <= ... <= h_1 <= h_0"
    raise ValueError(f"cannot build an initialisation with all conserved matrices equal to delta*I for "
                     f"delta = {mpmath.nstr(delta, 6)} and widths {widths}: this needs {need}")


# -- built-in models -------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def single_neuron(d: int) -> Model:
    r"""The single neuron :math:`f(x) = a\, w^\top x`: parameters ``a`` (scalar) and ``w`` (``d``).

    Regime: :math:`\delta = \eta_w a^2 - \eta_a \|w\|^2` (the conserved
    quantity).  For :math:`\delta \ge 0`, ``w`` is drawn N(0, I/d) and
    ``|a|`` solved for; for :math:`\delta < 0`, ``a`` is drawn N(0, 1) and
    ``w`` is a uniformly random direction scaled to the norm :math:`\delta`
    requires; the sign of ``a`` is a fair coin.

    Parameters
    ----------
    d : int
        Input dimension.

    Returns
    -------
    Model

    Examples
    --------
    >>> model = single_neuron(2)
    >>> model.output()
    [a*(w_1*x_1 + w_2*x_2)]
    """
    d = _positive_int(d, "d")

    def init(rng, delta, rates):
        if delta is None:
            return {"a": 0.7 * rng.standard_normal(), "w": 0.7 * rng.standard_normal(d)}
        a, w = _neuron(rng, d, delta, rates["a"], rates["w"])
        return {"a": a, "w": w}

    return Model(params={"a": (), "w": (d,)}, d=d, c=1, name=f"single neuron (d={d})",
                 f=lambda p, x: p["a"] * (p["w"].T * x)[0, 0], init=init)


@functools.lru_cache(maxsize=None)
def wide_linear(d: int, h: int, c: int = 1) -> Model:
    r"""The wide two-layer linear network :math:`f(x) = A^\top W x`: ``W`` (``h x d``), ``A`` (``h x c``).

    Regime: :math:`\Delta = \eta_w A A^\top - \eta_a W W^\top = \delta I_h`
    (MATH-part2 item 2).  For :math:`\delta \ge 0` and ``h <= c``: ``W``
    Gaussian, :math:`A^\top = O ((\eta_a W W^\top + \delta I)/\eta_w)^{1/2}`
    with ``O`` random with orthonormal columns; for :math:`\delta \le 0` and
    ``h <= d``: ``A`` Gaussian and ``W`` alike.  Other combinations raise
    ``ValueError`` when drawn (use ``regime=None`` for a general Gaussian
    initialisation).

    Parameters
    ----------
    d, h, c : int
        Input, hidden and output widths.

    Returns
    -------
    Model
        Parameters ``W`` and ``A``; rates ``(eta_W, eta_A)`` in that order.

    Examples
    --------
    >>> wide_linear(2, 1, 1).output()
    [A_1_1*(W_1_1*x_1 + W_1_2*x_2)]
    """
    d, h, c = _positive_int(d, "d"), _positive_int(h, "h"), _positive_int(c, "c")

    def init(rng, delta, rates):
        W1, W2 = _layers(rng, (d, h, c), delta, [rates["W"], rates["A"]])
        return {"W": W1, "A": W2.T}

    return Model(params={"W": (h, d), "A": (h, c)}, d=d, c=c, name=f"wide linear (d={d}, h={h}, c={c})",
                 f=lambda p, x: p["A"].T * (p["W"] * x), init=init)


def deep_linear(widths: Sequence) -> Model:
    r"""The deep linear network :math:`f(x) = W_L \cdots W_1 x` with ``widths = (h_0 = d, ..., h_L = c)``.

    Regime: every conserved matrix
    :math:`Q_l = \eta_l W_{l+1}^\top W_{l+1} - \eta_{l+1} W_l W_l^\top`
    equals :math:`\delta I_{h_l}`; built bottom-up for :math:`\delta \ge 0`
    (needs ``h_1 <= ... <= h_L``) or top-down for :math:`\delta \le 0`
    (needs ``h_{L-1} <= ... <= h_0``), with random orthonormal factors.

    Parameters
    ----------
    widths : tuple of int
        At least two entries.

    Returns
    -------
    Model
        Parameters ``W1, ..., WL``; rates in that order.

    Examples
    --------
    >>> deep_linear((2, 3, 1)).shapes
    {'W1': (3, 2), 'W2': (1, 3)}
    """
    try:
        widths = tuple(_positive_int(w, f"widths[{i}]") for i, w in enumerate(widths))
    except TypeError:
        raise ValueError(f"widths must be a sequence of positive integers, got {widths!r}") from None
    if len(widths) < 2:
        raise ValueError(f"widths must have at least 2 entries (d, ..., c), got {widths!r}")
    return _deep_linear(widths)


@functools.lru_cache(maxsize=None)
def _deep_linear(widths: tuple) -> Model:
    L = len(widths) - 1
    names = [f"W{l + 1}" for l in range(L)]

    def f(p, x):
        out = x
        for name in names:
            out = p[name] * out
        return out

    def init(rng, delta, rates):
        return dict(zip(names, _layers(rng, widths, delta, [rates[n] for n in names])))

    return Model(params={n: (widths[l + 1], widths[l]) for l, n in enumerate(names)}, d=widths[0], c=widths[-1],
                 name=f"deep linear {widths}", f=f, init=init)


def two_layer_piecewise(d: int, k: int, activation_pattern: Any) -> Model:
    r"""Two-layer piecewise-linear network with a **fixed** activation pattern.

    :math:`f(x_i) = \sum_k a_k\, c_{ki}\, w_k^\top x_i`, where
    ``activation_pattern[k, i]`` :math:`= c_{ki} = \sigma'(w_k^\top x_i)` is
    held fixed (1/0 for ReLU, 1/alpha for leaky ReLU).  This is the ReLU
    network's flow exactly as long as no pre-activation changes sign, i.e.
    between kinks (MATH-part2 item 6); over a whole trajectory it is a gated
    linear network.  Parameters ``a`` (``k``) and ``W`` (``k x d``, rows
    :math:`w_k`); the number of samples is fixed to ``n`` by the pattern.

    Regime: every neuron has :math:`\delta_k = \eta_w a_k^2 - \eta_a \|w_k\|^2 = \delta`,
    each drawn as in :func:`single_neuron`.

    Parameters
    ----------
    d, k : int
        Input dimension and number of hidden neurons.
    activation_pattern : array_like, shape (k, n)
        Slopes :math:`c_{ki}` (converted to exact rationals).

    Returns
    -------
    Model

    Examples
    --------
    >>> model = two_layer_piecewise(2, 2, [[1, 0, 1], [0.5, 1, 1]])
    >>> model.n_samples, model.rate_names
    (3, ('a', 'W'))
    """
    d, k = _positive_int(d, "d"), _positive_int(k, "k")
    pattern = np.asarray(activation_pattern, dtype=object)
    if pattern.ndim != 2 or pattern.shape[0] != k or pattern.shape[1] < 1:
        raise ValueError(f"activation_pattern must have shape (k, n) = ({k}, n), got shape {pattern.shape}")

    def f(p, x, g):
        return sum((p["a"][j] * g[j] * (p["W"][j, :] * x)[0, 0] for j in range(k)), 0)

    def init(rng, delta, rates):
        if delta is None:
            return {"a": 0.7 * rng.standard_normal(k), "W": 0.7 * rng.standard_normal((k, d)) / math.sqrt(d)}
        pairs = [_neuron(rng, d, delta, rates["a"], rates["W"]) for _ in range(k)]
        return {"a": np.array([a for a, _ in pairs], dtype=object), "W": np.array([w for _, w in pairs])}

    return Model(params={"a": (k,), "W": (k, d)}, d=d, c=1, f=f, pattern=pattern.T, init=init,
                 name=f"two-layer piecewise-linear (d={d}, k={k}, fixed pattern)")


# ---------------------------------------------------------------------------
# Examples and the oracle
# ---------------------------------------------------------------------------


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
        params = ", ".join(f"{k}={_fmt(v)}" for k, v in self.params.items())
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
    >>> ex = examples(single_neuron(2), regime=balanced()).example()
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
    >>> ex = examples(single_neuron(1)).example()
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


# ---------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CheckReport:
    """Summary of a passed check.

    Attributes
    ----------
    check : str
        Which check ran.
    model : str
    n_examples : int
        Examples run (including hypothesis' explicit and replayed ones).
    worst_digits : float
        Smallest digits of agreement seen.
    required_digits : float
    passed : bool
        Always True (a failed check raises).

    Examples
    --------
    >>> CheckReport("assert_conserved", "single neuron (d=1)", 12, 29.5, 20.0).passed
    True
    """

    check: str
    model: str
    n_examples: int
    worst_digits: float
    required_digits: float
    passed: bool = True


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
    max_examples = _positive_int(max_examples, "max_examples")
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
            raise _Disagreement(f"  {ex!r}\n  quantity at t=0: {_fmt(q0, 15)}\n  quantity at t={tk}: {_fmt(qk, 15)}\n"
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
            raise _Disagreement(f"  {ex!r}\n  at t={tk}: {name} (oracle)      = {_fmt(ref, 15)}\n"
                                f"  at t={tk}: {name} (closed form) = {_fmt(value, 15)}\n"
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
            raise _Disagreement(f"  {ex!r}\n  reached at t={t_end}: {_fmt_any(reached)}\n"
                                f"  predicted limit:    {_fmt_any(predicted)}\n"
                                f"  digits of agreement: {agree:.1f} (required {digits}, oracle dps={dps})")
        return agree

    return _run("assert_converges_to", model, prop, examples(model, data, regime, rates), digits=digits,
                max_examples=max_examples, shrink=shrink)


def _fmt_any(value: Any) -> str:
    return _fmt(value, 15)
