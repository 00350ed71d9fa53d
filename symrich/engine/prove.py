"""Proving one equality: symbolic methods first, then a recorded randomized check at 30+ digits.

:func:`prove_step` turns a step (anything with ``lhs``, ``rhs``, ``why``,
``rewrite``, ``domain``, ``symbolic`` and ``methods``, normally a
:class:`symrich.engine.Step`) into a :class:`Proof` or raises
:class:`DerivationError`.  The order of attempts is described in
:mod:`symrich.engine`.

>>> import sympy as sp
>>> from symrich.engine import Step
>>> x = sp.Symbol("x", positive=True)
>>> prove_step(Step(sp.sqrt(x**2), x, "x > 0")).describe()
'symbolic (identical)'
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import signal
import threading
import time
from dataclasses import dataclass

import mpmath
import sympy as sp

from symrich.engine import rewrites
from symrich.engine.notation import latex

__all__ = ["Assumption", "DerivationError", "Proof", "prove_step", "default_domain", "SYMBOLIC_METHODS", "as_assumption", "freeze", "shape_of"]

#: Symbolic methods tried in order (after the step's own rewrite).
SYMBOLIC_METHODS = ("expand", "cancel", "simplify", "equals")
#: Seconds allowed to ``simplify`` / ``equals`` on one step before giving up.
SIMPLIFY_SECONDS = 30.0


class DerivationError(ValueError):
    """A derivation does not verify: a step could not be proved (or was disproved), a cited fact is
    unknown, unproved or unused, or a requirement is missing.

    Attributes
    ----------
    derivation : str
        Name of the derivation.
    index : int
        1-based position of the failing step (0 for the derivation as a whole).
    step : Step or None
        The failing step (for a chain: the failing link as a step).
    residual : object
        What ``lhs - rhs`` reduced to (or a description of it); ``""`` when the
        failure is not a residual.

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.engine import Derivation, DerivationError, Step
    >>> x = sp.Symbol("x")
    >>> try:
    ...     Derivation("demo", "Demo", steps=(Step(x + 1, x + 2, "wrong"),)).verify()
    ... except DerivationError as exc:
    ...     print(exc.derivation, exc.index, exc.step.why, exc.residual)
    demo 1 wrong -1
    """

    def __init__(self, derivation, index, step, residual, detail="", *, message=None):
        self.derivation = derivation
        self.index = index
        self.step = step
        self.residual = residual
        where = f"derivation {derivation!r}" + (f", step {index} ({step.why!r})" if step is not None else "")
        if message is not None:
            msg = message if step is None else f"{where}: {message}"
        else:
            msg = f"{where}: lhs - rhs does not vanish (relative residual {residual})"
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
    """Sampling domain implied by a symbol's SymPy assumptions.

    >>> import sympy as sp
    >>> default_domain(sp.Symbol("x", positive=True))
    Assumption(low=0.2, high=3.0, integer=False)
    """
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



def as_assumption(v):
    """An :class:`Assumption` from an ``Assumption`` or a ``(low, high)`` pair.

    >>> as_assumption((0, 2))
    Assumption(low=0.0, high=2.0, integer=False)
    """
    if isinstance(v, Assumption):
        return v
    lo, hi = v
    return Assumption(float(lo), float(hi))


def freeze(x):
    """An immutable SymPy value: mutable matrices become ``ImmutableMatrix``, Python numbers are sympified.

    Anything that is not a SymPy object or a Python number (a string, say) is a
    ``TypeError``: a step states an equality between expressions, never text.

    >>> import sympy as sp
    >>> type(freeze(sp.Matrix([1]))).__name__, freeze(2)
    ('ImmutableDenseMatrix', 2)
    >>> freeze("a + 1")
    Traceback (most recent call last):
    ...
    TypeError: expected a SymPy expression or matrix, got str 'a + 1'
    """
    if isinstance(x, sp.MatrixBase) and not isinstance(x, sp.ImmutableMatrix):
        return sp.ImmutableMatrix(x)
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return sp.sympify(x)
    if not isinstance(x, sp.Basic):
        raise TypeError(f"expected a SymPy expression or matrix, got {type(x).__name__} {x!r}")
    return x


def shape_of(x):
    """``x.shape`` as a tuple, ``()`` for a scalar.

    >>> import sympy as sp
    >>> shape_of(sp.zeros(2, 3)), shape_of(sp.Symbol("x"))
    ((2, 3), ())
    """
    return tuple(x.shape) if hasattr(x, "shape") else ()


@dataclass(frozen=True)
class Proof:
    """How one step was proved.

    ``kind`` is ``"symbolic"`` or ``"numeric"``; ``method`` names the rewrite
    that reduced ``lhs - rhs`` to zero (``"expand"``, ``"simplify"``,
    ``"rewrite:scalar_transposes"``...) or ``"random points"``; numeric proofs
    also record ``digits``, ``points``, the largest relative residual and the
    sampled ``domain``: ``((latex of the quantity, low, high), ...)`` for every
    quantity drawn at random (symbols, and undefined functions or derivatives,
    which are drawn as independent numbers).

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
    domain: tuple = ()

    def describe(self) -> str:
        if self.kind == "symbolic":
            return f"symbolic ({self.method})"
        return f"numeric ({self.digits} digits at {self.points} random points, max residual {self.max_residual})"

    def domain_latex(self) -> str:
        """The sampled domain in LaTeX, e.g. ``t \\in [0.001, 20]`` (empty for symbolic proofs).

        >>> print(Proof("numeric", "random points", 0.1, 30, 5, "1e-40", (("t", 0.0, 2.0),)).domain_latex())
        t \\in [0, 2]
        """
        return ", ".join(f"{tex} \\in [{lo:g}, {hi:g}]" for tex, lo, hi in self.domain)



