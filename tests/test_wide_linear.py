"""Wide linear network: conservation, the self-consistent beta-flow, aligned singular values, q_delta, NTK.

Reference: the raw parameter flow of ``(W, A)`` integrated by the Taylor oracle
(:mod:`symrich.oracle`) at ``dps = 30``; initialisations satisfying ``Delta =
delta I`` are built in mpmath at 30 digits (so the hypothesis holds to 30 digits).
"""

import functools

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symrich import wide_linear as wl
from symrich.oracle import PolynomialFlow, integrate_flow
from symrich.engine.registry import derive

DPS = 30


# --------------------------------------------------------------------------
# the oracle: raw parameter flow of (W, A), data through C = X^T X and B = X^T Y


@functools.lru_cache(maxsize=None)
def wide_flow(d, h, c):
    W = sp.Matrix(h, d, lambda i, j: sp.Symbol(f"W_{i}_{j}"))
    A = sp.Matrix(h, c, lambda i, j: sp.Symbol(f"A_{i}_{j}"))
    C = sp.Matrix(d, d, lambda i, j: sp.Symbol(f"C_{min(i, j)}_{max(i, j)}"))
    B = sp.Matrix(d, c, lambda i, j: sp.Symbol(f"B_{i}_{j}"))
    ea, ew = sp.symbols("eta_a eta_w")
    G = C * (W.T * A) - B
    Wd, Ad = -ew * A * G.T, -ea * W * G
    params = (ea, ew) + tuple(sorted(C.free_symbols, key=str)) + tuple(B)
    return PolynomialFlow(state=tuple(W) + tuple(A), rhs=tuple(Wd) + tuple(Ad), params=params, name=f"wide {d},{h},{c}")


def integrate_wide(W0, A0, X, Y, ea, ew, times):
    """States (W(t), A(t)) as mpmath matrices at each time."""
    h, d = W0.rows, W0.cols
    c = A0.cols
    flow = wide_flow(d, h, c)
    with mpmath.workdps(DPS + 10):
        C = X.T * X
        B = X.T * Y
    params = {"eta_a": ea, "eta_w": ew}
    params.update({f"C_{i}_{j}": C[i, j] for i in range(d) for j in range(i, d)})
    params.update({f"B_{i}_{j}": B[i, j] for i in range(d) for j in range(c)})
    y0 = [W0[i, j] for i in range(h) for j in range(d)] + [A0[i, j] for i in range(h) for j in range(c)]
    sol = integrate_flow(flow, times, y0, params, dps=DPS)
    out = []
    for row in sol.y:
        row = list(row)
        W = mpmath.matrix(h, d)
        A = mpmath.matrix(h, c)
        for i in range(h):
            for j in range(d):
                W[i, j] = row[i * d + j]
            for j in range(c):
                A[i, j] = row[h * d + i * c + j]
        out.append((W, A))
    return out


def mp(a):
    return mpmath.matrix(np.asarray(a, dtype=float).tolist())


def maxabs(M):
    return max(abs(x) for x in M)


def mp_psd_sqrt(S):
    """PSD root; eigenvalues at rounding level (exact zeros of a singular S) are set to 0,
    since sqrt would turn a 1e-30 rounding error into a 1e-15 one."""
    E, Q = mpmath.eigsy(S)
    n = S.rows
    top = max(abs(E[i]) for i in range(n))
    D = mpmath.diag([mpmath.sqrt(E[i]) if E[i] > mpmath.mpf(10) ** (-DPS + 5) * max(1, top) else 0 for i in range(n)])
    return Q * D * Q.T


def mp_balanced(d, h, c, delta, ea, ew, rng):
    """(W, A) with Delta = delta I_h to the working precision (the recipes of wl.balanced_init, in mpmath)."""
    delta = mpmath.mpf(delta)
    if delta > 0:
        W = mp(rng.normal(size=(h, d)))
        A = mp_psd_sqrt((ea * W * W.T + delta * mpmath.eye(h)) / ew) * _rows(h, c, rng)
    elif delta < 0:
        A = mp(rng.normal(size=(h, c)))
        W = mp_psd_sqrt((ew * A * A.T - delta * mpmath.eye(h)) / ea) * _rows(h, d, rng)
    else:
        U, S = _rows(h, h, rng), mpmath.diag([mpmath.mpf(abs(x)) + mpmath.mpf("0.2") for x in rng.normal(size=h)])
        W = U * S * _rows(h, d, rng)
        A = mpmath.sqrt(ea / ew) * U * S * _rows(h, c, rng)
    return W, A


