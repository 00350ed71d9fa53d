"""The derivation engine: definitions, steps and chains, cited facts, a proved result.

A derivation reads like a paper's appendix, and every displayed line is proved
by the machine:

* :class:`Definition` -- a named abbreviation (``Lambda := sqrt(delta^2 + 4
  eta_a eta_w s^2)``, ``chi(t) := ...``), displayed by name and expanded only
  for checking;
* :class:`Step` -- one equality ``lhs = rhs`` with its justification;
  :class:`Chain` -- ``lhs = e1 = e2 = ... = rhs`` (like a Lean ``calc``
  block), every link proved;
* facts -- a step may cite (``uses=("label",)``) earlier labelled steps of its
  derivation, or ``"other:label"`` of a derivation it ``requires``; the cited
  equation is used as a rewrite rule in the proof, and citing an unknown,
  unproved or unused fact is an error;
* the result -- the equation of labelled steps or chains
  (``Derivation(result="label")``), so the boxed line is a proved line.

Proof strategy, per equality, strongest first (:mod:`symrich.engine.prove`):
the step's own targeted rewrite (``rewrite=``), then ``expand``, ``cancel``,
``simplify`` and ``equals`` (each under a time limit) applied to ``lhs - rhs``;
only when every symbolic attempt is inconclusive, a randomized check at 30
digits at 5 seeded points of the step's domain, recorded as such.

Examples
--------
>>> import sympy as sp
>>> from symrich.engine import Chain, Definition, Derivation, Step
>>> x = sp.Symbol("x", positive=True)
>>> good = Derivation("demo", "A demo", steps=(
...     Step((x + 1)**2, x**2 + 2*x + 1, "binomial formula"),
...     Step(sp.sqrt(x**2), x, "$x > 0$"),
... ))
>>> [p.method for p in good.verify().proofs]
['expand', 'identical']
>>> bad = Derivation("demo", "A demo", steps=(Step((x + 1)**2, x**2 + 1, "oops"),))
>>> bad.verify()
Traceback (most recent call last):
...
symrich.engine.prove.DerivationError: derivation 'demo', step 1 ('oops'): lhs - rhs does not vanish (exact residual ...

Definitions are displayed by name and expanded for the proof:

>>> L = sp.Symbol("Lambda", positive=True)
>>> d = Derivation("demo", "Definitions", definitions=(Definition(L, sp.sqrt(x**2 + 1)),),
...                steps=(Chain(L**2, (x**2 + 1, "square the definition")),))
>>> d.verify().result[0].describe()
'step 1, symbolic'
"""

from symrich.engine.derivation import Derivation, ProvedResult, VerifiedDerivation
from symrich.engine.prepare import Definition, Fact
from symrich.engine.prove import Assumption, DerivationError, Proof
from symrich.engine.steps import Chain, Link, Step

__all__ = [
    "Definition", "Step", "Chain", "Link", "Fact", "Derivation", "VerifiedDerivation", "ProvedResult",
    "Proof", "DerivationError", "Assumption",
]
