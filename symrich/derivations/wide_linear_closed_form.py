"""Wide linear network: the exact trajectory of any $\\lambda$-balanced initialisation (closed form of a matrix Riccati equation).

Coordinate-free: $W$, $A$, $X$, $Y$ are the matrix symbols of symbolic size of
\\textsf{wide linear conservation}, whose gradient flow and conservation law are cited; the layout of
the kernels is $W_1 = W$ ($h \\times d$, rate $\\eta_w$), $W_2 = A^\\top$ ($c \\times h$, rate $\\eta_a$),
$f(x) = W_2 W_1 x$, $W_2 W_1 = \\beta^\\top$.  Block matrices are multiplied out by SymPy's
\\texttt{block\\_collapse}, then each block is expanded (noncommutative products).  A derivative in the
scaled time $\\tau = k^2 t$ is the time derivative along the velocities $\\dot W / k^2$, $\\dot A / k^2$.

The matrix exponential of a matrix symbol is not a SymPy object: $M(\\tau) = e^{F\\tau} Q_0$ enters through
its defining properties $dM/d\\tau = F M$, $M(0) = Q_0$, and
$\\Gamma(\\tau) = I_h + Q_0^\\top\\bigl(\\int_0^\\tau e^{2Fs} ds\\bigr) Q_0$ through
$d\\Gamma/d\\tau = Q_0^\\top e^{2F\\tau} Q_0 = M^\\top M$ (as $F$ is symmetric, $(e^{F\\tau})^\\top e^{F\\tau} = e^{2F\\tau}$)
and $\\Gamma(0) = I_h$.  $\\Gamma \\succeq I_h$ is invertible for $\\tau \\ge 0$ ($\\int_0^\\tau e^{2Fs} ds$ is positive
semidefinite), so $\\hat P = M \\Gamma^{-1} M^\\top$ is defined for all $\\tau \\ge 0$; it solves the Riccati
equation with $\\hat P(0) = Q_0 Q_0^\\top = P(0)$, and by uniqueness of solutions $P = \\hat P$: no width
condition is needed (the conditions of Theorem 4.2 are for the flow of $\\beta$ alone).

What the kernels evaluate.  The function \\texttt{trajectory} of \\texttt{symrich.wide\\_linear} runs the
kernels of its module \\texttt{riccati} (float64 by numba, or mpmath at any precision); it takes $F = E
\\operatorname{diag}(\\mu) E^\\top$ from the singular value decomposition of $S$ (the eigenvectors of the steps on
singular pairs and kernels, rotated continuously through $\\lambda = 0$), $Z = E^\\top Q_0$, and evaluates the
eigenbasis form of the lemma in the factorised form $E^\\top P E = (C Q_1)(C Q_1)^\\top$ proved above, where
$C = D\\Phi^{-1/2} = \\operatorname{diag}\\bigl(e^{\\mu_i\\tau}/\\sqrt{\\phi_i}\\bigr)$ is bounded for every sign of
$\\mu_i$ and only logarithms of $\\phi_i$ are formed (no overflow at $t = 10^6$).  Two refinements do not change
the formula: $Z = L O^\\top$ (QR of $Z^\\top$, $O$ with orthonormal columns, $L$ a lower staircase, zero columns
dropped: rank-deficient layers) replaces $Z$ by $L$, since $O^\\top(I_h + O L^\\top \\Phi L O^\\top)^{-1} O =
(I + L^\\top\\Phi L)^{-1}$; and the QR is taken of $\\bigl(\\begin{smallmatrix} \\Phi^{1/2} L \\Sigma^{-1} \\\\
\\Sigma^{-1} \\end{smallmatrix}\\bigr)$, $\\Sigma = \\operatorname{diag}(\\sqrt{\\phi_{p_j}})$ at the pivot rows, whose entries
are bounded (graded QR, rows sorted by size), which is the factorisation of the last step with $T$ replaced by
$T\\Sigma$.  These forms are not proved symbolically beyond the two steps above; the kernels are checked by
\\texttt{tests/test\\_wide\\_linear\\_closed\\_form.py}: hypothesis tests against the raw parameter flow of
$(W_1, W_2)$ integrated by the Taylor oracle at 30 digits (relative error below $10^{-25}$ for the mpmath kernel,
$10^{-11}$ in float64), over unaligned initialisations, $h$ below, equal to and above $d$ and $c$, $\\lambda < 0$,
$= 0$, $> 0$ and unequal rates, against the single neuron for $h = c = 1$, the aligned singular values, and the
Riccati equation itself at long times.
"""

