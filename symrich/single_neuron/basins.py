"""Numeric layer, single neuron on whitened data: which branch the flow ends on (basins).

On whitened data (``X^T X = I``, ``beta_star = X^T y``) the closed form gives the limit
(derivation ``single_neuron_basins``): ``a(oo) = sign(A) sqrt((delta + Lam)/(2 eta_w))`` with
``A = eta_a w0^T beta_star - l_- a0``; the surface ``A = 0`` separates the two basins, and on
it the flow goes to the saddle ``beta = 0``.  The rates ``l_-``, ``l_+`` are evaluated in the
form free of cancellation on each side of ``delta = 0`` (kernel ``sn_basin`` of
:mod:`symrich.single_neuron.kernels`).

>>> int(basin(1.0, [0.5, 0.0], [1.0, 0.0]).sign)
1
"""

from __future__ import annotations

import dataclasses

import numpy as np

from symrich.numeric.validation import finite_result, float64_array, float64_rate
from symrich.single_neuron.kernels import numpy_kernel

__all__ = ["Basin", "basin"]

_EPS = np.finfo(float).eps


@dataclasses.dataclass(frozen=True)
class Basin:
    """Result of :func:`basin`: the branch and the limit of the flow on whitened data.

    Attributes
    ----------
    sign : int or ndarray of int
        +1 / -1: the flow ends on ``a = +-sqrt((delta + Lam)/(2 eta_w))``; 0: on the separating
        surface ``A = 0`` (to rounding), where it converges to the saddle ``beta = 0``.
    a_inf : float or ndarray
    w_inf : ndarray, shape (..., d)
        ``beta_star / a_inf`` on a branch; ``w_perp0 / sqrt(1 + eta_w a0^2/l_+)`` on the saddle.
    A : float or ndarray
        ``eta_a w0^T beta_star - l_-(delta) a0``, the coefficient of ``e^{l_+ t}`` in ``Lam chi``.
    delta : float or ndarray

    Iterating gives ``(sign, a_inf, w_inf)``.

    Examples
    --------
    >>> sign, a_inf, w_inf = basin(1.0, [0.5, 0.0], [1.0, 0.0])
    >>> int(sign), round(float(a_inf * w_inf[0]), 12)
    (1, 1.0)
    """

    sign: object
    a_inf: object
    w_inf: np.ndarray
    A: object
    delta: object

    def __iter__(self):
        return iter((self.sign, self.a_inf, self.w_inf))


def basin(a0, w0, beta_star, eta_a=1.0, eta_w=1.0):
    """Which branch the single neuron ends on, for whitened data (``X^T X = I``, ``beta_star = X^T y``).

    From the closed form (derivation ``single_neuron_basins``):
    ``a(oo) = sign(A) sqrt((delta + Lam)/(2 eta_w))`` with ``A = eta_a w0^T beta_star - l_-(delta) a0``,
    ``Lam = sqrt(delta^2 + 4 eta_a eta_w ||beta_star||^2)``, ``l_- = (-delta - Lam)/2``; the surface
    ``eta_a w^T beta_star = l_-(delta) a`` separates the basins.

    Parameters
    ----------
    a0 : float or array_like, shape (...)
    w0 : array_like, shape (..., d)
        Initialisations (a batch over the leading axes).
    beta_star : array_like, shape (d,)
        ``X^T y``, nonzero.
    eta_a, eta_w : float > 0

    Every nonzero input magnitude must lie in ``[1e-150, 1e150]`` (the float64 domain,
    :data:`symrich.numeric.validation.FLOAT64_DOMAIN`; a ``ValueError`` names the argument
    outside it, as for a result that is not finite).

    Returns
    -------
    Basin
        ``.sign`` (+1, -1, or 0 when ``|A|`` is at the rounding level of its two terms),
        ``.a_inf``, ``.w_inf``, ``.A``, ``.delta``.

    Examples
    --------
    The appendix Fig. 7 setting (``beta_star = (1, 0.25)``) at ``delta = -2``:

    >>> import numpy as np
    >>> w0 = np.array([0.6, -1.3]); a0 = np.sqrt(w0 @ w0 - 2.0)     # delta = -2
    >>> sign, a_inf, w_inf = basin(a0, w0, [1.0, 0.25])
    >>> int(sign), round(float(a_inf), 6)       # sqrt((delta + Lam)/2), Lam = sqrt(8.25)
    (1, 0.660409)
    >>> int(basin(-a0, -w0, [1.0, 0.25]).sign)  # the same beta0 = a0 w0 on the other branch
    -1
    >>> np.allclose(a_inf * w_inf, [1.0, 0.25])
    True
    """
    eta_a = float64_rate(eta_a, "eta_a")
    eta_w = float64_rate(eta_w, "eta_w")
    bs = float64_array(beta_star, "beta_star", ndim=1)
    a0 = float64_array(a0, "a0")
    w0 = float64_array(w0, "w0")
    if w0.ndim == 0 or w0.shape[-1] != bs.shape[0]:
        raise ValueError(f"w0 must have shape (..., d) with d = len(beta_star) = {bs.shape[0]}, got shape {w0.shape}")
    try:
        batch = np.broadcast_shapes(a0.shape, w0.shape[:-1])
    except ValueError as exc:
        raise ValueError(f"a0 of shape {a0.shape} does not broadcast against w0's batch shape {w0.shape[:-1]}") from exc
    s2 = float(bs @ bs)
    if s2 == 0:
        raise ValueError("beta_star must be nonzero (with beta_star = 0 there is no interpolating branch)")
    a0 = np.broadcast_to(a0, batch)
    w0 = np.broadcast_to(w0, batch + bs.shape)
    with np.errstate(all="ignore"):
        delta = eta_w * a0**2 - eta_a * np.sum(w0 * w0, axis=-1)
        p0 = w0 @ bs
        lm_pos, lm_neg, lp_neg, lp_pos = (np.broadcast_to(np.asarray(v, dtype=float), batch)
                                          for v in numpy_kernel("sn_basin")(s2, delta, eta_a, eta_w))
        l_minus = np.where(delta >= 0, lm_pos, lm_neg)
        l_plus = np.where(delta > 0, lp_pos, lp_neg)
        A = eta_a * p0 - l_minus * a0
        rounding = 8 * _EPS * (eta_a * np.abs(p0) + np.abs(l_minus * a0))
        sign = np.where(np.abs(A) <= rounding, 0, np.sign(A)).astype(int)
        a_branch = np.sqrt(-l_minus / eta_w)
        a_inf = sign * a_branch
        w_perp0 = w0 - (p0 / s2)[..., None] * bs
        safe_a = np.where(sign != 0, a_inf, 1.0)
        w_saddle = w_perp0 / np.sqrt(1 + eta_w * a0**2 / l_plus)[..., None]
        w_inf = np.where((sign != 0)[..., None], bs / safe_a[..., None], w_saddle)
    finite_result((a_inf, w_inf, A, delta, rounding), "a0, w0, beta_star, eta_a, eta_w")
    if not batch:
        return Basin(sign=int(sign), a_inf=float(a_inf), w_inf=w_inf, A=float(A), delta=float(delta))
    return Basin(sign=sign, a_inf=a_inf, w_inf=w_inf, A=A, delta=delta)
