"""Tests of symrich.oracle against closed forms, invariants and independent integrators.

Reference values come from closed-form solutions evaluated with mpmath at 80
digits, from exact rational computations (Picard iteration), from conservation laws
and from other integrators (mpmath.odefun, scipy) -- never from the code under
test.
"""

from __future__ import annotations

import doctest
import math
import pickle
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import symrich.oracle as oracle
from symrich.oracle import (
    Event,
    FlowSolution,
    PolynomialFlow,
    integrate_flow,
    integrate_single_neuron,
    single_neuron_flow,
)

x, v, y, k, omega = sympy.symbols("x v y k omega")
REFERENCE_DPS = 80


def digits_of_agreement(actual, exact, scale=1) -> float:
    """-log10(|actual - exact| / max(scale, |exact|)), computed at 80 digits."""
    with mpmath.workdps(REFERENCE_DPS):
        error = abs(mpmath.mpf(actual) - exact) / max(mpmath.mpf(scale), abs(exact))
        return math.inf if error == 0 else float(-mpmath.log10(error))


def assert_digits(actual, exact, digits, scale=1, what=""):
    achieved = digits_of_agreement(actual, exact, scale)
    assert achieved >= digits, f"{what}: only {achieved:.1f} digits (wanted {digits})"


def reference(value):
    """A float or int as an exact mpf at the reference precision."""
    with mpmath.workdps(REFERENCE_DPS):
        return mpmath.mpf(value)


positive = st.floats(min_value=0.1, max_value=10.0)
unit = st.floats(min_value=-1.0, max_value=1.0)


# ---------------------------------------------------------------------------
# Exactly solvable flows
# ---------------------------------------------------------------------------


@settings(deadline=None, max_examples=8)
@given(y0=positive, rate=st.floats(min_value=0.1, max_value=1.0))
def test_exponential_decay_matches_closed_form(y0, rate):
    flow = PolynomialFlow(state=(x,), rhs=(-k * x,), params=(k,))
    times = [0, 0.5, 1, 2.5, 5, 7.5, 10]
    sol = integrate_flow(flow, times, [y0], {k: rate}, dps=30)
    assert sol.y.shape == (len(times), 1)
    for tk, row in zip(times, sol.y):
        with mpmath.workdps(REFERENCE_DPS):
            exact = reference(y0) * mpmath.exp(-reference(rate) * reference(tk))
        # relative to the solution itself, which decays to 1e-4 of its start
        assert_digits(row[0], exact, 28, scale=0, what=f"t={tk}")


@settings(deadline=None, max_examples=6)
@given(y0=st.floats(min_value=0.5, max_value=2.0))
def test_quadratic_blow_up_matches_closed_form(y0):
    # y' = y^2 has y = y0 / (1 - y0 t), singular at t = 1/y0; go to 90 % of it.
    flow = PolynomialFlow(state=(y,), rhs=(y**2,))
    with mpmath.workdps(REFERENCE_DPS):
        t_star = 1 / reference(y0)
        times = [mpmath.mpf(f) * t_star for f in ("0", "0.3", "0.6", "0.9")]
    sol = integrate_flow(flow, times, [y0], dps=30)
    for tk, row in zip(times, sol.y):
        with mpmath.workdps(REFERENCE_DPS):
            exact = reference(y0) / (1 - reference(y0) * tk)
        assert_digits(row[0], exact, 28, scale=0, what=f"t={tk}")


def test_quadratic_with_unit_start_reaches_t_09():
    flow = PolynomialFlow(state=(y,), rhs=(y**2,))
    sol = integrate_flow(flow, [0, 0.9], [1], dps=30)
    with mpmath.workdps(REFERENCE_DPS):
        exact = 1 / (1 - reference(0.9))   # 0.9 is the float nearest 9/10, used exactly
    assert_digits(sol.y[1, 0], exact, 28, scale=0)


