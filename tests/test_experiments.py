"""Part III experiment engine: numerics against independent references, the beta_k theory, sweeps, Dask."""

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symrich.experiments import (
    RunConfig, alpha_of, checkpoint_steps, delta_from_alpha, expand_grid, gradients, initialise, load_config,
    ntk_distance, read_table, relu_ntk, run_sweep, simulate,
)
from symrich.numeric.kernels import kernel_distance
from symrich.single_neuron import M_matrix

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sweep-tiny.toml"
SMALL = {"d": 5, "m": 6, "n": 30, "n_test": 40, "n_probe": 10}


def tiny_sweep(steps=30):
    return {"grid": {"scale": [0.3, 1.0], "delta": [-0.5, 0.5], "seed": [0, 1]},
            "settings": dict(SMALL, steps=steps)}


# ------------------------------------------------------------------------------------------ parametrisation
@settings(deadline=None, max_examples=30)
@given(delta=st.floats(-1e3, 1e3), scale=st.floats(1e-2, 1e2))
def test_alpha_of_inverts_delta(delta, scale):
    alpha = alpha_of(delta, scale)
    assert alpha > 0
    assert abs(delta_from_alpha(alpha, scale) - delta) <= 1e-9 * (scale**2 + abs(delta))


@pytest.mark.parametrize("symmetric", [True, False])
def test_initialisation_matches_the_paper_setting(symmetric):
    cfg = RunConfig(scale=0.4, alpha=3.0, seed=2, symmetric=symmetric, **SMALL)
    init = initialise(cfg)
    assert np.allclose(np.linalg.norm(init["X"], axis=1), 1.0)
    assert np.allclose(np.linalg.norm(init["W"], axis=1), 0.4 / 3.0)
    assert np.allclose(np.abs(init["a"]), 0.4 * 3.0)
    deltas = init["a"] ** 2 - np.sum(init["W"] ** 2, axis=1)
    assert np.allclose(deltas, 0.4**2 * (9.0 - 1.0 / 9.0))
    f0 = np.maximum(init["X"] @ init["W"].T, 0) @ init["a"]
    if symmetric:
        assert np.max(np.abs(f0)) < 1e-15
    else:
        assert np.max(np.abs(f0)) > 1e-3
    # same seed, other (scale, alpha): same data and unit directions
    other = initialise(RunConfig(scale=1.0, alpha=0.5, seed=2, symmetric=symmetric, **SMALL))
    assert np.array_equal(other["X"], init["X"]) and np.array_equal(other["y"], init["y"])
    assert np.allclose(other["W"] / 2.0, init["W"] * 3.0 / 0.4)


def test_checkpoints_and_config_errors():
    assert checkpoint_steps(10**4, 1) == (0, 1, 10, 100, 1000, 10000)
    assert checkpoint_steps(0) == (0,)
    with pytest.raises(ValueError, match="m must be even"):
        RunConfig(scale=1.0, alpha=1.0, seed=0, m=5)
    with pytest.raises(ValueError, match="method"):
        RunConfig(scale=1.0, alpha=1.0, seed=0, method="adam")
    with pytest.raises(ValueError, match="exactly one of 'delta' and 'alpha'"):
        load_config({"grid": {"scale": 1.0, "delta": 0.0, "alpha": 1.0, "seed": [0]}})
    with pytest.raises(ValueError, match="unknown setting 'widht'"):
        load_config({"grid": {"scale": 1.0, "alpha": 1.0, "seed": [0]}, "settings": {"widht": 3}})
    with pytest.raises(ValueError, match="grid 'scale' must hold finite positive"):
        load_config({"grid": {"scale": [0.0], "alpha": 1.0, "seed": [0]}})
    with pytest.raises(ValueError, match="no file"):
        load_config("/nonexistent/sweep.toml")
    for table, words in (({"linspace": [-1e308, 1e308, 3]}, "overflows float64"),
                         ({"logspace": [0, 400, 2]}, "overflows float64"),
                         ({"linspace": [0, 1, "a"]}, "integer num >= 1"),
                         ({"linspace": [0, float("nan"), 2]}, "finite numbers for start and stop")):
        with pytest.raises(ValueError, match=f"grid 'delta': .*{words}"):
            load_config({"grid": {"scale": 1.0, "delta": table, "seed": [0]}})


