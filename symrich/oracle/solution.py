"""The result of an integration: :class:`FlowSolution`."""

from __future__ import annotations

import dataclasses

import numpy as np

__all__ = ["FlowSolution"]


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
    >>> from symrich.oracle import PolynomialFlow, integrate_flow
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
        """The same solution with float64 arrays (times, states and event data).

        >>> import sympy
        >>> from symrich.oracle import PolynomialFlow, integrate_flow
        >>> y = sympy.Symbol("y")
        >>> sol = integrate_flow(PolynomialFlow(state=(y,), rhs=(-y,)), [0, 1], [1]).as_float()
        >>> sol.y.dtype, round(float(sol.y[1, 0]), 6)
        (dtype('float64'), 0.367879)
        """
        hits = tuple(dataclasses.replace(h, t=float(h.t), y=np.asarray(h.y, dtype=float)) for h in self.events)
        return dataclasses.replace(self, t=np.asarray(self.t, dtype=float),
                                   y=np.asarray(self.y, dtype=float).reshape(self.y.shape), events=hits)

