"""Exact single-neuron trajectories (whitened data) against the high-precision oracle.

The oracle (:func:`symrich.oracle.integrate_single_neuron`) integrates the flow
with a Taylor method at 30 digits; it shares no code with the closed form.
"""

import math

import mpmath
import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from symrich.oracle import integrate_single_neuron
from symrich.single_neuron import observables, solution_kernels, trajectory

DPS = 30


def oracle(t, a0, w0, beta_star, eta_a=1.0, eta_w=1.0):
    d = len(w0)
    return integrate_single_neuron(list(t), a0, list(w0), XtX=np.eye(d), Xty=list(beta_star),
                                   eta_a=eta_a, eta_w=eta_w, dps=DPS)


def digits_err(x, y):
    """max |x - y| / (1 + |y|) over all entries, in mpmath."""
    xs, ys = np.ravel(np.asarray(x, dtype=object)), np.ravel(np.asarray(y, dtype=object))
    assert xs.shape == ys.shape
    with mpmath.workdps(DPS + 10):
        return max(abs(mpmath.mpf(p) - mpmath.mpf(q)) / (1 + abs(mpmath.mpf(q))) for p, q in zip(xs, ys))


def float_err(x, y):
    x = np.asarray(x, dtype=float)
    y = np.asarray(np.asarray(y, dtype=object), dtype=float)
    return float(np.max(np.abs(x - y) / np.maximum(1.0, np.abs(y))))


@st.composite
def problems(draw, max_d=5):
    """(a0, w0, beta_star, eta_a, eta_w) with delta of either sign, or within 1e-8 of 0."""
    d = draw(st.integers(1, max_d))
    # entries 0 or in the float64 domain [1e-150, 1e150] of backend="numpy" (docs/single_neuron.md)
    vec = st.lists(st.floats(-2, 2, allow_nan=False).map(lambda v: v if abs(v) >= 1e-150 else 0.0), min_size=d, max_size=d)
    w0 = np.array(draw(vec))
    bs = np.array(draw(vec))
    eta_a = draw(st.floats(0.1, 10))
    eta_w = draw(st.floats(0.1, 10))
    mode = draw(st.sampled_from(["free", "near_balanced", "upstream", "downstream"]))
    sign = draw(st.sampled_from([1.0, -1.0]))
    if mode == "free":
        a0 = draw(st.floats(-2, 2).map(lambda v: v if abs(v) >= 1e-150 else 0.0))
    else:
        target = {"near_balanced": draw(st.floats(-1e-8, 1e-8)), "upstream": draw(st.floats(0.1, 4)),
                  "downstream": -draw(st.floats(0.0, 1.0)) * eta_a * float(w0 @ w0)}[mode]
        a0 = sign * math.sqrt(max(target + eta_a * float(w0 @ w0), 0.0) / eta_w)
        a0 = a0 if abs(a0) >= 1e-150 else 0.0
    return float(a0), w0, bs, float(eta_a), float(eta_w)


def well_conditioned(problem, times, eps=2.2e-16, tol=1e-12):
    """False near the stable manifold U = 0 of the saddle beta = 0, where rounding at ``eps`` is amplified past ``tol``.

    ``a e^{...} = U + V e^{-Lam t}`` up to a positive factor, with ``U = A/Lam``, ``V = -B/Lam`` (the closed form
    of :mod:`symrich.symbolic.single_neuron_solution`).
    Rounding moves ``U`` by ~ eps (|a0| + |U| + |V|); that is amplified by ``e^{(delta + Lam) t/2}`` until the
    growing mode dominates (then by ``1/|U|``).  E.g. ``a0 = -1/sqrt(3)``, ``w0 = beta_star = e_2``, rates (2, 6):
    ``U = 1e-17`` in exact arithmetic, 0 in float64.  Such examples are filtered out (and covered, at higher
    precision, by ``test_float_inputs_on_the_stable_manifold``).
    """
    a0, w0, bs, ea, ew = problem
    s2 = float(bs @ bs)
    delta = ew * a0**2 - ea * float(w0 @ w0)
    Lam = math.sqrt(delta**2 + 4 * ea * ew * s2)
    if Lam == 0:
        return True
    p0 = float(w0 @ bs)
    lp, lm = (-delta + Lam) / 2, (-delta - Lam) / 2
    U, V = (ea * p0 - lm * a0) / Lam, -(ea * p0 - lp * a0) / Lam
    scale = abs(a0) + abs(U) + abs(V)
    growth = math.exp(min((delta + Lam) * max(times, default=0.0) / 2, 700.0))
    amp = min(growth, scale / abs(U)) if U != 0 else growth
    return eps * scale * max(amp, 1.0) < tol / 10


