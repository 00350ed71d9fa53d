"""One training run of the Part III experiment: data, student, gradient descent, measurements.

The setting of the paper's two-layer ReLU sweep (Kunin, Raventós et al., Part III and
Figure 1): a teacher ``f*(x) = sum_j s_j relu(v_j^T x)`` with ``teacher_width`` unit-norm
rows ``v_j`` and readouts ``s_j = +-1``, inputs uniform on the unit sphere of ``R^d``, and a
student ``f(x) = sum_k a_k relu(w_k^T x)`` (no biases) of width ``m`` initialised with rows
``w_k = (scale / alpha) u_k`` (unit ``u_k``) and readouts ``a_k = scale * alpha * (+-1)``.
With ``symmetric = true`` the neurons come in pairs with equal rows and opposite readouts,
so ``f = 0`` at initialisation.

Training is full-batch gradient descent (``method = "gd"``) or gradient flow integrated by
classical RK4 with step ``lr`` (``method = "rk4"``), with ``lr = base_lr / scale^2`` and the
loss ``L = (1/2n) sum_i (f(x_i) - y_i)^2``.  Both layers share one learning rate.

At log-spaced checkpoints a run records the columns :data:`METRICS`::

    ``time``             gradient-flow time ``step * lr``;
    ``train_loss``, ``test_loss``   ``L`` on the training set and on ``n_test`` fresh samples;
    ``kernel_distance``  ``S(0, t) = 1 - <K0, Kt>_F / (||K0||_F ||Kt||_F)`` of the empirical NTK
                         (:func:`relu_ntk`) on the first ``n_probe`` training inputs
                         (NaN for a dead network, :func:`ntk_distance`);
    ``hamming``          fraction of (neuron, training sample) pairs whose activation
                         ``1[w_k^T x_i > 0]`` differs from initialisation;
    ``param_distance``   ``||theta_t - theta_0|| / ||theta_0||`` with ``theta = (a, W)``;
    ``delta_drift``      ``max_k |delta_k(t) - delta_k(0)|`` (conserved by the flow; ``O(lr)`` at fixed time under descent);
    ``diverged``         1 once the loss is no longer finite (later metrics are NaN).

>>> cfg = RunConfig(scale=1.0, alpha=2.0, seed=0, d=5, m=4, n=20, n_test=50, n_probe=10, steps=10)
>>> rows = simulate(cfg).rows
>>> [r["step"] for r in rows], rows[0]["hamming"], round(rows[0]["kernel_distance"], 12)
([0, 1, 10], 0.0, 0.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from symrich.experiments.config import RunConfig
from symrich.numeric.kernels import kernel_distance

__all__ = ["METRICS", "RunResult", "initialise", "relu_ntk", "ntk_distance", "gradients", "simulate"]

#: The measured columns of a run's table, in order.
METRICS = ("time", "train_loss", "test_loss", "kernel_distance", "hamming", "param_distance", "delta_drift",
           "diverged")


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


def ntk_distance(K0, Kt):
    """The kernel distance :func:`symrich.numeric.kernels.kernel_distance`, or NaN where a kernel is zero.

    A zero NTK means a dead network: no neuron is active on any probe input (``K = 0``
    exactly, since every term of :func:`relu_ntk` carries an activation).  ``S`` is undefined
    there, so the metric is recorded as NaN rather than raising mid-run.

    >>> ntk_distance(np.eye(2), 3 * np.eye(2)), ntk_distance(np.eye(2), np.zeros((2, 2)))
    (0.0, nan)
    """
    if not (np.any(K0) and np.any(Kt)):
        return math.nan
    return kernel_distance(K0, Kt)


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
                kernel_distance=ntk_distance(K0, relu_ntk(a, W, Xp)),
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
