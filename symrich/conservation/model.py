r"""A model for the conservation-law search: parameters, inputs, outputs and learning rates.

A :class:`Model` is a network :math:`f(x;\theta)` written with SymPy: named
parameter groups (a scalar, a vector or a matrix of symbols each), the input
symbols, the output expression(s), polynomial in inputs and parameters, and one
learning rate per group (a positive rational number or a positive SymPy
expression, e.g. a symbol ``eta_w``).  The gradient flow it defines, for any
dataset :math:`(x_i, y_i)` and any differentiable loss
:math:`L = \sum_i \ell(f(x_i;\theta), y_i)`, is
:math:`\dot\theta = -H\,\nabla_\theta L` with :math:`H` the diagonal matrix of
the rates.

A :class:`MatrixForm` optionally records the same network with matrices of
symbolic size (SymPy ``MatrixSymbol``), so that a conservation law found at
one size can be proved for every size (:mod:`symrich.conservation.proofs`).

>>> import sympy as sp
>>> a, w1, w2, x1, x2 = sp.symbols("a w1 w2 x1 x2")
>>> m = Model("neuron", parameters={"a": a, "w": [w1, w2]}, inputs=(x1, x2),
...           outputs=a * (w1 * x1 + w2 * x2))
>>> m.D, m.theta, m.theta_rates
(3, (a, w1, w2), (1, 1, 1))
"""

from __future__ import annotations

import dataclasses
import fractions
import math
from dataclasses import dataclass
from collections.abc import Mapping
from typing import Any

import sympy as sp

from symrich.conservation.prose import Assumption, Prose

__all__ = ["ParameterGroup", "MatrixForm", "Model"]


@dataclass(frozen=True)
class ParameterGroup:
    """One named group of parameters sharing a learning rate.

    Parameters
    ----------
    name : str
        The group's name (an identifier, e.g. ``"W1"``).
    entries : sympy.ImmutableMatrix
        The parameter symbols, as a matrix (a scalar is ``1 x 1``, a vector
        ``m x 1``).
    rate : sympy.Expr
        The learning rate: a positive rational number or a positive expression.

    Examples
    --------
    >>> import sympy as sp
    >>> g = ParameterGroup("w", sp.ImmutableMatrix(sp.symbols("w1 w2")), sp.Symbol("eta_w", positive=True))
    >>> g.shape, g.symbols
    ((2, 1), (w1, w2))
    """

    name: str
    entries: sp.ImmutableMatrix
    rate: Any = sp.S.One

    @property
    def shape(self) -> tuple:
        """``(rows, cols)`` of :attr:`entries`."""
        return tuple(self.entries.shape)

    @property
    def symbols(self) -> tuple:
        """The entries, row by row."""
        return tuple(self.entries)


@dataclass(frozen=True)
class MatrixForm:
    r"""The model written with matrices of symbolic size, for proofs that hold for every size.

    Parameters
    ----------
    parameters : tuple of (str, sympy.MatrixSymbol)
        Each parameter group of the model and its matrix of symbolic size.
    data : tuple of sympy.MatrixSymbol
        The data matrices (``n`` samples as columns or rows).
    output : sympy.MatrixExpr
        The outputs :math:`F(\theta)` on the data.  For any loss the gradient
        is that of :math:`\operatorname{tr}(\Gamma^\top F)` with :math:`\Gamma`
        the (frozen) derivative of the loss with respect to :math:`F`, an
        arbitrary matrix of the shape of :math:`F`.
    description : str
        ``F`` in words, e.g. ``"F = W2 W1 X, X in R^{d x n}"``.

    Examples
    --------
    >>> import sympy as sp
    >>> d, h, n = sp.symbols("d h n", integer=True, positive=True)
    >>> W, a, X = sp.MatrixSymbol("w", h, d), sp.MatrixSymbol("a", 1, h), sp.MatrixSymbol("X", d, n)
    >>> form = MatrixForm((("w", W), ("a", a)), (X,), a * W * X, "F = a w X")
    >>> form.output.shape
    (1, n)
    """

    parameters: tuple
    data: tuple
    output: Any
    description: str = ""

    def __post_init__(self):
        object.__setattr__(self, "parameters", tuple((str(k), v) for k, v in self.parameters))
        object.__setattr__(self, "data", tuple(self.data))
        problems = [f"parameter {k!r} is not a sympy MatrixSymbol" for k, v in self.parameters
                    if not isinstance(v, sp.MatrixSymbol)]
        problems += [f"data entry {v!r} is not a sympy MatrixSymbol" for v in self.data if not isinstance(v, sp.MatrixSymbol)]
        if not isinstance(self.output, sp.MatrixExpr):
            problems.append(f"output must be a sympy matrix expression, got {type(self.output).__name__}")
        if problems:
            raise ValueError("MatrixForm: " + "; ".join(problems))


