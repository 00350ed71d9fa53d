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
from symrich import single_neuron as sn
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


# ---------------------------------------------------------------- the float64 domain of the single neuron

_S = (1e-160, 1e-170)


@pytest.mark.parametrize("s", _S)
def test_tiny_initialisation_outside_the_float64_domain_is_rejected(s):
    """``a0 = w0_1 = s``: ``s^2`` is subnormal; gave ``a = 1.0000056`` at 1e-160, ``a = inf``, ``w = NaN`` at 1e-170."""
    with pytest.raises(ValueError, match=r"a0 has an entry of magnitude .*float64 backend.*backend='mpmath'"):
        sn.trajectory([0.0, 371.0, 560.0], s, [s, 0.0], [0.0, 1.0])


@pytest.mark.parametrize("s", _S)
def test_mpmath_backend_is_correct_outside_the_float64_domain(s):
    """The same call with ``backend="mpmath"``: ``beta = a w`` reaches ``beta_star``, ``delta = 0`` is conserved."""
    a, w = sn.trajectory([0.0, 371.0, 560.0], s, [s, 0.0], [0.0, 1.0], backend="mpmath")
    assert abs(a[-1] * w[-1][1] - 1) < 1e-12 and abs(a[-1] * w[-1][0]) < 1e-12
    assert abs(a[-1] ** 2 - (w[-1][0] ** 2 + w[-1][1] ** 2)) < 1e-12


def test_float64_at_the_edge_of_the_domain_agrees_with_mpmath():
    s = 1e-150
    a, w = sn.trajectory([0.0, 371.0, 560.0], s, [s, 0.0], [0.0, 1.0])
    am, wm = sn.trajectory([0.0, 371.0, 560.0], s, [s, 0.0], [0.0, 1.0], backend="mpmath")
    np.testing.assert_allclose(a, np.array(am, dtype=float), rtol=1e-12)
    np.testing.assert_allclose(w, np.array(wm, dtype=float), rtol=1e-12, atol=0)


@pytest.mark.parametrize("call, name", [
    (lambda: sn.trajectory([0.0, 1.0], 1.0, [1.0, 0.0], [0.0, 1e200]), "beta_star"),
    (lambda: sn.trajectory([0.0, 1.0], 1.0, [1e200, 0.0], [0.0, 1.0]), "w0"),
    (lambda: sn.observables([0.0, 1.0], 1e100, [1.0, 0.0], [0.0, 1.0], eta_w=1e300), "eta_w"),
    (lambda: sn.M_matrix([1e200, 1.0], 1e300), "beta"),
    (lambda: sn.M_matrix([1.0, 1.0], 1e300), "delta"),
    (lambda: sn.delta_of(1e200, [1e200, 0.0]), "a"),
    (lambda: sn.Phi_delta([1.0, 1.0], 1e300), "delta"),
    (lambda: sn.grad_Phi_delta([1.0, 1.0], 1.0, eta_a=1e-300), "eta_a"),
    (lambda: sn.basin(1e200, [1.0, 0.0], [1.0, 0.0]), "a0"),
    (lambda: sn.implicit_bias([[1.0, 0.0]], [1e200], 1.0, [1.0, 1.0]), "y"),
    (lambda: sn.implicit_bias([[1.0, 1.0, 0.0]], [1.0], 1e-300, [1e-300, 0.0, 0.0]), "w0"),
    (lambda: sn.implicit_bias([[1.0, 1.0, 0.0]], [1.0], 1e-300, [1.0, 0.0, 0.0]), "a0"),
])
def test_inputs_outside_the_float64_domain_are_named(call, name):
    """Each gave NaN, inf or a wrong number (``implicit_bias(...).a_inf = -0.84`` from ``a0 > 0`` at ``delta = 0``)."""
    with pytest.raises(ValueError, match=rf"^{name} has an entry of magnitude .* outside \[1e-150, 1e150\]"):
        call()


