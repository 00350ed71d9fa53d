"""Part III experiments: relative scale, feature learning, and sweeps that run locally or on Dask.

The setting of the paper's two-layer ReLU sweep (Kunin, Raventós et al.,
Part III; ``MATH-part2.md`` item 8): a teacher ``f*(x) = sum_j s_j relu(v_j^T x)``
with ``teacher_width`` unit-norm rows ``v_j`` and readouts ``s_j = +-1``, inputs
uniform on the unit sphere of ``R^d``, and a student
``f(x) = sum_k a_k relu(w_k^T x)`` (no biases) of width ``m`` initialised with

* rows ``w_k = (scale / alpha) u_k`` with unit ``u_k``,
* readouts ``a_k = scale * alpha * (+-1)``,

so that every neuron has ``delta_k = a_k^2 - ||w_k||^2 = scale^2 (alpha^2 - alpha^-2)``
(``alpha = 1`` standard, ``alpha >> 1`` upstream, ``alpha << 1`` downstream).
A grid over ``(scale, delta)`` fixes ``alpha`` through :func:`alpha_of`.  With
``symmetric = true`` the neurons come in pairs with equal rows and opposite
readouts, so ``f = 0`` at initialisation.

Training is full-batch gradient descent (``method = "gd"``) or gradient flow
integrated by classical RK4 with step ``lr`` (``method = "rk4"``), with
``lr = base_lr / scale^2`` and the loss ``L = (1/2n) sum_i (f(x_i) - y_i)^2``
(a mean, as in the paper's experiments; MATH.md's derivations use the sum,
which only rescales time by ``n``).  Both layers share one learning rate, so
``eta_a = eta_w = 1`` in the single-neuron formulas.

At log-spaced checkpoints a run records (columns of the tidy table)::

    ``time``             gradient-flow time ``step * lr``;
    ``train_loss``, ``test_loss``   ``L`` on the training set and on ``n_test`` fresh samples;
    ``kernel_distance``  ``S(0, t) = 1 - <K0, Kt>_F / (||K0||_F ||Kt||_F)`` of the empirical NTK
                         (:func:`relu_ntk`) on the first ``n_probe`` training inputs;
    ``hamming``          fraction of (neuron, training sample) pairs whose activation
                         ``1[w_k^T x_i > 0]`` differs from initialisation;
    ``param_distance``   ``||theta_t - theta_0|| / ||theta_0||`` with ``theta = (a, W)``;
    ``delta_drift``      ``max_k |delta_k(t) - delta_k(0)|`` (conserved by the flow; ``O(lr)`` at fixed time under descent);
    ``diverged``         1 once the loss is no longer finite (later metrics are NaN).

Sweeps (:func:`run_sweep`, CLI ``symrich sweep``) write one CSV per
configuration, atomically, under ``OUT/runs/`` and the combined table
``OUT/results.csv``; finished configurations are skipped on a rerun, so an
interrupted sweep loses no finished result.  ``symrich plot-sweep OUT`` draws
the paper's Figure-1 style heatmaps (:mod:`symrich.experiments.plot`).

>>> cfg = RunConfig(scale=1.0, alpha=2.0, seed=0, d=5, m=4, n=20, n_test=50, n_probe=10, steps=10)
>>> rows = simulate(cfg).rows
>>> [r["step"] for r in rows], rows[0]["hamming"], round(rows[0]["kernel_distance"], 12)
([0, 1, 10], 0.0, 0.0)
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import hashlib
import json
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "RunConfig", "RunResult", "SweepReport", "alpha_of", "delta_from_alpha", "checkpoint_steps",
    "initialise", "relu_ntk", "kernel_distance", "gradients", "simulate", "load_config",
    "expand_grid", "run_sweep", "read_table", "add_cli_commands",
]

METRICS = ("time", "train_loss", "test_loss", "kernel_distance", "hamming", "param_distance", "delta_drift",
           "diverged")
_SETTINGS = {  # name: (type, default)
    "d": (int, 100), "m": (int, 50), "n": (int, 1000), "n_test": (int, 10_000), "n_probe": (int, 200),
    "teacher_width": (int, 3), "symmetric": (bool, True), "steps": (int, 10_000), "base_lr": (float, 5e-3),
    "method": (str, "gd"), "checkpoints_per_decade": (int, 1),
}
_METHODS = ("gd", "rk4")


# ----------------------------------------------------------------------------------------------- configuration
def alpha_of(delta, scale):
    """The relative scale ``alpha > 0`` with ``scale^2 (alpha^2 - alpha^-2) = delta``.

    Solved without cancellation: with ``u = delta / scale^2``,
    ``alpha^2 = (u + sqrt(u^2 + 4)) / 2`` for ``u >= 0`` and ``2 / (sqrt(u^2 + 4) - u)`` for ``u < 0``.

    >>> alpha_of(0.0, 0.5)
    1.0
    >>> a = alpha_of(-0.3, 0.2); round(0.2**2 * (a**2 - a**-2), 12)
    -0.3
    """
    u = float(delta) / float(scale) ** 2
    root = math.sqrt(u * u + 4.0)
    return math.sqrt((u + root) / 2.0 if u >= 0 else 2.0 / (root - u))


def delta_from_alpha(alpha, scale):
    """``delta = scale^2 (alpha^2 - alpha^-2)``, the per-neuron ``delta_k`` at initialisation.

    >>> delta_from_alpha(1.0, 3.0), delta_from_alpha(2.0, 1.0)
    (0.0, 3.75)
    """
    return float(scale) ** 2 * (float(alpha) ** 2 - float(alpha) ** -2)


def checkpoint_steps(steps, per_decade=1):
    """Log-spaced checkpoints ``0, 1, 10^(1/p), ..., steps`` (rounded, unique, always with 0 and ``steps``).

    >>> checkpoint_steps(1000)
    (0, 1, 10, 100, 1000)
    >>> checkpoint_steps(50, per_decade=2)
    (0, 1, 3, 10, 32, 50)
    """
    steps, per_decade = int(steps), int(per_decade)
    if steps < 0 or per_decade < 1:
        raise ValueError(f"steps must be >= 0 and per_decade >= 1, got steps={steps}, per_decade={per_decade}")
    out, j = {0, steps}, 0
    while (s := round(10 ** (j / per_decade))) <= steps:
        out.add(s)
        j += 1
    return tuple(sorted(out))


@dataclass(frozen=True)
class RunConfig:
    """One training run: grid point ``(scale, alpha, seed)`` and the fixed settings.

    ``delta`` is derived (:func:`delta_from_alpha`); a sweep over ``delta`` stores the grid
    value in ``delta_grid`` so that tables group exactly.  ``id`` names the run's result file.

    >>> c = RunConfig(scale=0.5, alpha=1.0, seed=3, m=4)
    >>> c.delta, c.lr, c.id.startswith("scale0.5_alpha1_seed3_")
    (0.0, 0.02, True)
    """

    scale: float
    alpha: float
    seed: int
    d: int = 100
    m: int = 50
    n: int = 1000
    n_test: int = 10_000
    n_probe: int = 200
    teacher_width: int = 3
    symmetric: bool = True
    steps: int = 10_000
    base_lr: float = 5e-3
    method: str = "gd"
    checkpoints_per_decade: int = 1
    delta_grid: float | None = None

    def __post_init__(self):
        problems = []
        for name in ("scale", "alpha", "base_lr"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                problems.append(f"{name} must be a positive finite number, got {v!r}")
        for name in ("d", "m", "n", "n_test", "n_probe", "teacher_width", "checkpoints_per_decade"):
            v = getattr(self, name)
            if not (isinstance(v, int) and v >= 1):
                problems.append(f"{name} must be an integer >= 1, got {v!r}")
        if not (isinstance(self.steps, int) and self.steps >= 0):
            problems.append(f"steps must be an integer >= 0, got {self.steps!r}")
        if not isinstance(self.seed, int) or self.seed < 0:
            problems.append(f"seed must be an integer >= 0, got {self.seed!r}")
        if self.method not in _METHODS:
            problems.append(f"method must be one of {_METHODS}, got {self.method!r}")
        if self.symmetric and isinstance(self.m, int) and self.m % 2:
            problems.append(f"m must be even when symmetric = true (pairs of neurons), got {self.m}")
        if isinstance(self.n_probe, int) and isinstance(self.n, int) and self.n_probe > self.n:
            problems.append(f"n_probe must be <= n = {self.n}, got {self.n_probe}")
        if problems:
            raise ValueError("invalid run configuration: " + "; ".join(problems))

    @property
    def delta(self):
        return self.delta_grid if self.delta_grid is not None else delta_from_alpha(self.alpha, self.scale)

    @property
    def lr(self):
        return self.base_lr / self.scale**2

    @property
    def checkpoints(self):
        return checkpoint_steps(self.steps, self.checkpoints_per_decade)

    @property
    def id(self):
        blob = json.dumps(dataclasses.asdict(self), sort_keys=True, default=repr)
        digest = hashlib.sha1(blob.encode()).hexdigest()[:10]
        return f"scale{self.scale:.4g}_alpha{self.alpha:.4g}_seed{self.seed}_{digest}"

    def columns(self):
        """The configuration part of a table row (``id`` first)."""
        out = {"id": self.id}
        out.update(dataclasses.asdict(self))
        out["delta"] = self.delta
        out["lr"] = self.lr
        del out["delta_grid"]
        return out


def _unit_rows(rng, k, d):
    v = rng.standard_normal((k, d))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def initialise(cfg):
    """Data, teacher targets and the student's initial ``(a, W)`` for ``cfg``.

    The random streams depend on ``seed`` only (``numpy.random.SeedSequence(seed).spawn(3)``: teacher and
    training inputs, test inputs, student directions and signs), so runs that differ in ``scale`` or
    ``alpha`` share data and unit directions.

    Returns
    -------
    dict with ``X (n, d)``, ``y (n,)``, ``X_test``, ``y_test``, ``a (m,)``, ``W (m, d)``.

    >>> init = initialise(RunConfig(scale=1.0, alpha=2.0, seed=0, d=3, m=4, n=5, n_test=2, n_probe=5))
    >>> bool(np.abs(init["a"] @ np.maximum(init["W"] @ init["X"].T, 0)).max() < 1e-15)  # symmetric: f = 0
    True
    >>> np.round(init["a"]**2 - np.sum(init["W"]**2, axis=1), 12)
    array([3.75, 3.75, 3.75, 3.75])
    """
    s_data, s_test, s_student = np.random.SeedSequence(cfg.seed).spawn(3)
    rng = np.random.default_rng(s_data)
    V = _unit_rows(rng, cfg.teacher_width, cfg.d)
    s = rng.choice([-1.0, 1.0], size=cfg.teacher_width)
    X = _unit_rows(rng, cfg.n, cfg.d)
    X_test = _unit_rows(np.random.default_rng(s_test), cfg.n_test, cfg.d)
    rng = np.random.default_rng(s_student)
    if cfg.symmetric:
        U = _unit_rows(rng, cfg.m // 2, cfg.d)
        signs = rng.choice([-1.0, 1.0], size=cfg.m // 2)
        U, signs = np.concatenate([U, U]), np.concatenate([signs, -signs])
    else:
        U = _unit_rows(rng, cfg.m, cfg.d)
        signs = rng.choice([-1.0, 1.0], size=cfg.m)
    return {
        "X": X, "y": np.maximum(X @ V.T, 0.0) @ s, "X_test": X_test, "y_test": np.maximum(X_test @ V.T, 0.0) @ s,
        "a": cfg.scale * cfg.alpha * signs, "W": (cfg.scale / cfg.alpha) * U,
    }


# ----------------------------------------------------------------------------------------------- numerics
def relu_ntk(a, W, X):
    """Empirical NTK ``K = J J^T`` of ``f(x) = sum_k a_k relu(w_k^T x)`` w.r.t. ``(a, W)``, in closed form.

    ``K_ij = sum_k [relu(w_k^T x_i) relu(w_k^T x_j) + a_k^2 1[w_k^T x_i > 0] 1[w_k^T x_j > 0] x_i^T x_j]``.

    Parameters
    ----------
    a : ndarray (m,)
    W : ndarray (m, d)
    X : ndarray (P, d)

    Returns
    -------
    ndarray (P, P)

    >>> relu_ntk(np.array([2.0]), np.array([[1.0, 0.0]]), np.array([[1.0, 1.0], [-1.0, 0.0]]))
    array([[9., 0.],
           [0., 0.]])
    """
    Z = X @ W.T
    H = np.maximum(Z, 0.0)
    D = (Z > 0).astype(float)
    return H @ H.T + (X @ X.T) * ((D * a**2) @ D.T)


def kernel_distance(K0, K):
    """``S = 1 - <K0, K>_F / (||K0||_F ||K||_F)`` (0 for parallel kernels, NaN if one is zero).

    >>> kernel_distance(np.eye(2), 3 * np.eye(2)), kernel_distance(np.eye(2), np.array([[0., 1.], [1., 0.]]))
    (0.0, 1.0)
    """
    denom = np.linalg.norm(K0) * np.linalg.norm(K)
    if denom == 0 or not np.isfinite(denom):
        return float("nan")
    return float(max(0.0, 1.0 - np.sum(K0 * K) / denom))


def gradients(a, W, X, y):
    """``(dL/da, dL/dW, L)`` for ``L = (1/2n) sum_i (f(x_i) - y_i)^2``, vectorised over neurons and samples.

    With ``g_k = (1/n) sum_i 1[w_k^T x_i > 0] r_i x_i``: ``dL/da_k = w_k^T g_k`` and ``dL/dw_k = a_k g_k``.

    >>> ga, gW, L = gradients(np.array([1.0]), np.array([[1.0, 0.0]]), np.array([[1.0, 0.0]]), np.array([0.0]))
    >>> ga, gW, L
    (array([1.]), array([[1., 0.]]), 0.5)
    """
    Z = X @ W.T
    H = np.maximum(Z, 0.0)
    r = (H @ a - y) / len(y)
    G = ((Z > 0) * r[:, None]).T @ X  # rows g_k
    return H.T @ r, a[:, None] * G, 0.5 * len(y) * float(r @ r)


def _loss(a, W, X, y):
    r = np.maximum(X @ W.T, 0.0) @ a - y
    return 0.5 * float(r @ r) / len(y)


@dataclass(frozen=True)
class RunResult:
    """Rows of one run (one dict per checkpoint) and, if recorded, ``params[step] = (a, W)``.

    Attributes
    ----------
    config : RunConfig
        The configuration that was run.
    rows : list of dict
        One row per checkpoint: the configuration's columns, ``step`` and the metrics.
    params : dict
        ``{step: (a, W)}`` when :func:`simulate` was called with ``record_params=True``, else empty.

    Examples
    --------
    >>> cfg = RunConfig(scale=1.0, alpha=4.0, seed=1, d=4, m=6, n=30, n_test=30, n_probe=8, steps=10)
    >>> res = simulate(cfg, record_params=True)
    >>> res.config is cfg, [row["step"] for row in res.rows]
    (True, [0, 1, 10])
    >>> a, W = res.params[10]
    >>> a.shape, W.shape
    ((6,), (6, 4))
    >>> simulate(cfg).params
    {}
    """

    config: RunConfig
    rows: list
    params: dict


def simulate(cfg, *, record_params=False, init=None):
    """Train one student and measure it at the checkpoints of ``cfg``.

    Parameters
    ----------
    cfg : RunConfig
    record_params : bool
        Keep copies of ``(a, W)`` at every checkpoint in ``result.params``.
    init : dict, optional
        Replace :func:`initialise`'s output (same keys), for experiments with hand-made data.

    Returns
    -------
    RunResult

    >>> cfg = RunConfig(scale=1.0, alpha=4.0, seed=1, d=4, m=6, n=30, n_test=30, n_probe=8, steps=100)
    >>> r = simulate(cfg)
    >>> r.rows[-1]["train_loss"] < r.rows[0]["train_loss"], r.rows[-1]["delta_drift"] < 1e-3
    (True, True)
    """
    if not isinstance(cfg, RunConfig):
        raise ValueError(f"cfg must be a RunConfig, got {type(cfg).__name__}")
    init = initialise(cfg) if init is None else init
    X, y, X_test, y_test = init["X"], init["y"], init["X_test"], init["y_test"]
    a, W = np.array(init["a"], dtype=float), np.array(init["W"], dtype=float)
    a0, W0 = a.copy(), W.copy()
    Xp = X[: cfg.n_probe]
    K0 = relu_ntk(a0, W0, Xp)
    A0 = (X @ W0.T) > 0
    delta0 = a0**2 - np.sum(W0**2, axis=1)
    norm0 = math.sqrt(float(a0 @ a0) + float(np.sum(W0 * W0)))
    lr, base = cfg.lr, cfg.columns()
    rows, params = [], {}
    diverged, step = False, 0

    def grad(a_, W_):
        ga, gW, _ = gradients(a_, W_, X, y)
        return ga, gW

    for target in cfg.checkpoints:
        with np.errstate(over="ignore", invalid="ignore"):
            step, a, W, diverged = _advance(cfg, grad, a, W, step, target, diverged)
            train = _loss(a, W, X, y)
        diverged = diverged or not math.isfinite(train)
        row = dict(base, step=target, time=target * lr)
        if diverged:
            row.update({k: float("nan") for k in METRICS[1:-1]}, diverged=1)
        else:
            da, dW = a - a0, W - W0
            row.update(
                train_loss=train,
                test_loss=_loss(a, W, X_test, y_test),
                kernel_distance=kernel_distance(K0, relu_ntk(a, W, Xp)),
                hamming=float(np.mean(((X @ W.T) > 0) != A0)),
                param_distance=math.sqrt(float(da @ da) + float(np.sum(dW * dW))) / norm0,
                delta_drift=float(np.max(np.abs(a**2 - np.sum(W**2, axis=1) - delta0))),
                diverged=0,
            )
            if record_params:
                params[target] = (a.copy(), W.copy())
        rows.append(row)
    return RunResult(cfg, rows, params)


def _advance(cfg, grad, a, W, step, target, diverged):
    """Take steps until ``target`` (gradient descent, or RK4 on the gradient flow); stop early on overflow."""
    lr = cfg.lr
    while step < target and not diverged:
        if cfg.method == "gd":
            ga, gW = grad(a, W)
            a, W = a - lr * ga, W - lr * gW
        else:  # classical RK4 on the gradient flow
            k1 = grad(a, W)
            k2 = grad(a - 0.5 * lr * k1[0], W - 0.5 * lr * k1[1])
            k3 = grad(a - 0.5 * lr * k2[0], W - 0.5 * lr * k2[1])
            k4 = grad(a - lr * k3[0], W - lr * k3[1])
            a = a - lr / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
            W = W - lr / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
        step += 1
        if step % 64 == 0 and not (np.all(np.isfinite(a)) and np.all(np.isfinite(W))):
            diverged = True
    return step, a, W, diverged


def _run_rows(cfg):
    """Worker entry point (module level, so process pools and Dask can import it)."""
    return simulate(cfg).rows


# ----------------------------------------------------------------------------------------------- sweeps
def load_config(config):
    """Read a sweep configuration: a dict, or a path to a TOML file.

    The file has a ``[grid]`` table with ``scale``, ``seed`` and exactly one of ``delta`` or ``alpha``,
    each a list, a number, ``{linspace = [lo, hi, num]}``, ``{logspace = [lo, hi, num]}`` (base 10) or,
    for ``seed``, ``{range = N}``; and a ``[settings]`` table with any of the :class:`RunConfig` fields
    (``d, m, n, n_test, n_probe, teacher_width, symmetric, steps, base_lr, method, checkpoints_per_decade``).

    >>> spec = load_config({"grid": {"scale": 1.0, "alpha": [1, 2], "seed": {"range": 2}}})
    >>> spec["grid"]["seed"], spec["grid"]["alpha"]
    ([0, 1], [1.0, 2.0])
    """
    if isinstance(config, (str, os.PathLike)):
        path = Path(config)
        if not path.is_file():
            raise ValueError(f"config must be a dict or the path of a TOML file; no file {str(path)!r}")
        try:
            import tomllib
        except ModuleNotFoundError:  # Python 3.10
            try:
                import tomli as tomllib
            except ModuleNotFoundError as exc:
                raise ValueError("reading a TOML config on Python 3.10 needs the 'tomli' package "
                                 "(pip install tomli), or pass the config as a dict") from exc
        with path.open("rb") as fh:
            try:
                config = tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:
                raise ValueError(f"config file {str(path)!r} is not valid TOML: {exc}") from exc
    if not isinstance(config, dict):
        raise ValueError(f"config must be a dict or a TOML path, got {type(config).__name__}")
    problems = [f"unknown top-level table {k!r} (expected 'grid', 'settings')" for k in config
                if k not in ("grid", "settings")]
    grid, settings = dict(config.get("grid", {})), dict(config.get("settings", {}))
    for k in grid:
        if k not in ("scale", "delta", "alpha", "seed"):
            problems.append(f"unknown grid key {k!r} (expected scale, delta or alpha, seed)")
    for k in ("scale", "seed"):
        if k not in grid:
            problems.append(f"grid needs {k!r}")
    if ("delta" in grid) == ("alpha" in grid):
        problems.append("grid needs exactly one of 'delta' and 'alpha'")
    for k, v in settings.items():
        if k not in _SETTINGS:
            problems.append(f"unknown setting {k!r} (expected one of {', '.join(_SETTINGS)})")
        elif _SETTINGS[k][0] is float and isinstance(v, (int, float)) and not isinstance(v, bool):
            settings[k] = float(v)
        elif not isinstance(v, _SETTINGS[k][0]) or (_SETTINGS[k][0] is int and isinstance(v, bool)):
            problems.append(f"setting {k!r} must be of type {_SETTINGS[k][0].__name__}, got {v!r}")
    out = {}
    for k, v in grid.items():
        try:
            out[k] = _axis(k, v)
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        raise ValueError("invalid sweep config: " + "; ".join(problems))
    return {"grid": out, "settings": settings}


def _axis(name, v):
    if isinstance(v, dict):
        if len(v) != 1 or next(iter(v)) not in ("linspace", "logspace", "range"):
            raise ValueError(f"grid {name!r}: a table must be {{linspace = [..]}}, {{logspace = [..]}} or {{range = N}}")
        (kind, args), = v.items()
        if kind == "range":
            vals = list(range(int(args)))
        else:
            if not (isinstance(args, list) and len(args) == 3):
                raise ValueError(f"grid {name!r}: {kind} needs [start, stop, num], got {args!r}")
            vals = getattr(np, kind)(float(args[0]), float(args[1]), int(args[2])).tolist()
    else:
        vals = list(v) if isinstance(v, (list, tuple)) else [v]
    if not vals:
        raise ValueError(f"grid {name!r} is empty")
    if name == "seed":
        if not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in vals):
            raise ValueError(f"grid 'seed' must hold integers >= 0, got {vals!r}")
        return vals
    try:
        vals = [float(x) for x in vals]
    except (TypeError, ValueError) as exc:
        raise ValueError(f"grid {name!r} must hold numbers, got {vals!r}") from exc
    if not all(math.isfinite(x) for x in vals) or (name != "delta" and min(vals) <= 0):
        raise ValueError(f"grid {name!r} must hold finite{'' if name == 'delta' else ' positive'} numbers, got {vals!r}")
    return vals


def expand_grid(config):
    """All :class:`RunConfig` of a sweep, in grid order (scale, then delta or alpha, then seed).

    >>> runs = expand_grid({"grid": {"scale": [0.5, 1.0], "delta": [-1.0, 0.0, 1.0], "seed": [0]},
    ...                     "settings": {"steps": 10}})
    >>> len(runs), runs[0].delta, round(runs[0].alpha, 4)
    (6, -1.0, 0.4859)
    """
    spec = load_config(config)
    grid, settings = spec["grid"], spec["settings"]
    by_delta = "delta" in grid
    runs = []
    for scale in grid["scale"]:
        for v in grid["delta" if by_delta else "alpha"]:
            alpha = alpha_of(v, scale) if by_delta else v
            for seed in grid["seed"]:
                runs.append(RunConfig(scale=scale, alpha=alpha, seed=seed, delta_grid=v if by_delta else None,
                                      **settings))
    return runs


def _fmt(v):
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, float):
        return repr(v)
    return v


def _atomic_write_csv(path, rows, fieldnames):
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fieldnames)
        w.writeheader()
        w.writerows({k: _fmt(r[k]) for k in fieldnames} for r in rows)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def read_table(path):
    """Read a results CSV into a list of dicts with numbers converted (``id``/``method`` stay strings).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"; _ = p.write_text("id,step,hamming\\nx,10,0.25\\n")
    >>> read_table(p)
    [{'id': 'x', 'step': 10, 'hamming': 0.25}]
    """
    out = []
    with Path(path).open(newline="") as fh:
        for row in csv.DictReader(fh):
            conv = {}
            for k, v in row.items():
                if k in ("id", "method"):
                    conv[k] = v
                else:
                    try:
                        conv[k] = int(v)
                    except ValueError:
                        conv[k] = float(v)
            out.append(conv)
    return out


@dataclass(frozen=True)
class SweepReport:
    """What :func:`run_sweep` did: the combined table, counts, failures and wall time.

    Attributes
    ----------
    results : Path
        The combined table ``results.csv`` (read it with :func:`read_table`).
    total : int
        Configurations in the sweep.
    ran : int
        Configurations run (successfully) by this call.
    skipped : int
        Configurations whose result already existed.
    failed : tuple
        ``(id, error)`` of the configurations that raised.
    seconds : float
        Wall-clock time of the call.

    Examples
    --------
    >>> import tempfile
    >>> cfg = {"grid": {"scale": 1.0, "alpha": [0.5, 2.0], "seed": [0]},
    ...        "settings": {"d": 4, "m": 4, "n": 20, "n_test": 20, "n_probe": 5, "steps": 10}}
    >>> rep = run_sweep(cfg, tempfile.mkdtemp(), workers=0, progress=False)
    >>> rep.total, rep.ran, rep.skipped, rep.failed, rep.results.name
    (2, 2, 0, (), 'results.csv')
    """

    results: Path
    total: int
    ran: int
    skipped: int
    failed: tuple
    seconds: float


class _Progress:
    """A minimal progress bar with time left, on stderr (one line per second at most when not a TTY)."""

    def __init__(self, total, done=0, stream=None, enabled=True):
        self.total, self.done, self.stream, self.enabled = total, done, stream or sys.stderr, enabled
        self.start, self.last, self.new = time.monotonic(), 0.0, 0
        self.tty = getattr(self.stream, "isatty", lambda: False)()

    def update(self, k=1):
        self.done += k
        self.new += k
        self.show(final=self.done >= self.total)

    def show(self, final=False):
        if not self.enabled:
            return
        now = time.monotonic()
        if not final and now - self.last < (0.1 if self.tty else 1.0):
            return
        self.last = now
        elapsed = now - self.start
        left = elapsed / self.new * (self.total - self.done) if self.new else float("nan")
        frac = self.done / self.total if self.total else 1.0
        bar = "#" * int(24 * frac) + "." * (24 - int(24 * frac))
        text = (f"sweep [{bar}] {self.done}/{self.total} configs  elapsed {_hms(elapsed)}  "
                f"left {_hms(left) if math.isfinite(left) else '?'}")
        self.stream.write(("\r" + text + ("\n" if final else "")) if self.tty else text + "\n")
        self.stream.flush()


def _hms(s):
    s = int(round(s))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


_ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@contextlib.contextmanager
def _child_environment(env):
    """Set environment variables for child processes started inside the block, then restore."""
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _iter_local(runs, workers):
    import concurrent.futures as cf
    import multiprocessing

    # spawn + one BLAS thread per worker: the same arithmetic as a Dask worker (whose nanny sets the same
    # variables), so local and cluster results are identical.
    with _child_environment(_ONE_THREAD):
        pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
        futures = {pool.submit(_run_rows, r): r for r in runs}
    try:
        for fut in cf.as_completed(futures):
            yield futures[fut], fut
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _iter_dask(runs, scheduler):
    try:
        from distributed import Client, as_completed
    except ModuleNotFoundError as exc:
        raise ValueError("scheduler given but dask.distributed is not installed (pip install distributed)") from exc
    with Client(scheduler, set_as_default=False) as client:
        futures = {client.submit(_run_rows, r, key=f"symrich-run-{r.id}", pure=False): r for r in runs}
        try:
            for fut in as_completed(list(futures), loop=client.loop):
                yield futures[fut], fut
        finally:
            client.cancel(list(futures))


def run_sweep(config, out_dir, scheduler=None, workers=None, *, progress=True):
    """Run every configuration of a sweep that has no result yet; write the tidy table.

    Parameters
    ----------
    config : dict or path
        See :func:`load_config`.
    out_dir : path
        Gets ``sweep.json`` (the resolved config), ``runs/<id>.csv`` (one file per configuration, written
        atomically as soon as it finishes) and ``results.csv`` (all rows of this sweep, in grid order).
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``); the runs are submitted there instead of run locally.
    workers : int, optional
        Local worker processes (default ``os.cpu_count()``); ``0`` runs in this process.
    progress : bool
        Progress bar with time left on stderr.

    Returns
    -------
    SweepReport
        Configurations that raised are listed in ``failed`` (their rows are absent); all others are saved.

    >>> import tempfile
    >>> cfg = {"grid": {"scale": 1.0, "alpha": [0.5, 2.0], "seed": [0]},
    ...        "settings": {"d": 4, "m": 4, "n": 20, "n_test": 20, "n_probe": 5, "steps": 10}}
    >>> out = tempfile.mkdtemp()
    >>> rep = run_sweep(cfg, out, workers=0, progress=False); (rep.ran, rep.skipped, len(read_table(rep.results)))
    (2, 0, 6)
    >>> run_sweep(cfg, out, workers=0, progress=False).skipped
    2
    """
    start = time.monotonic()
    spec = load_config(config)
    runs = expand_grid(spec)
    if workers is not None and not (isinstance(workers, int) and workers >= 0):
        raise ValueError(f"workers must be an integer >= 0, got {workers!r}")
    out = Path(out_dir)
    run_dir = out / "runs"
    run_dir.mkdir(parents=True, exist_ok=True)
    (out / "sweep.json").write_text(json.dumps(spec, indent=2, sort_keys=True) + "\n")
    todo = [r for r in runs if not (run_dir / f"{r.id}.csv").exists()]
    bar = _Progress(len(runs), len(runs) - len(todo), enabled=progress)
    bar.show()
    fields = list(runs[0].columns()) + ["step"] + list(METRICS)
    failed = []

    def save(run, rows):
        _atomic_write_csv(run_dir / f"{run.id}.csv", rows, fields)
        bar.update()

    if todo and scheduler is None and workers == 0:
        for r in todo:
            try:
                save(r, _run_rows(r))
            except Exception as exc:  # noqa: BLE001 - reported in the SweepReport
                failed.append((r.id, repr(exc)))
    elif todo:
        source = _iter_dask(todo, scheduler) if scheduler else _iter_local(todo, workers or os.cpu_count() or 1)
        for r, fut in source:
            try:
                rows = fut.result()
            except Exception as exc:  # noqa: BLE001
                failed.append((r.id, repr(exc)))
                continue
            save(r, rows)
    rows = []
    for r in runs:
        path = run_dir / f"{r.id}.csv"
        if path.exists():
            rows.extend(read_table(path))
    results = out / "results.csv"
    _atomic_write_csv(results, rows, fields)
    return SweepReport(results, len(runs), len(todo) - len(failed), len(runs) - len(todo), tuple(failed),
                       time.monotonic() - start)


# ----------------------------------------------------------------------------------------------- CLI
def cmd_sweep(args):
    """``symrich sweep --config FILE.toml --out DIR [--scheduler ADDRESS] [--workers N]``."""
    try:
        rep = run_sweep(args.config, args.out, scheduler=args.scheduler, workers=args.workers,
                        progress=not args.quiet)
    except ValueError as exc:
        print(f"symrich sweep: {exc}", file=sys.stderr)
        return 2
    print(f"{rep.total} configurations: {rep.ran} run, {rep.skipped} already done, {len(rep.failed)} failed "
          f"({rep.seconds:.1f} s); table: {rep.results}")
    for run_id, err in rep.failed:
        print(f"  failed {run_id}: {err}", file=sys.stderr)
    return 1 if rep.failed else 0


def cmd_plot_sweep(args):
    """``symrich plot-sweep DIR [--out FILE] [--step N]``."""
    from symrich.experiments.plot import plot_sweep

    try:
        path = plot_sweep(args.dir, out=args.out, step=args.step)
    except ValueError as exc:
        print(f"symrich plot-sweep: {exc}", file=sys.stderr)
        return 2
    print(f"figure written to {path}")
    return 0


def add_cli_commands(subparsers):
    """Add the ``sweep`` and ``plot-sweep`` subcommands to the ``symrich`` command line.

    >>> import argparse
    >>> p = argparse.ArgumentParser(); add_cli_commands(p.add_subparsers(dest="command"))
    >>> p.parse_args(["sweep", "--config", "x.toml", "--out", "o", "--workers", "2"]).workers
    2
    """
    s = subparsers.add_parser("sweep", help="run a relative-scale sweep (locally or on a Dask cluster)")
    s.add_argument("--config", required=True, help="TOML file with [grid] and [settings]")
    s.add_argument("--out", required=True, help="output folder (resumable: finished configurations are skipped)")
    s.add_argument("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    s.add_argument("--workers", type=int, default=None, help="local worker processes (default: all cores; 0: in-process)")
    s.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_sweep)
    p = subparsers.add_parser("plot-sweep", help="heatmaps and alpha curves of a finished sweep")
    p.add_argument("dir", help="sweep output folder (with results.csv)")
    p.add_argument("--out", default=None, help="image file (default: DIR/sweep.png)")
    p.add_argument("--step", type=int, default=None, help="checkpoint to show (default: the last)")
    p.set_defaults(func=cmd_plot_sweep)
