"""Deep linear network: conserved Q_l along oracle trajectories (dps 30), flow vs the wide network, bad input."""

import functools

import mpmath
import numpy as np
import pytest
import sympy as sp

from symrich import deep_linear as dl
from symrich import wide_linear as wl
from symrich.oracle import PolynomialFlow, integrate_flow
from symrich.engine.registry import derive


@functools.lru_cache(maxsize=None)
def deep_flow(widths):
    """Raw flow of W_1..W_L (state = entries), data through C = X^T X and B = Y^T X; gradient by SymPy."""
    L = len(widths) - 1
    Ws = [sp.Matrix(widths[l + 1], widths[l], lambda i, j, l=l: sp.Symbol(f"W{l}_{i}_{j}")) for l in range(L)]
    d, c = widths[0], widths[-1]
    C = sp.Matrix(d, d, lambda i, j: sp.Symbol(f"C_{min(i, j)}_{max(i, j)}"))
    B = sp.Matrix(c, d, lambda i, j: sp.Symbol(f"B_{i}_{j}"))
    etas = sp.symbols(f"eta_0:{L}")
    E = functools.reduce(lambda acc, W: W * acc, Ws[1:], Ws[0])
    # loss up to a constant: 1/2 tr(E C E^T) - tr(B E^T)
    loss = (E * C * E.T).trace() / 2 - (B * E.T).trace()
    state = [x for W in Ws for x in W]
    rhs = []
    for l, W in enumerate(Ws):
        rhs += [-etas[l] * sp.diff(loss, x) for x in W]
    params = tuple(etas) + tuple(sorted(C.free_symbols, key=str)) + tuple(B)
    return PolynomialFlow(state=tuple(state), rhs=tuple(rhs), params=params), Ws


@pytest.mark.parametrize("widths,etas", [((3, 4, 3, 2), (0.8, 1.5, 1.1)), ((2, 2, 3, 2, 1), (1.0, 0.7, 1.3, 0.9))])
def test_Q_conserved_to_25_digits(widths, etas):
    rng = np.random.default_rng(len(widths))
    flow, Ws = deep_flow(widths)
    d, c, n = widths[0], widths[-1], 5
    X, Y = rng.normal(size=(n, d)), rng.normal(size=(n, c))
    with mpmath.workdps(40):
        Xm, Ym = mpmath.matrix(X.tolist()), mpmath.matrix(Y.tolist())
        C, B = Xm.T * Xm, Ym.T * Xm
    params = {f"eta_{l}": e for l, e in enumerate(etas)}
    params.update({f"C_{i}_{j}": C[i, j] for i in range(d) for j in range(i, d)})
    params.update({f"B_{i}_{j}": B[i, j] for i in range(c) for j in range(d)})
    W0 = [0.7 * rng.normal(size=W.shape) for W in Ws]
    y0 = [x for W in W0 for x in W.ravel()]
    sol = integrate_flow(flow, [0, 0.5, 1.0], y0, params, dps=30)
    sizes = [np.prod(W.shape) for W in Ws]

    def unpack(row):
        out, k = [], 0
        for W, size in zip(Ws, sizes):
            out.append(mpmath.matrix(np.array(row[k:k + size]).reshape(W.shape).tolist()))
            k += size
        return out

    mpmath.mp.dps = 30
    traj = [unpack(list(row)) for row in sol.y]

    def Q(Wl):
        return [etas[l] * Wl[l + 1].T * Wl[l + 1] - etas[l + 1] * Wl[l] * Wl[l].T for l in range(len(Wl) - 1)]

    Q0 = Q(traj[0])
    moved = max(max(abs(x) for x in a - b) for a, b in zip(traj[-1], traj[0]))
    assert moved > 1e-2
    for Wl in traj[1:]:
        for a, b in zip(Q(Wl), Q0):
            assert max(abs(x) for x in a - b) < 1e-25 * max(1, max(abs(x) for x in b))
    # the float kernel computes the same Q
    for a, b in zip(dl.conserved_quantities([np.array(W.tolist(), dtype=float) for W in traj[-1]], etas), Q0):
        np.testing.assert_allclose(a, np.array(b.tolist(), dtype=float), atol=1e-12)
    # and the float flow is the oracle's right-hand side
    Wf = [np.array(W.tolist(), dtype=float) for W in traj[1]]
    rhs = flow.rhs_float([x for W in Wf for x in W.ravel()], {k: float(v) for k, v in params.items()})
    got = np.concatenate([g.ravel() for g in dl.parameter_flow(Wf, X, Y, etas)])
    np.testing.assert_allclose(got, rhs, atol=1e-10 * np.abs(rhs).max())


def test_two_layers_is_the_wide_network():
    rng = np.random.default_rng(5)
    W, A, X, Y = rng.normal(size=(4, 3)), rng.normal(size=(4, 2)), rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    dW1, dW2 = dl.parameter_flow([W, A.T], X, Y, [1.3, 0.6])
    Wd, Ad = wl.parameter_flow(W, A, X, Y, eta_a=0.6, eta_w=1.3)
    np.testing.assert_allclose(dW1, Wd, atol=1e-12)
    np.testing.assert_allclose(dW2, Ad.T, atol=1e-12)
    (Q,) = dl.conserved_quantities([W, A.T], [1.3, 0.6])
    np.testing.assert_allclose(Q, wl.conserved_Delta(W, A, eta_a=0.6, eta_w=1.3), atol=1e-12)


def test_bad_input():
    with pytest.raises(ValueError, match="weights\\[1\\] must have 3 columns"):
        dl.conserved_quantities([np.ones((3, 2)), np.ones((2, 2))])
    with pytest.raises(ValueError, match="one rate per layer"):
        dl.conserved_quantities([np.ones((3, 2)), np.ones((2, 3))], [1.0])
    with pytest.raises(ValueError, match="etas\\[0\\]"):
        dl.conserved_quantities([np.ones((3, 2)), np.ones((2, 3))], [0.0, 1.0])
    with pytest.raises(ValueError, match="non-empty sequence"):
        dl.parameter_flow([], np.eye(2), np.eye(2))
    with pytest.raises(ValueError, match="X must have d = 2"):
        dl.parameter_flow([np.ones((3, 2)), np.ones((1, 3))], np.eye(3), np.ones(3))


def test_derivation_verifies():
    verified = derive("deep_linear_conservation", use_cache=False).verified
    assert verified.proof_kinds == {"symbolic": len(verified.proofs), "numeric": 0}
