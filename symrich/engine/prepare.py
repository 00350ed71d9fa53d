"""From a displayed equality to the identity that is proved: definitions, cited facts, conditions.

A step is written, and displayed, with named quantities (``Lambda``,
``chi(t)``) and may cite earlier proved equations ("by (3)").  Before it is
proved, :func:`prepare` turns it into a plain identity between SymPy
expressions:

1. every cited fact ``lhs = rhs`` is used as a rewrite rule ``lhs -> rhs``;
2. definitions are expanded (named symbols replaced by their values, named
   functions applied to their arguments), derivatives evaluated, and the facts
   applied again, until nothing changes;
3. conditions such as ``delta > 0`` replace the symbol by a fresh one carrying
   that sign, for SymPy's simplifications and for the sampling domain of the
   randomized check.

A fact that changes nothing in the identity it is cited for is an error: a
citation must be a dependency of the proof, not a comment.

>>> import sympy as sp
>>> x, L = sp.symbols("x Lambda", positive=True)
>>> Lam = Definition(L, sp.sqrt(x**2 + 1))
>>> prepare(L**2, x**2 + 1, definitions=(Lam,)).lhs
x**2 + 1
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef

from symrich.engine.calculus import CALCULUS, MatrixPartial, MatrixTimeDerivative, Partial, TimeDerivative
from symrich.engine.prove import freeze

__all__ = ["Definition", "Fact", "Prepared", "prepare", "condition_symbol", "fold", "same_value", "MAX_ROUNDS"]

#: definitions may refer to earlier ones; expansion stops after this many rounds.
MAX_ROUNDS = 12


@dataclass(frozen=True)
class Definition:
    """A named abbreviation ``name := value``, displayed by name and expanded only for checking.

    Parameters
    ----------
    name : Symbol, MatrixSymbol or applied undefined function
        What the derivation writes, e.g. ``Lambda`` or ``chi(t)``.  For a
        function, every application ``chi(x)`` is replaced by ``value`` with
        ``t -> x``.
    value : sympy expression
        Its value; it may use earlier definitions (expanded in turn), never
        itself.
    text : str
        Optional LaTeX prose shown after the definition (``"the fast rate"``).

    Examples
    --------
    >>> import sympy as sp
    >>> t, k = sp.symbols("t k")
    >>> chi = sp.Function("chi")
    >>> d = Definition(chi(t), sp.exp(k * t))
    >>> d.substitute(chi(0) + sp.Derivative(chi(t), t)).doit()
    k*exp(k*t) + 1
    """

    name: Any
    value: Any
    text: str = ""

    def __post_init__(self):
        name = freeze(self.name)
        if not isinstance(name, (sp.Symbol, sp.MatrixSymbol, AppliedUndef)):
            raise TypeError(
                f"Definition name must be a Symbol, MatrixSymbol or an undefined function applied to symbols, got {name!r}"
            )
        if isinstance(name, AppliedUndef) and not all(isinstance(a, sp.Symbol) for a in name.args):
            raise TypeError(f"Definition {name}: a defined function must be applied to symbols, got {name.args}")
        value = freeze(self.value)
        if _mentions(value, name):
            raise ValueError(f"Definition {name} refers to itself")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "value", value)

    def substitute(self, expr):
        """``expr`` with this definition expanded once (see the class example)."""
        if isinstance(self.name, AppliedUndef):
            return expr.replace(lambda e: isinstance(e, AppliedUndef) and e.func == self.name.func, self.applied)
        return expr.xreplace({self.name: self.value})

    def applied(self, call):
        """The value of a defined function at the arguments of ``call`` (``chi(0)`` for ``chi(t) := ...``).

        A derivative in the value is taken before the point is substituted
        (``subs``, not ``xreplace``): ``p(t) := \\dot\\chi(t)`` gives ``p(0) = \\dot\\chi(0)``.

        >>> import sympy as sp
        >>> t = sp.Symbol("t")
        >>> chi, p = sp.Function("chi"), sp.Function("p")
        >>> Definition(p(t), sp.Derivative(chi(t), t)).applied(p(0))
        Subs(Derivative(chi(t), t), t, 0)
        """
        point = dict(zip(self.name.args, call.args))
        if all(k == v for k, v in point.items()):
            return self.value
        return self.value.subs(point, simultaneous=True)


@dataclass(frozen=True)
class Fact:
    """A proved equation ``lhs = rhs`` that later steps may cite, with the conditions it was proved under.

    Attributes
    ----------
    key : str
        ``"label"`` within a derivation, ``"derivation:label"`` across derivations.
    lhs, rhs : sympy expressions
    given : tuple of relationals
        Conditions (``delta > 0``) under which it was proved; a step citing it
        must state them too.
    definitions : tuple of Definition
        For a fact of another derivation, that derivation's definitions: a
        citing derivation may not define any of these names differently.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> Fact("sq", x**2, x * x).key
    'sq'
    """

    key: str
    lhs: Any
    rhs: Any
    given: tuple = field(default=())
    definitions: tuple = field(default=())

    def relied_on(self):
        """The definitions (of :attr:`definitions`) the fact mentions, directly or through other definitions.

        >>> import sympy as sp
        >>> x, L, M, N = sp.symbols("x Lambda M N")
        >>> defs = (Definition(L, x + 1), Definition(M, L**2), Definition(N, x))
        >>> [str(d.name) for d in Fact("f", M, (x + 1)**2, (), defs).relied_on()]
        ['Lambda', 'M']
        """
        pending, seen = [self.lhs, self.rhs], []
        while pending:
            expr = pending.pop()
            for d in self.definitions:
                if d not in seen and _mentions(expr, d.name):
                    seen.append(d)
                    pending.append(d.value)
        return tuple(d for d in self.definitions if d in seen)

    def instantiate(self, values):
        """The fact with some of its free symbols given values (it holds for all of them).

        >>> import sympy as sp
        >>> x, c = sp.symbols("x c")
        >>> Fact("f", c * x + c * x, 2 * c * x).instantiate({c: 3})
        Fact(key='f', lhs=6*x, rhs=6*x, given=(), definitions=())
        """
        if not values:
            return self
        values = dict(values)
        conditioned = {rel.lhs for rel in self.given} | {rel.rhs for rel in self.given}
        clash = sorted(str(s) for s in values if s in conditioned)
        if clash:
            raise ValueError(f"fact {self.key!r} holds under {self.given}; it cannot be instantiated at {clash}")
        return Fact(self.key, _substitute_values(self.lhs, values), _substitute_values(self.rhs, values), self.given,
                    self.definitions)


def _substitute_values(expr, values):
    """``expr.xreplace(values)`` with every sum of matrices put back in SymPy's canonical order.

    ``xreplace`` keeps the order of a ``MatAdd``'s terms, which SymPy sorts
    only when the sum is built (``eta_w A A^T - eta_a W W^T`` written directly
    and ``c_A A A^T + c_W W W^T`` at ``c_A = eta_w``, ``c_W = -eta_a`` would
    differ); rebuilding each sum as ``+`` does makes an instantiated fact match
    the same expression written out.

    >>> import sympy as sp
    >>> A, B = sp.MatrixSymbol("A", 2, 2), sp.MatrixSymbol("B", 2, 2)
    >>> x, y = sp.symbols("x y")
    >>> _substitute_values(x * A + y * B, {x: sp.Symbol("q"), y: sp.Symbol("p")}) == sp.Symbol("q") * A + sp.Symbol("p") * B
    True
    """
    out = expr.xreplace(values)
    return out.replace(lambda e: isinstance(e, sp.MatAdd), lambda e: sp.MatAdd(*e.args).doit(deep=False))


@dataclass(frozen=True)
class Prepared:
    """The identity to prove, with the symbols that carry the step's conditions.

    ``lhs``, ``rhs`` are the expanded sides; ``renamed`` maps each conditioned
    symbol to the fresh symbol that replaced it.

    Examples
    --------
    >>> import sympy as sp
    >>> d = sp.Symbol("delta", real=True)
    >>> p = prepare(abs(d), d, given=(d > 0,))
    >>> p.lhs == p.rhs
    True
    """

    lhs: Any
    rhs: Any
    renamed: tuple = ()


def same_value(a, b) -> bool:
    """Whether two definitions' values are the same expression (up to SymPy's expansion).

    Values are compared after ``expand``: a value built unevaluated (``Mul(1/2, x + y,
    evaluate=False)``) and the same value evaluated, e.g. after a round trip through the
    cache, are the same.  Anything undecided counts as different.

    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> same_value(sp.Mul(sp.Rational(1, 2), x + y, evaluate=False), x / 2 + y / 2), same_value(x, y)
    (True, False)
    """
    if a == b:
        return True
    try:
        diff = (a - b).doit() if isinstance(a, sp.MatrixExpr) or isinstance(b, sp.MatrixExpr) else a - b
        if isinstance(diff, sp.MatrixBase):
            return all(sp.expand(e) == 0 for e in diff)
        return sp.expand(diff) == 0 or isinstance(diff, sp.ZeroMatrix)
    except (TypeError, ValueError, AttributeError):
        return False


def condition_symbol(rel):
    """``(symbol, fresh symbol)`` for a condition ``symbol > 0``, ``< 0``, ``>= 0``, ``<= 0`` or ``!= 0``.

    Examples
    --------
    >>> import sympy as sp
    >>> d = sp.Symbol("delta", real=True)
    >>> old, new = condition_symbol(d < 0)
    >>> old == d, new.is_negative, new.name
    (True, True, 'delta')
    """
    if not isinstance(rel, sp.core.relational.Relational):
        raise TypeError(f"a condition must be a relational such as delta > 0, got {rel!r}")
    lhs, rhs = rel.lhs, rel.rhs
    flip = False
    if isinstance(rhs, sp.Symbol) and lhs == 0:
        lhs, rhs, flip = rhs, lhs, True
    if not isinstance(lhs, sp.Symbol) or rhs != 0:
        raise ValueError(f"a condition must compare a symbol with 0, got {rel}")
    kind = {sp.StrictGreaterThan: "positive", sp.StrictLessThan: "negative", sp.GreaterThan: "nonnegative",
            sp.LessThan: "nonpositive", sp.Unequality: "nonzero"}[type(rel)]
    if flip:
        kind = {"positive": "negative", "negative": "positive", "nonnegative": "nonpositive",
                "nonpositive": "nonnegative", "nonzero": "nonzero"}[kind]
    assumptions = {k: v for k, v in lhs.assumptions0.items() if k in ("real", "integer", "rational")}
    assumptions.setdefault("real", True)
    assumptions[kind] = True
    return lhs, sp.Dummy(lhs.name, **assumptions)


def _mentions(expr, name):
    if isinstance(name, AppliedUndef):
        return any(isinstance(f, AppliedUndef) and f.func == name.func for f in expr.atoms(AppliedUndef))
    return expr.has(name)


def _apply_facts(expr, facts, fired):
    for i, fact in enumerate(facts):
        # an explicit matrix's xreplace works entrywise, so a matrix fact is matched as a whole first
        new = fact.rhs if expr == fact.lhs else expr.xreplace({fact.lhs: fact.rhs})
        if new == expr and not isinstance(fact.lhs, (sp.Symbol, sp.MatrixSymbol)):
            new = expr.subs(fact.lhs, fact.rhs)
        if new != expr:
            fired.add(i)
            expr = new
    return expr


def _substitute_once(expr, definitions):
    """Every defined name replaced by its value, one level deep (names inside the values stay)."""
    symbols = {d.name: d.value for d in definitions if not isinstance(d.name, AppliedUndef)}
    expr = expr.xreplace(symbols) if symbols else expr
    functions = [d for d in definitions if isinstance(d.name, AppliedUndef)]
    if functions:
        expr = expr.replace(lambda e: isinstance(e, AppliedUndef) and any(e.func == d.name.func for d in functions),
                            lambda e: next(d for d in functions if d.name.func == e.func).applied(e))
    return expr


def _mentions_any(expr, definitions):
    return any(_mentions(expr, d.name) for d in definitions)


def _dependencies(definitions):
    """``{name: symbols its fully expanded value depends on}`` (a function's own arguments excluded), any order."""
    def own(atom):
        for d in definitions:
            if (isinstance(d.name, AppliedUndef) and isinstance(atom, AppliedUndef) and atom.func == d.name.func) \
                    or d.name == atom:
                return d.name
        return None

    direct = {d.name: d.value.free_symbols | set(d.value.atoms(AppliedUndef)) for d in definitions}
    deps = {d.name: set() for d in definitions}
    for _ in range(len(definitions) + 1):
        changed = False
        for d in definitions:
            free = set()
            for atom in direct[d.name]:
                name = own(atom)
                free |= atom.free_symbols if isinstance(atom, AppliedUndef) else ({atom} if name is None else set())
                if name is not None:
                    free |= deps[name]
            free -= set(d.name.args) if isinstance(d.name, AppliedUndef) else set()
            if free != deps[d.name]:
                deps[d.name], changed = free, True
        if not changed:
            break
    return deps


def _derivative_variables(node):
    """The variables a derivative, limit, integral or sum node acts on (None for any other node)."""
    if isinstance(node, sp.Derivative):
        return set(node.variables)
    if isinstance(node, sp.Limit):
        return {node.args[1]}
    if isinstance(node, (sp.Integral, sp.Sum)):
        return set(node.variables)
    if isinstance(node, (TimeDerivative, MatrixTimeDerivative)):
        return {pair[0] for pair in node.args[1]}
    if isinstance(node, (Partial, MatrixPartial)):
        return {node.args[1]}
    return None


def _check_opaque(expr, opaque, deps):
    """A name kept opaque inside a derivative (limit, integral) must not depend on its variable (it would be taken as constant)."""
    for node in sp.preorder_traversal(expr):
        variables = _derivative_variables(node)
        if not variables:
            continue
        for d in opaque:
            if _mentions(node, d.name) and deps[d.name] & variables:
                raise ValueError(f"{d.name} is kept opaque inside a derivative with respect to "
                                 f"{sorted(map(str, variables))}, but its value depends on it: unfold it too")


def _expand(expr, definitions, facts, fired, opaque=(), deps=None):
    """Facts applied, definitions expanded level by level, derivatives evaluated once nothing defined is left.

    The cited facts are expanded in lockstep with the expression (the same
    substitutions, round by round), so a fact written with named quantities
    still matches once the names around it have been expanded.  Derivatives are
    evaluated (``doit``) only when no defined name remains in the expression: a
    defined symbol inside ``d/da`` must be expanded before it is
    differentiated, not treated as a constant.
    """
    expr = _apply_facts(expr, facts, fired)
    for _ in range(MAX_ROUNDS):
        if _mentions_any(expr, definitions):
            facts = [Fact(f.key, _substitute_once(f.lhs, definitions), _substitute_once(f.rhs, definitions), f.given,
                          f.definitions) for f in facts]
            expr = _apply_facts(_substitute_once(expr, definitions), facts, fired)
            continue
        if opaque:
            _check_opaque(expr, opaque, deps)
        new = _apply_facts(expr.doit(**{CALCULUS: True}), facts, fired)
        if new == expr:
            return expr
        expr = new
    raise ValueError(f"definitions are still expanding after {MAX_ROUNDS} rounds (a cycle?)")


def prepare(lhs, rhs, *, definitions=(), facts=(), given=(), opaque=()):
    """The identity behind a displayed equality ``lhs = rhs``: facts applied, definitions expanded, conditions applied.

    Parameters
    ----------
    lhs, rhs : sympy expressions or matrices, as displayed
    definitions : sequence of Definition
        In order; a definition may use earlier ones.
    facts : sequence of Fact
        The cited facts, each used as a rewrite rule ``lhs -> rhs``.
    given : sequence of relationals
        Conditions such as ``delta > 0``, and hypotheses ``Eq(name, value)``
        such as ``Eq(Delta, delta * I)`` or ``Eq(k, 2)``: a hypothesis is used
        as a rewrite rule ``name -> value`` (before the definitions are
        expanded, and again at every level), like a cited fact, but it need not
        occur in every equality it is stated for.  For a free symbol it
        restricts the step to that set.
    opaque : sequence of Definition
        Definitions not expanded here (the step unfolds only ``definitions``);
        they are checked not to depend on the variable of a derivative they
        stand in.

    Returns
    -------
    Prepared

    Raises
    ------
    ValueError
        When a cited fact does not occur in the identity, or definitions cycle.

    Examples
    --------
    >>> import sympy as sp
    >>> t, k = sp.symbols("t k")
    >>> I = sp.Function("I")
    >>> rule = Fact("ode", sp.Derivative(I(t), t), k * I(t))
    >>> prepare(sp.Derivative(I(t)**2, t).doit(), 2 * k * I(t)**2, facts=(rule,)).lhs
    2*k*I(t)**2
    >>> prepare(t, t, facts=(rule,))
    Traceback (most recent call last):
    ...
    ValueError: the cited fact 'ode' does not occur in this step (citing it would be a comment, not a dependency)

    A hypothesis about a named quantity (here ``m := x**2 - 1``, supposed to vanish):

    >>> x, m = sp.symbols("x m")
    >>> prepare(x**2 - 1 - m, 0, definitions=(Definition(m, x**2 - 1),), given=(sp.Eq(m, 0),)).lhs
    x**2 - 1

    A hypothesis on a free symbol restricts the step (here ``k = 2`` in a defined function):

    >>> f = sp.Function("f")
    >>> prepare(f(t), sp.exp(2 * t), definitions=(Definition(f(t), sp.exp(k * t)),), given=(sp.Eq(k, 2),)).lhs
    exp(2*t)

    A name left opaque (not unfolded) must not hide a dependence on the variable of a derivative:

    >>> E = sp.Symbol("E")
    >>> prepare(sp.Derivative(E * t, t), E, opaque=(Definition(E, sp.exp(t)),))
    Traceback (most recent call last):
    ...
    ValueError: E is kept opaque inside a derivative with respect to ['t'], but its value depends on it: unfold it too
    """
    hypotheses = tuple(Fact(f"hypothesis {g}", g.lhs, g.rhs) for g in given if isinstance(g, sp.Equality))
    conditions = tuple(g for g in given if not isinstance(g, sp.Equality))
    rules = tuple(facts) + hypotheses
    fired = set()
    lhs = freeze(lhs)
    rhs = freeze(rhs)
    deps = _dependencies(tuple(opaque) + tuple(definitions)) if opaque else None
    lhs = _expand(lhs, tuple(definitions), rules, fired, tuple(opaque), deps)
    rhs = _expand(rhs, tuple(definitions), rules, fired, tuple(opaque), deps)
    for i, fact in enumerate(facts):
        if i not in fired:
            raise ValueError(f"the cited fact {fact.key!r} does not occur in this step "
                             "(citing it would be a comment, not a dependency)")
    renamed = tuple(condition_symbol(rel) for rel in conditions)
    if renamed:
        lhs = lhs.xreplace(dict(renamed))
        rhs = rhs.xreplace(dict(renamed))
    return Prepared(lhs, rhs, renamed)


def fold(expr, definitions):
    """``expr`` with the values of ``definitions`` replaced by their names (the last definition first).

    The inverse of expanding the definitions, for displaying an expression of
    the symbolic layer with the derivation's names (``sqrt(s**2 + kappa**2)``
    shown as ``R``); square roots of a value are folded too (``sqrt(eta_a)
    sqrt(eta_w)`` as ``sqrt(eta)``).  Only a display device: the engine expands
    the names again before proving anything, and a step stating that the folded
    form equals the original is proved like any other.

    Examples
    --------
    >>> import sympy as sp
    >>> s, k, ea, ew = sp.symbols("s kappa eta_a eta_w", positive=True)
    >>> R, eta = sp.symbols("R eta", positive=True)
    >>> defs = (Definition(eta, ea * ew), Definition(R, sp.sqrt(s**2 + k**2)))
    >>> fold(sp.sqrt(ea * ew) * (s + sp.sqrt(s**2 + k**2)) / sp.sqrt(s**2 + k**2), defs)
    sqrt(eta)*(R + s)/R
    >>> fold(k / sp.sqrt(ea * ew), defs)
    kappa/sqrt(eta)
    """
    def levels(value, earlier):
        # the value as written, then with the earlier names expanded one level at a time
        out = [value]
        for _ in range(MAX_ROUNDS):
            value = _substitute_once(value, earlier)
            if value == out[-1]:
                break
            out.append(value)
        return out

    def replace(expr, value, name):
        if not value.free_symbols <= expr.free_symbols:
            return expr
        for pattern, short in ((1 / sp.sqrt(value), 1 / sp.sqrt(name)), (sp.sqrt(value), sp.sqrt(name)), (value, name)):
            expr = expr.subs(pattern, short)
        return expr

    definitions = tuple(d for d in definitions if not isinstance(d.name, AppliedUndef))
    for d in definitions:  # first each value as written, once the earlier names are folded
        expr = replace(expr, d.value, d.name)
    for i in reversed(range(len(definitions))):  # then values written with fewer names
        for value in levels(definitions[i].value, definitions[:i])[1:]:
            expr = replace(expr, value, definitions[i].name)
    return expr
