"""The polynomial vector field: :class:`PolynomialFlow` (definition, checks, compiled forms)."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence

import mpmath
import numpy as np

from symrich.oracle.fixedpoint import FixedConstants, bits, fixed, unfixed
from symrich.oracle.inputs import check_dps, convert_y0, resolve_params
from symrich.oracle.program import Program, compile_flow, non_polynomial_part

__all__ = ["PolynomialFlow"]


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
            bad = non_polynomial_part(expr, frozenset(state))
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
    def program(self) -> Program:
        """The compiled Taylor-coefficient recurrence (:func:`~symrich.oracle.program.compile_flow`)."""
        return compile_flow(self.state, self.rhs)

    @property
    def taylor_source(self) -> str:
        """Python source of the compiled Taylor-coefficient recurrence (for reading)."""
        return self.program.source

    @property
    def n_products(self) -> int:
        """Number of series products (Cauchy products) in the compiled recurrence."""
        return self.program.n_products

    @functools.cached_property
    def numpy_rhs(self) -> Callable:
        """:math:`F` as a NumPy function ``F(y, p)`` (``p``: parameter values in the order of ``params``)."""
        import sympy

        return sympy.lambdify([list(self.state), list(self.params)], list(self.rhs), "numpy", cse=True)

    @functools.cached_property
    def numpy_jacobian(self) -> Callable:
        """The Jacobian :math:`\\partial F/\\partial x` as a NumPy function ``J(y, p)`` (nested lists)."""
        import sympy

        jac = sympy.Matrix(self.rhs).jacobian(sympy.Matrix(self.state))
        return sympy.lambdify([list(self.state), list(self.params)], jac.tolist(), "numpy", cse=True)

    @functools.cached_property
    def mpmath_rhs(self) -> Callable:
        """:math:`F` as an mpmath function ``F(y, p)`` (the function used by ``method="odefun"``)."""
        import sympy

        return sympy.lambdify([list(self.state), list(self.params)], list(self.rhs), "mpmath", cse=True)

    def rhs_float(self, y: Sequence[float], params: Mapping | None = None) -> np.ndarray:
        """Evaluate :math:`F(y)` in float64 (the function used by ``method="scipy"``)."""
        pvals = [float(v) for v in resolve_params(self.params, params)]
        return np.asarray(self.numpy_rhs(np.asarray(y, dtype=float), pvals), dtype=float)

    def jacobian_float(self, y: Sequence[float], params: Mapping | None = None) -> np.ndarray:
        """Evaluate the Jacobian :math:`\\partial F/\\partial x` at ``y`` in float64."""
        pvals = [float(v) for v in resolve_params(self.params, params)]
        return np.asarray(self.numpy_jacobian(np.asarray(y, dtype=float), pvals), dtype=float)

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
        check_dps(dps)
        if not isinstance(order, (int, np.integer)) or isinstance(order, bool) or order < 1:
            raise ValueError(f"order must be an integer >= 1, got {order!r}")
        order = int(order)
        wp = bits(dps) + 64
        with mpmath.workprec(wp):
            x0 = convert_y0(self.state, y0)
            pvals = resolve_params(self.params, params)
            constants = FixedConstants(self.program.constants, self.params, pvals, wp)
            scale = max([mpmath.mpf(1)] + [abs(v) for v in x0])
            frac_bits = wp + constants.magnitude_bits + max(0, int(mpmath.log(scale, 2)))
            x_fixed = [fixed(v, frac_bits) for v in x0]
            series = self.program.flow_series(x_fixed, order, frac_bits, 0, 0, constants.at(frac_bits))
            with mpmath.workdps(dps):
                return [[+unfixed(c, frac_bits) for c in s] for s in series]