@dataclass(frozen=True)
class Model:
    r"""A network :math:`f(x;\theta)`, polynomial in inputs and parameters, with its learning rates.

    Validated at construction: every problem found is collected and reported
    in one ``ValueError``.

    Parameters
    ----------
    name : str
        A label (non-empty, printable).
    parameters : mapping of str to Symbol, sequence of Symbols or Matrix
        The parameter groups in order, e.g. ``{"a": a, "w": [w1, w2]}``; a
        sequence is a column vector.  A sequence of :class:`ParameterGroup` is
        accepted too.  :math:`\theta` lists the groups in this order, each
        group row by row.
    inputs : sequence of sympy.Symbol or Matrix
        The input symbols :math:`x` (also the activation gates of a ReLU
        network, see :func:`symrich.conservation.two_layer`).
    outputs : sympy expression, sequence or Matrix
        The outputs :math:`f_j(x;\theta)`, polynomials with rational
        coefficients in the inputs and parameters.
    rates : number, expression, or mapping of str to number or expression, optional
        The learning rates: one rate for every group, or a mapping
        ``{group: rate}`` naming every group.  A rate is a
        positive integer, ``fractions.Fraction`` or ``sympy.Rational``, or a
        SymPy expression of positive symbols (``sympy.Symbol("eta_w",
        positive=True)``).  Default: 1 for every group.  Floats are refused
        (the search is exact): write ``sympy.Rational("0.1")``.
    assumptions : sequence of str, Prose or Assumption
        Hypotheses under which the model describes the network (e.g. how a
        ReLU is handled); they are repeated in every result.  A ``str`` is
        plain text (escaped in the LaTeX); a :class:`~symrich.conservation.prose.Prose`
        carries its own LaTeX.  Stored as a tuple of
        :class:`~symrich.conservation.prose.Assumption`.
    matrix_form : MatrixForm, optional
        The same network with matrices of symbolic size.

    Attributes
    ----------
    theta : tuple of sympy.Symbol
        All parameters, in order.
    theta_rates : tuple
        The learning rate of each entry of :attr:`theta`.
    D : int
        The number of parameters.

    Examples
    --------
    >>> import sympy as sp
    >>> a, w, x = sp.symbols("a w x")
    >>> eta = sp.Symbol("eta_a", positive=True)
    >>> Model("m", {"a": a, "w": w}, (x,), a * w * x, rates={"a": eta, "w": 1}).theta_rates
    (eta_a, 1)
    >>> Model("m", {"a": a, "w": w}, (x,), a * w * x, rates=sp.Rational(1, 2)).theta_rates
    (1/2, 1/2)

    Every problem is reported at once:

    >>> Model("m", {"a": a, "w": a}, (x,), sp.sin(a * x), rates={"a": 0.1, "b": 1})
    Traceback (most recent call last):
    ...
    ValueError: invalid Model 'm':
      - rates: unknown group(s) b; the groups are a, w
      - rates: no rate for the group(s) w; a mapping gives every group its rate (the groups are a, w), or give ...
      - rates['a'] is the float 0.1: use an exact number such as sympy.Rational('0.1')
      - parameter symbol a appears more than once (group 'w')
      - outputs[0] = sin(a*x) is not a polynomial in the inputs and parameters
    """

    name: str
    parameters: Any
    inputs: Any
    outputs: Any
    rates: Any = None
    assumptions: tuple = ()
    matrix_form: MatrixForm | None = None

    def __post_init__(self):
        problems = []
        groups = _groups(self.parameters, problems)
        rates = _rates(self.rates, groups, problems)
        groups = tuple(dataclasses.replace(g, rate=rates.get(g.name, g.rate)) for g in groups)
        inputs = _symbol_tuple(self.inputs, "inputs", problems)
        outputs = _expression_tuple(self.outputs, problems)
        if not isinstance(self.name, str) or not self.name.strip() or not self.name.isprintable():
            problems.append(f"name must be a non-empty printable string, got {self.name!r}")
        theta = [s for g in groups for s in g.symbols]
        seen = set()
        for g in groups:
            for s in g.symbols:
                if s in seen:
                    problems.append(f"parameter symbol {s} appears more than once (group {g.name!r})")
                seen.add(s)
        both = sorted(set(theta) & set(inputs), key=str)
        if both:
            problems.append(f"symbol(s) {', '.join(map(str, both))} are both parameters and inputs")
        if len(set(inputs)) != len(inputs):
            problems.append("inputs contain a repeated symbol")
        _check_outputs(outputs, set(theta) | set(inputs), problems)
        rate_symbols = set().union(*(sp.sympify(g.rate).free_symbols for g in groups)) if groups else set()
        clash = sorted(rate_symbols & (set(theta) | set(inputs)), key=str)
        if clash:
            problems.append(f"rate symbol(s) {', '.join(map(str, clash))} are also parameters or inputs")
        assumptions = _assumptions(self.assumptions, problems)
        if self.matrix_form is not None:
            _check_matrix_form(self.matrix_form, groups, problems)
        if problems:
            raise ValueError(f"invalid Model {self.name!r}:\n" + "\n".join(f"  - {p}" for p in problems))
        object.__setattr__(self, "parameters", groups)
        object.__setattr__(self, "rates", tuple((g.name, g.rate) for g in groups))
        object.__setattr__(self, "inputs", inputs)
        object.__setattr__(self, "outputs", outputs)
        object.__setattr__(self, "assumptions", assumptions)

    @property
    def theta(self) -> tuple:
        return tuple(s for g in self.parameters for s in g.symbols)

    @property
    def theta_rates(self) -> tuple:
        return tuple(g.rate for g in self.parameters for _ in g.symbols)

    @property
    def D(self) -> int:
        return len(self.theta)

    @property
    def unused(self) -> tuple:
        """The parameters that appear in no output (each is trivially conserved), in order.

        >>> import sympy as sp
        >>> a, b, x = sp.symbols("a b x")
        >>> Model("m", {"a": a, "b": b}, (x,), a * x).unused
        (b,)
        """
        used = set().union(*(f.free_symbols for f in self.outputs))
        return tuple(s for s in self.theta if s not in used)

    @property
    def rate_symbols(self) -> tuple:
        """The symbols of symbolic learning rates, sorted by name (empty for numeric rates)."""
        return tuple(sorted(set().union(*(sp.sympify(g.rate).free_symbols for g in self.parameters)), key=str))

    def group(self, name: str) -> ParameterGroup:
        """The parameter group called ``name``.

        >>> import sympy as sp
        >>> a, x = sp.symbols("a x")
        >>> Model("m", {"a": a}, (x,), a * x).group("a").shape
        (1, 1)
        """
        for g in self.parameters:
            if g.name == name:
                return g
        raise ValueError(f"model {self.name!r} has no parameter group {name!r}; groups: "
                         f"{', '.join(g.name for g in self.parameters)}")


