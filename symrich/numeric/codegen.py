"""The seam between symbolic and numeric: compile SymPy expressions into kernels.

:func:`compile_exprs` turns a tuple of expressions into one callable with a
fixed, declared argument order.  One common-subexpression elimination runs
over all outputs together, and every free symbol must be a declared argument
(a missing one is a ``ValueError`` naming it, not a ``NameError`` later).

Backends
--------
``"numpy"``
    vectorised over broadcast array arguments (``lambdify`` with numpy).
``"mpmath"``
    arbitrary precision; evaluates at the caller's ``mpmath.mp.dps``.
``"math"``
    scalar Python ``math`` code, the input of :func:`compile_ufunc`.

:func:`compile_ufunc` goes one step further: the scalar code is compiled with
numba into a NumPy ufunc (broadcasting, no temporaries), the fastest path.

>>> import sympy as sp
>>> x, y = sp.symbols("x y")
>>> f = compile_exprs([x * y + sp.exp(x * y), sp.exp(x * y)], (x, y))
>>> [round(float(v), 6) for v in f(1.0, 2.0)]
[9.389056, 7.389056]
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

__all__ = ["Kernel", "compile_exprs", "compile_ufunc", "check_arguments"]


def check_arguments(exprs, args):
    """Raise ``ValueError`` naming every free symbol of ``exprs`` not in ``args``.

    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> check_arguments([x + y], (x,))
    Traceback (most recent call last):
    ...
    ValueError: cannot compile: free symbol(s) y not among the declared arguments (x)
    """
    import sympy as sp

    declared = set(args)
    free = set()
    for e in exprs:
        free |= sp.sympify(e).free_symbols
    missing = sorted(free - declared, key=str)
    if missing:
        raise ValueError(
            "cannot compile: free symbol(s) " + ", ".join(map(str, missing)) + " not among the declared arguments "
            + "(" + ", ".join(map(str, args)) + ")"
        )
    if len(declared) != len(args):
        raise ValueError("cannot compile: duplicate arguments in " + ", ".join(map(str, args)))


@dataclass(frozen=True)
class Kernel:
    """A compiled tuple of expressions with a fixed argument order.

    Calling it returns a tuple of outputs (one per expression).  ``source`` is
    the generated code, ``exprs`` and ``args`` what it was compiled from, and
    :meth:`describe` the generated documentation.

    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> k = compile_exprs([x**2], (x,))
    >>> k(3.0)
    (9.0,)
    >>> print(k.describe().splitlines()[0])
    Compiled kernel (numpy) of 1 expression(s).
    """

    exprs: tuple
    args: tuple
    backend: str
    func: object
    source: str

    def __call__(self, *values):
        if len(values) != len(self.args):
            raise ValueError(f"kernel expects {len(self.args)} arguments ({', '.join(map(str, self.args))}), got {len(values)}")
        return self.func(*values)

    def describe(self):
        """Generated documentation: arguments in order and the expressions returned."""
        lines = [f"Compiled kernel ({self.backend}) of {len(self.exprs)} expression(s).", "", "Arguments, in order:"]
        lines += [f"    {a}" for a in self.args]
        lines += ["", "Returns:"]
        lines += [f"    {e}" for e in self.exprs]
        return "\n".join(lines)


def compile_exprs(exprs, args, *, backend="numpy", cse=True):
    """Compile ``exprs`` (a sequence) into a :class:`Kernel` of ``args``.

    Parameters
    ----------
    exprs : sequence of sympy expressions
    args : sequence of sympy symbols, the kernel's positional arguments
    backend : {"numpy", "mpmath", "math"}
    cse : bool
        One common-subexpression elimination over all outputs.

    Examples
    --------
    >>> import sympy as sp, mpmath
    >>> x = sp.Symbol("x")
    >>> k = compile_exprs([sp.sqrt(x)], (x,), backend="mpmath")
    >>> with mpmath.workdps(40):
    ...     print(k(2)[0])
    1.41421356237309504880168872420969807857
    """
    import sympy as sp

    exprs = tuple(sp.sympify(e) for e in exprs)
    args = tuple(args)
    check_arguments(exprs, args)
    if backend not in ("numpy", "mpmath", "math"):
        raise ValueError(f"backend must be 'numpy', 'mpmath' or 'math', got {backend!r}")
    return _compile_cached(exprs, args, backend, cse)


@functools.lru_cache(maxsize=256)
def _compile_cached(exprs, args, backend, cse):
    import sympy as sp

    modules = {"numpy": "numpy", "mpmath": "mpmath", "math": "math"}[backend]
    printer = _broadcasting_numpy_printer() if backend == "numpy" else None
    func = sp.lambdify(args, list(exprs), modules=modules, cse=cse, printer=printer)
    import inspect

    try:
        source = inspect.getsource(func)
    except (OSError, TypeError):
        source = ""
    return Kernel(exprs, args, backend, _tuple_result(func), source)


class NestedMaxMin:
    """Mixin for NumPy-style printers: ``Max``/``Min`` as nested binary ``maximum``/``minimum`` of the printer's module.

    SymPy prints them as ``amax`` of a tuple, which does not broadcast arguments
    of different shapes, or as ``functools.reduce``, which needs an import.
    ``_fold(fn, args)`` nests any binary function of the module the same way.

    >>> import sympy as sp
    >>> from sympy.printing.numpy import NumPyPrinter
    >>> class P(NestedMaxMin, NumPyPrinter):
    ...     pass
    >>> x, y, z = sp.symbols("x y z")
    >>> P().doprint(sp.Max(x, y, z))
    'numpy.maximum(x, numpy.maximum(y, z))'
    """

    def _print_Max(self, expr):
        return self._fold("maximum", expr.args)

    def _print_Min(self, expr):
        return self._fold("minimum", expr.args)

    def _fold(self, fn, args):
        name = self._module_format(f"{self._module}.{fn}")
        out = self._print(args[-1])
        for arg in reversed(args[:-1]):
            out = f"{name}({self._print(arg)}, {out})"
        return out


def _broadcasting_numpy_printer():
    """lambdify's NumPy printer with :class:`NestedMaxMin`."""
    from sympy.printing.numpy import NumPyPrinter

    class _Printer(NestedMaxMin, NumPyPrinter):
        pass

    return _Printer({"fully_qualified_modules": True, "inline": True, "allow_unknown_functions": True,
                     "user_functions": {}})


