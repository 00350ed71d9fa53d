"""The float64 integrator: :func:`scipy.integrate.solve_ivp` on a :class:`~symrich.oracle.PolynomialFlow`, with events."""

from __future__ import annotations

from typing import Any

import numpy as np

from symrich.oracle.events import Event, EventHit
from symrich.oracle.flow import PolynomialFlow
from symrich.oracle.solution import FlowSolution

__all__ = ["integrate_scipy"]

#: ``solve_ivp`` methods that receive the analytic Jacobian.
_IMPLICIT_IVP_METHODS = ("Radau", "BDF", "LSODA")


def integrate_scipy(flow: PolynomialFlow, times: list, x0: list, pvals: list, *, rtol: float, atol: float,
                    ivp_method: Any, events: list[Event]) -> FlowSolution:
    """Integrate ``flow`` in float64 with :func:`scipy.integrate.solve_ivp` (``method="scipy"``).

    ``times``, ``x0`` and ``pvals`` (parameter values in the order of
    ``flow.params``) are converted and checked as
    :func:`~symrich.oracle.integrate_flow` does, then rounded to float64;
    ``rtol``, ``atol`` and ``ivp_method`` go to ``solve_ivp`` (the analytic
    Jacobian is supplied to the implicit methods), ``events`` comes from
    :func:`~symrich.oracle.events.normalize_events`.

    Raises
    ------
    RuntimeError
        If ``solve_ivp`` fails.

    Examples
    --------
    >>> import sympy
    >>> from symrich.oracle import PolynomialFlow
    >>> y = sympy.Symbol("y")
    >>> growth = PolynomialFlow(state=(y,), rhs=(y**2,))     # y = 1/(1 - t)
    >>> sol = integrate_scipy(growth, [0, 0.5], [1], [], rtol=1e-12, atol=1e-12, ivp_method="DOP853", events=[])
    >>> sol.method, round(float(sol.y[1, 0]), 9)
    ('scipy', 2.0)
    """
    from scipy.integrate import solve_ivp

    t_eval = np.array([float(v) for v in times])
    y_start = np.array([float(v) for v in x0])
    p_float = [float(v) for v in pvals]
    rhs = flow.numpy_rhs

    def fun(_t: float, y: np.ndarray) -> np.ndarray:
        return np.asarray(rhs(y, p_float), dtype=float)

    options: dict = {}
    if ivp_method in _IMPLICIT_IVP_METHODS:
        jacobian = flow.numpy_jacobian
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

