"""Regressions of the fuzz findings of issue 17 ("no crash on any input") in the single neuron, the Taylor
oracle and the export: each test failed before its fix.

The float64 single-neuron API has a documented domain (every nonzero input magnitude in ``[1e-150, 1e150]``,
``docs/single_neuron.md``); outside it a ``ValueError`` names the argument and suggests ``backend="mpmath"``.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy

from symrich import piecewise_linear as pl
from symrich.export import export
from symrich.oracle import PolynomialFlow, integrate_flow

_y = sympy.Symbol("y")


# ---------------------------------------------------------------- export


def test_export_rejects_an_out_dir_that_is_not_a_path(tmp_path):
    with pytest.raises(TypeError, match=r"out_dir must be a str or a path"):
        export("numpy", 0.5, functions=["delta_of"])


@pytest.mark.parametrize("functions", [[[1.0], [1.0, 2.0]], 0.5])
def test_export_rejects_functions_that_are_not_names(tmp_path, functions):
    with pytest.raises((TypeError, ValueError), match=r"functions must"):
        export("numpy", str(tmp_path), functions=functions)


def test_export_rejects_a_target_that_is_not_a_string(tmp_path):
    with pytest.raises(TypeError, match=r"target must be"):
        export(np.zeros((0, 3)), str(tmp_path), functions=["delta_of"])


# ---------------------------------------------------------------- Taylor oracle


def test_taylor_step_fraction_below_the_float_range_is_a_blow_up_not_a_math_domain_error():
    """``y' = y^3`` from ``1e200`` blows up at ``t = 1/(2 y0^2) = 5e-401``: the step fraction was ``2**-2000``,
    0.0 as a float, and ``math.log2(0)`` raised 'math domain error'."""
    cube = PolynomialFlow(state=(_y,), rhs=(_y**3,))
    with pytest.raises(RuntimeError, match=r"step size underflow at t = 5\.0e-401"):
        integrate_flow(cube, [0.0, 1e-300], [1e200], {}, method="taylor", dps=20)


def test_piecewise_taylor_on_huge_entries_gives_up_with_a_documented_error():
    """The fuzzer's call: entries near 1e300 (an OverflowError of the event tolerance, then math.log2(0))."""
    with pytest.raises(RuntimeError, match=r"step size underflow"):
        pl.integrate([3.3943082133802296e-295, 0.011119049676872496], [-1e-300], [[-1.0, 1.0, -1e300]],
                     [[-1e150, 1e300, 0.498362138]], [-1e-150], ("leaky_relu", 0.5), eta_w=2.0, dps=20,
                     method="taylor", max_flips=19)


@pytest.mark.parametrize("t", [1.2e-38, 1e-300])
def test_taylor_reaches_tiny_positive_times(t):
    """``y' = y^2``, ``y(0) = 1e30``: ``y(t) = 1/(1e-30 - t)`` (``1e30 (1 + 1.2e-8)`` at ``t = 1.2e-38``); the last
    step rounded to 0 in fixed point at the series scale ``tau = 1`` ('step size underflow at t = 0')."""
    growth = PolynomialFlow(state=(_y,), rhs=(_y**2,))
    sol = integrate_flow(growth, [0.0, t], [1e30], {}, method="taylor", dps=30)
    with mpmath.workdps(40):
        exact = 1 / (1 / mpmath.mpf(1e30) - mpmath.mpf(t))
        assert abs(sol.y[-1, 0] / exact - 1) < mpmath.mpf(10) ** -25


def test_piecewise_solution_as_float_at_a_tiny_time():
    sol = pl.integrate([1.2e-38], [1.0, 1.0], [[0.5, 0.5], [0.5, 0.5]], np.eye(2), np.ones(2), "relu",
                       dps=15, method="taylor")
    a, W = sol.as_float().a, sol.as_float().W
    assert a.dtype == float and np.all(np.isfinite(a)) and np.all(np.isfinite(W))
    np.testing.assert_allclose(a[0], [1.0, 1.0], rtol=1e-15)