def _tuple_result(func):
    @functools.wraps(func)
    def call(*values):
        return tuple(func(*values))

    return call


def compile_ufunc(exprs, args, *, cse=True, name="kernel", target="cpu"):
    """Compile scalar expressions into numba-vectorised ufuncs, one per expression.

    Returns a function of ``args`` (broadcasting NumPy arrays of float64) that
    returns a tuple of arrays.  The scalar source is printed by SymPy (with one
    CSE over all outputs) and then compiled once by numba; the compiled code is
    cached in memory, keyed by the source.

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> f = compile_ufunc([x * y, x + y], (x, y))
    >>> prod, total = f(np.array([1.0, 2.0]), 3.0)
    >>> prod.tolist(), total.tolist()
    ([3.0, 6.0], [4.0, 5.0])
    """
    import sympy as sp

    exprs = tuple(sp.sympify(e) for e in exprs)
    args = tuple(args)
    check_arguments(exprs, args)
    src = _scalar_source(exprs, args, cse, name)
    if target not in ("cpu", "parallel"):
        raise ValueError(f"target must be 'cpu' or 'parallel', got {target!r}")
    return _numba_from_source(src, name, len(args), len(exprs), target)


def _scalar_source(exprs, args, cse, name):
    import sympy as sp

    printer = _printer()
    names = [f"x{i}" for i in range(len(args))]
    rename = dict(zip(args, [sp.Symbol(n) for n in names]))
    exprs = [e.xreplace(rename) for e in exprs]
    if cse:
        reps, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("c"), optimizations="basic")
    else:
        reps, reduced = [], exprs
    body = [f"    {s} = {printer.doprint(v)}" for s, v in reps]
    outs = []
    for k, e in enumerate(reduced):
        body.append(f"    o{k} = {printer.doprint(e)}")
        outs.append(f"o{k}")
    lines = [f"def {name}_scalar({', '.join(names)}):"] + body + [f"    return ({', '.join(outs)},)"]
    return "\n".join(lines) + "\n"


