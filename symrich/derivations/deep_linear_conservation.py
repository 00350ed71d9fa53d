"""Deep linear network: the conserved matrices $Q_\\ell = \\eta_\\ell W_{\\ell+1}^\\top W_{\\ell+1} - \\eta_{\\ell+1} W_\\ell W_\\ell^\\top$ (paper, Section 4).

For any depth, two adjacent layers $W_\\ell$, $W_{\\ell+1}$ are taken inside an arbitrary network: the
rest of it enters only through $B = W_L \\cdots W_{\\ell+2}$ and $C = W_{\\ell-1} \\cdots W_1$, which are
arbitrary matrices of symbolic size (an empty product is an identity, a special case).  SymPy's
matrix calculus differentiates the loss in $W_\\ell$ and $W_{\\ell+1}$, which proves the gradient
$\\nabla_{W_\\ell}\\mathcal{L} = B_\\ell^\\top G_E C_\\ell^\\top$ ($B_\\ell = W_L \\cdots W_{\\ell+1}$,
$C_\\ell = W_{\\ell-1} \\cdots W_1$) and then the conservation, for every depth, every $\\ell$, every
width and any data.  $Q_\\ell$ depends on $W_\\ell$ and $W_{\\ell+1}$ only, so their velocities give its
whole time derivative.  The lemmas check the gradients and the conservation on networks of depth
2 and 3 written out layer by layer, in the form the numeric code uses.  For $L = 2$,
$W_1 = W$ and $W_2 = A^\\top$, $Q_1$ is the $\\Delta$ of the wide network.
"""

import sympy as sp

from symrich.engine import Chain, Definition, Derivation, Step
from symrich.engine.calculus import ddt, partial
from symrich.symbolic.deep_linear import conserved_Q, local_flow, parameter_flow
from symrich.symbolic.symbols import n

ORDER = 250
REQUIRES = ()