def _rows(k, m, rng):
    Q, _ = mpmath.qr(mp(rng.normal(size=(m, k))))
    R = mpmath.matrix(k, m)
    for i in range(k):
        for j in range(m):
            R[i, j] = Q[j, i]
    return R


def mp_beta_flow(beta, G, delta, ea, ew):
    """The Theorem 4.2 rhs in mpmath (independent of symrich.wide_linear)."""
    eta = ea * ew
    d, c = beta.rows, beta.cols
    left = mp_psd_sqrt(eta * beta * beta.T + delta**2 / 4 * mpmath.eye(d)) - delta / 2 * mpmath.eye(d)
    right = mp_psd_sqrt(eta * beta.T * beta + delta**2 / 4 * mpmath.eye(c)) + delta / 2 * mpmath.eye(c)
    return -left * G - G * right


# --------------------------------------------------------------------------
# item 1: conservation


@settings(max_examples=3)
@given(seed=st.integers(0, 2**32 - 1), d=st.integers(1, 3), h=st.integers(1, 3), c=st.integers(1, 2))
def test_Delta_conserved_to_25_digits(seed, d, h, c):
    rng = np.random.default_rng(seed)
    mpmath.mp.dps = DPS
    n = 4
    X, Y = mp(rng.normal(size=(n, d))), mp(rng.normal(size=(n, c)))
    W0, A0 = mp(rng.normal(size=(h, d))), mp(rng.normal(size=(h, c)))
    ea, ew = mpmath.mpf(float(rng.uniform(0.4, 1.6))), mpmath.mpf(float(rng.uniform(0.4, 1.6)))
    traj = integrate_wide(W0, A0, X, Y, ea, ew, [0, 0.5, 1.0])
    D0 = ew * A0 * A0.T - ea * W0 * W0.T
    moved = maxabs(traj[-1][0] - W0) + maxabs(traj[-1][1] - A0)
    assert moved > 1e-3  # the parameters really moved
    for W, A in traj:
        assert maxabs(ew * A * A.T - ea * W * W.T - D0) < 1e-25 * max(1, maxabs(D0))
    Wt, At = traj[-1]
    swapped0 = ea * A0 * A0.T - ew * W0 * W0.T
    if abs(ea - ew) > 0.1:
        assert maxabs(ea * At * At.T - ew * Wt * Wt.T - swapped0) > 1e-8
    # the float kernel agrees with the mp value
    Wf = np.array(Wt.tolist(), dtype=float)
    Af = np.array(At.tolist(), dtype=float)
    np.testing.assert_allclose(wl.conserved_Delta(Wf, Af, float(ea), float(ew)),
                               np.array(D0.tolist(), dtype=float), atol=1e-12)


# --------------------------------------------------------------------------
# item 2: self-consistent beta-flow along oracle trajectories


CASES = [  # (d, h, c, delta, eta_a, eta_w)
    (3, 2, 2, 1.5, 1.0, 1.0),
    (2, 2, 3, -1.5, 1.0, 1.0),
    (3, 2, 2, 0.8, 0.5, 1.4),
    (2, 2, 3, -0.8, 0.5, 1.4),
    (3, 2, 3, 0.0, 1.0, 1.0),
    (3, 2, 2, 0.0, 1.6, 0.7),
]


@pytest.mark.parametrize("d,h,c,delta,ea,ew", CASES)
def test_beta_flow_matches_parameter_flow_to_25_digits(d, h, c, delta, ea, ew):
    rng = np.random.default_rng(abs(hash((d, h, c, delta, ea))) % 2**32)
    mpmath.mp.dps = DPS
    ea, ew, delta = mpmath.mpf(ea), mpmath.mpf(ew), mpmath.mpf(delta)
    W0, A0 = mp_balanced(d, h, c, delta, ea, ew, rng)
    assert maxabs(ew * A0 * A0.T - ea * W0 * W0.T - delta * mpmath.eye(h)) < 1e-28
    n = 4  # general (not whitened) data
    X, Y = mp(rng.normal(size=(n, d))), mp(rng.normal(size=(n, c)))
    traj = integrate_wide(W0, A0, X, Y, ea, ew, [0, 0.3, 0.7, 1.2])
    beta0 = W0.T * A0
    assert maxabs(traj[-1][0].T * traj[-1][1] - beta0) > 0.05
    for W, A in traj:
        beta = W.T * A
        G = X.T * (X * beta - Y)
        from_params = -ea * W.T * W * G - ew * G * A.T * A
        theorem = mp_beta_flow(beta, G, delta, ea, ew)
        assert maxabs(from_params - theorem) < 1e-25 * max(1, maxabs(from_params))
        # the float kernel: same formula, double precision
        bf = wl.beta_flow(np.array(beta.tolist(), dtype=float), np.array(G.tolist(), dtype=float),
                          float(delta), float(ea), float(ew))
        np.testing.assert_allclose(bf, np.array(from_params.tolist(), dtype=float), atol=1e-11)