# Times are 0 or >= 1e-3: the oracle (not the closed form) fails with "step size underflow" for a first
# output time like 1e-20 (reported to its owner).
TIMES = st.lists(st.one_of(st.just(0.0), st.floats(1e-3, 20.0)), min_size=1, max_size=3, unique=True).map(sorted)


@settings(deadline=None, max_examples=25)
@given(problems(), TIMES)
@example((0.0, np.array([1.0, 0.5]), np.array([0.0, 1.0]), 1.0, 1.0), [0.5, 3.0, 20.0])  # a0 = 0
@example((0.7071067811865476, np.array([0.7071067811865476]), np.array([1.0]), 1.0, 1.0), [1.0, 20.0])  # delta = 0 exactly
def test_mpmath_kernel_matches_oracle_to_25_digits(problem, times):
    assume(well_conditioned(problem, times, eps=1e-30, tol=1e-25))
    a0, w0, bs, ea, ew = problem
    a_ref, w_ref = oracle(times, a0, w0, bs, ea, ew)
    with mpmath.workdps(DPS):
        a, w = trajectory(times, a0, w0, bs, ea, ew, backend="mpmath")
    assert isinstance(a[0], mpmath.mpf)
    assert digits_err(a, a_ref) < 1e-25
    assert digits_err(w, w_ref) < 1e-25


@settings(deadline=None, max_examples=25)
@given(problems(), TIMES)
def test_numpy_kernel_matches_oracle(problem, times):
    assume(well_conditioned(problem, times))
    a0, w0, bs, ea, ew = problem
    a_ref, w_ref = oracle(times, a0, w0, bs, ea, ew)
    a, w = trajectory(times, a0, w0, bs, ea, ew)
    assert a.dtype == np.float64
    assert float_err(a, a_ref) < 1e-12
    assert float_err(w, w_ref) < 1e-12


def assert_float_matches_mpmath(times, a0, w0, bs, ea=1.0, ew=1.0, dps=DPS):
    """The float kernel against the mpmath kernel at ``dps`` digits: 1e-12 relative (absolute below 1)."""
    a, w = trajectory(times, a0, w0, bs, ea, ew)
    with mpmath.workdps(dps):
        am, wm = trajectory(times, a0, w0, bs, ea, ew, backend="mpmath")
    assert float_err(a, am) < 1e-12
    assert float_err(w, wm) < 1e-12


@settings(deadline=None, max_examples=60)
@given(problems(), st.lists(st.floats(0.0, 50.0), min_size=1, max_size=4))
def test_numpy_and_mpmath_kernels_agree(problem, times):
    assume(well_conditioned(problem, times))
    assert_float_matches_mpmath(times, *problem)


def _rates(problem):
    """(Lam, kappa = delta + Lam, 2 alpha = Lam - delta, |delta|): the rates whose k t = 1/2 switches a branch of the float loop."""
    a0, w0, bs, ea, ew = problem
    delta = ew * a0**2 - ea * float(w0 @ w0)
    Lam = math.sqrt(delta**2 + 4 * ea * ew * float(bs @ bs))
    return {"Lam": Lam, "kappa": delta + Lam, "2alpha": Lam - delta, "delta": abs(delta)}


