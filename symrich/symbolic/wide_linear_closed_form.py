r"""Symbolic layer, wide linear network in closed form: scaled flow, Riccati equation, its solution.

Layout ``f(x) = W2 W1 x``: ``W1`` (``h x d``, rate ``eta_w``), ``W2`` (``c x h``,
rate ``eta_a``), whitened data, ``S = Y X^T`` (``c x d``), ``E = S - W2 W1``.  The
objects a derivation of the closed form needs, in order:

1. :func:`layer_flow`: ``W1' = eta_w W2^T E``, ``W2' = eta_a E W1^T`` and the
   conserved ``Delta = eta_w W2^T W2 - eta_a W1 W1^T``;
2. :func:`scaled_flow`: ``U = W1/sqrt(eta_w)``, ``V = W2/sqrt(eta_a)``,
   ``k = sqrt(eta_a eta_w)``, ``tau = k^2 t``, ``lambda' = lambda/k^2``; with
   ``Delta = lambda I`` (``V^T V = U U^T + lambda' I``) the stacked
   ``Q = [U^T; V]`` obeys ``dQ/dtau = F Q - 1/2 Q Q^T Q``;
3. :func:`riccati`: ``P = Q Q^T`` obeys ``dP/dtau = F P + P F - P^2``;
4. :func:`closed_form`: ``P = M G^{-1} M^T`` with ``M = e^{F tau} Q0`` and
   ``G = I + Q0^T (int_0^tau e^{2 F s} ds) Q0`` (``M' = F M``, ``G' = M^T M``);
   :func:`eigenbasis_solution`: the same for explicit sizes in the eigenbasis of ``F``;
5. :func:`P_blocks`: ``P = [[U^T U, U^T V^T], [V U, V V^T]]``, i.e.
   ``W1^T W1/eta_w``, ``beta/k`` (``beta = W2 W1``), ``W2 W2^T/eta_a``;
6. :func:`singular_pair`: the eigen-structure of ``F`` from the SVD of ``S``;
7. :func:`single_neuron_case`: ``h = c = 1``, where ``lambda`` is the single
   neuron's ``delta``.

Two helpers do the noncommutative algebra: :func:`replace_adjacent` (use a
relation such as ``V^T V = U U^T + lambda' I`` inside products) and
:func:`d_dtau` (product rule with given derivatives of the factors).

>>> f = scaled_flow()
>>> f.F.shape
(c + d, c + d)
"""

from __future__ import annotations

import dataclasses

import sympy as sp
from sympy import BlockMatrix, Identity, MatrixSymbol

from symrich.symbolic.symbols import d, eta_a, eta_w

__all__ = [
    "h", "c", "n", "tau", "lam", "lam_scaled", "k",
    "LayerFlow", "ScaledFlow", "RiccatiEquation", "ClosedForm", "EigenbasisSolution", "SingularPair",
    "SingleNeuronCase",
    "replace_adjacent", "d_dtau",
    "layer_flow", "scaled_flow", "riccati", "closed_form", "eigenbasis_solution", "P_blocks", "singular_pair",
    "single_neuron_case",
]

#: Hidden and output widths, and ``n = d + c`` (symbolic sizes).
h = sp.Symbol("h", integer=True, positive=True)
c = sp.Symbol("c", integer=True, positive=True)
n = sp.Symbol("n", integer=True, positive=True)
#: Scaled time ``tau = k^2 t``.
tau = sp.Symbol("tau", nonnegative=True)
#: ``lambda`` of ``Delta = lambda I_h`` and ``lambda' = lambda/k^2``.
lam = sp.Symbol("lambda", real=True)
lam_scaled = sp.Symbol("lambda'", real=True)
#: ``k = sqrt(eta_a eta_w)``.
k = sp.sqrt(eta_a * eta_w)