# --------------------------------------------------------------------------
# proving one step


def prove_step(step, *, name="?", index=0, digits=30, points=5, seed=0, default_domain_=None):
    """Return the :class:`Proof` of ``step`` or raise :class:`DerivationError`.

    ``name`` and ``index`` identify the step in error messages; ``digits``,
    ``points`` and ``seed`` set the randomized check; ``default_domain_`` maps
    symbols to sampling ranges for symbols the step itself does not bound.

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.engine import Step
    >>> x = sp.Symbol("x")
    >>> prove_step(Step(sp.sin(x)**2 + sp.cos(x)**2, 1, "Pythagoras")).describe()
    'symbolic (simplify)'
    """
    start = time.perf_counter()
    diff = _difference(step.lhs, step.rhs)
    if step.symbolic:
        method = _symbolic_proof(diff, step)
        if method is not None:
            return Proof("symbolic", method, time.perf_counter() - start)
    witness = _exact_counterexample(diff, seed)
    if witness is not None:
        raise DerivationError(name, index, step, witness[0],
                              message=f"lhs - rhs does not vanish (exact residual {witness[0]} at {witness[1]})")
    try:
        residual, worst, sampled = _numeric_residual(step, digits=digits, points=points, seed=seed,
                                                     domain=default_domain_ or {})
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
        domain=sampled,
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
    if hasattr(rewrites, rw):
        return getattr(rewrites, rw)
    if hasattr(sp, rw):
        return getattr(sp, rw)
    raise ValueError(f"unknown rewrite {rw!r}: not a function of symrich.engine.rewrites or sympy")


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
    if isinstance(diff, sp.MatrixExpr) and not isinstance(diff, sp.MatrixBase):  # symbolic size (ImmutableMatrix is a MatrixExpr too)
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
# exact disproof: a difference that is a nonzero number, or a nonzero rational function at a rational point