import sympy as sp
from sympy import BlockMatrix, Identity, MatrixSymbol, ZeroMatrix, block_collapse

from symrich.derivations.wide_linear_conservation import setting
from symrich.engine import Chain, Definition, Derivation, Step
from symrich.engine.prepare import fold
from symrich.engine.calculus import CALCULUS, MatrixTimeDerivative, ddt, derivative_along
from symrich.engine.rewrites import distribute_matrix_products
from symrich.symbolic.symbols import d, eta_a, eta_w
from symrich.symbolic.wide_linear import c, h
from symrich.symbolic.wide_linear_closed_form import eigenbasis_solution, lam, lam_scaled, layer_flow, scaled_flow, tau

ORDER = 230
REQUIRES = ("wide_linear_conservation",)


class MatrixTauDerivative(MatrixTimeDerivative):
    """``d/dtau`` of a matrix expression along velocities in the scaled time (displayed with $\\tau$).

    A block matrix is differentiated block by block (after ``block_collapse``).
    """

    def doit(self, **hints):
        if hints.get(CALCULUS):
            inner = self.args[0].doit(**hints) if hints.get("deep", True) else self.args[0]
            if inner.has(BlockMatrix):
                inner = block_collapse(inner)
                if isinstance(inner, BlockMatrix):
                    velocities = {k: v for k, v in self.args[1].args}
                    return BlockMatrix(inner.blocks.applyfunc(lambda b: derivative_along(b, velocities)))
        return super().doit(**hints)

    def _latex(self, printer):
        expr = self.args[0]
        if isinstance(expr, sp.MatrixSymbol):
            return r"\frac{d" + printer._print(expr) + r"}{d\tau}"
        return r"\frac{d}{d\tau}\left(" + printer._print(expr) + r"\right)"


def ddtau(expr, velocities):
    """``d expr / d tau`` along ``velocities`` (unevaluated; see :class:`MatrixTauDerivative`)."""
    plain = ddt(expr, velocities)
    return MatrixTauDerivative(*plain.args)


def blockwise(expr):
    """Multiply the block matrices out (``block_collapse``), then distribute the products inside every block.

    The algebra of block matrices and the distributive law, nothing else: the identity holds when every
    block vanishes.
    """
    e = block_collapse(expr.doit())
    if isinstance(e, BlockMatrix):
        blocks = e.blocks.applyfunc(lambda b: distribute_matrix_products(b) if isinstance(b, sp.MatrixExpr) else b)
        if all(isinstance(b, ZeroMatrix) or b == 0 for b in blocks):
            return ZeroMatrix(*e.shape)
        return BlockMatrix(blocks)
    return distribute_matrix_products(e)


