"""Part III at the paper's fidelity: conventions against an independent implementation, fault-proof sweeps,
the Figure 1 layout and the example configs."""

import math
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from symrich.experiments import (
    PRESETS, RunConfig, alpha_of, checkpoint_steps, expand_grid, initialise, read_table, run_sweep, simulate,
)
from symrich.experiments.sweep import SweepLocked

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SMALL = {"d": 6, "m": 8, "n": 40, "n_test": 50}


# ------------------------------------------------------------------------------------------ the paper's definitions
def paper_reference(X, y, X_test, y_test, a, W, lr, checkpoints):
    """The paper's definitions, written from the paper's text and nothing else (plain NumPy, loops over samples).

    Loss: mean squared error (1/n) sum_i (f(x_i) - y_i)^2.  Training: full-batch gradient descent on it, the
    gradient taken as (2/n) J^T r with J the per-sample feature (Jacobian) matrix.  NTK: K = J J^T on the whole
    training set.  Kernel distance: 1 - <K0, K>_F / (|K0|_F |K|_F).  Hamming distance: for every neuron, the
    fraction of training samples whose activation sign changed, summed over neurons.  Parameter distance: the
    Euclidean norm of (a - a0, W - W0).
    """
    n, d = X.shape
    m = len(a)

    def features(a, W, inputs):
        J = np.zeros((len(inputs), m + m * d))
        for i, x in enumerate(inputs):
            pre = W @ x
            J[i, :m] = np.where(pre > 0, pre, 0.0)
            J[i, m:] = np.outer(a * (pre > 0), x).reshape(-1)
        return J

    def predict(a, W, inputs):
        return np.array([sum(a[k] * max(W[k] @ x, 0.0) for k in range(m)) for x in inputs])

    a0, W0 = a.copy(), W.copy()
    K0 = features(a0, W0, X) @ features(a0, W0, X).T
    signs0 = np.sign(X @ W0.T)
    out, step = {}, 0
    for target in checkpoints:
        while step < target:
            J = features(a, W, X)
            r = J[:, :m] @ a - y
            grad = 2.0 / n * (J.T @ r)
            a, W = a - lr * grad[:m], W - lr * grad[m:].reshape(m, d)
            step += 1
        J = features(a, W, X)
        K = J @ J.T
        out[target] = {
            "train_loss": float(np.mean((predict(a, W, X) - y) ** 2)),
            "test_loss": float(np.mean((predict(a, W, X_test) - y_test) ** 2)),
            "kernel_distance": 1.0 - float(np.sum(K0 * K)) / (np.linalg.norm(K0) * np.linalg.norm(K)),
            "hamming": float(sum(np.mean(np.sign(X @ W[k]) != signs0[:, k]) for k in range(m))),
            "param_distance": float(np.sqrt(np.sum((a - a0) ** 2) + np.sum((W - W0) ** 2))),
        }
    return out


PAPER_METRICS = ("train_loss", "test_loss", "kernel_distance", "hamming", "param_distance")


@pytest.mark.parametrize("delta", [-0.8, 0.0, 0.8])
def test_paper_preset_equals_an_independent_implementation(delta):
    """From the same initial weights and data, every metric of preset = "paper" equals the paper's definitions."""
    settings = dict(PRESETS["paper"], **SMALL, steps=300)
    cfg = RunConfig(scale=0.7, alpha=alpha_of(delta, 0.7), seed=3, **settings)
    assert (cfg.loss, cfg.hamming, cfg.param_distance, cfg.n_probe, cfg.base_lr) == ("mean", "sum", "absolute",
                                                                                    None, 5e-3)
    init = initialise(cfg)
    ref = paper_reference(init["X"], init["y"], init["X_test"], init["y_test"], init["a"].copy(),
                          init["W"].copy(), 5e-3 / 0.7**2, cfg.checkpoints)
    rows = simulate(cfg).rows
    assert [r["step"] for r in rows] == list(ref) == [0, 1, 10, 100, 300]
    for row in rows:
        for key in PAPER_METRICS:
            expected = ref[row["step"]][key]
            assert abs(row[key] - expected) <= 1e-10 * max(1.0, abs(expected)), (row["step"], key, row[key], expected)
    assert rows[-1]["hamming"] > 0 and rows[-1]["kernel_distance"] > 1e-4  # the run learned features