@pytest.mark.parametrize("call", [
    lambda: sn.trajectory([0.0, 1.0, 10.0], 1e150, [1.0, 0.0], [0.0, 1.0]),
    lambda: sn.observables([0.0, 1.0], 1e150, [1.0, 0.0], [0.0, 1.0]),
    lambda: sn.M_matrix([1e150, 1e150], 1e150, eta_a=1e150, eta_w=1e150),
    lambda: sn.delta_of(1e150, [1.0], eta_w=1e150),
    lambda: sn.implicit_bias([[1e150, 0.0]], [1.0], 1e150, [1e150, 1e150], eta_w=1e150),
])
def test_results_that_overflow_inside_the_domain_are_a_value_error(call):
    """``a0 = 1e150``: all NaN before; now the final check of a float64 result."""
    with pytest.raises(ValueError, match=r"outside the supported range: the result overflows float64"):
        call()


def test_implicit_bias_kappa_without_cancellation():
    """``kappa_N = delta + eta_a ||P_N w0||^2`` cancelled to 0 for ``||w0|| = 1e150`` in null(X) (an integration
    that ran for minutes); ``eta_w a0^2 - eta_a ||P_R w0||^2`` is exact: ``kappa_N = a0^2 > 0``, ``sign = sign(a0)``."""
    a0 = -1.609661181425416
    res = sn.implicit_bias([[0.0, -1.0]], [1.59243626], a0, [-1e150, 0.0])
    assert res.kappa_N == pytest.approx(a0**2, rel=1e-15)
    assert res.sign == -1 and res.t_certificate is None


# ---------------------------------------------------------------- options


def test_parallel_must_be_a_bool():
    with pytest.raises(TypeError, match=r"parallel must be a bool"):
        sn.trajectory(1.0, 0.5, [1.0, 0.0], [0.0, 1.0], parallel="no")


@pytest.mark.parametrize("kwargs, kind, name", [
    ({"rtol": -1}, ValueError, "rtol"), ({"rtol": 2.0}, ValueError, "rtol"), ({"rtol": "1e-8"}, TypeError, "rtol"),
    ({"max_doublings": "a"}, TypeError, "max_doublings"), ({"max_doublings": 0}, ValueError, "max_doublings"),
    ({"max_doublings": 2.5}, TypeError, "max_doublings"),
])
def test_implicit_bias_options_are_checked(kwargs, kind, name):
    with pytest.raises(kind, match=rf"^{name} must be"):
        sn.implicit_bias([[1.0, 0.0]], [2.0], 1.0, [0.5, 0.3], **kwargs)


def test_mpmath_observables_take_rates_beyond_the_float_range_of_their_powers():
    """``eta_w = 1e300`` with ``backend="mpmath"``: a float power of the rate in the kernel raised OverflowError (34)."""
    obs = sn.observables([0.0, 0.5], 5e99, [1.0, 0.0], [-1e200, 0.0], eta_w=1e300, backend="mpmath")
    exact = (mpmath.mpf(5e99) + mpmath.mpf(1e200)) ** 2 / 2    # 1/2 ||a0 w0 - beta_star||^2
    assert abs(obs.loss[0] / exact - 1) < 1e-14
    assert all(mpmath.isfinite(v) for v in np.ravel(obs.ntk_norm))


# ---------------------------------------------------------------- batch shapes of M_matrix, ntk, delta_of


@pytest.mark.parametrize("func", [sn.M_matrix, lambda beta, delta: sn.ntk(np.eye(1), beta, delta)])
def test_delta_with_more_batch_axes_than_beta_broadcasts(func):
    """``beta`` (2, 1), ``delta`` (2, 2): NumPy's 'input operand has more dimensions than allowed by the axis
    remapping'; the batch is the broadcast of ``beta.shape[:-1]`` and ``delta.shape``, each entry its own ``M``."""
    beta, delta = np.array([[0.5], [-2.0]]), np.array([[0.1, 0.3], [0.0, -1.0]])
    out = func(beta, delta)
    assert out.shape == (2, 2, 1, 1)
    for i in range(2):
        for j in range(2):
            np.testing.assert_array_equal(out[i, j], func(beta[j], delta[i, j]))


def test_delta_of_with_batches_that_do_not_broadcast_names_a_and_w():
    """``a`` (2,), ``w`` (3, 3): NumPy's 'operands could not be broadcast together with shapes (2,) (3,)'."""
    with pytest.raises(ValueError, match=r"a of shape \(2,\) does not broadcast against the batch shape \(3,\) of w"):
        sn.delta_of(np.array([0.7, 0.5]), np.ones((3, 3)))