@settings(deadline=None, max_examples=8)
@given(x0=unit, v0=unit, frequency=st.floats(min_value=0.2, max_value=2.0))
def test_harmonic_oscillator_matches_closed_form(x0, v0, frequency):
    flow = PolynomialFlow(state=(x, v), rhs=(v, -omega**2 * x), params=(omega,))
    times = [0, 0.25, 1, 3, 6.5, 10]
    sol = integrate_flow(flow, times, [x0, v0], {"omega": frequency}, dps=30)
    with mpmath.workdps(REFERENCE_DPS):
        w = reference(frequency)
        amplitude = mpmath.sqrt(reference(x0) ** 2 + (reference(v0) / w) ** 2)
    for tk, row in zip(times, sol.y):
        with mpmath.workdps(REFERENCE_DPS):
            c, s = mpmath.cos(w * reference(tk)), mpmath.sin(w * reference(tk))
            exact_x = reference(x0) * c + reference(v0) / w * s
            exact_v = -reference(x0) * w * s + reference(v0) * c
        assert_digits(row[0], exact_x, 28, scale=max(amplitude, 1e-3), what=f"x(t={tk})")
        assert_digits(row[1], exact_v, 28, scale=max(amplitude * w, 1e-3), what=f"v(t={tk})")


def test_precision_follows_dps():
    flow = PolynomialFlow(state=(x, v), rhs=(v, -x))
    sol = integrate_flow(flow, [0, 10], [1, 0], dps=60)
    with mpmath.workdps(REFERENCE_DPS):
        assert_digits(sol.y[1, 0], mpmath.cos(10), 58)
        assert_digits(sol.y[1, 1], -mpmath.sin(10), 58)
    assert all(isinstance(value, mpmath.mpf) for value in sol.y.ravel())


def test_pure_relative_tolerance_for_tiny_states():
    # With atol=0 the tolerance is relative, so a state of size 1e-20 keeps its digits.
    flow = PolynomialFlow(state=(x,), rhs=(-x,))
    sol = integrate_flow(flow, [0, 3], [1e-20], dps=30, atol=0)
    with mpmath.workdps(REFERENCE_DPS):
        exact = reference(1e-20) * mpmath.exp(-3)
    assert_digits(sol.y[1, 0], exact, 28, scale=0)


def test_polynomial_solution_and_exact_rational_coefficients():
    # x' = 1/3 exactly (sympy Rational): x = x0 + t/3; y' = x: y = x0 t + t^2/6
    flow = PolynomialFlow(state=(x, y), rhs=(sympy.Rational(1, 3), x))
    sol = integrate_flow(flow, [0, 1, 7], ["0.1", 0], dps=40)
    with mpmath.workdps(REFERENCE_DPS):
        x0 = mpmath.mpf(1) / 10
        for tk, row in zip([0, 1, 7], sol.y):
            assert_digits(row[0], x0 + mpmath.mpf(tk) / 3, 38)
            assert_digits(row[1], x0 * tk + mpmath.mpf(tk) ** 2 / 6, 38)


def test_solution_blowing_up_stops_with_runtime_error():
    flow = PolynomialFlow(state=(y,), rhs=(y**2,))
    with pytest.raises(RuntimeError, match="max_steps"):
        integrate_flow(flow, [0, 2], [1], max_steps=200)


# ---------------------------------------------------------------------------
# Compilation: Taylor coefficients against exact Lie derivatives
# ---------------------------------------------------------------------------


def picard_taylor_coefficients(state, rhs, point, order):
    """Exact Taylor coefficients by Picard iteration x <- x0 + int_0^t F(x), truncated at t^order.

    Series are lists of Fractions; F is used in expanded monomial form.  After
    ``order`` iterations the coefficients up to t^order are exact.  This is
    independent of the recurrence under test (no compilation, no fixed point).
    """
    n = order + 1

    def times(a, b):
        return [sum((a[i] * b[j - i] for i in range(j + 1)), Fraction(0)) for j in range(n)]

    terms = []
    for F in rhs:
        poly = sympy.Poly(F, *state)
        terms.append([(monomial, Fraction(int(c.p), int(c.q))) for monomial, c in poly.terms()])
    series = [[Fraction(p0)] + [Fraction(0)] * order for p0 in point]
    for _ in range(order):
        derivative = []
        for monomials in terms:
            total = [Fraction(0)] * n
            for exponents, coefficient in monomials:
                product = [Fraction(1)] + [Fraction(0)] * order
                for s, e in zip(series, exponents):
                    for _ in range(e):
                        product = times(product, s)
                total = [u + coefficient * w for u, w in zip(total, product)]
            derivative.append(total)
        series = [[s[0]] + [f[j] / (j + 1) for j in range(order)] for s, f in zip(series, derivative)]
    return series


