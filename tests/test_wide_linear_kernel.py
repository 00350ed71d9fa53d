"""The pieces of the wide network's closed-form kernel (:mod:`symrich.wide_linear.riccati`) against dense linear algebra.

The end-to-end checks against the Taylor oracle are in ``tests/test_wide_linear_closed_form.py``; here the
two ways of taking the QR of the graded stack (the Cholesky path :func:`point_cholesky`, used in float64
when ``||R^{-1}||_F <= CHOLESKY_MAX``, and the Householder path :func:`point`) are compared with each other
and with the 30-digit mpmath kernel, and the case where the Cholesky path must give way is checked to
give way, and to stay accurate through the Householder path.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symrich import wide_linear as wl
from symrich.wide_linear import riccati

F64 = riccati.kernel("numpy")
MP = riccati.kernel("mpmath")


def staircase(Z):
    """``(L, pivot)`` of ``Z = L O^T`` as :func:`riccati.solve` builds them (QR of ``Z^T``)."""
    n, h = Z.shape
    k = min(n, h)
    O, R = np.zeros((h, k)), np.zeros((k, n))
    F64.householder_qr(np.ascontiguousarray(Z.T), O, R)
    L = np.ascontiguousarray(R.T)
    pivot = np.array([next((i for i in range(j, n) if L[i, j] != 0), -1) for j in range(k)], dtype=np.int64)
    return L, pivot


def gaps(mu):
    """``mu_i - mu_{i-1}`` (0 first), by subtraction: these tests draw moderate eigenvalues."""
    return np.concatenate([[0 * mu[0]], np.asarray(mu[1:]) - np.asarray(mu[:-1])])


def factors(kern, tau, mu, L, pivot, cholesky):
    n, k = L.shape
    dtype = object if kern is MP else float
    Y, Wpol = np.zeros((n, k), dtype), np.zeros((k, k), dtype)
    work = kern.workspace(n, k)
    if cholesky:
        ok = kern.point_cholesky(tau, mu, gaps(mu), L, pivot, True, kern.max_gap, 1e-16, riccati.CHOLESKY_MAX, Y, Wpol,
                                 work)
    else:
        kern.point(tau, mu, gaps(mu), L, pivot, True, kern.max_gap, 1e-16, Y, Wpol, work)
        ok = True
    return ok, Y, Wpol


def random_case(seed, n, k, spread, scale):
    rng = np.random.default_rng(seed)
    mu = np.sort(rng.uniform(-spread, spread, size=n))[::-1].copy()
    L, pivot = staircase(scale * rng.normal(size=(n, k)))
    return mu, L, pivot


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 9), k=st.integers(1, 6), spread=st.floats(0.1, 5.0),
       scale=st.sampled_from([1e-3, 0.3, 3.0]), log_tau=st.floats(-6, 3))
def test_the_cholesky_path_agrees_with_householder_and_with_30_digits(seed, n, k, spread, scale, log_tau):
    """``Y Y^T`` (the state) and ``Y Wpol`` (the representative layers) of both paths, and of the mpmath kernel."""
    k = min(k, n)
    mu, L, pivot = random_case(seed, n, k, spread, scale)
    tau = 10.0 ** log_tau
    ok, Yc, Wc = factors(F64, tau, mu, L, pivot, cholesky=True)
    _, Yh, Wh = factors(F64, tau, mu, L, pivot, cholesky=False)
    with mpmath.workdps(30):
        _, Ym, Wm = factors(MP, mpmath.mpf(tau), [mpmath.mpf(float(m)) for m in mu], L.astype(object), pivot,
                            cholesky=False)
        P_exact = np.array((Ym @ Ym.T).tolist(), dtype=float)
        rep_exact = np.array((Ym @ Wm).tolist(), dtype=float)
    scale_P = max(1.0, np.abs(P_exact).max())
    assert np.abs(Yh @ Yh.T - P_exact).max() < 1e-13 * scale_P
    if ok:  # the Cholesky path was taken: as accurate as the Householder path
        assert np.abs(Yc @ Yc.T - P_exact).max() < 1e-13 * scale_P
        assert np.abs(Yc @ Wc - rep_exact).max() < 1e-12 * max(1.0, np.abs(rep_exact).max())


#: Two nearly parallel hidden units nearly orthogonal to the top eigen-direction (found by a random search):
#: the equilibrated stack is ill-conditioned at tau = 10, where the Cholesky path must decline.
DECLINE_MU = np.array([1.93, 1.66])
DECLINE_Z = np.array([[-0.000150987434, -0.000156015888], [0.111546748938, 0.111546991724]])


def test_the_cholesky_path_gives_way_on_nearly_dependent_columns():
    L, pivot = staircase(DECLINE_Z)
    assert not factors(F64, 10.0, DECLINE_MU, L, pivot, cholesky=True)[0]
    assert factors(F64, 1e-6, DECLINE_MU, L, pivot, cholesky=True)[0]  # tiny tau: the stack is near the identity block


def test_solve_takes_the_householder_path_where_cholesky_declines():
    """``solve`` in float64 at times where the Cholesky path declines (tau = 10) and where it does not, vs 30 digits."""
    tau = np.array([0.0, 1e-6, 0.3, 10.0, 60.0])
    E = np.eye(2)[None]
    Z = DECLINE_Z[None]

    def run(kern, dtype, tol, *args):
        out = [np.zeros(shape, dtype) for shape in ((1, 5, 1, 1), (1, 5, 1, 1), (1, 5, 1, 1), (1, 5, 2, 1), (1, 5, 1, 2))]
        kern.solve(*args, (1.0, 1.0, 1.0, 1.0, 1.0), 1, True, kern.max_gap, tol, kern.chol_max, *out)
        return out

    got = run(F64, float, 1e-16, tau, DECLINE_MU[None], gaps(DECLINE_MU)[None], Z, E)
    with mpmath.workdps(30):
        mp_tau = np.array([mpmath.mpf(float(x)) for x in tau], dtype=object)
        mu = DECLINE_MU[None].astype(object)
        want = run(MP, object, 8 * mpmath.eps, mp_tau, mu, gaps(mu[0])[None], Z.astype(object), E.astype(object))
        want = [np.array(w.tolist(), dtype=float) for w in want]
    for g, w in zip(got, want):
        assert np.abs(g - w).max() <= 1e-13 * max(1.0, np.abs(w).max())


@pytest.mark.parametrize("d, c, lam", [(3, 2, 0.7), (2, 3, -0.4), (3, 3, 0.0)])
def test_the_frame_is_the_sorted_eigendecomposition_of_F(d, c, lam):
    rng = np.random.default_rng(d + 10 * c)
    S = rng.normal(size=(c, d))
    k = 1.3
    Q0 = rng.normal(size=(1, d + c, 2))
    US, s, VSh = np.linalg.svd(S)
    mu, gap, E, Z = F64.prepare(US, s, np.ascontiguousarray(VSh.T), np.array([lam]), k, Q0)
    F = np.block([[-lam / 2 * np.eye(d), S.T / k], [S / k, lam / 2 * np.eye(c)]])
    assert np.all(np.diff(mu[0]) <= 0) and np.allclose(gap[0, 1:], np.diff(mu[0]), atol=1e-14) and gap[0, 0] == 0
    assert np.allclose(mu[0], np.sort(np.linalg.eigvalsh(F))[::-1], atol=1e-14)
    assert np.allclose(F @ E[0], E[0] * mu[0], atol=1e-14)
    assert np.allclose(E[0].T @ E[0], np.eye(d + c), atol=1e-14)
    assert np.allclose(E[0] @ Z[0], Q0[0], atol=1e-14)


def test_balance_residual_of_unbalanced_layers_against_numpy():
    rng = np.random.default_rng(5)
    W1, W2 = rng.normal(size=(3, 2, 4)), rng.normal(size=(3, 3, 2))
    lam, err, size = np.zeros((3, 3))
    F64.balance_residual(W1, W2, 0.7, 1.9, lam, err, size)
    Delta = 1.9 * np.swapaxes(W2, -1, -2) @ W2 - 0.7 * W1 @ np.swapaxes(W1, -1, -2)
    want = np.trace(Delta, axis1=-2, axis2=-1) / 2
    assert np.allclose(lam, want, rtol=1e-14)
    assert np.allclose(err, np.linalg.norm(Delta - want[:, None, None] * np.eye(2), axis=(-2, -1)), rtol=1e-14)
    assert np.allclose(size, 1.9 * (W2**2).sum(axis=(1, 2)) + 0.7 * (W1**2).sum(axis=(1, 2)), rtol=1e-14)


@pytest.mark.parametrize("lam", [-1e8, -1e4, 1e4, 1e8])
def test_large_lambda_keeps_its_digits(lam):
    """|lambda| >> |S|: the eigenvalues r_i = |a| + delta_i differ from |a| below the rounding of r_i.

    Before the offsets ``delta_i`` and the half angles, float64 lost digits growing with ``lambda t``
    (beta 2e-3 off at lambda = -1e8, t = 1e6; layers 1e-5).  Reference: the mpmath kernel at 40 digits
    from the same float inputs.
    """
    rng = np.random.default_rng(7)
    W1, W2 = wl.balanced_layers(3, 2, 2, lam, rng, scale=1.0)
    S = rng.normal(size=(2, 3))
    t = [1e-6, 1.0, 1e3, 1e6]
    got = wl.trajectory(t, W1, W2, S)
    with mpmath.workdps(40):
        exact = wl.trajectory(t, W1.astype(object), W2.astype(object), S.astype(object), backend="mpmath", rtol=1e-15)
        for name in ("beta", "W1TW1", "W2W2T", "W1", "W2"):
            want = np.array(getattr(exact, name).tolist(), dtype=float)
            assert np.abs(getattr(got, name) - want).max() < 1e-14 * np.abs(want).max(), name


def test_large_lambda_single_neuron_matches_its_own_closed_form():
    """h = c = 1 at delta = a^2 - |w|^2 = -1e8: the wide kernel against ``single_neuron.trajectory``."""
    from symrich.single_neuron import trajectory as neuron_trajectory

    t = [1e-6, 1.0, 1e4, 1e6]
    got = wl.trajectory(t, [[6e3, 0.0, 8e3]], [[1e-4]], [[0.3, 0.5, -0.4]])
    a, w = neuron_trajectory(t, 1e-4, [6e3, 0.0, 8e3], [0.3, 0.5, -0.4])
    want = a[:, None] * w
    assert np.abs(got.beta[:, 0, :] - want).max() < 1e-14 * np.abs(want).max()


def test_mpmath_rates_are_read_at_the_working_precision():
    """Decimal rates given as strings are the decimals to every digit, not the nearest float (tester)."""
    with mpmath.workdps(50):
        W1, W2 = wl.balanced_layers(3, 2, 2, "0.3", np.random.default_rng(0), "0.7", "1.9", backend="mpmath")
        sol = wl.trajectory("1.5", W1, W2, [[1, 0, "0.5"], [0, "0.5", 0]], "0.7", "1.9", backend="mpmath")
        assert abs(sol.eta_a - mpmath.mpf("0.7")) < 1e-49 and abs(sol.eta_w - mpmath.mpf("1.9")) < 1e-49  # was 4e-17
        same = wl.trajectory("1.5", W1, W2, [[1, 0, "0.5"], [0, "0.5", 0]], mpmath.mpf("0.7"), mpmath.mpf("1.9"),
                             backend="mpmath")
        assert max(abs(x - y) for x, y in zip(sol.beta.flat, same.beta.flat)) < 1e-45  # mpf("0.7") has 50 digits
        assert float(wl.balance(W1, W2, "0.7", "1.9")) == pytest.approx(0.3, abs=1e-40)
    for bad, error in ((None, TypeError), (True, TypeError), ("-1", ValueError), ([1.0, 2.0], TypeError)):
        with pytest.raises(error, match="eta_a must be a positive finite number"):
            wl.trajectory(1.0, W1, W2, np.eye(2, 3), bad, 1.0, backend="mpmath")


def test_empty_widths_and_float_layers_at_high_precision_get_clear_messages():
    with pytest.raises(ValueError, match=r"need h, d, c >= 1, got shapes \(0, 3\)"):
        wl.trajectory(1.0, np.zeros((0, 3)), np.zeros((2, 0)), np.ones((2, 3)))
    W1, W2 = wl.balanced_layers(2, 2, 2, 0.5, np.random.default_rng(0))
    with mpmath.workdps(30), pytest.raises(ValueError, match="pass a larger rtol"):
        wl.trajectory(1.0, W1, W2, np.eye(2), backend="mpmath")


@pytest.mark.parametrize("kern, dps, rel", [(MP, 60, 1e-55), (F64, None, 4e-16)])
def test_graded_stack_against_its_formulas_in_every_regime(kern, dps, rel):
    """``C_i = e^{mu_i tau}/sqrt(phi_i)``, ``phi_i^{-1/2}`` and the step ratios ``sqrt(phi_i/phi_{i-1})``.

    Directions with ``|2 mu tau|`` below 1 (``expm1``), above 1 (``1 - e^{-|x|}`` from the exponential
    already taken), above 72 (where ``e^{-|x|}`` is below the float64 rounding but not below 60 digits:
    the mpmath kernel must keep it), zero and negative; reference: the formulas at 80 digits.
    """
    mu_values = ["45", "40", "3", "0.2", "0", "-0.2", "-3", "-40"]
    tau_value = "1"
    with mpmath.workdps(80):
        mu80, tau80 = [mpmath.mpf(m) for m in mu_values], mpmath.mpf(tau_value)
        phi = [tau80 if m == 0 else mpmath.expm1(2 * m * tau80) / (2 * m) for m in mu80]
        want_C = [mpmath.exp(m * tau80) / mpmath.sqrt(p) for m, p in zip(mu80, phi)]
        want_root = [1 / mpmath.sqrt(p) for p in phi]
        want_step = [mpmath.sqrt(phi[i] / phi[i - 1]) for i in range(1, len(phi))]
    n = len(mu_values)
    L = np.eye(n, 1)
    with mpmath.workdps(dps) if dps else mpmath.workdps(15):
        conv = mpmath.mpf if dps else float
        mu = [conv(m) for m in mu_values]
        gap = [0 * mu[0]] + [mu[i] - mu[i - 1] for i in range(1, n)]
        work = kern.workspace(n, 1)
        kern.graded_stack(conv(tau_value), np.array(mu, dtype=object if dps else float),
                          np.array(gap, dtype=object if dps else float), L.astype(object if dps else float),
                          np.array([0]), False, work)
        for got, want in ((work[0][1, :n], want_C), (work[0][0, :n], want_root), (work[0][2, 1:n], want_step)):
            for g, w in zip(got, want):
                assert abs(g - w) <= rel * abs(w), (g, w)


def test_evaluate_reports_each_failure_by_its_status():
    """The one-call kernel: a bad time, unbalanced layers, zero layers (balanced) and an overflowing output."""

    def status(t, W1, W2, S=((1.0, 0.5),), eta=1.0):
        US, s, VSh = np.linalg.svd(np.array(S))
        lam, err, size = np.zeros((3, 1))
        out = [np.zeros((1, len(t)) + shape) for shape in ((1, 2), (2, 2), (1, 1), (2, 2), (1, 2))]
        return F64.evaluate(np.array(t, dtype=float), np.array([W1], dtype=float), np.array([W2], dtype=float), US, s,
                            np.ascontiguousarray(VSh.T), eta, eta, 1e-10, True, F64.max_gap, 1e-15, F64.chol_max,
                            lam, err, size, *out), out

    W1, W2 = wl.balanced_layers(2, 2, 1, -0.5, np.random.default_rng(1))  # h = 2 > c = 1
    assert status([0.0, 1.0], W1, W2)[0] == riccati.OK
    for t in ([1.0, -1.0], [np.nan], [np.inf]):
        assert status(t, W1, W2)[0] == riccati.BAD_TIME
    assert status([1.0], np.eye(2), [[2.0, 0.0]])[0] == riccati.NOT_BALANCED
    assert status([1.0], [[np.nan, 0.0], [0.0, 1.0]], W2)[0] == riccati.NOT_BALANCED
    assert status([1.0], 1e-200 * np.eye(2), [[1e-200, 0.0]], eta=1e-300)[0] == riccati.NOT_BALANCED  # size underflows
    code, out = status([0.0, 5.0], np.zeros((2, 2)), np.zeros((1, 2)))
    assert code == riccati.OK and not any(np.any(o) for o in out)  # zero layers stay zero
    assert status([1.0], W1, W2, S=((1e308, 0.0),))[0] == riccati.NOT_FINITE  # 2 mu tau = 2e308 overflows
    with pytest.raises(ValueError, match="outside the range of float64"):
        wl.trajectory(1.0, W1, W2, [[1e308, 0.0]])


def test_layers_near_the_float64_underflow():
    """Layers whose squares underflow (found by a new user): accurate where float64 can hold them, a message where not.

    At scale 1e-155 the QR of ``Z^T`` divided by the underflowing ``v^T v`` (an overflow was reported) and the
    Gram matrices of the stack lose their digits; the Householder norms are now taken of scaled columns and the
    Cholesky path declines there.  At 1e-158 the entries of ``Delta`` are subnormal, so the balance check cannot
    be trusted: an underflow message, not "not lambda-balanced".
    """
    rng = np.random.default_rng(1)
    W1, W2 = wl.balanced_layers(4, 3, 3, 0.0, rng, scale=1e-155)
    S = rng.normal(size=(3, 4))
    t = [1.0, 300.0, 400.0, 1e4]  # the directions grow from 1e-155 to order 1 near t = 350
    got = wl.trajectory(t, W1, W2, S)
    with mpmath.workdps(30):
        exact = wl.trajectory(t, W1.astype(object), W2.astype(object), S.astype(object), backend="mpmath", rtol=1e-10)
    for name in ("beta", "W1TW1", "W2W2T", "W1", "W2"):
        want = np.array(getattr(exact, name).tolist(), dtype=float)
        for i in range(len(t)):
            assert np.abs(getattr(got, name)[i] - want[i]).max() < 1e-13 * np.abs(want[i]).max(), (name, t[i])
    W1, W2 = wl.balanced_layers(4, 3, 3, 0.0, rng, scale=1e-158)
    with pytest.raises(ValueError, match="underflow float64 in Delta"):
        wl.trajectory(1.0, W1, W2, S)


@pytest.mark.parametrize("e", ["1e-200", "1e200"])
def test_mpmath_unbalanced_message_at_any_scale(e):
    """The message computes its ratio in mpmath (it divided floats: 0/0 at 1e-200, inf/inf at 1e200; tester)."""
    e = mpmath.mpf(e)
    W1, W2 = np.array([[e, 0], [0, e]], dtype=object), np.array([[2 * e, 0], [0, 3 * e]], dtype=object)
    with pytest.raises(ValueError, match=r"not lambda-balanced.*relative 0\.\d+ > rtol"):
        wl.trajectory(1.0, W1, W2, [[1, 0], [0, 1]], backend="mpmath")
    with pytest.raises(ValueError, match=r"not lambda-balanced.*relative 0\.\d+ > rtol"):
        wl.balance(W1, W2)


def test_t_zero_is_the_start_even_with_blocks_of_very_different_sizes():
    """``W2 ~ 1e-140`` next to ``W1 ~ 1``: the eigenbasis of ``F`` mixes the blocks, so at ``t = 0`` beta was 2e25
    off relative to ``W2 W1`` (a new user); now ``t = 0`` gives the start's own products, in both backends."""
    rng = np.random.default_rng(5)
    W1, W2 = wl.balanced_layers(4, 2, 3, -1.0, rng, 0.7, 1.3, scale=1e-140)
    S = rng.normal(size=(3, 4))
    for layers in (True, False):
        sol = wl.trajectory([0.0, 1.0, 0.0], np.stack([W1, W1]), np.stack([W2, W2]), S, 0.7, 1.3, layers=layers)
        for b, i in ((0, 0), (1, 2)):
            assert np.abs(sol.beta[b, i] - W2 @ W1).max() <= 1e-15 * np.abs(W2 @ W1).max()
            assert np.abs(sol.W2W2T[b, i] - W2 @ W2.T).max() <= 1e-15 * np.abs(W2 @ W2.T).max()
            assert np.abs(sol.W1TW1[b, i] - W1.T @ W1).max() <= 1e-15 * np.abs(W1.T @ W1).max()
            if layers:
                assert np.array_equal(sol.W1[b, i], W1) and np.array_equal(sol.W2[b, i], W2)
    with mpmath.workdps(30):
        W1m, W2m = (np.array([[mpmath.mpf(x) for x in row] for row in W]) for W in (W1, W2))
        sol = wl.trajectory([0, 1], W1m, W2m, S, 0.7, 1.3, backend="mpmath", rtol=1e-10)
        want = W2m @ W1m
        assert max(abs(x - y) for x, y in zip(sol.beta[0].flat, want.flat)) < 1e-28 * max(abs(x) for x in want.flat)


def test_unbalanced_tiny_layers_are_not_called_an_underflow():
    """Layers near 1e-150 have normal entries of Delta: unbalanced ones are "not lambda-balanced" (a new user saw
    "underflow"); balanced ones pass; near 1e-158, where the residual is within the subnormal rounding, underflow."""
    W1, W2 = wl.balanced_layers(4, 3, 3, -0.5, np.random.default_rng(3))
    for scale in (1e-146, 1e-150, 1e-157):
        with pytest.raises(ValueError, match="not lambda-balanced"):
            wl.balance(W1 * scale, 1.01 * W2 * scale)
        assert wl.balance(W1 * scale, W2 * scale) < 0
    with pytest.raises(ValueError, match="underflow float64"):
        wl.balance(W1 * 1e-158, W2 * 1e-158)