def derivation():
    s = setting()
    W, A, X, Y, G, Delta, beta = s.W, s.A, s.X, s.Y, s.G, s.Delta, s.beta
    flow, scaled = layer_flow(), scaled_flow()
    W1, W2, S = flow.W1, flow.W2, flow.S
    n = d + c
    I_h = Identity(h)
    k = sp.Symbol("k", positive=True)
    Sigma_X, beta_star = MatrixSymbol("Sigma_X", d, d), MatrixSymbol("beta_star", d, c)
    U, V = scaled.U, scaled.V
    Q, F, J, P = MatrixSymbol("Q", n, h), MatrixSymbol("F", n, n), MatrixSymbol("J", n, n), MatrixSymbol("P", n, n)
    definitions = s.definitions + (
        Definition(Sigma_X, X.T * X, r"input covariance; whitened data: $\Sigma_X = I_d$"),
        Definition(beta_star, X.T * Y, r"$d \times c$"),
        Definition(W1, W, r"first layer, $h \times d$, rate $\eta_w$"),
        Definition(W2, A.T, r"readout, $c \times h$, rate $\eta_a$: $f(x) = W_2 W_1 x$, $W_2 W_1 = \beta^\top$"),
        Definition(S, beta_star.T, r"$S = Y^\top X$, $c \times d$"),
        Definition(k, sp.sqrt(eta_a * eta_w), r"the scaled time is $\tau = k^2 t$"),
        Definition(lam_scaled, lam / k**2),
        Definition(U, W1 / sp.sqrt(eta_w)),
        Definition(V, W2 / sp.sqrt(eta_a)),
        Definition(Q, scaled.Q, r"the stacked, rate-scaled layers, $(d + c) \times h$"),
        Definition(F, fold(scaled.F, (Definition(k, sp.sqrt(eta_a * eta_w)),))),
        Definition(J, BlockMatrix([[Identity(d), ZeroMatrix(d, c)], [ZeroMatrix(c, d), -Identity(c)]])),
        Definition(P, Q * Q.T, r"$(d + c) \times (d + c)$"),
    )
    white = sp.Eq(Sigma_X, Identity(d))
    balanced = sp.Eq(Delta, lam * I_h)
    vel = {W: s.W_dot / k**2, A: s.A_dot / k**2}
    dU, dV, dQ = ddtau(U, vel), ddtau(V, vel), ddtau(Q, vel)
    U_rate = V.T * S / k - (U * U.T + Delta / k**2) * U
    V_rate = S * U.T / k - V * U * U.T
    Q_rhs = F * Q - Q * Q.T * Q / 2
    steps = (
        Step(ddt(Delta, s.flow), ZeroMatrix(h, h),
             r"$\Delta$ is conserved, for any data: $\Delta(t) = \Delta(0) = \lambda I_h$ for all $t$",
             uses=("wide_linear_conservation:conserved",), label="conserved"),
        Step(Delta, eta_w * W2.T * W2 - eta_a * W1 * W1.T, r"in the layout $W_1 = W$, $W_2 = A^\top$",
             label="Delta_layers"),
        Step(G, Sigma_X * beta - beta_star, r"definitions of $G$, $R$, $\beta_*$", label="G_data"),
        Step(G, beta - beta_star, "whitened data", given=(white,), uses=("G_data",), label="G_whitened"),
        Chain(ddt(W1, s.flow),
              (-eta_w * A * G.T, r"the gradient flow", {"uses": ("wide_linear_conservation:grad_W",)}),
              (flow.W1dot, r"$G = \beta - \beta_*$", {"uses": ("G_whitened",)}),
              given=(white,), label="flow_W1"),
        Chain(ddt(W2, s.flow),
              (-eta_a * G.T * W.T, r"the gradient flow", {"uses": ("wide_linear_conservation:grad_A",)}),
              (flow.W2dot, r"$G = \beta - \beta_*$", {"uses": ("G_whitened",)}),
              given=(white,), label="flow_W2"),
        Step(V.T * V - U * U.T, Delta / k**2, r"definitions of $U$, $V$, $k$ and $\Delta$ (any $W$, $A$)",
             label="balance_any"),
        Step(V.T * V - U * U.T, lam_scaled * I_h, r"$\lambda$-balanced", given=(balanced,), uses=("balance_any",),
             label="balance"),
        Chain(dU,
              (ddt(W1, s.flow) / (k**2 * sp.sqrt(eta_w)), r"$\tau = k^2 t$ and the definition of $U$"),
              (flow.W1dot / (k**2 * sp.sqrt(eta_w)), r"the flow of $W_1$", {"uses": ("flow_W1",), "unfold": ()}),
              (U_rate, r"definitions of $U$, $V$, $k$ and $\Delta$"),
              given=(white,), label="U_flow"),
        Chain(dV,
              (ddt(W2, s.flow) / (k**2 * sp.sqrt(eta_a)), r"$\tau = k^2 t$ and the definition of $V$"),
              (flow.W2dot / (k**2 * sp.sqrt(eta_a)), r"the flow of $W_2$", {"uses": ("flow_W2",), "unfold": ()}),
              (V_rate, r"definitions of $U$, $V$, $k$"),
              given=(white,), label="V_flow"),
        Chain(dQ,
              (BlockMatrix([[dU.T], [dV]]), "block by block", {"rewrite": blockwise}),
              (BlockMatrix([[U_rate.T], [V_rate]]), r"the flows of $U$ and $V$", {"uses": ("U_flow", "V_flow"),
                                                                                  "unfold": ()}),
              (Q_rhs - J * Q * (Delta / k**2 - lam_scaled * I_h) / 2, r"multiply the blocks out",
               {"rewrite": blockwise}),
              given=(white,), label="Q_flow_any"),
        Step(dQ, Q_rhs, r"the remainder vanishes when $\Delta = \lambda I_h$, i.e.\ $\lambda' = \lambda/k^2$",
             given=(white, balanced), uses=("Q_flow_any",), unfold=(lam_scaled, k),
             rewrite="distribute_matrix_products", label="Q_flow"),
        Step(F.T, F, r"$F$ is symmetric", rewrite=blockwise, label="F_symmetric"),
        Chain(ddtau(P, vel),
              (dQ * Q.T + Q * dQ.T, "product rule", {"rewrite": blockwise}),
              (Q_rhs * Q.T + Q * Q_rhs.T, r"the flow of $Q$", {"uses": ("Q_flow",), "unfold": ()}),
              (F * P + P * F.T - P * P, r"expand, $P = Q Q^\top$", {"unfold": (P,),
                                                                    "rewrite": "distribute_matrix_products"}),
              (F * P + P * F - P * P, r"$F^\top = F$", {"uses": ("F_symmetric",), "unfold": ()}),
              given=(white, balanced), label="riccati"),
    )
    closed_definitions, closed_steps = _closed_form(F, n)
    definitions += closed_definitions
    steps += closed_steps
    kernel_definitions, kernel_steps = _kernel_form_steps(h)
    definitions += kernel_definitions
    steps += kernel_steps
    eigen_definitions, eigen_steps = _eigen_steps(F, S, k, n)
    definitions += eigen_definitions
    steps += eigen_steps
    steps += (Step(P, BlockMatrix([[W1.T * W1 / eta_w, beta / k], [beta.T / k, W2 * W2.T / eta_a]]),
                   r"the blocks of $P = Q Q^\top$: $W_2 W_1 = \beta^\top = k P_{21}$", rewrite=blockwise,
                   label="blocks"),
              _reduction_lemma("neuron"), _reduction_lemma("aligned"))
    return Derivation(
        name="wide_linear_closed_form",
        title=r"Wide linear network: the exact trajectory of any $\lambda$-balanced initialisation",
        family="wide linear",
        statement=(
            r"Let $f(x) = W_2 W_1 x$ ($W_1 \in \mathbb{R}^{h \times d}$, $W_2 \in \mathbb{R}^{c \times h}$) be trained by "
            r"gradient flow on whitened data from any initialisation with "
            r"$\Delta = \eta_w W_2^\top W_2 - \eta_a W_1 W_1^\top = \lambda I_h$, and $S = Y^\top X$. With "
            r"$k = \sqrt{\eta_a\eta_w}$, $\tau = k^2 t$ and $\lambda' = \lambda/k^2$, the stacked layers "
            r"$Q = \bigl(\begin{smallmatrix} W_1^\top/\sqrt{\eta_w} \\ W_2/\sqrt{\eta_a} \end{smallmatrix}\bigr)$ "
            r"obey $dQ/d\tau = F Q - \tfrac12 Q Q^\top Q$ with the symmetric "
            r"$F = \bigl(\begin{smallmatrix} -\lambda'/2\, I_d & S^\top/k \\ S/k & \lambda'/2\, I_c "
            r"\end{smallmatrix}\bigr)$, so $P = Q Q^\top$ solves the matrix Riccati equation "
            r"$dP/d\tau = F P + P F - P^2$, whose solution is $P(\tau) = e^{F\tau} Q_0\, \Gamma(\tau)^{-1} Q_0^\top "
            r"e^{F\tau}$, $\Gamma(\tau) = I_h + Q_0^\top \bigl(\int_0^\tau e^{2Fs} ds\bigr) Q_0$, for all widths "
            r"$d$, $h$, $c$ and every sign of $\lambda$. The blocks of $P$ are $W_1^\top W_1/\eta_w$, "
            r"$\beta/k$ and $W_2 W_2^\top/\eta_a$ ($W_2 W_1 = \beta^\top$). On a singular pair $S v = s u$ of $S$, "
            r"$F$ has the eigenvalues $\pm\sqrt{\lambda'^2/4 + s^2/k^2}$; it has $-\lambda'/2$ on the rest of the "
            r"input side and $+\lambda'/2$ on the rest of the output side. For $h = c = 1$ this is the single neuron "
            r"($\lambda = \delta$), and aligned initialisations give the singular values of the paper's Section 4."
        ),
        assumptions=(r"whitened data $X^\top X = I_d$ ($\Sigma_X = I_d$)",
                     r"$\Delta = \lambda I_h$ at $t = 0$, hence for all $t$ ($\lambda$ of any sign)",
                     r"learning rates $\eta_a, \eta_w > 0$; any widths $d$, $h$, $c$ (symbolic)"),
        definitions=definitions,
        steps=steps,
        result=("Q_flow", "riccati", "closed_solves", "closed_initial"),
        requires=REQUIRES,
        notes=__doc__.split("\n\n", 1)[1].strip(),
    )