@settings(max_examples=8)
@given(seed=st.integers(0, 2**32 - 1), d=st.integers(1, 4), c=st.integers(1, 4),
       delta=st.sampled_from([-2.0, -0.3, -1e-9, 0.0, 1e-9, 0.3, 2.0]), ea=st.floats(0.3, 2.0), ew=st.floats(0.3, 2.0))
def test_beta_flow_float_matches_parameters(seed, d, c, delta, ea, ew):
    rng = np.random.default_rng(seed)
    h = c if delta > 0 else d if delta < 0 else min(d, c)
    W, A = wl.balanced_init(d, h, c, delta, rng, ea, ew)
    X, Y = rng.normal(size=(3, d)), rng.normal(size=(3, c))
    Wd, Ad = wl.parameter_flow(W, A, X, Y, ea, ew)
    beta = W.T @ A
    G = X.T @ (X @ beta - Y)
    expected = Wd.T @ A + W.T @ Ad
    np.testing.assert_allclose(wl.beta_flow(beta, G, delta, ea, ew), expected, atol=1e-9 * max(1, np.abs(expected).max()))


@pytest.mark.parametrize("d,h,c,delta", [(3, 2, 3, 1.5), (3, 2, 2, -1.5), (3, 1, 2, 0.7)])
def test_beta_flow_fails_for_the_wrong_width(d, h, c, delta):
    rng = np.random.default_rng(7)
    W, A = wl.balanced_init(d, h, c, delta, rng, strict=False)
    np.testing.assert_allclose(wl.conserved_Delta(W, A), delta * np.eye(h), atol=1e-12)  # Delta = delta I holds
    X, Y = rng.normal(size=(4, d)), rng.normal(size=(4, c))
    Wd, Ad = wl.parameter_flow(W, A, X, Y)
    beta = W.T @ A
    G = X.T @ (X @ beta - Y)
    true = Wd.T @ A + W.T @ Ad
    err = np.abs(wl.beta_flow(beta, G, delta) - true).max()
    assert err > 1e-2 * np.abs(true).max()  # (C) fails: the formula is not the flow
    with pytest.raises(ValueError, match="needs h"):
        wl.balanced_init(d, h, c, delta, rng)


# --------------------------------------------------------------------------
# item 3: aligned singular values against an integrated network


def aligned_network(d, c, delta, ea, ew, sigma0, s, rng):
    """Whitened X, Y = X beta* + (part orthogonal to col X), W = diag(omega) U^T, A = diag(alpha) V^T."""
    n = d + 2
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    X = mp(Q[:, :d])  # orthonormal columns in float: orthonormalise again in mp
    Xq, _ = mpmath.qr(X)
    X = Xq[:, :d] if Xq.cols > d else Xq
    r = 2
    U = _rows(r, d, rng).T
    V = _rows(r, c, rng).T
    S = mpmath.diag([mpmath.mpf(x) for x in s])
    beta_star = U * S * V.T
    extra = mp(rng.normal(size=(n, c)))
    extra = extra - X * (X.T * extra)
    Y = X * beta_star + extra
    om, al = [], []
    for s0 in sigma0:
        x = (-delta + mpmath.sqrt(delta**2 + 4 * ea * ew * mpmath.mpf(s0) ** 2)) / (2 * ea)
        om.append(mpmath.sqrt(x))
        al.append(mpmath.mpf(s0) / mpmath.sqrt(x))
    W = mpmath.diag(om) * U.T
    A = mpmath.diag(al) * V.T
    return X, Y, W, A, U, V