def _exact_counterexample(diff, seed):
    """``(value, point)`` where ``diff`` is exactly nonzero, for rational differences; else None.

    The randomized check compares to 30 digits *relative* to the size of the
    sides, so it cannot see an exact difference below that (``10**35 a**2`` vs
    ``10**35 a**2 + 1``).  When the difference is a rational function of its
    symbols (no transcendental functions, no undefined functions), it is
    evaluated exactly at a few random rational points first: a nonzero value
    disproves the step.
    """
    entries = list(diff) if isinstance(diff, sp.MatrixBase) else [diff]
    if isinstance(diff, sp.MatrixExpr) and not isinstance(diff, sp.MatrixBase):
        return None
    rng = random.Random(seed + 7)
    for e in entries:
        e = sp.sympify(e)
        if e.is_Number:
            if e != 0:
                return e, "every point (a constant)"
            continue
        symbols = sorted(e.free_symbols, key=str)
        if not symbols or e.has(sp.Function, sp.Derivative, sp.Subs, sp.Integral, sp.Limit, sp.Piecewise) \
                or not e.is_rational_function(*symbols):
            continue
        for _ in range(3):
            point = {x: _rational_point(x, rng) for x in symbols}
            try:
                value = sp.cancel(e.xreplace(point))
            except (ZeroDivisionError, TypeError):
                continue
            if value.is_Number and value.is_finite and value != 0:
                return value, {str(k): str(v) for k, v in point.items()}
    return None


def _rational_point(x, rng):
    """A random rational value allowed by the symbol's assumptions (sign, integrality)."""
    if x.is_integer:
        value = sp.Integer(rng.randint(1, 4))
    else:
        value = sp.Rational(rng.randint(1, 97), rng.randint(1, 13))
    if x.is_negative or x.is_nonpositive:
        return -value
    if x.is_positive or x.is_nonnegative:
        return value
    return value if rng.random() < 0.5 else -value


# --------------------------------------------------------------------------
# randomized numeric check


def _numeric_residual(step, *, digits, points, seed, domain):
    """Largest relative residual of ``lhs - rhs`` over random points."""
    lhs, rhs = step.lhs, step.rhs
    if isinstance(lhs, sp.MatrixExpr) or isinstance(rhs, sp.MatrixExpr):
        lhs, rhs = _explicit(lhs), _explicit(rhs)
    lhs_e = list(lhs) if isinstance(lhs, sp.MatrixBase) else [sp.sympify(lhs)]
    rhs_e = list(rhs) if isinstance(rhs, sp.MatrixBase) else [sp.sympify(rhs)]
    atoms = _random_atoms(lhs_e + rhs_e)
    domains = {**{k: as_assumption(v) for k, v in domain.items()}, **dict(step.domain)}
    rng = random.Random(_seed(step, seed))
    chosen = {s: domains.get(s, default_domain(s) if isinstance(s, sp.Symbol) else Assumption(-3, 3)) for s in atoms}
    sampled = tuple((latex(s), float(a.low), float(a.high)) for s, a in chosen.items())
    worst, worst_point = mpmath.mpf(0), None
    prec = digits + 20
    with mpmath.workdps(prec):
        for _ in range(points):
            point = {s: chosen[s].draw(rng) for s in atoms}
            subs = {s: sp.Float(v, prec) if not isinstance(v, int) else sp.Integer(v) for s, v in point.items()}
            for le, re in zip(lhs_e, rhs_e):
                lv = _evaluate(le, subs, prec)
                rv = _evaluate(re, subs, prec)
                if lv is None or rv is None:
                    return None, {str(k): mpmath.nstr(v, 6) for k, v in point.items()}, sampled
                scale = max(mpmath.mpf(1), abs(lv), abs(rv))
                res = abs(lv - rv) / scale
                if res > worst or worst_point is None:
                    worst, worst_point = res, {str(k): mpmath.nstr(v, 6) for k, v in point.items()}
    return worst, worst_point, sampled


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
    try:  # a matrix expression of symbolic size cannot take numbers for its symbols: not evaluable
        val = expr.xreplace(derivs).xreplace(rest).evalf(prec)
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
