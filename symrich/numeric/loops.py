"""Fused numba loops over (row, time), generated from SymPy with loop-invariant code motion.

:func:`compile_time_loop` turns expressions of a time ``t`` and per-row arguments into
one numba loop over every row of a batch and every time: what does not depend on ``t``
(:func:`hoist_invariants`) is computed once per row, the rest once per point, and vector
outputs ``p V + c W`` are assembled in the loop.  The single-neuron trajectory is
evaluated this way.

The loop is generated as Python source (:func:`loop_source`), which is either executed
in memory (:func:`compile_time_loop`) or written to the kernel cache as a module
(:mod:`symrich.numeric.kernel_cache`) and compiled by numba with ``cache=True``
(:class:`TimeLoop`), so that a new process loads the compiled code instead of
generating and compiling it again.  The source is plain Python: a small call made before
numba has compiled the loop runs it in the interpreter (:class:`TimeLoop`, Notes), without
importing numba.

>>> import numpy as np, sympy as sp
>>> t, k = sp.symbols("t k")
>>> loop = compile_time_loop([sp.exp(-k * t)], t, (k,), name="decay")
>>> loop(np.array([0.0, 1.0]), np.array([0.0, 2.0]))[0].round(6).tolist()
[[1.0, 1.0], [1.0, 0.135335]]
"""

from __future__ import annotations

import functools
import math
import threading
import types
import warnings

import numpy as np

from symrich.numeric.validation import choice

__all__ = ["hoist_invariants", "loop_source", "loop_helpers", "helper_imports", "compile_time_loop", "TimeLoop",
           "INTERPRETED_VALUES"]

#: The interpreter's budget per process, in values: a call of a serial :class:`TimeLoop` that numba has not
#: compiled yet runs in the interpreter while the values of the calls interpreted so far in the process, this
#: one's included, are at most this many.  A call counts ``B (T + 1) (nouts + d)`` values: the outputs it
#: writes (``B`` rows, ``T`` times, ``nouts`` scalar outputs and the length ``d`` of the vector outputs), and
#: one time more per row for the row's set-up; ``B (T + 1) (1 + d)`` for the single-neuron trajectory.
#: Chosen from measurements (docs/performance.md, "First call in a new process"): the interpreted
#: single-neuron trajectory takes 0.3 to 3.8 us per value (up to 13 us on a loaded machine), numba's
#: start-up in a new process about 0.5 s; so a process interprets for at most about 0.1 s in all (0.4 s
#: under load), less than starting numba costs, and a first small call returns in milliseconds.
INTERPRETED_VALUES = 30_000
_interpreted = {"values": 0}
_interpreted_lock = threading.Lock()


def hoist_invariants(exprs, time, lets=()):
    """Split expressions of ``time`` into time-independent pieces and what is left per time.

    Every maximal subexpression free of ``time`` (and, inside sums and
    products, the sum or product of all such terms or factors) is replaced by a
    fresh symbol ``h0, h1, ...``.  ``lets`` is an ordered sequence of
    ``(symbol, definition)`` bindings the expressions use; a binding whose
    definition is free of ``time`` is an invariant under its own name.

    Returns ``(invariants, point_lets, reduced)``: the ``(symbol, expression)``
    pairs computed once per row, the bindings that depend on ``time`` (rewritten
    in the invariants), and the rewritten expressions.  Substituting everything
    back gives the original expressions (sums and products are regrouped, not
    changed).

    Examples
    --------
    >>> import sympy as sp
    >>> t, k, a = sp.symbols("t k a")
    >>> inv, lets, (red,) = hoist_invariants([a * sp.exp(-k * t) / k + a**2], t)
    >>> inv
    [(h0, -k), (h1, a/k), (h2, a**2)]
    >>> red
    h1*exp(h0*t) + h2
    >>> x = sp.Symbol("x")
    >>> hoist_invariants([x**2 / k], t, lets=[(x, sp.exp(-k * t))])
    ([(h0, -k), (h1, 1/k)], [(x, exp(h0*t))], [h1*x**2])
    """
    import sympy as sp

    table = {}
    order = []
    moving = {time}

    def name(e):
        if e not in table:
            table[e] = sp.Symbol(f"h{len(order)}")
            order.append((table[e], e))
        return table[e]

    def lift(e):
        if isinstance(e, sp.Basic) and e.is_Atom:
            return e
        if not e.free_symbols & moving:
            return name(e)
        if isinstance(e, (sp.Add, sp.Mul)):
            free = [a for a in e.args if not a.free_symbols & moving]
            rest = [lift(a) for a in e.args if a.free_symbols & moving]
            if len(free) > 1 or (free and not free[0].is_Atom):
                free = [name(e.func(*free))]
            return e.func(*free, *rest, evaluate=False)
        if isinstance(e, sp.Piecewise):
            return sp.Piecewise(*[(lift(v), lift(c)) for v, c in e.args], evaluate=False)
        return e.func(*[lift(a) for a in e.args], evaluate=False) if e.args else e

    point_lets = []
    for sym, value in lets:
        value = sp.sympify(value)
        if value.free_symbols & moving:
            point_lets.append((sym, lift(value)))
            moving.add(sym)
        else:
            order.append((sym, value))
    reduced = [lift(sp.sympify(e)) for e in exprs]
    return order, point_lets, reduced


