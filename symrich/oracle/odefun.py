"""The mpmath reference integrator: :func:`mpmath.odefun` on a :class:`~symrich.oracle.PolynomialFlow`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np

from symrich.oracle.flow import PolynomialFlow
from symrich.oracle.solution import FlowSolution

__all__ = ["integrate_odefun"]


def integrate_odefun(flow: PolynomialFlow, times: list, x0: list, pvals: list, *, dps: int,
                     tol: mpmath.mpf | None) -> FlowSolution:
    """Integrate ``flow`` with :func:`mpmath.odefun` at ``dps`` digits (``method="odefun"``).

    ``times``, ``x0`` and ``pvals`` (parameter values in the order of
    ``flow.params``) are ``mpf``, converted and checked as
    :func:`~symrich.oracle.integrate_flow` does; ``tol`` is passed to
    :func:`mpmath.odefun` (None: its default).  Slow: it serves as an
    independent check of the Taylor method.

    Examples
    --------
    >>> import mpmath, sympy
    >>> from symrich.oracle import PolynomialFlow
    >>> y = sympy.Symbol("y")
    >>> growth = PolynomialFlow(state=(y,), rhs=(y**2,))     # y = 1/(1 - t)
    >>> sol = integrate_odefun(growth, [mpmath.mpf(0), mpmath.mpf("0.5")], [mpmath.mpf(1)], [], dps=20, tol=None)
    >>> sol.method, mpmath.nstr(sol.y[1, 0], 15)
    ('odefun', '2.0')
    """
    F = flow.mpmath_rhs
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

