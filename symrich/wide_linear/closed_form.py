r"""The exact trajectory of any lambda-balanced two-layer linear network, in closed form.

Layout: ``f(x) = W2 W1 x`` with ``W1`` (``h x d``, rate ``eta_w``) and ``W2``
(``c x h``, rate ``eta_a``), ``beta = W2 W1`` (``c x d``), whitened inputs and
``S = Y X^T`` (``c x d``; ``S = beta_star^T`` for the ``beta_star = X^T Y`` of
:func:`symrich.wide_linear.beta_flow`, whose layout is ``W = W1``, ``A = W2^T``).
The flow ``W1' = eta_w W2^T E``, ``W2' = eta_a E W1^T``, ``E = S - W2 W1``
conserves ``Delta = eta_w W2^T W2 - eta_a W1 W1^T``; lambda-balanced means
``Delta = lambda I_h`` (for ``h = c = 1`` this is the single neuron, ``lambda = delta``).

With ``k = sqrt(eta_a eta_w)``, ``tau = k^2 t``, ``lambda' = lambda/k^2`` and the
stacked, rate-scaled layers ``Q = [W1^T/sqrt(eta_w); W2/sqrt(eta_a)]``
(``(d + c) x h``), substituting ``W2^T W2 = (eta_a W1 W1^T + lambda I)/eta_w``
into the flow gives

.. math:: \frac{dQ}{d\tau} = F Q - \tfrac12 Q Q^\top Q, \qquad
          F = \begin{pmatrix} -\tfrac{\lambda'}{2} I_d & S^\top/k \\ S/k & \tfrac{\lambda'}{2} I_c \end{pmatrix},

so ``P = Q Q^T`` solves the matrix Riccati equation ``P' = F P + P F - P^2``, whose solution is

.. math:: P(\tau) = e^{F\tau} Q_0\, G(\tau)^{-1} Q_0^\top e^{F\tau}, \qquad
          G(\tau) = I_h + Q_0^\top \Big(\int_0^\tau e^{2Fs}\,ds\Big) Q_0

(``G' = Q0^T e^{2 F tau} Q0``; no width condition is needed).  Its blocks are
``W1^T W1/eta_w``, ``beta/k`` and ``W2 W2^T/eta_a``.  The eigenvectors of
``F`` come from the SVD of ``S`` (eigenvalues ``+-sqrt(s_i^2/k^2 + lambda'^2/4)``
on each singular pair, ``-lambda'/2`` and ``+lambda'/2`` on the rest of the
input and output sides); the aligned singular values of the paper (Section 4)
and the single neuron are special cases.  :mod:`symrich.wide_linear.riccati`
evaluates the formula without overflow.

>>> import numpy as np
>>> from symrich.wide_linear import balanced_layers
>>> rng = np.random.default_rng(0)
>>> W1, W2 = balanced_layers(3, 2, 2, 0.5, rng)
>>> S = rng.normal(size=(2, 3))
>>> sol = trajectory([0.0, 1.0, 1e6], W1, W2, S)
>>> sol.beta.shape, bool(np.allclose(sol.beta[-1], S))
((3, 2, 3), True)
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import math

import mpmath
import numpy as np

from symrich.numeric.kernels import kernel_distance as _shared_kernel_distance
from symrich.numeric.validation import as_array, finite_real
from symrich.wide_linear.arrays import as_mp, is_mp, mp_rates, namespace
from symrich.wide_linear.flow import check_rates
from symrich.wide_linear.ntk import ntk_from_grams
from symrich.wide_linear import riccati
from symrich.wide_linear.riccati import EPS, TINY, kernel

__all__ = ["WideTrajectory", "trajectory", "balance", "eigen_frame"]

#: Extra decimal digits of the mpmath backend's working precision.
GUARD_DIGITS = 10


@dataclasses.dataclass(frozen=True, eq=False)
class WideTrajectory:
    """Result of :func:`trajectory`: the closed-form state at every (initialisation, time).

    Shapes: ``...`` is the batch shape of the initialisations (empty for one),
    ``T`` the number of times (no axis for a scalar ``t``).  Arrays are float64,
    or object arrays of mpf for ``backend="mpmath"``.

    Attributes
    ----------
    t : ndarray, shape (T,) or ()
        The times.
    beta : ndarray, shape (..., T, c, d)
        ``W2 W1``.
    W1TW1 : ndarray, shape (..., T, d, d)
        ``W1^T W1``.
    W2W2T : ndarray, shape (..., T, c, c)
        ``W2 W2^T``.
    W1, W2 : ndarray, shapes (..., T, h, d), (..., T, c, h), or None
        A representative of the layers (``layers=True``).  ``P`` determines the
        layers only up to a rotation of the hidden units: ``W1 -> O^T W1``,
        ``W2 -> W2 O`` leaves ``beta``, both Gram matrices and ``Delta``
        unchanged.  The representative is ``Q(tau) = e^{F tau} Q0 G^{-1/2}``
        (``G^{-1/2}`` the symmetric root): lambda-balanced, equal to the initial
        layers at ``t = 0``, continuous in ``t``.  The layers of gradient flow are
        ``O(t)^T W1``, ``W2 O(t)`` with ``O(t)`` orthogonal solving a linear ODE
        without closed form in general; ``O = I`` when the ``G(tau)`` commute
        (aligned initialisations) and for ``h = 1``.
    lam : ndarray, shape (...)
        ``lambda`` of each initialisation.
    W1_0, W2_0 : ndarray, shapes (..., h, d), (..., c, h)
        The initial layers.
    eta_a, eta_w : float or mpf
    backend : str

    Examples
    --------
    >>> import numpy as np
    >>> from symrich.wide_linear import balanced_layers
    >>> rng = np.random.default_rng(0)
    >>> W1, W2 = balanced_layers(2, 1, 1, -0.3, rng)
    >>> sol = trajectory(2.0, W1, W2, [[1.0, 0.5]])
    >>> sol.beta.shape, sol.W1.shape, round(float(sol.lam), 12)
    ((1, 2), (1, 2), -0.3)
    """

    t: np.ndarray
    beta: np.ndarray
    W1TW1: np.ndarray
    W2W2T: np.ndarray
    W1: np.ndarray | None
    W2: np.ndarray | None
    lam: np.ndarray
    W1_0: np.ndarray
    W2_0: np.ndarray
    eta_a: object
    eta_w: object
    backend: str

    def ntk(self, X):
        """The NTK along the trajectory on inputs ``X`` (``n x d``, rows are samples): shape (..., T, n c, n c).

        ``K = eta_a (X W1^T W1 X^T) (x) I_c + eta_w (X X^T) (x) W2 W2^T``
        (:func:`symrich.wide_linear.ntk_from_grams`), outputs row-major by (sample, output).

        Examples
        --------
        >>> import numpy as np
        >>> from symrich.wide_linear import balanced_layers, ntk
        >>> W1, W2 = balanced_layers(2, 1, 1, 0.0, np.random.default_rng(0))
        >>> sol = trajectory([0.0, 1.0], W1, W2, [[1.0, 0.0]])
        >>> K = sol.ntk(np.eye(2))
        >>> K.shape, bool(np.allclose(K[0], ntk(np.eye(2), W1, W2.T)))
        ((2, 2, 2), True)
        """
        d = self.W1TW1.shape[-1]
        X = as_array(X, "X", ndim=2)
        if X.shape[1] != d:
            raise ValueError(f"X must have shape (n, d) with d = {d}, got shape {X.shape}")
        if self.backend == "mpmath":
            X = as_mp(X, "X")
        return ntk_from_grams(X, self.W1TW1, self.W2W2T, self.eta_a, self.eta_w)

    def kernel_distance(self):
        """Kernel distance ``S(0, t)`` between the NTK at ``t = 0`` and along the trajectory, on whitened inputs.

        For probe inputs whose ``n x d`` array has ``X^T X = I_d`` (the whitened
        inputs of the trajectory, as rows) the Frobenius inner products of NTKs do
        not depend on ``X``: ``S(0, t)`` is that of the kernels at ``X = I_d``,
        computed by the shared :func:`symrich.numeric.kernels.kernel_distance`
        (float64, also for the mpmath backend).  ``S`` does not change when a
        kernel is multiplied by a positive number: each kernel is built from its
        Gram matrices divided by their largest entry, with the rates scaled in
        proportion, so that kernels beyond the range of
        float64 have a distance too.  Shape (..., T).

        Examples
        --------
        >>> import numpy as np
        >>> from symrich.wide_linear import balanced_layers
        >>> rng = np.random.default_rng(2)
        >>> S = [[1.0, 0.0], [0.0, 0.5]]
        >>> rich = trajectory([0.0, 40.0], *balanced_layers(2, 2, 2, 0.0, rng, scale=0.01), S)
        >>> lazy = trajectory([0.0, 40.0], *balanced_layers(2, 2, 2, 50.0, rng, scale=0.01), S)
        >>> rich.kernel_distance().round(3).tolist(), lazy.kernel_distance().round(3).tolist()
        ([0.0, 0.037], [0.0, 0.0])
        """
        with np.errstate(over="ignore", under="ignore"):  # the Gram matrices of t = 0 may overflow: scaled below
            K0 = self._unit_kernel(np.swapaxes(self.W1_0, -1, -2) @ self.W1_0, self.W2_0 @ np.swapaxes(self.W2_0, -1, -2))
        Kt = self._unit_kernel(self.W1TW1, self.W2W2T)
        if self.t.ndim:
            K0 = K0[..., None, :, :]
        try:
            return _shared_kernel_distance(K0, Kt)
        except ValueError as exc:  # a zero kernel: name the layers it comes from
            layers = "W1_0, W2_0 (t = 0)" if "K0" in str(exc) else "W1TW1, W2W2T"
            raise ValueError(f"kernel distance is undefined: the NTK of {layers} is the zero kernel") from exc

    def _unit_kernel(self, W1TW1, W2W2T):
        """The NTK at ``X = I_d`` divided by a positive number per kernel, in float64 with largest entry about 1.

        ``K = eta_a W1TW1 (x) I_c + eta_w I_d (x) W2W2T``; with ``g_1``, ``g_2`` the largest entries of the
        Gram matrices and ``L = max(log(eta_a g_1), log(eta_w g_2))``, ``K e^{-L}`` is the kernel of the
        Gram matrices ``(eta_a g_1 e^{-L}) W1TW1/g_1`` and ``(eta_w g_2 e^{-L}) W2W2T/g_2`` with unit rates.
        """
        exact = self.backend == "mpmath"
        log = np.frompyfunc(mpmath.log, 1, 1) if exact else np.log
        units, logs = [], []
        for G, eta in ((W1TW1, self.eta_a), (W2W2T, self.eta_w)):
            peak = np.abs(G).max(axis=(-2, -1), keepdims=True)
            nonzero = peak > 0
            units.append(np.asarray(G / np.where(nonzero, peak, 1), dtype=float))
            with np.errstate(divide="ignore"):
                logs.append(np.where(nonzero, np.asarray(log(np.where(nonzero, eta * peak, 1)), dtype=float), -np.inf))
        top = np.maximum(*logs)
        weights = [np.exp(lg - np.where(np.isfinite(top), top, 0.0)) for lg in logs]
        eye = np.eye(W1TW1.shape[-1], dtype=int)
        return ntk_from_grams(eye, weights[0] * units[0], weights[1] * units[1])


def balance(W1, W2, eta_a=1.0, eta_w=1.0, *, rtol=None):
    """``lambda`` of lambda-balanced layers, ``Delta = eta_w W2^T W2 - eta_a W1 W1^T = lambda I_h``.

    Parameters
    ----------
    W1 : ndarray, shape (..., h, d)
    W2 : ndarray, shape (..., c, h)
        Float arrays, or object arrays of mpf.
    eta_a, eta_w : float > 0
    rtol : float, optional
        Allowed ``||Delta - lambda I||_F`` relative to
        ``eta_w ||W2||_F^2 + eta_a ||W1||_F^2``; default ``1e-10`` for float
        arrays and ``10^(5 - mpmath.mp.dps)`` for mpf.

    Returns
    -------
    ndarray, shape (...)
        ``lambda = tr(Delta)/h``.

    Raises
    ------
    ValueError
        When some initialisation is not lambda-balanced (the message reports
        ``||Delta - lambda I||_F``).

    Examples
    --------
    >>> import numpy as np
    >>> float(balance([[1.0, 0.0]], [[2.0]]))
    3.0
    >>> balance([[1.0, 0.0], [0.0, 1.0]], [[2.0, 0.0]])
    Traceback (most recent call last):
    ...
    ValueError: W1_0, W2_0 are not lambda-balanced: ||Delta - lambda I||_F = 2.83 with lambda = 1 (relative 0.471 > rtol = 1e-10); Delta = eta_w W2^T W2 - eta_a W1 W1^T depends on the rates: build the layers with balanced_layers at these eta_a, eta_w, or pass a larger rtol for layers rounded to a lower precision (float32: about 1e-7)
    """
    exact = is_mp(W1, W2)
    eta_a, eta_w = mp_rates(eta_a, eta_w) if exact else check_rates(eta_a, eta_w)
    W1, W2 = (as_mp(W1, "W1"), as_mp(W2, "W2")) if exact else (as_array(W1, "W1"), as_array(W2, "W2"))
    if W1.ndim < 2 or W2.ndim < 2 or W2.shape[-1] != W1.shape[-2]:
        raise ValueError(f"W1 and W2 must have shapes (..., h, d) and (..., c, h), got {W1.shape} and {W2.shape}")
    if not W1.shape[-2]:
        raise ValueError(f"W1 and W2 must have a hidden width h >= 1, got shapes {W1.shape} and {W2.shape}")
    try:
        np.broadcast_shapes(W1.shape[:-2], W2.shape[:-2])
    except ValueError as exc:
        raise ValueError(f"the batch shapes of W1 {W1.shape} and W2 {W2.shape} do not broadcast together") from exc
    return _checked_balance(W1, W2, eta_a, eta_w, rtol, exact)


def _checked_balance(W1, W2, eta_a, eta_w, rtol, exact):
    """:func:`balance` of layers already converted and shape-checked (float arrays, or mpf when ``exact``)."""
    batch = W1.shape[:-2] if W1.shape[:-2] == W2.shape[:-2] else np.broadcast_shapes(W1.shape[:-2], W2.shape[:-2])
    rtol = _rtol(rtol, exact)
    W1, W2 = _stacked(W1, batch), _stacked(W2, batch)
    lam, err, size = np.zeros((3, W1.shape[0]), object if exact else np.float64)
    if not kernel("mpmath" if exact else "numpy").balanced(W1, W2, eta_a, eta_w, rtol, lam, err, size):
        _balance_failure(W1, W2, lam, err, size, rtol, exact)
    return lam.reshape(batch)


def _rtol(rtol, exact):
    """The balance tolerance: ``rtol``, checked, or its default at the working precision."""
    if rtol is None:
        return mpmath.mpf(10) ** (5 - mpmath.mp.dps) if exact else 1e-10
    if finite_real(rtol, "rtol") < 0:
        raise ValueError(f"rtol must be a finite number >= 0, got {rtol!r}")
    return mpmath.mpf(rtol) if exact else float(rtol)


def _stacked(W, batch):
    """``W`` (..., m, n) with the batch axes ``batch``, as a C-contiguous (B, m, n) array."""
    return np.ascontiguousarray(_broadcast(W, batch)).reshape((math.prod(batch),) + W.shape[-2:])


def _balance_failure(W1, W2, lam, err, size, rtol, exact):
    """Raise the ``ValueError`` that explains why :func:`symrich.wide_linear.frame.balanced` refused the layers.

    ``W1`` (B, h, d), ``W2`` (B, c, h); ``lam``, ``err``, ``size`` (B,) as that function left them.
    """
    with np.errstate(invalid="ignore"):  # NaN is bad too
        bad = np.logical_not(np.asarray(err <= rtol * size, dtype=bool))
    if not exact and not np.isfinite(np.asarray([lam, err, size], dtype=float)).all():
        raise ValueError("W1_0, W2_0 with eta_a, eta_w overflow float64 in Delta = eta_w W2^T W2 - eta_a W1 W1^T; "
                         "rescale them, or use backend='mpmath'")
    # eta_w ||W2||^2 + eta_a ||W1||^2 underflowed (rates near 1e-300) for nonzero layers, or the residual is within
    # the rounding of subnormal products (each sum of c or d of them errs by up to that many half-units of the
    # smallest subnormal, TINY EPS / 2): layers near 1e-158, whose balance float64 cannot tell
    zero = size == 0
    h, (c, d) = W1.shape[-2], (W2.shape[-2], W1.shape[-1])
    subnormal = err <= 4 * h * (c + d) * TINY * EPS
    if not exact and ((zero.any() and (W1[zero].any() or W2[zero].any())) or (bad & subnormal).any()):
        raise ValueError("W1_0, W2_0 with eta_a, eta_w underflow float64 in Delta = eta_w W2^T W2 - eta_a W1 W1^T; "
                         "rescale them, or use backend='mpmath'")
    if bad.any():
        i = int(np.argmax(bad))
        fmt = (lambda x, digits: mpmath.nstr(x, digits)) if exact else (lambda x, digits: f"{float(x):.{digits}g}")
        relative = err[i] / size[i] if size[i] > 0 else math.inf
        raise ValueError(
            f"W1_0, W2_0 are not lambda-balanced: ||Delta - lambda I||_F = {fmt(err[i], 3)} with lambda = "
            f"{fmt(lam[i], 6)} (relative {fmt(relative, 3)} > rtol = {fmt(rtol, 3)}); Delta = eta_w W2^T W2 - "
            "eta_a W1 W1^T depends on the rates: build the layers with balanced_layers at these eta_a, eta_w"
            + (" and this precision, or pass a larger rtol (layers rounded to float64 are balanced to about 1e-16)"
               if exact else ", or pass a larger rtol for layers rounded to a lower precision (float32: about 1e-7)")
        )


def eigen_frame(S, lam_scaled, k, xp=np):
    """Eigenvalues ``mu`` and eigenvectors ``E`` (columns) of ``F = [[-l/2 I_d, S^T/k], [S/k, l/2 I_c]]``, ``l = lam_scaled``.

    The SVD of ``S`` and :func:`symrich.wide_linear.frame.frame` (the rotation of each singular pair).

    Parameters
    ----------
    S : array, shape (c, d)
    lam_scaled : array, shape (B,)
        ``lambda/k^2`` per initialisation.
    k : float or mpf
        ``sqrt(eta_a eta_w)``.
    xp : :mod:`numpy` or :data:`symrich.wide_linear.arrays.MPMATH`

    Returns
    -------
    mu : array, shape (B, d + c)
        ``r_1..r_m, -r_1..-r_m``, then ``-a`` (``d - m`` times) and ``+a`` (``c - m`` times),
        ``r_i = sqrt(a^2 + s_i^2/k^2)``, ``a = l/2``.
    E : array, shape (B, d + c, d + c)
        Orthonormal eigenvectors as columns, in the order of ``mu``.

    Examples
    --------
    >>> import numpy as np
    >>> S, lam = np.array([[2.0, 0.0, 0.0]]), np.array([0.6])
    >>> mu, E = eigen_frame(S, lam, 1.0)
    >>> F = np.block([[-0.3 * np.eye(3), S.T], [S, 0.3 * np.eye(1)]])
    >>> bool(np.allclose(F @ E[0], E[0] * mu[0])), bool(np.allclose(E[0].T @ E[0], np.eye(4)))
    (True, True)
    """
    c, d = S.shape
    US, s, V = _svd_of(S, xp)
    B, exact = lam_scaled.shape[0], xp is not np
    dtype = object if exact else float
    mu, off, E = np.zeros((B, d + c), dtype), np.zeros((B, d + c), dtype), np.zeros((B, d + c, d + c), dtype)
    kernel("mpmath" if exact else "numpy").frame(US, s, V, lam_scaled, k, mu, off, E)
    return mu, E


def _svd_of(S, xp):
    """``(U, s, V)`` with ``S = U diag(s) V^T`` (full SVD, ``V`` C-contiguous)."""
    US, s, VSh = xp.linalg.svd(S)
    return US, s, np.ascontiguousarray(VSh.T)


@functools.lru_cache(maxsize=64)
def _svd_cached(data, shape):
    S = np.frombuffer(data).reshape(shape)
    if not np.isfinite(S).all():
        raise ValueError("S contains NaN or infinite values")
    return _svd_of(S, np)


def _svd(S):
    """:func:`_svd_of` of a float ``S`` (``ValueError`` if not finite), remembered for the last 64 ``S``.

    One data set, many initialisations: the SVD is taken once.
    """
    return _svd_cached(np.ascontiguousarray(S).tobytes(), S.shape)


def _inputs(t, W1_0, W2_0, S, backend):
    """The inputs as arrays, shape-checked; float64 arrays are not checked for NaN here (see :func:`_nonfinite`)."""
    convert = as_mp if backend == "mpmath" else (lambda x, name: as_array(x, name, finite=False))
    t = convert(t, "t")
    if t.ndim > 1:
        raise ValueError(f"t must be a number or a 1-d array of times, got shape {t.shape}")
    W1_0, W2_0, S = convert(W1_0, "W1_0"), convert(W2_0, "W2_0"), convert(S, "S")
    for arr, name, what in ((W1_0, "W1_0", "(..., h, d)"), (W2_0, "W2_0", "(..., c, h)"), (S, "S", "(c, d)")):
        if arr.ndim < 2 or (name == "S" and arr.ndim != 2):
            raise ValueError(f"{name} must have shape {what}, got shape {arr.shape}")
    h, d = W1_0.shape[-2:]
    c = S.shape[0]
    if S.shape[1] != d:
        raise ValueError(f"S = Y X^T must have shape (c, d) with d = {d} (W1_0 is h x d), got shape {S.shape}")
    if W2_0.shape[-2:] != (c, h):
        raise ValueError(f"W2_0 must have shape (..., c, h) = (..., {c}, {h}), got shape {W2_0.shape}")
    if 0 in W1_0.shape[-2:] + S.shape:
        raise ValueError(f"W1_0 (h x d) and S (c x d) need h, d, c >= 1, got shapes {W1_0.shape} and {S.shape}")
    try:
        batch = (W1_0.shape[:-2] if W1_0.shape[:-2] == W2_0.shape[:-2]
                 else np.broadcast_shapes(W1_0.shape[:-2], W2_0.shape[:-2]))
    except ValueError as exc:
        raise ValueError(f"the batch axes of W1_0 {W1_0.shape[:-2]} and W2_0 {W2_0.shape[:-2]} do not broadcast") from exc
    return t, _broadcast(W1_0, batch), _broadcast(W2_0, batch), S


def _failure(status, exact, t, W1, W2, lam, err, size, rtol):
    """Raise the ``ValueError`` for a status of :func:`symrich.wide_linear.riccati.evaluate` other than ``OK``."""
    if not exact:  # float64 inputs are checked for NaN only here, where something went wrong
        _nonfinite(t=t, W1_0=W1, W2_0=W2)
    if status == riccati.BAD_TIME:
        raise ValueError("t must be >= 0")
    if status == riccati.NOT_BALANCED:
        _balance_failure(W1, W2, lam, err, size, rtol, exact)
    raise ValueError("t, W1_0, W2_0, S, eta_a, eta_w are outside the range of float64: the closed form overflows "
                     "(with tau = eta_a eta_w t, lambda/(eta_a eta_w) and S/sqrt(eta_a eta_w)); rescale them, "
                     "or use backend='mpmath'")


def _nonfinite(**arrays):
    """Raise the ``ValueError`` naming the first of ``arrays`` (float64) with a NaN or an infinity, if any."""
    for name, arr in arrays.items():
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} contains NaN or infinite values")


def _broadcast(W, batch):
    """A read-only view of ``W`` (..., m, n) with the batch axes ``batch``."""
    if W.shape[:-2] != batch:
        return np.broadcast_to(W, batch + W.shape[-2:])
    view = W.view()
    view.flags.writeable = False
    return view


def trajectory(t, W1_0, W2_0, S, eta_a=1.0, eta_w=1.0, backend="numpy", *, layers=True, rtol=None):
    """Exact gradient-flow trajectory of a lambda-balanced two-layer linear network on whitened data.

    Evaluates ``P(tau) = e^{F tau} Q0 G^{-1} Q0^T e^{F tau}`` (module
    docstring) in the overflow-free graded form of
    :mod:`symrich.wide_linear.riccati`: finite for every ``t >= 0`` (``1e6``
    included), continuous in ``lambda`` at 0, for singular ``F`` (``d != c``
    with ``lambda = 0``) and rank-deficient stacked layers.

    Parameters
    ----------
    t : float or array_like, shape (T,)
        Times ``>= 0``.
    W1_0 : array_like, shape (..., h, d)
        Initial first layers (rate ``eta_w``).
    W2_0 : array_like, shape (..., c, h)
        Initial readouts (rate ``eta_a``); batch axes broadcast with those of ``W1_0``.
        Each pair must be lambda-balanced (:func:`balance`;
        :func:`symrich.wide_linear.balanced_layers` builds such pairs).
    S : array_like, shape (c, d)
        ``Y X^T`` (with ``X X^T = I_d``, samples as columns).
    eta_a, eta_w : float > 0
        Learning rates of ``W2`` and ``W1``.  With ``backend="mpmath"`` they may be
        mpf or strings, read at the working precision (``"0.7"`` is the decimal 0.7).
    backend : {"numpy", "mpmath"}
        ``"mpmath"``: object arrays of mpf at the caller's ``mpmath.mp.dps``
        (set it locally with :func:`mpmath.workdps`), computed with
        ``GUARD_DIGITS`` extra digits.  Inputs may be mpf or strings; they must
        be balanced to that precision.
    layers : bool
        Also return the representative layers ``W1``, ``W2`` (see :class:`WideTrajectory`).
    rtol : float, optional
        Tolerance of the balance check (:func:`balance`).

    Returns
    -------
    WideTrajectory

    Raises
    ------
    ValueError
        For shapes that do not fit, NaN or infinite values, negative times,
        non-positive rates, an unknown backend, or layers that are not
        lambda-balanced.

    Examples
    --------
    The single neuron (``h = c = 1``) against its own closed form:

    >>> import numpy as np
    >>> from symrich.single_neuron import trajectory as neuron_trajectory
    >>> a, w = neuron_trajectory([0.5, 2.0], 0.3, [1.0, -0.5], [0.0, 1.5], eta_a=0.7)
    >>> sol = trajectory([0.5, 2.0], [[1.0, -0.5]], [[0.3]], [[0.0, 1.5]], eta_a=0.7)
    >>> bool(np.allclose(sol.beta[:, 0, :], a[:, None] * w)), bool(np.allclose(sol.W2[:, 0, 0], a))
    (True, True)

    At 30 digits (the float64 kernel agrees to about 1e-15):

    >>> import mpmath
    >>> from symrich.wide_linear import balanced_layers
    >>> rng = np.random.default_rng(3)
    >>> with mpmath.workdps(30):
    ...     W1, W2 = balanced_layers(2, 2, 2, "0.4", rng, backend="mpmath")
    ...     sol = trajectory("1.5", W1, W2, [[1, 0], [0, "0.5"]], backend="mpmath")
    >>> mpmath.nstr(sol.beta[1, 1], 25)
    '0.5896764241942098563248323'
    >>> f64 = trajectory(1.5, W1.astype(float), W2.astype(float), [[1, 0], [0, 0.5]])
    >>> bool(abs(f64.beta[1, 1] - float(sol.beta[1, 1])) < 1e-14)
    True
    """
    xp = namespace(backend)
    exact = backend == "mpmath"
    if not exact:
        eta_a, eta_w = check_rates(eta_a, eta_w)
    if not isinstance(layers, (bool, np.bool_)):
        raise TypeError(f"layers must be True or False, got {layers!r}")
    rtol = _rtol(rtol, exact)  # its default depends on the caller's precision
    with mpmath.workdps(mpmath.mp.dps + GUARD_DIGITS) if exact else contextlib.nullcontext():
        t, W1_0, W2_0, S = _inputs(t, W1_0, W2_0, S, backend)
        if exact:
            eta_a, eta_w = mp_rates(eta_a, eta_w)
        batch, (h, d), c = W1_0.shape[:-2], W1_0.shape[-2:], S.shape[0]
        W1, W2 = _stacked(W1_0, batch), _stacked(W2_0, batch)
        B, times = W1.shape[0], t.reshape(-1)
        US, s, V = _svd(S) if not exact else _svd_of(S, xp)
        new = functools.partial(np.zeros, dtype=object) if exact else np.empty  # evaluate writes every entry
        lam, err, size = new((3, B))
        shapes = {"beta": (c, d), "W1TW1": (d, d), "W2W2T": (c, c), "W1": (h, d), "W2": (c, h)}
        out = {name: new((B, times.size) + shape if layers or name not in ("W1", "W2") else (1, 1, 1, 1))
               for name, shape in shapes.items()}
        kern = kernel(backend)
        status = kern.evaluate(times, W1, W2, US, s, V, eta_a, eta_w, rtol, bool(layers), kern.max_gap,
                               8 * (mpmath.eps if exact else EPS), kern.chol_max, lam, err, size, *out.values())
    if status != riccati.OK:
        _failure(status, exact, t, W1, W2, lam, err, size, rtol)
    fields = {}
    for name, arr in out.items():
        if name in ("W1", "W2") and not layers:
            fields[name] = None
            continue
        arr = arr.reshape(batch + (times.size,) + arr.shape[-2:])
        if t.ndim == 0:
            arr = arr[..., 0, :, :]
        fields[name] = np.frompyfunc(lambda v: +v, 1, 1)(arr) if exact else arr
    lam = np.frompyfunc(lambda v: +v, 1, 1)(lam) if exact else lam  # mpf: rounded to the caller's precision
    return WideTrajectory(t=t, lam=lam.reshape(batch), W1_0=W1_0, W2_0=W2_0, eta_a=eta_a, eta_w=eta_w,
                          backend=backend, **fields)