def derivation():
    f = local_flow()
    W_l, W_n, B, C, G, eta_l, eta_n = f.W_l, f.W_next, f.B, f.C, f.G, f.eta_l, f.eta_next
    c, d = G.shape
    h_l = W_l.shape[0]
    X, Y = sp.MatrixSymbol("X", n, d), sp.MatrixSymbol("Y", n, c)
    E, R = sp.MatrixSymbol("E", c, d), sp.MatrixSymbol("R", n, c)
    L = sp.Symbol("L")
    dW_l, dW_n = sp.MatrixSymbol("W_l_dot", *W_l.shape), sp.MatrixSymbol("W_{l+1}_dot", *W_n.shape)
    Q = sp.MatrixSymbol("Q_l", h_l, h_l)
    flow = {W_l: dW_l, W_n: dW_n}
    definitions = (
        Definition(E, B * W_n * W_l * C, r"$W_L \cdots W_1$, with $B = W_L \cdots W_{\ell+2}$, $C = W_{\ell-1} \cdots W_1$"),
        Definition(R, X * E.T - Y, "residuals"),
        Definition(G, R.T * X, r"$G_E$ of the statement, $c \times d$"),
        Definition(L, sp.Trace(R.T * R) / 2, r"loss $\tfrac12 \|X E^\top - Y\|_F^2$"),
        Definition(dW_l, -eta_l * partial(L, W_l), "gradient flow"),
        Definition(dW_n, -eta_n * partial(L, W_n)),
        Definition(Q, conserved_Q(W_l, W_n, eta_l, eta_n)),
    )
    bracket = W_n.T * B.T * G * C.T * W_l.T + W_l * C * G.T * B * W_n
    steps = (
        Step(partial(L, W_l), (B * W_n).T * G * C.T, r"matrix calculus (SymPy): $B_\ell = B W_{\ell+1}$, $C_\ell = C$",
             label="grad_l"),
        Step(partial(L, W_n), B.T * G * (W_l * C).T,
             r"matrix calculus (SymPy): $B_{\ell+1} = B$, $C_{\ell+1} = W_\ell C$", label="grad_next"),
        Step(dW_l, f.flow_l, r"the gradient flow $\dot W_\ell = -\eta_\ell\nabla_{W_\ell}\mathcal{L}$, as compiled", uses=("grad_l",), label="flow_l"),
        Step(dW_n, f.flow_next, r"likewise for $W_{\ell+1}$", uses=("grad_next",),
             label="flow_next"),
        Chain(ddt(W_l * W_l.T, flow), (dW_l * W_l.T + W_l * dW_l.T, "product rule"),
              (-eta_l * bracket, r"the flow, using $W_\ell C = C_{\ell+1}$", {"uses": ("flow_l",)}),
              label="gram_l"),
        Chain(ddt(W_n.T * W_n, flow), (dW_n.T * W_n + W_n.T * dW_n, "product rule"),
              (-eta_n * bracket, r"the flow, using $B W_{\ell+1} = B_\ell$: the same bracket",
               {"uses": ("flow_next",)}),
              label="gram_next"),
        Chain(ddt(Q, flow),
              (eta_l * ddt(W_n.T * W_n, flow) - eta_n * ddt(W_l * W_l.T, flow), r"definition of $Q_\ell$, linearity"),
              (sp.MatAdd(sp.MatMul(eta_l, sp.MatMul(-eta_n, bracket)), sp.MatMul(-eta_n, sp.MatMul(-eta_l, bracket))),
               "the two Gram derivatives",
               {"uses": ("gram_l", "gram_next")}),
              (sp.ZeroMatrix(h_l, h_l), "collect"),
              label="conserved"),
    ) + tuple(_depth_lemmas(2)) + tuple(_depth_lemmas(3))
    return Derivation(
        name="deep_linear_conservation",
        title=r"Deep linear network: the conserved matrices $Q_\ell$",
        family="deep linear",
        statement=(
            r"Let $f(x) = W_L \cdots W_1 x$ with $W_\ell \in \mathbb{R}^{h_\ell \times h_{\ell-1}}$ and "
            r"$\mathcal{L} = \tfrac12 \|X (W_L \cdots W_1)^\top - Y\|_F^2$. Along the gradient flow "
            r"$\dot W_\ell = -\eta_\ell \nabla_{W_\ell}\mathcal{L} = -\eta_\ell B_\ell^\top G_E C_\ell^\top$ "
            r"($B_\ell = W_L \cdots W_{\ell+1}$, $C_\ell = W_{\ell-1} \cdots W_1$, $G_E = (X E^\top - Y)^\top X$) each "
            r"$Q_\ell = \eta_\ell W_{\ell+1}^\top W_{\ell+1} - \eta_{\ell+1} W_\ell W_\ell^\top$, $\ell = 1, \dots, L-1$, is "
            r"constant, for any data, any widths and any depth."
        ),
        assumptions=(r"$X \in \mathbb{R}^{n \times d}$, $Y \in \mathbb{R}^{n \times c}$ arbitrary; widths symbolic",
                     r"learning rates $\eta_\ell > 0$"),
        definitions=definitions,
        steps=steps,
        result="conserved",
        requires=REQUIRES,
        notes=__doc__.split("\n\n", 1)[1].strip(),
    )


def _depth_lemmas(depth):
    """Lemmas: at depth ``depth``, every gradient is ``B_l^T G_E C_l^T`` and every ``d/dt Q_l = 0``."""
    f = parameter_flow(depth)
    out = [Step(f.grads[l], f.B[l].T * f.G_E * f.C[l].T,
                rf"depth $L = {depth}$, layer by layer: $\nabla_{{W_{l + 1}}}\mathcal{{L}} = B_{l + 1}^\top G_E "
                rf"C_{l + 1}^\top$ (matrix calculus)", lemma=True)
           for l in range(depth)]
    for l in range(depth - 1):
        W_l, W_n, dW_l, dW_n = f.weights[l], f.weights[l + 1], f.flows[l], f.flows[l + 1]
        rate = f.etas[l] * (dW_n.T * W_n + W_n.T * dW_n) - f.etas[l + 1] * (dW_l * W_l.T + W_l * dW_l.T)
        out.append(Step(rate, sp.ZeroMatrix(*W_l.shape[:1] * 2),
                        rf"depth $L = {depth}$, layer by layer: $\dot Q_{l + 1} = 0$ along the flow "
                        rf"$\dot W_\ell = -\eta_\ell \nabla_{{W_\ell}}\mathcal{{L}}$", lemma=True))
    return out