def test_conventions_are_the_documented_rescalings():
    """half_mean at twice the rate is the same trajectory as mean; sum = m * mean; absolute = relative * |theta0|."""
    common = dict(scale=0.6, alpha=1.7, seed=1, steps=100, **SMALL)
    paper = simulate(RunConfig(**common, loss="mean", base_lr=5e-3, hamming="sum", param_distance="absolute"),
                     record_params=True)
    ours = simulate(RunConfig(**common, loss="half_mean", base_lr=1e-2), record_params=True)
    init = initialise(RunConfig(**common))
    norm0 = math.sqrt(float(init["a"] @ init["a"]) + float(np.sum(init["W"] ** 2)))
    for p, o in zip(paper.rows, ours.rows):
        a_p, W_p = paper.params[p["step"]]
        a_o, W_o = ours.params[o["step"]]
        assert np.allclose(a_p, a_o, rtol=1e-12, atol=1e-14) and np.allclose(W_p, W_o, rtol=1e-12, atol=1e-14)
        assert math.isclose(p["train_loss"], 2 * o["train_loss"], rel_tol=1e-12)
        assert math.isclose(p["hamming"], SMALL["m"] * o["hamming"], rel_tol=1e-12, abs_tol=1e-15)
        assert math.isclose(p["param_distance"], norm0 * o["param_distance"], rel_tol=1e-12, abs_tol=1e-15)
        assert p["kernel_distance"] == o["kernel_distance"] or math.isclose(p["kernel_distance"],
                                                                           o["kernel_distance"], rel_tol=1e-9)


def test_kernel_distance_uses_the_whole_training_set_by_default():
    common = dict(scale=0.5, alpha=3.0, seed=2, steps=100, **SMALL)
    full = simulate(RunConfig(**common)).rows[-1]["kernel_distance"]
    assert full == simulate(RunConfig(**common, n_probe=SMALL["n"])).rows[-1]["kernel_distance"]
    assert full != simulate(RunConfig(**common, n_probe=5)).rows[-1]["kernel_distance"]


def test_float32_follows_float64():
    common = dict(scale=0.7, alpha=1.5, seed=0, steps=300, **SMALL)
    r64, r32 = simulate(RunConfig(**common)).rows[-1], simulate(RunConfig(**common, dtype="float32")).rows[-1]
    for key in ("train_loss", "test_loss", "param_distance", "kernel_distance"):
        assert math.isclose(r32[key], r64[key], rel_tol=1e-4), key
    assert r32["dtype"] == "float32" and r32["train_loss"] != r64["train_loss"]


def test_preset_and_convention_errors():
    from symrich.experiments import load_config

    base = {"grid": {"scale": 1.0, "alpha": 1.0, "seed": 0}}
    with pytest.raises(ValueError, match="preset must be one of 'symrich', 'paper'"):
        load_config(dict(base, settings={"preset": "papers"}))
    with pytest.raises(ValueError, match="setting 'loss' must be one of 'half_mean', 'mean'"):
        load_config(dict(base, settings={"loss": "sum"}))
    with pytest.raises(ValueError, match="n_probe must be"):
        RunConfig(scale=1.0, alpha=1.0, seed=0, n=10, n_probe=11)
    spec = load_config(dict(base, settings={"preset": "paper", "n_probe": 50, "steps": 10}))
    assert spec["settings"]["n_probe"] == 50 and spec["settings"]["loss"] == "mean"
    assert load_config(dict(base, settings={"n_probe": "all"}))["settings"]["n_probe"] is None


