"""Symbolic layer, deep linear network ``f(x) = W_L ... W_1 x``: the flow and its conserved matrices.

``W_l`` is ``h_l x h_{l-1}`` (``h_0 = d``, ``h_L = c``), ``E = W_L ... W_1``
(``c x d``), loss ``1/2 ||X E^T - Y||_F^2``, ``G_E = (X E^T - Y)^T X`` (``c x d``),
per-layer rates ``eta_l``.  ``dL/dW_l = B_l^T G_E C_l^T`` with ``B_l = W_L ...
W_{l+1}`` and ``C_l = W_{l-1} ... W_1`` (empty products are identities).

>>> from symrich.symbolic.deep_linear import parameter_flow
>>> f = parameter_flow(3)
>>> len(f.weights), f.E.shape == (f.widths[3], f.widths[0])
(3, True)
"""

from __future__ import annotations

import dataclasses

import sympy as sp

from symrich.symbolic.symbols import n

__all__ = ["DeepFlow", "LocalFlow", "parameter_flow", "conserved_Q", "local_flow"]


@dataclasses.dataclass(frozen=True, eq=False)
class DeepFlow:
    """Loss, gradients and flow of a deep linear network (:func:`parameter_flow`).

    Attributes
    ----------
    weights : list of sympy.MatrixSymbol
        ``W_1 .. W_L`` (``W_l`` is ``h_l x h_{l-1}``).
    widths : tuple of sympy.Symbol
        ``h_0 = d, .., h_L = c``.
    etas : tuple of sympy.Symbol
        Per-layer rates ``eta_1 .. eta_L``.
    X, Y : sympy.MatrixSymbol
        Data (``n x d``) and targets (``n x c``).
    E : sympy.MatrixExpr
        End-to-end matrix ``W_L ... W_1``.
    L : sympy.Expr
        Loss ``1/2 ||X E^T - Y||_F^2``.
    G_E : sympy.MatrixExpr
        ``(X E^T - Y)^T X``.
    grads : list of sympy.MatrixExpr
        ``dL/dW_l`` by SymPy's matrix calculus.
    B, C : list of sympy.MatrixExpr
        ``B_l = W_L ... W_{l+1}`` and ``C_l = W_{l-1} ... W_1`` (identities when empty).
    flows : list of sympy.MatrixExpr
        ``-eta_l dL/dW_l``.

    Examples
    --------
    >>> parameter_flow(2).B[0]
    W_2
    """

    weights: list
    widths: tuple
    etas: tuple
    X: sp.MatrixSymbol
    Y: sp.MatrixSymbol
    E: sp.MatrixExpr
    L: sp.Expr
    G_E: sp.MatrixExpr
    grads: list
    B: list
    C: list
    flows: list


@dataclasses.dataclass(frozen=True, eq=False)
class LocalFlow:
    """Two adjacent layers inside a network of any depth (:func:`local_flow`).

    Attributes
    ----------
    W_l, W_next : sympy.MatrixSymbol
        ``W_l`` (``h_l x h_{l-1}``) and ``W_{l+1}`` (``h_{l+1} x h_l``).
    B, C, G : sympy.MatrixSymbol
        Arbitrary stand-ins for ``W_L ... W_{l+2}`` (``c x h_{l+1}``),
        ``W_{l-1} ... W_1`` (``h_{l-1} x d``) and ``G_E`` (``c x d``).
    eta_l, eta_next : sympy.Symbol
        The two layers' rates.
    flow_l, flow_next : sympy.MatrixExpr
        ``-eta_l (B W_{l+1})^T G C^T`` and ``-eta_{l+1} B^T G (W_l C)^T``.

    Examples
    --------
    >>> local_flow().flow_l.shape == local_flow().W_l.shape
    True
    """

    W_l: sp.MatrixSymbol
    W_next: sp.MatrixSymbol
    B: sp.MatrixSymbol
    C: sp.MatrixSymbol
    G: sp.MatrixSymbol
    eta_l: sp.Symbol
    eta_next: sp.Symbol
    flow_l: sp.MatrixExpr
    flow_next: sp.MatrixExpr



def _product(mats, size):
    return sp.MatMul(*mats).doit() if mats else sp.Identity(size)


