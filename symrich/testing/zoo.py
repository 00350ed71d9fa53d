r"""The built-in models.

* :func:`single_neuron` -- :math:`f(x) = a\, w^\top x` (the paper, Section 3);
* :func:`wide_linear` -- :math:`f(x) = A^\top W x` and :func:`deep_linear` --
  :math:`f(x) = W_L \cdots W_1 x` (Section 4);
* :func:`two_layer_piecewise` -- a two-layer piecewise-linear network with a
  fixed activation pattern (Section 5);
* :func:`two_layer` -- :math:`f(x) = \sum_k a_k \sigma(w_k^\top x)` with
  ReLU or leaky ReLU (integrated across kinks by
  :func:`symrich.piecewise_linear.integrate`), tanh or softplus.

Each model's ``init`` builds parameters whose conserved quantity equals the
requested :math:`\delta` exactly (at 50 digits; :mod:`symrich.testing.inits`).

>>> single_neuron(1).rate_names
('a', 'w')
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import mpmath
import numpy as np

from symrich.piecewise_linear import integrate
from symrich.testing.flows import IntegrationRefused, softplus, softplus_value
from symrich.testing.inits import crossing_neuron, layers, neuron
from symrich.testing.model import Model
from symrich.testing.values import positive_int

__all__ = ["deep_linear", "single_neuron", "two_layer", "two_layer_piecewise", "wide_linear"]


@functools.lru_cache(maxsize=None)
def single_neuron(d: int) -> Model:
    r"""The single neuron :math:`f(x) = a\, w^\top x`: parameters ``a`` (scalar) and ``w`` (``d``).

    Regime: :math:`\delta = \eta_w a^2 - \eta_a \|w\|^2` (the conserved
    quantity).  For :math:`\delta \ge 0`, ``w`` is drawn N(0, I/d) and
    ``|a|`` solved for; for :math:`\delta < 0`, ``a`` is drawn N(0, 1) and
    ``w`` is a uniformly random direction scaled to the norm :math:`\delta`
    requires; the sign of ``a`` is a fair coin.  Sign-change regime:
    :func:`~symrich.testing.inits.crossing_neuron` for the targets ``y``.

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
    d = positive_int(d, "d")

    def init(rng, delta, rates):
        if delta is None:
            return {"a": 0.7 * rng.standard_normal(), "w": 0.7 * rng.standard_normal(d)}
        a, w = neuron(rng, d, delta, rates["a"], rates["w"])
        return {"a": a, "w": w}

    def sign_change_init(rng, delta, rates, data):
        a, w = crossing_neuron(rng, data.X, data.y, delta, rates["a"], rates["w"])
        return {"a": a, "w": w}

    return Model(params={"a": (), "w": (d,)}, d=d, c=1, name=f"single neuron (d={d})",
                 f=lambda p, x: p["a"] * (p["w"].T * x)[0, 0], init=init, sign_change_init=sign_change_init)


