"""Two-layer piecewise-linear networks: conservation across flips, beta flow, speeds, NTK, reductions, errors."""

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from symrich import piecewise_linear as pl
from symrich.oracle import integrate_single_neuron
from symrich.single_neuron import M_matrix
from symrich.single_neuron import ntk as single_ntk

# A case whose trajectory crosses kinks on purpose (found by a float screen, then fixed here):
# pre-activation w_1 . x_4 starts at 0.0323 > 0, turns off near t = 0.098 and on again near t = 0.23,
# then w_2 . x_4 turns off near t = 1.54; the same three flips happen for ReLU, leaky ReLU and abs.
X = np.array([[0.23, 0.95], [-0.75, 0.21], [0.06, 1.42], [0.12, 0.13]])
Y = np.array([-1.15, -0.01, -0.55, -0.09])
A0 = np.array([-1.78, -0.48, -1.18])
W0 = np.array([[-1.15, 1.31], [-0.53, 0.72], [-0.95, 0.69]])
EA, EW = 1.3, 0.7
TIMES = [0.0, 0.05, 0.5, 1.0, 2.0]
ACTIVATIONS = ["relu", ("leaky_relu", 0.2), "abs"]
TOL = mpmath.mpf(10) ** -25


def _mp(x):
    return mpmath.mpf(float(x)) if not isinstance(x, mpmath.mpf) else x


def _mp_deltas(a, W):
    """delta_k in mpmath from (exact) parameter values."""
    return [_mp(EW) * _mp(a[k]) ** 2 - _mp(EA) * sum(_mp(v) ** 2 for v in W[k]) for k in range(len(a))]


@pytest.fixture(scope="module", params=ACTIVATIONS, ids=["relu", "leaky", "abs"])
def flip_solution(request):
    return request.param, pl.integrate(TIMES, A0, W0, X, Y, request.param, EA, EW, dps=30)


def test_case_really_flips(flip_solution):
    _, sol = flip_solution
    assert [(e.neuron, e.sample, e.direction) for e in sol.events] == [(0, 3, -1), (0, 3, 1), (1, 3, -1)]
    assert sol.n_segments == 4
    assert sol.patterns[0].tolist() != sol.patterns[-1].tolist()


def test_delta_conserved_across_flips(flip_solution):
    _, sol = flip_solution
    with mpmath.workdps(40):
        ref = _mp_deltas(A0, W0)
        states = [(sol.a[j], sol.W[j]) for j in range(len(sol.t))] + [(e.a, e.W) for e in sol.events]
        worst = max(abs(dk - rk) for a, W in states for dk, rk in zip(_mp_deltas(a, W), ref))
    assert worst < TOL, worst


def test_events_are_located_on_the_kink(flip_solution):
    _, sol = flip_solution
    with mpmath.workdps(40):
        for e in sol.events:
            z = sum(e.W[e.neuron][j] * _mp(X[e.sample, j]) for j in range(X.shape[1]))
            assert abs(z) < TOL, (e, z)


def test_patterns_follow_the_state(flip_solution):
    _, sol = flip_solution
    f = sol.as_float()
    for j in range(len(f.t)):
        assert (pl.activation_pattern(X, f.W[j]) == sol.patterns[j]).all()


def test_restarted_trajectory_matches_nonsmooth_integration(flip_solution):
    """Independent check: float64 DOP853 on the non-smooth field itself (no events) agrees to its own accuracy."""
    act, sol = flip_solution
    K, d = W0.shape

    def rhs(_, s):
        adot, Wdot = pl.parameter_flow(X, Y, s[:K], s[K:].reshape(K, d), act, EA, EW)
        return np.concatenate([adot, Wdot.ravel()])

    ref = solve_ivp(rhs, (0, TIMES[-1]), np.concatenate([A0, W0.ravel()]), t_eval=TIMES, method="DOP853",
                    rtol=1e-12, atol=1e-14)
    f = sol.as_float()
    ours = np.concatenate([f.a, f.W.reshape(len(f.t), -1)], axis=1)
    assert np.max(np.abs(ours - ref.y.T)) < 1e-9  # observed 1.5e-11 to 3.3e-11