small_int = st.integers(min_value=-3, max_value=3)


@settings(deadline=None, max_examples=10)
@given(
    linear=st.lists(small_int, min_size=12, max_size=12),
    point=st.lists(st.fractions(min_value=-2, max_value=2, max_denominator=7), min_size=2, max_size=2),
    q=st.fractions(min_value=-2, max_value=2, max_denominator=5),
)
def test_taylor_coefficients_match_picard_iteration(linear, point, q):
    # Products of linear forms, a cube and a parameter: unexpanded polynomial right-hand sides.
    param = sympy.Symbol("q")
    L = [linear[3 * i] * x + linear[3 * i + 1] * y + linear[3 * i + 2] for i in range(4)]
    rhs = (L[0] * L[1] + param * x * y, param * L[2] ** 2 - L[3] * x**2 + 1)
    flow = PolynomialFlow(state=(x, y), rhs=rhs, params=(param,))
    order = 6
    computed = flow.taylor_coefficients([Fraction(p) for p in point], order, {"q": Fraction(q)}, dps=30)
    exact_rhs = [r.subs(param, sympy.Rational(q.numerator, q.denominator)) for r in rhs]
    exact = picard_taylor_coefficients((x, y), exact_rhs, point, order)
    for i in range(2):
        for j in range(order + 1):
            with mpmath.workdps(REFERENCE_DPS):
                exact_value = mpmath.mpf(exact[i][j].numerator) / exact[i][j].denominator
            assert_digits(computed[i][j], exact_value, 28, what=f"x_{i}^[{j}]")


@pytest.mark.parametrize("d", [1, 2, 3, 5])
def test_single_neuron_recurrence_shares_products(d):
    # a*w_j (d), w_i*g_i (d) and a*g_i (d): the shared a*w_j must not be recomputed.
    assert single_neuron_flow(d).n_products == 3 * d