@functools.lru_cache(maxsize=None)
def wide_linear(d: int, h: int, c: int = 1) -> Model:
    r"""The wide two-layer linear network :math:`f(x) = A^\top W x`: ``W`` (``h x d``), ``A`` (``h x c``).

    Regime: :math:`\Delta = \eta_w A A^\top - \eta_a W W^\top = \delta I_h`
    (the paper, Section 4).  For :math:`\delta \ge 0` and ``h <= c``: ``W``
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
    d, h, c = positive_int(d, "d"), positive_int(h, "h"), positive_int(c, "c")

    def init(rng, delta, rates):
        W1, W2 = layers(rng, (d, h, c), delta, [rates["W"], rates["A"]])
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
        widths = tuple(positive_int(w, f"widths[{i}]") for i, w in enumerate(widths))
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
        return dict(zip(names, layers(rng, widths, delta, [rates[n] for n in names])))

    return Model(params={n: (widths[l + 1], widths[l]) for l, n in enumerate(names)}, d=widths[0], c=widths[-1],
                 name=f"deep linear {widths}", f=f, init=init)


def two_layer_piecewise(d: int, k: int, activation_pattern: Any) -> Model:
    r"""Two-layer piecewise-linear network with a **fixed** activation pattern.

    :math:`f(x_i) = \sum_k a_k\, c_{ki}\, w_k^\top x_i`, where
    ``activation_pattern[k, i]`` :math:`= c_{ki} = \sigma'(w_k^\top x_i)` is
    held fixed (1/0 for ReLU, 1/alpha for leaky ReLU).  This is the ReLU
    network's flow exactly as long as no pre-activation changes sign, i.e.
    between kinks (the paper, Section 5); over a whole trajectory it is a gated
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
    d, k = positive_int(d, "d"), positive_int(k, "k")
    pattern = np.asarray(activation_pattern, dtype=object)
    if pattern.ndim != 2 or pattern.shape[0] != k or pattern.shape[1] < 1:
        raise ValueError(f"activation_pattern must have shape (k, n) = ({k}, n), got shape {pattern.shape}")

    def f(p, x, g):
        return sum((p["a"][j] * g[j] * (p["W"][j, :] * x)[0, 0] for j in range(k)), 0)

    def init(rng, delta, rates):
        if delta is None:
            return {"a": 0.7 * rng.standard_normal(k), "W": 0.7 * rng.standard_normal((k, d)) / math.sqrt(d)}
        return _neurons(rng, d, k, delta, rates)

    return Model(params={"a": (k,), "W": (k, d)}, d=d, c=1, f=f, pattern=pattern.T, init=init,
                 name=f"two-layer piecewise-linear (d={d}, k={k}, fixed pattern)")


def _neurons(rng: np.random.Generator, d: int, k: int, delta: float | None, rates: dict) -> dict:
    """``k`` neurons, each with imbalance ``delta`` (:func:`~symrich.testing.inits.neuron`), or Gaussian ones."""
    if delta is None:
        return {"a": 0.7 * rng.standard_normal(k), "W": 0.7 * rng.standard_normal((k, d)) / math.sqrt(d)}
    pairs = [neuron(rng, d, delta, rates["a"], rates["W"]) for _ in range(k)]
    return {"a": np.array([a for a, _ in pairs], dtype=object), "W": np.array([w for _, w in pairs])}


def _activation(activation: Any) -> tuple:
    """``(label, sympy sigma, mpmath sigma, piecewise-linear spec or None)`` of a two-layer activation."""
    import sympy

    if activation == "relu":
        return "ReLU", lambda z: sympy.Max(0, z), lambda z: max(z, 0), "relu"
    if isinstance(activation, tuple) and len(activation) == 2 and activation[0] == "leaky_relu":
        alpha = float(activation[1])
        if not 0 <= alpha < 1:
            raise ValueError(f"the leaky ReLU slope alpha must be in [0, 1), got {activation[1]!r}")
        exact = sympy.Rational(alpha)      # the float's exact value
        return (f"leaky ReLU (alpha={alpha:g})", lambda z: sympy.Max(exact * z, z),
                lambda z: z if z > 0 else alpha * z, ("leaky_relu", alpha))
    if activation == "tanh":
        return "tanh", sympy.tanh, mpmath.tanh, None
    if activation == "softplus":
        return "softplus", softplus, softplus_value, None
    raise ValueError(f"activation must be 'relu', ('leaky_relu', alpha), 'tanh' or 'softplus', got {activation!r}")


def _float64(values: Any, what: str) -> np.ndarray:
    """``values`` as float64, refusing any that float64 would round (the kinked integrator takes float64)."""
    arr = np.asarray(values, dtype=object)
    out = arr.astype(float)
    if any(mpmath.mpf(float(v)) != v for v in arr.reshape(-1)):
        raise ValueError(f"{what} must be float64 numbers for a ReLU network (symrich.piecewise_linear.integrate "
                         "takes float64 inputs); use gaussian_data or rank_deficient_data, not whitened data")
    return out


