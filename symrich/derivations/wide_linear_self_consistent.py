"""Wide linear network: the self-consistent $\\beta$-flow when $\\Delta = \\delta I_h$ (paper, Theorem 4.2, with learning rates).

The algebra is coordinate-free (matrix symbols of symbolic size, general data).
The squares of $S_d$ and $S_c$ are first computed for every $(W, A)$, with a
remainder proportional to $\\Delta - \\delta I_h$; the hypothesis $\\Delta = \\delta I_h$
then removes it.  A symmetric positive semidefinite matrix has exactly one
symmetric positive semidefinite square root, so under the condition (C)
($S_d, S_c \\succeq 0$) $S_d = \\sqrt{\\eta \\beta\\beta^\\top + \\delta^2/4\\, I_d}$ and
$S_c = \\sqrt{\\eta \\beta^\\top\\beta + \\delta^2/4\\, I_c}$, which turns the boxed
$\\beta$-flow into the formula of Theorem 4.2.

When (C) holds, given $\\Delta = \\delta I_h$, follows from the quadratic forms of $S_d$,
$S_c$, $\\eta_w A A^\\top$ and $\\eta_a W W^\\top$ below ($\\|v\\|^2 = v^\\top v$).  For $\\delta > 0$: $\\eta_w \\|A^\\top u\\|^2 \\ge
\\delta \\|u\\|^2$, so $A$ has rank $h \\le c$; on the kernel of $A$ the form of $S_c$ is
$-\\tfrac{\\delta}{2}\\|z\\|^2 < 0$, so (C) needs $\\operatorname{rank} A = c$: $h = c$.
Conversely, for $h = c$ the matrix $A$ is invertible, $A^\\top A = A^{-1}(A A^\\top) A$
has the eigenvalues of $A A^\\top$, which are at least $\\delta/\\eta_w$, so $S_c \\succeq
\\tfrac{\\delta}{2} I_c$, and $S_d \\succeq \\tfrac{\\delta}{2} I_d$ by its form.  For $\\delta < 0$
the roles of $W$ and $A$ swap: (C) holds if and only if $h = d$.  For $\\delta = 0$
both forms are sums of squares: (C) holds for any $h$.  Since $\\Delta$ is conserved,
(C) then holds for all time.
"""

import sympy as sp

from symrich.derivations.wide_linear_conservation import setting
from symrich.engine import Chain, Definition, Derivation, Step
from symrich.engine.calculus import ddt
from symrich.symbolic.symbols import delta, eta, eta_a, eta_w
from symrich.symbolic.wide_linear import balanced_network, beta_flow_rhs, conserved_Delta, sqrt_psd_2x2

ORDER = 210
REQUIRES = ("wide_linear_conservation",)


