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
from symrich.conservation.prose import escape_text
from symrich.engine import Definition, Derivation, Step
from symrich.engine.notation import latex as tex
from symrich.engine.calculus import ddt, partial
from symrich.engine.steps import MAX_DISPLAY_OPS, display_size
from symrich.symbolic.symbols import t

__all__ = ["law_derivations", "display_names"]

FAMILY = "conservation laws"
CITATION = (r"The criterion is that of Marcotte, Gribonval \& Peyr\'e, \emph{Abide by the law and follow the flow: "
            r"conservation laws for gradient flows} (NeurIPS 2023); the laws were found by "
            r"\texttt{symrich.conservation.discover}.")


def law_derivations(laws: Laws) -> tuple:
    """One :class:`~symrich.engine.Derivation` per matrix law and per new law (not yet verified).

    A product of laws of lower degree (:attr:`~symrich.conservation.Laws.products`)
    gets no derivation of its own: it is conserved because its factors are.

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
    >>> v.proof_kinds, [s.label for s in v.derivation.steps]
    ({'symbolic': 5, 'numeric': 0}, ['chain_rule', 'flow', 'criterion_1', 'any_size', 'conserved'])
    """
    if not isinstance(laws, Laws):
        raise TypeError(f"laws must be the result of discover (a Laws), got {type(laws).__name__}")
    model = laws.model
    out = [_matrix_derivation(model, Q) for Q in laws.matrices]
    out += [_derivation(model, law.name, sp.sympify(law.expr), (sp.Symbol(law.name), law.expr),
                        f"the polynomial ${law.name} = {tex(law.expr.xreplace(display_names(model.theta)))}$", ((), ()))
            for law in laws.new if not law.matrix]
    return tuple(out)


def _matrix_derivation(model, Q):
    extra = _symbolic_size_step(model, Q) if model.matrix_form is not None and not Q.diagonal else ((), ())
    rename = display_names(model.theta + model.inputs)
    groups = tuple(Definition(G, model.group(G.name).entries.xreplace(rename))
                   for G in sorted(Q.expression.atoms(sp.MatrixSymbol), key=lambda m: m.name)
                   if G.shape == model.group(G.name).shape)
    result = (sp.MatrixSymbol(Q.name, *Q.matrix.shape), Q.expression, groups)
    definition = f"${Q.name} = {tex(Q.expression.xreplace(display_names(model.theta)), order='none')}$"
    if Q.matrix.shape == (1, 1):
        return _derivation(model, Q.name, Q.matrix[0, 0], (sp.Symbol(Q.name), Q.matrix[0, 0]),
                           f"the scalar {definition}", extra)
    if Q.diagonal:
        H = sp.ImmutableMatrix([Q.matrix[i, i] for i in range(Q.matrix.shape[0])])
        result = (sp.MatrixSymbol(Q.name, H.shape[0], 1), H)
        return _derivation(model, Q.name, H, result, f"each diagonal entry (one law per row) of {definition}", ((), ()))
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


