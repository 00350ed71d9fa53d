"""Wide linear network: the conserved matrix $\\Delta = \\eta_w A A^\\top - \\eta_a W W^\\top$ (paper, Section 4).

Coordinate-free: $W$ ($h \\times d$), $A$ ($h \\times c$), $X$ ($n \\times d$) and $Y$
($n \\times c$) are matrix symbols of symbolic size, so every step holds for every
width and for general (not whitened) data.  SymPy's matrix calculus computes the
gradients of $\\mathcal{L} = \\tfrac12 \\operatorname{tr}(R^\\top R)$.  Which form
$c_A A A^\\top + c_W W W^\\top$ is conserved is derived, not assumed.

The named quantities are shared with the other wide-linear derivations through
:func:`setting`, so that their steps can cite these results.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symrich.engine import Chain, Definition, Derivation, Step
from symrich.engine.calculus import ddt, partial
from symrich.symbolic.symbols import d, eta_a, eta_w, matrix, n
from symrich.symbolic.wide_linear import c, conserved_Delta, h

ORDER = 200
REQUIRES = ()


@dataclass(frozen=True)
class WideLinearSetting:
    """The named quantities of the wide linear network $f(x) = A^\\top W x$ and their definitions.

    Attributes
    ----------
    W, A, X, Y : MatrixSymbol
        Weights ($h \\times d$, $h \\times c$), data ($n \\times d$), targets ($n \\times c$).
    beta, R, G : MatrixSymbol
        Named $\\beta = W^\\top A$, $R = X\\beta - Y$, $G = X^\\top R$.
    L : Symbol
        Named loss $\\tfrac12 \\operatorname{tr}(R^\\top R)$.
    W_dot, A_dot : MatrixSymbol
        Named gradient flow $-\\eta_w \\nabla_W \\mathcal{L}$, $-\\eta_a \\nabla_A \\mathcal{L}$.
    Delta : MatrixSymbol
        Named $\\eta_w A A^\\top - \\eta_a W W^\\top$ ($h \\times h$).
    definitions : tuple of Definition
        In order.

    Examples
    --------
    >>> s = setting()
    >>> s.Delta.shape, len(s.definitions), s.flow[s.W] == s.W_dot
    ((h, h), 7, True)
    """

    W: sp.MatrixSymbol
    A: sp.MatrixSymbol
    X: sp.MatrixSymbol
    Y: sp.MatrixSymbol
    beta: sp.MatrixSymbol
    R: sp.MatrixSymbol
    G: sp.MatrixSymbol
    L: sp.Symbol
    W_dot: sp.MatrixSymbol
    A_dot: sp.MatrixSymbol
    Delta: sp.MatrixSymbol
    definitions: tuple

    @property
    def flow(self):
        """``{W: W_dot, A: A_dot}``, the velocities for :func:`symrich.engine.calculus.ddt`."""
        return {self.W: self.W_dot, self.A: self.A_dot}


def setting() -> WideLinearSetting:
    """The wide linear network's named quantities, with the symbolic sizes of :mod:`symrich.symbolic.wide_linear`.

    Examples
    --------
    >>> s = setting()
    >>> [str(d.name) for d in s.definitions]
    ['beta', 'R', 'G', 'L', 'W_dot', 'A_dot', 'Delta']
    """
    W, A = sp.MatrixSymbol("W", h, d), sp.MatrixSymbol("A", h, c)
    X, Y = sp.MatrixSymbol("X", n, d), sp.MatrixSymbol("Y", n, c)
    beta = sp.MatrixSymbol("beta", d, c)
    R = sp.MatrixSymbol("R", n, c)
    G = sp.MatrixSymbol("G", d, c)
    L = sp.Symbol("L")
    W_dot = sp.MatrixSymbol("W_dot", h, d)
    A_dot = sp.MatrixSymbol("A_dot", h, c)
    Delta = sp.MatrixSymbol("Delta", h, h)
    definitions = (
        Definition(beta, W.T * A, r"the end-to-end matrix, $f(x) = \beta^\top x$"),
        Definition(R, X * beta - Y, "residuals"),
        Definition(G, X.T * R, r"$G = \nabla_\beta \mathcal{L}$"),
        Definition(L, sp.Trace(R.T * R) / 2, r"loss $\tfrac12 \|X\beta - Y\|_F^2$"),
        Definition(W_dot, -eta_w * partial(L, W), "gradient flow"),
        Definition(A_dot, -eta_a * partial(L, A)),
        Definition(Delta, conserved_Delta(W, A), r"$h \times h$"),
    )
    return WideLinearSetting(W, A, X, Y, beta, R, G, L, W_dot, A_dot, Delta, definitions)


def derivation():
    s = setting()
    W, A, G = s.W, s.A, s.G
    c_A, c_W = sp.symbols("c_A c_W", real=True)
    bracket = W * G * A.T + A * G.T * W.T
    steps = (
        Step(partial(s.L, W), A * G.T, "matrix calculus (SymPy)", label="grad_W"),
        Step(partial(s.L, A), W * G, "matrix calculus (SymPy)", label="grad_A"),
        Chain(ddt(c_A * A * A.T + c_W * W * W.T, s.flow),
              (c_A * (s.A_dot * A.T + A * s.A_dot.T) + c_W * (s.W_dot * W.T + W * s.W_dot.T), "product rule"),
              (c_A * (-eta_a * W * G * A.T - eta_a * A * G.T * W.T) + c_W * (-eta_w * A * G.T * W.T - eta_w * W * G * A.T),
               r"the gradient flow $\dot W = -\eta_w \nabla_W \mathcal{L}$, $\dot A = -\eta_a \nabla_A \mathcal{L}$",
               {"uses": ("grad_W", "grad_A")}),
              (-(c_A * eta_a + c_W * eta_w) * bracket, "collect"),
              label="quadratic"),
        Step(ddt(s.Delta, s.flow), sp.ZeroMatrix(h, h),
             r"the form with $c_A \eta_a + c_W \eta_w = 0$",
             uses=(("quadratic", {c_A: eta_w, c_W: -eta_a}),), label="conserved"),
        Chain(ddt(s.beta, s.flow),
              (s.W_dot.T * A + W.T * s.A_dot, "product rule"),
              (-eta_a * W.T * W * G - eta_w * G * A.T * A, "the gradient flow", {"uses": ("grad_W", "grad_A")}),
              label="beta_flow"),
        _components_check(),
    )
    return Derivation(
        name="wide_linear_conservation",
        title=r"Wide linear network: the conserved matrix $\Delta$",
        family="wide linear",
        statement=(
            r"Let $f(x) = A^\top W x$ with $W \in \mathbb{R}^{h \times d}$, $A \in \mathbb{R}^{h \times c}$ and "
            r"$\mathcal{L} = \tfrac12 \|X W^\top A - Y\|_F^2$. Along the gradient flow "
            r"$\dot W = -\eta_w \nabla_W \mathcal{L}$, $\dot A = -\eta_a \nabla_A \mathcal{L}$ the $h \times h$ matrix "
            r"$\Delta = \eta_w A A^\top - \eta_a W W^\top$ is constant, for any data, any widths $d, h, c$ and any "
            r"initialisation; up to a factor it is the only conserved form $c_A A A^\top + c_W W W^\top$ (the layer's "
            r"own rate does not multiply its own Gram matrix). The end-to-end matrix $\beta = W^\top A$ moves as "
            r"$\dot\beta = -\eta_a W^\top W G - \eta_w G A^\top A$. For $h = c = 1$, $\Delta$ is the single neuron's $\delta$."
        ),
        assumptions=(r"$X \in \mathbb{R}^{n \times d}$, $Y \in \mathbb{R}^{n \times c}$ arbitrary; $d, h, c, n$ symbolic",
                     r"learning rates $\eta_a, \eta_w > 0$"),
        definitions=s.definitions,
        steps=steps,
        result="conserved",
        requires=REQUIRES,
        notes=(r"$W$, $A$, $X$, $Y$ are matrix symbols of symbolic size, so the proof covers every width. "
               r"The lemma checks the conservation in coordinates, where SymPy differentiates an explicit network. "
               r"By the chain \eqref{eq:wide_linear_conservation:quadratic}, $\frac{d}{dt}(c_A A A^\top + c_W W W^\top)$ vanishes for all data only if "
               r"$c_A \eta_a + c_W \eta_w = 0$, since $W G A^\top + A G^\top W^\top$ is not zero in general."),
    )


def _components_check(dd=2, hh=2, cc=2, nn=2):
    """Lemma: in coordinates, ``d/dt Delta = sum_theta (dDelta/dtheta) theta_dot = 0`` along the explicit gradient flow."""
    X, Y = matrix("X", nn, dd), matrix("Y", nn, cc)
    W, A = matrix("W", hh, dd), matrix("A", hh, cc)
    residual = X * W.T * A - Y
    loss = sum(e**2 for e in residual) / 2
    velocity = {x: -eta_w * sp.diff(loss, x) for x in W}
    velocity.update({x: -eta_a * sp.diff(loss, x) for x in A})
    Delta = conserved_Delta(W, A)
    rate = sum((sp.diff(Delta, x) * v for x, v in velocity.items()), sp.zeros(hh, hh))
    return Step(rate, sp.zeros(hh, hh),
                rf"in coordinates, $d = {dd}$, $h = {hh}$, $c = {cc}$, $n = {nn}$: SymPy differentiates $\Delta$ of an "
                r"explicit network with data $X_{ij}$, $Y_{ij}$ along its gradient flow (chain rule over the entries of "
                r"$W$ and $A$), and $\dot\Delta = 0$",
                lemma=True, methods=("expand",))
