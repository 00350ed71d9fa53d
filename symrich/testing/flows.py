r"""The gradient flow of a :class:`~symrich.testing.model.Model`, derived with SymPy.

:func:`derive` forms the loss :math:`L = \tfrac12 \sum_{i,k} (f_k(x_i) - Y_{ik})^2`
on ``n`` symbolic samples and differentiates it: the flow
:math:`\dot\theta = -\eta_\theta\, \partial L/\partial\theta`
(:class:`SymbolicFlow`).  What integrates it depends on :math:`f`:

* **polynomial** in the parameters: the flow is a
  :class:`symrich.oracle.PolynomialFlow` as it stands;
* **smooth** (``tanh``, ``exp`` and :func:`softplus` of polynomial
  arguments): :func:`polynomial_flow` makes it polynomial by adding each such
  term :math:`u = g(z)` to the state, with :math:`\dot u = g'(z)\,\dot z`
  (:math:`g'` is again polynomial in such terms: :math:`\tanh' = 1 - \tanh^2`,
  :math:`\exp' = \exp`, :math:`\mathrm{softplus}' = (1 + \tanh(z/2))/2`), so
  the same Taylor oracle integrates it to 30 digits;
* **kinked** (``Max``, ``Abs``, ``Heaviside``, ...): only through the model's
  own integrator (the two-layer ReLU network of
  :func:`symrich.testing.zoo.two_layer`, through
  :func:`symrich.piecewise_linear.integrate`).

:func:`velocity` evaluates the derived flow at a state (any kind), and
:func:`beta_expressions` gives the function-space coordinates
:math:`\beta = \partial f / \partial x` of a model linear in :math:`x`.

>>> import sympy
>>> z = sympy.Symbol("z")
>>> sympy.diff(softplus(z), z)
tanh(z/2)/2 + 1/2
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from typing import Any

import mpmath

from symrich.oracle import PolynomialFlow
from symrich.testing.values import positive_int

__all__ = ["AugmentedFlow", "IntegrationRefused", "SymbolicFlow", "beta_expressions", "derive", "evaluate",
           "polynomial_flow", "softplus", "softplus_value", "velocity"]

POLYNOMIAL, SMOOTH, KINKED = "polynomial", "smooth", "kinked"


@functools.lru_cache(maxsize=None)
def _softplus_class():
    import sympy

    class softplus(sympy.Function):  # noqa: N801 (a SymPy function prints by its class name)
        """softplus(z) = log(1 + exp(z)), with derivative (1 + tanh(z/2))/2."""

        def fdiff(self, argindex=1):
            return (1 + sympy.tanh(self.args[0] / 2)) / 2

        def _eval_rewrite_as_log(self, z, **kwargs):
            return sympy.log(1 + sympy.exp(z))

        def _eval_evalf(self, prec):
            return self.rewrite(sympy.log)._eval_evalf(prec)

    return softplus


def softplus(z: Any) -> Any:
    r"""The softplus activation :math:`\log(1 + e^z)` as a SymPy function, for use in ``Model.f``.

    Its derivative is written :math:`(1 + \tanh(z/2))/2` (the logistic
    function), so that the flow of a softplus network can be made polynomial
    (see :func:`polynomial_flow`).

    Parameters
    ----------
    z : SymPy expression

    Returns
    -------
    SymPy expression

    Examples
    --------
    >>> import sympy
    >>> softplus(sympy.Integer(0)).evalf(8)
    0.69314718
    """
    return _softplus_class()(z)


def softplus_value(z: Any) -> Any:
    r"""Numeric :math:`\log(1 + e^z)` at the current mpmath precision (no overflow for large ``z``).

    Examples
    --------
    >>> softplus_value(mpmath.mpf(0)) == mpmath.log(2), mpmath.nstr(softplus_value(mpmath.mpf(1000)), 8)
    (True, '1000.0')
    """
    return mpmath.log1p(mpmath.exp(z)) if z < 0 else z + mpmath.log1p(mpmath.exp(-z))


class IntegrationRefused(RuntimeError):
    """A model's integrator refuses an example (e.g. the flow slides along a kink).

    A check skips such an example and counts it in its report.

    Examples
    --------
    >>> issubclass(IntegrationRefused, RuntimeError)
    True
    """


def _heaviside(z, h0=None):
    if z == 0:
        raise ValueError("the derived flow is undefined on a kink (a pre-activation is exactly 0)")
    return 1 if z > 0 else 0


_MPMATH = {"softplus": softplus_value, "Heaviside": _heaviside, "Max": max, "Min": min}


def _lambdify(args, exprs):
    import sympy

    return sympy.lambdify(args, exprs, modules=[_MPMATH, "mpmath"])


def _kinks():
    import sympy

    return (sympy.Max, sympy.Min, sympy.Abs, sympy.Heaviside, sympy.Piecewise, sympy.sign)


@dataclasses.dataclass(frozen=True, eq=False)
class SymbolicFlow:
    r"""The gradient flow of a model on ``n`` symbolic samples.

    Attributes
    ----------
    state : tuple of sympy.Symbol
        The parameter entries (:attr:`Model.state <symrich.testing.model.Model.state>`).
    rhs : tuple of sympy.Expr
        :math:`-\eta_\theta\, \partial L/\partial\theta`, one per state entry.
    params : tuple of sympy.Symbol
        ``eta_<name>`` (in the order of the model's rate names), ``X_i_j``, ``Y_i_k`` (1-based).
    kind : {"polynomial", "smooth", "kinked"}
        What integrates it (see the module docstring).
    name : str

    Examples
    --------
    >>> from symrich.testing.zoo import single_neuron
    >>> sf = derive(single_neuron(1), 2)
    >>> sf.kind, len(sf.rhs), [s.name for s in sf.params]
    ('polynomial', 2, ['eta_a', 'eta_w', 'X_1_1', 'X_2_1', 'Y_1_1', 'Y_2_1'])
    """

    state: tuple
    rhs: tuple
    params: tuple
    kind: str
    name: str


def derive(model: Any, n: int) -> SymbolicFlow:
    r"""Form the loss of ``model`` on ``n`` symbolic samples and differentiate it (the flow, any kind).

    Parameters
    ----------
    model : Model
    n : int
        Number of samples (must equal the model's ``n_samples`` if it has a pattern).

    Returns
    -------
    SymbolicFlow

    Raises
    ------
    ValueError
        If ``f`` contains symbols that are neither parameters nor inputs.

    Examples
    --------
    >>> import sympy
    >>> from symrich.testing.model import Model
    >>> m = Model(params={"a": ()}, d=1, f=lambda p, x: sympy.tanh(p["a"] * x[0]))
    >>> derive(m, 1).kind
    'smooth'
    """
    import sympy

    n = positive_int(n, "n")
    if model.n_samples is not None and n != model.n_samples:
        raise ValueError(f"n = {n} but the pattern of {model.name} fixes n = {model.n_samples}")
    X = [[sympy.Symbol(f"X_{i + 1}_{j + 1}", real=True) for j in range(model.d)] for i in range(n)]
    Y = [[sympy.Symbol(f"Y_{i + 1}_{k + 1}", real=True) for k in range(model.c)] for i in range(n)]
    etas = [sympy.Symbol(f"eta_{name}", positive=True) for name in model.rate_names]
    loss = sympy.S.Zero
    for i in range(n):
        for k, fk in enumerate(model.output(sympy.Matrix(model.d, 1, X[i]), i)):
            loss += (fk - Y[i][k]) ** 2 / 2
    known = set(model.state) | {s for row in X for s in row} | {s for row in Y for s in row}
    stray = sorted(loss.free_symbols - known, key=str)
    if stray:
        raise ValueError(f"f of {model.name} contains symbols that are neither parameters nor inputs: "
                         f"{', '.join(map(str, stray))}")
    rhs = []
    for (name, _), eta in zip(model.params, etas):
        s = model.symbols[name]
        entries = list(s) if isinstance(s, sympy.MatrixBase) else [s]
        rhs.extend(-eta * sympy.diff(loss, e) for e in entries)
    if loss.has(*_kinks()):
        kind = KINKED
    elif all(r.is_polynomial(*model.state) for r in rhs):
        kind = POLYNOMIAL
    else:
        kind = SMOOTH
    params = (*etas, *(s for row in X for s in row), *(s for row in Y for s in row))
    return SymbolicFlow(state=tuple(model.state), rhs=tuple(rhs), params=params, kind=kind,
                        name=f"{model.name}, n={n}")


@dataclasses.dataclass(frozen=True, eq=False)
class AugmentedFlow:
    r"""A polynomial flow for the Taylor oracle, with the auxiliary state that made it polynomial.

    Attributes
    ----------
    flow : symrich.oracle.PolynomialFlow
        State: the model's parameter entries, then one auxiliary variable per
        smooth term (none for a polynomial model).
    auxiliary : tuple of (sympy.Symbol, sympy.Expr)
        Each auxiliary variable and the term it stands for (in the parameters
        and the data), which gives its initial value.

    Examples
    --------
    >>> import sympy
    >>> from symrich.testing.model import Model
    >>> m = Model(params={"a": ()}, d=1, f=lambda p, x: sympy.tanh(p["a"] * x[0]))
    >>> aug = polynomial_flow(derive(m, 1))
    >>> [(s.name, str(e)) for s, e in aug.auxiliary]
    [('aux_1', 'tanh(X_1_1*a)')]
    """

    flow: Any
    auxiliary: tuple


_SMOOTH_NAMES = ("tanh", "exp", "softplus")


def polynomial_flow(sflow: SymbolicFlow) -> AugmentedFlow:
    r"""The flow as a :class:`symrich.oracle.PolynomialFlow`, adding smooth terms to the state if needed.

    Each application :math:`u = g(z)` of ``tanh``, ``exp`` or :func:`softplus`
    becomes a state variable with :math:`\dot u = g'(z)\, \dot z`, where
    :math:`g'(z)` is rewritten in such terms again (new ones are added until
    none is left) and :math:`\dot z` follows from the chain rule.

    Parameters
    ----------
    sflow : SymbolicFlow
        A polynomial or smooth flow.

    Returns
    -------
    AugmentedFlow

    Raises
    ------
    ValueError
        For a kinked flow, or a term the rewriting cannot make polynomial
        (the message names it).

    Examples
    --------
    >>> from symrich.testing.zoo import single_neuron
    >>> polynomial_flow(derive(single_neuron(1), 1)).auxiliary
    ()
    """
    import sympy

    if sflow.kind == KINKED:
        raise ValueError(
            f"the flow of {sflow.name} has kinks (Max, Abs, Heaviside, ...): the Taylor oracle integrates polynomial "
            "and smooth (tanh, exp, softplus) flows only; the two-layer network with ReLU or leaky ReLU is integrated "
            "across its kinks by symrich.testing.two_layer(d, k, 'relu'), through symrich.piecewise_linear.integrate")
    if sflow.kind == POLYNOMIAL:
        return AugmentedFlow(PolynomialFlow(state=sflow.state, rhs=sflow.rhs, params=sflow.params,
                                            name=sflow.name), ())
    symbol_of: dict = {}       # smooth term (in state and auxiliary symbols) -> auxiliary symbol
    meaning: dict = {}         # auxiliary symbol -> the term in the parameters and data
    pending: list = []

    def atomize(expr):
        def swap(e):
            if e not in symbol_of:
                u = sympy.Symbol(f"aux_{len(symbol_of) + 1}", real=True)
                symbol_of[e] = u
                meaning[u] = e.xreplace(meaning)      # inner terms are replaced first
                pending.append((u, e))
            return symbol_of[e]

        return expr.replace(lambda e: isinstance(e, sympy.Function) and e.func.__name__ in _SMOOTH_NAMES, swap)

    rhs = [sympy.expand(atomize(r)) for r in sflow.rhs]
    velocities = dict(zip(sflow.state, rhs))
    while pending:
        u, term = pending.pop(0)
        (z,) = term.args
        dz = sum((sympy.diff(z, s) * velocities[s] for s in z.free_symbols if s in velocities), sympy.S.Zero)
        zz = sympy.Dummy("z")
        slope = sympy.diff(term.func(zz), zz).subs(zz, z)
        velocities[u] = sympy.expand(atomize(slope * dz))
    state = (*sflow.state, *meaning)
    rhs = tuple(velocities[s] for s in state)
    for r in rhs:
        if not r.is_polynomial(*state):
            bad = min((e for e in sympy.preorder_traversal(r) if not e.is_polynomial(*state)), key=sympy.count_ops)
            raise ValueError(f"f of {sflow.name} contains {bad}, which symrich.testing cannot integrate: the oracle "
                             "takes polynomial flows, and makes tanh, exp and symrich.testing.softplus of polynomial "
                             "arguments polynomial; write other smooth activations through these")
    flow = PolynomialFlow(state=state, rhs=rhs, params=sflow.params, name=f"{sflow.name} (with auxiliary state)")
    return AugmentedFlow(flow, tuple(meaning.items()))


@functools.lru_cache(maxsize=64)
def _compiled(exprs: tuple, args: tuple):
    return _lambdify(args, list(exprs))


def evaluate(exprs: tuple, args: tuple, values: list) -> list:
    """Evaluate SymPy expressions at mpmath values of ``args`` (lambdified once, cached).

    Parameters
    ----------
    exprs : tuple of sympy.Expr
    args : tuple of sympy.Symbol
    values : list of numbers
        In the order of ``args``; the result is computed at the current mpmath precision.

    Returns
    -------
    list of mpmath.mpf

    Examples
    --------
    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> evaluate((sympy.tanh(x) ** 2 + 1 / sympy.cosh(x) ** 2,), (x,), [mpmath.mpf("0.3")])
    [mpf('1.0')]
    """
    return [mpmath.mpf(v) for v in _compiled(tuple(exprs), tuple(args))(*values)]


def velocity(sflow: SymbolicFlow, state: list, params: Mapping) -> list:
    """The derived velocity at one state, at the current mpmath precision (any kind of flow).

    Parameters
    ----------
    sflow : SymbolicFlow
    state : list of numbers
        Values of ``sflow.state``.
    params : mapping
        ``{symbol: value}`` for every symbol of ``sflow.params``.

    Returns
    -------
    list of mpmath.mpf

    Raises
    ------
    ValueError
        For a kinked flow at a state on a kink (a pre-activation exactly 0).

    Examples
    --------
    >>> from symrich.testing.zoo import single_neuron
    >>> sf = derive(single_neuron(1), 1)
    >>> velocity(sf, [1, 2], dict(zip(sf.params, [1, 1, 1, 0])))    # a' = -w (a w - 0), w' = -a (a w)
    [mpf('-4.0'), mpf('-2.0')]
    """
    args = (*sflow.state, *sflow.params)
    return evaluate(sflow.rhs, args, [*state, *(params[s] for s in sflow.params)])


def beta_expressions(model: Any) -> Any:
    r"""Function-space coordinates :math:`\beta = \partial f/\partial x` (``d x c``) of a model linear in ``x``.

    Parameters
    ----------
    model : Model

    Returns
    -------
    sympy.Matrix, shape (d, c)
        In the parameter symbols; :math:`f(x) = \beta^\top x`.

    Raises
    ------
    ValueError
        If :math:`f` is not linear in :math:`x` (or has a per-sample pattern).

    Examples
    --------
    >>> from symrich.testing.zoo import single_neuron
    >>> beta_expressions(single_neuron(2)).T
    Matrix([[a*w_1, a*w_2]])
    """
    import sympy

    if model.pattern is not None:
        raise ValueError(f"{model.name} has a per-sample pattern: beta = df/dx differs between samples")
    x = sympy.Matrix(model.d, 1, [sympy.Symbol(f"x_{j + 1}", real=True) for j in range(model.d)])
    outputs = model.output(x)
    J = sympy.Matrix([[sympy.diff(fk, xj) for fk in outputs] for xj in x])
    if any(e.has(*x) for e in J) or any(sympy.expand(fk - sum(J[j, k] * x[j] for j in range(model.d))) != 0
                                        for k, fk in enumerate(outputs)):
        raise ValueError(f"f of {model.name} is not linear in x, so beta = df/dx is not its function-space "
                         "coordinate; give Model(beta=...) or your own coordinates")
    return J