def _run_source(src, name, namespace):
    """Execute generated source in ``namespace`` under a file name that names it (for tracebacks)."""
    exec(compile(src, f"<symrich:{name}:{hashlib.sha1(src.encode()).hexdigest()[:8]}>", "exec"), namespace)


@functools.lru_cache(maxsize=64)
def _numba_from_source(src, name, nargs, nouts, target="cpu"):
    import math

    import numba
    import numpy as np

    namespace = {"math": math}
    _run_source(src, name, namespace)
    scalar = numba.njit(cache=False)(namespace[f"{name}_scalar"])
    params = ", ".join(f"x{i}" for i in range(nargs))
    outs = ", ".join(f"o{k}" for k in range(nouts))
    writes = "\n".join(f"    o{k}[0] = r[{k}]" for k in range(nouts))
    ns = {"scalar": scalar}
    exec(f"def kernel({params}, {outs}):\n    r = scalar({params})\n{writes}\n", ns)
    sig = "void(" + ", ".join(["float64"] * nargs + ["float64[:]"] * nouts) + ")"
    layout = ",".join(["()"] * nargs) + "->" + ",".join(["()"] * nouts)
    gufunc = numba.guvectorize([sig], layout, nopython=True, target=target)(ns["kernel"])

    def call(*values):
        arrays = [np.asarray(v, dtype=np.float64) for v in values]
        result = gufunc(*arrays)
        return result if isinstance(result, tuple) else (result,)

    call.source = src
    return call


# --------------------------------------------------------------------------
# batched loops over (row, time) with loop-invariant code motion

__all__ += ["compile_time_loop", "hoist_invariants", "NestedMaxMin"]


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

    The returned function is ``call(t, *row_args, *vector_pairs)`` with ``t`` of
    shape (T,), each row argument broadcastable to (B,) and two (B, d) arrays per
    combination; it returns the scalar outputs (B, T) then the vector outputs
    (B, T, d).  Its ``source`` attribute is the generated Python code.

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
    import sympy as sp

    exprs = tuple(sp.sympify(e) for e in exprs)
    args = tuple(args)
    lets = tuple((sym, sp.sympify(v)) for sym, v in lets)
    bound = tuple(sym for sym, _ in lets)
    check_arguments(exprs + tuple(v for _, v in lets), (time,) + args + bound)
    used = sorted({i for pair in combine for i in pair})
    if any(len(pair) != 2 for pair in combine) or any(not 0 <= i < len(exprs) for i in used):
        raise ValueError(f"combine must be pairs of output indices in 0..{len(exprs) - 1}, got {combine!r}")
    helpers = dict(helpers or {})
    functions = {name_: name_ for name_ in helpers}
    if vectorize:
        from symrich.numeric import vecmath

        functions["exp"] = "vexp"
        helpers["vexp"] = vecmath.exp
    src = _loop_source(exprs, time, args, lets, tuple(tuple(p) for p in combine), name, bool(parallel), functions)
    return _numba_loop_from_source(src, name, len(args), len(exprs) - len(used), len(combine), bool(parallel),
                                   tuple(sorted(helpers.items())))