def _derivation(model, name, H, result, what, extra):
    """The proof that ``H`` (a law, or a matrix of laws) is conserved: lemmas in coordinates, then the boxed ``dH/dt = 0``.

    ``result`` is ``(display symbol, display expression)``: when the expression is small enough to
    display, it is a :class:`~symrich.engine.Definition` of the symbol and the boxed line reads
    ``\\dot Q = 0``; otherwise the boxed line is a computer-algebra lemma about the law itself.
    """
    rename = display_names(model.theta + model.inputs)
    theta = [rename.get(s, s) for s in model.theta]
    groups = result[2] if len(result) == 3 else ()
    result = result[:2]
    outputs = [f.xreplace(rename) for f in model.outputs]
    H = H.xreplace(rename)
    symbol, expression = (r.xreplace(rename) for r in result)
    rates = model.theta_rates
    paths = {s: sp.Function(s.name, real=True)(t) for s in theta}
    grad = [sp.diff(H, s) for s in theta]
    gammas = [sp.Symbol(f"gamma_{j + 1}", real=True) for j in range(len(outputs))]
    velocity = {s: -rates[p] * sum(g * sp.diff(f, s) for g, f in zip(gammas, outputs)) for p, s in enumerate(theta)}
    criteria = [sum((rates[p] * grad[p] * sp.diff(f, s) for p, s in enumerate(theta)), sp.S.Zero * H)
                for f in outputs]
    flow = {sp.Derivative(paths[s], t): velocity[s].xreplace(paths) for s in theta}
    chain = sum((grad[p].xreplace(paths) * sp.Derivative(paths[s], t) for p, s in enumerate(theta)),
                sp.S.Zero * H)
    zero = sp.zeros(*H.shape) if isinstance(H, sp.MatrixBase) else sp.S.Zero
    steps = (
        Step(_apply(lambda e: sp.Derivative(e, t), H.xreplace(paths)), chain,
             r"chain rule: $\frac{d}{dt} h(\theta(t)) = \nabla h \cdot \dot\theta$ (in coordinates)",
             methods=("expand",), lemma=True, label="chain_rule"),
        Step(chain.xreplace(flow), -sum((g * c for g, c in zip(gammas, criteria)), sp.S.Zero * H).xreplace(paths),
             r"one sample's part of the gradient flow, $\dot\theta = -H \sum_j \gamma_j \nabla_\theta f_j(x;\theta)$ "
             r"with $\gamma_j = \partial\ell/\partial f_j$ (the loss is a sum over samples and "
             r"$\frac{d}{dt} h$ is linear in $\dot\theta$)", methods=("expand",), lemma=True, label="flow"),
    ) + tuple(
        Step(c, zero, rf"criterion for output {j + 1}: $\nabla h^\top H \nabla_\theta f_{{{j + 1}}}(x;\theta) = 0$ "
             r"for all $x$ and $\theta$", methods=("expand",), lemma=True, label=f"criterion_{j + 1}")
        for j, c in enumerate(criteria)
    )
    extra_definitions, extra_steps = extra
    steps += extra_steps
    definitions = tuple(extra_definitions)
    velocities = {s: velocity[s] for s in theta}
    if isinstance(symbol, (sp.Symbol, sp.MatrixSymbol)) and display_size(expression) <= MAX_DISPLAY_OPS:
        definitions += groups + (Definition(symbol, expression),)
        conserved = Step(ddt(symbol, velocities), zero if not isinstance(zero, sp.MatrixBase) else sp.ZeroMatrix(*H.shape),
                         r"the chain rule along the gradient flow, and the criteria", label="conserved",
                         methods=("expand",))
    else:
        conserved = Step(ddt(H, velocities), zero, rf"$\frac{{d}}{{dt}}$ of {what} along the gradient flow vanishes",
                         label="conserved", methods=("expand",), lemma=True)
    rates_text = ", ".join(f"${tex(g.rate)}$" if g.rate == sp.Symbol(f"eta_{g.name}", positive=True)
                           else f"${tex(sp.Symbol(f'eta_{g.name}'))} = {tex(g.rate)}$" for g in model.parameters)
    assumptions = (r"any dataset $(x_i, y_i)$ and any differentiable loss $L = \sum_i \ell(f(x_i;\theta), y_i)$",
                   f"learning rates {rates_text}, positive") + tuple(a.statement.latex for a in model.assumptions)
    shown = rf"\texttt{{{escape_text(model.name)}}}"
    statement = (rf"Along the gradient flow $\dot\theta = -H \nabla L$ of the model {shown} "
                 rf"($D = {model.D}$ parameters), {what} is constant.")
    if extra_steps:
        statement += r" The step for matrices of any size proves it for every width and number of samples."
    return Derivation(name=f"conservation.{model.name}.{name}", title=rf"{shown}: the conserved "
                      rf"${tex(symbol)}$", steps=steps + (conserved,), definitions=definitions,
                      statement=statement, assumptions=assumptions, result="conserved", family=FAMILY, notes=CITATION)


def _symbolic_size_step(model, Q):
    """``(definitions, step)``: the law for matrices of symbolic size, ``d/dt Q = 0`` with the flows ``G' = -eta_G grad_G tr(Gamma^T F)``."""
    form = model.matrix_form
    symbols = dict(form.parameters)
    Gamma = sp.MatrixSymbol("Gamma", *form.output.shape)
    loss = sp.Trace(Gamma.T * form.output)
    velocities, definitions = {}, []
    for _, name, _ in Q.terms:
        if name in velocities:
            continue
        G = symbols[name]
        G_dot = sp.MatrixSymbol(f"{G.name}_dot", *G.shape)
        velocities[name] = G_dot
        definitions.append(Definition(G_dot, -model.group(name).rate * partial(loss, G), "the flow for any loss"))
    Q_form = sp.MatAdd(*(coeff * (symbols[name] * symbols[name].T if kind == "outer" else symbols[name].T * symbols[name])
                         for coeff, name, kind in Q.terms))
    step = Step(ddt(Q_form, {symbols[name]: velocities[name] for name in velocities}), sp.ZeroMatrix(*Q_form.shape),
                r"for matrices of any size: with $\Gamma = \partial\ell/\partial F$ arbitrary, "
                r"the flow of every layer is minus its rate times the gradient of $\operatorname{tr}(\Gamma^\top F)$ "
                "(matrix calculus); substituted, the derivative expands to zero",
                rewrite="one_by_one_scalars", label="any_size")
    return tuple(definitions), (step,)