def parameter_flow(depth, samples=n):
    """Loss, gradients (by SymPy's matrix calculus) and flow of a depth-``depth`` linear network.

    Returns a :class:`DeepFlow` with ``weights`` (matrix symbols ``W_1 .. W_L``),
    ``widths`` (``h_0 .. h_L``, symbolic), ``etas`` (``eta_1 .. eta_L``), ``X``,
    ``Y``, ``E``, ``L``, ``G_E``, ``grads`` (``dL/dW_l``), ``B``, ``C`` (the
    products above) and ``flows`` (``-eta_l dL/dW_l``).

    Examples
    --------
    >>> f = parameter_flow(2)
    >>> f.E
    W_2*W_1
    >>> len(f.flows), f.flows[0].shape == f.weights[0].shape
    (2, True)
    """
    if int(depth) < 1:
        raise ValueError(f"depth must be a positive integer, got {depth!r}")
    depth = int(depth)
    widths = sp.symbols(f"h_0:{depth + 1}", integer=True, positive=True)
    etas = sp.symbols(f"eta_1:{depth + 1}", positive=True)
    Ws = [sp.MatrixSymbol(f"W_{l + 1}", widths[l + 1], widths[l]) for l in range(depth)]
    X = sp.MatrixSymbol("X", samples, widths[0])
    Y = sp.MatrixSymbol("Y", samples, widths[-1])
    E = _product(list(reversed(Ws)), widths[0])
    Rm = X * E.T - Y
    L = sp.Trace(Rm.T * Rm) / 2
    G_E = Rm.T * X
    grads = [L.diff(W) for W in Ws]
    B = [_product(list(reversed(Ws[l + 1:])), widths[-1]) for l in range(depth)]
    C = [_product(list(reversed(Ws[:l])), widths[0]) for l in range(depth)]
    flows = [-etas[l] * grads[l] for l in range(depth)]
    return DeepFlow(weights=Ws, widths=widths, etas=etas, X=X, Y=Y, E=E, L=L, G_E=G_E,
                           grads=grads, B=B, C=C, flows=flows)


def conserved_Q(W_l, W_next, eta_l, eta_next):
    """``Q_l = eta_l W_{l+1}^T W_{l+1} - eta_{l+1} W_l W_l^T`` (``h_l x h_l``).

    Examples
    --------
    >>> import sympy as sp
    >>> W_1, W_2 = sp.Matrix([[1], [0]]), sp.Matrix([[1, 0]])
    >>> conserved_Q(W_1, W_2, 1, 1)
    Matrix([
    [0, 0],
    [0, 0]])
    >>> f = local_flow()
    >>> conserved_Q(f.W_l, f.W_next, f.eta_l, f.eta_next).shape
    (h_l, h_l)
    """
    return eta_l * W_next.T * W_next - eta_next * W_l * W_l.T


def local_flow():
    """Two adjacent layers inside a network of any depth, for the proof at symbolic depth.

    ``B`` stands for ``W_L ... W_{l+2}`` (``c x h_{l+1}``) and ``C`` for
    ``W_{l-1} ... W_1`` (``h_{l-1} x d``), both arbitrary; ``G`` (``c x d``) is
    arbitrary.  Returns a :class:`LocalFlow` with the flows ``-eta_l (B W_{l+1})^T G C^T`` and
    ``-eta_{l+1} B^T G (W_l C)^T`` of the two layers.

    Examples
    --------
    >>> f = local_flow()
    >>> f.flow_l.shape == f.W_l.shape, f.flow_next.shape == f.W_next.shape
    (True, True)
    """
    c, d, a, b, m = sp.symbols("c d h_{l-1} h_l h_{l+1}", integer=True, positive=True)
    W_l = sp.MatrixSymbol("W_l", b, a)
    W_next = sp.MatrixSymbol("W_{l+1}", m, b)
    B = sp.MatrixSymbol("B", c, m)
    C = sp.MatrixSymbol("C", a, d)
    G = sp.MatrixSymbol("G", c, d)
    eta_l, eta_next = sp.symbols("eta_l eta_{l+1}", positive=True)
    return LocalFlow(W_l=W_l, W_next=W_next, B=B, C=C, G=G, eta_l=eta_l, eta_next=eta_next,
                           flow_l=-eta_l * (B * W_next).T * G * C.T,
                           flow_next=-eta_next * B.T * G * (W_l * C).T)