def replace_adjacent(expr, left, right, replacement):
    """Replace every adjacent pair ``left * right`` inside the matrix products of ``expr`` by ``replacement``.

    ``expr`` is expanded first; scalar coefficients of a product are kept.  This
    is how a relation between products (``V^T V = U U^T + lambda' I``,
    ``S v = s u``) is used inside longer products, which ``xreplace`` cannot see.

    Examples
    --------
    >>> U, V = MatrixSymbol("U", h, d), MatrixSymbol("V", c, h)
    >>> replace_adjacent(2 * U.T * V.T * V, V.T, V, U * U.T)
    2*U.T*U*U.T
    """
    e = sp.expand(expr).doit()
    while True:
        changed, terms = False, []
        for term in e.args if isinstance(e, sp.MatAdd) else (e,):
            if isinstance(term, sp.MatMul):
                coeff, mats = term.as_coeff_matrices()
                for i in range(len(mats) - 1):
                    if mats[i] == left and mats[i + 1] == right:
                        term, changed = coeff * sp.MatMul(*mats[:i], replacement, *mats[i + 2:]), True
                        break
            terms.append(term)
        e = sp.expand(sp.MatAdd(*terms) if len(terms) > 1 else terms[0]).doit()
        if not changed:
            return e


def d_dtau(expr, rules):
    """Derivative of a matrix expression by the product rule, given ``rules = {factor: its derivative}``.

    Factors not in ``rules`` (nor transposes of them) are constant; a transpose
    differentiates to the transpose of the derivative.  The order of the factors
    is kept (noncommutative).

    Examples
    --------
    >>> F, M = MatrixSymbol("F", n, n), MatrixSymbol("M", n, h)
    >>> d_dtau(M * M.T, {M: F * M})
    F*M*M.T + M*M.T*F.T
    """
    e = sp.expand(expr).doit()
    if isinstance(e, sp.MatAdd):
        return sp.MatAdd(*[d_dtau(t, rules) for t in e.args]).doit()
    coeff, mats = e.as_coeff_matrices() if isinstance(e, sp.MatMul) else (sp.S.One, [e])
    terms = []
    for i, m in enumerate(mats):
        base = m.arg if isinstance(m, sp.Transpose) else m
        if base in rules:
            dm = rules[base].T if isinstance(m, sp.Transpose) else rules[base]
            terms.append(coeff * sp.MatMul(*mats[:i], dm, *mats[i + 1:]))
    if not terms:
        return sp.ZeroMatrix(*e.shape)
    return sp.expand(sp.MatAdd(*terms)).doit()


@dataclasses.dataclass(frozen=True, eq=False)
class LayerFlow:
    """The gradient flow of the two layers on whitened data (:func:`layer_flow`).

    Attributes
    ----------
    W1, W2, S : sympy.MatrixSymbol
        ``h x d``, ``c x h``, ``c x d``.
    E : sympy.MatrixExpr
        ``S - W2 W1``.
    W1dot, W2dot : sympy.MatrixExpr
        ``eta_w W2^T E`` and ``eta_a E W1^T``.
    Delta : sympy.MatrixExpr
        ``eta_w W2^T W2 - eta_a W1 W1^T``.
    Deltadot : sympy.MatrixExpr
        Its derivative along the flow (zero after expansion).

    Examples
    --------
    >>> sp.expand(layer_flow().Deltadot).doit()
    0
    """

    W1: MatrixSymbol
    W2: MatrixSymbol
    S: MatrixSymbol
    E: sp.MatrixExpr
    W1dot: sp.MatrixExpr
    W2dot: sp.MatrixExpr
    Delta: sp.MatrixExpr
    Deltadot: sp.MatrixExpr


def layer_flow():
    """``W1' = eta_w W2^T (S - W2 W1)``, ``W2' = eta_a (S - W2 W1) W1^T`` and ``Delta``, coordinate-free.

    Examples
    --------
    >>> layer_flow().W1dot
    eta_w*W_2.T*(S - W_2*W_1)
    """
    W1, W2, S = MatrixSymbol("W_1", h, d), MatrixSymbol("W_2", c, h), MatrixSymbol("S", c, d)
    E = S - W2 * W1
    W1dot, W2dot = eta_w * W2.T * E, eta_a * E * W1.T
    Delta = eta_w * W2.T * W2 - eta_a * W1 * W1.T
    Deltadot = d_dtau(Delta, {W1: W1dot, W2: W2dot})
    return LayerFlow(W1=W1, W2=W2, S=S, E=E, W1dot=W1dot, W2dot=W2dot, Delta=Delta, Deltadot=Deltadot)


