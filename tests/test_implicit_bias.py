"""Implicit bias and basins of the single neuron against long-time integration of the parameter flow.

The reference is :mod:`symrich.oracle` (Taylor method at 30 digits; the float64 scipy path
where convergence is slow), integrated until ``beta(T)`` and ``beta(T/2)`` agree to 1e-12.
Geometric limits are compared with independent constructions (least squares, a direct
convex minimisation), never with the closed form they test.
"""

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from symrich.oracle import integrate_flow, integrate_single_neuron, single_neuron_flow
from symrich.single_neuron import Phi_delta, basin, grad_Phi_delta, implicit_bias

# --------------------------------------------------------------------------
# helpers


def init_from_beta(beta0, delta, eta_a=1.0, eta_w=1.0, sign=1):
    """(a0, w0) with a0 w0 = beta0 and eta_w a0^2 - eta_a ||w0||^2 = delta (independent of the code under test)."""
    beta0 = np.asarray(beta0, dtype=float)
    r2 = float(beta0 @ beta0)
    R = math.sqrt(delta**2 + 4 * eta_a * eta_w * r2)
    a2 = (R + delta) / (2 * eta_w) if delta >= 0 else 2 * eta_a * r2 / (R - delta)
    a0 = sign * math.sqrt(a2)
    return a0, beta0 / a0


def _scipy_path(times, a0, w0, eta_a, eta_w, X, y):
    """The oracle's float64 path: LSODA (stiff when |delta| is large), rtol 1e-12."""
    d = len(w0)
    C, b = X.T @ X, X.T @ y
    params = {"eta_a": eta_a, "eta_w": eta_w}
    for i in range(d):
        for j in range(i, d):
            params[f"C_{i + 1}_{j + 1}"] = float(C[i, j])
        params[f"b_{i + 1}"] = float(b[i])
    sol = integrate_flow(single_neuron_flow(d), times, [a0, *w0], params, method="scipy", rtol=1e-12, atol=1e-14,
                         ivp_method="LSODA")
    return sol.y[:, 0], sol.y[:, 1:]


def flow_limit(a0, w0, eta_a=1.0, eta_w=1.0, *, X=None, y=None, XtX=None, Xty=None, method="taylor", T=40.0,
               tol=1e-12, T_max=2e4):
    """beta(T), a(T) once |beta(T) - beta(T/2)| < tol (T doubling)."""
    data = dict(X=X, y=y) if X is not None else dict(XtX=XtX, Xty=Xty)
    while True:
        if method == "scipy":
            a, w = _scipy_path([0, T / 2, T], a0, w0, eta_a, eta_w, X, y)
        else:
            a, w = integrate_single_neuron([0, T / 2, T], a0, w0, eta_a=eta_a, eta_w=eta_w, **data)
        beta = [float(a[k]) * np.array([float(v) for v in w[k]]) for k in (1, 2)]
        if np.max(np.abs(beta[1] - beta[0])) < tol:
            return beta[1], float(a[2])
        T *= 2
        assert T <= T_max, "the oracle did not converge"


def random_data(rng, d, n):
    """Rank-n X (n < d) with singular values in [0.6, 1.8] and y in range(X)."""
    U, _ = np.linalg.qr(rng.normal(size=(n, n)))
    V, _ = np.linalg.qr(rng.normal(size=(d, n)))
    X = U @ np.diag(rng.uniform(0.6, 1.8, n)) @ V.T
    return X, X @ rng.normal(size=d)


# --------------------------------------------------------------------------
# reference values of beta_inf (4 digits) from an independent 25-digit integration of the flow to convergence,
# one sample x = (1, 0.3), y = 1.2, beta0 = (0.5, -0.4), a0 > 0

X1, Y1, B1 = np.array([[1.0, 0.3]]), np.array([1.2]), np.array([0.5, -0.4])
TABLE = {-4: (1.4985, -0.9951), -1: (1.3843, -0.6144), -0.2: (1.3352, -0.4506), 0: (1.3237, -0.4122),
         0.2: (1.3131, -0.3770), 1: (1.2833, -0.2776), 4: (1.2572, -0.1907)}


