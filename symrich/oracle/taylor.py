"""The fixed-point Taylor integrator (the default method of :func:`~symrich.oracle.integrate_flow`).

One step: the compiled recurrence (:attr:`PolynomialFlow.program`) gives the
Taylor coefficients of the time-rescaled series in fixed point
(:mod:`symrich.oracle.fixedpoint`), :func:`_log2_step_fraction` chooses the step as
in Jorba & Zou (2005), the outputs and events inside the step are read off the
Taylor polynomial, and the next step starts from its value at the step's end.
The choices are explained in the numerics section of :mod:`symrich.oracle`.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np

from symrich.oracle.events import Event, EventHit, EventScanner
from symrich.oracle.fixedpoint import FixedConstants, fixed, horner, log2_abs, unfixed
from symrich.oracle.flow import PolynomialFlow
from symrich.oracle.solution import FlowSolution

__all__ = ["integrate_taylor"]

#: Fixed-point guard bits beyond the local tolerance.
_GUARD_BITS = 32
#: Safety factor on the Jorba-Zou step size.
_STEP_SAFETY = 0.9
#: If a trial step is shorter than tau * 2**this, the step is redone with a smaller tau.
_LOG2_RESCALE_THRESHOLD = -6


def _log2_step_fraction(series: list[list[int]], p: int, log2_tol_fixed: float) -> float:
    r"""``log2`` of the Jorba-Zou step as a fraction :math:`\theta = h/\tau` of the series scale.

    ``series`` are the fixed-point coefficients of the rescaled series and
    ``log2_tol_fixed`` is :math:`\log_2(\mathrm{tol}\,2^P)`.  A coefficient that
    is zero in fixed point is bounded by one unit (:math:`2^{-P}`), so a
    vanishing tail (e.g. a polynomial solution) allows the full step
    :math:`\theta \ge 1`.  The logarithm is returned because :math:`\theta` itself
    may be below the smallest float (a series scale far too long for huge coefficients).
    """
    exponents = []
    for j in (p - 1, p):
        norm = max(max(abs(s[j]) for s in series), 1)
        exponents.append((log2_tol_fixed - math.log2(norm)) / j)
    return math.log2(_STEP_SAFETY) + min(exponents)


def integrate_taylor(flow: PolynomialFlow, times: list, x0: list, pvals: list, *, dps: int, wp: int,
                     rtol: mpmath.mpf, atol: mpmath.mpf, events: list[Event], max_steps: int) -> FlowSolution:
    r"""Integrate ``flow`` with the fixed-point Taylor method (``method="taylor"`` of :func:`~symrich.oracle.integrate_flow`).

    The arguments are already converted and checked, as :func:`~symrich.oracle.integrate_flow`
    does: ``times``, ``x0`` and ``pvals`` (parameter values in the order of
    ``flow.params``) are ``mpf`` converted at ``wp`` bits, ``rtol > 0`` and
    ``atol >= 0`` are the local tolerances, ``events`` comes from
    :func:`~symrich.oracle.events.normalize_events`.  Call it inside
    ``mpmath.workprec(wp)``.  Order, step size, fixed-point precision, dense
    output and event location are described in :mod:`symrich.oracle`.

    Returns
    -------
    FlowSolution
        Values rounded to ``dps`` digits; event times and states with all
        working digits.

    Raises
    ------
    RuntimeError
        After ``max_steps`` steps, or when the step size underflows (blow-up).

    Examples
    --------
    >>> import mpmath, sympy
    >>> from symrich.oracle import PolynomialFlow
    >>> y = sympy.Symbol("y")
    >>> growth = PolynomialFlow(state=(y,), rhs=(y**2,))     # y = 1/(1 - t)
    >>> tol, wp = mpmath.mpf(10) ** -33, 180
    >>> with mpmath.workprec(wp):
    ...     sol = integrate_taylor(growth, [mpmath.mpf(0), mpmath.mpf("0.5")], [mpmath.mpf(1)], [],
    ...                            dps=30, wp=wp, rtol=tol, atol=tol, events=[], max_steps=1000)
    >>> print(sol.y[1, 0])
    2.0
    """
    program = flow.program
    log2_rtol = float(mpmath.log(rtol, 2))
    log2_atol = float(mpmath.log(atol, 2)) if atol > 0 else -math.inf
    eps_log2 = min(log2_rtol, log2_atol) if atol > 0 else log2_rtol
    order = math.ceil(-0.5 * eps_log2 * math.log(2)) + 1     # Jorba & Zou: p = ceil(-ln(eps)/2) + 1

    constants = FixedConstants(program.constants, flow.params, pvals, wp + 32)
    scanner = EventScanner(flow, events, pvals, wp + 32) if events else None
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
            raise RuntimeError(f"max_steps={max_steps} reached at t = {mpmath.nstr(t_n, 15)} of "
                               f"t = {mpmath.nstr(t_end, 15)}: either the solution blows up, or the horizon "
                               "is long for this explicit method (its steps are bounded by the flow's fastest "
                               "time scale, so their number grows with t even when the flow converges); "
                               "raise max_steps or integrate to a shorter time")
        # Local tolerance and fixed-point precision for this step.
        if x_exact is not None:
            log2_norm = max((float(mpmath.log(abs(v), 2)) for v in x_exact if v), default=-math.inf)
        else:
            log2_norm = max(map(log2_abs, x)) - frac_bits
        log2_tol = max(log2_atol, log2_rtol + log2_norm)
        if log2_tol == -math.inf:
            log2_tol = log2_rtol   # zero state and atol = 0
        # Fractional bits: below the tolerance, and fine enough for the step fractions theta.
        new_bits = math.ceil(-min(log2_tol, log2_rtol)) + guard
        if x_exact is not None:
            x = [fixed(v, new_bits) for v in x_exact]
            x_exact = None
        elif new_bits >= frac_bits:
            x = [m << (new_bits - frac_bits) for m in x]
        else:
            x = [m >> (frac_bits - new_bits) for m in x]
        frac_bits = new_bits
        log2_tol_fixed = log2_tol + frac_bits
        c = constants.at(frac_bits)

        # A series scale tau far beyond the remaining time would round the last step to 0 in fixed point.
        s = min(s, int(mpmath.ceil(mpmath.log(t_end - t_n, 2))))
        for attempt in range(4):
            series = program.flow_series(x, order, frac_bits, max(s, 0), max(-s, 0), c)
            log2_theta = _log2_step_fraction(series, order, log2_tol_fixed)
            if log2_theta >= _LOG2_RESCALE_THRESHOLD or attempt == 3:
                break
            s += math.floor(log2_theta)          # the series scale was far too long: shrink tau
        tau = mpmath.ldexp(1, s)
        theta = 2.0 ** min(log2_theta, 0.0)      # never step beyond tau (see symrich.oracle)
        remaining = (t_end - t_n) / tau
        last = theta >= remaining
        theta_end = fixed(remaining, frac_bits) if last else fixed(mpmath.mpf(theta), frac_bits)
        if theta_end <= 0:
            raise RuntimeError(f"step size underflow at t = {mpmath.nstr(t_n, 15)} (does the solution blow up?)")

        stop_theta, t_stop = theta_end, (t_end if last else t_n + mpmath.ldexp(theta_end, s - frac_bits))
        if scanner is not None:
            for root, index, direction in scanner.scan(series, order, theta_end, frac_bits, log2_tol):
                t_hit = t_n + mpmath.ldexp(root, s - frac_bits)
                y_hit = np.array([unfixed(horner(ser, root, frac_bits), frac_bits) for ser in series],
                                 dtype=object)
                terminal = events[index].terminal
                hits.append(EventHit(index=index, t=t_hit, y=y_hit, direction=direction, terminal=terminal))
                if terminal:
                    stop_theta, t_stop, stopped = root, t_hit, True
                    break

        # Dense output inside [t_n, t_stop].
        while len(rows) < n_times and times[len(rows)] <= t_stop:
            theta_out = min(fixed((times[len(rows)] - t_n) / tau, frac_bits), stop_theta)
            rows.append([round_out(unfixed(horner(ser, theta_out, frac_bits), frac_bits)) for ser in series])

        if not stopped and not t_stop > t_n:
            raise RuntimeError(f"step size underflow at t = {mpmath.nstr(t_n, 15)} (does the solution blow up?)")
        x = [horner(ser, stop_theta, frac_bits) for ser in series]
        t_n = t_stop
        n_steps += 1
        s += math.ceil(math.log2(2 * theta))   # next tau in [2h, 4h)

    y = np.empty((len(rows), n), dtype=object)
    for i, row in enumerate(rows):
        y[i, :] = row
    return FlowSolution(t=np.array(times[: len(rows)], dtype=object), y=y, method="taylor", dps=dps,
                        n_steps=n_steps, events=tuple(hits))

