"""Piecewise-linear networks: integration across activation flips (oracle + events + restart).

:func:`integrate` runs the oracle (:mod:`symrich.oracle`) on the polynomial flow
of a fixed activation pattern
(:func:`symrich.symbolic.piecewise_linear.pattern_flow`), stops at the first
pre-activation ``w_k^T x_i`` that crosses 0 (an oracle event), flips that entry
of the pattern and restarts.

>>> import numpy as np
>>> X = np.array([[1.0, 0.0], [1.0, 1.0]]); y = np.array([1.0, 0.5])
>>> sol = integrate([0.0, 2.0], [1.0], [[0.2, -0.4]], X, y, "relu", dps=20)
>>> sol.n_segments
2
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools

import numpy as np

from symrich.numeric.validation import as_array, finite_result, positive
from symrich.piecewise_linear.activation import as_activation
from symrich.piecewise_linear.network import check_inputs, check_parameters, check_targets

__all__ = ["FlipEvent", "PiecewiseSolution", "integrate"]


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
        """The same solution in float64 (a ``ValueError`` if a value of the Taylor oracle is beyond its range).

        >>> sol = integrate([0.0, 0.1], [1.0], [[1.0]], [[1.0]], [0.5], dps=20)
        >>> sol.as_float().a.dtype
        dtype('float64')
        """
        evs = tuple(dataclasses.replace(e, t=float(e.t), a=np.asarray(e.a, float), W=np.asarray(e.W, float))
                    for e in self.events)
        out = dataclasses.replace(self, t=np.asarray(self.t, float), a=np.asarray(self.a, float),
                                  W=np.asarray(self.W, float), events=evs)
        if not all(np.all(np.isfinite(x)) for x in (out.t, out.a, out.W, *(x for e in evs for x in (e.t, e.a, e.W)))):
            raise ValueError("self: the solution has values beyond the float64 range (1.8e308); keep it in mpmath")
        return out


#: the most digits :func:`integrate` accepts (beyond, mpmath's precision in bits no longer fits in a float).
_MAX_DPS = 10**6


def _step_limited(max_steps):
    """The oracle's ``solve_ivp`` method (DOP853), giving up after ``max_steps`` steps (``solve_ivp`` has no limit).

    An explicit method takes steps bounded by the flow's fastest time scale, so on a stiff flow their number
    grows with ``t`` even after convergence (``t = 1e6`` ran for minutes).
    """
    from scipy.integrate import DOP853

    class StepLimited(DOP853):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.steps_taken = 0

        def _step_impl(self):
            self.steps_taken += 1
            if self.steps_taken > max_steps:
                return False, (f"max_steps={max_steps} reached at t = {self.t:.6g}: the flow is stiff there or the "
                               "horizon long for this explicit method; raise max_steps, integrate to a shorter time, "
                               "or use method='taylor'")
            return super()._step_impl()

    return StepLimited


def _mp_array(values):
    """An object array of ``mpmath.mpf`` (from floats or mpf, exact)."""
    import mpmath

    return np.array([mpmath.mpf(v) for v in values], dtype=object)


@functools.lru_cache(maxsize=32)
def _pattern_oracle_flow(K, n, d):
    from symrich.oracle import Event, PolynomialFlow
    from symrich.symbolic.piecewise_linear import pattern_flow

    pf = pattern_flow(K, n, d)
    flow = PolynomialFlow(state=pf.state, rhs=pf.rhs, params=pf.params, name=f"piecewise linear K={K} n={n} d={d}")
    events = tuple(Event(pf.z[k, i], terminal=True, name=f"z_{k + 1}_{i + 1}") for k in range(K) for i in range(n))
    return pf, flow, events


def integrate(t, a0, W0, X, y, activation="relu", eta_a=1.0, eta_w=1.0, *, dps=30, method="taylor", max_flips=100,
              max_steps=100_000):
    """Integrate the gradient flow across activation flips (oracle + events + restart).

    On each segment the activation pattern is fixed and the flow is the
    polynomial :func:`symrich.symbolic.piecewise_linear.pattern_flow`,
    integrated by :func:`symrich.oracle.integrate_flow` with one terminal
    event per pre-activation ``w_k^T x_i``.  At a crossing the pattern entry is
    flipped and the integration restarts from the located crossing state (the
    oracle locates it to full working precision).  A neuron whose last active
    sample switches off (ReLU, with the convention ``sigma'(0) = 0``) dies: its
    velocity is then exactly 0 and it stays on the kink while the others move
    on.  The restart is refused if the flow on the new side points back into
    the kink (Filippov sliding), or if two pre-activations vanish together.

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
        ``"scipy"`` is the oracle's float64 path (for large experiments); a
        flow that overflows float64 there is a ``ValueError`` (use ``"taylor"``).
    max_flips : int
        Give up (``RuntimeError``) after this many flips.
    max_steps : int
        Steps of the integrator per region (``RuntimeError`` beyond), for
        both methods: they are explicit, so long horizons need many steps even
        when the flow converges.  The Taylor oracle also gives up
        (``RuntimeError``, "step size underflow") when a step no longer
        advances ``t`` at the working precision: a flow whose time scale is
        far below ``t``, as for entries near ``1e300``.  With ``method="scipy"``
        a ``RuntimeError`` says ``solve_ivp failed`` when ``solve_ivp`` cannot
        step on (a flow too fast for float64 steps).

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
    >>> from symrich.piecewise_linear import conserved_deltas
    >>> d = conserved_deltas(np.asarray(sol.a[-1], float), np.asarray(sol.W[-1], float))
    >>> bool(abs(d[0] - conserved_deltas([1.0], [[0.2, -0.4]])[0]) < 1e-14)
    True
    """
    import mpmath

    from symrich.oracle import integrate_flow
    from symrich.oracle.inputs import check_dps

    act = as_activation(activation)
    eta_a = positive(eta_a, "eta_a")
    eta_w = positive(eta_w, "eta_w")
    a0, W0 = check_parameters(a0, W0, names=("a0", "W0"))
    X = check_inputs(X, W0.shape[1])
    y = check_targets(y, X.shape[0])
    if not isinstance(method, str) or method not in ("taylor", "scipy"):
        raise ValueError(f"method must be 'taylor' or 'scipy' (events need one of them), got {method!r}")
    check_dps(dps)   # before dps + 20 below
    if dps > _MAX_DPS:
        raise ValueError(f"dps must be at most {_MAX_DPS} (decimal digits), got {dps}")
    if isinstance(max_flips, bool) or not isinstance(max_flips, (int, np.integer)) or max_flips < 0:
        raise ValueError(f"max_flips must be a non-negative integer, got {max_flips!r}")
    if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) or max_steps < 1:
        raise ValueError(f"max_steps must be a positive integer, got {max_steps!r}")
    times = as_array(t, "t", ndim=1)
    if times.size == 0 or times[0] < 0 or np.any(np.diff(times) <= 0):
        raise ValueError(f"t must be a non-empty, strictly increasing sequence with t[0] >= 0, got {times.tolist()}")
    K, d = W0.shape
    n = X.shape[0]
    with np.errstate(all="ignore"):
        Z0 = finite_result(W0 @ X.T, "W0, X")
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

    def dead(P):
        """Neurons with slope 0 on every sample (ReLU, all inactive): their flow is exactly 0, they stay put."""
        return ~np.any(act.slopes(P) != 0, axis=1)

    def z_dot(state, P, k, i):
        """d/dt (w_k^T x_i) under pattern P at state, in mpmath (its sign decides the restart; no float overflow)."""
        st = _mp_array(state)
        a_, W_ = st[:K], st[K:].reshape(K, d)
        C = act.slopes(P)
        r = np.sum(C * a_[:, None] * (W_ @ X.T), axis=0) - y
        g = (C[k] * r) @ X
        return -eta_w * a_[k] * (g @ X[i])

    req = [mpmath.mpf(float(v)) for v in times] if taylor else [float(v) for v in times]
    state = list(a0) + list(W0.ravel())
    start = mpmath.mpf(0) if taylor else 0.0
    rows, row_patterns, flips = [], [], []
    segments = 0
    while len(rows) < len(req):
        segments += 1
        with mpmath.workdps(wp_dps):
            rel = [tt - start for tt in req[len(rows):]]
        try:
            with contextlib.nullcontext() if taylor else np.errstate(over="raise", invalid="raise"):
                sol = integrate_flow(flow, rel, state, params_for(pattern), dps=dps, method=method,
                                     events=list(events), **({"max_steps": max_steps} if taylor else
                                                             {"ivp_method": _step_limited(max_steps)}))
        except FloatingPointError as exc:
            raise ValueError(f"a0, W0, X, y, eta_a, eta_w are outside the range of method='scipy': the flow overflows "
                             f"float64 ({exc}); rescale the problem or use method='taylor'") from exc
        except ValueError as exc:
            if "`ts` must be strictly increasing" not in str(exc):
                raise
            # solve_ivp's dense output refuses a terminal event located exactly at the start of a step
            raise RuntimeError("method='scipy': solve_ivp failed, it located the crossing of a pre-activation exactly at the "
                               "start of a step (a flow too fast for float64 steps, as with entries near 1e30); use "
                               "method='taylor'") from exc
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
        # the crossing state: no other pre-activation may vanish there (a dead neuron's stay on the kink)
        state_mp = _mp_array(hit.y)   # mpmath: entries near 1e300 times X do not overflow
        zs = state_mp[K:].reshape(K, d) @ X.T
        scale = max(abs(v) for v in state_mp) * np.max(np.abs(X)) + 1
        near = np.array(abs(zs) <= 1e-12 * scale, dtype=bool)
        near[k, i] = False
        near[dead(pattern)] = False
        if np.any(near):
            k2, i2 = map(int, np.argwhere(near)[0])
            raise RuntimeError(f"pre-activations w_{k} . x_{i} and w_{k2} . x_{i2} vanish together at "
                               f"t = {float(t_abs):.6g}; simultaneous flips are not supported")
        before, after = z_dot(hit.y, pattern, k, i), z_dot(hit.y, new, k, i)
        if after * hit.direction <= 0 and not dead(new)[k]:
            raise RuntimeError(
                f"at t = {float(t_abs):.6g} the flow slides along the kink w_{k} . x_{i} = 0 "
                f"(d/dt w_{k} . x_{i} = {mpmath.nstr(before, 3)} before the flip, {mpmath.nstr(after, 3)} after); "
                "Filippov sliding is not supported"
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
