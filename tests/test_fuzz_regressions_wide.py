"""Regression tests of the fuzz findings of issue 17 in :mod:`symrich.wide_linear` and the piecewise-linear speeds.

Each test is one input the fuzzer (``tests/test_fuzz.py``) found, reduced by hand; every warning is an error
(as in the fuzzer), so a ``RuntimeWarning`` from inside NumPy fails the test.
"""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest

from symrich import piecewise_linear as pl
from symrich import wide_linear as wl


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_radial_directional_speeds_overflow_is_a_value_error():
    with pytest.raises(ValueError, match=r"beta, delta, g.*overflows float64"):
        pl.radial_directional_speeds([[1e300, 1.0]], [1.0], [[1e300, 1e300]])



def test_balance_of_layers_with_a_huge_rate():
    # (rtol ||.||)^2 and the squares of ||Delta - lambda I||_F overflowed for eta_w = 1e300
    W1, W2 = wl.balanced_layers(2, 2, 2, 0.5, np.random.default_rng(0), 1.0, 1e300)
    assert float(wl.balance(W1, W2, 1.0, 1e300)) == pytest.approx(0.5, rel=1e-12)
    assert float(wl.balance(W1, W2, rtol=1e300)) == pytest.approx(float(wl.balance(W1, W2, rtol=1.0)))


def test_balance_checks_the_rates():
    with pytest.raises(TypeError, match="eta_w"):
        wl.balance([[1.0, 0.0]], [[2.0]], 1.0, None)


def test_trajectory_with_a_huge_target_is_finite_and_agrees_with_mpmath():
    # S/sqrt(eta) = 1.8e300: the squares in the eigenvalues overflowed
    W1, W2 = wl.balanced_layers(2, 2, 1, -0.7, np.random.default_rng(1), 1.0, 0.31747896261040726)
    args = ([0.0, 1e-300, 1.0, 1e6], W1, W2, [[-1e300, 3e299]], 1.0, 0.31747896261040726)
    sol = wl.trajectory(*args)
    ref = wl.trajectory(*args, backend="mpmath")
    for name in ("beta", "W1TW1", "W2W2T"):
        assert np.allclose(getattr(sol, name), getattr(ref, name).astype(float), rtol=1e-12, atol=0), name


def test_trajectory_beyond_float64_is_a_value_error():
    # lambda/(eta_a eta_w) = 1.4e450: NaN came out
    W1, W2 = np.array([[[1.39853467e-300]], [[-2.50978573e-300]]]), np.array([[[-1.19522861e75]], [[-1.19522861e75]]])
    with pytest.raises(ValueError, match=r"W1_0, W2_0, S, eta_a, eta_w .*float64.*backend='mpmath'"):
        wl.trajectory([12.2], W1, W2, [[1.0]], 1e-300, 0.7)


def test_kernel_distance_of_kernels_beyond_float64():
    # K ~ 2e308 while the Gram matrices fit: 'X, W1TW1, W2W2T ... overflow' named no argument of the method
    W1, W2 = wl.balanced_layers(2, 1, 1, 0.0, np.random.default_rng(0), 1e18, 1.0)
    t, S = [0.0, 1e-9, 1e-6], np.array([[1.7e299, 0.0]])
    distance = wl.trajectory(t, W1, W2, S, 1e18, 1.0).kernel_distance()
    # the same kernels divided by 1e20: W2 -> W2/1e10, S -> S/1e10, eta_w -> 1e20 eta_w leaves eta_w W2 W2^T unchanged
    rescaled = wl.trajectory(t, W1, W2 / 1e10, S / 1e10, 1e18, 1e20).kernel_distance()
    exact = wl.trajectory(t, W1, W2, S, 1e18, 1.0, backend="mpmath").kernel_distance()
    assert distance[1] > 1e-3
    assert np.allclose(distance, rescaled, rtol=1e-9) and np.allclose(distance, exact, rtol=1e-9)