def _as_matrix(value):
    if isinstance(value, sp.MatrixBase):
        return sp.ImmutableMatrix(value)
    if isinstance(value, sp.Basic) and not isinstance(value, sp.MatrixExpr):
        return sp.ImmutableMatrix([[value]])
    if isinstance(value, (list, tuple)):
        return sp.ImmutableMatrix(list(value))
    return None


def _groups(parameters, problems) -> tuple:
    if isinstance(parameters, dict):
        items = list(parameters.items())
    elif isinstance(parameters, (list, tuple)) and all(isinstance(g, ParameterGroup) for g in parameters):
        items = [(g.name, g) for g in parameters]
    else:
        problems.append("parameters must be a mapping {name: symbol, sequence or Matrix} or a sequence of "
                        f"ParameterGroup, got {type(parameters).__name__}")
        return ()
    if not items:
        problems.append("parameters: at least one parameter group is needed")
    groups = []
    for name, value in items:
        rate = sp.S.One
        if isinstance(value, ParameterGroup):
            rate = _rate(value.rate, f"parameter group {name!r}: rate", problems) or sp.S.One
        entries = _as_matrix(value.entries if isinstance(value, ParameterGroup) else value)
        if not isinstance(name, str) or not name.isidentifier():
            problems.append(f"parameter group name {name!r} is not an identifier")
        if entries is None:
            problems.append(f"parameter group {name!r}: expected a Symbol, a sequence of Symbols or a Matrix, "
                            f"got {type(value).__name__}")
            continue
        bad = [e for e in entries if not isinstance(e, sp.Symbol)]
        if bad or not len(entries):
            problems.append(f"parameter group {name!r}: every entry must be a sympy Symbol"
                            + (f", got {bad[0]!r}" if bad else " (the group is empty)"))
            continue
        groups.append(ParameterGroup(str(name), entries, rate))
    names = [g.name for g in groups]
    for n in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"parameter group name {n!r} is repeated")
    return tuple(groups)