def derivation():
    s = setting()
    W, A, G, beta, Delta = s.W, s.A, s.G, s.beta, s.Delta
    h, d = W.shape
    c = A.shape[1]
    I_d, I_c, I_h = sp.Identity(d), sp.Identity(c), sp.Identity(h)
    S_d, S_c = sp.MatrixSymbol("S_d", d, d), sp.MatrixSymbol("S_c", c, c)
    definitions = s.definitions + (
        Definition(eta, eta_a * eta_w),
        Definition(S_d, eta_a * W.T * W + delta / 2 * I_d, r"$d \times d$"),
        Definition(S_c, eta_w * A.T * A - delta / 2 * I_c, r"$c \times c$"),
    )
    hypothesis = sp.Eq(Delta, delta * I_h)
    x, z, u = sp.MatrixSymbol("x", d, 1), sp.MatrixSymbol("z", c, 1), sp.MatrixSymbol("u", h, 1)
    Wx, Az, Wu, Au = W * x, A * z, W.T * u, A.T * u
    k = sp.Symbol("k", integer=True, positive=True)
    N = sp.MatrixSymbol("N", k, k)
    steps = (
        Chain(ddt(beta, s.flow),
              (-eta_a * W.T * W * G - eta_w * G * A.T * A, r"the $\beta$-flow",
               {"uses": ("wide_linear_conservation:beta_flow",)}),
              (beta_flow_rhs(G, S_d, S_c, delta), r"definitions of $S_d$, $S_c$"),
              label="flow"),
        Chain(S_d * S_d,
              (eta_a**2 * W.T * W * W.T * W + delta * eta_a * W.T * W + delta**2 / 4 * I_d, "expand",
               {"rewrite": "distribute_matrix_products"}),
              (eta_a * W.T * (eta_a * W * W.T + delta * I_h) * W + delta**2 / 4 * I_d, "factor",
               {"rewrite": "distribute_matrix_products"}),
              (eta_a * W.T * (eta_w * A * A.T - Delta + delta * I_h) * W + delta**2 / 4 * I_d, r"definition of $\Delta$",
               {"rewrite": "distribute_matrix_products"}),
              (eta * beta * beta.T + delta**2 / 4 * I_d + eta_a * W.T * (delta * I_h - Delta) * W,
               r"$\beta\beta^\top = W^\top A A^\top W$", {"rewrite": "distribute_matrix_products"}),
              label="square_d_any"),
        Step(S_d * S_d, eta * beta * beta.T + delta**2 / 4 * I_d, r"the remainder vanishes", given=(hypothesis,),
             uses=("square_d_any",), rewrite="distribute_matrix_products", label="square_d"),
        Chain(S_c * S_c,
              (eta_w**2 * A.T * A * A.T * A - delta * eta_w * A.T * A + delta**2 / 4 * I_c, "expand",
               {"rewrite": "distribute_matrix_products"}),
              (eta_w * A.T * (eta_w * A * A.T - delta * I_h) * A + delta**2 / 4 * I_c, "factor",
               {"rewrite": "distribute_matrix_products"}),
              (eta_w * A.T * (eta_a * W * W.T + Delta - delta * I_h) * A + delta**2 / 4 * I_c, r"definition of $\Delta$",
               {"rewrite": "distribute_matrix_products"}),
              (eta * beta.T * beta + delta**2 / 4 * I_c + eta_w * A.T * (Delta - delta * I_h) * A,
               r"$\beta^\top\beta = A^\top W W^\top A$", {"rewrite": "distribute_matrix_products"}),
              label="square_c_any"),
        Step(S_c * S_c, eta * beta.T * beta + delta**2 / 4 * I_c, r"the remainder vanishes", given=(hypothesis,),
             uses=("square_c_any",), rewrite="distribute_matrix_products", label="square_c"),
        Step(x.T * S_d * x, eta_a * Wx.T * Wx + delta / 2 * x.T * x,
             r"the form of $S_d$, for $x \in \mathbb{R}^d$: $S_d \succeq 0$ when $\delta \ge 0$; on the kernel of $W$ it is "
             r"$\tfrac{\delta}{2}\|x\|^2$", rewrite="distribute_matrix_products", label="form_d"),
        Step(z.T * S_c * z, eta_w * Az.T * Az - delta / 2 * z.T * z,
             r"the form of $S_c$, for $z \in \mathbb{R}^c$: $S_c \succeq 0$ when $\delta \le 0$; on the kernel of $A$ it is "
             r"$-\tfrac{\delta}{2}\|z\|^2$", rewrite="distribute_matrix_products", label="form_c"),
        Chain(eta_w * Au.T * Au, (u.T * (Delta + eta_a * W * W.T) * u, r"definition of $\Delta$, for $u \in \mathbb{R}^h$",
                                  {"rewrite": "distribute_matrix_products"}), label="gram_A_any"),
        Step(eta_w * Au.T * Au, delta * u.T * u + eta_a * Wu.T * Wu,
             r"for $\delta > 0$, $A A^\top \succeq (\delta/\eta_w) I_h$: $A$ has rank $h$", given=(hypothesis,),
             uses=("gram_A_any",), rewrite="distribute_matrix_products", label="gram_A"),
        Chain(eta_a * Wu.T * Wu, (u.T * (eta_w * A * A.T - Delta) * u, r"definition of $\Delta$",
                                  {"rewrite": "distribute_matrix_products"}), label="gram_W_any"),
        Step(eta_a * Wu.T * Wu, -delta * u.T * u + eta_w * Au.T * Au,
             r"for $\delta < 0$, $W W^\top \succeq (|\delta|/\eta_a) I_h$: $W$ has rank $h$", given=(hypothesis,),
             uses=("gram_W_any",), rewrite="distribute_matrix_products", label="gram_W"),
        Step(sp.MatMul(N.inverse(), N * N.T, N), N.T * N,
             r"for an invertible $k \times k$ matrix $N$, $N^\top N$ is similar to $N N^\top$ (same eigenvalues)",
             label="similar"),
        _root_uniqueness(),
        _root_squares_back(),
    ) + tuple(_recipe(kind, dd, cc, hh) for kind, dd, cc, hh in _RECIPES)
    return Derivation(
        name="wide_linear_self_consistent",
        title=r"Wide linear network: the self-consistent $\beta$-flow when $\Delta = \delta I_h$",
        family="wide linear",
        statement=(
            r"Let $S_d = \eta_a W^\top W + \tfrac{\delta}{2} I_d$ and $S_c = \eta_w A^\top A - \tfrac{\delta}{2} I_c$. "
            r"For any data, $\dot\beta = -(S_d - \tfrac{\delta}{2} I_d) G - G (S_c + \tfrac{\delta}{2} I_c)$. If "
            r"$\Delta = \delta I_h$ (then for all time), $S_d^2 = \eta\beta\beta^\top + \tfrac{\delta^2}{4} I_d$ and "
            r"$S_c^2 = \eta\beta^\top\beta + \tfrac{\delta^2}{4} I_c$ with $\eta = \eta_a\eta_w$; under the condition (C) "
            r"$S_d \succeq 0$, $S_c \succeq 0$ they are the positive semidefinite square roots, and "
            r"$\dot\beta = -\bigl(\sqrt{\eta\beta\beta^\top + \tfrac{\delta^2}{4} I_d} - \tfrac{\delta}{2} I_d\bigr) G "
            r"- G \bigl(\sqrt{\eta\beta^\top\beta + \tfrac{\delta^2}{4} I_c} + \tfrac{\delta}{2} I_c\bigr)$ is a flow of "
            r"$\beta$ alone. Given $\Delta = \delta I_h$, (C) holds if and only if $h = c$ ($\delta > 0$), $h = d$ "
            r"($\delta < 0$), any $h$ ($\delta = 0$)."
        ),
        assumptions=(r"$\Delta = \delta I_h$ at $t = 0$ (hence for all $t$, by the conservation of $\Delta$)",
                     r"(C) $S_d \succeq 0$, $S_c \succeq 0$, for the square-root form",
                     r"$X$, $Y$ arbitrary; $d, h, c, n$ symbolic", r"learning rates $\eta_a, \eta_w > 0$"),
        definitions=definitions,
        steps=steps,
        result=("flow", "square_d", "square_c"),
        requires=REQUIRES,
        notes=__doc__.split("\n\n", 1)[1].strip() + (
            r" The lemmas: the closed-form root of a $2 \times 2$ matrix used by the other derivations returns $S$ "
            r"from $S^2$ for every symmetric positive definite $S$ (uniqueness of the root, in coordinates) and "
            r"squares back; and the initialisation recipes produce $\Delta = \delta I_h$ at the widths of the "
            r"condition."),
    )


