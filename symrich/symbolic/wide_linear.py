"""Symbolic layer, wide two-layer linear network ``f(x) = A^T W x``: the expressions the derivations prove.

Shapes: ``W`` is ``h x d``, ``A`` is ``h x c``, ``beta = W^T A`` is ``d x c``;
data ``X`` (``n x d``), targets ``Y`` (``n x c``), loss ``1/2 ||X beta - Y||_F^2``
and ``G = X^T (X beta - Y)``.

Three groups of expressions live here:

* the coordinate-free flow (:func:`parameter_flow`, matrix symbols of symbolic
  size ``d, h, c, n``), the conserved matrix ``Delta`` and the beta-flow of
  Theorem 4.2 with learning rates (:func:`beta_flow_rhs`);
* explicit small networks built by the balanced-initialisation recipes of
  :func:`symrich.wide_linear.balanced_init` (:func:`balanced_network`), with the symmetric PSD square root of
  a ``2 x 2`` (or ``1 x 1``) matrix in closed form (:func:`sqrt_psd_2x2`), for the
  randomized 30-digit checks;
* the aligned singular-value dynamics, written in
  :mod:`symrich.symbolic.wide_linear_singular_values` and re-exported here, and
  the hyperbolic entropy ``q_delta``.

``kappa`` is not called ``c`` here, since ``c`` is the output width.  ``eta``
always means ``eta_a * eta_w``.

>>> from symrich.symbolic.wide_linear import sigma_rate
>>> from symrich.symbolic.symbols import delta, eta_a, eta_w, s
>>> import sympy as sp
>>> x = sp.Symbol("x", positive=True)
>>> sigma_rate(x, s, 0).subs({eta_a: 1, eta_w: 1})
-2*x*(-s + x)
"""

from __future__ import annotations

import dataclasses

import sympy as sp

from symrich.symbolic.symbols import d, delta, eta_a, eta_w, n, s, t
from symrich.symbolic.wide_linear_singular_values import (  # noqa: F401  (re-exported)
    E, kappa, kappa_of, phi, riccati_rhs, saxe_sigmoid, sigma, sigma0, sigma_of_v, sigma_of_v_stable, sigma_rate,
    sigma_rising_stable, time_of_v, time_to_reach_critical, time_to_reach_stable, v, v0, v_gap_stable, v_minus,
    v_of_sigma, v_plus, v_trajectory, v_trajectory_stable)

__all__ = [
    "WideFlow",
    "h", "c", "kappa", "sigma", "sigma0", "v", "v0", "E", "phi",
    "parameter_flow",
    "conserved_Delta",
    "beta_flow_rhs",
    "sqrt_psd_2x2",
    "rotation",
    "balanced_network",
    "ntk_kronecker",
    "sigma_rate",
    "kappa_of",
    "v_of_sigma",
    "sigma_of_v",
    "v_plus",
    "v_minus",
    "riccati_rhs",
    "v_trajectory",
    "v_trajectory_stable",
    "sigma_of_v_stable",
    "sigma_rising_stable",
    "v_gap_stable",
    "time_of_v",
    "time_to_reach_stable",
    "time_to_reach_critical",
    "saxe_sigmoid",
    "q_delta",
    "q_delta_prime",
    "q_delta_second",
    "root_factors",
]

#: Hidden width and output width (symbolic sizes).
h = sp.Symbol("h", integer=True, positive=True)
c = sp.Symbol("c", integer=True, positive=True)

_eta = eta_a * eta_w


