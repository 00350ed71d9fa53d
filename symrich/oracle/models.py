r"""The single neuron :math:`f(x) = a\,w^\top x` on squared loss, written by hand as a flow.

:func:`single_neuron_flow` is the parameter flow as a
:class:`~symrich.oracle.PolynomialFlow` and :func:`integrate_single_neuron`
integrates it on data; the closed-form solutions of :mod:`symrich.single_neuron`
are checked against it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import mpmath
import numpy as np

from symrich.oracle.flow import PolynomialFlow
from symrich.oracle.inputs import as_vector, check_dps, to_mpf
from symrich.oracle.integrate import integrate_flow

__all__ = ["integrate_single_neuron", "single_neuron_flow"]


@functools.lru_cache(maxsize=None)
def single_neuron_flow(d: int) -> PolynomialFlow:
    r"""Gradient flow of the single neuron :math:`f(x) = a\,w^\top x` on squared loss.

    With :math:`C = X^\top X`, :math:`b = X^\top y` and
    :math:`g = C (a w) - b` (the gradient of :math:`\tfrac12\|y - a X w\|^2`
    with respect to :math:`a w`):

    .. math:: \dot a = -\eta_a\, w^\top g, \qquad \dot w = -\eta_w\, a\, g.

    Parameters
    ----------
    d : int
        Input dimension.

    Returns
    -------
    PolynomialFlow
        State ``(a, w_1, ..., w_d)``; parameters ``eta_a, eta_w``, the upper
        triangle ``C_i_j`` (``i <= j``, 1-based) of :math:`X^\top X` and
        ``b_1, ..., b_d``.  The same object is returned for the same ``d``,
        so it is compiled once.

    Examples
    --------
    >>> flow = single_neuron_flow(2)
    >>> [s.name for s in flow.state]
    ['a', 'w_1', 'w_2']
    >>> [s.name for s in flow.params]
    ['eta_a', 'eta_w', 'C_1_1', 'C_1_2', 'C_2_2', 'b_1', 'b_2']
    >>> flow.n_products   # a*w_j, w_i*g_i and a*g_i: 3 d
    6
    """
    import sympy

    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
        raise ValueError(f"d must be a positive integer, got {d!r}")
    d = int(d)
    a = sympy.Symbol("a", real=True)
    w = [sympy.Symbol(f"w_{i + 1}", real=True) for i in range(d)]
    eta_a, eta_w = sympy.Symbol("eta_a", positive=True), sympy.Symbol("eta_w", positive=True)
    upper = {(i, j): sympy.Symbol(f"C_{i + 1}_{j + 1}", real=True) for i in range(d) for j in range(i, d)}
    b = [sympy.Symbol(f"b_{i + 1}", real=True) for i in range(d)]

    def C(i: int, j: int) -> sympy.Symbol:
        return upper[min(i, j), max(i, j)]

    g = [sum((C(i, j) * a * w[j] for j in range(d)), sympy.S.Zero) - b[i] for i in range(d)]
    rhs = [-eta_a * sum((w[i] * g[i] for i in range(d)), sympy.S.Zero)] + [-eta_w * a * g[i] for i in range(d)]
    return PolynomialFlow(state=(a, *w), rhs=tuple(rhs), params=(eta_a, eta_w, *upper.values(), *b),
                          name=f"single neuron, d={d}")


def _as_matrix(values: Any, what: str, shape: tuple) -> list[list]:
    """Convert a ``shape``-shaped array-like to a list of rows of ``mpf``."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__") or len(values) != shape[0]:
        raise ValueError(f"{what} must have shape {shape}")
    matrix = []
    for i, row in enumerate(values):
        if isinstance(row, (str, bytes)) or not hasattr(row, "__len__") or len(row) != shape[1]:
            raise ValueError(f"{what} must have shape {shape}; row {i} is {row!r}")
        matrix.append([to_mpf(v, f"{what}[{i}][{j}]") for j, v in enumerate(row)])
    return matrix


