"""Single neuron in function space: the preconditioner ``M``, the NTK and the conserved ``delta``.

``beta = a w`` obeys ``beta' = -M grad L`` with ``M = eta_a w w^T + eta_w a^2 I``, a function of
``beta`` and ``delta`` alone (derivations ``single_neuron_function_space`` and
``single_neuron_regimes``).  ``M`` is evaluated in the form that is free of cancellation
on each side of ``delta = 0`` (both forms are proved equal in ``single_neuron_regimes``):

* ``delta >= 0``: ``M = (R + delta)/2 I + [2 eta / (R + delta)] beta beta^T``
* ``delta < 0``:  ``M = [2 eta rho^2 / (R - delta)] I + (R - delta)/2 beta_hat beta_hat^T``

so it is accurate for ``||beta||`` tiny and ``delta`` near 0 of either sign.  The kernels are
those of :mod:`symrich.single_neuron.kernels` (``sn_M``, ``sn_delta``).

>>> import numpy as np
>>> M_matrix([0.0, 0.0], 2.0).tolist()
[[2.0, 0.0], [0.0, 2.0]]
"""

from __future__ import annotations

from symrich.single_neuron import driver
from symrich.single_neuron.kernels import numpy_kernel

__all__ = ["M_matrix", "ntk", "delta_of"]


def M_matrix(beta, delta, eta_a=1.0, eta_w=1.0):
    """The preconditioner ``M`` of ``beta' = -M grad L``, from ``beta`` and ``delta`` alone.

    Parameters
    ----------
    beta : array_like, shape (..., d)
        Function-space parameter ``beta = a w`` (leading axes are a batch).
    delta : float or array_like
        Conserved ``eta_w a^2 - eta_a ||w||^2``; its shape broadcasts against ``beta.shape[:-1]``
        (the batch of the result is their broadcast).
    eta_a, eta_w : float > 0
        Learning rates of the readout and the first layer.

    Returns
    -------
    ndarray, shape (..., d, d)
        ``(R + delta)/2 I + (R - delta)/2 beta beta^T / ||beta||^2`` with
        ``R = sqrt(delta^2 + 4 eta_a eta_w ||beta||^2)``; equal to
        ``eta_a w w^T + eta_w a^2 I`` for any ``(a, w)`` with ``a w = beta``.

    Raises
    ------
    ValueError
        For bad shapes, NaN, non-positive learning rates, and for
        ``beta = 0`` with ``delta < 0`` (then ``M = eta_a w w^T`` depends on the
        direction of ``w``, which ``beta`` does not determine).
    TypeError
        For input that is not made of real numbers (strings, ``None``...).

    Examples
    --------
    >>> import numpy as np
    >>> a, w = 0.5, np.array([1.0, -2.0])
    >>> delta = a**2 - w @ w
    >>> np.allclose(M_matrix(a * w, delta), np.outer(w, w) + a**2 * np.eye(2))
    True
    """
    return driver.run_M_matrix(numpy_kernel("sn_M"), beta, delta, eta_a, eta_w)


def ntk(X, beta, delta, eta_a=1.0, eta_w=1.0):
    """Neural tangent kernel ``K = X M X^T`` of the single neuron.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Data, any (not necessarily whitened).
    beta, delta, eta_a, eta_w
        As in :func:`M_matrix`; ``beta`` may carry leading batch axes.

    Returns
    -------
    ndarray, shape (..., n, n)

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]])
    >>> K = ntk(X, [0.3, -0.4], 0.2)
    >>> K.shape, np.allclose(K, K.T)
    ((3, 3), True)
    """
    return driver.run_ntk(numpy_kernel("sn_M"), X, beta, delta, eta_a, eta_w)


def delta_of(a, w, eta_a=1.0, eta_w=1.0):
    """The conserved ``delta = eta_w a^2 - eta_a ||w||^2`` of parameters ``a`` (...,), ``w`` (..., d).

    >>> delta_of(2.0, [1.0, 1.0])
    2.0
    """
    return driver.run_delta_of(numpy_kernel("sn_delta"), a, w, eta_a, eta_w)