# ------------------------------------------------------------------------------------------ divergence
def test_divergence_is_recorded_with_its_step(tmp_path):
    cfg = {"grid": {"scale": 1.0, "alpha": [1.0, 2.0], "seed": [0]},
           "settings": dict(SMALL, steps=1000, base_lr=50.0)}
    rep = run_sweep(cfg, tmp_path, workers=0, progress=False)
    assert rep.failed == () and rep.ran == 2 and len(rep.diverged) == 2
    rows = read_table(rep.results)
    assert len(rows) == 2 * len(checkpoint_steps(1000))
    for run_id, step in rep.diverged:
        run = [r for r in rows if r["id"] == run_id]
        assert 0 < step < 1000 and all(r["diverged_step"] == step for r in run)
        assert all(r["diverged"] == (r["step"] >= step) for r in run)
        assert all(math.isnan(r["test_loss"]) for r in run if r["diverged"])
        assert all(math.isfinite(r["test_loss"]) for r in run if not r["diverged"])
    # the step is the first non-finite loss: one step earlier the engine's loss is finite
    first = expand_grid(cfg)[0]
    ok = simulate(RunConfig(**{**first.__dict__, "steps": rep.diverged[0][1] - 1})).rows
    assert ok[-1]["diverged"] == 0 and math.isfinite(ok[-1]["train_loss"])


# ------------------------------------------------------------------------------------------ fault-proof sweeps
KILL_CONFIG = ('[grid]\nscale = [0.5, 1.0]\ndelta = {linspace = [-0.5, 0.5, 8]}\nseed = [0]\n'
               '[settings]\nd = 20\nm = 20\nn = 200\nn_test = 200\nsteps = 8000\n')  # about 4 s of work
KILL_STEPS, KILL_RUNS = 8000, 16
ONE_THREAD = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")