@settings(deadline=None, max_examples=40)
@given(problems(), st.sampled_from(["Lam", "kappa", "2alpha", "delta"]), st.floats(1e-12, 1e-3))
def test_numpy_kernel_across_its_branch_switches(problem, rate, gap):
    """Just below, at and above k t = 1/2 (where a quotient replaces t phi1(-k t)) the float loop matches 30 digits."""
    k = _rates(problem)[rate]
    assume(k > 1e-6)
    times = sorted({0.5 / k * (1 - gap), 0.5 / k, 0.5 / k * (1 + gap)})
    assume(times[-1] < 1e4 and well_conditioned(problem, times))
    assert_float_matches_mpmath(times, *problem)


@pytest.mark.parametrize("a0, w0, bs", [
    (100.0, [1e-3, 0.0], [1e-3, 0.0]),     # delta = 1e4, s = 1e-3: Lam - delta cancels in l_+
    (1e-3, [100.0, 0.0], [1e-3, 2e-3]),    # delta = -1e4: Lam + delta cancels in -l_-
    (0.0, [30.0, 0.0], [0.0, 1e-4]),
])
def test_numpy_kernel_when_a_rate_is_a_small_difference(a0, w0, bs):
    """|delta| >> s: the rates alpha, gamma are taken in their quotient forms; 1e-12 against 40 digits up to t = 1e6."""
    assert_float_matches_mpmath([0.5, 1.0, 1e3, 1e5, 1e6], a0, w0, bs, dps=40)


def test_parallel_loop_is_bitwise_the_serial_one():
    rng = np.random.default_rng(11)
    a0, w0, bs = rng.normal(size=64), rng.normal(size=(64, 3)), rng.normal(size=(64, 3))
    a0[5], w0[5] = 0.0, 0.0                              # a fixed point
    bs[7] = 0.0                                          # beta_star = 0
    a0[9], w0[9], bs[9] = 1.0, [-1.0, 0.0, 0.0], [1.0, 0.0, 0.0]  # U = 1/2 + K/Lam = 1/2 - 1/2 = 0: the saddle loop
    tt = np.linspace(0.0, 30.0, 50)
    serial = trajectory(tt, a0, w0, bs)
    par = trajectory(tt, a0, w0, bs, parallel=True)
    for x, y in zip(serial, par):
        np.testing.assert_array_equal(x, y)
    assert abs(serial[0][9, -1]) < 1e-10  # the saddle row goes to beta = 0


def test_float_loop_has_two_exponentials_per_point():
    """The compiled general loop evaluates exp twice per (row, time) point and makes no libm call (so it vectorises)."""
    from symrich.single_neuron.kernels import trajectory_loops

    general, saddle = trajectory_loops(False)
    point = general.source.split("for j in range(t.shape[0]):")[1]
    assert point.count("vexp(") == 2 and "math.exp" not in point and "expm1" not in point
    assert saddle.source.split("for j in range(t.shape[0]):")[1].count("vexp(") == 1
    assert "math.sqrt" not in point.replace("1/math.sqrt(", "")  # the one square root is the normaliser 1/Dt
    # phi1_near0 (a polynomial valid on [-1/2, 1/2]) only appears in the branch k t < 1/2 of a divided exponential
    for line in point.splitlines():
        if "phi1_near0" in line:
            assert ">= 1/2" in line or ">= 1/4" in line


def test_cse_on_and_off_agree():
    rng = np.random.default_rng(7)
    B, T = 50, 7
    args = (np.linspace(0, 30, T)[None, :], rng.normal(size=(B, 1)), rng.normal(size=(B, 1)),
            rng.uniform(0, 3, size=(B, 1)), rng.normal(size=(B, 1)), 1.3, 0.6)
    for on, off in zip(solution_kernels("numpy", cse=True), solution_kernels("numpy", cse=False)):
        sel = args if on is not solution_kernels("numpy")[2] else args[1:]
        for x, y in zip(on(*sel), off(*sel)):
            np.testing.assert_allclose(x, y, rtol=1e-13, atol=1e-300)
    point = (mpmath.mpf(2.5), mpmath.mpf("0.3"), mpmath.mpf("-0.7"), mpmath.mpf("1.2"), mpmath.mpf("-0.4"), mpmath.mpf(2), mpmath.mpf(1))
    with mpmath.workdps(DPS):
        for on, off in zip(solution_kernels("mpmath", cse=True)[:2], solution_kernels("mpmath", cse=False)[:2]):
            for x, y in zip(on(*point), off(*point)):
                assert abs(x - y) < mpmath.mpf(10) ** -28


