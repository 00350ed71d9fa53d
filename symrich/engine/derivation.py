"""Derivations and verified derivations: definitions, steps and chains, a proved result.

A :class:`Derivation` reads like a paper's appendix: a statement, its
assumptions, named definitions (``Lambda := sqrt(delta^2 + 4 eta_a eta_w s^2)``),
then steps and chains of equalities, each with a justification, possibly citing
earlier results.  :meth:`Derivation.verify` proves every equality (after the
definitions are expanded and the cited facts applied; see
:mod:`symrich.engine.prepare`) and returns a :class:`VerifiedDerivation`, which
records the proof of every equality and of the boxed result: the result is
the equation of a labelled step or chain, never typed separately.

>>> import sympy as sp
>>> x, y = sp.symbols("x y", positive=True)
>>> d = Derivation("demo", "A binomial", steps=(
...     Chain((x + y)**2, (sp.Mul(x + y, x + y, evaluate=False), "definition of the square"),
...           (x**2 + 2*x*y + y**2, "distribute"), label="binomial"),
... ), result="binomial")
>>> v = d.verify()
>>> v.result[0].lhs, v.result[0].rhs
((x + y)**2, x**2 + 2*x*y + y**2)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Mapping

from symrich.engine.prepare import Definition, Fact, prepare, same_value
from symrich.engine.prove import DerivationError, prove_step
from symrich.engine.steps import MAX_DISPLAY_OPS, Chain, Step, cited_key, display_size

__all__ = ["Derivation", "VerifiedDerivation", "ProvedResult"]


@dataclass(frozen=True)
class Derivation:
    """A named derivation: statement, assumptions, definitions, steps and chains, and its result.

    Parameters
    ----------
    name : str
        Identifier (``"single_neuron_conservation"``); labels of other
        derivations are cited as ``"name:label"``.
    title : str
        Title, LaTeX prose (the section heading).
    steps : tuple of Step or Chain
        In order; a step may cite the labels of earlier ones.
    statement : str
        The result in words, LaTeX prose (math in ``$...$``).
    assumptions : tuple of str
        Hypotheses, LaTeX prose (``"$X^\\top X = I_d$"``).
    definitions : tuple of Definition
        Named abbreviations, listed at the start; a definition may use earlier ones.
    result : str or tuple of str
        Label(s) of the step(s) or chain(s) whose equation is the boxed result
        (default: the last item).
    requires : tuple of str
        Derivations whose labelled results this one cites (``"name:label"``).
    family : str
        Network family (``"single neuron"``, ``"wide linear"``...).
    notes : str
        Remarks, LaTeX prose.
    domain : mapping
        Default sampling ranges of every step's randomized check.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> d = Derivation("demo", "Demo", steps=(
    ...     Step((x + 1)**2, x**2 + 2*x + 1, "binomial formula", label="b"),
    ... ))
    >>> d.verify().proof_kinds
    {'symbolic': 1, 'numeric': 0}
    >>> Derivation("demo", "Demo", steps=(Step(x, x, "same"),), result="nothing")
    Traceback (most recent call last):
    ...
    ValueError: Derivation 'demo': the result cites 'nothing', which is not the label of a step or chain
    """

    name: str
    title: str
    steps: tuple = ()
    statement: str = ""
    assumptions: tuple = ()
    definitions: tuple = ()
    result: Any = None
    requires: tuple = ()
    family: str = ""
    notes: str = ""
    domain: Mapping = field(default_factory=dict)

    def __post_init__(self):
        items = tuple(self.steps)
        if not items:
            raise ValueError(f"Derivation {self.name!r} has no steps")
        if not all(isinstance(s, (Step, Chain)) for s in items):
            raise TypeError(f"Derivation {self.name!r}: every entry of steps must be a Step or a Chain")
        if not all(isinstance(d, Definition) for d in self.definitions):
            raise TypeError(f"Derivation {self.name!r}: every definition must be a Definition")
        object.__setattr__(self, "steps", items)
        object.__setattr__(self, "definitions", tuple(self.definitions))
        object.__setattr__(self, "assumptions", tuple(self.assumptions))
        object.__setattr__(self, "requires", tuple(self.requires))
        object.__setattr__(self, "domain", dict(self.domain))
        names = [d.name for d in self.definitions]
        twice = sorted({str(n) for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"Derivation {self.name!r}: {twice} defined more than once")
        labels = [s.label for s in items if s.label]
        duplicate = sorted({lb for lb in labels if labels.count(lb) > 1})
        if duplicate:
            raise ValueError(f"Derivation {self.name!r}: duplicate label(s) {duplicate}")
        result = self.result
        if result is None:
            result = ()
        elif isinstance(result, str):
            result = (result,)
        result = tuple(result)
        for label in result:
            if label not in labels:
                raise ValueError(f"Derivation {self.name!r}: the result cites {label!r}, "
                                 "which is not the label of a step or chain")
        object.__setattr__(self, "result", result)
        self._check_display()

    def _check_display(self):
        problems = []
        for d in self.definitions:
            if display_size(d.value) > MAX_DISPLAY_OPS:
                problems.append(f"definition of {d.name} has {display_size(d.value)} operations")
        for i, item in enumerate(self.steps, 1):
            for side in item.displayed_sides():
                size = display_size(side)
                if size > MAX_DISPLAY_OPS:
                    problems.append(f"step {i} ({item.label or getattr(item, 'why', '')[:40]!r}) displays a side "
                                    f"with {size} operations")
        if problems:
            raise ValueError(
                f"Derivation {self.name!r}: displayed expressions must have at most {MAX_DISPLAY_OPS} operations "
                "(introduce a definition, split the step, or mark a computer-algebra lemma with lemma=True): "
                + "; ".join(problems))

    def item(self, label):
        """The step or chain with this label.

        >>> import sympy as sp
        >>> x = sp.Symbol("x")
        >>> Derivation("d", "D", steps=(Step(x, x, "same", label="s"),)).item("s").why
        'same'
        """
        for s in self.steps:
            if s.label == label:
                return s
        raise KeyError(f"derivation {self.name!r} has no step labelled {label!r}")

    @property
    def result_items(self):
        """The items whose equations form the boxed result (the last item by default)."""
        if self.result:
            return tuple(self.item(label) for label in self.result)
        return (self.steps[-1],)

    def verify(self, *, facts: Mapping | None = None, digits: int = 30, points: int = 5,
               seed: int = 0) -> "VerifiedDerivation":
        """Prove every equality and the result; return the immutable verified derivation.

        Parameters
        ----------
        facts : mapping, optional
            ``{"derivation:label": Fact}`` proved results of the derivations in
            ``requires`` (the registry supplies them).
        digits, points, seed
            Settings of the randomized check (at least 30 digits, 5 points).

        Raises
        ------
        DerivationError
            Naming the first step that fails (its residual), a cited fact that
            is unknown, not yet proved or unused, or a missing requirement.

        Examples
        --------
        >>> import sympy as sp
        >>> x = sp.Symbol("x")
        >>> d = Derivation("demo", "Demo", steps=(
        ...     Step((x + 1)**2, x**2 + 2*x + 1, "binomial", label="b"),
        ...     Step((x + 1)**2 - 1, x**2 + 2*x, "by the binomial formula", uses=("g",)),
        ... ))
        >>> d.verify()
        Traceback (most recent call last):
        ...
        symrich.engine.prove.DerivationError: derivation 'demo', step 2 ('by the binomial formula'): cites 'g', which is not an earlier labelled step of 'demo' nor a fact of its required derivations
        """
        if digits < 30:
            raise ValueError(f"digits must be >= 30 for a numeric proof, got {digits}")
        if points < 5:
            raise ValueError(f"points must be >= 5 for a numeric proof, got {points}")
        start = time.perf_counter()
        known = dict(facts or {})
        missing = [r for r in self.requires if not any(k.startswith(r + ":") for k in known)]
        if missing:
            raise DerivationError(self.name, 0, None, "",
                                  message=f"derivation {self.name!r} requires {missing}, whose facts were not supplied "
                                          "(verify through symrich.engine.registry.derive)")
        proofs = []
        for index, item in enumerate(self.steps, 1):
            item_proofs = []
            for eq in item.equalities():
                item_proofs.append(self._prove(eq, index, known, digits, points, seed))
            proofs.append(tuple(item_proofs))
            if item.label:
                known[item.label] = Fact(item.label, item.lhs, item.rhs, tuple(item.given))
        result = tuple(ProvedResult(item.label, item.lhs, item.rhs, tuple(item.given), self.steps.index(item) + 1,
                                    proofs[self.steps.index(item)]) for item in self.result_items)
        portable = Derivation(self.name, self.title, steps=tuple(s.portable() for s in self.steps),
                              statement=self.statement, assumptions=self.assumptions, definitions=self.definitions,
                              result=self.result, requires=self.requires, family=self.family, notes=self.notes,
                              domain=self.domain)
        return VerifiedDerivation(portable, tuple(proofs), result, time.perf_counter() - start)

    def _prove(self, eq, index, known, digits, points, seed):
        cited = []
        for use in eq.uses:
            key = cited_key(use)
            if key not in known:
                raise DerivationError(self.name, index, eq, "",
                                      message=f"cites {key!r}, which is not an earlier labelled step of {self.name!r} "
                                              "nor a fact of its required derivations")
            fact = known[key]
            own = {d.name: d.value for d in self.definitions}
            clash = sorted(str(d.name) for d in fact.relied_on() if d.name in own and not same_value(own[d.name], d.value))
            if clash:
                raise DerivationError(self.name, index, eq, "",
                                      message=f"cites {key!r}, whose derivation defines {clash} differently: a name "
                                              "must mean the same thing in both")
            unstated = [g for g in fact.given if g not in eq.given]
            if unstated:
                raise DerivationError(self.name, index, eq, "",
                                      message=f"cites {key!r}, proved under {unstated}, without stating that condition")
            try:
                cited.append(fact.instantiate(dict(use[1]) if not isinstance(use, str) else {}))
            except ValueError as exc:
                raise DerivationError(self.name, index, eq, "", message=str(exc)) from exc
        definitions, opaque = self.definitions, ()
        if eq.unfold is not None:
            names = {df.name for df in self.definitions}
            unknown = [n for n in eq.unfold if n not in names]
            if unknown:
                raise DerivationError(self.name, index, eq, "", message=f"unfolds {unknown}, which are not defined names")
            definitions = tuple(df for df in self.definitions if df.name in eq.unfold)
            opaque = tuple(df for df in self.definitions if df.name not in eq.unfold)
        try:
            prepared = prepare(eq.lhs, eq.rhs, definitions=definitions, facts=cited, given=eq.given, opaque=opaque)
        except ValueError as exc:
            values = [u for u in eq.uses if not isinstance(u, str)]
            hint = ("; a fact cited with values must match the step once instantiated: "
                    + ", ".join(f"{u[0]!r} with " + ", ".join(f"{k} = {v}" for k, v in u[1]) for u in values)
                    if values and "does not occur" in str(exc) else "")
            raise DerivationError(self.name, index, eq, "", message=str(exc) + hint) from exc
        renamed = dict(prepared.renamed)
        domain = {renamed.get(k, k): v for k, v in {**self.domain, **dict(eq.domain)}.items()}
        target = Step(prepared.lhs, prepared.rhs, eq.why, rewrite=eq.rewrite, domain=domain, symbolic=eq.symbolic,
                      methods=eq.methods)
        return prove_step(target, name=self.name, index=index, digits=digits, points=points, seed=seed)

    def _repr_markdown_(self):
        from symrich.engine.notebook import markdown

        return markdown(self)


@dataclass(frozen=True)
class ProvedResult:
    """One equation of a derivation's boxed result, with the proofs that establish it.

    Attributes
    ----------
    label : str
        The label of the step or chain it is the equation of.
    lhs, rhs : sympy expressions
        The equation, as displayed.
    given : tuple of relationals
        Conditions it holds under.
    index : int
        1-based position of that step or chain in the derivation.
    proofs : tuple of Proof
        The proofs of its links (one for a step); the chain's equation holds by
        transitivity.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> v = Derivation("d", "D", steps=(Step(x + x, 2 * x, "collect", label="c"),), result="c").verify()
    >>> v.result[0].describe()
    'step 1 (c), symbolic'
    """

    label: str
    lhs: Any
    rhs: Any
    given: tuple
    index: int
    proofs: tuple

    def how(self) -> str:
        """How the equation was proved, in words: ``"symbolic"`` or ``"a chain of 3 equalities (3 symbolic)"``."""
        kinds = [p.kind for p in self.proofs]
        counts = ", ".join(f"{kinds.count(k)} {k}" for k in ("symbolic", "numeric") if k in kinds)
        return kinds[0] if len(kinds) == 1 else f"a chain of {len(kinds)} equalities ({counts})"

    def describe(self) -> str:
        """Which step, and how it was proved."""
        return f"step {self.index} ({self.label}), {self.how()}" if self.label else f"step {self.index}, {self.how()}"


@dataclass(frozen=True)
class VerifiedDerivation:
    """A derivation whose every equality, and its result, have been proved; immutable.

    Attributes
    ----------
    derivation : Derivation
        The derivation (rewrites stored by name, so that it pickles).
    item_proofs : tuple of tuple of Proof
        ``item_proofs[i]`` are the proofs of the equalities of
        ``derivation.steps[i]`` (one for a step, one per link for a chain).
    result : tuple of ProvedResult
        The boxed result and how it was proved.
    seconds : float
        Time spent verifying.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x", positive=True)
    >>> v = Derivation("demo", "Demo", steps=(Step(sp.sqrt(x**2), x, "$x > 0$"),)).verify()
    >>> v.name, v.title
    ('demo', 'Demo')
    >>> for item, proofs in v:   # a step has one equality, a chain one per link
    ...     for eq, proof in zip(item.equalities(), proofs):
    ...         print(eq.why, "->", proof.describe())
    $x > 0$ -> symbolic (identical)
    """

    derivation: Derivation
    item_proofs: tuple
    result: tuple
    seconds: float

    @property
    def name(self):
        return self.derivation.name

    @property
    def title(self):
        return self.derivation.title

    @property
    def proofs(self):
        """Every proof, flat (one per equality, chains contributing one per link)."""
        return tuple(p for item in self.item_proofs for p in item)

    @property
    def proof_kinds(self):
        """Counts ``{"symbolic": k, "numeric": m}`` over all equalities."""
        kinds = {"symbolic": 0, "numeric": 0}
        for p in self.proofs:
            kinds[p.kind] += 1
        return kinds

    def facts(self):
        """``{"name:label": Fact}`` for every labelled step or chain (what other derivations may cite).

        >>> import sympy as sp
        >>> x = sp.Symbol("x")
        >>> v = Derivation("d", "D", steps=(Step(x + x, 2 * x, "collect", label="c"),)).verify()
        >>> list(v.facts())
        ['d:c']
        """
        return {f"{self.name}:{s.label}": Fact(f"{self.name}:{s.label}", s.lhs, s.rhs, tuple(s.given),
                                               self.derivation.definitions)
                for s in self.derivation.steps if s.label}

    def __iter__(self):
        return iter(zip(self.derivation.steps, self.item_proofs))

    def _repr_markdown_(self):
        from symrich.engine.notebook import markdown

        return markdown(self)

    def _repr_latex_(self):
        from symrich.engine.notebook import latex_block

        return latex_block(self)
