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
* the aligned singular-value dynamics: the rate, the Riccati variable
  ``v = sigma + sqrt(sigma^2 + kappa^2)`` with ``kappa = |delta| / (2 sqrt(eta))``,
  its explicit solution in a textbook form and in the cancellation-free form that
  :mod:`symrich.wide_linear` compiles, the time ``t(sigma)``, and the hyperbolic
  entropy ``q_delta``.

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

#: ``kappa = |delta| / (2 sqrt(eta))``, and singular values.
kappa = sp.Symbol("kappa", nonnegative=True)
sigma = sp.Symbol("sigma", nonnegative=True)
sigma0 = sp.Symbol("sigma_0", nonnegative=True)
#: Riccati variable ``v = sigma + sqrt(sigma^2 + kappa^2) > 0`` and its initial value.
v = sp.Symbol("v", positive=True)
v0 = sp.Symbol("v_0", positive=True)
#: ``E = exp(-2 R sqrt(eta) t)`` and ``phi = (1 - E) / (2 R)``, computed stably by the numeric layer.
E = sp.Symbol("E", positive=True)
phi = sp.Symbol("phi", nonnegative=True)

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


# --------------------------------------------------------------------------
# aligned singular values


def kappa_of(delta_=delta):
    """``kappa = |delta| / (2 sqrt(eta_a eta_w))``.

    Examples
    --------
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> kappa_of(-2).subs({eta_a: 1, eta_w: 4})
    1/2
    """
    return sp.Abs(delta_) / (2 * sp.sqrt(_eta))


def sigma_rate(sigma_=sigma, s_=s, delta_=delta):
    """``sigma' = -2 sqrt(eta sigma^2 + delta^2/4) (sigma - s)``.

    Examples
    --------
    >>> from symrich.symbolic.symbols import eta_a, eta_w, s
    >>> sigma_rate(s, s)
    0
    >>> sigma_rate(1, 2, 0).subs({eta_a: 1, eta_w: 1})
    2
    """
    return -2 * sp.sqrt(_eta * sigma_**2 + delta_**2 / 4) * (sigma_ - s_)


def v_of_sigma(sigma_=sigma, kappa_=kappa):
    """``v = sigma + sqrt(sigma^2 + kappa^2)``.

    Examples
    --------
    >>> v_of_sigma(3, 4), v_of_sigma(0, 4)
    (8, 4)
    """
    return sigma_ + sp.sqrt(sigma_**2 + kappa_**2)


def sigma_of_v(v_=v, kappa_=kappa):
    """``sigma = (v^2 - kappa^2) / (2 v)`` (inverse of :func:`v_of_sigma`).

    Examples
    --------
    >>> import sympy as sp
    >>> sigma_of_v(v_of_sigma(3, 4), 4)
    3
    >>> sp.simplify(sigma_of_v(v_of_sigma()) - sigma)
    0
    """
    return (v_**2 - kappa_**2) / (2 * v_)


def _R(s_, kappa_):
    return sp.sqrt(s_**2 + kappa_**2)


def v_plus(s_=s, kappa_=kappa):
    """``v_+ = s + sqrt(s^2 + kappa^2)``: the attracting root (``sigma = s``).

    Examples
    --------
    >>> v_plus(3, 4), sigma_of_v(v_plus(3, 4), 4)
    (8, 3)
    """
    return s_ + _R(s_, kappa_)


def v_minus(s_=s, kappa_=kappa):
    """``v_- = s - sqrt(s^2 + kappa^2) = -kappa^2 / (s + sqrt(s^2 + kappa^2))`` (repelling root, <= 0).

    Examples
    --------
    >>> import sympy as sp
    >>> v_minus(3, 4)
    -2
    >>> sp.expand(v_plus() * v_minus())
    -kappa**2
    """
    return s_ - _R(s_, kappa_)


def riccati_rhs(v_=v, s_=s, kappa_=kappa):
    """``v' = sqrt(eta) (-v^2 + 2 s v + kappa^2)``.

    Examples
    --------
    >>> riccati_rhs(v_plus(3, 4), 3, 4), riccati_rhs(v_minus(3, 4), 3, 4)
    (0, 0)
    """
    return sp.sqrt(_eta) * (-v_**2 + 2 * s_ * v_ + kappa_**2)