def _kinked_integrator(spec: Any):
    """Integrate the two-layer network across kinks with :func:`symrich.piecewise_linear.integrate`."""

    def integrator(example, times, dps):
        X = _float64(example.data.X, "data X")
        y = _float64(example.data.y, "data Y")
        a0 = _float64(example.params["a"], "parameter a")
        W0 = _float64(example.params["W"], "parameter W")
        try:
            sol = integrate(list(times), a0, W0, X, y, spec, eta_a=example.rates["a"], eta_w=example.rates["W"],
                            dps=dps)
        except RuntimeError as exc:       # sliding along a kink, two kinks at once, too many flips
            raise IntegrationRefused(str(exc)) from None
        return [{"a": sol.a[i], "W": sol.W[i]} for i in range(len(times))]

    return integrator


def two_layer(d: int, k: int, activation: Any = "relu") -> Model:
    r"""The two-layer network :math:`f(x) = \sum_k a_k\, \sigma(w_k^\top x)`: ``a`` (``k``), ``W`` (``k x d``).

    * ``"relu"`` (:math:`\max(0, z)`) and ``("leaky_relu", alpha)``
      (:math:`\max(\alpha z, z)`): piecewise linear; trajectories are
      integrated across kinks by :func:`symrich.piecewise_linear.integrate`
      (the Taylor oracle on each activation region, stopping where a
      pre-activation :math:`w_k^\top x_i` crosses 0).  It takes float64
      parameters and data, so initial parameters are rounded to float64
      (:math:`\delta` then holds to about 16 digits) and whitened data are
      refused; and it refuses to continue where the flow slides along a kink
      (Filippov sliding) or two pre-activations vanish together: a check
      skips such an example and counts it in its report.
    * ``"tanh"`` and ``"softplus"``: smooth; integrated by the Taylor oracle
      with the smooth terms added to the state (:mod:`symrich.testing.flows`).

    Regime: every neuron has :math:`\delta_k = \eta_w a_k^2 - \eta_a
    \|w_k\|^2 = \delta` (conserved for ReLU and leaky ReLU, which are
    positively homogeneous; not for tanh or softplus), drawn as in
    :func:`single_neuron`.  Sign-change regime: neuron 1's readout is placed
    by :func:`~symrich.testing.inits.crossing_neuron` against the residual of
    the others.  Function-space coordinates (``coordinates="beta"``):
    :math:`\beta_k = a_k w_k`, shape ``(k, d)`` (the paper, Section 5).

    Parameters
    ----------
    d, k : int
        Input dimension and number of hidden neurons.
    activation : "relu", ("leaky_relu", alpha), "tanh" or "softplus"

    Returns
    -------
    Model

    Examples
    --------
    >>> relu = two_layer(2, 3, "relu")
    >>> relu.output()[0].has(__import__("sympy").Max), relu.float_inputs
    (True, True)
    >>> two_layer(1, 1, "tanh").output()
    [a_1*tanh(W_1_1*x_1)]
    """
    d, k = positive_int(d, "d"), positive_int(k, "k")
    return _two_layer(d, k, activation)


@functools.lru_cache(maxsize=None)
def _two_layer(d: int, k: int, activation: Any) -> Model:
    label, sigma, sigma_mp, spec = _activation(activation)

    def f(p, x):
        return sum((p["a"][j] * sigma((p["W"][j, :] * x)[0, 0]) for j in range(k)), 0)

    def init(rng, delta, rates):
        return _neurons(rng, d, k, delta, rates)

    def sign_change_init(rng, delta, rates, data):
        rest = _neurons(rng, d, k - 1, delta, rates)
        others = np.array([sum((a * sigma_mp(w @ x) for a, w in zip(rest["a"], rest["W"])), mpmath.mpf(0))
                           for x in data.X], dtype=object)
        a, w = crossing_neuron(rng, data.X, data.y - others, delta, rates["a"], rates["W"], sigma_mp)
        return {"a": np.array([a, *rest["a"]], dtype=object), "W": np.array([w, *rest["W"]]).reshape(k, d)}

    return Model(params={"a": (k,), "W": (k, d)}, d=d, c=1, f=f, init=init, sign_change_init=sign_change_init,
                 integrator=None if spec is None else _kinked_integrator(spec),
                 beta=lambda p: p["a"][:, None] * p["W"], float_inputs=spec is not None,
                 name=f"two-layer {label} (d={d}, k={k})")