# ------------------------------------------------------------------------------------------ numerics
def _fd_jacobian(a, W, X, h=1e-6):
    """Central differences of f(X) w.r.t. (a, W): exact up to round-off away from kinks (f is piecewise bilinear)."""
    def f(theta):
        aa, WW = theta[: len(a)], theta[len(a):].reshape(W.shape)
        return np.maximum(X @ WW.T, 0) @ aa
    theta = np.concatenate([a, W.ravel()])
    J = np.empty((len(X), len(theta)))
    for j in range(len(theta)):
        e = np.zeros_like(theta)
        e[j] = h
        J[:, j] = (f(theta + e) - f(theta - e)) / (2 * h)
    return J


@settings(deadline=None, max_examples=10)
@given(seed=st.integers(0, 10**6))
def test_relu_ntk_is_jacobian_gram(seed):
    rng = np.random.default_rng(seed)
    a, W, X = rng.standard_normal(4), rng.standard_normal((4, 3)), rng.standard_normal((6, 3))
    J = _fd_jacobian(a, W, X)
    K = relu_ntk(a, W, X)
    assert np.allclose(K, J @ J.T, rtol=1e-7, atol=1e-7)


@settings(deadline=None, max_examples=10)
@given(seed=st.integers(0, 10**6))
def test_gradients_match_finite_differences(seed):
    rng = np.random.default_rng(seed)
    a, W, X, y = rng.standard_normal(4), rng.standard_normal((4, 3)), rng.standard_normal((7, 3)), rng.standard_normal(7)
    ga, gW, L = gradients(a, W, X, y)
    r = np.maximum(X @ W.T, 0) @ a - y
    assert np.isclose(L, 0.5 * np.mean(r**2))
    J = _fd_jacobian(a, W, X)  # dL/dtheta = J^T r / n
    g = J.T @ r / len(y)
    assert np.allclose(np.concatenate([ga, gW.ravel()]), g, rtol=1e-7, atol=1e-8)


@settings(deadline=None, max_examples=15)
@given(seed=st.integers(0, 10**6), c=st.floats(0.1, 10.0))
def test_kernel_distance_properties(seed, c):
    """The shared kernel distance as the experiments use it (via ntk_distance)."""
    rng = np.random.default_rng(seed)
    A, B = rng.standard_normal((5, 5)), rng.standard_normal((5, 5))
    K0, K1 = A @ A.T, B @ B.T
    assert abs(kernel_distance(K0, c * K0)) < 1e-14
    s = kernel_distance(K0, K1)
    assert 0.0 <= s <= 1.0
    assert np.isclose(s, kernel_distance(c * K1, K0))
    assert np.isclose(s, 1 - np.trace(K0 @ K1) / np.sqrt(np.trace(K0 @ K0) * np.trace(K1 @ K1)))
    assert ntk_distance(K0, K1) == s


def test_dead_network_has_undefined_kernel_distance():
    """No neuron active on any probe input: the NTK is exactly zero and the metric is NaN, not an error."""
    X = np.array([[1.0, 0.0], [0.5, 0.5]])
    W = np.array([[-1.0, -1.0], [-2.0, 0.0]])  # w_k^T x_i < 0 for every pair
    K = relu_ntk(np.array([1.0, -1.0]), W, X)
    assert not np.any(K)
    assert np.isnan(ntk_distance(K, K)) and np.isnan(ntk_distance(np.eye(2), K))
    with pytest.raises(ValueError, match="zero kernel"):
        kernel_distance(np.eye(2), K)


