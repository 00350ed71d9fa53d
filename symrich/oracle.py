r"""High-precision integration of polynomial parameter flows (the "oracle").

Every gradient flow in this project is an autonomous ODE

.. math:: \dot x = F(x), \qquad x(0) = x_0,

whose right-hand side :math:`F` is a polynomial in the state :math:`x` (the
network parameters) with constant coefficients (data, learning rates).  For
such systems the Taylor coefficients :math:`x^{[k]} = x^{(k)}(t_0)/k!` of the
solution obey an exact recurrence: if :math:`u` and :math:`v` are two nodes
of the expression graph of :math:`F`, then

.. math:: (u v)^{[k]} = \sum_{j=0}^{k} u^{[j]} v^{[k-j]}, \qquad
          (c u + v)^{[k]} = c u^{[k]} + v^{[k]}, \qquad
          x^{[k+1]} = F^{[k]} / (k+1).

This module compiles :math:`F` once into that recurrence (a straight-line
program, see :attr:`PolynomialFlow.taylor_source`) and runs a high-order
Taylor method with the order and step size control of Jorba & Zou (2005).

Public API
----------
:class:`PolynomialFlow`
    A polynomial vector field given with SymPy, validated and compiled.
:func:`integrate_flow`
    Integrate a flow at arbitrary precision (``method="taylor"``, the default),
    through :func:`mpmath.odefun` (``"odefun"``), or in float64 through
    :func:`scipy.integrate.solve_ivp` (``"scipy"``), optionally stopping at
    zero crossings of event functions (:class:`Event`).
:class:`FlowSolution`, :class:`EventHit`
    Results.
:func:`single_neuron_flow`, :func:`integrate_single_neuron`
    The single neuron :math:`f(x) = a\,w^\top x` trained on squared loss.

Numerics of the Taylor method
-----------------------------
* **Order.**  For a local tolerance :math:`\varepsilon` the order is
  :math:`p = \lceil -\tfrac12 \ln \varepsilon \rceil + 1` (about 1.15 times
  the number of digits), as in Jorba & Zou.
* **Step.**  With :math:`\|x^{[j]}\|` the max-norm over the state of the j-th
  coefficient and :math:`\mathrm{tol} = \max(\mathrm{atol},
  \mathrm{rtol}\,\|x\|)`, the step is
  :math:`h = 0.9\,\min_{j\in\{p-1,p\}} (\mathrm{tol}/\|x^{[j]}\|)^{1/j}`,
  i.e. about :math:`\rho/e^2` for a radius of convergence :math:`\rho`, so the
  neglected tail is about :math:`\mathrm{tol}`.  If both coefficients vanish
  the radius is estimated from the lower ones (Cauchy--Hadamard).
* **Arithmetic.**  Inside one step the coefficients of the *time-rescaled*
  series :math:`\hat x^{[k]} = x^{[k]} \tau^k` (:math:`\tau` a power of two
  close to the step) are stored as integers in fixed point with
  :math:`P \approx -\log_2 \mathrm{tol} + 32` fractional bits.  All Cauchy
  products are then exact integer dot products followed by one shift, which
  is several times faster than :class:`mpmath.mpf` arithmetic and loses
  nothing: the step is never longer than :math:`\tau`, so each rounding
  error of :math:`2^{-P}` contributes at most :math:`2^{-P}` to the solution.
* **Dense output.**  Output times inside a step are evaluated from the Taylor
  polynomial (Horner); steps are not shortened to hit them, except the last.
* **Precision.**  Defaults are ``rtol = atol = 10**-(dps + 3)``; the results
  agree with the exact flow to about ``dps - 2`` digits relative to
  ``max(1, |x|)`` over moderate times (the tests check ``>= 28`` digits at
  ``dps=30``).  Returned values are rounded to ``dps`` digits.  The global
  :mod:`mpmath` precision is never changed (only :func:`mpmath.workprec`
  blocks are used).

Events
------
An event is a function :math:`g` of the state.  It may be a SymPy expression
polynomial in the state (and the parameters): it is then compiled into the
same recurrence, so its exact Taylor polynomial along each step is known; or
any Python callable ``g(y)`` taking the list of state values (``mpf`` for the
mpmath methods, a float array for scipy), evaluated on the dense output.  In
each step :math:`g` is sampled at 9 equally spaced points; a sign change
(negative versus non-negative) is located to full working precision by a
bracketing Illinois/bisection iteration on the Taylor polynomial.  Two
crossings between neighbouring samples (1/8 of a step) are not seen.  At
:math:`t = 0` a value :math:`|g(y_0)| \le \mathrm{tol}` counts as zero, and
its sign is taken from the direction in which the flow moves :math:`g`; so
restarting at a reported event state does not report the same crossing again.

References
----------
A. Jorba and M. Zou, "A software package for the numerical integration of
ODEs by means of high-order Taylor methods", Experimental Mathematics 14
(2005) 99-117.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from operator import mul
from typing import TYPE_CHECKING, Any

import mpmath
import numpy as np

if TYPE_CHECKING:  # pragma: no cover - typing only
    import sympy

__all__ = [
    "Event",
    "EventHit",
    "FlowSolution",
    "PolynomialFlow",
    "integrate_flow",
    "integrate_single_neuron",
    "single_neuron_flow",
]

METHODS = ("taylor", "odefun", "scipy")
_IMPLICIT_IVP_METHODS = ("Radau", "BDF", "LSODA")

#: Fixed-point guard bits beyond the local tolerance.
_GUARD_BITS = 32
#: Extra decimal digits of the local tolerance beyond ``dps``.
_TOLERANCE_GUARD_DIGITS = 3
#: Safety factor on the Jorba-Zou step size.
_STEP_SAFETY = 0.9
#: Event functions are sampled at this many subintervals of each step.
_EVENT_SAMPLES = 8
#: If a trial step is shorter than tau * this, the step is redone with a smaller tau.
_RESCALE_THRESHOLD = 2.0**-6


# ---------------------------------------------------------------------------
# The flow
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PolynomialFlow:
    r"""An autonomous ODE :math:`\dot x = F(x)` with :math:`F` polynomial in the state.

    Parameters
    ----------
    state : tuple of sympy.Symbol
        The state variables :math:`x_1, \dots, x_n` (distinct).
    rhs : tuple of sympy.Expr
        :math:`F_1, \dots, F_n`; each must be a polynomial in the state,
        written with ``+``, ``*`` and non-negative integer powers (any form:
        products of sums are fine and are usually cheaper than the expansion).
        Coefficients may be arbitrary constant expressions in ``params``.
        Use exact numbers (``sympy.Rational``) for exact coefficients; a
        ``sympy.Float`` is used with the value it holds.
    params : tuple of sympy.Symbol, optional
        Constant symbols whose values are given at integration time.
    name : str, optional
        A label.

    Raises
    ------
    ValueError
        On length mismatch, repeated symbol names, a free symbol of ``rhs``
        that is neither a state variable nor a parameter (named in the
        message), or a right-hand side that is not polynomial in the state.

    Notes
    -----
    Compilation (:attr:`taylor_source`, the float and mpmath right-hand sides
    and the Jacobian) happens lazily, once per flow.

    Examples
    --------
    >>> import sympy
    >>> x, v, k = sympy.symbols("x v k")
    >>> oscillator = PolynomialFlow(state=(x, v), rhs=(v, -k * x), params=(k,))
    >>> oscillator.n_products  # multiplications by constants are not products
    0
    >>> PolynomialFlow(state=(x,), rhs=(x * v,))
    Traceback (most recent call last):
    ...
    ValueError: rhs[0] contains the symbol v, which is neither a state variable nor a parameter
    """

    state: tuple
    rhs: tuple
    params: tuple = ()
    name: str = ""

    def __post_init__(self) -> None:
        import sympy

        state = tuple(self.state)
        params = tuple(self.params)
        try:
            rhs = tuple(sympy.sympify(r) for r in self.rhs)
        except (sympy.SympifyError, TypeError) as exc:
            raise ValueError(f"rhs: cannot convert to sympy expressions: {exc}") from exc
        if not state:
            raise ValueError("state must contain at least one symbol")
        for what, symbols in (("state", state), ("params", params)):
            for s in symbols:
                if not isinstance(s, sympy.Symbol):
                    raise ValueError(f"{what} must contain sympy Symbols, got {s!r}")
        names = [s.name for s in state + params]
        repeated = sorted({nm for nm in names if names.count(nm) > 1})
        if repeated:
            raise ValueError(f"state and params must have distinct names; repeated: {', '.join(repeated)}")
        if len(rhs) != len(state):
            raise ValueError(f"rhs has {len(rhs)} entries but state has {len(state)}")
        known = set(state) | set(params)
        by_name = {s.name: s for s in state + params}
        for i, expr in enumerate(rhs):
            for s in sorted(expr.free_symbols - known, key=str):
                hint = ""
                if getattr(s, "name", None) in by_name:
                    hint = (f" (a symbol named {s.name} is declared, but with different assumptions: "
                            f"{by_name[s.name].assumptions0} versus {s.assumptions0})")
                raise ValueError(f"rhs[{i}] contains the symbol {s}, which is neither a state "
                                 f"variable nor a parameter{hint}")
            bad = _non_polynomial_part(expr, frozenset(state))
            if bad is not None:
                raise ValueError(
                    f"rhs[{i}] is not a polynomial in the state: the subexpression {bad} is not "
                    "a sum, product or non-negative integer power of state variables "
                    "(try sympy.cancel or sympy.expand first)"
                )
        object.__setattr__(self, "state", state)
        object.__setattr__(self, "params", params)
        object.__setattr__(self, "rhs", rhs)

    # -- compiled forms (cached) ------------------------------------------------

    @functools.cached_property
    def _program(self) -> _Program:
        return _compile_flow(self.state, self.params, self.rhs)

    @property
    def taylor_source(self) -> str:
        """Python source of the compiled Taylor-coefficient recurrence (for reading)."""
        return self._program.source

    @property
    def n_products(self) -> int:
        """Number of series products (Cauchy products) in the compiled recurrence."""
        return self._program.n_products

    @functools.cached_property
    def _numpy_rhs(self) -> Callable:
        import sympy

        return sympy.lambdify([list(self.state), list(self.params)], list(self.rhs), "numpy", cse=True)

    @functools.cached_property
    def _numpy_jacobian(self) -> Callable:
        import sympy

        jac = sympy.Matrix(self.rhs).jacobian(sympy.Matrix(self.state))
        return sympy.lambdify([list(self.state), list(self.params)], jac.tolist(), "numpy", cse=True)

    @functools.cached_property
    def _mpmath_rhs(self) -> Callable:
        import sympy

        return sympy.lambdify([list(self.state), list(self.params)], list(self.rhs), "mpmath", cse=True)

    def rhs_float(self, y: Sequence[float], params: Mapping | None = None) -> np.ndarray:
        """Evaluate :math:`F(y)` in float64 (the function used by ``method="scipy"``)."""
        pvals = [float(v) for v in _resolve_params(self, params, _to_mpf)]
        return np.asarray(self._numpy_rhs(np.asarray(y, dtype=float), pvals), dtype=float)

    def jacobian_float(self, y: Sequence[float], params: Mapping | None = None) -> np.ndarray:
        """Evaluate the Jacobian :math:`\\partial F/\\partial x` at ``y`` in float64."""
        pvals = [float(v) for v in _resolve_params(self, params, _to_mpf)]
        return np.asarray(self._numpy_jacobian(np.asarray(y, dtype=float), pvals), dtype=float)

    def taylor_coefficients(self, y0: Sequence, order: int, params: Mapping | None = None,
                            *, dps: int = 30) -> list[list[mpmath.mpf]]:
        r"""Taylor coefficients :math:`x_i^{[k]} = x_i^{(k)}(0)/k!` for ``k = 0..order``.

        Parameters
        ----------
        y0 : sequence of numbers
            The state at which to expand.
        order : int
            Highest order returned (at least 1).
        params : mapping, optional
            Parameter values, keyed by symbol or name.
        dps : int
            Decimal digits of the returned numbers (at least 15).

        Returns
        -------
        list of list of mpmath.mpf
            ``coeffs[i][k]`` is the k-th coefficient of the i-th state variable.

        Examples
        --------
        >>> import sympy
        >>> y = sympy.Symbol("y")
        >>> flow = PolynomialFlow(state=(y,), rhs=(y**2,))   # y = 1/(1 - t)
        >>> [str(c) for c in flow.taylor_coefficients([1], 4)[0]]
        ['1.0', '1.0', '1.0', '1.0', '1.0']
        """
        _check_dps(dps)
        if not isinstance(order, (int, np.integer)) or isinstance(order, bool) or order < 1:
            raise ValueError(f"order must be an integer >= 1, got {order!r}")
        order = int(order)
        wp = _bits(dps) + 64
        with mpmath.workprec(wp):
            x0 = _convert_y0(self, y0, _to_mpf)
            pvals = _resolve_params(self, params, _to_mpf)
            constants = _FixedConstants(self._program.constants, pvals, wp)
            scale = max([mpmath.mpf(1)] + [abs(v) for v in x0])
            frac_bits = wp + constants.magnitude_bits + max(0, int(mpmath.log(scale, 2)))
            x_fixed = [_fixed(v, frac_bits) for v in x0]
            series = self._program.flow_series(x_fixed, order, frac_bits, 0, 0, constants.at(frac_bits))
            with mpmath.workdps(dps):
                return [[+_unfixed(c, frac_bits) for c in s] for s in series]


def _non_polynomial_part(expr: sympy.Expr, state: frozenset) -> sympy.Expr | None:
    """Return a subexpression that makes ``expr`` non-polynomial in ``state``, or None."""
    if not (expr.free_symbols & state):
        return None  # a constant
    if expr.is_Symbol:
        return None
    if expr.is_Add or expr.is_Mul:
        for arg in expr.args:
            bad = _non_polynomial_part(arg, state)
            if bad is not None:
                return bad
        return None
    if expr.is_Pow:
        exponent = expr.exp
        if exponent.is_Integer and exponent >= 1 and not (exponent.free_symbols & state):
            return _non_polynomial_part(expr.base, state)
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
class _Program:
    """A compiled straight-line Taylor recurrence."""

    source: str
    flow_series: Callable | None     # (x, p, P, sl, sr, c) -> state coefficient lists
    observe_series: Callable | None  # (xs, p, P, c) -> output coefficient lists
    constants: tuple                 # sympy expressions in the parameters
    params: tuple
    n_products: float
    n_nodes: int


class _Compiler:
    def __init__(self, state: tuple, params: tuple) -> None:
        import sympy

        self.sympy = sympy
        self.state = state
        self.state_slot = {s: i for i, s in enumerate(state)}
        self.params = params
        self.labels: list[str] = [s.name for s in state]
        self.nodes: list[tuple] = []            # ("lin", out, terms, const) | ("mul", out, a, b) | ("sqr", out, a)
        self.memo: dict = {}                    # sympy expr -> _LinearForm
        self.node_memo: dict = {}               # structural key -> slot
        self.env: dict = {}                     # cse symbol -> _LinearForm
        self.n_products = 0.0

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
        """Write a non-constant linear form as ``c * slot``."""
        if len(u.terms) == 1 and u.constant == 0:
            (slot, c), = u.terms.items()
            return c, slot
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
            la, lb = self.labels[a], self.labels[b]
            out = self.new_slot(f"({la})**2" if a == b else f"({la})*({lb})")
            self.nodes.append(("sqr", out, a) if a == b else ("mul", out, a, b))
            self.n_products += 0.5 if a == b else 1.0
            self.node_memo[key] = out
        return self.node_memo[key]

    def new_slot(self, label: str) -> int:
        self.labels.append(label if len(label) <= 70 else label[:67] + "...")
        return len(self.labels) - 1

    def lin_label(self, terms: tuple, constant: Any) -> str:
        parts = [f"{c}*{self.labels[s]}" if c != 1 else self.labels[s] for s, c in terms]
        if constant != 0:
            parts.append(str(constant))
        return " + ".join(parts) if parts else "0"

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


def _compile(state: tuple, params: tuple, exprs: Sequence, mode: str) -> _Program:
    """Compile ``exprs`` as given and expanded; keep the cheaper recurrence."""
    import sympy

    candidates = [list(exprs)]
    expanded = [sympy.expand(e) for e in exprs]
    if expanded != candidates[0] and sum(len(sympy.Add.make_args(e)) for e in expanded) <= 5000:
        candidates.append(expanded)
    best = None
    for candidate in candidates:
        compiler = _Compiler(state, params)
        outputs = compiler.compile(candidate)
        cost = (compiler.n_products, len(compiler.nodes))
        if best is None or cost < best[0]:
            best = (cost, compiler, outputs)
    _, compiler, outputs = best
    return _generate(compiler, outputs, mode)


def _compile_flow(state: tuple, params: tuple, rhs: tuple) -> _Program:
    return _compile(state, params, rhs, "flow")


def _generate(compiler: _Compiler, outputs: list[int], mode: str) -> _Program:
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
        fixed = [f"{const_name(c)} * s{s}[k]" for s, c in terms if not c.is_Integer]
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
    return _Program(
        source=source,
        flow_series=function if mode == "flow" else None,
        observe_series=function if mode != "flow" else None,
        constants=tuple(constants),
        params=compiler.params,
        n_products=compiler.n_products,
        n_nodes=len(compiler.nodes),
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