@pytest.mark.parametrize("delta", sorted(TABLE))
def test_base_case_table(delta):
    a0, w0 = init_from_beta(B1, delta)
    res = implicit_bias(X1, Y1, a0, w0)
    assert np.max(np.abs(res.beta - TABLE[delta])) < 6e-5       # the 4 reference digits
    beta, _ = flow_limit(a0, w0, X=X1, y=Y1)
    assert np.max(np.abs(res.beta - beta)) < 1e-8
    assert res.sign == 1


def test_base_case_negative_a0_same_beta():
    a0, w0 = init_from_beta(B1, -1.0, sign=-1)
    res = implicit_bias(X1, Y1, a0, w0)
    assert res.sign == -1 and np.max(np.abs(res.beta - TABLE[-1])) < 6e-5


@pytest.mark.parametrize("delta, expected", [(-2.0, (0.6217, 1.9276)), (2.0, (0.8161, 1.2796))])
def test_table_second_beta0(delta, expected):
    """Reference values for beta0 = (-0.5, 0.8): kappa = 0.21 > 0 at delta = -2 (no flip)."""
    a0, w0 = init_from_beta(np.array([-0.5, 0.8]), delta)
    res = implicit_bias(X1, Y1, a0, w0)
    assert np.max(np.abs(res.beta - expected)) < 6e-5
    assert res.kappa_N > 0 and res.sign == 1
    beta, _ = flow_limit(a0, w0, X=X1, y=Y1)
    assert np.max(np.abs(res.beta - beta)) < 1e-8


def test_fig4b_setting():
    """Paper Fig. 4b: x = (0.5, 1), y = 1.1, beta0 = 0.5 (0.6 (1, -0.5) + 0.4 (0.5, 1))."""
    X, y = np.array([[0.5, 1.0]]), np.array([1.1])
    beta0 = 0.5 * (0.6 * np.array([1.0, -0.5]) + 0.4 * np.array([0.5, 1.0]))
    for delta in (-4, -2, -1, 0, 1, 2, 4):
        a0, w0 = init_from_beta(beta0, delta)
        res = implicit_bias(X, y, a0, w0)
        beta, a_end = flow_limit(a0, w0, X=X, y=y)
        assert np.max(np.abs(res.beta - beta)) < 1e-8, delta
        assert abs(res.a_inf - a_end) < 1e-8
        assert abs(X @ res.beta - y)[0] < 1e-12


# --------------------------------------------------------------------------
# random rank-deficient data, both signs of delta, learning rates


@settings(deadline=None, max_examples=25)
@given(seed=st.integers(0, 2**32 - 1), d=st.integers(2, 5),
       delta=st.sampled_from([-3.0, -1.0, -1e-3, 0.0, 1e-3, 0.5, 2.5]))
def test_random_rank_deficient_against_oracle(seed, d, delta):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, d))
    X, y = random_data(rng, d, n)
    eta_a, eta_w = rng.uniform(0.5, 2.0, 2)
    a0, w0 = init_from_beta(rng.normal(size=d), delta, eta_a, eta_w, sign=int(rng.choice([-1, 1])))
    res = implicit_bias(X, y, a0, w0, eta_a, eta_w)
    beta, a_end = flow_limit(a0, w0, eta_a, eta_w, X=X, y=y)
    assert np.max(np.abs(res.beta - beta)) < 1e-8
    assert abs(res.a_inf - a_end) < 1e-8
    assert np.max(np.abs(X @ res.beta - y)) < 1e-10


# --------------------------------------------------------------------------
# flows through beta = 0 (a changes sign)


def test_rank_one_flip_rule():
    """kappa < 0 and sign(y x^T w0) != sign(a0): a crosses 0, and rule 4 predicts it."""
    beta0 = np.array([-0.2, -0.2])           # x^T beta0 = -0.26: rescaling factor y/x^T beta0 = -4.6
    for delta in (-4.0, -10.0):
        a0, w0 = init_from_beta(beta0, delta)
        res = implicit_bias(X1, Y1, a0, w0)
        assert res.kappa_N < 0 and res.sign == -1 and a0 > 0
        assert res.how_sign_was_decided.startswith("rank one")
        beta, a_end = flow_limit(a0, w0, X=X1, y=Y1)
        assert a_end < 0
        assert np.max(np.abs(res.beta - beta)) < 1e-8
        # with the wrong sign the mirror problem gives another interpolant: the sign matters
        wrong = X1.T @ (Y1 / (X1 @ X1.T)[0]) - res.a_inf * (w0 - X1[0] * (X1[0] @ w0) / (X1[0] @ X1[0]))
        assert np.max(np.abs(wrong - beta)) > 1e-2


