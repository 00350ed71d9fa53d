"""Single neuron: the function-space flow $\\dot\\beta = -M g$, $M$ in $\\delta$ and $\\beta$, its eigenpairs, the NTK (paper, Section 3).

The flow of $\\beta = a w$ and the NTK are proved coordinate-free (matrix symbols of symbolic size
$d$, $n$; general data).  Writing $M = \\eta_a w w^\\top + \\eta_w a^2 I$ in $\\delta$ and $\\beta$ alone
rests on two scalar identities, $\\eta_w a^2 = (R + \\delta)/2$ and $\\eta_a \\|w\\|^2 = (R - \\delta)/2$,
which hold because $R^2 = \\delta^2 + 4\\eta_a\\eta_w \\|\\beta\\|^2$ is the perfect square
$(\\eta_w a^2 + \\eta_a \\|w\\|^2)^2$.  The eigenpairs ($R$ along $\\beta$, $(R + \\delta)/2$ on
$\\beta^\\perp$) follow coordinate-free from that form of $M$, given $\\beta^\\top\\beta = \\|\\beta\\|^2$
and $\\beta^\\top v = 0$; they are boxed with the flow.  Lemmas check them again with explicit
vectors for $d = 2, 3, 4$, in the form of $M$ the kernels compile.
"""

import sympy as sp

from symrich.engine import Chain, Definition, Derivation, Step
from symrich.symbolic.single_neuron import M_beta, M_parameters, R_of, conserved_delta, parameter_flow
from symrich.symbolic.symbols import R, a, delta, eta_a, eta_w, rho, u, vector

ORDER = 20
REQUIRES = ()


def _eigen_lemma(dim):
    """Lemma: with explicit $b \\in \\mathbb{R}^d$, $M b = R b$ and $M v = (R + \\delta)/2\\, v$ for $v \\perp b$."""
    b = vector("b", dim)
    Mb = M_beta(b, delta)
    Rb = R_of(delta, sp.sqrt((b.T * b)[0, 0]))
    lhs, rhs = [Mb * b], [Rb * b]
    for j in range(1, dim):
        v = sp.zeros(dim, 1)
        v[0], v[j] = b[j], -b[0]
        lhs.append(Mb * v)
        rhs.append((Rb + delta) / 2 * v)
    others = ", ".join(f"b_{j + 1} e_1 - b_1 e_{j + 1}" for j in range(1, dim))
    return Step(sp.Matrix.vstack(*lhs), sp.Matrix.vstack(*rhs),
                rf"in coordinates, $d = {dim}$: for $M$ in $\beta = b$, $M b = R b$, and the $d - 1$ independent vectors "
                rf"${others}$, orthogonal to $b$, have the eigenvalue $(R + \delta)/2$",
                methods=("cancel", "simplify"), lemma=True)


def _eigen_steps(M, beta, eye, parallel):
    """$M\\beta = R\\beta$ and $M v = \\tfrac{R + \\delta}{2} v$ for $\\beta^\\top v = 0$, coordinate-free, from the form of $M$ in $\\beta$."""
    v = sp.MatrixSymbol("v", *beta.shape)
    M_form = (R + delta) / 2 * eye + parallel
    norm = sp.Eq(beta.T * beta, rho**2 * sp.Identity(1), evaluate=False)  # a 1x1 matrix: it survives pickling
    orthogonal = sp.Eq(beta.T * v, sp.ZeroMatrix(1, 1), evaluate=False)
    return (
        Chain(M * beta,
              (M_form * beta, r"the form of $M$ in $\beta$", {"uses": ("M_beta",), "unfold": ()}),
              ((R + delta) / 2 * beta + (R - delta) / (2 * rho**2) * beta * beta.T * beta, r"distribute", {"unfold": ()}),
              label="M_on_beta"),
        Step(M * beta, R * beta,
             r"$\beta^\top\beta = \rho^2$: the eigenvalue along $\beta$ is $(R + \delta)/2 + (R - \delta)/2 = R$",
             uses=("M_on_beta",), unfold=(), given=(norm,), label="eigen_parallel"),
        Chain(M * v,
              (M_form * v, r"the form of $M$ in $\beta$", {"uses": ("M_beta",), "unfold": ()}),
              ((R + delta) / 2 * v + (R - delta) / (2 * rho**2) * beta * beta.T * v, r"distribute", {"unfold": ()}),
              label="M_on_v"),
        Step(M * v, (R + delta) / 2 * v,
             r"for $v$ orthogonal to $\beta$ the second term vanishes: the eigenvalue on $\beta^\perp$ is $(R + \delta)/2$",
             uses=("M_on_v",), unfold=(), given=(orthogonal,), label="eigen_perp"),
    )