@dataclasses.dataclass(frozen=True, eq=False)
class WideFlow:
    """The wide linear network's loss and gradient flow, coordinate-free (:func:`parameter_flow`).

    Attributes
    ----------
    W, A : sympy.MatrixSymbol
        First layer (``h x d``) and readout (``h x c``).
    X, Y : sympy.MatrixSymbol
        Data (``n x d``) and targets (``n x c``).
    beta : sympy.MatrixExpr
        ``W^T A`` (``d x c``).
    R : sympy.MatrixExpr
        Residuals ``X beta - Y``.
    L : sympy.Expr
        Loss ``1/2 tr(R^T R)``.
    G : sympy.MatrixExpr
        ``X^T R``.
    dL_dW, dL_dA : sympy.MatrixExpr
        Gradients computed by SymPy's matrix calculus.
    Wdot, Adot, betadot : sympy.MatrixExpr
        The flow ``-eta_w A G^T``, ``-eta_a W G`` and ``Wdot^T A + W^T Adot``.
    P, Q : sympy.MatrixExpr
        ``W^T W`` and ``A^T A``.

    Examples
    --------
    >>> parameter_flow().P
    W.T*W
    """

    W: sp.MatrixSymbol
    A: sp.MatrixSymbol
    X: sp.MatrixSymbol
    Y: sp.MatrixSymbol
    beta: sp.MatrixExpr
    R: sp.MatrixExpr
    L: sp.Expr
    G: sp.MatrixExpr
    dL_dW: sp.MatrixExpr
    dL_dA: sp.MatrixExpr
    Wdot: sp.MatrixExpr
    Adot: sp.MatrixExpr
    betadot: sp.MatrixExpr
    P: sp.MatrixExpr
    Q: sp.MatrixExpr



def parameter_flow(d_=d, h_=h, c_=c, n_=n):
    """Loss, gradients and gradient flow of the wide linear network, coordinate-free.

    Returns a :class:`WideFlow` with matrix symbols ``W`` (h x d), ``A`` (h x c),
    ``X`` (n x d), ``Y`` (n x c); ``beta = W^T A``; ``R = X beta - Y``;
    ``L = 1/2 tr(R^T R)``; ``G = X^T R``; the gradients ``dL_dW``, ``dL_dA``
    computed by SymPy's matrix calculus; the flow ``Wdot = -eta_w A G^T``,
    ``Adot = -eta_a W G`` and ``betadot = Wdot^T A + W^T Adot``; ``P = W^T W``
    and ``Q = A^T A``.

    Examples
    --------
    >>> f = parameter_flow()
    >>> f.beta
    W.T*A
    >>> f.betadot.shape == f.beta.shape
    True
    """
    W = sp.MatrixSymbol("W", h_, d_)
    A = sp.MatrixSymbol("A", h_, c_)
    X = sp.MatrixSymbol("X", n_, d_)
    Y = sp.MatrixSymbol("Y", n_, c_)
    beta = W.T * A
    R = X * beta - Y
    L = sp.Trace(R.T * R) / 2
    G = X.T * R
    Wdot = -eta_w * A * G.T
    Adot = -eta_a * W * G
    return WideFlow(
        W=W, A=A, X=X, Y=Y, beta=beta, R=R, L=L, G=G,
        dL_dW=L.diff(W), dL_dA=L.diff(A),
        Wdot=Wdot, Adot=Adot, betadot=Wdot.T * A + W.T * Adot,
        P=W.T * W, Q=A.T * A,
    )


def conserved_Delta(W, A):
    """``Delta = eta_w A A^T - eta_a W W^T`` (``h x h``).

    Examples
    --------
    >>> import sympy as sp
    >>> conserved_Delta(sp.Matrix([[1, 0]]), sp.Matrix([[2]]))
    Matrix([[-eta_a + 4*eta_w]])
    """
    return eta_w * A * A.T - eta_a * W * W.T


def _eye(k, explicit):
    return sp.eye(k) if explicit else sp.Identity(k)


def beta_flow_rhs(G, S_left, S_right, delta_=delta):
    """``-(S_left - delta/2 I) G - G (S_right + delta/2 I)``.

    With ``S_left = sqrt(eta beta beta^T + delta^2/4 I_d)`` and
    ``S_right = sqrt(eta beta^T beta + delta^2/4 I_c)`` this is the beta-flow of
    Theorem 4.2 with learning rates.

    Examples
    --------
    >>> import sympy as sp
    >>> beta_flow_rhs(sp.Matrix([[1]]), sp.Matrix([[2]]), sp.Matrix([[2]]))
    Matrix([[-4]])
    """
    explicit = isinstance(G, sp.MatrixBase)
    dd, cc = G.shape
    return -(S_left - delta_ / 2 * _eye(dd, explicit)) * G - G * (S_right + delta_ / 2 * _eye(cc, explicit))


