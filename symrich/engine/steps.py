"""The items of a derivation: a :class:`Step` (one equality) and a :class:`Chain` (``a = b = c = ...``).

Both are written, and displayed, in terms of the derivation's named
quantities (see :class:`symrich.engine.prepare.Definition`); each equality is
proved after the definitions are expanded.  A step or chain with a ``label``
can be cited by later steps (``uses=("label",)``) and boxed as the
derivation's result.

A displayed side may have at most :data:`MAX_DISPLAY_OPS` operations (SymPy's
``count_ops``): a side too large to read is a sign that a definition or a
smaller step is missing.  A step marked ``lemma=True`` (a computer-algebra
lemma, e.g. an identity checked in coordinates) is displayed as its ``why``
sentence with its proof kind, not as a wall of symbols, and is exempt.

>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> c = Chain((x + 1)**2, (sp.Mul(x + 1, x + 1, evaluate=False), "definition of the square"),
...           (x**2 + 2*x + 1, "distribute"), label="binomial")
>>> c.rhs, len(c.equalities())
(x**2 + 2*x + 1, 2)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Mapping

import sympy as sp

from symrich.engine.calculus import MatrixTimeDerivative, TimeDerivative
from symrich.engine.prove import SYMBOLIC_METHODS, as_assumption, freeze, shape_of

__all__ = ["Step", "Link", "Chain", "display_size", "cited_key", "MAX_DISPLAY_OPS"]

#: largest number of operations (``sympy.count_ops``) of a displayed side.
MAX_DISPLAY_OPS = 40


def display_size(expr) -> int:
    """Operations in a displayed side (``count_ops``; an explicit matrix counts its entries' operations).

    A time derivative ``d/dt e`` counts as ``e`` plus one: its velocities are not displayed.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> display_size(x**2 + 2*x + 1), display_size(sp.Matrix([x + 1, 2 * x]))
    (4, 2)
    """
    if isinstance(expr, sp.MatrixBase):
        return sum(display_size(e) for e in expr)
    derivatives = [e for e in sp.preorder_traversal(expr) if isinstance(e, (TimeDerivative, MatrixTimeDerivative))]
    if derivatives:
        shown = expr.xreplace({e: sp.MatrixSymbol("D", *e.shape) if isinstance(e, MatrixTimeDerivative) else sp.Dummy("D")
                               for e in derivatives})
        return int(sp.count_ops(shown)) + sum(display_size(e.args[0]) for e in derivatives)
    return int(sp.count_ops(expr))


def _check_why(why, what):
    if not isinstance(why, str) or not why.strip():
        raise ValueError(f"{what}.why must be a non-empty justification string")


def _domain(domain):
    return tuple(sorted(((k, as_assumption(v)) for k, v in dict(domain).items()), key=lambda kv: str(kv[0])))


def _check_methods(methods, what):
    unknown = set(methods) - set(SYMBOLIC_METHODS)
    if unknown:
        raise ValueError(f"{what}.methods: unknown method(s) {sorted(unknown)}; expected a subset of {SYMBOLIC_METHODS}")


def _uses(uses):
    out = []
    for u in uses:
        if isinstance(u, str):
            out.append(u)
        elif isinstance(u, tuple) and len(u) == 2 and isinstance(u[0], str):
            out.append((u[0], tuple(sorted(dict(u[1]).items(), key=lambda kv: str(kv[0])))))
        else:
            raise TypeError(f"a cited fact must be a label or (label, {{symbol: value}}), got {u!r}")
    return tuple(out)


def _unfold(names):
    if names is None:
        return None
    if isinstance(names, (str, sp.Basic)):
        raise TypeError(f"unfold must be a tuple of defined names, got {names!r}")
    return tuple(freeze(n) for n in names)


def cited_key(use):
    """The label of a cited fact (``use`` is a label or ``(label, values)``).

    >>> cited_key("flow"), cited_key(("flow", ()))
    ('flow', 'flow')
    """
    return use if isinstance(use, str) else use[0]


def _rewrite_name(rewrite):
    if rewrite is None:
        return None
    return rewrite if isinstance(rewrite, str) else getattr(rewrite, "__name__", "rewrite")


@dataclass(frozen=True)
class Step:
    """One equality ``lhs = rhs`` of a derivation.

    Parameters
    ----------
    lhs, rhs : sympy expression, Matrix or MatrixExpr
        The two sides, as displayed (with named quantities).  Explicit
        matrices are compared entrywise.
    why : str
        The justification, LaTeX prose (``"chain rule, then substitute the
        flow"``; math in ``$...$``).
    label : str, optional
        A name for citing this equation (``uses=("label",)``) and for the
        result (``Derivation(result="label")``).
    uses : tuple
        Cited facts: labels of earlier steps or chains of this derivation, or
        ``"derivation:label"`` of a required derivation; or ``(label, {symbol:
        value})`` to cite a fact with some of its free symbols given values
        ("by (3) with $c_a = \\eta_w$").  Each is used as a rewrite rule
        ``lhs -> rhs`` in the proof, and must occur in it.
    given : tuple of relationals
        Conditions such as ``delta > 0`` under which the step holds (displayed
        after the equation; the symbol gets that sign in the proof), and
        hypotheses ``Eq(name, value)`` such as ``Eq(Delta, delta * I)`` (the
        named quantity is replaced by the value in the proof).
    rewrite : callable or str, optional
        A targeted rewrite applied to ``lhs - rhs`` before the generic methods
        (e.g. :func:`symrich.engine.rewrites.scalar_transposes`); a string names a
        SymPy function (``"powdenest"``) or a function of
        :mod:`symrich.engine.rewrites`.
    domain : mapping, optional
        ``{symbol: (low, high)}`` sampling ranges for the numeric fallback;
        symbols not listed use their SymPy assumptions.
    symbolic : bool
        Set to False when a symbolic proof is known to be out of reach, so the
        step goes straight to the randomized check (recorded as such).
    methods : tuple of str, optional
        Restrict the generic symbolic methods (default: all of
        ``SYMBOLIC_METHODS``).
    unfold : tuple, optional
        The definitions this equality expands ("by the definitions of $a$ and
        $p$"), by name; the others stay opaque (a defined function stays an
        undefined function of its arguments).  Default: all of them.
    lemma : bool
        A computer-algebra lemma: displayed as its ``why`` sentence with its
        proof kind; its sides may exceed :data:`MAX_DISPLAY_OPS`.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x", positive=True)
    >>> step = Step(sp.sqrt(x**2), x, "$x > 0$", domain={x: (0.5, 2)})
    >>> step.lhs == step.rhs
    True
    >>> Step(x, x, "")
    Traceback (most recent call last):
    ...
    ValueError: Step.why must be a non-empty justification string

    ``unfold`` expands only the named definitions; here $g$ stays an undefined function:

    >>> from symrich.engine import Definition, Derivation
    >>> t = sp.Symbol("t")
    >>> f, g = sp.Function("f"), sp.Function("g")
    >>> chain_rule = Step(sp.Derivative(f(t), t), -sp.Derivative(g(t), t) / g(t)**2, "chain rule", unfold=(f(t),))
    >>> Derivation("demo", "Demo", definitions=(Definition(g(t), sp.exp(t**2)), Definition(f(t), 1 / g(t))),
    ...            steps=(chain_rule,)).verify().proofs[0].describe()
    'symbolic (identical)'
    """

    lhs: Any
    rhs: Any
    why: str
    label: str = ""
    uses: tuple = ()
    given: tuple = ()
    rewrite: Any = None
    domain: Mapping = field(default_factory=dict)
    symbolic: bool = True
    methods: tuple = SYMBOLIC_METHODS
    lemma: bool = False
    unfold: Any = None

    def __post_init__(self):
        _check_why(self.why, "Step")
        object.__setattr__(self, "lhs", freeze(self.lhs))
        object.__setattr__(self, "rhs", freeze(self.rhs))
        object.__setattr__(self, "uses", _uses(self.uses))
        object.__setattr__(self, "given", tuple(self.given))
        object.__setattr__(self, "domain", _domain(self.domain))
        object.__setattr__(self, "unfold", _unfold(self.unfold))
        _check_methods(self.methods, "Step")
        lshape, rshape = shape_of(self.lhs), shape_of(self.rhs)
        if lshape != rshape:
            raise ValueError(f"Step {self.why!r}: lhs has shape {lshape} but rhs has shape {rshape}")

    @property
    def rewrite_name(self):
        """The rewrite's name (``None`` without one)."""
        return _rewrite_name(self.rewrite)

    def equalities(self):
        """The equalities to prove: this step itself.

        >>> import sympy as sp
        >>> x = sp.Symbol("x")
        >>> len(Step(x + x, 2 * x, "collect").equalities())
        1
        """
        return (self,)

    def displayed_sides(self):
        """The expressions displayed for this item (checked against :data:`MAX_DISPLAY_OPS`)."""
        return () if self.lemma else (self.lhs, self.rhs)

    def portable(self):
        """A copy whose rewrite is a name (picklable whatever the callable).

        >>> import sympy as sp
        >>> x = sp.Symbol("x")
        >>> Step(x, x, "same", rewrite=sp.expand).portable().rewrite
        'expand'
        """
        return dataclasses.replace(self, rewrite=self.rewrite_name, domain=dict(self.domain))


@dataclass(frozen=True)
class Link:
    """One link ``= expr`` of a :class:`Chain`, with its justification and proof options.

    Parameters are those of :class:`Step` (``why``, ``uses``, ``rewrite``, ``unfold``,
    ``domain``, ``symbolic``, ``methods``); ``expr`` is the new right-hand side.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> Link(2 * x, "collect").expr
    2*x
    """

    expr: Any
    why: str
    uses: tuple = ()
    rewrite: Any = None
    domain: Mapping = field(default_factory=dict)
    symbolic: bool = True
    methods: tuple = SYMBOLIC_METHODS
    unfold: Any = None

    def __post_init__(self):
        _check_why(self.why, "Link")
        object.__setattr__(self, "unfold", _unfold(self.unfold))
        object.__setattr__(self, "expr", freeze(self.expr))
        object.__setattr__(self, "uses", _uses(self.uses))
        object.__setattr__(self, "domain", _domain(self.domain))
        _check_methods(self.methods, "Link")

    def portable(self):
        """A copy whose rewrite is a name (picklable)."""
        return dataclasses.replace(self, rewrite=_rewrite_name(self.rewrite), domain=dict(self.domain))


@dataclass(frozen=True, init=False)
class Chain:
    """A chain of equalities ``lhs = e1 = e2 = ... = rhs``, like a Lean ``calc`` block.

    Each link is proved equal to the previous expression; the chain proves
    ``lhs = rhs`` by transitivity.

    Parameters
    ----------
    lhs : sympy expression
        The first expression.
    *links : Link or tuple
        Each ``Link(expr, why, ...)`` or a tuple ``(expr, why)`` /
        ``(expr, why, {options})`` with options of :class:`Link`.
    label : str, optional
        A name for citing the chain's equation ``lhs = rhs``.
    given : tuple of relationals
        Conditions of the whole chain (see :class:`Step`).

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> c = Chain(x * (x + 2), (x**2 + 2 * x, "distribute"), ((x + 1)**2 - 1, "complete the square"))
    >>> c.lhs, c.rhs
    (x*(x + 2), (x + 1)**2 - 1)
    """

    lhs: Any
    links: tuple
    label: str = ""
    given: tuple = ()

    def __init__(self, lhs, *links, label="", given=()):
        if not links:
            raise ValueError("a Chain needs at least one link")
        parsed = []
        for link in links:
            if isinstance(link, Link):
                parsed.append(link)
            elif isinstance(link, tuple) and len(link) in (2, 3):
                options = link[2] if len(link) == 3 else {}
                parsed.append(Link(link[0], link[1], **options))
            else:
                raise TypeError(f"a chain link must be a Link or a tuple (expr, why[, options]), got {link!r}")
        object.__setattr__(self, "lhs", freeze(lhs))
        object.__setattr__(self, "links", tuple(parsed))
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "given", tuple(given))
        previous = self.lhs
        for i, link in enumerate(self.links, 1):
            if link.expr == previous:
                raise ValueError(f"Chain {label or lhs}: link {i} repeats the previous expression {previous} "
                                 "(an equality 'x = x' shows nothing; drop the link or keep it unevaluated)")
            previous = link.expr
            if shape_of(link.expr) != shape_of(self.lhs):
                raise ValueError(f"Chain {label or lhs}: link {i} has shape {shape_of(link.expr)}, "
                                 f"the chain starts with shape {shape_of(self.lhs)}")

    @property
    def rhs(self):
        """The last expression of the chain."""
        return self.links[-1].expr

    lemma = False

    def equalities(self):
        """One :class:`Step` per link: previous expression = link expression.

        >>> import sympy as sp
        >>> x = sp.Symbol("x")
        >>> [e.why for e in Chain(x * (x + 1), (x**2 + x, "distribute"), ((x + 1)**2 - x - 1, "square")).equalities()]
        ['distribute', 'square']
        """
        out, prev = [], self.lhs
        for link in self.links:
            out.append(Step(prev, link.expr, link.why, uses=link.uses, given=self.given, rewrite=link.rewrite,
                            domain=dict(link.domain), symbolic=link.symbolic, methods=link.methods,
                            unfold=link.unfold))
            prev = link.expr
        return tuple(out)

    def displayed_sides(self):
        """Every expression of the chain (each is displayed)."""
        return (self.lhs,) + tuple(link.expr for link in self.links)

    def portable(self):
        """A copy whose rewrites are names (picklable)."""
        return Chain(self.lhs, *(link.portable() for link in self.links), label=self.label, given=self.given)