def derivation():
    f = parameter_flow()
    w, X, y = f.w, f.X, f.y
    dim, samples = w.shape[0], X.shape[0]
    g = sp.MatrixSymbol("g", dim, 1)
    r = sp.MatrixSymbol("r", samples, 1)
    M = sp.MatrixSymbol("M", dim, dim)
    beta = sp.MatrixSymbol("beta", dim, 1)
    K = sp.MatrixSymbol("K", samples, samples)
    a_dot = sp.MatrixSymbol("a_dot", 1, 1)
    w_dot = sp.MatrixSymbol("w_dot", dim, 1)
    beta_dot = sp.MatrixSymbol("beta_dot", dim, 1)
    eye = sp.Identity(dim)
    definitions = (
        Definition(r, f.r, r"the residual"),
        Definition(g, X.T * r, r"the gradient of $\mathcal{L} = \tfrac12\|r\|^2$ in $\beta$"),
        Definition(a_dot, -eta_a * w.T * g, r"the gradient flow"),
        Definition(w_dot, -eta_w * a * g),
        Definition(beta, a * w),
        Definition(beta_dot, w * a_dot + a * w_dot, r"product rule ($\dot a$ is a scalar)"),
        Definition(M, M_parameters(a, w)),
        Definition(K, X * M * X.T, r"the neural tangent kernel"),
        Definition(delta, conserved_delta(a, u), r"with $u = \|w\|^2$"),
        Definition(rho, sp.sqrt(a**2 * u), r"$\|\beta\| = |a|\,\|w\|$"),
        Definition(R, R_of(delta, rho)),
    )
    parallel = (R - delta) / (2 * rho**2) * beta * beta.T
    steps = (
        Chain(beta_dot,
              (-eta_a * w * w.T * g - eta_w * a**2 * g, r"the flow"),
              (-M * g, r"the definition of $M$"),
              label="beta_flow"),
        Chain(R**2,
              (delta**2 + 4 * eta_a * eta_w * rho**2, r"the definition of $R$", {"unfold": (R,)}),
              ((eta_w * a**2 + eta_a * u) ** 2, r"$\delta = \eta_w a^2 - \eta_a u$, $\rho^2 = a^2 u$: a perfect square"),
              label="R_square"),
        Step(R, eta_w * a**2 + eta_a * u, r"the positive root", rewrite="factor_radicands", label="R_value"),
        Step(eta_w * a**2, (R + delta) / 2, r"half the sum of $R$ and $\delta = \eta_w a^2 - \eta_a u$", uses=("R_value",), unfold=(delta,), label="readout_part"),
        Step(eta_a * u, (R - delta) / 2, r"half their difference", uses=("R_value",), unfold=(delta,), label="layer_part"),
        Chain(M,
              (eta_a * w * w.T + eta_w * a**2 * eye, r"the definition", {"unfold": (M,)}),
              ((R + delta) / 2 * eye + parallel,
               r"$\eta_w a^2 = (R + \delta)/2$, and $\eta_a w w^\top = \eta_a u\, \beta\beta^\top/\rho^2$ with "
               r"$\eta_a u = (R - \delta)/2$", {"uses": ("R_value",), "unfold": (delta, rho, beta)}),
              label="M_beta"),
        Chain(X * beta_dot,
              (-X * M * g, r"$\dot\beta = -M g$", {"uses": ("beta_flow",), "unfold": ()}),
              (-K * r, r"$g = X^\top r$: the outputs $X\beta$ move by $-K (X\beta - y)$", {"unfold": (g, K)}),
              label="ntk"),
    ) + _eigen_steps(M, beta, eye, parallel) + tuple(_eigen_lemma(dim_) for dim_ in (2, 3, 4))
    return Derivation(
        name="single_neuron_function_space",
        title=r"Single neuron: function-space flow, eigenvalues of $M$, NTK",
        family="single neuron",
        statement=(
            r"For any data $X$, $y$, $\beta = a w$ obeys $\dot\beta = -M g$ with $g = X^\top(X\beta - y)$ and "
            r"$M = \eta_a w w^\top + \eta_w a^2 I = \tfrac{R + \delta}{2} I + \tfrac{R - \delta}{2}\,\beta\beta^\top/\|\beta\|^2$, "
            r"$R = \sqrt{\delta^2 + 4\eta_a\eta_w\|\beta\|^2}$: $M$ depends on the parameters only through $\delta$ and "
            r"$\beta$. Its eigenvalues are $R$ along $\beta$ and $(R + \delta)/2$ on $\beta^\perp$. The outputs evolve "
            r"with the neural tangent kernel $K = X M X^\top$."
        ),
        assumptions=(r"$X \in \mathbb{R}^{n\times d}$, $y \in \mathbb{R}^n$ arbitrary, $d$ and $n$ symbolic",
                     r"$\eta_a, \eta_w > 0$", r"$\beta \neq 0$ for the form of $M$ in $\beta$"),
        definitions=definitions,
        steps=steps,
        result=("beta_flow", "M_beta", "eigen_parallel", "eigen_perp", "ntk"),
        requires=REQUIRES,
        notes=(r"$u$ is a positive scalar standing for $\|w\|^2$; the identities in $u$ hold for every $u > 0$, and "
               r"$\beta^\top\beta = \rho^2$ is $u = w^\top w$. The eigenvalues are proved for every $d$ from the form "
               r"of $M$ in $\beta$; the lemmas check them again with explicit vectors for $d = 2, 3, 4$, in the form of $M$ "
               r"that the kernels compile."),
    )