@dataclasses.dataclass(frozen=True, eq=False)
class ScaledFlow:
    """The rate-scaled stacked layers and their flow in ``tau`` (:func:`scaled_flow`).

    Attributes
    ----------
    U, V : sympy.MatrixSymbol
        ``W1/sqrt(eta_w)`` (``h x d``) and ``W2/sqrt(eta_a)`` (``c x h``).
    to_layers : dict
        ``{W1: sqrt(eta_w) U, W2: sqrt(eta_a) V}``.
    Udot, Vdot : sympy.MatrixExpr
        ``dU/dtau``, ``dV/dtau`` from :func:`layer_flow` (``d/dtau = k^{-2} d/dt``).
    balance : tuple
        ``(V.T, V, U U^T + lambda' I)``: the relation ``V^T V = U U^T + lambda' I``
        (``Delta = lambda I`` divided by ``k^2``), for :func:`replace_adjacent`.
    F : sympy.BlockMatrix
        ``[[-lambda'/2 I_d, S^T/k], [S/k, lambda'/2 I_c]]`` (symmetric).
    Q : sympy.BlockMatrix
        ``[U^T; V]``.
    rhs : sympy.Matrix
        The two blocks of ``F Q - 1/2 Q Q^T Q`` (``block_collapse``).

    Examples
    --------
    >>> f = scaled_flow()
    >>> [replace_adjacent(f.Udot.T - f.rhs[0], *f.balance), replace_adjacent(f.Vdot - f.rhs[1], *f.balance)]
    [0, 0]
    """

    U: MatrixSymbol
    V: MatrixSymbol
    to_layers: dict
    Udot: sp.MatrixExpr
    Vdot: sp.MatrixExpr
    balance: tuple
    F: BlockMatrix
    Q: BlockMatrix
    rhs: sp.Matrix


def scaled_flow():
    """The scaled flow ``dQ/dtau = F Q - 1/2 Q Q^T Q`` of ``Q = [U^T; V]`` (see :class:`ScaledFlow`).

    Examples
    --------
    >>> scaled_flow().Q.shape
    (c + d, h)
    """
    flow = layer_flow()
    U, V = MatrixSymbol("U", h, d), MatrixSymbol("V", c, h)
    to_layers = {flow.W1: sp.sqrt(eta_w) * U, flow.W2: sp.sqrt(eta_a) * V}
    Udot = sp.expand(flow.W1dot.xreplace(to_layers) / (sp.sqrt(eta_w) * k**2)).doit()
    Vdot = sp.expand(flow.W2dot.xreplace(to_layers) / (sp.sqrt(eta_a) * k**2)).doit()
    S = flow.S
    F = BlockMatrix([[-lam_scaled / 2 * Identity(d), S.T / k], [S / k, lam_scaled / 2 * Identity(c)]])
    Q = BlockMatrix([[U.T], [V]])
    blocks = sp.block_collapse(F * Q - Q * Q.T * Q / 2).blocks
    return ScaledFlow(U=U, V=V, to_layers=to_layers, Udot=Udot, Vdot=Vdot,
                      balance=(V.T, V, U * U.T + lam_scaled * Identity(h)), F=F, Q=Q,
                      rhs=sp.Matrix([blocks[0, 0], blocks[1, 0]]))


@dataclasses.dataclass(frozen=True, eq=False)
class RiccatiEquation:
    """``P = Q Q^T`` under the scaled flow (:func:`riccati`), ``F`` symmetric of size ``n = d + c``.

    Attributes
    ----------
    F, Q : sympy.MatrixSymbol
        ``n x n`` and ``n x h``.
    Qdot : sympy.MatrixExpr
        ``F Q - 1/2 Q Q^T Q``.
    P, Pdot : sympy.MatrixExpr
        ``Q Q^T`` and its derivative by the product rule.
    rhs : sympy.MatrixExpr
        ``F P + P F - P^2``.
    symmetric : dict
        ``{F.T: F}``.

    Examples
    --------
    >>> from symrich.engine.rewrites import distribute_matrix_products
    >>> r = riccati()
    >>> distribute_matrix_products((r.Pdot - r.rhs).xreplace(r.symmetric))
    0
    """

    F: MatrixSymbol
    Q: MatrixSymbol
    Qdot: sp.MatrixExpr
    P: sp.MatrixExpr
    Pdot: sp.MatrixExpr
    rhs: sp.MatrixExpr
    symmetric: dict