def test_ntk_from_grams_checks_its_inputs():
    with pytest.raises(ValueError, match=r"W1TW1 must have shape \(\.\.\., d, d\) with d = 2"):
        wl.ntk_from_grams(np.eye(2), np.eye(3), np.eye(2))
    with pytest.raises(ValueError, match=r"W2W2T must have shape \(\.\.\., c, c\)"):
        wl.ntk_from_grams(np.eye(2), np.eye(2), np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"batch axes of W1TW1 \(2,\) and W2W2T \(3,\)"):
        wl.ntk_from_grams(np.eye(2), np.ones((2, 2, 2)), np.ones((3, 1, 1)))
    with pytest.raises(ValueError, match="W2W2T contains NaN"):
        wl.ntk_from_grams(np.eye(2), np.eye(2), [[np.nan]])
    with pytest.raises(TypeError, match="eta_a"):
        wl.ntk_from_grams(np.eye(2), np.eye(2), np.eye(1), "1")


def test_beta_flow_of_one_output_has_the_shape_of_beta():
    beta, G = np.array([1.0, -0.5, 2.0]), np.array([0.3, 0.1, -1.0])
    flow = wl.beta_flow(beta, G, -0.4, 0.7, 1.3)
    assert flow.shape == (3,)
    assert np.array_equal(flow, wl.beta_flow(beta[:, None], G[:, None], -0.4, 0.7, 1.3)[:, 0])


def test_beta_flow_overflow_is_a_value_error():
    with pytest.raises(ValueError, match="overflows float64"):
        wl.beta_flow([[1e300], [1.0]], [[1.0], [1.0]], 0.5)
    with pytest.raises(ValueError, match="overflows float64"):  # delta^2/4 overflowed in math: an OverflowError
        wl.beta_flow([[1e-150]], [[-1e300]], 1e300, 0.05, 1e300)


def _sigma_mp(t, sigma0, s, delta, eta_a, eta_w):
    """The closed form ``sigma(t) = (v^2 - kappa^2)/(2v)``, ``v`` the Riccati solution, at 50 digits (cancellation
    is harmless there): ``v = v_+ + b E/(1 + b (1 - E)/(2R))``, ``b = v0 - v_+``, ``E = exp(-2 R sqrt(eta) t)``."""
    with mpmath.workdps(50):
        t, sigma0, s, delta = (mpmath.mpf(x) for x in (t, sigma0, s, delta))
        root_eta = mpmath.sqrt(mpmath.mpf(eta_a) * mpmath.mpf(eta_w))
        kappa = abs(delta) / (2 * root_eta)
        R = mpmath.sqrt(s**2 + kappa**2)
        v0 = sigma0 + mpmath.sqrt(sigma0**2 + kappa**2)
        b = v0 - (s + R)
        E = mpmath.exp(-2 * R * root_eta * t)
        v = s + R + b * E / (1 + b * (1 - E) / (2 * R))
        return (v**2 - kappa**2) / (2 * v)


@pytest.mark.parametrize("sigma0", [1e-30, 1e-10, 1e-3, 0.5, 3.0])
@pytest.mark.parametrize("s, delta", [(0.01, -1.0), (0.01, 1.0), (1.0, -2.5), (1.0, 0.0), (2.0, 0.7)])
def test_singular_value_trajectory_keeps_its_relative_accuracy_far_below_s(sigma0, s, delta):
    # sigma0 << s with delta < 0: sigma = s + (v - v_+)(v - v_-)/(2v) cancelled, sigma(0) = 0 for sigma0 = 1e-30
    t = np.array([0.0, 1e-3, 0.3, 1.0, 10.0, 1e3])
    got = wl.singular_value_trajectory(t, sigma0, s, delta, 1.0, 1.5)
    if sigma0 <= s:  # the rising form starts exactly at sigma0
        assert got[0] == sigma0
    want = np.array([float(_sigma_mp(x, sigma0, s, delta, 1.0, 1.5)) for x in t])
    np.testing.assert_allclose(got, want, rtol=4e-15, atol=0)


# ---------------------------------------------------------------- wide trajectory at subnormal times