def _closed_form(F, n):
    """Definitions and steps of the closed form $\\hat P = M \\Gamma^{-1} M^\\top$ (matrix symbols, any sizes)."""
    Q0, M = MatrixSymbol("Q_0", n, h), MatrixSymbol("M", n, h)
    Gam = MatrixSymbol("Gamma", h, h)
    Phat = MatrixSymbol("Phat", n, n)
    I_h = Identity(h)
    rate_inv = -Gam.I * M.T * M * Gam.I
    vel = {M: F * M, Gam: M.T * M, Gam.I: rate_inv}
    definitions = (Definition(Phat, M * Gam.I * M.T, r"$M = e^{F\tau} Q_0$, $\Gamma = I_h + Q_0^\top "
                                                     r"\bigl(\int_0^\tau e^{2Fs} ds\bigr) Q_0$"),)
    steps = (
        Step(ddtau(Gam, vel) * Gam.I + Gam * rate_inv, ZeroMatrix(h, h),
             r"$\frac{d\Gamma}{d\tau} = Q_0^\top e^{2F\tau} Q_0 = M^\top M$ ($F$ symmetric), and the rate "
             r"$-\Gamma^{-1} M^\top M \Gamma^{-1}$ of $\Gamma^{-1}$ used below keeps $\Gamma\Gamma^{-1} = I_h$",
             label="inverse_rate"),
        Chain(ddtau(Phat, vel),
              (F * M * Gam.I * M.T + M * rate_inv * M.T + M * Gam.I * M.T * F.T,
               r"product rule, $\frac{dM}{d\tau} = F M$", {"unfold": (Phat,)}),
              (F * Phat + Phat * F - Phat * Phat, r"$F^\top = F$",
               {"uses": ("F_symmetric",), "unfold": (Phat,), "rewrite": "distribute_matrix_products"}),
              label="closed_solves"),
        Step(Phat, Q0 * Q0.T, r"at $\tau = 0$", given=(sp.Eq(M, Q0), sp.Eq(Gam, I_h)), label="closed_initial"),
    )
    return definitions, steps


