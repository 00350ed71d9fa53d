"""Wide linear network in closed form: ``symrich.wide_linear.trajectory`` against independent references.

References: the raw parameter flow of ``(W1, W2)`` integrated by the Taylor oracle
(:mod:`symrich.oracle`) at ``dps = 30`` from lambda-balanced initialisations built at
30 digits; the single-neuron closed form (``h = c = 1``); the aligned singular values;
the Riccati equation itself at long times.  Every hypothesis example runs the three
regimes lambda < 0, = 0, > 0 (with ``h`` capped at ``d`` for lambda < 0 and at ``c`` for
lambda > 0, the only widths that admit a balanced network).
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
from symrich.single_neuron import trajectory as neuron_trajectory

DPS = 30
TIMES = [0, "0.4", "1.3"]


@functools.lru_cache(maxsize=None)
def parameter_flow(d, c, h):
    """``W1' = eta_w W2^T (S - W2 W1)``, ``W2' = eta_a (S - W2 W1) W1^T`` (whitened data, ``S = Y X^T``)."""
    W1 = sp.Matrix(h, d, lambda i, j: sp.Symbol(f"W1_{i}_{j}"))
    W2 = sp.Matrix(c, h, lambda i, j: sp.Symbol(f"W2_{i}_{j}"))
    S = sp.Matrix(c, d, lambda i, j: sp.Symbol(f"S_{i}_{j}"))
    ea, ew = sp.symbols("eta_a eta_w")
    E = S - W2 * W1
    return PolynomialFlow(state=tuple(W1) + tuple(W2), rhs=tuple(ew * W2.T * E) + tuple(ea * E * W1.T),
                          params=(ea, ew) + tuple(S), name=f"wide linear d={d} c={c} h={h}")


def oracle(times, W1, W2, S, ea, ew):
    """``[(W1(t), W2(t))]`` (object arrays of mpf) by the Taylor oracle."""
    h, d = W1.shape
    c = W2.shape[0]
    params = {"eta_a": ea, "eta_w": ew}
    params.update({f"S_{i}_{j}": S[i, j] for i in range(c) for j in range(d)})
    sol = integrate_flow(parameter_flow(d, c, h), times, list(W1.ravel()) + list(W2.ravel()), params, dps=DPS)
    out = []
    for row in sol.y:
        row = np.array(list(row), dtype=object)
        out.append((row[:h * d].reshape(h, d), row[h * d:].reshape(c, h)))
    return out


def rel(a, b):
    """``max |a - b| / max(1, max |b|)`` as a float (works for mpf and float arrays)."""
    a, b = np.asarray(a), np.asarray(b)
    scale = max(1, max(abs(x) for x in b.flat))
    return float(max(abs(x) for x in (a - b).flat) / scale)


#: the worst errors seen, per check (for reports: run the tests, then read this dictionary)
WORST = {}


def record(name, err):
    WORST[name] = max(WORST.get(name, 0.0), err)
    return err


SHAPES = {  # (d, c, h): h relative to d and c
    "h < d = c": (3, 3, 2),
    "h = c < d": (4, 2, 2),
    "h = d < c": (2, 3, 2),
    "h > d, c": (2, 2, 3),
    "h = d = c": (3, 3, 3),
}


def regimes(d, c, h, size):
    """``(h, lambda)`` for lambda < 0, = 0, > 0: every run reaches the three regimes."""
    return [(min(h, d), -size), (h, 0.0), (min(h, c), size)]


@pytest.mark.parametrize("shape", sorted(SHAPES))
@settings(max_examples=2, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), size=st.floats(0.05, 2.0), ea=st.floats(0.4, 2.0), ew=st.floats(0.4, 2.0))
def test_closed_form_matches_the_parameter_flow(shape, seed, size, ea, ew):
    d, c, h0 = SHAPES[shape]
    rng = np.random.default_rng(seed)
    S = rng.normal(size=(c, d))
    for h, lam in regimes(d, c, h0, size):
        with mpmath.workdps(DPS):  # every mpf operation at 30 digits, the comparisons included
            W1, W2 = wl.balanced_layers(d, h, c, lam, rng, ea, ew, backend="mpmath")
            reference = oracle(TIMES, W1, W2, S, ea, ew)
            exact = wl.trajectory(TIMES, W1, W2, S, ea, ew, backend="mpmath")
            approx = wl.trajectory([float(mpmath.mpf(t)) for t in TIMES], W1.astype(float), W2.astype(float), S,
                                   ea, ew)
            check_against_flow(reference, exact, approx, lam, ea, ew)


def check_against_flow(reference, exact, approx, lam, ea, ew):
    h = exact.W1.shape[-2]
    assert float(exact.lam) == pytest.approx(lam, abs=1e-14)
    moved = rel(reference[-1][1] @ reference[-1][0], reference[0][1] @ reference[0][0])
    assert moved > 1e-3  # the network really learns
    for i, (A, B) in enumerate(reference):
        truth = {"beta": B @ A, "W1TW1": A.T @ A, "W2W2T": B @ B.T}
        for name, value in truth.items():
            assert record(f"mpmath {name}", rel(getattr(exact, name)[i], value)) < 1e-25
            assert record(f"float64 {name}", rel(getattr(approx, name)[i], value)) < 1e-11
        # the representative layers: balanced, right Gram matrices, a hidden rotation of the flow's layers
        R1, R2 = exact.W1[i], exact.W2[i]
        assert record("mpmath layers", rel(R2 @ R1, truth["beta"])) < 1e-25
        assert rel(R1.T @ R1, truth["W1TW1"]) < 1e-25 and rel(R2 @ R2.T, truth["W2W2T"]) < 1e-25
        Delta = ew * R2.T @ R2 - ea * R1 @ R1.T
        assert rel(Delta, lam * np.eye(h)) < 1e-25
        Q = np.concatenate([A.T, B]).astype(float)
        if np.linalg.matrix_rank(Q) == h:  # full rank: O = Q^+ Q_rep is orthogonal and Q O = Q_rep
            Qr = np.concatenate([R1.T, R2]).astype(float)
            O = np.linalg.pinv(Q) @ Qr
            assert record("float64 hidden rotation", rel(O.T @ O, np.eye(h))) < 1e-11
            assert rel(Q @ O, Qr) < 1e-11
            assert rel(approx.W1[i], R1) < 1e-11 and rel(approx.W2[i], R2) < 1e-11


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), d=st.integers(1, 4), size=st.floats(0.05, 3.0), ea=st.floats(0.3, 3.0),
       ew=st.floats(0.3, 3.0))
def test_single_neuron_is_the_case_h_c_1(seed, d, size, ea, ew):
    rng = np.random.default_rng(seed)
    beta_star = rng.normal(size=d)
    t = np.array([0.0, 0.3, 2.0, 50.0, 1e6])
    for delta in (-size, 0.0, size):
        W1, W2 = wl.balanced_layers(d, 1, 1, delta, rng, ea, ew)
        # delta = 0, d = 1 and a0 w0 beta* < 0 is the stable manifold of the saddle beta = 0: there rounding
        # (delta = 1e-16 instead of 0) decides whether and when the flow escapes, so only short times compare
        saddle = delta == 0 and d == 1 and W2[0, 0] * W1[0, 0] * beta_star[0] < 0
        tt = t[:3] if saddle else t
        a, w = neuron_trajectory(tt, W2[0, 0], W1[0], beta_star, ea, ew)
        sol = wl.trajectory(tt, W1, W2, beta_star[None, :], ea, ew)
        assert record("single neuron beta", rel(sol.beta[:, 0, :], a[:, None] * w)) < 1e-11
        assert rel(sol.W1[:, 0, :], w) < 1e-11 and rel(sol.W2[:, 0, 0], a) < 1e-11  # h = 1: the true layers


def aligned(d, c, lam, ea, ew, sigma0, rng):
    """An initialisation aligned with the SVD of S: W1 = diag(omega) V^T, W2 = U diag(alpha)."""
    S = rng.normal(size=(c, d))
    U, s, Vh = np.linalg.svd(S)
    m = len(s)
    # eta_w alpha^2 - eta_a omega^2 = lam and alpha omega = sigma0
    omega2 = (-lam + np.sqrt(lam**2 + 4 * ea * ew * sigma0**2)) / (2 * ea)
    omega, alpha = np.sqrt(omega2), sigma0 / np.sqrt(omega2)
    return S, U[:, :m], s, Vh[:m], omega[:, None] * Vh[:m], U[:, :m] * alpha


@pytest.mark.parametrize("d,c,lam", [(3, 2, 0.7), (2, 3, -0.7), (3, 3, 0.0), (2, 2, 1e-10), (4, 2, -1.5)])
def test_aligned_initialisations_follow_the_singular_values(d, c, lam):
    rng = np.random.default_rng(5)
    ea, ew = 0.7, 1.6
    sigma0 = np.array([0.05, 0.3, 0.2, 0.1])[:min(d, c)]
    S, U, s, Vh, W1, W2 = aligned(d, c, lam, ea, ew, sigma0, rng)
    t = np.array([0.0, 0.5, 2.0, 6.0])
    sol = wl.trajectory(t, W1, W2, S, ea, ew)
    sigma = wl.singular_value_trajectory(t[:, None], sigma0, s, lam, ea, ew)
    expected = np.einsum("im,tm,mj->tij", U, sigma, Vh)
    assert record("aligned beta", rel(sol.beta, expected)) < 1e-11
    # aligned: the G(tau) commute, so the representative is the flow's own layers
    omega = np.sqrt((-lam + np.sqrt(lam**2 + 4 * ea * ew * sigma**2)) / (2 * ea))
    assert rel(sol.W1, omega[:, :, None] * Vh) < 1e-11


@pytest.mark.parametrize("d,c,h,lam", [(10, 5, 8, 0.0), (10, 5, 8, -0.4), (3, 5, 3, 0.6), (2, 2, 3, 0.0),
                                       (4, 4, 4, 1e-12), (3, 2, 2, -1e-12)])
def test_long_times_are_finite_and_solve_the_riccati_equation(d, c, h, lam):
    rng = np.random.default_rng(11)
    ea, ew = 1.3, 0.6
    k2 = ea * ew
    S = rng.normal(size=(c, d))
    W1, W2 = wl.balanced_layers(d, h, c, lam, rng, ea, ew, scale=0.5)
    F = np.block([[-lam / k2 / 2 * np.eye(d), S.T / np.sqrt(k2)], [S / np.sqrt(k2), lam / k2 / 2 * np.eye(c)]])
    for t in (30.0, 1e3, 1e6):
        dt = 1e-3 * t
        sol = wl.trajectory([t - dt, t, t + dt], W1, W2, S, ea, ew)
        assert all(np.all(np.isfinite(getattr(sol, f))) for f in ("beta", "W1TW1", "W2W2T", "W1", "W2"))
        P = [np.block([[g1 / ew, b.T / np.sqrt(k2)], [b / np.sqrt(k2), g2 / ea]])
             for b, g1, g2 in zip(sol.beta, sol.W1TW1, sol.W2W2T)]
        dP = (P[2] - P[0]) / (2 * dt * k2)
        riccati = F @ P[1] + P[1] @ F - P[1] @ P[1]
        assert record("Riccati residual at long times", np.abs(dP - riccati).max()) < 1e-9 * max(1, np.abs(P[1]).max())
    # every singular direction of S is learnt when h >= rank S (lambda = 0 and lambda < 0 here)
    if h >= min(d, c) and lam <= 0:
        assert rel(sol.beta[1], S) < 1e-9


def test_mpmath_backend_at_any_precision_and_float_agreement_at_long_times():
    rng = np.random.default_rng(2)
    S = rng.normal(size=(2, 3))
    W1, W2 = wl.balanced_layers(3, 3, 2, 0.0, rng)  # F singular (d != c, lambda = 0), rank-deficient layers
    f64 = wl.trajectory([0.7, 1e6], W1, W2, S)
    before = mpmath.mp.dps
    with mpmath.workdps(80):
        W1m, W2m = wl.balanced_layers(3, 3, 2, 0.0, np.random.default_rng(7), backend="mpmath")
        higher = wl.trajectory("0.7", W1m, W2m, S, backend="mpmath")
    with mpmath.workdps(60):
        hi = wl.trajectory("0.7", W1m, W2m, S, backend="mpmath")
        assert rel(hi.beta, higher.beta) < 1e-55
    assert mpmath.mp.dps == before  # never global
    with mpmath.workdps(30):
        long = wl.trajectory([0.7, 1e6], W1, W2, S, backend="mpmath", rtol=1e-10)
    assert record("float64 vs mpmath at t = 1e6", rel(f64.beta, long.beta)) < 1e-12
    assert rel(f64.W1TW1, long.W1TW1) < 1e-12 and rel(f64.W2W2T, long.W2W2T) < 1e-12


def test_small_lambda_is_continuous():
    rng = np.random.default_rng(4)
    S = rng.normal(size=(2, 3))
    base = rng.normal(size=(2, 3))
    t = np.array([0.5, 3.0, 1e4])
    sols = []
    for lam in (-1e-10, 0.0, 1e-10):  # W1 fixed; W2 = sqrt((W1 W1^T + lam I))^{1/2}, O = I
        w, V = np.linalg.eigh(base @ base.T + lam * np.eye(2))
        sols.append(wl.trajectory(t, base, ((V * np.sqrt(w)) @ V.T).T, S))
    for s in (sols[0], sols[2]):
        assert rel(s.beta, sols[1].beta) < 1e-8


def test_batches_and_broadcasting():
    rng = np.random.default_rng(8)
    S = rng.normal(size=(2, 3))
    pairs = [wl.balanced_layers(3, 2, 2, lam, rng) for lam in (-0.5, 0.0, 0.5)]
    W1 = np.stack([p[0] for p in pairs])
    W2 = np.stack([p[1] for p in pairs])
    t = [0.0, 1.0, 5.0]
    sol = wl.trajectory(t, W1, W2, S)
    assert sol.beta.shape == (3, 3, 2, 3) and sol.W1.shape == (3, 3, 2, 3) and sol.lam.shape == (3,)
    for b, (w1, w2) in enumerate(pairs):
        one = wl.trajectory(t, w1, w2, S)
        np.testing.assert_array_equal(one.beta, sol.beta[b])
        np.testing.assert_array_equal(wl.trajectory(5.0, w1, w2, S).beta, sol.beta[b, 2])
    np.testing.assert_allclose(sol.beta[:, 0], W2 @ W1, rtol=1e-14)  # t = 0 is the start
    # batch axes broadcast: one W1 (1, h, d) with three W2 (3, c, h) = U_i W2, U_i orthogonal (Delta unchanged)
    U = [np.linalg.qr(rng.normal(size=(2, 2)))[0] for _ in range(3)]
    grid = wl.trajectory(t, W1[:1], np.stack([u @ W2[0] for u in U]), S, layers=False)
    assert grid.beta.shape == (3, 3, 2, 3) and grid.W1 is None
    for i, u in enumerate(U):
        np.testing.assert_allclose(grid.beta[i], wl.trajectory(t, W1[0], u @ W2[0], S).beta, rtol=1e-14)


def test_ntk_and_kernel_distance_along_the_trajectory():
    rng = np.random.default_rng(6)
    d, c, h, ea, ew = 3, 2, 2, 0.8, 1.5
    S = rng.normal(size=(c, d))
    W1, W2 = wl.balanced_layers(d, h, c, 0.3, rng, ea, ew, scale=0.2)
    t = np.array([0.0, 0.5, 4.0])
    sol = wl.trajectory(t, W1, W2, S, ea, ew)
    X = rng.normal(size=(5, d))
    K = sol.ntk(X)
    for i in range(len(t)):  # the NTK depends on the layers only through the Gram matrices
        np.testing.assert_allclose(K[i], wl.ntk(X, sol.W1[i], sol.W2[i].T, ea, ew), rtol=1e-12, atol=1e-14)
    Xw, _ = np.linalg.qr(rng.normal(size=(6, d)))  # whitened: X^T X = I
    Kw = sol.ntk(Xw)
    np.testing.assert_allclose(sol.kernel_distance(), wl.kernel_distance(Kw[0], Kw), atol=1e-14)
    assert sol.kernel_distance()[-1] > 1e-3
    zero = wl.trajectory(t, np.zeros((h, d)), np.zeros((c, h)), S)  # a fixed point: the zero kernel
    assert np.all(zero.beta == 0)
    with pytest.raises(ValueError, match="zero kernel"):
        zero.kernel_distance()


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: wl.trajectory(1.0, [[1.0, 0.0], [0.0, 2.0]], np.eye(2), np.ones((2, 2))), r"not lambda-balanced.*\|\|Delta - lambda I\|\|_F = 2.12"),
        (lambda: wl.trajectory(1.0, np.eye(2), np.eye(3), np.ones((3, 2))), r"W2_0 must have shape \(\.\.\., c, h\)"),
        (lambda: wl.trajectory(1.0, np.eye(2), np.eye(2), np.ones((2, 3))), "S = Y X"),
        (lambda: wl.trajectory(-1.0, np.eye(2), np.eye(2), np.ones((2, 2))), "t must be >= 0"),
        (lambda: wl.trajectory([[1.0]], np.eye(2), np.eye(2), np.ones((2, 2))), "1-d array of times"),
        (lambda: wl.trajectory(1.0, [[np.nan, 1.0], [0.0, 1.0]], np.eye(2), np.ones((2, 2))), "W1_0 contains NaN"),
        (lambda: wl.trajectory(1.0, np.eye(2), np.diag([1.0, np.inf]), np.ones((2, 2))), "W2_0 contains NaN"),
        (lambda: wl.trajectory([1.0, np.nan], np.eye(2), np.eye(2), np.ones((2, 2))), "t contains NaN"),
        (lambda: wl.trajectory(np.inf, np.eye(2), np.eye(2), np.ones((2, 2))), "t contains NaN"),
        (lambda: wl.trajectory(1.0, np.eye(2), np.eye(2), [[1.0, np.nan], [0.0, 1.0]]), "S contains NaN"),
        (lambda: wl.trajectory(1.0, np.eye(2), np.eye(2), np.ones((2, 2)), layers=False, rtol=-1.0), "rtol must be"),
        (lambda: wl.trajectory(1.0, np.eye(2), np.eye(2), np.ones((2, 2)), eta_a=0.0), "eta_a"),
        (lambda: wl.trajectory(1.0, np.eye(2), np.eye(2), np.ones((2, 2)), backend="jax"), "backend"),
        (lambda: wl.trajectory(1.0, np.ones((2, 2, 2)), np.ones((3, 2, 2)), np.ones((2, 2))), "do not broadcast"),
        (lambda: wl.balanced_layers(2, 3, 2, 0.5, np.random.default_rng(0)), "lam > 0 needs h <= c"),
        (lambda: wl.balanced_layers(2, 3, 4, -0.5, np.random.default_rng(0)), "lam < 0 needs h <= d"),
        (lambda: wl.balanced_layers(2, 0, 4, 0.0, np.random.default_rng(0)), "h must be a positive integer"),
        (lambda: wl.balanced_layers(2, 2, 2, 0.0, np.random.default_rng(0), backend="torch"), "backend"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_mpmath_inputs_must_be_balanced_to_the_working_precision():
    rng = np.random.default_rng(1)
    W1, W2 = wl.balanced_layers(2, 2, 2, 0.5, rng)  # balanced to 1e-16 only
    with mpmath.workdps(30), pytest.raises(ValueError, match="not lambda-balanced"):
        wl.trajectory(1.0, W1, W2, np.eye(2), backend="mpmath")


@pytest.mark.parametrize("W1, W2, S", [
    ([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]], [[1.0, 0.0], [0.0, 0.0]], [[1.0, 2.0, 0.0], [0.0, 1.0, 3.0]]),  # a zero unit
    ([[0.0]], [[0.0]], [[1.0]]),                                                                        # the zero start
    ([[1.0, 0.0], [0.0, 0.0], [0.0, 0.0]], [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]], [[1.0, 0.5], [0.2, 1.0]]),  # h > d, c
], ids=["zero unit", "zero start", "h > d, c with zero units"])
def test_exactly_unused_hidden_units_stay_unused_at_long_times(W1, W2, S):
    """lam = 0 with exactly zero hidden units: those directions never move (G = I there), at every t.

    Reference: the 30-digit oracle on the raw flow at t = 40, 175 and 1000; by t = 1000 the flow has
    settled (the oracle moves by less than 1e-25 between 175 and 1000 in these cases), so t = 1e6 is
    compared with the oracle at t = 1000.  Before the fix, float64 gave NaN layers from t = 170 and
    beta = S (a direction the start does not use) from t = 200.
    """
    W1, W2, S = np.array(W1), np.array(W2), np.array(S)
    times = (40.0, 175.0, 1e3)
    with mpmath.workdps(DPS):  # the products too at 30 digits
        want = [O2 @ O1 for O1, O2 in oracle(list(times), W1, W2, S, 1, 1)]
        assert rel(want[1], want[2]) < 1e-25
    for t, ref in zip(times + (1e6,), want + [want[-1]]):
        got = wl.trajectory([t], W1, W2, S)
        assert np.isfinite(got.W1).all() and np.isfinite(got.W2).all()
        assert record("unused units, float64", rel(got.beta[0], ref)) < 1e-12, t
        with mpmath.workdps(DPS):
            mp = wl.trajectory([t], W1, W2, S, backend="mpmath")
            assert record("unused units, mpmath", rel(mp.beta[0], ref)) < 1e-25, t


def test_the_balance_check_cannot_be_bypassed():
    """A bad rtol, rates that overflow the check, or a non-boolean ``layers`` are errors, not a silent beta."""
    rng = np.random.default_rng(0)
    W1, W2 = rng.normal(size=(2, 2)), rng.normal(size=(2, 2))  # not balanced
    for rtol, words in ((float("nan"), "rtol must be a finite real number"), (-1.0, "rtol must be a finite number >= 0")):
        with pytest.raises(ValueError, match=words):
            wl.trajectory(1.0, W1, W2, np.eye(2), rtol=rtol)
    B1, B2 = wl.balanced_layers(2, 2, 2, 0.5, rng)
    with pytest.raises(ValueError, match="overflow float64 in Delta"):
        wl.trajectory(1.0, B1 * 1e5, B2, np.eye(2), eta_a=1e300)  # eta_a W1 W1^T ~ 1e310
    with pytest.raises(TypeError, match="layers must be True or False"):
        wl.trajectory(1.0, B1, B2, np.eye(2), layers="no")