@pytest.mark.parametrize("t, eta", [([0.0, 5e-324, 1e-310], 1.0), ([1e-300], 1e-10)])
def test_trajectory_at_a_subnormal_scaled_time_is_the_initial_state(t, eta):
    """``tau = eta_a eta_w t`` below 2.2e-308: the kernel divided by it and reported the float64 range error;
    ``e^{F tau} = I`` to rounding there, the state is the initial one (as the mpmath backend says, to rounding)."""
    W1, W2 = wl.balanced_layers(2, 2, 2, 0.5, np.random.default_rng(0), eta, eta)
    S = np.array([[1.0, 0.3], [0.0, 2.0]])
    sol = wl.trajectory(t, W1, W2, S, eta, eta)
    ref = wl.trajectory(t, W1, W2, S, eta, eta, backend="mpmath")
    start = wl.trajectory(0.0, W1, W2, S, eta, eta).beta
    for k in range(len(t)):
        np.testing.assert_array_equal(sol.beta[k], start)
        np.testing.assert_allclose(sol.beta[k], ref.beta[k].astype(float), rtol=1e-14, atol=0)


# ---------------------------------------------------------------- time_to_reach at extreme magnitudes


@pytest.mark.parametrize("c", [1e250, 1e-250, 2.0**900])
def test_time_to_reach_is_homogeneous_at_extreme_scales(c):
    """``sigma, sigma0, s, delta`` scaled by ``c`` divide the time by ``c``; near 1e250 the squares in
    ``sqrt(sigma^2 + kappa^2)`` overflowed and the time came out 0.0 (near 1e-250 they underflowed: NaN)."""
    for sigma, sigma0, s, delta in ((1.0, 2.0, 0.5, 0.0), (0.3, 0.1, 2.0, 0.7), (1.5, 3.0, 1.0, -0.4)):
        t = wl.time_to_reach(sigma, sigma0, s, delta)
        assert wl.time_to_reach(c * sigma, c * sigma0, c * s, c * delta) * c == pytest.approx(t, rel=1e-14)


def test_time_to_reach_far_above_a_small_target():
    """``sigma, sigma0 >> s``: the time is the critical one, ``(1/sigma - 1/sigma0)/(2 sqrt(eta))``, to rounding
    (was 0.0 at 1e250)."""
    assert wl.time_to_reach(1e250, 2e250, 1.0, 0.0) == pytest.approx(0.25e-250, rel=1e-15)
    assert wl.time_to_reach(1e-200, 1.0, 1e-250, 0.0) == pytest.approx(0.5e200, rel=1e-15)


def test_time_to_reach_below_the_float_range_is_a_value_error():
    with pytest.raises(ValueError, match=r"time is below the float64 range"):
        wl.time_to_reach(1e250, 2e250, 1.0, 0.0, 1e150, 1e150)


# ---------------------------------------------------------------- piecewise-linear integrate


def test_integrate_with_a_flow_beyond_float64_on_the_scipy_path_is_a_value_error():
    """The fuzzer's call: eta_w = 1.5e31 with ``X`` near 1e150 (a RuntimeWarning from the float64 right-hand side)."""
    X = np.array([[-1e150, 1.0], [1.0, -1e-150], [0.747694388, -1e-300]])
    with pytest.raises(ValueError, match=r"a0, W0, X, y, eta_a, eta_w .* method='scipy'.*method='taylor'"):
        pl.integrate([1.4e-45, 0.17, 0.31], [1.0], [[0.5, -1.91790607]], X, [-0.105670406, 0.813001544, 1e-30],
                     ("leaky_relu", 0.1), 10.0, 1.5083928723277663e31, method="scipy", max_flips=19)


@pytest.mark.parametrize("a0, W0, kind, match", [
    ([1.0], [[1.0], [2.0]], ValueError, r"^W0 must have shape \(K, d\) with K = len\(a0\) = 1"),
    ("1", [[1.0]], TypeError, r"^a0 must be"),
    ([1.0], [1.0], ValueError, r"^W0 must have 2 dimension"),
    ([], np.zeros((0, 1)), ValueError, r"got a0 of shape \(0,\) and W0 of shape \(0, 1\)"),
])
def test_integrate_names_a0_and_W0(a0, W0, kind, match):
    """The messages named ``a`` and ``W``, which are not arguments of integrate."""
    with pytest.raises(kind, match=match):
        pl.integrate([0.0, 1.0], a0, W0, [[1.0]], [1.0])