def _rates(rates, groups, problems) -> dict:
    if rates is None:
        return {}
    pairs = isinstance(rates, (list, tuple)) and all(isinstance(p, tuple) and len(p) == 2 for p in rates)
    if not (isinstance(rates, Mapping) or pairs):  # one rate for every group
        if isinstance(rates, (str, bytes, list, tuple, set, sp.MatrixBase)):
            problems.append(f"rates must be a number, an expression or a mapping {{group name: rate}}, "
                            f"got {type(rates).__name__} {rates!r}")
            return {}
        rate = _rate(rates, "rates", problems)
        return {g.name: rate for g in groups} if rate is not None else {}
    items = dict(rates)
    names = [g.name for g in groups]
    unknown = sorted(set(items) - set(names), key=str)
    if unknown:
        problems.append(f"rates: unknown group(s) {', '.join(map(str, unknown))}; the groups are {', '.join(names)}")
    missing = [n for n in names if n not in items]
    if missing:
        problems.append(f"rates: no rate for the group(s) {', '.join(missing)}; a mapping gives every group its rate "
                        f"(the groups are {', '.join(names)}), or give one rate for all")
    out = {}
    for name, value in items.items():
        rate = _rate(value, f"rates[{name!r}]", problems)
        if rate is not None and name in names:
            out[name] = rate
    return out