# ---------------------------------------------------------------- observables just after w0 = 0


@pytest.mark.parametrize("t", [1e-300, 1e-200, 1e-170])
def test_alignment_just_after_w0_is_zero_is_its_limit(t):
    """``w0 = 0``: ``w(t) = eta_w a0 beta_star t + O(t^2)`` (``w' = eta_w a (beta_star - a w)`` on whitened data),
    so ``cos(w, beta_star) -> 1``; ``||w||^2`` underflowed to 0 at ``t = 1e-300`` and the alignment was NaN."""
    obs = sn.observables([0.0, t], 1.0, [0.0, 0.0], [1.0, 0.5])
    assert np.isnan(obs.alignment[0])   # w = 0 exactly: undefined (documented)
    assert obs.alignment[1] == pytest.approx(1.0, abs=1e-15)
    exact = sn.observables([t], 1.0, [0.0, 0.0], [1.0, 0.5], backend="mpmath").alignment[0]
    assert obs.alignment[1] == pytest.approx(float(exact), abs=1e-15)


def test_kernel_distance_at_the_small_edge_of_the_domain_is_defined():
    """``a0 = 2e-150``, ``w0 = 0``: ``M(0) = eta_w a0^2 I`` is not 0, but ``||M(0)||_F^2`` (fourth degree) underflowed
    and ``S(0, 0)`` was 0/0 = NaN; ``S`` does not depend on the scales of ``(a0, w0)`` and ``(a, w)``."""
    obs = sn.observables(0.0, 1.983997180177414e-150, [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], 0.05, 19.742884036653518)
    assert obs.kernel_distance == 0.0
    args = ([0.0, 1.0, 10.0], 1e-150, [1e-150, 0.0, 0.0], [1.0, 0.0, 0.0], 0.05, 19.7)
    got, exact = sn.observables(*args).kernel_distance, sn.observables(*args, backend="mpmath").kernel_distance
    assert got[0] == 0.0 and got[-1] > 0.05
    np.testing.assert_allclose(got, np.asarray(exact, dtype=float), rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("func", [sn.trajectory, sn.observables])
def test_mpmath_backend_reports_nan_input_without_a_warning(func):
    """``beta_star = [nan, nan]`` with ``backend="mpmath"``: NumPy's RuntimeWarning 'invalid value encountered in
    <lambda> (vectorized)' from the conversion to mpf, before the ValueError."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"^beta_star contains NaN"):
            func(1.0, 0.5, [1.0, 0.0], [np.nan, np.nan], backend="mpmath")


def test_mpmath_backend_keeps_tiny_rates_and_mpf_rates():
    """Fuzz seed 52: ``backend="mpmath"`` passed the rates to the kernels as floats, so ``eta_a eta_w = 1e-330``
    underflowed to 0 and the zero start ``a0 = 0, w0 = 0`` gave a ZeroDivisionError; an mpf rate was rounded to float64."""
    obs = sn.observables(0.0, [1.0, 0.0], [[1e135, 0.0], [0.0, 0.0]], [[-0.1, 0.0], [0.0, 2.7]], 1e-300, 1e-30,
                         backend="mpmath")
    assert obs.beta_norm[1] == 0 and mpmath.isnan(obs.kernel_distance[1])   # M = 0: undefined (documented)
    a, w = sn.trajectory([0.0, 5.0], 0.0, [0.0, 0.0], [0.0, 2.7], 1e-300, 1e-30, backend="mpmath")
    assert all(v == 0 for v in a) and all(v == 0 for v in w.flat)             # the zero start stays at rest
    with mpmath.workdps(50):
        seven = sn.trajectory(1.0, mpmath.mpf("0.3"), [1, 0], [0, 2], mpmath.mpf("0.7"), 1, backend="mpmath")[0]
        tenths = sn.trajectory(1.0, mpmath.mpf("0.3"), [1, 0], [0, 2], mpmath.mpf(7) / 10, 1, backend="mpmath")[0]
        binary = sn.trajectory(1.0, mpmath.mpf("0.3"), [1, 0], [0, 2], 0.7, 1, backend="mpmath")[0]
        assert abs(seven - tenths) < 1e-45 and abs(seven - binary) > 1e-20   # the decimal 0.7, not the float