def v_trajectory(t_=t, v0_=v0, s_=s, kappa_=kappa):
    """Textbook solution of the Riccati equation from ``v(0) = v0``.

    ``v = [v+ (v0 - v-) - v- (v0 - v+) e^{-2 R sqrt(eta) t}] / [(v0 - v-) - (v0 - v+) e^{-2 R sqrt(eta) t}]``.

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> sp.simplify(v_trajectory(0) - v0)
    0
    >>> round(float(v_trajectory(10, 1, 3, 4).subs({eta_a: 1, eta_w: 1})), 6)
    8.0
    """
    R = _R(s_, kappa_)
    vp, vm = v_plus(s_, kappa_), v_minus(s_, kappa_)
    e = sp.exp(-2 * R * sp.sqrt(_eta) * t_)
    return (vp * (v0_ - vm) - vm * (v0_ - vp) * e) / ((v0_ - vm) - (v0_ - vp) * e)


def v_gap_stable(x_, s_=s, kappa_=kappa):
    """``v(x) - v_+ = (x - s)(1 + (x + s)/(sqrt(x^2 + kappa^2) + sqrt(s^2 + kappa^2)))`` (no cancellation).

    Examples
    --------
    >>> v_gap_stable(0, 3, 4), v_of_sigma(0, 4) - v_plus(3, 4)
    (-4, -4)
    """
    return (x_ - s_) * (1 + (x_ + s_) / (sp.sqrt(x_**2 + kappa_**2) + _R(s_, kappa_)))


def v_trajectory_stable(sigma0_=sigma0, s_=s, kappa_=kappa, E_=E, phi_=phi):
    """``(v - v_+, v)`` in the cancellation-free form, with ``E = e^{-2 R sqrt(eta) t}``, ``phi = (1 - E)/(2R)``.

    ``v - v_+ = b E / (1 + b phi)`` with ``b = v0 - v_+`` from :func:`v_gap_stable`;
    continuous at ``R = 0`` (where ``phi = sqrt(eta) t``).

    Examples
    --------
    >>> v_trajectory_stable(0, 3, 4, 1, 0)
    (-4, 4)
    >>> v_of_sigma(0, 4)
    4
    """
    b = v_gap_stable(sigma0_, s_, kappa_)
    gap = b * E_ / (1 + b * phi_)
    return gap, v_plus(s_, kappa_) + gap


def sigma_of_v_stable(gap, v_, s_=s, kappa_=kappa):
    """``sigma = s + (v - v_+)(v - v_+ + 2R) / (2 v)``, i.e. :func:`sigma_of_v` written around ``s``.

    Examples
    --------
    >>> import sympy as sp
    >>> sigma_of_v_stable(-4, 4, 3, 4), sigma_of_v(sp.S(4), 4)
    (0, 0)
    """
    return s_ + gap * (gap + 2 * _R(s_, kappa_)) / (2 * v_)


def sigma_rising_stable(sigma0_=sigma0, s_=s, kappa_=kappa, E_=E, phi_=phi):
    """``sigma = sigma0 + (v - v0)(1 + kappa^2/(v v0))/2``, :func:`sigma_of_v` written around the start.

    With ``b = v0 - v_+`` (:func:`v_gap_stable`), ``v0 - v_- = v0 + kappa^2/(s + R)`` and
    ``1 + b phi = (v0 - v_- - b E)/(2R)``, the solution ``v = v_+ + b E/(1 + b phi)`` moves by
    ``v - v0 = -2R b phi (v0 - v_-)/(v0 - v_- - b E)``.  For ``sigma0 <= s`` (``b <= 0``, ``R > 0``
    unless ``sigma0 = s = delta = 0``) every term is ``>= 0``: no cancellation, also for
    ``sigma0 << s`` where :func:`sigma_of_v_stable` subtracts ``s`` from nearly ``s``.

    Examples
    --------
    >>> import sympy as sp
    >>> sigma_rising_stable(0, 3, 4, 1, 0)
    0
    >>> E1 = sp.exp(-10)
    >>> gap, v1 = v_trajectory_stable(0, 3, 4, E1, (1 - E1) / 10)
    >>> sp.simplify(sigma_rising_stable(0, 3, 4, E1, (1 - E1) / 10) - sigma_of_v(v1, 4))
    0
    """
    b = v_gap_stable(sigma0_, s_, kappa_)
    v0_ = v_of_sigma(sigma0_, kappa_)
    R = _R(s_, kappa_)
    spread = v0_ + kappa_**2 / (s_ + R)
    rise = -2 * R * b * phi_ * spread / (spread - b * E_)
    v_ = v0_ + rise
    return sigma0_ + rise / 2 * (1 + (kappa_ / v_) * (kappa_ / v0_))


