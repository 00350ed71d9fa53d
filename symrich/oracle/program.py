r"""Compilation of a polynomial vector field into a straight-line Taylor recurrence.

If :math:`u` and :math:`v` are nodes of the expression graph of :math:`F`, the
Taylor coefficients obey :math:`(u v)^{[k]} = \sum_{j=0}^{k} u^{[j]} v^{[k-j]}`
(a Cauchy product) and :math:`(c u + v)^{[k]} = c u^{[k]} + v^{[k]}`, and the
state's coefficients follow from :math:`x^{[k+1]} = F^{[k]} / (k+1)`.
:func:`compile_flow` writes this recurrence for a given :math:`F` as a Python
function on fixed-point integers (:mod:`symrich.oracle.fixedpoint`), one line
per node, with as few products as it can find (common subexpressions are
shared; the expanded form is tried as well).  :func:`compile_observer` does
the same for functions of the state (event functions).

>>> import sympy
>>> x, v = sympy.symbols("x v")
>>> program = compile_flow((x, v), (v, -x * v**2))
>>> program.n_products   # v**2 (a square, half the work of a product) and x*v**2
2
>>> [line.split("# ")[1] for line in program.source.splitlines() if "_cauchy" in line]
['s2 = v**2', 's3 = x*v**2']
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from operator import mul
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    import sympy

__all__ = ["Program", "compile_flow", "compile_observer", "non_polynomial_part"]


def non_polynomial_part(expr: sympy.Expr, state: frozenset) -> sympy.Expr | None:
    """Return a subexpression that makes ``expr`` non-polynomial in ``state``, or None.

    Polynomial means: built from constants (expressions free of ``state``) and
    the state variables with ``+``, ``*`` and non-negative integer powers, in
    any form (products of sums need not be expanded).  These are exactly the
    expressions that :func:`compile_flow` and :func:`compile_observer` accept.

    Examples
    --------
    >>> import sympy
    >>> x, y, k = sympy.symbols("x y k")
    >>> non_polynomial_part(k * (x + y) ** 3 - sympy.sqrt(k), frozenset({x, y})) is None
    True
    >>> non_polynomial_part(x * sympy.sin(y) + 1, frozenset({x, y}))
    sin(y)
    """
    if not (expr.free_symbols & state):
        return None  # a constant
    if expr.is_Symbol:
        return None
    if expr.is_Add or expr.is_Mul:
        for arg in expr.args:
            bad = non_polynomial_part(arg, state)
            if bad is not None:
                return bad
        return None
    if expr.is_Pow:
        exponent = expr.exp
        if exponent.is_Integer and exponent >= 1 and not (exponent.free_symbols & state):
            return non_polynomial_part(expr.base, state)
        return expr
    return expr


# ---------------------------------------------------------------------------
# Compilation of F into a Taylor-coefficient recurrence
# ---------------------------------------------------------------------------
#
# A value during compilation is a linear form  sum_s c_s * series_s + c_0  over
# "series slots" (the state variables and intermediate nodes), with constant
# coefficients c (SymPy expressions in the parameters).  Sums and scalings act
# on the linear forms; only a product of two non-constant values creates a new
# node (a Cauchy product).  Linear forms are turned into a node ("lin") only
# when they are an operand of a product or an output.  Identical products and
# identical linear forms are created once (hash-consing), so shared
# subexpressions cost one product.


class _LinearForm:
    __slots__ = ("terms", "constant")

    def __init__(self, terms: dict, constant: Any) -> None:
        self.terms = terms          # slot -> sympy coefficient (non-zero)
        self.constant = constant    # sympy constant

    @property
    def is_constant(self) -> bool:
        return not self.terms


@dataclasses.dataclass(frozen=True)
class Program:
    """A compiled straight-line Taylor recurrence (made by :func:`compile_flow` or :func:`compile_observer`).

    All series are lists of integers in fixed point with ``P`` fractional bits
    (:mod:`symrich.oracle.fixedpoint`).

    Attributes
    ----------
    source : str
        The Python source of the recurrence (one line per node, commented with
        the subexpression it computes).
    flow_series : callable or None
        For a flow: ``flow_series(x, p, P, sl, sr, c)`` returns, for each
        state variable, the coefficients ``0..p`` of the series rescaled in
        time by ``2**(sl - sr)``, from the state ``x`` and the constants ``c``
        in fixed point.  None for an observer.
    observe_series : callable or None
        For an observer: ``observe_series(xs, p, P, c)`` returns the
        coefficients ``0..p`` of each output, from the state coefficients
        ``xs``.  None for a flow.
    constants : tuple of sympy.Expr
        The constant coefficients (expressions in the parameters), in the
        order the recurrence expects their fixed-point values ``c``.
    n_products : int
        Number of series products (Cauchy products, squares included).

    Examples
    --------
    >>> import sympy
    >>> x, v, k = sympy.symbols("x v k")
    >>> program = compile_flow((x, v), (v, -k * x * (1 + x**2)))
    >>> program.n_products, program.constants, program.observe_series is None
    (2, (-k,), True)
    """

    source: str
    flow_series: Callable | None
    observe_series: Callable | None
    constants: tuple
    n_products: int


class _Compiler:
    def __init__(self, state: tuple) -> None:
        import sympy

        self.sympy = sympy
        self.state = state
        self.state_slot = {s: i for i, s in enumerate(state)}
        self.labels: list[str] = [s.name for s in state]
        self.nodes: list[tuple] = []            # ("lin", out, terms, const) | ("mul", out, a, b) | ("sqr", out, a)
        self.memo: dict = {}                    # sympy expr -> _LinearForm
        self.node_memo: dict = {}               # structural key -> slot
        self.env: dict = {}                     # cse symbol -> _LinearForm
        self.n_products = 0          # product nodes (squares included)
        self.product_cost = 0.0      # the same, a square counting one half

    # -- values ---------------------------------------------------------------

    def constant(self, c: Any) -> _LinearForm:
        return _LinearForm({}, c)

    def add(self, u: _LinearForm, v: _LinearForm) -> _LinearForm:
        terms = dict(u.terms)
        for slot, c in v.terms.items():
            total = terms.get(slot, 0) + c
            if total == 0:
                terms.pop(slot, None)
            else:
                terms[slot] = total
        return _LinearForm(terms, u.constant + v.constant)

    def scale(self, u: _LinearForm, c: Any) -> _LinearForm:
        if c == 0:
            return self.constant(self.sympy.S.Zero)
        return _LinearForm({slot: c * coef for slot, coef in u.terms.items()}, c * u.constant)

    def multiply(self, u: _LinearForm, v: _LinearForm) -> _LinearForm:
        if u.is_constant:
            return self.scale(v, u.constant)
        if v.is_constant:
            return self.scale(u, v.constant)
        cu, su = self.factor_out(u)
        cv, sv = self.factor_out(v)
        return _LinearForm({self.product_node(su, sv): cu * cv}, self.sympy.S.Zero)

    def factor_out(self, u: _LinearForm) -> tuple[Any, int]:
        """Write a non-constant linear form as ``c * slot`` (``u`` and ``-u`` share the slot)."""
        if len(u.terms) == 1 and u.constant == 0:
            (slot, c), = u.terms.items()
            return c, slot
        leading = u.terms[min(u.terms)]
        if leading.could_extract_minus_sign():
            return -self.sympy.S.One, self.materialize(self.scale(u, -self.sympy.S.One))
        return self.sympy.S.One, self.materialize(u)

    def materialize(self, u: _LinearForm) -> int:
        """The slot holding the series of ``u`` (creating a "lin" node if needed)."""
        if len(u.terms) == 1 and u.constant == 0:
            (slot, c), = u.terms.items()
            if c == 1:
                return slot
        terms = tuple(sorted(u.terms.items()))
        key = ("lin", terms, u.constant)
        if key not in self.node_memo:
            out = self.new_slot(self.lin_label(terms, u.constant))
            self.nodes.append(("lin", out, terms, u.constant))
            self.node_memo[key] = out
        return self.node_memo[key]

    def product_node(self, a: int, b: int) -> int:
        a, b = min(a, b), max(a, b)
        key = ("mul", a, b)
        if key not in self.node_memo:
            la, lb = (_parenthesize(self.labels[i]) for i in (a, b))
            out = self.new_slot(f"{la}**2" if a == b else f"{la}*{lb}")
            self.nodes.append(("sqr", out, a) if a == b else ("mul", out, a, b))
            self.n_products += 1
            self.product_cost += 0.5 if a == b else 1.0
            self.node_memo[key] = out
        return self.node_memo[key]

    def new_slot(self, label: str) -> int:
        self.labels.append(label if len(label) <= 70 else label[:67] + "...")
        return len(self.labels) - 1

    def lin_label(self, terms: tuple, constant: Any) -> str:
        parts = [f"{_parenthesize(str(c))}*{_parenthesize(self.labels[s])}" if c != 1 else self.labels[s]
                 for s, c in terms]
        if constant != 0:
            parts.append(str(constant))
        return " + ".join(parts).replace("+ -", "- ") if parts else "0"

    # -- expressions ----------------------------------------------------------

    def value(self, expr: Any) -> _LinearForm:
        if expr in self.memo:
            return self.memo[expr]
        sympy = self.sympy
        if not (expr.free_symbols & self.series_symbols):
            result = self.constant(expr.xreplace(self.constant_env))
        elif expr.is_Symbol:
            result = (self.env[expr] if expr in self.env
                      else _LinearForm({self.state_slot[expr]: sympy.S.One}, sympy.S.Zero))
        elif expr.is_Add:
            result = self.constant(sympy.S.Zero)
            for arg in expr.args:
                result = self.add(result, self.value(arg))
        elif expr.is_Mul:
            # constant factors first, then the series factors left to right
            args = sorted(expr.args, key=lambda a: bool(a.free_symbols & self.series_symbols))
            result = self.constant(sympy.S.One)
            for arg in args:
                result = self.multiply(result, self.value(arg))
        elif expr.is_Pow and expr.exp.is_Integer and expr.exp >= 1:
            base = self.value(expr.base)
            result = self.power_form(base, int(expr.exp))
        else:  # pragma: no cover - excluded by PolynomialFlow validation
            raise ValueError(f"not polynomial in the state: {expr}")
        self.memo[expr] = result
        return result

    def power_form(self, u: _LinearForm, n: int) -> _LinearForm:
        if u.is_constant:
            return self.constant(u.constant**n)
        c, s = self.factor_out(u)
        result = None
        square = s
        m = n
        while True:
            if m & 1:
                result = square if result is None else self.product_node(result, square)
            m >>= 1
            if not m:
                break
            square = self.product_node(square, square)
        return _LinearForm({result: c**n}, self.sympy.S.Zero)

    def compile(self, exprs: Sequence) -> list[int]:
        """Compile ``exprs`` (after common-subexpression elimination); return output slots."""
        sympy = self.sympy
        replacements, reduced = sympy.cse(
            list(exprs), symbols=sympy.numbered_symbols("_cse", cls=sympy.Dummy))
        self.series_symbols = set(self.state)
        self.constant_env: dict = {}
        for symbol, sub in replacements:
            form = self.value(sub)
            if form.is_constant:
                self.constant_env[symbol] = form.constant
            else:
                self.env[symbol] = form
                self.series_symbols.add(symbol)
        return [self.materialize(self.value(e)) for e in reduced]


def _parenthesize(label: str) -> str:
    """Wrap a label in parentheses unless it is a single name, number or product of names."""
    return label if all(ch not in label for ch in " +-") else f"({label})"


#: The expanded form is tried as well only for right-hand sides up to this many operations.
_EXPAND_MAX_OPS = 1000


def _compile(state: tuple, exprs: Sequence, mode: str) -> Program:
    """Compile ``exprs`` as given and (if small) expanded; keep the recurrence with fewer products."""
    import sympy

    candidates = [list(exprs)]
    if sum(sympy.count_ops(e) for e in exprs) <= _EXPAND_MAX_OPS:
        expanded = [sympy.expand(e) for e in exprs]
        if expanded != candidates[0]:
            candidates.append(expanded)
    best = None
    for candidate in candidates:
        compiler = _Compiler(state)
        outputs = compiler.compile(candidate)
        cost = (compiler.product_cost, len(compiler.nodes))
        if best is None or cost < best[0]:
            best = (cost, compiler, outputs)
    _, compiler, outputs = best
    return _generate(compiler, outputs, mode)


def compile_flow(state: tuple, rhs: tuple) -> Program:
    """Compile a polynomial right-hand side into the recurrence of the state's Taylor coefficients.

    Parameters
    ----------
    state : tuple of sympy.Symbol
        The state variables.
    rhs : tuple of sympy.Expr
        Their derivatives, polynomial in the state (see :func:`non_polynomial_part`).

    Returns
    -------
    Program
        With ``flow_series`` set.

    Examples
    --------
    >>> import sympy
    >>> y = sympy.Symbol("y")
    >>> program = compile_flow((y,), (y**2,))      # y = 1/(1 - t) from y(0) = 1
    >>> P = 16
    >>> [c >> P for c in program.flow_series([1 << P], 4, P, 0, 0, [])[0]]
    [1, 1, 1, 1, 1]
    """
    return _compile(state, rhs, "flow")


def _generate(compiler: _Compiler, outputs: list[int], mode: str) -> Program:
    """Emit Python source for the recurrence and compile it."""
    n_state = len(compiler.state)
    constants: list = []
    constant_index: dict = {}

    def const_name(c: Any) -> str:
        if c not in constant_index:
            constant_index[c] = len(constants)
            constants.append(c)
        return f"c{constant_index[c]}"

    def node_code(node: tuple) -> str:
        kind, out = node[0], node[1]
        if kind == "mul":
            return f"s{out}.append(_cauchy(s{node[2]}, s{node[3]}, k) >> P)"
        if kind == "sqr":
            return f"s{out}.append(_cauchy_square(s{node[2]}, k) >> P)"
        _, out, terms, constant = node
        grouped: dict = {}           # constant coefficient -> slots it multiplies
        for s, c in terms:
            if not c.is_Integer:
                grouped.setdefault(c, []).append(f"s{s}[k]")
        fixed = [f"{const_name(c)} * {slots[0]}" if len(slots) == 1
                 else f"{const_name(c)} * ({' + '.join(slots)})" for c, slots in grouped.items()]
        exact = [(int(c), s) for s, c in terms if c.is_Integer]
        parts = []
        if fixed:
            parts.append(f"(({' + '.join(fixed)}) >> P)")
        for c, s in exact:
            parts.append(f"s{s}[k]" if c == 1 else f"-s{s}[k]" if c == -1 else f"{c} * s{s}[k]")
        if constant != 0:
            parts.append(f"({const_name(constant)} if k == 0 else 0)")
        expr = " + ".join(parts).replace("+ -", "- ") if parts else "0"
        return f"s{out}.append({expr})"

    body = [f"{node_code(node):<60}  # s{node[1]} = {compiler.labels[node[1]]}" for node in compiler.nodes]
    lines: list[str] = []
    if mode == "flow":
        lines.append("def flow_series(x, p, P, sl, sr, c):")
        lines.append('    """Coefficients 0..p of the (time-rescaled) series of the state."""')
    else:
        lines.append("def observe_series(xs, p, P, c):")
        lines.append('    """Coefficients 0..p of the outputs, given the state coefficients xs."""')
    if constants:
        lines.append(f"    {', '.join(f'c{i}' for i in range(len(constants)))}, = c")
    for i in range(n_state):
        init = f"[x[{i}]]" if mode == "flow" else f"xs[{i}]"
        lines.append(f"    s{i} = {init}  # {compiler.labels[i]}")
    for node in compiler.nodes:
        lines.append(f"    s{node[1]} = []")
    lines.append("    for k in range(p):" if mode == "flow" else "    for k in range(p + 1):")
    lines.extend("        " + line for line in body)
    if mode == "flow":
        lines.append("        d = (k + 1) << sr")
        for i, out in enumerate(outputs):
            lines.append(f"        s{i}.append((s{out}[k] << sl) // d)  # d/dt {compiler.labels[i]}")
    if not body and mode != "flow":
        lines.append("        pass")
    returned = range(n_state) if mode == "flow" else outputs
    lines.append(f"    return [{', '.join(f's{i}' for i in returned)}]")
    source = "\n".join(lines) + "\n"
    namespace: dict = {"_cauchy": _cauchy, "_cauchy_square": _cauchy_square}
    exec(compile(source, f"<symrich.oracle {mode} recurrence>", "exec"), namespace)  # noqa: S102
    function = namespace["flow_series" if mode == "flow" else "observe_series"]
    return Program(
        source=source,
        flow_series=function if mode == "flow" else None,
        observe_series=function if mode != "flow" else None,
        constants=tuple(constants),
        n_products=compiler.n_products,
    )


def _cauchy(a: list[int], b: list[int], k: int) -> int:
    """k-th coefficient of the product of two series (before the fixed-point shift)."""
    return sum(map(mul, a[: k + 1], b[k::-1]))


def _cauchy_square(a: list[int], k: int) -> int:
    """k-th coefficient of the square of a series (before the fixed-point shift)."""
    half = k // 2
    total = 2 * sum(map(mul, a[: (k + 1) // 2], a[k:half:-1]))
    if k % 2 == 0:
        total += a[half] * a[half]
    return total


@functools.lru_cache(maxsize=256)
def compile_observer(state: tuple, exprs: tuple) -> Program:
    """Compile functions of the state (events): their Taylor coefficients from the state's (cached).

    Parameters
    ----------
    state : tuple of sympy.Symbol
        The state variables.
    exprs : tuple of sympy.Expr
        The outputs, polynomial in the state.

    Returns
    -------
    Program
        With ``observe_series`` set.

    Examples
    --------
    >>> import sympy
    >>> x, v = sympy.symbols("x v")
    >>> program = compile_observer((x, v), (x * v,))
    >>> program.observe_series([[1, 2], [3, 4]], 1, 0, [])   # (1 + 2t)(3 + 4t) = 3 + 10t + ...
    [[3, 10]]
    """
    return _compile(state, exprs, "observe")