# ---------------------------------------------------------------- long times


def test_long_times_converge_to_beta_star():
    rng = np.random.default_rng(3)
    B, d = 200, 4
    a0 = rng.normal(size=B)
    w0 = rng.normal(size=(B, d))
    bs = rng.normal(size=(B, d))
    a0[:20] = 0.0  # a0 = 0 is a starting point, not a fixed point, unless w0 is orthogonal to beta_star
    t = np.array([0.0, 1e3, 1e6])
    for ea, ew in ((1.0, 1.0), (0.1, 10.0), (10.0, 0.1)):
        a, w = trajectory(t, a0, w0, bs, ea, ew)
        assert np.all(np.isfinite(a)) and np.all(np.isfinite(w))
        beta = a[..., None] * w
        # at t = 1e6 every trajectory has converged; at t = 1e3 the delayed-rich ones (delta << 0, kappa = delta + Lam
        # small) still carry c(t) w_perp0 with c ~ e^{-kappa t/2}: compare with the 30-digit kernel there
        np.testing.assert_allclose(beta[:, 2], bs, rtol=0, atol=1e-10)
        slow = np.argsort(np.max(np.abs(beta[:, 1] - bs), axis=1))[-3:]
        for b in slow:
            with mpmath.workdps(DPS):
                am, wm = trajectory([1e3], a0[b], w0[b], bs[b], ea, ew, backend="mpmath")
            assert float_err(a[b, 1:2], am) < 1e-12 and float_err(w[b, 1:2], wm) < 1e-12
        # a(oo)^2 = (delta + Lam)/(2 eta_w)
        delta = ew * a0**2 - ea * np.sum(w0 * w0, axis=1)
        Lam = np.sqrt(delta**2 + 4 * ea * ew * np.sum(bs * bs, axis=1))
        np.testing.assert_allclose(a[:, 2] ** 2, (delta + Lam) / (2 * ew), rtol=1e-10)


def test_saddle_stable_manifold_converges_to_zero():
    # d = 1, delta = 0, w0 = -sqrt(eta_w/eta_a) a0: the stable manifold of the saddle a = w = 0
    t = [0.0, 1.0, 10.0, 1e3, 1e6]
    a, w = trajectory(t, 1.0, [-1.0], [1.0])
    a_ref, w_ref = oracle(t[:3], 1.0, [-1.0], [1.0])
    assert float_err(a[:3], a_ref) < 1e-12 and float_err(w[:3], w_ref) < 1e-12
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(w))
    assert abs(a[-1]) < 1e-300 and abs(w[-1, 0]) < 1e-300
    # in the closed form: a = a0 e^{-t} / sqrt(1 + 2 eta_w a0^2 t phi1(-2 t)) on this manifold
    np.testing.assert_allclose(a[1], math.exp(-1.0) / math.sqrt(1 + (1 - math.exp(-2.0))), rtol=1e-14)
    # the fixed point a0 = 0, w0 orthogonal to beta_star: nothing moves
    a, w = trajectory([0.0, 1e3, 1e6], 0.0, [1.0, 0.0, -2.0], [0.0, 3.0, 0.0])
    assert np.all(a == 0.0)
    np.testing.assert_array_equal(w, np.broadcast_to([1.0, 0.0, -2.0], (3, 3)))
    with mpmath.workdps(DPS):
        am, wm = trajectory([1e6], 1.0, [-1.0], [1.0], backend="mpmath")
    assert abs(am[0]) < mpmath.mpf(10) ** -10000