def _printer(user_functions=None):
    from sympy.printing.pycode import PythonCodePrinter

    class _Printer(PythonCodePrinter):
        def _print_Pow(self, expr, rational=False):
            # x**2 -> x*x avoids pow() calls in the inner loop
            if expr.exp.is_Integer and 1 < int(expr.exp) <= 4:
                base = self.parenthesize(expr.base, 100)
                return "*".join([base] * int(expr.exp))
            return super()._print_Pow(expr, rational=rational)

    return _Printer({"standard": "python3", "fully_qualified_modules": True, "user_functions": dict(user_functions or {})})


def _loop_source(exprs, time, args, lets, combine, name, parallel, functions=None):
    import sympy as sp

    printer = _printer(functions)
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
    used = {i for pair in combine for i in pair}
    outs = [k for k in range(len(exprs)) if k not in used]
    writes = [f"            o{n}[b, j] = e{k}" for n, k in enumerate(outs)]
    writes += [f"            s{k}[j] = e{k}" for k in sorted(used)]
    second = []
    for m, (i, k) in enumerate(combine):  # the vector outputs, from the scratch rows s{k}
        second += [f"        for q in range(v{m}.shape[1]):",
                   f"            vq = v{m}[b, q]",
                   f"            uq = u{m}[b, q]",
                   "            for j in range(t.shape[0]):",
                   f"                ov{m}[b, j, q] = s{i}[j] * vq + s{k}[j] * uq"]
    params = [f"x{i}_" for i in range(len(args))] + [p for m in range(len(combine)) for p in (f"v{m}", f"u{m}")]
    params += [f"o{n}" for n in range(len(outs))] + [f"ov{m}" for m in range(len(combine))]
    lines = [f"def {name}(t, {', '.join(params)}):",
             f"    for b in {'numba.prange' if parallel else 'range'}(x0_.shape[0]):"]
    lines += [f"        s{k} = np.empty(t.shape[0])" for k in sorted(used)]
    lines += [f"        x{i} = x{i}_[b]" for i in range(len(args))]
    lines += [f"        {sym} = {printer.doprint(v)}" for sym, v in row]
    lines += ["        for j in range(t.shape[0]):", "            tj = t[j]"]
    lines += [f"            {sym} = {printer.doprint(v)}" for sym, v in point] + writes + second
    return "\n".join(lines) + "\n"


@functools.lru_cache(maxsize=32)
def _numba_loop_from_source(src, name, nargs, nouts, nvec, parallel, helpers=()):
    import math

    import numba
    import numpy as np

    namespace = {"math": math, "numba": numba, "np": np, **dict(helpers)}
    _run_source(src, name, namespace)
    loop = numba.njit(parallel=parallel, error_model="numpy", cache=False)(namespace[name])

    def call(t, *values):
        if len(values) != nargs + 2 * nvec:
            raise TypeError(f"{name}: expected t, {nargs} row arguments and {2 * nvec} (B, d) arrays, got {len(values) + 1} arguments")
        tt = np.ascontiguousarray(t, dtype=np.float64).reshape(-1)
        rows = [np.asarray(v, dtype=np.float64) for v in values[:nargs]]
        vecs = [np.ascontiguousarray(v, dtype=np.float64) for v in values[nargs:]]
        B = np.broadcast_shapes(*(r.shape for r in rows), *(v.shape[:1] for v in vecs))
        B = B[0] if B else 1
        rows = [np.ascontiguousarray(np.broadcast_to(r, (B,))) for r in rows]
        vecs = [np.ascontiguousarray(np.broadcast_to(v, (B, v.shape[-1]))) for v in vecs]
        T = tt.shape[0]
        outs = [np.empty((B, T)) for _ in range(nouts)]
        vouts = [np.empty((B, T, vecs[2 * m].shape[1])) for m in range(nvec)]
        loop(tt, *rows, *vecs, *outs, *vouts)
        return tuple(outs) + tuple(vouts)

    call.source = src
    call.dispatcher = loop
    return call