def inside_inverses(expr):
    """Distribute the products inside every inverse, let SymPy invert the products, then distribute again.

    The distributive law and $(XY)^{-1} = Y^{-1} X^{-1}$, nothing else.
    """
    e = expr.doit().replace(lambda x: isinstance(x, sp.Inverse), lambda x: sp.Inverse(distribute_matrix_products(x.arg)))
    return distribute_matrix_products(e.doit())


def _kernel_form_steps(hh):
    """The eigenbasis form and the factorisation the kernels of ``symrich.wide_linear.riccati`` evaluate."""
    sol = eigenbasis_solution(2, 1)
    m = sp.Symbol("m", integer=True, positive=True)
    I_h = Identity(hh)
    D, Ph, Z = MatrixSymbol("D", m, m), MatrixSymbol("Phi_half", m, m), MatrixSymbol("Z", m, hh)
    Q1, T = MatrixSymbol("Q_1", m, hh), MatrixSymbol("T", hh, hh)
    C, N = MatrixSymbol("C", m, m), MatrixSymbol("N", m, hh)
    definitions = (Definition(C, D * Ph.I, r"$m = d + c$; bounded entries $e^{\mu_i\tau}/\sqrt{\phi_i}$"),
                   Definition(N, Ph * Z))
    return definitions, (
        Step(sol.P.diff(tau), sol.F * sol.P + sol.P * sol.F - sol.P * sol.P,
             r"In the eigenbasis of $F = E \operatorname{diag}(\mu) E^\top$, with $Z = E^\top Q_0$, "
             r"$D = e^{\operatorname{diag}(\mu)\tau}$, $\Phi = \operatorname{diag}\bigl((e^{2\mu_i\tau} - 1)/(2\mu_i)\bigr)$, "
             r"$E^\top \hat P E = D Z (I_h + Z^\top \Phi Z)^{-1} Z^\top D$ solves the Riccati equation, checked with "
             r"explicit entries for $d + c = 2$, $h = 1$", lemma=True, methods=("cancel",), label="eigenbasis"),
        Step(D * Z * (I_h + Z.T * Ph * Ph * Z).I * Z.T * D, C * N * (I_h + N.T * N).I * N.T * C.T,
             r"with $\Phi^{1/2}$ the diagonal root of $\Phi$: the eigenbasis form is "
             r"$C N (I_h + N^\top N)^{-1} N^\top C^\top$ with $N = \Phi^{1/2} Z$ and the bounded $C = D \Phi^{-1/2}$",
             given=(sp.Eq(D.T, D), sp.Eq(Ph.T, Ph)), rewrite="distribute_matrix_products", unfold=(C, N),
             label="scaled_form"),
        Step(N * (I_h + N.T * N).I * N.T, Q1 * Q1.T,
             r"a QR factorisation $\bigl(\begin{smallmatrix} N \\ I_h \end{smallmatrix}\bigr) = "
             r"\bigl(\begin{smallmatrix} Q_1 \\ Q_2 \end{smallmatrix}\bigr) T$ has $N = Q_1 T$, $Q_2 = T^{-1}$ and "
             r"$Q_1^\top Q_1 + Q_2^\top Q_2 = I_h$: the middle factor is $Q_1 Q_1^\top$, so "
             r"$E^\top \hat P E = (C Q_1)(C Q_1)^\top$",
             given=(sp.Eq(N, Q1 * T), sp.Eq(Q1.T * Q1, I_h - T.T.I * T.I)), rewrite=inside_inverses, unfold=(), label="qr_form"),
    )


