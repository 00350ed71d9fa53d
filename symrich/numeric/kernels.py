"""Quantities of neural tangent kernels shared by every network family.

The kernel distance of the paper (Kunin, Raventós et al., Section 5 and
Figure 1; introduced by Fort et al., NeurIPS 2020) compares the NTK at two
times by the cosine of the angle between them in the Frobenius inner product:

.. math:: S(t_0, t) = 1 - \\frac{\\langle K_{t_0}, K_t\\rangle_F}
          {\\lVert K_{t_0}\\rVert_F\\,\\lVert K_t\\rVert_F}.

It is undefined when either kernel is zero; :func:`kernel_distance` raises
then, in every module that uses it.

>>> import numpy as np
>>> float(kernel_distance(np.eye(2), 3 * np.eye(2)))
0.0
"""

from __future__ import annotations

import numpy as np

from symrich.numeric.validation import as_array

__all__ = ["kernel_distance"]


def kernel_distance(K0, Kt):
    """Kernel distance ``S = 1 - <K0, Kt>_F / (||K0||_F ||Kt||_F)``.

    Parameters
    ----------
    K0, Kt : array_like, shape (..., m, m)
        Kernels; leading axes broadcast (e.g. one ``K0`` against a trajectory
        of kernels ``Kt``).

    Returns
    -------
    float or ndarray
        Shape: the broadcast leading axes (a float when there are none).  In
        ``[0, 1]`` for positive semi-definite kernels, ``[0, 2]`` in general;
        0 when ``Kt`` is a positive multiple of ``K0``.  A value that rounding
        puts below 0 is returned as 0.

    Raises
    ------
    ValueError
        When a kernel is not square, the shapes do not broadcast, a value is
        NaN or infinite, or a kernel is zero (``S`` is undefined there).

    Examples
    --------
    >>> import numpy as np
    >>> float(kernel_distance(np.diag([1.0, 0.0]), np.diag([0.0, 1.0])))
    1.0
    >>> kernel_distance(np.eye(2), [np.eye(2), np.diag([1.0, 0.0])]).round(12).tolist()
    [0.0, 0.292893218813]
    >>> kernel_distance(np.eye(2), np.zeros((2, 2)))
    Traceback (most recent call last):
    ...
    ValueError: kernel distance is undefined where Kt is the zero kernel (zero Frobenius norm)
    """
    K0 = as_array(K0, "K0")
    Kt = as_array(Kt, "Kt")
    for K, name in ((K0, "K0"), (Kt, "Kt")):
        if K.ndim < 2 or K.shape[-1] != K.shape[-2] or K.shape[-1] == 0:
            raise ValueError(f"{name} must have shape (..., m, m) with m >= 1, got shape {K.shape}")
    if K0.shape[-1] != Kt.shape[-1]:
        raise ValueError(f"K0 is {K0.shape[-1]} x {K0.shape[-1]} but Kt is {Kt.shape[-1]} x {Kt.shape[-1]}")
    try:
        np.broadcast_shapes(K0.shape, Kt.shape)
    except ValueError as exc:
        raise ValueError(f"the leading axes of K0 {K0.shape[:-2]} and Kt {Kt.shape[:-2]} do not broadcast") from exc
    scaled = []
    for K, name in ((K0, "K0"), (Kt, "Kt")):
        peak = np.max(np.abs(K), axis=(-2, -1), keepdims=True)
        if np.any(peak == 0):
            raise ValueError(f"kernel distance is undefined where {name} is the zero kernel (zero Frobenius norm)")
        scaled.append(K / peak)  # S is invariant under K -> c K (c > 0): the norms neither overflow nor underflow
    K0, Kt = scaled
    norms2 = np.sum(K0 * K0, axis=(-2, -1)) * np.sum(Kt * Kt, axis=(-2, -1))
    out = np.maximum(1.0 - np.sum(K0 * Kt, axis=(-2, -1)) / np.sqrt(norms2), 0.0)
    return float(out) if out.ndim == 0 else out