def test_beta_ode_matches_parameter_flow_before_the_first_flip():
    """Integrate the closed beta system (single-neuron M with delta_k, pattern fixed) with mpmath.odefun."""
    from symrich.numeric.codegen import compile_exprs
    from symrich.symbolic.single_neuron import R_of, m_perp
    from symrich.symbolic.symbols import delta, eta_a, eta_w, rho

    times = [0.04, 0.09]  # the first flip is at t = 0.0977
    sol = pl.integrate([0.0] + times, A0, W0, X, Y, "relu", EA, EW, dps=30)
    assert sol.events == ()
    ker = compile_exprs((R_of(delta, rho), m_perp(delta, rho)), (delta, rho, eta_a, eta_w), backend="mpmath")
    C = pl.as_activation("relu").slopes(pl.activation_pattern(X, W0))
    K, d = W0.shape
    with mpmath.workdps(30):
        ea, ew = mpmath.mpf(EA), mpmath.mpf(EW)
        Xm = [[mpmath.mpf(v) for v in row] for row in X]
        ym = [mpmath.mpf(v) for v in Y]
        deltas = _mp_deltas(A0, W0)

        def rhs(_, b):
            B = [b[k * d:(k + 1) * d] for k in range(K)]
            r = [sum(C[k, i] * mpmath.fsum(B[k][j] * Xm[i][j] for j in range(d)) for k in range(K)) - ym[i]
                 for i in range(len(ym))]
            out = []
            for k in range(K):
                g = [mpmath.fsum(C[k, i] * r[i] * Xm[i][j] for i in range(len(ym))) for j in range(d)]
                rho_k = mpmath.sqrt(mpmath.fsum(v**2 for v in B[k]))
                R, m_perp_k = ker(deltas[k], rho_k, ea, ew)
                bg = mpmath.fsum(B[k][j] * g[j] for j in range(d))
                out += [-(m_perp_k * g[j] + (R - m_perp_k) * B[k][j] * bg / rho_k**2) for j in range(d)]
            return out

        b0 = [mpmath.mpf(A0[k]) * mpmath.mpf(W0[k, j]) for k in range(K) for j in range(d)]
        beta_t = mpmath.odefun(rhs, 0, b0)
        for j, tt in enumerate(times):
            from_params = [sol.a[j + 1][k] * sol.W[j + 1][k, m] for k in range(K) for m in range(d)]
            err = max(abs(u - v) for u, v in zip(beta_t(mpmath.mpf(tt)), from_params))
            assert err < TOL, (tt, err)


def _params(draw_a, draw_W):
    return np.asarray(draw_a, float), np.asarray(draw_W, float).reshape(len(draw_a), -1)


floats = st.floats(-2.0, 2.0, allow_nan=False).filter(lambda v: abs(v) > 0.05)


@settings(deadline=None, max_examples=15)
@given(a=st.lists(floats, min_size=3, max_size=3), W=st.lists(floats, min_size=6, max_size=6),
       act=st.sampled_from(ACTIVATIONS), eta=st.tuples(st.floats(0.2, 3.0), st.floats(0.2, 3.0)))
def test_beta_flow_kernel_equals_parameter_flow(a, W, act, eta):
    a, W = _params(a, W)
    ea, ew = eta
    adot, Wdot = pl.parameter_flow(X, Y, a, W, act, ea, ew)
    expected = adot[:, None] * W + a[:, None] * Wdot  # product rule
    got = pl.beta_flow(X, Y, a[:, None] * W, pl.conserved_deltas(a, W, ea, ew), pl.activation_pattern(X, W), act, ea, ew)
    assert np.allclose(got, expected, rtol=1e-10, atol=1e-12)


@settings(deadline=None, max_examples=15)
@given(a=st.lists(floats, min_size=3, max_size=3), W=st.lists(floats, min_size=6, max_size=6),
       act=st.sampled_from(ACTIVATIONS), eta=st.tuples(st.floats(0.2, 3.0), st.floats(0.2, 3.0)))
def test_radial_directional_speeds(a, W, act, eta):
    a, W = _params(a, W)
    ea, ew = eta
    beta = a[:, None] * W
    adot, Wdot = pl.parameter_flow(X, Y, a, W, act, ea, ew)
    beta_dot = adot[:, None] * W + a[:, None] * Wdot
    g = pl.neuron_gradients(X, Y, a, W, act)
    rho_dot, hat_dot, frac = pl.radial_directional_speeds(beta, pl.conserved_deltas(a, W, ea, ew), g, ea, ew)
    rho = np.linalg.norm(beta, axis=1)
    bhat = beta / rho[:, None]
    par = np.sum(bhat * beta_dot, axis=1)
    assert np.allclose(rho_dot, par, rtol=1e-10, atol=1e-12)
    assert np.allclose(hat_dot, (beta_dot - par[:, None] * bhat) / rho[:, None], rtol=1e-10, atol=1e-12)
    # the fraction is eta_w a^2 / (eta_w a^2 + eta_a ||w||^2) in the parameters
    assert np.allclose(frac, ew * a**2 / (ew * a**2 + ea * np.sum(W**2, axis=1)), rtol=1e-12)
    assert np.all((frac > 0) & (frac < 1))