def riccati():
    """The matrix Riccati equation ``dP/dtau = F P + P F - P^2`` of ``P = Q Q^T`` (see :class:`RiccatiEquation`).

    Examples
    --------
    >>> riccati().rhs
    -(Q*Q.T)**2 + F*Q*Q.T + Q*Q.T*F
    """
    F, Q = MatrixSymbol("F", n, n), MatrixSymbol("Q", n, h)
    Qdot = F * Q - Q * Q.T * Q / 2
    P = Q * Q.T
    return RiccatiEquation(F=F, Q=Q, Qdot=Qdot, P=P, Pdot=d_dtau(P, {Q: Qdot}), rhs=F * P + P * F - P * P,
                           symmetric={F.T: F})


@dataclasses.dataclass(frozen=True, eq=False)
class ClosedForm:
    """``P(tau) = M G^{-1} M^T`` with ``M = e^{F tau} Q0`` (:func:`closed_form`).

    SymPy has no exponential of a matrix symbol, so ``M`` and ``G^{-1}`` are
    symbols whose derivatives are given: ``M' = F M``, ``G' = M^T M`` (since
    ``F`` is symmetric, ``Q0^T e^{2 F tau} Q0 = M^T M``), hence
    ``(G^{-1})' = -G^{-1} M^T M G^{-1}``.  At ``tau = 0``: ``M = Q0``, ``G = I``.

    Attributes
    ----------
    F, Q0, M, Ginv : sympy.MatrixSymbol
    P : sympy.MatrixExpr
        ``M Ginv M^T``.
    rules : dict
        ``{M: F M, Ginv: -Ginv M^T M Ginv}``.
    Gdot : sympy.MatrixExpr
        ``M^T M``.
    at_zero : dict
        ``{M: Q0, Ginv: I}``.
    symmetric : dict
        ``{F.T: F, Ginv.T: Ginv}``.

    Examples
    --------
    >>> from symrich.engine.rewrites import distribute_matrix_products
    >>> cf = closed_form()
    >>> residual = d_dtau(cf.P, cf.rules) - (cf.F * cf.P + cf.P * cf.F - cf.P * cf.P)
    >>> distribute_matrix_products(residual.xreplace(cf.symmetric)), cf.P.xreplace(cf.at_zero).doit()
    (0, Q_0*Q_0.T)
    """

    F: MatrixSymbol
    Q0: MatrixSymbol
    M: MatrixSymbol
    Ginv: MatrixSymbol
    P: sp.MatrixExpr
    rules: dict
    Gdot: sp.MatrixExpr
    at_zero: dict
    symmetric: dict


def closed_form():
    """The solution ``P = e^{F tau} Q0 G^{-1} Q0^T e^{F tau}`` in terms of ``M`` and ``G^{-1}`` (see :class:`ClosedForm`).

    Examples
    --------
    >>> closed_form().P
    M*Ginv*M.T
    """
    F, Q0 = MatrixSymbol("F", n, n), MatrixSymbol("Q_0", n, h)
    M, Ginv = MatrixSymbol("M", n, h), MatrixSymbol("Ginv", h, h)
    return ClosedForm(F=F, Q0=Q0, M=M, Ginv=Ginv, P=M * Ginv * M.T,
                      rules={M: F * M, Ginv: -Ginv * M.T * M * Ginv}, Gdot=M.T * M,
                      at_zero={M: Q0, Ginv: Identity(h)}, symmetric={F.T: F, Ginv.T: Ginv})


@dataclasses.dataclass(frozen=True, eq=False)
class EigenbasisSolution:
    """The closed form for explicit sizes in the eigenbasis of ``F`` (:func:`eigenbasis_solution`).

    Attributes
    ----------
    mu : tuple of sympy.Symbol
        Eigenvalues of ``F``.
    Z : sympy.Matrix
        ``E^T Q0`` (``n x h``), free entries.
    F, D, Phi : sympy.Matrix
        ``diag(mu)``, ``diag(e^{mu_i tau})``, ``diag((e^{2 mu_i tau} - 1)/(2 mu_i))``.
    G : sympy.Matrix
        ``I + Z^T Phi Z``.
    P : sympy.Matrix
        ``D Z G^{-1} Z^T D``.

    Examples
    --------
    >>> sol = eigenbasis_solution(2, 1)
    >>> (sol.G.diff(tau) - sol.Z.T * sol.D**2 * sol.Z).applyfunc(sp.simplify)
    Matrix([[0]])
    """

    mu: tuple
    Z: sp.Matrix
    F: sp.Matrix
    D: sp.Matrix
    Phi: sp.Matrix
    G: sp.Matrix
    P: sp.Matrix