def sqrt_psd_2x2(M):
    """Symmetric PSD square root of an explicit symmetric PSD ``1 x 1`` or ``2 x 2`` matrix ``M != 0``.

    For ``2 x 2``: ``(M + sqrt(det M) I) / sqrt(tr M + 2 sqrt(det M))`` (Cayley-Hamilton);
    its eigenvalues ``(lambda_i + sqrt(lambda_1 lambda_2)) / (sqrt(lambda_1) + sqrt(lambda_2))``
    are ``sqrt(lambda_i) >= 0``.

    Examples
    --------
    >>> import sympy as sp
    >>> M = sp.Matrix([[5, 4], [4, 5]])
    >>> S = sqrt_psd_2x2(M)
    >>> S
    Matrix([
    [2, 1],
    [1, 2]])
    >>> S**2 == M
    True
    """
    M = sp.Matrix(M)
    if M.shape == (1, 1):
        return sp.Matrix([[sp.sqrt(M[0, 0])]])
    if M.shape != (2, 2):
        raise ValueError(f"sqrt_psd_2x2 needs a 1x1 or 2x2 matrix, got shape {M.shape}")
    root_det = sp.sqrt(M[0, 0] * M[1, 1] - M[0, 1] * M[1, 0])  # no Matrix.det(): it simplifies
    return (M + root_det * sp.eye(2)) / sp.sqrt(M[0, 0] + M[1, 1] + 2 * root_det)


def rotation(theta, k):
    """A ``k x k`` rotation (``k`` = 1 or 2) by angle ``theta``; ``k = 1`` gives ``[1]``.

    Examples
    --------
    >>> import sympy as sp
    >>> rotation(sp.pi / 2, 2)
    Matrix([
    [0, -1],
    [1,  0]])
    >>> rotation(sp.pi / 2, 1)
    Matrix([[1]])
    """
    if k == 1:
        return sp.Matrix([[1]])
    if k == 2:
        return sp.Matrix([[sp.cos(theta), -sp.sin(theta)], [sp.sin(theta), sp.cos(theta)]])
    raise ValueError(f"rotation: k must be 1 or 2, got {k}")


def balanced_network(kind, dd, cc, hh=None, delta_=delta, prefix=""):
    """Explicit ``(W, A)`` with ``Delta = delta I_h``, by the recipes of :func:`symrich.wide_linear.balanced_init`.

    ``kind`` is ``"positive"`` (``h = c <= 2``, ``W`` free, ``A = ((eta_a W W^T +
    delta I)/eta_w)^{1/2} O``), ``"negative"`` (``h = d <= 2``, ``A`` free, ``W =
    ((eta_w A A^T - delta I)/eta_a)^{1/2} O``) or ``"zero"`` (``W = U S V_1^T``,
    ``A = sqrt(eta_a/eta_w) U S V_2^T``; ``h = d = c = 2`` with rotations, or
    ``h = 1`` with ``U = 1`` and unit rows parametrised by angles).  Free entries are fresh real
    symbols; returns ``(W, A, free_symbols)``.

    Examples
    --------
    >>> W, A, free = balanced_network("positive", 1, 1)
    >>> free, conserved_Delta(W, A).expand()
    ((W_11,), Matrix([[delta]]))
    """
    theta = sp.Symbol(f"theta{prefix}", real=True)
    if kind == "positive":
        W = sp.Matrix(cc, dd, lambda i, j: sp.Symbol(f"W{prefix}_{i + 1}{j + 1}", real=True))
        A = sqrt_psd_2x2((eta_a * W * W.T + delta_ * sp.eye(cc)) / eta_w) * rotation(theta, cc)
        return W, A, tuple(W) + ((theta,) if cc == 2 else ())
    if kind == "negative":
        A = sp.Matrix(dd, cc, lambda i, j: sp.Symbol(f"A{prefix}_{i + 1}{j + 1}", real=True))
        W = sqrt_psd_2x2((eta_w * A * A.T - delta_ * sp.eye(dd)) / eta_a) * rotation(theta, dd)
        return W, A, tuple(A) + ((theta,) if dd == 2 else ())
    if kind == "zero":
        if hh == 2 and dd == 2 and cc == 2:
            # W = U S V_1^T, A = sqrt(eta_a/eta_w) U S V_2^T with 2 x 2 rotations U, V_1, V_2.
            S = sp.diag(sp.Symbol(f"S{prefix}_1", positive=True), sp.Symbol(f"S{prefix}_2", positive=True))
            th = [sp.Symbol(f"theta{prefix}_{k}", real=True) for k in (0, 1, 2)]
            U, V1, V2 = (rotation(x, 2) for x in th)
            W = U * S * V1.T
            A = sp.sqrt(eta_a / eta_w) * U * S * V2.T
            return W, A, (S[0, 0], S[1, 1], *th)
        if hh not in (None, 1):
            raise ValueError("balanced_network('zero') builds h = 1 (d, c <= 2) or h = d = c = 2")
        scale = sp.Symbol(f"S{prefix}", positive=True)
        t1, t2 = sp.Symbol(f"theta{prefix}_1", real=True), sp.Symbol(f"theta{prefix}_2", real=True)

        def unit(th, k):
            return sp.Matrix([[sp.cos(th), sp.sin(th)]]) if k == 2 else sp.Matrix([[1]])

        W = scale * unit(t1, dd)
        A = sp.sqrt(eta_a / eta_w) * scale * unit(t2, cc)
        return W, A, (scale, t1, t2)
    raise ValueError(f"kind must be 'positive', 'negative' or 'zero', got {kind!r}")