@pytest.mark.parametrize("d,c,delta,ea,ew", [(3, 2, 1.2, 1.0, 1.0), (2, 3, -1.2, 1.0, 1.0), (3, 2, 0.5, 0.6, 1.5),
                                             (2, 3, -2.0, 1.3, 0.8), (2, 2, 0.0, 1.0, 1.0)])
def test_singular_value_trajectory_matches_network(d, c, delta, ea, ew):
    rng = np.random.default_rng(11)
    mpmath.mp.dps = DPS
    sigma0, s = (0.05, 0.6), (2.0, 0.3)
    dl, ea_, ew_ = mpmath.mpf(delta), mpmath.mpf(ea), mpmath.mpf(ew)
    X, Y, W0, A0, U, V = aligned_network(d, c, dl, ea_, ew_, sigma0, s, rng)
    assert maxabs(X.T * X - mpmath.eye(d)) < 1e-28
    assert maxabs(ew_ * A0 * A0.T - ea_ * W0 * W0.T - dl * mpmath.eye(2)) < 1e-28
    times = [0, 0.2, 0.5, 1.0, 2.0, 3.0]
    traj = integrate_wide(W0, A0, X, Y, ea_, ew_, times)
    for t, (W, A) in zip(times, traj):
        M = U.T * (W.T * A) * V
        assert abs(M[0, 1]) + abs(M[1, 0]) < 1e-24  # stays aligned
        net = np.array([float(M[0, 0]), float(M[1, 1])])
        closed = wl.singular_value_trajectory(t, np.array(sigma0), np.array(s), delta, ea, ew)
        np.testing.assert_allclose(closed, net, rtol=0, atol=1e-12)
        if t > 0:
            back = wl.time_to_reach(net, np.array(sigma0), np.array(s), delta, ea, ew)
            np.testing.assert_allclose(back, t, rtol=1e-8)


def test_singular_value_trajectory_edge_cases():
    # delta -> 0 continuity and the Saxe sigmoid; long times; sigma0 = 0 escapes iff delta != 0
    t = np.array([0.0, 0.3, 1.0, 10.0, 1e4])
    s, s0 = 1.5, 0.2
    saxe = s * s0 / (s0 + (s - s0) * np.exp(-2 * s * t))
    np.testing.assert_allclose(wl.singular_value_trajectory(t, s0, s, 0.0), saxe, rtol=1e-14)
    np.testing.assert_allclose(wl.singular_value_trajectory(t, s0, s, 1e-9), saxe, rtol=1e-8)
    assert wl.singular_value_trajectory(1e6, s0, s, 3.0) == pytest.approx(s, rel=1e-15)
    assert np.all(wl.singular_value_trajectory(t, 0.0, s, 0.0) == 0.0)
    assert wl.singular_value_trajectory(1.0, 0.0, s, 0.5) > 0.1
    # R = 0 (s = 0, delta = 0): sigma' = -2 sigma^2
    np.testing.assert_allclose(wl.singular_value_trajectory(t, 0.7, 0.0, 0.0), 0.7 / (1 + 1.4 * t), rtol=1e-14)
    np.testing.assert_allclose(wl.time_to_reach(0.7 / (1 + 1.4 * 2.0), 0.7, 0.0, 0.0), 2.0, rtol=1e-13)
    # decreasing singular value (sigma0 > s), with learning rates
    sig = wl.singular_value_trajectory(0.4, 2.5, 0.5, -0.7, 0.6, 1.7)
    assert 0.5 < sig < 2.5
    assert wl.time_to_reach(sig, 2.5, 0.5, -0.7, 0.6, 1.7) == pytest.approx(0.4, rel=1e-10)


# --------------------------------------------------------------------------
# mirror flow: q_delta, limits, failure off alignment