@pytest.mark.parametrize("dps", [np.array(["1.0"]), "20", 10, 20.0, True])
def test_integrate_checks_dps_first(dps):
    """The fuzzer's ``dps = array(['1.0'])``: NumPy's 'ufunc add did not contain a loop' from ``dps + 20``."""
    with pytest.raises(ValueError, match=r"^dps must be an integer >= 15"):
        pl.integrate([0.0, 1.0], [1.0], [[1.0]], [[1.0]], [1.0], dps=dps, method="scipy")


def test_integrate_scipy_path_honours_max_steps():
    """The fuzzer's call (``t = 1e300``) ran for ever: the flow is stiff after it converges, so DOP853's steps stay
    short, and ``max_steps`` bounded only the Taylor method; at ``t = 1e4`` the old code took some 20000 steps."""
    X, W0 = np.array([[2.0, -2.64886189, 0.0]]), np.array([[-2.98554963, 0.0, 0.5], [-2.27927939, 1.49243735, -3.0]])
    call = dict(a0=[0.5, 0.0], W0=W0, X=X, y=[0.67853139], activation=("leaky_relu", 0.1), eta_a=13.642694206891468,
                method="scipy", max_steps=2000)
    with pytest.raises(RuntimeError, match=r"max_steps=2000 reached at t = .*method='taylor'"):
        pl.integrate([1e4], **call)
    assert np.all(np.isfinite(pl.integrate([1.0], **call).a))


@pytest.mark.parametrize("method", [np.zeros((2, 2, 2)), ["scipy"], None])
def test_integrate_checks_the_type_of_method(method):
    """An array for ``method``: NumPy's 'truth value of an array ... is ambiguous' from ``method not in (...)``."""
    with pytest.raises(ValueError, match=r"^method must be 'taylor' or 'scipy'"):
        pl.integrate([0.0, 1.0], [1.0], [[1.0]], [[1.0]], [1.0], method=method)


@pytest.mark.parametrize("max_steps", [float("inf"), 0, 2.5, True])
def test_integrate_checks_max_steps(max_steps):
    """``max_steps = inf`` on the scipy path reached solve_ivp (the oracle checks it only for the Taylor method)."""
    with pytest.raises(ValueError, match=r"^max_steps must be a positive integer"):
        pl.integrate([0.0, 1.0], [1.0], [[1.0]], [[1.0]], [1.0], method="scipy", max_steps=max_steps)


def test_integrate_scipy_crossing_at_the_start_of_a_step_is_a_runtime_error():
    """The fuzzer's call (``y = 1e30``): solve_ivp's dense output raised "`ts` must be strictly increasing", a
    ValueError naming no argument, for a terminal event located exactly at the start of a step."""
    with pytest.raises(RuntimeError, match=r"solve_ivp failed.*method='taylor'"):
        pl.integrate([0.4509696719077908], [0.5, 1.74537785], [[2.04600855, 0.5, -1.17445486], [1.0, 1.0, 0.7]],
                     [[0.5, 1.0, -1.0], [-1.5, 1.0, 1.70502789]], [1e30, 1.74537785], "abs", 9.593058705729055, 0.5,
                     method="scipy", max_flips=10)


def test_balance_check_that_underflows_is_a_value_error():
    """Layers of balanced_layers at ``eta_a = 5e-324``, ``eta_w = 1e-300`` (the fuzzer's): the scale
    ``eta_w ||W2||^2 + eta_a ||W1||^2`` underflowed to 0, and the message divided by it (ZeroDivisionError)."""
    W1, W2 = np.array([[0.10338739], [-0.52661662]]), np.array([[2.29805218e-13, -1.17054170e-12]])
    with pytest.raises(ValueError, match=r"(eta_a, eta_w underflow float64|eta_a, eta_w are outside the range of float64).*backend='mpmath'"):
        wl.trajectory(1.0, W1, W2, [[1.0]], 5e-324, 1e-300)
    with pytest.raises(ValueError, match=r"eta_a, eta_w underflow float64"):
        wl.balance(W1, W2, 5e-324, 1e-300)


def test_integrate_bounds_dps():
    """``dps = 10**400``: Python's OverflowError 'int too large to convert to float' from the oracle."""
    with pytest.raises(ValueError, match=r"^dps must be at most"):
        pl.integrate([0.0, 1.0], [1.0], [[1.0]], [[1.0]], [1.0], dps=10**400, method="scipy")
