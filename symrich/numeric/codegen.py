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
numba into a NumPy ufunc (broadcasting, no temporaries).

:func:`array_function_source` prints the source of one array function (NumPy or
JAX): the form in which kernels are written to the kernel cache
(:mod:`symrich.numeric.kernel_cache`) and exported (:mod:`symrich.export`).  The fused
loops over (row, time) are in :mod:`symrich.numeric.loops`
(:func:`compile_time_loop` and :func:`hoist_invariants` are re-exported here).

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

from symrich.numeric.loops import compile_time_loop, hoist_invariants  # noqa: F401 (re-exported)

__all__ = ["Kernel", "compile_exprs", "compile_ufunc", "check_arguments", "ArrayPrinterMixin", "array_printer",
           "array_function_source", "print_piecewise", "scalar_printer", "run_source", "compile_time_loop",
           "hoist_invariants"]


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
    printer = array_printer(inline=True, allow_unknown_functions=True, user_functions={}) if backend == "numpy" else None
    func = sp.lambdify(args, list(exprs), modules=modules, cse=cse, printer=printer)
    import inspect

    try:
        source = inspect.getsource(func)
    except (OSError, TypeError):
        source = ""
    return Kernel(exprs, args, backend, _tuple_result(func), source)


class ArrayPrinterMixin:
    """Mixin for NumPy-style printers: every printed operation broadcasts its arguments.

    * ``Max``/``Min``/``And``/``Or`` as nested binary ``maximum``/``minimum``/``logical_and``/
      ``logical_or`` of the printer's module (SymPy prints ``amax`` of a tuple or
      ``logical_and.reduce`` of a tuple, which do not broadcast arguments of different
      shapes); ``_fold(fn, args)`` nests any binary function of the module the same way;
    * ``Piecewise`` as nested ``where``: every branch is evaluated (the expressions
      printed this way keep each branch finite where it is selected).

    >>> import sympy as sp
    >>> from sympy.printing.numpy import NumPyPrinter
    >>> class P(ArrayPrinterMixin, NumPyPrinter):
    ...     pass
    >>> x, y, z = sp.symbols("x y z")
    >>> P().doprint(sp.Max(x, y, z))
    'numpy.maximum(x, numpy.maximum(y, z))'
    >>> P().doprint(sp.Piecewise((x, y > 0), (z, True)))
    'numpy.where(numpy.greater(y, 0), x, z)'
    """

    def _print_Max(self, expr):
        return self._fold("maximum", expr.args)

    def _print_Min(self, expr):
        return self._fold("minimum", expr.args)

    def _print_And(self, expr):
        return self._fold("logical_and", expr.args)

    def _print_Or(self, expr):
        return self._fold("logical_or", expr.args)

    def _print_Piecewise(self, expr):
        where = self._module_format(self._module + ".where")
        return print_piecewise(self, expr, lambda cond, value, otherwise: f"{where}({cond}, {value}, {otherwise})")

    def _fold(self, fn, args):
        name = self._module_format(f"{self._module}.{fn}")
        out = self._print(args[-1])
        for arg in reversed(args[:-1]):
            out = f"{name}({self._print(arg)}, {out})"
        return out


def print_piecewise(printer, expr, select):
    """A ``Piecewise`` as nested ``select(condition, value, otherwise)`` strings (the last condition must be ``True``).

    >>> import sympy as sp
    >>> from sympy.printing.c import C99CodePrinter
    >>> x = sp.Symbol("x")
    >>> print_piecewise(C99CodePrinter(), sp.Piecewise((1, x > 0), (2, x > -1), (3, True)),
    ...                 lambda c, v, o: f"({c} ? {v} : {o})")
    '(x > 0 ? 1 : (x > -1 ? 2 : 3))'
    """
    *pairs, last = expr.args
    if last.cond != True:  # noqa: E712
        raise ValueError("a Piecewise without a default branch (condition True) cannot be printed")
    out = printer._print(last.expr)
    for value, cond in reversed(pairs):
        out = select(printer._print(cond), printer._print(value), out)
    return out