def test_q_delta_gradient_and_limits():
    x = np.array([0.3, 1.0, 2.5])
    for delta, eta in ((0.7, 1.0), (-1.3, 2.0)):
        h = 1e-6
        fd = (wl.q_delta(x + h, delta, eta) - wl.q_delta(x - h, delta, eta)) / (2 * h)
        np.testing.assert_allclose(wl.q_delta_grad(x, delta, eta), fd, rtol=1e-8)
    # delta -> 0: Phi = 1/2 log(4/|delta|) ||beta||_* + 1/2 sum (x log x - x) + O(delta^2)  (eta = 1)
    for delta in (1e-3, -1e-5):
        phi = wl.q_delta(x, delta).sum()
        pred = 0.5 * np.log(4 / abs(delta)) * x.sum() + 0.5 * np.sum(x * np.log(x) - x)
        assert phi - pred == pytest.approx(-delta**2 / 32 * np.sum(1 / x), rel=0.02)  # the O(delta^2) term
    ratios = [wl.q_delta(x, dl).sum() / (0.5 * np.log(1 / dl)) for dl in (1e-4, 1e-16, 1e-64)]
    errs = [abs(r - x.sum()) for r in ratios]
    assert errs[0] > errs[1] > errs[2] and errs[2] < 0.1  # -> nuclear norm, slowly (1/log)
    # |delta| -> oo: Phi = ||beta||_F^2/(2|delta|) - r |delta|/4 - sum x^4/(6 |delta|^3) + ...
    for delta in (30.0, -100.0):
        phi = wl.q_delta(x, delta).sum()
        frob = np.sum(x**2) / (2 * abs(delta)) - len(x) * abs(delta) / 4
        assert abs(phi - frob) == pytest.approx(np.sum(x**4) / (6 * abs(delta) ** 3), rel=0.05)


def _T(beta, delta):
    def apply(G):
        return -wl.beta_flow(beta, G, delta)
    return np.array([apply(E.reshape(2, 2)).ravel() for E in np.eye(4)]).T  # column k = T(e_k)


def _integrability_defect(H_of_beta, beta):
    """max |d_k H_ij - d_j H_ik| by central differences (zero for a Hessian field)."""
    h = 1e-5
    D = np.zeros((4, 4, 4))
    for k in range(4):
        e = np.zeros(4)
        e[k] = h
        D[:, :, k] = (H_of_beta((beta.ravel() + e).reshape(2, 2)) - H_of_beta((beta.ravel() - e).reshape(2, 2))) / (2 * h)
    return np.abs(D - D.transpose(0, 2, 1)).max()


def test_not_a_mirror_flow_without_alignment():
    beta = np.array([[0.9, -0.3], [0.4, 0.7]])
    delta = 1.0
    Tinv = lambda b: np.linalg.inv(_T(b, delta))  # noqa: E731
    assert _integrability_defect(Tinv, beta) > 0.05  # spec: about 0.12
    # control: a true Hessian field (separable q_delta) passes the same test
    hess = lambda b: np.diag(1 / (2 * np.sqrt(b.ravel() ** 2 + delta**2 / 4)))  # noqa: E731
    assert _integrability_defect(hess, beta) < 1e-8
    # and on the aligned (diagonal) set T^-1 is the diagonal q'' there
    bd = np.diag([0.8, 0.3])
    np.testing.assert_allclose(np.diag(np.linalg.inv(_T(bd, delta)))[[0, 3]],
                               1 / (2 * np.sqrt(np.diag(bd) ** 2 + delta**2 / 4)), rtol=1e-12)


# --------------------------------------------------------------------------
# NTK and kernel distance


def test_ntk_matches_jacobian_kernel():
    rng = np.random.default_rng(3)
    n, d, h, c, ea, ew = 5, 3, 4, 2, 1.4, 0.6
    X, W, A = rng.normal(size=(n, d)), rng.normal(size=(h, d)), rng.normal(size=(h, c))

    def f(theta):
        Wt, At = theta[: h * d].reshape(h, d), theta[h * d:].reshape(h, c)
        return (X @ Wt.T @ At).ravel()

    theta = np.concatenate([W.ravel(), A.ravel()])
    J = np.empty((n * c, theta.size))
    for k in range(theta.size):  # f is bilinear: central differences are exact up to round-off
        e = np.zeros_like(theta)
        e[k] = 1.0
        J[:, k] = (f(theta + e) - f(theta - e)) / 2
    rates = np.concatenate([np.full(h * d, ew), np.full(h * c, ea)])
    K = wl.ntk(X, W, A, ea, ew)
    np.testing.assert_allclose(K, (J * rates) @ J.T, atol=1e-10 * np.abs(K).max())
    # d/dt (X beta) = -K (X beta - Y)
    Y = rng.normal(size=(n, c))
    Wd, Ad = wl.parameter_flow(W, A, X, Y, ea, ew)
    out_dot = X @ (Wd.T @ A + W.T @ Ad)
    np.testing.assert_allclose(out_dot.ravel(), -K @ (X @ W.T @ A - Y).ravel(), atol=1e-10 * np.abs(out_dot).max())