# ------------------------------------------------------------------------------------------ theory (item 6, 8)
def test_one_gd_step_of_beta_is_minus_lr_M_g_to_order_lr_squared():
    """beta_k(t+1) - beta_k(t) = -lr M_k g_k + O(lr^2); delta_k drifts by lr^2 ((w^T g)^2 - a^2 |g|^2)."""
    cfg0 = RunConfig(scale=0.8, alpha=1.7, seed=4, steps=1, symmetric=False, **SMALL)
    init = initialise(cfg0)
    X, y, a, W = init["X"], init["y"], init["a"], init["W"]
    r = (np.maximum(X @ W.T, 0) @ a - y) / len(y)
    G = (((X @ W.T) > 0) * r[:, None]).T @ X  # g_k, computed here independently of the engine
    M = M_matrix(a[:, None] * W, a**2 - np.sum(W**2, axis=1))
    errors = []
    for lr in (1e-2, 5e-3, 2.5e-3):
        cfg = RunConfig(scale=0.8, alpha=1.7, seed=4, steps=1, symmetric=False, base_lr=lr * 0.8**2, **SMALL)
        a1, W1 = simulate(cfg, record_params=True).params[1]
        dbeta = a1[:, None] * W1 - a[:, None] * W
        errors.append(np.max(np.abs(dbeta + cfg.lr * np.einsum("kij,kj->ki", M, G))))
        drift = (a1**2 - np.sum(W1**2, axis=1)) - (a**2 - np.sum(W**2, axis=1))
        expected = cfg.lr**2 * (np.sum(W * G, axis=1) ** 2 - a**2 * np.sum(G * G, axis=1))
        assert np.allclose(drift, expected, rtol=1e-6, atol=1e-15)
    ratios = [errors[i] / errors[i + 1] for i in range(2)]
    assert all(3.9 < q < 4.1 for q in ratios), (errors, ratios)
    step = 1e-2 * np.max(np.abs(np.einsum("kij,kj->ki", M, G)))  # size of the first-order term at lr = 1e-2
    assert errors[0] < 1e-2 * step


def _beta_ode(X, y, beta0, delta, sign_a, T, h):
    """beta_k' = -M_k(beta_k, delta_k) g_k with the fixed pattern c_ki = 1[sign(a_k) beta_k^T x_i > 0] (RK4)."""
    C = ((sign_a[:, None] * beta0) @ X.T > 0).astype(float)  # (m, n)

    def rhs(B):
        r = (np.sum(C.T * (X @ B.T), axis=1) - y) / len(y)
        return -np.einsum("kij,kj->ki", M_matrix(B, delta), (C * r[None, :]) @ X)

    B = beta0.copy()
    for _ in range(int(round(T / h))):
        k1 = rhs(B)
        k2 = rhs(B + h / 2 * k1)
        k3 = rhs(B + h / 2 * k2)
        k4 = rhs(B + h * k3)
        B = B + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        assert np.array_equal(((sign_a[:, None] * B) @ X.T > 0).astype(float), C), "pattern changed: pick another seed"
    return B


