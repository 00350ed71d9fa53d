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
symrich.engine.DerivationError: derivation 'demo', step 1 ('oops'): lhs - rhs does not vanish (residual ...
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import random
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Mapping

import mpmath
import sympy as sp

__all__ = [
    "Step",
    "Proof",
    "Derivation",
    "VerifiedDerivation",
    "DerivationError",
    "Assumption",
]

#: Symbolic methods tried in order (after the step's own rewrite).
SYMBOLIC_METHODS = ("expand", "cancel", "simplify", "equals")
#: Seconds allowed to ``simplify`` / ``equals`` on one step before giving up.
SIMPLIFY_SECONDS = 30.0


class DerivationError(ValueError):
    """A step of a derivation could not be proved (or was disproved).

    Attributes
    ----------
    derivation : str
        Name of the derivation.
    index : int
        1-based position of the failing step.
    step : Step
        The failing step.
    residual : object
        What ``lhs - rhs`` reduced to (or a description of it).

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.engine import Derivation, DerivationError, Step
    >>> x = sp.Symbol("x")
    >>> try:
    ...     Derivation("demo", "Demo", steps=(Step(x + 1, x + 2, "wrong"),)).verify()
    ... except DerivationError as exc:
    ...     print(exc.derivation, exc.index, exc.step.why, exc.residual)
    demo 1 wrong 1.0
    """

    def __init__(self, derivation, index, step, residual, detail=""):
        self.derivation = derivation
        self.index = index
        self.step = step
        self.residual = residual
        msg = (
            f"derivation {derivation!r}, step {index} ({step.why!r}): "
            f"lhs - rhs does not vanish (residual {residual})"
        )
        if detail:
            msg += f"; {detail}"
        super().__init__(msg)


@dataclass(frozen=True)
class Assumption:
    """A sampling domain for one symbol in randomized checks.

    ``low``/``high`` bound a uniform draw.  Integers are drawn uniformly from
    ``[low, high]`` when ``integer`` is true.

    Examples
    --------
    >>> import random
    >>> from symrich.engine import Assumption
    >>> a = Assumption(1, 4, integer=True)
    >>> a.draw(random.Random(0)) in {1, 2, 3, 4}
    True
    >>> 0.2 <= Assumption(0.2, 3.0).draw(random.Random(0)) <= 3.0
    True
    """

    low: float
    high: float
    integer: bool = False

    def draw(self, rng: random.Random):
        if self.integer:
            return rng.randint(int(self.low), int(self.high))
        return mpmath.mpf(rng.uniform(self.low, self.high))


def default_domain(sym: sp.Basic) -> Assumption:
    """Sampling domain implied by a symbol's SymPy assumptions."""
    if sym.is_integer:
        return Assumption(1 if sym.is_positive else 0, 4, integer=True)
    if sym.is_positive:
        return Assumption(0.2, 3.0)
    if sym.is_nonnegative:
        return Assumption(0.0, 3.0)
    if sym.is_negative:
        return Assumption(-3.0, -0.2)
    if sym.is_nonpositive:
        return Assumption(-3.0, 0.0)
    return Assumption(-3.0, 3.0)


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
        (e.g. :func:`symrich.rewrites.scalar_transposes`); a string names a
        SymPy function (``"powdenest"``) or a function of
        :mod:`symrich.rewrites`.
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
    label: str = ""

    def __post_init__(self):
        if not isinstance(self.why, str) or not self.why.strip():
            raise ValueError("Step.why must be a non-empty justification string")
        object.__setattr__(self, "lhs", _freeze(self.lhs))
        object.__setattr__(self, "rhs", _freeze(self.rhs))
        object.__setattr__(
            self, "domain", tuple(sorted(((k, _as_assumption(v)) for k, v in dict(self.domain).items()), key=lambda kv: str(kv[0])))
        )
        unknown = set(self.methods) - set(SYMBOLIC_METHODS)
        if unknown:
            raise ValueError(f"Step.methods: unknown method(s) {sorted(unknown)}; expected a subset of {SYMBOLIC_METHODS}")
        lshape, rshape = _shape(self.lhs), _shape(self.rhs)
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


def _as_assumption(v):
    if isinstance(v, Assumption):
        return v
    lo, hi = v
    return Assumption(float(lo), float(hi))


def _freeze(x):
    if isinstance(x, sp.MatrixBase) and not isinstance(x, sp.ImmutableMatrix):
        return sp.ImmutableMatrix(x)
    if isinstance(x, (int, float)):
        return sp.sympify(x)
    return x


def _shape(x):
    return tuple(x.shape) if hasattr(x, "shape") else ()


@dataclass(frozen=True)
class Proof:
    """How one step was proved.

    ``kind`` is ``"symbolic"`` or ``"numeric"``; ``method`` names the rewrite
    that reduced ``lhs - rhs`` to zero (``"expand"``, ``"simplify"``,
    ``"rewrite:scalar_transposes"``...) or ``"random points"``; numeric proofs
    also record ``digits``, ``points`` and the largest relative residual.

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.engine import Derivation, Step
    >>> x = sp.Symbol("x")
    >>> v = Derivation("demo", "Demo", steps=(Step((x + 1)**2, x**2 + 2*x + 1, "expand"),)).verify()
    >>> proof = v.proofs[0]
    >>> proof.kind, proof.method
    ('symbolic', 'expand')
    >>> proof.describe()
    'symbolic (expand)'
    """

    kind: str
    method: str
    seconds: float
    digits: int | None = None
    points: int | None = None
    max_residual: str | None = None

    def describe(self) -> str:
        if self.kind == "symbolic":
            return f"symbolic ({self.method})"
        return f"numeric ({self.digits} digits at {self.points} random points, max residual {self.max_residual})"


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
            object.__setattr__(self, "result", (_freeze(lhs), _freeze(rhs)))

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


# --------------------------------------------------------------------------
# proving one step


def prove_step(step, *, name="?", index=0, digits=30, points=5, seed=0, default_domain_=None):
    """Return the :class:`Proof` of ``step`` or raise :class:`DerivationError`."""
    start = time.perf_counter()
    diff = _difference(step.lhs, step.rhs)
    if step.symbolic:
        method = _symbolic_proof(diff, step)
        if method is not None:
            return Proof("symbolic", method, time.perf_counter() - start)
    try:
        residual, worst = _numeric_residual(step, diff, digits=digits, points=points, seed=seed, domain=default_domain_ or {})
    except ValueError as exc:  # e.g. matrix expressions of symbolic size cannot be sampled
        raise DerivationError(name, index, step, "not computable", detail=f"symbolic proof failed and {exc}") from exc
    if residual is None or residual > mpmath.mpf(10) ** (-digits):
        shown = "undefined" if residual is None else mpmath.nstr(residual, 3)
        raise DerivationError(name, index, step, shown, detail=f"at {worst}" if worst else "")
    return Proof(
        "numeric",
        "random points",
        time.perf_counter() - start,
        digits=digits,
        points=points,
        max_residual=mpmath.nstr(residual, 3),
    )


def _difference(lhs, rhs):
    if isinstance(lhs, sp.MatrixBase):
        return sp.ImmutableMatrix(lhs - rhs)
    if isinstance(lhs, sp.MatrixExpr) or isinstance(rhs, sp.MatrixExpr):
        return (lhs - rhs).doit()
    return sp.sympify(lhs - rhs)


def _is_zero(x):
    if isinstance(x, sp.MatrixBase):
        return all(e == 0 for e in x)
    if isinstance(x, sp.MatrixExpr):
        return x.is_ZeroMatrix or x == sp.ZeroMatrix(*x.shape)
    return x == 0


def _apply(fn, x):
    if isinstance(x, sp.MatrixBase):
        return x.applyfunc(fn)
    return fn(x)


def _resolve_rewrite(rw):
    if callable(rw):
        return rw
    from symrich import rewrites

    if hasattr(rewrites, rw):
        return getattr(rewrites, rw)
    if hasattr(sp, rw):
        return getattr(sp, rw)
    raise ValueError(f"unknown rewrite {rw!r}: not a function of symrich.rewrites or sympy")


def _symbolic_proof(diff, step):
    """Name of the first method that reduces ``diff`` to exactly zero, or None."""
    if _is_zero(diff):
        return "identical"
    if step.rewrite is not None:
        fn = _resolve_rewrite(step.rewrite)
        try:
            with _time_limit(SIMPLIFY_SECONDS):
                out = fn(diff)
            if _is_zero(out):
                return f"rewrite:{step.rewrite_name}"
            diff = out
        except _Timeout:
            pass
    if isinstance(diff, sp.MatrixExpr):
        for method in step.methods:
            if method == "expand" and _is_zero(sp.expand(diff).doit()):
                return "expand"
            if method == "simplify":
                with contextlib.suppress(_Timeout), _time_limit(SIMPLIFY_SECONDS):
                    if _is_zero(sp.simplify(diff).doit()):
                        return "simplify"
        return None
    remaining = diff
    used = None
    for method in step.methods:
        try:
            with _time_limit(SIMPLIFY_SECONDS if method in ("simplify", "equals") else 4 * SIMPLIFY_SECONDS):
                remaining = _reduce(remaining, method)
        except _Timeout:
            continue
        used = method
        if _is_zero(remaining):
            return used
    return None


def _reduce(x, method):
    """Apply one method entrywise; entries already zero stay zero."""
    if method == "equals":
        def eq(e):
            return sp.S.Zero if e == 0 or e.equals(0) is True else e
        return _apply(eq, x)
    fn = {
        "expand": lambda e: sp.expand(e.doit()),  # doit evaluates Limit, Derivative, Integral
        "cancel": lambda e: sp.cancel(sp.together(e)),
        "simplify": sp.simplify,
    }[method]
    return _apply(lambda e: e if e == 0 else fn(e), x)


# --------------------------------------------------------------------------
# randomized numeric check


def _numeric_residual(step, diff, *, digits, points, seed, domain):
    """Largest relative residual of ``lhs - rhs`` over random points."""
    lhs, rhs = step.lhs, step.rhs
    if isinstance(lhs, sp.MatrixExpr) or isinstance(rhs, sp.MatrixExpr):
        lhs, rhs = _explicit(lhs), _explicit(rhs)
    lhs_e = list(lhs) if isinstance(lhs, sp.MatrixBase) else [sp.sympify(lhs)]
    rhs_e = list(rhs) if isinstance(rhs, sp.MatrixBase) else [sp.sympify(rhs)]
    atoms = _random_atoms(lhs_e + rhs_e)
    domains = {**{k: _as_assumption(v) for k, v in domain.items()}, **dict(step.domain)}
    rng = random.Random(_seed(step, seed))
    worst, worst_point = mpmath.mpf(0), None
    prec = digits + 20
    with mpmath.workdps(prec):
        for _ in range(points):
            point = {s: domains.get(s, default_domain(s) if isinstance(s, sp.Symbol) else Assumption(-3, 3)).draw(rng) for s in atoms}
            subs = {s: sp.Float(v, prec) if not isinstance(v, int) else sp.Integer(v) for s, v in point.items()}
            for le, re in zip(lhs_e, rhs_e):
                lv = _evaluate(le, subs, prec)
                rv = _evaluate(re, subs, prec)
                if lv is None or rv is None:
                    return None, {str(k): mpmath.nstr(v, 6) for k, v in point.items()}
                scale = max(mpmath.mpf(1), abs(lv), abs(rv))
                res = abs(lv - rv) / scale
                if res > worst or worst_point is None:
                    worst, worst_point = res, {str(k): mpmath.nstr(v, 6) for k, v in point.items()}
    return worst, worst_point


def _explicit(x):
    """Matrix expressions cannot be sampled; they must be explicit matrices."""
    x = x.doit()
    if isinstance(x, sp.MatrixExpr) and not isinstance(x, sp.MatrixBase):
        try:
            return sp.ImmutableMatrix(x.as_explicit())
        except Exception as exc:  # symbolic dimensions
            raise ValueError(
                "a step between matrix expressions of symbolic size has no numeric fallback; "
                "prove it symbolically or state it for explicit sizes"
            ) from exc
    return x


def _random_atoms(exprs):
    """Free symbols, plus undefined applied functions and derivatives (independent values)."""
    atoms = set()
    for e in exprs:
        atoms |= {f for f in e.atoms(sp.Derivative)}
        atoms |= {f for f in e.atoms(sp.core.function.AppliedUndef)}
    inner = set()
    for f in atoms:
        inner |= f.free_symbols
    free = set()
    for e in exprs:
        free |= e.free_symbols
    return sorted(atoms | (free - inner) | (free & _symbols_outside(exprs, atoms)), key=str)


def _symbols_outside(exprs, atoms):
    """Free symbols that occur outside the function atoms (e.g. ``t`` used explicitly)."""
    out = set()
    for e in exprs:
        out |= e.xreplace({f: sp.Dummy() for f in atoms}).free_symbols
    return {s for s in out if not isinstance(s, sp.Dummy)}


def _evaluate(expr, subs, prec):
    # Derivatives first (they contain the functions), then the rest.
    derivs = {k: v for k, v in subs.items() if isinstance(k, sp.Derivative)}
    rest = {k: v for k, v in subs.items() if not isinstance(k, sp.Derivative)}
    e = expr.xreplace(derivs).xreplace(rest)
    try:
        val = e.evalf(prec)
    except Exception:
        return None
    if not val.is_number:
        return None
    try:
        re_, im_ = val.as_real_imag()
        z = mpmath.mpc(mpmath.mpf(re_.evalf(prec)), mpmath.mpf(im_.evalf(prec)))
    except (TypeError, ValueError):
        return None
    if not mpmath.isfinite(z.real) or not mpmath.isfinite(z.imag):
        return None
    return z


def _seed(step, seed):
    h = hashlib.sha256(f"{seed}|{sp.srepr(step.lhs)}|{sp.srepr(step.rhs)}".encode()).hexdigest()
    return int(h[:16], 16)


# --------------------------------------------------------------------------
# time limits for simplify/equals


class _Timeout(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds):
    """Interrupt pure-Python work (SymPy) after ``seconds`` (main thread only)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def handler(signum, frame):
        raise _Timeout()

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