def eigenbasis_solution(n_, h_):
    """``P(tau)`` for explicit ``n x h`` in the eigenbasis (see :class:`EigenbasisSolution`).

    SymPy verifies ``P' = F P + P F - P^2`` here for ``(n, h) = (2, 1)`` in
    seconds; already ``(2, 2)`` takes minutes (the symbolic inverse of ``G``):
    use :func:`closed_form` for the general statement.

    Examples
    --------
    >>> sol = eigenbasis_solution(2, 1)
    >>> residual = sol.P.diff(tau) - (sol.F * sol.P + sol.P * sol.F - sol.P * sol.P)
    >>> residual.applyfunc(lambda x: sp.simplify(sp.together(x))) == sp.zeros(2, 2)
    True
    """
    mu = sp.symbols(f"mu_1:{n_ + 1}", real=True, nonzero=True)
    Z = sp.Matrix(n_, h_, lambda i, j: sp.Symbol(f"z_{i + 1}{j + 1}", real=True))
    D = sp.diag(*[sp.exp(m * tau) for m in mu])
    Phi = sp.diag(*[(sp.exp(2 * m * tau) - 1) / (2 * m) for m in mu])
    G = sp.eye(h_) + Z.T * Phi * Z
    return EigenbasisSolution(mu=mu, Z=Z, F=sp.diag(*mu), D=D, Phi=Phi, G=G, P=D * Z * G.inv() * Z.T * D)


def P_blocks():
    """The blocks of ``P = Q Q^T`` and what they are in the layers.

    Returns ``{"P11": (U^T U, W1^T W1/eta_w), "P21": (V U, beta/k), "P22": (V V^T, W2 W2^T/eta_a)}``
    with ``beta = W2 W1``: each pair is equal after ``U = W1/sqrt(eta_w)``, ``V = W2/sqrt(eta_a)``.

    Examples
    --------
    >>> f, blocks = scaled_flow(), P_blocks()
    >>> sp.block_collapse(f.Q * f.Q.T).blocks[1, 0] == blocks["P21"][0]
    True
    >>> flow = layer_flow()
    >>> sp.simplify((blocks["P21"][0].xreplace({f.U: flow.W1 / sp.sqrt(eta_w), f.V: flow.W2 / sp.sqrt(eta_a)})
    ...              - blocks["P21"][1]).doit())
    0
    """
    f, flow = scaled_flow(), layer_flow()
    W1, W2, U, V = flow.W1, flow.W2, f.U, f.V
    return {"P11": (U.T * U, W1.T * W1 / eta_w), "P21": (V * U, W2 * W1 / k), "P22": (V * V.T, W2 * W2.T / eta_a)}


@dataclasses.dataclass(frozen=True, eq=False)
class SingularPair:
    """``F`` on one singular pair ``S v = s u``, ``S^T u = s v`` (:func:`singular_pair`).

    On the plane of ``(v, 0)`` and ``(0, u)`` ``F`` is ``A = [[-a, b], [b, a]]``
    with ``a = lambda'/2``, ``b = s/k``; eigenvalues ``+-r``, ``r = sqrt(a^2 + b^2)``,
    eigenvectors ``(b, r + a)`` and ``(-(r + a), b)`` (unnormalised, squared
    length ``2 r (r + a)``).  The other input directions ``(v_perp, 0)`` have
    eigenvalue ``-a``, the other output directions ``(0, u_perp)`` ``+a``.

    Attributes
    ----------
    u, v : sympy.MatrixSymbol
        Unit singular vectors (``c x 1``, ``d x 1``).
    s, a, b, r : sympy.Expr
    singular : tuple
        The relations ``(S, v, s u)`` and ``(S.T, u, s v)`` for :func:`replace_adjacent`.
    A : sympy.Matrix
        The ``2 x 2`` block.
    e_plus, e_minus : sympy.Matrix
        Its eigenvectors for ``+r`` and ``-r``.
    F_on_plane : sympy.Matrix
        ``F (x v; y u)`` for symbols ``x, y``, as blocks.

    Examples
    --------
    >>> p = singular_pair()
    >>> (p.A * p.e_plus - p.r * p.e_plus).applyfunc(sp.expand), (p.A * p.e_minus + p.r * p.e_minus).applyfunc(sp.expand)
    (Matrix([
    [0],
    [0]]), Matrix([
    [0],
    [0]]))
    """

    u: MatrixSymbol
    v: MatrixSymbol
    s: sp.Symbol
    a: sp.Expr
    b: sp.Expr
    r: sp.Expr
    singular: tuple
    A: sp.Matrix
    e_plus: sp.Matrix
    e_minus: sp.Matrix
    F_on_plane: sp.Matrix


