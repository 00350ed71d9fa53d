"""Two-layer piecewise-linear network: each ``delta_k = eta_w a_k^2 - eta_a ||w_k||^2`` is conserved.

The only property of the activation that is used is Euler's identity for
positively homogeneous functions, ``sigma(z) = sigma'(z) z``.  It is proved per
activation on each side of the kink (``z > 0`` and ``z < 0`` as symbols with
that sign), on the whole line (``Piecewise``), and at ``z = 0`` for any value
given to ``sigma'(0)``; the ``Piecewise`` forms are also checked against
SymPy's own ``Max`` / ``Abs`` on each side.

Then, in explicit components (``K = 2`` neurons, ``n = 2`` samples,
``d = 2``) and for an *undefined* differentiable ``sigma``, SymPy's chain
rule gives ``d/dt delta_k = 2 eta_a eta_w a_k sum_i r_i (sigma'(z_ki) z_ki -
sigma(z_ki))``, which Euler's identity sets to 0.  Coordinate-free (symbolic
``n``, ``d``, general data, one neuron with the other neurons' outputs lumped
into ``o``): with the pattern ``D_k = diag(c_k)``, ``sigma(X w_k) = D_k X w_k``
and the flow is the single-neuron flow with ``g_k = X^T D_k r``; ``delta_k`` is
conserved by the same cancellation as for the single neuron.  Since Euler's
identity also holds at ``z = 0``, ``delta_k`` is conserved across activation
flips (the flow is absolutely continuous in time and the identity holds for a.e.
``t``).  A last cross-check substitutes each concrete activation into the
components.
"""

import sympy as sp

from symrich.engine import Derivation, Step
from symrich.symbolic.piecewise_linear import dsigma, native_activation, network_components, neuron_flow, sigma
from symrich.symbolic.symbols import a, eta_a, eta_w

ORDER = 300

_ACTIVATIONS = (("relu", sp.S.Zero), ("leaky_relu", sp.Symbol("alpha", positive=True)), ("abs", -sp.S.One))


def _euler_steps():
    p = sp.Symbol("p", positive=True)
    q = sp.Symbol("q", negative=True)
    z = sp.Symbol("z", real=True)
    s0 = sp.Symbol("s_0", real=True)
    steps = []
    for name, slope in _ACTIVATIONS:
        dom = {slope: (0.01, 0.99)} if isinstance(slope, sp.Symbol) else {}
        steps += [
            Step(sigma(p, slope), native_activation(name, p, slope), f"{name}: the Piecewise form equals SymPy's own on z > 0",
                 domain=dom),
            Step(sigma(q, slope), native_activation(name, q, slope),
                 f"{name}: the Piecewise form equals SymPy's own on z < 0"
                 + (" (0 < alpha < 1)" if isinstance(slope, sp.Symbol) else ""),
                 domain=dom),
            Step(dsigma(p, slope) * p, sigma(p, slope), f"{name}: Euler's identity sigma'(z) z = sigma(z) on z > 0"),
            Step(dsigma(q, slope) * q, sigma(q, slope), f"{name}: Euler's identity on z < 0"),
            Step(dsigma(z, slope) * z, sigma(z, slope), f"{name}: Euler's identity on the whole line (Piecewise)",
                 rewrite="piecewise_fold", methods=("expand", "simplify")),
        ]
    steps.append(Step(s0 * 0, sigma(sp.S.Zero, sp.Symbol("alpha", real=True)),
                      "at the kink z = 0: sigma(0) = 0 = s_0 * 0 for any value s_0 given to sigma'(0)"))
    return steps


def derivation():
    # components, undefined sigma: the general identity
    net = network_components(2, 2, 2)
    flow = net.flow
    steps = _euler_steps()
    for k in range(2):
        ddt = sp.diff(net.delta[k], sp.Symbol("t", nonnegative=True)).subs(flow)
        bracket = sum(net.r[i] * (net.dsig(net.z[k, i]) * net.z[k, i] - net.sigma(net.z[k, i])) for i in range(2))
        steps.append(Step(ddt, 2 * eta_a * eta_w * net.a[k] * bracket,
                          f"components (K = n = d = 2), any differentiable sigma: chain rule gives "
                          f"d/dt delta_{k + 1} = 2 eta_a eta_w a_{k + 1} sum_i r_i (sigma'(z) z - sigma(z))",
                          methods=("expand",)))
    # coordinate-free, one neuron
    f = neuron_flow()
    w, X, D, g = f.w, f.X, f.D, f.g
    steps += [
        Step(f.dL_da, (D * X * w).T * f.r,
             "dL/da_k = sigma(X w_k)^T r with sigma(X w_k) = D_k X w_k (Euler, entrywise)", rewrite="scalar_transposes"),
        Step(f.dL_da, w.T * g, "so dL/da_k = w_k^T g_k with g_k = X^T D_k r (D_k diagonal, so symmetric)",
             rewrite="scalar_transposes"),
        Step(f.dL_dw, a * g, "dL/dw_k = a_k X^T D_k r = a_k g_k (chain rule, entrywise sigma' = c_k)"),
        Step(2 * eta_w * a * f.adot + (-eta_a) * (f.wdot.T * w + w.T * f.wdot), sp.ZeroMatrix(1, 1),
             "d/dt (eta_w a_k^2 - eta_a ||w_k||^2) = -2 eta a_k w_k^T g_k + 2 eta a_k w_k^T g_k = 0",
             rewrite="scalar_transposes"),
    ]
    # cross-check: concrete activations in components
    tt = sp.Symbol("t", nonnegative=True)
    for name, slope in _ACTIVATIONS:
        net_c = network_components(2, 2, 2, activation=lambda x, s=slope: sigma(x, s))
        ddt = sp.diff(net_c.delta[0], tt).subs(net_c.flow)
        steps.append(Step(ddt, sp.S.Zero,
                          f"{name}, components (K = n = d = 2): d/dt delta_1 = 0 with the activation substituted",
                          rewrite="piecewise_fold", methods=("expand",),
                          domain={slope: (0.01, 0.99)} if isinstance(slope, sp.Symbol) else {}))
    delta_k = sp.Symbol("delta_k", real=True)
    return Derivation(
        name="piecewise_linear_conservation",
        title="Two-layer piecewise-linear network: conserved delta_k per neuron",
        family="piecewise linear",
        statement=(
            "For f(x) = sum_k a_k sigma(w_k^T x) with sigma positively homogeneous piecewise linear (ReLU, leaky ReLU, "
            "absolute value), along the gradient flow of L = 1/2 sum_i (f(x_i) - y_i)^2 each "
            "delta_k = eta_w a_k^2 - eta_a ||w_k||^2 is constant, for any data and any width, "
            "also across changes of the activation pattern."
        ),
        assumptions=("X in R^{n x d}, y in R^n arbitrary", "eta_a, eta_w > 0",
                     "sigma(z) = z (z > 0), alpha z (z <= 0); alpha = 0, 0 < alpha < 1, -1"),
        notes=__doc__.split("\n\n", 1)[1].strip(),
        steps=tuple(steps),
        result=(delta_k, eta_w * sp.Symbol("a_k", real=True) ** 2 - eta_a * sp.Symbol(r"\|w_k\|", positive=True) ** 2),
    )
