"""Symbolic layer, two-layer piecewise-linear network ``f(x) = sum_k a_k sigma(w_k^T x)``.

The activations are the positively homogeneous two-slope functions

    ``sigma_alpha(z) = z`` for ``z > 0`` and ``alpha z`` for ``z <= 0``,

with ``alpha = 0`` (ReLU), ``0 < alpha < 1`` (leaky ReLU), ``alpha = -1``
(absolute value) and ``alpha = 1`` (identity, the linear network).  Their
derivative is taken by SymPy (:func:`dsigma`), with the convention
``sigma'(0) = alpha``; every statement below holds for any choice of
``sigma'(0)`` because ``sigma(0) = 0``.

Three representations are used:

* one neuron ``k`` coordinate-free (:func:`neuron_flow`): ``w_k`` a ``d x 1``
  matrix symbol, data ``X`` of symbolic size ``n x d``, the activation pattern
  ``D_k = diag(c_k)`` with ``c_ki = sigma'(w_k^T x_i)``, and the other neurons'
  outputs lumped into an ``n x 1`` symbol ``o``;
* the whole network in explicit components (:func:`network_components`) with an
  undefined ``sigma`` (any differentiable activation) or a concrete one, for the
  chain rule and as a cross-check;
* scalar functions of ``(delta, rho)`` and of the components of ``g_k`` along
  and across ``beta_k`` (:func:`directional_factor`, :func:`angular_to_parameter_speed_sq`, ...),
  which the numeric layer :mod:`symrich.piecewise_linear` compiles.

Per neuron the flow has the single-neuron structure with the neuron-specific
``g_k = X^T D_k r``, so the single-neuron expressions of
:mod:`symrich.symbolic.single_neuron` are reused, not rewritten.

>>> from symrich.symbolic.piecewise_linear import sigma, dsigma, z
>>> sigma(z, 0)
Piecewise((z, z > 0), (0, True))
>>> dsigma(z, -1)
Piecewise((1, z > 0), (-1, True))
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import sympy as sp

from symrich.symbolic.single_neuron import R_of, conserved_delta, m_perp
from symrich.symbolic.symbols import a, d, delta, eta_a, eta_w, matrix, n, rho, t

__all__ = [
    "NeuronFlow",
    "NetworkComponents",
    "PatternFlow",
    "z",
    "alpha",
    "SLOPES",
    "sigma",
    "dsigma",
    "native_activation",
    "neuron_flow",
    "network_components",
    "pattern_flow",
    "radial_factor",
    "directional_factor",
    "directional_fraction",
    "angular_speed_sq",
    "parameter_speed_sq",
    "function_speed_sq",
    "angular_to_parameter_speed_sq",
]

#: Pre-activation (a real number).
z = sp.Symbol("z", real=True)
#: Slope of the activation for ``z <= 0``.
alpha = sp.Symbol("alpha", real=True)
#: Named activations and their negative-side slope.
SLOPES = {"relu": sp.S.Zero, "abs": -sp.S.One, "linear": sp.S.One}

# scalar symbols for the speeds
g_par = sp.Symbol("g_par", real=True)  # beta_hat^T g
g_perp = sp.Symbol("g_perp", nonnegative=True)  # ||P_perp g||


@dataclasses.dataclass(frozen=True, eq=False)
class NeuronFlow:
    """One neuron of the network, coordinate-free, on a region of constant activation pattern (:func:`neuron_flow`).

    Attributes
    ----------
    w : sympy.MatrixSymbol
        First-layer weights ``w_k`` (``d x 1``); the readout is the glossary's ``a``.
    X, y : sympy.MatrixSymbol
        Data (``n x d``) and targets (``n x 1``).
    c : sympy.MatrixSymbol
        Slopes ``c_i = sigma'(w^T x_i)`` (``n x 1``).
    D : sympy.DiagMatrix
        The pattern ``diag(c)``.
    o : sympy.MatrixSymbol
        Outputs of the other neurons (``n x 1``).
    r : sympy.MatrixExpr
        Residuals ``a D X w + o - y``.
    L : sympy.MatrixExpr
        Loss ``1/2 r^T r`` (``1 x 1``).
    g : sympy.MatrixExpr
        ``X^T D r``.
    beta : sympy.MatrixExpr
        ``a w``.
    dL_da, dL_dw : sympy.MatrixExpr
        Gradients by SymPy's matrix calculus.
    adot, wdot : sympy.MatrixExpr
        The flow ``-eta_a w^T g`` and ``-eta_w a g``.

    Examples
    --------
    >>> neuron_flow().beta
    a*w
    """

    w: sp.MatrixSymbol
    X: sp.MatrixSymbol
    y: sp.MatrixSymbol
    c: sp.MatrixSymbol
    D: sp.MatrixExpr
    o: sp.MatrixSymbol
    r: sp.MatrixExpr
    L: sp.MatrixExpr
    g: sp.MatrixExpr
    beta: sp.MatrixExpr
    dL_da: sp.MatrixExpr
    dL_dw: sp.MatrixExpr
    adot: sp.MatrixExpr
    wdot: sp.MatrixExpr


@dataclasses.dataclass(frozen=True, eq=False)
class NetworkComponents:
    """The whole network in explicit components (:func:`network_components`).

    Attributes
    ----------
    a : list of sympy.Function applications
        Readouts ``a_k(t)``.
    W : sympy.Matrix
        First layer ``w_kj(t)`` (``K x d``).
    X, y : sympy.Matrix
        Data symbols ``X_ij`` and targets ``y_i``.
    z : sympy.Matrix
        Pre-activations ``z_ki = w_k^T x_i`` (``K x n``).
    f, r : list of sympy.Expr
        Outputs and residuals per sample.
    L : sympy.Expr
        Loss.
    flow : dict
        ``{Derivative(theta, t): -eta dL/dtheta}`` for every parameter.
    delta : list of sympy.Expr
        The ``delta_k = eta_w a_k^2 - eta_a ||w_k||^2``.
    sigma : callable
        The activation (an undefined ``sigma`` or the one given).
    dsig : callable
        ``expr -> sigma'(expr)``.

    Examples
    --------
    >>> len(network_components(1, 2, 2).r)
    2
    """

    a: list
    W: sp.Matrix
    X: sp.Matrix
    y: sp.Matrix
    z: sp.Matrix
    f: list
    r: list
    L: sp.Expr
    flow: dict
    delta: list
    sigma: Callable
    dsig: Callable


@dataclasses.dataclass(frozen=True, eq=False)
class PatternFlow:
    """The polynomial gradient flow for a fixed activation pattern (:func:`pattern_flow`).

    Attributes
    ----------
    state : tuple of sympy.Symbol
        ``a_1 .. a_K``, then ``w_11, .., w_1d, w_21, ...``.
    rhs : tuple of sympy.Expr
        The flow (cubic polynomials), in the order of ``state``.
    C : sympy.Matrix
        Pattern symbols ``c_k_i = sigma'(w_k^T x_i)`` (``K x n``).
    X, y : sympy.Matrix
        Data symbols ``X_i_j`` and targets ``y_i``.
    A : list of sympy.Symbol
        Readouts ``a_k``.
    W : sympy.Matrix
        First layer ``w_k_j``.
    z : sympy.Matrix
        Pre-activations ``w_k^T x_i`` (the event functions).
    r : list of sympy.Expr
        Residuals ``f_i - y_i``.
    g : list of lists of sympy.Expr
        ``g_kj = sum_i c_ki r_i X_ij``.
    params : tuple of sympy.Symbol
        Pattern, data, targets and ``(eta_a, eta_w)``: every parameter of the flow.

    Examples
    --------
    >>> len(pattern_flow(2, 1, 3).state)
    8
    """

    state: tuple
    rhs: tuple
    C: sp.Matrix
    X: sp.Matrix
    y: sp.Matrix
    A: list
    W: sp.Matrix
    z: sp.Matrix
    r: list
    g: list
    params: tuple



def sigma(z_=z, slope=alpha):
    """``sigma(z) = z`` for ``z > 0``, ``slope * z`` otherwise (ReLU: 0, abs: -1, leaky: alpha).

    Examples
    --------
    >>> sigma(-2, 0), sigma(3, 0), sigma(-2, -1)
    (0, 3, 2)
    >>> sigma()
    Piecewise((z, z > 0), (alpha*z, True))
    """
    return sp.Piecewise((z_, z_ > 0), (slope * z_, True))


def dsigma(z_=z, slope=alpha):
    """``sigma'(z)``, differentiated by SymPy (``Piecewise((1, z > 0), (slope, True))``).

    Examples
    --------
    >>> dsigma()
    Piecewise((1, z > 0), (alpha, True))
    >>> dsigma(-1, 0), dsigma(2, 0)
    (0, 1)
    """
    xi = sp.Dummy("xi", real=True)
    return sp.diff(sigma(xi, slope), xi).subs(xi, z_)


def native_activation(name, z_=z, slope=alpha):
    """The activation written with SymPy's own functions (``Max``, ``Abs``), to compare with :func:`sigma`.

    >>> native_activation("abs")
    Abs(z)
    """
    if name == "relu":
        return sp.Max(z_, 0)
    if name == "abs":
        return sp.Abs(z_)
    if name == "leaky_relu":
        return sp.Max(z_, slope * z_)  # for 0 <= slope <= 1
    if name == "linear":
        return z_
    raise ValueError(f"name must be one of 'relu', 'leaky_relu', 'abs', 'linear', got {name!r}")


def neuron_flow(dim=d, samples=n):
    """Neuron ``k`` of the network, coordinate-free, where its activation pattern is constant.

    With the pattern ``D = diag(c)`` (``c_i = sigma'(w^T x_i)``), Euler's identity
    ``sigma(z) = sigma'(z) z`` gives ``sigma(X w) = D X w``; the other neurons'
    outputs are the ``n x 1`` symbol ``o``.  Returns a :class:`NeuronFlow` with ``w``,
    ``X``, ``y``, ``c``, ``D``, ``o``, ``r`` (residuals), ``L``, ``g = X^T D r``,
    ``dL_da``, ``dL_dw`` (SymPy's matrix calculus), ``adot``, ``wdot`` and ``beta``.
    ``a`` is the glossary's readout symbol.

    >>> f = neuron_flow()
    >>> f.g
    X.T*DiagMatrix(c)*(a*DiagMatrix(c)*X*w + o - y)
    """
    w = sp.MatrixSymbol("w", dim, 1)
    X = sp.MatrixSymbol("X", samples, dim)
    y = sp.MatrixSymbol("y", samples, 1)
    c = sp.MatrixSymbol("c", samples, 1)
    o = sp.MatrixSymbol("o", samples, 1)
    D = sp.DiagMatrix(c)
    # SymPy's matrix calculus does not differentiate through DiagMatrix: differentiate with a
    # general n x n symbol, then put the diagonal pattern in (D^T = D is then automatic).
    Dm = sp.MatrixSymbol("D", samples, samples)
    r_m = a * (Dm * X * w) + o - y
    L_m = (r_m.T * r_m) / 2
    put = {Dm: D}
    r = r_m.xreplace(put)
    g = X.T * D * r
    return NeuronFlow(
        w=w, X=X, y=y, c=c, D=D, o=o, r=r, L=L_m.xreplace(put), g=g, beta=a * w,
        dL_da=L_m.diff(a).xreplace(put), dL_dw=L_m.diff(w).xreplace(put),
        adot=-eta_a * (w.T * g), wdot=-eta_w * a * g,
    )


def network_components(K, samples, dim, activation=None):
    """The whole network in components: ``a_k(t)``, ``w_kj(t)``, data symbols ``X_ij``, ``y_i``.

    Parameters
    ----------
    K, samples, dim : int
        Width, number of samples, input dimension.
    activation : callable or None
        ``z -> sigma(z)``; ``None`` uses an undefined function ``sigma`` (any
        differentiable activation).

    Returns a :class:`NetworkComponents` with ``a`` (list), ``W`` (K x dim Matrix), ``X``, ``y``,
    ``z`` (K x samples pre-activations), ``f`` (outputs), ``r``, ``L``, ``flow``
    (``{Derivative(theta, t): -eta dL/dtheta}``), ``delta`` (list of the
    ``delta_k``) and ``dsig`` (the derivative of the activation as a function).

    >>> net = network_components(2, 3, 2)
    >>> net.W.shape, len(net.flow)
    ((2, 2), 6)
    """
    sig = activation if activation is not None else sp.Function("sigma")
    xi = sp.Dummy("xi", real=True)
    dsig_xi = sp.diff(sig(xi), xi)

    def dsig(ex):
        return dsig_xi.subs(xi, ex)

    X, y = matrix("X", samples, dim), matrix("y", samples, 1)
    a_t = [sp.Function(f"a_{k + 1}", real=True)(t) for k in range(K)]
    W_t = sp.Matrix(K, dim, lambda k, j: sp.Function(f"w_{k + 1}{j + 1}", real=True)(t))
    Z = W_t * X.T  # K x samples, z_ki = w_k^T x_i
    f = [sum(a_t[k] * sig(Z[k, i]) for k in range(K)) for i in range(samples)]
    r = [f[i] - y[i, 0] for i in range(samples)]
    L = sum(ri**2 for ri in r) / 2
    flow = {sp.Derivative(a_t[k], t): -eta_a * sp.diff(L, a_t[k]) for k in range(K)}
    flow.update({sp.Derivative(W_t[k, j], t): -eta_w * sp.diff(L, W_t[k, j]) for k in range(K) for j in range(dim)})
    deltas = [conserved_delta(a_t[k], sum(W_t[k, j] ** 2 for j in range(dim))) for k in range(K)]
    return NetworkComponents(a=a_t, W=W_t, X=X, y=y, z=Z, f=f, r=r, L=L, flow=flow, delta=deltas, sigma=sig, dsig=dsig)


def pattern_flow(K, samples, dim):
    """The polynomial gradient flow of the network for a fixed activation pattern.

    The pattern enters as symbols ``c_k_i`` (``= sigma'(w_k^T x_i)``), the data
    as symbols ``X_i_j``, ``y_i``; outputs are ``f_i = sum_k a_k c_ki w_k^T x_i``
    (Euler's identity).  Returns a :class:`PatternFlow` with ``state`` (``a_1..a_K``, then
    ``w_11, .., w_1d, w_21, ...``), ``rhs`` (cubic polynomials), ``C``, ``X``,
    ``y``, ``z`` (pre-activations, the event functions) and ``params``.

    >>> pf = pattern_flow(1, 1, 1)
    >>> pf.rhs[0]
    -X_1_1*c_1_1*eta_a*w_1_1*(X_1_1*a_1*c_1_1*w_1_1 - y_1)
    """
    def mat(name, rows, cols):  # names with separators stay distinct for any size (c_1_11 vs c_11_1)
        return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{i + 1}_{j + 1}", real=True))

    X, C, W = mat("X", samples, dim), mat("c", K, samples), mat("w", K, dim)
    y = sp.Matrix(samples, 1, lambda i, j: sp.Symbol(f"y_{i + 1}", real=True))
    A = [sp.Symbol(f"a_{k + 1}", real=True) for k in range(K)]
    Z = W * X.T
    r = [sum(A[k] * C[k, i] * Z[k, i] for k in range(K)) - y[i, 0] for i in range(samples)]
    g = [[sum(C[k, i] * r[i] * X[i, j] for i in range(samples)) for j in range(dim)] for k in range(K)]
    adot = [-eta_a * sum(W[k, j] * g[k][j] for j in range(dim)) for k in range(K)]
    wdot = [-eta_w * A[k] * g[k][j] for k in range(K) for j in range(dim)]
    state = tuple(A) + tuple(W[k, j] for k in range(K) for j in range(dim))
    params = tuple(C) + tuple(X) + tuple(y) + (eta_a, eta_w)
    return PatternFlow(state=state, rhs=tuple(adot + wdot), C=C, X=X, y=y, A=A, W=W, z=Z, r=r, g=g, params=params)


def radial_factor(delta_=delta, rho_=rho):
    """``R = sqrt(delta^2 + 4 eta ||beta||^2)``: ``d/dt ||beta|| = -R beta_hat^T g``.

    >>> radial_factor(0, 1)
    2*sqrt(eta_a)*sqrt(eta_w)
    """
    return R_of(delta_, rho_)


def directional_factor(delta_=delta, rho_=rho):
    """``(R + delta)/2 = eta_w a^2``: ``d/dt beta_hat = -((R + delta)/(2 rho)) P_perp g``.

    >>> directional_factor(0, 1)
    sqrt(eta_a)*sqrt(eta_w)
    """
    return m_perp(delta_, rho_)


def directional_fraction(delta_=delta, rho_=rho):
    """``(R + delta)/(2 R)`` in ``(0, 1)``: directional over radial factor.

    >>> directional_fraction(0, 1)
    1/2
    """
    return directional_factor(delta_, rho_) / radial_factor(delta_, rho_)


def angular_speed_sq(delta_=delta, rho_=rho, gpar=g_par, gperp=g_perp):
    """``||d/dt w_hat||^2 = ||d/dt beta_hat||^2 = ((R + delta)/(2 rho))^2 ||P_perp g||^2``.

    >>> angular_speed_sq(0, 1, 0, 1)
    eta_a*eta_w
    """
    return (directional_factor(delta_, rho_) / rho_) ** 2 * gperp**2


def parameter_speed_sq(delta_=delta, rho_=rho, gpar=g_par, gperp=g_perp):
    """``a'^2 + ||w'||^2 = eta_a (R - delta)/2 (beta_hat^T g)^2 + eta_w (R + delta)/2 ||g||^2``.

    >>> parameter_speed_sq(0, 1, 1, 0)
    eta_a**(3/2)*sqrt(eta_w) + sqrt(eta_a)*eta_w**(3/2)
    """
    R = radial_factor(delta_, rho_)
    return eta_a * (R - delta_) / 2 * gpar**2 + eta_w * (R + delta_) / 2 * (gpar**2 + gperp**2)


def function_speed_sq(delta_=delta, rho_=rho, gpar=g_par, gperp=g_perp):
    """``||beta'||^2 = ||M g||^2 = R^2 (beta_hat^T g)^2 + ((R + delta)/2)^2 ||P_perp g||^2``.

    >>> function_speed_sq(0, 1, 1, 0)
    4*eta_a*eta_w
    """
    return radial_factor(delta_, rho_) ** 2 * gpar**2 + directional_factor(delta_, rho_) ** 2 * gperp**2


def angular_to_parameter_speed_sq(delta_=delta, rho_=rho, gpar=g_par, gperp=g_perp):
    """Squared ratio of the angular speed of ``w_k`` (which sets the activation pattern) to the parameter speed.

    >>> import sympy as sp
    >>> from symrich.symbolic.symbols import delta, rho
    >>> sp.limit(angular_to_parameter_speed_sq(delta, rho, 1, 1), delta, -sp.oo)
    0
    """
    return angular_speed_sq(delta_, rho_, gpar, gperp) / parameter_speed_sq(delta_, rho_, gpar, gperp)
