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

This package compiles :math:`F` once into that recurrence (a straight-line
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

Modules
-------
``flow`` (:class:`PolynomialFlow`), ``program`` (the compiler to the
recurrence), ``fixedpoint`` (the arithmetic of a step), ``events``,
``integrate`` (:func:`integrate_flow`) with the integrators ``taylor``,
``odefun`` and ``scipy_ivp``, ``solution`` (:class:`FlowSolution`), ``inputs``
(conversion of the user's numbers) and ``models`` (the single neuron).

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

Examples
--------
The pendulum-like flow :math:`\dot x = v,\ \dot v = -k x (1 + x^2)`
conserves :math:`E = v^2 + k x^2 + k x^4 / 2`; at 30 digits the Taylor method
keeps it to about 30 digits, ``solve_ivp`` in float64 to about 10:

>>> import mpmath, sympy
>>> x, v, k = sympy.symbols("x v k")
>>> flow = PolynomialFlow(state=(x, v), rhs=(v, -k * x * (1 + x**2)), params=(k,))
>>> def energy(y):
...     return y[1] ** 2 + 2 * (y[0] ** 2 + y[0] ** 4 / 2)
>>> sol = integrate_flow(flow, [0, 5, 10], [1, 0], {"k": 2}, dps=30)
>>> with mpmath.workdps(30):
...     drift = max(abs(energy(y) - energy(sol.y[0])) for y in sol.y)
>>> drift < mpmath.mpf(10) ** -27
True
>>> fast = integrate_flow(flow, [0, 5, 10], [1, 0], {"k": 2}, method="scipy")
>>> 1e-14 < float(max(abs(energy(y) - 3) for y in fast.y)) < 1e-8
True

Stop where ``x`` first reaches zero:

>>> sol = integrate_flow(flow, [0, 5, 10], [1, 0], {"k": 2}, events=[Event(x, name="x = 0")])
>>> (hit,) = sol.events
>>> hit.direction, len(sol.t), mpmath.nstr(hit.y[0], 5)
(-1, 1, '0.0')
"""

from symrich.oracle.events import Event, EventHit
from symrich.oracle.flow import PolynomialFlow
from symrich.oracle.integrate import METHODS, integrate_flow
from symrich.oracle.models import integrate_single_neuron, single_neuron_flow
from symrich.oracle.solution import FlowSolution

__all__ = [
    "Event",
    "EventHit",
    "FlowSolution",
    "PolynomialFlow",
    "integrate_flow",
    "integrate_single_neuron",
    "single_neuron_flow",
]
