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
  neglected tail is about :math:`\mathrm{tol}`.  A coefficient that vanishes
  (in fixed point) counts as one unit :math:`2^{-P}`, so a vanishing tail,
  e.g. of a polynomial solution, lets the step grow.
* **Arithmetic.**  Inside one step the coefficients of the *time-rescaled*
  series :math:`\hat x^{[k]} = x^{[k]} \tau^k` (:math:`\tau` a power of two
  with :math:`h \le \tau`, normally :math:`2h \le \tau < 4h` from the
  previous step) are stored as integers in fixed point with
  :math:`P = \lceil -\log_2 \min(\mathrm{tol}, \mathrm{rtol}) \rceil + 32`
  fractional bits (plus the bit length of the largest constant).  All Cauchy
  products are then exact integer dot products followed by one shift, which
  is several times faster than :class:`mpmath.mpf` arithmetic and loses
  nothing: the step is never longer than :math:`\tau`, so each rounding
  error of :math:`2^{-P}` contributes at most :math:`2^{-P}` to the solution.
* **Dense output.**  Output times inside a step are evaluated from the Taylor
  polynomial (Horner); steps are not shortened to hit them, except the last.
* **Precision.**  Defaults are ``rtol = atol = 10**-(dps + 3)``; over
  moderate times the results then agree with the exact flow to about ``dps``
  digits relative to ``max(1, |x|)`` (about 31 at ``dps=30`` in the tests,
  which require 28; the error grows with the number of steps and the
  conditioning of the flow).  Returned values are rounded to ``dps`` digits.
  The global :mod:`mpmath` precision is never changed (only
  :func:`mpmath.workprec` blocks are used).

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

    def __reduce__(self) -> tuple:
        # Pickle the definition only; compiled forms are rebuilt lazily after unpickling.
        return (PolynomialFlow, (self.state, self.rhs, self.params, self.name))

    # -- compiled forms (cached) ------------------------------------------------

    @functools.cached_property
    def _program(self) -> _Program:
        return _compile_flow(self.state, self.rhs)

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

        Notes
        -----
        The recurrence runs in fixed point with ``dps + 20`` digits after the
        point (more for large constants or states), so coefficients much
        smaller than 1 are known to that absolute, not relative, accuracy.

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
            constants = _FixedConstants(self._program.constants, self.params, pvals, wp)
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
    n_products: int
    n_nodes: int


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


def _compile(state: tuple, exprs: Sequence, mode: str) -> _Program:
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