def test_rank_one_with_several_rows_flip():
    """X = v x^T with 3 rows (rank one): the rule uses y_x = u^T y; the flow crosses a = 0."""
    X = np.outer([1.0, -2.0, 0.5], [0.3, 1.0, -0.4])
    y = X @ np.array([0.2, 0.5, 0.1])
    beta0 = -0.1 * np.linalg.lstsq(X, y, rcond=None)[0] + np.array([0.05, 0.0, 0.1])
    a0, w0 = init_from_beta(beta0, -4.0)
    res = implicit_bias(X, y, a0, w0)
    assert res.rank == 1 and res.how_sign_was_decided.startswith("rank one") and res.sign == -1
    beta, a_end = flow_limit(a0, w0, X=X, y=y)
    assert a_end < 0 and np.max(np.abs(res.beta - beta)) < 1e-8


def test_rank_two_flip_decided_by_integration():
    """d = 3, n = 2, kappa_N < 0, L(0) > ||y||^2/2: the sign comes from the integrated flow."""
    X = np.array([[1.0, 0.2, -0.3], [0.1, 1.1, 0.4]])
    y = np.array([1.0, 0.6])
    beta0 = -0.15 * np.linalg.lstsq(X, y, rcond=None)[0] + np.array([0.02, -0.01, 0.03])
    flips = 0
    for delta in (-3.0, -6.0):
        a0, w0 = init_from_beta(beta0, delta)
        res = implicit_bias(X, y, a0, w0)
        assert res.kappa_N < 0 and res.how_sign_was_decided.startswith("integrated")
        beta, a_end = flow_limit(a0, w0, X=X, y=y)
        assert np.sign(a_end) == res.sign
        assert np.max(np.abs(res.beta - beta)) < 1e-8
        flips += int(res.sign != np.sign(a0))
    assert flips >= 1