def _in_dependency_order(lines, known):
    """``(symbol, expression)`` lines reordered so that each comes after the symbols it uses."""
    known, pending, done = set(known), list(lines), []
    while pending:
        ready = [ln for ln in pending if ln[1].free_symbols <= known | {ln[0]}]
        if not ready:
            raise ValueError(f"circular or undefined names in generated code: {pending[0]}")
        for ln in ready:
            known.add(ln[0])
            done.append(ln)
        pending = [ln for ln in pending if ln not in ready]
    return done


def loop_helpers(helpers=None, vectorize=True):
    """``(functions, helpers)``: the names printed for SymPy functions in a loop, and the scalar functions they call.

    ``helpers`` maps names of SymPy functions to scalar functions that evaluate them: plain
    Python functions (compiled by :func:`symrich.numeric.vecmath.jitted` when the loop is) or
    numba functions; with ``vectorize=True``, ``exp`` is printed as ``vexp``,
    :func:`symrich.numeric.vecmath.exp`.

    >>> functions, helpers = loop_helpers()
    >>> functions, sorted(helpers)
    ({'exp': 'vexp'}, ['vexp'])
    """
    helpers = dict(helpers or {})
    functions = {name: name for name in helpers}
    if vectorize:
        from symrich.numeric import vecmath

        functions["exp"] = "vexp"
        helpers["vexp"] = vecmath.exp
    return functions, helpers


def helper_imports(helpers):
    """Import lines that bind the names of ``helpers`` in a generated module (from the module defining each).

    >>> print(helper_imports(loop_helpers()[1]))
    from symrich.numeric.vecmath import exp as vexp
    """
    lines = []
    for name, fn in sorted(helpers.items()):
        py = getattr(fn, "py_func", fn)
        lines.append(f"from {py.__module__} import {py.__name__}" + (f" as {name}" if name != py.__name__ else ""))
    return "\n".join(lines)