def test_speeds_stable_far_downstream_and_upstream():
    """delta = -1e8 (cancellation in (R + delta)/2) and +1e8, against mpmath from the parameters."""
    for a_k, w_k in ((1e-4, [7e3, 5e3]), (1e4, [3e-4, -2e-4])):
        a, W = np.array([a_k]), np.array([w_k])
        g = np.array([[0.3, -0.8]])
        delta = pl.conserved_deltas(a, W, EA, EW)
        _, hat_dot, frac = pl.radial_directional_speeds(a[:, None] * W, delta, g, EA, EW)
        with mpmath.workdps(50):
            am, wm = mpmath.mpf(a_k), [mpmath.mpf(v) for v in w_k]
            m_perp = mpmath.mpf(EW) * am**2  # (R + delta)/2 = eta_w a^2
            R = m_perp + mpmath.mpf(EA) * (wm[0] ** 2 + wm[1] ** 2)
            assert abs(frac[0] - float(m_perp / R)) <= 1e-12 * float(m_perp / R)
    assert frac[0] > 1 - 1e-10  # upstream: direction moves at the radial rate


@pytest.mark.parametrize("K", [1, 2])
def test_slope_one_is_the_linear_network(K):
    rng = np.random.default_rng(3)
    Xr, yr = rng.normal(size=(5, 3)), rng.normal(size=5)
    a, W = rng.normal(size=K), rng.normal(size=(K, 3))
    act = ("leaky_relu", 1.0)
    beta = a[:, None] * W
    assert np.allclose(pl.forward(Xr, a, W, act), Xr @ beta.sum(axis=0), rtol=1e-13)
    g_lin = Xr.T @ (Xr @ beta.sum(axis=0) - yr)
    delta = pl.conserved_deltas(a, W)
    got = pl.beta_flow(Xr, yr, beta, delta, pl.activation_pattern(Xr, W), act)
    assert np.allclose(got, -np.einsum("kde,e->kd", M_matrix(beta, delta), g_lin), rtol=1e-12)
    if K == 1:
        assert np.allclose(pl.ntk(Xr, a, W, activation=act), single_ntk(Xr, beta[0], delta[0]), rtol=1e-12)


def test_slope_one_trajectory_equals_single_neuron_oracle():
    """K = 1 with slope 1: pattern flips change nothing; the trajectory is the single neuron's (25 digits)."""
    Xs = np.array([[1.0, 0.2], [-0.4, 1.0], [0.5, -0.6]])
    ys = np.array([0.7, -0.3, 0.4])
    a0, w0 = 0.8, np.array([0.3, 0.5])
    times = [0.0, 0.5, 1.5]
    sol = pl.integrate(times, [a0], [w0], Xs, ys, ("leaky_relu", 1.0), 0.9, 1.4, dps=30)
    assert len(sol.events) >= 1  # w^T x_3 = -0.15 < 0 at t = 0 and crosses
    a_ref, w_ref = integrate_single_neuron(times, a0, w0, Xs, ys, 0.9, 1.4, dps=30)
    with mpmath.workdps(40):
        err = max(max(abs(sol.a[j][0] - a_ref[j]), max(abs(sol.W[j][0, m] - w_ref[j, m]) for m in range(2)))
                  for j in range(len(times)))
    assert err < TOL, err


