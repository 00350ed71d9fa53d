"""The JAX backend equals the NumPy engine (float64 on CPU, to 1e-12); needs the optional dependency jax."""

import math

import pytest

jax = pytest.importorskip("jax")

from symrich.experiments import RunConfig, read_table, run_sweep, simulate  # noqa: E402
from symrich.experiments.jax_backend import batch_key, simulate_batch  # noqa: E402

SMALL = {"d": 6, "m": 8, "n": 40, "n_test": 50}
COMPARED = ("train_loss", "test_loss", "kernel_distance", "hamming", "param_distance", "delta_drift")


def _close(a, b, tol):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= tol * max(1.0, abs(b))


@pytest.mark.parametrize("settings", [
    dict(steps=300),
    dict(steps=300, loss="mean", hamming="sum", param_distance="absolute"),
    dict(steps=100, method="rk4", symmetric=False),
])
def test_batched_jax_equals_numpy_in_float64(settings):
    """Seeds of unequal counts (padded), every regime of delta, and one diverging configuration."""
    configs = [RunConfig(scale=scale, alpha=alpha, seed=seed, **SMALL, **settings)
               for scale, alpha, seed in [(0.5, 0.3, 0), (0.5, 1.0, 0), (0.5, 3.0, 0), (1.0, 2.0, 1), (1.0, 0.5, 1),
                                          (0.8, 1.0, 2)]]
    configs.append(RunConfig(scale=1.0, alpha=1.0, seed=2, **SMALL, **dict(settings, base_lr=60.0)))  # diverges
    results = simulate_batch(configs)
    assert [r.config for r in results] == configs
    for cfg, res in zip(configs, results):
        expected = simulate(cfg).rows
        assert [r["step"] for r in res.rows] == [r["step"] for r in expected]
        for got, want in zip(res.rows, expected):
            assert got["diverged"] == want["diverged"] and got["diverged_step"] == want["diverged_step"]
            for key in COMPARED:
                assert _close(got[key], want[key], 1e-12), (cfg, got["step"], key, got[key], want[key])
    assert results[-1].rows[-1]["diverged"] == 1 and any(r.rows[-1]["hamming"] > 0 for r in results[:-1])


def test_float32_jax_follows_numpy_float32():
    configs = [RunConfig(scale=0.7, alpha=alpha, seed=0, steps=200, dtype="float32", **SMALL) for alpha in (0.5, 2.0)]
    for cfg, res in zip(configs, simulate_batch(configs)):
        want = simulate(cfg).rows[-1]
        for key in ("train_loss", "test_loss", "param_distance"):
            assert math.isclose(res.rows[-1][key], want[key], rel_tol=1e-4), key


def test_sweep_with_the_jax_backend(tmp_path):
    cfg = {"grid": {"scale": [0.5, 1.0], "delta": [-0.5, 0.0, 0.5], "seed": [0, 1]}, "settings": dict(SMALL, steps=100)}
    numpy_rep = run_sweep(cfg, tmp_path / "numpy", workers=0, progress=False)
    jax_rep = run_sweep(cfg, tmp_path / "jax", backend="jax", batch_size=5, progress=False)
    assert (jax_rep.ran, jax_rep.failed) == (12, ())
    got, want = read_table(jax_rep.results), read_table(numpy_rep.results)
    assert [r["id"] for r in got] == [r["id"] for r in want]
    for g, w in zip(got, want):
        assert all(_close(g[k], w[k], 1e-12) for k in COMPARED)
    with pytest.raises(ValueError, match="cannot be combined with a scheduler"):
        run_sweep(cfg, tmp_path / "x", backend="jax", scheduler="tcp://127.0.0.1:1")


def test_batches_must_share_their_settings():
    a, b = RunConfig(scale=1.0, alpha=1.0, seed=0, **SMALL), RunConfig(scale=1.0, alpha=1.0, seed=0, m=4, d=6, n=40,
                                                                        n_test=50)
    assert batch_key(a) != batch_key(b)
    with pytest.raises(ValueError, match="share every setting"):
        simulate_batch([a, b])