def loop_source(exprs, time, args, *, lets=(), combine=(), variants=(("loop", False),), functions=None):
    """Python source of the loops of :func:`compile_time_loop`: one function per ``(name, parallel)`` variant.

    Every variant has the same body (``parallel=True`` runs the rows with ``numba.prange``);
    each function carries ``layout = (nargs, nouts, nvec, parallel)``, what :class:`TimeLoop`
    needs to call it.  ``functions`` maps SymPy function names to the names printed for
    them (:func:`loop_helpers`).  The source uses the names ``math``, ``np`` and those of the
    helpers, and the parallel variants ``numba``, which :class:`TimeLoop` binds when it compiles
    them (a module holding the loops need not import numba).

    Examples
    --------
    >>> import sympy as sp
    >>> t, k = sp.symbols("t k")
    >>> src = loop_source([sp.exp(-k * t)], t, (k,), variants=(("f", False), ("f_par", True)))
    >>> [line for line in src.splitlines() if not line.startswith(" ")]
    ['def f(t, x0_, o0):', 'f.layout = (1, 1, 0, False)', 'def f_par(t, x0_, o0):', 'f_par.layout = (1, 1, 0, True)']
    """
    import sympy as sp

    from symrich.numeric.codegen import check_arguments, scalar_printer

    exprs = tuple(sp.sympify(e) for e in exprs)
    args = tuple(args)
    lets = tuple((sym, sp.sympify(v)) for sym, v in lets)
    combine = tuple(tuple(p) for p in combine)
    check_arguments(exprs + tuple(v for _, v in lets), (time,) + args + tuple(sym for sym, _ in lets))
    used = sorted({i for pair in combine for i in pair})
    if any(len(pair) != 2 for pair in combine) or any(not 0 <= i < len(exprs) for i in used):
        raise ValueError(f"combine must be pairs of output indices in 0..{len(exprs) - 1}, got {combine!r}")
    printer = scalar_printer(functions)
    rename = {a: sp.Symbol(f"x{i}") for i, a in enumerate(args)}
    tsym = sp.Symbol("tj")
    rename[time] = tsym
    for i, (sym, _) in enumerate(lets):
        rename[sym] = sp.Symbol(f"l{i}")
    exprs = [e.xreplace(rename) for e in exprs]
    lets = [(rename[sym], v.xreplace(rename)) for sym, v in lets]
    invariants, point_lets, reduced = hoist_invariants(exprs, tsym, lets)
    # one CSE over the row-level values, one over the per-time values; then each
    # level in dependency order (bindings may use earlier bindings)
    inv_reps, inv_vals = sp.cse([v for _, v in invariants], symbols=sp.numbered_symbols("r"), optimizations="basic")
    row = list(inv_reps) + [(h, v) for (h, _), v in zip(invariants, inv_vals)]
    n_let = len(point_lets)
    reps, vals = sp.cse([v for _, v in point_lets] + reduced, symbols=sp.numbered_symbols("c"), optimizations="basic")
    point, moving = [], {tsym} | {sym for sym, _ in point_lets}
    for sym, v in reps:
        if v.free_symbols & moving:
            moving.add(sym)
            point.append((sym, v))
        else:  # a combination of invariants only: once per row
            row.append((sym, v))
    point += [(sym, v) for (sym, _), v in zip(point_lets, vals[:n_let])]
    outputs = [(sp.Symbol(f"e{k}"), v) for k, v in enumerate(vals[n_let:])]
    given = {rename[a] for a in args}
    row = _in_dependency_order(row, given)
    point = _in_dependency_order(point + outputs, given | {tsym} | {sym for sym, _ in row})
    outs = [k for k in range(len(exprs)) if k not in used]
    writes = [f"            o{n}[b, j] = e{k}" for n, k in enumerate(outs)]
    writes += [f"            s{k}[j] = e{k}" for k in used]
    second = []
    for m, (i, k) in enumerate(combine):  # the vector outputs, from the scratch rows s{k}
        second += [f"        for q in range(v{m}.shape[1]):",
                   f"            vq = v{m}[b, q]",
                   f"            uq = u{m}[b, q]",
                   "            for j in range(t.shape[0]):",
                   f"                ov{m}[b, j, q] = s{i}[j] * vq + s{k}[j] * uq"]
    params = [f"x{i}_" for i in range(len(args))] + [p for m in range(len(combine)) for p in (f"v{m}", f"u{m}")]
    params += [f"o{n}" for n in range(len(outs))] + [f"ov{m}" for m in range(len(combine))]
    body = [f"        s{k} = np.empty(t.shape[0])" for k in used]
    body += [f"        x{i} = x{i}_[b]" for i in range(len(args))]
    body += [f"        {sym} = {printer.doprint(v)}" for sym, v in row]
    body += ["        for j in range(t.shape[0]):", "            tj = t[j]"]
    body += [f"            {sym} = {printer.doprint(v)}" for sym, v in point] + writes + second
    layout = (len(args), len(outs), len(combine))
    out = []
    for name, parallel in variants:
        out += [f"def {name}(t, {', '.join(params)}):",
                f"    for b in {'numba.prange' if parallel else 'range'}(x0_.shape[0]):"]
        out += body
        out.append(f"{name}.layout = {layout + (bool(parallel),)!r}")
    return "\n".join(out) + "\n"