@settings(deadline=None, max_examples=10)
@given(seed=st.integers(0, 2**32 - 1), d=st.integers(2, 4), delta=st.floats(-6.0, -1.0))
def test_random_flows_through_zero(seed, d, delta):
    """beta0 points against the data (L(0) > ||y||^2/2), kappa_N < 0: a may cross 0; rules 4/5 decide the sign."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, d))
    X, y = random_data(rng, d, n)
    beta_p = np.linalg.lstsq(X, y, rcond=None)[0]
    N = np.linalg.svd(X)[2][n:].T
    beta0 = -rng.uniform(0.05, 0.3) * beta_p + 0.05 * N @ rng.normal(size=d - n)
    a0, w0 = init_from_beta(beta0, delta, sign=int(rng.choice([-1, 1])))
    res = implicit_bias(X, y, a0, w0)
    assert res.kappa_N > 0 or res.how_sign_was_decided.startswith(("rank one", "integrated"))
    beta, a_end = flow_limit(a0, w0, X=X, y=y, T=80.0)
    assert np.sign(a_end) == res.sign
    assert np.max(np.abs(res.beta - beta)) < 1e-8


# --------------------------------------------------------------------------
# the mirror characterisation, checked by a direct convex minimisation of Phi - psi^T beta


@settings(deadline=None, max_examples=10)
@given(seed=st.integers(0, 2**32 - 1), delta=st.sampled_from([-2.0, -0.3, 0.0, 0.4, 3.0]))
def test_kkt_minimiser_matches(seed, delta):
    rng = np.random.default_rng(seed)
    d, n = 4, 2
    X, y = random_data(rng, d, n)
    eta_a, eta_w = rng.uniform(0.5, 2.0, 2)
    a0, w0 = init_from_beta(rng.normal(size=d), delta, eta_a, eta_w, sign=int(rng.choice([-1, 1])))
    res = implicit_bias(X, y, a0, w0, eta_a, eta_w)
    beta_p = np.linalg.lstsq(X, y, rcond=None)[0]
    N = np.linalg.svd(X)[2][n:].T          # basis of null(X)

    def objective(z):
        beta = beta_p + N @ z
        return Phi_delta(beta, res.delta, eta_a, eta_w) - res.psi @ beta, N.T @ (
            grad_Phi_delta(beta, res.delta, eta_a, eta_w) - res.psi)

    opt = minimize(objective, np.zeros(d - n), jac=True, method="BFGS", options={"gtol": 1e-13})
    assert np.max(np.abs(beta_p + N @ opt.x - res.beta)) < 1e-7


# --------------------------------------------------------------------------
# limits delta -> +-oo at fixed beta0, rate O(delta^-2)


def _errors(X, y, beta0, target_of, deltas):
    out = []
    for delta in deltas:
        a0, w0 = init_from_beta(beta0, delta)
        res = implicit_bias(X, y, a0, w0)
        out.append(np.linalg.norm(res.beta - target_of(res)))
    return np.array(out)


def _projection(X, y, beta0):
    return beta0 + np.linalg.lstsq(X, y - X @ beta0, rcond=None)[0]


def _angle_minimiser(X, y, beta0, s):
    """argmin ||beta|| - s <beta0_hat, beta> on X beta = y, by direct minimisation in null(X)."""
    beta_p = np.linalg.lstsq(X, y, rcond=None)[0]
    N = np.linalg.svd(X)[2][X.shape[0]:].T
    u = beta0 / np.linalg.norm(beta0)

    def f(z):
        beta = beta_p + N @ z
        r = np.linalg.norm(beta)
        return r - s * u @ beta, N.T @ (beta / r - s * u)

    z = minimize(f, N.T @ (s * beta0), jac=True, method="BFGS", options={"gtol": 1e-14}).x
    return beta_p + N @ z


@pytest.mark.parametrize("case", ["rank1", "d3n2"])
def test_limit_plus_infinity_is_projection(case):
    X, y = (X1, Y1) if case == "rank1" else (np.array([[1.0, 0.2, -0.3], [0.1, 1.1, 0.4]]), np.array([1.0, 0.6]))
    beta0 = B1 if case == "rank1" else np.array([0.5, -0.4, 0.3])
    target = _projection(X, y, beta0)
    err = _errors(X, y, beta0, lambda r: target, [10.0, 100.0, 1000.0])
    assert err[2] < 1e-5
    assert 80 < err[1] / err[2] < 125 and 60 < err[0] / err[1] < 140      # O(delta^-2)
    # the flow agrees with the closed form at delta = 10
    a0, w0 = init_from_beta(beta0, 10.0)
    beta, _ = flow_limit(a0, w0, X=X, y=y)
    assert np.max(np.abs(beta - implicit_bias(X, y, a0, w0).beta)) < 1e-8


def test_limit_minus_infinity_rank_one_rescaled():
    """beta_inf -> (y / x^T beta0) beta0; beta0 = (-0.5, 0.8) is the reference flip case (factor -4.6, a_inf < 0)."""
    for beta0, reference in ((B1, 9.1e-6), (np.array([-0.5, 0.8]), 5.2e-4)):
        factor = Y1[0] / (X1[0] @ beta0)
        err = _errors(X1, Y1, beta0, lambda r: factor * beta0, [-10.0, -100.0, -1000.0])
        assert reference / 1.2 < err[2] < reference * 1.2                   # the reference run at delta = -1000
        assert 80 < err[1] / err[2] < 125                                   # O(delta^-2)
    # the flip case at delta = -100 against the float flow (slow convergence: LSODA path)
    a0, w0 = init_from_beta(np.array([-0.5, 0.8]), -100.0)
    res = implicit_bias(X1, Y1, a0, w0)
    assert res.sign == -1 and a0 > 0 and res.kappa_N < 0
    beta, a_end = flow_limit(a0, w0, X=X1, y=Y1, method="scipy", T=500.0, tol=1e-10, T_max=1e6)
    assert a_end < 0 and np.max(np.abs(beta - res.beta)) < 1e-8


def test_limit_minus_infinity_rank_two_angle_cost():
    X = np.array([[1.0, 0.2, -0.3], [0.1, 1.1, 0.4]])
    y = np.array([1.0, 0.6])
    beta0 = np.array([0.5, -0.4, 0.3])
    errs = []
    for delta in (-30.0, -300.0, -3000.0):
        a0, w0 = init_from_beta(beta0, delta)
        res = implicit_bias(X, y, a0, w0)
        s = int(np.sign(res.a_inf * a0))
        errs.append(np.linalg.norm(res.beta - _angle_minimiser(X, y, beta0, s)))
    assert errs[2] < 1e-5
    assert 80 < errs[1] / errs[2] < 125
    # the float flow agrees with the closed form at delta = -30 (slow convergence: scipy path)
    a0, w0 = init_from_beta(beta0, -30.0)
    beta, _ = flow_limit(a0, w0, X=X, y=y, method="scipy", T=500.0, tol=1e-10, T_max=1e5)
    assert np.max(np.abs(beta - implicit_bias(X, y, a0, w0).beta)) < 1e-8


# --------------------------------------------------------------------------
# potential kernels


@settings(deadline=None, max_examples=25)
@given(a=st.floats(-3, 3).filter(lambda v: abs(v) > 1e-3),
       w=st.lists(st.floats(-3, 3).map(lambda v: v if abs(v) >= 1e-75 else 0.0),   # a w in the float64 domain
                  min_size=1, max_size=4).filter(lambda v: max(map(abs, v)) > 1e-3),
       eta_a=st.floats(0.2, 3), eta_w=st.floats(0.2, 3))
def test_grad_phi_is_sign_a_w(a, w, eta_a, eta_w):
    w = np.array(w)
    delta = eta_w * a * a - eta_a * w @ w
    g = grad_Phi_delta(a * w, delta, eta_a, eta_w)
    assert np.allclose(g, np.sign(a) * w, rtol=1e-10, atol=1e-12 * (1 + abs(delta)))


def test_phi_against_mpmath_and_derivative():
    with mpmath.workdps(40):
        for delta in (-5.0, -1e-9, 0.0, 1e-9, 0.7, 50.0):
            for rho in (1e-6, 0.3, 2.0):
                eta_a, eta_w = 1.3, 0.6
                Lam = mpmath.sqrt(mpmath.mpf(delta) ** 2 + 4 * eta_a * eta_w * mpmath.mpf(rho) ** 2)
                phi = (Lam - 2 * delta) * mpmath.sqrt((Lam + delta) / (2 * eta_w)) / (3 * eta_a)
                got = Phi_delta([rho, 0.0], delta, eta_a, eta_w)
                assert abs(got - float(phi)) <= 1e-13 * max(1.0, abs(float(phi)))
                grad = grad_Phi_delta([0.0, rho], delta, eta_a, eta_w)[1]
                dphi = mpmath.diff(lambda r: (mpmath.sqrt(delta**2 + 4 * eta_a * eta_w * r**2) - 2 * delta)
                                   * mpmath.sqrt((mpmath.sqrt(delta**2 + 4 * eta_a * eta_w * r**2) + delta) / (2 * eta_w))
                                   / (3 * eta_a), mpmath.mpf(rho))
                assert abs(grad - float(dphi)) <= 1e-12 * max(1.0, abs(float(dphi)))


# --------------------------------------------------------------------------
# basins on whitened data


def _surface_init(rng, bs, delta, eps, eta_a=1.0, eta_w=1.0):
    """(a0, w0) with the given delta and A = eta_a p0 - l_- a0 = eps (constructed from the definitions)."""
    s2 = bs @ bs
    Lam = math.sqrt(delta**2 + 4 * eta_a * eta_w * s2)
    l_minus = (-delta - Lam) / 2
    for _ in range(10_000):
        a0 = rng.uniform(-1.5, 1.5)
        p0 = (l_minus * a0 + eps) / eta_a
        q = (eta_w * a0**2 - delta) / eta_a - p0**2 / s2         # ||w_perp0||^2
        if q > 0:
            break
    else:   # near the surface q > 0 needs delta <= 0 (derivation single_neuron_basins)
        raise AssertionError(f"no initialisation with delta = {delta} and A = {eps}")
    perp = rng.normal(size=bs.size)
    perp -= (perp @ bs) / s2 * bs
    return a0, p0 / s2 * bs + math.sqrt(q) * perp / np.linalg.norm(perp)


@pytest.mark.parametrize("delta", [0.0, -2.0, -10.0])
def test_fig7_basins_near_surface(delta):
    """Appendix Fig. 7: X^T X = I_2, beta_star = (1, 0.25); initialisations within 1e-6 of the surface."""
    rng = np.random.default_rng(7 + int(-delta))
    bs = np.array([1.0, 0.25])
    for eps in (1e-6, -1e-6, 0.3, -0.3):
        a0, w0 = _surface_init(rng, bs, delta, eps)
        res = basin(a0, w0, bs)
        assert res.sign == np.sign(eps)
        # t in [0, 200] as in the figure, continued until converged (near the surface the flow lingers
        # at the saddle for a time ~ 2 log(1/|A|)/(delta + Lam))
        beta, a_end = flow_limit(a0, w0, XtX=np.eye(2), Xty=bs, T=200.0)
        assert abs(a_end - res.a_inf) < 1e-8
        assert np.max(np.abs(beta - bs)) < 1e-10 and np.max(np.abs(beta / a_end - res.w_inf)) < 1e-8


@settings(deadline=None, max_examples=15)
@given(seed=st.integers(0, 2**32 - 1), d=st.integers(2, 4), delta=st.floats(-4, 0))
def test_basins_random_near_surface(seed, d, delta):
    rng = np.random.default_rng(seed)
    bs = rng.normal(size=d)
    eta_a, eta_w = rng.uniform(0.5, 2.0, 2)
    eps = float(rng.choice([-1, 1])) * 1e-5
    a0, w0 = _surface_init(rng, bs, delta, eps, eta_a, eta_w)
    res = basin(a0, w0, bs, eta_a, eta_w)
    assert res.sign == np.sign(eps)
    _, a_end = flow_limit(a0, w0, eta_a, eta_w, XtX=np.eye(d), Xty=bs, T=50.0)
    assert abs(a_end - res.a_inf) < 1e-8


def test_saddle_on_the_surface():
    """A = 0 to 30 digits: the flow goes to beta = 0 with w -> w_perp0 / sqrt(1 + eta_w a0^2/l_+)."""
    bs = np.array([1.0, 0.25])
    delta, a0 = -2.0, 0.8
    with mpmath.workdps(40):
        s2 = mpmath.mpf(bs @ bs)
        Lam = mpmath.sqrt(delta**2 + 4 * s2)
        p0 = (-delta - Lam) / 2 * a0                       # A = p0 - l_- a0 = 0
        q = a0**2 - delta - p0**2 / s2
        w0 = [p0 / s2 * bs[0] + mpmath.sqrt(q) * (-0.25) / mpmath.sqrt(1.0625),
              p0 / s2 * bs[1] + mpmath.sqrt(q) * 1.0 / mpmath.sqrt(1.0625)]
    w0_float = np.array([float(v) for v in w0])
    res = basin(a0, w0_float, bs)
    assert res.sign == 0 and res.a_inf == 0
    l_plus = float((Lam - delta) / 2)
    a, w = integrate_single_neuron([0, 30 / l_plus], a0, w0, XtX=np.eye(2), Xty=bs, dps=30)
    assert abs(float(a[-1])) < 1e-5
    assert np.max(np.abs(np.array([float(v) for v in w[-1]]) - res.w_inf)) < 1e-6


def test_basin_batch_matches_scalar():
    rng = np.random.default_rng(3)
    bs = np.array([1.0, 0.25, -0.5])
    a0 = rng.normal(size=5)
    w0 = rng.normal(size=(5, 3))
    batch = basin(a0, w0, bs, 1.3, 0.7)
    for i in range(5):
        one = basin(a0[i], w0[i], bs, 1.3, 0.7)
        assert one.sign == batch.sign[i] and one.a_inf == pytest.approx(batch.a_inf[i], rel=1e-14)


# --------------------------------------------------------------------------
# the limit y -> 0 (and X = 0): the closed form against the flow at y = 0


def _flow_end(a0, w0, X, y, T=100.0, T_max=2e4):
    """(a, w) of the 30-digit flow at T, once w has converged (w(T/2) = w(T) to 1e-12, T doubling)."""
    while True:
        a, w = integrate_single_neuron([0, T / 2, T], a0, list(w0), X=X, y=y, dps=30)
        w = np.array([[float(v) for v in wk] for wk in w])
        if np.max(np.abs(w[2] - w[1])) < 1e-12:
            return float(a[2]), w[2]
        T *= 2
        assert T <= T_max, "the oracle did not converge"


@pytest.mark.parametrize("y", [0.0, 1e-12, 1e-10, 1e-9, 1e-8])
def test_vanishing_y_is_the_flow_at_y_zero(y):
    """The inputs that divided by zero (a_inf's stable form was evaluated at kappa_N >= 0): now the flow's limit."""
    X, w0 = [[1.0, 0.3]], [0.6, -0.5]
    res = implicit_bias(X, [y], 0.8, w0)
    assert res.kappa_N > 0 and res.sign == 1
    beta, a_end = flow_limit(0.8, w0, X=np.array(X), y=np.array([y]))
    assert np.max(np.abs(res.beta - beta)) < 1e-8 and abs(res.a_inf - a_end) < 1e-8
    # the limit y -> 0: beta_inf = sign(a0) sqrt(kappa_N/eta_w) P_N w0
    x = np.array(X[0]) / np.linalg.norm(X[0])
    limit = np.sqrt(res.kappa_N) * (np.array(w0) - x * (x @ w0))
    assert np.max(np.abs(res.beta - limit)) <= 2 * y + 1e-15


def test_zero_data_moves_nothing():
    """X = 0 (so y = 0): the gradient is 0, beta_inf = a0 w0 and w_inf = w0, also for a0 = 0."""
    for a0 in (0.8, -0.3, 0.0):
        res = implicit_bias([[0.0, 0.0]], [0.0], a0, [0.6, -0.5])
        assert res.rank == 0 and abs(res.a_inf - a0) <= 4e-16   # a_inf^2 = kappa_N = (a0^2 - ||w0||^2) + ||w0||^2
        assert np.max(np.abs(res.beta - a0 * np.array([0.6, -0.5]))) <= 4e-16
        assert np.array_equal(res.w_inf, [0.6, -0.5])


@pytest.mark.parametrize("seed", range(4))
def test_y_zero_with_negative_kappa_goes_to_the_saddle(seed):
    """y = 0, kappa_N < 0: a -> 0, beta -> 0, and w -> P_N w0 + exp(-eta_w tau X^T X) P_R w0 (the flow's limit)."""
    rng = np.random.default_rng(seed)
    d, n = 3, int(rng.integers(1, 3))
    X, _ = random_data(rng, d, n)
    w0 = rng.normal(size=d)
    w0 *= 1.5 / np.linalg.norm(X @ w0) if n == 1 else 1.0
    a0 = 0.2 * float(rng.choice([-1, 1]))
    res = implicit_bias(X, np.zeros(n), a0, w0)
    assert res.kappa_N < 0 and res.sign == 0 and res.a_inf == 0 and not np.any(res.beta)
    a_end, w_end = _flow_end(a0, w0, X.tolist(), [0.0] * n)
    assert abs(a_end) < 1e-10
    assert np.max(np.abs(res.w_inf - w_end)) < 1e-10
    # the conservation law at the limit: eta_a ||w_inf||^2 = -delta
    assert abs(res.w_inf @ res.w_inf + res.delta) < 1e-12


# --------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize("kwargs, match", [
    (dict(X=[[1.0, 0.0]], y=[1.0, 2.0]), "y must have length"),
    (dict(X=[[1.0, 0.0], [2.0, 0.0]], y=[1.0, 1.0]), "range"),
    (dict(X=[[1.0, np.nan]], y=[1.0]), "NaN"),
    (dict(X=[[1.0, 0.0]], y=[1.0], w0=[1.0, 2.0, 3.0]), "w0 must have length"),
    (dict(X=[[1.0, 0.0]], y=[1.0], eta_a=0.0), "eta_a"),
    (dict(X=[[1.0, 0.0]], y=[1.0], a0=float("inf")), "a0"),
    (dict(X=[[1.0, 0.0]], y=[1.0], a0=0.0, w0=[0.0, 0.0]), "fixed point"),
])
def test_implicit_bias_bad_input(kwargs, match):
    args = dict(a0=0.5, w0=[0.2, 0.1], eta_a=1.0, eta_w=1.0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        implicit_bias(args.pop("X"), args.pop("y"), **args)


def test_basin_and_phi_bad_input():
    with pytest.raises(ValueError, match="beta_star must be nonzero"):
        basin(0.5, [0.1, 0.2], [0.0, 0.0])
    with pytest.raises(ValueError, match="w0 must have shape"):
        basin(0.5, [0.1, 0.2, 0.3], [1.0, 0.0])
    with pytest.raises(ValueError, match="eta_w"):
        basin(0.5, [0.1, 0.2], [1.0, 0.0], eta_w=-1)
    with pytest.raises(ValueError, match="cone point"):
        grad_Phi_delta([0.0, 0.0], -1.0)
    with pytest.raises(ValueError, match="delta"):
        Phi_delta([[1.0, 0.0], [0.0, 1.0]], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="NaN"):
        Phi_delta([1.0, float("nan")], 1.0)