def _eigen_steps(F, S, k, n):
    """Definitions and steps: $F$ on a singular pair $S v = s u$, $S^\\top u = s v$ and on the kernels of $S$, $S^\\top$."""
    u, v = MatrixSymbol("u", c, 1), MatrixSymbol("v", d, 1)
    u_perp, v_perp = MatrixSymbol("u_perp", c, 1), MatrixSymbol("v_perp", d, 1)
    s = sp.Symbol("s", nonnegative=True)
    r = sp.Symbol("r", positive=True)
    x, y = sp.symbols("x y", real=True)
    a, b = lam_scaled / 2, s / k
    pair, perp = BlockMatrix([[x * v], [y * u]]), BlockMatrix([[x * v_perp], [y * u_perp]])
    A = sp.ImmutableMatrix([[-a, b], [b, a]])
    e_plus, e_minus = sp.ImmutableMatrix([b, r + a]), sp.ImmutableMatrix([-(r + a), b])
    definitions = (Definition(r, sp.sqrt(a**2 + b**2), r"for a singular value $s \ge 0$ of $S$"),)
    steps = (
        Step(F * pair, BlockMatrix([[-a * x * v + y * S.T * u / k], [x * S * v / k + a * y * u]]),
             "Multiply the blocks", unfold=(F,), rewrite=blockwise, label="F_times_pair"),
        Step(F * pair, BlockMatrix([[(-a * x + b * y) * v], [(b * x + a * y) * u]]),
             r"for unit singular vectors, $S v = s u$ and $S^\top u = s v$",
             given=(sp.Eq(S * v, s * u), sp.Eq(S.T * u, s * v)), uses=("F_times_pair",), unfold=(), rewrite=blockwise,
             label="F_on_pair"),
        Step(sp.MatMul(A, e_plus, evaluate=False), r * e_plus,
             r"so on the plane of $(v, 0)$ and $(0, u)$, $F$ acts as this $2 \times 2$ matrix, with the eigenvalue $r$",
             label="eig_plus"),
        Step(sp.MatMul(A, e_minus, evaluate=False), -r * e_minus, r"and the eigenvalue $-r$", label="eig_minus"),
        Step(F * perp, BlockMatrix([[-a * x * v_perp + y * S.T * u_perp / k], [x * S * v_perp / k + a * y * u_perp]]),
             "Multiply the blocks", unfold=(F,), rewrite=blockwise, label="F_times_perp"),
        Step(F * perp, BlockMatrix([[-a * x * v_perp], [a * y * u_perp]]),
             r"on the kernels $S v_\perp = 0$, $S^\top u_\perp = 0$: eigenvalues $-\lambda'/2$ (input side) and "
             r"$+\lambda'/2$ (output side)",
             given=(sp.Eq(S * v_perp, ZeroMatrix(c, 1)), sp.Eq(S.T * u_perp, ZeroMatrix(d, 1))),
             uses=("F_times_perp",), unfold=(), rewrite=blockwise, label="F_on_kernels"),
    )
    return definitions, steps