def compile_time_loop(exprs, time, args, *, lets=(), combine=(), name="loop", parallel=False, helpers=None,
                      vectorize=True):
    """Compile expressions of ``(time, *args)`` into one numba loop over rows and times.

    The generated code evaluates, for every row ``b`` of the batch and every time
    ``t[j]``, all expressions at ``(t[j], args[b])``.  What does not depend on
    ``time`` is computed once per row (:func:`hoist_invariants`, then one CSE per
    level); the rest once per point.  ``lets`` are named bindings the expressions
    use (e.g. an exponential used squared, which SymPy would otherwise merge into
    a new exponential).  ``combine`` declares vector outputs: an
    entry ``(i, k)`` adds the output ``exprs[i] * V[b, :] + exprs[k] * W[b, :]``
    of shape (B, T, d) for two (B, d) arrays given at call time; an expression
    used in a combination is not returned on its own.  Division by zero gives
    inf/NaN (numpy's error model), so a hoisted piece that only a branch not
    taken would use is harmless.  ``parallel=True`` spreads the rows over
    numba's threads.

    With ``vectorize=True`` (default) ``exp`` is :func:`symrich.numeric.vecmath.exp`
    (at most 1.1 ulp, no libm call), so that LLVM can run the time loop on SIMD
    lanes; ``helpers`` maps the names of further SymPy functions to numba
    functions that evaluate them (e.g. ``{"phi1_near0": symrich.numeric.vecmath.phi1_near0}``).
    Vector outputs are written in a second pass over the times, from a scratch
    row, so the first pass has no inner loop.

    Returns a :class:`TimeLoop`: ``call(t, *row_args, *vector_pairs)`` with ``t`` of
    shape (T,), each row argument broadcastable to (B,) and two (B, d) arrays per
    combination; it returns the scalar outputs (B, T) then the vector outputs
    (B, T, d).  Its ``source`` attribute is the generated Python code.  The loop is
    compiled in memory (see :mod:`symrich.numeric.kernel_cache` for loops cached on disk);
    a small call before it is compiled runs it in the interpreter (:class:`TimeLoop`).

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> t, k, u = sp.symbols("t k u")
    >>> f = compile_time_loop([u * sp.exp(-k * t), sp.exp(-k * t), 1 - sp.exp(-k * t)], t, (k, u),
    ...                       combine=((1, 2),))
    >>> y, w = f(np.array([0.0, 1.0]), np.array([1.0, 2.0]), 3.0,
    ...          np.array([[1.0, 0.0], [1.0, 0.0]]), np.array([[0.0, 1.0], [0.0, 1.0]]))
    >>> y.shape, w.shape
    ((2, 2), (2, 2, 2))
    >>> np.allclose(y[1], 3 * np.exp([0.0, -2.0])), np.allclose(w[0, 1], [np.exp(-1), 1 - np.exp(-1)])
    (True, True)
    """
    functions, helpers = loop_helpers(helpers, vectorize)
    src = loop_source(exprs, time, args, lets=lets, combine=combine, variants=((name, bool(parallel)),),
                      functions=functions)
    return _in_memory_loop(src, name, tuple(sorted(helpers.items())))


@functools.lru_cache(maxsize=32)
def _in_memory_loop(src, name, helpers):
    from symrich.numeric.codegen import run_source

    namespace = {"math": math, "np": np, **dict(helpers)}
    run_source(src, name, namespace)
    return TimeLoop(namespace[name], cache=False, source=src)