def array_printer(**settings):
    """SymPy's NumPy printer with :class:`ArrayPrinterMixin` (``fully_qualified_modules``: ``numpy.exp``).

    >>> import sympy as sp
    >>> array_printer().doprint(sp.exp(sp.Symbol("x")))
    'numpy.exp(x)'
    """
    from sympy.printing.numpy import NumPyPrinter

    class _Printer(ArrayPrinterMixin, NumPyPrinter):
        pass

    return _Printer({"fully_qualified_modules": True, **settings})


def array_function_source(name, exprs, args, *, printer=None, optimizations=None, outputs=None, errstate=True):
    """Source of ``def name(*args): return (...)``: one :func:`sympy.cse` over all outputs, printed for arrays.

    Parameters
    ----------
    name : str
        The function's name.
    exprs, args : sequences of SymPy expressions and symbols
        What it returns, and its positional arguments (by their names).
    printer : SymPy printer, optional
        Default :func:`array_printer` (NumPy); an export passes a JAX printer.
    optimizations : None or "basic"
        Passed to :func:`sympy.cse`.
    outputs : sequence of str, optional
        Names of the outputs: also printed as the constant ``NAME_OUTPUTS``.
    errstate : bool
        Wrap the body in ``numpy.errstate(all="ignore")`` (branches of a ``where`` that are not
        selected may overflow or divide by zero).

    Examples
    --------
    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> src = array_function_source("k", [sp.exp(x) * y, sp.exp(x)], (x, y), outputs=("u", "v"))
    >>> print(*src.splitlines()[:1] + src.splitlines()[2:], sep=chr(10))
    def k(x, y):
        with numpy.errstate(all="ignore"):
            _x0 = numpy.exp(x)
            return (_x0*y, _x0,)
    K_OUTPUTS = ('u', 'v')
    """
    import sympy as sp

    exprs = tuple(sp.sympify(e) for e in exprs)
    check_arguments(exprs, args)
    printer = printer or array_printer()
    reps, reduced = sp.cse(list(exprs), symbols=sp.numbered_symbols("_x"), optimizations=optimizations)
    names = [str(a) for a in args]
    lines = [f"def {name}({', '.join(names)}):",
             f'    """Compiled kernel: ({", ".join(names)}) -> {len(reduced)} output(s) (SymPy-printed, one CSE)."""']
    ind = "    "
    if errstate:
        lines.append('    with numpy.errstate(all="ignore"):')
        ind = "        "
    lines += [f"{ind}{s} = {printer.doprint(v)}" for s, v in reps]
    lines.append(f"{ind}return ({', '.join(printer.doprint(e) for e in reduced)},)")
    if outputs is not None:
        if len(outputs) != len(reduced):
            raise ValueError(f"outputs must name the {len(reduced)} outputs, got {len(outputs)} names")
        lines.append(f"{name.upper()}_OUTPUTS = {tuple(outputs)!r}")
    return "\n".join(lines) + "\n"


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

    printer = scalar_printer()
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


def scalar_printer(user_functions=None):
    """SymPy's Python printer for scalar (numba) code: ``math.`` functions, and ``x**k`` as products for ``k <= 4``.

    ``user_functions`` maps SymPy function names to the names printed for them.

    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> scalar_printer().doprint(sp.exp(x) + x**3)
    'x*x*x + math.exp(x)'
    """
    from sympy.printing.pycode import PythonCodePrinter

    class _Printer(PythonCodePrinter):
        def _print_Pow(self, expr, rational=False):
            # x**2 -> x*x avoids pow() calls in the inner loop
            if expr.exp.is_Integer and 1 < int(expr.exp) <= 4:
                base = self.parenthesize(expr.base, 100)
                return "*".join([base] * int(expr.exp))
            return super()._print_Pow(expr, rational=rational)

    return _Printer({"standard": "python3", "fully_qualified_modules": True, "user_functions": dict(user_functions or {})})


def run_source(src, name, namespace):
    """Execute generated source in ``namespace`` under a file name that names it (for tracebacks).

    >>> ns = {}
    >>> run_source("def f(x): return 2 * x", "f", ns)
    >>> ns["f"](3)
    6
    """
    exec(compile(src, f"<symrich:{name}:{hashlib.sha1(src.encode()).hexdigest()[:8]}>", "exec"), namespace)


@functools.lru_cache(maxsize=64)
def _numba_from_source(src, name, nargs, nouts, target="cpu"):
    import math

    import numba
    import numpy as np

    namespace = {"math": math}
    run_source(src, name, namespace)
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
