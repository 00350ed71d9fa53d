r"""Each conservation law found becomes a verified derivation (all proof construction lives here).

For a law :math:`h` (a matrix law :math:`Q` is treated entrywise) of a model
trained on any dataset with any loss :math:`L = \sum_i \ell(f(x_i;\theta), y_i)`,
the gradient flow is :math:`\dot\theta = -H\sum_{i,j}\gamma_{ij}\nabla_\theta
f_j(x_i;\theta)` with :math:`\gamma_{ij} = \partial\ell/\partial f_j` at
sample :math:`i`; :math:`\frac{d}{dt}h` is linear in :math:`\dot\theta`, so
one sample :math:`x` with arbitrary weights :math:`\gamma_j` shows every term.
The derivation is the chain

.. math:: \frac{d}{dt} h(\theta(t)) = \nabla h\cdot\dot\theta
          = -\sum_j \gamma_j\, \nabla h^\top H\,\nabla_\theta f_j(x;\theta) = 0,

one step per link, the last one per output :math:`j` (the criterion of
Marcotte, Gribonval & Peyré, NeurIPS 2023, an identity in :math:`x` and
:math:`\theta` proved by expansion).  When the model has a
:class:`~symrich.conservation.MatrixForm`, a last step proves the matrix law
for matrices of *symbolic* size: the flow
:math:`G' = -\eta_G\,\partial\operatorname{tr}(\Gamma^\top F)/\partial G`
(SymPy's matrix calculus, :math:`\Gamma = \partial\ell/\partial F` arbitrary)
is substituted into :math:`\frac{d}{dt}\sum_G c_G\,\mathrm{Gram}_G` and the
result expands to zero: the law holds for every width and every number of samples.

>>> from symrich.conservation import discover, single_neuron
>>> [d.name for d in law_derivations(discover(single_neuron(2)))]
['conservation.single_neuron_d2.Q_1']
"""

from __future__ import annotations

import sympy as sp

from symrich.conservation.laws import Laws
from symrich.engine import Derivation, Step, latex
from symrich.engine.rewrites import scalar_transposes
from symrich.symbolic.symbols import t

__all__ = ["law_derivations", "one_by_one_scalars", "display_names"]

FAMILY = "conservation laws"
CITATION = ("The criterion is that of Marcotte, Gribonval & Peyre, 'Abide by the law and follow the flow: "
            "conservation laws for gradient flows' (NeurIPS 2023); the laws were found by symrich.conservation.discover.")


def one_by_one_scalars(expr):
    """Replace every ``1 x 1`` matrix symbol ``a`` by ``a I_1`` (a scalar), then apply ``scalar_transposes``.

    An identity: a ``1 x 1`` matrix is a scalar times the ``1 x 1`` identity,
    so it commutes with every factor; SymPy does not know this for matrix
    symbols.

    Examples
    --------
    >>> import sympy as sp
    >>> n = sp.Symbol("n", integer=True, positive=True)
    >>> a, u, v = sp.MatrixSymbol("a", 1, 1), sp.MatrixSymbol("u", 1, n), sp.MatrixSymbol("v", n, 1)
    >>> sp.expand(u * v * a - a.T * u * v)   # SymPy alone cannot cancel these
    u*v*a - a.T*u*v
    >>> one_by_one_scalars(u * v * a - a.T * u * v)
    0
    """
    rep = {m: sp.Symbol(m.name) * sp.Identity(1) for m in expr.atoms(sp.MatrixSymbol) if m.shape == (1, 1)}
    return scalar_transposes(expr.xreplace(rep).doit())


def law_derivations(laws: Laws) -> tuple:
    """One :class:`~symrich.engine.Derivation` per matrix law and per remaining law (not yet verified).

    Parameters
    ----------
    laws : Laws
        The result of :func:`~symrich.conservation.discover`.

    Returns
    -------
    tuple of Derivation
        Call ``.verify()`` on each; :mod:`symrich.engine.latex` renders the results.

    Examples
    --------
    >>> from symrich.conservation import discover, two_layer_linear
    >>> (delta,) = law_derivations(discover(two_layer_linear(2, 1, 2)))
    >>> v = delta.verify()
    >>> v.proof_kinds, v.derivation.steps[-1].why.split(":")[0]
    ({'symbolic': 4, 'numeric': 0}, 'any sizes')
    """
    if not isinstance(laws, Laws):
        raise TypeError(f"laws must be the result of discover (a Laws), got {type(laws).__name__}")
    model = laws.model
    out = [_matrix_derivation(model, Q) for Q in laws.matrices]
    out += [_derivation(model, law.name, sp.sympify(law.expr), (sp.Symbol(law.name), law.expr),
                        f"the polynomial ${law.name} = {latex.math(law.expr.xreplace(display_names(model.theta)))}$")
            for law in laws.laws if not law.matrix]
    return tuple(out)


def _matrix_derivation(model, Q):
    extra = _symbolic_size_step(model, Q) if model.matrix_form is not None and not Q.diagonal else ()
    result = (sp.Symbol(Q.name), Q.expression)
    definition = f"${Q.name} = {latex.math(Q.expression.xreplace(display_names(model.theta)))}$"
    if Q.matrix.shape == (1, 1):
        return _derivation(model, Q.name, Q.matrix[0, 0], result, f"the scalar {definition}", extra)
    if Q.diagonal:
        H = sp.ImmutableMatrix([Q.matrix[i, i] for i in range(Q.matrix.shape[0])])
        result = (sp.Symbol(rf"\operatorname{{diag}}({Q.name})"), sp.DiagonalOf(Q.expression))
        return _derivation(model, Q.name, H, result, f"each diagonal entry (one law per row) of {definition}")
    return _derivation(model, Q.name, Q.matrix, result, f"the symmetric matrix {definition}", extra)