def test_float_inputs_on_the_stable_manifold():
    # U = 1e-17 for these float inputs (exact arithmetic): the trajectory leaves the saddle late, which the
    # 30-digit kernel follows; float64 rounds U to 0 and follows the manifold to beta = 0 instead.
    problem = (-0.5773502691896257, np.array([0.0, 1.0, 0.0]), np.array([0.0, 1.0, 0.0]), 2.0, 6.0)
    assert not well_conditioned(problem, [15.0])
    a0, w0, bs, ea, ew = problem
    t = [1.0, 15.0]
    # condition number ~ 1e14 here: both sides at 45 digits to compare 25
    a_ref, w_ref = integrate_single_neuron(t, a0, list(w0), XtX=np.eye(3), Xty=list(bs), eta_a=ea, eta_w=ew, dps=45)
    with mpmath.workdps(45):
        a, w = trajectory(t, a0, w0, bs, ea, ew, backend="mpmath")
    assert digits_err(a, a_ref) < 1e-25 and digits_err(w, w_ref) < 1e-25
    assert abs(a_ref[1] * w_ref[1][1]) > 0.5  # it did leave the saddle
    a, w = trajectory(t, a0, w0, bs, ea, ew)
    assert abs(a[1] * w[1, 1]) < 1e-5  # float64: still on the manifold


def test_beta_star_zero():
    # s = 0: a' = delta a - eta_w a^3; delta > 0 -> a^2 -> delta/eta_w, delta < 0 -> beta -> 0, delta = 0 -> a0/sqrt(1 + 2 a0^2 t)
    t = [0.0, 0.5, 3.0, 1e6]
    for a0, w0 in ((0.9, [0.3, -0.2]), (0.1, [0.5, 0.4]), (1.0, [1.0, 0.0])):
        a, w = trajectory(t, a0, w0, [0.0, 0.0])
        a_ref, w_ref = oracle(t[:3], a0, w0, [0.0, 0.0])
        assert float_err(a[:3], a_ref) < 1e-12 and float_err(w[:3], w_ref) < 1e-12
        assert np.all(np.isfinite(a)) and np.all(np.isfinite(w))
        delta = a0**2 - float(np.dot(w0, w0))
        if delta > 0:
            assert abs(a[-1] - math.sqrt(delta)) < 1e-12
        elif delta == 0:
            assert abs(a[-1] - a0 / math.sqrt(1 + 2 * a0**2 * 1e6)) < 1e-15
        else:
            assert abs(a[-1]) < 1e-10


# ---------------------------------------------------------------- named cases


def test_a0_zero_and_sign_change_of_a():
    t = [0.0, 0.3, 1.0, 2.0, 5.0, 20.0]
    # sign change: a0 > 0, w0 anti-aligned with beta_star, A = eta_a p0 - l_- a0 < 0
    a_ref, w_ref = oracle(t, 0.1, [-2.0], [1.0])
    assert a_ref[0] > 0 and a_ref[-1] < 0
    with mpmath.workdps(DPS):
        a, w = trajectory(t, 0.1, [-2.0], [1.0], backend="mpmath")
    assert digits_err(a, a_ref) < 1e-25 and digits_err(w, w_ref) < 1e-25
    a, w = trajectory(t, 0.1, [-2.0], [1.0])
    assert float_err(a, a_ref) < 1e-12 and float_err(w, w_ref) < 1e-12
    # a0 = 0 with rates != 1
    a_ref, w_ref = oracle(t, 0.0, [0.3, -1.0, 0.2], [1.0, 0.5, -0.5], 2.0, 0.5)
    with mpmath.workdps(DPS):
        a, w = trajectory(t, 0.0, [0.3, -1.0, 0.2], [1.0, 0.5, -0.5], 2.0, 0.5, backend="mpmath")
    assert digits_err(a, a_ref) < 1e-25 and digits_err(w, w_ref) < 1e-25