def ntk_kronecker(X, P, Q):
    """``K = eta_a (X P X^T) (x) I_c + eta_w (X X^T) (x) Q`` for explicit matrices (row-major outputs).

    Examples
    --------
    >>> import sympy as sp
    >>> ntk_kronecker(sp.Matrix([[1, 0]]), sp.eye(2), sp.Matrix([[2]]))
    Matrix([[eta_a + 2*eta_w]])
    """
    from sympy.physics.quantum import TensorProduct

    cc = Q.shape[0]
    return eta_a * TensorProduct(X * P * X.T, sp.eye(cc)) + eta_w * TensorProduct(X * X.T, Q)


def q_delta(x, delta_=delta):
    """Hyperbolic entropy ``q = [x asinh(2 sqrt(eta) x/|delta|) - sqrt(x^2 + delta^2/(4 eta))] / (2 sqrt(eta))``.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x", positive=True)
    >>> sp.simplify(sp.diff(q_delta(x), x) - q_delta_prime(x))
    0
    """
    se = sp.sqrt(_eta)
    return (x * sp.asinh(2 * se * x / sp.Abs(delta_)) - sp.sqrt(x**2 + delta_**2 / (4 * _eta))) / (2 * se)


def q_delta_prime(x, delta_=delta):
    """``q' = asinh(2 sqrt(eta) x / |delta|) / (2 sqrt(eta))``.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x", positive=True)
    >>> q_delta_prime(0)
    0
    >>> sp.simplify(sp.diff(q_delta_prime(x), x) - q_delta_second(x))
    0
    """
    se = sp.sqrt(_eta)
    return sp.asinh(2 * se * x / sp.Abs(delta_)) / (2 * se)


def q_delta_second(x, delta_=delta):
    """``q'' = 1 / (2 sqrt(eta x^2 + delta^2/4))``.

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> q_delta_second(0, sp.S(2)).subs({eta_a: 1, eta_w: 1})
    1/2
    """
    return 1 / (2 * sp.sqrt(_eta * x**2 + delta_**2 / 4))


def root_factors(lam, delta_=delta):
    """Eigenvalue factors of the beta-flow, for an eigenvalue ``lam >= 0`` of ``eta beta beta^T`` (or ``beta^T beta``).

    Returns ``(left, left_stable, right, right_stable)``: ``left = sqrt(lam +
    delta^2/4) - delta/2`` and ``right = sqrt(lam + delta^2/4) + delta/2``, and
    their rationalised forms ``lam / (sqrt(lam + delta^2/4) + delta/2)`` and
    ``lam / (sqrt(lam + delta^2/4) - delta/2)``, free of cancellation for
    ``delta > 0`` (left) and ``delta < 0`` (right).

    Examples
    --------
    >>> import sympy as sp
    >>> root_factors(sp.S(8), sp.S(2))
    (2, 2, 4, 4)
    """
    root = sp.sqrt(lam + delta_**2 / 4)
    return (root - delta_ / 2, lam / (root + delta_ / 2), root + delta_ / 2, lam / (root - delta_ / 2))