def _reduction_lemma(kind):
    """Lemma (numeric): for $d = c = h = 1$ the closed form is the single neuron's, and the aligned singular value."""
    from symrich.symbolic import single_neuron_solution as neuron
    from symrich.symbolic import wide_linear as wide
    from symrich.symbolic.symbols import delta, s, t

    sol = eigenbasis_solution(2, 1)
    k = sp.sqrt(eta_a * eta_w)
    a, b = delta / (2 * k**2), s / k
    r = sp.sqrt(a**2 + b**2)
    E = sp.Matrix([[b, -(r + a)], [r + a, b]]) / sp.sqrt(2 * r * (r + a))
    if kind == "neuron":
        a0, w0 = neuron.a0, neuron.pi0 * s
        delta_value = eta_w * a0**2 - eta_a * w0**2
    else:
        sigma0 = wide.sigma0
        a0 = sp.sqrt((delta + sp.sqrt(delta**2 + 4 * eta_a * eta_w * sigma0**2)) / (2 * eta_w))
        w0 = sigma0 / a0
        delta_value = delta
    Z = E.T * sp.Matrix([w0 / sp.sqrt(eta_w), a0 / sp.sqrt(eta_a)])
    values = {sol.mu[0]: r, sol.mu[1]: -r, sol.Z[0, 0]: Z[0], sol.Z[1, 0]: Z[1], tau: k**2 * t}
    P = (E * sol.P.xreplace(values) * E.T).xreplace({delta: delta_value})
    if kind == "neuron":
        plain = neuron.plain_solution(t, s**2)
        w_t = (plain.p * s).xreplace({delta: delta_value})
        a_t = plain.a.xreplace({delta: delta_value})
        return Step(sp.Matrix([k * P[1, 0], eta_a * P[1, 1]]), sp.Matrix([a_t * w_t, a_t**2]),
                    r"For $h = c = d = 1$, $\lambda = \delta$, $S = s$: the closed form gives $k P_{21} = a(t) w(t)$ and "
                    r"$\eta_a P_{22} = a(t)^2$ with the single neuron's plain closed form "
                    r"(\textsf{single neuron closed form}) at $\tau = k^2 t$", lemma=True, symbolic=False,
                    label="single_neuron")
    kappa = wide.kappa_of(delta)
    sigma_t = wide.sigma_of_v(wide.v_trajectory(t, wide.v_of_sigma(wide.sigma0, kappa), s, kappa), kappa)
    return Step(k * P[1, 0], sigma_t,
                r"Aligned, $h = c = d = 1$ with $\Delta = \delta$ and $\beta_0 = \sigma_0 > 0$: $k P_{21}$ is the "
                r"singular value $\sigma(t)$ of \textsf{wide linear singular values}; an aligned initialisation of any "
                r"width moves on the invariant planes of $F$, one such problem per singular pair", lemma=True,
                symbolic=False, domain={wide.sigma0: (0.2, 3.0)}, label="aligned")
