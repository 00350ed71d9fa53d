"""Integration of a :class:`~symrich.oracle.PolynomialFlow`: :func:`integrate_flow`.

It checks and converts the arguments once (:mod:`symrich.oracle.inputs`), at
a working precision fitting ``dps`` and the tolerances, and hands them to one of
the three integrators in :data:`METHODS`: the fixed-point Taylor method
(:mod:`symrich.oracle.taylor`), :func:`mpmath.odefun`
(:mod:`symrich.oracle.odefun`) and :func:`scipy.integrate.solve_ivp`
(:mod:`symrich.oracle.scipy_ivp`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import mpmath
import numpy as np

from symrich.oracle.events import normalize_events
from symrich.oracle.fixedpoint import bits
from symrich.oracle.flow import PolynomialFlow
from symrich.oracle.inputs import check_dps, convert_times, convert_y0, resolve_params, tolerance
from symrich.oracle.odefun import integrate_odefun
from symrich.oracle.scipy_ivp import integrate_scipy
from symrich.oracle.solution import FlowSolution
from symrich.oracle.taylor import integrate_taylor

__all__ = ["METHODS", "integrate_flow"]

#: The integrators of :func:`integrate_flow` (its ``method`` argument).
METHODS = ("taylor", "odefun", "scipy")
#: Extra decimal digits of the local tolerance beyond ``dps`` (Taylor method).
_TOLERANCE_GUARD_DIGITS = 3


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
        ``"taylor"``: the Taylor integrator of :mod:`symrich.oracle` (see the
        numerics section there).  ``"odefun"``: :func:`mpmath.odefun` at ``dps`` digits
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
    >>> from symrich.oracle import PolynomialFlow
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
    check_dps(dps)
    dps = int(dps)
    if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) or max_steps < 1:
        raise ValueError(f"max_steps must be a positive integer, got {max_steps!r}")
    if ivp_method is not None and method != "scipy":
        raise ValueError("ivp_method is only used with method='scipy'")
    if atol is not None and method == "odefun":
        raise ValueError("atol is not supported by method='odefun' (rtol is passed to mpmath.odefun as tol)")
    event_list = normalize_events(flow, events)
    if event_list and method == "odefun":
        raise ValueError("events are supported with method='taylor' or 'scipy', not 'odefun'")

    # Precision for converting inputs: enough for dps and the requested tolerances.
    with mpmath.workprec(bits(dps) + 64):
        rtol_v = None if rtol is None else tolerance(rtol, "rtol", allow_zero=False)
        atol_v = None if atol is None else tolerance(atol, "atol", allow_zero=True)
    if method == "taylor":
        default = mpmath.mpf(10) ** -(dps + _TOLERANCE_GUARD_DIGITS)
        rtol_v = default if rtol_v is None else rtol_v
        atol_v = default if atol_v is None else atol_v
        eps = min(rtol_v, atol_v) if atol_v > 0 else rtol_v
        log2_eps = float(mpmath.log(eps, 2))
        wp = max(bits(dps), math.ceil(-log2_eps)) + 64
    else:
        wp = bits(dps) + 64

    with mpmath.workprec(wp):
        times = convert_times(t)
        x0 = convert_y0(flow.state, y0)
        pvals = resolve_params(flow.params, params)
        if method == "taylor":
            return integrate_taylor(flow, times, x0, pvals, dps=dps, wp=wp, rtol=rtol_v, atol=atol_v,
                                    events=event_list, max_steps=int(max_steps))
        if method == "odefun":
            return integrate_odefun(flow, times, x0, pvals, dps=dps, tol=rtol_v)
        scipy_rtol = 1e-10 if rtol_v is None else float(rtol_v)
        scipy_atol = 1e-12 if atol_v is None else float(atol_v)
        return integrate_scipy(flow, times, x0, pvals, rtol=scipy_rtol, atol=scipy_atol,
                               ivp_method=ivp_method or "DOP853", events=event_list)

