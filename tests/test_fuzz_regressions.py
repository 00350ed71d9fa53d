"""Regression tests of the bugs the fuzz test (``tests/test_fuzz.py``) found, one test per bug."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from symrich import deep_linear as dl
from symrich import piecewise_linear as pl
from symrich import single_neuron as sn
from symrich import wide_linear as wl
from symrich.experiments import config as ec
from symrich.numeric.kernels import kernel_distance
from symrich.oracle import integrate_single_neuron


def _near_saddle(a0, b, eta_a, eta_w):
    """d = 1, w0 = -sign(b) sqrt(eta_w/eta_a) a0: delta = 0 and A = 0 up to the rounding of the inputs."""
    return a0, np.array([-math.copysign(math.sqrt(eta_w / eta_a) * a0, b)]), np.array([b]), eta_a, eta_w


#: float inputs within rounding of the stable manifold of the saddle, eta_a != eta_w.  Before the fix the
#: general form read U = a0/2 + K/Lam as 0 (rounding noise) while the selector's A was not 0:
#: ``a(t) = atil/Dt`` became 0/0 (NaN) or noise/underflow (a = 2e34) once e^{-gamma t} underflowed.
NEAR_SADDLE = [_near_saddle(0.5392201699257031, -0.70739511, 0.1778572091529878, 15.464351564446503),
               _near_saddle(0.7518778015804423, 0.34558419, 1.0, 1.453125)]


@pytest.mark.parametrize("backend", ["numpy", "mpmath"])
@pytest.mark.parametrize("problem", NEAR_SADDLE)
def test_trajectory_near_the_saddle_manifold_is_finite_and_conserves_delta(problem, backend):
    # mpmath at its default 15 digits rounds U as float64 does (before the fix: a = 2x the limit at t = 1e3)
    a0, w0, bs, ea, ew = problem
    t = [0.0, 10.0, 100.0, 1e3, 1e6, 1e300]
    a, w = (np.asarray(x, dtype=float) for x in sn.trajectory(t, a0, w0, bs, ea, ew, backend=backend))
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(w))
    delta0 = ew * a0**2 - ea * float(w0 @ w0)
    np.testing.assert_allclose(ew * a**2 - ea * w[:, 0] ** 2, delta0, atol=1e-12)
    # the limit is a global minimum (a w = beta_star) or the saddle (float64 rounds A to 0)
    beta = a * w[:, 0]
    assert abs(beta[-1] - bs[0]) < 1e-12 or abs(beta[-1]) < 1e-300
    assert beta[-2] == beta[-1]


@pytest.mark.parametrize("problem", NEAR_SADDLE)
def test_mpmath_trajectory_near_the_saddle_manifold_matches_the_oracle(problem):
    # at 45 digits U is resolved (about 1e-17 here): the trajectory leaves the saddle late (condition number about
    # 1e16), and the closed form follows the oracle through the escape to its limit (before the fix: a = 2x the
    # limit at t = 1e3, delta drifting)
    a0, w0, bs, ea, ew = problem
    t = [1.0, 30.0, 100.0, 1e3]
    ref_a, ref_w = integrate_single_neuron(t, a0, list(w0), XtX=np.eye(1), Xty=list(bs), eta_a=ea, eta_w=ew, dps=45)
    with mpmath.workdps(45):
        a, w = sn.trajectory(t + [1e6], a0, w0, bs, ea, ew, backend="mpmath")
        err = max(abs(x - y) / (1 + abs(y)) for x, y in zip(list(a[:4]) + list(w[:4, 0]), list(ref_a) + [v[0] for v in ref_w]))
        assert err < 1e-20
        assert abs(a[4] * w[4, 0] - mpmath.mpf(bs[0])) < mpmath.mpf(10) ** -25
    assert abs(a[-1] * w[-1, 0] - bs[0]) < 1e-12  # the oracle's limit beta = beta_star


@pytest.mark.parametrize("func, args", [
    (dl.parameter_flow, ([np.full((2, 2), 1e200), np.full((1, 2), 1e200)], np.eye(2), np.ones(2))),
    (dl.conserved_quantities, ([np.full((2, 2), 1e200), np.full((1, 2), 1e200)],)),
])
def test_deep_linear_overflow_is_a_value_error(func, args):
    # was: a RuntimeWarning from numpy's matmul, then inf/NaN in the result
    with pytest.raises(ValueError, match="weights.*outside the supported range"):
        func(*args)


ONES = np.ones((2, 2))


@pytest.mark.parametrize("call, error, match", [
    (lambda: ec.RunConfig(scale=1.0, alpha=10**400, seed=0), ValueError, "alpha"),  # was OverflowError
    (lambda: ec.RunConfig(scale=True, alpha=1.0, seed=0), ValueError, "scale"),  # was accepted
    (lambda: ec.RunConfig(scale=1.0, alpha=1.0, seed=0, method=np.array([True, False])), ValueError, "method"),
    (lambda: ec.RunConfig(scale=1e-300, alpha=1.0, seed=0), ValueError, "lr"),  # was ZeroDivisionError from .lr
    (lambda: ec.RunConfig(scale=1.0, alpha=1e300, seed=0), ValueError, "alpha"),  # was OverflowError from .delta
    (lambda: ec.RunConfig(scale=np.float64(1e-200), alpha=1.0, seed=0), ValueError, "lr"),  # was a RuntimeWarning
    (lambda: ec.load_config({"grid": {"scale": 1.0, "alpha": 1, "seed": 0}, "settings": {"base_lr": math.nan}}),
     ValueError, "base_lr must be a positive"),  # was accepted: settings with base_lr = NaN
    (lambda: ec.RunConfig(scale=1.0, alpha=1.0, seed=0, steps=True), ValueError, "steps"),  # was accepted
    (lambda: ec.alpha_of(1.0, 1e-300), ValueError, "scale"),
    (lambda: ec.checkpoint_steps("x"), TypeError, "steps"),  # was int('x')
    (lambda: ec.load_config({"grid": None}), ValueError, "grid"),  # was dict(None)
    (lambda: sn.solution_kernels(cse=np.array([])), TypeError, "cse"),
    (lambda: pl.Activation("relu", 0.0).sigma(np.array(["1.0"])), TypeError, "z"),  # was accepted
    (lambda: pl.Activation("relu", 0.0).slopes([[1.0], [1.0, 2.0]]), TypeError, "pattern"),  # was NumPy's ragged error
    (lambda: pl.forward(np.full((1, 2), 1e200), [1.0], np.full((1, 2), 1e200)), ValueError, "X, W"),
    (lambda: pl.beta_flow([[-1e150, 1.0], [1.0, 1.0]], [1e150, 3.0], [[1.2e150, 2.7]], [-1e-150], [[True, False]],
                          activation="abs"), ValueError, "beta has an entry of magnitude"),  # was a RuntimeWarning
    (lambda: pl.conserved_deltas([1e200], [[1e200, 0.0]]), ValueError, "a has an entry of magnitude"),  # was NaN
    (lambda: pl.beta_flow([[1e150, 1.0]], [1.0], [[1e149, 1.0]], [1.0], [[True]]), ValueError, "X, y, beta, delta"),
    (lambda: pl.conserved_deltas([1e150], [[1e150, 1e150]], eta_a=1e150), ValueError, "a, w are outside"),  # in domain
    (lambda: pl.beta_flow(np.eye(2), [1.0, 1.0], [[1.0, 0.0]], [0.0], [[1.0], [1.0, 2.0]]), ValueError,
     "pattern must be a boolean array"),  # was NumPy's ragged message
    (lambda: pl.hamming_distance([[True], [True, False]], [[True]]), ValueError, "P0 and Pt"),  # was NumPy's message
    (lambda: wl.balanced_layers(3, 2, 2, 0.5, np.random.default_rng(0), scale=1e200), ValueError, "scale"),  # was W2 = NaN
    (lambda: wl.layers_of_beta(np.full((2, 3), 1e200), -1.0), ValueError, "beta0"),  # was a RuntimeWarning in matmul
    (lambda: wl.layers_of_beta([[1.0]], 1e200), ValueError, "lam"),                 # was Python's OverflowError
    (lambda: ec.checkpoint_steps(10**400), ValueError, "steps"),                      # was Python's OverflowError
    (lambda: pl.activation_pattern([[1e200, 1e200]], [[1e200, -1e200]]), ValueError, "X, W"),  # was a RuntimeWarning
    (lambda: sn.ntk(np.full((1, 2), 1e200), [1e100, 1e100], 1.0), ValueError, "X, beta"),
    (lambda: wl.conserved_Delta(np.full((2, 2), 1e200), ONES), ValueError, "W, A"),
    (lambda: wl.ntk(np.eye(2), np.full((2, 2), 1e200), ONES), ValueError, "W, A"),
    (lambda: wl.q_delta(1e200, 1.0), ValueError, "x, delta"),
    (lambda: dl.conserved_quantities([ONES, ONES], [[1.0], [1.0, 2.0]]), ValueError, "etas"),  # was NumPy's ragged error
    (lambda: wl.balance(np.ones((0, 2, 2)), np.ones((2, 2, 2))), ValueError, "batch shapes of W1"),  # was NumPy's
    (lambda: wl.layers_of_beta(np.ones((0, 2)), 1.0), ValueError, "beta0 must have at least one row"),  # was NumPy's
    (lambda: wl.time_to_reach(1e-300, 0.0, 1.0, 0.0), ValueError, "sigma0 = 0 with delta = 0 is a fixed point"),  # was
    # the overflow message: sigma stays 0 (the time is infinite), a condition on the data, not float64's range
    (lambda: wl.balance(np.ones((0, 3)), np.ones((3, 0))), ValueError, "hidden width h >= 1"),  # was NumPy's max()
    (lambda: wl.balanced_layers(2, 3, 10**100, 0.0, np.random.default_rng(0)), ValueError, "d, h, c"),  # was NumPy's
    (lambda: wl.balanced_layers(2, 2, 3, 0.5, np.random.default_rng(0), backend=np.ones((0, 3))), ValueError,
     "backend"),  # was NumPy's 'truth value of an empty array is ambiguous'
    (lambda: wl.trajectory([0.0, 1.0], np.zeros((2, 2)), np.zeros((2, 2)), ONES).kernel_distance(), ValueError,
     "W1_0, W2_0"),  # was a message naming only K0, not an attribute of the trajectory
    (lambda: wl.balanced_layers(2, 2, 3, np.ones((0, 3)), np.random.default_rng(0), backend="mpmath"), TypeError,
     "lam"),  # was NumPy's 'truth value of an empty array is ambiguous'
    (lambda: wl.singular_value_trajectory(np.ones(3), np.ones(2), 1.0, 1.0), ValueError, r"t \(3,\), sigma0 \(2,\)"),
    (lambda: wl.balanced_layers(2, 2, 2, 0.5, np.random.default_rng(0), 1.0, np.array(True), backend="mpmath"),
     TypeError, "eta_w"),  # seed 63: a 0-d boolean array was read as the rate 1
    (lambda: ec.load_config({"settings": {"preset": np.array(["paper"])}}), ValueError, "preset"),  # seed 63: was
    # Python's "unhashable type: 'numpy.ndarray'"
])
def test_bad_or_extreme_input_is_named(call, error, match):
    # each was a crash from inside Python, NumPy or the generated code (or an accepted junk value) before
    with pytest.raises(error, match=match):
        call()


def test_kernel_distance_of_huge_kernels():
    # was: a RuntimeWarning and NaN from the overflowing Frobenius norms; S is scale-free
    assert kernel_distance(1e300 * ONES, np.eye(2)) == kernel_distance(ONES, np.eye(2))
    assert kernel_distance(np.eye(2), 3 * np.eye(2)) == 0.0


def test_checkpoint_steps_up_to_1e18():
    # a bound of 10^15 rejected steps = 10^18, a valid call; beyond 10^18 is a ValueError naming steps
    out = ec.checkpoint_steps(10**18, per_decade=1000)
    assert out[0] == 0 and out[-1] == 10**18 and out[-2] == round(10 ** (17999 / 1000)) and list(out) == sorted(set(out))
    with pytest.raises(ValueError, match="steps"):
        ec.checkpoint_steps(10**18 + 1)


def test_ntk_from_grams_with_a_0d_object_rate():
    # was: ValueError 'x must be an array of real numbers' (the rates converted as one list of a 0-d array)
    K = wl.ntk_from_grams(np.eye(2), np.eye(2), np.ones((1, 1)), np.array(2.0, dtype=object), 2.0)
    np.testing.assert_array_equal(np.asarray(K, dtype=float), wl.ntk_from_grams(np.eye(2), np.eye(2), np.ones((1, 1)), 2.0, 2.0))


def test_time_to_reach_far_above_s_is_positive():
    # was: a negative time (the two logarithms of the old form cancelled); for sigma, sigma0 >> s, |delta| the
    # flow is sigma' = -2 sqrt(eta) sigma^2 to relative order s/sigma: t = (1/sigma - 1/sigma0)/(2 sqrt(eta))
    for s, delta in ((1.0, 0.0), (0.0, 6.103515625e-05)):
        t = wl.time_to_reach(1e147, 1e150, s, delta)
        assert t == pytest.approx((1 / 1e147 - 1 / 1e150) / 2, rel=1e-12)
