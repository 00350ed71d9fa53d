"""The derivation engine: steps, proofs, verified derivations.

A :class:`Derivation` is a named, ordered list of :class:`Step` objects.  Each
step states an equality ``lhs = rhs`` between two SymPy expressions (scalars,
explicit matrices or matrix expressions), a one-line justification in words,
and how it may be proved.  :meth:`Derivation.verify` proves every step and
returns a :class:`VerifiedDerivation`, an immutable value recording, for each
step, the :class:`Proof` it got.

Proof strategy, per step, strongest first:

1. the step's own targeted rewrite (``Step.rewrite``), then ``expand``,
   ``cancel`` (cheap canonical forms), then ``simplify`` and ``equals`` (each
   under a time limit), applied to ``lhs - rhs``; a step is *symbolically
   proved* when one of them yields exactly zero;
2. only when every symbolic attempt is inconclusive: a randomized numeric
   check at ``digits`` (>= 30) significant digits at ``points`` (>= 5) random
   points of the step's domain.  The points are reproducible (seeded by the
   step's content).

A step that fails both raises :class:`DerivationError` naming the derivation,
the step and the residual.

Examples
--------
>>> import sympy as sp
>>> from symrich.engine import Derivation, Step
>>> x = sp.Symbol("x", positive=True)
>>> good = Derivation("demo", "A demo", steps=(
...     Step((x + 1)**2, x**2 + 2*x + 1, "binomial formula"),
...     Step(sp.sqrt(x**2), x, "x > 0"),
... ))
>>> [p.method for p in good.verify().proofs]
['expand', 'identical']
>>> bad = Derivation("demo", "A demo", steps=(Step((x + 1)**2, x**2 + 1, "oops"),))
>>> bad.verify()
Traceback (most recent call last):
...
symrich.engine.prove.DerivationError: derivation 'demo', step 1 ('oops'): lhs - rhs does not vanish (residual ...
"""

from symrich.engine.derivation import Derivation, Step, VerifiedDerivation
from symrich.engine.prove import Assumption, DerivationError, Proof

__all__ = ["Step", "Proof", "Derivation", "VerifiedDerivation", "DerivationError", "Assumption"]
