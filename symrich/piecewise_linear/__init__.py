"""Numeric layer, two-layer piecewise-linear network ``f(x) = sum_k a_k sigma(w_k^T x)``.

Shapes: data ``X`` (n, d), targets ``y`` (n,), readouts ``a`` (K,), first
layer ``W`` (K, d) (row ``k`` is ``w_k``), ``beta`` (K, d) with
``beta_k = a_k w_k``.  Loss ``L = 1/2 sum_i (f(x_i) - y_i)^2``; flow
``a' = -eta_a dL/da``, ``W' = -eta_w dL/dW``.

What runs is what was proved (derivations ``piecewise_linear_conservation``,
``piecewise_linear_beta_flow``, ``piecewise_linear_radial_directional``):

* the activation and its derivative are compiled from
  :func:`symrich.symbolic.piecewise_linear.sigma` / ``dsigma``;
* per neuron, the flow is the single neuron's with ``g_k = X^T D_k r``, so
  ``M_k`` is :func:`symrich.single_neuron.M_matrix` with ``delta_k``;
* the radial and directional factors ``R`` and ``(R + delta)/2`` are compiled
  from the symbolic expressions (the latter in its cancellation-free form for
  ``delta < 0``, proved equal in ``single_neuron_regimes``);
* :func:`integrate` runs the oracle (:mod:`symrich.oracle`) on the polynomial
  flow of a fixed activation pattern
  (:func:`symrich.symbolic.piecewise_linear.pattern_flow`), stops at the
  first pre-activation ``w_k^T x_i`` that crosses 0 (an oracle event), flips
  that entry of the pattern and restarts.

>>> import numpy as np
>>> X = np.array([[1.0, 0.0], [0.0, 1.0]])
>>> forward(X, [1.0, -2.0], [[1.0, 1.0], [-1.0, 0.5]], "relu").tolist()
[1.0, 0.0]
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from symrich.numeric.validation import as_array, positive

__all__ = [
    "Activation",
    "leaky_relu",
    "as_activation",
    "forward",
    "neuron_gradients",
    "parameter_flow",
    "M_matrices",
    "beta_flow",
    "radial_directional_speeds",
    "ntk",
    "kernel_distance",
    "activation_pattern",
    "hamming_distance",
    "conserved_deltas",
    "FlipEvent",
    "PiecewiseSolution",
    "integrate",
]


# --------------------------------------------------------------------------
# activations


@dataclasses.dataclass(frozen=True)
class Activation:
    """A positively homogeneous two-slope activation: ``z`` for ``z > 0``, ``slope * z`` for ``z <= 0``.

    ``Activation("relu", 0.0)``, ``Activation("leaky_relu", alpha)``,
    ``Activation("abs", -1.0)``, ``Activation("linear", 1.0)``.  Use
    :func:`as_activation` to build one from a name.

    >>> act = as_activation("abs")
    >>> act.sigma(np.array([-2.0, 3.0])).tolist(), act.dsigma(np.array([-2.0, 3.0])).tolist()
    ([2.0, 3.0], [-1.0, 1.0])
    """

    name: str
    slope: float

    def __post_init__(self):
        try:
            s = float(self.slope)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"activation slope must be a finite real number, got {self.slope!r}") from exc
        if not np.isfinite(s):
            raise ValueError(f"activation slope must be a finite real number, got {self.slope!r}")
        object.__setattr__(self, "slope", s)

    def sigma(self, z):
        """``sigma(z)`` (compiled from the symbolic ``Piecewise``).

        >>> as_activation("relu").sigma(np.array([-1.0, 2.0])).tolist()
        [0.0, 2.0]
        """
        # "+ 0.0" turns the -0.0 of 0 * z (z < 0) into 0.0
        return _activation_kernel()(np.asarray(z, dtype=float), self.slope)[0] * np.ones_like(z, dtype=float) + 0.0

    def dsigma(self, z):
        """``sigma'(z)`` with the convention ``sigma'(0) = slope``.

        >>> leaky_relu(0.1).dsigma(np.array([-1.0, 0.0, 2.0])).tolist()
        [0.1, 0.1, 1.0]
        """
        return _activation_kernel()(np.asarray(z, dtype=float), self.slope)[1] * np.ones_like(z, dtype=float)

    def slopes(self, pattern):
        """``c = sigma'`` from a boolean pattern (``True`` where ``w_k^T x_i > 0``).

        >>> as_activation("abs").slopes(np.array([True, False])).tolist()
        [1.0, -1.0]
        """
        return np.where(np.asarray(pattern, dtype=bool), 1.0, self.slope)


def leaky_relu(alpha):
    """Leaky ReLU ``max(z, alpha z)`` with negative-side slope ``alpha``.

    >>> leaky_relu(0.1).slope
    0.1
    """
    return Activation("leaky_relu", alpha)


_NAMED = {"relu": 0.0, "abs": -1.0, "linear": 1.0}


def as_activation(spec, name="activation"):
    """An :class:`Activation` from ``"relu"``, ``"abs"``, ``"linear"``, ``("leaky_relu", alpha)`` or an Activation.

    >>> as_activation(("leaky_relu", 0.2))
    Activation(name='leaky_relu', slope=0.2)
    >>> as_activation("tanh")
    Traceback (most recent call last):
    ...
    ValueError: activation must be 'relu', 'abs', 'linear', ('leaky_relu', alpha) or an Activation, got 'tanh'
    """
    if isinstance(spec, Activation):
        return spec
    if isinstance(spec, str) and spec in _NAMED:
        return Activation(spec, _NAMED[spec])
    if isinstance(spec, tuple) and len(spec) == 2 and spec[0] == "leaky_relu":
        return leaky_relu(spec[1])
    raise ValueError(
        f"{name} must be 'relu', 'abs', 'linear', ('leaky_relu', alpha) or an Activation, got {spec!r}"
    )


@functools.lru_cache(maxsize=None)
def _activation_kernel():
    from symrich.numeric.codegen import compile_exprs
    from symrich.symbolic.piecewise_linear import alpha, dsigma, sigma, z

    return compile_exprs((sigma(z, alpha), dsigma(z, alpha)), (z, alpha), backend="numpy")


@functools.lru_cache(maxsize=None)
def _factor_kernel():
    from symrich.numeric.codegen import compile_exprs
    from symrich.symbolic.piecewise_linear import directional_factor, radial_factor
    from symrich.symbolic.single_neuron import m_perp_stable_negative
    from symrich.symbolic.symbols import delta, eta_a, eta_w, rho

    exprs = (radial_factor(), directional_factor(), m_perp_stable_negative())
    return compile_exprs(exprs, (delta, rho, eta_a, eta_w), backend="numpy")


# --------------------------------------------------------------------------
# input checks


def _check_params(a, W):
    a = as_array(a, "a", ndim=1)
    W = as_array(W, "W", ndim=2)
    if W.shape[0] != a.shape[0]:
        raise ValueError(f"W must have shape (K, d) with K = len(a) = {a.shape[0]}, got shape {W.shape}")
    if a.shape[0] == 0 or W.shape[1] == 0:
        raise ValueError(f"need K >= 1 neurons and d >= 1 inputs, got a of shape {a.shape} and W of shape {W.shape}")
    return a, W


def _check_X(X, d):
    X = as_array(X, "X", ndim=2)
    if X.shape[1] != d:
        raise ValueError(f"X must have shape (n, d) with d = {d}, got shape {X.shape}")
    if X.shape[0] == 0:
        raise ValueError("X must have at least one sample (row)")
    return X


def _check_y(y, n):
    y = as_array(y, "y", ndim=1)
    if y.shape[0] != n:
        raise ValueError(f"y must have shape (n,) with n = {n}, got shape {y.shape}")
    return y


def _check_pattern(pattern, K, n):
    P = np.asarray(pattern)
    if P.shape != (K, n):
        raise ValueError(f"pattern must have shape (K, n) = {(K, n)}, got shape {P.shape}")
    if P.dtype != bool:
        raise ValueError(f"pattern must be a boolean array (True where w_k^T x_i > 0), got dtype {P.dtype}")
    return P


# --------------------------------------------------------------------------
# the network


def forward(X, a, W, activation="relu"):
    """Outputs ``f(x_i) = sum_k a_k sigma(w_k^T x_i)``.

    Parameters
    ----------
    X : array_like, shape (n, d)
    a : array_like, shape (K,)
    W : array_like, shape (K, d)
    activation : str, tuple or Activation
        See :func:`as_activation`.

    Returns
    -------
    ndarray, shape (n,)

    Examples
    --------
    >>> forward([[1.0, -1.0]], [2.0], [[1.0, 0.0]], ("leaky_relu", 0.5))
    array([2.])
    """
    act = as_activation(activation)
    a, W = _check_params(a, W)
    X = _check_X(X, W.shape[1])
    return act.sigma(X @ W.T) @ a


def activation_pattern(X, W):
    """Boolean activation pattern ``P[k, i] = (w_k^T x_i > 0)``, shape (K, n).

    The same for every activation of the family: ``sigma'(w_k^T x_i)`` is ``1``
    where ``P`` is True and the negative-side slope elsewhere.

    >>> activation_pattern([[1.0, 0.0], [0.0, 1.0]], [[1.0, -1.0]])
    array([[ True, False]])
    """
    W = as_array(W, "W", ndim=2)
    X = _check_X(X, W.shape[1])
    return (X @ W.T).T > 0


def hamming_distance(P0, Pt):
    """Fraction of entries where two activation patterns differ (normalised Hamming distance).

    ``P0`` has shape (K, n); ``Pt`` may carry leading batch axes (..., K, n).

    >>> import numpy as np
    >>> hamming_distance(np.array([[True, False]]), np.array([[True, True]]))
    0.5
    """
    P0 = np.asarray(P0)
    Pt = np.asarray(Pt)
    if P0.dtype != bool or Pt.dtype != bool:
        raise ValueError(f"P0 and Pt must be boolean activation patterns, got dtypes {P0.dtype} and {Pt.dtype}")
    if P0.ndim != 2 or Pt.shape[-2:] != P0.shape:
        raise ValueError(f"P0 must have shape (K, n) and Pt shape (..., K, n) with the same (K, n); got {P0.shape} and {Pt.shape}")
    out = np.mean(P0 != Pt, axis=(-2, -1))
    return float(out) if out.ndim == 0 else out


def conserved_deltas(a, W, eta_a=1.0, eta_w=1.0):
    """``delta_k = eta_w a_k^2 - eta_a ||w_k||^2`` for each neuron, shape (K,).

    >>> conserved_deltas([2.0, 0.0], [[1.0, 0.0], [0.0, 1.0]]).tolist()
    [3.0, -1.0]
    """
    from symrich.single_neuron import delta_of

    a, W = _check_params(a, W)
    return np.asarray(delta_of(a, W, eta_a, eta_w), dtype=float)


def neuron_gradients(X, y, a, W, activation="relu"):
    """``g_k = sum_i c_ki r_i x_i = X^T D_k r`` for each neuron, shape (K, d), with ``r = f(X) - y``.

    >>> neuron_gradients([[1.0, 0.0]], [0.0], [1.0], [[2.0, 1.0]]).tolist()
    [[2.0, 0.0]]
    """
    act = as_activation(activation)
    a, W = _check_params(a, W)
    X = _check_X(X, W.shape[1])
    y = _check_y(y, X.shape[0])
    Z = X @ W.T  # (n, K)
    r = act.sigma(Z) @ a - y
    C = act.dsigma(Z)  # (n, K)
    return (C * r[:, None]).T @ X


def parameter_flow(X, y, a, W, activation="relu", eta_a=1.0, eta_w=1.0):
    """Gradient flow ``(a', W')`` with ``a_k' = -eta_a w_k^T g_k`` and ``w_k' = -eta_w a_k g_k``.

    Returns
    -------
    (ndarray (K,), ndarray (K, d))

    Examples
    --------
    >>> adot, Wdot = parameter_flow([[1.0, 0.0]], [0.0], [1.0], [[2.0, 1.0]])
    >>> adot.tolist(), Wdot.tolist()
    ([-4.0], [[-2.0, -0.0]])
    """
    eta_a = positive(eta_a, "eta_a")
    eta_w = positive(eta_w, "eta_w")
    a, W = _check_params(a, W)
    G = neuron_gradients(X, y, a, W, activation)
    return -eta_a * np.sum(W * G, axis=1), -eta_w * a[:, None] * G


def M_matrices(beta, delta, eta_a=1.0, eta_w=1.0):
    """Per-neuron ``M_k = (R_k + delta_k)/2 I + (R_k - delta_k)/2 beta_hat_k beta_hat_k^T``, shape (K, d, d).

    This is :func:`symrich.single_neuron.M_matrix` applied neuron by neuron.

    >>> M_matrices([[1.0, 0.0]], [0.0]).tolist()
    [[[2.0, 0.0], [0.0, 1.0]]]
    """
    from symrich.single_neuron import M_matrix

    beta = as_array(beta, "beta", ndim=2)
    delta = as_array(delta, "delta", ndim=1)
    if delta.shape[0] != beta.shape[0]:
        raise ValueError(f"delta must have shape (K,) with K = {beta.shape[0]} (rows of beta), got shape {delta.shape}")
    return M_matrix(beta, delta, eta_a, eta_w)


def beta_flow(X, y, beta, delta, pattern, activation="relu", eta_a=1.0, eta_w=1.0):
    """``beta_k' = -M_k X^T D_k r`` with ``r_i = sum_k c_ki beta_k^T x_i - y_i`` for a given pattern.

    Parameters
    ----------
    X : (n, d), y : (n,)
    beta : (K, d)
        ``beta_k = a_k w_k``.
    delta : (K,)
        Conserved ``delta_k``.
    pattern : bool array (K, n)
        ``True`` where ``w_k^T x_i > 0`` (:func:`activation_pattern`); in
        terms of ``beta``, ``w_k^T x_i > 0`` iff ``sign(a_k) beta_k^T x_i > 0``.
    activation, eta_a, eta_w
        As in :func:`parameter_flow`.

    Returns
    -------
    ndarray, shape (K, d)

    Examples
    --------
    >>> import numpy as np
    >>> a, W = np.array([1.0]), np.array([[2.0, 1.0]])
    >>> X, y = np.array([[1.0, 0.0]]), np.array([0.0])
    >>> bd = beta_flow(X, y, a[:, None] * W, conserved_deltas(a, W), activation_pattern(X, W))
    >>> adot, Wdot = parameter_flow(X, y, a, W)
    >>> np.allclose(bd, adot[:, None] * W + a[:, None] * Wdot)
    True
    """
    act = as_activation(activation)
    beta = as_array(beta, "beta", ndim=2)
    X = _check_X(X, beta.shape[1])
    y = _check_y(y, X.shape[0])
    P = _check_pattern(pattern, beta.shape[0], X.shape[0])
    C = act.slopes(P)  # (K, n)
    r = np.sum(C * (beta @ X.T), axis=0) - y
    G = (C * r[None, :]) @ X
    M = M_matrices(beta, delta, eta_a, eta_w)
    return -np.einsum("kde,ke->kd", M, G)


def radial_directional_speeds(beta, delta, g, eta_a=1.0, eta_w=1.0):
    """Radial and directional motion of each ``beta_k`` under ``beta_k' = -M_k g_k``.

    Returns ``(rho_dot, beta_hat_dot, fraction)``: ``d/dt ||beta_k|| = -R_k beta_hat_k^T g_k`` (K,),
    ``d/dt beta_hat_k = -((R_k + delta_k)/(2 ||beta_k||)) P_perp g_k`` (K, d), and the directional
    fraction ``(R_k + delta_k)/(2 R_k)`` (K,).  Needs ``beta_k != 0``.

    >>> rd, hd, fr = radial_directional_speeds([[2.0, 0.0]], [0.0], [[1.0, 1.0]])
    >>> rd.tolist(), hd.tolist(), fr.tolist()
    ([-4.0], [[-0.0, -1.0]], [0.5])
    """
    eta_a = positive(eta_a, "eta_a")
    eta_w = positive(eta_w, "eta_w")
    beta = as_array(beta, "beta", ndim=2)
    delta = as_array(delta, "delta", ndim=1)
    g = as_array(g, "g", ndim=2)
    if delta.shape[0] != beta.shape[0]:
        raise ValueError(f"delta must have shape (K,) with K = {beta.shape[0]}, got shape {delta.shape}")
    if g.shape != beta.shape:
        raise ValueError(f"g must have the shape of beta {beta.shape}, got shape {g.shape}")
    rho = np.linalg.norm(beta, axis=1)
    if np.any(rho == 0):
        raise ValueError("beta has a zero row: the direction beta_hat_k is undefined for beta_k = 0")
    with np.errstate(divide="ignore", invalid="ignore"):
        R, mp_pos, mp_neg = (np.broadcast_to(np.asarray(v, float), rho.shape) for v in _factor_kernel()(delta, rho, eta_a, eta_w))
    m_perp = np.where(delta < 0, mp_neg, mp_pos)
    bhat = beta / rho[:, None]
    par = np.sum(bhat * g, axis=1)
    perp = g - par[:, None] * bhat
    return -R * par, -(m_perp / rho)[:, None] * perp, m_perp / R


def ntk(X, a, W, eta_a=1.0, eta_w=1.0, activation="relu"):
    """Empirical NTK ``K = J diag(eta) J^T`` of the outputs, shape (n, n).

    With ``J`` the Jacobian of ``f(X)`` in ``(a, W)``: ``df_i/da_k = sigma(w_k^T x_i)``,
    ``df_i/dw_k = a_k c_ki x_i``; by Euler's identity
    ``K = sum_k D_k X (eta_a w_k w_k^T + eta_w a_k^2 I) X^T D_k``: the
    single-neuron NTK of each neuron, masked by its pattern.

    >>> import numpy as np
    >>> K = ntk(np.eye(2), [1.0], [[1.0, -1.0]])
    >>> K.tolist()
    [[2.0, 0.0], [0.0, 0.0]]
    """
    eta_a = positive(eta_a, "eta_a")
    eta_w = positive(eta_w, "eta_w")
    act = as_activation(activation)
    a, W = _check_params(a, W)
    X = _check_X(X, W.shape[1])
    Z = X @ W.T  # (n, K)
    S = act.sigma(Z)
    C = act.dsigma(Z)
    gram = X @ X.T
    return eta_a * S @ S.T + eta_w * gram * ((C * a**2) @ C.T)


def kernel_distance(K0, Kt):
    """``S = 1 - <K0, Kt>_F / (||K0||_F ||Kt||_F)``; ``Kt`` may carry leading batch axes.

    >>> import numpy as np
    >>> round(kernel_distance(np.eye(2), np.eye(2)), 12), round(kernel_distance(np.eye(2), np.diag([1.0, 0.0])), 12)
    (0.0, 0.292893218813)
    """
    K0 = as_array(K0, "K0", ndim=2)
    Kt = as_array(Kt, "Kt")
    if Kt.ndim < 2 or Kt.shape[-2:] != K0.shape:
        raise ValueError(f"Kt must have shape (..., {K0.shape[0]}, {K0.shape[1]}), got shape {Kt.shape}")
    n0 = np.linalg.norm(K0)
    nt = np.sqrt(np.sum(Kt * Kt, axis=(-2, -1)))
    if n0 == 0 or np.any(nt == 0):
        raise ValueError("kernel distance is undefined for a zero kernel (K0 or Kt has zero Frobenius norm)")
    out = 1.0 - np.sum(K0 * Kt, axis=(-2, -1)) / (n0 * nt)
    return float(out) if out.ndim == 0 else out


# --------------------------------------------------------------------------
# integration across kinks: oracle + events + restart


@dataclasses.dataclass(frozen=True, eq=False)
class FlipEvent:
    """One activation flip: pre-activation ``w_k^T x_i`` crossed 0 at time ``t``.

    Attributes
    ----------
    t : mpmath.mpf or float
        Time of the crossing (absolute, from the start of the integration).
    neuron, sample : int
        ``k`` and ``i``.
    direction : int
        +1 if ``w_k^T x_i`` became positive, -1 if it became non-positive.
    a : ndarray (K,), W : ndarray (K, d)
        The state at the crossing.

    Examples
    --------
    The second sample's pre-activation ``w^T x_2`` of one ReLU neuron starts
    negative and becomes positive; at the flip it is exactly zero:

    >>> import mpmath
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [1.0, 1.0]]); y = np.array([1.0, 0.5])
    >>> sol = integrate([0.0, 2.0], [1.0], [[0.2, -0.4]], X, y, "relu", dps=20)
    >>> (flip,) = sol.events
    >>> flip.neuron, flip.sample, flip.direction
    (0, 1, 1)
    >>> mpmath.nstr(flip.t, 8)
    '0.28411451'
    >>> abs(float(flip.W[flip.neuron] @ X[flip.sample])) < 1e-15
    True
    """

    t: object
    neuron: int
    sample: int
    direction: int
    a: np.ndarray
    W: np.ndarray


@dataclasses.dataclass(frozen=True, eq=False)
class PiecewiseSolution:
    """Result of :func:`integrate`.

    Attributes
    ----------
    t : ndarray (T,)
        The requested times.
    a : ndarray (T, K), W : ndarray (T, K, d)
        States at those times (dtype object holding ``mpf`` for the Taylor
        oracle, float64 for ``method="scipy"``).
    patterns : ndarray (T, K, n) of bool
        Activation pattern in force at each requested time.
    events : tuple of FlipEvent
        The flips, in time order.
    n_segments : int
        Number of oracle runs (flips + 1).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [1.0, 1.0]]); y = np.array([1.0, 0.5])
    >>> sol = integrate([0.0, 1.0, 2.0], [1.0], [[0.2, -0.4]], X, y, "relu", dps=20)
    >>> sol.a.shape, sol.W.shape, sol.patterns.shape
    ((3, 1), (3, 1, 2), (3, 1, 2))
    >>> sol.patterns[0].tolist(), sol.patterns[-1].tolist()  # sample 2 switches on
    ([[True, False]], [[True, True]])
    >>> len(sol.events), sol.n_segments
    (1, 2)
    """

    t: np.ndarray
    a: np.ndarray
    W: np.ndarray
    patterns: np.ndarray
    events: tuple
    n_segments: int

    def as_float(self):
        """The same solution in float64.

        >>> sol = integrate([0.0, 0.1], [1.0], [[1.0]], [[1.0]], [0.5], dps=20)
        >>> sol.as_float().a.dtype
        dtype('float64')
        """
        evs = tuple(dataclasses.replace(e, t=float(e.t), a=np.asarray(e.a, float), W=np.asarray(e.W, float))
                    for e in self.events)
        return dataclasses.replace(self, t=np.asarray(self.t, float), a=np.asarray(self.a, float),
                                   W=np.asarray(self.W, float), events=evs)


@functools.lru_cache(maxsize=32)
def _pattern_oracle_flow(K, n, d):
    from symrich.oracle import Event, PolynomialFlow
    from symrich.symbolic.piecewise_linear import pattern_flow

    pf = pattern_flow(K, n, d)
    flow = PolynomialFlow(state=pf.state, rhs=pf.rhs, params=pf.params, name=f"piecewise linear K={K} n={n} d={d}")
    events = tuple(Event(pf.z[k, i], terminal=True, name=f"z_{k + 1}_{i + 1}") for k in range(K) for i in range(n))
    return pf, flow, events


def integrate(t, a0, W0, X, y, activation="relu", eta_a=1.0, eta_w=1.0, *, dps=30, method="taylor", max_flips=100):
    """Integrate the gradient flow across activation flips (oracle + events + restart).

    On each segment the activation pattern is fixed and the flow is the
    polynomial :func:`symrich.symbolic.piecewise_linear.pattern_flow`,
    integrated by :func:`symrich.oracle.integrate_flow` with one terminal
    event per pre-activation ``w_k^T x_i``.  At a crossing the pattern entry is
    flipped and the integration restarts from the located crossing state (the
    oracle locates it to full working precision).  The restart is refused if
    the flow on the new side points back into the kink (Filippov sliding),
    or if two pre-activations vanish together.

    Parameters
    ----------
    t : sequence of numbers
        Strictly increasing output times, ``t[0] >= 0``.
    a0 : (K,), W0 : (K, d)
        Initial parameters; every initial pre-activation ``w_k^T x_i`` must be nonzero.
    X : (n, d), y : (n,)
        Data.
    activation : see :func:`as_activation`
    eta_a, eta_w : float > 0
    dps : int
        Digits of the Taylor oracle.
    method : {"taylor", "scipy"}
        ``"scipy"`` is the oracle's float64 path (for large experiments).
    max_flips : int
        Give up (``RuntimeError``) after this many flips.

    Returns
    -------
    PiecewiseSolution

    Examples
    --------
    One ReLU neuron whose pre-activation on the second sample starts negative
    and is pushed through 0 by the first sample's gradient:

    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [1.0, 1.0]]); y = np.array([1.0, 0.5])
    >>> sol = integrate([0.0, 2.0], [1.0], [[0.2, -0.4]], X, y, "relu", dps=20)
    >>> [(e.neuron, e.sample, e.direction) for e in sol.events]
    [(0, 1, 1)]
    >>> d = conserved_deltas(np.asarray(sol.a[-1], float), np.asarray(sol.W[-1], float))
    >>> bool(abs(d[0] - conserved_deltas([1.0], [[0.2, -0.4]])[0]) < 1e-14)
    True
    """
    import mpmath

    from symrich.oracle import integrate_flow

    act = as_activation(activation)
    eta_a = positive(eta_a, "eta_a")
    eta_w = positive(eta_w, "eta_w")
    a0, W0 = _check_params(a0, W0)
    X = _check_X(X, W0.shape[1])
    y = _check_y(y, X.shape[0])
    if method not in ("taylor", "scipy"):
        raise ValueError(f"method must be 'taylor' or 'scipy' (events need one of them), got {method!r}")
    if isinstance(max_flips, bool) or not isinstance(max_flips, (int, np.integer)) or max_flips < 0:
        raise ValueError(f"max_flips must be a non-negative integer, got {max_flips!r}")
    times = as_array(t, "t", ndim=1)
    if times.size == 0 or times[0] < 0 or np.any(np.diff(times) <= 0):
        raise ValueError(f"t must be a non-empty, strictly increasing sequence with t[0] >= 0, got {times.tolist()}")
    K, d = W0.shape
    n = X.shape[0]
    Z0 = W0 @ X.T
    if np.any(Z0 == 0):
        k, i = map(int, np.argwhere(Z0 == 0)[0])
        raise ValueError(f"W0: the initial pre-activation w_{k} . x_{i} is exactly 0; the activation pattern "
                         "at t = 0 is then undefined (perturb W0 or X)")
    pf, flow, events = _pattern_oracle_flow(K, n, d)
    base = {s: float(v) for s, v in zip(pf.X, X.ravel())}
    base.update({s: float(v) for s, v in zip(pf.y, y)})
    base.update({pf.params[-2]: eta_a, pf.params[-1]: eta_w})
    pattern = Z0 > 0
    taylor = method == "taylor"
    wp_dps = dps + 20

    def params_for(P):
        out = dict(base)
        out.update({s: float(v) for s, v in zip(pf.C, act.slopes(P).ravel())})
        return out

    def z_dot(state, P, k, i):
        """d/dt (w_k^T x_i) under pattern P at state (floats suffice for its sign)."""
        st = np.asarray(state, dtype=float)
        a_, W_ = st[:K], st[K:].reshape(K, d)
        C = act.slopes(P)
        r = np.sum(C * a_[:, None] * (W_ @ X.T), axis=0) - y
        g = (C[k] * r) @ X
        return float(-eta_w * a_[k] * g @ X[i])

    req = [mpmath.mpf(float(v)) for v in times] if taylor else [float(v) for v in times]
    state = list(a0) + list(W0.ravel())
    start = mpmath.mpf(0) if taylor else 0.0
    rows, row_patterns, flips = [], [], []
    segments = 0
    while len(rows) < len(req):
        segments += 1
        with mpmath.workdps(wp_dps):
            rel = [tt - start for tt in req[len(rows):]]
        sol = integrate_flow(flow, rel, state, params_for(pattern), dps=dps, method=method, events=list(events))
        for row in sol.y:
            rows.append(row)
            row_patterns.append(pattern.copy())
        hits = [h for h in sol.events if h.terminal]
        if not hits:
            break
        hit = hits[0]
        k, i = divmod(hit.index, n)
        with mpmath.workdps(wp_dps):
            t_abs = start + hit.t if taylor else start + float(hit.t)
        new = pattern.copy()
        new[k, i] = hit.direction > 0
        # the crossing state: no other pre-activation may vanish there
        zs = np.asarray(hit.y[K:], dtype=float).reshape(K, d) @ X.T
        scale = np.max(np.abs(np.asarray(hit.y, dtype=float))) * np.max(np.abs(X)) + 1.0
        near = np.abs(zs) <= 1e-12 * scale
        near[k, i] = False
        if np.any(near):
            k2, i2 = map(int, np.argwhere(near)[0])
            raise RuntimeError(f"pre-activations w_{k} . x_{i} and w_{k2} . x_{i2} vanish together at "
                               f"t = {float(t_abs):.6g}; simultaneous flips are not supported")
        before, after = z_dot(hit.y, pattern, k, i), z_dot(hit.y, new, k, i)
        if after * hit.direction <= 0:
            raise RuntimeError(
                f"at t = {float(t_abs):.6g} the flow slides along the kink w_{k} . x_{i} = 0 "
                f"(d/dt w_{k} . x_{i} = {before:.3g} before the flip, {after:.3g} after); Filippov sliding is not supported"
            )
        a_e = np.array(list(hit.y[:K]), dtype=object if taylor else float)
        W_e = np.array(list(hit.y[K:]), dtype=object if taylor else float).reshape(K, d)
        flips.append(FlipEvent(t=t_abs, neuron=k, sample=i, direction=int(hit.direction), a=a_e, W=W_e))
        if len(flips) > max_flips:
            raise RuntimeError(f"more than max_flips={max_flips} activation flips before t = {float(times[-1]):.6g}")
        pattern, state, start = new, list(hit.y), t_abs
    dtype = object if taylor else float
    Y = np.array(rows, dtype=dtype).reshape(len(rows), K + K * d)
    return PiecewiseSolution(
        t=np.array(req, dtype=dtype), a=Y[:, :K], W=Y[:, K:].reshape(len(rows), K, d),
        patterns=np.array(row_patterns, dtype=bool), events=tuple(flips), n_segments=segments,
    )