@pytest.mark.parametrize("act", ACTIVATIONS)
def test_ntk_against_finite_differences(act):
    rng = np.random.default_rng(7)
    Xr = rng.normal(size=(6, 3))
    a, W = rng.normal(size=4), rng.normal(size=(4, 3))
    ea, ew = 0.6, 1.7
    theta = np.concatenate([a, W.ravel()])

    def f(th):
        return pl.forward(Xr, th[:4], th[4:].reshape(4, 3), act)

    h = 1e-6
    J = np.stack([(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in np.eye(theta.size)], axis=1)
    eta = np.array([ea] * 4 + [ew] * 12)
    K_fd = J @ np.diag(eta) @ J.T
    K = pl.ntk(Xr, a, W, ea, ew, act)
    assert np.allclose(K, K_fd, rtol=1e-7, atol=1e-8)
    # per-neuron single-neuron NTKs masked by the pattern: sum_k D_k X M_k X^T D_k
    C = pl.as_activation(act).slopes(pl.activation_pattern(Xr, W))
    M = pl.M_matrices(a[:, None] * W, pl.conserved_deltas(a, W, ea, ew), ea, ew)
    K_M = sum(np.outer(C[k], C[k]) * (Xr @ M[k] @ Xr.T) for k in range(4))
    assert np.allclose(K, K_M, rtol=1e-10)


def test_kernel_distance_and_hamming():
    rng = np.random.default_rng(1)
    B = rng.normal(size=(4, 4))
    K0 = B @ B.T
    assert abs(pl.kernel_distance(K0, 3.5 * K0)) < 1e-14
    S = pl.kernel_distance(K0, np.stack([K0, np.eye(4), -K0]))
    assert S.shape == (3,) and abs(S[0]) < 1e-14 and abs(S[2] - 2) < 1e-14
    assert abs(S[1] - (1 - np.trace(K0) / (np.linalg.norm(K0) * 2))) < 1e-14
    P0 = np.array([[True, False, True], [False, False, True]])
    assert pl.hamming_distance(P0, P0) == 0.0
    assert pl.hamming_distance(P0, ~P0) == 1.0
    assert pl.hamming_distance(P0, np.array([[True, True, True], [False, False, True]])) == pytest.approx(1 / 6)


def test_sliding_along_a_kink_is_refused():
    # one ReLU neuron, two samples: w . x_1 reaches 0 and, with sample 1 off, sample 2's gradient pushes it back up
    X2, y2 = [[-0.5, 0.5], [-0.75, -0.5]], [-1.5, 0.75]
    with pytest.raises(RuntimeError, match=r"slides along the kink w_0 \. x_0 = 0 .*-0\.448 before the flip, 0\.0414"):
        pl.integrate([0.0, 3.0], [0.75], [[-0.5, 0.25]], X2, y2, "relu", dps=20)
    # one ReLU neuron, one sample: w decreases to 0, where the neuron dies (velocity 0 off the kink): it stays there
    sol = pl.integrate([0.0, 3.0], [1.0], [[0.5]], [[1.0]], [-1.0], "relu", dps=20)
    assert len(sol.events) == 1 and abs(float(sol.W[-1, 0, 0])) < 1e-18 and sol.patterns[-1].tolist() == [[False]]


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: pl.forward(X, A0, W0, "tanh"), "activation must be"),
        (lambda: pl.forward(X, A0, W0[:2], "relu"), "W must have shape"),
        (lambda: pl.forward(X[:, :1], A0, W0, "relu"), "X must have shape"),
        (lambda: pl.forward(X, [np.nan, 1.0, 1.0], W0, "relu"), "a contains NaN"),
        (lambda: pl.parameter_flow(X, Y[:2], A0, W0), "y must have shape"),
        (lambda: pl.parameter_flow(X, Y, A0, W0, eta_a=0.0), "eta_a must be a positive"),
        (lambda: pl.leaky_relu("x"), "slope must be a finite real"),
        (lambda: pl.beta_flow(X, Y, A0[:, None] * W0, [0.0, 0.0, 0.0], np.ones((3, 4)), "relu"), "pattern must be a boolean"),
        (lambda: pl.beta_flow(X, Y, A0[:, None] * W0, [0.0, 0.0, 0.0], np.ones((3, 3), bool)), "pattern must have shape"),
        (lambda: pl.M_matrices(A0[:, None] * W0, [0.0]), "delta must have shape"),
        (lambda: pl.radial_directional_speeds([[0.0, 0.0]], [1.0], [[1.0, 0.0]]), "zero row"),
        (lambda: pl.radial_directional_speeds([[1.0, 0.0]], [1.0], [[1.0]]), "g must have the shape"),
        (lambda: pl.ntk(X, A0, W0, eta_w=-1.0), "eta_w must be a positive"),
        (lambda: pl.kernel_distance(np.eye(2), np.eye(3)), "K0 is 2 x 2 but Kt is 3 x 3"),
        (lambda: pl.kernel_distance(np.zeros((2, 2)), np.eye(2)), "zero kernel"),
        (lambda: pl.hamming_distance(np.ones((2, 2)), np.ones((2, 2))), "boolean"),
        (lambda: pl.hamming_distance(np.ones((2, 2), bool), np.ones((2, 3), bool)), "same"),
        (lambda: pl.integrate([0.0, 1.0], [1.0], [[1.0, 0.0]], [[0.0, 1.0]], [1.0]), "exactly 0"),
        (lambda: pl.integrate([1.0, 0.5], A0, W0, X, Y), "strictly increasing"),
        (lambda: pl.integrate([0.0, 1.0], A0, W0, X, Y, method="odefun"), "method must be"),
        (lambda: pl.integrate([0.0, 1.0], A0, W0, X, Y, max_flips=-1), "max_flips"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_max_flips_is_enforced():
    with pytest.raises(RuntimeError, match="max_flips"):
        pl.integrate(TIMES, A0, W0, X, Y, "relu", EA, EW, dps=20, max_flips=1)


def test_a_long_horizon_stops_at_max_steps_with_advice():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(3, 2)), rng.normal(size=3)
    with pytest.raises(RuntimeError, match="max_steps=5 reached .* raise max_steps or integrate to a shorter time"):
        pl.integrate([0, 50.0], [0.5, -0.4], [[1.0, 0.2], [0.3, -1.0]], X, y, dps=15, max_steps=5)
    with pytest.raises(ValueError, match="max_steps must be a positive integer"):
        pl.integrate([0, 1.0], [0.5, -0.4], [[1.0, 0.2], [0.3, -1.0]], X, y, dps=15, max_steps=0)