def _root_uniqueness():
    """Lemma: ``sqrt_psd_2x2(S^2) = S`` for every symmetric positive definite 2 x 2 ``S``."""
    m, r = sp.symbols("m r", positive=True)
    q = sp.Symbol("q", real=True)
    S = sp.Matrix([[m + q**2 / r, q], [q, r]])  # every SPD 2 x 2 matrix: r = S_22 > 0, m = det S / r > 0
    return Step(sqrt_psd_2x2(S * S), S,
                r"the closed-form root $(M + \sqrt{\det M}\, I)/\sqrt{\operatorname{tr} M + 2\sqrt{\det M}}$ of "
                r"$M = S^2$ is $S$, for every symmetric positive definite $2 \times 2$ matrix "
                r"$S = \bigl(\begin{smallmatrix} m + q^2/r & q \\ q & r \end{smallmatrix}\bigr)$, $m, r > 0$",
                lemma=True, rewrite="factor_half_powers")


def _root_squares_back():
    """Lemma: the closed-form root of a symmetric 2 x 2 matrix squares back (Cayley-Hamilton)."""
    p, r = sp.symbols("p r", positive=True)
    q = sp.Symbol("q", real=True)
    M = sp.Matrix([[p, q], [q, r]])
    return Step(sqrt_psd_2x2(M) * sqrt_psd_2x2(M), M,
                r"the closed-form root of a symmetric $2 \times 2$ matrix $M$ squares back to $M$ (Cayley--Hamilton), "
                r"sampled on $\det M > 0$",
                lemma=True, methods=("expand", "cancel"), domain={q: (-0.5, 0.5), p: (1, 3), r: (1, 3)})


#: (recipe, d, c, h) of the initialisations checked: the widths the condition allows for each sign of delta.
_RECIPES = (("positive", 2, 2, 2), ("positive", 2, 1, 1), ("positive", 1, 2, 2),
            ("negative", 2, 2, 2), ("negative", 2, 1, 2), ("negative", 1, 2, 1),
            ("zero", 2, 2, 2), ("zero", 2, 2, 1))


def _recipe(kind, dd, cc, hh):
    """Lemma: the initialisation recipe ``kind`` gives ``Delta = delta I_h`` (randomized check)."""
    W, A, _ = balanced_network(kind, dd, cc, hh=hh if kind == "zero" else None)
    assert W.shape[0] == hh
    dl = {"positive": delta, "negative": delta, "zero": sp.S.Zero}[kind]
    sign = {"positive": r"\delta > 0", "negative": r"\delta < 0", "zero": r"\delta = 0"}[kind]
    recipe = {
        "positive": r"$W$ free, $A = \bigl((\eta_a W W^\top + \delta I)/\eta_w\bigr)^{1/2} O$",
        "negative": r"$A$ free, $W = \bigl((\eta_w A A^\top - \delta I)/\eta_a\bigr)^{1/2} O$",
        "zero": r"$W = U S V_1^\top$, $A = \sqrt{\eta_a/\eta_w}\, U S V_2^\top$",
    }[kind]
    domain = {"positive": {delta: (0.2, 3.0)}, "negative": {delta: (-3.0, -0.2)}, "zero": {}}[kind]
    return Step(conserved_Delta(W, A), dl * sp.eye(hh),
                rf"initialisation recipe for ${sign}$, $d = {dd}$, $c = {cc}$, $h = {hh}$ ({recipe}, $O$ a rotation, "
                r"entries free symbols): $\Delta = \delta I_h$",
                lemma=True, symbolic=False, domain=domain)