@pytest.mark.parametrize("scale, alpha, seed", [(1.0, 0.7, 20), (1.0, 1.0, 20), (0.7, 1.6, 5)])
def test_gd_follows_per_neuron_beta_dynamics(scale, alpha, seed):
    """While no activation flips, each neuron's beta_k = a_k w_k follows the single-neuron M_k flow (item 6):
    gradient descent to O(lr) at fixed time, RK4 gradient flow to O(lr^4)."""
    T, small = 1.0, dict(d=3, m=4, n=8, n_test=5, n_probe=5, symmetric=False)
    init = initialise(RunConfig(scale=scale, alpha=alpha, seed=seed, **small))
    X, y, a, W = init["X"], init["y"], init["a"], init["W"]
    delta = a**2 - np.sum(W**2, axis=1)
    assert np.allclose(delta, delta_from_alpha(alpha, scale))
    B_ode = _beta_ode(X, y, a[:, None] * W, delta, np.sign(a), T, h=2.5e-3)
    moved = np.max(np.abs(B_ode - a[:, None] * W))
    assert moved > 0.05  # a real trajectory, not a standstill
    errs = {}
    for method, lr in (("gd", 0.02), ("gd", 0.01), ("gd", 0.005), ("rk4", 0.02)):
        steps = int(round(T / lr))
        cfg = RunConfig(scale=scale, alpha=alpha, seed=seed, steps=steps, base_lr=lr * scale**2, method=method,
                        **small)
        res = simulate(cfg, record_params=True)
        assert all(row["hamming"] == 0.0 for row in res.rows)
        if method == "rk4":  # delta_k conserved by the flow; RK4 keeps it to high order away from kinks
            assert res.rows[-1]["delta_drift"] < 1e-8
        a1, W1 = res.params[steps]
        errs[method, lr] = np.max(np.abs(a1[:, None] * W1 - B_ode))
    q1, q2 = errs["gd", 0.02] / errs["gd", 0.01], errs["gd", 0.01] / errs["gd", 0.005]
    assert 1.8 < q1 < 2.2 and 1.8 < q2 < 2.2, errs
    assert errs["gd", 0.005] < 0.05 * moved
    assert errs["rk4", 0.02] < 1e-7, errs


def test_delta_drift_is_order_lr_under_descent():
    """Each step changes delta_k by O(lr^2), so at fixed time the drift is O(lr) (here with activation flips)."""
    drifts = []
    for lr in (0.02, 0.01):
        cfg = RunConfig(scale=1.0, alpha=1.3, seed=1, steps=int(1.0 / lr), base_lr=lr, **SMALL)
        drifts.append(simulate(cfg).rows[-1]["delta_drift"])
    assert 1.7 < drifts[0] / drifts[1] < 2.3, drifts


def test_upstream_learns_features_with_small_parameter_change():
    """Part III: alpha >> 1 flips many activations and moves the kernel while parameters barely move;
    alpha << 1 keeps patterns and kernel nearly fixed."""
    last = {}
    for alpha in (0.1, 1.0, 10.0):
        cfg = RunConfig(scale=0.3, alpha=alpha, seed=0, d=20, m=20, n=200, n_test=500, n_probe=100, steps=3000)
        last[alpha] = simulate(cfg).rows[-1]
    down, std, up = last[0.1], last[1.0], last[10.0]
    assert up["hamming"] > std["hamming"] > 3 * down["hamming"]
    assert up["kernel_distance"] > 10 * down["kernel_distance"]
    assert up["param_distance"] < 0.1 * std["param_distance"] and up["param_distance"] < down["param_distance"]
    assert up["test_loss"] < std["test_loss"] < down["test_loss"]


# ------------------------------------------------------------------------------------------ sweeps
def test_example_config_is_valid():
    runs = expand_grid(str(EXAMPLE))
    assert len(runs) == len({r.id for r in runs}) > 1
    deltas = sorted({r.delta for r in runs})
    assert len(deltas) == 7 and deltas[0] == -1.0 and deltas[-1] == 1.0
    for r in runs:  # the grid's delta fixes alpha
        assert np.isclose(delta_from_alpha(r.alpha, r.scale), r.delta, atol=1e-12)