def _init_for(beta0, delta):
    """a0 > 0 and w0 with a0 w0 = beta0 and a0^2 - ||w0||^2 = delta (eta = 1)."""
    r2 = float(np.dot(beta0, beta0))
    a0 = math.sqrt((delta + math.sqrt(delta**2 + 4 * r2)) / 2)
    return a0, np.asarray(beta0, dtype=float) / a0


@pytest.mark.parametrize("delta", [-4, -2, -1, 0, 1, 2, 4])
def test_paper_figs_2_to_4a(delta):
    a0, w0 = _init_for([-1.0, 0.0], delta)
    t = [0.0, 1.0, 5.0, 20.0]
    a_ref, w_ref = oracle(t, a0, w0, [0.0, 1.0])
    with mpmath.workdps(DPS):
        a, w = trajectory(t, a0, w0, [0.0, 1.0], backend="mpmath")
    assert digits_err(a, a_ref) < 1e-25 and digits_err(w, w_ref) < 1e-25
    a, w = trajectory(t, a0, w0, [0.0, 1.0])
    assert float_err(a, a_ref) < 1e-12 and float_err(w, w_ref) < 1e-12
    np.testing.assert_allclose(a[0] * w[0], [-1.0, 0.0], atol=1e-15)


@pytest.mark.parametrize("delta", [-2, -1, -0.2, 0.02, 0.2, 1, 2])
def test_paper_fig_8(delta):
    t = [0.0, 2.0, 10.0]
    for direction in ([0.0, -1.0], [0.5, -0.5], [0.5, 0.5]):
        beta0 = np.array(direction) / np.linalg.norm(direction)
        a0, w0 = _init_for(beta0, delta)
        a_ref, w_ref = oracle(t, a0, w0, [0.5, 0.5])
        a, w = trajectory(t, a0, w0, [0.5, 0.5])
        assert float_err(a, a_ref) < 1e-12 and float_err(w, w_ref) < 1e-12


# ---------------------------------------------------------------- observables


