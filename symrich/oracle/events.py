"""Events: zero crossings of functions of the state, detected and located during integration.

:class:`Event` describes one, :class:`EventHit` a located crossing, and
:class:`EventScanner` finds them step by step for the Taylor method (see
"Events" in :mod:`symrich.oracle` for the sampling and the root finding).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np

from symrich.oracle.fixedpoint import FixedConstants, horner, unfixed
from symrich.oracle.flow import PolynomialFlow
from symrich.oracle.program import compile_observer, non_polynomial_part

__all__ = ["Event", "EventHit", "EventScanner", "normalize_events"]

#: Event functions are sampled at this many subintervals of each step.
_EVENT_SAMPLES = 8


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
    >>> from symrich.oracle import PolynomialFlow, integrate_flow
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
    >>> from symrich.oracle import PolynomialFlow, integrate_flow
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


def normalize_events(flow: PolynomialFlow, events: Any) -> list[Event]:
    """The ``events`` argument of :func:`~symrich.oracle.integrate_flow` as a checked list of :class:`Event`.

    A bare expression or callable (or a list of them) becomes terminal events;
    an expression must be polynomial in the state and contain no symbol other
    than the flow's state variables and parameters.

    Examples
    --------
    >>> import sympy
    >>> from symrich.oracle import PolynomialFlow
    >>> x, v = sympy.symbols("x v")
    >>> oscillator = PolynomialFlow(state=(x, v), rhs=(v, -x))
    >>> normalize_events(oscillator, x)
    [Event(g=x, terminal=True, direction=0, name='')]
    >>> normalize_events(oscillator, [x - sympy.Symbol("c")])
    Traceback (most recent call last):
    ...
    ValueError: events[0]: the expression -c + x contains c, which are neither state variables nor parameters
    """
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
            bad = non_polynomial_part(g, frozenset(flow.state))
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


class EventScanner:
    r"""Detects and locates event crossings step by step (Taylor method).

    Polynomial events are compiled (:func:`~symrich.oracle.program.compile_observer`)
    so their Taylor coefficients along a step follow from the state's; other
    events are evaluated on the state's Taylor polynomial.  The scanner keeps
    the sign class of every event between steps.

    Parameters
    ----------
    flow : PolynomialFlow
        The flow.
    events : list of Event
        As returned by :func:`normalize_events`.
    pvals : list of mpmath.mpf
        Parameter values, in the order of ``flow.params``.
    prec : int
        Binary precision for the constants of the compiled events.

    Examples
    --------
    The oscillator from ``(1, 0)`` over one step with series scale
    :math:`\tau = 2` (``sl = 1``): ``x`` crosses zero downwards at
    :math:`t = \pi/2`, i.e. at the step fraction :math:`\theta = \pi/4`.

    >>> import mpmath, sympy
    >>> from symrich.oracle import PolynomialFlow
    >>> from symrich.oracle.fixedpoint import fixed, unfixed
    >>> x, v = sympy.symbols("x v")
    >>> oscillator = PolynomialFlow(state=(x, v), rhs=(v, -x))
    >>> scanner = EventScanner(oscillator, normalize_events(oscillator, x), [], 160)
    >>> P, order = 128, 40
    >>> series = oscillator.program.flow_series([fixed(1, P), 0], order, P, 1, 0, [])
    >>> [(theta, index, direction)] = scanner.scan(series, order, fixed(1, P), P, -100)
    >>> mpmath.nstr(2 * unfixed(theta, P), 15), index, direction
    ('1.5707963267949', 0, -1)
    """

    def __init__(self, flow: PolynomialFlow, events: list[Event], pvals: list, prec: int) -> None:
        import sympy

        self.events = events
        self.poly = [i for i, ev in enumerate(events) if isinstance(ev.g, sympy.Basic)]
        self.program = None
        if self.poly:
            exprs = tuple(events[i].g for i in self.poly)
            self.program = compile_observer(flow.state, exprs)
            self.constants = FixedConstants(self.program.constants, flow.params, pvals, prec)
        self.classes: list = [None] * len(events)   # sign class (g >= 0) at the current point

    def scan(self, series: list[list[int]], p: int, theta_end: int, frac_bits: int,
             log2_tol: float) -> list[tuple[int, int, int]]:
        """All crossings ``(theta, event index, direction)`` in ``[0, theta_end]``, sorted.

        ``series`` are the state's rescaled Taylor coefficients ``0..p`` in
        fixed point with ``frac_bits`` fractional bits, ``theta_end`` the end
        of the step (a fraction of the series scale, in fixed point), and
        ``log2_tol`` the base-2 logarithm of the local tolerance.
        """
        g_series = []
        if self.program is not None:
            g_series = self.program.observe_series(series, p, frac_bits, self.constants.at(frac_bits))
        output = {i: j for j, i in enumerate(self.poly)}

        def state_at(theta: int) -> list:
            return [unfixed(horner(s, theta, frac_bits), frac_bits) for s in series]

        found = []
        samples = [theta_end * j // _EVENT_SAMPLES for j in range(_EVENT_SAMPLES + 1)]
        for i, ev in enumerate(self.events):
            if i in output:
                coefficients = g_series[output[i]]

                def G(theta: int, coefficients: list = coefficients) -> int:
                    return horner(coefficients, theta, frac_bits)

                zero_tol = mpmath.mpf(2) ** (log2_tol + frac_bits)   # beyond the float range for huge states
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