class TimeLoop:
    """A loop generated by :func:`loop_source`: run in the interpreter while it is small, else compiled by numba.

    Parameters
    ----------
    func : function
        The generated Python function; ``func.layout = (nargs, nouts, nvec, parallel)``.
    cache : bool
        Compile with numba's ``cache=True`` (``func`` must come from a module file). An
        unreadable numba cache entry is discarded and the loop compiled again, with a
        ``RuntimeWarning``.
    source : str, optional
        The generated source (default: read from the function's file).
    engine : {"auto", "numba", "python"}
        ``"auto"`` (default): the policy below; ``"numba"``: always compiled; ``"python"``:
        always interpreted (serial loops only).

    Calling it as ``loop(t, *row_args, *vector_pairs)`` returns the scalar outputs (B, T)
    and the vector outputs (B, T, d); see :func:`compile_time_loop`.

    Notes
    -----
    With ``engine="auto"`` a call runs ``func`` itself in the interpreter (the same source and
    arithmetic, into the same output arrays) when the loop is serial, numba has not compiled it
    yet in this process, and the values (``B (T + 1) (nouts + d)`` per call) of the calls
    interpreted so far in the process, this one's included, are at most
    :data:`INTERPRETED_VALUES`; otherwise numba compiles it (or loads it from its cache) and
    runs it.  A first small call thus neither imports numba nor waits for its start-up (about
    0.5 s), and a process spends less than that start-up interpreting (about 0.1 s at most),
    however many calls it makes.  Floating-point
    exceptions follow NumPy's error model in both (inf/NaN, no warning); an operation Python
    refuses (``math.sqrt`` of a negative number, a division of Python floats by zero) sends the
    call to numba.  The helpers (:func:`loop_helpers`) and ``numba`` are bound into a copy of
    ``func``'s globals when it is compiled, so the module holding ``func`` need not import numba.

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> t, k = sp.symbols("t k")
    >>> loop = compile_time_loop([k * t], t, (k,), name="ramp")
    >>> isinstance(loop, TimeLoop), loop.layout
    (True, (1, 1, 0, False))
    >>> loop(np.array([1.0, 2.0]), 3.0)[0].tolist()
    [[3.0, 6.0]]
    >>> TimeLoop(loop.func, cache=False, engine="numba")(np.array([1.0, 2.0]), 3.0)[0].tolist()
    [[3.0, 6.0]]
    """

    def __init__(self, func, *, cache, source=None, engine="auto"):
        self.func = func
        self.name = func.__name__
        self.layout = tuple(func.layout)
        self.cache = bool(cache)
        self.engine = choice(engine, "engine", ("auto", "numba", "python"))
        if self.engine == "python" and self.layout[3]:
            raise ValueError(f"{self.name}: a parallel loop runs in numba only, not with engine='python'")
        self._source = source
        self._compiled = None

    @property
    def source(self):
        """The generated Python source of the loop."""
        if self._source is None:
            import inspect

            self._source = inspect.getsource(self.func)
        return self._source

    @property
    def dispatcher(self):
        """The numba dispatcher, compiled for the one signature the loop is called with."""
        if self._compiled is None:
            self._compiled = self._compile()
        return self._compiled

    def _numba_function(self):
        """``func`` with its globals copied and rebound: ``numba``, and the numba versions of its helpers."""
        import numba

        from symrich.numeric.vecmath import jitted

        func = self.func
        env = dict(func.__globals__, numba=numba)
        for name in func.__code__.co_names:
            if isinstance(env.get(name), types.FunctionType):  # a helper written in Python
                env[name] = jitted(env[name])
        return types.FunctionType(func.__code__, env, func.__name__, func.__defaults__, func.__closure__)

    def _compile(self):
        import numba
        from numba import types as nbtypes

        nargs, nouts, nvec, parallel = self.layout
        a1, a2, a3 = nbtypes.float64[::1], nbtypes.float64[:, ::1], nbtypes.float64[:, :, ::1]
        sig = nbtypes.void(a1, *[a1] * nargs, *[a2] * (2 * nvec), *[a2] * nouts, *[a3] * nvec)
        dispatcher = numba.njit(parallel=parallel, error_model="numpy", cache=self.cache)(self._numba_function())
        try:
            dispatcher.compile(sig)
        except Exception as exc:
            cache = getattr(dispatcher, "_cache", None)
            if not self.cache or cache is None:
                raise
            # an unreadable cache entry: empty numba's index of this function (numba has no public call for
            # this), then compile again, which writes a new entry
            cache.flush()
            dispatcher.compile(sig)
            warnings.warn(f"symrich: discarded an unreadable numba cache entry of the loop {self.name} "
                          f"({type(exc).__name__}: {exc}); compiled it again", RuntimeWarning, stacklevel=4)
        return dispatcher

    def _interprets(self, values):
        """Whether a call of ``values`` values runs in the interpreter (the policy of the class notes)."""
        if self.engine != "auto":
            return self.engine == "python"
        if self.layout[3] or self._compiled is not None:
            return False
        with _interpreted_lock:
            if _interpreted["values"] + values > INTERPRETED_VALUES:
                return False
            _interpreted["values"] += values
        return True

    def __call__(self, t, *values):
        nargs, nouts, nvec, _ = self.layout
        if len(values) != nargs + 2 * nvec:
            raise TypeError(f"{self.name}: expected t, {nargs} row arguments and {2 * nvec} (B, d) arrays, "
                            f"got {len(values) + 1} arguments")
        tt = _writable(np.reshape(np.asarray(t, dtype=np.float64), -1))
        rows = [np.asarray(v, dtype=np.float64) for v in values[:nargs]]
        vecs = [np.asarray(v, dtype=np.float64) for v in values[nargs:]]
        B = np.broadcast_shapes(*(r.shape for r in rows), *(v.shape[:1] for v in vecs))
        B = B[0] if B else 1
        rows = [_writable(np.broadcast_to(r, (B,))) for r in rows]
        vecs = [_writable(np.broadcast_to(v, (B, v.shape[-1]))) for v in vecs]
        T = tt.shape[0]
        outs = [np.empty((B, T)) for _ in range(nouts)]
        vouts = [np.empty((B, T, vecs[2 * m].shape[1])) for m in range(nvec)]
        args = (tt, *rows, *vecs, *outs, *vouts)
        values = B * (T + 1) * (nouts + sum(v.shape[2] for v in vouts))
        if not (self._interprets(values) and self._interpret(args)):
            self.dispatcher(*args)
        return tuple(outs) + tuple(vouts)

    def _interpret(self, args):
        """Run ``func`` in the interpreter; False if Python refused an operation that numba evaluates."""
        try:
            with np.errstate(all="ignore"):
                self.func(*args)
        except (ArithmeticError, ValueError):
            if self.engine == "python":
                raise
            return False
        return True


def _writable(x):
    """``x`` as a C-contiguous, writable float64 array (the one type the loops are compiled for)."""
    return np.require(x, dtype=np.float64, requirements=["C", "W"])