def _compile_flow(state: tuple, rhs: tuple) -> _Program:
    return _compile(state, rhs, "flow")


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
    return _Program(
        source=source,
        flow_series=function if mode == "flow" else None,
        observe_series=function if mode != "flow" else None,
        constants=tuple(constants),
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


@functools.lru_cache(maxsize=256)
def _compile_observer(state: tuple, exprs: tuple) -> _Program:
    """Compile event functions: their coefficients from given state coefficients."""
    return _compile(state, exprs, "observe")


@functools.lru_cache(maxsize=256)
def _constant_evaluator(constants: tuple, params: tuple) -> Callable:
    import sympy

    return sympy.lambdify(list(params), list(constants), "mpmath")


# ---------------------------------------------------------------------------
# Fixed-point helpers
# ---------------------------------------------------------------------------


def _bits(digits: float) -> int:
    """Number of bits carrying ``digits`` decimal digits."""
    return math.ceil(digits * math.log2(10))


def _fixed(v: Any, frac_bits: int) -> int:
    """The integer ``v * 2**frac_bits`` (truncated), i.e. ``v`` in fixed point."""
    return int(mpmath.ldexp(mpmath.mpf(v), frac_bits))


def _unfixed(m: int, frac_bits: int) -> mpmath.mpf:
    """The number ``m * 2**-frac_bits`` (rounded to the working precision)."""
    return mpmath.mpf((m, -frac_bits))


def _horner(coefficients: list[int], theta: int, frac_bits: int) -> int:
    """Evaluate ``sum_k c_k theta**k`` in fixed point (``theta`` in fixed point too)."""
    acc = 0
    for c in reversed(coefficients):
        acc = ((acc * theta) >> frac_bits) + c
    return acc


def _log2_abs(m: int) -> float:
    return math.log2(abs(m)) if m else -math.inf


class _FixedConstants:
    """Constant coefficients of a program, evaluated with mpmath, in fixed point on demand."""

    def __init__(self, exprs: tuple, params: tuple, pvals: list, prec: int) -> None:
        self.exprs, self.params, self.pvals = exprs, params, pvals
        self._evaluate(prec)

    def _evaluate(self, prec: int) -> None:
        with mpmath.workprec(prec):
            raw = _constant_evaluator(self.exprs, self.params)(*self.pvals) if self.exprs else []
            values = []
            for expr, v in zip(self.exprs, raw):
                v = mpmath.mpmathify(v)
                if not isinstance(v, mpmath.mpf) or not mpmath.isfinite(v):
                    raise ValueError(f"params: the coefficient {expr} evaluates to {v}, "
                                     "which is not a finite real number")
                values.append(v)
        self.values, self.prec, self._cache = values, prec, {}
        biggest = max((abs(v) for v in values), default=mpmath.mpf(1))
        self.magnitude_bits = max(0, int(mpmath.ceil(mpmath.log(biggest, 2)))) if biggest else 0

    def at(self, frac_bits: int) -> list[int]:
        if frac_bits + 32 > self.prec:
            self._evaluate(frac_bits + 64)
        if frac_bits not in self._cache:
            with mpmath.workprec(self.prec):
                self._cache[frac_bits] = [_fixed(v, frac_bits) for v in self.values]
        return self._cache[frac_bits]


# ---------------------------------------------------------------------------
# Results and events
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Event:
    """A function of the state whose zero crossings are detected during integration.

    Parameters
    ----------
    g : sympy.Expr or callable
        Either a SymPy expression, polynomial in the state variables (it may
        contain parameters), or a Python callable ``g(y)`` receiving the list
        of state values (``mpmath.mpf`` for the mpmath methods, a float array
        for ``method="scipy"``) and returning a real number.
    terminal : bool
        Stop the integration at the first crossing (default) or only record it.
    direction : {0, 1, -1}
        Report crossings in any direction (0), only where ``g`` goes from
        negative to non-negative (+1), or from non-negative to negative (-1).
    name : str
        A label.

    Notes
    -----
    A crossing is a change between ``g < 0`` and ``g >= 0``.  At ``t = 0`` a
    value within the tolerance of zero (``tol`` of the Taylor method, ``atol``
    for scipy) is not a crossing; the side is taken from the direction in
    which the flow moves ``g``.  With ``method="taylor"`` the crossing time is
    located to the working precision; with ``"scipy"`` by ``solve_ivp``.

    Examples
    --------
    Record (without stopping) every upward crossing of ``v = 0`` for the
    oscillator ``x' = v, v' = -x`` started at ``(1, 0)``, where ``v = -sin t``:

    >>> import mpmath, sympy
    >>> x, v = sympy.symbols("x v")
    >>> oscillator = PolynomialFlow(state=(x, v), rhs=(v, -x))
    >>> upward = Event(v, terminal=False, direction=1, name="v up")
    >>> sol = integrate_flow(oscillator, [0, 4], [1, 0], events=[upward])
    >>> [(hit.index, hit.direction, hit.terminal) for hit in sol.events]
    [(0, 1, False)]
    >>> with mpmath.workdps(40):
    ...     abs(sol.events[0].t - mpmath.pi) < mpmath.mpf(10) ** -28
    True

    ``g`` may also be a callable of the state list:

    >>> sol = integrate_flow(oscillator, [0, 4], [1, 0], events=[Event(lambda y: y[1], terminal=False)])
    >>> len(sol.events)
    1
    """

    g: Any
    terminal: bool = True
    direction: int = 0
    name: str = ""


@dataclasses.dataclass(frozen=True, eq=False)
class EventHit:
    """A located zero crossing of an event function.

    Attributes
    ----------
    index : int
        Position of the event in the ``events`` argument.
    t : mpmath.mpf or float
        Crossing time (for the mpmath methods with all working digits, so that
        a restart from it loses nothing).
    y : numpy.ndarray
        State at ``t`` (dtype object holding ``mpf``, or float64).
    direction : int
        +1 if ``g`` increases through zero, -1 if it decreases.
    terminal : bool
        Whether the integration stopped here.

    Examples
    --------
    The oscillator ``x' = v, v' = -x`` from ``(1, 0)`` first reaches ``x = 0``
    at ``t = pi/2``, moving downwards, with ``v = -1`` there:

    >>> import mpmath, sympy
    >>> x, v = sympy.symbols("x v")
    >>> oscillator = PolynomialFlow(state=(x, v), rhs=(v, -x))
    >>> sol = integrate_flow(oscillator, [0, 1, 2, 3], [1, 0], events=[Event(x, name="x = 0")])
    >>> (hit,) = sol.events
    >>> hit.index, hit.direction, hit.terminal
    (0, -1, True)
    >>> mpmath.nstr(hit.t, 10), [mpmath.nstr(c, 10) for c in hit.y]
    ('1.570796327', ['0.0', '-1.0'])
    """

    index: int
    t: Any
    y: np.ndarray
    direction: int
    terminal: bool


@dataclasses.dataclass(frozen=True, eq=False)
class FlowSolution:
    """Solution of :func:`integrate_flow` at the requested times.

    Attributes
    ----------
    t : numpy.ndarray
        Output times, shape ``(T,)``; after a terminal event only the times up
        to the event time are kept.
    y : numpy.ndarray
        States, shape ``(T, n)``: dtype object holding ``mpmath.mpf`` rounded to
        ``dps`` digits for the mpmath methods, float64 for ``"scipy"``.
    method : str
        ``"taylor"``, ``"odefun"`` or ``"scipy"``.
    dps : int or None
        Decimal digits of the mpmath methods (None for ``"scipy"``).
    n_steps : int
        Number of integration steps (Taylor steps, :func:`mpmath.odefun` series,
        or :func:`scipy.integrate.solve_ivp` steps).
    events : tuple of EventHit
        Located event crossings, in time order.

    Examples
    --------
    >>> import sympy
    >>> x, v = sympy.symbols("x v")
    >>> oscillator = PolynomialFlow(state=(x, v), rhs=(v, -x))
    >>> sol = integrate_flow(oscillator, [0, 1, 2], [1, 0], dps=20)
    >>> sol.method, sol.dps, sol.t.shape, sol.y.shape, sol.events
    ('taylor', 20, (3,), (3, 2), ())
    >>> sol.y.dtype  # mpmath numbers
    dtype('O')
    >>> fast = integrate_flow(oscillator, [0, 1, 2], [1, 0], method="scipy")
    >>> fast.method, fast.dps, fast.y.dtype
    ('scipy', None, dtype('float64'))
    """

    t: np.ndarray
    y: np.ndarray
    method: str
    dps: int | None
    n_steps: int
    events: tuple = ()

    def as_float(self) -> FlowSolution:
        """The same solution with float64 arrays (times, states and event data)."""
        hits = tuple(dataclasses.replace(h, t=float(h.t), y=np.asarray(h.y, dtype=float)) for h in self.events)
        return dataclasses.replace(self, t=np.asarray(self.t, dtype=float),
                                   y=np.asarray(self.y, dtype=float).reshape(self.y.shape), events=hits)


def _normalize_events(flow: PolynomialFlow, events: Any) -> list[Event]:
    if events is None:
        return []
    if isinstance(events, (Event, str)) or callable(events) or hasattr(events, "free_symbols"):
        events = [events]
    import sympy

    known = set(flow.state) | set(flow.params)
    normalized = []
    for i, ev in enumerate(events):
        if not isinstance(ev, Event):
            ev = Event(ev)
        if ev.direction not in (-1, 0, 1):
            raise ValueError(f"events[{i}]: direction must be -1, 0 or 1, got {ev.direction!r}")
        g = ev.g
        if isinstance(g, sympy.Basic):
            g = sympy.sympify(g)
            stray = sorted(map(str, g.free_symbols - known))
            if stray:
                raise ValueError(f"events[{i}]: the expression {g} contains {', '.join(stray)}, "
                                 "which are neither state variables nor parameters")
            bad = _non_polynomial_part(g, frozenset(flow.state))
            if bad is not None:
                raise ValueError(f"events[{i}]: the expression is not polynomial in the state ({bad}); "
                                 "pass a callable g(y) instead")
            ev = dataclasses.replace(ev, g=g)
        elif not callable(g):
            raise ValueError(f"events[{i}] must be a sympy expression, a callable g(y) or an Event, got {g!r}")
        normalized.append(ev)
    return normalized


def _find_crossing(G: Callable, a: int, b: int, ga: Any, gb: Any) -> int:
    """Locate the sign change of ``G`` on the integer bracket ``[a, b]``.

    ``G(a)`` and ``G(b)`` lie in different classes (negative / non-negative).
    Illinois' variant of regula falsi, with a bisection whenever the bracket
    did not halve twice in a row.  Returns the first point of the new class
    once the bracket is one unit wide (or an exact zero of ``G``).
    """
    class_a = ga >= 0
    wa, wb = mpmath.mpf(ga), mpmath.mpf(gb)     # Illinois-weighted values
    retained = 0                                # +1: a kept last time, -1: b kept
    slow = 0
    while b - a > 1:
        width = b - a
        if slow >= 2 or wa == wb:
            c, slow = a + width // 2, 0
        else:
            c = a + int(wa / (wa - wb) * width)
        c = min(max(c, a + 1), b - 1)
        gc = G(c)
        if gc == 0:
            return c
        if (gc >= 0) == class_a:
            a, wa = c, mpmath.mpf(gc)
            if retained == -1:
                wb /= 2
            retained = -1
        else:
            b, wb = c, mpmath.mpf(gc)
            if retained == 1:
                wa /= 2
            retained = 1
        slow = slow + 1 if 2 * (b - a) > width else 0
    return b


class _EventScanner:
    """Detects and locates event crossings step by step (Taylor method)."""

    def __init__(self, flow: PolynomialFlow, events: list[Event], pvals: list, prec: int) -> None:
        import sympy

        self.events = events
        self.poly = [i for i, ev in enumerate(events) if isinstance(ev.g, sympy.Basic)]
        self.program = None
        if self.poly:
            exprs = tuple(events[i].g for i in self.poly)
            self.program = _compile_observer(flow.state, exprs)
            self.constants = _FixedConstants(self.program.constants, flow.params, pvals, prec)
        self.classes: list = [None] * len(events)   # sign class (g >= 0) at the current point

    def scan(self, series: list[list[int]], p: int, theta_end: int, frac_bits: int,
             log2_tol: float) -> list[tuple[int, int, int]]:
        """All crossings ``(theta, event index, direction)`` in ``[0, theta_end]``, sorted."""
        g_series = []
        if self.program is not None:
            g_series = self.program.observe_series(series, p, frac_bits, self.constants.at(frac_bits))
        output = {i: j for j, i in enumerate(self.poly)}

        def state_at(theta: int) -> list:
            return [_unfixed(_horner(s, theta, frac_bits), frac_bits) for s in series]

        found = []
        samples = [theta_end * j // _EVENT_SAMPLES for j in range(_EVENT_SAMPLES + 1)]
        for i, ev in enumerate(self.events):
            if i in output:
                coefficients = g_series[output[i]]

                def G(theta: int, coefficients: list = coefficients) -> int:
                    return _horner(coefficients, theta, frac_bits)

                zero_tol = 2.0 ** (log2_tol + frac_bits)
                after_zero = [c >= 0 for c in coefficients[1:] if c != 0]
            else:
                def G(theta: int, g: Callable = ev.g) -> mpmath.mpf:
                    value = mpmath.mpmathify(g(state_at(theta)))
                    if not isinstance(value, mpmath.mpf) or not mpmath.isfinite(value):
                        raise ValueError(f"events[{i}]: g returned {value!r}, not a finite real number")
                    return value

                zero_tol = mpmath.ldexp(1, math.floor(log2_tol))
                after_zero = None
            values = [G(theta) for theta in samples]
            start_class = self.classes[i]
            if start_class is None:  # t = 0: a value within tol of zero counts as zero
                start_class = values[0] >= 0
                if abs(values[0]) <= zero_tol:
                    if after_zero is None:
                        after_zero = [v >= 0 for v in values[1:] if abs(v) > zero_tol]
                    if after_zero:
                        start_class = after_zero[0]
                    values[0] = 1 if start_class else -1   # no crossing at t = 0 itself
            previous_class, previous = start_class, 0
            for j, theta in enumerate(samples):
                current_class = values[j] >= 0
                if current_class != previous_class:
                    direction = 1 if current_class else -1
                    if j == 0:
                        root = 0
                    else:
                        root = _find_crossing(G, previous, theta, values[j - 1], values[j])
                    if ev.direction in (0, direction):
                        found.append((root, i, direction))
                previous_class, previous = current_class, theta
            self.classes[i] = previous_class
        found.sort()
        return found


# ---------------------------------------------------------------------------
# Input validation
# ---------------------------------------------------------------------------


def _check_dps(dps: Any) -> None:
    if isinstance(dps, bool) or not isinstance(dps, (int, np.integer)) or dps < 15:
        raise ValueError(f"dps must be an integer >= 15, got {dps!r}")


def _to_mpf(value: Any, what: str) -> mpmath.mpf:
    """Convert a real number to ``mpf`` at the working precision.

    Python/numpy floats and integers, and ``Fraction`` with power-of-two
    denominators, convert exactly; strings and other rationals are rounded to
    the working precision.
    """
    try:
        if isinstance(value, mpmath.mpf):
            x = value
        elif isinstance(value, (float, np.floating)):
            x = mpmath.mpf(float(value)) if np.finfo(type(value)).bits <= 64 else mpmath.mpf(str(value))
        elif isinstance(value, (int, np.integer)):
            x = mpmath.mpf(int(value))
        elif isinstance(value, Fraction):
            x = mpmath.mpf(value.numerator) / value.denominator
        elif isinstance(value, str):
            x = mpmath.mpf(value)
        elif type(value).__module__.startswith("sympy"):
            import sympy

            v = sympy.sympify(value)
            if v.is_Rational:
                x = mpmath.mpf(int(v.p)) / int(v.q)
            elif v.is_number and v.is_real is not False:
                x = mpmath.mpf(v.evalf(mpmath.mp.dps + 5)._mpf_)
            else:
                raise TypeError
        else:
            x = mpmath.mpmathify(value)
    except (TypeError, ValueError, AttributeError):
        raise ValueError(f"{what} must be a real number, got {value!r}") from None
    if not isinstance(x, mpmath.mpf):
        raise ValueError(f"{what} must be a real number, got {value!r}")
    if not mpmath.isfinite(x):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return x


def _as_vector(values: Any, what: str) -> list:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise ValueError(f"{what} must be a one-dimensional sequence of numbers, got {values!r}")
    array = np.empty(len(values), dtype=object)
    array[:] = list(values)
    for entry in array:
        if isinstance(entry, (list, tuple, np.ndarray)):
            raise ValueError(f"{what} must be one-dimensional")
    return list(array)


def _convert_times(t: Any, convert: Callable) -> list:
    entries = _as_vector(t, "t")
    if not entries:
        raise ValueError("t must contain at least one time")
    times = [convert(v, f"t[{i}]") for i, v in enumerate(entries)]
    if times[0] < 0:
        raise ValueError(f"t must start at or after 0 (integration starts at t = 0), got t[0] = {entries[0]!r}")
    for i in range(1, len(times)):
        if not times[i] > times[i - 1]:
            raise ValueError(f"t must be strictly increasing, but t[{i}] = {entries[i]!r} "
                             f"follows t[{i - 1}] = {entries[i - 1]!r}")
    return times


def _convert_y0(flow: PolynomialFlow, y0: Any, convert: Callable) -> list:
    entries = _as_vector(y0, "y0")
    if len(entries) != len(flow.state):
        raise ValueError(f"y0 has {len(entries)} entries but the flow has {len(flow.state)} state "
                         f"variables ({', '.join(s.name for s in flow.state)})")
    return [convert(v, f"y0[{i}]") for i, v in enumerate(entries)]


def _resolve_params(flow: PolynomialFlow, params: Mapping | None, convert: Callable) -> list:
    """Parameter values in the order of ``flow.params`` (keys: symbols or names)."""
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        raise ValueError(f"params must be a mapping from parameter (symbol or name) to value, got {params!r}")
    names = [s.name for s in flow.params]
    values: dict = {}
    for key, value in params.items():
        name = key if isinstance(key, str) else getattr(key, "name", None)
        if name not in names:
            raise ValueError(f"params: {key!r} is not a parameter of the flow "
                             f"(parameters: {', '.join(names) or 'none'})")
        if name in values:
            raise ValueError(f"params: {name} is given twice")
        values[name] = convert(value, f"params[{name!r}]")
    missing = [nm for nm in names if nm not in values]
    if missing:
        raise ValueError(f"params: missing value for {', '.join(missing)}")
    return [values[nm] for nm in names]


def _tolerance(value: Any, what: str, *, allow_zero: bool) -> mpmath.mpf:
    x = _to_mpf(value, what)
    if x < 0 or (x == 0 and not allow_zero):
        raise ValueError(f"{what} must be {'non-negative' if allow_zero else 'positive'}, got {value!r}")
    return x


# ---------------------------------------------------------------------------
# Integration
# ---------------------------------------------------------------------------


def integrate_flow(
    flow: PolynomialFlow,
    t: Sequence,
    y0: Sequence,
    params: Mapping | None = None,
    *,
    dps: int = 30,
    method: str = "taylor",
    rtol: Any = None,
    atol: Any = None,
    events: Sequence | None = None,
    ivp_method: Any = None,
    max_steps: int = 100_000,
) -> FlowSolution:
    r"""Integrate a polynomial flow from ``t = 0`` and report the state at the times ``t``.

    Parameters
    ----------
    flow : PolynomialFlow
        The vector field.
    t : sequence of numbers
        Strictly increasing output times, ``t[0] >= 0``.  Numbers are converted
        exactly where possible (floats and ints exactly, strings at the working
        precision).
    y0 : sequence of numbers
        The state at ``t = 0`` (one entry per state variable).
    params : mapping, optional
        Value of every parameter of the flow, keyed by symbol or by name.
    dps : int
        Decimal digits (at least 15) for the mpmath methods.
    method : {"taylor", "odefun", "scipy"}
        ``"taylor"``: this module's Taylor integrator (see the module
        docstring).  ``"odefun"``: :func:`mpmath.odefun` at ``dps`` digits
        (slow; for comparison).  ``"scipy"``: float64,
        :func:`scipy.integrate.solve_ivp`.
    rtol, atol : number, optional
        ``"taylor"``: local tolerance ``max(atol, rtol*|x|)`` per step (default
        ``10**-(dps + 3)`` for both; ``atol=0`` asks for relative accuracy).
        ``"scipy"``: passed to ``solve_ivp`` (defaults ``1e-10``, ``1e-12``).
        ``"odefun"``: ``rtol`` is passed as ``tol``; ``atol`` is not accepted.
    events : sequence of Event, sympy.Expr or callable, optional
        Functions of the state whose zero crossings are located (see
        :class:`Event`); a bare expression or callable is a terminal event.
        Supported by ``"taylor"`` and ``"scipy"``.
    ivp_method : str or scipy OdeSolver, optional
        Solver of ``solve_ivp`` for ``method="scipy"`` (default ``"DOP853"``).
        The analytic Jacobian is supplied to ``"Radau"``, ``"BDF"`` and ``"LSODA"``.
    max_steps : int
        ``"taylor"`` only: give up (``RuntimeError``) after this many steps,
        e.g. when the solution blows up in finite time.

    Returns
    -------
    FlowSolution

    Raises
    ------
    ValueError
        For invalid arguments; the message names the argument.
    RuntimeError
        If the integration cannot proceed (blow-up, step-size underflow,
        ``solve_ivp`` failure).

    Examples
    --------
    >>> import mpmath, sympy
    >>> x, v = sympy.symbols("x v")
    >>> oscillator = PolynomialFlow(state=(x, v), rhs=(v, -x))
    >>> sol = integrate_flow(oscillator, [0, 1, 10], [1, 0], dps=30)
    >>> sol.y.shape
    (3, 2)
    >>> with mpmath.workdps(40):
    ...     error = abs(sol.y[2, 0] - mpmath.cos(10))
    >>> error < mpmath.mpf(10) ** -28
    True

    Stop where ``x`` first vanishes, at :math:`t = \pi/2`:

    >>> sol = integrate_flow(oscillator, [0, 1, 2, 3], [1, 0], events=[x])
    >>> len(sol.t), sol.events[0].direction
    (2, -1)
    >>> with mpmath.workdps(40):
    ...     abs(sol.events[0].t - mpmath.pi / 2) < mpmath.mpf(10) ** -28
    True
    """
    if not isinstance(flow, PolynomialFlow):
        raise ValueError(f"flow must be a PolynomialFlow, got {type(flow).__name__}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))}, got {method!r}")
    _check_dps(dps)
    dps = int(dps)
    if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) or max_steps < 1:
        raise ValueError(f"max_steps must be a positive integer, got {max_steps!r}")
    if ivp_method is not None and method != "scipy":
        raise ValueError("ivp_method is only used with method='scipy'")
    if atol is not None and method == "odefun":
        raise ValueError("atol is not supported by method='odefun' (rtol is passed to mpmath.odefun as tol)")
    event_list = _normalize_events(flow, events)
    if event_list and method == "odefun":
        raise ValueError("events are supported with method='taylor' or 'scipy', not 'odefun'")

    # Precision for converting inputs: enough for dps and the requested tolerances.
    with mpmath.workprec(_bits(dps) + 64):
        rtol_v = None if rtol is None else _tolerance(rtol, "rtol", allow_zero=False)
        atol_v = None if atol is None else _tolerance(atol, "atol", allow_zero=True)
    if method == "taylor":
        default = mpmath.mpf(10) ** -(dps + _TOLERANCE_GUARD_DIGITS)
        rtol_v = default if rtol_v is None else rtol_v
        atol_v = default if atol_v is None else atol_v
        eps = min(rtol_v, atol_v) if atol_v > 0 else rtol_v
        log2_eps = float(mpmath.log(eps, 2))
        wp = max(_bits(dps), math.ceil(-log2_eps)) + 64
    else:
        wp = _bits(dps) + 64

    with mpmath.workprec(wp):
        times = _convert_times(t, _to_mpf)
        x0 = _convert_y0(flow, y0, _to_mpf)
        pvals = _resolve_params(flow, params, _to_mpf)
        if method == "taylor":
            return _integrate_taylor(flow, times, x0, pvals, dps=dps, wp=wp, rtol=rtol_v, atol=atol_v,
                                     events=event_list, max_steps=int(max_steps))
        if method == "odefun":
            return _integrate_odefun(flow, times, x0, pvals, dps=dps, tol=rtol_v)
        scipy_rtol = 1e-10 if rtol_v is None else float(rtol_v)
        scipy_atol = 1e-12 if atol_v is None else float(atol_v)
        return _integrate_scipy(flow, times, x0, pvals, rtol=scipy_rtol, atol=scipy_atol,
                                ivp_method=ivp_method or "DOP853", events=event_list)


def _step_fraction(series: list[list[int]], p: int, log2_tol_fixed: float) -> float:
    r"""Jorba-Zou step as a fraction :math:`\theta = h/\tau` of the series scale.

    ``series`` are the fixed-point coefficients of the rescaled series and
    ``log2_tol_fixed`` is :math:`\log_2(\mathrm{tol}\,2^P)`.  A coefficient that
    is zero in fixed point is bounded by one unit (:math:`2^{-P}`), so a
    vanishing tail (e.g. a polynomial solution) allows the full step
    :math:`\theta \ge 1`.
    """
    exponents = []
    for j in (p - 1, p):
        norm = max(max(abs(s[j]) for s in series), 1)
        exponents.append((log2_tol_fixed - math.log2(norm)) / j)
    return _STEP_SAFETY * 2.0 ** min(exponents)


def _integrate_taylor(flow: PolynomialFlow, times: list, x0: list, pvals: list, *, dps: int, wp: int,
                      rtol: mpmath.mpf, atol: mpmath.mpf, events: list[Event], max_steps: int) -> FlowSolution:
    program = flow._program
    log2_rtol = float(mpmath.log(rtol, 2))
    log2_atol = float(mpmath.log(atol, 2)) if atol > 0 else -math.inf
    eps_log2 = min(log2_rtol, log2_atol) if atol > 0 else log2_rtol
    order = math.ceil(-0.5 * eps_log2 * math.log(2)) + 1     # Jorba & Zou: p = ceil(-ln(eps)/2) + 1

    constants = _FixedConstants(program.constants, flow.params, pvals, wp + 32)
    scanner = _EventScanner(flow, events, pvals, wp + 32) if events else None
    guard = _GUARD_BITS + constants.magnitude_bits + (scanner.constants.magnitude_bits
                                                         if scanner and scanner.program else 0)

    def round_out(v: mpmath.mpf) -> mpmath.mpf:
        with mpmath.workdps(dps):
            return +v

    n_times, n = len(times), len(x0)
    rows: list = []
    hits: list[EventHit] = []
    t_end = times[-1]
    while len(rows) < n_times and times[len(rows)] == 0:
        rows.append([round_out(v) for v in x0])

    # The state at the start of a step, in fixed point with frac_bits fractional bits; the
    # first step starts from the exact input values instead (x_exact).
    frac_bits, x, x_exact = 0, [], x0
    t_n = mpmath.mpf(0)
    s = 0                                    # tau = 2**s
    n_steps = 0
    stopped = False
    while len(rows) < n_times and not stopped:
        if n_steps >= max_steps:
            raise RuntimeError(f"max_steps={max_steps} reached at t = {mpmath.nstr(t_n, 15)} "
                               "(does the solution blow up?)")
        # Local tolerance and fixed-point precision for this step.
        if x_exact is not None:
            log2_norm = max((float(mpmath.log(abs(v), 2)) for v in x_exact if v), default=-math.inf)
        else:
            log2_norm = max(map(_log2_abs, x)) - frac_bits
        log2_tol = max(log2_atol, log2_rtol + log2_norm)
        if log2_tol == -math.inf:
            log2_tol = log2_rtol   # zero state and atol = 0
        # Fractional bits: below the tolerance, and fine enough for the step fractions theta.
        new_bits = math.ceil(-min(log2_tol, log2_rtol)) + guard
        if x_exact is not None:
            x = [_fixed(v, new_bits) for v in x_exact]
            x_exact = None
        elif new_bits >= frac_bits:
            x = [m << (new_bits - frac_bits) for m in x]
        else:
            x = [m >> (frac_bits - new_bits) for m in x]
        frac_bits = new_bits
        log2_tol_fixed = log2_tol + frac_bits
        c = constants.at(frac_bits)

        for attempt in range(4):
            series = program.flow_series(x, order, frac_bits, max(s, 0), max(-s, 0), c)
            theta = _step_fraction(series, order, log2_tol_fixed)
            if theta >= _RESCALE_THRESHOLD or attempt == 3:
                break
            s += math.floor(math.log2(theta))   # the series scale was far too long: shrink tau
        tau = mpmath.ldexp(1, s)
        theta = min(theta, 1.0)                  # never step beyond tau (see module docstring)
        remaining = (t_end - t_n) / tau
        last = theta >= remaining
        theta_end = _fixed(remaining, frac_bits) if last else _fixed(mpmath.mpf(theta), frac_bits)
        if theta_end <= 0:
            raise RuntimeError(f"step size underflow at t = {mpmath.nstr(t_n, 15)} (does the solution blow up?)")

        stop_theta, t_stop = theta_end, (t_end if last else t_n + mpmath.ldexp(theta_end, s - frac_bits))
        if scanner is not None:
            for root, index, direction in scanner.scan(series, order, theta_end, frac_bits, log2_tol):
                t_hit = t_n + mpmath.ldexp(root, s - frac_bits)
                y_hit = np.array([_unfixed(_horner(ser, root, frac_bits), frac_bits) for ser in series],
                                 dtype=object)
                terminal = events[index].terminal
                hits.append(EventHit(index=index, t=t_hit, y=y_hit, direction=direction, terminal=terminal))
                if terminal:
                    stop_theta, t_stop, stopped = root, t_hit, True
                    break

        # Dense output inside [t_n, t_stop].
        while len(rows) < n_times and times[len(rows)] <= t_stop:
            theta_out = min(_fixed((times[len(rows)] - t_n) / tau, frac_bits), stop_theta)
            rows.append([round_out(_unfixed(_horner(ser, theta_out, frac_bits), frac_bits)) for ser in series])

        if not stopped and not t_stop > t_n:
            raise RuntimeError(f"step size underflow at t = {mpmath.nstr(t_n, 15)} (does the solution blow up?)")
        x = [_horner(ser, stop_theta, frac_bits) for ser in series]
        t_n = t_stop
        n_steps += 1
        s += math.ceil(math.log2(2 * theta))   # next tau in [2h, 4h)

    y = np.empty((len(rows), n), dtype=object)
    for i, row in enumerate(rows):
        y[i, :] = row
    return FlowSolution(t=np.array(times[: len(rows)], dtype=object), y=y, method="taylor", dps=dps,
                        n_steps=n_steps, events=tuple(hits))


def _integrate_odefun(flow: PolynomialFlow, times: list, x0: list, pvals: list, *, dps: int,
                      tol: mpmath.mpf | None) -> FlowSolution:
    F = flow._mpmath_rhs
    with mpmath.workdps(dps):
        solution = mpmath.odefun(lambda _t, y: F(y, pvals), 0, x0, tol=tol)
        rows = [solution(tk) for tk in times]
    y = np.empty((len(times), len(x0)), dtype=object)
    for i, row in enumerate(rows):
        y[i, :] = row
    return FlowSolution(t=np.array(times, dtype=object), y=y, method="odefun", dps=dps,
                        n_steps=_odefun_series_count(solution), events=())


def _odefun_series_count(solution: Callable) -> int:
    """Number of Taylor series mpmath.odefun generated (read from its closures; 0 if unavailable)."""

    def cells(function: Any) -> dict:
        code, closure = getattr(function, "__code__", None), getattr(function, "__closure__", None)
        return dict(zip(code.co_freevars, closure)) if code is not None and closure else {}

    found = cells(solution)
    if "get_series" in found:
        found = cells(found["get_series"].cell_contents)
    return len(found["series_data"].cell_contents) if "series_data" in found else 0


def _integrate_scipy(flow: PolynomialFlow, times: list, x0: list, pvals: list, *, rtol: float, atol: float,
                     ivp_method: Any, events: list[Event]) -> FlowSolution:
    from scipy.integrate import solve_ivp

    t_eval = np.array([float(v) for v in times])
    y_start = np.array([float(v) for v in x0])
    p_float = [float(v) for v in pvals]
    rhs = flow._numpy_rhs

    def fun(_t: float, y: np.ndarray) -> np.ndarray:
        return np.asarray(rhs(y, p_float), dtype=float)

    options: dict = {}
    if ivp_method in _IMPLICIT_IVP_METHODS:
        jacobian = flow._numpy_jacobian
        options["jac"] = lambda _t, y: np.asarray(jacobian(y, p_float), dtype=float)

    y_dot = fun(0.0, y_start)
    event_functions = [_ScipyEvent(flow, ev, p_float, y_start, y_dot, atol) for ev in events]

    if t_eval[-1] == 0:
        y = y_start[None, :].copy()
        return FlowSolution(t=t_eval, y=y, method="scipy", dps=None, n_steps=0, events=())
    result = solve_ivp(fun, (0.0, float(t_eval[-1])), y_start, method=ivp_method, t_eval=t_eval,
                       rtol=rtol, atol=atol, dense_output=True, events=event_functions or None, **options)
    if result.status == -1:
        raise RuntimeError(f"solve_ivp failed: {result.message}")
    hits = []
    for index, (t_ev, y_ev) in enumerate(zip(result.t_events or [], result.y_events or [])):
        g = event_functions[index]
        for tk, yk in zip(t_ev, y_ev):
            direction = events[index].direction or g.slope_sign(yk, fun(tk, yk))
            hits.append(EventHit(index=index, t=float(tk), y=np.asarray(yk, dtype=float),
                                 direction=direction, terminal=bool(events[index].terminal)))
    hits.sort(key=lambda h: h.t)
    n_steps = len(result.sol.ts) - 1 if result.sol is not None else 0
    return FlowSolution(t=np.asarray(result.t, dtype=float), y=np.asarray(result.y, dtype=float).T,
                        method="scipy", dps=None, n_steps=n_steps, events=tuple(hits))


class _ScipyEvent:
    """An event function in the form solve_ivp expects (``g(t, y)`` with attributes).

    As for the Taylor method, a value within ``atol`` of zero at ``t = 0`` is not
    a crossing: there the function returns a tiny number with the sign toward
    which the flow moves ``g``.
    """

    def __init__(self, flow: PolynomialFlow, event: Event, p_float: list, y0: np.ndarray,
                 y_dot0: np.ndarray, atol: float) -> None:
        import sympy

        if isinstance(event.g, sympy.Basic):
            compiled = sympy.lambdify([list(flow.state), list(flow.params)], event.g, "numpy")
            self._g = lambda y: float(compiled(y, p_float))
        else:
            self._g = lambda y: float(event.g(y))
        self.terminal = bool(event.terminal)
        self.direction = float(event.direction)
        g0 = self._g(y0)
        self._start = g0 if abs(g0) > atol else self.slope_sign(y0, y_dot0) * 1e-300

    def slope_sign(self, y: np.ndarray, y_dot: np.ndarray) -> int:
        """Sign of dg/dt along the flow (central difference)."""
        delta = 1e-7 / max(1.0, float(np.max(np.abs(y_dot))))
        return 1 if self._g(y + delta * y_dot) >= self._g(y - delta * y_dot) else -1

    def __call__(self, t: float, y: np.ndarray) -> float:
        return self._start if t == 0 else self._g(y)


# ---------------------------------------------------------------------------
# The single neuron f(x) = a w^T x
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def single_neuron_flow(d: int) -> PolynomialFlow:
    r"""Gradient flow of the single neuron :math:`f(x) = a\,w^\top x` on squared loss.

    With :math:`C = X^\top X`, :math:`b = X^\top y` and
    :math:`g = C (a w) - b` (the gradient of :math:`\tfrac12\|y - a X w\|^2`
    with respect to :math:`a w`):

    .. math:: \dot a = -\eta_a\, w^\top g, \qquad \dot w = -\eta_w\, a\, g.

    Parameters
    ----------
    d : int
        Input dimension.

    Returns
    -------
    PolynomialFlow
        State ``(a, w_1, ..., w_d)``; parameters ``eta_a, eta_w``, the upper
        triangle ``C_i_j`` (``i <= j``, 1-based) of :math:`X^\top X` and
        ``b_1, ..., b_d``.  The same object is returned for the same ``d``,
        so it is compiled once.

    Examples
    --------
    >>> flow = single_neuron_flow(2)
    >>> [s.name for s in flow.state]
    ['a', 'w_1', 'w_2']
    >>> [s.name for s in flow.params]
    ['eta_a', 'eta_w', 'C_1_1', 'C_1_2', 'C_2_2', 'b_1', 'b_2']
    >>> flow.n_products   # a*w_j, w_i*g_i and a*g_i: 3 d
    6
    """
    import sympy

    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
        raise ValueError(f"d must be a positive integer, got {d!r}")
    d = int(d)
    a = sympy.Symbol("a", real=True)
    w = [sympy.Symbol(f"w_{i + 1}", real=True) for i in range(d)]
    eta_a, eta_w = sympy.Symbol("eta_a", positive=True), sympy.Symbol("eta_w", positive=True)
    upper = {(i, j): sympy.Symbol(f"C_{i + 1}_{j + 1}", real=True) for i in range(d) for j in range(i, d)}
    b = [sympy.Symbol(f"b_{i + 1}", real=True) for i in range(d)]

    def C(i: int, j: int) -> sympy.Symbol:
        return upper[min(i, j), max(i, j)]

    g = [sum((C(i, j) * a * w[j] for j in range(d)), sympy.S.Zero) - b[i] for i in range(d)]
    rhs = [-eta_a * sum((w[i] * g[i] for i in range(d)), sympy.S.Zero)] + [-eta_w * a * g[i] for i in range(d)]
    return PolynomialFlow(state=(a, *w), rhs=tuple(rhs), params=(eta_a, eta_w, *upper.values(), *b),
                          name=f"single neuron, d={d}")


def _as_matrix(values: Any, what: str, shape: tuple) -> list[list]:
    """Convert a ``shape``-shaped array-like to a list of rows of ``mpf``."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__") or len(values) != shape[0]:
        raise ValueError(f"{what} must have shape {shape}")
    matrix = []
    for i, row in enumerate(values):
        if isinstance(row, (str, bytes)) or not hasattr(row, "__len__") or len(row) != shape[1]:
            raise ValueError(f"{what} must have shape {shape}; row {i} is {row!r}")
        matrix.append([_to_mpf(v, f"{what}[{i}][{j}]") for j, v in enumerate(row)])
    return matrix


def integrate_single_neuron(
    t: Sequence,
    a0: Any,
    w0: Sequence,
    X: Any = None,
    y: Any = None,
    eta_a: Any = 1.0,
    eta_w: Any = 1.0,
    *,
    XtX: Any = None,
    Xty: Any = None,
    dps: int = 30,
    method: str = "taylor",
) -> tuple[np.ndarray, np.ndarray]:
    r"""Integrate the single-neuron flow (:func:`single_neuron_flow`) on data.

    Parameters
    ----------
    t : sequence of numbers
        Output times (strictly increasing, from ``t >= 0``).
    a0 : number
        Initial output weight.
    w0 : sequence of numbers
        Initial input weights, length ``d``.
    X, y : array-like, optional
        Data, shapes ``(n, d)`` and ``(n,)``.  :math:`X^\top X` and
        :math:`X^\top y` are accumulated exactly and rounded once at
        ``dps + 20`` digits.
    eta_a, eta_w : number
        Learning rates.
    XtX, Xty : array-like, keyword-only, optional
        Give :math:`X^\top X` (``(d, d)``, symmetric) and :math:`X^\top y`
        (``(d,)``) directly instead of ``X, y`` (e.g. whitened data,
        ``XtX = I`` and ``Xty = beta_star``).
    dps : int
        Decimal digits (mpmath methods).
    method : {"taylor", "odefun", "scipy"}
        As in :func:`integrate_flow`.

    Returns
    -------
    a : numpy.ndarray, shape (T,)
    w : numpy.ndarray, shape (T, d)
        ``mpmath.mpf`` objects (mpmath methods) or float64 (``"scipy"``).

    Notes
    -----
    All numbers given as Python or numpy floats are converted to ``mpf``
    exactly (a float is a dyadic rational); write ``"0.1"`` (a string) or
    ``Fraction(1, 10)`` to mean the decimal 1/10 at the working precision.

    Examples
    --------
    >>> import mpmath
    >>> a, w = integrate_single_neuron([0, 1, 2], 0.3, [0.2, -0.1], XtX=[[1, 0], [0, 1]],
    ...                                Xty=[0.5, 0.2], dps=30)
    >>> a.shape, w.shape
    ((3,), (3, 2))
    >>> with mpmath.workdps(30):   # a^2 - |w|^2 is conserved
    ...     delta = [a[i] ** 2 - w[i, 0] ** 2 - w[i, 1] ** 2 for i in range(3)]
    ...     max(abs(dk - delta[0]) for dk in delta) < mpmath.mpf(10) ** -27
    True
    """
    _check_dps(dps)
    w_entries = _as_vector(w0, "w0")
    d = len(w_entries)
    if d == 0:
        raise ValueError("w0 must contain at least one weight")
    with mpmath.workdps(int(dps) + 20):
        if XtX is None and Xty is None:
            if X is None or y is None:
                raise ValueError("give the data either as X and y, or as XtX and Xty")
            n = len(X) if hasattr(X, "__len__") and not isinstance(X, (str, bytes)) else -1
            Xm = _as_matrix(X, "X", (n, d))
            ym = [_to_mpf(v, f"y[{i}]") for i, v in enumerate(_as_vector(y, "y"))]
            if len(ym) != n:
                raise ValueError(f"y has {len(ym)} entries but X has {n} rows")
            columns = [[row[j] for row in Xm] for j in range(d)]
            C = [[mpmath.fdot(columns[i], columns[j]) for j in range(d)] for i in range(d)]
            bvec = [mpmath.fdot(columns[i], ym) for i in range(d)]
        else:
            if X is not None or y is not None:
                raise ValueError("give the data either as X and y, or as XtX and Xty, not both")
            if XtX is None or Xty is None:
                raise ValueError("XtX and Xty must be given together")
            C = _as_matrix(XtX, "XtX", (d, d))
            for i in range(d):
                for j in range(i):
                    if C[i][j] != C[j][i]:
                        raise ValueError(f"XtX must be symmetric: XtX[{i}][{j}] != XtX[{j}][{i}]")
            bvec = [_to_mpf(v, f"Xty[{i}]") for i, v in enumerate(_as_vector(Xty, "Xty"))]
            if len(bvec) != d:
                raise ValueError(f"Xty has {len(bvec)} entries but w0 has {d}")
    params: dict = {"eta_a": eta_a, "eta_w": eta_w}
    for i in range(d):
        for j in range(i, d):
            params[f"C_{i + 1}_{j + 1}"] = C[i][j]
        params[f"b_{i + 1}"] = bvec[i]
    solution = integrate_flow(single_neuron_flow(d), t, [a0, *w_entries], params, dps=dps, method=method)
    return solution.y[:, 0], solution.y[:, 1:]