def _rate(value, what, problems):
    if isinstance(value, bool):
        problems.append(f"{what} must be a positive number or expression, got {value!r}")
        return None
    if isinstance(value, float):
        problems.append(f"{what} is the float {value!r}: " + (f"use an exact number such as sympy.Rational('{value!r}')"
                                                              if math.isfinite(value) else "a rate is finite"))
        return None
    if isinstance(value, fractions.Fraction):
        value = sp.Rational(value.numerator, value.denominator)
    try:
        rate = sp.sympify(value, strict=True)
    except (sp.SympifyError, TypeError):
        problems.append(f"{what} must be a positive number or expression, got {value!r}")
        return None
    if rate.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        problems.append(f"{what} = {rate} is not finite: a rate is a finite positive number or expression")
        return None
    if rate.atoms(sp.Float):
        problems.append(f"{what} = {rate} contains a float: use exact numbers (sympy.Rational)")
        return None
    numer, denom = sp.fraction(sp.together(rate))
    symbols = sorted(rate.free_symbols, key=str)
    if not all(e.is_polynomial(*symbols) and (not symbols or sp.Poly(e, *symbols).domain in (sp.ZZ, sp.QQ))
               and (symbols or e.is_Rational) for e in (numer, denom)):
        problems.append(f"{what} = {rate} is not a rational number or a rational function of symbols "
                        "with rational coefficients")
        return None
    if rate.is_positive is not True:
        free = ", ".join(sorted(str(s) for s in rate.free_symbols if not s.is_positive))
        hint = f" (declare {free} with positive=True)" if free else ""
        problems.append(f"{what} = {rate} is not known to be positive{hint}")
        return None
    return rate


def _symbol_tuple(value, what, problems) -> tuple:
    entries = _as_matrix(value) if not isinstance(value, sp.Symbol) else sp.ImmutableMatrix([value])
    if entries is None:
        problems.append(f"{what} must be a sequence of sympy Symbols or a Matrix, got {type(value).__name__}")
        return ()
    bad = [e for e in entries if not isinstance(e, sp.Symbol)]
    if bad:
        problems.append(f"{what} must contain sympy Symbols, got {bad[0]!r}")
        return ()
    return tuple(entries)


def _expression_tuple(value, problems) -> tuple:
    entries = _as_matrix(value)
    if entries is None:
        try:
            entries = sp.ImmutableMatrix([sp.sympify(value, strict=True)])
        except (sp.SympifyError, TypeError):
            problems.append(f"outputs must be a sympy expression, a sequence of them or a Matrix, got {value!r}")
            return ()
    if not len(entries):
        problems.append("outputs: at least one output is needed")
    return tuple(entries)


def _assumptions(value, problems) -> tuple:
    if isinstance(value, (str, Prose, Assumption)) or not isinstance(value, (list, tuple)):
        problems.append("assumptions must be a sequence of str, Prose or Assumption, got "
                        f"{type(value).__name__}")
        return ()
    out = []
    for a in value:
        if isinstance(a, str):
            a = Prose.plain(a)
        if isinstance(a, Prose):
            a = Assumption(a)
        if not isinstance(a, Assumption):
            problems.append(f"assumptions must be a sequence of str, Prose or Assumption, got a {type(a).__name__}")
            return ()
        out.append(a)
    return tuple(out)


def _check_outputs(outputs, known, problems) -> None:
    for j, f in enumerate(outputs):
        if f.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            problems.append(f"outputs[{j}] = {f} is not finite (it contains nan, zoo or oo)")
            continue
        unknown = sorted(f.free_symbols - known, key=str)
        if unknown:
            problems.append(f"outputs[{j}] contains {', '.join(map(str, unknown))}, which are neither parameters "
                            "nor inputs")
            continue
        gens = sorted(f.free_symbols, key=str)
        if not gens:
            continue
        if not f.is_polynomial(*gens):
            problems.append(f"outputs[{j}] = {f} is not a polynomial in the inputs and parameters")
            continue
        domain = sp.Poly(f, *gens).domain
        if not (domain.is_ZZ or domain.is_QQ):
            problems.append(f"outputs[{j}] has coefficients in {domain}, expected rational numbers")


def _check_matrix_form(form, groups, problems) -> None:
    if not isinstance(form, MatrixForm):
        problems.append(f"matrix_form must be a MatrixForm, got {type(form).__name__}")
        return
    names = [g.name for g in groups]
    if [k for k, _ in form.parameters] != names:
        problems.append(f"matrix_form names the groups {[k for k, _ in form.parameters]}, the model {names}")
