"""Numeric layer, single neuron on rank-deficient data: implicit bias and mirror potential.

The expressions come from :mod:`symrich.symbolic.implicit_bias` and are proved in the
derivations ``single_neuron_mirror_flow`` (potential) and ``single_neuron_implicit_bias``
(limit of the flow); the kernels (``sn_phi``, ``sn_a_inf`` of :mod:`symrich.single_neuron.kernels`)
evaluate each in the form free of cancellation on its side of ``delta = 0`` (or ``kappa_N = 0``),
both forms proved equal in the derivations.  The basins on whitened data are in
:mod:`symrich.single_neuron.basins`.

* :func:`implicit_bias` -- the interpolant the flow converges to, for any ``X`` (any rank):
  ``beta_inf = X^+ y + a_inf P_N w0`` with
  ``eta_w a_inf^2 = (kappa_N + sqrt(kappa_N^2 + 4 eta ||X^+ y||^2))/2``,
  ``kappa_N = delta + eta_a ||P_N w0||^2``; equivalently the minimiser of
  ``Phi_delta(beta) - sign(a_inf) w0^T beta`` on ``X beta = y``.
* :func:`Phi_delta`, :func:`grad_Phi_delta` -- the potential and its gradient.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from symrich.numeric.validation import (finite_real, finite_result, float64_array, float64_rate, in_float64_domain,
                                        integer, positive)
from symrich.single_neuron.driver import run_grad_Phi_delta, run_Phi_delta
from symrich.single_neuron.kernels import a_inf_kernel, numpy_kernel

__all__ = ["ImplicitBias", "implicit_bias", "Phi_delta", "grad_Phi_delta"]

_EPS = np.finfo(float).eps
#: the inputs named when a result is not finite.
_NAMES = "X, y, a0, w0, eta_a, eta_w"
#: the sign certificate stops the integration once L < (1 - _LOSS_MARGIN) ||y||^2/2.
_LOSS_MARGIN = 1e-3


# --------------------------------------------------------------------------
# the potential


def Phi_delta(beta, delta, eta_a=1.0, eta_w=1.0):
    """The mirror potential ``Phi_delta(beta) = phi_delta(||beta||)`` of the single neuron.

    ``phi_delta(rho) = (Lam - 2 delta) sqrt((Lam + delta)/(2 eta_w)) / (3 eta_a)`` with
    ``Lam = sqrt(delta^2 + 4 eta_a eta_w rho^2)`` (constant fixed so that ``phi(0) = 0`` for
    ``delta <= 0`` and ``-delta^{3/2}/(3 eta_a sqrt(eta_w))`` for ``delta > 0``).

    Parameters
    ----------
    beta : array_like, shape (..., d)
        Function-space parameter ``a w``; leading axes are a batch.
    delta : float or array_like broadcastable to ``beta.shape[:-1]``
        Conserved ``eta_w a^2 - eta_a ||w||^2``.
    eta_a, eta_w : float > 0
        Learning rates.

    Returns
    -------
    float or ndarray of shape ``beta.shape[:-1]``

    Examples
    --------
    >>> import numpy as np
    >>> round(Phi_delta([3.0, 4.0], 0.0), 12)   # (2/3) ||beta||^{3/2} at delta = 0
    7.453559924999
    >>> round(2 / 3 * 5 ** 1.5, 12)
    7.453559924999
    """
    return run_Phi_delta(numpy_kernel("sn_phi"), beta, delta, eta_a, eta_w)


def grad_Phi_delta(beta, delta, eta_a=1.0, eta_w=1.0):
    """Gradient ``phi'(||beta||) beta/||beta||`` of :func:`Phi_delta`; equals ``sign(a) w`` at ``beta = a w``.

    ``phi'(rho) = sqrt((Lam - delta)/(2 eta_a))`` (``= ||w||`` by the conservation law).

    Parameters
    ----------
    beta, delta, eta_a, eta_w
        As in :func:`Phi_delta`.

    Returns
    -------
    ndarray, shape (..., d)

    Raises
    ------
    ValueError
        For bad input, and at ``beta = 0`` with ``delta < 0``: there ``Phi_delta`` has a cone
        point (its subdifferential is the ball of radius ``sqrt(|delta|/eta_a)``).

    Examples
    --------
    >>> import numpy as np
    >>> a, w = -0.7, np.array([0.4, 1.1])
    >>> delta = a**2 - w @ w
    >>> np.allclose(grad_Phi_delta(a * w, delta), np.sign(a) * w)
    True
    """
    return run_grad_Phi_delta(numpy_kernel("sn_phi"), beta, delta, eta_a, eta_w)


# --------------------------------------------------------------------------
# implicit bias


@dataclasses.dataclass(frozen=True)
class ImplicitBias:
    """The limit of the single-neuron flow on data ``X, y`` (result of :func:`implicit_bias`).

    Attributes
    ----------
    beta : ndarray, shape (d,)
        ``beta_inf = X^+ y + a_inf P_N w0``.
    sign : int
        ``sign(a_inf)`` (+1 or -1; 0 only when ``y = 0`` and ``beta_inf = 0``).
    a_inf : float
        Limit of the readout.
    w_inf : ndarray, shape (d,)
        Limit of the first layer: ``P_N w0 + X^+ y / a_inf``; when ``a_inf = 0`` (``y = 0``,
        ``kappa_N <= 0``) ``P_N w0 + exp(-eta_w tau X^T X) P_R w0``, with ``tau`` the root of
        ``eta_a ||exp(-eta_w tau X^T X) P_R w0||^2 = -kappa_N`` (``P_R = I - P_N``).
    psi : ndarray, shape (d,)
        ``sign(a_inf) w0``: ``beta`` minimises ``Phi_delta(beta) - psi^T beta`` on ``X beta = y``.
    delta, kappa_N : float
        ``eta_w a0^2 - eta_a ||w0||^2`` and ``delta + eta_a ||P_N w0||^2``.
    rank : int
        Numerical rank of ``X``.
    method : str
        How ``beta`` was computed.
    how_sign_was_decided : str
        Which rule fixed ``sign(a_inf)`` (``kappa_N > 0``, ``L(0) < ||y||^2/2``, the rank-one
        hyperbola rule, or an integration of the flow with the loss certificate).
    t_certificate : float or None
        Time at which the integrated flow reached ``L < (1 - 1e-3) ||y||^2/2`` (``None`` if no
        integration was needed).

    Examples
    --------
    >>> res = implicit_bias([[1.0, 0.0, 0.0]], [2.0], 1.0, [0.5, 0.3, -0.2])
    >>> res.rank, res.sign, round(res.a_inf, 5)     # a_inf^2 = (0.75 + sqrt(0.75^2 + 16))/2
    (1, 1, 1.55237)
    >>> [round(float(v), 5) for v in res.beta[1:]]  # the null(X) part of beta_inf is a_inf P_N w0
    [0.46571, -0.31047]
    """

    beta: np.ndarray
    sign: int
    a_inf: float
    w_inf: np.ndarray
    psi: np.ndarray
    delta: float
    kappa_N: float
    rank: int
    method: str
    how_sign_was_decided: str
    t_certificate: float | None = None


def _check_data(X, y, a0, w0, eta_a, eta_w):
    problems = []
    eta_a = float64_rate(eta_a, "eta_a")
    eta_w = float64_rate(eta_w, "eta_w")
    X = float64_array(X, "X", ndim=2)
    y = float64_array(y, "y", ndim=1)
    w0 = float64_array(w0, "w0", ndim=1)
    a0 = in_float64_domain(finite_real(a0, "a0"), "a0")
    n, d = X.shape
    if d == 0 or n == 0:
        problems.append(f"X must have at least one row and one column, got shape {X.shape}")
    if y.shape[0] != n:
        problems.append(f"y must have length n = X.shape[0] = {n}, got {y.shape[0]}")
    if w0.shape[0] != d:
        problems.append(f"w0 must have length d = X.shape[1] = {d}, got {w0.shape[0]}")
    if problems:
        raise ValueError("; ".join(problems))
    return X, y, a0, w0, eta_a, eta_w


def implicit_bias(X, y, a0, w0, eta_a=1.0, eta_w=1.0, *, rtol=1e-10, max_doublings=40):
    """The interpolant the single neuron ``f(x) = a w^T x`` converges to under gradient flow.

    Closed form for every rank of ``X`` (derivation ``single_neuron_implicit_bias``):
    ``beta_inf = X^+ y + a_inf P_N w0``, ``P_N`` the projector on null(X), with
    ``eta_w a_inf^2 = (kappa_N + sqrt(kappa_N^2 + 4 eta_a eta_w ||X^+ y||^2))/2`` and
    ``kappa_N = delta + eta_a ||P_N w0||^2``.  It is the unique minimiser of
    ``Phi_delta(beta) - sign(a_inf) w0^T beta`` subject to ``X beta = y``.

    ``sign(a_inf)`` is decided by the first rule that applies:

    1. ``X^+ y = 0`` (``y = 0``) and ``kappa_N <= 0``: the flow goes to the saddle ``beta = 0``;
       ``a_inf = 0`` and the sign is reported as 0;
    2. ``kappa_N > 0`` (always if ``delta > 0``): ``eta_w a^2 >= kappa_N``, so ``sign(a0)``;
    3. ``L(0) < ||y||^2/2``: the loss never rises back to ``||y||^2/2 = L(beta = 0)``, so ``sign(a0)``;
    4. rank one, ``kappa_N < 0``: ``sign(y_x x^T w0)`` (``X = sigma u x^T``, ``y_x = u^T y``);
    5. otherwise the flow is integrated in float64 (:func:`symrich.oracle.integrate_flow`,
       ``method="scipy"``, LSODA, ``rtol``) until ``L(t) < (1 - 1e-3) ||y||^2/2``; from then on
       ``a`` cannot vanish, so ``sign(a(t))`` is final.

    **The limit** ``y -> 0`` (and ``X = 0``, where ``y`` must be 0) is well defined and is the limit
    of the flow at ``y = 0``: ``a_inf^2 -> max(kappa_N, 0)/eta_w``, so

    * ``kappa_N > 0``: ``beta_inf -> sign(a0) sqrt(kappa_N/eta_w) P_N w0``: the part of ``w`` in
      row(X) decays to 0 while ``a`` keeps its sign and ``eta_w a^2 -> kappa_N``;
    * ``kappa_N <= 0``: ``beta_inf -> 0``: the flow goes to the saddle ``beta = 0`` (rule 1);
    * ``X = 0``: nothing moves (the gradient is 0), and indeed ``P_N = I``,
      ``kappa_N = eta_w a0^2`` give ``beta_inf = a0 w0``.

    ``a_inf^2`` is evaluated in the form free of cancellation and of division by zero for the sign
    of ``kappa_N`` (:func:`symrich.symbolic.single_neuron_kernels.a_inf_exprs`), only that form.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Data, any rank.
    y : array_like, shape (n,)
        Targets; must lie in range(X) (else there is no interpolant).
    a0 : float
        Initial readout.
    w0 : array_like, shape (d,)
        Initial first layer.
    eta_a, eta_w : float > 0
        Learning rates.
    rtol : float in (0, 1)
        Relative tolerance of the integration of rule 5.
    max_doublings : int >= 1
        Rule 5 integrates over ``[0, T]``, doubling ``T`` up to this many times.

    Every nonzero magnitude of ``X, y, a0, w0`` and the learning rates must lie in ``[1e-150, 1e150]``
    (the float64 domain, :data:`symrich.numeric.validation.FLOAT64_DOMAIN`): outside it squares leave the
    normal float range (``a0 = w0_1 = 1e-300`` gave ``a_inf = -0.84`` from ``a0 > 0`` at ``delta = 0``).

    Returns
    -------
    ImplicitBias
        ``.beta``, ``.sign``, ``.a_inf``, ``.w_inf``, ``.psi``, ``.method``, ``.how_sign_was_decided``...

    Raises
    ------
    ValueError
        Bad shapes, NaN or infinite entries, non-positive learning rates, ``y`` not in range(X),
        ``a0 = 0`` and ``w0 = 0`` (a fixed point away from any interpolant), input outside the
        float64 domain or a result that is not finite; a bad ``rtol`` or ``max_doublings``.
    TypeError
        For input that is not made of real numbers, or a ``max_doublings`` that is not an integer.
    RuntimeError
        If rule 5 finds no certificate (the flow may converge to the saddle ``beta = 0``).

    Examples
    --------
    One sample ``x = (1, 0.3)``, ``y = 1.2``, ``beta0 = (0.5, -0.4)``, balanced (``delta = 0``):

    >>> import numpy as np
    >>> beta0 = np.array([0.5, -0.4])
    >>> a0 = np.linalg.norm(beta0) ** 0.5            # balanced: a0^2 = ||w0||^2
    >>> result = implicit_bias([[1.0, 0.3]], [1.2], a0, beta0 / a0)
    >>> np.round(result.beta, 4), result.sign
    (array([ 1.3237, -0.4122]), 1)
    >>> print(result.how_sign_was_decided)
    kappa_N > 0: eta_w a(t)^2 >= kappa_N > 0, so a never vanishes and sign(a_inf) = sign(a0)
    """
    X, y, a0, w0, eta_a, eta_w = _check_data(X, y, a0, w0, eta_a, eta_w)
    rtol = positive(rtol, "rtol")
    if rtol >= 1:
        raise ValueError(f"rtol must be in (0, 1), got {rtol!r}")
    max_doublings = integer(max_doublings, "max_doublings", 1)
    n, d = X.shape
    if a0 == 0 and not np.any(w0):
        raise ValueError("a0 = 0 and w0 = 0 is a fixed point of the flow: it converges to no interpolant")
    U, S, Vt = np.linalg.svd(X, full_matrices=False)
    tol = max(n, d) * _EPS * (S[0] if S.size else 0.0)
    rank = int(np.sum(S > tol))
    Ur, Sr, Vr = U[:, :rank], S[:rank], Vt[:rank].T
    y_range = Ur @ (Ur.T @ y)
    miss = float(np.linalg.norm(y - y_range))
    if miss > 1e-9 * max(1.0, float(np.linalg.norm(y))):
        raise ValueError(f"y must lie in range(X) (no interpolant otherwise); its distance to range(X) is {miss:.3g}")
    with np.errstate(all="ignore"):   # an overflow gives inf (checked below), never a warning or an OverflowError
        beta_p = Vr @ ((Ur.T @ y) / Sr) if rank else np.zeros(d)
        n0 = w0 - Vr @ (Vr.T @ w0)
        b = float(np.linalg.norm(beta_p))
        delta = eta_w * a0 * a0 - eta_a * float(w0 @ w0)
        z = Vr.T @ w0                 # kappa_N = delta + eta_a ||P_N w0||^2 = eta_w a0^2 - eta_a ||P_R w0||^2, no cancellation
        kappa = eta_w * a0 * a0 - eta_a * float(z @ z)
        a_abs2 = float(a_inf_kernel()(np.float64(kappa), np.float64(b), eta_a, eta_w)[0])
        half_y2 = 0.5 * float(y @ y)
        beta0 = a0 * w0
        r0 = X @ beta0 - y
        loss0 = 0.5 * float(r0 @ r0)
    finite_result((beta_p, n0, b, delta, kappa, a_abs2, half_y2, loss0), _NAMES)
    a_abs = math.sqrt(max(a_abs2, 0.0))
    t_cert = None

    if b == 0 and kappa <= 0:
        sign, how = 0, "X^+ y = 0 and kappa_N <= 0: the flow goes to the saddle beta = 0 (a_inf = 0)"
        a_abs = 0.0
    elif kappa > 0:
        sign = 1 if a0 > 0 else -1
        how = "kappa_N > 0: eta_w a(t)^2 >= kappa_N > 0, so a never vanishes and sign(a_inf) = sign(a0)"
    elif loss0 < half_y2 and a0 != 0:
        sign = 1 if a0 > 0 else -1
        how = "L(0) < ||y||^2/2 = L(beta = 0): the loss is non-increasing, so a never vanishes and sign(a_inf) = sign(a0)"
    elif rank == 1 and kappa < 0:
        yx = float(Ur[:, 0] @ y)
        px = float(Vr[:, 0] @ w0)
        sign = 1 if yx * px > 0 else -1
        how = ("rank one, kappa < 0: eta_a (x_hat^T w)^2 >= -kappa > 0 keeps sign(x^T w), and a_inf x^T w_inf = y, "
               "so sign(a_inf) = sign(y x^T w0)")
    else:
        sign, t_cert = _sign_by_integration(X, y, a0, w0, eta_a, eta_w, delta, S[0], rtol, max_doublings)
        how = (f"integrated the flow (scipy LSODA, rtol={rtol:g}) until L(t) < (1 - {_LOSS_MARGIN:g}) ||y||^2/2 "
               f"at t = {t_cert:.6g}; L is non-increasing and a = 0 forces L = ||y||^2/2, so sign(a(t)) is final")
    a_inf = sign * a_abs
    beta = beta_p + a_inf * n0
    w_inf = n0 + beta_p / a_inf if a_inf != 0 else n0 + _row_part_at_the_saddle(Vr, Sr, w0, kappa, eta_a, eta_w)
    method = "closed form: beta_inf = X^+ y + a_inf P_N w0, eta_w a_inf^2 = (kappa_N + sqrt(kappa_N^2 + 4 eta ||X^+ y||^2))/2"
    finite_result((beta, a_inf, w_inf, delta, kappa), _NAMES)
    return ImplicitBias(beta=beta, sign=int(sign), a_inf=float(a_inf), w_inf=w_inf, psi=sign * w0, delta=float(delta),
                        kappa_N=float(kappa), rank=rank, method=method, how_sign_was_decided=how, t_certificate=t_cert)


def _row_part_at_the_saddle(Vr, Sr, w0, kappa, eta_a, eta_w):
    """``P_R w_inf`` for ``y = 0``, ``kappa_N <= 0``: ``w = exp(-eta_w tau X^T X) w0`` with ``tau = int a^2`` at its limit.

    With ``y = 0``, ``w' = -eta_w a^2 X^T X w``; ``a -> 0`` and the conservation law fix the limit
    by ``eta_a ||P_R w_inf||^2 = -kappa_N``, whose left side decreases in ``tau`` (``P_R w_inf = 0``
    for ``kappa_N = 0``, ``w_inf = w0`` for ``a0 = 0``).
    """
    z = Vr.T @ w0
    target = -kappa / eta_a
    if target <= 0 or not Sr.size:
        return np.zeros_like(w0)
    rate = 2 * eta_w * Sr**2

    def excess(tau):
        return float(np.sum(z * z * np.exp(-rate * tau))) - target

    if excess(0.0) <= 0:
        return Vr @ z
    from scipy.optimize import brentq

    hi = math.log(float(z @ z) / target) / float(np.min(rate))   # excess(hi) <= 0, up to rounding at a root
    while excess(hi) > 0:
        hi = 2 * hi + 1 / float(np.min(rate))
    tau = brentq(excess, 0.0, hi, xtol=1e-15 * max(hi, 1.0), rtol=4 * _EPS)
    return Vr @ (z * np.exp(-rate * tau / 2))


def _sign_by_integration(X, y, a0, w0, eta_a, eta_w, delta, sigma_max, rtol, max_doublings):
    """Integrate until the loss certificate holds; return (sign of a, time)."""
    from symrich.oracle import Event, integrate_flow, single_neuron_flow

    d = X.shape[1]
    C = X.T @ X
    bvec = X.T @ y
    half_y2 = 0.5 * float(y @ y)
    params = {"eta_a": eta_a, "eta_w": eta_w}
    for i in range(d):
        for j in range(i, d):
            params[f"C_{i + 1}_{j + 1}"] = float(C[i, j])
        params[f"b_{i + 1}"] = float(bvec[i])

    def excess(state):   # L(beta) - (1 - margin) ||y||^2/2
        beta = state[0] * np.asarray(state[1:], dtype=float)
        return 0.5 * float(beta @ C @ beta) - float(bvec @ beta) + _LOSS_MARGIN * half_y2

    flow = single_neuron_flow(d)
    scale = sigma_max**2 * (abs(delta) + 2 * math.sqrt(eta_a * eta_w) * float(np.linalg.norm(bvec)) / sigma_max**2 + 1e-300)
    horizon = 10.0 / scale
    state, t_total = [a0, *w0.tolist()], 0.0
    for _ in range(max_doublings + 1):
        sol = integrate_flow(flow, [0.0, horizon], state, params, method="scipy", rtol=rtol, atol=rtol * 1e-2,
                             events=[Event(excess, terminal=True, direction=-1)], ivp_method="LSODA")
        if sol.events:
            hit = sol.events[0]
            return (1 if hit.y[0] > 0 else -1), t_total + float(hit.t)
        t_total += horizon
        state = [float(v) for v in sol.y[-1]]
        horizon *= 2
    raise RuntimeError(
        f"the sign of a_inf was not settled by t = {t_total:.3g}: the loss stayed above (1 - {_LOSS_MARGIN:g}) "
        "||y||^2/2 (the flow may converge to the saddle beta = 0)"
    )