def _sweep_process(cfg, out):
    """``symrich sweep`` in its own process, with one BLAS thread (the same arithmetic in every process)."""
    return subprocess.Popen([sys.executable, "-m", "symrich.cli", "sweep", "--config", str(cfg), "--out", str(out),
                             "--workers", "0", "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ONE_THREAD)


def _wait_for(path, proc, timeout=60):
    """Wait until ``path`` exists (the sweep holds its lock and starts working) or ``proc`` ends."""
    deadline = time.monotonic() + timeout
    while not path.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)


def test_sigkill_at_random_moments_then_resume_gives_every_config_once(tmp_path):
    """SIGKILL a sweep four times at random moments of its work; the resumed table equals an uninterrupted run's."""
    cfg = tmp_path / "s.toml"
    cfg.write_text(KILL_CONFIG)
    start = time.monotonic()
    reference = _sweep_process(cfg, tmp_path / "reference")
    assert reference.wait() == 0, reference.stderr.read()
    reference.stderr.close()
    work = time.monotonic() - start
    out = tmp_path / "killed"
    rng = random.Random(20)
    kills, ended = 0, []
    for _ in range(4):
        (out / "sweep.json").unlink(missing_ok=True)  # rewritten once the new sweep holds the lock
        proc = _sweep_process(cfg, out)
        _wait_for(out / "sweep.json", proc)
        time.sleep(rng.uniform(0.0, work / 5))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        else:
            ended.append((proc.returncode, proc.stderr.read().decode()))
        proc.wait()
        proc.stderr.close()
        for path in (out / "runs").glob("*.csv"):  # every file present is complete
            assert len(read_table(path)) == len(checkpoint_steps(KILL_STEPS)), path
    assert kills >= 2, ended
    done = len(list((out / "runs").glob("*.csv")))
    resumed = _sweep_process(cfg, out)
    assert resumed.wait() == 0, resumed.stderr.read()
    resumed.stderr.close()
    rows = read_table(out / "results.csv")
    ids = [r["id"] for r in rows]
    assert sorted(set(ids)) == sorted({r.id for r in expand_grid(cfg)})
    assert all(ids.count(i) == len(checkpoint_steps(KILL_STEPS)) for i in set(ids))
    assert (out / "results.csv").read_bytes() == (tmp_path / "reference" / "results.csv").read_bytes()
    assert not list(out.rglob(".*.tmp"))
    assert done < KILL_RUNS  # the kills interrupted the work


def test_two_sweeps_on_one_folder_do_not_both_write(tmp_path):
    cfg = tmp_path / "s.toml"
    cfg.write_text(KILL_CONFIG)
    out = tmp_path / "o"
    proc = _sweep_process(cfg, out)
    try:
        _wait_for(out / "sweep.json", proc)
        with pytest.raises(SweepLocked, match="another sweep is writing into"):
            run_sweep(cfg, out, workers=0, progress=False)
        second = subprocess.run([sys.executable, "-m", "symrich.cli", "sweep", "--config", str(cfg), "--out", str(out),
                                 "-q"], capture_output=True, text=True, timeout=60)
        assert second.returncode == 2 and "another sweep is writing into" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    import filelock

    with filelock.FileLock(out / ".symrich-sweep.lock").acquire(timeout=0):  # the killed sweep left no stale lock
        pass


# ------------------------------------------------------------------------------------------ Figure 1 and examples
def test_plot_sweep_draws_the_figure_1_layout(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from symrich.experiments.plot import plot_sweep

    cfg = {"grid": {"scale": {"logspace": [-1, 0, 3]}, "delta": [-0.5, 0.0, 0.5], "seed": [0, 1]},
           "settings": dict(SMALL, steps=200)}
    rep = run_sweep(cfg, tmp_path, workers=0, progress=False)
    captured = {}
    original = plt.Figure.savefig

    def keep(fig, *args, **kwargs):
        captured["fig"] = fig
        return original(fig, *args, **kwargs)

    plt.Figure.savefig = keep
    try:
        path = plot_sweep(tmp_path)
    finally:
        plt.Figure.savefig = original
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    fig = captured["fig"]
    panels = [ax for ax in fig.axes if ax.collections and ax.collections[0].get_gid()]
    assert len(panels) == 3 * 3  # metrics x checkpoints 10, 100, 200
    meshes = {ax.collections[0].get_gid(): ax for ax in panels}
    assert set(meshes) == {f"{k}:step={s}" for k in ("test_loss", "kernel_distance", "hamming") for s in (10, 100, 200)}
    rows = read_table(rep.results)
    ax = meshes["kernel_distance:step=100"]
    assert ax.get_yscale() == "log" and ax.get_xscale() == "linear"
    values = np.asarray(ax.collections[0].get_array()).reshape(3, 3)  # (scale, delta)
    for a, scale in enumerate(sorted({r["scale"] for r in rows})):
        for b, delta in enumerate((-0.5, 0.0, 0.5)):
            seeds = [r["kernel_distance"] for r in rows if r["step"] == 100 and r["scale"] == scale
                     and r["delta"] == delta]
            assert len(seeds) == 2 and math.isclose(values[a, b], np.mean(seeds), rel_tol=1e-12)
    loss = np.asarray(meshes["test_loss:step=200"].collections[0].get_array()).reshape(3, 3)
    expected = [r["test_loss"] for r in rows if r["step"] == 200 and r["scale"] == 0.1 and r["delta"] == 0.5]
    assert math.isclose(loss[0, 2], math.log10(np.mean(expected)), rel_tol=1e-12)
    plt.close(fig)


@pytest.mark.parametrize("name", ["paper-fig1.toml", "paper-fig1-small.toml"])
def test_paper_figure_1_configs(name):
    runs = expand_grid(str(EXAMPLES / name))
    scales, deltas = sorted({r.scale for r in runs}), sorted({r.delta for r in runs})
    assert math.isclose(scales[0], 0.1) and math.isclose(scales[-1], 10**0.3)
    assert deltas[0] == -1.0 and deltas[-1] == 1.0 and 0.0 in deltas
    for r in runs:
        assert (r.loss, r.hamming, r.param_distance, r.n_probe, r.base_lr, r.method) == (
            "mean", "sum", "absolute", None, 5e-3, "gd")
    if name == "paper-fig1.toml":
        assert (len(scales), len(deltas), len({r.seed for r in runs})) == (17, 17, 16)
        assert {(r.d, r.m, r.n, r.n_test, r.steps) for r in runs} == {(100, 50, 1000, 10_000, 1_000_000)}
    else:
        assert len(runs) < 17 * 17 * 16 / 20