def _apply(fn, H):
    return H.applyfunc(fn) if isinstance(H, sp.MatrixBase) else fn(H)


def display_names(symbols) -> dict:
    """Symbols renamed so that LaTeX shows the whole index as a subscript: ``W2_12`` becomes ``W2_{12}``.

    (SymPy prints ``W2_12`` as :math:`W_{2 12}`.)

    >>> import sympy as sp
    >>> display_names(sp.symbols("W2_12 a"))
    {W2_12: W2_{12}}
    >>> sp.latex(sp.Symbol("W2_{12}"))
    'W2_{12}'
    """
    out = {}
    for s in symbols:
        base, sep, index = s.name.partition("_")
        if sep and not index.startswith("{"):
            out[s] = sp.Symbol(f"{base}_{{{index}}}", **s.assumptions0)
    return out


def _derivation(model, name, H, result, what, extra=()):
    """The chain of steps proving that ``H`` (a law, or a matrix of laws) is conserved; ``result`` is boxed."""
    rename = display_names(model.theta + model.inputs)
    theta = [rename.get(s, s) for s in model.theta]
    outputs = [f.xreplace(rename) for f in model.outputs]
    H, result = H.xreplace(rename), tuple(r.xreplace(rename) for r in result)
    rates = model.theta_rates
    paths = {s: sp.Function(s.name, real=True)(t) for s in theta}
    grad = [sp.diff(H, s) for s in theta]
    gammas = [sp.Symbol(f"gamma_{j + 1}", real=True) for j in range(len(outputs))]
    criteria = [sum((rates[p] * grad[p] * sp.diff(f, s) for p, s in enumerate(theta)), sp.S.Zero * H)
                for f in outputs]
    flow = {sp.Derivative(paths[s], t): (-rates[p] * sum(g * sp.diff(f, s) for g, f in zip(gammas, outputs))
                                         ).xreplace(paths)
            for p, s in enumerate(theta)}
    chain = sum((grad[p].xreplace(paths) * sp.Derivative(paths[s], t) for p, s in enumerate(theta)),
                sp.S.Zero * H)
    zero = sp.zeros(*H.shape) if isinstance(H, sp.MatrixBase) else sp.S.Zero
    steps = (
        Step(_apply(lambda e: sp.Derivative(e, t), H.xreplace(paths)), chain,
             "chain rule: d/dt h(theta(t)) = grad h . theta'", methods=("expand",)),
        Step(chain.xreplace(flow), -sum((g * c for g, c in zip(gammas, criteria)), sp.S.Zero * H).xreplace(paths),
             "substitute one sample's part of the gradient flow, theta' = -H sum_j gamma_j grad f_j(x; theta) "
             "with gamma_j = dl/df_j (the loss is a sum over samples and d/dt h is linear in theta')",
             methods=("expand",)),
    ) + tuple(
        Step(c, zero, f"criterion for output {j + 1}: grad h^T H grad f_{j + 1}(x; theta) = 0 for all x and theta",
             methods=("expand",))
        for j, c in enumerate(criteria)
    ) + tuple(extra)
    assumptions = ("any dataset (x_i, y_i) and any differentiable loss L = sum_i l(f(x_i; theta), y_i)",
                   "learning rates " + ", ".join(f"{g.name}: {sp.sstr(g.rate)}" for g in model.parameters)
                   + " (positive)") + model.assumptions
    statement = (f"Along the gradient flow theta' = -H grad L of the model {model.name} (D = {model.D} parameters), "
                 f"{what} is constant.")
    if extra:
        statement += f" The last step proves it for matrices of symbolic size ({model.matrix_form.description})."
    return Derivation(name=f"conservation.{model.name}.{name}", title=f"{model.name}: the conserved {name}", steps=steps,
                      statement=statement, assumptions=assumptions, result=result, family=FAMILY, notes=CITATION)


def _symbolic_size_step(model, Q):
    form = model.matrix_form
    symbols = dict(form.parameters)
    Gamma = sp.MatrixSymbol("Gamma", *form.output.shape)
    L = sp.Trace(Gamma.T * form.output)
    flows = {name: -model.group(name).rate * sp.diff(L, symbols[name]) for _, name, _ in Q.terms}
    ddt = []
    for coeff, name, kind in Q.terms:
        G, Gd = symbols[name], flows[name]
        ddt.append(coeff * ((Gd * G.T + G * Gd.T) if kind == "outer" else (Gd.T * G + G.T * Gd)))
    shape = ddt[0].shape
    listed = ", ".join(f"{name}' = {sp.sstr(flows[name])}" for name in flows)
    return (Step(sp.MatAdd(*ddt), sp.ZeroMatrix(*shape),
                 f"any sizes: for any loss the flow is G' = -eta_G d tr(Gamma^T F)/dG, Gamma = dl/dF; matrix calculus "
                 f"gives {listed}; substituted into d/dt {Q.name}, it expands to zero", rewrite=one_by_one_scalars),)