def test_sweep_is_resumable_and_skips_finished(tmp_path):
    cfg = tiny_sweep()
    rep = run_sweep(cfg, tmp_path, workers=0, progress=False)
    assert (rep.total, rep.ran, rep.skipped, rep.failed) == (8, 8, 0, ())
    rows = read_table(rep.results)
    assert len(rows) == 8 * len(checkpoint_steps(30))
    assert {r["delta"] for r in rows} == {-0.5, 0.5}
    header = rep.results.read_text().splitlines()[0].split(",")
    assert len(header) == len(set(header)), "a column name appears twice"   # was: hamming, param_distance
    assert {r["hamming_convention"] for r in rows} == {"mean"} and {r["param_distance_convention"] for r in rows} == {"relative"}
    assert all(isinstance(r["hamming"], float) for r in rows)
    # A finished run is never recomputed: mark one result file, drop another, leave a stale temp file.
    files = sorted((tmp_path / "runs").glob("*.csv"))
    marked = files[0].read_text().replace(",gd,", ",MARK,")
    files[0].write_text(marked)
    files[1].unlink()
    (tmp_path / "runs" / f".{files[2].name}.999.tmp").write_text("partial garbage")
    rep2 = run_sweep(cfg, tmp_path, workers=0, progress=False)
    assert (rep2.ran, rep2.skipped) == (1, 7)
    assert files[0].read_text() == marked
    again = read_table(rep2.results)
    assert sum(r["method"] == "MARK" for r in again) == len(checkpoint_steps(30))
    assert [r for r in again if r["method"] == "gd"] == [r for r in rows if r["id"] != files[0].stem]


def test_interrupted_sweep_loses_no_finished_result(tmp_path):
    """Kill a running `symrich sweep` (process started here), then resume: finished files are kept unchanged."""
    cfg = tmp_path / "s.toml"
    cfg.write_text('[grid]\nscale = [0.5]\nalpha = {logspace = [-0.5, 0.5, 12]}\nseed = [0]\n'
                   '[settings]\nd = 20\nm = 20\nn = 200\nn_test = 200\nn_probe = 50\nsteps = 1500\n')
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "symrich.cli", "sweep", "--config", str(cfg), "--out", str(out),
                             "--workers", "0", "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while len(list((out / "runs").glob("*.csv"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        proc.kill()
        proc.wait()
    done = {p.name: p.read_bytes() for p in (out / "runs").glob("*.csv")}
    assert 2 <= len(done) < 12
    rep = run_sweep(cfg, out, workers=1, progress=False)
    assert (rep.skipped, rep.ran) == (len(done), 12 - len(done))
    assert all((out / "runs" / name).read_bytes() == blob for name, blob in done.items())
    assert len(read_table(rep.results)) == 12 * len(checkpoint_steps(1500))


def test_local_processes_and_dask_cluster_give_identical_tables(tmp_path):
    from distributed import LocalCluster

    cfg = tiny_sweep(steps=100)
    local = run_sweep(cfg, tmp_path / "local", workers=2, progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = run_sweep(cfg, tmp_path / "dask", scheduler=cluster.scheduler_address, progress=False)
    assert (local.ran, remote.ran, remote.failed) == (8, 8, ())
    assert local.results.read_bytes() == remote.results.read_bytes()
    assert len(read_table(remote.results)) == 8 * len(checkpoint_steps(100))


def test_cli_sweep_and_plot(tmp_path):
    from symrich.cli import main

    cfg = tmp_path / "s.toml"
    cfg.write_text('[grid]\nscale = [0.5, 1.0]\ndelta = {linspace = [-0.5, 0.5, 3]}\nseed = {range = 1}\n'
                   '[settings]\nd = 5\nm = 6\nn = 30\nn_test = 30\nn_probe = 10\nsteps = 20\n')
    assert main(["sweep", "--config", str(cfg), "--out", str(tmp_path / "o"), "--workers", "0", "-q"]) == 0
    assert main(["plot-sweep", str(tmp_path / "o"), "--out", str(tmp_path / "fig.png")]) == 0
    assert (tmp_path / "fig.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["sweep", "--config", str(tmp_path / "missing.toml"), "--out", str(tmp_path / "o")]) == 2


def test_divergence_is_recorded_not_raised():
    cfg = RunConfig(scale=1.0, alpha=1.0, seed=0, steps=1000, base_lr=50.0, **SMALL)
    rows = simulate(cfg).rows
    assert rows[0]["diverged"] == 0 and rows[-1]["diverged"] == 1
    assert all(np.isnan(r["test_loss"]) for r in rows if r["diverged"])
