"""Wide linear network: the neural tangent kernel with learning rates, in Kronecker form (paper, Section 4).

With per-layer rates the kernel of $\\frac{d}{dt} f(X) = -K\\, r$ is $K = J \\operatorname{diag}(\\eta) J^\\top$,
$J = \\partial \\operatorname{vec} f(X) / \\partial \\theta$.  Coordinate-free, $K$ acts on an
$n \\times c$ matrix $V$ as $J \\operatorname{diag}(\\eta) J^\\top V$: the parameter velocities
$\\operatorname{diag}(\\eta) J^\\top V$ are the rate-weighted gradients of $\\langle V, f(X)\\rangle$, and $J$
maps velocities to the velocity of $f(X) = X W^\\top A$.  The Kronecker form is this linear map in
row-major coordinates; it is checked entrywise against $J \\operatorname{diag}(\\eta) J^\\top$ built by
SymPy's ``jacobian`` on an explicit network.
"""

import sympy as sp

from symrich.derivations.wide_linear_conservation import setting
from symrich.engine import Chain, Definition, Derivation, Step
from symrich.engine.calculus import ddt, partial
from symrich.symbolic.symbols import eta_a, eta_w, matrix
from symrich.symbolic.wide_linear import ntk_kronecker

ORDER = 240
REQUIRES = ("wide_linear_conservation",)


def derivation():
    s = setting()
    W, A, X, R = s.W, s.A, s.X, s.R
    n, c = R.shape
    V = sp.MatrixSymbol("V", n, c)
    F = sp.MatrixSymbol("F", n, c)
    H_W, H_A = sp.MatrixSymbol("H_W", *W.shape), sp.MatrixSymbol("H_A", *A.shape)
    K_V = sp.MatrixSymbol("K_V", n, c)
    pairing = sp.Trace(V.T * F)
    definitions = s.definitions + (
        Definition(F, X * W.T * A, r"the outputs $f(X)$, one row per sample"),
        Definition(H_W, eta_w * partial(pairing, W), r"the parameter velocities $\operatorname{diag}(\eta) J^\top V$"),
        Definition(H_A, eta_a * partial(pairing, A)),
        Definition(K_V, X * H_W.T * A + X * W.T * H_A,
                   r"$J$ applied to $(H_W, H_A)$, the velocity of $F$: the kernel applied to $V$"),
    )
    P, Q = W.T * W, A.T * A
    steps = (
        Step(partial(pairing, W), A * V.T * X, "matrix calculus (SymPy)", label="grad_W"),
        Step(partial(pairing, A), W * X.T * V, "matrix calculus (SymPy)", label="grad_A"),
        Chain(K_V,
              (sp.MatAdd(sp.MatMul(eta_w, X, sp.Transpose(A * V.T * X), A), sp.MatMul(eta_a, X, W.T, W * X.T * V)),
               r"definitions of $K_V$, $H_W$, $H_A$", {"uses": ("grad_W", "grad_A")}),
              (eta_a * X * P * X.T * V + eta_w * X * X.T * V * Q, "transpose and collect"),
              label="kernel"),
        Chain(ddt(F, s.flow),
              (X * ddt(s.beta, s.flow), r"$F = X\beta$, with $X$ constant"),
              (X * (-eta_a * P * s.G - eta_w * s.G * Q), r"the $\beta$-flow",
               {"uses": ("wide_linear_conservation:beta_flow",)}),
              (-(eta_a * X * P * X.T * R + eta_w * X * X.T * R * Q), r"$G = X^\top R$"),
              label="output_flow"),
        _vec_lemma(),
        _jacobian_lemma(),
    )
    return Derivation(
        name="wide_linear_ntk",
        title="Wide linear network: the neural tangent kernel in Kronecker form",
        family="wide linear",
        statement=(
            r"For the wide linear network with learning rates, the kernel $K = J \operatorname{diag}(\eta) J^\top$ acts "
            r"on $V \in \mathbb{R}^{n \times c}$ as $K_V = \eta_a X W^\top W X^\top V + \eta_w X X^\top V A^\top A$, and the "
            r"outputs move as $\frac{d}{dt} f(X) = -K_R$ with the residuals $R = X\beta - Y$. With outputs indexed "
            r"row-major by (sample, output), $K = \eta_a (X W^\top W X^\top) \otimes I_c + \eta_w (X X^\top) \otimes "
            r"(A^\top A)$."
        ),
        assumptions=(r"$X \in \mathbb{R}^{n \times d}$, $Y \in \mathbb{R}^{n \times c}$ arbitrary; $d, h, c, n$ symbolic",
                     r"learning rates $\eta_a, \eta_w > 0$"),
        definitions=definitions,
        steps=steps,
        result=("kernel", "output_flow"),
        requires=REQUIRES,
        notes=(r"The two boxed equations together say $\frac{d}{dt} f(X) = -K_R$: the flow of the outputs is the "
               r"kernel applied to the residuals, and since $K$ does not depend on $Y$ while $R$ ranges over all "
               r"$n \times c$ matrices as $Y$ does, this identifies the kernel. The Kronecker form follows from "
               r"$\operatorname{vec}(M V N) = (M \otimes N^\top) \operatorname{vec}(V)$ for the row-major "
               r"$\operatorname{vec}$ (first lemma) and $Q = A^\top A$ symmetric; the second lemma builds "
               r"$J \operatorname{diag}(\eta) J^\top$ from SymPy's Jacobian on an explicit network and compares it "
               r"with the Kronecker form entrywise."),
    )


def _row_major(M):
    return sp.Matrix([x for x in M])


def _vec_lemma(rows=2, inner=3, cols=2):
    """Lemma: ``vec(M V N) = (M (x) N^T) vec(V)`` for the row-major ``vec``, at explicit sizes."""
    from sympy.physics.quantum import TensorProduct

    M, V, N = matrix("M", rows, inner), matrix("V", inner, cols), matrix("N", cols, cols)
    return Step(_row_major(M * V * N), TensorProduct(M, N.T) * _row_major(V),
                rf"row-major $\operatorname{{vec}}(M V N) = (M \otimes N^\top)\operatorname{{vec}}(V)$, checked for "
                rf"$M \in \mathbb{{R}}^{{{rows} \times {inner}}}$, $V \in \mathbb{{R}}^{{{inner} \times {cols}}}$, "
                rf"$N \in \mathbb{{R}}^{{{cols} \times {cols}}}$ with symbolic entries",
                lemma=True, methods=("expand",))


def _jacobian_lemma(nn=2, dd=2, hh=2, cc=2):
    """Lemma: ``J diag(eta) J^T`` by SymPy's jacobian equals the Kronecker form (explicit network)."""
    W, A, X = matrix("W", hh, dd), matrix("A", hh, cc), matrix("X", nn, dd)
    theta = list(W) + list(A)
    J = _row_major(X * W.T * A).jacobian(theta)
    rates = sp.diag(*([eta_w] * len(W) + [eta_a] * len(A)))
    return Step(J * rates * J.T, ntk_kronecker(X, W.T * W, A.T * A),
                rf"in coordinates, $n = {nn}$, $d = {dd}$, $h = {hh}$, $c = {cc}$: with $J$ the Jacobian of the "
                r"row-major outputs in the entries of $W$ and $A$ (SymPy), $J \operatorname{diag}(\eta) J^\top = "
                r"\eta_a (X W^\top W X^\top) \otimes I_c + \eta_w (X X^\top) \otimes (A^\top A)$",
                lemma=True, methods=("expand",))