def test_kernel_distance():
    rng = np.random.default_rng(4)
    K0 = rng.normal(size=(6, 6))
    K0 = K0 @ K0.T
    assert wl.kernel_distance(K0, 2.5 * K0) == pytest.approx(0.0, abs=1e-15)
    Kt = K0 + rng.normal(size=(6, 6))
    expected = 1 - np.trace(K0 @ Kt.T) / (np.linalg.norm(K0) * np.linalg.norm(Kt))
    assert wl.kernel_distance(K0, Kt) == pytest.approx(expected, rel=1e-13)
    batch = wl.kernel_distance(K0, np.stack([K0, Kt]))
    np.testing.assert_allclose(batch, [0.0, expected], atol=1e-14)


# --------------------------------------------------------------------------
# bad input


def test_bad_input_raises_value_error_naming_the_argument():
    rng = np.random.default_rng(0)
    W, A = np.ones((2, 3)), np.ones((2, 2))
    with pytest.raises(ValueError, match="same number of rows"):
        wl.conserved_Delta(W, np.ones((3, 2)))
    with pytest.raises(ValueError, match="eta_a"):
        wl.conserved_Delta(W, A, eta_a=0.0)
    with pytest.raises(ValueError, match="X must have d = 3"):
        wl.parameter_flow(W, A, np.ones((4, 2)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="Y must have shape"):
        wl.parameter_flow(W, A, np.ones((4, 3)), np.ones((4, 3)))
    with pytest.raises(ValueError, match="G must have the shape of beta"):
        wl.beta_flow(np.ones((3, 2)), np.ones((2, 3)), 0.5)
    with pytest.raises(ValueError, match="delta"):
        wl.beta_flow(np.ones((3, 2)), np.ones((3, 2)), np.nan)
    with pytest.raises(ValueError, match="sigma0 must be >= 0"):
        wl.singular_value_trajectory(1.0, -0.1, 1.0, 0.5)
    with pytest.raises(ValueError, match="t must be >= 0"):
        wl.singular_value_trajectory(-1.0, 0.1, 1.0, 0.5)
    with pytest.raises(ValueError, match="between sigma0"):
        wl.time_to_reach(1.5, 0.1, 1.0, 0.5)
    with pytest.raises(ValueError, match="delta must be nonzero"):
        wl.q_delta(1.0, 0.0)
    # delta = 0 admits every width (h > min(d, c) gives rank-deficient layers); delta > 0 needs h <= c
    W, A = wl.balanced_init(2, 3, 3, 0.0, rng)
    np.testing.assert_allclose(wl.conserved_Delta(W, A), np.zeros((3, 3)), atol=1e-12)
    assert np.linalg.matrix_rank(W) == 2
    with pytest.raises(ValueError, match="h <= c with strict=False"):
        wl.balanced_init(2, 3, 2, 0.5, rng, strict=False)
    with pytest.raises(ValueError, match="rng"):
        wl.balanced_init(2, 2, 2, 1.0, 0)
    with pytest.raises(ValueError, match="K0 is 2 x 2 but Kt is 3 x 3"):
        wl.kernel_distance(np.eye(2), np.eye(3))
    with pytest.raises(ValueError, match="zero kernel"):
        wl.kernel_distance(np.zeros((2, 2)), np.eye(2))


# --------------------------------------------------------------------------
# the derivations verify


@pytest.mark.parametrize("name", ["wide_linear_conservation", "wide_linear_self_consistent", "wide_linear_singular_values",
                                  "wide_linear_ntk", "wide_linear_mirror_flow"])
def test_derivation_verifies(name):
    verified = derive(name).verified
    assert verified.proof_kinds["symbolic"] >= 1
    assert len(verified.proofs) == sum(len(item.equalities()) for item in verified.derivation.steps)


def test_balanced_layers_at_lambda_zero_follow_the_scale():
    """lam = 0: the singular values scale with ``scale`` (no absolute floor), and the layers stay balanced."""
    for scale in (1e-10, 1e-5, 1.0):
        W1, W2 = wl.balanced_layers(3, 2, 2, 0.0, np.random.default_rng(3), scale=scale)
        sv = np.linalg.svd(W1, compute_uv=False)
        assert 1e-3 * scale <= sv.min() and sv.max() <= 10 * scale
        assert np.abs(W2.T @ W2 - W1 @ W1.T).max() <= 1e-14 * scale**2
