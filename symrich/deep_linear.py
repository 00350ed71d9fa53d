"""Numeric layer, deep linear network ``f(x) = W_L ... W_1 x``: the flow and its conserved matrices.

Implements the gradients ``dL/dW_l = B_l^T G_E C_l^T`` and the conserved
``Q_l = eta_l W_{l+1}^T W_{l+1} - eta_{l+1} W_l W_l^T`` proved in the derivation
``deep_linear_conservation`` (``W_l`` is ``h_l x h_{l-1}``, ``G_E = (X E^T - Y)^T X``).

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> Ws = [rng.normal(size=(3, 2)), rng.normal(size=(2, 3))]
>>> [Q.shape for Q in conserved_quantities(Ws, [1.0, 0.5])]
[(3, 3)]
"""

from __future__ import annotations

import numpy as np

from symrich.numeric.validation import as_array, as_numeric, finite_result, positive

__all__ = ["conserved_quantities", "parameter_flow"]


def _weights(weights, etas):
    if isinstance(weights, np.ndarray) or not hasattr(weights, "__len__") or len(weights) < 1:
        raise ValueError("weights must be a non-empty sequence of 2-d arrays W_1, ..., W_L")
    Ws = [as_array(W, f"weights[{l}]", ndim=2) for l, W in enumerate(weights)]
    for l in range(1, len(Ws)):
        if Ws[l].shape[1] != Ws[l - 1].shape[0]:
            raise ValueError(f"weights[{l}] must have {Ws[l - 1].shape[0]} columns (rows of weights[{l - 1}]), "
                             f"got shape {Ws[l].shape}")
    if as_numeric(etas, "etas", "a positive number or a sequence of one per layer").ndim == 0:
        etas = [etas] * len(Ws)
    if len(etas) != len(Ws):
        raise ValueError(f"etas must have one rate per layer ({len(Ws)}), got {len(etas)}")
    return Ws, [positive(e, f"etas[{l}]") for l, e in enumerate(etas)]


def conserved_quantities(weights, etas=1.0):
    """The conserved ``Q_l = eta_l W_{l+1}^T W_{l+1} - eta_{l+1} W_l W_l^T``, ``l = 1..L-1``.

    Parameters
    ----------
    weights : sequence of arrays
        ``W_1`` (h_1, d), ..., ``W_L`` (c, h_{L-1}).
    etas : float or sequence of floats > 0
        Per-layer learning rates.

    Returns
    -------
    list of ndarrays, shapes (h_l, h_l)

    Examples
    --------
    >>> conserved_quantities([[[1.0, 1.0]], [[2.0]]], [1.0, 1.0])
    [array([[2.]])]
    """
    Ws, etas = _weights(weights, etas)
    with np.errstate(all="ignore"):
        Qs = tuple(etas[l] * Ws[l + 1].T @ Ws[l + 1] - etas[l + 1] * Ws[l] @ Ws[l].T for l in range(len(Ws) - 1))
    return list(finite_result(Qs, "weights, etas"))


def parameter_flow(weights, X, Y, etas=1.0):
    """Gradient flow ``W_l' = -eta_l B_l^T G_E C_l^T`` of ``1/2 ||X (W_L ... W_1)^T - Y||_F^2``.

    Parameters
    ----------
    weights : sequence of arrays ``W_1 .. W_L``
    X : array_like, shape (n, d)
    Y : array_like, shape (n, c) (or (n,) when c = 1)
    etas : float or sequence of floats > 0

    Returns
    -------
    list of ndarrays, the time derivatives ``W_l'``.

    Examples
    --------
    >>> import numpy as np
    >>> [dW.shape for dW in parameter_flow([np.ones((3, 2)), np.ones((1, 3))], np.eye(2), [1.0, 0.0])]
    [(3, 2), (1, 3)]
    """
    Ws, etas = _weights(weights, etas)
    X = as_array(X, "X", ndim=2)
    Y = as_array(Y, "Y", ndim=(1, 2))
    if Y.ndim == 1:
        Y = Y[:, None]
    d, c = Ws[0].shape[1], Ws[-1].shape[0]
    if X.shape[1] != d:
        raise ValueError(f"X must have d = {d} columns, got shape {X.shape}")
    if Y.shape != (X.shape[0], c):
        raise ValueError(f"Y must have shape (n, c) = ({X.shape[0]}, {c}), got {Y.shape}")
    with np.errstate(all="ignore"):
        C = [np.eye(d)]
        for W in Ws[:-1]:
            C.append(W @ C[-1])
        B = [np.eye(c)]
        for W in reversed(Ws[1:]):
            B.append(B[-1] @ W)
        B = B[::-1]  # B[l] = W_L ... W_{l+2} in 1-based names: the layers above layer l (0-based)
        E = Ws[-1] @ C[-1]
        G_E = (X @ E.T - Y).T @ X
        dWs = tuple(-etas[l] * B[l].T @ G_E @ C[l].T for l in range(len(Ws)))
    return list(finite_result(dWs, "weights, X, Y, etas"))