def test_single_neuron_rhs_is_the_loss_gradient():
    # Compare with a finite-difference gradient of L = |y - a X w|^2 / 2 (float64).
    rng = np.random.default_rng(1)
    X, targets = rng.normal(size=(5, 3)), rng.normal(size=5)
    a0, w0, eta_a, eta_w = 0.7, rng.normal(size=3), 0.5, 2.0
    C, b = X.T @ X, X.T @ targets
    params = {"eta_a": eta_a, "eta_w": eta_w}
    params.update({f"C_{i + 1}_{j + 1}": C[i, j] for i in range(3) for j in range(i, 3)})
    params.update({f"b_{i + 1}": b[i] for i in range(3)})

    def loss(theta):
        return 0.5 * np.sum((targets - theta[0] * X @ theta[1:]) ** 2)

    theta, h = np.concatenate([[a0], w0]), 1e-6
    gradient = np.array([(loss(theta + h * e) - loss(theta - h * e)) / (2 * h) for e in np.eye(4)])
    expected = -np.array([eta_a, eta_w, eta_w, eta_w]) * gradient
    np.testing.assert_allclose(single_neuron_flow(3).rhs_float(theta, params), expected, rtol=1e-6, atol=1e-8)
    # and the Jacobian against finite differences of the right-hand side
    flow = single_neuron_flow(3)
    jac = np.column_stack([(flow.rhs_float(theta + h * e, params) - flow.rhs_float(theta - h * e, params)) / (2 * h)
                           for e in np.eye(4)])
    np.testing.assert_allclose(flow.jacobian_float(theta, params), jac, rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------------------
# Single neuron: conservation law and agreement between methods
# ---------------------------------------------------------------------------


@settings(deadline=None, max_examples=6)
@given(
    X=st.lists(st.lists(st.floats(-2, 2), min_size=3, max_size=3), min_size=4, max_size=4),
    targets=st.lists(st.floats(-2, 2), min_size=4, max_size=4),
    eta_a=positive,
    eta_w=positive,
    a0=unit,
    w0=st.lists(unit, min_size=3, max_size=3),
)
def test_single_neuron_conserves_delta(X, targets, eta_a, eta_w, a0, w0):
    # delta = eta_w a^2 - eta_a |w|^2 is exactly conserved by the gradient flow.
    times = [0, 1, 2, 3, 4, 5]
    a, w = integrate_single_neuron(times, a0, w0, X, targets, eta_a, eta_w, dps=30)
    assert a.shape == (6,) and w.shape == (6, 3)
    with mpmath.workdps(REFERENCE_DPS):
        ea, ew = reference(eta_a), reference(eta_w)
        delta0 = ew * reference(a0) ** 2 - ea * sum(reference(wi) ** 2 for wi in w0)
        for i in range(len(times)):
            weight = ew * a[i] ** 2 + ea * sum(wij**2 for wij in w[i])
            delta = ew * a[i] ** 2 - ea * sum(wij**2 for wij in w[i])
            assert_digits(delta, delta0, 25, scale=max(weight, 1), what=f"delta(t={times[i]})")


GENERAL_DATA = {
    "X": [[1.0, 0.5, -0.3], [0.2, -1.1, 0.7], [-0.4, 0.3, 1.5], [0.9, 0.8, -0.6]],
    "y": [0.5, -0.2, 1.0, 0.3],
}


def test_taylor_agrees_with_odefun_on_single_neuron():
    times = [0, 0.5, 1.5]
    args = (times, 0.3, [0.2, -0.1, 0.4], GENERAL_DATA["X"], GENERAL_DATA["y"], 1.5, 0.7)
    a_taylor, w_taylor = integrate_single_neuron(*args, dps=30, method="taylor")
    a_odefun, w_odefun = integrate_single_neuron(*args, dps=30, method="odefun")
    assert isinstance(a_odefun[1], mpmath.mpf)
    for i in range(len(times)):
        assert_digits(a_taylor[i], a_odefun[i], 25, what=f"a(t={times[i]})")
        for j in range(3):
            assert_digits(w_taylor[i, j], w_odefun[i, j], 25, what=f"w_{j}(t={times[i]})")


@pytest.mark.parametrize("ivp_method", [None, "Radau"])
def test_scipy_agrees_with_taylor_on_single_neuron(ivp_method):
    times = np.linspace(0, 8, 9)
    flow = single_neuron_flow(3)
    X, targets = np.array(GENERAL_DATA["X"]), np.array(GENERAL_DATA["y"])
    C, b = X.T @ X, X.T @ targets
    params = {"eta_a": 1.5, "eta_w": 0.7}
    params.update({f"C_{i + 1}_{j + 1}": C[i, j] for i in range(3) for j in range(i, 3)})
    params.update({f"b_{i + 1}": b[i] for i in range(3)})
    y0 = [0.3, 0.2, -0.1, 0.4]
    taylor = integrate_flow(flow, times, y0, params, dps=30)
    scipy_sol = integrate_flow(flow, times, y0, params, method="scipy", ivp_method=ivp_method)
    assert scipy_sol.y.dtype == np.float64 and scipy_sol.dps is None and scipy_sol.n_steps > 0
    tolerance = 1e-8 if ivp_method is None else 1e-6   # Radau at rtol=1e-10 is a little less accurate
    np.testing.assert_allclose(scipy_sol.y, taylor.as_float().y, rtol=0, atol=tolerance)


def test_whitened_data_through_X_equals_XtX_form():
    beta = [0.5, 0.5, 0.2]
    identity = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    times = [0, 1, 4]
    via_X = integrate_single_neuron(times, 0.3, [0.2, -0.1, 0.4], identity, beta, dps=30)
    via_XtX = integrate_single_neuron(times, 0.3, [0.2, -0.1, 0.4], XtX=identity, Xty=beta, dps=30)
    for left, right in zip(via_X, via_XtX):
        assert all(p == q for p, q in zip(np.ravel(left), np.ravel(right)))


def test_as_float_and_solution_fields():
    flow = PolynomialFlow(state=(x,), rhs=(-x,), name="decay")
    sol = integrate_flow(flow, [0, 1], [2])
    assert isinstance(sol, FlowSolution) and sol.method == "taylor" and sol.dps == 30 and sol.n_steps >= 1
    as_float = sol.as_float()
    assert as_float.y.dtype == np.float64 and as_float.t.dtype == np.float64
    assert as_float.y[1, 0] == pytest.approx(2 * math.exp(-1), rel=1e-15)
    via_odefun = integrate_flow(flow, [0, 1], [2], method="odefun")
    assert via_odefun.method == "odefun" and via_odefun.n_steps >= 1 and via_odefun.events == ()


# ---------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------


@settings(deadline=None, max_examples=8)
@given(x0=st.floats(min_value=0.01, max_value=20.0))
def test_event_of_linear_flow_is_located_exactly(x0):
    # x' = -1 reaches 0 at t = x0 (x0 is a float, taken exactly).
    flow = PolynomialFlow(state=(x,), rhs=(-1,))
    times = [0, 0.5 * x0, 0.99 * x0, 1.5 * x0, 3 * x0]
    sol = integrate_flow(flow, times, [x0], events=[x], dps=30)
    (hit,) = sol.events
    assert hit.terminal and hit.direction == -1 and hit.index == 0
    assert_digits(hit.t, reference(x0), 25, what="event time")
    assert abs(hit.y[0]) < mpmath.mpf(10) ** -25 * max(1, x0)
    assert len(sol.t) == 3 and sol.y.shape == (3, 1)   # stopped before 1.5 x0


def test_events_of_oscillator_non_terminal_and_directions():
    flow = PolynomialFlow(state=(x, v), rhs=(v, -x))   # x = cos t, v = -sin t
    times = list(range(11))
    sol = integrate_flow(flow, times, [1, 0], events=[Event(x, terminal=False)], dps=30)
    assert len(sol.t) == len(times)
    with mpmath.workdps(REFERENCE_DPS):
        expected = [mpmath.pi / 2, 3 * mpmath.pi / 2, 5 * mpmath.pi / 2]
    assert [h.direction for h in sol.events] == [-1, 1, -1]
    for hit, t_exact in zip(sol.events, expected):
        assert_digits(hit.t, t_exact, 25)
        assert not hit.terminal
    assert len(sol.events) == 3
    only_up = integrate_flow(flow, times, [1, 0], events=[Event(x, terminal=False, direction=1)])
    assert [h.direction for h in only_up.events] == [1]
    assert_digits(only_up.events[0].t, expected[1], 25)


def test_restart_at_event_does_not_retrigger_and_continues_the_flow():
    flow = PolynomialFlow(state=(x, v), rhs=(v, -x))
    first = integrate_flow(flow, [0, 1, 2, 3], [1, 0], events=[x], dps=30)
    (hit,) = first.events
    second = integrate_flow(flow, [0, 1, 2, 4], hit.y, events=[x], dps=30)
    (next_hit,) = second.events
    with mpmath.workdps(REFERENCE_DPS):
        assert_digits(next_hit.t, mpmath.pi, 25)            # cos(pi/2 + t) = 0 again at t = pi
        assert_digits(second.y[1, 0], mpmath.cos(mpmath.pi / 2 + 1), 25)
        assert_digits(second.y[1, 1], -mpmath.sin(mpmath.pi / 2 + 1), 25)


def test_callable_event():
    flow = PolynomialFlow(state=(x,), rhs=(-x,))
    half = mpmath.mpf(1) / 2
    sol = integrate_flow(flow, [0, 1, 2], [1], events=[lambda state: state[0] - half], dps=30)
    with mpmath.workdps(REFERENCE_DPS):
        assert_digits(sol.events[0].t, mpmath.log(2), 25)
    assert sol.events[0].direction == -1 and len(sol.t) == 1


def test_event_with_parameter_and_several_events():
    # A parametrised event x - level, and v + 2 which never vanishes (|v| <= 1).
    level = sympy.Symbol("level")
    flow_p = PolynomialFlow(state=(x, v), rhs=(v, -x), params=(level,))
    sol = integrate_flow(flow_p, [0, 1, 2], [1, 0], {"level": 0.5}, events=[Event(x - level), Event(v + 2)])
    (hit,) = sol.events
    assert hit.index == 0
    with mpmath.workdps(REFERENCE_DPS):
        assert_digits(hit.t, mpmath.acos(reference(0.5)), 25)   # cos t = 1/2


def test_events_with_scipy():
    flow = PolynomialFlow(state=(x, v), rhs=(v, -x))
    sol = integrate_flow(flow, np.linspace(0, 5, 11), [1, 0], method="scipy",
                         events=[Event(x, terminal=False), Event(v)])
    assert [h.index for h in sol.events] == [0, 1]
    assert sol.events[0].t == pytest.approx(math.pi / 2, abs=1e-8) and sol.events[0].direction == -1
    assert sol.events[1].t == pytest.approx(math.pi, abs=1e-8) and sol.events[1].direction == 1
    assert sol.t[-1] <= math.pi   # stopped at the terminal event


# ---------------------------------------------------------------------------
# Validation and hygiene
# ---------------------------------------------------------------------------

DECAY = PolynomialFlow(state=(x,), rhs=(-k * x,), params=(k,))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"t": [0, 2, 1]}, r"^t must be strictly increasing"),
        ({"t": [0, 1, 1]}, r"^t must be strictly increasing"),
        ({"t": [-1, 1]}, r"^t must start at or after 0"),
        ({"t": []}, r"^t must contain"),
        ({"t": [0, float("nan")]}, r"^t\[1\] must be finite"),
        ({"t": 5}, r"^t must be a one-dimensional"),
        ({"y0": [1, 2]}, r"^y0 has 2 entries"),
        ({"y0": [float("nan")]}, r"^y0\[0\] must be finite"),
        ({"y0": [float("inf")]}, r"^y0\[0\] must be finite"),
        ({"y0": ["abc"]}, r"^y0\[0\] must be a real number"),
        ({"params": {}}, r"^params: missing value for k"),
        ({"params": {"k": float("nan")}}, r"^params\['k'\] must be finite"),
        ({"params": {"k": 1, "kk": 2}}, r"^params: 'kk' is not a parameter"),
        ({"params": [1]}, r"^params must be a mapping"),
        ({"dps": 10}, r"^dps must be an integer >= 15"),
        ({"dps": 30.5}, r"^dps must be an integer >= 15"),
        ({"method": "rk4"}, r"^method must be one of"),
        ({"rtol": -1e-5}, r"^rtol must be positive"),
        ({"atol": -1}, r"^atol must be non-negative"),
        ({"events": [Event(x, direction=2)]}, r"^events\[0\]: direction"),
        ({"events": [sympy.sin(x)]}, r"^events\[0\]: the expression is not polynomial"),
        ({"events": [x * y]}, r"^events\[0\]: the expression x\*y contains y"),
        ({"events": [42]}, r"^events\[0\] must be"),
        ({"ivp_method": "Radau"}, r"^ivp_method is only used"),
        ({"method": "odefun", "events": [x]}, r"^events are supported"),
        ({"method": "odefun", "atol": 1e-20}, r"^atol is not supported"),
        ({"max_steps": 0}, r"^max_steps must be"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(kwargs, message):
    arguments = {"t": [0, 1], "y0": [1], "params": {"k": 1}}
    arguments.update(kwargs)
    t, y0, params = arguments.pop("t"), arguments.pop("y0"), arguments.pop("params")
    with pytest.raises(ValueError, match=message):
        integrate_flow(DECAY, t, y0, params, **arguments)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: PolynomialFlow(state=(x,), rhs=(x * y,)), r"rhs\[0\] contains the symbol y"),
        (lambda: PolynomialFlow(state=(x,), rhs=(-x, x)), r"rhs has 2 entries but state has 1"),
        (lambda: PolynomialFlow(state=(x,), rhs=(1 / x,)), r"rhs\[0\] is not a polynomial.*1/x"),
        (lambda: PolynomialFlow(state=(x,), rhs=(sympy.sin(x),)), r"rhs\[0\] is not a polynomial.*sin\(x\)"),
        (lambda: PolynomialFlow(state=(x,), rhs=(sympy.sqrt(x),)), r"rhs\[0\] is not a polynomial"),
        (lambda: PolynomialFlow(state=(x,), rhs=(x ** k,), params=(k,)), r"rhs\[0\] is not a polynomial"),
        (lambda: PolynomialFlow(state=(x, x), rhs=(x, x)), r"distinct names; repeated: x"),
        (lambda: PolynomialFlow(state=(), rhs=()), r"state must contain"),
        (lambda: PolynomialFlow(state=("x",), rhs=(1,)), r"state must contain sympy Symbols"),
        (lambda: PolynomialFlow(state=(sympy.Symbol("x", real=True),), rhs=(-x,)), r"different assumptions"),
    ],
)
def test_bad_flows_raise_value_error(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_parametric_coefficients_are_evaluated_at_full_precision():
    # x' = A x^2 - B, x(0) = 0 has x = -sqrt(B/A) tanh(sqrt(A B) t); here A = e^k, B = sqrt(k).
    flow = PolynomialFlow(state=(x,), rhs=(sympy.exp(k) * x**2 - sympy.sqrt(k),), params=(k,))
    sol = integrate_flow(flow, [0, 0.5, 2], [0], {"k": 2}, dps=30)
    with mpmath.workdps(REFERENCE_DPS):
        A, B = mpmath.exp(2), mpmath.sqrt(2)
        for tk, row in zip([0, 0.5, 2], sol.y):
            assert_digits(row[0], -mpmath.sqrt(B / A) * mpmath.tanh(mpmath.sqrt(A * B) * tk), 28)


def test_flow_pickles_after_compilation():
    flow = single_neuron_flow(2)
    _ = flow.taylor_source
    clone = pickle.loads(pickle.dumps(flow))
    assert clone == flow and clone.taylor_source == flow.taylor_source


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"XtX": [[1, 2], [3, 1]], "Xty": [1, 1]}, r"XtX must be symmetric"),
        ({"XtX": [[1, 0]], "Xty": [1, 1]}, r"XtX must have shape"),
        ({"XtX": [[1, 0], [0, 1]], "Xty": [1]}, r"Xty has 1 entries"),
        ({"X": [[1, 0]], "y": [1], "XtX": [[1, 0], [0, 1]], "Xty": [1, 1]}, r"not both"),
        ({"X": [[1, 0, 0]], "y": [1]}, r"X must have shape"),
        ({"X": [[1, 0]], "y": [1, 2]}, r"y has 2 entries but X has 1 rows"),
        ({}, r"either as X and y"),
        ({"XtX": [[1, 0], [0, 1]]}, r"XtX and Xty must be given together"),
    ],
)
def test_single_neuron_bad_data(kwargs, message):
    with pytest.raises(ValueError, match=message):
        integrate_single_neuron([0, 1], 0.1, [0.1, 0.2], **kwargs)


def test_global_mpmath_precision_is_left_alone():
    before = (mpmath.mp.prec, mpmath.mp.dps)
    integrate_flow(DECAY, [0, 1], [1], {"k": 1}, dps=50)
    with pytest.raises(ValueError):
        integrate_flow(DECAY, [0, 1], [1], {"k": float("nan")}, dps=50)
    integrate_flow(PolynomialFlow(state=(x, v), rhs=(v, -x)), [0, 2], [1, 0], events=[x], dps=40)
    assert (mpmath.mp.prec, mpmath.mp.dps) == before


def test_inputs_given_as_strings_and_fractions():
    # "0.1" and Fraction(1, 10) both mean the decimal 1/10 (at the working precision).
    a = integrate_flow(DECAY, [0, "0.5"], ["0.1"], {"k": Fraction(1, 10)}, dps=30)
    with mpmath.workdps(REFERENCE_DPS):
        exact = mpmath.mpf(1) / 10 * mpmath.exp(-mpmath.mpf(1) / 20)
    assert_digits(a.y[1, 0], exact, 28)


def test_docstring_examples_run():
    result = doctest.testmod(oracle, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 5 and result.failed == 0