def integrate_single_neuron(
    t: Sequence,
    a0: Any,
    w0: Sequence,
    X: Any = None,
    y: Any = None,
    eta_a: Any = 1.0,
    eta_w: Any = 1.0,
    *,
    XtX: Any = None,
    Xty: Any = None,
    dps: int = 30,
    method: str = "taylor",
) -> tuple[np.ndarray, np.ndarray]:
    r"""Integrate the single-neuron flow (:func:`single_neuron_flow`) on data.

    Parameters
    ----------
    t : sequence of numbers
        Output times (strictly increasing, from ``t >= 0``).
    a0 : number
        Initial output weight.
    w0 : sequence of numbers
        Initial input weights, length ``d``.
    X, y : array-like, optional
        Data, shapes ``(n, d)`` and ``(n,)``.  :math:`X^\top X` and
        :math:`X^\top y` are accumulated exactly and rounded once at
        ``dps + 20`` digits.
    eta_a, eta_w : number
        Learning rates.
    XtX, Xty : array-like, keyword-only, optional
        Give :math:`X^\top X` (``(d, d)``, symmetric) and :math:`X^\top y`
        (``(d,)``) directly instead of ``X, y`` (e.g. whitened data,
        ``XtX = I`` and ``Xty = beta_star``).
    dps : int
        Decimal digits (mpmath methods).
    method : {"taylor", "odefun", "scipy"}
        As in :func:`integrate_flow`.

    Returns
    -------
    a : numpy.ndarray, shape (T,)
    w : numpy.ndarray, shape (T, d)
        ``mpmath.mpf`` objects (mpmath methods) or float64 (``"scipy"``).

    Notes
    -----
    All numbers given as Python or numpy floats are converted to ``mpf``
    exactly (a float is a dyadic rational); write ``"0.1"`` (a string) or
    ``Fraction(1, 10)`` to mean the decimal 1/10 at the working precision.

    Examples
    --------
    >>> import mpmath
    >>> a, w = integrate_single_neuron([0, 1, 2], 0.3, [0.2, -0.1], XtX=[[1, 0], [0, 1]],
    ...                                Xty=[0.5, 0.2], dps=30)
    >>> a.shape, w.shape
    ((3,), (3, 2))
    >>> with mpmath.workdps(30):   # a^2 - |w|^2 is conserved
    ...     delta = [a[i] ** 2 - w[i, 0] ** 2 - w[i, 1] ** 2 for i in range(3)]
    ...     max(abs(dk - delta[0]) for dk in delta) < mpmath.mpf(10) ** -27
    True
    """
    check_dps(dps)
    w_entries = as_vector(w0, "w0")
    d = len(w_entries)
    if d == 0:
        raise ValueError("w0 must contain at least one weight")
    with mpmath.workdps(int(dps) + 20):
        if XtX is None and Xty is None:
            if X is None or y is None:
                raise ValueError("give the data either as X and y, or as XtX and Xty")
            n = len(X) if hasattr(X, "__len__") and not isinstance(X, (str, bytes)) else -1
            Xm = _as_matrix(X, "X", (n, d))
            ym = [to_mpf(v, f"y[{i}]") for i, v in enumerate(as_vector(y, "y"))]
            if len(ym) != n:
                raise ValueError(f"y has {len(ym)} entries but X has {n} rows")
            columns = [[row[j] for row in Xm] for j in range(d)]
            C = [[mpmath.fdot(columns[i], columns[j]) for j in range(d)] for i in range(d)]
            bvec = [mpmath.fdot(columns[i], ym) for i in range(d)]
        else:
            if X is not None or y is not None:
                raise ValueError("give the data either as X and y, or as XtX and Xty, not both")
            if XtX is None or Xty is None:
                raise ValueError("XtX and Xty must be given together")
            C = _as_matrix(XtX, "XtX", (d, d))
            for i in range(d):
                for j in range(i):
                    if C[i][j] != C[j][i]:
                        raise ValueError(f"XtX must be symmetric: XtX[{i}][{j}] != XtX[{j}][{i}]")
            bvec = [to_mpf(v, f"Xty[{i}]") for i, v in enumerate(as_vector(Xty, "Xty"))]
            if len(bvec) != d:
                raise ValueError(f"Xty has {len(bvec)} entries but w0 has {d}")
    params: dict = {"eta_a": eta_a, "eta_w": eta_w}
    for i in range(d):
        for j in range(i, d):
            params[f"C_{i + 1}_{j + 1}"] = C[i][j]
        params[f"b_{i + 1}"] = bvec[i]
    solution = integrate_flow(single_neuron_flow(d), t, [a0, *w_entries], params, dps=dps, method=method)
    return solution.y[:, 0], solution.y[:, 1:]
