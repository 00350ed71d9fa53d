"""Steps, derivations and verified derivations: the values the engine works on.

>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> Derivation("demo", "Demo", steps=(Step(2 * x, x + x, "doubling"),)).verify().proof_kinds
{'symbolic': 1, 'numeric': 0}
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any, Mapping

from symrich.engine.prove import SYMBOLIC_METHODS, as_assumption, freeze, shape_of, prove_step

__all__ = ["Step", "Derivation", "VerifiedDerivation"]


@dataclass(frozen=True)
class Step:
    """One equality ``lhs = rhs`` of a derivation.

    Parameters
    ----------
    lhs, rhs : sympy expression, Matrix or MatrixExpr
        The two sides.  Explicit matrices are compared entrywise.
    why : str
        One-line justification in words ("chain rule", "substitute delta").
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
    subs : mapping, optional
        Substitutions applied to both sides *before* the numeric check, e.g.
        to evaluate undefined functions of ``t``.

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.engine import Step
    >>> x = sp.Symbol("x", positive=True)
    >>> step = Step(sp.sqrt(x**2), x, "x > 0", domain={x: (0.5, 2)})
    >>> step.lhs == step.rhs
    True
    >>> Step(x, x, "")
    Traceback (most recent call last):
    ...
    ValueError: Step.why must be a non-empty justification string
    """

    lhs: Any
    rhs: Any
    why: str
    rewrite: Any = None
    domain: Mapping = field(default_factory=dict)
    symbolic: bool = True
    methods: tuple = SYMBOLIC_METHODS

    def __post_init__(self):
        if not isinstance(self.why, str) or not self.why.strip():
            raise ValueError("Step.why must be a non-empty justification string")
        object.__setattr__(self, "lhs", freeze(self.lhs))
        object.__setattr__(self, "rhs", freeze(self.rhs))
        object.__setattr__(
            self, "domain", tuple(sorted(((k, as_assumption(v)) for k, v in dict(self.domain).items()), key=lambda kv: str(kv[0])))
        )
        unknown = set(self.methods) - set(SYMBOLIC_METHODS)
        if unknown:
            raise ValueError(f"Step.methods: unknown method(s) {sorted(unknown)}; expected a subset of {SYMBOLIC_METHODS}")
        lshape, rshape = shape_of(self.lhs), shape_of(self.rhs)
        if lshape != rshape:
            raise ValueError(f"Step {self.why!r}: lhs has shape {lshape} but rhs has shape {rshape}")

    @property
    def rewrite_name(self):
        if self.rewrite is None:
            return None
        return self.rewrite if isinstance(self.rewrite, str) else getattr(self.rewrite, "__name__", "rewrite")

    def _portable(self):
        """A copy whose rewrite is a name (picklable regardless of the callable)."""
        return dataclasses.replace(self, rewrite=self.rewrite_name, domain=dict(self.domain))



@dataclass(frozen=True)
class Derivation:
    """A named, ordered list of steps, with its statement and assumptions.

    Parameters
    ----------
    name : str
        Short identifier (``"single_neuron.conservation"``).
    title : str
        Human title, used as the LaTeX section heading.
    steps : tuple of Step
    statement : str
        The result in words.
    assumptions : tuple of str
        Hypotheses in words (``"X^T X = I"``, ``"a != 0"``).
    result : tuple (lhs, rhs), optional
        The final result to box in LaTeX; defaults to the last step.
    family : str
        Network family (``"single neuron"``, ``"wide linear"``...).
    notes : str
        Remarks, e.g. why a fixed-dimension check proves the general case.
    domain : mapping
        Default sampling ranges for every step's numeric fallback.

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.engine import Derivation, Step
    >>> x = sp.Symbol("x")
    >>> d = Derivation("demo", "Demo", steps=(
    ...     Step((x + 1)**2, x**2 + 2*x + 1, "binomial formula"),
    ...     Step(x**2 + 2*x + 1, (x + 1)**2, "factor"),
    ... ))
    >>> d.final
    (x**2 + 2*x + 1, (x + 1)**2)
    >>> d.verify().proof_kinds
    {'symbolic': 2, 'numeric': 0}
    """

    name: str
    title: str
    steps: tuple = ()
    statement: str = ""
    assumptions: tuple = ()
    result: Any = None
    family: str = ""
    notes: str = ""
    domain: Mapping = field(default_factory=dict)

    def __post_init__(self):
        steps = tuple(self.steps)
        if not all(isinstance(s, Step) for s in steps):
            raise ValueError(f"Derivation {self.name!r}: every entry of steps must be a Step")
        object.__setattr__(self, "steps", steps)
        object.__setattr__(self, "assumptions", tuple(self.assumptions))
        object.__setattr__(self, "domain", dict(self.domain))
        if self.result is not None:
            lhs, rhs = self.result
            object.__setattr__(self, "result", (freeze(lhs), freeze(rhs)))

    @property
    def final(self):
        """The boxed result ``(lhs, rhs)``: ``result`` or the last step."""
        if self.result is not None:
            return self.result
        if not self.steps:
            raise ValueError(f"Derivation {self.name!r} has no steps")
        last = self.steps[-1]
        return (last.lhs, last.rhs)

    def verify(self, *, digits: int = 30, points: int = 5, seed: int = 0) -> "VerifiedDerivation":
        """Prove every step; return the immutable verified derivation.

        Raises
        ------
        DerivationError
            naming the first step that fails, with its residual.
        """
        if digits < 30:
            raise ValueError(f"digits must be >= 30 for a numeric proof, got {digits}")
        if points < 5:
            raise ValueError(f"points must be >= 5 for a numeric proof, got {points}")
        start = time.perf_counter()
        proofs = tuple(
            prove_step(step, name=self.name, index=i, digits=digits, points=points, seed=seed, default_domain_=self.domain)
            for i, step in enumerate(self.steps, start=1)
        )
        portable = dataclasses.replace(self, steps=tuple(s._portable() for s in self.steps))
        return VerifiedDerivation(portable, proofs, time.perf_counter() - start)


@dataclass(frozen=True)
class VerifiedDerivation:
    """A derivation whose every step has been proved; immutable.

    ``proofs[i]`` is the proof of ``derivation.steps[i]``.

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.engine import Derivation, Step
    >>> x = sp.Symbol("x", positive=True)
    >>> v = Derivation("demo", "Demo", steps=(Step(sp.sqrt(x**2), x, "x > 0"),)).verify()
    >>> v.name, v.title
    ('demo', 'Demo')
    >>> for step, proof in v:
    ...     print(step.why, "->", proof.describe())
    x > 0 -> symbolic (identical)
    """

    derivation: Derivation
    proofs: tuple
    seconds: float

    @property
    def name(self):
        return self.derivation.name

    @property
    def title(self):
        return self.derivation.title

    @property
    def final(self):
        return self.derivation.final

    @property
    def proof_kinds(self):
        """Counts ``{"symbolic": k, "numeric": m}``."""
        kinds = {"symbolic": 0, "numeric": 0}
        for p in self.proofs:
            kinds[p.kind] += 1
        return kinds

    def __iter__(self):
        return iter(zip(self.derivation.steps, self.proofs))