def singular_pair():
    """The eigen-structure of ``F`` on a singular pair of ``S`` (see :class:`SingularPair`).

    Examples
    --------
    >>> p = singular_pair()
    >>> x, y = sp.symbols("x y", real=True)
    >>> top = replace_adjacent(p.F_on_plane[0], *p.singular[1])
    >>> sp.expand(top - (p.A[0, 0] * x + p.A[0, 1] * y) * p.v).doit()
    0
    """
    flow = layer_flow()
    S = flow.S
    u, v = MatrixSymbol("u", c, 1), MatrixSymbol("v", d, 1)
    s = sp.Symbol("s", nonnegative=True)
    a, b = lam_scaled / 2, s / k
    r = sp.sqrt(a**2 + b**2)
    A = sp.Matrix([[-a, b], [b, a]])
    x, y = sp.symbols("x y", real=True)
    F = scaled_flow().F
    plane = BlockMatrix([[x * v], [y * u]])
    blocks = sp.block_collapse(F * plane).blocks
    return SingularPair(u=u, v=v, s=s, a=a, b=b, r=r, singular=((S, v, s * u), (S.T, u, s * v)), A=A,
                        e_plus=sp.Matrix([b, r + a]), e_minus=sp.Matrix([-(r + a), b]),
                        F_on_plane=sp.Matrix([blocks[0, 0], blocks[1, 0]]))


@dataclasses.dataclass(frozen=True, eq=False)
class SingleNeuronCase:
    """``h = c = 1``: the single neuron ``f(x) = a w^T x`` (:func:`single_neuron_case`).

    Attributes
    ----------
    a : sympy.Symbol
        The readout (``W2 = [[a]]``).
    w, beta_star : sympy.Matrix
        ``d x 1``; ``W1 = w^T``, ``S = beta_star^T``.
    W1, W2, S : sympy.Matrix
    Delta : sympy.Matrix
        ``[[eta_w a^2 - eta_a w^T w]]``: ``lambda`` is the single neuron's ``delta``.
    Q0 : sympy.Matrix
        ``[w/sqrt(eta_w); a/sqrt(eta_a)]``.
    F : sympy.Matrix
        ``[[-lambda'/2 I_d, beta_star/k], [beta_star^T/k, lambda'/2]]``.

    Examples
    --------
    >>> case = single_neuron_case(2)
    >>> case.Delta[0, 0]
    a**2*eta_w - eta_a*w_1**2 - eta_a*w_2**2
    """

    a: sp.Symbol
    w: sp.Matrix
    beta_star: sp.Matrix
    W1: sp.Matrix
    W2: sp.Matrix
    S: sp.Matrix
    Delta: sp.Matrix
    Q0: sp.Matrix
    F: sp.Matrix


def single_neuron_case(d_):
    """The closed form's objects for ``h = c = 1`` and explicit ``d`` (see :class:`SingleNeuronCase`).

    Examples
    --------
    >>> single_neuron_case(1).F
    Matrix([
    [                    -lambda'/2, beta_star_1/(sqrt(eta_a)*sqrt(eta_w))],
    [beta_star_1/(sqrt(eta_a)*sqrt(eta_w)),                      lambda'/2]])
    """
    from symrich.symbolic.symbols import a, vector

    w, bs = vector("w", d_), vector("beta_star", d_)
    W1, W2, S = w.T, sp.Matrix([[a]]), bs.T
    Delta = (eta_w * W2.T * W2 - eta_a * W1 * W1.T).applyfunc(sp.expand)
    Q0 = sp.Matrix.vstack(w / sp.sqrt(eta_w), sp.Matrix([[a / sp.sqrt(eta_a)]]))
    F = sp.Matrix(sp.BlockMatrix([[-lam_scaled / 2 * sp.eye(d_), bs / k], [bs.T / k, sp.Matrix([[lam_scaled / 2]])]]))
    return SingleNeuronCase(a=a, w=w, beta_star=bs, W1=W1, W2=W2, S=S, Delta=Delta, Q0=Q0, F=F)