def test_observables_against_oracle():
    t = [0.0, 0.7, 3.0, 12.0]
    a0, w0, bs, ea, ew = 0.4, np.array([0.5, -1.0, 0.2]), np.array([1.0, 0.3, -0.6]), 1.7, 0.6
    a_ref, w_ref = oracle(t, a0, w0, bs, ea, ew)
    a_r = np.asarray(a_ref, dtype=float)
    w_r = np.asarray(w_ref, dtype=float)
    obs = observables(t, a0, w0, bs, ea, ew)
    beta = a_r[:, None] * w_r
    np.testing.assert_allclose(obs.beta_norm, np.linalg.norm(beta, axis=1), rtol=1e-12)
    np.testing.assert_allclose(obs.signed_magnitude, a_r * np.linalg.norm(w_r, axis=1), rtol=1e-12)
    np.testing.assert_allclose(obs.alignment, w_r @ bs / (np.linalg.norm(w_r, axis=1) * np.linalg.norm(bs)), rtol=1e-12)
    np.testing.assert_allclose(obs.loss, 0.5 * np.sum((beta - bs) ** 2, axis=1), rtol=1e-11, atol=1e-15)
    # NTK on explicit whitened data X (n = 5, d = 3), Jacobian of f(X) = X a w in (a, w), K = J diag(eta) J^T
    X = np.linalg.qr(np.random.default_rng(0).normal(size=(5, 3)))[0]
    K = [ea * np.outer(X @ w_r[i], X @ w_r[i]) + ew * a_r[i] ** 2 * X @ X.T for i in range(len(t))]
    np.testing.assert_allclose(obs.ntk_norm, [np.linalg.norm(k) for k in K], rtol=1e-12)
    S = [1 - np.sum(K[0] * k) / (np.linalg.norm(K[0]) * np.linalg.norm(k)) for k in K]
    np.testing.assert_allclose(obs.kernel_distance, S, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(np.einsum("ij,tjk,lk->til", X, obs.ntk, X), K, atol=1e-12)
    with mpmath.workdps(DPS):
        om = observables(t, a0, w0, bs, ea, ew, backend="mpmath")
        assert isinstance(om.kernel_distance[1], mpmath.mpf)
    np.testing.assert_allclose(np.asarray(om.kernel_distance, dtype=float), obs.kernel_distance, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("a0, w0, bs", [
    (0.3, [0.0, 0.0], [1.0, 0.0]),   # w(0) = 0: alignment undefined at t = 0 only
    (0.5, [1.0, 0.0], [0.0, 0.0]),   # beta_star = 0: alignment undefined throughout
    (0.0, [0.0, 0.0], [1.0, 0.0]),   # the fixed point a = 0, w = 0: alignment and kernel distance undefined
    (-0.4, [0.2, 0.9], [1.0, -0.5]),
])
def test_observables_mpmath_and_numpy_agree_where_undefined_too(a0, w0, bs):
    t = [0.0, 0.5, 4.0]
    obs = observables(t, a0, w0, bs, 1.3, 0.8)
    with mpmath.workdps(DPS):
        om = observables(t, a0, w0, bs, 1.3, 0.8, backend="mpmath")
    for name in ("beta_norm", "signed_magnitude", "alignment", "ntk_norm", "kernel_distance", "loss"):
        x, y = np.asarray(getattr(om, name), dtype=float), getattr(obs, name)
        assert np.array_equal(np.isnan(x), np.isnan(y)), name
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-14, err_msg=name)
    assert np.isnan(obs.alignment[0]) == (not np.any(w0) or not np.any(bs))
    assert np.isnan(obs.kernel_distance).all() == (a0 == 0 and not np.any(w0))  # a zero kernel: S undefined


# ---------------------------------------------------------------- shapes and validation


def test_shapes():
    B, T, d = 4, 3, 2
    t = np.linspace(0, 1, T)
    a, w = trajectory(t, np.ones(B), np.ones((B, d)), np.ones(d))
    assert a.shape == (B, T) and w.shape == (B, T, d)
    a, w = trajectory(t, 1.0, np.ones((B, d)), np.ones((B, d)))
    assert a.shape == (B, T) and w.shape == (B, T, d)
    a, w = trajectory(0.5, 1.0, np.ones(d), np.ones(d))
    assert np.ndim(a) == 0 and w.shape == (d,)
    a, w = trajectory(t, 1.0, np.ones(d), np.ones(d))
    assert a.shape == (T,) and w.shape == (T, d)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(t=[-1.0]), "t must be >= 0"),
        (dict(t=[[1.0]]), "t must be a scalar"),
        (dict(a0=[1.0, 2.0, 3.0], w0=[[1.0, 0.0], [0.0, 1.0]]), "batch shapes do not match"),
        (dict(w0=[1.0, 2.0, 3.0]), "w0 has d = 3 but beta_star has d = 2"),
        (dict(w0=[np.nan, 1.0]), "w0 contains NaN"),
        (dict(beta_star=[[[1.0, 2.0]]]), "beta_star must have shape"),
        (dict(eta_a=0.0), "eta_a must be a positive"),
        (dict(eta_w=-1.0), "eta_w must be a positive"),
        (dict(backend="jax"), "backend must be"),
    ],
)
def test_validation(kwargs, match):
    args = dict(t=[0.0, 1.0], a0=[1.0, 2.0], w0=[1.0, 0.0], beta_star=[0.0, 1.0])
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        trajectory(**args)


def test_derivations_verify():
    from symrich.engine.registry import derive

    for name in ("single_neuron_riccati", "single_neuron_bernoulli", "single_neuron_closed_form",
                 "single_neuron_stable_forms", "single_neuron_observables"):
        report = derive(name)  # verified from scratch once per test session (empty cache), see test_derivations
        kinds = report.verified.proof_kinds
        equalities = sum(len(item.equalities()) for item in report.verified.derivation.steps)
        assert kinds["symbolic"] + kinds["numeric"] == equalities > 0