def time_of_v(v_=v, v0_=v0, s_=s, kappa_=kappa):
    """``t = log[(v - v-)(v0 - v+) / ((v - v+)(v0 - v-))] / (2 R sqrt(eta))``.

    Examples
    --------
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> time_of_v(v0)
    0
    >>> round(float(time_of_v(v_trajectory(1, 1, 3, 4), 1, 3, 4).subs({eta_a: 1, eta_w: 1})), 6)
    1.0
    """
    R = _R(s_, kappa_)
    vp, vm = v_plus(s_, kappa_), v_minus(s_, kappa_)
    return sp.log((v_ - vm) * (v0_ - vp) / ((v_ - vp) * (v0_ - vm))) / (2 * R * sp.sqrt(_eta))


def time_to_reach_stable(sigma_=sigma, sigma0_=sigma0, s_=s, kappa_=kappa):
    """:func:`time_of_v` as ``log1p[((v0 - v)/(v - v+)) (2R/(v0 - v-))] / (2 R sqrt(eta))``.

    One logarithm: ``(1 + (v - v0)/(v0 - v-))(1 + (v0 - v)/(v - v+)) = 1 + 2R (v0 - v)/((v0 - v-)(v - v+))``
    (as ``v- - v+ = -2R``); the sum of the two logarithms cancels for ``sigma0 >> s`` (a negative time).
    The pieces are free of cancellation: ``v - v0 = (sigma - sigma0)(1 + (sigma + sigma0)/(r + r0))``,
    ``v0 - v- = sigma0 + r0 + kappa^2/(s + R)``, ``v - v+`` by :func:`v_gap_stable`; the two quotients are
    kept apart (``sp.UnevaluatedExpr``) so that no product of two large factors overflows.

    Examples
    --------
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> time_to_reach_stable(sigma0).doit()  # doit() releases the grouping of the two quotients
    0
    >>> point = {eta_a: 1, eta_w: 1}
    >>> t_stable = time_to_reach_stable(1, 0, 3, 4).subs(point).doit()
    >>> t_plain = time_of_v(v_of_sigma(1, 4), v_of_sigma(0, 4), 3, 4).subs(point)
    >>> abs(float(t_stable - t_plain)) < 1e-12
    True
    """
    from sympy.codegen.cfunctions import log1p

    R = _R(s_, kappa_)
    r, r0 = sp.sqrt(sigma_**2 + kappa_**2), sp.sqrt(sigma0_**2 + kappa_**2)
    dv = (sigma_ - sigma0_) * (1 + (sigma_ + sigma0_) / (r + r0))
    v0_minus_vm = sigma0_ + r0 + kappa_**2 / (s_ + R)
    gap = v_gap_stable(sigma_, s_, kappa_)
    q = sp.UnevaluatedExpr(-dv / gap) * sp.UnevaluatedExpr(2 * R / v0_minus_vm)
    return log1p(q) / (2 * R * sp.sqrt(_eta))


def time_to_reach_critical(sigma_=sigma, sigma0_=sigma0):
    """``t(sigma)`` at ``R = 0`` (``s = 0``, ``delta = 0``): ``sigma' = -2 sqrt(eta) sigma^2``, ``t = (1/sigma - 1/sigma0)/(2 sqrt(eta))``.

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> time_to_reach_critical(sp.S(1), sp.S(2)).subs({eta_a: 1, eta_w: 1})
    1/4
    """
    return (1 / sigma_ - 1 / sigma0_) / (2 * sp.sqrt(_eta))


def saxe_sigmoid(t_=t, sigma0_=sigma0, s_=s):
    """``delta = 0``: ``sigma = s sigma0 e^{2 s sqrt(eta) t} / (s + sigma0 (e^{2 s sqrt(eta) t} - 1))`` (Saxe et al. 2014).

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.symbolic.symbols import eta_a, eta_w
    >>> saxe_sigmoid(0)
    sigma_0
    >>> round(float(saxe_sigmoid(10, sp.Rational(1, 100), 1).subs({eta_a: 1, eta_w: 1})), 6)
    1.0
    """
    e = sp.exp(2 * s_ * sp.sqrt(_eta) * t_)
    return s_ * sigma0_ * e / (s_ + sigma0_ * (e - 1))


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
